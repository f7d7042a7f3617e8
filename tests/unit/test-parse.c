/* Unit tests for lib/parse (strict decimal numbers) and lib/limit (the one
 * table of numeric settings). */
#include "config.h"

#include <string.h>

#include "lib/limit.h"
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
    ok(dsq_parse_double(".5", 0, 10, &d) == 0 && d == 0.5, "parse .5");
    ok(dsq_parse_double("3.", 0, 10, &d) == 0 && d == 3.0, "parse 3.");
    ok(dsq_parse_double("0x1", 0, 10, &d) < 0, "hex refused");
    ok(dsq_parse_double("1e1", 0, 100, &d) < 0, "exponent refused");
    ok(dsq_parse_double("inf", 0, 10, &d) < 0, "inf refused");
    ok(dsq_parse_double(".", 0, 10, &d) < 0, "a lone dot refused");
    ok(dsq_parse_double("1.2.3", 0, 10, &d) < 0, "two dots refused");
    ok(dsq_parse_double("+1", 0, 10, &d) < 0 && dsq_parse_double(" 1", 0, 10, &d) < 0,
       "sign and blank refused");
    ok(dsq_parse_double("10.5", 0, 10, &d) < 0, "above max refused");
    ok(dsq_parse_ulong("0x10", 0, 100, &ul) < 0, "hex refused (whole)");

    {
        const struct dsq_limit *kg = dsq_limit_find("kill-grace");
        const struct dsq_limit *sl = dsq_limit_get(DSQ_LIMIT_SIGNAL_LEAD);
        int named = 1;

        for (int i = 0; i < DSQ_LIMIT__COUNT; i++)
            named &= dsq_limit_find(dsq_limit_get((enum dsq_limit_id)i)->name) ==
                     dsq_limit_get((enum dsq_limit_id)i);
        ok(named, "limit: every entry is found by its name");
        ok(dsq_limit_find("kill_grace") == NULL, "limit: an unknown name is NULL");
        ok(kg == dsq_limit_get(DSQ_LIMIT_KILL_GRACE) && kg->min == 0 && kg->max == 86400,
           "limit: kill-grace is 0 to 86400");
        ok(dsq_limit_parse_double(kg, "86400", &d) == 0 && d == 86400, "kill-grace 86400");
        ok(dsq_limit_parse_double(kg, "2.5", &d) == 0 && d == 2.5, "kill-grace 2.5");
        ok(dsq_limit_parse_double(kg, "86400.5", &d) < 0, "kill-grace 86400.5 refused");
        ok(dsq_limit_parse_double(kg, "0x10", &d) < 0, "kill-grace 0x10 refused");
        ok(dsq_limit_parse_double(sl, "65535", &d) == 0 && d == 65535, "signal-lead 65535");
        ok(dsq_limit_parse_double(sl, "1.5", &d) < 0, "signal-lead: whole seconds only");
        ok(dsq_limit_parse_ulong(dsq_limit_find("tasks"), "100000000", &ul) == 0 &&
               ul == 100000000,
           "tasks 10^8");
        ok(dsq_limit_parse_ulong(dsq_limit_find("tasks"), "100000001", &ul) < 0,
           "tasks 10^8 + 1 refused");
        ok(dsq_limit_parse_ulong(dsq_limit_find("tasks"), "0", &ul) < 0, "tasks 0 refused");
        ok(dsq_limit_parse_ulong(kg, "7", &ul) == 0 && ul == 7 &&
               dsq_limit_parse_ulong(kg, "7.5", &ul) < 0,
           "seconds as a whole number");
        is_str(dsq_limit_what(dsq_limit_find("max-jobs")), "a positive integer", "what: count");
        is_str(dsq_limit_what(sl), "a whole number of seconds", "what: whole seconds");
        is_str(dsq_limit_what(kg), "a number of seconds", "what: seconds");
    }
    return done_testing();
}
