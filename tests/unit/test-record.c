/* test-record: the status record format, its writer and its reader (torn and
 * garbage lines are skipped with a warning naming file and line). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/fs.h"
#include "lib/record.h"
#include "lib/rundir.h"
#include "tests/unit/tap.h"

static struct dsq_buf warnings;
static int nwarnings;

static void
collect_warning(const char *msg, void *arg)
{
    (void)arg;
    nwarnings++;
    dsq_buf_printf(&warnings, "%s\n", msg);
}

struct collected {
    struct dsq_record r[16];
    size_t n;
    int stop_after;
};

static int
collect(const struct dsq_record *r, void *arg)
{
    struct collected *c = arg;

    if (c->n < 16)
        c->r[c->n] = *r;
    c->n++;
    if (c->stop_after && (int)c->n >= c->stop_after)
        return -1;
    return 0;
}

static void
write_raw(const char *path, const char *text)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

    if (fd >= 0) {
        if (write(fd, text, strlen(text)) < 0)
            perror(path);
        close(fd);
    }
}

static struct dsq_record
sample_end(void)
{
    struct dsq_record r;

    memset(&r, 0, sizeof r);
    r.ev = DSQ_EV_END;
    r.line = 42;
    r.task = 7;
    r.attempt = 2;
    r.restart = 1;
    strcpy(r.host, "node-01");
    r.pid = 12345;
    r.t = 1700000000.123456;
    strcpy(r.job, "991_7");
    r.state = DSQ_ST_SIGNALED;
    r.exit = -1;
    r.signal = 9;
    r.elapsed = 12.5;
    r.utime = 0.1;
    r.stime = 0.02;
    r.maxrss_kb = 204800;
    return r;
}

static void
test_states(void)
{
    enum dsq_state st;

    for (int i = 0; i < DSQ_ST__COUNT; i++) {
        ok(dsq_state_parse(dsq_state_name((enum dsq_state)i), &st) == 0 && (int)st == i,
           "state %s round-trips", dsq_state_name((enum dsq_state)i));
    }
    is_str(dsq_state_name(DSQ_ST_NOT_RUN), "not_run", "not_run spelled as documented");
    ok(dsq_state_parse("bogus", &st) < 0, "unknown state name refused");
}

static void
test_format_roundtrip(void)
{
    struct dsq_record r = sample_end(), p;
    struct dsq_error err = {0};
    char *text = dsq_record_format(&r);
    json_t *o;

    ok(text != NULL, "end record formats");
    if (!text)
        return;
    ok(strchr(text, '\n') == text + strlen(text) - 1, "one line ending in a newline");
    ok(!strchr(text, ' '), "compact: no blanks");
    ok(strstr(text, "\"utime\":0.1,") != NULL, "0.1 is printed as 0.1: %s", text);
    ok(!strstr(text, "reason"), "no reason field when there is none");
    o = json_loads(text, 0, NULL);
    ok(o && json_is_object(o), "valid JSON object");
    if (o) {
        is_str(json_string_value(json_object_get(o, "ev")), "end", "ev");
        is_str(json_string_value(json_object_get(o, "state")), "signaled", "state by name");
        is_int(json_integer_value(json_object_get(o, "line")), 42, "line");
        is_int(json_integer_value(json_object_get(o, "exit")), -1, "exit -1 on a signal");
        is_int(json_integer_value(json_object_get(o, "maxrss_kb")), 204800, "maxrss_kb");
        json_decref(o);
    }
    ok(dsq_record_parse(text, strlen(text) - 1, &p, &err) == 0, "parses back: %s", err.msg);
    ok(p.ev == DSQ_EV_END && p.line == 42 && p.task == 7 && p.attempt == 2 && p.restart == 1 &&
           p.pid == 12345,
       "integers round-trip");
    is_str(p.host, "node-01", "host");
    is_str(p.job, "991_7", "job");
    ok(p.state == DSQ_ST_SIGNALED && p.exit == -1 && p.signal == 9, "state, exit, signal");
    ok(fabs(p.t - r.t) < 1e-6, "t kept to the microsecond (%.6f)", p.t);
    ok(fabs(p.elapsed - 12.5) < 1e-9 && fabs(p.utime - 0.1) < 1e-9 && fabs(p.stime - 0.02) < 1e-9,
       "times round-trip");
    is_int(p.maxrss_kb, 204800, "maxrss_kb round-trips");
    is_str(p.reason, "", "no reason");
    free(text);

    /* A start record carries no end fields. */
    r.ev = DSQ_EV_START;
    text = dsq_record_format(&r);
    ok(text && strstr(text, "\"ev\":\"start\"") && !strstr(text, "state") &&
           !strstr(text, "elapsed"),
       "start record has no end fields: %s", text ? text : "(null)");
    ok(text && dsq_record_parse(text, strlen(text), &p, &err) == 0 && p.ev == DSQ_EV_START &&
           p.line == 42,
       "start record parses (trailing newline allowed)");
    free(text);

    /* A reason is written when dsq itself failed the line. */
    r = sample_end();
    r.state = DSQ_ST_FAILED;
    r.exit = 127;
    r.signal = 0;
    strcpy(r.reason, "cannot write tmp/line-7-42.sh: No space left on device");
    text = dsq_record_format(&r);
    ok(text && dsq_record_parse(text, strlen(text), &p, &err) == 0, "record with reason parses");
    is_str(p.reason, r.reason, "reason round-trips");
    free(text);
}

/* "oom" is written only when true, and read from both parsers; records
 * without it (every record before it existed) load as not out of memory. */
static void
test_oom(void)
{
    struct dsq_record r = sample_end(), p;
    struct dsq_error err = {0};
    char *text = dsq_record_format(&r);
    static const char old[] = "{\"ev\":\"end\",\"line\":3,\"task\":0,\"attempt\":1,\"t\":1.5,"
                              "\"state\":\"signaled\",\"exit\":-1,\"signal\":9}";
    /* An escape in a string sends the record to jansson's parser. */
    static const char slow[] = "{\"ev\":\"end\",\"line\":3,\"task\":0,\"attempt\":1,\"t\":1.5,"
                               "\"host\":\"a\\u0062\",\"state\":\"signaled\",\"exit\":-1,"
                               "\"signal\":9,\"oom\":true}";

    ok(text && !strstr(text, "oom"), "oom: not written when false");
    free(text);
    r.oom = 1;
    text = dsq_record_format(&r);
    ok(text && strstr(text, "\"maxrss_kb\":204800,\"oom\":true"), "oom: written true: %s",
       text ? text : "(null)");
    ok(text && dsq_record_parse(text, strlen(text), &p, &err) == 0 && p.oom == 1,
       "oom: round-trips");
    free(text);
    p.oom = 1;
    ok(dsq_record_parse(old, strlen(old), &p, &err) == 0 && p.oom == 0,
       "oom: a record without it loads, not out of memory");
    ok(dsq_record_parse(slow, strlen(slow), &p, &err) == 0 && p.oom == 1 && !strcmp(p.host, "ab"),
       "oom: read by jansson's parser too");
    ok(dsq_record_parse("{\"ev\":\"end\",\"line\":3,\"task\":0,\"attempt\":1,\"t\":1,"
                        "\"state\":\"ok\",\"oom\":false}",
                        73, &p, &err) == 0 &&
           p.oom == 0,
       "oom: false is read");
    ok(dsq_record_parse("{\"ev\":\"end\",\"line\":3,\"task\":0,\"attempt\":1,\"t\":1,"
                        "\"state\":\"ok\",\"oom\":1}",
                        69, &p, &err) < 0 &&
           strstr(err.msg, "oom"),
       "oom: a number is a bad record: %s", err.msg);
}

static void
test_utf8(void)
{
    struct dsq_record r = sample_end(), p;
    struct dsq_error err = {0};
    char *text;

    r.state = DSQ_ST_FAILED;
    strcpy(r.host, "n\xc3\xb6"
                   "de");              /* valid UTF-8: kept */
    strcpy(r.reason, "bad \xff byte"); /* invalid: U+FFFD */
    text = dsq_record_format(&r);
    ok(text != NULL, "record with non-UTF-8 bytes still formats");
    ok(text && dsq_record_parse(text, strlen(text), &p, &err) == 0, "and parses");
    is_str(p.host,
           "n\xc3\xb6"
           "de",
           "UTF-8 host kept as is");
    is_str(p.reason, "bad \xef\xbf\xbd byte", "invalid byte shown as U+FFFD");
    free(text);
}

static void
test_parse_errors(void)
{
    struct dsq_record p;
    struct dsq_error err = {0};
    static const char *const bad[] = {
        "",
        "not json",
        "[1,2]",
        "{\"ev\":\"start\"}",
        "{\"ev\":\"middle\",\"line\":1,\"task\":0,\"attempt\":1,\"t\":1}",
        "{\"ev\":\"start\",\"line\":0,\"task\":0,\"attempt\":1,\"t\":1}",
        "{\"ev\":\"start\",\"line\":-3,\"task\":0,\"attempt\":1,\"t\":1}",
        "{\"ev\":\"start\",\"line\":\"3\",\"task\":0,\"attempt\":1,\"t\":1}",
        "{\"ev\":\"end\",\"line\":3,\"task\":0,\"attempt\":1,\"t\":1}",
        "{\"ev\":\"end\",\"line\":3,\"task\":0,\"attempt\":1,\"t\":1,\"state\":\"meh\"}",
        "{\"ev\":\"start\",\"line\":3,\"task\":0,\"attem",
    };

    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        dsq_error_clear(&err);
        ok(dsq_record_parse(bad[i], strlen(bad[i]), &p, &err) < 0 && err.msg[0], "refused: %s (%s)",
           bad[i], err.msg);
    }
    {
        static const char future[] = "{\"ev\":\"start\",\"line\":3,\"task\":0,\"attempt\":1,"
                                     "\"t\":1,\"future\":[1]}";

        ok(dsq_record_parse(future, strlen(future), &p, &err) == 0 && p.line == 3,
           "unknown fields are tolerated (newer writers may add some)");
    }
}

static void
test_path(void)
{
    char *p = dsq_rundir_record_path("/runs/x", 1, 17, 0);

    is_str(p, "/runs/x/status/a1.t17.r0.jsonl", "status file name");
    free(p);
}

static void
test_write_read(const char *dir)
{
    struct dsq_error err = {0};
    struct collected c = {0};
    struct dsq_record r = sample_end();
    struct dsq_buf path = {0}, status = {0};
    struct dsq_recw *w;
    char *p1, *p2;
    struct stat st;

    dsq_buf_printf(&status, "%s/status", dir);
    ok(dsq_rundir_read_records(dir, collect, &c, &err) == 0 && c.n == 0,
       "no status directory: no records, no error");
    mkdir(status.data, 0755);

    p1 = dsq_rundir_record_path(dir, 1, 0, 0);
    p2 = dsq_rundir_record_path(dir, 1, 1, 0);
    w = dsq_recw_open(p1, &err);
    ok(w != NULL, "writer opens: %s", err.msg);
    r.ev = DSQ_EV_START;
    r.line = 1;
    ok(dsq_recw_write(w, &r, &err) == 0, "start record written");
    r.ev = DSQ_EV_END;
    r.state = DSQ_ST_OK;
    r.exit = 0;
    r.signal = 0;
    ok(dsq_recw_write(w, &r, &err) == 0, "end record written");
    dsq_recw_close(w);
    ok(stat(p1, &st) == 0 && (st.st_mode & 0777) == 0644, "status file mode 0644");

    /* Reopening appends. */
    w = dsq_recw_open(p1, &err);
    r.line = 5;
    ok(w && dsq_recw_write(w, &r, &err) == 0, "append after reopen");
    dsq_recw_close(w);
    dsq_recw_close(NULL);

    nwarnings = 0;
    ok(dsq_record_read_file(p1, collect, &c, &err) == 0, "read back");
    is_int(c.n, 3, "three records");
    ok(c.n == 3 && c.r[0].ev == DSQ_EV_START && c.r[1].ev == DSQ_EV_END &&
           c.r[1].state == DSQ_ST_OK && c.r[2].line == 5,
       "in file order");
    is_int(nwarnings, 0, "no warnings for a clean file");

    /* A torn last line: the crash hit between bytes of the last record. */
    {
        char *text = dsq_record_format(&r);
        struct dsq_buf torn = {0};

        dsq_buf_puts(&torn, text);
        dsq_buf_append(&torn, text, strlen(text) / 2);
        write_raw(p2, torn.data);
        dsq_buf_free(&torn);
        free(text);
    }
    c.n = 0;
    nwarnings = 0;
    warnings.len = 0;
    ok(dsq_record_read_file(p2, collect, &c, &err) == 0, "torn file reads");
    is_int(c.n, 1, "the whole record before the torn one is kept");
    is_int(nwarnings, 1, "one warning");
    ok(warnings.data && strstr(warnings.data, "a1.t1.r0.jsonl:2:"), "warning names file:line: %s",
       warnings.data ? warnings.data : "");

    /* A complete JSON object without its newline is still torn. */
    {
        char *text = dsq_record_format(&r);

        text[strlen(text) - 1] = '\0';
        write_raw(p2, text);
        free(text);
    }
    c.n = 0;
    nwarnings = 0;
    ok(dsq_record_read_file(p2, collect, &c, &err) == 0 && c.n == 0 && nwarnings == 1,
       "a last record without its newline is skipped with a warning");

    /* Garbage in the middle: that line alone is lost. */
    {
        char *text = dsq_record_format(&r);
        struct dsq_buf g = {0};

        dsq_buf_puts(&g, text);
        dsq_buf_puts(&g, "{\"ev\":\"start\", garbage\n");
        dsq_buf_puts(&g, "\n");
        dsq_buf_puts(&g, text);
        write_raw(p2, g.data);
        dsq_buf_free(&g);
        free(text);
    }
    c.n = 0;
    nwarnings = 0;
    warnings.len = 0;
    ok(dsq_record_read_file(p2, collect, &c, &err) == 0, "file with garbage reads");
    is_int(c.n, 2, "both good records kept");
    is_int(nwarnings, 1, "one warning for the garbage line (blank lines are silent)");
    ok(warnings.data && strstr(warnings.data, "a1.t1.r0.jsonl:2:"), "warning names line 2: %s",
       warnings.data ? warnings.data : "");

    /* Empty file. */
    write_raw(p2, "");
    c.n = 0;
    nwarnings = 0;
    ok(dsq_record_read_file(p2, collect, &c, &err) == 0 && c.n == 0 && nwarnings == 0,
       "empty file: no records, no warning");

    /* Missing file: a warning, not an error. */
    dsq_buf_printf(&path, "%s/status/nope.jsonl", dir);
    nwarnings = 0;
    ok(dsq_record_read_file(path.data, collect, &c, &err) == 0 && nwarnings == 1,
       "missing file: warning, returns 0");

    /* The directory: name order, non-.jsonl files ignored. */
    {
        char *text;

        r.line = 99;
        text = dsq_record_format(&r);
        write_raw(p2, text);
        free(text);
        path.len = 0;
        dsq_buf_printf(&path, "%s/status/notes.txt", dir);
        write_raw(path.data, "not a status file\n");
    }
    c.n = 0;
    nwarnings = 0;
    ok(dsq_rundir_read_records(dir, collect, &c, &err) == 0, "directory reads");
    is_int(c.n, 4, "records of both files");
    ok(c.n == 4 && c.r[0].line == 1 && c.r[3].line == 99, "in name order (t0 before t1)");
    is_int(nwarnings, 0, "other files ignored silently");

    /* The callback can stop the read. */
    c.n = 0;
    c.stop_after = 2;
    ok(dsq_rundir_read_records(dir, collect, &c, &err) == -1 && c.n == 2, "callback -1 stops");

    /* The writer refuses to follow a symlink. */
    path.len = 0;
    dsq_buf_printf(&path, "%s/status/a9.t0.r0.jsonl", dir);
    if (symlink("/dev/null", path.data) == 0) {
        dsq_error_clear(&err);
        w = dsq_recw_open(path.data, &err);
        ok(w == NULL && err.kind == DSQ_ERR_SYSTEM && strstr(err.msg, "a9.t0.r0.jsonl"),
           "symlinked status file refused: %s", err.msg);
        dsq_recw_close(w);
    } else {
        ok(0, "symlink");
    }

    free(p1);
    free(p2);
    dsq_buf_free(&path);
    dsq_buf_free(&status);
}

/* The allocation-free scanner and jansson must agree on every record. */
static void
test_scanner_agrees(void)
{
    static const struct {
        const char *text;
        int good;
    } cases[] = {
        {"{\"ev\":\"start\",\"line\":3,\"task\":1,\"attempt\":1,\"t\":1.5}", 1},
        {" { \"ev\" : \"start\" , \"line\" : 3 , \"task\" : 0 , \"attempt\" : 2 , \"t\" : 2 } ", 1},
        {"{\"ev\":\"start\",\"line\":3,\"task\":1,\"attempt\":1,\"t\":1.5,\"host\":\"a\\u00e9\"}",
         1},
        {"{\"ev\":\"start\",\"line\":3,\"line\":4,\"task\":1,\"attempt\":1,\"t\":1e0}", 1},
        {"{\"ev\":\"end\",\"line\":3,\"task\":1,\"attempt\":1,\"t\":1,\"state\":\"failed\","
         "\"exit\":3,\"signal\":0,\"elapsed\":-0.5,\"x\":null,\"y\":true,\"z\":[1]}",
         1},
        {"{\"ev\":\"start\",\"line\":03,\"task\":1,\"attempt\":1,\"t\":1}", 0},
        {"{\"ev\":\"start\",\"line\":3,\"task\":1,\"attempt\":1,\"t\":1,}", 0},
        {"{\"ev\":\"start\",\"line\":3.0,\"task\":1,\"attempt\":1,\"t\":1}", 0},
        {"{\"ev\":\"start\",\"line\":3,\"task\":1,\"attempt\":1,\"t\":\"1\"}", 0},
        {"{\"ev\":\"start\",\"line\":3,\"task\":1,\"attempt\":1,\"t\":1} x", 0},
        {"{\"ev\":\"end\",\"line\":3,\"task\":1,\"attempt\":1,\"t\":1,\"state\":\"okay\"}", 0},
        {"{\"ev\":\"start\",\"line\":99999999999999999999,\"task\":1,\"attempt\":1,\"t\":1}", 0},
    };
    struct dsq_record r;
    struct dsq_error err;

    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int rc = dsq_record_parse(cases[i].text, strlen(cases[i].text), &r, &err);
        ok((rc == 0) == cases[i].good, "record %zu %s", i, cases[i].good ? "accepted" : "refused");
    }
    dsq_record_parse(cases[2].text, strlen(cases[2].text), &r, &err);
    is_str(r.host, "a\xc3\xa9", "escaped string decoded (jansson path)");
    dsq_record_parse(cases[3].text, strlen(cases[3].text), &r, &err);
    is_int(r.line, 4, "duplicate key: the last wins");
    dsq_record_parse(cases[4].text, strlen(cases[4].text), &r, &err);
    ok(r.state == DSQ_ST_FAILED && r.exit == 3 && r.elapsed == -0.5, "end fields read");
}

/* Inputs that crashed fuzz/fuzz-record (fuzz/regress/record/), kept fixed
 * here so that make check needs no clang. */
static void
test_fuzz_regressions(void)
{
    struct dsq_record r;
    struct dsq_error err = {0};
    /* The flat scanner took a string that is not UTF-8, which jansson (and
     * so the same record with an escape elsewhere) refuses. */
    static const char not_utf8[] =
        "{\"ev\":\"start\",\"line\":1,\"task\":0,\"attempt\":1,\"t\":1,\"host\":\"\xff\"}";
    static const char utf8[] =
        "{\"ev\":\"start\",\"line\":1,\"task\":0,\"attempt\":1,\"t\":1,\"host\":\"n\xc3\xb6\"}";

    ok(dsq_record_parse(not_utf8, strlen(not_utf8), &r, &err) < 0 && strstr(err.msg, "0xff"),
       "fuzz: a string that is not UTF-8 is refused on the fast path too: %s", err.msg);
    ok(dsq_record_parse(utf8, strlen(utf8), &r, &err) == 0, "fuzz: a UTF-8 string is read");
    is_str(r.host, "n\xc3\xb6", "fuzz: and kept as it is");

    /* The scanner read numbers with strtod(), which takes "9." and "1.e5";
     * JSON (and jansson) do not. */
    {
        static const char *const bad[] = {"9.", "1.e5", "1e", "1e+", "-", "01", "-01", "+1", ".5"};
        static const char *const good[] = {"9", "-0", "0.5", "1e5", "1E+5", "2.5e-3", "-0.0"};
        char text[128];

        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
            snprintf(text, sizeof text,
                     "{\"ev\":\"start\",\"line\":1,\"task\":0,\"attempt\":1,\"t\":%s}", bad[i]);
            ok(dsq_record_parse(text, strlen(text), &r, &err) < 0, "fuzz: number %s refused",
               bad[i]);
        }
        for (size_t i = 0; i < sizeof good / sizeof *good; i++) {
            snprintf(text, sizeof text,
                     "{\"ev\":\"start\",\"line\":1,\"task\":0,\"attempt\":1,\"t\":%s}", good[i]);
            ok(dsq_record_parse(text, strlen(text), &r, &err) == 0 && r.t == strtod(good[i], NULL),
               "fuzz: number %s read", good[i]);
        }
    }

    /* The scanner reads numbers in one pass, with its own arithmetic where
     * that is exact: every value must be strtod()'s/strtoll()'s exactly,
     * across digit counts on both sides of the fast paths' limits. */
    {
        static const char *const fixed[] = {"999999999999999",        "9999999999999999",
                                            "999999999999999999",     "9223372036854775807",
                                            "0.000000000000001",      "123456789.012345",
                                            "1234567890.1234567",     "0.1",
                                            "1795000000.123456",      "-1795000000.123456",
                                            "0.30000000000000004441", "12345678901234567.5"};
        char text[160], num[64];
        unsigned seed = 7;
        int bad = 0, n = 0;

        for (int i = 0; i < 20000 + (int)(sizeof fixed / sizeof *fixed); i++) {
            if (i < (int)(sizeof fixed / sizeof *fixed)) {
                snprintf(num, sizeof num, "%s", fixed[i]);
            } else {
                int len = 0, digits, point;

                seed = seed * 1103515245u + 12345u;
                digits = 1 + (int)(seed >> 16) % 20;
                point = (int)(seed >> 8) % (digits + 1);
                if (seed & 1)
                    num[len++] = '-';
                for (int d = 0; d < digits; d++) {
                    seed = seed * 1103515245u + 12345u;
                    if (d == point && d > 0)
                        num[len++] = '.';
                    num[len++] = (char)('0' + (d == 0 && point != 1 ? 1 + (seed >> 16) % 9
                                                                    : (seed >> 16) % 10));
                }
                num[len] = '\0';
            }
            snprintf(text, sizeof text,
                     "{\"ev\":\"end\",\"line\":1,\"task\":0,\"attempt\":1,\"t\":%s,"
                     "\"state\":\"ok\",\"elapsed\":%s}",
                     num, num);
            n++;
            errno = 0;
            if (!strchr(num, '.') && (strtoll(num, NULL, 10), errno == ERANGE)) {
                /* An integer beyond long long: refused (jansson agrees). */
                if (dsq_record_parse(text, strlen(text), &r, &err) == 0 && bad++ < 5)
                    printf("#   %s read, should be refused\n", num);
                continue;
            }
            if (dsq_record_parse(text, strlen(text), &r, &err) < 0 || r.t != strtod(num, NULL) ||
                r.elapsed != r.t) {
                if (bad++ < 5)
                    printf("#   %s read as %.17g, strtod says %.17g\n", num, r.t,
                           strtod(num, NULL));
            }
        }
        is_int(
            bad, 0,
            "numbers: %d values read exactly as strtod() reads them (or refused beyond long long)",
            n);
    }

    /* A record written, read back and written again is the same text, for
     * times of every magnitude (rounding to the microsecond near 1e10 s
     * moved a value read back by one microsecond, found by the fuzzer). */
    {
        struct dsq_record w = {0}, p;
        unsigned long long seed = 1;
        int bad = 0, n = 0;

        w.ev = DSQ_EV_END;
        w.line = 1;
        w.attempt = 1;
        w.state = DSQ_ST_OK;
        /* The regression inputs of fuzz/regress/record/format-unstable-*. */
        static const double fixed[] = {3.8160575458127547e+142, 4476923891.3970604,
                                       4494035549.4599514};
        const int nfixed = (int)(sizeof fixed / sizeof *fixed);

        for (int i = -nfixed; i < 200000; i++) {
            char *a, *b;
            double x;

            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            x = (double)(seed >> 11) / 9007199254740992.0;
            if (i < 0)
                x = fixed[i + nfixed];
            else if (i % 3 == 0)
                x = 999999999.0 + 2 * x; /* around the 1e9 s bound */
            else
                x = (x + 0.1) *
                    pow(10, i % 2 ? (int)((seed >> 33) % 300) - 10 : 6 + (int)((seed >> 33) % 6));
            if (i >= 0 && i % 5 == 0)
                x = -x;
            w.t = w.elapsed = w.utime = x;
            a = dsq_record_format(&w);
            b = NULL;
            if (a && dsq_record_parse(a, strlen(a) - 1, &p, &err) == 0)
                b = dsq_record_format(&p);
            n++;
            if (!a || !b || strcmp(a, b)) {
                if (bad++ < 3)
                    printf("#   %.17g: %s   then %s", x, a ? a : "(null)\n", b ? b : "(null)\n");
            }
            free(a);
            free(b);
        }
        is_int(bad, 0, "times: %d records of every magnitude are a fixed point of write + read", n);
    }

    /* A time read back from a record may be any finite double; rounding it
     * to the microsecond overflowed to infinity, which jansson refuses. */
    {
        static const char huge[] = "{\"ev\":\"end\",\"line\":1,\"task\":0,\"attempt\":1,"
                                   "\"t\":1e303,\"state\":\"ok\",\"elapsed\":-1.7e308}";
        struct dsq_record p;
        char *text;

        ok(dsq_record_parse(huge, strlen(huge), &r, &err) == 0, "fuzz: huge times read");
        text = dsq_record_format(&r);
        ok(text != NULL, "fuzz: and formatted again");
        ok(text && dsq_record_parse(text, strlen(text), &p, &err) == 0 &&
               fabs(p.t - 1e303) <= 1e288 && fabs(p.elapsed + 1.7e308) <= 1e293,
           "fuzz: and read back: %s", text ? text : "(null)");
        free(text);
    }

    /* A string longer than its field was cut inside a UTF-8 sequence. */
    {
        struct dsq_buf b = {0};
        char want[256];

        memset(want, 'a', 254);
        want[254] = '\0';
        dsq_buf_printf(&b,
                       "{\"ev\":\"end\",\"line\":1,\"task\":0,\"attempt\":1,\"t\":1,"
                       "\"state\":\"failed\",\"host\":\"%s\xc3\xa9\",\"reason\":\"%s\\u20ac\"}",
                       want, want);
        ok(b.data && dsq_record_parse(b.data, b.len, &r, &err) == 0, "fuzz: long strings read");
        is_str(r.host, want, "fuzz: a long host is cut before a 2-byte character, not inside it");
        is_str(r.reason, want, "fuzz: a long reason is cut before a 3-byte character");
        dsq_buf_free(&b);
    }
}

/* The scanner's fast decimal path gives exactly what strtod() gives. */
static void
test_fast_decimals(void)
{
    struct dsq_record r;
    struct dsq_error err;
    char num[64], buf[256];
    unsigned long bad = 0;

    srand(7);
    for (int i = 0; i < 200000; i++) {
        long long ip = rand() % 2000000000LL, fp = 0;
        int fd = 1 + rand() % 9;
        for (int k = 0; k < fd; k++)
            fp = fp * 10 + rand() % 10;
        snprintf(num, sizeof num, "%s%lld.%0*lld", i % 7 ? "" : "-", ip, fd, fp);
        snprintf(buf, sizeof buf,
                 "{\"ev\":\"end\",\"line\":1,\"task\":0,\"attempt\":1,\"t\":1,\"state\":\"ok\","
                 "\"elapsed\":%s}",
                 num);
        if (dsq_record_parse(buf, strlen(buf), &r, &err) < 0 || r.elapsed != strtod(num, NULL))
            bad++;
    }
    is_int(bad, 0, "200000 decimals read exactly as strtod() reads them");
}

int
main(void)
{
    char tmpl[] = "/tmp/dsq-test-record-XXXXXX";
    char *dir = mkdtemp(tmpl);

    dsq_warn_set(collect_warning, NULL);
    test_states();
    test_format_roundtrip();
    test_oom();
    test_utf8();
    test_parse_errors();
    test_scanner_agrees();
    test_fast_decimals();
    test_fuzz_regressions();
    test_path();
    if (dir) {
        test_write_read(dir);
        dsq_rm_rf(dir);
    } else {
        ok(0, "mkdtemp");
    }
    dsq_buf_free(&warnings);
    return done_testing();
}
