/* Internals of the LLVM tier, shared by its files.
 *
 * Every defined function i of a module becomes two native functions:
 *   f<i>(rt_jit_cx *cx, wp_instance *inst, rt_native_site *site, params...)
 *     -> results
 * (one result: that value; several: a struct), called directly by the
 * module's own calls, and the entry
 *   e<i>(rt_jit_cx *cx, wp_instance *inst, uint64_t *slots)
 * which reads the arguments from slots and writes the results back, as
 * wp_func_call_raw does. Native code is per module; the instance comes in
 * as an argument, so every instance of the module shares it.
 *
 * Traps leave native code by a jump to the one catch point of the call
 * that entered it (RT_JIT_CATCH, jit.c's jit_call): native frames hold
 * nothing to clean up, and no call has to test a status on the way back,
 * which keeps every wasm call a plain native call. Only rt_jit_* helpers
 * (jit_rt.c) jump.
 *
 * The call depth travels as the site argument: &cx->sites[d] for the d-th
 * nested call under the entry (d from 0), so a call passes its callee
 * site + 1 and nothing is stored or restored around it. The prologue
 * traps when site is past cx->sites_end, which is the interpreter's
 * depth limit (max_call_depth calls under the first function). For a trap's call stack, each function stores one word in
 * *site before each call it makes (direct, or through a helper): its
 * index and the call's module offset (rt_native_site, rt.h). C code
 * learns the depth from cx->depth, which native code stores (d + 1, its
 * own frame counted) only just before it calls a helper or rt_jit_trap;
 * at other times cx->depth is stale. A trap block receives the offset
 * of the instruction that branched to it (a phi), and rt_jit_trap walks
 * the sites from there out. Nothing else about positions is kept.
 */
#ifndef WP_JIT_H
#define WP_JIT_H

#include <setjmp.h>

#include "../tier.h"

/* Where a trap leaves native code to: the catch point of the entry that
 * entered it. With GCC or Clang on x86-64 and AArch64 it is the compiler's
 * own setjmp, which stores only the frame and stack pointers and the
 * resume address (the function holding it saves its callee-saved
 * registers in its frame, as for any call): about 10 instructions where
 * the C library's setjmp takes 60, on each of the three entries of a
 * message. It does not save the signal mask; neither does setjmp on
 * glibc. The sanitizer build keeps setjmp and longjmp, which
 * AddressSanitizer knows to unpoison the frames they leave. */
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RT_JIT_PLAIN_SETJMP 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define RT_JIT_PLAIN_SETJMP 1
#endif
#if defined(__GNUC__) && (defined(__x86_64__) || defined(__aarch64__)) && \
    !defined(RT_JIT_PLAIN_SETJMP)
typedef void *rt_jit_catch[5];
#define RT_JIT_CATCH(buf) __builtin_setjmp(buf)
#define RT_JIT_THROW(buf) __builtin_longjmp(buf, 1)
#else
typedef jmp_buf rt_jit_catch;
#define RT_JIT_CATCH(buf) setjmp(buf)
#define RT_JIT_THROW(buf) longjmp(buf, 1)
#endif

/* What one entry into native code carries: where to jump on a trap, the
 * call depth and the limits. Allocated on the C stack by jit_call. */
typedef struct rt_jit_cx {
    rt_exec     *exec;
    atomic_int  *interrupt;    /* &exec->interrupt */
    uint32_t     depth;        /* wasm calls in progress under this entry, as
                                * stored by native code before a helper call */
    uint32_t     max_depth;    /* calls the first function may nest */
    char        *stack_limit;  /* native code traps below this C stack address */
    wp_status    status;       /* why trap was jumped to */
    rt_native_site *sites;     /* sites[d]: the call in progress at depth d
                                * (max_depth + 1 of them); from exec->sites */
    rt_native_site *sites_end; /* sites + max_depth: a call past it traps */
    wp_error     err;
    /* Last: native code reads the fields above (at offsets compiled into
     * it, and into the compile cache's files), which thus do not depend
     * on the kind of catch point the build uses. */
    rt_jit_catch trap;
} rt_jit_cx;

/* The offset argument of rt_jit_trap when it is not a module offset:
 * the trap is in the function's prologue, so it is reported at the call
 * into the function (in the caller: the frame at cx->depth - 1 is not
 * counted); or it is in a helper, at the site the function stored before
 * calling it. */
#define RT_JIT_AT_CALL UINT32_MAX
#define RT_JIT_AT_SITE (UINT32_MAX - 1)
/* Bit 63 of rt_native_site.site. */
#define RT_SITE_LEFT_MODULE (UINT64_C(1) << 63)

typedef void (*rt_jit_entry)(rt_jit_cx *cx, wp_instance *inst, uint64_t *slots);

/* m->tier_data of a module on this tier.
 *
 * A module compiled whole (tier auto, on its background thread, or any
 * module with a compile cache) has every entry set before it is
 * published. A lazy module (tier jit without a cache) is translated whole
 * once to check that the JIT supports it, and then each function is
 * compiled on its first call (jit_lazy.c): entry[d] and fns[d] stay NULL
 * until then, are written under lock and read without it (acquire).
 * Native code calls the module's other functions through fns (the symbol
 * wp_fns), compiling them first when the slot is still NULL. */
typedef struct rt_jit_module {
    void         *jit;         /* LLVMOrcLLJITRef owning the code */
    _Atomic(rt_jit_entry) *entry;  /* per defined function (nentries + 1 allocated) */
    uint32_t      nentries;
    double        compile_ms;  /* translation + optimisation + code generation
                                * (lazy: the whole-module check only) */
    bool          lazy;
    _Atomic(void *) *fns;      /* lazy: f<d> per defined function (nentries + 1) */
    atomic_uint  *calls;       /* lazy: calls of each function's quick code (wp_calls) */
    pthread_mutex_t lock;      /* lazy: held while a function compiles */
    atomic_uint   ncompiled;   /* lazy: compiles so far (tests, statistics) */
    atomic_uint   nquick;      /* lazy: of which at the quick level */
    void         *tm_opt, *tm_quick;  /* lazy: LLVMTargetMachineRef of each level */
} rt_jit_module;

/* A lazy module compiles a function of more than JIT_QUICK_SIZE bytes of
 * body at the quick level first (no IR optimisation beyond sroa, LLVM's
 * fast instruction selection and register allocation: about a tenth of
 * the cost), counting its calls; its JIT_TIER_UP_CALLS-th call compiles it
 * again optimised, and later calls run that. Large functions are mostly
 * cold (formatting, the allocator's slow paths); one that is hot within a
 * single long call keeps its quick code for that call. */
#define JIT_QUICK_SIZE    6144u
#define JIT_TIER_UP_CALLS 1000u

/* The object file a compile produces and the cache stores (an
 * LLVMMemoryBufferRef). */
typedef struct LLVMOpaqueMemoryBuffer *rt_jit_object;

/* Initialises LLVM's native target once per process; false: LLVM has none. */
bool rt_jit_llvm_ready(void);

/* Translates, optimises and compiles m to an object file in memory
 * (jit_emit.c; *obj transferred to the caller). WP_ERR_NOT_FOUND:
 * something in the module is not supported (err says what). obj NULL:
 * only translates and verifies (the check of a lazy module). */
wp_status rt_jit_build(wp_module *m, const uint8_t *bytes, size_t len, rt_jit_object *obj,
                       wp_error *err);

/* ---- called from native code (jit_rt.c); the noreturn ones longjmp */
_Noreturn void rt_jit_trap(rt_jit_cx *cx, wp_instance *inst, uint32_t kind, uint32_t func,
                           uint32_t offset);
/* Leaves native code with status (cx->err filled in) (jit_rt.c). */
_Noreturn void rt_jit_fail(rt_jit_cx *cx, wp_status status);
/* f<def> of inst's (lazy) module, compiled first; a failed compile
 * leaves native code with its error (jit_lazy.c). */
void    *rt_jit_lazy_fn(rt_jit_cx *cx, wp_instance *inst, uint32_t def);
/* Called by quick code on its JIT_TIER_UP_CALLS-th call: compiles def
 * optimised for the calls after this one (a failure keeps the quick code). */
void     rt_jit_tier_up(wp_instance *inst, uint32_t def);
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
    X(rt_jit_elem_drop) X(rt_jit_lazy_fn) X(rt_jit_tier_up)

#define RT_JIT_HELPER_ID(fn) RT_JIT_H_##fn,
enum rt_jit_helper_id { RT_JIT_HELPERS(RT_JIT_HELPER_ID) RT_JIT_NHELPERS };
#undef RT_JIT_HELPER_ID

/* ---- loading native code (jit_link.c) */

/* Links obj (transferred, also on error) into a new LLJIT of its own,
 * binds the helpers and fills jm->jit and jm->entry. The loaded code is
 * the same whether obj was just compiled or read from the cache. */
wp_status rt_jit_load(wp_module *m, rt_jit_object obj, rt_jit_module *jm, wp_error *err);

/* A new LLJIT for lazy module m: the helpers bound, and the data symbols
 * wp_fns and wp_calls bound to jm->fns and jm->calls. */
wp_status rt_jit_link_new(wp_module *m, rt_jit_module *jm, wp_error *err);
/* Links obj (transferred, also on error), the compile of one function,
 * into jm->jit and looks up its f<def> and e<def> under the prefixes
 * pf and pe. */
wp_status rt_jit_link_unit(rt_jit_module *jm, rt_jit_object obj, uint32_t def, char pf, char pe,
                           void **fn, rt_jit_entry *entry, wp_error *err);

/* ---- lazy compiles (jit_lazy.c) */

/* Makes jm a lazy module of m: its JIT and tables (rt_jit_build checked m). */
wp_status rt_jit_lazy_init(wp_module *m, rt_jit_module *jm, wp_error *err);
void      rt_jit_lazy_release(wp_module *m, rt_jit_module *jm);
/* The entry of defined function def, compiled now if it is not yet;
 * NULL on failure (err says why: no memory, or LLVM failed). */
rt_jit_entry rt_jit_entry_of(wp_module *m, uint32_t def, wp_error *err);

/* The entry of defined function def if it has one already, else NULL
 * (then rt_jit_entry_of compiles it or says why there is none): the load
 * a call makes, without a call. */
static inline rt_jit_entry rt_jit_entry_ready(const wp_module *m, uint32_t def)
{
    const rt_jit_module *jm = m->tier_data;
    return atomic_load_explicit(&jm->entry[def], memory_order_acquire);
}

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
