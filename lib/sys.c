/* sys: see sys.h. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "sys.h"

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
