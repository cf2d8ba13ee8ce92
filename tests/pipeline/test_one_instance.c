/* max_instances: 1 with 8 worker threads under load: the workers take
 * turns on the one instance, nothing deadlocks, every message arrives,
 * uppercased, in input order; with traps in the stream the instance is
 * replaced (still at most one) and only the trapping messages are
 * errored. Runs the pipeline test module wat/upper.wasm from the test's
 * build directory. */
#include <wasmpipe/pipeline.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

enum { LINES = 60000 };

static char dir[64];

static void run(const char *name, int trap_every) {
    char in[128], out[128], errs[128], cfg[1024];
    snprintf(in, sizeof in, "%s/in.txt", dir);
    snprintf(out, sizeof out, "%s/out.txt", dir);
    snprintf(errs, sizeof errs, "%s/errors.txt", dir);
    FILE *f = fopen(in, "w");
    if (!f) return;
    for (int i = 0; i < LINES; i++)
        fprintf(f, "%sline %d\n", trap_every && i % trap_every == 0 ? "!" : "", i);
    fclose(f);
    snprintf(cfg, sizeof cfg,
             "input:\n  file: { paths: [\"%s\"] }\n"
             "pipeline:\n  threads: 8\n  processors:\n"
             "    - wasm: { module_path: wat/upper.wasm, max_instances: 1 }\n"
             "output:\n  file: { path: \"%s\", append: false }\n"
             "errors:\n  file: { path: \"%s\", append: false }\n",
             in, out, errs);
    wp_diags d;
    wp_diags_init(&d);
    wp_config *c = NULL;
    if (wp_config_load_string("one.yaml", cfg, strlen(cfg), &c, &d) != WP_OK) {
        CHECK(name, false, "config: %s", d.n ? d.items[0].msg : "");
        wp_diags_free(&d);
        return;
    }
    wp_logger quiet = { .level = WP_LOG_OFF, .fd = 2 };
    /* Small batches: many hand-overs between the workers. */
    wp_pipeline_options o = { .log = &quiet, .log_level_fixed = true, .batch_size = 16 };
    wp_pipeline *p = NULL;
    wp_status s = wp_pipeline_create(c, &o, &p, &d);
    char buf[600] = "";
    if (d.n) wp_diag_format(&d, 0, buf, sizeof buf);
    CHECK(name, s == WP_OK, "create: %s", buf);
    if (p) {
        wp_error err;
        CHECK(name, wp_pipeline_run(p, &err) == WP_OK, "run: %s", err.msg);
        wp_pipeline_stats st;
        wp_pipeline_stats_get(p, &st);
        uint64_t traps = trap_every ? (LINES + trap_every - 1) / trap_every : 0;
        CHECK(name, st.in == LINES && st.out == LINES - traps && st.errored == traps,
              "in %llu out %llu errored %llu", (unsigned long long)st.in,
              (unsigned long long)st.out, (unsigned long long)st.errored);
        wp_pipeline_destroy(p);
        /* Every line, uppercased, in input order. */
        f = fopen(out, "r");
        char line[64], want[64];
        int i = 0, wrong = 0;
        while (f && fgets(line, sizeof line, f)) {
            while (trap_every && i % trap_every == 0) i++;
            snprintf(want, sizeof want, "LINE %d\n", i);
            if (strcmp(line, want) != 0 && wrong++ == 0)
                printf("%s: first out of order: got '%s', want '%s'\n", name, line, want);
            i++;
        }
        if (f) fclose(f);
        while (trap_every && i < LINES && i % trap_every == 0) i++;
        CHECK(name, wrong == 0 && i == LINES, "%d wrong, %d read", wrong, i);
    }
    wp_config_destroy(c);
    wp_diags_free(&d);
}

int main(void) {
    if (access("wat/upper.wasm", R_OK) != 0) {
        printf("FAIL: wat/upper.wasm not found (run from the test's build directory)\n");
        return 1;
    }
    snprintf(dir, sizeof dir, "/tmp/wp_test_one_XXXXXX");
    if (!mkdtemp(dir)) return 1;
    run("max_instances 1, 8 threads", 0);
    run("max_instances 1, 8 threads, traps", 97);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0) printf("note: could not remove %s\n", dir);
    if (failures) {
        printf("test_one_instance: %d failed\n", failures);
        return 1;
    }
    printf("test_one_instance: all passed\n");
    return 0;
}
