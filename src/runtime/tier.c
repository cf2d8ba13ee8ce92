/* Tier selection and the interpreter as a tier. The interpreter needs no
 * preparation of its own: each function is translated to internal code
 * on its first call (lazy.c), or by the decoder with eager translation.
 *
 * `auto` compiles with the JIT on a thread of its own (one per module,
 * for the time of the compile) while the interpreter runs the module.
 * The switch is one pointer, m->tier, stored with release once the
 * native code and m->tier_data are complete; every new call loads it with
 * acquire (rt_module_tier), so the call path takes no lock, and a call
 * that is already running keeps the tier it started on. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tier.h"

static wp_status interp_compile(wp_module *m, const uint8_t *bytes, size_t len, wp_error *err)
{
    (void)m; (void)bytes; (void)len; (void)err;
    return WP_OK;
}

static void interp_release(wp_module *m) { (void)m; }

const rt_tier rt_tier_interp = {
    .name = "interp",
    .compile = interp_compile,
    .release = interp_release,
    .call = rt_interp_call,
};

static void set_note(wp_module *m, const char *why)
{
    snprintf(m->tier_note, sizeof m->tier_note, "%.200s", why);
}

#ifdef WP_HAVE_JIT

/* A background compile: its own copy of the module's bytes (the caller's
 * are borrowed for wp_module_compile only) and the end it signals. */
typedef struct rt_tier_job {
    wp_module      *m;
    uint8_t        *bytes;
    size_t          len;
    pthread_t       thread;
    pthread_mutex_t lock;
    pthread_cond_t  cond;      /* CLOCK_MONOTONIC; signals go, cancel and done */
    bool            go;        /* under lock: start now (someone waits) */
    bool            done;      /* under lock */
} rt_tier_job;

/* Waits out WP_AUTO_COMPILE_DELAY_MS unless told to start or stop first;
 * true: compile. */
static bool wait_to_start(rt_tier_job *job)
{
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_nsec += (long)WP_AUTO_COMPILE_DELAY_MS * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&job->lock);
    while (!job->go && !atomic_load(&job->m->tier_cancel))
        if (pthread_cond_timedwait(&job->cond, &job->lock, &until) == ETIMEDOUT)
            break;
    pthread_mutex_unlock(&job->lock);
    return !atomic_load(&job->m->tier_cancel);
}

static void *compile_in_background(void *arg)
{
    rt_tier_job *job = arg;
    wp_module *m = job->m;
    wp_error why;
    memset(&why, 0, sizeof why);
    wp_status s = WP_ERR_NOT_FOUND;
    if (!wait_to_start(job))
        rt_fail(&why, s, UINT32_MAX, "jit: compile cancelled");
    else
        s = rt_tier_jit.compile(m, job->bytes, job->len, &why);
    rt_free(m->engine, job->bytes, job->len);
    job->bytes = NULL;
    if (s == WP_OK)
        atomic_store_explicit(&m->tier, &rt_tier_jit, memory_order_release);
    else
        set_note(m, why.msg);
    atomic_store_explicit(&m->tier_pending, false, memory_order_release);
    pthread_mutex_lock(&job->lock);
    job->done = true;
    pthread_cond_broadcast(&job->cond);
    pthread_mutex_unlock(&job->lock);
    return NULL;
}

/* Starts the background compile of m; on any failure to start it, m
 * simply stays on the interpreter and its note says why. */
static void start_background(wp_module *m, const uint8_t *bytes, size_t len)
{
    rt_tier_job *job = rt_alloc(m->engine, sizeof *job);
    uint8_t *copy = job != NULL ? rt_alloc(m->engine, len) : NULL;
    if (copy == NULL) {
        rt_free(m->engine, job, sizeof *job);
        set_note(m, "jit: no memory to start the background compile");
        return;
    }
    if (len > 0)
        memcpy(copy, bytes, len);
    job->m = m;
    job->bytes = copy;
    job->len = len;
    bool locked = pthread_mutex_init(&job->lock, NULL) == 0;
    pthread_condattr_t ca;
    bool cond = false;
    if (locked && pthread_condattr_init(&ca) == 0) {
        cond = pthread_condattr_setclock(&ca, CLOCK_MONOTONIC) == 0 &&
               pthread_cond_init(&job->cond, &ca) == 0;
        pthread_condattr_destroy(&ca);
    }
    int rc = -1;
    if (cond) {
        atomic_store(&m->tier_pending, true);
        /* The compile thread takes no signals: they stay with the
         * embedder's threads (a CLI waiting in sigwait, say). */
        sigset_t all, old;
        sigfillset(&all);
        pthread_sigmask(SIG_SETMASK, &all, &old);
        rc = pthread_create(&job->thread, NULL, compile_in_background, job);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    if (rc != 0) {
        atomic_store(&m->tier_pending, false);
        if (cond)
            pthread_cond_destroy(&job->cond);
        if (locked)
            pthread_mutex_destroy(&job->lock);
        rt_free(m->engine, copy, len);
        rt_free(m->engine, job, sizeof *job);
        set_note(m, "jit: cannot start the background compile thread");
        return;
    }
    m->tier_job = job;
}

/* Prepares m on the JIT through `how` (its compile, or its cache load) and
 * switches m to it on success. Only WP_ERR_NOMEM fails; otherwise *on_jit
 * says whether m now runs native code, and `why` why not. */
static wp_status try_jit(wp_module *m, wp_status (*how)(wp_module *, const uint8_t *, size_t,
                                                          wp_error *),
                         const uint8_t *bytes, size_t len, wp_error *err, wp_error *why,
                         bool *on_jit)
{
    memset(why, 0, sizeof *why);
    wp_status s = how(m, bytes, len, why);
    *on_jit = s == WP_OK;
    if (*on_jit)
        atomic_store_explicit(&m->tier, &rt_tier_jit, memory_order_release);
    if (s != WP_ERR_NOMEM)
        return WP_OK;
    if (err != NULL)
        *err = *why;
    return s;
}

/* Compiles m with the JIT now. */
static wp_status compile_now(wp_module *m, const uint8_t *bytes, size_t len, wp_error *err)
{
    wp_error why;
    bool on_jit;
    wp_status s = try_jit(m, rt_tier_jit.compile, bytes, len, err, &why, &on_jit);
    /* Refused (or LLVM failed): the interpreter runs it, with the same
     * results. */
    if (s == WP_OK && !on_jit)
        set_note(m, why.msg);
    return s;
}

#endif

wp_status rt_tier_prepare(wp_module *m, const uint8_t *bytes, size_t len, wp_error *err)
{
    atomic_init(&m->tier, &rt_tier_interp);
    atomic_init(&m->tier_pending, false);
    atomic_init(&m->tier_cancel, false);
    m->tier_data = NULL;
    m->tier_job = NULL;
    wp_status s = rt_tier_interp.compile(m, bytes, len, err);
    if (s != WP_OK || m->tier_want == WP_TIER_INTERP)
        return s;
#ifdef WP_HAVE_JIT
    if (m->tier_want == WP_TIER_JIT)
        return compile_now(m, bytes, len, err);
    if (m->cache_dir != NULL) {
        /* A cached module starts on native code; only a miss waits for the
         * background compile (which does not read the cache again). */
        wp_error why;
        bool on_jit;
        s = try_jit(m, rt_tier_jit.load_cached, bytes, len, err, &why, &on_jit);
        if (s != WP_OK || on_jit)
            return s;
        memcpy(m->cache_lookup_note, m->cache_note, sizeof m->cache_lookup_note);
    }
    start_background(m, bytes, len);
#else
    (void)bytes; (void)len;
    set_note(m, "this build has no JIT (built with WP_JIT off)");
#endif
    return WP_OK;
}

/* Waits for m's background compile to end (the caller owns m). */
static void wait_job(wp_module *m, bool cancel)
{
#ifdef WP_HAVE_JIT
    rt_tier_job *job = m->tier_job;
    if (job == NULL)
        return;
    pthread_mutex_lock(&job->lock);
    if (cancel)
        atomic_store(&m->tier_cancel, true);
    else
        job->go = true;
    pthread_cond_broadcast(&job->cond);
    while (!job->done)
        pthread_cond_wait(&job->cond, &job->lock);
    pthread_mutex_unlock(&job->lock);
#else
    (void)m; (void)cancel;
#endif
}

void rt_tier_stop(wp_module *m)
{
#ifdef WP_HAVE_JIT
    rt_tier_job *job = m->tier_job;
    if (job == NULL)
        return;
    wait_job(m, true);
    pthread_join(job->thread, NULL);
    pthread_cond_destroy(&job->cond);
    pthread_mutex_destroy(&job->lock);
    rt_free(m->engine, job, sizeof *job);
    m->tier_job = NULL;
#else
    (void)m;
#endif
}

const char *wp_module_tier(const wp_module *m, const char **why_not_jit)
{
    if (why_not_jit != NULL)
        *why_not_jit = NULL;
    if (m == NULL || atomic_load_explicit(&m->tier, memory_order_relaxed) == NULL)
        return "interp";
    /* pending first: once it reads false, the tier and the note are final. */
    bool pending = atomic_load_explicit(&m->tier_pending, memory_order_acquire);
    const rt_tier *t = rt_module_tier(m);
    if (t == &rt_tier_interp && why_not_jit != NULL) {
        if (pending)
            *why_not_jit = "the JIT compile is running in the background";
        else if (m->tier_note[0] != '\0')
            *why_not_jit = m->tier_note;
    }
    return t->name;
}

const char *wp_module_wait_tier(wp_module *m, const char **why_not_jit)
{
    if (m != NULL)
        wait_job(m, false);
    return wp_module_tier(m, why_not_jit);
}

const char *wp_module_cache(const wp_module *m, const char **warning)
{
    /* pending first: once it reads false, the state and the note are final. */
    if (m != NULL && atomic_load_explicit(&m->tier_pending, memory_order_acquire)) {
        if (warning != NULL)
            *warning = m->cache_lookup_note[0] != '\0' ? m->cache_lookup_note : NULL;
        return "pending";
    }
    if (warning != NULL)
        *warning = (m != NULL && m->cache_note[0] != '\0') ? m->cache_note : NULL;
    if (m == NULL)
        return "off";
    switch (m->cache_state) {
    case RT_CACHE_HIT:  return "hit";
    case RT_CACHE_MISS: return "miss";
    default:            return "off";
    }
}
