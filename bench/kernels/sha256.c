/* Hashing kernel: SHA-256 (FIPS 180-4) over a long stream, the 32-bit
 * rotate/add/xor work of signing or deduplicating messages. The stream is a
 * 1 MiB pseudo-random buffer fed to one running hash again and again, with
 * one byte changed between feeds. Size: MiB hashed (full 320, quick 4).
 * Checked against the FIPS test vector "abc" at start-up. */
#include "kernel.h"

#define BUF_LEN (1u << 20)

typedef struct sha256 {
    uint32_t h[8];
    uint8_t  block[64];
    uint32_t used;     /* bytes waiting in block */
    uint64_t total;    /* bytes fed so far */
} sha256;

static const uint32_t round_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static inline uint32_t ror32(uint32_t x, unsigned n)
{
    return (x >> n) | (x << (32 - n));
}

static void compress(uint32_t h[8], const uint8_t *p)
{
    uint32_t w[64];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)p[4 * i] << 24 | (uint32_t)p[4 * i + 1] << 16 |
               (uint32_t)p[4 * i + 2] << 8 | (uint32_t)p[4 * i + 3];
    for (int i = 16; i < 64; i++) {
        uint32_t s0 = ror32(w[i - 15], 7) ^ ror32(w[i - 15], 18) ^ (w[i - 15] >> 3);
        uint32_t s1 = ror32(w[i - 2], 17) ^ ror32(w[i - 2], 19) ^ (w[i - 2] >> 10);
        w[i] = w[i - 16] + s0 + w[i - 7] + s1;
    }
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    uint32_t e = h[4], f = h[5], g = h[6], k = h[7];
    for (int i = 0; i < 64; i++) {
        uint32_t t1 = k + (ror32(e, 6) ^ ror32(e, 11) ^ ror32(e, 25)) + ((e & f) ^ (~e & g)) +
                      round_k[i] + w[i];
        uint32_t t2 = (ror32(a, 2) ^ ror32(a, 13) ^ ror32(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
        k = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d;
    h[4] += e; h[5] += f; h[6] += g; h[7] += k;
}

static void sha256_init(sha256 *s)
{
    static const uint32_t iv[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, iv, sizeof iv);
    s->used = 0;
    s->total = 0;
}

static void sha256_update(sha256 *s, const uint8_t *p, uint32_t n)
{
    s->total += n;
    if (s->used) {
        uint32_t take = 64 - s->used < n ? 64 - s->used : n;
        memcpy(s->block + s->used, p, take);
        s->used += take;
        p += take;
        n -= take;
        if (s->used < 64)
            return;
        compress(s->h, s->block);
        s->used = 0;
    }
    for (; n >= 64; p += 64, n -= 64)
        compress(s->h, p);
    memcpy(s->block, p, n);
    s->used = n;
}

static void sha256_final(sha256 *s, uint8_t out[32])
{
    uint64_t bits = s->total * 8;
    uint8_t pad[72] = {0x80};
    uint32_t padlen = (s->used < 56 ? 56 : 120) - s->used;
    for (int i = 0; i < 8; i++)
        pad[padlen + i] = (uint8_t)(bits >> (56 - 8 * i));
    sha256_update(s, pad, padlen + 8);
    for (int i = 0; i < 8; i++) {
        out[4 * i] = (uint8_t)(s->h[i] >> 24);
        out[4 * i + 1] = (uint8_t)(s->h[i] >> 16);
        out[4 * i + 2] = (uint8_t)(s->h[i] >> 8);
        out[4 * i + 3] = (uint8_t)s->h[i];
    }
}

/* A wrong implementation would still give matching checksums across
 * runners, so check one known answer before timing anything. */
static int self_test(void)
{
    static const uint8_t want[32] = {
        0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
        0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
    sha256 s;
    uint8_t got[32];
    sha256_init(&s);
    sha256_update(&s, (const uint8_t *)"abc", 3);
    sha256_final(&s, got);
    return memcmp(got, want, 32) == 0;
}

int main(int argc, char **argv)
{
    uint32_t mib = kernel_size(argc, argv, 320, 4);
    if (!self_test()) {
        fprintf(stderr, "sha256: self-test failed (digest of \"abc\" is wrong)\n");
        return 1;
    }
    uint8_t *buf = malloc(BUF_LEN);
    if (!buf) {
        fprintf(stderr, "sha256: out of memory\n");
        return 1;
    }
    uint32_t st = 0x2545f491u;
    for (uint32_t i = 0; i < BUF_LEN; i += 4) {
        uint32_t r = rng_next(&st);
        memcpy(buf + i, &r, 4);
    }

    sha256 s;
    uint8_t digest[32];
    sha256_init(&s);
    for (uint32_t i = 0; i < mib; i++) {
        /* An odd-sized first piece keeps the block buffer path in use. */
        sha256_update(&s, buf, 1000);
        sha256_update(&s, buf + 1000, BUF_LEN - 1000);
        buf[(i * 2654435761u) % BUF_LEN] ^= (uint8_t)(i + 1);
    }
    sha256_final(&s, digest);
    free(buf);

    uint64_t sum = 0;
    for (int i = 0; i < 32; i += 8) {
        uint64_t w = 0;
        for (int j = 0; j < 8; j++)
            w = w << 8 | digest[i + j];
        sum = mix64(sum, w);
    }
    return kernel_report("sha256", mib, sum);
}
