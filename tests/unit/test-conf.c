/* test-conf: the YAML configuration: defaults, every key, the layers in
 * order, and that every error names the file, the line and the key. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/conf.h"
#include "tests/unit/tap.h"

static char tmpdir[] = "/tmp/test-conf.XXXXXX";

static int
load(struct dsq_conf *c, const char *yaml, struct dsq_error *err)
{
    return dsq_conf_load_buffer(c, yaml, strlen(yaml), "/etc/dsq-test/config.yaml", err);
}

static char *
write_tmp(const char *name, const char *text)
{
    static char path[4][512];
    static int slot;
    char *p = path[slot++ % 4];
    FILE *f;

    snprintf(p, sizeof path[0], "%s/%s", tmpdir, name);
    f = fopen(p, "w");
    if (!f) {
        perror(p);
        exit(99);
    }
    fputs(text, f);
    fclose(f);
    return p;
}

static void
test_defaults(void)
{
    struct dsq_conf c;
    struct dsq_error err = {0};

    is_int(dsq_conf_init(&c, &err), 0, "init");
    is_str(c.status_dir, ".", "default status-dir is the current directory");
    is_int(c.sbatch_options.n, 0, "no default sbatch options");
    is_int(c.max_array_tasks, 1000, "default max-array-tasks 1000");
    is_int(c.layout, DSQ_LAYOUT_DYNAMIC, "default layout dynamic");
    is_str(c.shell, "/bin/sh", "default shell /bin/sh");
    is_int(c.signal_lead, 60, "default signal-lead 60");
    ok(c.batch_template == NULL, "no batch-template by default");
    ok(c.kill_grace == 10.0, "default kill-grace 10");
    dsq_conf_free(&c);
    dsq_conf_free(&c); /* twice is harmless */
    dsq_conf_free(NULL);
}

static void
test_keys(void)
{
    struct dsq_conf c;
    struct dsq_error err = {0};
    const char *yaml = "# site defaults\n"
                       "status-dir: /scratch/runs\n"
                       "sbatch-options:\n"
                       "  - --partition=day\n"
                       "  - \"--constraint=a|b\"\n"
                       "  - --comment\n"
                       "  - two words\n"
                       "max-array-tasks: 250\n"
                       "layout: block\n"
                       "shell: /bin/bash\n"
                       "signal-lead: 0\n"
                       "batch-template: tmpl/batch.sh\n"
                       "kill-grace: 2.5\n";

    dsq_conf_init(&c, &err);
    is_int(load(&c, yaml, &err), 0, "every key: %s", err.msg);
    is_str(c.status_dir, "/scratch/runs", "status-dir");
    is_int(c.sbatch_options.n, 4, "sbatch-options: four tokens");
    if (c.sbatch_options.n == 4) {
        is_str(c.sbatch_options.v[0], "--partition=day", "sbatch-options[0]");
        is_str(c.sbatch_options.v[1], "--constraint=a|b", "sbatch-options[1] intact");
        is_str(c.sbatch_options.v[3], "two words", "sbatch-options[3] keeps its blank");
        ok(c.sbatch_options.v[4] == NULL, "sbatch-options NULL-terminated");
    }
    is_int(c.max_array_tasks, 250, "max-array-tasks");
    is_int(c.layout, DSQ_LAYOUT_BLOCK, "layout block");
    is_str(c.shell, "/bin/bash", "shell");
    is_int(c.signal_lead, 0, "signal-lead 0 is allowed");
    is_str(c.batch_template, "/etc/dsq-test/tmpl/batch.sh",
           "batch-template relative to the config file's directory");
    ok(c.kill_grace == 2.5, "kill-grace fractional");

    is_int(load(&c, "layout: stripe\nkill-grace: 0\nbatch-template: /abs/t.sh\n", &err), 0,
           "second layer");
    is_int(c.layout, DSQ_LAYOUT_STRIPE, "layout stripe");
    ok(c.kill_grace == 0.0, "kill-grace 0");
    is_str(c.batch_template, "/abs/t.sh", "absolute batch-template kept");
    is_str(c.status_dir, "/scratch/runs", "keys not named keep the earlier layer's value");
    is_int(c.sbatch_options.n, 4, "sbatch-options kept when not named");

    is_int(load(&c, "sbatch-options: [--account=lab]\n", &err), 0, "flow sequence");
    is_int(c.sbatch_options.n, 1, "sbatch-options replaces the list, not appends");
    if (c.sbatch_options.n == 1)
        is_str(c.sbatch_options.v[0], "--account=lab", "the new list");
    is_int(load(&c, "sbatch-options: []\n", &err), 0, "empty list");
    is_int(c.sbatch_options.n, 0, "an empty list clears the defaults");

    setenv("HOME", "/home/tester", 1);
    is_int(load(&c, "status-dir: ~/dsq-runs\nbatch-template: ~/t.sh\n", &err), 0, "~ paths");
    is_str(c.status_dir, "/home/tester/dsq-runs", "status-dir ~ expanded");
    is_str(c.batch_template, "/home/tester/t.sh", "batch-template ~ expanded");
    is_int(load(&c, "status-dir: runs\n", &err), 0, "relative status-dir");
    is_str(c.status_dir, "runs", "relative status-dir stays relative to the current directory");
    is_int(load(&c, "status-dir: '2024'\nmax-array-tasks: 1\n", &err), 0, "quoted string");
    is_str(c.status_dir, "2024", "a number-looking string is a string for a path");
    is_int(c.max_array_tasks, 1, "max-array-tasks 1");
    is_int(dsq_conf_load_buffer(&c, "batch-template: t.sh\n", 20, "cfg", &err), 0,
           "name without a directory");
    is_str(c.batch_template, "t.sh", "then a relative template stays relative");
    dsq_conf_free(&c);
}

static void
test_empty(void)
{
    static const char *const empties[] = {
        "", "\n\n", "# only a comment\n", "---\n", "--- # nothing\n...\n", "{}\n"};
    struct dsq_conf c;
    struct dsq_error err = {0};

    for (size_t i = 0; i < sizeof empties / sizeof *empties; i++) {
        dsq_conf_init(&c, &err);
        is_int(load(&c, empties[i], &err), 0, "empty document %zu is fine: %s", i, err.msg);
        is_int(c.max_array_tasks, 1000, "and changes nothing (%zu)", i);
        dsq_conf_free(&c);
    }
    dsq_conf_init(&c, &err);
    is_int(dsq_conf_load_file(&c, write_tmp("empty.yaml", ""), 0, &err), 0, "empty file");
    is_str(c.shell, "/bin/sh", "empty file changes nothing");
    dsq_conf_free(&c);
}

/* Each bad document: the error is DSQ_ERR_INPUT, starts with
 * "<file>:<line>:" and holds the key and the other fragments. */
struct bad {
    const char *yaml;
    int line;
    const char *frag1, *frag2;
};

static void
test_errors(void)
{
    static const struct bad bads[] = {
        {"status-dir: x\nfoo: 1\n", 2, "unknown key 'foo'", NULL},
        {"layuot: block\n", 1, "unknown key 'layuot'", "did you mean 'layout'?"},
        {"status_dir: /x\n", 1, "unknown key 'status_dir'", "did you mean 'status-dir'?"},
        {"\n\nshel: /bin/sh\n", 3, "unknown key 'shel'", "'shell'"},
        {"status-dir: [a, b]\n", 1, "key 'status-dir'", "found a list"},
        {"status-dir:\n", 1, "key 'status-dir'", "found no value"},
        {"status-dir: ''\n", 1, "key 'status-dir'", "empty"},
        {"status-dir: {a: 1}\n", 1, "key 'status-dir'", "found a mapping"},
        {"sbatch-options: --partition=day\n", 1, "key 'sbatch-options'", "[--partition=day]"},
        {"sbatch-options:\n  - --mem=4g\n  - [x]\n", 3, "key 'sbatch-options'", "found a list"},
        {"sbatch-options:\n  - partition=day\n", 2, "key 'sbatch-options'", "'partition=day'"},
        {"sbatch-options:\n  - ''\n", 2, "key 'sbatch-options'", "empty"},
        {"sbatch-options:\n  - --mem=1g\n  - --no-such-option\n", 3, "key 'sbatch-options'",
         "unknown option '--no-such-option'"},
        {"sbatch-options: [--partition=day, --time]\n", 1, "key 'sbatch-options'",
         "'--time' needs a value"},
        {"sbatch-options:\n  - --array=1-3\n", 2, "key 'sbatch-options'", "'--array'"},
        {"sbatch-options:\n  - --qos=low\n  - low\n", 3, "key 'sbatch-options'", "'low'"},
        {"sbatch-options: {partition: day}\n", 1, "key 'sbatch-options'", "found a mapping"},
        {"max-array-tasks: 0\n", 1, "key 'max-array-tasks'", "positive integer, found '0'"},
        {"max-array-tasks: -5\n", 1, "key 'max-array-tasks'", "'-5'"},
        {"max-array-tasks: 1.5\n", 1, "key 'max-array-tasks'", "'1.5'"},
        {"max-array-tasks: lots\n", 1, "key 'max-array-tasks'", "'lots'"},
        {"max-array-tasks: \"100\"\n", 1, "key 'max-array-tasks'", "quoted"},
        {"max-array-tasks: 99999999999999999999999\n", 1, "key 'max-array-tasks'", NULL},
        {"layout: diagonal\n", 1, "key 'layout'",
         "'stripe', 'block' or 'dynamic', found 'diagonal'"},
        {"shell: bash\n", 1, "key 'shell'", "absolute path, found 'bash'"},
        {"shell:\n  - /bin/sh\n", 2, "key 'shell'", "found a list"},
        {"signal-lead: -1\n", 1, "key 'signal-lead'", "'-1'"},
        {"signal-lead: 1.5\n", 1, "key 'signal-lead'", "'1.5'"},
        {"signal-lead: 70000\n", 1, "key 'signal-lead'", "0 to 65535"},
        {"kill-grace: -1\n", 1, "key 'kill-grace'", "'-1'"},
        {"kill-grace: soon\n", 1, "key 'kill-grace'", "'soon'"},
        {"kill-grace: .nan\n", 1, "key 'kill-grace'", NULL},
        {"batch-template:\n", 1, "key 'batch-template'", "no value"},
        {"layout:\nshell: /bin/sh\n", 1, "key 'layout'", "no value"},
        {"layout: block\nsbatch-options:\n\n# later\nshell: /bin/sh\n", 2, "key 'sbatch-options'",
         "found no value"},
        {"layout: block\nlayout: stripe\n", 2, "key 'layout'", "given twice (first on line 1)"},
        {"a: &x /bin/sh\nshell: *x\n", 1, "unknown key 'a'", NULL},
        {"shell: &x /bin/sh\nstatus-dir: *x\n", 2, "key 'status-dir'", "alias"},
        {"? [a]\n: b\n", 1, "expected a key", "found a list"},
        {"- a\n- b\n", 1, "mapping of keys", "found a list"},
        {"just words\n", 1, "mapping of keys", "found a single value"},
        {"layout: block\n---\nlayout: stripe\n", 2, "second YAML document", NULL},
        /* syntax errors: the line, and the key being read when it broke */
        {"layout: block\nshell: [/bin/sh\n", 3, "YAML syntax error", "in the value of key 'shell'"},
        {"status-dir: /x\nlayout: 'block\n", 3, "YAML syntax error", "key 'layout'"},
        {"layout: block\n  shell: /bin/sh\n", 2, "YAML syntax error", "after key 'layout'"},
        {"status-dir: x\nlayout: block: x\n", 2, "YAML syntax error", "key 'layout'"},
        {"status-dir: x\n@foo: 1\n", 2, "YAML syntax error", "after key 'status-dir'"},
        {"sbatch-options:\n  - --mem=1g\n  - [\n", 4, "YAML syntax error", "key 'sbatch-options'"},
        {"\tlayout: block\n", 1, "YAML syntax error", "before the first key"},
        {"layout: block\nshell: \"/bin/\xff\"\n", 2, "YAML syntax error", "UTF-8"},
    };
    struct dsq_conf c, before;
    struct dsq_error err;
    char prefix[64];

    for (size_t i = 0; i < sizeof bads / sizeof *bads; i++) {
        const struct bad *b = &bads[i];
        int rc;

        dsq_conf_init(&c, &err);
        dsq_error_clear(&err);
        rc = load(&c, b->yaml, &err);
        snprintf(prefix, sizeof prefix, "/etc/dsq-test/config.yaml:%d: ", b->line);
        ok(rc == -1 && err.kind == DSQ_ERR_INPUT, "bad %zu is an input error", i);
        ok(!strncmp(err.msg, prefix, strlen(prefix)), "bad %zu names file and line %d: %s", i,
           b->line, err.msg);
        ok(strstr(err.msg, b->frag1) != NULL, "bad %zu says \"%s\"", i, b->frag1);
        if (b->frag2)
            ok(strstr(err.msg, b->frag2) != NULL, "bad %zu says \"%s\"", i, b->frag2);
        dsq_conf_free(&c);
    }

    /* A bad layer changes nothing, even the keys before the bad one. */
    dsq_conf_init(&c, &err);
    load(&c, "layout: block\nsbatch-options: [--qos=low]\n", &err);
    dsq_conf_init(&before, &err);
    is_int(load(&c, "status-dir: /new\nsbatch-options: [--a=1]\nlayout: zigzag\n", &err), -1,
           "bad layer fails");
    is_str(c.status_dir, ".", "status-dir from before the error not applied");
    is_int(c.layout, DSQ_LAYOUT_BLOCK, "earlier layer's layout kept");
    ok(c.sbatch_options.n == 1 && !strcmp(c.sbatch_options.v[0], "--qos=low"),
       "earlier layer's sbatch-options kept");
    dsq_conf_free(&c);
    dsq_conf_free(&before);
}

static void
test_files(void)
{
    struct dsq_conf c;
    struct dsq_error err = {0};
    char missing[600], *p;

    snprintf(missing, sizeof missing, "%s/no-such.yaml", tmpdir);
    dsq_conf_init(&c, &err);
    is_int(dsq_conf_load_file(&c, missing, 1, &err), 0, "an optional missing file is skipped");
    is_int(dsq_conf_load_file(&c, missing, 0, &err), -1, "a required missing file is an error");
    ok(err.kind == DSQ_ERR_INPUT && strstr(err.msg, missing), "names it: %s", err.msg);
    is_int(dsq_conf_load_file(&c, tmpdir, 1, &err), -1, "a directory is an error");
    ok(strstr(err.msg, tmpdir) != NULL, "names it: %s", err.msg);

    p = write_tmp("broken.yaml", "status-dir: /x\nsbatch-options:\n  - --mem=1g\n  - [\n");
    is_int(dsq_conf_load_file(&c, p, 1, &err), -1, "broken YAML file");
    ok(err.kind == DSQ_ERR_INPUT && !strncmp(err.msg, p, strlen(p)) &&
           strstr(err.msg, "key 'sbatch-options'"),
       "names file, line and key: %s", err.msg);
    ok(strstr(err.msg, ":5: ") != NULL, "at line 5 (end of input)");

    p = write_tmp("tmpl.yaml", "batch-template: my.tmpl\n");
    is_int(dsq_conf_load_file(&c, p, 0, &err), 0, "file with a relative template");
    {
        char want[600];
        snprintf(want, sizeof want, "%s/my.tmpl", tmpdir);
        is_str(c.batch_template, want, "template relative to the file's directory");
    }
    ok(c.files.n == 1 && !strcmp(c.files.v[0], p), "only the file read is listed");
    dsq_conf_free(&c);
}

static void
test_layers(void)
{
    struct dsq_conf c;
    struct dsq_error err = {0};
    char sys[600], xdg[600], home[600], path[700], *env;

    snprintf(sys, sizeof sys, "%s/system.yaml", tmpdir);
    snprintf(xdg, sizeof xdg, "%s/xdg", tmpdir);
    snprintf(home, sizeof home, "%s/home", tmpdir);
    snprintf(path, sizeof path, "%s/dsq", xdg);
    mkdir(xdg, 0700);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/.config", home);
    mkdir(home, 0700);
    mkdir(path, 0700);
    snprintf(path, sizeof path, "%s/.config/dsq", home);
    mkdir(path, 0700);

    write_tmp("system.yaml", "status-dir: /sys-runs\nlayout: block\nmax-array-tasks: 10\n"
                             "sbatch-options: [--partition=sys, --qos=sys]\nkill-grace: 1\n");
    write_tmp("xdg/dsq/config.yaml", "layout: stripe\nmax-array-tasks: 20\n"
                                     "sbatch-options: [--partition=user]\n");
    write_tmp("home/.config/dsq/config.yaml", "shell: /bin/home-sh\n");
    env = write_tmp("env.yaml", "max-array-tasks: 30\n");

    setenv("HOME", home, 1);
    unsetenv("XDG_CONFIG_HOME");
    unsetenv("DSQ_CONFIG");
    dsq_conf_init(&c, &err);
    is_int(dsq_conf_load_layers(&c, NULL, &err), 0, "no system layer, HOME only: %s", err.msg);
    is_str(c.shell, "/bin/home-sh", "XDG_CONFIG_HOME unset: ~/.config/dsq/config.yaml read");
    dsq_conf_free(&c);

    setenv("XDG_CONFIG_HOME", "relative/dir", 1);
    dsq_conf_init(&c, &err);
    is_int(dsq_conf_load_layers(&c, NULL, &err), 0, "relative XDG_CONFIG_HOME");
    is_str(c.shell, "/bin/home-sh", "a relative XDG_CONFIG_HOME is ignored");
    dsq_conf_free(&c);

    setenv("XDG_CONFIG_HOME", xdg, 1);
    dsq_conf_init(&c, &err);
    is_int(dsq_conf_load_layers(&c, sys, &err), 0, "system + user: %s", err.msg);
    is_str(c.status_dir, "/sys-runs", "system layer's key survives when user does not set it");
    is_int(c.layout, DSQ_LAYOUT_STRIPE, "user layer beats system layer");
    is_int(c.max_array_tasks, 20, "user max-array-tasks");
    ok(c.kill_grace == 1.0, "system kill-grace");
    is_str(c.shell, "/bin/sh", "$HOME/.config is not read when XDG_CONFIG_HOME is set");
    ok(c.sbatch_options.n == 1 && !strcmp(c.sbatch_options.v[0], "--partition=user"),
       "user sbatch-options replace the system list");
    dsq_conf_free(&c);

    setenv("DSQ_CONFIG", env, 1);
    dsq_conf_init(&c, &err);
    is_int(dsq_conf_load_layers(&c, sys, &err), 0, "system + user + DSQ_CONFIG");
    is_int(c.max_array_tasks, 30, "DSQ_CONFIG beats the user layer");
    is_int(c.layout, DSQ_LAYOUT_STRIPE, "user layer's key survives");
    is_str(c.status_dir, "/sys-runs", "system layer's key survives");
    dsq_conf_free(&c);

    setenv("DSQ_CONFIG", "", 1);
    dsq_conf_init(&c, &err);
    is_int(dsq_conf_load_layers(&c, sys, &err), 0, "empty DSQ_CONFIG is unset");
    is_int(c.max_array_tasks, 20, "then the user layer wins");
    dsq_conf_free(&c);

    snprintf(path, sizeof path, "%s/missing.yaml", tmpdir);
    setenv("DSQ_CONFIG", path, 1);
    dsq_conf_init(&c, &err);
    is_int(dsq_conf_load_layers(&c, sys, &err), -1, "DSQ_CONFIG must exist");
    ok(err.kind == DSQ_ERR_INPUT && strstr(err.msg, "DSQ_CONFIG") && strstr(err.msg, path),
       "says so: %s", err.msg);
    ok(c.status_dir == NULL && c.shell == NULL && c.sbatch_options.n == 0,
       "a failed load leaves nothing to free");
    dsq_conf_free(&c);

    env = write_tmp("bad-env.yaml", "layout: block\nmax-jobs: 4\n");
    setenv("DSQ_CONFIG", env, 1);
    dsq_conf_init(&c, &err);
    is_int(dsq_conf_load_layers(&c, sys, &err), -1, "a bad DSQ_CONFIG fails the load");
    ok(strstr(err.msg, env) && strstr(err.msg, ":2: ") && strstr(err.msg, "'max-jobs'"),
       "naming file, line and key: %s", err.msg);
    dsq_conf_free(&c);

    unsetenv("DSQ_CONFIG");
    write_tmp("xdg/dsq/config.yaml", "signal-lead: soon\n");
    dsq_conf_init(&c, &err);
    is_int(dsq_conf_load_layers(&c, sys, &err), -1, "a bad user layer fails the load");
    ok(strstr(err.msg, "xdg/dsq/config.yaml:1: key 'signal-lead'") != NULL, "names it: %s",
       err.msg);
    dsq_conf_free(&c);

    /* dsq_conf_load() is the same with the configured system file. */
    setenv("XDG_CONFIG_HOME", "/nonexistent-dsq-test", 1);
    dsq_conf_init(&c, &err);
    ok(strstr(DSQ_CONF_SYSTEM_PATH, "/dsq/config.yaml") != NULL, "system path %s",
       DSQ_CONF_SYSTEM_PATH);
    if (access(DSQ_CONF_SYSTEM_PATH, F_OK) == 0)
        ok(1, "# SKIP a system config exists here");
    else {
        dsq_error_clear(&err);
        is_int(dsq_conf_load(&c, &err), 0, "dsq_conf_load with no files: %s", err.msg);
    }
    dsq_conf_free(&c);
}

static void
cleanup(void)
{
    char cmd[600];

    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmpdir);
}

int
main(void)
{
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 99;
    }
    test_defaults();
    test_keys();
    test_empty();
    test_errors();
    test_files();
    test_layers();
    cleanup();
    return done_testing();
}
