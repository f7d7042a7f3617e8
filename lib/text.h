/* text: text for people and for shells: UTF-8 repair for what commands
 * print, POSIX shell quoting for paths dsq writes into scripts and hints.
 * Records, scripts and reports all spell these the same way through here. */
#ifndef DSQ_TEXT_H
#define DSQ_TEXT_H

#include <stddef.h>

#include "buf.h"

/* Copy s[0..n) (borrowed) replacing bytes that are not well-formed UTF-8 by
 * U+FFFD.  Owned (free()), NUL-terminated; NULL when out of memory.  (NUL
 * bytes, which a job file line never holds, are replaced too.) */
char *dsq_utf8_repair(const char *s, size_t n);

/* Append s[0..n) (borrowed) to b as one POSIX shell word in single quotes:
 * nothing in it is ever expanded.  -1 when out of memory. */
int dsq_buf_shell_quote(struct dsq_buf *b, const char *s, size_t n);

#endif
