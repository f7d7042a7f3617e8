/* sbatch: what dsq knows of sbatch's command line (Slurm 22.05): which
 * options exist, which take a value, and the formats of the values dsq
 * scales per line (time, memory).  Every option dsq does not own is an sbatch
 * option; this module places each one, with its value, so that it becomes its
 * own intact "#SBATCH" line. */
#ifndef DSQ_SBATCH_H
#define DSQ_SBATCH_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum dsq_sbarg { DSQ_SBARG_NONE, DSQ_SBARG_REQUIRED, DSQ_SBARG_OPTIONAL };

struct dsq_sbatch_def {
    const char *name; /* long name without "--" */
    char short_name;  /* or 0 */
    enum dsq_sbarg arg;
};

/* Look up by long name (n bytes, no "--", no "=value") or by short letter:
 * the entry, borrowed from the static table, or NULL when sbatch has no such
 * option. */
const struct dsq_sbatch_def *dsq_sbatch_lookup(const char *name, size_t n);
const struct dsq_sbatch_def *dsq_sbatch_lookup_short(char c);
/* The i-th entry of the table (0-based, borrowed), NULL past its end: for
 * suggesting the closest name to a mistyped one. */
const struct dsq_sbatch_def *dsq_sbatch_def_at(size_t i);
/* As dsq_sbatch_lookup, or else by a prefix of one long name (sbatch's own
 * abbreviations, "part" for "partition").  A prefix of several names is
 * NULL with amb[0] and amb[1] two of them; otherwise amb[0] is NULL. */
const struct dsq_sbatch_def *dsq_sbatch_lookup_abbrev(const char *name, size_t n,
                                                      const struct dsq_sbatch_def *amb[2]);

/* One placed option: name is the long name (borrowed from the table), value
 * owned or NULL.  The set owns its array and values: dsq_sbopts_free(). */
struct dsq_sbopt {
    const char *name;
    char *value;
};

struct dsq_sbopts {
    struct dsq_sbopt *v;
    size_t n;
    size_t cap;
};

/* Take the sbatch option at argv[*i] (with its value, from "=value", an
 * attached short value "-t10", or the next token) and advance *i past what
 * was used.  The option goes into out (the caller's), its value copied.
 * Errors (DSQ_ERR_INPUT) name the token: not an option, unknown option,
 * missing value. */
int dsq_sbatch_take(int argc, char *const argv[], int *i, struct dsq_sbopts *out,
                    struct dsq_error *err);

/* Append an option: value is copied (owned by o), but name is kept as it is
 * (borrowed: a string literal or a table entry's name, living as long as
 * o).  -1 when out of memory. */
int dsq_sbopts_add(struct dsq_sbopts *o, const char *name, const char *value);
/* Last value of an option (borrowed from o, valid until o changes), or NULL;
 * *found says whether it is set. */
const char *dsq_sbopts_get(const struct dsq_sbopts *o, const char *name, int *found);
/* Remove every occurrence of name. */
void dsq_sbopts_remove(struct dsq_sbopts *o, const char *name);
/* Make way in o (options given earlier, e.g. inherited) for the option
 * name=value (name a long name from the table, value borrowed) given after
 * them: remove every option that it replaces.  Those are the ones of the same
 * name; those sbatch refuses beside it (sbatch(1): --mem, --mem-per-cpu and
 * --mem-per-gpu; --cpus-per-task and --cpus-per-gpu; --core-spec and
 * --thread-spec; --hint beside -B, --threads-per-core or --ntasks-per-core,
 * and -B beside those too; --ntasks-per-gpu beside --gpus-per-task,
 * --gpus-per-socket or --ntasks-per-node); those it would let it silently
 * override (--requeue and --no-requeue; --exclusive and --oversubscribe);
 * and, when it asks for a count of GPUs (--gpus, --gpus-per-node,
 * --gpus-per-socket, --gpus-per-task, or a --gres with a gpu entry), every
 * other way of asking for them: a --gres of o keeps its other entries.  Not
 * the options given with it: only o's.  -1 when out of memory. */
int dsq_sbopts_replace(struct dsq_sbopts *o, const char *name, const char *value);
/* Frees the values and the array; o may be NULL. */
void dsq_sbopts_free(struct dsq_sbopts *o);

/* Slurm time formats: "M", "M:S", "H:M:S", "D-H", "D-H:M", "D-H:M:S";
 * "UNLIMITED"/"INFINITE" in any case give -1.  0 on success. */
int dsq_sbatch_parse_time(const char *s, long *seconds);
/* D-HH:MM:SS or HH:MM:SS into the caller's buf (n bytes). */
void dsq_sbatch_format_time(long seconds, char *buf, size_t n);

/* Memory: integer with optional K/M/G/T suffix (default M), into MiB
 * (rounded up). 0 on success. */
int dsq_sbatch_parse_mem(const char *s, uint64_t *mib);

#endif
