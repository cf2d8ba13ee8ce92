/* SHA-256 (FIPS 180-4), for the compile cache's keys and checksums. */
#ifndef WP_SHA256_H
#define WP_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct rt_sha256 {
    uint32_t h[8];
    uint64_t total;      /* bytes hashed so far */
    uint8_t  buf[64];
    size_t   nbuf;
} rt_sha256;

void rt_sha256_init(rt_sha256 *s);
void rt_sha256_add(rt_sha256 *s, const void *data, size_t len);
void rt_sha256_done(rt_sha256 *s, uint8_t out[32]);

#endif
