/* Unit tests of the import map (imports.c) and of instantiation
 * (instance.c) on modules built by hand in memory, so no decoder is
 * involved: export lookup, defining an instance's exports, the import
 * matching rules for every kind, segment initialisation with its traps and
 * drops, globals from constant expressions, host start functions, and no
 * bytes left allocated at the end (including instances kept alive by a
 * table after a failed start-up). No wasm code is run. */
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

typedef struct counting { long long live; } counting;

static void *count_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    counting *c = ud;
    c->live += (long long)new_size - (long long)old_size;
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, new_size);
}

/* ---------------------------------------------------------------- hand-built modules */

/* A module and the arrays it points into. Imports of each kind must be
 * added before definitions of that kind, as in a binary. */
typedef struct test_module {
    wp_module     m;
    rt_functype   types[4];
    rt_valtype    type_bytes[4][4];
    rt_import     imports[8];
    uint32_t      func_type[8];
    rt_code       codes[8];
    rt_name       func_names[8];
    rt_tabletype  tables[4];
    rt_limits     memories[4];
    rt_globaltype globals[8];
    rt_const_expr global_init[8];
    rt_export     exports[8];
    rt_elem       elems[4];
    rt_const_expr items[4][8];
    rt_data       datas[4];
} test_module;

static rt_name name_of(const char *s) { return (rt_name){ s, (uint32_t)strlen(s) }; }

static void tm_init(test_module *t, wp_engine *e)
{
    memset(t, 0, sizeof *t);
    wp_module *m = &t->m;
    m->engine = e;
    m->types = t->types;
    m->imports = t->imports;
    m->func_type = t->func_type;
    m->codes = t->codes;
    m->func_names = t->func_names;
    m->tables = t->tables;
    m->memories = t->memories;
    m->globals = t->globals;
    m->global_init = t->global_init;
    m->exports = t->exports;
    m->elems = t->elems;
    m->datas = t->datas;
    m->start = UINT32_MAX;
}

/* A type from strings of valtype bytes, interned as the decoder would. */
static uint32_t tm_type(test_module *t, const char *params, const char *results)
{
    uint32_t i = t->m.ntypes++;
    rt_functype *ft = &t->types[i];
    ft->nparams = (uint32_t)strlen(params);
    ft->nresults = (uint32_t)strlen(results);
    memcpy(t->type_bytes[i], params, ft->nparams);
    memcpy(t->type_bytes[i] + ft->nparams, results, ft->nresults);
    ft->params = t->type_bytes[i];
    ft->results = t->type_bytes[i] + ft->nparams;
    ft->param_slots = ft->nparams;
    ft->result_slots = ft->nresults;
    rt_type_intern(t->m.engine, ft->params, ft->nparams, ft->results, ft->nresults, &ft->id, NULL);
    return i;
}

static rt_import *tm_import(test_module *t, const char *mod, const char *name, wp_extern_kind k)
{
    rt_import *im = &t->imports[t->m.nimports++];
    im->module = name_of(mod);
    im->name = name_of(name);
    im->kind = k;
    return im;
}

static void tm_import_func(test_module *t, const char *mod, const char *name, uint32_t type)
{
    rt_import *im = tm_import(t, mod, name, WP_EXTERN_FUNC);
    im->index = t->m.nfuncs++;
    t->m.nfunc_imports++;
    im->desc.type_index = type;
    t->func_type[im->index] = type;
}

static void tm_import_table(test_module *t, const char *mod, const char *name, rt_tabletype tt)
{
    rt_import *im = tm_import(t, mod, name, WP_EXTERN_TABLE);
    im->index = t->m.ntables++;
    t->m.ntable_imports++;
    im->desc.table = tt;
    t->tables[im->index] = tt;
}

static void tm_import_memory(test_module *t, const char *mod, const char *name, rt_limits l)
{
    rt_import *im = tm_import(t, mod, name, WP_EXTERN_MEMORY);
    im->index = t->m.nmemories++;
    t->m.nmemory_imports++;
    im->desc.memory = l;
    t->memories[im->index] = l;
}

static void tm_import_global(test_module *t, const char *mod, const char *name, rt_globaltype g)
{
    rt_import *im = tm_import(t, mod, name, WP_EXTERN_GLOBAL);
    im->index = t->m.nglobals++;
    t->m.nglobal_imports++;
    im->desc.global = g;
    t->globals[im->index] = g;
}

static uint32_t tm_func(test_module *t, uint32_t type, const char *name)
{
    uint32_t i = t->m.nfuncs++;
    t->func_type[i] = type;
    if (name != NULL)
        t->func_names[i] = name_of(name);
    return i;
}

static void tm_export(test_module *t, const char *name, wp_extern_kind k, uint32_t index)
{
    rt_export *x = &t->exports[t->m.nexports++];
    x->name = name_of(name);
    x->kind = k;
    x->index = index;
}

static rt_const_expr const_i32(uint32_t v)
{
    return (rt_const_expr){ .kind = RT_CONST_VALUE, .type = WP_I32, .bits = { v, 0 } };
}

static rt_const_expr const_ref_func(uint32_t f)
{
    return (rt_const_expr){ .kind = RT_CONST_REF_FUNC, .type = WP_FUNCREF, .index = f };
}

static rt_const_expr const_global(uint32_t g, rt_valtype t)
{
    return (rt_const_expr){ .kind = RT_CONST_GLOBAL_GET, .type = t, .index = g };
}

static rt_elem *tm_elem(test_module *t, rt_seg_mode mode, uint32_t table, rt_const_expr off,
                        uint32_t n, const rt_const_expr *items)
{
    uint32_t i = t->m.nelems++;
    rt_elem *el = &t->elems[i];
    el->mode = (uint8_t)mode;
    el->type = WP_FUNCREF;
    el->table = table;
    el->offset = off;
    el->nitems = n;
    memcpy(t->items[i], items, n * sizeof *items);
    el->items = t->items[i];
    return el;
}

static void tm_data(test_module *t, rt_seg_mode mode, rt_const_expr off, const char *bytes)
{
    rt_data *d = &t->datas[t->m.ndatas++];
    d->mode = (uint8_t)mode;
    d->offset = off;
    d->len = (uint32_t)strlen(bytes);
    d->bytes = (const uint8_t *)bytes;
}

/* ---------------------------------------------------------------- the import map */

static void test_map(wp_engine *e)
{
    wp_imports *im;
    wp_error err;
    if (wp_imports_create(e, &im, &err) != WP_OK) {
        CHECK("imports create", 0, "%s", err.msg);
        return;
    }
    CHECK("empty map", rt_imports_find(im, "a", 1, "b", 1) == NULL, "expected NULL");
    wp_value v = { .type = WP_I32, .of.i32 = 1 };
    wp_global *g1, *g2;
    wp_global_create(e, &v, false, &g1, NULL);
    wp_global_create(e, &v, false, &g2, NULL);
    wp_extern x1 = { .kind = WP_EXTERN_GLOBAL, .of.global = g1 };
    wp_extern x2 = { .kind = WP_EXTERN_GLOBAL, .of.global = g2 };

    static const struct { const char *name; const char *mod, *nm; int which; wp_status want; } defs[] = {
        { "define ab.c",              "ab", "c",  1, WP_OK },
        { "define a.bc",              "a",  "bc", 2, WP_OK },
        { "define empty names",       "",   "",   1, WP_OK },
        { "redefine a.bc",            "a",  "bc", 1, WP_OK },
        { "NULL object",              "x",  "y",  0, WP_ERR_ARG },
        { "bad kind",                 "x",  "y",  3, WP_ERR_ARG },
    };
    for (size_t i = 0; i < sizeof defs / sizeof defs[0]; i++) {
        wp_extern x = defs[i].which == 1 ? x1 : x2;
        if (defs[i].which == 0)
            x.of.global = NULL;
        if (defs[i].which == 3)
            x.kind = (wp_extern_kind)9;
        wp_status s = wp_imports_define(im, defs[i].mod, defs[i].nm, x, &err);
        CHECK(defs[i].name, s == defs[i].want, "expected %s, found %s", wp_status_text(defs[i].want),
              wp_status_text(s));
    }
    static const struct { const char *name; const char *mod, *nm; wp_global *want; } finds[] = {
        { "find ab.c",           "ab", "c",  NULL },
        { "find a.bc replaced",  "a",  "bc", NULL },
        { "find empty",          "",   "",   NULL },
        { "missing abc.",        "abc", "",  NULL },
        { "missing x.y",         "x",  "y",  NULL },
    };
    wp_global *wants[] = { g1, g1, g1, NULL, NULL };
    for (size_t i = 0; i < sizeof finds / sizeof finds[0]; i++) {
        const wp_extern *x = rt_imports_find(im, finds[i].mod, (uint32_t)strlen(finds[i].mod),
                                             finds[i].nm, (uint32_t)strlen(finds[i].nm));
        wp_global *got = x ? x->of.global : NULL;
        CHECK(finds[i].name, got == wants[i], "expected %p, found %p", (void *)wants[i], (void *)got);
    }
    /* A name with a NUL inside is not "a". */
    CHECK("embedded NUL", rt_imports_find(im, "a\0", 2, "bc", 2) == NULL, "expected NULL");

    /* Many definitions: the index grows and everything stays findable. */
    char mod[32], nm[32];
    for (int i = 0; i < 2000; i++) {
        snprintf(mod, sizeof mod, "m%d", i % 7);
        snprintf(nm, sizeof nm, "n%d", i);
        wp_imports_define(im, mod, nm, (i & 1) ? x1 : x2, NULL);
    }
    bool all = true;
    for (int i = 0; i < 2000; i++) {
        snprintf(mod, sizeof mod, "m%d", i % 7);
        snprintf(nm, sizeof nm, "n%d", i);
        const wp_extern *x = rt_imports_find(im, mod, (uint32_t)strlen(mod), nm, (uint32_t)strlen(nm));
        all &= x != NULL && x->of.global == ((i & 1) ? g1 : g2);
    }
    CHECK("2000 definitions", all, "expected every definition to be found");
    CHECK("define NULL map", wp_imports_define(NULL, "a", "b", x1, NULL) == WP_ERR_ARG,
          "expected WP_ERR_ARG");
    wp_imports_destroy(im);
    wp_imports_destroy(NULL);
    wp_global_destroy(g1);
    wp_global_destroy(g2);
}

/* ---------------------------------------------------------------- instances */

#define I32 "\x7f"
#define I64 "\x7e"

/* The provider: memory 1..2, funcref table 10.., globals g (i32 42) and
 * gm (mut i64), a function "f" of type (i32) -> (). */
static wp_status make_provider(test_module *t, wp_engine *e, wp_instance **out)
{
    tm_init(t, e);
    uint32_t ty = tm_type(t, I32, "");
    uint32_t f = tm_func(t, ty, NULL);
    t->m.nmemories = 1;
    t->memories[0] = (rt_limits){ 1, 2, true };
    t->m.ntables = 1;
    t->tables[0] = (rt_tabletype){ WP_FUNCREF, { 10, 0, false } };
    t->m.nglobals = 2;
    t->globals[0] = (rt_globaltype){ WP_I32, false };
    t->global_init[0] = const_i32(42);
    t->globals[1] = (rt_globaltype){ WP_I64, true };
    t->global_init[1] = (rt_const_expr){ .kind = RT_CONST_VALUE, .type = WP_I64,
                                         .bits = { 0x123456789ull, 0 } };
    tm_export(t, "mem", WP_EXTERN_MEMORY, 0);
    tm_export(t, "tab", WP_EXTERN_TABLE, 0);
    tm_export(t, "g", WP_EXTERN_GLOBAL, 0);
    tm_export(t, "gm", WP_EXTERN_GLOBAL, 1);
    tm_export(t, "f", WP_EXTERN_FUNC, f);
    tm_export(t, "f-again", WP_EXTERN_FUNC, f);
    int *user = (int *)&t->m;   /* any pointer */
    wp_instance_config cfg = { 0, 4096, 100, user, 0, NULL };
    wp_error err;
    wp_status s = wp_instance_create(&t->m, NULL, &cfg, out, &err);
    if (s != WP_OK)
        printf("provider: %s\n", err.msg);
    return s;
}

static void test_exports(wp_instance *p)
{
    static const struct { const char *name; wp_status want; wp_extern_kind kind; } cases[] = {
        { "mem", WP_OK, WP_EXTERN_MEMORY },
        { "tab", WP_OK, WP_EXTERN_TABLE },
        { "g",   WP_OK, WP_EXTERN_GLOBAL },
        { "gm",  WP_OK, WP_EXTERN_GLOBAL },
        { "f",   WP_OK, WP_EXTERN_FUNC },
        { "fx",  WP_ERR_NOT_FOUND, WP_EXTERN_FUNC },
        { "",    WP_ERR_NOT_FOUND, WP_EXTERN_FUNC },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wp_extern x;
        wp_error err;
        wp_status s = wp_instance_export(p, cases[i].name, &x, &err);
        CHECK(cases[i].name, s == cases[i].want && (s != WP_OK || x.kind == cases[i].kind),
              "expected %s, found %s", wp_status_text(cases[i].want), wp_status_text(s));
        if (s == WP_ERR_NOT_FOUND)
            CHECK(cases[i].name, strstr(err.msg, "no export named") != NULL, "found \"%s\"", err.msg);
    }
    wp_extern x;
    wp_instance_export(p, "g", &x, NULL);
    CHECK("global value", wp_global_get(x.of.global).of.i32 == 42, "expected 42");
    wp_instance_export(p, "gm", &x, NULL);
    CHECK("mut global value", wp_global_get(x.of.global).of.i64 == 0x123456789ll, "expected 0x123456789");
    wp_instance_export(p, "f", &x, NULL);
    CHECK("func name from export", wp_func_name(x.of.func) && strcmp(wp_func_name(x.of.func), "f") == 0,
          "expected \"f\"");
    wp_functype ft = wp_func_type(x.of.func);
    CHECK("wasm func type", ft.nparams == 1 && ft.params[0] == WP_I32 && ft.nresults == 0,
          "expected (i32) -> ()");
    CHECK("instance memory", wp_instance_memory(p) == p->memories[0] && wp_memory_pages(p->memories[0]) == 1,
          "expected memory 0 with 1 page");
    CHECK("user", wp_instance_user(p) == (void *)p->module, "expected the config's user pointer");
    CHECK("module", wp_instance_module(p) == p->module, "expected the module");
    CHECK("stack from config", p->exec.stack_end - p->exec.stack == 4096
          && p->exec.frames_end - p->exec.frames == 100 && p->max_call_depth == 100,
          "expected 4096 slots and 100 frames");
    wp_instance_interrupt(p);
    CHECK("interrupt", atomic_load(&p->exec.interrupt) == 1, "expected the flag set");
    atomic_store(&p->exec.interrupt, 0);
    CHECK("export NULL name", wp_instance_export(p, NULL, &x, NULL) == WP_ERR_ARG, "expected WP_ERR_ARG");
    /* Objects owned by an instance are not freed by their destroy calls. */
    wp_memory_destroy(p->memories[0]);
    wp_table_destroy(p->tables[0]);
    wp_global_destroy(p->globals[0]);
    wp_func_destroy(p->funcs[0]);
}

static wp_status host_nop(wp_call *call, void *user, uint64_t *slots)
{
    (void)call;
    (void)slots;
    if (user != NULL)
        (*(int *)user)++;
    return WP_OK;
}

static wp_status host_trap(wp_call *call, void *user, uint64_t *slots)
{
    (void)user;
    (void)slots;
    return wp_call_trap(call, "start refused");
}

/* One import of the consumer against the provider's exports. */
typedef struct link_case {
    const char    *name;
    const char    *mod, *field;
    wp_extern_kind kind;
    rt_limits      limits;     /* table, memory */
    rt_valtype     type;       /* table elem, global type */
    bool           mut;
    const char    *params;     /* func */
    wp_status      want;
} link_case;

static void test_linking(wp_engine *e, const wp_imports *im)
{
    static const link_case cases[] = {
        { "memory min 1",              "P", "mem", WP_EXTERN_MEMORY, { 1, 0, false }, 0, 0, NULL, WP_OK },
        { "memory min 0 max 2",        "P", "mem", WP_EXTERN_MEMORY, { 0, 2, true },  0, 0, NULL, WP_OK },
        { "memory max 3 above actual", "P", "mem", WP_EXTERN_MEMORY, { 1, 3, true },  0, 0, NULL, WP_OK },
        { "memory min 2 too big",      "P", "mem", WP_EXTERN_MEMORY, { 2, 0, false }, 0, 0, NULL, WP_ERR_LINK },
        { "memory max 1 below actual", "P", "mem", WP_EXTERN_MEMORY, { 1, 1, true },  0, 0, NULL, WP_ERR_LINK },
        { "table min 10",              "P", "tab", WP_EXTERN_TABLE,  { 10, 0, false }, WP_FUNCREF, 0, NULL, WP_OK },
        { "table min 11",              "P", "tab", WP_EXTERN_TABLE,  { 11, 0, false }, WP_FUNCREF, 0, NULL, WP_ERR_LINK },
        { "table max, actual has none","P", "tab", WP_EXTERN_TABLE,  { 10, 20, true }, WP_FUNCREF, 0, NULL, WP_ERR_LINK },
        { "table of externref",        "P", "tab", WP_EXTERN_TABLE,  { 0, 0, false }, WP_EXTERNREF, 0, NULL, WP_ERR_LINK },
        { "global i32",                "P", "g",   WP_EXTERN_GLOBAL, { 0, 0, false }, WP_I32, false, NULL, WP_OK },
        { "global i32 as mut",         "P", "g",   WP_EXTERN_GLOBAL, { 0, 0, false }, WP_I32, true, NULL, WP_ERR_LINK },
        { "global i32 as i64",         "P", "g",   WP_EXTERN_GLOBAL, { 0, 0, false }, WP_I64, false, NULL, WP_ERR_LINK },
        { "global mut i64",            "P", "gm",  WP_EXTERN_GLOBAL, { 0, 0, false }, WP_I64, true, NULL, WP_OK },
        { "global mut as immutable",   "P", "gm",  WP_EXTERN_GLOBAL, { 0, 0, false }, WP_I64, false, NULL, WP_ERR_LINK },
        { "func (i32)",                "P", "f",   WP_EXTERN_FUNC,   { 0, 0, false }, 0, 0, I32, WP_OK },
        { "func (i64) mismatch",       "P", "f",   WP_EXTERN_FUNC,   { 0, 0, false }, 0, 0, I64, WP_ERR_LINK },
        { "host func ()",              "H", "nop", WP_EXTERN_FUNC,   { 0, 0, false }, 0, 0, "", WP_OK },
        { "host func (i32) mismatch",  "H", "nop", WP_EXTERN_FUNC,   { 0, 0, false }, 0, 0, I32, WP_ERR_LINK },
        { "memory as table",           "P", "mem", WP_EXTERN_TABLE,  { 0, 0, false }, WP_FUNCREF, 0, NULL, WP_ERR_LINK },
        { "func as global",            "P", "f",   WP_EXTERN_GLOBAL, { 0, 0, false }, WP_I32, false, NULL, WP_ERR_LINK },
        { "unknown name",              "P", "zz",  WP_EXTERN_FUNC,   { 0, 0, false }, 0, 0, "", WP_ERR_LINK },
        { "unknown module",            "Q", "f",   WP_EXTERN_FUNC,   { 0, 0, false }, 0, 0, I32, WP_ERR_LINK },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const link_case *c = &cases[i];
        static test_module t;
        tm_init(&t, e);
        switch (c->kind) {
        case WP_EXTERN_FUNC:
            tm_import_func(&t, c->mod, c->field, tm_type(&t, c->params, ""));
            break;
        case WP_EXTERN_TABLE:
            tm_import_table(&t, c->mod, c->field, (rt_tabletype){ c->type, c->limits });
            break;
        case WP_EXTERN_MEMORY:
            tm_import_memory(&t, c->mod, c->field, c->limits);
            break;
        case WP_EXTERN_GLOBAL:
            tm_import_global(&t, c->mod, c->field, (rt_globaltype){ c->type, c->mut });
            break;
        }
        wp_instance *in = (wp_instance *)1;
        wp_error err;
        wp_status s = wp_instance_create(&t.m, im, NULL, &in, &err);
        CHECK(c->name, s == c->want, "expected %s, found %s (%s)", wp_status_text(c->want),
              wp_status_text(s), s ? err.msg : "");
        if (s != WP_OK) {
            CHECK(c->name, in == NULL, "expected *out NULL");
            const char *want_text = strcmp(c->field, "zz") == 0 || c->mod[0] == 'Q'
                                        ? "unknown import" : "incompatible import type";
            CHECK(c->name, strstr(err.msg, want_text) != NULL, "expected \"%s\" in \"%s\"",
                  want_text, err.msg);
        }
        if (s == WP_OK && c->kind == WP_EXTERN_FUNC)
            CHECK(c->name, in->funcs[0] == rt_imports_find(im, c->mod, 1, c->field,
                                                          (uint32_t)strlen(c->field))->of.func,
                  "expected the imported function itself");
        wp_instance_destroy(s == WP_OK ? in : NULL);
    }
    /* No imports object at all. */
    static test_module t;
    tm_init(&t, e);
    tm_import_memory(&t, "P", "mem", (rt_limits){ 0, 0, false });
    wp_instance *in;
    wp_error err;
    CHECK("NULL imports", wp_instance_create(&t.m, NULL, NULL, &in, &err) == WP_ERR_LINK && in == NULL,
          "expected WP_ERR_LINK");
}

/* Segments into imported objects; a later one out of bounds. */
static void test_segments(wp_engine *e, const wp_imports *im, wp_instance *p)
{
    wp_table *ptab = p->tables[0];
    wp_memory *pmem = p->memories[0];

    /* Elements: 7 <- f, then 8..12 out of bounds: f stays in the table and
     * the failed instance is kept alive by it. */
    static test_module t1;
    tm_init(&t1, e);
    tm_import_table(&t1, "P", "tab", (rt_tabletype){ WP_FUNCREF, { 10, 0, false } });
    uint32_t ty = tm_type(&t1, "", I32);
    uint32_t f = tm_func(&t1, ty, "f");
    rt_const_expr one[1] = { const_ref_func(f) };
    rt_const_expr five[5] = { one[0], one[0], one[0], one[0], one[0] };
    tm_elem(&t1, RT_SEG_ACTIVE, 0, const_i32(7), 1, one);
    tm_elem(&t1, RT_SEG_ACTIVE, 0, const_i32(8), 5, five);
    wp_instance *in = (wp_instance *)1;
    wp_error err;
    wp_status s = wp_instance_create(&t1.m, im, NULL, &in, &err);
    CHECK("elem out of bounds", s == WP_ERR_TRAP && err.detail == WP_TRAP_TABLE_OOB && in == NULL,
          "expected WP_ERR_TRAP/TABLE_OOB, found %s/%d (%s)", wp_status_text(s), err.detail, err.msg);
    CHECK("elem message", strstr(err.msg, "out of bounds table access") != NULL, "found \"%s\"", err.msg);
    wp_func *kept = ptab->elems[7];
    CHECK("earlier segment stays", kept != NULL && kept->kind == RT_FUNC_WASM
          && kept->inst != NULL && kept->inst->module == &t1.m && wp_func_name(kept) != NULL && strcmp(wp_func_name(kept), "f") == 0,
          "expected the failed instance's function at 7");
    CHECK("later segment absent", ptab->elems[8] == NULL, "expected null at 8");
    CHECK("instance kept by the table", ptab->kept != NULL && ptab->kept == kept->inst,
          "expected the table to keep the instance");

    /* Data: "abc" at 0, then a segment past the end of the 1-page memory. */
    static test_module t2;
    tm_init(&t2, e);
    tm_import_memory(&t2, "P", "mem", (rt_limits){ 1, 0, false });
    tm_data(&t2, RT_SEG_ACTIVE, const_i32(0), "abc");
    tm_data(&t2, RT_SEG_ACTIVE, const_i32(65536 - 2), "zzzzz");
    s = wp_instance_create(&t2.m, im, NULL, &in, &err);
    CHECK("data out of bounds", s == WP_ERR_TRAP && err.detail == WP_TRAP_MEMORY_OOB,
          "expected WP_ERR_TRAP/MEMORY_OOB, found %s/%d", wp_status_text(s), err.detail);
    CHECK("earlier data stays", memcmp(pmem->data, "abc", 3) == 0 && pmem->data[65534] == 0,
          "expected \"abc\" at 0 and nothing at the end");

    /* Offsets from an imported global, a passive and a declarative
     * segment, globals from global.get and ref.func, data dropped or kept. */
    static test_module t3;
    tm_init(&t3, e);
    tm_import_table(&t3, "P", "tab", (rt_tabletype){ WP_FUNCREF, { 0, 0, false } });
    tm_import_memory(&t3, "P", "mem", (rt_limits){ 0, 0, false });
    tm_import_global(&t3, "P", "g", (rt_globaltype){ WP_I32, false });
    uint32_t ty3 = tm_type(&t3, "", "");
    tm_import_func(&t3, "H", "nop", ty3);
    uint32_t own = tm_func(&t3, ty3, NULL);
    t3.m.nglobals = 3;
    t3.globals[1] = (rt_globaltype){ WP_I32, true };
    t3.global_init[1] = const_global(0, WP_I32);
    t3.globals[2] = (rt_globaltype){ WP_FUNCREF, false };
    t3.global_init[2] = const_ref_func(own);
    rt_const_expr items[3] = { const_ref_func(0), { .kind = RT_CONST_REF_NULL, .type = WP_FUNCREF },
                               const_global(2, WP_FUNCREF) };
    tm_elem(&t3, RT_SEG_PASSIVE, 0, const_i32(0), 3, items);
    tm_elem(&t3, RT_SEG_DECLARATIVE, 0, const_i32(0), 1, items);
    tm_elem(&t3, RT_SEG_ACTIVE, 0, const_i32(0), 3, items);
    tm_data(&t3, RT_SEG_PASSIVE, const_i32(0), "passive");
    tm_data(&t3, RT_SEG_ACTIVE, const_global(0, WP_I32), "xyz");
    tm_data(&t3, RT_SEG_ACTIVE, const_i32(65536), "");   /* empty at the end: fine */
    tm_export(&t3, "own", WP_EXTERN_FUNC, own);
    t3.func_names[own] = name_of("named");
    t3.m.start = 0;   /* the imported host function */
    s = wp_instance_create(&t3.m, im, NULL, &in, &err);
    CHECK("segments", s == WP_OK, "expected WP_OK, found %s (%s)", wp_status_text(s), s ? err.msg : "");
    if (s == WP_OK) {
        CHECK("global from global.get", in->globals[1]->val[0] == 42, "expected 42, found %llu",
              (unsigned long long)in->globals[1]->val[0]);
        CHECK("global from ref.func", in->globals[2]->val[0] == (uintptr_t)in->funcs[own],
              "expected the own function");
        CHECK("passive elem kept", in->elem_len[0] == 3 && in->elem_items[0] != NULL,
              "expected 3 items, found %u", in->elem_len[0]);
        void **pi = in->elem_items[0];
        if (pi != NULL)
            CHECK("passive elem items", pi[0] == in->funcs[0] && pi[1] == NULL && pi[2] == in->funcs[own],
                  "expected host func, null, own func");
        CHECK("declarative dropped", in->elem_len[1] == 0, "expected 0");
        CHECK("active dropped", in->elem_len[2] == 0 && in->elem_items[2] == NULL, "expected 0");
        CHECK("active elem written", ptab->elems[0] == in->funcs[0] && ptab->elems[1] == NULL
              && ptab->elems[2] == in->funcs[own], "expected the three items at 0..2");
        CHECK("passive data kept", in->data_len[0] == 7, "expected 7, found %u", in->data_len[0]);
        CHECK("active data dropped", in->data_len[1] == 0 && in->data_len[2] == 0, "expected 0");
        CHECK("data at global offset", memcmp(pmem->data + 42, "xyz", 3) == 0, "expected \"xyz\" at 42");
        CHECK("name section wins", strcmp(wp_func_name(in->funcs[own]), "named") == 0,
              "expected \"named\"");
        CHECK("imported func untouched", in->funcs[0]->kind == RT_FUNC_HOST, "expected the host func");
        wp_instance_destroy(in);
    }
    ptab->elems[0] = ptab->elems[2] = NULL;   /* they pointed into the destroyed instance */

    /* A trapping start function: the instance fails and is kept by the
     * imported table, since the start function could have stored into it. */
    static test_module t4;
    tm_init(&t4, e);
    tm_import_table(&t4, "P", "tab", (rt_tabletype){ WP_FUNCREF, { 0, 0, false } });
    tm_import_func(&t4, "H", "trap", tm_type(&t4, "", ""));
    t4.m.start = 0;
    wp_instance *before = ptab->kept;
    s = wp_instance_create(&t4.m, im, NULL, &in, &err);
    CHECK("start traps", s == WP_ERR_TRAP && err.detail == WP_TRAP_HOST && in == NULL
          && strstr(err.msg, "start function 0") && strstr(err.msg, "start refused"),
          "expected WP_ERR_TRAP/HOST with both texts, found %s/%d \"%s\"", wp_status_text(s),
          err.detail, err.msg);
    CHECK("start failure kept", ptab->kept != NULL && ptab->kept != before, "expected a kept instance");

    /* Without an imported table the failed instance is freed at once
     * (the balanced allocation count at the end checks it). */
    static test_module t5;
    tm_init(&t5, e);
    tm_import_func(&t5, "H", "trap", tm_type(&t5, "", ""));
    t5.m.start = 0;
    s = wp_instance_create(&t5.m, im, NULL, &in, &err);
    CHECK("start traps, nothing kept", s == WP_ERR_TRAP && in == NULL, "expected WP_ERR_TRAP");

    /* A memory above the instance's cap. */
    static test_module t6;
    tm_init(&t6, e);
    t6.m.nmemories = 1;
    t6.memories[0] = (rt_limits){ 3, 0, false };
    wp_instance_config cfg = { 2, 0, 0, NULL, 0, NULL };
    s = wp_instance_create(&t6.m, im, &cfg, &in, &err);
    CHECK("memory above cap", s == WP_ERR_NOMEM && in == NULL, "expected WP_ERR_NOMEM, found %s",
          wp_status_text(s));
    cfg.max_memory_pages = 3;
    s = wp_instance_create(&t6.m, im, &cfg, &in, &err);
    CHECK("memory at cap", s == WP_OK && wp_memory_grow(in->memories[0], 1) == -1,
          "expected WP_OK and no growth");
    if (s == WP_OK)
        wp_instance_destroy(in);
}

int main(void)
{
    counting cnt = { 0 };
    wp_engine_config cfg = { .alloc = count_alloc, .alloc_ud = &cnt };
    wp_engine *e;
    wp_error err;
    if (wp_engine_create(&cfg, &e, &err) != WP_OK) {
        printf("FAIL engine: %s\n", err.msg);
        return 1;
    }
    test_map(e);

    static test_module pt;
    wp_instance *p;
    if (make_provider(&pt, e, &p) != WP_OK) {
        printf("FAIL provider\n");
        return 1;
    }
    test_exports(p);

    wp_imports *im;
    wp_imports_create(e, &im, NULL);
    CHECK("define instance", wp_imports_define_instance(im, "P", p, &err) == WP_OK, "%s", err.msg);
    wp_extern x;
    wp_instance_export(p, "f-again", &x, NULL);
    const wp_extern *found = rt_imports_find(im, "P", 1, "f-again", 7);
    CHECK("defined export", found && found->kind == WP_EXTERN_FUNC && found->of.func == x.of.func,
          "expected the instance's function");

    wp_functype nop_t = { NULL, 0, NULL, 0 };
    int nops = 0;
    wp_func *nop, *trap;
    wp_func_create_host(e, &nop_t, host_nop, &nops, &nop, NULL);
    wp_func_create_host(e, &nop_t, host_trap, NULL, &trap, NULL);
    wp_imports_define(im, "H", "nop", (wp_extern){ .kind = WP_EXTERN_FUNC, .of.func = nop }, NULL);
    wp_imports_define(im, "H", "trap", (wp_extern){ .kind = WP_EXTERN_FUNC, .of.func = trap }, NULL);

    test_linking(e, im);
    test_segments(e, im, p);
    CHECK("host start ran", nops == 1, "expected the start function to run once, found %d", nops);

    /* The provider's table frees the instances it keeps. */
    wp_instance_destroy(p);
    wp_imports_destroy(im);
    wp_func_destroy(nop);
    wp_func_destroy(trap);
    wp_engine_destroy(e);
    CHECK("allocations balanced", cnt.live == 0, "expected 0 live bytes, found %lld", cnt.live);
    if (failures) {
        printf("%d failure(s)\n", failures);
        return 1;
    }
    printf("test_imports: ok\n");
    return 0;
}
