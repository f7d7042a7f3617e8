/* run: turns a planned run directory into pool items (see run.h).  It trusts
 * nothing but the run directory: the manifest says how lines were sliced,
 * and the job file copy, checked against the manifest's SHA-256, supplies
 * the commands, so editing the user's job file after submission changes
 * nothing. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bind.h"
#include "buf.h"
#include "claim.h"
#include "fs.h"
#include "halt.h"
#include "jobfile.h"
#include "manifest.h"
#include "plan.h"
#include "record.h"
#include "retry.h"
#include "run.h"
#include "rundir.h"
#include "sha256.h"
#include "slurm.h"
#include "sys.h"
#include "unneeded.h"

/* The status files of the tasks this run writes, opened on first use and
 * kept open: a dry run alternates between tasks line after line. */
struct writers {
    const char *run_dir;
    unsigned attempt, restart;
    size_t base; /* task of w[0] */
    size_t n;
    struct dsq_recw **w;
};

static void
writers_close(struct writers *ws)
{
    for (size_t i = 0; i < ws->n; i++) {
        dsq_recw_close(ws->w[i]);
        ws->w[i] = NULL;
    }
}

static struct dsq_recw *
writer_for(size_t task, void *arg, struct dsq_error *err)
{
    struct writers *ws = arg;
    struct dsq_recw **slot;
    char *path;

    if (task < ws->base || task - ws->base >= ws->n) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "internal error: no status file for array task %zu",
                      task);
        return NULL;
    }
    slot = &ws->w[task - ws->base];
    if (*slot)
        return *slot;
    path = dsq_rundir_record_path(ws->run_dir, ws->attempt, task, ws->restart);
    if (!path) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        return NULL;
    }
    *slot = dsq_recw_open(path, err);
    if (!*slot && (errno == EMFILE || errno == ENFILE)) {
        /* More tasks than descriptors: the files are append-only, so
         * closing the others and reopening them later loses nothing. */
        writers_close(ws);
        *slot = dsq_recw_open(path, err);
    }
    free(path);
    return *slot;
}

/* Lines of this (attempt, task) that ended ok before a requeue. */
struct done_lines {
    unsigned char *ok; /* by physical line number */
    size_t nlines;
};

static int
note_ok(const struct dsq_record *r, void *arg)
{
    struct done_lines *d = arg;

    if (r->ev == DSQ_EV_END && r->state == DSQ_ST_OK && r->line < d->nlines)
        d->ok[r->line] = 1;
    return 0;
}

static int
read_done(const struct dsq_run_opts *o, const char *run_dir, size_t task, struct done_lines *d,
          struct dsq_error *err)
{
    for (unsigned r = 0; r < o->restart; r++) {
        char *path = dsq_rundir_record_path(run_dir, o->attempt, task, r);
        struct stat st;
        int rc = 0;

        if (!path)
            return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        /* An earlier incarnation that never started a line has no file. */
        if (stat(path, &st) == 0)
            rc = dsq_record_read_file(path, note_ok, d, err);
        free(path);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* Where the attempt's lines run: its sbatch --chdir, relative to the submit
 * directory as sbatch takes it, else the submit directory (NULL: inherit).
 * Owned; NULL with *oom when out of memory. */
static char *
line_workdir(const struct dsq_manifest *m, const struct dsq_attempt *a, int *oom)
{
    const char *dir = m->submit_dir;
    struct dsq_buf b = {0};

    *oom = 0;
    for (size_t i = 0; i < a->sbatch.n; i++) {
        if (!strncmp(a->sbatch.v[i], "--chdir=", 8))
            dir = a->sbatch.v[i] + 8;
    }
    if (!dir)
        return NULL;
    if (dir != m->submit_dir && dir[0] != '/' && m->submit_dir)
        *oom = dsq_buf_printf(&b, "%s/%s", m->submit_dir, dir) < 0;
    else
        *oom = dsq_buf_puts(&b, dir) < 0;
    return b.data;
}

/* The run's manifest and job file copy, checked against each other. */
static int
load_checked(const char *run_dir, struct dsq_manifest *m, struct dsq_jobfile **jf,
             struct dsq_error *err)
{
    char *path;
    char hex[65];
    int rc = -1;

    if (dsq_manifest_read(run_dir, m, err) < 0)
        return -1;
    if (!(path = dsq_rundir_path(m->run_dir, DSQ_RD_JOBFILE))) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        goto out;
    }
    if (!(*jf = dsq_jobfile_load(path, err)))
        goto out;
    dsq_sha256_hex((*jf)->data, (*jf)->len, hex);
    if (strcasecmp(hex, m->sha256)) {
        dsq_errprintf(err, DSQ_ERR_INPUT,
                      "%s: the job file copy does not match its SHA-256 in the manifest "
                      "(changed after planning); plan the run again",
                      path);
        goto out;
    }
    if ((*jf)->ncmds != m->commands) {
        dsq_errprintf(err, DSQ_ERR_INPUT, "%s: %zu command lines, but the manifest planned %zu",
                      path, (*jf)->ncmds, m->commands);
        goto out;
    }
    rc = 0;
out:
    free(path);
    if (rc < 0) {
        dsq_jobfile_destroy(*jf);
        *jf = NULL;
        dsq_manifest_free(m);
    }
    return rc;
}

/* What one pool runs: the attempt's lines (lines[0..nl), its plan's
 * positions) as pool items, in order. */
struct work {
    struct dsq_pool_item *items; /* owned */
    size_t n;
    size_t skipped; /* lines of a requeued task that already ended ok */
};

static void
item_set(struct dsq_pool_item *it, const struct dsq_jobfile *jf, size_t i, size_t task)
{
    it->line = jf->cmds[i].line;
    it->task = task;
    it->cmd = dsq_jobfile_cmd(jf, i);
    it->len = jf->cmds[i].len;
}

/* Dry run: every line, in job-file order, each under its task. */
static int
work_all(const struct dsq_attempt *a, const struct dsq_jobfile *jf, const size_t *lines, size_t nl,
         struct work *w)
{
    if (!(w->items = calloc(nl ? nl : 1, sizeof *w->items)))
        return -1;
    for (size_t j = 0; j < nl; j++)
        item_set(&w->items[w->n++], jf, dsq_jobfile_find(jf, lines[j]),
                 dsq_plan_cmd_task(&a->plan, j));
    return 0;
}

/* Array task k's lines; a requeued one (o->restart > 0) skips those that
 * already ended ok in this attempt. */
static int
work_task(const struct dsq_run_opts *o, const char *run_dir, const struct dsq_attempt *a,
          const struct dsq_jobfile *jf, const size_t *lines, size_t nl, size_t k, struct work *w,
          struct dsq_error *err)
{
    struct done_lines done = {0};
    size_t sz = dsq_plan_task_size(&a->plan, k);
    int rc = -1;

    if (k >= a->plan.tasks)
        return dsq_errprintf(err, DSQ_ERR_INPUT,
                             "%s: array task %zu is not in attempt %u (it has tasks 0-%zu)",
                             run_dir, k, a->number, a->plan.tasks - 1);
    if (o->restart > 0) {
        done.nlines = jf->physical_lines + 1;
        if (!(done.ok = calloc(done.nlines, 1)))
            goto oom;
        if (read_done(o, run_dir, k, &done, err) < 0)
            goto out;
    }
    if (!(w->items = calloc(sz ? sz : 1, sizeof *w->items)))
        goto oom;
    for (size_t j = 0; j < sz; j++) {
        size_t pos = dsq_plan_task_cmd(&a->plan, k, j), i;

        if (pos >= nl) {
            dsq_errprintf(err, DSQ_ERR_INPUT, "%s: plan names command %zu of %zu", run_dir, pos + 1,
                          nl);
            goto out;
        }
        i = dsq_jobfile_find(jf, lines[pos]);
        if (done.ok && done.ok[jf->cmds[i].line])
            w->skipped++;
        else
            item_set(&w->items[w->n++], jf, i, k);
    }
    rc = 0;
    goto out;
oom:
    dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
out:
    free(done.ok);
    return rc;
}

/* --layout dynamic: the pool's next line, claimed now (claim.h).  A chunk
 * of claimed positions is handed out line by line as slots free up; a
 * requeued task first hands out its own earlier claims that did not end
 * ok.  A dry run claims each chunk for the next task in turn, so that its
 * records spread over the tasks as the cluster's would. */
struct dyn {
    const struct dsq_jobfile *jf;
    const size_t *lines;         /* position -> physical line */
    const struct dsq_plan *plan; /* claimed slot -> position */
    struct dsq_claim *claim;
    size_t task;   /* the claiming task; dry run: the first */
    size_t ntasks; /* dry run: tasks to claim for in turn, else 0 */
    size_t turn;
    unsigned restart, slots;
    size_t *hand; /* owned: positions claimed, not yet handed out */
    size_t nhand, ihand, cap;
    size_t hand_task;
    double line_time;  /* per-line -t, <= 0 none */
    double end_time;   /* the task's end, epoch; 0 unknown */
    double start_time; /* the task's start, epoch; 0 unknown */
    size_t share;      /* lines the task's time was asked for (its fixed
                          slice's count), when Slurm gave that time: started
                          whatever time is left, as in a fixed slice */
    double t0;         /* first hand-out, monotonic */
    size_t handed, prev;
    /* On Slurm, for dsq_unneeded_cancel() once nothing is left. */
    const char *run_dir, *job_id; /* borrowed; job_id "" or NULL: none */
    unsigned attempt;
    size_t plan_tasks, offset;
    int swept;
};

static int
hand_push(struct dyn *d, size_t pos)
{
    if (d->nhand == d->cap) {
        size_t cap = d->cap ? 2 * d->cap : 64;
        size_t *v = realloc(d->hand, cap * sizeof *v);
        if (!v)
            return -1;
        d->hand = v;
        d->cap = cap;
    }
    d->hand[d->nhand++] = pos;
    return 0;
}

static int
dyn_next(struct dsq_pool_item *it, void *arg, struct dsq_error *err)
{
    struct dyn *d = arg;
    double now = dsq_time_mono(), left = -1;
    size_t pos;
    int in_share = d->handed < d->share;

    /* The time limit was asked for the task's share, ceil(share / W) x -t:
     * those lines start as they would in a fixed slice, however little of
     * it is left when they do; only lines beyond it must fit what is. */
    if (d->end_time > 0 && !in_share)
        left = d->end_time - dsq_time_real();
    if (d->ihand == d->nhand) {
        struct dsq_claim_sizing sz = {-1, d->slots, d->prev, d->line_time, left};
        size_t first, n, want;
        int rc;

        /* Started lines less those still running (all slots but the one
         * free now): about how many ended, in all the slots' time. */
        if (d->handed >= d->slots && d->handed - (d->slots - 1) > 0)
            sz.mean_s = (now - d->t0) * d->slots / (double)(d->handed - (d->slots - 1));
        if (!(want = dsq_claim_chunk(&sz)))
            return 0; /* no time for one more line: left to others */
        if (in_share && d->line_time > 0 && d->end_time > 0 && want > d->share - d->handed)
            want = d->share - d->handed; /* the rest is claimed when time is known */
        rc = dsq_claim_take(d->claim, d->ntasks ? d->turn % d->ntasks : d->task, d->restart, want,
                            &first, &n, err);
        if (rc == 0 && !d->swept && !d->ntasks && d->job_id && *d->job_id) {
            struct dsq_error e = {0};
            /* Best effort: tasks left pending start and end at once. */
            d->swept = 1;
            (void)dsq_unneeded_cancel(d->run_dir, d->attempt, d->plan_tasks, d->job_id, d->offset,
                                      NULL, &e);
        }
        if (rc <= 0)
            return rc;
        d->hand_task = d->ntasks ? d->turn++ % d->ntasks : d->task;
        d->prev = n;
        d->nhand = d->ihand = 0;
        for (size_t j = 0; j < n; j++)
            if (hand_push(d, first + j) < 0)
                return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    } else if (d->line_time > 0 && left >= 0 && left < d->line_time) {
        return 0; /* claimed but unstarted: lost, for a rerun */
    }
    pos = d->hand[d->ihand++];
    if (!d->handed++)
        d->t0 = now;
    item_set(it, d->jf, dsq_jobfile_find(d->jf, d->lines[dsq_plan_pos(d->plan, pos)]),
             d->hand_task);
    return 1;
}

/* A requeued dynamic task's own claims, through dsq_claim_read(). */
struct own {
    struct dyn *d;
    const struct done_lines *done;
    size_t skipped;
    int oom;
};

static int
note_own(size_t first, size_t n, size_t task, unsigned restart, void *arg)
{
    struct own *o = arg;

    (void)restart;
    if (task != o->d->task)
        return 0;
    for (size_t pos = first; pos < first + n; pos++) {
        size_t line = o->d->lines[dsq_plan_pos(o->d->plan, pos)];
        if (o->done->ok && line < o->done->nlines && o->done->ok[line])
            o->skipped++;
        else if (hand_push(o->d, pos) < 0) {
            o->oom = 1;
            return -1;
        }
    }
    return 0;
}

static int
pos_cmp(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    return x < y ? -1 : x > y;
}

/* Set up d for array task k (or every task: k < 0).  *skipped: lines of a
 * requeued task's claims that already ended ok. */
static int
dyn_init(const struct dsq_run_opts *o, const char *run_dir, const struct dsq_attempt *a,
         const struct dsq_jobfile *jf, const size_t *lines, size_t nl, long k, struct dyn *d,
         size_t *skipped, struct dsq_error *err)
{
    struct done_lines done = {0};
    struct own own = {d, &done, 0, 0};
    unsigned att = o->attempt ? o->attempt : 1;
    int rc = -1;

    d->jf = jf;
    d->lines = lines;
    d->plan = &a->plan;
    d->restart = o->restart;
    d->run_dir = run_dir;
    d->job_id = o->job_id;
    d->attempt = att;
    d->plan_tasks = a->plan.tasks;
    d->offset = o->offset;
    d->line_time = a->per_line.time_s > 0 ? (double)a->per_line.time_s : 0;
    d->end_time = o->end_time;
    d->start_time = o->start_time;
    if (d->line_time > 0 && (!d->end_time || !d->start_time) && k >= 0 && o->own_job_id &&
        o->own_job_id[0]) {
        struct dsq_error e = {0};
        double end = 0, start = 0;

        /* What the environment lacks (a Slurm may set the end, not the
         * start).  Unknown stays unknown: with no end every line is
         * started; with no start only lines that fit. */
        (void)dsq_slurm_job_end_time(o->own_job_id, &end, &start, &e);
        if (!d->end_time)
            d->end_time = end;
        if (!d->start_time)
            d->start_time = start;
    }
    if (d->line_time > 0 && k >= 0 && (size_t)k < a->plan.tasks) {
        size_t share = dsq_plan_task_size(&a->plan, (size_t)k);
        unsigned w = a->plan.parallel ? a->plan.parallel : 1;
        double asked = (double)((share + w - 1) / w) * d->line_time;

        /* A task that started with the time asked for its share (a second
         * of rounding aside) runs that share as a fixed slice would. */
        if (d->start_time > 0 && d->end_time - d->start_time + 1 >= asked)
            d->share = share;
    }
    if (k < 0) {
        d->ntasks = a->plan.tasks;
    } else {
        d->task = (size_t)k;
        if (d->task >= a->plan.tasks)
            return dsq_errprintf(err, DSQ_ERR_INPUT,
                                 "%s: array task %zu is not in attempt %u (it has tasks 0-%zu)",
                                 run_dir, d->task, a->number, a->plan.tasks - 1);
    }
    if (!(d->claim = dsq_claim_open(run_dir, att, nl, err)))
        return -1;
    if (k >= 0 && o->restart > 0) {
        done.nlines = jf->physical_lines + 1;
        if (!(done.ok = calloc(done.nlines, 1)))
            goto oom;
        if (read_done(o, run_dir, d->task, &done, err) < 0)
            goto out;
        if (dsq_claim_read(run_dir, att, note_own, &own, err) < 0) {
            if (own.oom)
                goto oom;
            goto out;
        }
        qsort(d->hand, d->nhand, sizeof *d->hand, pos_cmp);
        d->hand_task = d->task;
        *skipped = own.skipped;
    }
    rc = 0;
    goto out;
oom:
    dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
out:
    free(done.ok);
    return rc;
}

/* The pool's width: o->slots, else the plan's W; on Slurm never more lines
 * than the CPUs granted allow (W x per-line CPUs were asked for; running
 * more would oversubscribe the node). */
static unsigned
pool_slots(const struct dsq_run_opts *o, const struct dsq_attempt *a)
{
    unsigned slots = o->slots ? o->slots : a->plan.parallel;

    if (o->cpus) {
        unsigned per = a->per_line.cpus ? a->per_line.cpus : 1;
        unsigned cap = o->cpus / per ? o->cpus / per : 1;

        if (slots > cap)
            slots = cap;
    }
    return slots ? slots : 1;
}

/* Each slot's share of the task (bind.h): this process's CPUs, the GPU
 * lists of its environment, and for a dry run the GPUs this machine shows.
 * NULL with *oom set when out of memory; NULL alone: no binding. */
static struct dsq_bind *
slot_bind(const struct dsq_run_opts *o, const struct dsq_manifest *m, const struct dsq_attempt *a,
          unsigned slots, int *oom)
{
    struct dsq_bind_task t = {0};
    struct dsq_error e = {0};
    struct dsq_bind *b;
    unsigned *cpus = NULL;
    char *gpus = NULL;

    *oom = 0;
    if (o->no_bind || m->no_bind || slots < 2)
        return NULL;
    if (dsq_bind_probe_cpus(&cpus, &t.ncpus) < 0)
        t.ncpus = 0; /* affinity left alone */
    if (o->task < 0 && a->per_line.gpus)
        gpus = dsq_bind_probe_gpus();
    t.slots = slots;
    t.cpus_per_line = a->per_line.cpus;
    t.gpus_per_line = a->per_line.gpus;
    t.cpus = cpus;
    t.env = environ;
    t.machine_gpus = gpus;
    b = dsq_bind_create(&t, &e);
    *oom = !b;
    free(cpus);
    free(gpus);
    return b;
}

/* The pool's halting hooks (pool.h) over halt.h. */
static int
halt_check(void *arg)
{
    return dsq_halt_reached(arg);
}

static int
halt_failed(size_t line, void *arg, struct dsq_error *err)
{
    return dsq_halt_failed(arg, line, err);
}

int
dsq_run_exec(const struct dsq_run_opts *o, struct dsq_pool_result *res, struct dsq_error *err)
{
    struct dsq_bind *bind = NULL;
    struct dsq_manifest m;
    const struct dsq_attempt *a;
    struct dsq_jobfile *jf = NULL;
    size_t *lines = NULL, nl = 0;
    struct work w = {0};
    struct dyn dyn = {0};
    int dynamic;
    struct dsq_pool_opts po;
    struct writers ws = {0};
    struct dsq_buf job = {0};
    struct dsq_retry retry = {0};
    struct dsq_halt *halt = NULL;
    char *status = NULL, *workdir = NULL;
    int nomem, rc = -1;

    memset(res, 0, sizeof *res);
    if (load_checked(o->run_dir, &m, &jf, err) < 0)
        return -1;
    a = dsq_manifest_attempt(&m, o->attempt ? o->attempt : 1);
    if (!a) {
        dsq_errprintf(err, DSQ_ERR_INPUT, "%s: the run has no attempt %u (it has 1-%zu)", m.run_dir,
                      o->attempt, m.nattempts);
        goto out;
    }
    /* The attempt's plan slices its own lines: position j of the plan is
     * lines[j], whatever the attempt. */
    if (dsq_attempt_lines(m.run_dir, a, jf, &lines, &nl, err) < 0)
        goto out;
    dynamic = a->plan.layout == DSQ_LAYOUT_DYNAMIC;
    if (dynamic) {
        long k = o->task < 0 ? -1 : o->task + (long)o->offset;

        if (dyn_init(o, m.run_dir, a, jf, lines, nl, k, &dyn, &w.skipped, err) < 0)
            goto out;
    }
    if (o->task < 0) {
        if (!dynamic && work_all(a, jf, lines, nl, &w) < 0)
            goto oom;
        ws.base = 0;
        ws.n = a->plan.tasks;
    } else {
        ws.base = (size_t)o->task + o->offset;
        ws.n = 1;
        if (!dynamic && work_task(o, m.run_dir, a, jf, lines, nl, ws.base, &w, err) < 0)
            goto out;
        /* Slurm names the array task by its index in the array it was
         * submitted in, before dsq's offset: that is what sacct shows. */
        if (o->job_id && o->job_id[0] && dsq_buf_printf(&job, "%s_%ld", o->job_id, o->task) < 0)
            goto oom;
    }
    ws.run_dir = m.run_dir;
    ws.attempt = o->attempt ? o->attempt : 1;
    ws.restart = o->restart;
    if (!(ws.w = calloc(ws.n, sizeof *ws.w)) ||
        !(status = dsq_rundir_path(m.run_dir, DSQ_RD_STATUS)))
        goto oom;
    if (dsq_mkdir_p(status, 0755, err) < 0)
        goto out;
    workdir = line_workdir(&m, a, &nomem);
    if (nomem)
        goto oom;
    memset(&po, 0, sizeof po);
    po.slots = pool_slots(o, a);
    po.shell = m.shell;
    po.workdir = workdir;
    po.run_dir = m.run_dir;
    po.job_id = job.data ? job.data : "";
    po.line_output = m.line_output;
    po.array_job_id = o->job_id ? o->job_id : "";
    po.attempt = ws.attempt;
    po.restart = o->restart;
    po.kill_grace = m.kill_grace;
    po.writer = writer_for;
    po.writer_arg = &ws;
    po.progress = o->progress;
    po.progress_arg = o->progress_arg;
    if (dynamic) {
        dyn.slots = po.slots;
        po.next = dyn_next;
        po.next_arg = &dyn;
        /* A dry run's pool runs every line; a task, an unknown share. */
        if (o->task < 0)
            po.total = nl;
    }
    if (!(bind = slot_bind(o, &m, a, po.slots, &nomem)) && nomem)
        goto oom;
    po.bind = bind;
    if (a->retries) {
        if (dsq_retry_parse(&retry, a->retry_on, err) < 0)
            goto out;
        retry.retries = a->retries;
        po.retry = &retry;
    }
    if (a->max_failures) {
        if (!(halt = dsq_halt_create(m.run_dir, ws.attempt, a->max_failures)))
            goto oom;
        po.halted = halt_check;
        po.failed = halt_failed;
        po.halt_arg = halt;
    }
    rc = dsq_pool_run(&po, w.items, w.n, res, err);
    res->ok += w.skipped;
    res->total += w.skipped;
    goto out;
oom:
    dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
out:
    if (ws.w) {
        writers_close(&ws);
        free(ws.w);
    }
    dsq_bind_destroy(bind);
    dsq_halt_destroy(halt);
    free(w.items);
    free(dyn.hand);
    dsq_claim_destroy(dyn.claim);
    free(lines);
    free(workdir);
    free(status);
    dsq_jobfile_destroy(jf);
    dsq_manifest_free(&m);
    dsq_buf_free(&job);
    return rc;
}
