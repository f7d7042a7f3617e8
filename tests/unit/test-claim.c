/* Unit tests for lib/claim: chunk sizes, and many processes claiming the
 * same attempt at once, each position claimed exactly once. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/claim.h"
#include "lib/fs.h"
#include "lib/rundir.h"
#include "tests/unit/tap.h"

static void
test_chunk(void)
{
    struct dsq_claim_sizing s = {-1, 4, 0, 0, -1};

    is_int(dsq_claim_chunk(&s), 1, "nothing measured: one line");
    s.mean_s = 100;
    is_int(dsq_claim_chunk(&s), 1, "long lines: one at a time");
    s.mean_s = 0.01;
    is_int(dsq_claim_chunk(&s), DSQ_CLAIM_MAX_CHUNK, "tiny lines: the most");
    s.prev = 4;
    is_int(dsq_claim_chunk(&s), 8, "growing at most twice the last chunk");
    s.prev = 0;
    s.mean_s = 0.5;
    is_int(dsq_claim_chunk(&s), 16, "4 slots, 0.5 s lines: 2 s of work each");
    s.line_time = 60;
    s.time_left = 59;
    is_int(dsq_claim_chunk(&s), 0, "-t longer than the time left: nothing");
    s.time_left = 61;
    is_int(dsq_claim_chunk(&s), 1, "time for one line: one, claimed when a slot is free");
    s.time_left = 181;
    is_int(dsq_claim_chunk(&s), 8, "three rounds left: two rounds of 4 slots");
    s.time_left = 1e6;
    is_int(dsq_claim_chunk(&s), 16, "plenty of time: by duration");
}

#define NPOS 5000
#define NPROC 24

/* Each child claims until nothing is left, writing "first n" per chunk. */
static void
claimer(const char *run_dir, size_t task, int fd)
{
    struct dsq_error err = {0};
    struct dsq_claim *c = dsq_claim_open(run_dir, 1, NPOS, &err);
    size_t first, n, want = 1 + task % 7;
    char line[64];
    int rc;

    if (!c)
        _exit(2);
    while ((rc = dsq_claim_take(c, task, 0, want, &first, &n, &err)) == 1) {
        int len = snprintf(line, sizeof line, "%zu %zu %zu\n", first, n, task);
        if (write(fd, line, (size_t)len) != len)
            _exit(3);
    }
    dsq_claim_destroy(c);
    _exit(rc == 0 ? 0 : 4);
}

static unsigned char by_take[NPOS], by_read[NPOS];
static size_t read_task[NPOS];

static int
on_claim(size_t first, size_t n, size_t task, unsigned restart, void *arg)
{
    (void)restart;
    (void)arg;
    for (size_t p = first; p < first + n && p < NPOS; p++) {
        by_read[p]++;
        read_task[p] = task;
    }
    return 0;
}

static void
test_race(void)
{
    char tmpl[] = "/tmp/test-claim.XXXXXX", *dir = mkdtemp(tmpl);
    char path[256];
    struct dsq_error err = {0};
    size_t once = 0, twice = 0, agree = 0;
    unsigned long first, n, task;
    int good = 1, st;
    FILE *f;

    snprintf(path, sizeof path, "%s/claims.txt", dir);
    /* The children must not write our buffered TAP lines again (valgrind
     * flushes a child's stdio at _exit). */
    fflush(stdout);
    fflush(stderr);
    for (size_t k = 0; k < NPROC; k++) {
        int fd = open(path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        pid_t pid = fork();

        if (pid == 0)
            claimer(dir, k, fd);
        close(fd);
    }
    while (wait(&st) > 0)
        good &= WIFEXITED(st) && WEXITSTATUS(st) == 0;
    ok(good, "%d processes claimed until nothing was left", NPROC);
    f = fopen(path, "r");
    while (f && fscanf(f, "%lu %lu %lu", &first, &n, &task) == 3)
        for (size_t p = first; p < first + n && p < NPOS; p++)
            by_take[p]++;
    if (f)
        fclose(f);
    is_int(dsq_claim_read(dir, 1, on_claim, NULL, &err), 0, "claims read back");
    for (size_t p = 0; p < NPOS; p++) {
        once += by_take[p] == 1;
        twice += by_take[p] > 1;
        agree += by_read[p] == 1;
    }
    is_int(once, NPOS, "every position claimed");
    is_int(twice, 0, "none claimed twice");
    is_int(agree, NPOS, "the claims read back say the same");
    is_int(dsq_claim_read("/nonexistent-dir", 1, on_claim, NULL, &err), 0, "no claims: none");
    {
        struct dsq_claim *c = dsq_claim_open(dir, 1, NPOS, &err);
        size_t f0, n0;
        ok(c && dsq_claim_take(c, 99, 0, 5, &f0, &n0, &err) == 0, "a late claimer finds nothing");
        dsq_claim_destroy(c);
    }
    dsq_rm_rf(dir);
}

int
main(void)
{
    test_chunk();
    test_race();
    return done_testing();
}
