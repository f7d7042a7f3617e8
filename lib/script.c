/* script: the batch script (see script.h).  Two quoting worlds: "#SBATCH"
 * lines are read by sbatch's own tokenizer (blanks split, '#' starts a
 * comment outside quotes, quotes group, backslash escapes one character), and
 * the exec line is read by bash (single quotes: nothing expands). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "script.h"
#include "text.h"

int
dsq_script_sbatch_line(struct dsq_buf *b, const char *name, const char *value)
{
    if (dsq_buf_printf(b, "#SBATCH --%s", name) < 0)
        return -1;
    if (!value)
        return dsq_buf_puts(b, "\n");
    if (dsq_buf_puts(b, "=") < 0)
        return -1;
    if (value[strcspn(value, " \t\v\f\r\"'#\\")] == '\0' && value[0])
        return dsq_buf_printf(b, "%s\n", value);
    if (dsq_buf_puts(b, "\"") < 0)
        return -1;
    for (const char *p = value; *p; p++) {
        if ((*p == '"' || *p == '\\') && dsq_buf_puts(b, "\\") < 0)
            return -1;
        if (dsq_buf_append(b, p, 1) < 0)
            return -1;
    }
    return dsq_buf_puts(b, "\"\n");
}

static int
sbatch_lines(struct dsq_buf *b, const struct dsq_script_params *p, struct dsq_error *err)
{
    const struct dsq_sbopts *o = p->opts;

    if (dsq_script_sbatch_line(b, "job-name", p->job_name) < 0 ||
        dsq_script_sbatch_line(b, "output", p->output) < 0 ||
        dsq_script_sbatch_line(b, "array", p->array) < 0)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    for (size_t i = 0; o && i < o->n; i++) {
        if (o->v[i].value && strchr(o->v[i].value, '\n'))
            return dsq_errprintf(err, DSQ_ERR_INPUT,
                                 "sbatch option '--%s': a value cannot hold a newline",
                                 o->v[i].name);
        /* sbatch blanks out "packjob" anywhere in an #SBATCH line, even
         * inside quotes: such a value cannot reach Slurm intact. */
        if (o->v[i].value && strcasestr(o->v[i].value, "packjob"))
            return dsq_errprintf(err, DSQ_ERR_INPUT,
                                 "sbatch option '--%s': sbatch rewrites the word 'packjob' in "
                                 "#SBATCH lines, so this value cannot be passed intact",
                                 o->v[i].name);
        if (dsq_script_sbatch_line(b, o->v[i].name, o->v[i].value) < 0)
            return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
    }
    /* The last newline is the template's. */
    if (b->len && b->data[b->len - 1] == '\n')
        b->data[--b->len] = '\0';
    return 0;
}

int
dsq_script_render(const char *tmpl, const struct dsq_script_params *p, char **out,
                  struct dsq_error *err)
{
    struct dsq_buf b = {0};
    const char *s = tmpl;

    for (const char *name = p->job_name; name && *name; name++)
        if (*name == '\n')
            return dsq_errprintf(err, DSQ_ERR_INPUT, "job name cannot hold a newline");
    if (p->output && strchr(p->output, '\n'))
        return dsq_errprintf(err, DSQ_ERR_INPUT, "--output pattern cannot hold a newline");
    if (p->attempt > 1 && !strstr(tmpl, "{{ATTEMPT}}"))
        return dsq_errprintf(err, DSQ_ERR_INPUT,
                             "batch template: no {{ATTEMPT}}, which a rerun needs (end its "
                             "dsq run line with --attempt {{ATTEMPT}} \"$@\")");
    while (*s) {
        const char *open = strstr(s, "{{");
        const char *close;
        size_t n;
        int rc = 0;

        if (!open) {
            if (dsq_buf_puts(&b, s) < 0)
                goto oom;
            break;
        }
        if (dsq_buf_append(&b, s, (size_t)(open - s)) < 0)
            goto oom;
        close = strstr(open, "}}");
        if (!close) {
            dsq_buf_free(&b);
            return dsq_errprintf(err, DSQ_ERR_INPUT, "batch template: '{{' without '}}'");
        }
        n = (size_t)(close - open - 2);
        if (n == 6 && !strncmp(open + 2, "SBATCH", 6)) {
            if (sbatch_lines(&b, p, err) < 0) {
                dsq_buf_free(&b);
                return -1;
            }
        } else if (n == 3 && !strncmp(open + 2, "DSQ", 3)) {
            rc = dsq_buf_shell_quote(&b, p->dsq_path, strlen(p->dsq_path));
        } else if (n == 7 && !strncmp(open + 2, "RUN_DIR", 7)) {
            rc = dsq_buf_shell_quote(&b, p->run_dir, strlen(p->run_dir));
        } else if (n == 7 && !strncmp(open + 2, "VERSION", 7)) {
            rc = dsq_buf_puts(&b, p->version);
        } else if (n == 7 && !strncmp(open + 2, "ATTEMPT", 7)) {
            rc = dsq_buf_printf(&b, "%u", p->attempt ? p->attempt : 1);
        } else {
            dsq_buf_free(&b);
            return dsq_errprintf(err, DSQ_ERR_INPUT, "batch template: unknown placeholder {{%.*s}}",
                                 (int)n, open + 2);
        }
        if (rc < 0)
            goto oom;
        s = close + 2;
    }
    if (!b.data && dsq_buf_puts(&b, "") < 0)
        goto oom;
    *out = b.data;
    return 0;
oom:
    dsq_buf_free(&b);
    return dsq_errprintf(err, DSQ_ERR_SYSTEM, "out of memory");
}

char *
dsq_script_default_template(void)
{
    const char *dir = getenv("DSQ_DATADIR");
    struct dsq_buf b = {0};
    char exe[4096];
    ssize_t n;
    char *slash;

    if (dir && *dir)
        return dsq_buf_printf(&b, "%s/batch.sh.tmpl", dir) < 0 ? NULL : b.data;
    if (dsq_buf_printf(&b, "%s/batch.sh.tmpl", DSQ_PKGDATADIR) < 0)
        return NULL;
    if (access(b.data, R_OK) == 0)
        return b.data;
    /* Not installed: a dsq run from its build tree finds share/ beside it. */
    n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash) {
            struct dsq_buf local = {0};
            *slash = '\0';
            if (dsq_buf_printf(&local, "%s/share/batch.sh.tmpl", exe) == 0 &&
                access(local.data, R_OK) == 0) {
                dsq_buf_free(&b);
                return local.data;
            }
            dsq_buf_free(&local);
        }
    }
    return b.data;
}
