/* attempt: makes an attempt of a run and sets it going.  Attempt 1 is a new
 * run of a job file (dsq --job-file); attempt N > 1 reruns chosen lines of a
 * run in its own directory (dsq autopsy --submit / --dry-run).  Making one
 * plans it, scales its resources, renders and writes its batch script and
 * files, and records it in the manifest (rundir.h); then it is submitted
 * (slurm.h), run here (run.h), or waited for. */
#ifndef DSQ_ATTEMPT_H
#define DSQ_ATTEMPT_H

#include <stddef.h>

#include "buf.h"
#include "conf.h"
#include "durations.h"
#include "error.h"
#include "plan.h"
#include "pool.h"
#include "rundir.h"
#include "sbatch.h"
#include "slurm.h"

/* A run directory's rerun lock (below). */
struct dsq_attempt_lock;

/* What the caller decided.  Every pointer is borrowed for the call; 0 or
 * NULL means the default named beside it. */
struct dsq_attempt_request {
    const struct dsq_conf *conf; /* defaults, the batch template */

    /* A new run (run_dir NULL): job_file's command lines, in a new run
     * directory under status_dir (NULL: conf's). */
    const char *job_file;
    const char *status_dir;
    /* A rerun (run_dir set): lines[0..nlines) (physical line numbers,
     * ascending) of run_dir as its next attempt.  The lines were chosen from
     * a report of attempts_seen attempts: if another attempt was added
     * since, nothing is made (DSQ_ERR_INPUT). */
    const char *run_dir;
    const size_t *lines;
    size_t nlines;
    size_t attempts_seen;
    /* An escalated rerun's (or NULL): nlines entries, the memory (mem_mib
     * or mem_per_cpu_mib) and time_s each line asks (the rest is the
     * options').  Lines that ask alike share an array; when they do not
     * all, each line is its own array task (one line per task, one at a
     * time), and each array is submitted with its own resources. */
    const struct dsq_resources *line_res;
    /* The rerun lock of run_dir (dsq_attempt_lock()) taken before the lines
     * were chosen, or NULL: made->lock steals it once the attempt is made
     * (the caller's still on failure). */
    struct dsq_attempt_lock *lock;

    /* A new run's names and settings.  Names default to dSQ's: job name
     * dsq-<stem>, output dsq-<stem>-%A_%<digits>a-%N.out, batch file
     * dsq-<stem>-<YYYY-MM-DD>.sh, where <stem> is the job file's base name
     * without its extension.  The batch script goes into the run directory
     * under batch_file's base name.  A rerun ignores these: it takes the
     * job-name and output options of sb, else the previous attempt's names,
     * and calls its script <attempt 1's script without .sh>.a<N>.sh. */
    const char *job_name;
    const char *output;
    const char *batch_file;
    int batch_copy;    /* also write the script at batch_file (the user's
                          copy, recorded in the manifest) */
    const char *shell; /* NULL: conf's */
    const char *line_output;
    double kill_grace; /* < 0: conf's */
    int no_bind;       /* a new run's lines get all of their task's CPUs
                          and GPUs, not their slot's share (bind.h) */

    /* Retries and halting (retry.h, halt.h), kept per attempt.  Unset, a
     * new run takes conf's and a rerun its base attempt's. */
    int have_retries;
    unsigned retries;
    const char *retry_on; /* NULL: unset; "" any failure */
    int have_max_failures;
    unsigned long max_failures; /* 0: never halt */

    /* Planning.  sb holds the sbatch options given, resources per line,
     * which are scaled to the array task's request.  A new run adds
     * signal=B:USR1@<conf's signal-lead> unless sb has a signal.  A rerun
     * builds on the latest attempt that was submitted or ran (not one that
     * sbatch refused outright): it keeps that attempt's options less those
     * named in no_inherit (long names) and those each option of sb replaces
     * (dsq_sbopts_replace()), then sb's; and its parallel, layout and
     * max_jobs by default. */
    const struct dsq_sbopts *sb;
    /* A rerun's: NULL, or the long names of its base's options to drop. */
    const struct dsq_strv *no_inherit;
    size_t lines_per_task;  /* 0: choose */
    size_t tasks;           /* 0: choose */
    size_t max_array_tasks; /* 0: conf's */
    unsigned parallel;      /* 0: 1 (dry run: CPUs here / CPUs per line) */
    int have_layout;        /* else conf's layout */
    enum dsq_layout layout;
    unsigned long max_jobs; /* array throttle, 0: none */
    /* A new run's measured durations (durations.h), or NULL: they must be
     * of a job file with as many command lines (else DSQ_ERR_INPUT naming
     * their run; one with other content is warned of).  They order the
     * plan (plan.h), and unless lines_per_task or tasks is given, set
     * lines per task for tasks of about conf's task_time. */
    const struct dsq_durations *durations;
    int dry_run; /* to be run here: Slurm's array limits are
                    not asked and nothing is submitted */
    int preview; /* a new run's: plan and render its script
                    (made->script), checked as for a real one,
                    but make nothing: made->run_dir is the
                    directory the script names, which does not
                    exist */
};

/* One sbatch call of an attempt's submission: `sbatch --array=ARRAY
 * SCRIPT --offset OFFSET`, one per array of its plan. */
struct dsq_attempt_call {
    char array[64]; /* --array's value: dsq_slurm_array_spec()'s */
    size_t offset;  /* the batch script's --offset: its array's first task */
};

/* What was made. */
struct dsq_attempt_made {
    char *run_dir;      /* owned: absolute */
    unsigned number;    /* 1 for a new run */
    size_t tasks;       /* array tasks of its plan */
    size_t narrays;     /* arrays they are split into */
    unsigned slots;     /* lines at once per task (dry run: in the pool,
                           the parallel asked for, else the plan's) */
    char *script;       /* owned: the batch script as written */
    char *batch_file;   /* owned, a new run's: batch_file or dSQ's name */
    int lines_to_files; /* the run's lines write to their own files
                           (line_output), never to the caller's terminal */

    /* Owned: req->lock, held until dsq_attempt_made_unlock() or _free(). */
    struct dsq_attempt_lock *lock;
    /* Owned, a new run's (else NULL): narrays of them, the sbatch calls that
     * submit every task, in the order dsq_attempt_submit() makes them. */
    struct dsq_attempt_call *calls;
};

/* The job name of a new run of job_file (borrowed, as in the request):
 * given, else dSQ's dsq-<stem>.  It is a Slurm job name and the start of
 * the run directory's name, so it must be one file name: not empty, "." or
 * "..", without '/' or a control character, at most
 * DSQ_RUNDIR_JOB_NAME_MAX bytes.  *name owned (free()).  A bad name is
 * DSQ_ERR_INPUT quoting it (control characters escaped), saying when it
 * came from the job file's name. */
int dsq_attempt_job_name(const char *job_file, const char *given, char **name,
                         struct dsq_error *err);

/* Make the attempt that req asks for and fill *made (owned: free with
 * dsq_attempt_made_free(), which takes NULL).  Slurm's array limits are
 * asked before planning unless req->dry_run.  A new run is checked whole
 * (job file, plan, job name, batch file, status directory, template) and
 * its script rendered before anything is made.  The batch file must not be
 * a file dsq reads (the job file, a configuration file, the template:
 * compared by device and inode), nor take a name the run directory keeps
 * for itself.  On error nothing of it stays: a new run's directory and the
 * status directories made for it are removed (its batch file is written
 * last), a rerun's script and lines file unlinked and its manifest left as
 * it was.  Errors are DSQ_ERR_INPUT for what the user gave (an empty job
 * file, a plan that cannot be, a bad name), else DSQ_ERR_SYSTEM. */
int dsq_attempt_make(const struct dsq_attempt_request *req, struct dsq_attempt_made *made,
                     struct dsq_error *err);
/* Release made->lock, if any, and forget it: once a rerun is submitted,
 * Slurm's queue says its lines are pending. */
void dsq_attempt_made_unlock(struct dsq_attempt_made *made);
/* Frees what made owns (releasing its lock) and zeroes it; made may be NULL. */
void dsq_attempt_made_free(struct dsq_attempt_made *made);

/* One rerun of a run at a time.  A rerun's lines are chosen from a report
 * read before its attempt is in the manifest, and until they have records
 * (run here) or Slurm lists them (submitted) a report shows them as they
 * were: a second rerun meanwhile would choose them again.  So a rerun holds
 * its run directory's rerun lock (flock on rundir's rerun.lock) from before
 * it reads the report until its attempt is submitted, or has run here.
 *
 * Take run_dir's rerun lock, never waiting.  *lock owned: release with
 * dsq_attempt_unlock() (NULL is a no-op); the process ending releases it
 * too, and no child it starts keeps it.  Held by another process:
 * DSQ_ERR_INPUT naming run_dir and, as far as it wrote them, the holder's
 * process id and host. */
int dsq_attempt_lock(const char *run_dir, struct dsq_attempt_lock **lock, struct dsq_error *err);
void dsq_attempt_unlock(struct dsq_attempt_lock *lock);

/* Where submission's output goes as it happens (each may be NULL). */
struct dsq_attempt_io {
    /* Each job id (borrowed for the call), once the manifest records it. */
    void (*job_id)(const char *job_id, void *arg);
    /* sbatch's stderr, verbatim, as it comes. */
    dsq_slurm_stderr_fn sbatch_stderr;
    void *arg;
};

/* Submit attempt `number` of run_dir: sbatch once per array of its plan,
 * each job id recorded in the manifest as soon as Slurm returns it.  -1
 * with err on failure; *refused says whether it was sbatch's (it could not
 * be started, failed, or printed no job id: the manifest records its words
 * and the run directory stays, marked), else the manifest could not be
 * read or written, or names no script.  *submitted counts the arrays that
 * went through before. */
int dsq_attempt_submit(const char *run_dir, unsigned number, const struct dsq_attempt_io *io,
                       size_t *submitted, int *refused, struct dsq_error *err);

/* Until Slurm has no pending or running task of attempt `number` of
 * run_dir (polled with a growing delay, up to 5 s).  0 once none is left;
 * -1 with err when the manifest cannot be read; -2 with err (Slurm's
 * reason) when Slurm could not be asked 20 times in a row. */
int dsq_attempt_wait(const char *run_dir, unsigned number, struct dsq_error *err);

/* Run every line of attempt `number` of run_dir here, slots at once (0: its
 * plan's), recording each as its array task would; progress (may be NULL)
 * as run.h says.  0 when they ran (the records say how; *stop_signal the
 * SIGTERM, SIGINT or SIGHUP that stopped them, else 0), -1 with err. */
int dsq_attempt_dry_run(const char *run_dir, unsigned number, unsigned slots,
                        dsq_pool_progress_fn progress, void *progress_arg, int *stop_signal,
                        struct dsq_error *err);

#endif
