/* buf: see buf.h. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

int
dsq_buf_reserve(struct dsq_buf *b, size_t extra)
{
    size_t need, cap;
    char *p;

    if (extra > SIZE_MAX - b->len - 1)
        return -1;
    need = b->len + extra + 1;
    if (need <= b->cap)
        return 0;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    p = realloc(b->data, cap);
    if (!p)
        return -1;
    b->data = p;
    b->cap = cap;
    return 0;
}

int
dsq_buf_append(struct dsq_buf *b, const void *p, size_t n)
{
    if (dsq_buf_reserve(b, n) < 0)
        return -1;
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int
dsq_buf_puts(struct dsq_buf *b, const char *s)
{
    return dsq_buf_append(b, s, strlen(s));
}

int
dsq_buf_vprintf(struct dsq_buf *b, const char *fmt, va_list ap)
{
    va_list aq;
    int n;

    va_copy(aq, ap);
    n = vsnprintf(NULL, 0, fmt, aq);
    va_end(aq);
    if (n < 0 || dsq_buf_reserve(b, (size_t)n) < 0)
        return -1;
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int
dsq_buf_printf(struct dsq_buf *b, const char *fmt, ...)
{
    va_list ap;
    int rc;

    va_start(ap, fmt);
    rc = dsq_buf_vprintf(b, fmt, ap);
    va_end(ap);
    return rc;
}

void
dsq_buf_free(struct dsq_buf *b)
{
    if (!b)
        return;
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

int
dsq_strv_pushn(struct dsq_strv *sv, const char *s, size_t n)
{
    char *copy;

    {
        char **v = dsq_grow(sv->v, &sv->cap, sv->n + 2, sizeof *v, 8);
        if (!v)
            return -1;
        sv->v = v;
    }
    copy = malloc(n + 1);
    if (!copy)
        return -1;
    memcpy(copy, s, n);
    copy[n] = '\0';
    sv->v[sv->n++] = copy;
    sv->v[sv->n] = NULL;
    return 0;
}

int
dsq_strv_push(struct dsq_strv *sv, const char *s)
{
    return dsq_strv_pushn(sv, s, strlen(s));
}

void
dsq_strv_free(struct dsq_strv *sv)
{
    if (!sv)
        return;
    for (size_t i = 0; i < sv->n; i++)
        free(sv->v[i]);
    free(sv->v);
    sv->v = NULL;
    sv->n = sv->cap = 0;
}

void *
dsq_grow(void *v, size_t *cap, size_t need, size_t size, size_t first)
{
    size_t c = *cap;

    if (need <= c)
        return v;
    while (c < need) {
        if (c > SIZE_MAX / 2 / size)
            return NULL;
        c = c ? c * 2 : first;
    }
    v = realloc(v, c * size);
    if (v)
        *cap = c;
    return v;
}
