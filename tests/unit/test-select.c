/* Unit tests for lib/select: the k-th smallest without sorting. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/select.h"
#include "tests/unit/tap.h"

static int
cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* dsq_select_double against qsort for every k of v (n values, made by
 * shape: 0 random, 1 few distinct, 2 ascending, 3 descending, 4 equal),
 * checking the partition too.  Returns the number of mismatches. */
static int
select_mismatches(size_t n, int shape, unsigned *seed)
{
    double *v = malloc(n * sizeof *v), *w = malloc(n * sizeof *w), *sorted = malloc(n * sizeof *v);
    int bad = 0;

    for (size_t i = 0; i < n; i++) {
        *seed = *seed * 1103515245u + 12345u;
        v[i] = shape == 0   ? (double)(*seed >> 8) / 3.0
               : shape == 1 ? (double)((*seed >> 16) % 4)
               : shape == 2 ? (double)i
               : shape == 3 ? (double)(n - i)
                            : 7.5;
    }
    memcpy(sorted, v, n * sizeof *v);
    qsort(sorted, n, sizeof *sorted, cmp_double);
    for (size_t k = 0; k < n; k += n > 300 ? n / 97 : 1) {
        memcpy(w, v, n * sizeof *v);
        if (dsq_select_double(w, n, k) != sorted[k] || w[k] != sorted[k]) {
            bad++;
            continue;
        }
        for (size_t i = 0; i < n; i++)
            if ((i < k && w[i] > w[k]) || (i > k && w[i] < w[k]))
                bad++;
    }
    free(v);
    free(w);
    free(sorted);
    return bad;
}

int
main(void)
{
    {
        unsigned seed = 1;
        int bad = 0;
        for (int shape = 0; shape < 5; shape++) {
            for (size_t n = 1; n <= 64; n++)
                bad += select_mismatches(n, shape, &seed);
            bad += select_mismatches(100001, shape, &seed);
        }
        is_int(bad, 0, "select: k-th smallest and partition, 5 shapes, n 1..64 and 100001");
    }
    return done_testing();
}
