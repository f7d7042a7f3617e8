/* retry: which failed tries of a line are run again in their slot (dsq
 * --retries N, --retry-on LIST).  The plan keeps the policy in the manifest
 * (one per attempt), the runner hands it to the pool, and the pool asks
 * dsq_retry_wanted() at each end record.  A try that the task's being
 * stopped ended (interrupted) is never retried. */
#ifndef DSQ_RETRY_H
#define DSQ_RETRY_H

#include "error.h"
#include "record.h"

/* The exit codes a retry is for, and whether a signal is. */
struct dsq_retry {
    unsigned retries;        /* tries after the first, 0: none */
    int any;                 /* no list given: every failed or signaled try */
    int on_signal;           /* the list names `signal` */
    unsigned char exits[32]; /* the list's exit codes (1-255), a bit each */
};

/* Parse list (borrowed): exit codes 1-255 and `signal`, separated by commas,
 * into r's list (r->retries untouched).  NULL or "" means any failure.  -1
 * with DSQ_ERR_INPUT naming the bad item. */
int dsq_retry_parse(struct dsq_retry *r, const char *list, struct dsq_error *err);

/* r's list in canonical form ("3,7,signal"), into buf (n bytes); "" for
 * any.  0, or -1 when buf is too small (at least 1024 bytes always fits). */
int dsq_retry_format(const struct dsq_retry *r, char *buf, size_t n);

/* Whether the line that ended as end (borrowed: an end record) on try
 * `tries` (1-based) is to be run again: a try is left and end is failed (its
 * exit code on the list) or signaled (the list says signal). */
int dsq_retry_wanted(const struct dsq_retry *r, const struct dsq_record *end, unsigned tries);

#endif
