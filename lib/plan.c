/* plan: lines -> array tasks (see plan.h).  Stripe: task k runs commands
 * k, k+T, k+2T...; block: one contiguous run of L commands.  Both are pure
 * arithmetic, so a 1,000,000-line plan costs nothing to store. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "parse.h"
#include "plan.h"

const char *
dsq_layout_name(enum dsq_layout l)
{
    return l == DSQ_LAYOUT_BLOCK ? "block" : l == DSQ_LAYOUT_DYNAMIC ? "dynamic" : "stripe";
}

int
dsq_layout_parse(const char *s, enum dsq_layout *l)
{
    if (!strcmp(s, "stripe"))
        *l = DSQ_LAYOUT_STRIPE;
    else if (!strcmp(s, "block"))
        *l = DSQ_LAYOUT_BLOCK;
    else if (!strcmp(s, "dynamic"))
        *l = DSQ_LAYOUT_DYNAMIC;
    else
        return -1;
    return 0;
}

static size_t
ceil_div(size_t a, size_t b)
{
    return a / b + (a % b != 0);
}

int
dsq_plan_make(const struct dsq_plan_request *req, struct dsq_plan *plan, struct dsq_error *err)
{
    size_t n = req->ncmds, cap, per_array, L, T;

    memset(plan, 0, sizeof *plan);
    if (n == 0)
        return dsq_errprintf(err, DSQ_ERR_INPUT, "nothing to plan: no command lines");
    if (req->tasks && req->lines_per_task)
        return dsq_errprintf(err, DSQ_ERR_INPUT,
                             "--tasks and --lines-per-task both choose the slice size; give one");
    if (req->parallel == 0)
        return dsq_errprintf(err, DSQ_ERR_INPUT, "--parallel must be at least 1");
    /* One array may hold indices 0..MaxArraySize-1, and max_array_tasks tasks. */
    per_array = req->max_array_size ? req->max_array_size : DSQ_FALLBACK_MAX_ARRAY_SIZE;
    if (req->slurm_max_tasks && req->slurm_max_tasks < per_array)
        per_array = req->slurm_max_tasks;
    cap =
        req->max_array_tasks && req->max_array_tasks < per_array ? req->max_array_tasks : per_array;
    if (req->lines_per_task) {
        L = req->lines_per_task < n ? req->lines_per_task : n;
        T = ceil_div(n, L);
    } else if (req->tasks) {
        T = req->tasks < n ? req->tasks : n;
        L = ceil_div(n, T);
        if (req->layout == DSQ_LAYOUT_BLOCK)
            T = ceil_div(n, L);
    } else {
        L = n <= cap ? 1 : ceil_div(n, cap);
        if (req->lines_hint > L)
            L = req->lines_hint < n ? req->lines_hint : n;
        T = ceil_div(n, L);
        /* --parallel W: fewer, fuller tasks, so that each one has the W
         * lines its W slots (and W times the resources) are asked for. */
        if (req->parallel > 1 && n / req->parallel < T) {
            T = n / req->parallel ? n / req->parallel : 1;
            L = ceil_div(n, T);
            if (req->layout == DSQ_LAYOUT_BLOCK)
                T = ceil_div(n, L);
        }
    }
    plan->ncmds = n;
    plan->tasks = T;
    plan->lines_per_task = L;
    /* No task runs more lines at once than it has. */
    plan->parallel = req->parallel < L ? req->parallel : (unsigned)L;
    plan->layout = req->layout;
    /* Forced past what one array holds: several arrays, indices from 0. */
    plan->narrays = ceil_div(T, per_array);
    plan->arrays = calloc(plan->narrays, sizeof *plan->arrays);
    if (!plan->arrays)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    for (size_t a = 0; a < plan->narrays; a++) {
        plan->arrays[a].offset = a * per_array;
        plan->arrays[a].count = T - a * per_array < per_array ? T - a * per_array : per_array;
    }
    return 0;
}

void
dsq_plan_free(struct dsq_plan *plan)
{
    if (!plan)
        return;
    free(plan->arrays);
    free(plan->order);
    free(plan->slot_of);
    plan->arrays = NULL;
    plan->narrays = 0;
    plan->order = plan->slot_of = NULL;
}

int
dsq_plan_set_order(struct dsq_plan *p, size_t *order)
{
    size_t *inv = malloc((p->ncmds ? p->ncmds : 1) * sizeof *inv);

    if (!inv) {
        free(order);
        return -1;
    }
    for (size_t i = 0; i < p->ncmds; i++)
        inv[i] = (size_t)-1;
    for (size_t s = 0; s < p->ncmds; s++) {
        if (order[s] >= p->ncmds || inv[order[s]] != (size_t)-1) {
            free(inv);
            free(order);
            return -1;
        }
        inv[order[s]] = s;
    }
    free(p->order);
    free(p->slot_of);
    p->order = order;
    p->slot_of = inv;
    return 0;
}

size_t
dsq_plan_pos(const struct dsq_plan *p, size_t s)
{
    return p->order && s < p->ncmds ? p->order[s] : s;
}

size_t
dsq_plan_task_size(const struct dsq_plan *p, size_t k)
{
    if (k >= p->tasks)
        return 0;
    if (p->layout == DSQ_LAYOUT_BLOCK) {
        size_t first = k * p->lines_per_task;
        return first >= p->ncmds                      ? 0
               : p->ncmds - first < p->lines_per_task ? p->ncmds - first
                                                      : p->lines_per_task;
    }
    return p->ncmds / p->tasks + (k < p->ncmds % p->tasks);
}

size_t
dsq_plan_task_slot(const struct dsq_plan *p, size_t k, size_t j)
{
    if (p->layout == DSQ_LAYOUT_BLOCK)
        return k * p->lines_per_task + j;
    return k + j * p->tasks;
}

size_t
dsq_plan_task_cmd(const struct dsq_plan *p, size_t k, size_t j)
{
    return dsq_plan_pos(p, dsq_plan_task_slot(p, k, j));
}

size_t
dsq_plan_cmd_task(const struct dsq_plan *p, size_t i)
{
    if (p->slot_of && i < p->ncmds)
        i = p->slot_of[i];
    if (p->layout == DSQ_LAYOUT_BLOCK)
        return i / p->lines_per_task;
    return i % p->tasks;
}

/* Parse a "gpu[:type]:N" entry of a --gres list; *count 1 when N is absent.
 * Returns the offset of the count in s (or -1 when s is not a gpu gres). */
static long
gres_gpu(const char *s, size_t n, unsigned *count)
{
    const char *last;
    unsigned long v;
    char buf[64];

    if (n < 3 || strncmp(s, "gpu", 3) || (n > 3 && s[3] != ':'))
        return -1;
    last = s + n;
    while (last > s && last[-1] != ':')
        last--;
    if (last == s || (size_t)(s + n - last) >= sizeof buf) {
        *count = 1;
        return (long)n;
    }
    memcpy(buf, last, (size_t)(s + n - last));
    buf[s + n - last] = '\0';
    if (dsq_parse_ulong(buf, 1, 1000000, &v) < 0) {
        *count = 1; /* gpu:type without a count */
        return (long)n;
    }
    *count = (unsigned)v;
    return (long)(last - s);
}

static int
set_opt(struct dsq_sbopts *o, const char *name, const char *value, struct dsq_error *err)
{
    const struct dsq_sbatch_def *d = dsq_sbatch_lookup(name, strlen(name));

    dsq_sbopts_remove(o, name);
    if (!d || dsq_sbopts_add(o, d->name, value) < 0)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    return 0;
}

/* "[type:]N" (sbatch's --gpus and --gpus-per-task): N in *count; 0, or -1. */
static int
typed_count(const char *v, unsigned long *count)
{
    const char *c = strrchr(v, ':');

    return dsq_parse_ulong(c ? c + 1 : v, 1, 100000, count);
}

/* Multiply (up) or divide (exactly, else leave) the count of the option
 * name's "[type:]N" by W. */
static int
scale_typed(struct dsq_sbopts *opts, const char *name, unsigned W, int up, struct dsq_error *err)
{
    int found;
    const char *v = dsq_sbopts_get(opts, name, &found), *c;
    unsigned long n;
    char buf[128];

    if (!v || typed_count(v, &n) < 0 || (!up && n % W))
        return 0;
    c = strrchr(v, ':');
    snprintf(buf, sizeof buf, "%.*s%lu", c ? (int)(c + 1 - v) : 0, v, up ? n * W : n / W);
    return set_opt(opts, name, buf, err);
}

/* Scale each countable entry of a --gres list v, "name[[:type]:count]"
 * (count a number, with a K, M, G or T suffix for sizes; absent: 1), by W:
 * multiplied (up), or divided where it divides exactly (!up), into nb.
 * Entries that have no count dsq can read ("none", a count it cannot
 * parse) are kept as they are, and listed in bad when scaling up.  -1 when
 * out of memory. */
static int
gres_scale(const char *v, unsigned W, int up, struct dsq_buf *nb, struct dsq_buf *bad)
{
    int rc = dsq_buf_puts(nb, "");

    while (*v && rc == 0) {
        size_t n = strcspn(v, ","), at = n;
        const char *num;
        char *end;
        unsigned long long count = 0;

        while (at > 0 && v[at - 1] != ':')
            at--;
        num = v + at;
        if (at > 0 && num[0] >= '0' && num[0] <= '9') {
            count = strtoull(num, &end, 10);
            if (end == num + (n - at) ||
                (end + 1 == num + (n - at) && strchr("KMGTkmgt", *end) && *end)) {
                if (up)
                    rc = dsq_buf_printf(nb, "%.*s%llu%.*s", (int)at, v, count * W,
                                        (int)(num + (n - at) - end), end);
                else if (count % W == 0)
                    rc = dsq_buf_printf(nb, "%.*s%llu%.*s", (int)at, v, count / W,
                                        (int)(num + (n - at) - end), end);
                else
                    rc = dsq_buf_append(nb, v, n);
            } else {
                rc = dsq_buf_append(nb, v, n);
                if (up && rc == 0)
                    rc = dsq_buf_printf(bad, "%s'%.*s'", bad->len ? ", " : "", (int)n, v);
            }
        } else if (n == 0 || (n == 4 && !strncmp(v, "none", 4)) || !up) {
            rc = dsq_buf_append(nb, v, n);
        } else {
            /* name or name:type: one of it per line */
            rc = dsq_buf_printf(nb, "%.*s:%u", (int)n, v, W);
        }
        v += n;
        if (*v == ',') {
            rc = rc ? rc : dsq_buf_append(nb, ",", 1);
            v++;
        }
    }
    return rc;
}

int
dsq_plan_resources(const struct dsq_plan *p, struct dsq_sbopts *opts, struct dsq_resources *r,
                   struct dsq_error *err)
{
    unsigned W = p->parallel;
    const char *v;
    char buf[64];
    int found, gfound;
    unsigned long ul;

    memset(r, 0, sizeof *r);
    r->time_s = -1;
    v = dsq_sbopts_get(opts, "cpus-per-task", &found);
    if (found) {
        if (!v || dsq_parse_ulong(v, 1, 100000, &ul) < 0)
            return dsq_errprintf(err, DSQ_ERR_INPUT,
                                 "--cpus-per-task '%s': not a positive whole number", v ? v : "");
        r->cpus = (unsigned)ul;
    }
    v = dsq_sbopts_get(opts, "mem", &found);
    if (found && (!v || dsq_sbatch_parse_mem(v, &r->mem_mib) < 0))
        return dsq_errprintf(err, DSQ_ERR_INPUT,
                             "--mem '%s': not a size (a number with K, M, G or T)", v ? v : "");
    v = dsq_sbopts_get(opts, "mem-per-cpu", &found);
    if (found && (!v || dsq_sbatch_parse_mem(v, &r->mem_per_cpu_mib) < 0))
        return dsq_errprintf(err, DSQ_ERR_INPUT,
                             "--mem-per-cpu '%s': not a size (a number with K, M, G or T)",
                             v ? v : "");
    v = dsq_sbopts_get(opts, "gpus-per-task", &found);
    if (found) {
        if (!v || typed_count(v, &ul) < 0)
            return dsq_errprintf(err, DSQ_ERR_INPUT,
                                 "--gpus-per-task '%s': dsq scales a GPU count per line; give "
                                 "[type:]N",
                                 v ? v : "");
        r->gpus = (unsigned)ul;
    }
    v = dsq_sbopts_get(opts, "time", &found);
    if (found && (!v || dsq_sbatch_parse_time(v, &r->time_s) < 0))
        return dsq_errprintf(err, DSQ_ERR_INPUT,
                             "--time '%s': not a Slurm time (minutes, M:S, H:M:S, D-H, D-H:M "
                             "or D-H:M:S)",
                             v ? v : "");

    /* Scale into the array task's request.  With --cpus-per-gpu the CPUs
     * follow the GPUs, which are scaled below (and sbatch refuses it beside
     * --cpus-per-task). */
    dsq_sbopts_get(opts, "cpus-per-gpu", &found);
    if (W > 1 && r->cpus) {
        snprintf(buf, sizeof buf, "%u", r->cpus * W);
        if (set_opt(opts, "cpus-per-task", buf, err) < 0)
            return -1;
    } else if (W > 1 && !r->cpus && !found) {
        snprintf(buf, sizeof buf, "%u", W);
        if (set_opt(opts, "cpus-per-task", buf, err) < 0)
            return -1;
    }
    if (W > 1 && r->mem_mib) {
        snprintf(buf, sizeof buf, "%" PRIu64 "M", r->mem_mib * W);
        if (set_opt(opts, "mem", buf, err) < 0)
            return -1;
    }
    if (W > 1 && r->gpus && scale_typed(opts, "gpus-per-task", W, 1, err) < 0)
        return -1;
    /* sbatch refuses --gpus-per-task without a task count (or --gpus): an
     * array task is one task. */
    dsq_sbopts_get(opts, "gpus-per-task", &found);
    if (found && !dsq_sbopts_get(opts, "ntasks", &gfound) && !gfound &&
        !dsq_sbopts_get(opts, "gpus", &gfound) && !gfound && set_opt(opts, "ntasks", "1", err) < 0)
        return -1;
    v = dsq_sbopts_get(opts, "gpus", &found);
    if (found) {
        if (!v || typed_count(v, &ul) < 0)
            return dsq_errprintf(err, DSQ_ERR_INPUT,
                                 "--gpus '%s': dsq scales a GPU count per line; give [type:]N",
                                 v ? v : "");
        if (!r->gpus)
            r->gpus = (unsigned)ul;
        if (W > 1 && scale_typed(opts, "gpus", W, 1, err) < 0)
            return -1;
    }
    v = dsq_sbopts_get(opts, "gres", &found);
    if (found && v) {
        struct dsq_buf nb = {0}, bad = {0};
        const char *s = v;
        unsigned count;

        for (; *s; s += strcspn(s, ",") + (s[strcspn(s, ",")] == ',')) {
            if (gres_gpu(s, strcspn(s, ","), &count) >= 0 && !r->gpus)
                r->gpus = count;
        }
        if (W > 1) {
            if (gres_scale(v, W, 1, &nb, &bad) < 0 ||
                (strcmp(nb.data, v) && set_opt(opts, "gres", nb.data, err) < 0)) {
                dsq_buf_free(&nb);
                dsq_buf_free(&bad);
                return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
            }
            if (bad.len)
                dsq_warn("--gres entries %s are not scaled to %u lines at once: each array task "
                         "asks for them as given, shared by its lines",
                         bad.data, W);
        }
        dsq_buf_free(&nb);
        dsq_buf_free(&bad);
    }
    if (W > 1) {
        static const char *const per_node[] = {"gpus-per-node", "gpus-per-socket"};

        for (size_t i = 0; i < sizeof per_node / sizeof *per_node; i++) {
            if ((v = dsq_sbopts_get(opts, per_node[i], &found), found))
                dsq_warn("--%s=%s is not scaled to %u lines at once: each array task asks for "
                         "it as given, shared by its lines (give --gpus-per-task, --gpus or "
                         "--gres=gpu:N per line instead)",
                         per_node[i], v ? v : "", W);
        }
    }
    if (r->time_s > 0) {
        size_t rounds = p->lines_per_task / W + (p->lines_per_task % W != 0);
        long t = r->time_s * (long)rounds;
        dsq_sbatch_format_time(t, buf, sizeof buf);
        if (rounds > 1 && set_opt(opts, "time", buf, err) < 0)
            return -1;
    }
    return 0;
}

/* The GPUs per task of a request, read as dsq_plan_resources() reads a
 * line's: --gpus-per-task, else --gpus, else --gres's gpu entry; 0: none. */
static unsigned long
task_gpus(const struct dsq_sbopts *opts)
{
    static const char *const keys[] = {"gpus-per-task", "gpus"};
    const char *v;
    unsigned long ul;
    unsigned count;
    int found;

    for (size_t k = 0; k < sizeof keys / sizeof *keys; k++)
        if ((v = dsq_sbopts_get(opts, keys[k], &found)) && typed_count(v, &ul) == 0)
            return ul;
    for (v = dsq_sbopts_get(opts, "gres", &found); v && *v;
         v += strcspn(v, ",") + (v[strcspn(v, ",")] == ','))
        if (gres_gpu(v, strcspn(v, ","), &count) >= 0)
            return count;
    return 0;
}

int
dsq_plan_resources_undo(const struct dsq_resources *per_line, struct dsq_sbopts *opts,
                        struct dsq_error *err)
{
    const char *v;
    char buf[64];
    int found;
    unsigned long W = 1, cpus;

    /* dsq_plan_resources() sets --cpus-per-task whenever W > 1 (but with
     * --cpus-per-gpu: then the GPUs say it), so the request itself says
     * what W was (a dry run's pool width is not). */
    v = dsq_sbopts_get(opts, "cpus-per-task", &found);
    if (found && v && dsq_parse_ulong(v, 1, 100000000, &cpus) == 0)
        W = cpus / (per_line->cpus ? per_line->cpus : 1);
    else if (!found && per_line->gpus)
        W = task_gpus(opts) / per_line->gpus;
    if (W < 1)
        W = 1;
    if (found) {
        if (per_line->cpus) {
            snprintf(buf, sizeof buf, "%u", per_line->cpus);
            if (set_opt(opts, "cpus-per-task", buf, err) < 0)
                return -1;
        } else {
            dsq_sbopts_remove(opts, "cpus-per-task");
        }
    }
    dsq_sbopts_get(opts, "mem", &found);
    if (found && per_line->mem_mib) {
        snprintf(buf, sizeof buf, "%" PRIu64 "M", per_line->mem_mib);
        if (set_opt(opts, "mem", buf, err) < 0)
            return -1;
    }
    dsq_sbopts_get(opts, "gpus-per-task", &found);
    if (found && W > 1 && scale_typed(opts, "gpus-per-task", (unsigned)W, 0, err) < 0)
        return -1;
    dsq_sbopts_get(opts, "gpus", &found);
    if (found && W > 1 && scale_typed(opts, "gpus", (unsigned)W, 0, err) < 0)
        return -1;
    v = dsq_sbopts_get(opts, "gres", &found);
    if (found && v && W > 1) {
        struct dsq_buf nb = {0}, bad = {0};
        int rc =
            gres_scale(v, (unsigned)W, 0, &nb, &bad) < 0 || set_opt(opts, "gres", nb.data, err) < 0;

        dsq_buf_free(&nb);
        dsq_buf_free(&bad);
        if (rc)
            return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    }
    dsq_sbopts_get(opts, "time", &found);
    if (found && per_line->time_s > 0) {
        dsq_sbatch_format_time(per_line->time_s, buf, sizeof buf);
        if (set_opt(opts, "time", buf, err) < 0)
            return -1;
    }
    return 0;
}

size_t
dsq_plan_advise_lines(double median_s, double target_s, unsigned parallel)
{
    double l;

    if (median_s <= 0)
        median_s = 0.001;
    l = target_s / median_s * (parallel ? parallel : 1);
    if (l < 1)
        return 1;
    if (l > 1e9)
        return 1000000000;
    return (size_t)l;
}
