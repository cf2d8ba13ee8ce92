/* Copy-heavy kernel: the memcpy/memmove/memset traffic of assembling and
 * clearing message buffers. Each round copies records of mixed sizes (mostly
 * 8-512 bytes, sometimes 4-64 KiB) from a source pool into an output arena,
 * shifts part of the arena with an overlapping memmove, and clears slots with
 * memset. Lengths and offsets are random, so the C library's routines are
 * called rather than inlined. Size: rounds of 4096 operations (full 12000,
 * quick 16). */
#include "kernel.h"

#define POOL_LEN  (1u << 18)   /* 256 KiB of source records */
#define ARENA_LEN (1u << 18)   /* 256 KiB output arena */
#define OPS_PER_ROUND 4096u

static uint32_t pick_len(uint32_t *st)
{
    uint32_t r = rng_next(st);
    if ((r & 63) == 0)
        return 4096 + (r >> 8) % 61440;  /* 1 in 64: a large body */
    if ((r & 7) == 0)
        return 512 + (r >> 8) % 1536;    /* 1 in 8: a medium field */
    return 8 + (r >> 8) % 505;           /* the rest: small fields */
}

int main(int argc, char **argv)
{
    uint32_t rounds = kernel_size(argc, argv, 12000, 16);
    uint8_t *pool = malloc(POOL_LEN);
    uint8_t *arena = malloc(ARENA_LEN);
    if (!pool || !arena) {
        fprintf(stderr, "memops: out of memory\n");
        return 1;
    }
    uint32_t st = 0x1234567u;
    for (uint32_t i = 0; i < POOL_LEN; i++)
        pool[i] = (uint8_t)(rng_next(&st) >> 24);
    memset(arena, 0, ARENA_LEN);

    uint64_t sum = 0;
    for (uint32_t r = 0; r < rounds; r++) {
        uint32_t out = 0;
        for (uint32_t k = 0; k < OPS_PER_ROUND; k++) {
            uint32_t len = pick_len(&st);
            uint32_t from = rng_next(&st) % (POOL_LEN - len);
            if (out + len > ARENA_LEN)
                out = 0;
            uint32_t op = k & 7;
            if (op < 5) {
                memcpy(arena + out, pool + from, len);
            } else if (op < 7) {
                memset(arena + out, (int)(k & 0xff), len);
            } else {
                /* Shift a window by a few bytes, overlapping, as when a
                 * header is inserted in front of a body. */
                uint32_t shift = 1 + (len & 31);
                if (out + len + shift <= ARENA_LEN)
                    memmove(arena + out + shift, arena + out, len);
            }
            sum = mix64(sum, arena[out + (len >> 1)]);
            out += len;
        }
        /* Feed some output back into the pool so rounds differ. */
        memcpy(pool + (r * 4099u) % (POOL_LEN - 4096), arena + (r * 131u) % (ARENA_LEN - 4096),
               4096);
    }
    for (uint32_t i = 0; i < ARENA_LEN; i += 8) {
        uint64_t w;
        memcpy(&w, arena + i, 8);
        sum = mix64(sum, w);
    }
    free(pool);
    free(arena);
    return kernel_report("memops", rounds, sum);
}
