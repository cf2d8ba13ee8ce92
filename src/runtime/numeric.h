/* The numeric semantics of WebAssembly that C does not give directly: bit
 * views of floats, integer operations whose C form is undefined for some
 * inputs (shifts by the width, clz of 0, INT_MIN / -1), float min/max and
 * rounding with the spec's NaN and signed-zero rules, and float-to-integer
 * truncation with its exact trap boundaries. Everything is static inline so
 * the interpreter's handlers compile to straight-line code with no calls;
 * each function is also tested on its own (tests/runtime/test_numeric.c).
 *
 * Float arithmetic relies on IEEE 754 binary32/binary64 with round to
 * nearest, ties to even (the default environment, never changed here).
 */
#ifndef WP_NUMERIC_H
#define WP_NUMERIC_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "wasmpipe/runtime.h"

/* ---------------------------------------------------------------- bit views */

static inline float rt_f32_from_bits(uint32_t b)
{
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

static inline uint32_t rt_f32_bits(float f)
{
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    return b;
}

static inline double rt_f64_from_bits(uint64_t b)
{
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

static inline uint64_t rt_f64_bits(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    return b;
}

/* ---------------------------------------------------------------- integers */

static inline uint32_t rt_i32_clz(uint32_t x)
{
#if defined(__GNUC__)
    return x ? (uint32_t)__builtin_clz(x) : 32u;
#else
    uint32_t n = 0;
    if (!x)
        return 32;
    while (!(x & 0x80000000u)) {
        x <<= 1;
        n++;
    }
    return n;
#endif
}

static inline uint32_t rt_i32_ctz(uint32_t x)
{
#if defined(__GNUC__)
    return x ? (uint32_t)__builtin_ctz(x) : 32u;
#else
    uint32_t n = 0;
    if (!x)
        return 32;
    while (!(x & 1u)) {
        x >>= 1;
        n++;
    }
    return n;
#endif
}

static inline uint32_t rt_i32_popcnt(uint32_t x)
{
#if defined(__GNUC__)
    return (uint32_t)__builtin_popcount(x);
#else
    uint32_t n = 0;
    for (; x; x &= x - 1)
        n++;
    return n;
#endif
}

static inline uint64_t rt_i64_clz(uint64_t x)
{
#if defined(__GNUC__)
    return x ? (uint64_t)__builtin_clzll(x) : 64u;
#else
    uint32_t hi = (uint32_t)(x >> 32);
    return hi ? rt_i32_clz(hi) : 32u + rt_i32_clz((uint32_t)x);
#endif
}

static inline uint64_t rt_i64_ctz(uint64_t x)
{
#if defined(__GNUC__)
    return x ? (uint64_t)__builtin_ctzll(x) : 64u;
#else
    uint32_t lo = (uint32_t)x;
    return lo ? rt_i32_ctz(lo) : 32u + rt_i32_ctz((uint32_t)(x >> 32));
#endif
}

static inline uint64_t rt_i64_popcnt(uint64_t x)
{
#if defined(__GNUC__)
    return (uint64_t)__builtin_popcountll(x);
#else
    return rt_i32_popcnt((uint32_t)x) + rt_i32_popcnt((uint32_t)(x >> 32));
#endif
}

/* Arithmetic right shift written with unsigned operations only: C leaves
 * >> of a negative value implementation-defined. */
static inline uint32_t rt_i32_shr_s(uint32_t x, uint32_t n)
{
    n &= 31u;
    uint32_t sign = (uint32_t)0 - (x >> 31);          /* all ones if negative */
    return ((x ^ sign) >> n) ^ sign;
}

static inline uint64_t rt_i64_shr_s(uint64_t x, uint64_t n)
{
    n &= 63u;
    uint64_t sign = (uint64_t)0 - (x >> 63);
    return ((x ^ sign) >> n) ^ sign;
}

static inline uint32_t rt_i32_rotl(uint32_t x, uint32_t n)
{
    n &= 31u;
    return (x << n) | (x >> ((32u - n) & 31u));
}

static inline uint32_t rt_i32_rotr(uint32_t x, uint32_t n)
{
    n &= 31u;
    return (x >> n) | (x << ((32u - n) & 31u));
}

static inline uint64_t rt_i64_rotl(uint64_t x, uint64_t n)
{
    n &= 63u;
    return (x << n) | (x >> ((64u - n) & 63u));
}

static inline uint64_t rt_i64_rotr(uint64_t x, uint64_t n)
{
    n &= 63u;
    return (x >> n) | (x << ((64u - n) & 63u));
}

/* Sign extension of the low bits, without converting out-of-range values
 * to a signed type: flip the sign bit, then subtract its weight. */
static inline uint32_t rt_i32_extend8_s(uint32_t x)
{
    return ((x & 0xffu) ^ 0x80u) - 0x80u;
}

static inline uint32_t rt_i32_extend16_s(uint32_t x)
{
    return ((x & 0xffffu) ^ 0x8000u) - 0x8000u;
}

static inline uint64_t rt_i64_extend8_s(uint64_t x)
{
    return ((x & 0xffu) ^ 0x80u) - 0x80u;
}

static inline uint64_t rt_i64_extend16_s(uint64_t x)
{
    return ((x & 0xffffu) ^ 0x8000u) - 0x8000u;
}

static inline uint64_t rt_i64_extend32_s(uint64_t x)
{
    return ((x & 0xffffffffu) ^ 0x80000000u) - 0x80000000u;
}

/* Signed comparisons on the two's complement bit patterns. */
static inline int32_t rt_i32_signed(uint32_t x)
{
    return x < 0x80000000u ? (int32_t)x : (int32_t)(x - 0x80000000u) - INT32_MAX - 1;
}

static inline int64_t rt_i64_signed(uint64_t x)
{
    return x < 0x8000000000000000u ? (int64_t)x
                                   : (int64_t)(x - 0x8000000000000000u) - INT64_MAX - 1;
}

/* Division: each returns WP_TRAP_NONE and sets *out, or the trap. */
static inline wp_trap_kind rt_i32_div_s(uint32_t a, uint32_t b, uint32_t *out)
{
    if (b == 0)
        return WP_TRAP_DIV_ZERO;
    if (a == 0x80000000u && b == 0xffffffffu)
        return WP_TRAP_INT_OVERFLOW;
    *out = (uint32_t)(rt_i32_signed(a) / rt_i32_signed(b));
    return WP_TRAP_NONE;
}

static inline wp_trap_kind rt_i32_rem_s(uint32_t a, uint32_t b, uint32_t *out)
{
    if (b == 0)
        return WP_TRAP_DIV_ZERO;
    /* INT_MIN % -1 is 0 in wasm but undefined in C. */
    *out = b == 0xffffffffu ? 0u : (uint32_t)(rt_i32_signed(a) % rt_i32_signed(b));
    return WP_TRAP_NONE;
}

static inline wp_trap_kind rt_i64_div_s(uint64_t a, uint64_t b, uint64_t *out)
{
    if (b == 0)
        return WP_TRAP_DIV_ZERO;
    if (a == 0x8000000000000000u && b == UINT64_MAX)
        return WP_TRAP_INT_OVERFLOW;
    *out = (uint64_t)(rt_i64_signed(a) / rt_i64_signed(b));
    return WP_TRAP_NONE;
}

static inline wp_trap_kind rt_i64_rem_s(uint64_t a, uint64_t b, uint64_t *out)
{
    if (b == 0)
        return WP_TRAP_DIV_ZERO;
    *out = b == UINT64_MAX ? 0u : (uint64_t)(rt_i64_signed(a) % rt_i64_signed(b));
    return WP_TRAP_NONE;
}

/* ---------------------------------------------------------------- float bit operations */

/* abs, neg and copysign touch only the sign bit, so NaN payloads survive. */
static inline uint32_t rt_f32_abs(uint32_t a) { return a & 0x7fffffffu; }
static inline uint32_t rt_f32_neg(uint32_t a) { return a ^ 0x80000000u; }
static inline uint32_t rt_f32_copysign(uint32_t a, uint32_t b)
{
    return (a & 0x7fffffffu) | (b & 0x80000000u);
}

static inline uint64_t rt_f64_abs(uint64_t a) { return a & 0x7fffffffffffffffu; }
static inline uint64_t rt_f64_neg(uint64_t a) { return a ^ 0x8000000000000000u; }
static inline uint64_t rt_f64_copysign(uint64_t a, uint64_t b)
{
    return (a & 0x7fffffffffffffffu) | (b & 0x8000000000000000u);
}

/* ---------------------------------------------------------------- min / max */

/* A NaN operand gives a NaN (a + b quiets it, which the spec allows as an
 * arithmetic NaN); -0 is below +0, which C's comparisons do not see. */
static inline float rt_f32_min(float a, float b)
{
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return rt_f32_from_bits(rt_f32_bits(a) | rt_f32_bits(b));
    return a < b ? a : b;
}

static inline float rt_f32_max(float a, float b)
{
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return rt_f32_from_bits(rt_f32_bits(a) & rt_f32_bits(b));
    return a > b ? a : b;
}

static inline double rt_f64_min(double a, double b)
{
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return rt_f64_from_bits(rt_f64_bits(a) | rt_f64_bits(b));
    return a < b ? a : b;
}

static inline double rt_f64_max(double a, double b)
{
    if (a != a || b != b)
        return a + b;
    if (a == b)
        return rt_f64_from_bits(rt_f64_bits(a) & rt_f64_bits(b));
    return a > b ? a : b;
}

/* ---------------------------------------------------------------- rounding */

/* Written out rather than calling libm's ceilf/floorf/truncf/nearbyintf,
 * which are out-of-line calls on x86-64 without SSE4.1. Values of magnitude
 * 2^23 (f32) or 2^52 (f64) and above are already integers; below that the
 * integer conversion is exact and in range. The sign is put back so that
 * results rounding to zero keep the operand's sign (trunc(-0.5) = -0).
 * A NaN comes back quieted, as the spec requires of arithmetic results. */
static inline float rt_f32_trunc(float x)
{
    if (x != x)
        return x + x;
    if (rt_f32_abs(rt_f32_bits(x)) >= 0x4b000000u)   /* |x| >= 2^23 or infinite */
        return x;
    float t = (float)(int32_t)x;
    return rt_f32_from_bits(rt_f32_copysign(rt_f32_bits(t), rt_f32_bits(x)));
}

static inline float rt_f32_floor(float x)
{
    float t = rt_f32_trunc(x);
    return t > x ? t - 1.0f : t;
}

static inline float rt_f32_ceil(float x)
{
    float t = rt_f32_trunc(x);
    return t < x ? t + 1.0f : t;     /* only for x > 0: trunc(-0.5) is already -0 */
}

/* Round half to even: adding and subtracting 2^23 rounds |x| to an integer
 * in the current (nearest-even) mode, exactly once. */
static inline float rt_f32_nearest(float x)
{
    if (x != x)
        return x + x;
    uint32_t ax = rt_f32_abs(rt_f32_bits(x));
    if (ax >= 0x4b000000u)                          /* |x| >= 2^23 or infinite */
        return x;
    float r = (rt_f32_from_bits(ax) + 0x1p23f) - 0x1p23f;
    return rt_f32_from_bits(rt_f32_copysign(rt_f32_bits(r), rt_f32_bits(x)));
}

static inline double rt_f64_trunc(double x)
{
    if (x != x)
        return x + x;
    if (rt_f64_abs(rt_f64_bits(x)) >= 0x4330000000000000u)   /* |x| >= 2^52 */
        return x;
    double t = (double)(int64_t)x;
    return rt_f64_from_bits(rt_f64_copysign(rt_f64_bits(t), rt_f64_bits(x)));
}

static inline double rt_f64_floor(double x)
{
    double t = rt_f64_trunc(x);
    return t > x ? t - 1.0 : t;
}

static inline double rt_f64_ceil(double x)
{
    double t = rt_f64_trunc(x);
    return t < x ? t + 1.0 : t;
}

static inline double rt_f64_nearest(double x)
{
    if (x != x)
        return x + x;
    uint64_t ax = rt_f64_abs(rt_f64_bits(x));
    if (ax >= 0x4330000000000000u)
        return x;
    double r = (rt_f64_from_bits(ax) + 0x1p52) - 0x1p52;
    return rt_f64_from_bits(rt_f64_copysign(rt_f64_bits(r), rt_f64_bits(x)));
}

static inline float rt_f32_sqrt(float x) { return sqrtf(x); }
static inline double rt_f64_sqrt(double x) { return sqrt(x); }

/* ---------------------------------------------------------------- float -> integer */

/* Trapping truncation. The bounds are the first values whose truncation is
 * out of range, written as exactly representable constants: e.g. for
 * i32.trunc_f64_s, -2147483648.9 truncates to INT32_MIN and is accepted,
 * -2147483649.0 is not. For the unsigned forms, -1 < x < 0 truncates to 0.
 * The comparisons are false for NaN, which is tested first. */
static inline wp_trap_kind rt_i32_trunc_f32_s(float x, uint32_t *out)
{
    if (x != x)
        return WP_TRAP_INVALID_CONVERSION;
    if (!(x >= -0x1p31f && x < 0x1p31f))
        return WP_TRAP_INT_OVERFLOW;
    *out = (uint32_t)(int32_t)x;
    return WP_TRAP_NONE;
}

static inline wp_trap_kind rt_i32_trunc_f32_u(float x, uint32_t *out)
{
    if (x != x)
        return WP_TRAP_INVALID_CONVERSION;
    if (!(x > -1.0f && x < 0x1p32f))
        return WP_TRAP_INT_OVERFLOW;
    *out = (uint32_t)x;
    return WP_TRAP_NONE;
}

static inline wp_trap_kind rt_i32_trunc_f64_s(double x, uint32_t *out)
{
    if (x != x)
        return WP_TRAP_INVALID_CONVERSION;
    if (!(x > -2147483649.0 && x < 2147483648.0))
        return WP_TRAP_INT_OVERFLOW;
    *out = (uint32_t)(int32_t)x;
    return WP_TRAP_NONE;
}

static inline wp_trap_kind rt_i32_trunc_f64_u(double x, uint32_t *out)
{
    if (x != x)
        return WP_TRAP_INVALID_CONVERSION;
    if (!(x > -1.0 && x < 4294967296.0))
        return WP_TRAP_INT_OVERFLOW;
    *out = (uint32_t)x;
    return WP_TRAP_NONE;
}

static inline wp_trap_kind rt_i64_trunc_f32_s(float x, uint64_t *out)
{
    if (x != x)
        return WP_TRAP_INVALID_CONVERSION;
    if (!(x >= -0x1p63f && x < 0x1p63f))
        return WP_TRAP_INT_OVERFLOW;
    *out = (uint64_t)(int64_t)x;
    return WP_TRAP_NONE;
}

static inline wp_trap_kind rt_i64_trunc_f32_u(float x, uint64_t *out)
{
    if (x != x)
        return WP_TRAP_INVALID_CONVERSION;
    if (!(x > -1.0f && x < 0x1p64f))
        return WP_TRAP_INT_OVERFLOW;
    *out = (uint64_t)x;
    return WP_TRAP_NONE;
}

static inline wp_trap_kind rt_i64_trunc_f64_s(double x, uint64_t *out)
{
    if (x != x)
        return WP_TRAP_INVALID_CONVERSION;
    if (!(x >= -0x1p63 && x < 0x1p63))
        return WP_TRAP_INT_OVERFLOW;
    *out = (uint64_t)(int64_t)x;
    return WP_TRAP_NONE;
}

static inline wp_trap_kind rt_i64_trunc_f64_u(double x, uint64_t *out)
{
    if (x != x)
        return WP_TRAP_INVALID_CONVERSION;
    if (!(x > -1.0 && x < 0x1p64))
        return WP_TRAP_INT_OVERFLOW;
    *out = (uint64_t)x;
    return WP_TRAP_NONE;
}

/* Saturating truncation: NaN is 0, out-of-range values clamp. */
static inline uint32_t rt_i32_trunc_sat_f32_s(float x)
{
    if (x != x)
        return 0;
    if (x < -0x1p31f)
        return 0x80000000u;
    if (x >= 0x1p31f)
        return 0x7fffffffu;
    return (uint32_t)(int32_t)x;
}

static inline uint32_t rt_i32_trunc_sat_f32_u(float x)
{
    if (!(x > -1.0f))                               /* NaN too */
        return 0;
    if (x >= 0x1p32f)
        return UINT32_MAX;
    return (uint32_t)x;
}

static inline uint32_t rt_i32_trunc_sat_f64_s(double x)
{
    if (x != x)
        return 0;
    if (x <= -2147483649.0)
        return 0x80000000u;
    if (x >= 2147483648.0)
        return 0x7fffffffu;
    return (uint32_t)(int32_t)x;
}

static inline uint32_t rt_i32_trunc_sat_f64_u(double x)
{
    if (!(x > -1.0))
        return 0;
    if (x >= 4294967296.0)
        return UINT32_MAX;
    return (uint32_t)x;
}

static inline uint64_t rt_i64_trunc_sat_f32_s(float x)
{
    if (x != x)
        return 0;
    if (x < -0x1p63f)
        return 0x8000000000000000u;
    if (x >= 0x1p63f)
        return 0x7fffffffffffffffu;
    return (uint64_t)(int64_t)x;
}

static inline uint64_t rt_i64_trunc_sat_f32_u(float x)
{
    if (!(x > -1.0f))
        return 0;
    if (x >= 0x1p64f)
        return UINT64_MAX;
    return (uint64_t)x;
}

static inline uint64_t rt_i64_trunc_sat_f64_s(double x)
{
    if (x != x)
        return 0;
    if (x < -0x1p63)
        return 0x8000000000000000u;
    if (x >= 0x1p63)
        return 0x7fffffffffffffffu;
    return (uint64_t)(int64_t)x;
}

static inline uint64_t rt_i64_trunc_sat_f64_u(double x)
{
    if (!(x > -1.0))
        return 0;
    if (x >= 0x1p64)
        return UINT64_MAX;
    return (uint64_t)x;
}

/* ---------------------------------------------------------------- integer -> float */

/* C's integer-to-float conversions round to nearest-even in the default
 * mode, which is what the spec asks, including u64 (GCC and Clang use a
 * sticky-bit halving sequence rather than a double rounding). */
static inline float rt_f32_convert_i32_s(uint32_t x) { return (float)rt_i32_signed(x); }
static inline float rt_f32_convert_i32_u(uint32_t x) { return (float)x; }
static inline float rt_f32_convert_i64_s(uint64_t x) { return (float)rt_i64_signed(x); }
static inline float rt_f32_convert_i64_u(uint64_t x) { return (float)x; }
static inline double rt_f64_convert_i32_s(uint32_t x) { return (double)rt_i32_signed(x); }
static inline double rt_f64_convert_i32_u(uint32_t x) { return (double)x; }
static inline double rt_f64_convert_i64_s(uint64_t x) { return (double)rt_i64_signed(x); }
static inline double rt_f64_convert_i64_u(uint64_t x) { return (double)x; }

static inline float rt_f32_demote_f64(double x) { return (float)x; }
static inline double rt_f64_promote_f32(float x) { return (double)x; }

#endif
