/* slurm: the scheduler seam.  Everything dsq asks Slurm goes through here so
 * that the rest of dsq runs (and is tested) without a cluster.  Built without
 * libslurm, or when Slurm cannot be asked, the functions say "unknown" and
 * callers fall back (MaxArraySize 1001, states from records alone). */
#ifndef DSQ_SLURM_H
#define DSQ_SLURM_H

#include <stddef.h>

#include "error.h"

/* Slurm's MaxArraySize and SchedulerParameters max_array_tasks.  0 and both
 * set when the controller answered (max_tasks 0 = no limit); -1 when Slurm
 * cannot be asked (err says why).  Honours SLURM_CONF. */
int dsq_slurm_array_limits(size_t *max_array_size, size_t *max_tasks, struct dsq_error *err);

enum dsq_qstate {
    DSQ_Q_UNKNOWN = 0, /* Slurm cannot be asked, or does not know the job */
    DSQ_Q_PENDING,
    DSQ_Q_RUNNING,
    DSQ_Q_DONE, /* over: completed, failed, cancelled, timeout, ... */
};

struct dsq_slurm_task {
    size_t index; /* array index within that job */
    enum dsq_qstate state;
    char slurm_state[32]; /* Slurm's name, e.g. "TIMEOUT", or "" */
};

/* The array tasks of job_id as Slurm knows them (pending ranges expanded,
 * a task being requeued counts as pending).  *tasks owned (free()).  0 with
 * *n == 0 when Slurm answered but no longer knows the job (it is over); -1
 * when Slurm cannot be asked.  Asked in a child process with a time limit,
 * so that libslurm's fatal() on a machine without Slurm configuration never
 * takes dsq down. */
int dsq_slurm_job_tasks(const char *job_id, struct dsq_slurm_task **tasks, size_t *n,
                        struct dsq_error *err);

#endif
