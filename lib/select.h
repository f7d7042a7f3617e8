/* select: order statistics without sorting.  report's medians and
 * percentiles over a million lines' times and memory take linear time with
 * this instead of n log n. */
#ifndef DSQ_SELECT_H
#define DSQ_SELECT_H

#include <stddef.h>

/* The k-th smallest of v[0..n) (k < n), in linear expected time: v
 * (borrowed, changed in place) is reordered so that v[k] is that value,
 * v[0..k) holds none larger and v(k..n) none smaller. */
double dsq_select_double(double *v, size_t n, size_t k);

#endif
