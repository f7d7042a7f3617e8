/* report: one state per command line from a run's records and the queue (see
 * report.h).  The records say what ran; the queue (slurm seam) says what may
 * still run; a local run's line processes are looked up on this host.  Each
 * line's state is dsq_report_decide()'s, from the facts gathered here.  The
 * printers derive statistics, failure groups and packing advice from the
 * merged lines.
 *
 * jansson reference rules, as used here: json_object_set_new() and
 * json_array_append_new() steal the value (NULL is refused and leaks
 * nothing); json_dumps() returns an owned string (free()); every object we
 * build is json_decref()'d once, at the top. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "buf.h"
#include "plan.h"
#include "report.h"
#include "rundir.h"
#include "select.h"
#include "sha256.h"
#include "slurm.h"
#include "sys.h"
#include "text.h"

/* --- merging records --------------------------------------------------- */

/* The best start and end record seen for one line, compactly: host names
 * are interned in the report's string table (a few distinct ones). */
struct merge {
    unsigned s_att, s_rst, e_att, e_rst;
    unsigned k_att, k_rst; /* the (attempt, restart) of the line's first record */
    double s_t, e_t;
    long s_pid;
    const char *s_host, *e_host;
    unsigned char has_s, has_e;
    unsigned char alive; /* the host check, once asked: 1 gone, 2 alive */
};

/* (line index, attempt, restart) of a record whose pair is not its line's
 * first one, for counting attempts per line.  Most lines have one pair
 * only, so this list stays short (empty for a run never rerun). */
struct seen {
    size_t idx;
    unsigned att, rst;
};

struct loadctx {
    struct dsq_report *r;
    struct merge *mg;
    size_t last_host, last_reason;
    struct seen *seen;
    size_t nseen, capseen;
    size_t stray, stray_line;
    int oom;
};

/* Order of records of one line: attempt, then restart, then time. */
static int
key_cmp(unsigned a1, unsigned r1, double t1, unsigned a2, unsigned r2, double t2)
{
    if (a1 != a2)
        return a1 < a2 ? -1 : 1;
    if (r1 != r2)
        return r1 < r2 ? -1 : 1;
    if (t1 != t2)
        return t1 < t2 ? -1 : 1;
    return 0;
}

/* s in the report's string table (stable pointers: the table's strings are
 * allocated one by one).  Records come file by file and a file has one host,
 * so the last hit (*last) is almost always the answer. */
static const char *
intern(struct loadctx *c, const char *s, size_t *last)
{
    struct dsq_strv *t = &c->r->strings;

    if (*last < t->n && !strcmp(t->v[*last], s))
        return t->v[*last];
    for (size_t i = 0; i < t->n; i++) {
        if (!strcmp(t->v[i], s))
            return t->v[*last = i];
    }
    if (dsq_strv_push(t, s) < 0) {
        c->oom = 1;
        return "";
    }
    return t->v[*last = t->n - 1];
}

static int
on_record(const struct dsq_record *rec, void *arg)
{
    struct loadctx *c = arg;
    struct dsq_report *r = c->r;
    size_t i = dsq_jobfile_find(r->jf, rec->line);
    struct merge *m;
    /* dsq_record_parse() leaves both NUL-terminated within their fields. */
    const char *host = rec->host, *reason = rec->reason;

    if (i == (size_t)-1) {
        if (!c->stray++)
            c->stray_line = rec->line;
        return 0;
    }
    m = &c->mg[i];
    if (!m->has_s && !m->has_e) {
        m->k_att = rec->attempt;
        m->k_rst = rec->restart;
    } else if (rec->attempt != m->k_att || rec->restart != m->k_rst) {
        struct seen *s = dsq_grow(c->seen, &c->capseen, c->nseen + 1, sizeof *s, 1024);
        if (!s) {
            c->oom = 1;
            return -1;
        }
        c->seen = s;
        c->seen[c->nseen].idx = i;
        c->seen[c->nseen].att = rec->attempt;
        c->seen[c->nseen].rst = rec->restart;
        c->nseen++;
    }

    if (rec->ev == DSQ_EV_START) {
        if (m->has_s && key_cmp(rec->attempt, rec->restart, rec->t, m->s_att, m->s_rst, m->s_t) < 0)
            return 0;
        m->has_s = 1;
        m->s_att = rec->attempt;
        m->s_rst = rec->restart;
        m->s_t = rec->t;
        m->s_pid = rec->pid;
        m->s_host = intern(c, host, &c->last_host);
    } else {
        struct dsq_line_info *li = &r->lines[i];

        if (m->has_e && key_cmp(rec->attempt, rec->restart, rec->t, m->e_att, m->e_rst, m->e_t) < 0)
            return 0;
        m->has_e = 1;
        m->e_att = rec->attempt;
        m->e_rst = rec->restart;
        m->e_t = rec->t;
        m->e_host = intern(c, host, &c->last_host);
        li->state = rec->state;
        li->exit = rec->exit;
        li->signal = rec->signal;
        li->elapsed = rec->elapsed;
        li->utime = rec->utime;
        li->stime = rec->stime;
        li->maxrss_kb = rec->maxrss_kb;
        li->reason = reason[0] ? intern(c, reason, &c->last_reason) : NULL;
    }
    return c->oom ? -1 : 0;
}

static int
seen_cmp(const void *a, const void *b)
{
    const struct seen *x = a, *y = b;

    if (x->idx != y->idx)
        return x->idx < y->idx ? -1 : 1;
    if (x->att != y->att)
        return x->att < y->att ? -1 : 1;
    if (x->rst != y->rst)
        return x->rst < y->rst ? -1 : 1;
    return 0;
}

/* Whether the line process pid recorded on host still runs here.  Lines run
 * as their own process group leader, which also guards against a pid that
 * was reused by something else. */
static int
line_alive(const char *host, long pid)
{
    char here[256], there[256];
    char *dot;

    if (pid <= 0)
        return 0;
    dsq_hostname(here, sizeof here);
    snprintf(there, sizeof there, "%s", host);
    if ((dot = strchr(there, '.')))
        *dot = '\0';
    if (strcmp(here, there))
        return 0;
    if (kill((pid_t)pid, 0) < 0 && errno != EPERM)
        return 0;
    return getpgid((pid_t)pid) == (pid_t)pid;
}

/* --- the queue ---------------------------------------------------------- */

/* Slurm's end states that explain a line which did not succeed. */
static const char *const explain_states[] = {
    NULL,        "TIMEOUT",   "CANCELLED", "NODE_FAIL", "OUT_OF_MEMORY",
    "PREEMPTED", "BOOT_FAIL", "DEADLINE",
};
#define NEXPLAIN (sizeof explain_states / sizeof explain_states[0])

unsigned
dsq_report_slurm_code(const char *slurm_state)
{
    for (unsigned k = 1; slurm_state && k < NEXPLAIN; k++)
        if (!strcmp(slurm_state, explain_states[k]))
            return k;
    return 0;
}

const char *
dsq_report_slurm_name(unsigned code)
{
    return code < NEXPLAIN ? explain_states[code] : NULL;
}

/* What the manifest's attempts say: each attempt's lines and the queue
 * state of its tasks. */
struct attinfo {
    size_t *lines; /* owned: its lines, ascending (NULL: attempt 1,
                      every command line) */
    size_t n;
    enum dsq_qstate *q;   /* owned: per task; NULL when not asked (no job
                             ids, or Slurm cannot be asked) */
    unsigned char *why;   /* owned: per task, dsq_report_slurm_code() of
                             Slurm's end state */
    size_t local_running; /* its lines running here (no queue to ask) */
};
static void
attinfo_free(struct attinfo *ai, size_t n)
{
    for (size_t a = 0; ai && a < n; a++) {
        free(ai[a].lines);
        free(ai[a].q);
        free(ai[a].why);
    }
    free(ai);
}

/* The queue state of every task of attempt a, and (why) the code of Slurm's
 * end state where it explains the task's lines.  Sets *asked when Slurm
 * answered for every job id of the attempt.  Slurm unreachable is warned
 * once (*warned) and not asked again. */
static int
queue_load(const struct dsq_attempt *a, struct attinfo *ai, int *asked, int *warned)
{
    enum dsq_qstate *q;
    unsigned char *w;

    *asked = 0;
    if (a->job_ids.n == 0 || *warned)
        return 0;
    q = calloc(a->plan.tasks, sizeof *q);
    w = calloc(a->plan.tasks, 1);
    if (!q || !w) {
        free(q);
        free(w);
        return -1;
    }
    for (size_t t = 0; t < a->plan.tasks; t++)
        q[t] = DSQ_Q_DONE; /* a task Slurm no longer lists is over */
    for (size_t j = 0; j < a->job_ids.n; j++) {
        struct dsq_slurm_task *tasks = NULL;
        struct dsq_error e = {0};
        size_t n = 0, off = j < a->plan.narrays ? a->plan.arrays[j].offset : 0;

        if (dsq_slurm_job_tasks(a->job_ids.v[j], &tasks, &n, &e) < 0) {
            dsq_warn("cannot ask Slurm about job %s (%s); line states come from the records "
                     "alone: a line that started and has no end record is lost unless its "
                     "process runs on this host",
                     a->job_ids.v[j], e.msg[0] ? e.msg : "unknown reason");
            *warned = 1;
            free(q);
            free(w);
            return 0;
        }
        for (size_t k = 0; k < n; k++) {
            size_t t = off + tasks[k].index;
            if (t < a->plan.tasks) {
                q[t] = tasks[k].state;
                w[t] = tasks[k].state == DSQ_Q_DONE
                           ? (unsigned char)dsq_report_slurm_code(tasks[k].slurm_state)
                           : 0;
            }
        }
        free(tasks);
    }
    ai->q = q;
    ai->why = w;
    *asked = 1;
    return 0;
}

static int
size_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return x < y ? -1 : x > y;
}

/* The task that runs line index i in attempt att (1-based), or -1 when the
 * attempt does not include it or the manifest does not know the attempt. */
static size_t
task_in(const struct dsq_report *r, const struct attinfo *ai, unsigned att, size_t i)
{
    const struct dsq_attempt *a = dsq_manifest_attempt(&r->m, att);
    const size_t *hit;

    if (!a)
        return (size_t)-1;
    if (att == 1)
        return dsq_plan_cmd_task(&a->plan, i);
    if (!ai[att - 1].n)
        return (size_t)-1;
    hit = bsearch(&r->jf->cmds[i].line, ai[att - 1].lines, ai[att - 1].n, sizeof *hit, size_cmp);
    return hit ? dsq_plan_cmd_task(&a->plan, (size_t)(hit - ai[att - 1].lines)) : (size_t)-1;
}

/* What the queue says of the task running line index i in attempt att. */
static struct dsq_task_queue
queue_view(const struct dsq_report *r, const struct attinfo *ai, unsigned att, size_t i)
{
    struct dsq_task_queue v = {0, DSQ_Q_UNKNOWN, NULL};
    size_t t;

    if (att < 1 || att > r->m.nattempts || !ai[att - 1].q)
        return v;
    v.asked = 1;
    t = task_in(r, ai, att, i);
    if (t != (size_t)-1) {
        v.state = ai[att - 1].q[t];
        v.slurm_state = explain_states[ai[att - 1].why[t]];
    }
    return v;
}

/* --- the state of a line ----------------------------------------------- */

int
dsq_report_finished(enum dsq_state st)
{
    return st == DSQ_ST_OK || st == DSQ_ST_FAILED || st == DSQ_ST_SIGNALED ||
           st == DSQ_ST_INTERRUPTED;
}

/* First what the records of the line's latest attempt say, with the queue
 * of that attempt; then whether a rerun that has not recorded the line yet
 * makes it wait, or leaves it to earlier attempts (or never run). */
struct dsq_line_verdict
dsq_report_decide(const struct dsq_line_facts *f)
{
    struct dsq_line_verdict v = {DSQ_ST_NOT_RUN, NULL, DSQ_SHOW_NONE, 0};
    const char *why = NULL;

    switch (f->latest) {
    case DSQ_LATEST_END:
        v.state = (unsigned)f->end_state < DSQ_ST__COUNT ? f->end_state : DSQ_ST_FAILED;
        v.shown = DSQ_SHOW_END;
        why = f->seen.slurm_state;
        break;
    case DSQ_LATEST_START: /* no end record: nothing measured */
        v.shown = DSQ_SHOW_START;
        if (f->seen.asked) {
            v.state = f->seen.state == DSQ_Q_RUNNING   ? DSQ_ST_RUNNING
                      : f->seen.state == DSQ_Q_PENDING ? DSQ_ST_PENDING /* requeued */
                                                       : DSQ_ST_LOST;
            why = f->seen.slurm_state;
        } else {
            v.state = f->alive ? DSQ_ST_RUNNING : DSQ_ST_LOST;
            v.here = f->alive != 0;
        }
        break;
    case DSQ_LATEST_NONE:
        break;
    }
    /* A line that its latest attempt has not recorded yet waits while that
     * attempt's task is queued or running, or (no queue to ask) while that
     * attempt visibly runs here. */
    if (f->planned > f->attempt) {
        int waiting = f->planned_q.asked ? f->planned_q.state == DSQ_Q_PENDING ||
                                               f->planned_q.state == DSQ_Q_RUNNING
                                         : f->planned_here;
        if (waiting) {
            v.state = DSQ_ST_PENDING;
            v.shown = DSQ_SHOW_NONE;
            why = NULL;
        } else if (f->attempt == 0) {
            v.state = DSQ_ST_NOT_RUN;
            why = f->planned_q.slurm_state;
        }
    }
    if (why && v.state != DSQ_ST_OK && v.state != DSQ_ST_PENDING && v.state != DSQ_ST_RUNNING)
        v.slurm_state = why;
    return v;
}

/* The facts of line index i for dsq_report_decide(), but planned_here.  The
 * host check is a system call or two: made once, and only for a line whose
 * latest record is a start that no queue explains. */
static void
facts_of(const struct dsq_report *r, const struct attinfo *ai, struct merge *m, size_t i,
         struct dsq_line_facts *f)
{
    if (m->has_e &&
        (!m->has_s || key_cmp(m->e_att, m->e_rst, m->e_t, m->s_att, m->s_rst, m->s_t) >= 0)) {
        f->latest = DSQ_LATEST_END;
        f->attempt = m->e_att;
    } else if (m->has_s) {
        f->latest = DSQ_LATEST_START;
        f->attempt = m->s_att;
    } else {
        f->latest = DSQ_LATEST_NONE;
        f->attempt = 0;
    }
    f->end_state = r->lines[i].state; /* the latest end record's (on_record) */
    f->seen = queue_view(r, ai, f->attempt, i);
    f->planned = r->lines[i].planned;
    f->planned_q = f->planned == f->attempt ? f->seen : queue_view(r, ai, f->planned, i);
    f->planned_here = 0;
    f->alive = 0;
    if (f->latest == DSQ_LATEST_START && !f->seen.asked) {
        if (!m->alive)
            m->alive = line_alive(m->s_host, m->s_pid) ? 2 : 1;
        f->alive = m->alive == 2;
    }
}

/* Line index i as v says, from the records m merged. */
static void
apply(struct dsq_report *r, const struct merge *m, size_t i, const struct dsq_line_facts *f,
      const struct dsq_line_verdict *v)
{
    struct dsq_line_info *li = &r->lines[i];

    li->attempt = f->attempt;
    li->state = v->state;
    li->slurm_state = v->slurm_state;
    r->counts[v->state]++;
    switch (v->shown) {
    case DSQ_SHOW_END: /* the end record's measurements are li's already */
        li->host = m->e_host;
        li->end = m->e_t;
        li->start = m->has_s && m->s_att == m->e_att && m->s_rst == m->e_rst ? m->s_t
                                                                             : m->e_t - li->elapsed;
        return;
    case DSQ_SHOW_START:
        li->host = m->s_host;
        li->start = m->s_t;
        break;
    case DSQ_SHOW_NONE:
        li->host = NULL;
        li->start = 0;
        break;
    }
    li->end = 0;
    li->exit = -1;
    li->signal = 0;
    li->elapsed = li->utime = li->stime = 0;
    li->maxrss_kb = 0;
    li->reason = NULL;
}

/* Every line's state.  Without a queue to ask, a line waits while its
 * attempt visibly runs here, which the other lines' host checks tell: a
 * first pass counts those (only when some attempt has no queue). */
static void
decide_lines(struct dsq_report *r, struct attinfo *ai, struct merge *mg)
{
    size_t nat = r->m.nattempts, other_here = 0;
    struct dsq_line_facts f;
    struct dsq_line_verdict v;
    int unasked = 0;

    for (size_t a = 0; a < nat; a++)
        unasked |= !ai[a].q;
    for (size_t i = 0; unasked && i < r->nlines; i++) {
        facts_of(r, ai, &mg[i], i, &f);
        v = dsq_report_decide(&f);
        if (!v.here)
            continue;
        if (f.attempt >= 1 && f.attempt <= nat)
            ai[f.attempt - 1].local_running++;
        else
            other_here++;
    }
    for (size_t i = 0; i < r->nlines; i++) {
        facts_of(r, ai, &mg[i], i, &f);
        f.planned_here = ai[f.planned - 1].local_running > 0 || (f.planned == 1 && other_here);
        v = dsq_report_decide(&f);
        apply(r, &mg[i], i, &f, &v);
    }
    r->over = !r->counts[DSQ_ST_PENDING] && !r->counts[DSQ_ST_RUNNING];
    for (size_t a = 0; r->over && a < nat; a++)
        for (size_t t = 0; ai[a].q && t < r->m.attempts[a].plan.tasks; t++)
            if (ai[a].q[t] == DSQ_Q_PENDING || ai[a].q[t] == DSQ_Q_RUNNING)
                r->over = 0;
}

/* --- loading ------------------------------------------------------------ */

/* The manifest and the job file copy, checked against each other. */
static int
load_run(struct dsq_report *r, const char *run_dir, struct dsq_error *err)
{
    char *path = NULL;
    int rc = -1;

    if (dsq_manifest_read(run_dir, &r->m, err) < 0)
        goto out;
    if (!(path = dsq_rundir_path(run_dir, DSQ_RD_JOBFILE))) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        goto out;
    }
    r->jf = dsq_jobfile_load(path, err);
    if (!r->jf)
        goto out;
    if (r->m.sha256) {
        char hex[65];
        dsq_sha256_hex(r->jf->data, r->jf->len, hex);
        if (strcmp(hex, r->m.sha256))
            dsq_warn("%s: the job file copy changed since the run was planned (SHA-256 %s, "
                     "manifest says %s); line numbers may not match the records",
                     path, hex, r->m.sha256);
    }
    if (r->jf->ncmds != r->m.commands) {
        dsq_errprintf(err, DSQ_ERR_INPUT,
                      "%s: has %zu command lines, but the manifest planned %zu; the run "
                      "directory is damaged",
                      path, r->jf->ncmds, r->m.commands);
        goto out;
    }
    rc = 0;
out:
    free(path);
    return rc;
}

/* Which attempts include each line: attempt 1 every line, then each rerun
 * its own; the latest one decides where the line waits. */
static int
plan_lines(struct dsq_report *r, struct attinfo *ai, const char *run_dir, struct dsq_error *err)
{
    for (size_t i = 0; i < r->nlines; i++) {
        r->lines[i].line = r->jf->cmds[i].line;
        r->lines[i].planned = 1;
        r->lines[i].task = dsq_plan_cmd_task(&r->m.attempts[0].plan, i);
    }
    for (size_t a = 1; a < r->m.nattempts; a++) {
        const struct dsq_attempt *at = &r->m.attempts[a];
        if (dsq_attempt_lines(run_dir, at, r->jf, &ai[a].lines, &ai[a].n, err) < 0)
            return -1;
        for (size_t j = 0; j < ai[a].n; j++) {
            size_t i = dsq_jobfile_find(r->jf, ai[a].lines[j]);
            r->lines[i].planned = at->number;
            r->lines[i].task = dsq_plan_cmd_task(&at->plan, j);
        }
    }
    return 0;
}

/* Every record merged into c->mg and the lines' measurements. */
static int
read_records(struct loadctx *c, const char *run_dir, struct dsq_error *err)
{
    struct dsq_report *r = c->r;

    if (dsq_rundir_read_records(run_dir, on_record, c, err) < 0 || c->oom) {
        if (c->oom)
            dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory reading the records of %s", run_dir);
        return -1;
    }
    if (c->stray)
        dsq_warn("%s: %zu record%s for lines that are not commands of the job file (first: "
                 "line %zu); ignored",
                 run_dir, c->stray, c->stray == 1 ? "" : "s", c->stray_line);

    /* Attempts: the first pair of each line that has records, and the
     * distinct other pairs. */
    for (size_t i = 0; i < r->nlines; i++)
        r->lines[i].attempts = c->mg[i].has_s || c->mg[i].has_e;
    if (c->nseen) /* qsort(NULL, 0) is undefined: a run never rerun */
        qsort(c->seen, c->nseen, sizeof *c->seen, seen_cmp);
    for (size_t k = 0; k < c->nseen; k++) {
        if (k == 0 || seen_cmp(&c->seen[k], &c->seen[k - 1]))
            r->lines[c->seen[k].idx].attempts++;
    }
    return 0;
}

/* The queue of every attempt that has job ids. */
static int
ask_queue(struct dsq_report *r, struct attinfo *ai, struct dsq_error *err)
{
    int warned = 0, any_ids = 0, all_asked = 1;

    for (size_t a = 0; a < r->m.nattempts; a++) {
        int asked;
        if (queue_load(&r->m.attempts[a], &ai[a], &asked, &warned) < 0)
            return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        if (r->m.attempts[a].job_ids.n) {
            any_ids = 1;
            all_asked &= asked;
        }
    }
    r->queue_known = any_ids && all_asked;
    return 0;
}

struct dsq_report *
dsq_report_load(const char *run_dir, struct dsq_error *err)
{
    struct dsq_report *r = calloc(1, sizeof *r);
    struct loadctx c = {0};
    struct attinfo *ai = NULL;
    int ok = 0;

    if (!r) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        return NULL;
    }
    if (load_run(r, run_dir, err) < 0)
        goto out;
    r->nlines = r->jf->ncmds;
    r->lines = dsq_calloc_big(r->nlines, sizeof *r->lines);
    c.mg = dsq_calloc_big(r->nlines, sizeof *c.mg);
    ai = calloc(r->m.nattempts, sizeof *ai);
    if (!r->lines || !c.mg || !ai) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory (%zu lines)", r->nlines);
        goto out;
    }
    c.r = r;
    if (plan_lines(r, ai, run_dir, err) < 0 || read_records(&c, run_dir, err) < 0 ||
        ask_queue(r, ai, err) < 0)
        goto out;
    decide_lines(r, ai, c.mg);
    ok = 1;
out:
    attinfo_free(ai, r->m.nattempts);
    free(c.mg);
    free(c.seen);
    if (!ok) {
        dsq_report_destroy(r);
        return NULL;
    }
    return r;
}

void
dsq_report_destroy(struct dsq_report *r)
{
    if (!r)
        return;
    dsq_manifest_free(&r->m);
    dsq_jobfile_destroy(r->jf);
    free(r->lines);
    dsq_strv_free(&r->strings);
    free(r->history);
    free(r->hist_first);
    free(r);
}

/* --- history ------------------------------------------------------------ */

/* One record, as much as a history entry needs. */
struct hrec {
    size_t idx;
    unsigned att, rst;
    double t, elapsed;
    const char *host;
    int exit, signal;
    unsigned char end, state;
};

struct histctx {
    struct loadctx c; /* for intern() */
    struct hrec *v;
    size_t n, cap;
};

static int
on_history_record(const struct dsq_record *rec, void *arg)
{
    struct histctx *h = arg;
    size_t i = dsq_jobfile_find(h->c.r->jf, rec->line);
    char host[sizeof rec->host];
    struct hrec *e;

    if (i == (size_t)-1)
        return 0;
    e = dsq_grow(h->v, &h->cap, h->n + 1, sizeof *e, 1024);
    if (!e) {
        h->c.oom = 1;
        return -1;
    }
    h->v = e;
    snprintf(host, sizeof host, "%s", rec->host);
    e = &h->v[h->n++];
    e->idx = i;
    e->att = rec->attempt;
    e->rst = rec->restart;
    e->t = rec->t;
    e->elapsed = rec->elapsed;
    e->host = intern(&h->c, host, &h->c.last_host);
    e->exit = rec->exit;
    e->signal = rec->signal;
    e->end = rec->ev == DSQ_EV_END;
    e->state = (unsigned char)((unsigned)rec->state < DSQ_ST__COUNT ? rec->state : DSQ_ST_FAILED);
    return h->c.oom ? -1 : 0;
}

static int
hrec_cmp(const void *a, const void *b)
{
    const struct hrec *x = a, *y = b;

    if (x->idx != y->idx)
        return x->idx < y->idx ? -1 : 1;
    return key_cmp(x->att, x->rst, x->t, y->att, y->rst, y->t);
}

int
dsq_report_load_history(struct dsq_report *r, struct dsq_error *err)
{
    struct histctx h = {0};
    struct dsq_history *hist = NULL;
    size_t *first = NULL, nh = 0, k = 0;
    int rc = -1;

    h.c.r = r;
    if (dsq_rundir_read_records(r->m.run_dir, on_history_record, &h, err) < 0 || h.c.oom) {
        if (h.c.oom)
            dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory reading the records of %s",
                          r->m.run_dir);
        goto out;
    }
    if (h.n) /* qsort(NULL, 0) is undefined: a run with no records yet */
        qsort(h.v, h.n, sizeof *h.v, hrec_cmp);
    /* At most one entry per record, plus one per line for an attempt that
     * has not recorded it yet. */
    hist = calloc(h.n + r->nlines + 1, sizeof *hist);
    first = calloc(r->nlines + 1, sizeof *first);
    if (!hist || !first) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < r->nlines; i++) {
        const struct dsq_line_info *li = &r->lines[i];
        size_t from = nh;
        unsigned last_att = 0;

        first[i] = nh;
        for (; k < h.n && h.v[k].idx == i; k++) {
            const struct hrec *e = &h.v[k];
            struct dsq_history *d = nh > from ? &hist[nh - 1] : NULL;

            if (!d || d->attempt != e->att || d->restart != e->rst) {
                d = &hist[nh++];
                memset(d, 0, sizeof *d);
                d->attempt = e->att;
                d->restart = e->rst;
                d->state = DSQ_ST_LOST; /* started, no end: until one comes */
                d->exit = -1;
            }
            if (e->end) {
                d->state = e->state;
                d->exit = e->exit;
                d->signal = e->signal;
                d->end = e->t;
                d->elapsed = e->elapsed;
                d->host = e->host;
                if (d->start == 0)
                    d->start = e->t - e->elapsed;
            } else {
                d->start = e->t;
                if (!d->host)
                    d->host = e->host;
            }
            last_att = e->att;
        }
        /* Without an end, the latest (attempt, restart) is what report says
         * of the line: running, pending (requeued) or lost. */
        if (nh > from && hist[nh - 1].end == 0 && li->planned <= last_att &&
            (li->state == DSQ_ST_RUNNING || li->state == DSQ_ST_PENDING))
            hist[nh - 1].state = li->state;
        if (li->planned > last_att) {
            struct dsq_history *d = &hist[nh++];
            memset(d, 0, sizeof *d);
            d->attempt = li->planned;
            d->state = li->state == DSQ_ST_PENDING ? DSQ_ST_PENDING : DSQ_ST_NOT_RUN;
            d->exit = -1;
        }
    }
    first[r->nlines] = nh;
    free(r->history);
    free(r->hist_first);
    r->history = hist;
    r->hist_first = first;
    hist = NULL;
    first = NULL;
    rc = 0;
out:
    free(hist);
    free(first);
    free(h.v);
    return rc;
}

/* --- statistics -------------------------------------------------------- */

#define SLOWEST 5
#define GROUP_SHOW 5

enum group_kind { G_EXIT, G_SIGNAL, G_INTERRUPTED, G_LOST, G_DSQ };

struct group {
    enum group_kind kind;
    int code;
    size_t count;
    size_t first; /* index into stats.members of its first line */
};

struct member {
    enum group_kind kind;
    int code;
    size_t idx; /* line index */
};

struct stats {
    size_t finished; /* lines with an end record */
    double min, median, p95, max;
    double cpu, wall, wall_cpus, cpu_eff;
    int have_eff;
    long maxrss_kb;
    size_t maxrss_idx;
    size_t slowest[SLOWEST];
    size_t nslowest;
    struct member *members; /* failures, sorted by group then line */
    size_t nmembers;
    struct group *groups; /* sorted by count, largest first */
    size_t ngroups;
    double advice_median;
    size_t advice_lines, advice_tasks;
    double advice_task_s;
    int have_advice;
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

    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->code != y->code)
        return x->code < y->code ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int
group_cmp(const void *a, const void *b)
{
    const struct group *x = a, *y = b;

    if (x->count != y->count)
        return x->count > y->count ? -1 : 1;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    return x->code < y->code ? -1 : x->code > y->code;
}

/* The failure group of a line, or -1 when it is not a failure. */
static int
failure_of(const struct dsq_line_info *li, struct member *mb)
{
    switch (li->state) {
    case DSQ_ST_FAILED:
        if (li->exit >= 0) {
            mb->kind = G_EXIT;
            mb->code = li->exit;
        } else {
            mb->kind = G_DSQ; /* dsq could not start it: see reason */
            mb->code = 0;
        }
        return 0;
    case DSQ_ST_SIGNALED:
        mb->kind = G_SIGNAL;
        mb->code = li->signal;
        return 0;
    case DSQ_ST_INTERRUPTED:
        mb->kind = G_INTERRUPTED;
        mb->code = (int)dsq_report_slurm_code(li->slurm_state);
        return 0;
    case DSQ_ST_LOST:
        mb->kind = G_LOST;
        mb->code = (int)dsq_report_slurm_code(li->slurm_state);
        return 0;
    default:
        return -1;
    }
}

static int
is_finished(enum dsq_state st)
{
    return st == DSQ_ST_OK || st == DSQ_ST_FAILED || st == DSQ_ST_SIGNALED ||
           st == DSQ_ST_INTERRUPTED;
}

static void
stats_free(struct stats *s)
{
    free(s->members);
    free(s->groups);
}

/* The packing advice: when an array task of the current plan would last
 * only a few minutes, scheduling overhead dominates; suggest the lines per
 * task that make tasks of about ADVICE_TARGET_S. */
#define ADVICE_SHORT_S 300.0
#define ADVICE_TARGET_S 600.0

static void
stats_advice(const struct dsq_report *r, double *ok_el, size_t nok, struct stats *s)
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
    s->advice_median = median;
    s->advice_lines = l;
    s->advice_tasks = (r->nlines + l - 1) / l;
    s->advice_task_s = ceil((double)l / w) * median;
}

static int
stats_make(const struct dsq_report *r, struct stats *s)
{
    double *el = NULL, *ok_el = NULL;
    size_t nok = 0;
    int rc = -1;

    memset(s, 0, sizeof *s);
    el = dsq_calloc_big(r->nlines, sizeof *el);
    ok_el = dsq_calloc_big(r->nlines, sizeof *ok_el);
    s->members = malloc((r->nlines ? r->nlines : 1) * sizeof *s->members);
    if (!el || !ok_el || !s->members)
        goto out;
    for (size_t i = 0; i < r->nlines; i++) {
        const struct dsq_line_info *li = &r->lines[i];
        struct member mb;

        if (failure_of(li, &mb) == 0) {
            mb.idx = i;
            s->members[s->nmembers++] = mb;
        }
        if (!is_finished(li->state))
            continue;
        el[s->finished++] = li->elapsed;
        if (li->state == DSQ_ST_OK)
            ok_el[nok++] = li->elapsed;
        s->cpu += li->utime + li->stime;
        s->wall += li->elapsed;
        {
            /* CPUs per line are the attempt's that ran it (a rerun may ask
             * for more). */
            const struct dsq_attempt *a = dsq_manifest_attempt(&r->m, li->attempt);
            unsigned cpus = a ? a->per_line.cpus : r->m.attempts[0].per_line.cpus;
            s->wall_cpus += li->elapsed * (cpus ? cpus : 1);
        }
        if (li->maxrss_kb > s->maxrss_kb || s->finished == 1) {
            s->maxrss_kb = li->maxrss_kb;
            s->maxrss_idx = i;
        }
        /* Keep the SLOWEST longest, longest first; ties keep file order. */
        {
            size_t k = s->nslowest < SLOWEST ? s->nslowest++ : SLOWEST;
            while (k > 0 && r->lines[s->slowest[k - 1]].elapsed < li->elapsed) {
                if (k < SLOWEST)
                    s->slowest[k] = s->slowest[k - 1];
                k--;
            }
            if (k < SLOWEST)
                s->slowest[k] = i;
        }
    }
    if (s->finished) {
        size_t n = s->finished, p95 = (size_t)ceil(0.95 * (double)n) - 1; /* nearest rank */

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
    if (s->wall > 0) {
        s->cpu_eff = s->cpu / s->wall_cpus;
        s->have_eff = 1;
    }
    stats_advice(r, ok_el, nok, s);

    qsort(s->members, s->nmembers, sizeof *s->members, member_cmp);
    s->groups = malloc((s->nmembers ? s->nmembers : 1) * sizeof *s->groups);
    if (!s->groups)
        goto out;
    for (size_t k = 0; k < s->nmembers; k++) {
        if (k == 0 || s->members[k].kind != s->members[k - 1].kind ||
            s->members[k].code != s->members[k - 1].code) {
            struct group *g = &s->groups[s->ngroups++];
            g->kind = s->members[k].kind;
            g->code = s->members[k].code;
            g->count = 0;
            g->first = k;
        }
        s->groups[s->ngroups - 1].count++;
    }
    qsort(s->groups, s->ngroups, sizeof *s->groups, group_cmp);
    rc = 0;
out:
    free(el);
    free(ok_el);
    if (rc < 0)
        stats_free(s);
    return rc;
}

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

static void
fmt_kb(long kb, char *buf, size_t n)
{
    if (kb < 1024)
        snprintf(buf, n, "%ld KiB", kb);
    else if (kb < 1024L * 1024)
        snprintf(buf, n, "%.1f MiB", (double)kb / 1024);
    else
        snprintf(buf, n, "%.2f GiB", (double)kb / (1024.0 * 1024));
}

static void
fmt_group(const struct group *g, char *buf, size_t n)
{
    const char *abbr;

    switch (g->kind) {
    case G_EXIT:
        snprintf(buf, n, "exit %d", g->code);
        break;
    case G_SIGNAL:
        abbr = signal_abbrev(g->code);
        if (abbr)
            snprintf(buf, n, "signal %d (%s)", g->code, abbr);
        else
            snprintf(buf, n, "signal %d", g->code);
        break;
    case G_INTERRUPTED:
    case G_LOST:
        if (g->code > 0)
            snprintf(buf, n, "%s (Slurm: %s)", g->kind == G_LOST ? "lost" : "interrupted",
                     explain_states[g->code]);
        else
            snprintf(buf, n, "%s", g->kind == G_LOST ? "lost" : "interrupted");
        break;
    case G_DSQ:
        snprintf(buf, n, "not started by dsq");
        break;
    }
}

static void
fmt_advice(const struct stats *s, char *buf, size_t n)
{
    char med[32], about[32];

    fmt_dur(s->advice_median, med, sizeof med);
    fmt_about(s->advice_task_s, about, sizeof about);
    if (s->advice_tasks == 1)
        snprintf(
            buf, n,
            "median successful line takes %s: --tasks 1 runs all %zu lines in one array task of "
            "about %s",
            med, s->advice_lines, about);
    else
        snprintf(
            buf, n,
            "median successful line takes %s: --lines-per-task %zu gives array tasks of about %s "
            "(%zu tasks)",
            med, s->advice_lines, about, s->advice_tasks);
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

int
dsq_report_print_text(const struct dsq_report *r, FILE *out)
{
    struct stats s;
    char b1[64], b2[64], b3[64], b4[64];
    int first;

    if (stats_make(r, &s) < 0)
        return -1;
    fprintf(out, LABEL "%s\n", "run:", r->m.run_id ? r->m.run_id : "?");
    fprintf(out, LABEL "%s\n", "directory:", r->m.run_dir ? r->m.run_dir : "?");
    fprintf(out, LABEL "%s\n", "job file:", r->m.jobfile ? r->m.jobfile : "?");
    fprintf(out, LABEL, "job ids:");
    for (size_t k = 0; k < r->m.nattempts; k++) {
        const struct dsq_attempt *a = &r->m.attempts[k];

        if (k)
            fputs("; ", out);
        if (a->job_ids.n == 0)
            fprintf(out, "%s%s%s", a->dry_run ? "none (dry run" : "none (not submitted",
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
    fprintf(out, LABEL, "states:");
    first = 1;
    for (int st = 0; st < DSQ_ST__COUNT; st++) {
        if (!r->counts[st])
            continue;
        fprintf(out, "%s%zu %s", first ? "" : ", ", r->counts[st],
                dsq_state_name((enum dsq_state)st));
        first = 0;
    }
    fputs(first ? "none\n" : "\n", out);

    if (s.finished) {
        fmt_dur(s.min, b1, sizeof b1);
        fmt_dur(s.median, b2, sizeof b2);
        fmt_dur(s.p95, b3, sizeof b3);
        fmt_dur(s.max, b4, sizeof b4);
        fprintf(out, LABEL "min %s, median %s, p95 %s, max %s (%zu finished line%s)\n",
                "wall time:", b1, b2, b3, b4, s.finished, s.finished == 1 ? "" : "s");
        fmt_dur(s.cpu, b1, sizeof b1);
        if (s.have_eff)
            fprintf(out, LABEL "%s, efficiency %.0f%% of %u CPU%s per line\n", "CPU time:", b1,
                    s.cpu_eff * 100,
                    r->m.attempts[0].per_line.cpus ? r->m.attempts[0].per_line.cpus : 1,
                    r->m.attempts[0].per_line.cpus > 1 ? "s" : "");
        else
            fprintf(out, LABEL "%s\n", "CPU time:", b1);
        fmt_kb(s.maxrss_kb, b1, sizeof b1);
        fprintf(out, LABEL "%s (line %zu)\n", "peak memory:", b1, r->lines[s.maxrss_idx].line);
        fprintf(out, LABEL, "slowest:");
        for (size_t k = 0; k < s.nslowest; k++) {
            fmt_dur(r->lines[s.slowest[k]].elapsed, b1, sizeof b1);
            fprintf(out, "%sline %zu (%s)", k ? ", " : "", r->lines[s.slowest[k]].line, b1);
        }
        fputc('\n', out);
    }
    if (s.ngroups) {
        fprintf(out, "failures:\n");
        for (size_t g = 0; g < s.ngroups; g++) {
            const struct group *gr = &s.groups[g];
            fmt_group(gr, b1, sizeof b1);
            fprintf(out, "  %s: %zu line%s (", b1, gr->count, gr->count == 1 ? "" : "s");
            for (size_t k = 0; k < gr->count && k < GROUP_SHOW; k++)
                fprintf(out, "%s%zu", k ? ", " : "", r->lines[s.members[gr->first + k].idx].line);
            fputs(gr->count > GROUP_SHOW ? ", ...)\n" : ")\n", out);
            if (gr->kind == G_DSQ && r->lines[s.members[gr->first].idx].reason)
                fprintf(out, "    (line %zu: %s)\n", r->lines[s.members[gr->first].idx].line,
                        r->lines[s.members[gr->first].idx].reason);
        }
    }
    if (s.have_advice) {
        char adv[256];
        fmt_advice(&s, adv, sizeof adv);
        fprintf(out, LABEL "%s\n", "advice:", adv);
    }
    if (r->history) {
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
    if (r->over && s.nmembers + r->counts[DSQ_ST_NOT_RUN] > 0) {
        /* A command to paste: the path quoted when it needs to be. */
        const char *dir = r->m.run_dir ? r->m.run_dir : "RUN";
        struct dsq_buf q = {0};

        dsq_buf_shell_word(&q, dir, strlen(dir));
        fprintf(out, LABEL "dsq autopsy %s > rerun.txt\n", "run again:", q.data ? q.data : dir);
        dsq_buf_free(&q);
    }
    stats_free(&s);
    return ferror(out) ? -1 : 0;
}

/* --- JSON -------------------------------------------------------------- */

/* Seconds to the millisecond, so that numbers print short and exact enough
 * (with JSON_REAL_PRECISION(15) an epoch time keeps its milliseconds). */
static json_t *
jsec(double s)
{
    return json_real(round(s * 1000) / 1000);
}

#define JSON_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

static json_t *
line_json(const struct dsq_report *r, size_t i)
{
    const struct dsq_line_info *li = &r->lines[i];
    int ended = is_finished(li->state) && li->end > 0;
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
    json_object_set_new(o, "task", json_integer((json_int_t)li->task));
    json_object_set_new(o, "cpu_seconds", ended ? jsec(li->utime + li->stime) : json_null());
    json_object_set_new(o, "maxrss_kb", ended ? json_integer(li->maxrss_kb) : json_null());
    json_object_set_new(o, "reason", li->reason ? json_string(li->reason) : json_null());
    json_object_set_new(o, "slurm_state",
                        li->slurm_state ? json_string(li->slurm_state) : json_null());
    if (r->history) {
        json_t *h = json_array();
        for (size_t k = r->hist_first[i]; h && k < r->hist_first[i + 1]; k++) {
            const struct dsq_history *e = &r->history[k];
            int e_ended = e->end > 0;
            json_array_append_new(
                h,
                json_pack("{s:i,s:i,s:s,s:o,s:o,s:o,s:o,s:o,s:o}", "attempt", (int)e->attempt,
                          "restart", (int)e->restart, "state", dsq_state_name(e->state), "exit",
                          e_ended && e->exit >= 0 ? json_integer(e->exit) : json_null(), "signal",
                          e_ended && e->signal > 0 ? json_integer(e->signal) : json_null(), "host",
                          e->host && e->host[0] ? json_string(e->host) : json_null(), "start",
                          e->start > 0 ? jsec(e->start) : json_null(), "end",
                          e_ended ? jsec(e->end) : json_null(), "elapsed",
                          e_ended ? jsec(e->elapsed) : json_null()));
        }
        json_object_set_new(o, "history", h);
    }
    free(cmd);
    return o;
}

static json_t *
summary_json(const struct dsq_report *r, const struct stats *s)
{
    json_t *o = json_object(), *ids = json_array(), *states = json_object();
    json_t *el = json_object(), *slow = json_array(), *fails = json_array();

    if (!o || !ids || !states || !el || !slow || !fails) {
        json_decref(o);
        json_decref(ids);
        json_decref(states);
        json_decref(el);
        json_decref(slow);
        json_decref(fails);
        return NULL;
    }
    json_object_set_new(o, "run", r->m.run_id ? json_string(r->m.run_id) : json_null());
    json_object_set_new(o, "run_dir", r->m.run_dir ? json_string(r->m.run_dir) : json_null());
    json_object_set_new(o, "jobfile", r->m.jobfile ? json_string(r->m.jobfile) : json_null());
    for (size_t k = 0; k < r->m.nattempts; k++)
        for (size_t i = 0; i < r->m.attempts[k].job_ids.n; i++)
            json_array_append_new(ids, json_string(r->m.attempts[k].job_ids.v[i]));
    json_object_set_new(o, "job_ids", ids);
    json_object_set_new(o, "dry_run", json_boolean(r->m.attempts[0].dry_run));
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
        json_object_set_new(o, "attempts", atts);
    }
    json_object_set_new(o, "total", json_integer((json_int_t)r->nlines));
    json_object_set_new(o, "over", json_boolean(r->over));
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
    for (size_t g = 0; g < s->ngroups; g++) {
        const struct group *gr = &s->groups[g];
        json_t *lines = json_array();
        static const char *const kinds[] = {[G_EXIT] = "failed",
                                            [G_SIGNAL] = "signaled",
                                            [G_INTERRUPTED] = "interrupted",
                                            [G_LOST] = "lost",
                                            [G_DSQ] = "failed"};

        for (size_t k = 0; k < gr->count && k < 10; k++)
            json_array_append_new(
                lines, json_integer((json_int_t)r->lines[s->members[gr->first + k].idx].line));
        json_array_append_new(
            fails, json_pack("{s:s,s:o,s:o,s:I,s:o}", "state", kinds[gr->kind], "exit",
                             gr->kind == G_EXIT ? json_integer(gr->code) : json_null(), "signal",
                             gr->kind == G_SIGNAL ? json_integer(gr->code) : json_null(), "count",
                             (json_int_t)gr->count, "lines", lines));
    }
    json_object_set_new(o, "failures", fails);
    if (s->have_advice) {
        char adv[256];
        fmt_advice(s, adv, sizeof adv);
        json_object_set_new(o, "advice",
                            json_pack("{s:s,s:I,s:I,s:o}", "text", adv, "lines_per_task",
                                      (json_int_t)s->advice_lines, "tasks",
                                      (json_int_t)s->advice_tasks, "task_seconds",
                                      jsec(s->advice_task_s)));
    } else {
        json_object_set_new(o, "advice", json_null());
    }
    return o;
}

int
dsq_report_print_json(const struct dsq_report *r, int with_lines, FILE *out)
{
    struct stats s;
    json_t *o;
    char *text = NULL;
    int rc = -1;

    if (stats_make(r, &s) < 0)
        return -1;
    o = summary_json(r, &s);
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
    stats_free(&s);
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
    fputs("line\tstate\texit\tsignal\thost\tstart\tend\telapsed\tattempts\tcommand\n", out);
    for (size_t i = 0; i < r->nlines; i++) {
        const struct dsq_line_info *li = &r->lines[i];
        int ended = is_finished(li->state) && li->end > 0;
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
            fprintf(out, "%.3f", li->start);
        putc('\t', out);
        if (ended)
            fprintf(out, "%.3f", li->end);
        putc('\t', out);
        if (ended)
            fprintf(out, "%.3f", li->elapsed);
        fprintf(out, "\t%u\t", li->attempts);
        tsv_escape(out, dsq_jobfile_cmd(r->jf, i), r->jf->cmds[i].len);
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
