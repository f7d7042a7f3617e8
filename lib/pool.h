/* pool: the fork pool that runs lines, the engine of both `dsq run` (one
 * array task on a node) and `--dry-run` (every task, here).  W slots; a
 * finished line's slot starts the next line at once: the pool sleeps in
 * sigtimedwait() on SIGCHLD and the stop signals, never polls.  Each line runs
 * as `shell -c command` in its own process group, stdin /dev/null, with the
 * DSQ_* environment, and gets a start and an end record. */
#ifndef DSQ_POOL_H
#define DSQ_POOL_H

#include <stddef.h>

#include "bind.h"
#include "error.h"
#include "record.h"
#include "retry.h"

/* One line to run.  cmd is borrowed (not NUL-terminated), valid for the run. */
struct dsq_pool_item {
    size_t line; /* 1-based physical line */
    size_t task; /* array task it was planned for (after offset) */
    const char *cmd;
    size_t len;
};

/* Where the pool writes a task's records: the caller maps a task to its
 * writer (borrowed).  NULL return: the pool fails the run (system error). */
typedef struct dsq_recw *(*dsq_pool_writer_fn)(size_t task, void *arg, struct dsq_error *err);

/* Progress callback, called after every end record and at most every 0.25 s
 * while lines run (for a TTY progress line): done, failed (not ok), total,
 * running. */
typedef void (*dsq_pool_progress_fn)(size_t done, size_t failed, size_t total, size_t running,
                                     void *arg);

/* Where the lines come from when they are not all known beforehand
 * (--layout dynamic): called when a slot is free and no given item is
 * left; 1 with *it filled (its cmd borrowed for the run), 0 when there are
 * no more, -1 on a system error (err filled: the pool fails the run). */
typedef int (*dsq_pool_next_fn)(struct dsq_pool_item *it, void *arg, struct dsq_error *err);

struct dsq_pool_opts {
    unsigned slots;              /* W >= 1 */
    const char *shell;           /* e.g. "/bin/sh" */
    const char *workdir;         /* chdir for each line, or NULL */
    const char *run_dir;         /* DSQ_RUN_DIR; also holds tmp/ for long lines */
    const char *job_id;          /* records' "job": <arrayjob>_<index> ("" when
                                    not on Slurm) */
    const char *line_output;     /* pattern (%L %A %a %j) or NULL: inherit */
    const char *array_job_id;    /* DSQ_JOB_ID, and %A ("" -> "local") */
    unsigned attempt;            /* DSQ_ATTEMPT, records */
    unsigned restart;            /* records */
    double kill_grace;           /* seconds from SIGTERM to SIGKILL */
    const struct dsq_bind *bind; /* each slot's CPUs and variables (bind.h),
                                    or NULL: lines get the task's */
    dsq_pool_writer_fn writer;
    void *writer_arg;
    dsq_pool_progress_fn progress; /* or NULL */
    void *progress_arg;
    dsq_pool_next_fn next; /* or NULL: only the items given */
    void *next_arg;
    /* A line whose try failed as retry says runs again in its slot at once
     * (try 2, 3, ...), unless the pool is stopping; NULL: never. */
    const struct dsq_retry *retry;
    /* Halting (halt.h), each NULL for none: halted() is asked before a line
     * (or a retry) starts, non-zero: start nothing more (res->halted);
     * failed() is told each line whose last try failed or was signaled,
     * -1 with err: a system error that stops the pool. */
    int (*halted)(void *arg);
    int (*failed)(size_t line, void *arg, struct dsq_error *err);
    void *halt_arg;
    size_t total; /* with next: the lines expected in all, for progress
                     (0: those handed out so far) */
};

struct dsq_pool_result {
    size_t started; /* tries started, retries included */
    size_t retried; /* of them, retries */
    int halted;     /* halted() stopped the pool starting lines */
    size_t ok;
    size_t not_ok;   /* failed + signaled + interrupted */
    int stop_signal; /* SIGTERM/SIGINT/SIGHUP/SIGUSR1 received, or 0 */
    size_t total;    /* lines the run was given: every line ended
                      * ok exactly when ok == total */
};

/* Run items (borrowed for the call) in order, then (o->next) what it
 * hands out; res->total counts both; o and its strings are borrowed
 * for the call, res is the caller's.  Blocks SIGCHLD, SIGTERM, SIGINT, SIGUSR1 (and
 * SIGHUP) for its duration.  SIGUSR1: start no new line.  SIGTERM/SIGINT/
 * SIGHUP: start no new line, TERM every running group, KILL after
 * kill_grace, an `interrupted` end record each, return.  Returns 0 when the
 * pool ran to its end or stopped on a signal (see result), -1 on a system
 * error (records cannot be written, fork fails). */
int dsq_pool_run(const struct dsq_pool_opts *o, const struct dsq_pool_item *items, size_t n,
                 struct dsq_pool_result *res, struct dsq_error *err);

#endif
