/* Byte-loop kernel: ASCII uppercase of a text buffer, the loop a guest runs
 * to normalise every message it sees. The text is mostly lowercase letters
 * with spaces, digits, punctuation and some UTF-8 bytes, which must pass
 * through unchanged. Size: passes over a 1 MiB buffer (full 1400, quick 8).
 * Each pass changes a few input bytes so no pass repeats the previous one. */
#include "kernel.h"

#define BUF_LEN (1u << 20)

/* Returns how many bytes changed, as callers of such a function usually
 * want to know whether anything did. Written without a branch on the byte:
 * clang turns the branchy form into a select for wasm while gcc keeps a jump
 * that mispredicts on mixed text, which would make the native baseline
 * several times slower than the code the wasm runners execute. */
static uint32_t ascii_upper(uint8_t *dst, const uint8_t *src, uint32_t n)
{
    uint32_t changed = 0;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t c = src[i];
        uint32_t lower = (uint8_t)(c - 'a') < 26;
        dst[i] = (uint8_t)(c - (lower << 5));
        changed += lower;
    }
    return changed;
}

static void make_text(uint8_t *buf, uint32_t n)
{
    static const char punct[] = " .,;:!?-'\"()";
    uint32_t s = 0x9e3779b9u;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = rng_next(&s);
        uint32_t k = r % 100;
        if (k < 70)
            buf[i] = (uint8_t)('a' + (r >> 8) % 26);
        else if (k < 85)
            buf[i] = ' ';
        else if (k < 90)
            buf[i] = (uint8_t)('A' + (r >> 8) % 26);
        else if (k < 94)
            buf[i] = (uint8_t)('0' + (r >> 8) % 10);
        else if (k < 98)
            buf[i] = (uint8_t)punct[(r >> 8) % (sizeof punct - 1)];
        else
            buf[i] = (uint8_t)(0x80 + (r >> 8) % 0x40); /* UTF-8 continuation bytes */
    }
}

int main(int argc, char **argv)
{
    uint32_t passes = kernel_size(argc, argv, 1400, 8);
    uint8_t *src = malloc(BUF_LEN);
    uint8_t *dst = malloc(BUF_LEN);
    if (!src || !dst) {
        fprintf(stderr, "upper: out of memory\n");
        return 1;
    }
    make_text(src, BUF_LEN);

    uint64_t sum = 0;
    for (uint32_t p = 0; p < passes; p++) {
        uint32_t changed = ascii_upper(dst, src, BUF_LEN);
        uint32_t at = (p * 7919u) % BUF_LEN;
        sum = mix64(sum, changed ^ ((uint64_t)dst[at] << 32));
        /* Flip the case of one letter so the next pass counts differently. */
        uint32_t flip = (p * 104729u + 17u) % BUF_LEN;
        if ((src[flip] | 0x20) >= 'a' && (src[flip] | 0x20) <= 'z')
            src[flip] ^= 0x20;
    }
    for (uint32_t i = 0; i < BUF_LEN; i += 8) {
        uint64_t w;
        memcpy(&w, dst + i, 8);
        sum = mix64(sum, w);
    }
    free(src);
    free(dst);
    return kernel_report("upper", passes, sum);
}
