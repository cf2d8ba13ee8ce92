/* The allocator conventions. Each in-bound buffer (as_bytes, get_meta) must
 * be released once, after the call, by the function paired with the one
 * that allocated it: free for malloc, deallocate(ptr, size) for allocate,
 * never a mix, even when a module exports both pairs. With deallocate
 * exported, every out-bound buffer (set_bytes content, set_meta key and
 * value, get_meta key) is deallocated by the host after copying. The test
 * modules count the calls; a message "?" reports the counters. Then the
 * allocator failure modes and the creation-time checks. */
#include "common.h"

/* Runs n messages of text through p, then "?", and returns the report. */
static wp_message *run_then_report(wp_processor *p, const char *text, int n, const char *meta)
{
    for (int i = 0; i < n; i++) {
        wp_message *m = wp_message_create((const uint8_t *)text, strlen(text));
        if (meta != NULL)
            wp_message_meta_set(m, "greeting", 8, (const uint8_t *)meta, strlen(meta));
        wp_error err;
        wp_processor_process(p, &m, 1, &err);
        CHECK(wp_message_error(m) == NULL, "message %d: %s", i, wp_message_error(m));
        wp_message_destroy(m);
    }
    return run_one(p, "?", 1);
}

static void test_malloc_free(void)
{
    wp_processor *p = make_processor("host", "counted", NULL);
    if (p == NULL)
        return;
    /* Two in-bound buffers per message: the bytes and one metadata value. */
    wp_message *r = run_then_report(p, "hello", 10, "hi");
    CHECK(le32_at(r, 0) == 21 && le32_at(r, 1) == 20,
          "malloc/free: %u mallocs and %u frees during the report, want 21 and 20",
          le32_at(r, 0), le32_at(r, 1));
    wp_message_destroy(r);

    /* The output of a message is its metadata value. */
    wp_message *m = wp_message_create((const uint8_t *)"x", 1);
    wp_message_meta_set(m, "greeting", 8, (const uint8_t *)"bonjour", 7);
    wp_error err;
    wp_processor_process(p, &m, 1, &err);
    CHECK(bytes_are(m, "bonjour", 7), "metadata value: %s", shown(m));
    wp_message_destroy(m);
    wp_processor_destroy(p);
}

static void test_allocate_deallocate(void)
{
    /* rust.wat exports malloc and free too: they must never be used. */
    wp_processor *p = make_processor("rust", "process", NULL);
    if (p != NULL) {
        /* Per message: two in-bound buffers of 5 and one out-bound of 5. */
        wp_message *r = run_then_report(p, "hello", 10, NULL);
        CHECK(le32_at(r, 0) == 31 && le32_at(r, 1) == 30,
              "allocate/deallocate: %u allocates, %u deallocates; want 31, 30", le32_at(r, 0),
              le32_at(r, 1));
        CHECK(le32_at(r, 2) == 0 && le32_at(r, 3) == 0,
              "malloc/free must not be used with allocate: %u mallocs, %u frees",
              le32_at(r, 2), le32_at(r, 3));
        CHECK(le32_at(r, 4) == 151 && le32_at(r, 5) == 150,
              "deallocate gets the sizes: %u bytes allocated, %u deallocated; want 151, 150",
              le32_at(r, 4), le32_at(r, 5));
        wp_message_destroy(r);
        wp_message *m = run_one(p, "copied out", 10);
        CHECK(bytes_are(m, "copied out", 10), "rust echo: %s", shown(m));
        wp_message_destroy(m);
        wp_processor_destroy(p);
    }

    /* Metadata: the get_meta key, the set_meta key and value go out. */
    p = make_processor("rust", "meta", NULL);
    if (p != NULL) {
        wp_message *m = wp_message_create((const uint8_t *)"abc", 3);
        wp_message_meta_set(m, "greeting", 8, (const uint8_t *)"hey", 3);
        wp_error err;
        wp_processor_process(p, &m, 1, &err);
        size_t n;
        const uint8_t *v = wp_message_meta_get(m, "length", 6, &n);
        CHECK(v != NULL && n == 3 && memcmp(v, "hey", 3) == 0, "rust meta round trip");
        wp_message_destroy(m);
        /* Per message: as_bytes 3, key 8, value 3, key 6, value 3 -> 5
         * buffers, 23 bytes, all released. One message done above. */
        wp_message *r = run_then_report(p, "abc", 3, "hey");
        CHECK(le32_at(r, 0) == 21 && le32_at(r, 1) == 20,
              "meta: %u allocates, %u deallocates; want 21, 20", le32_at(r, 0), le32_at(r, 1));
        CHECK(le32_at(r, 4) == 93 && le32_at(r, 5) == 92,
              "meta: %u bytes allocated, %u deallocated; want 93, 92", le32_at(r, 4),
              le32_at(r, 5));
        CHECK(le32_at(r, 2) == 0 && le32_at(r, 3) == 0, "meta: malloc/free used");
        wp_message_destroy(r);
        wp_processor_destroy(p);
    }
}

typedef struct fail_case {
    const char *module;
    const char *input;
    const char *error;   /* NULL: must succeed */
} fail_case;

static const fail_case failures[] = {
    { "alloc_zero", "data", "the guest's malloc returned 0 for 4 bytes" },
    { "alloc_zero", "", NULL },   /* 0 for 0 bytes is fine */
    { "alloc_oob", "a message longer than six bytes", "outside its memory" },
    { "alloc_reenter", "x", "called from the guest's allocator" },
    { "alloc_trap", "x", "allocating 1 bytes in the guest failed" },
    { "alloc_trap", "x", "unreachable" },
    { "free_trap", "x", "releasing an in-bound buffer" },
    { "free_reenter", "x", "called from the guest's allocator" },
};

static void test_failures(void)
{
    for (size_t i = 0; i < sizeof failures / sizeof failures[0]; i++) {
        const fail_case *c = &failures[i];
        wp_processor *p = make_processor(c->module, "process", NULL);
        if (p == NULL)
            continue;
        wp_message *m = wp_message_create((const uint8_t *)c->input, strlen(c->input));
        wp_message_meta_set(m, "k", 1, (const uint8_t *)"v", 1);
        wp_error err;
        CHECK(wp_processor_process(p, &m, 1, &err) == WP_OK, "%s: %s", c->module, err.msg);
        const char *e = wp_message_error(m);
        if (c->error == NULL) {
            CHECK(e == NULL, "%s \"%s\": unexpected error %s", c->module, c->input, e);
        } else {
            CHECK(has_text(e, c->error), "%s: error \"%s\", want \"%s\"", c->module,
                  e ? e : "(none)", c->error);
            CHECK(bytes_are(m, c->input, strlen(c->input)), "%s: bytes changed", c->module);
        }
        /* The next message gets a working instance (or the same failure). */
        wp_message *again = run_one(p, c->input, strlen(c->input));
        CHECK((wp_message_error(again) == NULL) == (c->error == NULL), "%s: second message",
              c->module);
        wp_message_destroy(again);
        wp_message_destroy(m);
        wp_processor_destroy(p);
    }
}

typedef struct log_seen {
    int warnings;
    char text[256];
} log_seen;

static void on_log(void *user, wp_log_level level, const char *event, const char *msg)
{
    log_seen *s = user;
    if (level == WP_LOG_WARN && strcmp(event, "module_warning") == 0) {
        s->warnings++;
        snprintf(s->text, sizeof s->text, "%s", msg);
    }
}

static void test_creation_checks(void)
{
    wp_status s;
    const char *e = create_error("no_alloc", NULL, &s);
    CHECK(s == WP_ERR_LINK && has_text(e, "exports no allocator") && has_text(e, "no_alloc.wasm"),
          "no allocator: %s", e);
    e = create_error("bad_malloc_type", NULL, &s);
    CHECK(s == WP_ERR_LINK && has_text(e, "\"malloc\"") && has_text(e, "(i32) -> (i32)"),
          "malloc of the wrong type: %s", e);
    e = create_error("set_only", NULL, &s);
    CHECK(s == WP_OK, "a module that only writes needs no allocator: %s", e);

    /* malloc without free: accepted, with a warning, and it works. */
    log_seen seen = { 0, "" };
    wp_processor_config cfg = { .log = on_log, .log_user = &seen };
    wp_processor *p = make_processor("malloc_no_free", NULL, &cfg);
    CHECK(seen.warnings == 1 && has_text(seen.text, "not free"), "warning: %s", seen.text);
    if (p != NULL) {
        wp_message *m = run_one(p, "echo", 4);
        CHECK(bytes_are(m, "echo", 4) && wp_message_error(m) == NULL, "malloc only: %s",
              shown(m));
        wp_message_destroy(m);
        wp_processor_destroy(p);
    }

    p = make_processor("set_only", NULL, NULL);
    if (p != NULL) {
        wp_message *m = run_one(p, "in", 2);
        size_t n;
        const uint8_t *v = wp_message_meta_get(m, "k", 1, &n);
        CHECK(bytes_are(m, "const", 5) && v != NULL && n == 1 && v[0] == 'v', "set_only: %s",
              shown(m));
        wp_message_destroy(m);
        wp_processor_destroy(p);
    }
}

int main(int argc, char **argv)
{
    test_init(argc, argv);
    test_malloc_free();
    test_allocate_deallocate();
    test_failures();
    test_creation_checks();
    return test_done("test_alloc");
}
