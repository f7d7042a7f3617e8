/* Unit tests for lib/durations and the plan's order: longest first
 * (dynamic), tasks of equal sums (stripe, block), lines per task from a
 * target time. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/durations.h"
#include "lib/plan.h"
#include "tests/unit/tap.h"

/* Every position appears in exactly one task, and cmd_task agrees. */
static int
covers(const struct dsq_plan *p)
{
    unsigned char *seen = calloc(p->ncmds, 1);
    int good = 1;

    for (size_t k = 0; k < p->tasks; k++) {
        for (size_t j = 0; j < dsq_plan_task_size(p, k); j++) {
            size_t c = dsq_plan_task_cmd(p, k, j);
            if (c >= p->ncmds || seen[c]++ || dsq_plan_cmd_task(p, c) != k)
                good = 0;
        }
    }
    for (size_t c = 0; c < p->ncmds; c++)
        good &= seen[c] == 1;
    free(seen);
    return good;
}

static struct dsq_plan
mk(size_t n, size_t T, enum dsq_layout lay)
{
    struct dsq_plan_request r = {.ncmds = n,
                                 .tasks = T,
                                 .parallel = 1,
                                 .layout = lay,
                                 .max_array_tasks = 1000,
                                 .max_array_size = 1001};
    struct dsq_plan p;
    struct dsq_error err = {0};

    if (dsq_plan_make(&r, &p, &err) < 0)
        abort();
    return p;
}

/* max - min of the tasks' sums of s. */
static double
spread(const struct dsq_plan *p, const double *s)
{
    double lo = 1e300, hi = 0;

    for (size_t k = 0; k < p->tasks; k++) {
        double sum = 0;
        for (size_t j = 0; j < dsq_plan_task_size(p, k); j++)
            sum += s[dsq_plan_task_cmd(p, k, j)];
        lo = sum < lo ? sum : lo;
        hi = sum > hi ? sum : hi;
    }
    return hi - lo;
}

/* Within every task, lines in order of decreasing time. */
static int
desc(const struct dsq_plan *p, const double *s)
{
    for (size_t k = 0; k < p->tasks; k++)
        for (size_t j = 1; j < dsq_plan_task_size(p, k); j++)
            if (s[dsq_plan_task_cmd(p, k, j)] > s[dsq_plan_task_cmd(p, k, j - 1)])
                return 0;
    return 1;
}

static int
ordered(struct dsq_plan *p, const double *s)
{
    size_t *order;

    return dsq_durations_order(p, s, &order) == 0 && dsq_plan_set_order(p, order) == 0;
}

int
main(void)
{
    static const double eight[8] = {0.1, 0.4, 0.05, 0.3, 0.2, 0.45, 0.1, 0.35};

    {
        static const double s[5] = {1, 5, 3, 5, 2};
        struct dsq_plan p = mk(5, 5, DSQ_LAYOUT_DYNAMIC);

        ok(ordered(&p, s), "dynamic: ordered");
        ok(p.order[0] == 1 && p.order[1] == 3 && p.order[2] == 2 && p.order[3] == 4 &&
               p.order[4] == 0,
           "dynamic: longest first, ties in file order (1 3 2 4 0)");
        is_int(dsq_plan_pos(&p, 0), 1, "slot 0 (the first claimed) holds position 1");
        ok(covers(&p), "dynamic: every line once, cmd_task the inverse");
        dsq_plan_free(&p);
    }
    {
        struct dsq_plan p = mk(8, 3, DSQ_LAYOUT_STRIPE);
        double before = spread(&p, eight);

        ok(ordered(&p, eight) && covers(&p), "stripe 8 lines, 3 tasks: every line once");
        ok(spread(&p, eight) < 0.011 && spread(&p, eight) < before,
           "stripe: the tasks' sums differ by %.3f s (file order: %.3f s)", spread(&p, eight),
           before);
        ok(desc(&p, eight), "stripe: each task runs its longest lines first");
        dsq_plan_free(&p);
    }
    {
        struct dsq_plan p = mk(8, 3, DSQ_LAYOUT_BLOCK);

        ok(ordered(&p, eight) && covers(&p), "block 8 lines, 3 tasks: every line once");
        is_int(dsq_plan_task_size(&p, 2), 2, "block: the last task keeps its 2 lines");
        ok(spread(&p, eight) < 0.16, "block: the tasks' sums differ by %.3f s", spread(&p, eight));
        ok(desc(&p, eight), "block: each task runs its longest lines first");
        dsq_plan_free(&p);
    }
    {
        /* 100 lines: one of 50 s, the rest 1 s; 10 tasks. */
        double s[100];
        struct dsq_plan p = mk(100, 10, DSQ_LAYOUT_STRIPE);

        for (size_t i = 0; i < 100; i++)
            s[i] = i == 37 ? 50 : 1;
        ok(ordered(&p, s) && covers(&p), "stripe 100 lines: every line once");
        is_int(dsq_plan_task_cmd(&p, dsq_plan_cmd_task(&p, 37), 0), 37,
               "the 50 s line is the first its task runs");
        dsq_plan_free(&p);
    }
    {
        struct dsq_plan p = mk(4, 2, DSQ_LAYOUT_STRIPE);
        size_t *bad = malloc(4 * sizeof *bad);

        bad[0] = 0, bad[1] = 1, bad[2] = 1, bad[3] = 3;
        ok(dsq_plan_set_order(&p, bad) < 0 && !p.order, "a repeat is not an order");
        bad = malloc(4 * sizeof *bad);
        bad[0] = 0, bad[1] = 1, bad[2] = 2, bad[3] = 4;
        ok(dsq_plan_set_order(&p, bad) < 0 && !p.order, "nor a position past the end");
        is_int(dsq_plan_pos(&p, 3), 3, "no order: slot = position");
        dsq_plan_free(&p);
    }
    {
        double s[100];
        struct dsq_plan_request r = {.ncmds = 100,
                                     .parallel = 1,
                                     .layout = DSQ_LAYOUT_STRIPE,
                                     .max_array_tasks = 1000,
                                     .max_array_size = 1001};
        struct dsq_plan p;
        struct dsq_error err = {0};

        for (size_t i = 0; i < 100; i++)
            s[i] = i % 2 ? 50 : 70; /* mean 60 s */
        is_int(dsq_durations_lines(s, 100, 600, 1), 10, "600 s of 60 s lines: 10 a task");
        is_int(dsq_durations_lines(s, 100, 600, 2), 20, "... 2 at once: 20");
        is_int(dsq_durations_lines(s, 100, 10, 1), 1, "lines longer than the target: 1");
        r.lines_hint = 10;
        ok(dsq_plan_make(&r, &p, &err) == 0 && p.lines_per_task == 10 && p.tasks == 10,
           "lines_hint 10: 10 tasks of 10 lines");
        dsq_plan_free(&p);
        r.max_array_tasks = 5;
        ok(dsq_plan_make(&r, &p, &err) == 0 && p.lines_per_task == 20 && p.tasks == 5,
           "lines_hint 10 but --max-array-tasks 5: 5 tasks of 20");
        dsq_plan_free(&p);
        r.max_array_tasks = 1000;
        r.lines_hint = 500;
        ok(dsq_plan_make(&r, &p, &err) == 0 && p.lines_per_task == 100 && p.tasks == 1,
           "lines_hint past the lines: one task of them all");
        dsq_plan_free(&p);
    }
    return done_testing();
}
