/* Tier `auto` and calls between tiers, through the public API:
 * - a module on auto answers at once, and wp_module_wait_tier returns once
 *   the background compile is done; from then on new calls run native
 *   code, seen through wp_module_translated_count (the JIT never needs the
 *   interpreter's translation of a function, so a call that leaves the
 *   count alone did not run on the interpreter);
 * - a call in flight when the switch happens finishes on the interpreter;
 * - instances of the module calling from several threads during the
 *   switch get right results throughout;
 * - the interpreter calling an import that is a function of a JIT module
 *   (call, return_call, and a trap coming back), and the reverse;
 * - a module the JIT refuses stays on the interpreter and says why; a
 *   module destroyed while compiling; WASMPIPE_TIER and
 *   wp_module_compile_tier.
 * Without the JIT in the build, auto must leave every module on the
 * interpreter and say so. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmpipe/runtime.h"

static int failures, checks;

#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        checks++;                                                             \
        if (!(cond)) {                                                        \
            failures++;                                                       \
            printf("FAIL line %d: ", __LINE__);                               \
            printf(__VA_ARGS__);                                              \
            printf("\n");                                                     \
        }                                                                     \
    } while (0)

/* (module
 *   (func $fac (export "fac") (param i64) (result i64)
 *     (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 1))
 *       (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))
 *   (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))) */
static const uint8_t lib_bytes[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0c, 0x02, 0x60,
  0x01, 0x7e, 0x01, 0x7e, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x03, 0x03,
  0x02, 0x00, 0x01, 0x07, 0x0d, 0x02, 0x03, 0x66, 0x61, 0x63, 0x00, 0x00,
  0x03, 0x64, 0x69, 0x76, 0x00, 0x01, 0x0a, 0x1f, 0x02, 0x15, 0x00, 0x20,
  0x00, 0x50, 0x04, 0x7e, 0x42, 0x01, 0x05, 0x20, 0x00, 0x20, 0x00, 0x42,
  0x01, 0x7d, 0x10, 0x00, 0x7e, 0x0b, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20,
  0x01, 0x6d, 0x0b,
};

/* (module
 *   (import "lib" "fac" (func $fac (param i64) (result i64)))
 *   (import "lib" "div" (func $div (param i32 i32) (result i32)))
 *   (func (export "fac") (param i64) (result i64) (call $fac (local.get 0)))
 *   (func (export "div") (param i32 i32) (result i32) (call $div (local.get 0) (local.get 1)))
 *   (func (export "tail") (param i64) (result i64) (return_call $fac (local.get 0)))) */
static const uint8_t user_bytes[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0c, 0x02, 0x60,
  0x01, 0x7e, 0x01, 0x7e, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x02, 0x15,
  0x02, 0x03, 0x6c, 0x69, 0x62, 0x03, 0x66, 0x61, 0x63, 0x00, 0x00, 0x03,
  0x6c, 0x69, 0x62, 0x03, 0x64, 0x69, 0x76, 0x00, 0x01, 0x03, 0x04, 0x03,
  0x00, 0x01, 0x00, 0x07, 0x14, 0x03, 0x03, 0x66, 0x61, 0x63, 0x00, 0x02,
  0x03, 0x64, 0x69, 0x76, 0x00, 0x03, 0x04, 0x74, 0x61, 0x69, 0x6c, 0x00,
  0x04, 0x0a, 0x18, 0x03, 0x06, 0x00, 0x20, 0x00, 0x10, 0x00, 0x0b, 0x08,
  0x00, 0x20, 0x00, 0x20, 0x01, 0x10, 0x01, 0x0b, 0x06, 0x00, 0x20, 0x00,
  0x12, 0x00, 0x0b,
};

/* (module
 *   (import "lib" "fac" (func $fac (param i64) (result i64)))
 *   (func (export "fac") (param i64) (result i64) (call $fac (local.get 0)))) */
static const uint8_t caller_bytes[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60,
  0x01, 0x7e, 0x01, 0x7e, 0x02, 0x0b, 0x01, 0x03, 0x6c, 0x69, 0x62, 0x03,
  0x66, 0x61, 0x63, 0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x07, 0x07, 0x01,
  0x03, 0x66, 0x61, 0x63, 0x00, 0x01, 0x0a, 0x08, 0x01, 0x06, 0x00, 0x20,
  0x00, 0x10, 0x00, 0x0b,
};

/* (module
 *   (import "host" "pause" (func $pause))
 *   (func $g (result i32) (i32.const 7))
 *   (func (export "outer") (result i32) (call $pause) (call $g))
 *   (func (export "h") (result i32) (i32.const 9))) */
static const uint8_t flight_bytes[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x60,
  0x00, 0x00, 0x60, 0x00, 0x01, 0x7f, 0x02, 0x0e, 0x01, 0x04, 0x68, 0x6f,
  0x73, 0x74, 0x05, 0x70, 0x61, 0x75, 0x73, 0x65, 0x00, 0x00, 0x03, 0x04,
  0x03, 0x01, 0x01, 0x01, 0x07, 0x0d, 0x02, 0x05, 0x6f, 0x75, 0x74, 0x65,
  0x72, 0x00, 0x02, 0x01, 0x68, 0x00, 0x03, 0x0a, 0x12, 0x03, 0x04, 0x00,
  0x41, 0x07, 0x0b, 0x06, 0x00, 0x10, 0x00, 0x10, 0x01, 0x0b, 0x04, 0x00,
  0x41, 0x09, 0x0b,
};

/* (module (memory 1) (memory 1) (func (export "lane") (result i32) i32.const 7)):
 * two memories, which the JIT leaves to the interpreter. */
static const uint8_t twomem_bytes[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60,
  0x00, 0x01, 0x7f, 0x03, 0x02, 0x01, 0x00, 0x05, 0x05, 0x02, 0x00, 0x01,
  0x00, 0x01, 0x07, 0x08, 0x01, 0x04, 0x6c, 0x61, 0x6e, 0x65, 0x00, 0x00,
  0x0a, 0x06, 0x01, 0x04, 0x00, 0x41, 0x07, 0x0b
};

#ifdef WP_HAVE_JIT
static const char *const native = "jit";
#else
static const char *const native = "interp";
#endif

static wp_engine *engine(wp_tier tier)
{
    wp_engine_config cfg = { .tier = tier };
    wp_engine *e = NULL;
    wp_error err;
    if (wp_engine_create(&cfg, &e, &err) != WP_OK) {
        printf("engine: %s\n", err.msg);
        exit(1);
    }
    return e;
}

static wp_module *compile(wp_engine *e, wp_tier tier, const uint8_t *b, size_t n)
{
    wp_module *m = NULL;
    wp_error err;
    if (wp_module_compile_tier(e, tier, b, n, &m, &err) != WP_OK) {
        printf("compile: %s\n", err.msg);
        exit(1);
    }
    return m;
}

static wp_instance *instantiate(wp_module *m, const wp_imports *im)
{
    wp_instance *in = NULL;
    wp_error err;
    if (wp_instance_create(m, im, NULL, &in, &err) != WP_OK) {
        printf("instantiate: %s\n", err.msg);
        exit(1);
    }
    return in;
}

static wp_func *export_func(wp_instance *in, const char *name)
{
    wp_extern ex;
    wp_error err;
    if (wp_instance_export(in, name, &ex, &err) != WP_OK || ex.kind != WP_EXTERN_FUNC) {
        printf("no export %s\n", name);
        exit(1);
    }
    return ex.of.func;
}

/* Calls export `name` with up to two argument slots; the trap kind in *trap. */
static wp_status call2(wp_instance *in, const char *name, uint64_t a, uint64_t b,
                       uint64_t *result, int *trap)
{
    uint64_t slots[2] = { a, b };
    wp_error err;
    memset(&err, 0, sizeof err);
    wp_status s = wp_func_call_raw(export_func(in, name), slots, &err);
    *result = slots[0];
    if (trap != NULL)
        *trap = s == WP_ERR_TRAP ? (int)err.detail : 0;
    return s;
}

static uint64_t fac(uint64_t n) { return n == 0 ? 1 : n * fac(n - 1); }

/* ---------------------------------------------------------------- auto */

static void test_auto_switch(void)
{
    wp_engine *e = engine(WP_TIER_AUTO);
    wp_module *m = compile(e, WP_TIER_AUTO, lib_bytes, sizeof lib_bytes);
    const char *why = NULL;
    const char *t = wp_module_tier(m, &why);
    /* Before the compile ends: the interpreter, saying why. */
    CHECK(strcmp(t, native) == 0 || (strcmp(t, "interp") == 0 && why != NULL),
          "auto at once: %s (%s)", t, why ? why : "no reason");
    wp_instance *in = instantiate(m, NULL);
    uint64_t r;
    CHECK(call2(in, "fac", 10, 0, &r, NULL) == WP_OK && r == fac(10), "fac 10 at once: %llu",
          (unsigned long long)r);

    t = wp_module_wait_tier(m, &why);
#ifdef WP_HAVE_JIT
    CHECK(strcmp(t, "jit") == 0 && why == NULL, "auto after the wait: %s (%s)", t,
          why ? why : "");
#else
    CHECK(strcmp(t, "interp") == 0 && why != NULL && strstr(why, "WP_JIT") != NULL,
          "auto without the JIT: %s (%s)", t, why ? why : "no reason");
#endif
    /* Waiting again returns at once with the same answer. */
    CHECK(strcmp(wp_module_wait_tier(m, NULL), t) == 0, "second wait");

    /* "div" has not run yet: after the switch, its calls (from the
     * instance made before it and from a new one) do not translate it. */
    uint32_t before = wp_module_translated_count(m);
    wp_instance *in2 = instantiate(m, NULL);
    int trap;
    CHECK(call2(in, "div", (uint32_t)-7, 2, &r, NULL) == WP_OK && (uint32_t)r == (uint32_t)-3,
          "div after the switch");
    CHECK(call2(in2, "div", 1, 0, &r, &trap) == WP_ERR_TRAP && trap == WP_TRAP_DIV_ZERO,
          "div by zero after the switch: trap %d", trap);
    CHECK(call2(in2, "fac", 20, 0, &r, NULL) == WP_OK && r == fac(20), "fac 20 after");
#ifdef WP_HAVE_JIT
    CHECK(wp_module_translated_count(m) == before, "calls after the switch ran on the "
          "interpreter: %u functions translated, %u before",
          wp_module_translated_count(m), before);
#else
    (void)before;
#endif
    wp_instance_destroy(in2);
    wp_instance_destroy(in);
    wp_module_destroy(m);
    wp_engine_destroy(e);
}

/* The host function `pause` waits for the switch while its caller's call
 * is in flight. */
static wp_status host_pause(wp_call *call, void *user, uint64_t *slots)
{
    (void)call; (void)slots;
    wp_module_wait_tier(user, NULL);
    return WP_OK;
}

static void test_in_flight(void)
{
#ifdef WP_HAVE_JIT
    wp_engine *e = engine(WP_TIER_AUTO);
    static const wp_functype none = { NULL, 0, NULL, 0 };
    /* The first call must begin before the compile ends; a compile that
     * wins the race is tried again with a fresh module. */
    int tries = 0;
    for (; tries < 20; tries++) {
        wp_module *m = compile(e, WP_TIER_AUTO, flight_bytes, sizeof flight_bytes);
        wp_func *pause = NULL;
        wp_imports *im = NULL;
        wp_error err;
        if (wp_func_create_host(e, &none, host_pause, m, &pause, &err) != WP_OK ||
            wp_imports_create(e, &im, &err) != WP_OK ||
            wp_imports_define(im, "host", "pause",
                              (wp_extern){ .kind = WP_EXTERN_FUNC, .of.func = pause },
                              &err) != WP_OK) {
            printf("imports: %s\n", err.msg);
            exit(1);
        }
        wp_instance *in = instantiate(m, im);
        uint64_t r;
        wp_status s = call2(in, "outer", 0, 0, &r, NULL);
        uint32_t n = wp_module_translated_count(m);
        bool began_on_interp = n > 0;
        if (began_on_interp) {
            CHECK(s == WP_OK && r == 7, "outer: %d %llu", (int)s, (unsigned long long)r);
            CHECK(strcmp(wp_module_tier(m, NULL), "jit") == 0, "switched during outer");
            /* outer and g: g was called after the switch, by a call that
             * began on the interpreter, and ran there. */
            CHECK(n == 2, "in flight: %u functions translated, expected outer and g", n);
            CHECK(call2(in, "h", 0, 0, &r, NULL) == WP_OK && r == 9, "h");
            CHECK(wp_module_translated_count(m) == 2, "a new call after the switch ran on "
                  "the interpreter");
        }
        wp_instance_destroy(in);
        wp_imports_destroy(im);
        wp_func_destroy(pause);
        wp_module_destroy(m);
        if (began_on_interp)
            break;
    }
    CHECK(tries < 20, "every first call began after the compile had finished");
    wp_engine_destroy(e);
#endif
}

typedef struct worker {
    wp_instance *in;
    int          bad;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    for (uint64_t i = 0; i < 20000; i++) {
        uint64_t r;
        if (call2(w->in, "fac", i % 21, 0, &r, NULL) != WP_OK || r != fac(i % 21))
            w->bad++;
    }
    return NULL;
}

/* Instances in two threads keep calling while the module switches. */
static void test_threads(void)
{
    wp_engine *e = engine(WP_TIER_AUTO);
    wp_module *m = compile(e, WP_TIER_AUTO, lib_bytes, sizeof lib_bytes);
    worker w[2] = { { instantiate(m, NULL), 0 }, { instantiate(m, NULL), 0 } };
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        if (pthread_create(&th[i], NULL, work, &w[i]) != 0)
            exit(1);
    const char *t = wp_module_wait_tier(m, NULL);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    CHECK(w[0].bad == 0 && w[1].bad == 0, "wrong results around the switch: %d, %d",
          w[0].bad, w[1].bad);
    CHECK(strcmp(t, native) == 0, "threads: tier %s", t);
    wp_instance_destroy(w[0].in);
    wp_instance_destroy(w[1].in);
    wp_module_destroy(m);
    wp_engine_destroy(e);
}

/* A module destroyed at once: the compile is cancelled or waited for. */
static void test_destroy_while_compiling(void)
{
    wp_engine *e = engine(WP_TIER_AUTO);
    for (int i = 0; i < 5; i++) {
        wp_module *m = compile(e, WP_TIER_AUTO, lib_bytes, sizeof lib_bytes);
        if (i % 2) {
            wp_instance *in = instantiate(m, NULL);
            uint64_t r;
            CHECK(call2(in, "fac", 5, 0, &r, NULL) == WP_OK && r == 120, "fac 5");
            wp_instance_destroy(in);
        }
        wp_module_destroy(m);
    }
    wp_engine_destroy(e);
}

static void test_refused(void)
{
    wp_engine *e = engine(WP_TIER_AUTO);
    wp_module *m = compile(e, WP_TIER_AUTO, twomem_bytes, sizeof twomem_bytes);
    const char *why = NULL;
    const char *t = wp_module_wait_tier(m, &why);
    CHECK(strcmp(t, "interp") == 0, "two memories on auto: %s", t);
#ifdef WP_HAVE_JIT
    CHECK(why != NULL && strstr(why, "several memories") != NULL,
          "two memories on auto: reason %s", why ? why : "(none)");
#endif
    wp_instance *in = instantiate(m, NULL);
    uint64_t r;
    CHECK(call2(in, "lane", 0, 0, &r, NULL) == WP_OK && r == 7, "two memories runs");
    wp_instance_destroy(in);
    wp_module_destroy(m);
    wp_engine_destroy(e);
}

/* ---------------------------------------------------------------- across tiers */

static wp_imports *lib_imports(wp_engine *e, wp_instance *lib)
{
    wp_imports *im = NULL;
    wp_error err;
    if (wp_imports_create(e, &im, &err) != WP_OK ||
        wp_imports_define(im, "lib", "fac",
                          (wp_extern){ .kind = WP_EXTERN_FUNC, .of.func = export_func(lib, "fac") },
                          &err) != WP_OK ||
        wp_imports_define(im, "lib", "div",
                          (wp_extern){ .kind = WP_EXTERN_FUNC, .of.func = export_func(lib, "div") },
                          &err) != WP_OK) {
        printf("imports: %s\n", err.msg);
        exit(1);
    }
    return im;
}

static void test_interp_calls_jit(void)
{
    wp_engine *e = engine(WP_TIER_INTERP);
    wp_module *lib = compile(e, WP_TIER_JIT, lib_bytes, sizeof lib_bytes);
    wp_module *user = compile(e, WP_TIER_AUTO, user_bytes, sizeof user_bytes);
    CHECK(strcmp(wp_module_tier(lib, NULL), native) == 0, "lib on jit");
    CHECK(strcmp(wp_module_tier(user, NULL), "interp") == 0, "user on interp");
    wp_instance *li = instantiate(lib, NULL);
    wp_imports *im = lib_imports(e, li);
    wp_instance *ui = instantiate(user, im);
    uint64_t r;
    int trap;
    CHECK(call2(ui, "fac", 20, 0, &r, NULL) == WP_OK && r == fac(20), "interp -> jit call");
    CHECK(call2(ui, "tail", 15, 0, &r, NULL) == WP_OK && r == fac(15),
          "interp -> jit tail call");
    CHECK(call2(ui, "div", 1, 0, &r, &trap) == WP_ERR_TRAP && trap == WP_TRAP_DIV_ZERO,
          "a trap in jit code called from the interpreter: %d", trap);
    CHECK(call2(ui, "div", 9, 3, &r, NULL) == WP_OK && r == 3, "after the trap");
    CHECK(call2(ui, "fac", 25, 0, &r, NULL) == WP_OK && r == fac(25), "again");
#ifdef WP_HAVE_JIT
    CHECK(wp_module_translated_count(lib) == 0, "the interpreter ran %u functions of the "
          "jit module", wp_module_translated_count(lib));
#endif
    CHECK(wp_module_translated_count(user) == 3, "user: %u translated",
          wp_module_translated_count(user));
    wp_instance_destroy(ui);
    wp_imports_destroy(im);
    wp_instance_destroy(li);
    wp_module_destroy(user);
    wp_module_destroy(lib);
    wp_engine_destroy(e);
}

static void test_jit_calls_interp(void)
{
    wp_engine *e = engine(WP_TIER_INTERP);
    wp_module *lib = compile(e, WP_TIER_INTERP, lib_bytes, sizeof lib_bytes);
    wp_module *caller = compile(e, WP_TIER_JIT, caller_bytes, sizeof caller_bytes);
    CHECK(strcmp(wp_module_tier(caller, NULL), native) == 0, "caller on jit");
    wp_instance *li = instantiate(lib, NULL);
    wp_imports *im = lib_imports(e, li);
    wp_instance *ci = instantiate(caller, im);
    uint64_t r;
    CHECK(call2(ci, "fac", 12, 0, &r, NULL) == WP_OK && r == fac(12), "jit -> interp call");
    CHECK(wp_module_translated_count(lib) == 1, "lib ran on the interpreter: %u",
          wp_module_translated_count(lib));
    wp_instance_destroy(ci);
    wp_imports_destroy(im);
    wp_instance_destroy(li);
    wp_module_destroy(caller);
    wp_module_destroy(lib);
    wp_engine_destroy(e);
}

/* ---------------------------------------------------------------- selection */

static void test_selection(void)
{
    wp_engine *e = NULL;
    wp_error err;
    wp_engine_config cfg = { .tier = WP_TIER_AUTO };
    setenv("WASMPIPE_TIER", "fast", 1);
    CHECK(wp_engine_create(&cfg, &e, &err) == WP_ERR_ARG && strstr(err.msg, "WASMPIPE_TIER"),
          "a bad WASMPIPE_TIER is refused naming it");
    /* Only auto consults it. */
    cfg.tier = WP_TIER_INTERP;
    CHECK(wp_engine_create(&cfg, &e, &err) == WP_OK, "interp ignores WASMPIPE_TIER");
    wp_engine_destroy(e);

    setenv("WASMPIPE_TIER", "interp", 1);
    e = engine(WP_TIER_AUTO);
    wp_module *m = compile(e, WP_TIER_AUTO, lib_bytes, sizeof lib_bytes);
    const char *why = "unset";
    CHECK(strcmp(wp_module_tier(m, &why), "interp") == 0 && why == NULL,
          "WASMPIPE_TIER=interp: no JIT asked for");
    wp_module_destroy(m);
    /* The module's own tier wins over the engine's. */
    m = compile(e, WP_TIER_JIT, lib_bytes, sizeof lib_bytes);
    CHECK(strcmp(wp_module_tier(m, NULL), native) == 0, "wp_module_compile_tier jit");
    wp_module_destroy(m);
    CHECK(wp_module_compile_tier(e, (wp_tier)7, lib_bytes, sizeof lib_bytes, &m, &err) ==
              WP_ERR_ARG && m == NULL, "a bad tier is refused");
    wp_engine_destroy(e);

    setenv("WASMPIPE_TIER", "jit", 1);
    e = engine(WP_TIER_AUTO);
    m = compile(e, WP_TIER_AUTO, lib_bytes, sizeof lib_bytes);
    /* jit compiles before wp_module_compile returns: no wait. */
    CHECK(strcmp(wp_module_tier(m, NULL), native) == 0, "WASMPIPE_TIER=jit");
    wp_module_destroy(m);
    wp_engine_destroy(e);
    unsetenv("WASMPIPE_TIER");
}

int main(void)
{
    /* auto is what this test is about, whatever tier the suite runs under. */
    unsetenv("WASMPIPE_TIER");
    test_auto_switch();
    test_in_flight();
    test_threads();
    test_destroy_while_compiling();
    test_refused();
    test_interp_calls_jit();
    test_jit_calls_interp();
    test_selection();
    printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
