/* Allocation-failure injection through every layer, as SQLite's malloc
 * tests do it. The engine gets an allocator that counts its calls and
 * fails the Nth one (or, in the second mode, every one from the Nth on);
 * each phase below runs for N = 1, 2, 3, ... until a run completes with no
 * failure injected. Every failed run must end in a clean error (the status
 * and message the phase documents), must leave the objects it touched
 * usable (the same step run again without failures succeeds), and, once
 * everything is destroyed, must leave no byte outstanding. The allocator
 * also checks that each free and realloc is told the size that was asked
 * for, since the Lua-shaped allocator interface relies on it.
 *
 * Phases: the message API; a module compile; an instance with WASI imports (wasi, imports,
 * define, instantiate); WASI calls that allocate on the host; a processor's
 * creation; one message through the processor; and the last two again with
 * the C example examples/metadata.c (wasi-libc's malloc and start-up) when
 * the build made it.
 */
#include "common.h"

#include <wasmpipe/wasi.h>

#include <pthread.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../fail_alloc.h"

/* ---------------------------------------------------------------- phases */

/* What a phase works on. setup and teardown run unarmed; step runs armed
 * and must undo its own partial work when it fails. */
typedef struct run {
    wp_engine    *engine;
    uint8_t      *bytes;      /* the module file (libc) */
    size_t        len;
    wp_module    *module;
    wp_wasi      *wasi;
    wp_imports   *imports;
    wp_instance  *instance;
    wp_processor *proc;
    wp_message   *msg;
    const char   *dir;        /* the preopened directory */
    const char   *module_file;
    int           guest_errno;
} run;

typedef struct phase {
    const char *name;
    const char *module;       /* in MODULE_DIR, or EXAMPLES_DIR for a C example */
    bool        example;      /* skipped when the build made no C examples */
    bool (*setup)(run *r);
    wp_status (*step)(run *r, wp_error *err);
    /* Whether a failed step's outcome is a clean error. */
    bool (*clean)(run *r, wp_status st, const wp_error *err);
    void (*undo)(run *r);     /* destroys what a successful step made */
} phase;

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    uint8_t *buf = NULL;
    if (fseek(f, 0, SEEK_END) == 0) {
        long n = ftell(f);
        if (n > 0 && fseek(f, 0, SEEK_SET) == 0) {
            buf = malloc((size_t)n);
            if (buf != NULL && fread(buf, 1, (size_t)n, f) != (size_t)n) {
                free(buf);
                buf = NULL;
            }
            *len = (size_t)n;
        }
    }
    fclose(f);
    return buf;
}

static bool nomem_with_message(run *r, wp_status st, const wp_error *err)
{
    (void)r;
    return st == WP_ERR_NOMEM && err->msg[0] != '\0';
}

/* compile */
static bool setup_none(run *r)
{
    (void)r;
    return true;
}

static wp_status step_compile(run *r, wp_error *err)
{
    return wp_module_compile(r->engine, r->bytes, r->len, &r->module, err);
}

static void undo_module(run *r)
{
    wp_module_destroy(r->module);
    r->module = NULL;
}

/* instance with WASI imports */
static bool setup_module(run *r)
{
    wp_error err;
    if (wp_module_compile(r->engine, r->bytes, r->len, &r->module, &err) != WP_OK) {
        fprintf(stderr, "compile: %s\n", err.msg);
        return false;
    }
    return true;
}

static void undo_instance(run *r)
{
    wp_instance_destroy(r->instance);
    wp_imports_destroy(r->imports);
    wp_wasi_destroy(r->wasi);
    r->instance = NULL;
    r->imports = NULL;
    r->wasi = NULL;
}

static wp_status step_instance(run *r, wp_error *err)
{
    static const char *const argv[] = { "guest", "one", "two" };
    static const char *const env[] = { "A=1", "B=two" };
    wp_wasi_dir dir = { .host_path = r->dir, .guest_path = "/data" };
    wp_wasi_config cfg = { .argv = argv, .argc = 3, .env = env, .nenv = 2,
                           .dirs = &dir, .ndirs = 1 };
    wp_status st = wp_wasi_create(r->engine, &cfg, &r->wasi, err);
    if (st == WP_OK)
        st = wp_imports_create(r->engine, &r->imports, err);
    if (st == WP_OK)
        st = wp_wasi_define(r->wasi, r->imports, err);
    if (st == WP_OK)
        st = wp_instance_create(r->module, r->imports, NULL, &r->instance, err);
    if (st != WP_OK)
        undo_instance(r);
    return st;
}

static void teardown(run *r)
{
    wp_message_destroy(r->msg);
    wp_processor_destroy(r->proc);
    undo_instance(r);
    undo_module(r);
    r->msg = NULL;
    r->proc = NULL;
}

/* WASI calls: the guest's errno is the result; ENOMEM (48) is the clean
 * error, and so is a failed call of the engine's own (WP_ERR_NOMEM). */
static bool setup_instance(run *r)
{
    wp_error err;
    if (!setup_module(r))
        return false;
    if (step_instance(r, &err) != WP_OK) {
        fprintf(stderr, "instance: %s\n", err.msg);
        return false;
    }
    return true;
}

static wp_status step_wasi_calls(run *r, wp_error *err)
{
    wp_extern ext;
    wp_status st = wp_instance_export(r->instance, "run", &ext, err);
    if (st != WP_OK)
        return st;
    wp_value res;
    st = wp_func_call(ext.of.func, NULL, 0, &res, 1, err);
    if (st != WP_OK)
        return st;
    r->guest_errno = res.of.i32;
    if (res.of.i32 == 0)
        return WP_OK;
    snprintf(err->msg, sizeof err->msg, "guest: errno %d", res.of.i32);
    return err->code = WP_ERR_IO;
}

static bool clean_wasi_calls(run *r, wp_status st, const wp_error *err)
{
    if (st == WP_ERR_IO)
        return r->guest_errno == 48;
    return nomem_with_message(r, st, err);
}

static void undo_nothing(run *r)
{
    (void)r;
}

/* processor creation; the log takes the guest's output (and drops it). */
static void ignore_log(void *user, wp_log_level level, const char *event, const char *msg)
{
    (void)user;
    (void)level;
    (void)event;
    (void)msg;
}

/* processor creation */
static wp_status step_processor(run *r, wp_error *err)
{
    wp_processor_config cfg = { .module_path = r->module_file, .function = "process",
                                .log = ignore_log, .tier = WP_TIER_INTERP };
    return wp_processor_create(r->engine, &cfg, &r->proc, err);
}

static void undo_processor(run *r)
{
    wp_processor_destroy(r->proc);
    r->proc = NULL;
}

/* one message */
static bool setup_processor(run *r)
{
    wp_error err;
    if (step_processor(r, &err) != WP_OK) {
        fprintf(stderr, "processor: %s\n", err.msg);
        return false;
    }
    return true;
}

/* A message that cannot be made is WP_ERR_NOMEM; one whose processing
 * failed is errored and keeps its bytes and metadata. */
static wp_status step_message(run *r, wp_error *err)
{
    r->msg = wp_message_create_in(r->engine, (const uint8_t *)"hello", 5);
    if (r->msg == NULL) {
        snprintf(err->msg, sizeof err->msg, "wp_message_create_in: NULL");
        return err->code = WP_ERR_NOMEM;
    }
    wp_status st = wp_message_meta_set(r->msg, "k", 1, (const uint8_t *)"world", 5);
    if (st != WP_OK) {
        snprintf(err->msg, sizeof err->msg, "wp_message_meta_set: %s", wp_status_text(st));
        return err->code = st;
    }
    st = wp_processor_process(r->proc, &r->msg, 1, err);
    if (st != WP_OK)
        return st;
    const char *e = wp_message_error(r->msg);
    if (e != NULL) {
        snprintf(err->msg, sizeof err->msg, "message: %s", e);
        return err->code = WP_ERR_TRAP;
    }
    size_t n, vn;
    const uint8_t *b = wp_message_bytes(r->msg, &n);
    const uint8_t *v = wp_message_meta_get(r->msg, "seen", 4, &vn);
    if (n != 5 || memcmp(b, "world", 5) != 0 || v == NULL || vn != 5 ||
        memcmp(v, "hello", 5) != 0) {
        snprintf(err->msg, sizeof err->msg, "message: wrong content");
        return err->code = WP_ERR_INTERNAL;
    }
    return WP_OK;
}

static bool clean_message(run *r, wp_status st, const wp_error *err)
{
    if (st == WP_ERR_NOMEM)
        return err->msg[0] != '\0';
    if (st != WP_ERR_TRAP || r->msg == NULL)
        return false;
    /* Errored: the original bytes and metadata are kept. */
    size_t n, vn;
    const uint8_t *b = wp_message_bytes(r->msg, &n);
    const uint8_t *v = wp_message_meta_get(r->msg, "k", 1, &vn);
    return n == 5 && memcmp(b, "hello", 5) == 0 && v != NULL && vn == 5 &&
           wp_message_meta_get(r->msg, "seen", 4, &vn) == NULL;
}

/* examples/metadata.c: "world" with greeting = "hi" becomes "hi, world"
 * with length = "5"; through wasi-libc's malloc and its start-up code. */
static wp_status step_message_c(run *r, wp_error *err)
{
    r->msg = wp_message_create_in(r->engine, (const uint8_t *)"world", 5);
    if (r->msg == NULL) {
        snprintf(err->msg, sizeof err->msg, "wp_message_create_in: NULL");
        return err->code = WP_ERR_NOMEM;
    }
    wp_status st = wp_message_meta_set(r->msg, "greeting", 8, (const uint8_t *)"hi", 2);
    if (st != WP_OK) {
        snprintf(err->msg, sizeof err->msg, "wp_message_meta_set: %s", wp_status_text(st));
        return err->code = st;
    }
    st = wp_processor_process(r->proc, &r->msg, 1, err);
    if (st != WP_OK)
        return st;
    const char *e = wp_message_error(r->msg);
    if (e != NULL) {
        snprintf(err->msg, sizeof err->msg, "message: %s", e);
        return err->code = WP_ERR_TRAP;
    }
    size_t n, vn;
    const uint8_t *b = wp_message_bytes(r->msg, &n);
    const uint8_t *v = wp_message_meta_get(r->msg, "length", 6, &vn);
    if (n != 9 || memcmp(b, "hi, world", 9) != 0 || v == NULL || vn != 1 || v[0] != '5') {
        snprintf(err->msg, sizeof err->msg, "message: wrong content");
        return err->code = WP_ERR_INTERNAL;
    }
    return WP_OK;
}

static bool clean_message_c(run *r, wp_status st, const wp_error *err)
{
    if (st == WP_ERR_NOMEM)
        return err->msg[0] != '\0';
    if (st != WP_ERR_TRAP || r->msg == NULL)
        return false;
    size_t n, vn;
    const uint8_t *b = wp_message_bytes(r->msg, &n);
    return n == 5 && memcmp(b, "world", 5) == 0 &&
           wp_message_meta_get(r->msg, "length", 6, &vn) == NULL;
}

static void undo_message(run *r)
{
    wp_message_destroy(r->msg);
    r->msg = NULL;
}

/* The message API on its own: enough keys for the hash index, a delete,
 * a copy with an error text, and bytes that outgrow their buffer. Any
 * failure is WP_ERR_NOMEM (wp_message_copy: NULL); an error text that
 * could not be kept still reads as an error. */
static wp_status step_message_api(run *r, wp_error *err)
{
    wp_status st = WP_ERR_NOMEM;
    wp_message *copy = NULL;
    r->msg = wp_message_create_in(r->engine, (const uint8_t *)"abc", 3);
    if (r->msg == NULL)
        goto out;
    for (int i = 0; i < 24; i++) {
        char key[16];
        int n = snprintf(key, sizeof key, "key%d", i);
        if ((st = wp_message_meta_set(r->msg, key, (size_t)n, (const uint8_t *)key,
                                      (size_t)n)) != WP_OK)
            goto out;
    }
    st = WP_ERR_NOMEM;
    if ((st = wp_message_meta_set(r->msg, "key3", 4, (const uint8_t *)"a longer value", 14)) !=
        WP_OK)
        goto out;
    if ((st = wp_message_meta_delete(r->msg, "key7", 4)) != WP_OK)
        goto out;
    wp_message_set_error(r->msg, "failed at %d", 7);
    if (wp_message_error(r->msg) == NULL) {
        st = WP_ERR_INTERNAL;
        goto out;
    }
    copy = wp_message_copy(r->msg);
    st = WP_ERR_NOMEM;
    if (copy == NULL)
        goto out;
    size_t n;
    const uint8_t *v = wp_message_meta_get(copy, "key3", 4, &n);
    if (v == NULL || n != 14 || wp_message_meta_get(copy, "key7", 4, &n) != NULL ||
        wp_message_meta_count(copy) != 23 || wp_message_error(copy) == NULL) {
        st = WP_ERR_INTERNAL;
        goto out;
    }
    static const uint8_t big[300] = { 1 };
    if ((st = wp_message_set_bytes(copy, big, sizeof big)) != WP_OK)
        goto out;
    wp_message_clear_error(copy);
    st = wp_message_error(copy) == NULL ? WP_OK : WP_ERR_INTERNAL;
out:
    if (st != WP_OK)
        snprintf(err->msg, sizeof err->msg, "message API: %s", wp_status_text(st));
    err->code = st;
    wp_message_destroy(copy);
    wp_message_destroy(r->msg);
    r->msg = NULL;
    return st;
}

static const phase phases[] = {
    { "message API", "nomem_msg", false, setup_none, step_message_api, nomem_with_message,
      undo_message },
    { "compile", "nomem_msg", false, setup_none, step_compile, nomem_with_message, undo_module },
    { "instance with WASI", "nomem_wasi", false, setup_module, step_instance, nomem_with_message,
      undo_instance },
    { "WASI calls", "nomem_wasi", false, setup_instance, step_wasi_calls, clean_wasi_calls,
      undo_nothing },
    { "processor create", "nomem_msg", false, setup_none, step_processor, nomem_with_message,
      undo_processor },
    { "one message", "nomem_msg", false, setup_processor, step_message, clean_message,
      undo_message },
    { "processor create (C)", "metadata", true, setup_none, step_processor, nomem_with_message,
      undo_processor },
    { "one message (C)", "metadata", true, setup_processor, step_message_c, clean_message_c,
      undo_message },
};

/* ---------------------------------------------------------------- the loop */

/* One run with allocation n failing (or all from n on). Returns whether a
 * failure was injected; false means the step ran to completion. */
static bool one_run(const phase *ph, run *base, uint64_t n, bool after)
{
    run r = *base;
    /* The interpreter: auto's background compile would allocate through
     * the same allocator on its own thread, so the allocation numbers would
     * depend on timing. */
    wp_engine_config ecfg = { .alloc = test_alloc, .alloc_ud = &A, .tier = WP_TIER_INTERP };
    wp_error err;
    if (wp_engine_create(&ecfg, &r.engine, &err) != WP_OK) {
        CHECK(false, "%s: engine: %s", ph->name, err.msg);
        return false;
    }
    bool injected = false;
    if (!ph->setup(&r)) {
        CHECK(false, "%s: setup failed without injected failures", ph->name);
    } else {
        memset(&err, 0, sizeof err);
        arm(n, after);
        wp_status st = ph->step(&r, &err);
        injected = disarm() > 0;
        if (!injected) {
            CHECK(st == WP_OK, "%s: allocation %llu%s: no failure injected, yet %s: %s", ph->name,
                  (unsigned long long)n, after ? " on" : "", wp_status_text(st), err.msg);
        } else {
            if (getenv("WP_NOMEM_VERBOSE") != NULL)
                printf("%s: allocation %llu%s: %s: %s\n", ph->name, (unsigned long long)n,
                       after ? " on" : "", wp_status_text(st), err.msg);
            /* WP_OK: the code had a way around the failure. */
            CHECK(st == WP_OK || ph->clean(&r, st, &err),
                  "%s: allocation %llu%s failed: not a clean error: %s: '%s'", ph->name,
                  (unsigned long long)n, after ? " on" : "", wp_status_text(st), err.msg);
            /* What the failed step touched must still work. */
            ph->undo(&r);
            st = ph->step(&r, &err);
            CHECK(st == WP_OK, "%s: after allocation %llu%s failed, the same step again: %s: %s",
                  ph->name, (unsigned long long)n, after ? " on" : "", wp_status_text(st),
                  err.msg);
        }
    }
    teardown(&r);
    wp_engine_destroy(r.engine);
    pthread_mutex_lock(&A.lock);
    size_t left = A.outstanding;
    A.outstanding = 0;
    pthread_mutex_unlock(&A.lock);
    CHECK(left == 0, "%s: allocation %llu%s: %zu bytes outstanding after destroy", ph->name,
          (unsigned long long)n, after ? " on" : "", left);
    return injected;
}

/* Runs a phase for n = 1, 2, ... and returns its allocation count. */
static uint64_t inject_phase(const phase *ph, run *base, bool after)
{
    int before = T.failures;
    uint64_t n = 1;
    while (one_run(ph, base, n, after)) {
        if (T.failures - before > 20) {
            fprintf(stderr, "%s: stopping after 20 failed checks\n", ph->name);
            break;
        }
        n++;
    }
    return n - 1;
}

static bool make_fixture(char *dir)
{
    char path[600];
    if (mkdtemp(dir) == NULL)
        return false;
    snprintf(path, sizeof path, "%s/sub", dir);
    if (mkdir(path, 0755) != 0)
        return false;
    snprintf(path, sizeof path, "%s/sub/file.txt", dir);
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return false;
    fputs("x\n", f);
    fclose(f);
    snprintf(path, sizeof path, "%s/link", dir);
    return symlink("sub", path) == 0;
}

static void remove_fixture(const char *dir)
{
    char path[600];
    snprintf(path, sizeof path, "%s/link", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/sub/file.txt", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/sub", dir);
    rmdir(path);
    rmdir(dir);
}

int main(int argc, char **argv)
{
    test_init(argc, argv);
    char dir[] = "/tmp/wp-nomem-XXXXXX";
    if (!make_fixture(dir)) {
        fprintf(stderr, "cannot make the directory fixture in /tmp\n");
        return 1;
    }
    for (size_t i = 0; i < sizeof phases / sizeof phases[0]; i++) {
        const phase *ph = &phases[i];
        run base = { .dir = dir };
        char file[4096];
        if (ph->example)
            snprintf(file, sizeof file, "%s/%s.wasm", T.examples, ph->module);
        else
            snprintf(file, sizeof file, "%s", module_path(ph->module));
        base.module_file = file;
        base.bytes = read_file(file, &base.len);
        if (base.bytes == NULL && ph->example && !T.need_c) {
            printf("%-20s skipped: the build made no C examples\n", ph->name);
            continue;
        }
        if (base.bytes == NULL) {
            CHECK(false, "%s: cannot read %s", ph->name, file);
            continue;
        }
        uint64_t one = inject_phase(ph, &base, false);
        uint64_t on = inject_phase(ph, &base, true);
        printf("%-20s %4llu allocation points (failing one: %llu runs; failing all from N on: "
               "%llu runs)\n", ph->name, (unsigned long long)one, (unsigned long long)one + 1,
               (unsigned long long)on + 1);
        CHECK(one > 0, "%s: no allocation went through the engine's allocator", ph->name);
        CHECK(one == on, "%s: %llu points failing one, %llu failing all from N on", ph->name,
              (unsigned long long)one, (unsigned long long)on);
        free(base.bytes);
    }
    remove_fixture(dir);
    CHECK(A.bad_sizes == 0, "%llu frees or reallocs were given the wrong old size",
          (unsigned long long)A.bad_sizes);
    return test_done("test_nomem");
}
