/* Unit tests for lib/plan: slicing, layouts, caps, split arrays, scaling. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/plan.h"
#include "tests/unit/tap.h"

/* Every command appears in exactly one task, and cmd_task agrees. */
static int
covers(const struct dsq_plan *p)
{
    unsigned char *seen = calloc(p->ncmds, 1);
    int good = 1;

    for (size_t k = 0; k < p->tasks; k++) {
        size_t n = dsq_plan_task_size(p, k);
        if (n == 0 || n > p->lines_per_task)
            good = 0;
        for (size_t j = 0; j < n; j++) {
            size_t c = dsq_plan_task_cmd(p, k, j);
            if (c >= p->ncmds || seen[c]++ || dsq_plan_cmd_task(p, c) != k)
                good = 0;
        }
    }
    for (size_t c = 0; c < p->ncmds; c++)
        if (!seen[c])
            good = 0;
    free(seen);
    return good;
}

static struct dsq_plan
mk(size_t n, size_t L, size_t T, enum dsq_layout lay, size_t cap, size_t maxsize)
{
    struct dsq_plan_request r = {.ncmds = n,
                                 .lines_per_task = L,
                                 .tasks = T,
                                 .parallel = 1,
                                 .layout = lay,
                                 .max_array_tasks = cap,
                                 .max_array_size = maxsize};
    struct dsq_plan p;
    struct dsq_error err;

    if (dsq_plan_make(&r, &p, &err) < 0)
        memset(&p, 0, sizeof p);
    return p;
}

int
main(void)
{
    struct dsq_plan p;
    struct dsq_error err;
    struct dsq_resources res;
    struct dsq_sbopts o = {0};
    int found;

    p = mk(10, 0, 0, DSQ_LAYOUT_STRIPE, 1000, 1001);
    ok(p.tasks == 10 && p.lines_per_task == 1 && p.narrays == 1, "small file: one line per task");
    ok(covers(&p), "covers");
    dsq_plan_free(&p);

    p = mk(2500, 0, 0, DSQ_LAYOUT_STRIPE, 1000, 1001);
    ok(p.lines_per_task == 3 && p.tasks == 834 && p.narrays == 1,
       "2500 lines pack to L=3, T=834 under the 1000 cap");
    ok(covers(&p), "covers");
    is_int(dsq_plan_task_cmd(&p, 0, 1), 834, "stripe: task 0 second line is command 834");
    dsq_plan_free(&p);

    p = mk(2500, 1, 0, DSQ_LAYOUT_STRIPE, 1000, 1001);
    ok(p.tasks == 2500 && p.narrays == 3, "forced one line per task: three arrays");
    ok(p.arrays[0].count == 1001 && p.arrays[1].offset == 1001 && p.arrays[2].count == 498,
       "arrays of MaxArraySize tasks, offsets add up");
    ok(covers(&p), "covers");
    dsq_plan_free(&p);

    p = mk(10, 0, 4, DSQ_LAYOUT_BLOCK, 1000, 1001);
    ok(p.lines_per_task == 3 && p.tasks == 4, "block, 4 tasks: L=3");
    ok(dsq_plan_task_size(&p, 3) == 1 && dsq_plan_task_cmd(&p, 1, 0) == 3, "block runs");
    ok(covers(&p), "covers");
    dsq_plan_free(&p);

    p = mk(10, 0, 6, DSQ_LAYOUT_BLOCK, 1000, 1001);
    ok(p.tasks == 5 && p.lines_per_task == 2, "block never makes empty tasks");
    ok(covers(&p), "covers");
    dsq_plan_free(&p);

    p = mk(10, 0, 4, DSQ_LAYOUT_STRIPE, 1000, 1001);
    ok(p.tasks == 4 && dsq_plan_task_size(&p, 0) == 3 && dsq_plan_task_size(&p, 3) == 2,
       "stripe, 4 tasks: sizes 3,3,2,2");
    ok(covers(&p), "covers");
    dsq_plan_free(&p);

    p = mk(1000000, 0, 0, DSQ_LAYOUT_STRIPE, 1000, 1001);
    ok(p.tasks == 1000 && p.lines_per_task == 1000 && covers(&p), "a million lines");
    dsq_plan_free(&p);

    p = mk(3, 0, 50, DSQ_LAYOUT_STRIPE, 1000, 1001);
    ok(p.tasks == 3, "more tasks than lines: one line each");
    dsq_plan_free(&p);

    {
        struct dsq_plan_request r = {.ncmds = 5, .lines_per_task = 2, .tasks = 2, .parallel = 1};
        ok(dsq_plan_make(&r, &p, &err) < 0 && err.kind == DSQ_ERR_INPUT,
           "tasks with lines-per-task refused");
        r.tasks = 0;
        r.ncmds = 0;
        ok(dsq_plan_make(&r, &p, &err) < 0, "no commands refused");
    }

    /* Scaling: --parallel 2 --mem 100M -c 1 -t 10 with L = 5. */
    {
        struct dsq_plan_request r = {.ncmds = 10,
                                     .lines_per_task = 5,
                                     .parallel = 2,
                                     .max_array_tasks = 1000,
                                     .max_array_size = 1001};
        dsq_plan_make(&r, &p, &err);
        dsq_sbopts_add(&o, "mem", "100M");
        dsq_sbopts_add(&o, "time", "10");
        dsq_sbopts_add(&o, "gres", "gpu:tesla:1,lic:2");
        dsq_sbopts_add(&o, "partition", "day");
        ok(dsq_plan_resources(&p, &o, &res, &err) == 0, "scales");
        ok(res.mem_mib == 100 && res.time_s == 600 && res.gpus == 1 && res.cpus == 0,
           "per-line values recorded");
        is_str(dsq_sbopts_get(&o, "cpus-per-task", &found), "2", "W CPUs per task");
        is_str(dsq_sbopts_get(&o, "mem", &found), "200M", "--mem times W");
        is_str(dsq_sbopts_get(&o, "time", &found), "00:30:00", "time times ceil(L/W)=3");
        is_str(dsq_sbopts_get(&o, "gres", &found), "gpu:tesla:2,lic:4",
               "every countable gres entry times W");
        is_str(dsq_sbopts_get(&o, "partition", &found), "day", "others untouched");
        dsq_sbopts_free(&o);
        dsq_sbopts_add(&o, "mem", "lots");
        ok(dsq_plan_resources(&p, &o, &res, &err) < 0 && strstr(err.msg, "lots"),
           "bad --mem named");
        dsq_sbopts_free(&o);
        dsq_plan_free(&p);
    }
    is_int(dsq_plan_advise_lines(2.0, 600, 1), 300, "2 s lines: 300 per 10-minute task");

    /* GPUs every way sbatch takes them, W = 3, and back. */
    {
        struct dsq_plan_request r = {
            .ncmds = 6, .parallel = 3, .max_array_tasks = 1000, .max_array_size = 1001};
        struct dsq_resources again;

        dsq_plan_make(&r, &p, &err);
        dsq_sbopts_add(&o, "gpus", "a100:2");
        dsq_sbopts_add(&o, "gres", "gpu:a100:2,shard:1,tmp:5G,mps,none,bad:2x");
        ok(dsq_plan_resources(&p, &o, &res, &err) == 0, "GPUs scale");
        is_int(res.gpus, 2, "--gpus counts per line");
        is_str(dsq_sbopts_get(&o, "gpus", &found), "a100:6", "--gpus times W, its type kept");
        is_str(dsq_sbopts_get(&o, "gres", &found), "gpu:a100:6,shard:3,tmp:15G,mps:3,none,bad:2x",
               "each countable --gres entry times W, sizes too, the others as given");
        ok(dsq_plan_resources_undo(&res, &o, &err) == 0, "undone");
        is_str(dsq_sbopts_get(&o, "gpus", &found), "a100:2", "--gpus per line again");
        is_str(dsq_sbopts_get(&o, "gres", &found), "gpu:a100:2,shard:1,tmp:5G,mps:1,none,bad:2x",
               "--gres per line again");
        ok(dsq_plan_resources(&p, &o, &again, &err) == 0 && again.gpus == 2, "planned again");
        dsq_sbopts_free(&o);
        dsq_sbopts_add(&o, "gpus-per-task", "v100:2");
        ok(dsq_plan_resources(&p, &o, &res, &err) == 0 && res.gpus == 2,
           "--gpus-per-task type:N accepted");
        is_str(dsq_sbopts_get(&o, "gpus-per-task", &found), "v100:6", "and scaled");
        dsq_sbopts_free(&o);
        dsq_sbopts_add(&o, "gpus", "many");
        ok(dsq_plan_resources(&p, &o, &res, &err) < 0 && strstr(err.msg, "many"),
           "bad --gpus named");
        dsq_sbopts_free(&o);
        dsq_plan_free(&p);
    }

    /* A rerun plans the per-line options again: undo gives them back for
     * any W and L the run was planned with. */
    for (unsigned w = 1; w <= 3; w++) {
        for (size_t l = 1; l <= 4; l += 3) {
            struct dsq_plan_request r = {.ncmds = 12,
                                         .lines_per_task = l,
                                         .parallel = w,
                                         .max_array_tasks = 1000,
                                         .max_array_size = 1001};
            struct dsq_resources again;
            dsq_plan_make(&r, &p, &err);
            dsq_sbopts_add(&o, "cpus-per-task", "2");
            dsq_sbopts_add(&o, "mem", "1g");
            dsq_sbopts_add(&o, "gpus-per-task", "1");
            dsq_sbopts_add(&o, "gres", "gpu:a100:2,lic:3");
            dsq_sbopts_add(&o, "time", "10");
            dsq_sbopts_add(&o, "partition", "day");
            ok(dsq_plan_resources(&p, &o, &res, &err) == 0 &&
                   dsq_plan_resources_undo(&res, &o, &err) == 0,
               "W=%u L=%zu: scaled and back", w, l);
            is_str(dsq_sbopts_get(&o, "cpus-per-task", &found), "2", "W=%u: -c per line", w);
            is_str(dsq_sbopts_get(&o, "mem", &found), "1024M", "W=%u: --mem per line", w);
            is_str(dsq_sbopts_get(&o, "gpus-per-task", &found), "1", "W=%u: GPUs per line", w);
            is_str(dsq_sbopts_get(&o, "gres", &found), "gpu:a100:2,lic:3",
                   "W=%u: gpu gres per line, the others untouched", w);
            is_str(dsq_sbopts_get(&o, "time", &found), "00:10:00", "W=%u L=%zu: -t per line", w, l);
            is_str(dsq_sbopts_get(&o, "partition", &found), "day", "others untouched");
            ok(dsq_plan_resources(&p, &o, &again, &err) == 0 && !memcmp(&again, &res, sizeof res),
               "W=%u L=%zu: planned again, the same per-line resources", w, l);
            dsq_sbopts_free(&o);
            dsq_plan_free(&p);
        }
    }
    {
        struct dsq_plan_request r = {
            .ncmds = 6, .parallel = 3, .max_array_tasks = 1000, .max_array_size = 1001};
        dsq_plan_make(&r, &p, &err);
        dsq_sbopts_add(&o, "partition", "day");
        ok(dsq_plan_resources(&p, &o, &res, &err) == 0 &&
               dsq_sbopts_get(&o, "cpus-per-task", &found) && found,
           "W=3 without -c asks for 3 CPUs");
        ok(dsq_plan_resources_undo(&res, &o, &err) == 0 &&
               !dsq_sbopts_get(&o, "cpus-per-task", &found) && !found && o.n == 1,
           "undo drops the CPUs dsq added");
        dsq_sbopts_free(&o);
        dsq_plan_free(&p);
    }
    /* --cpus-per-gpu: the CPUs follow the GPUs (sbatch refuses it beside
     * --cpus-per-task), and undo reads W from the GPUs. */
    for (int g = 0; g < 3; g++) {
        static const char *const gkey[] = {"gpus-per-task", "gpus", "gres"};
        static const char *const gval[] = {"1", "a100:1", "gpu:1"};
        static const char *const gscaled[] = {"3", "a100:3", "gpu:3"};
        struct dsq_plan_request r = {
            .ncmds = 6, .parallel = 3, .max_array_tasks = 1000, .max_array_size = 1001};
        dsq_plan_make(&r, &p, &err);
        dsq_sbopts_add(&o, "cpus-per-gpu", "4");
        dsq_sbopts_add(&o, gkey[g], gval[g]);
        dsq_sbopts_add(&o, "mem", "1G");
        ok(dsq_plan_resources(&p, &o, &res, &err) == 0 &&
               !dsq_sbopts_get(&o, "cpus-per-task", &found) && !found,
           "--cpus-per-gpu with --%s: no --cpus-per-task added", gkey[g]);
        is_str(dsq_sbopts_get(&o, gkey[g], &found), gscaled[g], "--%s scaled by W", gkey[g]);
        is_str(dsq_sbopts_get(&o, "mem", &found), "3072M", "--mem scaled by W");
        ok(dsq_plan_resources_undo(&res, &o, &err) == 0, "undone");
        is_str(dsq_sbopts_get(&o, gkey[g], &found), gval[g], "--%s per line again", gkey[g]);
        is_str(dsq_sbopts_get(&o, "mem", &found), "1024M", "--mem per line again");
        is_str(dsq_sbopts_get(&o, "cpus-per-gpu", &found), "4", "--cpus-per-gpu untouched");
        dsq_sbopts_free(&o);
        dsq_plan_free(&p);
    }
    /* --parallel W asks for no slot a task cannot use: W never exceeds the
     * lines a task runs, and the default packing gives each stripe task at
     * least W lines (block: all but the last). */
    for (size_t n = 1; n <= 40; n++) {
        for (unsigned w = 1; w <= 6; w++) {
            for (int lay = 0; lay < 2; lay++) {
                struct dsq_plan_request r = {.ncmds = n,
                                             .parallel = w,
                                             .layout = lay ? DSQ_LAYOUT_BLOCK : DSQ_LAYOUT_STRIPE,
                                             .max_array_tasks = 1000,
                                             .max_array_size = 1001};
                size_t smallest = n, big = 0;
                int good = dsq_plan_make(&r, &p, &err) == 0 && covers(&p);
                for (size_t k = 0; good && k < p.tasks; k++) {
                    size_t sz = dsq_plan_task_size(&p, k);
                    if (lay == 0 || k + 1 < p.tasks)
                        smallest = sz < smallest ? sz : smallest;
                    big = sz > big ? sz : big;
                }
                good = good && p.parallel <= p.lines_per_task && big == p.lines_per_task &&
                       p.parallel == (w < n ? w : n) && (n < w || smallest >= w) &&
                       (w > 1 || p.tasks == n);
                if (!good)
                    ok(0, "n=%zu W=%u %s: T=%zu L=%zu W'=%u smallest %zu", n, w,
                       lay ? "block" : "stripe", p.tasks, p.lines_per_task, p.parallel, smallest);
                dsq_plan_free(&p);
            }
        }
    }
    ok(1, "default packing with --parallel W: every task has >= W lines, W <= L (480 plans)");
    {
        /* An explicit slice smaller than W: W comes down to it, and so
         * does what the task asks for. */
        struct dsq_plan_request r = {.ncmds = 8,
                                     .lines_per_task = 1,
                                     .parallel = 4,
                                     .max_array_tasks = 1000,
                                     .max_array_size = 1001};
        ok(dsq_plan_make(&r, &p, &err) == 0 && p.tasks == 8 && p.parallel == 1,
           "--lines-per-task 1 --parallel 4: W is 1");
        dsq_sbopts_add(&o, "cpus-per-task", "2");
        dsq_sbopts_add(&o, "mem", "1g");
        ok(dsq_plan_resources(&p, &o, &res, &err) == 0, "scaled");
        is_str(dsq_sbopts_get(&o, "cpus-per-task", &found), "2", "-c 2 per line: 2 per task");
        is_str(dsq_sbopts_get(&o, "mem", &found), "1g", "--mem 1g per line: as given, 1g per task");
        dsq_sbopts_free(&o);
        dsq_plan_free(&p);
        r.lines_per_task = 0;
        ok(dsq_plan_make(&r, &p, &err) == 0 && p.tasks == 2 && p.lines_per_task == 4 &&
               p.parallel == 4,
           "default packing, 8 lines --parallel 4: 2 tasks of 4 lines, W 4");
        dsq_plan_free(&p);
    }
    return done_testing();
}
