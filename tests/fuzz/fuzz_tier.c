/* Fuzz target "tier": one module and one sequence of calls run side by side
 * on every way wasmpipe can run it, which must all agree.
 *
 * The sides: the interpreter with the recognition of wasi-libc bodies off
 * (libc_match.c; every body interpreted as written: the reference), the
 * interpreter with it on (only when the module holds a recognised body),
 * and the LLVM tier (only when it compiles the module; a module it refuses
 * runs on the interpreter, which the first sides already cover). Each side
 * has its own engine, imports and instance.
 *
 * Input: a WebAssembly module as it is (starting with the wasm magic),
 * called with zero arguments; or byte 0 is n, the next n bytes are the
 * argument stream, and the rest is the module:
 *   - starting with the wasm magic: the module as it is;
 *   - a first byte of 0xff: the module of wasi-libc's memcpy, memmove and
 *     memset (gen_libc_module), so that the argument stream picks
 *     overlapping, out-of-bounds and partial copies and fills;
 *   - otherwise the bytes after the first are choices for the structured
 *     generator (gen_module.h), which always gives a valid module; an odd
 *     first byte turns on v128 values and the SIMD instructions.
 * The argument stream gives every parameter of every call: per value one
 * byte picks zero, an edge value of the type (gen_edge_bits, by the next
 * byte), a small signed number (next byte) or raw bits (the next 4 or 8
 * bytes); for a v128 the same byte picks zero, four f32 edge values (the
 * next 4 bytes), eight small signed i16 lanes (8 bytes) or 16 raw bytes;
 * once it runs out every argument is zero. References are null.
 *
 * Run: each side compiles and instantiates the module (imported functions
 * are host functions that hash their arguments, with a byte of the caller's
 * memory, into the results and into a log, and trap or exit on some
 * hashes; imported memories, tables and globals are fresh), then every
 * exported function (at most MAX_CALLS in all) is called twice round, the
 * same calls with the same arguments on every side.
 *
 * Oracle: after compiling, after instantiating and after each call, the
 * sides agree on the status and its detail (trap kind as a wp_error code
 * and detail, exit code), the results, every global, every memory (size
 * and bytes), every table (size and which function or null each of the
 * first TABLE_CHECK entries holds) and the log of host calls; a
 * difference aborts with both sides' values. Messages are not compared.
 *
 * NaN: the spec lets an arithmetic float instruction return any NaN
 * (canonical if its NaN inputs were, else any quiet one), and every other
 * instruction (const, load, store, local and global ops, select, abs, neg,
 * copysign, reinterpret) keep bits exactly. Generated modules replace each
 * arithmetic NaN by the canonical one (gen_module.h), and the libc module
 * has no floats, so for them everything is compared bit for bit. For a
 * module as it is the target cannot tell where a NaN came from, so float
 * results and float globals compare equal when both are NaNs of the same
 * type, whatever their bits, and bit for bit otherwise (so +0 and -0
 * differ); integers, memory and tables are still compared exactly: a raw
 * module that moves the bits of an arithmetic NaN into an integer or into
 * memory could show a difference the spec allows, and such a report must
 * be checked by hand before it is called a bug.
 *
 * WP_FUZZ_TIER_DUMP=FILE writes the module an input runs to FILE (for
 * wasm2wat), and WP_FUZZ_VERBOSE=1 prints the sides and each call.
 *
 * What is not a difference: the spec leaves the depth at which the call
 * stack runs out to the engine, so when every side traps with "call stack
 * exhausted" the input ends there (state may differ); a call that one side
 * could not finish before the watchdog's deadline (CALL_MS, "interrupted")
 * ends the input too, as does running out of memory (WP_ERR_NOMEM).
 */
#include "fuzz.h"
#include "gen_module.h"
#include "libc_match.h"
#include "rt.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PAGES    16u
#define STACK_SLOTS  (1u << 16)
#define CALL_DEPTH   200u
#define CALL_MS      50u
#define MAX_CALLS    16u
#define ROUNDS       2u
#define MAX_TABLE    (1u << 16)
#define TABLE_CHECK  1024u
#define INSTANCE_MB  64

enum { SIDE_REF, SIDE_LIBC, SIDE_JIT, NSIDES };
static const char *const side_names[NSIDES] = { "interp", "interp+libc", "jit" };

typedef struct side side;

typedef struct stub {
    side          *sd;
    uint32_t       index;      /* import index */
    wp_functype    type;       /* views into the module */
} stub;

struct side {
    const char   *name;
    bool          shared;      /* e and m belong to libc_cache */
    wp_engine    *e;
    wp_module    *m;
    wp_imports   *im;
    wp_instance  *in;
    wp_interrupt *h;
    uint32_t      nimports;
    stub         *stubs;
    wp_func     **funcs;
    wp_memory   **mems;
    wp_table    **tables;
    wp_global   **globals;
    uint64_t      log;         /* hash of the host calls made */
    uint32_t      host_calls;
};

/* ---------------------------------------------------------------- hashing */

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
}

/* ---------------------------------------------------------------- host functions */

/* Any import's type: the results are a hash of the import, the arguments
 * and the byte of the caller's memory the first argument points at; some
 * hashes trap and some exit. The same calls give the same answers on
 * every side, and the log shows whether the calls were the same. */
static wp_status stub_fn(wp_call *call, void *user, uint64_t *slots)
{
    stub *st = user;
    side *sd = st->sd;
    uint64_t h = mix(0x1234, st->index);
    for (uint32_t i = 0; i < st->type.nparams; i++) {
        wp_valtype t = st->type.params[i];
        uint64_t v = slots[i];
        if (t == WP_I32 || t == WP_F32)
            v &= 0xffffffffu;
        else if (t == WP_FUNCREF || t == WP_EXTERNREF)
            v = v != 0;
        h = mix(h, v);
    }
    size_t len = 0;
    const uint8_t *mem = wp_call_memory(call, &len);
    if (mem != NULL && len > 0 && st->type.nparams > 0)
        h = mix(h, mem[(uint32_t)slots[0] % len]);
    sd->log = mix(sd->log, h);
    sd->host_calls++;
    if (h % 29 == 7)
        return wp_call_trap(call, "host stub: trap on hash %llx", (unsigned long long)h);
    if (h % 97 == 11)
        return wp_call_exit(call, (int)(h >> 60));
    for (uint32_t i = 0; i < st->type.nresults; i++) {
        uint64_t v = mix(h, i);
        switch (st->type.results[i]) {
        case WP_I32:
        case WP_F32: v &= 0xffffffffu; break;
        case WP_FUNCREF:
        case WP_EXTERNREF: v = 0; break;
        default: break;
        }
        slots[i] = v;
    }
    return WP_OK;
}

static char *cstr(const char *name, uint32_t len)
{
    if (len > 0 && memchr(name, '\0', len) != NULL)
        return NULL;
    char *s = malloc((size_t)len + 1);
    if (s == NULL)
        fuzz_fail("out of memory");
    if (len > 0)
        memcpy(s, name, len);
    s[len] = '\0';
    return s;
}

/* Defines an extern for every import that can be made. */
static void make_imports(side *sd)
{
    wp_error err;
    wp_status s = wp_imports_create(sd->e, &sd->im, &err);
    fuzz_check_status("wp_imports_create", s, &err);
    if (s != WP_OK)
        fuzz_fail("wp_imports_create: %s", err.msg);
    uint32_t n = wp_module_import_count(sd->m);
    sd->nimports = n;
    sd->stubs = calloc(n + 1, sizeof *sd->stubs);
    sd->funcs = calloc(n + 1, sizeof *sd->funcs);
    sd->mems = calloc(n + 1, sizeof *sd->mems);
    sd->tables = calloc(n + 1, sizeof *sd->tables);
    sd->globals = calloc(n + 1, sizeof *sd->globals);
    if (!sd->stubs || !sd->funcs || !sd->mems || !sd->tables || !sd->globals)
        fuzz_fail("out of memory");
    for (uint32_t i = 0; i < n; i++) {
        wp_extern_desc d;
        if (wp_module_import(sd->m, i, &d) != WP_OK)
            fuzz_fail("wp_module_import(%u) failed below the count", i);
        wp_extern ext;
        ext.kind = d.kind;
        s = WP_OK;
        switch (d.kind) {
        case WP_EXTERN_FUNC:
            sd->stubs[i] = (stub){ sd, i, d.func };
            s = wp_func_create_host(sd->e, &d.func, stub_fn, &sd->stubs[i], &sd->funcs[i], &err);
            ext.of.func = sd->funcs[i];
            break;
        case WP_EXTERN_MEMORY:
            if (d.limits.min > MAX_PAGES)
                continue;
            s = wp_memory_create(sd->e, d.limits, &sd->mems[i], &err);
            ext.of.memory = sd->mems[i];
            break;
        case WP_EXTERN_TABLE:
            if (d.limits.min > MAX_TABLE)
                continue;
            s = wp_table_create(sd->e, d.type, d.limits, &sd->tables[i], &err);
            ext.of.table = sd->tables[i];
            break;
        case WP_EXTERN_GLOBAL: {
            wp_value v;
            memset(&v, 0, sizeof v);
            v.type = d.type;
            s = wp_global_create(sd->e, &v, d.mutable_, &sd->globals[i], &err);
            ext.of.global = sd->globals[i];
            break;
        }
        }
        fuzz_check_status("making an import", s, &err);
        if (s != WP_OK)
            continue;
        char *mod = cstr(d.module, d.module_len), *name = cstr(d.name, d.name_len);
        if (mod != NULL && name != NULL) {
            s = wp_imports_define(sd->im, mod, name, ext, &err);
            fuzz_check_status("wp_imports_define", s, &err);
        }
        free(mod);
        free(name);
    }
}

static void side_free(side *sd)
{
    wp_instance_destroy(sd->in);
    wp_interrupt_destroy(sd->h);
    wp_imports_destroy(sd->im);
    for (uint32_t i = 0; i < sd->nimports; i++) {
        wp_func_destroy(sd->funcs[i]);
        wp_memory_destroy(sd->mems[i]);
        wp_table_destroy(sd->tables[i]);
        wp_global_destroy(sd->globals[i]);
    }
    free(sd->stubs);
    free(sd->funcs);
    free(sd->mems);
    free(sd->tables);
    free(sd->globals);
    if (!sd->shared) {
        wp_module_destroy(sd->m);
        wp_engine_destroy(sd->e);
    }
    memset(sd, 0, sizeof *sd);
}

/* ---------------------------------------------------------------- comparing */

typedef struct outcome {
    wp_status s;
    int       detail;
    char      msg[256];
} outcome;

static void set_outcome(outcome *o, wp_status s, const wp_error *err)
{
    o->s = s;
    o->detail = s == WP_ERR_TRAP || s == WP_EXIT ? err->detail : 0;
    snprintf(o->msg, sizeof o->msg, "%s", s == WP_OK ? "" : err->msg);
}

static _Noreturn void differ(const char *where, const side *a, const side *b, const char *fmt,
                             ...) WP_PRINTF(4, 5);

static _Noreturn void differ(const char *where, const side *a, const side *b, const char *fmt,
                             ...)
{
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    fuzz_fail("tiers differ %s: %s and %s: %s", where, a->name, b->name, what);
    abort();   /* not reached: fuzz_fail aborts */
}

static const char *outcome_text(const outcome *o, char *buf, size_t n)
{
    if (o->s == WP_OK)
        snprintf(buf, n, "ok");
    else if (o->s == WP_ERR_TRAP)
        snprintf(buf, n, "trap %d (%s: %s)", o->detail,
                 wp_trap_kind_text((wp_trap_kind)o->detail), o->msg);
    else if (o->s == WP_EXIT)
        snprintf(buf, n, "exit %d", o->detail);
    else
        snprintf(buf, n, "%s (%s)", wp_status_text(o->s), o->msg);
    return buf;
}

static void same_outcome(const char *where, const side *a, const outcome *oa, const side *b,
                         const outcome *ob)
{
    if (oa->s == ob->s && oa->detail == ob->detail)
        return;
    char ta[400], tb[400];
    differ(where, a, b, "%s versus %s", outcome_text(oa, ta, sizeof ta),
           outcome_text(ob, tb, sizeof tb));
}

/* Two values of type t: floats are equal when both are NaNs unless exact. */
static bool same_value(wp_valtype t, uint64_t x, uint64_t y, bool exact)
{
    if (t == WP_F32) {
        uint32_t a = (uint32_t)x, b = (uint32_t)y;
        if (!exact && (a & 0x7fffffffu) > 0x7f800000u && (b & 0x7fffffffu) > 0x7f800000u)
            return true;
        return a == b;
    }
    if (t == WP_F64) {
        if (!exact && (x & ~(1ull << 63)) > 0x7ff0000000000000ull &&
            (y & ~(1ull << 63)) > 0x7ff0000000000000ull)
            return true;
        return x == y;
    }
    if (t == WP_I32)
        return (uint32_t)x == (uint32_t)y;
    return x == y;
}

static uint64_t value_bits(const wp_value *v, uint64_t *hi)
{
    *hi = 0;
    switch (v->type) {
    case WP_I32: return (uint32_t)v->of.i32;
    case WP_I64: return (uint64_t)v->of.i64;
    case WP_F32: return v->of.f32_bits;
    case WP_F64: return v->of.f64_bits;
    case WP_V128: {
        uint64_t lo;
        memcpy(&lo, v->of.v128, 8);
        memcpy(hi, v->of.v128 + 8, 8);
        return lo;
    }
    case WP_FUNCREF: return v->of.funcref != NULL;
    case WP_EXTERNREF: return v->of.externref != NULL;
    }
    return 0;
}

/* Where a table entry points: -1 null, the function's index in the
 * instance, or -2 for a function the instance does not know. */
static int64_t func_id(const wp_instance *in, const void *f)
{
    if (f == NULL)
        return -1;
    const wp_module *m = in->module;
    for (uint32_t i = 0; i < m->nfuncs; i++)
        if (in->funcs[i] == f)
            return i;
    return -2;
}

/* Everything a call can change, side b against side a. */
static void same_state(const char *where, const side *a, const side *b, bool exact)
{
    const wp_instance *x = a->in, *y = b->in;
    const wp_module *m = a->m;
    for (uint32_t i = 0; i < m->nglobals; i++) {
        const wp_global *gx = x->globals[i], *gy = y->globals[i];
        if (!same_value((wp_valtype)gx->type, gx->val[0], gy->val[0], exact) ||
            (gx->type == WP_V128 && gx->val[1] != gy->val[1]))
            differ(where, a, b, "global %u: 0x%016llx versus 0x%016llx", i,
                   (unsigned long long)gx->val[0], (unsigned long long)gy->val[0]);
    }
    for (uint32_t i = 0; i < m->nmemories; i++) {
        const wp_memory *mx = x->memories[i], *my = y->memories[i];
        if (mx->size != my->size)
            differ(where, a, b, "memory %u: %u versus %u pages", i, mx->pages, my->pages);
        if (mx->size > 0 && memcmp(mx->data, my->data, mx->size) != 0) {
            uint64_t at = 0;
            while (mx->data[at] == my->data[at])
                at++;
            differ(where, a, b, "memory %u: byte %llu is 0x%02x versus 0x%02x", i,
                   (unsigned long long)at, mx->data[at], my->data[at]);
        }
    }
    for (uint32_t i = 0; i < m->ntables; i++) {
        const wp_table *tx = x->tables[i], *ty = y->tables[i];
        if (tx->size != ty->size)
            differ(where, a, b, "table %u: %u versus %u entries", i, tx->size, ty->size);
        for (uint32_t k = 0; k < tx->size && k < TABLE_CHECK; k++) {
            int64_t fx = func_id(x, tx->elems[k]), fy = func_id(y, ty->elems[k]);
            if (fx != fy)
                differ(where, a, b, "table %u entry %u: %lld versus %lld", i, k,
                       (long long)fx, (long long)fy);
        }
    }
    if (a->log != b->log || a->host_calls != b->host_calls)
        differ(where, a, b, "host calls: %u (log %016llx) versus %u (log %016llx)",
               a->host_calls, (unsigned long long)a->log, b->host_calls,
               (unsigned long long)b->log);
}

/* Whether the input ends here without a verdict (see the top comment). */
static bool inconclusive(const outcome *o, const bool *used)
{
    bool all_exhausted = true, any = false;
    for (int k = 0; k < NSIDES; k++) {
        if (!used[k])
            continue;
        if (o[k].s == WP_ERR_NOMEM ||
            (o[k].s == WP_ERR_TRAP && o[k].detail == WP_TRAP_INTERRUPTED))
            return true;
        any = true;
        if (!(o[k].s == WP_ERR_TRAP && o[k].detail == WP_TRAP_STACK_EXHAUSTED))
            all_exhausted = false;
    }
    return any && all_exhausted;
}

/* ---------------------------------------------------------------- arguments */

typedef struct args {
    const uint8_t *p;
    size_t         n, at;
} args;

static uint8_t arg_byte(args *a) { return a->at < a->n ? a->p[a->at++] : 0; }

static wp_value next_arg(args *a, wp_valtype t)
{
    wp_value v;
    memset(&v, 0, sizeof v);
    v.type = t;
    if (t == WP_FUNCREF || t == WP_EXTERNREF)
        return v;   /* null references */
    uint8_t tag = arg_byte(a);
    if (t == WP_V128) {
        for (int i = 0; i < 16 && tag % 4 != 0; i++) {
            if (tag % 4 == 1 && i % 4 == 0) {
                uint32_t x = (uint32_t)gen_edge_bits(WP_F32, arg_byte(a));
                memcpy(v.of.v128 + i, &x, 4);
            } else if (tag % 4 == 2 && i % 2 == 0) {   /* i16 lanes, sign-extended */
                int16_t x = (int8_t)arg_byte(a);
                memcpy(v.of.v128 + i, &x, 2);
            } else if (tag % 4 == 3) {
                v.of.v128[i] = arg_byte(a);
            }
        }
        return v;
    }
    uint64_t bits = 0;
    bool wide = t == WP_I64 || t == WP_F64;
    switch (tag % 4) {
    case 1: bits = gen_edge_bits((uint8_t)t, arg_byte(a)); break;
    case 2: bits = (uint64_t)(int64_t)(int8_t)arg_byte(a); break;
    case 3:
        for (int i = 0; i < (wide ? 8 : 4); i++)
            bits |= (uint64_t)arg_byte(a) << (8 * i);
        break;
    default: break;
    }
    switch (t) {
    case WP_I32: v.of.i32 = (int32_t)(uint32_t)bits; break;
    case WP_I64: v.of.i64 = (int64_t)bits; break;
    case WP_F32: v.of.f32_bits = (uint32_t)bits; break;
    default:     v.of.f64_bits = bits; break;
    }
    return v;
}

/* ---------------------------------------------------------------- one input */

/* Whether a defined function of m has a body the interpreter recognises. */
static bool has_libc_body(const wp_module *m)
{
    for (uint32_t i = 0; i < m->nfuncs - m->nfunc_imports; i++) {
        uint32_t callee;
        const rt_code *c = &m->codes[i];
        if (c->body != NULL && rt_libc_match(c->body, c->body_len, &callee) != RT_LIBC_NONE)
            return true;
    }
    return false;
}

/* The libc module never changes, and LLVM takes long over its three
 * large bodies, so each side compiles it once per process; inputs then
 * differ only in their calls. The fuzz targets hold process-wide state
 * anyway (fuzz_util.c's watchdog). */
static struct {
    wp_engine *e;
    wp_module *m;
} libc_cache[NSIDES];

static wp_status side_compile(side *sd, int kind, const uint8_t *bytes, size_t len, bool libc,
                              wp_error *err)
{
    sd->name = side_names[kind];
    if (libc && libc_cache[kind].m != NULL) {
        sd->e = libc_cache[kind].e;
        sd->m = libc_cache[kind].m;
        sd->shared = true;
        return WP_OK;
    }
    wp_engine_config cfg = { .max_memory_pages = MAX_PAGES, .stack_slots = STACK_SLOTS,
                             .max_call_depth = CALL_DEPTH,
                             .tier = kind == SIDE_JIT ? WP_TIER_JIT : WP_TIER_INTERP,
                             .max_instance_bytes = (uint64_t)INSTANCE_MB << 20 };
    wp_status s = wp_engine_create(&cfg, &sd->e, err);
    fuzz_check_status("wp_engine_create", s, err);
    if (s != WP_OK)
        fuzz_fail("wp_engine_create: %s", err->msg);
    rt_engine_set_libc_match(sd->e, kind == SIDE_LIBC);
    s = wp_module_compile(sd->e, bytes, len, &sd->m, err);
    fuzz_check_status("wp_module_compile", s, err);
    if (libc && s == WP_OK) {
        libc_cache[kind].e = sd->e;
        libc_cache[kind].m = sd->m;
        sd->shared = true;
    }
    return s;
}

static wp_status side_instantiate(side *sd, wp_error *err)
{
    make_imports(sd);
    wp_status s = wp_interrupt_create(sd->e, &sd->h, err);
    fuzz_check_status("wp_interrupt_create", s, err);
    if (s != WP_OK)
        fuzz_fail("wp_interrupt_create: %s", err->msg);
    wp_instance_config ic = { .max_memory_pages = MAX_PAGES, .stack_slots = STACK_SLOTS,
                              .max_call_depth = CALL_DEPTH, .interrupt = sd->h };
    fuzz_watch_begin_handle(sd->h, CALL_MS);
    s = wp_instance_create(sd->m, sd->im, &ic, &sd->in, err);
    fuzz_watch_end();
    fuzz_check_status("wp_instance_create", s, err);
    return s;
}

/* Calls the export on one side; results has room for the function's. */
static void side_call(side *sd, const char *name, const wp_value *argv, uint32_t nargs,
                      wp_value *results, uint32_t nresults, outcome *o)
{
    wp_extern ext;
    wp_error err;
    wp_status s = wp_instance_export(sd->in, name, &ext, &err);
    if (s != WP_OK || ext.kind != WP_EXTERN_FUNC)
        fuzz_fail("%s: export %s is gone", sd->name, name);
    fuzz_watch_begin(sd->in, CALL_MS);
    s = wp_func_call(ext.of.func, argv, nargs, results, nresults, &err);
    fuzz_watch_end();
    fuzz_check_status("calling an export", s, &err);
    set_outcome(o, s, &err);
}

/* The exported functions' names, in export order, at most MAX_CALLS. */
static uint32_t func_exports(const wp_module *m, char **names)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < wp_module_export_count(m) && n < MAX_CALLS; i++) {
        wp_extern_desc d;
        if (wp_module_export(m, i, &d) != WP_OK)
            fuzz_fail("wp_module_export(%u) failed below the count", i);
        if (d.kind != WP_EXTERN_FUNC)
            continue;
        char *name = cstr(d.name, d.name_len);
        if (name != NULL)
            names[n++] = name;
    }
    return n;
}

static void run(const uint8_t *bytes, size_t len, args *av, bool exact, bool generated,
                bool libc)
{
    side sides[NSIDES];
    memset(sides, 0, sizeof sides);
    bool used[NSIDES] = { true, false, false };
    outcome o[NSIDES];
    wp_error err;

    set_outcome(&o[SIDE_REF], side_compile(&sides[SIDE_REF], SIDE_REF, bytes, len, libc, &err), &err);
    fuzz_log("compile: %s%s%s", wp_status_text(o[SIDE_REF].s), o[SIDE_REF].s ? ": " : "",
             o[SIDE_REF].msg);
    if (o[SIDE_REF].s != WP_OK) {
        if (generated)
            fuzz_fail("a generated module does not compile: %s", o[SIDE_REF].msg);
        side_free(&sides[SIDE_REF]);
        return;
    }
    used[SIDE_LIBC] = has_libc_body(sides[SIDE_REF].m);
    used[SIDE_JIT] = true;
    for (int k = SIDE_LIBC; k < NSIDES; k++) {
        if (!used[k])
            continue;
        set_outcome(&o[k], side_compile(&sides[k], k, bytes, len, libc, &err), &err);
        same_outcome("compiling", &sides[SIDE_REF], &o[SIDE_REF], &sides[k], &o[k]);
    }
    const char *why = NULL;
    if (strcmp(wp_module_tier(sides[SIDE_JIT].m, &why), "jit") != 0) {
        fuzz_log("jit refused the module: %s", why != NULL ? why : "?");
        side_free(&sides[SIDE_JIT]);
        used[SIDE_JIT] = false;
    }
    fuzz_log("sides: interp%s%s", used[SIDE_LIBC] ? ", interp+libc" : "",
             used[SIDE_JIT] ? ", jit" : "");
    if (!used[SIDE_LIBC] && !used[SIDE_JIT])
        goto out;

    for (int k = 0; k < NSIDES; k++)
        if (used[k])
            set_outcome(&o[k], side_instantiate(&sides[k], &err), &err);
    fuzz_log(" instantiate: %s%s%s", wp_status_text(o[SIDE_REF].s), o[SIDE_REF].s ? ": " : "",
             o[SIDE_REF].msg);
    if (inconclusive(o, used))
        goto out;
    for (int k = 1; k < NSIDES; k++)
        if (used[k]) {
            same_outcome("instantiating", &sides[SIDE_REF], &o[SIDE_REF], &sides[k], &o[k]);
            if (o[k].s == WP_OK)
                same_state("after instantiating", &sides[SIDE_REF], &sides[k], exact);
        }
    if (o[SIDE_REF].s != WP_OK)
        goto out;

    char *names[MAX_CALLS];
    uint32_t nnames = func_exports(sides[SIDE_REF].m, names);
    bool stop = false;
    for (uint32_t round = 0; round < ROUNDS && !stop; round++) {
        for (uint32_t i = 0; i < nnames && !stop; i++) {
            wp_extern ext;
            if (wp_instance_export(sides[SIDE_REF].in, names[i], &ext, &err) != WP_OK)
                fuzz_fail("export %s is gone", names[i]);
            wp_functype t = wp_func_type(ext.of.func);
            wp_value *argv = calloc((size_t)t.nparams + 1, sizeof *argv);
            wp_value *res[NSIDES];
            if (argv == NULL)
                fuzz_fail("out of memory");
            for (uint32_t p = 0; p < t.nparams; p++)
                argv[p] = next_arg(av, t.params[p]);
            for (int k = 0; k < NSIDES; k++) {
                res[k] = calloc((size_t)t.nresults + 1, sizeof *res[k]);
                if (res[k] == NULL)
                    fuzz_fail("out of memory");
                if (used[k])
                    side_call(&sides[k], names[i], argv, t.nparams, res[k], t.nresults, &o[k]);
            }
            char where[300];
            snprintf(where, sizeof where, "in call %u of %s (round %u)", i, names[i], round);
            fuzz_log("  call %s: %s%s%s", names[i], wp_status_text(o[SIDE_REF].s),
                     o[SIDE_REF].s ? ": " : "", o[SIDE_REF].msg);
            if (inconclusive(o, used)) {
                stop = true;
            } else {
                for (int k = 1; k < NSIDES; k++) {
                    if (!used[k])
                        continue;
                    same_outcome(where, &sides[SIDE_REF], &o[SIDE_REF], &sides[k], &o[k]);
                    for (uint32_t r = 0; o[k].s == WP_OK && r < t.nresults; r++) {
                        uint64_t hx, hy;
                        uint64_t x = value_bits(&res[SIDE_REF][r], &hx);
                        uint64_t y = value_bits(&res[k][r], &hy);
                        if (!same_value(t.results[r], x, y, exact) || hx != hy)
                            differ(where, &sides[SIDE_REF], &sides[k],
                                   "result %u: 0x%016llx versus 0x%016llx", r,
                                   (unsigned long long)x, (unsigned long long)y);
                    }
                    same_state(where, &sides[SIDE_REF], &sides[k], exact);
                }
            }
            for (int k = 0; k < NSIDES; k++)
                free(res[k]);
            free(argv);
        }
    }
    for (uint32_t i = 0; i < nnames; i++)
        free(names[i]);
out:
    for (int k = 0; k < NSIDES; k++)
        side_free(&sides[k]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t magic[4] = { 0x00, 'a', 's', 'm' };
    if (size == 0)
        return 0;
    if (size >= 4 && memcmp(data, magic, 4) == 0) {
        args none = { NULL, 0, 0 };
        run(data, size, &none, false, false, false);
        return 0;
    }
    size_t nargs = data[0];
    if (nargs > size - 1)
        nargs = size - 1;
    args av = { data + 1, nargs, 0 };
    const uint8_t *rest = data + 1 + nargs;
    size_t nrest = size - 1 - nargs;

    uint8_t *made = NULL;
    const uint8_t *bytes = rest;
    size_t len = nrest;
    bool exact = true, libc = false;
    if (nrest >= 4 && memcmp(rest, magic, 4) == 0) {
        exact = false;
    } else if (nrest >= 1 && rest[0] == 0xff) {
        made = gen_libc_module(&len);
        bytes = made;
        libc = true;
    } else {
        bool simd = nrest > 0 && (rest[0] & 1);
        made = gen_module(nrest > 0 ? rest + 1 : rest, nrest > 0 ? nrest - 1 : 0, true, simd,
                          &len);
        bytes = made;
    }
    /* To look at what an input runs: WP_FUZZ_TIER_DUMP=file.wasm. */
    const char *dump = getenv("WP_FUZZ_TIER_DUMP");
    if (dump != NULL && dump[0] != '\0') {
        FILE *f = fopen(dump, "wb");
        if (f == NULL || fwrite(bytes, 1, len, f) != len || fclose(f) != 0)
            fuzz_fail("cannot write %s", dump);
    }
    run(bytes, len, &av, exact, made != NULL, libc);
    free(made);
    return 0;
}
