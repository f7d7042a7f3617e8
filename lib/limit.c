/* limit: see limit.h. */
#include "config.h"

#include <string.h>

#include "limit.h"
#include "parse.h"

/* 10^8 is far above any array Slurm allows (MaxArraySize is at most
 * 4000001) and far below where counts overflow. */
#define COUNT_MAX 100000000UL

static const struct dsq_limit limits[DSQ_LIMIT__COUNT] = {
    [DSQ_LIMIT_MAX_JOBS] = {"max-jobs", DSQ_LIMIT_WHOLE, 1, COUNT_MAX},
    [DSQ_LIMIT_PARALLEL] = {"parallel", DSQ_LIMIT_WHOLE, 1, COUNT_MAX},
    [DSQ_LIMIT_LINES_PER_TASK] = {"lines-per-task", DSQ_LIMIT_WHOLE, 1, COUNT_MAX},
    [DSQ_LIMIT_TASKS] = {"tasks", DSQ_LIMIT_WHOLE, 1, COUNT_MAX},
    [DSQ_LIMIT_MAX_ARRAY_TASKS] = {"max-array-tasks", DSQ_LIMIT_WHOLE, 1, COUNT_MAX},
    /* sbatch --signal accepts @0..65535. */
    [DSQ_LIMIT_SIGNAL_LEAD] = {"signal-lead", DSQ_LIMIT_WHOLE_SECONDS, 0, 65535},
    /* A day: more than any KillWait a site sets, so that neither a site's
     * configuration nor a user's command line is ever refused a grace the
     * other accepts. */
    [DSQ_LIMIT_KILL_GRACE] = {"kill-grace", DSQ_LIMIT_SECONDS, 0, 86400},
    /* A hundred tries of one line is already a loop, not a retry. */
    [DSQ_LIMIT_RETRIES] = {"retries", DSQ_LIMIT_WHOLE, 0, 100},
    [DSQ_LIMIT_MAX_FAILURES] = {"max-failures", DSQ_LIMIT_WHOLE, 0, COUNT_MAX},
    /* Each rerun is a new array: a hundred is already far past useful. */
    [DSQ_LIMIT_AUTO_RERUN] = {"auto-rerun", DSQ_LIMIT_WHOLE, 0, 100},
    [DSQ_LIMIT_FOLLOW_UP_OF] = {"follow-up-of", DSQ_LIMIT_WHOLE, 1, COUNT_MAX},
    /* Up to a year: past any partition's time limit. */
    [DSQ_LIMIT_TASK_TIME] = {"task-time", DSQ_LIMIT_SECONDS, 1, 31536000},
};

const struct dsq_limit *
dsq_limit_get(enum dsq_limit_id id)
{
    return &limits[id];
}

const struct dsq_limit *
dsq_limit_find(const char *name)
{
    for (int i = 0; i < DSQ_LIMIT__COUNT; i++)
        if (!strcmp(limits[i].name, name))
            return &limits[i];
    return NULL;
}

int
dsq_limit_parse_ulong(const struct dsq_limit *l, const char *s, unsigned long *out)
{
    if (l->kind == DSQ_LIMIT_SECONDS) {
        double d;
        if (dsq_limit_parse_double(l, s, &d) < 0 || d != (double)(unsigned long)d)
            return -1;
        *out = (unsigned long)d;
        return 0;
    }
    return dsq_parse_ulong(s, l->min, l->max, out);
}

int
dsq_limit_parse_double(const struct dsq_limit *l, const char *s, double *out)
{
    unsigned long v;

    if (l->kind == DSQ_LIMIT_SECONDS)
        return dsq_parse_double(s, (double)l->min, (double)l->max, out);
    if (dsq_parse_ulong(s, l->min, l->max, &v) < 0)
        return -1;
    *out = (double)v;
    return 0;
}

const char *
dsq_limit_what(const struct dsq_limit *l)
{
    switch (l->kind) {
    case DSQ_LIMIT_WHOLE:
        return l->min > 0 ? "a positive integer" : "a whole number";
    case DSQ_LIMIT_WHOLE_SECONDS:
        return "a whole number of seconds";
    case DSQ_LIMIT_SECONDS:
        return "a number of seconds";
    }
    return "a number";
}
