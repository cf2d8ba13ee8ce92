/* The operand stack and control stack of the spec's validation algorithm
 * (WebAssembly 2.0, appendix "Validation Algorithm"), used by the
 * translator (translate.c) while it reads a function body once.
 *
 * Each operand entry also records where its value is at this point of the
 * translated code (its own slot, a local, or a constant not yet written),
 * so the translator can avoid copies. The validator assigns every entry its
 * canonical slot (locals first, then the slots of the entries below it) and
 * keeps, per local, a chain of the entries that still name that local, so
 * that a write to the local can find them without scanning the stack.
 */
#ifndef WP_VALIDATE_H
#define WP_VALIDATE_H

#include "rt.h"

/* The unknown type of the polymorphic stack (after unreachable, br, ...). */
#define RT_ANY ((rt_valtype)0)

/* Deepest operand stack a function may need, in slots: a hostile body
 * could otherwise make the translator allocate far more than its size. */
#ifndef RT_MAX_OPERAND_SLOTS
#define RT_MAX_OPERAND_SLOTS (1u << 20)
#endif

#define RT_NONE UINT32_MAX

typedef enum rt_loc {
    RT_LOC_SLOT,    /* in its own slot */
    RT_LOC_LOCAL,   /* still in the local whose slot is `src` */
    RT_LOC_CONST    /* the constant `bits`, not yet written anywhere */
} rt_loc;

typedef struct rt_operand {
    rt_valtype type;   /* RT_ANY on the polymorphic stack */
    uint8_t    loc;    /* rt_loc */
    uint32_t   slot;   /* the entry's own (canonical) slot */
    uint32_t   src;    /* RT_LOC_LOCAL: the local's slot */
    uint32_t   next;   /* RT_LOC_LOCAL: index of the next lower entry naming the same local */
    uint64_t   bits;   /* RT_LOC_CONST: the value (i32/f32 in the low 32 bits; refs: 0) */
} rt_operand;

typedef enum rt_frame_kind {
    RT_FRAME_FUNC,
    RT_FRAME_BLOCK,
    RT_FRAME_LOOP,
    RT_FRAME_IF,     /* an `if` whose `else` has not been seen */
    RT_FRAME_ELSE
} rt_frame_kind;

typedef struct rt_ctrl {
    uint8_t           kind;         /* rt_frame_kind */
    bool              unreachable;  /* the rest of the frame is polymorphic */
    /* The block type. Single-type results point into a static table, so
     * frames can move when the control stack grows. */
    const rt_valtype *params, *results;
    uint32_t          nparams, nresults;
    uint32_t          height;       /* operand entries below the frame */
    uint32_t          base;         /* slot of its first param / result */
    /* Translation state. */
    bool              live_in;      /* code before the frame was reachable */
    bool              branched;     /* a reachable branch goes to its end */
    uint32_t          label;        /* loop: word index of the header */
    uint32_t          patches;      /* chain of forward branches to the end */
    uint32_t          else_patch;   /* if: chain of the jump to the else */
    uint32_t          stub;         /* br_table scratch: shared stub, RT_NONE */
} rt_ctrl;

typedef struct rt_validator {
    wp_engine  *engine;
    wp_error   *err;
    uint32_t    offset;        /* module offset of the current instruction */
    const char *what;          /* its name, for messages */

    rt_operand *vals;
    uint32_t    nvals, cap_vals;
    rt_ctrl    *ctrls;
    uint32_t    nctrls, cap_ctrls;
    rt_operand *tmp;           /* what rt_val_pop_vals popped */
    uint32_t    cap_tmp;

    uint32_t    base_slot;     /* first operand slot: the locals' slot count */
    uint32_t    max_slot;      /* end of the highest slot ever used */
    uint32_t   *local_head;    /* per local slot: topmost entry naming it, RT_NONE */
    uint32_t    nrefs;         /* entries that name a local */
} rt_validator;

wp_status rt_val_init(rt_validator *v, wp_engine *e, uint32_t local_slots, wp_error *err);
void      rt_val_fini(rt_validator *v);

/* "i32", "funcref", ... ("any" for RT_ANY). */
const char *rt_val_type_name(rt_valtype t);

/* Slot where the next pushed entry goes. */
uint32_t rt_val_top_slot(const rt_validator *v);

static inline rt_ctrl *rt_val_ctrl(rt_validator *v, uint32_t depth)
{
    return &v->ctrls[v->nctrls - 1 - depth];
}

/* Pushes an entry of type t in its own slot / naming a local / holding a
 * constant. *out (may be NULL) views the entry until the next push. */
wp_status rt_val_push(rt_validator *v, rt_valtype t, rt_operand **out);
wp_status rt_val_push_local(rt_validator *v, rt_valtype t, uint32_t local_slot);
wp_status rt_val_push_const(rt_validator *v, rt_valtype t, uint64_t bits);
/* Pushes a copy of e (its location kept, its slot recomputed). */
wp_status rt_val_push_entry(rt_validator *v, const rt_operand *e);

/* Pops one entry, checking it against expect (RT_ANY: any type). */
wp_status rt_val_pop(rt_validator *v, rt_valtype expect, rt_operand *out);
/* Pops types[n-1] ... types[0]; v->tmp[i] is the entry for types[i]. */
wp_status rt_val_pop_vals(rt_validator *v, const rt_valtype *types, uint32_t n);
/* Pushes v->tmp[0..n) back; with types, as those types (br_if). */
wp_status rt_val_push_tmp(rt_validator *v, uint32_t n, const rt_valtype *types);

/* Entry i no longer names a local (its value was copied to its slot). */
void rt_val_unlink(rt_validator *v, uint32_t i);

/* Control frames. Push after popping the params; the params are pushed
 * again in their own slots. */
wp_status rt_val_push_ctrl(rt_validator *v, rt_frame_kind kind,
                           const rt_valtype *params, uint32_t np,
                           const rt_valtype *results, uint32_t nr);
/* Checks that exactly the frame's height is left (after its results were
 * popped) and removes the frame. */
wp_status rt_val_pop_ctrl(rt_validator *v);
/* Types a branch to the frame carries. */
static inline const rt_valtype *rt_val_label_types(const rt_ctrl *c, uint32_t *n)
{
    if (c->kind == RT_FRAME_LOOP) {
        *n = c->nparams;
        return c->params;
    }
    *n = c->nresults;
    return c->results;
}
/* The rest of the current frame is unreachable: drop its operands. */
void rt_val_set_unreachable(rt_validator *v);

/* A one-element type list for a single value type, stable in memory. */
const rt_valtype *rt_val_single(rt_valtype t);

/* Fails with WP_ERR_INVALID "type mismatch: ..." at the current instruction. */
wp_status rt_val_mismatch(rt_validator *v, const char *fmt, ...) WP_PRINTF(2, 3);

#endif
