/* slurm: the scheduler seam (see slurm.h).  Whatever dsq asks of Slurm
 * runs in a child process (child_capture): sbatch itself, and every libslurm
 * question.  libslurm 22.05's slurm_init() calls fatal() and exits the whole
 * process when it finds no configuration, and a controller that does not
 * answer can block for a long time; so a question's child writes its answer
 * as text lines to a pipe, and the parent waits a bounded time and treats a
 * dead or silent child as "Slurm cannot be asked" (with the child's own words
 * as reason).  A laptop with libslurm installed never goes down with it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#ifdef HAVE_SLURM
#include <slurm/slurm.h>
#include <slurm/slurm_errno.h>
#include <slurm/slurmdb.h>
#endif

#include "buf.h"
#include "slurm.h"
#include "sys.h"

#define ASK_TIMEOUT_S 30.0
/* Planning only wants MaxArraySize, and has a fallback: a controller that
 * does not answer by then is not worth more of the user's wait. */
#define LIMITS_TIMEOUT_S 5.0
#define ASK_WORDS_MAX 1024    /* libslurm's stderr kept for the message */
#define SBATCH_WORDS_MAX 4096 /* sbatch's stderr kept for the manifest */

/* What runs in the child, given the write ends of its stdout and stderr
 * pipes; never returns. */
typedef void (*child_fn)(int out_fd, int err_fd, void *arg);

/* How child_capture() treats a child, and what it collected. */
struct capture {
    double timeout_s;              /* 0: no deadline */
    dsq_slurm_stderr_fn on_stderr; /* stderr as it comes, or NULL */
    void *arg;
    size_t keep;             /* stderr kept in *errtext up to about this */
    struct dsq_buf *errtext; /* the caller's */
    struct dsq_buf out;      /* stdout, whole (owned: dsq_buf_free()) */
    int status;              /* waitpid()'s */
    int timed_out;           /* killed at the deadline */
};

/* Run fn in a child and collect its stdout and stderr with poll() until both
 * close or the deadline passes (then the child is killed).  0 once the child
 * is reaped (c->status, c->timed_out); -1 with err when none could start. */
static int
child_capture(child_fn fn, void *fn_arg, struct capture *c, struct dsq_error *err)
{
    int outp[2], errp[2];
    struct pollfd pf[2];
    double deadline = c->timeout_s > 0 ? dsq_time_mono() + c->timeout_s : 0;
    pid_t pid;

    c->status = 0;
    c->timed_out = 0;
    if (pipe2(outp, O_CLOEXEC) < 0)
        return dsq_errno(err, DSQ_ERR_SYSTEM, errno, "pipe");
    if (pipe2(errp, O_CLOEXEC) < 0) {
        close(outp[0]);
        close(outp[1]);
        return dsq_errno(err, DSQ_ERR_SYSTEM, errno, "pipe");
    }
    fflush(NULL); /* nothing buffered is written twice */
    pid = fork();
    if (pid < 0) {
        int e = errno;
        close(outp[0]), close(outp[1]), close(errp[0]), close(errp[1]);
        return dsq_errno(err, DSQ_ERR_SYSTEM, e, "fork");
    }
    if (pid == 0) {
        fn(outp[1], errp[1], fn_arg);
        _exit(127);
    }
    close(outp[1]);
    close(errp[1]);
    pf[0].fd = outp[0];
    pf[1].fd = errp[0];
    pf[0].events = pf[1].events = POLLIN;
    while (pf[0].fd >= 0 || pf[1].fd >= 0) {
        char buf[4096];
        int left = -1;
        if (deadline > 0 && (left = (int)((deadline - dsq_time_mono()) * 1000)) <= 0) {
            c->timed_out = 1;
            break;
        }
        if (poll(pf, 2, left) < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        for (int k = 0; k < 2; k++) {
            ssize_t n;
            if (pf[k].fd < 0 || !(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            n = read(pf[k].fd, buf, sizeof buf);
            if (n <= 0) {
                close(pf[k].fd);
                pf[k].fd = -1;
                continue;
            }
            if (k == 0) {
                dsq_buf_append(&c->out, buf, (size_t)n);
                continue;
            }
            if (c->on_stderr)
                c->on_stderr(buf, (size_t)n, c->arg);
            if (c->errtext->len < c->keep)
                dsq_buf_append(c->errtext, buf, (size_t)n);
        }
    }
    for (int k = 0; k < 2; k++)
        if (pf[k].fd >= 0)
            close(pf[k].fd);
    if (c->timed_out)
        kill(pid, SIGKILL);
    while (waitpid(pid, &c->status, 0) < 0 && errno == EINTR)
        ;
    return 0;
}

#ifdef HAVE_SLURM

static const char *const state_names[] = {
    "PENDING", "RUNNING",   "SUSPENDED", "COMPLETED", "CANCELLED", "FAILED",
    "TIMEOUT", "NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "DEADLINE",  "OUT_OF_MEMORY",
};

/* Child side: print one line per array task:
 * "task <index> <base> <name> <exit>", exit the wait status Slurm recorded
 * (or -1).  Pending tasks share one record whose array_task_str lists
 * them. */
static void
print_task(FILE *out, unsigned long index, uint32_t state, long exit_status)
{
    uint32_t base = state & JOB_STATE_BASE;
    const char *name =
        base < sizeof state_names / sizeof state_names[0] ? state_names[base] : "UNKNOWN";

    /* A requeued task on its way back to the queue is not over. */
    if (state & (JOB_REQUEUE | JOB_REQUEUE_HOLD | JOB_SPECIAL_EXIT))
        base = JOB_PENDING;
    fprintf(out, "task %lu %u %s %ld\n", index, base, name, exit_status);
}

/* Call fn for each index of libslurm's form of an array's tasks: "3-9,12,
 * 15-20%4" (ranges, singles, a throttle), or a step function "0-998:2" when
 * the pending tasks are evenly spaced. */
static void
task_str_each(const char *s, void (*fn)(unsigned long index, void *arg), void *arg)
{
    while (*s && *s != '%') {
        char *end;
        unsigned long a = strtoul(s, &end, 10), b, step = 1;
        if (end == s)
            return;
        s = end;
        b = a;
        if (*s == '-') {
            b = strtoul(s + 1, &end, 10);
            s = end;
        }
        if (*s == ':') {
            step = strtoul(s + 1, &end, 10);
            s = end;
            if (step == 0)
                step = 1;
        }
        for (unsigned long i = a; i <= b && i - a < 10000000UL; i += step)
            fn(i, arg);
        if (*s == ',')
            s++;
        else if (*s && *s != '%')
            return;
    }
}

struct task_print {
    FILE *out;
    uint32_t state;
    long exit_status;
};

static void
task_print_one(unsigned long index, void *arg)
{
    const struct task_print *tp = arg;

    print_task(tp->out, index, tp->state, tp->exit_status);
}

static void
print_task_str(FILE *out, const char *s, uint32_t state, long exit_status)
{
    struct task_print tp = {out, state, exit_status};

    task_str_each(s, task_print_one, &tp);
}

/* Which task indices to print (child side): want[i] for i < n; NULL all. */
struct task_filter {
    unsigned char *want;
    size_t n;
};

static int
task_wanted(const struct task_filter *f, unsigned long index)
{
    return !f || (index < f->n && f->want[index]);
}

/* The accounting database's form of the tasks one record stands for (those
 * that never started): a hex bitmap, "0x" and the highest digit first, bit
 * i for task i. */
static void
print_task_bitmap(FILE *out, const char *s, uint32_t state, long exit_status,
                  const struct task_filter *f)
{
    size_t len;

    if (!strncmp(s, "0x", 2) || !strncmp(s, "0X", 2))
        s += 2;
    len = strlen(s);
    for (size_t k = 0; k < len; k++) {
        char c = s[len - 1 - k];
        unsigned v = c >= '0' && c <= '9'   ? (unsigned)(c - '0')
                     : c >= 'a' && c <= 'f' ? (unsigned)(c - 'a' + 10)
                     : c >= 'A' && c <= 'F' ? (unsigned)(c - 'A' + 10)
                                            : 0;
        for (unsigned b = 0; b < 4; b++)
            if ((v & (1u << b)) && task_wanted(f, (unsigned long)(4 * k + b)))
                print_task(out, (unsigned long)(4 * k + b), state, exit_status);
    }
}

/* Child side: load job_id's records into *msg: 0; 1 when slurmctld does not
 * know it (any more); or libslurm's error on stderr and -1. */
static int
load_job(const char *job_id, job_info_msg_t **msg)
{
    if (slurm_load_job(msg, (uint32_t)strtoul(job_id, NULL, 10), SHOW_ALL) != SLURM_SUCCESS) {
        int e = slurm_get_errno();
        if (e == ESLURM_INVALID_JOB_ID)
            return 1;
        fprintf(stderr, "slurm_load_job %s: %s\n", job_id, slurm_strerror(e));
        return -1;
    }
    return 0;
}

/* Child side: job_id's tasks as the accounting database keeps them, on
 * cluster (the manifest's; NULL: this configuration's), those f wants
 * (NULL: all).  Prints "source acct" and the tasks, or "unknown acct" when
 * the database has no record of them, or "unknown none" when this cluster
 * keeps no accounting.
 * A job slurmctld has forgotten is over: a task the database still has
 * pending or running (a runaway record) is done, its end state unknown. */
static int
child_acct(FILE *out, const char *job_id, const char *cluster, const struct task_filter *f)
{
    slurm_conf_t *conf = NULL;
    slurmdb_job_cond_t cond;
    slurm_selected_step_t step;
    List clusters = NULL, steps = NULL, jobs = NULL;
    ListIterator it;
    slurmdb_job_rec_t *j;
    void *db = NULL;
    uint16_t flags = 0;
    uint32_t id = (uint32_t)strtoul(job_id, NULL, 10);
    int rc = 1, rows = 0;

    if (slurm_load_ctl_conf((time_t)0, &conf) != SLURM_SUCCESS) {
        fprintf(stderr, "slurm_load_ctl_conf: %s\n", slurm_strerror(slurm_get_errno()));
        return 1;
    }
    if (!conf->accounting_storage_type ||
        !strstr(conf->accounting_storage_type, "accounting_storage/slurmdbd")) {
        fprintf(out, "unknown none\n");
        rc = 0;
        goto out;
    }
    if (!cluster || !*cluster)
        cluster = conf->cluster_name;
    if (!(db = slurmdb_connection_get(&flags))) {
        fprintf(stderr, "cannot reach the accounting database (slurmdbd): %s\n",
                slurm_strerror(slurm_get_errno()));
        goto out;
    }
    /* The lists own nothing: their items are on this stack. */
    memset(&cond, 0, sizeof cond);
    memset(&step, 0, sizeof step);
    step.array_task_id = NO_VAL; /* every task of the array job id */
    step.het_job_offset = NO_VAL;
    step.step_id.job_id = id;
    step.step_id.step_id = NO_VAL;
    step.step_id.step_het_comp = NO_VAL;
    clusters = slurm_list_create(NULL);
    steps = slurm_list_create(NULL);
    if (!clusters || !steps)
        goto out;
    if (cluster)
        slurm_list_append(clusters, (void *)cluster);
    slurm_list_append(steps, &step);
    cond.cluster_list = clusters;
    cond.step_list = steps;
    /* Without SLURMDB_JOB_FLAG_NOTSET slurmdbd returns no rows. */
    cond.db_flags = SLURMDB_JOB_FLAG_NOTSET;
    cond.flags = JOBCOND_FLAG_NO_STEP | JOBCOND_FLAG_NO_TRUNC;
    if (!(jobs = slurmdb_jobs_get(db, &cond))) {
        fprintf(stderr, "slurmdb_jobs_get %s: %s\n", job_id, slurm_strerror(slurm_get_errno()));
        goto out;
    }
    fprintf(out, "source acct\n");
    it = slurm_list_iterator_create(jobs);
    while ((j = slurm_list_next(it))) {
        uint32_t st = j->state & JOB_STATE_BASE;
        long ex = (long)j->exitcode;

        if (j->jobid != id && j->array_job_id != id)
            continue;
        if (st == JOB_PENDING || st == JOB_RUNNING || st == JOB_SUSPENDED)
            st = JOB_END; /* over, end state unknown */
        if (j->array_task_str && *j->array_task_str) {
            print_task_bitmap(out, j->array_task_str, st, -1, f);
            rows++;
        } else {
            unsigned long index = j->array_task_id != NO_VAL ? j->array_task_id : 0;

            if (task_wanted(f, index)) {
                print_task(out, index, st, ex);
                rows++;
            }
        }
    }
    slurm_list_iterator_destroy(it);
    if (!rows)
        fprintf(out, "unknown acct\n");
    rc = 0;
out:
    if (jobs)
        slurm_list_destroy(jobs);
    if (clusters)
        slurm_list_destroy(clusters);
    if (steps)
        slurm_list_destroy(steps);
    if (db)
        slurmdb_connection_close(&db);
    slurm_free_ctl_conf(conf);
    return rc;
}

static void
task_listed(unsigned long index, void *arg)
{
    struct task_filter *f = arg;

    if (index < f->n)
        f->want[index] = 0;
}

/* Child side: slurmctld forgets each finished task of an array MinJobAge
 * after it ended, also while other tasks still run (only the array's own
 * record stays): the tasks below the highest index it lists that it no
 * longer lists are asked of the accounting database, where there is one. */
static int
purged_tasks(FILE *out, const char *job_id, const char *cluster, const job_info_msg_t *msg)
{
    struct task_filter f = {NULL, 0};
    unsigned char *want;
    size_t missing;

    for (uint32_t i = 0; i < msg->record_count; i++) {
        const slurm_job_info_t *j = &msg->job_array[i];

        if (j->array_task_id != NO_VAL && (size_t)j->array_task_id + 1 > f.n)
            f.n = (size_t)j->array_task_id + 1;
    }
    if (f.n == 0 || f.n > 100000000 || !(want = malloc(f.n)))
        return 0;
    memset(want, 1, f.n);
    f.want = want;
    for (uint32_t i = 0; i < msg->record_count; i++) {
        const slurm_job_info_t *j = &msg->job_array[i];

        if (j->array_task_id != NO_VAL)
            want[j->array_task_id] = 0;
        if (j->array_task_str && *j->array_task_str)
            task_str_each(j->array_task_str, task_listed, &f); /* the pending ones */
    }
    missing = 0;
    for (size_t k = 0; k < f.n; k++)
        missing += want[k];
    /* The database not answering leaves slurmctld's answer as it is. */
    if (missing)
        child_acct(out, job_id, cluster, &f);
    free(want);
    return 0;
}

/* Child side: job_id's tasks as slurmctld knows them ("source ctld"), or,
 * once it has forgotten the job (or the job is another cluster's), as the
 * accounting database keeps them. */
static int
child_job(FILE *out, const char *job_id, const char *cluster)
{
    job_info_msg_t *msg = NULL;
    int rc = load_job(job_id, &msg);

    if (rc < 0)
        return 1;
    if (rc == 0 && msg->record_count > 0 && cluster && *cluster && msg->job_array[0].cluster &&
        strcmp(cluster, msg->job_array[0].cluster)) {
        slurm_free_job_info_msg(msg); /* same number, another cluster's job */
        rc = 1;
    }
    if (rc == 1)
        return child_acct(out, job_id, cluster, NULL);
    fprintf(out, "source ctld\n");
    rc = 0;
    for (uint32_t i = 0; i < msg->record_count; i++) {
        slurm_job_info_t *j = &msg->job_array[i];
        uint32_t base = j->job_state & JOB_STATE_BASE;
        /* The wait status only means something once the task is over. */
        long ex = base == JOB_PENDING || base == JOB_RUNNING || base == JOB_SUSPENDED
                      ? -1
                      : (long)j->exit_code;
        if (j->array_task_str && *j->array_task_str)
            print_task_str(out, j->array_task_str, j->job_state, -1);
        else if (j->array_task_id != NO_VAL)
            print_task(out, j->array_task_id, j->job_state, ex);
        else /* not an array: index 0 */
            print_task(out, 0, j->job_state, ex);
    }
    rc = purged_tasks(out, job_id, cluster, msg);
    slurm_free_job_info_msg(msg);
    return rc;
}

static int
child_limits(FILE *out)
{
    slurm_conf_t *conf = NULL;
    unsigned long max_tasks = 0;
    const char *p;

    if (slurm_load_ctl_conf((time_t)0, &conf) != SLURM_SUCCESS) {
        fprintf(stderr, "slurm_load_ctl_conf: %s\n", slurm_strerror(slurm_get_errno()));
        return 1;
    }
    if (conf->sched_params && (p = strstr(conf->sched_params, "max_array_tasks=")))
        max_tasks = strtoul(p + strlen("max_array_tasks="), NULL, 10);
    fprintf(out, "limits %u %lu\n", conf->max_array_sz, max_tasks);
    slurm_free_ctl_conf(conf);
    return 0;
}

/* Child side: this configuration's ClusterName ("cluster <name>"). */
static int
child_cluster(FILE *out)
{
    slurm_conf_t *conf = NULL;

    if (slurm_load_ctl_conf((time_t)0, &conf) != SLURM_SUCCESS) {
        fprintf(stderr, "slurm_load_ctl_conf: %s\n", slurm_strerror(slurm_get_errno()));
        return 1;
    }
    if (conf->cluster_name && *conf->cluster_name)
        fprintf(out, "cluster %s\n", conf->cluster_name);
    slurm_free_ctl_conf(conf);
    return 0;
}

/* Child side: the array job ids of this user's jobs whose batch script is
 * one of paths ("job <id>" each): a script submitted by hand. */
static int
child_scripts(FILE *out, const char *const *paths, size_t n)
{
    job_info_msg_t *msg = NULL;
    uid_t me = getuid();

    if (slurm_load_jobs((time_t)0, &msg, SHOW_ALL) != SLURM_SUCCESS) {
        fprintf(stderr, "slurm_load_jobs: %s\n", slurm_strerror(slurm_get_errno()));
        return 1;
    }
    for (uint32_t i = 0; i < msg->record_count; i++) {
        const slurm_job_info_t *j = &msg->job_array[i];

        if (j->user_id != me || !j->command)
            continue;
        for (size_t k = 0; k < n; k++) {
            if (!strcmp(j->command, paths[k])) {
                fprintf(out, "job %u\n", j->array_job_id ? j->array_job_id : j->job_id);
                break;
            }
        }
    }
    slurm_free_job_info_msg(msg);
    return 0;
}

/* Child side: the batch script of job job_id ("command <path>"), or
 * "unknown". */
static int
child_command(FILE *out, const char *job_id)
{
    job_info_msg_t *msg = NULL;
    int rc = load_job(job_id, &msg);

    if (rc != 0) {
        if (rc > 0)
            fprintf(out, "unknown\n");
        return rc < 0;
    }
    if (msg->record_count > 0 && msg->job_array[0].command)
        fprintf(out, "command %s\n", msg->job_array[0].command);
    else
        fprintf(out, "unknown\n");
    slurm_free_job_info_msg(msg);
    return 0;
}

/* Child side: when job job_id ends by its time limit and when it started
 * ("end_time <epoch> start_time <epoch>", 0 for none), or "unknown". */
static int
child_end_time(FILE *out, const char *job_id)
{
    job_info_msg_t *msg = NULL;
    int rc = load_job(job_id, &msg);

    if (rc != 0) {
        if (rc > 0)
            fprintf(out, "unknown\n");
        return rc < 0;
    }
    if (msg->record_count > 0 && msg->job_array[0].time_limit != INFINITE &&
        msg->job_array[0].time_limit != NO_VAL)
        fprintf(out, "end_time %lld start_time %lld\n", (long long)msg->job_array[0].end_time,
                (long long)msg->job_array[0].start_time);
    else
        fprintf(out, "end_time 0 start_time 0\n");
    slurm_free_job_info_msg(msg);
    return 0;
}

/* Child side, dsq_slurm_cancel_pending(): the pending tasks to cancel. */
struct pend {
    const unsigned char *keep;
    size_t nkeep;
    unsigned long *v;
    size_t n, cap;
    int oom;
};

static void
pend_add(unsigned long index, void *arg)
{
    struct pend *p = arg;

    if (p->oom || (index < p->nkeep && p->keep[index]))
        return;
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 256;
        unsigned long *v = realloc(p->v, cap * sizeof *v);
        if (!v) {
            p->oom = 1;
            return;
        }
        p->v = v;
        p->cap = cap;
    }
    p->v[p->n++] = index;
}

static int
ulong_cmp(const void *a, const void *b)
{
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

    return x < y ? -1 : x > y;
}

/* Child side: cancel job_id's pending tasks but the kept, the held
 * (priority 0) and the requeued ones (restart count > 0, or on their way
 * back to the queue), in one request for an array expression
 * "JOB_[a-b,c]", as scancel does; print "cancelled <index>" for each.
 * Requeued tasks are never chosen: one that was pending when the jobs were
 * loaded cannot have become a requeued one since. */
static int
child_cancel(FILE *out, const char *job_id, const unsigned char *keep, size_t nkeep)
{
    job_info_msg_t *msg = NULL;
    struct pend p = {keep, nkeep, NULL, 0, 0, 0};
    struct dsq_buf b = {0};
    int rc = load_job(job_id, &msg);

    if (rc != 0)
        return rc < 0;
    for (uint32_t i = 0; i < msg->record_count; i++) {
        slurm_job_info_t *j = &msg->job_array[i];

        if ((j->job_state & JOB_STATE_BASE) != JOB_PENDING ||
            (j->job_state & (JOB_REQUEUE | JOB_REQUEUE_HOLD | JOB_SPECIAL_EXIT)) ||
            j->restart_cnt > 0 || j->priority == 0)
            continue;
        if (j->array_task_str && *j->array_task_str)
            task_str_each(j->array_task_str, pend_add, &p);
        else if (j->array_task_id != NO_VAL)
            pend_add(j->array_task_id, &p);
    }
    slurm_free_job_info_msg(msg);
    rc = 1;
    if (p.oom || dsq_buf_printf(&b, "%s_[", job_id) < 0) {
        fprintf(stderr, "out of memory\n");
        goto out;
    }
    qsort(p.v, p.n, sizeof *p.v, ulong_cmp);
    for (size_t k = 0; k < p.n;) {
        size_t e = k;
        while (e + 1 < p.n && p.v[e + 1] == p.v[e] + 1)
            e++;
        if ((e > k ? dsq_buf_printf(&b, "%s%lu-%lu", k ? "," : "", p.v[k], p.v[e])
                   : dsq_buf_printf(&b, "%s%lu", k ? "," : "", p.v[k])) < 0) {
            fprintf(stderr, "out of memory\n");
            goto out;
        }
        k = e + 1;
    }
    if (dsq_buf_puts(&b, "]") < 0) {
        fprintf(stderr, "out of memory\n");
        goto out;
    }
    if (p.n && slurm_kill_job2(b.data, SIGKILL, 0, NULL) != SLURM_SUCCESS) {
        int e = slurm_get_errno();
        /* Tasks that ended or started meanwhile are no loss. */
        if (e != ESLURM_ALREADY_DONE && e != ESLURM_INVALID_JOB_ID) {
            fprintf(stderr, "slurm_kill_job2 %s: %s\n", b.data, slurm_strerror(e));
            goto out;
        }
    }
    for (size_t k = 0; k < p.n; k++)
        fprintf(out, "cancelled %lu\n", p.v[k]);
    rc = 0;
out:
    free(p.v);
    dsq_buf_free(&b);
    return rc;
}

/* Child side: partition name's (NULL: the default one's) limits,
 * "partition <name> <mem> <per_cpu> <minutes>": MaxMemPerNode or
 * MaxMemPerCPU in MiB (0 none), 1 when per CPU, MaxTime (-1 none). */
static int
child_partition(FILE *out, const char *name)
{
    partition_info_msg_t *msg = NULL;

    if (slurm_load_partitions((time_t)0, &msg, SHOW_ALL) != SLURM_SUCCESS) {
        fprintf(stderr, "slurm_load_partitions: %s\n", slurm_strerror(slurm_get_errno()));
        return 1;
    }
    for (uint32_t i = 0; i < msg->record_count; i++) {
        const partition_info_t *p = &msg->partition_array[i];
        uint64_t mem = p->max_mem_per_cpu;
        int per_cpu = (mem & MEM_PER_CPU) != 0;

        if (!p->name || (name ? strcmp(p->name, name) : !(p->flags & PART_FLAG_DEFAULT)))
            continue;
        mem &= ~MEM_PER_CPU;
        if (mem == INFINITE64 || mem == (INFINITE64 & ~MEM_PER_CPU))
            mem = 0;
        fprintf(out, "partition %s %llu %d %ld\n", p->name, (unsigned long long)mem, per_cpu,
                p->max_time == INFINITE || p->max_time == NO_VAL ? -1L : (long)p->max_time);
        break;
    }
    slurm_free_partition_info_msg(msg);
    return 0;
}

/* A question for the child: "limits"; "cluster"; "partition" (job_id: its
 * name, or NULL); "job" (with a job id and
 * its cluster, or NULL) or "command" with a job id; "scripts" with
 * paths. */
struct question {
    const char *what;
    const char *job_id;
    const char *cluster;
    const char *const *paths;
    size_t npaths;
    const unsigned char *keep; /* "cancel": tasks not to cancel */
    size_t nkeep;
};

static void
child_ask(int out_fd, int err_fd, void *arg)
{
    const struct question *q = arg;
    FILE *f;
    int rc;

    dup2(err_fd, 2);
    f = fdopen(out_fd, "w");
    if (!f)
        _exit(2);
    slurm_init(NULL);
    rc = !strcmp(q->what, "limits")      ? child_limits(f)
         : !strcmp(q->what, "cluster")   ? child_cluster(f)
         : !strcmp(q->what, "scripts")   ? child_scripts(f, q->paths, q->npaths)
         : !strcmp(q->what, "command")   ? child_command(f, q->job_id)
         : !strcmp(q->what, "end_time")  ? child_end_time(f, q->job_id)
         : !strcmp(q->what, "partition") ? child_partition(f, q->job_id)
         : !strcmp(q->what, "cancel")    ? child_cancel(f, q->job_id, q->keep, q->nkeep)
                                         : child_job(f, q->job_id, q->cluster);
    if (rc == 0)
        fprintf(f, "end\n");
    fclose(f);
    _exit(rc);
}

/* Ask one question in a child; *answer (owned) holds its stdout. */
static int
ask(const struct question *qu, double timeout_s, char **answer, struct dsq_error *err)
{
    struct question q = *qu;
    struct dsq_buf msg = {0};
    struct capture c = {.timeout_s = timeout_s, .keep = ASK_WORDS_MAX, .errtext = &msg};
    const char *conf = getenv("SLURM_CONF");

    /* libslurm spends its whole time limit on a SLURM_CONF it cannot read
     * before it gives up: say so at once. */
    if (conf && *conf && access(conf, R_OK) < 0)
        return dsq_errno(err, DSQ_ERR_SYSTEM, errno, "Slurm cannot be asked: SLURM_CONF=%s", conf);
    if (child_capture(child_ask, &q, &c, err) < 0)
        return -1;
    if (c.timed_out || !WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0 || !c.out.data ||
        !strstr(c.out.data, "end\n")) {
        char *nl;
        /* libslurm's own words, first line, without its "fatal: " prefix. */
        const char *why = msg.data ? msg.data : "";
        if (!strncmp(why, "fatal: ", 7))
            why += 7;
        if (msg.data && (nl = strchr(msg.data, '\n')))
            *nl = '\0';
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "Slurm cannot be asked: %s",
                      c.timed_out ? "the controller did not answer in time"
                      : *why      ? why
                                  : "libslurm failed");
        dsq_buf_free(&c.out);
        dsq_buf_free(&msg);
        return -1;
    }
    dsq_buf_free(&msg);
    *answer = c.out.data;
    return 0;
}

/* ask() about q->job_id, which must be a job id (its digits). */
static int
ask_job(const struct question *q, char **answer, struct dsq_error *err)
{
    const char *id = q->job_id;

    if (!id || !*id || strspn(id, "0123456789") != strlen(id))
        return dsq_errprintf(err, DSQ_ERR_INPUT, "'%s' is not a Slurm job id", id ? id : "");
    return ask(q, ASK_TIMEOUT_S, answer, err);
}

int
dsq_slurm_array_limits(size_t *max_array_size, size_t *max_tasks, struct dsq_error *err)
{
    char *ans = NULL;
    unsigned long a, b;

    struct question q = {.what = "limits"};

    if (ask(&q, LIMITS_TIMEOUT_S, &ans, err) < 0)
        return -1;
    if (sscanf(ans, "limits %lu %lu", &a, &b) != 2 || a == 0) {
        free(ans);
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "Slurm gave no MaxArraySize");
    }
    free(ans);
    *max_array_size = a;
    *max_tasks = b;
    return 0;
}

int
dsq_slurm_job_tasks(const char *job_id, const char *cluster, struct dsq_slurm_task **tasks,
                    size_t *n, enum dsq_qsource *source, struct dsq_error *err)
{
    struct question q = {.what = "job", .job_id = job_id, .cluster = cluster};
    char *ans = NULL, *line, *save = NULL;
    struct dsq_slurm_task *v = NULL;
    enum dsq_qsource src = DSQ_QSRC_NONE;
    size_t cap = 0, cnt = 0;

    *tasks = NULL;
    *n = 0;
    if (source)
        *source = DSQ_QSRC_NONE;
    if (ask_job(&q, &ans, err) < 0)
        return -1;
    for (line = strtok_r(ans, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        unsigned long idx;
        unsigned base;
        long ex;
        char name[32];

        if (!strcmp(line, "source ctld"))
            src = DSQ_QSRC_CTLD;
        else if (!strcmp(line, "source acct") || !strcmp(line, "unknown acct"))
            src = DSQ_QSRC_ACCT;
        if (sscanf(line, "task %lu %u %31s %ld", &idx, &base, name, &ex) != 4)
            continue;
        {
            struct dsq_slurm_task *p = dsq_grow(v, &cap, cnt + 1, sizeof *p, 64);
            if (!p) {
                free(v);
                free(ans);
                return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
            }
            v = p;
        }
        v[cnt].index = idx;
        v[cnt].state = base == JOB_PENDING                            ? DSQ_Q_PENDING
                       : base == JOB_RUNNING || base == JOB_SUSPENDED ? DSQ_Q_RUNNING
                                                                      : DSQ_Q_DONE;
        snprintf(v[cnt].slurm_state, sizeof v[cnt].slurm_state, "%s",
                 strcmp(name, "UNKNOWN") ? name : "");
        v[cnt].source = src;
        v[cnt].exit_status = ex >= 0 && ex <= 0xffff ? (int)ex : -1;
        cnt++;
    }
    free(ans);
    *tasks = v;
    *n = cnt;
    if (source)
        *source = src;
    return cnt ? 0 : 1;
}

int
dsq_slurm_partition_limits(const char *partition, struct dsq_slurm_partition *lim,
                           struct dsq_error *err)
{
    struct question q = {.what = "partition", .job_id = partition};
    char *ans = NULL;
    unsigned long long mem;
    int per_cpu, got;
    long minutes;

    memset(lim, 0, sizeof *lim);
    lim->max_time_s = -1;
    if (ask(&q, LIMITS_TIMEOUT_S, &ans, err) < 0)
        return -1;
    got = sscanf(ans, "partition %63s %llu %d %ld", lim->name, &mem, &per_cpu, &minutes);
    free(ans);
    if (got != 4)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "Slurm has no partition %s",
                             partition ? partition : "marked default");
    lim->known = 1;
    lim->max_mem_mib = mem;
    lim->mem_per_cpu = per_cpu;
    lim->max_time_s = minutes < 0 ? -1 : minutes * 60;
    return 0;
}

int
dsq_slurm_cluster(char *name, size_t n, struct dsq_error *err)
{
    char *ans = NULL, *nl;
    size_t len;

    name[0] = '\0';
    if (ask(&(struct question){.what = "cluster"}, LIMITS_TIMEOUT_S, &ans, err) < 0)
        return -1;
    if (!strncmp(ans, "cluster ", 8)) {
        if ((nl = strchr(ans, '\n')))
            *nl = '\0';
        len = strlen(ans + 8);
        if (len < n)
            memcpy(name, ans + 8, len + 1);
    }
    free(ans);
    return 0;
}

int
dsq_slurm_jobs_of_script(const char *const *paths, size_t n, struct dsq_strv *ids,
                         struct dsq_error *err)
{
    struct question q = {.what = "scripts", .paths = paths, .npaths = n};
    char *ans = NULL, *line, *save = NULL;

    if (ask(&q, ASK_TIMEOUT_S, &ans, err) < 0)
        return -1;
    for (line = strtok_r(ans, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        int seen = 0;
        if (strncmp(line, "job ", 4))
            continue;
        for (size_t k = 0; k < ids->n && !seen; k++)
            seen = !strcmp(ids->v[k], line + 4);
        if (!seen && dsq_strv_push(ids, line + 4) < 0) {
            free(ans);
            return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        }
    }
    free(ans);
    return 0;
}

int
dsq_slurm_job_script(const char *job_id, char **path, struct dsq_error *err)
{
    struct question q = {.what = "command", .job_id = job_id};
    char *ans = NULL, *nl;

    *path = NULL;
    if (ask_job(&q, &ans, err) < 0)
        return -1;
    if (!strncmp(ans, "command ", 8)) {
        if ((nl = strchr(ans, '\n')))
            *nl = '\0';
        if (!(*path = strdup(ans + 8))) {
            free(ans);
            return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        }
    }
    free(ans);
    return 0;
}

int
dsq_slurm_job_end_time(const char *job_id, double *end, double *start, struct dsq_error *err)
{
    struct question q = {.what = "end_time", .job_id = job_id};
    char *ans = NULL;
    long long v, w;

    *end = 0;
    *start = 0;
    if (ask_job(&q, &ans, err) < 0)
        return -1;
    if (sscanf(ans, "end_time %lld start_time %lld", &v, &w) == 2 && v > 0) {
        *end = (double)v;
        *start = w > 0 && w <= v ? (double)w : 0;
    }
    free(ans);
    return 0;
}

int
dsq_slurm_cancel_pending(const char *job_id, const unsigned char *keep, size_t nkeep,
                         size_t **cancelled, size_t *n, struct dsq_error *err)
{
    struct question q = {.what = "cancel", .job_id = job_id, .keep = keep, .nkeep = nkeep};
    char *ans = NULL, *line, *save = NULL;
    size_t *v = NULL, cap = 0, cnt = 0;

    *cancelled = NULL;
    *n = 0;
    if (ask_job(&q, &ans, err) < 0)
        return -1;
    for (line = strtok_r(ans, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        unsigned long idx;
        size_t *p;

        if (sscanf(line, "cancelled %lu", &idx) != 1)
            continue;
        if (!(p = dsq_grow(v, &cap, cnt + 1, sizeof *p, 64))) {
            free(v);
            free(ans);
            return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        }
        v = p;
        v[cnt++] = idx;
    }
    free(ans);
    *cancelled = v;
    *n = cnt;
    return 0;
}

int
dsq_slurm_configured(void)
{
    const char *conf = getenv("SLURM_CONF");

    return (conf && *conf) || access(DSQ_SLURM_DEFAULT_CONF, F_OK) == 0;
}

#else /* !HAVE_SLURM */

int
dsq_slurm_array_limits(size_t *max_array_size, size_t *max_tasks, struct dsq_error *err)
{
    (void)max_array_size;
    (void)max_tasks;
    return dsq_errprintf(err, DSQ_ERR_SYSTEM,
                         "Slurm cannot be asked: dsq was built without libslurm");
}

int
dsq_slurm_job_tasks(const char *job_id, const char *cluster, struct dsq_slurm_task **tasks,
                    size_t *n, enum dsq_qsource *source, struct dsq_error *err)
{
    (void)job_id;
    (void)cluster;
    *tasks = NULL;
    *n = 0;
    if (source)
        *source = DSQ_QSRC_NONE;
    return dsq_errprintf(err, DSQ_ERR_SYSTEM,
                         "Slurm cannot be asked: dsq was built without libslurm");
}

int
dsq_slurm_partition_limits(const char *partition, struct dsq_slurm_partition *lim,
                           struct dsq_error *err)
{
    (void)partition;
    memset(lim, 0, sizeof *lim);
    lim->max_time_s = -1;
    return dsq_errprintf(err, DSQ_ERR_SYSTEM,
                         "Slurm cannot be asked: dsq was built without libslurm");
}

int
dsq_slurm_cancel_pending(const char *job_id, const unsigned char *keep, size_t nkeep,
                         size_t **cancelled, size_t *n, struct dsq_error *err)
{
    (void)job_id;
    (void)keep;
    (void)nkeep;
    *cancelled = NULL;
    *n = 0;
    return dsq_errprintf(err, DSQ_ERR_SYSTEM,
                         "Slurm cannot be asked: dsq was built without libslurm");
}

int
dsq_slurm_cluster(char *name, size_t n, struct dsq_error *err)
{
    if (n)
        name[0] = '\0';
    return dsq_errprintf(err, DSQ_ERR_SYSTEM,
                         "Slurm cannot be asked: dsq was built without libslurm");
}

int
dsq_slurm_jobs_of_script(const char *const *paths, size_t n, struct dsq_strv *ids,
                         struct dsq_error *err)
{
    (void)paths;
    (void)n;
    (void)ids;
    return dsq_errprintf(err, DSQ_ERR_SYSTEM,
                         "Slurm cannot be asked: dsq was built without libslurm");
}

int
dsq_slurm_job_script(const char *job_id, char **path, struct dsq_error *err)
{
    (void)job_id;
    *path = NULL;
    return dsq_errprintf(err, DSQ_ERR_SYSTEM,
                         "Slurm cannot be asked: dsq was built without libslurm");
}

int
dsq_slurm_job_end_time(const char *job_id, double *end, double *start, struct dsq_error *err)
{
    (void)job_id;
    *end = 0;
    *start = 0;
    return dsq_errprintf(err, DSQ_ERR_SYSTEM,
                         "Slurm cannot be asked: dsq was built without libslurm");
}

int
dsq_slurm_configured(void)
{
    return 0;
}

#endif

/* Both builds: sbatch is a program, and the queue question goes through
 * dsq_slurm_job_tasks(). */

int
dsq_slurm_jobs_busy(char *const *job_ids, size_t n, struct dsq_error *err)
{
    int busy = 0;

    for (size_t j = 0; j < n && !busy; j++) {
        struct dsq_slurm_task *t = NULL;
        size_t nt = 0;
        if (dsq_slurm_job_tasks(job_ids[j], NULL, &t, &nt, NULL, err) < 0)
            return -1;
        for (size_t k = 0; k < nt; k++)
            if (t[k].state == DSQ_Q_PENDING || t[k].state == DSQ_Q_RUNNING)
                busy = 1;
        free(t);
    }
    return busy;
}

int
dsq_slurm_array_spec(struct dsq_buf *b, size_t count, unsigned long max_jobs)
{
    if (dsq_buf_printf(b, "0-%zu", count - 1) < 0 ||
        (max_jobs && dsq_buf_printf(b, "%%%lu", max_jobs) < 0))
        return -1;
    return 0;
}

/* sbatch's arguments, for the child: argv, NULL-terminated. */
struct sbatch_argv {
    char **argv;
};

static void
child_sbatch(int out_fd, int err_fd, void *arg)
{
    const struct sbatch_argv *a = arg;

    dup2(out_fd, 1);
    dup2(err_fd, 2);
    execvp("sbatch", a->argv);
    /* In the child: this goes down the stderr pipe as sbatch's message. */
    fprintf(stderr, "cannot run sbatch: %s\n", strerror(errno));
    _exit(127);
}

/* Run `sbatch --parsable OPTS... SCRIPT ARGS...` (see dsq_slurm_sbatch). */
static int
sbatch_run(const char *const *opts, size_t nopts, const char *script, const char *const *args,
           size_t nargs, dsq_slurm_stderr_fn on_stderr, void *arg, struct dsq_buf *words,
           char *job_id, size_t n, struct dsq_error *err)
{
    struct sbatch_argv a = {0};
    struct capture c = {
        .on_stderr = on_stderr, .arg = arg, .keep = SBATCH_WORDS_MAX, .errtext = words};
    size_t k = 0;
    char *out;

    if (!(a.argv = calloc(nopts + nargs + 4, sizeof *a.argv)))
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    /* --parsable: "<jobid>[;cluster]" on stdout. */
    a.argv[k++] = (char *)"sbatch";
    a.argv[k++] = (char *)"--parsable";
    for (size_t i = 0; i < nopts; i++)
        a.argv[k++] = (char *)opts[i];
    a.argv[k++] = (char *)script;
    for (size_t i = 0; i < nargs; i++)
        a.argv[k++] = (char *)args[i];
    if (child_capture(child_sbatch, &a, &c, err) < 0) {
        free(a.argv);
        return -1;
    }
    free(a.argv);
    out = c.out.data;
    if (!WIFEXITED(c.status) || WEXITSTATUS(c.status) != 0) {
        dsq_buf_free(&c.out);
        if (!words->len)
            dsq_buf_puts(words, "sbatch failed without a message");
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "sbatch refused the job (its message is above)");
    }
    if (out)
        out[strcspn(out, ";\n")] = '\0';
    if (!out || !out[0] || strspn(out, "0123456789") != strlen(out) || strlen(out) >= n) {
        dsq_buf_free(&c.out);
        dsq_buf_puts(words, "sbatch printed no job id");
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "sbatch printed no job id");
    }
    memcpy(job_id, out, strlen(out) + 1);
    dsq_buf_free(&c.out);
    return 0;
}

int
dsq_slurm_sbatch(const char *script, const char *array, const struct dsq_strv *extra, size_t offset,
                 dsq_slurm_stderr_fn on_stderr, void *arg, struct dsq_buf *words, char *job_id,
                 size_t n, struct dsq_error *err)
{
    struct dsq_buf arr = {0};
    struct dsq_strv opts = {0};
    char off[32];
    const char *args[2] = {"--offset", off};
    int rc = -1;

    snprintf(off, sizeof off, "%zu", offset);
    if (dsq_buf_printf(&arr, "--array=%s", array) < 0 || dsq_strv_push(&opts, arr.data) < 0) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        goto out;
    }
    for (size_t k = 0; extra && k < extra->n; k++)
        if (dsq_strv_push(&opts, extra->v[k]) < 0) {
            dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
            goto out;
        }
    rc = sbatch_run((const char *const *)opts.v, opts.n, script, args, 2, on_stderr, arg, words,
                    job_id, n, err);
out:
    dsq_buf_free(&arr);
    dsq_strv_free(&opts);
    return rc;
}

int
dsq_slurm_sbatch_job(const struct dsq_strv *opts, const char *script, struct dsq_buf *words,
                     char *job_id, size_t n, struct dsq_error *err)
{
    return sbatch_run((const char *const *)opts->v, opts->n, script, NULL, 0, NULL, NULL, words,
                      job_id, n, err);
}
