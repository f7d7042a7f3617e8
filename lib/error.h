/* error: the error buffer every lib/ function fills instead of printing.
 * lib/ never prints and never exits; cmd/ turns a filled dsq_error into a
 * message on stderr and an exit status (usage/input -> 2, system -> 3).
 *
 * Ownership, for every lib/ header: a pointer passed in is borrowed for the
 * call unless its comment says the function steals it or keeps it; what a
 * function returns or stores through an out-parameter is owned by the caller
 * (freed as its comment says) or borrowed (valid as long as its comment
 * says).  Buffers the caller passes with their size are the caller's. */
#ifndef DSQ_ERROR_H
#define DSQ_ERROR_H

#include <stddef.h>

enum dsq_errkind {
    DSQ_ERR_NONE = 0,
    DSQ_ERR_INPUT,  /* bad usage, option, job file, config: nothing was run */
    DSQ_ERR_SYSTEM, /* cannot write, fork, exec; scheduler refused */
};

struct dsq_error {
    enum dsq_errkind kind;
    char msg[2048];
};

/* Fill err (the caller's; may be NULL) with a message of the given kind.  Always returns -1
 * so that "return dsq_errprintf(...)" reads naturally. */
int dsq_errprintf(struct dsq_error *err, enum dsq_errkind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* As dsq_errprintf, with ": strerror(errnum)" appended. */
int dsq_errno(struct dsq_error *err, enum dsq_errkind kind, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Empty err (the caller's; may be NULL). */
void dsq_error_clear(struct dsq_error *err);

/* Warnings that lib/ cannot return (a torn record, an unreadable file that is
 * skipped): lib/ calls this hook; cmd/ installs one that prints
 * "dsq: warning: ...".  Default: discard. */
/* fn and arg are kept (borrowed) until the next dsq_warn_set(); NULL fn
 * discards.  msg is borrowed for the call. */
typedef void (*dsq_warn_fn)(const char *msg, void *arg);
void dsq_warn_set(dsq_warn_fn fn, void *arg);
void dsq_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
