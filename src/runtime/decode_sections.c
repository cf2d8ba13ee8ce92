/* One decoder per section of the binary format (except custom sections
 * and constant expressions, see decode.c and const_expr.c). Each reads the
 * section's contents into the module, copying what it keeps into the
 * arena, and checks what the spec's validation rules say about it as far
 * as the module is known at that point. Validation failures are recorded
 * with rt_dec_invalid and decoding goes on; malformed bytes stop it.
 */
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "unsupported.h"

#define MAX_MEMORY_PAGES 65536u

/* ---------------------------------------------------------------- types */

/* Value and reference types are one byte, but the spec reads them as a
 * signed LEB128 of 7 bits, so a continuation bit is "too long" rather than
 * an unknown type. */
static wp_status read_type_byte(rt_decoder *d, rt_reader *r, uint8_t *out, uint32_t *at)
{
    *at = rt_reader_offset(r);
    wp_status st = rt_read_u8(r, out, d->err);
    if (st != WP_OK)
        return st;
    if (*out & 0x80)
        return rt_fail(d->err, WP_ERR_MALFORMED, *at,
                       "integer representation too long: type byte 0x%02x", *out);
    return WP_OK;
}

static wp_status read_valtype(rt_decoder *d, rt_reader *r, rt_valtype *out)
{
    uint8_t b;
    uint32_t at;
    wp_status st = read_type_byte(d, r, &b, &at);
    if (st != WP_OK)
        return st;
    switch (b) {
    case WP_I32: case WP_I64: case WP_F32: case WP_F64:
    case WP_V128: case WP_FUNCREF: case WP_EXTERNREF:
        *out = b;
        return WP_OK;
    default:
        if (rt_unsupported_valtype(b) != NULL)
            return rt_fail_unsupported(d->err, at, rt_unsupported_valtype(b),
                                       "value type 0x%02x", b);
        return rt_fail(d->err, WP_ERR_MALFORMED, at, "malformed value type 0x%02x", b);
    }
}

static wp_status read_reftype(rt_decoder *d, rt_reader *r, rt_valtype *out)
{
    uint8_t b;
    uint32_t at;
    wp_status st = read_type_byte(d, r, &b, &at);
    if (st != WP_OK)
        return st;
    if ((b != WP_FUNCREF && b != WP_EXTERNREF) && rt_unsupported_valtype(b) != NULL)
        return rt_fail_unsupported(d->err, at, rt_unsupported_valtype(b),
                                   "reference type 0x%02x", b);
    if (b != WP_FUNCREF && b != WP_EXTERNREF)
        return rt_fail(d->err, WP_ERR_MALFORMED, at, "malformed reference type 0x%02x", b);
    *out = b;
    return WP_OK;
}

/* Limits flags are 0 (min) or 1 (min, max); the spec reads them as a
 * one-byte LEB128, hence its wording for the other values. */
static wp_status read_limits(rt_decoder *d, rt_reader *r, rt_limits *out)
{
    uint32_t at = rt_reader_offset(r);
    uint8_t flags;
    wp_status st = rt_read_u8(r, &flags, d->err);
    if (st != WP_OK)
        return st;
    if (flags & 0x80)
        return rt_fail(d->err, WP_ERR_MALFORMED, at,
                       "integer representation too long: limits flags 0x%02x", flags);
    if (flags > 1 && rt_unsupported_limits(flags) != NULL)
        return rt_fail_unsupported(d->err, at, rt_unsupported_limits(flags),
                                   "limits flags 0x%02x", flags);
    if (flags > 1)
        return rt_fail(d->err, WP_ERR_MALFORMED, at,
                       "integer too large: malformed limits flags 0x%02x", flags);
    out->has_max = flags == 1;
    out->max = 0;
    if ((st = rt_read_u32(r, &out->min, d->err)) != WP_OK)
        return st;
    if (out->has_max && (st = rt_read_u32(r, &out->max, d->err)) != WP_OK)
        return st;
    return WP_OK;
}

static wp_status check_table_limits(rt_decoder *d, uint32_t at, const rt_limits *l)
{
    if (l->has_max && l->min > l->max)
        return rt_dec_invalid(d, at, "size minimum must not be greater than maximum (table %u > %u)",
                              l->min, l->max);
    return WP_OK;
}

static wp_status check_memory_limits(rt_decoder *d, uint32_t at, const rt_limits *l)
{
    if (l->min > MAX_MEMORY_PAGES)
        return rt_dec_invalid(d, at, "memory size must be at most 65536 pages (4GiB): minimum %u",
                              l->min);
    if (l->has_max && l->max > MAX_MEMORY_PAGES)
        return rt_dec_invalid(d, at, "memory size must be at most 65536 pages (4GiB): maximum %u",
                              l->max);
    if (l->has_max && l->min > l->max)
        return rt_dec_invalid(d, at, "size minimum must not be greater than maximum (memory %u > %u)",
                              l->min, l->max);
    return WP_OK;
}

static wp_status read_tabletype(rt_decoder *d, rt_reader *r, rt_tabletype *out)
{
    uint32_t at = rt_reader_offset(r);
    wp_status st = read_reftype(d, r, &out->elem);
    if (st == WP_OK)
        st = read_limits(d, r, &out->limits);
    if (st == WP_OK)
        st = check_table_limits(d, at, &out->limits);
    return st;
}

static wp_status read_memtype(rt_decoder *d, rt_reader *r, rt_limits *out)
{
    uint32_t at = rt_reader_offset(r);
    wp_status st = read_limits(d, r, out);
    if (st == WP_OK)
        st = check_memory_limits(d, at, out);
    return st;
}

static wp_status read_globaltype(rt_decoder *d, rt_reader *r, rt_globaltype *out)
{
    wp_status st = read_valtype(d, r, &out->type);
    if (st != WP_OK)
        return st;
    uint32_t at = rt_reader_offset(r);
    uint8_t mut;
    if ((st = rt_read_u8(r, &mut, d->err)) != WP_OK)
        return st;
    if (mut > 1)
        return rt_fail(d->err, WP_ERR_MALFORMED, at, "malformed mutability 0x%02x", mut);
    out->mut = mut == 1;
    return WP_OK;
}

/* A result or parameter list: the count is checked against the engine's
 * cap before anything is allocated for it. */
static wp_status read_valtypes(rt_decoder *d, rt_reader *r, const char *what,
                               rt_valtype **types, uint32_t *n)
{
    uint32_t at = rt_reader_offset(r);
    wp_status st = rt_read_count(r, 1, what, n, d->err);
    if (st != WP_OK)
        return st;
    if (*n > WP_MAX_FUNCTION_PARAMS)
        return rt_fail(d->err, WP_ERR_NOMEM, at, "%u %s: more than the limit of %u",
                       *n, what, WP_MAX_FUNCTION_PARAMS);
    *types = RT_DEC_ARRAY(d, rt_valtype, *n);
    if (!*types)
        return rt_dec_nomem(d, at);
    for (uint32_t i = 0; i < *n; i++)
        if ((st = read_valtype(d, r, &(*types)[i])) != WP_OK)
            return st;
    return WP_OK;
}

wp_status rt_dec_type_section(rt_decoder *d, rt_reader *r)
{
    wp_module *m = d->m;
    uint32_t n;
    /* 0x60, then two counts: three bytes at least */
    wp_status st = rt_read_count(r, 3, "types", &n, d->err);
    if (st != WP_OK)
        return st;
    m->types = RT_DEC_ARRAY(d, rt_functype, n);
    if (!m->types)
        return rt_dec_nomem(d, rt_reader_offset(r));
    m->ntypes = n;

    for (uint32_t i = 0; i < n; i++) {
        rt_functype *t = &m->types[i];
        uint8_t form;
        uint32_t at;

        if ((st = read_type_byte(d, r, &form, &at)) != WP_OK)
            return st;
        if (form != 0x60 && rt_unsupported_type_form(form) != NULL)
            return rt_fail_unsupported(d->err, at, rt_unsupported_type_form(form),
                                       "type form 0x%02x", form);
        if (form != 0x60)
            return rt_fail(d->err, WP_ERR_MALFORMED, at,
                           "malformed function type: form 0x%02x, expected 0x60", form);
        if ((st = read_valtypes(d, r, "parameters", &t->params, &t->nparams)) != WP_OK)
            return st;
        if ((st = read_valtypes(d, r, "results", &t->results, &t->nresults)) != WP_OK)
            return st;
        t->param_slots = 0;
        for (uint32_t k = 0; k < t->nparams; k++)
            t->param_slots += rt_slots_of(t->params[k]);
        t->result_slots = 0;
        for (uint32_t k = 0; k < t->nresults; k++)
            t->result_slots += rt_slots_of(t->results[k]);
        st = rt_type_intern(m->engine, t->params, t->nparams, t->results, t->nresults,
                            &t->id, d->err);
        if (st != WP_OK)
            return st;
    }
    return WP_OK;
}

/* ---------------------------------------------------------------- imports */

wp_status rt_dec_import_section(rt_decoder *d, rt_reader *r)
{
    wp_module *m = d->m;
    uint32_t n;
    /* two empty names, a kind and a one-byte description */
    wp_status st = rt_read_count(r, 4, "imports", &n, d->err);
    if (st != WP_OK)
        return st;
    m->imports = RT_DEC_ARRAY(d, rt_import, n);
    if (!m->imports)
        return rt_dec_nomem(d, rt_reader_offset(r));
    m->nimports = n;

    for (uint32_t i = 0; i < n; i++) {
        rt_import *im = &m->imports[i];
        const uint8_t *s;
        uint32_t len, at = rt_reader_offset(r);

        if ((st = rt_read_name(r, &s, &len, d->err)) != WP_OK ||
            (st = rt_dec_name(d, s, len, &im->module, at)) != WP_OK)
            return st;
        at = rt_reader_offset(r);
        if ((st = rt_read_name(r, &s, &len, d->err)) != WP_OK ||
            (st = rt_dec_name(d, s, len, &im->name, at)) != WP_OK)
            return st;

        at = rt_reader_offset(r);
        uint8_t kind;
        if ((st = rt_read_u8(r, &kind, d->err)) != WP_OK)
            return st;
        switch (kind) {
        case WP_EXTERN_FUNC: {
            uint32_t ti_at = rt_reader_offset(r);
            if ((st = rt_read_u32(r, &im->desc.type_index, d->err)) != WP_OK)
                return st;
            if (im->desc.type_index >= m->ntypes)
                rt_dec_invalid(d, ti_at, "unknown type %u (the module has %u)",
                               im->desc.type_index, m->ntypes);
            im->index = m->nfunc_imports++;
            break;
        }
        case WP_EXTERN_TABLE:
            if ((st = read_tabletype(d, r, &im->desc.table)) != WP_OK)
                return st;
            im->index = m->ntable_imports++;
            break;
        case WP_EXTERN_MEMORY:
            if ((st = read_memtype(d, r, &im->desc.memory)) != WP_OK)
                return st;
            im->index = m->nmemory_imports++;
            if (m->nmemory_imports > 1 && !rt_feature(m->engine, WP_FEATURE_MULTI_MEMORY))
                rt_dec_invalid(d, at, "multiple memories: import %u is a second memory", i);
            break;
        case WP_EXTERN_GLOBAL:
            if ((st = read_globaltype(d, r, &im->desc.global)) != WP_OK)
                return st;
            im->index = m->nglobal_imports++;
            break;
        default:
            if (rt_unsupported_extern_kind(kind) != NULL)
                return rt_fail_unsupported(d->err, at, rt_unsupported_extern_kind(kind),
                                           "import kind 0x%02x", kind);
            return rt_fail(d->err, WP_ERR_MALFORMED, at, "malformed import kind 0x%02x", kind);
        }
        im->kind = (wp_extern_kind)kind;
    }
    return WP_OK;
}

/* ---------------------------------------------------------------- functions, tables, memories, globals */

wp_status rt_dec_function_section(rt_decoder *d, rt_reader *r)
{
    wp_module *m = d->m;
    uint32_t n;
    wp_status st = rt_read_count(r, 1, "functions", &n, d->err);
    if (st != WP_OK)
        return st;
    d->ndefined_funcs = n;
    if ((st = rt_dec_build_space(d, WP_EXTERN_FUNC, n)) != WP_OK)
        return st;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t at = rt_reader_offset(r), ti;
        if ((st = rt_read_u32(r, &ti, d->err)) != WP_OK)
            return st;
        if (ti >= m->ntypes)
            rt_dec_invalid(d, at, "unknown type %u for function %u (the module has %u)",
                           ti, m->nfunc_imports + i, m->ntypes);
        m->func_type[m->nfunc_imports + i] = ti;
    }
    return WP_OK;
}

wp_status rt_dec_table_section(rt_decoder *d, rt_reader *r)
{
    wp_module *m = d->m;
    uint32_t n;
    /* reference type, flags, minimum */
    wp_status st = rt_read_count(r, 3, "tables", &n, d->err);
    if (st != WP_OK)
        return st;
    if ((st = rt_dec_build_space(d, WP_EXTERN_TABLE, n)) != WP_OK)
        return st;
    for (uint32_t i = 0; i < n; i++)
        if ((st = read_tabletype(d, r, &m->tables[m->ntable_imports + i])) != WP_OK)
            return st;
    return WP_OK;
}

wp_status rt_dec_memory_section(rt_decoder *d, rt_reader *r)
{
    wp_module *m = d->m;
    uint32_t n, at = rt_reader_offset(r);
    /* flags, minimum */
    wp_status st = rt_read_count(r, 2, "memories", &n, d->err);
    if (st != WP_OK)
        return st;
    if ((st = rt_dec_build_space(d, WP_EXTERN_MEMORY, n)) != WP_OK)
        return st;
    if (m->nmemories > 1 && !rt_feature(m->engine, WP_FEATURE_MULTI_MEMORY))
        rt_dec_invalid(d, at, "multiple memories: %u imported and %u defined",
                       m->nmemory_imports, n);
    for (uint32_t i = 0; i < n; i++)
        if ((st = read_memtype(d, r, &m->memories[m->nmemory_imports + i])) != WP_OK)
            return st;
    return WP_OK;
}

wp_status rt_dec_global_section(rt_decoder *d, rt_reader *r)
{
    wp_module *m = d->m;
    uint32_t n;
    /* type, mutability, and at least `end` */
    wp_status st = rt_read_count(r, 3, "globals", &n, d->err);
    if (st != WP_OK)
        return st;
    if ((st = rt_dec_build_space(d, WP_EXTERN_GLOBAL, n)) != WP_OK)
        return st;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t g = m->nglobal_imports + i;
        if ((st = read_globaltype(d, r, &m->globals[g])) != WP_OK)
            return st;
        if ((st = rt_dec_const_expr(d, r, m->globals[g].type, &m->global_init[g])) != WP_OK)
            return st;
    }
    return WP_OK;
}

/* ---------------------------------------------------------------- exports */

typedef struct export_key {
    const char *name;
    uint32_t    len;
    uint32_t    offset;
} export_key;

static int compare_export_keys(const void *pa, const void *pb)
{
    const export_key *a = pa, *b = pb;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    int c = a->len ? memcmp(a->name, b->name, a->len) : 0;
    if (c != 0)
        return c;
    return a->offset < b->offset ? -1 : a->offset > b->offset;
}

/* Names are compared after sorting, so a hostile module with many exports
 * costs n log n, not n squared. */
static void check_export_names(rt_decoder *d, export_key *keys, uint32_t n)
{
    if (n < 2)
        return;
    qsort(keys, n, sizeof *keys, compare_export_keys);
    for (uint32_t i = 1; i < n; i++) {
        if (keys[i].len == keys[i - 1].len &&
            (keys[i].len == 0 || memcmp(keys[i].name, keys[i - 1].name, keys[i].len) == 0)) {
            rt_dec_invalid(d, keys[i].offset, "duplicate export name \"%.*s\"",
                           (int)(keys[i].len > 64 ? 64 : keys[i].len), keys[i].name);
            return;
        }
    }
}

static wp_status read_export(rt_decoder *d, rt_reader *r, rt_export *ex, export_key *key)
{
    wp_module *m = d->m;
    const uint8_t *s;
    uint32_t len, at = rt_reader_offset(r);
    wp_status st;
    if ((st = rt_read_name(r, &s, &len, d->err)) != WP_OK ||
        (st = rt_dec_name(d, s, len, &ex->name, at)) != WP_OK)
        return st;
    key->name = ex->name.str;
    key->len = ex->name.len;
    key->offset = at;

    uint32_t kind_at = rt_reader_offset(r);
    uint8_t kind;
    if ((st = rt_read_u8(r, &kind, d->err)) != WP_OK)
        return st;
    if (kind > WP_EXTERN_GLOBAL && rt_unsupported_extern_kind(kind) != NULL)
        return rt_fail_unsupported(d->err, kind_at, rt_unsupported_extern_kind(kind),
                                   "export kind 0x%02x", kind);
    if (kind > WP_EXTERN_GLOBAL)
        return rt_fail(d->err, WP_ERR_MALFORMED, kind_at, "malformed export kind 0x%02x", kind);
    ex->kind = (wp_extern_kind)kind;
    uint32_t index_at = rt_reader_offset(r);
    if ((st = rt_read_u32(r, &ex->index, d->err)) != WP_OK)
        return st;

    switch (ex->kind) {
    case WP_EXTERN_FUNC:
        if (ex->index >= m->nfuncs)
            return rt_dec_invalid(d, index_at, "unknown function %u (the module has %u)",
                                  ex->index, m->nfuncs);
        m->func_declared[ex->index] = 1;
        break;
    case WP_EXTERN_TABLE:
        if (ex->index >= m->ntables)
            return rt_dec_invalid(d, index_at, "unknown table %u (the module has %u)",
                                  ex->index, m->ntables);
        break;
    case WP_EXTERN_MEMORY:
        if (ex->index >= m->nmemories)
            return rt_dec_invalid(d, index_at, "unknown memory %u (the module has %u)",
                                  ex->index, m->nmemories);
        break;
    case WP_EXTERN_GLOBAL:
        if (ex->index >= m->nglobals)
            return rt_dec_invalid(d, index_at, "unknown global %u (the module has %u)",
                                  ex->index, m->nglobals);
        break;
    }
    return WP_OK;
}

wp_status rt_dec_export_section(rt_decoder *d, rt_reader *r)
{
    wp_module *m = d->m;
    uint32_t n;
    /* empty name, kind, index */
    wp_status st = rt_read_count(r, 3, "exports", &n, d->err);
    if (st != WP_OK)
        return st;
    m->exports = RT_DEC_ARRAY(d, rt_export, n);
    if (!m->exports)
        return rt_dec_nomem(d, rt_reader_offset(r));
    m->nexports = n;

    /* The sort keys are scratch: they live outside the arena. */
    size_t keys_size = (size_t)(n ? n : 1) * sizeof(export_key);
    export_key *keys = rt_alloc(m->engine, keys_size);
    if (!keys)
        return rt_dec_nomem(d, rt_reader_offset(r));
    for (uint32_t i = 0; i < n && st == WP_OK; i++)
        st = read_export(d, r, &m->exports[i], &keys[i]);
    if (st == WP_OK)
        check_export_names(d, keys, n);
    rt_free(m->engine, keys, keys_size);
    return st;
}

/* ---------------------------------------------------------------- start */

wp_status rt_dec_start_section(rt_decoder *d, rt_reader *r)
{
    wp_module *m = d->m;
    uint32_t at = rt_reader_offset(r), f;
    wp_status st = rt_read_u32(r, &f, d->err);
    if (st != WP_OK)
        return st;
    m->start = f;
    if (f >= m->nfuncs)
        return rt_dec_invalid(d, at, "unknown function %u (the module has %u)", f, m->nfuncs);
    uint32_t ti = m->func_type[f];
    if (ti < m->ntypes && (m->types[ti].nparams != 0 || m->types[ti].nresults != 0))
        return rt_dec_invalid(d, at, "start function %u must have type [] -> []", f);
    return WP_OK;
}

/* ---------------------------------------------------------------- elements */

/* The flags of an element segment, as bits:
 *   bit 0  passive or declarative (1), active (0)
 *   bit 1  active: explicit table index; otherwise declarative (1) or passive (0)
 *   bit 2  items are constant expressions (1) or function indices (0)
 * Flags 0 and 4 carry no element type (funcref); the others carry an
 * elemkind byte (function indices) or a reference type (expressions). */
static wp_status read_elem_segment(rt_decoder *d, rt_reader *r, rt_elem *seg)
{
    wp_module *m = d->m;
    uint32_t at = rt_reader_offset(r), flags, table_at = at;
    wp_status st = rt_read_u32(r, &flags, d->err);
    if (st != WP_OK)
        return st;
    if (flags > 7)
        return rt_fail(d->err, WP_ERR_MALFORMED, at, "malformed element segment kind %u", flags);
    bool exprs = flags & 4;

    seg->mode = !(flags & 1) ? RT_SEG_ACTIVE : (flags & 2) ? RT_SEG_DECLARATIVE : RT_SEG_PASSIVE;
    seg->type = WP_FUNCREF;
    if (seg->mode == RT_SEG_ACTIVE) {
        if (flags & 2) {
            table_at = rt_reader_offset(r);
            if ((st = rt_read_u32(r, &seg->table, d->err)) != WP_OK)
                return st;
        }
        if ((st = rt_dec_const_expr(d, r, WP_I32, &seg->offset)) != WP_OK)
            return st;
    }
    if (flags != 0 && flags != 4) {
        if (exprs) {
            if ((st = read_reftype(d, r, &seg->type)) != WP_OK)
                return st;
        } else {
            uint32_t kind_at = rt_reader_offset(r);
            uint8_t kind;
            if ((st = rt_read_u8(r, &kind, d->err)) != WP_OK)
                return st;
            if (kind != 0x00)
                return rt_fail(d->err, WP_ERR_MALFORMED, kind_at, "malformed element kind 0x%02x", kind);
        }
    }

    /* an expression takes at least two bytes (instruction, end) */
    if ((st = rt_read_count(r, exprs ? 2 : 1, "elements", &seg->nitems, d->err)) != WP_OK)
        return st;
    seg->items = RT_DEC_ARRAY(d, rt_const_expr, seg->nitems);
    if (!seg->items)
        return rt_dec_nomem(d, rt_reader_offset(r));
    for (uint32_t i = 0; i < seg->nitems; i++) {
        rt_const_expr *item = &seg->items[i];
        if (exprs) {
            if ((st = rt_dec_const_expr(d, r, seg->type, item)) != WP_OK)
                return st;
            continue;
        }
        uint32_t f_at = rt_reader_offset(r);
        if ((st = rt_read_u32(r, &item->index, d->err)) != WP_OK)
            return st;
        item->kind = RT_CONST_REF_FUNC;
        item->type = WP_FUNCREF;
        if (item->index >= m->nfuncs)
            rt_dec_invalid(d, f_at, "unknown function %u (the module has %u)", item->index, m->nfuncs);
        else
            m->func_declared[item->index] = 1;
    }

    if (seg->mode == RT_SEG_ACTIVE) {
        if (seg->table >= m->ntables)
            rt_dec_invalid(d, table_at, "unknown table %u (the module has %u)", seg->table, m->ntables);
        else if (m->tables[seg->table].elem != seg->type)
            rt_dec_invalid(d, at, "type mismatch: %s segment for table %u of %s",
                           rt_dec_type_name(seg->type), seg->table,
                           rt_dec_type_name(m->tables[seg->table].elem));
    }
    return WP_OK;
}

wp_status rt_dec_element_section(rt_decoder *d, rt_reader *r)
{
    wp_module *m = d->m;
    uint32_t n;
    /* flags, elemkind or offset, item count */
    wp_status st = rt_read_count(r, 3, "element segments", &n, d->err);
    if (st != WP_OK)
        return st;
    m->elems = RT_DEC_ARRAY(d, rt_elem, n);
    if (!m->elems)
        return rt_dec_nomem(d, rt_reader_offset(r));
    m->nelems = n;
    for (uint32_t i = 0; i < n; i++)
        if ((st = read_elem_segment(d, r, &m->elems[i])) != WP_OK)
            return st;
    return WP_OK;
}

/* ---------------------------------------------------------------- data count, code, data */

wp_status rt_dec_datacount_section(rt_decoder *d, rt_reader *r)
{
    wp_module *m = d->m;
    wp_status st = rt_read_u32(r, &m->data_count, d->err);
    if (st != WP_OK)
        return st;
    m->has_data_count = true;
    return WP_OK;
}

wp_status rt_dec_code_section(rt_decoder *d, rt_reader *section)
{
    wp_module *m = d->m;
    uint32_t n, at = rt_reader_offset(section);
    wp_status st = rt_read_count(section, 1, "function bodies", &n, d->err);
    if (st != WP_OK)
        return st;
    d->seen_code = true;
    if (n != d->ndefined_funcs)
        return rt_fail(d->err, WP_ERR_MALFORMED, at,
                       "function and code section have inconsistent lengths: %u functions, %u bodies",
                       d->ndefined_funcs, n);

    /* The bodies are translated on their first call (lazy.c), after the
     * caller's bytes are gone: the module keeps a copy of them. */
    size_t nbytes = rt_reader_left(section);
    uint8_t *copy = RT_DEC_ARRAY(d, uint8_t, nbytes);
    if (copy == NULL)
        return rt_dec_nomem(d, at);
    if (nbytes)
        memcpy(copy, rt_reader_ptr(section), nbytes);
    rt_reader bodies;
    rt_reader_init(&bodies, copy, nbytes, rt_reader_offset(section));
    rt_reader *r = &bodies;

    bool eager = m->engine->cfg.eager_translation;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t size;
        const uint8_t *body;
        if ((st = rt_read_u32(r, &size, d->err)) != WP_OK)
            return st;
        uint32_t body_at = rt_reader_offset(r);
        if ((st = rt_read_bytes(r, size, &body, d->err)) != WP_OK)
            return st;
        uint32_t f = m->nfunc_imports + i;
        rt_code *c = &m->codes[i];
        c->body_offset = body_at;
        c->body = body;
        c->body_len = size;
        if (d->has_pending)
            continue;   /* the module is invalid already; only its framing is still checked */
        if (eager) {
            st = rt_translate_function(m, f, body, size, body_at, d->err);
            if (st == WP_OK) {
                atomic_store_explicit(&c->ready, 1, memory_order_release);
                atomic_fetch_add_explicit(&m->ntranslated, 1, memory_order_relaxed);
            }
        } else {
            st = rt_validate_function(m, f, body, size, body_at, d->err);
        }
        if (st == WP_OK)
            continue;
        rt_error_prefix(d->err, "code section, function %u at offset 0x%x", f, (unsigned)body_at);
        if (st == WP_ERR_INVALID) {
            d->pending = *d->err;
            d->has_pending = true;
            continue;
        }
        d->err_has_context = true;
        return st;
    }
    /* Bytes after the last body are the caller's to report. */
    section->pos += bodies.pos;
    return WP_OK;
}

wp_status rt_dec_data_section(rt_decoder *d, rt_reader *r)
{
    wp_module *m = d->m;
    uint32_t n, at = rt_reader_offset(r);
    /* passive: flags, length */
    wp_status st = rt_read_count(r, 2, "data segments", &n, d->err);
    if (st != WP_OK)
        return st;
    d->seen_data = true;
    if (m->has_data_count && n != m->data_count)
        return rt_fail(d->err, WP_ERR_MALFORMED, at,
                       "data count and data section have inconsistent lengths: data count %u, %u segments",
                       m->data_count, n);
    m->datas = RT_DEC_ARRAY(d, rt_data, n);
    if (!m->datas)
        return rt_dec_nomem(d, at);
    m->ndatas = n;

    for (uint32_t i = 0; i < n; i++) {
        rt_data *seg = &m->datas[i];
        uint32_t seg_at = rt_reader_offset(r), flags, mem_at = seg_at;
        if ((st = rt_read_u32(r, &flags, d->err)) != WP_OK)
            return st;
        if (flags > 2)
            return rt_fail(d->err, WP_ERR_MALFORMED, seg_at, "malformed data segment kind %u", flags);
        seg->mode = flags == 1 ? RT_SEG_PASSIVE : RT_SEG_ACTIVE;
        if (flags == 2) {
            mem_at = rt_reader_offset(r);
            if ((st = rt_read_u32(r, &seg->memory, d->err)) != WP_OK)
                return st;
        }
        if (seg->mode == RT_SEG_ACTIVE) {
            if (seg->memory >= m->nmemories)
                rt_dec_invalid(d, mem_at, "unknown memory %u (the module has %u)",
                               seg->memory, m->nmemories);
            if ((st = rt_dec_const_expr(d, r, WP_I32, &seg->offset)) != WP_OK)
                return st;
        }

        uint32_t len, len_at = rt_reader_offset(r);
        const uint8_t *bytes;
        if ((st = rt_read_u32(r, &len, d->err)) != WP_OK)
            return st;
        if ((st = rt_read_bytes(r, len, &bytes, d->err)) != WP_OK)
            return st;
        uint8_t *copy = RT_DEC_ARRAY(d, uint8_t, len);
        if (!copy)
            return rt_dec_nomem(d, len_at);
        if (len)
            memcpy(copy, bytes, len);
        seg->bytes = copy;
        seg->len = len;
    }
    return WP_OK;
}

/* ---------------------------------------------------------------- the "name" custom section */

/* Only the function names subsection (id 1) is read. */
static bool read_function_names(rt_decoder *d, rt_reader *r, wp_status *st)
{
    wp_module *m = d->m;
    wp_error ignored;
    uint32_t n;
    if (rt_read_count(r, 2, "names", &n, &ignored) != WP_OK)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t f, len;
        const uint8_t *s;
        if (rt_read_u32(r, &f, &ignored) != WP_OK ||
            rt_read_name(r, &s, &len, &ignored) != WP_OK)
            return false;
        if (f >= m->nfuncs)
            continue;
        *st = rt_dec_name(d, s, len, &m->func_names[f], rt_reader_offset(r));
        if (*st != WP_OK)
            return false;
    }
    return rt_reader_at_end(r);
}

wp_status rt_dec_name_section(rt_decoder *d, rt_reader *r)
{
    wp_module *m = d->m;
    wp_error ignored;
    wp_status st = WP_OK;
    bool ok = true;

    while (ok && !rt_reader_at_end(r)) {
        uint8_t id;
        uint32_t size;
        rt_reader sub;
        if (rt_read_u8(r, &id, &ignored) != WP_OK ||
            rt_read_u32(r, &size, &ignored) != WP_OK ||
            rt_read_sub(r, size, &sub, &ignored) != WP_OK) {
            ok = false;
            break;
        }
        if (id == 1)
            ok = read_function_names(d, &sub, &st);
    }
    if (!ok && m->func_names)
        memset(m->func_names, 0, (size_t)m->nfuncs * sizeof *m->func_names);
    return st;
}
