/* manifest: the run directory's manifest.json (JSON, jansson) and the line
 * lists of its attempts (see manifest.h).  jansson's reference rules are
 * written once, in record.c; here every value built with json_pack("o")
 * belongs to the object it goes into, and root is json_decref()'d on every
 * path. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "buf.h"
#include "fs.h"
#include "manifest.h"
#include "parse.h"
#include "rundir.h"
#include "text.h"

static void
attempt_free(struct dsq_attempt *a)
{
    /* One per plan array: before the plan goes. */
    for (size_t k = 0; a->xarrays && k < a->plan.narrays; k++)
        free(a->xarrays[k].indices);
    free(a->xarrays);
    free(a->created);
    free(a->lines_file);
    dsq_plan_free(&a->plan);
    free(a->script);
    free(a->job_name);
    free(a->output);
    dsq_strv_free(&a->sbatch);
    dsq_strv_free(&a->job_ids);
    free(a->cluster);
    free(a->submit_error);
    free(a->retry_on);
    free(a->follow_up.job_id);
    memset(a, 0, sizeof *a);
}

void
dsq_manifest_free(struct dsq_manifest *m)
{
    if (!m)
        return;
    free(m->version);
    free(m->run_id);
    free(m->run_dir);
    free(m->created);
    free(m->jobfile);
    free(m->sha256);
    free(m->job_name);
    free(m->submit_dir);
    free(m->batch_file);
    free(m->shell);
    free(m->line_output);
    for (size_t i = 0; i < m->nattempts; i++)
        attempt_free(&m->attempts[i]);
    free(m->attempts);
    memset(m, 0, sizeof *m);
}

struct dsq_attempt *
dsq_manifest_add_attempt(struct dsq_manifest *m)
{
    struct dsq_attempt *v = realloc(m->attempts, (m->nattempts + 1) * sizeof *v);

    if (!v)
        return NULL;
    m->attempts = v;
    v = &m->attempts[m->nattempts++];
    memset(v, 0, sizeof *v);
    v->number = (unsigned)m->nattempts;
    v->per_line.time_s = -1;
    return v;
}

const struct dsq_attempt *
dsq_manifest_attempt(const struct dsq_manifest *m, unsigned n)
{
    return n >= 1 && n <= m->nattempts ? &m->attempts[n - 1] : NULL;
}

/* A string as JSON.  Paths and names need not be UTF-8, which JSON strings
 * must be: one that is not is kept byte for byte as {"hex": "<its bytes>"}
 * (dsq-records(5)).  NULL when out of memory. */
static json_t *
jstr(const char *s)
{
    static const char digits[] = "0123456789abcdef";
    char *ok, *hex;
    size_t n;
    json_t *v;

    if (!s)
        return json_null();
    n = strlen(s);
    ok = dsq_utf8_repair(s, n);
    if (ok && !strcmp(ok, s)) {
        free(ok);
        return json_string(s);
    }
    free(ok);
    if (!(hex = malloc(2 * n + 1)))
        return NULL;
    for (size_t i = 0; i < n; i++) {
        hex[2 * i] = digits[(unsigned char)s[i] >> 4];
        hex[2 * i + 1] = digits[(unsigned char)s[i] & 15];
    }
    hex[2 * n] = '\0';
    v = json_pack("{s:s}", "hex", hex);
    free(hex);
    return v;
}

static int
hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Owned copy of what jstr() wrote: a string, or {"hex": ...} back to its
 * bytes.  NULL for anything else (or out of memory). */
static char *
str_of(json_t *v)
{
    const char *h;
    size_t n;
    char *s;

    if (json_is_string(v))
        return strdup(json_string_value(v));
    if (!json_is_object(v) || !(h = json_string_value(json_object_get(v, "hex"))))
        return NULL;
    n = strlen(h);
    if (n % 2 || !(s = malloc(n / 2 + 1)))
        return NULL;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(h[2 * i]), lo = hexval(h[2 * i + 1]);

        if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) {
            free(s);
            return NULL;
        }
        s[i] = (char)(hi << 4 | lo);
    }
    s[n / 2] = '\0';
    return s;
}

static json_t *
strv_to_json(const struct dsq_strv *sv)
{
    json_t *a = json_array();

    for (size_t i = 0; a && i < sv->n; i++)
        json_array_append_new(a, jstr(sv->v[i]));
    return a;
}

int
dsq_array_indices_has(const char *spec, size_t index)
{
    const char *p = spec;

    while (p && *p) {
        char *end;
        unsigned long a = strtoul(p, &end, 10), b = a;

        if (end == p)
            return 0;
        if (*end == '-') {
            p = end + 1;
            b = strtoul(p, &end, 10);
        }
        if (index >= a && index <= b)
            return 1;
        p = *end == ',' ? end + 1 : NULL;
    }
    return 0;
}

const struct dsq_resources *
dsq_attempt_task_resources(const struct dsq_attempt *a, size_t task)
{
    for (size_t k = 0; a->xarrays && k < a->plan.narrays; k++) {
        size_t off = a->plan.arrays[k].offset;
        if (task >= off && dsq_array_indices_has(a->xarrays[k].indices, task - off))
            return &a->xarrays[k].per_line;
    }
    return &a->per_line;
}

static json_t *per_line_to_json(const struct dsq_resources *r);

static json_t *
plan_to_json(const struct dsq_plan *p, const struct dsq_attempt_array *x)
{
    json_t *arrays = json_array(), *res;

    for (size_t i = 0; arrays && i < p->narrays; i++) {
        json_t *o = json_pack("{s:I,s:I}", "offset", (json_int_t)p->arrays[i].offset, "count",
                              (json_int_t)p->arrays[i].count);
        if (o && x) {
            json_object_set_new(o, "indices", json_string(x[i].indices));
            json_object_set_new(o, "per_line", per_line_to_json(&x[i].per_line));
        }
        json_array_append_new(arrays, o);
    }
    res = json_pack("{s:I,s:I,s:i,s:s,s:o}", "tasks", (json_int_t)p->tasks, "lines_per_task",
                    (json_int_t)p->lines_per_task, "parallel", (int)p->parallel, "layout",
                    dsq_layout_name(p->layout), "arrays", arrays);
    if (res && p->order) {
        json_t *ord = json_array();

        for (size_t s = 0; ord && s < p->ncmds; s++)
            json_array_append_new(ord, json_integer((json_int_t)p->order[s]));
        json_object_set_new(res, "order", ord);
    }
    return res;
}

static json_t *
per_line_to_json(const struct dsq_resources *r)
{
    return json_pack("{s:i,s:I,s:I,s:i,s:I}", "cpus", (int)r->cpus, "mem_mib",
                     (json_int_t)r->mem_mib, "mem_per_cpu_mib", (json_int_t)r->mem_per_cpu_mib,
                     "gpus", (int)r->gpus, "time_s", (json_int_t)r->time_s);
}

static json_t *
attempt_to_json(const struct dsq_attempt *a)
{
    json_t *o = json_pack(
        "{s:i,s:o,s:o,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:o,s:o,s:o,s:o,s:i,s:o,s:I}", "attempt",
        (int)a->number, "created", jstr(a->created), "lines_file", jstr(a->lines_file), "commands",
        (json_int_t)a->plan.ncmds, "plan", plan_to_json(&a->plan, a->xarrays), "per_line",
        per_line_to_json(&a->per_line), "script", jstr(a->script), "job_name", jstr(a->job_name),
        "output", jstr(a->output), "max_jobs",
        a->max_jobs ? json_integer((json_int_t)a->max_jobs) : json_null(), "dry_run", a->dry_run,
        "sbatch", strv_to_json(&a->sbatch), "job_ids", strv_to_json(&a->job_ids), "cluster",
        jstr(a->cluster), "submit_error", jstr(a->submit_error), "retries", (int)a->retries,
        "retry_on", jstr(a->retry_on), "max_failures", (json_int_t)a->max_failures);

    if (o && a->follow_up.job_id)
        json_object_set_new(o, "follow_up",
                            json_pack("{s:s,s:i,s:f}", "job_id", a->follow_up.job_id, "remaining",
                                      (int)a->follow_up.remaining, "factor", a->follow_up.factor));
    return o;
}

int
dsq_manifest_write(const struct dsq_manifest *m, struct dsq_error *err)
{
    json_t *root = NULL, *attempts = NULL;
    const struct dsq_attempt *a1 = dsq_manifest_attempt(m, 1);
    struct dsq_buf body = {0};
    char *text = NULL, *path = NULL;
    int rc = -1;

    if (!a1)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM,
                             "%s: internal error: a manifest without "
                             "an attempt",
                             m->run_dir);
    attempts = json_array();
    for (size_t i = 0; attempts && i < m->nattempts; i++) {
        json_t *o = attempt_to_json(&m->attempts[i]);
        if (!o || json_array_append_new(attempts, o) < 0) {
            json_decref(attempts);
            attempts = NULL;
        }
    }
    /* The top level keeps format 1's fields, attempt 1's values, so that
     * what reads a format 1 manifest still finds the original run there. */
    root = json_pack(
        "{s:i,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:f,s:b,"
        "s:o,s:o,s:o,s:o,s:o,s:o,s:o}",
        "format", DSQ_MANIFEST_FORMAT, "version", jstr(m->version), "run_id", jstr(m->run_id),
        "run_dir", jstr(m->run_dir), "created", jstr(m->created), "jobfile", jstr(m->jobfile),
        "sha256", jstr(m->sha256), "physical_lines", (json_int_t)m->physical_lines, "commands",
        (json_int_t)m->commands, "job_name", jstr(m->job_name), "submit_dir", jstr(m->submit_dir),
        "script", jstr(a1->script), "batch_file", jstr(m->batch_file), "shell", jstr(m->shell),
        "line_output", jstr(m->line_output), "kill_grace", m->kill_grace, "dry_run", a1->dry_run,
        "plan", plan_to_json(&a1->plan, a1->xarrays), "per_line", per_line_to_json(&a1->per_line),
        "sbatch", strv_to_json(&a1->sbatch), "job_ids", strv_to_json(&a1->job_ids), "cluster",
        jstr(a1->cluster), "submit_error", jstr(a1->submit_error), "attempts", attempts);
    if (root && json_object_set_new(root, "bind", json_boolean(!m->no_bind)) < 0) {
        json_decref(root);
        root = NULL;
    }
    if (!root) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: cannot build the manifest", m->run_dir);
        goto out;
    }
    text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!text || !(path = dsq_rundir_path(m->run_dir, DSQ_RD_MANIFEST))) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: out of memory", m->run_dir);
        goto out;
    }
    if (dsq_buf_puts(&body, text) < 0 || dsq_buf_puts(&body, "\n") < 0) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: out of memory", m->run_dir);
        goto out;
    }
    rc = dsq_write_file_atomic(path, body.data, body.len, 0644, err);
out:
    free(text);
    json_decref(root);
    free(path);
    dsq_buf_free(&body);
    return rc;
}

/* Owned copy of a string member, NULL when absent or null. */
static char *
get_str(json_t *o, const char *key)
{
    return str_of(json_object_get(o, key));
}

static size_t
get_size(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    return json_is_integer(v) && json_integer_value(v) > 0 ? (size_t)json_integer_value(v) : 0;
}

static int
json_to_strv(json_t *a, struct dsq_strv *sv)
{
    size_t i;
    json_t *v;

    json_array_foreach(a, i, v)
    {
        char *s = str_of(v);
        int rc = s ? dsq_strv_push(sv, s) : 0;

        free(s);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* One attempt from o: an element of "attempts", or (format 1) the top
 * level, whose fields are attempt 1's.  ncmds: its command count.  -1 with
 * *what naming what is missing or bad; *what NULL when out of memory. */
static void
per_line_from_json(json_t *pl, struct dsq_resources *r)
{
    json_t *v = json_object_get(pl, "time_s");

    r->cpus = (unsigned)get_size(pl, "cpus");
    r->mem_mib = get_size(pl, "mem_mib");
    r->mem_per_cpu_mib = get_size(pl, "mem_per_cpu_mib");
    r->gpus = (unsigned)get_size(pl, "gpus");
    r->time_s = json_is_integer(v) ? (long)json_integer_value(v) : -1;
}

static int
attempt_from_json(json_t *o, size_t ncmds, struct dsq_attempt *a, const char **what)
{
    json_t *plan = json_object_get(o, "plan"), *arrays, *v;
    size_t i;

    *what = "plan";
    a->plan.ncmds = ncmds;
    a->plan.tasks = get_size(plan, "tasks");
    a->plan.lines_per_task = get_size(plan, "lines_per_task");
    a->plan.parallel = (unsigned)get_size(plan, "parallel");
    if (!json_is_string(json_object_get(plan, "layout")) ||
        dsq_layout_parse(json_string_value(json_object_get(plan, "layout")), &a->plan.layout) < 0 ||
        !a->plan.tasks || !a->plan.lines_per_task || !a->plan.parallel || !a->plan.ncmds)
        return -1;
    arrays = json_object_get(plan, "arrays");
    a->plan.narrays = json_array_size(arrays);
    a->plan.arrays = calloc(a->plan.narrays ? a->plan.narrays : 1, sizeof *a->plan.arrays);
    if (!a->plan.arrays) {
        *what = NULL;
        return -1;
    }
    json_array_foreach(arrays, i, v)
    {
        a->plan.arrays[i].offset = get_size(v, "offset");
        a->plan.arrays[i].count = get_size(v, "count");
    }
    /* --durations-from: which position each slot holds (plan.h). */
    if ((v = json_object_get(plan, "order"))) {
        size_t *order;

        if (!json_is_array(v) || json_array_size(v) != ncmds)
            return -1;
        if (!(order = malloc(ncmds * sizeof *order))) {
            *what = NULL;
            return -1;
        }
        for (size_t s = 0; s < ncmds; s++) {
            json_t *e = json_array_get(v, s);
            order[s] = json_is_integer(e) && json_integer_value(e) >= 0
                           ? (size_t)json_integer_value(e)
                           : (size_t)-1;
        }
        if (dsq_plan_set_order(&a->plan, order) < 0)
            return -1; /* not a permutation (or out of memory) */
    }
    if (json_is_string(json_object_get(json_array_get(arrays, 0), "indices"))) {
        a->xarrays = calloc(a->plan.narrays ? a->plan.narrays : 1, sizeof *a->xarrays);
        if (!a->xarrays) {
            *what = NULL;
            return -1;
        }
        json_array_foreach(arrays, i, v)
        {
            a->xarrays[i].indices = get_str(v, "indices");
            per_line_from_json(json_object_get(v, "per_line"), &a->xarrays[i].per_line);
            if (!a->xarrays[i].indices)
                return -1;
        }
    }
    per_line_from_json(json_object_get(o, "per_line"), &a->per_line);
    if ((v = json_object_get(o, "follow_up")) && json_is_object(v)) {
        json_t *f = json_object_get(v, "factor");
        a->follow_up.job_id = get_str(v, "job_id");
        a->follow_up.remaining = (unsigned)get_size(v, "remaining");
        a->follow_up.factor = json_is_number(f) ? json_number_value(f) : 2;
    }
    a->created = get_str(o, "created");
    a->script = get_str(o, "script");
    a->job_name = get_str(o, "job_name");
    a->output = get_str(o, "output");
    a->max_jobs = get_size(o, "max_jobs");
    a->dry_run = json_is_true(json_object_get(o, "dry_run"));
    a->submit_error = get_str(o, "submit_error");
    /* Absent before retries and halting: neither. */
    a->retries = (unsigned)get_size(o, "retries");
    a->retry_on = get_str(o, "retry_on");
    a->max_failures = get_size(o, "max_failures");
    a->cluster = get_str(o, "cluster"); /* absent before dsq recorded it */
    *what = NULL;
    if (json_to_strv(json_object_get(o, "sbatch"), &a->sbatch) < 0 ||
        json_to_strv(json_object_get(o, "job_ids"), &a->job_ids) < 0)
        return -1;
    if (a->number > 1) {
        /* A rerun names its lines file; it must stay inside the run. */
        a->lines_file = get_str(o, "lines_file");
        *what = "lines_file";
        if (!a->lines_file || a->lines_file[0] == '/' || strstr(a->lines_file, ".."))
            return -1;
    }
    return 0;
}

int
dsq_manifest_read(const char *run_dir, struct dsq_manifest *m, struct dsq_error *err)
{
    char *path;
    json_error_t jerr;
    json_t *root = NULL, *attempts, *v;
    const char *what = NULL;
    char *data = NULL;
    size_t len, i;
    int rc = -1;

    memset(m, 0, sizeof *m);
    if (!(path = dsq_rundir_path(run_dir, DSQ_RD_MANIFEST)))
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    if (dsq_read_file(path, &data, &len, err) < 0)
        goto out;
    root = json_loadb(data, len, JSON_DECODE_ANY, &jerr);
    if (!root) {
        dsq_errprintf(err, DSQ_ERR_INPUT, "%s:%d: not a dsq manifest: %s", path, jerr.line,
                      jerr.text);
        goto out;
    }
    if (!json_is_object(root)) {
        /* Well-formed JSON: there is no line to point at. */
        dsq_errprintf(err, DSQ_ERR_INPUT, "%s: not a dsq manifest: JSON, but not an object", path);
        goto out;
    }
    v = json_object_get(root, "format");
    if (!json_is_integer(v) || json_integer_value(v) < 1) {
        dsq_errprintf(err, DSQ_ERR_INPUT, "%s: not a dsq manifest (no format number)", path);
        goto out;
    }
    m->format = (int)json_integer_value(v);
    if (m->format > DSQ_MANIFEST_FORMAT) {
        dsq_errprintf(err, DSQ_ERR_INPUT,
                      "%s: run directory format %d is newer than this dsq understands (%d); "
                      "use the dsq version that planned it",
                      path, m->format, DSQ_MANIFEST_FORMAT);
        goto out;
    }
    m->version = get_str(root, "version");
    m->run_id = get_str(root, "run_id");
    m->created = get_str(root, "created");
    m->jobfile = get_str(root, "jobfile");
    m->sha256 = get_str(root, "sha256");
    m->physical_lines = get_size(root, "physical_lines");
    m->commands = get_size(root, "commands");
    m->job_name = get_str(root, "job_name");
    m->submit_dir = get_str(root, "submit_dir");
    m->batch_file = get_str(root, "batch_file");
    m->shell = get_str(root, "shell");
    m->line_output = get_str(root, "line_output");
    v = json_object_get(root, "kill_grace");
    m->kill_grace = json_is_number(v) ? json_number_value(v) : 10.0;
    /* Absent (planned before binding existed): bind. */
    m->no_bind = json_is_false(json_object_get(root, "bind"));
    /* The directory we were handed is the truth, even if it was moved. */
    m->run_dir = dsq_abspath(run_dir);
    if (!m->commands || !m->shell || !m->sha256) {
        dsq_errprintf(err, DSQ_ERR_INPUT, "%s: manifest is incomplete (plan or shell missing)",
                      path);
        goto out;
    }

    /* Format 1 has no "attempts": its top level is the one attempt. */
    attempts = json_object_get(root, "attempts");
    if (m->format >= 2 && (!json_is_array(attempts) || json_array_size(attempts) == 0)) {
        dsq_errprintf(err, DSQ_ERR_INPUT, "%s: manifest is incomplete (no attempts)", path);
        goto out;
    }
    for (i = 0; i < (m->format >= 2 ? json_array_size(attempts) : 1); i++) {
        json_t *o = m->format >= 2 ? json_array_get(attempts, i) : root;
        struct dsq_attempt *a = dsq_manifest_add_attempt(m);

        if (!a) {
            dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
            goto out;
        }
        if (m->format >= 2 && (!json_is_object(o) || get_size(o, "attempt") != a->number)) {
            dsq_errprintf(err, DSQ_ERR_INPUT, "%s: attempt %u is missing or out of order", path,
                          a->number);
            goto out;
        }
        if (attempt_from_json(o, a->number == 1 ? m->commands : get_size(o, "commands"), a, &what) <
            0) {
            if (!what)
                dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
            else
                dsq_errprintf(err, DSQ_ERR_INPUT,
                              "%s: manifest is incomplete (attempt %u: %s missing or bad)", path,
                              a->number, what);
            goto out;
        }
    }
    rc = 0;
out:
    if (rc < 0)
        dsq_manifest_free(m);
    json_decref(root);
    free(data);
    free(path);
    return rc;
}

int
dsq_manifest_update(const char *run_dir, dsq_manifest_update_fn fn, void *arg,
                    struct dsq_error *err)
{
    struct dsq_manifest m;
    int fd, rc = -1, have = 0;

    /* The run directory itself is the lock: nothing else to create or
     * clean up, and every dsq that changes the manifest locks it. */
    fd = open(run_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return dsq_errno(err, DSQ_ERR_INPUT, errno, "%s", run_dir);
    while (flock(fd, LOCK_EX) < 0) {
        if (errno != EINTR) {
            dsq_errno(err, DSQ_ERR_SYSTEM, errno, "%s: cannot lock", run_dir);
            goto out;
        }
    }
    if (dsq_manifest_read(run_dir, &m, err) < 0)
        goto out;
    have = 1;
    if (fn(&m, arg, err) < 0 || dsq_manifest_write(&m, err) < 0)
        goto out;
    rc = 0;
out:
    if (have)
        dsq_manifest_free(&m);
    close(fd); /* releases the lock */
    return rc;
}

int
dsq_attempt_lines(const char *run_dir, const struct dsq_attempt *a, const struct dsq_jobfile *jf,
                  size_t **lines, size_t *n, struct dsq_error *err)
{
    char *path = NULL, *data = NULL, *p, *end;
    size_t *v = NULL, k = 0, cap;
    int rc = -1;

    *lines = NULL;
    *n = 0;
    if (!a->lines_file) {
        v = malloc((jf->ncmds ? jf->ncmds : 1) * sizeof *v);
        if (!v)
            return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        for (size_t i = 0; i < jf->ncmds; i++)
            v[i] = jf->cmds[i].line;
        *lines = v;
        *n = jf->ncmds;
        return 0;
    }
    if (!(path = dsq_rundir_join(run_dir, a->lines_file)))
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    if (dsq_read_file(path, &data, &cap, err) < 0) {
        err->kind = DSQ_ERR_INPUT; /* a damaged run directory */
        goto out;
    }
    end = data + cap;
    cap = a->plan.ncmds ? a->plan.ncmds : 1;
    v = malloc(cap * sizeof *v);
    if (!v) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        goto out;
    }
    for (p = data; p < end;) {
        char *nl = memchr(p, '\n', (size_t)(end - p)), *q;
        unsigned long line;

        if (!nl)
            nl = end;
        *nl = '\0';
        q = p;
        p = nl + 1;
        if (!*q)
            continue;
        if (dsq_parse_ulong(q, 1, (unsigned long)-1, &line) < 0 ||
            dsq_jobfile_find(jf, line) == (size_t)-1 || (k && line <= v[k - 1]) || k == cap) {
            dsq_errprintf(err, DSQ_ERR_INPUT,
                          "%s: line %zu ('%s') is not a command line of the job file in order, "
                          "or more than the %zu the manifest planned; the run directory is "
                          "damaged",
                          path, k + 1, q, a->plan.ncmds);
            goto out;
        }
        v[k++] = (size_t)line;
    }
    if (k != a->plan.ncmds) {
        dsq_errprintf(err, DSQ_ERR_INPUT,
                      "%s: %zu lines, but the manifest planned %zu; the run directory is "
                      "damaged",
                      path, k, a->plan.ncmds);
        goto out;
    }
    *lines = v;
    *n = k;
    v = NULL;
    rc = 0;
out:
    free(v);
    free(data);
    free(path);
    return rc;
}

int
dsq_attempt_lines_write(const char *run_dir, unsigned number, const size_t *lines, size_t n,
                        char **rel, struct dsq_error *err)
{
    struct dsq_buf body = {0};
    char *dir = NULL, *path = NULL, *name = NULL;
    int fd = -1, rc = -1;

    if (!(dir = dsq_rundir_path(run_dir, DSQ_RD_ATTEMPTS)) ||
        !(name = dsq_rundir_lines_name(number)) || !(path = dsq_rundir_join(run_dir, name)))
        goto oom;
    for (size_t i = 0; i < n; i++)
        if (dsq_buf_printf(&body, "%zu\n", lines[i]) < 0)
            goto oom;
    if (dsq_mkdir_p(dir, 0755, err) < 0)
        goto out;
    /* O_EXCL claims the attempt number: two reruns never share a file. */
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0444);
    if (fd < 0) {
        dsq_errno(err, errno == EEXIST ? DSQ_ERR_INPUT : DSQ_ERR_SYSTEM, errno, "%s", path);
        goto out;
    }
    for (size_t off = 0; off < body.len;) {
        ssize_t w = write(fd, body.data + off, body.len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            dsq_errno(err, DSQ_ERR_SYSTEM, errno, "%s", path);
            unlink(path);
            goto out;
        }
        off += (size_t)w;
    }
    if (fsync(fd) < 0) {
        dsq_errno(err, DSQ_ERR_SYSTEM, errno, "%s", path);
        unlink(path);
        goto out;
    }
    *rel = name;
    name = NULL;
    rc = 0;
    goto out;
oom:
    dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
out:
    if (fd >= 0)
        close(fd);
    free(dir);
    free(path);
    dsq_buf_free(&body);
    free(name);
    return rc;
}
