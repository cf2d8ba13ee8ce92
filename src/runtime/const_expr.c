/* Constant expressions of WebAssembly 2.0: global initialisers, segment
 * offsets and element items. A valid one is exactly one of i32/i64/f32/
 * f64.const, v128.const, ref.null t, ref.func x or global.get x (of an
 * imported, immutable global), then `end`, and its type is the expected
 * one. The spec decodes any instruction sequence here and rejects the
 * wrong ones in validation, so an unknown opcode is malformed while a known
 * but non-constant one is invalid ("constant expression required").
 */
#include "decode.h"

enum {
    OP_END = 0x0b,
    OP_GLOBAL_GET = 0x23,
    OP_I32_CONST = 0x41,
    OP_I64_CONST = 0x42,
    OP_F32_CONST = 0x43,
    OP_F64_CONST = 0x44,
    OP_REF_NULL = 0xd0,
    OP_REF_FUNC = 0xd2,
    OP_PREFIX_FC = 0xfc,
    OP_PREFIX_SIMD = 0xfd,
    SIMD_V128_CONST = 12,
    FC_LAST = 17        /* table.fill: the last 0xFC instruction of 2.0 */
};

/* Whether a one-byte opcode exists in 2.0, from the opcode table. */
static bool is_known_opcode(uint32_t op)
{
    switch (op) {
#define CTRL(code, id, name) case code:
#define UN(code, id, name, tin, tout) case code:
#define BIN(code, id, name, tin, tout) case code:
#define LOAD(code, id, name, tout, align) case code:
#define STORE(code, id, name, tin, align) case code:
#include "opcodes.def"
#undef CTRL
#undef UN
#undef BIN
#undef LOAD
#undef STORE
        return true;
    default:
        return false;
    }
}

/* A non-constant instruction ends decoding: its immediates are not known
 * here, so the expression cannot be skipped. */
static wp_status not_constant(rt_decoder *d, uint32_t at, uint32_t op)
{
    return rt_fail(d->err, WP_ERR_INVALID, at,
                   "constant expression required: opcode 0x%02x is not a constant instruction", op);
}

/* One instruction of the expression; *is_end when it was `end`. */
static wp_status read_instr(rt_decoder *d, rt_reader *r, rt_const_expr *e, bool *is_end)
{
    wp_module *m = d->m;
    uint32_t at = rt_reader_offset(r);
    uint8_t op;
    wp_status st = rt_read_u8(r, &op, d->err);
    if (st != WP_OK)
        return st;
    *is_end = op == OP_END;

    switch (op) {
    case OP_END:
        return WP_OK;
    case OP_I32_CONST: {
        int32_t v;
        if ((st = rt_read_s32(r, &v, d->err)) != WP_OK)
            return st;
        e->kind = RT_CONST_VALUE;
        e->type = WP_I32;
        e->bits[0] = (uint32_t)v;
        return WP_OK;
    }
    case OP_I64_CONST: {
        int64_t v;
        if ((st = rt_read_s64(r, &v, d->err)) != WP_OK)
            return st;
        e->kind = RT_CONST_VALUE;
        e->type = WP_I64;
        e->bits[0] = (uint64_t)v;
        return WP_OK;
    }
    case OP_F32_CONST: {
        uint32_t bits;
        if ((st = rt_read_f32(r, &bits, d->err)) != WP_OK)
            return st;
        e->kind = RT_CONST_VALUE;
        e->type = WP_F32;
        e->bits[0] = bits;
        return WP_OK;
    }
    case OP_F64_CONST:
        e->kind = RT_CONST_VALUE;
        e->type = WP_F64;
        return rt_read_f64(r, &e->bits[0], d->err);
    case OP_REF_NULL: {
        uint32_t t_at = rt_reader_offset(r);
        uint8_t t;
        if ((st = rt_read_u8(r, &t, d->err)) != WP_OK)
            return st;
        if (t != WP_FUNCREF && t != WP_EXTERNREF)
            return rt_fail(d->err, WP_ERR_MALFORMED, t_at, "malformed reference type 0x%02x", t);
        e->kind = RT_CONST_REF_NULL;
        e->type = t;
        return WP_OK;
    }
    case OP_REF_FUNC: {
        uint32_t x_at = rt_reader_offset(r);
        if ((st = rt_read_u32(r, &e->index, d->err)) != WP_OK)
            return st;
        e->kind = RT_CONST_REF_FUNC;
        e->type = WP_FUNCREF;
        if (e->index >= m->nfuncs)
            return rt_dec_invalid(d, x_at, "unknown function %u (the module has %u)", e->index, m->nfuncs);
        /* C.refs: any ref.func outside function bodies declares its function. */
        m->func_declared[e->index] = 1;
        return WP_OK;
    }
    case OP_GLOBAL_GET: {
        uint32_t x_at = rt_reader_offset(r);
        if ((st = rt_read_u32(r, &e->index, d->err)) != WP_OK)
            return st;
        e->kind = RT_CONST_GLOBAL_GET;
        /* Only imported globals are visible to constant expressions in 2.0. */
        if (e->index >= m->nglobal_imports) {
            e->type = 0;
            return rt_dec_invalid(d, x_at, "unknown global %u (%u imported)", e->index, m->nglobal_imports);
        }
        e->type = m->globals[e->index].type;
        if (m->globals[e->index].mut)
            return rt_dec_invalid(d, at, "constant expression required: global %u is mutable", e->index);
        return WP_OK;
    }
    case OP_PREFIX_SIMD: {
        uint32_t sub;
        if ((st = rt_read_u32(r, &sub, d->err)) != WP_OK)
            return st;
        if (sub != SIMD_V128_CONST)
            return not_constant(d, at, 0xfd00 | (sub & 0xff));
        const uint8_t *p;
        if ((st = rt_read_bytes(r, 16, &p, d->err)) != WP_OK)
            return st;
        e->kind = RT_CONST_VALUE;
        e->type = WP_V128;
        e->bits[0] = e->bits[1] = 0;
        for (int i = 7; i >= 0; i--) {
            e->bits[0] = e->bits[0] << 8 | p[i];
            e->bits[1] = e->bits[1] << 8 | p[8 + i];
        }
        return WP_OK;
    }
    case OP_PREFIX_FC: {
        uint32_t sub;
        if ((st = rt_read_u32(r, &sub, d->err)) != WP_OK)
            return st;
        if (sub > FC_LAST)
            return rt_fail(d->err, WP_ERR_MALFORMED, at, "illegal opcode 0xfc %u", sub);
        return not_constant(d, at, 0xfc00 | sub);
    }
    default:
        if (is_known_opcode(op))
            return not_constant(d, at, op);
        return rt_fail(d->err, WP_ERR_MALFORMED, at, "illegal opcode 0x%02x", op);
    }
}

wp_status rt_dec_const_expr(rt_decoder *d, rt_reader *r, rt_valtype expected, rt_const_expr *out)
{
    uint32_t at = rt_reader_offset(r);
    uint32_t ninstr = 0;
    rt_const_expr first = { 0 };

    for (;;) {
        rt_const_expr e = { 0 };
        bool is_end;
        wp_status st = read_instr(d, r, &e, &is_end);
        if (st != WP_OK)
            return st;
        if (is_end)
            break;
        if (ninstr++ == 0)
            first = e;
    }
    *out = first;
    if (ninstr != 1)
        return rt_dec_invalid(d, at, "type mismatch: constant expression of %u values, expected one %s",
                              ninstr, rt_dec_type_name(expected));
    /* type 0: an unknown global, reported already */
    if (first.type != expected && first.type != 0)
        return rt_dec_invalid(d, at, "type mismatch: constant expression of type %s, expected %s",
                              rt_dec_type_name(first.type), rt_dec_type_name(expected));
    return WP_OK;
}
