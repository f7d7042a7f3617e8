/* slurm: the scheduler seam.  Everything dsq asks of Slurm goes through
 * here: sbatch for submitting an attempt, libslurm for the array limits and
 * the queue state of jobs; so the rest of dsq runs (and is tested) without a
 * cluster.  Built without libslurm, or when Slurm cannot be asked, the
 * questions say "unknown" and callers fall back (MaxArraySize 1001, states
 * from records alone). */
#ifndef DSQ_SLURM_H
#define DSQ_SLURM_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "error.h"

/* Slurm's MaxArraySize and SchedulerParameters max_array_tasks.  0 and both
 * set when the controller answered (max_tasks 0 = no limit); -1 when Slurm
 * cannot be asked (err says why).  Honours SLURM_CONF. */
int dsq_slurm_array_limits(size_t *max_array_size, size_t *max_tasks, struct dsq_error *err);

/* The array job ids of this user's jobs whose batch script is one of
 * paths[0..n) (absolute, borrowed): a run's script submitted by hand.
 * Appended to ids (not repeated); 0 when Slurm answered (none found
 * included), -1 when it cannot be asked. */
int dsq_slurm_jobs_of_script(const char *const *paths, size_t n, struct dsq_strv *ids,
                             struct dsq_error *err);

/* The batch script Slurm ran or will run for job_id: *path owned, NULL when
 * Slurm does not know the job.  -1 when Slurm cannot be asked. */
int dsq_slurm_job_script(const char *job_id, char **path, struct dsq_error *err);

/* When job job_id (one array task's own SLURM_JOB_ID) reaches its time
 * limit, and when it started: *end and *start in epoch seconds, 0 when it
 * has no limit or Slurm does not know the job.  -1 when Slurm cannot be
 * asked. */
int dsq_slurm_job_end_time(const char *job_id, double *end, double *start, struct dsq_error *err);

/* Cancel the array tasks of job_id that are still pending (scancel
 * --state=PENDING), but never those with keep[index] set (index < nkeep),
 * those held (priority 0), nor those being or once requeued (restart count
 * above 0): a requeued task may own work it must finish.  *cancelled
 * (owned, free()) the indices cancelled, sorted, *n how many (0: none
 * pending).  -1 when Slurm cannot be asked or refuses (err says why). */
int dsq_slurm_cancel_pending(const char *job_id, const unsigned char *keep, size_t nkeep,
                             size_t **cancelled, size_t *n, struct dsq_error *err);

/* Whether this machine is set up to ask Slurm (SLURM_CONF, or the default
 * configuration file): 1 or 0.  When it is, Slurm not answering is worth a
 * word to the user; on a laptop it is what is expected. */
int dsq_slurm_configured(void);

/* Where libslurm reads its configuration when SLURM_CONF is not set. */
#define DSQ_SLURM_DEFAULT_CONF "/etc/slurm/slurm.conf"

enum dsq_qstate {
    DSQ_Q_UNKNOWN = 0, /* Slurm cannot be asked, or does not know the job */
    DSQ_Q_PENDING,
    DSQ_Q_RUNNING,
    DSQ_Q_DONE, /* over: completed, failed, cancelled, timeout, ... */
};

/* Who answered for a job's tasks. */
enum dsq_qsource {
    DSQ_QSRC_NONE = 0, /* nobody: Slurm cannot be asked, or it no longer
                          knows the job and keeps no accounting */
    DSQ_QSRC_CTLD,     /* slurmctld, which knows the job (MinJobAge after
                          its end at most) */
    DSQ_QSRC_ACCT,     /* the accounting database (slurmdbd), asked once
                          slurmctld no longer knows the job */
};

struct dsq_slurm_task {
    size_t index; /* array index within that job */
    enum dsq_qstate state;
    char slurm_state[32];    /* Slurm's name of the task's state: once it is
                                over, its end state (COMPLETED, FAILED,
                                TIMEOUT, CANCELLED, OUT_OF_MEMORY,
                                NODE_FAIL, PREEMPTED, BOOT_FAIL, DEADLINE),
                                the same from either source; "" unknown */
    enum dsq_qsource source; /* who said so */
    int exit_status;         /* once over: the wait status Slurm recorded
                                for the task's batch script (WIFEXITED ...);
                                -1 unknown (a task that never started) */
};

/* The array tasks of job_id as Slurm knows them (pending ranges expanded,
 * a task being requeued counts as pending): asked of slurmctld, and when it
 * no longer knows the job (it is over, MinJobAge), of the accounting
 * database for cluster (the run's, recorded at submission; NULL or "":
 * this configuration's ClusterName), where a job's never-started tasks are
 * over too.  A job slurmctld has forgotten is over: a task the database
 * still holds pending or running is DSQ_Q_DONE with slurm_state "".
 * *tasks owned (free()); *source (may be NULL) who answered.
 * 0 with *n > 0: the tasks.  1 with *n == 0: Slurm no longer knows the job,
 * *source DSQ_QSRC_ACCT when the accounting database was asked too and has
 * no record of it, DSQ_QSRC_NONE when there is no accounting database.
 * -1 when Slurm cannot be asked (err says why; also when slurmdbd does not
 * answer).  Asked in a child process with a time limit, so that libslurm's
 * fatal() on a machine without Slurm configuration never takes dsq down. */
int dsq_slurm_job_tasks(const char *job_id, const char *cluster, struct dsq_slurm_task **tasks,
                        size_t *n, enum dsq_qsource *source, struct dsq_error *err);

/* This configuration's ClusterName into name (n bytes; "" when Slurm has
 * none or it does not fit): 0, or -1 when Slurm cannot be asked. */
int dsq_slurm_cluster(char *name, size_t n, struct dsq_error *err);

/* Whether Slurm still has a pending or running task of any of the n jobs
 * (job_ids borrowed): 1 yes, 0 no (also when n is 0), -1 when Slurm cannot
 * be asked about one of them (err says why).  Stops asking at the first
 * busy one. */
int dsq_slurm_jobs_busy(char *const *job_ids, size_t n, struct dsq_error *err);

/* Append an array of count tasks at most max_jobs at once (0: no throttle)
 * to b in Slurm's syntax, "0-<count-1>[%<max_jobs>]": the batch script's
 * and sbatch's --array.  -1 when out of memory. */
int dsq_slurm_array_spec(struct dsq_buf *b, size_t count, unsigned long max_jobs);

/* What a child's stderr is handed to as it comes: n bytes of buf
 * (borrowed for the call), verbatim. */
typedef void (*dsq_slurm_stderr_fn)(const char *buf, size_t n, void *arg);

/* Submit script as a job array: `sbatch --parsable --array=ARRAY EXTRA...
 * SCRIPT --offset OFFSET` (the offset is the batch script's argument; extra,
 * NULL or "--name=value" options that override the script's).  sbatch's
 * stderr goes to on_stderr (NULL: dropped) as it comes and is appended to
 * words (the caller's, kept to about 4 KiB: what the manifest records when
 * sbatch refuses).  0 with job_id (n bytes) the job id; -1 with err when no
 * child can be started, or sbatch fails or prints no job id (then words is
 * not empty: sbatch's message, or what went wrong).  No time limit: sbatch
 * waits for a busy controller itself. */
int dsq_slurm_sbatch(const char *script, const char *array, const struct dsq_strv *extra,
                     size_t offset, dsq_slurm_stderr_fn on_stderr, void *arg, struct dsq_buf *words,
                     char *job_id, size_t n, struct dsq_error *err);

/* Submit script as one job: `sbatch --parsable OPTS... SCRIPT`, otherwise
 * as dsq_slurm_sbatch() (stderr only into words). */
int dsq_slurm_sbatch_job(const struct dsq_strv *opts, const char *script, struct dsq_buf *words,
                         char *job_id, size_t n, struct dsq_error *err);

/* A partition's limits on what one job may ask. */
struct dsq_slurm_partition {
    int known;            /* Slurm answered */
    char name[64];        /* its name (the default one's too), "" unknown */
    uint64_t max_mem_mib; /* MaxMemPerNode (or per CPU), 0: none */
    int mem_per_cpu;      /* max_mem_mib is MaxMemPerCPU */
    long max_time_s;      /* MaxTime, -1: none */
};

/* The limits of partition (NULL: the default partition), asked in the
 * time-limited child: 0 with *lim filled, -1 (lim->known 0) when Slurm
 * cannot be asked or has no such partition. */
int dsq_slurm_partition_limits(const char *partition, struct dsq_slurm_partition *lim,
                               struct dsq_error *err);

#endif
