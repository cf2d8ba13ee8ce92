/* Unit tests of standalone tables (table.c) and globals (global.c):
 * creation limits, growth, typed get/set and their refusals, value bits
 * that survive a round trip (NaN payloads, v128), and no bytes left
 * allocated at the end. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"

static int failures;

#define CHECK(name, cond, ...)                                                \
    do {                                                                      \
        if (!(cond)) {                                                        \
            failures++;                                                       \
            printf("FAIL %s: ", name);                                        \
            printf(__VA_ARGS__);                                              \
            printf("\n");                                                     \
        }                                                                     \
    } while (0)

typedef struct counting { long long live; } counting;

static void *count_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    counting *c = ud;
    c->live += (long long)new_size - (long long)old_size;
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, new_size);
}

static void test_table_create(wp_engine *e)
{
    static const struct {
        const char *name;
        wp_valtype  elem;
        wp_limits   limits;
        wp_status   want;
        uint32_t    size, max;
    } cases[] = {
        { "funcref 0 no max",       WP_FUNCREF,   { 0, 0, false },            WP_OK, 0, WP_MAX_TABLE_ENTRIES },
        { "funcref 10 max 20",      WP_FUNCREF,   { 10, 20, true },           WP_OK, 10, 20 },
        { "externref 1 max 1",      WP_EXTERNREF, { 1, 1, true },             WP_OK, 1, 1 },
        { "max 0xffffffff capped",  WP_FUNCREF,   { 0, 0xffffffffu, true },   WP_OK, 0, WP_MAX_TABLE_ENTRIES },
        { "i32 elements refused",   WP_I32,       { 0, 0, false },            WP_ERR_ARG, 0, 0 },
        { "min above max",          WP_FUNCREF,   { 2, 1, true },             WP_ERR_ARG, 0, 0 },
        { "min above entry limit",  WP_FUNCREF,   { 0xffffffffu, 0, false },  WP_ERR_NOMEM, 0, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wp_table *t = NULL;
        wp_error err;
        wp_status s = wp_table_create(e, cases[i].elem, cases[i].limits, &t, &err);
        CHECK(cases[i].name, s == cases[i].want, "expected %s, found %s (%s)",
              wp_status_text(cases[i].want), wp_status_text(s), s ? err.msg : "");
        if (s == WP_OK) {
            CHECK(cases[i].name, wp_table_size(t) == cases[i].size, "expected size %u, found %u",
                  cases[i].size, wp_table_size(t));
            CHECK(cases[i].name, t->max == cases[i].max, "expected max %u, found %u",
                  cases[i].max, t->max);
            bool null = true;
            for (uint32_t k = 0; k < t->size; k++)
                null &= t->elems[k] == NULL;
            CHECK(cases[i].name, null, "expected null entries");
        } else {
            CHECK(cases[i].name, t == NULL, "expected *out NULL");
        }
        wp_table_destroy(t);
    }
}

static void test_table_grow(wp_engine *e)
{
    static const struct {
        const char *name;
        uint32_t    delta;
        int64_t     want;
        uint32_t    size_after;
    } steps[] = {
        { "grow 0",            0, 2, 2 },
        { "grow 3",            3, 2, 5 },
        { "grow 100",          100, 5, 105 },
        { "grow to max",       895, 105, 1000 },
        { "grow past max",     1, -1, 1000 },
        { "huge delta",        0xffffffffu, -1, 1000 },
    };
    wp_limits l = { 2, 1000, true };
    wp_table *t;
    wp_error err;
    if (wp_table_create(e, WP_EXTERNREF, l, &t, &err) != WP_OK) {
        CHECK("table grow", 0, "create: %s", err.msg);
        return;
    }
    int marker;
    uint32_t prev = 2;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        int64_t r = rt_table_grow(t, steps[i].delta, &marker);
        CHECK(steps[i].name, r == steps[i].want, "expected %lld, found %lld",
              (long long)steps[i].want, (long long)r);
        CHECK(steps[i].name, t->size == steps[i].size_after, "expected size %u, found %u",
              steps[i].size_after, t->size);
        bool filled = true;
        for (uint32_t k = prev; k < t->size; k++)
            filled &= t->elems[k] == &marker;
        CHECK(steps[i].name, filled, "expected new entries to hold the init value");
        prev = t->size;
    }
    CHECK("old entries stay null", t->elems[0] == NULL && t->elems[1] == NULL,
          "expected null");
    wp_table_destroy(t);
}

static void test_table_access(wp_engine *e)
{
    wp_limits l = { 3, 0, false };
    wp_table *ft, *xt;
    wp_error err;
    if (wp_table_create(e, WP_FUNCREF, l, &ft, &err) != WP_OK
        || wp_table_create(e, WP_EXTERNREF, l, &xt, &err) != WP_OK)
        return;
    int host_object;
    wp_func *fake = (wp_func *)&host_object;   /* only stored, never called */
    wp_value fv = { .type = WP_FUNCREF, .of.funcref = fake };
    wp_value xv = { .type = WP_EXTERNREF, .of.externref = &host_object };
    wp_value iv = { .type = WP_I32, .of.i32 = 1 };

    static const struct { const char *name; int table; int value; uint32_t index; wp_status want; }
    cases[] = {
        { "funcref into funcref table",     0, 0, 0, WP_OK },
        { "externref into externref table", 1, 1, 2, WP_OK },
        { "externref into funcref table",   0, 1, 0, WP_ERR_ARG },
        { "funcref into externref table",   1, 0, 0, WP_ERR_ARG },
        { "i32 into funcref table",         0, 2, 0, WP_ERR_ARG },
        { "index at size",                  0, 0, 3, WP_ERR_ARG },
        { "index far out",                  1, 1, 0xffffffffu, WP_ERR_ARG },
    };
    wp_table *tables[2] = { ft, xt };
    const wp_value *values[3] = { &fv, &xv, &iv };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wp_status s = wp_table_set(tables[cases[i].table], cases[i].index, values[cases[i].value], &err);
        CHECK(cases[i].name, s == cases[i].want, "expected %s, found %s",
              wp_status_text(cases[i].want), wp_status_text(s));
    }
    wp_value out;
    CHECK("get funcref", wp_table_get(ft, 0, &out, &err) == WP_OK && out.type == WP_FUNCREF
          && out.of.funcref == fake, "expected the stored funcref");
    CHECK("get null funcref", wp_table_get(ft, 1, &out, &err) == WP_OK && out.type == WP_FUNCREF
          && out.of.funcref == NULL, "expected a null funcref");
    CHECK("get externref", wp_table_get(xt, 2, &out, &err) == WP_OK && out.type == WP_EXTERNREF
          && out.of.externref == &host_object, "expected the stored externref");
    CHECK("get out of bounds", wp_table_get(xt, 3, &out, &err) == WP_ERR_ARG,
          "expected WP_ERR_ARG");
    CHECK("get NULL table", wp_table_get(NULL, 0, &out, NULL) == WP_ERR_ARG, "expected WP_ERR_ARG");
    CHECK("size NULL", wp_table_size(NULL) == 0, "expected 0");
    /* Owned tables are not freed by wp_table_destroy. */
    ft->owned_by_instance = true;
    wp_table_destroy(ft);
    ft->owned_by_instance = false;
    wp_table_destroy(ft);
    wp_table_destroy(xt);
    wp_table_destroy(NULL);
}

static void test_globals(wp_engine *e)
{
    wp_value v128 = { .type = WP_V128 };
    for (int i = 0; i < 16; i++)
        v128.of.v128[i] = (uint8_t)(i * 17 + 1);
    int obj;
    static const struct { const char *name; wp_value init; } kinds[] = {
        { "i32 negative",        { .type = WP_I32, .of.i32 = -5 } },
        { "i64 min",             { .type = WP_I64, .of.i64 = INT64_MIN } },
        { "f32 NaN payload",     { .type = WP_F32, .of.f32_bits = 0x7fa00001u } },
        { "f64 NaN payload",     { .type = WP_F64, .of.f64_bits = 0xfff0000000000abcull } },
        { "funcref null",        { .type = WP_FUNCREF, .of.funcref = NULL } },
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        wp_global *g;
        wp_error err;
        if (wp_global_create(e, &kinds[i].init, false, &g, &err) != WP_OK) {
            CHECK(kinds[i].name, 0, "create: %s", err.msg);
            continue;
        }
        wp_value got = wp_global_get(g);
        CHECK(kinds[i].name, got.type == kinds[i].init.type
              && memcmp(&got.of, &kinds[i].init.of, sizeof(uint64_t)) == 0,
              "expected the value back unchanged");
        CHECK(kinds[i].name, wp_global_set(g, &kinds[i].init, &err) == WP_ERR_ARG,
              "expected an immutable global to refuse a set");
        wp_global_destroy(g);
    }
    /* i32 is stored zero-extended, as on the value stack. */
    wp_value neg = { .type = WP_I32, .of.i32 = -1 };
    wp_global *g;
    wp_error err;
    if (wp_global_create(e, &neg, true, &g, &err) == WP_OK) {
        CHECK("i32 slot zero-extended", g->val[0] == 0xffffffffu, "expected 0xffffffff, found %#llx",
              (unsigned long long)g->val[0]);
        wp_value x = { .type = WP_EXTERNREF, .of.externref = &obj };
        CHECK("set wrong type", wp_global_set(g, &x, &err) == WP_ERR_ARG, "expected WP_ERR_ARG");
        wp_value seven = { .type = WP_I32, .of.i32 = 7 };
        CHECK("set mutable", wp_global_set(g, &seven, &err) == WP_OK
              && wp_global_get(g).of.i32 == 7, "expected 7");
        wp_global_destroy(g);
    }
    if (wp_global_create(e, &v128, true, &g, &err) == WP_OK) {
        wp_value got = wp_global_get(g);
        CHECK("v128 round trip", got.type == WP_V128 && memcmp(got.of.v128, v128.of.v128, 16) == 0,
              "expected the 16 bytes back");
        wp_global_destroy(g);
    }
    wp_value bad = { .type = (wp_valtype)0x40 };
    CHECK("create bad type", wp_global_create(e, &bad, false, &g, &err) == WP_ERR_ARG && g == NULL,
          "expected WP_ERR_ARG and NULL");
    CHECK("create NULL init", wp_global_create(e, NULL, false, &g, NULL) == WP_ERR_ARG,
          "expected WP_ERR_ARG");
    CHECK("set NULL", wp_global_set(NULL, &neg, NULL) == WP_ERR_ARG, "expected WP_ERR_ARG");
    wp_global_destroy(NULL);
}

int main(void)
{
    counting cnt = { 0 };
    wp_engine_config cfg = { .alloc = count_alloc, .alloc_ud = &cnt };
    wp_engine *e;
    wp_error err;
    if (wp_engine_create(&cfg, &e, &err) != WP_OK) {
        printf("FAIL engine: %s\n", err.msg);
        return 1;
    }
    test_table_create(e);
    test_table_grow(e);
    test_table_access(e);
    test_globals(e);
    wp_engine_destroy(e);
    CHECK("allocations balanced", cnt.live == 0, "expected 0 live bytes, found %lld", cnt.live);
    if (failures) {
        printf("%d failure(s)\n", failures);
        return 1;
    }
    printf("test_table_global: ok\n");
    return 0;
}
