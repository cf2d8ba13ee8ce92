/* The instance pool. Each entry is one instance of the processor's module
 * (compiled once, instantiated many times) with its own WASI state and its
 * own staging state, and serves one thread at a time. Free entries sit on
 * a LIFO list, so the entry a thread gets back is the one whose memory is
 * still in cache; a thread that finds none creates one (no recompiling),
 * or waits while max_instances entries are live. Every live entry is also
 * on a second list, which the timeout watchdog walks.
 *
 * An entry is created here completely: WASI (guest stdout and stderr
 * become log lines), the imports, the instance, initialisation
 * (_initialize, else _start; a proc_exit(0) there is a normal end), and
 * the exports the per-message path needs, resolved once.
 */
#include "proc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Initialisation may legitimately take longer than one message; with a
 * timeout set it is still bounded, by at least this much. */
#define INIT_TIMEOUT_MIN_NS (UINT64_C(10) * 1000 * 1000 * 1000)

/* ---------------------------------------------------------------- guest output */

/* One warning a second at most while output is being dropped. */
#define DROP_WARN_NS (UINT64_C(1000000000))

bool pr_output_admit(wp_processor *p, pr_entry *e, size_t len)
{
    bool ok = true;
    if (p->output_per_message > 0 && e->output_used + len > p->output_per_message)
        ok = false;
    if (ok && p->output_per_second > 0) {
        uint64_t now = pr_now_ns();
        pthread_mutex_lock(&p->rate_lock);
        uint64_t rate = p->output_per_second;
        uint64_t elapsed = now - p->rate_last_ns;
        /* Refill: rate bytes per second, at most one second's worth. */
        uint64_t add = elapsed >= DROP_WARN_NS ? rate
                       : (uint64_t)((double)rate * (double)elapsed / 1e9);
        if (add > 0) {
            p->rate_tokens = p->rate_tokens + add > rate ? rate : p->rate_tokens + add;
            p->rate_last_ns = now;
        }
        if (p->rate_tokens >= len)
            p->rate_tokens -= len;
        else
            ok = false;
        pthread_mutex_unlock(&p->rate_lock);
    }
    if (ok) {
        e->output_used += len;
        atomic_fetch_add_explicit(&p->output_logged, len, memory_order_relaxed);
        return true;
    }
    pr_output_dropped(p, len);
    return false;
}

void pr_output_dropped(wp_processor *p, size_t len)
{
    uint64_t total = atomic_fetch_add_explicit(&p->output_dropped, len, memory_order_relaxed) + len;
    uint64_t now = pr_now_ns();
    bool warn = false;
    pthread_mutex_lock(&p->rate_lock);
    if (p->rate_warned_ns == 0 || now - p->rate_warned_ns >= DROP_WARN_NS) {
        p->rate_warned_ns = now;
        warn = true;
    }
    pthread_mutex_unlock(&p->rate_lock);
    if (warn)
        pr_log(p, WP_LOG_WARN, "guest_output_dropped", "guest output over its limit (%llu "
               "bytes per message, %llu per second; 0: none): dropping it, %llu bytes so far",
               (unsigned long long)p->output_per_message,
               (unsigned long long)p->output_per_second, (unsigned long long)total);
}

/* Logs the buffered line, if the caps let it through; `nl`: it ended with
 * a newline, which counts as one byte of output. */
static void line_emit(pr_linebuf *lb, bool nl)
{
    size_t n = lb->len;
    lb->len = 0;
    pr_entry *e = lb->entry;
    if (!pr_output_admit(e->proc, e, n + (nl ? 1 : 0)))
        return;
    if (n > 0 && lb->buf[n - 1] == '\r')
        n--;
    pr_log(e->proc, lb->level, lb->event, "%.*s", (int)n, lb->buf);
}

/* WASI write callback: cuts what the guest writes into lines. A line longer
 * than the buffer is logged in pieces rather than held without bound. Once
 * the current call has used up its output, the rest is counted as dropped
 * without being looked at. */
static int line_write(void *user, const uint8_t *data, size_t len)
{
    pr_linebuf *lb = user;
    pr_entry *e = lb->entry;
    wp_processor *p = e->proc;
    if (p->output_per_message > 0 && e->output_used >= p->output_per_message) {
        lb->len = 0;
        pr_output_dropped(p, len);
        return 0;
    }
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\n') {
            line_emit(lb, true);
            continue;
        }
        if (lb->len == sizeof lb->buf)
            line_emit(lb, false);
        lb->buf[lb->len++] = (char)data[i];
    }
    return 0;
}

static void line_flush(pr_linebuf *lb)
{
    if (lb->len > 0)
        line_emit(lb, false);
}

/* ---------------------------------------------------------------- entries */

static void entry_destroy(pr_entry *e)
{
    if (e == NULL)
        return;
    line_flush(&e->out_line);
    line_flush(&e->err_line);
    /* The instance imports the WASI functions: it dies first. */
    wp_instance_destroy(e->inst);
    wp_interrupt_destroy(e->intr);
    wp_imports_destroy(e->imports);
    pr_host_destroy(e->host);
    wp_wasi_destroy(e->wasi);
    wp_message_destroy(e->stage);
    wp_engine *eng = e->proc->engine;
    wp_engine_free(eng, e->in, e->cap_in * sizeof *e->in);
    wp_engine_free(eng, e->key, e->key_cap);
    pthread_mutex_destroy(&e->lock);
    wp_engine_free(eng, e, sizeof *e);
}

static wp_status entry_create(wp_processor *p, pr_entry **out, wp_error *err)
{
    *out = NULL;
    pr_entry *e = wp_engine_alloc(p->engine, sizeof *e);
    if (e == NULL)
        return pr_fail(err, WP_ERR_NOMEM, "out of memory for an instance");
    if (pthread_mutex_init(&e->lock, NULL) != 0) {
        wp_engine_free(p->engine, e, sizeof *e);
        return pr_fail(err, WP_ERR_NOMEM, "cannot create a mutex");
    }
    e->proc = p;
    e->out_line = (pr_linebuf){ .entry = e, .event = "guest_stdout", .level = WP_LOG_INFO };
    e->err_line = (pr_linebuf){ .entry = e, .event = "guest_stderr", .level = WP_LOG_WARN };
    e->stage = wp_message_create_in(p->engine, NULL, 0);
    if (e->stage == NULL) {
        entry_destroy(e);
        return pr_fail(err, WP_ERR_NOMEM, "out of memory for an instance");
    }

    /* No arguments, environment or files; stdin at end of file; stdout and
     * stderr to the log, or discarded when nothing listens. */
    wp_wasi_config wc;
    memset(&wc, 0, sizeof wc);
    if (p->log != NULL) {
        wc.stdio[1] = (wp_wasi_stdio){ .kind = WP_WASI_STDIO_CALLBACK, .write = line_write,
                                       .user = &e->out_line };
        wc.stdio[2] = (wp_wasi_stdio){ .kind = WP_WASI_STDIO_CALLBACK, .write = line_write,
                                       .user = &e->err_line };
    }
    wp_status s = wp_wasi_create(p->engine, &wc, &e->wasi, err);
    if (s == WP_OK)
        s = wp_interrupt_create(p->engine, &e->intr, err);
    if (s == WP_OK)
        s = wp_imports_create(p->engine, &e->imports, err);
    if (s == WP_OK)
        s = wp_wasi_define(e->wasi, e->imports, err);
    if (s == WP_OK)
        s = pr_host_create(p->engine, e, e->host, err);
    if (s == WP_OK)
        s = pr_host_define(e->host, e->imports, err);
    if (s != WP_OK) {
        entry_destroy(e);
        return s;
    }
    *out = e;
    return WP_OK;
}

/* Initialisation may take longer than one message; see INIT_TIMEOUT_MIN_NS. */
static uint64_t init_timeout(const wp_processor *p)
{
    return p->timeout_ns > INIT_TIMEOUT_MIN_NS ? p->timeout_ns : INIT_TIMEOUT_MIN_NS;
}

/* Makes the entry's instance, running the module's start function; the
 * entry is already on the live list, so that the watchdog bounds a start
 * function that never returns (through the handle made before the
 * instance). */
static wp_status entry_instantiate(wp_processor *p, pr_entry *e, wp_error *err)
{
    wp_instance_config ic = { .max_memory_pages = p->max_pages, .user = e,
                              .interrupt = e->intr };
    /* max_memory bounds what the module can make the instance hold; the
     * call stack, which the module cannot change, comes on top. */
    if (p->max_memory_bytes > 0)
        ic.max_instance_bytes = p->max_memory_bytes + wp_engine_stack_bytes(p->engine, &ic);
    if (p->timeout_ns > 0)
        pr_call_begin(e, init_timeout(p));
    wp_status s = wp_instance_create(p->module, e->imports, &ic, &e->inst, err);
    bool fired = p->timeout_ns > 0 && pr_call_end(e);
    /* The instance has resolved its imports: the map is no longer needed. */
    wp_imports_destroy(e->imports);
    e->imports = NULL;
    if (s != WP_OK && fired)
        return pr_fail(err, WP_ERR_TRAP, "instantiating: the start function timed out");
    if (s != WP_OK)
        pr_error_prefix(err, "instantiating");
    return s;
}

/* Runs the entry point and resolves the exports; the entry is already on
 * the live list, so that the watchdog bounds initialisation too. */
static wp_status entry_init(wp_processor *p, pr_entry *e, wp_error *err)
{
    if (p->timeout_ns > 0)
        pr_call_begin(e, init_timeout(p));
    const char *what = p->entry ? p->entry : "none";
    int code = 0;
    wp_status s = wp_wasi_run(e->inst, WP_WASI_ENTRY_AUTO, &code, err);
    bool fired = p->timeout_ns > 0 && pr_call_end(e);
    if (s != WP_OK && fired)
        return pr_fail(err, WP_ERR_TRAP, "initialisation (%s) timed out", what);
    if (s != WP_OK) {
        pr_error_prefix(err, "initialisation (%s) failed", what);
        return s;
    }
    if (code != 0)
        return pr_fail(err, WP_EXIT, "initialisation (%s) exited with code %d", what, code);

    wp_extern ext;
    s = wp_instance_export(e->inst, p->function, &ext, err);
    if (s == WP_OK && ext.kind != WP_EXTERN_FUNC)
        s = pr_fail(err, WP_ERR_LINK, "export \"%s\" is not a function", p->function);
    if (s != WP_OK)
        return s;
    e->fn = ext.of.func;
    return pr_alloc_bind(e->inst, &p->plan, &e->alloc, err);
}

/* ---------------------------------------------------------------- timeouts */

void pr_call_begin(pr_entry *e, uint64_t timeout_ns)
{
    uint64_t deadline = pr_now_ns() + timeout_ns;
    pthread_mutex_lock(&e->lock);
    e->deadline = deadline;
    e->fired = false;
    pthread_mutex_unlock(&e->lock);
}

bool pr_call_end(pr_entry *e)
{
    pthread_mutex_lock(&e->lock);
    bool fired = e->fired;
    e->deadline = 0;
    e->fired = false;
    pthread_mutex_unlock(&e->lock);
    return fired;
}

void pr_call_check(pr_entry *e, uint64_t now)
{
    pthread_mutex_lock(&e->lock);
    /* Repeated on every tick while the deadline is past: an interrupt that
     * arrived just before the call began is cleared by the engine. */
    if (e->deadline != 0 && now >= e->deadline) {
        e->fired = true;
        wp_interrupt_fire(e->intr);
    }
    pthread_mutex_unlock(&e->lock);
}

/* ---------------------------------------------------------------- the pool */

wp_status pr_pool_init(pr_pool *pool, uint32_t max, wp_error *err)
{
    memset(pool, 0, sizeof *pool);
    pool->max = max;
    if (pthread_mutex_init(&pool->lock, NULL) != 0)
        return pr_fail(err, WP_ERR_NOMEM, "cannot create the pool's mutex");
    if (pthread_cond_init(&pool->cond, NULL) != 0) {
        pthread_mutex_destroy(&pool->lock);
        return pr_fail(err, WP_ERR_NOMEM, "cannot create the pool's condition variable");
    }
    return WP_OK;
}

void pr_pool_fini(pr_pool *pool)
{
    pr_entry *e = pool->all;
    while (e != NULL) {
        pr_entry *next = e->next;
        entry_destroy(e);
        e = next;
    }
    pool->all = pool->free = NULL;
    pthread_cond_destroy(&pool->cond);
    pthread_mutex_destroy(&pool->lock);
}

static void link_entry(pr_pool *pool, pr_entry *e)
{
    e->prev = NULL;
    e->next = pool->all;
    if (pool->all != NULL)
        pool->all->prev = e;
    pool->all = e;
}

static void unlink_entry(pr_pool *pool, pr_entry *e)
{
    if (e->prev != NULL)
        e->prev->next = e->next;
    else
        pool->all = e->next;
    if (e->next != NULL)
        e->next->prev = e->prev;
    e->prev = e->next = NULL;
}

/* Creates an entry for a slot already reserved in pool->live. */
static wp_status grow(wp_processor *p, pr_entry **out, wp_error *err)
{
    pr_pool *pool = &p->pool;
    uint64_t t0 = pr_now_ns();
    pr_entry *e;
    wp_status s = entry_create(p, &e, err);
    if (s == WP_OK) {
        pthread_mutex_lock(&pool->lock);
        link_entry(pool, e);
        /* Under the lock that wp_processor_cancel_waits walks the list with:
         * an entry is either walked or sees the flag. */
        if (atomic_load(&p->cancel_waits))
            wp_wasi_cancel(e->wasi);
        pthread_mutex_unlock(&pool->lock);
        s = entry_instantiate(p, e, err);
        if (s == WP_OK)
            s = entry_init(p, e, err);
    }
    if (s != WP_OK) {
        if (e != NULL) {
            pthread_mutex_lock(&pool->lock);
            unlink_entry(pool, e);
            pthread_mutex_unlock(&pool->lock);
        }
        entry_destroy(e);
        return s;
    }
    pthread_mutex_lock(&pool->lock);
    pool->created++;
    pthread_mutex_unlock(&pool->lock);
    pr_log(p, WP_LOG_DEBUG, "instance_created", "instance created in %llu us",
           (unsigned long long)((pr_now_ns() - t0) / 1000));
    *out = e;
    return WP_OK;
}

/* How many entries the pool may hold now (0: no bound). */
static uint32_t pool_bound(const pr_pool *pool)
{
    uint32_t bound = pool->max;
    if (pool->ceiling != 0 && (bound == 0 || pool->ceiling < bound))
        bound = pool->ceiling;
    return bound;
}

wp_status pr_pool_acquire(wp_processor *p, pr_entry **out, wp_error *err)
{
    pr_pool *pool = &p->pool;
    pthread_mutex_lock(&pool->lock);
    for (;;) {
        pr_entry *e = pool->free;
        if (e != NULL) {
            pool->free = e->next_free;
            e->next_free = NULL;
            pthread_mutex_unlock(&pool->lock);
            *out = e;
            return WP_OK;
        }
        uint32_t bound = pool_bound(pool);
        if (bound == 0 || pool->live < bound || pool->live == 0) {
            pool->live++;
            pthread_mutex_unlock(&pool->lock);
            wp_status s = grow(p, out, err);
            if (s == WP_OK)
                return WP_OK;
            pthread_mutex_lock(&pool->lock);
            pool->live--;
            pool->create_failures++;
            bool first = pool->create_failures == 1;
            /* Whoever waits may now try (and fail) itself, or take an
             * entry another thread returns. */
            pthread_cond_signal(&pool->cond);
            if (pool->live == 0) {
                /* Nothing exists that could serve this caller. */
                pthread_mutex_unlock(&pool->lock);
                return s;
            }
            /* The others will do: stop growing at their number. */
            pool->ceiling = pool->live;
            uint32_t live = pool->live;
            pthread_mutex_unlock(&pool->lock);
            if (first)
                pr_log(p, WP_LOG_WARN, "instance_unavailable", "cannot create another "
                       "instance (%s); waiting for one of the %u others", err->msg,
                       (unsigned)live);
            pthread_mutex_lock(&pool->lock);
            continue;
        }
        pthread_cond_wait(&pool->cond, &pool->lock);
    }
}

void pr_pool_release(wp_processor *p, pr_entry *e)
{
    pr_pool *pool = &p->pool;
    pthread_mutex_lock(&pool->lock);
    e->next_free = pool->free;
    pool->free = e;
    pthread_cond_signal(&pool->cond);
    pthread_mutex_unlock(&pool->lock);
}

void pr_pool_discard(wp_processor *p, pr_entry *e)
{
    pr_pool *pool = &p->pool;
    pthread_mutex_lock(&pool->lock);
    unlink_entry(pool, e);
    pool->live--;
    pool->discarded++;
    /* A waiter may make the replacement (the ceiling only stops growth
     * beyond what existed). */
    pthread_cond_signal(&pool->cond);
    pthread_mutex_unlock(&pool->lock);
    entry_destroy(e);
}

void pr_pool_each(pr_pool *pool, void (*fn)(pr_entry *e, void *user), void *user)
{
    pthread_mutex_lock(&pool->lock);
    for (pr_entry *e = pool->all; e != NULL; e = e->next)
        fn(e, user);
    pthread_mutex_unlock(&pool->lock);
}
