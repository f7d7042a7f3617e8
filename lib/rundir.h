/* rundir: the run directory, one per planned run:
 *   <status-dir>/<run-id>/manifest.json  what was planned (this struct)
 *   <status-dir>/<run-id>/jobfile        the copy the runner reads
 *   <status-dir>/<run-id>/<script>.sh    the batch script as submitted
 *   <status-dir>/<run-id>/status/        the records (record.h)
 * and how a RUN argument (path, Slurm job id, or nothing) finds one. */
#ifndef DSQ_RUNDIR_H
#define DSQ_RUNDIR_H

#include <stddef.h>

#include "error.h"
#include "plan.h"
#include "util.h"

#define DSQ_MANIFEST_FORMAT 1

struct dsq_manifest {
    int format;               /* DSQ_MANIFEST_FORMAT */
    char *version;            /* dsq version that planned it */
    char *run_id;
    char *run_dir;            /* absolute */
    char *created;            /* ISO 8601 local time */
    char *jobfile;            /* absolute path of the user's job file */
    char *sha256;             /* of the copy */
    size_t physical_lines;
    char *job_name;
    char *submit_dir;         /* absolute: where lines run */
    char *script;             /* file name of the batch script in run_dir */
    char *batch_file;         /* where the user's copy was written, or NULL */
    char *shell;
    char *line_output;        /* pattern or NULL */
    double kill_grace;
    int dry_run;              /* planned for --dry-run */
    struct dsq_plan plan;
    struct dsq_resources per_line;
    struct dsq_strv sbatch;   /* final "#SBATCH" options, "--name[=value]" */
    struct dsq_strv job_ids;  /* Slurm job ids, one per array, once known */
    char *submit_error;       /* why sbatch refused (its words), or NULL */
};

void dsq_manifest_free(struct dsq_manifest *m);

/* Write <run_dir>/manifest.json atomically (write + rename, no symlinks). */
int dsq_manifest_write(const struct dsq_manifest *m, struct dsq_error *err);

/* Read <run_dir>/manifest.json.  A newer format than this dsq knows, or a
 * malformed manifest, is DSQ_ERR_INPUT naming the file. */
int dsq_manifest_read(const char *run_dir, struct dsq_manifest *m, struct dsq_error *err);

/* Create a new, empty run directory under status_dir for a job named name:
 * <status_dir>/<name>-<YYYYmmdd-HHMMSS>-<n>, with status/ inside.  *run_dir
 * and *run_id owned. */
int dsq_rundir_create(const char *status_dir, const char *name, char **run_dir, char **run_id,
                      struct dsq_error *err);

/* Resolve RUN: an existing directory holding manifest.json; else a Slurm job
 * id (digits) matched against the manifests under status_dir; else, when run
 * is NULL, the most recently created run under status_dir.  *run_dir owned.
 * Not found is DSQ_ERR_INPUT saying what was looked at. */
int dsq_rundir_find(const char *status_dir, const char *run, char **run_dir,
                    struct dsq_error *err);

#endif
