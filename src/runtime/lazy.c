/* The parts of a module that are done on first use rather than at compile
 * time: translating a function's body to the internal code on its first
 * call, and reading the "name" section when a message first needs a name.
 *
 * Compilation has already validated every body, so a translation can only
 * fail for want of memory (or the code-size limit, reported the same way).
 * Each function is translated once per module: the first caller takes the
 * module's lock, translates, writes the rt_code fields and then sets
 * `ready` with release order; a caller that sees `ready` (acquire) reads
 * the fields without the lock. A wp_func caches the result in its `code`
 * pointer, so after the first call of a function in an instance the
 * interpreter's call path is what it is with eager translation: one load
 * of wp_func.code.
 */
#include "rt.h"
#include "code.h"

static const uint32_t lazy_words[1] = { IOP_lazy };

const rt_code rt_code_lazy = {
    .words = lazy_words,
    .entry = lazy_words,
    .nwords = 1,
};

wp_status rt_module_code(wp_module *m, uint32_t func_index, const rt_code **out,
                         wp_error *err)
{
    if (NEVER(func_index < m->nfunc_imports || func_index >= m->nfuncs))
        return rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "function %u has no body", func_index);
    rt_code *c = &m->codes[func_index - m->nfunc_imports];
    if (atomic_load_explicit(&c->ready, memory_order_acquire)) {
        *out = c;
        return WP_OK;
    }
    wp_status st = WP_OK;
    pthread_mutex_lock(&m->lock);
    if (!atomic_load_explicit(&c->ready, memory_order_relaxed)) {
        st = rt_translate_function(m, func_index, c->body, c->body_len, c->body_offset, err);
        if (st == WP_OK) {
            atomic_store_explicit(&c->ready, 1, memory_order_release);
            atomic_fetch_add_explicit(&m->ntranslated, 1, memory_order_relaxed);
        } else
            rt_error_prefix(err, "translating function %u", func_index);
    }
    pthread_mutex_unlock(&m->lock);
    if (st == WP_OK)
        *out = c;
    return st;
}

WP_API wp_status wp_module_translate_all(wp_module *m, wp_error *err)
{
    for (uint32_t f = m->nfunc_imports; f < m->nfuncs; f++) {
        const rt_code *c;
        wp_status st = rt_module_code(m, f, &c, err);
        if (st != WP_OK)
            return st;
    }
    return WP_OK;
}

WP_API uint32_t wp_module_translated_count(const wp_module *m)
{
    return atomic_load_explicit(&((wp_module *)m)->ntranslated, memory_order_relaxed);
}

const char *rt_module_func_name(wp_module *m, uint32_t func_index)
{
    if (m == NULL || func_index >= m->nfuncs)
        return NULL;
    if (m->name_section != NULL && !atomic_load_explicit(&m->names_read, memory_order_acquire)) {
        pthread_mutex_lock(&m->lock);
        if (!atomic_load_explicit(&m->names_read, memory_order_relaxed) &&
            rt_dec_read_names(m) == WP_OK)
            atomic_store_explicit(&m->names_read, true, memory_order_release);
        pthread_mutex_unlock(&m->lock);
    }
    /* With no section left to read, func_names is complete as it is. */
    bool names = m->name_section == NULL || atomic_load_explicit(&m->names_read,
                                                                 memory_order_acquire);
    if (names && m->func_names != NULL && m->func_names[func_index].len > 0)
        return m->func_names[func_index].str;
    /* Without a name section, the first export name is the best label. */
    for (uint32_t i = 0; i < m->nexports; i++) {
        const rt_export *x = &m->exports[i];
        if (x->kind == WP_EXTERN_FUNC && x->index == func_index)
            return x->name.str;
    }
    return NULL;
}
