/* Unit tests for lib/report.c's state decision, table-driven: every line
 * state from the facts a run gives (the latest record, the queue of its
 * attempt, the host check, reruns), then lib/report-stats.c's numbers and
 * lib/report-print.c's use of the caller's words, from hand-made reports. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/report-print.h"
#include "lib/report-stats.h"
#include "lib/report.h"
#include "tests/unit/tap.h"

/* What the queue says of a line's task. */
#define NOT_ASKED                                                                                  \
    {                                                                                              \
        0, DSQ_Q_UNKNOWN, NULL                                                                     \
    } /* no job ids, or Slurm unreachable */
#define PENDING                                                                                    \
    {                                                                                              \
        1, DSQ_Q_PENDING, NULL                                                                     \
    }
#define RUNNING                                                                                    \
    {                                                                                              \
        1, DSQ_Q_RUNNING, NULL                                                                     \
    }
#define COMPLETED                                                                                  \
    {                                                                                              \
        1, DSQ_Q_DONE, NULL                                                                        \
    } /* over, nothing to explain */
#define GONE                                                                                       \
    {                                                                                              \
        1, DSQ_Q_DONE, NULL                                                                        \
    } /* Slurm no longer lists the task */
#define NOT_IN                                                                                     \
    {                                                                                              \
        1, DSQ_Q_UNKNOWN, NULL                                                                     \
    } /* asked, the attempt lacks the line */
#define DONE_AS(s)                                                                                 \
    {                                                                                              \
        1, DSQ_Q_DONE, s                                                                           \
    } /* over, with an explaining state */

#define NONE DSQ_LATEST_NONE
#define START DSQ_LATEST_START
#define END DSQ_LATEST_END

struct row {
    const char *name;
    /* facts */
    enum dsq_latest latest;
    unsigned attempt;
    enum dsq_state end_state;
    int alive;
    struct dsq_task_queue seen;
    unsigned planned;
    struct dsq_task_queue planned_q;
    int planned_here;
    /* verdict */
    enum dsq_state state;
    const char *slurm_state;
    enum dsq_shown shown;
    int here;
};

/* Shorthands for the states, to keep the table's rows on one line each. */
#define OK DSQ_ST_OK
#define FAILED DSQ_ST_FAILED
#define SIGNALED DSQ_ST_SIGNALED
#define INTERRUPTED DSQ_ST_INTERRUPTED
#define LOST DSQ_ST_LOST
#define PEND DSQ_ST_PENDING
#define RUN DSQ_ST_RUNNING
#define NOT_RUN DSQ_ST_NOT_RUN

#define S_NONE DSQ_SHOW_NONE
#define S_START DSQ_SHOW_START
#define S_END DSQ_SHOW_END

/* clang-format off */
static const struct row rows[] = {
    /* One attempt; the latest record is an end: its state stands, and a
     * Slurm state explains it unless it is ok. */
    {"ended ok, no queue", END, 1, OK, 0, NOT_ASKED, 1, NOT_ASKED, 0, OK, NULL, S_END, 0},
    {"ended ok, task completed", END, 1, OK, 0, COMPLETED, 1, COMPLETED, 0, OK, NULL, S_END, 0},
    {"ended ok, task timed out after", END, 1, OK, 0, DONE_AS("TIMEOUT"), 1, DONE_AS("TIMEOUT"), 0, OK, NULL, S_END, 0},
    {"ended ok, task still running", END, 1, OK, 0, RUNNING, 1, RUNNING, 0, OK, NULL, S_END, 0},
    {"ended failed, no queue", END, 1, FAILED, 0, NOT_ASKED, 1, NOT_ASKED, 0, FAILED, NULL, S_END, 0},
    {"ended failed, task completed", END, 1, FAILED, 0, COMPLETED, 1, COMPLETED, 0, FAILED, NULL, S_END, 0},
    {"ended failed, out of memory", END, 1, FAILED, 0, DONE_AS("OUT_OF_MEMORY"), 1, DONE_AS("OUT_OF_MEMORY"), 0, FAILED, "OUT_OF_MEMORY", S_END, 0},
    {"ended failed, job no longer known", END, 1, FAILED, 0, GONE, 1, GONE, 0, FAILED, NULL, S_END, 0},
    {"ended signaled, no queue", END, 1, SIGNALED, 0, NOT_ASKED, 1, NOT_ASKED, 0, SIGNALED, NULL, S_END, 0},
    {"ended signaled, cancelled", END, 1, SIGNALED, 0, DONE_AS("CANCELLED"), 1, DONE_AS("CANCELLED"), 0, SIGNALED, "CANCELLED", S_END, 0},
    {"ended interrupted, no queue", END, 1, INTERRUPTED, 0, NOT_ASKED, 1, NOT_ASKED, 0, INTERRUPTED, NULL, S_END, 0},
    {"ended interrupted, time limit", END, 1, INTERRUPTED, 0, DONE_AS("TIMEOUT"), 1, DONE_AS("TIMEOUT"), 0, INTERRUPTED, "TIMEOUT", S_END, 0},
    {"ended interrupted, preempted", END, 1, INTERRUPTED, 0, DONE_AS("PREEMPTED"), 1, DONE_AS("PREEMPTED"), 0, INTERRUPTED, "PREEMPTED", S_END, 0},
    {"ended lost, node failed", END, 1, LOST, 0, DONE_AS("NODE_FAIL"), 1, DONE_AS("NODE_FAIL"), 0, LOST, "NODE_FAIL", S_END, 0},
    {"ended with a state out of range: failed", END, 1, (enum dsq_state)99, 0, NOT_ASKED, 1, NOT_ASKED, 0, FAILED, NULL, S_END, 0},
    {"restart 0 failed, task requeued and waiting: pending", END, 1, FAILED, 0, PENDING, 1, PENDING, 0, PEND, NULL, S_END, 0},
    {"restart 0 interrupted, task requeued and waiting: pending", END, 1, INTERRUPTED, 0, PENDING, 1, PENDING, 0, PEND, NULL, S_END, 0},
    {"restart 0 ended ok, task requeued: ok (the restart skips it)", END, 1, OK, 0, PENDING, 1, PENDING, 0, OK, NULL, S_END, 0},

    /* The latest record is a start: the queue says whether it still runs;
     * without one, this host does. */
    {"started, task running", START, 1, OK, 0, RUNNING, 1, RUNNING, 0, RUN, NULL, S_START, 0},
    {"started, task requeued: pending", START, 1, OK, 0, PENDING, 1, PENDING, 0, PEND, NULL, S_START, 0},
    {"started, task completed: lost", START, 1, OK, 0, COMPLETED, 1, COMPLETED, 0, LOST, NULL, S_START, 0},
    {"started, time limit: lost", START, 1, OK, 0, DONE_AS("TIMEOUT"), 1, DONE_AS("TIMEOUT"), 0, LOST, "TIMEOUT", S_START, 0},
    {"started, deadline: lost", START, 1, OK, 0, DONE_AS("DEADLINE"), 1, DONE_AS("DEADLINE"), 0, LOST, "DEADLINE", S_START, 0},
    {"started, job no longer known: lost", START, 1, OK, 0, GONE, 1, GONE, 0, LOST, NULL, S_START, 0},
    {"started, attempt lacks the line: lost", START, 1, OK, 0, NOT_IN, 1, NOT_IN, 0, LOST, NULL, S_START, 0},
    {"started, queue known: the host check is not read", START, 1, OK, 1, COMPLETED, 1, COMPLETED, 0, LOST, NULL, S_START, 0},
    {"started, no queue, alive here: running", START, 1, OK, 1, NOT_ASKED, 1, NOT_ASKED, 0, RUN, NULL, S_START, 1},
    {"started, no queue, gone: lost", START, 1, OK, 0, NOT_ASKED, 1, NOT_ASKED, 0, LOST, NULL, S_START, 0},
    {"restart 1 started after restart 0 failed, running", START, 1, FAILED, 0, RUNNING, 1, RUNNING, 0, RUN, NULL, S_START, 0},
    {"restart 1 started after restart 0 failed, requeued", START, 1, FAILED, 0, PENDING, 1, PENDING, 0, PEND, NULL, S_START, 0},
    {"restart 1 started after restart 0 failed, cancelled", START, 1, FAILED, 0, DONE_AS("CANCELLED"), 1, DONE_AS("CANCELLED"), 0, LOST, "CANCELLED", S_START, 0},
    {"a retry started after a failed try, alive here", START, 1, FAILED, 1, NOT_ASKED, 1, NOT_ASKED, 0, RUN, NULL, S_START, 1},
    {"a retry started after a failed try, gone", START, 1, FAILED, 0, NOT_ASKED, 1, NOT_ASKED, 1, LOST, NULL, S_START, 0},

    /* No record: the line waits while its task may still run it. */
    {"no record, task pending", NONE, 0, OK, 0, NOT_ASKED, 1, PENDING, 0, PEND, NULL, S_NONE, 0},
    {"no record, task running", NONE, 0, OK, 0, NOT_ASKED, 1, RUNNING, 0, PEND, NULL, S_NONE, 0},
    {"no record, task completed: not_run", NONE, 0, OK, 0, NOT_ASKED, 1, COMPLETED, 0, NOT_RUN, NULL, S_NONE, 0},
    {"no record, time limit: not_run", NONE, 0, OK, 0, NOT_ASKED, 1, DONE_AS("TIMEOUT"), 0, NOT_RUN, "TIMEOUT", S_NONE, 0},
    {"no record, boot failed: not_run", NONE, 0, OK, 0, NOT_ASKED, 1, DONE_AS("BOOT_FAIL"), 0, NOT_RUN, "BOOT_FAIL", S_NONE, 0},
    {"no record, job no longer known: not_run", NONE, 0, OK, 0, NOT_ASKED, 1, GONE, 0, NOT_RUN, NULL, S_NONE, 0},
    {"no record, attempt lacks the line: not_run", NONE, 0, OK, 0, NOT_ASKED, 1, NOT_IN, 0, NOT_RUN, NULL, S_NONE, 0},
    {"no record, no queue, the run goes on here", NONE, 0, OK, 0, NOT_ASKED, 1, NOT_ASKED, 1, PEND, NULL, S_NONE, 0},
    {"no record, no queue, nothing runs here", NONE, 0, OK, 0, NOT_ASKED, 1, NOT_ASKED, 0, NOT_RUN, NULL, S_NONE, 0},
    {"no record, queue known: planned_here is not read", NONE, 0, OK, 0, NOT_ASKED, 1, COMPLETED, 1, NOT_RUN, NULL, S_NONE, 0},

    /* Reruns: attempt 2 includes the line.  Until it records the line, the
     * line waits on attempt 2's task, then keeps attempt 1's verdict. */
    {"rerun pending, attempt 1 failed", END, 1, FAILED, 0, COMPLETED, 2, PENDING, 0, PEND, NULL, S_NONE, 0},
    {"rerun running, attempt 1 ran out of memory", END, 1, FAILED, 0, DONE_AS("OUT_OF_MEMORY"), 2, RUNNING, 0, PEND, NULL, S_NONE, 0},
    {"rerun over without the line: attempt 1 stands", END, 1, FAILED, 0, DONE_AS("OUT_OF_MEMORY"), 2, COMPLETED, 0, FAILED, "OUT_OF_MEMORY", S_END, 0},
    {"rerun no longer known: attempt 1 stands", END, 1, SIGNALED, 0, NOT_ASKED, 2, GONE, 0, SIGNALED, NULL, S_END, 0},
    {"rerun timed out before the line: attempt 1 stands", END, 1, INTERRUPTED, 0, DONE_AS("TIMEOUT"), 2, DONE_AS("CANCELLED"), 0, INTERRUPTED, "TIMEOUT", S_END, 0},
    {"dry-run rerun going on here", END, 1, OK, 0, NOT_ASKED, 2, NOT_ASKED, 1, PEND, NULL, S_NONE, 0},
    {"dry-run rerun over here: attempt 1 stands", END, 1, FAILED, 0, NOT_ASKED, 2, NOT_ASKED, 0, FAILED, NULL, S_END, 0},
    {"rerun pending, attempt 1 still running", START, 1, OK, 0, RUNNING, 2, PENDING, 0, PEND, NULL, S_NONE, 0},
    {"rerun over, attempt 1 lost at its time limit", START, 1, OK, 0, DONE_AS("TIMEOUT"), 2, GONE, 0, LOST, "TIMEOUT", S_START, 0},
    {"forced rerun, attempt 1 alive here", START, 1, OK, 1, NOT_ASKED, 2, NOT_ASKED, 0, RUN, NULL, S_START, 1},
    {"forced rerun, attempt 1 alive here, rerun queued", START, 1, OK, 1, NOT_ASKED, 2, PENDING, 0, PEND, NULL, S_NONE, 1},
    {"rerun ended ok", END, 2, OK, 0, COMPLETED, 2, COMPLETED, 0, OK, NULL, S_END, 0},
    {"rerun ended failed again, out of memory", END, 2, FAILED, 0, DONE_AS("OUT_OF_MEMORY"), 2, DONE_AS("OUT_OF_MEMORY"), 0, FAILED, "OUT_OF_MEMORY", S_END, 0},
    {"rerun started, running", START, 2, OK, 0, RUNNING, 2, RUNNING, 0, RUN, NULL, S_START, 0},
    {"rerun started, requeued", START, 2, OK, 0, PENDING, 2, PENDING, 0, PEND, NULL, S_START, 0},
    {"rerun started, node failed: lost", START, 2, OK, 0, DONE_AS("NODE_FAIL"), 2, DONE_AS("NODE_FAIL"), 0, LOST, "NODE_FAIL", S_START, 0},
    {"rerun restart 1 started after restart 0 ended", START, 2, INTERRUPTED, 0, RUNNING, 2, RUNNING, 0, RUN, NULL, S_START, 0},
    {"attempt 3 pending, attempts 1 and 2 ended", END, 2, FAILED, 0, COMPLETED, 3, PENDING, 0, PEND, NULL, S_NONE, 0},
    {"attempt 3 over without the line: attempt 2 stands", END, 2, FAILED, 0, COMPLETED, 3, COMPLETED, 0, FAILED, NULL, S_END, 0},
    {"never recorded, rerun pending", NONE, 0, OK, 0, NOT_ASKED, 2, PENDING, 0, PEND, NULL, S_NONE, 0},
    {"never recorded, rerun cancelled: not_run", NONE, 0, OK, 0, NOT_ASKED, 2, DONE_AS("CANCELLED"), 0, NOT_RUN, "CANCELLED", S_NONE, 0},
    {"never recorded, dry-run rerun over here", NONE, 0, OK, 0, NOT_ASKED, 2, NOT_ASKED, 0, NOT_RUN, NULL, S_NONE, 0},
    {"a line the rerun lacks keeps attempt 1's end", END, 1, SIGNALED, 0, GONE, 1, GONE, 0, SIGNALED, NULL, S_END, 0},
};
/* clang-format on */

#define NROWS (sizeof rows / sizeof rows[0])

static const char *const shown_names[] = {"none", "start", "end"};

/* Each row of table through dsq_report_decide(): the states its rows
 * expect, as a bit set. */
static unsigned
check_rows(const struct row *table, size_t n)
{
    unsigned states_seen = 0;

    for (size_t k = 0; k < n; k++) {
        const struct row *w = &table[k];
        struct dsq_line_facts f = {w->latest, w->attempt, w->end_state, w->alive,
                                   w->seen,   w->planned, w->planned_q, w->planned_here};
        struct dsq_line_verdict v = dsq_report_decide(&f);
        int same_slurm = v.slurm_state && w->slurm_state ? !strcmp(v.slurm_state, w->slurm_state)
                                                         : v.slurm_state == w->slurm_state;
        int good = v.state == w->state && same_slurm && v.shown == w->shown && v.here == w->here;

        ok(good, "decide: %s: %s%s%s, shows %s%s", w->name, dsq_state_name(w->state),
           w->slurm_state ? " " : "", w->slurm_state ? w->slurm_state : "", shown_names[w->shown],
           w->here ? ", runs here" : "");
        if (!good)
            printf("#   got %s %s, shows %s, here %d\n", dsq_state_name(v.state),
                   v.slurm_state ? v.slurm_state : "(no Slurm state)",
                   (unsigned)v.shown < 3 ? shown_names[v.shown] : "?", v.here);
        states_seen |= 1u << w->state;
    }
    return states_seen;
}

static void
test_decide(void)
{
    is_int(check_rows(rows, NROWS), (1u << DSQ_ST__COUNT) - 1,
           "decide: the table reaches every state");
}

/* --layout dynamic: a line's task is the one that claimed it; planned_q is
 * that task's queue state, or for a line no task has claimed yet, pending
 * while any task of the attempt is queued or running, else done. */

/* clang-format off */
static const struct row dyn_rows[] = {
    {"dynamic: unclaimed, tasks still queued or running", NONE, 0, OK, 0, NOT_ASKED, 1, PENDING, 0, PEND, NULL, S_NONE, 0},
    {"dynamic: unclaimed, every task over: not_run", NONE, 0, OK, 0, NOT_ASKED, 1, COMPLETED, 0, NOT_RUN, NULL, S_NONE, 0},
    {"dynamic: claimed, its task running", NONE, 0, OK, 0, NOT_ASKED, 1, RUNNING, 0, PEND, NULL, S_NONE, 0},
    {"dynamic: claimed, its task requeued", NONE, 0, OK, 0, NOT_ASKED, 1, PENDING, 0, PEND, NULL, S_NONE, 0},
    {"dynamic: claimed, its node failed before starting it: not_run", NONE, 0, OK, 0, NOT_ASKED, 1, DONE_AS("NODE_FAIL"), 0, NOT_RUN, "NODE_FAIL", S_NONE, 0},
    {"dynamic: claimed, its task over before starting it: not_run", NONE, 0, OK, 0, NOT_ASKED, 1, COMPLETED, 0, NOT_RUN, NULL, S_NONE, 0},
    {"dynamic: claimed, no queue, the run goes on here", NONE, 0, OK, 0, NOT_ASKED, 1, NOT_ASKED, 1, PEND, NULL, S_NONE, 0},
    {"dynamic: claimed, no queue, nothing runs here: not_run", NONE, 0, OK, 0, NOT_ASKED, 1, NOT_ASKED, 0, NOT_RUN, NULL, S_NONE, 0},
    {"dynamic: claimed and started, node failed: lost", START, 1, OK, 0, DONE_AS("NODE_FAIL"), 1, DONE_AS("NODE_FAIL"), 0, LOST, "NODE_FAIL", S_START, 0},
    {"dynamic: claimed and ended ok", END, 1, OK, 0, COMPLETED, 1, COMPLETED, 0, OK, NULL, S_END, 0},
    {"dynamic rerun: claimed, node failed before starting it: attempt 1 stands", END, 1, FAILED, 0, COMPLETED, 2, DONE_AS("NODE_FAIL"), 0, FAILED, NULL, S_END, 0},
    {"dynamic rerun: unclaimed, over: attempt 1 stands", END, 1, FAILED, 0, COMPLETED, 2, COMPLETED, 0, FAILED, NULL, S_END, 0},
};
/* clang-format on */

static void
test_decide_dynamic(void)
{
    check_rows(dyn_rows, sizeof dyn_rows / sizeof dyn_rows[0]);
}

static void
test_slurm_codes(void)
{
    static const char *const names[] = {"TIMEOUT",   "CANCELLED", "NODE_FAIL", "OUT_OF_MEMORY",
                                        "PREEMPTED", "BOOT_FAIL", "DEADLINE"};

    for (unsigned k = 0; k < sizeof names / sizeof names[0]; k++) {
        is_int(dsq_report_slurm_code(names[k]), k + 1, "slurm code: %s is %u", names[k], k + 1);
        is_str(dsq_report_slurm_name(k + 1), names[k], "slurm name: %u is %s", k + 1, names[k]);
    }
    is_int(dsq_report_slurm_code("COMPLETED"), 0, "slurm code: COMPLETED explains nothing");
    is_int(dsq_report_slurm_code("FAILED"), 0, "slurm code: FAILED explains nothing");
    is_int(dsq_report_slurm_code(NULL), 0, "slurm code: NULL is 0");
    is_str(dsq_report_slurm_name(0), NULL, "slurm name: 0 has none");
    is_str(dsq_report_slurm_name(99), NULL, "slurm name: out of range has none");
}

/* A hand-made report of n lines over one attempt. */
struct fake {
    struct dsq_report r;
    struct dsq_attempt att;
    struct dsq_line_info *lines;
};

static void
fake_init(struct fake *fk, size_t n, size_t tasks, size_t lines_per_task, unsigned parallel)
{
    memset(fk, 0, sizeof *fk);
    fk->lines = calloc(n, sizeof *fk->lines);
    for (size_t i = 0; i < n; i++) {
        fk->lines[i].line = i + 1;
        fk->lines[i].exit = -1;
    }
    fk->att.number = 1;
    fk->att.plan.tasks = tasks;
    fk->att.plan.lines_per_task = lines_per_task;
    fk->att.plan.parallel = parallel;
    fk->att.per_line.cpus = 1;
    fk->r.m.attempts = &fk->att;
    fk->r.m.nattempts = 1;
    fk->r.lines = fk->lines;
    fk->r.nlines = n;
}

static void
fake_line(struct fake *fk, size_t i, enum dsq_state st, int exit, int sig, double elapsed)
{
    struct dsq_line_info *li = &fk->lines[i];

    li->state = st;
    li->exit = exit;
    li->signal = sig;
    li->elapsed = elapsed;
    li->utime = elapsed / 2;
    li->attempt = 1;
    li->end = 1000 + elapsed;
    fk->r.counts[st]++;
}

static void
test_stats_spread(void)
{
    struct fake fk;
    struct dsq_report_stats s;
    static const double el[] = {4, 1, 3, 2, 30, 10};

    fake_init(&fk, 7, 7, 1, 1);
    for (size_t i = 0; i < 6; i++)
        fake_line(&fk, i, DSQ_ST_OK, 0, 0, el[i]);
    fk.lines[6].state = DSQ_ST_NOT_RUN; /* not measured */
    fk.r.counts[DSQ_ST_NOT_RUN]++;
    is_int(dsq_report_stats_make(&fk.r, &s), 0, "stats: made");
    is_int(s.finished, 6, "stats: six finished lines");
    ok(s.min == 1 && s.max == 30, "stats: min 1, max 30");
    ok(s.median == 3.5, "stats: median of an even count is the mean of the middle two");
    ok(s.p95 == 30, "stats: p95 is the nearest rank");
    ok(s.cpu == 25, "stats: CPU seconds summed");
    ok(s.have_eff && s.cpu_eff == 0.5, "stats: efficiency CPU / (wall x CPUs)");
    is_int(s.nslowest, 5, "stats: five slowest");
    ok(s.slowest[0] == 4 && s.slowest[1] == 5 && s.slowest[2] == 0 && s.slowest[3] == 2 &&
           s.slowest[4] == 3,
       "stats: slowest longest first");
    is_int(s.ngroups, 0, "stats: no failures");
    dsq_report_stats_free(&s);
    free(fk.lines);
}

/* A cause table: what a line's decided state, end record and Slurm's end
 * state of its task give. */
struct cause_row {
    const char *name;
    enum dsq_state state;
    int exit, signal, dsq_error, oom, task_oom;
    const char *slurm_state;
    enum dsq_cause cause;
    int halted;
};

#define C_NONE DSQ_CAUSE_NONE
#define C_EXIT DSQ_CAUSE_EXIT
#define C_SIGNAL DSQ_CAUSE_SIGNAL
#define C_OOM DSQ_CAUSE_OUT_OF_MEMORY
#define C_TIME DSQ_CAUSE_TIME_LIMIT
#define C_CANCEL DSQ_CAUSE_CANCELLED
#define C_NODE DSQ_CAUSE_NODE_FAILURE
#define C_PREEMPT DSQ_CAUSE_PREEMPTED
#define C_DSQ DSQ_CAUSE_DSQ_ERROR
#define C_HALTED DSQ_CAUSE_HALTED
#define C_UNKNOWN DSQ_CAUSE_UNKNOWN

/* clang-format off */
static const struct cause_row cause_rows[] = {
    /* Lines that ended ok, or may still: no cause. */
    {"ok", OK, 0, 0, 0, 0, 0, NULL, C_NONE, 0},
    {"ok in a task that timed out after", OK, 0, 0, 0, 0, 0, "TIMEOUT", C_NONE, 0},
    {"pending", PEND, -1, 0, 0, 0, 0, NULL, C_NONE, 0},
    {"running", RUN, -1, 0, 0, 0, 0, NULL, C_NONE, 0},

    /* The records alone. */
    {"exit 3", FAILED, 3, 0, 0, 0, 0, NULL, C_EXIT, 0},
    {"exit 137, no evidence of memory", FAILED, 137, 0, 0, 0, 0, NULL, C_EXIT, 0},
    {"exit 137, the cgroup counted an OOM kill", FAILED, 137, 0, 0, 1, 0, NULL, C_OOM, 0},
    {"SIGSEGV", SIGNALED, -1, 11, 0, 0, 0, NULL, C_SIGNAL, 0},
    {"SIGKILL, no evidence of memory", SIGNALED, -1, 9, 0, 0, 0, NULL, C_SIGNAL, 0},
    {"SIGKILL, the cgroup counted an OOM kill", SIGNALED, -1, 9, 0, 1, 0, NULL, C_OOM, 0},
    {"dsq could not open its output", FAILED, -1, 0, 1, 0, 0, NULL, C_DSQ, 0},
    {"dsq could not run its shell (exit 127 stands for it)", FAILED, 127, 0, 1, 0, 0, NULL, C_DSQ, 0},
    {"failed, no exit status on record", FAILED, -1, 0, 0, 0, 0, NULL, C_UNKNOWN, 0},
    {"signaled, no signal on record", SIGNALED, -1, 0, 0, 0, 0, NULL, C_UNKNOWN, 0},
    {"interrupted, no Slurm to ask", INTERRUPTED, -1, 15, 0, 0, 0, NULL, C_UNKNOWN, 0},
    {"interrupted, OOM-killed while stopping", INTERRUPTED, -1, 9, 0, 1, 0, NULL, C_OOM, 0},
    {"lost, no Slurm to ask", LOST, -1, 0, 0, 0, 0, NULL, C_UNKNOWN, 0},
    {"not run, no Slurm to ask", NOT_RUN, -1, 0, 0, 0, 0, NULL, C_UNKNOWN, 0},

    /* Slurm's end state of the line's task. */
    {"exit 3 in a task out of memory: its own", FAILED, 3, 0, 0, 0, 0, "OUT_OF_MEMORY", C_EXIT, 0},
    {"exit 137 in a task out of memory", FAILED, 137, 0, 0, 0, 0, "OUT_OF_MEMORY", C_OOM, 0},
    {"SIGKILL in a task out of memory", SIGNALED, -1, 9, 0, 0, 0, "OUT_OF_MEMORY", C_OOM, 0},
    {"SIGKILL in a task out of memory that another line has on record", SIGNALED, -1, 9, 0, 0, 1, "OUT_OF_MEMORY", C_SIGNAL, 0},
    {"exit 137 in a task out of memory that another line has on record", FAILED, 137, 0, 0, 0, 1, "OUT_OF_MEMORY", C_EXIT, 0},
    {"SIGKILL on record as out of memory, with a sibling too", SIGNALED, -1, 9, 0, 1, 1, "OUT_OF_MEMORY", C_OOM, 0},
    {"SIGSEGV in a task out of memory: its own", SIGNALED, -1, 11, 0, 0, 0, "OUT_OF_MEMORY", C_SIGNAL, 0},
    {"exit 1 in a cancelled task: its own", FAILED, 1, 0, 0, 0, 0, "CANCELLED", C_EXIT, 0},
    {"exit 143 in a cancelled task", FAILED, 143, 0, 0, 0, 0, "CANCELLED", C_CANCEL, 0},
    {"SIGTERM in a cancelled task", SIGNALED, -1, 15, 0, 0, 0, "CANCELLED", C_CANCEL, 0},
    {"SIGKILL in a timed-out task", SIGNALED, -1, 9, 0, 0, 0, "TIMEOUT", C_TIME, 0},
    {"SIGSEGV in a timed-out task: its own", SIGNALED, -1, 11, 0, 0, 0, "TIMEOUT", C_SIGNAL, 0},
    {"interrupted, time limit", INTERRUPTED, -1, 15, 0, 0, 0, "TIMEOUT", C_TIME, 0},
    {"interrupted, deadline", INTERRUPTED, -1, 15, 0, 0, 0, "DEADLINE", C_TIME, 0},
    {"interrupted, cancelled", INTERRUPTED, -1, 15, 0, 0, 0, "CANCELLED", C_CANCEL, 0},
    {"interrupted, preempted", INTERRUPTED, -1, 15, 0, 0, 0, "PREEMPTED", C_PREEMPT, 0},
    {"interrupted in a task out of memory: not known why", INTERRUPTED, -1, 15, 0, 0, 0, "OUT_OF_MEMORY", C_UNKNOWN, 0},
    {"lost, node failed", LOST, -1, 0, 0, 0, 0, "NODE_FAIL", C_NODE, 0},
    {"lost, time limit", LOST, -1, 0, 0, 0, 0, "TIMEOUT", C_TIME, 0},
    {"lost, cancelled", LOST, -1, 0, 0, 0, 0, "CANCELLED", C_CANCEL, 0},
    {"lost, preempted", LOST, -1, 0, 0, 0, 0, "PREEMPTED", C_PREEMPT, 0},
    {"lost, the runner ran out of memory", LOST, -1, 0, 0, 0, 0, "OUT_OF_MEMORY", C_OOM, 0},
    {"not run, time limit", NOT_RUN, -1, 0, 0, 0, 0, "TIMEOUT", C_TIME, 0},
    {"not run, cancelled", NOT_RUN, -1, 0, 0, 0, 0, "CANCELLED", C_CANCEL, 0},
    {"not run, node failed", NOT_RUN, -1, 0, 0, 0, 0, "NODE_FAIL", C_NODE, 0},
    {"not run, node never booted", NOT_RUN, -1, 0, 0, 0, 0, "BOOT_FAIL", C_NODE, 0},
    {"not run, preempted", NOT_RUN, -1, 0, 0, 0, 0, "PREEMPTED", C_PREEMPT, 0},
    {"not run in a task out of memory: it did not run out", NOT_RUN, -1, 0, 0, 0, 0, "OUT_OF_MEMORY", C_UNKNOWN, 0},

    /* --max-failures halted the line's attempt. */
    {"not run, halted", NOT_RUN, -1, 0, 0, 0, 0, NULL, C_HALTED, 1},
    {"not run, halted, then the task was cancelled", NOT_RUN, -1, 0, 0, 0, 0, "CANCELLED", C_HALTED, 1},
    {"failed in a halted attempt: its own exit", FAILED, 2, 0, 0, 0, 0, NULL, C_EXIT, 1},
    {"interrupted in a halted attempt: not the halt", INTERRUPTED, -1, 15, 0, 0, 0, "CANCELLED", C_CANCEL, 1},
    {"pending in a halted attempt: it may still start", PEND, -1, 0, 0, 0, 0, NULL, C_NONE, 1},
};
/* clang-format on */

static void
test_cause(void)
{
    unsigned seen = 0;

    for (size_t k = 0; k < sizeof cause_rows / sizeof cause_rows[0]; k++) {
        const struct cause_row *w = &cause_rows[k];
        struct dsq_cause_facts f = {w->state, w->exit,     w->signal,      w->dsq_error,
                                    w->oom,   w->task_oom, w->slurm_state, w->halted};
        enum dsq_cause c = dsq_report_cause(&f);

        ok(c == w->cause, "cause: %s: %s", w->name,
           dsq_cause_name(w->cause) ? dsq_cause_name(w->cause) : "null");
        if (c != w->cause)
            printf("#   got %s\n", dsq_cause_name(c) ? dsq_cause_name(c) : "null");
        seen |= 1u << w->cause;
    }
    is_int(seen, (1u << DSQ_CAUSE__COUNT) - 1, "cause: the table reaches every cause");
    is_str(dsq_cause_name(DSQ_CAUSE_NONE), NULL, "cause name: none is null");
    is_str(dsq_cause_name(DSQ_CAUSE_OUT_OF_MEMORY), "out_of_memory", "cause name: out_of_memory");
}

/* The line's cause as report.c sets it (apply()), for hand-made lines. */
static void
set_cause(struct dsq_line_info *li, int dsq_error)
{
    struct dsq_cause_facts f = {li->state, li->exit, li->signal,      dsq_error,
                                li->oom,   0,        li->slurm_state, 0};

    li->cause = dsq_report_cause(&f);
}

static void
test_stats_groups(void)
{
    struct fake fk;
    struct dsq_report_stats s;

    fake_init(&fk, 10, 10, 1, 1);
    fake_line(&fk, 0, DSQ_ST_FAILED, 4, 0, 1);
    fake_line(&fk, 1, DSQ_ST_LOST, -1, 0, 0);
    fake_line(&fk, 2, DSQ_ST_SIGNALED, -1, 9, 1);
    fake_line(&fk, 3, DSQ_ST_FAILED, 4, 0, 1);
    fake_line(&fk, 4, DSQ_ST_LOST, -1, 0, 0);
    fk.lines[4].slurm_state = "TIMEOUT";
    fake_line(&fk, 5, DSQ_ST_FAILED, -1, 0, 0); /* dsq could not start it */
    fake_line(&fk, 6, DSQ_ST_OK, 0, 0, 1);
    fake_line(&fk, 7, DSQ_ST_INTERRUPTED, -1, 15, 1);
    fk.lines[7].slurm_state = "PREEMPTED";
    fake_line(&fk, 8, DSQ_ST_NOT_RUN, -1, 0, 0);
    fk.lines[8].slurm_state = "TIMEOUT";
    fake_line(&fk, 9, DSQ_ST_SIGNALED, -1, 9, 1);
    fk.lines[9].oom = 1;
    for (size_t i = 0; i < 10; i++)
        set_cause(&fk.lines[i], i == 5);
    is_int(dsq_report_stats_make(&fk.r, &s), 0, "groups: made");
    is_int(s.nfailed, 9, "groups: nine lines did not end ok (not_run too)");
    is_int(s.ngroups, 8, "groups: eight groups");
    if (s.ngroups == 8) {
        /* Largest first, then by cause, code and state. */
        ok(s.groups[0].cause == DSQ_CAUSE_EXIT && s.groups[0].code == 4 && s.groups[0].count == 2,
           "groups: exit 4, two lines, first");
        ok(s.failed[s.groups[0].first] == 0 && s.failed[s.groups[0].first + 1] == 3,
           "groups: its lines in file order");
        ok(s.groups[1].cause == DSQ_CAUSE_SIGNAL && s.groups[1].code == 9, "groups: signal 9");
        ok(s.groups[2].cause == DSQ_CAUSE_OUT_OF_MEMORY && s.failed[s.groups[2].first] == 9,
           "groups: out of memory");
        ok(s.groups[3].cause == DSQ_CAUSE_TIME_LIMIT && s.groups[3].state == DSQ_ST_LOST &&
               s.groups[3].code == (int)dsq_report_slurm_code("TIMEOUT") &&
               s.failed[s.groups[3].first] == 4,
           "groups: time limit, lost");
        ok(s.groups[4].cause == DSQ_CAUSE_TIME_LIMIT && s.groups[4].state == DSQ_ST_NOT_RUN &&
               s.failed[s.groups[4].first] == 8,
           "groups: time limit, not run, apart");
        ok(s.groups[5].cause == DSQ_CAUSE_PREEMPTED && s.groups[5].state == DSQ_ST_INTERRUPTED,
           "groups: preempted");
        ok(s.groups[6].cause == DSQ_CAUSE_DSQ_ERROR && s.failed[s.groups[6].first] == 5,
           "groups: not started by dsq");
        ok(s.groups[7].cause == DSQ_CAUSE_UNKNOWN && s.groups[7].state == DSQ_ST_LOST &&
               s.failed[s.groups[7].first] == 1,
           "groups: lost for no known reason, last");
    }
    dsq_report_stats_free(&s);
    free(fk.lines);
}

static void
test_stats_advice(void)
{
    struct fake fk;
    struct dsq_report_stats s;

    /* 1000 lines of 2 s, one per task: tasks of 300 lines make 10 minutes. */
    fake_init(&fk, 1000, 1000, 1, 1);
    for (size_t i = 0; i < 1000; i++)
        fake_line(&fk, i, DSQ_ST_OK, 0, 0, 2);
    is_int(dsq_report_stats_make(&fk.r, &s), 0, "advice: made");
    ok(s.have_advice, "advice: given for 2 s tasks");
    is_int(s.advice.lines_per_task, 300, "advice: 300 lines per task");
    is_int(s.advice.tasks, 4, "advice: 4 tasks");
    ok(s.advice.median == 2 && s.advice.task_seconds == 600, "advice: median 2 s, tasks 600 s");
    is_int(s.advice.parallel, 1, "advice: one line at a time");
    dsq_report_stats_free(&s);

    /* Two at once in each task: twice the lines. */
    fk.att.plan.parallel = 2;
    dsq_report_stats_make(&fk.r, &s);
    is_int(s.advice.lines_per_task, 600, "advice: parallel 2 doubles the lines");
    is_int(s.advice.parallel, 2, "advice: parallel 2 assumed");
    dsq_report_stats_free(&s);

    /* A dry run's width is this machine's: not assumed for Slurm. */
    fk.att.dry_run = 1;
    dsq_report_stats_make(&fk.r, &s);
    is_int(s.advice.lines_per_task, 300, "advice: a dry run's width is not assumed");
    dsq_report_stats_free(&s);

    /* Tasks of 300 lines already: nothing to say. */
    fk.att.dry_run = 0;
    fk.att.plan.parallel = 1;
    fk.att.plan.tasks = 4;
    fk.att.plan.lines_per_task = 250;
    dsq_report_stats_make(&fk.r, &s);
    ok(!s.have_advice, "advice: none when tasks last 5 minutes or more");
    dsq_report_stats_free(&s);

    /* A single task: no overhead to save. */
    fk.att.plan.tasks = 1;
    fk.att.plan.lines_per_task = 1000;
    fk.lines[0].elapsed = 0.001;
    dsq_report_stats_make(&fk.r, &s);
    ok(!s.have_advice, "advice: none for one task");
    dsq_report_stats_free(&s);
    free(fk.lines);
}

/* Suggestions are rounded up to values people write. */
static void
test_rounding(void)
{
    static const struct {
        double mib;
        uint64_t want;
    } mem[] = {{0, 64},      {1, 64},       {64, 64},       {64.5, 128},   {200, 256},
               {244, 256},   {513, 1024},   {732, 1024},    {1024, 1024},  {1025, 2048},
               {2048, 2048}, {2049, 3072},  {3072, 3072},   {3073, 4096},  {4097, 6144},
               {6145, 8192}, {9000, 12288}, {12289, 16384}, {40000, 49152}};
    static const struct {
        double s;
        long want;
    } tm[] = {{0, 60},        {3, 60},         {60, 60},        {61, 120},      {62, 120},
              {200, 300},     {301, 600},      {601, 900},      {1000, 1200},   {1300, 1800},
              {2000, 2700},   {3000, 3600},    {3601, 5400},    {5401, 7200},   {9000, 10800},
              {11000, 14400}, {20000, 21600},  {25000, 28800},  {40000, 43200}, {50000, 64800},
              {70000, 86400}, {86401, 172800}, {300000, 345600}};

    for (size_t k = 0; k < sizeof mem / sizeof mem[0]; k++)
        is_int(dsq_report_round_mem(mem[k].mib), mem[k].want, "round mem: %.1f MiB -> %llu",
               mem[k].mib, (unsigned long long)mem[k].want);
    for (size_t k = 0; k < sizeof tm / sizeof tm[0]; k++)
        is_int(dsq_report_round_time(tm[k].s), tm[k].want, "round time: %.0f s -> %ld", tm[k].s,
               tm[k].want);
}

/* The headroom rules, from hand-made numbers. */
static void
test_suggest(void)
{
    struct dsq_report_resources res;

    memset(&res, 0, sizeof res);
    res.mem.asked_mib = 4096;
    res.mem.max_kb = 610 * 1024;
    res.time.asked_s = 3600;
    res.time.max = 600;
    res.cpus.asked = 4;
    res.cpus.measured = 10;
    res.cpus.p95 = 1.1;
    dsq_report_suggest(&res);
    is_int(res.mem.suggest_mib, 1024, "suggest: 610 MiB x 1.2 -> 1G (the example)");
    is_int(res.time.suggest_s, 900, "suggest: 10 min x 1.5 -> 15 min");
    is_int(res.cpus.suggest, 1, "suggest: 1.1 CPUs busy -> -c 1 (a fifth of slack)");
    is_int(res.mem.oom_suggest_mib, 0, "suggest: nothing for lines out of memory without any");
    is_int(res.time.limited_suggest_s, 0, "suggest: nothing for time limits without any");

    res.time.max = 2;
    res.cpus.p95 = 3.5;
    res.mem.oom = 3;
    res.mem.oom_at_mib = 2048;
    res.time.limited = 1;
    dsq_report_suggest(&res);
    is_int(res.time.suggest_s, 120, "suggest: 2 s lines get a minute more, rounded: 2 min");
    is_int(res.cpus.suggest, 4, "suggest: 3.5 CPUs busy -> -c 4");
    is_int(res.mem.oom_suggest_mib, 4096, "suggest: out of memory at 2G -> 4G");
    is_int(res.time.limited_suggest_s, 7200, "suggest: time limit of 1 h -> 2 h");

    res.mem.oom_at_mib = 0; /* nothing asked: twice the peak */
    res.time.asked_s = -1;
    res.cpus.measured = 0;
    dsq_report_suggest(&res);
    is_int(res.mem.oom_suggest_mib, 2048, "suggest: out of memory, nothing asked: twice 610 MiB");
    is_int(res.time.limited_suggest_s, 0, "suggest: time limit not asked: no value");
    is_int(res.cpus.suggest, 0, "suggest: no CPUs measured, none");
}

/* report-stats fills what was asked and used from the lines. */
static void
test_stats_resources(void)
{
    struct fake fk;
    struct dsq_report_stats s;

    fake_init(&fk, 5, 5, 1, 1);
    fk.att.per_line.mem_per_cpu_mib = 1024;
    fk.att.per_line.cpus = 2;
    fk.att.per_line.time_s = 600;
    for (size_t i = 0; i < 4; i++) {
        fake_line(&fk, i, DSQ_ST_OK, 0, 0, 10.0 * (double)(i + 1));
        fk.lines[i].maxrss_kb = (long)(i + 1) * 100 * 1024;
    }
    fk.lines[0].utime = 20; /* 2 CPUs busy for 10 s */
    fake_line(&fk, 4, DSQ_ST_INTERRUPTED, -1, 15, 600);
    fk.lines[4].slurm_state = "TIMEOUT";
    fk.lines[4].maxrss_kb = 50 * 1024;
    set_cause(&fk.lines[4], 0);
    is_int(dsq_report_stats_make(&fk.r, &s), 0, "resources: made");
    is_int(s.res.mem.asked_mib, 2048, "resources: --mem-per-cpu 1G x 2 CPUs asked");
    is_int(s.res.mem.max_kb, 400 * 1024, "resources: peak of the finished lines");
    is_int(s.res.mem.p95_kb, 400 * 1024, "resources: p95 peak (nearest rank)");
    is_int(s.res.mem.suggest_mib, 512, "resources: 400 MiB x 1.2 -> 512M");
    ok(s.res.time.max == 40 && s.res.time.p95 == 40,
       "resources: the interrupted line's time is not a length");
    is_int(s.res.time.limited, 1, "resources: one line at the time limit");
    is_int(s.res.time.limited_suggest_s, 1200, "resources: rerun it with twice 10 min");
    ok(s.res.cpus.measured == 4 && s.res.cpus.max == 2, "resources: CPUs busy measured");
    is_int(s.res.cpus.asked, 2, "resources: -c 2 asked");
    dsq_report_stats_free(&s);
    free(fk.lines);
}

static int
words_advice(const struct dsq_report_advice *a, const char *median, const char *about,
             struct dsq_buf *out)
{
    return dsq_buf_printf(out, "ADVICE %zu/%zu %s %s", a->lines_per_task, a->tasks, median, about);
}

static int
words_rerun(const char *run_dir, struct dsq_buf *out)
{
    return dsq_buf_printf(out, "RERUN %s", run_dir ? run_dir : "?");
}

/* The printers say the advice and the rerun command only in the caller's
 * words, and leave them out without. */
static void
test_print_words(void)
{
    static const struct dsq_report_words words = {words_advice, words_rerun, NULL};
    struct fake fk;
    char *buf = NULL;
    size_t len = 0;
    FILE *out;

    fake_init(&fk, 1000, 1000, 1, 1);
    for (size_t i = 0; i < 1000; i++)
        fake_line(&fk, i, i == 7 ? DSQ_ST_FAILED : DSQ_ST_OK, i == 7 ? 3 : 0, 0, 2);
    set_cause(&fk.lines[7], 0);
    fk.r.over = 1;
    fk.r.m.run_dir = "/runs/r1";

    out = open_memstream(&buf, &len);
    is_int(dsq_report_print_text(&fk.r, &words, out), 0, "print: text with words");
    fclose(out);
    ok(buf && strstr(buf, "\nadvice:      ADVICE 300/4 2.00 s 10 minutes\n"),
       "print: the advice in the caller's words, durations worded");
    ok(buf && strstr(buf, "\nrun again:   RERUN /runs/r1\n"), "print: the rerun command");
    free(buf);

    out = open_memstream(&buf, &len);
    is_int(dsq_report_print_text(&fk.r, NULL, out), 0, "print: text without words");
    fclose(out);
    ok(buf && !strstr(buf, "advice:") && !strstr(buf, "run again:"),
       "print: no advice nor rerun line without words");
    ok(buf && strstr(buf, "\nfailures:\n  exit 3: 1 line (8)\n"), "print: the rest as before");
    free(buf);

    out = open_memstream(&buf, &len);
    is_int(dsq_report_print_json(&fk.r, &words, 0, out), 0, "print: JSON with words");
    fclose(out);
    ok(buf && strstr(buf, "\"advice\":{\"text\":\"ADVICE 300/4 2.00 s 10 minutes\","
                          "\"lines_per_task\":300,\"tasks\":4,\"task_seconds\":600.0}"),
       "print: JSON advice text in the caller's words");
    free(buf);

    out = open_memstream(&buf, &len);
    is_int(dsq_report_print_json(&fk.r, NULL, 0, out), 0, "print: JSON without words");
    fclose(out);
    ok(buf && strstr(buf, "\"advice\":{\"text\":null,\"lines_per_task\":300"),
       "print: JSON advice text null without words");
    free(buf);
    free(fk.lines);
}

int
main(void)
{
    test_decide();
    test_decide_dynamic();
    test_slurm_codes();
    test_cause();
    test_stats_spread();
    test_stats_groups();
    test_stats_advice();
    test_rounding();
    test_suggest();
    test_stats_resources();
    test_print_words();
    return done_testing();
}
