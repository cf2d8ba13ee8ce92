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

/* The object file a compile produces and the cache stores (an
 * LLVMMemoryBufferRef). */
typedef struct LLVMOpaqueMemoryBuffer *rt_jit_object;

/* Initialises LLVM's native target once per process; false: LLVM has none. */
bool rt_jit_llvm_ready(void);

/* Translates, optimises and compiles m to an object file in memory
 * (jit_emit.c; *obj transferred to the caller). WP_ERR_NOT_FOUND:
 * something in the module is not supported (err says what). */
wp_status rt_jit_build(wp_module *m, const uint8_t *bytes, size_t len, rt_jit_object *obj,
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

/* Every rt_jit_* helper native code calls. Native code calls them by name
 * (HELPER in jit_emit.c takes a name from this list), and jit_link.c binds
 * the names to this process's addresses when it loads the code, so the
 * code holds no address of the process and can be cached. */
#define RT_JIT_HELPERS(X)                                                   \
    X(rt_jit_trap) X(rt_jit_call_import) X(rt_jit_call_indirect)            \
    X(rt_jit_memory_grow) X(rt_jit_memory_fill) X(rt_jit_memory_copy)       \
    X(rt_jit_memory_init) X(rt_jit_data_drop) X(rt_jit_table_get)           \
    X(rt_jit_table_set) X(rt_jit_table_size) X(rt_jit_table_grow)           \
    X(rt_jit_table_fill) X(rt_jit_table_copy) X(rt_jit_table_init)          \
    X(rt_jit_elem_drop)

#define RT_JIT_HELPER_ID(fn) RT_JIT_H_##fn,
enum rt_jit_helper_id { RT_JIT_HELPERS(RT_JIT_HELPER_ID) RT_JIT_NHELPERS };
#undef RT_JIT_HELPER_ID

/* ---- loading native code (jit_link.c) */

/* Links obj (transferred, also on error) into a new LLJIT of its own,
 * binds the helpers and fills jm->jit and jm->entry. The loaded code is
 * the same whether obj was just compiled or read from the cache. */
wp_status rt_jit_load(wp_module *m, rt_jit_object obj, rt_jit_module *jm, wp_error *err);

/* ---- the compile cache (jit_cache.c) */

/* Everything a module's native code depends on, hashed into its key.
 * Anything that comes to change generated code (an option of the JIT, a
 * bounds-check mode) must be added here. */
typedef struct rt_jit_key_inputs {
    uint32_t       format;            /* of the cache files */
    const char    *wasmpipe_version;
    const char    *jit_build;         /* hash of the JIT's sources (CMake) */
    unsigned       llvm_major, llvm_minor, llvm_patch;
    const char    *triple, *cpu, *cpu_features;
    uint32_t       disabled_features; /* the engine's wp_feature bits */
    const uint8_t *bytes;             /* the module */
    size_t         len;
} rt_jit_key_inputs;

void rt_jit_cache_key(const rt_jit_key_inputs *in, uint8_t key[32]);

/* Looks m up in m->cache_dir. A hit: WP_OK with *obj set. Anything else
 * (no file, or a file that cannot be used: m->cache_note says why):
 * WP_ERR_NOT_FOUND. Only WP_ERR_NOMEM fails. key receives m's key. */
wp_status rt_jit_cache_load(wp_module *m, const uint8_t *bytes, size_t len, uint8_t key[32],
                            rt_jit_object *obj, wp_error *err);
/* Stores obj (borrowed) under key in m->cache_dir, atomically (len: the
 * module's size, which bounds what the cache takes); a failure is only a
 * note in m->cache_note. */
void rt_jit_cache_store(wp_module *m, size_t len, const uint8_t key[32], rt_jit_object obj);

#endif
