/* The lane-wise operations of the v128 instructions (simd.def), one static
 * inline helper per instruction, named rt_simd_<id>, in portable C.
 *
 * A v128 lives in two adjacent 8-byte frame slots holding its 16 bytes in
 * lane order (lane 0 first), which is memory order on a little-endian host;
 * the helpers copy it into an rt_v128 union, work lane by lane and copy the
 * result out. Every helper reads all of its operands before it writes the
 * result, because the result slot may be an operand's slot. Scalars are
 * read and written as the interpreter keeps them (i32/f32 in the low 32
 * bits of their slot, zero-extended).
 *
 * Floating-point lanes reuse the scalar helpers of numeric.h, so NaN
 * results, signed zeros and rounding are exactly those of the scalar
 * instructions, which follow the spec. Plain lane loops are what compilers
 * turn into vector instructions at -O2 where the semantics allow it.
 */
#ifndef WP_SIMD_OPS_H
#define WP_SIMD_OPS_H

#include <stdint.h>
#include <string.h>

#include "numeric.h"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#error "the v128 lane layout assumes a little-endian host"
#endif

typedef union rt_v128 {
    uint8_t  u8[16];
    int8_t   i8[16];
    uint16_t u16[8];
    int16_t  i16[8];
    uint32_t u32[4];
    int32_t  i32[4];
    uint64_t u64[2];
    int64_t  i64[2];
    float    f32[4];
    double   f64[2];
} rt_v128;

static inline rt_v128 rt_v128_get(const uint64_t *p)
{
    rt_v128 v;
    memcpy(&v, p, sizeof v);
    return v;
}

static inline void rt_v128_put(uint64_t *p, const rt_v128 *v)
{
    memcpy(p, v, sizeof *v);
}

/* ---------------------------------------------------------------- lane helpers */

static inline int32_t simd_sat_s(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : x > hi ? hi : x;
}

static inline uint32_t simd_mask32(int c) { return c ? UINT32_MAX : 0; }
static inline uint64_t simd_mask64(int c) { return c ? UINT64_MAX : 0; }

/* ---------------------------------------------------------------- generators */

/* Binary lane-wise op: r.F[i] = expr over a and b, for N lanes. */
#define SIMD_BIN(id, F, N, expr)                                                  \
    static inline void rt_simd_##id(uint64_t *d, const uint64_t *pa, const uint64_t *pb) \
    {                                                                             \
        rt_v128 a = rt_v128_get(pa), b = rt_v128_get(pb), r;                      \
        for (int i = 0; i < (N); i++)                                             \
            r.F[i] = (expr);                                                      \
        rt_v128_put(d, &r);                                                       \
    }

/* Unary lane-wise op. */
#define SIMD_UN(id, F, N, expr)                                                   \
    static inline void rt_simd_##id(uint64_t *d, const uint64_t *pa)              \
    {                                                                             \
        rt_v128 a = rt_v128_get(pa), r;                                           \
        for (int i = 0; i < (N); i++)                                             \
            r.F[i] = (expr);                                                      \
        rt_v128_put(d, &r);                                                       \
    }

/* Shift by a scalar i32 taken modulo the lane width. */
#define SIMD_SHIFT(id, F, N, W, expr)                                             \
    static inline void rt_simd_##id(uint64_t *d, const uint64_t *pa, const uint64_t *pb) \
    {                                                                             \
        rt_v128 a = rt_v128_get(pa), r;                                           \
        uint32_t n = (uint32_t)*pb & ((W) - 1);                                   \
        for (int i = 0; i < (N); i++)                                             \
            r.F[i] = (expr);                                                      \
        rt_v128_put(d, &r);                                                       \
    }

/* Splat of a scalar slot value. */
#define SIMD_SPLAT(id, F, N, T)                                                   \
    static inline void rt_simd_##id(uint64_t *d, const uint64_t *ps)              \
    {                                                                             \
        rt_v128 r;                                                                \
        T s;                                                                      \
        memcpy(&s, ps, sizeof s);                                                 \
        for (int i = 0; i < (N); i++)                                             \
            r.F[i] = s;                                                           \
        rt_v128_put(d, &r);                                                       \
    }

/* Lane extraction into a scalar slot (expr over a and lane). */
#define SIMD_EXTRACT(id, expr)                                                    \
    static inline void rt_simd_##id(uint64_t *d, const uint64_t *pa, uint32_t lane) \
    {                                                                             \
        rt_v128 a = rt_v128_get(pa);                                              \
        *d = (expr);                                                              \
    }

/* Lane replacement from a scalar slot of type T. */
#define SIMD_REPLACE(id, F, T)                                                    \
    static inline void rt_simd_##id(uint64_t *d, const uint64_t *pa, const uint64_t *ps, \
                                    uint32_t lane)                                \
    {                                                                             \
        rt_v128 r = rt_v128_get(pa);                                              \
        T s;                                                                      \
        memcpy(&s, ps, sizeof s);                                                 \
        r.F[lane] = s;                                                            \
        rt_v128_put(d, &r);                                                       \
    }

/* Load of `size` bytes widened lane by lane: r.F[i] = (cast)src.G[i]. */
#define SIMD_LOAD_EXTEND(id, F, G, N)                                             \
    static inline void rt_simd_##id(uint64_t *d, const uint8_t *p)                \
    {                                                                             \
        rt_v128 s, r;                                                             \
        memcpy(&s, p, 8);                                                         \
        for (int i = 0; i < (N); i++)                                             \
            r.F[i] = s.G[i];                                                      \
        rt_v128_put(d, &r);                                                       \
    }

#define SIMD_LOAD_SPLAT(id, F, N, T)                                              \
    static inline void rt_simd_##id(uint64_t *d, const uint8_t *p)                \
    {                                                                             \
        rt_v128 r;                                                                \
        T s;                                                                      \
        memcpy(&s, p, sizeof s);                                                  \
        for (int i = 0; i < (N); i++)                                             \
            r.F[i] = s;                                                           \
        rt_v128_put(d, &r);                                                       \
    }

/* Widening of the low (H = 0) or high (H = N) half of the narrower lanes. */
#define SIMD_EXTEND(id, F, G, N, H)                                               \
    SIMD_UN(id, F, N, a.G[i + (H)])

/* Widening multiply of the low or high halves. */
#define SIMD_EXTMUL(id, F, G, N, H, T)                                            \
    SIMD_BIN(id, F, N, (T)((T)a.G[i + (H)] * (T)b.G[i + (H)]))

/* Reductions to an i32. */
#define SIMD_ALL_TRUE(id, F, N)                                                   \
    static inline void rt_simd_##id(uint64_t *d, const uint64_t *pa)              \
    {                                                                             \
        rt_v128 a = rt_v128_get(pa);                                              \
        uint32_t r = 1;                                                           \
        for (int i = 0; i < (N); i++)                                             \
            r &= a.F[i] != 0;                                                     \
        *d = r;                                                                   \
    }

#define SIMD_BITMASK(id, F, N)                                                    \
    static inline void rt_simd_##id(uint64_t *d, const uint64_t *pa)              \
    {                                                                             \
        rt_v128 a = rt_v128_get(pa);                                              \
        uint32_t r = 0;                                                           \
        for (int i = 0; i < (N); i++)                                             \
            r |= (uint32_t)(a.F[i] < 0) << i;                                     \
        *d = r;                                                                   \
    }

/* ---------------------------------------------------------------- loads */

static inline void rt_simd_v128_load(uint64_t *d, const uint8_t *p) { memcpy(d, p, 16); }
SIMD_LOAD_EXTEND(v128_load8x8_s, i16, i8, 8)
SIMD_LOAD_EXTEND(v128_load8x8_u, u16, u8, 8)
SIMD_LOAD_EXTEND(v128_load16x4_s, i32, i16, 4)
SIMD_LOAD_EXTEND(v128_load16x4_u, u32, u16, 4)
SIMD_LOAD_EXTEND(v128_load32x2_s, i64, i32, 2)
SIMD_LOAD_EXTEND(v128_load32x2_u, u64, u32, 2)
SIMD_LOAD_SPLAT(v128_load8_splat, u8, 16, uint8_t)
SIMD_LOAD_SPLAT(v128_load16_splat, u16, 8, uint16_t)
SIMD_LOAD_SPLAT(v128_load32_splat, u32, 4, uint32_t)
SIMD_LOAD_SPLAT(v128_load64_splat, u64, 2, uint64_t)

static inline void rt_simd_v128_load32_zero(uint64_t *d, const uint8_t *p)
{
    rt_v128 r;
    memset(&r, 0, sizeof r);
    memcpy(&r.u32[0], p, 4);
    rt_v128_put(d, &r);
}

static inline void rt_simd_v128_load64_zero(uint64_t *d, const uint8_t *p)
{
    rt_v128 r;
    memset(&r, 0, sizeof r);
    memcpy(&r.u64[0], p, 8);
    rt_v128_put(d, &r);
}

/* Lane loads and stores: lane `lane` of `size` bytes. */
static inline void rt_simd_load_lane(uint64_t *d, const uint64_t *pv, const uint8_t *p,
                                     uint32_t lane, uint32_t size)
{
    rt_v128 r = rt_v128_get(pv);
    memcpy(r.u8 + lane * size, p, size);
    rt_v128_put(d, &r);
}

static inline void rt_simd_store_lane(uint8_t *p, const uint64_t *pv, uint32_t lane,
                                      uint32_t size)
{
    rt_v128 v = rt_v128_get(pv);
    memcpy(p, v.u8 + lane * size, size);
}

/* ---------------------------------------------------------------- shuffle, swizzle, lanes */

static inline void rt_simd_i8x16_shuffle(uint64_t *d, const uint64_t *pa, const uint64_t *pb,
                                         const uint32_t *imm)
{
    rt_v128 a = rt_v128_get(pa), b = rt_v128_get(pb), r;
    uint8_t idx[16];
    memcpy(idx, imm, sizeof idx);
    for (int i = 0; i < 16; i++)
        r.u8[i] = idx[i] < 16 ? a.u8[idx[i]] : b.u8[(idx[i] - 16) & 15];
    rt_v128_put(d, &r);
}

SIMD_BIN(i8x16_swizzle, u8, 16, b.u8[i] < 16 ? a.u8[b.u8[i]] : 0)

SIMD_SPLAT(i8x16_splat, u8, 16, uint8_t)
SIMD_SPLAT(i16x8_splat, u16, 8, uint16_t)
SIMD_SPLAT(i32x4_splat, u32, 4, uint32_t)
SIMD_SPLAT(i64x2_splat, u64, 2, uint64_t)
SIMD_SPLAT(f32x4_splat, u32, 4, uint32_t)
SIMD_SPLAT(f64x2_splat, u64, 2, uint64_t)

SIMD_EXTRACT(i8x16_extract_lane_s, (uint32_t)(int32_t)a.i8[lane])
SIMD_EXTRACT(i8x16_extract_lane_u, a.u8[lane])
SIMD_EXTRACT(i16x8_extract_lane_s, (uint32_t)(int32_t)a.i16[lane])
SIMD_EXTRACT(i16x8_extract_lane_u, a.u16[lane])
SIMD_EXTRACT(i32x4_extract_lane, a.u32[lane])
SIMD_EXTRACT(i64x2_extract_lane, a.u64[lane])
SIMD_EXTRACT(f32x4_extract_lane, a.u32[lane])
SIMD_EXTRACT(f64x2_extract_lane, a.u64[lane])

SIMD_REPLACE(i8x16_replace_lane, u8, uint8_t)
SIMD_REPLACE(i16x8_replace_lane, u16, uint16_t)
SIMD_REPLACE(i32x4_replace_lane, u32, uint32_t)
SIMD_REPLACE(i64x2_replace_lane, u64, uint64_t)
SIMD_REPLACE(f32x4_replace_lane, u32, uint32_t)
SIMD_REPLACE(f64x2_replace_lane, u64, uint64_t)

/* ---------------------------------------------------------------- comparisons (all-ones lanes) */

#define SIMD_CMP(sh, F, S, U, N, M)                                              \
    SIMD_BIN(sh##_eq, U, N, (M)(a.U[i] == b.U[i] ? -1 : 0))                      \
    SIMD_BIN(sh##_ne, U, N, (M)(a.U[i] != b.U[i] ? -1 : 0))                      \
    SIMD_BIN(sh##_lt_s, U, N, (M)(a.S[i] < b.S[i] ? -1 : 0))                     \
    SIMD_BIN(sh##_lt_u, U, N, (M)(a.U[i] < b.U[i] ? -1 : 0))                     \
    SIMD_BIN(sh##_gt_s, U, N, (M)(a.S[i] > b.S[i] ? -1 : 0))                     \
    SIMD_BIN(sh##_gt_u, U, N, (M)(a.U[i] > b.U[i] ? -1 : 0))                     \
    SIMD_BIN(sh##_le_s, U, N, (M)(a.S[i] <= b.S[i] ? -1 : 0))                    \
    SIMD_BIN(sh##_le_u, U, N, (M)(a.U[i] <= b.U[i] ? -1 : 0))                    \
    SIMD_BIN(sh##_ge_s, U, N, (M)(a.S[i] >= b.S[i] ? -1 : 0))                    \
    SIMD_BIN(sh##_ge_u, U, N, (M)(a.U[i] >= b.U[i] ? -1 : 0))

SIMD_CMP(i8x16, 0, i8, u8, 16, uint8_t)
SIMD_CMP(i16x8, 0, i16, u16, 8, uint16_t)
SIMD_CMP(i32x4, 0, i32, u32, 4, uint32_t)

SIMD_BIN(i64x2_eq, u64, 2, simd_mask64(a.u64[i] == b.u64[i]))
SIMD_BIN(i64x2_ne, u64, 2, simd_mask64(a.u64[i] != b.u64[i]))
SIMD_BIN(i64x2_lt_s, u64, 2, simd_mask64(a.i64[i] < b.i64[i]))
SIMD_BIN(i64x2_gt_s, u64, 2, simd_mask64(a.i64[i] > b.i64[i]))
SIMD_BIN(i64x2_le_s, u64, 2, simd_mask64(a.i64[i] <= b.i64[i]))
SIMD_BIN(i64x2_ge_s, u64, 2, simd_mask64(a.i64[i] >= b.i64[i]))

/* Ordered comparisons are false on NaN, ne is true. */
SIMD_BIN(f32x4_eq, u32, 4, simd_mask32(a.f32[i] == b.f32[i]))
SIMD_BIN(f32x4_ne, u32, 4, simd_mask32(a.f32[i] != b.f32[i]))
SIMD_BIN(f32x4_lt, u32, 4, simd_mask32(a.f32[i] < b.f32[i]))
SIMD_BIN(f32x4_gt, u32, 4, simd_mask32(a.f32[i] > b.f32[i]))
SIMD_BIN(f32x4_le, u32, 4, simd_mask32(a.f32[i] <= b.f32[i]))
SIMD_BIN(f32x4_ge, u32, 4, simd_mask32(a.f32[i] >= b.f32[i]))
SIMD_BIN(f64x2_eq, u64, 2, simd_mask64(a.f64[i] == b.f64[i]))
SIMD_BIN(f64x2_ne, u64, 2, simd_mask64(a.f64[i] != b.f64[i]))
SIMD_BIN(f64x2_lt, u64, 2, simd_mask64(a.f64[i] < b.f64[i]))
SIMD_BIN(f64x2_gt, u64, 2, simd_mask64(a.f64[i] > b.f64[i]))
SIMD_BIN(f64x2_le, u64, 2, simd_mask64(a.f64[i] <= b.f64[i]))
SIMD_BIN(f64x2_ge, u64, 2, simd_mask64(a.f64[i] >= b.f64[i]))

/* ---------------------------------------------------------------- bitwise */

SIMD_UN(v128_not, u64, 2, ~a.u64[i])
SIMD_BIN(v128_and, u64, 2, a.u64[i] & b.u64[i])
SIMD_BIN(v128_andnot, u64, 2, a.u64[i] & ~b.u64[i])
SIMD_BIN(v128_or, u64, 2, a.u64[i] | b.u64[i])
SIMD_BIN(v128_xor, u64, 2, a.u64[i] ^ b.u64[i])

static inline void rt_simd_v128_bitselect(uint64_t *d, const uint64_t *pa, const uint64_t *pb,
                                          const uint64_t *pc)
{
    rt_v128 a = rt_v128_get(pa), b = rt_v128_get(pb), c = rt_v128_get(pc), r;
    for (int i = 0; i < 2; i++)
        r.u64[i] = (a.u64[i] & c.u64[i]) | (b.u64[i] & ~c.u64[i]);
    rt_v128_put(d, &r);
}

static inline void rt_simd_v128_any_true(uint64_t *d, const uint64_t *pa)
{
    rt_v128 a = rt_v128_get(pa);
    *d = (a.u64[0] | a.u64[1]) != 0;
}

SIMD_ALL_TRUE(i8x16_all_true, u8, 16)
SIMD_ALL_TRUE(i16x8_all_true, u16, 8)
SIMD_ALL_TRUE(i32x4_all_true, u32, 4)
SIMD_ALL_TRUE(i64x2_all_true, u64, 2)
SIMD_BITMASK(i8x16_bitmask, i8, 16)
SIMD_BITMASK(i16x8_bitmask, i16, 8)
SIMD_BITMASK(i32x4_bitmask, i32, 4)
SIMD_BITMASK(i64x2_bitmask, i64, 2)

/* ---------------------------------------------------------------- integer arithmetic */

/* Lanes of the same width: add, sub, neg, abs wrap (abs of the minimum is
 * the minimum), computed on unsigned lanes so nothing overflows in C. */
#define SIMD_INT_BASIC(sh, S, U, N, T)                                           \
    SIMD_BIN(sh##_add, U, N, (T)(a.U[i] + b.U[i]))                               \
    SIMD_BIN(sh##_sub, U, N, (T)(a.U[i] - b.U[i]))                               \
    SIMD_UN(sh##_neg, U, N, (T)(0u - a.U[i]))                                    \
    SIMD_UN(sh##_abs, U, N, (T)(a.S[i] < 0 ? 0u - a.U[i] : a.U[i]))

SIMD_INT_BASIC(i8x16, i8, u8, 16, uint8_t)
SIMD_INT_BASIC(i16x8, i16, u16, 8, uint16_t)
SIMD_INT_BASIC(i32x4, i32, u32, 4, uint32_t)
SIMD_INT_BASIC(i64x2, i64, u64, 2, uint64_t)

SIMD_BIN(i16x8_mul, u16, 8, (uint16_t)((uint32_t)a.u16[i] * b.u16[i]))
SIMD_BIN(i32x4_mul, u32, 4, (uint32_t)((uint64_t)a.u32[i] * b.u32[i]))
SIMD_BIN(i64x2_mul, u64, 2, a.u64[i] * b.u64[i])

#define SIMD_MINMAX(sh, S, U, N)                                                 \
    SIMD_BIN(sh##_min_s, S, N, a.S[i] < b.S[i] ? a.S[i] : b.S[i])                \
    SIMD_BIN(sh##_min_u, U, N, a.U[i] < b.U[i] ? a.U[i] : b.U[i])                \
    SIMD_BIN(sh##_max_s, S, N, a.S[i] > b.S[i] ? a.S[i] : b.S[i])                \
    SIMD_BIN(sh##_max_u, U, N, a.U[i] > b.U[i] ? a.U[i] : b.U[i])

SIMD_MINMAX(i8x16, i8, u8, 16)
SIMD_MINMAX(i16x8, i16, u16, 8)
SIMD_MINMAX(i32x4, i32, u32, 4)

#define SIMD_SAT(sh, S, U, N, SMIN, SMAX, UMAX)                                  \
    SIMD_BIN(sh##_add_sat_s, S, N, simd_sat_s((int32_t)a.S[i] + b.S[i], SMIN, SMAX)) \
    SIMD_BIN(sh##_add_sat_u, U, N, simd_sat_s((int32_t)a.U[i] + b.U[i], 0, UMAX))    \
    SIMD_BIN(sh##_sub_sat_s, S, N, simd_sat_s((int32_t)a.S[i] - b.S[i], SMIN, SMAX)) \
    SIMD_BIN(sh##_sub_sat_u, U, N, simd_sat_s((int32_t)a.U[i] - b.U[i], 0, UMAX))    \
    SIMD_BIN(sh##_avgr_u, U, N, ((uint32_t)a.U[i] + b.U[i] + 1) >> 1)

SIMD_SAT(i8x16, i8, u8, 16, INT8_MIN, INT8_MAX, UINT8_MAX)
SIMD_SAT(i16x8, i16, u16, 8, INT16_MIN, INT16_MAX, UINT16_MAX)

SIMD_UN(i8x16_popcnt, u8, 16, rt_i32_popcnt(a.u8[i]))

SIMD_BIN(i16x8_q15mulr_sat_s, i16, 8,
         simd_sat_s(((int32_t)a.i16[i] * b.i16[i] + 0x4000) >> 15, INT16_MIN, INT16_MAX))

static inline void rt_simd_i32x4_dot_i16x8_s(uint64_t *d, const uint64_t *pa, const uint64_t *pb)
{
    rt_v128 a = rt_v128_get(pa), b = rt_v128_get(pb), r;
    for (int i = 0; i < 4; i++) {
        int64_t s = (int64_t)a.i16[2 * i] * b.i16[2 * i] +
                    (int64_t)a.i16[2 * i + 1] * b.i16[2 * i + 1];
        r.u32[i] = (uint32_t)s;   /* wraps only for (-2^15)^2 * 2 */
    }
    rt_v128_put(d, &r);
}

/* Shifts: the count is taken modulo the lane width; shr_s is arithmetic. */
SIMD_SHIFT(i8x16_shl, u8, 16, 8, (uint8_t)(a.u8[i] << n))
SIMD_SHIFT(i8x16_shr_s, i8, 16, 8, (int8_t)(a.i8[i] >> n))
SIMD_SHIFT(i8x16_shr_u, u8, 16, 8, (uint8_t)(a.u8[i] >> n))
SIMD_SHIFT(i16x8_shl, u16, 8, 16, (uint16_t)(a.u16[i] << n))
SIMD_SHIFT(i16x8_shr_s, i16, 8, 16, (int16_t)(a.i16[i] >> n))
SIMD_SHIFT(i16x8_shr_u, u16, 8, 16, (uint16_t)(a.u16[i] >> n))
SIMD_SHIFT(i32x4_shl, u32, 4, 32, a.u32[i] << n)
SIMD_SHIFT(i32x4_shr_s, u32, 4, 32, rt_i32_shr_s(a.u32[i], n))
SIMD_SHIFT(i32x4_shr_u, u32, 4, 32, a.u32[i] >> n)
SIMD_SHIFT(i64x2_shl, u64, 2, 64, a.u64[i] << n)
SIMD_SHIFT(i64x2_shr_s, u64, 2, 64, rt_i64_shr_s(a.u64[i], n))
SIMD_SHIFT(i64x2_shr_u, u64, 2, 64, a.u64[i] >> n)

/* ---------------------------------------------------------------- narrow, extend, extmul, pairwise */

/* Narrowing saturates the signed input lanes; lanes of a first, then b. */
#define SIMD_NARROW(id, F, G, N, LO, HI)                                         \
    static inline void rt_simd_##id(uint64_t *d, const uint64_t *pa, const uint64_t *pb) \
    {                                                                            \
        rt_v128 a = rt_v128_get(pa), b = rt_v128_get(pb), r;                     \
        for (int i = 0; i < (N); i++) {                                          \
            r.F[i] = simd_sat_s(a.G[i], LO, HI);                                 \
            r.F[i + (N)] = simd_sat_s(b.G[i], LO, HI);                           \
        }                                                                        \
        rt_v128_put(d, &r);                                                      \
    }

SIMD_NARROW(i8x16_narrow_i16x8_s, i8, i16, 8, INT8_MIN, INT8_MAX)
SIMD_NARROW(i8x16_narrow_i16x8_u, u8, i16, 8, 0, UINT8_MAX)
SIMD_NARROW(i16x8_narrow_i32x4_s, i16, i32, 4, INT16_MIN, INT16_MAX)
SIMD_NARROW(i16x8_narrow_i32x4_u, u16, i32, 4, 0, UINT16_MAX)

SIMD_EXTEND(i16x8_extend_low_i8x16_s, i16, i8, 8, 0)
SIMD_EXTEND(i16x8_extend_high_i8x16_s, i16, i8, 8, 8)
SIMD_EXTEND(i16x8_extend_low_i8x16_u, u16, u8, 8, 0)
SIMD_EXTEND(i16x8_extend_high_i8x16_u, u16, u8, 8, 8)
SIMD_EXTEND(i32x4_extend_low_i16x8_s, i32, i16, 4, 0)
SIMD_EXTEND(i32x4_extend_high_i16x8_s, i32, i16, 4, 4)
SIMD_EXTEND(i32x4_extend_low_i16x8_u, u32, u16, 4, 0)
SIMD_EXTEND(i32x4_extend_high_i16x8_u, u32, u16, 4, 4)
SIMD_EXTEND(i64x2_extend_low_i32x4_s, i64, i32, 2, 0)
SIMD_EXTEND(i64x2_extend_high_i32x4_s, i64, i32, 2, 2)
SIMD_EXTEND(i64x2_extend_low_i32x4_u, u64, u32, 2, 0)
SIMD_EXTEND(i64x2_extend_high_i32x4_u, u64, u32, 2, 2)

/* The products fit the wide lane except (-2^(w-1))^2 for i64x2, which
 * wraps as the spec says; unsigned arithmetic keeps that defined. */
SIMD_EXTMUL(i16x8_extmul_low_i8x16_s, i16, i8, 8, 0, int32_t)
SIMD_EXTMUL(i16x8_extmul_high_i8x16_s, i16, i8, 8, 8, int32_t)
SIMD_EXTMUL(i16x8_extmul_low_i8x16_u, u16, u8, 8, 0, uint32_t)
SIMD_EXTMUL(i16x8_extmul_high_i8x16_u, u16, u8, 8, 8, uint32_t)
SIMD_EXTMUL(i32x4_extmul_low_i16x8_s, i32, i16, 4, 0, int32_t)
SIMD_EXTMUL(i32x4_extmul_high_i16x8_s, i32, i16, 4, 4, int32_t)
SIMD_EXTMUL(i32x4_extmul_low_i16x8_u, u32, u16, 4, 0, uint32_t)
SIMD_EXTMUL(i32x4_extmul_high_i16x8_u, u32, u16, 4, 4, uint32_t)
SIMD_EXTMUL(i64x2_extmul_low_i32x4_s, i64, i32, 2, 0, int64_t)
SIMD_EXTMUL(i64x2_extmul_high_i32x4_s, i64, i32, 2, 2, int64_t)
SIMD_EXTMUL(i64x2_extmul_low_i32x4_u, u64, u32, 2, 0, uint64_t)
SIMD_EXTMUL(i64x2_extmul_high_i32x4_u, u64, u32, 2, 2, uint64_t)

SIMD_UN(i16x8_extadd_pairwise_i8x16_s, i16, 8, (int16_t)(a.i8[2 * i] + a.i8[2 * i + 1]))
SIMD_UN(i16x8_extadd_pairwise_i8x16_u, u16, 8, (uint16_t)(a.u8[2 * i] + a.u8[2 * i + 1]))
SIMD_UN(i32x4_extadd_pairwise_i16x8_s, i32, 4, (int32_t)a.i16[2 * i] + a.i16[2 * i + 1])
SIMD_UN(i32x4_extadd_pairwise_i16x8_u, u32, 4, (uint32_t)a.u16[2 * i] + a.u16[2 * i + 1])

/* ---------------------------------------------------------------- floating point */

#define SIMD_FLOAT(sh, F, U, N, T, fromb, tob)                                   \
    SIMD_UN(sh##_abs, U, N, rt_##T##_abs(a.U[i]))                                \
    SIMD_UN(sh##_neg, U, N, rt_##T##_neg(a.U[i]))                                \
    SIMD_UN(sh##_sqrt, F, N, rt_##T##_sqrt(a.F[i]))                              \
    SIMD_UN(sh##_ceil, F, N, rt_##T##_ceil(a.F[i]))                              \
    SIMD_UN(sh##_floor, F, N, rt_##T##_floor(a.F[i]))                            \
    SIMD_UN(sh##_trunc, F, N, rt_##T##_trunc(a.F[i]))                            \
    SIMD_UN(sh##_nearest, F, N, rt_##T##_nearest(a.F[i]))                        \
    SIMD_BIN(sh##_add, F, N, a.F[i] + b.F[i])                                    \
    SIMD_BIN(sh##_sub, F, N, a.F[i] - b.F[i])                                    \
    SIMD_BIN(sh##_mul, F, N, a.F[i] * b.F[i])                                    \
    SIMD_BIN(sh##_div, F, N, a.F[i] / b.F[i])                                    \
    SIMD_BIN(sh##_min, F, N, rt_##T##_min(a.F[i], b.F[i]))                       \
    SIMD_BIN(sh##_max, F, N, rt_##T##_max(a.F[i], b.F[i]))                       \
    /* pmin/pmax: b < a ? b : a and a < b ? b : a, on the raw bits. */           \
    SIMD_BIN(sh##_pmin, U, N, b.F[i] < a.F[i] ? b.U[i] : a.U[i])                 \
    SIMD_BIN(sh##_pmax, U, N, a.F[i] < b.F[i] ? b.U[i] : a.U[i])

SIMD_FLOAT(f32x4, f32, u32, 4, f32, 0, 0)
SIMD_FLOAT(f64x2, f64, u64, 2, f64, 0, 0)

/* ---------------------------------------------------------------- conversions */

SIMD_UN(i32x4_trunc_sat_f32x4_s, u32, 4, rt_i32_trunc_sat_f32_s(a.f32[i]))
SIMD_UN(i32x4_trunc_sat_f32x4_u, u32, 4, rt_i32_trunc_sat_f32_u(a.f32[i]))
SIMD_UN(f32x4_convert_i32x4_s, f32, 4, rt_f32_convert_i32_s(a.u32[i]))
SIMD_UN(f32x4_convert_i32x4_u, f32, 4, rt_f32_convert_i32_u(a.u32[i]))
SIMD_UN(i32x4_trunc_sat_f64x2_s_zero, u32, 4, i < 2 ? rt_i32_trunc_sat_f64_s(a.f64[i]) : 0)
SIMD_UN(i32x4_trunc_sat_f64x2_u_zero, u32, 4, i < 2 ? rt_i32_trunc_sat_f64_u(a.f64[i]) : 0)
SIMD_UN(f64x2_convert_low_i32x4_s, f64, 2, rt_f64_convert_i32_s(a.u32[i]))
SIMD_UN(f64x2_convert_low_i32x4_u, f64, 2, rt_f64_convert_i32_u(a.u32[i]))
SIMD_UN(f32x4_demote_f64x2_zero, f32, 4, i < 2 ? rt_f32_demote_f64(a.f64[i]) : 0.0f)
SIMD_UN(f64x2_promote_low_f32x4, f64, 2, rt_f64_promote_f32(a.f32[i]))

#undef SIMD_BIN
#undef SIMD_UN
#undef SIMD_SHIFT
#undef SIMD_SPLAT
#undef SIMD_EXTRACT
#undef SIMD_REPLACE
#undef SIMD_LOAD_EXTEND
#undef SIMD_LOAD_SPLAT
#undef SIMD_EXTEND
#undef SIMD_EXTMUL
#undef SIMD_ALL_TRUE
#undef SIMD_BITMASK
#undef SIMD_CMP
#undef SIMD_INT_BASIC
#undef SIMD_MINMAX
#undef SIMD_SAT
#undef SIMD_NARROW
#undef SIMD_FLOAT

#endif
