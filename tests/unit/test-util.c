/* Unit tests for lib/util: buffers, parsing, UTF-8 repair, shell quoting. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
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
    struct dsq_buf b = {0};
    struct dsq_strv sv = {0};
    unsigned long ul;
    double d;
    char *s;

    ok(dsq_buf_printf(&b, "%s-%d", "a", 7) == 0, "buf_printf");
    dsq_buf_append(&b, "xyz", 2);
    is_str(b.data, "a-7xy", "buffer holds appended bytes, NUL-terminated");
    is_int(b.len, 5, "buffer length");
    dsq_buf_free(&b);

    dsq_strv_push(&sv, "one");
    dsq_strv_pushn(&sv, "twoX", 3);
    is_int(sv.n, 2, "strv count");
    is_str(sv.v[1], "two", "strv pushn copies n bytes");
    ok(sv.v[2] == NULL, "strv is NULL-terminated");
    dsq_strv_free(&sv);

    ok(dsq_parse_ulong("42", 1, 100, &ul) == 0 && ul == 42, "parse 42");
    ok(dsq_parse_ulong("0", 1, 100, &ul) < 0, "0 below min");
    ok(dsq_parse_ulong("-1", 0, 100, &ul) < 0, "negative refused");
    ok(dsq_parse_ulong("abc", 0, 100, &ul) < 0, "letters refused");
    ok(dsq_parse_ulong("12x", 0, 100, &ul) < 0, "trailing junk refused");
    ok(dsq_parse_ulong(" 5", 0, 100, &ul) < 0, "leading blank refused");
    ok(dsq_parse_ulong("", 0, 100, &ul) < 0, "empty refused");
    ok(dsq_parse_double("2.5", 0, 10, &d) == 0 && d == 2.5, "parse 2.5");
    ok(dsq_parse_double("nan", 0, 10, &d) < 0, "nan refused");

    s = dsq_utf8_repair("ok \xc3\xa9 \xff end", 11);
    is_str(s, "ok \xc3\xa9 \xef\xbf\xbd end", "invalid byte becomes U+FFFD, valid kept");
    free(s);
    s = dsq_utf8_repair("\xe2\x82", 2);
    is_str(s, "\xef\xbf\xbd\xef\xbf\xbd", "truncated sequence: one U+FFFD per byte");
    free(s);
    s = dsq_utf8_repair("\xed\xa0\x80", 3);
    ok(s && strstr(s, "\xed\xa0\x80") == NULL, "surrogate refused");
    free(s);

    dsq_buf_shell_quote(&b, "it's $(x) `y`", 13);
    is_str(b.data, "'it'\\''s $(x) `y`'", "single-quoted, quote escaped");
    dsq_buf_free(&b);

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

    {
        size_t n = 3u << 20, nonzero = 0;
        unsigned char *p = dsq_calloc_big(n, 4), *z = dsq_calloc_big(0, 8);
        if (p) {
            for (size_t i = 0; i < 4 * n; i++)
                nonzero += p[i] != 0;
            memset(p, 0xab, 4 * n); /* all of it is writable */
        }
        ok(p && nonzero == 0, "calloc_big: 12 MiB, all zero");
        ok(z != NULL, "calloc_big: zero elements still give a pointer to free");
        free(p);
        free(z);
    }

    {
        int *v = NULL, *g;
        size_t cap = 0, n, keep = 1;
        for (n = 0; n < 1000; n++) {
            if (!(g = dsq_grow(v, &cap, n + 1, sizeof *v, 4)))
                break;
            v = g;
            v[n] = (int)n;
        }
        for (size_t i = 0; i < n; i++)
            keep &= v[i] == (int)i;
        ok(n == 1000 && keep && cap >= 1000 && cap == 1024, "grow: doubling from 4, contents kept");
        ok(dsq_grow(v, &cap, SIZE_MAX / 2, sizeof *v, 4) == NULL && cap == 1024,
           "grow: a size that cannot be had is NULL, the array untouched");
        free(v);
    }

    s = dsq_abspath("/x/y");
    is_str(s, "/x/y", "absolute path unchanged");
    free(s);
    s = dsq_abspath("rel");
    ok(s && s[0] == '/' && strstr(s, "/rel"), "relative path made absolute");
    free(s);
    return done_testing();
}
