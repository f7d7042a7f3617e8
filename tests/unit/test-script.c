/* Unit tests for lib/script: #SBATCH quoting and template rendering. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/script.h"
#include "tests/unit/tap.h"

int
main(void)
{
    struct dsq_buf b = {0};
    struct dsq_sbopts o = {0};
    struct dsq_error err;
    char *out = NULL;

    dsq_script_sbatch_line(&b, "export", "ALL,FOO=bar");
    is_str(b.data, "#SBATCH --export=ALL,FOO=bar\n", "plain value unquoted");
    b.len = 0;
    dsq_script_sbatch_line(&b, "comment", "two words");
    is_str(b.data, "#SBATCH --comment=\"two words\"\n", "blank: double-quoted");
    b.len = 0;
    dsq_script_sbatch_line(&b, "comment", "say \"hi\" #1 \\o/");
    is_str(b.data, "#SBATCH --comment=\"say \\\"hi\\\" #1 \\\\o/\"\n",
           "quotes and backslashes escaped, # inside quotes");
    b.len = 0;
    dsq_script_sbatch_line(&b, "requeue", NULL);
    is_str(b.data, "#SBATCH --requeue\n", "flag");
    dsq_buf_free(&b);

    dsq_sbopts_add(&o, "partition", "day");
    struct dsq_script_params p = {.job_name = "dsq-jobs", .output = "o-%A_%a.out",
                                  .array = "0-9%2", .opts = &o, .dsq_path = "/usr/bin/dsq",
                                  .run_dir = "/tmp/it's $(here)", .version = "9"};
    ok(dsq_script_render("#!/bin/bash\n{{SBATCH}}\n# v{{VERSION}}\nexec {{DSQ}} run --run-dir "
                         "{{RUN_DIR}}\n",
                         &p, &out, &err) == 0,
       "renders");
    is_str(out,
           "#!/bin/bash\n#SBATCH --job-name=dsq-jobs\n#SBATCH --output=o-%A_%a.out\n"
           "#SBATCH --array=0-9%2\n#SBATCH --partition=day\n# v9\n"
           "exec '/usr/bin/dsq' run --run-dir '/tmp/it'\\''s $(here)'\n",
           "script bytes");
    free(out);
    ok(dsq_script_render("{{NOPE}}", &p, &out, &err) < 0 && strstr(err.msg, "NOPE"),
       "unknown placeholder named");
    dsq_sbopts_free(&o);
    dsq_sbopts_add(&o, "comment", "a\nb");
    ok(dsq_script_render("{{SBATCH}}", &p, &out, &err) < 0 && strstr(err.msg, "newline"),
       "newline in a value refused");
    dsq_sbopts_free(&o);
    dsq_sbopts_add(&o, "comment", "my PackJob x");
    ok(dsq_script_render("{{SBATCH}}", &p, &out, &err) < 0 && strstr(err.msg, "packjob"),
       "a value sbatch would rewrite is refused");
    dsq_sbopts_free(&o);

    /* Reruns: {{ATTEMPT}} names the attempt the runner runs. */
    p.attempt = 0;
    ok(dsq_script_render("x --attempt {{ATTEMPT}} y", &p, &out, &err) == 0, "attempt 1");
    is_str(out, "x --attempt 1 y", "no attempt set is attempt 1");
    free(out);
    p.attempt = 3;
    ok(dsq_script_render("x --attempt {{ATTEMPT}} y", &p, &out, &err) == 0, "attempt 3");
    is_str(out, "x --attempt 3 y", "attempt 3");
    free(out);
    out = NULL;
    ok(dsq_script_render("exec {{DSQ}} run --run-dir {{RUN_DIR}} \"$@\"\n", &p, &out, &err) < 0 &&
           strstr(err.msg, "{{ATTEMPT}}") && !out,
       "a rerun's template must name {{ATTEMPT}}");
    p.attempt = 1;
    ok(dsq_script_render("exec {{DSQ}} run --run-dir {{RUN_DIR}} \"$@\"\n", &p, &out, &err) == 0,
       "attempt 1 renders an older template without it");
    free(out);
    return done_testing();
}
