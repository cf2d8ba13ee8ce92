/* Unit tests of the engine's canonical types (types.c) and of what is
 * built on them without a module: host functions and their calls
 * (func.c), the engine's texts and defaults (engine.c), the error helpers
 * (error.c) and the arena (alloc.c). Interning is also run from several
 * threads at once, which must still give one id per type. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

static int failures;

#define CHECK(name, cond, ...)                                                \
    do {                                                                      \
        if (!(cond)) {                                                        \
            failures++;                                                       \
            printf("FAIL %s: ", name);                                        \
            printf(__VA_ARGS__);                                              \
            printf("\n");                                                     \
        }                                                                     \
    } while (0)

typedef struct counting {
    pthread_mutex_t lock;
    long long       live;
} counting;

static void *count_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    counting *c = ud;
    pthread_mutex_lock(&c->lock);
    c->live += (long long)new_size - (long long)old_size;
    pthread_mutex_unlock(&c->lock);
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, new_size);
}

/* ---------------------------------------------------------------- interning */

typedef struct sig { const char *p, *r; } sig;   /* types as strings of bytes */

static uint32_t intern(wp_engine *e, sig s)
{
    uint32_t id = UINT32_MAX;
    wp_error err;
    if (rt_type_intern(e, (const rt_valtype *)s.p, (uint32_t)strlen(s.p), (const rt_valtype *)s.r,
                       (uint32_t)strlen(s.r), &id, &err) != WP_OK)
        printf("intern failed: %s\n", err.msg);
    return id;
}

#define I32 "\x7f"
#define I64 "\x7e"
#define F32 "\x7d"
#define F64 "\x7c"
#define V128 "\x7b"
#define FREF "\x70"

static void test_intern(wp_engine *e)
{
    static const struct { const char *name; sig a, b; bool same; } cases[] = {
        { "empty = empty",             { "", "" },            { "", "" },             true },
        { "(i32) = (i32)",             { I32, "" },           { I32, "" },            true },
        { "(i32) != () -> i32",        { I32, "" },           { "", I32 },            false },
        { "(i32 i64) != (i64 i32)",    { I32 I64, "" },       { I64 I32, "" },        false },
        { "f32 -> f64 = f32 -> f64",   { F32, F64 },          { F32, F64 },           true },
        { "(i32) -> i32 i32 distinct", { I32, I32 I32 },      { I32 I32, I32 },       false },
        { "funcref = funcref",         { FREF, FREF },        { FREF, FREF },         true },
        { "v128 != i64 i64",           { V128, "" },          { I64 I64, "" },        false },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint32_t a = intern(e, cases[i].a), b = intern(e, cases[i].b);
        CHECK(cases[i].name, (a == b) == cases[i].same, "expected %s ids, found %u and %u",
              cases[i].same ? "equal" : "different", a, b);
    }

    /* The canonical record: counts, bytes and slot counts. */
    sig s = { I32 V128 F64, I64 V128 };
    uint32_t id = intern(e, s);
    const rt_functype *ft = rt_type_canonical(e, id);
    CHECK("canonical", ft != NULL && ft->id == id && ft->nparams == 3 && ft->nresults == 2
          && ft->params[1] == WP_V128 && ft->results[0] == WP_I64,
          "expected the interned type back");
    if (ft != NULL)
        CHECK("slots", ft->param_slots == 4 && ft->result_slots == 3,
              "expected 4 param slots and 3 result slots, found %u and %u",
              ft->param_slots, ft->result_slots);
    wp_functype pub = rt_type_public(e, id);
    CHECK("public view", pub.nparams == 3 && pub.nresults == 2 && pub.params[0] == WP_I32
          && pub.params[2] == WP_F64 && pub.results[1] == WP_V128, "expected wp_valtype arrays");
    CHECK("unknown id", rt_type_canonical(e, 1u << 30) == NULL, "expected NULL");
    wp_functype none = rt_type_public(e, 1u << 30);
    CHECK("unknown id public", none.nparams == 0 && none.params == NULL, "expected an empty view");

    /* Enough distinct types to grow the table several times; every one
     * must still be found afterwards, and the views must not move. */
    enum { N = 3000 };
    static uint32_t ids[N];
    const rt_functype *first = rt_type_canonical(e, intern(e, (sig){ I32, "" }));
    for (int k = 0; k < N; k++) {
        rt_valtype p[12];
        for (int b = 0; b < 12; b++)
            p[b] = (k >> b) & 1 ? WP_I64 : WP_I32;
        wp_error err;
        if (rt_type_intern(e, p, 12, p, (uint32_t)(k % 3), &ids[k], &err) != WP_OK)
            CHECK("many types", 0, "intern %d: %s", k, err.msg);
    }
    bool distinct = true, stable = true;
    for (int k = 0; k < N; k++) {
        rt_valtype p[12];
        for (int b = 0; b < 12; b++)
            p[b] = (k >> b) & 1 ? WP_I64 : WP_I32;
        uint32_t again;
        rt_type_intern(e, p, 12, p, (uint32_t)(k % 3), &again, NULL);
        stable &= again == ids[k];
        if (k > 0)
            distinct &= ids[k] != ids[k - 1];
    }
    CHECK("many types: stable ids", stable, "expected re-interning to give the same ids");
    CHECK("many types: distinct", distinct, "expected different ids for different types");
    CHECK("views do not move", rt_type_canonical(e, intern(e, (sig){ I32, "" })) == first,
          "expected the same record after growth");
}

typedef struct thread_arg { wp_engine *e; uint32_t ids[200]; } thread_arg;

static void *intern_many(void *p)
{
    thread_arg *a = p;
    for (uint32_t k = 0; k < 200; k++) {
        rt_valtype params[4] = { WP_I32, WP_F32, (rt_valtype)(k & 1 ? WP_I64 : WP_F64),
                                 (rt_valtype)(k & 2 ? WP_I64 : WP_F64) };
        rt_valtype results[1] = { WP_EXTERNREF };
        rt_type_intern(a->e, params, 4, results, (k >> 2) % 50 ? 1 : 0, &a->ids[k], NULL);
    }
    return NULL;
}

static void test_threads(wp_engine *e)
{
    enum { T = 4 };
    pthread_t th[T];
    static thread_arg args[T];
    for (int i = 0; i < T; i++) {
        args[i].e = e;
        pthread_create(&th[i], NULL, intern_many, &args[i]);
    }
    for (int i = 0; i < T; i++)
        pthread_join(th[i], NULL);
    bool same = true;
    for (int i = 1; i < T; i++)
        same &= memcmp(args[i].ids, args[0].ids, sizeof args[0].ids) == 0;
    CHECK("threads agree on ids", same, "expected every thread to get the same ids");
}

/* ---------------------------------------------------------------- host functions */

static wp_status add_host(wp_call *call, void *user, uint64_t *slots)
{
    int *calls = user;
    (*calls)++;
    CHECK("host: no instance", wp_call_instance(call) == NULL, "expected NULL instance");
    size_t len = 9;
    CHECK("host: no memory", wp_call_memory(call, &len) == NULL && len == 0, "expected NULL, 0");
    uint32_t a = (uint32_t)slots[0];
    int64_t b = (int64_t)slots[1];
    slots[0] = (uint64_t)((int64_t)(int32_t)a + b);   /* i64 */
    slots[1] = (uint32_t)(a * 2);                      /* i32 */
    return WP_OK;
}

static wp_status trap_host(wp_call *call, void *user, uint64_t *slots)
{
    (void)user;
    return wp_call_trap(call, "bad pointer %u", (unsigned)slots[0]);
}

static wp_status exit_host(wp_call *call, void *user, uint64_t *slots)
{
    (void)user;
    (void)slots;
    return wp_call_exit(call, 3);
}

static wp_status rude_host(wp_call *call, void *user, uint64_t *slots)
{
    (void)call;
    (void)user;
    (void)slots;
    return WP_ERR_TRAP;   /* without wp_call_trap */
}

static void test_host(wp_engine *e)
{
    static const wp_valtype params[2] = { WP_I32, WP_I64 };
    static const wp_valtype results[2] = { WP_I64, WP_I32 };
    wp_functype ty = { params, 2, results, 2 };
    int calls = 0;
    wp_func *f;
    wp_error err;
    if (wp_func_create_host(e, &ty, add_host, &calls, &f, &err) != WP_OK) {
        CHECK("create host", 0, "%s", err.msg);
        return;
    }
    wp_functype got = wp_func_type(f);
    CHECK("host type", got.nparams == 2 && got.nresults == 2 && got.params[1] == WP_I64
          && got.results[1] == WP_I32, "expected (i32 i64) -> (i64 i32)");
    CHECK("host type id", f->type_id == intern(e, (sig){ I32 I64, I64 I32 }),
          "expected the canonical id");
    CHECK("host name", wp_func_name(f) == NULL, "expected NULL");

    wp_value args[2] = { { .type = WP_I32, .of.i32 = -3 }, { .type = WP_I64, .of.i64 = 10 } };
    wp_value res[2];
    wp_status s = wp_func_call(f, args, 2, res, 2, &err);
    CHECK("call", s == WP_OK && res[0].type == WP_I64 && res[0].of.i64 == 7
          && res[1].type == WP_I32 && res[1].of.i32 == -6,
          "expected 7 and -6, found %lld and %d (%s)", (long long)res[0].of.i64, res[1].of.i32,
          s ? err.msg : "ok");

    static const struct { const char *name; uint32_t nargs, nres; wp_valtype t0; } bad[] = {
        { "too few args",      1, 2, WP_I32 },
        { "too many results",  2, 3, WP_I32 },
        { "wrong arg type",    2, 2, WP_F32 },
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        wp_value a2[2] = { args[0], args[1] };
        a2[0].type = bad[i].t0;
        wp_value r3[3];
        s = wp_func_call(f, a2, bad[i].nargs, r3, bad[i].nres, &err);
        CHECK(bad[i].name, s == WP_ERR_ARG && err.code == WP_ERR_ARG, "expected WP_ERR_ARG, found %s",
              wp_status_text(s));
    }
    CHECK("bad calls do not reach the host", calls == 1, "expected 1 call, found %d", calls);

    uint64_t slots[2] = { 5, 6 };
    CHECK("call raw", wp_func_call_raw(f, slots, &err) == WP_OK && slots[0] == 11 && slots[1] == 10,
          "expected 11 and 10");

    /* Traps and exits from host functions. */
    static const wp_valtype one_i32[1] = { WP_I32 };
    wp_functype ty1 = { one_i32, 1, NULL, 0 };
    wp_func *ft = NULL, *fe = NULL, *fr = NULL;
    if (wp_func_create_host(e, &ty1, trap_host, NULL, &ft, &err) == WP_OK
        && wp_func_create_host(e, &ty1, exit_host, NULL, &fe, &err) == WP_OK
        && wp_func_create_host(e, &ty1, rude_host, NULL, &fr, &err) == WP_OK) {
        CHECK("host types shared", ft->type_id == fe->type_id && ft->type == fe->type,
              "expected one canonical type");
        wp_value a = { .type = WP_I32, .of.i32 = 77 };
        s = wp_func_call(ft, &a, 1, NULL, 0, &err);
        CHECK("trap", s == WP_ERR_TRAP && err.code == WP_ERR_TRAP && err.detail == WP_TRAP_HOST
              && strcmp(err.msg, "bad pointer 77") == 0,
              "expected WP_ERR_TRAP/HOST \"bad pointer 77\", found %s/%d \"%s\"",
              wp_status_text(s), err.detail, err.msg);
        s = wp_func_call(fe, &a, 1, NULL, 0, &err);
        CHECK("exit", s == WP_EXIT && err.code == WP_EXIT && err.detail == 3,
              "expected WP_EXIT/3, found %s/%d", wp_status_text(s), err.detail);
        s = wp_func_call(fr, &a, 1, NULL, 0, &err);
        CHECK("trap without message", s == WP_ERR_TRAP && err.detail == WP_TRAP_HOST && err.msg[0],
              "expected WP_ERR_TRAP/HOST with a message, found %s/%d", wp_status_text(s), err.detail);
        s = wp_func_call(ft, &a, 1, NULL, 0, NULL);
        CHECK("trap with err NULL", s == WP_ERR_TRAP, "expected WP_ERR_TRAP");
    }
    wp_func_destroy(ft);
    wp_func_destroy(fe);
    wp_func_destroy(fr);
    wp_func_destroy(f);
    wp_func_destroy(NULL);

    static const wp_valtype badt[1] = { (wp_valtype)0x55 };
    wp_functype tyb = { badt, 1, NULL, 0 };
    CHECK("host bad type", wp_func_create_host(e, &tyb, trap_host, NULL, &f, &err) == WP_ERR_ARG
          && f == NULL, "expected WP_ERR_ARG");
    wp_functype tyn = { NULL, 1, NULL, 0 };
    CHECK("host NULL params", wp_func_create_host(e, &tyn, trap_host, NULL, &f, &err) == WP_ERR_ARG,
          "expected WP_ERR_ARG");
    CHECK("host NULL fn", wp_func_create_host(e, &ty1, NULL, NULL, &f, &err) == WP_ERR_ARG,
          "expected WP_ERR_ARG");
    CHECK("call NULL", wp_func_call(NULL, NULL, 0, NULL, 0, &err) == WP_ERR_ARG, "expected WP_ERR_ARG");
    wp_functype z = wp_func_type(NULL);
    CHECK("type of NULL", z.nparams == 0 && z.params == NULL, "expected an empty type");
}

/* ---------------------------------------------------------------- texts and errors */

static void test_texts(void)
{
    CHECK("version", wp_version_number() == WP_VERSION_NUMBER
          && strcmp(wp_version_string(), WP_VERSION_STRING) == 0, "expected the header's version");
    static const struct { wp_trap_kind k; const char *text; } traps[] = {
        { WP_TRAP_UNREACHABLE,        "unreachable" },
        { WP_TRAP_MEMORY_OOB,         "out of bounds memory access" },
        { WP_TRAP_TABLE_OOB,          "out of bounds table access" },
        { WP_TRAP_UNDEFINED_ELEMENT,  "undefined element" },
        { WP_TRAP_UNINITIALIZED,      "uninitialized element" },
        { WP_TRAP_INDIRECT_TYPE,      "indirect call type mismatch" },
        { WP_TRAP_DIV_ZERO,           "integer divide by zero" },
        { WP_TRAP_INT_OVERFLOW,       "integer overflow" },
        { WP_TRAP_INVALID_CONVERSION, "invalid conversion to integer" },
        { WP_TRAP_STACK_EXHAUSTED,    "call stack exhausted" },
        { WP_TRAP_INTERRUPTED,        "interrupted" },
    };
    for (size_t i = 0; i < sizeof traps / sizeof traps[0]; i++)
        CHECK(traps[i].text, strcmp(wp_trap_kind_text(traps[i].k), traps[i].text) == 0,
              "expected \"%s\", found \"%s\"", traps[i].text, wp_trap_kind_text(traps[i].k));
    CHECK("unknown trap kind", wp_trap_kind_text((wp_trap_kind)999) != NULL, "expected a text");
    for (int s = WP_OK; s <= WP_ERR_INTERNAL + 1; s++)
        CHECK("status text", wp_status_text((wp_status)s) != NULL && wp_status_text((wp_status)s)[0],
              "expected a text for status %d", s);
}

static void test_errors(void)
{
    wp_error err;
    CHECK("rt_fail", rt_fail(&err, WP_ERR_INVALID, 12, "func %d: bad %s", 3, "thing") == WP_ERR_INVALID
          && err.code == WP_ERR_INVALID && err.offset == 12 && err.detail == 0
          && strcmp(err.msg, "func 3: bad thing") == 0, "found \"%s\"", err.msg);
    CHECK("rt_fail NULL err", rt_fail(NULL, WP_ERR_ARG, 0, "x") == WP_ERR_ARG, "expected WP_ERR_ARG");

    rt_error_prefix(&err, "code section");
    CHECK("prefix", strcmp(err.msg, "code section: func 3: bad thing") == 0, "found \"%s\"", err.msg);
    CHECK("prefix keeps code", err.code == WP_ERR_INVALID && err.offset == 12, "expected the same code");
    rt_error_prefix(NULL, "nothing");

    CHECK("rt_trap", rt_trap(&err, WP_TRAP_DIV_ZERO, "func 2") == WP_ERR_TRAP
          && err.code == WP_ERR_TRAP && err.detail == WP_TRAP_DIV_ZERO
          && strcmp(err.msg, "func 2: integer divide by zero") == 0, "found \"%s\"", err.msg);
    rt_trap(&err, WP_TRAP_UNREACHABLE, NULL);
    CHECK("rt_trap no where", strcmp(err.msg, "unreachable") == 0, "found \"%s\"", err.msg);

    /* Long text is cut with "..." and never splits a UTF-8 character. */
    char big[600];
    for (size_t i = 0; i + 2 < sizeof big; i += 2) {
        big[i] = (char)0xc3;   /* "é" */
        big[i + 1] = (char)0xa9;
    }
    big[sizeof big - 1] = big[sizeof big - 2] = '\0';
    rt_fail(&err, WP_ERR_MALFORMED, 0, "x%s", big);
    size_t n = strlen(err.msg);
    CHECK("truncated", n < sizeof err.msg && n >= 3 && strcmp(err.msg + n - 3, "...") == 0,
          "expected a cut message ending in \"...\", length %zu", n);
    CHECK("truncated at a boundary", n >= 4 && ((unsigned char)err.msg[n - 4] == 0xa9),
          "expected the last character before \"...\" to be complete");
    rt_error_prefix(&err, "%s", big);
    n = strlen(err.msg);
    CHECK("prefix truncated", n < sizeof err.msg && strcmp(err.msg + n - 3, "...") == 0,
          "expected a cut message");
}

static void test_arena(wp_engine *e)
{
    rt_arena a;
    rt_arena_init(&a, e);
    bool ok = true;
    for (int i = 0; i < 5000; i++) {
        size_t align = (size_t)1 << (i % 5);
        size_t size = (size_t)(i % 97) * 7 + (i % 500 == 0 ? 100000 : 0);
        unsigned char *p = rt_arena_alloc(&a, size, align);
        if (p == NULL || ((uintptr_t)p & (align - 1)) != 0) {
            ok = false;
            break;
        }
        for (size_t k = 0; k < size; k++)
            ok &= p[k] == 0;
        memset(p, 0xab, size);
    }
    CHECK("arena alignment and zeroing", ok, "expected aligned, zeroed blocks");
    CHECK("arena bad align", rt_arena_alloc(&a, 8, 3) == NULL, "expected NULL");
    CHECK("arena huge", rt_arena_alloc(&a, SIZE_MAX - 8, 8) == NULL, "expected NULL");
    CHECK("arena total", a.total > 0, "expected a total");
    rt_arena_release(&a);
    CHECK("arena released", a.head == NULL && a.total == 0, "expected an empty arena");
    rt_arena_release(&a);
}

int main(void)
{
    counting cnt;
    pthread_mutex_init(&cnt.lock, NULL);
    cnt.live = 0;
    wp_engine_config cfg = { .alloc = count_alloc, .alloc_ud = &cnt };
    wp_engine *e;
    wp_error err;
    if (wp_engine_create(&cfg, &e, &err) != WP_OK) {
        printf("FAIL engine: %s\n", err.msg);
        return 1;
    }
    CHECK("engine defaults", e->cfg.max_memory_pages == WP_DEFAULT_MAX_MEMORY_PAGES
          && e->cfg.stack_slots == WP_DEFAULT_STACK_SLOTS
          && e->cfg.max_call_depth == WP_DEFAULT_MAX_CALL_DEPTH, "expected config.h defaults");
    test_intern(e);
    test_threads(e);
    test_host(e);
    test_texts();
    test_errors();
    test_arena(e);
    wp_engine_destroy(e);
    wp_engine_destroy(NULL);
    CHECK("allocations balanced", cnt.live == 0, "expected 0 live bytes, found %lld", cnt.live);
    CHECK("engine NULL out", wp_engine_create(NULL, NULL, &err) == WP_ERR_ARG, "expected WP_ERR_ARG");
    if (failures) {
        printf("%d failure(s)\n", failures);
        return 1;
    }
    printf("test_types: ok\n");
    return 0;
}
