/* report: merges a run's records (the latest attempt of a line wins) with
 * the queue state from the slurm seam into one state per command line, with
 * runtime statistics, failure groups and packing advice; formats it as a
 * table, JSON or TSV.  autopsy reads the same merged view.  A line that a
 * rerun (attempt N) does not include keeps what its earlier attempts say;
 * one it includes waits (pending) only on attempt N's own array tasks. */
#ifndef DSQ_REPORT_H
#define DSQ_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "error.h"
#include "jobfile.h"
#include "manifest.h"
#include "record.h"

struct dsq_line_info {
    size_t line;      /* 1-based physical line */
    size_t task;      /* array task of the line in attempt `planned` */
    unsigned planned; /* the latest attempt that includes the line */
    enum dsq_state state;
    int exit; /* -1 unknown / signaled */
    int signal;
    const char *host;  /* borrowed from the report, NULL unknown */
    double start, end; /* epoch seconds, 0 unknown */
    double elapsed, utime, stime;
    long maxrss_kb;
    unsigned attempt;        /* latest attempt seen, 0 none */
    unsigned attempts;       /* distinct (attempt, restart) pairs seen */
    const char *reason;      /* borrowed from the report: why dsq itself
                                failed the line, NULL normally */
    const char *slurm_state; /* static: Slurm's final state of the line's
                                array task where it explains a line that did
                                not succeed (TIMEOUT, CANCELLED, NODE_FAIL,
                                OUT_OF_MEMORY, PREEMPTED, BOOT_FAIL,
                                DEADLINE), else NULL */
};

/* One (attempt, restart) of a line, for report --history. */
struct dsq_history {
    unsigned attempt, restart;
    enum dsq_state state;
    int exit; /* -1 unknown / signaled */
    int signal;
    const char *host;           /* borrowed from the report, NULL unknown */
    double start, end, elapsed; /* 0 unknown */
};

struct dsq_report {
    struct dsq_manifest m;
    struct dsq_jobfile *jf;      /* the run's job file copy */
    struct dsq_line_info *lines; /* owned, jf->ncmds entries, file order */
    size_t nlines;
    size_t counts[DSQ_ST__COUNT];
    int queue_known;         /* Slurm answered for the job ids */
    int over;                /* nothing pending or running */
    struct dsq_strv strings; /* owned: the hosts and reasons lines
                                point to (few distinct ones) */
    /* After dsq_report_load_history(), else NULL: line i's entries are
     * history[hist_first[i] .. hist_first[i + 1]), by attempt, restart. */
    struct dsq_history *history; /* owned */
    size_t *hist_first;          /* owned, nlines + 1 entries */
};

/* Load and merge.  Warnings (torn records, Slurm unreachable) go through
 * dsq_warn().  Owned: dsq_report_destroy(). */
struct dsq_report *dsq_report_load(const char *run_dir, struct dsq_error *err);
void dsq_report_destroy(struct dsq_report *r);

/* Every attempt of every line (report --history): reads the records again
 * and fills r->history.  An attempt that includes a line but has no record
 * of it yet is an entry too (pending, or not_run once it is over). */
int dsq_report_load_history(struct dsq_report *r, struct dsq_error *err);

/* Output formats, to a caller's stream. */
/* With r->history, the text adds each line's attempts and the JSON lines
 * a "history" list. */
int dsq_report_print_text(const struct dsq_report *r, FILE *out);
int dsq_report_print_json(const struct dsq_report *r, int with_lines, FILE *out);
int dsq_report_print_tsv(const struct dsq_report *r, FILE *out);
/* One progress line for --watch: a bar, lines per state, the rate since the
 * first line started, and an ETA (now: epoch seconds). */
int dsq_report_print_progress(const struct dsq_report *r, double now, FILE *out);

#endif
