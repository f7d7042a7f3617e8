/* cgroup: a line's OOM kill told by the kernel's counter of its memory
 * cgroup (see cgroup.h).  The runner's lines run in the runner's cgroup
 * (Slurm's task/cgroup puts the whole array task in one), so a kill counted
 * there while a line died of SIGKILL is that line's.  Read only when a line
 * ends by SIGKILL: the counter costs nothing while lines succeed. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cgroup.h"

/* The text of a small file (proc, cgroup) into buf, NUL-terminated; -1 when
 * it cannot be read. */
static int
read_small(const char *path, char *buf, size_t n)
{
    size_t len = 0;
    ssize_t k;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0)
        return -1;
    while (len + 1 < n && (k = read(fd, buf + len, n - 1 - len)) != 0) {
        if (k < 0) {
            if (errno == EINTR)
                continue;
            close(fd);
            return -1;
        }
        len += (size_t)k;
    }
    buf[len] = '\0';
    close(fd);
    return 0;
}

/* Field i (0-based, space separated) of line [p, end) copied to out with
 * mountinfo's octal escapes (\040 for a space) undone; -1 without it. */
static int
field(const char *p, const char *end, int i, char *out, size_t n)
{
    size_t k = 0;

    for (; i > 0 && p < end; i--) {
        while (p < end && *p != ' ')
            p++;
        while (p < end && *p == ' ')
            p++;
    }
    if (p >= end)
        return -1;
    while (p < end && *p != ' ') {
        char c = *p++;
        if (c == '\\' && end - p >= 3 && p[0] >= '0' && p[0] <= '3' && p[1] >= '0' && p[1] <= '7' &&
            p[2] >= '0' && p[2] <= '7') {
            c = (char)((p[0] - '0') * 64 + (p[1] - '0') * 8 + (p[2] - '0'));
            p += 3;
        }
        if (k + 1 >= n)
            return -1;
        out[k++] = c;
    }
    out[k] = '\0';
    return 0;
}

/* Whether the comma-separated list [p, p + len) has word. */
static int
has_word(const char *p, size_t len, const char *word)
{
    size_t w = strlen(word);
    const char *end = p + len;

    while (p < end) {
        const char *q = memchr(p, ',', (size_t)(end - p));
        if (!q)
            q = end;
        if ((size_t)(q - p) == w && !memcmp(p, word, w))
            return 1;
        p = q + 1;
    }
    return 0;
}

/* The mount point and root of the v1 memory hierarchy (v2: the cgroup2
 * mount) in mountinfo; -1 when not mounted. */
static int
find_mount(const char *mountinfo, int v2, char *point, char *root, size_t n)
{
    const char *p = mountinfo;

    while (p && *p) {
        const char *end = strchr(p, '\n'), *sep;
        char fstype[32];

        if (!end)
            end = p + strlen(p);
        /* The optional fields end at " - "; fstype, source, options follow. */
        sep = strstr(p, " - ");
        if (sep && sep < end && field(sep + 3, end, 0, fstype, sizeof fstype) == 0) {
            int hit = 0;
            if (v2)
                hit = !strcmp(fstype, "cgroup2");
            else if (!strcmp(fstype, "cgroup")) {
                char opts[512];
                if (field(sep + 3, end, 2, opts, sizeof opts) == 0)
                    hit = has_word(opts, strlen(opts), "memory");
            }
            if (hit && field(p, end, 3, root, n) == 0 && field(p, end, 4, point, n) == 0)
                return 0;
        }
        p = *end ? end + 1 : end;
    }
    return -1;
}

int
dsq_cgroup_counter_path(const char *proc_cgroup, const char *mountinfo, char *path, size_t n)
{
    for (int v2 = 0; v2 <= 1; v2++) {
        const char *p = proc_cgroup, *cg = NULL;
        size_t cglen = 0;
        char point[4096], root[4096];

        /* "ID:controllers:path"; v2's is "0::path". */
        while (p && *p && !cg) {
            const char *end = strchr(p, '\n'), *c1 = strchr(p, ':'), *c2;
            if (!end)
                end = p + strlen(p);
            if (c1 && c1 < end && (c2 = memchr(c1 + 1, ':', (size_t)(end - c1 - 1)))) {
                size_t clen = (size_t)(c2 - c1 - 1);
                if (v2 ? clen == 0 && !strncmp(p, "0:", 2) : has_word(c1 + 1, clen, "memory")) {
                    cg = c2 + 1;
                    cglen = (size_t)(end - cg);
                }
            }
            p = *end ? end + 1 : end;
        }
        if (!cg || find_mount(mountinfo, v2, point, root, sizeof point) < 0)
            continue;
        /* A mount of a subtree: the cgroup's path below its root. */
        if (strcmp(root, "/") && !strncmp(cg, root, strlen(root)) && strlen(root) <= cglen) {
            cglen -= strlen(root);
            cg += strlen(root);
        }
        while (cglen && cg[cglen - 1] == '/')
            cglen--;
        if ((size_t)snprintf(path, n, "%s%s%.*s/%s", point, cglen && cg[0] != '/' ? "/" : "",
                             (int)cglen, cg, v2 ? "memory.events" : "memory.oom_control") >= n)
            return -1;
        return 0;
    }
    return -1;
}

int
dsq_cgroup_parse_oom_kill(const char *text, long long *count)
{
    const char *p = text;

    while (p && *p) {
        if (!strncmp(p, "oom_kill ", 9)) {
            char *e;
            long long v;
            errno = 0;
            v = strtoll(p + 9, &e, 10);
            if (e == p + 9 || errno || v < 0 || (*e && *e != '\n'))
                return -1;
            *count = v;
            return 0;
        }
        p = strchr(p, '\n');
        if (p)
            p++;
    }
    return -1;
}

/* The counter now, or -1. */
static long long
read_count(const struct dsq_cgroup_oom *c)
{
    char buf[1024];
    long long v;

    if (!c->path[0] || read_small(c->path, buf, sizeof buf) < 0 ||
        dsq_cgroup_parse_oom_kill(buf, &v) < 0)
        return -1;
    return v;
}

int
dsq_cgroup_oom_open(struct dsq_cgroup_oom *c)
{
    static char self[8192], mounts[65536];
    long long v;

    memset(c, 0, sizeof *c);
    if (read_small("/proc/self/cgroup", self, sizeof self) < 0 ||
        read_small("/proc/self/mountinfo", mounts, sizeof mounts) < 0 ||
        dsq_cgroup_counter_path(self, mounts, c->path, sizeof c->path) < 0 ||
        (v = read_count(c)) < 0) {
        memset(c, 0, sizeof *c);
        return -1;
    }
    c->seen = v;
    return 0;
}

int
dsq_cgroup_oom_line(struct dsq_cgroup_oom *c, int status)
{
    long long v;

    if (!((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ||
          (WIFEXITED(status) && WEXITSTATUS(status) == 128 + SIGKILL)))
        return 0;
    if ((v = read_count(c)) > c->seen) {
        c->unclaimed += v - c->seen;
        c->seen = v;
    }
    if (c->unclaimed <= 0)
        return 0;
    c->unclaimed--;
    return 1;
}
