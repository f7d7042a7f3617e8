/* report-print: a merged report (report.h) with its numbers (report-stats.h)
 * written out: the summary for people, one JSON object, one TSV row per
 * line, or a progress line.  The sentences that name command-line flags
 * (the advice, the command that reruns lines) come from the caller, who
 * knows the command line: struct dsq_report_words. */
#ifndef DSQ_REPORT_PRINT_H
#define DSQ_REPORT_PRINT_H

#include <stdio.h>

#include "buf.h"
#include "report-stats.h"
#include "report.h"

/* The resources report-stats.h sizes, one sentence each. */
enum dsq_report_resource { DSQ_RES_MEM, DSQ_RES_TIME, DSQ_RES_CPUS };

/* Each appends one sentence to out and returns 0, or -1 when out of memory.
 * A NULL member (or words) leaves its sentence out (the JSON advice "text"
 * is then null). */
struct dsq_report_words {
    /* The packing advice a, with a->median and a->task_seconds already
     * worded as the report words durations ("2.00 s", "10 minutes"). */
    int (*advice)(const struct dsq_report_advice *a, const char *median, const char *about,
                  struct dsq_buf *out);
    /* The command that reruns the lines of run_dir (NULL when the manifest
     * does not say) that did not end ok. */
    int (*rerun)(const char *run_dir, struct dsq_buf *out);
    /* What was asked and used of resource `what`, and what to ask for next
     * time: res's numbers in the words of the command line. */
    int (*resources)(const struct dsq_report_resources *res, enum dsq_report_resource what,
                     struct dsq_buf *out);
};

/* Words the formats share (report-html.c too): a failure group's cause
 * ("exit 3", "signal 9 (KILL)", "interrupted (Slurm: TIMEOUT)") and a
 * memory size ("3.1 MiB") into the caller's buf of n bytes; the advice of s
 * in words' sentence, appended to out (nothing without words or advice;
 * -1 when out of memory). */
void dsq_report_group_name(const struct dsq_report_group *g, char *buf, size_t n);
void dsq_report_kb_format(long kb, char *buf, size_t n);
int dsq_report_advice_text(const struct dsq_report_stats *s, const struct dsq_report_words *words,
                           struct dsq_buf *out);

/* Each writes r (borrowed) to out and returns 0, or -1 when out of memory or
 * out has an error.  words borrowed for the call, may be NULL. */

/* The summary; with r->history, each line's attempts too. */
int dsq_report_print_text(const struct dsq_report *r, const struct dsq_report_words *words,
                          FILE *out);
/* One object; with_lines adds "lines", one object per line (with
 * r->history, each with a "history" list), streamed one line at a time. */
int dsq_report_print_json(const struct dsq_report *r, const struct dsq_report_words *words,
                          int with_lines, FILE *out);
int dsq_report_print_tsv(const struct dsq_report *r, FILE *out);
/* One progress line for --watch: a bar, lines per state, the rate since the
 * first line started, and an ETA (now: epoch seconds). */
int dsq_report_print_progress(const struct dsq_report *r, double now, FILE *out);

#endif
