/* autopsy: the lines to run again.  From a dsq run (report's merged view) or
 * from dSQ's own job_<id>_status.tsv with its job file, so dSQ users can
 * migrate mid-project.  Output is a new job file: the original command bytes,
 * in job-file order, one per line. */
#ifndef DSQ_AUTOPSY_H
#define DSQ_AUTOPSY_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "record.h"
#include "report.h"

/* A set of states as a bit mask (1u << state). */
#define DSQ_AUTOPSY_DEFAULT_STATES                                                                 \
    ((1u << DSQ_ST_FAILED) | (1u << DSQ_ST_SIGNALED) | (1u << DSQ_ST_INTERRUPTED) |                \
     (1u << DSQ_ST_LOST) | (1u << DSQ_ST_NOT_RUN))

/* Parse "failed,lost,..." (state names, or "all") into a mask; errors
 * (DSQ_ERR_INPUT) name the bad state. */
int dsq_autopsy_parse_states(const char *s, unsigned *mask, struct dsq_error *err);

/* Write the command of every line whose state is in mask to out (borrowed),
 * byte-exact plus "\n".  *count set to how many. */
int dsq_autopsy_write(const struct dsq_report *r, unsigned mask, FILE *out, size_t *count);

/* The physical line numbers of every line whose state is in mask, in
 * job-file order (what dsq_autopsy_write() prints): the lines of a rerun.
 * *lines owned (free()), NULL when *n is 0.  -1 when out of memory. */
int dsq_autopsy_select(const struct dsq_report *r, unsigned mask, size_t **lines, size_t *n);

/* The stderr summary in dSQ's style: "N succeeded, N failed, N didn't run"
 * then ", N <state>" for the other states that occur (signaled,
 * interrupted, lost, pending, running); no newline.  Owned (free()), NULL
 * when out of memory. */
char *dsq_autopsy_summary(const size_t counts[DSQ_ST__COUNT]);

/* dSQ import: read dSQ's status TSV (0-based index, exit, host, start, end,
 * elapsed, command; no header; completion order; the last row of an index
 * wins) against its job file, numbered by dSQ's rule (a line is skipped when
 * its first byte is '#' or it is blank; index = 0-based physical line).
 * Writes the lines to run again (no row, or last exit != 0) to out, byte-exact
 * without their "\n" or "\r\n", each plus "\n", in job-file order, and fills
 * counts: ok (exit 0), failed (exit > 0), signaled (exit -N: killed by signal
 * N), not_run (no row).  A malformed row, or an index that is not a command
 * line, is a dsq_warn() naming file:row, not an error.  Errors (unreadable
 * files, DSQ_ERR_INPUT; cannot write, DSQ_ERR_SYSTEM) name the file. */
int dsq_autopsy_dsq_tsv(const char *jobfile, const char *tsv, FILE *out,
                        size_t counts[DSQ_ST__COUNT], struct dsq_error *err);

#endif
