/* The processor: creation (read, compile and check the module once, then
 * make the first instance so that start-up errors surface here), the
 * per-message path, the timeout watchdog, statistics and destruction.
 *
 * The per-message path is what a pipeline pays for every message, so it is
 * kept lean: the pool is visited once per batch, not per message; the
 * exported function and the allocator were resolved when the instance was
 * made; staging buffers keep their capacity, and committed bytes are
 * swapped into the message rather than copied; the statistics are added
 * once per batch. What remains per message is the guest's own work, its
 * allocator, and one copy in each direction.
 */
#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Module files larger than this are refused before reading them. */
#define MAX_MODULE_BYTES ((size_t)1 << 30)

/* ---------------------------------------------------------------- helpers */

wp_status pr_fail(wp_error *err, wp_status code, const char *fmt, ...)
{
    err->code = code;
    err->detail = 0;
    err->offset = UINT32_MAX;
    err->nframes = 0;
    err->depth = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return code;
}

void pr_error_prefix(wp_error *err, const char *fmt, ...)
{
    char prefix[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    char joined[sizeof err->msg];
    int n = snprintf(joined, sizeof joined, "%s: %s", prefix, err->msg);
    if (n >= (int)sizeof joined)
        memcpy(joined + sizeof joined - 4, "...", 4);
    memcpy(err->msg, joined, sizeof joined);
}

uint64_t pr_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void pr_log(const wp_processor *p, wp_log_level level, const char *event, const char *fmt, ...)
{
    if (p->log == NULL)
        return;
    char msg[1200];
    int n = 0;
    if (p->label[0] != '\0')
        n = snprintf(msg, sizeof msg, "%s: ", p->label);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    p->log(p->log_user, level, event, msg);
}

/* Copies a name from the module for a message: hostile bytes become '?'. */
static void put_name(char *buf, size_t size, const char *name, size_t len)
{
    size_t n = len < size - 1 ? len : size - 1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)name[i];
        buf[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    buf[n] = '\0';
}

static void put_type(char *buf, size_t size, const wp_functype *t)
{
    static const struct { wp_valtype t; const char *name; } names[] = {
        { WP_I32, "i32" }, { WP_I64, "i64" }, { WP_F32, "f32" }, { WP_F64, "f64" },
        { WP_V128, "v128" }, { WP_FUNCREF, "funcref" }, { WP_EXTERNREF, "externref" },
    };
    size_t used = 0;
    const wp_valtype *list[2] = { t->params, t->results };
    uint32_t count[2] = { t->nparams, t->nresults };
    for (int side = 0; side < 2; side++) {
        int n = snprintf(buf + used, size - used, side == 0 ? "(" : " -> (");
        used += (size_t)n < size - used ? (size_t)n : size - used - 1;
        for (uint32_t i = 0; i < count[side]; i++) {
            const char *name = "?";
            for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
                if (names[k].t == list[side][i])
                    name = names[k].name;
            n = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", name);
            used += (size_t)n < size - used ? (size_t)n : size - used - 1;
        }
        n = snprintf(buf + used, size - used, ")");
        used += (size_t)n < size - used ? (size_t)n : size - used - 1;
    }
}

static bool same_type(const wp_functype *a, const wp_functype *b)
{
    if (a->nparams != b->nparams || a->nresults != b->nresults)
        return false;
    for (uint32_t i = 0; i < a->nparams; i++)
        if (a->params[i] != b->params[i])
            return false;
    for (uint32_t i = 0; i < a->nresults; i++)
        if (a->results[i] != b->results[i])
            return false;
    return true;
}

/* A copy of s ("" for NULL) from the engine's allocator, freed with
 * free_text. */
static char *dup_text(wp_engine *e, const char *s)
{
    if (s == NULL)
        s = "";
    size_t n = strlen(s) + 1;
    char *copy = wp_engine_alloc(e, n);
    if (copy != NULL)
        memcpy(copy, s, n);
    return copy;
}

static void free_text(wp_engine *e, char *s)
{
    if (s != NULL)
        wp_engine_free(e, s, strlen(s) + 1);
}

/* ---------------------------------------------------------------- creation: checks */

/* *out: size_out bytes from eng's allocator (of which *len were read). */
static wp_status read_module(wp_engine *eng, const char *path, uint8_t **out, size_t *len,
                             size_t *size_out, wp_error *err)
{
    *out = NULL;
    *len = 0;
    *size_out = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pr_fail(err, WP_ERR_IO, "cannot open: %s", strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return pr_fail(err, WP_ERR_IO, "cannot stat: %s", strerror(e));
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return pr_fail(err, WP_ERR_IO, "not a regular file");
    }
    if ((uint64_t)st.st_size > MAX_MODULE_BYTES) {
        close(fd);
        return pr_fail(err, WP_ERR_IO, "%lld bytes is larger than the %zu-byte limit for "
                       "a module", (long long)st.st_size, MAX_MODULE_BYTES);
    }
    size_t size = (size_t)st.st_size;
    uint8_t *buf = wp_engine_alloc(eng, size);
    if (buf == NULL) {
        close(fd);
        return pr_fail(err, WP_ERR_NOMEM, "out of memory for %zu bytes", size);
    }
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int e = errno;
            close(fd);
            wp_engine_free(eng, buf, size);
            return pr_fail(err, WP_ERR_IO, "cannot read: %s", strerror(e));
        }
        if (n == 0)
            break;   /* the file shrank: compile what is there */
        got += (size_t)n;
    }
    close(fd);
    *out = buf;
    *len = got;
    *size_out = size;
    return WP_OK;
}

static bool exports_function(const wp_module *m, const char *name)
{
    size_t len = strlen(name);
    uint32_t n = wp_module_export_count(m);
    for (uint32_t i = 0; i < n; i++) {
        wp_extern_desc d;
        if (wp_module_export(m, i, &d) == WP_OK && d.kind == WP_EXTERN_FUNC &&
            d.name_len == len && memcmp(d.name, name, len) == 0)
            return true;
    }
    return false;
}

/* The exported function must exist and take and return nothing. */
static wp_status check_function(const wp_module *m, const char *fname, wp_error *err)
{
    uint32_t n = wp_module_export_count(m);
    size_t flen = strlen(fname);
    for (uint32_t i = 0; i < n; i++) {
        wp_extern_desc d;
        if (wp_module_export(m, i, &d) != WP_OK || d.name_len != flen ||
            memcmp(d.name, fname, flen) != 0)
            continue;
        if (d.kind != WP_EXTERN_FUNC)
            return pr_fail(err, WP_ERR_LINK, "export \"%s\" is not a function", fname);
        if (d.func.nparams != 0 || d.func.nresults != 0) {
            char type[96];
            put_type(type, sizeof type, &d.func);
            return pr_fail(err, WP_ERR_LINK, "exported function \"%s\" has type %s; it must "
                           "take no parameters and return nothing, () -> ()", fname, type);
        }
        return WP_OK;
    }
    /* Missing: say what there is, so a typo is obvious. */
    char list[160];
    size_t used = 0;
    bool any = false, cut = false;
    for (uint32_t i = 0; i < n && !cut; i++) {
        wp_extern_desc d;
        if (wp_module_export(m, i, &d) != WP_OK || d.kind != WP_EXTERN_FUNC)
            continue;
        char name[64];
        put_name(name, sizeof name, d.name, d.name_len);
        size_t need = strlen(name) + (any ? 2 : 0);
        if (used + need + 5 > sizeof list) {
            memcpy(list + used, any ? ", ..." : "...", any ? 6 : 4);
            cut = true;
            break;
        }
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", any ? ", " : "", name);
        any = true;
    }
    if (!any)
        return pr_fail(err, WP_ERR_NOT_FOUND, "no exported function \"%s\"; the module "
                       "exports no functions", fname);
    return pr_fail(err, WP_ERR_NOT_FOUND, "no exported function \"%s\"; the module exports: %s",
                   fname, list);
}

/* Every import must be one of the message functions (with its type) or
 * from a WASI module; the WASI names themselves are checked by linking the
 * first instance. */
static wp_status check_imports(const wp_module *m, bool *needs_alloc, wp_error *err)
{
    *needs_alloc = false;
    uint32_t n = wp_module_import_count(m);
    for (uint32_t i = 0; i < n; i++) {
        wp_extern_desc d;
        wp_status s = wp_module_import(m, i, &d);
        if (s != WP_OK)
            return pr_fail(err, s, "cannot read import %u", i);
        char mod[64], name[64];
        put_name(mod, sizeof mod, d.module, d.module_len);
        put_name(name, sizeof name, d.name, d.name_len);
        if (pr_host_module(d.module, d.module_len)) {
            int which = pr_host_lookup(d.name, d.name_len);
            if (which < 0)
                return pr_fail(err, WP_ERR_LINK, "import %s.%s cannot be satisfied: %s "
                               "provides v0_msg_as_bytes, v0_msg_set_bytes, v0_msg_get_meta "
                               "and v0_msg_set_meta", mod, name, mod);
            wp_functype want = pr_host_type(which);
            if (d.kind != WP_EXTERN_FUNC || !same_type(&d.func, &want)) {
                char have[96] = "not a function", need[96];
                if (d.kind == WP_EXTERN_FUNC)
                    put_type(have, sizeof have, &d.func);
                put_type(need, sizeof need, &want);
                return pr_fail(err, WP_ERR_LINK, "import %s.%s has type %s, but the host "
                               "function has type %s", mod, name, have, need);
            }
            if (which == PR_HOST_AS_BYTES || which == PR_HOST_GET_META)
                *needs_alloc = true;
            continue;
        }
        static const char *const wasi[] = { "wasi_snapshot_preview1", "wasi_unstable" };
        bool is_wasi = false;
        for (size_t k = 0; k < 2; k++)
            if (strlen(wasi[k]) == d.module_len && memcmp(wasi[k], d.module, d.module_len) == 0)
                is_wasi = true;
        if (!is_wasi)
            return pr_fail(err, WP_ERR_LINK, "import %s.%s cannot be satisfied: only bento_wasm, "
                           "benthos_wasm, wasi_snapshot_preview1 and wasi_unstable are provided",
                           mod, name);
        if (d.kind != WP_EXTERN_FUNC)
            return pr_fail(err, WP_ERR_LINK, "import %s.%s cannot be satisfied: WASI provides "
                           "only functions", mod, name);
    }
    return WP_OK;
}

/* ---------------------------------------------------------------- the watchdog */

static void check_entry(pr_entry *e, void *user)
{
    pr_call_check(e, *(const uint64_t *)user);
}

static void *watchdog_main(void *arg)
{
    wp_processor *p = arg;
    /* A quarter of the timeout, between 1 ms and 100 ms: an endless loop
     * overshoots its deadline by at most that. */
    uint64_t tick = p->timeout_ns / 4;
    if (tick < 1000000)
        tick = 1000000;
    if (tick > 100000000)
        tick = 100000000;
    pthread_mutex_lock(&p->watch_lock);
    while (!p->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        uint64_t at = (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec + tick;
        ts.tv_sec = (time_t)(at / 1000000000u);
        ts.tv_nsec = (long)(at % 1000000000u);
        pthread_cond_timedwait(&p->watch_cond, &p->watch_lock, &ts);
        if (p->stopping)
            break;
        pthread_mutex_unlock(&p->watch_lock);
        uint64_t now = pr_now_ns();
        pr_pool_each(&p->pool, check_entry, &now);
        pthread_mutex_lock(&p->watch_lock);
    }
    pthread_mutex_unlock(&p->watch_lock);
    return NULL;
}

static wp_status watchdog_start(wp_processor *p, wp_error *err)
{
    pthread_condattr_t ca;
    if (pthread_condattr_init(&ca) != 0)
        return pr_fail(err, WP_ERR_NOMEM, "cannot create the watchdog's condition variable");
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&p->watch_cond, &ca);
    pthread_condattr_destroy(&ca);
    if (rc != 0)
        return pr_fail(err, WP_ERR_NOMEM, "cannot create the watchdog's condition variable");
    if (pthread_mutex_init(&p->watch_lock, NULL) != 0) {
        pthread_cond_destroy(&p->watch_cond);
        return pr_fail(err, WP_ERR_NOMEM, "cannot create the watchdog's mutex");
    }
    rc = pthread_create(&p->watchdog, NULL, watchdog_main, p);
    if (rc != 0) {
        pthread_mutex_destroy(&p->watch_lock);
        pthread_cond_destroy(&p->watch_cond);
        return pr_fail(err, WP_ERR_NOMEM, "cannot start the timeout watchdog: %s", strerror(rc));
    }
    p->watching = true;
    return WP_OK;
}

static void watchdog_stop(wp_processor *p)
{
    if (!p->watching)
        return;
    pthread_mutex_lock(&p->watch_lock);
    p->stopping = true;
    pthread_cond_signal(&p->watch_cond);
    pthread_mutex_unlock(&p->watch_lock);
    pthread_join(p->watchdog, NULL);
    pthread_mutex_destroy(&p->watch_lock);
    pthread_cond_destroy(&p->watch_cond);
    p->watching = false;
}

/* Logs what the compile cache did once auto's background compile has
 * ended: the store's warning (past what the lookup logged), then the
 * outcome. Called per batch while a compile is pending, by one thread. */
static void cache_settled(wp_processor *p)
{
    const char *warning = NULL;
    const char *cache = wp_module_cache(p->module, &warning);
    if (strcmp(cache, "pending") == 0 || !atomic_exchange(&p->cache_pending, false))
        return;
    if (warning != NULL && strlen(warning) > p->cache_reported) {
        const char *rest = warning + p->cache_reported;
        if (p->cache_reported > 0 && strncmp(rest, "; ", 2) == 0)
            rest += 2;
        pr_log(p, WP_LOG_WARN, "compile_cache", "%s: %s", p->path, rest);
    }
    pr_log(p, WP_LOG_DEBUG, "compile_cache", "%s: %s", p->path, cache);
}

/* ---------------------------------------------------------------- create / destroy */

void wp_processor_destroy(wp_processor *p)
{
    if (p == NULL)
        return;
    watchdog_stop(p);
    if (atomic_load(&p->cache_pending))
        cache_settled(p);
    if (p->pool_ready)
        pr_pool_fini(&p->pool);
    if (p->rate_ready)
        pthread_mutex_destroy(&p->rate_lock);
    wp_module_destroy(p->module);
    free_text(p->engine, p->path);
    free_text(p->engine, p->function);
    free_text(p->engine, p->label);
    wp_engine_free(p->engine, p, sizeof *p);
}

static wp_status create(wp_processor *p, const wp_processor_config *cfg, wp_error *err)
{
    if (cfg->max_memory_bytes > 0) {
        uint64_t pages = cfg->max_memory_bytes / 65536;
        if (pages == 0)
            return pr_fail(err, WP_ERR_ARG, "max_memory_bytes %llu is less than one 64 KiB page",
                           (unsigned long long)cfg->max_memory_bytes);
        p->max_pages = pages > 65536 ? 65536 : (uint32_t)pages;
        p->max_memory_bytes = cfg->max_memory_bytes;
    }

    uint8_t *bytes;
    size_t len, size = 0;
    wp_status s = read_module(p->engine, p->path, &bytes, &len, &size, err);
    if (s != WP_OK)
        return s;
    /* On tier jit the whole module is compiled here: a compile on a
     * function's first call would be charged to a message, and could time
     * it out. */
    wp_module_config mc = { .tier = cfg->tier, .cache_dir = cfg->cache_dir, .compile_all = true };
    s = wp_module_compile_ex(p->engine, bytes, len, &mc, &p->module, err);
    wp_engine_free(p->engine, bytes, size);
    if (s != WP_OK)
        return s;
    const char *why = NULL;
    if (cfg->tier == WP_TIER_JIT && strcmp(wp_module_tier(p->module, &why), "jit") != 0)
        pr_log(p, WP_LOG_WARN, "module_warning", "%s: runs on the interpreter: %s", p->path,
               why != NULL ? why : "the JIT refused it");
    const char *cache_warning = NULL;
    const char *cache = wp_module_cache(p->module, &cache_warning);
    if (cache_warning != NULL) {
        pr_log(p, WP_LOG_WARN, "compile_cache", "%s: %s", p->path, cache_warning);
        p->cache_reported = strlen(cache_warning);
    }
    if (strcmp(cache, "off") != 0)
        pr_log(p, WP_LOG_DEBUG, "compile_cache", "%s: %s", p->path, cache);
    atomic_store(&p->cache_pending, strcmp(cache, "pending") == 0);
    atomic_fetch_add(&p->compiles, 1);
    if (cfg->eager_translation && (s = wp_module_translate_all(p->module, err)) != WP_OK)
        return s;

    bool needs_alloc;
    s = check_function(p->module, p->function, err);
    if (s == WP_OK)
        s = check_imports(p->module, &needs_alloc, err);
    char warn[200];
    if (s == WP_OK)
        s = pr_alloc_plan_make(p->module, needs_alloc, &p->plan, warn, sizeof warn, err);
    if (s != WP_OK)
        return s;
    if (warn[0] != '\0')
        pr_log(p, WP_LOG_WARN, "module_warning", "%s: %s", p->path, warn);
    /* What wp_wasi_run's AUTO will call, for messages. */
    p->entry = exports_function(p->module, "_initialize") ? "_initialize"
               : exports_function(p->module, "_start")    ? "_start"
                                                           : NULL;

    s = pr_pool_init(&p->pool, p->max_instances, err);
    if (s != WP_OK)
        return s;
    p->pool_ready = true;
    if (p->timeout_ns > 0) {
        s = watchdog_start(p, err);
        if (s != WP_OK)
            return s;
    }
    /* One instance now, so that linking and initialisation errors show. */
    pr_entry *e;
    s = pr_pool_acquire(p, &e, err);
    if (s != WP_OK)
        return s;
    pr_pool_release(p, e);
    return WP_OK;
}

wp_status wp_processor_create(wp_engine *eng, const wp_processor_config *cfg, wp_processor **out,
                              wp_error *err)
{
    wp_error scratch;
    if (err == NULL)
        err = &scratch;
    if (out == NULL)
        return pr_fail(err, WP_ERR_ARG, "wp_processor_create: out is NULL");
    *out = NULL;
    if (eng == NULL || cfg == NULL)
        return pr_fail(err, WP_ERR_ARG, "wp_processor_create: engine or config is NULL");
    if (cfg->module_path == NULL || cfg->module_path[0] == '\0')
        return pr_fail(err, WP_ERR_ARG, "wasm processor: module_path is required");
    if (cfg->function != NULL && cfg->function[0] == '\0')
        return pr_fail(err, WP_ERR_ARG, "wasm processor: function is empty");

    wp_processor *p = wp_engine_alloc(eng, sizeof *p);
    if (p == NULL)
        return pr_fail(err, WP_ERR_NOMEM, "wasm processor: out of memory");
    p->engine = eng;
    p->path = dup_text(eng, cfg->module_path);
    p->function = dup_text(eng, cfg->function ? cfg->function : "process");
    p->label = dup_text(eng, cfg->label);
    p->timeout_ns = cfg->timeout_ns;
    p->max_instances = cfg->max_instances;
    p->log = cfg->log;
    p->log_user = cfg->log_user;
    p->output_per_message = cfg->output_per_message;
    p->output_per_second = cfg->output_per_second;
    p->rate_tokens = cfg->output_per_second;
    p->rate_last_ns = pr_now_ns();
    p->rate_ready = pthread_mutex_init(&p->rate_lock, NULL) == 0;
    atomic_init(&p->output_dropped, 0);
    atomic_init(&p->output_logged, 0);
    atomic_init(&p->compiles, 0);
    atomic_init(&p->messages, 0);
    atomic_init(&p->errors, 0);
    atomic_init(&p->cancel_waits, false);
    atomic_init(&p->cache_pending, false);
    if (p->path == NULL || p->function == NULL || p->label == NULL || !p->rate_ready) {
        wp_processor_destroy(p);
        return pr_fail(err, WP_ERR_NOMEM, "wasm processor: out of memory");
    }
    wp_status s = create(p, cfg, err);
    if (s != WP_OK) {
        pr_error_prefix(err, "%s", p->path);
        wp_processor_destroy(p);
        return s;
    }
    pr_log(p, WP_LOG_DEBUG, "processor_created", "%s: function %s, %s allocator", p->path,
           p->function,
           p->plan.kind == PR_ALLOC_MALLOC ? "malloc/free"
           : p->plan.kind == PR_ALLOC_ALLOCATE ? "allocate/deallocate" : "no");
    *out = p;
    return WP_OK;
}

/* ---------------------------------------------------------------- processing */

static void timeout_text(const wp_processor *p, wp_message *msg)
{
    uint64_t ns = p->timeout_ns;
    if (ns % 1000000 == 0)
        wp_message_set_error(msg, "timed out after %llu ms", (unsigned long long)(ns / 1000000));
    else
        wp_message_set_error(msg, "timed out after %.3f ms", (double)ns / 1e6);
}

/* Applies what the guest staged; only called when the whole call worked. */
static bool commit(pr_entry *e, wp_message *msg)
{
    const wp_message *st = e->stage;
    for (size_t i = 0; i < st->nmeta; i++) {
        const pr_meta *m = &st->meta[i];
        if (wp_message_meta_set(msg, (const char *)m->buf, m->klen, m->buf + m->klen, m->vlen)
            != WP_OK)
            return false;
    }
    if (e->bytes_set)
        pr_message_swap_bytes(msg, e->stage);
    return true;
}


/* Frames of a trap's wasm call stack shown in a message's error text. */
#define PR_STACK_FRAMES 5

/* A failed call's error text: the error's message, and for a trap whose
 * call stack says more than that message (a host function failed, or
 * there are callers) the stack on one line, innermost first:
 * "MSG (wasm stack: f @0x1a2 <- g @0x190 <- ... 3 more frames)"
 * (docs/errors.md). */
static void error_text(wp_message *msg, const wp_error *err)
{
    bool stack = err->code == WP_ERR_TRAP && err->nframes > 0 &&
                 (err->depth > 1 || err->detail == WP_TRAP_HOST);
    if (!stack) {
        wp_message_set_error(msg, "%s", err->msg);
        return;
    }
    char text[PR_STACK_FRAMES * (WP_FRAME_NAME_MAX + 20) + 40];
    wp_error_stack_format(err, PR_STACK_FRAMES, true, text, sizeof text);
    wp_message_set_error(msg, "%s (wasm stack: %s)", err->msg, text);
}

/* Runs the function for one message. Returns false when the instance can
 * no longer be trusted (the message is then errored and left as it was). */
static bool process_one(wp_processor *p, pr_entry *e, wp_message *msg, bool *errored)
{
    e->msg = msg;
    e->output_used = 0;
    e->bytes_set = false;
    e->nin = 0;
    pr_message_clear_meta(e->stage);

    if (p->timeout_ns > 0)
        pr_call_begin(e, p->timeout_ns);
    wp_error err;
    uint64_t slots[1] = { 0 };
    wp_status s = wp_func_call_raw(e->fn, slots, &err);
    /* In-bound buffers go back to the allocator they came from; after a
     * failure the instance is discarded whole, so they need not. A release
     * function that calls the host functions would feed this loop. */
    e->in_host = true;
    for (size_t i = 0; i < e->nin && s == WP_OK; i++) {
        s = pr_guest_release(&e->alloc, e->in[i].ptr, e->in[i].size, &err);
        if (s != WP_OK)
            pr_error_prefix(&err, "releasing an in-bound buffer");
    }
    e->in_host = false;
    bool fired = p->timeout_ns > 0 && pr_call_end(e);
    e->msg = NULL;

    if (s == WP_OK) {
        *errored = false;
        if (!commit(e, msg)) {
            wp_message_set_error(msg, "out of memory applying the module's changes");
            *errored = true;
        }
        return true;
    }
    *errored = true;
    if (fired)
        timeout_text(p, msg);
    else if (s == WP_EXIT)
        wp_message_set_error(msg, "the module exited with code %d", err.detail);
    else
        error_text(msg, &err);
    pr_log(p, WP_LOG_DEBUG, "instance_discarded", "instance discarded after: %s",
           wp_message_error(msg));
    return false;
}

wp_status wp_processor_process(wp_processor *p, wp_message **msgs, size_t n, wp_error *err)
{
    wp_error scratch;
    if (err == NULL)
        err = &scratch;
    if (p == NULL || (msgs == NULL && n > 0))
        return pr_fail(err, WP_ERR_ARG, "wp_processor_process: processor or messages is NULL");
    if (atomic_load_explicit(&p->cache_pending, memory_order_relaxed))
        cache_settled(p);
    pr_entry *e = NULL;
    uint64_t done = 0, errors = 0;
    for (size_t i = 0; i < n; i++) {
        wp_message *msg = msgs[i];
        if (msg == NULL)
            continue;
        if (e == NULL) {
            /* Waits while other instances exist; fails only when there are
             * none and none can be made. That errors this message, and the
             * next one tries again (the cause may pass). */
            wp_error why;
            if (pr_pool_acquire(p, &e, &why) != WP_OK) {
                wp_message_set_error(msg, "no instance: %s", why.msg);
                e = NULL;
                done++;
                errors++;
                continue;
            }
        }
        bool errored;
        if (!process_one(p, e, msg, &errored)) {
            pr_pool_discard(p, e);
            e = NULL;
        }
        done++;
        errors += errored;
    }
    if (e != NULL)
        pr_pool_release(p, e);
    atomic_fetch_add_explicit(&p->messages, done, memory_order_relaxed);
    if (errors > 0)
        atomic_fetch_add_explicit(&p->errors, errors, memory_order_relaxed);
    return WP_OK;
}

static void cancel_entry(pr_entry *e, void *user)
{
    (void)user;
    wp_wasi_cancel(e->wasi);
}

void wp_processor_cancel_waits(wp_processor *p)
{
    if (p == NULL || !p->pool_ready)
        return;
    atomic_store(&p->cancel_waits, true);
    pr_pool_each(&p->pool, cancel_entry, NULL);
}

void wp_processor_stats_get(wp_processor *p, wp_processor_stats *out)
{
    if (out == NULL)
        return;
    memset(out, 0, sizeof *out);
    if (p == NULL)
        return;
    out->compiles = atomic_load(&p->compiles);
    out->functions_translated = p->module ? wp_module_translated_count(p->module) : 0;
    out->tier = wp_module_tier(p->module, &out->tier_note);
    out->messages = atomic_load(&p->messages);
    out->errors = atomic_load(&p->errors);
    pthread_mutex_lock(&p->pool.lock);
    out->instances_created = p->pool.created;
    out->instances_discarded = p->pool.discarded;
    out->instances_live = p->pool.live;
    out->instance_failures = p->pool.create_failures;
    out->output_dropped = atomic_load(&p->output_dropped);
    out->output_logged = atomic_load(&p->output_logged);
    pthread_mutex_unlock(&p->pool.lock);
}
