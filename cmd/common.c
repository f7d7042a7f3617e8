/* common: what every subcommand shares: the exact-match option parser,
 * error and warning printing, configuration loading; and what the planner
 * and autopsy print as an attempt they made (lib/attempt) goes on:
 * submitted, waited for, or run here (--dry-run). */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "lib/buf.h"
#include "lib/followup.h"
#include "lib/fs.h"
#include "lib/limit.h"
#include "lib/manifest.h"
#include "lib/report-print.h"
#include "lib/report.h"
#include "lib/sbatch.h"
#include "lib/text.h"

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
    return dsq_closest_word(name, n, cands, nc);
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
            if (!o->has_arg || (o->has_arg == CMD_OPT_OPTIONAL && !eq)) {
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

/* Print the report of run_dir on out; the exit status of report --check. */
static int
report_status(const char *run_dir, FILE *out)
{
    struct dsq_error err = {0};
    struct dsq_report *r = dsq_report_load(run_dir, &err);
    int rc;

    if (!r)
        return cmd_fail(&err);
    dsq_report_print_text(r, &cmd_report_words, out);
    rc = r->counts[DSQ_ST_OK] == r->nlines ? DSQ_EXIT_OK : DSQ_EXIT_NOTOK;
    dsq_report_destroy(r);
    return rc;
}

static void
print_job_id(const char *job_id, void *arg)
{
    (void)arg;
    printf("%s\n", job_id);
    fflush(stdout);
}

/* sbatch's stderr passes through verbatim as it comes. */
static void
pass_stderr(const char *buf, size_t n, void *arg)
{
    (void)arg;
    fwrite(buf, 1, n, stderr);
}

static int
submit(const struct dsq_attempt_made *made)
{
    const struct dsq_attempt_io io = {print_job_id, pass_stderr, NULL};
    struct dsq_error err = {0};
    size_t done;
    int refused, rc;

    if (dsq_attempt_submit(made->run_dir, made->number, &io, &done, &refused, &err) == 0)
        return DSQ_EXIT_OK;
    rc = cmd_fail(&err);
    if (refused) {
        const char *how =
            done ? "partly submitted (its manifest lists the job ids)" : "not submitted";
        if (made->number == 1)
            fprintf(stderr, "dsq: run directory %s was %s\n", made->run_dir, how);
        else
            fprintf(stderr, "dsq: attempt %u in run directory %s was %s\n", made->number,
                    made->run_dir, how);
    }
    return rc;
}

int
cmd_attempt_start(struct dsq_attempt_made *made, int dry_run, int wait)
{
    struct dsq_error err = {0};
    int rc;

    if (dry_run) {
        int sig = 0;
        /* The progress line only where the lines' own output cannot
         * garble it, nor it theirs: they write to files of their own. */
        int tty = isatty(2) && made->lines_to_files;

        rc = dsq_attempt_dry_run(made->run_dir, made->number, made->slots,
                                 tty ? cmd_progress_tty : NULL, NULL, &sig, &err);
        cmd_progress_end(sig);
        /* On failure the records written so far are kept. */
        if (rc < 0)
            return cmd_fail(&err);
        rc = report_status(made->run_dir, stdout);
        /* Stopped by a signal: the shell's status for it, so that a loop
         * around dsq stops on Ctrl-C too. */
        return sig ? 128 + sig : rc;
    }
    rc = submit(made);
    /* Submitted (or refused): from here on Slurm's queue, or the manifest's
     * refusal, says what became of the lines; another rerun may look. */
    dsq_attempt_made_unlock(made);
    if (rc != DSQ_EXIT_OK || !wait)
        return rc;
    rc = dsq_attempt_wait(made->run_dir, made->number, &err);
    if (rc == -2) {
        struct dsq_error e2 = {0};
        dsq_errprintf(&e2, DSQ_ERR_SYSTEM, "--wait: %s", err.msg);
        return cmd_fail(&e2);
    }
    return rc < 0 ? cmd_fail(&err) : report_status(made->run_dir, stderr);
}

int
cmd_follow_up(const char *run_dir, unsigned number, unsigned long remaining, double factor)
{
    struct dsq_error err = {0};
    char self[4096], esc[64], of[64], more[64], job_id[64];
    char *argv[9];
    ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    int k = 0;

    if (len <= 0) {
        dsq_errprintf(&err, DSQ_ERR_SYSTEM, "cannot find the path of the dsq program");
        return cmd_fail(&err);
    }
    self[len] = '\0';
    snprintf(esc, sizeof esc, "--escalate=%g", factor);
    snprintf(of, sizeof of, "--follow-up-of=%u", number);
    snprintf(more, sizeof more, "--auto-rerun=%lu", remaining - 1);
    argv[k++] = self;
    argv[k++] = (char *)"autopsy";
    argv[k++] = (char *)run_dir;
    argv[k++] = (char *)"--submit";
    argv[k++] = esc;
    argv[k++] = of;
    if (remaining > 1)
        argv[k++] = more;
    argv[k] = NULL;
    if (dsq_followup_submit(run_dir, number, argv, (unsigned)remaining, factor, job_id,
                            sizeof job_id, &err) < 0)
        return cmd_fail(&err);
    fprintf(stderr,
            "dsq: automatic rerun: job %s starts once attempt %u is over (up to %lu more "
            "attempt%s)\n",
            job_id, number, remaining, remaining == 1 ? "" : "s");
    return DSQ_EXIT_OK;
}
