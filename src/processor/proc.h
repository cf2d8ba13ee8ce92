/* Internal model of the processor layer, shared by the files of
 * src/processor only (functions shared between them carry the pr_ prefix).
 *
 * A wp_processor owns one compiled module and a pool of entries. An entry
 * is one instance with everything that belongs to it alone: its WASI
 * state, its four message host functions (made with the entry as their
 * user pointer, so that a call finds its message without asking the
 * runtime), its resolved exports, and the state of the message it is
 * processing. That per-message state is staged: what
 * the guest sets is kept in the entry and applied to the message only when
 * the call succeeds, so a failed call leaves the message as it was. Every
 * staging buffer keeps its capacity from message to message, so that the
 * steady state allocates nothing on the host side.
 */
#ifndef WASMPIPE_PROC_H
#define WASMPIPE_PROC_H

#include <wasmpipe/processor.h>
#include <wasmpipe/wasi.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- messages (message.c) */

/* One metadata entry: key and value share one allocation of cap bytes,
 * the key first. */
typedef struct pr_meta {
    uint8_t *buf;
    size_t   klen, vlen, cap;
} pr_meta;

struct wp_message {
    wp_engine *engine;      /* allocates everything below; NULL: libc */
    uint8_t *data;          /* NULL while cap is 0 */
    size_t   len, cap;
    /* Whose allocation data is: the message's engine, or NULL for libc
     * (bytes adopted from malloc, or swapped in from a libc message). */
    wp_engine *data_engine;
    pr_meta *meta;          /* insertion order */
    size_t   nmeta, cap_meta;
    /* A hash index over meta[0..nindexed), built once a message has many
     * keys (message.c): open addressing, each slot holds an entry's
     * position plus one (0: empty). It covers the first `nindexed`
     * entries; later ones are added on the next lookup. */
    uint32_t *slots;
    size_t    slots_cap;    /* allocated */
    size_t    mask;         /* table size - 1 in use; 0: no table yet */
    size_t    nindexed;
    char    *error;         /* NULL: not errored (unless error_lost) */
    bool     error_lost;    /* errored, but its text could not be allocated */
};

/* Exchanges the bytes (buffer, length, capacity, and whose allocation the
 * buffer is) of two messages, so that committing staged bytes is a swap and
 * not a copy, also between messages of different allocators. */
void pr_message_swap_bytes(wp_message *a, wp_message *b);
/* Forgets every metadata entry but keeps the buffers for reuse. */
void pr_message_clear_meta(wp_message *m);

/* ---------------------------------------------------------------- allocators (guest_alloc.c) */

typedef enum pr_alloc_kind {
    PR_ALLOC_NONE = 0,   /* the module exports no usable allocator */
    PR_ALLOC_MALLOC,     /* malloc(size) -> ptr, released with free(ptr) */
    PR_ALLOC_ALLOCATE    /* allocate(size) -> ptr, released with deallocate(ptr, size) */
} pr_alloc_kind;

/* Decided once per processor from the module's exports. */
typedef struct pr_alloc_plan {
    pr_alloc_kind kind;        /* for in-bound buffers (as_bytes, get_meta) */
    bool          release;     /* kind's release function is exported */
    bool          outbound;    /* deallocate is exported: out-bound buffers are the host's */
} pr_alloc_plan;

/* Looks at the module's exports. needs_alloc: the module imports as_bytes
 * or get_meta, so it must export an allocator. Fills warn (may be empty)
 * with something worth logging about an accepted module. */
wp_status pr_alloc_plan_make(const wp_module *m, bool needs_alloc, pr_alloc_plan *out,
                             char *warn, size_t warn_size, wp_error *err);

/* The allocator functions of one instance, resolved once. */
typedef struct pr_alloc_funcs {
    pr_alloc_kind kind;
    wp_func      *alloc;       /* malloc or allocate; NULL if none */
    wp_func      *release;     /* free or deallocate, paired with alloc; may be NULL */
    wp_func      *dealloc;     /* deallocate for out-bound buffers; NULL unless plan.outbound */
} pr_alloc_funcs;

wp_status pr_alloc_bind(wp_instance *in, const pr_alloc_plan *plan, pr_alloc_funcs *out,
                        wp_error *err);
/* The error of an allocator that returned 0 for size bytes (WP_ERR_TRAP). */
wp_status pr_guest_alloc_null(const pr_alloc_funcs *f, uint32_t size, wp_error *err);

/* Allocates size bytes in the guest. A pointer of 0 for a nonzero size is
 * an error here. err gets the guest's trap, if any. Inline, as is
 * pr_guest_release: both run for every message. */
static inline wp_status pr_guest_alloc(const pr_alloc_funcs *f, uint32_t size, uint32_t *ptr,
                                       wp_error *err)
{
    uint64_t slots[1] = { size };
    wp_status s = wp_func_call_raw(f->alloc, slots, err);
    if (s != WP_OK)
        return s;
    *ptr = (uint32_t)slots[0];
    if (*ptr == 0 && size > 0)
        return pr_guest_alloc_null(f, size, err);
    return WP_OK;
}

/* Releases an in-bound buffer with the function paired with its allocator. */
static inline wp_status pr_guest_release(const pr_alloc_funcs *f, uint32_t ptr, uint32_t size,
                                         wp_error *err)
{
    if (f->release == NULL)
        return WP_OK;
    uint64_t slots[2] = { ptr, size };
    return wp_func_call_raw(f->release, slots, err);
}
/* Releases an out-bound buffer the guest handed over (deallocate modules). */
wp_status pr_guest_dealloc(const pr_alloc_funcs *f, uint32_t ptr, uint32_t size, wp_error *err);

/* ---------------------------------------------------------------- host functions (host.c) */

enum { PR_HOST_AS_BYTES, PR_HOST_SET_BYTES, PR_HOST_GET_META, PR_HOST_SET_META, PR_NHOST };

/* The type of a host function. */
wp_functype pr_host_type(int which);
/* Which host function an import of the message modules names, or -1. */
int pr_host_lookup(const char *name, size_t len);
/* Whether an import module name is one of the message modules. */
bool pr_host_module(const char *name, size_t len);
struct pr_entry;
/* Creates the four functions for one entry (their user pointer). */
wp_status pr_host_create(wp_engine *e, struct pr_entry *entry, wp_func *out[PR_NHOST],
                         wp_error *err);
void pr_host_destroy(wp_func *fns[PR_NHOST]);
/* Defines them under "bento_wasm" and "benthos_wasm". */
wp_status pr_host_define(wp_func *const fns[PR_NHOST], wp_imports *im, wp_error *err);

/* ---------------------------------------------------------------- pool entries (pool.c) */

typedef struct pr_inbound {
    uint32_t ptr, size;
} pr_inbound;

/* Collects a guest's writes to stdout or stderr and logs them line by line. */
typedef struct pr_linebuf {
    struct pr_entry *entry;
    const char      *event;         /* "guest_stdout" / "guest_stderr" */
    wp_log_level     level;
    char             buf[1024];
    size_t           len;
} pr_linebuf;

typedef struct pr_entry {
    wp_processor  *proc;
    wp_instance   *inst;
    wp_wasi       *wasi;
    wp_imports    *imports;        /* until the instance is made */
    wp_interrupt  *intr;           /* the watchdog's handle on inst, made before it */
    wp_func       *fn;             /* the exported function, resolved once */
    wp_func       *host[PR_NHOST]; /* the message functions, with this entry as user */
    pr_alloc_funcs alloc;

    /* The message being processed and what the guest did to it so far:
     * stage holds the staged metadata, and the staged bytes when
     * bytes_set. in_host is set while the host runs the guest's allocator
     * (inside a host function, or releasing buffers after the call), which
     * must not call back into the host functions. */
    wp_message    *msg;
    wp_message    *stage;
    bool           bytes_set;
    bool           in_host;
    pr_inbound    *in;             /* in-bound buffers to release after the call */
    size_t         nin, cap_in;
    uint8_t       *key;            /* get_meta's key, copied out */
    size_t         key_cap;

    pr_linebuf     out_line, err_line;
    uint64_t       output_used;    /* guest output bytes of the current call */

    /* Timeout: the watchdog interrupts the instance once now > deadline.
     * lock makes "check the deadline and interrupt" atomic with respect to
     * "the call ended", so an interrupt never lands on a later message. */
    pthread_mutex_t lock;
    uint64_t        deadline;      /* monotonic ns; 0: no call running */
    bool            fired;

    struct pr_entry *next_free;
    struct pr_entry *prev, *next;  /* every live entry, for the watchdog */
} pr_entry;

/* ---------------------------------------------------------------- the pool (pool.c) */

typedef struct pr_pool {
    pthread_mutex_t lock;
    pthread_cond_t  cond;          /* an entry was returned or discarded */
    pr_entry       *free;          /* LIFO: the most recently used is warmest */
    pr_entry       *all;
    uint32_t        live;          /* created and not yet destroyed, incl. reserved */
    uint32_t        max;           /* 0: unbounded */
    /* After an instance could not be made while others existed: the pool
     * stops growing past this many (until it shrinks below it), and
     * threads wait for one of the others instead. 0: no such bound. */
    uint32_t        ceiling;
    uint64_t        created, discarded, create_failures;
} pr_pool;

wp_status pr_pool_init(pr_pool *pool, uint32_t max, wp_error *err);
/* Destroys every entry; none may be in use. */
void pr_pool_fini(pr_pool *pool);
/* A free entry, or a new one when none is free (waiting instead while max
 * entries are live). When a new one cannot be made but others exist, waits
 * for one of them; fails only when no instance exists and none can be made. */
wp_status pr_pool_acquire(wp_processor *p, pr_entry **out, wp_error *err);
void pr_pool_release(wp_processor *p, pr_entry *e);
/* Destroys an entry whose instance can no longer be trusted. */
void pr_pool_discard(wp_processor *p, pr_entry *e);
/* The deadline of the call about to run on e (the watchdog's view). */
void pr_call_begin(pr_entry *e, uint64_t timeout_ns);
/* Ends it; true if the watchdog interrupted it. */
bool pr_call_end(pr_entry *e);
/* The watchdog: interrupts e if its call is past its deadline. */
void pr_call_check(pr_entry *e, uint64_t now_ns);
/* Calls fn for every live entry, under the pool's lock (the watchdog). */
void pr_pool_each(pr_pool *pool, void (*fn)(pr_entry *e, void *user), void *user);

/* ---------------------------------------------------------------- the processor (processor.c) */

struct wp_processor {
    wp_engine     *engine;
    wp_module     *module;
    char          *path;
    char          *function;
    char          *label;          /* "" when none */
    uint64_t       timeout_ns;
    uint32_t       max_pages;      /* 0: the engine's default */
    uint64_t       max_memory_bytes; /* per-instance limit (stack aside); 0: the engine's */
    uint32_t       max_instances;  /* 0: unbounded */
    wp_log_fn      log;
    void          *log_user;
    pr_alloc_plan  plan;
    const char    *entry;          /* "_initialize", "_start" or NULL: what initialises */
    pr_pool        pool;
    bool           pool_ready;

    /* The watchdog thread, only when timeout_ns is set. */
    bool            watching;
    pthread_t       watchdog;
    pthread_mutex_t watch_lock;
    pthread_cond_t  watch_cond;
    bool            stopping;

    atomic_uint_fast64_t compiles, messages, errors;
    /* Under auto a compile cache miss is stored when the background
     * compile ends; the first batch after that reports how it went. */
    atomic_bool    cache_pending;
    size_t         cache_reported; /* bytes of the cache's note already logged */
    atomic_bool    cancel_waits;   /* wp_processor_cancel_waits: new entries too */

    /* Guest output caps (0: none) and the per-second budget: a token
     * bucket of output_per_second bytes, refilled continuously. */
    uint64_t        output_per_message, output_per_second;
    pthread_mutex_t rate_lock;
    bool            rate_ready;
    uint64_t        rate_tokens, rate_last_ns, rate_warned_ns;
    atomic_uint_fast64_t output_dropped, output_logged;
};

/* Whether a guest output line of len bytes from e may be logged now;
 * counts it as logged or dropped (pool.c). */
bool pr_output_admit(wp_processor *p, pr_entry *e, size_t len);
/* Counts len bytes of guest output as dropped, with a warning at most
 * once a second. */
void pr_output_dropped(wp_processor *p, size_t len);

/* Logs through the configured callback, if any (printf-style). */
void pr_log(const wp_processor *p, wp_log_level level, const char *event, const char *fmt, ...)
    WP_PRINTF(4, 5);

/* Fills err (never NULL here) and returns code. */
wp_status pr_fail(wp_error *err, wp_status code, const char *fmt, ...) WP_PRINTF(3, 4);
/* Prepends "prefix: " to err->msg, so context is added as an error rises. */
void pr_error_prefix(wp_error *err, const char *fmt, ...) WP_PRINTF(2, 3);
/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t pr_now_ns(void);


#endif
