/* followup: the job that reruns an attempt automatically once it is over
 * (--auto-rerun).  No daemon: a small batch script in the run directory,
 * submitted through slurm.h with a dependency (afterany) on the attempt's
 * arrays, runs the command it is given (an escalating rerun of the run,
 * with one rerun fewer to go).  It carries the attempt's job name, so
 * cancelling the run's jobs by name cancels it too; cancelling only the
 * arrays leaves their lines cancelled, and the command it runs then does
 * nothing (escalate.h's DSQ_FOLLOW_CANCELLED). */
#ifndef DSQ_FOLLOWUP_H
#define DSQ_FOLLOWUP_H

#include <stddef.h>

#include "buf.h"
#include "error.h"

/* Write <run_dir>/attempts/<number>.follow-up.sh, which runs argv
 * (borrowed, NULL-terminated, argv[0] a path; each word shell-quoted), and
 * submit it to start once every array of attempt `number` is over, as the
 * attempt's job name, in its partition, account and qos, output to
 * attempts/<number>.follow-up.out.  Records the job id, remaining and
 * factor as the attempt's follow_up in the manifest.  job_id (n bytes) the
 * job id.  An attempt without job ids is DSQ_ERR_INPUT; sbatch refusing is
 * DSQ_ERR_SYSTEM with its words. */
int dsq_followup_submit(const char *run_dir, unsigned number, char *const *argv, unsigned remaining,
                        double factor, char *job_id, size_t n, struct dsq_error *err);

#endif
