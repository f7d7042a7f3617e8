/* claim: --layout dynamic, lines claimed at run time from the run directory,
 * with no server and no lock: each array task claims the next chunk of an
 * attempt's positions (0..n-1 of its line list) by link(2)ing a fully
 * written file of its own to the chunk's name, claims/aN/c<first>, which
 * exactly one task can do (link is atomic and exclusive on NFS v3 and later,
 * Lustre and GPFS alike; no fcntl lock, no counter rewritten in place).
 * The file says who claimed how many: "<task> <count> <restart>\n", so the
 * chunks form a chain that every task walks from a hint (claims/aN/hint,
 * replaced by rename) to its end.  report reads the chain to know which
 * task runs which line; a requeued task reads it for its own claims. */
#ifndef DSQ_CLAIM_H
#define DSQ_CLAIM_H

#include <stddef.h>

#include "error.h"

struct dsq_claim;

/* A claimer of attempt's npos positions in run_dir (borrowed for the call):
 * makes the claims directory when missing.  Owned: dsq_claim_destroy(). */
struct dsq_claim *dsq_claim_open(const char *run_dir, unsigned attempt, size_t npos,
                                 struct dsq_error *err);
/* c may be NULL. */
void dsq_claim_destroy(struct dsq_claim *c);

/* Claim the next up to want (>= 1) unclaimed positions for task (restart:
 * SLURM_RESTART_COUNT, for the record): 1 with [*first, *first + *n),
 * 0 when every position is claimed, -1 on a system error.  Costs three
 * metadata operations per chunk claimed plus one read per chunk that
 * others claimed since the last call. */
int dsq_claim_take(struct dsq_claim *c, size_t task, unsigned restart, size_t want, size_t *first,
                   size_t *n, struct dsq_error *err);

/* Every chunk claimed in attempt of run_dir, in no particular order:
 * fn(first, n, task, restart, arg) for each; fn returning -1 stops the read
 * (returned as -1).  No claims directory is no claims. */
typedef int (*dsq_claim_fn)(size_t first, size_t n, size_t task, unsigned restart, void *arg);
int dsq_claim_read(const char *run_dir, unsigned attempt, dsq_claim_fn fn, void *arg,
                   struct dsq_error *err);

/* How many lines to claim at once.  Short lines are claimed several at a
 * time, so that a chunk keeps the task's slots busy for about
 * DSQ_CLAIM_CHUNK_S seconds, growing at most twice per claim up to
 * DSQ_CLAIM_MAX_CHUNK.  With a per-line time limit and the task's time left
 * known, never more lines than are sure to finish in time; 0 when not even
 * one line is. */
#define DSQ_CLAIM_CHUNK_S 2.0
#define DSQ_CLAIM_MAX_CHUNK 64
struct dsq_claim_sizing {
    double mean_s;    /* measured seconds per line, < 0 unknown */
    unsigned slots;   /* the task's W */
    size_t prev;      /* the last chunk's size, 0 before the first */
    double line_time; /* per-line limit (-t) in seconds, <= 0 none */
    double time_left; /* seconds until the task's end, < 0 unknown */
};
size_t dsq_claim_chunk(const struct dsq_claim_sizing *s);

#endif
