/* escalate: the plan of an escalating rerun (dsq autopsy --escalate) and
 * whether an automatic rerun has anything to gain.  From a report's lines
 * and the partition's limits (slurm.h), each chosen line's next resources:
 * memory raised for the lines that ran out of it, time for the lines that
 * hit their limit, the others as they were; attempt.h makes the attempt. */
#ifndef DSQ_ESCALATE_H
#define DSQ_ESCALATE_H

#include <stddef.h>

#include "error.h"
#include "plan.h"
#include "report.h"
#include "slurm.h"

enum dsq_escalate_what {
    DSQ_ESC_SAME = 0,  /* rerun as it was */
    DSQ_ESC_RAISED,    /* rerun with factor times the memory or time */
    DSQ_ESC_CAPPED,    /* rerun with more, up to the partition's limit */
    DSQ_ESC_AT_CAP,    /* already at the partition's limit: not rerun */
    DSQ_ESC_NOT_ASKED, /* out of memory or time without asking for any
                          (nothing to multiply): not rerun */
};

struct dsq_escalate_line {
    size_t line; /* physical line */
    enum dsq_cause cause;
    enum dsq_escalate_what what;
    struct dsq_resources was;  /* what it asked when it last ran */
    struct dsq_resources asks; /* what its rerun asks */
};

struct dsq_escalation {
    struct dsq_escalate_line *v; /* owned: one per chosen line */
    size_t n;
    /* The rerun: the lines (physical, ascending) and what each asks. */
    size_t *lines;             /* owned */
    struct dsq_resources *res; /* owned */
    size_t nlines;
};

/* Plan the escalating rerun of lines[0..n) (physical, ascending) of r by
 * factor (> 1), within cap (its known 0: no cap).  Fills *e (owned:
 * dsq_escalation_free()).  -1 when out of memory. */
int dsq_escalate_plan(const struct dsq_report *r, const size_t *lines, size_t n, double factor,
                      const struct dsq_slurm_partition *cap, struct dsq_escalation *e);
void dsq_escalation_free(struct dsq_escalation *e);

/* The partition an attempt asked for (its "--partition=NAME" option),
 * borrowed from a, or NULL (the default partition). */
const char *dsq_escalate_partition(const struct dsq_attempt *a);

/* What an automatic rerun after attempt `number` of r does. */
enum dsq_follow_verdict {
    DSQ_FOLLOW_RERUN = 0,  /* rerun e's lines */
    DSQ_FOLLOW_ALL_OK,     /* every line ok: nothing to do */
    DSQ_FOLLOW_NO_GAIN,    /* only exit failures (the program's), or lines
                              at the cap: a rerun would end alike */
    DSQ_FOLLOW_CANCELLED,  /* a line of the attempt was cancelled: the user
                              stopped the run, and the chain with it */
    DSQ_FOLLOW_SUPERSEDED, /* another attempt was made since */
};
enum dsq_follow_verdict dsq_escalate_follow(const struct dsq_report *r, unsigned number,
                                            const struct dsq_escalation *e);

#endif
