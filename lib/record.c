/* record: the status records (see record.h and dsq-records(5)).  The runner
 * writes them, report and autopsy read them back; this module is the only
 * place that knows their JSON shape.
 *
 * jansson's reference rules, written once here for every module that wraps
 * jansson (record, manifest, report):
 * - json_pack() returns a new reference (or NULL); "s" copies a C string, so
 *   our buffers may be freed afterwards; "o" steals the value it is given
 *   (manifest builds nested values that way; record never uses it).
 * - json_object_set_new() and json_array_append_new() steal the value too.
 * - json_object_get() and json_array_get() return borrowed references,
 *   valid while the parent lives: never json_decref() them.
 * - json_loadb() and json_dumps() return owned results: json_decref() the
 *   value, once, at the top; free() the string.
 * - jansson refuses strings that are not UTF-8 (json_string() is NULL), so
 *   every string record packs goes through dsq_utf8_repair() first. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "record.h"
#include "text.h"

static const char *const state_names[DSQ_ST__COUNT] = {
    [DSQ_ST_OK] = "ok",
    [DSQ_ST_FAILED] = "failed",
    [DSQ_ST_SIGNALED] = "signaled",
    [DSQ_ST_INTERRUPTED] = "interrupted",
    [DSQ_ST_LOST] = "lost",
    [DSQ_ST_PENDING] = "pending",
    [DSQ_ST_RUNNING] = "running",
    [DSQ_ST_NOT_RUN] = "not_run",
};

const char *
dsq_state_name(enum dsq_state st)
{
    if ((unsigned)st >= DSQ_ST__COUNT)
        return "unknown";
    return state_names[st];
}

int
dsq_state_parse(const char *name, enum dsq_state *st)
{
    for (int i = 0; i < DSQ_ST__COUNT; i++) {
        if (!strcmp(name, state_names[i])) {
            *st = (enum dsq_state)i;
            return 0;
        }
    }
    return -1;
}

/* Writer */

struct dsq_recw {
    int fd;
    char *path;
};

struct dsq_recw *
dsq_recw_open(const char *path, struct dsq_error *err)
{
    struct dsq_recw *w = calloc(1, sizeof *w);

    if (!w || !(w->path = strdup(path))) {
        free(w);
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        return NULL;
    }
    /* O_APPEND: each write lands whole at the end, even if a requeued task
     * on another node appends to the same file over NFS; O_NOFOLLOW: a
     * planted symlink cannot redirect records elsewhere. */
    w->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (w->fd < 0) {
        int e = errno;

        dsq_errno(err, DSQ_ERR_SYSTEM, e, "cannot open status file %s", path);
        free(w->path);
        free(w);
        errno = e; /* callers tell EMFILE from the rest */
        return NULL;
    }
    return w;
}

int
dsq_recw_write(struct dsq_recw *w, const struct dsq_record *r, struct dsq_error *err)
{
    char *text = dsq_record_format(r);
    size_t len;
    ssize_t n;
    int rc = -1;

    if (!text)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "cannot format a record for %s", w->path);
    len = strlen(text);
    /* Exactly one write(2): retrying the remainder of a short write would
     * let another writer's record land in the middle of ours.  EINTR before
     * anything was written is safe to retry. */
    do
        n = write(w->fd, text, len);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        dsq_errno(err, DSQ_ERR_SYSTEM, errno, "cannot write status file %s", w->path);
        goto out;
    }
    if ((size_t)n != len) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "short write to status file %s (%zd of %zu bytes)",
                      w->path, n, len);
        goto out;
    }
    rc = 0;
out:
    free(text);
    return rc;
}

void
dsq_recw_close(struct dsq_recw *w)
{
    if (!w)
        return;
    if (w->fd >= 0)
        close(w->fd);
    free(w->path);
    free(w);
}

/* Format */

/* Seconds rounded to the microsecond: the clocks are no finer, and it keeps
 * "0.1" from being printed as "0.10000000000000001".  Only below 1e9 s:
 * from there on the 16 significant digits records are written with hold
 * no more than microseconds anyway, and s * 1e6 comes within a rounding of
 * a half, so that a value read back would round to the next microsecond and
 * be written differently (the fuzzer found such a value).  Below
 * 1e9 s the product's error is under 0.2 us: the text is a fixed point. */
static double
round_us(double s)
{
    if (!isfinite(s))
        return 0;
    if (fabs(s) >= 1e9)
        return s;
    return round(s * 1e6) / 1e6;
}

char *
dsq_record_format(const struct dsq_record *r)
{
    char *host = NULL, *job = NULL, *reason = NULL, *text = NULL;
    json_t *o = NULL;
    size_t len;

    host = dsq_utf8_repair(r->host, strnlen(r->host, sizeof r->host));
    job = dsq_utf8_repair(r->job, strnlen(r->job, sizeof r->job));
    if (!host || !job)
        goto out;
    /* One key and its value per line. */
    /* clang-format off */
    o = json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:s, s:I, s:f, s:s}",
                  "ev", r->ev == DSQ_EV_END ? "end" : "start",
                  "line", (json_int_t)r->line,
                  "task", (json_int_t)r->task,
                  "attempt", (json_int_t)r->attempt,
                  "restart", (json_int_t)r->restart,
                  "try", (json_int_t)(r->tryno ? r->tryno : 1),
                  "host", host,
                  "pid", (json_int_t)r->pid,
                  "t", round_us(r->t),
                  "job", job);
    /* clang-format on */
    if (!o)
        goto out;
    if (r->ev == DSQ_EV_END) {
        /* clang-format off */
        json_t *e = json_pack("{s:s, s:i, s:i, s:f, s:f, s:f, s:I}",
                              "state", dsq_state_name(r->state),
                              "exit", r->exit,
                              "signal", r->signal,
                              "elapsed", round_us(r->elapsed),
                              "utime", round_us(r->utime),
                              "stime", round_us(r->stime),
                              "maxrss_kb", (json_int_t)r->maxrss_kb);
        /* clang-format on */

        if (!e || json_object_update(o, e) < 0) {
            json_decref(e);
            goto out;
        }
        json_decref(e);
        /* Only when true: a record without it says nothing of memory. */
        if (r->oom && json_object_set_new(o, "oom", json_true()) < 0)
            goto out;
        len = strnlen(r->reason, sizeof r->reason);
        if (len) {
            if (!(reason = dsq_utf8_repair(r->reason, len)))
                goto out;
            if (json_object_set_new(o, "reason", json_string(reason)) < 0)
                goto out;
        }
    }
    /* JSON_PRESERVE_ORDER keeps the fields in the documented order, which
     * makes the files pleasant to read with grep and less. */
    {
        char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(16));

        if (!s)
            goto out;
        len = strlen(s);
        text = malloc(len + 2);
        if (text) {
            memcpy(text, s, len);
            text[len] = '\n';
            text[len + 1] = '\0';
        }
        free(s);
    }
out:
    json_decref(o);
    free(host);
    free(job);
    free(reason);
    return text;
}

/* Parse.  Records are flat objects of strings and numbers, and report reads
 * millions of them: a small scanner reads that shape without allocating, and
 * anything else (escapes in strings, nesting, odd syntax) goes to jansson,
 * which also words the error.  Both feed the same checks through rval. */

enum rtype { RV_NONE, RV_STR, RV_INT, RV_REAL, RV_BOOL, RV_OTHER };

struct rval {
    enum rtype type;
    long long i;
    double d;
    const char *s; /* RV_STR: not NUL-terminated */
    size_t slen;
};

#define FLAT_MAX 32

/* The members a record may have.  The scanner files each member under its
 * key as it reads it, so that the checks find a member without comparing
 * names again (readers parse millions of records). */
enum rkey {
    K_EV,
    K_LINE,
    K_TASK,
    K_ATTEMPT,
    K_RESTART,
    K_HOST,
    K_PID,
    K_T,
    K_JOB,
    K_STATE,
    K_EXIT,
    K_SIGNAL,
    K_ELAPSED,
    K_UTIME,
    K_STIME,
    K_MAXRSS_KB,
    K_REASON,
    K_OOM,
    K_TRY,
    K__N
};

static const char *const rkey_names[K__N] = {
    "ev",   "line",   "task",    "attempt", "restart", "host",      "pid",    "t",   "job", "state",
    "exit", "signal", "elapsed", "utime",   "stime",   "maxrss_kb", "reason", "oom", "try",
};

/* The key of a member name, or -1 for a member dsq does not read.  Length,
 * first and third character tell dsq's keys apart; one comparison confirms. */
static int
rkey_find(const char *name, size_t n)
{
    int k = -1;

    switch (n) {
    case 1:
        k = K_T;
        break;
    case 2:
        k = K_EV;
        break;
    case 3:
        k = name[0] == 'p' ? K_PID : name[0] == 'j' ? K_JOB : name[0] == 't' ? K_TRY : K_OOM;
        break;
    case 4:
        k = name[0] == 'l' ? K_LINE : name[0] == 't' ? K_TASK : name[0] == 'h' ? K_HOST : K_EXIT;
        break;
    case 5:
        k = name[0] == 'u' ? K_UTIME : name[2] == 'a' ? K_STATE : K_STIME;
        break;
    case 6:
        k = name[0] == 's' ? K_SIGNAL : K_REASON;
        break;
    case 7:
        k = name[0] == 'a' ? K_ATTEMPT : name[0] == 'r' ? K_RESTART : K_ELAPSED;
        break;
    case 9:
        k = K_MAXRSS_KB;
        break;
    default:
        return -1;
    }
    /* A loop, not memcmp(): a call costs more than these few bytes. */
    for (size_t i = 0; i < n; i++)
        if (name[i] != rkey_names[k][i])
            return -1;
    return k;
}

struct flat {
    size_t n;
    const char *key[FLAT_MAX];
    size_t klen[FLAT_MAX];
    struct rval val[FLAT_MAX];
    int slot[K__N]; /* the member holding that key (the last one), or -1 */
};

/* The object whose members the checks read: exactly one of j, f is set. */
struct robj {
    json_t *j;
    const struct flat *f;
};

static const char *
skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
    return p;
}

/* A string of plain ASCII (no escapes, no control characters) at p, which
 * points at '"'; NULL otherwise.  Other bytes go to jansson, which refuses
 * what is not UTF-8. */
static const char *
flat_string(const char *p, const char *end, const char **s, size_t *n)
{
    const char *q = ++p;

    while (q < end && *q != '"') {
        if (*q == '\\' || (unsigned char)*q < 0x20 || (unsigned char)*q >= 0x80)
            return NULL;
        q++;
    }
    if (q >= end)
        return NULL;
    *s = p;
    *n = (size_t)(q - p);
    return q + 1;
}

/* A JSON number at p (-?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?), read in
 * one pass.  Integers of up to 18 digits cannot overflow a long long; a
 * decimal of up to 15 digits without exponent has its digits and its power
 * of ten both exact as doubles, so their quotient is the correctly rounded
 * value, exactly what strtod() gives (Clinger's fast path): the times in
 * records are all of that form.  Anything longer goes to strtod()/strtoll().
 * What follows the number is the caller's to check, so "01" or "1.5x" fail
 * there, and jansson has the last word. */
static const char *
flat_number(const char *p, const char *end, struct rval *v)
{
    static const double pow10[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    const char *q = p;
    long long m = 0;
    int digits = 0, frac = 0, neg = 0, exp = 0;

    if (q < end && *q == '-')
        neg = 1, q++;
    if (q >= end || *q < '0' || *q > '9')
        return NULL;
    if (*q == '0') {
        q++;
    } else {
        while (q < end && *q >= '0' && *q <= '9') {
            if (++digits <= 18)
                m = m * 10 + (*q - '0');
            q++;
        }
    }
    if (q < end && *q == '.') {
        if (++q >= end || *q < '0' || *q > '9')
            return NULL;
        while (q < end && *q >= '0' && *q <= '9') {
            if (++digits <= 18)
                m = m * 10 + (*q - '0');
            frac++;
            q++;
        }
    }
    if (q < end && (*q == 'e' || *q == 'E')) {
        exp = 1;
        if (++q < end && (*q == '+' || *q == '-'))
            q++;
        if (q >= end || *q < '0' || *q > '9')
            return NULL;
        while (q < end && *q >= '0' && *q <= '9')
            q++;
    }
    if (!frac && !exp && digits <= 18) {
        v->type = RV_INT;
        v->i = neg ? -m : m;
        v->d = (double)v->i;
        return q;
    }
    if (frac && !exp && digits <= 15) {
        v->type = RV_REAL;
        v->d = (double)m / pow10[frac];
        if (neg)
            v->d = -v->d;
        return q;
    }
    {
        char buf[64];
        char *e;

        if ((size_t)(q - p) >= sizeof buf)
            return NULL;
        memcpy(buf, p, (size_t)(q - p));
        buf[q - p] = '\0';
        errno = 0;
        if (frac || exp) {
            v->type = RV_REAL;
            v->d = strtod(buf, &e);
        } else {
            v->type = RV_INT;
            v->i = strtoll(buf, &e, 10);
            v->d = (double)v->i;
        }
        if (*e || errno)
            return NULL;
    }
    return q;
}

/* Scan one flat object; -1 when the text is not of that simple shape. */
static int
flat_parse(const char *text, size_t len, struct flat *f)
{
    const char *p = text, *end = text + len;

    f->n = 0;
    for (int k = 0; k < K__N; k++)
        f->slot[k] = -1;
    p = skip_ws(p, end);
    if (p >= end || *p++ != '{')
        return -1;
    p = skip_ws(p, end);
    if (p < end && *p == '}')
        return skip_ws(p + 1, end) == end ? 0 : -1;
    for (;;) {
        struct rval *v;

        if (f->n == FLAT_MAX || p >= end || *p != '"')
            return -1;
        if (!(p = flat_string(p, end, &f->key[f->n], &f->klen[f->n])))
            return -1;
        p = skip_ws(p, end);
        if (p >= end || *p++ != ':')
            return -1;
        p = skip_ws(p, end);
        if (p >= end)
            return -1;
        v = &f->val[f->n];
        memset(v, 0, sizeof *v);
        if (*p == '"') {
            v->type = RV_STR;
            p = flat_string(p, end, &v->s, &v->slen);
        } else if (*p == '-' || (*p >= '0' && *p <= '9')) {
            p = flat_number(p, end, v);
        } else if ((size_t)(end - p) >= 4 && !memcmp(p, "null", 4)) {
            v->type = RV_OTHER;
            p += 4;
        } else if ((size_t)(end - p) >= 4 && !memcmp(p, "true", 4)) {
            v->type = RV_BOOL;
            v->i = 1;
            p += 4;
        } else if ((size_t)(end - p) >= 5 && !memcmp(p, "false", 5)) {
            v->type = RV_BOOL;
            p += 5;
        } else {
            return -1;
        }
        if (!p)
            return -1;
        {
            /* The last of duplicate keys wins, as in jansson. */
            int k = rkey_find(f->key[f->n], f->klen[f->n]);
            if (k >= 0)
                f->slot[k] = (int)f->n;
        }
        f->n++;
        p = skip_ws(p, end);
        if (p < end && *p == ',') {
            p = skip_ws(p + 1, end);
            continue;
        }
        if (p < end && *p == '}')
            return skip_ws(p + 1, end) == end ? 0 : -1;
        return -1;
    }
}

static void
robj_get(const struct robj *o, enum rkey key, struct rval *v)
{
    json_t *j;

    memset(v, 0, sizeof *v);
    if (o->f) {
        if (o->f->slot[key] >= 0)
            *v = o->f->val[o->f->slot[key]];
        return;
    }
    j = json_object_get(o->j, rkey_names[key]);
    if (!j)
        return;
    if (json_is_string(j)) {
        v->type = RV_STR;
        v->s = json_string_value(j);
        v->slen = json_string_length(j);
    } else if (json_is_integer(j)) {
        v->type = RV_INT;
        v->i = json_integer_value(j);
        v->d = (double)v->i;
    } else if (json_is_real(j)) {
        v->type = RV_REAL;
        v->d = json_real_value(j);
    } else if (json_is_boolean(j)) {
        v->type = RV_BOOL;
        v->i = json_is_true(j);
    } else {
        v->type = RV_OTHER;
    }
}

static int
rval_is(const struct rval *v, const char *s)
{
    return v->type == RV_STR && v->slen == strlen(s) && !memcmp(v->s, s, v->slen);
}

/* An integer member in [min, max]; absent is 0 unless required. */
static int
get_int(const struct robj *o, enum rkey key, int required, long long min, long long max,
        long long *out, struct dsq_error *err)
{
    struct rval v;

    robj_get(o, key, &v);
    if (v.type == RV_NONE) {
        if (required)
            return dsq_errprintf(err, DSQ_ERR_INPUT, "record has no \"%s\"", rkey_names[key]);
        *out = 0;
        return 0;
    }
    if (v.type != RV_INT || v.i < min || v.i > max)
        return dsq_errprintf(err, DSQ_ERR_INPUT, "record has a bad \"%s\"", rkey_names[key]);
    *out = v.i;
    return 0;
}

static int
get_real(const struct robj *o, enum rkey key, int required, double *out, struct dsq_error *err)
{
    struct rval v;

    robj_get(o, key, &v);
    if (v.type == RV_NONE) {
        if (required)
            return dsq_errprintf(err, DSQ_ERR_INPUT, "record has no \"%s\"", rkey_names[key]);
        *out = 0;
        return 0;
    }
    if (v.type != RV_INT && v.type != RV_REAL)
        return dsq_errprintf(err, DSQ_ERR_INPUT, "record has a bad \"%s\"", rkey_names[key]);
    *out = v.d;
    return 0;
}

static int
get_str(const struct robj *o, enum rkey key, char *buf, size_t n, struct dsq_error *err)
{
    struct rval v;
    size_t len;

    robj_get(o, key, &v);
    if (v.type == RV_NONE) {
        buf[0] = '\0';
        return 0;
    }
    if (v.type != RV_STR)
        return dsq_errprintf(err, DSQ_ERR_INPUT, "record has a bad \"%s\"", rkey_names[key]);
    len = v.slen;
    if (len >= n) {
        /* Cut a long string between characters: half a UTF-8 sequence would
         * be shown as garbage, and written back as U+FFFD. */
        len = n - 1;
        while (len > 0 && ((unsigned char)v.s[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(buf, v.s, len);
    buf[len] = '\0';
    return 0;
}

/* The checks, one copy for both parsers. */
static int
record_fill(const struct robj *o, struct dsq_record *r, struct dsq_error *err)
{
    struct rval v;
    long long i = 0;

    robj_get(o, K_EV, &v);
    if (v.type != RV_STR)
        return dsq_errprintf(err, DSQ_ERR_INPUT, "record has no \"ev\"");
    if (rval_is(&v, "start"))
        r->ev = DSQ_EV_START;
    else if (rval_is(&v, "end"))
        r->ev = DSQ_EV_END;
    else
        return dsq_errprintf(err, DSQ_ERR_INPUT, "record has an unknown \"ev\": %.*s",
                             (int)(v.slen > 32 ? 32 : v.slen), v.s);
    if (get_int(o, K_LINE, 1, 1, LLONG_MAX, &i, err) < 0)
        return -1;
    r->line = (size_t)i;
    if (get_int(o, K_TASK, 1, 0, LLONG_MAX, &i, err) < 0)
        return -1;
    r->task = (size_t)i;
    if (get_int(o, K_ATTEMPT, 1, 0, UINT_MAX, &i, err) < 0)
        return -1;
    r->attempt = (unsigned)i;
    if (get_int(o, K_RESTART, 0, 0, UINT_MAX, &i, err) < 0)
        return -1;
    r->restart = (unsigned)i;
    if (get_int(o, K_TRY, 0, 1, UINT_MAX, &i, err) < 0)
        return -1;
    r->tryno = i ? (unsigned)i : 1; /* absent: a record from before retries */
    if (get_int(o, K_PID, 0, 0, LONG_MAX, &i, err) < 0)
        return -1;
    r->pid = (long)i;
    if (get_real(o, K_T, 1, &r->t, err) < 0 ||
        get_str(o, K_HOST, r->host, sizeof r->host, err) < 0 ||
        get_str(o, K_JOB, r->job, sizeof r->job, err) < 0)
        return -1;
    r->state = DSQ_ST_RUNNING;
    if (r->ev == DSQ_EV_END) {
        char state[32];
        robj_get(o, K_STATE, &v);
        if (v.type != RV_STR || v.slen >= sizeof state)
            return dsq_errprintf(err, DSQ_ERR_INPUT, "end record has no valid \"state\"");
        memcpy(state, v.s, v.slen);
        state[v.slen] = '\0';
        if (dsq_state_parse(state, &r->state) < 0)
            return dsq_errprintf(err, DSQ_ERR_INPUT, "end record has no valid \"state\"");
        if (get_int(o, K_EXIT, 0, -1, 255, &i, err) < 0)
            return -1;
        r->exit = (int)i;
        if (get_int(o, K_SIGNAL, 0, 0, 255, &i, err) < 0)
            return -1;
        r->signal = (int)i;
        if (get_int(o, K_MAXRSS_KB, 0, 0, LONG_MAX, &i, err) < 0)
            return -1;
        r->maxrss_kb = (long)i;
        if (get_real(o, K_ELAPSED, 0, &r->elapsed, err) < 0 ||
            get_real(o, K_UTIME, 0, &r->utime, err) < 0 ||
            get_real(o, K_STIME, 0, &r->stime, err) < 0 ||
            get_str(o, K_REASON, r->reason, sizeof r->reason, err) < 0)
            return -1;
        robj_get(o, K_OOM, &v);
        if (v.type != RV_NONE && v.type != RV_BOOL)
            return dsq_errprintf(err, DSQ_ERR_INPUT, "record has a bad \"oom\"");
        r->oom = v.type == RV_BOOL && v.i;
    }
    return 0;
}

int
dsq_record_parse(const char *text, size_t len, struct dsq_record *r, struct dsq_error *err)
{
    struct flat f;
    struct robj o = {0};
    json_error_t jerr;
    int rc;

    /* Not memset(): the three string fields are most of the struct, and
     * readers parse millions of records.  Every other field is set here or
     * by record_fill(). */
    r->host[0] = r->job[0] = r->reason[0] = '\0';
    r->exit = r->signal = 0;
    r->elapsed = r->utime = r->stime = 0;
    r->maxrss_kb = 0;
    r->oom = 0;
    if (flat_parse(text, len, &f) == 0) {
        o.f = &f;
        return record_fill(&o, r, err);
    }
    o.j = json_loadb(text, len, 0, &jerr);
    if (!o.j)
        return dsq_errprintf(err, DSQ_ERR_INPUT, "not JSON: %s", jerr.text);
    if (!json_is_object(o.j)) {
        json_decref(o.j);
        return dsq_errprintf(err, DSQ_ERR_INPUT, "not a JSON object");
    }
    rc = record_fill(&o, r, err);
    json_decref(o.j);
    return rc;
}

/* Read */

/* No run writes a status file this large (a record is ~350 bytes, two a
 * line): reading one would only exhaust memory. */
#define STATUS_FILE_MAX ((off_t)2 << 30)

/* The bytes of status file path: a regular file, opened without following
 * a symlink or blocking on a FIFO, read up to the size it had when opened
 * (a task still appending adds whole records after that).  *data owned. */
static int
slurp_status(const char *path, char **data, size_t *len, struct dsq_error *err)
{
    struct stat st;
    char *buf;
    size_t got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);

    if (fd < 0 && errno == ENOENT) {
        /* Gone since the directory was listed: it holds nothing now. */
        dsq_warn("skipping status file %s: it vanished while being read", path);
        *data = NULL;
        *len = 0;
        return 0;
    }
    if (fd < 0)
        return dsq_errno(err, DSQ_ERR_SYSTEM, errno, "cannot read status file %s", path);
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return dsq_errno(err, DSQ_ERR_SYSTEM, e, "cannot read status file %s", path);
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return dsq_errprintf(err, DSQ_ERR_SYSTEM,
                             "status file %s is not a regular file (a %s); dsq reads only the "
                             "files its runner writes",
                             path,
                             S_ISDIR(st.st_mode)    ? "directory"
                             : S_ISFIFO(st.st_mode) ? "FIFO"
                             : S_ISSOCK(st.st_mode) ? "socket"
                                                    : "device");
    }
    if (st.st_size > STATUS_FILE_MAX) {
        close(fd);
        return dsq_errprintf(err, DSQ_ERR_SYSTEM,
                             "status file %s holds %lld bytes, more than any run writes (2 GiB)",
                             path, (long long)st.st_size);
    }
    if (!(buf = malloc((size_t)st.st_size + 1))) {
        close(fd);
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: out of memory", path);
    }
    while (got < (size_t)st.st_size) {
        ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            free(buf);
            return dsq_errno(err, DSQ_ERR_SYSTEM, e, "cannot read status file %s", path);
        }
        if (n == 0)
            break; /* truncated meanwhile */
        got += (size_t)n;
    }
    buf[got] = '\0';
    close(fd);
    *data = buf;
    *len = got;
    return 0;
}

int
dsq_record_read_file(const char *path, dsq_record_fn fn, void *arg, struct dsq_error *err)
{
    struct dsq_error rerr = {0};
    struct dsq_record r;
    char *data = NULL;
    size_t len = 0, pos = 0, lineno = 0, bad = 0;
    int rc = 0;

    /* A file that cannot be read may hold the end of lines that succeeded:
     * reading past it would call them unfinished.  The caller stops. */
    if (slurp_status(path, &data, &len, err) < 0)
        return -1;
    while (pos < len) {
        const char *s = data + pos;
        const char *nl = memchr(s, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - s) : len - pos;

        lineno++;
        pos += n + (nl ? 1 : 0);
        if (!nl) {
            /* A crash (or a write still under way) between the record and
             * its newline: never trust a line the writer did not finish. */
            dsq_warn("%s:%zu: skipping torn last record (no newline)", path, lineno);
            break;
        }
        if (n == 0)
            continue;
        if (dsq_record_parse(s, n, &r, &rerr) < 0) {
            /* One warning a file: a file of garbage is one problem. */
            if (bad++ == 0)
                dsq_warn("%s:%zu: skipping unreadable record: %s", path, lineno, rerr.msg);
            continue;
        }
        if (fn(&r, arg) < 0) {
            rc = -1;
            break;
        }
    }
    if (bad > 1)
        dsq_warn("%s: skipped %zu unreadable records in all", path, bad);
    free(data);
    return rc;
}
