/* dsq: the program's entry point.  A table of subcommands; anything that is
 * not a subcommand name is the planning command (dSQ's default action).
 * Entered as dsq-autopsy, it is `dsq autopsy`. */
#include "config.h"

#include <libgen.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lib/text.h"

struct subcommand {
    const char *name;
    int (*main)(int argc, char **argv);
    const char *summary;
};

static const struct subcommand subcommands[] = {
    {"run", cmd_run_main, "run one array task of a planned run (the batch script calls it)"},
    {"report", cmd_report_main, "what happened to every line"},
    {"autopsy", cmd_autopsy_main, "print the lines to run again, as a new job file"},
    {NULL, NULL, NULL},
};

int
main(int argc, char **argv)
{
    char *base = argc > 0 ? strrchr(argv[0], '/') : NULL;
    const char *prog = base ? base + 1 : (argc > 0 ? argv[0] : "dsq");

    cmd_install_warnings();
    if (!strcmp(prog, "dsq-autopsy")) {
        argv[0] = (char *)"autopsy";
        return cmd_autopsy_main(argc, argv);
    }
    if (argc > 1) {
        for (const struct subcommand *s = subcommands; s->name; s++) {
            if (!strcmp(argv[1], s->name))
                return s->main(argc - 1, argv + 1);
        }
    }
    if (argc > 1 && argv[1][0] != '-') {
        /* The planning command takes no bare word: a mistyped subcommand? */
        const char *names[sizeof subcommands / sizeof *subcommands];
        const char *near;
        size_t n = 0;

        for (const struct subcommand *s = subcommands; s->name; s++)
            names[n++] = s->name;
        if ((near = dsq_closest_word(argv[1], strlen(argv[1]), names, n)))
            return cmd_usage_error("dsq", "unknown subcommand '%s': did you mean 'dsq %s'?",
                                   argv[1], near);
    }
    argv[0] = (char *)"dsq";
    return cmd_plan_main(argc, argv);
}
