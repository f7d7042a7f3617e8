/* spawner: how the pool starts its lines.  Normally through dsq-spawn, a
 * small helper process started once per pool (libexec/dsq-spawn.c), so that
 * a line's peak memory (wait4's ru_maxrss) is the line's own and not the
 * runner's, which Linux would otherwise hand on to every program it
 * starts.  When the helper cannot be found or started, lines are spawned by
 * the calling process itself (a warning says their memory then includes
 * the runner's).  Either way a line runs `shell args...` in its own process
 * group, stdin /dev/null, default signal dispositions, nothing blocked,
 * with the caller's environment minus the variables it sets per line, on
 * the CPUs it is given (the helper, single-threaded, sets its own affinity
 * around the spawn, so the line inherits it before it execs). */
#ifndef DSQ_SPAWNER_H
#define DSQ_SPAWNER_H

#include <signal.h>
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "error.h"

/* Sent to the process when the helper has news (a line ended): the pool
 * blocks it and waits for it with SIGCHLD. */
#define DSQ_SPAWNER_SIGNAL SIGIO

/* Where the helper is looked for, in order: $DSQ_SPAWN (empty: no helper),
 * libexec/dsq-spawn beside the running program (a build tree),
 * ../libexec/dsq/dsq-spawn from it (a moved install), then the configured
 * pkglibexecdir. */
#define DSQ_SPAWNER_ENV "DSQ_SPAWN"

struct dsq_spawner;

/* Most variables a line may be given. */
#define DSQ_SPAWNER_MAX_VARS 32

/* One line to start; everything borrowed for the call. */
struct dsq_spawn_line {
    const char *shell;       /* the program, e.g. "/bin/sh" */
    const char *const *args; /* argv[1..nargs] */
    size_t nargs;            /* at most 4 */
    const char *workdir;     /* chdir first, or NULL */
    const char *cpus;        /* run on these CPUs ("0-1,4"), or NULL or "":
                                the caller's */
    char *const *vars;       /* NAME=VALUE set for this line */
    size_t nvars;            /* at most DSQ_SPAWNER_MAX_VARS */
    int outfd;               /* stdout and stderr, or -1: inherited */
};

/* Ready to start lines whose per-line variables are named in names[0..n)
 * (borrowed for the call): those are removed from the environment the lines
 * inherit.  Starts the helper.  Owned: dsq_spawner_destroy().  NULL only
 * when out of memory. */
struct dsq_spawner *dsq_spawner_create(const char *const *names, size_t n, struct dsq_error *err);

/* Close the helper's socket and wait (a few seconds at most) for it to
 * exit; NULL is a no-op. */
void dsq_spawner_destroy(struct dsq_spawner *s);

/* Start a line: 0 with *pid (already in its own process group); an errno
 * value when this line cannot start (the shell cannot be run, the working
 * directory is missing); -1 with err when no line can (out of processes or
 * memory, the helper is gone). */
int dsq_spawner_spawn(struct dsq_spawner *s, const struct dsq_spawn_line *l, pid_t *pid,
                      struct dsq_error *err);

/* The next line that ended under the helper: 1 with its pid, wait status
 * and rusage; 0 when there is none now (always, without a helper: the
 * caller's wait4() sees its own children); -1 with err when the helper is
 * gone.  Never blocks. */
int dsq_spawner_next(struct dsq_spawner *s, pid_t *pid, int *status, struct rusage *ru,
                     struct dsq_error *err);

/* The helper's pid (a child of the caller), 0 without one.  When the
 * caller's wait4() reaps it, it calls dsq_spawner_lost(): the lines it
 * started are then the caller's children (as subreaper). */
pid_t dsq_spawner_helper(const struct dsq_spawner *s);
void dsq_spawner_lost(struct dsq_spawner *s);

#endif
