/* plan: how the job file's command lines become array tasks.  Given the
 * number of commands and the user's packing choices, choose lines per task L,
 * task count T and layout; say which commands each task runs; split into
 * several arrays when T exceeds what one array may hold; scale per-line
 * resources (CPUs, memory, GPUs, time) into the array task's request. */
#ifndef DSQ_PLAN_H
#define DSQ_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "sbatch.h"

/* Dynamic: tasks claim lines at run time (claim.h); its tasks, slice size
 * and resources are planned as stripe's, whose arithmetic below it shares
 * (what a task would run had it no one to share with). */
enum dsq_layout { DSQ_LAYOUT_STRIPE, DSQ_LAYOUT_BLOCK, DSQ_LAYOUT_DYNAMIC };
/* "stripe", "block" or "dynamic": a borrowed static string. */
const char *dsq_layout_name(enum dsq_layout l);
/* The one reader of a layout's name (s borrowed), for the command line, the
 * configuration and the manifest alike: 0 with *l set, or -1 for an
 * unknown name (*l untouched). */
int dsq_layout_parse(const char *s, enum dsq_layout *l);

#define DSQ_FALLBACK_MAX_ARRAY_SIZE 1001

struct dsq_plan_request {
    size_t ncmds;          /* > 0 */
    size_t lines_per_task; /* 0: choose */
    size_t tasks;          /* 0: choose; not with lines_per_task */
    unsigned parallel;     /* W: lines at once per task, >= 1; the
                              default packing then gives each task at
                              least W lines where it can */
    enum dsq_layout layout;
    size_t max_array_tasks; /* config: default packing target (1000) */
    size_t max_array_size;  /* Slurm MaxArraySize (indices < it) */
    size_t slurm_max_tasks; /* Slurm max_array_tasks, 0 when unknown */
    size_t lines_hint;      /* when choosing: at least this L (measured
                               durations, durations.h), raised as needed to
                               fit max_array_tasks; 0: none */
};

struct dsq_array {
    size_t offset; /* first task of this array */
    size_t count;  /* tasks in it: indices 0..count-1 */
};

struct dsq_plan {
    size_t ncmds;
    size_t tasks;          /* T */
    size_t lines_per_task; /* L: the most any task holds */
    unsigned parallel;     /* the request's W, at most L */
    enum dsq_layout layout;
    struct dsq_array *arrays; /* owned, narrays >= 1 */
    size_t narrays;
    /* Owned, or NULL (the identity): the plan's arithmetic below places
     * slots 0..ncmds-1 (stripe, block, and a dynamic attempt's claims); slot
     * s holds position order[s] of the attempt's line list, and position i
     * is in slot slot_of[i] (--durations-from packs this way). */
    size_t *order;
    size_t *slot_of;
};

/* Errors are DSQ_ERR_INPUT (e.g. both tasks and lines_per_task).  Fill the
 * caller's plan, which owns its arrays: free with dsq_plan_free() (plan may
 * be NULL). */
int dsq_plan_make(const struct dsq_plan_request *req, struct dsq_plan *plan, struct dsq_error *err);
void dsq_plan_free(struct dsq_plan *plan);

/* Set p's order, replacing any earlier one.  Steals order: ncmds entries,
 * a permutation of 0..ncmds-1.  -1 (order freed, p unchanged) when it is
 * not one or out of memory. */
int dsq_plan_set_order(struct dsq_plan *p, size_t *order);
/* The position slot s holds: order[s], or s without an order. */
size_t dsq_plan_pos(const struct dsq_plan *p, size_t s);

/* Number of commands task k runs, and the j-th of them (0-based position in
 * the attempt's line list: in job-file order within the task, unless the
 * plan has an order). */
size_t dsq_plan_task_size(const struct dsq_plan *p, size_t k);
size_t dsq_plan_task_cmd(const struct dsq_plan *p, size_t k, size_t j);
/* The task that runs the command at position i. */
size_t dsq_plan_cmd_task(const struct dsq_plan *p, size_t i);
/* The slot of task k's j-th command, before the order (what stripe and
 * block place). */
size_t dsq_plan_task_slot(const struct dsq_plan *p, size_t k, size_t j);

/* Per-line resources as the user gave them (0 / -1: not given). */
struct dsq_resources {
    unsigned cpus;            /* --cpus-per-task, 0 if not given */
    uint64_t mem_mib;         /* --mem, 0 if not given */
    uint64_t mem_per_cpu_mib; /* --mem-per-cpu, 0 if not given */
    unsigned gpus;            /* --gpus-per-task or gres gpu:N, 0 if not given */
    long time_s;              /* -t/--time, -1 if not given */
};

/* Read the per-line resources from the sbatch options into the caller's
 * per_line, and rewrite those options in place (opts is the caller's; values
 * it owns are replaced) into the array task's request for plan p: CPUs,
 * --mem and GPUs times W, time times ceil(L/W).  Errors name the bad value. */
int dsq_plan_resources(const struct dsq_plan *p, struct dsq_sbopts *opts,
                       struct dsq_resources *per_line, struct dsq_error *err);

/* The inverse of dsq_plan_resources(): rewrite an array task's request in
 * place back into the per-line options per_line was read from, so that a
 * rerun can plan them again with another W and L.  Errors: out of memory. */
int dsq_plan_resources_undo(const struct dsq_resources *per_line, struct dsq_sbopts *opts,
                            struct dsq_error *err);

/* Lines per task that would make array tasks last about target_s seconds
 * when a line takes median_s (for report's advice); at least 1. */
size_t dsq_plan_advise_lines(double median_s, double target_s, unsigned parallel);

#endif
