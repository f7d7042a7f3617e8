/* Unit tests for lib/rundir: the names of the files in a run directory, and
 * a new one chosen, made and unmade. */
#include "config.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/fs.h"
#include "lib/rundir.h"
#include "tests/unit/tap.h"

/* is_str() on an owned string, freed after. */
#define is_owned(got, want, ...)                                                                   \
    do {                                                                                           \
        char *owned_ = (got);                                                                      \
        is_str(owned_, want, __VA_ARGS__);                                                         \
        free(owned_);                                                                              \
    } while (0)

static int
is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Chosen: nothing made; made: the status directories too; unmade: all of
 * it gone, and only what make created. */
static void
test_new(void)
{
    char tmpl[] = "/tmp/test-rundir.XXXXXX", *dir = mkdtemp(tmpl);
    struct dsq_rundir_new nr, other;
    struct dsq_error err = {0};
    char *first;

    if (!dir || chdir(dir) < 0)
        return;
    ok(dsq_rundir_choose("a/b/c", "dsq-x", &nr, &err) == 0, "chosen under a missing status dir");
    ok(nr.run_dir && nr.run_dir[0] == '/' && strstr(nr.run_dir, "/a/b/c/dsq-x-") &&
           !strcmp(nr.run_dir + strlen(nr.run_dir) - 2, "-1"),
       "absolute, named <name>-<stamp>-1: %s", nr.run_dir);
    ok(!strncmp(nr.run_id, "dsq-x-", 6) && strstr(nr.run_dir, nr.run_id), "run id its base name");
    ok(!is_dir("a"), "choosing makes nothing");

    /* Another run takes the chosen name first: make goes on to the next. */
    ok(dsq_rundir_choose("a/b/c", "dsq-x", &other, &err) == 0 && !strcmp(other.run_dir, nr.run_dir),
       "chosen again: the same name");
    ok(dsq_rundir_make(&other, &err) == 0 && is_dir(other.run_dir), "the other is made");
    first = strdup(nr.run_dir);
    ok(dsq_rundir_make(&nr, &err) == 0 && strcmp(nr.run_dir, first) &&
           !strcmp(nr.run_dir + strlen(nr.run_dir) - 2, "-2"),
       "the taken name is passed over: %s", nr.run_dir);
    ok(is_dir(nr.run_dir) && strstr(nr.run_dir, nr.run_id), "made, with its run id");
    {
        char *st = dsq_rundir_path(nr.run_dir, DSQ_RD_STATUS);
        ok(is_dir(st), "with status/ inside");
        free(st);
    }
    dsq_rundir_unmake(&nr);
    ok(!is_dir(nr.run_dir) && is_dir("a/b/c"), "unmade: the status directory holds another run");
    dsq_rundir_unmake(&other);
    ok(!is_dir("a"), "the last unmade takes the status directories it made");
    dsq_rundir_new_free(&nr);
    dsq_rundir_new_free(&other);

    /* Status directories that were there stay. */
    mkdir("keep", 0755);
    ok(dsq_rundir_choose("keep/new", "j", &nr, &err) == 0 && dsq_rundir_make(&nr, &err) == 0,
       "made under an existing directory");
    dsq_rundir_unmake(&nr);
    ok(is_dir("keep") && !is_dir("keep/new"), "unmade: only what it made is gone");
    dsq_rundir_new_free(&nr);

    /* A status directory that cannot be: refused when chosen. */
    close(creat("afile", 0644));
    ok(dsq_rundir_choose("afile/runs", "j", &nr, &err) < 0 && err.kind == DSQ_ERR_INPUT &&
           strstr(err.msg, "status directory afile/runs"),
       "under a file: %s", err.msg);
    dsq_rundir_new_free(&nr);
    ok(dsq_rundir_choose("", "j", &nr, &err) < 0 && err.kind == DSQ_ERR_INPUT, "empty: %s",
       err.msg);
    dsq_rundir_new_free(&nr);
    dsq_rundir_new_free(NULL);

    ok(dsq_rundir_reserved("manifest.json") && dsq_rundir_reserved("jobfile") &&
           dsq_rundir_reserved("status") && !dsq_rundir_reserved("dsq-x.sh"),
       "the run directory's own names are reserved");
    free(first);
    if (chdir("/") == 0)
        dsq_rm_rf(dir);
}

int
main(void)
{
    test_new();
    is_owned(dsq_rundir_path("/r", DSQ_RD_MANIFEST), "/r/manifest.json", "manifest");
    is_owned(dsq_rundir_path("/r", DSQ_RD_JOBFILE), "/r/jobfile", "job file copy");
    is_owned(dsq_rundir_path("/r", DSQ_RD_STATUS), "/r/status", "status directory");
    is_owned(dsq_rundir_path("/r", DSQ_RD_ATTEMPTS), "/r/attempts", "attempts directory");
    is_owned(dsq_rundir_path("/r", DSQ_RD_TMP), "/r/tmp", "tmp directory");
    is_str(dsq_rundir_name(DSQ_RD_MANIFEST), "manifest.json", "name for messages");
    is_owned(dsq_rundir_join("/r", "attempts/2.lines"), "/r/attempts/2.lines", "join");
    is_owned(dsq_rundir_lines_name(3), "attempts/3.lines", "a rerun's lines file");
    is_owned(dsq_rundir_record_path("/r", 2, 17, 1), "/r/status/a2.t17.r1.jsonl", "status file");
    is_owned(dsq_rundir_line_script("/r", 4, 99), "/r/tmp/line-4-99.sh", "long line script");
    is_owned(dsq_rundir_script_name("out/dsq-jobs-2024-01-02.sh", 1), "dsq-jobs-2024-01-02.sh",
             "attempt 1: the batch file's base name");
    is_owned(dsq_rundir_script_name("plain", 1), "plain", "attempt 1 without a directory");
    is_owned(dsq_rundir_script_name("dsq-jobs.sh", 2), "dsq-jobs.a2.sh", "rerun beside it");
    is_owned(dsq_rundir_script_name("batch", 3), "batch.a3.sh", "rerun of a script without .sh");
    is_owned(dsq_rundir_script_name(NULL, 2), "dsq.a2.sh", "rerun of an unnamed script");
    return done_testing();
}
