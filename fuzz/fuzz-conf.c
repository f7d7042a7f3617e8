/* fuzz-conf: libFuzzer harness for the YAML configuration.  Arbitrary bytes
 * are one configuration layer, applied over the defaults.  A refused layer
 * must name the file and change nothing; an accepted one must hold only
 * values dsq can use, and applying it a second time must change nothing.
 * LeakSanitizer checks that every path frees what it took. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz/fuzz.h"
#include "lib/buf.h"
#include "lib/conf.h"
#include "lib/limit.h"
#include "lib/sbatch.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);


/* A name with a directory, so relative batch-template paths are resolved. */
#define NAME "/etc/dsq/config.yaml"

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    /* "~/x" paths expand from HOME: make that the same on every machine. */
    setenv("HOME", "/home/fuzz", 1);
    return 0;
}

static int
same_str(const char *a, const char *b)
{
    return a && b ? !strcmp(a, b) : a == b;
}

static int
same_conf(const struct dsq_conf *a, const struct dsq_conf *b)
{
    if (!same_str(a->status_dir, b->status_dir) || !same_str(a->shell, b->shell) ||
        !same_str(a->batch_template, b->batch_template) ||
        a->max_array_tasks != b->max_array_tasks || a->layout != b->layout ||
        a->signal_lead != b->signal_lead ||
        memcmp(&a->kill_grace, &b->kill_grace, sizeof(double)) ||
        a->sbatch_options.n != b->sbatch_options.n)
        return 0;
    for (size_t i = 0; i < a->sbatch_options.n; i++)
        if (strcmp(a->sbatch_options.v[i], b->sbatch_options.v[i]))
            return 0;
    return 1;
}

static void
copy_conf(struct dsq_conf *dst, const struct dsq_conf *src)
{
    *dst = *src;
    dst->status_dir = src->status_dir ? strdup(src->status_dir) : NULL;
    dst->shell = src->shell ? strdup(src->shell) : NULL;
    dst->batch_template = src->batch_template ? strdup(src->batch_template) : NULL;
    memset(&dst->sbatch_options, 0, sizeof dst->sbatch_options);
    for (size_t i = 0; i < src->sbatch_options.n; i++)
        CHECK(dsq_strv_push(&dst->sbatch_options, src->sbatch_options.v[i]) == 0);
}

/* What conf.c promises of an accepted configuration. */
static void
check_usable(const struct dsq_conf *c)
{
    struct dsq_sbopts o = {0};
    struct dsq_error err = {0};
    int n = (int)c->sbatch_options.n;
    const struct dsq_limit *mat = dsq_limit_get(DSQ_LIMIT_MAX_ARRAY_TASKS),
                           *sl = dsq_limit_get(DSQ_LIMIT_SIGNAL_LEAD),
                           *kg = dsq_limit_get(DSQ_LIMIT_KILL_GRACE);

    CHECK(c->status_dir && c->status_dir[0]);
    CHECK(c->shell && c->shell[0] == '/');
    CHECK(!c->batch_template || c->batch_template[0] == '/');
    /* Numbers within the ranges of lib/limit's table, which the command
     * line enforces too. */
    CHECK(c->max_array_tasks >= mat->min && c->max_array_tasks <= mat->max);
    CHECK(c->layout == DSQ_LAYOUT_STRIPE || c->layout == DSQ_LAYOUT_BLOCK ||
          c->layout == DSQ_LAYOUT_DYNAMIC);
    CHECK(c->signal_lead >= sl->min && c->signal_lead <= sl->max);
    CHECK(c->kill_grace >= (double)kg->min && c->kill_grace <= (double)kg->max);
    CHECK(c->sbatch_options.n == 0 || c->sbatch_options.v[c->sbatch_options.n] == NULL);
    /* The planner will place these options again: that must work. */
    for (int i = 0; i < n;) {
        if (dsq_sbatch_take(n, c->sbatch_options.v, &i, &o, &err) < 0)
            fprintf(stderr, "accepted sbatch-options refused later: %s\n", err.msg);
        CHECK(err.kind == DSQ_ERR_NONE);
    }
    dsq_sbopts_free(&o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dsq_conf c, before;
    struct dsq_error err = {0};

    CHECK(dsq_conf_init(&c, &err) == 0);
    copy_conf(&before, &c);
    if (dsq_conf_load_buffer(&c, (const char *)data, size, NAME, &err) < 0) {
        if (strncmp(err.msg, NAME ":", strlen(NAME ":")))
            fprintf(stderr, "message does not name the file: %s\n", err.msg);
        CHECK(!strncmp(err.msg, NAME ":", strlen(NAME ":")));
        CHECK(err.kind == DSQ_ERR_INPUT);
        CHECK(same_conf(&c, &before)); /* a bad layer changes nothing */
    } else {
        struct dsq_conf once;

        CHECK(err.kind == DSQ_ERR_NONE);
        check_usable(&c);
        copy_conf(&once, &c);
        /* Every key is absolute: the same layer again changes nothing. */
        if (dsq_conf_load_buffer(&c, (const char *)data, size, NAME, &err) < 0)
            fprintf(stderr, "accepted once, refused the second time: %s\n", err.msg);
        CHECK(err.kind == DSQ_ERR_NONE);
        CHECK(same_conf(&c, &once));
        dsq_conf_free(&once);
    }
    dsq_conf_free(&before);
    dsq_conf_free(&c);
    return 0;
}
