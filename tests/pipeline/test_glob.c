/* File input patterns as Bento expands them: `**` matches any number of
 * directories, a directory that `*` matches is skipped (not a failure), a
 * file whose name holds `[` still matches itself, hidden directories and
 * symbolic-link cycles are not entered; and a whole pipeline reads every
 * file a super-glob finds. */
#include "pl.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"

static char root[64];

static void put_file(const char *rel, const char *text) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    FILE *f = fopen(path, "w");
    if (!f) {
        printf("cannot create %s\n", path);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
}

static void mkdir_rel(const char *rel) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    mkdir(path, 0755);
}

/* The matches of root/pattern, root stripped, joined by spaces. */
static const char *matches(const char *pattern, wp_status *st) {
    static char buf[2048];
    char full[256], why[128] = "";
    snprintf(full, sizeof full, "%s/%s", root, pattern);
    pl_paths g;
    *st = pl_glob(NULL, full, &g, why, sizeof why);
    buf[0] = '\0';
    size_t skip = strlen(root) + 1;
    for (size_t i = 0; i < g.n; i++) {
        if (i) strcat(buf, " ");
        strcat(buf, strlen(g.v[i]) > skip ? g.v[i] + skip : g.v[i]);
    }
    if (*st != WP_OK) snprintf(buf, sizeof buf, "error: %s", why);
    pl_paths_free(&g);
    return buf;
}

static void expect(const char *pattern, const char *want) {
    wp_status st;
    const char *got = matches(pattern, &st);
    CHECK(pattern, st == WP_OK && strcmp(got, want) == 0, "want '%s', got '%s'", want, got);
}

static void run_pipeline(void) {
    char text[1024], out[256];
    snprintf(out, sizeof out, "%s/out.txt", root);
    snprintf(text, sizeof text,
             "input:\n  file:\n    paths: [ \"%s/**/*.log\", \"%s/*\" ]\n"
             "output:\n  file: { path: \"%s\" }\n",
             root, root, out);
    wp_diags d;
    wp_diags_init(&d);
    wp_config *c = NULL;
    CHECK("pipeline: config", wp_config_load_string("g.yaml", text, strlen(text), &c, &d) == WP_OK,
          "%s", d.n ? d.items[0].msg : "");
    if (!c) return;
    wp_logger quiet = { .level = WP_LOG_OFF, .fd = 2 };
    wp_pipeline_options o = { .log = &quiet, .log_level_fixed = true };
    wp_pipeline *p = NULL;
    wp_status s = wp_pipeline_create(c, &o, &p, &d);
    char buf[600] = "";
    if (d.n) wp_diag_format(&d, 0, buf, sizeof buf);
    CHECK("pipeline: a directory matched by * is skipped", s == WP_OK, "%s", buf);
    if (p) {
        wp_error err;
        CHECK("pipeline: runs", wp_pipeline_run(p, &err) == WP_OK, "%s", err.msg);
        wp_pipeline_destroy(p);
        FILE *f = fopen(out, "r");
        char all[512] = "", line[128];
        while (f && fgets(line, sizeof line, f)) strcat(all, line);
        if (f) fclose(f);
        /* **: a, c, d, x1, x[1]; then *: a, b, x1, x[1] (out.txt is created
         * by the output after the input's files are listed). */
        CHECK("pipeline: every file read, in order",
              strcmp(all, "a\nc\nd\nx1\nx[1]\na\nb\nx1\nx[1]\n") == 0, "got '%s'", all);
    }
    wp_config_destroy(c);
    wp_diags_free(&d);
}

int main(void) {
    snprintf(root, sizeof root, "/tmp/wp_test_glob_XXXXXX");
    if (!mkdtemp(root)) {
        printf("mkdtemp failed\n");
        return 1;
    }
    mkdir_rel("sub");
    mkdir_rel("sub/deep");
    mkdir_rel(".hidden");
    mkdir_rel("dir.log");
    put_file("a.log", "a\n");
    put_file("b.txt", "b\n");
    put_file("x1.log", "x1\n");
    put_file("x[1].log", "x[1]\n");
    put_file("sub/c.log", "c\n");
    put_file("sub/deep/d.log", "d\n");
    put_file(".hidden/e.log", "e\n");
    char link[256];
    snprintf(link, sizeof link, "%s/sub/loop", root);
    CHECK("symlink", symlink("..", link) == 0, "symlink");

    expect("*.log", "a.log x1.log x[1].log");
    expect("**/*.log", "a.log sub/c.log sub/deep/d.log x1.log x[1].log");
    expect("sub/**/*.log", "sub/c.log sub/deep/d.log");
    expect("**/d.log", "sub/deep/d.log");
    expect("x[1].log", "x[1].log");                 /* the literal name, not x1.log */
    expect("x[0-9].log", "x1.log");
    expect("*", "a.log b.txt x1.log x[1].log");     /* dir.log and sub are skipped */
    expect("sub/*", "sub/c.log");                   /* and the link to .. too */
    expect("nothing*", "");
    expect(".hidden/*.log", ".hidden/e.log");       /* explicitly named: entered */
    expect("**/**/d.log", "sub/deep/d.log");        /* no duplicates */
    run_pipeline();

    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0) printf("note: could not remove %s\n", root);
    if (failures) {
        printf("test_glob: %d failed\n", failures);
        return 1;
    }
    printf("test_glob: all passed\n");
    return 0;
}
