/* autopsy: the lines to run again.  From a dsq run (report's merged view) or
 * from dSQ's own job_<id>_status.tsv with its job file, so dSQ users can
 * migrate mid-project.  Output is a new job file: the original command bytes,
 * in job-file order, one per line. */
#ifndef DSQ_AUTOPSY_H
#define DSQ_AUTOPSY_H

#include <stdio.h>
#include <stddef.h>

#include "error.h"
#include "record.h"
#include "report.h"

/* A set of states as a bit mask (1u << state). */
#define DSQ_AUTOPSY_DEFAULT_STATES                                                    \
    ((1u << DSQ_ST_FAILED) | (1u << DSQ_ST_SIGNALED) | (1u << DSQ_ST_INTERRUPTED) |   \
     (1u << DSQ_ST_LOST) | (1u << DSQ_ST_NOT_RUN))

/* Parse "failed,lost,..." into a mask; errors name the bad state. */
int dsq_autopsy_parse_states(const char *s, unsigned *mask, struct dsq_error *err);

/* Write the command of every line whose state is in mask to out, byte-exact
 * plus "\n".  *count set to how many. */
int dsq_autopsy_write(const struct dsq_report *r, unsigned mask, FILE *out, size_t *count);

/* The stderr summary in dSQ's style: "N succeeded, N failed, N didn't run"
 * then the other states that occur.  Into *out (owned). */
char *dsq_autopsy_summary(const size_t counts[DSQ_ST__COUNT]);

/* dSQ import: read dSQ's status TSV (0-based index, exit, host, start, end,
 * elapsed, command; no header; completion order; the last row of an index
 * wins) against its job file.  Writes the lines to run again (no row, or last
 * exit != 0) to out, and fills counts (ok / failed / not_run). */
int dsq_autopsy_dsq_tsv(const char *jobfile, const char *tsv, FILE *out,
                        size_t counts[DSQ_ST__COUNT], struct dsq_error *err);

#endif
