/* Unit tests for lib/sbatch: the option splitter and value formats. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "lib/sbatch.h"
#include "tests/unit/tap.h"

static int
take_all(int argc, char **argv, struct dsq_sbopts *o, struct dsq_error *err)
{
    for (int i = 0; i < argc;)
        if (dsq_sbatch_take(argc, argv, &i, o, err) < 0)
            return -1;
    return 0;
}

/* o's options as "name=value name ...", into the caller's buf. */
static const char *
joined(const struct dsq_sbopts *o, char *buf, size_t n)
{
    size_t len = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < o->n && len < n; i++)
        len += (size_t)snprintf(buf + len, n - len, "%s%s%s%s", i ? " " : "", o->v[i].name,
                                o->v[i].value ? "=" : "", o->v[i].value ? o->v[i].value : "");
    return buf;
}

/* o, made of the "name[=value]" words of had, after dsq_sbopts_replace()
 * with name=value. */
static const char *
replaced(const char *had, const char *name, const char *value, char *buf, size_t n)
{
    struct dsq_sbopts o = {0};
    char words[256], *save = NULL;

    snprintf(words, sizeof words, "%s", had);
    for (char *w = strtok_r(words, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
        char *eq = strchr(w, '=');
        const struct dsq_sbatch_def *d = dsq_sbatch_lookup(w, eq ? (size_t)(eq - w) : strlen(w));
        dsq_sbopts_add(&o, d ? d->name : "?", eq ? eq + 1 : NULL);
    }
    if (dsq_sbopts_replace(&o, name, value) < 0)
        snprintf(buf, n, "(failed)");
    else
        joined(&o, buf, n);
    dsq_sbopts_free(&o);
    return buf;
}

/* What an option given again replaces among those given before it. */
static void
test_replace(void)
{
    char b[256];

    is_str(replaced("partition=a mem=2g time=10", "mem", "4g", b, sizeof b), "partition=a time=10",
           "the same name");
    is_str(replaced("partition=a mem=2g time=10", "mem-per-cpu", "1g", b, sizeof b),
           "partition=a time=10", "--mem-per-cpu replaces --mem (sbatch refuses both)");
    is_str(replaced("mem-per-cpu=1g mem-per-gpu=8g", "mem", "4g", b, sizeof b), "",
           "--mem replaces --mem-per-cpu and --mem-per-gpu");
    is_str(replaced("cpus-per-task=4 qos=x", "cpus-per-gpu", "2", b, sizeof b), "qos=x",
           "--cpus-per-gpu replaces --cpus-per-task");
    is_str(replaced("requeue time=5", "no-requeue", NULL, b, sizeof b), "time=5",
           "--no-requeue replaces --requeue (the later wins)");
    is_str(replaced("oversubscribe", "exclusive", NULL, b, sizeof b), "",
           "--exclusive replaces --oversubscribe");
    is_str(replaced("threads-per-core=1 ntasks-per-core=1", "hint", "nomultithread", b, sizeof b),
           "", "--hint replaces --threads-per-core and --ntasks-per-core");
    is_str(replaced("threads-per-core=1 ntasks-per-core=2", "threads-per-core", "2", b, sizeof b),
           "ntasks-per-core=2", "--threads-per-core keeps --ntasks-per-core: sbatch takes both");
    is_str(replaced("gres=gpu:2 mem=1g", "gpus-per-task", "1", b, sizeof b), "mem=1g",
           "--gpus-per-task replaces --gres=gpu:2");
    is_str(replaced("gres=tmp:10G,gpu:volta:2,nic:1", "gpus-per-task", "1", b, sizeof b),
           "gres=tmp:10G,nic:1", "and leaves --gres its other entries");
    is_str(replaced("gpus-per-task=1 gpus=4 gres=tmp:1", "gres", "gpu:2", b, sizeof b), "",
           "--gres=gpu:2 replaces --gpus-per-task, --gpus and the earlier --gres");
    is_str(replaced("gpus-per-task=1", "gres", "tmp:1", b, sizeof b), "gpus-per-task=1",
           "a --gres without gpu leaves the GPU count alone");
    is_str(replaced("gpus-per-task=1 ntasks-per-node=2", "ntasks-per-gpu", "1", b, sizeof b), "",
           "--ntasks-per-gpu replaces --gpus-per-task and --ntasks-per-node");
    is_str(replaced("core-spec=1 partition=p", "thread-spec", "2", b, sizeof b), "partition=p",
           "--thread-spec replaces --core-spec");
    is_str(replaced("mem=1g partition=p comment=x", "time", "5", b, sizeof b),
           "mem=1g partition=p comment=x", "an option with no rival replaces only its own name");
}

int
main(void)
{
    struct dsq_sbopts o = {0};
    struct dsq_error err = {0};
    long s;
    uint64_t mib;
    char buf[32];
    int found;
    char *a1[] = {"--export=ALL,FOO=bar",
                  "--constraint=a|b",
                  "--comment",
                  "two words",
                  "--mem-per-cpu",
                  "4g",
                  "-t",
                  "10:00",
                  "-c2",
                  "--requeue",
                  "-p",
                  "day",
                  "--exclusive"};

    ok(take_all(13, a1, &o, &err) == 0, "splits a mixed command line: %s", err.msg);
    is_int(o.n, 9, "nine options");
    is_str(o.v[0].name, "export", "export");
    is_str(o.v[0].value, "ALL,FOO=bar", "--export value intact (dSQ split it)");
    is_str(o.v[1].value, "a|b", "constraint value intact");
    is_str(o.v[2].value, "two words", "comment with a blank intact");
    is_str(o.v[3].name, "mem-per-cpu", "--mem-per-cpu takes the next token");
    is_str(o.v[3].value, "4g", "its value");
    is_str(o.v[4].name, "time", "-t is --time");
    is_str(o.v[4].value, "10:00", "-t value");
    is_str(o.v[5].value, "2", "-c2 attached value");
    ok(o.v[6].value == NULL, "--requeue takes no value");
    is_str(o.v[7].name, "partition", "-p is --partition");
    ok(o.v[8].value == NULL, "--exclusive alone: optional value absent");
    is_str(dsq_sbopts_get(&o, "time", &found), "10:00", "get");
    dsq_sbopts_remove(&o, "time");
    dsq_sbopts_get(&o, "time", &found);
    ok(!found, "remove");
    dsq_sbopts_free(&o);

    char *a2[] = {"--batch=x"};
    ok(take_all(1, a2, &o, &err) == 0 && !strcmp(o.v[0].name, "batch"),
       "--batch=x is sbatch's --batch, never --batch-file");
    dsq_sbopts_free(&o);
    char *a3[] = {"--bogus"};
    ok(take_all(1, a3, &o, &err) < 0 && strstr(err.msg, "--bogus"), "unknown named: %s", err.msg);
    char *a4[] = {"--mem"};
    ok(take_all(1, a4, &o, &err) < 0 && strstr(err.msg, "needs a value"), "missing value");
    char *a5[] = {"stray"};
    ok(take_all(1, a5, &o, &err) < 0 && strstr(err.msg, "stray"), "stray word named");
    char *a6[] = {"--array=1-3"};
    ok(take_all(1, a6, &o, &err) < 0 && strstr(err.msg, "--array"), "--array refused");
    char *a7[] = {"--requeue=yes"};
    ok(take_all(1, a7, &o, &err) < 0, "value given to a flag refused");
    dsq_sbopts_free(&o);

    /* sbatch's own abbreviations: a unique prefix names the option, and the
     * #SBATCH line gets its whole name; an ambiguous one is refused naming
     * two candidates; an exact name wins over longer ones (--mem). */
    char *a8[] = {"--part=debug", "--part", "gpu", "--mem", "1G", "--cpus-per-t", "2"};
    ok(take_all(7, a8, &o, &err) == 0 && o.n == 4, "abbreviations taken: %s", err.msg);
    ok(o.n == 4 && !strcmp(o.v[0].name, "partition") && !strcmp(o.v[0].value, "debug") &&
           !strcmp(o.v[1].name, "partition") && !strcmp(o.v[1].value, "gpu"),
       "--part=debug and --part gpu are --partition");
    ok(o.n == 4 && !strcmp(o.v[2].name, "mem") && !strcmp(o.v[3].name, "cpus-per-task"),
       "--mem exact over --mem-per-cpu; --cpus-per-t is --cpus-per-task");
    dsq_sbopts_free(&o);
    char *a9[] = {"--mem-per=1G"};
    ok(take_all(1, a9, &o, &err) < 0 && strstr(err.msg, "'--mem-per' is ambiguous") &&
           strstr(err.msg, "'--mem-per-cpu'") && strstr(err.msg, "'--mem-per-gpu'"),
       "ambiguous abbreviation refused naming candidates: %s", err.msg);
    dsq_sbopts_free(&o);

    test_replace();

    ok(dsq_sbatch_parse_time("10", &s) == 0 && s == 600, "minutes");
    ok(dsq_sbatch_parse_time("10:30", &s) == 0 && s == 630, "M:S");
    ok(dsq_sbatch_parse_time("1:00:00", &s) == 0 && s == 3600, "H:M:S");
    ok(dsq_sbatch_parse_time("2-0", &s) == 0 && s == 172800, "D-H");
    ok(dsq_sbatch_parse_time("1-2:3", &s) == 0 && s == 86400 + 7200 + 180, "D-H:M");
    ok(dsq_sbatch_parse_time("1-0:0:5", &s) == 0 && s == 86405, "D-H:M:S");
    ok(dsq_sbatch_parse_time("UNLIMITED", &s) == 0 && s == -1, "UNLIMITED");
    ok(dsq_sbatch_parse_time("unlimited", &s) == 0 && s == -1, "unlimited, as sbatch, any case");
    ok(dsq_sbatch_parse_time("Infinite", &s) == 0 && s == -1, "Infinite, any case");
    ok(dsq_sbatch_parse_time("unlimit", &s) < 0, "no prefix of UNLIMITED");
    ok(dsq_sbatch_parse_time("abc", &s) < 0, "bad time");
    ok(dsq_sbatch_parse_time("1:2:3:4", &s) < 0, "too many fields");
    dsq_sbatch_format_time(90061, buf, sizeof buf);
    is_str(buf, "1-01:01:01", "format with days");
    dsq_sbatch_format_time(3725, buf, sizeof buf);
    is_str(buf, "01:02:05", "format without days");

    ok(dsq_sbatch_parse_mem("100", &mib) == 0 && mib == 100, "default unit MiB");
    ok(dsq_sbatch_parse_mem("4g", &mib) == 0 && mib == 4096, "4g");
    ok(dsq_sbatch_parse_mem("4G", &mib) == 0 && mib == 4096, "4G");
    ok(dsq_sbatch_parse_mem("512K", &mib) == 0 && mib == 1, "512K rounds up to 1 MiB");
    ok(dsq_sbatch_parse_mem("1T", &mib) == 0 && mib == 1048576, "1T");
    ok(dsq_sbatch_parse_mem("4x", &mib) < 0, "bad suffix");
    return done_testing();
}
