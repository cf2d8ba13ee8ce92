/* Validation and translation of one function body, in a single pass.
 *
 * Each instruction is first decoded (every malformed-binary check lives in
 * decode_instr), then validated by the spec's algorithm (validate.c) and
 * translated to the internal code (code.h, emit.c). Operand values stay
 * where they are (a local, a constant) until something needs them in a
 * slot, so that `local.get` and constants cost nothing and a result can go
 * straight into the local that `local.set` names.
 *
 * The spec decodes a whole binary before validating it, so a body that is
 * invalid early and malformed later must be reported as malformed: after a
 * validation failure the rest of the body is still decoded (skim_rest).
 *
 * Validation alone (rt_validate_function, what compilation runs when
 * translation is lazy) is the same pass with the whole body treated as
 * unreachable code: nothing is emitted, and unreachable code is validated
 * by exactly the paths that validate live code.
 */
#include <stdlib.h>
#include <string.h>

#include "emit.h"
#include "libc_match.h"
#include "reader.h"
#include "translate_simd.h"
#include "unsupported.h"
#include "validate.h"

/* ---------------------------------------------------------------- decoded instructions */

enum { BT_EMPTY, BT_VALUE, BT_INDEX };

typedef struct instr {
    uint32_t   op;     /* opcode byte, or 0xFC00 / 0xFD00 | sub-opcode */
    uint32_t   at;     /* module offset of the opcode */
    uint32_t   a, b;   /* immediates: indices; memarg align (a) and offset (b) */
    uint32_t   mem, mem2;  /* memory indices (memory.copy: destination, source) */
    uint64_t   bits;   /* constants */
    uint8_t    bt;     /* block type kind; the type is t or index a */
    rt_valtype t;      /* block type / select / ref.null value type */
    rt_simd_instr simd; /* 0xFD: its immediates */
} instr;

typedef struct tr {
    wp_module         *m;
    const rt_functype *type;
    rt_reader          r;
    wp_error          *err;
    rt_validator       v;
    rt_emit            e;
    bool               live;       /* the code being emitted can run */
    bool               validate_only; /* emit nothing (rt_validate_function) */

    uint32_t           nlocals;    /* params and declared locals */
    rt_valtype        *local_type;
    uint32_t          *local_slot;
    uint32_t           local_slots;

    uint32_t          *scratch;    /* br_table labels and pending stubs */
    uint32_t           cap_scratch;

    uint64_t           written;    /* declared locals 0..63 (by slot) written so far */
    uint64_t           pool[WP_CONST_POOL_SLOTS > 0 ? WP_CONST_POOL_SLOTS : 1];
    uint32_t           npool;      /* constants in the frame (code.h, const_pool) */
} tr;

/* Numeric and memory rows of opcodes.def. */
enum { K_UN = 1, K_BIN, K_LOAD, K_STORE };
typedef struct num_info {
    uint8_t    kind;
    rt_valtype tin, tout;   /* LOAD: tout; STORE: tin */
    uint8_t    align;       /* log2 of the natural alignment */
    uint32_t   iop;
} num_info;

#define I32 WP_I32
#define I64 WP_I64
#define F32 WP_F32
#define F64 WP_F64
static bool numeric_info(uint32_t op, num_info *o)
{
    switch (op) {
#define UN(code, id, name, a, r) \
    case code: *o = (num_info){ K_UN, a, r, 0, IOP_##id }; return true;
#define BIN(code, id, name, a, r) \
    case code: *o = (num_info){ K_BIN, a, r, 0, IOP_##id }; return true;
#define LOAD(code, id, name, r, al) \
    case code: *o = (num_info){ K_LOAD, WP_I32, r, al, IOP_##id }; return true;
#define STORE(code, id, name, a, al) \
    case code: *o = (num_info){ K_STORE, a, 0, al, IOP_##id }; return true;
#include "opcodes.def"
    default:
        return false;
    }
}
#undef I32
#undef I64
#undef F32
#undef F64

static const char *op_name(uint32_t op)
{
    switch (op) {
#define CTRL(code, id, name) case code: return name;
#define UN(code, id, name, a, r) case code: return name;
#define BIN(code, id, name, a, r) case code: return name;
#define LOAD(code, id, name, r, al) case code: return name;
#define STORE(code, id, name, a, al) case code: return name;
#include "opcodes.def"
    default:
        return (op >> 8) == 0xfd ? rt_simd_name(op) : "?";
    }
}

static bool is_valtype(uint8_t b)
{
    return b == WP_I32 || b == WP_I64 || b == WP_F32 || b == WP_F64 || b == WP_V128 ||
           b == WP_FUNCREF || b == WP_EXTERNREF;
}

/* ---------------------------------------------------------------- errors */

static wp_status invalid(tr *t, const char *fmt, ...) WP_PRINTF(2, 3);
static wp_status invalid(tr *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rt_failv(t->err, WP_ERR_INVALID, t->v.offset, fmt, ap);
    va_end(ap);
    return WP_ERR_INVALID;
}

static wp_status malformed_at(tr *t, uint32_t at, const char *fmt, ...) WP_PRINTF(3, 4);
static wp_status malformed_at(tr *t, uint32_t at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rt_failv(t->err, WP_ERR_MALFORMED, at, fmt, ap);
    va_end(ap);
    return WP_ERR_MALFORMED;
}

static wp_status grow_scratch(tr *t, uint64_t need)
{
    if (need <= t->cap_scratch)
        return WP_OK;
    if (need > UINT32_MAX / sizeof *t->scratch)
        return rt_fail(t->err, WP_ERR_NOMEM, t->v.offset, "br_table too large");
    uint32_t *p = rt_realloc(t->m->engine, t->scratch, (size_t)t->cap_scratch * sizeof *p,
                             (size_t)need * sizeof *p);
    if (p == NULL)
        return rt_fail(t->err, WP_ERR_NOMEM, t->v.offset, "out of memory for br_table");
    t->scratch = p;
    t->cap_scratch = (uint32_t)need;
    return WP_OK;
}

/* ---------------------------------------------------------------- decoding */

/* A reserved byte that must be 0x00 (memory index of 2.0). */
static wp_status read_zero(tr *t)
{
    uint32_t at = rt_reader_offset(&t->r);
    uint8_t b;
    wp_status st = rt_read_u8(&t->r, &b, t->err);
    if (st == WP_OK && b != 0)
        st = malformed_at(t, at, "zero byte expected, got 0x%02x", b);
    return st;
}

/* A memory index: a LEB128 u32 with multi-memory, else 2.0's zero byte. */
static wp_status read_memidx(tr *t, uint32_t *x)
{
    *x = 0;
    if (rt_feature(t->m->engine, WP_FEATURE_MULTI_MEMORY))
        return rt_read_u32(&t->r, x, t->err);
    return read_zero(t);
}

/* A memarg: align, then with multi-memory a memory index when bit 6 of
 * align says one follows, then the offset. */
static wp_status read_memarg(tr *t, uint32_t *align, uint32_t *mem, uint32_t *offset)
{
    *mem = 0;
    wp_status st = rt_read_u32(&t->r, align, t->err);
    if (st == WP_OK && (*align & 0x40u) && rt_feature(t->m->engine, WP_FEATURE_MULTI_MEMORY)) {
        *align &= ~0x40u;
        st = rt_read_u32(&t->r, mem, t->err);
    }
    if (st == WP_OK)
        st = rt_read_u32(&t->r, offset, t->err);
    return st;
}

static wp_status read_block_type(tr *t, instr *in)
{
    uint32_t at = rt_reader_offset(&t->r);
    uint8_t b;
    wp_status st = rt_peek_u8(&t->r, &b, t->err);
    if (st != WP_OK)
        return st;
    if (b == 0x40) {
        t->r.pos++;
        in->bt = BT_EMPTY;
        return WP_OK;
    }
    if (is_valtype(b)) {
        t->r.pos++;
        in->bt = BT_VALUE;
        in->t = b;
        return WP_OK;
    }
    int64_t x;
    st = rt_read_s33(&t->r, &x, t->err);
    if (st != WP_OK)
        return st;
    if (x < 0 && rt_unsupported_valtype(b) != NULL)
        return rt_fail_unsupported(t->err, at, rt_unsupported_valtype(b), "block type 0x%02x", b);
    if (x < 0)
        return malformed_at(t, at, "malformed block type 0x%02x", b);
    in->bt = BT_INDEX;
    in->a = (uint32_t)x;   /* s33 >= 0 fits in 32 bits */
    return WP_OK;
}

/* A byte that is not a 2.0 value type: malformed, or a proposal's type. */
static wp_status bad_valtype(tr *t, uint32_t at, uint8_t b)
{
    if (rt_unsupported_valtype(b) != NULL)
        return rt_fail_unsupported(t->err, at, rt_unsupported_valtype(b), "value type 0x%02x", b);
    return malformed_at(t, at, "malformed value type 0x%02x", b);
}

/* Reads one instruction and its immediates. All malformed-binary errors
 * are found here; br_table labels go to t->scratch[0 .. a]. */
static wp_status decode_instr(tr *t, instr *in)
{
    rt_reader *r = &t->r;
    wp_error *err = t->err;
    wp_status st = WP_OK;
    uint8_t b;

    memset(in, 0, sizeof *in);
    in->at = rt_reader_offset(r);
    if (rt_reader_at_end(r))
        return malformed_at(t, in->at,
                            "unexpected end of section or function: END opcode expected");
    b = r->data[r->pos++];
    in->op = b;

    switch (b) {
    case 0x00: case 0x01: case 0x05: case 0x0b: case 0x0f: case 0x1a: case 0x1b: case 0xd1:
        return WP_OK;
    case 0x02: case 0x03: case 0x04:
        return read_block_type(t, in);
    case 0x0c: case 0x0d: case 0x10: case 0x20: case 0x21: case 0x22: case 0x23: case 0x24:
    case 0x25: case 0x26: case 0xd2:
        return rt_read_u32(r, &in->a, err);
    case 0x0e: {
        uint32_t n;
        st = rt_read_count(r, 1, "br_table labels", &n, err);
        if (st != WP_OK)
            return st;
        st = grow_scratch(t, (uint64_t)n + 1);
        for (uint32_t i = 0; st == WP_OK && i <= n; i++)
            st = rt_read_u32(r, &t->scratch[i], err);
        in->a = n;
        return st;
    }
    case 0x12: case 0x13:
        if (!rt_feature(t->m->engine, WP_FEATURE_TAIL_CALL))
            return malformed_at(t, in->at, "illegal opcode 0x%02x", b);
        st = rt_read_u32(r, &in->a, err);
        if (st == WP_OK && b == 0x13)
            st = rt_read_u32(r, &in->b, err);
        return st;
    case 0x11:
        st = rt_read_u32(r, &in->a, err);
        if (st == WP_OK)
            st = rt_read_u32(r, &in->b, err);
        return st;
    case 0x1c: {
        uint32_t n;
        st = rt_read_count(r, 1, "select types", &n, err);
        in->b = n;
        for (uint32_t i = 0; st == WP_OK && i < n; i++) {
            uint32_t at = rt_reader_offset(r);
            st = rt_read_u8(r, &b, err);
            if (st == WP_OK && !is_valtype(b))
                st = bad_valtype(t, at, b);
            if (i == 0)
                in->t = b;
        }
        return st;
    }
    case 0x3f: case 0x40:
        return read_memidx(t, &in->mem);
    case 0x41: {
        int32_t v;
        st = rt_read_s32(r, &v, err);
        in->bits = (uint32_t)v;
        return st;
    }
    case 0x42: {
        int64_t v;
        st = rt_read_s64(r, &v, err);
        in->bits = (uint64_t)v;
        return st;
    }
    case 0x43: {
        uint32_t v = 0;
        st = rt_read_f32(r, &v, err);
        in->bits = v;
        return st;
    }
    case 0x44:
        return rt_read_f64(r, &in->bits, err);
    case 0xd0: {
        uint32_t at = rt_reader_offset(r);
        st = rt_read_u8(r, &b, err);
        if (st == WP_OK && !rt_is_ref(b) && rt_unsupported_valtype(b) != NULL)
            return rt_fail_unsupported(t->err, at, rt_unsupported_valtype(b),
                                       "reference type 0x%02x", b);
        if (st == WP_OK && !rt_is_ref(b))
            return malformed_at(t, at, "malformed reference type 0x%02x", b);
        in->t = b;
        return st;
    }
    case 0xfc: {
        uint32_t sub;
        st = rt_read_u32(r, &sub, err);
        if (st != WP_OK)
            return st;
        if (sub > 0x11)
            return malformed_at(t, in->at, "illegal opcode 0xfc %u", sub);
        in->op = 0xfc00 | sub;
        switch (sub) {
        case 0x08: case 0x09:
            if (!t->m->has_data_count)
                return malformed_at(t, in->at, "data count section required for %s",
                                    op_name(in->op));
            st = rt_read_u32(r, &in->a, err);
            if (st == WP_OK && sub == 0x08)
                st = read_memidx(t, &in->mem);
            return st;
        case 0x0a:
            st = read_memidx(t, &in->mem);
            if (st == WP_OK)
                st = read_memidx(t, &in->mem2);
            return st;
        case 0x0b:
            return read_memidx(t, &in->mem);
        case 0x0c: case 0x0e:
            st = rt_read_u32(r, &in->a, err);
            if (st == WP_OK)
                st = rt_read_u32(r, &in->b, err);
            return st;
        case 0x0d: case 0x0f: case 0x10: case 0x11:
            return rt_read_u32(r, &in->a, err);
        default:
            return WP_OK;   /* the saturating truncations */
        }
    }
    case 0xfd:
        st = rt_simd_decode(r, in->at, rt_feature(t->m->engine, WP_FEATURE_MULTI_MEMORY),
                            &in->simd, err);
        in->op = in->simd.op;
        return st;
    default: {
        num_info ni;
        if (!numeric_info(b, &ni) && rt_unsupported_opcode(b) != NULL)
            return rt_fail_unsupported(t->err, in->at, rt_unsupported_opcode(b), "opcode 0x%02x",
                                       b);
        if (!numeric_info(b, &ni))
            return malformed_at(t, in->at, "illegal opcode 0x%02x", b);
        if (ni.kind == K_LOAD || ni.kind == K_STORE)
            st = read_memarg(t, &in->a, &in->mem, &in->b);
        return st;
    }
    }
}

/* ---------------------------------------------------------------- helpers */

static void set_live(tr *t, bool live)
{
    t->live = live && !t->validate_only;
    t->e.off = !t->live;
}

static uint32_t top_slot(const tr *t)
{
    return rt_val_top_slot(&t->v);
}

/* Pushes a result in its own slot and returns that slot. */
static wp_status push_result(tr *t, rt_valtype type, uint32_t *slot)
{
    rt_operand *o;
    wp_status st = rt_val_push(&t->v, type, &o);
    if (st == WP_OK)
        *slot = o->slot;
    return st;
}

/* Slot where a branch to frame c must leave its values (a return puts
 * them at slot 0). */
static uint32_t label_base(const rt_ctrl *c)
{
    return c->kind == RT_FRAME_FUNC ? 0 : c->base;
}

static bool values_in_place(const rt_operand *vals, const rt_valtype *types, uint32_t n,
                            uint32_t base)
{
    for (uint32_t i = 0; i < n; i++) {
        if (vals[i].loc != RT_LOC_SLOT || vals[i].slot != base)
            return false;
        base += rt_slots_of(types[i]);
    }
    return true;
}

/* Copies a branch's values to base.. in ascending order. A move never
 * overwrites a later value's own slot (those are higher), but towards slot
 * 0 (a return) it may overwrite a local a later value still names: such
 * values go to their own slot first. vals is not changed, because on a
 * br_if the copies only happen on the taken path. */
static void emit_transfer(tr *t, const rt_operand *vals, const rt_valtype *types, uint32_t n,
                          uint32_t base)
{
    /* A single value the instruction just before computed is written
     * straight to its target instead. Its own slot is not read again: a
     * transfer is unconditional (a conditional one is emitted after its
     * branch, so the value's instruction is then not the last one). */
    if (n == 1 && vals[0].loc == RT_LOC_SLOT && vals[0].slot != base &&
        rt_slots_of(types[0]) == 1 && rt_emit_can_redirect(&t->e, vals[0].slot)) {
        t->e.words[t->e.last_start + 1] = base;
        t->e.last_end = RT_NONE;
        return;
    }
    uint32_t dst = base;
    for (uint32_t i = 0; i < n; i++) {
        const rt_operand *o = &vals[i];
        if (o->loc == RT_LOC_LOCAL && o->src >= base && o->src < dst)
            rt_emit_move(&t->e, types[i], o->slot, o);
        dst += rt_slots_of(types[i]);
    }
    dst = base;
    for (uint32_t i = 0; i < n; i++) {
        const rt_operand *o = &vals[i];
        if (o->loc == RT_LOC_LOCAL && o->src >= base && o->src < dst) {
            rt_operand own = *o;
            own.loc = RT_LOC_SLOT;
            rt_emit_move(&t->e, types[i], dst, &own);
        } else {
            rt_emit_move(&t->e, types[i], dst, o);
        }
        dst += rt_slots_of(types[i]);
    }
}

/* The jump of a branch to the frame at depth, its values already moved. */
static void emit_jump(tr *t, uint32_t depth)
{
    rt_ctrl *c = rt_val_ctrl(&t->v, depth);
    if (c->kind == RT_FRAME_FUNC) {
        rt_emit0(&t->e, IOP_return);
    } else if (c->kind == RT_FRAME_LOOP) {
        rt_emit1(&t->e, IOP_br, c->label);
    } else {
        rt_emit0(&t->e, IOP_br);
        rt_emit_link(&t->e, &c->patches);
        if (t->live)
            c->branched = true;
    }
}

static void set_unreachable(tr *t)
{
    rt_val_set_unreachable(&t->v);
    set_live(t, false);
}

static wp_status check_label(tr *t, uint32_t depth)
{
    if (depth >= t->v.nctrls)
        return invalid(t, "unknown label %u", depth);
    return WP_OK;
}

static wp_status check_memory(tr *t, uint32_t x)
{
    if (x >= t->m->nmemories)
        return invalid(t, "unknown memory %u", x);
    return WP_OK;
}

/* An access to memory x != 0 runs between two memory_select ops, which
 * point the interpreter's cached memory at x and back at memory 0; code
 * for memory 0 is unchanged. */
static void select_memory(tr *t, uint32_t x)
{
    if (x != 0)
        rt_emit1(&t->e, IOP_memory_select, x);
}

static void unselect_memory(tr *t, uint32_t x)
{
    if (x != 0)
        rt_emit1(&t->e, IOP_memory_select, 0);
}

static wp_status check_table(tr *t, uint32_t x)
{
    if (x >= t->m->ntables)
        return invalid(t, "unknown table %u", x);
    return WP_OK;
}

static wp_status check_elem(tr *t, uint32_t x)
{
    if (x >= t->m->nelems)
        return invalid(t, "unknown elem segment %u", x);
    return WP_OK;
}

static wp_status check_data(tr *t, uint32_t x)
{
    if (x >= t->m->data_count)
        return invalid(t, "unknown data segment %u", x);
    return WP_OK;
}

/* Pops n i32 operands (pushed as ops[0], ops[1], ...) and returns their
 * slots in the same order. */
static wp_status pop_i32s(tr *t, uint32_t n, uint32_t *slots)
{
    rt_operand o[3];
    for (uint32_t i = n; i-- > 0;) {
        wp_status st = rt_val_pop(&t->v, WP_I32, &o[i]);
        if (st != WP_OK)
            return st;
    }
    for (uint32_t i = 0; i < n; i++)
        slots[i] = rt_emit_operand(&t->e, &o[i]);
    return WP_OK;
}

/* ---------------------------------------------------------------- control */

static wp_status block_type(tr *t, const instr *in, const rt_valtype **params, uint32_t *np,
                            const rt_valtype **results, uint32_t *nr)
{
    *params = *results = NULL;
    *np = *nr = 0;
    if (in->bt == BT_VALUE) {
        *results = rt_val_single(in->t);
        *nr = 1;
    } else if (in->bt == BT_INDEX) {
        if (in->a >= t->m->ntypes)
            return invalid(t, "unknown type %u", in->a);
        const rt_functype *ft = &t->m->types[in->a];
        *params = ft->params;
        *np = ft->nparams;
        *results = ft->results;
        *nr = ft->nresults;
    }
    return WP_OK;
}

static wp_status op_block(tr *t, const instr *in)
{
    const rt_valtype *params, *results;
    uint32_t np, nr;
    rt_operand cond = { 0 };
    wp_status st = block_type(t, in, &params, &np, &results, &nr);
    if (st == WP_OK && in->op == 0x04)
        st = rt_val_pop(&t->v, WP_I32, &cond);
    if (st == WP_OK)
        st = rt_val_pop_vals(&t->v, params, np);
    if (st != WP_OK)
        return st;

    /* Every path into and out of the block finds its params in their own
     * slots, and no value below the block names a local that the block
     * might write. */
    for (uint32_t i = 0; i < np; i++)
        rt_emit_materialize(&t->e, &t->v.tmp[i]);
    rt_emit_spill_locals(&t->e, &t->v);
    uint32_t cond_slot = 0;
    if (in->op == 0x04)
        cond_slot = rt_emit_operand(&t->e, &cond);

    rt_frame_kind kind = in->op == 0x02 ? RT_FRAME_BLOCK
                       : in->op == 0x03 ? RT_FRAME_LOOP : RT_FRAME_IF;
    st = rt_val_push_ctrl(&t->v, kind, params, np, results, nr);
    if (st != WP_OK)
        return st;
    rt_ctrl *c = rt_val_ctrl(&t->v, 0);
    c->live_in = t->live;
    if (kind == RT_FRAME_LOOP) {
        c->label = rt_emit_label(&t->e);
    } else if (kind == RT_FRAME_IF) {
        rt_emit_cond_branch(&t->e, &cond, cond_slot, false);
        rt_emit_link(&t->e, &c->else_patch);
    }
    return WP_OK;
}

/* Pops the current frame's results and puts them in their own slots. */
static wp_status close_results(tr *t, rt_ctrl *c)
{
    wp_status st = rt_val_pop_vals(&t->v, c->results, c->nresults);
    if (st != WP_OK)
        return st;
    if (t->v.nvals != c->height)
        return rt_val_mismatch(&t->v, "%u value(s) left on the stack at the end of the block",
                               t->v.nvals - c->height);
    for (uint32_t i = 0; i < c->nresults; i++)
        rt_emit_materialize(&t->e, &t->v.tmp[i]);
    return WP_OK;
}

static wp_status op_else(tr *t)
{
    rt_ctrl *c = rt_val_ctrl(&t->v, 0);
    if (c->kind != RT_FRAME_IF)
        return invalid(t, "else without a matching if");
    wp_status st = close_results(t, c);
    if (st != WP_OK)
        return st;
    if (t->live) {
        rt_emit0(&t->e, IOP_br);
        rt_emit_link(&t->e, &c->patches);
        c->branched = true;
    }
    rt_emit_resolve(&t->e, c->else_patch, rt_emit_label(&t->e));
    c->else_patch = RT_NONE;
    c->kind = RT_FRAME_ELSE;
    c->unreachable = false;
    set_live(t, c->live_in);
    /* The params are still in their own slots: the then-branch did not run. */
    for (uint32_t i = 0; i < c->nparams; i++) {
        st = rt_val_push(&t->v, c->params[i], NULL);
        if (st != WP_OK)
            return st;
    }
    return WP_OK;
}

static wp_status op_return_values(tr *t)
{
    const rt_functype *ft = t->type;
    wp_status st = rt_val_pop_vals(&t->v, ft->results, ft->nresults);
    if (st != WP_OK)
        return st;
    emit_transfer(t, t->v.tmp, ft->results, ft->nresults, 0);
    rt_emit0(&t->e, IOP_return);
    return WP_OK;
}

static wp_status op_end(tr *t, bool *done)
{
    rt_ctrl *c = rt_val_ctrl(&t->v, 0);
    if (c->kind == RT_FRAME_FUNC) {
        wp_status st = op_return_values(t);
        if (st == WP_OK)
            st = rt_val_pop_ctrl(&t->v);
        *done = true;
        return st;
    }
    if (c->kind == RT_FRAME_IF) {
        /* Without else, the missing branch passes the params through. */
        bool same = c->nparams == c->nresults;
        for (uint32_t i = 0; same && i < c->nparams; i++)
            same = c->params[i] == c->results[i];
        if (!same)
            return rt_val_mismatch(&t->v, "if without else must not change the stack");
    }
    wp_status st = close_results(t, c);
    if (st != WP_OK)
        return st;

    bool live = t->live;
    if (c->kind == RT_FRAME_IF) {
        rt_emit_resolve(&t->e, c->else_patch, rt_emit_label(&t->e));
        live = live || c->live_in;
    }
    if (c->patches != RT_NONE)
        rt_emit_resolve(&t->e, c->patches, rt_emit_label(&t->e));
    if (c->kind != RT_FRAME_LOOP)
        live = live || c->branched;

    const rt_valtype *results = c->results;
    uint32_t nr = c->nresults;
    st = rt_val_pop_ctrl(&t->v);
    for (uint32_t i = 0; st == WP_OK && i < nr; i++)
        st = rt_val_push(&t->v, results[i], NULL);
    set_live(t, live);
    return st;
}

static wp_status op_br(tr *t, uint32_t depth)
{
    wp_status st = check_label(t, depth);
    if (st != WP_OK)
        return st;
    rt_ctrl *c = rt_val_ctrl(&t->v, depth);
    uint32_t n;
    const rt_valtype *types = rt_val_label_types(c, &n);
    st = rt_val_pop_vals(&t->v, types, n);
    if (st != WP_OK)
        return st;
    emit_transfer(t, t->v.tmp, types, n, label_base(c));
    emit_jump(t, depth);
    set_unreachable(t);
    return WP_OK;
}

static wp_status op_br_if(tr *t, uint32_t depth)
{
    wp_status st = check_label(t, depth);
    rt_operand cond;
    if (st == WP_OK)
        st = rt_val_pop(&t->v, WP_I32, &cond);
    if (st != WP_OK)
        return st;
    rt_ctrl *c = rt_val_ctrl(&t->v, depth);
    uint32_t n;
    const rt_valtype *types = rt_val_label_types(c, &n);
    st = rt_val_pop_vals(&t->v, types, n);
    if (st != WP_OK)
        return st;

    uint32_t cs = rt_emit_operand(&t->e, &cond);
    uint32_t base = label_base(c);
    if (c->kind != RT_FRAME_FUNC && values_in_place(t->v.tmp, types, n, base)) {
        rt_emit_cond_branch(&t->e, &cond, cs, true);
        if (c->kind == RT_FRAME_LOOP) {
            uint32_t w[1] = { c->label };
            rt_emit_words(&t->e, w, 1);
        } else {
            rt_emit_link(&t->e, &c->patches);
            if (t->live)
                c->branched = true;
        }
    } else {
        uint32_t skip = RT_NONE;
        rt_emit_cond_branch(&t->e, &cond, cs, false);
        rt_emit_link(&t->e, &skip);
        emit_transfer(t, t->v.tmp, types, n, base);
        emit_jump(t, depth);
        rt_emit_resolve(&t->e, skip, rt_emit_label(&t->e));
    }
    return rt_val_push_tmp(&t->v, n, types);
}

static wp_status op_br_table(tr *t, const instr *in)
{
    uint32_t n = in->a;
    uint32_t *labels = t->scratch;   /* n + 1 labels, the default last */
    rt_operand index;
    wp_status st = rt_val_pop(&t->v, WP_I32, &index);
    if (st == WP_OK)
        st = check_label(t, labels[n]);
    if (st != WP_OK)
        return st;
    uint32_t arity;
    const rt_valtype *dtypes = rt_val_label_types(rt_val_ctrl(&t->v, labels[n]), &arity);
    for (uint32_t i = 0; i < n; i++) {
        st = check_label(t, labels[i]);
        if (st != WP_OK)
            return st;
        uint32_t k;
        const rt_valtype *types = rt_val_label_types(rt_val_ctrl(&t->v, labels[i]), &k);
        if (k != arity)
            return rt_val_mismatch(&t->v, "br_table label %u carries %u value(s), the default %u",
                                   labels[i], k, arity);
        st = rt_val_pop_vals(&t->v, types, k);
        if (st == WP_OK)
            st = rt_val_push_tmp(&t->v, k, NULL);
        if (st != WP_OK)
            return st;
    }
    st = rt_val_pop_vals(&t->v, dtypes, arity);
    if (st != WP_OK)
        return st;

    if (t->live) {
        /* Targets whose values need moving get a stub (moves + jump) after
         * the table, shared by every label of the same depth. */
        st = grow_scratch(t, 2 * ((uint64_t)n + 1));
        if (st != WP_OK)
            return st;
        labels = t->scratch;
        uint32_t *pending = labels + n + 1;
        uint32_t npending = 0;
        const rt_operand *vals = t->v.tmp;
        uint32_t is = rt_emit_operand(&t->e, &index);
        rt_emit2(&t->e, IOP_br_table, is, n);
        for (uint32_t i = 0; i <= n; i++) {
            rt_ctrl *c = rt_val_ctrl(&t->v, labels[i]);
            if (c->kind != RT_FRAME_FUNC && values_in_place(vals, dtypes, arity, c->base)) {
                if (c->kind == RT_FRAME_LOOP) {
                    uint32_t w[1] = { c->label };
                    rt_emit_words(&t->e, w, 1);
                } else {
                    rt_emit_link(&t->e, &c->patches);
                    c->branched = true;
                }
            } else {
                pending[npending++] = rt_emit_pc(&t->e);
                rt_emit_words(&t->e, &labels[i], 1);
            }
        }
        for (uint32_t i = 0; i < npending && !t->e.failed; i++) {
            uint32_t depth = t->e.words[pending[i]];
            rt_ctrl *c = rt_val_ctrl(&t->v, depth);
            if (c->stub == RT_NONE) {
                c->stub = rt_emit_label(&t->e);
                uint32_t k;
                const rt_valtype *types = rt_val_label_types(c, &k);
                emit_transfer(t, vals, types, k, label_base(c));
                emit_jump(t, depth);
            }
            if (!t->e.failed)
                t->e.words[pending[i]] = c->stub;
        }
        for (uint32_t i = 0; i <= n; i++)
            rt_val_ctrl(&t->v, labels[i])->stub = RT_NONE;
    }
    set_unreachable(t);
    return WP_OK;
}

/* call, call_indirect and the tail calls return_call and
 * return_call_indirect, which end the function: the callee replaces the
 * caller's frame and its results are the caller's. */
static wp_status op_call(tr *t, const instr *in)
{
    const rt_functype *ft;
    rt_operand index = { 0 };
    wp_status st = WP_OK;
    bool direct = in->op == 0x10 || in->op == 0x12;
    bool tail = in->op == 0x12 || in->op == 0x13;
    if (direct) {
        if (in->a >= t->m->nfuncs)
            return invalid(t, "unknown function %u", in->a);
        uint32_t ti = t->m->func_type[in->a];
        if (NEVER(ti >= t->m->ntypes))
            return rt_fail(t->err, WP_ERR_INTERNAL, t->v.offset, "function %u has no type",
                           in->a);
        ft = &t->m->types[ti];
    } else {
        st = check_table(t, in->b);
        if (st != WP_OK)
            return st;
        if (t->m->tables[in->b].elem != WP_FUNCREF)
            return rt_val_mismatch(&t->v, "table %u holds %s, not funcref", in->b,
                                   rt_val_type_name(t->m->tables[in->b].elem));
        if (in->a >= t->m->ntypes)
            return invalid(t, "unknown type %u", in->a);
        ft = &t->m->types[in->a];
    }
    if (tail) {
        const rt_functype *own = t->type;
        bool same = ft->nresults == own->nresults;
        for (uint32_t i = 0; same && i < ft->nresults; i++)
            same = ft->results[i] == own->results[i];
        if (!same)
            return rt_val_mismatch(&t->v, "%s: the callee's results (%u) are not the "
                                   "function's own (%u)", op_name(in->op), ft->nresults,
                                   own->nresults);
    }
    if (!direct)
        st = rt_val_pop(&t->v, WP_I32, &index);
    if (st == WP_OK)
        st = rt_val_pop_vals(&t->v, ft->params, ft->nparams);
    if (st != WP_OK)
        return st;
    for (uint32_t i = 0; i < ft->nparams; i++)
        rt_emit_materialize(&t->e, &t->v.tmp[i]);
    uint32_t base = top_slot(t);
    if (in->op == 0x10) {
        /* A defined function needs none of the generic path's checks. */
        rt_emit2(&t->e, in->a >= t->m->nfunc_imports ? IOP_call_wasm : IOP_call, in->a, base);
    } else if (in->op == 0x12) {
        rt_emit2(&t->e, IOP_return_call, in->a, base);
    } else {
        uint32_t is = rt_emit_operand(&t->e, &index);
        rt_emit4(&t->e, tail ? IOP_return_call_indirect : IOP_call_indirect, in->a, in->b, is,
                 base);
    }
    if (tail) {
        /* Where a host callee comes back to: its results at base.. become
         * the function's. Ascending copies to lower slots never overwrite a later source. */
        uint32_t src = base, dst = 0;
        for (uint32_t i = 0; i < ft->nresults; i++) {
            rt_operand o = { .type = ft->results[i], .loc = RT_LOC_SLOT, .slot = src };
            rt_emit_move(&t->e, ft->results[i], dst, &o);
            src += rt_slots_of(ft->results[i]);
            dst += rt_slots_of(ft->results[i]);
        }
        rt_emit0(&t->e, IOP_return);
        set_unreachable(t);
        return WP_OK;
    }
    for (uint32_t i = 0; i < ft->nresults; i++) {
        st = rt_val_push(&t->v, ft->results[i], NULL);
        if (st != WP_OK)
            return st;
    }
    return WP_OK;
}

/* ---------------------------------------------------------------- operands */

static wp_status op_select(tr *t, const instr *in)
{
    rt_operand a, b, cond;
    rt_valtype want = RT_ANY;
    if (in->op == 0x1c) {
        if (in->b != 1)
            return invalid(t, "invalid result arity: select takes exactly one type, got %u",
                           in->b);
        want = in->t;
    }
    wp_status st = rt_val_pop(&t->v, WP_I32, &cond);
    if (st == WP_OK)
        st = rt_val_pop(&t->v, want, &b);
    if (st == WP_OK)
        st = rt_val_pop(&t->v, want, &a);
    if (st != WP_OK)
        return st;
    rt_valtype type = want;
    if (in->op == 0x1b) {
        if (rt_is_ref(a.type) || rt_is_ref(b.type))
            return rt_val_mismatch(&t->v, "select without a type needs numeric operands, got %s",
                                   rt_val_type_name(rt_is_ref(a.type) ? a.type : b.type));
        if (a.type != b.type && a.type != RT_ANY && b.type != RT_ANY)
            return rt_val_mismatch(&t->v, "select operands differ: %s and %s",
                                   rt_val_type_name(a.type), rt_val_type_name(b.type));
        type = a.type != RT_ANY ? a.type : b.type;
    }
    uint32_t sa = rt_emit_operand(&t->e, &a);
    uint32_t sb = rt_emit_operand(&t->e, &b);
    uint32_t sc = rt_emit_operand(&t->e, &cond);
    uint32_t dst;
    st = push_result(t, type, &dst);
    if (st != WP_OK)
        return st;
    uint32_t start = rt_emit_pc(&t->e);
    rt_emit4(&t->e, IOP_select, dst, sa, sb, sc);
    if (rt_slots_of(type) == 2)
        rt_emit4(&t->e, IOP_select, dst + 1, sa + 1, sb + 1, sc);
    else
        rt_emit_result(&t->e, start);
    return WP_OK;
}

/* Writes the popped value o to local slot x (local.set / local.tee). */
static void write_local(tr *t, uint32_t x, rt_valtype type, const rt_operand *o)
{
    if (o->loc == RT_LOC_LOCAL && o->src == x)
        return;
    rt_emit *e = &t->e;
    /* Before the first branch target, code runs straight from the entry,
     * where `enter` zeroed the declared locals: storing 0 into one not
     * written since changes nothing. */
    uint64_t bit = x - t->type->param_slots < 64 ? UINT64_C(1) << (x - t->type->param_slots) : 0;
    if (!e->labeled && x >= t->type->param_slots && bit != 0 && (t->written & bit) == 0 &&
        o->loc == RT_LOC_CONST && o->bits == 0 && rt_slots_of(type) == 1)
        return;
    t->written |= bit;
    if (o->loc == RT_LOC_SLOT && rt_slots_of(type) == 1 && rt_emit_can_redirect(e, o->slot)) {
        /* The instruction that made the value writes the local instead. If
         * older entries still name the local, their copies must come
         * first: the instruction moves after them (it reads none of their
         * slots, and they read nothing it writes but x). */
        uint32_t len = e->last_end - e->last_start;
        if (t->v.local_head[x] == RT_NONE) {
            e->words[e->last_start + 1] = x;
            e->last_end = RT_NONE;
            return;
        }
        if (len <= 8) {
            uint32_t w[8];
            memcpy(w, e->words + e->last_start, len * sizeof *w);
            /* The instruction keeps the position of the wasm instruction
             * it came from (a trap in it names that one). */
            uint32_t here = e->at;
            uint32_t c_at = e->npos > 0 ? e->pos[2 * e->npos - 1] : here;
            e->n = e->last_start;
            rt_emit_before_local_write(e, &t->v, x);
            w[1] = x;
            e->at = c_at;
            rt_emit_words(e, w, len);
            e->at = here;
            return;
        }
    }
    rt_emit_before_local_write(e, &t->v, x);
    rt_emit_move(e, type, x, o);
}

static wp_status op_local(tr *t, const instr *in)
{
    if (in->a >= t->nlocals)
        return invalid(t, "unknown local %u", in->a);
    rt_valtype type = t->local_type[in->a];
    uint32_t x = t->local_slot[in->a];
    if (in->op == 0x20)
        return rt_val_push_local(&t->v, type, x);
    rt_operand o;
    wp_status st = rt_val_pop(&t->v, type, &o);
    if (st != WP_OK)
        return st;
    write_local(t, x, type, &o);
    if (in->op == 0x22)
        return rt_val_push_local(&t->v, type, x);
    return WP_OK;
}

static wp_status op_global(tr *t, const instr *in)
{
    if (in->a >= t->m->nglobals)
        return invalid(t, "unknown global %u", in->a);
    const rt_globaltype *g = &t->m->globals[in->a];
    if (in->op == 0x23) {
        uint32_t dst;
        wp_status st = push_result(t, g->type, &dst);
        if (st != WP_OK)
            return st;
        uint32_t start = rt_emit_pc(&t->e);
        rt_emit2(&t->e, g->type == WP_V128 ? IOP_v128_global_get : IOP_global_get, dst, in->a);
        if (rt_slots_of(g->type) == 1)
            rt_emit_result(&t->e, start);
        return WP_OK;
    }
    if (!g->mut)
        return invalid(t, "global %u is immutable", in->a);
    rt_operand o;
    wp_status st = rt_val_pop(&t->v, g->type, &o);
    if (st != WP_OK)
        return st;
    rt_emit2(&t->e, g->type == WP_V128 ? IOP_v128_global_set : IOP_global_set, in->a,
             rt_emit_operand(&t->e, &o));
    return WP_OK;
}

static wp_status op_numeric(tr *t, const instr *in, const num_info *ni)
{
    rt_operand a, b;
    uint32_t dst;
    wp_status st;
    uint32_t start;

    switch (ni->kind) {
    case K_UN:
        st = rt_val_pop(&t->v, ni->tin, &a);
        if (st != WP_OK)
            return st;
        uint32_t sa = rt_emit_operand(&t->e, &a);
        if ((st = push_result(t, ni->tout, &dst)) != WP_OK)
            return st;
        start = rt_emit_pc(&t->e);
        rt_emit2(&t->e, ni->iop, dst, sa);
        rt_emit_result(&t->e, start);
        return WP_OK;
    case K_BIN:
        st = rt_val_pop(&t->v, ni->tin, &b);
        if (st == WP_OK)
            st = rt_val_pop(&t->v, ni->tin, &a);
        if (st != WP_OK)
            return st;
        uint32_t s1 = rt_emit_operand(&t->e, &a);
        uint32_t s2 = rt_emit_operand(&t->e, &b);
        /* A sum of three: the add of the other two goes into this one. */
        uint32_t x = 0, y = 0, z = 0;
        bool add3 = false;
        if (ni->iop == IOP_i32_add) {
            if (rt_emit_take_add(&t->e, &b, &x, &y)) {
                add3 = true;
                z = s1;
            } else if (rt_emit_take_add(&t->e, &a, &x, &y)) {
                add3 = true;
                z = s2;
            }
        }
        if ((st = push_result(t, ni->tout, &dst)) != WP_OK)
            return st;
        start = rt_emit_pc(&t->e);
        if (add3)
            rt_emit4(&t->e, IOP_i32_add3, dst, x, y, z);
        else
            rt_emit3(&t->e, ni->iop, dst, s1, s2);
        rt_emit_result(&t->e, start);
        return WP_OK;
    default:
        break;
    }

    /* Loads and stores. */
    if ((st = check_memory(t, in->mem)) != WP_OK)
        return st;
    if (in->a > ni->align)
        return invalid(t, "alignment must not be larger than natural (2^%u > 2^%u)", in->a,
                       ni->align);
    uint32_t x, y;
    rt_iop fused = in->mem == 0 ? rt_emit_address_add(ni->iop) : 0;
    if (ni->kind == K_LOAD) {
        st = rt_val_pop(&t->v, WP_I32, &a);
        if (st != WP_OK)
            return st;
        uint32_t addr = rt_emit_operand(&t->e, &a);
        bool fuse = fused != 0 && rt_emit_take_add(&t->e, &a, &x, &y);
        if ((st = push_result(t, ni->tout, &dst)) != WP_OK)
            return st;
        if (in->mem != 0) {
            select_memory(t, in->mem);
            rt_emit3(&t->e, ni->iop, dst, addr, in->b);
            unselect_memory(t, in->mem);
            return WP_OK;
        }
        start = rt_emit_pc(&t->e);
        if (fuse)
            rt_emit4(&t->e, fused, dst, x, y, in->b);
        else
            rt_emit3(&t->e, ni->iop, dst, addr, in->b);
        rt_emit_result(&t->e, start);
        return WP_OK;
    }
    st = rt_val_pop(&t->v, ni->tin, &b);
    if (st == WP_OK)
        st = rt_val_pop(&t->v, WP_I32, &a);
    if (st != WP_OK)
        return st;
    uint32_t addr = rt_emit_operand(&t->e, &a);
    uint32_t val = rt_emit_operand(&t->e, &b);
    rt_iop sum = in->mem != 0 ? 0
               : ni->iop == IOP_i32_store ? IOP_i32_store_sum
               : ni->iop == IOP_i32_store8 ? IOP_i32_store8_sum : 0;
    select_memory(t, in->mem);
    if (fused != 0 && rt_emit_take_add(&t->e, &a, &x, &y))
        rt_emit4(&t->e, fused, x, y, val, in->b);
    else if (sum != 0 && rt_emit_take_add(&t->e, &b, &x, &y))
        rt_emit4(&t->e, sum, addr, x, y, in->b);
    else
        rt_emit3(&t->e, ni->iop, addr, val, in->b);
    unselect_memory(t, in->mem);
    return WP_OK;
}

/* memory.size/grow, the references and the table and bulk-memory
 * instructions. */
static wp_status op_misc(tr *t, const instr *in)
{
    wp_module *m = t->m;
    rt_validator *v = &t->v;
    rt_operand a, b;
    uint32_t s[3], dst, start;
    wp_status st = WP_OK;

    switch (in->op) {
    case 0x3f:   /* memory.size */
        if ((st = check_memory(t, in->mem)) != WP_OK ||
            (st = push_result(t, WP_I32, &dst)) != WP_OK)
            return st;
        select_memory(t, in->mem);
        start = rt_emit_pc(&t->e);
        rt_emit1(&t->e, IOP_memory_size, dst);
        if (in->mem == 0)
            rt_emit_result(&t->e, start);
        unselect_memory(t, in->mem);
        return WP_OK;
    case 0x40:   /* memory.grow */
        if ((st = check_memory(t, in->mem)) != WP_OK ||
            (st = rt_val_pop(v, WP_I32, &a)) != WP_OK)
            return st;
        s[0] = rt_emit_operand(&t->e, &a);
        if ((st = push_result(t, WP_I32, &dst)) != WP_OK)
            return st;
        start = rt_emit_pc(&t->e);
        if (in->mem != 0)
            rt_emit3(&t->e, IOP_memory_grow_mem, dst, s[0], in->mem);
        else
            rt_emit2(&t->e, IOP_memory_grow, dst, s[0]);
        rt_emit_result(&t->e, start);
        return WP_OK;
    case 0xd0:   /* ref.null */
        return rt_val_push_const(v, in->t, 0);
    case 0xd1:   /* ref.is_null */
        if ((st = rt_val_pop(v, RT_ANY, &a)) != WP_OK)
            return st;
        if (a.type != RT_ANY && !rt_is_ref(a.type))
            return rt_val_mismatch(v, "expected a reference, got %s", rt_val_type_name(a.type));
        s[0] = rt_emit_operand(&t->e, &a);
        if ((st = push_result(t, WP_I32, &dst)) != WP_OK)
            return st;
        start = rt_emit_pc(&t->e);
        rt_emit2(&t->e, IOP_ref_is_null, dst, s[0]);
        rt_emit_result(&t->e, start);
        return WP_OK;
    case 0xd2:   /* ref.func */
        if (in->a >= m->nfuncs)
            return invalid(t, "unknown function %u", in->a);
        if (!m->func_declared[in->a])
            return invalid(t, "undeclared function reference %u", in->a);
        if ((st = push_result(t, WP_FUNCREF, &dst)) != WP_OK)
            return st;
        start = rt_emit_pc(&t->e);
        rt_emit2(&t->e, IOP_ref_func, dst, in->a);
        rt_emit_result(&t->e, start);
        return WP_OK;
    case 0x25:   /* table.get */
        if ((st = check_table(t, in->a)) != WP_OK || (st = rt_val_pop(v, WP_I32, &a)) != WP_OK)
            return st;
        s[0] = rt_emit_operand(&t->e, &a);
        if ((st = push_result(t, m->tables[in->a].elem, &dst)) != WP_OK)
            return st;
        start = rt_emit_pc(&t->e);
        rt_emit3(&t->e, IOP_table_get, dst, in->a, s[0]);
        rt_emit_result(&t->e, start);
        return WP_OK;
    case 0x26:   /* table.set */
        if ((st = check_table(t, in->a)) != WP_OK ||
            (st = rt_val_pop(v, m->tables[in->a].elem, &b)) != WP_OK ||
            (st = rt_val_pop(v, WP_I32, &a)) != WP_OK)
            return st;
        s[0] = rt_emit_operand(&t->e, &a);
        s[1] = rt_emit_operand(&t->e, &b);
        rt_emit3(&t->e, IOP_table_set, in->a, s[0], s[1]);
        return WP_OK;
    case 0xfc08:   /* memory.init */
        if ((st = check_memory(t, in->mem)) != WP_OK || (st = check_data(t, in->a)) != WP_OK ||
            (st = pop_i32s(t, 3, s)) != WP_OK)
            return st;
        select_memory(t, in->mem);
        rt_emit4(&t->e, IOP_memory_init, in->a, s[0], s[1], s[2]);
        unselect_memory(t, in->mem);
        return WP_OK;
    case 0xfc09:   /* data.drop */
        if ((st = check_data(t, in->a)) != WP_OK)
            return st;
        rt_emit1(&t->e, IOP_data_drop, in->a);
        return WP_OK;
    case 0xfc0a:   /* memory.copy */
        if ((st = check_memory(t, in->mem)) != WP_OK ||
            (st = check_memory(t, in->mem2)) != WP_OK || (st = pop_i32s(t, 3, s)) != WP_OK)
            return st;
        if (in->mem != 0 || in->mem2 != 0)
            rt_emit5(&t->e, IOP_memory_copy_mem, in->mem, in->mem2, s[0], s[1], s[2]);
        else
            rt_emit3(&t->e, IOP_memory_copy, s[0], s[1], s[2]);
        return WP_OK;
    case 0xfc0b: {   /* memory.fill */
        if ((st = check_memory(t, in->mem)) != WP_OK || (st = pop_i32s(t, 3, s)) != WP_OK)
            return st;
        select_memory(t, in->mem);
        rt_emit3(&t->e, IOP_memory_fill, s[0], s[1], s[2]);
        unselect_memory(t, in->mem);
        return WP_OK;
    }
    case 0xfc0c:   /* table.init elem table */
        if ((st = check_elem(t, in->a)) != WP_OK || (st = check_table(t, in->b)) != WP_OK)
            return st;
        if (m->elems[in->a].type != m->tables[in->b].elem)
            return rt_val_mismatch(v, "elem segment %u holds %s, table %u %s", in->a,
                                   rt_val_type_name(m->elems[in->a].type), in->b,
                                   rt_val_type_name(m->tables[in->b].elem));
        if ((st = pop_i32s(t, 3, s)) != WP_OK)
            return st;
        rt_emit5(&t->e, IOP_table_init, in->b, in->a, s[0], s[1], s[2]);
        return WP_OK;
    case 0xfc0d:   /* elem.drop */
        if ((st = check_elem(t, in->a)) != WP_OK)
            return st;
        rt_emit1(&t->e, IOP_elem_drop, in->a);
        return WP_OK;
    case 0xfc0e:   /* table.copy dst src */
        if ((st = check_table(t, in->a)) != WP_OK || (st = check_table(t, in->b)) != WP_OK)
            return st;
        if (m->tables[in->a].elem != m->tables[in->b].elem)
            return rt_val_mismatch(v, "table %u holds %s, table %u %s", in->a,
                                   rt_val_type_name(m->tables[in->a].elem), in->b,
                                   rt_val_type_name(m->tables[in->b].elem));
        if ((st = pop_i32s(t, 3, s)) != WP_OK)
            return st;
        rt_emit5(&t->e, IOP_table_copy, in->a, in->b, s[0], s[1], s[2]);
        return WP_OK;
    case 0xfc0f:   /* table.grow */
        if ((st = check_table(t, in->a)) != WP_OK || (st = rt_val_pop(v, WP_I32, &b)) != WP_OK ||
            (st = rt_val_pop(v, m->tables[in->a].elem, &a)) != WP_OK)
            return st;
        s[0] = rt_emit_operand(&t->e, &a);
        s[1] = rt_emit_operand(&t->e, &b);
        if ((st = push_result(t, WP_I32, &dst)) != WP_OK)
            return st;
        start = rt_emit_pc(&t->e);
        rt_emit4(&t->e, IOP_table_grow, dst, in->a, s[0], s[1]);
        rt_emit_result(&t->e, start);
        return WP_OK;
    case 0xfc10:   /* table.size */
        if ((st = check_table(t, in->a)) != WP_OK || (st = push_result(t, WP_I32, &dst)) != WP_OK)
            return st;
        start = rt_emit_pc(&t->e);
        rt_emit2(&t->e, IOP_table_size, dst, in->a);
        rt_emit_result(&t->e, start);
        return WP_OK;
    case 0xfc11: {   /* table.fill */
        rt_operand n;
        if ((st = check_table(t, in->a)) != WP_OK || (st = rt_val_pop(v, WP_I32, &n)) != WP_OK ||
            (st = rt_val_pop(v, m->tables[in->a].elem, &b)) != WP_OK ||
            (st = rt_val_pop(v, WP_I32, &a)) != WP_OK)
            return st;
        s[0] = rt_emit_operand(&t->e, &a);
        s[1] = rt_emit_operand(&t->e, &b);
        s[2] = rt_emit_operand(&t->e, &n);
        rt_emit4(&t->e, IOP_table_fill, in->a, s[0], s[1], s[2]);
        return WP_OK;
    }
    default:
        return rt_fail(t->err, WP_ERR_INTERNAL, in->at, "opcode 0x%x not handled", in->op);
    }
}

/* Validates and translates one decoded instruction. */
static wp_status step(tr *t, const instr *in, bool *done)
{
    rt_operand o;
    num_info ni;

    switch (in->op) {
    case 0x00:
        rt_emit0(&t->e, IOP_unreachable);
        set_unreachable(t);
        return WP_OK;
    case 0x01:
        return WP_OK;
    case 0x02: case 0x03: case 0x04:
        return op_block(t, in);
    case 0x05:
        return op_else(t);
    case 0x0b:
        return op_end(t, done);
    case 0x0c:
        return op_br(t, in->a);
    case 0x0d:
        return op_br_if(t, in->a);
    case 0x0e:
        return op_br_table(t, in);
    case 0x0f: {
        wp_status st = op_return_values(t);
        if (st == WP_OK)
            set_unreachable(t);
        return st;
    }
    case 0x10: case 0x11: case 0x12: case 0x13:
        return op_call(t, in);
    case 0x1a:
        return rt_val_pop(&t->v, RT_ANY, &o);
    case 0x1b: case 0x1c:
        return op_select(t, in);
    case 0x20: case 0x21: case 0x22:
        return op_local(t, in);
    case 0x23: case 0x24:
        return op_global(t, in);
    case 0x41: case 0x43:
        return rt_val_push_const(&t->v, in->op == 0x41 ? WP_I32 : WP_F32, in->bits);
    case 0x42: case 0x44:
        return rt_val_push_const(&t->v, in->op == 0x42 ? WP_I64 : WP_F64, in->bits);
    default:
        if (numeric_info(in->op, &ni))
            return op_numeric(t, in, &ni);
        if ((in->op >> 8) == 0xfd) {
            rt_simd_ctx c = { t->m, &t->v, &t->e, t->err };
            /* The select goes before the operands' moves, which do not
             * touch memory. */
            uint32_t x = in->simd.memory < t->m->nmemories ? in->simd.memory : 0;
            select_memory(t, x);
            wp_status st = rt_simd_translate(&c, &in->simd);
            unselect_memory(t, x);
            return st;
        }
        return op_misc(t, in);
    }
}

/* After a validation failure: decodes the rest of the body, so that a
 * malformed instruction further on wins over the invalid one, as in the
 * spec (which decodes before it validates). depth: open blocks after the
 * failed instruction. */
static wp_status skim_rest(tr *t, uint32_t depth)
{
    wp_error saved;
    if (t->err != NULL)
        saved = *t->err;
    while (depth > 0) {
        instr in;
        wp_status st = decode_instr(t, &in);
        if (st != WP_OK)
            return st;
        if (in.op == 0x02 || in.op == 0x03 || in.op == 0x04)
            depth++;
        else if (in.op == 0x0b)
            depth--;
    }
    if (!rt_reader_at_end(&t->r))
        return malformed_at(t, rt_reader_offset(&t->r),
                            "section size mismatch: %zu byte(s) after the function's end",
                            rt_reader_left(&t->r));
    if (t->err != NULL)
        *t->err = saved;
    return WP_ERR_INVALID;
}

static wp_status run_body(tr *t)
{
    bool done = false;
    while (!done) {
        instr in;
        wp_status st = decode_instr(t, &in);
        if (st != WP_OK)
            return st;
        t->v.offset = in.at;
        t->v.what = op_name(in.op);
        t->e.at = in.at;
        uint32_t depth = t->v.nctrls;
        st = step(t, &in, &done);
        if (st == WP_ERR_INVALID) {
            if (in.op == 0x02 || in.op == 0x03 || in.op == 0x04)
                depth++;
            else if (in.op == 0x0b)
                depth--;
            return skim_rest(t, depth);
        }
        if (st != WP_OK)
            return st;
    }
    if (!rt_reader_at_end(&t->r))
        return malformed_at(t, rt_reader_offset(&t->r),
                            "section size mismatch: %zu byte(s) after the function's end",
                            rt_reader_left(&t->r));
    if (t->e.failed)
        return rt_fail(t->err, WP_ERR_NOMEM, UINT32_MAX,
                       "out of memory for the translated code (%u words)", t->e.n);
    return WP_OK;
}

/* ---------------------------------------------------------------- locals */

static wp_status read_locals(tr *t)
{
    const rt_functype *ft = t->type;
    rt_reader *r = &t->r;
    uint32_t ngroups;
    wp_status st = rt_read_count(r, 2, "local groups", &ngroups, t->err);
    if (st != WP_OK)
        return st;

    /* First pass: check the declarations and count. */
    size_t start = r->pos;
    uint64_t total = ft->nparams;
    for (uint32_t g = 0; g < ngroups; g++) {
        uint32_t n;
        uint8_t b;
        uint32_t at = rt_reader_offset(r);
        if ((st = rt_read_u32(r, &n, t->err)) != WP_OK)
            return st;
        total += n;
        if (total > WP_MAX_FUNCTION_LOCALS + (uint64_t)ft->nparams)
            return malformed_at(t, at, "too many locals (more than %u)", WP_MAX_FUNCTION_LOCALS);
        at = rt_reader_offset(r);
        if ((st = rt_read_u8(r, &b, t->err)) != WP_OK)
            return st;
        if (!is_valtype(b))
            return bad_valtype(t, at, b);
    }

    t->nlocals = (uint32_t)total;
    size_t cnt = total ? (size_t)total : 1;
    t->local_type = rt_alloc(t->m->engine, cnt * sizeof *t->local_type);
    t->local_slot = rt_alloc(t->m->engine, cnt * sizeof *t->local_slot);
    if (t->local_type == NULL || t->local_slot == NULL)
        return rt_fail(t->err, WP_ERR_NOMEM, UINT32_MAX, "out of memory for %u locals",
                       t->nlocals);
    uint32_t i = 0, slot = 0;
    for (; i < ft->nparams; i++) {
        t->local_type[i] = ft->params[i];
        t->local_slot[i] = slot;
        slot += rt_slots_of(ft->params[i]);
    }
    r->pos = start;
    for (uint32_t g = 0; g < ngroups; g++) {
        uint32_t n;
        uint8_t b;
        (void)rt_read_u32(r, &n, t->err);
        (void)rt_read_u8(r, &b, t->err);
        for (uint32_t k = 0; k < n; k++, i++) {
            t->local_type[i] = b;
            t->local_slot[i] = slot;
            slot += rt_slots_of(b);
        }
    }
    t->local_slots = slot;
    return WP_OK;
}

/* ---------------------------------------------------------------- constant pool */

/* Distinct constants the pre-scan counts (a power of two); a body with more
 * only has its first ones counted, which bounds the scan's memory. */
#define SCAN_BUCKETS 256u

typedef struct const_count {
    uint64_t bits;
    uint32_t count;   /* 0: empty bucket */
} const_count;

static int by_use(const void *pa, const void *pb)
{
    const const_count *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return a->bits < b->bits ? -1 : a->bits > b->bits;
}

/* Reads the body ahead once to find its constants, so that the most used
 * ones can get frame slots below the operand stack before any slot is
 * handed out (code.h, enter). A decoding error ends the scan quietly: the real pass reports
 * it at the right place. */
static wp_status choose_constants(tr *t)
{
    t->npool = 0;
    if (WP_CONST_POOL_SLOTS == 0)
        return WP_OK;
    const_count *tab = rt_alloc(t->m->engine, SCAN_BUCKETS * sizeof *tab);
    if (tab == NULL)
        return rt_fail(t->err, WP_ERR_NOMEM, UINT32_MAX, "out of memory for the constant scan");
    wp_error quiet;
    wp_error *err = t->err;
    size_t pos = t->r.pos;
    uint32_t distinct = 0;
    bool pending = false;   /* the previous instruction was a constant */
    uint64_t bits = 0;
    t->err = &quiet;
    while (!rt_reader_at_end(&t->r)) {
        instr in;
        if (decode_instr(t, &in) != WP_OK)
            break;
        /* A constant that is only stored (local.set/tee), passed to a call
         * or carried out of a block (end, else, br, return) is written by
         * an instruction of its own anyway, and a dropped one is never
         * read: a pool slot would save nothing. */
        bool counted = pending && in.op != 0x21 && in.op != 0x22 && in.op != 0x0b &&
                       in.op != 0x05 && in.op != 0x0c && in.op != 0x0f && in.op != 0x10 &&
                       in.op != 0x1a;
        pending = in.op >= 0x41 && in.op <= 0x44;
        uint64_t prev = bits;
        bits = in.bits;
        if (!counted)
            continue;
        uint32_t h = (uint32_t)((prev * UINT64_C(0x9e3779b97f4a7c15)) >> 56) &
                     (SCAN_BUCKETS - 1);
        while (tab[h].count != 0 && tab[h].bits != prev)
            h = (h + 1) & (SCAN_BUCKETS - 1);
        if (tab[h].count == 0) {
            if (distinct >= SCAN_BUCKETS / 2)
                continue;
            distinct++;
            tab[h].bits = prev;
        }
        if (tab[h].count < UINT32_MAX)
            tab[h].count++;
    }
    t->err = err;
    t->r.pos = pos;
    uint32_t used = 0;
    for (uint32_t i = 0; i < SCAN_BUCKETS; i++)
        if (tab[i].count != 0)
            tab[used++] = tab[i];
    qsort(tab, used, sizeof *tab, by_use);
    uint32_t cap = sizeof t->pool / sizeof t->pool[0];
    while (t->npool < cap && t->npool < distinct) {
        t->pool[t->npool] = tab[t->npool].bits;
        t->npool++;
    }
    rt_free(t->m->engine, tab, SCAN_BUCKETS * sizeof *tab);
    return WP_OK;
}

/* ---------------------------------------------------------------- entry */

static wp_status translate(wp_module *m, uint32_t func_index, const uint8_t *body, size_t len,
                           uint32_t body_offset, bool validate_only, wp_error *err)
{
    if (NEVER(m == NULL || func_index < m->nfunc_imports || func_index >= m->nfuncs ||
              m->func_type[func_index] >= m->ntypes || (body == NULL && len > 0)))
        return rt_fail(err, WP_ERR_INTERNAL, body_offset, "bad arguments to the translator");
    /* Keeps every slot and word count far from overflow. */
    if (len > (1u << 28))
        return rt_fail(err, WP_ERR_NOMEM, body_offset, "function body of %zu bytes is too large",
                       len);

    wp_error local_err;
    if (err == NULL)
        err = &local_err;
    tr t;
    memset(&t, 0, sizeof t);
    t.m = m;
    t.type = &m->types[m->func_type[func_index]];
    t.err = err;
    t.validate_only = validate_only;
    rt_reader_init(&t.r, body, len, body_offset);

    /* Real code takes a few words per byte; a hostile body whose branches
     * carry many values could take far more. */
    uint64_t limit = 32 * (uint64_t)len + 65536;
    rt_emit_init(&t.e, m->engine, (uint32_t)limit);
    t.e.at = body_offset;

    wp_status st = read_locals(&t);
    if (st == WP_OK && !validate_only)
        st = choose_constants(&t);
    if (st == WP_OK)
        st = rt_val_init(&t.v, m->engine, t.local_slots + t.npool, err);
    if (st == WP_OK)
        st = rt_val_push_ctrl(&t.v, RT_FRAME_FUNC, NULL, 0, t.type->results, t.type->nresults);
    if (st == WP_OK) {
        rt_val_ctrl(&t.v, 0)->live_in = true;
        set_live(&t, true);
        rt_emit_enter(&t.e, t.type->param_slots, t.local_slots, t.pool, t.npool);
        st = run_body(&t);
    }
    /* A valid body that is wasi-libc's memcpy, memmove or memset runs as
     * one native op (libc_match.c says why and what is matched). */
    uint32_t libc_op = st == WP_OK && !validate_only ? rt_libc_op(m, func_index, body, len) : 0;
    if (st == WP_OK && !validate_only) {
        /* A recognised body keeps its translated code: the guard in front
         * runs the native op only where its result is exactly the loop's
         * (ranges inside memory, and for memcpy not overlapping), and
         * otherwise steps over its `return` into the translated body. */
        uint32_t guard = libc_op != 0 ? LIBC_NWORDS : 0;
        uint32_t total = guard + t.e.n;
        uint32_t *words = RT_ARENA_ARRAY(&m->arena, uint32_t, total ? total : 1);
        uint32_t *pos = RT_ARENA_ARRAY(&m->arena, uint32_t, t.e.npos ? 2 * (size_t)t.e.npos : 1);
        if (words == NULL || pos == NULL) {
            st = rt_fail(err, WP_ERR_NOMEM, UINT32_MAX, "out of memory for the translated code");
        } else {
            uint32_t ws[LIBC_NWORDS] = {libc_op, 0, 1, 2, IOP_return};
            if (guard)
                memcpy(words, ws, sizeof ws);
            memcpy(words + guard, t.e.words, (size_t)t.e.n * sizeof *words);
            rt_code *c = &m->codes[func_index - m->nfunc_imports];
            c->entry = words;
            c->words = words + guard;
            c->nwords = t.e.n;
            memcpy(pos, t.e.pos, (size_t)t.e.npos * 2 * sizeof *pos);
            c->pos = pos;
            c->npos = t.e.npos;
            c->nparams = t.type->param_slots;
            c->nlocals = t.local_slots;
            c->nresults = t.type->result_slots;
            c->body_offset = body_offset;
            uint32_t fs = t.v.max_slot;
            if (fs < t.type->param_slots)
                fs = t.type->param_slots;
            if (fs < t.type->result_slots)
                fs = t.type->result_slots;
            c->frame_slots = fs;
        }
    }

    rt_free(m->engine, t.local_type, (t.nlocals ? t.nlocals : 1) * sizeof *t.local_type);
    rt_free(m->engine, t.local_slot, (t.nlocals ? t.nlocals : 1) * sizeof *t.local_slot);
    rt_free(m->engine, t.scratch, (size_t)t.cap_scratch * sizeof *t.scratch);
    rt_val_fini(&t.v);
    rt_emit_fini(&t.e);
    return st;
}

wp_status rt_translate_function(wp_module *m, uint32_t func_index, const uint8_t *body,
                                size_t len, uint32_t body_offset, wp_error *err)
{
    return translate(m, func_index, body, len, body_offset, false, err);
}

wp_status rt_validate_function(wp_module *m, uint32_t func_index, const uint8_t *body,
                               size_t len, uint32_t body_offset, wp_error *err)
{
    return translate(m, func_index, body, len, body_offset, true, err);
}
