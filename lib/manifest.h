/* manifest: <run_dir>/manifest.json, what was planned for a run and for each
 * of its attempts (the run as planned, then reruns), and each rerun's list
 * of lines.  Written by the planner and autopsy, read by the runner, report
 * and autopsy.  Format: dsq-records(5). */
#ifndef DSQ_MANIFEST_H
#define DSQ_MANIFEST_H

#include <stddef.h>

#include "buf.h"
#include "error.h"
#include "jobfile.h"
#include "plan.h"

/* Format 2 added "attempts" (reruns); format 1 manifests are read as one
 * attempt. */
#define DSQ_MANIFEST_FORMAT 2

/* An escalated attempt's array (dsq autopsy --escalate): one array task per
 * line, its tasks listed (not a range) and its lines' resources its own,
 * given to sbatch beside the script's (which are its first array's). */
struct dsq_attempt_array {
    char *indices;                 /* owned: --array's value, "0,2-3,7"
                                      (the plan array's offset not added) */
    struct dsq_resources per_line; /* what each of its lines asks */
};

/* The automatic rerun that follows an attempt (--auto-rerun): a job that
 * Slurm starts once the attempt's arrays are over. */
struct dsq_follow_up {
    char *job_id;       /* owned, NULL when none was submitted */
    unsigned remaining; /* reruns it may still make, itself included */
    double factor;      /* its escalation factor */
};

/* One attempt: attempt 1 is the run as planned, attempt N > 1 a rerun of
 * some of its lines (dsq autopsy --submit / --dry-run) in the same run
 * directory, with the same line numbers.  Its strings, plan and vectors are
 * owned by the manifest it is in. */
struct dsq_attempt {
    unsigned number;      /* 1, 2, ...: its index in attempts + 1 */
    char *created;        /* ISO 8601 local time */
    char *lines_file;     /* "attempts/<N>.lines" relative to the run
                             directory, or NULL: every command line */
    struct dsq_plan plan; /* slices the attempt's own lines */
    struct dsq_resources per_line;
    char *script;               /* file name of its batch script in run_dir */
    char *job_name;             /* Slurm job name */
    char *output;               /* Slurm output pattern, NULL when not known
                                   (format 1) */
    unsigned long max_jobs;     /* array throttle %N, 0 none */
    int dry_run;                /* run here with --dry-run, not submitted */
    struct dsq_strv sbatch;     /* final "#SBATCH" options, "--name[=value]" */
    struct dsq_strv job_ids;    /* Slurm job ids, one per array, once known */
    char *cluster;              /* Slurm's ClusterName the job ids belong to
                                   (recorded with them), or NULL: not known
                                   (older manifests, dry runs) */
    char *submit_error;         /* why sbatch refused (its words), or NULL */
    unsigned retries;           /* tries of a failed line after its first */
    char *retry_on;             /* which failures are retried, canonical
                                   (retry.h), or NULL: any */
    unsigned long max_failures; /* halt after that many failed lines
                                   (halt.h), 0: never */
    /* Owned, NULL but for an escalated attempt whose lines ask different
     * resources: plan.narrays entries, array k's tasks and resources. */
    struct dsq_attempt_array *xarrays;
    struct dsq_follow_up follow_up;
};

/* The resources a line asked for in attempt a when it ran as its array task
 * `task`: its array's (escalated attempts) or a's per_line.  Borrowed. */
const struct dsq_resources *dsq_attempt_task_resources(const struct dsq_attempt *a, size_t task);

/* Whether index is one of the Slurm array indices spec ("0,2-3,7"): 1/0. */
int dsq_array_indices_has(const char *spec, size_t index);

/* Every string and the attempts are owned by the manifest:
 * dsq_manifest_free(). */
struct dsq_manifest {
    int format;    /* DSQ_MANIFEST_FORMAT */
    char *version; /* dsq version that planned it */
    char *run_id;
    char *run_dir; /* absolute */
    char *created; /* ISO 8601 local time */
    char *jobfile; /* absolute path of the user's job file */
    char *sha256;  /* of the copy */
    size_t physical_lines;
    size_t commands; /* command lines of the job file */
    char *job_name;
    char *submit_dir; /* absolute: where lines run */
    char *batch_file; /* where the user's copy was written, or NULL */
    char *shell;
    char *line_output; /* pattern or NULL */
    double kill_grace;
    int no_bind;                  /* slots share the task's CPUs and GPUs (bind.h): "bind" */
    struct dsq_attempt *attempts; /* owned, nattempts >= 1 once read */
    size_t nattempts;
};

/* Append a zeroed attempt numbered nattempts + 1 (borrowed from m; an
 * earlier pointer into attempts may move).  NULL when out of memory. */
struct dsq_attempt *dsq_manifest_add_attempt(struct dsq_manifest *m);

/* Attempt n (1-based), borrowed from m, or NULL when m has no such attempt. */
const struct dsq_attempt *dsq_manifest_attempt(const struct dsq_manifest *m, unsigned n);

/* Frees what m owns and zeroes it; m may be NULL. */
void dsq_manifest_free(struct dsq_manifest *m);

/* Write <run_dir>/manifest.json atomically (write + rename, no symlinks).
 * The top-level plan, script, sbatch, job_ids, ... repeat attempt 1's, as
 * format 1 had them (dsq-records(5)). */
int dsq_manifest_write(const struct dsq_manifest *m, struct dsq_error *err);

/* Read <run_dir>/manifest.json into the caller's m (owned by it afterwards:
 * dsq_manifest_free(); nothing to free on error).  A newer format than this
 * dsq knows, or a malformed manifest, is DSQ_ERR_INPUT naming the file. */
int dsq_manifest_read(const char *run_dir, struct dsq_manifest *m, struct dsq_error *err);

/* Read, change and write the manifest under an exclusive lock of the run
 * directory (flock), so that a rerun being added and job ids being recorded
 * by another dsq never overwrite each other.  fn changes m (borrowed for
 * the call) and returns 0, or -1 with err to write nothing. */
typedef int (*dsq_manifest_update_fn)(struct dsq_manifest *m, void *arg, struct dsq_error *err);
int dsq_manifest_update(const char *run_dir, dsq_manifest_update_fn fn, void *arg,
                        struct dsq_error *err);

/* The physical line numbers of attempt a, ascending: every command line of
 * jf for attempt 1 (lines_file NULL), else read from its lines file and
 * checked against jf (each a command line, ascending, no repeats).  *lines
 * owned (free()).  Errors are DSQ_ERR_INPUT naming the file. */
int dsq_attempt_lines(const char *run_dir, const struct dsq_attempt *a,
                      const struct dsq_jobfile *jf, size_t **lines, size_t *n,
                      struct dsq_error *err);

/* Write <run_dir>/attempts/<number>.lines: the line numbers, one a line.
 * Created exclusively: an existing file (another rerun numbered the same)
 * is DSQ_ERR_INPUT.  *rel set to the relative path (owned, free()). */
int dsq_attempt_lines_write(const char *run_dir, unsigned number, const size_t *lines, size_t n,
                            char **rel, struct dsq_error *err);

#endif
