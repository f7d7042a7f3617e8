/* sys: what dsq asks of the operating system beyond files: clocks, this
 * host's name, and big zeroed arrays the kernel may back with huge pages.
 * The runner stamps records with these; report sizes its arrays with them. */
#ifndef DSQ_SYS_H
#define DSQ_SYS_H

#include <stddef.h>

/* calloc() for arrays of one element per job file line: on Linux, memory
 * the kernel may back with huge pages (madvise MADV_HUGEPAGE), which saves
 * most page faults when a million lines' array is first touched (a tenth of
 * report's time over 1,000,000 lines).  Owned: free() as usual; NULL when
 * out of memory.  n or size 0 still gives a pointer to free. */
void *dsq_calloc_big(size_t n, size_t size);

/* Clocks, in seconds: wall-clock time since the epoch, and a monotonic
 * clock for intervals. */
double dsq_time_real(void);
double dsq_time_mono(void);

/* This host's short name (up to the first dot) into buf (the caller's, n
 * bytes); "unknown" when the system will not say. */
void dsq_hostname(char *buf, size_t n);

#endif
