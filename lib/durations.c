/* durations: an earlier run's measured times per line (see durations.h),
 * read from its records, and the order and size of a plan made from them. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "durations.h"
#include "jobfile.h"
#include "manifest.h"
#include "record.h"
#include "rundir.h"
#include "sha256.h"

/* The latest end record of each command line. */
struct best {
    const struct dsq_jobfile *jf;
    double *s;
    unsigned *att, *restart, *tryno; /* key of the record kept, att 0: none */
};

static int
note_end(const struct dsq_record *r, void *arg)
{
    struct best *b = arg;
    size_t i;

    if (r->ev != DSQ_EV_END || r->elapsed <= 0)
        return 0;
    if ((i = dsq_jobfile_find(b->jf, r->line)) == (size_t)-1)
        return 0;
    if (b->att[i] &&
        (r->attempt < b->att[i] ||
         (r->attempt == b->att[i] &&
          (r->restart < b->restart[i] || (r->restart == b->restart[i] && r->tryno < b->tryno[i])))))
        return 0;
    b->s[i] = r->elapsed;
    b->att[i] = r->attempt ? r->attempt : 1;
    b->restart[i] = r->restart;
    b->tryno[i] = r->tryno;
    return 0;
}

static int
dbl_cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

int
dsq_durations_load(const char *run_dir, struct dsq_durations *d, struct dsq_error *err)
{
    struct dsq_manifest m;
    struct dsq_jobfile *jf = NULL;
    struct best b = {0};
    double *known = NULL, median;
    char *path = NULL;
    int have_m = 0, rc = -1;

    memset(d, 0, sizeof *d);
    if (dsq_manifest_read(run_dir, &m, err) < 0)
        return -1;
    have_m = 1;
    if (!(path = dsq_rundir_path(run_dir, DSQ_RD_JOBFILE)))
        goto oom;
    if (!(jf = dsq_jobfile_load(path, err)))
        goto out;
    b.jf = jf;
    d->n = jf->ncmds;
    if (!(d->s = calloc(d->n ? d->n : 1, sizeof *d->s)) ||
        !(b.att = calloc(d->n ? d->n : 1, sizeof *b.att)) ||
        !(b.restart = calloc(d->n ? d->n : 1, sizeof *b.restart)) ||
        !(b.tryno = calloc(d->n ? d->n : 1, sizeof *b.tryno)) ||
        !(known = malloc((d->n ? d->n : 1) * sizeof *known)))
        goto oom;
    b.s = d->s;
    if (dsq_rundir_read_records(run_dir, note_end, &b, err) < 0)
        goto out;
    for (size_t i = 0; i < d->n; i++)
        if (b.att[i])
            known[d->measured++] = d->s[i];
    if (!d->measured) {
        dsq_errprintf(err, DSQ_ERR_INPUT,
                      "%s: no line of this run has a measured time yet (none has ended)", run_dir);
        goto out;
    }
    qsort(known, d->measured, sizeof *known, dbl_cmp);
    median = d->measured % 2 ? known[d->measured / 2]
                             : (known[d->measured / 2 - 1] + known[d->measured / 2]) / 2;
    for (size_t i = 0; i < d->n; i++)
        if (!b.att[i])
            d->s[i] = median;
    if (!(d->run_dir = strdup(m.run_dir ? m.run_dir : run_dir)) ||
        !(d->sha256 = strdup(m.sha256 ? m.sha256 : "")))
        goto oom;
    rc = 0;
    goto out;
oom:
    dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
out:
    if (rc < 0)
        dsq_durations_free(d);
    free(b.att);
    free(b.restart);
    free(b.tryno);
    free(known);
    free(path);
    dsq_jobfile_destroy(jf);
    if (have_m)
        dsq_manifest_free(&m);
    return rc;
}

void
dsq_durations_free(struct dsq_durations *d)
{
    if (!d)
        return;
    free(d->run_dir);
    free(d->sha256);
    free(d->s);
    memset(d, 0, sizeof *d);
}

/* qsort has no argument: the seconds being sorted by. */
static const double *sort_s;

static int
longest_first(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    if (sort_s[x] != sort_s[y])
        return sort_s[x] > sort_s[y] ? -1 : 1;
    return x < y ? -1 : x > y;
}

static const double *sort_load;

static int
least_loaded(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;

    if (sort_load[x] != sort_load[y])
        return sort_load[x] < sort_load[y] ? -1 : 1;
    return x < y ? -1 : x > y;
}

int
dsq_durations_order(const struct dsq_plan *p, const double *s, size_t **order)
{
    size_t n = p->ncmds, T = p->tasks, next = 0;
    size_t *idx = malloc((n ? n : 1) * sizeof *idx), *ord = NULL, *ks = NULL;
    double *load = NULL;

    *order = NULL;
    if (!idx)
        return -1;
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    sort_s = s;
    qsort(idx, n, sizeof *idx, longest_first);
    if (p->layout == DSQ_LAYOUT_DYNAMIC) {
        *order = idx;
        return 0;
    }
    if (!(ord = malloc((n ? n : 1) * sizeof *ord)) || !(ks = malloc(T * sizeof *ks)) ||
        !(load = calloc(T, sizeof *load)))
        goto fail;
    for (size_t j = 0; next < n; j++) {
        size_t m = 0;

        for (size_t k = 0; k < T; k++)
            if (dsq_plan_task_size(p, k) > j)
                ks[m++] = k;
        if (!m)
            goto fail; /* cannot be: the tasks hold every line */
        sort_load = load;
        qsort(ks, m, sizeof *ks, least_loaded);
        for (size_t r = 0; r < m && next < n; r++, next++) {
            ord[dsq_plan_task_slot(p, ks[r], j)] = idx[next];
            load[ks[r]] += s[idx[next]];
        }
    }
    free(idx);
    free(ks);
    free(load);
    *order = ord;
    return 0;
fail:
    free(idx);
    free(ord);
    free(ks);
    free(load);
    return -1;
}

size_t
dsq_durations_lines(const double *s, size_t n, double target_s, unsigned parallel)
{
    double sum = 0;

    for (size_t i = 0; i < n; i++)
        sum += s[i];
    return dsq_plan_advise_lines(n ? sum / (double)n : 0, target_s, parallel);
}

static int
any_end(const struct dsq_record *r, void *arg)
{
    if (r->ev == DSQ_EV_END && r->elapsed > 0) {
        *(int *)arg = 1;
        return -1; /* one is enough */
    }
    return 0;
}

int
dsq_durations_offer(const char *status_dir, const char *job_file, char **run_dir,
                    struct dsq_error *err)
{
    struct dsq_error e = {0};
    struct dsq_jobfile *jf = NULL;
    struct dsq_manifest m;
    char *latest = NULL, hex[65];
    int have_m = 0, found = 0, rc = 0;

    *run_dir = NULL;
    if (dsq_rundir_find(status_dir, NULL, &latest, &e) < 0) {
        if (e.kind == DSQ_ERR_SYSTEM) /* out of memory */
            rc = dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        goto out;
    }
    if (dsq_manifest_read(latest, &m, &e) < 0)
        goto out;
    have_m = 1;
    if (!m.sha256 || !(jf = dsq_jobfile_load(job_file, &e)))
        goto out;
    dsq_sha256_hex(jf->data, jf->len, hex);
    if (strcmp(hex, m.sha256))
        goto out;
    (void)dsq_rundir_read_records(latest, any_end, &found, &e);
    if (found) {
        *run_dir = latest;
        latest = NULL;
        rc = 1;
    }
out:
    free(latest);
    dsq_jobfile_destroy(jf);
    if (have_m)
        dsq_manifest_free(&m);
    return rc;
}
