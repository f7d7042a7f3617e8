/* sbatch: sbatch's options and value formats (see sbatch.h).  The table is
 * sbatch 22.05's `--help` and sbatch(1); an option missing here is a usage
 * error naming it, never a silent guess about whether it takes a value. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "sbatch.h"

#define N DSQ_SBARG_NONE
#define R DSQ_SBARG_REQUIRED
#define O DSQ_SBARG_OPTIONAL

static const struct dsq_sbatch_def defs[] = {
    {"account", 'A', R},
    {"acctg-freq", 0, R},
    {"array", 'a', R},
    {"batch", 0, R},
    {"bb", 0, R},
    {"bbf", 0, R},
    {"begin", 'b', R},
    {"chdir", 'D', R},
    {"cluster-constraint", 0, R},
    {"clusters", 'M', R},
    {"comment", 0, R},
    {"constraint", 'C', R},
    {"container", 0, R},
    {"contiguous", 0, N},
    {"core-spec", 'S', R},
    {"cores-per-socket", 0, R},
    {"cpu-freq", 0, R},
    {"cpus-per-gpu", 0, R},
    {"cpus-per-task", 'c', R},
    {"deadline", 0, R},
    {"delay-boot", 0, R},
    {"dependency", 'd', R},
    {"distribution", 'm', R},
    {"error", 'e', R},
    {"exclude", 'x', R},
    {"exclusive", 0, O},
    {"export", 0, R},
    {"export-file", 0, R},
    {"extra-node-info", 'B', R},
    {"get-user-env", 0, O},
    {"gid", 0, R},
    {"gpu-bind", 0, R},
    {"gpu-freq", 0, R},
    {"gpus", 'G', R},
    {"gpus-per-node", 0, R},
    {"gpus-per-socket", 0, R},
    {"gpus-per-task", 0, R},
    {"gres", 0, R},
    {"gres-flags", 0, R},
    {"hint", 0, R},
    {"hold", 'H', N},
    {"ignore-pbs", 0, N},
    {"input", 'i', R},
    {"kill-on-invalid-dep", 0, R},
    {"licenses", 'L', R},
    {"mail-type", 0, R},
    {"mail-user", 0, R},
    {"mcs-label", 0, R},
    {"mem", 0, R},
    {"mem-bind", 0, R},
    {"mem-per-cpu", 0, R},
    {"mem-per-gpu", 0, R},
    {"mincpus", 0, R},
    {"network", 0, R},
    {"nice", 0, O},
    {"no-kill", 'k', O},
    {"no-requeue", 0, N},
    {"nodefile", 'F', R},
    {"nodelist", 'w', R},
    {"nodes", 'N', R},
    {"ntasks", 'n', R},
    {"ntasks-per-core", 0, R},
    {"ntasks-per-gpu", 0, R},
    {"ntasks-per-node", 0, R},
    {"ntasks-per-socket", 0, R},
    {"open-mode", 0, R},
    {"overcommit", 'O', N},
    {"oversubscribe", 's', N},
    {"parsable", 0, N},
    {"partition", 'p', R},
    {"power", 0, R},
    {"prefer", 0, R},
    {"priority", 0, R},
    {"profile", 0, R},
    {"propagate", 0, O},
    {"qos", 'q', R},
    {"quiet", 'Q', N},
    {"reboot", 0, N},
    {"requeue", 0, N},
    {"reservation", 0, R},
    {"signal", 0, R},
    {"sockets-per-node", 0, R},
    {"spread-job", 0, N},
    {"switches", 0, R},
    {"test-only", 0, N},
    {"thread-spec", 0, R},
    {"threads-per-core", 0, R},
    {"time", 't', R},
    {"time-min", 0, R},
    {"tmp", 0, R},
    {"uid", 0, R},
    {"use-min-nodes", 0, N},
    {"verbose", 'v', N},
    {"wait", 'W', N},
    {"wait-all-nodes", 0, R},
    {"wckey", 0, R},
    {"wrap", 0, R},
    {NULL, 0, N},
};

#undef N
#undef R
#undef O

const struct dsq_sbatch_def *
dsq_sbatch_lookup(const char *name, size_t n)
{
    for (const struct dsq_sbatch_def *d = defs; d->name; d++) {
        if (strlen(d->name) == n && !strncmp(d->name, name, n))
            return d;
    }
    return NULL;
}

const struct dsq_sbatch_def *
dsq_sbatch_lookup_abbrev(const char *name, size_t n, const struct dsq_sbatch_def *amb[2])
{
    const struct dsq_sbatch_def *found = dsq_sbatch_lookup(name, n);

    amb[0] = amb[1] = NULL;
    if (found || n == 0)
        return found;
    /* As sbatch's getopt_long: a prefix of one option's name names it. */
    for (const struct dsq_sbatch_def *d = defs; d->name; d++) {
        if (strncmp(d->name, name, n))
            continue;
        if (found) {
            amb[0] = found;
            amb[1] = d;
            return NULL;
        }
        found = d;
    }
    return found;
}

const struct dsq_sbatch_def *
dsq_sbatch_def_at(size_t i)
{
    return i < sizeof defs / sizeof *defs - 1 ? &defs[i] : NULL;
}

const struct dsq_sbatch_def *
dsq_sbatch_lookup_short(char c)
{
    for (const struct dsq_sbatch_def *d = defs; d->name; d++) {
        if (c && d->short_name == c)
            return d;
    }
    return NULL;
}

int
dsq_sbopts_add(struct dsq_sbopts *o, const char *name, const char *value)
{
    char *v = NULL;

    if (value && !(v = strdup(value)))
        return -1;
    {
        struct dsq_sbopt *p = dsq_grow(o->v, &o->cap, o->n + 1, sizeof *p, 8);
        if (!p) {
            free(v);
            return -1;
        }
        o->v = p;
    }
    o->v[o->n].name = name;
    o->v[o->n].value = v;
    o->n++;
    return 0;
}

const char *
dsq_sbopts_get(const struct dsq_sbopts *o, const char *name, int *found)
{
    const char *val = NULL;

    *found = 0;
    for (size_t i = 0; i < o->n; i++) {
        if (!strcmp(o->v[i].name, name)) {
            *found = 1;
            val = o->v[i].value;
        }
    }
    return val;
}

void
dsq_sbopts_remove(struct dsq_sbopts *o, const char *name)
{
    size_t j = 0;

    for (size_t i = 0; i < o->n; i++) {
        if (!strcmp(o->v[i].name, name)) {
            free(o->v[i].value);
            continue;
        }
        o->v[j++] = o->v[i];
    }
    o->n = j;
}

/* Options sbatch (22.05) refuses together, or of which the later silently
 * overrides the earlier: one given replaces the other.  A relation, not
 * groups: --threads-per-core and --ntasks-per-core go together. */
static const char *const rivals[][2] = {
    {"mem", "mem-per-cpu"},
    {"mem", "mem-per-gpu"},
    {"mem-per-cpu", "mem-per-gpu"},
    {"cpus-per-gpu", "cpus-per-task"},
    {"core-spec", "thread-spec"},
    {"extra-node-info", "hint"},
    {"extra-node-info", "ntasks-per-core"},
    {"extra-node-info", "threads-per-core"},
    {"hint", "ntasks-per-core"},
    {"hint", "threads-per-core"},
    {"ntasks-per-gpu", "gpus-per-task"},
    {"ntasks-per-gpu", "gpus-per-socket"},
    {"ntasks-per-gpu", "ntasks-per-node"},
    /* The later wins. */
    {"requeue", "no-requeue"},
    {"exclusive", "oversubscribe"},
};

/* The options that ask for a count of GPUs, besides --gres=gpu... */
static const char *const gpu_counts[] = {"gpus", "gpus-per-node", "gpus-per-socket",
                                         "gpus-per-task"};

/* Whether the --gres entry s[0..n) is a GPU's: "gpu", "gpu:count",
 * "gpu:type:count" (as lib/plan scales them). */
static int
gres_entry_gpu(const char *s, size_t n)
{
    return n >= 3 && !strncmp(s, "gpu", 3) && (n == 3 || s[3] == ':');
}

static int
gres_has_gpu(const char *v)
{
    while (v && *v) {
        size_t n = strcspn(v, ",");
        if (gres_entry_gpu(v, n))
            return 1;
        v += n + (v[n] == ',');
    }
    return 0;
}

/* Take the gpu entries out of every --gres of o; one left empty goes. */
static int
gres_drop_gpus(struct dsq_sbopts *o)
{
    for (size_t i = 0; i < o->n; i++) {
        struct dsq_buf nb = {0};
        const char *v = o->v[i].value;

        if (strcmp(o->v[i].name, "gres") || !gres_has_gpu(v))
            continue;
        while (*v) {
            size_t n = strcspn(v, ",");
            if (n && !gres_entry_gpu(v, n) &&
                ((nb.len && dsq_buf_append(&nb, ",", 1) < 0) || dsq_buf_append(&nb, v, n) < 0)) {
                dsq_buf_free(&nb);
                return -1;
            }
            v += n + (v[n] == ',');
        }
        free(o->v[i].value);
        o->v[i].value = nb.data; /* NULL: nothing left, removed below */
    }
    {
        size_t j = 0;
        for (size_t i = 0; i < o->n; i++)
            if (strcmp(o->v[i].name, "gres") || o->v[i].value)
                o->v[j++] = o->v[i];
        o->n = j;
    }
    return 0;
}

int
dsq_sbopts_replace(struct dsq_sbopts *o, const char *name, const char *value)
{
    int gpu = !strcmp(name, "gres") && gres_has_gpu(value);

    dsq_sbopts_remove(o, name);
    for (size_t k = 0; k < sizeof rivals / sizeof *rivals; k++) {
        if (!strcmp(rivals[k][0], name))
            dsq_sbopts_remove(o, rivals[k][1]);
        else if (!strcmp(rivals[k][1], name))
            dsq_sbopts_remove(o, rivals[k][0]);
    }
    for (size_t k = 0; k < sizeof gpu_counts / sizeof *gpu_counts; k++)
        gpu |= !strcmp(gpu_counts[k], name);
    if (!gpu)
        return 0;
    for (size_t k = 0; k < sizeof gpu_counts / sizeof *gpu_counts; k++)
        dsq_sbopts_remove(o, gpu_counts[k]);
    return strcmp(name, "gres") ? gres_drop_gpus(o) : 0;
}

void
dsq_sbopts_free(struct dsq_sbopts *o)
{
    if (!o)
        return;
    for (size_t i = 0; i < o->n; i++)
        free(o->v[i].value);
    free(o->v);
    o->v = NULL;
    o->n = o->cap = 0;
}

int
dsq_sbatch_take(int argc, char *const argv[], int *i, struct dsq_sbopts *out, struct dsq_error *err)
{
    const char *tok = argv[*i];
    const struct dsq_sbatch_def *d;
    const char *value = NULL;
    int used = 1;

    if (tok[0] != '-' || tok[1] == '\0')
        return dsq_errprintf(err, DSQ_ERR_INPUT,
                             "unexpected argument '%s': dsq takes the job file with "
                             "--job-file, and every other argument must be an option",
                             tok);
    if (tok[1] == '-') {
        const char *name = tok + 2;
        const char *eq = strchr(name, '=');
        size_t n = eq ? (size_t)(eq - name) : strlen(name);

        const struct dsq_sbatch_def *amb[2];

        d = dsq_sbatch_lookup_abbrev(name, n, amb);
        if (amb[0])
            return dsq_errprintf(err, DSQ_ERR_INPUT,
                                 "option '%.*s' is ambiguous: it abbreviates sbatch's '--%s', "
                                 "'--%s', ...; write the option out",
                                 (int)(n + 2), tok, amb[0]->name, amb[1]->name);
        if (!d)
            return dsq_errprintf(err, DSQ_ERR_INPUT,
                                 "unknown option '%.*s': neither a dsq nor an sbatch option",
                                 (int)(n + 2), tok);
        if (eq) {
            if (d->arg == DSQ_SBARG_NONE)
                return dsq_errprintf(err, DSQ_ERR_INPUT, "sbatch option '--%s' takes no value",
                                     d->name);
            value = eq + 1;
        } else if (d->arg == DSQ_SBARG_REQUIRED) {
            if (*i + 1 >= argc)
                return dsq_errprintf(err, DSQ_ERR_INPUT, "sbatch option '--%s' needs a value",
                                     d->name);
            value = argv[*i + 1];
            used = 2;
        }
    } else {
        d = dsq_sbatch_lookup_short(tok[1]);
        if (!d)
            return dsq_errprintf(err, DSQ_ERR_INPUT,
                                 "unknown option '-%c': neither a dsq nor an sbatch option",
                                 tok[1]);
        if (d->arg == DSQ_SBARG_NONE) {
            if (tok[2])
                return dsq_errprintf(err, DSQ_ERR_INPUT,
                                     "'%s': write sbatch's short flags one per argument", tok);
        } else if (tok[2]) {
            value = tok + 2;
        } else if (d->arg == DSQ_SBARG_REQUIRED) {
            if (*i + 1 >= argc)
                return dsq_errprintf(err, DSQ_ERR_INPUT, "sbatch option '-%c' needs a value",
                                     d->short_name);
            value = argv[*i + 1];
            used = 2;
        }
    }
    if (!strcmp(d->name, "array") || !strcmp(d->name, "wrap"))
        return dsq_errprintf(err, DSQ_ERR_INPUT,
                             "sbatch option '--%s' cannot be used: dsq builds the array from "
                             "the job file (use --max-jobs to throttle it)",
                             d->name);
    if (dsq_sbopts_add(out, d->name, value) < 0)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    *i += used;
    return 0;
}

/* Parse a non-negative decimal at *s, advancing it; -1 if none. */
static long
num(const char **s)
{
    char *end;
    long v;

    if (**s < '0' || **s > '9')
        return -1;
    errno = 0;
    v = strtol(*s, &end, 10);
    if (errno || v > 100000000L)
        return -1;
    *s = end;
    return v;
}

/* Up to three ':'-separated numbers into f; the count read, or -1. */
static int
time_fields(const char **p, long f[3])
{
    for (int nf = 0; nf < 3; nf++) {
        if ((f[nf] = num(p)) < 0)
            return -1;
        if (**p != ':')
            return nf + 1;
        (*p)++;
    }
    return -1;
}

int
dsq_sbatch_parse_time(const char *s, long *seconds)
{
    long f[3] = {0, 0, 0}, days;
    const char *p = s;
    int nf;

    if (!strcasecmp(s, "UNLIMITED") || !strcasecmp(s, "INFINITE") || !strcmp(s, "-1")) {
        *seconds = -1;
        return 0;
    }
    if (strchr(s, '-')) {
        /* days-hours[:minutes[:seconds]] */
        days = num(&p);
        if (days < 0 || *p++ != '-' || time_fields(&p, f) < 0 || *p)
            return -1;
        *seconds = days * 86400 + f[0] * 3600 + f[1] * 60 + f[2];
        return 0;
    }
    nf = time_fields(&p, f);
    if (nf < 0 || *p)
        return -1;
    if (nf == 1) /* minutes */
        *seconds = f[0] * 60;
    else if (nf == 2) /* minutes:seconds */
        *seconds = f[0] * 60 + f[1];
    else /* hours:minutes:seconds */
        *seconds = f[0] * 3600 + f[1] * 60 + f[2];
    return 0;
}

void
dsq_sbatch_format_time(long s, char *buf, size_t n)
{
    if (s < 0) {
        snprintf(buf, n, "UNLIMITED");
        return;
    }
    if (s >= 86400)
        snprintf(buf, n, "%ld-%02ld:%02ld:%02ld", s / 86400, s % 86400 / 3600, s % 3600 / 60,
                 s % 60);
    else
        snprintf(buf, n, "%02ld:%02ld:%02ld", s / 3600, s % 3600 / 60, s % 60);
}

int
dsq_sbatch_parse_mem(const char *s, uint64_t *mib)
{
    const char *p = s;
    long v = num(&p);
    uint64_t kib;

    if (v < 0)
        return -1;
    switch (*p) {
    case '\0':
    case 'M':
    case 'm':
        kib = (uint64_t)v * 1024;
        break;
    case 'K':
    case 'k':
        kib = (uint64_t)v;
        break;
    case 'G':
    case 'g':
        kib = (uint64_t)v * 1024 * 1024;
        break;
    case 'T':
    case 't':
        kib = (uint64_t)v * 1024 * 1024 * 1024;
        break;
    default:
        return -1;
    }
    if (*p && p[1] && !((p[1] == 'B' || p[1] == 'b') && !p[2]))
        return -1;
    *mib = (kib + 1023) / 1024;
    return 0;
}
