/* parse: see parse.h. */
#include "config.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "parse.h"

int
dsq_parse_ulong(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
    unsigned long v;
    char *end;

    if (!s || *s < '0' || *s > '9')
        return -1;
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno || *end || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int
dsq_parse_double(const char *s, double min, double max, double *out)
{
    double v;
    char *end;

    size_t digits = 0, i = 0;

    /* Digits with at most one '.': never strtod()'s hex ("0x10"),
     * exponents, "inf" or "nan", which no one means by a number of seconds. */
    if (!s)
        return -1;
    for (; s[i] >= '0' && s[i] <= '9'; i++)
        digits++;
    if (s[i] == '.')
        for (i++; s[i] >= '0' && s[i] <= '9'; i++)
            digits++;
    if (!digits || s[i])
        return -1;
    errno = 0;
    v = strtod(s, &end);
    if (errno || *end || !(v >= min && v <= max))
        return -1;
    *out = v;
    return 0;
}
