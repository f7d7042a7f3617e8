/* fuzz-record: libFuzzer harness for the status records.  The input is read
 * three ways: as one record by dsq_record_parse() (whose two readers, the
 * flat scanner and jansson, must agree whenever the scanner accepts); as a
 * record that must survive dsq_record_format() and parse back; and as a whole
 * status file through dsq_record_read_file(), where a torn or garbage line
 * must only be skipped with a warning naming the file and line.
 *
 * record.c is included, not linked, to reach its static scanner. */
#include "lib/record.c"

#include "fuzz/fuzz.h"



static int
same_double(double a, double b)
{
    return !memcmp(&a, &b, sizeof a);
}

static int
same_record(const struct dsq_record *a, const struct dsq_record *b)
{
    return a->ev == b->ev && a->line == b->line && a->task == b->task && a->attempt == b->attempt &&
           a->restart == b->restart && !strcmp(a->host, b->host) && a->pid == b->pid &&
           same_double(a->t, b->t) && !strcmp(a->job, b->job) && a->state == b->state &&
           a->exit == b->exit && a->signal == b->signal && same_double(a->elapsed, b->elapsed) &&
           same_double(a->utime, b->utime) && same_double(a->stime, b->stime) &&
           a->maxrss_kb == b->maxrss_kb && !strcmp(a->reason, b->reason);
}

/* The scanner accepted text: jansson must accept it too and every check
 * must come out the same, value for value and message for message. */
static void
check_agree(const char *text, size_t len, const struct flat *f)
{
    struct robj of = {.f = f}, oj = {0};
    struct dsq_record rf, rj;
    struct dsq_error ef = {0}, ej = {0};
    json_error_t jerr;
    int rcf, rcj;

    oj.j = json_loadb(text, len, 0, &jerr);
    if (!oj.j)
        fprintf(stderr, "scanner accepted what jansson refuses: %s\n", jerr.text);
    CHECK(oj.j != NULL);
    CHECK(json_is_object(oj.j));
    CHECK(json_object_size(oj.j) <= f->n);
    memset(&rf, 0, sizeof rf);
    memset(&rj, 0, sizeof rj);
    rcf = record_fill(&of, &rf, &ef);
    rcj = record_fill(&oj, &rj, &ej);
    json_decref(oj.j);
    if (rcf != rcj || strcmp(ef.msg, ej.msg))
        fprintf(stderr, "scanner: %d '%s'; jansson: %d '%s'\n", rcf, ef.msg, rcj, ej.msg);
    CHECK(rcf == rcj);
    CHECK(!strcmp(ef.msg, ej.msg));
    if (rcf == 0)
        CHECK(same_record(&rf, &rj));
}

/* Doubles go out rounded to the microsecond with 16 significant digits. */
static int
close_double(double got, double orig)
{
    double want = round_us(orig);

    return got == want || fabs(got - want) <= 1e-15 * fmax(fabs(got), fabs(want));
}

/* A record that parsed must format, and read back as itself. */
static void
check_roundtrip(const struct dsq_record *r)
{
    struct dsq_record p;
    struct dsq_error err = {0};
    char *text = dsq_record_format(r), *again;
    size_t len;

    CHECK(text != NULL);
    len = strlen(text);
    CHECK(len > 0 && text[len - 1] == '\n' && memchr(text, '\n', len - 1) == NULL);
    if (dsq_record_parse(text, len - 1, &p, &err) < 0)
        fprintf(stderr, "formatted record does not parse: %s\n%s", err.msg, text);
    CHECK(err.msg[0] == '\0');
    CHECK(p.ev == r->ev && p.line == r->line && p.task == r->task);
    CHECK(p.attempt == r->attempt && p.restart == r->restart && p.pid == r->pid);
    CHECK(!strcmp(p.host, r->host) && !strcmp(p.job, r->job));
    CHECK(close_double(p.t, r->t));
    CHECK(p.state == r->state);
    if (r->ev == DSQ_EV_END) {
        CHECK(p.exit == r->exit && p.signal == r->signal && p.maxrss_kb == r->maxrss_kb);
        CHECK(close_double(p.elapsed, r->elapsed) && close_double(p.utime, r->utime) &&
              close_double(p.stime, r->stime));
        CHECK(!strcmp(p.reason, r->reason));
    }
    /* From then on the text is a fixed point. */
    again = dsq_record_format(&p);
    CHECK(again != NULL);
    if (strcmp(again, text))
        fprintf(stderr, "format is not stable:\n%s%s", text, again);
    CHECK(!strcmp(again, text));
    free(again);
    free(text);
}

/* dsq_record_read_file() over the input as a status file. */

struct readctx {
    const char *path;
    struct dsq_record *want; /* the records the reader must deliver */
    size_t nwant, ngot;
    size_t *warn_line; /* the lines it must warn about */
    size_t nwarn, warned;
    size_t nbad; /* unreadable records: one warning, then a count */
    size_t stop_after; /* fn returns -1 at this record (0: never) */
};

static void
on_warning(const char *msg, void *arg)
{
    struct readctx *c = arg;
    char want[128];

    CHECK(c->warned < c->nwarn);
    /* Line 0 stands for the count of a file's unreadable records. */
    if (c->warn_line[c->warned] == 0)
        snprintf(want, sizeof want, "%s: skipped %zu unreadable records in all", c->path, c->nbad);
    else
        snprintf(want, sizeof want, "%s:%zu: skipping ", c->path, c->warn_line[c->warned]);
    if (strncmp(msg, want, strlen(want)))
        fprintf(stderr, "warning '%s', expected it to start '%s'\n", msg, want);
    CHECK(!strncmp(msg, want, strlen(want)));
    c->warned++;
}

static int
on_record(const struct dsq_record *r, void *arg)
{
    struct readctx *c = arg;

    CHECK(c->ngot < c->nwant);
    CHECK(same_record(r, &c->want[c->ngot]));
    c->ngot++;
    return c->stop_after && c->ngot == c->stop_after ? -1 : 0;
}

static int status_fd = -1;
static char status_path[64];

static void
remove_status_file(void)
{
    unlink(status_path);
}

static void
check_read_file(const uint8_t *data, size_t size)
{
    struct readctx c = {.path = status_path};
    struct dsq_error err = {0};
    size_t pos = 0, lineno = 0;
    int stopped = 0, rc;

    if (status_fd < 0) {
        /* A real file: the reader never follows a symlink, which
         * /proc/self/fd/N is.  Removed at exit. */
        snprintf(status_path, sizeof status_path, "/tmp/fuzz-record-XXXXXX");
        status_fd = mkstemp(status_path);
        CHECK(status_fd >= 0);
        atexit(remove_status_file);
    }
    CHECK(ftruncate(status_fd, 0) == 0);
    CHECK(size == 0 || pwrite(status_fd, data, size, 0) == (ssize_t)size);

    c.stop_after = size ? data[0] & 7 : 0;
    c.want = calloc(size / 2 + 1, sizeof *c.want);
    c.warn_line = calloc(size + 1, sizeof *c.warn_line);
    CHECK(c.want && c.warn_line);
    /* What the reader must do, line by line. */
    while (pos < size && !stopped) {
        const char *s = (const char *)data + pos;
        const char *nl = memchr(s, '\n', size - pos);
        size_t n = nl ? (size_t)(nl - s) : size - pos;
        struct dsq_record r;

        lineno++;
        pos += n + (nl ? 1 : 0);
        if (!nl) {
            c.warn_line[c.nwarn++] = lineno; /* torn */
            break;
        }
        if (n == 0)
            continue;
        if (dsq_record_parse(s, n, &r, &err) < 0) {
            if (c.nbad++ == 0)
                c.warn_line[c.nwarn++] = lineno;
            continue;
        }
        c.want[c.nwant++] = r;
        stopped = c.stop_after && c.nwant == c.stop_after;
    }
    if (c.nbad > 1)
        c.warn_line[c.nwarn++] = 0;

    dsq_warn_set(on_warning, &c);
    rc = dsq_record_read_file(status_path, on_record, &c, &err);
    dsq_warn_set(NULL, NULL);
    CHECK(rc == (stopped ? -1 : 0));
    CHECK(c.ngot == c.nwant);
    CHECK(c.warned == c.nwarn);
    free(c.want);
    free(c.warn_line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct dsq_record r;
    struct dsq_error err = {0};
    struct flat f;

    if (flat_parse(text, size, &f) == 0)
        check_agree(text, size, &f);
    if (dsq_record_parse(text, size, &r, &err) == 0) {
        CHECK(err.msg[0] == '\0');
        check_roundtrip(&r);
    } else {
        CHECK(err.kind == DSQ_ERR_INPUT && err.msg[0]);
    }
    check_read_file(data, size);
    return 0;
}
