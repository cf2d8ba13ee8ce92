/* Lazy compiles: a module on tier jit has each function compiled on its
 * first call, so code that never runs (most of a wasi-libc link, say)
 * costs nothing. The whole module was translated once (rt_jit_build) to
 * check that the JIT supports all of it, so a later compile fails only
 * when memory or LLVM does, and then the call that needed it fails with
 * that error, never the process.
 *
 * Each function compiles into the module's one LLJIT, so its native code
 * is shared by every instance, as a whole-module compile is. Compiles of
 * one module take turns under jm->lock; the slots they fill are read
 * without it (acquire), so a call to compiled code takes no lock. A
 * compile runs on a thread of its own with a stack of known size: the
 * caller may be deep in native recursion, close to its stack budget.
 *
 * A lazy module is not stored in the compile cache, which holds whole
 * modules: with cache_dir set, tier jit compiles the whole module (jit.c).
 * Its code may therefore only be linked into this process: it reaches
 * the module's tables through the symbols wp_fns and wp_calls. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include <llvm-c/LLJIT.h>
#include <llvm-c/TargetMachine.h>

#include "jit_emit.h"

/* C stack of the compiling thread (LLVM's code generation recurses). */
#define COMPILE_STACK ((size_t)8 << 20)

/* Compiles defined function def of m into jm->jit (quick: at the quick
 * level, counting calls; else optimised, under other symbol names). */
static wp_status build_unit(wp_module *m, rt_jit_module *jm, uint32_t def, bool quick,
                            void **fn, rt_jit_entry *entry, wp_error *err)
{
    LLVMContextRef ctx = LLVMContextCreate();
    jemit e;
    jit_emit_init(&e, m, ctx, err);
    e.lazy = true;
    e.unit = def;
    e.count_calls = quick;
    char pf = quick ? 'f' : 'g';
    e.name_e = quick ? 'e' : 'h';
    uint32_t ndefs = m->nfuncs - m->nfunc_imports;
    e.fns = rt_arena_alloc(&e.scratch, (ndefs + 1) * sizeof *e.fns, _Alignof(LLVMValueRef));
    e.fn_types = rt_arena_alloc(&e.scratch, (ndefs + 1) * sizeof *e.fn_types,
                                _Alignof(LLVMTypeRef));
    wp_status s = WP_OK;
    if (e.fns == NULL || e.fn_types == NULL) {
        s = rt_fail(err, WP_ERR_NOMEM, UINT32_MAX, "jit: out of memory");
    } else {
        char name[24];
        snprintf(name, sizeof name, "%c%u", pf, def);
        e.fn_types[def] = jit_native_type(&e, jit_func_type(&e, def + m->nfunc_imports));
        e.fns[def] = LLVMAddFunction(e.mod, name, e.fn_types[def]);
        const rt_code *c = &m->codes[def];
        s = jit_emit_function(&e, def, c->body, c->body_len, c->body_offset);
        if (s == WP_OK)
            jit_emit_entry(&e, def);
    }
    s = jit_emit_done(&e, s);
    LLVMTargetMachineRef tm = quick ? jm->tm_quick : jm->tm_opt;
    if (s == WP_OK)
        s = jit_optimise(tm, e.mod, quick ? JIT_QUICK_PIPELINE : JIT_PIPELINE, err);
    rt_jit_object obj = NULL;
    if (s == WP_OK)
        s = jit_emit_object(tm, e.mod, &obj, err);
    LLVMDisposeModule(e.mod);
    LLVMContextDispose(ctx);
    if (s == WP_OK)
        s = rt_jit_link_unit(jm, obj, def, pf, e.name_e, fn, entry, err);
    /* The module was checked whole: a refusal now is a bug, not a fallback. */
    return s == WP_ERR_NOT_FOUND ? WP_ERR_INTERNAL : s;
}

wp_status rt_jit_lazy_init(wp_module *m, rt_jit_module *jm, wp_error *err)
{
    uint32_t ndefs = m->nfuncs - m->nfunc_imports;
    size_t n = (size_t)ndefs + 1;
    jm->entry = rt_alloc(m->engine, n * sizeof *jm->entry);
    jm->fns = rt_alloc(m->engine, n * sizeof *jm->fns);
    jm->calls = rt_alloc(m->engine, n * sizeof *jm->calls);
    if (jm->entry == NULL || jm->fns == NULL || jm->calls == NULL ||
        pthread_mutex_init(&jm->lock, NULL) != 0) {
        rt_free(m->engine, jm->entry, n * sizeof *jm->entry);
        rt_free(m->engine, jm->fns, n * sizeof *jm->fns);
        rt_free(m->engine, jm->calls, n * sizeof *jm->calls);
        jm->entry = NULL;
        jm->fns = NULL;
        jm->calls = NULL;
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX, "jit: out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        atomic_init(&jm->entry[i], NULL);
        atomic_init(&jm->fns[i], NULL);
        atomic_init(&jm->calls[i], 0);
    }
    atomic_init(&jm->ncompiled, 0);
    atomic_init(&jm->nquick, 0);
    jm->nentries = ndefs;
    jm->lazy = true;
    LLVMTargetMachineRef opt = NULL, quick = NULL;
    wp_status s = jit_host_machine(LLVMCodeGenLevelDefault, &opt, err);
    if (s == WP_OK)
        s = jit_host_machine(LLVMCodeGenLevelNone, &quick, err);
    jm->tm_opt = opt;
    jm->tm_quick = quick;
    if (s == WP_OK)
        s = rt_jit_link_new(m, jm, err);
    if (s != WP_OK)
        rt_jit_lazy_release(m, jm);
    return s;
}

void rt_jit_lazy_release(wp_module *m, rt_jit_module *jm)
{
    if (!jm->lazy || jm->fns == NULL)
        return;
    jm->lazy = false;
    pthread_mutex_destroy(&jm->lock);
    size_t n = (size_t)jm->nentries + 1;
    rt_free(m->engine, jm->fns, n * sizeof *jm->fns);
    rt_free(m->engine, jm->calls, n * sizeof *jm->calls);
    jm->fns = NULL;
    jm->calls = NULL;
    rt_free(m->engine, jm->entry, n * sizeof *jm->entry);
    jm->entry = NULL;
    if (jm->tm_opt != NULL)
        LLVMDisposeTargetMachine(jm->tm_opt);
    if (jm->tm_quick != NULL)
        LLVMDisposeTargetMachine(jm->tm_quick);
    jm->tm_opt = jm->tm_quick = NULL;
}

typedef struct unit_job {
    wp_module     *m;
    rt_jit_module *jm;
    uint32_t       def;
    bool           quick;
    void          *fn;
    rt_jit_entry   entry;
    wp_status      status;
    wp_error       err;
} unit_job;

static void *compile_unit(void *arg)
{
    unit_job *job = arg;
    job->status = build_unit(job->m, job->jm, job->def, job->quick, &job->fn, &job->entry,
                                    &job->err);
    return NULL;
}

/* Compiles def (quick: at the quick level; else optimised) on a thread
 * of its own; jm->lock held. */
static wp_status compile_locked(wp_module *m, rt_jit_module *jm, uint32_t def, bool quick,
                                wp_error *err)
{
    unit_job job;
    memset(&job, 0, sizeof job);
    job.m = m;
    job.jm = jm;
    job.def = def;
    job.quick = quick;
    pthread_attr_t attr;
    pthread_t thread;
    int rc = pthread_attr_init(&attr);
    if (rc == 0) {
        rc = pthread_attr_setstacksize(&attr, COMPILE_STACK);
        if (rc == 0) {
            /* Signals stay with the embedder's threads. */
            sigset_t all, old;
            sigfillset(&all);
            pthread_sigmask(SIG_SETMASK, &all, &old);
            rc = pthread_create(&thread, &attr, compile_unit, &job);
            pthread_sigmask(SIG_SETMASK, &old, NULL);
        }
        pthread_attr_destroy(&attr);
    }
    if (rc != 0)
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX,
                       "jit: cannot start a thread to compile function %u",
                       def + m->nfunc_imports);
    pthread_join(thread, NULL);
    if (job.status != WP_OK) {
        if (err != NULL)
            *err = job.err;
        return job.status;
    }
    atomic_store_explicit(&jm->entry[def], job.entry, memory_order_release);
    atomic_store_explicit(&jm->fns[def], job.fn, memory_order_release);
    atomic_fetch_add_explicit(&jm->ncompiled, 1, memory_order_relaxed);
    if (quick)
        atomic_fetch_add_explicit(&jm->nquick, 1, memory_order_relaxed);
    return WP_OK;
}

/* Compiles def unless some thread has already. */
static wp_status ensure(wp_module *m, uint32_t def, wp_error *err)
{
    rt_jit_module *jm = m->tier_data;
    if (NEVER(!jm->lazy || def >= jm->nentries))
        return rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "jit: no function %u to compile", def);
    if (atomic_load_explicit(&jm->fns[def], memory_order_acquire) != NULL)
        return WP_OK;
    pthread_mutex_lock(&jm->lock);
    wp_status s = WP_OK;
    if (atomic_load_explicit(&jm->fns[def], memory_order_acquire) == NULL)
        s = compile_locked(m, jm, def, m->codes[def].body_len > JIT_QUICK_SIZE, err);
    pthread_mutex_unlock(&jm->lock);
    return s;
}

void rt_jit_tier_up(wp_instance *inst, uint32_t def)
{
    wp_module *m = inst->module;
    rt_jit_module *jm = m->tier_data;
    if (NEVER(!jm->lazy || def >= jm->nentries))
        return;
    wp_error ignored;
    pthread_mutex_lock(&jm->lock);
    /* The counter passes the threshold once: this compile is the only one. */
    (void)compile_locked(m, jm, def, false, &ignored);
    pthread_mutex_unlock(&jm->lock);
}

rt_jit_entry rt_jit_entry_of(wp_module *m, uint32_t def, wp_error *err)
{
    rt_jit_module *jm = m->tier_data;
    rt_jit_entry e = atomic_load_explicit(&jm->entry[def], memory_order_acquire);
    if (e != NULL || !jm->lazy)
        return e;
    if (ensure(m, def, err) != WP_OK)
        return NULL;
    return atomic_load_explicit(&jm->entry[def], memory_order_acquire);
}

void *rt_jit_lazy_fn(rt_jit_cx *cx, wp_instance *inst, uint32_t def)
{
    wp_module *m = inst->module;
    wp_status s = ensure(m, def, &cx->err);
    if (s != WP_OK)
        rt_jit_fail(cx, s);
    return atomic_load_explicit(&((rt_jit_module *)m->tier_data)->fns[def], memory_order_acquire);
}
