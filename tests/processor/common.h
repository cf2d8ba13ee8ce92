/* Shared by the processor tests: checks that count failures and say where,
 * module paths, and one-call helpers over the processor API. Each test is
 * run as `test_x MODULE_DIR EXAMPLES_DIR [c] [wat]`.
 */
#ifndef WP_TEST_PROCESSOR_COMMON_H
#define WP_TEST_PROCESSOR_COMMON_H

#include <wasmpipe/processor.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct test_env {
    const char *modules;
    const char *examples;
    bool        need_c, need_wat;   /* the build made those examples */
    wp_engine  *engine;
    int         failures;
    char        path[4096];
} test_env;

static test_env T;

#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        if (!(cond)) {                                                      \
            T.failures++;                                                   \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__, __LINE__, #cond); \
            fprintf(stderr, __VA_ARGS__);                                   \
            fputc('\n', stderr);                                            \
        }                                                                   \
    } while (0)

static inline void test_init(int argc, char **argv)
{
    T.modules = argc > 1 ? argv[1] : ".";
    T.examples = argc > 2 ? argv[2] : ".";
    for (int i = 3; i < argc; i++) {
        if (strcmp(argv[i], "c") == 0)
            T.need_c = true;
        if (strcmp(argv[i], "wat") == 0)
            T.need_wat = true;
    }
    wp_error err;
    if (wp_engine_create(NULL, &T.engine, &err) != WP_OK) {
        fprintf(stderr, "engine: %s\n", err.msg);
        exit(1);
    }
}

static inline int test_done(const char *name)
{
    wp_engine_destroy(T.engine);
    if (T.failures > 0) {
        fprintf(stderr, "%s: %d check(s) failed\n", name, T.failures);
        return 1;
    }
    printf("%s: all checks passed\n", name);
    return 0;
}

/* MODULE_DIR/name.wasm (a static buffer). */
static inline const char *module_path(const char *name)
{
    snprintf(T.path, sizeof T.path, "%s/%s.wasm", T.modules, name);
    return T.path;
}

static inline wp_processor *make_processor(const char *module, const char *function,
                                           const wp_processor_config *base)
{
    wp_processor_config cfg;
    if (base != NULL)
        cfg = *base;
    else
        memset(&cfg, 0, sizeof cfg);
    cfg.module_path = module_path(module);
    cfg.function = function;
    wp_processor *p = NULL;
    wp_error err;
    wp_status s = wp_processor_create(T.engine, &cfg, &p, &err);
    CHECK(s == WP_OK, "create %s/%s: %s", module, function ? function : "process", err.msg);
    return s == WP_OK ? p : NULL;
}

/* The creation error of a module, "" if it was created. */
static inline const char *create_error(const char *module, const char *function,
                                       wp_status *status)
{
    static char text[300];
    wp_processor_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.module_path = module_path(module);
    cfg.function = function;
    wp_processor *p = NULL;
    wp_error err;
    wp_status s = wp_processor_create(T.engine, &cfg, &p, &err);
    if (status != NULL)
        *status = s;
    if (s == WP_OK) {
        wp_processor_destroy(p);
        return "";
    }
    snprintf(text, sizeof text, "%s", err.msg);
    return text;
}

/* Processes one message; the caller destroys it. */
static inline wp_message *run_one(wp_processor *p, const void *data, size_t len)
{
    wp_message *m = wp_message_create(data, len);
    wp_error err;
    wp_status s = wp_processor_process(p, &m, 1, &err);
    CHECK(s == WP_OK, "process: %s", err.msg);
    return m;
}

static inline bool bytes_are(const wp_message *m, const void *want, size_t len)
{
    size_t n;
    const uint8_t *b = wp_message_bytes(m, &n);
    return n == len && (len == 0 || memcmp(b, want, len) == 0);
}

static inline bool has_text(const char *s, const char *part)
{
    return s != NULL && strstr(s, part) != NULL;
}

/* A printable copy of a message's bytes, for failure output. */
static inline const char *shown(const wp_message *m)
{
    static char buf[200];
    size_t n;
    const uint8_t *b = wp_message_bytes(m, &n);
    size_t k = 0;
    for (size_t i = 0; i < n && k + 5 < sizeof buf; i++) {
        if (b[i] >= 0x20 && b[i] < 0x7f)
            buf[k++] = (char)b[i];
        else
            k += (size_t)snprintf(buf + k, sizeof buf - k, "\\x%02x", b[i]);
    }
    buf[k] = '\0';
    return buf;
}

static inline uint32_t le32_at(const wp_message *m, size_t i)
{
    size_t n;
    const uint8_t *b = wp_message_bytes(m, &n);
    if (n < i * 4 + 4)
        return UINT32_MAX;
    return (uint32_t)b[i * 4] | (uint32_t)b[i * 4 + 1] << 8 | (uint32_t)b[i * 4 + 2] << 16 |
           (uint32_t)b[i * 4 + 3] << 24;
}

#endif
