/* rundir: the run directory, one per planned run:
 *   <status-dir>/<run-id>/manifest.json  what was planned (manifest.h)
 *   <status-dir>/<run-id>/jobfile        the copy the runner reads
 *   <status-dir>/<run-id>/<script>.sh    the batch script as submitted
 *   <status-dir>/<run-id>/status/        the records (record.h)
 *   <status-dir>/<run-id>/attempts/N.lines  the lines rerun by attempt N
 * and how a RUN argument (path, Slurm job id, or nothing) finds one. */
#ifndef DSQ_RUNDIR_H
#define DSQ_RUNDIR_H

#include "error.h"

/* Create a new, empty run directory under status_dir for a job named name:
 * <status_dir>/<name>-<YYYYmmdd-HHMMSS>-<n>, with status/ inside.  *run_dir
 * and *run_id owned. */
int dsq_rundir_create(const char *status_dir, const char *name, char **run_dir, char **run_id,
                      struct dsq_error *err);

/* Resolve RUN: an existing directory holding manifest.json; else a Slurm job
 * id (digits) matched against the job ids of every attempt of the manifests
 * under status_dir; else, when run is NULL, the most recently created run
 * under status_dir.  *run_dir owned.
 * Not found is DSQ_ERR_INPUT saying what was looked at. */
int dsq_rundir_find(const char *status_dir, const char *run, char **run_dir, struct dsq_error *err);

#endif
