/* Decoding, validation and translation of the v128 instructions (prefix
 * 0xFD), driven by the rows of simd.def (translate_simd.h). Operand values
 * are found and results placed with the same validator and emitter as the
 * other instructions; a v128 never stays a pending constant (its 16 bytes
 * do not fit an operand entry), so v128.const writes its slots at once.
 */
#include "translate_simd.h"
#include "unsupported.h"

enum {
    SK_LOAD = 1, SK_STORE, SK_LANE_LOAD, SK_LANE_STORE, SK_CONST, SK_SHUFFLE,
    SK_EXTRACT, SK_REPLACE, SK_UN, SK_BIN, SK_TERN
};

typedef struct simd_info {
    uint8_t     kind;
    rt_valtype  tin, tout;   /* UN: operand and result; BIN: second operand;
                              * EXTRACT: result; REPLACE: the scalar operand */
    uint8_t     align;       /* memory rows: log2 of the natural alignment */
    uint8_t     lanes;       /* lane rows: lanes of the shape */
    uint32_t    iop;
    const char *name;
} simd_info;

#define I32 WP_I32
#define I64 WP_I64
#define F32 WP_F32
#define F64 WP_F64
#define V128 WP_V128
static bool simd_info_of(uint32_t op, simd_info *o)
{
    switch (op) {
#define SLOAD(code, id, name, al, size) \
    case code: *o = (simd_info){ SK_LOAD, 0, V128, al, 0, IOP_##id, name }; return true;
#define SSTORE(code, id, name, al) \
    case code: *o = (simd_info){ SK_STORE, V128, 0, al, 0, IOP_##id, name }; return true;
#define SLANE_LOAD(code, id, name, al) \
    case code: *o = (simd_info){ SK_LANE_LOAD, V128, V128, al, 16 >> al, IOP_##id, name }; \
        return true;
#define SLANE_STORE(code, id, name, al) \
    case code: *o = (simd_info){ SK_LANE_STORE, V128, 0, al, 16 >> al, IOP_##id, name }; \
        return true;
#define SCONST(code, id, name) \
    case code: *o = (simd_info){ SK_CONST, 0, V128, 0, 0, IOP_##id, name }; return true;
#define SSHUFFLE(code, id, name) \
    case code: *o = (simd_info){ SK_SHUFFLE, V128, V128, 0, 32, IOP_##id, name }; return true;
#define SEXTRACT(code, id, name, n, r) \
    case code: *o = (simd_info){ SK_EXTRACT, V128, r, 0, n, IOP_##id, name }; return true;
#define SREPLACE(code, id, name, n, a) \
    case code: *o = (simd_info){ SK_REPLACE, a, V128, 0, n, IOP_##id, name }; return true;
#define SUN(code, id, name, a, r) \
    case code: *o = (simd_info){ SK_UN, a, r, 0, 0, IOP_##id, name }; return true;
#define SBIN(code, id, name, b) \
    case code: *o = (simd_info){ SK_BIN, b, V128, 0, 0, IOP_##id, name }; return true;
#define STERN(code, id, name) \
    case code: *o = (simd_info){ SK_TERN, V128, V128, 0, 0, IOP_##id, name }; return true;
#include "simd.def"
    default:
        return false;
    }
}
#undef I32
#undef I64
#undef F32
#undef F64
#undef V128

const char *rt_simd_name(uint32_t op)
{
    simd_info si;
    return simd_info_of(op, &si) ? si.name : "?";
}

/* ---------------------------------------------------------------- decoding */

wp_status rt_simd_decode(rt_reader *r, uint32_t at, bool multi_memory, rt_simd_instr *out,
                         wp_error *err)
{
    uint32_t sub;
    simd_info si;
    wp_status st = rt_read_u32(r, &sub, err);
    if (st != WP_OK)
        return st;
    if (rt_unsupported_prefixed(0xfd, sub) != NULL)
        return rt_fail_unsupported(err, at, rt_unsupported_prefixed(0xfd, sub), "opcode 0xfd %u",
                                   sub);
    if (sub > 0xff || !simd_info_of(0xfd00 | sub, &si))
        return rt_fail(err, WP_ERR_MALFORMED, at, "illegal opcode 0xfd %u", sub);
    out->op = 0xfd00 | sub;
    bool memarg = si.kind == SK_LOAD || si.kind == SK_STORE || si.kind == SK_LANE_LOAD ||
                  si.kind == SK_LANE_STORE;
    bool lane = si.kind == SK_LANE_LOAD || si.kind == SK_LANE_STORE || si.kind == SK_EXTRACT ||
                si.kind == SK_REPLACE;
    if (memarg) {
        st = rt_read_u32(r, &out->align, err);
        out->memory = 0;
        if (st == WP_OK && (out->align & 0x40u) && multi_memory) {
            out->align &= ~0x40u;
            st = rt_read_u32(r, &out->memory, err);
        }
        if (st == WP_OK)
            st = rt_read_u32(r, &out->offset, err);
    }
    if (st == WP_OK && lane) {
        /* A lane index is one byte, after the memarg if there is one. */
        uint8_t b;
        st = rt_read_u8(r, &b, err);
        out->lane = b;
    }
    if (st == WP_OK && (si.kind == SK_CONST || si.kind == SK_SHUFFLE))
        st = rt_read_bytes(r, 16, &out->bytes, err);
    return st;
}

/* ---------------------------------------------------------------- translation */

static wp_status simd_invalid(rt_simd_ctx *c, const char *fmt, ...) WP_PRINTF(2, 3);
static wp_status simd_invalid(rt_simd_ctx *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rt_failv(c->err, WP_ERR_INVALID, c->v->offset, fmt, ap);
    va_end(ap);
    return WP_ERR_INVALID;
}

static wp_status push_result(rt_simd_ctx *c, rt_valtype type, uint32_t *slot)
{
    rt_operand *o;
    wp_status st = rt_val_push(c->v, type, &o);
    if (st == WP_OK)
        *slot = o->slot;
    return st;
}

/* The 16 immediate bytes as four little-endian words. */
static void emit_with_bytes(rt_simd_ctx *c, const uint32_t *head, uint32_t nhead,
                            const uint8_t *bytes)
{
    uint32_t w[8];
    for (uint32_t i = 0; i < nhead; i++)
        w[i] = head[i];
    for (uint32_t k = 0; k < 4; k++)
        w[nhead + k] = (uint32_t)bytes[4 * k] | (uint32_t)bytes[4 * k + 1] << 8 |
                       (uint32_t)bytes[4 * k + 2] << 16 | (uint32_t)bytes[4 * k + 3] << 24;
    rt_emit_words(c->e, w, nhead + 4);
}

static wp_status check_memarg(rt_simd_ctx *c, const simd_info *si, const rt_simd_instr *in)
{
    if (in->memory >= c->m->nmemories)
        return simd_invalid(c, "unknown memory %u", in->memory);
    if (in->align > si->align)
        return simd_invalid(c, "alignment must not be larger than natural (2^%u > 2^%u)",
                            in->align, si->align);
    return WP_OK;
}

static wp_status check_lane(rt_simd_ctx *c, uint32_t lane, uint32_t lanes)
{
    if (lane >= lanes)
        return simd_invalid(c, "invalid lane index %u (the shape has %u lanes)", lane, lanes);
    return WP_OK;
}

wp_status rt_simd_translate(rt_simd_ctx *c, const rt_simd_instr *in)
{
    rt_validator *v = c->v;
    rt_emit *e = c->e;
    simd_info si;
    rt_operand a, b, x;
    uint32_t dst, sa, sb, sx, start;
    wp_status st = WP_OK;

    if (NEVER(!simd_info_of(in->op, &si)))
        return rt_fail(c->err, WP_ERR_INTERNAL, v->offset, "opcode 0x%x not handled", in->op);

    switch (si.kind) {
    case SK_LOAD:
        if ((st = check_memarg(c, &si, in)) != WP_OK || (st = rt_val_pop(v, WP_I32, &a)) != WP_OK)
            return st;
        sa = rt_emit_operand(e, &a);
        if ((st = push_result(c, WP_V128, &dst)) != WP_OK)
            return st;
        rt_emit3(e, si.iop, dst, sa, in->offset);
        return WP_OK;
    case SK_STORE:
        if ((st = check_memarg(c, &si, in)) != WP_OK ||
            (st = rt_val_pop(v, WP_V128, &b)) != WP_OK || (st = rt_val_pop(v, WP_I32, &a)) != WP_OK)
            return st;
        sa = rt_emit_operand(e, &a);
        sb = rt_emit_operand(e, &b);
        rt_emit3(e, si.iop, sa, sb, in->offset);
        return WP_OK;
    case SK_LANE_LOAD: case SK_LANE_STORE:
        if ((st = check_memarg(c, &si, in)) != WP_OK ||
            (st = check_lane(c, in->lane, si.lanes)) != WP_OK ||
            (st = rt_val_pop(v, WP_V128, &b)) != WP_OK || (st = rt_val_pop(v, WP_I32, &a)) != WP_OK)
            return st;
        sa = rt_emit_operand(e, &a);
        sb = rt_emit_operand(e, &b);
        if (si.kind == SK_LANE_STORE) {
            rt_emit4(e, si.iop, sa, sb, in->offset, in->lane);
            return WP_OK;
        }
        if ((st = push_result(c, WP_V128, &dst)) != WP_OK)
            return st;
        rt_emit5(e, si.iop, dst, sa, sb, in->offset, in->lane);
        return WP_OK;
    case SK_CONST: {
        if ((st = push_result(c, WP_V128, &dst)) != WP_OK)
            return st;
        uint32_t head[2] = { si.iop, dst };
        emit_with_bytes(c, head, 2, in->bytes);
        return WP_OK;
    }
    case SK_SHUFFLE: {
        for (uint32_t i = 0; i < 16; i++)
            if ((st = check_lane(c, in->bytes[i], si.lanes)) != WP_OK)
                return st;
        if ((st = rt_val_pop(v, WP_V128, &b)) != WP_OK || (st = rt_val_pop(v, WP_V128, &a)) != WP_OK)
            return st;
        sa = rt_emit_operand(e, &a);
        sb = rt_emit_operand(e, &b);
        if ((st = push_result(c, WP_V128, &dst)) != WP_OK)
            return st;
        uint32_t head[4] = { si.iop, dst, sa, sb };
        emit_with_bytes(c, head, 4, in->bytes);
        return WP_OK;
    }
    case SK_EXTRACT:
        if ((st = check_lane(c, in->lane, si.lanes)) != WP_OK ||
            (st = rt_val_pop(v, WP_V128, &a)) != WP_OK)
            return st;
        sa = rt_emit_operand(e, &a);
        if ((st = push_result(c, si.tout, &dst)) != WP_OK)
            return st;
        start = rt_emit_pc(e);
        rt_emit3(e, si.iop, dst, sa, in->lane);
        rt_emit_result(e, start);
        return WP_OK;
    case SK_REPLACE:
        if ((st = check_lane(c, in->lane, si.lanes)) != WP_OK ||
            (st = rt_val_pop(v, si.tin, &b)) != WP_OK || (st = rt_val_pop(v, WP_V128, &a)) != WP_OK)
            return st;
        sa = rt_emit_operand(e, &a);
        sb = rt_emit_operand(e, &b);
        if ((st = push_result(c, WP_V128, &dst)) != WP_OK)
            return st;
        rt_emit4(e, si.iop, dst, sa, sb, in->lane);
        return WP_OK;
    case SK_UN:
        if ((st = rt_val_pop(v, si.tin, &a)) != WP_OK)
            return st;
        sa = rt_emit_operand(e, &a);
        if ((st = push_result(c, si.tout, &dst)) != WP_OK)
            return st;
        start = rt_emit_pc(e);
        rt_emit2(e, si.iop, dst, sa);
        /* A scalar result may go straight to a local (translate.c). */
        if (rt_slots_of(si.tout) == 1)
            rt_emit_result(e, start);
        return WP_OK;
    case SK_BIN:
        if ((st = rt_val_pop(v, si.tin, &b)) != WP_OK || (st = rt_val_pop(v, WP_V128, &a)) != WP_OK)
            return st;
        sa = rt_emit_operand(e, &a);
        sb = rt_emit_operand(e, &b);
        if ((st = push_result(c, WP_V128, &dst)) != WP_OK)
            return st;
        rt_emit3(e, si.iop, dst, sa, sb);
        return WP_OK;
    case SK_TERN:
        if ((st = rt_val_pop(v, WP_V128, &x)) != WP_OK || (st = rt_val_pop(v, WP_V128, &b)) != WP_OK ||
            (st = rt_val_pop(v, WP_V128, &a)) != WP_OK)
            return st;
        sa = rt_emit_operand(e, &a);
        sb = rt_emit_operand(e, &b);
        sx = rt_emit_operand(e, &x);
        if ((st = push_result(c, WP_V128, &dst)) != WP_OK)
            return st;
        rt_emit4(e, si.iop, dst, sa, sb, sx);
        return WP_OK;
    default:
        return rt_fail(c->err, WP_ERR_INTERNAL, v->offset, "opcode 0x%x not handled", in->op);
    }
}
