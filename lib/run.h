/* run: executes a planned run directory.  `dsq run` runs one array task
 * (its slice of lines, a pool of W slots); `--dry-run` runs every task here
 * with one pool taking lines in job-file order and recording each under the
 * task it was planned for, so a laptop rehearsal writes the same records.
 * Attempt N > 1 (a rerun) runs the lines of attempts/N.lines, sliced by its
 * own plan.  In --layout dynamic, tasks claim the lines at run time
 * instead (claim.h); a requeued task first runs its own earlier claims
 * that did not end ok. */
#ifndef DSQ_RUN_H
#define DSQ_RUN_H

#include <stddef.h>

#include "error.h"
#include "pool.h"

/* Every pointer is borrowed for the dsq_run_exec() call. */
struct dsq_run_opts {
    const char *run_dir;
    long task;          /* array index before offset; -1: all (dry run) */
    size_t offset;      /* added to task (split arrays) */
    unsigned attempt;   /* which attempt's plan and lines (0: 1); also
                         * written in the records */
    unsigned restart;   /* SLURM_RESTART_COUNT */
    unsigned slots;     /* 0: manifest's parallel (capped by Slurm CPUs) */
    const char *job_id; /* SLURM_ARRAY_JOB_ID or "" */
    dsq_pool_progress_fn progress;
    void *progress_arg;
    unsigned cpus;          /* CPUs Slurm gave this task (SLURM_CPUS_PER_TASK,
                             * else SLURM_CPUS_ON_NODE); 0: not on Slurm.
                             * Slots are capped at cpus / per-line CPUs. */
    double end_time;        /* when Slurm ends this task (epoch seconds), 0
                             * unknown: --layout dynamic starts no line whose
                             * per-line time limit would pass it, beyond the
                             * lines the task's time was asked for */
    double start_time;      /* when Slurm started it (epoch seconds), 0
                             * unknown: with end_time, whether Slurm gave
                             * the time asked for */
    const char *own_job_id; /* SLURM_JOB_ID, or NULL: asked for the end
                             * time when needed and end_time is 0 */
    int no_bind;            /* lines get all of the task's CPUs and GPUs,
                             * whatever the manifest says (else each slot
                             * its share) */
};

/* 0 when the task(s) ran (see res: every line ok exactly when res->ok ==
 * res->total), -1 with err on an input or system error (bad run directory,
 * a job file copy that does not match the manifest, records unwritable).
 * A requeued task (restart > 0) skips the lines that already ended ok in
 * this attempt; they count in res->ok and res->total. */
int dsq_run_exec(const struct dsq_run_opts *o, struct dsq_pool_result *res, struct dsq_error *err);

#endif
