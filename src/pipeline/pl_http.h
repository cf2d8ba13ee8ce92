/* The service endpoints and the metrics behind /metrics. Internal to
 * src/pipeline.
 *
 * Metric names and labels are Bento's: every component's series carry
 * `label` (its label, or "") and `path` ("root.input",
 * "root.pipeline.processors.0", "root.output"); counters have no _total
 * suffix and latencies are summaries in nanoseconds (_sum and _count).
 */
#ifndef WASMPIPE_PL_HTTP_H
#define WASMPIPE_PL_HTTP_H

#include "pl.h"

#include <microhttpd.h>
#include <stdatomic.h>

/* A growing text buffer; on allocation failure it stays cut and `failed`. */
typedef struct pl_text {
    wp_engine *engine;   /* whose allocator; NULL: libc */
    char  *s;
    size_t len, cap;
    bool   failed;
} pl_text;

void pl_text_printf(pl_text *t, const char *fmt, ...) WP_PRINTF(2, 3);
void pl_text_free(pl_text *t);

/* One component's counters. */
typedef struct pl_comp_metrics {
    char             label[96];   /* escaped for the exposition format */
    char             path[96];
    _Atomic uint64_t received, sent, error, latency_sum_ns, latency_count;
} pl_comp_metrics;

void pl_comp_metrics_init(pl_comp_metrics *m, const char *label, const char *path);
void pl_comp_metrics_time(pl_comp_metrics *m, uint64_t ns);
uint64_t pl_now_ns(void);

/* What /metrics shows: a component family at a time. */
void pl_metrics_counter(pl_text *t, const char *name, const char *help,
                        const pl_comp_metrics *const *comps, size_t n, size_t field_offset);
void pl_metrics_latency(pl_text *t, const char *name, const char *help,
                        const pl_comp_metrics *const *comps, size_t n);

/* The service: GET /ping, /ready, /version, /metrics, and the path of an
 * input that shares the server. */
extern const pl_spec pl_http_spec;

typedef struct pl_http_hooks {
    bool (*ready)(void *user);
    void (*metrics)(void *user, pl_text *out);
    void *user;
} pl_http_hooks;

typedef struct pl_http pl_http;

/* An input's path on the shared server (Bento: an http_server input with
 * no address). Requests for `path` go to handler and completed, as if the
 * input had its own libmicrohttpd server; the server then runs a thread
 * per connection. quiesce is called before the server stops: it must
 * answer every request still waiting. */
struct pl_http_route {
    const char                  *path;    /* NULL: no route */
    const char                  *owner;   /* the input's config path, for messages */
    MHD_AccessHandlerCallback    handler;
    MHD_RequestCompletedCallback completed;
    void                       (*quiesce)(void *cls);
    void                        *cls;
    unsigned                     max_connections;
};

/* Starts serving on cfg->address ("host:port"; ":port" for every address),
 * with route (NULL or path NULL: none) beside the endpoints. On failure the
 * error names the address. */
wp_status pl_http_start(wp_engine *e, const pl_http_cfg *cfg, const pl_http_hooks *hooks,
                        const pl_http_route *route, pl_http **out, wp_error *err);
void pl_http_stop(pl_http *h);

#endif
