/* The run-time helpers native code calls: traps, calls that leave the
 * module (imports, call_indirect), and the table and bulk-memory ops.
 * A helper that traps jumps to the entry's catch site (rt_jit_fail). The
 * checks and their trap kinds are the interpreter's (interp.c). */
#include <stdio.h>
#include <string.h>

#include "jit.h"

/* Records status (err already filled in cx->err) and leaves native code. */
_Noreturn void rt_jit_fail(rt_jit_cx *cx, wp_status status)
{
    cx->status = status;
    RT_JIT_THROW(cx->trap);
}

/* The frame recorded at depth d: *m is the module of the function one
 * deeper on entry and that of this one on return (jit.h). */
static void site_frame(const rt_jit_cx *cx, uint32_t d, wp_module **m, uint32_t *func,
                       uint32_t *offset)
{
    uint64_t s = cx->sites[d].site;
    if (s & RT_SITE_LEFT_MODULE)
        *m = cx->sites[d].mod;
    *func = (uint32_t)(s >> 32) & 0x7fffffffu;
    *offset = (uint32_t)s;
}

/* Adds the frames recorded at depths top-1 .. 0 to err; m is the module
 * of the function at depth top. */
static void add_sites(const rt_jit_cx *cx, wp_error *err, wp_module *m, uint32_t top)
{
    for (uint32_t d = top; d-- > 0;) {
        uint32_t func, offset;
        site_frame(cx, d, &m, &func, &offset);
        rt_error_add_frame(err, m, func, offset);
    }
}

_Noreturn void rt_jit_trap(rt_jit_cx *cx, wp_instance *inst, uint32_t kind, uint32_t func,
                           uint32_t offset)
{
    /* cx->depth counts func: its site is sites[depth - 1]. A trap in its
     * prologue (RT_JIT_AT_CALL) is its caller's, whose call of it is
     * sites[depth - 2]. */
    uint32_t top = offset == RT_JIT_AT_CALL ? cx->depth - 1 : cx->depth;
    wp_module *m = inst->module;
    if (top == 0) {
        /* The prologue of the entry's first function: no caller. */
        uint32_t at = func >= m->nfunc_imports && func < m->nfuncs
                          ? m->codes[func - m->nfunc_imports].body_offset : UINT32_MAX;
        rt_trap_at(&cx->err, (wp_trap_kind)kind, m, func, at);
        rt_jit_fail(cx, WP_ERR_TRAP);
    }
    if (offset != RT_JIT_AT_CALL && offset != RT_JIT_AT_SITE)
        cx->sites[top - 1].site = (uint64_t)func << 32 | offset;
    uint32_t f, at;
    site_frame(cx, top - 1, &m, &f, &at);
    rt_trap_at(&cx->err, (wp_trap_kind)kind, m, f, at);
    add_sites(cx, &cx->err, m, top - 1);
    rt_jit_fail(cx, WP_ERR_TRAP);
}

/* A host function called from native code failed with s: the error gets
 * this entry's frames, from the call of the host function out, and
 * leaves native code. */
_Noreturn static void host_failed(rt_jit_cx *cx, wp_instance *caller, wp_func *f, wp_status s)
{
    if (cx->err.code == WP_OK) {
        rt_fail(&cx->err, s, UINT32_MAX, "host function %s failed: %s",
                f->name != NULL ? f->name : "(unnamed)", wp_status_text(s));
        if (s == WP_ERR_TRAP)
            cx->err.detail = WP_TRAP_HOST;
    }
    add_sites(cx, &cx->err, caller->module, cx->depth);
    rt_jit_fail(cx, s);
}

/* Calls the wasm function f of another module or tier (an import). */
static void call_wasm(rt_jit_cx *cx, wp_instance *caller, wp_func *f, uint64_t *slots)
{
    /* The caller's site is sites[depth - 1]; a call into another module
     * marks it, so that the frames above it are named from theirs. */
    wp_module *m = f->inst->module;
    if (m != caller->module) {
        rt_native_site *site = &cx->sites[cx->depth - 1];
        site->site |= RT_SITE_LEFT_MODULE;
        site->mod = caller->module;
    }
    if (rt_module_tier(m) == &rt_tier_jit) {
        uint32_t def = f->index - m->nfunc_imports;
        rt_jit_entry entry = rt_jit_entry_ready(m, def);
        if (entry == NULL && (entry = rt_jit_entry_of(m, def, &cx->err)) == NULL)
            rt_jit_fail(cx, cx->err.code != WP_OK ? cx->err.code : WP_ERR_INTERNAL);
        entry(cx, f->inst, slots);
        return;
    }
    wp_status s = rt_interp_call(cx->exec, f, slots, &cx->err);
    if (s != WP_OK) {
        add_sites(cx, &cx->err, caller->module, cx->depth);
        rt_jit_fail(cx, s);
    }
}

/* Calls f (any kind, any tier) with raw slots on behalf of caller. The
 * host function, the common case, is called from here; the rest is out
 * of line. */
static inline void call_func(rt_jit_cx *cx, wp_instance *caller, wp_func *f, uint64_t *slots)
{
    if (atomic_load_explicit(cx->interrupt, memory_order_relaxed) != 0)
        rt_jit_trap(cx, caller, WP_TRAP_INTERRUPTED, 0, RT_JIT_AT_SITE);
    if (f->kind != RT_FUNC_HOST) {
        call_wasm(cx, caller, f, slots);
        return;
    }
    struct wp_call call = { .inst = caller, .exec = cx->exec, .err = &cx->err };
    cx->err.code = WP_OK;
    wp_status s = f->host(&call, f->user, slots);
    if (s != WP_OK)
        host_failed(cx, caller, f, s);
}

void rt_jit_call_import(rt_jit_cx *cx, wp_instance *inst, uint32_t func, uint64_t *slots)
{
    call_func(cx, inst, inst->funcs[func], slots);
}

void rt_jit_call_indirect(rt_jit_cx *cx, wp_instance *inst, uint32_t table, uint32_t type,
                          uint32_t index, uint64_t *slots, uint32_t caller)
{
    const wp_table *t = inst->tables[table];
    if (index >= t->size)
        rt_jit_trap(cx, inst, WP_TRAP_UNDEFINED_ELEMENT, caller, RT_JIT_AT_SITE);
    wp_func *f = t->elems[index];
    if (f == NULL)
        rt_jit_trap(cx, inst, WP_TRAP_UNINITIALIZED, caller, RT_JIT_AT_SITE);
    if (f->type_id != inst->module->types[type].id)
        rt_jit_trap(cx, inst, WP_TRAP_INDIRECT_TYPE, caller, RT_JIT_AT_SITE);
    call_func(cx, inst, f, slots);
}

uint32_t rt_jit_memory_grow(wp_instance *inst, uint32_t delta)
{
    /* -1 (failure) becomes the i32 0xFFFFFFFF. */
    return (uint32_t)rt_memory_grow(inst->memories[0], delta);
}

void rt_jit_memory_fill(rt_jit_cx *cx, wp_instance *inst, uint32_t d, uint32_t v, uint32_t n,
                        uint32_t caller)
{
    wp_memory *m = inst->memories[0];
    if ((uint64_t)d + n > m->size)
        rt_jit_trap(cx, inst, WP_TRAP_MEMORY_OOB, caller, RT_JIT_AT_SITE);
    if (n > 0)
        memset(m->data + d, (uint8_t)v, n);
}

void rt_jit_memory_copy(rt_jit_cx *cx, wp_instance *inst, uint32_t d, uint32_t s, uint32_t n,
                        uint32_t caller)
{
    wp_memory *m = inst->memories[0];
    if ((uint64_t)d + n > m->size || (uint64_t)s + n > m->size)
        rt_jit_trap(cx, inst, WP_TRAP_MEMORY_OOB, caller, RT_JIT_AT_SITE);
    if (n > 0)
        memmove(m->data + d, m->data + s, n);
}

void rt_jit_memory_init(rt_jit_cx *cx, wp_instance *inst, uint32_t seg, uint32_t d,
                        uint32_t s, uint32_t n, uint32_t caller)
{
    wp_memory *m = inst->memories[0];
    if ((uint64_t)s + n > inst->data_len[seg] || (uint64_t)d + n > m->size)
        rt_jit_trap(cx, inst, WP_TRAP_MEMORY_OOB, caller, RT_JIT_AT_SITE);
    if (n > 0)
        memcpy(m->data + d, inst->module->datas[seg].bytes + s, n);
}

void rt_jit_data_drop(wp_instance *inst, uint32_t seg)
{
    inst->data_len[seg] = 0;
}

void *rt_jit_table_get(rt_jit_cx *cx, wp_instance *inst, uint32_t table, uint32_t i,
                       uint32_t caller)
{
    const wp_table *t = inst->tables[table];
    if (i >= t->size)
        rt_jit_trap(cx, inst, WP_TRAP_TABLE_OOB, caller, RT_JIT_AT_SITE);
    return t->elems[i];
}

void rt_jit_table_set(rt_jit_cx *cx, wp_instance *inst, uint32_t table, uint32_t i, void *v,
                      uint32_t caller)
{
    wp_table *t = inst->tables[table];
    if (i >= t->size)
        rt_jit_trap(cx, inst, WP_TRAP_TABLE_OOB, caller, RT_JIT_AT_SITE);
    t->elems[i] = v;
}

uint32_t rt_jit_table_size(wp_instance *inst, uint32_t table)
{
    return inst->tables[table]->size;
}

uint32_t rt_jit_table_grow(wp_instance *inst, uint32_t table, void *init, uint32_t n)
{
    return (uint32_t)rt_table_grow(inst->tables[table], n, init);
}

void rt_jit_table_fill(rt_jit_cx *cx, wp_instance *inst, uint32_t table, uint32_t i, void *v,
                       uint32_t n, uint32_t caller)
{
    wp_table *t = inst->tables[table];
    if ((uint64_t)i + n > t->size)
        rt_jit_trap(cx, inst, WP_TRAP_TABLE_OOB, caller, RT_JIT_AT_SITE);
    for (uint32_t k = 0; k < n; k++)
        t->elems[i + k] = v;
}

void rt_jit_table_copy(rt_jit_cx *cx, wp_instance *inst, uint32_t dt, uint32_t st, uint32_t d,
                       uint32_t s, uint32_t n, uint32_t caller)
{
    wp_table *dst = inst->tables[dt];
    const wp_table *src = inst->tables[st];
    if ((uint64_t)d + n > dst->size || (uint64_t)s + n > src->size)
        rt_jit_trap(cx, inst, WP_TRAP_TABLE_OOB, caller, RT_JIT_AT_SITE);
    if (n > 0)
        memmove(dst->elems + d, src->elems + s, (size_t)n * sizeof *dst->elems);
}

void rt_jit_table_init(rt_jit_cx *cx, wp_instance *inst, uint32_t table, uint32_t seg,
                       uint32_t d, uint32_t s, uint32_t n, uint32_t caller)
{
    wp_table *t = inst->tables[table];
    if ((uint64_t)s + n > inst->elem_len[seg] || (uint64_t)d + n > t->size)
        rt_jit_trap(cx, inst, WP_TRAP_TABLE_OOB, caller, RT_JIT_AT_SITE);
    void *const *items = (void *const *)inst->elem_items[seg];
    if (n > 0)
        memcpy(t->elems + d, items + s, (size_t)n * sizeof *t->elems);
}

void rt_jit_elem_drop(wp_instance *inst, uint32_t seg)
{
    inst->elem_len[seg] = 0;
}
