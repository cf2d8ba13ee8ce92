/* The word buffer of a function being translated, its forward-branch
 * chains, the copies that move operand values into place, and the fusing
 * of an instruction into the one just emitted (emit.h).
 */
#include <string.h>

#include "emit.h"

void rt_emit_init(rt_emit *e, wp_engine *eng, uint32_t limit)
{
    memset(e, 0, sizeof *e);
    e->engine = eng;
    e->limit = limit;
    e->last_end = RT_NONE;
    e->last_mov = RT_NONE;
}

void rt_emit_fini(rt_emit *e)
{
    rt_free(e->engine, e->words, (size_t)e->cap * sizeof *e->words);
    e->words = NULL;
    e->cap = e->n = 0;
    rt_free(e->engine, e->pos, (size_t)e->cap_pos * 2 * sizeof *e->pos);
    e->pos = NULL;
    e->npos = e->cap_pos = 0;
}

void rt_emit_mark(rt_emit *e)
{
    /* A pair at or past e->n describes words that were taken back. */
    while (e->npos > 0 && e->pos[2 * e->npos - 2] >= e->n)
        e->npos--;
    if (e->npos > 0 && e->pos[2 * e->npos - 1] == e->at)
        return;
    if (e->npos == e->cap_pos) {
        uint32_t ncap = e->cap_pos ? e->cap_pos * 2 : 64;
        uint32_t *p = rt_realloc(e->engine, e->pos, (size_t)e->cap_pos * 2 * sizeof *p,
                                 (size_t)ncap * 2 * sizeof *p);
        if (p == NULL) {
            e->failed = true;
            return;
        }
        e->pos = p;
        e->cap_pos = ncap;
    }
    e->pos[2 * e->npos] = e->n;
    e->pos[2 * e->npos + 1] = e->at;
    e->npos++;
}

bool rt_emit_reserve(rt_emit *e, uint32_t nwords)
{
    if (e->failed)
        return false;
    uint64_t need = (uint64_t)e->n + nwords;
    if (need > e->limit) {
        e->failed = true;
        return false;
    }
    uint64_t ncap = e->cap ? (uint64_t)e->cap * 2 : 256;
    while (ncap < need)
        ncap *= 2;
    if (ncap > e->limit)
        ncap = e->limit;
    uint32_t *w = rt_realloc(e->engine, e->words, (size_t)e->cap * sizeof *w,
                             (size_t)ncap * sizeof *w);
    if (w == NULL) {
        e->failed = true;
        return false;
    }
    e->words = w;
    e->cap = (uint32_t)ncap;
    return true;
}

void rt_emit_link(rt_emit *e, uint32_t *chain)
{
    if (e->off)
        return;
    uint32_t at = e->n;
    uint32_t w[1] = { *chain };
    rt_emit_words(e, w, 1);
    if (e->n == at + 1)
        *chain = at;
}

void rt_emit_resolve(rt_emit *e, uint32_t chain, uint32_t target)
{
    while (chain != RT_NONE) {
        if (NEVER(chain >= e->n))
            return;
        uint32_t next = e->words[chain];
        e->words[chain] = target;
        chain = next;
    }
}

static void emit_const(rt_emit *e, rt_valtype t, uint32_t dst, uint64_t bits)
{
    if (rt_is_ref(t)) {
        rt_emit1(e, IOP_ref_null, dst);
    } else if ((bits >> 32) == 0) {
        /* const32 zero-extends, which also serves i64/f64 values whose
         * upper half is zero. */
        rt_emit2(e, IOP_const32, dst, (uint32_t)bits);
    } else {
        WP_ASSERT(t == WP_I64 || t == WP_F64);
        rt_emit3(e, IOP_const64, dst, (uint32_t)bits, (uint32_t)(bits >> 32));
    }
}

/* One slot copy; it joins a mov just before it (no label between) into one
 * mov2, as copies come in runs (block results, loop-carried locals). */
static void emit_mov(rt_emit *e, uint32_t dst, uint32_t src)
{
    uint32_t at = e->last_mov;
    if (at != RT_NONE && at + 3 == e->n) {
        uint32_t w[2] = { dst, src };
        rt_emit_words(e, w, 2);
        if (e->n == at + 5)
            e->words[at] = IOP_mov2;
        return;
    }
    rt_emit2(e, IOP_mov, dst, src);
    if (!e->off && !e->failed)
        e->last_mov = e->n - 3;
}

static void emit_copy(rt_emit *e, rt_valtype t, uint32_t dst, uint32_t src)
{
    if (dst == src)
        return;
    emit_mov(e, dst, src);
    if (rt_slots_of(t) == 2)
        emit_mov(e, dst + 1, src + 1);
}

void rt_emit_move(rt_emit *e, rt_valtype t, uint32_t dst, const rt_operand *o)
{
    switch (o->loc) {
    case RT_LOC_CONST:
        emit_const(e, t, dst, o->bits);
        break;
    case RT_LOC_LOCAL:
        emit_copy(e, t, dst, o->src);
        break;
    default:
        emit_copy(e, t, dst, o->slot);
        break;
    }
}

void rt_emit_materialize(rt_emit *e, rt_operand *o)
{
    if (o->loc == RT_LOC_SLOT)
        return;
    rt_emit_move(e, o->type, o->slot, o);
    o->loc = RT_LOC_SLOT;
}

uint32_t rt_emit_operand(rt_emit *e, rt_operand *o)
{
    if (o->loc == RT_LOC_LOCAL)
        return o->src;
    if (o->loc == RT_LOC_CONST && rt_slots_of(o->type) == 1) {
        for (uint32_t i = 0; i < e->npool; i++)
            if (e->pool[i] == o->bits)
                return e->pool_base + i;
    }
    rt_emit_materialize(e, o);
    return o->slot;
}

void rt_emit_before_local_write(rt_emit *e, rt_validator *v, uint32_t local_slot)
{
    uint32_t i = v->local_head[local_slot];
    while (i != RT_NONE) {
        rt_operand *o = &v->vals[i];
        uint32_t next = o->next;
        emit_copy(e, o->type, o->slot, local_slot);
        o->loc = RT_LOC_SLOT;
        o->next = RT_NONE;
        v->nrefs--;
        i = next;
    }
    v->local_head[local_slot] = RT_NONE;
}

void rt_emit_spill_locals(rt_emit *e, rt_validator *v)
{
    /* Walks down only as far as the deepest entry that names a local; the
     * entries walked were all pushed since the previous spill, so the
     * total work stays linear in the body. */
    for (uint32_t i = v->nvals; i-- > 0 && v->nrefs > 0;) {
        rt_operand *o = &v->vals[i];
        if (o->loc != RT_LOC_LOCAL)
            continue;
        emit_copy(e, o->type, o->slot, o->src);
        v->local_head[o->src] = RT_NONE;
        o->loc = RT_LOC_SLOT;
        o->next = RT_NONE;
        v->nrefs--;
    }
}

/* Most declared locals enter zeroes by writing them as values. */
#define RT_ENTER_INLINE_ZEROS 8u

void rt_emit_enter(rt_emit *e, uint32_t first, uint32_t nlocals, const uint64_t *pool,
                   uint32_t npool)
{
    e->pool = pool;
    e->npool = npool;
    e->pool_base = nlocals;
    if (npool == 0 && nlocals == first)
        return;
    /* A few zeroed locals go in front of the constants, as values 0, so
     * that one copy writes them all. */
    uint32_t nzero = nlocals - first, inline_zeros = 0;
    if (nzero <= RT_ENTER_INLINE_ZEROS) {
        inline_zeros = nzero;
        nzero = 0;
    }
    rt_emit3(e, IOP_enter, first, nzero, inline_zeros + npool);
    for (uint32_t i = 0; i < inline_zeros; i++) {
        uint32_t w[2] = { 0, 0 };
        rt_emit_words(e, w, 2);
    }
    for (uint32_t i = 0; i < npool; i++) {
        uint32_t w[2] = { (uint32_t)pool[i], (uint32_t)(pool[i] >> 32) };
        rt_emit_words(e, w, 2);
    }
}

/* ---------------------------------------------------------------- fused instructions */

/* The compare-and-branch ops for a comparison: [0] jumps when it holds,
 * [1] when it does not. */
static bool fused_branch(uint32_t cmp, rt_iop *when_true, rt_iop *when_false)
{
    static const struct { rt_iop cmp, yes, no; } map[] = {
        { IOP_i32_eqz, IOP_br_unless, IOP_br_if },
        { IOP_i32_eq, IOP_br_i32_eq, IOP_br_i32_ne },
        { IOP_i32_ne, IOP_br_i32_ne, IOP_br_i32_eq },
        { IOP_i32_lt_s, IOP_br_i32_lt_s, IOP_br_i32_ge_s },
        { IOP_i32_lt_u, IOP_br_i32_lt_u, IOP_br_i32_ge_u },
        { IOP_i32_gt_s, IOP_br_i32_gt_s, IOP_br_i32_le_s },
        { IOP_i32_gt_u, IOP_br_i32_gt_u, IOP_br_i32_le_u },
        { IOP_i32_le_s, IOP_br_i32_le_s, IOP_br_i32_gt_s },
        { IOP_i32_le_u, IOP_br_i32_le_u, IOP_br_i32_gt_u },
        { IOP_i32_ge_s, IOP_br_i32_ge_s, IOP_br_i32_lt_s },
        { IOP_i32_ge_u, IOP_br_i32_ge_u, IOP_br_i32_lt_u },
        { IOP_i64_eqz, IOP_br_i64_eqz, IOP_br_i64_nez },
        { IOP_i64_eq, IOP_br_i64_eq, IOP_br_i64_ne },
        { IOP_i64_ne, IOP_br_i64_ne, IOP_br_i64_eq },
        { IOP_i64_lt_s, IOP_br_i64_lt_s, IOP_br_i64_ge_s },
        { IOP_i64_lt_u, IOP_br_i64_lt_u, IOP_br_i64_ge_u },
        { IOP_i64_gt_s, IOP_br_i64_gt_s, IOP_br_i64_le_s },
        { IOP_i64_gt_u, IOP_br_i64_gt_u, IOP_br_i64_le_u },
        { IOP_i64_le_s, IOP_br_i64_le_s, IOP_br_i64_gt_s },
        { IOP_i64_le_u, IOP_br_i64_le_u, IOP_br_i64_gt_u },
        { IOP_i64_ge_s, IOP_br_i64_ge_s, IOP_br_i64_lt_s },
        { IOP_i64_ge_u, IOP_br_i64_ge_u, IOP_br_i64_lt_u },
    };
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (map[i].cmp == cmp) {
            *when_true = map[i].yes;
            *when_false = map[i].no;
            return true;
        }
    }
    return false;
}

void rt_emit_cond_branch(rt_emit *e, const rt_operand *cond, uint32_t cs, bool when)
{
    rt_iop yes, no;
    if (cond->loc == RT_LOC_SLOT && rt_emit_can_redirect(e, cond->slot) &&
        fused_branch(e->words[e->last_start], &yes, &no)) {
        uint32_t start = e->last_start;
        uint32_t nops = e->last_end - start - 2;   /* the compare's operands */
        uint32_t w[3] = { when ? yes : no, e->words[start + 2],
                          nops > 1 ? e->words[start + 3] : 0 };
        e->n = start;
        rt_emit_words(e, w, 1 + nops);
        return;
    }
    rt_emit1(e, when ? IOP_br_if : IOP_br_unless, cs);
}

rt_iop rt_emit_address_add(uint32_t iop)
{
    switch (iop) {
    case IOP_i32_load: return IOP_i32_load_add;
    case IOP_i64_load: return IOP_i64_load_add;
    case IOP_i32_load8_s: return IOP_i32_load8_s_add;
    case IOP_i32_load8_u: return IOP_i32_load8_u_add;
    case IOP_i32_load16_s: return IOP_i32_load16_s_add;
    case IOP_i32_load16_u: return IOP_i32_load16_u_add;
    case IOP_i32_store: return IOP_i32_store_add;
    case IOP_i64_store: return IOP_i64_store_add;
    case IOP_i32_store8: return IOP_i32_store8_add;
    case IOP_i32_store16: return IOP_i32_store16_add;
    default: return 0;
    }
}

bool rt_emit_take_add(rt_emit *e, const rt_operand *a, uint32_t *x, uint32_t *y)
{
    if (a->loc != RT_LOC_SLOT || !rt_emit_can_redirect(e, a->slot) ||
        e->words[e->last_start] != IOP_i32_add)
        return false;
    *x = e->words[e->last_start + 2];
    *y = e->words[e->last_start + 3];
    e->n = e->last_start;
    e->last_end = RT_NONE;
    return true;
}
