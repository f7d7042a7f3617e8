/* buf: growable memory every module builds with: a byte buffer that is
 * always a C string, a vector of owned strings, and the one doubling step
 * for any growable array.  Nothing here knows about files or dsq's data. */
#ifndef DSQ_BUF_H
#define DSQ_BUF_H

#include <stdarg.h>
#include <stddef.h>

/* A growable buffer, always NUL-terminated after len bytes once anything was
 * appended.  Zero-initialise (struct dsq_buf b = {0}), append, then
 * dsq_buf_free() or steal b.data (owned: free()).  Append functions return 0,
 * or -1 when out of memory (b is then unchanged). */
struct dsq_buf {
    char *data;
    size_t len;
    size_t cap;
};
/* Room for extra more bytes (and the NUL) without another allocation. */
int dsq_buf_reserve(struct dsq_buf *b, size_t extra);
/* Appends n bytes of p (borrowed). */
int dsq_buf_append(struct dsq_buf *b, const void *p, size_t n);
/* Appends the string s (borrowed). */
int dsq_buf_puts(struct dsq_buf *b, const char *s);
int dsq_buf_printf(struct dsq_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int dsq_buf_vprintf(struct dsq_buf *b, const char *fmt, va_list ap);
/* Frees b->data and zeroes b; b may be NULL. */
void dsq_buf_free(struct dsq_buf *b);

/* A NULL-terminated vector of owned strings.  Zero-initialise; push copies
 * s (borrowed) into the vector, which owns the copy; -1 when out of memory.
 * dsq_strv_free() frees every string and the vector; sv may be NULL. */
struct dsq_strv {
    char **v;
    size_t n;
    size_t cap;
};
int dsq_strv_push(struct dsq_strv *sv, const char *s);
int dsq_strv_pushn(struct dsq_strv *sv, const char *s, size_t n);
void dsq_strv_free(struct dsq_strv *sv);

/* Room for at least `need` elements of `size` bytes in the growable array
 * v of *cap elements: v itself when it has room, else v reallocated to twice
 * its capacity (`first` elements at first) or more, *cap updated.  Steals v
 * and returns the (owned) array; NULL when out of memory: v and *cap are
 * then unchanged, and v is still the caller's. */
void *dsq_grow(void *v, size_t *cap, size_t need, size_t size, size_t first);

#endif
