/* Tests of the recognition of wasi-libc's memcpy, memmove and memset
 * (libc_match.c): a module built by hand holds the three reference bodies,
 * bodies that differ from them by one byte, and a memmove whose callee is
 * not a memcpy. The recognised ones must become one op, the others must be
 * translated normally, and the recognised ones must give the results of
 * the C functions (checked against memmove/memset on a copy of memory),
 * trapping only when the range leaves memory.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "code.h"
#include "libc_match.h"
#include "rt.h"

static int failures;

#define CHECK(cond, ...)                                            \
    do {                                                            \
        if (!(cond)) {                                              \
            failures++;                                             \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__,  \
                    __LINE__, #cond);                               \
            fprintf(stderr, __VA_ARGS__);                           \
            fputc('\n', stderr);                                    \
        }                                                           \
    } while (0)

/* ---------------------------------------------------------------- module */

typedef struct buf {
    uint8_t *p;
    size_t   n, cap;
} buf;

static void put(buf *b, const void *src, size_t n)
{
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2;
        b->p = realloc(b->p, b->cap);
        if (b->p == NULL)
            abort();
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

static void put_byte(buf *b, uint8_t x) { put(b, &x, 1); }

static void put_u32(buf *b, uint32_t x)
{
    do {
        uint8_t c = x & 0x7f;
        x >>= 7;
        put_byte(b, (uint8_t)(c | (x ? 0x80 : 0)));
    } while (x);
}

static void put_section(buf *b, uint8_t id, const buf *s)
{
    put_byte(b, id);
    put_u32(b, (uint32_t)s->n);
    put(b, s->p, s->n);
}

static void put_name(buf *b, const char *s)
{
    put_u32(b, (uint32_t)strlen(s));
    put(b, s, strlen(s));
}

/* The functions, in index order. */
enum {
    F_MEMCPY, F_MEMMOVE, F_MEMSET,
    F_MEMSET_1,      /* memset with one byte changed */
    F_MEMCPY_1,      /* memcpy with one byte changed */
    F_MEMMOVE_BAD,   /* memmove calling F_MEMSET_1 instead of a memcpy */
    F_MEMMOVE_FWD,   /* memmove calling itself, not a translated memcpy */
    /* The three bodies with their first group of locals declared as two:
     * the same code, not recognised, so always interpreted. */
    F_MEMCPY_LOOP, F_MEMMOVE_LOOP, F_MEMSET_LOOP,
    NFUNCS
};
static const char *const names[NFUNCS] = {
    "memcpy", "memmove", "memset", "memset_1", "memcpy_1", "memmove_bad", "memmove_fwd",
    "memcpy_loop", "memmove_loop", "memset_loop",
};

static void put_body(buf *code, rt_libc_fn fn, int flip_at, uint32_t callee)
{
    size_t len;
    const uint8_t *ref = rt_libc_body(fn, &len);
    uint8_t *b = malloc(len);
    if (b == NULL)
        abort();
    memcpy(b, ref, len);
    if (flip_at >= 0)
        b[flip_at] ^= 0x04;
    if (fn == RT_LIBC_MEMMOVE)
        for (int i = 0; i < 5; i++)
            b[RT_LIBC_MEMMOVE_INDEX_AT + i] = (uint8_t)(((callee >> (7 * i)) & 0x7f) | (i < 4 ? 0x80 : 0));
    put_u32(code, (uint32_t)len);
    put(code, b, len);
    free(b);
}

/* A body with its first group of locals (N x t) declared as (N-1 x t, 1 x t). */
static void put_split_locals(buf *code, rt_libc_fn fn, uint32_t callee)
{
    size_t len;
    const uint8_t *ref = rt_libc_body(fn, &len);
    if (len < 3 || ref[0] < 1 || ref[0] > 100 || ref[1] < 2 || ref[1] > 100)
        abort();
    uint8_t *b = malloc(len + 2);
    if (b == NULL)
        abort();
    b[0] = (uint8_t)(ref[0] + 1);
    b[1] = (uint8_t)(ref[1] - 1);
    b[2] = ref[2];
    b[3] = 1;
    b[4] = ref[2];
    memcpy(b + 5, ref + 3, len - 3);
    if (fn == RT_LIBC_MEMMOVE)
        for (int i = 0; i < 5; i++)
            b[RT_LIBC_MEMMOVE_INDEX_AT + 2 + i] =
                (uint8_t)(((callee >> (7 * i)) & 0x7f) | (i < 4 ? 0x80 : 0));
    put_u32(code, (uint32_t)(len + 2));
    put(code, b, len + 2);
    free(b);
}

/* Offset of the first `i32.const 3` (41 03) in a body: changing it to
 * `i32.const 7` keeps the body valid. */
static int const3_at(rt_libc_fn fn)
{
    size_t len;
    const uint8_t *ref = rt_libc_body(fn, &len);
    for (size_t i = 0; i + 1 < len; i++)
        if (ref[i] == 0x41 && ref[i + 1] == 0x03)
            return (int)i + 1;
    return -1;
}

static buf build_module(void)
{
    buf m = {0}, s = {0};
    put(&m, "\0asm\1\0\0\0", 8);

    static const uint8_t type[] = {1, 0x60, 3, 0x7f, 0x7f, 0x7f, 1, 0x7f};
    put(&s, type, sizeof type);
    put_section(&m, 1, &s);

    s.n = 0;
    put_u32(&s, NFUNCS);
    for (int i = 0; i < NFUNCS; i++)
        put_byte(&s, 0);
    put_section(&m, 3, &s);

    s.n = 0;
    static const uint8_t mem[] = {1, 0, 1};
    put(&s, mem, sizeof mem);
    put_section(&m, 5, &s);

    s.n = 0;
    put_u32(&s, NFUNCS + 1);
    for (uint32_t i = 0; i < NFUNCS; i++) {
        put_name(&s, names[i]);
        put_byte(&s, 0);
        put_u32(&s, i);
    }
    put_name(&s, "mem");
    put_byte(&s, 2);
    put_u32(&s, 0);
    put_section(&m, 7, &s);

    s.n = 0;
    put_u32(&s, NFUNCS);
    put_body(&s, RT_LIBC_MEMCPY, -1, 0);
    put_body(&s, RT_LIBC_MEMMOVE, -1, F_MEMCPY);
    put_body(&s, RT_LIBC_MEMSET, -1, 0);
    put_body(&s, RT_LIBC_MEMSET, const3_at(RT_LIBC_MEMSET), 0);
    put_body(&s, RT_LIBC_MEMCPY, const3_at(RT_LIBC_MEMCPY), 0);
    put_body(&s, RT_LIBC_MEMMOVE, -1, F_MEMSET_1);
    put_body(&s, RT_LIBC_MEMMOVE, -1, F_MEMMOVE_FWD);
    put_split_locals(&s, RT_LIBC_MEMCPY, 0);
    put_split_locals(&s, RT_LIBC_MEMMOVE, F_MEMCPY_LOOP);
    put_split_locals(&s, RT_LIBC_MEMSET, 0);
    put_section(&m, 10, &s);
    free(s.p);
    return m;
}

/* ---------------------------------------------------------------- checks */

#define PAGE 65536u

typedef struct ctx {
    wp_instance *inst;
    wp_func     *fn[NFUNCS];
    uint8_t     *mem;
    uint8_t      shadow[PAGE];
    uint8_t      expect[PAGE];
} ctx;

static uint32_t rnd(uint64_t *s)
{
    *s = *s * 6364136223846793005u + 1442695040888963407u;
    return (uint32_t)(*s >> 33);
}

static void refill(ctx *c, uint64_t *seed)
{
    for (uint32_t i = 0; i < PAGE; i++)
        c->mem[i] = (uint8_t)rnd(seed);
    memcpy(c->shadow, c->mem, PAGE);
}

/* Calls function f with (a, b, n); checks the result d, the trap when
 * the range leaves memory, and the whole memory against the shadow, to
 * which the expected effect has been applied. */
static void call3(ctx *c, int f, uint32_t a, uint32_t b, uint32_t n)
{
    wp_value args[3] = {
        {.type = WP_I32, .of.i32 = (int32_t)a},
        {.type = WP_I32, .of.i32 = (int32_t)b},
        {.type = WP_I32, .of.i32 = (int32_t)n},
    };
    wp_value res;
    wp_error err;
    /* A recognised body must do exactly what its interpreted loop does,
     * also where C leaves memcpy undefined (overlap) and where the loop
     * traps part way or never touches memory: the same body, not
     * recognised, gives the expected status and memory. */
    int loop = f == F_MEMCPY ? F_MEMCPY_LOOP : f == F_MEMMOVE ? F_MEMMOVE_LOOP : F_MEMSET_LOOP;
    wp_status want = wp_func_call(c->fn[loop], args, 3, &res, 1, &err);
    memcpy(c->expect, c->mem, PAGE);
    memcpy(c->mem, c->shadow, PAGE);
    wp_status got = wp_func_call(c->fn[f], args, 3, &res, 1, &err);
    CHECK(got == want, "%s(%u, %u, %u): status %s, the loop's %s", names[f], a, b, n,
          wp_status_text(got), wp_status_text(want));
    CHECK(memcmp(c->expect, c->mem, PAGE) == 0, "%s(%u, %u, %u): memory differs from the "
          "loop's", names[f], a, b, n);
    memcpy(c->mem, c->shadow, PAGE);
    bool overlap = n > 0 && (uint64_t)a < (uint64_t)b + n && (uint64_t)b < (uint64_t)a + n;
    if (f == F_MEMCPY && overlap)
        return;   /* undefined in C: the loop's result is the only reference */
    wp_status st = wp_func_call(c->fn[f], args, 3, &res, 1, &err);
    bool fill = f == F_MEMSET || f == F_MEMSET_1;
    bool oob = n > 0 && ((uint64_t)a + n > PAGE || (!fill && (uint64_t)b + n > PAGE));
    if (oob && f == F_MEMMOVE && a == b)
        oob = false;   /* memmove returns at once when the ranges are one */
    if (oob) {
        CHECK(st == WP_ERR_TRAP && err.detail == WP_TRAP_MEMORY_OOB,
              "%s(%u, %u, %u): want an out-of-bounds trap, got %s", names[f], a, b, n,
              wp_status_text(st));
        memcpy(c->shadow, c->mem, PAGE);   /* the wasm loops trap part way */
        return;
    }
    CHECK(st == WP_OK, "%s(%u, %u, %u): %s", names[f], a, b, n, err.msg);
    if (st != WP_OK)
        return;
    CHECK((uint32_t)res.of.i32 == a, "%s(%u, %u, %u) returned %u", names[f], a, b, n,
          (uint32_t)res.of.i32);
    if (n > 0) {
        if (fill)
            memset(c->shadow + a, (uint8_t)b, n);
        else
            memmove(c->shadow + a, c->shadow + b, n);
    }
    CHECK(memcmp(c->shadow, c->mem, PAGE) == 0, "%s(%u, %u, %u): memory differs", names[f], a,
          b, n);
    memcpy(c->shadow, c->mem, PAGE);
}

/* The first op of f's code, translated on demand as a first call would. */
static uint32_t first_op(wp_module *m, uint32_t f)
{
    const rt_code *c;
    wp_error err;
    if (rt_module_code(m, f, &c, &err) != WP_OK) {
        fprintf(stderr, "translating %u: %s\n", f, err.msg);
        return 0;
    }
    return c->entry[0];
}

/* Runs every recognised body against its loop on the tier `tier` runs mod on. */
static void run_calls(wp_module *mod, const char *tier)
{
    wp_error err;
    int before = failures;
    ctx *c = calloc(1, sizeof *c);
    if (c == NULL)
        abort();
    wp_status st = wp_instance_create(mod, NULL, NULL, &c->inst, &err);
    CHECK(st == WP_OK, "[%s] instantiate: %s", tier, err.msg);
    if (st != WP_OK) {
        free(c);
        return;
    }
    for (int f = 0; f < NFUNCS; f++) {
        wp_extern x;
        st = wp_instance_export(c->inst, names[f], &x, &err);
        CHECK(st == WP_OK && x.kind == WP_EXTERN_FUNC, "[%s] export %s", tier, names[f]);
        c->fn[f] = x.of.func;
    }
    size_t mem_len = 0;
    c->mem = wp_memory_data(wp_instance_memory(c->inst), &mem_len);
    CHECK(mem_len == PAGE, "[%s] memory of %zu bytes", tier, mem_len);

    uint64_t seed = 12345;
    refill(c, &seed);
    static const int recognised[] = {F_MEMCPY, F_MEMMOVE, F_MEMSET};
    for (size_t k = 0; k < sizeof recognised / sizeof recognised[0]; k++) {
        int f = recognised[k];
        /* Edges: empty ranges anywhere, the last byte, overlaps both ways. */
        call3(c, f, 0, 0, 0);
        call3(c, f, 0xffffffffu, 0xffffffffu, 0);
        call3(c, f, PAGE, 7, 0);
        call3(c, f, PAGE - 1, 3, 1);
        call3(c, f, PAGE - 1, 3, 2);
        call3(c, f, 3, PAGE - 1, 2);
        call3(c, f, 100, 101, 1000);
        call3(c, f, 101, 100, 1000);
        call3(c, f, 1, 0xfffffff0u, 0x20);
        call3(c, f, 0, 0, PAGE);
        call3(c, f, 0, 0, PAGE + 1);
        for (int i = 0; i < 2000; i++) {
            uint32_t n = rnd(&seed) % 600, a = rnd(&seed) % (PAGE + 64),
                     b = f == F_MEMSET ? rnd(&seed) : rnd(&seed) % (PAGE + 64);
            call3(c, f, a, b, n);
        }
    }
    wp_instance_destroy(c->inst);
    free(c);
    if (failures > before)
        fprintf(stderr, "[%s] %d check(s) failed\n", tier, failures - before);
}

int main(void)
{
    wp_engine *e = NULL;
    wp_module *mod = NULL;
    wp_error err;
    wp_engine_config icfg = { .tier = WP_TIER_INTERP };
    if (wp_engine_create(&icfg, &e, &err) != WP_OK) {
        fprintf(stderr, "engine: %s\n", err.msg);
        return 1;
    }
    buf bytes = build_module();
    CHECK(const3_at(RT_LIBC_MEMSET) > 0 && const3_at(RT_LIBC_MEMCPY) > 0, "no i32.const 3");
    wp_status st = wp_module_compile(e, bytes.p, bytes.n, &mod, &err);
    free(bytes.p);
    CHECK(st == WP_OK, "compile: %s", err.msg);
    if (st != WP_OK)
        return 1;

    /* Which functions became one op. */
    CHECK(first_op(mod, F_MEMCPY) == IOP_libc_copy, "memcpy not recognised");
    CHECK(first_op(mod, F_MEMMOVE) == IOP_libc_move, "memmove not recognised");
    CHECK(first_op(mod, F_MEMSET) == IOP_libc_fill, "memset not recognised");
    for (int f = F_MEMSET_1; f < NFUNCS; f++) {
        uint32_t op = first_op(mod, (uint32_t)f);
        CHECK(op != IOP_libc_copy && op != IOP_libc_move && op != IOP_libc_fill,
              "%s was recognised", names[f]);
    }
    /* With recognition off in the engine, the same bodies are plain code. */
    {
        wp_engine *off = NULL;
        wp_module *plain = NULL;
        if (wp_engine_create(NULL, &off, &err) != WP_OK)
            return 1;
        rt_engine_set_libc_match(off, false);
        buf again = build_module();
        st = wp_module_compile(off, again.p, again.n, &plain, &err);
        free(again.p);
        CHECK(st == WP_OK, "compile with recognition off: %s", err.msg);
        for (int f = 0; st == WP_OK && f < NFUNCS; f++) {
            uint32_t op = first_op(plain, (uint32_t)f);
            CHECK(op != IOP_libc_copy && op != IOP_libc_move && op != IOP_libc_fill,
                  "%s was recognised with recognition off", names[f]);
        }
        wp_module_destroy(plain);
        wp_engine_destroy(off);
    }
    /* A body differing in any one byte is not matched. */
    for (rt_libc_fn fn = RT_LIBC_MEMCPY; fn <= RT_LIBC_MEMSET; fn++) {
        size_t len;
        const uint8_t *ref = rt_libc_body(fn, &len);
        uint8_t *b = malloc(len);
        if (b == NULL)
            abort();
        uint32_t callee;
        CHECK(rt_libc_match(ref, len, &callee) == fn, "reference body %d", (int)fn);
        CHECK(rt_libc_match(ref, len - 1, &callee) == RT_LIBC_NONE, "short body %d", (int)fn);
        for (size_t i = 0; i < len; i++) {
            if (fn == RT_LIBC_MEMMOVE && i >= RT_LIBC_MEMMOVE_INDEX_AT &&
                i < RT_LIBC_MEMMOVE_INDEX_AT + 5)
                continue;   /* the callee index, checked by the translator */
            memcpy(b, ref, len);
            b[i] ^= 0x01;
            CHECK(rt_libc_match(b, len, &callee) == RT_LIBC_NONE, "body %d, byte %zu", (int)fn,
                  i);
        }
        free(b);
    }

    run_calls(mod, "interp");
    wp_module_destroy(mod);
    wp_engine_destroy(e);

#ifdef WP_HAVE_JIT
    /* The LLVM tier runs the same guards natively (jit_emit.c). */
    wp_engine_config cfg = { .tier = WP_TIER_JIT };
    e = NULL;
    mod = NULL;
    bytes = build_module();
    st = wp_engine_create(&cfg, &e, &err);
    if (st == WP_OK)
        st = wp_module_compile(e, bytes.p, bytes.n, &mod, &err);
    free(bytes.p);
    CHECK(st == WP_OK, "jit compile: %s", err.msg);
    if (st != WP_OK)
        return 1;
    const char *why = NULL;
    CHECK(strcmp(wp_module_tier(mod, &why), "jit") == 0, "module not on the jit: %s",
          why != NULL ? why : "");
    run_calls(mod, "jit");
    wp_module_destroy(mod);
    wp_engine_destroy(e);
#endif
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("test_libc_match: ok\n");
    return 0;
}
