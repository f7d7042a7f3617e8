/* Unit tests for lib/autopsy.c: --states parsing, the dSQ-style summary,
 * writing the lines to run again byte-exact, and the import of dSQ's own
 * status TSV (0-based indexes, tabs in commands, completion order, requeued
 * indexes, malformed rows). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/autopsy.h"
#include "lib/buf.h"
#include "tests/unit/tap.h"

static struct dsq_buf warnings;

static void
collect_warning(const char *msg, void *arg)
{
    (void)arg;
    dsq_buf_printf(&warnings, "%s\n", msg);
}

static char tmpdir[] = "/tmp/dsq-test-autopsy-XXXXXX";

static char *
write_tmp(const char *name, const char *data, size_t len)
{
    struct dsq_buf p = {0};
    FILE *f;

    dsq_buf_printf(&p, "%s/%s", tmpdir, name);
    f = fopen(p.data, "wb");
    if (!f)
        return p.data;
    fwrite(data, 1, len, f);
    fclose(f);
    return p.data;
}

static void
test_states(void)
{
    struct dsq_error err = {0};
    unsigned mask = 0;

    is_int(dsq_autopsy_parse_states("failed", &mask, &err), 0, "states: one state");
    is_int(mask, 1u << DSQ_ST_FAILED, "states: failed only");
    is_int(dsq_autopsy_parse_states("failed,lost,not_run", &mask, &err), 0, "states: a list");
    is_int(mask, (1u << DSQ_ST_FAILED) | (1u << DSQ_ST_LOST) | (1u << DSQ_ST_NOT_RUN),
           "states: failed, lost, not_run");
    is_int(dsq_autopsy_parse_states("all", &mask, &err), 0, "states: all");
    is_int(mask, (1u << DSQ_ST__COUNT) - 1, "states: all is every state");
    is_int(dsq_autopsy_parse_states("ok,ok", &mask, &err), 0, "states: repeated is fine");
    is_int(mask, 1u << DSQ_ST_OK, "states: ok");

    mask = 12345;
    is_int(dsq_autopsy_parse_states("failed,bogus", &mask, &err), -1, "states: unknown fails");
    is_int(err.kind, DSQ_ERR_INPUT, "states: unknown is an input error");
    ok(strstr(err.msg, "'bogus'") != NULL, "states: error names the bad state: %s", err.msg);
    ok(strstr(err.msg, "not_run") != NULL, "states: error lists the known states");
    is_int(mask, 12345, "states: mask untouched on error");
    is_int(dsq_autopsy_parse_states("failed,,lost", &mask, &err), -1, "states: empty item fails");
    ok(strstr(err.msg, "empty") != NULL, "states: says empty: %s", err.msg);
    is_int(dsq_autopsy_parse_states("", &mask, &err), -1, "states: empty string fails");
    is_int(dsq_autopsy_parse_states("Failed", &mask, &err), -1, "states: names are exact");
    is_int(dsq_autopsy_parse_states("failed ", &mask, &err), -1, "states: no blanks");
}

static void
test_summary(void)
{
    size_t counts[DSQ_ST__COUNT] = {0};
    char *s;

    s = dsq_autopsy_summary(counts);
    is_str(s, "0 succeeded, 0 failed, 0 didn't run", "summary: all zero");
    free(s);
    counts[DSQ_ST_OK] = 7;
    counts[DSQ_ST_FAILED] = 2;
    counts[DSQ_ST_NOT_RUN] = 1;
    s = dsq_autopsy_summary(counts);
    is_str(s, "7 succeeded, 2 failed, 1 didn't run", "summary: dSQ's three");
    free(s);
    counts[DSQ_ST_SIGNALED] = 3;
    counts[DSQ_ST_LOST] = 4;
    counts[DSQ_ST_RUNNING] = 5;
    s = dsq_autopsy_summary(counts);
    is_str(s, "7 succeeded, 2 failed, 1 didn't run, 3 signaled, 4 lost, 5 running",
           "summary: other non-zero states follow in order");
    free(s);
    counts[DSQ_ST_INTERRUPTED] = 1;
    counts[DSQ_ST_PENDING] = 9;
    s = dsq_autopsy_summary(counts);
    is_str(s,
           "7 succeeded, 2 failed, 1 didn't run, 3 signaled, 1 interrupted, 4 lost, 9 pending, "
           "5 running",
           "summary: every state");
    free(s);
}

/* autopsy_write from a hand-made merged view: bytes as in the job file. */
static void
test_write(void)
{
    static const char job[] = "echo ok\r\n"
                              "# comment\n"
                              "printf '\xff\xfe'\r\n"
                              "\n"
                              "echo \xc3\xa9t\xe9\n"
                              "  echo spaced  \n"
                              "exit 3";
    struct dsq_error err = {0};
    struct dsq_report r;
    struct dsq_line_info lines[5];
    char *data = malloc(sizeof job);
    char *buf = NULL;
    size_t len = 0, count = 99;
    FILE *out;

    memcpy(data, job, sizeof job);
    memset(&r, 0, sizeof r);
    memset(lines, 0, sizeof lines);
    r.jf = dsq_jobfile_parse(data, sizeof job - 1, "job", &err);
    ok(r.jf && r.jf->ncmds == 5, "write: job file has 5 commands");
    if (!r.jf)
        return;
    r.lines = lines;
    r.nlines = 5;
    lines[0].state = DSQ_ST_OK;
    lines[1].state = DSQ_ST_FAILED;
    lines[2].state = DSQ_ST_SIGNALED;
    lines[3].state = DSQ_ST_NOT_RUN;
    lines[4].state = DSQ_ST_LOST;

    out = open_memstream(&buf, &len);
    is_int(dsq_autopsy_write(&r, DSQ_AUTOPSY_DEFAULT_STATES, out, &count), 0, "write: ok");
    fclose(out);
    is_int(count, 4, "write: four lines to run again");
    ok(len == strlen("printf '\xff\xfe'\necho \xc3\xa9t\xe9\n  echo spaced  \nexit 3\n") &&
           !memcmp(buf, "printf '\xff\xfe'\necho \xc3\xa9t\xe9\n  echo spaced  \nexit 3\n", len),
       "write: byte-exact, CRLF dropped, blanks kept, job-file order");
    free(buf);

    buf = NULL;
    out = open_memstream(&buf, &len);
    is_int(dsq_autopsy_write(&r, 1u << DSQ_ST_OK, out, &count), 0, "write: --states ok");
    fclose(out);
    is_int(count, 1, "write: one ok line");
    is_str(buf, "echo ok\n", "write: the ok line without its \\r");
    free(buf);

    buf = NULL;
    out = open_memstream(&buf, &len);
    is_int(dsq_autopsy_write(&r, 1u << DSQ_ST_RUNNING, out, &count), 0, "write: none match");
    fclose(out);
    is_int(count, 0, "write: zero lines");
    is_int(len, 0, "write: nothing written");
    free(buf);
    dsq_jobfile_destroy(r.jf);
}

static void
test_dsq_tsv(void)
{
    /* index: 0 comment, 1 a, 2 blank, 3 b<TAB>c, 4 "  # indented" (a command
     * to dSQ), 5 d, 6 e (CRLF), 7 blank-with-spaces, 8 f (no row), 9 g (no
     * newline at the end). */
    static const char job[] = "# comment\n"
                              "echo a\n"
                              "\n"
                              "echo b\tc\n"
                              "  # indented\n"
                              "echo d\n"
                              "echo e \xff\r\n"
                              "   \n"
                              "echo f\n"
                              "echo g";
    static const char tsv[] =
        "1\t1\tnode1\t2024-01-01 10:00:00\t2024-01-01 10:00:01\t1.00\techo a\n"
        "5\t0\tnode1\t2024-01-01 10:00:00\t2024-01-01 10:00:01\t1.00\techo d\n"
        "3\t1\tnode2\t2024-01-01 10:00:00\t2024-01-01 10:00:02\t2.00\techo b\tc\n"
        "this row is garbage\n"
        "4\t0\tnode2\t2024-01-01 10:00:00\t2024-01-01 10:00:02\t2.00\t# indented\n"
        "6\t-9\tnode3\t2024-01-01 10:00:00\t2024-01-01 10:00:03\t3.00\techo e \xff\r\n"
        "99\t0\tnode3\t2024-01-01 10:00:00\t2024-01-01 10:00:03\t3.00\tnot there\n"
        "0\t0\tnode3\t2024-01-01 10:00:00\t2024-01-01 10:00:03\t3.00\t# comment\n"
        "x\t0\tnode3\t2024-01-01 10:00:00\t2024-01-01 10:00:03\t3.00\techo a\n"
        "1\t0\tnode1\t2024-01-01 10:01:00\t2024-01-01 10:01:01\t1.00\techo a\n"
        "5\t2\tnode1\t2024-01-01 10:01:00\t2024-01-01 10:01:01\t1.00\techo d\n"
        "9\tzero\tnode1\t2024-01-01 10:01:00\t2024-01-01 10:01:01\t1.00\techo g\n"
        "9\t0\tnode1\t2024-01-01 10:01:00\t2024-01-01 10:01:01\t1.00\techo g";
    static const char want[] = "echo b\tc\necho d\necho e \xff\necho f\n";
    size_t counts[DSQ_ST__COUNT];
    struct dsq_error err = {0};
    char *jpath = write_tmp("job.txt", job, sizeof job - 1);
    char *tpath = write_tmp("job_42_status.tsv", tsv, sizeof tsv - 1);
    char *buf = NULL, *w;
    size_t len = 0;
    FILE *out;
    struct dsq_buf expect = {0};

    warnings.len = 0;
    out = open_memstream(&buf, &len);
    is_int(dsq_autopsy_dsq_tsv(jpath, tpath, out, counts, &err), 0, "dsq: import works: %s",
           err.msg);
    fclose(out);
    ok(len == sizeof want - 1 && !memcmp(buf, want, len),
       "dsq: lines to run again, byte-exact, job-file order (got \"%s\")", buf ? buf : "");
    is_int(counts[DSQ_ST_OK], 3, "dsq: ok = a (requeued: last row wins), indented, g");
    is_int(counts[DSQ_ST_FAILED], 2, "dsq: failed = b (tab in command), d (requeued, failed)");
    is_int(counts[DSQ_ST_SIGNALED], 1, "dsq: signaled = e (exit -9)");
    is_int(counts[DSQ_ST_NOT_RUN], 1, "dsq: not_run = f");
    is_int(counts[DSQ_ST_LOST] + counts[DSQ_ST_PENDING] + counts[DSQ_ST_RUNNING] +
               counts[DSQ_ST_INTERRUPTED],
           0, "dsq: no other states");
    w = warnings.data ? warnings.data : "";
    dsq_buf_printf(&expect, "%s:4: malformed row", tpath);
    ok(strstr(w, expect.data) != NULL, "dsq: malformed row warns with file:line");
    expect.len = 0;
    dsq_buf_printf(&expect, "%s:7: index 99 is not a line of", tpath);
    ok(strstr(w, expect.data) != NULL, "dsq: index past the end warns");
    expect.len = 0;
    dsq_buf_printf(&expect, "%s:8: index 0 is a comment or blank line", tpath);
    ok(strstr(w, expect.data) != NULL, "dsq: index of a comment warns");
    expect.len = 0;
    dsq_buf_printf(&expect, "%s:9: malformed row (index 'x'", tpath);
    ok(strstr(w, expect.data) != NULL, "dsq: a bad index warns");
    expect.len = 0;
    dsq_buf_printf(&expect, "%s:12: malformed row (exit status 'zero'", tpath);
    ok(strstr(w, expect.data) != NULL, "dsq: a bad exit status warns");
    ok(strstr(w, "differs") == NULL, "dsq: commands match the job file (%s)", w);
    free(buf);
    dsq_buf_free(&expect);

    /* The wrong job file: rows name other commands. */
    {
        static const char other[] = "x\ny\n";
        char *opath = write_tmp("other.txt", other, sizeof other - 1);
        static const char t2[] = "0\t0\th\ts\te\t1.00\tsomething else\n";
        char *t2path = write_tmp("t2.tsv", t2, sizeof t2 - 1);

        warnings.len = 0;
        buf = NULL;
        out = open_memstream(&buf, &len);
        is_int(dsq_autopsy_dsq_tsv(opath, t2path, out, counts, &err), 0, "dsq: other job file");
        fclose(out);
        is_str(buf, "y\n", "dsq: index 1 never ran");
        ok(warnings.data && strstr(warnings.data, "differs"),
           "dsq: a command that differs from the job file warns");
        free(buf);
        unlink(opath);
        unlink(t2path);
        free(opath);
        free(t2path);
    }

    /* An empty status file: nothing ran. */
    {
        char *epath = write_tmp("empty.tsv", "", 0);
        buf = NULL;
        out = open_memstream(&buf, &len);
        is_int(dsq_autopsy_dsq_tsv(jpath, epath, out, counts, &err), 0, "dsq: empty status");
        fclose(out);
        is_int(counts[DSQ_ST_NOT_RUN], 7, "dsq: every command line not run");
        is_str(buf, "echo a\necho b\tc\n  # indented\necho d\necho e \xff\necho f\necho g\n",
               "dsq: every command line printed");
        free(buf);
        unlink(epath);
        free(epath);
    }

    /* Errors name the file. */
    buf = NULL;
    out = open_memstream(&buf, &len);
    is_int(dsq_autopsy_dsq_tsv(jpath, "/nonexistent/job_1_status.tsv", out, counts, &err), -1,
           "dsq: a missing status file fails");
    ok(strstr(err.msg, "/nonexistent/job_1_status.tsv") != NULL, "dsq: error names it: %s",
       err.msg);
    is_int(dsq_autopsy_dsq_tsv("/nonexistent/jobs.txt", tpath, out, counts, &err), -1,
           "dsq: a missing job file fails");
    ok(strstr(err.msg, "/nonexistent/jobs.txt") != NULL, "dsq: error names it: %s", err.msg);
    fclose(out);
    free(buf);

    unlink(jpath);
    unlink(tpath);
    free(jpath);
    free(tpath);
}

int
main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    dsq_warn_set(collect_warning, NULL);
    test_states();
    test_summary();
    test_write();
    test_dsq_tsv();
    rmdir(tmpdir);
    dsq_buf_free(&warnings);
    return done_testing();
}
