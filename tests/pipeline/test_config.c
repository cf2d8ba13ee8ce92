/* Unit tests of configuration loading (config.c) and the schema
 * (schema.c): the YAML tree and its positions, every error path of the
 * parser, environment interpolation, wp_config_set, the scalar parsers,
 * binding with its defaults, and every kind of schema problem with the
 * line and column it is reported at.
 */
#include "pl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* ---------------------------------------------------------------- tree */

static void test_tree(void) {
    wp_diags d;
    wp_config *c = load("input:\n  stdin: {}\npipeline:\n  threads: 4\n  processors:\n"
                        "    - wasm:\n        module_path: \"m.wasm\"\n    - label: x\n"
                        "empty:\nquoted: 'null'\nplain: null\n",
                        &d);
    CHECK("tree: loads", c != NULL, "%zu diags", d.n);
    if (!c) return;
    pl_node *pipe = pl_map_get(c->root, "pipeline");
    pl_node *threads = pl_map_get(pipe, "threads");
    CHECK("tree: scalar", threads && threads->kind == PL_SCALAR && strcmp(threads->str, "4") == 0,
          "threads");
    CHECK("tree: position", threads && threads->line == 4 && threads->col == 12, "%u:%u",
          threads ? threads->line : 0, threads ? threads->col : 0);
    pl_node *procs = pl_map_get(pipe, "processors");
    CHECK("tree: sequence", procs && procs->kind == PL_SEQ && procs->n == 2, "processors");
    pl_node *mp = pl_map_get(pl_map_get(procs->items[0], "wasm"), "module_path");
    CHECK("tree: quoted not plain", mp && !mp->plain && strcmp(mp->str, "m.wasm") == 0, "mp");
    CHECK("tree: empty is null", pl_map_get(c->root, "empty")->kind == PL_NULL, "empty");
    CHECK("tree: quoted null is a string", pl_map_get(c->root, "quoted")->kind == PL_SCALAR,
          "quoted");
    CHECK("tree: plain null", pl_map_get(c->root, "plain")->kind == PL_NULL, "plain");
    CHECK("tree: missing key", pl_map_get(c->root, "nope") == NULL, "nope");
    wp_diags_free(&d);
    wp_config_destroy(c);

    c = load("", &d);
    CHECK("tree: empty file", c && c->root && c->root->kind == PL_NULL, "root");
    if (c) CHECK("tree: empty file checks", wp_config_check(c, &d) == WP_OK, "%zu", d.n);
    wp_diags_free(&d);
    wp_config_destroy(c);
}

/* ---------------------------------------------------------------- parse errors */

static void test_parse_errors(void) {
    static const struct {
        const char *name, *text;
        uint32_t    line, col;
        const char *want;
    } cases[] = {
        { "syntax: flow", "input: [a\n", 2, 1, "YAML:" },
        { "syntax: bad indent", "a:\n  b: 1\n c: 2\n", 3, 2, "YAML:" },
        { "syntax: tab", "a:\n\tb: 1\n", 2, 1, "YAML:" },
        { "duplicate key", "input: {}\npipeline: {}\ninput: {}\n", 3, 1, "duplicate key 'input'" },
        { "alias", "a: &x 1\nb: *x\n", 2, 4, "aliases" },
        { "key is a map", "? {a: 1}\n: 2\n", 1, 3, "a key must be a plain string" },
        { "key is a list", "? [a]\n: 2\n", 1, 3, "a key must be a plain string" },
        { "empty key", ": 2\n", 1, 1, "YAML:" },
        { "unsupported tag", "a: !!binary aGk=\n", 1, 4, "tag" },
        { "custom tag", "a: !foo x\n", 1, 4, "tag" },
        { "two documents", "a: 1\n---\nb: 2\n", 2, 1, "only one YAML document" },
        { "NUL in value", "a: \"x\\0y\"\n", 1, 4, "NUL" },
        { "bad UTF-8", "a: 1\nb: x\xff\n", 2, 5, "UTF-8" },
        { "unset variable", "a:\n  b: ${WP_TEST_SURELY_UNSET}\n", 2, 6,
          "environment variable 'WP_TEST_SURELY_UNSET' is not set" },
        { "unset in a list", "a: [x, \"${WP_TEST_SURELY_UNSET}\"]\n", 1, 9, "is not set" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wp_diags d;
        wp_config *c = load(cases[i].text, &d);
        char buf[600];
        CHECK(cases[i].name, c == NULL, "loaded");
        CHECK(cases[i].name, d.n >= 1 && strstr(d.items[0].msg, cases[i].want),
              "want '%s', got '%s'", cases[i].want, first(&d, buf, sizeof buf));
        CHECK(cases[i].name, d.n >= 1 && d.items[0].line == cases[i].line &&
                                 d.items[0].col == cases[i].col,
              "want %u:%u, got %s", cases[i].line, cases[i].col, first(&d, buf, sizeof buf));
        wp_config_destroy(c);
        wp_diags_free(&d);
    }

    /* Nested too deep. */
    char deep[4096] = "";
    for (int i = 0; i < 70; i++) strcat(deep, "[");
    for (int i = 0; i < 70; i++) strcat(deep, "]");
    wp_diags d;
    wp_config *c = load(deep, &d);
    CHECK("too deep", !c && d.n == 1 && strstr(d.items[0].msg, "nested deeper"), "%zu", d.n);
    wp_diags_free(&d);

    /* Every unset variable is reported, not only the first. */
    c = load("a: ${WP_TEST_UNSET_A}\nb: ${WP_TEST_UNSET_B}\n", &d);
    CHECK("unset: all reported", !c && d.n == 2, "%zu diags", d.n);
    wp_diags_free(&d);

    /* Too large. */
    size_t big = ((size_t)16 << 20) + 1;
    char *text = malloc(big);
    if (text) {
        memset(text, ' ', big);
        wp_diags_init(&d);
        CHECK("too large", wp_config_load_string("t", text, big, &c, &d) == WP_ERR_INVALID,
              "status");
        wp_diags_free(&d);
        free(text);
    }

    /* Files. */
    wp_diags_init(&d);
    CHECK("file: missing", wp_config_load_file("/nonexistent/x.yaml", &c, &d) == WP_ERR_IO &&
                               c == NULL && d.n == 1 && strstr(d.items[0].msg, "cannot open"),
          "%zu", d.n);
    wp_diags_free(&d);
    wp_diags_init(&d);
    CHECK("file: directory", wp_config_load_file("/", &c, &d) == WP_ERR_IO, "status");
    wp_diags_free(&d);
}

/* ---------------------------------------------------------------- interpolation */

static void test_interpolation(void) {
    setenv("WP_T_FOO", "foo", 1);
    setenv("WP_T_EMPTY", "", 1);
    setenv("WP.T.DOT", "dotted", 1);
    setenv("WP_T_NL", "a\nb", 1);
    unsetenv("WP_T_UNSET");
    static const struct { const char *in, *out; } ok[] = {
        { "plain", "plain" },
        { "${WP_T_FOO}", "foo" },
        { "x ${WP_T_FOO} y", "x foo y" },
        { "${WP_T_FOO}${WP_T_FOO}", "foofoo" },
        { "${WP_T_EMPTY}", "" },
        { "${WP_T_UNSET:}", "" },
        { "${WP_T_UNSET:bar}", "bar" },
        { "${WP_T_EMPTY:bar}", "bar" },          /* empty counts as unset for a default */
        { "${WP_T_FOO:bar}", "foo" },
        { "${WP_T_UNSET::}", ":" },
        { "${WP_T_UNSET:http://x.com/a?b=c#d}", "http://x.com/a?b=c#d" },
        { "${WP_T_UNSET:tcp://*:2020}", "tcp://*:2020" },
        { "${WP_T_UNSET:a,b}", "a,b" },
        { "${WP_T_UNSET:${!meta:foo}}", "${!meta:foo}" },   /* braces nest in a default */
        { "${WP.T.DOT}", "dotted" },
        { "${WP_T_NL}", "a\\nb" },               /* as Bento: a value adds no line */
        { "${}", "${}" },
        { "${!x}", "${!x}" },
        { "$WP_T_FOO", "$WP_T_FOO" },
        { "cost: $5", "cost: $5" },
        { "${{WP_T_FOO}}", "${WP_T_FOO}" },
        { "${{WP_T_FOO:bar}}", "${WP_T_FOO:bar}" },
        { "${WP_T_UNSET:unterminated", "${WP_T_UNSET:unterminated" },
        { "${WP_T_FOO", "${WP_T_FOO" },
        { "$", "$" },
        { "a$", "a$" },
    };
    pl_arena a = { 0 };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        wp_diags d;
        wp_diags_init(&d);
        const char *out = NULL;
        size_t len = 0;
        bool good = pl_interpolate(&a, ok[i].in, strlen(ok[i].in), NULL, &d, &out, &len);
        CHECK(ok[i].in, good && d.n == 0, "failed: %s", d.n ? d.items[0].msg : "");
        CHECK(ok[i].in, good && len == strlen(ok[i].out) && memcmp(out, ok[i].out, len) == 0,
              "want '%s', got '%.*s'", ok[i].out, (int)len, out ? out : "");
        wp_diags_free(&d);
    }
    static const char *const bad[] = {
        "${WP_T_UNSET}", "x ${WP_T_UNSET} y", "${WP_T_FOO}${WP_T_UNSET}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        wp_diags d;
        wp_diags_init(&d);
        const char *out;
        size_t len;
        bool good = pl_interpolate(&a, bad[i], strlen(bad[i]), NULL, &d, &out, &len);
        CHECK(bad[i], !good && d.n == 1 && strstr(d.items[0].msg, "WP_T_UNSET"), "accepted");
        wp_diags_free(&d);
    }
    pl_arena_release(&a);

    /* In a document: a plain value that becomes empty reads as null, so the
     * field's default applies (as Bento's textual substitution does). */
    wp_diags d;
    wp_config *c = load("pipeline:\n  threads: ${WP_T_UNSET:3}\n  processors: []\n"
                        "logger:\n  level: ${WP_T_UNSET:}\nlabel_keys_are_not: ${WP_T_FOO}\n",
                        &d);
    CHECK("doc: loads", c != NULL, "%zu", d.n);
    if (c) {
        pl_node *t = pl_map_get(pl_map_get(c->root, "pipeline"), "threads");
        CHECK("doc: int from default", t && t->kind == PL_SCALAR && strcmp(t->str, "3") == 0,
              "threads");
        pl_node *lv = pl_map_get(pl_map_get(c->root, "logger"), "level");
        CHECK("doc: empty plain is null", lv && lv->kind == PL_NULL, "level");
    }
    wp_config_destroy(c);
    wp_diags_free(&d);
    /* The whole text is substituted before parsing, as Bento does: keys
     * too, and a reference may stand for part of the YAML structure. */
    c = load("${WP_T_FOO}: 1\n", &d);
    CHECK("doc: keys are interpolated", c && pl_map_get(c->root, "foo"), "key");
    wp_config_destroy(c);
    wp_diags_free(&d);
}

/* ---------------------------------------------------------------- scalar parsers */

static void test_scalars(void) {
    static const struct { const char *s; bool ok; uint64_t ns; } durs[] = {
        { "0", true, 0 },
        { "0s", true, 0 },
        { "500ms", true, 500000000ull },
        { "2s", true, 2000000000ull },
        { "1m30s", true, 90000000000ull },
        { "1.5s", true, 1500000000ull },
        { ".5s", true, 500000000ull },
        { "1h", true, 3600000000000ull },
        { "250us", true, 250000ull },
        { "250\xc2\xb5s", true, 250000ull },
        { "10ns", true, 10 },
        { "1.0000000001s", true, 1000000000ull },
        { "5", false, 0 },
        { "", false, 0 },
        { "s", false, 0 },
        { "1x", false, 0 },
        { "-1s", false, 0 },
        { "1 s", false, 0 },
        { "99999999999999999999h", false, 0 },
        { "5124096h", false, 0 },   /* past 2^64 ns */
    };
    for (size_t i = 0; i < sizeof durs / sizeof durs[0]; i++) {
        uint64_t ns = 12345;
        bool ok = pl_parse_duration(durs[i].s, &ns);
        CHECK(durs[i].s, ok == durs[i].ok && (!ok || ns == durs[i].ns), "ok=%d ns=%llu", ok,
              (unsigned long long)ns);
    }
    static const struct { const char *s; bool ok; uint64_t b; } sizes[] = {
        { "0", true, 0 },           { "65536", true, 65536 },    { "64KiB", true, 65536 },
        { "64MiB", true, 64ull << 20 }, { "1GiB", true, 1ull << 30 }, { "2TiB", true, 2ull << 40 },
        { "1KB", true, 1000 },      { "3MB", true, 3000000 },    { "1GB", true, 1000000000 },
        { "1TB", true, 1000000000000ull }, { "12B", true, 12 }, { "64 MiB", true, 64ull << 20 },
        { "", false, 0 },           { "MiB", false, 0 },         { "1.5MiB", false, 0 },
        { "-1", false, 0 },         { "1mib", false, 0 },        { "1K", false, 0 },
        { "99999999999999999999", false, 0 }, { "20000000TiB", false, 0 },
    };
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        uint64_t b = 7;
        bool ok = pl_parse_bytes(sizes[i].s, &b);
        CHECK(sizes[i].s, ok == sizes[i].ok && (!ok || b == sizes[i].b), "ok=%d b=%llu", ok,
              (unsigned long long)b);
    }
    int64_t x;
    CHECK("int", pl_parse_int("-12", &x) && x == -12, "-12");
    CHECK("int: junk", !pl_parse_int("12a", &x) && !pl_parse_int("", &x) &&
                           !pl_parse_int(" 1", &x) && !pl_parse_int("1.0", &x) &&
                           !pl_parse_int("99999999999999999999", &x),
          "accepted");
    bool b;
    CHECK("bool", pl_parse_bool("true", &b) && b && pl_parse_bool("False", &b) && !b &&
                      !pl_parse_bool("yes", &b) && !pl_parse_bool("1", &b),
          "bool");
    char buf[32];
    pl_format_duration(1500000000ull, buf, sizeof buf);
    CHECK("format 1.5s", strcmp(buf, "1500ms") == 0, "%s", buf);
    pl_format_duration(2000000000ull, buf, sizeof buf);
    CHECK("format 2s", strcmp(buf, "2s") == 0, "%s", buf);
    pl_format_duration(0, buf, sizeof buf);
    CHECK("format 0", strcmp(buf, "0s") == 0, "%s", buf);
}

/* ---------------------------------------------------------------- schema */

static void test_defaults(void) {
    /* An empty configuration binds, and every default in every table parses. */
    pl_arena a = { 0 };
    wp_diags d;
    wp_diags_init(&d);
    pl_config cfg;
    memset(&cfg, 0, sizeof cfg);
    CHECK("defaults: root", pl_bind(&a, &pl_root_spec, NULL, "", &cfg, &d), "%s",
          d.n ? d.items[0].msg : "");
    CHECK("defaults: stdin", cfg.input.type == &pl_input_stdin.spec, "input");
    CHECK("defaults: stdout", cfg.output.type == &pl_output_stdout.spec, "output");
    CHECK("defaults: no errors output", cfg.errors.type == NULL, "errors");
    CHECK("defaults: threads", cfg.pipeline.threads == -1, "%lld",
          (long long)cfg.pipeline.threads);
    CHECK("defaults: level info", cfg.logger.level - 1 == WP_LOG_INFO, "%d", cfg.logger.level);
    const pl_spec *const *regs[] = { pl_input_specs, pl_output_specs, pl_processor_specs };
    for (int r = 0; r < 3; r++) {
        for (int i = 0; regs[r][i]; i++) {
            const pl_spec *s = regs[r][i];
            void *out = pl_arena_alloc(&a, s->cfg_size ? s->cfg_size : 1);
            wp_diags dd;
            wp_diags_init(&dd);
            pl_bind(&a, s, NULL, s->name, out, &dd);
            for (size_t k = 0; k < dd.n; k++)
                CHECK(s->name, strstr(dd.items[k].msg, "required"), "default problem: %s: %s",
                      dd.items[k].path, dd.items[k].msg);
            for (const pl_field *f = s->fields; f->name; f++)
                CHECK(s->name, f->help && f->help[0], "field %s has no help", f->name);
            wp_diags_free(&dd);
        }
    }
    wp_diags_free(&d);
    pl_arena_release(&a);
}

static void test_schema_errors(void) {
    static const struct {
        const char *name, *text, *path, *want;
        uint32_t    line, col;
    } cases[] = {
        { "root not a map", "- a\n", "", "expected a mapping", 1, 1 },
        { "unknown top key", "inptu: {}\n", "inptu", "unknown key 'inptu' (known: input,", 1, 1 },
        { "unknown input", "input:\n  kafka: {}\n", "input",
          "unknown input type 'kafka' (known: stdin, file, ", 2, 3 },
        { "unknown output", "output:\n  s3: {}\n", "output",
          "unknown output type 's3' (known: stdout, file, drop, ", 2, 3 },
        { "errors under output", "output:\n  stdout: {}\n  errors: {}\n", "output",
          "'errors' is a top-level key", 3, 3 },
        { "two input types", "input:\n  stdin: {}\n  file: {paths: [a]}\n", "input",
          "more than one input type: 'stdin' and 'file'", 3, 3 },
        { "no input type", "input:\n  label: x\n", "input", "no input type given", 2, 3 },
        { "input is a string", "input: stdin\n", "input", "expected a mapping that names one input",
          1, 8 },
        { "label not a string", "input:\n  label: [a]\n  stdin: {}\n", "input.label",
          "expected a string", 2, 10 },
        { "component body a list", "input:\n  stdin: [a]\n", "input.stdin",
          "expected a mapping of stdin's fields", 2, 10 },
        { "unknown component key", "input:\n  stdin:\n    codec: lines\n    bogus: 1\n",
          "input.stdin.bogus", "unknown key 'bogus' (known: codec, max_buffer, max_message_size)", 4, 5 },
        { "drop takes no fields", "output:\n  drop: {x: 1}\n", "output.drop.x",
          "drop takes no fields", 2, 10 },
        { "enum", "input:\n  stdin: {codec: csv}\n", "input.stdin.codec",
          "must be one of lines, all-bytes, found 'csv'", 2, 18 },
        { "bytes", "input:\n  stdin: {max_buffer: lots}\n", "input.stdin.max_buffer",
          "expected a size", 2, 23 },
        { "bytes range", "input:\n  stdin: {max_buffer: 2GiB}\n", "input.stdin.max_buffer",
          "must be at most", 2, 23 },
        { "int", "pipeline:\n  threads: many\n", "pipeline.threads", "expected an integer, found 'many'",
          2, 12 },
        { "int range", "pipeline:\n  threads: 5000\n", "pipeline.threads",
          "must be between -1 and 1024, found 5000", 2, 12 },
        { "int is a map", "pipeline:\n  threads: {a: 1}\n", "pipeline.threads",
          "expected an integer, found a mapping", 2, 12 },
        { "section not a map", "pipeline: 4\n", "pipeline", "expected a mapping of pipeline's", 1,
          11 },
        { "processors not a list", "pipeline:\n  processors: {wasm: {}}\n", "pipeline.processors",
          "expected a list of processors, found a mapping", 2, 15 },
        { "unknown processor", "pipeline:\n  processors:\n    - bloblang: x\n",
          "pipeline.processors[0]", "unknown processor type 'bloblang' (known: wasm)", 3, 7 },
        { "required missing", "pipeline:\n  processors:\n    - wasm:\n        function: f\n",
          "pipeline.processors[0].wasm.module_path", "required field is missing", 4, 9 },
        { "required null", "pipeline:\n  processors:\n    - wasm:\n        module_path: ~\n",
          "pipeline.processors[0].wasm.module_path", "required field is missing", 4, 22 },
        { "required, empty body", "pipeline:\n  processors:\n    - wasm: {}\n",
          "pipeline.processors[0].wasm.module_path", "required field is missing", 3, 13 },
        { "string is a list", "pipeline:\n  processors:\n    - wasm: {module_path: [a]}\n",
          "pipeline.processors[0].wasm.module_path", "expected a string, found a sequence", 3,
          27 },
        { "duration", "pipeline:\n  processors:\n    - wasm: {module_path: m, timeout: 5}\n",
          "pipeline.processors[0].wasm.timeout", "expected a duration", 3, 39 },
        { "list of strings", "input:\n  file: {paths: a.txt}\n", "input.file.paths",
          "expected a list of strings, found 'a.txt'", 2, 17 },
        { "list item", "input:\n  file: {paths: [a, {b: 1}]}\n", "input.file.paths[1]",
          "expected a string, found a mapping", 2, 21 },
        { "list too short", "input:\n  file: {paths: []}\n", "input.file.paths",
          "needs at least 1 item", 2, 17 },
        { "bool", "output:\n  file: {path: x, append: yes}\n", "output.file.append",
          "expected true or false, found 'yes'", 2, 27 },
        { "logger level", "logger:\n  level: loud\n", "logger.level", "must be one of off, error,",
          2, 10 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wp_diags d;
        wp_config *c = load(cases[i].text, &d);
        CHECK(cases[i].name, c != NULL, "did not load");
        if (!c) {
            wp_diags_free(&d);
            continue;
        }
        CHECK(cases[i].name, wp_config_check(c, &d) == WP_ERR_INVALID, "accepted");
        char buf[600];
        CHECK(cases[i].name, d.n >= 1 && strstr(d.items[0].msg, cases[i].want),
              "want '%s', got '%s'", cases[i].want, first(&d, buf, sizeof buf));
        CHECK(cases[i].name, d.n >= 1 && strcmp(d.items[0].path, cases[i].path) == 0,
              "want path '%s', got '%s'", cases[i].path, d.n ? d.items[0].path : "");
        CHECK(cases[i].name, d.n >= 1 && d.items[0].line == cases[i].line &&
                                 d.items[0].col == cases[i].col,
              "want %u:%u, got %s", cases[i].line, cases[i].col, first(&d, buf, sizeof buf));
        wp_diags_free(&d);
        wp_config_destroy(c);
    }

    /* A bound on the number of processors. */
    {
        size_t cap = 300 * 32 + 64;
        char *text = malloc(cap);
        size_t len = (size_t)sprintf(text, "pipeline:\n  processors:\n");
        for (int i = 0; i < 300; i++) len += (size_t)sprintf(text + len, "    - wasm: {module_path: m}\n");
        wp_diags dd;
        wp_config *cc = load(text, &dd);
        CHECK("too many processors", cc && wp_config_check(cc, &dd) == WP_ERR_INVALID &&
                                         strstr(dd.items[0].msg, "at most 256 processors"),
              "%zu", dd.n);
        wp_diags_free(&dd);
        wp_config_destroy(cc);
        free(text);
    }

    /* Several problems are all reported, in document order. */
    wp_diags d;
    wp_config *c = load("inptu: {}\npipeline:\n  threads: x\n  processors:\n    - wasm: {}\n"
                        "    - nope: {}\nlogger: {level: 3}\n",
                        &d);
    if (c) {
        wp_config_check(c, &d);
        CHECK("all problems", d.n == 5, "%zu problems", d.n);
        char buf[600];
        wp_diag_format(&d, 0, buf, sizeof buf);
        CHECK("format", strcmp(buf, "t.yaml:1:1: inptu: unknown key 'inptu' (known: input, "
                                    "pipeline, output, errors, logger, http, shutdown_timeout)") == 0,
              "%s", buf);
    }
    wp_diags_free(&d);
    wp_config_destroy(c);

    /* A valid configuration with every field set. */
    c = load("input:\n  label: in\n  file:\n    paths: [a, b*]\n    codec: all-bytes\n"
             "    max_buffer: 64KiB\n"
             "pipeline:\n  threads: 0\n  processors:\n    - label: up\n      wasm:\n"
             "        module_path: m.wasm\n        function: f\n        max_instances: 4\n"
             "        timeout: 1.5s\n        max_memory: 64MiB\n"
             "output:\n  file: {path: out.txt, codec: json, append: false}\n"
             "errors:\n  stdout: {codec: json}\nlogger:\n  level: DEBUG\n",
             &d);
    CHECK("valid: loads", c != NULL, "%zu", d.n);
    if (c) CHECK("valid: checks", wp_config_check(c, &d) == WP_OK, "%s", first(&d, (char[600]){0}, 600));
    if (c) {
        pl_arena a = { 0 };
        pl_config cfg;
        memset(&cfg, 0, sizeof cfg);
        wp_diags dd;
        wp_diags_init(&dd);
        CHECK("valid: binds", pl_bind(&a, &pl_root_spec, c->root, "", &cfg, &dd), "bind");
        CHECK("valid: input", cfg.input.type == &pl_input_file.spec &&
                                  strcmp(cfg.input.label, "in") == 0 &&
                                  strcmp(cfg.input.path, "input.file") == 0,
              "input %s", cfg.input.path);
        CHECK("valid: processors", cfg.pipeline.processors.n == 1 &&
                                       strcmp(cfg.pipeline.processors.v[0].label, "up") == 0 &&
                                       strcmp(cfg.pipeline.processors.v[0].path,
                                              "pipeline.processors[0].wasm") == 0,
              "processors");
        CHECK("valid: errors output", cfg.errors.type == &pl_output_stdout.spec, "errors");
        CHECK("valid: level any case", cfg.logger.level - 1 == WP_LOG_DEBUG, "%d",
              cfg.logger.level);
        wp_diags_free(&dd);
        pl_arena_release(&a);
    }
    wp_diags_free(&d);
    wp_config_destroy(c);
}

/* ---------------------------------------------------------------- wp_config_set */

static void test_set(void) {
    wp_config *c = wp_config_create("cmd");
    wp_error err;
    CHECK("set: module", wp_config_set(c, "pipeline.processors[0].wasm.module_path", "m.wasm",
                                       &err) == WP_OK,
          "%s", err.msg);
    CHECK("set: threads", wp_config_set(c, "pipeline.threads", "3", &err) == WP_OK, "%s",
          err.msg);
    CHECK("set: replace", wp_config_set(c, "pipeline.threads", "4", &err) == WP_OK, "%s",
          err.msg);
    CHECK("set: append", wp_config_set(c, "pipeline.processors[1].wasm.module_path", "n",
                                       &err) == WP_OK,
          "%s", err.msg);
    CHECK("set: past the end", wp_config_set(c, "pipeline.processors[5].wasm.x", "n", &err) ==
                                   WP_ERR_ARG && strstr(err.msg, "past the end"),
          "%s", err.msg);
    CHECK("set: into a scalar", wp_config_set(c, "pipeline.threads.x", "1", &err) == WP_ERR_ARG,
          "%s", err.msg);
    CHECK("set: index a map", wp_config_set(c, "pipeline[0]", "1", &err) == WP_ERR_ARG, "%s",
          err.msg);
    CHECK("set: over a map", wp_config_set(c, "pipeline", "1", &err) == WP_ERR_ARG, "%s",
          err.msg);
    CHECK("set: bad index", wp_config_set(c, "a[x]", "1", &err) == WP_ERR_ARG, "%s", err.msg);
    CHECK("set: empty", wp_config_set(c, "", "1", &err) == WP_ERR_ARG, "%s", err.msg);
    CHECK("set: trailing dot", wp_config_set(c, "a.", "1", &err) == WP_ERR_ARG, "%s", err.msg);
    CHECK("set: empty name", wp_config_set(c, "a..b", "1", &err) == WP_ERR_ARG, "%s", err.msg);
    pl_node *t = pl_map_get(pl_map_get(c->root, "pipeline"), "threads");
    CHECK("set: value", t && strcmp(t->str, "4") == 0 && t->line == 0, "threads");
    wp_diags d;
    wp_diags_init(&d);
    CHECK("set: checks", wp_config_check(c, &d) == WP_OK, "%s",
          d.n ? d.items[0].msg : "");
    wp_diags_free(&d);
    /* A set value is typed by the schema, with no position. */
    wp_config_set(c, "pipeline.threads", "x", &err);
    wp_diags_init(&d);
    CHECK("set: typed", wp_config_check(c, &d) == WP_ERR_INVALID && d.n == 1 &&
                            d.items[0].line == 0,
          "%zu", d.n);
    char buf[600];
    wp_diag_format(&d, 0, buf, sizeof buf);
    CHECK("set: format without position",
          strcmp(buf, "cmd: pipeline.threads: expected an integer, found 'x'") == 0, "%s", buf);
    wp_diags_free(&d);
    /* Setting over a loaded file, and over an empty one. */
    wp_config_destroy(c);
    c = load("", &d);
    CHECK("set: empty file", c && wp_config_set(c, "pipeline.threads", "2", &err) == WP_OK,
          "%s", err.msg);
    wp_diags_free(&d);
    wp_config_destroy(c);
    c = load("pipeline:\n  threads: 1\n", &d);
    CHECK("set: over a file", c && wp_config_set(c, "pipeline.threads", "${NOT_INTERPOLATED}",
                                                 &err) == WP_OK,
          "%s", err.msg);
    if (c) {
        pl_node *tt = pl_map_get(pl_map_get(c->root, "pipeline"), "threads");
        CHECK("set: not interpolated", strcmp(tt->str, "${NOT_INTERPOLATED}") == 0, "%s",
              tt->str);
    }
    wp_diags_free(&d);
    wp_config_destroy(c);
    wp_config_destroy(NULL);
}

/* ---------------------------------------------------------------- reference */

static void test_reference(void) {
    /* Every field of every table appears in both forms of the reference. */
    for (int fmt = 0; fmt < 2; fmt++) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);
        if (!f) return;
        wp_config_reference(f, (wp_doc_format)fmt);
        fclose(f);
        const pl_spec *const *regs[] = { pl_input_specs, pl_output_specs, pl_processor_specs };
        for (int r = 0; r < 3; r++)
            for (int i = 0; regs[r][i]; i++) {
                CHECK("reference: component", strstr(buf, regs[r][i]->name), "%s",
                      regs[r][i]->name);
                for (const pl_field *fl = regs[r][i]->fields; fl->name; fl++)
                    CHECK("reference: field", strstr(buf, fl->name), "%s.%s",
                          regs[r][i]->name, fl->name);
            }
        for (const pl_field *fl = pl_root_spec.fields; fl->name; fl++)
            CHECK("reference: top-level", strstr(buf, fl->name), "%s", fl->name);
        free(buf);
    }
}

int main(void) {
    test_tree();
    test_parse_errors();
    test_interpolation();
    test_scalars();
    test_defaults();
    test_schema_errors();
    test_set();
    test_reference();
    if (failures) {
        printf("%d failure(s)\n", failures);
        return 1;
    }
    printf("all config tests passed\n");
    return 0;
}
