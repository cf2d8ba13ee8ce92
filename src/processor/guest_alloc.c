/* The guest's allocator, found by export name. Two conventions exist:
 * malloc(size) -> ptr with free(ptr) (C, TinyGo) and allocate(size) -> ptr
 * with deallocate(ptr, size) (Rust). Each allocator is paired with its own
 * release function; mixing them (freeing an allocate buffer with free, as
 * the reference host does when a module exports both) corrupts the guest's
 * heap. When both pairs are exported, allocate/deallocate serves in-bound
 * buffers, because a module that exports deallocate also expects the host
 * to deallocate the buffers it hands out, so that is its convention.
 *
 * The exports' types are checked once, at creation: the host calls them
 * with wp_func_call_raw, which does not check types, so a malloc of the
 * wrong type must never reach a call.
 */
#include "proc.h"

#include <stdio.h>
#include <string.h>

static const wp_valtype i32_1[] = { WP_I32 };
static const wp_valtype i32_2[] = { WP_I32, WP_I32 };

enum { EX_MALLOC, EX_FREE, EX_ALLOCATE, EX_DEALLOCATE, EX_COUNT };

static const struct {
    const char *name;
    wp_functype type;
    const char *type_text;
} allocator_exports[EX_COUNT] = {
    [EX_MALLOC]     = { "malloc",     { i32_1, 1, i32_1, 1 }, "(i32) -> (i32)" },
    [EX_FREE]       = { "free",       { i32_1, 1, NULL, 0 },  "(i32) -> ()" },
    [EX_ALLOCATE]   = { "allocate",   { i32_1, 1, i32_1, 1 }, "(i32) -> (i32)" },
    [EX_DEALLOCATE] = { "deallocate", { i32_2, 2, NULL, 0 },  "(i32, i32) -> ()" },
};

static bool same_type(const wp_functype *a, const wp_functype *b)
{
    if (a->nparams != b->nparams || a->nresults != b->nresults)
        return false;
    for (uint32_t i = 0; i < a->nparams; i++)
        if (a->params[i] != b->params[i])
            return false;
    for (uint32_t i = 0; i < a->nresults; i++)
        if (a->results[i] != b->results[i])
            return false;
    return true;
}

/* Finds the function export `name`: 1 found with the right type, 0 absent,
 * -1 present with another kind or type (err filled). */
static int find_export(const wp_module *m, int which, wp_error *err)
{
    const char *name = allocator_exports[which].name;
    size_t len = strlen(name);
    uint32_t n = wp_module_export_count(m);
    for (uint32_t i = 0; i < n; i++) {
        wp_extern_desc d;
        if (wp_module_export(m, i, &d) != WP_OK || d.name_len != len ||
            memcmp(d.name, name, len) != 0)
            continue;
        if (d.kind != WP_EXTERN_FUNC || !same_type(&d.func, &allocator_exports[which].type)) {
            err->code = WP_ERR_LINK;
            err->detail = 0;
            err->offset = UINT32_MAX;
            snprintf(err->msg, sizeof err->msg,
                     "export \"%s\" is not a function of type %s, as the allocator "
                     "convention needs", name, allocator_exports[which].type_text);
            return -1;
        }
        return 1;
    }
    return 0;
}

wp_status pr_alloc_plan_make(const wp_module *m, bool needs_alloc, pr_alloc_plan *out,
                             char *warn, size_t warn_size, wp_error *err)
{
    int have[EX_COUNT];
    for (int i = 0; i < EX_COUNT; i++) {
        have[i] = find_export(m, i, err);
        if (have[i] < 0)
            return err->code;
    }
    memset(out, 0, sizeof *out);
    if (warn_size > 0)
        warn[0] = '\0';
    out->outbound = have[EX_DEALLOCATE];
    if (have[EX_ALLOCATE] && have[EX_DEALLOCATE]) {
        out->kind = PR_ALLOC_ALLOCATE;
        out->release = true;
    } else if (have[EX_MALLOC]) {
        out->kind = PR_ALLOC_MALLOC;
        out->release = have[EX_FREE];
    } else if (have[EX_ALLOCATE]) {
        out->kind = PR_ALLOC_ALLOCATE;
        out->release = false;
    }
    if (out->kind == PR_ALLOC_NONE) {
        if (needs_alloc) {
            err->code = WP_ERR_LINK;
            err->detail = 0;
            err->offset = UINT32_MAX;
            snprintf(err->msg, sizeof err->msg,
                     "the module imports v0_msg_as_bytes or v0_msg_get_meta but exports no "
                     "allocator for the host to place bytes with: export malloc and free "
                     "(C, TinyGo) or allocate and deallocate (Rust)");
            return WP_ERR_LINK;
        }
        return WP_OK;
    }
    if (needs_alloc && !out->release && warn_size > 0)
        snprintf(warn, warn_size,
                 "the module exports %s but not %s: in-bound buffers can never be released "
                 "and its memory will grow with every message",
                 out->kind == PR_ALLOC_MALLOC ? "malloc" : "allocate",
                 out->kind == PR_ALLOC_MALLOC ? "free" : "deallocate");
    return WP_OK;
}

static wp_status resolve(wp_instance *in, int which, wp_func **out, wp_error *err)
{
    wp_extern ext;
    wp_status s = wp_instance_export(in, allocator_exports[which].name, &ext, err);
    if (s != WP_OK)
        return s;
    if (ext.kind != WP_EXTERN_FUNC) {
        err->code = WP_ERR_INTERNAL;
        snprintf(err->msg, sizeof err->msg, "export \"%s\" is no longer a function",
                 allocator_exports[which].name);
        return WP_ERR_INTERNAL;
    }
    *out = ext.of.func;
    return WP_OK;
}

wp_status pr_alloc_bind(wp_instance *in, const pr_alloc_plan *plan, pr_alloc_funcs *out,
                        wp_error *err)
{
    memset(out, 0, sizeof *out);
    out->kind = plan->kind;
    wp_status s = WP_OK;
    if (plan->kind == PR_ALLOC_MALLOC) {
        s = resolve(in, EX_MALLOC, &out->alloc, err);
        if (s == WP_OK && plan->release)
            s = resolve(in, EX_FREE, &out->release, err);
    } else if (plan->kind == PR_ALLOC_ALLOCATE) {
        s = resolve(in, EX_ALLOCATE, &out->alloc, err);
        if (s == WP_OK && plan->release)
            s = resolve(in, EX_DEALLOCATE, &out->release, err);
    }
    if (s == WP_OK && plan->outbound)
        s = resolve(in, EX_DEALLOCATE, &out->dealloc, err);
    return s;
}

wp_status pr_guest_alloc_null(const pr_alloc_funcs *f, uint32_t size, wp_error *err)
{
    err->code = WP_ERR_TRAP;
    err->detail = WP_TRAP_HOST;
    err->offset = UINT32_MAX;
    snprintf(err->msg, sizeof err->msg, "the guest's %s returned 0 for %u bytes",
             f->kind == PR_ALLOC_MALLOC ? "malloc" : "allocate", (unsigned)size);
    return WP_ERR_TRAP;
}

wp_status pr_guest_dealloc(const pr_alloc_funcs *f, uint32_t ptr, uint32_t size, wp_error *err)
{
    if (f->dealloc == NULL)
        return WP_OK;
    uint64_t slots[2] = { ptr, size };
    return wp_func_call_raw(f->dealloc, slots, err);
}
