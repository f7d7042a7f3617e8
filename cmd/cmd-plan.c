/* cmd-plan: `dsq --job-file F [options] [sbatch options]`, dSQ's default
 * action: the options become a request for attempt 1 of a new run, which
 * lib/attempt plans and writes (run directory, batch script); then it is
 * submitted (--submit), run here (--dry-run), or printed (--stdout). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lib/attempt.h"
#include "lib/buf.h"
#include "lib/durations.h"
#include "lib/fs.h"
#include "lib/plan.h"
#include "lib/retry.h"
#include "lib/rundir.h"
#include "lib/sbatch.h"
#include "lib/text.h"

enum {
    OPT_JOB_FILE = 1,
    OPT_BATCH_FILE,
    OPT_JOB_NAME,
    OPT_OUTPUT,
    OPT_MAX_JOBS,
    OPT_STATUS_DIR,
    OPT_SUPPRESS,
    OPT_STDOUT,
    OPT_SUBMIT,
    OPT_DRY_RUN,
    OPT_PARALLEL,
    OPT_LINES_PER_TASK,
    OPT_TASKS,
    OPT_LAYOUT,
    OPT_SHELL,
    OPT_LINE_OUTPUT,
    OPT_MAX_ARRAY_TASKS,
    OPT_KILL_GRACE,
    OPT_NO_BIND,
    OPT_RETRIES,
    OPT_RETRY_ON,
    OPT_MAX_FAILURES,
    OPT_WAIT,
    OPT_AUTO_RERUN,
    OPT_DURATIONS_FROM,
    OPT_VERSION,
    OPT_HELP,
};

static const struct cmd_opt plan_opts[] = {
    {"job-file", 0, CMD_OPT_REQUIRED, OPT_JOB_FILE},
    {"jobfile", 0, CMD_OPT_REQUIRED, OPT_JOB_FILE},
    {"taskfile", 0, CMD_OPT_REQUIRED, OPT_JOB_FILE},
    {"batch-file", 0, CMD_OPT_REQUIRED, OPT_BATCH_FILE},
    {"job-name", 'J', CMD_OPT_REQUIRED, OPT_JOB_NAME},
    {"output", 'o', CMD_OPT_REQUIRED, OPT_OUTPUT},
    {"max-jobs", 0, CMD_OPT_REQUIRED, OPT_MAX_JOBS},
    {"status-dir", 0, CMD_OPT_REQUIRED, OPT_STATUS_DIR},
    {"suppress-stats-file", 0, CMD_OPT_NONE, OPT_SUPPRESS},
    {"stdout", 0, CMD_OPT_NONE, OPT_STDOUT},
    {"submit", 0, CMD_OPT_NONE, OPT_SUBMIT},
    {"dry-run", 0, CMD_OPT_NONE, OPT_DRY_RUN},
    {"parallel", 0, CMD_OPT_REQUIRED, OPT_PARALLEL},
    {"lines-per-task", 0, CMD_OPT_REQUIRED, OPT_LINES_PER_TASK},
    {"tasks", 0, CMD_OPT_REQUIRED, OPT_TASKS},
    {"layout", 0, CMD_OPT_REQUIRED, OPT_LAYOUT},
    {"shell", 0, CMD_OPT_REQUIRED, OPT_SHELL},
    {"line-output", 0, CMD_OPT_REQUIRED, OPT_LINE_OUTPUT},
    {"max-array-tasks", 0, CMD_OPT_REQUIRED, OPT_MAX_ARRAY_TASKS},
    {"kill-grace", 0, CMD_OPT_REQUIRED, OPT_KILL_GRACE},
    {"no-bind", 0, CMD_OPT_NONE, OPT_NO_BIND},
    {"retries", 0, CMD_OPT_REQUIRED, OPT_RETRIES},
    {"retry-on", 0, CMD_OPT_REQUIRED, OPT_RETRY_ON},
    {"max-failures", 0, CMD_OPT_REQUIRED, OPT_MAX_FAILURES},
    {"wait", 0, CMD_OPT_NONE, OPT_WAIT},
    {"auto-rerun", 0, CMD_OPT_REQUIRED, OPT_AUTO_RERUN},
    {"durations-from", 0, CMD_OPT_REQUIRED, OPT_DURATIONS_FROM},
    {"version", 0, CMD_OPT_NONE, OPT_VERSION},
    {"help", 'h', CMD_OPT_NONE, OPT_HELP},
    {NULL, 0, 0, 0},
};

static const char plan_usage[] =
    "Usage: dsq --job-file FILE [dsq options] [sbatch options]\n"
    "       dsq run --run-dir DIR [--task K]\n"
    "       dsq report [RUN] [--json [--lines]] [--tsv] [--check] [--history]\n"
    "       dsq autopsy [RUN] [--states LIST]    (also: dsq-autopsy JOBFILE STATUSFILE)\n"
    "       dsq autopsy [RUN] --submit|--dry-run [--states LIST] [options]   (rerun)\n"
    "\n"
    "Run a job file (one shell command per line) as a Slurm job array, or here with\n"
    "--dry-run, keeping a record of every line.  RUN is a run directory, a Slurm job\n"
    "id, or nothing for the latest run under the status directory.\n"
    "\n"
    "Options:\n"
    "  --job-file FILE          the job file (also --jobfile, --taskfile)\n"
    "  --batch-file FILE        where to write the batch script (default\n"
    "                           dsq-<jobfile>-<YYYY-MM-DD>.sh; never a file dsq reads)\n"
    "  -J, --job-name NAME      Slurm job name (default dsq-<jobfile>); it names the\n"
    "                           run directory too: no '/' or control characters\n"
    "  -o, --output PATTERN     Slurm output file pattern (default\n"
    "                           dsq-<jobfile>-%A_%<N>a-%N.out)\n"
    "  --max-jobs N             at most N array tasks at once (array throttle %N)\n"
    "  --status-dir DIR         where run directories go (default: current directory)\n"
    "  --suppress-stats-file    accepted for dSQ compatibility; the status records are\n"
    "                           always written, since report and autopsy need them\n"
    "  --stdout                 preview: print the batch script and write nothing (no\n"
    "                           run directory, so it cannot be submitted as it is:\n"
    "                           use --submit, or plan without --stdout); not with\n"
    "                           --batch-file\n"
    "  --submit                 submit the batch script with sbatch and print the job id\n"
    "                           (one per array; planned without it, a run of several\n"
    "                           arrays prints one sbatch command per array)\n"
    "  --wait                   with --submit: return when the job is over, with the\n"
    "                           exit status of report --check (report on stderr)\n"
    "  --auto-rerun K           with --submit: once the job is over, rerun by itself\n"
    "                           what ran out of memory or time with twice as much (dsq\n"
    "                           autopsy --escalate), up to K times (dsq-autopsy(1))\n"
    "  --dry-run                run every line here, now, and print the report (a\n"
    "                           progress line on a terminal with --line-output)\n"
    "  --parallel W             lines at once: per array task on Slurm (default 1; the\n"
    "                           task then asks for W times the per-line CPUs, --mem and\n"
    "                           GPUs; each task gets at least W lines, W at most its\n"
    "                           lines), the whole local pool with --dry-run (default:\n"
    "                           CPUs here / CPUs per line)\n"
    "  --lines-per-task L       lines per array task (default: 1 while the array fits)\n"
    "  --tasks T                number of array tasks (not with --lines-per-task)\n"
    "  --layout dynamic|stripe|block  tasks claim the next lines as their slots\n"
    "                           free up, so early tasks run more, and tasks still\n"
    "                           pending once every line is claimed are cancelled\n"
    "                           (dynamic, default); or task K runs lines K, K+T,\n"
    "                           ... (stripe) or one contiguous run (block)\n"
    "  --durations-from RUN     pack from the times an earlier run of the same job\n"
    "                           file measured: longest lines first (dynamic), tasks\n"
    "                           of equal sums (stripe, block), and unless --tasks or\n"
    "                           --lines-per-task, tasks of about task-time (600 s)\n"
    "  --shell PATH             run each line with PATH -c (default /bin/sh)\n"
    "  --line-output PATTERN    each line's stdout and stderr to its own file\n"
    "                           (%L line, %A job id, %a array task, %j attempt)\n"
    "  --max-array-tasks N      most array tasks the default packing makes (1000)\n"
    "  --kill-grace SECONDS     from SIGTERM to SIGKILL when a task is stopped (10)\n"
    "  --no-bind                with W > 1, every line sees all of its task's CPUs and\n"
    "                           GPUs (default: slot s gets its own share: CPU affinity,\n"
    "                           CUDA_VISIBLE_DEVICES and friends narrowed to its GPUs,\n"
    "                           DSQ_GPUS, and OMP_NUM_THREADS and friends set to the\n"
    "                           per-line CPUs unless already set)\n"
    "  --retries N              run a line that fails again in its slot, up to N more\n"
    "                           times (0); each try is on the record.  The task's\n"
    "                           time limit is not raised for retries\n"
    "  --retry-on LIST          retry only these failures: exit codes and/or 'signal',\n"
    "                           comma-separated (default: any; a line stopped with its\n"
    "                           task is never retried)\n"
    "  --max-failures N         once N lines of the run have failed, in any array task,\n"
    "                           start no more lines (0: never); the rest are not_run\n"
    "                           (halted)\n"
    "  --version                print the version\n"
    "  -h, --help               print this help\n"
    "\n"
    "Every other option is an sbatch option and becomes its own #SBATCH line\n"
    "(sbatch's own abbreviations, --part=debug, are written out in full).\n"
    "Resource options mean per line: --cpus-per-task/-c, --mem, --mem-per-cpu,\n"
    "--gpus-per-task, --gpus, each countable --gres entry and -t/--time are scaled\n"
    "to the array task.\n"
    "\n"
    "Configuration (YAML, later wins): @SYSCONFDIR@/dsq/config.yaml,\n"
    "$XDG_CONFIG_HOME/dsq/config.yaml, $DSQ_CONFIG, then the command line.  Keys:\n"
    "  status-dir, sbatch-options, max-array-tasks, layout, shell, signal-lead,\n"
    "  batch-template, kill-grace, retries, retry-on, max-failures, task-time.\n"
    "  See dsq-config(5).\n"
    "\n"
    "Exit status: 0 success; 1 some lines did not succeed; 2 usage or input error;\n"
    "3 system or scheduler error; 128+N a --dry-run stopped by signal N (Ctrl-C:\n"
    "130).  See dsq(1).\n";

struct plan_args {
    const char *job_file;
    const char *batch_file;
    const char *job_name;
    const char *output;
    const char *status_dir;
    const char *shell;
    const char *line_output;
    unsigned long max_jobs;
    unsigned long parallel;
    unsigned long lines_per_task;
    unsigned long tasks;
    unsigned long max_array_tasks;
    double kill_grace;
    int no_bind;
    int have_retries, have_max_failures;
    unsigned long retries, max_failures;
    const char *retry_on;
    int have_layout;
    enum dsq_layout layout;
    int to_stdout, submit, dry_run, wait;
    unsigned long auto_rerun;
    const char *durations_from;
    struct dsq_sbopts sb;
};

static void
print_help(void)
{
    const char *at = strstr(plan_usage, "@SYSCONFDIR@");

    fwrite(plan_usage, 1, (size_t)(at - plan_usage), stdout);
    fputs(DSQ_SYSCONFDIR, stdout);
    fputs(at + strlen("@SYSCONFDIR@"), stdout);
}

/* The job name (-J, else dSQ's from the job file's name) names the run
 * directory too: lib/attempt says what is wrong with it, this says how to
 * fix it.  -1 to go on, else an exit status. */
static int
check_job_name(const struct plan_args *a)
{
    struct dsq_error err = {0};
    char *name = NULL;

    if (dsq_attempt_job_name(a->job_file, a->job_name, &name, &err) == 0) {
        free(name);
        return -1;
    }
    if (err.kind != DSQ_ERR_INPUT)
        return cmd_fail(&err);
    return cmd_usage_error("dsq", "%s; give %s with -J NAME", err.msg,
                           a->job_name ? "another" : "one");
}

/* Parse argv into a; returns -1 to go on, else an exit status. */
static int
parse_args(int argc, char **argv, const struct dsq_conf *conf, struct plan_args *a)
{
    struct dsq_error err = {0};
    const char *arg;
    int i = 1, id;

    /* The config's default sbatch options come first; the command line wins. */
    for (int j = 0; j < (int)conf->sbatch_options.n;) {
        if (dsq_sbatch_take((int)conf->sbatch_options.n, conf->sbatch_options.v, &j, &a->sb, &err) <
            0) {
            fprintf(stderr, "dsq: error: configuration sbatch-options: %s\n", err.msg);
            return DSQ_EXIT_USAGE;
        }
    }
    while ((id = cmd_opt_next(plan_opts, argc, argv, &i, &arg, "dsq")) != CMD_OPT_END) {
        switch (id) {
        case CMD_OPT_ERROR:
            return DSQ_EXIT_USAGE;
        case CMD_OPT_POSITIONAL:
            i--; /* a stray word is reported by the sbatch splitter */
            __attribute__((fallthrough));
        case CMD_OPT_UNKNOWN:
            if (dsq_sbatch_take(argc, argv, &i, &a->sb, &err) < 0)
                return cmd_usage_error("dsq", "%s", err.msg);
            break;
        case OPT_JOB_FILE:
            if (a->job_file)
                return cmd_usage_error("dsq", "the job file is given twice ('%s' and '%s')",
                                       a->job_file, arg);
            a->job_file = arg;
            break;
        case OPT_BATCH_FILE:
            a->batch_file = arg;
            break;
        case OPT_JOB_NAME:
            a->job_name = arg;
            break;
        case OPT_OUTPUT:
            a->output = arg;
            break;
        case OPT_MAX_JOBS:
            if (cmd_parse_count("dsq", "--max-jobs", arg, &a->max_jobs) != 0)
                return DSQ_EXIT_USAGE;
            break;
        case OPT_STATUS_DIR:
            a->status_dir = arg;
            break;
        case OPT_SUPPRESS:
            break;
        case OPT_STDOUT:
            a->to_stdout = 1;
            break;
        case OPT_SUBMIT:
            a->submit = 1;
            break;
        case OPT_DRY_RUN:
            a->dry_run = 1;
            break;
        case OPT_PARALLEL:
            if (cmd_parse_count("dsq", "--parallel", arg, &a->parallel) != 0)
                return DSQ_EXIT_USAGE;
            break;
        case OPT_LINES_PER_TASK:
            if (cmd_parse_count("dsq", "--lines-per-task", arg, &a->lines_per_task) != 0)
                return DSQ_EXIT_USAGE;
            break;
        case OPT_TASKS:
            if (cmd_parse_count("dsq", "--tasks", arg, &a->tasks) != 0)
                return DSQ_EXIT_USAGE;
            break;
        case OPT_LAYOUT:
            if (dsq_layout_parse(arg, &a->layout) < 0)
                return cmd_usage_error("dsq", "--layout '%s': must be stripe, block or dynamic",
                                       arg);
            a->have_layout = 1;
            break;
        case OPT_SHELL:
            a->shell = arg;
            break;
        case OPT_LINE_OUTPUT:
            a->line_output = arg;
            break;
        case OPT_MAX_ARRAY_TASKS:
            if (cmd_parse_count("dsq", "--max-array-tasks", arg, &a->max_array_tasks) != 0)
                return DSQ_EXIT_USAGE;
            break;
        case OPT_KILL_GRACE:
            if (cmd_parse_seconds("dsq", "--kill-grace", arg, &a->kill_grace) != 0)
                return DSQ_EXIT_USAGE;
            break;
        case OPT_NO_BIND:
            a->no_bind = 1;
            break;
        case OPT_RETRIES:
            if (cmd_parse_count("dsq", "--retries", arg, &a->retries) != 0)
                return DSQ_EXIT_USAGE;
            a->have_retries = 1;
            break;
        case OPT_RETRY_ON: {
            struct dsq_retry rp;
            struct dsq_error e = {0};

            if (dsq_retry_parse(&rp, arg, &e) < 0)
                return cmd_usage_error("dsq", "--retry-on: %s", e.msg);
            a->retry_on = arg;
            break;
        }
        case OPT_MAX_FAILURES:
            if (cmd_parse_count("dsq", "--max-failures", arg, &a->max_failures) != 0)
                return DSQ_EXIT_USAGE;
            a->have_max_failures = 1;
            break;
        case OPT_WAIT:
            a->wait = 1;
            break;
        case OPT_AUTO_RERUN:
            if (cmd_parse_count("dsq", "--auto-rerun", arg, &a->auto_rerun) != 0)
                return DSQ_EXIT_USAGE;
            break;
        case OPT_DURATIONS_FROM:
            a->durations_from = arg;
            break;
        case OPT_VERSION:
            printf("dsq %s\n", PACKAGE_VERSION);
            return DSQ_EXIT_OK;
        case OPT_HELP:
            print_help();
            return DSQ_EXIT_OK;
        }
    }
    if (!a->job_file)
        return cmd_usage_error("dsq", "no job file: give --job-file FILE");
    if (a->submit && a->dry_run)
        return cmd_usage_error("dsq", "--submit and --dry-run exclude each other: choose one");
    if (a->wait && !a->submit)
        return cmd_usage_error("dsq", "--wait waits for a submitted job: give --submit too");
    if (a->auto_rerun && !a->submit)
        return cmd_usage_error("dsq", "--auto-rerun submits reruns: give --submit too");
    if (a->auto_rerun && a->wait)
        return cmd_usage_error("dsq", "--auto-rerun and --wait exclude each other: the "
                                      "automatic reruns go on after the job is over");
    if (a->tasks && a->lines_per_task)
        return cmd_usage_error("dsq", "--tasks and --lines-per-task both choose the slice "
                                      "size: give one");
    if (a->to_stdout && (a->submit || a->dry_run))
        return cmd_usage_error("dsq", "--stdout prints the script: not with --%s",
                               a->submit ? "submit" : "dry-run");
    if (a->to_stdout && a->batch_file)
        return cmd_usage_error("dsq", "--stdout and --batch-file exclude each other: --stdout "
                                      "only prints the script and writes no batch file");
    if (a->shell && a->shell[0] != '/')
        return cmd_usage_error("dsq", "--shell '%s': must be an absolute path", a->shell);
    return check_job_name(a);
}

/* How to submit the batch file by hand: its name, quoted when the shell
 * would take it apart.  A run of several arrays needs one sbatch per array,
 * each as dsq --submit makes it (lib/attempt's calls): the batch file alone
 * would submit the first array only. */
static void
print_hint(const struct dsq_attempt_made *made)
{
    struct dsq_buf q = {0};
    const char *bfile = made->batch_file;

    dsq_buf_shell_word(&q, bfile, strlen(bfile));
    if (q.data)
        bfile = q.data;
    if (made->narrays <= 1) {
        printf("Batch script generated. To submit your jobs, run:\n sbatch %s\n", bfile);
    } else {
        printf("Batch script generated. This run is %zu job arrays (%zu array tasks), and one "
               "sbatch submits one array: the batch file alone would submit only the first. To "
               "submit all your jobs, run these %zu commands (or plan with --submit):\n",
               made->narrays, made->tasks, made->narrays);
        for (size_t k = 0; k < made->narrays; k++)
            printf(" sbatch --array=%s %s --offset %zu\n", made->calls[k].array, bfile,
                   made->calls[k].offset);
    }
    dsq_buf_free(&q);
    printf("Run directory: %s\n", made->run_dir);
}

/* --stdout: the script as planning would write it, which names a run
 * directory that was not made.  Said in the script, after its #! line (so
 * a saved copy says it too), and on stderr. */
static void
print_preview(const struct dsq_attempt_made *made)
{
    const char *s = made->script, *nl = strchr(s, '\n');

    if (!strncmp(s, "#!", 2) && nl) {
        fwrite(s, 1, (size_t)(nl + 1 - s), stdout);
        s = nl + 1;
    }
    fputs("# PREVIEW (dsq --stdout): nothing was written, and the run directory named\n"
          "# below does not exist: this script cannot be submitted as it is.  Submit with\n"
          "# dsq --submit, or plan without --stdout and sbatch the batch file it writes.\n",
          stdout);
    fputs(s, stdout);
    if (*s && s[strlen(s) - 1] != '\n')
        putchar('\n');
    fflush(stdout);
    fprintf(stderr,
            "dsq: note: --stdout prints a preview and writes nothing; the run directory the "
            "script names (%s) does not exist.  To submit, use --submit, or plan without "
            "--stdout and sbatch the batch file it writes%s.\n",
            made->run_dir, made->narrays > 1 ? " (one sbatch per array, as it prints)" : "");
}

/* --durations-from RUN: RUN as report takes it (a run directory or a job
 * id; the latest run with an empty RUN), under the status directory.  -1 to
 * go on (d filled), else an exit status. */
static int
load_durations(const struct plan_args *a, const struct dsq_conf *conf, struct dsq_durations *d)
{
    struct dsq_error err = {0};
    char *run_dir = NULL;
    const char *sd = a->status_dir ? a->status_dir : conf->status_dir;
    int rc = -1;

    if (dsq_rundir_find(sd, a->durations_from[0] ? a->durations_from : NULL, &run_dir, &err) < 0 ||
        dsq_durations_load(run_dir, d, &err) < 0) {
        if (err.kind == DSQ_ERR_INPUT)
            fprintf(stderr, "dsq: error: --durations-from %s: %s\n", a->durations_from, err.msg);
        rc = err.kind == DSQ_ERR_INPUT ? DSQ_EXIT_USAGE : cmd_fail(&err);
    }
    free(run_dir);
    return rc;
}

/* Planning without --durations-from: the latest run here of the same job
 * file (content), if it measured anything, is offered, never applied. */
static char *
durations_offer(const struct plan_args *a, const struct dsq_conf *conf)
{
    struct dsq_error err = {0};
    char *run_dir = NULL;

    if (a->durations_from || dsq_durations_offer(a->status_dir ? a->status_dir : conf->status_dir,
                                                 a->job_file, &run_dir, &err) <= 0)
        return NULL;
    return run_dir;
}

static void
print_offer(const char *run_dir)
{
    if (run_dir)
        fprintf(stderr,
                "dsq: note: %s ran this same job file; --durations-from %s would pack this run "
                "from the times it measured (see dsq(1))\n",
                run_dir, run_dir);
}

int
cmd_plan_main(int argc, char **argv)
{
    struct dsq_conf conf;
    struct plan_args a = {0};
    struct dsq_error err = {0};
    struct dsq_attempt_made made = {0};
    struct dsq_durations dur = {0};
    char *offer = NULL;
    int rc;

    /* --help and --version answer even when a config file is broken. */
    for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            print_help();
            return DSQ_EXIT_OK;
        }
        if (!strcmp(argv[i], "--version")) {
            printf("dsq %s\n", PACKAGE_VERSION);
            return DSQ_EXIT_OK;
        }
    }
    if ((rc = cmd_load_conf(&conf)) != 0)
        return rc;
    a.kill_grace = -1;
    rc = parse_args(argc, argv, &conf, &a);
    if (rc < 0 && a.durations_from)
        rc = load_durations(&a, &conf, &dur);
    if (rc < 0)
        offer = durations_offer(&a, &conf);
    if (rc < 0) {
        /* The run as planned is attempt 1; reruns add attempts (autopsy). */
        struct dsq_attempt_request req = {
            .conf = &conf,
            .job_file = a.job_file,
            .status_dir = a.status_dir,
            .job_name = a.job_name,
            .output = a.output,
            .batch_file = a.batch_file,
            .batch_copy = !a.to_stdout && !a.dry_run,
            .preview = a.to_stdout,
            .shell = a.shell,
            .line_output = a.line_output,
            .kill_grace = a.kill_grace,
            .no_bind = a.no_bind,
            .have_retries = a.have_retries,
            .retries = (unsigned)a.retries,
            .retry_on = a.retry_on,
            .have_max_failures = a.have_max_failures,
            .max_failures = a.max_failures,
            .sb = &a.sb,
            .lines_per_task = a.lines_per_task,
            .tasks = a.tasks,
            .max_array_tasks = a.max_array_tasks,
            .parallel = (unsigned)a.parallel,
            .have_layout = a.have_layout,
            .layout = a.layout,
            .max_jobs = a.max_jobs,
            .durations = a.durations_from ? &dur : NULL,
            .dry_run = a.dry_run,
        };
        rc = DSQ_EXIT_OK;
        if (dsq_attempt_make(&req, &made, &err) < 0) {
            rc = cmd_fail(&err);
        } else if (a.dry_run || a.submit) {
            print_offer(offer);
            rc = cmd_attempt_start(&made, a.dry_run, a.wait);
            if (rc == DSQ_EXIT_OK && a.auto_rerun)
                rc = cmd_follow_up(made.run_dir, made.number, a.auto_rerun, 2);
        } else if (a.to_stdout) {
            print_preview(&made);
            print_offer(offer);
        } else {
            print_hint(&made);
            print_offer(offer);
        }
    }
    dsq_attempt_made_free(&made);
    dsq_durations_free(&dur);
    free(offer);
    dsq_sbopts_free(&a.sb);
    dsq_conf_free(&conf);
    return rc;
}
