/* halt: see halt.h. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fs.h"
#include "halt.h"
#include "parse.h"
#include "rundir.h"

struct dsq_halt {
    char *run_dir;
    unsigned attempt;
    unsigned long max;  /* N */
    unsigned long next; /* the first marker not known to be taken */
    char *last;         /* marker N's path */
    int made_dir;
    int halted;
};

struct dsq_halt *
dsq_halt_create(const char *run_dir, unsigned attempt, unsigned long max_failures)
{
    struct dsq_halt *h = calloc(1, sizeof *h);

    if (!h)
        return NULL;
    h->attempt = attempt;
    h->max = max_failures ? max_failures : 1;
    h->next = 1;
    if (!(h->run_dir = strdup(run_dir)) ||
        !(h->last = dsq_rundir_halt_path(run_dir, attempt, h->max))) {
        dsq_halt_destroy(h);
        return NULL;
    }
    return h;
}

void
dsq_halt_destroy(struct dsq_halt *h)
{
    if (!h)
        return;
    free(h->run_dir);
    free(h->last);
    free(h);
}

int
dsq_halt_reached(struct dsq_halt *h)
{
    struct stat st;

    if (!h->halted && lstat(h->last, &st) == 0)
        h->halted = 1;
    return h->halted;
}

int
dsq_halt_failed(struct dsq_halt *h, size_t line, struct dsq_error *err)
{
    char text[32];
    int len = snprintf(text, sizeof text, "%zu\n", line);

    if (!h->made_dir) {
        char *dir = dsq_rundir_halt_path(h->run_dir, h->attempt, 0);
        int rc =
            dir ? dsq_mkdir_p(dir, 0755, err) : dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");

        free(dir);
        if (rc < 0)
            return -1;
        h->made_dir = 1;
    }
    /* Numbers below next are taken (by us or another runner): the next
     * create is usually the one that succeeds. */
    while (h->next <= h->max) {
        char *path = dsq_rundir_halt_path(h->run_dir, h->attempt, h->next);
        int fd;

        if (!path)
            return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
        if (fd < 0 && errno == EEXIST) {
            free(path);
            h->next++;
            continue;
        }
        if (fd < 0) {
            dsq_errno(err, DSQ_ERR_SYSTEM, errno, "cannot create %s", path);
            free(path);
            return -1;
        }
        /* The number is ours once the file exists; the line in it is for
         * report to name the failure. */
        if (write(fd, text, (size_t)len) != len) {
            dsq_errno(err, DSQ_ERR_SYSTEM, errno, "cannot write %s", path);
            close(fd);
            free(path);
            return -1;
        }
        close(fd);
        free(path);
        h->next++;
        break;
    }
    if (h->next > h->max)
        h->halted = 1;
    return 0;
}

int
dsq_halt_read(const char *run_dir, unsigned attempt, unsigned long max_failures, size_t **lines,
              size_t *n)
{
    char *last;
    struct stat st;
    int halted;

    *lines = NULL;
    *n = 0;
    if (max_failures == 0)
        return 0;
    if (!(last = dsq_rundir_halt_path(run_dir, attempt, max_failures)))
        return -1;
    halted = lstat(last, &st) == 0;
    free(last);
    if (!halted)
        return 0;
    if (!(*lines = calloc(max_failures, sizeof **lines)))
        return -1;
    for (unsigned long k = 1; k <= max_failures; k++) {
        char *path = dsq_rundir_halt_path(run_dir, attempt, k), *data = NULL;
        struct dsq_error e = {0};
        unsigned long v;
        size_t len;

        if (!path) {
            free(*lines);
            *lines = NULL;
            return -1;
        }
        if (dsq_read_file(path, &data, &len, &e) == 0) {
            if (len > 0 && data[len - 1] == '\n')
                data[len - 1] = '\0';
            if (dsq_parse_ulong(data, 1, (unsigned long)-1, &v) == 0)
                (*lines)[k - 1] = (size_t)v;
        }
        free(data);
        free(path);
    }
    *n = max_failures;
    return 0;
}
