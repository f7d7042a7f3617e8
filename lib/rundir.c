/* rundir: run directory creation, the manifest (JSON, jansson), and finding
 * a run from a RUN argument (see rundir.h).
 *
 * jansson references: json_object_set_new()/json_array_append_new() steal
 * the value; json_object_get() borrows; json_loads()/json_pack() return a new
 * reference that this module json_decref()s on every path. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "rundir.h"

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
    free(m->script);
    free(m->batch_file);
    free(m->shell);
    free(m->line_output);
    free(m->submit_error);
    dsq_plan_free(&m->plan);
    dsq_strv_free(&m->sbatch);
    dsq_strv_free(&m->job_ids);
    memset(m, 0, sizeof *m);
}

static json_t *
jstr(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *
strv_to_json(const struct dsq_strv *sv)
{
    json_t *a = json_array();

    for (size_t i = 0; a && i < sv->n; i++)
        json_array_append_new(a, json_string(sv->v[i]));
    return a;
}

int
dsq_manifest_write(const struct dsq_manifest *m, struct dsq_error *err)
{
    json_t *root = NULL, *arrays = NULL;
    struct dsq_buf path = {0}, body = {0};
    char *text = NULL;
    int rc = -1;

    arrays = json_array();
    for (size_t i = 0; arrays && i < m->plan.narrays; i++)
        json_array_append_new(arrays, json_pack("{s:I,s:I}", "offset",
                                                (json_int_t)m->plan.arrays[i].offset, "count",
                                                (json_int_t)m->plan.arrays[i].count));
    root = json_pack(
        "{s:i,s:o,s:o,s:o,s:o,s:o,s:o,s:I,s:I,s:o,s:o,s:o,s:o,s:o,s:o,s:f,s:b,"
        "s:{s:I,s:I,s:i,s:s,s:o},s:{s:i,s:I,s:I,s:i,s:I},s:o,s:o,s:o}",
        "format", DSQ_MANIFEST_FORMAT, "version", jstr(m->version), "run_id", jstr(m->run_id),
        "run_dir", jstr(m->run_dir), "created", jstr(m->created), "jobfile", jstr(m->jobfile),
        "sha256", jstr(m->sha256), "physical_lines", (json_int_t)m->physical_lines, "commands",
        (json_int_t)m->plan.ncmds, "job_name", jstr(m->job_name), "submit_dir",
        jstr(m->submit_dir), "script", jstr(m->script), "batch_file", jstr(m->batch_file),
        "shell", jstr(m->shell), "line_output", jstr(m->line_output), "kill_grace",
        m->kill_grace, "dry_run", m->dry_run, "plan", "tasks", (json_int_t)m->plan.tasks,
        "lines_per_task", (json_int_t)m->plan.lines_per_task, "parallel", (int)m->plan.parallel,
        "layout", dsq_layout_name(m->plan.layout), "arrays", arrays, "per_line", "cpus",
        (int)m->per_line.cpus, "mem_mib", (json_int_t)m->per_line.mem_mib, "mem_per_cpu_mib",
        (json_int_t)m->per_line.mem_per_cpu_mib, "gpus", (int)m->per_line.gpus, "time_s",
        (json_int_t)m->per_line.time_s, "sbatch", strv_to_json(&m->sbatch), "job_ids",
        strv_to_json(&m->job_ids), "submit_error", jstr(m->submit_error));
    arrays = NULL; /* stolen by "o" even on failure */
    if (!root) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: cannot build the manifest", m->run_dir);
        goto out;
    }
    text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    if (!text || dsq_buf_printf(&path, "%s/manifest.json", m->run_dir) < 0) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: out of memory", m->run_dir);
        goto out;
    }
    if (dsq_buf_puts(&body, text) < 0 || dsq_buf_puts(&body, "\n") < 0) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: out of memory", m->run_dir);
        goto out;
    }
    rc = dsq_write_file_atomic(path.data, body.data, body.len, 0644, err);
out:
    free(text);
    json_decref(root);
    dsq_buf_free(&path);
    dsq_buf_free(&body);
    return rc;
}

/* Owned copy of a string member, NULL when absent or null. */
static char *
get_str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);

    return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
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
        if (json_is_string(v) && dsq_strv_push(sv, json_string_value(v)) < 0)
            return -1;
    }
    return 0;
}

int
dsq_manifest_read(const char *run_dir, struct dsq_manifest *m, struct dsq_error *err)
{
    struct dsq_buf path = {0};
    json_error_t jerr;
    json_t *root = NULL, *plan, *arrays, *pl, *v;
    char *data = NULL;
    size_t len, i;
    int rc = -1;

    memset(m, 0, sizeof *m);
    if (dsq_buf_printf(&path, "%s/manifest.json", run_dir) < 0)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    if (dsq_read_file(path.data, &data, &len, err) < 0)
        goto out;
    root = json_loadb(data, len, 0, &jerr);
    if (!json_is_object(root)) {
        dsq_errprintf(err, DSQ_ERR_INPUT, "%s:%d: not a dsq manifest: %s", path.data, jerr.line,
                      root ? "not an object" : jerr.text);
        goto out;
    }
    v = json_object_get(root, "format");
    if (!json_is_integer(v) || json_integer_value(v) < 1) {
        dsq_errprintf(err, DSQ_ERR_INPUT, "%s: not a dsq manifest (no format number)", path.data);
        goto out;
    }
    m->format = (int)json_integer_value(v);
    if (m->format > DSQ_MANIFEST_FORMAT) {
        dsq_errprintf(err, DSQ_ERR_INPUT,
                      "%s: run directory format %d is newer than this dsq understands (%d); "
                      "use the dsq version that planned it",
                      path.data, m->format, DSQ_MANIFEST_FORMAT);
        goto out;
    }
    m->version = get_str(root, "version");
    m->run_id = get_str(root, "run_id");
    m->created = get_str(root, "created");
    m->jobfile = get_str(root, "jobfile");
    m->sha256 = get_str(root, "sha256");
    m->physical_lines = get_size(root, "physical_lines");
    m->job_name = get_str(root, "job_name");
    m->submit_dir = get_str(root, "submit_dir");
    m->script = get_str(root, "script");
    m->batch_file = get_str(root, "batch_file");
    m->shell = get_str(root, "shell");
    m->line_output = get_str(root, "line_output");
    m->submit_error = get_str(root, "submit_error");
    v = json_object_get(root, "kill_grace");
    m->kill_grace = json_is_number(v) ? json_number_value(v) : 10.0;
    m->dry_run = json_is_true(json_object_get(root, "dry_run"));
    /* The directory we were handed is the truth, even if it was moved. */
    m->run_dir = dsq_abspath(run_dir);

    plan = json_object_get(root, "plan");
    m->plan.ncmds = get_size(root, "commands");
    m->plan.tasks = get_size(plan, "tasks");
    m->plan.lines_per_task = get_size(plan, "lines_per_task");
    m->plan.parallel = (unsigned)get_size(plan, "parallel");
    if (!json_is_string(json_object_get(plan, "layout")) ||
        dsq_layout_parse(json_string_value(json_object_get(plan, "layout")), &m->plan.layout) <
            0 ||
        !m->plan.tasks || !m->plan.lines_per_task || !m->plan.parallel || !m->plan.ncmds ||
        !m->shell || !m->sha256) {
        dsq_errprintf(err, DSQ_ERR_INPUT, "%s: manifest is incomplete (plan or shell missing)",
                      path.data);
        goto out;
    }
    arrays = json_object_get(plan, "arrays");
    m->plan.narrays = json_array_size(arrays);
    m->plan.arrays = calloc(m->plan.narrays ? m->plan.narrays : 1, sizeof *m->plan.arrays);
    if (!m->plan.arrays) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        goto out;
    }
    json_array_foreach(arrays, i, v)
    {
        m->plan.arrays[i].offset = get_size(v, "offset");
        m->plan.arrays[i].count = get_size(v, "count");
    }
    pl = json_object_get(root, "per_line");
    m->per_line.cpus = (unsigned)get_size(pl, "cpus");
    m->per_line.mem_mib = get_size(pl, "mem_mib");
    m->per_line.mem_per_cpu_mib = get_size(pl, "mem_per_cpu_mib");
    m->per_line.gpus = (unsigned)get_size(pl, "gpus");
    v = json_object_get(pl, "time_s");
    m->per_line.time_s = json_is_integer(v) ? (long)json_integer_value(v) : -1;
    if (json_to_strv(json_object_get(root, "sbatch"), &m->sbatch) < 0 ||
        json_to_strv(json_object_get(root, "job_ids"), &m->job_ids) < 0) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        goto out;
    }
    rc = 0;
out:
    if (rc < 0)
        dsq_manifest_free(m);
    json_decref(root);
    free(data);
    dsq_buf_free(&path);
    return rc;
}

int
dsq_rundir_create(const char *status_dir, const char *name, char **run_dir, char **run_id,
                  struct dsq_error *err)
{
    char stamp[32];
    time_t now = time(NULL);
    struct tm tm;
    char *base;
    int rc = -1;

    struct dsq_error mk = {0};

    /* The status directory is the user's choice: failing it is an input error. */
    if (dsq_mkdir_p(status_dir, 0755, &mk) < 0)
        return dsq_errprintf(err, DSQ_ERR_INPUT, "status directory %s: %s", status_dir, mk.msg);
    if (access(status_dir, W_OK | X_OK) < 0)
        return dsq_errno(err, DSQ_ERR_INPUT, errno, "status directory %s", status_dir);
    base = dsq_abspath(status_dir);
    if (!base)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    localtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    for (unsigned n = 1; n < 10000; n++) {
        struct dsq_buf id = {0}, dir = {0}, st = {0};
        if (dsq_buf_printf(&id, "%s-%s-%u", name, stamp, n) < 0 ||
            dsq_buf_printf(&dir, "%s/%s", base, id.data) < 0) {
            dsq_buf_free(&id);
            dsq_buf_free(&dir);
            dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
            goto out;
        }
        if (mkdir(dir.data, 0755) < 0) {
            int e = errno;
            dsq_buf_free(&id);
            dsq_buf_free(&dir);
            if (e == EEXIST)
                continue;
            dsq_errno(err, DSQ_ERR_SYSTEM, e, "cannot create a run directory in %s", base);
            goto out;
        }
        if (dsq_buf_printf(&st, "%s/status", dir.data) < 0 || mkdir(st.data, 0755) < 0) {
            dsq_errno(err, DSQ_ERR_SYSTEM, errno, "cannot create %s/status", dir.data);
            dsq_rm_rf(dir.data);
            dsq_buf_free(&st);
            dsq_buf_free(&id);
            dsq_buf_free(&dir);
            goto out;
        }
        dsq_buf_free(&st);
        *run_dir = dir.data;
        *run_id = id.data;
        rc = 0;
        goto out;
    }
    dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: too many runs named %s in one second", base, name);
out:
    free(base);
    return rc;
}

static int
has_manifest(const char *dir)
{
    struct dsq_buf p = {0};
    struct stat st;
    int ok;

    if (dsq_buf_printf(&p, "%s/manifest.json", dir) < 0)
        return 0;
    ok = stat(p.data, &st) == 0 && S_ISREG(st.st_mode);
    dsq_buf_free(&p);
    return ok;
}

/* Whether the manifest in dir lists job_id. */
static int
manifest_has_job(const char *dir, const char *job_id)
{
    struct dsq_manifest m;
    struct dsq_error e = {0};
    int found = 0;

    if (dsq_manifest_read(dir, &m, &e) < 0)
        return 0;
    for (size_t i = 0; i < m.job_ids.n && !found; i++)
        found = !strcmp(m.job_ids.v[i], job_id);
    dsq_manifest_free(&m);
    return found;
}

int
dsq_rundir_find(const char *status_dir, const char *run, char **run_dir, struct dsq_error *err)
{
    struct stat st;
    DIR *d;
    struct dirent *de;
    char *best = NULL;
    char best_created[64] = "";
    int by_job;

    if (run && stat(run, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (!has_manifest(run))
            return dsq_errprintf(err, DSQ_ERR_INPUT,
                                 "%s: not a dsq run directory (no manifest.json)", run);
        *run_dir = dsq_abspath(run);
        return *run_dir ? 0 : dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    }
    by_job = run && run[0] && strspn(run, "0123456789") == strlen(run);
    if (run && !by_job)
        return dsq_errprintf(err, DSQ_ERR_INPUT,
                             "%s: no such run directory (RUN is a run directory, a Slurm "
                             "job id, or nothing for the latest run)",
                             run);
    d = opendir(status_dir);
    if (!d)
        return dsq_errno(err, DSQ_ERR_INPUT, errno, "status directory %s", status_dir);
    while ((de = readdir(d))) {
        struct dsq_buf dir = {0};
        struct dsq_manifest m;
        struct dsq_error e = {0};

        if (de->d_name[0] == '.')
            continue;
        if (dsq_buf_printf(&dir, "%s/%s", status_dir, de->d_name) < 0)
            continue;
        if (!has_manifest(dir.data)) {
            dsq_buf_free(&dir);
            continue;
        }
        if (by_job) {
            if (manifest_has_job(dir.data, run)) {
                free(best);
                best = dir.data;
                break;
            }
            dsq_buf_free(&dir);
            continue;
        }
        if (dsq_manifest_read(dir.data, &m, &e) == 0) {
            /* created carries microseconds, so it orders runs. */
            const char *key = m.created ? m.created : "";
            if (!best || strcmp(key, best_created) > 0) {
                free(best);
                best = dir.data;
                dir.data = NULL;
                snprintf(best_created, sizeof best_created, "%s", key);
            }
            dsq_manifest_free(&m);
        }
        dsq_buf_free(&dir);
    }
    closedir(d);
    if (!best) {
        if (by_job)
            return dsq_errprintf(err, DSQ_ERR_INPUT,
                                 "no run under %s has Slurm job id %s (use --status-dir, or "
                                 "give the run directory)",
                                 status_dir, run);
        return dsq_errprintf(err, DSQ_ERR_INPUT,
                             "no dsq run under %s (use --status-dir, or give the run "
                             "directory)",
                             status_dir);
    }
    *run_dir = dsq_abspath(best);
    free(best);
    return *run_dir ? 0 : dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
}
