/* report-stats: the numbers of a merged report (see report-stats.h): one
 * pass over the lines, then a selection for the median and p95 and a sort
 * of the failures only, so a million lines cost little more than reading
 * their records. */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plan.h"
#include "report-stats.h"
#include "select.h"
#include "sys.h"

/* A failure, to be grouped. */
struct member {
    enum dsq_cause cause;
    int code;
    enum dsq_state state;
    size_t idx; /* line index */
};

/* The median of v[0..n), n > 0, reordering v: afterwards v[0..n/2) holds
 * the smaller half and v[n/2..n) the larger. */
static double
median_of(double *v, size_t n)
{
    double hi = dsq_select_double(v, n, n / 2), lo;

    if (n % 2)
        return hi;
    lo = v[0];
    for (size_t k = 1; k < n / 2; k++)
        if (v[k] > lo)
            lo = v[k];
    return (lo + hi) / 2;
}

static int
member_cmp(const void *a, const void *b)
{
    const struct member *x = a, *y = b;

    if (x->cause != y->cause)
        return x->cause < y->cause ? -1 : 1;
    if (x->code != y->code)
        return x->code < y->code ? -1 : 1;
    if (x->state != y->state)
        return x->state < y->state ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int
group_cmp(const void *a, const void *b)
{
    const struct dsq_report_group *x = a, *y = b;

    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    if (x->cause != y->cause)
        return x->cause < y->cause ? -1 : 1;
    if (x->code != y->code)
        return x->code < y->code ? -1 : 1;
    return x->state < y->state ? -1 : x->state > y->state;
}

/* The failure group of a line, or -1 when it is not a failure. */
static int
failure_of(const struct dsq_line_info *li, struct member *mb)
{
    if (li->cause == DSQ_CAUSE_NONE)
        return -1;
    mb->cause = li->cause;
    mb->state = li->state;
    mb->code = li->cause == DSQ_CAUSE_EXIT     ? li->exit
               : li->cause == DSQ_CAUSE_SIGNAL ? li->signal
                                               : (int)dsq_report_slurm_code(li->slurm_state);
    return 0;
}

void
dsq_report_stats_free(struct dsq_report_stats *s)
{
    free(s->failed);
    free(s->groups);
    s->failed = NULL;
    s->groups = NULL;
}

/* The packing advice: when an array task of the current plan would last
 * only a few minutes, scheduling overhead dominates; suggest the lines per
 * task that make tasks of about ADVICE_TARGET_S. */
#define ADVICE_SHORT_S 300.0
#define ADVICE_TARGET_S 600.0

static void
stats_advice(const struct dsq_report *r, double *ok_el, size_t nok, struct dsq_report_stats *s)
{
    /* Packing is advice for planning the whole job file: attempt 1's plan. */
    const struct dsq_plan *p = &r->m.attempts[0].plan;
    /* A dry run's pool width is this machine's, not what a Slurm task gets. */
    unsigned w = r->m.attempts[0].dry_run || !p->parallel ? 1 : p->parallel;
    double median, task_s;
    size_t l, cur = p->lines_per_task ? p->lines_per_task : 1;

    /* One task has no scheduling overhead to save. */
    if (nok == 0 || r->nlines < 2 || p->tasks < 2)
        return;
    median = median_of(ok_el, nok);
    task_s = ceil((double)cur / w) * median;
    if (task_s >= ADVICE_SHORT_S)
        return;
    l = dsq_plan_advise_lines(median, ADVICE_TARGET_S, w);
    if (l > r->nlines)
        l = r->nlines;
    if (l <= cur)
        return;
    s->have_advice = 1;
    s->advice.median = median;
    s->advice.lines_per_task = l;
    s->advice.tasks = (r->nlines + l - 1) / l;
    s->advice.task_seconds = ceil((double)l / w) * median;
    s->advice.parallel = w;
}

/* --- resources ---------------------------------------------------------- */

uint64_t
dsq_report_round_mem(double mib)
{
    uint64_t v = 64;

    if (!(mib > 64))
        return 64;
    /* Powers of two; from 2 GiB on, three halves of each too. */
    for (;;) {
        if (v >= 2048 && (double)(v + v / 2) >= mib && (double)v < mib)
            return v + v / 2;
        if ((double)v >= mib)
            return v;
        if (v > UINT64_MAX / 4)
            return v;
        v *= 2;
    }
}

long
dsq_report_round_time(double seconds)
{
    static const long minutes[] = {1,  2,   5,   10,  15,  20,  30,  45,   60,
                                   90, 120, 180, 240, 360, 480, 720, 1080, 1440};
    const long day = 86400;

    for (size_t k = 0; k < sizeof minutes / sizeof minutes[0]; k++)
        if (!(seconds > (double)(minutes[k] * 60)))
            return minutes[k] * 60;
    if (seconds > 365.0 * day)
        return 365 * day;
    return (long)ceil(seconds / (double)day) * day;
}

/* Headroom: memory peaks vary with input, times more so. */
#define MEM_HEADROOM 1.2
#define TIME_HEADROOM 1.5
#define TIME_HEADROOM_MIN_S 60.0
#define CPU_SLACK 0.2

void
dsq_report_suggest(struct dsq_report_resources *res)
{
    struct dsq_report_mem *m = &res->mem;
    struct dsq_report_time *t = &res->time;
    struct dsq_report_cpus *c = &res->cpus;

    m->suggest_mib =
        m->max_kb > 0 ? dsq_report_round_mem((double)m->max_kb / 1024 * MEM_HEADROOM) : 0;
    m->oom_suggest_mib = 0;
    if (m->oom)
        m->oom_suggest_mib = dsq_report_round_mem(
            2 * (m->oom_at_mib ? (double)m->oom_at_mib : (double)m->max_kb / 1024));
    t->suggest_s =
        t->max > 0
            ? dsq_report_round_time(fmax(t->max * TIME_HEADROOM, t->max + TIME_HEADROOM_MIN_S))
            : 0;
    t->limited_suggest_s =
        t->limited && t->asked_s > 0 ? dsq_report_round_time(2 * (double)t->asked_s) : 0;
    c->suggest = 0;
    if (c->measured) {
        double k = ceil(c->p95 - CPU_SLACK);
        c->suggest = k < 1 ? 1 : (unsigned)k;
    }
}

/* The nearest-rank p95 and the max of v[0..n), n > 0, reordering v. */
static void
p95_max(double *v, size_t n, double *p95, double *max)
{
    *max = v[0];
    for (size_t k = 1; k < n; k++)
        if (v[k] > *max)
            *max = v[k];
    *p95 = dsq_select_double(v, n, (size_t)ceil(0.95 * (double)n) - 1);
}

/* Memory per line of resources p, in MiB, 0 not asked. */
static uint64_t
mem_of(const struct dsq_resources *p)
{
    if (p->mem_mib)
        return p->mem_mib;
    return p->mem_per_cpu_mib * (p->cpus ? p->cpus : 1);
}

/* What line li asked for in the attempt that last ran it (an escalated
 * attempt's arrays ask differently), else attempt 1's request. */
static const struct dsq_resources *
line_asked(const struct dsq_report *r, const struct dsq_line_info *li)
{
    const struct dsq_attempt *a = dsq_manifest_attempt(&r->m, li->attempt);

    if (!a)
        return &r->m.attempts[0].per_line;
    return li->attempt == li->planned ? dsq_attempt_task_resources(a, li->task) : &a->per_line;
}

static int
stats_resources(const struct dsq_report *r, struct dsq_report_stats *s)
{
    const struct dsq_attempt *a1 = &r->m.attempts[0];
    struct dsq_report_resources *res = &s->res;
    double *rss = dsq_calloc_big(r->nlines, sizeof *rss);
    double *el = dsq_calloc_big(r->nlines, sizeof *el);
    double *busy = dsq_calloc_big(r->nlines, sizeof *busy);
    size_t nrss = 0, nel = 0;
    double p95;

    if (!rss || !el || !busy) {
        free(rss);
        free(el);
        free(busy);
        return -1;
    }
    res->mem.asked_mib = mem_of(&a1->per_line);
    res->time.asked_s = a1->per_line.time_s;
    res->cpus.asked = a1->per_line.cpus;
    for (size_t i = 0; i < r->nlines; i++) {
        const struct dsq_line_info *li = &r->lines[i];
        const struct dsq_attempt *a = dsq_manifest_attempt(&r->m, li->attempt);

        const struct dsq_resources *p = line_asked(r, li);

        if (li->attempt && mem_of(p) > res->mem.asked_mib)
            res->mem.asked_mib = mem_of(p);
        if (li->attempt && p->time_s > res->time.asked_s)
            res->time.asked_s = p->time_s;
        if (li->cause == DSQ_CAUSE_OUT_OF_MEMORY) {
            uint64_t at = a ? mem_of(p) : 0;
            res->mem.oom++;
            if (at > res->mem.oom_at_mib)
                res->mem.oom_at_mib = at;
        }
        if (li->cause == DSQ_CAUSE_TIME_LIMIT &&
            (li->state == DSQ_ST_INTERRUPTED || li->state == DSQ_ST_LOST))
            res->time.limited++;
        if (!dsq_report_finished(li->state))
            continue;
        rss[nrss++] = (double)li->maxrss_kb;
        if (li->state == DSQ_ST_INTERRUPTED)
            continue; /* cut short: its time says nothing of its length */
        el[nel++] = li->elapsed;
        if (li->elapsed >= 1)
            busy[res->cpus.measured++] = (li->utime + li->stime) / li->elapsed;
    }
    if (nrss) {
        double max;
        p95_max(rss, nrss, &p95, &max);
        res->mem.max_kb = (long)max;
        res->mem.p95_kb = (long)p95;
    }
    if (nel)
        p95_max(el, nel, &res->time.p95, &res->time.max);
    if (res->cpus.measured)
        p95_max(busy, res->cpus.measured, &res->cpus.p95, &res->cpus.max);
    dsq_report_suggest(res);
    free(rss);
    free(el);
    free(busy);
    return 0;
}

/* Keep the SLOWEST longest, longest first; ties keep file order. */
static void
note_slow(const struct dsq_report *r, size_t i, struct dsq_report_stats *s)
{
    double el = r->lines[i].elapsed;
    size_t k = s->nslowest < DSQ_REPORT_SLOWEST ? s->nslowest++ : DSQ_REPORT_SLOWEST;

    while (k > 0 && r->lines[s->slowest[k - 1]].elapsed < el) {
        if (k < DSQ_REPORT_SLOWEST)
            s->slowest[k] = s->slowest[k - 1];
        k--;
    }
    if (k < DSQ_REPORT_SLOWEST)
        s->slowest[k] = i;
}

/* min, median, p95 (nearest rank) and max of el[0..n), n > 0, reordering
 * el. */
static void
spread(double *el, size_t n, struct dsq_report_stats *s)
{
    size_t p95 = (size_t)ceil(0.95 * (double)n) - 1;

    s->min = s->max = el[0];
    for (size_t k = 1; k < n; k++) {
        if (el[k] < s->min)
            s->min = el[k];
        if (el[k] > s->max)
            s->max = el[k];
    }
    s->median = median_of(el, n);
    /* median_of() left el[n/2..n) holding the largest values. */
    s->p95 = dsq_select_double(el + n / 2, n - n / 2, p95 - n / 2);
}

/* The failures members[0..n), sorted, as s's groups and line indices. */
static int
group_failures(struct member *members, size_t n, struct dsq_report_stats *s)
{
    qsort(members, n, sizeof *members, member_cmp);
    s->failed = malloc((n ? n : 1) * sizeof *s->failed);
    s->groups = malloc((n ? n : 1) * sizeof *s->groups);
    if (!s->failed || !s->groups)
        return -1;
    for (size_t k = 0; k < n; k++) {
        if (k == 0 || members[k].cause != members[k - 1].cause ||
            members[k].code != members[k - 1].code || members[k].state != members[k - 1].state) {
            struct dsq_report_group *g = &s->groups[s->ngroups++];
            g->cause = members[k].cause;
            g->code = members[k].code;
            g->state = members[k].state;
            g->count = 0;
            g->first = k;
        }
        s->groups[s->ngroups - 1].count++;
        s->failed[k] = members[k].idx;
    }
    s->nfailed = n;
    qsort(s->groups, s->ngroups, sizeof *s->groups, group_cmp);
    return 0;
}

int
dsq_report_stats_make(const struct dsq_report *r, struct dsq_report_stats *s)
{
    double *el = NULL, *ok_el = NULL, wall = 0, wall_cpus = 0, eff_cpu = 0;
    struct member *members;
    size_t nok = 0, nmembers = 0;
    int rc = -1;

    memset(s, 0, sizeof *s);
    el = dsq_calloc_big(r->nlines, sizeof *el);
    ok_el = dsq_calloc_big(r->nlines, sizeof *ok_el);
    members = malloc((r->nlines ? r->nlines : 1) * sizeof *members);
    if (!el || !ok_el || !members)
        goto out;
    for (size_t i = 0; i < r->nlines; i++) {
        const struct dsq_line_info *li = &r->lines[i];
        const struct dsq_attempt *a;
        unsigned cpus;
        struct member mb;

        if (failure_of(li, &mb) == 0) {
            mb.idx = i;
            members[nmembers++] = mb;
        }
        if (!dsq_report_finished(li->state))
            continue;
        el[s->finished++] = li->elapsed;
        if (li->state == DSQ_ST_OK)
            ok_el[nok++] = li->elapsed;
        s->cpu += li->utime + li->stime;
        wall += li->elapsed;
        /* CPUs per line are the attempt's that ran it (a rerun may ask for
         * more). */
        a = dsq_manifest_attempt(&r->m, li->attempt);
        cpus = a ? a->per_line.cpus : r->m.attempts[0].per_line.cpus;
        wall_cpus += li->elapsed * (cpus ? cpus : 1);
        /* The kernel's CPU time of a short line can exceed the wall time the
         * runner measured (tick accounting): efficiency counts a line's CPU
         * up to what its CPUs could give in its wall time, so one thread
         * never shows above 100 %. */
        eff_cpu += fmin(li->utime + li->stime, li->elapsed * (cpus ? cpus : 1));
        if (li->maxrss_kb > s->maxrss_kb || s->finished == 1) {
            s->maxrss_kb = li->maxrss_kb;
            s->maxrss_idx = i;
        }
        note_slow(r, i, s);
    }
    if (s->finished)
        spread(el, s->finished, s);
    if (wall > 0) {
        s->cpu_eff = eff_cpu / wall_cpus;
        s->have_eff = 1;
    }
    stats_advice(r, ok_el, nok, s);
    if (group_failures(members, nmembers, s) < 0 || stats_resources(r, s) < 0)
        goto out;
    rc = 0;
out:
    free(el);
    free(ok_el);
    free(members);
    if (rc < 0)
        dsq_report_stats_free(s);
    return rc;
}
