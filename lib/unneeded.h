/* unneeded: the array tasks a dynamic attempt no longer needs.  Once every
 * line of the attempt is claimed (claim.h), the first runner of an array to
 * find nothing left cancels that array's tasks that are still pending and
 * own no claim (dsq_slurm_cancel_pending()), so that they do not trickle
 * through the scheduler only to end at once; it notes them in
 * claims/aN/unneeded.<job id>, one array task (after the offset) a line,
 * which report reads to call those tasks unneeded, not their lines
 * cancelled. */
#ifndef DSQ_UNNEEDED_H
#define DSQ_UNNEEDED_H

#include <stddef.h>

#include "error.h"

/* For the runner of array job job_id (offset: dsq's offset of its tasks)
 * of attempt in run_dir (ntasks tasks), when every position of the attempt
 * is claimed: cancel the array's pending tasks that own no claim, once per
 * array (the first runner to get here; the others return at once).
 * *ncancelled (may be NULL) how many this call cancelled.  0, or -1 when the
 * run directory or Slurm failed (err says why; the tasks then start and end
 * at once, as without this). */
int dsq_unneeded_cancel(const char *run_dir, unsigned attempt, size_t ntasks, const char *job_id,
                        size_t offset, size_t *ncancelled, struct dsq_error *err);

/* The tasks of attempt in run_dir noted unneeded: unneeded[task] = 1 for
 * task < ntasks (the caller's, zeroed), *n (may be NULL) how many.  No note
 * is none.  -1 when a note cannot be read. */
int dsq_unneeded_read(const char *run_dir, unsigned attempt, unsigned char *unneeded, size_t ntasks,
                      size_t *n, struct dsq_error *err);

#endif
