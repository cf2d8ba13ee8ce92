/* Internals of the LLVM tier, shared by its files.
 *
 * Every defined function i of a module becomes two native functions:
 *   f<i>(rt_jit_cx *cx, wp_instance *inst, params...) -> results
 * (one result: that value; several: a struct), called directly by the
 * module's own calls, and the entry
 *   e<i>(rt_jit_cx *cx, wp_instance *inst, uint64_t *slots)
 * which reads the arguments from slots and writes the results back, as
 * wp_func_call_raw does. Native code is per module; the instance comes in
 * as an argument, so every instance of the module shares it.
 *
 * Traps leave native code by longjmp to the one setjmp of the call that
 * entered it (jit.c, jit_call): native frames hold nothing to clean up,
 * and no call has to test a status on the way back, which keeps every
 * wasm call a plain native call. Only rt_jit_* helpers (jit_rt.c) jump.
 *
 * For a trap's call stack, each function stores one word before each call
 * it makes (direct, or through a helper): its index and the call's module
 * offset, in sites[depth] of the entry (rt_native_site, rt.h), where depth
 * is the cx->depth it read on entry. A trap block receives the offset of
 * the instruction that branched to it (a phi), and rt_jit_trap walks the
 * sites from there out. Nothing else about positions is kept.
 */
#ifndef WP_JIT_H
#define WP_JIT_H

#include <setjmp.h>

#include "../tier.h"

/* What one entry into native code carries: where to jump on a trap, the
 * call depth and the limits. Allocated on the C stack by jit_call. */
typedef struct rt_jit_cx {
    jmp_buf      trap;
    rt_exec     *exec;
    atomic_int  *interrupt;    /* &exec->interrupt */
    uint32_t     depth;        /* wasm calls in progress under this entry */
    uint32_t     max_depth;
    char        *stack_limit;  /* native code traps below this C stack address */
    wp_status    status;       /* why trap was jumped to */
    rt_native_site *sites;     /* sites[d]: the call in progress at depth d
                                * (max_depth of them); from exec->sites */
    wp_error     err;
} rt_jit_cx;

/* The offset argument of rt_jit_trap when it is not a module offset:
 * the trap is in the function's prologue, so it is reported at the call
 * into the function (in the caller); or it is in a helper, at the site
 * the function stored before calling it. */
#define RT_JIT_AT_CALL UINT32_MAX
#define RT_JIT_AT_SITE (UINT32_MAX - 1)
/* Bit 63 of rt_native_site.site. */
#define RT_SITE_LEFT_MODULE (UINT64_C(1) << 63)

typedef void (*rt_jit_entry)(rt_jit_cx *cx, wp_instance *inst, uint64_t *slots);

/* m->tier_data of a module on this tier. */
typedef struct rt_jit_module {
    void         *jit;         /* LLVMOrcLLJITRef owning the code */
    rt_jit_entry *entry;       /* per defined function (nentries + 1 allocated) */
    uint32_t      nentries;
    double        compile_ms;  /* translation + optimisation + code generation */
} rt_jit_module;

/* Translates and compiles m (jit_emit.c); fills jm. WP_ERR_NOT_FOUND:
 * something in the module is not supported (err says what). */
wp_status rt_jit_build(wp_module *m, const uint8_t *bytes, size_t len, rt_jit_module *jm,
                       wp_error *err);

/* ---- called from native code (jit_rt.c); the noreturn ones longjmp */
_Noreturn void rt_jit_trap(rt_jit_cx *cx, wp_instance *inst, uint32_t kind, uint32_t func,
                           uint32_t offset);
void     rt_jit_call_import(rt_jit_cx *cx, wp_instance *inst, uint32_t func, uint64_t *slots);
void     rt_jit_call_indirect(rt_jit_cx *cx, wp_instance *inst, uint32_t table,
                              uint32_t type, uint32_t index, uint64_t *slots, uint32_t caller);
uint32_t rt_jit_memory_grow(wp_instance *inst, uint32_t delta);
void     rt_jit_memory_fill(rt_jit_cx *cx, wp_instance *inst, uint32_t d, uint32_t v,
                            uint32_t n, uint32_t caller);
void     rt_jit_memory_copy(rt_jit_cx *cx, wp_instance *inst, uint32_t d, uint32_t s,
                            uint32_t n, uint32_t caller);
void     rt_jit_memory_init(rt_jit_cx *cx, wp_instance *inst, uint32_t seg, uint32_t d,
                            uint32_t s, uint32_t n, uint32_t caller);
void     rt_jit_data_drop(wp_instance *inst, uint32_t seg);
void    *rt_jit_table_get(rt_jit_cx *cx, wp_instance *inst, uint32_t table, uint32_t i,
                          uint32_t caller);
void     rt_jit_table_set(rt_jit_cx *cx, wp_instance *inst, uint32_t table, uint32_t i,
                          void *v, uint32_t caller);
uint32_t rt_jit_table_size(wp_instance *inst, uint32_t table);
uint32_t rt_jit_table_grow(wp_instance *inst, uint32_t table, void *init, uint32_t n);
void     rt_jit_table_fill(rt_jit_cx *cx, wp_instance *inst, uint32_t table, uint32_t i,
                           void *v, uint32_t n, uint32_t caller);
void     rt_jit_table_copy(rt_jit_cx *cx, wp_instance *inst, uint32_t dt, uint32_t st,
                           uint32_t d, uint32_t s, uint32_t n, uint32_t caller);
void     rt_jit_table_init(rt_jit_cx *cx, wp_instance *inst, uint32_t table, uint32_t seg,
                           uint32_t d, uint32_t s, uint32_t n, uint32_t caller);
void     rt_jit_elem_drop(wp_instance *inst, uint32_t seg);

#endif
