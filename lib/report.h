/* report: one state per command line of a run, from its records (the latest
 * attempt of a line wins) and the queue state from the slurm seam; the first
 * step of dsq report and autopsy.  report-stats.h derives the numbers from
 * the merged lines, report-print.h writes them out.  A line that a rerun
 * (attempt N) does not include keeps what its earlier attempts say; one it
 * includes waits (pending) only on attempt N's own array tasks. */
#ifndef DSQ_REPORT_H
#define DSQ_REPORT_H

#include <stddef.h>

#include "error.h"
#include "jobfile.h"
#include "manifest.h"
#include "record.h"
#include "slurm.h"

/* Why a line did not end ok (dsq_report_cause()); NONE for a line that did,
 * or that may still. */
enum dsq_cause {
    DSQ_CAUSE_NONE = 0,
    DSQ_CAUSE_EXIT,          /* its command exited non-zero (exit) */
    DSQ_CAUSE_SIGNAL,        /* killed by a signal dsq did not send (signal) */
    DSQ_CAUSE_OUT_OF_MEMORY, /* killed for memory: its cgroup's OOM kill, or
                                Slurm's OUT_OF_MEMORY of its task */
    DSQ_CAUSE_TIME_LIMIT,    /* its task reached its time limit */
    DSQ_CAUSE_CANCELLED,     /* its task was cancelled */
    DSQ_CAUSE_NODE_FAILURE,  /* its task's node failed (or never booted) */
    DSQ_CAUSE_PREEMPTED,     /* its task was preempted */
    DSQ_CAUSE_HALTED,        /* never started: --max-failures halted its
                                attempt (halt.h) */
    DSQ_CAUSE_DSQ_ERROR,     /* dsq could not run it (the record's reason) */
    DSQ_CAUSE_UNKNOWN,       /* nothing on record or from Slurm says */
    DSQ_CAUSE__COUNT
};

/* "exit", "signal", "out_of_memory", ...; static, NULL for NONE. */
const char *dsq_cause_name(enum dsq_cause c);

struct dsq_line_info {
    size_t line;      /* 1-based physical line */
    size_t task;      /* array task of the line in attempt `planned`;
                         (size_t)-1 when that attempt is dynamic and no
                         task has claimed the line yet */
    unsigned planned; /* the latest attempt that includes the line */
    enum dsq_state state;
    int exit; /* -1 unknown / signaled */
    int signal;
    const char *host;  /* borrowed from the report, NULL unknown */
    double start, end; /* epoch seconds, 0 unknown */
    double elapsed, utime, stime;
    long maxrss_kb;
    unsigned attempt;        /* latest attempt seen, 0 none */
    unsigned attempts;       /* distinct (attempt, restart) pairs seen */
    unsigned tries;          /* the try of the record shown (1 unless it
                                was retried, --retries), 0 none */
    const char *reason;      /* borrowed from the report: why dsq itself
                                failed the line, NULL normally */
    const char *slurm_state; /* static: Slurm's final state of the line's
                                array task where it explains a line that did
                                not succeed (see dsq_report_slurm_name()),
                                else NULL */
    int oom;                 /* its end record says "oom" */
    enum dsq_cause cause;    /* dsq_report_cause() of the above */
};

/* One (attempt, restart) of a line, for report --history. */
struct dsq_history {
    unsigned attempt, restart;
    unsigned tries; /* tries run in it (--retries), 0 none */
    enum dsq_state state;
    int exit; /* -1 unknown / signaled */
    int signal;
    const char *host;           /* borrowed from the report, NULL unknown */
    double start, end, elapsed; /* 0 unknown */
};

/* An attempt that --max-failures halted (halt.h). */
struct dsq_report_halt {
    unsigned attempt;
    size_t *lines; /* owned: the failed lines that took its markers, in
                      order (0: a marker not written yet) */
    size_t nlines; /* its max_failures */
};

struct dsq_report {
    struct dsq_manifest m;
    struct dsq_jobfile *jf;      /* the run's job file copy */
    struct dsq_line_info *lines; /* owned, jf->ncmds entries, file order */
    size_t nlines;
    size_t counts[DSQ_ST__COUNT];
    int queue_known;         /* Slurm answered for the job ids */
    int maybe_by_hand;       /* an attempt dsq did not submit may have been
                                submitted by hand: Slurm cannot be asked */
    int over;                /* nothing pending or running */
    unsigned follow_up;      /* the attempt whose automatic rerun (its
                                follow_up job) Slurm still has pending or
                                running, 0 none */
    size_t unneeded;         /* array tasks of dynamic attempts that dsq
                                cancelled while pending, since every line
                                was claimed before they started (unneeded.h):
                                no line of theirs was cancelled */
    size_t forgotten;        /* job ids that Slurm no longer knows (neither
                                slurmctld nor an accounting database): over,
                                their end states unknown (warned once) */
    struct dsq_strv strings; /* owned: the hosts and reasons lines
                                point to (few distinct ones) */
    /* After dsq_report_load_history(), else NULL: line i's entries are
     * history[hist_first[i] .. hist_first[i + 1]), by attempt, restart. */
    struct dsq_history *history;   /* owned */
    size_t *hist_first;            /* owned, nlines + 1 entries */
    struct dsq_report_halt *halts; /* owned: the halted attempts, ascending */
    size_t nhalts;
};

/* Load and merge.  Warnings (torn records, Slurm unreachable) go through
 * dsq_warn().  Owned: dsq_report_destroy(). */
struct dsq_report *dsq_report_load(const char *run_dir, struct dsq_error *err);
/* r owned by the caller until here; NULL is a no-op. */
void dsq_report_destroy(struct dsq_report *r);

/* Every attempt of every line (report --history): reads the records again
 * and fills r->history (owned by r, replacing an earlier one).  An attempt
 * that includes a line but has no record of it yet is an entry too
 * (pending, or not_run once it is over). */
int dsq_report_load_history(struct dsq_report *r, struct dsq_error *err);

/* Whether a line in state st ran to an end record of its own (ok, failed,
 * signaled, interrupted): the lines that statistics measure.  Inline: the
 * statistics and printers ask it for every line. */
static inline int
dsq_report_finished(enum dsq_state st)
{
    return st == DSQ_ST_OK || st == DSQ_ST_FAILED || st == DSQ_ST_SIGNALED ||
           st == DSQ_ST_INTERRUPTED;
}

/* Slurm's end states that explain a line which did not succeed: TIMEOUT,
 * CANCELLED, NODE_FAIL, OUT_OF_MEMORY, PREEMPTED, BOOT_FAIL, DEADLINE, coded
 * 1 to 7 in that order (failure groups are ordered by it).  The code of a
 * name, 0 for any other (or NULL); the name of a code, static, NULL for 0
 * or an unknown code. */
unsigned dsq_report_slurm_code(const char *slurm_state);
const char *dsq_report_slurm_name(unsigned code);

/* --- the state of one line ---------------------------------------------
 * dsq_report_decide() is the whole decision and does no I/O:
 * dsq_report_load() gathers the facts (records, queue, this host) and
 * applies the verdict. */

/* What the queue says of the array task that runs a line in one attempt. */
struct dsq_task_queue {
    int asked;               /* Slurm answered for every job id of the attempt */
    enum dsq_qstate state;   /* when asked: the task's state, DSQ_Q_DONE also
                                for a task Slurm no longer lists; DSQ_Q_UNKNOWN
                                when the attempt does not include the line */
    const char *slurm_state; /* static: when asked and done, Slurm's end state
                                if it explains a line that did not succeed
                                (dsq_report_slurm_name()), else NULL */
};

/* A line's latest record, by attempt, then restart, then time: a start
 * after an end (a requeued task's next restart, a retry) is the latest. */
enum dsq_latest { DSQ_LATEST_NONE, DSQ_LATEST_START, DSQ_LATEST_END };

struct dsq_line_facts {
    enum dsq_latest latest;
    unsigned attempt;                /* the latest record's attempt, 0 without one */
    enum dsq_state end_state;        /* DSQ_LATEST_END: the state it records */
    int alive;                       /* read only for DSQ_LATEST_START when seen is not
                                        asked: the line's process still runs on this
                                        host */
    struct dsq_task_queue seen;      /* the line's task in attempt (not asked when
                                        the manifest has no such attempt) */
    unsigned planned;                /* the latest attempt that includes the line */
    struct dsq_task_queue planned_q; /* the line's task in planned */
    int planned_here;                /* read only when planned_q is not asked: some line of
                                        attempt planned runs on this host (for planned 1,
                                        also a line of an attempt the manifest lacks) */
};

/* Which record tells the line's host, times and measurements. */
enum dsq_shown { DSQ_SHOW_NONE, DSQ_SHOW_START, DSQ_SHOW_END };

struct dsq_line_verdict {
    enum dsq_state state;
    const char *slurm_state; /* static, or NULL: as dsq_line_info's */
    enum dsq_shown shown;
    int here; /* running by the host check (no queue to ask): counts
                 towards planned_here of the lines of its attempt */
};

/* The state of the line f describes (f borrowed for the call). */
struct dsq_line_verdict dsq_report_decide(const struct dsq_line_facts *f);

/* --- the cause of a line -----------------------------------------------
 * dsq_report_cause() is the whole decision, from what the line's decided
 * state, its end record and Slurm's end state of its task say; it claims
 * only what they prove: records alone give exit, signal, out_of_memory
 * (the cgroup's count) and dsq_error, Slurm the rest, and unknown stands
 * for nothing known. */
struct dsq_cause_facts {
    enum dsq_state state;    /* decided (dsq_report_decide()) */
    int exit;                /* the end record's, -1 none */
    int signal;              /* the end record's, 0 none */
    int dsq_error;           /* failed, with dsq's reason: never started */
    int oom;                 /* the end record's "oom" */
    int task_oom;            /* some line of the same array task (and
                                attempt) has "oom": Slurm's OUT_OF_MEMORY of
                                the task is that line's, not every line's */
    const char *slurm_state; /* the verdict's (explaining states only) */
    int halted;              /* the attempt that includes the line halted
                                (--max-failures) */
};

enum dsq_cause dsq_report_cause(const struct dsq_cause_facts *f);

#endif
