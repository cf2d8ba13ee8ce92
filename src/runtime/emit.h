/* Writing the internal code (code.h) of one function: a growable word
 * buffer, chains of forward branches waiting for their target, and the
 * copies that put operand values where an instruction or a branch needs
 * them. Used by the translator (translate.c).
 *
 * While the code being translated is unreachable, `off` is set and every
 * emitting call does nothing, so the translator can validate dead code with
 * the same paths as live code.
 */
#ifndef WP_EMIT_H
#define WP_EMIT_H

#include "code.h"
#include "validate.h"

typedef struct rt_emit {
    wp_engine *engine;
    uint32_t  *words;
    uint32_t   n, cap;
    uint32_t   limit;       /* most words this function may take */
    bool       off;         /* unreachable code: emit nothing */
    bool       failed;      /* out of memory or over the limit; words are junk */
    /* The last instruction, when its result could go straight to a local
     * instead (rt_emit_result): [last_start, last_end) with its destination
     * slot at word last_start + 1. last_end is RT_NONE when there is none. */
    uint32_t   last_start, last_end;
    /* Word index of the last instruction when it is a mov that a next mov
     * may join (as a mov2), else RT_NONE. */
    uint32_t   last_mov;
    bool       labeled;     /* some position has become a branch target */
    /* The function's constant pool: pool[i] is in slot pool_base + i. */
    const uint64_t *pool;
    uint32_t   npool, pool_base;
    /* Positions (rt_code.pos): `at` is the module offset of the wasm
     * instruction being translated; pos holds npos pairs (word index, at)
     * for the words emitted so far. Words taken back (a fusion) lose their
     * pairs when the next words are emitted. */
    uint32_t   at;
    uint32_t  *pos;
    uint32_t   npos, cap_pos;
} rt_emit;

void rt_emit_init(rt_emit *e, wp_engine *eng, uint32_t limit);
void rt_emit_fini(rt_emit *e);

/* Slow path of emitting: grows the buffer (or sets failed). */
bool rt_emit_reserve(rt_emit *e, uint32_t nwords);

/* Slow path of keeping positions: a new pair for e->at at e->n, after
 * dropping the pairs of words taken back. */
void rt_emit_mark(rt_emit *e);

static inline void rt_emit_words(rt_emit *e, const uint32_t *w, uint32_t n)
{
    e->last_end = RT_NONE;
    e->last_mov = RT_NONE;
    if (e->off || (e->cap - e->n < n && !rt_emit_reserve(e, n)))
        return;
    if (e->npos == 0 || e->pos[2 * e->npos - 1] != e->at || e->pos[2 * e->npos - 2] > e->n)
        rt_emit_mark(e);
    for (uint32_t i = 0; i < n; i++)
        e->words[e->n + i] = w[i];
    e->n += n;
}

static inline void rt_emit0(rt_emit *e, rt_iop op)
{
    uint32_t w[1] = { op };
    rt_emit_words(e, w, 1);
}
static inline void rt_emit1(rt_emit *e, rt_iop op, uint32_t a)
{
    uint32_t w[2] = { op, a };
    rt_emit_words(e, w, 2);
}
static inline void rt_emit2(rt_emit *e, rt_iop op, uint32_t a, uint32_t b)
{
    uint32_t w[3] = { op, a, b };
    rt_emit_words(e, w, 3);
}
static inline void rt_emit3(rt_emit *e, rt_iop op, uint32_t a, uint32_t b, uint32_t c)
{
    uint32_t w[4] = { op, a, b, c };
    rt_emit_words(e, w, 4);
}
static inline void rt_emit4(rt_emit *e, rt_iop op, uint32_t a, uint32_t b, uint32_t c,
                            uint32_t d)
{
    uint32_t w[5] = { op, a, b, c, d };
    rt_emit_words(e, w, 5);
}
static inline void rt_emit5(rt_emit *e, rt_iop op, uint32_t a, uint32_t b, uint32_t c,
                            uint32_t d, uint32_t f)
{
    uint32_t w[6] = { op, a, b, c, d, f };
    rt_emit_words(e, w, 6);
}

/* Word index of the next instruction. */
static inline uint32_t rt_emit_pc(const rt_emit *e) { return e->n; }

/* The instruction just emitted from `start` writes its one result to the
 * slot in word start + 1: a following local.set may redirect it. */
static inline void rt_emit_result(rt_emit *e, uint32_t start)
{
    if (!e->off && !e->failed && start < e->n)
        e->last_start = start, e->last_end = e->n;
}

/* Whether the last instruction wrote the result slot `slot` and nothing has
 * been emitted or become a branch target since. */
static inline bool rt_emit_can_redirect(const rt_emit *e, uint32_t slot)
{
    return !e->off && e->last_end == e->n && e->words[e->last_start + 1] == slot;
}

/* The current position becomes a branch target; returns it. */
static inline uint32_t rt_emit_label(rt_emit *e)
{
    e->last_end = RT_NONE;
    e->last_mov = RT_NONE;
    e->labeled = true;
    return e->n;
}

/* Emits a branch-target word that the end of a frame will fill in, adding
 * it to *chain (the chain is threaded through the words themselves). */
void rt_emit_link(rt_emit *e, uint32_t *chain);
/* Fills every word of a chain with target. */
void rt_emit_resolve(rt_emit *e, uint32_t chain, uint32_t target);

/* Copies the value of o (of type t) to slot dst; nothing when it is
 * already there. */
void rt_emit_move(rt_emit *e, rt_valtype t, uint32_t dst, const rt_operand *o);
/* Slot an instruction reads o from: a constant of the pool is read where
 * the pool holds it; another constant is first written to o's own slot (o
 * then says so). */
uint32_t rt_emit_operand(rt_emit *e, rt_operand *o);
/* Puts o in its own slot (for block params, call arguments). */
void rt_emit_materialize(rt_emit *e, rt_operand *o);

/* Before local_slot is written: copies it to the own slot of every stack
 * entry that still names it. */
void rt_emit_before_local_write(rt_emit *e, rt_validator *v, uint32_t local_slot);
/* At a block boundary: no entry may keep naming a local. */
void rt_emit_spill_locals(rt_emit *e, rt_validator *v);

/* Starts the code with the `enter` that zeroes the declared locals
 * [first, nlocals) and writes the constant pool after them (none when
 * there is nothing to do); pool[i] is then read from slot nlocals + i.
 * pool must live until the function is translated. */
void rt_emit_enter(rt_emit *e, uint32_t first, uint32_t nlocals, const uint64_t *pool,
                   uint32_t npool);

/* Fusing with the instruction just emitted: when it computed an operand
 * that nothing else reads (the operand is in its own slot, which that
 * instruction wrote, and nothing was emitted or became a branch target
 * since), it is removed and the next instruction does its work. */

/* Emits a branch taken when the i32 condition (read from slot cs) is
 * nonzero (when) or zero (!when), without its target word, which the
 * caller emits next. A condition computed by an integer comparison becomes
 * a compare-and-branch (br_i32_lt_s, ...; the inverted one for !when). */
void rt_emit_cond_branch(rt_emit *e, const rt_operand *cond, uint32_t cs, bool when);
/* The load or store that adds its address from two slots (i32_load_add,
 * ...), or 0 when iop has no such form. */
rt_iop rt_emit_address_add(uint32_t iop);
/* When operand a was computed by an i32.add: removes it and returns its
 * two operand slots. */
bool rt_emit_take_add(rt_emit *e, const rt_operand *a, uint32_t *x, uint32_t *y);

#endif
