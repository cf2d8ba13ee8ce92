/* Fuzz target "wasi": the WASI layer's calls, path resolution included,
 * with hostile arguments, inside a temporary preopened directory.
 *
 * The guest is wat/wasi.wat (built at build time, in the directory compiled
 * in as WP_FUZZ_GUEST_DIR): it imports every WASI function and runs the input
 * as a list of calls whose arguments are the input's own bytes (wasi.wat
 * says how records look). The input is copied to the start of the guest's
 * one page of memory, so pointer arguments can aim at paths, iovecs and
 * subscriptions the fuzzer wrote.
 *
 * The file system: a private directory ROOT holds "sandbox", preopened as
 * "/sandbox", and "outside", which the guest must never reach. Before each
 * input the sandbox is emptied and filled again with a file, a directory,
 * and symbolic links that lead outside ("../outside", an absolute path), to
 * a file inside, and to themselves. stdout goes to a callback that refuses
 * some writes; stdin is at end of file.
 *
 * Oracles, besides the sanitizers: after each input ROOT holds exactly
 * "sandbox" and "outside", "outside" holds exactly its file with its
 * content (no write, create, rename or delete escaped), and the guest's
 * memory does not hold that file's content (no read escaped) unless the
 * input carried it in; no WP_ERR_INTERNAL; the run ends with WP_OK, a trap
 * or an exit.
 */
#include <wasmpipe/wasi.h>

#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef WP_FUZZ_GUEST_DIR
#error "WP_FUZZ_GUEST_DIR must name the directory of the built wasi.wasm"
#endif
#define WASI_WASM WP_FUZZ_GUEST_DIR "/wasi.wasm"

#define PAGE 65536u
#define RUN_MS 500u
#define TRACE 65408u   /* wasi.wat stores each call's errno here */

/* The content of the file outside the sandbox; finding it in guest memory
 * means a read escaped. */
static const char secret[] = "wasmpipe-fuzz: outside the sandbox";

/* Made once per process: the engine and module are immutable and shared;
 * the directories are refilled per input. */
static struct {
    wp_engine *engine;
    wp_module *module;
    char      *root, *sandbox, *outside, *secret_path;
} fx;

static char *join(const char *a, const char *b)
{
    size_t n = strlen(a) + strlen(b) + 2;
    char *s = malloc(n);
    if (s == NULL)
        fuzz_fail("out of memory");
    snprintf(s, n, "%s/%s", a, b);
    return s;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char *path = join(dir, name);
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(text, 1, strlen(text), f) != strlen(text) || fclose(f) != 0)
        fuzz_fail("cannot write %s: %s", path, strerror(errno));
    free(path);
}

static void make_symlink(const char *target, const char *dir, const char *name)
{
    char *path = join(dir, name);
    if (symlink(target, path) != 0)
        fuzz_fail("cannot create the link %s: %s", path, strerror(errno));
    free(path);
}

static void remove_root(void)
{
    fuzz_empty_dir(fx.root);
    rmdir(fx.root);
}

static void setup_once(void)
{
    if (fx.engine != NULL)
        return;
    wp_error err;
    /* The interpreter: the module lives until the process exits, and an
     * auto background compile still running then would race LLVM's
     * teardown at exit. The WASI calls are the same on every tier. */
    wp_engine_config cfg = { .max_memory_pages = 1, .stack_slots = 1u << 14,
                             .max_call_depth = 100, .tier = WP_TIER_INTERP };
    if (wp_engine_create(&cfg, &fx.engine, &err) != WP_OK)
        fuzz_fail("wp_engine_create: %s", err.msg);
    size_t len;
    uint8_t *bytes = fuzz_read_file(WASI_WASM, &len);
    if (wp_module_compile(fx.engine, bytes, len, &fx.module, &err) != WP_OK)
        fuzz_fail("%s: %s", WASI_WASM, err.msg);
    free(bytes);

    fx.root = fuzz_make_temp_dir("wasi");
    fx.sandbox = join(fx.root, "sandbox");
    fx.outside = join(fx.root, "outside");
    if (mkdir(fx.sandbox, 0700) != 0 || mkdir(fx.outside, 0700) != 0)
        fuzz_fail("cannot create directories in %s: %s", fx.root, strerror(errno));
    write_file(fx.outside, "secret.txt", secret);
    fx.secret_path = join(fx.outside, "secret.txt");
    atexit(remove_root);
}

static void fill_sandbox(void)
{
    fuzz_empty_dir(fx.sandbox);
    write_file(fx.sandbox, "a.txt", "first file\nsecond line\n");
    char *dir = join(fx.sandbox, "dir");
    if (mkdir(dir, 0700) != 0)
        fuzz_fail("cannot create %s: %s", dir, strerror(errno));
    write_file(dir, "b.txt", "in a directory\n");
    make_symlink("../../outside/secret.txt", dir, "deep");
    free(dir);
    make_symlink("../outside", fx.sandbox, "up");
    make_symlink("../outside/secret.txt", fx.sandbox, "up-file");
    make_symlink(fx.secret_path, fx.sandbox, "abs");
    make_symlink("a.txt", fx.sandbox, "in");
    make_symlink("dir/../a.txt", fx.sandbox, "in-dots");
    make_symlink("loop", fx.sandbox, "loop");
}

/* The entries of dir, sorted and joined by '/', into buf. */
static void listing(const char *dir, char *buf, size_t size)
{
    DIR *d = opendir(dir);
    if (d == NULL)
        fuzz_fail("sandbox escape? cannot list %s: %s", dir, strerror(errno));
    char names[8][256];
    int n = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0)
            continue;
        if (n == 8)
            fuzz_fail("sandbox escape: %s has more entries than it should", dir);
        snprintf(names[n++], sizeof names[0], "%s", ent->d_name);
    }
    closedir(d);
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char t[256];
            memcpy(t, names[j], sizeof t);
            memcpy(names[j], names[j - 1], sizeof t);
            memcpy(names[j - 1], t, sizeof t);
        }
    buf[0] = '\0';
    for (int i = 0; i < n; i++) {
        strncat(buf, names[i], size - strlen(buf) - 1);
        strncat(buf, "/", size - strlen(buf) - 1);
    }
}

static void check_outside(void)
{
    char buf[2048];
    listing(fx.root, buf, sizeof buf);
    if (strcmp(buf, "outside/sandbox/") != 0)
        fuzz_fail("sandbox escape: %s now holds %s", fx.root, buf);
    listing(fx.outside, buf, sizeof buf);
    if (strcmp(buf, "secret.txt/") != 0)
        fuzz_fail("sandbox escape: %s now holds %s", fx.outside, buf);
    struct stat st;
    if (lstat(fx.secret_path, &st) != 0 || !S_ISREG(st.st_mode))
        fuzz_fail("sandbox escape: %s is no longer a regular file", fx.secret_path);
    size_t len;
    uint8_t *text = fuzz_read_file(fx.secret_path, &len);
    if (len != strlen(secret) || memcmp(text, secret, len) != 0)
        fuzz_fail("sandbox escape: %s was changed", fx.secret_path);
    free(text);
}

/* Byte-wise search, so that the secret is not handed to the fuzzer as a
 * comparison operand of an intercepted memmem. */
static int holds(const uint8_t *hay, size_t n, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = 0; i + k <= n; i++) {
        size_t j = 0;
        while (j < k && hay[i + j] == (uint8_t)needle[j])
            j++;
        if (j == k)
            return 1;
    }
    return 0;
}

/* With WP_FUZZ_VERBOSE, the errno of each call that returned. */
static void show_trace(wp_instance *in)
{
    size_t len = 0;
    const uint8_t *mem = wp_memory_data(wp_instance_memory(in), &len);
    char line[64 * 6 + 1] = "";
    size_t used = 0;
    for (unsigned i = 0; i < 64 && TRACE + 2 * i + 1 < len; i++) {
        unsigned e = mem[TRACE + 2 * i] | (unsigned)mem[TRACE + 2 * i + 1] << 8;
        if (e == 0xffff)
            break;
        used += (size_t)snprintf(line + used, sizeof line - used, " %u", e);
    }
    fuzz_log("errnos:%s", line);
}

/* stdout: takes what it is given, except writes whose length is 3 mod 7,
 * so that the guest sees EIO and short writes too. */
static int out_write(void *user, const uint8_t *data, size_t len)
{
    (void)user;
    volatile uint8_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum = (uint8_t)(sum + data[i]);
    return len % 7 == 3;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    setup_once();
    fill_sandbox();

    static const char *const argv[] = { "fuzz", "two words", "" };
    static const char *const env[] = { "A=1", "EMPTY=", "PATH=/sandbox" };
    wp_wasi_dir dirs[1] = { { fx.sandbox, "/sandbox" } };
    wp_wasi_config wc = { .argv = argv, .argc = 3, .env = env, .nenv = 3,
                          .dirs = dirs, .ndirs = 1 };
    wc.stdio[1] = (wp_wasi_stdio){ .kind = WP_WASI_STDIO_CALLBACK, .write = out_write };
    wp_wasi *w = NULL;
    wp_imports *im = NULL;
    wp_instance *in = NULL;
    wp_error err;
    wp_status s = wp_wasi_create(fx.engine, &wc, &w, &err);
    if (s != WP_OK)
        fuzz_fail("wp_wasi_create: %s", err.msg);
    if (wp_imports_create(fx.engine, &im, &err) != WP_OK || wp_wasi_define(w, im, &err) != WP_OK)
        fuzz_fail("defining WASI: %s", err.msg);
    wp_instance_config ic = { .max_memory_pages = 1 };
    if (wp_instance_create(fx.module, im, &ic, &in, &err) != WP_OK)
        fuzz_fail("instantiating %s: %s", WASI_WASM, err.msg);

    size_t mlen = 0;
    uint8_t *mem = wp_memory_data(wp_instance_memory(in), &mlen);
    if (mem == NULL || mlen != PAGE)
        fuzz_fail("the guest has %zu bytes of memory, expected %u", mlen, PAGE);
    size_t n = size < PAGE ? size : PAGE;
    if (n > 0)
        memcpy(mem, data, n);
    if (n < TRACE)
        memset(mem + TRACE, 0xff, PAGE - TRACE);

    wp_extern run;
    if (wp_instance_export(in, "run", &run, &err) != WP_OK || run.kind != WP_EXTERN_FUNC)
        fuzz_fail("no run export: %s", err.msg);
    wp_value arg = { .type = WP_I32, .of.i32 = (int32_t)n };
    fuzz_watch_begin(in, RUN_MS);
    s = wp_func_call(run.of.func, &arg, 1, NULL, 0, &err);
    fuzz_watch_end();
    fuzz_log("run: %s%s%s", wp_status_text(s), s == WP_OK ? "" : ": ", s == WP_OK ? "" : err.msg);
    show_trace(in);
    fuzz_check_status("run", s, &err);
    if (s != WP_OK && s != WP_ERR_TRAP && s != WP_EXIT)
        fuzz_fail("run ended with %s: %s", wp_status_text(s), err.msg);

    mem = wp_memory_data(wp_instance_memory(in), &mlen);
    if (holds(mem, mlen, secret) && !holds(data, size, secret))
        fuzz_fail("sandbox escape: the guest read %s", fx.secret_path);

    wp_instance_destroy(in);
    wp_imports_destroy(im);
    wp_wasi_destroy(w);
    check_outside();
    return 0;
}
