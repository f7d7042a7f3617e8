/* Unit tests for lib/fs: absolute paths. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/fs.h"
#include "tests/unit/tap.h"

int
main(void)
{
    char *s;

    s = dsq_abspath("/x/y");
    is_str(s, "/x/y", "absolute path unchanged");
    free(s);
    s = dsq_abspath("rel");
    ok(s && s[0] == '/' && strstr(s, "/rel"), "relative path made absolute");
    free(s);
    return done_testing();
}
