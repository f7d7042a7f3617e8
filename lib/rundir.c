/* rundir: run directory creation, and finding a run from a RUN argument
 * (see rundir.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "fs.h"
#include "manifest.h"
#include "rundir.h"
#include "slurm.h"

/* The names inside a run directory: one list, so that every path to one
 * of them is built here. */
static const char *const rundir_names[] = {
    [DSQ_RD_MANIFEST] = "manifest.json", [DSQ_RD_JOBFILE] = "jobfile", [DSQ_RD_STATUS] = "status",
    [DSQ_RD_ATTEMPTS] = "attempts",      [DSQ_RD_TMP] = "tmp",         [DSQ_RD_LOCK] = "rerun.lock",
    [DSQ_RD_CLAIMS] = "claims",          [DSQ_RD_HALT] = "halt",
};
#define RECORD_SUFFIX ".jsonl"

const char *
dsq_rundir_name(enum dsq_rundir_file f)
{
    return rundir_names[f];
}

char *
dsq_rundir_join(const char *run_dir, const char *name)
{
    struct dsq_buf b = {0};

    if (dsq_buf_printf(&b, "%s/%s", run_dir, name) < 0) {
        dsq_buf_free(&b);
        return NULL;
    }
    return b.data;
}

char *
dsq_rundir_path(const char *run_dir, enum dsq_rundir_file f)
{
    return dsq_rundir_join(run_dir, rundir_names[f]);
}

char *
dsq_rundir_lines_name(unsigned attempt)
{
    struct dsq_buf b = {0};

    if (dsq_buf_printf(&b, "%s/%u.lines", rundir_names[DSQ_RD_ATTEMPTS], attempt) < 0) {
        dsq_buf_free(&b);
        return NULL;
    }
    return b.data;
}

char *
dsq_rundir_script_name(const char *first, unsigned attempt)
{
    struct dsq_buf b = {0};
    const char *slash;
    size_t len;

    if (!first)
        first = "dsq.sh";
    slash = strrchr(first, '/');
    if (slash)
        first = slash + 1;
    len = strlen(first);
    if (attempt > 1 && len > 3 && !strcmp(first + len - 3, ".sh"))
        len -= 3;
    if ((attempt > 1 ? dsq_buf_printf(&b, "%.*s.a%u.sh", (int)len, first, attempt)
                     : dsq_buf_puts(&b, first)) < 0) {
        dsq_buf_free(&b);
        return NULL;
    }
    return b.data;
}

char *
dsq_rundir_claims_dir(const char *run_dir, unsigned attempt)
{
    struct dsq_buf b = {0};

    if (dsq_buf_printf(&b, "%s/%s/a%u", run_dir, rundir_names[DSQ_RD_CLAIMS], attempt) < 0) {
        dsq_buf_free(&b);
        return NULL;
    }
    return b.data;
}

char *
dsq_rundir_record_path(const char *run_dir, unsigned attempt, size_t task, unsigned restart)
{
    struct dsq_buf b = {0};

    if (dsq_buf_printf(&b, "%s/%s/a%u.t%zu.r%u" RECORD_SUFFIX, run_dir, rundir_names[DSQ_RD_STATUS],
                       attempt, task, restart) < 0) {
        dsq_buf_free(&b);
        return NULL;
    }
    return b.data;
}

char *
dsq_rundir_line_script(const char *run_dir, size_t task, size_t line)
{
    struct dsq_buf b = {0};

    if (dsq_buf_printf(&b, "%s/%s/line-%zu-%zu.sh", run_dir, rundir_names[DSQ_RD_TMP], task, line) <
        0) {
        dsq_buf_free(&b);
        return NULL;
    }
    return b.data;
}

char *
dsq_rundir_halt_path(const char *run_dir, unsigned attempt, unsigned long k)
{
    struct dsq_buf b = {0};
    int rc = dsq_buf_printf(&b, "%s/%s/%u", run_dir, rundir_names[DSQ_RD_HALT], attempt);

    if (rc == 0 && k > 0)
        rc = dsq_buf_printf(&b, "/%lu", k);
    if (rc < 0) {
        dsq_buf_free(&b);
        return NULL;
    }
    return b.data;
}

static int
name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int
dsq_rundir_read_records(const char *run_dir, dsq_record_fn fn, void *arg, struct dsq_error *err)
{
    struct dsq_buf path = {0};
    struct dsq_strv names = {0};
    struct dirent *de;
    char *dir = NULL;
    DIR *d = NULL;
    int rc = -1;

    dir = dsq_rundir_path(run_dir, DSQ_RD_STATUS);
    if (!dir) {
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        goto out;
    }
    d = opendir(dir);
    if (!d) {
        if (errno == ENOENT) {
            /* Planned but nothing ran yet: no records, not an error. */
            rc = 0;
        } else {
            dsq_errno(err, DSQ_ERR_SYSTEM, errno, "cannot read %s", dir);
        }
        goto out;
    }
    while ((de = readdir(d))) {
        size_t n = strlen(de->d_name), sn = strlen(RECORD_SUFFIX);

        if (de->d_name[0] == '.' || n <= sn || strcmp(de->d_name + n - sn, RECORD_SUFFIX))
            continue;
        if (dsq_strv_push(&names, de->d_name) < 0) {
            dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
            goto out;
        }
    }
    /* strcmp, not the locale's collation: the same order everywhere. */
    if (names.n)
        qsort(names.v, names.n, sizeof *names.v, name_cmp);
    for (size_t i = 0; i < names.n; i++) {
        path.len = 0;
        if (dsq_buf_printf(&path, "%s/%s", dir, names.v[i]) < 0) {
            dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
            goto out;
        }
        if (dsq_record_read_file(path.data, fn, arg, err) < 0)
            goto out;
    }
    rc = 0;
out:
    if (d)
        closedir(d);
    free(dir);
    dsq_buf_free(&path);
    dsq_strv_free(&names);
    return rc;
}

int
dsq_rundir_reserved(const char *name)
{
    for (size_t i = 0; i < sizeof rundir_names / sizeof *rundir_names; i++)
        if (!strcmp(name, rundir_names[i]))
            return 1;
    return 0;
}

/* Cut p (owned, writable) to its parent directory in place: trailing
 * slashes go, then the last name.  0 when p is "/" or ".": no parent. */
static int
parent_of(char *p)
{
    size_t n = strlen(p);
    char *slash;

    while (n > 1 && p[n - 1] == '/')
        p[--n] = '\0';
    if (!n || !strcmp(p, "/") || !strcmp(p, "."))
        return 0;
    slash = strrchr(p, '/');
    if (!slash)
        strcpy(p, ".");
    else if (slash == p)
        p[1] = '\0';
    else
        *slash = '\0';
    return 1;
}

/* What mkdir -p and mkdir will need of status_dir: that it, or the nearest
 * of its parents that exists, is a directory this process may write. */
static int
check_status_dir(const char *status_dir, struct dsq_error *err)
{
    char *p = strdup(status_dir);
    struct stat st;
    int rc = -1;

    if (!p)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    if (!*p) {
        free(p);
        return dsq_errprintf(err, DSQ_ERR_INPUT, "status directory '': names no directory");
    }
    for (;;) {
        if (stat(p, &st) == 0) {
            if (!S_ISDIR(st.st_mode))
                dsq_errprintf(err, DSQ_ERR_INPUT, "status directory %s: %s is not a directory",
                              status_dir, p);
            else if (access(p, W_OK | X_OK) < 0)
                dsq_errno(err, DSQ_ERR_INPUT, errno, "status directory %s: cannot write %s",
                          status_dir, p);
            else
                rc = 0;
            break;
        }
        if (errno != ENOENT || !parent_of(p)) {
            dsq_errno(err, DSQ_ERR_INPUT, errno, "status directory %s", status_dir);
            break;
        }
    }
    free(p);
    return rc;
}

/* Name nr's run directory with the first <n> from `from` on that is not
 * taken. */
static int
choose_name(struct dsq_rundir_new *nr, unsigned from, struct dsq_error *err)
{
    for (unsigned n = from; n < 10000; n++) {
        struct dsq_buf id = {0}, dir = {0};
        struct stat st;

        if (dsq_buf_printf(&id, "%s-%s-%u", nr->name, nr->stamp, n) < 0 ||
            dsq_buf_printf(&dir, "%s/%s", nr->base, id.data) < 0) {
            dsq_buf_free(&id);
            dsq_buf_free(&dir);
            return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
        }
        if (lstat(dir.data, &st) == 0) {
            dsq_buf_free(&id);
            dsq_buf_free(&dir);
            continue;
        }
        free(nr->run_dir);
        free(nr->run_id);
        nr->run_dir = dir.data;
        nr->run_id = id.data;
        nr->n = n;
        return 0;
    }
    return dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: too many runs named %s in one second", nr->base,
                         nr->name);
}

int
dsq_rundir_choose(const char *status_dir, const char *name, struct dsq_rundir_new *nr,
                  struct dsq_error *err)
{
    time_t now = time(NULL);
    struct tm tm;

    memset(nr, 0, sizeof *nr);
    /* The status directory is the user's choice: failing it is an input error. */
    if (check_status_dir(status_dir, err) < 0)
        return -1;
    if (!(nr->base = dsq_abspath(status_dir)) || !(nr->name = strdup(name)))
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    localtime_r(&now, &tm);
    strftime(nr->stamp, sizeof nr->stamp, "%Y%m%d-%H%M%S", &tm);
    return choose_name(nr, 1, err);
}

/* The outermost of nr->base and its parents that does not exist yet, which
 * mkdir -p is about to create: what unmake removes up to. */
static int
note_missing(struct dsq_rundir_new *nr)
{
    char *p = strdup(nr->base);
    struct stat st;

    if (!p)
        return -1;
    while (stat(p, &st) < 0 && errno == ENOENT) {
        free(nr->made_from);
        if (!(nr->made_from = strdup(p))) {
            free(p);
            return -1;
        }
        if (!parent_of(p))
            break;
    }
    free(p);
    return 0;
}

/* rmdir the status directories make created, innermost first; rmdir
 * leaves any that is not empty. */
static void
remove_made_dirs(struct dsq_rundir_new *nr)
{
    char *p;

    if (!nr->made_from || !(p = strdup(nr->base)))
        return;
    do
        rmdir(p);
    while (strcmp(p, nr->made_from) && parent_of(p));
    free(p);
    free(nr->made_from);
    nr->made_from = NULL;
}

int
dsq_rundir_make(struct dsq_rundir_new *nr, struct dsq_error *err)
{
    struct dsq_error mk = {0};
    char *st;

    if (note_missing(nr) < 0)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    if (dsq_mkdir_p(nr->base, 0755, &mk) < 0) {
        remove_made_dirs(nr);
        return dsq_errprintf(err, DSQ_ERR_INPUT, "status directory %s: %s", nr->base, mk.msg);
    }
    if (access(nr->base, W_OK | X_OK) < 0) {
        dsq_errno(err, DSQ_ERR_INPUT, errno, "status directory %s", nr->base);
        remove_made_dirs(nr);
        return -1;
    }
    /* Another run may have taken the chosen name since: the next one. */
    while (mkdir(nr->run_dir, 0755) < 0) {
        if (errno != EEXIST) {
            dsq_errno(err, DSQ_ERR_SYSTEM, errno, "cannot create a run directory in %s", nr->base);
            remove_made_dirs(nr);
            return -1;
        }
        if (choose_name(nr, nr->n + 1, err) < 0) {
            remove_made_dirs(nr);
            return -1;
        }
    }
    nr->made = 1;
    st = dsq_rundir_path(nr->run_dir, DSQ_RD_STATUS);
    if (!st || mkdir(st, 0755) < 0) {
        dsq_errno(err, DSQ_ERR_SYSTEM, st ? errno : ENOMEM, "cannot create %s",
                  st ? st : nr->run_dir);
        free(st);
        dsq_rundir_unmake(nr);
        return -1;
    }
    free(st);
    return 0;
}

void
dsq_rundir_unmake(struct dsq_rundir_new *nr)
{
    if (nr->made)
        dsq_rm_rf(nr->run_dir);
    nr->made = 0;
    remove_made_dirs(nr);
}

void
dsq_rundir_new_free(struct dsq_rundir_new *nr)
{
    if (!nr)
        return;
    free(nr->run_dir);
    free(nr->run_id);
    free(nr->base);
    free(nr->name);
    free(nr->made_from);
    memset(nr, 0, sizeof *nr);
}

static int
has_manifest(const char *dir)
{
    char *p = dsq_rundir_path(dir, DSQ_RD_MANIFEST);
    struct stat st;
    int ok;

    if (!p)
        return 0;
    ok = stat(p, &st) == 0 && S_ISREG(st.st_mode);
    free(p);
    return ok;
}

/* Whether the manifest in dir lists job_id, or, given script (the batch
 * script Slurm runs for that job, when no manifest lists it: submitted by
 * hand), has it as its batch file or an attempt's script. */
static int
manifest_has_job(const char *dir, const char *job_id, const char *script)
{
    struct dsq_manifest m;
    struct dsq_error e = {0};
    int found = 0;

    if (dsq_manifest_read(dir, &m, &e) < 0)
        return 0;
    found = script && m.batch_file && !strcmp(m.batch_file, script);
    for (size_t a = 0; a < m.nattempts && !found; a++) {
        char *p = script && m.attempts[a].script ? dsq_rundir_join(m.run_dir, m.attempts[a].script)
                                                 : NULL;
        found = p && !strcmp(p, script);
        free(p);
        for (size_t i = 0; i < m.attempts[a].job_ids.n && !found && !script; i++)
            found = !strcmp(m.attempts[a].job_ids.v[i], job_id);
    }
    dsq_manifest_free(&m);
    return found;
}

/* The run under status_dir that lists job_id (by script, as above, when
 * script is not NULL), as an owned path, or NULL. */
static char *
find_by_job(const char *status_dir, const char *job_id, const char *script, int *bad_dir)
{
    DIR *d = opendir(status_dir);
    struct dirent *de;
    char *found = NULL;

    *bad_dir = !d;
    while (d && !found && (de = readdir(d))) {
        struct dsq_buf dir = {0};

        if (de->d_name[0] == '.' || dsq_buf_printf(&dir, "%s/%s", status_dir, de->d_name) < 0)
            continue;
        if (has_manifest(dir.data) && manifest_has_job(dir.data, job_id, script)) {
            found = dir.data;
            dir.data = NULL;
        }
        dsq_buf_free(&dir);
    }
    if (d)
        closedir(d);
    return found;
}

/* RUN given as a job id: the run that lists it; else, where Slurm knows the
 * job, the run whose batch script it runs (submitted by hand). */
static int
find_job_run(const char *status_dir, const char *job_id, char **run_dir, struct dsq_error *err)
{
    char *found, *script = NULL;
    int bad_dir;

    found = find_by_job(status_dir, job_id, NULL, &bad_dir);
    if (bad_dir)
        return dsq_errno(err, DSQ_ERR_INPUT, errno, "status directory %s", status_dir);
    if (!found && dsq_slurm_configured()) {
        struct dsq_error e = {0};
        if (dsq_slurm_job_script(job_id, &script, &e) == 0 && script)
            found = find_by_job(status_dir, job_id, script, &bad_dir);
        free(script);
    }
    if (!found)
        return dsq_errprintf(err, DSQ_ERR_INPUT,
                             "no run under %s has Slurm job id %s (use --status-dir, or "
                             "give the run directory)",
                             status_dir, job_id);
    *run_dir = dsq_abspath(found);
    free(found);
    return *run_dir ? 0 : dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
}

int
dsq_rundir_find(const char *status_dir, const char *run, char **run_dir, struct dsq_error *err)
{
    struct stat st;
    DIR *d;
    struct dirent *de;
    char *best = NULL;
    char best_created[64] = "";

    if (run && stat(run, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (!has_manifest(run))
            return dsq_errprintf(err, DSQ_ERR_INPUT, "%s: not a dsq run directory (no %s)", run,
                                 rundir_names[DSQ_RD_MANIFEST]);
        *run_dir = dsq_abspath(run);
        return *run_dir ? 0 : dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    }
    if (run && run[0] && strspn(run, "0123456789") == strlen(run))
        return find_job_run(status_dir, run, run_dir, err);
    if (run)
        return dsq_errprintf(err, DSQ_ERR_INPUT,
                             "%s: no such run directory (RUN is a run directory, a Slurm "
                             "job id, or nothing for the latest run)",
                             run);
    d = opendir(status_dir);
    if (!d)
        return dsq_errno(err, DSQ_ERR_INPUT, errno, "status directory %s", status_dir);
    while ((de = readdir(d))) {
        struct dsq_buf dir = {0};
        struct dsq_manifest m;
        struct dsq_error e = {0};

        if (de->d_name[0] == '.')
            continue;
        if (dsq_buf_printf(&dir, "%s/%s", status_dir, de->d_name) < 0)
            continue;
        if (has_manifest(dir.data) && dsq_manifest_read(dir.data, &m, &e) == 0) {
            /* created carries microseconds, so it orders runs. */
            const char *key = m.created ? m.created : "";
            if (!best || strcmp(key, best_created) > 0) {
                free(best);
                best = dir.data;
                dir.data = NULL;
                snprintf(best_created, sizeof best_created, "%s", key);
            }
            dsq_manifest_free(&m);
        }
        dsq_buf_free(&dir);
    }
    closedir(d);
    if (!best)
        return dsq_errprintf(err, DSQ_ERR_INPUT,
                             "no dsq run under %s (use --status-dir, or give the run "
                             "directory)",
                             status_dir);
    *run_dir = dsq_abspath(best);
    free(best);
    return *run_dir ? 0 : dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
}
