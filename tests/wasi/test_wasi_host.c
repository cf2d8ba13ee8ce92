/* Unit tests of the WASI host module through the public API only. A module
 * is generated here that imports every WASI function (under both module
 * names) and exports, for each, a trampoline "p1.NAME" / "p0.NAME" that
 * passes its parameters straight to the import; the tests call the
 * trampolines with pointers into the module's memory and check errno
 * values, memory contents and the host file system. The import list below
 * is transcribed from the witx independently of src/wasi/define.c, so a
 * wrong signature there fails linking here.
 */
#include <wasmpipe/runtime.h>
#include <wasmpipe/wasi.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- checks */

static int failures;
static const char *current;

#define CHECK_EQ(what, want, got) check_eq(__LINE__, what, (long long)(want), (long long)(got))

static void check_eq(int line, const char *what, long long want, long long got) {
    if (want == got) return;
    failures++;
    fprintf(stderr, "FAIL %s (line %d): %s: expected %lld, found %lld\n", current, line, what,
            want, got);
}

static void check_true(int line, const char *what, int ok) {
    if (ok) return;
    failures++;
    fprintf(stderr, "FAIL %s (line %d): %s\n", current, line, what);
}
#define CHECK(what, cond) check_true(__LINE__, what, (cond) != 0)

/* ---------------------------------------------------------------- the module */

typedef struct import_def {
    const char *name;
    const char *params;   /* i = i32, I = i64 */
    int         nresults; /* 0 or 1 (an i32 errno) */
    int         p0;       /* also in wasi_unstable */
} import_def;

static const import_def wasi_imports[] = {
    { "args_get", "ii", 1, 1 },
    { "args_sizes_get", "ii", 1, 1 },
    { "environ_get", "ii", 1, 1 },
    { "environ_sizes_get", "ii", 1, 1 },
    { "clock_res_get", "ii", 1, 1 },
    { "clock_time_get", "iIi", 1, 1 },
    { "fd_advise", "iIIi", 1, 1 },
    { "fd_allocate", "iII", 1, 1 },
    { "fd_close", "i", 1, 1 },
    { "fd_datasync", "i", 1, 1 },
    { "fd_fdstat_get", "ii", 1, 1 },
    { "fd_fdstat_set_flags", "ii", 1, 1 },
    { "fd_fdstat_set_rights", "iII", 1, 1 },
    { "fd_filestat_get", "ii", 1, 1 },
    { "fd_filestat_set_size", "iI", 1, 1 },
    { "fd_filestat_set_times", "iIIi", 1, 1 },
    { "fd_pread", "iiiIi", 1, 1 },
    { "fd_prestat_get", "ii", 1, 1 },
    { "fd_prestat_dir_name", "iii", 1, 1 },
    { "fd_pwrite", "iiiIi", 1, 1 },
    { "fd_read", "iiii", 1, 1 },
    { "fd_readdir", "iiiIi", 1, 1 },
    { "fd_renumber", "ii", 1, 1 },
    { "fd_seek", "iIii", 1, 1 },
    { "fd_sync", "i", 1, 1 },
    { "fd_tell", "ii", 1, 1 },
    { "fd_write", "iiii", 1, 1 },
    { "path_create_directory", "iii", 1, 1 },
    { "path_filestat_get", "iiiii", 1, 1 },
    { "path_filestat_set_times", "iiiiIIi", 1, 1 },
    { "path_link", "iiiiiii", 1, 1 },
    { "path_open", "iiiiiIIii", 1, 1 },
    { "path_readlink", "iiiiii", 1, 1 },
    { "path_remove_directory", "iii", 1, 1 },
    { "path_rename", "iiiiii", 1, 1 },
    { "path_symlink", "iiiii", 1, 1 },
    { "path_unlink_file", "iii", 1, 1 },
    { "poll_oneoff", "iiii", 1, 1 },
    { "proc_exit", "i", 0, 1 },
    { "proc_raise", "i", 1, 1 },
    { "sched_yield", "", 1, 1 },
    { "random_get", "ii", 1, 1 },
    { "sock_accept", "iii", 1, 0 },
    { "sock_recv", "iiiiii", 1, 1 },
    { "sock_send", "iiiii", 1, 1 },
    { "sock_shutdown", "ii", 1, 1 },
};
#define NIMPORTS (sizeof wasi_imports / sizeof wasi_imports[0])

typedef struct buf {
    uint8_t *p;
    size_t   n, cap;
} buf;

static void put(buf *b, const void *data, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = realloc(b->p, b->cap);
        if (!b->p) abort();
    }
    memcpy(b->p + b->n, data, n);
    b->n += n;
}
static void byte(buf *b, uint8_t v) {
    put(b, &v, 1);
}
static void uleb(buf *b, uint32_t v) {
    do {
        uint8_t c = v & 0x7f;
        v >>= 7;
        byte(b, (uint8_t)(c | (v ? 0x80 : 0)));
    } while (v);
}
static void name(buf *b, const char *s) {
    uleb(b, (uint32_t)strlen(s));
    put(b, s, strlen(s));
}
static void section(buf *out, uint8_t id, buf *body) {
    byte(out, id);
    uleb(out, (uint32_t)body->n);
    put(out, body->p, body->n);
    free(body->p);
    memset(body, 0, sizeof *body);
}

/* One entry per (module name, import): what the generated module holds. */
typedef struct entry {
    const import_def *def;
    int               p0;
} entry;

static size_t entries(entry *out) {
    size_t n = 0;
    for (size_t i = 0; i < NIMPORTS; i++) out[n++] = (entry){ &wasi_imports[i], 0 };
    for (size_t i = 0; i < NIMPORTS; i++)
        if (wasi_imports[i].p0) out[n++] = (entry){ &wasi_imports[i], 1 };
    return n;
}

static buf build_module(void) {
    entry es[2 * NIMPORTS];
    size_t n = entries(es);
    buf m = { 0 }, s = { 0 };
    put(&m, "\0asm\1\0\0\0", 8);
    /* types: one per entry */
    uleb(&s, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        const char *p = es[i].def->params;
        byte(&s, 0x60);
        uleb(&s, (uint32_t)strlen(p));
        for (; *p; p++) byte(&s, *p == 'I' ? 0x7e : 0x7f);
        uleb(&s, (uint32_t)es[i].def->nresults);
        if (es[i].def->nresults) byte(&s, 0x7f);
    }
    section(&m, 1, &s);
    uleb(&s, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        name(&s, es[i].p0 ? "wasi_unstable" : "wasi_snapshot_preview1");
        name(&s, es[i].def->name);
        byte(&s, 0x00);
        uleb(&s, (uint32_t)i);
    }
    section(&m, 2, &s);
    uleb(&s, (uint32_t)n);
    for (size_t i = 0; i < n; i++) uleb(&s, (uint32_t)i);
    section(&m, 3, &s);
    uleb(&s, 1); /* one memory of 1 page */
    byte(&s, 0x00);
    uleb(&s, 1);
    section(&m, 5, &s);
    uleb(&s, (uint32_t)n + 1);
    name(&s, "memory");
    byte(&s, 0x02);
    uleb(&s, 0);
    for (size_t i = 0; i < n; i++) {
        char nm[64];
        snprintf(nm, sizeof nm, "%s.%s", es[i].p0 ? "p0" : "p1", es[i].def->name);
        name(&s, nm);
        byte(&s, 0x00);
        uleb(&s, (uint32_t)(n + i));
    }
    section(&m, 7, &s);
    uleb(&s, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        buf body = { 0 };
        uleb(&body, 0); /* no locals */
        uint32_t np = (uint32_t)strlen(es[i].def->params);
        for (uint32_t k = 0; k < np; k++) {
            byte(&body, 0x20);
            uleb(&body, k);
        }
        byte(&body, 0x10);
        uleb(&body, (uint32_t)i);
        byte(&body, 0x0b);
        uleb(&s, (uint32_t)body.n);
        put(&s, body.p, body.n);
        free(body.p);
    }
    section(&m, 10, &s);
    return m;
}

/* ---------------------------------------------------------------- the fixture */

typedef struct fixture {
    wp_engine   *engine;
    wp_module   *module;
    wp_wasi     *wasi;
    wp_imports  *imports;
    wp_instance *inst;
    buf          out;     /* what the guest wrote to stdout */
    char         dir[256];
} fixture;

static int capture(void *user, const uint8_t *data, size_t len) {
    put((buf *)user, data, len);
    return 0;
}

static wp_status setup(fixture *f, wp_wasi_config *cfg) {
    wp_error err;
    memset(&f->out, 0, sizeof f->out);
    buf m = build_module();
    wp_status st = wp_engine_create(NULL, &f->engine, &err);
    if (st == WP_OK) st = wp_module_compile(f->engine, m.p, m.n, &f->module, &err);
    free(m.p);
    if (cfg) {
        cfg->stdio[1].kind = WP_WASI_STDIO_CALLBACK;
        cfg->stdio[1].write = capture;
        cfg->stdio[1].user = &f->out;
    }
    if (st == WP_OK) st = wp_wasi_create(f->engine, cfg, &f->wasi, &err);
    if (st == WP_OK) st = wp_imports_create(f->engine, &f->imports, &err);
    if (st == WP_OK) st = wp_wasi_define(f->wasi, f->imports, &err);
    if (st == WP_OK) st = wp_instance_create(f->module, f->imports, NULL, &f->inst, &err);
    if (st != WP_OK) fprintf(stderr, "FAIL %s: setup: %s: %s\n", current, wp_status_text(st), err.msg);
    return st;
}

static void teardown(fixture *f) {
    wp_instance_destroy(f->inst);
    wp_imports_destroy(f->imports);
    wp_wasi_destroy(f->wasi);
    wp_module_destroy(f->module);
    wp_engine_destroy(f->engine);
    free(f->out.p);
    memset(f, 0, sizeof *f);
}

static uint8_t *mem(fixture *f, size_t *len) {
    size_t n = 0;
    uint8_t *p = wp_memory_data(wp_instance_memory(f->inst), &n);
    if (len) *len = n;
    return p;
}

/* Calls trampoline "p1.NAME" (or "p0.NAME" with a leading '0' in version)
 * with integer arguments; returns the errno, or -1 - status when the call
 * did not return normally (err gets the detail). */
static long long callv(fixture *f, int p0, const char *fn, wp_error *errp, va_list ap) {
    char nm[64];
    wp_extern ext;
    wp_error err;
    snprintf(nm, sizeof nm, "%s.%s", p0 ? "p0" : "p1", fn);
    if (wp_instance_export(f->inst, nm, &ext, &err) != WP_OK) {
        fprintf(stderr, "FAIL %s: no export %s\n", current, nm);
        failures++;
        return -1000;
    }
    wp_functype t = wp_func_type(ext.of.func);
    wp_value args[16], res[1];
    for (uint32_t i = 0; i < t.nparams && i < 16; i++) {
        args[i].type = t.params[i];
        if (t.params[i] == WP_I64) args[i].of.i64 = va_arg(ap, int64_t);
        else args[i].of.i32 = (int32_t)va_arg(ap, uint32_t);
    }
    wp_status st = wp_func_call(ext.of.func, args, t.nparams, res, t.nresults, &err);
    if (errp) *errp = err;
    if (st != WP_OK) return -1 - (long long)st;
    return t.nresults ? (long long)(uint32_t)res[0].of.i32 : 0;
}

/* i64 parameters must be passed as int64_t, i32 ones as uint32_t. */
static long long call(fixture *f, const char *fn, ...) {
    va_list ap;
    va_start(ap, fn);
    long long r = callv(f, 0, fn, NULL, ap);
    va_end(ap);
    return r;
}
static long long call0(fixture *f, const char *fn, ...) {
    va_list ap;
    va_start(ap, fn);
    long long r = callv(f, 1, fn, NULL, ap);
    va_end(ap);
    return r;
}

static uint32_t ld32(fixture *f, uint32_t at) {
    uint8_t *p = mem(f, NULL) + at;
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t ld64(fixture *f, uint32_t at) {
    return ld32(f, at) | (uint64_t)ld32(f, at + 4) << 32;
}
static void st32(fixture *f, uint32_t at, uint32_t v) {
    uint8_t *p = mem(f, NULL) + at;
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static void st64(fixture *f, uint32_t at, uint64_t v) {
    st32(f, at, (uint32_t)v);
    st32(f, at + 4, (uint32_t)(v >> 32));
}
/* Puts a string at `at` and returns its length. */
static uint32_t str(fixture *f, uint32_t at, const char *s) {
    memcpy(mem(f, NULL) + at, s, strlen(s));
    return (uint32_t)strlen(s);
}

/* Memory map of the tests: 0x100 path, 0x200 second path, 0x300 iovecs,
 * 0x400 results, 0x1000 data buffers. */
enum { PATH = 0x100, PATH2 = 0x200, IOV = 0x300, RES = 0x400, DATA = 0x1000 };

#define E_BADF 8
#define E_EXIST 20
#define E_FAULT 21
#define E_INVAL 28
#define E_ISDIR 31
#define E_LOOP 32
#define E_NOENT 44
#define E_NOTDIR 54
#define E_NOTEMPTY 55
#define E_NOTCAPABLE 76

#define RIGHTS_ALL ((int64_t)0x1fffffff)
#define RIGHTS_READ ((int64_t)(RIGHTS_ALL & ~(1 << 6)))  /* all but fd_write */

static void make_tempdir(fixture *f) {
    const char *tmp = getenv("TMPDIR");
    snprintf(f->dir, sizeof f->dir, "%s/wasi-test-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (!mkdtemp(f->dir)) {
        perror("mkdtemp");
        exit(1);
    }
}

static void remove_tree(const char *path) {
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", path);
    if (system(cmd) != 0) fprintf(stderr, "warning: could not remove %s\n", path);
}

/* ---------------------------------------------------------------- tests */

static void test_args_env(void) {
    current = "args and environment";
    fixture f = { 0 };
    const char *argv[] = { "prog", "a", "bc" };
    const char *env[] = { "K=V", "EMPTY=" };
    wp_wasi_config cfg = { .argv = argv, .argc = 3, .env = env, .nenv = 2 };
    if (setup(&f, &cfg) != WP_OK) return teardown(&f);
    CHECK_EQ("args_sizes_get", 0, call(&f, "args_sizes_get", RES, RES + 4));
    CHECK_EQ("argc", 3, ld32(&f, RES));
    CHECK_EQ("argv size", 10, ld32(&f, RES + 4));
    CHECK_EQ("args_get", 0, call(&f, "args_get", RES, DATA));
    CHECK_EQ("argv[1] pointer", DATA + 5, ld32(&f, RES + 4));
    CHECK("argv strings", memcmp(mem(&f, NULL) + DATA, "prog\0a\0bc\0", 10) == 0);
    CHECK_EQ("environ_sizes_get", 0, call(&f, "environ_sizes_get", RES, RES + 4));
    CHECK_EQ("envc", 2, ld32(&f, RES));
    CHECK_EQ("env size", 11, ld32(&f, RES + 4));
    CHECK_EQ("environ_get", 0, call(&f, "environ_get", RES, DATA));
    CHECK("env strings", memcmp(mem(&f, NULL) + DATA, "K=V\0EMPTY=\0", 11) == 0);
    CHECK_EQ("snapshot 0 args_sizes_get", 0, call0(&f, "args_sizes_get", RES, RES + 4));
    size_t len;
    mem(&f, &len);
    CHECK_EQ("args_get past the end", E_FAULT, call(&f, "args_get", (uint32_t)len - 4, DATA));
    CHECK_EQ("argv buffer past the end", E_FAULT, call(&f, "args_get", RES, (uint32_t)len - 4));
    CHECK_EQ("sizes at the last byte", E_FAULT, call(&f, "args_sizes_get", (uint32_t)len - 1, RES));
    CHECK_EQ("sizes at 2^32 - 4", E_FAULT, call(&f, "environ_sizes_get", 0xfffffffcu, RES));
    teardown(&f);

    current = "empty args and environment";
    wp_wasi_config none = { 0 };
    if (setup(&f, &none) != WP_OK) return teardown(&f);
    CHECK_EQ("args_sizes_get", 0, call(&f, "args_sizes_get", RES, RES + 4));
    CHECK_EQ("argc", 0, ld32(&f, RES));
    CHECK_EQ("args_get", 0, call(&f, "args_get", RES, DATA));
    CHECK_EQ("environ_sizes_get", 0, call(&f, "environ_sizes_get", RES, RES + 4));
    CHECK_EQ("environ_get", 0, call(&f, "environ_get", RES, DATA));
    CHECK_EQ("environ_get, unstable", 0, call0(&f, "environ_get", RES, DATA));
    teardown(&f);
}

static void test_stdio(void) {
    current = "standard streams";
    fixture f = { 0 };
    wp_wasi_config cfg = { 0 };
    if (setup(&f, &cfg) != WP_OK) return teardown(&f);
    str(&f, DATA, "hello, ");
    str(&f, DATA + 100, "world\n");
    st32(&f, IOV, DATA);
    st32(&f, IOV + 4, 7);
    st32(&f, IOV + 8, DATA + 100);
    st32(&f, IOV + 12, 6);
    CHECK_EQ("fd_write stdout", 0, call(&f, "fd_write", 1, IOV, 2, RES));
    CHECK_EQ("nwritten", 13, ld32(&f, RES));
    CHECK("callback got the bytes", f.out.n == 13 && memcmp(f.out.p, "hello, world\n", 13) == 0);
    CHECK_EQ("fd_write stderr (null)", 0, call(&f, "fd_write", 2, IOV, 2, RES));
    CHECK_EQ("nwritten to null", 13, ld32(&f, RES));
    CHECK_EQ("fd_read stdin (null)", 0, call(&f, "fd_read", 0, IOV, 2, RES));
    CHECK_EQ("end of file", 0, ld32(&f, RES));
    CHECK_EQ("fd_write stdin", E_BADF, call(&f, "fd_write", 0, IOV, 2, RES));
    CHECK_EQ("fd_read stdout", E_BADF, call(&f, "fd_read", 1, IOV, 2, RES));
    CHECK_EQ("fd_write fd 7", E_BADF, call(&f, "fd_write", 7, IOV, 2, RES));
    CHECK_EQ("fd_fdstat_get stdout", 0, call(&f, "fd_fdstat_get", 1, RES));
    CHECK_EQ("stdout is a character device", 2, mem(&f, NULL)[RES]);
    CHECK_EQ("stdout cannot seek (isatty)", 0, ld64(&f, RES + 8) & 0x24);
    CHECK_EQ("fd_seek stdout", 70 /* spipe */, call(&f, "fd_seek", 1, (int64_t)0, 1, RES));
    CHECK_EQ("prestat of stdout", E_BADF, call(&f, "fd_prestat_get", 1, RES));
    CHECK_EQ("prestat of fd 3 (no preopens)", E_BADF, call(&f, "fd_prestat_get", 3, RES));

    size_t len;
    mem(&f, &len);
    st32(&f, IOV + 12, 0x1000000);
    CHECK_EQ("iovec longer than memory", E_FAULT, call(&f, "fd_write", 1, IOV, 2, RES));
    st32(&f, IOV + 8, 0xfffffff0u);
    st32(&f, IOV + 12, 0x20);
    CHECK_EQ("iovec wrapping 2^32", E_FAULT, call(&f, "fd_write", 1, IOV, 2, RES));
    CHECK_EQ("iovec array out of memory", E_FAULT, call(&f, "fd_write", 1, (uint32_t)len - 8, 2, RES));
    CHECK_EQ("huge iovec count", E_FAULT, call(&f, "fd_write", 1, IOV, 0x7fffffffu, RES));
    st32(&f, IOV + 8, DATA);
    st32(&f, IOV + 12, 1);
    CHECK_EQ("result out of memory", E_FAULT, call(&f, "fd_write", 1, IOV, 2, (uint32_t)len));
    CHECK_EQ("fdstat out of memory", E_FAULT, call(&f, "fd_fdstat_get", 1, (uint32_t)len - 23));
    teardown(&f);
}

static void test_clocks_random(void) {
    current = "clocks, random, poll";
    fixture f = { 0 };
    if (setup(&f, &(wp_wasi_config){ 0 }) != WP_OK) return teardown(&f);
    for (uint32_t id = 0; id < 4; id++) {
        CHECK_EQ("clock_res_get", 0, call(&f, "clock_res_get", id, RES));
        CHECK("resolution is nonzero", ld64(&f, RES) > 0);
        CHECK_EQ("clock_time_get", 0, call(&f, "clock_time_get", id, (int64_t)1, RES));
    }
    CHECK_EQ("clock_res_get bad clock", E_INVAL, call(&f, "clock_res_get", 4, RES));
    CHECK_EQ("clock_time_get bad clock", E_INVAL, call(&f, "clock_time_get", 99, (int64_t)0, RES));
    CHECK_EQ("realtime", 0, call(&f, "clock_time_get", 0, (int64_t)0, RES));
    long long secs = (long long)(ld64(&f, RES) / 1000000000u);
    CHECK("realtime is now", llabs(secs - (long long)time(NULL)) <= 2);
    CHECK_EQ("time out of memory", E_FAULT, call(&f, "clock_time_get", 1, (int64_t)0, 0xfffffffcu));

    memset(mem(&f, NULL) + DATA, 0, 64);
    CHECK_EQ("random_get", 0, call(&f, "random_get", DATA, 64));
    int nonzero = 0;
    for (int i = 0; i < 64; i++) nonzero += mem(&f, NULL)[DATA + i] != 0;
    CHECK("random bytes", nonzero > 32);
    CHECK_EQ("random_get 0 bytes", 0, call(&f, "random_get", DATA, 0));
    CHECK_EQ("random_get out of memory", E_FAULT, call(&f, "random_get", DATA, 0x10000));
    CHECK_EQ("sched_yield", 0, call(&f, "sched_yield"));
    CHECK_EQ("proc_raise", 52 /* nosys */, call(&f, "proc_raise", 6));

    /* poll_oneoff: a 20 ms relative clock and stdout writable. */
    struct timespec t0, t1;
    uint8_t *m = mem(&f, NULL);
    memset(m + DATA, 0, 2 * 48);
    st64(&f, DATA, 0x1111);
    m[DATA + 8] = 0;                     /* clock */
    st32(&f, DATA + 16, 1);              /* monotonic */
    st64(&f, DATA + 24, 20000000);       /* 20 ms */
    clock_gettime(CLOCK_MONOTONIC, &t0);
    CHECK_EQ("poll_oneoff clock", 0, call(&f, "poll_oneoff", DATA, DATA + 0x200, 1, RES));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double ms = (t1.tv_sec - t0.tv_sec) * 1e3 + (t1.tv_nsec - t0.tv_nsec) / 1e6;
    CHECK("slept 20 ms", ms >= 19.0 && ms < 2000);
    CHECK_EQ("one event", 1, ld32(&f, RES));
    CHECK_EQ("event userdata", 0x1111, ld64(&f, DATA + 0x200));
    CHECK_EQ("event type", 0, mem(&f, NULL)[DATA + 0x200 + 10]);
    st64(&f, DATA + 48, 0x2222);
    m[DATA + 48 + 8] = 2;                /* fd_write */
    st32(&f, DATA + 48 + 16, 1);
    st64(&f, DATA + 24, 5000000000u);    /* the clock would wait 5 s */
    CHECK_EQ("poll_oneoff fd ready", 0, call(&f, "poll_oneoff", DATA, DATA + 0x200, 2, RES));
    CHECK_EQ("only the fd", 1, ld32(&f, RES));
    CHECK_EQ("fd event userdata", 0x2222, ld64(&f, DATA + 0x200));
    CHECK_EQ("fd event type", 2, mem(&f, NULL)[DATA + 0x200 + 10]);
    CHECK_EQ("poll_oneoff nothing", E_INVAL, call(&f, "poll_oneoff", DATA, DATA + 0x200, 0, RES));
    CHECK_EQ("poll_oneoff subs out of memory", E_FAULT,
             call(&f, "poll_oneoff", DATA, DATA + 0x200, 100000, RES));

    /* Snapshot 0 puts an identifier before the clock id (56-byte records). */
    m = mem(&f, NULL);
    memset(m + DATA, 0, 56);
    st64(&f, DATA, 0x3333);
    st32(&f, DATA + 24, 1);
    st64(&f, DATA + 32, 1000000);        /* 1 ms */
    CHECK_EQ("unstable poll_oneoff", 0, call0(&f, "poll_oneoff", DATA, DATA + 0x200, 1, RES));
    CHECK_EQ("unstable event", 1, ld32(&f, RES));
    CHECK_EQ("unstable userdata", 0x3333, ld64(&f, DATA + 0x200));
    CHECK_EQ("unstable no error", 0, ld32(&f, DATA + 0x200 + 8) & 0xffff);

    wp_error err;
    long long r = call(&f, "proc_exit", 7);
    CHECK_EQ("proc_exit ends the call", -1 - (long long)WP_EXIT, r);
    wp_extern ext;
    if (wp_instance_export(f.inst, "p1.proc_exit", &ext, &err) == WP_OK) {
        wp_value a = { .type = WP_I32, .of.i32 = 42 };
        CHECK_EQ("proc_exit status", WP_EXIT, wp_func_call(ext.of.func, &a, 1, NULL, 0, &err));
        CHECK_EQ("exit code", 42, err.detail);
    }
    int code = -1;
    CHECK_EQ("wp_wasi_run with no entry point", WP_OK,
             wp_wasi_run(f.inst, WP_WASI_ENTRY_AUTO, &code, &err));
    CHECK_EQ("exit code 0", 0, code);
    CHECK_EQ("no _start", WP_ERR_NOT_FOUND, wp_wasi_run(f.inst, WP_WASI_ENTRY_START, &code, &err));
    teardown(&f);
}

static int host_exists(fixture *f, const char *rel) {
    char p[512];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", f->dir, rel);
    return lstat(p, &st) == 0;
}

/* Opens PATH (written at PATH) relative to dirfd; returns errno, fd at RES. */
static long long open_at(fixture *f, uint32_t dirfd, const char *path, uint32_t oflags,
                         int64_t rights, uint32_t lookup) {
    uint32_t n = str(f, PATH, path);
    return call(f, "path_open", dirfd, lookup, PATH, n, oflags, rights, rights, 0, RES);
}

static void test_files(void) {
    current = "files in a preopen";
    fixture f = { 0 };
    make_tempdir(&f);
    wp_wasi_dir dirs[] = { { f.dir, "/sandbox" } };
    wp_wasi_config cfg = { .dirs = dirs, .ndirs = 1 };
    if (setup(&f, &cfg) != WP_OK) {
        remove_tree(f.dir);
        return teardown(&f);
    }
    CHECK_EQ("fd_prestat_get", 0, call(&f, "fd_prestat_get", 3, RES));
    CHECK_EQ("prestat tag", 0, mem(&f, NULL)[RES]);
    CHECK_EQ("prestat name length", 8, ld32(&f, RES + 4));
    CHECK_EQ("fd_prestat_dir_name", 0, call(&f, "fd_prestat_dir_name", 3, DATA, 8));
    CHECK("preopen name", memcmp(mem(&f, NULL) + DATA, "/sandbox", 8) == 0);
    CHECK_EQ("dir name buffer too small", 37, call(&f, "fd_prestat_dir_name", 3, DATA, 3));
    CHECK_EQ("fd_prestat_get 4", E_BADF, call(&f, "fd_prestat_get", 4, RES));
    CHECK_EQ("fdstat of preopen", 0, call(&f, "fd_fdstat_get", 3, RES));
    CHECK_EQ("preopen is a directory", 3, mem(&f, NULL)[RES]);

    /* create, write, seek, read */
    CHECK_EQ("create f.txt", 0, open_at(&f, 3, "f.txt", 1 | 8, RIGHTS_ALL, 0));
    uint32_t fd = ld32(&f, RES);
    CHECK_EQ("new fd", 4, fd);
    CHECK("exists on the host", host_exists(&f, "f.txt"));
    str(&f, DATA, "hello world");
    st32(&f, IOV, DATA);
    st32(&f, IOV + 4, 11);
    CHECK_EQ("fd_write", 0, call(&f, "fd_write", fd, IOV, 1, RES));
    CHECK_EQ("wrote 11", 11, ld32(&f, RES));
    CHECK_EQ("fd_tell", 0, call(&f, "fd_tell", fd, RES));
    CHECK_EQ("at 11", 11, ld64(&f, RES));
    CHECK_EQ("fd_seek set 6", 0, call(&f, "fd_seek", fd, (int64_t)6, 0, RES));
    CHECK_EQ("now at 6", 6, ld64(&f, RES));
    st32(&f, IOV, DATA + 100);
    st32(&f, IOV + 4, 100);
    CHECK_EQ("fd_read", 0, call(&f, "fd_read", fd, IOV, 1, RES));
    CHECK_EQ("read 5", 5, ld32(&f, RES));
    CHECK("read 'world'", memcmp(mem(&f, NULL) + DATA + 100, "world", 5) == 0);
    CHECK_EQ("fd_seek end -5", 0, call(&f, "fd_seek", fd, (int64_t)-5, 2, RES));
    CHECK_EQ("at 6 again", 6, ld64(&f, RES));
    CHECK_EQ("fd_seek bad whence", E_INVAL, call(&f, "fd_seek", fd, (int64_t)0, 3, RES));
    CHECK_EQ("fd_seek before start", E_INVAL, call(&f, "fd_seek", fd, (int64_t)-100, 0, RES));
    /* snapshot 0: whence 2 is "set" */
    CHECK_EQ("unstable fd_seek set", 0, call0(&f, "fd_seek", fd, (int64_t)2, 2, RES));
    CHECK_EQ("unstable at 2", 2, ld64(&f, RES));
    CHECK_EQ("unstable fd_seek cur", 0, call0(&f, "fd_seek", fd, (int64_t)1, 0, RES));
    CHECK_EQ("unstable at 3", 3, ld64(&f, RES));
    st32(&f, IOV + 4, 4);
    CHECK_EQ("fd_pread", 0, call(&f, "fd_pread", fd, IOV, 1, (int64_t)0, RES));
    CHECK("pread 'hell'", ld32(&f, RES) == 4 && memcmp(mem(&f, NULL) + DATA + 100, "hell", 4) == 0);
    st32(&f, IOV, DATA);
    st32(&f, IOV + 4, 5);
    CHECK_EQ("fd_pwrite", 0, call(&f, "fd_pwrite", fd, IOV, 1, (int64_t)20, RES));
    CHECK_EQ("fd_filestat_get", 0, call(&f, "fd_filestat_get", fd, DATA + 200));
    CHECK_EQ("filetype regular", 4, mem(&f, NULL)[DATA + 200 + 16]);
    CHECK_EQ("size 25", 25, ld64(&f, DATA + 200 + 32));
    CHECK_EQ("nlink 1", 1, ld64(&f, DATA + 200 + 24));
    CHECK_EQ("unstable fd_filestat_get", 0, call0(&f, "fd_filestat_get", fd, DATA + 300));
    CHECK_EQ("unstable nlink u32", 1, ld32(&f, DATA + 300 + 20));
    CHECK_EQ("unstable size at 24", 25, ld64(&f, DATA + 300 + 24));
    CHECK_EQ("set_size", 0, call(&f, "fd_filestat_set_size", fd, (int64_t)3));
    CHECK_EQ("set_times", 0, call(&f, "fd_filestat_set_times", fd, (int64_t)1000000000,
                                  (int64_t)2000000000, 1 | 4));
    CHECK_EQ("set_times both given and now", E_INVAL,
             call(&f, "fd_filestat_set_times", fd, (int64_t)0, (int64_t)0, 1 | 2));
    CHECK_EQ("fd_filestat_get", 0, call(&f, "fd_filestat_get", fd, DATA + 200));
    CHECK_EQ("size 3", 3, ld64(&f, DATA + 200 + 32));
    CHECK_EQ("mtim", 2000000000, ld64(&f, DATA + 200 + 48));
    CHECK_EQ("fd_sync", 0, call(&f, "fd_sync", fd));
    CHECK_EQ("fd_datasync", 0, call(&f, "fd_datasync", fd));
    CHECK_EQ("fd_advise", 0, call(&f, "fd_advise", fd, (int64_t)0, (int64_t)0, 1));
    CHECK_EQ("fd_advise bad", E_INVAL, call(&f, "fd_advise", fd, (int64_t)0, (int64_t)0, 9));
    CHECK_EQ("fd_allocate", 0, call(&f, "fd_allocate", fd, (int64_t)0, (int64_t)100));
    CHECK_EQ("fd_fdstat_set_flags append", 0, call(&f, "fd_fdstat_set_flags", fd, 1));
    CHECK_EQ("fd_fdstat_get", 0, call(&f, "fd_fdstat_get", fd, RES));
    CHECK_EQ("append flag", 1, ld32(&f, RES) >> 16);
    int64_t base = (int64_t)ld64(&f, RES + 8);
    CHECK("has the write right", base & (1 << 6));
    CHECK_EQ("drop write right", 0,
             call(&f, "fd_fdstat_set_rights", fd, base & ~(int64_t)(1 << 6), (int64_t)0));
    CHECK_EQ("write without the right", E_BADF, call(&f, "fd_write", fd, IOV, 1, RES));
    CHECK_EQ("rights never grow", E_NOTCAPABLE,
             call(&f, "fd_fdstat_set_rights", fd, RIGHTS_ALL, (int64_t)0));
    CHECK_EQ("fd_close", 0, call(&f, "fd_close", fd));
    CHECK_EQ("fd_close again", E_BADF, call(&f, "fd_close", fd));

    /* read-only open of an existing file */
    CHECK_EQ("open read-only", 0, open_at(&f, 3, "f.txt", 0, RIGHTS_READ, 0));
    fd = ld32(&f, RES);
    CHECK_EQ("write to read-only", E_BADF, call(&f, "fd_write", fd, IOV, 1, RES));
    CHECK_EQ("fd_renumber onto closed", E_BADF, call(&f, "fd_renumber", fd, 9));
    CHECK_EQ("fd_renumber to stdin", 0, call(&f, "fd_renumber", fd, 0));
    CHECK_EQ("old fd gone", E_BADF, call(&f, "fd_close", fd));
    st32(&f, IOV, DATA + 100);
    st32(&f, IOV + 4, 100);
    CHECK_EQ("read through fd 0", 0, call(&f, "fd_read", 0, IOV, 1, RES));
    CHECK_EQ("100 bytes (fd_allocate grew it)", 100, ld32(&f, RES));

    CHECK_EQ("exclusive create of existing", E_EXIST, open_at(&f, 3, "f.txt", 1 | 4, RIGHTS_ALL, 0));
    CHECK_EQ("open missing", E_NOENT, open_at(&f, 3, "nope", 0, RIGHTS_ALL, 0));
    CHECK_EQ("directory flag on a file", E_NOTDIR, open_at(&f, 3, "f.txt", 2, RIGHTS_ALL, 0));
    CHECK_EQ("path_open on a file fd", E_NOTDIR, open_at(&f, 0, "x", 0, RIGHTS_ALL, 0));
    CHECK_EQ("path out of memory", E_FAULT,
             call(&f, "path_open", 3, 0, 0xfff0u, 0x100, 0, RIGHTS_ALL, RIGHTS_ALL, 0, RES));
    CHECK_EQ("result out of memory", E_FAULT,
             call(&f, "path_open", 3, 0, PATH, 1, 0, RIGHTS_ALL, RIGHTS_ALL, 0, 0x10000));

    /* directories, rename, link, readdir, unlink */
    uint32_t n = str(&f, PATH, "d");
    CHECK_EQ("mkdir d", 0, call(&f, "path_create_directory", 3, PATH, n));
    CHECK_EQ("mkdir d again", E_EXIST, call(&f, "path_create_directory", 3, PATH, n));
    n = str(&f, PATH, "f.txt");
    uint32_t n2 = str(&f, PATH2, "d/g.txt");
    CHECK_EQ("rename into d", 0, call(&f, "path_rename", 3, PATH, n, 3, PATH2, n2));
    CHECK("renamed on the host", host_exists(&f, "d/g.txt") && !host_exists(&f, "f.txt"));
    n = str(&f, PATH, "d/g.txt");
    n2 = str(&f, PATH2, "d/h.txt");
    CHECK_EQ("hard link", 0, call(&f, "path_link", 3, 0, PATH, n, 3, PATH2, n2));
    n = str(&f, PATH, "d/./h.txt");
    CHECK_EQ("path_filestat_get", 0, call(&f, "path_filestat_get", 3, 0, PATH, n, DATA));
    CHECK_EQ("two links", 2, ld64(&f, DATA + 24));
    CHECK_EQ("unstable path_filestat_get", 0, call0(&f, "path_filestat_get", 3, 0, PATH, n, DATA));
    CHECK_EQ("unstable two links", 2, ld32(&f, DATA + 20));
    CHECK_EQ("path_filestat_set_times", 0,
             call(&f, "path_filestat_set_times", 3, 0, PATH, n, (int64_t)0, (int64_t)5000000000,
                  4));
    CHECK_EQ("path_filestat_get", 0, call(&f, "path_filestat_get", 3, 0, PATH, n, DATA));
    CHECK_EQ("mtim set", 5000000000, ld64(&f, DATA + 48));

    CHECK_EQ("open d", 0, open_at(&f, 3, "d", 2, RIGHTS_READ, 0));
    uint32_t dfd = ld32(&f, RES);
    CHECK_EQ("fd_readdir", 0, call(&f, "fd_readdir", dfd, DATA, 4096, (int64_t)0, RES));
    uint32_t used = ld32(&f, RES), at = 0, count = 0, seen = 0;
    CHECK("listing fits", used < 4096);
    while (at + 24 <= used) {
        uint32_t nl = ld32(&f, DATA + at + 16);
        const char *nm = (const char *)mem(&f, NULL) + DATA + at + 24;
        if (nl == 5 && memcmp(nm, "g.txt", 5) == 0) seen |= 1;
        if (nl == 5 && memcmp(nm, "h.txt", 5) == 0) seen |= 2;
        if (nl == 5) CHECK_EQ("entry type", 4, mem(&f, NULL)[DATA + at + 20]);
        count++;
        CHECK_EQ("d_next", count, ld64(&f, DATA + at));
        at += 24 + nl;
    }
    CHECK_EQ("4 entries with . and ..", 4, count);
    CHECK_EQ("both files listed", 3, seen);
    /* A buffer that holds less than one entry is filled completely. */
    CHECK_EQ("fd_readdir tiny buffer", 0, call(&f, "fd_readdir", dfd, DATA, 30, (int64_t)0, RES));
    CHECK_EQ("tiny buffer full", 30, ld32(&f, RES));
    CHECK_EQ("fd_readdir from cookie 3", 0, call(&f, "fd_readdir", dfd, DATA, 4096, (int64_t)3, RES));
    CHECK_EQ("one entry left", 24 + ld32(&f, DATA + 16), ld32(&f, RES));
    CHECK_EQ("fd_readdir past the end", 0, call(&f, "fd_readdir", dfd, DATA, 4096, (int64_t)9, RES));
    CHECK_EQ("nothing", 0, ld32(&f, RES));
    CHECK_EQ("fd_readdir on a file", E_NOTDIR, call(&f, "fd_readdir", 0, DATA, 4096, (int64_t)0, RES));
    CHECK_EQ("read a directory", E_ISDIR, call(&f, "fd_read", dfd, IOV, 1, RES));
    n = str(&f, PATH, "h.txt");
    CHECK_EQ("unlink relative to d", 0, call(&f, "path_unlink_file", dfd, PATH, n));
    CHECK_EQ("close d", 0, call(&f, "fd_close", dfd));
    n = str(&f, PATH, "d");
    CHECK_EQ("rmdir non-empty", E_NOTEMPTY, call(&f, "path_remove_directory", 3, PATH, n));
    CHECK_EQ("unlink a directory", E_ISDIR, call(&f, "path_unlink_file", 3, PATH, n));
    n = str(&f, PATH, "d/g.txt");
    CHECK_EQ("unlink g", 0, call(&f, "path_unlink_file", 3, PATH, n));
    n = str(&f, PATH, "d/");
    CHECK_EQ("rmdir d/", 0, call(&f, "path_remove_directory", 3, PATH, n));
    CHECK("gone on the host", !host_exists(&f, "d"));

    /* symbolic links inside the sandbox */
    CHECK_EQ("through a missing directory", E_NOENT,
             open_at(&f, 3, "sub/../target.txt", 1, RIGHTS_ALL, 0));
    CHECK_EQ("create target.txt", 0, open_at(&f, 3, "target.txt", 1, RIGHTS_ALL, 0));
    call(&f, "fd_close", ld32(&f, RES));
    n = str(&f, PATH, "target.txt");
    n2 = str(&f, PATH2, "link");
    CHECK_EQ("symlink", 0, call(&f, "path_symlink", PATH, n, 3, PATH2, n2));
    n = str(&f, PATH, "link");
    CHECK_EQ("readlink", 0, call(&f, "path_readlink", 3, PATH, n, DATA, 100, RES));
    CHECK("link text", ld32(&f, RES) == 10 && memcmp(mem(&f, NULL) + DATA, "target.txt", 10) == 0);
    CHECK_EQ("readlink short buffer", 0, call(&f, "path_readlink", 3, PATH, n, DATA, 3, RES));
    CHECK_EQ("cut to 3", 3, ld32(&f, RES));
    CHECK_EQ("lstat link", 0, call(&f, "path_filestat_get", 3, 0, PATH, n, DATA));
    CHECK_EQ("is a symlink", 7, mem(&f, NULL)[DATA + 16]);
    CHECK_EQ("stat through link", 0, call(&f, "path_filestat_get", 3, 1, PATH, n, DATA));
    CHECK_EQ("is a file", 4, mem(&f, NULL)[DATA + 16]);
    CHECK_EQ("open through link", 0, open_at(&f, 3, "link", 0, RIGHTS_READ, 1));
    call(&f, "fd_close", ld32(&f, RES));
    CHECK_EQ("open link itself without follow", E_LOOP, open_at(&f, 3, "link", 0, RIGHTS_READ, 0));
    n = str(&f, PATH, "sub");
    CHECK_EQ("mkdir sub", 0, call(&f, "path_create_directory", 3, PATH, n));
    n = str(&f, PATH, "../target.txt");
    n2 = str(&f, PATH2, "sub/up");
    CHECK_EQ("symlink to ../", 0, call(&f, "path_symlink", PATH, n, 3, PATH2, n2));
    CHECK_EQ("follow sub/up (stays inside)", 0, open_at(&f, 3, "sub/up", 0, RIGHTS_READ, 1));
    call(&f, "fd_close", ld32(&f, RES));
    n = str(&f, PATH, "loop");
    n2 = str(&f, PATH2, "loop");
    CHECK_EQ("self link", 0, call(&f, "path_symlink", PATH, n, 3, PATH2, n2));
    CHECK_EQ("self link loops", E_LOOP, open_at(&f, 3, "loop", 0, RIGHTS_READ, 1));

    /* deep paths: ".." walks back by name, whatever the depth */
    const char *levels[] = { "n", "n/n", "n/n/n", "n/n/n/n", "n/n/n/n/n" };
    for (int i = 0; i < 5; i++) {
        n = str(&f, PATH, levels[i]);
        CHECK_EQ("mkdir level", 0, call(&f, "path_create_directory", 3, PATH, n));
    }
    CHECK_EQ("down 5, up 5", 0, open_at(&f, 3, "n/n/n/n/n/../../../../../target.txt", 0, RIGHTS_READ, 0));
    call(&f, "fd_close", ld32(&f, RES));
    CHECK_EQ("down 2, up 3", E_NOTCAPABLE, open_at(&f, 3, "n/n/../../../x", 0, RIGHTS_READ, 0));
    {
        char deep[4000];
        size_t k = 0;
        while (k + 5 < 3000) {
            memcpy(deep + k, "n/../", 5);
            k += 5;
        }
        strcpy(deep + k, "target.txt");
        CHECK_EQ("600 times down and up", 0, open_at(&f, 3, deep, 0, RIGHTS_READ, 0));
        call(&f, "fd_close", ld32(&f, RES));
        memset(deep, 'a', 3999);
        deep[3999] = '\0';
        CHECK_EQ("component longer than NAME_MAX", 37, open_at(&f, 3, deep, 0, RIGHTS_READ, 0));
        n = 5000;
        CHECK_EQ("path longer than PATH_MAX", 37,
                 call(&f, "path_open", 3, 0, PATH, n, 0, RIGHTS_READ, RIGHTS_READ, 0, RES));
    }

    /* every way out is refused */
    current = "sandbox escapes";
    CHECK_EQ("..", E_NOTCAPABLE, open_at(&f, 3, "..", 0, RIGHTS_READ, 0));
    CHECK_EQ("../x", E_NOTCAPABLE, open_at(&f, 3, "../x", 1, RIGHTS_ALL, 0));
    CHECK_EQ("sub/../../x", E_NOTCAPABLE, open_at(&f, 3, "sub/../../x", 0, RIGHTS_READ, 0));
    CHECK_EQ("absolute", E_NOTCAPABLE, open_at(&f, 3, "/etc/passwd", 0, RIGHTS_READ, 0));
    CHECK_EQ("./../x", E_NOTCAPABLE, open_at(&f, 3, "./../x", 0, RIGHTS_READ, 0));
    n = str(&f, PATH, "../..");
    n2 = str(&f, PATH2, "out");
    CHECK_EQ("symlink out refused", E_NOTCAPABLE, call(&f, "path_symlink", PATH, n, 3, PATH2, n2));
    {
        char made[600];
        snprintf(made, sizeof made, "%s/out", f.dir);
        CHECK_EQ("host makes a link out", 0, symlink("../..", made));
    }
    CHECK_EQ("follow out", E_NOTCAPABLE, open_at(&f, 3, "out", 2, RIGHTS_READ, 1));
    CHECK_EQ("through out", E_NOTCAPABLE, open_at(&f, 3, "out/etc/passwd", 0, RIGHTS_READ, 0));
    n = str(&f, PATH, "out/x");
    CHECK_EQ("mkdir through out", E_NOTCAPABLE, call(&f, "path_create_directory", 3, PATH, n));
    CHECK_EQ("stat through out", E_NOTCAPABLE, call(&f, "path_filestat_get", 3, 1, PATH, n, DATA));
    n = str(&f, PATH, "/etc");
    n2 = str(&f, PATH2, "abs");
    CHECK_EQ("absolute symlink refused", E_NOTCAPABLE, call(&f, "path_symlink", PATH, n, 3, PATH2, n2));
    char host[600], outside[600];
    snprintf(host, sizeof host, "%s/hostabs", f.dir);
    CHECK_EQ("host makes an absolute link", 0, symlink("/etc", host));
    CHECK_EQ("follow absolute link", E_NOTCAPABLE, open_at(&f, 3, "hostabs/passwd", 0, RIGHTS_READ, 0));
    n = str(&f, PATH, "hostabs");
    CHECK_EQ("lstat absolute link is fine", 0, call(&f, "path_filestat_get", 3, 0, PATH, n, DATA));
    CHECK_EQ("stat through it is not", E_NOTCAPABLE, call(&f, "path_filestat_get", 3, 1, PATH, n, DATA));
    n = str(&f, PATH, "target.txt");
    n2 = str(&f, PATH2, "../escaped");
    CHECK_EQ("rename out", E_NOTCAPABLE, call(&f, "path_rename", 3, PATH, n, 3, PATH2, n2));
    CHECK_EQ("link out", E_NOTCAPABLE, call(&f, "path_link", 3, 0, PATH, n, 3, PATH2, n2));
    n2 = str(&f, PATH2, "out/escaped");
    CHECK_EQ("rename through symlink out", E_NOTCAPABLE,
             call(&f, "path_rename", 3, PATH, n, 3, PATH2, n2));
    snprintf(outside, sizeof outside, "%s/../escaped", f.dir);
    struct stat st;
    CHECK("nothing escaped", lstat(outside, &st) != 0);
    n = str(&f, PATH, "..");
    CHECK_EQ("unlink ..", E_NOTCAPABLE, call(&f, "path_unlink_file", 3, PATH, n));
    CHECK_EQ("rmdir ..", E_NOTCAPABLE, call(&f, "path_remove_directory", 3, PATH, n));
    CHECK_EQ("readlink ..", E_NOTCAPABLE, call(&f, "path_readlink", 3, PATH, n, DATA, 10, RES));
    memcpy(mem(&f, NULL) + PATH, "a\0b", 3);
    n = 3;
    CHECK_EQ("NUL in a path", 25, call(&f, "path_open", 3, 0, PATH, n, 0, RIGHTS_READ, RIGHTS_READ, 0, RES));
    n = str(&f, PATH, "");
    CHECK_EQ("empty path", E_NOENT, open_at(&f, 3, "", 0, RIGHTS_READ, 0));
    CHECK_EQ("path_open on stdin", E_NOTDIR, open_at(&f, 1, "x", 0, RIGHTS_READ, 0));
    CHECK_EQ("path_open on fd 99", E_BADF, open_at(&f, 99, "x", 0, RIGHTS_READ, 0));

    char dir[sizeof f.dir];
    memcpy(dir, f.dir, sizeof dir);
    teardown(&f);
    remove_tree(dir);
}

static void test_pipes(void) {
    current = "host pipes as stdin and stdout";
    fixture f = { 0 };
    int in[2], out[2];
    if (pipe(in) != 0 || pipe(out) != 0) {
        perror("pipe");
        exit(1);
    }
    wp_wasi_config cfg = { .stdio = { { .kind = WP_WASI_STDIO_FD, .host_fd = in[0] },
                                      { 0 },
                                      { .kind = WP_WASI_STDIO_FD, .host_fd = out[1] } } };
    if (setup(&f, &cfg) != WP_OK) return teardown(&f);
    CHECK_EQ("fdstat stdin", 0, call(&f, "fd_fdstat_get", 0, RES));
    CHECK_EQ("a pipe has no WASI type", 0, mem(&f, NULL)[RES]);
    CHECK_EQ("nonblocking stdin", 0, call(&f, "fd_fdstat_set_flags", 0, 4));
    CHECK("host pipe stays blocking", !(fcntl(in[0], F_GETFL) & O_NONBLOCK));
    CHECK_EQ("fdstat shows nonblock", 0, call(&f, "fd_fdstat_get", 0, RES));
    CHECK_EQ("nonblock flag", 4, ld32(&f, RES) >> 16);
    st32(&f, IOV, DATA);
    st32(&f, IOV + 4, 100);
    CHECK_EQ("empty pipe: EAGAIN", 6, call(&f, "fd_read", 0, IOV, 1, RES));

    /* poll: stdin not readable yet, the 50 ms clock fires first */
    uint8_t *m = mem(&f, NULL);
    memset(m + DATA, 0, 2 * 48);
    st64(&f, DATA, 1);
    m[DATA + 8] = 1;               /* fd_read */
    st32(&f, DATA + 16, 0);
    st64(&f, DATA + 48, 2);
    m[DATA + 48 + 8] = 0;          /* clock */
    st32(&f, DATA + 48 + 16, 1);
    st64(&f, DATA + 48 + 24, 50000000);
    CHECK_EQ("poll empty pipe", 0, call(&f, "poll_oneoff", DATA, DATA + 0x200, 2, RES));
    CHECK_EQ("only the clock", 1, ld32(&f, RES));
    CHECK_EQ("clock userdata", 2, ld64(&f, DATA + 0x200));
    CHECK_EQ("pipe write", 6, write(in[1], "input\n", 6));
    CHECK_EQ("poll readable pipe", 0, call(&f, "poll_oneoff", DATA, DATA + 0x200, 2, RES));
    CHECK_EQ("only the pipe", 1, ld32(&f, RES));
    CHECK_EQ("pipe userdata", 1, ld64(&f, DATA + 0x200));
    CHECK_EQ("bytes available", 6, ld64(&f, DATA + 0x200 + 16));
    CHECK_EQ("fd_read", 0, call(&f, "fd_read", 0, IOV, 1, RES));
    CHECK_EQ("read 6", 6, ld32(&f, RES));
    close(in[1]);
    CHECK_EQ("poll at end of file", 0, call(&f, "poll_oneoff", DATA, DATA + 0x200, 1, RES));
    CHECK_EQ("hangup flag", 1, ld32(&f, DATA + 0x200 + 24) & 0xffff);
    CHECK_EQ("read at end", 0, call(&f, "fd_read", 0, IOV, 1, RES));
    CHECK_EQ("0 bytes", 0, ld32(&f, RES));

    st32(&f, IOV + 4, 6);
    CHECK_EQ("write to stderr pipe", 0, call(&f, "fd_write", 2, IOV, 1, RES));
    char got[16] = { 0 };
    CHECK("the host end got it", read(out[0], got, sizeof got) == 6 && memcmp(got, "input\n", 6) == 0);
    CHECK_EQ("fd_close stderr", 0, call(&f, "fd_close", 2));
    CHECK("borrowed fd stays open", fcntl(out[1], F_GETFD) >= 0);
    teardown(&f);
    close(in[0]);
    close(out[0]);
    close(out[1]);
}

static void test_no_preopen(void) {
    current = "no preopen, no files";
    fixture f = { 0 };
    if (setup(&f, &(wp_wasi_config){ 0 }) != WP_OK) return teardown(&f);
    CHECK_EQ("open /etc/passwd from fd 3", E_BADF, open_at(&f, 3, "etc/passwd", 0, RIGHTS_READ, 0));
    CHECK_EQ("prestat 3", E_BADF, call(&f, "fd_prestat_get", 3, RES));
    CHECK_EQ("sock_accept on stdin", 57 /* notsock */, call(&f, "sock_accept", 0, 0, RES));
    CHECK_EQ("sock_shutdown fd 9", E_BADF, call(&f, "sock_shutdown", 9, 3));
    teardown(&f);
}

static void test_config_errors(void) {
    current = "configuration errors";
    wp_engine *e;
    wp_error err;
    wp_wasi *w = NULL;
    if (wp_engine_create(NULL, &e, &err) != WP_OK) {
        fprintf(stderr, "FAIL %s: engine: %s\n", current, err.msg);
        failures++;
        return;
    }
    wp_wasi_dir bad[] = { { "/nonexistent/wasmpipe-test", "x" } };
    wp_wasi_config cfg = { .dirs = bad, .ndirs = 1 };
    CHECK_EQ("missing preopen", WP_ERR_IO, wp_wasi_create(e, &cfg, &w, &err));
    CHECK("names it", strstr(err.msg, "/nonexistent/wasmpipe-test") != NULL);
    CHECK("nothing returned", w == NULL);
    wp_wasi_config cb = { .stdio = { { .kind = WP_WASI_STDIO_CALLBACK } } };
    CHECK_EQ("callback on stdin", WP_ERR_ARG, wp_wasi_create(e, &cb, &w, &err));
    CHECK_EQ("NULL config", WP_OK, wp_wasi_create(e, NULL, &w, &err));
    wp_wasi_destroy(w);
    wp_wasi_destroy(NULL);
    wp_engine_destroy(e);
}

int main(void) {
    test_args_env();
    test_stdio();
    test_clocks_random();
    test_files();
    test_pipes();
    test_no_preopen();
    test_config_errors();
    if (failures) {
        fprintf(stderr, "%d check(s) failed\n", failures);
        return 1;
    }
    printf("all WASI host tests passed\n");
    return 0;
}
