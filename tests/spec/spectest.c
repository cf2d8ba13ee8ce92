/* The "spectest" host module that the spec scripts import from: print
 * functions of each signature, four immutable globals, a funcref table and
 * a memory, built with the public API alone. The print functions are silent
 * unless the runner is verbose, so a run's output stays one line per file. */
#include "spec.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NPRINTS 7
#define NGLOBALS 4

/* What a print function needs at call time; points into its spec_host. */
typedef struct print_fn {
    const char       *name;
    const wp_valtype *params;
    uint32_t          nparams;
    const bool       *verbose;
} print_fn;

struct spec_host {
    bool       verbose;
    print_fn   prints[NPRINTS];
    wp_func   *funcs[NPRINTS];
    wp_global *globals[NGLOBALS];
    wp_table  *table;
    wp_memory *memory;
};

static const wp_valtype p_i32[] = { WP_I32 };
static const wp_valtype p_i64[] = { WP_I64 };
static const wp_valtype p_f32[] = { WP_F32 };
static const wp_valtype p_f64[] = { WP_F64 };
static const wp_valtype p_i32_f32[] = { WP_I32, WP_F32 };
static const wp_valtype p_f64_f64[] = { WP_F64, WP_F64 };

static const struct {
    const char       *name;
    const wp_valtype *params;
    uint32_t          nparams;
} print_defs[NPRINTS] = {
    { "print", NULL, 0 },
    { "print_i32", p_i32, 1 },
    { "print_i64", p_i64, 1 },
    { "print_f32", p_f32, 1 },
    { "print_f64", p_f64, 1 },
    { "print_i32_f32", p_i32_f32, 2 },
    { "print_f64_f64", p_f64_f64, 2 },
};

static const char *const global_names[NGLOBALS] = {
    "global_i32", "global_i64", "global_f32", "global_f64"
};

static wp_status print_call(wp_call *call, void *user, uint64_t *slots)
{
    const print_fn *p = user;
    (void)call;
    if (!*p->verbose)
        return WP_OK;
    printf("spectest.%s(", p->name);
    for (uint32_t i = 0; i < p->nparams; i++) {
        uint64_t s = slots[i];
        const char *sep = i ? ", " : "";
        switch (p->params[i]) {
        case WP_I32:
            printf("%s%" PRId32, sep, (int32_t)(uint32_t)s);
            break;
        case WP_F32: {
            uint32_t bits = (uint32_t)s;
            float f;
            memcpy(&f, &bits, sizeof f);
            printf("%s%.9g", sep, (double)f);
            break;
        }
        case WP_F64: {
            double d;
            memcpy(&d, &s, sizeof d);
            printf("%s%.17g", sep, d);
            break;
        }
        default:
            printf("%s%" PRId64, sep, (int64_t)s);
            break;
        }
    }
    printf(")\n");
    return WP_OK;
}

wp_status spec_host_create(wp_engine *e, bool verbose, spec_host **out, wp_error *err)
{
    wp_status st;
    spec_host *h = calloc(1, sizeof *h);
    *out = NULL;
    if (!h) {
        err->code = WP_ERR_NOMEM;
        snprintf(err->msg, sizeof err->msg, "spectest: out of memory");
        return WP_ERR_NOMEM;
    }
    h->verbose = verbose;
    for (int i = 0; i < NPRINTS; i++) {
        wp_functype ft = { print_defs[i].params, print_defs[i].nparams, NULL, 0 };
        h->prints[i] = (print_fn){ print_defs[i].name, print_defs[i].params,
                                   print_defs[i].nparams, &h->verbose };
        st = wp_func_create_host(e, &ft, print_call, &h->prints[i], &h->funcs[i], err);
        if (st != WP_OK)
            goto fail;
    }
    /* 666.6 rounded to f32 and to f64, as bit patterns. */
    const wp_value inits[NGLOBALS] = {
        { .type = WP_I32, .of.i32 = 666 },
        { .type = WP_I64, .of.i64 = 666 },
        { .type = WP_F32, .of.f32_bits = 0x4426a666u },
        { .type = WP_F64, .of.f64_bits = UINT64_C(0x4084d4cccccccccd) },
    };
    for (int i = 0; i < NGLOBALS; i++) {
        st = wp_global_create(e, &inits[i], false, &h->globals[i], err);
        if (st != WP_OK)
            goto fail;
    }
    st = wp_table_create(e, WP_FUNCREF, (wp_limits){ 10, 20, true }, &h->table, err);
    if (st != WP_OK)
        goto fail;
    st = wp_memory_create(e, (wp_limits){ 1, 2, true }, &h->memory, err);
    if (st != WP_OK)
        goto fail;
    *out = h;
    return WP_OK;
fail:
    spec_host_destroy(h);
    return st;
}

wp_status spec_host_define(const spec_host *h, wp_imports *im, wp_error *err)
{
    wp_status st;
    for (int i = 0; i < NPRINTS; i++) {
        wp_extern ext = { .kind = WP_EXTERN_FUNC, .of.func = h->funcs[i] };
        if ((st = wp_imports_define(im, "spectest", print_defs[i].name, ext, err)) != WP_OK)
            return st;
    }
    for (int i = 0; i < NGLOBALS; i++) {
        wp_extern ext = { .kind = WP_EXTERN_GLOBAL, .of.global = h->globals[i] };
        if ((st = wp_imports_define(im, "spectest", global_names[i], ext, err)) != WP_OK)
            return st;
    }
    wp_extern table = { .kind = WP_EXTERN_TABLE, .of.table = h->table };
    if ((st = wp_imports_define(im, "spectest", "table", table, err)) != WP_OK)
        return st;
    wp_extern mem = { .kind = WP_EXTERN_MEMORY, .of.memory = h->memory };
    return wp_imports_define(im, "spectest", "memory", mem, err);
}

void spec_host_destroy(spec_host *h)
{
    if (!h)
        return;
    for (int i = 0; i < NPRINTS; i++)
        wp_func_destroy(h->funcs[i]);
    for (int i = 0; i < NGLOBALS; i++)
        wp_global_destroy(h->globals[i]);
    wp_table_destroy(h->table);
    wp_memory_destroy(h->memory);
    free(h);
}
