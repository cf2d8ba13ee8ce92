/* wasmpipe processor: the `wasm` processor of a stream processor.
 *
 * For every message it calls a function exported by a WebAssembly module;
 * the module reads and changes the message through the host functions
 * v0_msg_as_bytes, v0_msg_set_bytes, v0_msg_get_meta and v0_msg_set_meta,
 * imported from "bento_wasm" (or "benthos_wasm"), and gets WASI preview1.
 * Built on <wasmpipe/runtime.h> and <wasmpipe/wasi.h> only.
 *
 * Threads: a wp_processor may be used by any number of threads at once. It
 * compiles its module once and keeps a pool of instances; an instance
 * serves one thread at a time. Ownership words are those of runtime.h.
 */
#ifndef WASMPIPE_PROCESSOR_H
#define WASMPIPE_PROCESSOR_H

#include <wasmpipe/runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- messages */

/* A message: bytes, metadata (byte-string keys to byte-string values) and
 * an error state. Not thread-safe: one thread touches a message at a time. */
typedef struct wp_message wp_message;

/* data: borrowed (copied). NULL on allocation failure. The message and
 * everything it holds are allocated through e's allocator
 * (wp_engine_alloc), so e must outlive it; copies use the same engine.
 * e NULL: libc's malloc, as wp_message_create does. */
WP_API wp_message *wp_message_create_in(wp_engine *e, const uint8_t *data, size_t len);
/* wp_message_create_in(NULL, data, len): a message on libc's malloc. */
WP_API wp_message *wp_message_create(const uint8_t *data, size_t len);
WP_API void wp_message_destroy(wp_message *msg);
/* A deep copy (bytes, metadata, error), or NULL on allocation failure. */
WP_API wp_message *wp_message_copy(const wp_message *msg);

/* View, valid until the message's bytes change or it dies. */
WP_API const uint8_t *wp_message_bytes(const wp_message *msg, size_t *len);
/* data: borrowed (copied). */
WP_API wp_status wp_message_set_bytes(wp_message *msg, const uint8_t *data, size_t len);
/* Takes over `data` (from malloc, `cap` bytes of which the first `len` are
 * the content) without copying it; the message frees it, with free() also
 * when the message was made with an engine. For an input that has a large
 * message in a buffer of its own already. */
WP_API void wp_message_adopt_bytes(wp_message *msg, uint8_t *data, size_t len, size_t cap);
/* The same for `data` from e's allocator (wp_engine_alloc, `cap` bytes),
 * which the message gives back to e when it is done with it; e must
 * outlive the message. e NULL: from malloc, as wp_message_adopt_bytes. */
WP_API void wp_message_adopt_bytes_in(wp_message *msg, wp_engine *e, uint8_t *data, size_t len,
                                      size_t cap);

/* The value for a key, as a view valid until the metadata changes; NULL
 * (and *vlen = 0) when absent. */
WP_API const uint8_t *wp_message_meta_get(const wp_message *msg, const char *key, size_t klen,
                                          size_t *vlen);
/* key, value: borrowed (copied). Replaces an existing value. */
WP_API wp_status wp_message_meta_set(wp_message *msg, const char *key, size_t klen,
                                     const uint8_t *value, size_t vlen);
WP_API wp_status wp_message_meta_delete(wp_message *msg, const char *key, size_t klen);
WP_API size_t wp_message_meta_count(const wp_message *msg);
/* The i-th entry (views); order is insertion order. */
WP_API bool wp_message_meta_at(const wp_message *msg, size_t i, const char **key, size_t *klen,
                               const uint8_t **value, size_t *vlen);

/* The error text, or NULL when the message is not errored. View. */
WP_API const char *wp_message_error(const wp_message *msg);
WP_API void wp_message_set_error(wp_message *msg, const char *fmt, ...) WP_PRINTF(2, 3);
WP_API void wp_message_clear_error(wp_message *msg);

/* ---------------------------------------------------------------- logging */

typedef enum wp_log_level {
    WP_LOG_ERROR = 0,
    WP_LOG_WARN,
    WP_LOG_INFO,
    WP_LOG_DEBUG,
    WP_LOG_TRACE
} wp_log_level;

/* Receives one log event: a short event name (e.g. "guest_stdout",
 * "message_error", "instance_created") and a message. Both views, valid
 * for this call only. Called from any thread that processes. */
typedef void (*wp_log_fn)(void *user, wp_log_level level, const char *event, const char *msg);

/* ---------------------------------------------------------------- processor */

typedef struct wp_processor wp_processor;

typedef struct wp_processor_config {
    const char *module_path;     /* required */
    const char *function;        /* NULL: "process" */
    const char *label;           /* for messages and logs; may be NULL */
    uint32_t    max_instances;   /* 0: unbounded (grow when none is free) */
    uint64_t    timeout_ns;      /* per message; 0: none */
    uint64_t    max_memory_bytes;/* per instance: memories, tables, segments (the
                                  * call stack on top); 0: the engine's limit */
    wp_log_fn   log;             /* NULL: events are dropped */
    void       *log_user;
    /* Guest stdout and stderr become log events, within two caps: bytes
     * per message (what one call writes; initialisation counts as one) and
     * bytes per second for the whole processor. What goes past them is
     * dropped and counted (wp_processor_stats.output_dropped). 0: no cap. */
    uint64_t    output_per_message;
    uint64_t    output_per_second;
    /* true: every function is translated when the processor is created, so
     * start-up does all of that work and no message waits for a function's
     * first translation. false (default): each on its first call. */
    bool        eager_translation;
    /* The tier the module runs on (wp_tier): WP_TIER_AUTO (0, default)
     * takes the engine's; INTERP or JIT choose for this processor alone. */
    wp_tier     tier;
    /* The JIT's compile cache for this module (wp_engine_config.cache_dir,
     * which it overrides): NULL: the engine's; "": none. What the cache did
     * is logged as a "compile_cache" event (a warning when a cache file was
     * ignored or could not be written). */
    const char *cache_dir;
} wp_processor_config;

/* Reads, compiles and checks the module once (the function's export and
 * type, the imports, the allocator exports) and creates one instance.
 * Errors name the path and the cause. cfg: borrowed (strings copied).
 * e must outlive the processor. */
WP_API wp_status wp_processor_create(wp_engine *e, const wp_processor_config *cfg,
                                     wp_processor **out, wp_error *err);
WP_API void wp_processor_destroy(wp_processor *p);

/* Processes msgs[0..n) in place, in order. A message whose call fails
 * (trap, timeout, bad pointer from the guest, ...) is left with its
 * original bytes and metadata and an error set; the others are unaffected.
 * When a new instance cannot be made (memory, address space) while others
 * exist, the call waits for one of them; only when none exists and none
 * can be made is a message errored ("no instance: ..."), and the next one
 * tries again. Returns WP_OK unless the arguments are unusable.
 * Thread-safe. */
WP_API wp_status wp_processor_process(wp_processor *p, wp_message **msgs, size_t n,
                                      wp_error *err);

/* Thread-safe, for shutting down: every guest blocked in a WASI wait (a
 * sleep in poll_oneoff, a read from a pipe) ends its call within a few
 * milliseconds, and so does every later one that would block; the message
 * is errored ("... cancelled: the host is shutting down"). Guests that
 * compute are not affected, so messages in flight still finish. No undo. */
WP_API void wp_processor_cancel_waits(wp_processor *p);

typedef struct wp_processor_stats {
    uint64_t compiles;           /* always 1 */
    uint64_t instances_created;
    uint64_t instances_discarded;/* after a trap or timeout */
    uint64_t instances_live;
    uint64_t messages;
    uint64_t errors;
    uint64_t instance_failures;  /* instances that could not be created */
    uint64_t output_dropped;     /* guest output bytes dropped by the caps */
    uint64_t output_logged;      /* guest output bytes logged */
    uint64_t functions_translated; /* of the module's functions, so far */
    const char *tier;            /* where new calls run now: "interp" or "jit" */
    const char *tier_note;       /* on the interpreter: why not the JIT
                                  * (wp_module_tier), else NULL; valid while
                                  * the processor lives */
} wp_processor_stats;

WP_API void wp_processor_stats_get(wp_processor *p, wp_processor_stats *out);

#ifdef __cplusplus
}
#endif
#endif
