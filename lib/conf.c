/* conf: dsq's YAML configuration (see conf.h and dsq-config(5)).  Each file
 * is one top-level mapping read with libyaml's event parser, so that every
 * error can name the file, the line and the key it concerns.  A file is
 * applied to a copy of the configuration and committed only when all of it
 * is good: a bad layer changes nothing. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <yaml.h>

#include "buf.h"
#include "conf.h"
#include "fs.h"
#include "limit.h"
#include "plan.h"
#include "retry.h"
#include "sbatch.h"
#include "text.h"

/* libyaml's ownership rules, once:
 *  - yaml_parser_initialize() allocates; yaml_parser_delete() frees, and must
 *    be called even after a parse error.
 *  - yaml_parser_set_input_string() borrows the buffer: it must outlive the
 *    parser and is never copied or freed by libyaml.
 *  - Each successful yaml_parser_parse() fills an event that owns its
 *    strings (scalar value, anchor, tag); they are borrowed by us until
 *    yaml_event_delete(), which must follow every successful parse.  On
 *    failure the event is left zeroed and nothing is owned.  The event
 *    struct itself is ours: libyaml copies it out, so an array of events
 *    (pass 1 below) may be moved by realloc.
 *  - Marks (yaml_mark_t) are plain values: 0-based line and column. */

enum key_id {
    KEY_STATUS_DIR,
    KEY_SBATCH_OPTIONS,
    KEY_MAX_ARRAY_TASKS,
    KEY_LAYOUT,
    KEY_SHELL,
    KEY_SIGNAL_LEAD,
    KEY_BATCH_TEMPLATE,
    KEY_KILL_GRACE,
    KEY_RETRIES,
    KEY_RETRY_ON,
    KEY_MAX_FAILURES,
    KEY_TASK_TIME,
    KEY__COUNT
};

static const char *const key_names[KEY__COUNT] = {
    [KEY_STATUS_DIR] = "status-dir",
    [KEY_SBATCH_OPTIONS] = "sbatch-options",
    [KEY_MAX_ARRAY_TASKS] = "max-array-tasks",
    [KEY_LAYOUT] = "layout",
    [KEY_SHELL] = "shell",
    [KEY_SIGNAL_LEAD] = "signal-lead",
    [KEY_BATCH_TEMPLATE] = "batch-template",
    [KEY_KILL_GRACE] = "kill-grace",
    [KEY_RETRIES] = "retries",
    [KEY_RETRY_ON] = "retry-on",
    [KEY_MAX_FAILURES] = "max-failures",
    [KEY_TASK_TIME] = "task-time",
};

/* One file being read. */
struct reader {
    yaml_parser_t parser;
    const char *name;     /* for messages */
    const char *base_dir; /* for relative batch-template, or NULL */
    const char *key;      /* the top-level key being read, for messages */
    yaml_mark_t key_mark; /* where that key is */
    struct dsq_error *err;
    yaml_event_t *ev;     /* owned: every event of the stream (pass 1) */
    size_t nev, cap, pos; /* pos: the next event for pass 2 */
};

static int
conf_oom(struct dsq_error *err, const char *name)
{
    return dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: out of memory", name);
}

static int
conf_copy(struct dsq_conf *dst, const struct dsq_conf *src)
{
    memset(dst, 0, sizeof *dst);
    dst->max_array_tasks = src->max_array_tasks;
    dst->layout = src->layout;
    dst->signal_lead = src->signal_lead;
    dst->kill_grace = src->kill_grace;
    dst->retries = src->retries;
    dst->max_failures = src->max_failures;
    dst->task_time = src->task_time;
    if (src->retry_on && !(dst->retry_on = strdup(src->retry_on)))
        goto fail;
    if (src->status_dir && !(dst->status_dir = strdup(src->status_dir)))
        goto fail;
    if (src->shell && !(dst->shell = strdup(src->shell)))
        goto fail;
    if (src->batch_template && !(dst->batch_template = strdup(src->batch_template)))
        goto fail;
    for (size_t i = 0; i < src->sbatch_options.n; i++) {
        if (dsq_strv_push(&dst->sbatch_options, src->sbatch_options.v[i]) < 0)
            goto fail;
    }
    for (size_t i = 0; i < src->files.n; i++) {
        if (dsq_strv_push(&dst->files, src->files.v[i]) < 0)
            goto fail;
    }
    return 0;
fail:
    dsq_conf_free(dst);
    return -1;
}

int
dsq_conf_init(struct dsq_conf *c, struct dsq_error *err)
{
    memset(c, 0, sizeof *c);
    c->max_array_tasks = 1000;
    c->layout = DSQ_LAYOUT_DYNAMIC;
    c->signal_lead = 60;
    c->kill_grace = 10.0;
    c->task_time = 600.0;
    c->status_dir = strdup(".");
    c->shell = strdup("/bin/sh");
    if (!c->status_dir || !c->shell) {
        dsq_conf_free(c);
        return conf_oom(err, "configuration");
    }
    return 0;
}

void
dsq_conf_free(struct dsq_conf *c)
{
    if (!c)
        return;
    free(c->status_dir);
    free(c->shell);
    free(c->batch_template);
    free(c->retry_on);
    dsq_strv_free(&c->sbatch_options);
    dsq_strv_free(&c->files);
    c->status_dir = c->shell = c->batch_template = c->retry_on = NULL;
}

static const char *
nearest_key(const char *s)
{
    _Static_assert(KEY__COUNT == 12, "list every key in the unknown-key message");
    return dsq_closest_word(s, strlen(s), key_names, KEY__COUNT);
}

/* "FILE:LINE: key 'K': <fmt>" (or without the key part). */
static int conf_fail(struct reader *r, yaml_mark_t mark, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
conf_fail(struct reader *r, yaml_mark_t mark, const char *fmt, ...)
{
    char what[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (r->key)
        return dsq_errprintf(r->err, DSQ_ERR_INPUT, "%s:%zu: key '%s': %s", r->name,
                             (size_t)mark.line + 1, r->key, what);
    return dsq_errprintf(r->err, DSQ_ERR_INPUT, "%s:%zu: %s", r->name, (size_t)mark.line + 1, what);
}

/* The line of a reader error, which libyaml reports as a byte offset. */
static size_t
offset_line(const char *data, size_t len, size_t off)
{
    size_t line = 1;

    for (size_t i = 0; i < off && i < len; i++)
        line += data[i] == '\n';
    return line;
}

static int is_null(const yaml_event_t *ev);

/* Pass 1: parse the whole stream into r->ev, so that a syntax error anywhere
 * is reported as one before any value is judged (libyaml scans ahead and
 * would otherwise hand out a value before noticing the error after it).  To
 * name the key near a syntax error, follow the top-level mapping: depth
 * counts open collections, and at depth 1 events alternate key, value. */
static int
conf_scan(struct reader *r, const char *data, size_t len)
{
    yaml_parser_t *p = &r->parser;
    const char *last_key = NULL; /* borrowed from an event in r->ev */
    int depth = 0, root_mapping = 0, want_key = 1, in_value = 0;
    char where[300], started[64] = "";
    size_t line;

    for (;;) {
        yaml_event_t *ev;

        if (r->nev == r->cap) {
            size_t cap = r->cap ? 2 * r->cap : 32;
            yaml_event_t *v = realloc(r->ev, cap * sizeof *v);
            if (!v)
                return conf_oom(r->err, r->name);
            r->ev = v;
            r->cap = cap;
        }
        ev = &r->ev[r->nev];
        if (!yaml_parser_parse(p, ev))
            break;
        r->nev++;
        switch (ev->type) {
        case YAML_STREAM_END_EVENT:
            return 0;
        case YAML_MAPPING_START_EVENT:
        case YAML_SEQUENCE_START_EVENT:
            if (depth == 0)
                root_mapping = ev->type == YAML_MAPPING_START_EVENT;
            else if (depth == 1 && root_mapping && !want_key)
                in_value = 1;
            depth++;
            break;
        case YAML_MAPPING_END_EVENT:
        case YAML_SEQUENCE_END_EVENT:
            depth--;
            if (depth == 1 && root_mapping && in_value) {
                in_value = 0;
                want_key = 1;
            }
            break;
        case YAML_SCALAR_EVENT:
        case YAML_ALIAS_EVENT:
            if (depth == 1 && root_mapping) {
                if (want_key && ev->type == YAML_SCALAR_EVENT)
                    last_key = (const char *)ev->data.scalar.value;
                want_key = !want_key;
            }
            break;
        default:
            break;
        }
    }
    if (p->error == YAML_MEMORY_ERROR)
        return conf_oom(r->err, r->name);
    if (p->error == YAML_READER_ERROR)
        line = offset_line(data, len, p->problem_offset);
    else
        line = (size_t)p->problem_mark.line + 1;
    if (last_key && (in_value || !want_key))
        snprintf(where, sizeof where, " in the value of key '%s'", last_key);
    else if (last_key)
        snprintf(where, sizeof where, " after key '%s'", last_key);
    else
        snprintf(where, sizeof where, " before the first key");
    if (p->context && p->context_mark.line < p->problem_mark.line)
        snprintf(started, sizeof started, " that starts on line %zu",
                 (size_t)p->context_mark.line + 1);
    return dsq_errprintf(r->err, DSQ_ERR_INPUT, "%s:%zu: YAML syntax error%s: %s%s%s%s", r->name,
                         line, where, p->problem ? p->problem : "malformed YAML",
                         p->context ? " " : "", p->context ? p->context : "", started);
}

/* Pass 2: the next event, borrowed from r->ev.  The stream always ends with
 * STREAM_END, after which nothing is asked. */
static const yaml_event_t *
next_event(struct reader *r)
{
    return &r->ev[r->pos < r->nev ? r->pos++ : r->nev - 1];
}

static int
is_null(const yaml_event_t *ev)
{
    const char *v = (const char *)ev->data.scalar.value;

    if (ev->type != YAML_SCALAR_EVENT || ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") || !strcmp(v, "NULL");
}

static const char *
event_kind(const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_SEQUENCE_START_EVENT:
        return "a list";
    case YAML_MAPPING_START_EVENT:
        return "a mapping";
    case YAML_ALIAS_EVENT:
        return "an alias (anchors and aliases are not supported)";
    case YAML_SCALAR_EVENT:
        return is_null(ev) ? "no value" : "a single value";
    default:
        return "something else";
    }
}

/* Where to point for a value: an empty value's mark is wherever the next
 * token is, often the next line, so name the key's line instead. */
static yaml_mark_t
value_mark(const struct reader *r, const yaml_event_t *ev)
{
    return is_null(ev) && ev->start_mark.line != r->key_mark.line ? r->key_mark : ev->start_mark;
}

/* The scalar value of ev as a string: a scalar that is not null, else an
 * error saying what was found instead. */
static const char *
want_scalar(struct reader *r, const yaml_event_t *ev, const char *what)
{
    if (ev->type != YAML_SCALAR_EVENT || is_null(ev)) {
        conf_fail(r, value_mark(r, ev), "expected %s, found %s", what, event_kind(ev));
        return NULL;
    }
    if (strlen((const char *)ev->data.scalar.value) != ev->data.scalar.length) {
        conf_fail(r, ev->start_mark, "expected %s, found a value with a NUL byte", what);
        return NULL;
    }
    return (const char *)ev->data.scalar.value;
}

/* A number is a plain scalar: a quoted "10" is a string in YAML. */
static const char *
want_number(struct reader *r, const yaml_event_t *ev, const char *what)
{
    const char *s = want_scalar(r, ev, what);

    if (s && ev->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
        conf_fail(r, ev->start_mark, "expected %s, found the quoted string '%s'", what, s);
        return NULL;
    }
    return s;
}

/* A numeric key: its kind and range are lib/limit's, as on the command
 * line. */
static int
set_number(struct reader *r, const yaml_event_t *ev, enum dsq_limit_id id, double *out)
{
    const struct dsq_limit *l = dsq_limit_get(id);
    const char *s = want_number(r, ev, dsq_limit_what(l));

    if (!s)
        return -1;
    if (dsq_limit_parse_double(l, s, out) < 0)
        return conf_fail(r, ev->start_mark, "expected %s, found '%s' (allowed: %lu to %lu)",
                         dsq_limit_what(l), s, l->min, l->max);
    return 0;
}

/* "~/x" -> "$HOME/x"; anything else copied.  Owned, NULL when out of memory
 * (or *bad set when ~ cannot be expanded). */
static char *
expand_home(const char *s, int *bad)
{
    const char *home;
    struct dsq_buf b = {0};

    *bad = 0;
    if (strcmp(s, "~") && strncmp(s, "~/", 2))
        return strdup(s);
    home = getenv("HOME");
    if (!home || !*home) {
        *bad = 1;
        return NULL;
    }
    if (dsq_buf_puts(&b, home) < 0 || dsq_buf_puts(&b, s + 1) < 0) {
        dsq_buf_free(&b);
        return NULL;
    }
    return b.data;
}

static int
set_path(struct reader *r, const yaml_event_t *ev, char **slot, const char *base_dir)
{
    const char *s = want_scalar(r, ev, "a path");
    struct dsq_buf b = {0};
    char *v;
    int bad;

    if (!s)
        return -1;
    if (!(v = expand_home(s, &bad))) {
        if (bad)
            return conf_fail(r, ev->start_mark, "cannot expand '%s': HOME is not set", s);
        return conf_oom(r->err, r->name);
    }
    if (base_dir && v[0] != '/') {
        if (dsq_buf_printf(&b, "%s/%s", base_dir, v) < 0) {
            free(v);
            return conf_oom(r->err, r->name);
        }
        free(v);
        v = b.data;
    }
    free(*slot);
    *slot = v;
    return 0;
}

/* Place every token as the planner will (sbatch.h), so that an unknown
 * option or a missing value is reported here with the file and line of the
 * item, not later without them.  Items are consecutive scalar events from
 * r->ev[first]. */
static int
check_sbatch_options(struct reader *r, const struct dsq_strv *sv, size_t first)
{
    struct dsq_sbopts opts = {0};
    struct dsq_error e = {0};
    const yaml_event_t *item;
    int i = 0, rc = 0;

    while (i < (int)sv->n) {
        item = &r->ev[first + (size_t)i];
        if (sv->v[i][0] != '-') {
            rc = conf_fail(r, item->start_mark,
                           "'%s' is not an sbatch option (options start with '-', e.g. "
                           "'--partition=day')",
                           sv->v[i]);
            break;
        }
        if (dsq_sbatch_take((int)sv->n, sv->v, &i, &opts, &e) < 0) {
            if (e.kind == DSQ_ERR_SYSTEM)
                rc = conf_oom(r->err, r->name);
            else
                rc = conf_fail(r, item->start_mark, "%s", e.msg);
            break;
        }
    }
    dsq_sbopts_free(&opts);
    return rc;
}

static int
set_sbatch_options(struct reader *r, const yaml_event_t *start, struct dsq_conf *c)
{
    struct dsq_strv sv = {0};
    const yaml_event_t *ev;
    size_t first = r->pos;
    const char *s;

    if (start->type != YAML_SEQUENCE_START_EVENT) {
        if (start->type == YAML_SCALAR_EVENT && !is_null(start))
            return conf_fail(r, start->start_mark,
                             "expected a list of sbatch options, found a single value "
                             "(write it as [%s] or as a '- ' item)",
                             (const char *)start->data.scalar.value);
        return conf_fail(r, value_mark(r, start), "expected a list of sbatch options, found %s",
                         event_kind(start));
    }
    while ((ev = next_event(r))->type != YAML_SEQUENCE_END_EVENT) {
        s = want_scalar(r, ev, "an sbatch option such as '--partition=day'");
        if (!s)
            goto fail;
        if (!*s) {
            conf_fail(r, ev->start_mark, "an sbatch option is empty");
            goto fail;
        }
        if (dsq_strv_push(&sv, s) < 0) {
            conf_oom(r->err, r->name);
            goto fail;
        }
    }
    if (check_sbatch_options(r, &sv, first) < 0)
        goto fail;
    dsq_strv_free(&c->sbatch_options);
    c->sbatch_options = sv;
    return 0;
fail:
    dsq_strv_free(&sv);
    return -1;
}

/* Apply the value that starts with ev to key k of c.  Sequences are read to
 * their end here. */
static int
set_key(struct reader *r, enum key_id k, const yaml_event_t *ev, struct dsq_conf *c)
{
    const char *s;
    double d;

    switch (k) {
    case KEY_STATUS_DIR:
        if (set_path(r, ev, &c->status_dir, NULL) < 0)
            return -1;
        if (!*c->status_dir)
            return conf_fail(r, ev->start_mark, "the status directory is empty");
        return 0;
    case KEY_BATCH_TEMPLATE:
        if (set_path(r, ev, &c->batch_template, r->base_dir) < 0)
            return -1;
        if (!*c->batch_template)
            return conf_fail(r, ev->start_mark, "the template path is empty");
        return 0;
    case KEY_SHELL:
        if (!(s = want_scalar(r, ev, "an absolute path")))
            return -1;
        if (s[0] != '/')
            return conf_fail(r, ev->start_mark, "expected an absolute path, found '%s'", s);
        free(c->shell);
        if (!(c->shell = strdup(s)))
            return conf_oom(r->err, r->name);
        return 0;
    case KEY_SBATCH_OPTIONS:
        return set_sbatch_options(r, ev, c);
    case KEY_MAX_ARRAY_TASKS:
        if (set_number(r, ev, DSQ_LIMIT_MAX_ARRAY_TASKS, &d) < 0)
            return -1;
        c->max_array_tasks = (size_t)d;
        return 0;
    case KEY_LAYOUT:
        if (!(s = want_scalar(r, ev, "'stripe', 'block' or 'dynamic'")))
            return -1;
        if (dsq_layout_parse(s, &c->layout) < 0)
            return conf_fail(r, ev->start_mark,
                             "expected 'stripe', 'block' or 'dynamic', found '%s'", s);
        return 0;
    case KEY_SIGNAL_LEAD:
        if (set_number(r, ev, DSQ_LIMIT_SIGNAL_LEAD, &d) < 0)
            return -1;
        c->signal_lead = (unsigned)d;
        return 0;
    case KEY_KILL_GRACE:
        if (set_number(r, ev, DSQ_LIMIT_KILL_GRACE, &d) < 0)
            return -1;
        c->kill_grace = d;
        return 0;
    case KEY_TASK_TIME:
        if (set_number(r, ev, DSQ_LIMIT_TASK_TIME, &d) < 0)
            return -1;
        c->task_time = d;
        return 0;
    case KEY_RETRIES:
        if (set_number(r, ev, DSQ_LIMIT_RETRIES, &d) < 0)
            return -1;
        c->retries = (unsigned)d;
        return 0;
    case KEY_MAX_FAILURES:
        if (set_number(r, ev, DSQ_LIMIT_MAX_FAILURES, &d) < 0)
            return -1;
        c->max_failures = (unsigned long)d;
        return 0;
    case KEY_RETRY_ON: {
        struct dsq_retry rp;
        struct dsq_error e = {0};
        char canon[1024];

        if (!(s = want_scalar(r, ev, "exit codes and 'signal', separated by commas")))
            return -1;
        if (dsq_retry_parse(&rp, s, &e) < 0 || dsq_retry_format(&rp, canon, sizeof canon) < 0)
            return conf_fail(r, ev->start_mark, "%s", e.msg);
        free(c->retry_on);
        c->retry_on = NULL;
        if (canon[0] && !(c->retry_on = strdup(canon)))
            return conf_oom(r->err, r->name);
        return 0;
    }
    case KEY__COUNT:
        break;
    }
    return conf_fail(r, ev->start_mark, "internal error: no such key");
}

/* The top-level mapping, after its MAPPING_START; reads through MAPPING_END. */
static int
read_mapping(struct reader *r, struct dsq_conf *c)
{
    yaml_mark_t seen_at[KEY__COUNT];
    int seen[KEY__COUNT] = {0};
    const yaml_event_t *kev;
    const char *name, *near;
    int k;

    for (;;) {
        r->key = NULL;
        kev = next_event(r);
        if (kev->type == YAML_MAPPING_END_EVENT)
            return 0;
        if (kev->type != YAML_SCALAR_EVENT || is_null(kev))
            return conf_fail(r, kev->start_mark, "expected a key such as 'status-dir', found %s",
                             event_kind(kev));
        name = (const char *)kev->data.scalar.value;
        for (k = 0; k < KEY__COUNT && strcmp(name, key_names[k]); k++)
            ;
        if (k == KEY__COUNT) {
            if ((near = nearest_key(name)))
                return conf_fail(r, kev->start_mark, "unknown key '%s' (did you mean '%s'?)", name,
                                 near);
            return conf_fail(
                r, kev->start_mark,
                "unknown key '%s' (known keys: %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)", name,
                key_names[0], key_names[1], key_names[2], key_names[3], key_names[4], key_names[5],
                key_names[6], key_names[7], key_names[8], key_names[9], key_names[10]);
        }
        r->key = key_names[k];
        r->key_mark = kev->start_mark;
        if (seen[k])
            return conf_fail(r, kev->start_mark, "given twice (first on line %zu)",
                             (size_t)seen_at[k].line + 1);
        seen[k] = 1;
        seen_at[k] = kev->start_mark;
        if (set_key(r, (enum key_id)k, next_event(r), c) < 0)
            return -1;
    }
}

/* Pass 2: judge the events of pass 1 and apply them to c (a scratch copy
 * the caller commits on success). */
static int
conf_apply(struct reader *r, struct dsq_conf *c)
{
    const yaml_event_t *ev;
    int ndocs = 0;

    for (;;) {
        r->key = NULL;
        ev = next_event(r);
        switch (ev->type) {
        case YAML_STREAM_START_EVENT:
        case YAML_DOCUMENT_END_EVENT:
            continue;
        case YAML_STREAM_END_EVENT:
            return 0;
        case YAML_DOCUMENT_START_EVENT:
            if (++ndocs > 1)
                return conf_fail(r, ev->start_mark,
                                 "a second YAML document ('---'): put every key in one mapping");
            continue;
        case YAML_MAPPING_START_EVENT:
            if (read_mapping(r, c) < 0)
                return -1;
            continue;
        default:
            if (is_null(ev)) /* a document that is only "---" */
                continue;
            return conf_fail(r, ev->start_mark,
                             "expected a mapping of keys (such as 'status-dir: DIR') at the top "
                             "level, found %s",
                             event_kind(ev));
        }
    }
}

/* The directory part of name, for relative paths in it; NULL for "here". */
static char *
dir_of(const char *name)
{
    const char *slash = strrchr(name, '/');

    if (!slash)
        return NULL;
    if (slash == name)
        return strdup("/");
    return strndup(name, (size_t)(slash - name));
}

int
dsq_conf_load_buffer(struct dsq_conf *c, const char *data, size_t len, const char *name,
                     struct dsq_error *err)
{
    struct reader r = {.name = name ? name : "(config)", .err = err};
    struct dsq_conf scratch;
    char *base = NULL;
    int rc = -1;

    if (name && strchr(name, '/') && !(base = dir_of(name)))
        return conf_oom(err, r.name);
    r.base_dir = base;
    if (conf_copy(&scratch, c) < 0) {
        free(base);
        return conf_oom(err, r.name);
    }
    if (!yaml_parser_initialize(&r.parser)) {
        conf_oom(err, r.name);
        goto out;
    }
    yaml_parser_set_input_string(&r.parser, (const unsigned char *)data, len);
    rc = conf_scan(&r, data, len);
    yaml_parser_delete(&r.parser);
    if (rc == 0)
        rc = conf_apply(&r, &scratch);
    if (rc == 0) {
        dsq_conf_free(c);
        *c = scratch;
        memset(&scratch, 0, sizeof scratch);
    }
out:
    for (size_t i = 0; i < r.nev; i++)
        yaml_event_delete(&r.ev[i]);
    free(r.ev);
    dsq_conf_free(&scratch);
    free(base);
    return rc;
}

int
dsq_conf_load_file(struct dsq_conf *c, const char *path, int optional, struct dsq_error *err)
{
    struct stat st;
    char *data = NULL;
    size_t len = 0;
    int rc;

    if (stat(path, &st) < 0) {
        if (optional && (errno == ENOENT || errno == ENOTDIR))
            return 0;
        return dsq_errno(err, DSQ_ERR_INPUT, errno, "configuration file %s", path);
    }
    if (dsq_read_file(path, &data, &len, err) < 0)
        return -1;
    rc = dsq_conf_load_buffer(c, data, len, path, err);
    free(data);
    if (rc == 0 && dsq_strv_push(&c->files, path) < 0)
        return conf_oom(err, path);
    return rc;
}

/* The user layer: $XDG_CONFIG_HOME/dsq/config.yaml, default ~/.config.  A
 * relative XDG_CONFIG_HOME is ignored, as the XDG spec says.  Owned, or NULL
 * when there is no user layer (no HOME) or out of memory (*oom). */
static char *
user_path(int *oom)
{
    const char *xdg = getenv("XDG_CONFIG_HOME");
    const char *home = getenv("HOME");
    struct dsq_buf b = {0};
    int rc;

    *oom = 0;
    if (xdg && xdg[0] == '/')
        rc = dsq_buf_printf(&b, "%s/dsq/config.yaml", xdg);
    else if (home && *home)
        rc = dsq_buf_printf(&b, "%s/.config/dsq/config.yaml", home);
    else
        return NULL;
    if (rc < 0) {
        *oom = 1;
        dsq_buf_free(&b);
        return NULL;
    }
    return b.data;
}

static int
conf_load_layers(struct dsq_conf *c, const char *system_path, struct dsq_error *err)
{
    const char *env = getenv("DSQ_CONFIG");
    char *user;
    int oom, rc;

    if (system_path && dsq_conf_load_file(c, system_path, 1, err) < 0)
        return -1;
    user = user_path(&oom);
    if (oom)
        return conf_oom(err, "configuration");
    rc = user ? dsq_conf_load_file(c, user, 1, err) : 0;
    free(user);
    if (rc < 0)
        return -1;
    if (!env || !*env)
        return 0;
    if (access(env, F_OK) < 0)
        return dsq_errno(err, DSQ_ERR_INPUT, errno, "DSQ_CONFIG names %s", env);
    return dsq_conf_load_file(c, env, 0, err);
}

/* A configuration that failed to load is of no use to anyone: free it, so
 * that a caller who exits on the error leaks nothing (freeing again is
 * harmless). */
int
dsq_conf_load_layers(struct dsq_conf *c, const char *system_path, struct dsq_error *err)
{
    if (conf_load_layers(c, system_path, err) < 0) {
        dsq_conf_free(c);
        return -1;
    }
    return 0;
}

int
dsq_conf_load(struct dsq_conf *c, struct dsq_error *err)
{
    return dsq_conf_load_layers(c, DSQ_CONF_SYSTEM_PATH, err);
}
