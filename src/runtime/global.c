/* Standalone globals for hosts that provide imports, and typed access to
 * any global. A global stores its value as raw slots, in the same encoding
 * as the value stack (i32/f32 zero-extended in the low 32 bits, references
 * as pointers, v128 in two slots), so global.get and global.set in the
 * interpreter are plain copies. */
#include <string.h>

#include "rt.h"

static bool is_value_type(uint32_t t)
{
    switch (t) {
    case WP_I32: case WP_I64: case WP_F32: case WP_F64:
    case WP_V128: case WP_FUNCREF: case WP_EXTERNREF:
        return true;
    default:
        return false;
    }
}

static void value_to_bits(const wp_value *v, uint64_t bits[2])
{
    bits[0] = bits[1] = 0;
    switch (v->type) {
    case WP_I32:       bits[0] = (uint32_t)v->of.i32; break;
    case WP_I64:       bits[0] = (uint64_t)v->of.i64; break;
    case WP_F32:       bits[0] = v->of.f32_bits; break;
    case WP_F64:       bits[0] = v->of.f64_bits; break;
    case WP_V128:      memcpy(bits, v->of.v128, 16); break;
    case WP_FUNCREF:   bits[0] = (uintptr_t)v->of.funcref; break;
    case WP_EXTERNREF: bits[0] = (uintptr_t)v->of.externref; break;
    }
}

wp_status wp_global_create(wp_engine *e, const wp_value *init, bool mutable_,
                           wp_global **out, wp_error *err)
{
    if (out == NULL)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX, "wp_global_create: out is NULL");
    *out = NULL;
    if (e == NULL || init == NULL)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX, "wp_global_create: engine or init is NULL");
    if (!is_value_type((uint32_t)init->type))
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                       "wp_global_create: 0x%02x is not a value type", (unsigned)init->type);
    wp_global *g = rt_alloc(e, sizeof *g);
    if (g == NULL)
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX, "wp_global_create: out of memory");
    g->engine = e;
    g->type = (rt_valtype)init->type;
    g->mut = mutable_;
    value_to_bits(init, g->val);
    *out = g;
    return WP_OK;
}

void wp_global_destroy(wp_global *g)
{
    /* An instance's global dies with the instance. */
    if (g == NULL || g->owned_by_instance)
        return;
    rt_free(g->engine, g, sizeof *g);
}

wp_value wp_global_get(const wp_global *g)
{
    wp_value v;
    memset(&v, 0, sizeof v);
    if (g == NULL) {
        v.type = WP_I32;
        return v;
    }
    v.type = (wp_valtype)g->type;
    switch (v.type) {
    case WP_I32:       v.of.i32 = (int32_t)(uint32_t)g->val[0]; break;
    case WP_I64:       v.of.i64 = (int64_t)g->val[0]; break;
    case WP_F32:       v.of.f32_bits = (uint32_t)g->val[0]; break;
    case WP_F64:       v.of.f64_bits = g->val[0]; break;
    case WP_V128:      memcpy(v.of.v128, g->val, 16); break;
    case WP_FUNCREF:   v.of.funcref = (wp_func *)(uintptr_t)g->val[0]; break;
    case WP_EXTERNREF: v.of.externref = (void *)(uintptr_t)g->val[0]; break;
    }
    return v;
}

wp_status wp_global_set(wp_global *g, const wp_value *v, wp_error *err)
{
    if (g == NULL || v == NULL)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX, "wp_global_set: global or value is NULL");
    if (!g->mut)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX, "wp_global_set: the global is immutable");
    if ((uint32_t)v->type != g->type)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                       "wp_global_set: value type 0x%02x does not match the global's type 0x%02x",
                       (unsigned)v->type, (unsigned)g->type);
    value_to_bits(v, g->val);
    return WP_OK;
}
