/* report-stats: the numbers of a merged report (report.h): wall-time
 * statistics, CPU and memory, the slowest lines, failures grouped by cause,
 * and packing advice as numbers.  report-print.h writes them; the words
 * that name command-line flags are the caller's (cmd/). */
#ifndef DSQ_REPORT_STATS_H
#define DSQ_REPORT_STATS_H

#include <stddef.h>
#include <stdint.h>

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

/* What each line asked for, what the lines used, and what to ask for next
 * time, per line (dsq(1) documents the headroom rules).  What was asked is
 * the most a line asked in the attempt that last ran it (attempt 1's
 * request, unless a rerun asked more: --escalate), at least attempt 1's. */
struct dsq_report_mem {
    uint64_t asked_mib;       /* --mem, or --mem-per-cpu x CPUs; 0 not asked */
    long max_kb, p95_kb;      /* peak memory of the finished lines */
    uint64_t suggest_mib;     /* the max with headroom, rounded; 0 none */
    size_t oom;               /* lines whose cause is out_of_memory */
    uint64_t oom_at_mib;      /* the most they asked (their attempts'), 0 not
                                 asked */
    uint64_t oom_suggest_mib; /* twice that (or twice their peak), rounded;
                                 0 none */
};

struct dsq_report_time {
    long asked_s;           /* -t, -1 not asked */
    double max, p95;        /* wall seconds of the lines that ended by
                               themselves (ok, failed, signaled) */
    long suggest_s;         /* the max with headroom, rounded; 0 none */
    size_t limited;         /* lines whose cause is time_limit and that
                               started (interrupted, lost) */
    long limited_suggest_s; /* twice what was asked, rounded; 0 none */
};

struct dsq_report_cpus {
    unsigned asked;   /* -c, 0 not asked (one CPU) */
    double max, p95;  /* CPUs kept busy (CPU time / wall time) by the lines
                         that ended by themselves and ran 1 s or more */
    size_t measured;  /* those lines */
    unsigned suggest; /* 0 none (nothing measured) */
};

struct dsq_report_resources {
    struct dsq_report_mem mem;
    struct dsq_report_time time;
    struct dsq_report_cpus cpus;
};

/* The rounding of suggestions to values people write: memory up to 64,
 * 128, 256, 512 MiB, 1, 2, 3, 4, 6, 8, 12, 16 GiB ... (powers of two, and
 * from 2 GiB three times them too); time up to 1, 2, 5, 10, 15, 20, 30, 45
 * minutes, 1, 1.5, 2, 3, 4, 6, 8, 12, 18 hours, then whole days. */
uint64_t dsq_report_round_mem(double mib);
long dsq_report_round_time(double seconds);

/* The suggestions from what was asked and used (the fields above them
 * filled): pure, for tests.  Memory: the peak x 1.2; time: the longest x
 * 1.5, and at least a minute more; CPUs: the p95 of CPUs kept busy, less a
 * fifth of one, rounded up, at least 1.  Lines out of memory: twice what
 * they asked (or their peak when nothing was asked); lines stopped at the
 * time limit: twice the limit. */
void dsq_report_suggest(struct dsq_report_resources *res);

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
    struct dsq_report_resources res; /* if finished > 0 or res.mem.oom or
                                        res.time.limited */
};

/* Fill s from r (borrowed for the call).  -1 only when out of memory, with
 * nothing to free; else s's arrays are owned: dsq_report_stats_free(). */
int dsq_report_stats_make(const struct dsq_report *r, struct dsq_report_stats *s);
void dsq_report_stats_free(struct dsq_report_stats *s);

#endif
