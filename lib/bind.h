/* bind: what each slot of a pool gets of its task's CPUs and GPUs.  With
 * --parallel W an array task asks for W times each line's CPUs and GPUs;
 * slot s then gets its own share: a CPU list for its affinity, the GPU
 * variables Slurm set (CUDA_VISIBLE_DEVICES and friends) narrowed to its G
 * devices plus DSQ_GPUS, and the thread variables (OMP_NUM_THREADS and
 * friends) set to the per-line CPUs unless already set.  The computation is
 * pure: the caller says what the task has; dsq_bind_probe_*() read that
 * from this machine.  The pool (lib/pool.c) asks it per slot. */
#ifndef DSQ_BIND_H
#define DSQ_BIND_H

#include <stddef.h>

#include "error.h"

/* Most variables a slot gets (GPU lists, DSQ_GPUS, thread variables). */
#define DSQ_BIND_MAX_VARS 16

/* What the task has; every pointer borrowed for dsq_bind_create(). */
struct dsq_bind_task {
    unsigned slots;           /* W: 1 (or 0) binds nothing */
    unsigned cpus_per_line;   /* c, the thread variables' value; 0 counts as 1 */
    unsigned gpus_per_line;   /* G; 0 leaves the GPU variables alone */
    const unsigned *cpus;     /* the CPUs the task may run on, ascending; */
    size_t ncpus;             /* 0: leave affinity alone */
    char *const *env;         /* NAME=VALUE..., NULL: the GPU lists Slurm set and
                                 the thread variables the user set */
    const char *machine_gpus; /* "0,1,..." the GPUs this machine shows, for
                                 when env names none (a dry run), or NULL */
};

struct dsq_bind;

/* The slots' shares.  CPUs: split into W contiguous runs of the task's CPU
 * list (the first n mod W runs one longer); with fewer CPUs than slots,
 * slot s shares CPU s mod n.  GPUs: each GPU list of env (or the machine's)
 * split by position, slot s getting entries sG .. sG+G-1, modulo the
 * list's length when the task has fewer than W x G.  Owned:
 * dsq_bind_destroy().  NULL only when out of memory (err). */
struct dsq_bind *dsq_bind_create(const struct dsq_bind_task *t, struct dsq_error *err);
/* NULL is a no-op. */
void dsq_bind_destroy(struct dsq_bind *b);

/* Slot s's CPUs as a list ("0-1,4"), or "" to leave its affinity alone.
 * Borrowed from b.  Slots past W wrap around. */
const char *dsq_bind_slot_cpus(const struct dsq_bind *b, unsigned slot);
/* Slot s's NAME=VALUE variables (*n of them, at most DSQ_BIND_MAX_VARS),
 * borrowed from b. */
char *const *dsq_bind_slot_vars(const struct dsq_bind *b, unsigned slot, size_t *n);
/* The names of the variables of env that the slots' replace (*n of them,
 * borrowed from b): a line must not inherit these as well. */
const char *const *dsq_bind_names(const struct dsq_bind *b, size_t *n);

/* The thread variables (NULL-terminated, static). */
extern const char *const dsq_bind_thread_vars[];

/* This process's CPUs (sched_getaffinity), ascending: *cpus owned (free()),
 * *n of them.  0, or -1 when they cannot be read (*n is then 0). */
int dsq_bind_probe_cpus(unsigned **cpus, size_t *n);
/* The NVIDIA GPUs this machine shows (/dev/nvidiaN, in N order), "0,1,..."
 * (owned), or NULL when there is none. */
char *dsq_bind_probe_gpus(void);

/* Format cpus[0..n) (ascending) as a list "0-1,4" into the caller's buf of
 * size bytes; -1 when it does not fit. */
int dsq_bind_format_cpus(const unsigned *cpus, size_t n, char *buf, size_t size);

#endif
