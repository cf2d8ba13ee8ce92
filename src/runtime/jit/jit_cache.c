/* The compile cache: a module's object file, stored in m->cache_dir under
 * a key that covers everything the native code depends on, and loaded
 * instead of compiling again.
 *
 * The key is the SHA-256 of rt_jit_key_inputs (jit.h): the cache format
 * below, wasmpipe's version, the JIT's build id (a hash of the JIT's
 * sources and of the runtime headers whose layouts native code reads,
 * made by CMake), LLVM's version, the host triple, CPU name and CPU
 * features, the engine's disabled features, and the module's bytes.
 *
 * A file is <hex of the key>.wpjit:
 *   magic "wpjitobj"  format u32  functions u32  reserved u32 (0)
 *   key [32]  payload length u64  payload SHA-256 [32]  then the payload
 * (integers little-endian, 92 bytes of header). It is written to a
 * temporary file in the directory and renamed over the final name, so a
 * reader sees a whole file or none, also with several processes. A file
 * is used only when every header field matches and the payload's checksum
 * is right; anything else is ignored with a note and replaced by the
 * compile that follows. What is read is bounded by the file's own size,
 * which must be exactly header + payload, and by a limit that grows with
 * the module's size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <llvm-c/Core.h>
#include <llvm-c/Orc.h>
#include <llvm-c/TargetMachine.h>

#include "jit.h"
#include "jit_build_id.h"
#include "sha256.h"

/* Raise when the file layout or the meaning of the payload changes. */
#define CACHE_FORMAT 1u
#define HEADER_SIZE 92u
static const char magic[8] = { 'w', 'p', 'j', 'i', 't', 'o', 'b', 'j' };

/* A path in the directory: "<dir>/<64 hex digits><suffix>". */
#define PATH_CAP 4096

/* The most payload accepted for a module of len bytes. */
static uint64_t payload_limit(size_t len)
{
    uint64_t limit = ((uint64_t)64 << 20) + (uint64_t)len * 64;
    return limit > ((uint64_t)1 << 30) ? (uint64_t)1 << 30 : limit;
}

/* Appends a sentence to m->cache_note. */
static void note(wp_module *m, const char *fmt, ...) WP_PRINTF(2, 3);
static void note(wp_module *m, const char *fmt, ...)
{
    size_t used = strlen(m->cache_note);
    if (used + 3 >= sizeof m->cache_note)
        return;
    if (used > 0) {
        memcpy(m->cache_note + used, "; ", 3);
        used += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->cache_note + used, sizeof m->cache_note - used, fmt, ap);
    va_end(ap);
}

static void add_str(rt_sha256 *h, const char *s)
{
    rt_sha256_add(h, s, strlen(s) + 1);   /* the NUL separates fields */
}

static void add_u64(rt_sha256 *h, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (uint8_t)(v >> (8 * i));
    rt_sha256_add(h, b, sizeof b);
}

void rt_jit_cache_key(const rt_jit_key_inputs *in, uint8_t key[32])
{
    rt_sha256 h;
    rt_sha256_init(&h);
    add_str(&h, "wasmpipe compile cache");
    add_u64(&h, in->format);
    add_str(&h, in->wasmpipe_version);
    add_str(&h, in->jit_build);
    add_u64(&h, in->llvm_major);
    add_u64(&h, in->llvm_minor);
    add_u64(&h, in->llvm_patch);
    add_str(&h, in->triple);
    add_str(&h, in->cpu);
    add_str(&h, in->cpu_features);
    add_u64(&h, in->disabled_features);
    add_u64(&h, in->len);
    rt_sha256_add(&h, in->bytes, in->len);
    rt_sha256_done(&h, key);
}

/* The key of m in this process, on this host. */
static void cache_key(const wp_module *m, const uint8_t *bytes, size_t len, uint8_t key[32])
{
    rt_jit_key_inputs in;
    memset(&in, 0, sizeof in);
    in.format = CACHE_FORMAT;
    in.wasmpipe_version = WP_VERSION_STRING;
    in.jit_build = WP_JIT_BUILD_ID;
    LLVMGetVersion(&in.llvm_major, &in.llvm_minor, &in.llvm_patch);
    char *triple = NULL;
    LLVMOrcJITTargetMachineBuilderRef jtmb = NULL;
    LLVMErrorRef le = LLVMOrcJITTargetMachineBuilderDetectHost(&jtmb);
    if (le == NULL) {
        triple = LLVMOrcJITTargetMachineBuilderGetTargetTriple(jtmb);
        LLVMOrcDisposeJITTargetMachineBuilder(jtmb);
    } else {
        LLVMConsumeError(le);
    }
    char *cpu = LLVMGetHostCPUName(), *features = LLVMGetHostCPUFeatures();
    in.triple = triple != NULL ? triple : "";
    in.cpu = cpu;
    in.cpu_features = features;
    in.disabled_features = m->engine->cfg.disabled_features;
    in.bytes = bytes;
    in.len = len;
    rt_jit_cache_key(&in, key);
    LLVMDisposeMessage(triple);
    LLVMDisposeMessage(cpu);
    LLVMDisposeMessage(features);
}

/* "<dir>/<hex key><suffix>" into out; false if it does not fit. */
static bool key_path(const wp_module *m, const uint8_t key[32], const char *suffix,
                     char out[PATH_CAP])
{
    char hex[65];
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", key[i]);
    int n = snprintf(out, PATH_CAP, "%s/%s%s", m->cache_dir, hex, suffix);
    return n > 0 && n < PATH_CAP;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
    put_u32(p, (uint32_t)v);
    put_u32(p + 4, (uint32_t)(v >> 32));
}

/* Reads exactly n bytes; false on an error or an early end. */
static bool read_all(int fd, uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t got = read(fd, p, n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got <= 0)
            return false;
        p += got;
        n -= (size_t)got;
    }
    return true;
}

static bool write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t put = write(fd, p, n);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return false;
        p += put;
        n -= (size_t)put;
    }
    return true;
}

/* The header of a payload of n bytes with checksum sum. */
static void make_header(uint8_t h[HEADER_SIZE], const uint8_t key[32], uint32_t nfuncs,
                        uint64_t n, const uint8_t sum[32])
{
    memcpy(h, magic, 8);
    put_u32(h + 8, CACHE_FORMAT);
    put_u32(h + 12, nfuncs);
    put_u32(h + 16, 0);
    memcpy(h + 20, key, 32);
    put_u64(h + 52, n);
    memcpy(h + 60, sum, 32);
}

/* Checks a header against what m expects; NULL if it matches, else why
 * not. *n receives the payload length. */
static const char *check_header(const wp_module *m, const uint8_t h[HEADER_SIZE],
                                const uint8_t key[32], uint64_t file_size, size_t len,
                                uint64_t *n)
{
    if (memcmp(h, magic, 8) != 0)
        return "not a compile cache file (wrong magic)";
    if (get_u32(h + 8) != CACHE_FORMAT)
        return "written in another cache format";
    if (memcmp(h + 20, key, 32) != 0)
        return "made for another key";
    if (get_u32(h + 12) != m->nfuncs - m->nfunc_imports || get_u32(h + 16) != 0)
        return "header does not match the module";
    *n = get_u64(h + 52);
    if (*n > payload_limit(len))
        return "payload larger than the limit";
    if (*n != file_size - HEADER_SIZE)
        return *n > file_size - HEADER_SIZE ? "truncated" : "longer than its header says";
    return NULL;
}

wp_status rt_jit_cache_load(wp_module *m, const uint8_t *bytes, size_t len, uint8_t key[32],
                            rt_jit_object *obj, wp_error *err)
{
    *obj = NULL;
    cache_key(m, bytes, len, key);
    char path[PATH_CAP];
    if (!key_path(m, key, ".wpjit", path)) {
        note(m, "cache directory path too long");
        return WP_ERR_NOT_FOUND;
    }
    /* O_NONBLOCK: a FIFO planted under the name must not block us. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
    if (fd < 0) {
        if (errno != ENOENT && errno != ENOTDIR)   /* else: not cached (yet) */
            note(m, "cannot open %.120s: %s", path, strerror(errno));
        return WP_ERR_NOT_FOUND;
    }
    const char *why = NULL;
    uint8_t h[HEADER_SIZE];
    uint64_t n = 0;
    struct stat st;
    if (fstat(fd, &st) != 0)
        why = strerror(errno);
    else if (!S_ISREG(st.st_mode))
        why = "not a regular file";
    else if ((st.st_mode & 022) != 0)
        why = "writable by group or others";
    else if ((uint64_t)st.st_size < HEADER_SIZE)
        why = "truncated";
    else if (!read_all(fd, h, HEADER_SIZE))
        why = "cannot read the header";
    else
        why = check_header(m, h, key, (uint64_t)st.st_size, len, &n);
    uint8_t *payload = NULL;
    if (why == NULL) {
        payload = rt_alloc(m->engine, n ? (size_t)n : 1);
        if (payload == NULL) {
            close(fd);
            return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX,
                           "jit: out of memory for a cached object of %llu bytes",
                           (unsigned long long)n);
        }
        if (!read_all(fd, payload, (size_t)n)) {
            why = "cannot read the payload";
        } else {
            uint8_t sum[32];
            rt_sha256 hs;
            rt_sha256_init(&hs);
            rt_sha256_add(&hs, payload, (size_t)n);
            rt_sha256_done(&hs, sum);
            if (memcmp(sum, h + 60, 32) != 0)
                why = "checksum mismatch";
        }
    }
    close(fd);
    if (why != NULL) {
        note(m, "ignored %.120s: %s", path, why);
        rt_free(m->engine, payload, n ? (size_t)n : 1);
        return WP_ERR_NOT_FOUND;
    }
    *obj = LLVMCreateMemoryBufferWithMemoryRangeCopy((const char *)payload, (size_t)n, "wasm");
    rt_free(m->engine, payload, n ? (size_t)n : 1);
    return WP_OK;
}

/* mkdir -p with mode 0700 for what it creates; false with errno set. */
static bool make_dirs(const char *dir)
{
    char p[PATH_CAP];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof p) {
        errno = ENAMETOOLONG;
        return false;
    }
    memcpy(p, dir, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] != '/' && p[i] != '\0')
            continue;
        char c = p[i];
        p[i] = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST)
            return false;
        p[i] = c;
    }
    struct stat st;
    if (stat(dir, &st) != 0)
        return false;
    if (!S_ISDIR(st.st_mode)) {
        errno = ENOTDIR;
        return false;
    }
    return true;
}

void rt_jit_cache_store(wp_module *m, size_t len, const uint8_t key[32], rt_jit_object obj)
{
    const uint8_t *data = (const uint8_t *)LLVMGetBufferStart(obj);
    size_t n = LLVMGetBufferSize(obj);
    if (n > payload_limit(len)) {
        note(m, "not stored: the object (%zu bytes) is larger than the cache takes", n);
        return;
    }
    char path[PATH_CAP], tmp[PATH_CAP];
    if (!key_path(m, key, ".wpjit", path)) {
        note(m, "not stored: cache directory path too long");
        return;
    }
    if (!make_dirs(m->cache_dir)) {
        note(m, "not stored: cannot create %.120s: %s", m->cache_dir, strerror(errno));
        return;
    }
    uint8_t sum[32], h[HEADER_SIZE];
    rt_sha256 hs;
    rt_sha256_init(&hs);
    rt_sha256_add(&hs, data, n);
    rt_sha256_done(&hs, sum);
    make_header(h, key, m->nfuncs - m->nfunc_imports, n, sum);

    int fd = -1;
    for (unsigned attempt = 0; attempt < 8 && fd < 0; attempt++) {
        char suffix[48];
        snprintf(suffix, sizeof suffix, ".tmp.%ld.%u", (long)getpid(), attempt);
        if (!key_path(m, key, suffix, tmp)) {
            note(m, "not stored: cache directory path too long");
            return;
        }
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0) {
        note(m, "not stored: cannot create a file in %.120s: %s", m->cache_dir, strerror(errno));
        return;
    }
    bool ok = write_all(fd, h, sizeof h) && write_all(fd, data, n);
    int saved = errno;
    if (close(fd) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (ok && rename(tmp, path) != 0) {
        ok = false;
        saved = errno;
    }
    if (!ok) {
        unlink(tmp);
        note(m, "not stored: cannot write %.120s: %s", path, strerror(saved));
    }
}
