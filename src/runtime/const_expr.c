/* Constant expressions: global initialisers, segment offsets and element
 * items. A WebAssembly 2.0 one is exactly one of i32/i64/f32/f64.const,
 * v128.const, ref.null t, ref.func x or global.get x (of an imported,
 * immutable global), then `end`. With extended constant expressions (on by
 * default, WP_FEATURE_EXTENDED_CONST) i32/i64 add, sub and mul may combine
 * such values: the expression is then a sequence, type-checked here as the
 * stack machine it is and evaluated at instantiation (instance.c). The spec
 * decodes any instruction sequence here and rejects the wrong ones in
 * validation, so an unknown opcode is malformed while a known but
 * non-constant one is invalid ("constant expression required").
 */
#include <string.h>

#include "decode.h"
#include "unsupported.h"

enum {
    OP_END = 0x0b,
    OP_GLOBAL_GET = 0x23,
    OP_I32_CONST = 0x41,
    OP_I64_CONST = 0x42,
    OP_F32_CONST = 0x43,
    OP_F64_CONST = 0x44,
    OP_I32_ADD = 0x6a,
    OP_I32_SUB = 0x6b,
    OP_I32_MUL = 0x6c,
    OP_I64_ADD = 0x7c,
    OP_I64_SUB = 0x7d,
    OP_I64_MUL = 0x7e,
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
        if (t != WP_FUNCREF && t != WP_EXTERNREF && rt_unsupported_valtype(t) != NULL)
            return rt_fail_unsupported(d->err, t_at, rt_unsupported_valtype(t),
                                       "reference type 0x%02x", t);
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
    case OP_I32_ADD: case OP_I32_SUB: case OP_I32_MUL:
    case OP_I64_ADD: case OP_I64_SUB: case OP_I64_MUL:
        if (!rt_feature(m->engine, WP_FEATURE_EXTENDED_CONST))
            return not_constant(d, at, op);
        e->kind = RT_CONST_BINOP;
        e->type = op <= OP_I32_MUL ? WP_I32 : WP_I64;
        e->index = op;
        return WP_OK;
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
        /* return_call and return_call_indirect exist only with tail calls. */
        if (is_known_opcode(op) &&
            ((op != 0x12 && op != 0x13) || rt_feature(m->engine, WP_FEATURE_TAIL_CALL)))
            return not_constant(d, at, op);
        if (rt_unsupported_opcode(op) != NULL)
            return rt_fail_unsupported(d->err, at, rt_unsupported_opcode(op), "opcode 0x%02x", op);
        return rt_fail(d->err, WP_ERR_MALFORMED, at, "illegal opcode 0x%02x", op);
    }
}

/* The instructions read so far and the types on the validation stack. The
 * first few live in the struct: most expressions are one instruction. */
typedef struct seq_buf {
    wp_engine     *engine;
    rt_const_expr *instrs, small_instrs[4];
    rt_valtype    *types, small_types[4];
    uint32_t       ninstrs, ntypes, cap, max_depth;
} seq_buf;

static void seq_init(seq_buf *b, wp_engine *e)
{
    memset(b, 0, sizeof *b);
    b->engine = e;
    b->instrs = b->small_instrs;
    b->types = b->small_types;
    b->cap = 4;
}

static void seq_fini(seq_buf *b)
{
    if (b->instrs != b->small_instrs)
        rt_free(b->engine, b->instrs, (size_t)b->cap * sizeof *b->instrs);
    if (b->types != b->small_types)
        rt_free(b->engine, b->types, (size_t)b->cap * sizeof *b->types);
}

/* Room for one more instruction and one more stack entry. */
static bool seq_reserve(seq_buf *b)
{
    if (b->ninstrs < b->cap)
        return true;
    if (b->cap > UINT32_MAX / 4)
        return false;
    uint32_t cap = b->cap * 2;
    rt_const_expr *ni = rt_alloc(b->engine, (size_t)cap * sizeof *ni);
    rt_valtype *nt = rt_alloc(b->engine, (size_t)cap * sizeof *nt);
    if (ni == NULL || nt == NULL) {
        rt_free(b->engine, ni, ni ? (size_t)cap * sizeof *ni : 0);
        rt_free(b->engine, nt, nt ? (size_t)cap * sizeof *nt : 0);
        return false;
    }
    memcpy(ni, b->instrs, (size_t)b->ninstrs * sizeof *ni);
    memcpy(nt, b->types, (size_t)b->ntypes * sizeof *nt);
    seq_fini(b);
    b->instrs = ni;
    b->types = nt;
    b->cap = cap;
    return true;
}

/* Validates one instruction against the type stack. Type 0 is an unknown
 * global, already reported; it matches anything. */
static void seq_check(rt_decoder *d, seq_buf *b, const rt_const_expr *e, uint32_t at)
{
    if (e->kind != RT_CONST_BINOP) {
        b->types[b->ntypes++] = e->type;
        if (b->ntypes > b->max_depth)
            b->max_depth = b->ntypes;
        return;
    }
    if (b->ntypes < 2) {
        rt_dec_invalid(d, at, "type mismatch: %s needs two %s operands, the stack has %u",
                       e->type == WP_I32 ? "i32 arithmetic" : "i64 arithmetic",
                       rt_dec_type_name(e->type), b->ntypes);
        b->ntypes = 0;
    } else {
        for (uint32_t k = b->ntypes - 2; k < b->ntypes; k++)
            if (b->types[k] != e->type && b->types[k] != 0)
                rt_dec_invalid(d, at, "type mismatch: operand of type %s, expected %s",
                               rt_dec_type_name(b->types[k]), rt_dec_type_name(e->type));
        b->ntypes -= 2;
    }
    b->types[b->ntypes++] = e->type;
}

wp_status rt_dec_const_expr(rt_decoder *d, rt_reader *r, rt_valtype expected, rt_const_expr *out)
{
    uint32_t at = rt_reader_offset(r);
    seq_buf b;
    seq_init(&b, d->m->engine);
    wp_status st = WP_OK;
    memset(out, 0, sizeof *out);

    for (;;) {
        rt_const_expr e = { 0 };
        bool is_end;
        uint32_t instr_at = rt_reader_offset(r);
        if ((st = read_instr(d, r, &e, &is_end)) != WP_OK)
            break;
        if (is_end)
            break;
        if (!seq_reserve(&b)) {
            st = rt_dec_nomem(d, instr_at);
            break;
        }
        b.instrs[b.ninstrs++] = e;
        seq_check(d, &b, &e, instr_at);
    }
    if (st == WP_OK) {
        rt_valtype type = b.ntypes == 1 ? b.types[0] : 0;
        if (b.ntypes != 1)
            rt_dec_invalid(d, at, "type mismatch: constant expression of %u values, expected one %s",
                           b.ntypes, rt_dec_type_name(expected));
        else if (type != expected && type != 0)   /* 0: an unknown global, reported already */
            rt_dec_invalid(d, at, "type mismatch: constant expression of type %s, expected %s",
                           rt_dec_type_name(type), rt_dec_type_name(expected));
        if (b.ninstrs == 1) {
            *out = b.instrs[0];
        } else if (b.ninstrs > 1) {
            rt_const_expr *seq = RT_DEC_ARRAY(d, rt_const_expr, b.ninstrs);
            if (seq == NULL) {
                st = rt_dec_nomem(d, at);
            } else {
                memcpy(seq, b.instrs, (size_t)b.ninstrs * sizeof *seq);
                out->kind = RT_CONST_SEQ;
                out->type = expected;
                out->index = b.ninstrs;
                out->bits[0] = b.max_depth;
                out->seq = seq;
            }
        }
    }
    seq_fini(&b);
    return st;
}
