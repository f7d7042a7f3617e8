/* cgroup: the memory cgroup this process runs in and the kernel's count of
 * OOM kills in it, so that the runner can tell a line killed by the memory
 * limit from one killed by anyone else (the end record's "oom").  cgroup v1
 * (memory.oom_control, "oom_kill N") and v2 (memory.events, "oom_kill N");
 * found from /proc/self/cgroup and /proc/self/mountinfo. */
#ifndef DSQ_CGROUP_H
#define DSQ_CGROUP_H

#include <stddef.h>

/* The counter of one cgroup and the kills it counted that no line has been
 * given yet.  Zeroed: no cgroup (every question says no). */
struct dsq_cgroup_oom {
    char path[4096];     /* the counter's file, "" when there is none */
    long long seen;      /* the count at the last read */
    long long unclaimed; /* kills counted since dsq_cgroup_oom_open() that
                            no line has been given */
};

/* Find this process's memory cgroup and read its count as the baseline:
 * 0, or -1 when there is no memory cgroup or no counter to read (c is then
 * zeroed: every later question says no). */
int dsq_cgroup_oom_open(struct dsq_cgroup_oom *c);

/* Whether a line that ended with wait status `status` was killed for memory:
 * it died of SIGKILL (or its shell exited 137, 128 + SIGKILL) and the
 * cgroup counted an OOM kill since the last read that no earlier line was
 * given.  1 (that kill is this line's now) or 0. */
int dsq_cgroup_oom_line(struct dsq_cgroup_oom *c, int status);

/* The pure parts, for tests.  The counter file of the memory cgroup that
 * proc_cgroup (the text of /proc/self/cgroup) names, under the mounts of
 * mountinfo (the text of /proc/self/mountinfo), into path (n bytes): 0, or
 * -1 when none is mounted.  v1's memory hierarchy wins over v2's. */
int dsq_cgroup_counter_path(const char *proc_cgroup, const char *mountinfo, char *path, size_t n);
/* The "oom_kill N" of a counter file's text: 0 and *count, or -1. */
int dsq_cgroup_parse_oom_kill(const char *text, long long *count);

#endif
