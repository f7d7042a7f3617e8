/* cmd-autopsy: `dsq autopsy [RUN]` (also `dsq-autopsy`): print the lines to
 * run again as a new job file on stdout, the summary on stderr; or, with
 * --submit or --dry-run, run exactly those lines again as the run's next
 * attempt, in the same run directory under the same line numbers.  With two
 * positionals it is dSQ's own form, `dsq-autopsy JOBFILE STATUSFILE`, which
 * reads dSQ's job_<id>_status.tsv. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cmd/cmd.h"
#include "lib/attempt.h"
#include "lib/autopsy.h"
#include "lib/buf.h"
#include "lib/escalate.h"
#include "lib/fs.h"
#include "lib/manifest.h"
#include "lib/plan.h"
#include "lib/report.h"
#include "lib/rundir.h"
#include "lib/sbatch.h"
#include "lib/text.h"

enum {
    OPT_STATUS_DIR = 1,
    OPT_STATES,
    OPT_SUBMIT,
    OPT_DRY_RUN,
    OPT_WAIT,
    OPT_FORCE,
    OPT_PARALLEL,
    OPT_LINES_PER_TASK,
    OPT_TASKS,
    OPT_LAYOUT,
    OPT_MAX_JOBS,
    OPT_MAX_ARRAY_TASKS,
    OPT_NO_INHERIT,
    OPT_ESCALATE,
    OPT_AUTO_RERUN,
    OPT_FOLLOW_UP_OF,
    OPT_HELP,
};

static const struct cmd_opt autopsy_opts[] = {
    {"status-dir", 0, CMD_OPT_REQUIRED, OPT_STATUS_DIR},
    {"states", 0, CMD_OPT_REQUIRED, OPT_STATES},
    {"submit", 0, CMD_OPT_NONE, OPT_SUBMIT},
    {"dry-run", 0, CMD_OPT_NONE, OPT_DRY_RUN},
    {"wait", 0, CMD_OPT_NONE, OPT_WAIT},
    {"force", 0, CMD_OPT_NONE, OPT_FORCE},
    {"parallel", 0, CMD_OPT_REQUIRED, OPT_PARALLEL},
    {"lines-per-task", 0, CMD_OPT_REQUIRED, OPT_LINES_PER_TASK},
    {"tasks", 0, CMD_OPT_REQUIRED, OPT_TASKS},
    {"layout", 0, CMD_OPT_REQUIRED, OPT_LAYOUT},
    {"max-jobs", 0, CMD_OPT_REQUIRED, OPT_MAX_JOBS},
    {"max-array-tasks", 0, CMD_OPT_REQUIRED, OPT_MAX_ARRAY_TASKS},
    {"no-inherit", 0, CMD_OPT_REQUIRED, OPT_NO_INHERIT},
    {"escalate", 0, CMD_OPT_OPTIONAL, OPT_ESCALATE},
    {"auto-rerun", 0, CMD_OPT_REQUIRED, OPT_AUTO_RERUN},
    /* Internal: what an automatic rerun's job runs (cmd_follow_up()). */
    {"follow-up-of", 0, CMD_OPT_REQUIRED, OPT_FOLLOW_UP_OF},
    {"help", 'h', CMD_OPT_NONE, OPT_HELP},
    {NULL, 0, 0, 0},
};

static const char autopsy_usage[] =
    "Usage: dsq autopsy [RUN] [--status-dir DIR] [--states LIST]\n"
    "       dsq autopsy [RUN] --submit [--wait] [--states LIST] [--force]\n"
    "                   [--escalate[=FACTOR]] [--auto-rerun K]\n"
    "                   [--no-inherit NAME,...] [planning options] [sbatch options]\n"
    "       dsq autopsy [RUN] --dry-run [--states LIST] [--force] [--escalate[=FACTOR]]\n"
    "                   [--no-inherit NAME,...] [planning options] [sbatch options]\n"
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
    "Rerun in place: --submit submits exactly the lines autopsy would print as the\n"
    "run's next attempt (2, 3, ...): a new array in the same run directory, each line\n"
    "under its own line number, so that dsq report shows every line's latest attempt\n"
    "(--history: all of them).  --dry-run runs that attempt here instead and prints\n"
    "the report.  The sbatch options, --parallel, --layout and --max-jobs of the\n"
    "previous attempt are kept unless given again (resources still mean per line);\n"
    "the previous attempt is the latest that was submitted or ran (one that sbatch\n"
    "refused is passed over).  The lines are packed into array tasks afresh.  Its\n"
    "--retries, --retry-on and --max-failures are kept too (a rerun counts its own\n"
    "failures).\n"
    "Nothing is submitted while a line of the run is pending or running, unless\n"
    "--force; nor, even with --force, while another rerun of the run is under way\n"
    "(until its lines are submitted, or with --dry-run have run).\n"
    "\n"
    "Escalating rerun: --escalate reruns the lines that ran out of memory with\n"
    "FACTOR (default 2) times the memory they asked for (--mem or --mem-per-cpu),\n"
    "those that hit their time limit with FACTOR times their --time, and the others\n"
    "as they were: one attempt, one array per set of resources (then one line per\n"
    "array task).  Never above the partition's MaxMemPerNode or MaxTime when Slurm\n"
    "says them; a line already there, or one that asked for none, is named and not\n"
    "rerun.  With --dry-run it prints that plan and runs nothing.\n"
    "--auto-rerun K also submits a small job that Slurm starts once the attempt is\n"
    "over (--dependency=afterany) and makes the escalating rerun then, up to K times\n"
    "in all; it does nothing when every line is ok, when only exit failures are\n"
    "left (the program's own), or when the attempt was cancelled (scancel).\n"
    "\n"
    "Options:\n"
    "  --status-dir DIR  where to look for RUN (default: the configuration's\n"
    "                    status-dir, else the current directory)\n"
    "  --states LIST     which lines to print, a comma list of states (default\n"
    "                    failed,signaled,interrupted,lost,not_run); states: ok,\n"
    "                    failed, signaled, interrupted, lost, pending, running,\n"
    "                    not_run, or all.  See dsq report --help for what they mean\n"
    "  --submit          submit those lines as the run's next attempt and print the\n"
    "                    job id(s)\n"
    "  --wait            with --submit: return when the attempt is over, with the\n"
    "                    exit status of report --check (report on stderr)\n"
    "  --dry-run         run those lines here as the next attempt; print the report\n"
    "  --force           rerun even though lines of the run are pending or running\n"
    "  --parallel W      lines at once per array task (default: the previous\n"
    "                    attempt's; with --dry-run, CPUs here / CPUs per line)\n"
    "  --lines-per-task L  lines per array task (default: 1 while the array fits)\n"
    "  --tasks T         number of array tasks (not with --lines-per-task)\n"
    "  --layout stripe|block|dynamic  how the lines are dealt to tasks (default: the\n"
    "                    previous attempt's)\n"
    "  --max-jobs N      at most N array tasks at once (default: the previous\n"
    "                    attempt's)\n"
    "  --max-array-tasks N  most array tasks the default packing makes\n"
    "  --no-inherit NAME[,NAME...]\n"
    "                    do not keep the previous attempt's sbatch option NAME (its\n"
    "                    long name, mem or --mem, or its letter, -p); one given\n"
    "                    again is kept all the same\n"
    "  --escalate[=FACTOR]  raise memory and time of the lines that ran out of them\n"
    "                    FACTOR times (default 2); with --dry-run, print the plan\n"
    "  --auto-rerun K    with --submit: rerun by itself, escalating, up to K times\n"
    "  -h, --help        print this help\n"
    "Every other option given with --submit or --dry-run is an sbatch option, as for\n"
    "dsq --job-file; it replaces the previous attempt's option of the same name, and\n"
    "those sbatch refuses beside it or lets it override (--mem-per-cpu replaces\n"
    "--mem, --no-requeue --requeue, --gpus-per-task the gpus of --gres, ...: see\n"
    "dsq-autopsy(1)).\n"
    "\n"
    "dSQ's form: JOBFILE is the job file dSQ ran and STATUSFILE its\n"
    "job_<jobid>_status.tsv.  Lines are numbered as dSQ does (array index = 0-based\n"
    "physical line; a line is skipped when its first character is '#' or it is\n"
    "blank).  Printed: every command line whose last row has a non-zero exit status\n"
    "(a requeued index's last row wins; exit -N is signal N), or which has no row\n"
    "(cancelled, timed out, preempted or never started: dSQ writes no row then).\n"
    "Malformed rows are warnings, not errors.\n"
    "\n"
    "Exit status: 0 success (--dry-run, --wait: every line of the run ok; nothing to\n"
    "rerun is success); 1 some lines did not succeed; 2 usage or input error, or the\n"
    "run is still pending or running, or another rerun of it is under way; 3 system\n"
    "or scheduler error.\n";

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

/* The run to read, loaded: RUN (a run directory or job id, or the latest
 * under status_dir).  A regular file is refused with a usage error whose
 * hint (what a file would mean) is the caller's.  With lock, the run's
 * rerun lock is taken (*lock) before the report is read, so that the lines
 * chosen from it are this rerun's alone.  0, or the exit status. */
static int
load_run(const char *status_dir, const char *run, const char *file_hint,
         struct dsq_attempt_lock **lock, char **run_dir, struct dsq_report **r)
{
    struct dsq_error err = {0};
    struct stat st;

    if (run && stat(run, &st) == 0 && S_ISREG(st.st_mode))
        return cmd_usage_error("autopsy", "%s is a file, not a run: %s", run, file_hint);
    if (dsq_rundir_find(status_dir, run, run_dir, &err) < 0 ||
        (lock && dsq_attempt_lock(*run_dir, lock, &err) < 0) ||
        !(*r = dsq_report_load(*run_dir, &err)))
        return cmd_fail(&err);
    return 0;
}

static int
autopsy_run(const char *status_dir, const char *run, unsigned mask)
{
    struct dsq_report *r = NULL;
    char *run_dir = NULL, *summary = NULL;
    size_t n;
    int rc;

    rc = load_run(status_dir, run,
                  "dSQ's form takes the job file and its status file (dsq-autopsy JOBFILE "
                  "job_<id>_status.tsv)",
                  NULL, &run_dir, &r);
    if (rc)
        goto out;
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

/* What a rerun was asked for. */
struct rerun_args {
    int submit, dry_run, wait, force;
    unsigned long parallel, lines_per_task, tasks, max_jobs, max_array_tasks;
    int have_layout;
    enum dsq_layout layout;
    struct dsq_sbopts sb;       /* sbatch options given again */
    struct dsq_strv no_inherit; /* sbatch's long names, --no-inherit */
    double escalate;            /* --escalate's factor, 0 not given */
    unsigned long auto_rerun;   /* --auto-rerun K, 0 none */
    unsigned long follow_up_of; /* the attempt an automatic rerun follows */
};

/* "--name" of a planning option (they only make sense with --submit or
 * --dry-run), or NULL for the others. */
static const char *
planning_name(int id)
{
    switch (id) {
    case OPT_FORCE:
        return "--force";
    case OPT_PARALLEL:
        return "--parallel";
    case OPT_LINES_PER_TASK:
        return "--lines-per-task";
    case OPT_TASKS:
        return "--tasks";
    case OPT_LAYOUT:
        return "--layout";
    case OPT_MAX_JOBS:
        return "--max-jobs";
    case OPT_MAX_ARRAY_TASKS:
        return "--max-array-tasks";
    case OPT_NO_INHERIT:
        return "--no-inherit";
    case OPT_ESCALATE:
        return "--escalate";
    case OPT_AUTO_RERUN:
        return "--auto-rerun";
    default:
        return NULL;
    }
}

/* Where a count planning option goes. */
static unsigned long *
count_field(struct rerun_args *a, int id)
{
    switch (id) {
    case OPT_PARALLEL:
        return &a->parallel;
    case OPT_LINES_PER_TASK:
        return &a->lines_per_task;
    case OPT_TASKS:
        return &a->tasks;
    case OPT_MAX_JOBS:
        return &a->max_jobs;
    default:
        return &a->max_array_tasks;
    }
}

/* Nothing is rerun while the run may still run those lines itself: name
 * what is waiting, and where. */
static int
refuse_busy(const struct dsq_report *r)
{
    struct dsq_buf lines = {0}, ids = {0};
    size_t nbusy = 0, shown = 0;
    const struct dsq_line_info *one = NULL;
    unsigned char *att_seen = calloc(r->m.nattempts + 1, 1);

    for (size_t i = 0; i < r->nlines; i++) {
        const struct dsq_line_info *li = &r->lines[i];
        if (li->state != DSQ_ST_PENDING && li->state != DSQ_ST_RUNNING)
            continue;
        if (shown < 10) {
            dsq_buf_printf(&lines, "%s%zu (%s)", shown ? ", " : "", li->line,
                           dsq_state_name(li->state));
            shown++;
        }
        one = li;
        nbusy++;
        if (att_seen && li->planned <= r->m.nattempts)
            att_seen[li->planned] = 1;
    }
    for (size_t a = 0; a < r->m.nattempts; a++) {
        const struct dsq_attempt *at = &r->m.attempts[a];
        /* The job ids of the attempts the waiting lines belong to; with no
         * waiting line, the queue itself says the run is not over. */
        if (att_seen && !att_seen[at->number] && nbusy)
            continue;
        for (size_t j = 0; j < at->job_ids.n; j++)
            dsq_buf_printf(&ids, "%s%s", ids.len ? ", " : "", at->job_ids.v[j]);
    }
    fprintf(stderr, "dsq: error: %s is not over: ", r->m.run_dir);
    if (nbusy == 1)
        fprintf(stderr, "line %zu is %s", one->line, dsq_state_name(one->state));
    else if (nbusy)
        fprintf(stderr, "lines %s%s are pending or running", lines.data ? lines.data : "",
                nbusy > shown ? ", ..." : "");
    else
        fputs("Slurm still has array tasks of it", stderr);
    if (ids.len)
        fprintf(stderr, " (Slurm job %s)", ids.data);
    else if (r->maybe_by_hand)
        fputs(" (its batch script may have been submitted by hand, and Slurm cannot be asked)",
              stderr);
    else
        fputs(" (a --dry-run on this host)", stderr);
    fputs(".\nRerun it once it is over (dsq report --watch), or give --force to rerun the "
          "other lines now.\n",
          stderr);
    dsq_buf_free(&lines);
    dsq_buf_free(&ids);
    free(att_seen);
    return DSQ_EXIT_USAGE;
}

/* "--mem 100M" / "--mem-per-cpu 100M" / "--time 1:00" of r, what the
 * escalation changed. */
static void
print_asked(FILE *out, const struct dsq_resources *r, int mem)
{
    char t[64];

    if (mem) {
        fprintf(out, "--%s %lluM", r->mem_mib ? "mem" : "mem-per-cpu",
                (unsigned long long)(r->mem_mib ? r->mem_mib : r->mem_per_cpu_mib));
    } else {
        dsq_sbatch_format_time(r->time_s, t, sizeof t);
        fprintf(out, "--time %s", t);
    }
}

/* The escalation's plan, one line per line it changes or leaves out. */
static void
print_escalation(const struct dsq_escalation *e, const struct dsq_slurm_partition *cap,
                 const char *partition, const char *why_unknown, double factor)
{
    size_t same = 0;

    if (cap->known) {
        char t[64] = "none";
        if (cap->max_time_s >= 0)
            dsq_sbatch_format_time(cap->max_time_s, t, sizeof t);
        fprintf(stderr, "dsq: escalate x%g: partition %s: %s ", factor,
                cap->name[0] ? cap->name
                : partition  ? partition
                             : "(default)",
                cap->mem_per_cpu ? "MaxMemPerCPU" : "MaxMemPerNode");
        if (cap->max_mem_mib)
            fprintf(stderr, "%lluM", (unsigned long long)cap->max_mem_mib);
        else
            fputs("none", stderr);
        fprintf(stderr, ", MaxTime %s\n", t);
    } else {
        fprintf(stderr, "dsq: escalate x%g: partition limits unknown (%s)\n", factor, why_unknown);
    }
    for (size_t k = 0; k < e->n; k++) {
        const struct dsq_escalate_line *x = &e->v[k];
        int mem = x->cause == DSQ_CAUSE_OUT_OF_MEMORY;
        if (x->what == DSQ_ESC_SAME) {
            same++;
            continue;
        }
        fprintf(stderr, "dsq: escalate: line %zu (%s): ", x->line, dsq_cause_name(x->cause));
        switch (x->what) {
        case DSQ_ESC_RAISED:
        case DSQ_ESC_CAPPED:
            print_asked(stderr, &x->was, mem);
            fputs(" -> ", stderr);
            print_asked(stderr, &x->asks, mem);
            fputs(x->what == DSQ_ESC_CAPPED ? " (the partition's limit)\n" : "\n", stderr);
            break;
        case DSQ_ESC_AT_CAP:
            print_asked(stderr, &x->was, mem);
            fputs(" is already the partition's limit: not rerun\n", stderr);
            break;
        default:
            fprintf(stderr, "it asked for no %s to raise: not rerun (give --%s)\n",
                    mem ? "memory" : "time", mem ? "mem" : "time");
            break;
        }
    }
    if (same)
        fprintf(stderr, "dsq: escalate: %zu other line%s rerun as %s\n", same, same == 1 ? "" : "s",
                same == 1 ? "it was" : "they were");
}

/* The partition a rerun goes to: given, else its latest attempt's. */
static const char *
rerun_partition(const struct dsq_report *r, const struct rerun_args *a)
{
    int found;
    const char *p = dsq_sbopts_get(&a->sb, "partition", &found);

    if (found)
        return p && !strchr(p, ',') ? p : NULL;
    return dsq_escalate_partition(&r->m.attempts[r->m.nattempts - 1]);
}

/* An escalating rerun's lines: *lines and *n replaced by those to rerun,
 * e->res their resources.  -1 to go on; else the exit status (the plan
 * shown with --dry-run, an automatic rerun with nothing to do). */
static int
escalate_lines(const struct dsq_report *r, const struct rerun_args *a, size_t **lines, size_t *n,
               struct dsq_escalation *e)
{
    static const char *const verdicts[] = {
        [DSQ_FOLLOW_ALL_OK] = "every line is ok",
        [DSQ_FOLLOW_NO_GAIN] = "only failures that a rerun would repeat are left (exit "
                               "status, or at the partition's limit)",
        [DSQ_FOLLOW_CANCELLED] = "the attempt was cancelled",
        [DSQ_FOLLOW_SUPERSEDED] = "another attempt was made since",
    };
    struct dsq_slurm_partition cap;
    struct dsq_error perr = {0};
    const char *part = rerun_partition(r, a);
    enum dsq_follow_verdict v;

    dsq_slurm_partition_limits(part, &cap, &perr);
    if (dsq_escalate_plan(r, *lines, *n, a->escalate, &cap, e) < 0) {
        dsq_errprintf(&perr, DSQ_ERR_SYSTEM, "out of memory");
        return cmd_fail(&perr);
    }
    print_escalation(e, &cap, part, perr.msg, a->escalate);
    if (a->follow_up_of) {
        v = dsq_escalate_follow(r, (unsigned)a->follow_up_of, e);
        if (v != DSQ_FOLLOW_RERUN) {
            fprintf(stderr, "dsq: automatic rerun after attempt %lu: nothing to do: %s\n",
                    a->follow_up_of, verdicts[v]);
            return DSQ_EXIT_OK;
        }
    }
    if (a->dry_run) {
        fprintf(stderr, "dsq: escalate: %zu line%s would be rerun; nothing was run (--dry-run)\n",
                e->nlines, e->nlines == 1 ? "" : "s");
        return DSQ_EXIT_OK;
    }
    if (e->nlines == 0) {
        fprintf(stderr, "dsq: nothing to rerun in %s: every chosen line is at its limit\n",
                r->m.run_dir);
        return DSQ_EXIT_OK;
    }
    free(*lines);
    *lines = e->lines;
    *n = e->nlines;
    e->lines = NULL;
    return -1;
}

static int
autopsy_rerun(const struct dsq_conf *conf, const char *status_dir, const char *run, unsigned mask,
              const struct rerun_args *a)
{
    struct dsq_error err = {0};
    struct dsq_report *r = NULL;
    struct dsq_attempt_made made = {0};
    struct dsq_attempt_lock *lock = NULL;
    char *run_dir = NULL, *summary = NULL;
    size_t *lines = NULL, n = 0;
    struct dsq_escalation esc = {0};
    int rc;

    /* The rerun lock, held from before the lines are chosen until they are
     * submitted or have run (made.lock). */
    rc = load_run(status_dir, run, "only a dsq run can be rerun in place", &lock, &run_dir, &r);
    if (rc)
        goto out;
    summary = dsq_autopsy_summary(r->counts);
    fprintf(stderr, "%s\n", summary ? summary : "");
    if (!r->over && !a->force) {
        rc = refuse_busy(r);
        goto out;
    }
    if (dsq_autopsy_select(r, mask, &lines, &n) < 0) {
        dsq_errprintf(&err, DSQ_ERR_SYSTEM, "out of memory");
        rc = cmd_fail(&err);
        goto out;
    }
    if (n == 0) {
        fprintf(stderr,
                "dsq: nothing to rerun in %s: no line is in the chosen states; "
                "nothing %s\n",
                run_dir, a->submit ? "submitted" : "run");
        rc = DSQ_EXIT_OK;
        goto out;
    }
    if (a->escalate && (rc = escalate_lines(r, a, &lines, &n, &esc)) >= 0)
        goto out;
    {
        struct dsq_attempt_request req = {
            .conf = conf,
            .run_dir = run_dir,
            .lines = lines,
            .nlines = n,
            .attempts_seen = r->m.nattempts,
            .line_res = a->escalate ? esc.res : NULL,
            .lock = lock,
            .kill_grace = -1,
            .sb = &a->sb,
            .no_inherit = &a->no_inherit,
            .lines_per_task = a->lines_per_task,
            .tasks = a->tasks,
            .max_array_tasks = a->max_array_tasks,
            .parallel = (unsigned)a->parallel,
            .have_layout = a->have_layout,
            .layout = a->layout,
            .max_jobs = a->max_jobs,
            .dry_run = a->dry_run,
        };
        if (dsq_attempt_make(&req, &made, &err) < 0) {
            rc = cmd_fail(&err);
            goto out;
        }
        lock = NULL; /* made.lock */
    }
    fprintf(stderr, "dsq: attempt %u: %zu line%s in %zu array task%s%s, in %s\n", made.number, n,
            n == 1 ? "" : "s", made.tasks, made.tasks == 1 ? "" : "s",
            made.narrays > 1 ? " (several arrays)" : "", run_dir);
    rc = cmd_attempt_start(&made, a->dry_run, a->wait);
    if (rc == DSQ_EXIT_OK && a->auto_rerun && !a->dry_run)
        rc = cmd_follow_up(run_dir, made.number, a->auto_rerun, a->escalate ? a->escalate : 2);
out:
    dsq_escalation_free(&esc);
    dsq_attempt_made_free(&made);
    dsq_attempt_unlock(lock);
    free(lines);
    free(summary);
    dsq_report_destroy(r);
    free(run_dir);
    return rc;
}

/* --no-inherit LIST: each NAME (sbatch's long name, with or without "--",
 * or "-" and its short letter) into names as its long name.  Exact names
 * only: a prefix that sbatch would take is a slip here, where nothing is
 * passed to sbatch.  0, or the usage error's exit status. */
static int
parse_no_inherit(const char *list, struct dsq_strv *names)
{
    const char *item = list;

    for (;;) {
        size_t n = strcspn(item, ","), len = n;
        const char *w = item, *near = NULL, *cands[256];
        const struct dsq_sbatch_def *d = NULL;
        size_t nc = 0;

        if (!n)
            return cmd_usage_error("autopsy", "--no-inherit '%s': an empty NAME", list);
        if (len >= 2 && !strncmp(w, "--", 2)) {
            w += 2;
            len -= 2;
        } else if (len == 2 && w[0] == '-') {
            d = dsq_sbatch_lookup_short(w[1]);
        }
        if (!d && len && w[0] != '-')
            d = dsq_sbatch_lookup(w, len);
        /* dsq's own, in the planner: not sbatch options here. */
        if ((len == 8 && !strncmp(w, "job-name", 8)) || (len == 6 && !strncmp(w, "output", 6)) ||
            (n == 2 && (!strncmp(item, "-J", 2) || !strncmp(item, "-o", 2))))
            return cmd_usage_error("autopsy",
                                   "--no-inherit '%.*s': a rerun keeps the run's job name and "
                                   "output pattern",
                                   (int)n, item);
        if (!d) {
            for (size_t i = 0; dsq_sbatch_def_at(i) && nc < 256; i++)
                cands[nc++] = dsq_sbatch_def_at(i)->name;
            if (len && w[0] != '-')
                near = dsq_closest_word(w, len, cands, nc);
            return cmd_usage_error("autopsy",
                                   "--no-inherit '%.*s': not an sbatch option%s%s%s (give its "
                                   "long name, as mem or --mem, or its letter, as -p)",
                                   (int)n, item, near ? "; did you mean '" : "", near ? near : "",
                                   near ? "'?" : "");
        }
        if (!strcmp(d->name, "array") || !strcmp(d->name, "wrap"))
            return cmd_usage_error("autopsy", "--no-inherit %s: dsq never passes sbatch's --%s on",
                                   d->name, d->name);
        if (dsq_strv_push(names, d->name) < 0) {
            struct dsq_error err = {0};
            dsq_errprintf(&err, DSQ_ERR_SYSTEM, "out of memory");
            return cmd_fail(&err);
        }
        if (!item[n])
            return 0;
        item += n + 1;
    }
}

/* Whether argv token tok names an sbatch option (so it is one, not a typo
 * of ours). */
static int
is_sbatch_option(const char *tok)
{
    if (tok[0] != '-' || !tok[1])
        return 0;
    if (tok[1] == '-') {
        const struct dsq_sbatch_def *amb[2];
        /* An ambiguous abbreviation is sbatch's too: take() words it. */
        return dsq_sbatch_lookup_abbrev(tok + 2, strcspn(tok + 2, "="), amb) || amb[0];
    }
    return dsq_sbatch_lookup_short(tok[1]) != NULL;
}

/* What `dsq autopsy` was asked, beside a rerun's own arguments. */
struct autopsy_args {
    struct rerun_args ra;
    const char *status_dir, *states;
    const char *pos[2];
    int npos;
    const char *first_sbatch, *planning; /* for "give --submit too" */
};

/* Parse argv into a; -1 to go on, else the exit status (usage printed). */
static int
parse_args(int argc, char **argv, struct autopsy_args *a)
{
    struct dsq_error err = {0};
    const char *arg;
    int i = 1, id, rc;

    while ((id = cmd_opt_next(autopsy_opts, argc, argv, &i, &arg, "autopsy")) != CMD_OPT_END) {
        if (!a->planning && planning_name(id))
            a->planning = planning_name(id);
        switch (id) {
        case CMD_OPT_ERROR:
            return DSQ_EXIT_USAGE;
        case CMD_OPT_UNKNOWN:
            if (!is_sbatch_option(argv[i]))
                return cmd_usage_error("autopsy", "unknown option '%s'", argv[i]);
            if (!a->first_sbatch)
                a->first_sbatch = argv[i];
            if (dsq_sbatch_take(argc, argv, &i, &a->ra.sb, &err) < 0)
                return cmd_usage_error("autopsy", "%s", err.msg);
            break;
        case CMD_OPT_POSITIONAL:
            if (a->npos == 2)
                return cmd_usage_error("autopsy",
                                       "too many arguments ('%s'): give RUN, or dSQ's "
                                       "JOBFILE STATUSFILE",
                                       arg);
            a->pos[a->npos++] = arg;
            break;
        case OPT_STATUS_DIR:
            a->status_dir = arg;
            break;
        case OPT_STATES:
            a->states = arg;
            break;
        case OPT_SUBMIT:
            a->ra.submit = 1;
            break;
        case OPT_DRY_RUN:
            a->ra.dry_run = 1;
            break;
        case OPT_WAIT:
            a->ra.wait = 1;
            break;
        case OPT_FORCE:
            a->ra.force = 1;
            break;
        case OPT_PARALLEL:
        case OPT_LINES_PER_TASK:
        case OPT_TASKS:
        case OPT_MAX_JOBS:
        case OPT_MAX_ARRAY_TASKS:
            if (cmd_parse_count("autopsy", planning_name(id), arg, count_field(&a->ra, id)) != 0)
                return DSQ_EXIT_USAGE;
            break;
        case OPT_LAYOUT:
            if (dsq_layout_parse(arg, &a->ra.layout) < 0)
                return cmd_usage_error("autopsy", "--layout '%s': must be stripe, block or dynamic",
                                       arg);
            a->ra.have_layout = 1;
            break;
        case OPT_NO_INHERIT:
            if ((rc = parse_no_inherit(arg, &a->ra.no_inherit)) != 0)
                return rc;
            break;
        case OPT_ESCALATE: {
            char *end = NULL;
            double f = arg ? strtod(arg, &end) : 2;
            if (arg && (end == arg || *end || !(f > 1) || f > 1000))
                return cmd_usage_error("autopsy",
                                       "--escalate=%s: FACTOR must be a number above 1 (at "
                                       "most 1000)",
                                       arg);
            a->ra.escalate = f;
            break;
        }
        case OPT_AUTO_RERUN:
            if (cmd_parse_count("autopsy", "--auto-rerun", arg, &a->ra.auto_rerun) != 0)
                return DSQ_EXIT_USAGE;
            break;
        case OPT_FOLLOW_UP_OF:
            if (cmd_parse_count("autopsy", "--follow-up-of", arg, &a->ra.follow_up_of) != 0)
                return DSQ_EXIT_USAGE;
            break;
        case OPT_HELP:
            fputs(autopsy_usage, stdout);
            return DSQ_EXIT_OK;
        }
    }
    return -1;
}

/* The options that exclude or need each other; -1 when they agree. */
static int
check_args(const struct autopsy_args *a)
{
    const struct rerun_args *ra = &a->ra;

    if (ra->submit && ra->dry_run)
        return cmd_usage_error("autopsy", "--submit and --dry-run exclude each other: choose one");
    if (ra->wait && !ra->submit)
        return cmd_usage_error("autopsy", "--wait waits for a submitted rerun: give --submit too");
    if (!ra->submit && !ra->dry_run && (a->planning || a->first_sbatch))
        return cmd_usage_error("autopsy", "%s reruns the lines: give --submit or --dry-run too",
                               a->planning ? a->planning : a->first_sbatch);
    if (ra->auto_rerun && !ra->submit)
        return cmd_usage_error("autopsy", "--auto-rerun submits reruns: give --submit too");
    if (ra->auto_rerun && ra->wait)
        return cmd_usage_error("autopsy", "--auto-rerun and --wait exclude each other: the "
                                          "automatic reruns go on after this one is over");
    if (ra->escalate) {
        static const char *const own[] = {"mem", "mem-per-cpu", "time"};
        for (size_t k = 0; k < sizeof own / sizeof *own; k++) {
            int found;
            dsq_sbopts_get(&ra->sb, own[k], &found);
            if (found)
                return cmd_usage_error("autopsy",
                                       "--escalate chooses each line's --%s itself: give "
                                       "no --%s with it",
                                       own[k], own[k]);
        }
    }
    if (ra->tasks && ra->lines_per_task)
        return cmd_usage_error("autopsy", "--tasks and --lines-per-task both choose the slice "
                                          "size: give one");
    if (a->npos == 2 && (a->states || ra->submit || ra->dry_run))
        return cmd_usage_error("autopsy", "%s does not go with dSQ's JOBFILE STATUSFILE form",
                               a->states    ? "--states"
                               : ra->submit ? "--submit"
                                            : "--dry-run");
    return -1;
}

int
cmd_autopsy_main(int argc, char **argv)
{
    struct dsq_conf conf;
    struct dsq_error err = {0};
    struct autopsy_args a = {0};
    unsigned mask = DSQ_AUTOPSY_DEFAULT_STATES;
    int rc;

    if ((rc = parse_args(argc, argv, &a)) >= 0)
        goto out;
    if (a.states && dsq_autopsy_parse_states(a.states, &mask, &err) < 0) {
        rc = cmd_usage_error("autopsy", "--states: %s", err.msg);
        goto out;
    }
    if ((rc = check_args(&a)) >= 0)
        goto out;
    if (a.npos == 2) {
        rc = autopsy_dsq(a.pos[0], a.pos[1]);
    } else {
        if ((rc = cmd_load_conf(&conf)) != 0) {
            dsq_conf_free(&conf);
            goto out;
        }
        if (a.ra.submit || a.ra.dry_run)
            rc = autopsy_rerun(&conf, a.status_dir ? a.status_dir : conf.status_dir, a.pos[0], mask,
                               &a.ra);
        else
            rc = autopsy_run(a.status_dir ? a.status_dir : conf.status_dir, a.pos[0], mask);
        dsq_conf_free(&conf);
    }
    if (fflush(stdout) == EOF)
        rc = write_failed();
out:
    dsq_sbopts_free(&a.ra.sb);
    dsq_strv_free(&a.ra.no_inherit);
    return rc;
}
