/* The v128 instructions (prefix 0xFD) to LLVM vector IR.
 *
 * A v128 is one LLVM type on the operand stack, in locals, phis, slots and
 * globals: <2 x i64> (e->t_v128). Each instruction bitcasts its operands
 * to the shape it works on (<16 x i8>, <8 x i16>, <4 x i32>, <2 x i64>,
 * <4 x float>, <2 x double>) and its result back; bitcasts are free.
 *
 * Where LLVM's operation differs from wasm's, the wasm rule is written out
 * in selects, so that the native code gives the interpreter's results
 * (simd_ops.h) bit for bit:
 *  - min/max: NaN in gives a + b (a quiet NaN), equal operands combine
 *    their bits (-0 below +0); pmin/pmax are the plain selects.
 *  - float-to-int conversions are the fpto*i.sat intrinsics (wasm's
 *    saturating rule); plain fptosi would be poison out of range.
 *  - swizzle gives 0 for an index of 16 or more; shift counts are taken
 *    modulo the lane width; narrowing saturates the signed input.
 *  - v128.const and promoted lanes go through jit_opaque, as the scalar
 *    float constants do, so LLVM cannot fold x * 1.0 and the like into a
 *    result that keeps a signalling NaN.
 * Loads and stores check their bounds with jit_mem_addr, the scalar
 * accesses' check, so they trap at the same addresses.
 */
#include <stdio.h>
#include <string.h>

#include "jit_emit.h"
#include "../translate_simd.h"

typedef enum { SH_I8, SH_I16, SH_I32, SH_I64, SH_F32, SH_F64 } shape;

static const unsigned LANES[6] = { 16, 8, 4, 2, 4, 2 };
static const unsigned WIDTH[6] = { 8, 16, 32, 64, 32, 64 };

static LLVMTypeRef lane_type(jemit *e, shape s)
{
    switch (s) {
    case SH_I8:  return e->t_i8;
    case SH_I16: return e->t_i16;
    case SH_I32: return e->t_i32;
    case SH_I64: return e->t_i64;
    case SH_F32: return e->t_f32;
    default:     return e->t_f64;
    }
}

static LLVMTypeRef vec_type(jemit *e, shape s)
{
    return LLVMVectorType(lane_type(e, s), LANES[s]);
}

/* The integer shape of the same lanes as s. */
static shape int_shape(shape s)
{
    return s == SH_F32 ? SH_I32 : s == SH_F64 ? SH_I64 : s;
}

static LLVMValueRef cast(jemit *e, LLVMValueRef v, LLVMTypeRef t)
{
    return LLVMTypeOf(v) == t ? v : LLVMBuildBitCast(e->b, v, t, "");
}

static LLVMValueRef pop_as(jemit *e, shape s)
{
    return cast(e, jit_pop(e), vec_type(e, s));
}

static void push_v(jemit *e, LLVMValueRef v)
{
    jit_push(e, cast(e, v, e->t_v128));
}

static LLVMValueRef ci(LLVMTypeRef t, uint64_t v)
{
    return LLVMConstInt(t, v, 0);
}

static LLVMValueRef c32(jemit *e, uint64_t v)
{
    return LLVMConstInt(e->t_i32, v, 0);
}

/* A vector of type vt with every lane v (a constant or a value). */
static LLVMValueRef splat(jemit *e, LLVMTypeRef vt, LLVMValueRef v)
{
    unsigned n = LLVMGetVectorSize(vt);
    if (LLVMIsConstant(v)) {
        LLVMValueRef lanes[16];
        for (unsigned i = 0; i < n; i++)
            lanes[i] = v;
        return LLVMConstVector(lanes, n);
    }
    LLVMValueRef one = LLVMBuildInsertElement(e->b, LLVMGetUndef(vt), v, c32(e, 0), "");
    return LLVMBuildShuffleVector(e->b, one, LLVMGetUndef(vt), LLVMConstNull(
                                  LLVMVectorType(e->t_i32, n)), "");
}

/* shufflevector(a, b) with lanes idx[0..n). */
static LLVMValueRef shuffle(jemit *e, LLVMValueRef a, LLVMValueRef b, const unsigned *idx,
                            unsigned n)
{
    LLVMValueRef m[32];
    for (unsigned i = 0; i < n; i++)
        m[i] = c32(e, idx[i]);
    return LLVMBuildShuffleVector(e->b, a, b, LLVMConstVector(m, n), "");
}

/* Lanes first, first + step, ... (n of them) of v. */
static LLVMValueRef lanes_of(jemit *e, LLVMValueRef v, unsigned first, unsigned step, unsigned n)
{
    unsigned idx[16] = { 0 };
    for (unsigned i = 0; i < n && i < 16; i++)
        idx[i] = first + i * step;
    return shuffle(e, v, LLVMGetUndef(LLVMTypeOf(v)), idx, n);
}

/* The low (high = false) or high half of v's lanes, widened to twice the
 * width, sign- or zero-extended. */
static LLVMValueRef widen_half(jemit *e, LLVMValueRef v, bool high, bool sign)
{
    unsigned n = LLVMGetVectorSize(LLVMTypeOf(v)) / 2;
    unsigned w = LLVMGetIntTypeWidth(LLVMGetElementType(LLVMTypeOf(v)));
    LLVMValueRef h = lanes_of(e, v, high ? n : 0, 1, n);
    LLVMTypeRef wt = LLVMVectorType(LLVMIntTypeInContext(e->ctx, w * 2), n);
    return sign ? LLVMBuildSExt(e->b, h, wt, "") : LLVMBuildZExt(e->b, h, wt, "");
}

static LLVMValueRef intrinsic1(jemit *e, const char *name, LLVMValueRef a)
{
    LLVMTypeRef t = LLVMTypeOf(a);
    return jit_intrinsic(e, name, &t, 1, &a, 1);
}

static LLVMValueRef intrinsic2(jemit *e, const char *name, LLVMValueRef a, LLVMValueRef b)
{
    LLVMTypeRef t = LLVMTypeOf(a);
    LLVMValueRef args[2] = { a, b };
    return jit_intrinsic(e, name, &t, 1, args, 2);
}

/* A lane mask <n x i1> as an all-ones / zero vector of shape s. */
static void push_mask(jemit *e, LLVMValueRef m, shape s)
{
    push_v(e, LLVMBuildSExt(e->b, m, vec_type(e, int_shape(s)), ""));
}

/* ---------------------------------------------------------------- memory */

/* Memory rows: loads, stores, lane accesses. */
static void emit_load(jemit *e, uint32_t sub, uint32_t offset)
{
    LLVMBuilderRef B = e->b;
    static const unsigned size[] = { 16, 8, 8, 8, 8, 8, 8, 1, 2, 4, 8 };
    unsigned n = sub <= 0x0a ? size[sub] : sub == 0x5c ? 4 : 8;
    LLVMValueRef p = jit_mem_addr(e, jit_pop(e), offset, n);
    LLVMTypeRef lt = n == 16 ? e->t_v128 : LLVMIntTypeInContext(e->ctx, n * 8);
    if (sub >= 0x01 && sub <= 0x06) {
        static const shape from[3] = { SH_I8, SH_I16, SH_I32 };
        lt = LLVMVectorType(lane_type(e, from[(sub - 1) / 2]), 64 / WIDTH[from[(sub - 1) / 2]]);
    }
    LLVMValueRef v = LLVMBuildLoad2(B, lt, p, "");
    LLVMSetAlignment(v, 1);
    if (sub == 0x00) {
        jit_push(e, v);
    } else if (sub <= 0x06) {
        static const shape to[3] = { SH_I16, SH_I32, SH_I64 };
        LLVMTypeRef wt = vec_type(e, to[(sub - 1) / 2]);
        push_v(e, (sub & 1) ? LLVMBuildSExt(B, v, wt, "") : LLVMBuildZExt(B, v, wt, ""));
    } else if (sub <= 0x0a) {
        static const shape sh[4] = { SH_I8, SH_I16, SH_I32, SH_I64 };
        push_v(e, splat(e, vec_type(e, sh[sub - 0x07]), v));
    } else {
        shape s = sub == 0x5c ? SH_I32 : SH_I64;
        push_v(e, LLVMBuildInsertElement(B, LLVMConstNull(vec_type(e, s)), v, c32(e, 0), ""));
    }
}

static void emit_store(jemit *e, uint32_t offset)
{
    LLVMValueRef v = jit_pop(e);
    LLVMValueRef p = jit_mem_addr(e, jit_pop(e), offset, 16);
    LLVMSetAlignment(LLVMBuildStore(e->b, v, p), 1);
}

/* v128.loadN_lane (0x54..0x57) and v128.storeN_lane (0x58..0x5b). */
static void emit_lane_access(jemit *e, uint32_t sub, uint32_t offset, uint32_t lane)
{
    LLVMBuilderRef B = e->b;
    shape s = (shape)((sub - 0x54) & 3);
    LLVMValueRef v = pop_as(e, s);
    LLVMValueRef p = jit_mem_addr(e, jit_pop(e), offset, WIDTH[s] / 8);
    if (sub <= 0x57) {
        LLVMValueRef x = LLVMBuildLoad2(B, lane_type(e, s), p, "");
        LLVMSetAlignment(x, 1);
        push_v(e, LLVMBuildInsertElement(B, v, x, c32(e, lane), ""));
    } else {
        LLVMValueRef x = LLVMBuildExtractElement(B, v, c32(e, lane), "");
        LLVMSetAlignment(LLVMBuildStore(B, x, p), 1);
    }
}

/* ---------------------------------------------------------------- lanes */

static void emit_const(jemit *e, const uint8_t *bytes)
{
    uint64_t w[2];
    memcpy(w, bytes, 16);   /* little-endian host (simd_ops.h) */
    LLVMValueRef lanes[2] = { ci(e->t_i64, w[0]), ci(e->t_i64, w[1]) };
    jit_push(e, jit_opaque(e, LLVMConstVector(lanes, 2)));
}

static void emit_shuffle(jemit *e, const uint8_t *bytes)
{
    LLVMValueRef b = pop_as(e, SH_I8), a = pop_as(e, SH_I8);
    unsigned idx[16];
    for (unsigned i = 0; i < 16; i++)
        idx[i] = bytes[i] & 31;   /* validated: below 32 */
    push_v(e, shuffle(e, a, b, idx, 16));
}

/* a[b[i]], or 0 where b[i] >= 16. */
static void emit_swizzle(jemit *e)
{
    LLVMBuilderRef B = e->b;
    LLVMValueRef b = pop_as(e, SH_I8), a = pop_as(e, SH_I8);
    LLVMValueRef r = LLVMConstNull(vec_type(e, SH_I8));
    for (unsigned i = 0; i < 16; i++) {
        LLVMValueRef j = LLVMBuildExtractElement(B, b, c32(e, i), "");
        LLVMValueRef x = LLVMBuildExtractElement(B, a, LLVMBuildAnd(B, j, ci(e->t_i8, 15), ""), "");
        LLVMValueRef in = LLVMBuildICmp(B, LLVMIntULT, j, ci(e->t_i8, 16), "");
        x = LLVMBuildSelect(B, in, x, ci(e->t_i8, 0), "");
        r = LLVMBuildInsertElement(B, r, x, c32(e, i), "");
    }
    push_v(e, r);
}

/* i8x16.splat .. f64x2.splat (0x0f..0x14). */
static void emit_splat(jemit *e, uint32_t sub)
{
    shape s = (shape)(sub - 0x0f);
    LLVMValueRef x = jit_pop(e);
    if (s == SH_I8 || s == SH_I16)
        x = LLVMBuildTrunc(e->b, x, lane_type(e, s), "");
    push_v(e, splat(e, vec_type(e, s), x));
}

/* extract_lane and replace_lane (0x15..0x22). */
static void emit_lane(jemit *e, uint32_t sub, uint32_t lane)
{
    LLVMBuilderRef B = e->b;
    static const struct { uint8_t shape, kind; } L[14] = {   /* kind: 0 s, 1 u, 2 replace */
        { SH_I8, 0 }, { SH_I8, 1 }, { SH_I8, 2 }, { SH_I16, 0 }, { SH_I16, 1 }, { SH_I16, 2 },
        { SH_I32, 1 }, { SH_I32, 2 }, { SH_I64, 1 }, { SH_I64, 2 }, { SH_F32, 1 },
        { SH_F32, 2 }, { SH_F64, 1 }, { SH_F64, 2 },
    };
    shape s = (shape)L[sub - 0x15].shape;
    unsigned kind = L[sub - 0x15].kind;
    bool narrow = s == SH_I8 || s == SH_I16;
    if (kind == 2) {
        LLVMValueRef x = jit_pop(e);
        LLVMValueRef v = pop_as(e, s);
        if (narrow)
            x = LLVMBuildTrunc(B, x, lane_type(e, s), "");
        push_v(e, LLVMBuildInsertElement(B, v, x, c32(e, lane), ""));
        return;
    }
    LLVMValueRef x = LLVMBuildExtractElement(B, pop_as(e, s), c32(e, lane), "");
    if (narrow)
        x = kind == 0 ? LLVMBuildSExt(B, x, e->t_i32, "") : LLVMBuildZExt(B, x, e->t_i32, "");
    jit_push(e, x);
}

/* ---------------------------------------------------------------- comparisons */

/* Integer comparisons 0x23..0x40 (i8, i16, i32: ten each). */
static void emit_icmp(jemit *e, uint32_t sub)
{
    static const LLVMIntPredicate p[10] = {
        LLVMIntEQ, LLVMIntNE, LLVMIntSLT, LLVMIntULT, LLVMIntSGT,
        LLVMIntUGT, LLVMIntSLE, LLVMIntULE, LLVMIntSGE, LLVMIntUGE
    };
    shape s = (shape)((sub - 0x23) / 10);
    LLVMValueRef b = pop_as(e, s), a = pop_as(e, s);
    push_mask(e, LLVMBuildICmp(e->b, p[(sub - 0x23) % 10], a, b, ""), s);
}

/* i64x2 comparisons 0xd6..0xdb: eq ne lt_s gt_s le_s ge_s. */
static void emit_i64_cmp(jemit *e, uint32_t sub)
{
    static const LLVMIntPredicate p[6] = {
        LLVMIntEQ, LLVMIntNE, LLVMIntSLT, LLVMIntSGT, LLVMIntSLE, LLVMIntSGE
    };
    LLVMValueRef b = pop_as(e, SH_I64), a = pop_as(e, SH_I64);
    push_mask(e, LLVMBuildICmp(e->b, p[sub - 0xd6], a, b, ""), SH_I64);
}

/* Float comparisons 0x41..0x4c (f32 then f64: eq ne lt gt le ge); ne is
 * unordered (true on NaN), the others ordered. */
static void emit_fcmp(jemit *e, uint32_t sub)
{
    static const LLVMRealPredicate p[6] = {
        LLVMRealOEQ, LLVMRealUNE, LLVMRealOLT, LLVMRealOGT, LLVMRealOLE, LLVMRealOGE
    };
    shape s = sub < 0x47 ? SH_F32 : SH_F64;
    LLVMValueRef b = pop_as(e, s), a = pop_as(e, s);
    push_mask(e, LLVMBuildFCmp(e->b, p[(sub - 0x41) % 6], a, b, ""), s);
}

/* ---------------------------------------------------------------- bitwise, reductions */

static void emit_bitwise(jemit *e, uint32_t sub)
{
    LLVMBuilderRef B = e->b;
    if (sub == 0x4d) {
        jit_push(e, LLVMBuildNot(B, jit_pop(e), ""));
        return;
    }
    if (sub == 0x52) {
        LLVMValueRef c = jit_pop(e), b = jit_pop(e), a = jit_pop(e);
        jit_push(e, LLVMBuildOr(B, LLVMBuildAnd(B, a, c, ""),
                                LLVMBuildAnd(B, b, LLVMBuildNot(B, c, ""), ""), ""));
        return;
    }
    LLVMValueRef b = jit_pop(e), a = jit_pop(e), r = NULL;
    switch (sub) {
    case 0x4e: r = LLVMBuildAnd(B, a, b, ""); break;
    case 0x4f: r = LLVMBuildAnd(B, a, LLVMBuildNot(B, b, ""), ""); break;
    case 0x50: r = LLVMBuildOr(B, a, b, ""); break;
    default:   r = LLVMBuildXor(B, a, b, ""); break;
    }
    jit_push(e, r);
}

static void emit_any_true(jemit *e)
{
    LLVMTypeRef i128 = LLVMIntTypeInContext(e->ctx, 128);
    LLVMValueRef v = cast(e, jit_pop(e), i128);
    LLVMValueRef nz = LLVMBuildICmp(e->b, LLVMIntNE, v, LLVMConstNull(i128), "");
    jit_push(e, LLVMBuildZExt(e->b, nz, e->t_i32, ""));
}

/* all_true (every lane non-zero) or bitmask (the lanes' sign bits). */
static void emit_reduce(jemit *e, shape s, bool all_true)
{
    LLVMBuilderRef B = e->b;
    LLVMValueRef v = pop_as(e, s);
    LLVMValueRef zero = LLVMConstNull(vec_type(e, s));
    LLVMValueRef m = LLVMBuildICmp(B, all_true ? LLVMIntNE : LLVMIntSLT, v, zero, "");
    LLVMTypeRef bits = LLVMIntTypeInContext(e->ctx, LANES[s]);
    LLVMValueRef k = LLVMBuildBitCast(B, m, bits, "");
    if (all_true)
        k = LLVMBuildZExt(B, LLVMBuildICmp(B, LLVMIntEQ, k, LLVMConstAllOnes(bits), ""),
                          e->t_i32, "");
    else
        k = LLVMBuildZExt(B, k, e->t_i32, "");
    jit_push(e, k);
}

/* ---------------------------------------------------------------- integer lanes */

/* narrow: lanes of a, then b (0x65, 0x66, 0x85, 0x86). */
static void emit_narrow(jemit *e, uint32_t sub)
{
    shape wide = sub < 0x80 ? SH_I16 : SH_I32;
    bool sign = (sub & 1) != 0;
    LLVMValueRef b = pop_as(e, wide), a = pop_as(e, wide);
    unsigned n = LANES[wide];
    unsigned idx[16];
    for (unsigned i = 0; i < 2 * n; i++)
        idx[i] = i;
    LLVMValueRef ab = shuffle(e, a, b, idx, 2 * n);
    unsigned w = WIDTH[wide] / 2;
    int64_t lo = sign ? -(INT64_C(1) << (w - 1)) : 0;
    int64_t hi = sign ? (INT64_C(1) << (w - 1)) - 1 : (INT64_C(1) << w) - 1;
    LLVMTypeRef wt2 = LLVMVectorType(lane_type(e, wide), 2 * n);
    LLVMValueRef x = intrinsic2(e, "llvm.smax", ab, splat(e, wt2, ci(lane_type(e, wide),
                                                                     (uint64_t)lo)));
    x = intrinsic2(e, "llvm.smin", x, splat(e, wt2, ci(lane_type(e, wide), (uint64_t)hi)));
    push_v(e, LLVMBuildTrunc(e->b, x, LLVMVectorType(lane_type(e, (shape)(wide - 1)), 2 * n),
                             ""));
}

/* Shifts: shl, shr_s, shr_u (count modulo the lane width). */
static void emit_shift(jemit *e, shape s, unsigned kind)
{
    LLVMBuilderRef B = e->b;
    LLVMValueRef n = jit_pop(e);
    LLVMValueRef v = pop_as(e, s);
    n = LLVMBuildAnd(B, n, c32(e, WIDTH[s] - 1), "");
    LLVMTypeRef lt = lane_type(e, s);
    n = s == SH_I64 ? LLVMBuildZExt(B, n, lt, "") : s == SH_I32 ? n : LLVMBuildTrunc(B, n, lt, "");
    LLVMValueRef vn = splat(e, vec_type(e, s), n);
    push_v(e, kind == 0 ? LLVMBuildShl(B, v, vn, "")
              : kind == 1 ? LLVMBuildAShr(B, v, vn, "") : LLVMBuildLShr(B, v, vn, ""));
}

/* (a + b + 1) >> 1 on unsigned lanes, without overflow. */
static LLVMValueRef avgr_u(jemit *e, LLVMValueRef a, LLVMValueRef b, shape s)
{
    LLVMBuilderRef B = e->b;
    LLVMTypeRef wt = LLVMVectorType(lane_type(e, (shape)(s + 1)), LANES[s]);
    LLVMValueRef x = LLVMBuildAdd(B, LLVMBuildZExt(B, a, wt, ""), LLVMBuildZExt(B, b, wt, ""), "");
    LLVMValueRef one = splat(e, wt, ci(lane_type(e, (shape)(s + 1)), 1));
    x = LLVMBuildLShr(B, LLVMBuildAdd(B, x, one, ""), one, "");
    return LLVMBuildTrunc(B, x, vec_type(e, s), "");
}

/* i16x8.q15mulr_sat_s: (a * b + 0x4000) >> 15, saturated. */
static void emit_q15mulr(jemit *e)
{
    LLVMBuilderRef B = e->b;
    LLVMValueRef b = pop_as(e, SH_I16), a = pop_as(e, SH_I16);
    LLVMTypeRef w8 = LLVMVectorType(e->t_i32, 8);
    LLVMValueRef p = LLVMBuildMul(B, LLVMBuildSExt(B, a, w8, ""), LLVMBuildSExt(B, b, w8, ""), "");
    p = LLVMBuildAdd(B, p, splat(e, w8, c32(e, 0x4000)), "");
    p = LLVMBuildAShr(B, p, splat(e, w8, c32(e, 15)), "");
    p = intrinsic2(e, "llvm.smin", p, splat(e, w8, c32(e, 0x7fff)));
    p = intrinsic2(e, "llvm.smax", p, splat(e, w8, c32(e, (uint32_t)-0x8000)));
    push_v(e, LLVMBuildTrunc(B, p, vec_type(e, SH_I16), ""));
}

/* i32x4.dot_i16x8_s: sums of adjacent signed products, wrapping. */
static void emit_dot(jemit *e)
{
    LLVMBuilderRef B = e->b;
    LLVMValueRef b = pop_as(e, SH_I16), a = pop_as(e, SH_I16);
    LLVMTypeRef w8 = LLVMVectorType(e->t_i32, 8);
    LLVMValueRef p = LLVMBuildMul(B, LLVMBuildSExt(B, a, w8, ""), LLVMBuildSExt(B, b, w8, ""), "");
    push_v(e, LLVMBuildAdd(B, lanes_of(e, p, 0, 2, 4), lanes_of(e, p, 1, 2, 4), ""));
}

/* extadd_pairwise (0x7c..0x7f): sums of adjacent lanes, widened. */
static void emit_extadd(jemit *e, uint32_t sub)
{
    LLVMBuilderRef B = e->b;
    shape s = sub <= 0x7d ? SH_I8 : SH_I16;
    bool sign = (sub & 1) == 0;
    LLVMValueRef v = pop_as(e, s);
    unsigned n = LANES[s] / 2;
    LLVMTypeRef wt = vec_type(e, (shape)(s + 1));
    LLVMValueRef ev = lanes_of(e, v, 0, 2, n), od = lanes_of(e, v, 1, 2, n);
    ev = sign ? LLVMBuildSExt(B, ev, wt, "") : LLVMBuildZExt(B, ev, wt, "");
    od = sign ? LLVMBuildSExt(B, od, wt, "") : LLVMBuildZExt(B, od, wt, "");
    push_v(e, LLVMBuildAdd(B, ev, od, ""));
}

/* The ops of the integer lane groups 0x60..0xdf: shape s (i8 at 0x60,
 * i16 at 0x80, i32 at 0xa0, i64 at 0xc0) and k the offset in the group. */
static bool emit_int_group(jemit *e, shape s, uint32_t k)
{
    LLVMBuilderRef B = e->b;
    switch (k) {
    case 0x00:   /* abs: the minimum stays the minimum */
        push_v(e, jit_intrinsic(e, "llvm.abs", (LLVMTypeRef[]){ vec_type(e, s) }, 1,
                                (LLVMValueRef[]){ pop_as(e, s), LLVMConstInt(e->t_i1, 0, 0) },
                                2));
        return true;
    case 0x01:
        push_v(e, LLVMBuildNeg(B, pop_as(e, s), ""));
        return true;
    case 0x03: emit_reduce(e, s, true); return true;
    case 0x04: emit_reduce(e, s, false); return true;
    case 0x07: case 0x08: case 0x09: case 0x0a: {   /* extend low_s high_s low_u high_u */
        if (s == SH_I8)
            return false;
        LLVMValueRef v = pop_as(e, (shape)(s - 1));
        push_v(e, widen_half(e, v, k == 0x08 || k == 0x0a, k <= 0x08));
        return true;
    }
    case 0x0b: case 0x0c: case 0x0d:
        emit_shift(e, s, k - 0x0b);
        return true;
    }
    static const char *const sat[4] = { "llvm.sadd.sat", "llvm.uadd.sat", NULL, "llvm.ssub.sat" };
    static const char *const minmax[4] = { "llvm.smin", "llvm.umin", "llvm.smax", "llvm.umax" };
    LLVMValueRef r;
    if (k == 0x1c || k == 0x1d || k == 0x1e || k == 0x1f) {   /* extmul low_s high_s low_u high_u */
        if (s == SH_I8)
            return false;
        LLVMValueRef b = pop_as(e, (shape)(s - 1)), a = pop_as(e, (shape)(s - 1));
        bool high = k == 0x1d || k == 0x1f, sign = k <= 0x1d;
        push_v(e, LLVMBuildMul(B, widen_half(e, a, high, sign), widen_half(e, b, high, sign), ""));
        return true;
    }
    LLVMValueRef b = pop_as(e, s), a = pop_as(e, s);
    switch (k) {
    case 0x0e: r = LLVMBuildAdd(B, a, b, ""); break;
    case 0x11: r = LLVMBuildSub(B, a, b, ""); break;
    case 0x15: r = LLVMBuildMul(B, a, b, ""); break;
    case 0x0f: case 0x10: case 0x12:
        r = intrinsic2(e, sat[k - 0x0f], a, b);
        break;
    case 0x13: r = intrinsic2(e, "llvm.usub.sat", a, b); break;
    case 0x16: case 0x17: case 0x18: case 0x19:
        r = intrinsic2(e, minmax[k - 0x16], a, b);
        break;
    case 0x1b: r = avgr_u(e, a, b, s); break;
    default:
        return false;
    }
    push_v(e, r);
    return true;
}

/* ---------------------------------------------------------------- floating point */

/* min/max as the interpreter's rt_f32_min and friends: a NaN operand
 * gives a + b; equal operands (0 and -0 among them) give the OR (min) or
 * AND (max) of their bits; otherwise the smaller or larger. */
static LLVMValueRef fminmax(jemit *e, LLVMValueRef a, LLVMValueRef b, shape s, bool is_min)
{
    LLVMBuilderRef B = e->b;
    LLVMTypeRef it = vec_type(e, int_shape(s));
    LLVMValueRef ai = cast(e, a, it), bi = cast(e, b, it);
    LLVMValueRef eq_bits = cast(e, is_min ? LLVMBuildOr(B, ai, bi, "") : LLVMBuildAnd(B, ai, bi, ""),
                                vec_type(e, s));
    LLVMValueRef r = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOEQ, a, b, ""), eq_bits,
                                     LLVMBuildFAdd(B, a, b, ""), "");
    r = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOLT, is_min ? b : a, is_min ? a : b, ""),
                        b, r, "");
    r = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOLT, is_min ? a : b, is_min ? b : a, ""),
                        a, r, "");
    return r;
}

/* f32x4 at 0xe0..0xeb, f64x2 at 0xec..0xf7; k the offset. */
static bool emit_float_group(jemit *e, shape s, uint32_t k)
{
    LLVMBuilderRef B = e->b;
    switch (k) {
    case 0: push_v(e, intrinsic1(e, "llvm.fabs", pop_as(e, s))); return true;
    case 1: push_v(e, LLVMBuildFNeg(B, pop_as(e, s), "")); return true;
    case 3: push_v(e, intrinsic1(e, "llvm.sqrt", pop_as(e, s))); return true;
    case 2: return false;
    }
    LLVMValueRef b = pop_as(e, s), a = pop_as(e, s), r;
    switch (k) {
    case 4:  r = LLVMBuildFAdd(B, a, b, ""); break;
    case 5:  r = LLVMBuildFSub(B, a, b, ""); break;
    case 6:  r = LLVMBuildFMul(B, a, b, ""); break;
    case 7:  r = LLVMBuildFDiv(B, a, b, ""); break;
    case 8:  r = fminmax(e, a, b, s, true); break;
    case 9:  r = fminmax(e, a, b, s, false); break;
    case 10: r = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOLT, b, a, ""), b, a, ""); break;
    default: r = LLVMBuildSelect(B, LLVMBuildFCmp(B, LLVMRealOLT, a, b, ""), b, a, ""); break;
    }
    push_v(e, r);
    return true;
}

/* ceil floor trunc nearest. */
static void emit_round(jemit *e, shape s, const char *name)
{
    push_v(e, intrinsic1(e, name, pop_as(e, s)));
}

/* 0x5e, 0x5f and 0xf8..0xff. */
static void emit_convert(jemit *e, uint32_t sub)
{
    LLVMBuilderRef B = e->b;
    LLVMTypeRef v4i32 = vec_type(e, SH_I32), v2i32 = LLVMVectorType(e->t_i32, 2);
    LLVMTypeRef v4f32 = vec_type(e, SH_F32), v2f64 = vec_type(e, SH_F64);
    static const unsigned low_zero[4] = { 0, 1, 2, 3 };
    switch (sub) {
    case 0x5e: {   /* f32x4.demote_f64x2_zero */
        LLVMValueRef d = LLVMBuildFPTrunc(B, pop_as(e, SH_F64), LLVMVectorType(e->t_f32, 2), "");
        push_v(e, shuffle(e, d, LLVMConstNull(LLVMTypeOf(d)), low_zero, 4));
        return;
    }
    case 0x5f: {   /* f64x2.promote_low_f32x4 */
        LLVMValueRef lo = lanes_of(e, pop_as(e, SH_F32), 0, 1, 2);
        push_v(e, jit_opaque(e, LLVMBuildFPExt(B, lo, v2f64, "")));
        return;
    }
    case 0xf8: case 0xf9: {
        LLVMValueRef x = pop_as(e, SH_F32);
        LLVMTypeRef t[2] = { v4i32, v4f32 };
        push_v(e, jit_intrinsic(e, sub == 0xf8 ? "llvm.fptosi.sat" : "llvm.fptoui.sat", t, 2,
                                &x, 1));
        return;
    }
    case 0xfa: push_v(e, LLVMBuildSIToFP(B, pop_as(e, SH_I32), v4f32, "")); return;
    case 0xfb: push_v(e, LLVMBuildUIToFP(B, pop_as(e, SH_I32), v4f32, "")); return;
    case 0xfc: case 0xfd: {
        LLVMValueRef x = pop_as(e, SH_F64);
        LLVMTypeRef t[2] = { v2i32, v2f64 };
        LLVMValueRef r = jit_intrinsic(e, sub == 0xfc ? "llvm.fptosi.sat" : "llvm.fptoui.sat",
                                       t, 2, &x, 1);
        push_v(e, shuffle(e, r, LLVMConstNull(v2i32), low_zero, 4));
        return;
    }
    default: {   /* 0xfe, 0xff: f64x2.convert_low_i32x4_s / _u */
        LLVMValueRef lo = lanes_of(e, pop_as(e, SH_I32), 0, 1, 2);
        push_v(e, sub == 0xfe ? LLVMBuildSIToFP(B, lo, v2f64, "") : LLVMBuildUIToFP(B, lo, v2f64, ""));
        return;
    }
    }
}

/* ---------------------------------------------------------------- dispatch */

/* Emits sub-opcode sub with its decoded immediates; false: not translated. */
static bool emit_op(jemit *e, uint32_t sub, const rt_simd_instr *in)
{
    if (sub <= 0x0a || sub == 0x5c || sub == 0x5d) { emit_load(e, sub, in->offset); return true; }
    if (sub == 0x0b) { emit_store(e, in->offset); return true; }
    if (sub == 0x0c) { emit_const(e, in->bytes); return true; }
    if (sub == 0x0d) { emit_shuffle(e, in->bytes); return true; }
    if (sub == 0x0e) { emit_swizzle(e); return true; }
    if (sub <= 0x14) { emit_splat(e, sub); return true; }
    if (sub <= 0x22) { emit_lane(e, sub, in->lane); return true; }
    if (sub <= 0x40) { emit_icmp(e, sub); return true; }
    if (sub <= 0x4c) { emit_fcmp(e, sub); return true; }
    if (sub <= 0x52) { emit_bitwise(e, sub); return true; }
    if (sub == 0x53) { emit_any_true(e); return true; }
    if (sub <= 0x5b) { emit_lane_access(e, sub, in->offset, in->lane); return true; }
    if (sub <= 0x5f || sub >= 0xf8) { emit_convert(e, sub); return true; }
    switch (sub) {
    case 0x62: push_v(e, intrinsic1(e, "llvm.ctpop", pop_as(e, SH_I8))); return true;
    case 0x65: case 0x66: case 0x85: case 0x86: emit_narrow(e, sub); return true;
    case 0x67: emit_round(e, SH_F32, "llvm.ceil"); return true;
    case 0x68: emit_round(e, SH_F32, "llvm.floor"); return true;
    case 0x69: emit_round(e, SH_F32, "llvm.trunc"); return true;
    case 0x6a: emit_round(e, SH_F32, "llvm.roundeven"); return true;
    case 0x74: emit_round(e, SH_F64, "llvm.ceil"); return true;
    case 0x75: emit_round(e, SH_F64, "llvm.floor"); return true;
    case 0x7a: emit_round(e, SH_F64, "llvm.trunc"); return true;
    case 0x94: emit_round(e, SH_F64, "llvm.roundeven"); return true;
    case 0x7c: case 0x7d: case 0x7e: case 0x7f: emit_extadd(e, sub); return true;
    case 0x82: emit_q15mulr(e); return true;
    case 0xba: emit_dot(e); return true;
    case 0xd6: case 0xd7: case 0xd8: case 0xd9: case 0xda: case 0xdb:
        emit_i64_cmp(e, sub);
        return true;
    }
    if (sub >= 0x60 && sub <= 0xdf)
        return emit_int_group(e, (shape)((sub - 0x60) >> 5), sub & 0x1f);
    if (sub >= 0xe0 && sub <= 0xf7)
        return emit_float_group(e, sub < 0xec ? SH_F32 : SH_F64, (sub - 0xe0) % 12);
    return false;
}

wp_status jit_emit_simd(jemit *e, rt_reader *r, uint32_t at_off, bool dead)
{
    rt_simd_instr in;
    wp_status s = rt_simd_decode(r, at_off, true, &in, e->err);
    if (s != WP_OK)
        return s;
    bool mem = in.op <= 0xfd0b || (in.op >= 0xfd54 && in.op <= 0xfd5d);
    if (mem && in.memory != 0)
        return jit_refuse(e, at_off, "memory index other than 0");
    if (dead)
        return WP_OK;
    if (emit_op(e, in.op & 0xff, &in))
        return WP_OK;
    char what[64];
    snprintf(what, sizeof what, "SIMD instruction %s", rt_simd_name(in.op));
    return jit_refuse(e, at_off, what);
}
