/* Fuzz target "config": the pipeline's configuration loader and linter,
 * through pipeline.h only.
 *
 * An input is normally YAML text: it is loaded with wp_config_load_string
 * (from an unterminated copy, so a read past the length shows), checked
 * against the schema with wp_config_check, then changed with wp_config_set
 * at a few fixed paths (which meet whatever shape the document has) and
 * checked again; every diagnostic is formatted into a small and a large
 * buffer. An input starting with byte 0x01 instead lists "path=value"
 * lines that build a configuration with wp_config_set from
 * wp_config_create, exercising the dot-path parser. Two environment
 * variables are set so that ${...} interpolation finds some.
 *
 * Oracles: no WP_ERR_INTERNAL, a failed load returns no configuration and
 * at least one diagnostic, and every diagnostic's strings are terminated.
 */
#include <wasmpipe/pipeline.h>

#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check_diags(const char *where, const wp_diags *d)
{
    if (d->n > d->cap && d->cap != 0)
        fuzz_fail("%s: %zu diagnostics with room for %zu", where, d->n, d->cap);
    if (memchr(d->file, '\0', sizeof d->file) == NULL)
        fuzz_fail("%s: diagnostics file name is not terminated", where);
    for (size_t i = 0; i < d->n; i++) {
        const wp_diag *g = &d->items[i];
        if (memchr(g->path, '\0', sizeof g->path) == NULL ||
            memchr(g->msg, '\0', sizeof g->msg) == NULL)
            fuzz_fail("%s: diagnostic %zu is not terminated", where, i);
        char small[16], big[1024];
        int n1 = wp_diag_format(d, i, small, sizeof small);
        int n2 = wp_diag_format(d, i, big, sizeof big);
        if (n1 < 0 || n2 < 0 || n1 != n2)
            fuzz_fail("%s: wp_diag_format returned %d and %d", where, n1, n2);
        if (memchr(small, '\0', sizeof small) == NULL)
            fuzz_fail("%s: formatted diagnostic is not terminated", where);
        fuzz_log("%s: %s", where, big);
    }
    char buf[8];
    wp_diag_format(d, d->n, buf, sizeof buf);   /* past the end: must be harmless */
}

static void check_config(const char *where, const wp_config *c)
{
    wp_diags d;
    wp_diags_init(&d);
    wp_status s = wp_config_check(c, &d);
    if (s == WP_ERR_INTERNAL)
        fuzz_fail("%s: wp_config_check: internal error", where);
    if (s == WP_OK && d.n > 0)
        fuzz_fail("%s: wp_config_check is WP_OK with %zu diagnostics", where, d.n);
    if (s != WP_OK && d.n == 0 && d.dropped == 0)
        fuzz_fail("%s: wp_config_check failed (%d) without a diagnostic", where, (int)s);
    check_diags(where, &d);
    wp_diags_free(&d);
}

static void set(wp_config *c, const char *path, const char *value)
{
    wp_error err;
    wp_status s = wp_config_set(c, path, value, &err);
    fuzz_check_status("wp_config_set", s, &err);
}

static void fuzz_yaml(const uint8_t *data, size_t size)
{
    /* An exact-size copy: no terminator for the parser to lean on. */
    char *text = malloc(size + 1);
    if (text == NULL)
        fuzz_fail("out of memory");
    if (size > 0)
        memcpy(text, data, size);

    wp_diags d;
    wp_diags_init(&d);
    wp_config *c = NULL;
    wp_status s = wp_config_load_string("fuzz.yaml", text, size, &c, &d);
    free(text);
    if (s == WP_ERR_INTERNAL)
        fuzz_fail("wp_config_load_string: internal error");
    if (s == WP_OK && c == NULL)
        fuzz_fail("wp_config_load_string is WP_OK without a configuration");
    if (s != WP_OK && c != NULL)
        fuzz_fail("wp_config_load_string failed (%d) but returned a configuration", (int)s);
    if (s != WP_OK && d.n == 0 && d.dropped == 0)
        fuzz_fail("wp_config_load_string failed (%d) without a diagnostic", (int)s);
    check_diags("load", &d);
    wp_diags_free(&d);
    if (c == NULL)
        return;

    check_config("loaded", c);
    set(c, "pipeline.threads", "3");
    set(c, "pipeline.processors[0].wasm.module_path", "m.wasm");
    set(c, "input.stdin.codec", "lines");
    set(c, "output.file.path", "${NOT_INTERPOLATED}");
    check_config("changed", c);
    wp_config_destroy(c);
}

/* Lines of "path=value" applied to an empty configuration. */
static void fuzz_set(const uint8_t *data, size_t size)
{
    wp_config *c = wp_config_create("fuzz-set");
    if (c == NULL)
        return;
    char *text = malloc(size + 1);
    if (text == NULL)
        fuzz_fail("out of memory");
    memcpy(text, data, size);
    text[size] = '\0';
    unsigned lines = 0;
    for (char *line = text; line != NULL && lines < 64; lines++) {
        char *next = strchr(line, '\n');
        if (next != NULL)
            *next++ = '\0';
        char *eq = strchr(line, '=');
        if (eq != NULL) {
            *eq = '\0';
            set(c, line, eq + 1);
        }
        line = next;
    }
    free(text);
    check_config("built", c);
    wp_config_destroy(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setenv("WP_FUZZ_SET", "set-value", 1);
    setenv("WP_FUZZ_EMPTY", "", 1);
    if (size > 0 && data[0] == 0x01)
        fuzz_set(data + 1, size - 1);
    else
        fuzz_yaml(data, size);
    return 0;
}
