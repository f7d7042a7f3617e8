/* dsq-spawn: the small process that starts a pool's lines, so that what
 * wait4() says of a line's peak memory is the line's own.  Linux gives a new
 * program the high-water RSS of the process that started it (exec_mmap), so
 * lines spawned by the runner itself showed the runner's memory, which grows
 * with the job file.  The pool (lib/spawner.c) starts this once, with its
 * socket as descriptor 3, and asks it for each line (lib/spawn-proto.h); it
 * answers with the pid, then sends each line's wait status and rusage when
 * it ends.  It links nothing of lib/ and allocates nothing per line, so it
 * stays at a few hundred KiB.  It exits when the pool closes the socket. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/spawn-proto.h"

/* Variables a request adds: the pool sends up to 32. */
#define MAX_VARS 64
#define MAX_ARGS 8

static char request[DSQ_SPAWN_MAX_REQUEST];
static char **envp; /* environ, then a request's variables */
static size_t env_base;
static posix_spawnattr_t attr;

static int
send_msg(int sock, const struct dsq_spawn_msg *m)
{
    ssize_t n;

    do
        n = send(sock, m, sizeof *m, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof *m ? 0 : -1;
}

/* Start one line; its pid, or -errno. */
static int
spawn(const char *buf, size_t len, int outfd)
{
    const struct dsq_spawn_req *rq = (const void *)buf;
    const char *str[DSQ_SPAWN_FIXED + MAX_ARGS + MAX_VARS];
    char *argv[MAX_ARGS + 2];
    const char *p = buf + sizeof *rq, *end = buf + len;
    posix_spawn_file_actions_t fa;
    cpu_set_t want, saved;
    pid_t pid;
    int rc, bound = 0;

    if (len < sizeof *rq || rq->magic != DSQ_SPAWN_MAGIC ||
        rq->nstr < DSQ_SPAWN_FIXED + rq->nargs || rq->nargs > MAX_ARGS ||
        rq->nstr - DSQ_SPAWN_FIXED - rq->nargs > MAX_VARS)
        return -EINVAL;
    for (uint32_t i = 0; i < rq->nstr; i++) {
        const char *nul = memchr(p, '\0', (size_t)(end - p));

        if (!nul)
            return -EINVAL;
        str[i] = p;
        p = nul + 1;
    }
    argv[0] = (char *)str[0];
    for (uint32_t i = 0; i < rq->nargs; i++)
        argv[1 + i] = (char *)str[DSQ_SPAWN_FIXED + i];
    argv[1 + rq->nargs] = NULL;
    for (uint32_t i = DSQ_SPAWN_FIXED + rq->nargs, k = 0; i < rq->nstr; i++, k++)
        envp[env_base + k] = (char *)str[i];
    envp[env_base + (rq->nstr - DSQ_SPAWN_FIXED - rq->nargs)] = NULL;

    if ((rc = posix_spawn_file_actions_init(&fa)) != 0)
        return -rc;
    if ((rc = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0)))
        goto out;
    if (outfd >= 0 && ((rc = posix_spawn_file_actions_adddup2(&fa, outfd, STDOUT_FILENO)) ||
                       (rc = posix_spawn_file_actions_adddup2(&fa, outfd, STDERR_FILENO))))
        goto out;
    if (str[1][0] && (rc = posix_spawn_file_actions_addchdir_np(&fa, str[1])))
        goto out;
    /* The line inherits this (single-threaded) process's affinity: set it
     * for the spawn, then take back our own. */
    if (str[2][0] && dsq_spawn_cpus_parse(str[2], &want) == 0 &&
        sched_getaffinity(0, sizeof saved, &saved) == 0 &&
        sched_setaffinity(0, sizeof want, &want) == 0)
        bound = 1;
    rc = posix_spawn(&pid, str[0], &fa, &attr, argv, envp);
    if (bound)
        sched_setaffinity(0, sizeof saved, &saved);
out:
    posix_spawn_file_actions_destroy(&fa);
    return rc ? -rc : (int)pid;
}

/* Read one request and answer it.  -1 when the pool is gone. */
static int
serve(int sock)
{
    union {
        struct cmsghdr h;
        char buf[CMSG_SPACE(sizeof(int))];
    } ctl;
    struct iovec iov = {request, sizeof request};
    struct msghdr mh = {0};
    struct dsq_spawn_msg m = {0};
    int outfd = -1, rc;
    ssize_t n;

    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = ctl.buf;
    mh.msg_controllen = sizeof ctl.buf;
    do
        n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n <= 0)
        return -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
            memcpy(&outfd, CMSG_DATA(c), sizeof outfd);
    }
    rc = (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) ? -EMSGSIZE : spawn(request, (size_t)n, outfd);
    if (outfd >= 0)
        close(outfd);
    m.kind = DSQ_SPAWN_STARTED;
    if (rc < 0)
        m.err = -rc;
    else
        m.pid = rc;
    return send_msg(sock, &m);
}

/* Send an exit note for every line that has ended.  -1 when the pool is
 * gone. */
static int
reap(int sock)
{
    for (;;) {
        struct dsq_spawn_msg m = {0};
        int status;
        pid_t pid = wait4(-1, &status, WNOHANG, &m.ru);

        if (pid < 0 && errno == EINTR)
            continue;
        if (pid <= 0)
            return 0;
        m.kind = DSQ_SPAWN_EXITED;
        m.pid = pid;
        m.status = status;
        if (send_msg(sock, &m) < 0)
            return -1;
    }
}

static int
setup(int sock, int *sfd)
{
    static const int ignored[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGPIPE};
    sigset_t chld, all, none;
    size_t n = 0;

    /* Slurm signals every process of a stopped job: the pool decides what
     * the lines get, and needs this helper to report them until the end. */
    for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++)
        signal(ignored[i], SIG_IGN);
    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    if (sigprocmask(SIG_BLOCK, &chld, NULL) < 0 ||
        (*sfd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK)) < 0)
        return -1;
    if (fcntl(sock, F_SETFD, FD_CLOEXEC) < 0)
        return -1;
    /* Lines start clean: default dispositions, nothing blocked, own group. */
    sigfillset(&all);
    sigemptyset(&none);
    if (posix_spawnattr_init(&attr) || posix_spawnattr_setpgroup(&attr, 0) ||
        posix_spawnattr_setsigdefault(&attr, &all) || posix_spawnattr_setsigmask(&attr, &none) ||
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF |
                                            POSIX_SPAWN_SETSIGMASK))
        return -1;
    for (char **e = environ; *e; e++)
        n++;
    if (!(envp = calloc(n + MAX_VARS + 1, sizeof *envp)))
        return -1;
    memcpy(envp, environ, n * sizeof *envp);
    env_base = n;
    return 0;
}

int
main(int argc, char **argv)
{
    int sock = DSQ_SPAWN_FD, sfd;

    (void)argv;
    if (argc != 2 || setup(sock, &sfd) < 0)
        return 2;
    for (;;) {
        struct pollfd pf[2] = {{sock, POLLIN, 0}, {sfd, POLLIN, 0}};

        if (poll(pf, 2, -1) < 0) {
            if (errno == EINTR)
                continue;
            return 3;
        }
        if (pf[1].revents) {
            struct signalfd_siginfo si;

            while (read(sfd, &si, sizeof si) == (ssize_t)sizeof si)
                ;
            if (reap(sock) < 0)
                return 0;
        }
        if (pf[0].revents && serve(sock) < 0)
            return 0;
    }
}
