/* spawner: start a pool's lines through the dsq-spawn helper, or here when
 * there is none (see spawner.h and lib/spawn-proto.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "spawn-proto.h"
#include "spawner.h"

#ifndef DSQ_PKGLIBEXECDIR
#define DSQ_PKGLIBEXECDIR "/usr/local/libexec/dsq"
#endif

/* How long dsq_spawner_destroy() waits for the helper to go. */
#define HELPER_EXIT_MS 3000

struct dsq_spawner {
    char **envp;     /* environ minus the per-line names, then a line's own */
    size_t env_base; /* entries of envp before a line's variables */
    size_t env_cap;
    posix_spawnattr_t attr; /* own group, default signals, empty mask */
    pid_t helper;           /* 0: lines are spawned here */
    int sock;               /* to the helper, -1 without one */
    /* Exit notes read while waiting for a reply, handed out first. */
    struct dsq_spawn_msg *notes;
    size_t nnotes, first, cap;
};

static int
env_init(struct dsq_spawner *s, const char *const *names, size_t n)
{
    size_t total = 0, k = 0;

    for (char **e = environ; *e; e++)
        total++;
    s->env_cap = total + DSQ_SPAWNER_MAX_VARS + 1;
    if (!(s->envp = calloc(s->env_cap, sizeof *s->envp)))
        return -1;
    for (char **e = environ; *e; e++) {
        int ours = 0;

        for (size_t j = 0; j < n && !ours; j++) {
            size_t len = strlen(names[j]);

            ours = !strncmp(*e, names[j], len) && (*e)[len] == '=';
        }
        if (!ours)
            s->envp[k++] = *e;
    }
    s->env_base = k;
    return 0;
}

static int
attr_init(posix_spawnattr_t *attr)
{
    sigset_t all, none;

    /* Lines start clean: dispositions the runner inherited as ignored
     * (nohup's SIGHUP, say) would otherwise survive exec, and the runner's
     * blocked signals would stay blocked in the line. */
    sigfillset(&all);
    sigemptyset(&none);
    if (posix_spawnattr_init(attr))
        return -1;
    if (posix_spawnattr_setpgroup(attr, 0) || posix_spawnattr_setsigdefault(attr, &all) ||
        posix_spawnattr_setsigmask(attr, &none) ||
        posix_spawnattr_setflags(attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                           POSIX_SPAWN_SETSIGMASK)) {
        posix_spawnattr_destroy(attr);
        return -1;
    }
    return 0;
}

/* The directory of the running program, into buf; 0, or -1. */
static int
self_dir(char *buf, size_t n)
{
    ssize_t len = readlink("/proc/self/exe", buf, n - 1);
    char *slash;

    if (len <= 0)
        return -1;
    buf[len] = '\0';
    if (!(slash = strrchr(buf, '/')))
        return -1;
    *slash = '\0';
    return 0;
}

/* Where the helper is (see spawner.h): owned, or NULL for none. */
static char *
helper_path(void)
{
    const char *env = getenv(DSQ_SPAWNER_ENV);
    char dir[PATH_MAX];

    if (env)
        return env[0] ? strdup(env) : NULL;
    if (self_dir(dir, sizeof dir) == 0) {
        static const char *const near[] = {"/libexec/dsq-spawn", "/../libexec/dsq/dsq-spawn"};

        for (size_t i = 0; i < sizeof near / sizeof *near; i++) {
            char *p = NULL;

            if (asprintf(&p, "%s%s", dir, near[i]) < 0)
                return NULL;
            if (access(p, X_OK) == 0)
                return p;
            free(p);
        }
    }
    return strdup(DSQ_PKGLIBEXECDIR "/dsq-spawn");
}

/* Start the helper at path with the lines' environment.  0, or an errno
 * value. */
static int
helper_start(struct dsq_spawner *s, const char *path)
{
    char *argv[] = {(char *)path, (char *)"3", NULL};
    posix_spawn_file_actions_t fa;
    int sv[2], rc;

    if (socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) < 0)
        return errno;
    if (fcntl(sv[0], F_SETFD, FD_CLOEXEC) < 0)
        goto fail_errno;
    /* Room for the largest request (best effort: the default is enough). */
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &(int){DSQ_SPAWN_MAX_REQUEST + 16384}, sizeof(int));
    if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
        goto fail;
    if (sv[1] == DSQ_SPAWN_FD)
        rc = 0; /* already there, and not close-on-exec */
    else if ((rc = posix_spawn_file_actions_adddup2(&fa, sv[1], DSQ_SPAWN_FD)) == 0)
        rc = posix_spawn_file_actions_addclose(&fa, sv[1]);
    /* The helper stays in the runner's process group: Slurm's signals reach
     * it, and it ignores them. */
    if (rc == 0 && access(path, X_OK) < 0)
        rc = errno;
    if (rc == 0) {
        s->envp[s->env_base] = NULL;
        rc = posix_spawn(&s->helper, path, &fa, NULL, argv, s->envp);
    }
    posix_spawn_file_actions_destroy(&fa);
    if (rc)
        goto fail;
    close(sv[1]);
    s->sock = sv[0];
    /* Exit notes wake the pool out of sigtimedwait() with a signal. */
    if (fcntl(s->sock, F_SETOWN, getpid()) < 0 ||
        fcntl(s->sock, F_SETFL, fcntl(s->sock, F_GETFL) | O_ASYNC) < 0) {
        rc = errno;
        dsq_spawner_lost(s);
        close(s->sock);
        s->sock = -1;
        return rc;
    }
    return 0;
fail_errno:
    rc = errno;
fail:
    close(sv[0]);
    close(sv[1]);
    s->helper = 0;
    return rc;
}

struct dsq_spawner *
dsq_spawner_create(const char *const *names, size_t n, struct dsq_error *err)
{
    struct dsq_spawner *s = calloc(1, sizeof *s);
    char *path;
    int rc;

    if (!s || env_init(s, names, n) < 0 || attr_init(&s->attr) < 0) {
        if (s)
            free(s->envp);
        free(s);
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        return NULL;
    }
    s->sock = -1;
    if (!(path = helper_path()))
        return s; /* asked for none */
    if ((rc = helper_start(s, path)) != 0)
        dsq_warn("cannot start %s (%s): lines are started by the runner, and their peak "
                 "memory includes the runner's",
                 path, strerror(rc));
    free(path);
    return s;
}

void
dsq_spawner_destroy(struct dsq_spawner *s)
{
    if (!s)
        return;
    if (s->sock >= 0)
        close(s->sock); /* the helper reads end-of-file and exits */
    if (s->helper > 0) {
        struct timespec tick = {0, 10 * 1000 * 1000};
        int status;

        for (int waited = 0; waitpid(s->helper, &status, WNOHANG) == 0; waited += 10) {
            if (waited >= HELPER_EXIT_MS) {
                kill(s->helper, SIGKILL);
                waitpid(s->helper, &status, 0);
                break;
            }
            nanosleep(&tick, NULL);
        }
    }
    free(s->notes);
    free(s->envp);
    posix_spawnattr_destroy(&s->attr);
    free(s);
}

pid_t
dsq_spawner_helper(const struct dsq_spawner *s)
{
    return s->helper;
}

void
dsq_spawner_lost(struct dsq_spawner *s)
{
    s->helper = 0;
}

/* Here, without a helper: 0 and *pid, or an errno value. */
static int
spawn_here(struct dsq_spawner *s, const struct dsq_spawn_line *l, pid_t *pid)
{
    char *argv[8];
    posix_spawn_file_actions_t fa;
    cpu_set_t want, saved;
    int rc, bound = 0;

    argv[0] = (char *)l->shell;
    for (size_t i = 0; i < l->nargs; i++)
        argv[1 + i] = (char *)l->args[i];
    argv[1 + l->nargs] = NULL;
    for (size_t i = 0; i < l->nvars; i++)
        s->envp[s->env_base + i] = l->vars[i];
    s->envp[s->env_base + l->nvars] = NULL;
    if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
        return rc;
    if ((rc = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0)))
        goto out;
    if (l->outfd >= 0 && ((rc = posix_spawn_file_actions_adddup2(&fa, l->outfd, STDOUT_FILENO)) ||
                          (rc = posix_spawn_file_actions_adddup2(&fa, l->outfd, STDERR_FILENO))))
        goto out;
    if (l->workdir && l->workdir[0] && (rc = posix_spawn_file_actions_addchdir_np(&fa, l->workdir)))
        goto out;
    /* The child inherits this thread's affinity: set it around the spawn. */
    if (l->cpus && l->cpus[0] && dsq_spawn_cpus_parse(l->cpus, &want) == 0 &&
        sched_getaffinity(0, sizeof saved, &saved) == 0 &&
        sched_setaffinity(0, sizeof want, &want) == 0)
        bound = 1;
    rc = posix_spawn(pid, l->shell, &fa, &s->attr, argv, s->envp);
    if (bound)
        sched_setaffinity(0, sizeof saved, &saved);
out:
    posix_spawn_file_actions_destroy(&fa);
    return rc;
}

static int
helper_gone(struct dsq_spawner *s, struct dsq_error *err)
{
    if (s->sock >= 0) {
        close(s->sock);
        s->sock = -1;
    }
    return dsq_errprintf(err, DSQ_ERR_SYSTEM, "the line helper (dsq-spawn) died");
}

static int
note_keep(struct dsq_spawner *s, const struct dsq_spawn_msg *m)
{
    if (s->first + s->nnotes == s->cap) {
        if (s->first > 0) {
            memmove(s->notes, s->notes + s->first, s->nnotes * sizeof *s->notes);
            s->first = 0;
        } else {
            size_t cap = s->cap ? 2 * s->cap : 16;
            struct dsq_spawn_msg *v = realloc(s->notes, cap * sizeof *v);

            if (!v)
                return -1;
            s->notes = v;
            s->cap = cap;
        }
    }
    s->notes[s->first + s->nnotes++] = *m;
    return 0;
}

/* Read one message; 1, 0 when none is there (MSG_DONTWAIT), -1 gone. */
static int
recv_msg(struct dsq_spawner *s, struct dsq_spawn_msg *m, int flags)
{
    ssize_t n;

    do
        n = recv(s->sock, m, sizeof *m, flags);
    while (n < 0 && errno == EINTR);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
    return n == (ssize_t)sizeof *m ? 1 : -1;
}

static int
spawn_helper(struct dsq_spawner *s, const struct dsq_spawn_line *l, pid_t *pid,
             struct dsq_error *err)
{
    struct dsq_spawn_req rq = {DSQ_SPAWN_MAGIC, (uint32_t)(DSQ_SPAWN_FIXED + l->nargs + l->nvars),
                               (uint32_t)l->nargs, l->outfd >= 0};
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } ctl;
    struct dsq_buf b = {0};
    struct msghdr mh = {0};
    struct iovec iov;
    struct dsq_spawn_msg m;
    ssize_t sent;
    int rc;

    rc = dsq_buf_append(&b, &rq, sizeof rq) < 0 ||
         dsq_buf_append(&b, l->shell, strlen(l->shell) + 1) < 0 ||
         dsq_buf_append(&b, l->workdir ? l->workdir : "", l->workdir ? strlen(l->workdir) + 1 : 1) <
             0 ||
         dsq_buf_append(&b, l->cpus ? l->cpus : "", l->cpus ? strlen(l->cpus) + 1 : 1) < 0;
    for (size_t i = 0; !rc && i < l->nargs; i++)
        rc = dsq_buf_append(&b, l->args[i], strlen(l->args[i]) + 1) < 0;
    for (size_t i = 0; !rc && i < l->nvars; i++)
        rc = dsq_buf_append(&b, l->vars[i], strlen(l->vars[i]) + 1) < 0;
    if (rc) {
        dsq_buf_free(&b);
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    }
    if (b.len > DSQ_SPAWN_MAX_REQUEST) {
        dsq_buf_free(&b);
        return E2BIG; /* the pool's long-line limit keeps this from happening */
    }
    iov.iov_base = b.data;
    iov.iov_len = b.len;
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    if (l->outfd >= 0) {
        struct cmsghdr *c;

        memset(&ctl, 0, sizeof ctl);
        mh.msg_control = ctl.buf;
        mh.msg_controllen = sizeof ctl.buf;
        c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &l->outfd, sizeof(int));
    }
    do
        sent = sendmsg(s->sock, &mh, MSG_NOSIGNAL);
    while (sent < 0 && errno == EINTR);
    dsq_buf_free(&b);
    if (sent < 0)
        return helper_gone(s, err);
    /* Lines that end meanwhile are noted for dsq_spawner_next(). */
    for (;;) {
        if (recv_msg(s, &m, 0) <= 0)
            return helper_gone(s, err);
        if (m.kind == DSQ_SPAWN_STARTED)
            break;
        if (note_keep(s, &m) < 0)
            return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    }
    if (m.err) {
        if (m.err == ENOMEM || m.err == EAGAIN)
            return dsq_errno(err, DSQ_ERR_SYSTEM, m.err, "cannot start a line");
        return m.err;
    }
    *pid = m.pid;
    return 0;
}

int
dsq_spawner_spawn(struct dsq_spawner *s, const struct dsq_spawn_line *l, pid_t *pid,
                  struct dsq_error *err)
{
    int rc;

    if (l->nargs > 4 || l->nvars > DSQ_SPAWNER_MAX_VARS || s->env_base + l->nvars + 1 > s->env_cap)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "too many arguments for a line");
    /* posix_spawn reports exec failures only where the clone really is
     * vfork-like (not under valgrind, for one): ask the file system first. */
    if (access(l->shell, X_OK) < 0)
        return errno;
    if (s->sock >= 0)
        return spawn_helper(s, l, pid, err);
    rc = spawn_here(s, l, pid);
    if (rc == ENOMEM || rc == EAGAIN)
        return dsq_errno(err, DSQ_ERR_SYSTEM, rc, "cannot start a line");
    return rc;
}

int
dsq_spawner_next(struct dsq_spawner *s, pid_t *pid, int *status, struct rusage *ru,
                 struct dsq_error *err)
{
    struct dsq_spawn_msg m;

    for (;;) {
        if (s->nnotes) {
            m = s->notes[s->first++];
            if (--s->nnotes == 0)
                s->first = 0;
        } else if (s->sock < 0) {
            return 0;
        } else {
            int rc = recv_msg(s, &m, MSG_DONTWAIT);

            if (rc == 0)
                return 0;
            if (rc < 0)
                return helper_gone(s, err);
        }
        if (m.kind == DSQ_SPAWN_EXITED)
            break;
    }
    *pid = m.pid;
    *status = m.status;
    *ru = m.ru;
    return 1;
}
