/* The tier interface through the public API: one module run on every tier
 * the build has, each export checked against the expected results or trap
 * kind (the same table for every tier, so the tiers agree), plus tier
 * selection: what wp_module_tier reports. A second module runs v128 code
 * (params, results, locals, globals, blocks, calls, loads and stores with
 * their bounds traps, and the lane ops whose wasm rules differ from the
 * usual hardware ones) through the same table on every tier. A failing
 * check prints the tier, the case, what was expected and found. */
#include <stdio.h>
#include <string.h>

#include "wasmpipe/runtime.h"

static int failures, checks;

static void fail(const char *tier, const char *name, const char *fmt, const char *a,
                 long long x, long long y)
{
    failures++;
    printf("FAIL [%s] %s: ", tier, name);
    printf(fmt, a, x, y);
    printf("\n");
}

/* The module, from this WAT (wat2wasm 1.0):
 * (module
 *   (import "host" "add1" (func $add1 (param i32) (result i32)))
 *   (import "host" "fail" (func $fail))
 *   (memory 1 3)
 *   (table 2 funcref)
 *   (elem (i32.const 0) $fac)
 *   (func $fac (export "fac") (param i64) (result i64)
 *     (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 1))
 *       (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))
 *   (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
 *   (func (export "load") (param i32) (result i32) (i32.load offset=2 (local.get 0)))
 *   (func $rec (export "rec") (param i32) (result i32)
 *     (call $rec (i32.add (local.get 0) (i32.const 1))))
 *   (func (export "host") (param i32) (result i32) (call $add1 (local.get 0)))
 *   (func (export "host_fail") (call $fail))
 *   (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
 *   (func (export "indirect") (param i32 i64) (result i64)
 *     (call_indirect (param i64) (result i64) (local.get 1) (local.get 0)))
 *   (func (export "sum") (param i32) (result i32) (local $s i32)
 *     (block $done (loop $l
 *       (br_if $done (i32.eqz (local.get 0)))
 *       (local.set $s (i32.add (local.get $s) (local.get 0)))
 *       (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
 *       (br $l)))
 *     (local.get $s))
 *   (func (export "min") (param f32 f32) (result f32) (f32.min (local.get 0) (local.get 1)))
 *   (func (export "trunc") (param f64) (result i32) (i32.trunc_f64_s (local.get 0))))
 */
static const uint8_t module_bytes[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x25, 0x07, 0x60,
  0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00, 0x00, 0x60, 0x01, 0x7e, 0x01, 0x7e,
  0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7e, 0x01, 0x7e,
  0x60, 0x02, 0x7d, 0x7d, 0x01, 0x7d, 0x60, 0x01, 0x7c, 0x01, 0x7f, 0x02,
  0x19, 0x02, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x04, 0x61, 0x64, 0x64, 0x31,
  0x00, 0x00, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x04, 0x66, 0x61, 0x69, 0x6c,
  0x00, 0x01, 0x03, 0x0c, 0x0b, 0x02, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00,
  0x04, 0x00, 0x05, 0x06, 0x04, 0x04, 0x01, 0x70, 0x00, 0x02, 0x05, 0x04,
  0x01, 0x01, 0x01, 0x03, 0x07, 0x53, 0x0b, 0x03, 0x66, 0x61, 0x63, 0x00,
  0x02, 0x03, 0x64, 0x69, 0x76, 0x00, 0x03, 0x04, 0x6c, 0x6f, 0x61, 0x64,
  0x00, 0x04, 0x03, 0x72, 0x65, 0x63, 0x00, 0x05, 0x04, 0x68, 0x6f, 0x73,
  0x74, 0x00, 0x06, 0x09, 0x68, 0x6f, 0x73, 0x74, 0x5f, 0x66, 0x61, 0x69,
  0x6c, 0x00, 0x07, 0x04, 0x67, 0x72, 0x6f, 0x77, 0x00, 0x08, 0x08, 0x69,
  0x6e, 0x64, 0x69, 0x72, 0x65, 0x63, 0x74, 0x00, 0x09, 0x03, 0x73, 0x75,
  0x6d, 0x00, 0x0a, 0x03, 0x6d, 0x69, 0x6e, 0x00, 0x0b, 0x05, 0x74, 0x72,
  0x75, 0x6e, 0x63, 0x00, 0x0c, 0x09, 0x07, 0x01, 0x00, 0x41, 0x00, 0x0b,
  0x01, 0x02, 0x0a, 0x7e, 0x0b, 0x15, 0x00, 0x20, 0x00, 0x50, 0x04, 0x7e,
  0x42, 0x01, 0x05, 0x20, 0x00, 0x20, 0x00, 0x42, 0x01, 0x7d, 0x10, 0x02,
  0x7e, 0x0b, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01, 0x6d, 0x0b, 0x07,
  0x00, 0x20, 0x00, 0x28, 0x02, 0x02, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x41,
  0x01, 0x6a, 0x10, 0x05, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x10, 0x00, 0x0b,
  0x04, 0x00, 0x10, 0x01, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x40, 0x00, 0x0b,
  0x09, 0x00, 0x20, 0x01, 0x20, 0x00, 0x11, 0x02, 0x00, 0x0b, 0x21, 0x01,
  0x01, 0x7f, 0x02, 0x40, 0x03, 0x40, 0x20, 0x00, 0x45, 0x0d, 0x01, 0x20,
  0x01, 0x20, 0x00, 0x6a, 0x21, 0x01, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x21,
  0x00, 0x0c, 0x00, 0x0b, 0x0b, 0x20, 0x01, 0x0b, 0x07, 0x00, 0x20, 0x00,
  0x20, 0x01, 0x96, 0x0b, 0x05, 0x00, 0x20, 0x00, 0xaa, 0x0b
};

/* The SIMD module, from this WAT (wat2wasm 1.0):
 * (module
 *   (type $vv_v (func (param v128 v128) (result v128)))
 *   (memory 1)
 *   (table 1 funcref)
 *   (elem (i32.const 0) $add)
 *   (global $g (mut v128) (v128.const i32x4 1 2 3 4))
 *   (func $add (export "add") (type $vv_v) (i32x4.add (local.get 0) (local.get 1)))
 *   (func (export "add_indirect") (param v128 v128) (result v128)
 *     (call_indirect (type $vv_v) (local.get 0) (local.get 1) (i32.const 0)))
 *   (func (export "load") (param i32) (result v128) (v128.load offset=16 (local.get 0)))
 *   (func (export "store_load") (param i32 v128) (result v128)
 *     (v128.store (local.get 0) (local.get 1)) (v128.load (local.get 0)))
 *   (func (export "load_lane") (param i32 v128) (result v128)
 *     (v128.load32_lane 3 (local.get 0) (local.get 1)))
 *   (func (export "splat_load") (param i32) (result v128) (v128.load16_splat (local.get 0)))
 *   (func (export "swizzle") (param v128 v128) (result v128) (i8x16.swizzle (local.get 0) (local.get 1)))
 *   (func (export "fmin") (param v128 v128) (result v128) (f32x4.min (local.get 0) (local.get 1)))
 *   (func (export "nearest") (param v128) (result v128) (f32x4.nearest (local.get 0)))
 *   (func (export "trunc_sat") (param v128) (result v128) (i32x4.trunc_sat_f32x4_s (local.get 0)))
 *   (func (export "narrow") (param v128 v128) (result v128) (i8x16.narrow_i16x8_s (local.get 0) (local.get 1)))
 *   (func (export "q15") (param v128 v128) (result v128) (i16x8.q15mulr_sat_s (local.get 0) (local.get 1)))
 *   (func (export "shl") (param v128 i32) (result v128) (i16x8.shl (local.get 0) (local.get 1)))
 *   (func (export "bitmask") (param v128) (result i32) (i8x16.bitmask (local.get 0)))
 *   (func (export "swap_global") (param v128) (result v128)
 *     (global.get $g) (global.set $g (local.get 0)))
 *   (func (export "select") (param v128 v128 i32) (result v128)
 *     (select (local.get 0) (local.get 1) (local.get 2)))
 *   (func (export "mixed") (param i32 v128 i64 v128) (result i64 v128 i32)
 *     (local $acc v128)
 *     (local.set $acc (local.get 3))
 *     (block $done
 *       (loop $l
 *         (br_if $done (i32.eqz (local.get 0)))
 *         (local.set $acc (i64x2.add (local.get $acc) (local.get 1)))
 *         (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
 *         (br $l)))
 *     (local.get 2)
 *     (if (result v128) (i64.eqz (local.get 2))
 *       (then (local.get $acc)) (else (i64x2.splat (local.get 2))))
 *     (i64x2.all_true (local.get $acc))))
 */
static const uint8_t simd_bytes[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x33, 0x08, 0x60,
  0x02, 0x7b, 0x7b, 0x01, 0x7b, 0x60, 0x01, 0x7f, 0x01, 0x7b, 0x60, 0x02,
  0x7f, 0x7b, 0x01, 0x7b, 0x60, 0x01, 0x7b, 0x01, 0x7b, 0x60, 0x02, 0x7b,
  0x7f, 0x01, 0x7b, 0x60, 0x01, 0x7b, 0x01, 0x7f, 0x60, 0x03, 0x7b, 0x7b,
  0x7f, 0x01, 0x7b, 0x60, 0x04, 0x7f, 0x7b, 0x7e, 0x7b, 0x03, 0x7e, 0x7b,
  0x7f, 0x03, 0x12, 0x11, 0x00, 0x00, 0x01, 0x02, 0x02, 0x01, 0x00, 0x00,
  0x03, 0x03, 0x00, 0x00, 0x04, 0x05, 0x03, 0x06, 0x07, 0x04, 0x04, 0x01,
  0x70, 0x00, 0x01, 0x05, 0x03, 0x01, 0x00, 0x01, 0x06, 0x16, 0x01, 0x7b,
  0x01, 0xfd, 0x0c, 0x01, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x03,
  0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x0b, 0x07, 0xa8, 0x01, 0x11,
  0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x0c, 0x61, 0x64, 0x64, 0x5f, 0x69,
  0x6e, 0x64, 0x69, 0x72, 0x65, 0x63, 0x74, 0x00, 0x01, 0x04, 0x6c, 0x6f,
  0x61, 0x64, 0x00, 0x02, 0x0a, 0x73, 0x74, 0x6f, 0x72, 0x65, 0x5f, 0x6c,
  0x6f, 0x61, 0x64, 0x00, 0x03, 0x09, 0x6c, 0x6f, 0x61, 0x64, 0x5f, 0x6c,
  0x61, 0x6e, 0x65, 0x00, 0x04, 0x0a, 0x73, 0x70, 0x6c, 0x61, 0x74, 0x5f,
  0x6c, 0x6f, 0x61, 0x64, 0x00, 0x05, 0x07, 0x73, 0x77, 0x69, 0x7a, 0x7a,
  0x6c, 0x65, 0x00, 0x06, 0x04, 0x66, 0x6d, 0x69, 0x6e, 0x00, 0x07, 0x07,
  0x6e, 0x65, 0x61, 0x72, 0x65, 0x73, 0x74, 0x00, 0x08, 0x09, 0x74, 0x72,
  0x75, 0x6e, 0x63, 0x5f, 0x73, 0x61, 0x74, 0x00, 0x09, 0x06, 0x6e, 0x61,
  0x72, 0x72, 0x6f, 0x77, 0x00, 0x0a, 0x03, 0x71, 0x31, 0x35, 0x00, 0x0b,
  0x03, 0x73, 0x68, 0x6c, 0x00, 0x0c, 0x07, 0x62, 0x69, 0x74, 0x6d, 0x61,
  0x73, 0x6b, 0x00, 0x0d, 0x0b, 0x73, 0x77, 0x61, 0x70, 0x5f, 0x67, 0x6c,
  0x6f, 0x62, 0x61, 0x6c, 0x00, 0x0e, 0x06, 0x73, 0x65, 0x6c, 0x65, 0x63,
  0x74, 0x00, 0x0f, 0x05, 0x6d, 0x69, 0x78, 0x65, 0x64, 0x00, 0x10, 0x09,
  0x07, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x01, 0x00, 0x0a, 0xd9, 0x01, 0x11,
  0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0xfd, 0xae, 0x01, 0x0b, 0x0b, 0x00,
  0x20, 0x00, 0x20, 0x01, 0x41, 0x00, 0x11, 0x00, 0x00, 0x0b, 0x08, 0x00,
  0x20, 0x00, 0xfd, 0x00, 0x04, 0x10, 0x0b, 0x10, 0x00, 0x20, 0x00, 0x20,
  0x01, 0xfd, 0x0b, 0x04, 0x00, 0x20, 0x00, 0xfd, 0x00, 0x04, 0x00, 0x0b,
  0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0xfd, 0x56, 0x02, 0x00, 0x03, 0x0b,
  0x08, 0x00, 0x20, 0x00, 0xfd, 0x08, 0x01, 0x00, 0x0b, 0x08, 0x00, 0x20,
  0x00, 0x20, 0x01, 0xfd, 0x0e, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01,
  0xfd, 0xe8, 0x01, 0x0b, 0x06, 0x00, 0x20, 0x00, 0xfd, 0x6a, 0x0b, 0x07,
  0x00, 0x20, 0x00, 0xfd, 0xf8, 0x01, 0x0b, 0x08, 0x00, 0x20, 0x00, 0x20,
  0x01, 0xfd, 0x65, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0xfd, 0x82,
  0x01, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0xfd, 0x8b, 0x01, 0x0b,
  0x06, 0x00, 0x20, 0x00, 0xfd, 0x64, 0x0b, 0x08, 0x00, 0x23, 0x00, 0x20,
  0x00, 0x24, 0x00, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02,
  0x1b, 0x0b, 0x39, 0x01, 0x01, 0x7b, 0x20, 0x03, 0x21, 0x04, 0x02, 0x40,
  0x03, 0x40, 0x20, 0x00, 0x45, 0x0d, 0x01, 0x20, 0x04, 0x20, 0x01, 0xfd,
  0xce, 0x01, 0x21, 0x04, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x21, 0x00, 0x0c,
  0x00, 0x0b, 0x0b, 0x20, 0x02, 0x20, 0x02, 0x50, 0x04, 0x7b, 0x20, 0x04,
  0x05, 0x20, 0x02, 0xfd, 0x12, 0x0b, 0x20, 0x04, 0xfd, 0xc3, 0x01, 0x0b
};

static wp_status host_add1(wp_call *call, void *user, uint64_t *slots)
{
    (void)call; (void)user;
    slots[0] = (uint32_t)((uint32_t)slots[0] + 1);
    return WP_OK;
}

static wp_status host_fail(wp_call *call, void *user, uint64_t *slots)
{
    (void)user; (void)slots;
    return wp_call_trap(call, "the host says no");
}

#define F32(x) ((uint64_t)(x))
static const struct {
    const char *name, *export_;
    uint32_t    nargs;
    uint64_t    args[2];
    wp_status   want;
    int         want_trap;
    uint64_t    result;      /* slot 0 when want is WP_OK */
} cases[] = {
    { "factorial 20",            "fac", 1, { 20 }, WP_OK, 0, 2432902008176640000ull },
    { "div",                     "div", 2, { (uint32_t)-7, 2 }, WP_OK, 0, (uint32_t)-3 },
    { "div by zero",             "div", 2, { 1, 0 }, WP_ERR_TRAP, WP_TRAP_DIV_ZERO, 0 },
    { "div overflow",            "div", 2, { 0x80000000u, 0xffffffffu }, WP_ERR_TRAP,
                                 WP_TRAP_INT_OVERFLOW, 0 },
    { "load in bounds",          "load", 1, { 65530 }, WP_OK, 0, 0 },
    { "load past the end",       "load", 1, { 65531 }, WP_ERR_TRAP, WP_TRAP_MEMORY_OOB, 0 },
    { "load at 4 GiB - 1",       "load", 1, { 0xffffffffu }, WP_ERR_TRAP, WP_TRAP_MEMORY_OOB, 0 },
    { "runaway recursion",       "rec", 1, { 0 }, WP_ERR_TRAP, WP_TRAP_STACK_EXHAUSTED, 0 },
    { "host import",             "host", 1, { 41 }, WP_OK, 0, 42 },
    { "host trap",               "host_fail", 0, { 0 }, WP_ERR_TRAP, WP_TRAP_HOST, 0 },
    { "grow to the declared max", "grow", 1, { 2 }, WP_OK, 0, 1 },
    { "grow past the max",       "grow", 1, { 1 }, WP_OK, 0, 0xffffffffu },
    { "load after grow",         "load", 1, { 3 * 65536 - 6 }, WP_OK, 0, 0 },
    { "call_indirect",           "indirect", 2, { 0, 5 }, WP_OK, 0, 120 },
    { "call_indirect null",      "indirect", 2, { 1, 5 }, WP_ERR_TRAP, WP_TRAP_UNINITIALIZED, 0 },
    { "call_indirect past end",  "indirect", 2, { 2, 5 }, WP_ERR_TRAP,
                                 WP_TRAP_UNDEFINED_ELEMENT, 0 },
    { "loop",                    "sum", 1, { 100000 }, WP_OK, 0, 705082704u },
    { "min -0 +0",               "min", 2, { F32(0x00000000u), F32(0x80000000u) }, WP_OK, 0,
                                 0x80000000u },
    { "min with NaN",            "min", 2, { F32(0x7fc00001u), F32(0x3f800000u) }, WP_OK, 0,
                                 0x7fc00001u },
    { "trunc in range",          "trunc", 1, { 0xc1dfffffffc00000ull /* -2147483647 */ }, WP_OK, 0,
                                 0x80000001u },
    { "trunc overflow",          "trunc", 1, { 0x41e0000000000000ull /* 2^31 */ }, WP_ERR_TRAP,
                                 WP_TRAP_INT_OVERFLOW, 0 },
    { "trunc NaN",               "trunc", 1, { 0x7ff8000000000000ull }, WP_ERR_TRAP,
                                 WP_TRAP_INVALID_CONVERSION, 0 },
};

/* Calls of the SIMD module, in order on one instance (the loads read
 * what store_load wrote): raw slots in and out, a v128 taking two. */
#define V(lo, hi) lo##ull, hi##ull
static const struct {
    const char *name, *export_;
    uint32_t    nargs;
    uint64_t    args[6];
    int         want_trap;   /* 0: returns */
    uint32_t    nres;
    uint64_t    res[4];
} simd_cases[] = {
    { "i32x4.add", "add", 4, { V(0x0000000200000001, 0xffffffff00000003),
                               V(0x000000140000000a, 0x000000010000001e) },
      0, 2, { V(0x000000160000000b, 0x0000000000000021) } },
    { "call_indirect of v128s", "add_indirect", 4, { V(0x0000000200000001, 0xffffffff00000003),
                                                     V(0x000000140000000a, 0x000000010000001e) },
      0, 2, { V(0x000000160000000b, 0x0000000000000021) } },
    { "v128.store then load", "store_load", 3, { 16, V(0x0706050403020100, 0x0f0e0d0c0b0a0908) },
      0, 2, { V(0x0706050403020100, 0x0f0e0d0c0b0a0908) } },
    { "v128.load offset=16", "load", 1, { 0 }, 0, 2, { V(0x0706050403020100, 0x0f0e0d0c0b0a0908) } },
    { "v128.load at the end", "load", 1, { 65536 - 32 }, 0, 2, { 0, 0 } },
    { "v128.load one past the end", "load", 1, { 65536 - 31 }, WP_TRAP_MEMORY_OOB, 0, { 0 } },
    { "v128.load at 4 GiB - 1", "load", 1, { 0xffffffffu }, WP_TRAP_MEMORY_OOB, 0, { 0 } },
    { "v128.store past the end", "store_load", 3, { 65536 - 15, V(1, 2) }, WP_TRAP_MEMORY_OOB, 0,
      { 0 } },
    { "v128.load32_lane 3", "load_lane", 3, { 16, V(0, 0) }, 0, 2, { V(0, 0x0302010000000000) } },
    { "v128.load32_lane past the end", "load_lane", 3, { 65533, V(0, 0) }, WP_TRAP_MEMORY_OOB, 0,
      { 0 } },
    { "v128.load16_splat", "splat_load", 1, { 18 }, 0, 2,
      { V(0x0302030203020302, 0x0302030203020302) } },
    { "i8x16.swizzle, indices 16 and up give 0", "swizzle", 4,
      { V(0x0706050403020100, 0x0f0e0d0c0b0a0908), V(0x00200e8001ff100f, 0x0706050403020100) },
      0, 2, { V(0x00000e000100000f, 0x0706050403020100) } },
    { "f32x4.min: -0, NaN, signalling NaN", "fmin", 4,
      { V(0x7fc0000180000000, 0x400000003f800000), V(0x3f80000000000000, 0xc04000007fa00000) },
      0, 2, { V(0x7fc0000180000000, 0xc04000007fe00000) } },
    { "f32x4.nearest, ties to even", "nearest", 2, { V(0xbf00000040200000, 0xbfc0000040600000) },
      0, 2, { V(0x8000000040000000, 0xc000000040800000) } },
    { "i32x4.trunc_sat_f32x4_s: NaN, both ends", "trunc_sat", 2,
      { V(0x4f32d05e7fc00000, 0xbff33333cf32d05e) }, 0, 2,
      { V(0x7fffffff00000000, 0xffffffff80000000) } },
    { "i8x16.narrow_i16x8_s", "narrow", 4,
      { V(0xff80007ffed4012c, 0x7fffffff00010000), V(0x00060005ff7f0080, 0x000a000900080007) },
      0, 2, { V(0x7fff0100807f807f, 0x0a0908070605807f) } },
    { "i16x8.q15mulr_sat_s", "q15", 4, { V(0xffff006440008000, 0), V(0x000100c840008000, 0) },
      0, 2, { V(0x0000000120007fff, 0) } },
    { "i16x8.shl by 17 (mod 16)", "shl", 3, { V(0x8001800180018001, 0x8001800180018001), 17 },
      0, 2, { V(0x0002000200020002, 0x0002000200020002) } },
    { "i8x16.bitmask", "bitmask", 2, { V(0x00ff000080000001, 0x8000000000000080) }, 0, 1,
      { 0x8148 } },
    { "v128 global, initial", "swap_global", 2, { V(5, 6) }, 0, 2,
      { V(0x0000000200000001, 0x0000000400000003) } },
    { "v128 global, set", "swap_global", 2, { V(7, 8) }, 0, 2, { V(5, 6) } },
    { "select v128, false", "select", 5, { V(1, 2), V(3, 4), 0 }, 0, 2, { V(3, 4) } },
    { "select v128, true", "select", 5, { V(1, 2), V(3, 4), 1 }, 0, 2, { V(1, 2) } },
    { "v128 locals, loop, if, mixed slots", "mixed", 6, { 3, V(1, 2), 0, V(10, 20) }, 0, 4,
      { 0, V(13, 26), 1 } },
    { "mixed slots, other arm", "mixed", 6, { 0, V(1, 1), 5, V(0, 7) }, 0, 4, { 5, V(5, 5), 0 } },
};
#undef V

/* Runs simd_cases on m's instance under tier_name. */
static void run_simd(wp_module *m, const char *tier_name)
{
    wp_instance *si = NULL;
    wp_error err;
    if (wp_instance_create(m, NULL, NULL, &si, &err) != WP_OK) {
        fail(tier_name, "simd instantiate", "%s%lld%lld", err.msg, 0, 0);
        return;
    }
    for (size_t i = 0; i < sizeof simd_cases / sizeof simd_cases[0]; i++) {
        wp_extern ex;
        checks++;
        if (wp_instance_export(si, simd_cases[i].export_, &ex, &err) != WP_OK) {
            fail(tier_name, simd_cases[i].name, "no export %s%lld%lld", simd_cases[i].export_, 0, 0);
            continue;
        }
        uint64_t slots[6] = { 0 };
        memcpy(slots, simd_cases[i].args, simd_cases[i].nargs * sizeof slots[0]);
        memset(&err, 0, sizeof err);
        wp_status s = wp_func_call_raw(ex.of.func, slots, &err);
        int want = simd_cases[i].want_trap;
        if (want != 0 && (s != WP_ERR_TRAP || err.detail != want)) {
            fail(tier_name, simd_cases[i].name, "expected trap %s%lld, found status %lld", "",
                 want, (long long)s * 100 + (s == WP_OK ? 0 : err.detail));
            continue;
        }
        if (want != 0)
            continue;
        if (s != WP_OK) {
            fail(tier_name, simd_cases[i].name, "expected a result, found %s (%lld%lld)", err.msg,
                 0, 0);
            continue;
        }
        for (uint32_t k = 0; k < simd_cases[i].nres; k++)
            if (slots[k] != simd_cases[i].res[k])
                fail(tier_name, simd_cases[i].name, "slot %s%lld: found 0x%llx", "", k,
                     (long long)slots[k]);
    }
    wp_instance_destroy(si);
}

static void run_tier(wp_tier tier, const char *tier_name, const char *want_tier)
{
    wp_engine_config cfg = { .tier = tier, .max_call_depth = 5000 };
    wp_engine *e = NULL;
    wp_error err;
    if (wp_engine_create(&cfg, &e, &err) != WP_OK) {
        fail(tier_name, "engine", "%s%lld%lld", err.msg, 0, 0);
        return;
    }
    wp_module *m = NULL;
    if (wp_module_compile(e, module_bytes, sizeof module_bytes, &m, &err) != WP_OK) {
        fail(tier_name, "compile", "%s%lld%lld", err.msg, 0, 0);
        wp_engine_destroy(e);
        return;
    }
    checks++;
    const char *why = NULL;
    const char *got_tier = wp_module_tier(m, &why);
    if (strcmp(got_tier, want_tier) != 0)
        fail(tier_name, "wp_module_tier", "expected %s, found it elsewhere (%lld%lld)",
             want_tier, 0, 0);

    static const wp_valtype i32[1] = { WP_I32 };
    wp_functype t_add1 = { i32, 1, i32, 1 }, t_fail = { NULL, 0, NULL, 0 };
    wp_func *add1 = NULL, *hfail = NULL;
    wp_imports *im = NULL;
    wp_instance *in = NULL;
    if (wp_func_create_host(e, &t_add1, host_add1, NULL, &add1, &err) != WP_OK ||
        wp_func_create_host(e, &t_fail, host_fail, NULL, &hfail, &err) != WP_OK ||
        wp_imports_create(e, &im, &err) != WP_OK ||
        wp_imports_define(im, "host", "add1", (wp_extern){ .kind = WP_EXTERN_FUNC, .of.func = add1 },
                          &err) != WP_OK ||
        wp_imports_define(im, "host", "fail", (wp_extern){ .kind = WP_EXTERN_FUNC, .of.func = hfail },
                          &err) != WP_OK ||
        wp_instance_create(m, im, NULL, &in, &err) != WP_OK) {
        fail(tier_name, "instantiate", "%s%lld%lld", err.msg, 0, 0);
    } else {
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            wp_extern ex;
            checks++;
            if (wp_instance_export(in, cases[i].export_, &ex, &err) != WP_OK) {
                fail(tier_name, cases[i].name, "no export %s%lld%lld", cases[i].export_, 0, 0);
                continue;
            }
            uint64_t slots[2] = { cases[i].args[0], cases[i].args[1] };
            memset(&err, 0, sizeof err);
            wp_status s = wp_func_call_raw(ex.of.func, slots, &err);
            if (s != cases[i].want || (s == WP_ERR_TRAP && err.detail != cases[i].want_trap))
                fail(tier_name, cases[i].name, "expected status/trap %s%lld, found %lld",
                     "", (long long)cases[i].want * 100 + cases[i].want_trap,
                     (long long)s * 100 + (s == WP_OK ? 0 : err.detail));
            else if (s == WP_OK && slots[0] != cases[i].result)
                fail(tier_name, cases[i].name, "expected %s0x%llx, found 0x%llx", "",
                     (long long)cases[i].result, (long long)slots[0]);
        }
    }
    wp_instance_destroy(in);
    wp_imports_destroy(im);
    wp_func_destroy(add1);
    wp_func_destroy(hfail);
    wp_module_destroy(m);

    /* The SIMD module: on the JIT tier it is native code too. */
    checks++;
    if (wp_module_compile(e, simd_bytes, sizeof simd_bytes, &m, &err) != WP_OK) {
        fail(tier_name, "simd compile", "%s%lld%lld", err.msg, 0, 0);
    } else {
        why = NULL;
        if (strcmp(wp_module_tier(m, &why), want_tier) != 0)
            fail(tier_name, "simd tier", "not on the expected tier: %s (%lld%lld)",
                 why != NULL ? why : "no reason given", 0, 0);
        run_simd(m, tier_name);
        wp_module_destroy(m);
    }
    wp_engine_destroy(e);
}

int main(void)
{
    run_tier(WP_TIER_INTERP, "interp", "interp");
#ifdef WP_HAVE_JIT
    run_tier(WP_TIER_JIT, "jit", "jit");
#else
    run_tier(WP_TIER_JIT, "jit (not built)", "interp");
#endif
    printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
