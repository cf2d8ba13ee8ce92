/* The module decoder's driver: the header, the section loop with the
 * spec's ordering rules, the checks that span sections (function and code
 * counts, data count), and the helpers the section decoders share (arena
 * arrays, names, index-space layout, deferred validation failures).
 * Sections themselves are decoded in decode_sections.c.
 */
#include <stdarg.h>
#include <string.h>

#include "decode.h"
#include "unsupported.h"

enum { SECTION_CUSTOM = 0, SECTION_LAST = 12 };

/* Section ids in the order the spec requires them; custom sections (id 0)
 * may appear anywhere and are not ranked. The data count section (12)
 * sits between element (9) and code (10). */
static const struct {
    const char *name;
    uint8_t     rank;
    wp_status (*decode)(rt_decoder *d, rt_reader *r);
} sections[SECTION_LAST + 1] = {
    [0]  = { "custom",     0,  NULL },
    [1]  = { "type",       1,  rt_dec_type_section },
    [2]  = { "import",     2,  rt_dec_import_section },
    [3]  = { "function",   3,  rt_dec_function_section },
    [4]  = { "table",      4,  rt_dec_table_section },
    [5]  = { "memory",     5,  rt_dec_memory_section },
    [6]  = { "global",     6,  rt_dec_global_section },
    [7]  = { "export",     7,  rt_dec_export_section },
    [8]  = { "start",      8,  rt_dec_start_section },
    [9]  = { "element",    9,  rt_dec_element_section },
    [10] = { "code",       11, rt_dec_code_section },
    [11] = { "data",       12, rt_dec_data_section },
    [12] = { "data count", 10, rt_dec_datacount_section },
};

/* The rank of the section defining each index space: once a section of a
 * higher rank arrives, the space is complete. */
static const struct {
    wp_extern_kind kind;
    uint8_t        rank;
} spaces[] = {
    { WP_EXTERN_FUNC, 3 },
    { WP_EXTERN_TABLE, 4 },
    { WP_EXTERN_MEMORY, 5 },
    { WP_EXTERN_GLOBAL, 6 },
};

wp_status rt_dec_invalid(rt_decoder *d, uint32_t offset, const char *fmt, ...)
{
    if (d->has_pending)
        return WP_OK;
    va_list ap;
    va_start(ap, fmt);
    rt_failv(&d->pending, WP_ERR_INVALID, offset, fmt, ap);
    va_end(ap);
    if (d->section)
        rt_error_prefix(&d->pending, "%s section at offset 0x%x", d->section, (unsigned)offset);
    d->has_pending = true;
    return WP_OK;
}

void *rt_dec_alloc(rt_decoder *d, size_t n, size_t size, size_t align)
{
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    size_t bytes = n * size;
    return rt_arena_alloc(&d->m->arena, bytes ? bytes : 1, align);
}

wp_status rt_dec_nomem(rt_decoder *d, uint32_t offset)
{
    return rt_fail(d->err, WP_ERR_NOMEM, offset, "out of memory while decoding the module");
}

wp_status rt_dec_name(rt_decoder *d, const uint8_t *s, uint32_t len, rt_name *out, uint32_t offset)
{
    char *copy = rt_dec_alloc(d, (size_t)len + 1, 1, 1);
    if (!copy)
        return rt_dec_nomem(d, offset);
    if (len)
        memcpy(copy, s, len);
    copy[len] = '\0';
    out->str = copy;
    out->len = len;
    return WP_OK;
}

const char *rt_dec_type_name(rt_valtype t)
{
    switch (t) {
    case WP_I32: return "i32";
    case WP_I64: return "i64";
    case WP_F32: return "f32";
    case WP_F64: return "f64";
    case WP_V128: return "v128";
    case WP_FUNCREF: return "funcref";
    case WP_EXTERNREF: return "externref";
    default: return "?";
    }
}

static wp_status build_funcs(rt_decoder *d, uint32_t total, uint32_t ndefined)
{
    wp_module *m = d->m;
    m->func_type = RT_DEC_ARRAY(d, uint32_t, total);
    m->codes = RT_DEC_ARRAY(d, rt_code, ndefined);
    m->func_names = RT_DEC_ARRAY(d, rt_name, total);
    m->func_declared = RT_DEC_ARRAY(d, uint8_t, total);
    if (!m->func_type || !m->codes || !m->func_names || !m->func_declared)
        return rt_dec_nomem(d, UINT32_MAX);
    m->nfuncs = total;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const rt_import *im = &m->imports[i];
        if (im->kind == WP_EXTERN_FUNC)
            m->func_type[im->index] = im->desc.type_index;
    }
    return WP_OK;
}

static wp_status build_tables(rt_decoder *d, uint32_t total)
{
    wp_module *m = d->m;
    m->tables = RT_DEC_ARRAY(d, rt_tabletype, total);
    if (!m->tables)
        return rt_dec_nomem(d, UINT32_MAX);
    m->ntables = total;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const rt_import *im = &m->imports[i];
        if (im->kind == WP_EXTERN_TABLE)
            m->tables[im->index] = im->desc.table;
    }
    return WP_OK;
}

static wp_status build_memories(rt_decoder *d, uint32_t total)
{
    wp_module *m = d->m;
    m->memories = RT_DEC_ARRAY(d, rt_limits, total);
    if (!m->memories)
        return rt_dec_nomem(d, UINT32_MAX);
    m->nmemories = total;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const rt_import *im = &m->imports[i];
        if (im->kind == WP_EXTERN_MEMORY)
            m->memories[im->index] = im->desc.memory;
    }
    return WP_OK;
}

static wp_status build_globals(rt_decoder *d, uint32_t total)
{
    wp_module *m = d->m;
    m->globals = RT_DEC_ARRAY(d, rt_globaltype, total);
    m->global_init = RT_DEC_ARRAY(d, rt_const_expr, total);
    if (!m->globals || !m->global_init)
        return rt_dec_nomem(d, UINT32_MAX);
    m->nglobals = total;
    for (uint32_t i = 0; i < m->nimports; i++) {
        const rt_import *im = &m->imports[i];
        if (im->kind == WP_EXTERN_GLOBAL)
            m->globals[im->index] = im->desc.global;
    }
    return WP_OK;
}

wp_status rt_dec_build_space(rt_decoder *d, wp_extern_kind kind, uint32_t ndefined)
{
    wp_module *m = d->m;
    uint8_t bit = (uint8_t)(1u << kind);
    if (NEVER(d->built & bit))
        return rt_fail(d->err, WP_ERR_INTERNAL, UINT32_MAX, "index space %d laid out twice", (int)kind);
    d->built |= bit;

    uint32_t nimported = 0;
    switch (kind) {
    case WP_EXTERN_FUNC: nimported = m->nfunc_imports; break;
    case WP_EXTERN_TABLE: nimported = m->ntable_imports; break;
    case WP_EXTERN_MEMORY: nimported = m->nmemory_imports; break;
    case WP_EXTERN_GLOBAL: nimported = m->nglobal_imports; break;
    }
    /* Both counts are bounded by the module's size, itself below 4 GiB, so
     * this only fails on a module the caller should not have passed. */
    if ((uint64_t)nimported + ndefined > UINT32_MAX)
        return rt_fail(d->err, WP_ERR_MALFORMED, UINT32_MAX, "index space too large");
    uint32_t total = nimported + ndefined;

    switch (kind) {
    case WP_EXTERN_FUNC: return build_funcs(d, total, ndefined);
    case WP_EXTERN_TABLE: return build_tables(d, total);
    case WP_EXTERN_MEMORY: return build_memories(d, total);
    case WP_EXTERN_GLOBAL: return build_globals(d, total);
    }
    return WP_OK;
}

/* Lays out every index space whose defining section would come before a
 * section of this rank but was absent. */
static wp_status complete_spaces(rt_decoder *d, unsigned rank)
{
    for (size_t i = 0; i < sizeof spaces / sizeof spaces[0]; i++) {
        if (spaces[i].rank < rank && !(d->built & (1u << spaces[i].kind))) {
            wp_status st = rt_dec_build_space(d, spaces[i].kind, 0);
            if (st != WP_OK)
                return st;
        }
    }
    return WP_OK;
}

/* Custom sections are skipped without a copy, except the first "name"
 * section: its contents are kept, and only read when a message first needs
 * a function's name (rt_module_func_name). */
static wp_status custom_section(rt_decoder *d, rt_reader *r)
{
    const uint8_t *name;
    uint32_t len;
    wp_status st = rt_read_name(r, &name, &len, d->err);
    if (st != WP_OK)
        return st;
    if (len == 4 && memcmp(name, "name", 4) == 0 && !d->has_names) {
        wp_module *m = d->m;
        uint32_t n = (uint32_t)rt_reader_left(r);
        uint8_t *copy = RT_DEC_ARRAY(d, uint8_t, n);
        if (copy == NULL)
            return rt_dec_nomem(d, rt_reader_offset(r));
        if (n)
            memcpy(copy, rt_reader_ptr(r), n);
        d->has_names = true;
        m->name_section = copy;
        m->name_section_len = n;
        m->name_section_offset = rt_reader_offset(r);
    }
    r->pos = r->len;
    return WP_OK;
}

wp_status rt_dec_read_names(wp_module *m)
{
    wp_error err;
    rt_decoder d;
    rt_reader r;
    memset(&d, 0, sizeof d);
    d.m = m;
    d.err = &err;
    d.section = "name";
    rt_reader_init(&r, m->name_section, m->name_section_len, m->name_section_offset);
    return rt_dec_name_section(&d, &r);
}

static wp_status check_header(rt_decoder *d, rt_reader *r)
{
    static const uint8_t magic[4] = { 0x00, 0x61, 0x73, 0x6d };
    static const uint8_t version[4] = { 0x01, 0x00, 0x00, 0x00 };

    if (rt_reader_left(r) < 4)
        return rt_fail(d->err, WP_ERR_MALFORMED, 0, "unexpected end: no module header");
    if (memcmp(r->data, magic, 4) != 0)
        return rt_fail(d->err, WP_ERR_MALFORMED, 0, "magic header not detected");
    if (rt_reader_left(r) < 8)
        return rt_fail(d->err, WP_ERR_MALFORMED, 4, "unexpected end: no binary version");
    if (memcmp(r->data + 4, version, 4) != 0)
        return rt_fail(d->err, WP_ERR_MALFORMED, 4,
                       "unknown binary version %02x %02x %02x %02x",
                       r->data[4], r->data[5], r->data[6], r->data[7]);
    r->pos = 8;
    return WP_OK;
}

static wp_status decode_sections(rt_decoder *d, rt_reader *r)
{
    unsigned last_rank = 0;
    while (!rt_reader_at_end(r)) {
        uint32_t at = rt_reader_offset(r);
        uint8_t id;
        uint32_t size;
        rt_reader body;
        wp_status st;

        d->section = NULL;
        if ((st = rt_read_u8(r, &id, d->err)) != WP_OK)
            return st;
        if (id > SECTION_LAST && rt_unsupported_section(id) != NULL)
            return rt_fail_unsupported(d->err, at, rt_unsupported_section(id),
                                       "section id %u at offset 0x%x", id, (unsigned)at);
        if (id > SECTION_LAST)
            return rt_fail(d->err, WP_ERR_MALFORMED, at, "section at offset 0x%x: malformed section id %u",
                           (unsigned)at, id);
        if ((st = rt_read_u32(r, &size, d->err)) != WP_OK) {
            rt_error_prefix(d->err, "%s section at offset 0x%x: size", sections[id].name, (unsigned)at);
            return st;
        }
        if (size > rt_reader_left(r))
            return rt_fail(d->err, WP_ERR_MALFORMED, at,
                           "%s section at offset 0x%x: length out of bounds: %u bytes, %zu left",
                           sections[id].name, (unsigned)at, size, rt_reader_left(r));
        (void)rt_read_sub(r, size, &body, d->err);   /* fits: checked just above */

        if (id != SECTION_CUSTOM) {
            unsigned rank = sections[id].rank;
            if (rank <= last_rank)
                return rt_fail(d->err, WP_ERR_MALFORMED, at,
                               "%s section at offset 0x%x: unexpected content after last section "
                               "(sections out of order or repeated)", sections[id].name, (unsigned)at);
            last_rank = rank;
            if ((st = complete_spaces(d, rank)) != WP_OK)
                return st;
        }

        d->section = sections[id].name;
        d->err_has_context = false;
        st = id == SECTION_CUSTOM ? custom_section(d, &body) : sections[id].decode(d, &body);
        if (st == WP_OK && !rt_reader_at_end(&body))
            st = rt_fail(d->err, WP_ERR_MALFORMED, rt_reader_offset(&body),
                         "section size mismatch: %zu bytes left over", rt_reader_left(&body));
        if (st != WP_OK) {
            if (!d->err_has_context) {
                if (d->err->offset != UINT32_MAX)
                    rt_error_prefix(d->err, "%s section at offset 0x%x", d->section,
                                    (unsigned)d->err->offset);
                else
                    rt_error_prefix(d->err, "%s section", d->section);
            }
            return st;
        }
    }
    d->section = NULL;
    return WP_OK;
}

/* The checks that only the end of the module can decide. */
static wp_status finish(rt_decoder *d, uint32_t end)
{
    wp_module *m = d->m;
    wp_status st = complete_spaces(d, 255);
    if (st != WP_OK)
        return st;
    if (d->ndefined_funcs != 0 && !d->seen_code)
        return rt_fail(d->err, WP_ERR_MALFORMED, end,
                       "function and code section have inconsistent lengths: "
                       "%u functions declared, no code section", d->ndefined_funcs);
    if (m->has_data_count && !d->seen_data && m->data_count != 0)
        return rt_fail(d->err, WP_ERR_MALFORMED, end,
                       "data count and data section have inconsistent lengths: "
                       "data count %u, no data section", m->data_count);
    return WP_OK;
}

wp_status rt_decode_module(wp_module *m, const uint8_t *bytes, size_t len, wp_error *err)
{
    wp_error scratch;
    rt_decoder d;
    rt_reader r;
    wp_status st;

    memset(&d, 0, sizeof d);
    d.m = m;
    d.err = err ? err : &scratch;
    m->start = UINT32_MAX;

    if (len > UINT32_MAX)
        return rt_fail(d.err, WP_ERR_MALFORMED, UINT32_MAX, "module of %zu bytes is larger than 4 GiB", len);
    rt_reader_init(&r, bytes, len, 0);

    st = check_header(&d, &r);
    if (st == WP_OK)
        st = decode_sections(&d, &r);
    if (st == WP_OK)
        st = finish(&d, (uint32_t)len);
    /* A validation failure recorded earlier yields to a malformed module
     * (or to an out-of-memory), but not to a later validation failure:
     * the first one is reported. */
    if ((st == WP_OK || st == WP_ERR_INVALID) && d.has_pending) {
        *d.err = d.pending;
        return WP_ERR_INVALID;
    }
    return st;
}
