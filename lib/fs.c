/* fs: see fs.h. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "fs.h"

int
dsq_read_file(const char *path, char **data, size_t *len, struct dsq_error *err)
{
    struct dsq_buf b = {0};
    struct stat st;
    char chunk[65536];
    ssize_t n;
    int fd;

    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return dsq_errno(err, DSQ_ERR_INPUT, errno, "%s", path);
    if (fstat(fd, &st) < 0) {
        int e = errno;
        close(fd);
        return dsq_errno(err, DSQ_ERR_INPUT, e, "%s", path);
    }
    if (S_ISDIR(st.st_mode)) {
        close(fd);
        return dsq_errprintf(err, DSQ_ERR_INPUT, "%s: is a directory, not a file", path);
    }
    if (S_ISREG(st.st_mode) && st.st_size > 0 && dsq_buf_reserve(&b, (size_t)st.st_size) < 0) {
        close(fd);
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: out of memory", path);
    }
    for (;;) {
        n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            dsq_buf_free(&b);
            return dsq_errno(err, DSQ_ERR_INPUT, e, "%s", path);
        }
        if (n == 0)
            break;
        if (dsq_buf_append(&b, chunk, (size_t)n) < 0) {
            close(fd);
            dsq_buf_free(&b);
            return dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: out of memory", path);
        }
    }
    close(fd);
    if (!b.data && dsq_buf_append(&b, "", 0) < 0)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: out of memory", path);
    *data = b.data;
    *len = b.len;
    return 0;
}

static int
write_all(int fd, const void *data, size_t len)
{
    const char *p = data;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int
dsq_write_file_atomic(const char *path, const void *data, size_t len, int mode,
                      struct dsq_error *err)
{
    struct dsq_buf tmp = {0};
    int fd, e;

    if (dsq_buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid()) < 0)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: out of memory", path);
    fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) {
        e = errno;
        dsq_buf_free(&tmp);
        return dsq_errno(err, DSQ_ERR_SYSTEM, e, "%s", path);
    }
    if (write_all(fd, data, len) < 0 || fsync(fd) < 0) {
        e = errno;
        close(fd);
        unlink(tmp.data);
        dsq_buf_free(&tmp);
        return dsq_errno(err, DSQ_ERR_SYSTEM, e, "%s", path);
    }
    if (close(fd) < 0 || rename(tmp.data, path) < 0) {
        e = errno;
        unlink(tmp.data);
        dsq_buf_free(&tmp);
        return dsq_errno(err, DSQ_ERR_SYSTEM, e, "%s", path);
    }
    dsq_buf_free(&tmp);
    return 0;
}

int
dsq_mkdir_p(const char *path, int mode, struct dsq_error *err)
{
    char *copy = strdup(path);
    struct stat st;

    if (!copy)
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: out of memory", path);
    for (char *p = copy + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(copy, (mode_t)mode) < 0 && errno != EEXIST) {
                int e = errno;
                free(copy);
                return dsq_errno(err, DSQ_ERR_SYSTEM, e, "cannot create directory %s", path);
            }
            *p = c;
            if (c == '\0')
                break;
        }
    }
    free(copy);
    if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode))
        return dsq_errprintf(err, DSQ_ERR_SYSTEM, "%s: not a directory", path);
    return 0;
}

int
dsq_rm_rf(const char *path)
{
    struct stat st;
    DIR *d;
    struct dirent *de;
    int rc = 0;

    if (lstat(path, &st) < 0)
        return errno == ENOENT ? 0 : -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    d = opendir(path);
    if (!d)
        return -1;
    while ((de = readdir(d))) {
        struct dsq_buf child = {0};
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (dsq_buf_printf(&child, "%s/%s", path, de->d_name) < 0 || dsq_rm_rf(child.data) < 0)
            rc = -1;
        dsq_buf_free(&child);
    }
    closedir(d);
    if (rmdir(path) < 0)
        rc = -1;
    return rc;
}

char *
dsq_abspath(const char *path)
{
    struct dsq_buf b = {0};
    char *cwd;

    if (path[0] == '/')
        return strdup(path);
    cwd = getcwd(NULL, 0);
    if (!cwd)
        return NULL;
    while (path[0] == '.' && path[1] == '/')
        path += 2;
    if (!strcmp(path, ".")) {
        return cwd;
    }
    if (dsq_buf_printf(&b, "%s%s%s", cwd, strcmp(cwd, "/") ? "/" : "", path) < 0) {
        free(cwd);
        dsq_buf_free(&b);
        return NULL;
    }
    free(cwd);
    return b.data;
}
