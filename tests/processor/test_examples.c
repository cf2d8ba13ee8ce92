/* The example modules (examples/) through the API: what each one does,
 * and that neither allocator convention leaks. An example this machine
 * could not build is skipped with a message, unless the build says it made
 * it ("c", "wat" arguments), in which case its absence is a failure. */
#include "common.h"

#include <unistd.h>

static const char *example_path(const char *name)
{
    snprintf(T.path, sizeof T.path, "%s/%s.wasm", T.examples, name);
    return T.path;
}

static wp_processor *example(const char *name, bool is_c, const wp_processor_config *base)
{
    const char *path = example_path(name);
    if (access(path, R_OK) != 0) {
        bool needed = is_c ? T.need_c : T.need_wat;
        CHECK(!needed, "example %s was built but %s is missing", name, path);
        if (!needed)
            printf("skipped: example %s (not built on this machine)\n", name);
        return NULL;
    }
    wp_processor_config cfg;
    if (base != NULL)
        cfg = *base;
    else
        memset(&cfg, 0, sizeof cfg);
    cfg.module_path = path;
    wp_processor *p = NULL;
    wp_error err;
    CHECK(wp_processor_create(T.engine, &cfg, &p, &err) == WP_OK, "%s: %s", name, err.msg);
    return p;
}

typedef struct io_case {
    const char *in;
    const char *out;     /* NULL: errored */
    const char *error;   /* part of the error text */
} io_case;

static void run_io(const char *name, bool is_c, const io_case *cases, size_t n)
{
    wp_processor *p = example(name, is_c, NULL);
    if (p == NULL)
        return;
    for (size_t i = 0; i < n; i++) {
        wp_message *m = run_one(p, cases[i].in, strlen(cases[i].in));
        const char *e = wp_message_error(m);
        if (cases[i].out != NULL)
            CHECK(e == NULL && bytes_are(m, cases[i].out, strlen(cases[i].out)),
                  "%s \"%s\": \"%s\" (%s), want \"%s\"", name, cases[i].in, shown(m),
                  e ? e : "ok", cases[i].out);
        else
            CHECK(has_text(e, cases[i].error) && bytes_are(m, cases[i].in, strlen(cases[i].in)),
                  "%s \"%s\": error %s, want %s", name, cases[i].in, e ? e : "(none)",
                  cases[i].error);
        wp_message_destroy(m);
    }
    wp_processor_destroy(p);
}

static const io_case uppercase_cases[] = {
    { "hello", "HELLO", NULL }, { "", "", NULL }, { "MiXeD 123 ü", "MIXED 123 ü", NULL },
};
static const io_case louder_cases[] = {
    { "hello", "HELLO!!!", NULL }, { "", "!!!", NULL },
};
static const io_case trap_cases[] = {
    { "4", "100/4=25", NULL },
    { "0", NULL, "integer divide by zero" },
    { "x", NULL, "unreachable" },
    { "-5", "100/-5=-20", NULL },
    { "", NULL, "unreachable" },
    { "7", "100/7=14", NULL },
};
static const io_case rot13_cases[] = {
    { "Hello, World!", "Uryyb, Jbeyq!", NULL }, { "", "", NULL }, { "nopqrsTUVWXY", "abcdefGHIJKL", NULL },
};

/* Thousands of 1 KiB messages under a 1 MiB memory limit: an allocator
 * convention that leaked its buffers would run out long before the end. */
static void test_no_leak(const char *name)
{
    wp_processor_config cfg = { .max_memory_bytes = 1 << 20 };
    wp_processor *p = example(name, true, &cfg);
    if (p == NULL)
        return;
    enum { BATCH = 50, ROUNDS = 100 };
    wp_message *msgs[BATCH];
    uint8_t text[1024];
    memset(text, 'q', sizeof text);
    int bad = 0;
    for (int r = 0; r < ROUNDS; r++) {
        for (int i = 0; i < BATCH; i++)
            msgs[i] = wp_message_create(text, sizeof text);
        wp_error err;
        wp_processor_process(p, msgs, BATCH, &err);
        for (int i = 0; i < BATCH; i++) {
            size_t n;
            const uint8_t *b = wp_message_bytes(msgs[i], &n);
            if (wp_message_error(msgs[i]) != NULL || n < sizeof text || b[0] != 'Q')
                bad++;
            wp_message_destroy(msgs[i]);
        }
    }
    CHECK(bad == 0, "%s: %d of %d messages failed under a 1 MiB limit (a leak?)", name, bad,
          BATCH * ROUNDS);
    wp_processor_stats st;
    wp_processor_stats_get(p, &st);
    CHECK(st.instances_created == 1, "%s: %llu instances", name,
          (unsigned long long)st.instances_created);
    wp_processor_destroy(p);
}

static void test_metadata(void)
{
    wp_processor *p = example("metadata", true, NULL);
    if (p == NULL)
        return;
    wp_message *m = wp_message_create((const uint8_t *)"world", 5);
    wp_message_meta_set(m, "greeting", 8, (const uint8_t *)"good morning", 12);
    wp_error err;
    wp_processor_process(p, &m, 1, &err);
    size_t n;
    const uint8_t *v = wp_message_meta_get(m, "length", 6, &n);
    CHECK(bytes_are(m, "good morning, world", 19), "metadata: %s", shown(m));
    CHECK(v != NULL && n == 1 && v[0] == '5', "metadata: length");
    v = wp_message_meta_get(m, "greeting", 8, &n);
    CHECK(v != NULL && n == 12, "metadata: the greeting stays");
    wp_message_destroy(m);

    m = run_one(p, "there", 5);
    CHECK(bytes_are(m, "hello, there", 12), "metadata without greeting: %s", shown(m));
    wp_message_destroy(m);
    wp_processor_destroy(p);
}

int main(int argc, char **argv)
{
    test_init(argc, argv);
    run_io("uppercase", true, uppercase_cases, sizeof uppercase_cases / sizeof uppercase_cases[0]);
    run_io("louder", true, louder_cases, sizeof louder_cases / sizeof louder_cases[0]);
    run_io("trap", true, trap_cases, sizeof trap_cases / sizeof trap_cases[0]);
    run_io("rot13", false, rot13_cases, sizeof rot13_cases / sizeof rot13_cases[0]);
    test_metadata();
    test_no_leak("uppercase");
    test_no_leak("louder");
    return test_done("test_examples");
}
