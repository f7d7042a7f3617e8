/* cmd: the command-line layer.  Each subcommand is a table entry with its own
 * options and usage; only this layer prints and chooses exit statuses. */
#ifndef DSQ_CMD_H
#define DSQ_CMD_H

#include <stddef.h>
#include <stdio.h>

#include "lib/attempt.h"
#include "lib/conf.h"
#include "lib/error.h"

/* Exit statuses, documented in dsq(1) EXIT STATUS. */
enum dsq_exit {
    DSQ_EXIT_OK = 0,     /* success (--dry-run: every line ok) */
    DSQ_EXIT_NOTOK = 1,  /* the run finished but some lines did not succeed */
    DSQ_EXIT_USAGE = 2,  /* usage or input error: nothing was run or submitted */
    DSQ_EXIT_SYSTEM = 3, /* system or scheduler error */
};

/* Subcommand entry points: argv[0] is the subcommand's name. */
int cmd_plan_main(int argc, char **argv);
int cmd_run_main(int argc, char **argv);
int cmd_report_main(int argc, char **argv);
int cmd_autopsy_main(int argc, char **argv);

/* What the report says in the command line's words (cmd-report.c): the
 * advice's options, the command that runs lines again. */
struct dsq_report_words;
extern const struct dsq_report_words cmd_report_words;

/* The option parser every subcommand uses.  Long options match exactly (no
 * abbreviations, so none can swallow an sbatch option); "--name=value",
 * "--name value", "-x value" and "-xvalue" are accepted. */
/* CMD_OPT_OPTIONAL: a value only as --name=VALUE (*arg NULL without). */
enum { CMD_OPT_NONE = 0, CMD_OPT_REQUIRED = 1, CMD_OPT_OPTIONAL = 2 };
struct cmd_opt {
    const char *long_name; /* without "--" */
    char short_name;       /* or 0 */
    int has_arg;
    int id; /* > 0 */
};
enum {
    CMD_OPT_END = -3,       /* no more arguments */
    CMD_OPT_ERROR = -2,     /* usage error printed (missing value, ...) */
    CMD_OPT_UNKNOWN = -1,   /* argv[*i] is an option not in the table; *i unchanged */
    CMD_OPT_POSITIONAL = 0, /* *arg = argv[*i], advanced */
};
/* Parse argv[*i]; on a match return its id with *arg its value (or NULL)
 * and *i advanced past what was used.  "--" makes the rest positional. */
int cmd_opt_next(const struct cmd_opt *table, int argc, char **argv, int *i, const char **arg,
                 const char *cmdname);

/* The value val of numeric option opt ("--max-jobs"), parsed with the kind
 * and range lib/limit's table gives the setting of that name (the same the
 * configuration uses): a whole number, or seconds with a fraction allowed.
 * 0, or the usage error's exit status (printed, naming the option, the
 * value and the range).  An option missing from the table aborts: a bug. */
int cmd_parse_count(const char *cmdname, const char *opt, const char *val, unsigned long *out);
int cmd_parse_seconds(const char *cmdname, const char *opt, const char *val, double *out);

/* "dsq: error: <msg>" on stderr; returns the exit status for err's kind. */
int cmd_fail(const struct dsq_error *err);

/* Submit the automatic rerun of attempt `number` of run_dir (--auto-rerun):
 * a job that Slurm starts once the attempt is over, running `dsq autopsy
 * RUN --submit --escalate=FACTOR --follow-up-of=NUMBER` with `--auto-rerun
 * REMAINING-1` when more are left.  Says so on stderr; the exit status. */
int cmd_follow_up(const char *run_dir, unsigned number, unsigned long remaining, double factor);
/* "dsq: error: <fmt>" and "Try 'dsq <cmd> --help'." on stderr; returns 2. */
int cmd_usage_error(const char *cmdname, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Print warnings from lib/ as "dsq: warning: ..." on stderr. */
void cmd_install_warnings(void);

/* Load the configuration layers into c (defaults first).  Prints the error
 * and returns the exit status on failure, 0 on success. */
int cmd_load_conf(struct dsq_conf *c);

/* The --dry-run progress line on a TTY (stderr): done/total, failed, rate,
 * ETA; a dsq_pool_progress_fn with arg unused.  Defined in cmd-run.c. */
void cmd_progress_tty(size_t done, size_t failed, size_t total, size_t running, void *arg);
/* Finish the progress line (newline) if one was drawn. */
void cmd_progress_end(int stop_signal);

/* How an attempt that lib/attempt made goes on, for the planner (attempt
 * 1) and autopsy (reruns); prints, and returns the exit status.  Dry run:
 * every line here, then the report on stdout; 0 when every line of the run
 * is ok.  Else submitted: sbatch's message passes through as it comes, each
 * job id is printed on stdout once recorded; with wait, until Slurm has no
 * pending or running task of it, then the report on stderr and report
 * --check's exit status.  made->lock (a rerun's) is released once the
 * attempt is submitted; run here, it is held until made is freed. */
int cmd_attempt_start(struct dsq_attempt_made *made, int dry_run, int wait);

#endif
