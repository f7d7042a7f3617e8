/* Unit tests for lib/jobfile: physical line numbers, skipped lines, CRLF,
 * last line without newline, NUL bytes, non-UTF-8 bytes, a byte-order mark. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/jobfile.h"
#include "tests/unit/tap.h"

static struct dsq_jobfile *
parse(const char *text, size_t len, struct dsq_error *err)
{
    char *copy = malloc(len + 1);

    memcpy(copy, text, len);
    copy[len] = '\0';
    return dsq_jobfile_parse(copy, len, "jobs.txt", err);
}

static int
cmd_is(const struct dsq_jobfile *jf, size_t i, const char *want)
{
    return jf->cmds[i].len == strlen(want) && !memcmp(dsq_jobfile_cmd(jf, i), want, strlen(want));
}

int
main(void)
{
    struct dsq_error err = {0};
    struct dsq_jobfile *jf;
    const char t1[] = "# header\necho a\n\n   \n  # indented comment\necho b\r\n\techo c\nlast";

    jf = parse(t1, sizeof t1 - 1, &err);
    ok(jf != NULL, "parses");
    is_int(jf->ncmds, 4, "four commands");
    is_int(jf->physical_lines, 8, "eight physical lines");
    is_int(jf->cmds[0].line, 2, "first command on line 2");
    is_int(jf->cmds[1].line, 6, "second command on line 6 (skipped lines keep their place)");
    ok(cmd_is(jf, 1, "echo b"), "CR of CRLF is not part of the command");
    is_int(jf->cmds[2].line, 7, "tab-indented command on line 7");
    ok(cmd_is(jf, 2, "\techo c"), "leading blanks are kept in the command");
    is_int(jf->cmds[3].line, 8, "last line without newline is a command");
    ok(cmd_is(jf, 3, "last"), "last line bytes");
    is_int(dsq_jobfile_find(jf, 6), 1, "find line 6");
    is_int(dsq_jobfile_find(jf, 3), (size_t)-1, "line 3 is not a command");
    dsq_jobfile_destroy(jf);

    jf = parse("echo ok\necho \0bad\n", 18, &err);
    ok(jf == NULL, "NUL byte refused");
    ok(strstr(err.msg, "jobs.txt:2") != NULL, "error names file and line: %s", err.msg);
    is_int(err.kind, DSQ_ERR_INPUT, "input error");

    jf = parse("# nothing\n\n", 11, &err);
    ok(jf && jf->ncmds == 0, "comments only: no commands, no error");
    dsq_jobfile_destroy(jf);

    jf = parse("", 0, &err);
    ok(jf && jf->ncmds == 0 && jf->physical_lines == 0, "empty file");
    dsq_jobfile_destroy(jf);

    jf = parse("echo \xff\xfe\n", 8, &err);
    ok(jf && jf->ncmds == 1 && cmd_is(jf, 0, "echo \xff\xfe"), "non-UTF-8 bytes kept as they are");
    dsq_jobfile_destroy(jf);

    jf = parse("\r\n#x\r\necho z\r\n", 14, &err);
    ok(jf && jf->ncmds == 1 && jf->cmds[0].line == 3 && cmd_is(jf, 0, "echo z"),
       "CRLF everywhere, blank CRLF line skipped");
    dsq_jobfile_destroy(jf);

    /* A byte-order mark is not part of line 1: neither a comment nor a
     * command starts with it. */
    jf = parse("\xEF\xBB\xBF# comment\necho bom\n", 22, &err);
    ok(jf && jf->ncmds == 1 && jf->cmds[0].line == 2 && cmd_is(jf, 0, "echo bom"),
       "BOM before a comment: the comment is skipped");
    dsq_jobfile_destroy(jf);
    jf = parse("\xEF\xBB\xBF" "echo one\r\n", 13, &err);
    ok(jf && jf->ncmds == 1 && jf->cmds[0].line == 1 && cmd_is(jf, 0, "echo one"),
       "BOM before a command: not part of it");
    dsq_jobfile_destroy(jf);
    jf = parse("echo \xEF\xBB\xBF\n\xEF\xBB\xBF" "echo two\n", 21, &err);
    ok(jf && jf->ncmds == 2 && cmd_is(jf, 0, "echo \xEF\xBB\xBF") &&
           cmd_is(jf, 1, "\xEF\xBB\xBF" "echo two"),
       "the same bytes elsewhere are kept");
    dsq_jobfile_destroy(jf);

    jf = dsq_jobfile_load("/nonexistent/jobs.txt", &err);
    ok(jf == NULL && strstr(err.msg, "/nonexistent/jobs.txt"), "missing file named");
    jf = dsq_jobfile_load("/", &err);
    ok(jf == NULL && strstr(err.msg, "directory"), "directory refused: %s", err.msg);
    return done_testing();
}
