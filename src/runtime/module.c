/* The public face of modules: compiling bytes into a wp_module (the work is
 * rt_decode_module's), destroying it, and describing its imports and
 * exports. A module's data all lives in its arena, so destroying it is one
 * release.
 */
#include <string.h>

#include "tier.h"

wp_status wp_module_compile(wp_engine *e, const uint8_t *bytes, size_t len,
                            wp_module **out, wp_error *err)
{
    return wp_module_compile_ex(e, bytes, len, NULL, out, err);
}

wp_status wp_module_compile_tier(wp_engine *e, wp_tier tier, const uint8_t *bytes, size_t len,
                                 wp_module **out, wp_error *err)
{
    wp_module_config cfg = { .tier = tier };
    return wp_module_compile_ex(e, bytes, len, &cfg, out, err);
}

wp_status wp_module_compile_ex(wp_engine *e, const uint8_t *bytes, size_t len,
                               const wp_module_config *cfg, wp_module **out, wp_error *err)
{
    static const uint8_t empty[1] = { 0 };
    wp_tier tier = cfg != NULL ? cfg->tier : WP_TIER_AUTO;

    if (out)
        *out = NULL;
    if (!e || !out || (!bytes && len != 0))
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                       "wp_module_compile: engine, output and bytes must not be NULL");
    if ((unsigned)tier > WP_TIER_JIT)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                       "wp_module_compile: tier %u is none of auto, interp, jit",
                       (unsigned)tier);
    if (len > UINT32_MAX)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                       "wp_module_compile: a module of %zu bytes is larger than 4 GiB", len);

    wp_module *m = rt_alloc(e, sizeof *m);
    if (!m)
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX, "out of memory for a module");
    m->engine = e;
    m->tier_want = (uint8_t)(tier != WP_TIER_AUTO ? tier : e->cfg.tier);
    m->compile_all = e->cfg.eager_translation || (cfg != NULL && cfg->compile_all);
    rt_arena_init(&m->arena, e);
    if (pthread_mutex_init(&m->lock, NULL) != 0) {
        rt_free(e, m, sizeof *m);
        return rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "cannot initialise a module lock");
    }

    const char *dir = cfg != NULL && cfg->cache_dir != NULL ? cfg->cache_dir : e->cfg.cache_dir;
    if (dir != NULL && dir[0] != '\0') {
        size_t n = strlen(dir) + 1;
        char *copy = rt_arena_alloc(&m->arena, n, 1);
        if (copy == NULL) {
            wp_module_destroy(m);
            return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX, "out of memory for a module");
        }
        memcpy(copy, dir, n);
        m->cache_dir = copy;
    }
    wp_status st = rt_decode_module(m, bytes ? bytes : empty, len, err);
    if (st == WP_OK)
        st = rt_tier_prepare(m, bytes ? bytes : empty, len, err);
    if (st != WP_OK) {
        wp_module_destroy(m);
        return st;
    }
    *out = m;
    return WP_OK;
}

void wp_module_destroy(wp_module *m)
{
    if (!m)
        return;
    wp_engine *e = m->engine;
    rt_tier_stop(m);
    const rt_tier *t = rt_module_tier(m);
    if (t != NULL)
        t->release(m);
    pthread_mutex_destroy(&m->lock);
    rt_arena_release(&m->arena);
    rt_free(e, m, sizeof *m);
}

uint32_t wp_module_import_count(const wp_module *m)
{
    return m ? m->nimports : 0;
}

uint32_t wp_module_export_count(const wp_module *m)
{
    return m ? m->nexports : 0;
}

/* The public type of function `f` of the module. */
static wp_functype func_type_of(const wp_module *m, uint32_t f)
{
    wp_functype none = { NULL, 0, NULL, 0 };
    if (NEVER(f >= m->nfuncs) || NEVER(m->func_type[f] >= m->ntypes))
        return none;
    return rt_type_public(m->engine, m->types[m->func_type[f]].id);
}

static void set_limits(wp_limits *out, rt_limits l)
{
    out->min = l.min;
    out->max = l.max;
    out->has_max = l.has_max;
}

/* Everything but the names, for an entity of the module's index spaces. */
static void describe(const wp_module *m, wp_extern_kind kind, uint32_t index, wp_extern_desc *out)
{
    out->kind = kind;
    switch (kind) {
    case WP_EXTERN_FUNC:
        out->func = func_type_of(m, index);
        break;
    case WP_EXTERN_TABLE:
        if (NEVER(index >= m->ntables))
            break;
        out->type = (wp_valtype)m->tables[index].elem;
        set_limits(&out->limits, m->tables[index].limits);
        break;
    case WP_EXTERN_MEMORY:
        if (NEVER(index >= m->nmemories))
            break;
        set_limits(&out->limits, m->memories[index]);
        break;
    case WP_EXTERN_GLOBAL:
        if (NEVER(index >= m->nglobals))
            break;
        out->type = (wp_valtype)m->globals[index].type;
        out->mutable_ = m->globals[index].mut;
        break;
    }
}

wp_status wp_module_import(const wp_module *m, uint32_t i, wp_extern_desc *out)
{
    if (!m || !out || i >= m->nimports)
        return WP_ERR_ARG;
    const rt_import *im = &m->imports[i];
    *out = (wp_extern_desc){ 0 };
    out->module = im->module.str;
    out->module_len = im->module.len;
    out->name = im->name.str;
    out->name_len = im->name.len;
    /* The index spaces hold the imports' types too (imports come first). */
    describe(m, im->kind, im->index, out);
    return WP_OK;
}

wp_status wp_module_export(const wp_module *m, uint32_t i, wp_extern_desc *out)
{
    if (!m || !out || i >= m->nexports)
        return WP_ERR_ARG;
    const rt_export *ex = &m->exports[i];
    *out = (wp_extern_desc){ 0 };
    out->name = ex->name.str;
    out->name_len = ex->name.len;
    describe(m, ex->kind, ex->index, out);
    return WP_OK;
}
