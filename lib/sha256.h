/* sha256: FIPS 180-4 SHA-256, for the manifest's checksum of the job file
 * copy the runner reads: the planner writes it, the runner and report refuse
 * a copy that no longer matches. */
#ifndef DSQ_SHA256_H
#define DSQ_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct dsq_sha256 {
    uint32_t h[8];
    uint64_t total;
    unsigned char block[64];
    size_t used;
};

/* Incremental: c is the caller's; data is borrowed for the call; the digest
 * goes into the caller's out. */
void dsq_sha256_init(struct dsq_sha256 *c);
void dsq_sha256_update(struct dsq_sha256 *c, const void *data, size_t n);
void dsq_sha256_final(struct dsq_sha256 *c, unsigned char out[32]);

/* Hex digest of data[0..n) (borrowed) into the caller's hex (65 bytes with
 * the NUL). */
void dsq_sha256_hex(const void *data, size_t n, char hex[65]);

#endif
