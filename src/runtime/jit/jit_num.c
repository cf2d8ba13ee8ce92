/* Numeric instructions to LLVM IR. Where wasm and LLVM differ the wasm
 * rule is spelled out: shift counts are masked, integer division traps
 * (INT_MIN % -1 is 0), min/max propagate NaN and order -0 below +0,
 * float-to-int truncation traps outside the exact ranges of numeric.h,
 * and the saturating forms are LLVM's fpto*i.sat, which match wasm. */
#include "jit_emit.h"

static LLVMValueRef bool_i32(jemit *e, LLVMValueRef c)
{
    return LLVMBuildZExt(e->b, c, e->t_i32, "");
}

static void icmp(jemit *e, LLVMIntPredicate p)
{
    LLVMValueRef b = jit_pop(e), a = jit_pop(e);
    jit_push(e, bool_i32(e, LLVMBuildICmp(e->b, p, a, b, "")));
}

static void fcmp(jemit *e, LLVMRealPredicate p)
{
    LLVMValueRef b = jit_pop(e), a = jit_pop(e);
    jit_push(e, bool_i32(e, LLVMBuildFCmp(e->b, p, a, b, "")));
}

static void unary_intrinsic(jemit *e, const char *name, bool with_false)
{
    LLVMValueRef a = jit_pop(e);
    LLVMTypeRef t = LLVMTypeOf(a);
    LLVMValueRef args[2] = { a, LLVMConstInt(e->t_i1, 0, 0) };
    jit_push(e, jit_intrinsic(e, name, &t, 1, args, with_false ? 2 : 1));
}

static void binary_intrinsic(jemit *e, const char *name)
{
    LLVMValueRef b = jit_pop(e), a = jit_pop(e);
    LLVMTypeRef t = LLVMTypeOf(a);
    LLVMValueRef args[2] = { a, b };
    jit_push(e, jit_intrinsic(e, name, &t, 1, args, 2));
}

/* Integer arithmetic of width w (32 or 64); op is the i32 opcode
 * (0x67..0x78), the i64 ones are the same minus 0x12. */
static void int_arith(jemit *e, uint32_t op, unsigned w)
{
    LLVMTypeRef t = w == 32 ? e->t_i32 : e->t_i64;
    LLVMBuilderRef B = e->b;
    if (op == 0x67) { unary_intrinsic(e, "llvm.ctlz", true); return; }
    if (op == 0x68) { unary_intrinsic(e, "llvm.cttz", true); return; }
    if (op == 0x69) { unary_intrinsic(e, "llvm.ctpop", false); return; }
    LLVMValueRef b = jit_pop(e), a = jit_pop(e);
    LLVMValueRef zero = LLVMConstInt(t, 0, 0);
    LLVMValueRef minus1 = LLVMConstAllOnes(t);
    LLVMValueRef mask = LLVMConstInt(t, w - 1, 0);
    LLVMValueRef r = NULL;
    switch (op) {
    case 0x6A: r = LLVMBuildAdd(B, a, b, ""); break;
    case 0x6B: r = LLVMBuildSub(B, a, b, ""); break;
    case 0x6C: r = LLVMBuildMul(B, a, b, ""); break;
    case 0x6D: {
        jit_trap_if(e, LLVMBuildICmp(B, LLVMIntEQ, b, zero, ""), WP_TRAP_DIV_ZERO);
        LLVMValueRef min = LLVMConstInt(t, 1ull << (w - 1), 0);
        LLVMValueRef ovf = LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntEQ, a, min, ""),
                                        LLVMBuildICmp(B, LLVMIntEQ, b, minus1, ""), "");
        jit_trap_if(e, ovf, WP_TRAP_INT_OVERFLOW);
        r = LLVMBuildSDiv(B, a, b, "");
        break;
    }
    case 0x6E:
        jit_trap_if(e, LLVMBuildICmp(B, LLVMIntEQ, b, zero, ""), WP_TRAP_DIV_ZERO);
        r = LLVMBuildUDiv(B, a, b, "");
        break;
    case 0x6F: {
        jit_trap_if(e, LLVMBuildICmp(B, LLVMIntEQ, b, zero, ""), WP_TRAP_DIV_ZERO);
        /* x % -1 is 0, and INT_MIN % -1 must not reach the hardware. */
        LLVMValueRef is_m1 = LLVMBuildICmp(B, LLVMIntEQ, b, minus1, "");
        LLVMValueRef d = LLVMBuildSelect(B, is_m1, LLVMConstInt(t, 1, 0), b, "");
        r = LLVMBuildSRem(B, a, d, "");
        break;
    }
    case 0x70:
        jit_trap_if(e, LLVMBuildICmp(B, LLVMIntEQ, b, zero, ""), WP_TRAP_DIV_ZERO);
        r = LLVMBuildURem(B, a, b, "");
        break;
    case 0x71: r = LLVMBuildAnd(B, a, b, ""); break;
    case 0x72: r = LLVMBuildOr(B, a, b, ""); break;
    case 0x73: r = LLVMBuildXor(B, a, b, ""); break;
    case 0x74: r = LLVMBuildShl(B, a, LLVMBuildAnd(B, b, mask, ""), ""); break;
    case 0x75: r = LLVMBuildAShr(B, a, LLVMBuildAnd(B, b, mask, ""), ""); break;
    case 0x76: r = LLVMBuildLShr(B, a, LLVMBuildAnd(B, b, mask, ""), ""); break;
    case 0x77: case 0x78: {
        LLVMValueRef args[3] = { a, a, b };
        r = jit_intrinsic(e, op == 0x77 ? "llvm.fshl" : "llvm.fshr", &t, 1, args, 3);
        break;
    }
    }
    jit_push(e, r);
}

/* min/max: NaN in, NaN out (a + b quiets it, as the interpreter does);
 * llvm.minimum/maximum order -0 below +0. */
static void fminmax(jemit *e, bool is_min)
{
    LLVMValueRef b = jit_pop(e), a = jit_pop(e);
    LLVMTypeRef t = LLVMTypeOf(a);
    LLVMValueRef args[2] = { a, b };
    LLVMValueRef r = jit_intrinsic(e, is_min ? "llvm.minimum" : "llvm.maximum", &t, 1, args, 2);
    LLVMValueRef nan = LLVMBuildFCmp(e->b, LLVMRealUNO, a, b, "");
    jit_push(e, LLVMBuildSelect(e->b, nan, LLVMBuildFAdd(e->b, a, b, ""), r, ""));
}

/* Float arithmetic; op is the f32 opcode (0x8B..0x98), f64 minus 0x0E. */
static void float_arith(jemit *e, uint32_t op)
{
    LLVMBuilderRef B = e->b;
    switch (op) {
    case 0x8B: unary_intrinsic(e, "llvm.fabs", false); return;
    case 0x8C: jit_push(e, LLVMBuildFNeg(B, jit_pop(e), "")); return;
    case 0x8D: unary_intrinsic(e, "llvm.ceil", false); return;
    case 0x8E: unary_intrinsic(e, "llvm.floor", false); return;
    case 0x8F: unary_intrinsic(e, "llvm.trunc", false); return;
    case 0x90: unary_intrinsic(e, "llvm.roundeven", false); return;
    case 0x91: unary_intrinsic(e, "llvm.sqrt", false); return;
    case 0x96: fminmax(e, true); return;
    case 0x97: fminmax(e, false); return;
    case 0x98: binary_intrinsic(e, "llvm.copysign"); return;
    }
    LLVMValueRef b = jit_pop(e), a = jit_pop(e), r = NULL;
    switch (op) {
    case 0x92: r = LLVMBuildFAdd(B, a, b, ""); break;
    case 0x93: r = LLVMBuildFSub(B, a, b, ""); break;
    case 0x94: r = LLVMBuildFMul(B, a, b, ""); break;
    case 0x95: r = LLVMBuildFDiv(B, a, b, ""); break;
    }
    jit_push(e, r);
}

/* Trapping float -> int of width w: NaN is an invalid conversion, a value
 * outside the range (exclusive bounds, as numeric.h) an overflow. */
static void trunc_trap(jemit *e, unsigned w, bool is_signed)
{
    LLVMBuilderRef B = e->b;
    LLVMValueRef x = jit_pop(e);
    LLVMTypeRef ft = LLVMTypeOf(x), it = w == 32 ? e->t_i32 : e->t_i64;
    bool f64 = ft == e->t_f64;
    jit_trap_if(e, LLVMBuildFCmp(B, LLVMRealUNO, x, x, ""), WP_TRAP_INVALID_CONVERSION);
    double two_w1 = w == 32 ? 2147483648.0 : 9223372036854775808.0;
    LLVMValueRef lo_ok, hi_ok;
    if (is_signed) {
        if (f64 && w == 32)
            lo_ok = LLVMBuildFCmp(B, LLVMRealOGT, x, LLVMConstReal(ft, -two_w1 - 1.0), "");
        else
            lo_ok = LLVMBuildFCmp(B, LLVMRealOGE, x, LLVMConstReal(ft, -two_w1), "");
        hi_ok = LLVMBuildFCmp(B, LLVMRealOLT, x, LLVMConstReal(ft, two_w1), "");
    } else {
        lo_ok = LLVMBuildFCmp(B, LLVMRealOGT, x, LLVMConstReal(ft, -1.0), "");
        hi_ok = LLVMBuildFCmp(B, LLVMRealOLT, x, LLVMConstReal(ft, two_w1 * 2.0), "");
    }
    LLVMValueRef ok = LLVMBuildAnd(B, lo_ok, hi_ok, "");
    jit_trap_if(e, LLVMBuildNot(B, ok, ""), WP_TRAP_INT_OVERFLOW);
    jit_push(e, is_signed ? LLVMBuildFPToSI(B, x, it, "") : LLVMBuildFPToUI(B, x, it, ""));
}

static void trunc_sat(jemit *e, unsigned w, bool is_signed)
{
    LLVMValueRef x = jit_pop(e);
    LLVMTypeRef types[2] = { w == 32 ? e->t_i32 : e->t_i64, LLVMTypeOf(x) };
    jit_push(e, jit_intrinsic(e, is_signed ? "llvm.fptosi.sat" : "llvm.fptoui.sat", types, 2,
                              &x, 1));
}

static void sext_from(jemit *e, LLVMTypeRef narrow, LLVMTypeRef wide)
{
    LLVMValueRef a = jit_pop(e);
    jit_push(e, LLVMBuildSExt(e->b, LLVMBuildTrunc(e->b, a, narrow, ""), wide, ""));
}

bool jit_emit_numeric(jemit *e, uint32_t op)
{
    LLVMBuilderRef B = e->b;
    LLVMValueRef a;
    if (op == 0x45 || op == 0x50) {
        a = jit_pop(e);
        jit_push(e, bool_i32(e, LLVMBuildICmp(B, LLVMIntEQ, a,
                                              LLVMConstNull(LLVMTypeOf(a)), "")));
        return true;
    }
    if ((op >= 0x46 && op <= 0x4F) || (op >= 0x51 && op <= 0x5A)) {
        static const LLVMIntPredicate p[10] = {
            LLVMIntEQ, LLVMIntNE, LLVMIntSLT, LLVMIntULT, LLVMIntSGT,
            LLVMIntUGT, LLVMIntSLE, LLVMIntULE, LLVMIntSGE, LLVMIntUGE
        };
        icmp(e, p[op <= 0x4F ? op - 0x46 : op - 0x51]);
        return true;
    }
    if (op >= 0x5B && op <= 0x66) {
        static const LLVMRealPredicate p[6] = {
            LLVMRealOEQ, LLVMRealUNE, LLVMRealOLT, LLVMRealOGT, LLVMRealOLE, LLVMRealOGE
        };
        fcmp(e, p[op <= 0x60 ? op - 0x5B : op - 0x61]);
        return true;
    }
    if (op >= 0x67 && op <= 0x78) { int_arith(e, op, 32); return true; }
    if (op >= 0x79 && op <= 0x8A) { int_arith(e, op - 0x12, 64); return true; }
    if (op >= 0x8B && op <= 0x98) { float_arith(e, op); return true; }
    if (op >= 0x99 && op <= 0xA6) { float_arith(e, op - 0x0E); return true; }
    switch (op) {
    case 0xA7: jit_push(e, LLVMBuildTrunc(B, jit_pop(e), e->t_i32, "")); return true;
    case 0xA8: case 0xAA: trunc_trap(e, 32, true); return true;
    case 0xA9: case 0xAB: trunc_trap(e, 32, false); return true;
    case 0xAC: jit_push(e, LLVMBuildSExt(B, jit_pop(e), e->t_i64, "")); return true;
    case 0xAD: jit_push(e, LLVMBuildZExt(B, jit_pop(e), e->t_i64, "")); return true;
    case 0xAE: case 0xB0: trunc_trap(e, 64, true); return true;
    case 0xAF: case 0xB1: trunc_trap(e, 64, false); return true;
    case 0xB2: case 0xB4: jit_push(e, LLVMBuildSIToFP(B, jit_pop(e), e->t_f32, "")); return true;
    case 0xB3: case 0xB5: jit_push(e, LLVMBuildUIToFP(B, jit_pop(e), e->t_f32, "")); return true;
    case 0xB6: jit_push(e, LLVMBuildFPTrunc(B, jit_pop(e), e->t_f32, "")); return true;
    case 0xB7: case 0xB9: jit_push(e, LLVMBuildSIToFP(B, jit_pop(e), e->t_f64, "")); return true;
    case 0xB8: case 0xBA: jit_push(e, LLVMBuildUIToFP(B, jit_pop(e), e->t_f64, "")); return true;
    case 0xBB: jit_push(e, jit_opaque(e, LLVMBuildFPExt(B, jit_pop(e), e->t_f64, ""))); return true;
    case 0xBC: jit_push(e, LLVMBuildBitCast(B, jit_pop(e), e->t_i32, "")); return true;
    case 0xBD: jit_push(e, LLVMBuildBitCast(B, jit_pop(e), e->t_i64, "")); return true;
    case 0xBE: jit_push(e, LLVMBuildBitCast(B, jit_pop(e), e->t_f32, "")); return true;
    case 0xBF: jit_push(e, LLVMBuildBitCast(B, jit_pop(e), e->t_f64, "")); return true;
    case 0xC0: sext_from(e, e->t_i8, e->t_i32); return true;
    case 0xC1: sext_from(e, e->t_i16, e->t_i32); return true;
    case 0xC2: sext_from(e, e->t_i8, e->t_i64); return true;
    case 0xC3: sext_from(e, e->t_i16, e->t_i64); return true;
    case 0xC4: sext_from(e, e->t_i32, e->t_i64); return true;
    case 0x100: case 0x102: trunc_sat(e, 32, true); return true;
    case 0x101: case 0x103: trunc_sat(e, 32, false); return true;
    case 0x104: case 0x106: trunc_sat(e, 64, true); return true;
    case 0x105: case 0x107: trunc_sat(e, 64, false); return true;
    }
    return false;
}
