/* bind: each slot's share of its task's CPUs and GPUs (see bind.h).  Every
 * slot's CPU list and variables are made once, when the pool starts, so
 * that starting a line only looks them up. */
#include "config.h"

#include <dirent.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bind.h"
#include "buf.h"

const char *const dsq_bind_thread_vars[] = {
    "OMP_NUM_THREADS",        "MKL_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",   "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS",
    "NUMBA_NUM_THREADS",      "JULIA_NUM_THREADS",
    "RAYON_NUM_THREADS",      NULL,
};

/* The device lists Slurm's GPU plugins set, narrowed per slot. */
static const char *const device_vars[] = {"CUDA_VISIBLE_DEVICES", "ROCR_VISIBLE_DEVICES",
                                          "ZE_AFFINITY_MASK", "GPU_DEVICE_ORDINAL", NULL};
/* Slurm's own ids of the task's GPUs: DSQ_GPUS is the slot's share of
 * these (the node's numbering), else of the first device list. */
static const char *const slurm_vars[] = {"SLURM_STEP_GPUS", "SLURM_JOB_GPUS", NULL};

struct slot {
    char *cpus; /* owned, "" none */
    char *vars[DSQ_BIND_MAX_VARS];
    size_t nvars;
};

struct dsq_bind {
    struct slot *slots;
    unsigned n;
    const char *names[DSQ_BIND_MAX_VARS];
    size_t nnames;
};

/* The value of name in env (borrowed), or NULL. */
static const char *
env_get(char *const *env, const char *name)
{
    size_t len = strlen(name);

    for (; env && *env; env++) {
        if (!strncmp(*env, name, len) && (*env)[len] == '=')
            return *env + len + 1;
    }
    return NULL;
}

int
dsq_bind_format_cpus(const unsigned *cpus, size_t n, char *buf, size_t size)
{
    size_t off = 0;

    if (size == 0)
        return -1;
    buf[0] = '\0';
    for (size_t i = 0; i < n;) {
        size_t j = i;
        int w;

        while (j + 1 < n && cpus[j + 1] == cpus[j] + 1)
            j++;
        if (j == i)
            w = snprintf(buf + off, size - off, "%s%u", off ? "," : "", cpus[i]);
        else
            w = snprintf(buf + off, size - off, "%s%u-%u", off ? "," : "", cpus[i], cpus[j]);
        if (w < 0 || (size_t)w >= size - off)
            return -1;
        off += (size_t)w;
        i = j + 1;
    }
    return 0;
}

/* Slot s's CPUs as a list (owned), NULL when out of memory. */
static char *
slot_cpus(const struct dsq_bind_task *t, unsigned s)
{
    size_t n = t->ncpus, W = t->slots, first, len, size;
    char *buf;

    if (n == 0 || W < 2)
        return strdup("");
    if (n >= W) {
        size_t base = n / W, extra = n % W;

        first = s * base + (s < extra ? s : extra);
        len = base + (s < extra);
    } else {
        first = s % n;
        len = 1;
    }
    size = len * 24 + 1;
    if (!(buf = malloc(size)))
        return NULL;
    if (dsq_bind_format_cpus(t->cpus + first, len, buf, size) < 0)
        buf[0] = '\0'; /* cannot happen: room for every number */
    return buf;
}

/* Entries sG .. sG+G-1 (modulo their number) of the comma list `list`, as
 * NAME=VALUE (owned); NULL when out of memory. */
static char *
share(const char *name, const char *list, unsigned s, unsigned G)
{
    struct dsq_buf b = {0};
    size_t count = 1;
    int rc;

    for (const char *p = list; *p; p++)
        count += *p == ',';
    rc = dsq_buf_printf(&b, "%s=", name);
    for (unsigned j = 0; j < G && rc == 0; j++) {
        size_t want = ((size_t)s * G + j) % count, k = 0;
        const char *p = list;

        while (k < want) {
            if (*p++ == ',')
                k++;
        }
        rc = dsq_buf_printf(&b, "%s%.*s", j ? "," : "", (int)strcspn(p, ","), p);
        /* Fewer entries than G: each once. */
        if (rc == 0 && j + 1 == count)
            break;
    }
    if (rc < 0) {
        dsq_buf_free(&b);
        return NULL;
    }
    return b.data;
}

static int
slot_vars(struct dsq_bind *b, const struct dsq_bind_task *t, unsigned s)
{
    struct slot *sl = &b->slots[s];
    unsigned G = t->gpus_per_line;
    const char *ids = NULL;
    char num[32];
    int any_device = 0;

#define PUSH(expr)                                                                                 \
    do {                                                                                           \
        if (sl->nvars == DSQ_BIND_MAX_VARS || !(sl->vars[sl->nvars] = (expr)))                     \
            return -1;                                                                             \
        sl->nvars++;                                                                               \
    } while (0)

    if (G > 0) {
        for (size_t i = 0; device_vars[i]; i++) {
            const char *v = env_get(t->env, device_vars[i]);

            if (v && v[0]) {
                PUSH(share(device_vars[i], v, s, G));
                if (!ids)
                    ids = v;
                any_device = 1;
            }
        }
        for (size_t i = 0; slurm_vars[i]; i++) {
            const char *v = env_get(t->env, slurm_vars[i]);

            if (v && v[0]) {
                ids = v;
                break;
            }
        }
        if (!ids && t->machine_gpus && t->machine_gpus[0])
            ids = t->machine_gpus;
        /* Only Slurm's ids (or the machine's): CUDA numbers them the same
         * when nothing hides devices. */
        if (!any_device && ids)
            PUSH(share("CUDA_VISIBLE_DEVICES", ids, s, G));
        if (ids)
            PUSH(share("DSQ_GPUS", ids, s, G));
    }
    snprintf(num, sizeof num, "%u", t->cpus_per_line ? t->cpus_per_line : 1);
    for (size_t i = 0; dsq_bind_thread_vars[i]; i++) {
        struct dsq_buf v = {0};

        if (env_get(t->env, dsq_bind_thread_vars[i]))
            continue; /* the user's */
        if (dsq_buf_printf(&v, "%s=%s", dsq_bind_thread_vars[i], num) < 0)
            return -1;
        PUSH(v.data);
    }
#undef PUSH
    return 0;
}

/* The variables of env the slots replace: the ones they set that env has. */
static void
names_fill(struct dsq_bind *b, const struct dsq_bind_task *t)
{
    const struct slot *sl = &b->slots[0];

    for (size_t i = 0; i < sl->nvars; i++) {
        size_t len = strcspn(sl->vars[i], "=");

        for (size_t j = 0; device_vars[j]; j++) {
            if (strlen(device_vars[j]) == len && !strncmp(device_vars[j], sl->vars[i], len) &&
                env_get(t->env, device_vars[j]))
                b->names[b->nnames++] = device_vars[j];
        }
        if (len == 8 && !strncmp(sl->vars[i], "DSQ_GPUS", 8) && env_get(t->env, "DSQ_GPUS"))
            b->names[b->nnames++] = "DSQ_GPUS";
    }
}

struct dsq_bind *
dsq_bind_create(const struct dsq_bind_task *t, struct dsq_error *err)
{
    struct dsq_bind *b = calloc(1, sizeof *b);
    unsigned W = t->slots;

    if (!b)
        goto oom;
    if (W < 2)
        return b; /* one line at a time: it has all of the task */
    if (!(b->slots = calloc(W, sizeof *b->slots)))
        goto oom;
    b->n = W;
    for (unsigned s = 0; s < W; s++) {
        if (!(b->slots[s].cpus = slot_cpus(t, s)) || slot_vars(b, t, s) < 0)
            goto oom;
    }
    names_fill(b, t);
    return b;
oom:
    dsq_bind_destroy(b);
    dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    return NULL;
}

void
dsq_bind_destroy(struct dsq_bind *b)
{
    if (!b)
        return;
    for (unsigned s = 0; s < b->n; s++) {
        free(b->slots[s].cpus);
        for (size_t i = 0; i < b->slots[s].nvars; i++)
            free(b->slots[s].vars[i]);
    }
    free(b->slots);
    free(b);
}

const char *
dsq_bind_slot_cpus(const struct dsq_bind *b, unsigned slot)
{
    return b->n ? b->slots[slot % b->n].cpus : "";
}

char *const *
dsq_bind_slot_vars(const struct dsq_bind *b, unsigned slot, size_t *n)
{
    if (!b->n) {
        *n = 0;
        return NULL;
    }
    *n = b->slots[slot % b->n].nvars;
    return b->slots[slot % b->n].vars;
}

const char *const *
dsq_bind_names(const struct dsq_bind *b, size_t *n)
{
    *n = b->nnames;
    return b->names;
}

int
dsq_bind_probe_cpus(unsigned **cpus, size_t *n)
{
    cpu_set_t *set = NULL;
    size_t size = 0;
    int ncpu;

    *cpus = NULL;
    *n = 0;
    /* Grow the set until the kernel's mask fits (machines past 1024 CPUs). */
    for (ncpu = CPU_SETSIZE; ncpu <= 1 << 20; ncpu *= 2) {
        size = CPU_ALLOC_SIZE(ncpu);
        if (!(set = CPU_ALLOC(ncpu)))
            return -1;
        if (sched_getaffinity(0, size, set) == 0)
            break;
        CPU_FREE(set);
        set = NULL;
    }
    if (!set)
        return -1;
    if (!(*cpus = malloc((size_t)CPU_COUNT_S(size, set) * sizeof **cpus + 1))) {
        CPU_FREE(set);
        return -1;
    }
    for (int c = 0; c < ncpu; c++) {
        if (CPU_ISSET_S((size_t)c, size, set))
            (*cpus)[(*n)++] = (unsigned)c;
    }
    CPU_FREE(set);
    return 0;
}

static int
cmp_uint(const void *a, const void *b)
{
    unsigned x = *(const unsigned *)a, y = *(const unsigned *)b;

    return x < y ? -1 : x > y;
}

char *
dsq_bind_probe_gpus(void)
{
    DIR *d = opendir("/dev");
    struct dirent *e;
    unsigned ids[256];
    size_t n = 0;
    struct dsq_buf b = {0};

    if (!d)
        return NULL;
    while ((e = readdir(d)) && n < sizeof ids / sizeof *ids) {
        const char *p = e->d_name;
        char *end;
        unsigned long v;

        if (strncmp(p, "nvidia", 6) || p[6] < '0' || p[6] > '9')
            continue;
        v = strtoul(p + 6, &end, 10);
        if (*end == '\0' && v < 100000)
            ids[n++] = (unsigned)v;
    }
    closedir(d);
    qsort(ids, n, sizeof *ids, cmp_uint);
    for (size_t i = 0; i < n; i++) {
        if (dsq_buf_printf(&b, "%s%u", i ? "," : "", ids[i]) < 0) {
            dsq_buf_free(&b);
            return NULL;
        }
    }
    return b.data;
}
