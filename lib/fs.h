/* fs: the file system as dsq uses it: whole-file reads, atomic writes,
 * directory trees made and removed, absolute paths.  Run directories and
 * configuration files are built on these; errors name the path. */
#ifndef DSQ_FS_H
#define DSQ_FS_H

#include <stddef.h>

#include "error.h"

/* Read a whole regular file.  *data is owned (free()), NUL-terminated after
 * *len bytes.  Errors name the path: a directory, a missing file, an
 * unreadable one are DSQ_ERR_INPUT. */
int dsq_read_file(const char *path, char **data, size_t *len, struct dsq_error *err);

/* Write data (borrowed) to path atomically: path.tmp.<pid>, fsync, rename.
 * Never follows a symlink at path.tmp. */
int dsq_write_file_atomic(const char *path, const void *data, size_t len, int mode,
                          struct dsq_error *err);

/* mkdir -p; existing directories are fine. */
int dsq_mkdir_p(const char *path, int mode, struct dsq_error *err);

/* Remove a directory tree (for cleaning up a half-made run directory). */
int dsq_rm_rf(const char *path);

/* Absolute version of path (relative to the current directory); no
 * symlink resolution.  Owned (free()), or NULL when out of memory. */
char *dsq_abspath(const char *path);

#endif
