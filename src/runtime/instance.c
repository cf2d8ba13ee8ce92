/* Instantiation, in the order of the WebAssembly 2.0 spec: resolve and
 * type-check the imports, allocate the functions, tables, memories and
 * globals the module defines, evaluate the globals, set up the execution
 * stack, run the active element and data segments, then the start
 * function. An instance owns only what it defines; imported objects are
 * borrowed and outlive it.
 *
 * A failure frees everything, with one exception the spec forces: once an
 * active element segment has stored this instance's functions in an
 * imported table, a later failure (a segment out of bounds, a trapping
 * start function) leaves them there, callable. The half-made instance then
 * cannot be freed; it is handed to that table (wp_table.kept) and dies
 * with it. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "rt.h"
#include "tier.h"

/* ---------------------------------------------------------------- messages */

static const char *kind_name(uint32_t kind)
{
    switch (kind) {
    case WP_EXTERN_FUNC:   return "func";
    case WP_EXTERN_TABLE:  return "table";
    case WP_EXTERN_MEMORY: return "memory";
    case WP_EXTERN_GLOBAL: return "global";
    default:               return "unknown kind";
    }
}

static const char *valtype_name(uint32_t t)
{
    switch (t) {
    case WP_I32:       return "i32";
    case WP_I64:       return "i64";
    case WP_F32:       return "f32";
    case WP_F64:       return "f64";
    case WP_V128:      return "v128";
    case WP_FUNCREF:   return "funcref";
    case WP_EXTERNREF: return "externref";
    default:           return "?";
    }
}

/* Names printed in messages are cut short: they come from the module. */
static int shown(uint32_t len) { return len > 64 ? 64 : (int)len; }

/* "(i32 i64) -> (f32)", cut to the buffer. */
static void format_functype(char *buf, size_t size, const rt_functype *ft)
{
    size_t at = 0;
    buf[0] = '\0';
#define PUT(...)                                                              \
    do {                                                                      \
        if (at < size) {                                                      \
            int n_ = snprintf(buf + at, size - at, __VA_ARGS__);              \
            at = n_ < 0 ? size : at + (size_t)n_;                             \
        }                                                                     \
    } while (0)
    PUT("(");
    for (uint32_t i = 0; i < ft->nparams; i++)
        PUT("%s%s", i ? " " : "", valtype_name(ft->params[i]));
    PUT(") -> (");
    for (uint32_t i = 0; i < ft->nresults; i++)
        PUT("%s%s", i ? " " : "", valtype_name(ft->results[i]));
    PUT(")");
#undef PUT
}

static void format_limits(char *buf, size_t size, uint32_t min, bool has_max, uint32_t max)
{
    if (has_max)
        snprintf(buf, size, "min %u max %u", min, max);
    else
        snprintf(buf, size, "min %u no max", min);
}

static wp_status incompatible(wp_error *err, const rt_import *imp, const char *fmt, ...)
    WP_PRINTF(3, 4);

static wp_status incompatible(wp_error *err, const rt_import *imp, const char *fmt, ...)
{
    char why[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    return rt_fail(err, WP_ERR_LINK, UINT32_MAX, "incompatible import type for \"%.*s\".\"%.*s\": %s",
                   shown(imp->module.len), imp->module.str, shown(imp->name.len), imp->name.str,
                   why);
}

/* ---------------------------------------------------------------- linking */

/* The import rule for limits: the actual object is at least as large as
 * asked, and if a maximum is asked, it has one no larger. */
static bool limits_match(uint32_t actual_min, rt_limits actual, rt_limits want)
{
    if (actual_min < want.min)
        return false;
    return !want.has_max || (actual.has_max && actual.max <= want.max);
}

static wp_status link_one(wp_instance *in, const rt_import *imp, const wp_extern *ext,
                          wp_error *err)
{
    const wp_module *m = in->module;
    if (ext->kind != imp->kind)
        return incompatible(err, imp, "expected %s, found %s", kind_name(imp->kind),
                            kind_name(ext->kind));
    char want[96], got[96];
    switch (imp->kind) {
    case WP_EXTERN_FUNC: {
        if (NEVER(imp->index >= m->nfunc_imports || imp->desc.type_index >= m->ntypes))
            break;
        const rt_functype *ft = &m->types[imp->desc.type_index];
        wp_func *f = ext->of.func;
        if (f->engine != in->engine)
            return incompatible(err, imp, "the function belongs to another engine");
        if (f->type_id != ft->id) {
            format_functype(want, sizeof want, ft);
            format_functype(got, sizeof got, f->type);
            return incompatible(err, imp, "expected func %s, found func %s", want, got);
        }
        in->funcs[imp->index] = f;
        return WP_OK;
    }
    case WP_EXTERN_TABLE: {
        if (NEVER(imp->index >= m->ntable_imports))
            break;
        const rt_tabletype *tt = &imp->desc.table;
        wp_table *t = ext->of.table;
        if (t->elem != tt->elem)
            return incompatible(err, imp, "expected table of %s, found table of %s",
                                valtype_name(tt->elem), valtype_name(t->elem));
        if (!limits_match(t->size, t->declared, tt->limits)) {
            format_limits(want, sizeof want, tt->limits.min, tt->limits.has_max, tt->limits.max);
            format_limits(got, sizeof got, t->size, t->declared.has_max, t->declared.max);
            return incompatible(err, imp, "expected table %s, found table %s", want, got);
        }
        in->tables[imp->index] = t;
        return WP_OK;
    }
    case WP_EXTERN_MEMORY: {
        if (NEVER(imp->index >= m->nmemory_imports))
            break;
        const rt_limits *ml = &imp->desc.memory;
        wp_memory *mem = ext->of.memory;
        if (!limits_match(mem->pages, mem->declared, *ml)) {
            format_limits(want, sizeof want, ml->min, ml->has_max, ml->max);
            format_limits(got, sizeof got, mem->pages, mem->declared.has_max, mem->declared.max);
            return incompatible(err, imp, "expected memory %s, found memory %s", want, got);
        }
        in->memories[imp->index] = mem;
        return WP_OK;
    }
    case WP_EXTERN_GLOBAL: {
        if (NEVER(imp->index >= m->nglobal_imports))
            break;
        const rt_globaltype *gt = &imp->desc.global;
        wp_global *g = ext->of.global;
        if (g->type != gt->type || g->mut != gt->mut)
            return incompatible(err, imp, "expected global %s%s, found global %s%s",
                                gt->mut ? "mut " : "", valtype_name(gt->type),
                                g->mut ? "mut " : "", valtype_name(g->type));
        in->globals[imp->index] = g;
        return WP_OK;
    }
    }
    return rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "import \"%.*s\".\"%.*s\" is malformed",
                   shown(imp->module.len), imp->module.str, shown(imp->name.len), imp->name.str);
}

static wp_status link_imports(wp_instance *in, const wp_imports *imports, wp_error *err)
{
    const wp_module *m = in->module;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const rt_import *imp = &m->imports[i];
        const wp_extern *ext = rt_imports_find(imports, imp->module.str, imp->module.len,
                                               imp->name.str, imp->name.len);
        if (ext == NULL)
            return rt_fail(err, WP_ERR_LINK, UINT32_MAX, "unknown import: \"%.*s\".\"%.*s\"",
                           shown(imp->module.len), imp->module.str, shown(imp->name.len),
                           imp->name.str);
        wp_status s = link_one(in, imp, ext, err);
        if (s != WP_OK)
            return s;
    }
    /* Every imported slot must now be filled; a module whose import list
     * disagrees with its counts would leave a hole. */
    bool holes = false;
    for (uint32_t i = 0; i < m->nfunc_imports; i++)
        holes |= in->funcs[i] == NULL;
    for (uint32_t i = 0; i < m->ntable_imports; i++)
        holes |= in->tables[i] == NULL;
    for (uint32_t i = 0; i < m->nmemory_imports; i++)
        holes |= in->memories[i] == NULL;
    for (uint32_t i = 0; i < m->nglobal_imports; i++)
        holes |= in->globals[i] == NULL;
    if (NEVER(holes))
        return rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "module imports disagree with its counts");
    return WP_OK;
}

/* ---------------------------------------------------------------- allocation */

/* n zeroed elements, or NULL; n == 0 gives NULL and true. */
static bool alloc_array(wp_engine *e, void *out, size_t n, size_t size)
{
    void *p = NULL;
    if (n > 0) {
        if (n > SIZE_MAX / size)
            return false;
        p = rt_alloc(e, n * size);
        if (p == NULL)
            return false;
    }
    memcpy(out, &p, sizeof p);
    return true;
}

static void free_array(wp_engine *e, void *p, size_t n, size_t size)
{
    if (p != NULL)
        rt_free(e, p, n * size);
}

/* Bytes of the instance record and the arrays alloc_arrays makes. */
static uint64_t arrays_bytes(const wp_module *m)
{
    return sizeof(wp_instance)
         + (uint64_t)m->nfuncs * sizeof(wp_func *)
         + (uint64_t)(m->nfuncs - m->nfunc_imports) * sizeof(wp_func)
         + (uint64_t)m->ntables * sizeof(wp_table *)
         + (uint64_t)(m->ntables - m->ntable_imports) * sizeof(wp_table)
         + (uint64_t)m->nmemories * sizeof(wp_memory *)
         + (uint64_t)(m->nmemories - m->nmemory_imports) * sizeof(wp_memory)
         + (uint64_t)m->nglobals * sizeof(wp_global *)
         + (uint64_t)(m->nglobals - m->nglobal_imports) * sizeof(wp_global)
         + (uint64_t)m->nelems * (sizeof(void *) + sizeof(uint32_t))
         + (uint64_t)m->ndatas * sizeof(uint32_t);
}

static bool alloc_arrays(wp_instance *in)
{
    const wp_module *m = in->module;
    wp_engine *e = in->engine;
    return alloc_array(e, &in->funcs, m->nfuncs, sizeof *in->funcs)
        && alloc_array(e, &in->own_funcs, m->nfuncs - m->nfunc_imports, sizeof *in->own_funcs)
        && alloc_array(e, &in->tables, m->ntables, sizeof *in->tables)
        && alloc_array(e, &in->own_tables, m->ntables - m->ntable_imports, sizeof *in->own_tables)
        && alloc_array(e, &in->memories, m->nmemories, sizeof *in->memories)
        && alloc_array(e, &in->own_memories, m->nmemories - m->nmemory_imports,
                       sizeof *in->own_memories)
        && alloc_array(e, &in->globals, m->nglobals, sizeof *in->globals)
        && alloc_array(e, &in->own_globals, m->nglobals - m->nglobal_imports,
                       sizeof *in->own_globals)
        && alloc_array(e, &in->elem_items, m->nelems, sizeof *in->elem_items)
        && alloc_array(e, &in->elem_len, m->nelems, sizeof *in->elem_len)
        && alloc_array(e, &in->data_len, m->ndatas, sizeof *in->data_len);
}

static wp_status make_funcs(wp_instance *in, wp_error *err)
{
    wp_module *m = in->module;
    for (uint32_t i = m->nfunc_imports; i < m->nfuncs; i++) {
        if (NEVER(m->func_type[i] >= m->ntypes))
            return rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "func %u has no type", i);
        wp_func *f = &in->own_funcs[i - m->nfunc_imports];
        f->kind = RT_FUNC_WASM;
        f->type = &m->types[m->func_type[i]];
        f->type_id = f->type->id;
        f->inst = in;
        /* Code translated already (by another instance, or eagerly) is
         * used at once; otherwise the first call translates it. */
        const rt_code *c = &m->codes[i - m->nfunc_imports];
        atomic_init(&f->code, atomic_load_explicit(&c->ready, memory_order_acquire)
                                  ? c : &rt_code_lazy);
        f->index = i;
        f->engine = in->engine;
        in->funcs[i] = f;
    }
    return WP_OK;
}

static wp_status make_tables(wp_instance *in, wp_error *err)
{
    const wp_module *m = in->module;
    for (uint32_t i = m->ntable_imports; i < m->ntables; i++) {
        wp_table *t = &in->own_tables[i - m->ntable_imports];
        wp_status s = rt_table_init(t, in->engine, m->tables[i], &in->budget, err);
        t->owned_by_instance = true;
        if (s != WP_OK) {
            rt_error_prefix(err, "table %u", i);
            return s;
        }
        in->tables[i] = t;
    }
    return WP_OK;
}

static wp_status make_memories(wp_instance *in, uint32_t cap_pages, wp_error *err)
{
    const wp_module *m = in->module;
    for (uint32_t i = m->nmemory_imports; i < m->nmemories; i++) {
        wp_memory *mem = &in->own_memories[i - m->nmemory_imports];
        wp_status s = rt_memory_init(mem, in->engine, m->memories[i], cap_pages, &in->budget,
                                     err);
        mem->owned_by_instance = true;
        if (s != WP_OK) {
            rt_error_prefix(err, "memory %u", i);
            return s;
        }
        in->memories[i] = mem;
    }
    return WP_OK;
}

static wp_status eval_const(const wp_instance *in, const rt_const_expr *c, uint32_t ready,
                            uint64_t out[2], wp_error *err);

/* An extended constant expression: a validated sequence of values and
 * i32/i64 add, sub, mul, run on a stack as deep as the decoder measured. */
static wp_status eval_seq(const wp_instance *in, const rt_const_expr *c, uint32_t ready,
                          uint64_t out[2], wp_error *err)
{
    uint64_t small[16];
    uint64_t depth = c->bits[0];
    if (NEVER(depth == 0 || depth > c->index || c->seq == NULL))
        return rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "bad constant expression sequence");
    uint64_t *stack = small;
    if (depth > sizeof small / sizeof small[0]) {
        stack = rt_alloc(in->engine, (size_t)depth * sizeof *stack);
        if (stack == NULL)
            return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX,
                           "out of memory for a constant expression of %u instructions",
                           c->index);
    }
    wp_status s = WP_OK;
    uint32_t n = 0;
    for (uint32_t i = 0; i < c->index && s == WP_OK; i++) {
        const rt_const_expr *e = &c->seq[i];
        if (e->kind != RT_CONST_BINOP) {
            uint64_t v[2];
            if (NEVER(e->kind == RT_CONST_SEQ || n >= depth))
                s = rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "bad constant expression sequence");
            else if ((s = eval_const(in, e, ready, v, err)) == WP_OK)
                stack[n++] = v[0];
            continue;
        }
        if (NEVER(n < 2)) {
            s = rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "bad constant expression sequence");
            break;
        }
        uint64_t a = stack[n - 2], b = stack[n - 1], r;
        switch (e->index) {
        case 0x6a: r = (uint32_t)((uint32_t)a + (uint32_t)b); break;
        case 0x6b: r = (uint32_t)((uint32_t)a - (uint32_t)b); break;
        case 0x6c: r = (uint32_t)((uint32_t)a * (uint32_t)b); break;
        case 0x7c: r = a + b; break;
        case 0x7d: r = a - b; break;
        default:   r = a * b; break;   /* 0x7e: the decoder admits no other */
        }
        stack[--n - 1] = r;
    }
    if (s == WP_OK && NEVER(n != 1))
        s = rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "bad constant expression sequence");
    if (s == WP_OK) {
        out[0] = stack[0];
        out[1] = 0;
    }
    if (stack != small)
        rt_free(in->engine, stack, (size_t)depth * sizeof *stack);
    return s;
}

/* Evaluates a constant expression to raw slots. global.get may name only
 * globals below `ready` (those already initialised). */
static wp_status eval_const(const wp_instance *in, const rt_const_expr *c, uint32_t ready,
                            uint64_t out[2], wp_error *err)
{
    const wp_module *m = in->module;
    out[0] = out[1] = 0;
    switch (c->kind) {
    case RT_CONST_VALUE:
        out[0] = c->bits[0];
        out[1] = c->bits[1];
        /* Slots hold 32-bit values zero-extended. */
        if (c->type == WP_I32 || c->type == WP_F32)
            out[0] &= 0xffffffffu;
        return WP_OK;
    case RT_CONST_GLOBAL_GET:
        if (NEVER(c->index >= ready || c->index >= m->nglobals))
            break;
        out[0] = in->globals[c->index]->val[0];
        out[1] = in->globals[c->index]->val[1];
        return WP_OK;
    case RT_CONST_REF_NULL:
        return WP_OK;
    case RT_CONST_REF_FUNC:
        if (NEVER(c->index >= m->nfuncs))
            break;
        out[0] = (uintptr_t)in->funcs[c->index];
        return WP_OK;
    case RT_CONST_SEQ:
        return eval_seq(in, c, ready, out, err);
    }
    return rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "bad constant expression (kind %u, index %u)",
                   (unsigned)c->kind, c->index);
}

static wp_status make_globals(wp_instance *in, wp_error *err)
{
    const wp_module *m = in->module;
    for (uint32_t i = m->nglobal_imports; i < m->nglobals; i++) {
        wp_global *g = &in->own_globals[i - m->nglobal_imports];
        g->engine = in->engine;
        g->type = m->globals[i].type;
        g->mut = m->globals[i].mut;
        g->owned_by_instance = true;
        wp_status s = eval_const(in, &m->global_init[i], i, g->val, err);
        if (s != WP_OK) {
            rt_error_prefix(err, "global %u", i);
            return s;
        }
        in->globals[i] = g;
    }
    return WP_OK;
}

/* The value stack and the frames are mapped, not allocated: a large stack
 * costs only the pages a deep call actually touches. */
static void *map_zeroed(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static void stack_size(const wp_engine *e, const wp_instance_config *cfg, uint32_t *slots,
                       uint32_t *depth)
{
    *slots = cfg && cfg->stack_slots ? cfg->stack_slots : e->cfg.stack_slots;
    *depth = cfg && cfg->max_call_depth ? cfg->max_call_depth : e->cfg.max_call_depth;
}

uint64_t wp_engine_stack_bytes(const wp_engine *e, const wp_instance_config *cfg)
{
    if (e == NULL)
        return 0;
    uint32_t slots, depth;
    stack_size(e, cfg, &slots, &depth);
    return (uint64_t)slots * sizeof(uint64_t) +
           (uint64_t)depth * sizeof(rt_frame) + ((uint64_t)depth + 1) * sizeof(rt_native_site);
}

static wp_status make_exec(wp_instance *in, const wp_instance_config *cfg, wp_error *err)
{
    uint32_t slots, depth;
    stack_size(in->engine, cfg, &slots, &depth);
    rt_exec *x = &in->exec;
    char what[80];
    snprintf(what, sizeof what, "a call stack of %u slots and %u frames", slots, depth);
    wp_status s = rt_budget_charge(&in->budget, wp_engine_stack_bytes(in->engine, cfg), err,
                                   what);
    if (s != WP_OK)
        return s;
    x->stack = map_zeroed((size_t)slots * sizeof *x->stack);
    if (x->stack == NULL)
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX,
                       "cannot map a value stack of %u slots", slots);
    x->stack_end = x->stack + slots;
    x->top = x->stack;
    x->frames = map_zeroed((size_t)depth * sizeof *x->frames);
    if (x->frames == NULL)
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX,
                       "cannot map a call stack of %u frames", depth);
    x->frames_end = x->frames + depth;
    x->frame_top = x->frames;
    /* Native code records a call site in each function that calls: the
     * outermost and `depth` nested ones, as the interpreter lets run. */
    x->sites = map_zeroed(((size_t)depth + 1) * sizeof *x->sites);
    if (x->sites == NULL)
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX,
                       "cannot map the call sites of %u frames", depth);
    x->sites_end = x->sites + depth + 1;
    x->jit_cx = NULL;
    x->depth = 0;
    atomic_init(&x->interrupt, 0);
    in->max_call_depth = depth;
    return WP_OK;
}

/* ---------------------------------------------------------------- segments */

/* Resolves a segment's items to references of this instance. */
static wp_status resolve_items(wp_instance *in, uint32_t seg, void ***out, wp_error *err)
{
    const rt_elem *el = &in->module->elems[seg];
    *out = NULL;
    if (el->nitems == 0)
        return WP_OK;
    char what[64];
    snprintf(what, sizeof what, "elem segment %u of %u items", seg, el->nitems);
    wp_status cs = rt_budget_charge(&in->budget, (uint64_t)el->nitems * sizeof(void *), err, what);
    if (cs != WP_OK)
        return cs;
    void **items;
    if (!alloc_array(in->engine, &items, el->nitems, sizeof *items)) {
        rt_budget_give(&in->budget, (uint64_t)el->nitems * sizeof(void *));
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX,
                       "elem segment %u: out of memory for %u items", seg, el->nitems);
    }
    for (uint32_t k = 0; k < el->nitems; k++) {
        uint64_t v[2];
        wp_status s = eval_const(in, &el->items[k], in->module->nglobals, v, err);
        if (s != WP_OK) {
            free_array(in->engine, items, el->nitems, sizeof *items);
            rt_budget_give(&in->budget, (uint64_t)el->nitems * sizeof(void *));
            rt_error_prefix(err, "elem segment %u item %u", seg, k);
            return s;
        }
        items[k] = (void *)(uintptr_t)v[0];
    }
    *out = items;
    return WP_OK;
}

/* Runs the active element segments (and drops them and the declarative
 * ones). *escaped is set to the first imported table that received any
 * of this instance's references. */
static wp_status init_elems(wp_instance *in, wp_table **escaped, wp_error *err)
{
    const wp_module *m = in->module;
    for (uint32_t i = 0; i < m->nelems; i++) {
        const rt_elem *el = &m->elems[i];
        in->elem_len[i] = 0;
        if (el->mode == RT_SEG_DECLARATIVE)
            continue;
        void **items;
        wp_status s = resolve_items(in, i, &items, err);
        if (s != WP_OK)
            return s;
        if (el->mode == RT_SEG_PASSIVE) {
            in->elem_items[i] = items;
            in->elem_len[i] = el->nitems;
            continue;
        }
        uint64_t off[2];
        s = NEVER(el->table >= m->ntables)
                ? rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "elem segment %u: no table %u", i,
                          el->table)
                : eval_const(in, &el->offset, m->nglobals, off, err);
        if (s == WP_OK) {
            wp_table *t = in->tables[el->table];
            uint32_t at = (uint32_t)off[0];
            if ((uint64_t)at + el->nitems > t->size) {
                char where[48];
                snprintf(where, sizeof where, "elem segment %u", i);
                s = rt_trap(err, WP_TRAP_TABLE_OOB, where);
            } else if (el->nitems > 0) {
                memcpy(t->elems + at, items, (size_t)el->nitems * sizeof *items);
                if (el->table < m->ntable_imports && *escaped == NULL)
                    *escaped = t;
            }
        }
        /* An active segment is dropped once it has run. */
        free_array(in->engine, items, el->nitems, sizeof *items);
        if (items != NULL)
            rt_budget_give(&in->budget, (uint64_t)el->nitems * sizeof(void *));
        if (s != WP_OK)
            return s;
    }
    return WP_OK;
}

static wp_status init_datas(wp_instance *in, wp_error *err)
{
    const wp_module *m = in->module;
    for (uint32_t i = 0; i < m->ndatas; i++) {
        const rt_data *d = &m->datas[i];
        if (d->mode != RT_SEG_ACTIVE) {
            in->data_len[i] = d->len;
            continue;
        }
        in->data_len[i] = 0;
        if (NEVER(d->memory >= m->nmemories))
            return rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "data segment %u: no memory %u", i,
                           d->memory);
        uint64_t off[2];
        wp_status s = eval_const(in, &d->offset, m->nglobals, off, err);
        if (s != WP_OK)
            return s;
        wp_memory *mem = in->memories[d->memory];
        uint32_t at = (uint32_t)off[0];
        if ((uint64_t)at + d->len > mem->size) {
            char where[48];
            snprintf(where, sizeof where, "data segment %u", i);
            return rt_trap(err, WP_TRAP_MEMORY_OOB, where);
        }
        if (d->len > 0)
            memcpy(mem->data + at, d->bytes, d->len);
    }
    return WP_OK;
}

static wp_status run_start(wp_instance *in, wp_error *err)
{
    const wp_module *m = in->module;
    if (m->start == UINT32_MAX)
        return WP_OK;
    if (NEVER(m->start >= m->nfuncs))
        return rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "start function %u does not exist",
                       m->start);
    wp_func *f = in->funcs[m->start];
    uint64_t slots[2] = { 0, 0 };   /* [] -> [], with room to spare */
    wp_status s;
    if (f->kind == RT_FUNC_WASM && f->inst == in)
        /* Not rt_call: an interrupt fired through the handle before the
         * start function began is for it, and must not be cleared. */
        s = rt_module_tier(m)->call(&in->exec, f, slots, err);
    else
        s = rt_call(f, slots, err);
    if (s != WP_OK) {
        const char *name = f->kind == RT_FUNC_WASM ? rt_module_func_name(f->inst->module, f->index)
                                                   : f->name;
        if (name != NULL)
            rt_error_prefix(err, "start function %u (%s)", m->start, name);
        else
            rt_error_prefix(err, "start function %u", m->start);
    }
    return s;
}

/* ---------------------------------------------------------------- public API */

wp_status wp_instance_create(wp_module *m, const wp_imports *imports,
                             const wp_instance_config *cfg, wp_instance **out, wp_error *err)
{
    if (out == NULL)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX, "wp_instance_create: out is NULL");
    *out = NULL;
    if (m == NULL)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX, "wp_instance_create: module is NULL");
    wp_engine *e = m->engine;

    /* The record and its arrays come first against the limit. */
    rt_budget budget;
    rt_budget_init(&budget, cfg && cfg->max_instance_bytes ? cfg->max_instance_bytes
                                                           : e->cfg.max_instance_bytes);
    wp_status s = rt_budget_charge(&budget, arrays_bytes(m), err,
                                   "the instance's records of its functions, tables, memories, "
                                   "globals and segments");
    if (s != WP_OK)
        return s;
    wp_instance *in = rt_alloc(e, sizeof *in);
    if (in == NULL)
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX, "wp_instance_create: out of memory");
    in->module = m;
    in->engine = e;
    in->user = cfg ? cfg->user : NULL;
    in->budget = budget;

    wp_table *escaped = NULL;
    if (!alloc_arrays(in)) {
        s = rt_fail(err, WP_ERR_NOMEM, UINT32_MAX, "wp_instance_create: out of memory");
        goto fail;
    }
    if ((s = link_imports(in, imports, err)) != WP_OK)
        goto fail;

    uint32_t cap = cfg && cfg->max_memory_pages ? cfg->max_memory_pages : e->cfg.max_memory_pages;
    if ((s = make_funcs(in, err)) != WP_OK || (s = make_tables(in, err)) != WP_OK
        || (s = make_memories(in, cap, err)) != WP_OK || (s = make_globals(in, err)) != WP_OK
        || (s = make_exec(in, cfg, err)) != WP_OK)
        goto fail;
    if (cfg != NULL && cfg->interrupt != NULL) {
        in->interrupt = cfg->interrupt;
        rt_interrupt_attach(in->interrupt, in);
    }

    if ((s = init_elems(in, &escaped, err)) != WP_OK || (s = init_datas(in, err)) != WP_OK)
        goto fail;
    /* The start function may store this instance's functions in any
     * imported table; keep the instance if one exists. */
    if ((s = run_start(in, err)) != WP_OK) {
        if (escaped == NULL && m->ntable_imports > 0)
            escaped = in->tables[0];
        goto fail;
    }
    *out = in;
    return WP_OK;

fail:
    /* A kept instance must not outlive the handle it points to. */
    if (in->interrupt != NULL) {
        rt_interrupt_detach(in->interrupt, in);
        in->interrupt = NULL;
    }
    if (escaped != NULL) {
        in->next_kept = escaped->kept;
        escaped->kept = in;
    } else {
        wp_instance_destroy(in);
    }
    return s;
}

void wp_instance_destroy(wp_instance *in)
{
    if (in == NULL)
        return;
    const wp_module *m = in->module;
    wp_engine *e = in->engine;
    if (in->interrupt != NULL)
        rt_interrupt_detach(in->interrupt, in);

    uint32_t n = m->ntables - m->ntable_imports;
    if (in->own_tables != NULL)
        for (uint32_t i = 0; i < n; i++)
            rt_table_fini(&in->own_tables[i]);
    free_array(e, in->own_tables, n, sizeof *in->own_tables);

    n = m->nmemories - m->nmemory_imports;
    if (in->own_memories != NULL)
        for (uint32_t i = 0; i < n; i++)
            rt_memory_fini(&in->own_memories[i]);
    free_array(e, in->own_memories, n, sizeof *in->own_memories);

    free_array(e, in->own_globals, m->nglobals - m->nglobal_imports, sizeof *in->own_globals);
    free_array(e, in->own_funcs, m->nfuncs - m->nfunc_imports, sizeof *in->own_funcs);
    free_array(e, in->funcs, m->nfuncs, sizeof *in->funcs);
    free_array(e, in->tables, m->ntables, sizeof *in->tables);
    free_array(e, in->memories, m->nmemories, sizeof *in->memories);
    free_array(e, in->globals, m->nglobals, sizeof *in->globals);

    if (in->elem_items != NULL)
        for (uint32_t i = 0; i < m->nelems; i++)
            free_array(e, in->elem_items[i], m->elems[i].nitems, sizeof(void *));
    free_array(e, in->elem_items, m->nelems, sizeof *in->elem_items);
    free_array(e, in->elem_len, m->nelems, sizeof *in->elem_len);
    free_array(e, in->data_len, m->ndatas, sizeof *in->data_len);

    rt_exec *x = &in->exec;
    if (x->stack != NULL)
        munmap(x->stack, (size_t)(x->stack_end - x->stack) * sizeof *x->stack);
    if (x->frames != NULL)
        munmap(x->frames, (size_t)(x->frames_end - x->frames) * sizeof *x->frames);
    if (x->sites != NULL)
        munmap(x->sites, (size_t)(x->sites_end - x->sites) * sizeof *x->sites);
    rt_free(e, in, sizeof *in);
}

void *wp_instance_user(const wp_instance *in)
{
    return in ? in->user : NULL;
}

const wp_module *wp_instance_module(const wp_instance *in)
{
    return in ? in->module : NULL;
}

wp_status wp_instance_export(wp_instance *in, const char *name, wp_extern *out, wp_error *err)
{
    if (in == NULL || name == NULL || out == NULL)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                       "wp_instance_export: instance, name or out is NULL");
    const wp_module *m = in->module;
    size_t len = strlen(name);
    for (uint32_t i = 0; i < m->nexports; i++) {
        const rt_export *x = &m->exports[i];
        if (x->name.len != len || (len > 0 && memcmp(x->name.str, name, len) != 0))
            continue;
        out->kind = x->kind;
        switch (x->kind) {
        case WP_EXTERN_FUNC:
            if (NEVER(x->index >= m->nfuncs)) break;
            out->of.func = in->funcs[x->index];
            return WP_OK;
        case WP_EXTERN_TABLE:
            if (NEVER(x->index >= m->ntables)) break;
            out->of.table = in->tables[x->index];
            return WP_OK;
        case WP_EXTERN_MEMORY:
            if (NEVER(x->index >= m->nmemories)) break;
            out->of.memory = in->memories[x->index];
            return WP_OK;
        case WP_EXTERN_GLOBAL:
            if (NEVER(x->index >= m->nglobals)) break;
            out->of.global = in->globals[x->index];
            return WP_OK;
        }
        return rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "export \"%s\" names a missing object",
                       name);
    }
    return rt_fail(err, WP_ERR_NOT_FOUND, UINT32_MAX, "no export named \"%s\"", name);
}

wp_memory *wp_instance_memory(wp_instance *in)
{
    return in && in->module->nmemories > 0 ? in->memories[0] : NULL;
}

void wp_instance_interrupt(wp_instance *in)
{
    if (in != NULL)
        atomic_store(&in->exec.interrupt, 1);
}
