/* report-html: a report as one HTML page (see report-html.h).  Sections in
 * page order: head and states, measures, timeline, histograms, failures,
 * advice.  The page's structure is what tests/0140-html.bats reads in a
 * real browser: data-state/data-count on the states table, one
 * rect.bar[data-line] per line in the timeline, data-group on failures. */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report-html.h"
#include "report-stats.h"
#include "text.h"

#define GROUP_HTML 100 /* lines listed per failure group */
#define TITLE_CMD 400  /* bytes of a command shown on hover */
#define HIST_BINS 40   /* histogram bins */
#define MAX_REQUESTS 4 /* request markers per histogram */

/* --- what a bar is coloured by ------------------------------------------
 * The one place that decides a line's colour: kinds[] (class, label, colour,
 * how bad it is) and line_kind().  Today a kind is a state; once lines have
 * a cause (out_of_memory, time_limit, ...), add a kind per cause here and
 * have line_kind() return it: the CSS, the legend, the timeline and the
 * density strip all follow. */
enum kind {
    K_OK,
    K_FAILED,
    K_SIGNALED,
    K_INTERRUPTED,
    K_LOST,
    K_PENDING,
    K_RUNNING,
    K_NOT_RUN,
    K__N
};

static const struct {
    const char *cls;  /* CSS class suffix: k-<cls> */
    const char *fill; /* colour */
    int rank;         /* the worst kind of an interval wins */
} kinds[K__N] = {
    [K_OK] = {"ok", "#43a047", 0},
    [K_RUNNING] = {"running", "#1e88e5", 1},
    [K_PENDING] = {"pending", "#b0bec5", 2},
    [K_NOT_RUN] = {"not_run", "#78909c", 3},
    [K_INTERRUPTED] = {"interrupted", "#fb8c00", 4},
    [K_LOST] = {"lost", "#6d4c41", 5},
    [K_SIGNALED] = {"signaled", "#8e24aa", 6},
    [K_FAILED] = {"failed", "#e53935", 7},
};

static enum kind
state_kind(enum dsq_state st)
{
    static const enum kind map[DSQ_ST__COUNT] = {
        [DSQ_ST_OK] = K_OK,
        [DSQ_ST_FAILED] = K_FAILED,
        [DSQ_ST_SIGNALED] = K_SIGNALED,
        [DSQ_ST_INTERRUPTED] = K_INTERRUPTED,
        [DSQ_ST_LOST] = K_LOST,
        [DSQ_ST_PENDING] = K_PENDING,
        [DSQ_ST_RUNNING] = K_RUNNING,
        [DSQ_ST_NOT_RUN] = K_NOT_RUN,
    };
    return (unsigned)st < DSQ_ST__COUNT ? map[st] : K_NOT_RUN;
}

/* A line's cause, where it says more than its state's colour: the bar's
 * outline (class c-<cause>), its tooltip and data-cause.  Exit and signal
 * are what failed and signaled already show. */
static const struct {
    enum dsq_cause cause;
    const char *stroke;
} cause_marks[] = {
    {DSQ_CAUSE_OUT_OF_MEMORY, "#d81b60"}, {DSQ_CAUSE_TIME_LIMIT, "#f9a825"},
    {DSQ_CAUSE_CANCELLED, "#546e7a"},     {DSQ_CAUSE_NODE_FAILURE, "#3e2723"},
    {DSQ_CAUSE_PREEMPTED, "#00897b"},     {DSQ_CAUSE_HALTED, "#6a1b9a"},
    {DSQ_CAUSE_DSQ_ERROR, "#000000"},     {DSQ_CAUSE_UNKNOWN, "#9e9e9e"},
};
#define NCAUSE_MARKS (sizeof cause_marks / sizeof *cause_marks)

static int
cause_marked(enum dsq_cause c)
{
    for (size_t i = 0; i < NCAUSE_MARKS; i++) {
        if (cause_marks[i].cause == c)
            return 1;
    }
    return 0;
}

/* The kind of one bar: a line's latest state, or an earlier attempt's. */
static enum kind
line_kind(enum dsq_state st)
{
    return state_kind(st);
}

/* --- the page being written -------------------------------------------- */

struct page {
    struct dsq_buf *b;
    int oom;
    const struct dsq_report *r;
    double now;
};

static void pf(struct page *pg, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
pf(struct page *pg, const char *fmt, ...)
{
    va_list ap;

    if (pg->oom)
        return;
    va_start(ap, fmt);
    if (dsq_buf_vprintf(pg->b, fmt, ap) < 0)
        pg->oom = 1;
    va_end(ap);
}

static void
put(struct page *pg, const char *s)
{
    if (!pg->oom && dsq_buf_puts(pg->b, s) < 0)
        pg->oom = 1;
}

/* Text from outside dsq (job file, records, manifest, environment). */
static void
esc(struct page *pg, const char *s, size_t n)
{
    if (!pg->oom && dsq_buf_html(pg->b, s, n) < 0)
        pg->oom = 1;
}

static void
escs(struct page *pg, const char *s)
{
    esc(pg, s ? s : "?", strlen(s ? s : "?"));
}

/* A command, cut after max bytes (at a character boundary) with an ellipsis. */
static void
esc_cmd(struct page *pg, size_t i, size_t max)
{
    const char *c = dsq_jobfile_cmd(pg->r->jf, i);
    size_t n = pg->r->jf->cmds[i].len;

    if (n <= max) {
        esc(pg, c, n);
        return;
    }
    while (max > 0 && ((unsigned char)c[max] & 0xC0) == 0x80)
        max--;
    esc(pg, c, max);
    put(pg, "\xE2\x80\xA6");
}

/* Local wall-clock time; with_date adds the date. */
static void
fmt_clock(double t, int with_date, int tenths, char *buf, size_t n)
{
    time_t s = (time_t)floor(t);
    struct tm tm;
    size_t k;

    if (!localtime_r(&s, &tm) ||
        !(k = strftime(buf, n, with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm))) {
        snprintf(buf, n, "%.0f", t);
        return;
    }
    if (tenths)
        snprintf(buf + k, n - k, ".%d", (int)floor((t - floor(t)) * 10));
}

/* A duration; below a second in milliseconds, which a short test run's
 * axes need (dsq_duration_format() says 0.00 s). */
static void
fmt_dur(double s, char *buf, size_t n)
{
    if (s > 0 && s < 0.1)
        snprintf(buf, n, "%.2g ms", s * 1000);
    else
        dsq_duration_format(s, buf, n);
}

static void
put_dur(struct page *pg, double s)
{
    char b[32];

    fmt_dur(s, b, sizeof b);
    put(pg, b);
}

/* --- head --------------------------------------------------------------- */

static void
page_style(struct page *pg)
{
    put(pg,
        "<style>\n"
        "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:1240px;"
        "padding:0 1em;color:#212121;background:#fff}\n"
        "h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.2em;margin:1.4em 0 .4em;"
        "border-bottom:1px solid #ddd}h3{font-size:1em;margin:.8em 0 .2em}\n"
        "dl.head{display:grid;grid-template-columns:max-content auto;gap:.1em 1em;margin:.4em 0}"
        "dl.head dt{color:#616161}dl.head dd{margin:0;overflow-wrap:anywhere}\n"
        "table{border-collapse:collapse}td,th{padding:.1em .6em;text-align:left;"
        "vertical-align:top}td.n{text-align:right;font-variant-numeric:tabular-nums}\n"
        "tr.zero{color:#9e9e9e}code{font:12px/1.3 ui-monospace,monospace;"
        "white-space:pre-wrap;overflow-wrap:anywhere}\n"
        ".sw{display:inline-block;width:.9em;height:.9em;margin-right:.4em;"
        "vertical-align:-.1em;border-radius:2px}\n"
        "svg{display:block;width:100%;height:auto;font:11px system-ui,sans-serif}\n"
        "svg text{fill:#424242}svg .axis line{stroke:#e0e0e0}svg .axis text{fill:#757575}\n"
        "rect.bar:hover,rect.earlier:hover,rect.agg:hover,rect.hbar:hover{stroke:#000;"
        "stroke-width:1}\n"
        "rect.bar{stroke:#fff;stroke-width:.5}rect.earlier{fill-opacity:.35;stroke:#424242;stroke-"
        "width:.6;stroke-dasharray:2 2}\n"
        "rect.rerun{stroke:#212121;stroke-width:.8}\n"
        "line.att{stroke:#424242;stroke-dasharray:4 3}line.req{stroke:#c62828;"
        "stroke-width:1.5;stroke-dasharray:5 3}text.req{fill:#c62828}\n"
        "rect.hbar{fill:#5c6bc0}rect.lane{fill:#fafafa}\n"
        ".hists{display:grid;grid-template-columns:repeat(auto-fit,minmax(380px,1fr));gap:1em}"
        "figure{margin:0}figcaption{font-weight:600}\n"
        ".snap{background:#e3f2fd;border-left:4px solid #1e88e5;padding:.4em .8em}\n"
        ".note{color:#616161}footer{margin-top:2em;color:#9e9e9e;font-size:.9em}\n");
    for (int k = 0; k < K__N; k++)
        pf(pg, ".k-%s{fill:%s;background:%s}\n", kinds[k].cls, kinds[k].fill, kinds[k].fill);
    for (size_t c = 0; c < NCAUSE_MARKS; c++)
        pf(pg, "rect.c-%s{stroke:%s;stroke-width:2.5}.sw.c-%s{border:3px solid %s}\n",
           dsq_cause_name(cause_marks[c].cause), cause_marks[c].stroke,
           dsq_cause_name(cause_marks[c].cause), cause_marks[c].stroke);
    put(pg, "</style>\n");
}

static void
page_head(struct page *pg)
{
    const struct dsq_report *r = pg->r;
    char when[64];

    /* Nothing may be fetched or run, whatever the page holds: styles are
     * inline, everything else is refused. */
    put(pg, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
            "style-src 'unsafe-inline'; img-src 'none'; script-src 'none'; form-action 'none'; "
            "base-uri 'none'\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"generator\" content=\"dsq " PACKAGE_VERSION "\">\n<title>dsq report: ");
    escs(pg, r->m.run_id);
    put(pg, "</title>\n");
    page_style(pg);
    put(pg, "</head>\n<body>\n<header>\n<h1>dsq report: ");
    escs(pg, r->m.run_id);
    put(pg, "</h1>\n");
    if (!r->over) {
        fmt_clock(pg->now, 1, 0, when, sizeof when);
        pf(pg,
           "<p class=\"snap\" id=\"snapshot\">A snapshot at %s: the run is still in progress "
           "(%zu pending, %zu running).</p>\n",
           when, r->counts[DSQ_ST_PENDING], r->counts[DSQ_ST_RUNNING]);
    }
    put(pg, "<dl class=\"head\">\n<dt>directory</dt><dd>");
    escs(pg, r->m.run_dir);
    put(pg, "</dd>\n<dt>job file</dt><dd>");
    escs(pg, r->m.jobfile);
    put(pg, "</dd>\n<dt>job ids</dt><dd id=\"job-ids\">");
    for (size_t k = 0; k < r->m.nattempts; k++) {
        const struct dsq_attempt *a = &r->m.attempts[k];

        if (k)
            put(pg, "; ");
        if (a->job_ids.n == 0)
            put(pg, a->dry_run         ? "none (dry run)"
                    : r->maybe_by_hand ? "none known (not submitted by dsq)"
                    : a->submit_error  ? "none (sbatch refused it)"
                                       : "none (not submitted)");
        for (size_t i = 0; i < a->job_ids.n; i++) {
            if (i)
                put(pg, ", ");
            escs(pg, a->job_ids.v[i]);
        }
        if (r->m.nattempts > 1)
            pf(pg, " (attempt %u, %zu line%s)", a->number, a->plan.ncmds,
               a->plan.ncmds == 1 ? "" : "s");
    }
    pf(pg, "</dd>\n<dt>attempts</dt><dd id=\"attempts\">%zu</dd>\n", r->m.nattempts);
    pf(pg, "<dt>lines</dt><dd id=\"total\" data-total=\"%zu\">%zu, %s</dd>\n", r->nlines, r->nlines,
       r->over ? "over" : "in progress");
    fmt_clock(pg->now, 1, 0, when, sizeof when);
    pf(pg, "<dt>written</dt><dd>%s</dd>\n</dl>\n", when);
}

/* The states as one stacked bar, then a table with every state's count
 * (all of them, as report --json has them). */
static void
page_states(struct page *pg)
{
    const struct dsq_report *r = pg->r;
    double x = 0;

    put(pg, "<svg class=\"statebar\" viewBox=\"0 0 1000 24\" role=\"img\" "
            "aria-label=\"lines per state\">\n");
    for (int st = 0; st < DSQ_ST__COUNT; st++) {
        double w;

        if (!r->counts[st] || !r->nlines)
            continue;
        w = 1000.0 * (double)r->counts[st] / (double)r->nlines;
        pf(pg,
           "<rect class=\"k-%s\" x=\"%.2f\" y=\"0\" width=\"%.2f\" height=\"24\"><title>%zu %s"
           "</title></rect>\n",
           kinds[state_kind((enum dsq_state)st)].cls, x, w, r->counts[st],
           dsq_state_name((enum dsq_state)st));
        x += w;
    }
    put(pg, "</svg>\n<table class=\"states\" id=\"states\">\n");
    for (int st = 0; st < DSQ_ST__COUNT; st++) {
        const char *name = dsq_state_name((enum dsq_state)st);

        pf(pg,
           "<tr data-state=\"%s\" data-count=\"%zu\"%s><td><span class=\"sw k-%s\"></span>%s</td>"
           "<td class=\"n\">%zu</td></tr>\n",
           name, r->counts[st], r->counts[st] ? "" : " class=\"zero\"",
           kinds[state_kind((enum dsq_state)st)].cls, name, r->counts[st]);
    }
    put(pg, "</table>\n</header>\n");
}

static void
page_measures(struct page *pg, const struct dsq_report_stats *s)
{
    const struct dsq_report *r = pg->r;
    unsigned cpus = r->m.attempts[0].per_line.cpus;
    char b[64];

    if (!s->finished)
        return;
    put(pg, "<h2>Measures</h2>\n<dl class=\"head\">\n<dt>wall time</dt><dd>min ");
    put_dur(pg, s->min);
    put(pg, ", median ");
    put_dur(pg, s->median);
    put(pg, ", p95 ");
    put_dur(pg, s->p95);
    put(pg, ", max ");
    put_dur(pg, s->max);
    pf(pg, " (%zu finished line%s)</dd>\n<dt>CPU time</dt><dd>", s->finished,
       s->finished == 1 ? "" : "s");
    put_dur(pg, s->cpu);
    if (s->have_eff)
        pf(pg, ", efficiency %.0f%% of %u CPU%s per line", s->cpu_eff * 100, cpus ? cpus : 1,
           cpus > 1 ? "s" : "");
    dsq_report_kb_format(s->maxrss_kb, b, sizeof b);
    pf(pg, "</dd>\n<dt>peak memory</dt><dd>%s (line %zu)</dd>\n<dt>slowest</dt><dd>", b,
       r->lines[s->maxrss_idx].line);
    for (size_t k = 0; k < s->nslowest; k++) {
        pf(pg, "%sline %zu (", k ? ", " : "", r->lines[s->slowest[k]].line);
        put_dur(pg, r->lines[s->slowest[k]].elapsed);
        put(pg, ")");
    }
    put(pg, "</dd>\n</dl>\n");
}

/* --- the timeline ------------------------------------------------------- */

/* One bar: a line's latest attempt, or (with history) an earlier one. */
struct bar {
    double s, e;
    const char *host;
    size_t idx; /* line index */
    size_t row;
    const struct dsq_history *h; /* the earlier attempt, NULL: the latest */
    enum kind kind;
};

struct timeline {
    struct bar *bars;
    size_t nbars, cap;
    size_t nrows;
    char **row_host; /* borrowed host of each row (NULL: unknown) */
    unsigned *row_lane;
    unsigned *row_cap; /* lanes a row stands for (aggregated per host) */
    double t0, t1;
    int aggregate;
};

static int
bar_add(struct timeline *tl, const struct bar *b)
{
    if (tl->nbars == tl->cap) {
        struct bar *nb = dsq_grow(tl->bars, &tl->cap, tl->nbars + 1, sizeof *nb, 256);
        if (!nb)
            return -1;
        tl->bars = nb;
    }
    tl->bars[tl->nbars++] = *b;
    return 0;
}

static int
bar_cmp(const void *a, const void *b)
{
    const struct bar *x = a, *y = b;
    int c = strcmp(x->host ? x->host : "", y->host ? y->host : "");

    if (c)
        return c;
    if (x->s != y->s)
        return x->s < y->s ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Every line that started, and with history every earlier attempt that
 * did.  A running line's bar ends now; a lost one's where it started. */
static int
timeline_bars(struct page *pg, struct timeline *tl)
{
    const struct dsq_report *r = pg->r;

    for (size_t i = 0; i < r->nlines; i++) {
        const struct dsq_line_info *li = &r->lines[i];
        struct bar b = {0};

        if (r->history) {
            for (size_t k = r->hist_first[i]; k < r->hist_first[i + 1]; k++) {
                const struct dsq_history *h = &r->history[k];

                if (h->start <= 0 || (h->attempt == li->attempt && h->start == li->start))
                    continue;
                b = (struct bar){
                    h->start,           h->end > h->start ? h->end : h->start, h->host, i, 0, h,
                    line_kind(h->state)};
                if (bar_add(tl, &b) < 0)
                    return -1;
            }
        }
        if (li->attempt == 0 || li->start <= 0)
            continue;
        b = (struct bar){li->start, li->start, li->host, i, 0, NULL, line_kind(li->state)};
        if (li->state == DSQ_ST_RUNNING)
            b.e = pg->now > li->start ? pg->now : li->start;
        else if (li->end > li->start)
            b.e = li->end;
        if (bar_add(tl, &b) < 0)
            return -1;
    }
    return 0;
}

/* A min-heap of (end, lane): the lane that frees first. */
struct lane {
    double end;
    unsigned lane;
};

static void
heap_down(struct lane *h, size_t n, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, m = i;
        struct lane t;

        if (l < n && h[l].end < h[m].end)
            m = l;
        if (l + 1 < n && h[l + 1].end < h[m].end)
            m = l + 1;
        if (m == i)
            return;
        t = h[i], h[i] = h[m], h[m] = t;
        i = m;
    }
}

static void
heap_up(struct lane *h, size_t i)
{
    while (i > 0 && h[(i - 1) / 2].end > h[i].end) {
        struct lane t = h[i];
        h[i] = h[(i - 1) / 2], h[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
}

/* Rows: per host, as many lanes as it ran bars at once (records do not say
 * which slot ran a line, so a bar takes the lane that freed first; a host
 * gets as many lanes as it had slots busy at once).  Aggregated beyond
 * DSQ_HTML_MAX_ROWS lanes: one row per host. */
static int
timeline_rows(struct timeline *tl)
{
    struct lane *heap = NULL;
    size_t hcap = 0, rows = 0, hosts = 0;
    size_t *host_row = NULL; /* first row of each bar's host run */
    int rc = -1;

    qsort(tl->bars, tl->nbars, sizeof *tl->bars, bar_cmp);
    tl->t0 = tl->t1 = 0;
    for (size_t i = 0; i < tl->nbars;) {
        size_t j = i, n = 0;
        unsigned lanes = 0;

        while (j < tl->nbars && !bar_cmp(&(struct bar){0, 0, tl->bars[i].host, 0, 0, NULL, 0},
                                         &(struct bar){0, 0, tl->bars[j].host, 0, 0, NULL, 0}))
            j++;
        for (size_t k = i; k < j; k++) {
            struct bar *b = &tl->bars[k];

            if (n && heap[0].end <= b->s + 1e-6) {
                b->row = heap[0].lane;
                heap[0].end = b->e;
                heap_down(heap, n, 0);
            } else {
                struct lane *nh = dsq_grow(heap, &hcap, n + 1, sizeof *nh, 16);
                if (!nh)
                    goto out;
                heap = nh;
                heap[n] = (struct lane){b->e, lanes};
                b->row = lanes++;
                heap_up(heap, n++);
            }
            if (tl->t0 == 0 || b->s < tl->t0)
                tl->t0 = b->s;
            if (b->e > tl->t1)
                tl->t1 = b->e;
        }
        /* b->row is the lane within the host for now: rows + lane below. */
        for (size_t k = i; k < j; k++)
            tl->bars[k].row += rows;
        {
            size_t nr = rows + lanes;
            char **rh = realloc(tl->row_host, nr * sizeof *rh);
            unsigned *rl = rh ? realloc(tl->row_lane, nr * sizeof *rl) : NULL;
            unsigned *rc2 = rl ? realloc(tl->row_cap, nr * sizeof *rc2) : NULL;

            if (rh)
                tl->row_host = rh;
            if (rl)
                tl->row_lane = rl;
            if (!rc2)
                goto out;
            tl->row_cap = rc2;
            for (unsigned l = 0; l < lanes; l++) {
                tl->row_host[rows + l] = (char *)tl->bars[i].host;
                tl->row_lane[rows + l] = l;
                tl->row_cap[rows + l] = 1;
            }
            rows = nr;
        }
        hosts++;
        i = j;
    }
    tl->nrows = rows;
    tl->aggregate = tl->nbars > DSQ_HTML_MAX_BARS || rows > DSQ_HTML_MAX_ROWS;
    if (tl->aggregate && rows > DSQ_HTML_MAX_ROWS) {
        /* One row per host: its lanes are its capacity. */
        size_t h = 0;

        host_row = malloc((rows ? rows : 1) * sizeof *host_row);
        if (!host_row)
            goto out;
        for (size_t k = 0; k < rows; k++) {
            if (k && tl->row_lane[k] == 0)
                h++;
            host_row[k] = h;
        }
        for (size_t k = 0; k < rows; k++) {
            tl->row_host[host_row[k]] = tl->row_host[k];
            tl->row_lane[host_row[k]] = 0;
            tl->row_cap[host_row[k]] = tl->row_lane[k] == 0 ? 1 : tl->row_cap[host_row[k]] + 1;
        }
        for (size_t k = 0; k < tl->nbars; k++)
            tl->bars[k].row = host_row[tl->bars[k].row];
        tl->nrows = hosts;
    }
    if (tl->t1 - tl->t0 < 1e-3)
        tl->t1 = tl->t0 + 1;
    rc = 0;
out:
    free(host_row);
    free(heap);
    return rc;
}

/* Geometry, in SVG user units. */
#define TL_W 1200.0
#define TL_LEFT 180.0
#define TL_RIGHT 10.0
#define TL_AXIS 22.0
#define TL_ROW 16.0
#define TL_BAR 12.0

static double
tl_x(const struct timeline *tl, double t)
{
    return TL_LEFT + (t - tl->t0) / (tl->t1 - tl->t0) * (TL_W - TL_LEFT - TL_RIGHT);
}

/* Wall-clock ticks at a round step, labels in local time. */
static void
tl_axis(struct page *pg, const struct timeline *tl, double height)
{
    static const double steps[] = {0.1,  0.2,   0.5,   1,     2,     5,      10,    15,
                                   30,   60,    120,   300,   600,   900,    1800,  3600,
                                   7200, 10800, 21600, 43200, 86400, 172800, 604800};
    double span = tl->t1 - tl->t0, step = steps[sizeof steps / sizeof *steps - 1];
    int days = span > 86400;
    struct tm tm;
    time_t t0 = (time_t)floor(tl->t0);
    double off = 0;

    for (size_t k = 0; k < sizeof steps / sizeof *steps; k++)
        if (span / steps[k] <= 8) {
            step = steps[k];
            break;
        }
    /* Round ticks in local time: offset of local time from UTC. */
    if (localtime_r(&t0, &tm))
        off = (double)tm.tm_gmtoff;
    put(pg, "<g class=\"axis\">\n");
    for (double t = ceil((tl->t0 + off) / step) * step - off; t <= tl->t1 + 1e-9; t += step) {
        char lab[40];
        double x = tl_x(tl, t);

        fmt_clock(t, days, step < 1, lab, sizeof lab);
        pf(pg,
           "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/><text x=\"%.1f\" y=\"14\" "
           "text-anchor=\"middle\">%s</text>\n",
           x, TL_AXIS - 4, x, height, x, days ? lab + 5 : lab);
    }
    put(pg, "</g>\n");
}

static void
tl_row_labels(struct page *pg, const struct timeline *tl)
{
    for (size_t k = 0; k < tl->nrows; k++) {
        double y = TL_AXIS + (double)k * TL_ROW;

        pf(pg, "<rect class=\"lane\" x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\"/>",
           TL_LEFT, y + 1, TL_W - TL_LEFT - TL_RIGHT, TL_ROW - 2);
        pf(pg, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", TL_LEFT - 6, y + 12);
        if (tl->row_host[k] && strlen(tl->row_host[k]) > 22) {
            esc(pg, tl->row_host[k], 21);
            put(pg, "\xE2\x80\xA6");
        } else {
            escs(pg, tl->row_host[k] ? tl->row_host[k] : "unknown host");
        }
        if (tl->aggregate && tl->nrows < tl->nbars && tl->row_cap[k] > 1)
            pf(pg, " (%u lanes)", tl->row_cap[k]);
        else if (!(tl->aggregate && tl->row_cap[k] > 1))
            pf(pg, " / %u", tl->row_lane[k]);
        put(pg, "</text>\n");
    }
}

/* Hover text of a bar. */
static void
bar_title(struct page *pg, const struct bar *b)
{
    const struct dsq_line_info *li = &pg->r->lines[b->idx];
    enum dsq_state st = b->h ? b->h->state : li->state;
    int exit = b->h ? b->h->exit : li->exit, sig = b->h ? b->h->signal : li->signal;
    unsigned att = b->h ? b->h->attempt : li->attempt;
    int ended = b->h ? b->h->end > 0 : dsq_report_finished(li->state) && li->end > 0;
    char t1[40], t2[40], mem[32];

    pf(pg, "<title>line %zu: %s", li->line, dsq_state_name(st));
    if (ended && st == DSQ_ST_FAILED && exit >= 0)
        pf(pg, " (exit %d)", exit);
    else if (ended && sig > 0)
        pf(pg, dsq_signal_abbrev(sig) ? " (signal %d, %s)" : " (signal %d)", sig,
           dsq_signal_abbrev(sig));
    if (!b->h && li->cause != DSQ_CAUSE_NONE)
        pf(pg, ", cause %s", dsq_cause_name(li->cause));
    if (!b->h && li->slurm_state)
        pf(pg, " (Slurm: %s)", li->slurm_state);
    pf(pg, "\nattempt %u%s, ", att, b->h ? " (an earlier one)" : "");
    if (!b->h && li->tries > 1)
        pf(pg, "try %u (--retries), ", li->tries);
    escs(pg, b->host ? b->host : "unknown host");
    fmt_clock(b->s, 0, 0, t1, sizeof t1);
    fmt_clock(b->e, 0, 0, t2, sizeof t2);
    pf(pg, "\n%s \xE2\x80\x93 %s", t1, ended ? t2 : st == DSQ_ST_RUNNING ? "now" : "?");
    if (ended) {
        put(pg, " (");
        put_dur(pg, b->h ? b->h->elapsed : li->elapsed);
        put(pg, ")");
    }
    if (ended && !b->h) {
        dsq_report_kb_format(li->maxrss_kb, mem, sizeof mem);
        pf(pg, ", peak memory %s", mem);
    }
    put(pg, "\n$ ");
    esc_cmd(pg, b->idx, TITLE_CMD);
    put(pg, "</title>");
}

static void
tl_bars(struct page *pg, const struct timeline *tl)
{
    for (size_t k = 0; k < tl->nbars; k++) {
        const struct bar *b = &tl->bars[k];
        const struct dsq_line_info *li = &pg->r->lines[b->idx];
        double x = tl_x(tl, b->s), w = tl_x(tl, b->e) - x;

        if (w < 1)
            w = 1;
        if (b->h)
            pf(pg, "<rect class=\"earlier k-%s\" data-earlier=\"%zu\" data-attempt=\"%u\"",
               kinds[b->kind].cls, li->line, b->h->attempt);
        else if (cause_marked(li->cause))
            pf(pg,
               "<rect class=\"bar k-%s%s c-%s\" data-line=\"%zu\" data-attempt=\"%u\" "
               "data-cause=\"%s\"",
               kinds[b->kind].cls, li->attempt > 1 ? " rerun" : "", dsq_cause_name(li->cause),
               li->line, li->attempt, dsq_cause_name(li->cause));
        else
            pf(pg, "<rect class=\"bar k-%s%s\" data-line=\"%zu\" data-attempt=\"%u\"%s%s%s",
               kinds[b->kind].cls, li->attempt > 1 ? " rerun" : "", li->line, li->attempt,
               li->cause != DSQ_CAUSE_NONE ? " data-cause=\"" : "",
               li->cause != DSQ_CAUSE_NONE ? dsq_cause_name(li->cause) : "",
               li->cause != DSQ_CAUSE_NONE ? "\"" : "");
        if (!b->h && li->tries > 1)
            pf(pg, " data-tries=\"%u\"", li->tries);
        pf(pg, " x=\"%.2f\" y=\"%.1f\" width=\"%.2f\" height=\"%.1f\">", x,
           TL_AXIS + (double)b->row * TL_ROW + (TL_ROW - TL_BAR) / 2, w, TL_BAR);
        bar_title(pg, b);
        put(pg, "</rect>\n");
    }
}

/* Where each attempt after the first began: a dashed line and its number. */
static void
tl_attempts(struct page *pg, const struct timeline *tl, double height)
{
    const struct dsq_report *r = pg->r;

    for (size_t a = 2; a <= r->m.nattempts; a++) {
        double first = 0;

        for (size_t k = 0; k < tl->nbars; k++) {
            const struct bar *b = &tl->bars[k];
            unsigned att = b->h ? b->h->attempt : r->lines[b->idx].attempt;
            if (att == a && (first == 0 || b->s < first))
                first = b->s;
        }
        if (first > 0) {
            double x = tl_x(tl, first);
            int left = x > TL_W - 100; /* the label left of the line */

            pf(pg,
               "<line class=\"att\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>"
               "<text x=\"%.1f\" y=\"%.1f\"%s>attempt %zu</text>\n",
               x, TL_AXIS, x, height, left ? x - 3 : x + 3, TL_AXIS + 10,
               left ? " text-anchor=\"end\"" : "", a);
        }
    }
}

/* Aggregated: per row and interval, the busy fraction (opacity) and the
 * worst kind that ran in it; runs of equal intervals are one rect. */
static int
tl_aggregate(struct page *pg, const struct timeline *tl)
{
    size_t nb = DSQ_HTML_BUCKETS, ncell = tl->nrows * nb;
    double dt = (tl->t1 - tl->t0) / (double)nb;
    float *busy = calloc(ncell ? ncell : 1, sizeof *busy);
    signed char *worst = malloc(ncell ? ncell : 1);

    if (!busy || !worst) {
        free(busy);
        free(worst);
        return -1;
    }
    memset(worst, -1, ncell);
    for (size_t k = 0; k < tl->nbars; k++) {
        const struct bar *b = &tl->bars[k];
        size_t b0 = (size_t)((b->s - tl->t0) / dt), b1 = (size_t)((b->e - tl->t0) / dt);

        if (b0 >= nb)
            b0 = nb - 1;
        if (b1 >= nb)
            b1 = nb - 1;
        for (size_t c = b0; c <= b1; c++) {
            double lo = tl->t0 + (double)c * dt, hi = lo + dt;
            double ov = (b->e < hi ? b->e : hi) - (b->s > lo ? b->s : lo);
            size_t cell = b->row * nb + c;

            busy[cell] += (float)(ov > 0 ? ov : 0);
            if (worst[cell] < 0 || kinds[b->kind].rank > kinds[worst[cell]].rank)
                worst[cell] = (signed char)b->kind;
        }
    }
    for (size_t row = 0; row < tl->nrows; row++) {
        for (size_t c = 0; c < nb;) {
            size_t cell = row * nb + c, e = c + 1;
            double frac = busy[cell] / (dt * tl->row_cap[row]);
            int q = (int)ceil((frac > 1 ? 1 : frac) * 4);
            char t1[40], t2[40];

            if (worst[cell] < 0) {
                c++;
                continue;
            }
            if (q < 1)
                q = 1;
            while (e < nb && worst[row * nb + e] == worst[cell] &&
                   (int)ceil(fmin(busy[row * nb + e] / (dt * tl->row_cap[row]), 1) * 4) == q)
                e++;
            fmt_clock(tl->t0 + (double)c * dt, 0, 0, t1, sizeof t1);
            fmt_clock(tl->t0 + (double)e * dt, 0, 0, t2, sizeof t2);
            pf(pg,
               "<rect class=\"agg k-%s\" fill-opacity=\"%.2f\" x=\"%.2f\" y=\"%.1f\" "
               "width=\"%.2f\" height=\"%.1f\"><title>%s \xE2\x80\x93 %s: busy %d\xE2\x80\x93%d%%, "
               "worst state %s</title></rect>\n",
               kinds[(int)worst[cell]].cls, 0.25 * q, tl_x(tl, tl->t0 + (double)c * dt),
               TL_AXIS + (double)row * TL_ROW + (TL_ROW - TL_BAR) / 2,
               tl_x(tl, tl->t0 + (double)e * dt) - tl_x(tl, tl->t0 + (double)c * dt), TL_BAR, t1,
               t2, (q - 1) * 25, q * 25, kinds[(int)worst[cell]].cls);
            c = e;
        }
    }
    free(busy);
    free(worst);
    return 0;
}

/* Lines ending per interval, stacked by kind: where failures cluster. */
static int
tl_density(struct page *pg, const struct timeline *tl)
{
    size_t nb = DSQ_HTML_BUCKETS, max = 0;
    size_t *cnt = calloc(nb * K__N, sizeof *cnt);
    double dt = (tl->t1 - tl->t0) / (double)nb, h = 80;

    if (!cnt)
        return -1;
    for (size_t k = 0; k < tl->nbars; k++) {
        const struct bar *b = &tl->bars[k];
        size_t c = (size_t)((b->e - tl->t0) / dt);

        if (b->h || !dsq_report_finished(pg->r->lines[b->idx].state))
            continue;
        cnt[(c < nb ? c : nb - 1) * K__N + b->kind]++;
    }
    for (size_t c = 0; c < nb; c++) {
        size_t sum = 0;
        for (int k = 0; k < K__N; k++)
            sum += cnt[c * K__N + k];
        if (sum > max)
            max = sum;
    }
    put(pg, "<h3>Lines ending per interval of ");
    put_dur(pg, dt);
    pf(pg,
       ", by state</h3>\n<svg class=\"density\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
       "aria-label=\"lines ending per interval\">\n",
       TL_W, h + 4);
    pf(pg, "<text x=\"%.1f\" y=\"12\" text-anchor=\"end\">%zu per interval</text>\n", TL_LEFT - 6,
       max);
    for (size_t c = 0; max && c < nb; c++) {
        double y = h;
        char t1[40];

        fmt_clock(tl->t0 + (double)c * dt, 0, dt < 1, t1, sizeof t1);
        for (int k = 0; k < K__N; k++) {
            size_t n = cnt[c * K__N + k];
            double bh = h * (double)n / (double)max;

            if (!n)
                continue;
            y -= bh;
            pf(pg,
               "<rect class=\"k-%s\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\">"
               "<title>%s: %zu %s</title></rect>\n",
               kinds[k].cls, tl_x(tl, tl->t0 + (double)c * dt), y,
               tl_x(tl, tl->t0 + dt) - tl_x(tl, tl->t0), bh, t1, n, kinds[k].cls);
        }
    }
    put(pg, "</svg>\n");
    free(cnt);
    return 0;
}

static void
legend(struct page *pg)
{
    put(pg, "<p class=\"legend\">");
    for (int k = 0; k < K__N; k++)
        pf(pg, "<span class=\"sw k-%s\"></span>%s &nbsp; ", kinds[k].cls, kinds[k].cls);
    put(pg, "<br>outlined by cause: ");
    for (size_t c = 0; c < NCAUSE_MARKS; c++)
        pf(pg, "<span class=\"sw c-%s\"></span>%s &nbsp; ", dsq_cause_name(cause_marks[c].cause),
           dsq_cause_name(cause_marks[c].cause));
    put(pg, "</p>\n");
}

static int
page_timeline(struct page *pg)
{
    struct timeline tl = {0};
    double height;
    char day[40];
    int rc = -1;

    put(pg, "<h2>Timeline</h2>\n");
    if (timeline_bars(pg, &tl) < 0 || timeline_rows(&tl) < 0)
        goto out;
    if (tl.nbars == 0) {
        put(pg, "<p class=\"note\" id=\"timeline\">No line has started yet.</p>\n");
        rc = 0;
        goto out;
    }
    fmt_clock(tl.t0, 1, 0, day, sizeof day);
    {
        struct tm tm;
        time_t t0 = (time_t)tl.t0;
        char tz[16] = "";

        if (localtime_r(&t0, &tm))
            strftime(tz, sizeof tz, "%Z", &tm);
        pf(pg, "<p class=\"note\">From %s to ", day);
        fmt_clock(tl.t1, 1, 0, day, sizeof day);
        pf(pg, "%s (%s, the local time of the machine that wrote this page). ", day, tz);
    }
    if (tl.aggregate)
        pf(pg,
           "%zu bars are too many to draw one by one: each row shows, per interval, how busy it "
           "was (opacity) and the worst state that ran in it.",
           tl.nbars);
    else
        put(pg, "One row per host and lane (a host has as many lanes as it ran lines at once), "
                "one bar per line from its start to its end; point at a bar for its details.");
    if (!tl.aggregate && pg->r->history)
        put(pg, " Fainter, dashed bars are earlier attempts of a line.");
    put(pg, "</p>\n");
    legend(pg);
    height = TL_AXIS + (double)tl.nrows * TL_ROW + 4;
    pf(pg,
       "<svg class=\"timeline\" id=\"timeline\" data-aggregated=\"%d\" data-rows=\"%zu\" "
       "viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"timeline\">\n",
       tl.aggregate, tl.nrows, TL_W, height);
    tl_row_labels(pg, &tl);
    tl_axis(pg, &tl, height);
    if (tl.aggregate) {
        if (tl_aggregate(pg, &tl) < 0)
            goto out;
    } else {
        tl_bars(pg, &tl);
    }
    tl_attempts(pg, &tl, height);
    put(pg, "</svg>\n");
    if (tl_density(pg, &tl) < 0)
        goto out;
    rc = 0;
out:
    free(tl.bars);
    free(tl.row_host);
    free(tl.row_lane);
    free(tl.row_cap);
    return rc;
}

/* --- histograms ---------------------------------------------------------- */

/* How a histogram's values are worded: seconds or KiB. */
static void
fmt_value(int mem, double v, char *buf, size_t n)
{
    if (mem)
        dsq_report_kb_format((long)llround(v), buf, n);
    else
        fmt_dur(v, buf, n);
}

/* v[0..n) in HIST_BINS bins, on a log scale when they span two orders of
 * magnitude or more; each requested value (req[0..nreq), attempt numbers
 * in req_att) a dashed line, the scale stretched to show it. */
static int
histogram(struct page *pg, const char *id, const char *what, int mem, const double *v, size_t n,
          const double *req, const unsigned *req_att, size_t nreq)
{
    double lo = 0, hi = 0, minpos = 0, w = 560, h = 150, left = 40, bw;
    size_t cnt[HIST_BINS] = {0}, max = 0;
    int logs;

    for (size_t i = 0; i < n; i++) {
        if (i == 0 || v[i] > hi)
            hi = v[i];
        if (v[i] > 0 && (minpos == 0 || v[i] < minpos))
            minpos = v[i];
    }
    for (size_t k = 0; k < nreq; k++)
        if (req[k] > hi)
            hi = req[k];
    logs = minpos > 0 && hi / minpos >= 100;
    if (logs) {
        lo = log10(minpos);
        hi = log10(hi) + 1e-9;
    } else {
        hi = hi > 0 ? hi * 1.0001 : 1;
    }
    if (hi <= lo)
        hi = lo + 1;
    for (size_t i = 0; i < n; i++) {
        double x = logs ? (v[i] > 0 ? log10(v[i]) : lo) : v[i];
        long b = (long)((x - lo) / (hi - lo) * HIST_BINS);

        b = b < 0 ? 0 : b >= HIST_BINS ? HIST_BINS - 1 : b;
        if (++cnt[b] > max)
            max = cnt[b];
    }
    pf(pg,
       "<figure class=\"hist\"><figcaption>%s of %zu finished line%s%s</figcaption>\n"
       "<svg id=\"%s\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"%s\">\n",
       what, n, n == 1 ? "" : "s", logs ? " (log scale)" : "", id, w + left + 36, h + 26, what);
    pf(pg, "<text x=\"%.1f\" y=\"12\" text-anchor=\"end\">%zu</text>\n", left - 4, max);
    bw = w / HIST_BINS;
    for (int b = 0; b < HIST_BINS; b++) {
        double e0 = lo + (hi - lo) * b / HIST_BINS, e1 = lo + (hi - lo) * (b + 1) / HIST_BINS;
        char l0[32], l1[32];
        double bh;

        if (!cnt[b])
            continue;
        bh = h * (double)cnt[b] / (double)max;
        fmt_value(mem, logs ? pow(10, e0) : e0, l0, sizeof l0);
        fmt_value(mem, logs ? pow(10, e1) : e1, l1, sizeof l1);
        pf(pg,
           "<rect class=\"hbar\" data-count=\"%zu\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" "
           "height=\"%.2f\"><title>%s \xE2\x80\x93 %s: %zu line%s</title></rect>\n",
           cnt[b], left + b * bw, 4 + h - bh, bw - 1, bh, l0, l1, cnt[b], cnt[b] == 1 ? "" : "s");
    }
    pf(pg, "<g class=\"axis\"><line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", left,
       h + 4, left + w, h + 4);
    for (int t = 0; t <= 4; t++) {
        double e = lo + (hi - lo) * t / 4;
        char lab[32];

        fmt_value(mem, logs ? pow(10, e) : e, lab, sizeof lab);
        pf(pg, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", left + w * t / 4,
           h + 20, lab);
    }
    put(pg, "</g>\n");
    for (size_t k = 0; k < nreq; k++) {
        double x = left + w * ((logs ? log10(req[k]) : req[k]) - lo) / (hi - lo);
        char lab[32];

        if (x < left)
            x = left;
        fmt_value(mem, req[k], lab, sizeof lab);
        pf(pg,
           "<line class=\"req\" x1=\"%.1f\" y1=\"4\" x2=\"%.1f\" y2=\"%.1f\"/><text class=\"req\" "
           "x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">requested %s",
           x, x, h + 4, x - 3, 16.0 + 12.0 * (double)k, lab);
        if (pg->r->m.nattempts > 1)
            pf(pg, " (attempt %u)", req_att[k]);
        put(pg, "</text>\n");
    }
    put(pg, "</svg></figure>\n");
    return 0;
}

/* The per-line requests of the attempts, distinct values only: time
 * (seconds) or memory (KiB). */
static size_t
requests(const struct dsq_report *r, int mem, double *req, unsigned *att)
{
    size_t n = 0;

    for (size_t k = 0; k < r->m.nattempts; k++) {
        const struct dsq_resources *p = &r->m.attempts[k].per_line;
        double v = 0;
        size_t j;

        if (mem)
            v = p->mem_mib ? (double)p->mem_mib * 1024
                           : (double)p->mem_per_cpu_mib * (p->cpus ? p->cpus : 1) * 1024;
        else if (p->time_s > 0 && p->time_s < 100L * 365 * 86400)
            v = (double)p->time_s;
        for (j = 0; j < n && req[j] != v; j++)
            ;
        if (v > 0 && j == n && n < MAX_REQUESTS) {
            req[n] = v;
            att[n++] = r->m.attempts[k].number;
        }
    }
    return n;
}

static int
page_histograms(struct page *pg)
{
    const struct dsq_report *r = pg->r;
    double *v = malloc((r->nlines ? r->nlines : 1) * sizeof *v), req[MAX_REQUESTS];
    unsigned att[MAX_REQUESTS];
    size_t n = 0, nreq;
    int rc = -1;

    if (!v)
        return -1;
    for (size_t i = 0; i < r->nlines; i++)
        if (dsq_report_finished(r->lines[i].state) && r->lines[i].end > 0)
            v[n++] = r->lines[i].elapsed;
    if (n == 0) {
        free(v);
        return 0;
    }
    put(pg, "<h2>Wall time and peak memory</h2>\n<div class=\"hists\">\n");
    nreq = requests(r, 0, req, att);
    if (histogram(pg, "hist-elapsed", "Wall time", 0, v, n, req, att, nreq) < 0)
        goto out;
    n = 0;
    for (size_t i = 0; i < r->nlines; i++)
        if (dsq_report_finished(r->lines[i].state) && r->lines[i].end > 0)
            v[n++] = (double)r->lines[i].maxrss_kb;
    nreq = requests(r, 1, req, att);
    if (histogram(pg, "hist-memory", "Peak memory", 1, v, n, req, att, nreq) < 0)
        goto out;
    put(pg, "</div>\n");
    rc = 0;
out:
    free(v);
    return rc;
}

/* --- failures and advice ------------------------------------------------ */

static void
page_failures(struct page *pg, const struct dsq_report_stats *s)
{
    const struct dsq_report *r = pg->r;

    if (!s->ngroups)
        return;
    put(pg, "<h2>Failures</h2>\n");
    for (size_t g = 0; g < s->ngroups; g++) {
        const struct dsq_report_group *gr = &s->groups[g];
        const struct dsq_line_info *first = &r->lines[s->failed[gr->first]];
        char name[64];

        dsq_report_group_name(gr, name, sizeof name);
        pf(pg,
           "<section class=\"group\" data-group=\"%s\" data-count=\"%zu\">\n<h3>%s: %zu "
           "line%s</h3>\n",
           name, gr->count, name, gr->count, gr->count == 1 ? "" : "s");
        if (gr->cause == DSQ_CAUSE_DSQ_ERROR && first->reason) {
            pf(pg, "<p>line %zu: ", first->line);
            escs(pg, first->reason);
            put(pg, "</p>\n");
        }
        put(pg, "<table>\n");
        for (size_t k = 0; k < gr->count && k < GROUP_HTML; k++) {
            size_t i = s->failed[gr->first + k];

            pf(pg, "<tr><td class=\"n\">%zu</td><td><code>", r->lines[i].line);
            esc_cmd(pg, i, 4 * TITLE_CMD);
            put(pg, "</code></td></tr>\n");
        }
        put(pg, "</table>\n");
        if (gr->count > GROUP_HTML)
            pf(pg, "<p class=\"note\">and %zu more lines (autopsy lists them all)</p>\n",
               gr->count - GROUP_HTML);
        put(pg, "</section>\n");
    }
}

static int
page_advice(struct page *pg, const struct dsq_report_stats *s, const struct dsq_report_words *words)
{
    const struct dsq_report *r = pg->r;
    struct dsq_buf b = {0};
    int any = 0;

    if (s->have_advice) {
        if (dsq_report_advice_text(s, words, &b) < 0)
            return -1;
        if (b.data) {
            put(pg, "<h2>Advice</h2>\n<p id=\"advice\">");
            escs(pg, b.data);
            put(pg, "</p>\n");
            any = 1;
        }
        dsq_buf_free(&b);
    }
    if (r->over && s->nfailed + r->counts[DSQ_ST_NOT_RUN] > 0 && words && words->rerun) {
        if (words->rerun(r->m.run_dir, &b) < 0)
            return -1;
        if (b.data) {
            pf(pg, "%s<p>Run again what did not end ok: <code id=\"rerun\">",
               any ? "" : "<h2>Advice</h2>\n");
            escs(pg, b.data);
            put(pg, "</code></p>\n");
        }
        dsq_buf_free(&b);
    }
    return 0;
}

/* --- the page ----------------------------------------------------------- */

int
dsq_report_html(const struct dsq_report *r, const struct dsq_report_words *words, double now,
                struct dsq_buf *out)
{
    struct page pg = {out, 0, r, now};
    struct dsq_report_stats s;
    int rc = -1;

    if (dsq_report_stats_make(r, &s) < 0)
        return -1;
    page_head(&pg);
    page_states(&pg);
    page_measures(&pg, &s);
    if (page_timeline(&pg) < 0 || page_histograms(&pg) < 0)
        goto out;
    page_failures(&pg, &s);
    if (page_advice(&pg, &s, words) < 0)
        goto out;
    put(&pg, "<footer>Written by dsq " PACKAGE_VERSION ". This page loads and runs nothing: "
             "it is all here.</footer>\n</body>\n</html>\n");
    rc = pg.oom ? -1 : 0;
out:
    dsq_report_stats_free(&s);
    return rc;
}
