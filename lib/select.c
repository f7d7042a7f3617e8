/* select: see select.h. */
#include "config.h"

#include <stdlib.h>

#include "select.h"

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
