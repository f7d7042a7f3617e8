/* record: the status records, JSON Lines, one file per (attempt, array task,
 * restart) in a run directory's status/ (rundir.h names the files).  Each
 * record is written with one write(2) on an O_APPEND descriptor, so a crash
 * can at worst tear the last line of one file; the reader skips such a line
 * with a warning.  Format: dsq-records(5). */
#ifndef DSQ_RECORD_H
#define DSQ_RECORD_H

#include <stddef.h>

#include "error.h"

/* Line states.  The first five are written by the runner in end records; the
 * others are derived by report from the absence of records and queue state. */
enum dsq_state {
    DSQ_ST_OK = 0,
    DSQ_ST_FAILED,
    DSQ_ST_SIGNALED,
    DSQ_ST_INTERRUPTED,
    DSQ_ST_LOST,
    DSQ_ST_PENDING,
    DSQ_ST_RUNNING,
    DSQ_ST_NOT_RUN,
    DSQ_ST__COUNT
};

/* "ok", "failed", ...; borrowed static string. */
const char *dsq_state_name(enum dsq_state st);
/* 0 and *st set, or -1 for an unknown name. */
int dsq_state_parse(const char *name, enum dsq_state *st);

enum dsq_ev { DSQ_EV_START, DSQ_EV_END };

struct dsq_record {
    enum dsq_ev ev;
    size_t line;      /* 1-based physical line of the job file */
    size_t task;      /* array task, after offset */
    unsigned attempt; /* 1 for the first submission; reruns count up */
    unsigned restart; /* SLURM_RESTART_COUNT of the array task */
    unsigned tryno;   /* "try": 1 for a line's first run in the task, 2... for
                         its retries (--retries); absent in older records: 1 */
    char host[256];
    long pid;     /* the line's process (and process group) */
    double t;     /* epoch seconds */
    char job[64]; /* Slurm job id as "<array job>_<task>", or "" */
    /* end records only */
    enum dsq_state state;
    int exit;       /* exit status, or -1 when killed by a signal */
    int signal;     /* terminating signal, or 0 */
    double elapsed; /* wall seconds */
    double utime;   /* user CPU seconds */
    double stime;   /* system CPU seconds */
    long maxrss_kb;
    int oom;          /* killed by SIGKILL (or exit 137) while its memory
                         cgroup counted an OOM kill: "oom": true */
    char reason[256]; /* why dsq itself failed the line ("" normally) */
};

/* Writer.  Opens path with O_WRONLY|O_CREAT|O_APPEND|O_CLOEXEC|O_NOFOLLOW.
 * Owned: dsq_recw_close(), which takes NULL too. */
struct dsq_recw;
struct dsq_recw *dsq_recw_open(const char *path, struct dsq_error *err);
/* One record (borrowed), one write(2).  Errors are DSQ_ERR_SYSTEM. */
int dsq_recw_write(struct dsq_recw *w, const struct dsq_record *r, struct dsq_error *err);
void dsq_recw_close(struct dsq_recw *w);

/* Serialise r as one JSON object and "\n" into an owned string (free()). */
char *dsq_record_format(const struct dsq_record *r);
/* Parse one JSON text (borrowed, len bytes, no newline needed) into the
 * caller's r.  -1 with err on anything that is not a well-formed record. */
int dsq_record_parse(const char *text, size_t len, struct dsq_record *r, struct dsq_error *err);

/* Read every record of one file and call fn for each, in file order.  A torn
 * or unparseable line is skipped with dsq_warn() naming the file and line.
 * fn returning -1 stops the read (returned as -1); r is borrowed for the
 * call to fn.  An unreadable file is a warning and returns 0 (nothing else
 * is lost). */
typedef int (*dsq_record_fn)(const struct dsq_record *r, void *arg);
int dsq_record_read_file(const char *path, dsq_record_fn fn, void *arg, struct dsq_error *err);

#endif
