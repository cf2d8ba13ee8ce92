/* The proposals the engine enables by default (wp_feature): extended
 * constant expressions, multi-memory and tail calls, each through the
 * public API on a module written in WAT (the source is beside its bytes,
 * made with `wat2wasm --enable-all`), and each refused again when its
 * feature is turned off in wp_engine_config.disabled_features. The spec
 * scripts of the proposals run in the spec-proposals test; these cases pin
 * what those do not: the features switch, and that a tail call runs a
 * million-deep recursion in constant stack. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmpipe/runtime.h"

static int failures;

#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            failures++;                                                    \
            printf("%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            printf(__VA_ARGS__);                                           \
            printf("\n");                                                  \
        }                                                                  \
    } while (0)

static wp_engine *new_engine(uint32_t disabled)
{
    wp_engine_config cfg = { .disabled_features = disabled };
    wp_engine *e = NULL;
    wp_error err;
    if (wp_engine_create(&cfg, &e, &err) != WP_OK) {
        printf("cannot create an engine: %s\n", err.msg);
        exit(1);
    }
    return e;
}

/* Compiles with every feature on and with `feature` off; the second must
 * fail with `want_off`. Returns the module of the first (NULL on failure). */
static wp_module *compile_both(wp_engine *on, wp_engine *off, const char *what,
                               const uint8_t *bytes, size_t len, wp_status want_off)
{
    wp_module *m = NULL, *m2 = NULL;
    wp_error err;
    wp_status st = wp_module_compile(on, bytes, len, &m, &err);
    CHECK(st == WP_OK, "%s: compile: %s", what, st == WP_OK ? "" : err.msg);
    st = wp_module_compile(off, bytes, len, &m2, &err);
    CHECK(st == want_off, "%s with the feature off: status %s, want %s (%s)", what,
          wp_status_text(st), wp_status_text(want_off), st == WP_OK ? "compiled" : err.msg);
    wp_module_destroy(m2);
    return m;
}

static wp_extern get_export(wp_instance *in, const char *name)
{
    wp_extern x;
    wp_error err;
    memset(&x, 0, sizeof x);
    wp_status st = wp_instance_export(in, name, &x, &err);
    CHECK(st == WP_OK, "export %s: %s", name, st == WP_OK ? "" : err.msg);
    return x;
}

/* ---------------------------------------------------------------- extended constant expressions */

/* (module
 *   (global (import "env" "base") i32)
 *   (global (export "g") i32 (i32.add (i32.sub (i32.mul (i32.const 20) (i32.const 2))
 *                                              (i32.const 2)) (i32.const 4)))
 *   (global (export "h") i64 (i64.mul (i64.const -3) (i64.const 5)))
 *   (global (export "k") i32 (i32.mul (global.get 0) (i32.add (global.get 0) (i32.const 1))))
 *   (memory (export "mem") 1)
 *   (data (i32.add (global.get 0) (i32.const 3)) "x")) */
static const uint8_t extconst_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x02, 0x0d, 0x01, 0x03,
    0x65, 0x6e, 0x76, 0x04, 0x62, 0x61, 0x73, 0x65, 0x03, 0x7f, 0x00, 0x05,
    0x03, 0x01, 0x00, 0x01, 0x06, 0x22, 0x03, 0x7f, 0x00, 0x41, 0x14, 0x41,
    0x02, 0x6c, 0x41, 0x02, 0x6b, 0x41, 0x04, 0x6a, 0x0b, 0x7e, 0x00, 0x42,
    0x7d, 0x42, 0x05, 0x7e, 0x0b, 0x7f, 0x00, 0x23, 0x00, 0x23, 0x00, 0x41,
    0x01, 0x6a, 0x6c, 0x0b, 0x07, 0x13, 0x04, 0x01, 0x67, 0x03, 0x01, 0x01,
    0x68, 0x03, 0x02, 0x01, 0x6b, 0x03, 0x03, 0x03, 0x6d, 0x65, 0x6d, 0x02,
    0x00, 0x0b, 0x0a, 0x01, 0x00, 0x23, 0x00, 0x41, 0x03, 0x6a, 0x0b, 0x01,
    0x78,
};

static void test_extended_const(void)
{
    wp_engine *on = new_engine(0);
    wp_engine *off = new_engine(WP_FEATURE_EXTENDED_CONST);
    wp_module *m = compile_both(on, off, "extended constant expressions", extconst_wasm,
                                sizeof extconst_wasm, WP_ERR_INVALID);
    wp_error err;
    wp_imports *im = NULL;
    wp_global *base = NULL;
    wp_instance *in = NULL;
    wp_value v = { .type = WP_I32, .of.i32 = 100 };
    if (m == NULL || wp_imports_create(on, &im, &err) != WP_OK ||
        wp_global_create(on, &v, false, &base, &err) != WP_OK ||
        wp_imports_define(im, "env", "base", (wp_extern){ .kind = WP_EXTERN_GLOBAL, .of.global = base },
                          &err) != WP_OK ||
        wp_instance_create(m, im, NULL, &in, &err) != WP_OK) {
        CHECK(0, "extended constant expressions: cannot instantiate: %s", err.msg);
    } else {
        wp_value g = wp_global_get(get_export(in, "g").of.global);
        wp_value h = wp_global_get(get_export(in, "h").of.global);
        wp_value k = wp_global_get(get_export(in, "k").of.global);
        CHECK(g.of.i32 == 42, "g = %d, want 42", g.of.i32);
        CHECK(h.of.i64 == -15, "h = %lld, want -15", (long long)h.of.i64);
        CHECK(k.of.i32 == 10100, "k = %d, want 10100 (100 * 101)", k.of.i32);
        size_t len = 0;
        uint8_t *mem = wp_memory_data(get_export(in, "mem").of.memory, &len);
        CHECK(len > 103 && mem[103] == 'x', "the data segment at 100 + 3");
    }
    wp_instance_destroy(in);
    wp_global_destroy(base);
    wp_imports_destroy(im);
    wp_module_destroy(m);
    wp_engine_destroy(off);
    wp_engine_destroy(on);
}

/* ---------------------------------------------------------------- multi-memory */

/* Calls an export with i32 arguments; returns its i32 result (0 if none)
 * and the status in *st. */
static int32_t call_i32(wp_instance *in, const char *name, wp_status *st, wp_error *err,
                        int n, int32_t a, int32_t b, int32_t c)
{
    wp_value args[3] = { { .type = WP_I32, .of.i32 = a }, { .type = WP_I32, .of.i32 = b },
                         { .type = WP_I32, .of.i32 = c } };
    wp_value res[1];
    memset(res, 0, sizeof res);
    wp_extern f = get_export(in, name);
    wp_functype ft = wp_func_type(f.of.func);
    *st = wp_func_call(f.of.func, args, (uint32_t)n, res, ft.nresults, err);
    return res[0].of.i32;
}

#define CALL_OK(in, name, want, ...)                                              \
    do {                                                                         \
        wp_status st_;                                                           \
        wp_error err_;                                                           \
        int32_t got_ = call_i32((in), (name), &st_, &err_, __VA_ARGS__);          \
        CHECK(st_ == WP_OK && got_ == (want), "%s: status %s, result %d, want %d (%s)", \
              (name), wp_status_text(st_), got_, (int)(want), st_ == WP_OK ? "" : err_.msg); \
    } while (0)

/*
 * (module
 *   (memory $m0 (export "m0") 1)
 *   (memory $m1 (export "m1") 1 4)
 *   (data (memory $m1) (i32.const 16) "hello")
 *   (data $p "xyz")
 *   ;; stores a in memory 1 at 100 and b in memory 0 at 100, returns mem1[100] * 1000 + mem0[100]
 *   (func (export "separate") (param i32 i32) (result i32)
 *     (i32.store $m1 (i32.const 100) (local.get 0))
 *     (i32.store $m0 (i32.const 100) (local.get 1))
 *     (i32.add (i32.mul (i32.load $m1 (i32.const 100)) (i32.const 1000))
 *              (i32.load $m0 (i32.const 100))))
 *   (func (export "load1_8") (param i32) (result i32) (i32.load8_u $m1 (local.get 0)))
 *   (func (export "load0_8") (param i32) (result i32) (i32.load8_u $m0 (local.get 0)))
 *   (func (export "size1") (result i32) (memory.size $m1))
 *   (func (export "grow1") (param i32) (result i32) (memory.grow $m1 (local.get 0)))
 *   ;; copies n bytes from memory 1 at s to memory 0 at d
 *   (func (export "copy10") (param i32 i32 i32) (memory.copy $m0 $m1 (local.get 0) (local.get 1) (local.get 2)))
 *   (func (export "fill1") (param i32 i32 i32) (memory.fill $m1 (local.get 0) (local.get 1) (local.get 2)))
 *   (func (export "init1") (param i32) (memory.init $m1 $p (local.get 0) (i32.const 0) (i32.const 3)))
 *   ;; v128 copy of 16 bytes within memory 1
 *   (func (export "v128copy1") (param i32 i32) (v128.store $m1 (local.get 0) (v128.load $m1 (local.get 1))))
 *   (func (export "store1_oob") (i32.store $m1 (i32.const 65534) (i32.const 1))))
 */
static const uint8_t multimem_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x22, 0x07, 0x60,
    0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x00,
    0x01, 0x7f, 0x60, 0x03, 0x7f, 0x7f, 0x7f, 0x00, 0x60, 0x01, 0x7f, 0x00,
    0x60, 0x02, 0x7f, 0x7f, 0x00, 0x60, 0x00, 0x00, 0x03, 0x0b, 0x0a, 0x00,
    0x01, 0x01, 0x02, 0x01, 0x03, 0x03, 0x04, 0x05, 0x06, 0x05, 0x06, 0x02,
    0x00, 0x01, 0x01, 0x01, 0x04, 0x07, 0x6c, 0x0c, 0x02, 0x6d, 0x30, 0x02,
    0x00, 0x02, 0x6d, 0x31, 0x02, 0x01, 0x08, 0x73, 0x65, 0x70, 0x61, 0x72,
    0x61, 0x74, 0x65, 0x00, 0x00, 0x07, 0x6c, 0x6f, 0x61, 0x64, 0x31, 0x5f,
    0x38, 0x00, 0x01, 0x07, 0x6c, 0x6f, 0x61, 0x64, 0x30, 0x5f, 0x38, 0x00,
    0x02, 0x05, 0x73, 0x69, 0x7a, 0x65, 0x31, 0x00, 0x03, 0x05, 0x67, 0x72,
    0x6f, 0x77, 0x31, 0x00, 0x04, 0x06, 0x63, 0x6f, 0x70, 0x79, 0x31, 0x30,
    0x00, 0x05, 0x05, 0x66, 0x69, 0x6c, 0x6c, 0x31, 0x00, 0x06, 0x05, 0x69,
    0x6e, 0x69, 0x74, 0x31, 0x00, 0x07, 0x09, 0x76, 0x31, 0x32, 0x38, 0x63,
    0x6f, 0x70, 0x79, 0x31, 0x00, 0x08, 0x0a, 0x73, 0x74, 0x6f, 0x72, 0x65,
    0x31, 0x5f, 0x6f, 0x6f, 0x62, 0x00, 0x09, 0x0c, 0x01, 0x02, 0x0a, 0x88,
    0x01, 0x0a, 0x25, 0x00, 0x41, 0xe4, 0x00, 0x20, 0x00, 0x36, 0x42, 0x01,
    0x00, 0x41, 0xe4, 0x00, 0x20, 0x01, 0x36, 0x02, 0x00, 0x41, 0xe4, 0x00,
    0x28, 0x42, 0x01, 0x00, 0x41, 0xe8, 0x07, 0x6c, 0x41, 0xe4, 0x00, 0x28,
    0x02, 0x00, 0x6a, 0x0b, 0x08, 0x00, 0x20, 0x00, 0x2d, 0x40, 0x01, 0x00,
    0x0b, 0x07, 0x00, 0x20, 0x00, 0x2d, 0x00, 0x00, 0x0b, 0x04, 0x00, 0x3f,
    0x01, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x40, 0x01, 0x0b, 0x0c, 0x00, 0x20,
    0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x0a, 0x00, 0x01, 0x0b, 0x0b, 0x00,
    0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfc, 0x0b, 0x01, 0x0b, 0x0c, 0x00,
    0x20, 0x00, 0x41, 0x00, 0x41, 0x03, 0xfc, 0x08, 0x01, 0x01, 0x0b, 0x10,
    0x00, 0x20, 0x00, 0x20, 0x01, 0xfd, 0x00, 0x44, 0x01, 0x00, 0xfd, 0x0b,
    0x44, 0x01, 0x00, 0x0b, 0x0c, 0x00, 0x41, 0xfe, 0xff, 0x03, 0x41, 0x01,
    0x36, 0x42, 0x01, 0x00, 0x0b, 0x0b, 0x11, 0x02, 0x02, 0x01, 0x41, 0x10,
    0x0b, 0x05, 0x68, 0x65, 0x6c, 0x6c, 0x6f, 0x01, 0x03, 0x78, 0x79, 0x7a,
};

/*
 * (module
 *   (import "env" "mem" (memory $a 1))
 *   (import "env" "mem" (memory $b 1))
 *   ;; grows memory b (the same memory as a), then stores through a beyond the old end
 *   (func (export "grow_b_store_a") (result i32)
 *     (drop (memory.grow $b (i32.const 1)))
 *     (i32.store $a (i32.const 70000) (i32.const 7))
 *     (i32.add (memory.size $a) (i32.load $b (i32.const 70000)))))
 */
static const uint8_t alias_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60,
    0x00, 0x01, 0x7f, 0x02, 0x17, 0x02, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x6d,
    0x65, 0x6d, 0x02, 0x00, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x6d, 0x65,
    0x6d, 0x02, 0x00, 0x01, 0x03, 0x02, 0x01, 0x00, 0x07, 0x12, 0x01, 0x0e,
    0x67, 0x72, 0x6f, 0x77, 0x5f, 0x62, 0x5f, 0x73, 0x74, 0x6f, 0x72, 0x65,
    0x5f, 0x61, 0x00, 0x00, 0x0a, 0x1d, 0x01, 0x1b, 0x00, 0x41, 0x01, 0x40,
    0x01, 0x1a, 0x41, 0xf0, 0xa2, 0x04, 0x41, 0x07, 0x36, 0x02, 0x00, 0x3f,
    0x00, 0x41, 0xf0, 0xa2, 0x04, 0x28, 0x42, 0x01, 0x00, 0x6a, 0x0b,
};

static void test_multi_memory(void)
{
    wp_engine *on = new_engine(0);
    wp_engine *off = new_engine(WP_FEATURE_MULTI_MEMORY);
    wp_error err;
    wp_module *m = compile_both(on, off, "multi-memory", multimem_wasm, sizeof multimem_wasm,
                                WP_ERR_INVALID);
    wp_instance *in = NULL;
    if (m != NULL && wp_instance_create(m, NULL, NULL, &in, &err) != WP_OK)
        CHECK(0, "multi-memory: cannot instantiate: %s", err.msg);
    if (in != NULL) {
        CALL_OK(in, "separate", 7 * 1000 + 9, 2, 7, 9, 0);
        CALL_OK(in, "load1_8", 'h', 1, 16, 0, 0);         /* the data segment of memory 1 */
        CALL_OK(in, "load0_8", 0, 1, 16, 0, 0);           /* ... is not in memory 0 */
        CALL_OK(in, "size1", 1, 0, 0, 0, 0);
        CALL_OK(in, "grow1", 1, 1, 2, 0, 0);
        CALL_OK(in, "size1", 3, 0, 0, 0, 0);
        CALL_OK(in, "grow1", -1, 1, 2, 0, 0);             /* past its max of 4 */
        CHECK(wp_memory_pages(wp_instance_memory(in)) == 1, "memory 0 did not grow");
        CALL_OK(in, "copy10", 0, 3, 200, 16, 5);          /* memory 1 [16, 21) -> memory 0 at 200 */
        CALL_OK(in, "load0_8", 'o', 1, 204, 0, 0);
        CALL_OK(in, "fill1", 0, 3, 300, 0xab, 4);
        CALL_OK(in, "load1_8", 0xab, 1, 303, 0, 0);
        CALL_OK(in, "load0_8", 0, 1, 303, 0, 0);
        CALL_OK(in, "init1", 0, 1, 400, 0, 0);
        CALL_OK(in, "load1_8", 'z', 1, 402, 0, 0);
        CALL_OK(in, "v128copy1", 0, 2, 500, 16, 0);
        CALL_OK(in, "load1_8", 'l', 1, 503, 0, 0);
        /* memory 1 is 3 pages now: 65534 is in bounds for it, not for memory 0 */
        CALL_OK(in, "store1_oob", 0, 0, 0, 0, 0);
        CALL_OK(in, "copy10", 0, 3, 0, 196600, 8);        /* memory 1's last bytes */
        wp_status st;
        call_i32(in, "copy10", &st, &err, 3, 65535, 0, 2); /* past memory 0's end */
        CHECK(st == WP_ERR_TRAP && err.detail == WP_TRAP_MEMORY_OOB,
              "memory.copy past memory 0: status %s", wp_status_text(st));
        call_i32(in, "load1_8", &st, &err, 1, 3 * 65536, 0, 0);
        CHECK(st == WP_ERR_TRAP && err.detail == WP_TRAP_MEMORY_OOB,
              "load past memory 1: status %s", wp_status_text(st));
    }
    wp_instance_destroy(in);
    wp_module_destroy(m);

    /* One memory imported twice: growing it through one index is seen
     * through the other. */
    m = compile_both(on, off, "one memory imported twice", alias_wasm, sizeof alias_wasm,
                     WP_ERR_INVALID);
    wp_memory *mem = NULL;
    wp_imports *im = NULL;
    in = NULL;
    if (m == NULL || wp_memory_create(on, (wp_limits){ 1, 2, true }, &mem, &err) != WP_OK ||
        wp_imports_create(on, &im, &err) != WP_OK ||
        wp_imports_define(im, "env", "mem", (wp_extern){ .kind = WP_EXTERN_MEMORY, .of.memory = mem },
                          &err) != WP_OK ||
        wp_instance_create(m, im, NULL, &in, &err) != WP_OK)
        CHECK(0, "one memory imported twice: cannot instantiate: %s", err.msg);
    else
        CALL_OK(in, "grow_b_store_a", 2 + 7, 0, 0, 0, 0);
    wp_instance_destroy(in);
    wp_imports_destroy(im);
    wp_memory_destroy(mem);
    wp_module_destroy(m);

    /* memory.size with the byte 0x01: memory 1 (there is none) with
     * multi-memory, 2.0's malformed reserved byte without. */
    static const uint8_t size1[] = {
        0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
        0x01, 0x04, 0x01, 0x60, 0x00, 0x00,             /* type () -> () */
        0x03, 0x02, 0x01, 0x00,                         /* one function */
        0x05, 0x03, 0x01, 0x00, 0x01,                   /* memory 1 page */
        0x0a, 0x07, 0x01, 0x05, 0x00, 0x3f, 0x01, 0x1a, 0x0b,
    };
    wp_module *m2 = NULL;
    wp_status st = wp_module_compile(on, size1, sizeof size1, &m2, &err);
    CHECK(st == WP_ERR_INVALID && strstr(err.msg, "unknown memory 1") != NULL,
          "memory.size 1: %s", st == WP_OK ? "compiled" : err.msg);
    wp_module_destroy(m2);
    m2 = NULL;
    st = wp_module_compile(off, size1, sizeof size1, &m2, &err);
    CHECK(st == WP_ERR_MALFORMED && strstr(err.msg, "zero byte expected") != NULL,
          "memory.size 1 in 2.0: %s", st == WP_OK ? "compiled" : err.msg);
    wp_module_destroy(m2);
    wp_engine_destroy(off);
    wp_engine_destroy(on);
}

/* ---------------------------------------------------------------- tail calls */

/*
 * (module
 *   (import "env" "twice" (func $twice (param i64) (result i64)))
 *   (type $pred (func (param i64) (result i32)))
 *   (table 2 funcref)
 *   (elem (i32.const 0) $even $odd)
 *   ;; sum n acc: acc + n + (n-1) + ... + 1, one tail call per step
 *   (func $sum (export "sum") (param i64 i64) (result i64)
 *     (if (i64.eqz (local.get 0)) (then (return (local.get 1))))
 *     (return_call $sum (i64.sub (local.get 0) (i64.const 1))
 *                       (i64.add (local.get 1) (local.get 0))))
 *   ;; the same with a plain call, which needs a frame per step
 *   (func $sum_call (export "sum_call") (param i64 i64) (result i64)
 *     (if (i64.eqz (local.get 0)) (then (return (local.get 1))))
 *     (call $sum_call (i64.sub (local.get 0) (i64.const 1))
 *                     (i64.add (local.get 1) (local.get 0))))
 *   ;; even and odd through the table
 *   (func $even (export "even") (param i64) (result i32)
 *     (if (result i32) (i64.eqz (local.get 0))
 *       (then (i32.const 1))
 *       (else (return_call_indirect (type $pred) (i64.sub (local.get 0) (i64.const 1)) (i32.const 1)))))
 *   (func $odd (param i64) (result i32)
 *     (if (result i32) (i64.eqz (local.get 0))
 *       (then (i32.const 0))
 *       (else (return_call_indirect (type $pred) (i64.sub (local.get 0) (i64.const 1)) (i32.const 0)))))
 *   ;; a tail call of a host function: its result is this function's
 *   (func (export "host_tail") (param i64) (result i64)
 *     (local i64 i64 i64)
 *     (local.set 1 (i64.const 5))
 *     (return_call $twice (i64.add (local.get 0) (local.get 1)))))
 */
static const uint8_t tail_wasm[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x11, 0x03, 0x60,
    0x01, 0x7e, 0x01, 0x7f, 0x60, 0x01, 0x7e, 0x01, 0x7e, 0x60, 0x02, 0x7e,
    0x7e, 0x01, 0x7e, 0x02, 0x0d, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x05, 0x74,
    0x77, 0x69, 0x63, 0x65, 0x00, 0x01, 0x03, 0x06, 0x05, 0x02, 0x02, 0x00,
    0x00, 0x01, 0x04, 0x04, 0x01, 0x70, 0x00, 0x02, 0x07, 0x25, 0x04, 0x03,
    0x73, 0x75, 0x6d, 0x00, 0x01, 0x08, 0x73, 0x75, 0x6d, 0x5f, 0x63, 0x61,
    0x6c, 0x6c, 0x00, 0x02, 0x04, 0x65, 0x76, 0x65, 0x6e, 0x00, 0x03, 0x09,
    0x68, 0x6f, 0x73, 0x74, 0x5f, 0x74, 0x61, 0x69, 0x6c, 0x00, 0x05, 0x09,
    0x08, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x02, 0x03, 0x04, 0x0a, 0x6d, 0x05,
    0x17, 0x00, 0x20, 0x00, 0x50, 0x04, 0x40, 0x20, 0x01, 0x0f, 0x0b, 0x20,
    0x00, 0x42, 0x01, 0x7d, 0x20, 0x01, 0x20, 0x00, 0x7c, 0x12, 0x01, 0x0b,
    0x17, 0x00, 0x20, 0x00, 0x50, 0x04, 0x40, 0x20, 0x01, 0x0f, 0x0b, 0x20,
    0x00, 0x42, 0x01, 0x7d, 0x20, 0x01, 0x20, 0x00, 0x7c, 0x10, 0x02, 0x0b,
    0x15, 0x00, 0x20, 0x00, 0x50, 0x04, 0x7f, 0x41, 0x01, 0x05, 0x20, 0x00,
    0x42, 0x01, 0x7d, 0x41, 0x01, 0x13, 0x00, 0x00, 0x0b, 0x0b, 0x15, 0x00,
    0x20, 0x00, 0x50, 0x04, 0x7f, 0x41, 0x00, 0x05, 0x20, 0x00, 0x42, 0x01,
    0x7d, 0x41, 0x00, 0x13, 0x00, 0x00, 0x0b, 0x0b, 0x0f, 0x01, 0x03, 0x7e,
    0x42, 0x05, 0x21, 0x01, 0x20, 0x00, 0x20, 0x01, 0x7c, 0x12, 0x00, 0x0b,
};

static wp_status host_twice(wp_call *call, void *user, uint64_t *slots)
{
    (void)call;
    (*(int *)user)++;
    slots[0] = slots[0] * 2;
    return WP_OK;
}

static int64_t call_i64(wp_instance *in, const char *name, wp_status *st, wp_error *err,
                        int n, int64_t a, int64_t b, wp_valtype rtype)
{
    wp_value args[2] = { { .type = WP_I64, .of.i64 = a }, { .type = WP_I64, .of.i64 = b } };
    wp_value res[1];
    memset(res, 0, sizeof res);
    *st = wp_func_call(get_export(in, name).of.func, args, (uint32_t)n, res, 1, err);
    return rtype == WP_I32 ? res[0].of.i32 : res[0].of.i64;
}

static void test_tail_calls(void)
{
    wp_engine *on = new_engine(0);
    wp_engine *off = new_engine(WP_FEATURE_TAIL_CALL);
    wp_error err;
    wp_module *m = compile_both(on, off, "tail calls", tail_wasm, sizeof tail_wasm,
                                WP_ERR_MALFORMED);
    static const wp_valtype i64[] = { WP_I64 };
    wp_functype ft = { i64, 1, i64, 1 };
    int host_calls = 0;
    wp_func *twice = NULL;
    wp_imports *im = NULL;
    wp_instance *in = NULL;
    /* 16 frames and a small value stack: only constant-space calls get far. */
    wp_instance_config cfg = { .max_call_depth = 16, .stack_slots = 4096 };
    if (m == NULL || wp_func_create_host(on, &ft, host_twice, &host_calls, &twice, &err) != WP_OK ||
        wp_imports_create(on, &im, &err) != WP_OK ||
        wp_imports_define(im, "env", "twice", (wp_extern){ .kind = WP_EXTERN_FUNC, .of.func = twice },
                          &err) != WP_OK ||
        wp_instance_create(m, im, &cfg, &in, &err) != WP_OK) {
        CHECK(0, "tail calls: cannot instantiate: %s", err.msg);
    } else {
        wp_status st;
        int64_t n = 1000000;
        int64_t got = call_i64(in, "sum", &st, &err, 2, n, 0, WP_I64);
        CHECK(st == WP_OK && got == n * (n + 1) / 2,
              "sum of a million by return_call: status %s, %lld (%s)", wp_status_text(st),
              (long long)got, st == WP_OK ? "" : err.msg);
        /* The same recursion by call runs out of frames: the limit holds. */
        call_i64(in, "sum_call", &st, &err, 2, n, 0, WP_I64);
        CHECK(st == WP_ERR_TRAP && err.detail == WP_TRAP_STACK_EXHAUSTED,
              "sum by call with 16 frames: status %s", wp_status_text(st));
        got = call_i64(in, "even", &st, &err, 1, n + 1, 0, WP_I32);
        CHECK(st == WP_OK && got == 0, "even(1000001) by return_call_indirect: status %s, %lld (%s)",
              wp_status_text(st), (long long)got, st == WP_OK ? "" : err.msg);
        got = call_i64(in, "even", &st, &err, 1, n, 0, WP_I32);
        CHECK(st == WP_OK && got == 1, "even(1000000): status %s, %lld", wp_status_text(st),
              (long long)got);
        got = call_i64(in, "host_tail", &st, &err, 1, 16, 0, WP_I64);
        CHECK(st == WP_OK && got == 42 && host_calls == 1,
              "tail call of a host function: status %s, %lld, %d host calls (%s)",
              wp_status_text(st), (long long)got, host_calls, st == WP_OK ? "" : err.msg);
        /* The instance is still usable after all that. */
        got = call_i64(in, "sum", &st, &err, 2, 10, 1, WP_I64);
        CHECK(st == WP_OK && got == 56, "sum(10) + 1: status %s, %lld", wp_status_text(st),
              (long long)got);
    }
    wp_instance_destroy(in);
    wp_imports_destroy(im);
    wp_func_destroy(twice);
    wp_module_destroy(m);
    wp_engine_destroy(off);
    wp_engine_destroy(on);
}

int main(void)
{
    test_extended_const();
    test_multi_memory();
    test_tail_calls();
    if (failures != 0) {
        printf("test_proposals: %d failures\n", failures);
        return 1;
    }
    printf("test_proposals: ok\n");
    return 0;
}
