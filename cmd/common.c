/* common: what every subcommand shares: the exact-match option parser,
 * error and warning printing, configuration loading. */
#include "config.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"

int
cmd_opt_next(const struct cmd_opt *table, int argc, char **argv, int *i, const char **arg,
             const char *cmdname)
{
    static int rest_positional;
    const char *tok;

    if (*i == 1)
        rest_positional = 0;
    *arg = NULL;
    if (*i >= argc)
        return CMD_OPT_END;
    tok = argv[*i];
    if (rest_positional || tok[0] != '-' || tok[1] == '\0') {
        *arg = tok;
        (*i)++;
        return CMD_OPT_POSITIONAL;
    }
    if (!strcmp(tok, "--")) {
        rest_positional = 1;
        (*i)++;
        if (*i >= argc)
            return CMD_OPT_END;
        *arg = argv[*i];
        (*i)++;
        return CMD_OPT_POSITIONAL;
    }
    if (tok[1] == '-') {
        const char *name = tok + 2;
        const char *eq = strchr(name, '=');
        size_t n = eq ? (size_t)(eq - name) : strlen(name);

        for (const struct cmd_opt *o = table; o->id; o++) {
            if (!o->long_name || strlen(o->long_name) != n || strncmp(o->long_name, name, n))
                continue;
            if (!o->has_arg) {
                if (eq) {
                    cmd_usage_error(cmdname, "option '--%s' takes no value", o->long_name);
                    return CMD_OPT_ERROR;
                }
                (*i)++;
                return o->id;
            }
            if (eq) {
                *arg = eq + 1;
                (*i)++;
                return o->id;
            }
            if (*i + 1 >= argc) {
                cmd_usage_error(cmdname, "option '--%s' needs a value", o->long_name);
                return CMD_OPT_ERROR;
            }
            *arg = argv[*i + 1];
            *i += 2;
            return o->id;
        }
        return CMD_OPT_UNKNOWN;
    }
    for (const struct cmd_opt *o = table; o->id; o++) {
        if (!o->short_name || o->short_name != tok[1])
            continue;
        if (!o->has_arg) {
            if (tok[2]) {
                /* "-hx": not ours as a whole; let the caller decide. */
                return CMD_OPT_UNKNOWN;
            }
            (*i)++;
            return o->id;
        }
        if (tok[2]) {
            *arg = tok + 2;
            (*i)++;
            return o->id;
        }
        if (*i + 1 >= argc) {
            cmd_usage_error(cmdname, "option '-%c' needs a value", o->short_name);
            return CMD_OPT_ERROR;
        }
        *arg = argv[*i + 1];
        *i += 2;
        return o->id;
    }
    return CMD_OPT_UNKNOWN;
}

int
cmd_fail(const struct dsq_error *err)
{
    fprintf(stderr, "dsq: error: %s\n", err->msg[0] ? err->msg : "unknown error");
    return err->kind == DSQ_ERR_INPUT ? DSQ_EXIT_USAGE : DSQ_EXIT_SYSTEM;
}

int
cmd_usage_error(const char *cmdname, const char *fmt, ...)
{
    va_list ap;

    fputs("dsq: error: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (cmdname && strcmp(cmdname, "dsq"))
        fprintf(stderr, "\nTry 'dsq %s --help'.\n", cmdname);
    else
        fputs("\nTry 'dsq --help'.\n", stderr);
    return DSQ_EXIT_USAGE;
}

static void
print_warning(const char *msg, void *arg)
{
    (void)arg;
    fprintf(stderr, "dsq: warning: %s\n", msg);
}

void
cmd_install_warnings(void)
{
    dsq_warn_set(print_warning, NULL);
}

int
cmd_load_conf(struct dsq_conf *c)
{
    struct dsq_error err = {0};

    if (dsq_conf_init(c, &err) < 0 || dsq_conf_load(c, &err) < 0)
        return cmd_fail(&err);
    return 0;
}

char *
cmd_self_path(void)
{
    char buf[4096];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);

    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    return strdup(buf);
}
