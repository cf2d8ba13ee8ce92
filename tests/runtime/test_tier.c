/* The tier interface through the public API: one module run on every tier
 * the build has, each export checked against the expected results or trap
 * kind (the same table for every tier, so the tiers agree), plus tier
 * selection: what wp_module_tier reports, and that a module the JIT does
 * not compile (SIMD) runs on the interpreter with its reason given. A
 * failing check prints the tier, the case, what was expected and found. */
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

/* (module (func (export "lane") (result i32)
 *   (i32x4.extract_lane 0 (v128.const i32x4 7 0 0 0)))) */
static const uint8_t simd_bytes[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60,
  0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x07, 0x08, 0x01, 0x04, 0x6c,
  0x61, 0x6e, 0x65, 0x00, 0x00, 0x0a, 0x19, 0x01, 0x17, 0x00, 0xfd, 0x0c,
  0x07, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
  0x00, 0x00, 0x00, 0x00, 0xfd, 0x1b, 0x00, 0x0b
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

    /* A SIMD module: runs everywhere; the JIT leaves it to the interpreter. */
    checks++;
    if (wp_module_compile(e, simd_bytes, sizeof simd_bytes, &m, &err) != WP_OK) {
        fail(tier_name, "simd compile", "%s%lld%lld", err.msg, 0, 0);
    } else {
        why = NULL;
        if (strcmp(wp_module_tier(m, &why), "interp") != 0)
            fail(tier_name, "simd tier", "expected %s%lld%lld", "interp", 0, 0);
        if (tier == WP_TIER_JIT && strcmp(want_tier, "jit") == 0 &&
            (why == NULL || (strstr(why, "v128") == NULL && strstr(why, "SIMD") == NULL)))
            fail(tier_name, "simd reason", "expected a reason naming SIMD, found %s%lld%lld",
                 why ? why : "(none)", 0, 0);
        wp_instance *si = NULL;
        wp_extern ex;
        uint64_t slot = 0;
        if (wp_instance_create(m, NULL, NULL, &si, &err) != WP_OK ||
            wp_instance_export(si, "lane", &ex, &err) != WP_OK ||
            wp_func_call_raw(ex.of.func, &slot, &err) != WP_OK || slot != 7)
            fail(tier_name, "simd run", "expected 7, found %s%lld (%lld)", "", (long long)slot, 0);
        wp_instance_destroy(si);
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
