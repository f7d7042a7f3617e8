/* fuzz-jobfile: libFuzzer harness for the job file parser.  Arbitrary bytes
 * go through dsq_jobfile_parse(); the result is checked against an
 * independent line split, so a wrong line number or a lost command aborts
 * just like a memory error would. */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/jobfile.h"
#include "fuzz/fuzz.h"



/* The job file's definition of a command line, written again from
 * jobfile.h's words rather than reusing dsq_jobfile_is_command(). */
static int
is_command(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (strchr(" \t\r\v\f", s[i]) && s[i] != '\0')
            continue;
        return s[i] != '#';
    }
    return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct dsq_error err = {0};
    struct dsq_jobfile *jf;
    char *buf = malloc(size + 1);
    size_t pos = 0, line = 0, ncmds = 0, nul_line = 0;

    if (!buf)
        return 0;
    if (size)
        memcpy(buf, data, size);
    buf[size] = '\0';

    /* What the parser must find: command lines, and the first command
     * line holding a NUL byte, which makes the whole file an error. */
    while (pos < size) {
        const char *s = (const char *)data + pos;
        const char *nl = memchr(s, '\n', size - pos);
        size_t n = nl ? (size_t)(nl - s) : size - pos;

        line++;
        pos += n + (nl ? 1 : 0);
        if (line == 1 && n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) {
            s += 3; /* a byte-order mark is not part of line 1 */
            n -= 3;
        }
        if (n && s[n - 1] == '\r')
            n--;
        if (!is_command(s, n))
            continue;
        if (memchr(s, '\0', n)) {
            nul_line = line;
            break;
        }
        ncmds++;
    }

    jf = dsq_jobfile_parse(buf, size, "jobs.txt", &err); /* steals buf */
    if (nul_line) {
        char want[64];

        CHECK(jf == NULL);
        CHECK(err.kind == DSQ_ERR_INPUT);
        snprintf(want, sizeof want, "jobs.txt:%zu:", nul_line);
        CHECK(strncmp(err.msg, want, strlen(want)) == 0);
        return 0;
    }
    CHECK(jf != NULL);
    CHECK(jf->len == size);
    CHECK(jf->physical_lines == line);
    CHECK(jf->ncmds == ncmds);
    CHECK(jf->data[size] == '\0');
    for (size_t i = 0; i < jf->ncmds; i++) {
        const struct dsq_cmdline *c = &jf->cmds[i];
        const char *cmd = dsq_jobfile_cmd(jf, i);

        CHECK(c->line >= 1 && c->line <= jf->physical_lines);
        CHECK(i == 0 || c->line > jf->cmds[i - 1].line);
        CHECK(c->off <= size && c->len <= size - c->off);
        CHECK(cmd == jf->data + c->off);
        /* A command starts a physical line (line 1 after a byte-order
         * mark) and ends before its newline. */
        CHECK(c->off == 0 || jf->data[c->off - 1] == '\n' ||
              (c->off == 3 && !memcmp(jf->data, "\xEF\xBB\xBF", 3)));
        CHECK(memchr(cmd, '\n', c->len) == NULL);
        CHECK(memchr(cmd, '\0', c->len) == NULL);
        CHECK(c->off + c->len == size || cmd[c->len] == '\n' ||
              (cmd[c->len] == '\r' && (c->off + c->len + 1 == size || cmd[c->len + 1] == '\n')));
        CHECK(is_command(cmd, c->len));
        CHECK(dsq_jobfile_is_command(cmd, c->len));
        CHECK(dsq_jobfile_find(jf, c->line) == i);
    }
    /* Every other line number, and the ones past the end, find nothing. */
    for (size_t l = 0, i = 0; l <= jf->physical_lines + 1; l++) {
        if (i < jf->ncmds && jf->cmds[i].line == l) {
            i++;
            continue;
        }
        CHECK(dsq_jobfile_find(jf, l) == (size_t)-1);
    }
    dsq_jobfile_destroy(jf);
    return 0;
}
