/* Configuration work that must stay linear in the size of the file: a map
 * with hundreds of thousands of keys is loaded and checked (the duplicate
 * key check once compared every key with every other one), and a duplicate
 * among them is still found. Run under a CPU-time limit far above what the
 * linear code needs (about a second, sanitizers included) and far below
 * what the quadratic check needed (minutes): SIGXCPU ends the test if it
 * regresses. CPU seconds, not elapsed ones, so a busy machine is fine.
 */
#include "pl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#define CPU_LIMIT 90

#include "check.h"

/* "pipeline:\n  processors: []\n  k0: 0\n  k1: 1\n..." with n keys, then
 * `extra` (may be ""). */
static char *many_keys(size_t n, const char *extra, size_t *len) {
    size_t cap = n * 24 + strlen(extra) + 64;
    char *t = malloc(cap);
    if (!t) return NULL;
    size_t used = (size_t)snprintf(t, cap, "pipeline:\n  processors: []\n");
    for (size_t i = 0; i < n; i++)
        used += (size_t)snprintf(t + used, cap - used, "  key%zu: %zu\n", i, i);
    used += (size_t)snprintf(t + used, cap - used, "%s", extra);
    *len = used;
    return t;
}

static void test_many_keys(void) {
    enum { N = 400000 };
    size_t len;
    char *text = many_keys(N, "", &len);
    if (!text) return;
    wp_diags d;
    wp_diags_init(&d);
    wp_config *c = NULL;
    wp_status s = wp_config_load_string("big.yaml", text, len, &c, &d);
    CHECK("many keys: loads", s == WP_OK && c, "status %d, %zu diags", (int)s, d.n);
    if (c) {
        pl_node *p = pl_map_get(c->root, "pipeline");
        CHECK("many keys: all there", p && p->n == N + 1, "%zu", p ? p->n : 0);
        /* Every unknown key is a problem; the list is capped. */
        CHECK("many keys: check fails", wp_config_check(c, &d) == WP_ERR_INVALID, "check");
        CHECK("many keys: capped", d.n == 1000 && d.dropped == N - 1000, "%zu + %zu", d.n,
              d.dropped);
    }
    wp_config_destroy(c);
    wp_diags_free(&d);
    free(text);

    /* A duplicate of the first key at the very end. */
    text = many_keys(N, "  key0: again\n", &len);
    if (!text) return;
    wp_diags_init(&d);
    s = wp_config_load_string("dup.yaml", text, len, &c, &d);
    CHECK("duplicate: refused", s == WP_ERR_INVALID && !c, "status %d", (int)s);
    CHECK("duplicate: says where", d.n == 1 && strstr(d.items[0].msg, "duplicate key 'key0' "
                                                                      "(first at line 3)") &&
                                       d.items[0].line == N + 3,
          "%s at %u", d.n ? d.items[0].msg : "(none)", d.n ? d.items[0].line : 0);
    wp_diags_free(&d);
    free(text);

    /* The same key in different maps is not a duplicate. */
    static const char same[] = "a:\n  x: 1\nb:\n  x: 2\nc: [{x: 1}, {x: 2}]\n";
    wp_diags_init(&d);
    s = wp_config_load_string("same.yaml", same, strlen(same), &c, &d);
    CHECK("same key, other maps", s == WP_OK, "%s", d.n ? d.items[0].msg : "");
    wp_config_destroy(c);
    wp_diags_free(&d);
}

int main(void) {
    struct rlimit rl = { CPU_LIMIT, CPU_LIMIT + 5 };
    if (setrlimit(RLIMIT_CPU, &rl) != 0) printf("note: setrlimit failed\n");
    test_many_keys();
    if (failures) {
        printf("test_config_scale: %d failed\n", failures);
        return 1;
    }
    printf("test_config_scale: all passed\n");
    return 0;
}
