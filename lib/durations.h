/* durations: what an earlier run of the same job file measured, to pack a
 * new run from it.  Read per line from that run's records; then the plan's
 * order (plan.h) puts the longest lines first (dynamic: claimed first;
 * stripe and block: spread so that every task's sum is about the same), and
 * lines per task are chosen so that a task lasts about a target time. */
#ifndef DSQ_DURATIONS_H
#define DSQ_DURATIONS_H

#include <stddef.h>

#include "error.h"
#include "plan.h"

/* Every pointer owned: dsq_durations_free(). */
struct dsq_durations {
    char *run_dir;   /* absolute: the run measured */
    char *sha256;    /* its job file's */
    size_t n;        /* its command lines */
    double *s;       /* n entries, command order: seconds; a line with no
                        measurement has the median of those with one */
    size_t measured; /* lines with a measurement of their own, >= 1 */
};

/* Read run_dir's durations into the caller's d: per command line, the
 * elapsed time of its latest end record (highest attempt, then restart,
 * then try).  A run with no line measured yet is DSQ_ERR_INPUT naming
 * run_dir.  On error d holds nothing. */
int dsq_durations_load(const char *run_dir, struct dsq_durations *d, struct dsq_error *err);
/* Frees what d owns and zeroes it; d may be NULL. */
void dsq_durations_free(struct dsq_durations *d);

/* The order (plan.h) for plan p of p->ncmds lines whose seconds are
 * s[position]: dynamic, longest first; stripe and block, round j gives
 * every task that has a j-th line one of the next longest lines, the
 * longest to the task with the least so far.  Ties keep file order.
 * *order owned (free(), or dsq_plan_set_order()); -1 when out of memory. */
int dsq_durations_order(const struct dsq_plan *p, const double *s, size_t **order);

/* Lines per task so that a task running `parallel` lines at once lasts
 * about target_s seconds, from the mean of s[0..n): at least 1. */
size_t dsq_durations_lines(const double *s, size_t n, double target_s, unsigned parallel);

/* Whether the latest run under status_dir (dsq_rundir_find()'s) has the
 * same job file content as job_file and a measured line: 1 with *run_dir
 * (owned, free()), else 0 (also when nothing there can be read).  -1 only
 * when out of memory. */
int dsq_durations_offer(const char *status_dir, const char *job_file, char **run_dir,
                        struct dsq_error *err);

#endif
