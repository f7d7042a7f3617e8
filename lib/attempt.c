/* attempt: making an attempt and setting it going (see attempt.h).  A new
 * run and a rerun share the planning, the batch script and how the attempt
 * is recorded; they differ in where their options, names and lines come
 * from, and in how the manifest is written (created, or changed under the
 * run directory's lock). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "attempt.h"
#include "buf.h"
#include "fs.h"
#include "jobfile.h"
#include "manifest.h"
#include "retry.h"
#include "run.h"
#include "rundir.h"
#include "script.h"
#include "sha256.h"
#include "sys.h"
#include "text.h"

#define STR_(x) #x
#define STR(x) STR_(x)

/* Local time, ISO 8601 with microseconds (manifest "created"). */
static void
timestamp(char *buf, size_t n)
{
    struct timespec ts;
    struct tm tm;
    size_t len;

    /* Seconds and microseconds from one clock reading: runs sort by it. */
    clock_gettime(CLOCK_REALTIME, &ts);
    localtime_r(&ts.tv_sec, &tm);
    len = strftime(buf, n, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + len, n - len, ".%06ld", ts.tv_nsec / 1000);
}

/* Absolute path of the running dsq binary (owned), for the batch script. */
static char *
self_path(struct dsq_error *err)
{
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    char *p;

    if (n <= 0) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "cannot find the path of the dsq program");
        return NULL;
    }
    buf[n] = '\0';
    if (!(p = strdup(buf)))
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    return p;
}

/* A dry run's default pool width: this machine's CPUs / CPUs per line. */
static unsigned
local_slots(const struct dsq_resources *per_line)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned cpus = n > 0 ? (unsigned)n : 1, per = per_line->cpus ? per_line->cpus : 1;

    return cpus / per ? cpus / per : 1;
}

/* Slurm's MaxArraySize and max_array_tasks, or the fallback. */
struct limits {
    size_t max_size, max_tasks;
};

/* Asked of Slurm unless the attempt runs here; the fallback when Slurm
 * cannot be asked. */
static void
array_limits(int dry_run, struct limits *l)
{
    struct dsq_error serr = {0};

    if (dry_run || dsq_slurm_array_limits(&l->max_size, &l->max_tasks, &serr) < 0) {
        /* Said once, where Slurm is meant to be there: the plan may not
         * fit this cluster's limits. */
        if (!dry_run && dsq_slurm_configured())
            dsq_warn("%s; planning with MaxArraySize %d", serr.msg, DSQ_FALLBACK_MAX_ARRAY_SIZE);
        l->max_size = DSQ_FALLBACK_MAX_ARRAY_SIZE;
        l->max_tasks = 0;
    }
}

/* Plan ncmds lines into at->plan within Slurm's limits l and scale opts
 * (per line) to the array task's request; parallel and layout are the
 * defaults the request's own choices override. */
static int
plan_attempt(const struct dsq_attempt_request *req, size_t ncmds, const struct limits *l,
             unsigned parallel, enum dsq_layout layout, struct dsq_sbopts *opts,
             struct dsq_attempt *at, struct dsq_error *err)
{
    struct dsq_plan_request pr = {0};

    pr.ncmds = ncmds;
    pr.lines_per_task = req->lines_per_task;
    pr.tasks = req->tasks;
    pr.parallel = req->parallel ? req->parallel : parallel;
    pr.layout = req->have_layout ? req->layout : layout;
    pr.max_array_tasks = req->max_array_tasks ? req->max_array_tasks : req->conf->max_array_tasks;
    pr.max_array_size = l->max_size;
    pr.slurm_max_tasks = l->max_tasks;
    if (req->durations && !req->lines_per_task && !req->tasks)
        pr.lines_hint = dsq_durations_lines(req->durations->s, req->durations->n,
                                            req->conf->task_time, pr.parallel);
    if (dsq_plan_make(&pr, &at->plan, err) < 0 ||
        dsq_plan_resources(&at->plan, opts, &at->per_line, err) < 0)
        return -1;
    if (req->durations) {
        size_t *order;

        if (dsq_durations_order(&at->plan, req->durations->s, &order) < 0 ||
            dsq_plan_set_order(&at->plan, order) < 0)
            return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    }
    if (req->dry_run && !req->parallel)
        at->plan.parallel = local_slots(&at->per_line);
    at->dry_run = req->dry_run;
    return 0;
}

/* Lines at once: per task, the plan's; a dry run's one pool is as wide as
 * asked even where the plan's slices are narrower (--lines-per-task 1). */
static unsigned
slots_of(const struct dsq_attempt_request *req, const struct dsq_attempt *at)
{
    return req->dry_run && req->parallel ? req->parallel : at->plan.parallel;
}

/* The batch script template's path: conf's batch-template, else the
 * default.  Owned, NULL when out of memory. */
static char *
template_path(const struct dsq_conf *conf)
{
    return conf->batch_template ? strdup(conf->batch_template) : dsq_script_default_template();
}

/* The batch script template's text into *tmpl (owned).  Errors name it. */
static int
read_template(const struct dsq_conf *conf, char **tmpl, struct dsq_error *err)
{
    char *path = template_path(conf);
    size_t len;
    int rc;

    if (!path)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    rc = dsq_read_file(path, tmpl, &len, err);
    free(path);
    if (rc < 0) {
        struct dsq_error e2 = *err;
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "batch script template: %s", e2.msg);
    }
    return 0;
}

/* Render attempt at's batch script (its number, plan, names and max_jobs
 * set) from tmpl with the final options opts, running the lines of run_dir,
 * into *script (owned). */
static int
render_attempt(const char *tmpl, const char *run_dir, const char *self,
               const struct dsq_sbopts *opts, const struct dsq_attempt *at, char **script,
               struct dsq_error *err)
{
    struct dsq_buf array = {0};
    int rc;

    if (dsq_slurm_array_spec(&array, at->plan.arrays[0].count, at->max_jobs) < 0) {
        dsq_buf_free(&array);
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    }
    {
        struct dsq_script_params sp = {
            .job_name = at->job_name,
            .output = at->output,
            .array = array.data,
            .opts = opts,
            .dsq_path = self,
            .run_dir = run_dir,
            .version = PACKAGE_VERSION,
            .attempt = at->number,
        };
        rc = dsq_script_render(tmpl, &sp, script, err);
    }
    dsq_buf_free(&array);
    return rc;
}

/* Write script, attempt at's batch script (its script file name set), into
 * run_dir and record the rest in at: when, and the final options opts as
 * "--name[=value]".  *spath (its path) owned. */
static int
save_script(const char *run_dir, const struct dsq_sbopts *opts, const char *script,
            struct dsq_attempt *at, char **spath, struct dsq_error *err)
{
    char *path = dsq_rundir_join(run_dir, at->script);
    char created[64];

    if (!path)
        goto oom;
    if (dsq_write_file_atomic(path, script, strlen(script), 0755, err) < 0) {
        free(path);
        return -1;
    }
    *spath = path;
    timestamp(created, sizeof created);
    if (!(at->created = strdup(created)))
        goto oom;
    for (size_t i = 0; i < opts->n; i++) {
        struct dsq_buf o = {0};
        if (dsq_buf_printf(&o, "--%s%s%s", opts->v[i].name, opts->v[i].value ? "=" : "",
                           opts->v[i].value ? opts->v[i].value : "") < 0 ||
            dsq_strv_push(&at->sbatch, o.data) < 0) {
            dsq_buf_free(&o);
            goto oom;
        }
        dsq_buf_free(&o);
    }
    return 0;
oom:
    return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
}

/* Render, write and record attempt at's batch script into run_dir (see
 * render_attempt and save_script).  *script and *spath owned. */
static int
write_script(const struct dsq_conf *conf, const char *run_dir, const char *self,
             const struct dsq_sbopts *opts, struct dsq_attempt *at, char **script, char **spath,
             struct dsq_error *err)
{
    char *tmpl = NULL;
    int rc = -1;

    if (read_template(conf, &tmpl, err) < 0 ||
        render_attempt(tmpl, run_dir, self, opts, at, script, err) < 0)
        goto out;
    rc = save_script(run_dir, opts, *script, at, spath, err);
out:
    free(tmpl);
    return rc;
}

/* The sbatch calls that submit attempt a, one per array of its plan.
 * Owned (free()), NULL when out of memory. */
static struct dsq_attempt_call *
array_calls(const struct dsq_attempt *a)
{
    struct dsq_attempt_call *calls = calloc(a->plan.narrays ? a->plan.narrays : 1, sizeof *calls);
    struct dsq_buf spec = {0};

    for (size_t k = 0; calls && k < a->plan.narrays; k++) {
        spec.len = 0;
        if (dsq_slurm_array_spec(&spec, a->plan.arrays[k].count, a->max_jobs) < 0 ||
            spec.len >= sizeof calls[k].array) {
            free(calls);
            calls = NULL;
            break;
        }
        memcpy(calls[k].array, spec.data, spec.len + 1);
        calls[k].offset = a->plan.arrays[k].offset;
    }
    dsq_buf_free(&spec);
    return calls;
}

static int
sbopts_copy(const struct dsq_sbopts *from, struct dsq_sbopts *to)
{
    for (size_t k = 0; from && k < from->n; k++)
        if (dsq_sbopts_add(to, from->v[k].name, from->v[k].value) < 0)
            return -1;
    return 0;
}

/* ---- A new run: attempt 1 ---- */

static size_t
digits(size_t n)
{
    size_t d = 1;

    while (n >= 10) {
        n /= 10;
        d++;
    }
    return d;
}

/* The job file's base name (borrowed, inside job_file). */
static const char *
base_name(const char *job_file)
{
    const char *slash = strrchr(job_file, '/');

    return slash ? slash + 1 : job_file;
}

/* The job file's stem, its base name without the last extension, appended
 * to b. */
static int
stem_of(const char *job_file, struct dsq_buf *b)
{
    const char *base = base_name(job_file), *dot = strrchr(base, '.');

    if (!dot || dot == base)
        dot = base + strlen(base);
    return dsq_buf_append(b, base, (size_t)(dot - base));
}

/* What is wrong with name as a job name (attempt.h), or NULL. */
static const char *
job_name_fault(const char *name)
{
    if (!*name)
        return "it is empty";
    if (!strcmp(name, ".") || !strcmp(name, ".."))
        return "it names a directory, not a run";
    if (strchr(name, '/'))
        return "it holds '/', which the run directory's name cannot";
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return "it holds a control character";
    if (strlen(name) > DSQ_RUNDIR_JOB_NAME_MAX)
        return "it is longer than the " STR(DSQ_RUNDIR_JOB_NAME_MAX) " bytes the run "
                                                                     "directory's name can hold";
    return NULL;
}

int
dsq_attempt_job_name(const char *job_file, const char *given, char **name, struct dsq_error *err)
{
    struct dsq_buf b = {0}, msg = {0};
    const char *why;
    int rc = -1;

    *name = NULL;
    if (given ? dsq_buf_puts(&b, given) < 0
              : dsq_buf_puts(&b, "dsq-") < 0 || stem_of(job_file, &b) < 0)
        goto oom;
    if (!(why = job_name_fault(b.data))) {
        *name = b.data;
        return 0;
    }
    if (dsq_buf_puts(&msg, "job name '") < 0 || dsq_buf_visible(&msg, b.data, b.len) < 0 ||
        dsq_buf_puts(&msg, "'") < 0)
        goto oom;
    if (!given) {
        const char *base = base_name(job_file);
        if (dsq_buf_puts(&msg, " (from the job file's name '") < 0 ||
            dsq_buf_visible(&msg, base, strlen(base)) < 0 || dsq_buf_puts(&msg, "')") < 0)
            goto oom;
    }
    dsq_errprintf(err, DSQ_ERR_INPUT, "%s: %s", msg.data, why);
    goto out;
oom:
    dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
out:
    dsq_buf_free(&b);
    dsq_buf_free(&msg);
    return rc;
}

/* The job name, output pattern and batch file name of a new run: the
 * request's, else dSQ's from the job file's stem (its base name without
 * the last extension).  A bad job name is DSQ_ERR_INPUT. */
static int
new_run_names(const struct dsq_attempt_request *req, const struct dsq_plan *plan,
              struct dsq_attempt *at, char **batch_file, struct dsq_error *err)
{
    struct dsq_buf stem = {0}, output = {0}, bfile = {0};
    char *name = NULL;
    char date[16];
    time_t now = time(NULL);
    struct tm tm;
    int rc = -1;

    if (dsq_attempt_job_name(req->job_file, req->job_name, &name, err) < 0)
        return -1;
    localtime_r(&now, &tm);
    strftime(date, sizeof date, "%Y-%m-%d", &tm);
    if (stem_of(req->job_file, &stem) < 0 ||
        (req->output ? dsq_buf_puts(&output, req->output)
                     : dsq_buf_printf(&output, "dsq-%s-%%A_%%%zua-%%N.out", stem.data,
                                      digits(plan->arrays[0].count - 1))) < 0 ||
        (req->batch_file ? dsq_buf_puts(&bfile, req->batch_file)
                         : dsq_buf_printf(&bfile, "dsq-%s-%s.sh", stem.data, date)) < 0)
        goto oom;
    /* The copy in the run directory goes by the batch file's base name. */
    if (!(at->script = dsq_rundir_script_name(bfile.data, 1)))
        goto oom;
    at->job_name = name;
    at->output = output.data;
    *batch_file = bfile.data;
    name = output.data = bfile.data = NULL;
    rc = 0;
    goto out;
oom:
    dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
out:
    free(name);
    dsq_buf_free(&stem);
    dsq_buf_free(&output);
    dsq_buf_free(&bfile);
    return rc;
}

/* Whether path (borrowed) is the file st: 1 or 0 (also when it cannot be
 * looked at). */
static int
same_file(const char *path, const struct stat *st)
{
    struct stat o;

    return path && stat(path, &o) == 0 && o.st_dev == st->st_dev && o.st_ino == st->st_ino;
}

/* When the file st (at bfile) is one dsq reads for this run, the
 * DSQ_ERR_INPUT that says which; else 0. */
static int
refuse_read_file(const struct dsq_attempt_request *req, const char *bfile, const struct stat *st,
                 struct dsq_error *err)
{
    char *tp = template_path(req->conf);
    const char *what = NULL, *path = NULL;
    int rc = 0;

    if (same_file(req->job_file, st)) {
        what = "the job file";
        path = req->job_file;
    }
    for (size_t i = 0; !what && i < req->conf->files.n; i++) {
        if (same_file(req->conf->files.v[i], st)) {
            what = "a configuration file";
            path = req->conf->files.v[i];
        }
    }
    if (!what && same_file(tp, st)) {
        what = "the batch script template";
        path = tp;
    }
    if (what)
        rc = dsq_errprintf(err, DSQ_ERR_INPUT,
                           "batch file %s is %s (%s): writing the batch script there would "
                           "destroy it; choose another name",
                           bfile, what, path);
    free(tp);
    return rc;
}

/* Check the batch file bfile before anything is made: its base name names
 * the script's copy in the run directory (script), so it must be a file
 * name the run directory does not keep for itself; and when the user's
 * copy is to be written, it must not be a directory or a file dsq reads,
 * and its directory must let it be written (else, as writing it would,
 * DSQ_ERR_SYSTEM). */
static int
check_batch_file(const struct dsq_attempt_request *req, const char *bfile, const char *script,
                 struct dsq_error *err)
{
    struct stat st;
    struct dsq_buf dir = {0};
    const char *slash;
    int rc;

    if (!*script || !strcmp(script, ".") || !strcmp(script, ".."))
        return dsq_errprintf(err, DSQ_ERR_INPUT, "batch file '%s' names no file", bfile);
    if (dsq_rundir_reserved(script))
        return dsq_errprintf(err, DSQ_ERR_INPUT,
                             "batch file '%s': its copy in the run directory would be called "
                             "'%s', a name the run directory keeps for its own file; choose "
                             "another name",
                             bfile, script);
    if (!req->batch_copy)
        return 0;
    if (stat(bfile, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return dsq_errprintf(err, DSQ_ERR_INPUT, "batch file %s is a directory", bfile);
        if (refuse_read_file(req, bfile, &st, err) < 0)
            return -1;
    }
    /* Written as path.tmp.<pid>, then renamed: its directory must let us. */
    slash = strrchr(bfile, '/');
    if ((slash ? dsq_buf_append(&dir, bfile, slash == bfile ? 1 : (size_t)(slash - bfile))
               : dsq_buf_puts(&dir, ".")) < 0)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    rc = access(dir.data, W_OK | X_OK) < 0
             ? dsq_errno(err, DSQ_ERR_SYSTEM, errno, "batch file %s", bfile)
             : 0;
    dsq_buf_free(&dir);
    return rc;
}

static int
copy_jobfile(const char *run_dir, const struct dsq_jobfile *jf, char hex[65], struct dsq_error *err)
{
    char *path;
    int rc;

    dsq_sha256_hex(jf->data, jf->len, hex);
    if (!(path = dsq_rundir_path(run_dir, DSQ_RD_JOBFILE)))
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    rc = dsq_write_file_atomic(path, jf->data, jf->len, 0444, err);
    free(path);
    return rc;
}

/* The manifest's run-wide fields for a new run of jf (its copy's hash
 * hex); attempt 1 is already in m.  -1 when out of memory. */
static int
new_run_manifest(const struct dsq_attempt_request *req, const struct dsq_jobfile *jf,
                 const char *hex, const char *batch_file, struct dsq_manifest *m)
{
    const struct dsq_attempt *at = &m->attempts[0];

    m->format = DSQ_MANIFEST_FORMAT;
    m->version = strdup(PACKAGE_VERSION);
    m->created = strdup(at->created);
    m->jobfile = dsq_abspath(req->job_file);
    m->sha256 = strdup(hex);
    m->physical_lines = jf->physical_lines;
    m->commands = jf->ncmds;
    m->job_name = strdup(at->job_name);
    m->submit_dir = dsq_abspath(".");
    m->shell = strdup(req->shell ? req->shell : req->conf->shell);
    m->line_output = req->line_output ? strdup(req->line_output) : NULL;
    m->kill_grace = req->kill_grace >= 0 ? req->kill_grace : req->conf->kill_grace;
    m->no_bind = req->no_bind;
    if (req->batch_copy)
        m->batch_file = dsq_abspath(batch_file);
    return !m->version || !m->created || !m->jobfile || !m->sha256 || !m->job_name ||
                   !m->submit_dir || !m->shell
               ? -1
               : 0;
}

/* at's retries and halting: req's where set, else the defaults given (a new
 * run's configuration, a rerun's base attempt); retry_on borrowed. */
static int
retry_settings(const struct dsq_attempt_request *req, unsigned retries, const char *retry_on,
               unsigned long max_failures, struct dsq_attempt *at, struct dsq_error *err)
{
    char canon[1024];

    at->retries = req->have_retries ? req->retries : retries;
    at->max_failures = req->have_max_failures ? req->max_failures : max_failures;
    if (req->retry_on) {
        struct dsq_retry rp;

        if (dsq_retry_parse(&rp, req->retry_on, err) < 0)
            return -1;
        if (dsq_retry_format(&rp, canon, sizeof canon) < 0)
            return dsq_errprintf(err, DSQ_ERR_SYSTEM, "retry list too long");
        retry_on = canon[0] ? canon : NULL;
    }
    free(at->retry_on);
    at->retry_on = retry_on ? strdup(retry_on) : NULL;
    if (retry_on && !at->retry_on)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    return 0;
}

/* Measured durations fit a job file of as many lines; other content is
 * worth a warning (lines are matched by their place in the file). */
static int
check_durations(const struct dsq_attempt_request *req, const struct dsq_jobfile *jf,
                struct dsq_error *err)
{
    const struct dsq_durations *d = req->durations;
    char hex[65];

    if (d->n != jf->ncmds)
        return dsq_errprintf(err, DSQ_ERR_INPUT,
                             "%s: its job file has %zu command lines and %s has %zu: measured "
                             "durations are matched line by line, so they fit only a job file "
                             "of as many lines",
                             d->run_dir, d->n, req->job_file, jf->ncmds);
    dsq_sha256_hex(jf->data, jf->len, hex);
    if (strcmp(hex, d->sha256))
        dsq_warn("%s has other content than the job file of %s (as many command lines): its "
                 "durations are used line by line all the same",
                 req->job_file, d->run_dir);
    return 0;
}

/* Plan a new run of req's job file into at (and opts, its final sbatch
 * options) and name it; *jf and *bfile owned.  Makes nothing. */
static int
plan_new_run(const struct dsq_attempt_request *req, struct dsq_attempt *at, struct dsq_sbopts *opts,
             struct dsq_jobfile **jf, char **bfile, struct dsq_error *err)
{
    const struct dsq_conf *conf = req->conf;
    struct limits lim;
    int found;

    if (!(*jf = dsq_jobfile_load(req->job_file, err)))
        return -1;
    if ((*jf)->ncmds == 0)
        return dsq_errprintf(err, DSQ_ERR_INPUT,
                             "%s: no command lines (only blank lines and comments); nothing to "
                             "run",
                             req->job_file);
    if (req->durations && check_durations(req, *jf, err) < 0)
        return -1;
    array_limits(req->dry_run, &lim);
    if (plan_attempt(req, (*jf)->ncmds, &lim, 1, conf->layout, opts, at, err) < 0)
        return -1;
    /* Slurm's warning before the time limit, unless the user chose one. */
    dsq_sbopts_get(opts, "signal", &found);
    if (!found) {
        char signal_buf[32];
        snprintf(signal_buf, sizeof signal_buf, "B:USR1@%u", conf->signal_lead);
        if (dsq_sbopts_add(opts, "signal", signal_buf) < 0)
            return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    }
    at->max_jobs = req->max_jobs;
    if (retry_settings(req, req->conf->retries, req->conf->retry_on, req->conf->max_failures, at,
                       err) < 0)
        return -1;
    if (new_run_names(req, &at->plan, at, bfile, err) < 0)
        return -1;
    return check_batch_file(req, *bfile, at->script, err);
}

/* Make the run directory chosen in nr and write into it the job file's
 * copy, the script (rendered again from tmpl should the directory's name
 * have changed), the manifest, then the user's copy of the script.  On
 * error the caller unmakes nr. */
static int
make_new_run(const struct dsq_attempt_request *req, struct dsq_rundir_new *nr, const char *tmpl,
             const char *self, const struct dsq_sbopts *opts, const struct dsq_jobfile *jf,
             const char *bfile, struct dsq_manifest *m, char **script, struct dsq_error *err)
{
    struct dsq_attempt *at = &m->attempts[0];
    unsigned chosen = nr->n;
    char *spath = NULL;
    char hex[65];
    int rc = -1;

    if (dsq_rundir_make(nr, err) < 0)
        return -1;
    if (nr->n != chosen) {
        free(*script);
        *script = NULL;
        if (render_attempt(tmpl, nr->run_dir, self, opts, at, script, err) < 0)
            return -1;
    }
    if (!(m->run_dir = strdup(nr->run_dir)) || !(m->run_id = strdup(nr->run_id)))
        goto oom;
    if (copy_jobfile(nr->run_dir, jf, hex, err) < 0 ||
        save_script(nr->run_dir, opts, *script, at, &spath, err) < 0)
        goto out;
    if (new_run_manifest(req, jf, hex, bfile, m) < 0)
        goto oom;
    if (dsq_manifest_write(m, err) < 0)
        goto out;
    /* The user's copy of the batch script (dSQ's batch file), last. */
    if (req->batch_copy && dsq_write_file_atomic(bfile, *script, strlen(*script), 0755, err) < 0)
        goto out;
    rc = 0;
    goto out;
oom:
    dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
out:
    free(spath);
    return rc;
}

/* A new run: everything is checked and its script rendered before
 * anything is made, so that a planning error leaves nothing behind; and a
 * preview makes nothing at all. */
/* The shell every line runs with: a missing one would fail each line
 * alike, so planning refuses it at once. */
static int
check_shell(const char *shell, struct dsq_error *err)
{
    struct stat st;

    if (stat(shell, &st) < 0)
        return dsq_errno(err, DSQ_ERR_INPUT, errno, "shell '%s' (lines run with SHELL -c)", shell);
    if (!S_ISREG(st.st_mode) || access(shell, X_OK) < 0)
        return dsq_errprintf(err, DSQ_ERR_INPUT,
                             "shell '%s' is not a program this user can run (lines run with "
                             "SHELL -c)",
                             shell);
    return 0;
}

static int
new_run(const struct dsq_attempt_request *req, struct dsq_attempt_made *made, struct dsq_error *err)
{
    struct dsq_manifest m = {0};
    struct dsq_attempt *at;
    struct dsq_jobfile *jf = NULL;
    struct dsq_sbopts opts = {0};
    struct dsq_rundir_new nr = {0};
    char *self = NULL, *tmpl = NULL, *bfile = NULL;
    int rc = -1;

    at = dsq_manifest_add_attempt(&m);
    if (!at || sbopts_copy(req->sb, &opts) < 0)
        goto oom;
    if (check_shell(req->shell ? req->shell : req->conf->shell, err) < 0 ||
        plan_new_run(req, at, &opts, &jf, &bfile, err) < 0 || !(self = self_path(err)) ||
        read_template(req->conf, &tmpl, err) < 0 ||
        dsq_rundir_choose(req->status_dir ? req->status_dir : req->conf->status_dir, at->job_name,
                          &nr, err) < 0 ||
        render_attempt(tmpl, nr.run_dir, self, &opts, at, &made->script, err) < 0)
        goto fail;
    if (!(made->calls = array_calls(at)))
        goto oom;
    if (!req->preview &&
        make_new_run(req, &nr, tmpl, self, &opts, jf, bfile, &m, &made->script, err) < 0) {
        dsq_rundir_unmake(&nr);
        goto fail;
    }
    made->run_dir = nr.run_dir;
    nr.run_dir = NULL;
    if (!req->preview) {
        made->batch_file = bfile;
        bfile = NULL;
    }
    made->number = 1;
    made->tasks = at->plan.tasks;
    made->narrays = at->plan.narrays;
    made->slots = slots_of(req, at);
    made->lines_to_files = req->line_output != NULL;
    rc = 0;
    goto out;
oom:
    dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
fail:
    dsq_attempt_made_free(made);
out:
    dsq_rundir_new_free(&nr);
    dsq_jobfile_destroy(jf);
    dsq_manifest_free(&m);
    dsq_sbopts_free(&opts);
    free(self);
    free(tmpl);
    free(bfile);
    return rc;
}

/* ---- A rerun: attempt N > 1, added under the manifest's lock ---- */

struct rerun {
    const struct dsq_attempt_request *req;
    const char *self;
    struct limits lim; /* asked before the lock is taken */
    /* out */
    unsigned number;
    size_t tasks, narrays;
    unsigned slots;
    int lines_to_files;
    char *script;      /* owned */
    char *lines_path;  /* owned: created files, removed on failure */
    char *script_path; /* owned */
};

/* The options of a manifest's "sbatch" list ("--name[=value]") as sbopts. */
static int
sbopts_from_strv(const struct dsq_strv *sv, struct dsq_sbopts *o, struct dsq_error *err)
{
    for (size_t k = 0; k < sv->n; k++) {
        int i = 0;
        if (dsq_sbatch_take(1, &sv->v[k], &i, o, err) < 0)
            return -1;
    }
    return 0;
}

/* Take option name out of o: its last value (owned) in *value, if set. */
static int
sbopts_take(struct dsq_sbopts *o, const char *name, char **value)
{
    int found;
    const char *v = dsq_sbopts_get(o, name, &found);

    *value = NULL;
    if (!found)
        return 0;
    if (v && !(*value = strdup(v)))
        return -1;
    dsq_sbopts_remove(o, name);
    return 0;
}

/* The attempt a rerun builds on (its options, names and planning
 * defaults): the latest that was submitted or ran.  One that sbatch refused
 * outright (its words recorded, no job id) never ran, and its options may
 * be why; its lines keep their earlier states in a report, so they are
 * chosen again anyway.  Attempt 1 when every rerun was refused. */
static const struct dsq_attempt *
rerun_base(const struct dsq_manifest *m)
{
    for (size_t k = m->nattempts; k > 1; k--) {
        const struct dsq_attempt *a = &m->attempts[k - 1];
        if (!a->submit_error || a->job_ids.n)
            return a;
    }
    return &m->attempts[0];
}

/* The rerun's options: its base attempt's (prev), per line again, less
 * those not to inherit and those each option given now replaces
 * (dsq_sbopts_replace(): the same name, and those sbatch would refuse
 * beside it or let it override), then the given ones; and its job name and
 * output pattern (owned), which the script has as its own lines. */
static int
rerun_options(const struct dsq_manifest *m, const struct dsq_attempt *prev,
              const struct dsq_attempt_request *req, struct dsq_sbopts *opts, char **job_name,
              char **output, struct dsq_error *err)
{
    const struct dsq_sbopts *given = req->sb;

    if (sbopts_from_strv(&prev->sbatch, opts, err) < 0 ||
        dsq_plan_resources_undo(&prev->per_line, opts, err) < 0)
        return -1;
    for (size_t k = 0; req->no_inherit && k < req->no_inherit->n; k++)
        dsq_sbopts_remove(opts, req->no_inherit->v[k]);
    for (size_t k = 0; given && k < given->n; k++)
        if (dsq_sbopts_replace(opts, given->v[k].name, given->v[k].value) < 0)
            goto oom;
    if (sbopts_copy(given, opts) < 0 || sbopts_take(opts, "job-name", job_name) < 0 ||
        sbopts_take(opts, "output", output) < 0)
        goto oom;
    if (!*job_name && !(*job_name = strdup(prev->job_name ? prev->job_name : m->job_name)))
        goto oom;
    if (!*output) {
        struct dsq_buf o = {0};
        /* A format 1 manifest did not record it: dSQ's pattern, unpadded. */
        if (prev->output ? dsq_buf_puts(&o, prev->output) < 0
                         : dsq_buf_printf(&o, "%s-%%A_%%a-%%N.out", *job_name) < 0)
            goto oom;
        *output = o.data;
    }
    return 0;
oom:
    return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
}

/* Whether two lines ask the same memory and time. */
static int
same_asked(const struct dsq_resources *a, const struct dsq_resources *b)
{
    return a->mem_mib == b->mem_mib && a->mem_per_cpu_mib == b->mem_per_cpu_mib &&
           a->time_s == b->time_s;
}

/* Set the per-line options opts to ask r's memory and time. */
static int
set_asked(struct dsq_sbopts *opts, const struct dsq_resources *r)
{
    char buf[64];

    if (r->mem_mib || r->mem_per_cpu_mib) {
        const char *name = r->mem_mib ? "mem" : "mem-per-cpu";
        snprintf(buf, sizeof buf, "%lluM",
                 (unsigned long long)(r->mem_mib ? r->mem_mib : r->mem_per_cpu_mib));
        if (dsq_sbopts_replace(opts, name, buf) < 0 || dsq_sbopts_add(opts, name, buf) < 0)
            return -1;
    }
    if (r->time_s >= 0) {
        dsq_sbatch_format_time(r->time_s, buf, sizeof buf);
        if (dsq_sbopts_replace(opts, "time", buf) < 0 || dsq_sbopts_add(opts, "time", buf) < 0)
            return -1;
    }
    return 0;
}

/* The first line of each group of req's lines that ask alike, into
 * first[] (*nclass of them); class[i] is line i's group. */
static void
asked_classes(const struct dsq_attempt_request *req, size_t *cls, size_t *first, size_t *nclass)
{
    *nclass = 0;
    for (size_t i = 0; i < req->nlines; i++) {
        size_t c = 0;
        while (c < *nclass && !same_asked(&req->line_res[first[c]], &req->line_res[i]))
            c++;
        if (c == *nclass)
            first[(*nclass)++] = i;
        cls[i] = c;
    }
}

/* An escalated attempt's arrays: one line per task, task i line i; the
 * tasks of each group of lines that ask alike, split where an index would
 * reach MaxArraySize, become arrays of listed indices with their own
 * resources (replacing at's plan arrays). */
static int
escalated_arrays(const struct dsq_attempt_request *req, const struct limits *l, const size_t *cls,
                 const size_t *first, size_t nclass, struct dsq_attempt *at)
{
    size_t cap = req->nlines + nclass, n = 0;
    struct dsq_array *arrays = calloc(cap, sizeof *arrays);
    struct dsq_attempt_array *x = calloc(cap, sizeof *x);
    struct dsq_buf spec = {0};

    if (!arrays || !x)
        goto oom;
    for (size_t c = 0; c < nclass; c++) {
        size_t i = 0;
        while (i < req->nlines) {
            size_t off, last, run_end;
            /* The next array of group c starts at its next line. */
            while (i < req->nlines && cls[i] != c)
                i++;
            if (i == req->nlines)
                break;
            off = last = i;
            spec.len = 0;
            if (spec.data)
                spec.data[0] = '\0';
            while (i < req->nlines && i - off < l->max_size) {
                if (cls[i] != c) {
                    i++;
                    continue;
                }
                run_end = i;
                while (run_end + 1 < req->nlines && cls[run_end + 1] == c &&
                       run_end + 1 - off < l->max_size)
                    run_end++;
                if ((run_end > i
                         ? dsq_buf_printf(&spec, "%s%zu-%zu", spec.len ? "," : "", i - off,
                                          run_end - off)
                         : dsq_buf_printf(&spec, "%s%zu", spec.len ? "," : "", i - off)) < 0)
                    goto oom;
                last = run_end;
                i = run_end + 1;
            }
            if (at->max_jobs && dsq_buf_printf(&spec, "%%%lu", at->max_jobs) < 0)
                goto oom;
            arrays[n].offset = off;
            arrays[n].count = last - off + 1;
            x[n].per_line = at->per_line;
            x[n].per_line.mem_mib = req->line_res[first[c]].mem_mib;
            x[n].per_line.mem_per_cpu_mib = req->line_res[first[c]].mem_per_cpu_mib;
            x[n].per_line.time_s = req->line_res[first[c]].time_s;
            x[n].indices = spec.data;
            spec.data = NULL;
            spec.len = spec.cap = 0;
            n++;
        }
    }
    free(at->plan.arrays);
    at->plan.arrays = arrays;
    at->plan.narrays = n;
    at->xarrays = x;
    return 0;
oom:
    for (size_t k = 0; x && k < n; k++)
        free(x[k].indices);
    free(x);
    free(arrays);
    dsq_buf_free(&spec);
    return -1;
}

/* Plan a rerun: as asked, or, for an escalated rerun whose lines do not
 * all ask alike, one line per task in arrays of their own resources. */
static int
plan_rerun(const struct dsq_attempt_request *req, const struct limits *l, unsigned parallel,
           enum dsq_layout layout, struct dsq_sbopts *opts, struct dsq_attempt *at,
           struct dsq_error *err)
{
    struct dsq_attempt_request one = *req;
    size_t *cls = NULL, *first = NULL, nclass = 0;
    int rc = -1;

    if (!req->line_res)
        return plan_attempt(req, req->nlines, l, parallel, layout, opts, at, err);
    cls = calloc(req->nlines, sizeof *cls);
    first = calloc(req->nlines, sizeof *first);
    if (!cls || !first)
        goto oom;
    asked_classes(req, cls, first, &nclass);
    if (set_asked(opts, &req->line_res[first[0]]) < 0)
        goto oom;
    if (nclass > 1) {
        one.lines_per_task = 1;
        one.tasks = 0;
        one.parallel = 1;
        one.have_layout = 1;
        one.layout = DSQ_LAYOUT_BLOCK;
    }
    if (plan_attempt(&one, req->nlines, l, parallel, layout, opts, at, err) < 0)
        goto out;
    if (nclass > 1 && escalated_arrays(req, l, cls, first, nclass, at) < 0)
        goto oom;
    rc = 0;
    goto out;
oom:
    dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
out:
    free(cls);
    free(first);
    return rc;
}

static int
add_rerun(struct dsq_manifest *m, void *arg, struct dsq_error *err)
{
    struct rerun *rr = arg;
    const struct dsq_attempt_request *req = rr->req;
    const struct dsq_attempt *prev = rerun_base(m);
    struct dsq_attempt *at;
    struct dsq_sbopts opts = {0};
    char *job_name = NULL, *output = NULL, *rel = NULL;
    unsigned prev_parallel = prev->dry_run ? 1 : prev->plan.parallel;
    enum dsq_layout prev_layout = prev->plan.layout;
    unsigned long max_jobs = req->max_jobs ? req->max_jobs : prev->max_jobs;
    unsigned retries = prev->retries;
    unsigned long max_failures = prev->max_failures;
    char *retry_on = NULL;
    int rc = -1;

    rr->number = (unsigned)m->nattempts + 1;
    /* The lines were chosen from the report read before the lock. */
    if (m->nattempts != req->attempts_seen)
        return dsq_errprintf(err, DSQ_ERR_INPUT,
                             "%s: another rerun (attempt %zu) was added meanwhile; run dsq "
                             "autopsy again to choose the lines from it",
                             m->run_dir, m->nattempts);
    if (prev->retry_on && !(retry_on = strdup(prev->retry_on)))
        goto oom;
    if (rerun_options(m, prev, req, &opts, &job_name, &output, err) < 0)
        goto out;
    if (dsq_attempt_lines_write(m->run_dir, rr->number, req->lines, req->nlines, &rel, err) < 0)
        goto out;
    if (!(rr->lines_path = dsq_rundir_join(m->run_dir, rel)))
        goto oom;

    at = dsq_manifest_add_attempt(m); /* prev is stale from here on */
    if (!at)
        goto oom;
    at->lines_file = rel;
    at->job_name = job_name;
    at->output = output;
    rel = job_name = output = NULL;
    at->max_jobs = max_jobs;
    if (retry_settings(req, retries, retry_on, max_failures, at, err) < 0)
        goto out;
    if (plan_rerun(req, &rr->lim, prev_parallel ? prev_parallel : 1, prev_layout, &opts, at, err) <
        0)
        goto out;
    rr->slots = slots_of(req, at);
    rr->lines_to_files = m->line_output != NULL;
    rr->tasks = at->plan.tasks;
    rr->narrays = at->plan.narrays;
    if (!(at->script = dsq_rundir_script_name(m->attempts[0].script, rr->number)))
        goto oom;
    if (write_script(req->conf, m->run_dir, rr->self, &opts, at, &rr->script, &rr->script_path,
                     err) < 0)
        goto out;
    rc = 0;
    goto out;
oom:
    dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
out:
    dsq_sbopts_free(&opts);
    free(job_name);
    free(output);
    free(rel);
    free(retry_on);
    return rc;
}

static int
rerun(const struct dsq_attempt_request *req, struct dsq_attempt_made *made, struct dsq_error *err)
{
    struct rerun rr = {.req = req};
    char *self = self_path(err);
    int rc = -1;

    if (!self)
        return -1;
    rr.self = self;
    array_limits(req->dry_run, &rr.lim);
    if (dsq_manifest_update(req->run_dir, add_rerun, &rr, err) < 0) {
        /* Nothing of the attempt stays: the manifest never named it. */
        if (rr.script_path)
            unlink(rr.script_path);
        if (rr.lines_path)
            unlink(rr.lines_path);
        free(rr.script);
        goto out;
    }
    if (!(made->run_dir = strdup(req->run_dir))) {
        free(rr.script);
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        goto out;
    }
    made->lock = req->lock; /* stolen: the attempt is made */
    made->number = rr.number;
    made->tasks = rr.tasks;
    made->narrays = rr.narrays;
    made->slots = rr.slots;
    made->lines_to_files = rr.lines_to_files;
    made->script = rr.script;
    rc = 0;
out:
    free(rr.lines_path);
    free(rr.script_path);
    free(self);
    return rc;
}

int
dsq_attempt_make(const struct dsq_attempt_request *req, struct dsq_attempt_made *made,
                 struct dsq_error *err)
{
    memset(made, 0, sizeof *made);
    return req->run_dir ? rerun(req, made, err) : new_run(req, made, err);
}

void
dsq_attempt_made_unlock(struct dsq_attempt_made *made)
{
    dsq_attempt_unlock(made->lock);
    made->lock = NULL;
}

void
dsq_attempt_made_free(struct dsq_attempt_made *made)
{
    if (!made)
        return;
    dsq_attempt_unlock(made->lock);
    free(made->run_dir);
    free(made->script);
    free(made->batch_file);
    free(made->calls);
    memset(made, 0, sizeof *made);
}

/* ---- One rerun at a time ---- */

struct dsq_attempt_lock {
    int fd; /* rerun.lock, flock()ed; O_CLOEXEC, so no line or sbatch keeps it */
};

/* What the holder wrote into the lock file ("<pid> on <host>"), into buf
 * (n bytes), or "" when it wrote nothing yet (it writes just after it
 * locks: a rerun started at the same moment waits up to 0.2 s for it). */
static void
lock_holder(int fd, char *buf, size_t n)
{
    ssize_t got = 0;

    for (int tries = 0; tries < 20 && got <= 0; tries++) {
        if (tries)
            usleep(10000);
        got = pread(fd, buf, n - 1, 0);
    }
    buf[got > 0 ? got : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    for (char *p = buf; *p; p++)
        if (*p < ' ' || *p > '~')
            *p = '?';
}

int
dsq_attempt_lock(const char *run_dir, struct dsq_attempt_lock **lock, struct dsq_error *err)
{
    char *path = dsq_rundir_path(run_dir, DSQ_RD_LOCK);
    struct dsq_attempt_lock *l = malloc(sizeof *l);
    char who[128];
    int fd = -1, rc = -1;

    *lock = NULL;
    if (!path || !l) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        goto out;
    }
    /* Never removed: a lock file unlinked while another process waits on it
     * would let a third lock a new one beside it. */
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
    if (fd < 0) {
        dsq_errno(err, errno == ENOENT ? DSQ_ERR_INPUT : DSQ_ERR_SYSTEM, errno, "%s", path);
        goto out;
    }
    while (flock(fd, LOCK_EX | LOCK_NB) < 0) {
        if (errno == EINTR)
            continue;
        if (errno == EWOULDBLOCK) {
            lock_holder(fd, who, sizeof who);
            dsq_errprintf(err, DSQ_ERR_INPUT,
                          "%s: another rerun of this run is under way%s%s%s; nothing was "
                          "rerun: try again once that one has submitted or run its lines",
                          run_dir, who[0] ? " (process " : "", who, who[0] ? ")" : "");
        } else {
            dsq_errno(err, DSQ_ERR_SYSTEM, errno, "%s: cannot lock", path);
        }
        goto out;
    }
    {
        char host[64] = "";
        int len;

        gethostname(host, sizeof host - 1);
        len = snprintf(who, sizeof who, "%ld on %s\n", (long)getpid(), host[0] ? host : "?");
        if (ftruncate(fd, 0) < 0 || pwrite(fd, who, (size_t)len, 0) < 0) {
            /* Only for another rerun's message: nothing depends on it. */
        }
    }
    l->fd = fd;
    *lock = l;
    l = NULL;
    fd = -1;
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    free(l);
    free(path);
    return rc;
}

void
dsq_attempt_unlock(struct dsq_attempt_lock *lock)
{
    if (!lock)
        return;
    close(lock->fd); /* releases the lock */
    free(lock);
}

/* ---- Setting an attempt going ---- */

/* What one manifest update records for an attempt: a job id, or why sbatch
 * refused. */
struct submit_note {
    unsigned attempt;
    const char *job_id;
    const char *cluster; /* the job id's, or NULL */
    const char *submit_error;
};

static int
note_submission(struct dsq_manifest *m, void *arg, struct dsq_error *err)
{
    const struct submit_note *n = arg;
    struct dsq_attempt *a = (struct dsq_attempt *)dsq_manifest_attempt(m, n->attempt);

    if (!a)
        return dsq_errprintf(err, DSQ_ERR_INPUT, "%s: attempt %u vanished from the manifest",
                             m->run_dir, n->attempt);
    if (n->job_id && dsq_strv_push(&a->job_ids, n->job_id) < 0)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    if (n->cluster && *n->cluster && !a->cluster && !(a->cluster = strdup(n->cluster)))
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    if (n->submit_error) {
        free(a->submit_error);
        a->submit_error = strdup(n->submit_error);
    }
    return 0;
}

/* The sbatch options that ask r's memory and time ("--mem=...M",
 * "--time=..."), appended to o: an escalated array's, beside the script's. */
static int
asked_options(const struct dsq_resources *r, struct dsq_strv *o)
{
    struct dsq_buf b = {0};
    char t[64];
    int rc = 0;

    if (r->mem_mib || r->mem_per_cpu_mib)
        rc = dsq_buf_printf(&b, "--%s=%lluM", r->mem_mib ? "mem" : "mem-per-cpu",
                            (unsigned long long)(r->mem_mib ? r->mem_mib : r->mem_per_cpu_mib)) <
                         0 ||
                     dsq_strv_push(o, b.data) < 0
                 ? -1
                 : 0;
    dsq_buf_free(&b);
    if (rc == 0 && r->time_s >= 0) {
        struct dsq_buf tb = {0};
        dsq_sbatch_format_time(r->time_s, t, sizeof t);
        rc = dsq_buf_printf(&tb, "--time=%s", t) < 0 || dsq_strv_push(o, tb.data) < 0 ? -1 : 0;
        dsq_buf_free(&tb);
    }
    return rc;
}

int
dsq_attempt_submit(const char *run_dir, unsigned number, const struct dsq_attempt_io *io,
                   size_t *submitted, int *refused, struct dsq_error *err)
{
    struct dsq_manifest m;
    const struct dsq_attempt *a;
    /* sbatch's words over all of the attempt's arrays, for the manifest. */
    struct dsq_buf words = {0};
    struct dsq_attempt_call *calls = NULL;
    char *spath = NULL;
    /* Slurm's ClusterName, recorded with the job ids: report asks the
     * accounting database about them on that cluster. */
    char cluster[256] = "";
    int rc = -1;

    *submitted = 0;
    *refused = 0;
    if (dsq_manifest_read(run_dir, &m, err) < 0)
        return -1;
    a = dsq_manifest_attempt(&m, number);
    if (!a || !a->script || !(spath = dsq_rundir_join(m.run_dir, a->script))) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: attempt %u has no batch script", run_dir, number);
        goto out;
    }
    if (!(calls = array_calls(a))) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; k < a->plan.narrays; k++) {
        char job_id[64];
        struct submit_note note = {.attempt = number};
        struct dsq_strv extra = {0};
        int src;

        if (a->xarrays && asked_options(&a->xarrays[k].per_line, &extra) < 0) {
            dsq_strv_free(&extra);
            dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
            goto out;
        }
        src = dsq_slurm_sbatch(spath, a->xarrays ? a->xarrays[k].indices : calls[k].array, &extra,
                               calls[k].offset, io ? io->sbatch_stderr : NULL, io ? io->arg : NULL,
                               &words, job_id, sizeof job_id, err);
        dsq_strv_free(&extra);
        if (src < 0) {
            struct dsq_error e2 = {0};
            /* The run directory stays, marked: what was submitted and why
             * not (sbatch that could not be started said nothing). */
            note.submit_error = words.len ? words.data : err->msg;
            dsq_manifest_update(run_dir, note_submission, &note, &e2);
            *refused = 1;
            goto out;
        }
        /* Record each job id as soon as Slurm has it.  Without a cluster
         * name (Slurm not answering) report asks about this
         * configuration's cluster. */
        if (k == 0) {
            struct dsq_error ce = {0};
            dsq_slurm_cluster(cluster, sizeof cluster, &ce);
        }
        note.job_id = job_id;
        note.cluster = cluster;
        if (dsq_manifest_update(run_dir, note_submission, &note, err) < 0)
            goto out;
        ++*submitted;
        if (io && io->job_id)
            io->job_id(job_id, io->arg);
    }
    rc = 0;
out:
    dsq_buf_free(&words);
    free(calls);
    free(spath);
    dsq_manifest_free(&m);
    return rc;
}

int
dsq_attempt_wait(const char *run_dir, unsigned number, struct dsq_error *err)
{
    struct dsq_manifest m;
    const struct dsq_attempt *a;
    unsigned failures = 0, delay_ms = 1000;
    int rc = -2;

    if (dsq_manifest_read(run_dir, &m, err) < 0)
        return -1;
    a = dsq_manifest_attempt(&m, number);
    /* Slurm unreachable for a while is an error; now and then is not. */
    for (;;) {
        int busy = a ? dsq_slurm_jobs_busy(a->job_ids.v, a->job_ids.n, err) : 0;

        if (busy < 0 && ++failures >= 20)
            goto out;
        if (busy >= 0) {
            failures = 0;
            if (!busy)
                break;
        }
        usleep(delay_ms * 1000);
        if (delay_ms < 5000)
            delay_ms += 500;
    }
    rc = 0;
out:
    dsq_manifest_free(&m);
    return rc;
}

int
dsq_attempt_dry_run(const char *run_dir, unsigned number, unsigned slots,
                    dsq_pool_progress_fn progress, void *progress_arg, int *stop_signal,
                    struct dsq_error *err)
{
    struct dsq_run_opts ro = {
        .run_dir = run_dir,
        .task = -1,
        .attempt = number,
        .slots = slots,
        .job_id = "",
        .progress = progress,
        .progress_arg = progress_arg,
    };
    struct dsq_pool_result res = {0};
    int rc = dsq_run_exec(&ro, &res, err);

    /* SIGUSR1 only stops new lines from starting: the run still ends. */
    *stop_signal = res.stop_signal == SIGUSR1 ? 0 : res.stop_signal;
    return rc;
}
