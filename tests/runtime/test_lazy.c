/* Lazy translation (lazy.c): compilation validates every body but
 * translates none; the first call translates a function once per module,
 * also when many threads make it at the same time; a trap inside a lazily
 * translated function is reported like any other; a translation that runs
 * out of memory is an error at the call, not a crash; eager translation
 * gives the same results; and the "name" section is only read when a
 * message needs a name.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

static int failures;

#define CHECK(cond, ...)                                            \
    do {                                                            \
        if (!(cond)) {                                              \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__,  \
                    __LINE__, #cond);                               \
            fprintf(stderr, __VA_ARGS__);                           \
            fputc('\n', stderr);                                    \
            failures++;                                             \
        }                                                           \
    } while (0)

/* Four functions of type (i32) -> i32:
 *   0 count:  x * 3 + 1
 *   1 twice:  count(count(x))       exported
 *   2 divide: 100 / x               exported (traps on 0)
 *   3 deep:   deep(x)               exported (exhausts the stack)
 * with a custom section that is skipped and a "name" section. */
static const uint8_t module_bytes[] =
    "\x00\x61\x73\x6d\x01\x00\x00\x00"
    "\x01\x06\x01\x60\x01\x7f\x01\x7f"                       /* type 0: (i32) -> i32 */
    "\x03\x05\x04\x00\x00\x00\x00"                           /* four functions of type 0 */
    "\x07\x19\x03"                                           /* exports */
    "\x05" "twice" "\x00\x01"
    "\x06" "divide" "\x00\x02"
    "\x04" "deep" "\x00\x03"
    "\x00\x09\x05" "junk!" "\x01\x02\x03"                   /* a custom section */
    "\x0a\x25\x04"                                           /* code */
    "\x0a\x00\x20\x00\x41\x03\x6c\x41\x01\x6a\x0b"           /* count */
    "\x08\x00\x20\x00\x10\x00\x10\x00\x0b"                   /* twice */
    "\x08\x00\x41\xe4\x00\x20\x00\x6d\x0b"                   /* divide */
    "\x06\x00\x20\x00\x10\x03\x0b"                           /* deep */
    "\x00\x24\x04" "name" "\x01\x1d\x04"                     /* function names */
    "\x00\x05" "count" "\x01\x05" "twice" "\x02\x06" "divide" "\x03\x04" "deep";

/* The same module with `count` invalid (i32.add of one operand): a body
 * nobody calls must still fail compilation. */
static const uint8_t invalid_bytes[] =
    "\x00\x61\x73\x6d\x01\x00\x00\x00"
    "\x01\x06\x01\x60\x01\x7f\x01\x7f"
    "\x03\x03\x02\x00\x00"
    "\x07\x09\x01\x05" "twice" "\x00\x01"
    "\x0a\x0e\x02"
    "\x05\x00\x20\x00\x6a\x0b"                               /* count: invalid */
    "\x06\x00\x20\x00\x10\x00\x0b";                          /* twice */

/* An allocator that fails while `fail` is set. */
typedef struct switch_alloc {
    atomic_bool fail;
} switch_alloc;

static void *switch_alloc_fn(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    (void)old_size;
    switch_alloc *s = ud;
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    if (atomic_load(&s->fail))
        return NULL;
    return realloc(ptr, new_size);
}

static wp_module *compile(wp_engine *e, const uint8_t *bytes, size_t len)
{
    wp_module *m = NULL;
    wp_error err;
    wp_status st = wp_module_compile(e, bytes, len, &m, &err);
    CHECK(st == WP_OK, "compile: %s", err.msg);
    return m;
}

static wp_func *export_func(wp_instance *in, const char *name)
{
    wp_extern x;
    wp_error err;
    if (wp_instance_export(in, name, &x, &err) != WP_OK || x.kind != WP_EXTERN_FUNC) {
        CHECK(0, "no function export %s", name);
        return NULL;
    }
    return x.of.func;
}

static wp_status call1(wp_func *f, int32_t arg, int32_t *result, wp_error *err)
{
    uint64_t slots[1] = { (uint32_t)arg };
    wp_status st = wp_func_call_raw(f, slots, err);
    *result = (int32_t)(uint32_t)slots[0];
    return st;
}

static uint32_t ready_count(const wp_module *m)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->nfuncs - m->nfunc_imports; i++)
        n += atomic_load(&m->codes[i].ready) != 0;
    return n;
}

/* ---------------------------------------------------------------- lazy and eager */

static void test_modes(void)
{
    for (int eager = 0; eager <= 1; eager++) {
        const char *mode = eager ? "eager" : "lazy";
        wp_engine_config cfg = { .eager_translation = eager != 0 };
        wp_engine *e = NULL;
        wp_error err;
        if (wp_engine_create(&cfg, &e, &err) != WP_OK) {
            CHECK(0, "engine: %s", err.msg);
            return;
        }
        wp_module *m = compile(e, module_bytes, sizeof module_bytes - 1);
        if (m == NULL) {
            wp_engine_destroy(e);
            return;
        }
        CHECK(ready_count(m) == (eager ? 4u : 0u), "%s: %u functions translated at compile time",
              mode, ready_count(m));
        CHECK(!atomic_load(&m->names_read), "%s: the name section was read at compile time", mode);

        wp_instance *in = NULL;
        CHECK(wp_instance_create(m, NULL, NULL, &in, &err) == WP_OK, "%s: instance: %s", mode,
              err.msg);
        wp_func *twice = in ? export_func(in, "twice") : NULL;
        int32_t r = 0;
        if (twice != NULL) {
            CHECK(call1(twice, 5, &r, &err) == WP_OK && r == 49, "%s: twice(5) = %d (%s)", mode,
                  r, err.msg);
            /* twice and count, and nothing else. */
            CHECK(ready_count(m) == (eager ? 4u : 2u), "%s: %u translated after one call", mode,
                  ready_count(m));
            CHECK(call1(twice, -1, &r, &err) == WP_OK && r == -5, "%s: twice(-1) = %d", mode, r);
        }
        /* A second instance uses the code the first one made. */
        wp_instance *in2 = NULL;
        CHECK(wp_instance_create(m, NULL, NULL, &in2, &err) == WP_OK, "%s: instance 2", mode);
        wp_func *twice2 = in2 ? export_func(in2, "twice") : NULL;
        if (twice2 != NULL) {
            CHECK(atomic_load(&twice2->code) != &rt_code_lazy, "%s: second instance got no code",
                  mode);
            CHECK(call1(twice2, 2, &r, &err) == WP_OK && r == 22, "%s: twice(2) = %d", mode, r);
        }
        CHECK(atomic_load(&m->ntranslated) == (eager ? 4u : 2u), "%s: %u translations", mode,
              atomic_load(&m->ntranslated));
        wp_instance_destroy(in2);
        wp_instance_destroy(in);
        wp_module_destroy(m);
        wp_engine_destroy(e);
    }
}

/* ---------------------------------------------------------------- traps */

static void test_traps(void)
{
    wp_engine *e = NULL;
    wp_error err;
    if (wp_engine_create(NULL, &e, &err) != WP_OK)
        return;
    wp_module *m = compile(e, module_bytes, sizeof module_bytes - 1);
    wp_instance *in = NULL;
    if (m == NULL || wp_instance_create(m, NULL, NULL, &in, &err) != WP_OK) {
        CHECK(0, "setup: %s", err.msg);
        wp_module_destroy(m);
        wp_engine_destroy(e);
        return;
    }
    wp_func *divide = export_func(in, "divide"), *deep = export_func(in, "deep");
    int32_t r = 0;
    for (int round = 0; round < 2 && divide != NULL; round++) {
        /* The first round translates divide, the second runs its code. */
        CHECK(atomic_load(&m->codes[2].ready) == (round > 0), "round %d: divide translated %d",
              round, (int)atomic_load(&m->codes[2].ready));
        wp_status st = call1(divide, 0, &r, &err);
        CHECK(st == WP_ERR_TRAP && err.detail == WP_TRAP_DIV_ZERO,
              "round %d: divide(0): status %s, detail %d", round, wp_status_text(st), err.detail);
        CHECK(strstr(err.msg, "divide") != NULL, "round %d: the trap names no function: %s",
              round, err.msg);
        CHECK(atomic_load(&m->names_read), "round %d: the name section was not read", round);
        CHECK(call1(divide, 7, &r, &err) == WP_OK && r == 14, "round %d: divide(7) = %d", round,
              r);
    }
    if (deep != NULL) {
        wp_status st = call1(deep, 1, &r, &err);
        CHECK(st == WP_ERR_TRAP && err.detail == WP_TRAP_STACK_EXHAUSTED,
              "deep: status %s, detail %d (%s)", wp_status_text(st), err.detail, err.msg);
    }
    wp_instance_destroy(in);
    wp_module_destroy(m);
    wp_engine_destroy(e);
}

/* ---------------------------------------------------------------- errors */

static void test_errors(void)
{
    switch_alloc sw;
    atomic_init(&sw.fail, false);
    wp_engine_config cfg = { .alloc = switch_alloc_fn, .alloc_ud = &sw };
    wp_engine *e = NULL;
    wp_error err;
    if (wp_engine_create(&cfg, &e, &err) != WP_OK)
        return;

    /* Validation stays at compile time: an invalid body nobody calls. */
    wp_module *bad = NULL;
    wp_status st = wp_module_compile(e, invalid_bytes, sizeof invalid_bytes - 1, &bad, &err);
    CHECK(st == WP_ERR_INVALID && bad == NULL, "invalid uncalled body: status %s",
          wp_status_text(st));
    CHECK(strstr(err.msg, "function 0") != NULL, "the message names no function: %s", err.msg);

    /* A translation that runs out of memory fails the call cleanly, and
     * a later call translates. */
    wp_module *m = compile(e, module_bytes, sizeof module_bytes - 1);
    wp_instance *in = NULL;
    if (m == NULL || wp_instance_create(m, NULL, NULL, &in, &err) != WP_OK) {
        CHECK(0, "setup: %s", err.msg);
        wp_module_destroy(m);
        wp_engine_destroy(e);
        return;
    }
    wp_func *twice = export_func(in, "twice");
    int32_t r = 0;
    if (twice != NULL) {
        atomic_store(&sw.fail, true);
        st = call1(twice, 1, &r, &err);
        atomic_store(&sw.fail, false);
        CHECK(st == WP_ERR_NOMEM, "out of memory: status %s (%s)", wp_status_text(st), err.msg);
        CHECK(strstr(err.msg, "translating function 1") != NULL, "message: %s", err.msg);
        CHECK(ready_count(m) == 0, "%u functions marked translated", ready_count(m));
        CHECK(call1(twice, 1, &r, &err) == WP_OK && r == 13, "twice(1) after the failure: %d (%s)",
              r, err.msg);
    }
    wp_instance_destroy(in);
    wp_module_destroy(m);
    wp_engine_destroy(e);
}

/* ---------------------------------------------------------------- concurrent first calls */

enum { NTHREADS = 8, ROUNDS = 25 };

typedef struct race {
    wp_module        *m;
    pthread_barrier_t go;
    atomic_int        bad;
} race;

static void *racer(void *arg)
{
    race *rc = arg;
    wp_error err;
    wp_instance *in = NULL;
    wp_status st = wp_instance_create(rc->m, NULL, NULL, &in, &err);
    pthread_barrier_wait(&rc->go);
    if (st != WP_OK) {
        atomic_fetch_add(&rc->bad, 1);
        return NULL;
    }
    wp_func *twice = export_func(in, "twice"), *divide = export_func(in, "divide");
    int32_t r = 0;
    if (twice == NULL || call1(twice, 5, &r, &err) != WP_OK || r != 49)
        atomic_fetch_add(&rc->bad, 1);
    if (divide == NULL || call1(divide, 4, &r, &err) != WP_OK || r != 25)
        atomic_fetch_add(&rc->bad, 1);
    wp_instance_destroy(in);
    return NULL;
}

static void test_concurrent(void)
{
    wp_engine *e = NULL;
    wp_error err;
    if (wp_engine_create(NULL, &e, &err) != WP_OK)
        return;
    for (int round = 0; round < ROUNDS; round++) {
        race rc;
        rc.m = compile(e, module_bytes, sizeof module_bytes - 1);
        if (rc.m == NULL)
            break;
        atomic_init(&rc.bad, 0);
        pthread_barrier_init(&rc.go, NULL, NTHREADS);
        pthread_t th[NTHREADS];
        int started = 0;
        for (; started < NTHREADS; started++)
            if (pthread_create(&th[started], NULL, racer, &rc) != 0)
                break;
        CHECK(started == NTHREADS, "only %d threads started", started);
        if (started < NTHREADS)
            exit(2);   /* the others wait at the barrier for ever */
        for (int i = 0; i < started; i++)
            pthread_join(th[i], NULL);
        pthread_barrier_destroy(&rc.go);
        CHECK(atomic_load(&rc.bad) == 0, "round %d: %d wrong results", round,
              atomic_load(&rc.bad));
        /* count, twice and divide: each translated exactly once. */
        CHECK(atomic_load(&rc.m->ntranslated) == 3, "round %d: %u translations", round,
              atomic_load(&rc.m->ntranslated));
        wp_module_destroy(rc.m);
    }
    wp_engine_destroy(e);
}

int main(void)
{
    /* Translation is the interpreter's (native code needs none): every
     * engine here runs its modules there, whatever the suite's tier. */
    setenv("WASMPIPE_TIER", "interp", 1);
    test_modes();
    test_traps();
    test_errors();
    test_concurrent();
    if (failures) {
        fprintf(stderr, "test_lazy: %d failures\n", failures);
        return 1;
    }
    printf("test_lazy: ok\n");
    return 0;
}
