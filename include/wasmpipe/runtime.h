/* wasmpipe runtime: a WebAssembly 2.0 engine.
 *
 * This header is the whole contract of the runtime layer. The model:
 *
 *   wp_engine    configuration, allocator, canonical function types.
 *                Thread-safe; create one and share it.
 *   wp_module    a decoded, validated and translated module. Immutable after
 *                wp_module_compile; any number of threads may instantiate it.
 *   wp_instance  memories, tables, globals and a call stack made from a
 *                module. Used by one thread at a time (except
 *                wp_instance_interrupt, which any thread may call).
 *   wp_imports   a name -> extern map used to satisfy a module's imports.
 *
 * Ownership words used below: "borrowed" (the callee does not keep it past
 * the call), "transferred" (the callee now owns it), "view" (a pointer into
 * an object owned elsewhere, valid as long as that object and the stated
 * condition hold). Every destroy function accepts NULL and does nothing.
 */
#ifndef WASMPIPE_RUNTIME_H
#define WASMPIPE_RUNTIME_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define WP_API __attribute__((visibility("default")))
#define WP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define WP_API
#define WP_PRINTF(a, b)
#endif

#define WP_VERSION_MAJOR 0
#define WP_VERSION_MINOR 1
#define WP_VERSION_PATCH 0
/* major*1000000 + minor*1000 + patch */
#define WP_VERSION_NUMBER 1000
#define WP_VERSION_STRING "0.1.0"
WP_API int wp_version_number(void);
WP_API const char *wp_version_string(void);

/* ---------------------------------------------------------------- errors */

typedef enum wp_status {
    WP_OK = 0,
    WP_ERR_MALFORMED,   /* module bytes are not a well-formed binary */
    WP_ERR_INVALID,     /* well-formed but fails validation */
    WP_ERR_LINK,        /* an import is missing or has the wrong type */
    WP_ERR_TRAP,        /* the guest trapped; detail is a wp_trap_kind */
    WP_EXIT,            /* the guest asked to exit; detail is the exit code */
    WP_ERR_NOMEM,       /* allocation failed or a configured cap was hit */
    WP_ERR_ARG,         /* the caller passed something unusable */
    WP_ERR_NOT_FOUND,   /* a name that was looked up does not exist */
    WP_ERR_IO,          /* reading a file failed */
    WP_ERR_INTERNAL     /* a bug in wasmpipe: please report it */
} wp_status;

typedef enum wp_trap_kind {
    WP_TRAP_NONE = 0,
    WP_TRAP_UNREACHABLE,        /* "unreachable" */
    WP_TRAP_MEMORY_OOB,         /* "out of bounds memory access" */
    WP_TRAP_TABLE_OOB,          /* "out of bounds table access" */
    WP_TRAP_UNDEFINED_ELEMENT,  /* "undefined element" (call_indirect index >= table size) */
    WP_TRAP_UNINITIALIZED,      /* "uninitialized element" (null in call_indirect) */
    WP_TRAP_INDIRECT_TYPE,      /* "indirect call type mismatch" */
    WP_TRAP_DIV_ZERO,           /* "integer divide by zero" */
    WP_TRAP_INT_OVERFLOW,       /* "integer overflow" */
    WP_TRAP_INVALID_CONVERSION, /* "invalid conversion to integer" */
    WP_TRAP_STACK_EXHAUSTED,    /* "call stack exhausted" */
    WP_TRAP_INTERRUPTED,        /* "interrupted" (wp_instance_interrupt) */
    WP_TRAP_HOST,               /* a host function failed; msg says why */
    WP_TRAP_SEGMENT_OOB,        /* start-up: segment does not fit ("out of bounds ...") */
    WP_TRAP_NULL_REFERENCE      /* reserved for typed references */
} wp_trap_kind;

/* The canonical text of a trap kind, as the spec tests spell it. */
WP_API const char *wp_trap_kind_text(wp_trap_kind kind);

/* One frame of a trap's wasm call stack. */
#define WP_FRAME_NAME_MAX 48
typedef struct wp_frame {
    uint32_t func;      /* index in its module's function space */
    /* Byte offset, from the start of the module's binary, of the
     * instruction the frame was running: the one that trapped (frame 0),
     * else the call that is in progress. UINT32_MAX if unknown. */
    uint32_t offset;
    /* The function's name from the name section, else its first export
     * name; "" if it has neither (print it as func[N]). Cut with "..." at
     * a character boundary when longer. */
    char     name[WP_FRAME_NAME_MAX];
} wp_frame;

/* How many frames a wp_error keeps: the innermost ones. */
#define WP_MAX_TRAP_FRAMES 16

typedef struct wp_error {
    wp_status code;
    int       detail;   /* wp_trap_kind for WP_ERR_TRAP, exit code for WP_EXIT */
    uint32_t  offset;   /* byte offset in the module, UINT32_MAX if none; for
                         * a trap in wasm code the offset of frames[0] */
    char      msg[256]; /* what is wrong and where; never compare it, use code/detail */
    /* WP_ERR_TRAP only (0 otherwise): the wasm call stack when the guest
     * trapped, innermost first. frames[0] is the function that trapped,
     * or the one whose call of a host function failed (host functions
     * have no frame; msg names them). depth counts every wasm frame the
     * stack had, frames[0..nframes) are the first WP_MAX_TRAP_FRAMES of
     * them. A plain value: copying the struct copies the stack. */
    uint32_t  nframes;
    uint32_t  depth;
    wp_frame  frames[WP_MAX_TRAP_FRAMES];
} wp_error;

WP_API const char *wp_status_text(wp_status s);

/* Writes err's wasm call stack as text to buf (size bytes, always
 * NUL-terminated when size > 0, cut with "..." if it does not fit) and
 * returns the length of the whole text, as snprintf does; "" for an
 * error without frames. A frame is "NAME @0xOFFSET" (func[N] when it has
 * no name, no "@..." when the offset is unknown). At most max_frames
 * frames are written (0: all that err holds); the rest are summed up as
 * "... N more frames". one_line: the frames joined by " <- ", e.g.
 * "c @0x5d <- b @0x4a <- a @0x3c"; else one frame per line, each "  #I "
 * then the frame, ending with a newline. */
WP_API size_t wp_error_stack_format(const wp_error *err, uint32_t max_frames, bool one_line,
                                    char *buf, size_t size);

/* ---------------------------------------------------------------- values */

typedef enum wp_valtype {
    WP_I32 = 0x7f,
    WP_I64 = 0x7e,
    WP_F32 = 0x7d,
    WP_F64 = 0x7c,
    WP_V128 = 0x7b,
    WP_FUNCREF = 0x70,
    WP_EXTERNREF = 0x6f
} wp_valtype;

typedef struct wp_func wp_func;

/* A typed value. Floats are carried as their bit patterns so that NaN
 * payloads survive. A null reference is NULL. */
typedef struct wp_value {
    wp_valtype type;
    union {
        int32_t  i32;
        int64_t  i64;
        uint32_t f32_bits;
        uint64_t f64_bits;
        uint8_t  v128[16];
        wp_func *funcref;
        void    *externref;
    } of;
} wp_value;

typedef struct wp_functype {
    const wp_valtype *params;   /* view */
    uint32_t          nparams;
    const wp_valtype *results;  /* view */
    uint32_t          nresults;
} wp_functype;

/* ---------------------------------------------------------------- engine */

/* Lua-style allocator: new_size 0 frees and returns NULL; ptr NULL allocates.
 * old_size is the size previously requested for ptr (0 for NULL). */
typedef void *(*wp_alloc_fn)(void *ud, void *ptr, size_t old_size, size_t new_size);

/* Which tier runs a module's functions. INTERP: the interpreter. JIT:
 * native code through LLVM where the build has it (WP_JIT), compiled by
 * wp_module_compile before it returns. AUTO (the default): the module
 * starts on the interpreter at once while a background thread compiles it
 * with the JIT; once that is done, new calls run the native code (calls
 * already running finish on the interpreter). In the engine's config,
 * AUTO lets the environment variable WASMPIPE_TIER (interp, jit or auto)
 * choose instead. A module the JIT cannot compile, or any module in a
 * build without it, runs on the interpreter with the same results
 * (wp_module_tier says which tier and why). */
typedef enum wp_tier {
    WP_TIER_AUTO = 0,
    WP_TIER_INTERP = 1,
    WP_TIER_JIT = 2
} wp_tier;

/* Proposals beyond WebAssembly 2.0 that the engine implements. Each is on
 * unless its bit is in wp_engine_config.disabled_features; with all three
 * off, the engine accepts exactly WebAssembly 2.0. */
typedef enum wp_feature {
    WP_FEATURE_TAIL_CALL      = 1u << 0,  /* return_call, return_call_indirect */
    WP_FEATURE_EXTENDED_CONST = 1u << 1,  /* i32/i64 add, sub, mul in constant expressions */
    WP_FEATURE_MULTI_MEMORY   = 1u << 2,  /* more than one memory per module */
    WP_FEATURE_ALL            = (1u << 3) - 1u
} wp_feature;

typedef struct wp_engine_config {
    wp_alloc_fn alloc;            /* NULL: libc. With tier auto it is also called
                                   * from the background compile thread. */
    void       *alloc_ud;
    uint32_t    max_memory_pages; /* default cap per memory, 0: 65536 (4 GiB) */
    uint32_t    stack_slots;      /* value stack per instance, in 8-byte slots; 0: 1M */
    uint32_t    max_call_depth;   /* 0: 10000 */
    wp_tier     tier;             /* 0: auto */
    uint32_t    disabled_features; /* wp_feature bits turned off; 0: every feature on */
    /* Per instance: the most host memory one instance may hold for its
     * memories (pages in use), tables, element segments, its own records
     * and its call stack; past it instantiation fails with WP_ERR_NOMEM
     * naming what did not fit, and memory.grow / table.grow return -1.
     * 0: WP_DEFAULT_MAX_INSTANCE_BYTES (docs/limits.md). */
    uint64_t    max_instance_bytes;
    /* false (default): wp_module_compile validates every function but
     * translates each one to the internal code on its first call. true:
     * every function is translated at compile time (start-up does all the
     * work, and no call ever waits for a translation). */
    bool        eager_translation;
    /* A directory for the compile cache of the JIT tier: native code of
     * each module compiled there is stored in a file named after its key
     * (the module's bytes, wasmpipe's and LLVM's versions, the CPU and its
     * features, the JIT's own build, the disabled features), and a later
     * compile of the same module with the same key loads it instead of
     * compiling again. Created when missing. A file that is unreadable,
     * corrupt or made for another key is ignored and replaced; a directory
     * that cannot be created or written only costs the cache. Neither
     * fails a compile: wp_module_cache says what happened. The files are
     * native code, so the directory must be writable only by whoever runs
     * wasmpipe. Borrowed (copied). NULL: no cache. */
    const char *cache_dir;
} wp_engine_config;

/* The default of max_instance_bytes: 8 GiB, room for a full 4 GiB memory. */
#define WP_DEFAULT_MAX_INSTANCE_BYTES ((uint64_t)8 << 30)

typedef struct wp_engine wp_engine;

WP_API wp_status wp_engine_create(const wp_engine_config *cfg, wp_engine **out, wp_error *err);
struct wp_instance_config;
/* What an instance's call stack (stack_slots and max_call_depth, the
 * engine's or cfg's where nonzero; cfg may be NULL) counts against
 * max_instance_bytes. */
WP_API uint64_t wp_engine_stack_bytes(const wp_engine *e, const struct wp_instance_config *cfg);
/* The engine must outlive every module, instance and host object made from it. */
WP_API void wp_engine_destroy(wp_engine *e);

/* The engine's allocator (wp_engine_config.alloc), for the layers built on
 * the runtime and for embedders, so that every allocation they make can be
 * counted, capped or failed in the same place as the engine's own.
 * wp_engine_alloc returns zeroed memory, or NULL when the allocator fails
 * (a size of 0 is made as 1, so the result is never NULL for success).
 * wp_engine_realloc keeps the first min(old_size, new_size) bytes, zeroes
 * the grown part, and on failure returns NULL leaving p as it was; p NULL
 * allocates. old_size and size must be what was asked for p. p NULL frees
 * nothing. Thread-safe if the allocator is. */
WP_API void *wp_engine_alloc(wp_engine *e, size_t size);
WP_API void *wp_engine_realloc(wp_engine *e, void *p, size_t old_size, size_t new_size);
WP_API void wp_engine_free(wp_engine *e, void *p, size_t size);

/* ---------------------------------------------------------------- modules */

typedef struct wp_module wp_module;

typedef enum wp_extern_kind {
    WP_EXTERN_FUNC = 0,
    WP_EXTERN_TABLE = 1,
    WP_EXTERN_MEMORY = 2,
    WP_EXTERN_GLOBAL = 3
} wp_extern_kind;

typedef struct wp_limits {
    uint32_t min;
    uint32_t max;
    bool     has_max;
} wp_limits;

/* Description of one import or export. Strings are views into the module
 * (not NUL-terminated in general: use the lengths). */
typedef struct wp_extern_desc {
    const char    *module;      /* imports only */
    uint32_t       module_len;
    const char    *name;
    uint32_t       name_len;
    wp_extern_kind kind;
    wp_functype    func;        /* WP_EXTERN_FUNC */
    wp_valtype     type;        /* WP_EXTERN_GLOBAL: value type; TABLE: element type */
    bool           mutable_;    /* WP_EXTERN_GLOBAL */
    wp_limits      limits;      /* WP_EXTERN_TABLE, WP_EXTERN_MEMORY */
} wp_extern_desc;

/* bytes: borrowed for this call only; the module keeps what it needs.
 * Decodes and validates the whole module, so that every error is reported
 * here. Functions are translated on their first call (once per module,
 * also when several threads make that call at the same time), or here with
 * wp_engine_config.eager_translation. */
WP_API wp_status wp_module_compile(wp_engine *e, const uint8_t *bytes, size_t len,
                                   wp_module **out, wp_error *err);
/* wp_module_compile on the given tier; WP_TIER_AUTO: the engine's
 * (wp_engine_config.tier, or WASMPIPE_TIER where that is auto). */
WP_API wp_status wp_module_compile_tier(wp_engine *e, wp_tier tier, const uint8_t *bytes,
                                        size_t len, wp_module **out, wp_error *err);
/* Settings of one compile that override the engine's. Zero everywhere:
 * the engine's settings. */
typedef struct wp_module_config {
    wp_tier     tier;        /* WP_TIER_AUTO: the engine's (wp_module_compile_tier) */
    const char *cache_dir;   /* NULL: the engine's cache_dir; "": no cache.
                              * Borrowed (copied). */
    /* On tier jit, compile every function before wp_module_compile_ex
     * returns (as the engine's eager_translation also does) instead of
     * each on its first call, so that no call waits for a compile. */
    bool        compile_all;
} wp_module_config;
/* wp_module_compile with cfg's settings (cfg may be NULL). */
WP_API wp_status wp_module_compile_ex(wp_engine *e, const uint8_t *bytes, size_t len,
                                      const wp_module_config *cfg, wp_module **out,
                                      wp_error *err);
/* Stops m's background compile (tier auto) and waits for it. Destroy
 * modules before the process exits: a compile still running when exit()
 * tears the JIT's libraries down can crash the process. */
WP_API void wp_module_destroy(wp_module *m);
/* Translates every function of m that is not translated yet, as
 * eager_translation would have at compile time, so that no later call
 * waits for a translation. Safe while other threads call into instances
 * of m. Fails only for want of memory (the message names the function). */
WP_API wp_status wp_module_translate_all(wp_module *m, wp_error *err);
/* How many of m's defined functions are translated so far. */
WP_API uint32_t wp_module_translated_count(const wp_module *m);
/* The tier new calls into m's functions run on: "interp" or "jit".
 * why_not_jit (may be NULL) receives, on the interpreter, why the JIT is
 * not running the module: it refused the module, the build has none, or
 * (auto) its background compile has not finished; NULL when the JIT was
 * not asked for. Valid while m lives. Safe from any thread. */
WP_API const char *wp_module_tier(const wp_module *m, const char **why_not_jit);
/* wp_module_tier after waiting for m's background compile (auto) to end,
 * successful or not; at once when there is none. */
WP_API const char *wp_module_wait_tier(wp_module *m, const char **why_not_jit);
/* What the compile cache did for m: "off" (no cache directory, or m does
 * not run on the JIT tier), "hit" (its native code was loaded from the
 * cache) or "miss" (compiled, and stored unless a warning says why not).
 * warning (may be NULL) receives, valid while m lives, what went wrong
 * with the cache (a file ignored and why, a directory or file that could
 * not be written), else NULL; the compile itself succeeded either way.
 * With the auto tier a cached module starts on native code at once; on a
 * miss the compile runs in the background and this says "pending" (with
 * the warning of the lookup, if any) until wp_module_wait_tier returns. */
WP_API const char *wp_module_cache(const wp_module *m, const char **warning);

WP_API uint32_t wp_module_import_count(const wp_module *m);
WP_API uint32_t wp_module_export_count(const wp_module *m);
WP_API wp_status wp_module_import(const wp_module *m, uint32_t i, wp_extern_desc *out);
WP_API wp_status wp_module_export(const wp_module *m, uint32_t i, wp_extern_desc *out);

/* ---------------------------------------------------------------- externs */

typedef struct wp_memory wp_memory;
typedef struct wp_table wp_table;
typedef struct wp_global wp_global;
typedef struct wp_instance wp_instance;

typedef struct wp_extern {
    wp_extern_kind kind;
    union {
        wp_func   *func;
        wp_table  *table;
        wp_memory *memory;
        wp_global *global;
    } of;
} wp_extern;

/* ---------------------------------------------------------------- host functions */

/* The context of one host-function call. */
typedef struct wp_call wp_call;

/* slots: the arguments on entry, one 8-byte slot each (i32/f32 in the low
 * 32 bits, references as pointers); the function writes its results from
 * slots[0] on. The array has room for max(nparams, nresults) slots.
 * Return WP_OK, or the status from wp_call_trap / wp_call_exit. */
typedef wp_status (*wp_host_fn)(wp_call *call, void *user, uint64_t *slots);

/* type: borrowed. user: borrowed, must outlive the function. */
WP_API wp_status wp_func_create_host(wp_engine *e, const wp_functype *type,
                                     wp_host_fn fn, void *user,
                                     wp_func **out, wp_error *err);
/* Only for functions from wp_func_create_host; they must outlive every
 * instance that imports them. */
WP_API void wp_func_destroy(wp_func *f);

/* The instance whose code made the call (NULL when a host calls a host
 * function directly). */
WP_API wp_instance *wp_call_instance(wp_call *call);
/* View of the calling instance's memory 0, valid until the guest runs
 * again (memory.grow may move it). NULL and *len = 0 if it has none. */
WP_API uint8_t *wp_call_memory(wp_call *call, size_t *len);
/* True once wp_instance_interrupt has asked the calling instance's running
 * call to stop. A host function that blocks (a sleep, a read from a pipe)
 * waits in short slices, checks this between them, and ends the call with
 * wp_call_trap when it is set, so that an interrupt bounds host calls too. */
WP_API bool wp_call_interrupted(wp_call *call);
/* Record a trap with a message; return the result from the host function. */
WP_API wp_status wp_call_trap(wp_call *call, const char *fmt, ...) WP_PRINTF(2, 3);
/* Ask the guest to exit with a code (WASI proc_exit); return the result. */
WP_API wp_status wp_call_exit(wp_call *call, int code);

/* ---------------------------------------------------------------- memories, tables, globals */

/* Standalone objects, for hosts that provide imports (e.g. the spectest
 * module). Objects owned by an instance die with it. */
WP_API wp_status wp_memory_create(wp_engine *e, wp_limits limits, wp_memory **out, wp_error *err);
WP_API void wp_memory_destroy(wp_memory *m);
/* View, valid until the memory grows or dies. */
WP_API uint8_t *wp_memory_data(wp_memory *m, size_t *len);
WP_API uint32_t wp_memory_pages(const wp_memory *m);
/* Returns the old size in pages, or -1 if it cannot grow. */
WP_API int64_t wp_memory_grow(wp_memory *m, uint32_t delta_pages);

WP_API wp_status wp_table_create(wp_engine *e, wp_valtype elem, wp_limits limits,
                                 wp_table **out, wp_error *err);
WP_API void wp_table_destroy(wp_table *t);
WP_API uint32_t wp_table_size(const wp_table *t);
WP_API wp_status wp_table_get(const wp_table *t, uint32_t i, wp_value *out, wp_error *err);
WP_API wp_status wp_table_set(wp_table *t, uint32_t i, const wp_value *v, wp_error *err);

WP_API wp_status wp_global_create(wp_engine *e, const wp_value *init, bool mutable_,
                                  wp_global **out, wp_error *err);
WP_API void wp_global_destroy(wp_global *g);
WP_API wp_value wp_global_get(const wp_global *g);
WP_API wp_status wp_global_set(wp_global *g, const wp_value *v, wp_error *err);

/* ---------------------------------------------------------------- imports */

typedef struct wp_imports wp_imports;

WP_API wp_status wp_imports_create(wp_engine *e, wp_imports **out, wp_error *err);
WP_API void wp_imports_destroy(wp_imports *im);
/* module, name: borrowed (copied). The extern's object is borrowed and must
 * outlive every instance created with these imports. A later definition of
 * the same (module, name) replaces an earlier one. */
WP_API wp_status wp_imports_define(wp_imports *im, const char *module, const char *name,
                                   wp_extern ext, wp_error *err);
/* Defines every export of inst under module name `module`. */
WP_API wp_status wp_imports_define_instance(wp_imports *im, const char *module,
                                            wp_instance *inst, wp_error *err);

/* ---------------------------------------------------------------- instances */

/* An interrupt handle: it exists before the instance it stops, so that
 * a start function that never returns can be stopped while
 * wp_instance_create runs it. Give it to one instance at a time through
 * wp_instance_config.interrupt; it must outlive that instance. */
typedef struct wp_interrupt wp_interrupt;

WP_API wp_status wp_interrupt_create(wp_engine *e, wp_interrupt **out, wp_error *err);
WP_API void wp_interrupt_destroy(wp_interrupt *h);
/* Thread-safe. While the instance is being created, its start function
 * (running, or about to run) returns WP_ERR_TRAP / WP_TRAP_INTERRUPTED and
 * wp_instance_create fails; once it exists, this is wp_instance_interrupt.
 * A fire before wp_instance_create begins stops its start function too;
 * it is forgotten when the instance is made. */
WP_API void wp_interrupt_fire(wp_interrupt *h);

typedef struct wp_instance_config {
    uint32_t max_memory_pages; /* 0: the engine's default */
    uint32_t stack_slots;      /* 0: the engine's default */
    uint32_t max_call_depth;   /* 0: the engine's default */
    void    *user;             /* free for the embedder: wp_instance_user */
    uint64_t max_instance_bytes; /* 0: the engine's (see wp_engine_config) */
    wp_interrupt *interrupt;   /* borrowed, may be NULL: see wp_interrupt_fire */
} wp_instance_config;

/* imports: borrowed (may be NULL if the module imports nothing); cfg may be
 * NULL. Links, initialises memories/tables/globals and runs the start
 * function. On WP_ERR_TRAP during start-up, nothing is returned. */
WP_API wp_status wp_instance_create(wp_module *m, const wp_imports *imports,
                                    const wp_instance_config *cfg,
                                    wp_instance **out, wp_error *err);
WP_API void wp_instance_destroy(wp_instance *in);
WP_API void *wp_instance_user(const wp_instance *in);
WP_API const wp_module *wp_instance_module(const wp_instance *in);

/* Looks an export up by NUL-terminated name. The object is a view owned by
 * the instance (or by whoever it was imported from). */
WP_API wp_status wp_instance_export(wp_instance *in, const char *name, wp_extern *out,
                                    wp_error *err);
/* Memory 0 of the instance, or NULL. */
WP_API wp_memory *wp_instance_memory(wp_instance *in);

/* Thread-safe: makes the running (or next) call on this instance return
 * WP_ERR_TRAP / WP_TRAP_INTERRUPTED at the next loop back-edge or call.
 * The flag is cleared when an outermost call begins. */
WP_API void wp_instance_interrupt(wp_instance *in);

/* ---------------------------------------------------------------- calls */

WP_API wp_functype wp_func_type(const wp_func *f);
/* Name from the name section or the export, for messages; may be NULL. */
WP_API const char *wp_func_name(const wp_func *f);

/* Calls f with typed arguments (checked against its type). */
WP_API wp_status wp_func_call(wp_func *f, const wp_value *args, uint32_t nargs,
                              wp_value *results, uint32_t nresults, wp_error *err);
/* Fast path: slots holds the arguments on entry and the results on return,
 * laid out as for wp_host_fn; it needs max(nparams, nresults) entries. The
 * types are not checked. May be called from inside a host function of the
 * same instance (re-entrant). */
WP_API wp_status wp_func_call_raw(wp_func *f, uint64_t *slots, wp_error *err);

#ifdef __cplusplus
}
#endif
#endif
