/* error: the error buffer and warning hook (see error.h). */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "error.h"

static dsq_warn_fn warn_fn;
static void *warn_arg;

static void
fill(struct dsq_error *err, enum dsq_errkind kind, const char *fmt, va_list ap)
{
    if (!err)
        return;
    err->kind = kind;
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
}

int
dsq_errprintf(struct dsq_error *err, enum dsq_errkind kind, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    fill(err, kind, fmt, ap);
    va_end(ap);
    return -1;
}

int
dsq_errno(struct dsq_error *err, enum dsq_errkind kind, int errnum, const char *fmt, ...)
{
    va_list ap;
    size_t len;

    va_start(ap, fmt);
    fill(err, kind, fmt, ap);
    va_end(ap);
    if (err) {
        len = strlen(err->msg);
        snprintf(err->msg + len, sizeof err->msg - len, ": %s", strerror(errnum));
    }
    return -1;
}

void
dsq_error_clear(struct dsq_error *err)
{
    if (err) {
        err->kind = DSQ_ERR_NONE;
        err->msg[0] = '\0';
    }
}

void
dsq_warn_set(dsq_warn_fn fn, void *arg)
{
    warn_fn = fn;
    warn_arg = arg;
}

void
dsq_warn(const char *fmt, ...)
{
    char buf[2048];
    va_list ap;

    if (!warn_fn)
        return;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    warn_fn(buf, warn_arg);
}
