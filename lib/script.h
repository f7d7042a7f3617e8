/* script: the batch script sbatch receives, rendered from a template in
 * share/ (batch.sh.tmpl).  Every sbatch option becomes its own "#SBATCH"
 * line quoted for sbatch's own parser; every path in shell code is a single-
 * quoted word; nothing from the job file name, a path or an option is ever
 * evaluated by a shell. */
#ifndef DSQ_SCRIPT_H
#define DSQ_SCRIPT_H

#include "buf.h"
#include "error.h"
#include "sbatch.h"

/* Every member is borrowed for the dsq_script_render() call. */
struct dsq_script_params {
    const char *job_name;
    const char *output;            /* -o pattern */
    const char *array;             /* e.g. "0-999%10" */
    const struct dsq_sbopts *opts; /* final options (already scaled) */
    const char *dsq_path;          /* absolute path of the dsq binary */
    const char *run_dir;           /* absolute */
    const char *version;
    unsigned attempt; /* 1 for the run, N for a rerun (0: 1) */
};

/* Render template tmpl (borrowed) into *out (owned, free()).  Placeholders:
 * {{SBATCH}} the #SBATCH lines, {{DSQ}} and {{RUN_DIR}} shell-quoted words,
 * {{VERSION}}, {{ATTEMPT}} the attempt number (for `dsq run --attempt`).
 * An unknown placeholder is an error, and so is a template without
 * {{ATTEMPT}} for a rerun: its script would run attempt 1's lines. */
int dsq_script_render(const char *tmpl, const struct dsq_script_params *p, char **out,
                      struct dsq_error *err);

/* Append "#SBATCH --name[=value]\n" to b (the caller's), the value quoted
 * for sbatch when it holds blanks, quotes or '#'.  -1 when out of memory. */
int dsq_script_sbatch_line(struct dsq_buf *b, const char *name, const char *value);

/* The default template's path: $DSQ_DATADIR/batch.sh.tmpl, else the
 * installed $(pkgdatadir)/batch.sh.tmpl.  Owned (free()), NULL when out of
 * memory. */
char *dsq_script_default_template(void);

#endif
