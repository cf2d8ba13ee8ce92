/* The per-instance limit (max_instance_bytes): what a module makes an
 * instance hold (tables, memories, element segment items, its records and
 * its call stack) is charged against one limit; instantiation fails with
 * WP_ERR_NOMEM naming what did not fit, and memory.grow fails past it.
 * Modules are assembled byte by byte here. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wasmpipe/runtime.h"

static int failures;
static int checks;

#define CHECK(name, cond, ...)                                                \
    do {                                                                      \
        checks++;                                                             \
        if (!(cond)) {                                                        \
            failures++;                                                       \
            printf("FAIL %s: ", name);                                        \
            printf(__VA_ARGS__);                                              \
            printf("\n");                                                     \
        }                                                                     \
    } while (0)

typedef struct buf {
    uint8_t b[16384];
    size_t  n;
} buf;

static void put(buf *m, uint8_t byte)
{
    if (m->n >= sizeof m->b) {
        printf("test bug: module buffer full\n");
        exit(2);
    }
    m->b[m->n++] = byte;
}

static void put_leb(buf *m, uint32_t v)
{
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        put(m, (uint8_t)(b | (v ? 0x80 : 0)));
    } while (v);
}

static void header(buf *m)
{
    static const uint8_t h[] = { 0x00, 'a', 's', 'm', 0x01, 0x00, 0x00, 0x00 };
    m->n = 0;
    for (size_t i = 0; i < sizeof h; i++)
        put(m, h[i]);
}

/* A section from the bytes of its body. */
static void section(buf *m, uint8_t id, const buf *body)
{
    put(m, id);
    put_leb(m, (uint32_t)body->n);
    for (size_t i = 0; i < body->n; i++)
        put(m, body->b[i]);
}

/* ntables tables of `entries` funcrefs each. */
static void tables_module(buf *m, uint32_t ntables, uint32_t entries)
{
    buf body = { .n = 0 };
    put_leb(&body, ntables);
    for (uint32_t i = 0; i < ntables; i++) {
        put(&body, 0x70);
        put(&body, 0x00);
        put_leb(&body, entries);
    }
    header(m);
    section(m, 4, &body);
}

/* One memory of `pages` pages, no maximum. */
static void memory_module(buf *m, uint32_t pages)
{
    buf body = { .n = 0 };
    put_leb(&body, 1);
    put(&body, 0x00);
    put_leb(&body, pages);
    header(m);
    section(m, 5, &body);
}

/* One passive funcref segment of n ref.null items. */
static void elem_module(buf *m, uint32_t n)
{
    buf body = { .n = 0 };
    put_leb(&body, 1);
    put(&body, 0x05);
    put(&body, 0x70);
    put_leb(&body, n);
    for (uint32_t i = 0; i < n; i++) {
        put(&body, 0xd0);
        put(&body, 0x70);
        put(&body, 0x0b);
    }
    header(m);
    section(m, 9, &body);
}

static wp_module *compile(wp_engine *e, const buf *m)
{
    wp_module *mod = NULL;
    wp_error err;
    if (wp_module_compile(e, m->b, m->n, &mod, &err) != WP_OK) {
        printf("FAIL compile: %s\n", err.msg);
        failures++;
        return NULL;
    }
    return mod;
}

/* A small call stack, so the limits below are mostly the module's. */
#define SLOTS 64u
#define DEPTH 16u

static wp_status instantiate(wp_module *mod, uint64_t limit, wp_instance **out, wp_error *err)
{
    wp_instance_config ic = { .stack_slots = SLOTS, .max_call_depth = DEPTH,
                              .max_instance_bytes = limit };
    return wp_instance_create(mod, NULL, &ic, out, err);
}

static void test_tables(wp_engine *e)
{
    buf m;
    tables_module(&m, 4, 1000);
    wp_module *mod = compile(e, &m);
    if (mod == NULL)
        return;
    wp_instance *in = NULL;
    wp_error err;
    /* Room for two tables of 8000 bytes and the rest, not for a third. */
    wp_status s = instantiate(mod, 20000, &in, &err);
    CHECK("third table over the limit", s == WP_ERR_NOMEM && in == NULL
              && strstr(err.msg, "table 2") != NULL
              && strstr(err.msg, "a table of 1000 entries needs 8000 bytes") != NULL
              && strstr(err.msg, "max_instance_bytes") != NULL,
          "expected WP_ERR_NOMEM naming table 2, found %s: %s", wp_status_text(s),
          s == WP_OK ? "" : err.msg);
    s = instantiate(mod, 40000, &in, &err);
    CHECK("four tables within the limit", s == WP_OK, "found %s: %s", wp_status_text(s),
          s == WP_OK ? "" : err.msg);
    wp_instance_destroy(in);
    wp_module_destroy(mod);

    /* The fuzz finding: four tables of ten million entries (320 MB) under
     * a 64 MiB limit fail before allocating them. */
    tables_module(&m, 4, 10000000);
    mod = compile(e, &m);
    if (mod == NULL)
        return;
    in = NULL;
    s = instantiate(mod, 64u << 20, &in, &err);
    CHECK("huge tables", s == WP_ERR_NOMEM && strstr(err.msg, "table 0") != NULL,
          "found %s: %s", wp_status_text(s), s == WP_OK ? "" : err.msg);
    wp_instance_destroy(in);
    wp_module_destroy(mod);
}

static void test_memory(wp_engine *e)
{
    buf m;
    memory_module(&m, 2);
    wp_module *mod = compile(e, &m);
    if (mod == NULL)
        return;
    wp_instance *in = NULL;
    wp_error err;
    wp_status s = instantiate(mod, 65536 + 4096, &in, &err);
    CHECK("memory over the limit", s == WP_ERR_NOMEM && strstr(err.msg, "memory 0") != NULL
              && strstr(err.msg, "a memory of 2 pages") != NULL,
          "found %s: %s", wp_status_text(s), s == WP_OK ? "" : err.msg);
    /* Three pages and change: the memory starts, grows once, then stops. */
    s = instantiate(mod, 3 * 65536 + 4096, &in, &err);
    CHECK("memory within the limit", s == WP_OK, "found %s: %s", wp_status_text(s),
          s == WP_OK ? "" : err.msg);
    if (s == WP_OK) {
        wp_memory *mem = wp_instance_memory(in);
        CHECK("grow to the limit", wp_memory_grow(mem, 1) == 2, "grow by 1 failed");
        CHECK("grow past the limit", wp_memory_grow(mem, 1) == -1, "grow past it succeeded");
        CHECK("pages", wp_memory_pages(mem) == 3, "found %u pages", wp_memory_pages(mem));
        wp_instance_destroy(in);
    }
    wp_module_destroy(mod);
}

static void test_elems(wp_engine *e)
{
    buf m;
    elem_module(&m, 2000);
    wp_module *mod = compile(e, &m);
    if (mod == NULL)
        return;
    wp_instance *in = NULL;
    wp_error err;
    wp_status s = instantiate(mod, 10000, &in, &err);
    CHECK("elem segment over the limit", s == WP_ERR_NOMEM
              && strstr(err.msg, "elem segment 0 of 2000 items") != NULL,
          "found %s: %s", wp_status_text(s), s == WP_OK ? "" : err.msg);
    s = instantiate(mod, 40000, &in, &err);
    CHECK("elem segment within the limit", s == WP_OK, "found %s: %s", wp_status_text(s),
          s == WP_OK ? "" : err.msg);
    wp_instance_destroy(in);
    wp_module_destroy(mod);
}

static void test_stack_and_engine_default(void)
{
    /* The engine's limit applies when the instance sets none; the call
     * stack counts against it. */
    wp_engine_config cfg = { .stack_slots = 1u << 16, .max_call_depth = 100,
                             .max_instance_bytes = 100000 };
    wp_engine *e = NULL;
    wp_error err;
    if (wp_engine_create(&cfg, &e, &err) != WP_OK) {
        printf("FAIL engine: %s\n", err.msg);
        failures++;
        return;
    }
    CHECK("stack bytes", wp_engine_stack_bytes(e, NULL) > (uint64_t)(1u << 16) * 8,
          "found %llu", (unsigned long long)wp_engine_stack_bytes(e, NULL));
    buf m;
    tables_module(&m, 1, 1);
    wp_module *mod = compile(e, &m);
    if (mod != NULL) {
        wp_instance *in = NULL;
        wp_status s = wp_instance_create(mod, NULL, NULL, &in, &err);
        CHECK("stack over the engine's limit", s == WP_ERR_NOMEM
                  && strstr(err.msg, "a call stack of 65536 slots and 100 frames") != NULL,
              "found %s: %s", wp_status_text(s), s == WP_OK ? "" : err.msg);
        wp_instance_config ic = { .stack_slots = 1024 };
        s = wp_instance_create(mod, NULL, &ic, &in, &err);
        CHECK("smaller stack fits", s == WP_OK, "found %s: %s", wp_status_text(s),
              s == WP_OK ? "" : err.msg);
        wp_instance_destroy(in);
        wp_module_destroy(mod);
    }
    wp_engine_destroy(e);

    if (wp_engine_create(NULL, &e, &err) == WP_OK) {
        tables_module(&m, 1, 1);
        mod = compile(e, &m);
        wp_instance *in = NULL;
        wp_status s = mod ? wp_instance_create(mod, NULL, NULL, &in, &err) : WP_ERR_INTERNAL;
        CHECK("default limit", s == WP_OK, "found %s", wp_status_text(s));
        wp_instance_destroy(in);
        wp_module_destroy(mod);
        wp_engine_destroy(e);
    }
}

int main(void)
{
    wp_engine *e = NULL;
    wp_error err;
    if (wp_engine_create(NULL, &e, &err) != WP_OK) {
        printf("FAIL engine: %s\n", err.msg);
        return 1;
    }
    test_tables(e);
    test_memory(e);
    test_elems(e);
    wp_engine_destroy(e);
    test_stack_and_engine_default();
    printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
