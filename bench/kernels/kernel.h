/* What every benchmark kernel shares: reading the size argument, a small
 * deterministic random generator for building inputs, and the one line of
 * output the harness compares between runners. Kernels are built both as
 * WASI commands (32-bit pointers) and natively (64-bit pointers), so nothing
 * that reaches the checksum may depend on pointer or `long` width, on
 * undefined behaviour, or on formatting that differs between C libraries. */
#ifndef BENCH_KERNEL_H
#define BENCH_KERNEL_H

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The size is argv[1]: "quick" for the smoke-test size, a positive number
 * for an explicit size, nothing for the full (about 1-2 s native) size. The
 * unit is each kernel's own and is named in its opening comment. */
static inline uint32_t kernel_size(int argc, char **argv, uint32_t full, uint32_t quick)
{
    if (argc < 2)
        return full;
    if (strcmp(argv[1], "quick") == 0)
        return quick;
    char *end = NULL;
    unsigned long long v = strtoull(argv[1], &end, 10);
    if (end == argv[1] || *end != '\0' || v == 0 || v > UINT32_MAX) {
        fprintf(stderr, "usage: %s [quick|N]  (N: a positive size, default %" PRIu32 ")\n",
                argv[0], full);
        exit(2);
    }
    return (uint32_t)v;
}

/* The size is part of the line so that a quick run can never be mistaken
 * for a full one when checksums are compared. */
static inline int kernel_report(const char *name, uint32_t size, uint64_t sum)
{
    printf("%s size=%" PRIu32 " checksum=%016" PRIx64 "\n", name, size, sum);
    return fflush(stdout) == 0 ? 0 : 1;
}

/* xorshift32: cheap and identical everywhere; the state must be non-zero. */
static inline uint32_t rng_next(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* Folds a value into a running 64-bit checksum (FNV-1a style, per word). */
static inline uint64_t mix64(uint64_t h, uint64_t v)
{
    h ^= v;
    h *= 0x100000001b3ull;
    h ^= h >> 29;
    return h;
}

#endif
