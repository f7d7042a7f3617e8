/* followup: an attempt's automatic rerun job (see followup.h). */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "followup.h"
#include "fs.h"
#include "manifest.h"
#include "rundir.h"
#include "slurm.h"
#include "text.h"

/* The follow-up's memory in MiB: it reads the run's report and calls
 * sbatch, no more; less when the partition allows less.  No time limit of
 * its own: one above the partition's MaxTime would keep it pending, and
 * the partition's default is long enough. */
#define FOLLOWUP_MEM_MIB 512

/* The script: sh, the command as single-quoted words. */
static int
followup_script(char *const *argv, unsigned number, struct dsq_buf *b)
{
    if (dsq_buf_printf(b,
                       "#!/bin/sh\n"
                       "# dsq: the automatic rerun of attempt %u, started by Slurm once the\n"
                       "# attempt's arrays are over.\n"
                       "exec",
                       number) < 0)
        return -1;
    for (size_t k = 0; argv[k]; k++)
        if (dsq_buf_puts(b, " ") < 0 || dsq_buf_shell_quote(b, argv[k], strlen(argv[k])) < 0)
            return -1;
    return dsq_buf_puts(b, "\n");
}

/* The options of the follow-up's sbatch call. */
static int
followup_options(const struct dsq_attempt *a, const char *out, struct dsq_strv *o)
{
    struct dsq_buf b = {0};
    struct dsq_slurm_partition cap;
    struct dsq_error e = {0};
    uint64_t mem_mib = FOLLOWUP_MEM_MIB;
    const char *part = NULL;
    int rc = -1;

    for (size_t k = 0; k < a->sbatch.n; k++)
        if (!strncmp(a->sbatch.v[k], "--partition=", 12))
            part = a->sbatch.v[k] + 12;
    if ((!part || !strchr(part, ',')) && dsq_slurm_partition_limits(part, &cap, &e) == 0 &&
        cap.max_mem_mib && cap.max_mem_mib < mem_mib)
        mem_mib = cap.max_mem_mib;

    if (dsq_buf_puts(&b, "--dependency=afterany") < 0)
        goto out;
    for (size_t k = 0; k < a->job_ids.n; k++)
        if (dsq_buf_printf(&b, ":%s", a->job_ids.v[k]) < 0)
            goto out;
    if (dsq_strv_push(o, b.data) < 0)
        goto out;
    b.len = 0;
    if (dsq_buf_printf(&b, "--job-name=%s", a->job_name ? a->job_name : "dsq") < 0 ||
        dsq_strv_push(o, b.data) < 0)
        goto out;
    b.len = 0;
    if (dsq_buf_printf(&b, "--output=%s", out) < 0 || dsq_strv_push(o, b.data) < 0)
        goto out;
    b.len = 0;
    if (dsq_buf_printf(&b, "--mem=%lluM", (unsigned long long)mem_mib) < 0 ||
        dsq_strv_push(o, b.data) < 0 || dsq_strv_push(o, "--ntasks=1") < 0)
        goto out;
    /* Where the attempt may run, the follow-up may too. */
    for (size_t k = 0; k < a->sbatch.n; k++) {
        const char *s = a->sbatch.v[k];
        if ((!strncmp(s, "--partition=", 12) || !strncmp(s, "--account=", 10) ||
             !strncmp(s, "--qos=", 6) || !strncmp(s, "--clusters=", 11)) &&
            dsq_strv_push(o, s) < 0)
            goto out;
    }
    rc = 0;
out:
    dsq_buf_free(&b);
    return rc;
}

struct note {
    unsigned number, remaining;
    double factor;
    const char *job_id;
};

static int
note_followup(struct dsq_manifest *m, void *arg, struct dsq_error *err)
{
    const struct note *n = arg;
    struct dsq_attempt *a = (struct dsq_attempt *)dsq_manifest_attempt(m, n->number);

    if (!a)
        return dsq_errprintf(err, DSQ_ERR_INPUT, "%s: attempt %u vanished from the manifest",
                             m->run_dir, n->number);
    free(a->follow_up.job_id);
    if (!(a->follow_up.job_id = strdup(n->job_id)))
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    a->follow_up.remaining = n->remaining;
    a->follow_up.factor = n->factor;
    return 0;
}

int
dsq_followup_submit(const char *run_dir, unsigned number, char *const *argv, unsigned remaining,
                    double factor, char *job_id, size_t n, struct dsq_error *err)
{
    struct dsq_manifest m;
    const struct dsq_attempt *a;
    struct dsq_buf script = {0}, name = {0}, words = {0};
    struct dsq_strv opts = {0};
    char *dir = NULL, *spath = NULL, *opath = NULL;
    struct note note = {number, remaining, factor, job_id};
    int rc = -1;

    if (dsq_manifest_read(run_dir, &m, err) < 0)
        return -1;
    a = dsq_manifest_attempt(&m, number);
    if (!a || !a->job_ids.n) {
        dsq_errprintf(err, DSQ_ERR_INPUT, "%s: attempt %u has no Slurm job to follow", run_dir,
                      number);
        goto out;
    }
    if (!(dir = dsq_rundir_path(m.run_dir, DSQ_RD_ATTEMPTS)) ||
        dsq_buf_printf(&name, "%s/%u.follow-up.sh", dir, number) < 0 ||
        !(spath = strdup(name.data)) || (name.len = 0, 0) ||
        dsq_buf_printf(&name, "%s/%u.follow-up.out", dir, number) < 0 ||
        !(opath = strdup(name.data)) || followup_script(argv, number, &script) < 0 ||
        followup_options(a, opath, &opts) < 0) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        goto out;
    }
    if (dsq_mkdir_p(dir, 0755, err) < 0 ||
        dsq_write_file_atomic(spath, script.data, script.len, 0755, err) < 0)
        goto out;
    if (dsq_slurm_sbatch_job(&opts, spath, &words, job_id, n, err) < 0) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "sbatch refused the automatic rerun: %s",
                      words.data ? words.data : "no reason given");
        goto out;
    }
    rc = dsq_manifest_update(run_dir, note_followup, &note, err);
out:
    dsq_buf_free(&script);
    dsq_buf_free(&name);
    dsq_buf_free(&words);
    dsq_strv_free(&opts);
    free(dir);
    free(spath);
    free(opath);
    dsq_manifest_free(&m);
    return rc;
}
