/* pool: the fork pool behind `dsq run` and `--dry-run` (see pool.h).  One
 * process sleeps in sigtimedwait() on SIGCHLD and the stop signals; a reaped
 * line's slot starts the next line at once, and every line gets a start
 * record when it is spawned and an end record at reap with what wait4()
 * measured. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "cgroup.h"
#include "fs.h"
#include "pool.h"
#include "rundir.h"
#include "spawner.h"
#include "sys.h"
#include "text.h"

/* Longer lines go through a script file: execve() refuses any single
 * argument over MAX_ARG_STRLEN (128 KiB); the margin leaves room for the
 * environment on systems with a small ARG_MAX. */
#define LONG_LINE_BYTES (100 * 1024)

/* How long, after the SIGKILL, to wait for the killed groups to be gone
 * (a process in uninterruptible sleep may take a while; we do not hang on
 * it forever). */
#define KILL_WAIT 5.0

/* How often the progress callback is refreshed while lines run. */
#define PROGRESS_PERIOD 0.25

/* How long a line that died of SIGTERM, SIGINT or SIGHUP (or whose shell
 * exited 128 + one of them) waits for the runner's own stop signal before
 * its end record is written.  Slurm signals every process of a cancelled or
 * timed-out job one after the other, lines often before the runner, and the
 * runner must not call a line it reaped in between failed or signaled. */
#define STOP_WAIT_MS 1000

struct slot {
    pid_t pid; /* 0: free */
    size_t item;
    double start_mono;
    char *script;             /* owned: temp file of a long line, removed at reap */
    int termed;               /* we sent SIGTERM to its group */
    unsigned tryno;           /* the running try, 1-based */
    unsigned retry;           /* pid 0 and retry > 0: the slot is kept for
                                 try `retry` of item (retry_pending()) */
    enum dsq_state retry_was; /* and how the try before it ended */
};

struct pool {
    const struct dsq_pool_opts *o;
    const struct dsq_pool_item *items;
    size_t n;
    struct dsq_pool_item *own; /* owned: items given, then o->next's */
    size_t own_cap;
    int no_more; /* o->next said there are no more */
    struct dsq_pool_result *res;
    struct dsq_error *err;
    struct slot *slots;
    unsigned nslots;
    size_t running, done;
    size_t waiting; /* slots kept for a retry */
    char host[256];
    sigset_t sigs;

    int stopping;    /* SIGUSR1, or terminating: start nothing new */
    int terminating; /* groups TERMed; KILL at deadline */
    int killed;      /* the KILL was sent */
    double deadline;
    int failed; /* a system error is in err: stop as on SIGTERM */
    double next_progress;

    pid_t *lingering; /* groups TERMed whose leader was reaped */
    size_t nlingering;

    struct dsq_spawner *spawner;
    int warned_spawn;          /* once is enough: each record has the reason */
    struct dsq_cgroup_oom oom; /* the memory cgroup's OOM kills */
};

/* reason[] is a fixed field of the record: a long path is cut, on purpose. */
static void reason_set(char *buf, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void
reason_set(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}

static void
fatal_once(struct pool *p, const struct dsq_error *e)
{
    if (p->failed)
        return;
    p->failed = 1;
    if (p->err && e)
        *p->err = *e;
}

static int
write_record(struct pool *p, const struct dsq_record *r)
{
    struct dsq_error e = {0};
    struct dsq_recw *w = p->o->writer(r->task, p->o->writer_arg, &e);

    if (!w || dsq_recw_write(w, r, &e) < 0) {
        if (!e.msg[0])
            dsq_errprintf(&e, DSQ_ERR_SYSTEM, "no status file for array task %zu", r->task);
        fatal_once(p, &e);
        return -1;
    }
    return 0;
}

static void
record_init(struct pool *p, struct dsq_record *r, enum dsq_ev ev, const struct dsq_pool_item *it,
            pid_t pid)
{
    memset(r, 0, sizeof *r);
    r->ev = ev;
    r->line = it->line;
    r->task = it->task;
    r->attempt = p->o->attempt;
    r->restart = p->o->restart;
    snprintf(r->host, sizeof r->host, "%s", p->host);
    r->pid = (long)pid;
    r->t = dsq_time_real();
    snprintf(r->job, sizeof r->job, "%s", p->o->job_id ? p->o->job_id : "");
}

static void
progress(struct pool *p)
{
    if (p->o->progress)
        p->o->progress(p->done, p->res->not_ok, p->o->total > p->n ? p->o->total : p->n, p->running,
                       p->o->progress_arg);
    p->next_progress = dsq_time_mono() + PROGRESS_PERIOD;
}

/* A line is over (its last try ended st): count it, and tell halting of a
 * failure. */
static void
count(struct pool *p, const struct dsq_pool_item *it, enum dsq_state st)
{
    struct dsq_error e = {0};

    if (st == DSQ_ST_OK)
        p->res->ok++;
    else
        p->res->not_ok++;
    p->done++;
    if ((st == DSQ_ST_FAILED || st == DSQ_ST_SIGNALED) && p->o->failed &&
        p->o->failed(it->line, p->o->halt_arg, &e) < 0)
        fatal_once(p, &e);
}

/* Whether the attempt is halted (pool.h's halted()): then start nothing. */
static int
halted(struct pool *p)
{
    if (!p->stopping && p->o->halted && p->o->halted(p->o->halt_arg)) {
        p->stopping = 1;
        p->res->halted = 1;
    }
    return p->stopping;
}

/* Expand --line-output's %L %A %a %j %%, relative to workdir.  Owned. */
static char *
line_output_path(const struct dsq_pool_opts *o, const struct dsq_pool_item *it)
{
    struct dsq_buf b = {0};
    const char *s = o->line_output;
    int rc = 0;

    if (s[0] != '/' && o->workdir && o->workdir[0])
        rc |= dsq_buf_printf(&b, "%s/", o->workdir);
    for (; *s && rc == 0; s++) {
        if (*s != '%' || !s[1]) {
            rc |= dsq_buf_append(&b, s, 1);
            continue;
        }
        switch (*++s) {
        case 'L':
            rc |= dsq_buf_printf(&b, "%zu", it->line);
            break;
        case 'A':
            rc |=
                dsq_buf_puts(&b, o->array_job_id && o->array_job_id[0] ? o->array_job_id : "local");
            break;
        case 'a':
            rc |= dsq_buf_printf(&b, "%zu", it->task);
            break;
        case 'j':
            rc |= dsq_buf_printf(&b, "%u", o->attempt);
            break;
        case '%':
            rc |= dsq_buf_append(&b, "%", 1);
            break;
        default:
            /* Not ours (sbatch's %N, say): keep it as written. */
            rc |= dsq_buf_append(&b, s - 1, 2);
            break;
        }
    }
    if (rc || dsq_buf_append(&b, "", 0) < 0) {
        dsq_buf_free(&b);
        return NULL;
    }
    return b.data;
}

/* A line too long for one exec argument: write it to a script the shell
 * reads instead.  Owned path, or NULL with why in reason. */
static char *
write_long_line(const struct dsq_pool_opts *o, const struct dsq_pool_item *it, char *reason,
                size_t rsize)
{
    const char *run_dir = o->run_dir ? o->run_dir : ".";
    char *dir = NULL, *path = NULL;
    struct dsq_error e = {0};
    ssize_t w = 0;
    size_t off = 0;
    int fd = -1;

    if (!(dir = dsq_rundir_path(run_dir, DSQ_RD_TMP)) ||
        !(path = dsq_rundir_line_script(run_dir, it->task, it->line)))
        goto oom;
    if (dsq_mkdir_p(dir, 0755, &e) < 0) {
        reason_set(reason, rsize, "line too long for exec and %s", e.msg);
        goto fail;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        reason_set(reason, rsize, "line too long for exec and cannot create %s: %s", path,
                   strerror(errno));
        goto fail;
    }
    while (off < it->len + 1) {
        const char *src = off < it->len ? it->cmd + off : "\n";
        size_t want = off < it->len ? it->len - off : 1;

        w = write(fd, src, want);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            reason_set(reason, rsize, "line too long for exec and cannot write %s: %s", path,
                       w < 0 ? strerror(errno) : "short write");
            goto fail;
        }
        off += (size_t)w;
    }
    if (close(fd) < 0) {
        fd = -1;
        reason_set(reason, rsize, "line too long for exec and cannot write %s: %s", path,
                   strerror(errno));
        goto fail;
    }
    free(dir);
    return path;
oom:
    reason_set(reason, rsize, "out of memory");
fail:
    if (fd >= 0)
        close(fd);
    if (path && fd >= 0)
        unlink(path);
    free(dir);
    free(path);
    return NULL;
}

/* The line could not be started at all: its records say why, and the pool
 * goes on with the others. */
static void
fail_unstarted(struct pool *p, const struct dsq_pool_item *it, unsigned tryno, const char *reason)
{
    struct dsq_record r;

    record_init(p, &r, DSQ_EV_START, it, 0);
    r.tryno = tryno;
    if (write_record(p, &r) < 0)
        return;
    r.ev = DSQ_EV_END;
    r.state = DSQ_ST_FAILED;
    r.exit = 127; /* what a shell says when it cannot run a command */
    reason_set(r.reason, sizeof r.reason, "%s", reason);
    count(p, it, DSQ_ST_FAILED);
    write_record(p, &r);
    progress(p);
}

/* The variables the pool sets for each line (the runner's own are not
 * handed on). */
static const char *const env_names[] = {"DSQ_LINE",    "DSQ_TASK",   "DSQ_SLOT", "DSQ_ATTEMPT",
                                        "DSQ_RUN_DIR", "DSQ_JOB_ID", "DSQ_TRY"};
#define NENV (sizeof env_names / sizeof *env_names)

/* Start the line through the spawner (see spawner.h): 0 and *pid, an errno
 * value when this line cannot start, -1 (in err) when none can. */
static int
spawn_line(struct pool *p, const struct dsq_pool_item *it, unsigned slot, unsigned tryno,
           const char *cmd, const char *script, int outfd, pid_t *pid, struct dsq_error *err)
{
    const struct dsq_pool_opts *o = p->o;
    char vars[5][64], *run_dir_var = NULL, *job_var = NULL;
    char *varv[NENV + DSQ_BIND_MAX_VARS];
    const char *args[2];
    struct dsq_spawn_line l = {0};
    int rc;

    snprintf(vars[0], sizeof vars[0], "DSQ_LINE=%zu", it->line);
    snprintf(vars[1], sizeof vars[1], "DSQ_TASK=%zu", it->task);
    snprintf(vars[2], sizeof vars[2], "DSQ_SLOT=%u", slot);
    snprintf(vars[3], sizeof vars[3], "DSQ_ATTEMPT=%u", o->attempt);
    snprintf(vars[4], sizeof vars[4], "DSQ_TRY=%u", tryno);
    /* The array job id, as dsq(1) says: with DSQ_TASK it names the task;
     * the records' "job" is Slurm's own <arrayjob>_<index>. */
    if (asprintf(&run_dir_var, "DSQ_RUN_DIR=%s", o->run_dir ? o->run_dir : "") < 0 ||
        asprintf(&job_var, "DSQ_JOB_ID=%s", o->array_job_id ? o->array_job_id : "") < 0) {
        free(run_dir_var);
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    }
    for (int j = 0; j < 4; j++)
        varv[j] = vars[j];
    varv[4] = run_dir_var;
    varv[5] = job_var;
    varv[6] = vars[4];
    if (script) {
        args[0] = script;
        l.nargs = 1;
    } else {
        args[0] = "-c";
        args[1] = cmd;
        l.nargs = 2;
    }
    l.shell = o->shell && o->shell[0] ? o->shell : "/bin/sh";
    l.args = args;
    l.workdir = o->workdir;
    l.vars = varv;
    l.nvars = NENV;
    if (o->bind) {
        size_t nb;
        char *const *bv = dsq_bind_slot_vars(o->bind, slot, &nb);

        for (size_t j = 0; j < nb; j++)
            varv[l.nvars++] = bv[j];
        l.cpus = dsq_bind_slot_cpus(o->bind, slot);
    }
    l.outfd = outfd;
    rc = dsq_spawner_spawn(p->spawner, &l, pid, err);
    free(run_dir_var);
    free(job_var);
    return rc;
}

/* Start try tryno of item i in slot s (free).  -1 only on a system error
 * (fork, records). */
static int
start(struct pool *p, size_t i, unsigned s, unsigned tryno)
{
    const struct dsq_pool_item *it = &p->items[i];
    char reason[sizeof((struct dsq_record *)0)->reason] = "";
    char *cmd = NULL, *script = NULL, *outpath = NULL;
    struct dsq_record r;
    struct dsq_error e = {0};
    int outfd = -1, rc = -1, err_no;
    pid_t pid;

    if (it->len > LONG_LINE_BYTES) {
        script = write_long_line(p->o, it, reason, sizeof reason);
        if (!script) {
            fail_unstarted(p, it, tryno, reason);
            rc = p->failed ? -1 : 0;
            goto out;
        }
    } else {
        /* Items are borrowed slices of the job file: exec needs a string. */
        cmd = malloc(it->len + 1);
        if (!cmd) {
            dsq_errprintf(&e, DSQ_ERR_SYSTEM, "out of memory");
            fatal_once(p, &e);
            goto out;
        }
        memcpy(cmd, it->cmd, it->len);
        cmd[it->len] = '\0';
    }
    if (p->o->line_output && p->o->line_output[0]) {
        /* Opened here, not in the child, so that a bad pattern fails the
         * line with a reason in its record instead of an unexplained 127. */
        outpath = line_output_path(p->o, it);
        if (!outpath) {
            dsq_errprintf(&e, DSQ_ERR_SYSTEM, "out of memory");
            fatal_once(p, &e);
            goto out;
        }
        /* A retry adds to what its earlier tries wrote. */
        outfd =
            open(outpath, O_WRONLY | O_CREAT | O_CLOEXEC | (tryno > 1 ? O_APPEND : O_TRUNC), 0644);
        if (outfd < 0) {
            reason_set(reason, sizeof reason, "cannot open line output %s: %s", outpath,
                       strerror(errno));
            fail_unstarted(p, it, tryno, reason);
            rc = p->failed ? -1 : 0;
            goto out;
        }
    }
    err_no = spawn_line(p, it, s, tryno, cmd, script, outfd, &pid, &e);
    if (err_no < 0) {
        fatal_once(p, &e);
        goto out;
    }
    if (err_no) {
        /* A missing shell or working directory: this line fails, with the
         * cause in its record and on stderr, and the pool goes on. */
        reason_set(reason, sizeof reason, "cannot run %s in %s: %s",
                   p->o->shell && p->o->shell[0] ? p->o->shell : "/bin/sh",
                   p->o->workdir && p->o->workdir[0] ? p->o->workdir : ".", strerror(err_no));
        if (!p->warned_spawn++)
            dsq_warn("line %zu: %s", it->line, reason);
        fail_unstarted(p, it, tryno, reason);
        rc = p->failed ? -1 : 0;
        goto out;
    }
    /* The child is already in its own group when the spawner returns (the
     * vfork-style clone ran its setup first), so kill(-pid) cannot miss. */
    p->slots[s].pid = pid;
    p->slots[s].item = i;
    p->slots[s].start_mono = dsq_time_mono();
    p->slots[s].script = script;
    p->slots[s].termed = 0;
    p->slots[s].tryno = tryno;
    script = NULL;
    p->running++;
    p->res->started++;
    if (tryno > 1)
        p->res->retried++;
    record_init(p, &r, DSQ_EV_START, it, pid);
    r.tryno = tryno;
    rc = write_record(p, &r);
out:
    if (outfd >= 0)
        close(outfd);
    if (script) {
        unlink(script);
        free(script);
    }
    free(outpath);
    free(cmd);
    return rc;
}

/* Whether a line ended the way Slurm's stop signals end it. */
static int
stop_like(int status)
{
    int sig = WIFSIGNALED(status)                              ? WTERMSIG(status)
              : WIFEXITED(status) && WEXITSTATUS(status) > 128 ? WEXITSTATUS(status) - 128
                                                               : 0;

    return sig == SIGTERM || sig == SIGINT || sig == SIGHUP;
}

static void
finish(struct pool *p, struct slot *sl, int status, const struct rusage *ru, double reaped)
{
    const struct dsq_pool_item *it = &p->items[sl->item];
    struct dsq_record r;

    record_init(p, &r, DSQ_EV_END, it, sl->pid);
    r.tryno = sl->tryno;
    r.elapsed = reaped - sl->start_mono;
    r.utime = (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec / 1e6;
    r.stime = (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec / 1e6;
    r.maxrss_kb = ru->ru_maxrss; /* KiB on Linux */
    r.oom = dsq_cgroup_oom_line(&p->oom, status);
    if (WIFSIGNALED(status)) {
        r.exit = -1;
        r.signal = WTERMSIG(status);
        r.state = DSQ_ST_SIGNALED;
    } else {
        r.exit = WEXITSTATUS(status);
        r.signal = 0;
        r.state = r.exit == 0 ? DSQ_ST_OK : DSQ_ST_FAILED;
    }
    if (sl->termed || (p->terminating && (WIFSIGNALED(status) || stop_like(status)))) {
        /* Whatever it did after our SIGTERM, the line was cut short.  A
         * line killed by a signal while the task is being stopped counts
         * too (or whose shell exited 128 + the signal): Slurm signals every
         * process of the job, often before the runner has read its own
         * SIGTERM. */
        int stop = p->res->stop_signal;

        r.state = DSQ_ST_INTERRUPTED;
        if (stop == SIGTERM || stop == SIGINT || stop == SIGHUP)
            reason_set(r.reason, sizeof r.reason, "runner received %s", dsq_signal_name(stop));
        else if (stop)
            reason_set(r.reason, sizeof r.reason, "runner received a stop signal");
        else
            reason_set(r.reason, sizeof r.reason, "runner stopped on an error");
        if (kill(-sl->pid, 0) == 0) {
            pid_t *l = realloc(p->lingering, (p->nlingering + 1) * sizeof *l);

            if (l) {
                p->lingering = l;
                p->lingering[p->nlingering++] = sl->pid;
            }
        }
    }
    if (sl->script) {
        unlink(sl->script);
        free(sl->script);
        sl->script = NULL;
    }
    sl->pid = 0;
    p->running--;
    if (!p->stopping && !p->failed && dsq_retry_wanted(p->o->retry, &r, sl->tryno)) {
        /* Its slot waits for the next try (retry_pending()). */
        sl->retry = sl->tryno + 1;
        sl->retry_was = r.state;
        p->waiting++;
    } else {
        count(p, it, r.state);
    }
    write_record(p, &r);
    progress(p);
}

/* Start the retries that slots wait for, in their slots; or, when the pool
 * stops starting lines (a stop signal, halted), count each line as its last
 * try ended. */
static int
retry_pending(struct pool *p)
{
    for (unsigned s = 0; p->waiting && s < p->nslots; s++) {
        struct slot *sl = &p->slots[s];
        unsigned tryno = sl->retry;

        if (!tryno)
            continue;
        sl->retry = 0;
        p->waiting--;
        if (p->failed || halted(p))
            count(p, &p->items[sl->item], sl->retry_was);
        else if (start(p, sl->item, s, tryno) < 0)
            return -1;
    }
    return 0;
}

static void terminate(struct pool *p, int sig);

/* A line died as a stopped task's lines die, and the runner has no stop
 * signal yet: wait a moment for it (Slurm may be signalling the job's
 * processes one by one), and obey it before the line is recorded. */
static void
await_stop(struct pool *p)
{
    struct timespec ts = {STOP_WAIT_MS / 1000, (long)(STOP_WAIT_MS % 1000) * 1000000L};
    sigset_t stop;
    int sig;

    sigemptyset(&stop);
    sigaddset(&stop, SIGTERM);
    sigaddset(&stop, SIGINT);
    sigaddset(&stop, SIGHUP);
    sig = sigtimedwait(&stop, NULL, &ts);
    if (sig > 0)
        terminate(p, sig);
}

/* A line's process pid ended with status: record it, if it is a slot's. */
static void
ended(struct pool *p, pid_t pid, int status, const struct rusage *ru)
{
    for (unsigned s = 0; s < p->nslots; s++) {
        if (p->slots[s].pid == pid) {
            double reaped = dsq_time_mono();

            if (!p->terminating && stop_like(status))
                await_stop(p); /* may reap other lines first */
            finish(p, &p->slots[s], status, ru, reaped);
            return;
        }
    }
    /* Not a slot: an orphan of some line, reparented to us as the
     * subreaper; nothing to record. */
}

static void
reap(struct pool *p)
{
    struct dsq_error e = {0};
    struct rusage ru;
    int status, rc;
    pid_t pid;

    /* The lines the helper saw end, then our own children: orphans, and
     * the helper's lines if it died. */
    while (p->spawner && (rc = dsq_spawner_next(p->spawner, &pid, &status, &ru, &e)) != 0) {
        if (rc < 0) {
            fatal_once(p, &e);
            break;
        }
        ended(p, pid, status, &ru);
    }
    for (;;) {
        pid = wait4(-1, &status, WNOHANG, &ru);
        if (pid < 0 && errno == EINTR)
            continue;
        if (pid <= 0)
            return;
        if (p->spawner && pid == dsq_spawner_helper(p->spawner)) {
            /* Its lines are ours now (we are their subreaper): stop. */
            dsq_spawner_lost(p->spawner);
            dsq_errprintf(&e, DSQ_ERR_SYSTEM, "the line helper (dsq-spawn) died");
            fatal_once(p, &e);
            continue;
        }
        ended(p, pid, status, &ru);
    }
}

static void
terminate(struct pool *p, int sig)
{
    if (p->terminating)
        return;
    p->stopping = p->terminating = 1;
    if (sig)
        p->res->stop_signal = sig;
    /* Lines that exited before the signal keep their real state. */
    reap(p);
    p->deadline = dsq_time_mono() + (p->o->kill_grace > 0 ? p->o->kill_grace : 0);
    for (unsigned s = 0; s < p->nslots; s++) {
        if (p->slots[s].pid) {
            kill(-p->slots[s].pid, SIGTERM);
            p->slots[s].termed = 1;
        }
    }
}

static void
kill_all(struct pool *p)
{
    p->killed = 1;
    for (unsigned s = 0; s < p->nslots; s++) {
        if (p->slots[s].pid)
            kill(-p->slots[s].pid, SIGKILL);
    }
    for (size_t i = 0; i < p->nlingering; i++)
        kill(-p->lingering[i], SIGKILL);
}

/* Whether a TERMed group outlives its leader (a background job of the line):
 * it must not survive the runner. */
static int
lingering_alive(struct pool *p)
{
    size_t j = 0;

    for (size_t i = 0; i < p->nlingering; i++) {
        if (kill(-p->lingering[i], 0) == 0)
            p->lingering[j++] = p->lingering[i];
    }
    p->nlingering = j;
    return j > 0;
}

/* Our children now that no line runs: what lines left in the background,
 * reparented to us as their subreaper (none without /proc's children
 * list).  Up to cap pids into v; their number. */
static size_t
leftovers(pid_t *v, size_t cap)
{
    char path[64];
    FILE *f;
    size_t n = 0;
    long pid;

    snprintf(path, sizeof path, "/proc/self/task/%ld/children", (long)getpid());
    if (!(f = fopen(path, "re")))
        return 0;
    while (n < cap && fscanf(f, "%ld", &pid) == 1)
        v[n++] = (pid_t)pid;
    fclose(f);
    return n;
}

/* End what the lines left running when the task ends, as Slurm's process
 * tracking would: TERM each leftover and its process group, KILL after the
 * grace, reap.  Each is our unreaped child, so neither its pid nor its group
 * can be another's yet. */
static void
end_leftovers(struct pool *p)
{
    double deadline = dsq_time_mono() + (p->o->kill_grace > 0 ? p->o->kill_grace : 0);
    sigset_t chld;
    int sig = SIGTERM;

    sigemptyset(&chld);
    sigaddset(&chld, SIGCHLD);
    for (;;) {
        pid_t v[256];
        size_t n;
        struct timespec tick = {0, 50 * 1000 * 1000};

        reap(p);
        if (!(n = leftovers(v, sizeof v / sizeof *v)))
            return;
        if (dsq_time_mono() >= deadline) {
            if (sig == SIGKILL && dsq_time_mono() >= deadline + KILL_WAIT)
                return; /* unkillable (D state): not ours to wait for */
            sig = SIGKILL;
        }
        for (size_t i = 0; i < n; i++) {
            pid_t g = getpgid(v[i]);
            if (g > 1 && g != getpgrp())
                kill(-g, sig);
            kill(v[i], sig);
        }
        sigtimedwait(&chld, NULL, &tick);
    }
}

static void
raise_nofile(void)
{
    struct rlimit rl;

    /* A dry run holds one status file per array task. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* What the pool changes in the process's signal handling while it runs,
 * to give back. */
struct sigstate {
    sigset_t oldmask;
    struct sigaction oldchld;
    int have_oldchld;
    int subreaper; /* already one (or unknown): leave it */
};

static void
signals_take(struct pool *p, struct sigstate *s)
{
    struct sigaction chld;

    sigemptyset(&p->sigs);
    sigaddset(&p->sigs, SIGCHLD);
    sigaddset(&p->sigs, SIGTERM);
    sigaddset(&p->sigs, SIGINT);
    sigaddset(&p->sigs, SIGHUP);
    sigaddset(&p->sigs, SIGUSR1);
    sigaddset(&p->sigs, DSQ_SPAWNER_SIGNAL);
    sigprocmask(SIG_BLOCK, &p->sigs, &s->oldmask);
    /* An ignored SIGCHLD would make the kernel reap our children for us,
     * and wait4() would never see their status. */
    memset(&chld, 0, sizeof chld);
    chld.sa_handler = SIG_DFL;
    sigemptyset(&chld.sa_mask);
    s->have_oldchld = sigaction(SIGCHLD, &chld, &s->oldchld) == 0;
    /* As subreaper we inherit the orphans of a line's shell, so a TERMed
     * group's background jobs are seen to die (SIGCHLD) instead of being
     * polled for. */
    s->subreaper = 0;
    if (prctl(PR_GET_CHILD_SUBREAPER, &s->subreaper) < 0)
        s->subreaper = 1; /* unknown: leave it alone */
    if (!s->subreaper)
        prctl(PR_SET_CHILD_SUBREAPER, 1);
}

static void
signals_give_back(const struct pool *p, struct sigstate *s)
{
    /* Drain what the loop no longer waits for.  A late SIGUSR1 means
     * nothing once the lines are done (and must not kill us), and a repeat
     * of the stop signal we already obeyed is the same request.  A first
     * SIGTERM after the end stays pending: it is obeyed on unblock. */
    for (;;) {
        struct timespec zero = {0, 0};
        sigset_t drain;

        sigemptyset(&drain);
        sigaddset(&drain, SIGCHLD);
        sigaddset(&drain, SIGUSR1);
        sigaddset(&drain, DSQ_SPAWNER_SIGNAL);
        if (p->res->stop_signal && p->res->stop_signal != SIGUSR1) {
            sigaddset(&drain, SIGTERM);
            sigaddset(&drain, SIGINT);
            sigaddset(&drain, SIGHUP);
        }
        if (sigtimedwait(&drain, NULL, &zero) < 0)
            break;
    }
    if (!s->subreaper)
        prctl(PR_SET_CHILD_SUBREAPER, 0);
    if (s->have_oldchld)
        sigaction(SIGCHLD, &s->oldchld, NULL);
    sigprocmask(SIG_SETMASK, &s->oldmask, NULL);
}

/* Sleep until a signal of p->sigs or the next thing due (a progress line,
 * the KILL deadline, giving up on lingering groups); the signal, or -1. */
static int
await_event(struct pool *p)
{
    struct timespec ts, *tsp = NULL;
    siginfo_t si;
    double wake = INFINITY;

    if (p->o->progress && p->running)
        wake = p->next_progress;
    if (p->terminating && !p->killed && p->deadline < wake)
        wake = p->deadline;
    if (p->killed && p->running == 0 && p->deadline + KILL_WAIT < wake)
        wake = p->deadline + KILL_WAIT;
    if (wake != INFINITY) {
        double d = wake - dsq_time_mono();

        if (d < 0)
            d = 0;
        ts.tv_sec = (time_t)d;
        ts.tv_nsec = (long)((d - (double)ts.tv_sec) * 1e9);
        tsp = &ts;
    }
    return sigtimedwait(&p->sigs, &si, tsp);
}

static void
on_signal(struct pool *p, int sig)
{
    switch (sig) {
    case SIGCHLD: {
        /* A stop signal that is also pending is handled first, so the
         * lines it killed are recorded as interrupted. */
        sigset_t pend;

        if (!p->terminating && sigpending(&pend) == 0) {
            int stop = sigismember(&pend, SIGTERM)  ? SIGTERM
                       : sigismember(&pend, SIGINT) ? SIGINT
                       : sigismember(&pend, SIGHUP) ? SIGHUP
                                                    : 0;

            if (stop) {
                sigset_t one;
                struct timespec zero = {0, 0};

                sigemptyset(&one);
                sigaddset(&one, stop);
                sigtimedwait(&one, NULL, &zero);
                terminate(p, stop);
            }
        }
        break;
    }
    case SIGUSR1:
        /* Slurm's warning before the time limit: let running lines
         * finish, start nothing new. */
        p->stopping = 1;
        if (!p->res->stop_signal)
            p->res->stop_signal = SIGUSR1;
        break;
    case SIGTERM:
    case SIGINT:
    case SIGHUP:
        terminate(p, sig);
        break;
    default:
        break; /* timeout or EINTR */
    }
}

/* Whether item `next` is there to start: given, or handed out now by
 * o->next (appended to p->own, which then holds every item). */
static int
have_next(struct pool *p, size_t next)
{
    struct dsq_pool_item it;
    struct dsq_error e = {0};
    int rc;

    if (next < p->n)
        return 1;
    if (!p->o->next || p->no_more)
        return 0;
    rc = p->o->next(&it, p->o->next_arg, &e);
    if (rc <= 0) {
        p->no_more = 1;
        if (rc < 0)
            fatal_once(p, &e);
        return 0;
    }
    if (!p->own || p->n == p->own_cap) {
        size_t cap = p->own ? 2 * p->own_cap : p->n + 64;
        struct dsq_pool_item *v = realloc(p->own, cap * sizeof *v);

        if (!v) {
            dsq_errprintf(&e, DSQ_ERR_SYSTEM, "out of memory");
            fatal_once(p, &e);
            return 0;
        }
        if (!p->own && p->n)
            memcpy(v, p->items, p->n * sizeof *v);
        p->own = v;
        p->own_cap = cap;
        p->items = v;
    }
    p->own[p->n++] = it;
    p->res->total++;
    return 1;
}

/* The spawner, told which inherited variables the lines get their own of. */
static struct dsq_spawner *
spawner_for(const struct dsq_pool_opts *o, struct dsq_error *err)
{
    const char *names[NENV + DSQ_BIND_MAX_VARS];
    const char *const *bn = NULL;
    size_t n = 0, nb = 0;

    for (; n < NENV; n++)
        names[n] = env_names[n];
    if (o->bind)
        bn = dsq_bind_names(o->bind, &nb);
    for (size_t j = 0; j < nb && n < sizeof names / sizeof *names; j++)
        names[n++] = bn[j];
    return dsq_spawner_create(names, n, err);
}

static void
pool_free(struct pool *p)
{
    for (unsigned s = 0; s < p->nslots; s++)
        free(p->slots[s].script);
    free(p->slots);
    free(p->lingering);
    free(p->own);
    dsq_spawner_destroy(p->spawner);
}

int
dsq_pool_run(const struct dsq_pool_opts *o, const struct dsq_pool_item *items, size_t n,
             struct dsq_pool_result *res, struct dsq_error *err)
{
    struct pool p;
    struct sigstate ss;
    size_t next = 0;

    memset(res, 0, sizeof *res);
    res->total = n;
    memset(&p, 0, sizeof p);
    p.o = o;
    p.items = items;
    p.n = n;
    p.res = res;
    p.err = err;
    p.nslots = o->slots ? o->slots : 1;
    if ((size_t)p.nslots > n && n > 0 && !o->next)
        p.nslots = (unsigned)n;
    p.slots = calloc(p.nslots, sizeof *p.slots);
    if (!p.slots) {
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    }
    dsq_hostname(p.host, sizeof p.host);
    dsq_cgroup_oom_open(&p.oom); /* none: no line is told killed for memory */
    raise_nofile();
    /* The helper is started once we are the subreaper, so that its lines'
     * orphans (and its lines, should it die) come to us. */
    signals_take(&p, &ss);
    if (!(p.spawner = spawner_for(o, err))) {
        signals_give_back(&p, &ss);
        free(p.slots);
        return -1;
    }

    p.next_progress = dsq_time_mono() + PROGRESS_PERIOD;
    for (;;) {
        double now;

        retry_pending(&p);
        while (!p.failed && p.running + p.waiting < p.nslots && !halted(&p) &&
               have_next(&p, next)) {
            unsigned s = 0;

            while (p.slots[s].pid || p.slots[s].retry)
                s++;
            if (start(&p, next++, s, 1) < 0)
                break;
        }
        if (p.failed)
            terminate(&p, 0);
        /* Nothing running and nothing more may start; after a SIGTERM,
         * wait for TERMed groups that outlive their leader to be gone, so
         * that no process of a line survives the runner. */
        if (p.running == 0 && p.waiting == 0 &&
            (!p.terminating || !lingering_alive(&p) ||
             (p.killed && dsq_time_mono() >= p.deadline + KILL_WAIT)))
            break;
        on_signal(&p, await_event(&p));
        reap(&p);
        now = dsq_time_mono();
        if (p.terminating && !p.killed && now >= p.deadline)
            kill_all(&p);
        if (o->progress && p.running && now >= p.next_progress)
            progress(&p);
    }
    /* Orphans killed with their group: collect their zombies now; then end
     * whatever lines left in the background. */
    reap(&p);
    dsq_spawner_destroy(p.spawner);
    p.spawner = NULL;
    end_leftovers(&p);
    signals_give_back(&p, &ss);
    pool_free(&p);
    return p.failed ? -1 : 0;
}
