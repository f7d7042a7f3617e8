/* spawn-proto: the messages between the pool (lib/spawner.c) and its line
 * helper, dsq-spawn (libexec/dsq-spawn.c), over an AF_UNIX SOCK_SEQPACKET
 * socket: one request per line, one reply per request, one exit note per
 * line that ends.  Header only: dsq-spawn links nothing of lib/. */
#ifndef DSQ_SPAWN_PROTO_H
#define DSQ_SPAWN_PROTO_H

#include <sched.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/types.h>

/* The helper's end of the socket is this descriptor (argv[1] says so too). */
#define DSQ_SPAWN_FD 3

/* Requests are kept well under the default socket buffer (~208 KiB): lines
 * longer than the pool's long-line limit go through a script file. */
#define DSQ_SPAWN_MAX_REQUEST (192 * 1024)

/* A request: this header, then nstr NUL-terminated strings in this order:
 * the shell (the program run), workdir (may be empty: no chdir), the CPUs
 * the line runs on ("0-1,4"; empty: the helper's own), then nargs arguments
 * (argv[1..]), then the rest: NAME=VALUE variables added to the helper's
 * environment for this line.  A descriptor for the line's
 * stdout and stderr comes with it (SCM_RIGHTS) when has_out is 1. */
struct dsq_spawn_req {
    uint32_t magic;
    uint32_t nstr;
    uint32_t nargs;
    uint32_t has_out;
};

#define DSQ_SPAWN_MAGIC 0x64737132u /* "dsq2" */

/* Strings of a request before its arguments. */
#define DSQ_SPAWN_FIXED 3

enum dsq_spawn_kind {
    DSQ_SPAWN_STARTED = 1, /* reply: pid, or err (an errno value) */
    DSQ_SPAWN_EXITED = 2,  /* note: pid ended with a wait status */
};

struct dsq_spawn_msg {
    uint32_t kind;
    int32_t pid;
    int32_t err;
    int32_t status;
    struct rusage ru; /* what wait4() measured: the line, not the pool */
};

/* Parse a CPU list ("0-1,4") into set (the caller's): 0, or -1 when it is
 * not one, or names a CPU past CPU_SETSIZE.  Shared by both ends, so here. */
static inline int
dsq_spawn_cpus_parse(const char *s, cpu_set_t *set)
{
    CPU_ZERO(set);
    while (*s) {
        char *end;
        unsigned long a = strtoul(s, &end, 10), b = a;

        if (end == s)
            return -1;
        if (*end == '-') {
            s = end + 1;
            b = strtoul(s, &end, 10);
            if (end == s || b < a)
                return -1;
        }
        if (b >= CPU_SETSIZE)
            return -1;
        for (unsigned long c = a; c <= b; c++)
            CPU_SET(c, set);
        if (*end == ',')
            end++;
        else if (*end)
            return -1;
        s = end;
    }
    return CPU_COUNT(set) ? 0 : -1;
}

#endif
