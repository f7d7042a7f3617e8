/* record: the status records (see record.h and dsq-records(5)).  The runner
 * writes them, report and autopsy read them back; this module is the only
 * place that knows their JSON shape.
 *
 * jansson reference rules, as used here (and the only place dsq needs them):
 * - json_pack() returns a new reference (or NULL); "s" copies a C string, so
 *   our buffers may be freed afterwards; "o" would steal, we never use it.
 * - json_object_get() returns a borrowed reference, valid while the parent
 *   lives: never json_decref() it.
 * - json_loadb() and json_dumps() return owned results: json_decref() the
 *   value, free() the string.
 * - jansson refuses strings that are not UTF-8, so every string we pack goes
 *   through dsq_utf8_repair() first. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "record.h"
#include "util.h"

static const char *const state_names[DSQ_ST__COUNT] = {
    [DSQ_ST_OK] = "ok",
    [DSQ_ST_FAILED] = "failed",
    [DSQ_ST_SIGNALED] = "signaled",
    [DSQ_ST_INTERRUPTED] = "interrupted",
    [DSQ_ST_LOST] = "lost",
    [DSQ_ST_PENDING] = "pending",
    [DSQ_ST_RUNNING] = "running",
    [DSQ_ST_NOT_RUN] = "not_run",
};

const char *
dsq_state_name(enum dsq_state st)
{
    if ((unsigned)st >= DSQ_ST__COUNT)
        return "unknown";
    return state_names[st];
}

int
dsq_state_parse(const char *name, enum dsq_state *st)
{
    for (int i = 0; i < DSQ_ST__COUNT; i++) {
        if (!strcmp(name, state_names[i])) {
            *st = (enum dsq_state)i;
            return 0;
        }
    }
    return -1;
}

/* Writer */

struct dsq_recw {
    int fd;
    char *path;
};

struct dsq_recw *
dsq_recw_open(const char *path, struct dsq_error *err)
{
    struct dsq_recw *w = calloc(1, sizeof *w);

    if (!w || !(w->path = strdup(path))) {
        free(w);
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        return NULL;
    }
    /* O_APPEND: each write lands whole at the end, even if a requeued task
     * on another node appends to the same file over NFS; O_NOFOLLOW: a
     * planted symlink cannot redirect records elsewhere. */
    w->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (w->fd < 0) {
        int e = errno;

        dsq_errno(err, DSQ_ERR_SYSTEM, e, "cannot open status file %s", path);
        free(w->path);
        free(w);
        errno = e; /* callers tell EMFILE from the rest */
        return NULL;
    }
    return w;
}

int
dsq_recw_write(struct dsq_recw *w, const struct dsq_record *r, struct dsq_error *err)
{
    char *text = dsq_record_format(r);
    size_t len;
    ssize_t n;
    int rc = -1;

    if (!text)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "cannot format a record for %s", w->path);
    len = strlen(text);
    /* Exactly one write(2): retrying the remainder of a short write would
     * let another writer's record land in the middle of ours.  EINTR before
     * anything was written is safe to retry. */
    do
        n = write(w->fd, text, len);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        dsq_errno(err, DSQ_ERR_SYSTEM, errno, "cannot write status file %s", w->path);
        goto out;
    }
    if ((size_t)n != len) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "short write to status file %s (%zd of %zu bytes)",
                      w->path, n, len);
        goto out;
    }
    rc = 0;
out:
    free(text);
    return rc;
}

void
dsq_recw_close(struct dsq_recw *w)
{
    if (!w)
        return;
    if (w->fd >= 0)
        close(w->fd);
    free(w->path);
    free(w);
}

/* Format */

/* Seconds rounded to the microsecond: the clocks are no finer, and it keeps
 * "0.1" from being printed as "0.10000000000000001". */
static double
round_us(double s)
{
    if (!isfinite(s))
        return 0;
    return round(s * 1e6) / 1e6;
}

char *
dsq_record_format(const struct dsq_record *r)
{
    char *host = NULL, *job = NULL, *reason = NULL, *text = NULL;
    json_t *o = NULL;
    size_t len;

    host = dsq_utf8_repair(r->host, strnlen(r->host, sizeof r->host));
    job = dsq_utf8_repair(r->job, strnlen(r->job, sizeof r->job));
    if (!host || !job)
        goto out;
    /* One key and its value per line. */
    /* clang-format off */
    o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:s, s:I, s:f, s:s}",
                  "ev", r->ev == DSQ_EV_END ? "end" : "start",
                  "line", (json_int_t)r->line,
                  "task", (json_int_t)r->task,
                  "attempt", (json_int_t)r->attempt,
                  "restart", (json_int_t)r->restart,
                  "host", host,
                  "pid", (json_int_t)r->pid,
                  "t", round_us(r->t),
                  "job", job);
    /* clang-format on */
    if (!o)
        goto out;
    if (r->ev == DSQ_EV_END) {
        /* clang-format off */
        json_t *e = json_pack("{s:s, s:i, s:i, s:f, s:f, s:f, s:I}",
                              "state", dsq_state_name(r->state),
                              "exit", r->exit,
                              "signal", r->signal,
                              "elapsed", round_us(r->elapsed),
                              "utime", round_us(r->utime),
                              "stime", round_us(r->stime),
                              "maxrss_kb", (json_int_t)r->maxrss_kb);
        /* clang-format on */

        if (!e || json_object_update(o, e) < 0) {
            json_decref(e);
            goto out;
        }
        json_decref(e);
        len = strnlen(r->reason, sizeof r->reason);
        if (len) {
            if (!(reason = dsq_utf8_repair(r->reason, len)))
                goto out;
            if (json_object_set_new(o, "reason", json_string(reason)) < 0)
                goto out;
        }
    }
    /* JSON_PRESERVE_ORDER keeps the fields in the documented order, which
     * makes the files pleasant to read with grep and less. */
    {
        char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(16));

        if (!s)
            goto out;
        len = strlen(s);
        text = malloc(len + 2);
        if (text) {
            memcpy(text, s, len);
            text[len] = '\n';
            text[len + 1] = '\0';
        }
        free(s);
    }
out:
    json_decref(o);
    free(host);
    free(job);
    free(reason);
    return text;
}

/* Parse */

static int
get_uint(json_t *o, const char *key, int required, unsigned long long max, unsigned long long *out,
         struct dsq_error *err)
{
    json_t *v = json_object_get(o, key);
    json_int_t i;

    if (!v) {
        if (required)
            return dsq_errprintf(err, DSQ_ERR_INPUT, "record has no \"%s\"", key);
        *out = 0;
        return 0;
    }
    if (!json_is_integer(v) || (i = json_integer_value(v)) < 0 || (unsigned long long)i > max)
        return dsq_errprintf(err, DSQ_ERR_INPUT, "record has a bad \"%s\"", key);
    *out = (unsigned long long)i;
    return 0;
}

static int
get_int(json_t *o, const char *key, long long min, long long max, long long *out,
        struct dsq_error *err)
{
    json_t *v = json_object_get(o, key);
    json_int_t i;

    if (!v) {
        *out = 0;
        return 0;
    }
    if (!json_is_integer(v) || (i = json_integer_value(v)) < min || i > max)
        return dsq_errprintf(err, DSQ_ERR_INPUT, "record has a bad \"%s\"", key);
    *out = i;
    return 0;
}

static int
get_real(json_t *o, const char *key, int required, double *out, struct dsq_error *err)
{
    json_t *v = json_object_get(o, key);

    if (!v) {
        if (required)
            return dsq_errprintf(err, DSQ_ERR_INPUT, "record has no \"%s\"", key);
        *out = 0;
        return 0;
    }
    if (!json_is_number(v))
        return dsq_errprintf(err, DSQ_ERR_INPUT, "record has a bad \"%s\"", key);
    *out = json_number_value(v);
    return 0;
}

static int
get_str(json_t *o, const char *key, char *buf, size_t n, struct dsq_error *err)
{
    json_t *v = json_object_get(o, key);

    if (!v) {
        buf[0] = '\0';
        return 0;
    }
    if (!json_is_string(v))
        return dsq_errprintf(err, DSQ_ERR_INPUT, "record has a bad \"%s\"", key);
    snprintf(buf, n, "%s", json_string_value(v));
    return 0;
}

int
dsq_record_parse(const char *text, size_t len, struct dsq_record *r, struct dsq_error *err)
{
    json_error_t jerr;
    json_t *o, *v;
    unsigned long long u;
    long long i;
    int rc = -1;

    memset(r, 0, sizeof *r);
    o = json_loadb(text, len, 0, &jerr);
    if (!o)
        return dsq_errprintf(err, DSQ_ERR_INPUT, "not JSON: %s", jerr.text);
    if (!json_is_object(o)) {
        dsq_errprintf(err, DSQ_ERR_INPUT, "not a JSON object");
        goto out;
    }
    v = json_object_get(o, "ev");
    if (!json_is_string(v)) {
        dsq_errprintf(err, DSQ_ERR_INPUT, "record has no \"ev\"");
        goto out;
    }
    if (!strcmp(json_string_value(v), "start")) {
        r->ev = DSQ_EV_START;
    } else if (!strcmp(json_string_value(v), "end")) {
        r->ev = DSQ_EV_END;
    } else {
        dsq_errprintf(err, DSQ_ERR_INPUT, "record has an unknown \"ev\": %s", json_string_value(v));
        goto out;
    }
    if (get_uint(o, "line", 1, SIZE_MAX, &u, err) < 0)
        goto out;
    if (u == 0) {
        dsq_errprintf(err, DSQ_ERR_INPUT, "record has a bad \"line\"");
        goto out;
    }
    r->line = (size_t)u;
    if (get_uint(o, "task", 1, SIZE_MAX, &u, err) < 0)
        goto out;
    r->task = (size_t)u;
    if (get_uint(o, "attempt", 1, UINT_MAX, &u, err) < 0)
        goto out;
    r->attempt = (unsigned)u;
    if (get_uint(o, "restart", 0, UINT_MAX, &u, err) < 0)
        goto out;
    r->restart = (unsigned)u;
    if (get_int(o, "pid", 0, LONG_MAX, &i, err) < 0)
        goto out;
    r->pid = (long)i;
    if (get_real(o, "t", 1, &r->t, err) < 0 ||
        get_str(o, "host", r->host, sizeof r->host, err) < 0 ||
        get_str(o, "job", r->job, sizeof r->job, err) < 0)
        goto out;
    r->state = DSQ_ST_RUNNING;
    if (r->ev == DSQ_EV_END) {
        v = json_object_get(o, "state");
        if (!json_is_string(v) || dsq_state_parse(json_string_value(v), &r->state) < 0) {
            dsq_errprintf(err, DSQ_ERR_INPUT, "end record has no valid \"state\"");
            goto out;
        }
        if (get_int(o, "exit", -1, 255, &i, err) < 0)
            goto out;
        r->exit = (int)i;
        if (get_int(o, "signal", 0, 255, &i, err) < 0)
            goto out;
        r->signal = (int)i;
        if (get_int(o, "maxrss_kb", 0, LONG_MAX, &i, err) < 0)
            goto out;
        r->maxrss_kb = (long)i;
        if (get_real(o, "elapsed", 0, &r->elapsed, err) < 0 ||
            get_real(o, "utime", 0, &r->utime, err) < 0 ||
            get_real(o, "stime", 0, &r->stime, err) < 0 ||
            get_str(o, "reason", r->reason, sizeof r->reason, err) < 0)
            goto out;
    }
    rc = 0;
out:
    json_decref(o);
    return rc;
}

char *
dsq_record_path(const char *run_dir, unsigned attempt, size_t task, unsigned restart)
{
    struct dsq_buf b = {0};

    if (dsq_buf_printf(&b, "%s/status/a%u.t%zu.r%u.jsonl", run_dir, attempt, task, restart) < 0) {
        dsq_buf_free(&b);
        return NULL;
    }
    return b.data;
}

/* Read */

int
dsq_record_read_file(const char *path, dsq_record_fn fn, void *arg, struct dsq_error *err)
{
    struct dsq_error rerr = {0};
    struct dsq_record r;
    char *data = NULL;
    size_t len, pos = 0, lineno = 0;
    int rc = 0;

    (void)err;
    if (dsq_read_file(path, &data, &len, &rerr) < 0) {
        /* One unreadable file must not hide the others' records. */
        dsq_warn("skipping status file: %s", rerr.msg);
        return 0;
    }
    while (pos < len) {
        const char *s = data + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;

        lineno++;
        pos += n + (nl ? 1 : 0);
        if (!nl) {
            /* A crash (or a write still under way) between the record and
             * its newline: never trust a line the writer did not finish. */
            dsq_warn("%s:%zu: skipping torn last record (no newline)", path, lineno);
            break;
        }
        if (n == 0)
            continue;
        if (dsq_record_parse(s, n, &r, &rerr) < 0) {
            dsq_warn("%s:%zu: skipping unreadable record: %s", path, lineno, rerr.msg);
            continue;
        }
        if (fn(&r, arg) < 0) {
            rc = -1;
            break;
        }
    }
    free(data);
    return rc;
}

static int
name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int
dsq_record_read_dir(const char *run_dir, dsq_record_fn fn, void *arg, struct dsq_error *err)
{
    struct dsq_buf dir = {0}, path = {0};
    struct dsq_strv names = {0};
    struct dirent *de;
    DIR *d = NULL;
    int rc = -1;

    if (dsq_buf_printf(&dir, "%s/status", run_dir) < 0) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        goto out;
    }
    d = opendir(dir.data);
    if (!d) {
        if (errno == ENOENT) {
            /* Planned but nothing ran yet: no records, not an error. */
            rc = 0;
        } else {
            dsq_errno(err, DSQ_ERR_SYSTEM, errno, "cannot read %s", dir.data);
        }
        goto out;
    }
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name);

        if (de->d_name[0] == '.' || n <= 6 || strcmp(de->d_name + n - 6, ".jsonl"))
            continue;
        if (dsq_strv_push(&names, de->d_name) < 0) {
            dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
            goto out;
        }
    }
    /* strcmp, not the locale's collation: the same order everywhere. */
    if (names.n)
        qsort(names.v, names.n, sizeof *names.v, name_cmp);
    for (size_t i = 0; i < names.n; i++) {
        path.len = 0;
        if (dsq_buf_printf(&path, "%s/%s", dir.data, names.v[i]) < 0) {
            dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
            goto out;
        }
        if (dsq_record_read_file(path.data, fn, arg, err) < 0)
            goto out;
    }
    rc = 0;
out:
    if (d)
        closedir(d);
    dsq_buf_free(&dir);
    dsq_buf_free(&path);
    dsq_strv_free(&names);
    return rc;
}
