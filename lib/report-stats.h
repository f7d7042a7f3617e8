/* report-stats: the numbers of a merged report (report.h): wall-time
 * statistics, CPU and memory, the slowest lines, failures grouped by cause,
 * and packing advice as numbers.  report-print.h writes them; the words
 * that name command-line flags are the caller's (cmd/). */
#ifndef DSQ_REPORT_STATS_H
#define DSQ_REPORT_STATS_H

#include <stddef.h>

#include "report.h"

#define DSQ_REPORT_SLOWEST 5

/* The lines that did not end ok (and will not: pending and running lines
 * are not in any), grouped by cause, then code, then state: groups of equal
 * size are listed in that order. */
struct dsq_report_group {
    enum dsq_cause cause;
    int code; /* DSQ_CAUSE_EXIT: the exit status; DSQ_CAUSE_SIGNAL: the
                 signal; else dsq_report_slurm_code() of the lines' Slurm
                 state, 0 without one */
    enum dsq_state state;
    size_t count;
    size_t first; /* its lines: failed[first .. first + count) */
};

/* When array tasks of the plan last only a few minutes, scheduling overhead
 * dominates: the lines per task that make them last about 10 minutes. */
struct dsq_report_advice {
    double median;         /* seconds, the median successful line */
    size_t lines_per_task; /* suggested; tasks 1: every line in one task */
    size_t tasks;          /* array tasks that makes */
    double task_seconds;   /* about how long each lasts */
    unsigned parallel;     /* lines at once in a task, as estimated */
};

struct dsq_report_stats {
    size_t finished; /* lines measured (dsq_report_finished()) */
    /* With finished > 0: wall seconds, CPU seconds, the largest peak memory
     * (and the index of its line). */
    double min, median, p95, max;
    double cpu;
    long maxrss_kb;
    size_t maxrss_idx;
    double cpu_eff; /* CPU time / (wall time x CPUs per line), if have_eff */
    int have_eff;
    size_t slowest[DSQ_REPORT_SLOWEST]; /* line indices, longest first */
    size_t nslowest;
    size_t *failed; /* owned: line indices of the failures (not_run lines
                       too), by group, each group in file order */
    size_t nfailed;
    struct dsq_report_group *groups; /* owned: largest first */
    size_t ngroups;
    struct dsq_report_advice advice; /* if have_advice */
    int have_advice;
};

/* Fill s from r (borrowed for the call).  -1 only when out of memory, with
 * nothing to free; else s's arrays are owned: dsq_report_stats_free(). */
int dsq_report_stats_make(const struct dsq_report *r, struct dsq_report_stats *s);
void dsq_report_stats_free(struct dsq_report_stats *s);

#endif
