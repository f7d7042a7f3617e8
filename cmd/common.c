/* common: what every subcommand shares: the exact-match option parser,
 * error and warning printing, configuration loading; and what the planner
 * and autopsy share for any attempt of a run: writing its batch script,
 * submitting it with sbatch, waiting for it, running it here (--dry-run). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/buf.h"
#include "lib/fs.h"
#include "lib/limit.h"
#include "lib/manifest.h"
#include "lib/report.h"
#include "lib/run.h"
#include "lib/rundir.h"
#include "lib/sbatch.h"
#include "lib/script.h"
#include "lib/slurm.h"

/* Edit distance between a[0..na) and b[0..nb) with adjacent swaps (optimal
 * string alignment); words longer than 63 bytes are never close. */
static size_t
edit_distance(const char *a, size_t na, const char *b, size_t nb)
{
    size_t d[64][64];

    if (na >= 64 || nb >= 64)
        return (size_t)-1;
    for (size_t i = 0; i <= na; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= nb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= na; i++) {
        for (size_t j = 1; j <= nb; j++) {
            size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[na][nb];
}

const char *
cmd_closest(const char *word, size_t len, const char *const *cands, size_t n)
{
    const char *best = NULL;
    /* One slip in a short word, two in a longer one. */
    size_t best_d = len < 5 ? 2 : 3;

    for (size_t i = 0; i < n; i++) {
        size_t d;
        if (!cands[i])
            continue;
        d = edit_distance(word, len, cands[i], strlen(cands[i]));
        if (d < best_d) {
            best_d = d;
            best = cands[i];
        }
    }
    return best;
}

/* The closest long option to the unknown "--name" (n bytes): ours in table,
 * or, for the commands that pass options on to sbatch (planning, autopsy's
 * reruns), sbatch's.  NULL: none close. */
static const char *
closest_option(const struct cmd_opt *table, const char *cmdname, const char *name, size_t n)
{
    const char *cands[256];
    size_t nc = 0;
    int sbatch_too = !strcmp(cmdname, "dsq") || !strcmp(cmdname, "autopsy");

    for (const struct cmd_opt *o = table; o->id && nc < 128; o++)
        cands[nc++] = o->long_name;
    for (size_t i = 0; sbatch_too && dsq_sbatch_def_at(i) && nc < 256; i++)
        cands[nc++] = dsq_sbatch_def_at(i)->name;
    return cmd_closest(name, n, cands, nc);
}

int
cmd_opt_next(const struct cmd_opt *table, int argc, char **argv, int *i, const char **arg,
             const char *cmdname)
{
    static int rest_positional;
    const char *tok;

    if (*i == 1)
        rest_positional = 0;
    *arg = NULL;
    if (*i >= argc)
        return CMD_OPT_END;
    tok = argv[*i];
    if (rest_positional || tok[0] != '-' || tok[1] == '\0') {
        *arg = tok;
        (*i)++;
        return CMD_OPT_POSITIONAL;
    }
    if (!strcmp(tok, "--")) {
        rest_positional = 1;
        (*i)++;
        if (*i >= argc)
            return CMD_OPT_END;
        *arg = argv[*i];
        (*i)++;
        return CMD_OPT_POSITIONAL;
    }
    if (tok[1] == '-') {
        const char *name = tok + 2;
        const char *eq = strchr(name, '=');
        size_t n = eq ? (size_t)(eq - name) : strlen(name);

        for (const struct cmd_opt *o = table; o->id; o++) {
            if (!o->long_name || strlen(o->long_name) != n || strncmp(o->long_name, name, n))
                continue;
            if (!o->has_arg) {
                if (eq) {
                    cmd_usage_error(cmdname, "option '--%s' takes no value", o->long_name);
                    return CMD_OPT_ERROR;
                }
                (*i)++;
                return o->id;
            }
            if (eq) {
                *arg = eq + 1;
                (*i)++;
                return o->id;
            }
            if (*i + 1 >= argc) {
                cmd_usage_error(cmdname, "option '--%s' needs a value", o->long_name);
                return CMD_OPT_ERROR;
            }
            *arg = argv[*i + 1];
            *i += 2;
            return o->id;
        }
        /* Not ours to the letter.  A prefix of one of ours is never passed
         * on as sbatch's abbreviation (--kill would be sbatch's
         * --kill-on-invalid-dep), unless it is an sbatch option itself
         * (--batch). */
        for (const struct cmd_opt *o = table; o->id && n > 0; o++) {
            if (!o->long_name || strncmp(o->long_name, name, n) || dsq_sbatch_lookup(name, n))
                continue;
            cmd_usage_error(cmdname,
                            "unknown option '--%.*s': did you mean '--%s'? (dsq's own options "
                            "are written out in full)",
                            (int)n, name, o->long_name);
            return CMD_OPT_ERROR;
        }
        /* Neither ours nor sbatch's (whole or abbreviated): a typo? */
        {
            const struct dsq_sbatch_def *amb[2];
            const char *near;

            if (n > 0 && !dsq_sbatch_lookup_abbrev(name, n, amb) && !amb[0] &&
                (near = closest_option(table, cmdname, name, n))) {
                cmd_usage_error(cmdname, "unknown option '--%.*s': did you mean '--%s'?", (int)n,
                                name, near);
                return CMD_OPT_ERROR;
            }
        }
        return CMD_OPT_UNKNOWN;
    }
    for (const struct cmd_opt *o = table; o->id; o++) {
        if (!o->short_name || o->short_name != tok[1])
            continue;
        if (!o->has_arg) {
            if (tok[2]) {
                /* "-hx": not ours as a whole; let the caller decide. */
                return CMD_OPT_UNKNOWN;
            }
            (*i)++;
            return o->id;
        }
        if (tok[2]) {
            *arg = tok + 2;
            (*i)++;
            return o->id;
        }
        if (*i + 1 >= argc) {
            cmd_usage_error(cmdname, "option '-%c' needs a value", o->short_name);
            return CMD_OPT_ERROR;
        }
        *arg = argv[*i + 1];
        *i += 2;
        return o->id;
    }
    return CMD_OPT_UNKNOWN;
}

/* The limits of option opt ("--max-jobs"), from lib/limit's table. */
static const struct dsq_limit *
opt_limit(const char *opt)
{
    const struct dsq_limit *l = dsq_limit_find(opt + strspn(opt, "-"));

    if (!l) {
        /* A numeric option missing from the table: a bug, never input. */
        fprintf(stderr, "dsq: internal error: no limits for %s\n", opt);
        abort();
    }
    return l;
}

int
cmd_parse_count(const char *cmdname, const char *opt, const char *val, unsigned long *out)
{
    const struct dsq_limit *l = opt_limit(opt);

    if (dsq_limit_parse_ulong(l, val, out) < 0)
        return cmd_usage_error(cmdname, "%s '%s': must be %s from %lu to %lu", opt, val,
                               dsq_limit_what(l), l->min, l->max);
    return 0;
}

int
cmd_parse_seconds(const char *cmdname, const char *opt, const char *val, double *out)
{
    const struct dsq_limit *l = opt_limit(opt);

    if (dsq_limit_parse_double(l, val, out) < 0)
        return cmd_usage_error(cmdname, "%s '%s': must be %s from %lu to %lu", opt, val,
                               dsq_limit_what(l), l->min, l->max);
    return 0;
}

int
cmd_fail(const struct dsq_error *err)
{
    fprintf(stderr, "dsq: error: %s\n", err->msg[0] ? err->msg : "unknown error");
    return err->kind == DSQ_ERR_INPUT ? DSQ_EXIT_USAGE : DSQ_EXIT_SYSTEM;
}

int
cmd_usage_error(const char *cmdname, const char *fmt, ...)
{
    va_list ap;

    fputs("dsq: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (cmdname && strcmp(cmdname, "dsq"))
        fprintf(stderr, "\nTry 'dsq %s --help'.\n", cmdname);
    else
        fputs("\nTry 'dsq --help'.\n", stderr);
    return DSQ_EXIT_USAGE;
}

static void
print_warning(const char *msg, void *arg)
{
    (void)arg;
    fprintf(stderr, "dsq: warning: %s\n", msg);
}

void
cmd_install_warnings(void)
{
    dsq_warn_set(print_warning, NULL);
}

int
cmd_load_conf(struct dsq_conf *c)
{
    struct dsq_error err = {0};

    if (dsq_conf_init(c, &err) < 0 || dsq_conf_load(c, &err) < 0)
        return cmd_fail(&err);
    return 0;
}

char *
cmd_self_path(void)
{
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);

    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    return strdup(buf);
}

void
cmd_timestamp(char *buf, size_t n)
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

int
cmd_render_script(const struct dsq_conf *conf, const struct dsq_script_params *p, char **script,
                  struct dsq_error *err)
{
    char *path, *tmpl = NULL;
    size_t len;
    int rc;

    path = conf->batch_template ? strdup(conf->batch_template) : dsq_script_default_template();
    if (!path)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    rc = dsq_read_file(path, &tmpl, &len, err);
    free(path);
    if (rc < 0) {
        struct dsq_error e2 = *err;
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "batch script template: %s", e2.msg);
    }
    rc = dsq_script_render(tmpl, p, script, err);
    free(tmpl);
    return rc;
}

/* sbatch's stderr passes through verbatim as it comes. */
static void
pass_stderr(const char *buf, size_t n, void *arg)
{
    (void)arg;
    fwrite(buf, 1, n, stderr);
}

/* What one manifest update records for an attempt: a job id, or why sbatch
 * refused. */
struct submit_note {
    unsigned attempt;
    const char *job_id;
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
    if (n->submit_error) {
        free(a->submit_error);
        a->submit_error = strdup(n->submit_error);
    }
    return 0;
}

int
cmd_submit_attempt(const char *run_dir, unsigned attempt)
{
    struct dsq_manifest m;
    struct dsq_error err = {0};
    const struct dsq_attempt *a;
    struct dsq_buf errtext = {0};
    char *spath = NULL;
    int rc = DSQ_EXIT_SYSTEM;

    if (dsq_manifest_read(run_dir, &m, &err) < 0)
        return cmd_fail(&err);
    a = dsq_manifest_attempt(&m, attempt);
    if (!a || !a->script || !(spath = dsq_rundir_join(m.run_dir, a->script))) {
        dsq_errprintf(&err, DSQ_ERR_SYSTEM, "%s: attempt %u has no batch script", run_dir, attempt);
        rc = cmd_fail(&err);
        goto out;
    }
    for (size_t k = 0; k < a->plan.narrays; k++) {
        char job_id[64];
        struct dsq_buf arr = {0};
        struct submit_note note = {.attempt = attempt};

        if (dsq_slurm_array_spec(&arr, a->plan.arrays[k].count, a->max_jobs) < 0) {
            dsq_buf_free(&arr);
            dsq_errprintf(&err, DSQ_ERR_SYSTEM, "out of memory");
            rc = cmd_fail(&err);
            goto out;
        }
        if (dsq_slurm_sbatch(spath, arr.data, a->plan.arrays[k].offset, pass_stderr, NULL,
                             &errtext, job_id, sizeof job_id, &err) < 0) {
            struct dsq_error e2 = {0};
            dsq_buf_free(&arr);
            /* The run directory stays, marked: what was submitted and why not. */
            note.submit_error = errtext.data;
            dsq_manifest_update(run_dir, note_submission, &note, &e2);
            rc = cmd_fail(&err);
            if (attempt == 1)
                fprintf(stderr, "dsq: run directory %s was %s\n", m.run_dir,
                        k ? "partly submitted (its manifest lists the job ids)" : "not submitted");
            else
                fprintf(stderr, "dsq: attempt %u in run directory %s was %s\n", attempt, m.run_dir,
                        k ? "partly submitted (its manifest lists the job ids)" : "not submitted");
            goto out;
        }
        dsq_buf_free(&arr);
        /* Record each job id as soon as Slurm has it. */
        note.job_id = job_id;
        if (dsq_manifest_update(run_dir, note_submission, &note, &err) < 0) {
            rc = cmd_fail(&err);
            goto out;
        }
        printf("%s\n", job_id);
        fflush(stdout);
    }
    rc = DSQ_EXIT_OK;
out:
    dsq_buf_free(&errtext);
    free(spath);
    dsq_manifest_free(&m);
    return rc;
}

/* Print the report of run_dir on out; the exit status of report --check. */
static int
report_status(const char *run_dir, FILE *out)
{
    struct dsq_error err = {0};
    struct dsq_report *r = dsq_report_load(run_dir, &err);
    int rc;

    if (!r)
        return cmd_fail(&err);
    dsq_report_print_text(r, out);
    rc = r->counts[DSQ_ST_OK] == r->nlines ? DSQ_EXIT_OK : DSQ_EXIT_NOTOK;
    dsq_report_destroy(r);
    return rc;
}

int
cmd_wait_attempt(const char *run_dir, unsigned attempt)
{
    struct dsq_manifest m;
    struct dsq_error err = {0};
    const struct dsq_attempt *a;
    unsigned failures = 0;
    unsigned delay_ms = 1000;
    int rc = DSQ_EXIT_SYSTEM;

    if (dsq_manifest_read(run_dir, &m, &err) < 0)
        return cmd_fail(&err);
    a = dsq_manifest_attempt(&m, attempt);
    /* Until Slurm no longer has a pending or running task of any of the
     * attempt's arrays.  Slurm unreachable for a while is a system error. */
    for (;;) {
        struct dsq_error e = {0};
        int busy = a ? dsq_slurm_jobs_busy(a->job_ids.v, a->job_ids.n, &e) : 0;

        if (busy < 0 && ++failures >= 20) {
            dsq_errprintf(&err, DSQ_ERR_SYSTEM, "--wait: %s", e.msg);
            rc = cmd_fail(&err);
            goto out;
        }
        if (busy >= 0) {
            failures = 0;
            if (!busy)
                break;
        }
        usleep(delay_ms * 1000);
        if (delay_ms < 5000)
            delay_ms += 500;
    }
    rc = report_status(run_dir, stderr);
out:
    dsq_manifest_free(&m);
    return rc;
}

int
cmd_dry_run_attempt(const char *run_dir, unsigned attempt, unsigned slots)
{
    struct dsq_error err = {0};
    struct dsq_run_opts ro = {
        .run_dir = run_dir,
        .task = -1,
        .attempt = attempt,
        .slots = slots,
        .job_id = "",
        .progress = isatty(2) ? cmd_progress_tty : NULL,
    };
    struct dsq_pool_result res = {0};

    if (dsq_run_exec(&ro, &res, &err) < 0) {
        cmd_progress_end();
        return cmd_fail(&err); /* the records written so far are kept */
    }
    cmd_progress_end();
    return report_status(run_dir, stdout);
}

unsigned
cmd_local_slots(const struct dsq_resources *per_line)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned cpus = n > 0 ? (unsigned)n : 1, per = per_line->cpus ? per_line->cpus : 1;

    return cpus / per ? cpus / per : 1;
}
