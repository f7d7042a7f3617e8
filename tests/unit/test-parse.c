/* Unit tests for lib/parse: strict decimal numbers. */
#include "config.h"

#include "lib/parse.h"
#include "tests/unit/tap.h"

int
main(void)
{
    unsigned long ul;
    double d;

    ok(dsq_parse_ulong("42", 1, 100, &ul) == 0 && ul == 42, "parse 42");
    ok(dsq_parse_ulong("0", 1, 100, &ul) < 0, "0 below min");
    ok(dsq_parse_ulong("-1", 0, 100, &ul) < 0, "negative refused");
    ok(dsq_parse_ulong("abc", 0, 100, &ul) < 0, "letters refused");
    ok(dsq_parse_ulong("12x", 0, 100, &ul) < 0, "trailing junk refused");
    ok(dsq_parse_ulong(" 5", 0, 100, &ul) < 0, "leading blank refused");
    ok(dsq_parse_ulong("", 0, 100, &ul) < 0, "empty refused");
    ok(dsq_parse_double("2.5", 0, 10, &d) == 0 && d == 2.5, "parse 2.5");
    ok(dsq_parse_double("nan", 0, 10, &d) < 0, "nan refused");
    return done_testing();
}
