/* report-print: a report written out (see report-print.h).  The summary's
 * labels, the JSON field order and the TSV columns are what scripts and
 * people read: dsq(1) documents them, and the tests pin them down.
 *
 * jansson's reference rules: see lib/record.c. */
#include "config.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "report-print.h"
#include "text.h"

#define GROUP_SHOW 5  /* lines listed per failure group, in the summary */
#define GROUP_JSON 10 /* and in JSON */

/* --- formatting helpers ------------------------------------------------ */

static const char *
signal_abbrev(int sig)
{
    return dsq_signal_abbrev(sig);
}

/* A duration for people (text.h). */
static void
fmt_dur(double s, char *buf, size_t n)
{
    dsq_duration_format(s, buf, n);
}

/* "about" a duration, for advice: "40 seconds", "10 minutes", "2.5 hours". */
static void
fmt_about(double s, char *buf, size_t n)
{
    if (s < 1.5)
        snprintf(buf, n, "1 second");
    else if (s < 90)
        snprintf(buf, n, "%.0f seconds", s);
    else if (s < 90 * 60)
        snprintf(buf, n, "%.0f minutes", s / 60);
    else
        snprintf(buf, n, "%.1f hours", s / 3600);
}

void
dsq_report_kb_format(long kb, char *buf, size_t n)
{
    if (kb < 1024)
        snprintf(buf, n, "%ld KiB", kb);
    else if (kb < 1024L * 1024)
        snprintf(buf, n, "%.1f MiB", (double)kb / 1024);
    else
        snprintf(buf, n, "%.2f GiB", (double)kb / (1024.0 * 1024));
}

/* A cause for people: "time limit", "out of memory", ... */
static const char *
cause_words(enum dsq_cause c)
{
    static const char *const words[DSQ_CAUSE__COUNT] = {
        [DSQ_CAUSE_NONE] = "none",
        [DSQ_CAUSE_EXIT] = "exit",
        [DSQ_CAUSE_SIGNAL] = "signal",
        [DSQ_CAUSE_OUT_OF_MEMORY] = "out of memory",
        [DSQ_CAUSE_TIME_LIMIT] = "time limit",
        [DSQ_CAUSE_CANCELLED] = "cancelled",
        [DSQ_CAUSE_NODE_FAILURE] = "node failure",
        [DSQ_CAUSE_PREEMPTED] = "preempted",
        [DSQ_CAUSE_HALTED] = "halted",
        [DSQ_CAUSE_DSQ_ERROR] = "not started by dsq",
        [DSQ_CAUSE_UNKNOWN] = "unknown",
    };

    return (unsigned)c < DSQ_CAUSE__COUNT ? words[c] : "unknown";
}

/* "exit 3", "signal 11 (SEGV)", "not started by dsq", or the cause with
 * the lines' state and Slurm's word: "time limit (interrupted, Slurm:
 * TIMEOUT)". */
void
dsq_report_group_name(const struct dsq_report_group *g, char *buf, size_t n)
{
    const char *abbr, *slurm;

    switch (g->cause) {
    case DSQ_CAUSE_EXIT:
        snprintf(buf, n, "exit %d", g->code);
        break;
    case DSQ_CAUSE_SIGNAL:
        abbr = signal_abbrev(g->code);
        if (abbr)
            snprintf(buf, n, "signal %d (%s)", g->code, abbr);
        else
            snprintf(buf, n, "signal %d", g->code);
        break;
    case DSQ_CAUSE_DSQ_ERROR:
        snprintf(buf, n, "%s", cause_words(g->cause));
        break;
    default:
        slurm = dsq_report_slurm_name((unsigned)g->code);
        snprintf(buf, n, "%s (%s%s%s)", cause_words(g->cause), dsq_state_name(g->state),
                 slurm ? ", Slurm: " : "", slurm ? slurm : "");
        break;
    }
}

int
dsq_report_advice_text(const struct dsq_report_stats *s, const struct dsq_report_words *words,
                       struct dsq_buf *b)
{
    char med[32], about[32];

    if (!words || !words->advice)
        return 0;
    fmt_dur(s->advice.median, med, sizeof med);
    fmt_about(s->advice.task_seconds, about, sizeof about);
    return words->advice(&s->advice, med, about, b);
}

/* --- text -------------------------------------------------------------- */

#define LABEL "%-13s"

/* " attempt 2 failed (exit 3, node1, 2.00 s)", ";" between entries. */
static void
print_history_entry(const struct dsq_history *h, int sep, FILE *out)
{
    char b[64];
    const char *abbr;
    int paren = 0;

    fprintf(out, "%s attempt %u", sep ? ";" : "", h->attempt);
    if (h->restart)
        fprintf(out, " (restart %u)", h->restart);
    fprintf(out, " %s", dsq_state_name(h->state));
    if (h->end > 0 && h->exit > 0) {
        fprintf(out, " (exit %d", h->exit);
        paren = 1;
    } else if (h->end > 0 && h->signal > 0) {
        abbr = signal_abbrev(h->signal);
        fprintf(out, abbr ? " (signal %d, %s" : " (signal %d", h->signal, abbr);
        paren = 1;
    }
    if (h->host && h->host[0]) {
        fprintf(out, "%s%s", paren ? ", " : " (", h->host);
        paren = 1;
    }
    if (h->end > 0) {
        fmt_dur(h->elapsed, b, sizeof b);
        fprintf(out, "%s%s", paren ? ", " : " (", b);
        paren = 1;
    }
    if (paren)
        fputc(')', out);
}

/* The lines shown after more than one try (--retries), and the tries they
 * took. */
static void
count_tries(const struct dsq_report *r, size_t *retried, size_t *tries)
{
    *retried = *tries = 0;
    for (size_t i = 0; i < r->nlines; i++) {
        if (r->lines[i].tries > 1) {
            (*retried)++;
            *tries += r->lines[i].tries;
        }
    }
}

/* "retried:", then "halted:" for each attempt --max-failures halted, with
 * the lines whose failures did it. */
static void
text_tries(const struct dsq_report *r, FILE *out)
{
    size_t retried, tries;

    count_tries(r, &retried, &tries);
    if (retried)
        fprintf(out, LABEL "%zu line%s run more than once (%zu tries in all)\n",
                "retried:", retried, retried == 1 ? "" : "s", tries);
    for (size_t k = 0; k < r->nhalts; k++) {
        const struct dsq_report_halt *h = &r->halts[k];
        size_t shown = 0;

        fprintf(out,
                LABEL "attempt %u stopped starting lines after %zu failure%s (--max-failures):",
                "halted:", h->attempt, h->nlines, h->nlines == 1 ? "" : "s");
        for (size_t j = 0; j < h->nlines && shown < 10; j++) {
            if (h->lines[j])
                fprintf(out, "%s line %zu", shown++ ? "," : "", h->lines[j]);
        }
        fputs(h->nlines > shown && shown ? ", ...\n" : "\n", out);
    }
}

/* run, directory, job file, job ids, lines, states. */
static void
text_head(const struct dsq_report *r, FILE *out)
{
    int first = 1;

    fprintf(out, LABEL "%s\n", "run:", r->m.run_id ? r->m.run_id : "?");
    fprintf(out, LABEL "%s\n", "directory:", r->m.run_dir ? r->m.run_dir : "?");
    fprintf(out, LABEL "%s\n", "job file:", r->m.jobfile ? r->m.jobfile : "?");
    fprintf(out, LABEL, "job ids:");
    for (size_t k = 0; k < r->m.nattempts; k++) {
        const struct dsq_attempt *a = &r->m.attempts[k];

        if (k)
            fputs("; ", out);
        if (a->job_ids.n == 0)
            fprintf(out, "%s%s%s",
                    a->dry_run         ? "none (dry run"
                    : r->maybe_by_hand ? "none known (not submitted by dsq; may have been by "
                                         "hand: Slurm cannot be asked"
                                       : "none (not submitted",
                    a->submit_error ? ": sbatch refused it" : "", r->m.nattempts > 1 ? "" : ")");
        for (size_t i = 0; i < a->job_ids.n; i++)
            fprintf(out, "%s%s", i ? ", " : "", a->job_ids.v[i]);
        /* Reruns: which attempt each is, and how many lines it took. */
        if (r->m.nattempts > 1)
            fprintf(out, "%sattempt %u, %zu line%s)", a->job_ids.n ? " (" : ", ", a->number,
                    a->plan.ncmds, a->plan.ncmds == 1 ? "" : "s");
    }
    fputc('\n', out);
    fprintf(out, LABEL "%zu, %s\n", "lines:", r->nlines, r->over ? "over" : "in progress");
    if (r->follow_up) {
        const struct dsq_attempt *f = dsq_manifest_attempt(&r->m, r->follow_up);
        fprintf(out,
                LABEL "job %s pending: reruns what ran out of memory or time once attempt %u is "
                      "over (up to %u more attempt%s)\n",
                "auto-rerun:", f->follow_up.job_id, f->number, f->follow_up.remaining,
                f->follow_up.remaining == 1 ? "" : "s");
    }
    if (r->unneeded)
        fprintf(out,
                LABEL "%zu array task%s unneeded: every line was claimed before %s started, "
                      "so dsq cancelled %s while pending\n",
                "tasks:", r->unneeded, r->unneeded == 1 ? "" : "s",
                r->unneeded == 1 ? "it" : "they", r->unneeded == 1 ? "it" : "them");
    fprintf(out, LABEL, "states:");
    for (int st = 0; st < DSQ_ST__COUNT; st++) {
        if (!r->counts[st])
            continue;
        fprintf(out, "%s%zu %s", first ? "" : ", ", r->counts[st],
                dsq_state_name((enum dsq_state)st));
        first = 0;
    }
    fputs(first ? "none\n" : "\n", out);
    text_tries(r, out);
}

/* wall time, CPU time, peak memory, slowest: of the finished lines. */
static void
text_measures(const struct dsq_report *r, const struct dsq_report_stats *s, FILE *out)
{
    unsigned cpus = r->m.attempts[0].per_line.cpus;
    char b1[64], b2[64], b3[64], b4[64];

    fmt_dur(s->min, b1, sizeof b1);
    fmt_dur(s->median, b2, sizeof b2);
    fmt_dur(s->p95, b3, sizeof b3);
    fmt_dur(s->max, b4, sizeof b4);
    fprintf(out, LABEL "min %s, median %s, p95 %s, max %s (%zu finished line%s)\n",
            "wall time:", b1, b2, b3, b4, s->finished, s->finished == 1 ? "" : "s");
    fmt_dur(s->cpu, b1, sizeof b1);
    if (s->have_eff)
        fprintf(out, LABEL "%s, efficiency %.0f%% of %u CPU%s per line\n", "CPU time:", b1,
                s->cpu_eff * 100, cpus ? cpus : 1, cpus > 1 ? "s" : "");
    else
        fprintf(out, LABEL "%s\n", "CPU time:", b1);
    dsq_report_kb_format(s->maxrss_kb, b1, sizeof b1);
    fprintf(out, LABEL "%s (line %zu)\n", "peak memory:", b1, r->lines[s->maxrss_idx].line);
    fprintf(out, LABEL, "slowest:");
    for (size_t k = 0; k < s->nslowest; k++) {
        fmt_dur(r->lines[s->slowest[k]].elapsed, b1, sizeof b1);
        fprintf(out, "%sline %zu (%s)", k ? ", " : "", r->lines[s->slowest[k]].line, b1);
    }
    fputc('\n', out);
}

/* Each failure group and its first lines; dsq's own reason for the first
 * line of a group dsq could not start. */
static void
text_failures(const struct dsq_report *r, const struct dsq_report_stats *s, FILE *out)
{
    char b[64];

    fprintf(out, "failures:\n");
    for (size_t g = 0; g < s->ngroups; g++) {
        const struct dsq_report_group *gr = &s->groups[g];
        const struct dsq_line_info *first = &r->lines[s->failed[gr->first]];

        dsq_report_group_name(gr, b, sizeof b);
        fprintf(out, "  %s: %zu line%s (", b, gr->count, gr->count == 1 ? "" : "s");
        for (size_t k = 0; k < gr->count && k < GROUP_SHOW; k++)
            fprintf(out, "%s%zu", k ? ", " : "", r->lines[s->failed[gr->first + k]].line);
        fputs(gr->count > GROUP_SHOW ? ", ...)\n" : ")\n", out);
        if (gr->cause == DSQ_CAUSE_DSQ_ERROR && first->reason)
            fprintf(out, "    (line %zu: %s)\n", first->line, first->reason);
    }
}

/* Whether there is anything to say of resource what. */
static int
res_known(const struct dsq_report_resources *res, enum dsq_report_resource what)
{
    switch (what) {
    case DSQ_RES_MEM:
        return res->mem.max_kb > 0 || res->mem.oom;
    case DSQ_RES_TIME:
        return res->time.max > 0 || res->time.limited;
    case DSQ_RES_CPUS:
        return res->cpus.measured > 0;
    }
    return 0;
}

/* "next time:", then a sentence per resource in the caller's words. */
static int
text_resources(const struct dsq_report_stats *s, const struct dsq_report_words *words, FILE *out)
{
    static const char *const labels[] = {"memory:", "time:", "CPUs:"};
    int said = 0;

    if (!words || !words->resources)
        return 0;
    for (int k = DSQ_RES_MEM; k <= DSQ_RES_CPUS; k++) {
        struct dsq_buf b = {0};
        if (!res_known(&s->res, (enum dsq_report_resource)k))
            continue;
        if (words->resources(&s->res, (enum dsq_report_resource)k, &b) < 0) {
            dsq_buf_free(&b);
            return -1;
        }
        if (b.data) {
            if (!said++)
                fputs("next time:\n", out);
            fprintf(out, "  %-11s%s\n", labels[k], b.data);
        }
        dsq_buf_free(&b);
    }
    return 0;
}

static void
text_history(const struct dsq_report *r, FILE *out)
{
    fputs("history:\n", out);
    for (size_t i = 0; i < r->nlines; i++) {
        if (r->hist_first[i] == r->hist_first[i + 1])
            continue;
        fprintf(out, "  line %zu:", r->lines[i].line);
        for (size_t k = r->hist_first[i]; k < r->hist_first[i + 1]; k++)
            print_history_entry(&r->history[k], k > r->hist_first[i], out);
        fputc('\n', out);
    }
}

int
dsq_report_print_text(const struct dsq_report *r, const struct dsq_report_words *words, FILE *out)
{
    struct dsq_report_stats s;
    struct dsq_buf b = {0};
    int rc = -1;

    if (dsq_report_stats_make(r, &s) < 0)
        return -1;
    text_head(r, out);
    if (s.finished)
        text_measures(r, &s, out);
    if (s.ngroups)
        text_failures(r, &s, out);
    if (s.have_advice) {
        if (dsq_report_advice_text(&s, words, &b) < 0)
            goto out;
        if (b.data)
            fprintf(out, LABEL "%s\n", "advice:", b.data);
    }
    if (text_resources(&s, words, out) < 0)
        goto out;
    if (r->history)
        text_history(r, out);
    /* Once it is over, the command that runs again what did not end ok. */
    if (r->over && s.nfailed + r->counts[DSQ_ST_NOT_RUN] > 0 && words && words->rerun) {
        dsq_buf_free(&b);
        if (words->rerun(r->m.run_dir, &b) < 0)
            goto out;
        if (b.data)
            fprintf(out, LABEL "%s\n", "run again:", b.data);
    }
    rc = ferror(out) ? -1 : 0;
out:
    dsq_buf_free(&b);
    dsq_report_stats_free(&s);
    return rc;
}

/* --- JSON -------------------------------------------------------------- */

/* Seconds to the microsecond, as the records hold them (dsq-records(5)):
 * with JSON_REAL_PRECISION(16) an epoch time keeps its microseconds, and
 * %g drops the zeros a shorter number does not need. */
static json_t *
jsec(double s)
{
    return json_real(round(s * 1e6) / 1e6);
}

#define JSON_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(16))

static json_t *
line_json(const struct dsq_report *r, size_t i)
{
    const struct dsq_line_info *li = &r->lines[i];
    int ended = dsq_report_finished(li->state) && li->end > 0;
    int started = li->attempt > 0;
    char *cmd = dsq_utf8_repair(dsq_jobfile_cmd(r->jf, i), r->jf->cmds[i].len);
    json_t *o;

    if (!cmd)
        return NULL;
    o = json_object();
    if (!o) {
        free(cmd);
        return NULL;
    }
    json_object_set_new(o, "line", json_integer((json_int_t)li->line));
    json_object_set_new(o, "state", json_string(dsq_state_name(li->state)));
    json_object_set_new(o, "exit", ended && li->exit >= 0 ? json_integer(li->exit) : json_null());
    json_object_set_new(o, "signal",
                        ended && li->signal > 0 ? json_integer(li->signal) : json_null());
    json_object_set_new(o, "host",
                        started && li->host && li->host[0] ? json_string(li->host) : json_null());
    json_object_set_new(o, "start", started && li->start > 0 ? jsec(li->start) : json_null());
    json_object_set_new(o, "end", ended ? jsec(li->end) : json_null());
    json_object_set_new(o, "elapsed", ended ? jsec(li->elapsed) : json_null());
    json_object_set_new(o, "attempts", json_integer(li->attempts));
    json_object_set_new(o, "command", json_string(cmd));
    json_object_set_new(o, "task",
                        li->task == (size_t)-1 ? json_null() : json_integer((json_int_t)li->task));
    json_object_set_new(o, "cpu_seconds", ended ? jsec(li->utime + li->stime) : json_null());
    json_object_set_new(o, "maxrss_kb", ended ? json_integer(li->maxrss_kb) : json_null());
    json_object_set_new(o, "reason", li->reason ? json_string(li->reason) : json_null());
    json_object_set_new(o, "slurm_state",
                        li->slurm_state ? json_string(li->slurm_state) : json_null());
    json_object_set_new(o, "cause",
                        li->cause ? json_string(dsq_cause_name(li->cause)) : json_null());
    json_object_set_new(o, "tries", json_integer(li->tries));
    if (r->history) {
        json_t *h = json_array();
        for (size_t k = r->hist_first[i]; h && k < r->hist_first[i + 1]; k++) {
            const struct dsq_history *e = &r->history[k];
            int e_ended = e->end > 0;
            json_array_append_new(
                h,
                json_pack("{s:i,s:i,s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:i}", "attempt", (int)e->attempt,
                          "restart", (int)e->restart, "state", dsq_state_name(e->state), "exit",
                          e_ended && e->exit >= 0 ? json_integer(e->exit) : json_null(), "signal",
                          e_ended && e->signal > 0 ? json_integer(e->signal) : json_null(), "host",
                          e->host && e->host[0] ? json_string(e->host) : json_null(), "start",
                          e->start > 0 ? jsec(e->start) : json_null(), "end",
                          e_ended ? jsec(e->end) : json_null(), "elapsed",
                          e_ended ? jsec(e->elapsed) : json_null(), "tries", (int)e->tries));
        }
        json_object_set_new(o, "history", h);
    }
    free(cmd);
    return o;
}

/* Each attempt: its number, lines, job ids and how submitting it went. */
static json_t *
attempts_json(const struct dsq_report *r)
{
    json_t *atts = json_array();

    for (size_t k = 0; atts && k < r->m.nattempts; k++) {
        const struct dsq_attempt *a = &r->m.attempts[k];
        json_t *aids = json_array();
        for (size_t i = 0; aids && i < a->job_ids.n; i++)
            json_array_append_new(aids, json_string(a->job_ids.v[i]));
        json_array_append_new(
            atts, json_pack("{s:i,s:I,s:o,s:b,s:o}", "attempt", (int)a->number, "commands",
                            (json_int_t)a->plan.ncmds, "job_ids", aids, "dry_run", a->dry_run,
                            "submit_error",
                            a->submit_error ? json_string(a->submit_error) : json_null()));
    }
    return atts;
}

/* The attempts --max-failures halted: [{"attempt", "max_failures",
 * "lines"}], the lines whose failures took the markers. */
static json_t *
halts_json(const struct dsq_report *r)
{
    json_t *v = json_array();

    for (size_t k = 0; v && k < r->nhalts; k++) {
        const struct dsq_report_halt *h = &r->halts[k];
        json_t *lines = json_array();

        for (size_t j = 0; lines && j < h->nlines; j++)
            json_array_append_new(lines, h->lines[j] ? json_integer((json_int_t)h->lines[j])
                                                     : json_null());
        json_array_append_new(v, json_pack("{s:i,s:I,s:o}", "attempt", (int)h->attempt,
                                           "max_failures", (json_int_t)h->nlines, "lines", lines));
    }
    return v;
}

/* Each failure group: its cause, state, exit or signal, Slurm's state, size
 * and first lines. */
static json_t *
failures_json(const struct dsq_report *r, const struct dsq_report_stats *s)
{
    json_t *fails = json_array();

    for (size_t g = 0; fails && g < s->ngroups; g++) {
        const struct dsq_report_group *gr = &s->groups[g];
        const char *slurm = gr->cause == DSQ_CAUSE_EXIT || gr->cause == DSQ_CAUSE_SIGNAL
                                ? NULL
                                : dsq_report_slurm_name((unsigned)gr->code);
        json_t *lines = json_array();

        for (size_t k = 0; k < gr->count && k < GROUP_JSON; k++)
            json_array_append_new(
                lines, json_integer((json_int_t)r->lines[s->failed[gr->first + k]].line));
        json_array_append_new(
            fails,
            json_pack("{s:s,s:s,s:o,s:o,s:o,s:I,s:o}", "cause", dsq_cause_name(gr->cause), "state",
                      dsq_state_name(gr->state), "exit",
                      gr->cause == DSQ_CAUSE_EXIT ? json_integer(gr->code) : json_null(), "signal",
                      gr->cause == DSQ_CAUSE_SIGNAL ? json_integer(gr->code) : json_null(),
                      "slurm_state", slurm ? json_string(slurm) : json_null(), "count",
                      (json_int_t)gr->count, "lines", lines));
    }
    return fails;
}

static json_t *
jint_or_null(int known, json_int_t v)
{
    return known ? json_integer(v) : json_null();
}

/* The resources object: for each, what was asked, the max and p95 used,
 * the suggestion and its words (null without them). */
static json_t *
resources_json(const struct dsq_report_stats *s, const struct dsq_report_words *words)
{
    const struct dsq_report_resources *res = &s->res;
    json_t *o = json_object(), *text[3] = {NULL, NULL, NULL};

    for (int k = DSQ_RES_MEM; k <= DSQ_RES_CPUS; k++) {
        struct dsq_buf b = {0};
        if (res_known(res, (enum dsq_report_resource)k) && words && words->resources &&
            words->resources(res, (enum dsq_report_resource)k, &b) == 0 && b.data)
            text[k] = json_string(b.data);
        dsq_buf_free(&b);
        if (!text[k])
            text[k] = json_null();
    }
    /* clang-format off */
    json_object_set_new(o, "mem", json_pack("{s:o,s:o,s:o,s:o,s:I,s:o,s:o}",
        "asked_mib", jint_or_null(res->mem.asked_mib > 0, (json_int_t)res->mem.asked_mib),
        "max_kb", jint_or_null(s->finished > 0, res->mem.max_kb),
        "p95_kb", jint_or_null(s->finished > 0, res->mem.p95_kb),
        "suggest_mib", jint_or_null(res->mem.suggest_mib > 0, (json_int_t)res->mem.suggest_mib),
        "out_of_memory", (json_int_t)res->mem.oom,
        "out_of_memory_suggest_mib", jint_or_null(res->mem.oom_suggest_mib > 0,
                                                  (json_int_t)res->mem.oom_suggest_mib),
        "text", text[DSQ_RES_MEM]));
    json_object_set_new(o, "time", json_pack("{s:o,s:o,s:o,s:o,s:I,s:o,s:o}",
        "asked_s", jint_or_null(res->time.asked_s > 0, res->time.asked_s),
        "max", res->time.max > 0 ? jsec(res->time.max) : json_null(),
        "p95", res->time.max > 0 ? jsec(res->time.p95) : json_null(),
        "suggest_s", jint_or_null(res->time.suggest_s > 0, res->time.suggest_s),
        "time_limit", (json_int_t)res->time.limited,
        "time_limit_suggest_s", jint_or_null(res->time.limited_suggest_s > 0,
                                             res->time.limited_suggest_s),
        "text", text[DSQ_RES_TIME]));
    json_object_set_new(o, "cpus", json_pack("{s:o,s:o,s:o,s:o,s:o}",
        "asked", jint_or_null(res->cpus.asked > 0, res->cpus.asked),
        "max", res->cpus.measured ? json_real(round(res->cpus.max * 1e3) / 1e3) : json_null(),
        "p95", res->cpus.measured ? json_real(round(res->cpus.p95 * 1e3) / 1e3) : json_null(),
        "suggest", jint_or_null(res->cpus.suggest > 0, res->cpus.suggest),
        "text", text[DSQ_RES_CPUS]));
    /* clang-format on */
    return o;
}

/* The summary object; advice is the advice's text, NULL without one. */
static json_t *
summary_json(const struct dsq_report *r, const struct dsq_report_stats *s, const char *advice,
             const struct dsq_report_words *words)
{
    json_t *o = json_object(), *ids = json_array(), *states = json_object();
    json_t *el = json_object(), *slow = json_array();

    if (!o || !ids || !states || !el || !slow) {
        json_decref(o);
        json_decref(ids);
        json_decref(states);
        json_decref(el);
        json_decref(slow);
        return NULL;
    }
    json_object_set_new(o, "run", r->m.run_id ? json_string(r->m.run_id) : json_null());
    json_object_set_new(o, "run_dir", r->m.run_dir ? json_string(r->m.run_dir) : json_null());
    json_object_set_new(o, "jobfile", r->m.jobfile ? json_string(r->m.jobfile) : json_null());
    for (size_t k = 0; k < r->m.nattempts; k++)
        for (size_t i = 0; i < r->m.attempts[k].job_ids.n; i++)
            json_array_append_new(ids, json_string(r->m.attempts[k].job_ids.v[i]));
    json_object_set_new(o, "job_ids", ids);
    if (r->follow_up) {
        const struct dsq_attempt *f = dsq_manifest_attempt(&r->m, r->follow_up);
        json_object_set_new(o, "auto_rerun",
                            json_pack("{s:s,s:i,s:i}", "job_id", f->follow_up.job_id, "after",
                                      (int)f->number, "remaining", (int)f->follow_up.remaining));
    } else {
        json_object_set_new(o, "auto_rerun", json_null());
    }
    json_object_set_new(o, "dry_run", json_boolean(r->m.attempts[0].dry_run));
    json_object_set_new(o, "attempts", attempts_json(r));
    json_object_set_new(o, "halted", halts_json(r));
    {
        size_t retried, tries;

        count_tries(r, &retried, &tries);
        json_object_set_new(o, "retried", json_integer((json_int_t)retried));
    }
    json_object_set_new(o, "total", json_integer((json_int_t)r->nlines));
    json_object_set_new(o, "over", json_boolean(r->over));
    json_object_set_new(o, "unneeded_tasks", json_integer((json_int_t)r->unneeded));
    json_object_set_new(o, "queue_known", json_boolean(r->queue_known));
    for (int st = 0; st < DSQ_ST__COUNT; st++)
        json_object_set_new(states, dsq_state_name((enum dsq_state)st),
                            json_integer((json_int_t)r->counts[st]));
    json_object_set_new(o, "states", states);
    json_object_set_new(o, "finished", json_integer((json_int_t)s->finished));
    json_object_set_new(el, "min", s->finished ? jsec(s->min) : json_null());
    json_object_set_new(el, "median", s->finished ? jsec(s->median) : json_null());
    json_object_set_new(el, "p95", s->finished ? jsec(s->p95) : json_null());
    json_object_set_new(el, "max", s->finished ? jsec(s->max) : json_null());
    json_object_set_new(o, "elapsed", el);
    json_object_set_new(o, "cpu_seconds", s->finished ? jsec(s->cpu) : json_null());
    json_object_set_new(o, "cpu_efficiency",
                        s->have_eff ? json_real(round(s->cpu_eff * 1e4) / 1e4) : json_null());
    json_object_set_new(o, "maxrss_kb", s->finished ? json_integer(s->maxrss_kb) : json_null());
    for (size_t k = 0; k < s->nslowest; k++)
        json_array_append_new(slow, json_pack("{s:I,s:o}", "line",
                                              (json_int_t)r->lines[s->slowest[k]].line, "elapsed",
                                              jsec(r->lines[s->slowest[k]].elapsed)));
    json_object_set_new(o, "slowest", slow);
    json_object_set_new(o, "failures", failures_json(r, s));
    if (s->have_advice)
        json_object_set_new(
            o, "advice",
            json_pack("{s:o,s:I,s:I,s:o}", "text", advice ? json_string(advice) : json_null(),
                      "lines_per_task", (json_int_t)s->advice.lines_per_task, "tasks",
                      (json_int_t)s->advice.tasks, "task_seconds", jsec(s->advice.task_seconds)));
    else
        json_object_set_new(o, "advice", json_null());
    json_object_set_new(o, "resources", resources_json(s, words));
    return o;
}

int
dsq_report_print_json(const struct dsq_report *r, const struct dsq_report_words *words,
                      int with_lines, FILE *out)
{
    struct dsq_report_stats s;
    struct dsq_buf advice = {0};
    json_t *o = NULL;
    char *text = NULL;
    int rc = -1;

    if (dsq_report_stats_make(r, &s) < 0)
        return -1;
    if (s.have_advice && dsq_report_advice_text(&s, words, &advice) < 0)
        goto out;
    o = summary_json(r, &s, advice.data, words);
    if (!o || !(text = json_dumps(o, JSON_FLAGS)))
        goto out;
    if (!with_lines) {
        fprintf(out, "%s\n", text);
        rc = 0;
        goto out;
    }
    /* One object, but the lines are streamed one by one rather than built
     * as a tree: a million lines would otherwise take gigabytes.  The
     * summary's closing brace is replaced by the "lines" member. */
    fprintf(out, "%.*s,\"lines\":[", (int)(strlen(text) - 1), text);
    for (size_t i = 0; i < r->nlines; i++) {
        json_t *lo = line_json(r, i);
        char *lt = lo ? json_dumps(lo, JSON_FLAGS) : NULL;

        json_decref(lo);
        if (!lt)
            goto out;
        fprintf(out, "%s\n%s", i ? "," : "", lt);
        free(lt);
    }
    fputs("\n]}\n", out);
    rc = 0;
out:
    free(text);
    json_decref(o);
    dsq_buf_free(&advice);
    dsq_report_stats_free(&s);
    if (fflush(out) == EOF || ferror(out))
        rc = -1;
    return rc;
}

/* --- TSV --------------------------------------------------------------- */

/* The command with "\" as "\\", tab as "\t", newline as "\n" and carriage
 * return as "\r"; other bytes as they are (not made UTF-8). */
static void
tsv_escape(FILE *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        switch (s[i]) {
        case '\\':
            fputs("\\\\", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        default:
            putc(s[i], out);
        }
    }
}

int
dsq_report_print_tsv(const struct dsq_report *r, FILE *out)
{
    fputs("line\tstate\texit\tsignal\thost\tstart\tend\telapsed\tattempts\tcommand\tcause\n", out);
    for (size_t i = 0; i < r->nlines; i++) {
        const struct dsq_line_info *li = &r->lines[i];
        int ended = dsq_report_finished(li->state) && li->end > 0;
        int started = li->attempt > 0;

        fprintf(out, "%zu\t%s\t", li->line, dsq_state_name(li->state));
        if (ended && li->exit >= 0)
            fprintf(out, "%d", li->exit);
        putc('\t', out);
        if (ended && li->signal > 0)
            fprintf(out, "%d", li->signal);
        putc('\t', out);
        if (started && li->host)
            tsv_escape(out, li->host, strlen(li->host));
        putc('\t', out);
        if (started && li->start > 0)
            fprintf(out, "%.6f", li->start);
        putc('\t', out);
        if (ended)
            fprintf(out, "%.6f", li->end);
        putc('\t', out);
        if (ended)
            fprintf(out, "%.6f", li->elapsed);
        fprintf(out, "\t%u\t", li->attempts);
        tsv_escape(out, dsq_jobfile_cmd(r->jf, i), r->jf->cmds[i].len);
        putc('\t', out);
        if (li->cause)
            fputs(dsq_cause_name(li->cause), out);
        putc('\n', out);
    }
    return fflush(out) == EOF || ferror(out) ? -1 : 0;
}

/* --- progress ---------------------------------------------------------- */

int
dsq_report_print_progress(const struct dsq_report *r, double now, FILE *out)
{
    size_t done = 0, bad = 0, width = 30, fill;
    double first = 0, rate = 0;
    char bar[64], eta[32] = "";

    for (size_t i = 0; i < r->nlines; i++) {
        const struct dsq_line_info *li = &r->lines[i];
        if (li->start > 0 && (first == 0 || li->start < first))
            first = li->start;
    }
    for (int st = 0; st < DSQ_ST__COUNT; st++)
        if (st != DSQ_ST_PENDING && st != DSQ_ST_RUNNING) {
            done += r->counts[st];
            if (st != DSQ_ST_OK)
                bad += r->counts[st];
        }
    fill = r->nlines ? done * width / r->nlines : width;
    for (size_t k = 0; k < width; k++)
        bar[k] = k < fill ? '#' : '.';
    bar[width] = '\0';
    if (first > 0 && now > first && done > 0) {
        rate = (double)done / (now - first);
        if (!r->over && rate > 0)
            fmt_dur((double)(r->nlines - done) / rate, eta, sizeof eta);
    }
    if (fprintf(out, "[%s] %zu/%zu done (%zu ok, %zu not ok), %zu running, %zu pending", bar, done,
                r->nlines, r->counts[DSQ_ST_OK], bad, r->counts[DSQ_ST_RUNNING],
                r->counts[DSQ_ST_PENDING]) < 0)
        return -1;
    if (rate > 0 && fprintf(out, ", %.1f lines/s", rate) < 0)
        return -1;
    if (eta[0] && fprintf(out, ", ETA %s", eta) < 0)
        return -1;
    return fputc('\n', out) == EOF ? -1 : 0;
}
