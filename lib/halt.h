/* halt: array-wide fail-fast (dsq --max-failures N).  Every runner of an
 * attempt, on every node, shares one directory of the run: a line whose last
 * try failed takes the next free failure number k with an exclusive create
 * of <run>/halt/<attempt>/<k> (O_CREAT|O_EXCL, atomic on NFSv3 and later)
 * holding its line number, and a runner about to start a line looks for
 * marker N only.  So a line costs one stat(), a failure about one create,
 * and no server or lock is involved.  Once marker N exists the attempt is
 * halted: no runner starts another line; what never started is not_run,
 * cause halted (report.h). */
#ifndef DSQ_HALT_H
#define DSQ_HALT_H

#include <stddef.h>

#include "error.h"

struct dsq_halt;

/* A runner's view of attempt `attempt` of run_dir (borrowed for the call),
 * halting after max_failures (>= 1) failed lines.  Owned:
 * dsq_halt_destroy(), which takes NULL.  NULL only when out of memory. */
struct dsq_halt *dsq_halt_create(const char *run_dir, unsigned attempt, unsigned long max_failures);
void dsq_halt_destroy(struct dsq_halt *h);

/* Whether the attempt is halted (marker N exists); once it is, the answer
 * is remembered. */
int dsq_halt_reached(struct dsq_halt *h);

/* A line (its physical number) failed for good: take the next free marker,
 * unless N are taken already.  -1 with err (DSQ_ERR_SYSTEM, naming the
 * path) when the marker cannot be made. */
int dsq_halt_failed(struct dsq_halt *h, size_t line, struct dsq_error *err);

/* For report: whether attempt `attempt` of run_dir halted after
 * max_failures failures (0: it cannot halt), and the lines of its N
 * markers in marker order into *lines (owned, free(); a marker not yet
 * written is 0), *n of them.  0 with *n = 0 when it did not halt; -1 only
 * when out of memory. */
int dsq_halt_read(const char *run_dir, unsigned attempt, unsigned long max_failures, size_t **lines,
                  size_t *n);

#endif
