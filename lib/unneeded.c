/* unneeded: the pending tasks of a dynamic attempt that will find nothing
 * left, cancelled once and noted for report (see unneeded.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "claim.h"
#include "fs.h"
#include "rundir.h"
#include "slurm.h"
#include "sys.h"
#include "unneeded.h"

#define NOTE_PREFIX "unneeded."

/* Who owns a claim, in the array's own indices (dsq_claim_read()). */
struct owners {
    unsigned char *keep;
    size_t n, offset;
};

static int
note_owner(size_t first, size_t n, size_t task, unsigned restart, void *arg)
{
    struct owners *o = arg;

    (void)first;
    (void)n;
    (void)restart;
    if (task >= o->offset && task - o->offset < o->n)
        o->keep[task - o->offset] = 1;
    return 0;
}

int
dsq_unneeded_cancel(const char *run_dir, unsigned attempt, size_t ntasks, const char *job_id,
                    size_t offset, size_t *ncancelled, struct dsq_error *err)
{
    char *dir = dsq_rundir_claims_dir(run_dir, attempt);
    struct dsq_buf path = {0}, text = {0};
    struct owners own = {NULL, 0, offset};
    size_t *v = NULL, n = 0;
    int fd = -1, rc = -1;

    if (ncancelled)
        *ncancelled = 0;
    if (!dir || dsq_buf_printf(&path, "%s/" NOTE_PREFIX "%s", dir, job_id) < 0)
        goto oom;
    /* The first runner of the array to get here does it; exclusive create
     * works on NFS v3 and later as link(2) does for the claims. */
    fd = open(path.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (errno == EEXIST) {
            rc = 0;
            goto out;
        }
        dsq_errno(err, DSQ_ERR_SYSTEM, errno, "%s", path.data);
        goto out;
    }
    own.n = ntasks > offset ? ntasks - offset : 1;
    if (!(own.keep = dsq_calloc_big(own.n, 1)))
        goto oom;
    /* Every position is claimed: the owners are final. */
    if (dsq_claim_read(run_dir, attempt, note_owner, &own, err) < 0)
        goto out;
    if (dsq_slurm_cancel_pending(job_id, own.keep, own.n, &v, &n, err) < 0)
        goto out;
    for (size_t k = 0; k < n; k++)
        if (dsq_buf_printf(&text, "%zu\n", v[k] + offset) < 0)
            goto oom;
    if (text.len && write(fd, text.data, text.len) != (ssize_t)text.len) {
        dsq_errno(err, DSQ_ERR_SYSTEM, errno, "%s", path.data);
        goto out;
    }
    if (ncancelled)
        *ncancelled = n;
    rc = 0;
    goto out;
oom:
    dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
out:
    if (fd >= 0 && close(fd) < 0 && rc == 0)
        rc = dsq_errno(err, DSQ_ERR_SYSTEM, errno, "%s", path.data);
    free(own.keep);
    free(v);
    free(dir);
    dsq_buf_free(&path);
    dsq_buf_free(&text);
    return rc;
}

int
dsq_unneeded_read(const char *run_dir, unsigned attempt, unsigned char *unneeded, size_t ntasks,
                  size_t *n, struct dsq_error *err)
{
    char *dir = dsq_rundir_claims_dir(run_dir, attempt);
    DIR *d;
    struct dirent *de;
    size_t count = 0;
    int rc = -1;

    if (n)
        *n = 0;
    if (!dir)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    if (!(d = opendir(dir))) {
        rc = errno == ENOENT ? 0 : dsq_errno(err, DSQ_ERR_SYSTEM, errno, "%s", dir);
        free(dir);
        return rc;
    }
    while ((de = readdir(d))) {
        struct dsq_buf path = {0};
        char *data = NULL, *p;
        size_t len;

        if (strncmp(de->d_name, NOTE_PREFIX, strlen(NOTE_PREFIX)))
            continue;
        if (dsq_buf_printf(&path, "%s/%s", dir, de->d_name) < 0) {
            dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
            goto out;
        }
        if (dsq_read_file(path.data, &data, &len, err) < 0) {
            dsq_buf_free(&path);
            goto out;
        }
        dsq_buf_free(&path);
        for (p = data; p && *p;) {
            char *end;
            unsigned long long t = strtoull(p, &end, 10);
            if (end == p || *end != '\n')
                break; /* a note being written: its whole lines count */
            if (t < ntasks && !unneeded[t]) {
                unneeded[t] = 1;
                count++;
            }
            p = end + 1;
        }
        free(data);
    }
    if (n)
        *n = count;
    rc = 0;
out:
    closedir(d);
    free(dir);
    return rc;
}
