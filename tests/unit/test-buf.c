/* Unit tests for lib/buf: the byte buffer, the string vector, dsq_grow. */
#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "tests/unit/tap.h"

int
main(void)
{
    struct dsq_buf b = {0};
    struct dsq_strv sv = {0};

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
    return done_testing();
}
