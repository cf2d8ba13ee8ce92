/* The LLVM tier: compiles a module's functions to native code once
 * (jit_emit.c), or takes it from the compile cache (jit_cache.c), loads it
 * (jit_link.c) and enters that code for a call. A module the translator
 * does not support runs on the interpreter (tier.c decides). */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <llvm-c/Core.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>

#include "jit.h"

/* C stack native code may use below the outermost entry of an exec. Native
 * frames use the C stack (the interpreter's do not), so deep recursion
 * traps here rather than faulting. */
#define JIT_STACK_BUDGET ((size_t)1 << 20)

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Loads m's native code from m->cache_dir. A hit: WP_OK, jm filled.
 * Anything else is WP_ERR_NOT_FOUND (m->cache_note may say why), or
 * WP_ERR_NOMEM. Either way m->cache_key is set and m->cache_looked true,
 * so a later compile_or_load does not read the file again. */
static wp_status load_cached(wp_module *m, const uint8_t *bytes, size_t len, rt_jit_module *jm,
                             wp_error *err)
{
    rt_jit_object obj = NULL;
    m->cache_looked = true;
    wp_status s = rt_jit_cache_load(m, bytes, len, m->cache_key, &obj, err);
    if (s != WP_OK)
        return s;
    wp_error why;
    s = rt_jit_load(m, obj, jm, &why);
    if (s == WP_OK) {
        m->cache_state = RT_CACHE_HIT;
        return WP_OK;
    }
    if (s == WP_ERR_NOMEM) {
        *err = why;
        return s;
    }
    snprintf(m->cache_note, sizeof m->cache_note,
             "ignored the cached object, it does not load: %.180s", why.msg);
    return WP_ERR_NOT_FOUND;
}

/* From m->cache_dir when the cache has m (jit_cache.c), else compiled
 * (jit_emit.c) and stored there; either way the object file is loaded by
 * jit_link.c, so a hit runs the code a miss does. */
static wp_status compile_or_load(wp_module *m, const uint8_t *bytes, size_t len,
                                 rt_jit_module *jm, wp_error *err)
{
    if (m->cache_dir == NULL && m->tier_want == WP_TIER_JIT && !m->compile_all) {
        /* tier jit compiles each function on its first call (jit_lazy.c),
         * after checking here that the JIT takes the whole module, unless
         * it was asked for all of them up front (compile_all). auto
         * compiles whole on its background thread, so that calls never
         * wait for a compile once the module has switched; so does a
         * module with a compile cache, which stores whole modules. */
        wp_status s = rt_jit_build(m, bytes, len, NULL, err);
        return s == WP_OK ? rt_jit_lazy_init(m, jm, err) : s;
    }
    if (m->cache_dir != NULL && !m->cache_looked) {
        wp_status s = load_cached(m, bytes, len, jm, err);
        if (s != WP_ERR_NOT_FOUND)
            return s;
    }
    rt_jit_object obj = NULL;
    wp_status s = rt_jit_build(m, bytes, len, &obj, err);
    if (s != WP_OK)
        return s;
    if (m->cache_dir == NULL)
        return rt_jit_load(m, obj, jm, err);
    /* The loader takes its object over; the cache stores the original once
     * the copy loaded. */
    rt_jit_object copy = LLVMCreateMemoryBufferWithMemoryRangeCopy(
        LLVMGetBufferStart(obj), LLVMGetBufferSize(obj), "wasm");
    s = rt_jit_load(m, copy, jm, err);
    if (s == WP_OK) {
        m->cache_state = RT_CACHE_MISS;
        rt_jit_cache_store(m, len, m->cache_key, obj);
    }
    LLVMDisposeMemoryBuffer(obj);
    return s;
}

typedef wp_status (*jit_prepare_fn)(wp_module *m, const uint8_t *bytes, size_t len,
                                    rt_jit_module *jm, wp_error *err);

/* Runs prepare into a new rt_jit_module and installs it as m->tier_data. */
static wp_status jit_prepare(wp_module *m, const uint8_t *bytes, size_t len, wp_error *err,
                             jit_prepare_fn prepare)
{
    if (!rt_jit_llvm_ready())
        return rt_fail(err, WP_ERR_NOT_FOUND, UINT32_MAX, "jit: LLVM has no native target");
    double t0 = now_ms();
    rt_jit_module *jm = rt_alloc(m->engine, sizeof *jm);
    if (jm == NULL)
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX, "jit: out of memory");
    wp_status s = prepare(m, bytes, len, jm, err);
    if (s != WP_OK) {
        m->cache_state = RT_CACHE_OFF;
        rt_free(m->engine, jm, sizeof *jm);
        return s;
    }
    jm->compile_ms = now_ms() - t0;
    m->tier_data = jm;
    return WP_OK;
}

static wp_status jit_compile(wp_module *m, const uint8_t *bytes, size_t len, wp_error *err)
{
    return jit_prepare(m, bytes, len, err, compile_or_load);
}

static wp_status jit_load_cached(wp_module *m, const uint8_t *bytes, size_t len, wp_error *err)
{
    if (m->cache_dir == NULL)
        return rt_fail(err, WP_ERR_NOT_FOUND, UINT32_MAX, "jit: no compile cache");
    return jit_prepare(m, bytes, len, err, load_cached);
}

static void jit_release(wp_module *m)
{
    rt_jit_module *jm = m->tier_data;
    if (jm == NULL)
        return;
    if (jm->jit != NULL)
        LLVMOrcDisposeLLJIT((LLVMOrcLLJITRef)jm->jit);
    if (jm->lazy)
        rt_jit_lazy_release(m, jm);
    else
        rt_free(m->engine, jm->entry, ((size_t)jm->nentries + 1) * sizeof *jm->entry);
    rt_free(m->engine, jm, sizeof *jm);
    m->tier_data = NULL;
}

/* The entry of f, compiled first on a lazy module's first call; NULL
 * with *err filled when it cannot be had. */
static rt_jit_entry entry_of(wp_func *f, wp_error *err)
{
    wp_module *m = f->inst->module;
    wp_error why;
    why.code = WP_OK;
    rt_jit_entry entry = rt_jit_entry_of(m, f->index - m->nfunc_imports, &why);
    if (entry == NULL) {
        if (why.code == WP_OK)
            rt_fail(&why, WP_ERR_INTERNAL, UINT32_MAX, "jit: function %u has no code", f->index);
        if (err != NULL)
            *err = why;
    }
    return entry;
}

/* A call that cannot start: the exec's re-entries or its C stack are used
 * up. Reported at the entry of f, as the interpreter does. */
static wp_status exhausted(wp_func *f, wp_error *err)
{
    wp_module *m = f->inst->module;
    return rt_trap_at(err, WP_TRAP_STACK_EXHAUSTED, m, f->index,
                      m->codes[f->index - m->nfunc_imports].body_offset);
}

/* Enters native code for f. Per call this only links a context on the C
 * stack to the exec and sets the catch point: the entry is one load, and
 * the limits come from the exec or, for a nested entry (a host function
 * called from native code calling back into wasm), from the entry it runs
 * under. */
static wp_status jit_call(rt_exec *exec, wp_func *f, uint64_t *slots, wp_error *err)
{
    if (NEVER(f->kind != RT_FUNC_WASM || f->inst == NULL || f->inst->module->tier_data == NULL))
        return rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "jit: called with a foreign function");
    wp_instance *inst = f->inst;
    wp_module *m = inst->module;
    rt_jit_entry entry = rt_jit_entry_ready(m, f->index - m->nfunc_imports);
    if (entry == NULL && (entry = entry_of(f, err)) == NULL)
        return err != NULL ? err->code : WP_ERR_INTERNAL;

    char *here = __builtin_frame_address(0);
    rt_jit_cx cx;
    rt_jit_cx *outer = exec->jit_cx;
    if (outer == NULL) {
        /* The outermost entry of the exec: its stack budget starts here. */
        cx.sites = exec->sites;
        cx.stack_limit = here - JIT_STACK_BUDGET;
    } else {
        /* A nested entry records its calls above those of the entry it
         * runs under (whose depth native code stored before it called
         * the host); together they may go as deep as the exec has
         * sites, within the outermost entry's stack budget. */
        cx.sites = outer->sites + outer->depth;
        cx.stack_limit = outer->stack_limit;
    }
    /* The exec has max_call_depth + 1 sites (instance.c): as in the
     * interpreter, the entry's first function may nest max_call_depth
     * calls, one site more. A nested entry has what is left. */
    size_t room = (size_t)(exec->sites_end - cx.sites);
    if (exec->depth >= WP_MAX_REENTRY_DEPTH || here < cx.stack_limit || room == 0)
        return exhausted(f, err);
    cx.max_depth = (uint32_t)(room - 1);
    cx.sites_end = exec->sites_end - 1;
    cx.exec = exec;
    cx.interrupt = &exec->interrupt;
    cx.depth = 0;
    /* What a host function's error or a trap starts from (rt_jit_fail
     * sets status; the rest of err is written with its message). */
    cx.err.code = WP_OK;
    cx.err.nframes = 0;
    cx.err.depth = 0;

    exec->depth++;
    exec->jit_cx = &cx;
    wp_status status = WP_OK;
    if (RT_JIT_CATCH(cx.trap) == 0)
        entry(&cx, inst, slots);
    else
        status = cx.status;
    exec->jit_cx = outer;
    exec->depth--;
    if (status != WP_OK && err != NULL)
        *err = cx.err;
    return status;
}

const rt_tier rt_tier_jit = {
    .name = "jit",
    .compile = jit_compile,
    .load_cached = jit_load_cached,
    .release = jit_release,
    .call = jit_call,
};
