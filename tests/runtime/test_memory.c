/* Unit tests of linear memories (memory.c) and of the allocator plumbing
 * under them: limits and caps at creation, growth, zeroed pages, a data
 * pointer that never moves, and no bytes left allocated at the end. */
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

/* An allocator that counts outstanding bytes and checks the old sizes. */
typedef struct counting { long long live; long long calls; } counting;

static void *count_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    counting *c = ud;
    c->calls++;
    c->live += (long long)new_size - (long long)old_size;
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, new_size);
}

static const uint64_t PAGE = 65536;

static void test_create(void)
{
    static const struct {
        const char *name;
        uint32_t    engine_cap;   /* 0: default */
        wp_limits   limits;
        wp_status   want;
        uint32_t    pages, max_pages;
    } cases[] = {
        { "min 0 no max",              0,  { 0, 0, false },        WP_OK,         0, 65536 },
        { "min 1 max 2",               0,  { 1, 2, true },         WP_OK,         1, 2 },
        { "min 0 max 0",               0,  { 0, 0, true },         WP_OK,         0, 0 },
        { "min 3 max 3",               0,  { 3, 3, true },         WP_OK,         3, 3 },
        { "max 65536",                 0,  { 0, 65536, true },     WP_OK,         0, 65536 },
        { "min above max",             0,  { 2, 1, true },         WP_ERR_ARG,    0, 0 },
        { "min above 4 GiB",           0,  { 65537, 0, false },    WP_ERR_ARG,    0, 0 },
        { "max above 4 GiB",           0,  { 0, 70000, true },     WP_ERR_ARG,    0, 0 },
        { "engine cap lowers max",     10, { 1, 100, true },       WP_OK,         1, 10 },
        { "engine cap, no max",        10, { 1, 0, false },        WP_OK,         1, 10 },
        { "engine cap below min",      10, { 11, 0, false },       WP_ERR_NOMEM,  0, 0 },
        { "engine cap equals min",     10, { 10, 20, true },       WP_OK,         10, 10 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        counting cnt = { 0, 0 };
        wp_engine_config cfg = { .alloc = count_alloc, .alloc_ud = &cnt,
                                 .max_memory_pages = cases[i].engine_cap };
        wp_engine *e = NULL;
        wp_error err;
        if (wp_engine_create(&cfg, &e, &err) != WP_OK) {
            CHECK(cases[i].name, 0, "engine: %s", err.msg);
            continue;
        }
        wp_memory *m = (wp_memory *)1;
        wp_status s = wp_memory_create(e, cases[i].limits, &m, &err);
        CHECK(cases[i].name, s == cases[i].want, "expected status %s, found %s (%s)",
              wp_status_text(cases[i].want), wp_status_text(s), s ? err.msg : "");
        if (s == WP_OK) {
            size_t len = 99;
            uint8_t *data = wp_memory_data(m, &len);
            CHECK(cases[i].name, data != NULL, "expected a data pointer, found NULL");
            CHECK(cases[i].name, len == cases[i].pages * PAGE, "expected %llu bytes, found %zu",
                  (unsigned long long)(cases[i].pages * PAGE), len);
            CHECK(cases[i].name, wp_memory_pages(m) == cases[i].pages,
                  "expected %u pages, found %u", cases[i].pages, wp_memory_pages(m));
            CHECK(cases[i].name, m->max_pages == cases[i].max_pages,
                  "expected max %u pages, found %u", cases[i].max_pages, m->max_pages);
            bool zero = true;
            for (size_t k = 0; k < len; k += 4093)
                zero &= data[k] == 0;
            CHECK(cases[i].name, zero, "expected zeroed pages");
            if (len > 0) {
                data[0] = 1;
                data[len - 1] = 2;
            }
        } else {
            CHECK(cases[i].name, m == NULL, "expected *out NULL on failure");
            CHECK(cases[i].name, err.code == s, "expected err.code %d, found %d", s, err.code);
        }
        wp_memory_destroy(m == (wp_memory *)1 ? NULL : m);
        wp_engine_destroy(e);
        CHECK(cases[i].name, cnt.live == 0, "expected no live bytes, found %lld", cnt.live);
    }
}

static void test_grow(void)
{
    /* Each step: grow by delta, expect the result and the new page count. */
    static const struct {
        const char *name;
        wp_limits   limits;
        uint32_t    delta;
        int64_t     want;
        uint32_t    pages_after;
    } steps[] = {
        { "grow 0 from 1",          { 1, 5, true }, 0, 1, 1 },
        { "grow 2 from 1",          { 1, 5, true }, 2, 1, 3 },
        { "grow 2 to max",          { 1, 5, true }, 2, 3, 5 },
        { "grow past max fails",    { 1, 5, true }, 1, -1, 5 },
        { "grow 0 at max",          { 1, 5, true }, 0, 5, 5 },
        { "huge delta fails",       { 1, 5, true }, 0xffffffffu, -1, 5 },
    };
    wp_engine *e;
    wp_error err;
    if (wp_engine_create(NULL, &e, &err) != WP_OK) {
        CHECK("grow", 0, "engine: %s", err.msg);
        return;
    }
    wp_memory *m;
    if (wp_memory_create(e, steps[0].limits, &m, &err) != WP_OK) {
        CHECK("grow", 0, "create: %s", err.msg);
        wp_engine_destroy(e);
        return;
    }
    uint8_t *base = wp_memory_data(m, NULL);
    base[100] = 42;
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        int64_t r = wp_memory_grow(m, steps[i].delta);
        CHECK(steps[i].name, r == steps[i].want, "expected %lld, found %lld",
              (long long)steps[i].want, (long long)r);
        CHECK(steps[i].name, wp_memory_pages(m) == steps[i].pages_after,
              "expected %u pages, found %u", steps[i].pages_after, wp_memory_pages(m));
        size_t len;
        uint8_t *d = wp_memory_data(m, &len);
        CHECK(steps[i].name, d == base, "expected the data not to move");
        CHECK(steps[i].name, len == steps[i].pages_after * PAGE, "expected %llu bytes, found %zu",
              (unsigned long long)(steps[i].pages_after * PAGE), len);
    }
    size_t len;
    uint8_t *d = wp_memory_data(m, &len);
    CHECK("grow keeps data", d[100] == 42, "expected 42, found %u", d[100]);
    CHECK("grown pages are zero", d[len - 1] == 0 && d[PAGE] == 0, "expected zero bytes");
    d[len - 1] = 7;   /* the last byte is writable */
    wp_memory_destroy(m);

    /* A memory with no max grows up to the cap; the cap is the engine's. */
    wp_engine_destroy(e);
    wp_engine_config cfg = { .max_memory_pages = 4 };
    if (wp_engine_create(&cfg, &e, &err) != WP_OK)
        return;
    wp_limits l = { 0, 0, false };
    if (wp_memory_create(e, l, &m, &err) == WP_OK) {
        CHECK("cap: grow 4", wp_memory_grow(m, 4) == 0, "expected 0");
        CHECK("cap: grow 1 more", wp_memory_grow(m, 1) == -1, "expected -1");
        wp_memory_destroy(m);
    }
    wp_engine_destroy(e);
}

static void test_internal_init(void)
{
    /* rt_memory_init as an instance uses it: the cap argument wins over
     * the engine's default, and a zero cap means the wasm32 limit. */
    static const struct {
        const char *name;
        rt_limits   limits;
        uint32_t    cap;
        wp_status   want;
        uint32_t    max_pages;
    } cases[] = {
        { "cap 0 means 65536",   { 1, 0, false }, 0,      WP_OK,        65536 },
        { "cap 2",               { 1, 0, false }, 2,      WP_OK,        2 },
        { "cap above 65536",     { 1, 0, false }, 100000, WP_OK,        65536 },
        { "declared max below",  { 1, 3, true },  8,      WP_OK,        3 },
        { "min above cap",       { 9, 0, false }, 8,      WP_ERR_NOMEM, 0 },
    };
    wp_engine *e;
    wp_error err;
    if (wp_engine_create(NULL, &e, &err) != WP_OK)
        return;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wp_memory mem;
        wp_status s = rt_memory_init(&mem, e, cases[i].limits, cases[i].cap, NULL, &err);
        CHECK(cases[i].name, s == cases[i].want, "expected %s, found %s",
              wp_status_text(cases[i].want), wp_status_text(s));
        if (s == WP_OK)
            CHECK(cases[i].name, mem.max_pages == cases[i].max_pages,
                  "expected max %u, found %u", cases[i].max_pages, mem.max_pages);
        rt_memory_fini(&mem);
        rt_memory_fini(&mem);   /* twice is harmless */
    }
    wp_engine_destroy(e);
}

static void test_null_safety(void)
{
    size_t len = 5;
    CHECK("data(NULL)", wp_memory_data(NULL, &len) == NULL && len == 0, "expected NULL, 0");
    CHECK("pages(NULL)", wp_memory_pages(NULL) == 0, "expected 0");
    CHECK("grow(NULL)", wp_memory_grow(NULL, 1) == -1, "expected -1");
    wp_memory_destroy(NULL);
    wp_error err;
    wp_limits l = { 0, 0, false };
    CHECK("create(NULL engine)", wp_memory_create(NULL, l, NULL, &err) == WP_ERR_ARG,
          "expected WP_ERR_ARG");
    wp_memory *m;
    CHECK("create(NULL engine, out)", wp_memory_create(NULL, l, &m, NULL) == WP_ERR_ARG,
          "expected WP_ERR_ARG with err NULL");
}

int main(void)
{
    test_create();
    test_grow();
    test_internal_init();
    test_null_safety();
    if (failures) {
        printf("%d failure(s)\n", failures);
        return 1;
    }
    printf("test_memory: ok\n");
    return 0;
}
