/* Loading native code: an object file (just compiled, or read from the
 * compile cache) is linked by ORC into an LLJIT of the module's own, with
 * the rt_jit_* helpers bound to this process's addresses by name, and the
 * entries e<i> looked up. Nothing in the object depends on where this
 * process was loaded. */
#include <stdio.h>

#include <llvm-c/Core.h>
#include <llvm-c/Error.h>
#include <llvm-c/LLJIT.h>
#include <llvm-c/Orc.h>

#include "jit.h"

#define HELPER_ADDR(fn) (const void *)(fn),
static const void *const helper_addr[RT_JIT_NHELPERS] = { RT_JIT_HELPERS(HELPER_ADDR) };
#undef HELPER_ADDR
#define HELPER_NAME(fn) #fn,
static const char *const helper_name[RT_JIT_NHELPERS] = { RT_JIT_HELPERS(HELPER_NAME) };
#undef HELPER_NAME

static wp_status link_error(wp_error *err, LLVMErrorRef le, const char *what)
{
    char *msg = LLVMGetErrorMessage(le);
    rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "jit: %s: %.150s", what, msg);
    LLVMDisposeErrorMessage(msg);
    return WP_ERR_INTERNAL;
}

/* Defines every helper in the JIT's main library as an absolute symbol,
 * and for a lazy module (jm) its tables wp_fns and wp_calls. */
static wp_status define_helpers(LLVMOrcLLJITRef jit, const rt_jit_module *jm, wp_error *err)
{
    LLVMOrcCSymbolMapPair syms[RT_JIT_NHELPERS + 2];
    for (unsigned i = 0; i < RT_JIT_NHELPERS; i++) {
        syms[i].Name = LLVMOrcLLJITMangleAndIntern(jit, helper_name[i]);
        syms[i].Sym.Address = (LLVMOrcExecutorAddress)(uintptr_t)helper_addr[i];
        syms[i].Sym.Flags.GenericFlags = LLVMJITSymbolGenericFlagsExported |
                                         LLVMJITSymbolGenericFlagsCallable;
        syms[i].Sym.Flags.TargetFlags = 0;
    }
    size_t n = RT_JIT_NHELPERS;
    if (jm != NULL) {
        const char *names[2] = { "wp_fns", "wp_calls" };
        const void *addrs[2] = { (const void *)jm->fns, (const void *)jm->calls };
        for (unsigned i = 0; i < 2; i++, n++) {
            syms[n].Name = LLVMOrcLLJITMangleAndIntern(jit, names[i]);
            syms[n].Sym.Address = (LLVMOrcExecutorAddress)(uintptr_t)addrs[i];
            syms[n].Sym.Flags.GenericFlags = LLVMJITSymbolGenericFlagsExported;
            syms[n].Sym.Flags.TargetFlags = 0;
        }
    }
    /* The unit takes over the names. */
    LLVMOrcMaterializationUnitRef mu = LLVMOrcAbsoluteSymbols(syms, n);
    LLVMErrorRef le = LLVMOrcJITDylibDefine(LLVMOrcLLJITGetMainJITDylib(jit), mu);
    if (le) {
        LLVMOrcDisposeMaterializationUnit(mu);
        return link_error(err, le, "binding the helpers");
    }
    return WP_OK;
}

wp_status rt_jit_load(wp_module *m, rt_jit_object obj, rt_jit_module *jm, wp_error *err)
{
    LLVMOrcLLJITRef jit = NULL;
    LLVMErrorRef le = LLVMOrcCreateLLJIT(&jit, NULL);
    if (le) {
        LLVMDisposeMemoryBuffer(obj);
        return link_error(err, le, "creating the JIT");
    }
    wp_status s = define_helpers(jit, NULL, err);
    if (s != WP_OK) {
        LLVMDisposeMemoryBuffer(obj);
        LLVMOrcDisposeLLJIT(jit);
        return s;
    }
    le = LLVMOrcLLJITAddObjectFile(jit, LLVMOrcLLJITGetMainJITDylib(jit), obj);
    if (le) {
        LLVMOrcDisposeLLJIT(jit);
        return link_error(err, le, "adding the object file");
    }
    uint32_t ndefs = m->nfuncs - m->nfunc_imports;
    _Atomic(rt_jit_entry) *entry = rt_alloc(m->engine, ((size_t)ndefs + 1) * sizeof *entry);
    if (entry == NULL) {
        LLVMOrcDisposeLLJIT(jit);
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX, "jit: out of memory");
    }
    for (uint32_t d = 0; d < ndefs; d++) {
        char name[24];
        snprintf(name, sizeof name, "e%u", d);
        LLVMOrcExecutorAddress addr = 0;
        le = LLVMOrcLLJITLookup(jit, &addr, name);
        if (le || addr == 0) {
            rt_free(m->engine, entry, ((size_t)ndefs + 1) * sizeof *entry);
            LLVMOrcDisposeLLJIT(jit);
            return le ? link_error(err, le, "linking")
                      : rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "jit: %s has no address", name);
        }
        atomic_init(&entry[d], (rt_jit_entry)(uintptr_t)addr);
    }
    jm->jit = jit;
    jm->entry = entry;
    jm->nentries = ndefs;
    return WP_OK;
}

wp_status rt_jit_link_new(wp_module *m, rt_jit_module *jm, wp_error *err)
{
    (void)m;
    LLVMOrcLLJITRef jit = NULL;
    LLVMErrorRef le = LLVMOrcCreateLLJIT(&jit, NULL);
    if (le)
        return link_error(err, le, "creating the JIT");
    wp_status s = define_helpers(jit, jm, err);
    if (s != WP_OK) {
        LLVMOrcDisposeLLJIT(jit);
        return s;
    }
    jm->jit = jit;
    return WP_OK;
}

static wp_status lookup(LLVMOrcLLJITRef jit, char prefix, uint32_t d, void **out, wp_error *err)
{
    char name[24];
    snprintf(name, sizeof name, "%c%u", prefix, d);
    LLVMOrcExecutorAddress addr = 0;
    LLVMErrorRef le = LLVMOrcLLJITLookup(jit, &addr, name);
    if (le)
        return link_error(err, le, "linking");
    if (addr == 0)
        return rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "jit: %s has no address", name);
    *out = (void *)(uintptr_t)addr;
    return WP_OK;
}

wp_status rt_jit_link_unit(rt_jit_module *jm, rt_jit_object obj, uint32_t def, char pf, char pe,
                           void **fn, rt_jit_entry *entry, wp_error *err)
{
    LLVMOrcLLJITRef jit = jm->jit;
    LLVMErrorRef le = LLVMOrcLLJITAddObjectFile(jit, LLVMOrcLLJITGetMainJITDylib(jit), obj);
    if (le)
        return link_error(err, le, "adding a function's object file");
    void *ep = NULL;
    wp_status s = lookup(jit, pf, def, fn, err);
    if (s == WP_OK)
        s = lookup(jit, pe, def, &ep, err);
    if (s == WP_OK)
        *entry = (rt_jit_entry)(uintptr_t)ep;
    return s;
}
