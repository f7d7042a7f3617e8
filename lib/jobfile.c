/* jobfile: job file parsing (see jobfile.h).  One pass, no copies: a command
 * is an (offset, length) into the file's bytes. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "fs.h"
#include "jobfile.h"

int
dsq_jobfile_is_command(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f')
            continue;
        return c != '#';
    }
    return 0;
}

struct dsq_jobfile *
dsq_jobfile_parse(char *data, size_t len, const char *name, struct dsq_error *err)
{
    struct dsq_jobfile *jf = calloc(1, sizeof *jf);
    size_t cap = 0, pos = 0, line = 0;

    if (!jf) {
        free(data);
        dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: out of memory", name);
        return NULL;
    }
    jf->data = data;
    jf->len = len;
    while (pos < len) {
        const char *start = data + pos;
        const char *nl = memchr(start, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - start) : len - pos;
        size_t clen = n;

        line++;
        pos += n + (nl ? 1 : 0);
        /* A UTF-8 byte-order mark (editors on Windows write one) is not part
         * of the first line: it would make a comment a command, and the
         * command start with three bytes the shell does not expect. */
        if (line == 1 && clen >= 3 && !memcmp(start, "\xEF\xBB\xBF", 3)) {
            start += 3;
            clen -= 3;
        }
        if (clen > 0 && start[clen - 1] == '\r')
            clen--;
        if (!dsq_jobfile_is_command(start, clen))
            continue;
        if (memchr(start, '\0', clen)) {
            dsq_errprintf(err, DSQ_ERR_INPUT,
                          "%s:%zu: line holds a NUL byte; a job file is text, one shell "
                          "command per line",
                          name, line);
            goto fail;
        }
        {
            struct dsq_cmdline *c = dsq_grow(jf->cmds, &cap, jf->ncmds + 1, sizeof *c, 256);
            if (!c) {
                dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: out of memory", name);
                goto fail;
            }
            jf->cmds = c;
        }
        jf->cmds[jf->ncmds].line = line;
        jf->cmds[jf->ncmds].off = (size_t)(start - data);
        jf->cmds[jf->ncmds].len = clen;
        jf->ncmds++;
    }
    jf->physical_lines = line;
    return jf;
fail:
    dsq_jobfile_destroy(jf);
    return NULL;
}

struct dsq_jobfile *
dsq_jobfile_load(const char *path, struct dsq_error *err)
{
    char *data;
    size_t len;

    if (dsq_read_file(path, &data, &len, err) < 0)
        return NULL;
    return dsq_jobfile_parse(data, len, path, err);
}

void
dsq_jobfile_destroy(struct dsq_jobfile *jf)
{
    if (!jf)
        return;
    free(jf->data);
    free(jf->cmds);
    free(jf);
}

const char *
dsq_jobfile_cmd(const struct dsq_jobfile *jf, size_t i)
{
    return jf->data + jf->cmds[i].off;
}

size_t
dsq_jobfile_find(const struct dsq_jobfile *jf, size_t line)
{
    size_t lo = 0, hi = jf->ncmds, skipped = jf->physical_lines - jf->ncmds;

    /* Readers look up every line of big runs in task order, which makes the
     * binary search miss the cache each time.  Most job files skip no line,
     * or only some at the top: try those two places first. */
    if (line >= 1 && line - 1 < jf->ncmds && jf->cmds[line - 1].line == line)
        return line - 1;
    if (line > skipped && line - 1 - skipped < jf->ncmds &&
        jf->cmds[line - 1 - skipped].line == line)
        return line - 1 - skipped;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (jf->cmds[mid].line < line)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < jf->ncmds && jf->cmds[lo].line == line ? lo : (size_t)-1;
}
