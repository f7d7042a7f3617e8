/* limit: the one table of dsq's numeric settings (name, kind, range).  The
 * command line (cmd/) and the configuration (conf) parse and describe every
 * such setting through it, so that the two can never accept different
 * values.  dsq(1) and dsq-config(5) document the same ranges. */
#ifndef DSQ_LIMIT_H
#define DSQ_LIMIT_H

enum dsq_limit_id {
    DSQ_LIMIT_MAX_JOBS,        /* array throttle %N */
    DSQ_LIMIT_PARALLEL,        /* W: lines at once per array task */
    DSQ_LIMIT_LINES_PER_TASK,  /* L */
    DSQ_LIMIT_TASKS,           /* T */
    DSQ_LIMIT_MAX_ARRAY_TASKS, /* the default packing's target */
    DSQ_LIMIT_SIGNAL_LEAD,     /* seconds before the time limit for SIGUSR1 */
    DSQ_LIMIT_KILL_GRACE,      /* seconds from SIGTERM to SIGKILL */
    DSQ_LIMIT_RETRIES,         /* tries of a failed line after its first */
    DSQ_LIMIT_MAX_FAILURES,    /* failed lines that halt an attempt, 0 never */
    DSQ_LIMIT_AUTO_RERUN,      /* automatic reruns of a run */
    DSQ_LIMIT_FOLLOW_UP_OF,    /* the attempt an automatic rerun follows */
    DSQ_LIMIT_TASK_TIME,       /* seconds an array task is packed to last
                                  (--durations-from) */
    DSQ_LIMIT__COUNT
};

enum dsq_limit_kind {
    DSQ_LIMIT_WHOLE,         /* a whole number */
    DSQ_LIMIT_WHOLE_SECONDS, /* a whole number of seconds */
    DSQ_LIMIT_SECONDS,       /* seconds, a decimal fraction allowed ("2.5") */
};

/* Every value is plain decimal (parse.h): no sign, blanks, exponent or hex. */
struct dsq_limit {
    const char *name; /* the setting's name: the configuration key, and the
                         long option without "--" where there is one */
    enum dsq_limit_kind kind;
    unsigned long min, max;
};

/* The entry for id, borrowed from the static table. */
const struct dsq_limit *dsq_limit_get(enum dsq_limit_id id);

/* The entry named name (borrowed, e.g. "kill-grace"), borrowed from the
 * static table; NULL when no numeric setting has that name. */
const struct dsq_limit *dsq_limit_find(const char *name);

/* Parse s (borrowed) as a value of l: 0 with *out set, or -1 when it is not
 * of l's kind or out of its range (*out untouched). */
int dsq_limit_parse_ulong(const struct dsq_limit *l, const char *s, unsigned long *out);
int dsq_limit_parse_double(const struct dsq_limit *l, const char *s, double *out);

/* What l takes, for messages: "a positive integer", "a whole number of
 * seconds", "a number of seconds".  Borrowed static string; the range is
 * l->min to l->max. */
const char *dsq_limit_what(const struct dsq_limit *l);

#endif
