/* report: one state per command line from a run's records and the queue (see
 * report.h).  The records say what ran; the queue (slurm seam) says what may
 * still run; a local run's line processes are looked up on this host.  Each
 * line's state is dsq_report_decide()'s, from the facts gathered here. */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "buf.h"
#include "claim.h"
#include "halt.h"
#include "plan.h"
#include "report.h"
#include "rundir.h"
#include "sha256.h"
#include "slurm.h"
#include "sys.h"
#include "unneeded.h"

/* --- merging records --------------------------------------------------- */

/* The best start and end record seen for one line, compactly: host names
 * are interned in the report's string table (a few distinct ones). */
struct merge {
    unsigned s_att, s_rst, e_att, e_rst;
    unsigned s_try, e_try;
    unsigned k_att, k_rst; /* the (attempt, restart) of the line's first record */
    double s_t, e_t;
    long s_pid;
    const char *s_host, *e_host;
    size_t e_task; /* the task of the end record */
    unsigned char has_s, has_e;
    unsigned char alive; /* the host check, once asked: 1 gone, 2 alive */
    unsigned char later; /* decided once every line's host check is in */
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
    struct seen *oomt; /* (attempt, task) of end records with "oom"; idx is
                          the task.  Few: the lines killed for memory. */
    size_t noomt, capoomt;
};

/* Order of records of one line: attempt, then restart, then try, then
 * time. */
static int
key_cmp(unsigned a1, unsigned r1, unsigned y1, double t1, unsigned a2, unsigned r2, unsigned y2,
        double t2)
{
    if (a1 != a2)
        return a1 < a2 ? -1 : 1;
    if (r1 != r2)
        return r1 < r2 ? -1 : 1;
    if (y1 != y2)
        return y1 < y2 ? -1 : 1;
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
        if (m->has_s && key_cmp(rec->attempt, rec->restart, rec->tryno, rec->t, m->s_att, m->s_rst,
                                m->s_try, m->s_t) < 0)
            return 0;
        m->has_s = 1;
        m->s_try = rec->tryno;
        m->s_att = rec->attempt;
        m->s_rst = rec->restart;
        m->s_t = rec->t;
        m->s_pid = rec->pid;
        m->s_host = intern(c, host, &c->last_host);
    } else {
        struct dsq_line_info *li = &r->lines[i];

        if (m->has_e && key_cmp(rec->attempt, rec->restart, rec->tryno, rec->t, m->e_att, m->e_rst,
                                m->e_try, m->e_t) < 0)
            return 0;
        m->has_e = 1;
        m->e_try = rec->tryno;
        m->e_att = rec->attempt;
        m->e_rst = rec->restart;
        m->e_t = rec->t;
        m->e_host = intern(c, host, &c->last_host);
        m->e_task = rec->task;
        li->state = rec->state;
        li->exit = rec->exit;
        li->signal = rec->signal;
        li->elapsed = rec->elapsed;
        li->utime = rec->utime;
        li->stime = rec->stime;
        li->maxrss_kb = rec->maxrss_kb;
        li->oom = rec->oom;
        if (rec->oom) {
            struct seen *s = dsq_grow(c->oomt, &c->capoomt, c->noomt + 1, sizeof *s, 16);
            if (!s) {
                c->oom = 1;
                return -1;
            }
            c->oomt = s;
            c->oomt[c->noomt].idx = rec->task;
            c->oomt[c->noomt].att = rec->attempt;
            c->oomt[c->noomt++].rst = rec->restart;
        }
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
    enum dsq_qstate *q;     /* owned: per task; NULL when not asked (no job
                               ids, or Slurm cannot be asked) */
    unsigned char *why;     /* owned: per task, dsq_report_slurm_code() of
                               Slurm's end state */
    size_t local_running;   /* its lines running here (no queue to ask) */
    size_t *claimed;        /* owned, --layout dynamic: per position of its
                               lines, the task that claimed it, or NO_TASK */
    int live;               /* when q: some task is pending or running */
    unsigned char idle_why; /* when q, over: how Slurm stopped a task that
                               could have claimed more (0: none did) */
};

#define NO_TASK ((size_t)-1)

static void
attinfo_free(struct attinfo *ai, size_t n)
{
    for (size_t a = 0; ai && a < n; a++) {
        free(ai[a].lines);
        free(ai[a].q);
        free(ai[a].why);
        free(ai[a].claimed);
    }
    free(ai);
}

/* The job ids that Slurm no longer knows (slurmctld has forgotten them and
 * no accounting database has them), said once per report. */
struct forgotten {
    struct dsq_strv ids;
    int acct; /* an accounting database was asked too */
};

/* The queue state of every task of attempt a, and (why) the code of Slurm's
 * end state where it explains the task's lines: from slurmctld, or from the
 * accounting database once slurmctld has forgotten the job, alike.  Sets
 * *asked when Slurm answered for every job id of the attempt.  Slurm
 * unreachable is warned once (*warned) and not asked again; a job id Slurm
 * no longer knows is added to fg. */
static int
queue_load(const struct dsq_attempt *a, struct attinfo *ai, int *asked, int *warned,
           struct forgotten *fg)
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
        enum dsq_qsource src;
        int rc = dsq_slurm_job_tasks(a->job_ids.v[j], a->cluster, &tasks, &n, &src, &e);

        if (rc == 1) {
            if (dsq_strv_push(&fg->ids, a->job_ids.v[j]) < 0) {
                free(q);
                free(w);
                return -1;
            }
            fg->acct |= src == DSQ_QSRC_ACCT;
        }
        if (rc < 0) {
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
    for (size_t t = 0; t < a->plan.tasks; t++) {
        ai->live |= q[t] == DSQ_Q_PENDING || q[t] == DSQ_Q_RUNNING;
        /* A task out of memory stopped only itself; one cancelled, timed
         * out or on a failed node left its share unclaimed. */
        if (!ai->idle_why && w[t] && strcmp(explain_states[w[t]], "OUT_OF_MEMORY"))
            ai->idle_why = w[t];
    }
    *asked = 1;
    return 0;
}

static int
size_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return x < y ? -1 : x > y;
}

/* The position of line index i among attempt att's lines (1-based att),
 * or NO_TASK when the attempt does not include it or the manifest does
 * not know the attempt. */
static size_t
pos_in(const struct dsq_report *r, const struct attinfo *ai, unsigned att, size_t i)
{
    const size_t *hit;

    if (!dsq_manifest_attempt(&r->m, att))
        return NO_TASK;
    if (att == 1)
        return i;
    if (!ai[att - 1].n)
        return NO_TASK;
    hit = bsearch(&r->jf->cmds[i].line, ai[att - 1].lines, ai[att - 1].n, sizeof *hit, size_cmp);
    return hit ? (size_t)(hit - ai[att - 1].lines) : NO_TASK;
}

/* The task that runs line index i in attempt att: NO_TASK when the attempt
 * does not include it, or (dynamic) no task has claimed it yet. */
static size_t
task_in(const struct dsq_report *r, const struct attinfo *ai, unsigned att, size_t i)
{
    size_t pos = pos_in(r, ai, att, i);

    if (pos == NO_TASK)
        return NO_TASK;
    if (ai[att - 1].claimed)
        return ai[att - 1].claimed[pos];
    return dsq_plan_cmd_task(&dsq_manifest_attempt(&r->m, att)->plan, pos);
}

/* What the queue says of the task running line index i in attempt att.  A
 * line that a dynamic attempt includes but no task has claimed waits while
 * any of its tasks is queued or running. */
static struct dsq_task_queue
queue_view(const struct dsq_report *r, const struct attinfo *ai, unsigned att, size_t i)
{
    struct dsq_task_queue v = {0, DSQ_Q_UNKNOWN, NULL};
    size_t t;

    if (att < 1 || att > r->m.nattempts || !ai[att - 1].q)
        return v;
    v.asked = 1;
    t = task_in(r, ai, att, i);
    if (t != NO_TASK && t < r->m.attempts[att - 1].plan.tasks) {
        v.state = ai[att - 1].q[t];
        v.slurm_state = explain_states[ai[att - 1].why[t]];
    } else if (ai[att - 1].claimed && pos_in(r, ai, att, i) != NO_TASK) {
        v.state = ai[att - 1].live ? DSQ_Q_PENDING : DSQ_Q_DONE;
        if (!ai[att - 1].live)
            v.slurm_state = explain_states[ai[att - 1].idle_why];
    }
    return v;
}

/* --- the state of a line ----------------------------------------------- */

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
        /* Requeued and waiting: the task runs again, and with it every
         * line that did not end ok (only those are skipped). */
        if (v.state != DSQ_ST_OK && f->seen.asked && f->seen.state == DSQ_Q_PENDING) {
            v.state = DSQ_ST_PENDING;
            why = NULL;
        }
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
            /* Never started: also a line claimed (dynamic) by a task that
             * ended before starting it (stopped, its node died, or too
             * little time left), as a fixed slice's unstarted lines. */
            v.state = DSQ_ST_NOT_RUN;
            why = f->planned_q.slurm_state;
        }
    }
    if (why && v.state != DSQ_ST_OK && v.state != DSQ_ST_PENDING && v.state != DSQ_ST_RUNNING)
        v.slurm_state = why;
    return v;
}

/* --- the cause of a line ------------------------------------------------ */

static const char *const cause_names[DSQ_CAUSE__COUNT] = {
    [DSQ_CAUSE_NONE] = NULL,
    [DSQ_CAUSE_EXIT] = "exit",
    [DSQ_CAUSE_SIGNAL] = "signal",
    [DSQ_CAUSE_OUT_OF_MEMORY] = "out_of_memory",
    [DSQ_CAUSE_TIME_LIMIT] = "time_limit",
    [DSQ_CAUSE_CANCELLED] = "cancelled",
    [DSQ_CAUSE_NODE_FAILURE] = "node_failure",
    [DSQ_CAUSE_PREEMPTED] = "preempted",
    [DSQ_CAUSE_HALTED] = "halted",
    [DSQ_CAUSE_DSQ_ERROR] = "dsq_error",
    [DSQ_CAUSE_UNKNOWN] = "unknown",
};

const char *
dsq_cause_name(enum dsq_cause c)
{
    return (unsigned)c < DSQ_CAUSE__COUNT ? cause_names[c] : NULL;
}

/* What Slurm's explaining end state of a task says of its lines. */
static enum dsq_cause
slurm_cause(const char *slurm_state)
{
    static const struct {
        const char *name;
        enum dsq_cause cause;
    } map[] = {
        {"TIMEOUT", DSQ_CAUSE_TIME_LIMIT},          {"DEADLINE", DSQ_CAUSE_TIME_LIMIT},
        {"CANCELLED", DSQ_CAUSE_CANCELLED},         {"NODE_FAIL", DSQ_CAUSE_NODE_FAILURE},
        {"BOOT_FAIL", DSQ_CAUSE_NODE_FAILURE},      {"PREEMPTED", DSQ_CAUSE_PREEMPTED},
        {"OUT_OF_MEMORY", DSQ_CAUSE_OUT_OF_MEMORY},
    };

    for (size_t k = 0; slurm_state && k < sizeof map / sizeof map[0]; k++)
        if (!strcmp(slurm_state, map[k].name))
            return map[k].cause;
    return DSQ_CAUSE_NONE;
}

/* The signals Slurm stops a task's processes with. */
static int
stop_signal(int sig)
{
    return sig == SIGTERM || sig == SIGKILL || sig == SIGINT || sig == SIGHUP;
}

/* A line killed by SIGKILL is out of memory when its cgroup counted the
 * kill (the record's oom), or Slurm says its task ran out and no line of the
 * task is on record as the one killed for it; a line that died
 * of Slurm's stop signals in a task Slurm stopped died of that stop; else
 * the exit or signal is the line's own.  Interrupted, lost and never run
 * lines have only Slurm's word (a lost line's runner may itself have been
 * killed for memory; an interrupted or unstarted line was not). */
enum dsq_cause
dsq_report_cause(const struct dsq_cause_facts *f)
{
    enum dsq_cause slurm = slurm_cause(f->slurm_state);
    int stopped = slurm != DSQ_CAUSE_NONE && slurm != DSQ_CAUSE_OUT_OF_MEMORY;

    switch (f->state) {
    case DSQ_ST_FAILED:
        if (f->dsq_error)
            return DSQ_CAUSE_DSQ_ERROR;
        if (f->exit < 0)
            return DSQ_CAUSE_UNKNOWN;
        if (f->exit == 128 + SIGKILL &&
            (f->oom || (slurm == DSQ_CAUSE_OUT_OF_MEMORY && !f->task_oom)))
            return DSQ_CAUSE_OUT_OF_MEMORY;
        if (stopped && f->exit > 128 && stop_signal(f->exit - 128))
            return slurm;
        return DSQ_CAUSE_EXIT;
    case DSQ_ST_SIGNALED:
        if (f->signal <= 0)
            return DSQ_CAUSE_UNKNOWN;
        if (f->signal == SIGKILL && (f->oom || (slurm == DSQ_CAUSE_OUT_OF_MEMORY && !f->task_oom)))
            return DSQ_CAUSE_OUT_OF_MEMORY;
        if (stopped && stop_signal(f->signal))
            return slurm;
        return DSQ_CAUSE_SIGNAL;
    case DSQ_ST_INTERRUPTED:
        if (f->oom)
            return DSQ_CAUSE_OUT_OF_MEMORY;
        return stopped ? slurm : DSQ_CAUSE_UNKNOWN;
    case DSQ_ST_LOST:
        return slurm != DSQ_CAUSE_NONE ? slurm : DSQ_CAUSE_UNKNOWN;
    case DSQ_ST_NOT_RUN:
        /* Its runner (or the one that would have started it) saw the
         * halt: whatever Slurm did to the task after. */
        if (f->halted)
            return DSQ_CAUSE_HALTED;
        return stopped ? slurm : DSQ_CAUSE_UNKNOWN;
    default: /* ok, or it may still end ok */
        return DSQ_CAUSE_NONE;
    }
}

/* The facts of line index i for dsq_report_decide(), but planned_here.  The
 * host check is a system call or two: made once, and only for a line whose
 * latest record is a start that no queue explains. */
static void
facts_of(const struct dsq_report *r, const struct attinfo *ai, struct merge *m, size_t i,
         struct dsq_line_facts *f)
{
    if (m->has_e && (!m->has_s || key_cmp(m->e_att, m->e_rst, m->e_try, m->e_t, m->s_att, m->s_rst,
                                          m->s_try, m->s_t) >= 0)) {
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
/* Whether an end record of (attempt, task) said "oom". */
static int
task_oom(const struct loadctx *c, unsigned att, size_t task)
{
    for (size_t k = 0; k < c->noomt; k++)
        if (c->oomt[k].att == att && c->oomt[k].idx == task)
            return 1;
    return 0;
}

/* Whether --max-failures halted attempt att. */
static int
attempt_halted(const struct dsq_report *r, unsigned att)
{
    for (size_t k = 0; k < r->nhalts; k++)
        if (r->halts[k].attempt == att)
            return 1;
    return 0;
}

static void
apply(const struct loadctx *c, const struct merge *m, size_t i, const struct dsq_line_facts *f,
      const struct dsq_line_verdict *v)
{
    struct dsq_report *r = c->r;
    struct dsq_line_info *li = &r->lines[i];

    li->attempt = f->attempt;
    li->state = v->state;
    li->slurm_state = v->slurm_state;
    r->counts[v->state]++;
    switch (v->shown) {
    case DSQ_SHOW_END: /* the end record's measurements are li's already */
        li->host = m->e_host;
        li->end = m->e_t;
        li->start = m->has_s && m->s_att == m->e_att && m->s_rst == m->e_rst && m->s_try == m->e_try
                        ? m->s_t
                        : m->e_t - li->elapsed;
        li->tries = m->e_try;
        break;
    case DSQ_SHOW_START:
        li->host = m->s_host;
        li->start = m->s_t;
        li->tries = m->s_try;
        break;
    case DSQ_SHOW_NONE:
        li->host = NULL;
        li->start = 0;
        li->tries = 0;
        break;
    }
    if (v->shown != DSQ_SHOW_END) {
        li->end = 0;
        li->exit = -1;
        li->signal = 0;
        li->elapsed = li->utime = li->stime = 0;
        li->maxrss_kb = 0;
        li->reason = NULL;
        li->oom = 0;
    }
    {
        struct dsq_cause_facts cf = {0};

        cf.state = li->state;
        cf.exit = li->exit;
        cf.signal = li->signal;
        cf.dsq_error = li->state == DSQ_ST_FAILED && li->reason && li->reason[0];
        cf.oom = li->oom;
        cf.task_oom = v->shown == DSQ_SHOW_END && task_oom(c, m->e_att, m->e_task);
        cf.slurm_state = li->slurm_state;
        cf.halted = attempt_halted(r, li->planned);
        li->cause = dsq_report_cause(&cf);
    }
}

/* Every line's state.  A line that its planned attempt has not recorded,
 * with no queue to ask, waits while that attempt visibly runs here, which
 * the other lines' host checks tell: such lines are decided last. */
static void
decide_lines(const struct loadctx *c, struct attinfo *ai)
{
    struct dsq_report *r = c->r;
    struct merge *mg = c->mg;
    size_t nat = r->m.nattempts, other_here = 0, later = 0;
    struct dsq_line_facts f;
    struct dsq_line_verdict v;

    for (size_t i = 0; i < r->nlines; i++) {
        facts_of(r, ai, &mg[i], i, &f);
        v = dsq_report_decide(&f);
        if (v.here) {
            if (f.attempt >= 1 && f.attempt <= nat)
                ai[f.attempt - 1].local_running++;
            else
                other_here++;
        }
        if (f.planned > f.attempt && !f.planned_q.asked) {
            mg[i].later = 1;
            later++;
            continue;
        }
        apply(c, &mg[i], i, &f, &v);
    }
    for (size_t i = 0; later && i < r->nlines; i++) {
        if (!mg[i].later)
            continue;
        facts_of(r, ai, &mg[i], i, &f);
        f.planned_here = ai[f.planned - 1].local_running > 0 || (f.planned == 1 && other_here);
        v = dsq_report_decide(&f);
        apply(c, &mg[i], i, &f, &v);
        later--;
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

/* Note a dynamic attempt's claimed chunk (dsq_claim_read()). */
struct claims_ctx {
    size_t *claimed;
    size_t n;
    const struct dsq_plan *plan; /* claims name slots (plan.h) */
};

static int
note_claim(size_t first, size_t n, size_t task, unsigned restart, void *arg)
{
    struct claims_ctx *cc = arg;

    (void)restart;
    for (size_t s = first; s < first + n && s < cc->n; s++) {
        size_t p = dsq_plan_pos(cc->plan, s);
        if (p < cc->n)
            cc->claimed[p] = task;
    }
    return 0;
}

/* A dynamic attempt's claims: which task claimed each of its n lines. */
static int
claims_load(struct attinfo *ai, const char *run_dir, const struct dsq_plan *plan, unsigned att,
            size_t n, struct dsq_error *err)
{
    struct claims_ctx cc;

    if (!(ai->claimed = dsq_calloc_big(n ? n : 1, sizeof *ai->claimed)))
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    for (size_t p = 0; p < n; p++)
        ai->claimed[p] = NO_TASK;
    cc.claimed = ai->claimed;
    cc.n = n;
    cc.plan = plan;
    return dsq_claim_read(run_dir, att, note_claim, &cc, err);
}

/* Add a dynamic attempt's unneeded tasks (unneeded.h) to r->unneeded. */
static int
unneeded_count(struct dsq_report *r, const struct dsq_attempt *at, const char *run_dir,
               struct dsq_error *err)
{
    unsigned char *seen = dsq_calloc_big(at->plan.tasks ? at->plan.tasks : 1, 1);
    size_t n = 0;
    int rc;

    if (!seen)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    rc = dsq_unneeded_read(run_dir, at->number, seen, at->plan.tasks, &n, err);
    free(seen);
    r->unneeded += n;
    return rc;
}

/* Which attempts include each line: attempt 1 every line, then each rerun
 * its own; the latest one decides where the line waits.  A dynamic
 * attempt's line belongs to the task that claimed it, if any yet. */
static int
plan_lines(struct dsq_report *r, struct attinfo *ai, const char *run_dir, struct dsq_error *err)
{
    const struct dsq_attempt *first = &r->m.attempts[0];

    if (first->plan.layout == DSQ_LAYOUT_DYNAMIC &&
        (claims_load(&ai[0], run_dir, &first->plan, 1, r->nlines, err) < 0 ||
         unneeded_count(r, first, run_dir, err) < 0))
        return -1;
    for (size_t i = 0; i < r->nlines; i++) {
        r->lines[i].line = r->jf->cmds[i].line;
        r->lines[i].planned = 1;
        r->lines[i].task = ai[0].claimed ? ai[0].claimed[i] : dsq_plan_cmd_task(&first->plan, i);
    }
    for (size_t a = 1; a < r->m.nattempts; a++) {
        const struct dsq_attempt *at = &r->m.attempts[a];
        if (dsq_attempt_lines(run_dir, at, r->jf, &ai[a].lines, &ai[a].n, err) < 0)
            return -1;
        if (at->plan.layout == DSQ_LAYOUT_DYNAMIC &&
            (claims_load(&ai[a], run_dir, &at->plan, at->number, ai[a].n, err) < 0 ||
             unneeded_count(r, at, run_dir, err) < 0))
            return -1;
        for (size_t j = 0; j < ai[a].n; j++) {
            size_t i = dsq_jobfile_find(r->jf, ai[a].lines[j]);
            r->lines[i].planned = at->number;
            r->lines[i].task = ai[a].claimed ? ai[a].claimed[j] : dsq_plan_cmd_task(&at->plan, j);
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

/* Job ids found for an attempt submitted by hand, into the manifest. */
struct found_ids {
    unsigned number;
    const struct dsq_strv *ids;
};

static int
note_found(struct dsq_manifest *m, void *arg, struct dsq_error *err)
{
    const struct found_ids *f = arg;
    struct dsq_attempt *a = (struct dsq_attempt *)dsq_manifest_attempt(m, f->number);

    if (!a || a->job_ids.n)
        return 0; /* recorded meanwhile */
    for (size_t i = 0; i < f->ids->n; i++)
        if (dsq_strv_push(&a->job_ids, f->ids->v[i]) < 0)
            return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    return 0;
}

/* An attempt planned but not submitted by dsq, on a machine that has Slurm:
 * its batch script may have been submitted by hand (dSQ's habit).  Slurm is
 * asked for jobs of the script; found, their ids are the attempt's, in the
 * manifest too, from then on.  Slurm not answering, nobody can tell: the
 * attempt's tasks count as running (pending lines, nothing lost, the run
 * not over), said once.  0, or -1 when out of memory. */
static int
find_by_hand(struct dsq_report *r, struct dsq_attempt *a, struct attinfo *ai, int *warned)
{
    struct dsq_error e = {0};
    const char *paths[2];
    char *script;
    size_t n = 0;
    int rc;

    if (a->job_ids.n || a->dry_run || a->submit_error || !a->script || !dsq_slurm_configured())
        return 0;
    if (!(script = dsq_rundir_join(r->m.run_dir, a->script)))
        return -1;
    paths[n++] = script;
    if (a->number == 1 && r->m.batch_file)
        paths[n++] = r->m.batch_file;
    rc = dsq_slurm_jobs_of_script(paths, n, &a->job_ids, &e);
    free(script);
    if (rc == 0 && a->job_ids.n) {
        struct found_ids f = {a->number, &a->job_ids};
        struct dsq_error ue = {0};
        dsq_manifest_update(r->m.run_dir, note_found, &f, &ue); /* a read-only run: asked again */
        return 0;
    }
    if (rc == 0)
        return 0; /* Slurm has no job of it: never submitted, or long over */
    if (!*warned)
        dsq_warn("%s was not submitted by dsq, and whether its batch script was submitted by "
                 "hand cannot be told (%s): its lines without an end are shown pending",
                 r->m.run_dir, e.msg);
    *warned = 1;
    r->maybe_by_hand = 1;
    if (!(ai->q = calloc(a->plan.tasks, sizeof *ai->q)) || !(ai->why = calloc(a->plan.tasks, 1)))
        return -1;
    for (size_t t = 0; t < a->plan.tasks; t++)
        ai->q[t] = DSQ_Q_RUNNING;
    ai->live = 1; /* a dynamic attempt's unclaimed lines wait too */
    return 0;
}

/* The queue of every attempt that has job ids (or was submitted by hand). */
static int
ask_queue(struct dsq_report *r, struct attinfo *ai, struct dsq_error *err)
{
    int warned = 0, any_ids = 0, all_asked = 1;
    struct forgotten fg = {{0}, 0};

    for (size_t a = 0; a < r->m.nattempts; a++) {
        int asked;
        if (find_by_hand(r, &r->m.attempts[a], &ai[a], &warned) < 0)
            return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        if (ai[a].q) {
            all_asked = 0; /* nobody could tell */
            continue;
        }
        if (queue_load(&r->m.attempts[a], &ai[a], &asked, &warned, &fg) < 0) {
            dsq_strv_free(&fg.ids);
            return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        }
        if (r->m.attempts[a].job_ids.n) {
            any_ids = 1;
            all_asked &= asked;
        }
    }
    r->queue_known = any_ids && all_asked;
    r->forgotten = fg.ids.n;
    if (fg.ids.n) {
        /* Over, but how Slurm ended its tasks (TIMEOUT, CANCELLED,
         * OUT_OF_MEMORY, ...) is gone: said, not taken for "no reason". */
        struct dsq_buf ids = {0};
        for (size_t k = 0; k < fg.ids.n; k++)
            dsq_buf_printf(&ids, "%s%s", k ? ", " : "", fg.ids.v[k]);
        dsq_warn("Slurm no longer knows job%s %s: %s, so how Slurm ended %s tasks (time limit, "
                 "cancelled, out of memory, ...) is not known; line states come from the records",
                 fg.ids.n > 1 ? "s" : "", ids.data ? ids.data : "",
                 fg.acct ? "slurmctld has forgotten it and the accounting database has no record "
                           "of it"
                         : "slurmctld forgets a job MinJobAge after it ended, and this cluster "
                           "keeps no accounting database",
                 fg.ids.n > 1 ? "their" : "its");
        dsq_buf_free(&ids);
    }
    dsq_strv_free(&fg.ids);
    return 0;
}

/* The attempts that --max-failures halted: one stat() each, and their
 * markers read when halted. */
static int
load_halts(struct dsq_report *r, const char *run_dir, struct dsq_error *err)
{
    for (size_t a = 0; a < r->m.nattempts; a++) {
        const struct dsq_attempt *at = &r->m.attempts[a];
        struct dsq_report_halt *h;
        size_t *lines, n;

        if (!at->max_failures)
            continue;
        if (dsq_halt_read(run_dir, at->number, at->max_failures, &lines, &n) < 0)
            return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        if (!n)
            continue;
        if (!(h = realloc(r->halts, (r->nhalts + 1) * sizeof *h))) {
            free(lines);
            return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        }
        r->halts = h;
        r->halts[r->nhalts].attempt = at->number;
        r->halts[r->nhalts].lines = lines;
        r->halts[r->nhalts++].nlines = n;
    }
    return 0;
}

/* Whether the latest attempt's automatic rerun is still to come. */
static void
follow_up_load(struct dsq_report *r)
{
    const struct dsq_attempt *a = &r->m.attempts[r->m.nattempts - 1];
    struct dsq_error e = {0};

    if (a->follow_up.job_id && dsq_slurm_jobs_busy(&a->follow_up.job_id, 1, &e) == 1)
        r->follow_up = a->number;
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
    if (plan_lines(r, ai, run_dir, err) < 0 || load_halts(r, run_dir, err) < 0 ||
        read_records(&c, run_dir, err) < 0 || ask_queue(r, ai, err) < 0)
        goto out;
    decide_lines(&c, ai);
    follow_up_load(r);
    ok = 1;
out:
    attinfo_free(ai, r->m.nattempts);
    free(c.mg);
    free(c.seen);
    free(c.oomt);
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
    for (size_t k = 0; k < r->nhalts; k++)
        free(r->halts[k].lines);
    free(r->halts);
    free(r);
}

/* --- history ------------------------------------------------------------ */

/* One record, as much as a history entry needs. */
struct hrec {
    size_t idx;
    unsigned att, rst, tryno;
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
    e->tryno = rec->tryno;
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
    return key_cmp(x->att, x->rst, x->tryno, x->t, y->att, y->rst, y->tryno, y->t);
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
            if (e->tryno > d->tries)
                d->tries = e->tryno;
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
