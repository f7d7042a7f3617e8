/* Unit tests for lib/bind: each slot's CPUs, GPU lists and thread variables. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/bind.h"
#include "tests/unit/tap.h"

/* Slot s's value of name, or NULL. */
static const char *
var(const struct dsq_bind *b, unsigned s, const char *name)
{
    size_t n, len = strlen(name);
    char *const *v = dsq_bind_slot_vars(b, s, &n);

    for (size_t i = 0; i < n; i++) {
        if (!strncmp(v[i], name, len) && v[i][len] == '=')
            return v[i] + len + 1;
    }
    return NULL;
}

static struct dsq_bind *
mk(unsigned W, unsigned c, unsigned G, const unsigned *cpus, size_t ncpus, char *const *env,
   const char *machine)
{
    struct dsq_bind_task t = {W, c, G, cpus, ncpus, env, machine};
    struct dsq_error err = {0};
    struct dsq_bind *b = dsq_bind_create(&t, &err);

    if (!b)
        printf("# %s\n", err.msg);
    return b;
}

static void
test_cpus(void)
{
    unsigned two[] = {0, 1}, eight[] = {0, 1, 2, 3, 8, 9, 10, 11}, odd[] = {4, 5, 6, 7, 9};
    char buf[64];
    struct dsq_bind *b;

    b = mk(2, 1, 0, two, 2, NULL, NULL);
    is_str(dsq_bind_slot_cpus(b, 0), "0", "W=2 on 2 CPUs: slot 0 on CPU 0");
    is_str(dsq_bind_slot_cpus(b, 1), "1", "W=2 on 2 CPUs: slot 1 on CPU 1");
    is_str(var(b, 0, "OMP_NUM_THREADS"), "1", "threads = per-line CPUs");
    dsq_bind_destroy(b);

    b = mk(2, 4, 0, eight, 8, NULL, NULL);
    is_str(dsq_bind_slot_cpus(b, 0), "0-3", "W=2 c=4: slot 0 a run");
    is_str(dsq_bind_slot_cpus(b, 1), "8-11", "W=2 c=4: slot 1 the next run, not 0..n-1");
    is_str(var(b, 1, "MKL_NUM_THREADS"), "4", "MKL_NUM_THREADS = 4");
    is_str(var(b, 1, "OPENBLAS_NUM_THREADS"), "4", "OPENBLAS_NUM_THREADS = 4");
    is_str(var(b, 1, "NUMEXPR_NUM_THREADS"), "4", "NUMEXPR_NUM_THREADS = 4");
    is_str(var(b, 1, "VECLIB_MAXIMUM_THREADS"), "4", "VECLIB_MAXIMUM_THREADS = 4");
    dsq_bind_destroy(b);

    b = mk(2, 1, 0, odd, 5, NULL, NULL);
    is_str(dsq_bind_slot_cpus(b, 0), "4-6", "5 CPUs, W=2: first slot one more");
    is_str(dsq_bind_slot_cpus(b, 1), "7,9", "5 CPUs, W=2: list with a gap");
    is_str(dsq_bind_slot_cpus(b, 3), "7,9", "slots past W wrap around");
    dsq_bind_destroy(b);

    b = mk(4, 1, 0, two, 2, NULL, NULL);
    is_str(dsq_bind_slot_cpus(b, 2), "0", "fewer CPUs than slots: shared, s mod n");
    is_str(dsq_bind_slot_cpus(b, 3), "1", "fewer CPUs than slots: slot 3 on CPU 1");
    dsq_bind_destroy(b);

    b = mk(2, 1, 0, NULL, 0, NULL, NULL);
    is_str(dsq_bind_slot_cpus(b, 0), "", "no CPU set known: affinity left alone");
    dsq_bind_destroy(b);

    b = mk(1, 1, 1, two, 2, (char *[]){(char *)"CUDA_VISIBLE_DEVICES=0,1", NULL}, NULL);
    size_t n = 99;
    dsq_bind_slot_vars(b, 0, &n);
    is_int(n, 0, "W=1: nothing set");
    is_str(dsq_bind_slot_cpus(b, 0), "", "W=1: affinity left alone");
    dsq_bind_destroy(b);

    dsq_bind_format_cpus(eight, 8, buf, sizeof buf);
    is_str(buf, "0-3,8-11", "format ranges");
    ok(dsq_bind_format_cpus(eight, 8, buf, 4) < 0, "format: too small a buffer is -1");
}

static void
test_gpus(void)
{
    char *env[] = {(char *)"PATH=/bin", (char *)"CUDA_VISIBLE_DEVICES=3,5,7,9", NULL};
    char *amd[] = {(char *)"ROCR_VISIBLE_DEVICES=0,1,2,3", (char *)"SLURM_JOB_GPUS=4,5,6,7",
                   (char *)"GPU_DEVICE_ORDINAL=0,1,2,3", NULL};
    char *uuids[] = {(char *)"CUDA_VISIBLE_DEVICES=GPU-aa,GPU-bb", (char *)"OMP_NUM_THREADS=7",
                     (char *)"DSQ_GPUS=x", NULL};
    char *slurm_only[] = {(char *)"SLURM_JOB_GPUS=2,6", NULL};
    const char *const *names;
    size_t n;
    struct dsq_bind *b;

    b = mk(2, 1, 2, NULL, 0, env, NULL);
    is_str(var(b, 0, "CUDA_VISIBLE_DEVICES"), "3,5", "slot 0 gets 3,5");
    is_str(var(b, 1, "CUDA_VISIBLE_DEVICES"), "7,9", "slot 1 gets 7,9");
    is_str(var(b, 1, "DSQ_GPUS"), "7,9", "DSQ_GPUS is the slot's");
    ok(var(b, 0, "ROCR_VISIBLE_DEVICES") == NULL, "unset lists stay unset");
    names = dsq_bind_names(b, &n);
    ok(n == 1 && !strcmp(names[0], "CUDA_VISIBLE_DEVICES"), "replaces CUDA_VISIBLE_DEVICES");
    dsq_bind_destroy(b);

    b = mk(4, 1, 1, NULL, 0, amd, NULL);
    is_str(var(b, 2, "ROCR_VISIBLE_DEVICES"), "2", "ROCR narrowed");
    is_str(var(b, 2, "GPU_DEVICE_ORDINAL"), "2", "GPU_DEVICE_ORDINAL narrowed");
    is_str(var(b, 2, "DSQ_GPUS"), "6", "DSQ_GPUS in Slurm's numbering");
    ok(var(b, 2, "CUDA_VISIBLE_DEVICES") == NULL, "no CUDA list invented beside ROCR's");
    dsq_bind_destroy(b);

    b = mk(2, 2, 1, NULL, 0, uuids, NULL);
    is_str(var(b, 1, "CUDA_VISIBLE_DEVICES"), "GPU-bb", "UUIDs are entries too");
    ok(var(b, 0, "OMP_NUM_THREADS") == NULL, "the user's OMP_NUM_THREADS is kept");
    is_str(var(b, 0, "MKL_NUM_THREADS"), "2", "the others are set");
    names = dsq_bind_names(b, &n);
    is_int(n, 2, "replaces CUDA_VISIBLE_DEVICES and an inherited DSQ_GPUS");
    dsq_bind_destroy(b);

    b = mk(2, 1, 1, NULL, 0, slurm_only, NULL);
    is_str(var(b, 1, "CUDA_VISIBLE_DEVICES"), "6", "only Slurm's ids: CUDA list made");
    dsq_bind_destroy(b);

    b = mk(3, 1, 2, NULL, 0, NULL, "0,1,2,3");
    is_str(var(b, 0, "CUDA_VISIBLE_DEVICES"), "0,1", "machine's GPUs: slot 0");
    is_str(var(b, 2, "CUDA_VISIBLE_DEVICES"), "0,1", "fewer than W x G: round-robin");
    is_str(var(b, 2, "DSQ_GPUS"), "0,1", "DSQ_GPUS too");
    dsq_bind_destroy(b);

    b = mk(2, 1, 4, NULL, 0, (char *[]){(char *)"CUDA_VISIBLE_DEVICES=0,1", NULL}, NULL);
    is_str(var(b, 1, "CUDA_VISIBLE_DEVICES"), "0,1", "fewer than G: each once");
    dsq_bind_destroy(b);

    b = mk(2, 1, 0, NULL, 0, env, "0");
    ok(var(b, 0, "CUDA_VISIBLE_DEVICES") == NULL && var(b, 0, "DSQ_GPUS") == NULL,
       "no GPUs per line: GPU lists left alone");
    dsq_bind_destroy(b);

    b = mk(2, 1, 1, NULL, 0, NULL, NULL);
    ok(var(b, 0, "DSQ_GPUS") == NULL, "GPUs asked, none known: nothing set");
    dsq_bind_destroy(b);
    dsq_bind_destroy(NULL);
}

static void
test_probe(void)
{
    unsigned *cpus;
    size_t n;
    char *g;

    ok(dsq_bind_probe_cpus(&cpus, &n) == 0 && n >= 1, "this process has CPUs (%zu)", n);
    free(cpus);
    g = dsq_bind_probe_gpus();
    ok(1, "probe GPUs: %s", g ? g : "none");
    free(g);
}

int
main(void)
{
    test_cpus();
    test_gpus();
    test_probe();
    return done_testing();
}
