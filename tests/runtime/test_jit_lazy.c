/* Lazy compiles on tier jit (jit_lazy.c), through the public API with a
 * look at the module's JIT state for what was compiled:
 * - nothing is compiled by wp_module_compile; a call compiles the
 *   functions it runs and no other;
 * - threads with their own instances calling the same not yet compiled
 *   functions at once get right results, and each function compiles once;
 * - a function over JIT_QUICK_SIZE starts as quick code and is compiled
 *   again optimised on its JIT_TIER_UP_CALLS-th call, with right results
 *   before and after;
 * - a compile that fails (the engine's allocator refusing) fails that
 *   call with WP_ERR_NOMEM, from the host's call and from inside native
 *   code, and the same call succeeds once memory is back.
 * Built without the JIT, there is nothing to test. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmpipe/runtime.h"

#ifdef WP_HAVE_JIT
#include "rt.h"
#include "jit/jit.h"

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

/* ---------------------------------------------------------------- the module */

/* Grows a byte buffer; exits on no memory (a test helper). */
typedef struct buf { uint8_t *p; size_t n, cap; } buf;

static void put(buf *b, const void *data, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        if (b->p == NULL)
            exit(1);
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
}

static void byte(buf *b, uint8_t v) { put(b, &v, 1); }

static void uleb(buf *b, uint32_t v)
{
    do {
        uint8_t c = v & 0x7f;
        v >>= 7;
        byte(b, (uint8_t)(c | (v ? 0x80 : 0)));
    } while (v);
}

static void section(buf *out, uint8_t id, const buf *body)
{
    byte(out, id);
    uleb(out, (uint32_t)body->n);
    put(out, body->p, body->n);
}

#define BIG_ADDS 1000u   /* 7 bytes each: the body of "big" is over JIT_QUICK_SIZE */

/* Six functions, all (i32) -> i32:
 *   0 "a"(x)      = f1(x) + 1
 *   1 double(x)   = 2x
 *   2 "b"(x)      = x + 3
 *   3 "big"(x)    = x + BIG_ADDS, as BIG_ADDS separate adds
 *   4 "callbig"(x) = big(x)
 *   5 "maybe"(x)  = x ? double(x) : 7 */
static buf module_bytes(void)
{
    buf m = { 0 }, s = { 0 };
    put(&m, "\0asm\1\0\0\0", 8);
    /* type 0: (i32) -> i32 */
    put(&s, (uint8_t[]){ 1, 0x60, 1, 0x7f, 1, 0x7f }, 6);
    section(&m, 1, &s);
    s.n = 0;
    put(&s, (uint8_t[]){ 6, 0, 0, 0, 0, 0, 0 }, 7);
    section(&m, 3, &s);
    s.n = 0;
    static const char *const names[] = { "a", "b", "big", "callbig", "maybe" };
    static const uint8_t index[] = { 0, 2, 3, 4, 5 };
    uleb(&s, 5);
    for (int i = 0; i < 5; i++) {
        uleb(&s, (uint32_t)strlen(names[i]));
        put(&s, names[i], strlen(names[i]));
        byte(&s, 0);
        uleb(&s, index[i]);
    }
    section(&m, 7, &s);
    s.n = 0;
    uleb(&s, 6);
    buf f = { 0 };
    /* 0: local.get 0 call 1 i32.const 1 i32.add end */
    put(&f, (uint8_t[]){ 0, 0x20, 0, 0x10, 1, 0x41, 1, 0x6a, 0x0b }, 9);
    uleb(&s, (uint32_t)f.n); put(&s, f.p, f.n); f.n = 0;
    /* 1: local.get 0 i32.const 2 i32.mul end */
    put(&f, (uint8_t[]){ 0, 0x20, 0, 0x41, 2, 0x6c, 0x0b }, 7);
    uleb(&s, (uint32_t)f.n); put(&s, f.p, f.n); f.n = 0;
    /* 2: local.get 0 i32.const 3 i32.add end */
    put(&f, (uint8_t[]){ 0, 0x20, 0, 0x41, 3, 0x6a, 0x0b }, 7);
    uleb(&s, (uint32_t)f.n); put(&s, f.p, f.n); f.n = 0;
    /* 3: (local.set 0 (i32.add (local.get 0) (i32.const 1))) x BIG_ADDS, local.get 0 */
    byte(&f, 0);
    for (uint32_t i = 0; i < BIG_ADDS; i++)
        put(&f, (uint8_t[]){ 0x20, 0, 0x41, 1, 0x6a, 0x21, 0 }, 7);
    put(&f, (uint8_t[]){ 0x20, 0, 0x0b }, 3);
    uleb(&s, (uint32_t)f.n); put(&s, f.p, f.n); f.n = 0;
    /* 4: local.get 0 call 3 end */
    put(&f, (uint8_t[]){ 0, 0x20, 0, 0x10, 3, 0x0b }, 6);
    uleb(&s, (uint32_t)f.n); put(&s, f.p, f.n); f.n = 0;
    /* 5: local.get 0 if (result i32) local.get 0 call 1 else i32.const 7 end end */
    put(&f, (uint8_t[]){ 0, 0x20, 0, 0x04, 0x7f, 0x20, 0, 0x10, 1, 0x05, 0x41, 7, 0x0b, 0x0b },
        14);
    uleb(&s, (uint32_t)f.n); put(&s, f.p, f.n); f.n = 0;
    section(&m, 10, &s);
    free(s.p);
    free(f.p);
    return m;
}

/* ---------------------------------------------------------------- helpers */

/* The engine's allocator, which refuses every allocation while `refuse`
 * is set (the compile runs on a thread of its own). */
static atomic_int refuse;

static void *alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    (void)ud; (void)old_size;
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    if (atomic_load(&refuse))
        return NULL;
    return realloc(ptr, new_size);
}

static wp_engine *engine;
static buf mod;

static wp_module *compile(void)
{
    wp_module *m = NULL;
    wp_error err;
    if (wp_module_compile_tier(engine, WP_TIER_JIT, mod.p, mod.n, &m, &err) != WP_OK) {
        printf("compile: %s\n", err.msg);
        exit(1);
    }
    const char *why = NULL;
    if (strcmp(wp_module_tier(m, &why), "jit") != 0) {
        printf("not on the JIT: %s\n", why ? why : "?");
        exit(1);
    }
    return m;
}

static wp_instance *instantiate(wp_module *m)
{
    wp_instance *in = NULL;
    wp_error err;
    if (wp_instance_create(m, NULL, NULL, &in, &err) != WP_OK) {
        printf("instantiate: %s\n", err.msg);
        exit(1);
    }
    return in;
}

static wp_status call(wp_instance *in, const char *name, uint32_t x, uint32_t *result,
                      wp_error *err)
{
    wp_extern ex;
    if (wp_instance_export(in, name, &ex, err) != WP_OK || ex.kind != WP_EXTERN_FUNC) {
        printf("no export %s\n", name);
        exit(1);
    }
    uint64_t slot = x;
    wp_status s = wp_func_call_raw(ex.of.func, &slot, err);
    *result = (uint32_t)slot;
    return s;
}

static const rt_jit_module *jit_of(const wp_module *m) { return m->tier_data; }

static unsigned compiled(const wp_module *m)
{
    return atomic_load(&jit_of(m)->ncompiled);
}

/* ---------------------------------------------------------------- tests */

static void test_only_what_runs(void)
{
    wp_module *m = compile();
    CHECK(jit_of(m)->lazy, "tier jit compiles lazily");
    CHECK(compiled(m) == 0, "nothing compiled before a call: %u", compiled(m));
    wp_instance *in = instantiate(m);
    uint32_t r = 0;
    wp_error err;
    CHECK(call(in, "a", 5, &r, &err) == WP_OK && r == 11, "a(5) = %u", r);
    CHECK(compiled(m) == 2, "a and the function it calls: %u compiled", compiled(m));
    CHECK(call(in, "a", 6, &r, &err) == WP_OK && r == 13, "a(6) = %u", r);
    CHECK(compiled(m) == 2, "a second call compiles nothing: %u", compiled(m));
    CHECK(call(in, "maybe", 0, &r, &err) == WP_OK && r == 7, "maybe(0) = %u", r);
    CHECK(call(in, "maybe", 4, &r, &err) == WP_OK && r == 8, "maybe(4) = %u", r);
    CHECK(compiled(m) == 3, "maybe's callee was compiled already: %u", compiled(m));
    wp_instance_destroy(in);
    wp_module_destroy(m);
}

/* compile_all (the wasm processor asks for it) and the engine's
 * eager_translation compile the whole module up front: nothing lazy, and
 * no call waits for a compile. */
static void test_compile_all(void)
{
    wp_module_config mc = { .tier = WP_TIER_JIT, .compile_all = true };
    wp_module *m = NULL;
    wp_error err;
    CHECK(wp_module_compile_ex(engine, mod.p, mod.n, &mc, &m, &err) == WP_OK, "compile_all: %s",
          err.msg);
    if (m == NULL)
        return;
    CHECK(strcmp(wp_module_tier(m, NULL), "jit") == 0, "compile_all: on %s",
          wp_module_tier(m, NULL));
    CHECK(!jit_of(m)->lazy, "compile_all: compiled lazily");
    wp_instance *in = instantiate(m);
    uint32_t r = 0;
    CHECK(call(in, "a", 5, &r, &err) == WP_OK && r == 11, "compile_all: a(5) = %u", r);
    CHECK(compiled(m) == 0, "compile_all: %u compiled on a call", compiled(m));
    wp_instance_destroy(in);
    wp_module_destroy(m);

    wp_engine_config ec = { .tier = WP_TIER_JIT, .eager_translation = true };
    wp_engine *eager = NULL;
    CHECK(wp_engine_create(&ec, &eager, &err) == WP_OK, "eager engine: %s", err.msg);
    if (eager == NULL)
        return;
    m = NULL;
    CHECK(wp_module_compile(eager, mod.p, mod.n, &m, &err) == WP_OK, "eager: %s", err.msg);
    if (m != NULL) {
        CHECK(strcmp(wp_module_tier(m, NULL), "jit") == 0 && !jit_of(m)->lazy,
              "eager_translation: compiled lazily");
        wp_module_destroy(m);
    }
    wp_engine_destroy(eager);
}

#define NTHREADS 8

typedef struct worker {
    wp_module        *m;
    pthread_barrier_t *go;
    int               wrong;
} worker;

static void *work(void *arg)
{
    worker *w = arg;
    wp_instance *in = instantiate(w->m);
    pthread_barrier_wait(w->go);
    for (uint32_t i = 0; i < 200; i++) {
        uint32_t r = 0;
        wp_error err;
        if (call(in, "a", i, &r, &err) != WP_OK || r != 2 * i + 1)
            w->wrong++;
        if (call(in, "b", i, &r, &err) != WP_OK || r != i + 3)
            w->wrong++;
        if (call(in, "maybe", i, &r, &err) != WP_OK || r != (i ? 2 * i : 7))
            w->wrong++;
    }
    wp_instance_destroy(in);
    return NULL;
}

static void test_threads(void)
{
    wp_module *m = compile();
    pthread_barrier_t go;
    pthread_barrier_init(&go, NULL, NTHREADS);
    worker w[NTHREADS];
    pthread_t t[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        w[i] = (worker){ .m = m, .go = &go };
        if (pthread_create(&t[i], NULL, work, &w[i]) != 0) {
            printf("pthread_create failed\n");
            exit(1);
        }
    }
    int wrong = 0;
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(t[i], NULL);
        wrong += w[i].wrong;
    }
    pthread_barrier_destroy(&go);
    CHECK(wrong == 0, "%d wrong results from %d threads", wrong, NTHREADS);
    CHECK(compiled(m) == 4, "a, double, b, maybe compiled once each: %u", compiled(m));
    wp_module_destroy(m);
}

static void test_tier_up(void)
{
    wp_module *m = compile();
    wp_instance *in = instantiate(m);
    CHECK(m->codes[3].body_len > JIT_QUICK_SIZE, "big's body is %u bytes",
          m->codes[3].body_len);
    int wrong = 0;
    uint32_t r = 0;
    wp_error err;
    /* The host's calls and native calls both count. */
    for (uint32_t i = 0; i < JIT_TIER_UP_CALLS - 1; i++) {
        if (call(in, i % 2 ? "big" : "callbig", i, &r, &err) != WP_OK || r != i + BIG_ADDS)
            wrong++;
    }
    CHECK(wrong == 0, "%d wrong results from quick code", wrong);
    CHECK(atomic_load(&jit_of(m)->nquick) == 1, "big compiled quick: %u",
          atomic_load(&jit_of(m)->nquick));
    CHECK(compiled(m) == 2, "big (quick) and callbig: %u", compiled(m));
    for (uint32_t i = 0; i < 50; i++) {
        if (call(in, i % 2 ? "big" : "callbig", i, &r, &err) != WP_OK || r != i + BIG_ADDS)
            wrong++;
    }
    CHECK(wrong == 0, "%d wrong results around and after the tier-up", wrong);
    CHECK(compiled(m) == 3, "big compiled again, optimised: %u", compiled(m));
    CHECK(atomic_load(&jit_of(m)->nquick) == 1, "once quick: %u",
          atomic_load(&jit_of(m)->nquick));
    wp_instance_destroy(in);
    wp_module_destroy(m);
}

static void test_compile_failure(void)
{
    wp_module *m = compile();
    wp_instance *in = instantiate(m);
    uint32_t r = 0;
    wp_error err;
    CHECK(call(in, "maybe", 0, &r, &err) == WP_OK && r == 7, "maybe(0) = %u", r);

    atomic_store(&refuse, 1);
    memset(&err, 0, sizeof err);
    wp_status s = call(in, "b", 1, &r, &err);
    CHECK(s == WP_ERR_NOMEM && err.code == WP_ERR_NOMEM,
          "a failed compile on the host's call: status %d, %s", (int)s, err.msg);
    memset(&err, 0, sizeof err);
    s = call(in, "maybe", 5, &r, &err);
    CHECK(s == WP_ERR_NOMEM && err.code == WP_ERR_NOMEM,
          "a failed compile from native code: status %d, %s", (int)s, err.msg);
    atomic_store(&refuse, 0);

    CHECK(call(in, "b", 1, &r, &err) == WP_OK && r == 4, "b(1) once memory is back = %u", r);
    CHECK(call(in, "maybe", 5, &r, &err) == WP_OK && r == 10, "maybe(5) = %u", r);
    CHECK(compiled(m) == 3, "maybe, b, double: %u", compiled(m));
    wp_instance_destroy(in);
    wp_module_destroy(m);
}

int main(void)
{
    wp_engine_config cfg = { .tier = WP_TIER_JIT, .alloc = alloc };
    wp_error err;
    if (wp_engine_create(&cfg, &engine, &err) != WP_OK) {
        printf("engine: %s\n", err.msg);
        return 1;
    }
    mod = module_bytes();
    test_only_what_runs();
    test_threads();
    test_tier_up();
    test_compile_failure();
    test_compile_all();
    free(mod.p);
    wp_engine_destroy(engine);
    printf("%d checks, %d failures\n", checks, failures);
    return failures != 0;
}

#else

int main(void)
{
    printf("built without the JIT: nothing to test\n");
    return 0;
}

#endif
