/* util: see util.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

static int
buf_reserve(struct dsq_buf *b, size_t extra)
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
    if (buf_reserve(b, n) < 0)
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
    if (n < 0 || buf_reserve(b, (size_t)n) < 0)
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

int
dsq_read_file(const char *path, char **data, size_t *len, struct dsq_error *err)
{
    struct dsq_buf b = {0};
    struct stat st;
    char chunk[65536];
    ssize_t n;
    int fd;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return dsq_errno(err, DSQ_ERR_INPUT, errno, "%s", path);
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return dsq_errno(err, DSQ_ERR_INPUT, e, "%s", path);
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return dsq_errprintf(err, DSQ_ERR_INPUT, "%s: is a directory, not a file", path);
    }
    if (S_ISREG(st.st_mode) && st.st_size > 0 && buf_reserve(&b, (size_t)st.st_size) < 0) {
        close(fd);
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: out of memory", path);
    }
    for (;;) {
        n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            dsq_buf_free(&b);
            return dsq_errno(err, DSQ_ERR_INPUT, e, "%s", path);
        }
        if (n == 0)
            break;
        if (dsq_buf_append(&b, chunk, (size_t)n) < 0) {
            close(fd);
            dsq_buf_free(&b);
            return dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: out of memory", path);
        }
    }
    close(fd);
    if (!b.data && dsq_buf_append(&b, "", 0) < 0)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: out of memory", path);
    *data = b.data;
    *len = b.len;
    return 0;
}

static int
write_all(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int
dsq_write_file_atomic(const char *path, const void *data, size_t len, int mode,
                      struct dsq_error *err)
{
    struct dsq_buf tmp = {0};
    int fd, e;

    if (dsq_buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: out of memory", path);
    fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) {
        e = errno;
        dsq_buf_free(&tmp);
        return dsq_errno(err, DSQ_ERR_SYSTEM, e, "%s", path);
    }
    if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
        e = errno;
        close(fd);
        unlink(tmp.data);
        dsq_buf_free(&tmp);
        return dsq_errno(err, DSQ_ERR_SYSTEM, e, "%s", path);
    }
    if (close(fd) < 0 || rename(tmp.data, path) < 0) {
        e = errno;
        unlink(tmp.data);
        dsq_buf_free(&tmp);
        return dsq_errno(err, DSQ_ERR_SYSTEM, e, "%s", path);
    }
    dsq_buf_free(&tmp);
    return 0;
}

int
dsq_mkdir_p(const char *path, int mode, struct dsq_error *err)
{
    char *copy = strdup(path);
    struct stat st;

    if (!copy)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: out of memory", path);
    for (char *p = copy + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(copy, (mode_t)mode) < 0 && errno != EEXIST) {
                int e = errno;
                free(copy);
                return dsq_errno(err, DSQ_ERR_SYSTEM, e, "cannot create directory %s", path);
            }
            *p = c;
            if (c == '\0')
                break;
        }
    }
    free(copy);
    if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: not a directory", path);
    return 0;
}

int
dsq_rm_rf(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *de;
    int rc = 0;

    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    d = opendir(path);
    if (!d)
        return -1;
    while ((de = readdir(d))) {
        struct dsq_buf child = {0};
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (dsq_buf_printf(&child, "%s/%s", path, de->d_name) < 0 || dsq_rm_rf(child.data) < 0)
            rc = -1;
        dsq_buf_free(&child);
    }
    closedir(d);
    if (rmdir(path) < 0)
        rc = -1;
    return rc;
}

char *
dsq_abspath(const char *path)
{
    struct dsq_buf b = {0};
    char *cwd;

    if (path[0] == '/')
        return strdup(path);
    cwd = getcwd(NULL, 0);
    if (!cwd)
        return NULL;
    while (path[0] == '.' && path[1] == '/')
        path += 2;
    if (!strcmp(path, ".")) {
        return cwd;
    }
    if (dsq_buf_printf(&b, "%s%s%s", cwd, strcmp(cwd, "/") ? "/" : "", path) < 0) {
        free(cwd);
        dsq_buf_free(&b);
        return NULL;
    }
    free(cwd);
    return b.data;
}

int
dsq_parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
    unsigned long v;
    char *end;

    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int
dsq_parse_double(const char *s, double min, double max, double *out)
{
    double v;
    char *end;

    if (!s || !((*s >= '0' && *s <= '9') || *s == '.'))
        return -1;
    errno = 0;
    v = strtod(s, &end);
    if (errno || *end || !(v >= min && v <= max))
        return -1;
    *out = v;
    return 0;
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

void *
dsq_calloc_big(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

#ifdef MADV_HUGEPAGE
    /* Only worth it, and only aligned parts, of arrays several huge pages
     * long; madvise() failing (no THP in this kernel) changes nothing. */
    if (p && n > (8u << 20) / (size ? size : 1)) {
        uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE),
                  a = ((uintptr_t)p + page - 1) & ~(page - 1);
        uintptr_t b = ((uintptr_t)p + n * size) & ~(page - 1);
        if (b > a)
            (void)madvise((void *)a, b - a, MADV_HUGEPAGE);
    }
#endif
    return p;
}

static int
select_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

double
dsq_select_double(double *v, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1; /* v[k] lies in v[lo..hi] */
    /* Median-of-three partitioning halves the range most of the time; a
     * range still large after many rounds (an unlucky or crafted order) is
     * sorted instead, so the worst case stays n log n. */
    int rounds = 16;

    for (size_t m = n; m; m >>= 1)
        rounds += 2;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2, i = lo, j = hi;
        double pivot, t;

        if (--rounds == 0) {
            qsort(v + lo, hi - lo + 1, sizeof *v, select_cmp);
            break;
        }
        /* Order v[lo], v[mid], v[hi]; the middle one is the pivot. */
        if (v[mid] < v[lo])
            t = v[mid], v[mid] = v[lo], v[lo] = t;
        if (v[hi] < v[lo])
            t = v[hi], v[hi] = v[lo], v[lo] = t;
        if (v[hi] < v[mid])
            t = v[hi], v[hi] = v[mid], v[mid] = t;
        pivot = v[mid];
        /* Hoare's scheme: both scans stop at values equal to the pivot, so
         * a run of equal values splits evenly. */
        while (i <= j) {
            while (v[i] < pivot)
                i++;
            while (pivot < v[j])
                j--;
            if (i <= j) {
                t = v[i], v[i] = v[j], v[j] = t;
                i++;
                if (j == 0)
                    break;
                j--;
            }
        }
        /* Now v[lo..j] <= pivot <= v[i..hi], and v(j..i) == pivot. */
        if (k <= j && j != (size_t)-1)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
    return v[k];
}

double
dsq_time_real(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double
dsq_time_mono(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Length of the well-formed UTF-8 sequence at s (at most n bytes), or 0. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    uint32_t cp;

    if (c >= 0x01 && c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2, cp = c & 0x1F;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3, cp = c & 0x0F;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4, cp = c & 0x07;
    else
        return 0;
    if (len > n)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return len;
}

char *
dsq_utf8_repair(const char *s, size_t n)
{
    struct dsq_buf b = {0};
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run = 0;

    if (dsq_buf_append(&b, "", 0) < 0)
        return NULL;
    while (i < n) {
        size_t len = utf8_seq(p + i, n - i);
        if (len) {
            i += len;
            run += len;
            continue;
        }
        if (dsq_buf_append(&b, s + i - run, run) < 0 || dsq_buf_append(&b, "\xEF\xBF\xBD", 3) < 0) {
            dsq_buf_free(&b);
            return NULL;
        }
        run = 0;
        i++;
    }
    if (dsq_buf_append(&b, s + i - run, run) < 0) {
        dsq_buf_free(&b);
        return NULL;
    }
    return b.data;
}

int
dsq_buf_shell_quote(struct dsq_buf *b, const char *s, size_t n)
{
    if (dsq_buf_append(b, "'", 1) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\'') {
            if (dsq_buf_append(b, "'\\''", 4) < 0)
                return -1;
        } else if (dsq_buf_append(b, s + i, 1) < 0) {
            return -1;
        }
    }
    return dsq_buf_append(b, "'", 1);
}

void
dsq_hostname(char *buf, size_t n)
{
    char *dot;

    if (gethostname(buf, n) < 0 || n == 0) {
        snprintf(buf, n, "unknown");
        return;
    }
    buf[n - 1] = '\0';
    dot = strchr(buf, '.');
    if (dot)
        *dot = '\0';
}
