/* util: small pieces every module needs: a growable byte buffer, a string
 * vector, whole-file reads, number parsing, clocks, UTF-8 repair, quoting. */
#ifndef DSQ_UTIL_H
#define DSQ_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* A growable buffer, always NUL-terminated after len bytes.  Zero-initialise
 * (struct dsq_buf b = {0}), append, then dsq_buf_free() or steal b.data
 * (owned: free()).  Append functions return 0, or -1 when out of memory. */
struct dsq_buf {
    char *data;
    size_t len;
    size_t cap;
};
int dsq_buf_append(struct dsq_buf *b, const void *p, size_t n);
int dsq_buf_puts(struct dsq_buf *b, const char *s);
int dsq_buf_printf(struct dsq_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int dsq_buf_vprintf(struct dsq_buf *b, const char *fmt, va_list ap);
void dsq_buf_free(struct dsq_buf *b);

/* A NULL-terminated vector of owned strings.  Zero-initialise; push copies. */
struct dsq_strv {
    char **v;
    size_t n;
    size_t cap;
};
int dsq_strv_push(struct dsq_strv *sv, const char *s);
int dsq_strv_pushn(struct dsq_strv *sv, const char *s, size_t n);
void dsq_strv_free(struct dsq_strv *sv);

/* Read a whole regular file.  *data is owned (free()), NUL-terminated after
 * *len bytes.  Errors name the path: a directory, a missing file, an
 * unreadable one are DSQ_ERR_INPUT. */
int dsq_read_file(const char *path, char **data, size_t *len, struct dsq_error *err);

/* Write data to path atomically: path.tmp.<pid>, fsync, rename.  Never
 * follows a symlink at path.tmp. */
int dsq_write_file_atomic(const char *path, const void *data, size_t len, int mode,
                          struct dsq_error *err);

/* mkdir -p; existing directories are fine. */
int dsq_mkdir_p(const char *path, int mode, struct dsq_error *err);

/* Remove a directory tree (for cleaning up a half-made run directory). */
int dsq_rm_rf(const char *path);

/* Absolute version of path (relative to the current directory); no
 * symlink resolution.  Owned, or NULL when out of memory. */
char *dsq_abspath(const char *path);

/* Strict decimal parsing: the whole string, no sign, no blanks, range
 * [min, max].  0 on success, -1 otherwise. */
int dsq_parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out);
int dsq_parse_double(const char *s, double min, double max, double *out);

/* Room for at least `need` elements of `size` bytes in the growable array
 * v of *cap elements: v itself when it has room, else v reallocated to twice
 * its capacity (`first` elements at first) or more, *cap updated.  NULL when
 * out of memory: v and *cap are then unchanged, and v is still the caller's. */
void *dsq_grow(void *v, size_t *cap, size_t need, size_t size, size_t first);

/* calloc() for arrays of one element per job file line: on Linux, memory
 * the kernel may back with huge pages (madvise MADV_HUGEPAGE), which saves
 * most page faults when a million lines' array is first touched (a tenth of
 * report's time over 1,000,000 lines).  free() as usual. */
void *dsq_calloc_big(size_t n, size_t size);

/* The k-th smallest of v[0..n) (k < n), in linear expected time: v is
 * reordered so that v[k] is that value, v[0..k) holds none larger and
 * v(k..n) none smaller.  For medians and percentiles without sorting. */
double dsq_select_double(double *v, size_t n, size_t k);

/* Clocks, in seconds. */
double dsq_time_real(void);
double dsq_time_mono(void);

/* Copy s[0..n) replacing bytes that are not well-formed UTF-8 by U+FFFD.
 * Owned, NUL-terminated; NULL when out of memory.  (NUL bytes, which a job
 * file line never holds, are replaced too.) */
char *dsq_utf8_repair(const char *s, size_t n);

/* Append s[0..n) to b as one POSIX shell word in single quotes: nothing in it
 * is ever expanded.  */
int dsq_buf_shell_quote(struct dsq_buf *b, const char *s, size_t n);

/* This host's short name (up to the first dot) in buf. */
void dsq_hostname(char *buf, size_t n);

#endif
