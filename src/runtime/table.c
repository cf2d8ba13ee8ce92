/* Tables of references. Entries are pointers: a wp_func * for funcref, the
 * host's pointer for externref, NULL for the null reference. Unlike a
 * memory, a table's array is reallocated as it grows (it is small next to
 * a memory, and the interpreter reloads t->elems at every access).
 *
 * A table also keeps the instances whose start-up failed after they had
 * stored their own functions in it (see instance.c): those functions stay
 * callable through the table, as the spec requires, so the instance lives
 * until the table dies. */
#include <stdio.h>
#include <string.h>

#include "rt.h"

static bool is_ref_type(uint32_t t) { return t == WP_FUNCREF || t == WP_EXTERNREF; }

wp_status rt_table_init(wp_table *t, wp_engine *e, rt_tabletype type, rt_budget *budget,
                        wp_error *err)
{
    memset(t, 0, sizeof *t);
    t->engine = e;
    t->elem = type.elem;
    t->declared = type.limits;
    if (!is_ref_type(type.elem))
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX, "table element type 0x%02x is not a reference type",
                       (unsigned)type.elem);
    if (type.limits.has_max && type.limits.min > type.limits.max)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX, "table limits invalid: min %u above max %u",
                       type.limits.min, type.limits.max);
    uint32_t max = WP_MAX_TABLE_ENTRIES;
    if (type.limits.has_max && type.limits.max < max)
        max = type.limits.max;
    if (type.limits.min > max)
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX,
                       "table of %u entries is above the limit of %u entries",
                       type.limits.min, max);
    if (type.limits.min > 0) {
        char what[64];
        snprintf(what, sizeof what, "a table of %u entries", type.limits.min);
        wp_status s = rt_budget_charge(budget, (uint64_t)type.limits.min * sizeof *t->elems,
                                       err, what);
        if (s != WP_OK)
            return s;
        t->elems = rt_alloc(e, (size_t)type.limits.min * sizeof *t->elems);
        if (t->elems == NULL) {
            rt_budget_give(budget, (uint64_t)type.limits.min * sizeof *t->elems);
            return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX,
                           "out of memory allocating a table of %u entries", type.limits.min);
        }
    }
    t->size = t->cap = type.limits.min;
    t->max = max;
    t->budget = budget;
    return WP_OK;
}

void rt_table_fini(wp_table *t)
{
    while (t->kept != NULL) {
        wp_instance *in = t->kept;
        t->kept = in->next_kept;
        in->next_kept = NULL;
        wp_instance_destroy(in);
    }
    rt_free(t->engine, t->elems, (size_t)t->cap * sizeof *t->elems);
    rt_budget_give(t->budget, (uint64_t)t->cap * sizeof *t->elems);
    t->elems = NULL;
    t->size = t->cap = 0;
}

int64_t rt_table_grow(wp_table *t, uint32_t delta, void *init)
{
    uint32_t old = t->size;
    if (delta > t->max || old > t->max - delta)
        return -1;
    uint32_t want = old + delta;
    if (want > t->cap) {
        /* Double to keep repeated table.grow linear, but never past max. */
        uint32_t cap = t->cap > t->max / 2 ? t->max : t->cap * 2;
        if (cap < want)
            cap = want;
        /* Doubling must not spend budget that exact growth would not. */
        if (!rt_budget_take(t->budget, (uint64_t)(cap - t->cap) * sizeof(void *))) {
            cap = want;
            if (!rt_budget_take(t->budget, (uint64_t)(cap - t->cap) * sizeof(void *)))
                return -1;
        }
        void **p = rt_realloc(t->engine, t->elems, (size_t)t->cap * sizeof *p,
                              (size_t)cap * sizeof *p);
        if (p == NULL) {
            rt_budget_give(t->budget, (uint64_t)(cap - t->cap) * sizeof(void *));
            return -1;
        }
        t->elems = p;
        t->cap = cap;
    }
    for (uint32_t i = old; i < want; i++)
        t->elems[i] = init;
    t->size = want;
    return old;
}

/* ---------------------------------------------------------------- public API */

wp_status wp_table_create(wp_engine *e, wp_valtype elem, wp_limits limits,
                          wp_table **out, wp_error *err)
{
    if (out == NULL)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX, "wp_table_create: out is NULL");
    *out = NULL;
    if (e == NULL)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX, "wp_table_create: engine is NULL");
    if (!is_ref_type((uint32_t)elem))
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                       "wp_table_create: element type 0x%02x is not funcref or externref",
                       (unsigned)elem);
    wp_table *t = rt_alloc(e, sizeof *t);
    if (t == NULL)
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX, "wp_table_create: out of memory");
    rt_tabletype type = { (rt_valtype)elem, { limits.min, limits.max, limits.has_max } };
    wp_status s = rt_table_init(t, e, type, NULL, err);
    if (s != WP_OK) {
        rt_table_fini(t);
        rt_free(e, t, sizeof *t);
        return s;
    }
    *out = t;
    return WP_OK;
}

void wp_table_destroy(wp_table *t)
{
    /* An instance's table dies with the instance. */
    if (t == NULL || t->owned_by_instance)
        return;
    wp_engine *e = t->engine;
    rt_table_fini(t);
    rt_free(e, t, sizeof *t);
}

uint32_t wp_table_size(const wp_table *t)
{
    return t ? t->size : 0;
}

wp_status wp_table_get(const wp_table *t, uint32_t i, wp_value *out, wp_error *err)
{
    if (t == NULL || out == NULL)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX, "wp_table_get: table or out is NULL");
    if (i >= t->size)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                       "wp_table_get: index %u out of bounds (table size %u)", i, t->size);
    memset(out, 0, sizeof *out);
    out->type = (wp_valtype)t->elem;
    if (t->elem == WP_FUNCREF)
        out->of.funcref = t->elems[i];
    else
        out->of.externref = t->elems[i];
    return WP_OK;
}

wp_status wp_table_set(wp_table *t, uint32_t i, const wp_value *v, wp_error *err)
{
    if (t == NULL || v == NULL)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX, "wp_table_set: table or value is NULL");
    if ((uint32_t)v->type != t->elem)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                       "wp_table_set: value type 0x%02x does not match element type 0x%02x",
                       (unsigned)v->type, (unsigned)t->elem);
    if (i >= t->size)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                       "wp_table_set: index %u out of bounds (table size %u)", i, t->size);
    t->elems[i] = t->elem == WP_FUNCREF ? (void *)v->of.funcref : v->of.externref;
    return WP_OK;
}
