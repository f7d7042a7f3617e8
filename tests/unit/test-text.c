/* Unit tests for lib/text: UTF-8 repair, shell quoting. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/text.h"
#include "tests/unit/tap.h"

int
main(void)
{
    struct dsq_buf b = {0};
    char *s;

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
    return done_testing();
}
