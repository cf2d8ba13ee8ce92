/* Tests of whole pipelines through the public API (pipeline.c with the
 * file and drop components): every message arrives, in input order, with
 * any number of threads; counters add up; errored messages go to the
 * errors output with their error in metadata; creation failures name the
 * field and its position. Given the path of tests/pipeline/wat/upper.wasm
 * as argument, it also runs the wasm processor: traps isolated to their
 * message, a timeout, metadata, threads sharing one processor.
 */
#include <wasmpipe/pipeline.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static char dir[64];
static wp_logger quiet = { .level = WP_LOG_OFF, .fd = 2 };

static void path_of(char *buf, size_t size, const char *name) {
    snprintf(buf, size, "%s/%s", dir, name);
}

static void write_file(const char *name, const char *text, size_t len) {
    char p[256];
    path_of(p, sizeof p, name);
    FILE *f = fopen(p, "wb");
    if (!f) return;
    fwrite(text, 1, len, f);
    fclose(f);
}

static char *read_file(const char *name, size_t *len) {
    char p[256];
    path_of(p, sizeof p, name);
    FILE *f = fopen(p, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = calloc(1, (size_t)n + 1);
    if (fread(buf, 1, (size_t)n, f) != (size_t)n) n = 0;
    fclose(f);
    *len = (size_t)n;
    return buf;
}

/* Builds a configuration from path=value pairs (NULL-terminated) and runs
 * it. Returns the run's status, or the creation's with diags filled. */
static wp_status run(const char *const *sets, wp_pipeline_stats *st, wp_diags *d) {
    wp_config *c = wp_config_create("test");
    wp_error err;
    for (size_t i = 0; sets[i]; i += 2) {
        char v[512];
        snprintf(v, sizeof v, sets[i + 1], dir);
        if (wp_config_set(c, sets[i], v, &err) != WP_OK) {
            printf("set %s: %s\n", sets[i], err.msg);
            failures++;
        }
    }
    wp_pipeline_options o = { .log = &quiet, .log_level_fixed = true };
    wp_pipeline *p;
    wp_diags_init(d);
    wp_status s = wp_pipeline_create(c, &o, &p, d);
    if (s == WP_OK) {
        s = wp_pipeline_run(p, &err);
        wp_pipeline_stats_get(p, st);
        wp_pipeline_destroy(p);
    }
    wp_config_destroy(c);
    return s;
}

static void test_order(void) {
    size_t n = 100000;
    char *text = malloc(n * 8);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) len += (size_t)sprintf(text + len, "%zu\n", i);
    write_file("in.txt", text, len);
    static const char *threads[] = { "1", "2", "4", "7" };
    static const char *batches[] = { "256", "1", "13", "1000" };
    for (int t = 0; t < 4; t++) {
        char out[32];
        snprintf(out, sizeof out, "out%d.txt", t);
        char outpath[64];
        snprintf(outpath, sizeof outpath, "%%s/%s", out);
        const char *sets[] = { "input.file.paths[0]", "%s/in.txt", "pipeline.threads",
                               threads[t], "output.file.path", outpath, "output.file.append",
                               "false", NULL };
        wp_config *c = wp_config_create("t");
        wp_error err;
        for (size_t i = 0; sets[i]; i += 2) {
            char v[256];
            snprintf(v, sizeof v, sets[i + 1], dir);
            wp_config_set(c, sets[i], v, &err);
        }
        wp_pipeline_options o = { .log = &quiet, .log_level_fixed = true,
                                  .batch_size = (uint32_t)atoi(batches[t]) };
        wp_pipeline *p;
        wp_diags d;
        wp_diags_init(&d);
        wp_status s = wp_pipeline_create(c, &o, &p, &d);
        CHECK("order: create", s == WP_OK, "%s", d.n ? d.items[0].msg : "");
        if (s == WP_OK) {
            s = wp_pipeline_run(p, &err);
            wp_pipeline_stats st;
            wp_pipeline_stats_get(p, &st);
            CHECK("order: run", s == WP_OK, "%s", err.msg);
            CHECK("order: counts", st.in == n && st.out == n && st.errored == 0 &&
                                       st.dropped == 0 && st.bytes_in == len - n &&
                                       st.bytes_out == st.bytes_in,
                  "threads %s: in %llu out %llu", threads[t], (unsigned long long)st.in,
                  (unsigned long long)st.out);
            wp_pipeline_destroy(p);
        }
        wp_diags_free(&d);
        wp_config_destroy(c);
        size_t olen;
        char *o2 = read_file(out, &olen);
        CHECK("order: same bytes", o2 && olen == len && memcmp(o2, text, len) == 0,
              "threads %s batch %s: %zu bytes", threads[t], batches[t], olen);
        free(o2);
    }
    free(text);
}

static void test_files_and_errors(void) {
    write_file("a.log", "a1\na2\n", 6);
    write_file("b.log", "b1\nthis line is too long\nb3", 27);
    write_file("z.txt", "not matched\n", 12);
    const char *sets[] = { "input.file.paths[0]", "%s/a.log",
                           "input.file.paths[1]", "%s/b*.log",
                           "input.file.max_buffer", "8",
                           "output.file.path", "%s/out.txt",
                           "output.file.codec", "json",
                           "errors.file.path", "%s/errors.txt",
                           "errors.file.codec", "json",
                           NULL };
    wp_pipeline_stats st;
    wp_diags d;
    wp_status s = run(sets, &st, &d);
    CHECK("files: run", s == WP_OK, "%s", d.n ? d.items[0].msg : "");
    CHECK("files: counts", st.in == 5 && st.out == 4 && st.errored == 1, "in %llu out %llu err %llu",
          (unsigned long long)st.in, (unsigned long long)st.out,
          (unsigned long long)st.errored);
    wp_diags_free(&d);
    size_t len;
    char *out = read_file("out.txt", &len);
    char want[1024];
    snprintf(want, sizeof want,
             "{\"content\":\"a1\",\"metadata\":{\"path\":\"%s/a.log\"}}\n"
             "{\"content\":\"a2\",\"metadata\":{\"path\":\"%s/a.log\"}}\n"
             "{\"content\":\"b1\",\"metadata\":{\"path\":\"%s/b.log\"}}\n"
             "{\"content\":\"b3\",\"metadata\":{\"path\":\"%s/b.log\"}}\n",
             dir, dir, dir, dir);
    CHECK("files: output", out && strcmp(out, want) == 0, "got\n%s", out ? out : "");
    free(out);
    char *errs = read_file("errors.txt", &len);
    CHECK("files: errors output", errs && strstr(errs, "\"content\":\"this lin\"") &&
                                      strstr(errs, "\"error\":\"") &&
                                      strstr(errs, "longer than max_buffer (8 bytes)"),
          "got %s", errs ? errs : "");
    free(errs);

    /* The file output appends by default. */
    const char *again[] = { "input.file.paths[0]", "%s/a.log", "output.file.path", "%s/out.txt",
                            NULL };
    s = run(again, &st, &d);
    wp_diags_free(&d);
    out = read_file("out.txt", &len);
    CHECK("files: append", out && len > 6 && strcmp(out + len - 6, "a1\na2\n") == 0 &&
                               strstr(out, "{\"content\""),
          "%zu", len);
    free(out);
    const char *drop[] = { "input.file.paths[0]", "%s/a.log", "output.drop", "", NULL };
    s = run(drop, &st, &d);
    CHECK("drop", s == WP_OK && st.out == 2, "%llu", (unsigned long long)st.out);
    wp_diags_free(&d);
}

static void test_create_failures(void) {
    static const struct {
        const char *name;
        const char *sets[8];
        const char *path, *want;
    } cases[] = {
        { "missing input file", { "input.file.paths[0]", "%s/none.txt", NULL },
          "input.file.paths[0]", "cannot open" },
        { "glob matches nothing", { "input.file.paths[0]", "%s/*.none", NULL },
          "input.file.paths[0]", "matches no file" },
        { "input is a directory", { "input.file.paths[0]", "%s", NULL }, "input.file.paths[0]",
          "is a directory" },
        { "output not writable", { "output.file.path", "%s/no/such/dir/x", NULL },
          "output.file.path", "cannot open" },
        { "errors output not writable", { "errors.file.path", "%s/no/x", NULL },
          "errors.file.path", "cannot open" },
        { "missing module", { "pipeline.processors[0].wasm.module_path", "%s/none.wasm", NULL },
          "pipeline.processors[0].wasm.module_path", "cannot open" },
        { "module is a directory", { "pipeline.processors[0].wasm.module_path", "%s", NULL },
          "pipeline.processors[0].wasm.module_path", "is a directory" },
        { "module is not wasm", { "pipeline.processors[0].wasm.module_path", "%s/a.log", NULL },
          "pipeline.processors[0].wasm.module_path", "" },
        { "schema", { "pipeline.threads", "x", NULL }, "pipeline.threads", "expected an integer" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wp_pipeline_stats st;
        wp_diags d;
        wp_status s = run(cases[i].sets, &st, &d);
        CHECK(cases[i].name, s != WP_OK, "created");
        CHECK(cases[i].name, d.n == 1 && strcmp(d.items[0].path, cases[i].path) == 0 &&
                                 strstr(d.items[0].msg, cases[i].want),
              "got %zu: %s: %s", d.n, d.n ? d.items[0].path : "", d.n ? d.items[0].msg : "");
        wp_diags_free(&d);
    }
    /* A position from a file. */
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             "input:\n  file:\n    paths:\n      - %s/a.log\n      - %s/none.log\n", dir, dir);
    wp_config *c;
    wp_diags d;
    wp_diags_init(&d);
    wp_config_load_string("p.yaml", yaml, strlen(yaml), &c, &d);
    wp_pipeline *p = NULL;
    wp_pipeline_options o = { .log = &quiet, .log_level_fixed = true };
    wp_status s = wp_pipeline_create(c, &o, &p, &d);
    CHECK("position", s == WP_ERR_IO && d.n == 1 && d.items[0].line == 5 && d.items[0].col == 9,
          "%zu %u:%u", d.n, d.n ? d.items[0].line : 0, d.n ? d.items[0].col : 0);
    wp_diags_free(&d);
    wp_config_destroy(c);
    wp_pipeline_destroy(NULL);
    wp_pipeline_run(NULL, NULL);
}

/* ---------------------------------------------------------------- with a module */

static void test_wasm(const char *module) {
    size_t n = 20000;
    char *text = malloc(n * 16);
    char *want = malloc(n * 16);
    size_t len = 0, wlen = 0, traps = 0;
    for (size_t i = 0; i < n; i++) {
        if (i % 7 == 3) {
            len += (size_t)sprintf(text + len, "!trap %zu\n", i);
            traps++;
        } else {
            len += (size_t)sprintf(text + len, "msg %zu\n", i);
            wlen += (size_t)sprintf(want + wlen, "MSG %zu\n", i);
        }
    }
    write_file("w.txt", text, len);
    static const char *threads[] = { "1", "4" };
    for (int t = 0; t < 2; t++) {
        const char *sets[] = { "input.file.paths[0]", "%s/w.txt",
                               "pipeline.threads", threads[t],
                               "pipeline.processors[0].wasm.module_path", module,
                               "pipeline.processors[0].label", "up",
                               "output.file.path", "%s/w.out",
                               "output.file.append", "false",
                               "errors.file.path", "%s/w.err",
                               "errors.file.append", "false",
                               NULL };
        wp_pipeline_stats st;
        wp_diags d;
        wp_status s = run(sets, &st, &d);
        CHECK("wasm: run", s == WP_OK, "%s", d.n ? d.items[0].msg : "");
        CHECK("wasm: counts", st.in == n && st.out == n - traps && st.errored == traps,
              "threads %s: in %llu out %llu errored %llu", threads[t],
              (unsigned long long)st.in, (unsigned long long)st.out,
              (unsigned long long)st.errored);
        wp_diags_free(&d);
        size_t olen, elen;
        char *out = read_file("w.out", &olen);
        CHECK("wasm: output in order", out && olen == wlen && memcmp(out, want, wlen) == 0,
              "threads %s", threads[t]);
        free(out);
        char *errs = read_file("w.err", &elen);
        size_t lines = 0;
        for (size_t i = 0; errs && i < elen; i++) lines += errs[i] == '\n';
        CHECK("wasm: errors output", errs && lines == traps && strncmp(errs, "!trap 3\n", 8) == 0,
              "%zu lines", lines);
        free(errs);
    }
    free(text);
    free(want);

    /* A timeout errors its message only; metadata set by the guest shows. */
    write_file("t.txt", "a\n~forever\n#b\n", 14);
    const char *sets[] = { "input.file.paths[0]", "%s/t.txt",
                           "pipeline.threads", "1",
                           "pipeline.processors[0].wasm.module_path", module,
                           "pipeline.processors[0].wasm.timeout", "100ms",
                           "output.file.path", "%s/t.out",
                           "output.file.codec", "json",
                           "errors.file.path", "%s/t.err",
                           "errors.file.codec", "json",
                           NULL };
    wp_pipeline_stats st;
    wp_diags d;
    wp_status s = run(sets, &st, &d);
    CHECK("timeout: run", s == WP_OK && st.out == 2 && st.errored == 1, "%llu/%llu",
          (unsigned long long)st.out, (unsigned long long)st.errored);
    wp_diags_free(&d);
    size_t len2;
    char *out = read_file("t.out", &len2);
    CHECK("metadata from the guest", out && strstr(out, "\"content\":\"#B\"") &&
                                         strstr(out, "\"seen\":\"yes\""),
          "%s", out ? out : "");
    free(out);
    char *errs = read_file("t.err", &len2);
    CHECK("timeout: errors output", errs && strstr(errs, "\"content\":\"~forever\"") &&
                                        strstr(errs, "timed out"),
          "%s", errs ? errs : "");
    free(errs);

    /* A function the module does not export is reported at `function`. */
    const char *nofn[] = { "pipeline.processors[0].wasm.module_path", module,
                           "pipeline.processors[0].wasm.function", "nope", NULL };
    s = run(nofn, &st, &d);
    CHECK("missing function", s != WP_OK && d.n == 1 &&
                                  strcmp(d.items[0].path, "pipeline.processors[0].wasm.function") == 0 &&
                                  strstr(d.items[0].msg, "nope"),
          "%zu %s", d.n, d.n ? d.items[0].path : "");
    wp_diags_free(&d);
}

int main(int argc, char **argv) {
    snprintf(dir, sizeof dir, "/tmp/wp_run_XXXXXX");
    if (!mkdtemp(dir)) return 1;
    test_order();
    test_files_and_errors();
    test_create_failures();
    if (argc > 1) {
        test_wasm(argv[1]);
    } else {
        printf("no module given: the wasm processor tests are skipped\n");
    }
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) printf("could not remove %s\n", dir);
    if (failures) {
        printf("%d failure(s)\n", failures);
        return 1;
    }
    printf("all run tests passed\n");
    return 0;
}
