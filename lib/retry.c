/* retry: see retry.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"
#include "retry.h"

int
dsq_retry_parse(struct dsq_retry *r, const char *list, struct dsq_error *err)
{
    const char *s = list;

    r->any = 1;
    r->on_signal = 0;
    memset(r->exits, 0, sizeof r->exits);
    if (!list || !*list)
        return 0;
    r->any = 0;
    while (*s) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        char item[16];
        unsigned long code;

        if (len == 0 || len >= sizeof item)
            return dsq_errprintf(err, DSQ_ERR_INPUT,
                                 "retry list '%s': expected exit codes 1-255 and 'signal', "
                                 "separated by commas",
                                 list);
        memcpy(item, s, len);
        item[len] = '\0';
        if (!strcmp(item, "signal"))
            r->on_signal = 1;
        else if (dsq_parse_ulong(item, 1, 255, &code) == 0)
            r->exits[code / 8] |= (unsigned char)(1u << (code % 8));
        else
            return dsq_errprintf(err, DSQ_ERR_INPUT,
                                 "retry list '%s': '%s' is neither an exit code from 1 to 255 "
                                 "nor 'signal'",
                                 list, item);
        if (!comma)
            break;
        s = comma + 1;
        if (!*s)
            return dsq_errprintf(err, DSQ_ERR_INPUT, "retry list '%s' ends with a comma", list);
    }
    return 0;
}

int
dsq_retry_format(const struct dsq_retry *r, char *buf, size_t n)
{
    size_t off = 0;
    int w;

    if (n == 0)
        return -1;
    buf[0] = '\0';
    if (r->any)
        return 0;
    for (unsigned c = 1; c < 256; c++) {
        if (!(r->exits[c / 8] & (1u << (c % 8))))
            continue;
        w = snprintf(buf + off, n - off, "%s%u", off ? "," : "", c);
        if (w < 0 || (size_t)w >= n - off)
            return -1;
        off += (size_t)w;
    }
    if (r->on_signal) {
        w = snprintf(buf + off, n - off, "%ssignal", off ? "," : "");
        if (w < 0 || (size_t)w >= n - off)
            return -1;
    }
    return 0;
}

int
dsq_retry_wanted(const struct dsq_retry *r, const struct dsq_record *end, unsigned tries)
{
    if (!r || tries > r->retries)
        return 0;
    switch (end->state) {
    case DSQ_ST_FAILED:
        return r->any || (end->exit > 0 && end->exit < 256 &&
                          (r->exits[end->exit / 8] & (1u << (end->exit % 8))));
    case DSQ_ST_SIGNALED:
        return r->any || r->on_signal;
    default:
        return 0; /* ok, or interrupted: the task is being stopped */
    }
}
