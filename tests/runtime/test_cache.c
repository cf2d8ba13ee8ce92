/* The JIT's compile cache through the public API (wp_engine_config.cache_dir,
 * wp_module_compile_ex, wp_module_cache), plus its key (rt_jit_cache_key).
 *
 * Every compile below is checked three ways: what wp_module_cache says
 * (hit, miss, a warning naming the fault), the results of running the
 * module (the same table for every compile, so a hit runs what a miss
 * runs), and the file in the directory afterwards (there, replaced, or
 * left alone). The cases: a miss then a hit; a file damaged each way a file
 * can be (bit flips in the header and in the payload, truncation, wrong
 * magic, a foreign or old-format header, trailing bytes, a FIFO, a
 * symlink, a group-writable file) is ignored with a warning, the result
 * is right and the file is replaced; a different key (another module, other
 * disabled features, each key input) misses; a directory that cannot be
 * created only warns; several threads filling one directory at once. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "wasmpipe/runtime.h"

#ifdef WP_HAVE_JIT
#include "jit/jit.h"
#endif

static int failures, checks;

#define CHECK(cond, ...)                                                    \
    do {                                                                    \
        checks++;                                                           \
        if (!(cond)) {                                                      \
            failures++;                                                     \
            printf("FAIL %s:%d: ", __FILE__, __LINE__);                     \
            printf(__VA_ARGS__);                                            \
            printf("\n");                                                   \
        }                                                                   \
    } while (0)

/* (module
 *   (import "host" "add1" (func $add1 (param i32) (result i32)))
 *   (memory 1 4)
 *   (table 2 funcref)
 *   (elem (i32.const 0) $fac)
 *   (func $fac (export "fac") (param i64) (result i64)
 *     (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 1))
 *       (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))
 *   (func (export "div") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
 *   (func (export "host") (param i32) (result i32) (call $add1 (local.get 0)))
 *   (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
 *   (func (export "poke") (param i32 i32) (result i32)
 *     (i32.store (local.get 0) (local.get 1)) (i32.load (local.get 0)))
 *   (func (export "indirect") (param i32 i64) (result i64)
 *     (call_indirect (param i64) (result i64) (local.get 1) (local.get 0))))
 */
static const uint8_t module_bytes[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x17, 0x04, 0x60,
  0x01, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7e, 0x01, 0x7e, 0x60, 0x02, 0x7f,
  0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7e, 0x01, 0x7e, 0x02, 0x0d, 0x01,
  0x04, 0x68, 0x6f, 0x73, 0x74, 0x04, 0x61, 0x64, 0x64, 0x31, 0x00, 0x00,
  0x03, 0x07, 0x06, 0x01, 0x02, 0x00, 0x00, 0x02, 0x03, 0x04, 0x04, 0x01,
  0x70, 0x00, 0x02, 0x05, 0x04, 0x01, 0x01, 0x01, 0x04, 0x07, 0x2d, 0x06,
  0x03, 0x66, 0x61, 0x63, 0x00, 0x01, 0x03, 0x64, 0x69, 0x76, 0x00, 0x02,
  0x04, 0x68, 0x6f, 0x73, 0x74, 0x00, 0x03, 0x04, 0x67, 0x72, 0x6f, 0x77,
  0x00, 0x04, 0x04, 0x70, 0x6f, 0x6b, 0x65, 0x00, 0x05, 0x08, 0x69, 0x6e,
  0x64, 0x69, 0x72, 0x65, 0x63, 0x74, 0x00, 0x06, 0x09, 0x07, 0x01, 0x00,
  0x41, 0x00, 0x0b, 0x01, 0x01, 0x0a, 0x46, 0x06, 0x15, 0x00, 0x20, 0x00,
  0x50, 0x04, 0x7e, 0x42, 0x01, 0x05, 0x20, 0x00, 0x20, 0x00, 0x42, 0x01,
  0x7d, 0x10, 0x01, 0x7e, 0x0b, 0x0b, 0x07, 0x00, 0x20, 0x00, 0x20, 0x01,
  0x6e, 0x0b, 0x06, 0x00, 0x20, 0x00, 0x10, 0x00, 0x0b, 0x06, 0x00, 0x20,
  0x00, 0x40, 0x00, 0x0b, 0x0e, 0x00, 0x20, 0x00, 0x20, 0x01, 0x36, 0x02,
  0x00, 0x20, 0x00, 0x28, 0x02, 0x00, 0x0b, 0x09, 0x00, 0x20, 0x01, 0x20,
  0x00, 0x11, 0x01, 0x00, 0x0b
};

/* The byte of `(then (i64.const 1))` in $fac: 2 there makes fac(n) = 2 n!. */
static size_t fac_base_offset(void)
{
    static const uint8_t pat[] = { 0x04, 0x7e, 0x42, 0x01 };
    for (size_t i = 0; i + sizeof pat <= sizeof module_bytes; i++)
        if (memcmp(module_bytes + i, pat, sizeof pat) == 0)
            return i + 3;
    return 0;
}

static wp_status host_add1(wp_call *call, void *user, uint64_t *slots)
{
    (void)call; (void)user;
    slots[0] = (uint32_t)((uint32_t)slots[0] + 1);
    return WP_OK;
}

/* Runs the exports of a compiled module; `base` is fac's base case (1 for
 * module_bytes). Each call goes through a helper of native code: a call,
 * a trap, a host import, memory.grow, call_indirect. */
static void check_runs(const char *what, wp_engine *e, wp_module *m, uint64_t base)
{
    static const wp_valtype i32 = WP_I32;
    wp_functype ft = { &i32, 1, &i32, 1 };
    wp_func *add1 = NULL;
    wp_imports *im = NULL;
    wp_instance *inst = NULL;
    wp_error err;
    memset(&err, 0, sizeof err);
    wp_status s = wp_func_create_host(e, &ft, host_add1, NULL, &add1, &err);
    if (s == WP_OK)
        s = wp_imports_create(e, &im, &err);
    if (s == WP_OK)
        s = wp_imports_define(im, "host", "add1",
                              (wp_extern){ .kind = WP_EXTERN_FUNC, .of.func = add1 }, &err);
    if (s == WP_OK)
        s = wp_instance_create(m, im, NULL, &inst, &err);
    CHECK(s == WP_OK, "%s: instantiate: %s", what, err.msg);
    if (s != WP_OK)
        goto done;

    static const struct {
        const char *export_;
        uint64_t    args[2];
        wp_status   want;
        int         trap;
        uint64_t    result;
    } cases[] = {
        { "fac", { 20 }, WP_OK, 0, 2432902008176640000ull },
        { "div", { 7, 2 }, WP_OK, 0, 3 },
        { "div", { 7, 0 }, WP_ERR_TRAP, WP_TRAP_DIV_ZERO, 0 },
        { "host", { 41 }, WP_OK, 0, 42 },
        { "grow", { 1 }, WP_OK, 0, 1 },
        { "poke", { 2 * 65536 - 4, 99 }, WP_OK, 0, 99 },
        { "poke", { 2 * 65536 - 3, 99 }, WP_ERR_TRAP, WP_TRAP_MEMORY_OOB, 0 },
        { "indirect", { 0, 5 }, WP_OK, 0, 120 },
        { "indirect", { 1, 5 }, WP_ERR_TRAP, WP_TRAP_UNINITIALIZED, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        wp_extern ex;
        memset(&ex, 0, sizeof ex);
        CHECK(wp_instance_export(inst, cases[i].export_, &ex, &err) == WP_OK &&
              ex.kind == WP_EXTERN_FUNC, "%s: no export %s", what, cases[i].export_);
        if (ex.of.func == NULL)
            continue;
        uint64_t slots[2] = { cases[i].args[0], cases[i].args[1] };
        memset(&err, 0, sizeof err);
        s = wp_func_call_raw(ex.of.func, slots, &err);
        uint64_t want = cases[i].result;
        if (i == 0 || strcmp(cases[i].export_, "indirect") == 0)
            want *= base;
        CHECK(s == cases[i].want, "%s: %s case %zu: status %d, expected %d (%s)", what,
              cases[i].export_, i, (int)s, (int)cases[i].want, err.msg);
        if (s == WP_OK && cases[i].want == WP_OK)
            CHECK(slots[0] == want, "%s: %s case %zu: %llu, expected %llu", what,
                  cases[i].export_, i, (unsigned long long)slots[0], (unsigned long long)want);
        if (s == WP_ERR_TRAP)
            CHECK(err.detail == cases[i].trap, "%s: %s case %zu: trap %d, expected %d", what,
                  cases[i].export_, i, err.detail, cases[i].trap);
    }
done:
    wp_instance_destroy(inst);
    wp_imports_destroy(im);
    wp_func_destroy(add1);
}

static char root[256];

/* A fresh directory under root. */
static void fresh_dir(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", root, name);
    CHECK(mkdir(out, 0700) == 0, "mkdir %s: %s", out, strerror(errno));
}

/* The number of files in dir ending in suffix; the last one's path in path. */
static int count_files(const char *dir, const char *suffix, char *path, size_t n)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        return 0;
    int count = 0;
    struct dirent *de;
    size_t sl = strlen(suffix);
    while ((de = readdir(d)) != NULL) {
        size_t l = strlen(de->d_name);
        if (l >= sl && strcmp(de->d_name + l - sl, suffix) == 0) {
            count++;
            if (path != NULL)
                snprintf(path, n, "%s/%s", dir, de->d_name);
        }
    }
    closedir(d);
    return count;
}

/* Compiles bytes on a new JIT engine with cache_dir dir (disabled features
 * `off`), checks wp_module_cache against want and the warning against
 * `warn` (NULL: none; else a piece of its text), and runs the module. */
static void compile_expect(const char *what, const char *dir, const uint8_t *bytes, size_t len,
                           uint32_t off, const char *want, const char *warn, uint64_t base)
{
    wp_engine_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.tier = WP_TIER_JIT;
    cfg.cache_dir = dir;
    cfg.disabled_features = off;
    wp_engine *e = NULL;
    wp_module *m = NULL;
    wp_error err;
    memset(&err, 0, sizeof err);
    wp_status s = wp_engine_create(&cfg, &e, &err);
    if (s == WP_OK)
        s = wp_module_compile(e, bytes, len, &m, &err);
    CHECK(s == WP_OK, "%s: compile: %s", what, err.msg);
    if (s == WP_OK) {
        const char *why = NULL;
        CHECK(strcmp(wp_module_tier(m, &why), "jit") == 0, "%s: not on the jit tier: %s", what,
              why ? why : "");
        const char *warning = NULL;
        const char *got = wp_module_cache(m, &warning);
        CHECK(strcmp(got, want) == 0, "%s: cache says %s, expected %s (warning: %s)", what, got,
              want, warning ? warning : "none");
        if (warn == NULL)
            CHECK(warning == NULL, "%s: unexpected warning: %s", what, warning);
        else
            CHECK(warning != NULL && strstr(warning, warn) != NULL,
                  "%s: warning '%s', expected one with '%s'", what, warning ? warning : "(none)",
                  warn);
        check_runs(what, e, m, base);
    }
    wp_module_destroy(m);
    wp_engine_destroy(e);
}

static void read_file(const char *path, uint8_t **data, size_t *len)
{
    *data = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    *data = malloc(n > 0 ? (size_t)n : 1);
    *len = fread(*data, 1, (size_t)n, f);
    fclose(f);
}

static void write_file(const char *path, const uint8_t *data, size_t len)
{
    unlink(path);
    FILE *f = fopen(path, "wb");
    if (f == NULL)
        return;
    fwrite(data, 1, len, f);
    fclose(f);
    chmod(path, 0600);
}

static ino_t inode(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0 ? st.st_ino : 0;
}

/* The ways a cache file is damaged: each leaves the file (data, len) as
 * the reader finds it. */
typedef enum damage { FLIP_PAYLOAD, FLIP_KEY, LENGTH_OFF, LENGTH_HUGE, HALF, SHORT, EMPTY, MAGIC, FORMAT,
                      TRAILING, FIFO, SYMLINK, GROUP_WRITABLE } damage;

static const struct {
    damage      how;
    const char *name, *warning;
} damages[] = {
    { FLIP_PAYLOAD,   "a bit flipped in the payload", "checksum mismatch" },
    { FLIP_KEY,       "a bit flipped in the key", "made for another key" },
    { LENGTH_OFF,     "the length one off", "ignored" },
    { LENGTH_HUGE,    "a huge length", "larger than the limit" },
    { HALF,           "cut in half", "truncated" },
    { SHORT,          "shorter than a header", "truncated" },
    { EMPTY,          "empty", "truncated" },
    { MAGIC,          "wrong magic", "wrong magic" },
    { FORMAT,         "another format", "another cache format" },
    { TRAILING,       "bytes after the payload", "longer than its header says" },
    { FIFO,           "a FIFO", "not a regular file" },
    { SYMLINK,        "a symlink to a good file", "cannot open" },
    { GROUP_WRITABLE, "group-writable", "writable by group or others" },
};

static void damage_file(const char *path, damage how, const uint8_t *good, size_t len)
{
    uint8_t *d = malloc(len + 16);
    memcpy(d, good, len);
    size_t n = len;
    char other[700];
    switch (how) {
    case FLIP_PAYLOAD:   d[len - 7] ^= 0x10; break;
    case FLIP_KEY:       d[30] ^= 0x01; break;
    case LENGTH_OFF:     d[52] ^= 0x01; break;
    case LENGTH_HUGE:    d[59] ^= 0x40; break;
    case HALF:           n = len / 2; break;
    case SHORT:          n = 10; break;
    case EMPTY:          n = 0; break;
    case MAGIC:          d[0] = 'X'; break;
    case FORMAT:         d[8] ^= 0x02; break;
    case TRAILING:       memset(d + len, 0, 16); n = len + 16; break;
    case GROUP_WRITABLE: break;
    case FIFO:
        unlink(path);
        CHECK(mkfifo(path, 0600) == 0, "mkfifo: %s", strerror(errno));
        free(d);
        return;
    case SYMLINK:
        snprintf(other, sizeof other, "%s.good", path);
        write_file(other, good, len);
        unlink(path);
        CHECK(symlink(other, path) == 0, "symlink: %s", strerror(errno));
        free(d);
        return;
    }
    write_file(path, d, n);
    if (how == GROUP_WRITABLE)
        chmod(path, 0620);
    free(d);
}

static void test_hit_miss_and_damage(void)
{
    char dir[300], file[600];
    fresh_dir(dir, sizeof dir, "a");
    compile_expect("first compile", dir, module_bytes, sizeof module_bytes, 0, "miss", NULL, 1);
    CHECK(count_files(dir, ".wpjit", file, sizeof file) == 1, "miss: expected one file in %s",
          dir);
    ino_t first = inode(file);
    compile_expect("second compile", dir, module_bytes, sizeof module_bytes, 0, "hit", NULL, 1);
    CHECK(inode(file) == first, "hit: the file was rewritten");
    CHECK(count_files(dir, "", NULL, 0) == 3, "hit: files other than the cache file in %s", dir);

    uint8_t *good;
    size_t len;
    read_file(file, &good, &len);
    CHECK(len > 92, "the cache file has %zu bytes", len);
    if (len <= 92)
        return;
    for (size_t i = 0; i < sizeof damages / sizeof damages[0]; i++) {
        damage_file(file, damages[i].how, good, len);
        compile_expect(damages[i].name, dir, module_bytes, sizeof module_bytes, 0, "miss",
                       damages[i].warning, 1);
        /* Replaced by a good file: the next compile hits, with no warning. */
        struct stat st;
        CHECK(lstat(file, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) == 0,
              "%s: not replaced by a regular file", damages[i].name);
        compile_expect(damages[i].name, dir, module_bytes, sizeof module_bytes, 0, "hit", NULL, 1);
    }
    free(good);
    CHECK(count_files(dir, ".tmp", NULL, 0) == 0 && count_files(dir, "", NULL, 0) == 4,
          "temporary files left in %s", dir);
}

/* A different key misses and gets a file of its own; the first still hits. */
static void test_key_changes(void)
{
    char dir[300];
    fresh_dir(dir, sizeof dir, "b");
    compile_expect("module A", dir, module_bytes, sizeof module_bytes, 0, "miss", NULL, 1);
    uint8_t other[sizeof module_bytes];
    memcpy(other, module_bytes, sizeof other);
    size_t at = fac_base_offset();
    CHECK(at != 0, "fac's base case not found");
    other[at] = 2;
    compile_expect("module B", dir, other, sizeof other, 0, "miss", NULL, 2);
    compile_expect("module B again", dir, other, sizeof other, 0, "hit", NULL, 2);
    compile_expect("module A, tail calls off", dir, module_bytes, sizeof module_bytes,
                   WP_FEATURE_TAIL_CALL, "miss", NULL, 1);
    compile_expect("module A again", dir, module_bytes, sizeof module_bytes, 0, "hit", NULL, 1);
    CHECK(count_files(dir, ".wpjit", NULL, 0) == 3, "expected three cache files in %s", dir);

    /* A file made for another key under this key's name (as one written
     * by another version would be if names collided) is not used. */
    char files[3][600];
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *de;
    while (d != NULL && (de = readdir(d)) != NULL && n < 3)
        if (strstr(de->d_name, ".wpjit") != NULL)
            snprintf(files[n++], sizeof files[0], "%s/%s", dir, de->d_name);
    if (d != NULL)
        closedir(d);
    if (n == 3) {
        /* Each name now holds the file of another key. */
        char tmp[700];
        snprintf(tmp, sizeof tmp, "%s.x", files[0]);
        CHECK(rename(files[0], tmp) == 0 && rename(files[1], files[0]) == 0 &&
              rename(files[2], files[1]) == 0 && rename(tmp, files[2]) == 0, "rename");
        compile_expect("A, names rotated", dir, module_bytes, sizeof module_bytes, 0, "miss",
                       "made for another key", 1);
        compile_expect("B, names rotated", dir, other, sizeof other, 0, "miss",
                       "made for another key", 2);
        compile_expect("A off, names rotated", dir, module_bytes, sizeof module_bytes,
                       WP_FEATURE_TAIL_CALL, "miss", "made for another key", 1);
        compile_expect("A after", dir, module_bytes, sizeof module_bytes, 0, "hit", NULL, 1);
        compile_expect("B after", dir, other, sizeof other, 0, "hit", NULL, 2);
    }
    CHECK(n == 3, "found %d cache files", n);
}

#ifdef WP_HAVE_JIT
/* Every input of the key changes it. */
static void test_key_inputs(void)
{
    static const uint8_t a[] = { 1, 2, 3 }, b[] = { 1, 2, 4 };
    rt_jit_key_inputs base = {
        .format = 1, .wasmpipe_version = "0.1.0", .jit_build = "abc",
        .llvm_major = 19, .llvm_minor = 1, .llvm_patch = 7,
        .triple = "x86_64-pc-linux-gnu", .cpu = "znver3", .cpu_features = "+avx2",
        .disabled_features = 0, .bytes = a, .len = sizeof a,
    };
    uint8_t k0[32], k[32];
    rt_jit_cache_key(&base, k0);
    rt_jit_cache_key(&base, k);
    CHECK(memcmp(k0, k, 32) == 0, "the key is not a function of its inputs");
    for (int i = 0; i < 12; i++) {
        rt_jit_key_inputs in = base;
        switch (i) {
        case 0:  in.format = 2; break;
        case 1:  in.wasmpipe_version = "0.1.1"; break;
        case 2:  in.jit_build = "abd"; break;
        case 3:  in.llvm_major = 20; break;
        case 4:  in.llvm_minor = 2; break;
        case 5:  in.llvm_patch = 8; break;
        case 6:  in.triple = "aarch64-unknown-linux-gnu"; break;
        case 7:  in.cpu = "skylake"; break;
        case 8:  in.cpu_features = "+avx2,-avx512f"; break;
        case 9:  in.disabled_features = WP_FEATURE_TAIL_CALL; break;
        case 10: in.bytes = b; break;
        case 11: in.len = 2; break;
        }
        rt_jit_cache_key(&in, k);
        CHECK(memcmp(k0, k, 32) != 0, "key input %d does not change the key", i);
    }
    /* Field boundaries count: "ab" + "c" is not "a" + "bc". */
    rt_jit_key_inputs x = base, y = base;
    x.cpu = "ab"; x.cpu_features = "c";
    y.cpu = "a";  y.cpu_features = "bc";
    uint8_t kx[32], ky[32];
    rt_jit_cache_key(&x, kx);
    rt_jit_cache_key(&y, ky);
    CHECK(memcmp(kx, ky, 32) != 0, "fields run into each other in the key");
}
#endif

/* A directory that cannot be created costs the cache only. */
static void test_unusable_dir(void)
{
    char file[300], dir[400];
    snprintf(file, sizeof file, "%s/plain-file", root);
    write_file(file, (const uint8_t *)"x", 1);
    snprintf(dir, sizeof dir, "%s/sub", file);
    compile_expect("dir under a file", dir, module_bytes, sizeof module_bytes, 0, "miss",
                   "cannot create", 1);
    compile_expect("dir under a file again", dir, module_bytes, sizeof module_bytes, 0, "miss",
                   "cannot create", 1);
    /* Created, parents included, when missing. */
    snprintf(dir, sizeof dir, "%s/c/d/e", root);
    compile_expect("missing dir", dir, module_bytes, sizeof module_bytes, 0, "miss", NULL, 1);
    compile_expect("created dir", dir, module_bytes, sizeof module_bytes, 0, "hit", NULL, 1);
}

/* The per-module setting: "" turns the engine's cache off, a path
 * replaces it. */
static void test_module_config(void)
{
    char dir[300], other[300];
    fresh_dir(dir, sizeof dir, "f");
    fresh_dir(other, sizeof other, "g");
    wp_engine_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.tier = WP_TIER_JIT;
    cfg.cache_dir = dir;
    wp_engine *e = NULL;
    wp_error err;
    CHECK(wp_engine_create(&cfg, &e, &err) == WP_OK, "engine: %s", err.msg);
    if (e == NULL)
        return;
    wp_module_config none = { .cache_dir = "" }, elsewhere = { .cache_dir = other };
    wp_module *m = NULL;
    CHECK(wp_module_compile_ex(e, module_bytes, sizeof module_bytes, &none, &m, &err) == WP_OK,
          "compile: %s", err.msg);
    CHECK(m != NULL && strcmp(wp_module_cache(m, NULL), "off") == 0, "\"\" did not turn it off");
    wp_module_destroy(m);
    m = NULL;
    CHECK(wp_module_compile_ex(e, module_bytes, sizeof module_bytes, &elsewhere, &m, &err) ==
          WP_OK, "compile: %s", err.msg);
    CHECK(m != NULL && strcmp(wp_module_cache(m, NULL), "miss") == 0, "elsewhere: not a miss");
    wp_module_destroy(m);
    CHECK(count_files(dir, ".wpjit", NULL, 0) == 0 && count_files(other, ".wpjit", NULL, 0) == 1,
          "the module's cache_dir was not the one used");
    /* No cache_dir at all. */
    wp_engine_destroy(e);
    cfg.cache_dir = NULL;
    CHECK(wp_engine_create(&cfg, &e, &err) == WP_OK, "engine: %s", err.msg);
    m = NULL;
    CHECK(wp_module_compile(e, module_bytes, sizeof module_bytes, &m, &err) == WP_OK,
          "compile: %s", err.msg);
    CHECK(m != NULL && strcmp(wp_module_cache(m, NULL), "off") == 0, "no cache_dir: not off");
    wp_module_destroy(m);
    wp_engine_destroy(e);
}

/* Threads filling one directory at once: each compile succeeds, the file is
 * whole, and no temporary file is left. */
/* The auto tier: a miss compiles in the background ("pending" until
 * wp_module_wait_tier, with the lookup's warning at once); a hit starts on
 * native code without waiting. */
static void auto_expect(const char *what, const char *dir, bool hit, const char *warn)
{
    wp_engine_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.tier = WP_TIER_AUTO;
    cfg.cache_dir = dir;
    wp_engine *e = NULL;
    wp_module *m = NULL;
    wp_error err;
    memset(&err, 0, sizeof err);
    wp_status s = wp_engine_create(&cfg, &e, &err);
    if (s == WP_OK)
        s = wp_module_compile(e, module_bytes, sizeof module_bytes, &m, &err);
    CHECK(s == WP_OK, "%s: compile: %s", what, err.msg);
    if (s != WP_OK) {
        wp_engine_destroy(e);
        return;
    }
    const char *warning = NULL;
    const char *got = wp_module_cache(m, &warning);
    const char *tier = wp_module_tier(m, NULL);
    if (hit) {
        CHECK(strcmp(got, "hit") == 0 && strcmp(tier, "jit") == 0,
              "%s: cache %s on %s at once, expected a hit on jit", what, got, tier);
    } else {
        /* "miss" only if the background compile already ended. */
        CHECK(strcmp(got, "pending") == 0 || strcmp(got, "miss") == 0,
              "%s: cache says %s before the background compile ended", what, got);
        if (warn == NULL)
            CHECK(warning == NULL, "%s: unexpected warning: %s", what, warning);
        else
            CHECK(warning != NULL && strstr(warning, warn) != NULL,
                  "%s: warning '%s' at once, expected one with '%s'", what,
                  warning ? warning : "(none)", warn);
        const char *why = NULL;
        tier = wp_module_wait_tier(m, &why);
        CHECK(strcmp(tier, "jit") == 0, "%s: after the wait on %s: %s", what, tier, why ? why : "");
        got = wp_module_cache(m, NULL);
        CHECK(strcmp(got, "miss") == 0, "%s: after the wait the cache says %s", what, got);
    }
    check_runs(what, e, m, 1);
    wp_module_destroy(m);
    wp_engine_destroy(e);
}

static void test_auto(void)
{
    char dir[300], file[600];
    fresh_dir(dir, sizeof dir, "auto");
    auto_expect("auto, first compile", dir, false, NULL);
    CHECK(count_files(dir, ".wpjit", file, sizeof file) == 1, "auto miss: no file in %s", dir);
    auto_expect("auto, second compile", dir, true, NULL);
    uint8_t *good;
    size_t len;
    read_file(file, &good, &len);
    damage_file(file, damages[0].how, good, len);
    free(good);
    auto_expect("auto, damaged file", dir, false, damages[0].warning);
    auto_expect("auto, after the damaged file", dir, true, NULL);
}

static const char *race_dir;

static void *race(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++) {
        wp_engine_config cfg;
        memset(&cfg, 0, sizeof cfg);
        cfg.tier = WP_TIER_JIT;
        cfg.cache_dir = race_dir;
        wp_engine *e = NULL;
        wp_module *m = NULL;
        wp_error err;
        wp_status s = wp_engine_create(&cfg, &e, &err);
        if (s == WP_OK)
            s = wp_module_compile(e, module_bytes, sizeof module_bytes, &m, &err);
        const char *warning = NULL;
        if (s == WP_OK)
            wp_module_cache(m, &warning);
        if (s != WP_OK || warning != NULL)
            return (void *)1;
        wp_module_destroy(m);
        wp_engine_destroy(e);
    }
    return NULL;
}

static void test_concurrent(void)
{
    char dir[300];
    fresh_dir(dir, sizeof dir, "h");
    race_dir = dir;
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        pthread_create(&t[i], NULL, race, NULL);
    for (int i = 0; i < 4; i++) {
        void *r = NULL;
        pthread_join(t[i], &r);
        CHECK(r == NULL, "thread %d: a compile failed or warned", i);
    }
    CHECK(count_files(dir, ".wpjit", NULL, 0) == 1 && count_files(dir, ".tmp", NULL, 0) == 0,
          "after the race: not exactly one cache file and no temporary file");
    compile_expect("after the race", dir, module_bytes, sizeof module_bytes, 0, "hit", NULL, 1);
}

static void remove_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        struct dirent *de;
        while (d != NULL && (de = readdir(d)) != NULL) {
            if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                continue;
            char sub[1024];
            snprintf(sub, sizeof sub, "%s/%s", path, de->d_name);
            remove_tree(sub);
        }
        if (d != NULL)
            closedir(d);
        rmdir(path);
    } else {
        unlink(path);
    }
}

int main(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(root, sizeof root, "%s/wp-test-cache-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (mkdtemp(root) == NULL) {
        printf("FAIL: mkdtemp %s: %s\n", root, strerror(errno));
        return 1;
    }
#ifdef WP_HAVE_JIT
    test_key_inputs();
    test_hit_miss_and_damage();
    test_key_changes();
    test_unusable_dir();
    test_module_config();
    test_auto();
    test_concurrent();
#else
    /* Without the JIT there is nothing to cache: every module says "off". */
    wp_engine_config cfg = { .tier = WP_TIER_JIT, .cache_dir = root };
    wp_engine *e = NULL;
    wp_module *m = NULL;
    wp_error err;
    CHECK(wp_engine_create(&cfg, &e, &err) == WP_OK, "engine: %s", err.msg);
    CHECK(wp_module_compile(e, module_bytes, sizeof module_bytes, &m, &err) == WP_OK,
          "compile: %s", err.msg);
    CHECK(m != NULL && strcmp(wp_module_cache(m, NULL), "off") == 0, "not off without the JIT");
    CHECK(count_files(root, "", NULL, 0) == 2, "files written without the JIT");
    wp_module_destroy(m);
    wp_engine_destroy(e);
#endif
    remove_tree(root);
    printf("%d checks, %d failures\n", checks, failures);
    return failures != 0;
}
