/* text: how dsq spells things in text: UTF-8 repair for what commands
 * print, POSIX shell quoting for scripts and pasted hints, signal names,
 * durations.  Records, scripts, reports and cmd/ all go through here, so
 * each is spelled one way. */
#ifndef DSQ_TEXT_H
#define DSQ_TEXT_H

#include <stddef.h>

#include "buf.h"

/* Copy s[0..n) (borrowed) replacing bytes that are not well-formed UTF-8 by
 * U+FFFD.  Owned (free()), NUL-terminated; NULL when out of memory.  (NUL
 * bytes, which a job file line never holds, are replaced too.) */
char *dsq_utf8_repair(const char *s, size_t n);

/* POSIX shell words.  One set of "safe" bytes (letters, digits and
 * "/._-+:@%,") decides both ways of writing one:
 *
 * dsq_buf_shell_quote() appends s[0..n) (borrowed) to b in single quotes,
 * always: nothing in it is ever expanded.  For scripts, where a path must
 * stay one word whatever it holds.
 *
 * dsq_buf_shell_word() appends s[0..n) as it is when every byte is safe (and
 * it is not empty), else as dsq_buf_shell_quote() does.  For commands shown
 * to people to paste, which read better unquoted when they can be.
 *
 * Both return -1 when out of memory.  dsq_shell_safe() says whether s[0..n)
 * is written as it is: 1 or 0. */
int dsq_buf_shell_quote(struct dsq_buf *b, const char *s, size_t n);
int dsq_buf_shell_word(struct dsq_buf *b, const char *s, size_t n);
int dsq_shell_safe(const char *s, size_t n);

/* Append s[0..n) (borrowed) to b with each control byte (below 0x20, and
 * DEL) written as a C escape ("\n", "\t", "\x1b") and each backslash
 * doubled: a name the user gave, quoted in a message on one line.  -1 when
 * out of memory. */
int dsq_buf_visible(struct dsq_buf *b, const char *s, size_t n);

/* Append s[0..n) (borrowed) to b as HTML text, fit for element content and
 * quoted attribute values alike: & < > " ' as character references, bytes
 * that are not well-formed UTF-8 and C1 controls as U+FFFD, other control
 * bytes (tab excepted) and DEL as their Unicode control pictures (U+2400
 * ...), so that nothing a command line holds is ever markup and nothing is
 * silently dropped.  -1 when out of memory. */
int dsq_buf_html(struct dsq_buf *b, const char *s, size_t n);

/* The name of signal sig: "SIGTERM" (dsq_signal_name) or "TERM"
 * (dsq_signal_abbrev), from one table.  Borrowed static strings; NULL for a
 * signal the table does not name (real-time signals, say). */
const char *dsq_signal_name(int sig);
const char *dsq_signal_abbrev(int sig);

/* A duration of s seconds for people, into buf (the caller's, n bytes): two
 * significant figures or so, "0.53 s", "12.4 s", "3m 05s", "2h 07m",
 * "1d 04h" (negative is "0.00 s").  Every duration dsq prints (report,
 * report --watch's and --dry-run's ETA) is spelled by this. */
void dsq_duration_format(double s, char *buf, size_t n);

/* Of the words cands[0..n) (borrowed; NULL ones skipped), the one closest
 * to word[0..len) by edit distance (a swap of two neighbours counts as one
 * edit), when it is close enough to be a slip: at most one edit for a word
 * of up to three bytes, two for a longer one.  For "did you mean"; NULL when
 * none is that close. */
const char *dsq_closest_word(const char *word, size_t len, const char *const *cands, size_t n);

#endif
