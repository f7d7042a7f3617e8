/* report-html: a merged report (report.h) as one self-contained HTML page
 * for people to look at: the run and its states, a timeline per host and
 * lane, histograms of wall time and peak memory, the failures and the
 * advice.  Inline SVG and CSS only, under a Content-Security-Policy that
 * lets the page load and run nothing; every byte taken from the job file,
 * the records or the environment goes through dsq_buf_html().  The page is
 * built in memory; cmd/ decides where it goes (a file replaced atomically,
 * or stdout). */
#ifndef DSQ_REPORT_HTML_H
#define DSQ_REPORT_HTML_H

#include "buf.h"
#include "report-print.h"
#include "report.h"

/* Above this many bars (a bar per line, plus one per earlier attempt of a
 * line when r->history is loaded), or this many timeline rows, the
 * timeline is drawn aggregated: per row, busy time and the worst state in
 * each of DSQ_HTML_BUCKETS intervals, instead of a bar per line. */
#define DSQ_HTML_MAX_BARS 5000
#define DSQ_HTML_MAX_ROWS 400
#define DSQ_HTML_BUCKETS 200

/* Append the page for r (borrowed for the call) to out.  now is the epoch
 * time of the snapshot (a running line's bar ends there).  words as for
 * dsq_report_print_text() (borrowed, may be NULL).  With r->history, each
 * earlier attempt of a line is a bar of its own, drawn fainter.  0, or -1
 * when out of memory (out then holds part of a page). */
int dsq_report_html(const struct dsq_report *r, const struct dsq_report_words *words, double now,
                    struct dsq_buf *out);

#endif
