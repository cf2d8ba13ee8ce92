/* Messages: bytes, metadata in insertion order, errors, copies, and the
 * awkward cases (empty values, binary keys, a value that is a view of the
 * message's own buffer, NULL handles). No modules needed. */
#include "common.h"

static bool meta_is(const wp_message *m, const char *key, const char *want)
{
    size_t n;
    const uint8_t *v = wp_message_meta_get(m, key, strlen(key), &n);
    if (want == NULL)
        return v == NULL && n == 0;
    return v != NULL && n == strlen(want) && memcmp(v, want, n) == 0;
}

static void test_bytes(void)
{
    wp_message *m = wp_message_create((const uint8_t *)"hello", 5);
    CHECK(m != NULL, "create");
    CHECK(bytes_are(m, "hello", 5), "bytes: %s", shown(m));
    CHECK(wp_message_set_bytes(m, (const uint8_t *)"a longer text than before", 25) == WP_OK,
          "grow");
    CHECK(bytes_are(m, "a longer text than before", 25), "grown: %s", shown(m));
    /* A view of the message's own bytes. */
    size_t n;
    const uint8_t *b = wp_message_bytes(m, &n);
    CHECK(wp_message_set_bytes(m, b + 2, 6) == WP_OK, "self view");
    CHECK(bytes_are(m, "longer", 6), "self view: %s", shown(m));
    CHECK(wp_message_set_bytes(m, NULL, 0) == WP_OK, "empty");
    b = wp_message_bytes(m, &n);
    CHECK(b != NULL && n == 0, "empty bytes are a non-NULL view of length 0");
    CHECK(wp_message_set_bytes(m, NULL, 3) == WP_ERR_ARG, "NULL data with a length");
    wp_message_destroy(m);

    m = wp_message_create(NULL, 0);
    CHECK(m != NULL && bytes_are(m, "", 0), "empty create");
    wp_message_destroy(m);

    wp_message_destroy(NULL);
    b = wp_message_bytes(NULL, &n);
    CHECK(b != NULL && n == 0, "bytes of NULL");
    CHECK(wp_message_error(NULL) == NULL, "error of NULL");
    CHECK(wp_message_meta_count(NULL) == 0, "count of NULL");
}

static void test_meta(void)
{
    wp_message *m = wp_message_create((const uint8_t *)"x", 1);
    CHECK(meta_is(m, "absent", NULL), "absent key");
    CHECK(wp_message_meta_set(m, "a", 1, (const uint8_t *)"1", 1) == WP_OK, "set a");
    CHECK(wp_message_meta_set(m, "b", 1, (const uint8_t *)"2", 1) == WP_OK, "set b");
    CHECK(wp_message_meta_set(m, "c", 1, (const uint8_t *)"", 0) == WP_OK, "set c empty");
    CHECK(wp_message_meta_count(m) == 3, "count %zu", wp_message_meta_count(m));
    CHECK(meta_is(m, "a", "1") && meta_is(m, "b", "2") && meta_is(m, "c", ""), "values");
    size_t n = 99;
    const uint8_t *v = wp_message_meta_get(m, "c", 1, &n);
    CHECK(v != NULL && n == 0, "an empty value is present, not absent");

    /* Replace, longer and shorter; order is kept. */
    CHECK(wp_message_meta_set(m, "a", 1, (const uint8_t *)"a much longer value", 19) == WP_OK,
          "replace longer");
    CHECK(meta_is(m, "a", "a much longer value"), "replaced");
    v = wp_message_meta_get(m, "a", 1, &n);
    CHECK(wp_message_meta_set(m, "a", 1, v + 2, 4) == WP_OK, "replace from own view");
    CHECK(meta_is(m, "a", "much"), "replaced from own view");
    const char *k;
    size_t kl;
    CHECK(wp_message_meta_at(m, 0, &k, &kl, &v, &n) && kl == 1 && k[0] == 'a', "order 0");
    CHECK(wp_message_meta_at(m, 2, &k, &kl, &v, &n) && kl == 1 && k[0] == 'c', "order 2");
    CHECK(!wp_message_meta_at(m, 3, &k, &kl, &v, &n), "past the end");

    /* Delete keeps the order of the rest; the freed entry is reused. */
    CHECK(wp_message_meta_delete(m, "a", 1) == WP_OK, "delete a");
    CHECK(wp_message_meta_delete(m, "a", 1) == WP_ERR_NOT_FOUND, "delete a again");
    CHECK(wp_message_meta_count(m) == 2 && meta_is(m, "a", NULL), "deleted");
    CHECK(wp_message_meta_at(m, 0, &k, &kl, &v, &n) && k[0] == 'b', "b first now");
    CHECK(wp_message_meta_set(m, "d", 1, (const uint8_t *)"4", 1) == WP_OK, "set d");
    CHECK(wp_message_meta_at(m, 2, &k, &kl, &v, &n) && k[0] == 'd' && n == 1 && v[0] == '4',
          "d last");

    /* Binary keys and an empty key. */
    static const char bin[] = { 'k', 0, 'z' };
    CHECK(wp_message_meta_set(m, bin, 3, (const uint8_t *)"bin", 3) == WP_OK, "binary key");
    v = wp_message_meta_get(m, bin, 3, &n);
    CHECK(v != NULL && n == 3 && memcmp(v, "bin", 3) == 0, "binary key read");
    CHECK(wp_message_meta_get(m, "k", 1, &n) == NULL, "prefix of a binary key is another key");
    CHECK(wp_message_meta_set(m, "", 0, (const uint8_t *)"empty key", 9) == WP_OK, "empty key");
    CHECK(meta_is(m, "", "empty key"), "empty key read");
    CHECK(wp_message_meta_set(m, NULL, 2, (const uint8_t *)"x", 1) == WP_ERR_ARG, "NULL key");

    /* Many keys. */
    for (int i = 0; i < 200; i++) {
        char key[16];
        int kn = snprintf(key, sizeof key, "key%d", i);
        CHECK(wp_message_meta_set(m, key, (size_t)kn, (const uint8_t *)key, (size_t)kn) == WP_OK,
              "many");
    }
    CHECK(meta_is(m, "key150", "key150"), "many read");
    wp_message_destroy(m);
}

static void test_errors_and_copy(void)
{
    wp_message *m = wp_message_create((const uint8_t *)"body", 4);
    CHECK(wp_message_error(m) == NULL, "not errored");
    wp_message_set_error(m, "failed: %d", 42);
    CHECK(has_text(wp_message_error(m), "failed: 42"), "error %s", wp_message_error(m));
    wp_message_meta_set(m, "k", 1, (const uint8_t *)"v", 1);

    wp_message *c = wp_message_copy(m);
    CHECK(c != NULL, "copy");
    CHECK(bytes_are(c, "body", 4) && meta_is(c, "k", "v"), "copy content");
    CHECK(has_text(wp_message_error(c), "failed: 42"), "copy error");
    wp_message_set_bytes(c, (const uint8_t *)"other", 5);
    wp_message_meta_set(c, "k", 1, (const uint8_t *)"changed", 7);
    CHECK(bytes_are(m, "body", 4) && meta_is(m, "k", "v"), "the copy is deep");

    wp_message_clear_error(m);
    CHECK(wp_message_error(m) == NULL, "cleared");
    char big[2000];
    memset(big, 'e', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    wp_message_set_error(m, "%s", big);
    CHECK(wp_message_error(m) != NULL && strlen(wp_message_error(m)) < sizeof big,
          "a long error is cut, not refused");
    CHECK(wp_message_copy(NULL) == NULL, "copy of NULL");
    wp_message_destroy(c);
    wp_message_destroy(m);
}

int main(int argc, char **argv)
{
    test_init(argc, argv);
    test_bytes();
    test_meta();
    test_errors_and_copy();
    return test_done("test_message");
}
