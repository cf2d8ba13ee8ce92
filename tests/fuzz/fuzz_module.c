/* Fuzz target "module": arbitrary bytes as a WebAssembly module, through
 * the runtime's whole public path. The bytes are compiled; the imports and
 * exports are described; every import is satisfied with a made-up extern of
 * the declared type (host functions that return zeros and now and then trap
 * or exit, fresh memories, tables and globals); the module is instantiated
 * and every exported function is called with zero arguments, as are a few
 * functions found in exported tables, with exported memories, tables and
 * globals read and written through the API.
 *
 * An input that does not start with the wasm magic (and so could never be
 * a module) is taken as a function body instead: its first byte picks the
 * function's type and the rest is the body (locals and code), wrapped in a
 * fixed module with an imported function, a table, a memory, globals and
 * a passive data segment. Most of the fuzzer's effort then goes to the
 * validator, the translator and the interpreter rather than to the
 * sections around them.
 *
 * Bounds: memories are capped at 64 pages, each instance holds at most 64
 * MiB (max_instance_bytes), the value stack and call depth are small, and
 * each call is interrupted by the watchdog after 10 ms, the start function
 * too (through an interrupt handle, wp_interrupt, made before the
 * instance).
 *
 * Oracles, besides the sanitizers: no WP_ERR_INTERNAL, error messages are
 * terminated, the injected allocator (which is told the old size) ends
 * every run with nothing live, and the engine never holds more than 256
 * MiB at once (bytes of input must not buy unbounded host memory; the
 * environment variable WP_FUZZ_MAX_LIVE_MB changes the cap, 0 lifts it). Each input runs twice: once normally, and
 * once with one allocation failing, chosen from the input's hash among the
 * allocations the first run made.
 */
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PAGES    64u
#define STACK_SLOTS  (1u << 16)
#define CALL_DEPTH   500u
#define CALL_MS      10u
#define MAX_CALLS    32u      /* exported functions called per input */
#define MAX_TABLE    (1u << 16)
#define MAX_LIVE_MB  256      /* default cap on what the engine holds */
#define INSTANCE_MB  64       /* max_instance_bytes of every instance */

typedef struct run {
    uint64_t allocs;        /* allocations made so far */
    uint64_t fail_at;       /* this allocation fails; 0: none */
    int64_t  live;          /* bytes live, by the sizes the engine reports */
    int64_t  max_live;      /* more is an over-allocation; 0: no cap */
    uint32_t host_calls;
} run;

/* The injected allocator: counts, fails on demand and tracks the live
 * bytes by the old sizes the engine passes, so a wrong old size shows. */
static void *run_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    run *r = ud;
    if (new_size == 0) {
        free(ptr);
        r->live -= (int64_t)old_size;
        return NULL;
    }
    r->allocs++;
    if (r->allocs == r->fail_at)
        return NULL;
    int64_t live = r->live + (int64_t)new_size - (int64_t)old_size;
    if (r->max_live > 0 && live > r->max_live)
        fuzz_fail("over-allocation: the engine asks for %zu bytes, which would make %lld "
                  "live (the cap is %lld; WP_FUZZ_MAX_LIVE_MB=0 lifts it)", new_size,
                  (long long)live, (long long)r->max_live);
    void *p = realloc(ptr, new_size);
    if (p != NULL)
        r->live = live;
    return p;
}

/* The cap on the engine's live bytes, from WP_FUZZ_MAX_LIVE_MB (0: none). */
static int64_t max_live(void)
{
    const char *v = getenv("WP_FUZZ_MAX_LIVE_MB");
    long long mb = v != NULL && v[0] != '\0' ? atoll(v) : MAX_LIVE_MB;
    return mb > 0 ? (int64_t)mb << 20 : 0;
}

typedef struct stub {
    run     *r;
    uint32_t nresults;
} stub;

/* A host function of any type: touches the caller's memory view end to
 * end, then returns zeros, or traps or exits on some calls so that those
 * paths are taken from inside guest code too. */
static wp_status stub_fn(wp_call *call, void *user, uint64_t *slots)
{
    stub *s = user;
    size_t len = 0;
    volatile uint8_t *mem = wp_call_memory(call, &len);
    if (mem != NULL && len > 0) {
        uint8_t first = mem[0], last = mem[len - 1];
        mem[0] = first;
        mem[len - 1] = last;
    }
    uint32_t n = ++s->r->host_calls;
    if (n % 11 == 5)
        return wp_call_trap(call, "host stub: trap on call %u", n);
    if (n % 17 == 9)
        return wp_call_exit(call, 3);
    memset(slots, 0, (size_t)s->nresults * sizeof *slots);
    return WP_OK;
}

/* ---------------------------------------------------------------- imports */

typedef struct made {
    wp_func   **funcs;
    stub       *stubs;
    wp_memory **mems;
    wp_table  **tables;
    wp_global **globals;
    uint32_t    n;
} made;

/* name: a view with a length; NULL when it holds a NUL (it cannot be
 * looked up by a C string) or allocation fails. */
static char *cstr(const char *name, uint32_t len)
{
    if (len > 0 && memchr(name, '\0', len) != NULL)
        return NULL;
    char *s = malloc((size_t)len + 1);
    if (s != NULL) {
        if (len > 0)
            memcpy(s, name, len);
        s[len] = '\0';
    }
    return s;
}

static wp_value zero_of(wp_valtype t)
{
    wp_value v;
    memset(&v, 0, sizeof v);
    v.type = t;
    return v;
}

/* Makes an extern for every import it can and defines it in im. What cannot
 * be made is left undefined, and instantiation then fails to link. */
static void make_imports(wp_engine *e, run *r, const wp_module *m, wp_imports *im, made *mk)
{
    uint32_t n = wp_module_import_count(m);
    mk->n = n;
    mk->funcs = calloc(n + 1, sizeof *mk->funcs);
    mk->stubs = calloc(n + 1, sizeof *mk->stubs);
    mk->mems = calloc(n + 1, sizeof *mk->mems);
    mk->tables = calloc(n + 1, sizeof *mk->tables);
    mk->globals = calloc(n + 1, sizeof *mk->globals);
    if (!mk->funcs || !mk->stubs || !mk->mems || !mk->tables || !mk->globals)
        fuzz_fail("out of memory");
    for (uint32_t i = 0; i < n; i++) {
        wp_extern_desc d;
        wp_error err;
        if (wp_module_import(m, i, &d) != WP_OK)
            fuzz_fail("wp_module_import(%u) failed for an index below the count", i);
        wp_status s = WP_OK;
        wp_extern ext;
        ext.kind = d.kind;
        switch (d.kind) {
        case WP_EXTERN_FUNC:
            mk->stubs[i] = (stub){ r, d.func.nresults };
            s = wp_func_create_host(e, &d.func, stub_fn, &mk->stubs[i], &mk->funcs[i], &err);
            ext.of.func = mk->funcs[i];
            break;
        case WP_EXTERN_MEMORY:
            s = wp_memory_create(e, d.limits, &mk->mems[i], &err);
            ext.of.memory = mk->mems[i];
            break;
        case WP_EXTERN_TABLE:
            if (d.limits.min > MAX_TABLE)
                continue;
            s = wp_table_create(e, d.type, d.limits, &mk->tables[i], &err);
            ext.of.table = mk->tables[i];
            break;
        case WP_EXTERN_GLOBAL: {
            wp_value v = zero_of(d.type);
            s = wp_global_create(e, &v, d.mutable_, &mk->globals[i], &err);
            ext.of.global = mk->globals[i];
            break;
        }
        default:
            fuzz_fail("import %u has kind %d", i, (int)d.kind);
        }
        fuzz_check_status("making an import", s, &err);
        if (s != WP_OK)
            continue;
        char *mod = cstr(d.module, d.module_len), *name = cstr(d.name, d.name_len);
        if (mod != NULL && name != NULL) {
            s = wp_imports_define(im, mod, name, ext, &err);
            fuzz_check_status("wp_imports_define", s, &err);
        }
        free(mod);
        free(name);
    }
}

static void free_imports(made *mk)
{
    for (uint32_t i = 0; i < mk->n; i++) {
        wp_func_destroy(mk->funcs[i]);
        wp_memory_destroy(mk->mems[i]);
        wp_table_destroy(mk->tables[i]);
        wp_global_destroy(mk->globals[i]);
    }
    free(mk->funcs);
    free(mk->stubs);
    free(mk->mems);
    free(mk->tables);
    free(mk->globals);
}

/* ---------------------------------------------------------------- calls */

/* Calls f with zero arguments, typed or raw, under the watchdog. */
static void call_zero(wp_instance *in, wp_func *f, int raw)
{
    wp_functype t = wp_func_type(f);
    uint32_t nslots = t.nparams > t.nresults ? t.nparams : t.nresults;
    wp_error err;
    wp_status s;
    fuzz_watch_begin(in, CALL_MS);
    if (raw) {
        uint64_t *slots = calloc((size_t)nslots + 1, sizeof *slots);
        if (slots == NULL)
            fuzz_fail("out of memory");
        s = wp_func_call_raw(f, slots, &err);
        free(slots);
    } else {
        wp_value *args = calloc((size_t)t.nparams + 1, sizeof *args);
        wp_value *res = calloc((size_t)t.nresults + 1, sizeof *res);
        if (args == NULL || res == NULL)
            fuzz_fail("out of memory");
        for (uint32_t i = 0; i < t.nparams; i++)
            args[i] = zero_of(t.params[i]);
        s = wp_func_call(f, args, t.nparams, res, t.nresults, &err);
        if (s == WP_OK)
            for (uint32_t i = 0; i < t.nresults; i++)
                if (res[i].type != t.results[i])
                    fuzz_fail("result %u has type 0x%x, the function says 0x%x", i,
                              (unsigned)res[i].type, (unsigned)t.results[i]);
        free(args);
        free(res);
    }
    fuzz_watch_end();
    fuzz_log("  call %s: %s%s%s", wp_func_name(f) ? wp_func_name(f) : "?", wp_status_text(s),
             s == WP_OK ? "" : ": ", s == WP_OK ? "" : err.msg);
    fuzz_check_status("calling an export", s, &err);
    if (s == WP_ERR_TRAP && (err.detail <= WP_TRAP_NONE || err.detail > WP_TRAP_NULL_REFERENCE))
        fuzz_fail("trap with detail %d", err.detail);
}

static void poke_memory(wp_memory *mem)
{
    size_t len = 0;
    volatile uint8_t *p = wp_memory_data(mem, &len);
    if ((uint64_t)len != (uint64_t)wp_memory_pages(mem) * 65536u)
        fuzz_fail("memory view of %zu bytes for %u pages", len, wp_memory_pages(mem));
    if (len > 0)
        p[len - 1] = p[0];
    int64_t old = wp_memory_grow(mem, 1);
    if (old >= 0) {
        p = wp_memory_data(mem, &len);
        p[len - 1] = 1;
    }
}

static void poke_table(wp_instance *in, wp_table *t, uint32_t *calls)
{
    uint32_t size = wp_table_size(t);
    wp_error err;
    for (uint32_t i = 0; i < size && i < 4; i++) {
        wp_value v;
        wp_status s = wp_table_get(t, i, &v, &err);
        fuzz_check_status("wp_table_get", s, &err);
        if (s == WP_OK && v.type == WP_FUNCREF && v.of.funcref != NULL && *calls < MAX_CALLS) {
            (*calls)++;
            call_zero(in, v.of.funcref, 0);
        }
    }
    /* The calls above may have grown the table. */
    size = wp_table_size(t);
    wp_value out;
    if (wp_table_get(t, size, &out, &err) == WP_OK)
        fuzz_fail("wp_table_get past the end (%u) succeeded", size);
}

static void poke_global(wp_global *g)
{
    wp_value v = wp_global_get(g);
    wp_error err;
    wp_status s = wp_global_set(g, &v, &err);
    fuzz_check_status("wp_global_set", s, &err);
}

static void exercise(wp_instance *in, const wp_module *m)
{
    uint32_t n = wp_module_export_count(m), calls = 0;
    for (uint32_t i = 0; i < n; i++) {
        wp_extern_desc d;
        wp_error err;
        if (wp_module_export(m, i, &d) != WP_OK)
            fuzz_fail("wp_module_export(%u) failed below the count", i);
        char *name = cstr(d.name, d.name_len);
        if (name == NULL)
            continue;
        wp_extern ext;
        wp_status s = wp_instance_export(in, name, &ext, &err);
        fuzz_check_status("wp_instance_export", s, &err);
        free(name);
        if (s != WP_OK)
            continue;   /* an earlier export of the same name is found first */
        if (ext.kind != d.kind)
            continue;
        switch (ext.kind) {
        case WP_EXTERN_FUNC:
            if (calls < MAX_CALLS) {
                calls++;
                call_zero(in, ext.of.func, (int)(i & 1));
            }
            break;
        case WP_EXTERN_MEMORY:
            poke_memory(ext.of.memory);
            break;
        case WP_EXTERN_TABLE:
            poke_table(in, ext.of.table, &calls);
            break;
        case WP_EXTERN_GLOBAL:
            poke_global(ext.of.global);
            break;
        }
    }
}

/* ---------------------------------------------------------------- one run */

static void describe(const wp_module *m)
{
    wp_extern_desc d;
    uint32_t ni = wp_module_import_count(m), ne = wp_module_export_count(m);
    for (uint32_t i = 0; i < ne; i++) {
        wp_status s = wp_module_export(m, i, &d);
        if (s != WP_OK)
            fuzz_fail("wp_module_export(%u) failed below the count", i);
        if (d.name_len > 0 && d.name == NULL)
            fuzz_fail("export %u has a length but no name", i);
    }
    if (wp_module_import(m, ni, &d) == WP_OK)
        fuzz_fail("wp_module_import(%u) past the count succeeded", ni);
    if (wp_module_export(m, ne, &d) == WP_OK)
        fuzz_fail("wp_module_export(%u) past the count succeeded", ne);
}

static void instantiate_and_call(wp_engine *e, run *r, wp_module *m)
{
    wp_imports *im = NULL;
    wp_error err;
    wp_status s = wp_imports_create(e, &im, &err);
    fuzz_check_status("wp_imports_create", s, &err);
    if (s != WP_OK)
        return;
    made mk;
    memset(&mk, 0, sizeof mk);
    make_imports(e, r, m, im, &mk);

    wp_interrupt *h = NULL;
    s = wp_interrupt_create(e, &h, &err);
    fuzz_check_status("wp_interrupt_create", s, &err);
    wp_instance_config ic = { .max_memory_pages = MAX_PAGES, .stack_slots = STACK_SLOTS,
                              .max_call_depth = CALL_DEPTH, .interrupt = h };
    wp_instance *in = NULL;
    fuzz_watch_begin_handle(h, CALL_MS);
    s = wp_instance_create(m, im, &ic, &in, &err);
    fuzz_watch_end();
    fuzz_log(" instantiate: %s%s%s", wp_status_text(s), s == WP_OK ? "" : ": ",
             s == WP_OK ? "" : err.msg);
    fuzz_check_status("wp_instance_create", s, &err);
    if (s == WP_OK) {
        if (wp_instance_module(in) != m)
            fuzz_fail("wp_instance_module is not the module");
        exercise(in, m);
        wp_instance_destroy(in);
    } else if (in != NULL) {
        fuzz_fail("wp_instance_create failed but returned an instance");
    }
    wp_interrupt_destroy(h);
    wp_imports_destroy(im);
    free_imports(&mk);
}

static void run_once(const uint8_t *data, size_t size, run *r)
{
    wp_engine_config cfg = { .alloc = run_alloc, .alloc_ud = r, .max_memory_pages = MAX_PAGES,
                             .stack_slots = STACK_SLOTS, .max_call_depth = CALL_DEPTH,
                             .max_instance_bytes = (uint64_t)INSTANCE_MB << 20 };
    /* A background compile (auto) would make the allocation count differ
     * from run to run: auto means the interpreter here, and
     * WASMPIPE_TIER=jit still picks the JIT. */
    const char *tier = getenv("WASMPIPE_TIER");
    cfg.tier = tier != NULL && strcmp(tier, "jit") == 0 ? WP_TIER_JIT : WP_TIER_INTERP;
    wp_engine *e = NULL;
    wp_error err;
    wp_status s = wp_engine_create(&cfg, &e, &err);
    fuzz_check_status("wp_engine_create", s, &err);
    if (s != WP_OK) {
        if (r->live != 0)
            fuzz_fail("%lld bytes live after wp_engine_create failed", (long long)r->live);
        return;
    }

    wp_module *m = NULL;
    s = wp_module_compile(e, data, size, &m, &err);
    fuzz_log("compile (allocation %llu fails): %s%s%s", (unsigned long long)r->fail_at,
             wp_status_text(s), s == WP_OK ? "" : ": ", s == WP_OK ? "" : err.msg);
    fuzz_check_status("wp_module_compile", s, &err);
    if (s == WP_OK) {
        describe(m);
        instantiate_and_call(e, r, m);
        wp_module_destroy(m);
    } else if (m != NULL) {
        fuzz_fail("wp_module_compile failed but returned a module");
    }
    wp_engine_destroy(e);
    if (r->live != 0)
        fuzz_fail("%lld bytes live after everything was destroyed (allocation %llu failed)",
                  (long long)r->live, (unsigned long long)r->fail_at);
}

/* ---------------------------------------------------------------- wrapped bodies */

/* The function types a wrapped body can have, picked by the input's first
 * byte: each entry is the type's encoding after the 0x60. */
static const struct { uint8_t len; uint8_t bytes[8]; } body_types[] = {
    { 2, { 0x00, 0x00 } },                          /* [] -> [] */
    { 4, { 0x01, 0x7f, 0x01, 0x7f } },              /* [i32] -> [i32] */
    { 5, { 0x02, 0x7e, 0x7e, 0x01, 0x7e } },        /* [i64 i64] -> [i64] */
    { 4, { 0x01, 0x7d, 0x01, 0x7c } },              /* [f32] -> [f64] */
    { 4, { 0x00, 0x02, 0x7f, 0x7e } },              /* [] -> [i32 i64] */
    { 4, { 0x01, 0x70, 0x01, 0x6f } },              /* [funcref] -> [externref] */
    { 4, { 0x01, 0x7b, 0x01, 0x7b } },              /* [v128] -> [v128] */
    { 5, { 0x02, 0x7b, 0x7f, 0x01, 0x7b } },        /* [v128 i32] -> [v128] */
};

/* Everything of the wrapper module before and after its code section:
 * type 0 is the body's type (patched in), type 1 [i32] -> [i32] is an
 * imported function env.h (func 0); the body is func 1, exported as "f";
 * a table of 2..8 funcrefs holding both, a memory of 1..2 pages, a
 * mutable i32 and i64 global, and one passive data segment (with its
 * data count, so memory.init and data.drop validate). */
static const uint8_t wrap_imports[] = {
    0x02, 0x09, 0x01, 0x03, 'e', 'n', 'v', 0x01, 'h', 0x00, 0x01,
    0x03, 0x02, 0x01, 0x00,
    0x04, 0x05, 0x01, 0x70, 0x01, 0x02, 0x08,
    0x05, 0x04, 0x01, 0x01, 0x01, 0x02,
    0x06, 0x0b, 0x02, 0x7f, 0x01, 0x41, 0x00, 0x0b, 0x7e, 0x01, 0x42, 0x00, 0x0b,
    0x07, 0x0d, 0x03, 0x01, 'f', 0x00, 0x01, 0x01, 'm', 0x02, 0x00, 0x01, 't', 0x01, 0x00,
    0x09, 0x08, 0x01, 0x00, 0x41, 0x00, 0x0b, 0x02, 0x00, 0x01,
    0x0c, 0x01, 0x01,
};
static const uint8_t wrap_data[] = {
    0x0b, 0x0b, 0x01, 0x01, 0x08, 'p', 'a', 's', 's', 'i', 'v', 'e', '!',
};

static size_t put_leb(uint8_t *p, uint32_t v)
{
    size_t n = 0;
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        p[n++] = (uint8_t)(b | (v ? 0x80 : 0));
    } while (v);
    return n;
}

/* A malloc'd module whose one defined function has data[1..] as its body
 * (locals and code), so that the fuzzer spends its effort on instruction
 * sequences rather than on module structure. */
static uint8_t *wrap_body(const uint8_t *data, size_t size, size_t *out_len)
{
    size_t body = size - 1;
    size_t pick = data[0] % (sizeof body_types / sizeof body_types[0]);
    const uint8_t *bt_bytes = body_types[pick].bytes;
    uint8_t bt_len = body_types[pick].len;
    uint8_t *m = malloc(64 + sizeof wrap_imports + sizeof wrap_data + body);
    if (m == NULL)
        fuzz_fail("out of memory");
    size_t n = 0;
    static const uint8_t head[] = { 0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00 };
    memcpy(m, head, sizeof head);
    n += sizeof head;
    static const uint8_t t1[] = { 0x60, 0x01, 0x7f, 0x01, 0x7f };
    m[n++] = 0x01;                                   /* type section */
    m[n++] = (uint8_t)(1 + 1 + bt_len + sizeof t1);
    m[n++] = 0x02;
    m[n++] = 0x60;
    memcpy(m + n, bt_bytes, bt_len);
    n += bt_len;
    memcpy(m + n, t1, sizeof t1);
    n += sizeof t1;
    memcpy(m + n, wrap_imports, sizeof wrap_imports);
    n += sizeof wrap_imports;
    uint8_t entry[5], count[5];
    size_t ne = put_leb(entry, (uint32_t)body);
    size_t nc = put_leb(count, 1);
    m[n++] = 0x0a;                                   /* code section */
    n += put_leb(m + n, (uint32_t)(nc + ne + body));
    memcpy(m + n, count, nc);
    n += nc;
    memcpy(m + n, entry, ne);
    n += ne;
    if (body > 0)
        memcpy(m + n, data + 1, body);
    n += body;
    memcpy(m + n, wrap_data, sizeof wrap_data);
    n += sizeof wrap_data;
    *out_len = n;
    return m;
}

/* Inputs that start with the wasm magic are modules as they are; anything
 * else (which a module could never be) is a function body to wrap. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t magic[4] = { 0x00, 'a', 's', 'm' };
    uint8_t *wrapped = NULL;
    const uint8_t *bytes = data;
    size_t len = size;
    if (size > 0 && (size < 4 || memcmp(data, magic, 4) != 0)) {
        wrapped = wrap_body(data, size, &len);
        bytes = wrapped;
    }
    run r;
    memset(&r, 0, sizeof r);
    r.max_live = max_live();
    run_once(bytes, len, &r);
    if (r.allocs > 0) {
        uint64_t h = 1469598103934665603u;
        for (size_t i = 0; i < size; i++)
            h = (h ^ data[i]) * 1099511628211u;
        uint64_t fail_at = 1 + h % r.allocs;
        memset(&r, 0, sizeof r);
        r.max_live = max_live();
        r.fail_at = fail_at;
        run_once(bytes, len, &r);
    }
    free(wrapped);
    return 0;
}
