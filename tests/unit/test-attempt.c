/* Unit tests for lib/attempt and the sbatch side of lib/slurm: making a new
 * run and a rerun (files, manifest, cleanup on failure), submitting through
 * a stand-in sbatch on PATH, and the array string. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/attempt.h"
#include "lib/buf.h"
#include "lib/conf.h"
#include "lib/fs.h"
#include "lib/manifest.h"
#include "lib/rundir.h"
#include "lib/sbatch.h"
#include "lib/slurm.h"
#include "tests/unit/tap.h"

static int
exists(const char *dir, const char *name)
{
    struct dsq_buf p = {0};
    struct stat st;
    int rc;

    dsq_buf_printf(&p, "%s/%s", dir, name);
    rc = stat(p.data, &st) == 0;
    dsq_buf_free(&p);
    return rc;
}

/* A stand-in sbatch: its arguments to ./sbatch-args, then what body says. */
static void
fake_sbatch(const char *body)
{
    FILE *f = fopen("bin/sbatch", "w");

    fprintf(f, "#!/bin/sh\necho \"$@\" > sbatch-args\n%s\n", body);
    fclose(f);
    chmod("bin/sbatch", 0755);
}

static void
collect(const char *buf, size_t n, void *arg)
{
    dsq_buf_append(arg, buf, n);
}

static void
test_sbatch(void)
{
    struct dsq_buf b = {0}, words = {0}, seen = {0};
    struct dsq_error err = {0};
    char id[64], *args = NULL;
    size_t len;

    dsq_slurm_array_spec(&b, 5, 0);
    is_str(b.data, "0-4", "array of 5, no throttle");
    b.len = 0;
    dsq_slurm_array_spec(&b, 1000, 10);
    is_str(b.data, "0-999%10", "array of 1000, 10 at once");
    dsq_buf_free(&b);

    fake_sbatch("echo 'sbatch: warning: slow' >&2\necho '4242;cl'");
    ok(dsq_slurm_sbatch("/r/s.sh", "0-4%2", NULL, 7, collect, &seen, &words, id, sizeof id, &err) ==
           0,
       "sbatch: submitted");
    is_str(id, "4242", "job id without the cluster");
    is_str(seen.data, "sbatch: warning: slow\n", "stderr passed on as it came");
    is_str(words.data, "sbatch: warning: slow\n", "and kept");
    dsq_read_file("sbatch-args", &args, &len, &err);
    is_str(args, "--parsable --array=0-4%2 /r/s.sh --offset 7\n", "sbatch's arguments");
    free(args);

    words.len = 0;
    fake_sbatch("echo 'sbatch: error: Invalid partition' >&2\nexit 1");
    ok(dsq_slurm_sbatch("/r/s.sh", "0-4", NULL, 0, NULL, NULL, &words, id, sizeof id, &err) < 0,
       "sbatch refusing");
    is_str(err.msg, "sbatch refused the job (its message is above)", "refusal");
    is_str(words.data, "sbatch: error: Invalid partition\n", "its words kept");

    words.len = 0;
    fake_sbatch("exit 1");
    dsq_slurm_sbatch("/r/s.sh", "0-4", NULL, 0, NULL, NULL, &words, id, sizeof id, &err);
    is_str(words.data, "sbatch failed without a message", "a silent refusal says so");

    words.len = 0;
    fake_sbatch("echo hello");
    ok(dsq_slurm_sbatch("/r/s.sh", "0-4", NULL, 0, NULL, NULL, &words, id, sizeof id, &err) < 0,
       "no job id is an error");
    is_str(words.data, "sbatch printed no job id", "and recorded as such");
    dsq_buf_free(&words);
    dsq_buf_free(&seen);
}

static void
note_id(const char *job_id, void *arg)
{
    dsq_buf_printf(arg, "%s,", job_id);
}

/* The rerun lock: one holder at a time (flock locks are per open file, so
 * a second in this process is refused as another process would be); a
 * rerun made under it carries it until made is freed. */
static void
test_lock(const char *run_dir, struct dsq_attempt_request *req)
{
    struct dsq_attempt_lock *a = NULL, *b = (struct dsq_attempt_lock *)1;
    struct dsq_attempt_made made = {0};
    struct dsq_error err = {0};
    char pid[32];

    snprintf(pid, sizeof pid, "(process %ld on ", (long)getpid());
    ok(dsq_attempt_lock(run_dir, &a, &err) == 0 && a, "rerun lock taken: %s", err.msg);
    ok(exists(run_dir, "rerun.lock"), "its file in the run directory");
    ok(dsq_attempt_lock(run_dir, &b, &err) < 0 && !b && err.kind == DSQ_ERR_INPUT &&
           strstr(err.msg, run_dir) && strstr(err.msg, "another rerun of this run is under way") &&
           strstr(err.msg, pid),
       "a second is refused, naming the run and the holder: %s", err.msg);
    dsq_attempt_unlock(a);
    ok(dsq_attempt_lock(run_dir, &b, &err) == 0 && b, "taken again once released");

    /* Made under the lock: made.lock has it until made is freed. */
    req->lock = b;
    req->attempts_seen = 2;
    ok(dsq_attempt_make(req, &made, &err) == 0 && made.lock == b, "a rerun steals its lock");
    req->lock = NULL;
    ok(dsq_attempt_lock(run_dir, &a, &err) < 0, "held while the attempt goes on");
    dsq_attempt_made_unlock(&made);
    ok(!made.lock && dsq_attempt_lock(run_dir, &a, &err) == 0, "released by made_unlock");
    dsq_attempt_unlock(a);
    dsq_attempt_made_free(&made);
    dsq_attempt_unlock(NULL);
    ok(dsq_attempt_lock("/nonexistent/run", &a, &err) < 0 && err.kind == DSQ_ERR_INPUT,
       "no such run directory is the user's error");
}

/* A new run, its rerun, and setting them going. */
static void
test_attempts(struct dsq_conf *conf)
{
    static const size_t rerun_lines[] = {1, 3};
    struct dsq_attempt_request req = {
        .conf = conf,
        .job_file = "jobs.txt",
        .status_dir = "runs",
        .batch_file = "b.sh",
        .batch_copy = 1,
        .kill_grace = -1,
        .dry_run = 1, /* Slurm is not asked */
    };
    struct dsq_attempt_made made = {0}, again = {0};
    struct dsq_error err = {0};
    struct dsq_manifest m = {0};
    struct dsq_buf ids = {0};
    size_t done;
    int refused;

    ok(dsq_attempt_make(&req, &made, &err) == 0, "new run made: %s", err.msg);
    is_int(made.number, 1, "attempt 1");
    is_int(made.tasks, 3, "one task per line");
    ok(made.run_dir && made.run_dir[0] == '/', "run directory absolute");
    is_str(made.batch_file, "b.sh", "batch file as given");
    ok(made.script && strstr(made.script, "--attempt 1"), "script runs attempt 1");
    ok(exists(made.run_dir, "b.sh") && exists(made.run_dir, "jobfile") && exists(".", "b.sh"),
       "script, job file copy and the user's copy written");
    ok(dsq_manifest_read(made.run_dir, &m, &err) == 0 && m.nattempts == 1, "manifest: 1 attempt");
    is_str(m.attempts[0].job_name, "dsq-jobs", "dSQ's job name");
    is_str(m.attempts[0].output, "dsq-jobs-%A_%1a-%N.out", "dSQ's output pattern");
    ok(m.attempts[0].sbatch.n == 1 && !strcmp(m.attempts[0].sbatch.v[0], "--signal=B:USR1@60"),
       "the signal option added");
    ok(m.batch_file && strstr(m.batch_file, "/b.sh"), "the user's copy recorded");
    dsq_manifest_free(&m);

    /* A rerun of lines 1 and 3 as attempt 2. */
    req.run_dir = made.run_dir;
    req.lines = rerun_lines;
    req.nlines = 2;
    req.attempts_seen = 1;
    ok(dsq_attempt_make(&req, &again, &err) == 0, "rerun made: %s", err.msg);
    is_int(again.number, 2, "attempt 2");
    is_int(again.tasks, 2, "two lines, two tasks");
    ok(exists(made.run_dir, "b.a2.sh") && exists(made.run_dir, "attempts/2.lines"),
       "its script and lines file");
    ok(strstr(again.script, "--attempt 2") != NULL, "its script runs attempt 2");
    dsq_attempt_made_free(&again);
    ok(dsq_attempt_make(&req, &again, &err) < 0 && err.kind == DSQ_ERR_INPUT &&
           strstr(err.msg, "another rerun"),
       "lines chosen from a stale report are refused");
    ok(!exists(made.run_dir, "attempts/3.lines") && !exists(made.run_dir, "b.a3.sh"),
       "and leave nothing behind");

    {
        int sig = -1;
        is_int(dsq_attempt_dry_run(made.run_dir, 2, 1, NULL, NULL, &sig, &err), 0,
               "attempt 2 runs here");
        is_int(sig, 0, "no stop signal");
    }
    is_int(dsq_attempt_wait(made.run_dir, 2, &err), 0, "no job ids: nothing to wait for");

    /* Submitting through the stand-in sbatch. */
    fake_sbatch("echo 77");
    struct dsq_attempt_io io = {note_id, NULL, &ids};
    ok(dsq_attempt_submit(made.run_dir, 2, &io, &done, &refused, &err) == 0, "submitted");
    is_str(ids.data, "77,", "job id handed on");
    ok(dsq_manifest_read(made.run_dir, &m, &err) == 0 && m.attempts[1].job_ids.n == 1 &&
           !strcmp(m.attempts[1].job_ids.v[0], "77"),
       "and recorded");
    /* The cluster the job ids belong to: kept through a write and a read;
     * absent (older manifests), it is NULL. */
    free(m.attempts[1].cluster);
    m.attempts[1].cluster = strdup("dsqtest9");
    ok(dsq_manifest_write(&m, &err) == 0, "manifest with a cluster written");
    dsq_manifest_free(&m);
    ok(dsq_manifest_read(made.run_dir, &m, &err) == 0 && m.attempts[1].cluster &&
           !strcmp(m.attempts[1].cluster, "dsqtest9") && !m.attempts[0].cluster,
       "the cluster read back, per attempt");
    dsq_manifest_free(&m);
    fake_sbatch("echo 'sbatch: error: no' >&2; exit 1");
    ok(dsq_attempt_submit(made.run_dir, 1, &io, &done, &refused, &err) < 0 && refused && done == 0,
       "a refusal is sbatch's");
    ok(dsq_manifest_read(made.run_dir, &m, &err) == 0 && m.attempts[0].submit_error &&
           !strcmp(m.attempts[0].submit_error, "sbatch: error: no\n"),
       "and its words recorded");
    dsq_manifest_free(&m);
    ok(dsq_attempt_submit(made.run_dir, 9, &io, &done, &refused, &err) < 0 && !refused,
       "no such attempt is not sbatch's");

    test_lock(made.run_dir, &req); /* makes attempt 3 */

    /* A template that cannot be read: nothing of the attempt stays. */
    free(conf->batch_template);
    conf->batch_template = strdup("/nonexistent/t.sh");
    req.attempts_seen = 3;
    ok(dsq_attempt_make(&req, &again, &err) < 0 && strstr(err.msg, "batch script template"),
       "rerun with no template fails");
    ok(!exists(made.run_dir, "attempts/4.lines"), "its lines file removed");
    req.run_dir = NULL;
    unlink("b.sh");
    dsq_rm_rf("runs");
    ok(dsq_attempt_make(&req, &again, &err) < 0 && !exists(".", "runs") && !exists(".", "b.sh"),
       "a new run with no template leaves no status directory or batch file");
    req.job_file = "empty.txt";
    ok(dsq_attempt_make(&req, &again, &err) < 0 && err.kind == DSQ_ERR_INPUT &&
           strstr(err.msg, "no command lines"),
       "an empty job file is the user's error");
    dsq_attempt_made_free(&made);
    dsq_attempt_made_free(NULL);
    dsq_buf_free(&ids);
}

/* A new run is checked whole before anything is made; a preview makes
 * nothing; the sbatch calls cover every task. */
static void
test_new_run_checks(struct dsq_conf *conf)
{
    struct dsq_attempt_request req = {
        .conf = conf,
        .job_file = "jobs.txt",
        .status_dir = "fresh/runs",
        .batch_file = "b2.sh",
        .batch_copy = 1,
        .kill_grace = -1,
        .dry_run = 1,
    };
    struct dsq_attempt_made made = {0};
    struct dsq_error err = {0};
    char *name = NULL;

    free(conf->batch_template);
    conf->batch_template = NULL;

    ok(dsq_attempt_job_name("dir/my.jobs.txt", NULL, &name, &err) == 0 &&
           !strcmp(name, "dsq-my.jobs"),
       "dSQ's job name from the job file's stem");
    free(name);
    ok(dsq_attempt_job_name("a\tb.txt", NULL, &name, &err) < 0 && err.kind == DSQ_ERR_INPUT &&
           !name,
       "a control character in the job file's name is refused");
    is_str(err.msg,
           "job name 'dsq-a\\tb' (from the job file's name 'a\\tb.txt'): it holds a control "
           "character",
           "the message quotes both, escaped");
    ok(dsq_attempt_job_name("jobs.txt", "a/b", &name, &err) < 0 && strstr(err.msg, "'/'") &&
           !strstr(err.msg, "from the job file"),
       "a given name with '/': %s", err.msg);
    ok(dsq_attempt_job_name("jobs.txt", "", &name, &err) < 0 && strstr(err.msg, "empty"),
       "an empty name");
    ok(dsq_attempt_job_name("jobs.txt", "..", &name, &err) < 0, "'..'");

    /* Bad names and batch files: refused, nothing made. */
    req.job_name = "x/y";
    ok(dsq_attempt_make(&req, &made, &err) < 0 && err.kind == DSQ_ERR_INPUT,
       "a bad job name is refused");
    req.job_name = NULL;
    req.batch_file = "./jobs.txt";
    ok(dsq_attempt_make(&req, &made, &err) < 0 && err.kind == DSQ_ERR_INPUT &&
           strstr(err.msg, "is the job file"),
       "the job file as batch file: %s", err.msg);
    req.batch_file = "manifest.json";
    ok(dsq_attempt_make(&req, &made, &err) < 0 && err.kind == DSQ_ERR_INPUT,
       "a name the run directory keeps: %s", err.msg);
    req.batch_file = "nodir/b.sh";
    ok(dsq_attempt_make(&req, &made, &err) < 0 && err.kind == DSQ_ERR_SYSTEM &&
           strstr(err.msg, "nodir/b.sh"),
       "a batch file that cannot be written: %s", err.msg);
    ok(!exists(".", "fresh") && !exists(".", "nodir"), "none of them made anything");

    /* A preview: the script, naming a run directory that is not made. */
    req.batch_file = NULL;
    req.batch_copy = 0;
    req.preview = 1;
    req.dry_run = 0;
    req.lines_per_task = 1;
    ok(dsq_attempt_make(&req, &made, &err) == 0, "previewed: %s", err.msg);
    ok(made.script && made.run_dir && strstr(made.script, made.run_dir) && !made.batch_file,
       "its script names the run directory it would make");
    ok(!exists(".", "fresh"), "and nothing is made");
    is_int(made.narrays, 1, "one array");
    ok(made.calls && !strcmp(made.calls[0].array, "0-2") && made.calls[0].offset == 0,
       "submitted as one call");
    dsq_attempt_made_free(&made);
}

/* A plan past one array: one call per array, every task once. */
static void
test_calls(struct dsq_conf *conf)
{
    struct dsq_attempt_request req = {
        .conf = conf,
        .job_file = "long.txt",
        .status_dir = "long-runs",
        .lines_per_task = 1,
        .max_jobs = 7,
        .kill_grace = -1,
        .dry_run = 1, /* MaxArraySize: the fallback */
    };
    struct dsq_attempt_made made = {0};
    struct dsq_error err = {0};
    FILE *f = fopen("long.txt", "w");

    for (int i = 0; i < 2500; i++)
        fputs("true\n", f);
    fclose(f);
    ok(dsq_attempt_make(&req, &made, &err) == 0, "2500 lines, one per task: %s", err.msg);
    is_int(made.narrays, 3, "three arrays");
    ok(made.calls && !strcmp(made.calls[0].array, "0-1000%7") && made.calls[0].offset == 0 &&
           !strcmp(made.calls[1].array, "0-1000%7") && made.calls[1].offset == 1001 &&
           !strcmp(made.calls[2].array, "0-497%7") && made.calls[2].offset == 2002,
       "0-1000 from 0, 0-1000 from 1001, 0-497 from 2002, each throttled");
    dsq_attempt_made_free(&made);
}

/* An escalated rerun whose lines ask differently: one line per task, one
 * array per set of resources, each submitted with its own. */
static void
test_escalated(struct dsq_conf *conf)
{
    static const size_t lines[] = {1, 3, 4};
    struct dsq_resources res[3];
    struct dsq_sbopts sb = {0};
    struct dsq_attempt_request req = {
        .conf = conf,
        .job_file = "jobs.txt",
        .status_dir = "esc-runs",
        .kill_grace = -1,
        .dry_run = 1,
        .sb = &sb,
    };
    struct dsq_attempt_made made = {0}, again = {0};
    struct dsq_error err = {0};
    struct dsq_manifest m = {0};
    const struct dsq_attempt *a;
    char *args = NULL;
    size_t len, done;
    int refused;

    dsq_sbopts_add(&sb, "mem", "50M");
    dsq_sbopts_add(&sb, "time", "1");
    ok(dsq_attempt_make(&req, &made, &err) == 0, "run made: %s", err.msg);
    for (int i = 0; i < 3; i++) {
        memset(&res[i], 0, sizeof res[i]);
        res[i].mem_mib = i == 1 ? 50 : 100;
        res[i].time_s = i == 1 ? 120 : 60;
    }
    req.sb = NULL;
    req.run_dir = made.run_dir;
    req.lines = lines;
    req.nlines = 3;
    req.attempts_seen = 1;
    req.line_res = res;
    ok(dsq_attempt_make(&req, &again, &err) == 0, "escalated rerun made: %s", err.msg);
    is_int(again.tasks, 3, "one line per task");
    is_int(again.narrays, 2, "two sets of resources, two arrays");
    ok(dsq_manifest_read(made.run_dir, &m, &err) == 0 && m.nattempts == 2, "manifest read");
    a = &m.attempts[1];
    ok(a->xarrays && a->plan.narrays == 2 && a->plan.arrays[0].offset == 0 &&
           !strcmp(a->xarrays[0].indices, "0,2") && a->plan.arrays[1].offset == 1 &&
           !strcmp(a->xarrays[1].indices, "0"),
       "tasks 0 and 2 in one array, task 1 in the other");
    ok(dsq_attempt_task_resources(a, 0)->mem_mib == 100 &&
           dsq_attempt_task_resources(a, 1)->mem_mib == 50 &&
           dsq_attempt_task_resources(a, 1)->time_s == 120 &&
           dsq_attempt_task_resources(a, 2)->time_s == 60,
       "each task's resources from its array");
    ok(dsq_array_indices_has("0,2-4,9", 3) && !dsq_array_indices_has("0,2-4,9", 5) &&
           dsq_array_indices_has("0,2-4,9", 9) && !dsq_array_indices_has("", 0),
       "indices lists and ranges");
    dsq_manifest_free(&m);
    fake_sbatch("echo 88");
    ok(dsq_attempt_submit(made.run_dir, 2, NULL, &done, &refused, &err) == 0 && done == 2,
       "both arrays submitted: %s", err.msg);
    dsq_read_file("sbatch-args", &args, &len, &err);
    ok(args && strstr(args, "--parsable --array=0 --mem=50M --time=00:02:00 ") &&
           strstr(args, ".a2.sh --offset 1\n"),
       "the second with its own memory and time: %s", args ? args : "");
    free(args);
    dsq_attempt_made_free(&again);
    dsq_attempt_made_free(&made);
    dsq_sbopts_free(&sb);
}

int
main(void)
{
    char tmpl[] = "/tmp/test-attempt.XXXXXX", *dir = mkdtemp(tmpl), *path;
    struct dsq_conf conf;
    struct dsq_error err = {0};
    struct dsq_buf p = {0};
    FILE *f;

    if (!dir || chdir(dir) < 0 || mkdir("bin", 0755) < 0)
        return 99;
    /* The stand-in sbatch first on PATH. */
    path = getenv("PATH");
    dsq_buf_printf(&p, "%s/bin:%s", dir, path ? path : "/usr/bin:/bin");
    setenv("PATH", p.data, 1);
    dsq_buf_free(&p);
    f = fopen("jobs.txt", "w");
    fputs("true\n# not a line\ntrue\ntrue\n", f);
    fclose(f);
    f = fopen("empty.txt", "w");
    fclose(f);
    if (dsq_conf_init(&conf, &err) < 0)
        return 99;

    test_sbatch();
    test_attempts(&conf);
    test_new_run_checks(&conf);
    test_calls(&conf);
    test_escalated(&conf);

    dsq_conf_free(&conf);
    if (chdir("/") == 0)
        dsq_rm_rf(dir);
    return done_testing();
}
