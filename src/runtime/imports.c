/* The import map: (module, name) -> extern, filled by the embedder and read
 * by wp_instance_create to satisfy a module's imports. Names are compared
 * as byte strings with lengths, because a wasm name may contain a NUL
 * byte; such a name cannot be defined through the NUL-terminated API and
 * so never matches, which is the right answer for it.
 *
 * Entries sit in an array in definition order; an open-addressing index of
 * entry numbers (0: empty) keeps lookup constant-time for hosts that
 * define hundreds of functions (WASI) and modules that import as many. */
#include <string.h>

#include "rt.h"

typedef struct import_entry {
    char     *module, *name;   /* owned copies, NUL-terminated */
    uint32_t  module_len, name_len;
    uint32_t  hash;
    wp_extern ext;
} import_entry;

struct wp_imports {
    wp_engine    *engine;
    import_entry *entries;
    uint32_t      n, cap;
    uint32_t     *index;       /* index_cap slots: entry number + 1, or 0 */
    uint32_t      index_cap;   /* a power of two, at least twice n */
};

static uint32_t hash_bytes(uint32_t h, const char *s, uint32_t len)
{
    for (uint32_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static uint32_t hash_pair(const char *mod, uint32_t mlen, const char *name, uint32_t nlen)
{
    /* The separator keeps ("ab", "c") and ("a", "bc") apart. */
    uint32_t h = hash_bytes(2166136261u, mod, mlen);
    h = (h ^ 0xffu) * 16777619u;
    return hash_bytes(h, name, nlen);
}

static bool entry_is(const import_entry *en, uint32_t h, const char *mod, uint32_t mlen,
                     const char *name, uint32_t nlen)
{
    return en->hash == h && en->module_len == mlen && en->name_len == nlen
        && (mlen == 0 || memcmp(en->module, mod, mlen) == 0)
        && (nlen == 0 || memcmp(en->name, name, nlen) == 0);
}

/* The index slot holding the entry for this pair, or the empty slot where
 * it would go. */
static uint32_t *find_slot(const wp_imports *im, uint32_t h, const char *mod, uint32_t mlen,
                           const char *name, uint32_t nlen)
{
    uint32_t mask = im->index_cap - 1;
    for (uint32_t i = h & mask;; i = (i + 1) & mask) {
        uint32_t *slot = &im->index[i];
        if (*slot == 0 || entry_is(&im->entries[*slot - 1], h, mod, mlen, name, nlen))
            return slot;
    }
}

const wp_extern *rt_imports_find(const wp_imports *im, const char *module, uint32_t module_len,
                                 const char *name, uint32_t name_len)
{
    if (im == NULL || im->n == 0)
        return NULL;
    uint32_t h = hash_pair(module, module_len, name, name_len);
    uint32_t *slot = find_slot(im, h, module, module_len, name, name_len);
    return *slot ? &im->entries[*slot - 1].ext : NULL;
}

static bool grow_index(wp_imports *im)
{
    uint32_t cap = im->index_cap ? im->index_cap * 2 : 64;
    if (cap <= im->index_cap)
        return false;
    uint32_t *index = rt_alloc(im->engine, (size_t)cap * sizeof *index);
    if (index == NULL)
        return false;
    rt_free(im->engine, im->index, (size_t)im->index_cap * sizeof *im->index);
    im->index = index;
    im->index_cap = cap;
    for (uint32_t e = 0; e < im->n; e++) {
        import_entry *en = &im->entries[e];
        *find_slot(im, en->hash, en->module, en->module_len, en->name, en->name_len) = e + 1;
    }
    return true;
}

static char *copy_name(wp_engine *e, const char *s, uint32_t len)
{
    char *p = rt_alloc(e, (size_t)len + 1);
    if (p != NULL && len > 0)
        memcpy(p, s, len);
    return p;
}

/* Adds or replaces one definition; the names are copied. */
static wp_status define(wp_imports *im, const char *mod, uint32_t mlen, const char *name,
                        uint32_t nlen, wp_extern ext, wp_error *err)
{
    uint32_t h = hash_pair(mod, mlen, name, nlen);
    if (im->n > 0) {
        uint32_t *slot = find_slot(im, h, mod, mlen, name, nlen);
        if (*slot != 0) {
            im->entries[*slot - 1].ext = ext;
            return WP_OK;
        }
    }
    if (im->n >= UINT32_MAX / 4)
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX, "too many import definitions");
    if ((uint64_t)(im->n + 1) * 2 > im->index_cap && !grow_index(im))
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX, "out of memory defining an import");
    if (im->n == im->cap) {
        uint32_t cap = im->cap ? im->cap * 2 : 16;
        import_entry *p = rt_realloc(im->engine, im->entries, (size_t)im->cap * sizeof *p,
                                     (size_t)cap * sizeof *p);
        if (p == NULL)
            return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX, "out of memory defining an import");
        im->entries = p;
        im->cap = cap;
    }
    import_entry *en = &im->entries[im->n];
    en->module = copy_name(im->engine, mod, mlen);
    en->name = copy_name(im->engine, name, nlen);
    if (en->module == NULL || en->name == NULL) {
        rt_free(im->engine, en->module, (size_t)mlen + 1);
        rt_free(im->engine, en->name, (size_t)nlen + 1);
        memset(en, 0, sizeof *en);
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX, "out of memory defining an import");
    }
    en->module_len = mlen;
    en->name_len = nlen;
    en->hash = h;
    en->ext = ext;
    *find_slot(im, h, mod, mlen, name, nlen) = im->n + 1;
    im->n++;
    return WP_OK;
}

/* ---------------------------------------------------------------- public API */

wp_status wp_imports_create(wp_engine *e, wp_imports **out, wp_error *err)
{
    if (out == NULL)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX, "wp_imports_create: out is NULL");
    *out = NULL;
    if (e == NULL)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX, "wp_imports_create: engine is NULL");
    wp_imports *im = rt_alloc(e, sizeof *im);
    if (im == NULL)
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX, "wp_imports_create: out of memory");
    im->engine = e;
    *out = im;
    return WP_OK;
}

void wp_imports_destroy(wp_imports *im)
{
    if (im == NULL)
        return;
    wp_engine *e = im->engine;
    for (uint32_t i = 0; i < im->n; i++) {
        rt_free(e, im->entries[i].module, (size_t)im->entries[i].module_len + 1);
        rt_free(e, im->entries[i].name, (size_t)im->entries[i].name_len + 1);
    }
    rt_free(e, im->entries, (size_t)im->cap * sizeof *im->entries);
    rt_free(e, im->index, (size_t)im->index_cap * sizeof *im->index);
    rt_free(e, im, sizeof *im);
}

static bool extern_valid(wp_extern ext)
{
    switch (ext.kind) {
    case WP_EXTERN_FUNC:   return ext.of.func != NULL;
    case WP_EXTERN_TABLE:  return ext.of.table != NULL;
    case WP_EXTERN_MEMORY: return ext.of.memory != NULL;
    case WP_EXTERN_GLOBAL: return ext.of.global != NULL;
    }
    return false;
}

wp_status wp_imports_define(wp_imports *im, const char *module, const char *name,
                            wp_extern ext, wp_error *err)
{
    if (im == NULL || module == NULL || name == NULL)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                       "wp_imports_define: imports, module or name is NULL");
    if (!extern_valid(ext))
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                       "wp_imports_define: \"%s\".\"%s\": bad extern kind or NULL object",
                       module, name);
    size_t mlen = strlen(module), nlen = strlen(name);
    if (mlen > UINT32_MAX / 2 || nlen > UINT32_MAX / 2)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX, "wp_imports_define: name too long");
    return define(im, module, (uint32_t)mlen, name, (uint32_t)nlen, ext, err);
}

wp_status wp_imports_define_instance(wp_imports *im, const char *module, wp_instance *inst,
                                     wp_error *err)
{
    if (im == NULL || module == NULL || inst == NULL)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                       "wp_imports_define_instance: imports, module or instance is NULL");
    size_t mlen = strlen(module);
    if (mlen > UINT32_MAX / 2)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX, "wp_imports_define_instance: name too long");
    const wp_module *m = inst->module;
    for (uint32_t i = 0; i < m->nexports; i++) {
        const rt_export *x = &m->exports[i];
        wp_extern ext;
        ext.kind = x->kind;
        switch (x->kind) {
        case WP_EXTERN_FUNC:   ext.of.func = x->index < m->nfuncs ? inst->funcs[x->index] : NULL; break;
        case WP_EXTERN_TABLE:  ext.of.table = x->index < m->ntables ? inst->tables[x->index] : NULL; break;
        case WP_EXTERN_MEMORY: ext.of.memory = x->index < m->nmemories ? inst->memories[x->index] : NULL; break;
        case WP_EXTERN_GLOBAL: ext.of.global = x->index < m->nglobals ? inst->globals[x->index] : NULL; break;
        default:               ext.of.func = NULL; break;
        }
        if (NEVER(!extern_valid(ext)))
            return rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX,
                           "export %u of the instance names a missing object", i);
        wp_status s = define(im, module, (uint32_t)mlen, x->name.str, x->name.len, ext, err);
        if (s != WP_OK)
            return s;
    }
    return WP_OK;
}
