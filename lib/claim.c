/* claim: chunks of an attempt's lines claimed by link(2) (see claim.h).
 * A claim is written whole to a file of the claimer's own and then linked
 * to its chunk's name, so a reader never sees a half-written claim.  NFS v3
 * may answer EEXIST to a retransmitted link that in fact succeeded: the
 * claimer's file then has two links, which is checked. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "claim.h"
#include "fs.h"
#include "rundir.h"
#include "sys.h"

/* A claimer walks the chain this many links past the hint before it
 * writes a new hint, so that late tasks do not walk far. */
#define HINT_EVERY 8

struct dsq_claim {
    char *dir; /* owned: claims/aN */
    size_t npos;
    size_t cursor; /* every position below is claimed */
    unsigned seq;  /* names this claimer's temporary files */
};

struct dsq_claim *
dsq_claim_open(const char *run_dir, unsigned attempt, size_t npos, struct dsq_error *err)
{
    struct dsq_claim *c = calloc(1, sizeof *c);

    if (!c || !(c->dir = dsq_rundir_claims_dir(run_dir, attempt))) {
        free(c);
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        return NULL;
    }
    c->npos = npos;
    if (dsq_mkdir_p(c->dir, 0755, err) < 0) {
        dsq_claim_destroy(c);
        return NULL;
    }
    return c;
}

void
dsq_claim_destroy(struct dsq_claim *c)
{
    if (!c)
        return;
    free(c->dir);
    free(c);
}

/* A small file's text, NUL-terminated, into buf: its length, or -1 with
 * errno. */
static ssize_t
read_small(const char *path, char *buf, size_t size)
{
    ssize_t n, got = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -1;
    while ((size_t)got < size - 1 && (n = read(fd, buf + got, size - 1 - (size_t)got)) != 0) {
        if (n < 0) {
            if (errno == EINTR)
                continue;
            close(fd);
            return -1;
        }
        got += n;
    }
    close(fd);
    buf[got] = '\0';
    return got;
}

/* "<task> <n> <restart>\n": 0, or -1 when it is not that. */
static int
parse_claim(const char *s, size_t *task, size_t *n, unsigned *restart)
{
    unsigned long long t, k;
    unsigned r;
    char nl;

    if (sscanf(s, "%llu %llu %u%c", &t, &k, &r, &nl) != 4 || nl != '\n' || k == 0)
        return -1;
    *task = (size_t)t;
    *n = (size_t)k;
    *restart = r;
    return 0;
}

/* The chunk claimed at first: its length, 0 when unclaimed, -1 on error. */
static int
chunk_at(const struct dsq_claim *c, size_t first, size_t *n, struct dsq_error *err)
{
    char path[4096], text[128];
    size_t task;
    unsigned restart;

    snprintf(path, sizeof path, "%s/c%zu", c->dir, first);
    if (read_small(path, text, sizeof text) < 0) {
        if (errno == ENOENT)
            return 0;
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: %s", path, strerror(errno));
    }
    if (parse_claim(text, &task, n, &restart) < 0)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: not a claim", path);
    return 1;
}

/* Where the chain was when someone last wrote the hint (0 without one). */
static size_t
hint_read(const struct dsq_claim *c)
{
    char path[4096], text[64];
    unsigned long long v;

    snprintf(path, sizeof path, "%s/hint", c->dir);
    if (read_small(path, text, sizeof text) < 0 || sscanf(text, "%llu", &v) != 1)
        return 0;
    return (size_t)v;
}

/* Replace the hint by rename: readers see the old or the new one, whole.
 * Only a hint: a failure costs late tasks a longer walk, nothing else. */
static void
hint_write(struct dsq_claim *c, size_t pos)
{
    char path[4096], text[32];
    int len = snprintf(text, sizeof text, "%zu\n", pos);
    struct dsq_error e = {0};

    snprintf(path, sizeof path, "%s/hint", c->dir);
    (void)dsq_write_file_atomic(path, text, (size_t)len, 0644, &e);
}

/* Write this claimer's claim of n lines for task to a new file of its own:
 * 0 with tmp filled, -1 on error. */
static int
claim_file(struct dsq_claim *c, size_t task, size_t n, unsigned restart, char *tmp, size_t size,
           struct dsq_error *err)
{
    char text[96];
    int len = snprintf(text, sizeof text, "%zu %zu %u\n", task, n, restart), fd;
    char host[256];

    dsq_hostname(host, sizeof host);
    snprintf(tmp, size, "%s/.c.%s.%ld.%u", c->dir, host, (long)getpid(), c->seq++);
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: %s", tmp, strerror(errno));
    if (write(fd, text, (size_t)len) != len || close(fd) < 0) {
        int e = errno;
        unlink(tmp);
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: %s", tmp, strerror(e));
    }
    return 0;
}

int
dsq_claim_take(struct dsq_claim *c, size_t task, unsigned restart, size_t want, size_t *first,
               size_t *n, struct dsq_error *err)
{
    size_t pos = c->cursor, hint = hint_read(c), walked = 0;
    char tmp[4096] = "", path[4096];
    size_t made_n = 0;
    int rc = -1;

    if (hint > pos)
        pos = hint;
    if (want == 0)
        want = 1;
    for (;;) {
        size_t k, len = 0;
        int got;

        if (pos >= c->npos) {
            c->cursor = c->npos;
            if (hint < c->npos)
                hint_write(c, c->npos); /* late tasks end at once */
            rc = 0;
            break;
        }
        k = c->npos - pos < want ? c->npos - pos : want;
        /* The claim file says how many: a shorter tail needs a new one. */
        if (tmp[0] && made_n != k) {
            unlink(tmp);
            tmp[0] = '\0';
        }
        if (!tmp[0]) {
            if (claim_file(c, task, k, restart, tmp, sizeof tmp, err) < 0)
                return -1;
            made_n = k;
        }
        snprintf(path, sizeof path, "%s/c%zu", c->dir, pos);
        if (link(tmp, path) == 0) {
            got = 1;
        } else if (errno == EEXIST) {
            struct stat st;
            /* A lost reply to a link that did happen: ours has two names. */
            got = stat(tmp, &st) == 0 && st.st_nlink == 2;
        } else {
            dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: %s", path, strerror(errno));
            break;
        }
        if (got) {
            *first = pos;
            *n = k;
            c->cursor = pos + k;
            if (walked >= HINT_EVERY || c->cursor >= c->npos)
                hint_write(c, c->cursor);
            rc = 1;
            break;
        }
        got = chunk_at(c, pos, &len, err);
        if (got < 0)
            break;
        if (got == 0) /* claimed, then gone: never; try it again */
            continue;
        pos += len;
        walked++;
    }
    if (tmp[0])
        unlink(tmp);
    return rc;
}

int
dsq_claim_read(const char *run_dir, unsigned attempt, dsq_claim_fn fn, void *arg,
               struct dsq_error *err)
{
    char *dir = dsq_rundir_claims_dir(run_dir, attempt);
    struct dirent *de;
    DIR *d;
    int rc = 0;

    if (!dir)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    if (!(d = opendir(dir))) {
        if (errno != ENOENT)
            rc = dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: %s", dir, strerror(errno));
        free(dir);
        return rc;
    }
    while ((de = readdir(d))) {
        char path[4096], text[128], *end;
        unsigned long long first;
        size_t task, n;
        unsigned restart;

        if (de->d_name[0] != 'c' || de->d_name[1] < '0' || de->d_name[1] > '9')
            continue;
        errno = 0;
        first = strtoull(de->d_name + 1, &end, 10);
        if (*end || errno)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        if (read_small(path, text, sizeof text) < 0) {
            rc = dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: %s", path, strerror(errno));
            break;
        }
        if (parse_claim(text, &task, &n, &restart) < 0) {
            rc = dsq_errprintf(err, DSQ_ERR_INPUT, "%s: not a claim", path);
            break;
        }
        if (fn((size_t)first, n, task, restart, arg) < 0) {
            rc = -1;
            break;
        }
    }
    closedir(d);
    free(dir);
    return rc;
}

size_t
dsq_claim_chunk(const struct dsq_claim_sizing *s)
{
    unsigned w = s->slots ? s->slots : 1;
    double c = 1;

    if (s->mean_s >= 0) {
        c = s->mean_s > 0 ? floor(DSQ_CLAIM_CHUNK_S * w / s->mean_s) : DSQ_CLAIM_MAX_CHUNK;
        if (c > DSQ_CLAIM_MAX_CHUNK)
            c = DSQ_CLAIM_MAX_CHUNK;
        if (s->prev && c > 2.0 * (double)s->prev)
            c = 2.0 * (double)s->prev;
        if (c < 1)
            c = 1;
    }
    if (s->line_time > 0 && s->time_left >= 0) {
        /* A chunk's lines start as the task's slots free up, each of which
         * may still run a line for up to line_time: the last of c lines
         * ends by (ceil(c / w) + 1) x line_time.  One line claimed when a
         * slot is free starts at once and needs only line_time. */
        double rounds = floor(s->time_left / s->line_time);

        if (rounds < 1)
            return 0;
        if (c > (rounds - 1) * w)
            c = (rounds - 1) * w;
        if (c < 1)
            c = 1;
    }
    return (size_t)c;
}
