/* escalate: an escalating rerun's plan, line by line (see escalate.h). */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "escalate.h"

/* What a line asked when it last ran (or was last planned). */
static struct dsq_resources
asked_of(const struct dsq_report *r, const struct dsq_line_info *li)
{
    const struct dsq_attempt *a = dsq_manifest_attempt(&r->m, li->planned);

    if (!a)
        a = &r->m.attempts[0];
    return *dsq_attempt_task_resources(a, li->task);
}

static uint64_t
times_u64(uint64_t v, double f)
{
    return (uint64_t)ceil((double)v * f);
}

/* Raise a line's memory by factor, within the cap. */
static enum dsq_escalate_what
raise_mem(struct dsq_resources *x, double factor, const struct dsq_slurm_partition *cap)
{
    uint64_t *mem = x->mem_mib ? &x->mem_mib : &x->mem_per_cpu_mib;
    unsigned cpus = x->cpus ? x->cpus : 1;
    uint64_t limit = 0, want;

    if (!*mem)
        return DSQ_ESC_NOT_ASKED;
    if (cap->known && cap->max_mem_mib) {
        /* The partition's limit, in the line's own kind of asking. */
        uint64_t total = cap->mem_per_cpu ? cap->max_mem_mib * cpus : cap->max_mem_mib;
        limit = x->mem_mib ? total : total / cpus;
    }
    if (limit && *mem >= limit)
        return DSQ_ESC_AT_CAP;
    want = times_u64(*mem, factor);
    if (want <= *mem)
        want = *mem + 1;
    if (limit && want > limit) {
        *mem = limit;
        return DSQ_ESC_CAPPED;
    }
    *mem = want;
    return DSQ_ESC_RAISED;
}

/* Raise a line's time limit by factor, within the cap. */
static enum dsq_escalate_what
raise_time(struct dsq_resources *x, double factor, const struct dsq_slurm_partition *cap)
{
    long limit = cap->known ? cap->max_time_s : -1, want;

    if (x->time_s <= 0)
        return DSQ_ESC_NOT_ASKED;
    if (limit > 0 && x->time_s >= limit)
        return DSQ_ESC_AT_CAP;
    want = (long)ceil((double)x->time_s * factor);
    if (want <= x->time_s)
        want = x->time_s + 1;
    if (limit > 0 && want > limit) {
        x->time_s = limit;
        return DSQ_ESC_CAPPED;
    }
    x->time_s = want;
    return DSQ_ESC_RAISED;
}

int
dsq_escalate_plan(const struct dsq_report *r, const size_t *lines, size_t n, double factor,
                  const struct dsq_slurm_partition *cap, struct dsq_escalation *e)
{
    size_t j = 0;

    memset(e, 0, sizeof *e);
    e->v = calloc(n ? n : 1, sizeof *e->v);
    e->lines = calloc(n ? n : 1, sizeof *e->lines);
    e->res = calloc(n ? n : 1, sizeof *e->res);
    if (!e->v || !e->lines || !e->res) {
        dsq_escalation_free(e);
        return -1;
    }
    for (size_t i = 0; i < r->nlines && j < n; i++) {
        const struct dsq_line_info *li = &r->lines[i];
        struct dsq_escalate_line *x;

        if (li->line != lines[j])
            continue;
        x = &e->v[e->n++];
        x->line = li->line;
        x->cause = li->cause;
        x->was = x->asks = asked_of(r, li);
        if (li->cause == DSQ_CAUSE_OUT_OF_MEMORY)
            x->what = raise_mem(&x->asks, factor, cap);
        else if (li->cause == DSQ_CAUSE_TIME_LIMIT)
            x->what = raise_time(&x->asks, factor, cap);
        if (x->what != DSQ_ESC_AT_CAP && x->what != DSQ_ESC_NOT_ASKED) {
            e->lines[e->nlines] = li->line;
            e->res[e->nlines++] = x->asks;
        }
        j++;
    }
    return 0;
}

void
dsq_escalation_free(struct dsq_escalation *e)
{
    if (!e)
        return;
    free(e->v);
    free(e->lines);
    free(e->res);
    memset(e, 0, sizeof *e);
}

const char *
dsq_escalate_partition(const struct dsq_attempt *a)
{
    const char *p = NULL;

    for (size_t k = 0; k < a->sbatch.n; k++)
        if (!strncmp(a->sbatch.v[k], "--partition=", 12))
            p = a->sbatch.v[k] + 12;
    /* Several partitions: Slurm picks one; no single cap applies. */
    return p && !strchr(p, ',') ? p : NULL;
}

enum dsq_follow_verdict
dsq_escalate_follow(const struct dsq_report *r, unsigned number, const struct dsq_escalation *e)
{
    int gain = 0, failed = 0;

    if (r->m.nattempts != number)
        return DSQ_FOLLOW_SUPERSEDED;
    for (size_t i = 0; i < r->nlines; i++)
        if (r->lines[i].planned == number && r->lines[i].cause == DSQ_CAUSE_CANCELLED)
            return DSQ_FOLLOW_CANCELLED;
    for (size_t k = 0; k < e->n; k++) {
        const struct dsq_escalate_line *x = &e->v[k];
        failed = 1;
        if (x->what != DSQ_ESC_AT_CAP && x->what != DSQ_ESC_NOT_ASKED && x->cause != DSQ_CAUSE_EXIT)
            gain = 1;
    }
    if (!failed)
        return DSQ_FOLLOW_ALL_OK;
    return gain ? DSQ_FOLLOW_RERUN : DSQ_FOLLOW_NO_GAIN;
}
