/* cmd-autopsy: `dsq autopsy [RUN]` (also `dsq-autopsy`): print the lines to
 * run again as a new job file on stdout, the summary on stderr.  With two
 * positionals it is dSQ's own form, `dsq-autopsy JOBFILE STATUSFILE`, which
 * reads dSQ's job_<id>_status.tsv. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "lib/autopsy.h"
#include "lib/report.h"
#include "lib/rundir.h"

enum {
    OPT_STATUS_DIR = 1,
    OPT_STATES,
    OPT_HELP,
};

static const struct cmd_opt autopsy_opts[] = {
    {"status-dir", 0, CMD_OPT_REQUIRED, OPT_STATUS_DIR},
    {"states", 0, CMD_OPT_REQUIRED, OPT_STATES},
    {"help", 'h', CMD_OPT_NONE, OPT_HELP},
    {NULL, 0, 0, 0},
};

static const char autopsy_usage[] =
    "Usage: dsq autopsy [RUN] [--status-dir DIR] [--states LIST]\n"
    "       dsq autopsy JOBFILE STATUSFILE\n"
    "       (dsq-autopsy is the same command)\n"
    "\n"
    "Print the command lines of a run that did not succeed, as a new job file: the\n"
    "job file's own bytes (never altered, not even invalid UTF-8), one per line, in\n"
    "job-file order, on stdout.  A summary in dSQ's style goes to stderr:\n"
    "  N succeeded, N failed, N didn't run[, N signaled, N interrupted, N lost, ...]\n"
    "RUN is a run directory, a Slurm job id, or nothing for the most recent run under\n"
    "the status directory.\n"
    "\n"
    "  dsq autopsy > rerun.txt && dsq --job-file rerun.txt ...\n"
    "\n"
    "Options:\n"
    "  --status-dir DIR  where to look for RUN (default: the configuration's\n"
    "                    status-dir, else the current directory)\n"
    "  --states LIST     which lines to print, a comma list of states (default\n"
    "                    failed,signaled,interrupted,lost,not_run); states: ok,\n"
    "                    failed, signaled, interrupted, lost, pending, running,\n"
    "                    not_run, or all.  See dsq report --help for what they mean\n"
    "  -h, --help        print this help\n"
    "\n"
    "dSQ's form: JOBFILE is the job file dSQ ran and STATUSFILE its\n"
    "job_<jobid>_status.tsv.  Lines are numbered as dSQ does (array index = 0-based\n"
    "physical line; a line is skipped when its first character is '#' or it is\n"
    "blank).  Printed: every command line whose last row has a non-zero exit status\n"
    "(a requeued index's last row wins; exit -N is signal N), or which has no row\n"
    "(cancelled, timed out, preempted or never started: dSQ writes no row then).\n"
    "Malformed rows are warnings, not errors.\n"
    "\n"
    "Exit status: 0 success; 2 usage or input error; 3 system error.\n";

static int
write_failed(void)
{
    fprintf(stderr, "dsq: error: cannot write the lines to run again: %s\n", strerror(errno));
    return DSQ_EXIT_SYSTEM;
}

static int
autopsy_dsq(const char *jobfile, const char *tsv)
{
    struct dsq_error err = {0};
    size_t counts[DSQ_ST__COUNT];
    char *summary;

    if (dsq_autopsy_dsq_tsv(jobfile, tsv, stdout, counts, &err) < 0)
        return cmd_fail(&err);
    summary = dsq_autopsy_summary(counts);
    fprintf(stderr, "%s\n", summary ? summary : "");
    free(summary);
    return DSQ_EXIT_OK;
}

static int
autopsy_run(const char *status_dir, const char *run, unsigned mask)
{
    struct dsq_error err = {0};
    struct dsq_report *r = NULL;
    char *run_dir = NULL, *summary = NULL;
    struct stat st;
    size_t n;
    int rc;

    if (run && stat(run, &st) == 0 && S_ISREG(st.st_mode)) {
        rc = cmd_usage_error("autopsy",
                             "%s is a file, not a run: dSQ's form takes the job file and its "
                             "status file (dsq-autopsy JOBFILE job_<id>_status.tsv)",
                             run);
        goto out;
    }
    if (dsq_rundir_find(status_dir, run, &run_dir, &err) < 0 ||
        !(r = dsq_report_load(run_dir, &err))) {
        rc = cmd_fail(&err);
        goto out;
    }
    if (dsq_autopsy_write(r, mask, stdout, &n) < 0) {
        rc = write_failed();
        goto out;
    }
    summary = dsq_autopsy_summary(r->counts);
    fprintf(stderr, "%s\n", summary ? summary : "");
    if (!r->over) {
        size_t waiting = r->counts[DSQ_ST_PENDING] + r->counts[DSQ_ST_RUNNING];
        unsigned both = (1u << DSQ_ST_PENDING) | (1u << DSQ_ST_RUNNING);
        if (waiting && (mask & both) != both)
            fprintf(stderr,
                    "dsq: warning: the run is not over: %zu line%s pending or running %s not "
                    "printed (--states chooses)\n",
                    waiting, waiting == 1 ? "" : "s", waiting == 1 ? "is" : "are");
    }
    rc = DSQ_EXIT_OK;
out:
    free(summary);
    dsq_report_destroy(r);
    free(run_dir);
    return rc;
}

int
cmd_autopsy_main(int argc, char **argv)
{
    struct dsq_conf conf;
    struct dsq_error err = {0};
    const char *status_dir = NULL, *states = NULL, *pos[2] = {NULL, NULL}, *arg;
    unsigned mask = DSQ_AUTOPSY_DEFAULT_STATES;
    int i = 1, id, npos = 0, rc;

    while ((id = cmd_opt_next(autopsy_opts, argc, argv, &i, &arg, "autopsy")) != CMD_OPT_END) {
        switch (id) {
        case CMD_OPT_ERROR:
            return DSQ_EXIT_USAGE;
        case CMD_OPT_UNKNOWN:
            return cmd_usage_error("autopsy", "unknown option '%s'", argv[i]);
        case CMD_OPT_POSITIONAL:
            if (npos == 2)
                return cmd_usage_error("autopsy",
                                       "too many arguments ('%s'): give RUN, or dSQ's "
                                       "JOBFILE STATUSFILE",
                                       arg);
            pos[npos++] = arg;
            break;
        case OPT_STATUS_DIR:
            status_dir = arg;
            break;
        case OPT_STATES:
            states = arg;
            break;
        case OPT_HELP:
            fputs(autopsy_usage, stdout);
            return DSQ_EXIT_OK;
        }
    }
    if (states && dsq_autopsy_parse_states(states, &mask, &err) < 0)
        return cmd_usage_error("autopsy", "--states: %s", err.msg);
    if (npos == 2) {
        if (states)
            return cmd_usage_error("autopsy", "--states does not go with dSQ's JOBFILE "
                                              "STATUSFILE form");
        rc = autopsy_dsq(pos[0], pos[1]);
    } else {
        if ((rc = cmd_load_conf(&conf)) != 0) {
            dsq_conf_free(&conf);
            return rc;
        }
        rc = autopsy_run(status_dir ? status_dir : conf.status_dir, pos[0], mask);
        dsq_conf_free(&conf);
    }
    if (fflush(stdout) == EOF)
        rc = write_failed();
    return rc;
}
