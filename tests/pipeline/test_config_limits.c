/* Configuration edge cases a hostile or careless file brings: environment
 * references substituted in the text before parsing (as Bento does) with
 * every position still that of the file as written, numbers out of range
 * named as such, thread counts, alias bombs and oversized files.
 */
#include "pl.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static wp_config *load(const char *text, wp_diags *d) {
    wp_config *c = NULL;
    wp_diags_init(d);
    wp_config_load_string("t.yaml", text, strlen(text), &c, d);
    return c;
}

static const char *first(const wp_diags *d, char *buf, size_t size) {
    if (!d->n) return "(none)";
    wp_diag_format(d, 0, buf, size);
    return buf;
}

/* Loads and checks text; some problem must contain want, at line:col. */
static void expect_problem(const char *name, const char *text, uint32_t line, uint32_t col,
                           const char *want) {
    wp_diags d;
    wp_config *c = load(text, &d);
    if (c) wp_config_check(c, &d);
    char buf[700];
    size_t k = 0;
    while (k < d.n && !strstr(d.items[k].msg, want)) k++;
    CHECK(name, k < d.n, "want '%s', got '%s'", want, first(&d, buf, sizeof buf));
    if (k < d.n) {
        wp_diag_format(&d, k, buf, sizeof buf);
        CHECK(name, d.items[k].line == line && d.items[k].col == col, "want %u:%u, got %s",
              line, col, buf);
    }
    wp_config_destroy(c);
    wp_diags_free(&d);
}

/* ---------------------------------------------------------------- substitution */

static void test_substitution(void) {
    setenv("WP_TL_PATHS", "a.txt, b.txt", 1);
    setenv("WP_TL_TWO", "2", 1);
    setenv("WP_TL_LONG", "a-value-much-longer-than-its-reference-text", 1);
    unsetenv("WP_TL_UNSET");

    /* A reference that stands for part of a flow list (a syntax error when
     * only values were interpolated). */
    wp_diags d;
    wp_config *c = load("input:\n  file:\n    paths: [ ${WP_TL_PATHS} ]\n", &d);
    CHECK("flow list: loads", c != NULL, "%zu diags: %s", d.n, d.n ? d.items[0].msg : "");
    if (c) {
        pl_node *p = pl_map_get(pl_map_get(pl_map_get(c->root, "input"), "file"), "paths");
        CHECK("flow list: two items", p && p->kind == PL_SEQ && p->n == 2 &&
                                          strcmp(p->items[1]->str, "b.txt") == 0,
              "%zu", p ? p->n : 0);
        CHECK("flow list: position of the item is the reference's",
              p && p->n == 2 && p->items[0]->line == 3 && p->items[0]->col == 14, "%u:%u",
              p && p->n ? p->items[0]->line : 0, p && p->n ? p->items[0]->col : 0);
    }
    wp_config_destroy(c);
    wp_diags_free(&d);

    /* Defaults keep working, and a number from one is typed as a number. */
    c = load("pipeline:\n  threads: ${WP_TL_UNSET:3}\n  processors: []\n", &d);
    CHECK("default: loads", c && wp_config_check(c, &d) == WP_OK, "%zu", d.n);
    wp_config_destroy(c);
    wp_diags_free(&d);

    /* Positions after a substitution on the same line are the file's. */
    expect_problem("column after a longer value",
                   "pipeline: { threads: ${WP_TL_LONG}, bogus: 1, processors: [] }\n", 1, 22,
                   "expected an integer");
    expect_problem("column after a longer value (next key)",
                   "pipeline: { threads: ${WP_TL_LONG}, bogus: 1, processors: [] }\n", 1, 37,
                   "unknown key 'bogus'");
    expect_problem("column after a shorter value",
                   "pipeline: { threads: ${WP_TL_TWO}, bogus: 1, processors: [] }\n", 1, 36,
                   "unknown key 'bogus'");
    /* A default spanning two lines collapses them; later lines keep their
     * numbers. */
    expect_problem("line after a multi-line default", "a: ${WP_TL_UNSET:x\ny}\nzzz: 1\n", 3, 1,
                   "unknown key 'zzz'");
    expect_problem("line after a multi-line default (second key)",
                   "pipeline: {processors: []}\nlogger: {level: ${WP_TL_UNSET:x\ny}}\nzzz: 1\n",
                   2, 17, "must be one of");
    expect_problem("line after a multi-line default (third key)",
                   "pipeline: {processors: []}\nlogger: {level: ${WP_TL_UNSET:x\ny}}\nzzz: 1\n",
                   4, 1, "unknown key 'zzz'");
    /* Unset: reported where the reference is. */
    expect_problem("unset after another reference", "a: ${WP_TL_LONG} ${WP_TL_UNSET}\n", 1, 18,
                   "'WP_TL_UNSET' is not set");
    expect_problem("unset in a comment (Bento substitutes the whole text)",
                   "# uses ${WP_TL_UNSET}\n", 1, 8, "is not set");
    /* Syntax errors in the substituted text are placed in the original. */
    expect_problem("syntax error after a substitution",
                   "a: ${WP_TL_LONG}\nb: [x\n", 3, 1, "YAML:");

    /* A value may not grow the file past the size limit. */
    size_t big = (size_t)1 << 20;
    char *v = malloc(big + 1);
    if (v) {
        memset(v, 'x', big);
        v[big] = '\0';
        setenv("WP_TL_BIG", v, 1);
        free(v);
        char text[1024] = "a: [";
        for (int i = 0; i < 20; i++) strcat(text, "${WP_TL_BIG}, ");
        strcat(text, "x]\n");
        c = load(text, &d);
        CHECK("growth: refused", !c && d.n == 1 && strstr(d.items[0].msg, "once environment"),
              "%s", d.n ? d.items[0].msg : "(none)");
        wp_config_destroy(c);
        wp_diags_free(&d);
        unsetenv("WP_TL_BIG");
    }
}

/* ---------------------------------------------------------------- numbers */

static void test_ranges(void) {
    expect_problem("threads: 2^64 + 1",
                   "pipeline:\n  threads: 18446744073709551617\n  processors: []\n", 2, 12,
                   "'18446744073709551617' is out of range (must be between -1 and 1024)");
    expect_problem("threads: -2^64", "pipeline:\n  threads: -18446744073709551616\n", 2, 12,
                   "out of range");
    expect_problem("threads: -2", "pipeline:\n  threads: -2\n", 2, 12,
                   "must be between -1 and 1024, found -2");
    expect_problem("threads: 1025", "pipeline:\n  threads: 1025\n", 2, 12,
                   "must be between -1 and 1024");
    expect_problem("threads: words", "pipeline:\n  threads: many\n", 2, 12,
                   "expected an integer, found 'many'");
    expect_problem("timeout out of range",
                   "pipeline:\n  processors:\n    - wasm:\n        module_path: m.wasm\n"
                   "        timeout: 99999999999999999999s\n",
                   5, 18, "out of range");
    expect_problem("size out of range",
                   "input:\n  stdin:\n    max_buffer: 99999999999999999999999KiB\n", 3, 17,
                   "out of range");
    /* The field is named in the diagnostic's path. */
    wp_diags d;
    wp_config *c = load("pipeline:\n  threads: 18446744073709551617\n", &d);
    if (c) wp_config_check(c, &d);
    CHECK("out of range: names the field", d.n >= 1 && strcmp(d.items[0].path,
                                                              "pipeline.threads") == 0,
          "path '%s'", d.n ? d.items[0].path : "");
    wp_config_destroy(c);
    wp_diags_free(&d);

    /* 0 and -1 both mean one thread per CPU, as in Bento. */
    static const char *const ok[] = { "0", "-1", "1", "1024" };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        char text[128];
        snprintf(text, sizeof text, "pipeline:\n  threads: %s\n  processors: []\n", ok[i]);
        c = load(text, &d);
        CHECK(ok[i], c && wp_config_check(c, &d) == WP_OK, "threads %s refused", ok[i]);
        wp_config_destroy(c);
        wp_diags_free(&d);
    }
}

/* ---------------------------------------------------------------- hostile files */

static void test_hostile(void) {
    /* An alias bomb ("billion laughs") is refused at its first alias. */
    expect_problem("alias bomb",
                   "a: &a [x, x, x, x, x, x, x, x, x]\n"
                   "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
                   "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
                   "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n",
                   2, 8, "YAML aliases (*name) are not supported");
    /* A merge key is an alias too. */
    expect_problem("merge key", "base: &b {x: 1}\nother:\n  <<: *b\n", 3, 7, "aliases");

    /* A 50 MB file is refused without reading it all. */
    char path[] = "/tmp/wp_test_bigcfg_XXXXXX";
    int fd = mkstemp(path);
    CHECK("big file: temp", fd >= 0, "mkstemp");
    if (fd >= 0) {
        CHECK("big file: size", ftruncate(fd, (off_t)50 << 20) == 0, "ftruncate");
        close(fd);
        wp_diags d;
        wp_diags_init(&d);
        wp_config *c = NULL;
        wp_status s = wp_config_load_file(path, &c, &d);
        CHECK("big file: refused", s == WP_ERR_INVALID && !c && d.n == 1 &&
                                       strstr(d.items[0].msg, "larger than 16777216 bytes"),
              "status %d: %s", (int)s, d.n ? d.items[0].msg : "(none)");
        wp_diags_free(&d);
        unlink(path);
    }
}

int main(void) {
    test_substitution();
    test_ranges();
    test_hostile();
    if (failures) {
        printf("test_config_limits: %d failed\n", failures);
        return 1;
    }
    printf("test_config_limits: all passed\n");
    return 0;
}
