/* Work that must grow linearly with its input: a guest that sets (and then
 * reads back) hundreds of thousands of metadata keys on one message, and a
 * message API user doing the same. The test runs under a CPU-time limit far
 * above what the linear code needs (well under a second at these sizes,
 * even with sanitizers) and far below what a quadratic lookup needs (many
 * minutes): SIGXCPU ends the test if a lookup goes back to a scan. The
 * limit counts CPU seconds, not elapsed ones, so a busy machine does not
 * make it fail. */
#include "common.h"

#include <sys/resource.h>

/* CPU seconds for the whole test. */
#define CPU_LIMIT 90

static void limit_cpu(void)
{
    struct rlimit rl = { CPU_LIMIT, CPU_LIMIT + 5 };
    CHECK(setrlimit(RLIMIT_CPU, &rl) == 0, "setrlimit");
}

static void test_api(void)
{
    enum { N = 400000 };
    wp_message *m = wp_message_create(NULL, 0);
    char key[32];
    for (int i = 0; i < N; i++) {
        int n = snprintf(key, sizeof key, "key-%d", i);
        CHECK(wp_message_meta_set(m, key, (size_t)n, (const uint8_t *)key, (size_t)n) == WP_OK,
              "set %d", i);
    }
    CHECK(wp_message_meta_count(m) == N, "count %zu", wp_message_meta_count(m));
    int wrong = 0;
    for (int i = 0; i < N; i += 7) {
        int n = snprintf(key, sizeof key, "key-%d", i);
        size_t vlen;
        const uint8_t *v = wp_message_meta_get(m, key, (size_t)n, &vlen);
        wrong += v == NULL || vlen != (size_t)n || memcmp(v, key, vlen) != 0;
    }
    CHECK(wrong == 0, "%d values wrong", wrong);
    CHECK(wp_message_meta_get(m, "key-x", 5, NULL) == NULL, "an absent key is absent");
    /* Replacing keeps the count; order stays insertion order. */
    CHECK(wp_message_meta_set(m, "key-5", 5, (const uint8_t *)"new", 3) == WP_OK, "replace");
    CHECK(wp_message_meta_count(m) == N, "count after replace %zu", wp_message_meta_count(m));
    const char *k0;
    size_t k0len;
    CHECK(wp_message_meta_at(m, 5, &k0, &k0len, NULL, NULL) && k0len == 5 &&
              memcmp(k0, "key-5", 5) == 0, "order kept");
    /* A delete in the middle, then every other key still found. */
    CHECK(wp_message_meta_delete(m, "key-1000", 8) == WP_OK, "delete");
    CHECK(wp_message_meta_get(m, "key-1000", 8, NULL) == NULL, "deleted key gone");
    CHECK(wp_message_meta_set(m, "key-1001", 8, (const uint8_t *)"z", 1) == WP_OK, "set after delete");
    size_t vlen;
    const uint8_t *v = wp_message_meta_get(m, "key-1001", 8, &vlen);
    CHECK(v != NULL && vlen == 1 && v[0] == 'z', "value after delete");
    CHECK(wp_message_meta_count(m) == N - 1, "count after delete %zu", wp_message_meta_count(m));

    /* A copy carries every key (and is built in linear time too). */
    wp_message *c = wp_message_copy(m);
    CHECK(c != NULL && wp_message_meta_count(c) == N - 1, "copy");
    v = c ? wp_message_meta_get(c, "key-399999", 10, &vlen) : NULL;
    CHECK(v != NULL && vlen == 10, "copy value");
    wp_message_destroy(c);
    wp_message_destroy(m);
}

static void test_guest(void)
{
    wp_processor *p = make_processor("meta_many", "set_1k", NULL);
    if (p == NULL)
        return;
    wp_message *m = run_one(p, "x", 1);
    CHECK(wp_message_error(m) == NULL, "set_1k: %s", wp_message_error(m));
    CHECK(wp_message_meta_count(m) == 1000, "set_1k: %zu keys", wp_message_meta_count(m));
    wp_message_destroy(m);
    wp_processor_destroy(p);

    p = make_processor("meta_many", "get_400k", NULL);
    if (p == NULL)
        return;
    /* The same processor twice: the staging message is reused. */
    for (int round = 0; round < 2; round++) {
        m = run_one(p, "x", 1);
        CHECK(wp_message_error(m) == NULL, "get_400k: %s", wp_message_error(m));
        CHECK(wp_message_meta_count(m) == 400000, "get_400k: %zu keys",
              wp_message_meta_count(m));
        uint8_t key[5] = { 'k', 0x3f, 0x0d, 0x03, 0 };   /* 199999 */
        size_t vlen;
        const uint8_t *v = wp_message_meta_get(m, (const char *)key, 5, &vlen);
        CHECK(v != NULL && vlen == 1 && v[0] == 'v', "key 199999");
        wp_message_destroy(m);
    }
    wp_processor_destroy(p);
}

int main(int argc, char **argv)
{
    test_init(argc, argv);
    limit_cpu();
    test_api();
    test_guest();
    return test_done("test_scale");
}
