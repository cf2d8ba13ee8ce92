/* The pipeline: N worker threads share one input and one output. Each
 * worker in turn takes the input lock, reads a batch (up to 256 messages)
 * and numbers it; runs every processor over it with no lock held; then
 * waits until every earlier batch has been written and writes its own.
 *
 *   worker 1:  [read 0]  process 0 ................ [write 0]
 *   worker 2:      [read 1]  process 1 ...   (waits) [write 1]
 *   worker 1:                                    [read 2] ...
 *
 * So the output keeps the input order at the cost of a worker sometimes
 * waiting for its turn; a batch is read, processed and written by one
 * thread, which keeps its messages in that core's cache and costs no
 * hand-over between threads. With one thread nothing ever waits. `run`
 * and `process` both keep the order: it is this cheap.
 *
 * Output is buffered; it is pushed out when a buffer fills, when the
 * input is about to block (the reader's idle hook), after a write while
 * the input is blocked, and at the end. Lock order: input, then output.
 */
#include "pl_http.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define DEFAULT_BATCH 256
#define MAX_BATCH 65536

typedef struct proc_slot {
    const pl_processor_type *type;
    void               *state;
    const pl_component *comp;
} proc_slot;

typedef struct out_slot {
    const pl_output_type *type;   /* NULL: not configured */
    void                 *state;
    bool                  broken; /* a write failed; nothing more goes to it */
    uint64_t              offered;   /* messages handed to write() */
    uint64_t              delivered; /* of those, messages that went out */
    uint64_t              dbytes;    /* their content bytes */
} out_slot;

struct wp_pipeline {
    pl_arena   arena;
    pl_config  cfg;
    wp_logger  own_log;
    wp_logger *log;
    wp_engine *engine;        /* every allocation of the pipeline goes through it */
    bool       own_engine;    /* made here (no wp_pipeline_options.engine) */

    const pl_input_type *in_type;
    void      *in_state;
    out_slot   out, errs;
    bool       same_stream;   /* output and errors both go to stdout */
    proc_slot *procs;
    size_t     nprocs;

    int         stop_pipe[2];
    atomic_bool stop;
    unsigned    nthreads;
    size_t      batch_size;
    bool        ran;

    bool            sync_ready;
    pthread_mutex_t in_mu;        /* the input, next_seq, input_done */
    uint64_t        next_seq;
    uint64_t        next_first;   /* 1-based number of the next message read */
    bool            input_done;
    pthread_mutex_t out_mu;       /* the outputs, write_seq */
    pthread_cond_t *out_turn;     /* nthreads: batch seq waits on [seq % nthreads] */
    uint64_t        write_seq;
    uint64_t        futile_wakeups;   /* out_mu: a worker woke and it was not its turn */
    atomic_bool     input_waiting;
    pthread_mutex_t fail_mu;
    bool            failed;
    wp_error        fail_err;

    _Atomic uint64_t n_in, n_out, n_errored, n_dropped, n_batches, bytes_in, bytes_out;
    _Atomic uint64_t n_acked, n_nacked;

    /* /metrics and /ready */
    pl_comp_metrics  m_in, m_out;
    pl_comp_metrics *m_procs;     /* nprocs */
    pl_http         *http;
    pl_http_route    route;       /* an input's path on the shared http server */
    atomic_bool      running;
};

static void start_service(wp_pipeline *p, wp_diags *d, wp_status *s);

/* ---------------------------------------------------------------- helpers */

wp_status pl_failf(pl_fail *f, wp_status code, const pl_node *at, const char *field,
                   const char *fmt, ...) {
    f->code = code;
    f->at = at;
    snprintf(f->field, sizeof f->field, "%s", field ? field : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(f->msg, sizeof f->msg, fmt, ap);
    va_end(ap);
    return code;
}

int pl_fd_off_std(int fd) {
    if (fd < 0 || fd > STDERR_FILENO) return fd;
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    int e = errno;
    close(fd);
    errno = e;
    return moved;
}

bool pl_batch_full(const pl_batch *b) { return b->n >= b->limit || b->bytes >= PL_BATCH_BYTES; }

wp_message *pl_batch_push(pl_batch *b, const uint8_t *data, size_t len) {
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : (b->limit ? b->limit : DEFAULT_BATCH);
        /* Both arrays are made anew, so that either both grow or neither
         * does and each keeps b->cap entries (zeroed past the copied ones). */
        wp_message **v = pl_alloc(b->engine, cap * sizeof *v);
        void **a = v ? pl_alloc(b->engine, cap * sizeof *a) : NULL;
        if (!a) {
            pl_free(b->engine, v, cap * sizeof *v);
            return NULL;
        }
        if (b->cap) {
            memcpy(v, b->msgs, b->cap * sizeof *v);
            memcpy(a, b->acks, b->cap * sizeof *a);
        }
        pl_free(b->engine, b->msgs, b->cap * sizeof *v);
        pl_free(b->engine, b->acks, b->cap * sizeof *a);
        b->msgs = v;
        b->acks = a;
        b->cap = cap;
    }
    b->acks[b->n] = NULL;
    wp_message *m = b->msgs[b->n];
    /* A kept message is reused when it carries nothing from its last trip;
     * one with metadata is cheaper to replace than to clear key by key. */
    if (m && (wp_message_meta_count(m) > 0)) {
        wp_message_destroy(m);
        m = b->msgs[b->n] = NULL;
    }
    if (!m) {
        m = wp_message_create_in(b->engine, data, len);
        if (!m) return NULL;
        b->msgs[b->n] = m;
    } else {
        wp_message_clear_error(m);
        if (wp_message_set_bytes(m, data, len) != WP_OK) return NULL;
    }
    b->n++;
    b->bytes += len;
    return m;
}

void pl_batch_free(pl_batch *b) {
    for (size_t k = 0; k < b->cap; k++) wp_message_destroy(b->msgs[k]);
    pl_free(b->engine, b->msgs, b->cap * sizeof *b->msgs);
    pl_free(b->engine, b->acks, b->cap * sizeof *b->acks);
    b->msgs = NULL;
    b->acks = NULL;
    b->n = b->cap = 0;
}

void pl_batch_set_ack(pl_batch *b, void *handle) {
    if (b->n) b->acks[b->n - 1] = handle;
}

static void report_fail(wp_diags *d, const pl_component *comp, const pl_fail *f) {
    char path[160];
    if (f->field[0])
        pl_format(path, sizeof path, "%s.%s", comp->path, f->field);
    else
        pl_format(path, sizeof path, "%s", comp->path);
    pl_diag(d, f->at ? f->at : comp->at, path, "%s", f->msg);
}

static unsigned cpu_count(void) {
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (n < 1) return 1;
    return n > 1024 ? 1024 : (unsigned)n;
}

/* Records the first fatal error and stops the input. */
static void fatal(wp_pipeline *p, const wp_error *err) {
    pthread_mutex_lock(&p->fail_mu);
    if (!p->failed) {
        p->failed = true;
        p->fail_err = *err;
    }
    pthread_mutex_unlock(&p->fail_mu);
    wp_pipeline_stop(p);
}

/* ---------------------------------------------------------------- create / destroy */

static void flush_outputs(wp_pipeline *p);

/* The input is about to block: what was written must not wait for it. */
static void input_idle(void *user) {
    wp_pipeline *p = user;
    atomic_store(&p->input_waiting, true);
    if (!p->sync_ready) return;
    pthread_mutex_lock(&p->out_mu);
    flush_outputs(p);
    pthread_mutex_unlock(&p->out_mu);
}

static pl_open_ctx open_ctx(wp_pipeline *p, const pl_component *comp) {
    pl_open_ctx ctx = { comp, p->log, p->engine, { p->stop_pipe[0], input_idle, p }, &p->route };
    return ctx;
}

static wp_status open_output(wp_pipeline *p, const pl_component *comp, out_slot *slot,
                             wp_diags *d) {
    const pl_output_type *t = (const pl_output_type *)comp->type;
    pl_open_ctx ctx = open_ctx(p, comp);
    pl_fail f = { 0 };
    wp_status s = t->open(&ctx, comp->cfg, &slot->state, &f);
    if (s != WP_OK) {
        report_fail(d, comp, &f);
        return s;
    }
    slot->type = t;
    return WP_OK;
}

wp_status wp_pipeline_create(const wp_config *c, const wp_pipeline_options *opt,
                             wp_pipeline **out, wp_diags *diags) {
    *out = NULL;
    if (!c) return WP_ERR_ARG;
    pl_diags_set_file(diags, c->name);
    wp_engine *e = opt ? opt->engine : NULL;
    if (!e) {
        wp_error err;
        memset(&err, 0, sizeof err);
        wp_status s = wp_engine_create(NULL, &e, &err);
        if (s != WP_OK) {
            pl_diag(diags, NULL, NULL, "cannot create the engine: %s", err.msg);
            return s;
        }
    }
    wp_pipeline *p = pl_alloc(e, sizeof *p);
    if (!p) {
        if (!opt || !opt->engine) wp_engine_destroy(e);
        pl_diag(diags, NULL, NULL, "out of memory for the pipeline");
        return WP_ERR_NOMEM;
    }
    p->engine = e;
    p->own_engine = !opt || !opt->engine;
    p->arena.engine = e;
    p->stop_pipe[0] = p->stop_pipe[1] = -1;
    pthread_mutex_init(&p->fail_mu, NULL);
    p->own_log.level = WP_LOG_INFO;
    p->own_log.fd = STDERR_FILENO;
    p->log = opt && opt->log ? opt->log : &p->own_log;
    if (!pl_bind(&p->arena, &pl_root_spec, c->root, "", &p->cfg, diags)) {
        wp_status bs = p->arena.nomem ? WP_ERR_NOMEM : WP_ERR_INVALID;
        wp_pipeline_destroy(p);
        return bs;
    }
    if (!opt || !opt->log_level_fixed) p->log->level = p->cfg.logger.level - 1;
    p->nthreads = p->cfg.pipeline.threads > 0 ? (unsigned)p->cfg.pipeline.threads : cpu_count();
    p->batch_size = opt && opt->batch_size ? opt->batch_size : DEFAULT_BATCH;
    if (p->batch_size > MAX_BATCH) p->batch_size = MAX_BATCH;
    if (p->cfg.pipeline.max_in_flight > 0) {
        /* Each worker holds one batch: together at most max_in_flight. */
        size_t per = (size_t)p->cfg.pipeline.max_in_flight / p->nthreads;
        if (per < 1) per = 1;
        if (per < p->batch_size) p->batch_size = per;
    }

    wp_status s;
    if (pipe(p->stop_pipe) != 0) {
        pl_diag(diags, NULL, NULL, "cannot create a pipe: %s", strerror(errno));
        wp_pipeline_destroy(p);
        return WP_ERR_IO;
    }
    for (int i = 0; i < 2; i++) {
        p->stop_pipe[i] = pl_fd_off_std(p->stop_pipe[i]);
        if (p->stop_pipe[i] < 0) {
            pl_diag(diags, NULL, NULL, "cannot create a pipe: %s", strerror(errno));
            wp_pipeline_destroy(p);
            return WP_ERR_IO;
        }
        fcntl(p->stop_pipe[i], F_SETFD, FD_CLOEXEC);
        fcntl(p->stop_pipe[i], F_SETFL, O_NONBLOCK);
    }

    /* Before any output is opened (and perhaps truncated). */
    pl_open_ctx files_ctx = open_ctx(p, &p->cfg.input);
    s = pl_check_files(&p->cfg, &files_ctx, diags);
    if (s != WP_OK) {
        wp_pipeline_destroy(p);
        return s;
    }

    const pl_components *pc = &p->cfg.pipeline.processors;
    p->procs = pl_alloc(e, (pc->n ? pc->n : 1) * sizeof *p->procs);
    if (!p->procs) {
        pl_diag(diags, NULL, NULL, "out of memory for the processors");
        wp_pipeline_destroy(p);
        return WP_ERR_NOMEM;
    }
    for (size_t i = 0; i < pc->n; i++) {
        const pl_component *comp = &pc->v[i];
        const pl_processor_type *t = (const pl_processor_type *)comp->type;
        pl_open_ctx ctx = open_ctx(p, comp);
        pl_fail f = { 0 };
        s = t->create(&ctx, comp->cfg, &p->procs[i].state, &f);
        if (s != WP_OK) {
            report_fail(diags, comp, &f);
            wp_pipeline_destroy(p);
            return s;
        }
        p->procs[i].type = t;
        p->procs[i].comp = comp;
        p->nprocs = i + 1;
    }
    s = open_output(p, &p->cfg.output, &p->out, diags);
    if (s == WP_OK && p->cfg.errors.type) s = open_output(p, &p->cfg.errors, &p->errs, diags);
    p->same_stream = p->out.type == &pl_output_stdout && p->errs.type == &pl_output_stdout;
    if (s == WP_OK) {
        /* The input last: nothing is consumed when something else is wrong. */
        const pl_component *comp = &p->cfg.input;
        const pl_input_type *t = (const pl_input_type *)comp->type;
        pl_open_ctx ctx = open_ctx(p, comp);
        pl_fail f = { 0 };
        s = t->open(&ctx, comp->cfg, &p->in_state, &f);
        if (s != WP_OK)
            report_fail(diags, comp, &f);
        else
            p->in_type = t;
    }
    if (s == WP_OK) start_service(p, diags, &s);
    if (s != WP_OK) {
        wp_pipeline_destroy(p);
        return s;
    }
    *out = p;
    return WP_OK;
}

void wp_pipeline_destroy(wp_pipeline *p) {
    if (!p) return;
    wp_engine *e = p->engine;
    pl_http_stop(p->http);
    size_t nslots = p->cfg.pipeline.processors.n ? p->cfg.pipeline.processors.n : 1;
    pl_free(e, p->m_procs, nslots * sizeof *p->m_procs);
    if (p->in_type) p->in_type->close(p->in_state);
    if (p->out.type) p->out.type->close(p->out.state);
    if (p->errs.type) p->errs.type->close(p->errs.state);
    for (size_t i = 0; i < p->nprocs; i++) p->procs[i].type->destroy(p->procs[i].state);
    pl_free(e, p->procs, nslots * sizeof *p->procs);
    if (p->sync_ready) {
        pthread_mutex_destroy(&p->in_mu);
        pthread_mutex_destroy(&p->out_mu);
        for (unsigned i = 0; i < p->nthreads; i++) pthread_cond_destroy(&p->out_turn[i]);
    }
    pl_free(e, p->out_turn, p->nthreads * sizeof *p->out_turn);
    pthread_mutex_destroy(&p->fail_mu);
    for (int i = 0; i < 2; i++)
        if (p->stop_pipe[i] >= 0) close(p->stop_pipe[i]);
    pl_arena_release(&p->arena);
    bool own = p->own_engine;
    pl_free(e, p, sizeof *p);
    if (own) wp_engine_destroy(e);
}

void wp_pipeline_stop(wp_pipeline *p) {
    if (!p) return;
    atomic_store(&p->stop, true);
    if (p->stop_pipe[1] >= 0) {
        ssize_t w = write(p->stop_pipe[1], "x", 1);
        (void)w;   /* a full pipe is already readable */
    }
}

void wp_pipeline_cancel_waits(wp_pipeline *p) {
    if (!p) return;
    for (size_t k = 0; k < p->nprocs; k++)
        if (p->procs[k].type->stop) p->procs[k].type->stop(p->procs[k].state);
}

void wp_pipeline_stats_get(const wp_pipeline *p, wp_pipeline_stats *out) {
    memset(out, 0, sizeof *out);
    if (!p) return;
    wp_pipeline *q = (wp_pipeline *)p;
    out->in = atomic_load(&q->n_in);
    out->out = atomic_load(&q->n_out);
    out->errored = atomic_load(&q->n_errored);
    out->dropped = atomic_load(&q->n_dropped);
    out->batches = atomic_load(&q->n_batches);
    out->bytes_in = atomic_load(&q->bytes_in);
    out->bytes_out = atomic_load(&q->bytes_out);
    out->acked = atomic_load(&q->n_acked);
    out->nacked = atomic_load(&q->n_nacked);
}

uint64_t wp_pipeline_shutdown_timeout(const wp_pipeline *p) {
    return p ? p->cfg.shutdown_timeout : 0;
}

/* ---------------------------------------------------------------- workers */

/* Runs every processor over a batch. A message errored by one processor
 * (or by the input) skips the ones after it. */
static void run_processors(wp_pipeline *p, pl_batch *b, wp_message **scratch) {
    for (size_t k = 0; k < p->nprocs; k++) {
        wp_message **arr = b->msgs;
        size_t n = b->n, ok = 0;
        for (size_t i = 0; i < b->n; i++)
            if (!wp_message_error(b->msgs[i])) ok++;
        if (ok == 0) return;
        if (ok < n) {
            size_t m = 0;
            for (size_t i = 0; i < b->n; i++)
                if (!wp_message_error(b->msgs[i])) scratch[m++] = b->msgs[i];
            arr = scratch;
            n = m;
        }
        wp_error err;
        memset(&err, 0, sizeof err);
        uint64_t t0 = pl_now_ns();
        wp_status s = p->procs[k].type->process(p->procs[k].state, arr, n, &err);
        if (p->m_procs) {
            pl_comp_metrics *m = &p->m_procs[k];
            size_t bad = 0;
            for (size_t i = 0; i < n; i++) bad += wp_message_error(arr[i]) != NULL;
            pl_comp_metrics_time(m, pl_now_ns() - t0);
            atomic_fetch_add_explicit(&m->received, n, memory_order_relaxed);
            atomic_fetch_add_explicit(&m->sent, n - bad, memory_order_relaxed);
            atomic_fetch_add_explicit(&m->error, bad, memory_order_relaxed);
        }
        if (s != WP_OK) {
            /* The processor cannot work at all: its messages are errored
             * (its contract), the rest of the stream is not read. */
            wp_error e = err;
            const char *label = p->procs[k].comp->label;
            pl_format(e.msg, sizeof e.msg, "%s%s%s: %s", p->procs[k].comp->path,
                      label ? " " : "", label ? label : "", err.msg);
            e.code = s;
            fatal(p, &e);
            return;
        }
    }
}

/* After a write() or flush() of an output: counts what went out, and on a
 * failure what never will. The caller holds out_mu (or is alone). */
static void settle(wp_pipeline *p, out_slot *o, wp_status s, const wp_error *err) {
    if (o->type->progress) {
        uint64_t msgs, bytes;
        o->type->progress(o->state, &msgs, &bytes);
        if (o == &p->out) {
            atomic_fetch_add_explicit(&p->n_out, msgs - o->delivered, memory_order_relaxed);
            atomic_fetch_add_explicit(&p->bytes_out, bytes - o->dbytes, memory_order_relaxed);
        }
        o->delivered = msgs;
        o->dbytes = bytes;
    }
    if (s == WP_OK) return;
    o->broken = true;
    if (o == &p->out)
        atomic_fetch_add_explicit(&p->n_dropped, o->offered - o->delivered, memory_order_relaxed);
    fatal(p, err);
}

/* true when the output took the messages. */
static bool write_run(wp_pipeline *p, wp_message *const *msgs, size_t n) {
    if (!n) return true;
    out_slot *o = &p->out;
    if (o->broken) {
        atomic_fetch_add_explicit(&p->n_dropped, n, memory_order_relaxed);
        return false;
    }
    wp_error err;
    o->offered += n;
    wp_status s = o->type->write(o->state, msgs, n, &err);
    if (s == WP_OK && !o->type->progress) {
        uint64_t bytes = 0;
        for (size_t i = 0; i < n; i++) {
            size_t len;
            wp_message_bytes(msgs[i], &len);
            bytes += len;
        }
        o->delivered += n;
        atomic_fetch_add_explicit(&p->n_out, n, memory_order_relaxed);
        atomic_fetch_add_explicit(&p->bytes_out, bytes, memory_order_relaxed);
    }
    settle(p, o, s, &err);
    return s == WP_OK;
}

/* true when the errors output took message i of the batch. */
static bool write_errored(wp_pipeline *p, const pl_batch *b, size_t i, const char *why) {
    wp_message *m = b->msgs[i];
    atomic_fetch_add_explicit(&p->n_errored, 1, memory_order_relaxed);
    bool routed = p->errs.type && !p->errs.broken;
    /* Two buffers on one stream: keep the order by emptying the other one
     * whenever the stream switches between them. */
    if (routed && p->same_stream && !p->out.broken) {
        wp_error err;
        settle(p, &p->out, p->out.type->flush(p->out.state, &err), &err);
    }
    wp_log_line l;
    if (wp_log_begin(&l, p->log, routed ? WP_LOG_DEBUG : WP_LOG_ERROR, "message_error")) {
        wp_log_u64(&l, "index", b->first + i);
        if (b->source) {
            wp_log_str(&l, "file", b->source);
            if (b->source_line) wp_log_u64(&l, "line", b->source_line + i);
        }
        wp_log_str(&l, "error", why);
        wp_log_end(&l);
    }
    if (!routed) return false;
    wp_error err;
    wp_status s = wp_message_meta_set(m, "error", 5, (const uint8_t *)why, strlen(why));
    if (s != WP_OK) {
        pl_error(&err, s, "errors output: out of memory");
    } else {
        p->errs.offered++;
        s = p->errs.type->write(p->errs.state, &m, 1, &err);
    }
    if (s == WP_OK && p->same_stream) s = p->errs.type->flush(p->errs.state, &err);
    settle(p, &p->errs, s, &err);
    return s == WP_OK;
}

static void set_outcomes(uint8_t *outcome, size_t from, size_t to, bool written) {
    if (!outcome) return;
    for (size_t i = from; i < to; i++) outcome[i] = written ? PL_DELIVERED : PL_UNDELIVERED;
}

/* Writes a batch; the caller holds out_mu and it is the batch's turn.
 * outcome (NULL: not wanted) gets what became of each message, as far as
 * the writes tell; a flush may still fail (confirm_batch). */
static void write_batch(wp_pipeline *p, pl_batch *b, uint8_t *outcome) {
    size_t start = 0;
    for (size_t i = 0; i < b->n; i++) {
        const char *why = wp_message_error(b->msgs[i]);
        if (!why) continue;
        set_outcomes(outcome, start, i, write_run(p, b->msgs + start, i - start));
        bool routed = write_errored(p, b, i, why);
        if (outcome) outcome[i] = routed ? PL_ROUTED : PL_UNDELIVERED;
        start = i + 1;
    }
    set_outcomes(outcome, start, b->n, write_run(p, b->msgs + start, b->n - start));
}

/* For an acking input: pushes the batch out of every buffer, so that what
 * the outputs took is confirmed (written, published and acknowledged by
 * the broker, answered by the server), and downgrades what a failed flush
 * lost. The caller holds out_mu. */
static void confirm_batch(wp_pipeline *p, pl_batch *b, uint8_t *outcome) {
    flush_outputs(p);
    for (size_t i = 0; i < b->n; i++) {
        if ((outcome[i] == PL_DELIVERED && p->out.broken) ||
            (outcome[i] == PL_ROUTED && p->errs.broken))
            outcome[i] = PL_UNDELIVERED;
    }
}

/* Tells the input what became of each message; no lock held. */
static void ack_batch(wp_pipeline *p, pl_batch *b, const uint8_t *outcome) {
    uint64_t acked = 0, nacked = 0;
    for (size_t i = 0; i < b->n; i++) {
        if (!b->acks[i]) continue;
        p->in_type->ack(p->in_state, b->acks[i], b->msgs[i], (pl_outcome)outcome[i]);
        b->acks[i] = NULL;
        if (outcome[i] == PL_UNDELIVERED)
            nacked++;
        else
            acked++;
    }
    atomic_fetch_add_explicit(&p->n_acked, acked, memory_order_relaxed);
    atomic_fetch_add_explicit(&p->n_nacked, nacked, memory_order_relaxed);
}

/* The caller holds out_mu (or is alone). */
static void flush_outputs(wp_pipeline *p) {
    out_slot *slots[2] = { &p->out, &p->errs };
    for (int i = 0; i < 2; i++) {
        out_slot *o = slots[i];
        if (!o->type || o->broken) continue;
        wp_error err;
        settle(p, o, o->type->flush(o->state, &err), &err);
    }
}

/* Reads the next batch under the input lock. false at the end. */
static bool take_batch(wp_pipeline *p, pl_batch *b) {
    pthread_mutex_lock(&p->in_mu);
    if (p->input_done || atomic_load(&p->stop)) {
        p->input_done = true;
        pthread_mutex_unlock(&p->in_mu);
        return false;
    }
    b->n = 0;
    b->bytes = 0;
    b->limit = p->batch_size;
    b->source = NULL;
    b->source_line = 0;
    wp_error err;
    memset(&err, 0, sizeof err);
    wp_status s = p->in_type->read(p->in_state, b, &err);
    atomic_store(&p->input_waiting, false);
    if (s != WP_OK || b->n == 0) p->input_done = true;
    bool got = b->n > 0;
    if (got) {
        /* Whatever was read goes on, even if the read then failed. */
        b->seq = p->next_seq++;
        b->first = p->next_first;
        p->next_first += b->n;
        atomic_fetch_add_explicit(&p->n_in, b->n, memory_order_relaxed);
        atomic_fetch_add_explicit(&p->bytes_in, b->bytes, memory_order_relaxed);
        atomic_fetch_add_explicit(&p->n_batches, 1, memory_order_relaxed);
    }
    pthread_mutex_unlock(&p->in_mu);
    if (s != WP_OK) fatal(p, &err);
    return got;
}

static void *worker_main(void *arg) {
    wp_pipeline *p = arg;
    pl_batch b;
    memset(&b, 0, sizeof b);
    b.engine = p->engine;
    b.limit = p->batch_size;
    wp_message **scratch = pl_alloc(p->engine, p->batch_size * sizeof *scratch);
    bool acking = p->in_type->ack != NULL;
    uint8_t *outcome = acking ? pl_alloc(p->engine, p->batch_size) : NULL;
    if (acking && !outcome) {
        /* Nothing is read, so nothing is left unacknowledged. */
        wp_error e;
        pl_error(&e, WP_ERR_NOMEM, "worker: out of memory");
        fatal(p, &e);
    }
    while ((!acking || outcome) && take_batch(p, &b)) {
        if (scratch) {
            run_processors(p, &b, scratch);
        } else {
            wp_error e;
            pl_error(&e, WP_ERR_NOMEM, "worker: out of memory");
            for (size_t i = 0; i < b.n; i++)
                wp_message_set_error(b.msgs[i], "not processed: worker out of memory");
            fatal(p, &e);
        }
        /* The unwritten batches are write_seq, write_seq + 1, ..., each held
         * by its own worker, so fewer than nthreads: seq % nthreads names a
         * condition variable only this worker waits on, and the writer of
         * the batch before wakes just it. */
        pthread_mutex_lock(&p->out_mu);
        pthread_cond_t *mine = &p->out_turn[b.seq % p->nthreads];
        while (p->write_seq != b.seq) {
            pthread_cond_wait(mine, &p->out_mu);
            if (p->write_seq != b.seq) p->futile_wakeups++;
        }
        uint64_t t0 = pl_now_ns();
        write_batch(p, &b, outcome);
        if (acking)
            confirm_batch(p, &b, outcome);
        else if (atomic_load(&p->input_waiting))
            flush_outputs(p);
        pl_comp_metrics_time(&p->m_out, pl_now_ns() - t0);
        p->write_seq++;
        pthread_cond_signal(&p->out_turn[p->write_seq % p->nthreads]);
        pthread_mutex_unlock(&p->out_mu);
        if (acking) ack_batch(p, &b, outcome);
    }
    pl_batch_free(&b);
    pl_free(p->engine, scratch, p->batch_size * sizeof *scratch);
    pl_free(p->engine, outcome, p->batch_size);
    return NULL;
}

/* ---------------------------------------------------------------- run */

static bool sync_init(wp_pipeline *p) {
    p->out_turn = pl_alloc(p->engine, p->nthreads * sizeof *p->out_turn);
    if (!p->out_turn) return false;
    unsigned conds = 0;
    bool ok = pthread_mutex_init(&p->in_mu, NULL) == 0;
    if (ok && pthread_mutex_init(&p->out_mu, NULL) != 0) {
        pthread_mutex_destroy(&p->in_mu);
        ok = false;
    }
    while (ok && conds < p->nthreads && pthread_cond_init(&p->out_turn[conds], NULL) == 0) conds++;
    if (ok && conds < p->nthreads) {
        while (conds) pthread_cond_destroy(&p->out_turn[--conds]);
        pthread_mutex_destroy(&p->in_mu);
        pthread_mutex_destroy(&p->out_mu);
        ok = false;
    }
    p->sync_ready = ok;
    return ok;
}

static void log_summary(wp_pipeline *p, const struct timespec *t0) {
    struct timespec t1;
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
    wp_pipeline_stats st;
    wp_pipeline_stats_get(p, &st);
    wp_log_line l;
    if (wp_log_begin(&l, p->log, WP_LOG_INFO, "summary")) {
        wp_log_u64(&l, "in", st.in);
        wp_log_u64(&l, "out", st.out);
        wp_log_u64(&l, "errored", st.errored);
        if (st.dropped) wp_log_u64(&l, "dropped", st.dropped);
        uint64_t log_dropped = wp_logger_dropped(p->log);
        if (log_dropped) wp_log_u64(&l, "log_dropped", log_dropped);
        if (p->in_type->ack) {
            wp_log_u64(&l, "acked", st.acked);
            wp_log_u64(&l, "nacked", st.nacked);
        }
        char buf[64];
        snprintf(buf, sizeof buf, "%.3fs", secs);
        wp_log_str(&l, "elapsed", buf);
        wp_log_str(&l, "msg", p->failed ? "pipeline failed" : "pipeline finished");
        wp_log_end(&l);
    }
    if (wp_log_begin(&l, p->log, WP_LOG_DEBUG, "pipeline_stats")) {
        wp_log_u64(&l, "batches", st.batches);
        wp_log_u64(&l, "bytes_in", st.bytes_in);
        wp_log_u64(&l, "bytes_out", st.bytes_out);
        wp_log_u64(&l, "futile_wakeups", p->futile_wakeups);
        wp_log_end(&l);
    }
    for (size_t i = 0; i < p->nprocs; i++)
        if (p->procs[i].type->report) p->procs[i].type->report(p->procs[i].state, p->log);
}

wp_status wp_pipeline_run(wp_pipeline *p, wp_error *err) {
    if (!p) return pl_error(err, WP_ERR_ARG, "no pipeline");
    if (p->ran) return pl_error(err, WP_ERR_ARG, "a pipeline runs only once");
    p->ran = true;
    atomic_store(&p->running, true);
    if (!sync_init(p))
        return pl_error(err, WP_ERR_NOMEM, "%s",
                        p->out_turn ? "cannot create thread primitives"
                                    : "out of memory for the workers' turn conditions");
    p->next_first = 1;
    pthread_t *workers = pl_alloc(p->engine, p->nthreads * sizeof *workers);
    if (!workers) return pl_error(err, WP_ERR_NOMEM, "out of memory for the worker threads");
    wp_log_line l;
    if (wp_log_begin(&l, p->log, WP_LOG_DEBUG, "pipeline_start")) {
        wp_log_str(&l, "input", p->cfg.input.path);
        wp_log_str(&l, "output", p->cfg.output.path);
        wp_log_u64(&l, "threads", p->nthreads);
        wp_log_u64(&l, "processors", p->nprocs);
        wp_log_u64(&l, "batch", p->batch_size);
        wp_log_end(&l);
    }
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    unsigned started = 0;
    /* Every thread but one is a spare: the caller is a worker too. */
    for (; started + 1 < p->nthreads; started++)
        if (pthread_create(&workers[started], NULL, worker_main, p) != 0) break;
    worker_main(p);
    for (unsigned i = 0; i < started; i++) pthread_join(workers[i], NULL);
    pl_free(p->engine, workers, p->nthreads * sizeof *workers);
    flush_outputs(p);
    atomic_store(&p->running, false);
    log_summary(p, &t0);
    if (p->failed) {
        if (err) *err = p->fail_err;
        return p->fail_err.code != WP_OK ? p->fail_err.code : WP_ERR_INTERNAL;
    }
    return WP_OK;
}

/* ---------------------------------------------------------------- service */

static bool service_ready(void *user) {
    wp_pipeline *p = user;
    if (!atomic_load(&p->running) || atomic_load(&p->stop)) return false;
    if (p->in_type->connected && !p->in_type->connected(p->in_state)) return false;
    if (p->out.type->connected && !p->out.type->connected(p->out.state)) return false;
    return true;
}

/* The wasm processors' own counters, one family at a time. */
static void processor_families(wp_pipeline *p, pl_text *t) {
    static const struct { const char *name, *help; int field; } fams[] = {
        { "wasm_instances_created", "Instances of the module created.", 0 },
        { "wasm_instances_discarded", "Instances thrown away after a trap or a timeout.", 1 },
        { "wasm_instance_failures", "Instances that could not be created.", 2 },
        { "wasm_compile_ns", "Time spent reading, compiling and checking the module.", 3 },
    };
    for (size_t f = 0; f < sizeof fams / sizeof fams[0]; f++) {
        bool header = false;
        for (size_t k = 0; k < p->nprocs; k++) {
            if (!p->procs[k].type->stats) continue;
            wp_processor_stats st;
            uint64_t compile_ns = 0;
            p->procs[k].type->stats(p->procs[k].state, &st, &compile_ns);
            uint64_t v = fams[f].field == 0   ? st.instances_created
                         : fams[f].field == 1 ? st.instances_discarded
                         : fams[f].field == 2 ? st.instance_failures
                                              : compile_ns;
            if (!header)
                pl_text_printf(t, "# HELP %s %s\n# TYPE %s %s\n", fams[f].name, fams[f].help,
                               fams[f].name, fams[f].field == 3 ? "gauge" : "counter");
            header = true;
            pl_text_printf(t, "%s{label=\"%s\",path=\"%s\"} %llu\n", fams[f].name,
                           p->m_procs[k].label, p->m_procs[k].path, (unsigned long long)v);
        }
    }
}

static void service_metrics(void *user, pl_text *t) {
    wp_pipeline *p = user;
    atomic_store(&p->m_in.received, atomic_load(&p->n_in));
    atomic_store(&p->m_out.sent, atomic_load(&p->n_out));
    atomic_store(&p->m_out.error, atomic_load(&p->n_dropped));
    const pl_comp_metrics *in[1] = { &p->m_in }, *out[1] = { &p->m_out };
    size_t nprocs = p->nprocs ? p->nprocs : 1;
    const pl_comp_metrics **procs = pl_alloc(p->engine, nprocs * sizeof *procs);
    if (!procs) {
        t->failed = true;
        return;
    }
    for (size_t k = 0; k < p->nprocs; k++) procs[k] = &p->m_procs[k];
    pl_metrics_counter(t, "input_received", "Messages received by the input.", in, 1,
                       offsetof(pl_comp_metrics, received));
    pl_metrics_counter(t, "processor_received", "Messages handed to the processor.", procs,
                       p->nprocs, offsetof(pl_comp_metrics, received));
    pl_metrics_counter(t, "processor_sent", "Messages the processor passed on.", procs,
                       p->nprocs, offsetof(pl_comp_metrics, sent));
    pl_metrics_counter(t, "processor_error", "Messages the processor errored.", procs,
                       p->nprocs, offsetof(pl_comp_metrics, error));
    pl_metrics_latency(t, "processor_latency_ns", "Time the processor took per batch.", procs,
                       p->nprocs);
    pl_metrics_counter(t, "output_sent", "Messages the output wrote.", out, 1,
                       offsetof(pl_comp_metrics, sent));
    pl_metrics_counter(t, "output_error", "Messages the output failed to write.", out, 1,
                       offsetof(pl_comp_metrics, error));
    pl_metrics_latency(t, "output_latency_ns", "Time to write and confirm a batch.", out, 1);
    processor_families(p, t);
    pl_free(p->engine, procs, nprocs * sizeof *procs);
}

/* Sets up the metrics and, with http.enabled, starts the endpoints. */
static void start_service(wp_pipeline *p, wp_diags *d, wp_status *s) {
    pl_comp_metrics_init(&p->m_in, p->cfg.input.label, "root.input");
    pl_comp_metrics_init(&p->m_out, p->cfg.output.label, "root.output");
    size_t nslots = p->cfg.pipeline.processors.n ? p->cfg.pipeline.processors.n : 1;
    p->m_procs = pl_alloc(p->engine, nslots * sizeof *p->m_procs);
    if (!p->m_procs) {
        pl_diag(d, NULL, NULL, "out of memory for the metrics");
        *s = WP_ERR_NOMEM;
        return;
    }
    for (size_t k = 0; k < p->nprocs; k++) {
        char path[64];
        pl_format(path, sizeof path, "root.pipeline.processors.%zu", k);
        pl_comp_metrics_init(&p->m_procs[k], p->procs[k].comp->label, path);
    }
    /* An input without an address of its own needs the server even when
     * the endpoints were not asked for (as in Bento, where it always runs). */
    if (!p->cfg.http.enabled && !p->route.path) return;
    pl_http_hooks hooks = { service_ready, service_metrics, p };
    wp_error err;
    *s = pl_http_start(p->engine, &p->cfg.http, &hooks, &p->route, &p->http, &err);
    if (*s != WP_OK) pl_diag(d, NULL, "http.address", "%s", err.msg);
}
