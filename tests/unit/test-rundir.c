/* Unit tests for lib/rundir: the names of the files in a run directory. */
#include "config.h"

#include <stdlib.h>

#include "lib/rundir.h"
#include "tests/unit/tap.h"

/* is_str() on an owned string, freed after. */
#define is_owned(got, want, ...)                                                                   \
    do {                                                                                           \
        char *owned_ = (got);                                                                      \
        is_str(owned_, want, __VA_ARGS__);                                                         \
        free(owned_);                                                                              \
    } while (0)

int
main(void)
{
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
