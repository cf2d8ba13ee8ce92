/* Allocation-failure injection through the pipeline layer, the way
 * tests/processor/test_nomem.c does it for the layers below: the engine
 * gets an allocator that counts its calls and fails the Nth one (or, in
 * the second mode, every one from the Nth on), and the configuration and
 * the pipeline are made on that engine (wp_config_load_file_in,
 * wp_pipeline_options.engine), so every allocation of theirs goes through
 * it. Each phase runs for N = 1, 2, 3, ... until a run completes with no
 * failure injected; every failed run must end in a clean error (a status
 * and a message that names what ran out), and once everything is
 * destroyed no byte may be outstanding. The allocator also checks that
 * every free and realloc is told the size that was asked for.
 *
 * Phases, each for two configurations (stdin -> wasm -> file, and
 * file -> wasm -> stdout, with upper.wasm; run also for the first with two
 * worker threads):
 *   create  loading the YAML file and creating the pipeline (schema,
 *           file check, the processor's compile, the output, the input);
 *           after a failure the same step without failures must succeed.
 *   run     one message through the pipeline made beforehand: it is
 *           either written as the module makes it, or errored (counted,
 *           not lost), or the run fails with WP_ERR_NOMEM and a message.
 * Given the path of tests/pipeline/wat/upper.wasm as argument.
 */
#include <wasmpipe/pipeline.h>

#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

#include "../fail_alloc.h"

/* ---------------------------------------------------------------- files */

static char dir[64];
static const char *module_path;
static int saved_stdout = -1;

static void path_of(char *buf, size_t size, const char *name) {
    snprintf(buf, size, "%s/%s", dir, name);
}

static bool write_file(const char *name, const char *text) {
    char p[256];
    path_of(p, sizeof p, name);
    FILE *f = fopen(p, "wb");
    if (!f) return false;
    bool ok = fputs(text, f) >= 0;
    return fclose(f) == 0 && ok;
}

/* The whole file into buf (cut to size - 1 bytes); "" when missing. */
static void read_file(const char *name, char *buf, size_t size) {
    char p[256];
    path_of(p, sizeof p, name);
    buf[0] = '\0';
    FILE *f = fopen(p, "rb");
    if (!f) return;
    size_t n = fread(buf, 1, size - 1, f);
    buf[n] = '\0';
    fclose(f);
}

/* Descriptor `fd` (0 or 1) now reads or writes the file `name`, from its
 * start (a file written to is emptied first). */
static bool redirect(int fd, const char *name) {
    char p[256];
    path_of(p, sizeof p, name);
    if (fd == 1) fflush(stdout);
    int f = open(p, fd == 0 ? O_RDONLY : (O_WRONLY | O_CREAT | O_TRUNC), 0644);
    if (f < 0) return false;
    bool ok = dup2(f, fd) == fd;
    close(f);
    return ok;
}

/* ---------------------------------------------------------------- phases */

typedef struct scenario {
    const char *name;
    const char *config;    /* the YAML file in dir */
    const char *out;       /* where the output lands (stdout is redirected to it) */
    bool        uses_stdout;
    bool        run_only;  /* its creation is that of another scenario */
} scenario;

static const scenario scenarios[] = {
    { "stdin->wasm->file", "a.yaml", "out_a.txt", false, false },
    { "file->wasm->stdout", "b.yaml", "out_b.txt", true, false },
    /* A worker thread of its own beside the caller's. */
    { "stdin->wasm->file, 2 threads", "c.yaml", "out_c.txt", false, true },
};

/* What the message becomes: upper.wasm uppercases it; "#" sets metadata. */
#define INPUT_LINE "#hello, pipeline\n"
#define OUTPUT_LINE "#HELLO, PIPELINE\n"

static wp_logger quiet;

/* How the failed runs of a phase ended, for the summary line. */
static uint64_t ended_ok, ended_errored, ended_failed;

typedef struct run_state {
    wp_engine   *engine;
    wp_config   *config;
    wp_pipeline *pipeline;
    wp_diags     diags;
} run_state;

static bool make_engine(run_state *r) {
    memset(r, 0, sizeof *r);
    /* The interpreter only: a background JIT compile would allocate at
     * times the count cannot foresee. */
    wp_engine_config ec = { .alloc = test_alloc, .alloc_ud = &A, .tier = WP_TIER_INTERP };
    wp_error err;
    if (wp_engine_create(&ec, &r->engine, &err) != WP_OK) {
        printf("engine: %s\n", err.msg);
        return false;
    }
    return true;
}

static bool prepare_streams(const scenario *sc) {
    if (!redirect(0, "in.txt")) return false;
    if (sc->uses_stdout && !redirect(1, sc->out)) return false;
    if (!sc->uses_stdout && !write_file(sc->out, "")) return false;
    return true;
}

static void restore_stdout(void) {
    fflush(stdout);
    dup2(saved_stdout, 1);
}

/* Loads the configuration and creates the pipeline. */
static wp_status build(run_state *r, const scenario *sc) {
    char p[256];
    path_of(p, sizeof p, sc->config);
    wp_diags_free(&r->diags);
    wp_diags_init(&r->diags);
    wp_status s = wp_config_load_file_in(r->engine, p, &r->config, &r->diags);
    if (s != WP_OK) return s;
    wp_pipeline_options opt = { .log = &quiet, .log_level_fixed = true, .engine = r->engine };
    s = wp_pipeline_create(r->config, &opt, &r->pipeline, &r->diags);
    if (s != WP_OK) {
        wp_config_destroy(r->config);
        r->config = NULL;
    }
    return s;
}

/* Everything destroyed: no byte may be left. */
static void teardown(run_state *r, const char *what, uint64_t n) {
    wp_pipeline_destroy(r->pipeline);
    wp_config_destroy(r->config);
    wp_engine_destroy(r->engine);
    wp_diags_free(&r->diags);
    size_t left = outstanding();
    CHECK(what, left == 0, "allocation %llu: %zu bytes outstanding after destroy",
          (unsigned long long)n, left);
    pthread_mutex_lock(&A.lock);
    A.outstanding = 0;   /* one leak is reported once */
    pthread_mutex_unlock(&A.lock);
}

static bool mentions_memory(const char *s) { return strstr(s, "memory") != NULL; }

/* One creation with failure n injected; false when nothing was injected
 * (the phase is done). */
static bool create_once(const scenario *sc, uint64_t n, bool after, uint64_t *points) {
    char what[96];
    snprintf(what, sizeof what, "create %s (%s)", sc->name, after ? "from N on" : "Nth");
    run_state r;
    if (!make_engine(&r) || !prepare_streams(sc)) {
        CHECK(what, false, "setup failed");
        return false;
    }
    arm(n, after);
    wp_status s = build(&r, sc);
    uint64_t injected = disarm();
    *points = A.calls;
    if (sc->uses_stdout) restore_stdout();
    if (injected == 0) {
        CHECK(what, s == WP_OK, "allocation %llu: no failure injected but status %s",
              (unsigned long long)n, wp_status_text(s));
    } else if (s == WP_OK) {
        /* A failure that was absorbed (a lost diagnostic has its own
         * counter; the pipeline itself must be whole): it must still run. */
        wp_error err;
        memset(&err, 0, sizeof err);
        if (sc->uses_stdout) redirect(1, sc->out);
        wp_status rs = wp_pipeline_run(r.pipeline, &err);
        if (sc->uses_stdout) restore_stdout();
        char got[256];
        read_file(sc->out, got, sizeof got);
        CHECK(what, rs == WP_OK && strcmp(got, OUTPUT_LINE) == 0,
              "allocation %llu: created despite a failure, then run %s (%s), output '%s'",
              (unsigned long long)n, wp_status_text(rs), err.msg, got);
    } else {
        char msg[600] = "";
        if (r.diags.n) wp_diag_format(&r.diags, 0, msg, sizeof msg);
        CHECK(what, s == WP_ERR_NOMEM && r.diags.n >= 1 && mentions_memory(msg),
              "allocation %llu: status %s, %zu diagnostics: %s", (unsigned long long)n,
              wp_status_text(s), r.diags.n, msg);
        if (r.pipeline || r.config)
            CHECK(what, false, "allocation %llu: a failed create left objects behind",
                  (unsigned long long)n);
        /* The same step again, with nothing failing, succeeds. */
        s = build(&r, sc);
        CHECK(what, s == WP_OK, "allocation %llu: the retry failed: %s",
              (unsigned long long)n, wp_status_text(s));
    }
    teardown(&r, what, n);
    return injected > 0;
}

/* One run of a pipeline made beforehand, with failure n injected. */
static bool run_once(const scenario *sc, uint64_t n, bool after, uint64_t *points) {
    char what[96];
    snprintf(what, sizeof what, "run %s (%s)", sc->name, after ? "from N on" : "Nth");
    run_state r;
    if (!make_engine(&r) || !prepare_streams(sc) || build(&r, sc) != WP_OK) {
        CHECK(what, false, "setup failed");
        if (sc->uses_stdout) restore_stdout();
        teardown(&r, what, n);
        return false;
    }
    wp_error err;
    memset(&err, 0, sizeof err);
    arm(n, after);
    wp_status s = wp_pipeline_run(r.pipeline, &err);
    uint64_t injected = disarm();
    *points = A.calls;
    if (sc->uses_stdout) restore_stdout();
    wp_pipeline_stats st;
    wp_pipeline_stats_get(r.pipeline, &st);
    char got[256];
    read_file(sc->out, got, sizeof got);
    if (s == WP_OK) {
        /* Written as the module made it, or errored (and counted). */
        bool written = st.out == 1 && st.errored == 0 && strcmp(got, OUTPUT_LINE) == 0;
        bool errored = injected > 0 && st.out == 0 && st.errored == 1 && got[0] == '\0';
        if (injected) ended_ok += written, ended_errored += errored;
        CHECK(what, st.in == 1 && (written || errored),
              "allocation %llu (%llu injected): in %llu out %llu errored %llu, output '%s'",
              (unsigned long long)n, (unsigned long long)injected, (unsigned long long)st.in,
              (unsigned long long)st.out, (unsigned long long)st.errored, got);
    } else {
        ended_failed++;
        CHECK(what, injected > 0 && s == WP_ERR_NOMEM && err.msg[0] && mentions_memory(err.msg),
              "allocation %llu: status %s: '%s'", (unsigned long long)n, wp_status_text(s),
              err.msg);
        /* Nothing read may vanish: it is out, errored or counted dropped. */
        CHECK(what, st.in == st.out + st.errored + st.dropped,
              "allocation %llu: in %llu but out %llu errored %llu dropped %llu",
              (unsigned long long)n, (unsigned long long)st.in, (unsigned long long)st.out,
              (unsigned long long)st.errored, (unsigned long long)st.dropped);
    }
    teardown(&r, what, n);
    return injected > 0;
}

typedef bool (*phase_fn)(const scenario *sc, uint64_t n, bool after, uint64_t *points);

static void phase(const char *name, phase_fn fn, const scenario *sc) {
    for (int mode = 0; mode < 2; mode++) {
        uint64_t n = 1, points = 0;
        int before = failures;
        ended_ok = ended_errored = ended_failed = 0;
        /* A bound well above any count seen, so a runaway loop ends. */
        while (n < 100000 && fn(sc, n, mode == 1, &points) && failures - before < 20) n++;
        printf("%s %s (%s): %llu allocation points", name, sc->name,
               mode ? "from N on" : "Nth", (unsigned long long)(n - 1));
        if (fn == run_once)
            printf("; with a failure: %llu written, %llu errored, %llu runs failed",
                   (unsigned long long)ended_ok, (unsigned long long)ended_errored,
                   (unsigned long long)ended_failed);
        printf("\n");
        CHECK(name, n > 1, "%s: no allocation went through the engine", sc->name);
    }
}

int main(int argc, char **argv) {
    if (argc < 2) {
        printf("usage: test_pipeline_nomem upper.wasm\n");
        return 2;
    }
    module_path = argv[1];
    snprintf(dir, sizeof dir, "/tmp/wp_plnomem_XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    quiet.level = WP_LOG_ERROR;
    quiet.fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    saved_stdout = dup(1);
    char yaml[2048], in[256], out[256];
    path_of(in, sizeof in, "in.txt");
    path_of(out, sizeof out, "out_a.txt");
    bool ok = write_file("in.txt", INPUT_LINE);
    snprintf(yaml, sizeof yaml,
             "input:\n  stdin: {}\n"
             "pipeline:\n  threads: 1\n  processors:\n"
             "    - wasm:\n        module_path: %s\n        function: process\n"
             "output:\n  file:\n    path: %s\n    append: false\n",
             module_path, out);
    ok = ok && write_file("a.yaml", yaml);
    path_of(out, sizeof out, "out_c.txt");
    snprintf(yaml, sizeof yaml,
             "input:\n  stdin: {}\n"
             "pipeline:\n  threads: 2\n  processors:\n"
             "    - wasm:\n        module_path: %s\n        function: process\n"
             "output:\n  file:\n    path: %s\n    append: false\n",
             module_path, out);
    ok = ok && write_file("c.yaml", yaml);
    /* An environment reference, so the substitution buffers are made too. */
    setenv("WP_PLNOMEM_IN", in, 1);
    snprintf(yaml, sizeof yaml,
             "input:\n  file:\n    paths: [ \"${WP_PLNOMEM_IN}\" ]\n"
             "pipeline:\n  threads: 1\n  processors:\n"
             "    - wasm:\n        module_path: %s\n"
             "output:\n  stdout: {}\n",
             module_path);
    ok = ok && write_file("b.yaml", yaml);
    if (!ok) {
        printf("cannot write the test files in %s\n", dir);
        return 1;
    }
    for (size_t i = 0; i < sizeof scenarios / sizeof scenarios[0]; i++) {
        if (!scenarios[i].run_only) phase("create", create_once, &scenarios[i]);
        phase("run", run_once, &scenarios[i]);
    }
    CHECK("sizes", A.bad_sizes == 0, "%llu frees or reallocs were given the wrong old size",
          (unsigned long long)A.bad_sizes);
    const char *files[] = { "in.txt",    "a.yaml",    "b.yaml",   "c.yaml",
                            "out_a.txt", "out_b.txt", "out_c.txt" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char p[256];
        path_of(p, sizeof p, files[i]);
        unlink(p);
    }
    rmdir(dir);
    if (failures) printf("%d failures\n", failures);
    return failures ? 1 : 0;
}
