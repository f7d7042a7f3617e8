/* Unit tests for lib/cgroup: the memory cgroup's counter file found from
 * /proc/self/cgroup and mountinfo texts (cgroup v1, v2, both, a subtree
 * mount, escaped paths), the "oom_kill N" line read, and a line's kill
 * given to it once. */
#include "config.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lib/cgroup.h"
#include "tests/unit/tap.h"

static const char v1_self[] = "9:name=systemd:/\n"
                              "4:memory:/slurm/uid_0/job_12/step_batch\n"
                              "3:cpuset:/\n"
                              "0::/\n";
static const char v1_mounts[] =
    "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime shared:9 - cgroup cgroup rw,memory\n"
    "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
static const char v2_self[] = "0::/system.slice/slurmstepd.scope/job_7/step_0/user/task_0\n";
static const char v2_mounts[] =
    "25 30 0:23 / /sys/fs/cgroup rw,nosuid shared:4 - cgroup2 cgroup2 rw,nsdelegate\n";

static void
test_paths(void)
{
    char path[512];

    ok(dsq_cgroup_counter_path(v1_self, v1_mounts, path, sizeof path) == 0 &&
           !strcmp(path, "/sys/fs/cgroup/memory/slurm/uid_0/job_12/step_batch/memory.oom_control"),
       "path: v1 memory hierarchy wins over the v2 mount: %s", path);
    ok(dsq_cgroup_counter_path(v2_self, v2_mounts, path, sizeof path) == 0 &&
           !strcmp(path, "/sys/fs/cgroup/system.slice/slurmstepd.scope/job_7/step_0/user/task_0/"
                         "memory.events"),
       "path: v2 memory.events: %s", path);
    ok(dsq_cgroup_counter_path("0::/\n", v2_mounts, path, sizeof path) == 0 &&
           !strcmp(path, "/sys/fs/cgroup/memory.events"),
       "path: v2 root cgroup: %s", path);
    ok(dsq_cgroup_counter_path("5:cpu,memory:/a/b\n",
                               "40 1 0:9 /a /mnt/my\\040cg rw - cgroup cg rw,cpu,memory\n", path,
                               sizeof path) == 0 &&
           !strcmp(path, "/mnt/my cg/b/memory.oom_control"),
       "path: a subtree mount, an escaped space, joint controllers: %s", path);
    ok(dsq_cgroup_counter_path(v1_self, "1 0 0:1 / / rw - ext4 /dev/sda rw\n", path, sizeof path) <
           0,
       "path: none mounted");
    ok(dsq_cgroup_counter_path("3:cpuset:/\n", v1_mounts, path, sizeof path) < 0,
       "path: no memory controller, no v2 line");
    ok(dsq_cgroup_counter_path(v1_self, v1_mounts, path, 20) < 0, "path: too long for the buffer");
}

static void
test_counter(void)
{
    long long n = -1;

    ok(dsq_cgroup_parse_oom_kill("oom_kill_disable 0\nunder_oom 0\noom_kill 3\n", &n) == 0 &&
           n == 3,
       "counter: v1 memory.oom_control (oom_kill_disable is not it)");
    ok(dsq_cgroup_parse_oom_kill("low 0\nhigh 0\nmax 5\noom 2\noom_kill 2\noom_group_kill 0\n",
                                 &n) == 0 &&
           n == 2,
       "counter: v2 memory.events");
    ok(dsq_cgroup_parse_oom_kill("oom_kill_disable 0\nunder_oom 0\n", &n) < 0,
       "counter: an old kernel without it");
    ok(dsq_cgroup_parse_oom_kill("oom_kill x\n", &n) < 0, "counter: not a number");
}

/* A counter file of our own stands for the kernel's. */
static void
test_claims(void)
{
    struct dsq_cgroup_oom c;
    char tmpl[] = "/tmp/test-cgroup-XXXXXX";
    int fd = mkstemp(tmpl), killed = SIGKILL, exited137 = 137 << 8, exited1 = 1 << 8;
    FILE *f;

    memset(&c, 0, sizeof c);
    is_int(dsq_cgroup_oom_line(&c, killed), 0, "claims: no cgroup: never out of memory");
    ok(fd >= 0, "claims: a counter file");
    if (fd < 0)
        return;
    snprintf(c.path, sizeof c.path, "%s", tmpl);
    c.seen = 1;
    f = fopen(tmpl, "w");
    fputs("oom_kill 3\n", f);
    fclose(f);
    is_int(dsq_cgroup_oom_line(&c, exited1), 0, "claims: exit 1 is not a kill");
    is_int(dsq_cgroup_oom_line(&c, SIGTERM), 0, "claims: SIGTERM is not the OOM killer's");
    is_int(dsq_cgroup_oom_line(&c, killed), 1, "claims: SIGKILL after the count grew");
    is_int(dsq_cgroup_oom_line(&c, exited137), 1, "claims: exit 137, the second kill counted");
    is_int(dsq_cgroup_oom_line(&c, killed), 0, "claims: no third kill counted: not this line's");
    unlink(tmpl);
    close(fd);
}

int
main(void)
{
    struct dsq_cgroup_oom c;

    test_paths();
    test_counter();
    test_claims();
    /* This machine's, whatever it has: a line that exits is never a kill. */
    dsq_cgroup_oom_open(&c);
    is_int(dsq_cgroup_oom_line(&c, 0), 0, "this machine: exit 0 is no OOM kill");
    return done_testing();
}
