/* Edge cases of numeric.h, the float and conversion semantics the
 * interpreter's handlers are built from: NaN propagation and payloads, -0,
 * round half to even, the exact boundaries of every trapping and saturating
 * truncation, correctly rounded integer-to-float conversions, and the
 * integer operations that C leaves undefined. Each table row names its case;
 * a failing row prints the case, what was expected and what was found. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "numeric.h"

static int failures;
static int checks;

static void check_u64(const char *what, const char *name, uint64_t want, uint64_t got)
{
    checks++;
    if (want != got) {
        failures++;
        printf("FAIL %s %s: expected 0x%016llx, found 0x%016llx\n", what, name,
               (unsigned long long)want, (unsigned long long)got);
    }
}

/* ---------------------------------------------------------------- float results */

/* An expected float result is exact bits, or "any quiet NaN". */
#define QNAN32 0xffffffffu   /* marker: any NaN with the quiet bit */
#define QNAN64 0xffffffffffffffffu

static void check_f32(const char *what, const char *name, uint32_t want, float got)
{
    uint32_t g = rt_f32_bits(got);
    checks++;
    bool ok = want == QNAN32 ? (g & 0x7fc00000u) == 0x7fc00000u : g == want;
    if (!ok) {
        failures++;
        char w[24];
        snprintf(w, sizeof w, want == QNAN32 ? "a quiet NaN" : "0x%08x", want);
        printf("FAIL %s %s: expected %s, found 0x%08x (%a)\n", what, name, w, g, (double)got);
    }
}

static void check_f64(const char *what, const char *name, uint64_t want, double got)
{
    uint64_t g = rt_f64_bits(got);
    checks++;
    bool ok = want == QNAN64 ? (g & 0x7ff8000000000000u) == 0x7ff8000000000000u : g == want;
    if (!ok) {
        failures++;
        char w[24];
        snprintf(w, sizeof w, want == QNAN64 ? "a quiet NaN" : "0x%016llx",
                 (unsigned long long)want);
        printf("FAIL %s %s: expected %s, found 0x%016llx (%a)\n", what, name, w,
               (unsigned long long)g, got);
    }
}

typedef enum { U_CEIL, U_FLOOR, U_TRUNC, U_NEAREST, U_SQRT } unop;
static const char *const unop_names[] = { "ceil", "floor", "trunc", "nearest", "sqrt" };

static float f32_unop(unop op, float x)
{
    switch (op) {
    case U_CEIL: return rt_f32_ceil(x);
    case U_FLOOR: return rt_f32_floor(x);
    case U_TRUNC: return rt_f32_trunc(x);
    case U_NEAREST: return rt_f32_nearest(x);
    case U_SQRT: return rt_f32_sqrt(x);
    }
    return 0;
}

static double f64_unop(unop op, double x)
{
    switch (op) {
    case U_CEIL: return rt_f64_ceil(x);
    case U_FLOOR: return rt_f64_floor(x);
    case U_TRUNC: return rt_f64_trunc(x);
    case U_NEAREST: return rt_f64_nearest(x);
    case U_SQRT: return rt_f64_sqrt(x);
    }
    return 0;
}

/* Inputs and results as bits, so that -0 and NaN payloads are explicit. */
static const struct {
    const char *name;
    unop        op;
    uint32_t    in, want;
} f32_unary_cases[] = {
    { "ceil -0.5 = -0", U_CEIL, 0xbf000000, 0x80000000 },
    { "ceil 0.5 = 1", U_CEIL, 0x3f000000, 0x3f800000 },
    { "ceil -1.5 = -1", U_CEIL, 0xbfc00000, 0xbf800000 },
    { "ceil min subnormal = 1", U_CEIL, 0x00000001, 0x3f800000 },
    { "ceil -0 = -0", U_CEIL, 0x80000000, 0x80000000 },
    { "ceil 2^23-0.5 = 2^23", U_CEIL, 0x4affffff, 0x4b000000 },
    { "ceil 2^24+2 stays", U_CEIL, 0x4b800001, 0x4b800001 },
    { "ceil -inf", U_CEIL, 0xff800000, 0xff800000 },
    { "ceil sNaN quieted", U_CEIL, 0x7fa00000, QNAN32 },
    { "floor -0.5 = -1", U_FLOOR, 0xbf000000, 0xbf800000 },
    { "floor 0.5 = +0", U_FLOOR, 0x3f000000, 0x00000000 },
    { "floor -0 = -0", U_FLOOR, 0x80000000, 0x80000000 },
    { "floor -min subnormal = -1", U_FLOOR, 0x80000001, 0xbf800000 },
    { "floor -(2^23-0.5) = -2^23", U_FLOOR, 0xcaffffff, 0xcb000000 },
    { "floor inf", U_FLOOR, 0x7f800000, 0x7f800000 },
    { "trunc -0.9 = -0", U_TRUNC, 0xbf666666, 0x80000000 },
    { "trunc 1.9 = 1", U_TRUNC, 0x3ff33333, 0x3f800000 },
    { "trunc -1.9 = -1", U_TRUNC, 0xbff33333, 0xbf800000 },
    { "trunc 2^23-0.5", U_TRUNC, 0x4affffff, 0x4afffffe },
    { "trunc max float", U_TRUNC, 0x7f7fffff, 0x7f7fffff },
    { "trunc NaN keeps payload", U_TRUNC, 0x7fc12345, 0x7fc12345 },
    { "nearest 0.5 = +0", U_NEAREST, 0x3f000000, 0x00000000 },
    { "nearest -0.5 = -0", U_NEAREST, 0xbf000000, 0x80000000 },
    { "nearest 1.5 = 2", U_NEAREST, 0x3fc00000, 0x40000000 },
    { "nearest 2.5 = 2", U_NEAREST, 0x40200000, 0x40000000 },
    { "nearest 3.5 = 4", U_NEAREST, 0x40600000, 0x40800000 },
    { "nearest -2.5 = -2", U_NEAREST, 0xc0200000, 0xc0000000 },
    { "nearest 0.49999997 = 0", U_NEAREST, 0x3effffff, 0x00000000 },
    { "nearest 2^23-0.5 = 2^23", U_NEAREST, 0x4affffff, 0x4b000000 },
    { "nearest -(2^23-0.5) = -2^23", U_NEAREST, 0xcaffffff, 0xcb000000 },
    { "nearest 2^23+1 stays", U_NEAREST, 0x4b000001, 0x4b000001 },
    { "nearest -0 = -0", U_NEAREST, 0x80000000, 0x80000000 },
    { "nearest -inf", U_NEAREST, 0xff800000, 0xff800000 },
    { "nearest sNaN quieted", U_NEAREST, 0xffa00000, QNAN32 },
    { "sqrt 4 = 2", U_SQRT, 0x40800000, 0x40000000 },
    { "sqrt -0 = -0", U_SQRT, 0x80000000, 0x80000000 },
    { "sqrt -1 = NaN", U_SQRT, 0xbf800000, QNAN32 },
};

static const struct {
    const char *name;
    unop        op;
    uint64_t    in, want;
} f64_unary_cases[] = {
    { "ceil -0.5 = -0", U_CEIL, 0xbfe0000000000000, 0x8000000000000000 },
    { "ceil 0.5 = 1", U_CEIL, 0x3fe0000000000000, 0x3ff0000000000000 },
    { "ceil min subnormal = 1", U_CEIL, 0x0000000000000001, 0x3ff0000000000000 },
    { "ceil 2^52-0.5 = 2^52", U_CEIL, 0x432fffffffffffff, 0x4330000000000000 },
    { "ceil sNaN quieted", U_CEIL, 0x7ff4000000000000, QNAN64 },
    { "floor -0.5 = -1", U_FLOOR, 0xbfe0000000000000, 0xbff0000000000000 },
    { "floor 0.5 = +0", U_FLOOR, 0x3fe0000000000000, 0x0000000000000000 },
    { "floor -0 = -0", U_FLOOR, 0x8000000000000000, 0x8000000000000000 },
    { "floor -(2^52-0.5)", U_FLOOR, 0xc32fffffffffffff, 0xc330000000000000 },
    { "trunc -0.9 = -0", U_TRUNC, 0xbfeccccccccccccd, 0x8000000000000000 },
    { "trunc -1.9 = -1", U_TRUNC, 0xbffe666666666666, 0xbff0000000000000 },
    { "trunc max double", U_TRUNC, 0x7fefffffffffffff, 0x7fefffffffffffff },
    { "trunc 2^52-0.5", U_TRUNC, 0x432fffffffffffff, 0x432ffffffffffffe },
    { "nearest 0.5 = +0", U_NEAREST, 0x3fe0000000000000, 0x0000000000000000 },
    { "nearest -0.5 = -0", U_NEAREST, 0xbfe0000000000000, 0x8000000000000000 },
    { "nearest 1.5 = 2", U_NEAREST, 0x3ff8000000000000, 0x4000000000000000 },
    { "nearest 2.5 = 2", U_NEAREST, 0x4004000000000000, 0x4000000000000000 },
    { "nearest -3.5 = -4", U_NEAREST, 0xc00c000000000000, 0xc010000000000000 },
    { "nearest 0.49999999999999994 = 0", U_NEAREST, 0x3fdfffffffffffff, 0x0000000000000000 },
    { "nearest 2^52-0.5 = 2^52", U_NEAREST, 0x432fffffffffffff, 0x4330000000000000 },
    { "nearest 2^52+1 stays", U_NEAREST, 0x4330000000000001, 0x4330000000000001 },
    { "nearest inf", U_NEAREST, 0x7ff0000000000000, 0x7ff0000000000000 },
    { "nearest sNaN quieted", U_NEAREST, 0xfff4000000000000, QNAN64 },
    { "sqrt 2", U_SQRT, 0x4000000000000000, 0x3ff6a09e667f3bcd },
    { "sqrt -inf = NaN", U_SQRT, 0xfff0000000000000, QNAN64 },
};

typedef enum { B_MIN, B_MAX } binop;

static const struct {
    const char *name;
    binop       op;
    uint32_t    a, b, want;
} f32_binary_cases[] = {
    { "min -0 +0 = -0", B_MIN, 0x80000000, 0x00000000, 0x80000000 },
    { "min +0 -0 = -0", B_MIN, 0x00000000, 0x80000000, 0x80000000 },
    { "max -0 +0 = +0", B_MAX, 0x80000000, 0x00000000, 0x00000000 },
    { "max +0 -0 = +0", B_MAX, 0x00000000, 0x80000000, 0x00000000 },
    { "min 1 2 = 1", B_MIN, 0x3f800000, 0x40000000, 0x3f800000 },
    { "max 1 2 = 2", B_MAX, 0x3f800000, 0x40000000, 0x40000000 },
    { "min -inf inf", B_MIN, 0xff800000, 0x7f800000, 0xff800000 },
    { "max -inf inf", B_MAX, 0xff800000, 0x7f800000, 0x7f800000 },
    { "min NaN 1 = NaN", B_MIN, 0x7fc00000, 0x3f800000, QNAN32 },
    { "min 1 NaN = NaN", B_MIN, 0x3f800000, 0x7fc00000, QNAN32 },
    { "max -inf NaN = NaN", B_MAX, 0xff800000, 0xffc00000, QNAN32 },
    { "max sNaN 0 = qNaN", B_MAX, 0x7fa00000, 0x00000000, QNAN32 },
    { "min 0 sNaN = qNaN", B_MIN, 0x00000000, 0xffa00000, QNAN32 },
};

static const struct {
    const char *name;
    binop       op;
    uint64_t    a, b, want;
} f64_binary_cases[] = {
    { "min -0 +0 = -0", B_MIN, 0x8000000000000000, 0x0000000000000000, 0x8000000000000000 },
    { "min +0 -0 = -0", B_MIN, 0x0000000000000000, 0x8000000000000000, 0x8000000000000000 },
    { "max -0 +0 = +0", B_MAX, 0x8000000000000000, 0x0000000000000000, 0x0000000000000000 },
    { "max +0 -0 = +0", B_MAX, 0x0000000000000000, 0x8000000000000000, 0x0000000000000000 },
    { "min 1 2 = 1", B_MIN, 0x3ff0000000000000, 0x4000000000000000, 0x3ff0000000000000 },
    { "max 1 2 = 2", B_MAX, 0x3ff0000000000000, 0x4000000000000000, 0x4000000000000000 },
    { "min NaN 1 = NaN", B_MIN, 0x7ff8000000000000, 0x3ff0000000000000, QNAN64 },
    { "max 1 NaN = NaN", B_MAX, 0x3ff0000000000000, 0xfff8000000000000, QNAN64 },
    { "min sNaN -inf = qNaN", B_MIN, 0x7ff4000000000000, 0xfff0000000000000, QNAN64 },
};

static void test_float_ops(void)
{
    for (size_t i = 0; i < sizeof f32_unary_cases / sizeof f32_unary_cases[0]; i++) {
        float r = f32_unop(f32_unary_cases[i].op, rt_f32_from_bits(f32_unary_cases[i].in));
        char what[32];
        snprintf(what, sizeof what, "f32.%s", unop_names[f32_unary_cases[i].op]);
        check_f32(what, f32_unary_cases[i].name, f32_unary_cases[i].want, r);
    }
    for (size_t i = 0; i < sizeof f64_unary_cases / sizeof f64_unary_cases[0]; i++) {
        double r = f64_unop(f64_unary_cases[i].op, rt_f64_from_bits(f64_unary_cases[i].in));
        char what[32];
        snprintf(what, sizeof what, "f64.%s", unop_names[f64_unary_cases[i].op]);
        check_f64(what, f64_unary_cases[i].name, f64_unary_cases[i].want, r);
    }
    for (size_t i = 0; i < sizeof f32_binary_cases / sizeof f32_binary_cases[0]; i++) {
        float a = rt_f32_from_bits(f32_binary_cases[i].a);
        float b = rt_f32_from_bits(f32_binary_cases[i].b);
        float r = f32_binary_cases[i].op == B_MIN ? rt_f32_min(a, b) : rt_f32_max(a, b);
        check_f32("f32", f32_binary_cases[i].name, f32_binary_cases[i].want, r);
    }
    for (size_t i = 0; i < sizeof f64_binary_cases / sizeof f64_binary_cases[0]; i++) {
        double a = rt_f64_from_bits(f64_binary_cases[i].a);
        double b = rt_f64_from_bits(f64_binary_cases[i].b);
        double r = f64_binary_cases[i].op == B_MIN ? rt_f64_min(a, b) : rt_f64_max(a, b);
        check_f64("f64", f64_binary_cases[i].name, f64_binary_cases[i].want, r);
    }

    /* Sign-bit operations keep NaN payloads bit for bit. */
    check_u64("f32.abs", "-NaN payload", 0x7fa12345, rt_f32_abs(0xffa12345));
    check_u64("f32.neg", "sNaN payload", 0xffa12345, rt_f32_neg(0x7fa12345));
    check_u64("f32.neg", "+0", 0x80000000, rt_f32_neg(0x00000000));
    check_u64("f32.copysign", "NaN, -1", 0xffa12345, rt_f32_copysign(0x7fa12345, 0xbf800000));
    check_u64("f32.copysign", "-1, -NaN", 0xbf800000, rt_f32_copysign(0xbf800000, 0xffc00000));
    check_u64("f32.copysign", "-1, +0", 0x3f800000, rt_f32_copysign(0xbf800000, 0x00000000));
    check_u64("f64.abs", "-NaN payload", 0x7ff4000000000001, rt_f64_abs(0xfff4000000000001));
    check_u64("f64.neg", "-0", 0x0000000000000000, rt_f64_neg(0x8000000000000000));
    check_u64("f64.copysign", "2, -0", 0xc000000000000000,
              rt_f64_copysign(0x4000000000000000, 0x8000000000000000));
}

/* ---------------------------------------------------------------- float -> integer */

typedef enum {
    I32_F32_S, I32_F32_U, I32_F64_S, I32_F64_U,
    I64_F32_S, I64_F32_U, I64_F64_S, I64_F64_U
} trunc_op;
static const char *const trunc_names[] = {
    "i32.trunc_f32_s", "i32.trunc_f32_u", "i32.trunc_f64_s", "i32.trunc_f64_u",
    "i64.trunc_f32_s", "i64.trunc_f32_u", "i64.trunc_f64_s", "i64.trunc_f64_u",
};

static bool trunc_is_f32(trunc_op op)
{
    return op == I32_F32_S || op == I32_F32_U || op == I64_F32_S || op == I64_F32_U;
}

static wp_trap_kind do_trunc(trunc_op op, double in, uint64_t *out)
{
    uint32_t r32 = 0;
    wp_trap_kind k = WP_TRAP_NONE;
    *out = 0;
    switch (op) {
    case I32_F32_S: k = rt_i32_trunc_f32_s((float)in, &r32); *out = r32; break;
    case I32_F32_U: k = rt_i32_trunc_f32_u((float)in, &r32); *out = r32; break;
    case I32_F64_S: k = rt_i32_trunc_f64_s(in, &r32); *out = r32; break;
    case I32_F64_U: k = rt_i32_trunc_f64_u(in, &r32); *out = r32; break;
    case I64_F32_S: k = rt_i64_trunc_f32_s((float)in, out); break;
    case I64_F32_U: k = rt_i64_trunc_f32_u((float)in, out); break;
    case I64_F64_S: k = rt_i64_trunc_f64_s(in, out); break;
    case I64_F64_U: k = rt_i64_trunc_f64_u(in, out); break;
    }
    return k;
}

static uint64_t do_trunc_sat(trunc_op op, double in)
{
    switch (op) {
    case I32_F32_S: return rt_i32_trunc_sat_f32_s((float)in);
    case I32_F32_U: return rt_i32_trunc_sat_f32_u((float)in);
    case I32_F64_S: return rt_i32_trunc_sat_f64_s(in);
    case I32_F64_U: return rt_i32_trunc_sat_f64_u(in);
    case I64_F32_S: return rt_i64_trunc_sat_f32_s((float)in);
    case I64_F32_U: return rt_i64_trunc_sat_f32_u((float)in);
    case I64_F64_S: return rt_i64_trunc_sat_f64_s(in);
    case I64_F64_U: return rt_i64_trunc_sat_f64_u(in);
    }
    return 0;
}

#define OVF WP_TRAP_INT_OVERFLOW
#define INV WP_TRAP_INVALID_CONVERSION
#define OK WP_TRAP_NONE

/* Every f32 input below is exactly representable as an f32 (checked). The
 * saturating result is what trunc_sat gives for the same input. */
static const struct {
    const char  *name;
    trunc_op     op;
    double       in;
    wp_trap_kind trap;
    uint64_t     want;   /* when trap is OK */
    uint64_t     sat;
} trunc_cases[] = {
    { "-2^31 accepted", I32_F32_S, -2147483648.0, OK, 0x80000000, 0x80000000 },
    { "2^31 overflows", I32_F32_S, 2147483648.0, OVF, 0, 0x7fffffff },
    { "largest below 2^31", I32_F32_S, 2147483520.0, OK, 0x7fffff80, 0x7fffff80 },
    { "next below -2^31", I32_F32_S, -2147483904.0, OVF, 0, 0x80000000 },
    { "-0.99999994 = 0", I32_F32_S, -0.999999940395355224609375, OK, 0, 0 },
    { "-1.5 = -1", I32_F32_S, -1.5, OK, 0xffffffff, 0xffffffff },
    { "NaN", I32_F32_S, NAN, INV, 0, 0 },
    { "-inf", I32_F32_S, -INFINITY, OVF, 0, 0x80000000 },
    { "-0.99999994 = 0", I32_F32_U, -0.999999940395355224609375, OK, 0, 0 },
    { "-1 overflows", I32_F32_U, -1.0, OVF, 0, 0 },
    { "largest below 2^32", I32_F32_U, 4294967040.0, OK, 0xffffff00, 0xffffff00 },
    { "2^32 overflows", I32_F32_U, 4294967296.0, OVF, 0, 0xffffffff },
    { "2^31 fits", I32_F32_U, 2147483648.0, OK, 0x80000000, 0x80000000 },
    { "NaN", I32_F32_U, -NAN, INV, 0, 0 },
    { "inf", I32_F32_U, INFINITY, OVF, 0, 0xffffffff },
    { "-2147483648.9 accepted", I32_F64_S, -2147483648.9, OK, 0x80000000, 0x80000000 },
    { "-2147483649 overflows", I32_F64_S, -2147483649.0, OVF, 0, 0x80000000 },
    { "2147483647.9 accepted", I32_F64_S, 2147483647.9, OK, 0x7fffffff, 0x7fffffff },
    { "2^31 overflows", I32_F64_S, 2147483648.0, OVF, 0, 0x7fffffff },
    { "-0.9 = 0", I32_F64_S, -0.9, OK, 0, 0 },
    { "NaN", I32_F64_S, NAN, INV, 0, 0 },
    { "-0.9 = 0", I32_F64_U, -0.9, OK, 0, 0 },
    { "-1 overflows", I32_F64_U, -1.0, OVF, 0, 0 },
    { "4294967295.9 accepted", I32_F64_U, 4294967295.9, OK, 0xffffffff, 0xffffffff },
    { "2^32 overflows", I32_F64_U, 4294967296.0, OVF, 0, 0xffffffff },
    { "1e30 overflows", I32_F64_U, 1e30, OVF, 0, 0xffffffff },
    { "NaN", I32_F64_U, NAN, INV, 0, 0 },
    { "-2^63 accepted", I64_F32_S, -9223372036854775808.0, OK, 0x8000000000000000,
      0x8000000000000000 },
    { "2^63 overflows", I64_F32_S, 9223372036854775808.0, OVF, 0, 0x7fffffffffffffff },
    { "largest below 2^63", I64_F32_S, 9223371487098961920.0, OK, 0x7fffff8000000000,
      0x7fffff8000000000 },
    { "next below -2^63", I64_F32_S, -9223373136366403584.0, OVF, 0, 0x8000000000000000 },
    { "-1.5 = -1", I64_F32_S, -1.5, OK, 0xffffffffffffffff, 0xffffffffffffffff },
    { "NaN", I64_F32_S, NAN, INV, 0, 0 },
    { "-0.99999994 = 0", I64_F32_U, -0.999999940395355224609375, OK, 0, 0 },
    { "-1 overflows", I64_F32_U, -1.0, OVF, 0, 0 },
    { "largest below 2^64", I64_F32_U, 18446742974197923840.0, OK, 0xffffff0000000000,
      0xffffff0000000000 },
    { "2^64 overflows", I64_F32_U, 18446744073709551616.0, OVF, 0, 0xffffffffffffffff },
    { "2^63 fits", I64_F32_U, 9223372036854775808.0, OK, 0x8000000000000000,
      0x8000000000000000 },
    { "NaN", I64_F32_U, NAN, INV, 0, 0 },
    { "-2^63 accepted", I64_F64_S, -9223372036854775808.0, OK, 0x8000000000000000,
      0x8000000000000000 },
    { "next below -2^63", I64_F64_S, -9223372036854777856.0, OVF, 0, 0x8000000000000000 },
    { "largest below 2^63", I64_F64_S, 9223372036854774784.0, OK, 0x7ffffffffffffc00,
      0x7ffffffffffffc00 },
    { "2^63 overflows", I64_F64_S, 9223372036854775808.0, OVF, 0, 0x7fffffffffffffff },
    { "-0.9 = 0", I64_F64_S, -0.9, OK, 0, 0 },
    { "-inf", I64_F64_S, -INFINITY, OVF, 0, 0x8000000000000000 },
    { "NaN", I64_F64_S, NAN, INV, 0, 0 },
    { "-0.9 = 0", I64_F64_U, -0.9, OK, 0, 0 },
    { "-1 overflows", I64_F64_U, -1.0, OVF, 0, 0 },
    { "largest below 2^64", I64_F64_U, 18446744073709549568.0, OK, 0xfffffffffffff800,
      0xfffffffffffff800 },
    { "2^64 overflows", I64_F64_U, 18446744073709551616.0, OVF, 0, 0xffffffffffffffff },
    { "2^63 fits", I64_F64_U, 9223372036854775808.0, OK, 0x8000000000000000,
      0x8000000000000000 },
    { "NaN", I64_F64_U, NAN, INV, 0, 0 },
};

static void test_truncations(void)
{
    for (size_t i = 0; i < sizeof trunc_cases / sizeof trunc_cases[0]; i++) {
        const char *what = trunc_names[trunc_cases[i].op];
        const char *name = trunc_cases[i].name;
        double in = trunc_cases[i].in;
        if (trunc_is_f32(trunc_cases[i].op) && !isnan(in) && (double)(float)in != in) {
            failures++;
            printf("FAIL %s %s: test input %a is not an f32\n", what, name, in);
            continue;
        }
        uint64_t got = 0;
        wp_trap_kind k = do_trunc(trunc_cases[i].op, in, &got);
        checks++;
        if (k != trunc_cases[i].trap) {
            failures++;
            printf("FAIL %s %s: expected trap %s, found %s\n", what, name,
                   trunc_cases[i].trap == OK ? "none" : trunc_cases[i].trap == OVF ? "overflow"
                                                                                  : "invalid",
                   k == OK ? "none" : k == OVF ? "overflow" : k == INV ? "invalid" : "?");
        } else if (k == OK) {
            check_u64(what, name, trunc_cases[i].want, got);
        }
        char sat_what[40];
        snprintf(sat_what, sizeof sat_what, "%.*s_sat%s", 9, what, what + 9);
        check_u64(sat_what, name, trunc_cases[i].sat, do_trunc_sat(trunc_cases[i].op, in));
    }
}

/* ---------------------------------------------------------------- integer -> float */

static void test_conversions(void)
{
    /* f32 from i64/u64 must round once: via a double first would tie the
     * wrong way on these. */
    check_u64("f32.convert_i64_u", "0x0020000020000001", 0x5a000001,
              rt_f32_bits(rt_f32_convert_i64_u(0x0020000020000001u)));
    check_u64("f32.convert_i64_u", "0x8000008000000001", 0x5f000001,
              rt_f32_bits(rt_f32_convert_i64_u(0x8000008000000001u)));
    check_u64("f32.convert_i64_u", "0xfffffe8000000001", 0x5f7fffff,
              rt_f32_bits(rt_f32_convert_i64_u(0xfffffe8000000001u)));
    check_u64("f32.convert_i64_u", "max", 0x5f800000,
              rt_f32_bits(rt_f32_convert_i64_u(UINT64_MAX)));
    check_u64("f32.convert_i64_s", "max", 0x5f000000,
              rt_f32_bits(rt_f32_convert_i64_s(0x7fffffffffffffffu)));
    check_u64("f32.convert_i64_s", "min", 0xdf000000,
              rt_f32_bits(rt_f32_convert_i64_s(0x8000000000000000u)));
    check_u64("f32.convert_i64_s", "-1", 0xbf800000,
              rt_f32_bits(rt_f32_convert_i64_s(UINT64_MAX)));
    check_u64("f32.convert_i32_s", "min", 0xcf000000,
              rt_f32_bits(rt_f32_convert_i32_s(0x80000000u)));
    check_u64("f32.convert_i32_s", "16777217 ties to even", 0x4b800000,
              rt_f32_bits(rt_f32_convert_i32_s(16777217u)));
    check_u64("f32.convert_i32_s", "16777219 ties to even", 0x4b800002,
              rt_f32_bits(rt_f32_convert_i32_s(16777219u)));
    check_u64("f32.convert_i32_u", "max", 0x4f800000,
              rt_f32_bits(rt_f32_convert_i32_u(UINT32_MAX)));
    check_u64("f64.convert_i64_u", "0x8000000000000401", 0x43e0000000000001,
              rt_f64_bits(rt_f64_convert_i64_u(0x8000000000000401u)));
    check_u64("f64.convert_i64_u", "max", 0x43f0000000000000,
              rt_f64_bits(rt_f64_convert_i64_u(UINT64_MAX)));
    check_u64("f64.convert_i64_s", "2^53+1 ties to even", 0x4340000000000000,
              rt_f64_bits(rt_f64_convert_i64_s(9007199254740993u)));
    check_u64("f64.convert_i64_s", "min", 0xc3e0000000000000,
              rt_f64_bits(rt_f64_convert_i64_s(0x8000000000000000u)));
    check_u64("f64.convert_i32_s", "-1", 0xbff0000000000000,
              rt_f64_bits(rt_f64_convert_i32_s(0xffffffffu)));
    check_u64("f64.convert_i32_u", "max", 0x41efffffffe00000,
              rt_f64_bits(rt_f64_convert_i32_u(UINT32_MAX)));

    check_u64("f32.demote_f64", "max double = inf", 0x7f800000,
              rt_f32_bits(rt_f32_demote_f64(rt_f64_from_bits(0x7fefffffffffffffu))));
    check_u64("f32.demote_f64", "tie to even", 0x3f800000,
              rt_f32_bits(rt_f32_demote_f64(rt_f64_from_bits(0x3ff0000010000000u))));
    check_u64("f32.demote_f64", "-0", 0x80000000,
              rt_f32_bits(rt_f32_demote_f64(rt_f64_from_bits(0x8000000000000000u))));
    check_f32("f32.demote_f64", "NaN", QNAN32, rt_f32_demote_f64(rt_f64_from_bits(0x7ff4000000000000u)));
    check_u64("f64.promote_f32", "min subnormal", 0x36a0000000000000,
              rt_f64_bits(rt_f64_promote_f32(rt_f32_from_bits(1))));
    check_f64("f64.promote_f32", "NaN", QNAN64, rt_f64_promote_f32(rt_f32_from_bits(0x7fa00000)));
}

/* ---------------------------------------------------------------- integers */

static void test_integers(void)
{
    check_u64("i32.clz", "0", 32, rt_i32_clz(0));
    check_u64("i32.clz", "1", 31, rt_i32_clz(1));
    check_u64("i32.clz", "0x80000000", 0, rt_i32_clz(0x80000000u));
    check_u64("i32.ctz", "0", 32, rt_i32_ctz(0));
    check_u64("i32.ctz", "0x80000000", 31, rt_i32_ctz(0x80000000u));
    check_u64("i32.popcnt", "0", 0, rt_i32_popcnt(0));
    check_u64("i32.popcnt", "all ones", 32, rt_i32_popcnt(UINT32_MAX));
    check_u64("i64.clz", "0", 64, rt_i64_clz(0));
    check_u64("i64.clz", "1", 63, rt_i64_clz(1));
    check_u64("i64.ctz", "0", 64, rt_i64_ctz(0));
    check_u64("i64.ctz", "2^63", 63, rt_i64_ctz(0x8000000000000000u));
    check_u64("i64.popcnt", "all ones", 64, rt_i64_popcnt(UINT64_MAX));

    check_u64("i32.shr_s", "min >> 31", 0xffffffff, rt_i32_shr_s(0x80000000u, 31));
    check_u64("i32.shr_s", "min >> 32 (mod 32)", 0x80000000, rt_i32_shr_s(0x80000000u, 32));
    check_u64("i32.shr_s", "0x7fffffff >> 1", 0x3fffffff, rt_i32_shr_s(0x7fffffffu, 1));
    check_u64("i32.shr_s", "-8 >> 0xffffffe1 (= 1)", 0xfffffffc, rt_i32_shr_s(0xfffffff8u, 0xffffffe1u));
    check_u64("i64.shr_s", "min >> 63", UINT64_MAX, rt_i64_shr_s(0x8000000000000000u, 63));
    check_u64("i64.shr_s", "min >> 64 (mod 64)", 0x8000000000000000u,
              rt_i64_shr_s(0x8000000000000000u, 64));
    check_u64("i64.shr_s", "1 >> 1", 0, rt_i64_shr_s(1, 1));
    check_u64("i32.rotl", "0x80000001 by 1", 3, rt_i32_rotl(0x80000001u, 1));
    check_u64("i32.rotl", "by 0", 0x12345678, rt_i32_rotl(0x12345678u, 0));
    check_u64("i32.rotl", "by 32", 0x12345678, rt_i32_rotl(0x12345678u, 32));
    check_u64("i32.rotr", "1 by 1", 0x80000000, rt_i32_rotr(1, 1));
    check_u64("i32.rotr", "by 36 (= 4)", 0x81234567, rt_i32_rotr(0x12345678u, 36));
    check_u64("i64.rotl", "2^63+1 by 1", 3, rt_i64_rotl(0x8000000000000001u, 1));
    check_u64("i64.rotr", "1 by 65 (= 1)", 0x8000000000000000u, rt_i64_rotr(1, 65));
    check_u64("i64.rotl", "by 0", 0xabcdef0123456789u, rt_i64_rotl(0xabcdef0123456789u, 0));

    check_u64("i32.extend8_s", "0x80", 0xffffff80, rt_i32_extend8_s(0x80));
    check_u64("i32.extend8_s", "0x7f", 0x7f, rt_i32_extend8_s(0x7f));
    check_u64("i32.extend8_s", "high bits ignored", 0x1, rt_i32_extend8_s(0x12345601u));
    check_u64("i32.extend16_s", "0x8000", 0xffff8000, rt_i32_extend16_s(0x8000));
    check_u64("i64.extend8_s", "0xff", UINT64_MAX, rt_i64_extend8_s(0xff));
    check_u64("i64.extend16_s", "0x7fff", 0x7fff, rt_i64_extend16_s(0xffffffffffff7fffu));
    check_u64("i64.extend32_s", "0x80000000", 0xffffffff80000000u,
              rt_i64_extend32_s(0x1234567880000000u));
    check_u64("i64.extend32_s", "0x7fffffff", 0x7fffffff, rt_i64_extend32_s(0xffffffff7fffffffu));

    uint32_t r32 = 0;
    uint64_t r64 = 0;
    check_u64("i32.div_s", "by 0 traps", WP_TRAP_DIV_ZERO, rt_i32_div_s(1, 0, &r32));
    check_u64("i32.div_s", "min / -1 traps", WP_TRAP_INT_OVERFLOW,
              rt_i32_div_s(0x80000000u, 0xffffffffu, &r32));
    check_u64("i32.div_s", "-7 / 2 traps not", WP_TRAP_NONE, rt_i32_div_s(0xfffffff9u, 2, &r32));
    check_u64("i32.div_s", "-7 / 2 = -3", 0xfffffffd, r32);
    check_u64("i32.rem_s", "by 0 traps", WP_TRAP_DIV_ZERO, rt_i32_rem_s(1, 0, &r32));
    check_u64("i32.rem_s", "min % -1 traps not", WP_TRAP_NONE,
              rt_i32_rem_s(0x80000000u, 0xffffffffu, &r32));
    check_u64("i32.rem_s", "min % -1 = 0", 0, r32);
    rt_i32_rem_s(0xfffffff9u, 2, &r32);
    check_u64("i32.rem_s", "-7 % 2 = -1", 0xffffffff, r32);
    rt_i32_rem_s(7, 0xfffffffeu, &r32);
    check_u64("i32.rem_s", "7 % -2 = 1", 1, r32);
    check_u64("i64.div_s", "by 0 traps", WP_TRAP_DIV_ZERO, rt_i64_div_s(1, 0, &r64));
    check_u64("i64.div_s", "min / -1 traps", WP_TRAP_INT_OVERFLOW,
              rt_i64_div_s(0x8000000000000000u, UINT64_MAX, &r64));
    rt_i64_div_s(0x8000000000000000u, 2, &r64);
    check_u64("i64.div_s", "min / 2", 0xc000000000000000u, r64);
    check_u64("i64.rem_s", "min % -1 traps not", WP_TRAP_NONE,
              rt_i64_rem_s(0x8000000000000000u, UINT64_MAX, &r64));
    check_u64("i64.rem_s", "min % -1 = 0", 0, r64);
    rt_i64_rem_s(0xfffffffffffffff9u, 2, &r64);
    check_u64("i64.rem_s", "-7 % 2 = -1", UINT64_MAX, r64);

    check_u64("signed", "i32 min", (uint64_t)(int64_t)INT32_MIN, (uint64_t)(int64_t)rt_i32_signed(0x80000000u));
    check_u64("signed", "i32 -1", UINT64_MAX, (uint64_t)(int64_t)rt_i32_signed(0xffffffffu));
    check_u64("signed", "i64 min", 0x8000000000000000u, (uint64_t)rt_i64_signed(0x8000000000000000u));
}

int main(void)
{
    test_float_ops();
    test_truncations();
    test_conversions();
    test_integers();
    printf("test_numeric: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
