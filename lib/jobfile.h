/* jobfile: the job file, one shell command per line.  Parses a buffer into
 * the command lines with their 1-based physical line numbers (comments and
 * blank lines are skipped but keep their place).  Everything downstream
 * (plan, runner, report, autopsy) names lines by these numbers. */
#ifndef DSQ_JOBFILE_H
#define DSQ_JOBFILE_H

#include <stddef.h>

#include "error.h"

struct dsq_cmdline {
    size_t line; /* 1-based physical line number */
    size_t off;  /* offset of the command in the job file's bytes */
    size_t len;  /* length, without "\n" or "\r\n" */
};

struct dsq_jobfile {
    char *data; /* owned: the file's bytes, NUL after len */
    size_t len;
    size_t physical_lines;    /* lines in the file, the last one may lack "\n" */
    struct dsq_cmdline *cmds; /* owned: the command lines, in file order */
    size_t ncmds;
};

/* Load and parse path.  Errors (DSQ_ERR_INPUT) name the file, and the line
 * for a NUL byte.  An empty job file (no command lines) is NOT an error here:
 * callers that need commands check ncmds.  Owned: dsq_jobfile_destroy(). */
struct dsq_jobfile *dsq_jobfile_load(const char *path, struct dsq_error *err);

/* Parse a buffer; steals data (malloc'd, NUL-terminated after len) even on
 * failure.  name is used in error messages only. */
struct dsq_jobfile *dsq_jobfile_parse(char *data, size_t len, const char *name,
                                      struct dsq_error *err);

/* Frees jf and what it owns; jf may be NULL. */
void dsq_jobfile_destroy(struct dsq_jobfile *jf);

/* The command bytes of cmds[i] (borrowed, valid while jf lives; NOT
 * NUL-terminated: use cmds[i].len). */
const char *dsq_jobfile_cmd(const struct dsq_jobfile *jf, size_t i);

/* Index in cmds of physical line number line, or (size_t)-1 if that line is
 * not a command.  O(log n). */
size_t dsq_jobfile_find(const struct dsq_jobfile *jf, size_t line);

/* Whether a line's bytes make a command: not empty, not only white space,
 * first non-blank character not '#'. */
int dsq_jobfile_is_command(const char *s, size_t n);

#endif
