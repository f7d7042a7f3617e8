/* cmd-run: `dsq run --run-dir D [--task K]`, the per-node runner the batch
 * script execs (so it receives Slurm's signals).  Reads its array task and
 * restart count from Slurm's environment, runs the task's slice in a fork
 * pool, and exits 0 only if every line of the task ended ok.  Also the TTY
 * progress line the --dry-run pool draws. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lib/parse.h"
#include "lib/run.h"
#include "lib/rundir.h"
#include "lib/sys.h"
#include "lib/text.h"

enum {
    OPT_RUN_DIR = 1,
    OPT_TASK,
    OPT_OFFSET,
    OPT_ATTEMPT,
    OPT_PARALLEL,
    OPT_STATUS_DIR,
    OPT_NO_BIND,
    OPT_HELP,
};

static const struct cmd_opt run_opts[] = {
    {"run-dir", 0, CMD_OPT_REQUIRED, OPT_RUN_DIR},
    {"task", 0, CMD_OPT_REQUIRED, OPT_TASK},
    {"offset", 0, CMD_OPT_REQUIRED, OPT_OFFSET},
    {"attempt", 0, CMD_OPT_REQUIRED, OPT_ATTEMPT},
    {"parallel", 0, CMD_OPT_REQUIRED, OPT_PARALLEL},
    {"status-dir", 0, CMD_OPT_REQUIRED, OPT_STATUS_DIR},
    {"no-bind", 0, CMD_OPT_NONE, OPT_NO_BIND},
    {"help", 'h', CMD_OPT_NONE, OPT_HELP},
    {NULL, 0, 0, 0},
};

static const char run_usage[] =
    "Usage: dsq run --run-dir DIR [--task K] [--offset N] [--attempt N] [--parallel W]\n"
    "               [--no-bind]\n"
    "\n"
    "Run one array task of a planned run: its slice of the job file's lines, W at a\n"
    "time, each in its own process group, with a start and an end record per line in\n"
    "DIR/status/.  The batch script calls this; you rarely need to.\n"
    "\n"
    "Options:\n"
    "  --run-dir DIR     the run directory (or, with --status-dir, a Slurm job id)\n"
    "  --task K          array task index (default: $SLURM_ARRAY_TASK_ID)\n"
    "  --offset N        added to K: the first task of this array when the run was\n"
    "                    split into several arrays (default 0)\n"
    "  --attempt N       attempt number written in the records (default 1)\n"
    "  --parallel W      lines at once (default: the planned --parallel; never more\n"
    "                    than the CPUs Slurm granted allow)\n"
    "  --status-dir DIR  where to look up a job id given as --run-dir\n"
    "  --no-bind         every line sees all of the task's CPUs and GPUs (as if\n"
    "                    planned with --no-bind)\n"
    "  -h, --help        print this help\n"
    "\n"
    "Environment: SLURM_ARRAY_TASK_ID, SLURM_ARRAY_JOB_ID, SLURM_RESTART_COUNT (a\n"
    "requeued task skips the lines that already ended ok), SLURM_CPUS_PER_TASK or\n"
    "SLURM_CPUS_ON_NODE; with --layout dynamic, SLURM_JOB_END_TIME and\n"
    "SLURM_JOB_START_TIME (else Slurm is asked): beyond the lines its time was asked\n"
    "for, no line starts that its -t would not let finish.\n"
    "Each line sees DSQ_LINE, DSQ_TASK, DSQ_SLOT, DSQ_ATTEMPT,\n"
    "DSQ_RUN_DIR and DSQ_JOB_ID.  Lines are started by the dsq-spawn helper, so\n"
    "that their peak memory is their own; DSQ_SPAWN names another helper (empty:\n"
    "none, the runner starts them).\n"
    "\n"
    "Signals: SIGUSR1 starts no new line; SIGTERM, SIGINT or SIGHUP also stops the\n"
    "running lines (SIGTERM to each line's process group, SIGKILL after the\n"
    "planned kill grace) and records them as interrupted.\n"
    "\n"
    "Exit status: 0 every line of the task ended ok; 1 some did not; 2 usage or input\n"
    "error; 3 system error.\n";

/* A number from Slurm's environment: unset is fine, garbage is an error. */
static int
env_ulong(const char *name, unsigned long max, unsigned long *out, int *set)
{
    const char *v = getenv(name);

    *set = 0;
    if (!v || !v[0])
        return 0;
    if (dsq_parse_ulong(v, 0, max, out) < 0)
        return cmd_usage_error("run", "%s='%s' is not a valid number", name, v);
    *set = 1;
    return 0;
}

int
cmd_run_main(int argc, char **argv)
{
    struct dsq_error err = {0};
    struct dsq_run_opts ro = {0};
    struct dsq_pool_result res = {0};
    const char *run_dir = NULL, *status_dir = NULL, *task = NULL, *arg;
    char *resolved = NULL;
    unsigned long v = 0, offset = 0, attempt = 1, parallel = 0;
    int i = 1, id, set, rc;

    while ((id = cmd_opt_next(run_opts, argc, argv, &i, &arg, "run")) != CMD_OPT_END) {
        switch (id) {
        case CMD_OPT_ERROR:
            return DSQ_EXIT_USAGE;
        case CMD_OPT_UNKNOWN:
            return cmd_usage_error("run", "unknown option '%s'", argv[i]);
        case CMD_OPT_POSITIONAL:
            return cmd_usage_error("run", "unexpected argument '%s'", arg);
        case OPT_RUN_DIR:
            run_dir = arg;
            break;
        case OPT_TASK:
            task = arg;
            break;
        case OPT_OFFSET:
            if (dsq_parse_ulong(arg, 0, (unsigned long)1 << 40, &offset) < 0)
                return cmd_usage_error("run", "--offset must be a number, not '%s'", arg);
            break;
        case OPT_ATTEMPT:
            if (dsq_parse_ulong(arg, 1, 1000000, &attempt) < 0)
                return cmd_usage_error("run", "--attempt must be a positive number, not '%s'", arg);
            break;
        case OPT_PARALLEL:
            if (dsq_parse_ulong(arg, 1, 100000, &parallel) < 0)
                return cmd_usage_error("run", "--parallel must be a positive number, not '%s'",
                                       arg);
            break;
        case OPT_STATUS_DIR:
            status_dir = arg;
            break;
        case OPT_NO_BIND:
            ro.no_bind = 1;
            break;
        case OPT_HELP:
            fputs(run_usage, stdout);
            return DSQ_EXIT_OK;
        }
    }
    if (!run_dir)
        return cmd_usage_error("run", "--run-dir is required");

    if (task) {
        if (dsq_parse_ulong(task, 0, (unsigned long)1 << 40, &v) < 0)
            return cmd_usage_error("run", "--task must be a number, not '%s'", task);
    } else {
        if (env_ulong("SLURM_ARRAY_TASK_ID", (unsigned long)1 << 40, &v, &set) < 0)
            return DSQ_EXIT_USAGE;
        if (!set)
            return cmd_usage_error("run", "no array task: give --task K, or run inside a "
                                          "Slurm job array (SLURM_ARRAY_TASK_ID)");
    }
    ro.task = (long)v;
    ro.offset = (size_t)offset;
    ro.attempt = (unsigned)attempt;
    ro.slots = (unsigned)parallel;
    if (env_ulong("SLURM_RESTART_COUNT", 1000000, &v, &set) < 0)
        return DSQ_EXIT_USAGE;
    ro.restart = set ? (unsigned)v : 0;
    if (env_ulong("SLURM_CPUS_PER_TASK", 1000000, &v, &set) < 0)
        return DSQ_EXIT_USAGE;
    if (!set && env_ulong("SLURM_CPUS_ON_NODE", 1000000, &v, &set) < 0)
        return DSQ_EXIT_USAGE;
    ro.cpus = set ? (unsigned)v : 0;
    ro.job_id = getenv("SLURM_ARRAY_JOB_ID") ? getenv("SLURM_ARRAY_JOB_ID") : "";
    ro.own_job_id = getenv("SLURM_JOB_ID");
    if (env_ulong("SLURM_JOB_END_TIME", (unsigned long)1 << 40, &v, &set) < 0)
        return DSQ_EXIT_USAGE;
    ro.end_time = set ? (double)v : 0;
    if (env_ulong("SLURM_JOB_START_TIME", (unsigned long)1 << 40, &v, &set) < 0)
        return DSQ_EXIT_USAGE;
    ro.start_time = set ? (double)v : 0;

    if (status_dir) {
        if (dsq_rundir_find(status_dir, run_dir, &resolved, &err) < 0)
            return cmd_fail(&err);
        run_dir = resolved;
    }
    ro.run_dir = run_dir;
    if (dsq_run_exec(&ro, &res, &err) < 0) {
        rc = cmd_fail(&err);
        goto out;
    }
    /* One line in the task's Slurm output file says how it went. */
    fprintf(stderr, "dsq: array task %zu: %zu of %zu lines ok", (size_t)ro.task + ro.offset, res.ok,
            res.total);
    if (res.not_ok)
        fprintf(stderr, ", %zu not ok", res.not_ok);
    if (res.total > res.ok + res.not_ok)
        fprintf(stderr, ", %zu not run", res.total - res.ok - res.not_ok);
    if (res.stop_signal)
        fprintf(stderr, " (stopped by %s)",
                dsq_signal_name(res.stop_signal) ? dsq_signal_name(res.stop_signal) : "a signal");
    fputc('\n', stderr);
    rc = res.ok == res.total ? DSQ_EXIT_OK : DSQ_EXIT_NOTOK;
out:
    free(resolved);
    return rc;
}

/* The TTY progress line.  The pool calls it from one thread only, so plain
 * statics are enough. */
static double progress_t0, progress_last;
static size_t progress_done0, progress_done, progress_total, progress_failed;
static int progress_drawn;

void
cmd_progress_tty(size_t done, size_t failed, size_t total, size_t running, void *arg)
{
    double now = dsq_time_mono(), dt, rate;
    char eta[32] = "?";

    (void)arg;
    progress_done = done;
    progress_total = total;
    progress_failed = failed;
    if (!progress_t0) {
        /* The rate counts from the first call, so only what ended since. */
        progress_t0 = now;
        progress_done0 = done;
    }
    /* The pool calls after every line; thousands of redraws a second would
     * cost more than the lines themselves. */
    if (progress_drawn && done < total && now - progress_last < 0.1)
        return;
    progress_last = now;
    dt = now - progress_t0;
    rate = dt > 0 ? (double)(done - progress_done0) / dt : 0;
    if (done >= total)
        dsq_duration_format(0, eta, sizeof eta);
    else if (rate > 0)
        dsq_duration_format((double)(total - done) / rate, eta, sizeof eta);
    /* \r redraws the line in place; \033[K clears what a longer previous
     * line left behind. */
    fprintf(stderr, "\rdsq: %zu/%zu done, %zu failed, %zu running, %.1f lines/s, ETA %s\033[K",
            done, total, failed, running, rate, eta);
    fflush(stderr);
    progress_drawn = 1;
}

void
cmd_progress_end(int stop_signal)
{
    if (progress_drawn && stop_signal)
        fprintf(stderr, "\rdsq: interrupted by %s: %zu/%zu done, %zu not ok\033[K",
                dsq_signal_name(stop_signal), progress_done, progress_total, progress_failed);
    if (progress_drawn)
        fputc('\n', stderr);
    progress_drawn = 0;
    progress_t0 = progress_last = 0;
}
