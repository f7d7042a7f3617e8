/* Unit tests for lib/retry (which tries run again) and lib/halt (the
 * failure markers of --max-failures). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fs.h"
#include "lib/halt.h"
#include "lib/retry.h"
#include "lib/rundir.h"
#include "tests/unit/tap.h"

static struct dsq_record
end_of(enum dsq_state st, int exit_code, int sig)
{
    struct dsq_record r;

    memset(&r, 0, sizeof r);
    r.ev = DSQ_EV_END;
    r.state = st;
    r.exit = exit_code;
    r.signal = sig;
    return r;
}

static void
test_retry(void)
{
    struct dsq_retry rp = {0};
    struct dsq_error err = {0};
    struct dsq_record failed3 = end_of(DSQ_ST_FAILED, 3, 0), failed4 = end_of(DSQ_ST_FAILED, 4, 0),
                      killed = end_of(DSQ_ST_SIGNALED, -1, 9), ok = end_of(DSQ_ST_OK, 0, 0),
                      stopped = end_of(DSQ_ST_INTERRUPTED, -1, 15);
    char buf[1024];

    is_int(dsq_retry_parse(&rp, NULL, &err), 0, "no list: any failure");
    rp.retries = 2;
    ok(dsq_retry_wanted(&rp, &failed3, 1) && dsq_retry_wanted(&rp, &killed, 2),
       "any: failed and signaled tries are retried while tries are left");
    ok(!dsq_retry_wanted(&rp, &failed3, 3), "no try left after retries + 1");
    ok(!dsq_retry_wanted(&rp, &ok, 1), "ok is never retried");
    ok(!dsq_retry_wanted(&rp, &stopped, 1), "interrupted is never retried");
    ok(!dsq_retry_wanted(NULL, &failed3, 1), "no policy: no retry");
    is_int(dsq_retry_format(&rp, buf, sizeof buf), 0, "format any");
    is_str(buf, "", "any is the empty list");

    is_int(dsq_retry_parse(&rp, "signal,255,3,3", &err), 0, "a list");
    ok(dsq_retry_wanted(&rp, &failed3, 1) && !dsq_retry_wanted(&rp, &failed4, 1),
       "exit 3 on the list, 4 not");
    ok(dsq_retry_wanted(&rp, &killed, 1), "signal on the list");
    is_int(dsq_retry_format(&rp, buf, sizeof buf), 0, "format a list");
    is_str(buf, "3,255,signal", "canonical: codes ascending, once, then signal");
    is_int(dsq_retry_format(&rp, buf, 5), -1, "too small a buffer");
    is_int(dsq_retry_parse(&rp, "4", &err), 0, "one code");
    ok(!dsq_retry_wanted(&rp, &killed, 1), "signal not on the list");

    {
        static const char *const bad[] = {"0", "256", "x", "3,", ",3", "3,,4", "-1", " 3", "sig"};
        for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
            memset(&err, 0, sizeof err);
            ok(dsq_retry_parse(&rp, bad[i], &err) < 0 && err.kind == DSQ_ERR_INPUT &&
                   strstr(err.msg, bad[i]),
               "bad list '%s' refused, quoted", bad[i]);
        }
    }
}

static void
test_halt(void)
{
    char tmpl[] = "/tmp/test-halt.XXXXXX", *dir = mkdtemp(tmpl);
    struct dsq_error err = {0};
    struct dsq_halt *a, *b;
    size_t *lines = NULL, n = 9;
    char *p;

    ok(dir != NULL, "temp dir");
    a = dsq_halt_create(dir, 2, 3);
    b = dsq_halt_create(dir, 2, 3);
    ok(a && b, "two runners of attempt 2");
    ok(!dsq_halt_reached(a), "not halted before a failure");
    is_int(dsq_halt_read(dir, 2, 3, &lines, &n), 0, "read before");
    ok(n == 0 && !lines, "nothing halted yet");
    is_int(dsq_halt_failed(a, 7, &err), 0, "a: line 7 failed");
    is_int(dsq_halt_failed(b, 9, &err), 0, "b: line 9 failed (skips marker 1)");
    ok(!dsq_halt_reached(a) && !dsq_halt_reached(b), "2 of 3: not halted");
    is_int(dsq_halt_failed(a, 11, &err), 0, "a: line 11 failed (skips marker 2)");
    ok(dsq_halt_reached(a) && dsq_halt_reached(b), "3 of 3: both see the halt");
    is_int(dsq_halt_failed(b, 12, &err), 0, "a failure after the halt");
    p = dsq_rundir_halt_path(dir, 2, 4);
    ok(access(p, F_OK) != 0, "no marker beyond N");
    free(p);
    is_int(dsq_halt_read(dir, 2, 3, &lines, &n), 0, "read after");
    ok(n == 3 && lines && lines[0] == 7 && lines[1] == 9 && lines[2] == 11,
       "the markers name the lines in order");
    free(lines);
    is_int(dsq_halt_read(dir, 1, 3, &lines, &n), 0, "another attempt");
    ok(n == 0, "attempt 1 did not halt");
    is_int(dsq_halt_read(dir, 2, 0, &lines, &n), 0, "max 0");
    ok(n == 0, "an attempt without --max-failures never halted");
    dsq_halt_destroy(a);
    dsq_halt_destroy(b);
    dsq_halt_destroy(NULL);

    /* The directory cannot be made: an error naming it. */
    p = dsq_rundir_path(dir, DSQ_RD_HALT);
    ok(p && dsq_rm_rf(p) == 0, "markers removed");
    {
        FILE *f = fopen(p, "w"); /* a file where the directory goes */

        ok(f != NULL, "a file in the way");
        if (f)
            fclose(f);
    }
    a = dsq_halt_create(dir, 1, 2);
    memset(&err, 0, sizeof err);
    ok(dsq_halt_failed(a, 1, &err) < 0 && err.kind == DSQ_ERR_SYSTEM && strstr(err.msg, "halt"),
       "a marker that cannot be made is a system error naming it: %s", err.msg);
    dsq_halt_destroy(a);
    free(p);
    dsq_rm_rf(dir);
}

int
main(void)
{
    test_retry();
    test_halt();
    return done_testing();
}
