/* The operand and control stacks of function validation: type checks with
 * the polymorphic stack of unreachable code, canonical slot assignment and
 * the per-local chains of entries that still name a local (validate.h).
 * The translator drives it one instruction at a time.
 */
#include <stdio.h>
#include <string.h>

#include "validate.h"

/* Every value type is its own one-element list (0x6f .. 0x7f). */
static const rt_valtype single_types[] = {
    0x6f, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77,
    0x78, 0x79, 0x7a, 0x7b, 0x7c, 0x7d, 0x7e, 0x7f,
};

const rt_valtype *rt_val_single(rt_valtype t)
{
    if (NEVER(t < 0x6f || t > 0x7f))
        return &single_types[0x7f - 0x6f];
    return &single_types[t - 0x6f];
}

const char *rt_val_type_name(rt_valtype t)
{
    switch (t) {
    case WP_I32: return "i32";
    case WP_I64: return "i64";
    case WP_F32: return "f32";
    case WP_F64: return "f64";
    case WP_V128: return "v128";
    case WP_FUNCREF: return "funcref";
    case WP_EXTERNREF: return "externref";
    case RT_ANY: return "any";
    default: return "?";
    }
}

wp_status rt_val_init(rt_validator *v, wp_engine *e, uint32_t local_slots, wp_error *err)
{
    memset(v, 0, sizeof *v);
    v->engine = e;
    v->err = err;
    v->offset = UINT32_MAX;
    v->what = "";
    v->base_slot = local_slots;
    v->max_slot = local_slots;
    if (local_slots > 0) {
        v->local_head = rt_alloc(e, (size_t)local_slots * sizeof *v->local_head);
        if (v->local_head == NULL)
            return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX, "out of memory for %u locals",
                           local_slots);
        memset(v->local_head, 0xff, (size_t)local_slots * sizeof *v->local_head);
    }
    return WP_OK;
}

void rt_val_fini(rt_validator *v)
{
    rt_free(v->engine, v->vals, (size_t)v->cap_vals * sizeof *v->vals);
    rt_free(v->engine, v->ctrls, (size_t)v->cap_ctrls * sizeof *v->ctrls);
    rt_free(v->engine, v->tmp, (size_t)v->cap_tmp * sizeof *v->tmp);
    rt_free(v->engine, v->local_head, (size_t)v->base_slot * sizeof *v->local_head);
    memset(v, 0, sizeof *v);
}

wp_status rt_val_mismatch(rt_validator *v, const char *fmt, ...)
{
    char detail[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return rt_fail(v->err, WP_ERR_INVALID, v->offset, "type mismatch: %s in %s", detail,
                   v->what);
}

/* Grows *arr (of *cap elements of size sz) to hold at least need. */
static wp_status grow(rt_validator *v, void **arr, uint32_t *cap, uint32_t need, size_t sz)
{
    if (need <= *cap)
        return WP_OK;
    uint64_t ncap = *cap ? (uint64_t)*cap * 2 : 16;
    while (ncap < need)
        ncap *= 2;
    void *p = rt_realloc(v->engine, *arr, (size_t)*cap * sz, (size_t)ncap * sz);
    if (p == NULL)
        return rt_fail(v->err, WP_ERR_NOMEM, v->offset, "out of memory for the validator");
    *arr = p;
    *cap = (uint32_t)ncap;
    return WP_OK;
}

uint32_t rt_val_top_slot(const rt_validator *v)
{
    if (v->nvals == 0)
        return v->base_slot;
    const rt_operand *e = &v->vals[v->nvals - 1];
    return e->slot + rt_slots_of(e->type);
}

/* The entry is written field by field rather than copied from one built
 * by the caller: pushes are the validator's most frequent operation, and
 * a wide load of a struct just written in narrow stores stalls the CPU's
 * store forwarding. */
static inline wp_status push_raw(rt_validator *v, rt_valtype type, uint8_t loc, uint32_t src,
                                 uint64_t bits, rt_operand **out)
{
    uint32_t slot = rt_val_top_slot(v);
    uint32_t end = slot + rt_slots_of(type);
    if (end - v->base_slot > RT_MAX_OPERAND_SLOTS)
        return rt_fail(v->err, WP_ERR_NOMEM, v->offset,
                       "operand stack deeper than %u slots", RT_MAX_OPERAND_SLOTS);
    if (v->nvals >= v->cap_vals) {
        wp_status st = grow(v, (void **)&v->vals, &v->cap_vals, v->nvals + 1, sizeof *v->vals);
        if (st != WP_OK)
            return st;
    }
    uint32_t i = v->nvals++;
    rt_operand *n = &v->vals[i];
    n->type = type;
    n->loc = loc;
    n->slot = slot;
    n->src = src;
    n->next = RT_NONE;
    n->bits = bits;
    if (loc == RT_LOC_LOCAL) {
        n->next = v->local_head[src];
        v->local_head[src] = i;
        v->nrefs++;
    }
    if (end > v->max_slot)
        v->max_slot = end;
    if (out != NULL)
        *out = n;
    return WP_OK;
}

wp_status rt_val_push(rt_validator *v, rt_valtype t, rt_operand **out)
{
    return push_raw(v, t, RT_LOC_SLOT, 0, 0, out);
}

wp_status rt_val_push_local(rt_validator *v, rt_valtype t, uint32_t local_slot)
{
    if (NEVER(local_slot >= v->base_slot))
        return rt_fail(v->err, WP_ERR_INTERNAL, v->offset, "local slot %u out of range",
                       local_slot);
    return push_raw(v, t, RT_LOC_LOCAL, local_slot, 0, NULL);
}

wp_status rt_val_push_const(rt_validator *v, rt_valtype t, uint64_t bits)
{
    return push_raw(v, t, RT_LOC_CONST, 0, bits, NULL);
}

wp_status rt_val_push_entry(rt_validator *v, const rt_operand *e)
{
    return push_raw(v, e->type, e->loc, e->src, e->bits, NULL);
}

void rt_val_unlink(rt_validator *v, uint32_t i)
{
    rt_operand *e = &v->vals[i];
    if (e->loc != RT_LOC_LOCAL)
        return;
    uint32_t *link = &v->local_head[e->src];
    /* Entries are almost always unlinked from the top of their chain; the
     * walk is only a fallback. */
    while (*link != RT_NONE && *link != i)
        link = &v->vals[*link].next;
    if (NEVER(*link != i))
        return;
    *link = e->next;
    e->next = RT_NONE;
    e->loc = RT_LOC_SLOT;
    v->nrefs--;
}

wp_status rt_val_pop(rt_validator *v, rt_valtype expect, rt_operand *out)
{
    const rt_ctrl *c = &v->ctrls[v->nctrls - 1];
    if (v->nvals == c->height) {
        if (c->unreachable) {
            memset(out, 0, sizeof *out);
            out->type = RT_ANY;
            out->loc = RT_LOC_SLOT;
            out->slot = rt_val_top_slot(v);
            out->next = RT_NONE;
            return WP_OK;
        }
        return rt_val_mismatch(v, "expected %s, got nothing", rt_val_type_name(expect));
    }
    uint32_t i = v->nvals - 1;
    rt_operand *e = &v->vals[i];
    if (expect != RT_ANY && e->type != RT_ANY && e->type != expect)
        return rt_val_mismatch(v, "expected %s, got %s", rt_val_type_name(expect),
                               rt_val_type_name(e->type));
    if (e->loc == RT_LOC_LOCAL) {
        WP_ASSERT(v->local_head[e->src] == i);
        v->local_head[e->src] = e->next;
        v->nrefs--;
    }
    *out = *e;
    out->next = RT_NONE;
    v->nvals--;
    return WP_OK;
}

wp_status rt_val_pop_vals(rt_validator *v, const rt_valtype *types, uint32_t n)
{
    wp_status st = grow(v, (void **)&v->tmp, &v->cap_tmp, n, sizeof *v->tmp);
    if (st != WP_OK)
        return st;
    for (uint32_t i = n; i-- > 0;) {
        st = rt_val_pop(v, types[i], &v->tmp[i]);
        if (st != WP_OK)
            return st;
    }
    return WP_OK;
}

wp_status rt_val_push_tmp(rt_validator *v, uint32_t n, const rt_valtype *types)
{
    for (uint32_t i = 0; i < n; i++) {
        const rt_operand *e = &v->tmp[i];
        wp_status st = push_raw(v, types != NULL ? types[i] : e->type, e->loc, e->src, e->bits,
                                NULL);
        if (st != WP_OK)
            return st;
    }
    return WP_OK;
}

wp_status rt_val_push_ctrl(rt_validator *v, rt_frame_kind kind,
                           const rt_valtype *params, uint32_t np,
                           const rt_valtype *results, uint32_t nr)
{
    wp_status st = grow(v, (void **)&v->ctrls, &v->cap_ctrls, v->nctrls + 1, sizeof *v->ctrls);
    if (st != WP_OK)
        return st;
    rt_ctrl *c = &v->ctrls[v->nctrls++];
    memset(c, 0, sizeof *c);
    c->kind = (uint8_t)kind;
    c->params = params;
    c->nparams = np;
    c->results = results;
    c->nresults = nr;
    c->height = v->nvals;
    c->base = rt_val_top_slot(v);
    c->label = RT_NONE;
    c->patches = RT_NONE;
    c->else_patch = RT_NONE;
    c->stub = RT_NONE;
    for (uint32_t i = 0; i < np; i++) {
        st = rt_val_push(v, params[i], NULL);
        if (st != WP_OK)
            return st;
    }
    return WP_OK;
}

wp_status rt_val_pop_ctrl(rt_validator *v)
{
    const rt_ctrl *c = &v->ctrls[v->nctrls - 1];
    if (v->nvals != c->height)
        return rt_val_mismatch(v, "%u value(s) left on the stack at the end of the block",
                               v->nvals - c->height);
    v->nctrls--;
    return WP_OK;
}

void rt_val_set_unreachable(rt_validator *v)
{
    rt_ctrl *c = &v->ctrls[v->nctrls - 1];
    while (v->nvals > c->height) {
        rt_operand dropped;
        (void)rt_val_pop(v, RT_ANY, &dropped);
    }
    c->unreachable = true;
}
