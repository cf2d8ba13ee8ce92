/* The `wasm` processor component: the configuration fields of Bento's wasm
 * processor (module_path, function) and our limits (max_instances,
 * timeout, max_memory), handed to a shared wp_processor. The module file
 * is checked here first so that a missing file is reported at module_path
 * with the system's reason; everything else the processor says (an invalid
 * module, a missing function, an import nothing provides) is reported with
 * the processor's own message.
 */
#include "pl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <time.h>

typedef struct wasm_cfg {
    const char *module_path;
    const char *function;
    int64_t     max_instances;
    uint64_t    timeout;
    uint64_t    max_memory;
    uint64_t    output_per_message;
    uint64_t    output_per_second;
    bool        eager_translation;
    int         tier;            /* index into tier_names: the wp_tier value */
    const char *cache_dir;
} wasm_cfg;

/* In wp_tier order: WP_TIER_AUTO, WP_TIER_INTERP, WP_TIER_JIT. */
static const char *const tier_names[] = { "auto", "interp", "jit", NULL };

static const pl_field wasm_fields[] = {
    { "module_path", PL_T_STR, NULL, offsetof(wasm_cfg, module_path),
      "The WebAssembly module, read and compiled once at start-up. A relative path is taken "
      "from the current directory, as Bento does, not from the configuration file's.",
      PL_REQUIRED, NULL, 0, 0, NULL },
    { "function", PL_T_STR, "process", offsetof(wasm_cfg, function),
      "The exported function called once per message; it takes no parameters and returns "
      "nothing.",
      0, NULL, 0, 0, NULL },
    { "max_instances", PL_T_INT, "0", offsetof(wasm_cfg, max_instances),
      "The most instances the pool may hold; 0: no bound (about one per worker thread). "
      "With a bound, a worker waits for a free instance. When a new instance cannot be "
      "created (memory or address space ran out) while others exist, the pool stops "
      "growing and workers wait for those; a message is errored (\"no instance: ...\") "
      "only when no instance exists and none can be made.",
      0, NULL, 0, 65536, NULL },
    { "timeout", PL_T_DURATION, "0s", offsetof(wasm_cfg, timeout),
      "The longest one call may run, time spent blocked in WASI calls (sleeps, waits) "
      "included; the message is errored with \"timed out after ...\" "
      "and the instance replaced. 0s: no limit.",
      0, NULL, 0, 0, NULL },
    { "max_memory", PL_T_BYTES, "0", offsetof(wasm_cfg, max_memory),
      "The most host memory one instance may hold for its linear memory (growing past it "
      "fails in the guest), tables and segments; the call stack comes on top. 0: the "
      "engine's limit (8 GiB, see docs/limits.md).",
      0, NULL, 0, (int64_t)4 << 30, NULL },
    { "guest_output_per_message", PL_T_BYTES, "64KiB", offsetof(wasm_cfg, output_per_message),
      "The most the guest's stdout and stderr may log for one message (initialisation "
      "counts as one); the rest of that message's output is dropped and counted. 0: no cap.",
      0, NULL, 0, 0, NULL },
    { "guest_output_per_second", PL_T_BYTES, "1MiB", offsetof(wasm_cfg, output_per_second),
      "The most guest output the processor logs per second, over all its instances; output "
      "past it is dropped and counted (a `guest_output_dropped` warning at most once a "
      "second, and the total at the end). 0: no cap.",
      0, NULL, 0, 0, NULL },
    { "eager_translation", PL_T_BOOL, "false", offsetof(wasm_cfg, eager_translation),
      "Translate every function of the module at start-up instead of on its first call: "
      "start-up takes longer (and the module's memory is all spent at once), and no "
      "message waits for a function's first translation.",
      0, NULL, 0, 0, NULL },
    { "tier", PL_T_ENUM, "auto", offsetof(wasm_cfg, tier),
      "Which engine tier runs the module: `interp` (the interpreter), `jit` (native code "
      "through LLVM, compiled at start-up) or `auto` (start on the interpreter at once "
      "and switch new calls to native code when a background compile is done). With "
      "`auto` the environment variable WASMPIPE_TIER, when set, chooses instead. A module "
      "the JIT cannot compile, or a build without it, runs on the interpreter with the "
      "same results (with `jit`, a `module_warning` says why).",
      0, tier_names, 0, 0, NULL },
    { "cache_dir", PL_T_STR, "", offsetof(wasm_cfg, cache_dir),
      "A directory for the compile cache of the JIT tier: the module's native code is "
      "stored there, and a later start with the same module, wasmpipe, LLVM and CPU loads "
      "it instead of compiling again. Created when missing. A damaged or foreign cache file "
      "is ignored (a `compile_cache` warning) and replaced; a directory that cannot be "
      "written only costs the cache. Deleting it is always safe. Empty: no cache. Only the "
      "JIT tier uses it.",
      0, NULL, 0, 0, NULL },
    { NULL, 0, NULL, 0, NULL, 0, NULL, 0, 0, NULL },
};

typedef struct wasm_state {
    wp_engine       *engine;       /* whose allocator this struct is */
    wp_processor    *proc;
    const wp_logger *log;
    const char      *label;
    const char      *module_path;
    uint64_t         compile_ns;   /* reading, compiling and checking the module */
} wasm_state;

/* Events from the processor (guest output, instance churn) into our log,
 * tagged with the processor's label. */
static void forward(void *user, wp_log_level level, const char *event, const char *msg) {
    wasm_state *w = user;
    wp_log_line l;
    if (!wp_log_begin(&l, w->log, (int)level, event)) return;
    if (w->label) wp_log_str(&l, "label", w->label);
    wp_log_str(&l, "msg", msg);
    wp_log_end(&l);
}

static wp_status wasm_create(const pl_open_ctx *ctx, const void *cfg, void **state,
                             pl_fail *fail) {
    const wasm_cfg *c = cfg;
    const pl_node *path_at = pl_map_get(ctx->comp->node, "module_path");
    if (!c->module_path[0])
        return pl_failf(fail, WP_ERR_INVALID, path_at, "module_path", "the path is empty");
    int fd = open(c->module_path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pl_failf(fail, WP_ERR_IO, path_at, "module_path", "cannot open '%s': %s",
                        c->module_path, strerror(errno));
    struct stat st;
    bool dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
    close(fd);
    if (dir)
        return pl_failf(fail, WP_ERR_IO, path_at, "module_path", "'%s' is a directory",
                        c->module_path);
    wasm_state *w = pl_alloc(ctx->engine, sizeof *w);
    if (!w) return pl_failf(fail, WP_ERR_NOMEM, NULL, "", "out of memory for the processor");
    w->engine = ctx->engine;
    w->log = ctx->log;
    w->label = ctx->comp->label;
    w->module_path = c->module_path;
    wp_processor_config pc = {
        .module_path = c->module_path,
        .function = c->function,
        .label = ctx->comp->label,
        .max_instances = (uint32_t)c->max_instances,
        .timeout_ns = c->timeout,
        .max_memory_bytes = c->max_memory,
        .output_per_message = c->output_per_message,
        .output_per_second = c->output_per_second,
        .eager_translation = c->eager_translation,
        .tier = (wp_tier)c->tier,
        .cache_dir = c->cache_dir,
        .log = forward,
        .log_user = w,
    };
    wp_error err;
    memset(&err, 0, sizeof err);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    wp_status s = wp_processor_create(ctx->engine, &pc, &w->proc, &err);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    w->compile_ns = (uint64_t)((t1.tv_sec - t0.tv_sec) * 1000000000ll + (t1.tv_nsec - t0.tv_nsec));
    if (s != WP_OK) {
        pl_free(ctx->engine, w, sizeof *w);
        /* A name that was looked up and not found is the function's. */
        const pl_node *fn_at = pl_map_get(ctx->comp->node, "function");
        if (s == WP_ERR_NOT_FOUND && fn_at)
            return pl_failf(fail, s, fn_at, "function", "%s", err.msg);
        return pl_failf(fail, s, path_at, "module_path", "%s",
                        err.msg[0] ? err.msg : wp_status_text(s));
    }
    *state = w;
    return WP_OK;
}

static wp_status wasm_process(void *state, wp_message **msgs, size_t n, wp_error *err) {
    wasm_state *w = state;
    return wp_processor_process(w->proc, msgs, n, err);
}

static void wasm_report(void *state, const wp_logger *log) {
    wasm_state *w = state;
    wp_processor_stats st;
    wp_processor_stats_get(w->proc, &st);
    wp_log_line l;
    /* Dropped guest output is worth a warning at the end, whatever the level. */
    if (st.output_dropped && wp_log_begin(&l, log, WP_LOG_WARN, "guest_output_dropped")) {
        if (w->label) wp_log_str(&l, "label", w->label);
        wp_log_u64(&l, "bytes", st.output_dropped);
        wp_log_u64(&l, "logged", st.output_logged);
        wp_log_str(&l, "msg", "guest output past guest_output_per_message or "
                              "guest_output_per_second was dropped");
        wp_log_end(&l);
    }
    if (st.instance_failures && wp_log_begin(&l, log, WP_LOG_WARN, "instance_failures")) {
        if (w->label) wp_log_str(&l, "label", w->label);
        wp_log_u64(&l, "count", st.instance_failures);
        wp_log_str(&l, "msg", "instances could not be created; the pool ran with fewer");
        wp_log_end(&l);
    }
    if (!wp_log_begin(&l, log, WP_LOG_DEBUG, "processor_stats")) return;
    if (w->label) wp_log_str(&l, "label", w->label);
    wp_log_str(&l, "module", w->module_path);
    wp_log_u64(&l, "messages", st.messages);
    wp_log_u64(&l, "errors", st.errors);
    wp_log_u64(&l, "compiles", st.compiles);
    wp_log_str(&l, "tier", st.tier);
    if (st.tier_note) wp_log_str(&l, "tier_note", st.tier_note);
    wp_log_u64(&l, "instances_created", st.instances_created);
    wp_log_u64(&l, "instances_discarded", st.instances_discarded);
    wp_log_u64(&l, "instances_live", st.instances_live);
    wp_log_u64(&l, "instance_failures", st.instance_failures);
    wp_log_u64(&l, "output_logged", st.output_logged);
    wp_log_u64(&l, "output_dropped", st.output_dropped);
    wp_log_end(&l);
}

static void wasm_stats(void *state, wp_processor_stats *st, uint64_t *compile_ns) {
    wasm_state *w = state;
    wp_processor_stats_get(w->proc, st);
    *compile_ns = w->compile_ns;
}

static void wasm_stop(void *state) {
    wasm_state *w = state;
    wp_processor_cancel_waits(w->proc);
}

static void wasm_destroy(void *state) {
    wasm_state *w = state;
    if (!w) return;
    wp_processor_destroy(w->proc);
    pl_free(w->engine, w, sizeof *w);
}

const pl_processor_type pl_processor_wasm = {
    .spec = {
        .name = "wasm",
        .summary = "Calls a function exported by a WebAssembly module for each message.",
        .details = "The module reads and changes the message through the `bento_wasm` (or "
                   "`benthos_wasm`) host functions `v0_msg_as_bytes`, `v0_msg_set_bytes`, "
                   "`v0_msg_get_meta` and `v0_msg_set_meta`, and gets WASI preview 1 with no "
                   "file system; its stdout and stderr go to the log. The module is compiled "
                   "once and shared by every worker thread through a pool of instances. A "
                   "trap, a timeout or a bad pointer from the guest errors that message only.",
        .fields = wasm_fields,
        .cfg_size = sizeof(wasm_cfg),
    },
    .create = wasm_create,
    .process = wasm_process,
    .report = wasm_report,
    .stats = wasm_stats,
    .stop = wasm_stop,
    .destroy = wasm_destroy,
};
