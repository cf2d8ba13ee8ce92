/* WebAssembly to LLVM IR, optimised and compiled to an object file in memory
 * (jit_link.c loads it).
 *
 * Each function body is walked once, the way the validator walks it, with
 * an operand stack of LLVM values and a control stack of basic blocks:
 * a block's results meet in phi nodes at its end, a loop's params in phi
 * nodes at its head. Locals are allocas (mem2reg makes them registers).
 * Code after br/return/unreachable is skipped up to its block's end. The
 * module was validated, so types are taken on trust; anything the
 * translator does not handle (the SIMD instructions jit_simd.c refuses,
 * tail calls, several memories) refuses
 * the whole module, which then runs on the interpreter.
 *
 * Memory 0's base and size live in allocas reloaded after every call and
 * memory.grow; an access checks (address + offset + size) against the
 * size, as the interpreter does, and traps through one block per trap
 * kind that calls rt_jit_trap.
 */
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Error.h>
#include <llvm-c/Orc.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

#include "jit_emit.h"
#include "../code.h"
#include "../libc_match.h"

/* ---------------------------------------------------------------- basics */

wp_status jit_refuse(jemit *e, uint32_t offset, const char *what)
{
    return rt_fail(e->err, WP_ERR_NOT_FOUND, offset, "jit: function %u: %s", e->func, what);
}

LLVMTypeRef jit_type(jemit *e, rt_valtype t)
{
    switch (t) {
    case WP_I32: return e->t_i32;
    case WP_I64: return e->t_i64;
    case WP_F32: return e->t_f32;
    case WP_F64: return e->t_f64;
    case WP_V128: return e->t_v128;
    default:     return e->t_ptr;   /* references */
    }
}

LLVMValueRef jit_pop(jemit *e)
{
    if (NEVER(e->sp == 0))
        return LLVMConstInt(e->t_i32, 0, 0);
    return e->stack[--e->sp];
}

static bool stack_reserve(jemit *e, uint32_t n)
{
    if (e->sp + n <= e->cap)
        return true;
    uint32_t cap = e->cap ? e->cap * 2 : 64;
    while (cap < e->sp + n)
        cap *= 2;
    LLVMValueRef *s = rt_realloc(e->m->engine, e->stack, e->cap * sizeof *s, cap * sizeof *s);
    if (s == NULL)
        return false;
    e->stack = s;
    e->cap = cap;
    return true;
}

void jit_push(jemit *e, LLVMValueRef v)
{
    /* Reserved before each instruction (at most 3 pushes) or call. */
    if (NEVER(e->sp >= e->cap))
        return;
    e->stack[e->sp++] = v;
}

/* Address of byte `off` from pointer base. */
static LLVMValueRef at(jemit *e, LLVMValueRef base, size_t off)
{
    if (off == 0)
        return base;
    LLVMValueRef idx = LLVMConstInt(e->t_i64, off, 0);
    return LLVMBuildInBoundsGEP2(e->b, e->t_i8, base, &idx, 1, "");
}

static LLVMValueRef load_at(jemit *e, LLVMTypeRef t, LLVMValueRef base, size_t off)
{
    return LLVMBuildLoad2(e->b, t, at(e, base, off), "");
}

/* Element i of a pointer array at base + off (e.g. inst->funcs[i]). */
static LLVMValueRef load_elem(jemit *e, LLVMValueRef base, size_t off, uint32_t i)
{
    LLVMValueRef arr = load_at(e, e->t_ptr, base, off);
    return load_at(e, e->t_ptr, arr, (size_t)i * sizeof(void *));
}

LLVMValueRef jit_intrinsic(jemit *e, const char *name, LLVMTypeRef *types, unsigned n,
                           LLVMValueRef *args, unsigned nargs)
{
    unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
    LLVMValueRef fn = LLVMGetIntrinsicDeclaration(e->mod, id, types, n);
    LLVMTypeRef ft = LLVMIntrinsicGetType(e->ctx, id, types, n);
    return LLVMBuildCall2(e->b, ft, fn, args, nargs, "");
}

/* Records the call (or helper call) about to be made at e->at in the
 * function's site (jit.h). */
static void store_site(jemit *e)
{
    uint64_t site = (uint64_t)e->func << 32 | e->at;
    LLVMBuildStore(e->b, LLVMConstInt(e->t_i64, site, 0), e->site);
}

/* A load of a field of cx that does not change while native code runs
 * under it (the limits and the site array): marked invariant, so the
 * optimiser may keep it across calls and stores. */
static LLVMValueRef load_cx_const(jemit *e, LLVMTypeRef t, size_t off)
{
    LLVMValueRef v = load_at(e, t, e->cx, off);
    LLVMSetMetadata(v, e->md_invariant, e->md_empty);
    return v;
}

/* Stores the function's depth (its frame counted) in cx->depth, for the
 * C code it is about to call: helpers and rt_jit_trap read it there
 * (jit.h). Native code itself carries the depth as its site pointer. */
static void store_depth(jemit *e)
{
    LLVMBuilderRef B = e->b;
    LLVMValueRef sites = load_cx_const(e, e->t_ptr, offsetof(rt_jit_cx, sites));
    LLVMValueRef bytes = LLVMBuildSub(B, LLVMBuildPtrToInt(B, e->site, e->t_i64, ""),
                                      LLVMBuildPtrToInt(B, sites, e->t_i64, ""), "");
    LLVMValueRef d = LLVMBuildExactUDiv(B, bytes,
                                        LLVMConstInt(e->t_i64, sizeof(rt_native_site), 0), "");
    d = LLVMBuildAdd(B, LLVMBuildTrunc(B, d, e->t_i32, ""), LLVMConstInt(e->t_i32, 1, 0), "");
    LLVMBuildStore(B, d, at(e, e->cx, offsetof(rt_jit_cx, depth)));
}

/* Calls the C helper `name` of type (ret)(params...), declared on first
 * use, without a site; jit_link.c binds the name when the code is loaded. */
static LLVMValueRef call_c(jemit *e, const char *name, LLVMTypeRef ret, LLVMTypeRef *params,
                           unsigned n, LLVMValueRef *args)
{
    LLVMTypeRef ft = LLVMFunctionType(ret, params, n, 0);
    LLVMValueRef fn = LLVMGetNamedFunction(e->mod, name);
    if (fn == NULL)
        fn = LLVMAddFunction(e->mod, name, ft);
    return LLVMBuildCall2(e->b, ft, fn, args, n, "");
}

/* Calls the C helper `name` of type (ret)(params...); a trap in it, or
 * in what it calls, is reported at this instruction. */
static LLVMValueRef call_helper(jemit *e, const char *name, LLVMTypeRef ret, LLVMTypeRef *params,
                                unsigned n, LLVMValueRef *args)
{
    store_site(e);
    store_depth(e);
    return call_c(e, name, ret, params, n, args);
}

/* fn must be in RT_JIT_HELPERS (jit.h): the enum constant checks it. */
#define HELPER(fn, ret, ...)                                                        \
    ((void)RT_JIT_H_##fn,                                                           \
     call_helper(e, #fn, (ret), (LLVMTypeRef[]){ __VA_ARGS__ },                     \
                 sizeof((LLVMTypeRef[]){ __VA_ARGS__ }) / sizeof(LLVMTypeRef),      \
                 args))

static LLVMValueRef c32(jemit *e, uint64_t v) { return LLVMConstInt(e->t_i32, v, 0); }

/* ---------------------------------------------------------------- traps */

/* The function's one trap block for `kind`, for a branch from the current
 * block: the block's phi gets e->at from it, the offset rt_jit_trap
 * reports. */
static LLVMBasicBlockRef trap_block(jemit *e, wp_trap_kind kind)
{
    LLVMBasicBlockRef here = LLVMGetInsertBlock(e->b);
    if (e->trap_bb[kind] == NULL) {
        LLVMBasicBlockRef bb = LLVMAppendBasicBlockInContext(e->ctx, e->fn, "trap");
        LLVMPositionBuilderAtEnd(e->b, bb);
        e->trap_at[kind] = LLVMBuildPhi(e->b, e->t_i32, "at");
        store_depth(e);
        LLVMValueRef args[5] = { e->cx, e->inst, c32(e, kind), c32(e, e->func),
                                 e->trap_at[kind] };
        LLVMTypeRef params[5] = { e->t_ptr, e->t_ptr, e->t_i32, e->t_i32, e->t_i32 };
        LLVMValueRef call = call_c(e, "rt_jit_trap", e->t_void, params, 5, args);
        LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex, e->a_noreturn);
        LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex, e->a_cold);
        LLVMBuildUnreachable(e->b);
        LLVMPositionBuilderAtEnd(e->b, here);
        e->trap_bb[kind] = bb;
    }
    LLVMValueRef at = c32(e, e->at);
    LLVMAddIncoming(e->trap_at[kind], &at, &here, 1);
    return e->trap_bb[kind];
}

void jit_trap_if(jemit *e, LLVMValueRef cond, wp_trap_kind kind)
{
    LLVMBasicBlockRef ok = LLVMAppendBasicBlockInContext(e->ctx, e->fn, "");
    LLVMBuildCondBr(e->b, cond, trap_block(e, kind), ok);
    LLVMPositionBuilderAtEnd(e->b, ok);
}

/* Traps when the interrupt flag is set. The load is volatile, not
 * atomic: it must happen at every check, and x86 then folds it into the
 * compare. Returns the load, which a loop's end may remove (do_end). */
static LLVMValueRef interrupt_check(jemit *e)
{
    LLVMValueRef flag = load_cx_const(e, e->t_ptr, offsetof(rt_jit_cx, interrupt));
    LLVMValueRef v = LLVMBuildLoad2(e->b, e->t_i32, flag, "");
    LLVMSetVolatile(v, 1);
    LLVMSetAlignment(v, 4);
    jit_trap_if(e, LLVMBuildICmp(e->b, LLVMIntNE, v, c32(e, 0), ""), WP_TRAP_INTERRUPTED);
    return v;
}

/* Removes the interrupt check at the head of loop c: the loop calls a
 * function of the module on every iteration, whose entry checks. */
static void drop_loop_check(jemit *e, jctrl *c)
{
    LLVMValueRef load = c->head_check;
    LLVMValueRef cmp = LLVMGetFirstUse(load) ? LLVMGetUser(LLVMGetFirstUse(load)) : NULL;
    if (NEVER(cmp == NULL || LLVMGetNextUse(LLVMGetFirstUse(load)) != NULL))
        return;
    LLVMReplaceAllUsesWith(cmp, LLVMConstInt(e->t_i1, 0, 0));
    LLVMInstructionEraseFromParent(cmp);
    LLVMInstructionEraseFromParent(load);
}

/* ---------------------------------------------------------------- memory */

static void reload_memory(jemit *e)
{
    if (e->mem_obj == NULL)
        return;
    LLVMBuildStore(e->b, load_at(e, e->t_ptr, e->mem_obj, offsetof(wp_memory, data)),
                   e->mem_base_var);
    LLVMBuildStore(e->b, load_at(e, e->t_i64, e->mem_obj, offsetof(wp_memory, size)),
                   e->mem_size_var);
}

/* The checked address of an access of `size` bytes at addr + offset. */
static LLVMValueRef mem_addr(jemit *e, LLVMValueRef addr, uint32_t offset, unsigned size)
{
    LLVMBuilderRef B = e->b;
    LLVMValueRef ea = LLVMBuildAdd(B, LLVMBuildZExt(B, addr, e->t_i64, ""),
                                   LLVMConstInt(e->t_i64, offset, 0), "");
    LLVMValueRef end = LLVMBuildAdd(B, ea, LLVMConstInt(e->t_i64, size, 0), "");
    LLVMValueRef msize = LLVMBuildLoad2(B, e->t_i64, e->mem_size_var, "");
    jit_trap_if(e, LLVMBuildICmp(B, LLVMIntUGT, end, msize, ""), WP_TRAP_MEMORY_OOB);
    LLVMValueRef base = LLVMBuildLoad2(B, e->t_ptr, e->mem_base_var, "");
    return LLVMBuildInBoundsGEP2(B, e->t_i8, base, &ea, 1, "");
}

LLVMValueRef jit_mem_addr(jemit *e, LLVMValueRef addr, uint32_t offset, unsigned size)
{
    return mem_addr(e, addr, offset, size);
}

/* op 0x28..0x35. */
static void emit_load(jemit *e, uint8_t op, uint32_t offset)
{
    static const struct { uint8_t size, wide, sign; } L[14] = {
        { 4, 0, 0 }, { 8, 1, 0 }, { 4, 0, 0 }, { 8, 1, 0 },      /* i32 i64 f32 f64 */
        { 1, 0, 1 }, { 1, 0, 0 }, { 2, 0, 1 }, { 2, 0, 0 },      /* i32 8s 8u 16s 16u */
        { 1, 1, 1 }, { 1, 1, 0 }, { 2, 1, 1 }, { 2, 1, 0 },      /* i64 8s 8u 16s 16u */
        { 4, 1, 1 }, { 4, 1, 0 },                                /* i64 32s 32u */
    };
    unsigned k = op - 0x28;
    LLVMValueRef p = mem_addr(e, jit_pop(e), offset, L[k].size);
    LLVMTypeRef lt = op == 0x2A ? e->t_f32 : op == 0x2B ? e->t_f64
                   : L[k].size == 1 ? e->t_i8 : L[k].size == 2 ? e->t_i16
                   : L[k].size == 4 ? e->t_i32 : e->t_i64;
    LLVMValueRef v = LLVMBuildLoad2(e->b, lt, p, "");
    LLVMSetAlignment(v, 1);
    if (k >= 4) {
        LLVMTypeRef rt = L[k].wide ? e->t_i64 : e->t_i32;
        v = L[k].sign ? LLVMBuildSExt(e->b, v, rt, "") : LLVMBuildZExt(e->b, v, rt, "");
    }
    jit_push(e, v);
}

/* op 0x36..0x3E. */
static void emit_store(jemit *e, uint8_t op, uint32_t offset)
{
    static const uint8_t size[9] = { 4, 8, 4, 8, 1, 2, 1, 2, 4 };
    LLVMValueRef v = jit_pop(e);
    unsigned n = size[op - 0x36];
    LLVMValueRef p = mem_addr(e, jit_pop(e), offset, n);
    if (op >= 0x3A)
        v = LLVMBuildTrunc(e->b, v, n == 1 ? e->t_i8 : n == 2 ? e->t_i16 : e->t_i32, "");
    LLVMValueRef st = LLVMBuildStore(e->b, v, p);
    LLVMSetAlignment(st, 1);
}

/* ---------------------------------------------------------------- slots */

static LLVMValueRef to_slot(jemit *e, LLVMValueRef v, rt_valtype t)
{
    switch (t) {
    case WP_I32: return LLVMBuildZExt(e->b, v, e->t_i64, "");
    case WP_I64: return v;
    case WP_F32: return LLVMBuildZExt(e->b, LLVMBuildBitCast(e->b, v, e->t_i32, ""), e->t_i64, "");
    case WP_F64: return LLVMBuildBitCast(e->b, v, e->t_i64, "");
    default:     return LLVMBuildPtrToInt(e->b, v, e->t_i64, "");
    }
}

static LLVMValueRef from_slot(jemit *e, LLVMValueRef s, rt_valtype t)
{
    switch (t) {
    case WP_I32: return LLVMBuildTrunc(e->b, s, e->t_i32, "");
    case WP_I64: return s;
    case WP_F32: return LLVMBuildBitCast(e->b, LLVMBuildTrunc(e->b, s, e->t_i32, ""), e->t_f32, "");
    case WP_F64: return LLVMBuildBitCast(e->b, s, e->t_f64, "");
    default:     return LLVMBuildIntToPtr(e->b, s, e->t_ptr, "");
    }
}

static LLVMValueRef slot_ptr(jemit *e, LLVMValueRef slots, uint32_t i)
{
    return at(e, slots, (size_t)i * 8);
}

/* Value of type t from / to the slot(s) at p; a v128 takes two slots. */
static LLVMValueRef load_slot(jemit *e, LLVMValueRef p, rt_valtype t)
{
    if (t == WP_V128) {
        LLVMValueRef v = LLVMBuildLoad2(e->b, e->t_v128, p, "");
        LLVMSetAlignment(v, 8);
        return v;
    }
    return from_slot(e, LLVMBuildLoad2(e->b, e->t_i64, p, ""), t);
}

static void store_slot(jemit *e, LLVMValueRef v, LLVMValueRef p, rt_valtype t)
{
    if (t == WP_V128)
        LLVMSetAlignment(LLVMBuildStore(e->b, v, p), 8);
    else
        LLVMBuildStore(e->b, to_slot(e, v, t), p);
}

/* The first slot of value i of types[0..n). */
static uint32_t slot_index(const rt_valtype *types, uint32_t i)
{
    uint32_t k = 0;
    for (uint32_t j = 0; j < i; j++)
        k += rt_slots_of(types[j]);
    return k;
}

/* An i64 array of n slots in the entry block. */
static LLVMValueRef slot_buffer(jemit *e, uint32_t n)
{
    LLVMBasicBlockRef here = LLVMGetInsertBlock(e->b);
    LLVMPositionBuilderAtEnd(e->b, e->alloca_bb);
    LLVMValueRef buf = LLVMBuildArrayAlloca(e->b, e->t_i64, c32(e, n ? n : 1), "slots");
    LLVMPositionBuilderAtEnd(e->b, here);
    return buf;
}

/* Pops the params of type ft into a fresh slot buffer. */
static LLVMValueRef args_to_slots(jemit *e, const rt_functype *ft)
{
    uint32_t n = ft->param_slots > ft->result_slots ? ft->param_slots : ft->result_slots;
    LLVMValueRef buf = slot_buffer(e, n);
    for (uint32_t i = ft->nparams; i-- > 0;)
        store_slot(e, jit_pop(e), slot_ptr(e, buf, slot_index(ft->params, i)), ft->params[i]);
    return buf;
}

static void results_from_slots(jemit *e, const rt_functype *ft, LLVMValueRef buf)
{
    for (uint32_t i = 0; i < ft->nresults; i++)
        jit_push(e, load_slot(e, slot_ptr(e, buf, slot_index(ft->results, i)), ft->results[i]));
}

/* ---------------------------------------------------------------- functions */

static LLVMTypeRef result_type(jemit *e, const rt_functype *ft)
{
    if (ft->nresults == 0)
        return e->t_void;
    if (ft->nresults == 1)
        return jit_type(e, ft->results[0]);
    LLVMTypeRef fields[ft->nresults];
    for (uint32_t i = 0; i < ft->nresults; i++)
        fields[i] = jit_type(e, ft->results[i]);
    return LLVMStructTypeInContext(e->ctx, fields, ft->nresults, 0);
}

LLVMTypeRef jit_native_type(jemit *e, const rt_functype *ft)
{
    LLVMTypeRef params[JIT_FIXED_PARAMS + ft->nparams];
    params[0] = e->t_ptr;
    params[1] = e->t_ptr;
    params[2] = e->t_ptr;
    for (uint32_t i = 0; i < ft->nparams; i++)
        params[JIT_FIXED_PARAMS + i] = jit_type(e, ft->params[i]);
    return LLVMFunctionType(result_type(e, ft), params, JIT_FIXED_PARAMS + ft->nparams, 0);
}

const rt_functype *jit_func_type(jemit *e, uint32_t f)
{
    return &e->m->types[e->m->func_type[f]];
}

/* Element i of the lazy module's table `name` (jit_link.c binds it). */
static LLVMValueRef lazy_slot(jemit *e, const char *name, size_t size, uint32_t i)
{
    LLVMValueRef g = LLVMGetNamedGlobal(e->mod, name);
    if (g == NULL)
        g = LLVMAddGlobal(e->mod, e->t_i8, name);
    return at(e, g, (size_t)i * size);
}

/* What a call of defined function def calls: f<def> itself, or in a lazy
 * module (another function than the one compiled) the address in its slot
 * of wp_fns, compiled first when the slot is empty (jit_lazy.c). */
static LLVMValueRef callee(jemit *e, uint32_t def)
{
    if (!e->lazy || def == e->unit)
        return e->fns[def];
    LLVMBuilderRef B = e->b;
    LLVMValueRef p = LLVMBuildLoad2(B, e->t_ptr, lazy_slot(e, "wp_fns", sizeof(void *), def), "");
    LLVMSetOrdering(p, LLVMAtomicOrderingAcquire);
    LLVMSetAlignment(p, sizeof(void *));
    LLVMBasicBlockRef here = LLVMGetInsertBlock(B);
    LLVMBasicBlockRef slow = LLVMAppendBasicBlockInContext(e->ctx, e->fn, "compile");
    LLVMBasicBlockRef join = LLVMAppendBasicBlockInContext(e->ctx, e->fn, "");
    LLVMBuildCondBr(B, LLVMBuildIsNull(B, p, ""), slow, join);
    LLVMPositionBuilderAtEnd(B, slow);
    LLVMValueRef args[3] = { e->cx, e->inst, c32(e, def) };
    LLVMValueRef q = HELPER(rt_jit_lazy_fn, e->t_ptr, e->t_ptr, e->t_ptr, e->t_i32);
    LLVMAddCallSiteAttribute(q, LLVMAttributeFunctionIndex, e->a_cold);
    LLVMBuildBr(B, join);
    LLVMPositionBuilderAtEnd(B, join);
    LLVMValueRef phi = LLVMBuildPhi(B, e->t_ptr, "");
    LLVMValueRef vals[2] = { p, q };
    LLVMBasicBlockRef bbs[2] = { here, slow };
    LLVMAddIncoming(phi, vals, bbs, 2);
    return phi;
}

/* Calls defined function `def` directly; pops its args, pushes results. */
static void call_direct(jemit *e, uint32_t def)
{
    const rt_functype *ft = jit_func_type(e, def + e->m->nfunc_imports);
    jctrl *c = &e->ctrls[e->nctrl - 1];
    if (c->kind == JC_LOOP && !c->back_edge)
        c->calls_first = true;
    LLVMValueRef fn = callee(e, def);
    store_site(e);
    LLVMValueRef args[JIT_FIXED_PARAMS + ft->nparams];
    args[0] = e->cx;
    args[1] = e->inst;
    args[2] = at(e, e->site, sizeof(rt_native_site));   /* the callee's: one deeper */
    for (uint32_t i = ft->nparams; i-- > 0;)
        args[JIT_FIXED_PARAMS + i] = jit_pop(e);
    LLVMTypeRef fty = e->lazy && def != e->unit ? jit_native_type(e, ft) : e->fn_types[def];
    LLVMValueRef r = LLVMBuildCall2(e->b, fty, fn, args, JIT_FIXED_PARAMS + ft->nparams, "");
    if (ft->nresults == 1)
        jit_push(e, r);
    else
        for (uint32_t i = 0; i < ft->nresults; i++)
            jit_push(e, LLVMBuildExtractValue(e->b, r, i, ""));
    reload_memory(e);
}

/* ---------------------------------------------------------------- control */

static jctrl *ctrl_top(jemit *e) { return &e->ctrls[e->nctrl - 1]; }

static LLVMValueRef *make_phis(jemit *e, LLVMBasicBlockRef bb, uint32_t n, const rt_valtype *types)
{
    if (n == 0)
        return NULL;
    LLVMValueRef *phis = rt_arena_alloc(&e->scratch, n * sizeof *phis, _Alignof(LLVMValueRef));
    if (phis == NULL)
        return NULL;
    LLVMBasicBlockRef here = LLVMGetInsertBlock(e->b);
    LLVMPositionBuilderAtEnd(e->b, bb);
    for (uint32_t i = 0; i < n; i++)
        phis[i] = LLVMBuildPhi(e->b, jit_type(e, types[i]), "");
    LLVMPositionBuilderAtEnd(e->b, here);
    return phis;
}

/* Adds the top n stack values as incoming from the current block. */
static void add_incoming(jemit *e, LLVMValueRef *phis, uint32_t n)
{
    LLVMBasicBlockRef here = LLVMGetInsertBlock(e->b);
    for (uint32_t i = 0; i < n; i++) {
        LLVMValueRef v = e->stack[e->sp - n + i];
        LLVMAddIncoming(phis[i], &v, &here, 1);
    }
}

/* Branch (from the current block) to label `depth`. */
static void branch_to(jemit *e, uint32_t depth)
{
    jctrl *c = &e->ctrls[e->nctrl - 1 - depth];
    if (c->kind == JC_LOOP) {
        add_incoming(e, c->head_phis, c->nparams);
        LLVMBuildBr(e->b, c->head_bb);
        c->back_edge = true;
    } else {
        add_incoming(e, c->end_phis, c->nresults);
        c->end_preds++;
        LLVMBuildBr(e->b, c->end_bb);
    }
}

static void set_dead(jemit *e)
{
    jctrl *c = ctrl_top(e);
    c->dead = true;
    e->sp = c->height;
}

/* Reads a block type into c's params/results. */
static wp_status read_blocktype(jemit *e, rt_reader *r, jctrl *c)
{
    int64_t bt;
    wp_status s = rt_read_s33(r, &bt, e->err);
    if (s != WP_OK)
        return s;
    c->nparams = c->nresults = 0;
    c->params = c->results = NULL;
    if (bt == -0x40)
        return WP_OK;
    if (bt < 0) {
        c->one = (rt_valtype)(bt & 0x7f);
        c->results = &c->one;
        c->nresults = 1;
        return WP_OK;
    }
    if (NEVER((uint64_t)bt >= e->m->ntypes))
        return jit_refuse(e, rt_reader_offset(r), "bad block type");
    const rt_functype *ft = &e->m->types[bt];
    c->params = ft->params;
    c->nparams = ft->nparams;
    c->results = ft->results;
    c->nresults = ft->nresults;
    return WP_OK;
}

static jctrl *push_ctrl(jemit *e)
{
    if (e->nctrl == e->capctrl) {
        uint32_t cap = e->capctrl ? e->capctrl * 2 : 16;
        jctrl *n = rt_realloc(e->m->engine, e->ctrls, e->capctrl * sizeof *n, cap * sizeof *n);
        if (n == NULL)
            return NULL;
        e->ctrls = n;
        e->capctrl = cap;
    }
    jctrl *c = &e->ctrls[e->nctrl++];
    memset(c, 0, sizeof *c);
    return c;
}

/* block / loop / if, with c's type read and pushed; the params are on the stack. */
static wp_status enter_block(jemit *e, jctrl *c, uint8_t kind)
{
    c->kind = kind;
    c->height = e->sp - c->nparams;
    c->end_bb = LLVMAppendBasicBlockInContext(e->ctx, e->fn, kind == JC_LOOP ? "loop_end" : "end");
    c->end_phis = make_phis(e, c->end_bb, c->nresults, c->results);
    if (c->nresults && c->end_phis == NULL)
        return rt_fail(e->err, WP_ERR_NOMEM, UINT32_MAX, "jit: out of memory");
    if (kind == JC_LOOP) {
        c->head_bb = LLVMAppendBasicBlockInContext(e->ctx, e->fn, "loop");
        c->head_phis = make_phis(e, c->head_bb, c->nparams, c->params);
        if (c->nparams && c->head_phis == NULL)
            return rt_fail(e->err, WP_ERR_NOMEM, UINT32_MAX, "jit: out of memory");
        add_incoming(e, c->head_phis, c->nparams);
        LLVMBuildBr(e->b, c->head_bb);
        LLVMPositionBuilderAtEnd(e->b, c->head_bb);
        for (uint32_t i = 0; i < c->nparams; i++)
            e->stack[c->height + i] = c->head_phis[i];
        c->head_check = interrupt_check(e);
    } else if (kind == JC_IF) {
        LLVMValueRef cond = jit_pop(e);
        c->height = e->sp - c->nparams;
        LLVMBasicBlockRef then_bb = LLVMAppendBasicBlockInContext(e->ctx, e->fn, "then");
        c->else_bb = LLVMAppendBasicBlockInContext(e->ctx, e->fn, "else");
        LLVMBuildCondBr(e->b, LLVMBuildICmp(e->b, LLVMIntNE, cond, c32(e, 0), ""), then_bb,
                        c->else_bb);
        if (c->nparams) {
            c->if_params = rt_arena_alloc(&e->scratch, c->nparams * sizeof(LLVMValueRef),
                                          _Alignof(LLVMValueRef));
            if (c->if_params == NULL)
                return rt_fail(e->err, WP_ERR_NOMEM, UINT32_MAX, "jit: out of memory");
            memcpy(c->if_params, &e->stack[c->height], c->nparams * sizeof(LLVMValueRef));
        }
        LLVMPositionBuilderAtEnd(e->b, then_bb);
    }
    return WP_OK;
}

static void do_else(jemit *e)
{
    jctrl *c = ctrl_top(e);
    if (!c->dead) {
        add_incoming(e, c->end_phis, c->nresults);
        c->end_preds++;
        LLVMBuildBr(e->b, c->end_bb);
    }
    e->sp = c->height;
    for (uint32_t i = 0; i < c->nparams; i++)
        e->stack[e->sp++] = c->if_params[i];
    LLVMPositionBuilderAtEnd(e->b, c->else_bb);
    c->has_else = true;
    c->dead = false;
}

/* end of the innermost block; returns true at the function's end. */
static bool do_end(jemit *e)
{
    jctrl *c = ctrl_top(e);
    if (c->kind == JC_LOOP && c->calls_first)
        drop_loop_check(e, c);
    if (!c->dead) {
        add_incoming(e, c->end_phis, c->nresults);
        c->end_preds++;
        LLVMBuildBr(e->b, c->end_bb);
    }
    if (c->kind == JC_IF && !c->has_else) {
        /* The missing else passes the params through as results. */
        LLVMPositionBuilderAtEnd(e->b, c->else_bb);
        e->sp = c->height;
        for (uint32_t i = 0; i < c->nparams; i++)
            e->stack[e->sp++] = c->if_params[i];
        add_incoming(e, c->end_phis, c->nresults);
        c->end_preds++;
        LLVMBuildBr(e->b, c->end_bb);
    }
    e->sp = c->height;
    LLVMPositionBuilderAtEnd(e->b, c->end_bb);
    bool is_func = c->kind == JC_FUNC;
    if (c->end_preds == 0) {
        /* Nothing reaches the end: what follows is dead too. */
        for (uint32_t i = 0; i < c->nresults; i++)
            LLVMInstructionEraseFromParent(c->end_phis[i]);
        LLVMBuildUnreachable(e->b);
        e->nctrl--;
        if (!is_func)
            set_dead(e);
        return is_func;
    }
    for (uint32_t i = 0; i < c->nresults; i++)
        e->stack[e->sp++] = c->end_phis[i];
    e->nctrl--;
    if (is_func) {
        const rt_functype *ft = jit_func_type(e, e->func);
        if (ft->nresults == 0) {
            LLVMBuildRetVoid(e->b);
        } else if (ft->nresults == 1) {
            LLVMBuildRet(e->b, jit_pop(e));
        } else {
            LLVMValueRef agg = LLVMGetUndef(result_type(e, ft));
            for (uint32_t i = 0; i < ft->nresults; i++)
                agg = LLVMBuildInsertValue(e->b, agg, e->stack[e->sp - ft->nresults + i], i, "");
            LLVMBuildRet(e->b, agg);
        }
    }
    return is_func;
}

/* v, through an empty asm the optimiser cannot see through. LLVM folds
 * x * 1.0, x - 0.0, x / 1.0 and demote(promote(x)) to x, and -0.0 - x to
 * a negation, which hands a signalling NaN back unquieted where wasm wants
 * an arithmetic NaN; float constants and promoted values go through here.
 * The asm has no side effects and reads no memory, so it is still hoisted
 * out of loops. */
LLVMValueRef jit_opaque(jemit *e, LLVMValueRef v)
{
    if (e->fp_constraint == NULL)
        return v;
    LLVMTypeRef ft = LLVMTypeOf(v);
    LLVMTypeRef fty = LLVMFunctionType(ft, &ft, 1, 0);
    LLVMValueRef asm_ = LLVMGetInlineAsm(fty, "", 0, e->fp_constraint, strlen(e->fp_constraint),
                                         0, 0, LLVMInlineAsmDialectATT, 0);
    LLVMValueRef call = LLVMBuildCall2(e->b, fty, asm_, &v, 1, "");
    LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex, e->a_nomem);
    LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex, e->a_nounwind);
    LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex, e->a_willreturn);
    return call;
}

static LLVMValueRef float_const(jemit *e, LLVMTypeRef ft, LLVMValueRef bits)
{
    return jit_opaque(e, LLVMConstBitCast(bits, ft));
}

/* ---------------------------------------------------------------- the body walk */

#define TRY(x) do { wp_status s_ = (x); if (s_ != WP_OK) return s_; } while (0)
#define U32(v) TRY(rt_read_u32(r, &(v), e->err))

static wp_status emit_prologue(jemit *e, rt_reader *r)
{
    LLVMBuilderRef B = e->b;
    const rt_functype *ft = jit_func_type(e, e->func);
    uint32_t ngroups;
    U32(ngroups);
    /* Count first: the body was validated, so the total fits the limits. */
    rt_reader save = *r;
    uint64_t total = ft->nparams;
    for (uint32_t g = 0; g < ngroups; g++) {
        uint32_t n;
        uint8_t t;
        U32(n);
        TRY(rt_read_u8(r, &t, e->err));
        total += n;
    }
    if (total > WP_MAX_FUNCTION_LOCALS + WP_MAX_FUNCTION_PARAMS)
        return jit_refuse(e, rt_reader_offset(r), "too many locals");
    e->nlocals = (uint32_t)total;
    e->locals = rt_arena_alloc(&e->scratch, (total ? total : 1) * sizeof *e->locals,
                               _Alignof(LLVMValueRef));
    e->local_types = rt_arena_alloc(&e->scratch, total ? total : 1, 1);
    if (e->locals == NULL || e->local_types == NULL)
        return rt_fail(e->err, WP_ERR_NOMEM, UINT32_MAX, "jit: out of memory");
    uint32_t k = 0;
    for (; k < ft->nparams; k++)
        e->local_types[k] = ft->params[k];
    *r = save;
    for (uint32_t g = 0; g < ngroups; g++) {
        uint32_t n;
        uint8_t t;
        U32(n);
        TRY(rt_read_u8(r, &t, e->err));
        for (uint32_t i = 0; i < n; i++)
            e->local_types[k++] = t;
    }

    LLVMPositionBuilderAtEnd(B, e->alloca_bb);
    for (uint32_t i = 0; i < e->nlocals; i++) {
        LLVMTypeRef t = jit_type(e, e->local_types[i]);
        e->locals[i] = LLVMBuildAlloca(B, t, "");
        LLVMValueRef init = i < ft->nparams ? LLVMGetParam(e->fn, JIT_FIXED_PARAMS + i) : LLVMConstNull(t);
        LLVMBuildStore(B, init, e->locals[i]);
    }
    e->mem_obj = NULL;
    if (e->m->nmemories > 0) {
        e->mem_base_var = LLVMBuildAlloca(B, e->t_ptr, "mem_base");
        e->mem_size_var = LLVMBuildAlloca(B, e->t_i64, "mem_size");
    }
    LLVMBasicBlockRef body = LLVMAppendBasicBlockInContext(e->ctx, e->fn, "body");
    LLVMPositionBuilderAtEnd(B, body);

    /* Depth (the site is past the last one) and C stack, then the
     * interrupt flag: a trap here is reported at the call into the
     * function. */
    e->at = RT_JIT_AT_CALL;
    LLVMValueRef end = load_cx_const(e, e->t_ptr, offsetof(rt_jit_cx, sites_end));
    jit_trap_if(e, LLVMBuildICmp(B, LLVMIntUGT, LLVMBuildPtrToInt(B, e->site, e->t_i64, ""),
                                 LLVMBuildPtrToInt(B, end, e->t_i64, ""), ""),
                WP_TRAP_STACK_EXHAUSTED);
    LLVMTypeRef pt = e->t_ptr;
    LLVMValueRef sp = jit_intrinsic(e, "llvm.stacksave", &pt, 1, NULL, 0);
    LLVMValueRef limit = load_cx_const(e, e->t_ptr, offsetof(rt_jit_cx, stack_limit));
    jit_trap_if(e, LLVMBuildICmp(B, LLVMIntULT, LLVMBuildPtrToInt(B, sp, e->t_i64, ""),
                                 LLVMBuildPtrToInt(B, limit, e->t_i64, ""), ""),
                WP_TRAP_STACK_EXHAUSTED);
    interrupt_check(e);
    if (e->count_calls) {
        /* Quick code counts its calls; one of them has it compiled again
         * optimised (jit_lazy.c). */
        LLVMValueRef slot = lazy_slot(e, "wp_calls", sizeof(atomic_uint), e->unit);
        LLVMValueRef old = LLVMBuildAtomicRMW(B, LLVMAtomicRMWBinOpAdd, slot, c32(e, 1),
                                              LLVMAtomicOrderingMonotonic, 0);
        LLVMBasicBlockRef up = LLVMAppendBasicBlockInContext(e->ctx, e->fn, "tier_up");
        LLVMBasicBlockRef go = LLVMAppendBasicBlockInContext(e->ctx, e->fn, "");
        LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntEQ, old, c32(e, JIT_TIER_UP_CALLS - 1), ""),
                        up, go);
        LLVMPositionBuilderAtEnd(B, up);
        LLVMValueRef args[2] = { e->inst, c32(e, e->unit) };
        LLVMValueRef call = HELPER(rt_jit_tier_up, e->t_void, e->t_ptr, e->t_i32);
        LLVMAddCallSiteAttribute(call, LLVMAttributeFunctionIndex, e->a_cold);
        LLVMBuildBr(B, go);
        LLVMPositionBuilderAtEnd(B, go);
    }
    if (e->m->nmemories > 0) {
        e->mem_obj = load_elem(e, e->inst, offsetof(wp_instance, memories), 0);
        reload_memory(e);
    }
    return WP_OK;
}

/* A function whose body is wasi-libc's memcpy, memmove or memset
 * (libc_match.c) starts with a guard that does the copy or fill natively
 * and returns d where that gives exactly what the loop gives: both ranges
 * inside memory and, for memcpy, not overlapping (its loop smears an
 * overlap). Anywhere else it falls into the translated body, which then
 * traps part way or smears as the loop does. The interpreter runs the
 * same guard (interp.c, IOP_libc_*). */
static void emit_libc_guard(jemit *e, const uint8_t *body, size_t len)
{
    if (e->mem_obj == NULL)
        return;
    uint32_t op = rt_libc_op(e->m, e->func, body, len);
    if (op == 0)
        return;
    LLVMBuilderRef B = e->b;
    LLVMValueRef d32 = LLVMGetParam(e->fn, JIT_FIXED_PARAMS);
    LLVMValueRef d = LLVMBuildZExt(B, d32, e->t_i64, "");
    LLVMValueRef s = LLVMBuildZExt(B, LLVMGetParam(e->fn, JIT_FIXED_PARAMS + 1), e->t_i64, "");
    LLVMValueRef n = LLVMBuildZExt(B, LLVMGetParam(e->fn, JIT_FIXED_PARAMS + 2), e->t_i64, "");
    LLVMValueRef size = LLVMBuildLoad2(B, e->t_i64, e->mem_size_var, "");
    LLVMValueRef dend = LLVMBuildAdd(B, d, n, ""), send = LLVMBuildAdd(B, s, n, "");
    LLVMValueRef bad = LLVMBuildICmp(B, LLVMIntUGT, dend, size, "");
    if (op != IOP_libc_fill)
        bad = LLVMBuildOr(B, bad, LLVMBuildICmp(B, LLVMIntUGT, send, size, ""), "");
    if (op == IOP_libc_copy) {
        LLVMValueRef overlap = LLVMBuildAnd(B, LLVMBuildICmp(B, LLVMIntULT, d, send, ""),
                                            LLVMBuildICmp(B, LLVMIntULT, s, dend, ""), "");
        overlap = LLVMBuildAnd(B, overlap,
                               LLVMBuildICmp(B, LLVMIntNE, n, LLVMConstInt(e->t_i64, 0, 0), ""),
                               "");
        bad = LLVMBuildOr(B, bad, overlap, "");
    }
    LLVMBasicBlockRef fast = LLVMAppendBasicBlockInContext(e->ctx, e->fn, "libc");
    LLVMBasicBlockRef loop = LLVMAppendBasicBlockInContext(e->ctx, e->fn, "");
    LLVMBuildCondBr(B, bad, loop, fast);
    LLVMPositionBuilderAtEnd(B, fast);
    LLVMValueRef base = LLVMBuildLoad2(B, e->t_ptr, e->mem_base_var, "");
    LLVMValueRef dp = LLVMBuildInBoundsGEP2(B, e->t_i8, base, &d, 1, "");
    if (op == IOP_libc_fill) {
        LLVMValueRef c = LLVMBuildTrunc(B, LLVMGetParam(e->fn, JIT_FIXED_PARAMS + 1), e->t_i8, "");
        LLVMBuildMemSet(B, dp, c, n, 1);
    } else {
        LLVMValueRef sp = LLVMBuildInBoundsGEP2(B, e->t_i8, base, &s, 1, "");
        if (op == IOP_libc_copy)
            LLVMBuildMemCpy(B, dp, 1, sp, 1, n);
        else
            LLVMBuildMemMove(B, dp, 1, sp, 1, n);
    }
    LLVMBuildRet(B, d32);
    LLVMPositionBuilderAtEnd(B, loop);
}

/* The memarg of a load or store; refuses a memory index. */
static wp_status read_memarg(jemit *e, rt_reader *r, uint32_t *offset)
{
    uint32_t align;
    U32(align);
    if (align & 0x40)
        return jit_refuse(e, rt_reader_offset(r), "memory index in a memarg");
    U32(*offset);
    return WP_OK;
}

static wp_status emit_body(jemit *e, rt_reader *r)
{
    LLVMBuilderRef B = e->b;
    jctrl *fc = push_ctrl(e);
    if (fc == NULL)
        return rt_fail(e->err, WP_ERR_NOMEM, UINT32_MAX, "jit: out of memory");
    const rt_functype *ft = jit_func_type(e, e->func);
    fc->kind = JC_FUNC;
    fc->height = 0;
    fc->results = ft->results;
    fc->nresults = ft->nresults;
    fc->end_bb = LLVMAppendBasicBlockInContext(e->ctx, e->fn, "return");
    fc->end_phis = make_phis(e, fc->end_bb, fc->nresults, fc->results);
    if (fc->nresults && fc->end_phis == NULL)
        return rt_fail(e->err, WP_ERR_NOMEM, UINT32_MAX, "jit: out of memory");

    uint32_t skip = 0;   /* blocks opened inside dead code */
    for (;;) {
        uint32_t at_off = rt_reader_offset(r);
        e->at = at_off;
        uint8_t op;
        TRY(rt_read_u8(r, &op, e->err));
        bool dead = ctrl_top(e)->dead;
        if (!stack_reserve(e, 4))
            return rt_fail(e->err, WP_ERR_NOMEM, UINT32_MAX, "jit: out of memory");
        uint32_t x, y, z;
        switch (op) {
        case 0x00:   /* unreachable */
            if (dead) break;
            LLVMBuildBr(B, trap_block(e, WP_TRAP_UNREACHABLE));
            set_dead(e);
            break;
        case 0x01: break;
        case 0x02: case 0x03: case 0x04: {
            if (dead) {
                jctrl tmp;
                TRY(read_blocktype(e, r, &tmp));
                skip++;
                break;
            }
            jctrl *c = push_ctrl(e);
            if (c == NULL)
                return rt_fail(e->err, WP_ERR_NOMEM, UINT32_MAX, "jit: out of memory");
            TRY(read_blocktype(e, r, c));
            TRY(enter_block(e, c, op == 0x02 ? JC_BLOCK : op == 0x03 ? JC_LOOP : JC_IF));
            break;
        }
        case 0x05:
            if (skip) break;
            do_else(e);
            break;
        case 0x0B:
            if (skip) { skip--; break; }
            if (do_end(e))
                return rt_reader_at_end(r) ? WP_OK
                                           : jit_refuse(e, at_off, "code after the body's end");
            break;
        case 0x0C:
            U32(x);
            if (dead) break;
            branch_to(e, x);
            set_dead(e);
            break;
        case 0x0D: {
            U32(x);
            if (dead) break;
            LLVMValueRef c = jit_pop(e);
            jctrl *t = &e->ctrls[e->nctrl - 1 - x];
            LLVMBasicBlockRef cont = LLVMAppendBasicBlockInContext(e->ctx, e->fn, "");
            LLVMBasicBlockRef hop = LLVMAppendBasicBlockInContext(e->ctx, e->fn, "");
            (void)t;
            LLVMBuildCondBr(B, LLVMBuildICmp(B, LLVMIntNE, c, c32(e, 0), ""), hop, cont);
            LLVMPositionBuilderAtEnd(B, hop);
            branch_to(e, x);
            LLVMPositionBuilderAtEnd(B, cont);
            break;
        }
        case 0x0E: {
            uint32_t n;
            U32(n);
            uint32_t *labels = rt_alloc(e->m->engine, ((size_t)n + 1) * sizeof *labels);
            if (labels == NULL)
                return rt_fail(e->err, WP_ERR_NOMEM, UINT32_MAX, "jit: out of memory");
            wp_status s = WP_OK;
            for (uint32_t i = 0; i <= n && s == WP_OK; i++)
                s = rt_read_u32(r, &labels[i], e->err);
            if (s == WP_OK && !dead) {
                /* One hop block per distinct label (a table may list
                 * thousands of entries but names at most nctrl labels):
                 * each hop is one edge into its target's phis. */
                LLVMBasicBlockRef *hops = rt_alloc(e->m->engine, e->nctrl * sizeof *hops);
                if (hops == NULL) {
                    rt_free(e->m->engine, labels, ((size_t)n + 1) * sizeof *labels);
                    return rt_fail(e->err, WP_ERR_NOMEM, UINT32_MAX, "jit: out of memory");
                }
                LLVMValueRef idx = jit_pop(e);
                LLVMBasicBlockRef here = LLVMGetInsertBlock(B);
                for (uint32_t i = 0; i <= n; i++) {
                    uint32_t d = labels[i];
                    if (hops[d] != NULL)
                        continue;
                    hops[d] = LLVMAppendBasicBlockInContext(e->ctx, e->fn, "");
                    LLVMPositionBuilderAtEnd(B, hops[d]);
                    branch_to(e, d);
                }
                LLVMPositionBuilderAtEnd(B, here);
                LLVMValueRef sw = LLVMBuildSwitch(B, idx, hops[labels[n]], n);
                for (uint32_t i = 0; i < n; i++)
                    LLVMAddCase(sw, c32(e, i), hops[labels[i]]);
                rt_free(e->m->engine, hops, e->nctrl * sizeof *hops);
                set_dead(e);
            }
            rt_free(e->m->engine, labels, ((size_t)n + 1) * sizeof *labels);
            TRY(s);
            break;
        }
        case 0x0F:
            if (dead) break;
            branch_to(e, e->nctrl - 1);
            set_dead(e);
            break;
        case 0x10: {
            U32(x);
            if (dead) break;
            const rt_functype *t = jit_func_type(e, x);
            if (!stack_reserve(e, t->nresults))
                return rt_fail(e->err, WP_ERR_NOMEM, UINT32_MAX, "jit: out of memory");
            if (x >= e->m->nfunc_imports) {
                call_direct(e, x - e->m->nfunc_imports);
            } else {
                LLVMValueRef buf = args_to_slots(e, t);
                LLVMValueRef args[4] = { e->cx, e->inst, c32(e, x), buf };
                HELPER(rt_jit_call_import, e->t_void, e->t_ptr, e->t_ptr, e->t_i32, e->t_ptr);
                reload_memory(e);
                results_from_slots(e, t, buf);
            }
            break;
        }
        case 0x11: {
            U32(x);
            U32(y);
            if (dead) break;
            const rt_functype *t = &e->m->types[x];
            if (!stack_reserve(e, t->nresults))
                return rt_fail(e->err, WP_ERR_NOMEM, UINT32_MAX, "jit: out of memory");
            LLVMValueRef idx = jit_pop(e);
            LLVMValueRef buf = args_to_slots(e, t);
            LLVMValueRef args[7] = { e->cx, e->inst, c32(e, y), c32(e, x), idx, buf,
                                     c32(e, e->func) };
            HELPER(rt_jit_call_indirect, e->t_void, e->t_ptr, e->t_ptr, e->t_i32, e->t_i32,
                   e->t_i32, e->t_ptr, e->t_i32);
            reload_memory(e);
            results_from_slots(e, t, buf);
            break;
        }
        case 0x1A:
            if (dead) break;
            jit_pop(e);
            break;
        case 0x1B: case 0x1C: {
            if (op == 0x1C) {
                uint32_t n;
                uint8_t t;
                U32(n);
                for (uint32_t i = 0; i < n; i++)
                    TRY(rt_read_u8(r, &t, e->err));
            }
            if (dead) break;
            LLVMValueRef c = jit_pop(e), b = jit_pop(e), a = jit_pop(e);
            jit_push(e, LLVMBuildSelect(B, LLVMBuildICmp(B, LLVMIntNE, c, c32(e, 0), ""), a, b, ""));
            break;
        }
        case 0x20: case 0x21: case 0x22:
            U32(x);
            if (dead) break;
            if (NEVER(x >= e->nlocals))
                return jit_refuse(e, at_off, "bad local");
            if (op == 0x20) {
                jit_push(e, LLVMBuildLoad2(B, jit_type(e, e->local_types[x]), e->locals[x], ""));
            } else {
                LLVMValueRef v = jit_pop(e);
                LLVMBuildStore(B, v, e->locals[x]);
                if (op == 0x22)
                    jit_push(e, v);
            }
            break;
        case 0x23: case 0x24: {
            U32(x);
            if (dead) break;
            rt_valtype t = e->m->globals[x].type;
            LLVMValueRef g = load_elem(e, e->inst, offsetof(wp_instance, globals), x);
            LLVMValueRef p = at(e, g, offsetof(wp_global, val));
            if (op == 0x23)
                jit_push(e, load_slot(e, p, t));
            else
                store_slot(e, jit_pop(e), p, t);
            break;
        }
        case 0x25: case 0x26: {
            U32(x);
            if (dead) break;
            if (op == 0x25) {
                LLVMValueRef i = jit_pop(e);
                LLVMValueRef args[5] = { e->cx, e->inst, c32(e, x), i, c32(e, e->func) };
                jit_push(e, HELPER(rt_jit_table_get, e->t_ptr, e->t_ptr, e->t_ptr, e->t_i32,
                                   e->t_i32, e->t_i32));
            } else {
                LLVMValueRef v = jit_pop(e), i = jit_pop(e);
                LLVMValueRef args[6] = { e->cx, e->inst, c32(e, x), i, v, c32(e, e->func) };
                HELPER(rt_jit_table_set, e->t_void, e->t_ptr, e->t_ptr, e->t_i32, e->t_i32,
                       e->t_ptr, e->t_i32);
            }
            break;
        }
        case 0x28: case 0x29: case 0x2A: case 0x2B: case 0x2C: case 0x2D: case 0x2E:
        case 0x2F: case 0x30: case 0x31: case 0x32: case 0x33: case 0x34: case 0x35:
            TRY(read_memarg(e, r, &x));
            if (dead) break;
            emit_load(e, op, x);
            break;
        case 0x36: case 0x37: case 0x38: case 0x39: case 0x3A: case 0x3B: case 0x3C:
        case 0x3D: case 0x3E:
            TRY(read_memarg(e, r, &x));
            if (dead) break;
            emit_store(e, op, x);
            break;
        case 0x3F: case 0x40: {
            uint8_t mi;
            TRY(rt_read_u8(r, &mi, e->err));
            if (mi != 0)
                return jit_refuse(e, at_off, "memory index other than 0");
            if (dead) break;
            if (op == 0x3F) {
                LLVMValueRef size = LLVMBuildLoad2(B, e->t_i64, e->mem_size_var, "");
                size = LLVMBuildLShr(B, size, LLVMConstInt(e->t_i64, 16, 0), "");
                jit_push(e, LLVMBuildTrunc(B, size, e->t_i32, ""));
            } else {
                LLVMValueRef args[2] = { e->inst, jit_pop(e) };
                jit_push(e, HELPER(rt_jit_memory_grow, e->t_i32, e->t_ptr, e->t_i32));
                reload_memory(e);
            }
            break;
        }
        case 0x41: {
            int32_t v;
            TRY(rt_read_s32(r, &v, e->err));
            if (dead) break;
            jit_push(e, LLVMConstInt(e->t_i32, (uint32_t)v, 0));
            break;
        }
        case 0x42: {
            int64_t v;
            TRY(rt_read_s64(r, &v, e->err));
            if (dead) break;
            jit_push(e, LLVMConstInt(e->t_i64, (uint64_t)v, 0));
            break;
        }
        case 0x43: {
            uint32_t bits;
            TRY(rt_read_f32(r, &bits, e->err));
            if (dead) break;
            jit_push(e, float_const(e, e->t_f32, LLVMConstInt(e->t_i32, bits, 0)));
            break;
        }
        case 0x44: {
            uint64_t bits;
            TRY(rt_read_f64(r, &bits, e->err));
            if (dead) break;
            jit_push(e, float_const(e, e->t_f64, LLVMConstInt(e->t_i64, bits, 0)));
            break;
        }
        case 0xD0: {
            uint8_t t;
            TRY(rt_read_u8(r, &t, e->err));
            if (dead) break;
            jit_push(e, LLVMConstPointerNull(e->t_ptr));
            break;
        }
        case 0xD1:
            if (dead) break;
            jit_push(e, LLVMBuildZExt(B, LLVMBuildIsNull(B, jit_pop(e), ""), e->t_i32, ""));
            break;
        case 0xD2:
            U32(x);
            if (dead) break;
            jit_push(e, load_elem(e, e->inst, offsetof(wp_instance, funcs), x));
            break;
        case 0xFC: {
            uint32_t sub;
            U32(sub);
            if (sub <= 7) {
                if (!dead)
                    jit_emit_numeric(e, 0x100 + sub);
                break;
            }
            LLVMValueRef cf = c32(e, e->func);
            switch (sub) {
            case 8: {   /* memory.init seg mem */
                uint8_t mi;
                U32(x);
                TRY(rt_read_u8(r, &mi, e->err));
                if (mi != 0)
                    return jit_refuse(e, at_off, "memory index other than 0");
                if (dead) break;
                LLVMValueRef n = jit_pop(e), s = jit_pop(e), d = jit_pop(e);
                LLVMValueRef args[7] = { e->cx, e->inst, c32(e, x), d, s, n, cf };
                HELPER(rt_jit_memory_init, e->t_void, e->t_ptr, e->t_ptr, e->t_i32, e->t_i32,
                       e->t_i32, e->t_i32, e->t_i32);
                break;
            }
            case 9: {
                U32(x);
                if (dead) break;
                LLVMValueRef args[2] = { e->inst, c32(e, x) };
                HELPER(rt_jit_data_drop, e->t_void, e->t_ptr, e->t_i32);
                break;
            }
            case 10: case 11: {
                uint8_t m1 = 0, m2 = 0;
                TRY(rt_read_u8(r, &m1, e->err));
                if (sub == 10)
                    TRY(rt_read_u8(r, &m2, e->err));
                if (m1 != 0 || m2 != 0)
                    return jit_refuse(e, at_off, "memory index other than 0");
                if (dead) break;
                LLVMValueRef n = jit_pop(e), s = jit_pop(e), d = jit_pop(e);
                LLVMValueRef args[6] = { e->cx, e->inst, d, s, n, cf };
                if (sub == 10)
                    HELPER(rt_jit_memory_copy, e->t_void, e->t_ptr, e->t_ptr, e->t_i32,
                           e->t_i32, e->t_i32, e->t_i32);
                else
                    HELPER(rt_jit_memory_fill, e->t_void, e->t_ptr, e->t_ptr, e->t_i32,
                           e->t_i32, e->t_i32, e->t_i32);
                break;
            }
            case 12: {  /* table.init seg table */
                U32(x);
                U32(y);
                if (dead) break;
                LLVMValueRef n = jit_pop(e), s = jit_pop(e), d = jit_pop(e);
                LLVMValueRef args[8] = { e->cx, e->inst, c32(e, y), c32(e, x), d, s, n, cf };
                HELPER(rt_jit_table_init, e->t_void, e->t_ptr, e->t_ptr, e->t_i32, e->t_i32,
                       e->t_i32, e->t_i32, e->t_i32, e->t_i32);
                break;
            }
            case 13: {
                U32(x);
                if (dead) break;
                LLVMValueRef args[2] = { e->inst, c32(e, x) };
                HELPER(rt_jit_elem_drop, e->t_void, e->t_ptr, e->t_i32);
                break;
            }
            case 14: {  /* table.copy dst src */
                U32(x);
                U32(y);
                if (dead) break;
                LLVMValueRef n = jit_pop(e), s = jit_pop(e), d = jit_pop(e);
                LLVMValueRef args[8] = { e->cx, e->inst, c32(e, x), c32(e, y), d, s, n, cf };
                HELPER(rt_jit_table_copy, e->t_void, e->t_ptr, e->t_ptr, e->t_i32, e->t_i32,
                       e->t_i32, e->t_i32, e->t_i32, e->t_i32);
                break;
            }
            case 15: {
                U32(x);
                if (dead) break;
                LLVMValueRef n = jit_pop(e), v = jit_pop(e);
                LLVMValueRef args[4] = { e->inst, c32(e, x), v, n };
                jit_push(e, HELPER(rt_jit_table_grow, e->t_i32, e->t_ptr, e->t_i32, e->t_ptr,
                                   e->t_i32));
                break;
            }
            case 16: {
                U32(x);
                if (dead) break;
                LLVMValueRef args[2] = { e->inst, c32(e, x) };
                jit_push(e, HELPER(rt_jit_table_size, e->t_i32, e->t_ptr, e->t_i32));
                break;
            }
            case 17: {
                U32(x);
                if (dead) break;
                LLVMValueRef n = jit_pop(e), v = jit_pop(e), i = jit_pop(e);
                LLVMValueRef args[7] = { e->cx, e->inst, c32(e, x), i, v, n, cf };
                HELPER(rt_jit_table_fill, e->t_void, e->t_ptr, e->t_ptr, e->t_i32, e->t_i32,
                       e->t_ptr, e->t_i32, e->t_i32);
                break;
            }
            default:
                return jit_refuse(e, at_off, "unsupported 0xFC instruction");
            }
            break;
        }
        case 0xFD:
            TRY(jit_emit_simd(e, r, at_off, dead));
            break;
        default:
            if (op >= 0x45 && op <= 0xC4) {
                if (!dead)
                    jit_emit_numeric(e, op);
                break;
            }
            (void)z;
            return jit_refuse(e, at_off, op == 0x12 || op == 0x13 ? "tail call"
                                         : "unsupported instruction");
        }
    }
}

/* Translates defined function `def` whose body is body[0..len). */
wp_status jit_emit_function(jemit *e, uint32_t def, const uint8_t *body, size_t len,
                               uint32_t offset)
{
    e->func = def + e->m->nfunc_imports;
    e->fn = e->fns[def];
    e->cx = LLVMGetParam(e->fn, 0);
    e->inst = LLVMGetParam(e->fn, 1);
    e->site = LLVMGetParam(e->fn, 2);
    memset(e->trap_bb, 0, sizeof e->trap_bb);
    memset(e->trap_at, 0, sizeof e->trap_at);
    e->sp = 0;
    e->nctrl = 0;
    e->alloca_bb = LLVMAppendBasicBlockInContext(e->ctx, e->fn, "entry");
    rt_reader r;
    rt_reader_init(&r, body, len, offset);
    TRY(emit_prologue(e, &r));
    emit_libc_guard(e, body, len);
    LLVMBasicBlockRef first = LLVMGetInsertBlock(e->b);
    TRY(emit_body(e, &r));
    /* The allocas are complete: the entry block falls into the body. */
    LLVMPositionBuilderAtEnd(e->b, e->alloca_bb);
    LLVMBasicBlockRef body_bb = LLVMGetNextBasicBlock(e->alloca_bb);
    (void)first;
    LLVMBuildBr(e->b, body_bb);
    return WP_OK;
}

/* e<i>(cx, inst, slots): slots in, f<i>, slots out. */
void jit_emit_entry(jemit *e, uint32_t def)
{
    const rt_functype *ft = jit_func_type(e, def + e->m->nfunc_imports);
    LLVMTypeRef params[3] = { e->t_ptr, e->t_ptr, e->t_ptr };
    char name[24];
    snprintf(name, sizeof name, "%c%u", e->name_e ? e->name_e : 'e', def);
    LLVMValueRef fn = LLVMAddFunction(e->mod, name, LLVMFunctionType(e->t_void, params, 3, 0));
    LLVMBasicBlockRef bb = LLVMAppendBasicBlockInContext(e->ctx, fn, "");
    LLVMPositionBuilderAtEnd(e->b, bb);
    LLVMValueRef slots = LLVMGetParam(fn, 2);
    LLVMValueRef args[JIT_FIXED_PARAMS + ft->nparams];
    args[0] = LLVMGetParam(fn, 0);
    args[1] = LLVMGetParam(fn, 1);
    /* The first function's site: sites[cx->depth], the depth of the C
     * code that entered (0, or that of the native function whose helper
     * call comes back into this module). */
    LLVMValueRef cx = args[0];
    LLVMValueRef depth = load_at(e, e->t_i32, cx, offsetof(rt_jit_cx, depth));
    LLVMValueRef off = LLVMBuildMul(e->b, LLVMBuildZExt(e->b, depth, e->t_i64, ""),
                                    LLVMConstInt(e->t_i64, sizeof(rt_native_site), 0), "");
    LLVMValueRef sites = load_at(e, e->t_ptr, cx, offsetof(rt_jit_cx, sites));
    args[2] = LLVMBuildInBoundsGEP2(e->b, e->t_i8, sites, &off, 1, "site");
    for (uint32_t i = 0; i < ft->nparams; i++)
        args[JIT_FIXED_PARAMS + i] = load_slot(e, slot_ptr(e, slots, slot_index(ft->params, i)),
                                               ft->params[i]);
    LLVMValueRef r = LLVMBuildCall2(e->b, e->fn_types[def], e->fns[def], args,
                                    JIT_FIXED_PARAMS + ft->nparams, "");
    for (uint32_t i = 0; i < ft->nresults; i++) {
        LLVMValueRef v = ft->nresults == 1 ? r : LLVMBuildExtractValue(e->b, r, i, "");
        store_slot(e, v, slot_ptr(e, slots, slot_index(ft->results, i)), ft->results[i]);
    }
    LLVMBuildRetVoid(e->b);
}

/* ---------------------------------------------------------------- the module */

/* Anything of the module outside function bodies the translator refuses. */
static wp_status check_module(jemit *e)
{
    wp_module *m = e->m;
    e->func = UINT32_MAX;
    if (m->nmemories > 1)
        return rt_fail(e->err, WP_ERR_NOT_FOUND, UINT32_MAX, "jit: several memories");
    return WP_OK;
}

/* Finds the code section in the (valid) binary. */
static bool find_code(const uint8_t *bytes, size_t len, rt_reader *out, uint32_t *count)
{
    rt_reader r;
    rt_reader_init(&r, bytes, len, 0);
    const uint8_t *skip8;
    if (rt_read_bytes(&r, 8, &skip8, NULL) != WP_OK)
        return false;
    while (!rt_reader_at_end(&r)) {
        uint8_t id;
        uint32_t size;
        if (rt_read_u8(&r, &id, NULL) != WP_OK || rt_read_u32(&r, &size, NULL) != WP_OK)
            return false;
        rt_reader sub;
        if (rt_read_sub(&r, size, &sub, NULL) != WP_OK)
            return false;
        if (id == 10) {
            if (rt_read_u32(&sub, count, NULL) != WP_OK)
                return false;
            *out = sub;
            return true;
        }
    }
    *count = 0;
    return true;
}

static pthread_once_t llvm_once = PTHREAD_ONCE_INIT;
static bool llvm_ready;

static void llvm_init(void)
{
    llvm_ready = LLVMInitializeNativeTarget() == 0 && LLVMInitializeNativeAsmPrinter() == 0;
}

bool rt_jit_llvm_ready(void)
{
    pthread_once(&llvm_once, llvm_init);
    return llvm_ready;
}

static wp_status llvm_error(wp_error *err, LLVMErrorRef le, const char *what)
{
    char *msg = LLVMGetErrorMessage(le);
    rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "jit: %s: %s", what, msg);
    LLVMDisposeErrorMessage(msg);
    return WP_ERR_INTERNAL;
}

/* A target machine for the host CPU at the default code generation level
 * (the caller owns it), as ORC's JIT linker wants its objects:
 * position-independent, small code model. FastISel was measured and left
 * off: it cut code generation by about a third but made the byte loop of
 * the `upper` kernel run about 3x slower. */
wp_status jit_host_machine(LLVMCodeGenOptLevel level, LLVMTargetMachineRef *out, wp_error *err)
{
    LLVMOrcJITTargetMachineBuilderRef jtmb = NULL;
    LLVMErrorRef le = LLVMOrcJITTargetMachineBuilderDetectHost(&jtmb);
    if (le)
        return llvm_error(err, le, "detecting the host");
    char *triple = LLVMOrcJITTargetMachineBuilderGetTargetTriple(jtmb);
    LLVMOrcDisposeJITTargetMachineBuilder(jtmb);
    LLVMTargetRef target;
    char *msg = NULL;
    if (LLVMGetTargetFromTriple(triple, &target, &msg) != 0) {
        rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "jit: no target for %s: %s", triple,
                msg ? msg : "");
        LLVMDisposeMessage(msg);
        LLVMDisposeMessage(triple);
        return WP_ERR_INTERNAL;
    }
    char *cpu = LLVMGetHostCPUName(), *features = LLVMGetHostCPUFeatures();
    *out = LLVMCreateTargetMachine(target, triple, cpu, features, level, LLVMRelocPIC,
                                   LLVMCodeModelSmall);
    LLVMDisposeMessage(cpu);
    LLVMDisposeMessage(features);
    LLVMDisposeMessage(triple);
    if (*out == NULL)
        return rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "jit: no target machine for the host");
    return WP_OK;
}

/* The optimisation pipeline. Not default<O2>: on the benchmark kernels
 * (wasi-libc linked in, 30-45 KB of code) O2 cost about 1 s of CPU per
 * module for little run-time gain over this list, which keeps what the
 * translated code needs: locals to registers (sroa), the inliner, the
 * folds, loop-invariant hoisting (memory base and size, the interrupt
 * flag's address), redundant-load removal and CFG clean-up. */

/* Runs pipeline over mod for tm's target. */
wp_status jit_optimise(LLVMTargetMachineRef tm, LLVMModuleRef mod, const char *pipeline,
                       wp_error *err)
{
    char *triple = LLVMGetTargetMachineTriple(tm);
    LLVMSetTarget(mod, triple);
    LLVMDisposeMessage(triple);
    LLVMTargetDataRef td = LLVMCreateTargetDataLayout(tm);
    LLVMSetModuleDataLayout(mod, td);
    LLVMDisposeTargetData(td);
    LLVMPassBuilderOptionsRef opts = LLVMCreatePassBuilderOptions();
    LLVMErrorRef le = LLVMRunPasses(mod, pipeline, tm, opts);
    LLVMDisposePassBuilderOptions(opts);
    return le ? llvm_error(err, le, "optimisation") : WP_OK;
}

/* Generates mod's object file in memory. */
wp_status jit_emit_object(LLVMTargetMachineRef tm, LLVMModuleRef mod, rt_jit_object *out,
                             wp_error *err)
{
    char *msg = NULL;
    LLVMMemoryBufferRef buf = NULL;
    if (LLVMTargetMachineEmitToMemoryBuffer(tm, mod, LLVMObjectFile, &msg, &buf) != 0) {
        rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "jit: code generation: %.150s", msg ? msg : "");
        LLVMDisposeMessage(msg);
        return WP_ERR_INTERNAL;
    }
    LLVMDisposeMessage(msg);
    *out = buf;
    return WP_OK;
}

static wp_status build_ir(jemit *e, const uint8_t *bytes, size_t len)
{
    wp_module *m = e->m;
    TRY(check_module(e));
    uint32_t ndefs = m->nfuncs - m->nfunc_imports;
    e->fns = rt_arena_alloc(&e->scratch, (ndefs + 1) * sizeof *e->fns, _Alignof(LLVMValueRef));
    e->fn_types = rt_arena_alloc(&e->scratch, (ndefs + 1) * sizeof *e->fn_types,
                                 _Alignof(LLVMTypeRef));
    if (e->fns == NULL || e->fn_types == NULL)
        return rt_fail(e->err, WP_ERR_NOMEM, UINT32_MAX, "jit: out of memory");
    for (uint32_t d = 0; d < ndefs; d++) {
        char name[24];
        snprintf(name, sizeof name, "f%u", d);
        e->fn_types[d] = jit_native_type(e, jit_func_type(e, d + m->nfunc_imports));
        e->fns[d] = LLVMAddFunction(e->mod, name, e->fn_types[d]);
        LLVMSetLinkage(e->fns[d], LLVMInternalLinkage);
    }
    rt_reader code;
    uint32_t count;
    if (!find_code(bytes, len, &code, &count) || count != ndefs)
        return rt_fail(e->err, WP_ERR_INTERNAL, UINT32_MAX, "jit: code section not found");
    for (uint32_t d = 0; d < ndefs; d++) {
        if (atomic_load_explicit(&m->tier_cancel, memory_order_relaxed))
            return rt_fail(e->err, WP_ERR_NOT_FOUND, UINT32_MAX, "jit: compile cancelled");
        uint32_t size;
        TRY(rt_read_u32(&code, &size, e->err));
        uint32_t offset = rt_reader_offset(&code);
        const uint8_t *body;
        TRY(rt_read_bytes(&code, size, &body, e->err));
        TRY(jit_emit_function(e, d, body, size, offset));
    }
    for (uint32_t d = 0; d < ndefs; d++)
        jit_emit_entry(e, d);
    return WP_OK;
}

void jit_emit_init(jemit *e, wp_module *m, LLVMContextRef ctx, wp_error *err)
{
    memset(e, 0, sizeof *e);
    e->m = m;
    e->err = err;
    rt_arena_init(&e->scratch, m->engine);
    e->ctx = ctx;
    e->mod = LLVMModuleCreateWithNameInContext("wasm", e->ctx);
    e->b = LLVMCreateBuilderInContext(e->ctx);
    e->t_i1 = LLVMInt1TypeInContext(e->ctx);
    e->t_i8 = LLVMInt8TypeInContext(e->ctx);
    e->t_i16 = LLVMInt16TypeInContext(e->ctx);
    e->t_i32 = LLVMInt32TypeInContext(e->ctx);
    e->t_i64 = LLVMInt64TypeInContext(e->ctx);
    e->t_f32 = LLVMFloatTypeInContext(e->ctx);
    e->t_f64 = LLVMDoubleTypeInContext(e->ctx);
    e->t_ptr = LLVMPointerTypeInContext(e->ctx, 0);
    e->t_v128 = LLVMVectorType(e->t_i64, 2);
    e->t_void = LLVMVoidTypeInContext(e->ctx);
    e->a_noreturn = LLVMCreateEnumAttribute(e->ctx, LLVMGetEnumAttributeKindForName("noreturn", 8), 0);
    e->a_cold = LLVMCreateEnumAttribute(e->ctx, LLVMGetEnumAttributeKindForName("cold", 4), 0);
    e->a_nounwind = LLVMCreateEnumAttribute(e->ctx, LLVMGetEnumAttributeKindForName("nounwind", 8), 0);
    e->a_willreturn = LLVMCreateEnumAttribute(e->ctx,
                                              LLVMGetEnumAttributeKindForName("willreturn", 10), 0);
    /* memory(none): the encoded MemoryEffects of no access is 0. */
    e->a_nomem = LLVMCreateEnumAttribute(e->ctx, LLVMGetEnumAttributeKindForName("memory", 6), 0);
    e->md_invariant = LLVMGetMDKindIDInContext(e->ctx, "invariant.load", 14);
    e->md_empty = LLVMMetadataAsValue(e->ctx, LLVMMDNodeInContext2(e->ctx, NULL, 0));
#if defined(__x86_64__) || defined(__i386__)
    e->fp_constraint = "=x,0";
#elif defined(__aarch64__)
    e->fp_constraint = "=w,0";
#else
    e->fp_constraint = NULL;   /* float_exprs' no-fold cases may then fold */
#endif
}

wp_status jit_emit_done(jemit *e, wp_status s)
{
    LLVMDisposeBuilder(e->b);
    rt_free(e->m->engine, e->stack, e->cap * sizeof *e->stack);
    rt_free(e->m->engine, e->ctrls, e->capctrl * sizeof *e->ctrls);
    rt_arena_release(&e->scratch);
    if (s == WP_OK) {
        char *msg = NULL;
        if (LLVMVerifyModule(e->mod, LLVMReturnStatusAction, &msg)) {
            /* A translator bug: never run the code, let the interpreter. */
            s = rt_fail(e->err, WP_ERR_NOT_FOUND, UINT32_MAX, "jit: invalid IR: %.150s",
                        msg ? msg : "");
        }
        LLVMDisposeMessage(msg);
    }
    return s;
}

wp_status rt_jit_build(wp_module *m, const uint8_t *bytes, size_t len, rt_jit_object *obj,
                       wp_error *err)
{
    if (obj != NULL)
        *obj = NULL;
    if (!rt_jit_llvm_ready())
        return rt_fail(err, WP_ERR_NOT_FOUND, UINT32_MAX, "jit: LLVM has no native target");

    jemit e;
    jit_emit_init(&e, m, LLVMContextCreate(), err);
    wp_status s = jit_emit_done(&e, build_ir(&e, bytes, len));
    LLVMTargetMachineRef tm = NULL;
    if (obj == NULL) {
        /* Only the check of a lazy module. */
        LLVMDisposeModule(e.mod);
        LLVMContextDispose(e.ctx);
        return s;
    }
    if (s == WP_OK && atomic_load_explicit(&m->tier_cancel, memory_order_relaxed))
        s = rt_fail(err, WP_ERR_NOT_FOUND, UINT32_MAX, "jit: compile cancelled");
    if (s == WP_OK)
        s = jit_host_machine(LLVMCodeGenLevelDefault, &tm, err);
    if (s == WP_OK)
        s = jit_optimise(tm, e.mod, JIT_PIPELINE, err);
    if (s == WP_OK && atomic_load_explicit(&m->tier_cancel, memory_order_relaxed))
        s = rt_fail(err, WP_ERR_NOT_FOUND, UINT32_MAX, "jit: compile cancelled");
    if (s == WP_OK)
        s = jit_emit_object(tm, e.mod, obj, err);
    if (tm != NULL)
        LLVMDisposeTargetMachine(tm);
    LLVMDisposeModule(e.mod);
    LLVMContextDispose(e.ctx);
    return s;
}
