/* Functions as the embedder sees them: host functions, calls with typed or
 * raw arguments, and the context a host function gets (wp_call). rt_call
 * is the one entry point from C into any function; calls from wasm code
 * to wasm code never come here, they stay inside the interpreter. */
#include <stdio.h>
#include <string.h>

#include "rt.h"
#include "tier.h"

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

static const char *valtype_name(uint32_t t)
{
    switch (t) {
    case WP_I32:       return "i32";
    case WP_I64:       return "i64";
    case WP_F32:       return "f32";
    case WP_F64:       return "f64";
    case WP_V128:      return "v128";
    case WP_FUNCREF:   return "funcref";
    case WP_EXTERNREF: return "externref";
    default:           return "?";
    }
}

static wp_engine *engine_of(const wp_func *f)
{
    if (f->engine != NULL)
        return f->engine;
    return f->inst ? f->inst->engine : NULL;
}

/* ---------------------------------------------------------------- host functions */

wp_status wp_func_create_host(wp_engine *e, const wp_functype *type, wp_host_fn fn, void *user,
                              wp_func **out, wp_error *err)
{
    if (out == NULL)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX, "wp_func_create_host: out is NULL");
    *out = NULL;
    if (e == NULL || type == NULL || fn == NULL)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                       "wp_func_create_host: engine, type or fn is NULL");
    if ((type->nparams && type->params == NULL) || (type->nresults && type->results == NULL))
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                       "wp_func_create_host: type has counts but no arrays");
    if (type->nparams > WP_MAX_FUNCTION_PARAMS || type->nresults > WP_MAX_FUNCTION_PARAMS)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                       "wp_func_create_host: %u params / %u results (limit %u)",
                       type->nparams, type->nresults, WP_MAX_FUNCTION_PARAMS);

    rt_valtype buf[2 * WP_MAX_FUNCTION_PARAMS];
    for (uint32_t i = 0; i < type->nparams; i++) {
        if (!is_value_type((uint32_t)type->params[i]))
            return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                           "wp_func_create_host: param %u: 0x%02x is not a value type", i,
                           (unsigned)type->params[i]);
        buf[i] = (rt_valtype)type->params[i];
    }
    for (uint32_t i = 0; i < type->nresults; i++) {
        if (!is_value_type((uint32_t)type->results[i]))
            return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                           "wp_func_create_host: result %u: 0x%02x is not a value type", i,
                           (unsigned)type->results[i]);
        buf[type->nparams + i] = (rt_valtype)type->results[i];
    }
    uint32_t id;
    wp_status s = rt_type_intern(e, buf, type->nparams, buf + type->nparams, type->nresults,
                                 &id, err);
    if (s != WP_OK)
        return s;

    wp_func *f = rt_alloc(e, sizeof *f);
    if (f == NULL)
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX, "wp_func_create_host: out of memory");
    f->kind = RT_FUNC_HOST;
    f->type_id = id;
    f->type = rt_type_canonical(e, id);
    f->host = fn;
    f->user = user;
    f->engine = e;
    *out = f;
    return WP_OK;
}

void wp_func_destroy(wp_func *f)
{
    /* Functions of an instance die with it. */
    if (f == NULL || f->kind != RT_FUNC_HOST || f->engine == NULL)
        return;
    rt_free(f->engine, f, sizeof *f);
}

wp_functype wp_func_type(const wp_func *f)
{
    wp_functype none = { NULL, 0, NULL, 0 };
    if (f == NULL)
        return none;
    wp_engine *e = engine_of(f);
    return e ? rt_type_public(e, f->type_id) : none;
}

const char *wp_func_name(const wp_func *f)
{
    if (f == NULL)
        return NULL;
    if (f->kind == RT_FUNC_WASM && f->inst != NULL)
        return rt_module_func_name(f->inst->module, f->index);
    return f->name;
}

/* ---------------------------------------------------------------- calls */

/* A host function called from C (not from wasm). Out of line, so that
 * its error record does not make every call of a wasm function set up a
 * frame that large. */
static wp_status call_host(wp_func *f, uint64_t *slots, wp_error *err)
{
    /* The host may return an error without going through wp_call_trap; a
     * local error record lets us tell and still report something useful,
     * even when err is NULL. */
    wp_error local;
    local.code = WP_OK;
    wp_call call = { NULL, NULL, &local };
    wp_status s = f->host(&call, f->user, slots);
    if (s == WP_OK)
        return WP_OK;
    if (local.code == WP_OK) {
        rt_fail(&local, s, UINT32_MAX, "host function %s failed: %s",
                f->name ? f->name : "(unnamed)", wp_status_text(s));
        if (s == WP_ERR_TRAP)
            local.detail = WP_TRAP_HOST;
    }
    if (err != NULL)
        *err = local;
    return local.code;
}

wp_status rt_call(wp_func *f, uint64_t *slots, wp_error *err)
{
    if (f->kind == RT_FUNC_HOST)
        return call_host(f, slots, err);
    if (NEVER(f->inst == NULL || f->code == NULL))
        return rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "wasm function without an instance");
    rt_exec *exec = &f->inst->exec;
    /* An interrupt aimed at an earlier call must not stop this one. The
     * flag is read first: a store is a full barrier on every call. */
    if (exec->depth == 0 && atomic_load_explicit(&exec->interrupt, memory_order_relaxed) != 0)
        atomic_store(&exec->interrupt, 0);
    return rt_module_tier(f->inst->module)->call(exec, f, slots, err);
}

wp_status wp_func_call_raw(wp_func *f, uint64_t *slots, wp_error *err)
{
    if (f == NULL || (slots == NULL && f->type != NULL &&
                      (f->type->param_slots || f->type->result_slots)))
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX, "wp_func_call_raw: function or slots is NULL");
    return rt_call(f, slots, err);
}

static uint32_t put_value(const wp_value *v, uint64_t *slot)
{
    switch (v->type) {
    case WP_I32:       slot[0] = (uint32_t)v->of.i32; return 1;
    case WP_I64:       slot[0] = (uint64_t)v->of.i64; return 1;
    case WP_F32:       slot[0] = v->of.f32_bits; return 1;
    case WP_F64:       slot[0] = v->of.f64_bits; return 1;
    case WP_V128:      memcpy(slot, v->of.v128, 16); return 2;
    case WP_FUNCREF:   slot[0] = (uintptr_t)v->of.funcref; return 1;
    case WP_EXTERNREF: slot[0] = (uintptr_t)v->of.externref; return 1;
    }
    return 1;
}

static uint32_t get_value(rt_valtype t, const uint64_t *slot, wp_value *v)
{
    memset(v, 0, sizeof *v);
    v->type = (wp_valtype)t;
    switch (t) {
    case WP_I32:       v->of.i32 = (int32_t)(uint32_t)slot[0]; return 1;
    case WP_I64:       v->of.i64 = (int64_t)slot[0]; return 1;
    case WP_F32:       v->of.f32_bits = (uint32_t)slot[0]; return 1;
    case WP_F64:       v->of.f64_bits = slot[0]; return 1;
    case WP_V128:      memcpy(v->of.v128, slot, 16); return 2;
    case WP_FUNCREF:   v->of.funcref = (wp_func *)(uintptr_t)slot[0]; return 1;
    case WP_EXTERNREF: v->of.externref = (void *)(uintptr_t)slot[0]; return 1;
    }
    return 1;
}

wp_status wp_func_call(wp_func *f, const wp_value *args, uint32_t nargs,
                       wp_value *results, uint32_t nresults, wp_error *err)
{
    if (f == NULL || f->type == NULL)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX, "wp_func_call: function is NULL");
    const rt_functype *ft = f->type;
    const char *name = wp_func_name(f) ? wp_func_name(f) : "(unnamed)";
    if (nargs != ft->nparams)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                       "wp_func_call: function %s takes %u arguments, %u given",
                       name, ft->nparams, nargs);
    if (nresults != ft->nresults)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                       "wp_func_call: function %s returns %u results, room for %u given",
                       name, ft->nresults, nresults);
    if ((nargs && args == NULL) || (nresults && results == NULL))
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX, "wp_func_call: args or results is NULL");
    for (uint32_t i = 0; i < nargs; i++)
        if ((uint32_t)args[i].type != ft->params[i])
            return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                           "wp_func_call: function %s: argument %u is %s, expected %s",
                           name, i, valtype_name((uint32_t)args[i].type),
                           valtype_name(ft->params[i]));

    uint32_t n = ft->param_slots > ft->result_slots ? ft->param_slots : ft->result_slots;
    uint64_t small[16];
    uint64_t *slots = small;
    wp_engine *e = engine_of(f);
    if (n > 16) {
        slots = e ? rt_alloc(e, (size_t)n * sizeof *slots) : NULL;
        if (slots == NULL)
            return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX, "wp_func_call: out of memory");
    }
    uint32_t at = 0;
    for (uint32_t i = 0; i < nargs; i++)
        at += put_value(&args[i], slots + at);

    wp_status s = rt_call(f, slots, err);
    if (s == WP_OK) {
        at = 0;
        for (uint32_t i = 0; i < nresults; i++)
            at += get_value(ft->results[i], slots + at, &results[i]);
    }
    if (slots != small)
        rt_free(e, slots, (size_t)n * sizeof *slots);
    return s;
}

/* ---------------------------------------------------------------- wp_call */

wp_instance *wp_call_instance(wp_call *call)
{
    return call ? call->inst : NULL;
}

bool wp_call_interrupted(wp_call *call)
{
    return call != NULL && call->inst != NULL &&
           atomic_load_explicit(&call->inst->exec.interrupt, memory_order_relaxed) != 0;
}

uint8_t *wp_call_memory(wp_call *call, size_t *len)
{
    wp_memory *m = NULL;
    if (call != NULL && call->inst != NULL && call->inst->module->nmemories > 0)
        m = call->inst->memories[0];
    if (m == NULL) {
        if (len != NULL)
            *len = 0;
        return NULL;
    }
    if (len != NULL)
        *len = (size_t)m->size;
    return m->data;
}

wp_status wp_call_trap(wp_call *call, const char *fmt, ...)
{
    if (call == NULL || call->err == NULL)
        return WP_ERR_TRAP;
    va_list ap;
    va_start(ap, fmt);
    rt_failv(call->err, WP_ERR_TRAP, UINT32_MAX, fmt ? fmt : "host trap", ap);
    va_end(ap);
    call->err->detail = WP_TRAP_HOST;
    return WP_ERR_TRAP;
}

wp_status wp_call_exit(wp_call *call, int code)
{
    if (call == NULL || call->err == NULL)
        return WP_EXIT;
    rt_fail(call->err, WP_EXIT, UINT32_MAX, "exit with code %d", code);
    call->err->detail = code;
    return WP_EXIT;
}
