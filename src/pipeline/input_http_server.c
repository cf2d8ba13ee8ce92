/* The `http_server` input: each request body on `path` is a message, its
 * headers its metadata. The request is answered when the message's fate is
 * known (the pipeline acknowledges it): 200 once every output confirmed it
 * (with sync_response, the body is the processed message), 500 with the
 * error text for an errored message, 503 when it was not delivered, 504
 * after `timeout`. Requests wait in a bounded queue; a full queue answers
 * 503 at once, a body over max_body 413. Each connection has its own
 * thread (libmicrohttpd), at most max_connections.
 */
#include "pl_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* sync_response: `true`/`false`, or Bento's object (which turns it on). */
typedef struct hs_sync_cfg {
    bool        on;                 /* not a field: set by the bool or the object */
    const char *status;
    pl_strmap   headers;
    pl_strs     include_prefixes;   /* metadata_headers.include_prefixes */
} hs_sync_cfg;

typedef struct hs_meta_cfg {
    pl_strs include_prefixes;
} hs_meta_cfg;

static const pl_field hs_meta_fields[] = {
    { "include_prefixes", PL_T_STR_LIST, NULL, offsetof(hs_meta_cfg, include_prefixes),
      "Metadata keys of the processed message starting with one of these become response "
      "headers; an empty string takes every key. Empty list: none.",
      0, NULL, 0, 0, NULL },
    { NULL, 0, NULL, 0, NULL, 0, NULL, 0, 0, NULL },
};

static const pl_spec hs_meta_spec = {
    .name = "metadata_headers",
    .summary = "Which metadata becomes response headers.",
    .fields = hs_meta_fields,
    .cfg_size = sizeof(hs_meta_cfg),
};

static const pl_field hs_sync_fields[] = {
    { "status", PL_T_STR, "200", offsetof(hs_sync_cfg, status),
      "The status of the answer for a delivered message (100 to 599; Bento's ${! ...} "
      "interpolation is not supported).",
      0, NULL, 0, 0, NULL },
    { "headers", PL_T_STR_MAP, NULL, offsetof(hs_sync_cfg, headers),
      "Headers of that answer, a map; when left out, Content-Type: application/octet-stream "
      "as in Bento.",
      0, NULL, 0, 0, NULL },
    { "metadata_headers", PL_T_SECTION, NULL, offsetof(hs_sync_cfg, include_prefixes),
      "Which metadata keys of the processed message become headers of the answer.", 0, NULL,
      0, 0, &hs_meta_spec },
    { NULL, 0, NULL, 0, NULL, 0, NULL, 0, 0, NULL },
};

static const pl_spec hs_sync_spec = {
    .name = "sync_response",
    .summary = "The answer for a delivered message.",
    .fields = hs_sync_fields,
    .cfg_size = sizeof(hs_sync_cfg),
};

typedef struct hs_cfg {
    const char *address;
    const char *path;
    pl_strs     allowed_verbs;
    uint64_t    timeout;
    hs_sync_cfg sync_response;
    uint64_t    max_message_size;
    uint64_t    max_body;
    int64_t     queue;
    int64_t     max_connections;
} hs_cfg;

static const pl_field hs_fields[] = {
    { "address", PL_T_STR, "", offsetof(hs_cfg, address),
      "host:port to listen on (IPv4) with a server of the input's own. Empty (the default, "
      "as in Bento): path is served by the http section's server at http.address (default "
      "0.0.0.0:4195) beside /ping, /ready, /version and /metrics; that server then runs "
      "even when http.enabled is false.",
      0, NULL, 0, 0, NULL },
    { "path", PL_T_STR, "/post", offsetof(hs_cfg, path), "The path that takes messages.", 0,
      NULL, 0, 0, NULL },
    { "allowed_verbs", PL_T_STR_LIST, NULL, offsetof(hs_cfg, allowed_verbs),
      "Methods accepted on path (default: POST); others get 405.", 0, NULL, 0, 0, NULL },
    { "timeout", PL_T_DURATION, "5s", offsetof(hs_cfg, timeout),
      "How long a request waits for its message to be delivered before a 504.", 0, NULL, 0,
      0, NULL },
    { "sync_response", PL_T_SECTION, NULL, offsetof(hs_cfg, sync_response),
      "The answer carries the processed message: Bento's object with `status` (default "
      "200), `headers` (a map; default Content-Type: application/octet-stream) and "
      "`metadata_headers.include_prefixes` (metadata keys sent back as headers); Bento also "
      "needs a sync_response processor, here the object alone turns it on. true is a "
      "shorthand for `{}`. Without it (or false) a delivered message gets an empty 200.",
      PL_BOOL_OR_SECTION, NULL, 0, 0, &hs_sync_spec },
    { "max_message_size", PL_T_BYTES, "1MiB", offsetof(hs_cfg, max_message_size),
      "The largest request body, so the largest message; a larger one gets 413 (and is no "
      "message). Lower than the other inputs' 64MiB, since every open connection may hold "
      "one body.",
      0, NULL, 1, (int64_t)1 << 32, NULL },
    { "max_body", PL_T_BYTES, NULL, offsetof(hs_cfg, max_body),
      "An older name for the same bound: when it alone is written it applies; when both "
      "are, the smaller.", 0,
      NULL, 1, (int64_t)1 << 32, NULL },
    { "queue", PL_T_INT, "1024", offsetof(hs_cfg, queue),
      "Requests waiting to be read by the pipeline at most; past it requests get 503.", 0,
      NULL, 1, 1 << 20, NULL },
    { "max_connections", PL_T_INT, "256", offsetof(hs_cfg, max_connections),
      "Open connections at most (one thread each).", 0, NULL, 1, 4096, NULL },
    { NULL, 0, NULL, 0, NULL, 0, NULL, 0, 0, NULL },
};

typedef struct hs_req {
    wp_engine     *engine;     /* whose allocator this and its buffers are */
    wp_message    *msg;        /* body and metadata, until read */
    uint8_t       *body;
    size_t         len;
    bool           too_big;
    bool           done;
    unsigned       status;
    uint8_t       *reply;      /* the answer's body */
    size_t         reply_len;
    int            refs;       /* the connection and, once queued, the pipeline */
    char          *hdrs;       /* the answer's headers: "name\0value\0" pairs */
    size_t         hdrs_len;
    struct hs_req *next;
} hs_req;

typedef struct hs {
    wp_engine         *engine;    /* whose allocator this and the requests are */
    const hs_cfg      *cfg;
    struct MHD_Daemon *d;
    pthread_mutex_t    mu;
    pthread_cond_t     changed;   /* a request queued, or one done */
    hs_req            *head, *tail;
    int64_t            queued;
    bool               closing;
    pl_waiter          wait;
    unsigned           status;    /* sync_response.status */
    size_t             max_body;  /* max_message_size or max_body */
    const char        *limit_name;
    char               too_big[96];   /* the 413's text */
    char               name[160];
} hs;

static void req_unref(hs *s, hs_req *r) {   /* s->mu held */
    (void)s;
    if (--r->refs > 0) return;
    wp_engine *e = r->engine;
    wp_message_destroy(r->msg);
    pl_free(e, r->body, r->len);
    pl_free(e, r->reply, r->reply_len);
    pl_free(e, r->hdrs, r->hdrs_len);
    pl_free(e, r, sizeof *r);
}

/* A header name or value that cannot break the answer's lines. */
static bool header_ok(const char *v, size_t n, bool name) {
    if (name && n == 0) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)v[i];
        if (ch == '\r' || ch == '\n' || ch == 0 || (name && (ch == ':' || ch <= ' ')))
            return false;
    }
    return true;
}

/* Adds a header to r's answer; false on allocation failure. */
static bool add_header(hs_req *r, const char *k, size_t kn, const char *v, size_t vn) {
    if (!header_ok(k, kn, true) || !header_ok(v, vn, false)) return true;   /* skipped */
    char *h = pl_realloc(r->engine, r->hdrs, r->hdrs_len, r->hdrs_len + kn + vn + 2);
    if (!h) return false;
    memcpy(h + r->hdrs_len, k, kn);
    h[r->hdrs_len + kn] = '\0';
    memcpy(h + r->hdrs_len + kn + 1, v, vn);
    h[r->hdrs_len + kn + 1 + vn] = '\0';
    r->hdrs = h;
    r->hdrs_len += kn + vn + 2;
    return true;
}

static void finish(hs_req *r, unsigned status, const void *body, size_t len) {
    r->status = status;
    r->reply = len ? pl_alloc(r->engine, len) : NULL;
    if (r->reply) memcpy(r->reply, body, len);
    r->reply_len = r->reply ? len : 0;
    r->done = true;
}

static enum MHD_Result answer_with(struct MHD_Connection *c, unsigned status,
                                   const void *body, size_t len, const char *hdrs,
                                   size_t hdrs_len) {
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!resp) return MHD_NO;
    for (size_t at = 0; at < hdrs_len;) {
        const char *k = hdrs + at, *v = k + strlen(k) + 1;
        MHD_add_response_header(resp, k, v);
        at = (size_t)(v + strlen(v) + 1 - hdrs);
    }
    enum MHD_Result ok = MHD_queue_response(c, status, resp);
    MHD_destroy_response(resp);
    return ok;
}

static enum MHD_Result answer(struct MHD_Connection *c, unsigned status, const void *body,
                              size_t len) {
    return answer_with(c, status, body, len, NULL, 0);
}

static enum MHD_Result take_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value) {
    (void)kind;
    wp_message *m = cls;
    if (key && value)
        wp_message_meta_set(m, key, strlen(key), (const uint8_t *)value, strlen(value));
    return MHD_YES;
}

static bool verb_allowed(const hs *s, const char *method) {
    if (!s->cfg->allowed_verbs.n) return strcmp(method, "POST") == 0;
    for (size_t i = 0; i < s->cfg->allowed_verbs.n; i++)
        if (strcmp(method, s->cfg->allowed_verbs.v[i]) == 0) return true;
    return false;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
    (void)version;
    hs *s = cls;
    hs_req *r = *con_cls;
    if (!r) {
        if (strcmp(url, s->cfg->path) != 0) return answer(c, MHD_HTTP_NOT_FOUND, "not found\n", 10);
        if (!verb_allowed(s, method))
            return answer(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n", 19);
        /* A declared length over the bound is refused before the body is read. */
        const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        if (cl && strtoull(cl, NULL, 10) > s->max_body)
            return answer(c, MHD_HTTP_CONTENT_TOO_LARGE, s->too_big, strlen(s->too_big));
        r = pl_alloc(s->engine, sizeof *r);
        if (!r) return MHD_NO;
        r->engine = s->engine;
        r->refs = 1;
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->too_big && r->len + *upload_size > s->max_body) r->too_big = true;
        if (!r->too_big) {
            uint8_t *b = pl_realloc(r->engine, r->body, r->len, r->len + *upload_size);
            if (!b) return MHD_NO;
            memcpy(b + r->len, upload, *upload_size);
            r->body = b;
            r->len += *upload_size;
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->too_big) return answer(c, MHD_HTTP_CONTENT_TOO_LARGE, s->too_big, strlen(s->too_big));
    r->msg = wp_message_create_in(r->engine, r->body ? r->body : (const uint8_t *)"", r->len);
    if (!r->msg) return answer(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n", 14);
    MHD_get_connection_values(c, MHD_HEADER_KIND, take_header, r->msg);
    pthread_mutex_lock(&s->mu);
    if (s->closing || s->queued >= s->cfg->queue) {
        pthread_mutex_unlock(&s->mu);
        return answer(c, MHD_HTTP_SERVICE_UNAVAILABLE, "busy\n", 5);
    }
    r->refs++;
    if (s->tail) s->tail->next = r; else s->head = r;
    s->tail = r;
    s->queued++;
    pthread_cond_broadcast(&s->changed);
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    uint64_t ns = (uint64_t)until.tv_nsec + s->cfg->timeout;
    until.tv_sec += (time_t)(ns / 1000000000u);
    until.tv_nsec = (long)(ns % 1000000000u);
    int rc = 0;
    while (!r->done && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&s->changed, &s->mu, &until);
    enum MHD_Result res;
    if (r->done)
        res = answer_with(c, r->status, r->reply, r->reply_len, r->hdrs, r->hdrs_len);
    else
        res = answer(c, MHD_HTTP_GATEWAY_TIMEOUT, "timed out\n", 10);
    pthread_mutex_unlock(&s->mu);
    return res;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode code) {
    (void)c;
    (void)code;
    hs *s = cls;
    hs_req *r = *con_cls;
    if (!r) return;
    pthread_mutex_lock(&s->mu);
    req_unref(s, r);
    pthread_mutex_unlock(&s->mu);
    *con_cls = NULL;
}

/* No more requests are taken; those never read are answered 503. */
static void hs_quiesce(void *state) {
    hs *s = state;
    pthread_mutex_lock(&s->mu);
    s->closing = true;
    /* Requests never read: not delivered. */
    for (hs_req *r = s->head, *next; r; r = next) {
        next = r->next;
        finish(r, MHD_HTTP_SERVICE_UNAVAILABLE, "shutting down\n", 14);
        req_unref(s, r);
    }
    s->head = s->tail = NULL;
    pthread_cond_broadcast(&s->changed);
    pthread_mutex_unlock(&s->mu);
}

/* With no address of its own the input's requests came through the shared
 * server, which is stopped (after hs_quiesce) before the input is closed. */
static void hs_close(void *state) {
    hs *s = state;
    if (!s) return;
    hs_quiesce(s);
    if (s->d) MHD_stop_daemon(s->d);
    pthread_cond_destroy(&s->changed);
    pthread_mutex_destroy(&s->mu);
    pl_free(s->engine, s, sizeof *s);
}

static wp_status hs_open(const pl_open_ctx *ctx, const void *cfg, void **state, pl_fail *fail) {
    const hs_cfg *c = cfg;
    const pl_node *at = pl_map_get(ctx->comp->node, "address");
    bool shared = !c->address[0];
    if (shared && (!ctx->route || ctx->route->path))
        return pl_failf(fail, WP_ERR_INVALID, at, "address",
                        "no shared http server for an empty address here");
    struct sockaddr_in sa = { .sin_family = AF_INET };
    if (!shared) {
        const char *colon = strrchr(c->address, ':');
        char host[64];
        char *end = NULL;
        long port = colon ? strtol(colon + 1, &end, 10) : -1;
        size_t hl = colon ? (size_t)(colon - c->address) : 0;
        if (!colon || !colon[1] || *end || port < 1 || port > 65535 || hl >= sizeof host)
            return pl_failf(fail, WP_ERR_INVALID, at, "address", "'%s': expected host:port",
                            c->address);
        memcpy(host, c->address, hl);
        host[hl] = '\0';
        sa.sin_port = htons((uint16_t)port);
        if (!hl || strcmp(host, "0.0.0.0") == 0)
            sa.sin_addr.s_addr = htonl(INADDR_ANY);
        else if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
            return pl_failf(fail, WP_ERR_INVALID, at, "address", "'%s' is not an IPv4 address",
                            host);
    }
    if (c->path[0] != '/')
        return pl_failf(fail, WP_ERR_INVALID, pl_map_get(ctx->comp->node, "path"), "path",
                        "'%s' does not start with '/'", c->path);
    const hs_sync_cfg *sync = &c->sync_response;
    char *send = NULL;
    long status = strtol(sync->status, &send, 10);
    if (!sync->status[0] || *send || status < 100 || status > 599)
        return pl_failf(fail, WP_ERR_INVALID, NULL, "sync_response.status",
                        "'%s' is not an HTTP status (100 to 599)", sync->status);
    for (size_t i = 0; i < sync->headers.n; i++)
        if (!header_ok(sync->headers.keys[i], strlen(sync->headers.keys[i]), true) ||
            !header_ok(sync->headers.vals[i], strlen(sync->headers.vals[i]), false))
            return pl_failf(fail, WP_ERR_INVALID, sync->headers.node, "sync_response.headers",
                            "'%s: %s' is not a valid header (a name without ':' or spaces, "
                            "a value on one line)", sync->headers.keys[i], sync->headers.vals[i]);
    hs *s = pl_alloc(ctx->engine, sizeof *s);
    if (!s) return pl_failf(fail, WP_ERR_NOMEM, NULL, "", "out of memory for the input");
    s->engine = ctx->engine;
    s->cfg = c;
    s->status = (unsigned)status;
    if (!c->max_message_size) {
        pl_free(s->engine, s, sizeof *s);
        return pl_failf(fail, WP_ERR_INVALID, pl_map_get(ctx->comp->node, "max_message_size"),
                        "max_message_size", "must be at least 1 byte");
    }
    s->max_body = pl_message_limit(ctx->comp->node, c->max_message_size, c->max_body, "max_body", &s->limit_name);
    pl_format(s->too_big, sizeof s->too_big, "body too large: over %s (%zu bytes)\n",
              s->limit_name, s->max_body);
    s->wait = ctx->wait;
    pl_format(s->name, sizeof s->name, "%s", ctx->comp->path);
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->changed, NULL);
    if (shared) {
        *ctx->route = (pl_http_route){ c->path, ctx->comp->path, on_request, on_completed,
                                       hs_quiesce, s, (unsigned)c->max_connections };
        *state = s;
        return WP_OK;
    }
    s->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD,
                            ntohs(sa.sin_port), NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
                            (struct sockaddr *)&sa, MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
                            MHD_OPTION_CONNECTION_LIMIT, (unsigned)c->max_connections,
                            MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
    if (!s->d) {
        hs_close(s);
        return pl_failf(fail, WP_ERR_IO, at, "address", "cannot listen on %s (in use?)",
                        c->address);
    }
    *state = s;
    return WP_OK;
}

static bool stopped(const pl_waiter *w) {
    if (w->stop_fd < 0) return false;
    struct pollfd pfd = { w->stop_fd, POLLIN, 0 };
    return poll(&pfd, 1, 0) > 0;
}

static wp_status hs_read(void *state, pl_batch *b, wp_error *err) {
    hs *s = state;
    pthread_mutex_lock(&s->mu);
    while (!s->head) {
        pthread_mutex_unlock(&s->mu);
        if (stopped(&s->wait)) return WP_OK;
        if (s->wait.idle) s->wait.idle(s->wait.user);
        pthread_mutex_lock(&s->mu);
        if (s->head) break;
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 100 * 1000 * 1000;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&s->changed, &s->mu, &until);
    }
    wp_status st = WP_OK;
    while (s->head && !pl_batch_full(b)) {
        hs_req *r = s->head;
        size_t len;
        const uint8_t *data = wp_message_bytes(r->msg, &len);
        wp_message *m = pl_batch_push(b, data, len);
        if (!m) {
            st = pl_error(err, WP_ERR_NOMEM, "%s: out of memory", s->name);
            break;
        }
        size_t nm = wp_message_meta_count(r->msg);
        for (size_t i = 0; i < nm; i++) {
            const char *k;
            size_t kn, vn;
            const uint8_t *v;
            if (wp_message_meta_at(r->msg, i, &k, &kn, &v, &vn)) wp_message_meta_set(m, k, kn, v, vn);
        }
        pl_batch_set_ack(b, r);
        s->head = r->next;
        if (!s->head) s->tail = NULL;
        s->queued--;
    }
    pthread_mutex_unlock(&s->mu);
    return st;
}

static void hs_ack(void *state, void *handle, wp_message *m, pl_outcome outcome) {
    hs *s = state;
    hs_req *r = handle;
    pthread_mutex_lock(&s->mu);
    const char *why = wp_message_error(m);
    const hs_sync_cfg *sync = &s->cfg->sync_response;
    if (outcome == PL_DELIVERED && sync->on) {
        size_t len = 0;
        const uint8_t *data = wp_message_bytes(m, &len);
        bool ok = true;
        if (!sync->headers.node)
            ok = add_header(r, "Content-Type", 12, "application/octet-stream", 24);
        for (size_t i = 0; ok && i < sync->headers.n; i++)
            ok = add_header(r, sync->headers.keys[i], strlen(sync->headers.keys[i]),
                            sync->headers.vals[i], strlen(sync->headers.vals[i]));
        size_t nm = sync->include_prefixes.n ? wp_message_meta_count(m) : 0;
        for (size_t i = 0; ok && i < nm; i++) {
            const char *k;
            size_t kn, vn;
            const uint8_t *v;
            if (!wp_message_meta_at(m, i, &k, &kn, &v, &vn)) continue;
            for (size_t j = 0; j < sync->include_prefixes.n; j++) {
                size_t pn = strlen(sync->include_prefixes.v[j]);
                if (kn >= pn && memcmp(k, sync->include_prefixes.v[j], pn) == 0) {
                    ok = add_header(r, k, kn, (const char *)v, vn);
                    break;
                }
            }
        }
        if (ok)
            finish(r, s->status, data, len);
        else
            finish(r, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n", 14);
    } else if (outcome == PL_DELIVERED) {
        finish(r, MHD_HTTP_OK, NULL, 0);
    } else if (why) {
        finish(r, MHD_HTTP_INTERNAL_SERVER_ERROR, why, strlen(why));
    } else {
        finish(r, MHD_HTTP_SERVICE_UNAVAILABLE, "not delivered\n", 14);
    }
    pthread_cond_broadcast(&s->changed);
    req_unref(s, r);
    pthread_mutex_unlock(&s->mu);
}

const pl_input_type pl_input_http_server = {
    .spec = {
        .name = "http_server",
        .summary = "Takes each HTTP request body as a message and answers once it is delivered.",
        .details = "The answer waits for the message's acknowledgement: 200 when every output "
                   "confirmed it (with sync_response the processed message is the body), 500 "
                   "with the error for an errored message, 503 when it was not delivered or "
                   "the queue is full, 504 after timeout, 413 for a body over max_message_size. A "
                   "client that got no 200 may send again: at least once.",
        .fields = hs_fields,
        .cfg_size = sizeof(hs_cfg),
    },
    .open = hs_open,
    .read = hs_read,
    .close = hs_close,
    .ack = hs_ack,
};
