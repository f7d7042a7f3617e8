/* Unit tests for lib/sys: big zeroed arrays. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/sys.h"
#include "tests/unit/tap.h"

int
main(void)
{
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
    return done_testing();
}
