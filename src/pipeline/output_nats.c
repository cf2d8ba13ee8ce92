/* The `nats` and `nats_jetstream` outputs. nats_jetstream publishes each
 * message asynchronously and its flush waits until the server stored and
 * acknowledged every one: only then does the pipeline acknowledge the
 * input. `nats` publishes on core NATS; its flush is a round trip to the
 * server (which has then received everything before it), with no
 * guarantee that anyone received the messages.
 */
#include "pl_nats.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* Unconfirmed asynchronous publishes before write itself waits for them. */
#define MAX_UNCONFIRMED 8192
/* How long a publish may wait for the stream's acknowledgement before it
 * is sent again. */
#define CONFIRM_WAIT_MS 5000
/* The longest round trip a core NATS flush waits for. */
#define FLUSH_WAIT_MS 30000

typedef struct nats_out_cfg {
    pl_strs          urls;
    const char      *subject;
    pl_nats_meta_cfg metadata;
    pl_strmap        headers;
} nats_out_cfg;

static const pl_field nats_out_fields[] = {
    { "urls", PL_T_STR_LIST, NULL, offsetof(nats_out_cfg, urls),
      "NATS server URLs, as for the nats_jetstream input.", PL_REQUIRED, NULL, 0, 0, NULL },
    { "subject", PL_T_STR, NULL, offsetof(nats_out_cfg, subject),
      "The subject every message is published to.", PL_REQUIRED, NULL, 0, 0, NULL },
    { "metadata", PL_T_SECTION, NULL, offsetof(nats_out_cfg, metadata),
      "Which metadata keys become headers.", 0, NULL, 0, 0, &pl_nats_meta_spec },
    { "headers", PL_T_STR_MAP, NULL, offsetof(nats_out_cfg, headers),
      "Headers set on every message, a map as in Bento (`headers: {Source: wasmpipe}`); the "
      "values are fixed text (Bento's ${! ...} interpolation is not supported). They are set "
      "after the metadata, so they win over a metadata key of the same name.",
      0, NULL, 0, 0, NULL },
    { NULL, 0, NULL, 0, NULL, 0, NULL, 0, 0, NULL },
};

typedef struct nats_out {
    wp_engine        *engine;     /* whose allocator this is */
    natsConnection   *nc;
    jsCtx            *js;         /* NULL for core NATS */
    const nats_out_cfg *cfg;
    size_t            unconfirmed;
    _Atomic uint64_t  failed;     /* publishes the server refused (from libnats' thread) */
    char              why[256];   /* the first refusal; written before failed is raised */
    char              name[160];
    const wp_logger  *log;
    bool              warned;     /* a retry was logged since the last confirmation */
} nats_out;

static void on_pub_error(jsCtx *js, jsPubAckErr *pae, void *closure) {
    (void)js;
    nats_out *s = closure;
    if (atomic_load(&s->failed) == 0)
        pl_format(s->why, sizeof s->why, "%s%s%s", natsStatus_GetText(pae->Err),
                  pae->ErrText ? ": " : "", pae->ErrText ? pae->ErrText : "");
    atomic_fetch_add(&s->failed, 1);
}

static void nats_out_close(void *state) {
    nats_out *s = state;
    if (!s) return;
    if (s->nc) natsConnection_FlushTimeout(s->nc, 2000);
    jsCtx_Destroy(s->js);
    natsConnection_Destroy(s->nc);
    pl_free(s->engine, s, sizeof *s);
}

static wp_status open_common(const pl_open_ctx *ctx, const void *cfg, void **state,
                             pl_fail *fail, bool jetstream) {
    const nats_out_cfg *c = cfg;
    if (!c->subject[0])
        return pl_failf(fail, WP_ERR_INVALID, pl_map_get(ctx->comp->node, "subject"), "subject",
                        "the subject is empty");
    for (size_t i = 0; i < c->headers.n; i++) {
        const char *k = c->headers.keys[i], *v = c->headers.vals[i];
        if (!k[0] || strpbrk(k, ": \t\r\n") || strpbrk(v, "\r\n") || strstr(v, "${!"))
            return pl_failf(fail, WP_ERR_INVALID, pl_map_get(ctx->comp->node, "headers"),
                            "headers",
                            "'%s: %s' is not a valid header (a name without ':' or spaces, a "
                            "value on one line, no ${! ...} interpolation)", k, v);
    }
    nats_out *s = pl_alloc(ctx->engine, sizeof *s);
    if (!s) return pl_failf(fail, WP_ERR_NOMEM, NULL, "", "out of memory for the output");
    s->engine = ctx->engine;
    s->cfg = c;
    s->log = ctx->log;
    atomic_init(&s->failed, 0);
    pl_format(s->name, sizeof s->name, "%s", ctx->comp->path);
    wp_status ws = pl_nats_connect(ctx, &c->urls, &s->nc, fail);
    if (ws != WP_OK) {
        pl_free(s->engine, s, sizeof *s);
        return ws;
    }
    if (jetstream) {
        jsOptions jo;
        jsOptions_Init(&jo);
        jo.PublishAsync.MaxPending = MAX_UNCONFIRMED * 2;
        jo.PublishAsync.ErrHandler = on_pub_error;
        jo.PublishAsync.ErrHandlerClosure = s;
        jo.PublishAsync.StallWait = FLUSH_WAIT_MS;
        natsStatus ns = natsConnection_JetStream(&s->js, s->nc, &jo);
        if (ns != NATS_OK) {
            pl_failf(fail, WP_ERR_IO, NULL, "", "cannot use JetStream: %s",
                     natsStatus_GetText(ns));
            nats_out_close(s);
            return fail->code;
        }
    }
    *state = s;
    return WP_OK;
}

static wp_status js_out_open(const pl_open_ctx *ctx, const void *cfg, void **state,
                             pl_fail *fail) {
    return open_common(ctx, cfg, state, fail, true);
}

static wp_status nats_out_open(const pl_open_ctx *ctx, const void *cfg, void **state,
                               pl_fail *fail) {
    return open_common(ctx, cfg, state, fail, false);
}

/* Publishes a fresh copy of a message the library gave back as pending.
 * The copy, not the returned message, goes out again: the returned one
 * carries the library's bookkeeping of its first publish. */
static natsStatus republish(nats_out *s, natsMsg *old) {
    natsMsg *nm = NULL;
    natsStatus ns = natsMsg_Create(&nm, natsMsg_GetSubject(old), NULL, natsMsg_GetData(old),
                                   natsMsg_GetDataLength(old));
    const char **keys = NULL;
    int nkeys = 0;
    if (ns == NATS_OK) {
        natsStatus ks = natsMsgHeader_Keys(old, &keys, &nkeys);
        if (ks != NATS_OK && ks != NATS_NOT_FOUND) ns = ks;
    }
    for (int k = 0; ns == NATS_OK && k < nkeys; k++) {
        const char **vals = NULL;
        int nvals = 0;
        ns = natsMsgHeader_Values(old, keys[k], &vals, &nvals);
        for (int v = 0; ns == NATS_OK && v < nvals; v++)
            ns = natsMsgHeader_Add(nm, keys[k], vals[v]);
        free((void *)vals);
    }
    free((void *)keys);
    if (ns == NATS_OK) ns = js_PublishMsgAsync(s->js, &nm, NULL);
    natsMsg_Destroy(nm);   /* NULL when the library took it */
    return ns;
}

/* Waits for the stream's acknowledgement of every asynchronous publish.
 * A publish whose acknowledgement does not come within CONFIRM_WAIT_MS
 * (the server went away, or was restarted and lost it) is published again,
 * for as long as the connection lives: a message may be stored twice, never
 * not at all. Only the pipeline's shutdown_timeout ends the wait on a
 * server that never comes back. */
static wp_status js_confirm(nats_out *s, wp_error *err) {
    for (;;) {
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MaxWait = CONFIRM_WAIT_MS;
        natsStatus ns = js_PublishAsyncComplete(s->js, &po);
        if (ns == NATS_OK) break;
        if (ns != NATS_TIMEOUT || natsConnection_IsClosed(s->nc))
            return pl_error(err, WP_ERR_IO,
                            "%s: publishes to '%s' not acknowledged by JetStream: %s", s->name,
                            s->cfg->subject, natsStatus_GetText(ns));
        natsMsgList pending = { 0 };
        if (js_PublishAsyncGetPendingList(&pending, s->js) != NATS_OK) continue;
        if (!s->warned)
            wp_log(s->log, WP_LOG_WARN, "output_retry",
                   "%s: %d publishes to '%s' not acknowledged within %ds; publishing them again",
                   s->name, pending.Count, s->cfg->subject, CONFIRM_WAIT_MS / 1000);
        s->warned = true;
        ns = NATS_OK;
        for (int i = 0; i < pending.Count && ns == NATS_OK; i++)
            ns = republish(s, pending.Msgs[i]);
        natsMsgList_Destroy(&pending);
        if (ns != NATS_OK)
            return pl_error(err, WP_ERR_IO, "%s: cannot publish to '%s' again: %s", s->name,
                            s->cfg->subject, natsStatus_GetText(ns));
    }
    s->warned = false;
    s->unconfirmed = 0;
    if (atomic_load(&s->failed))
        return pl_error(err, WP_ERR_IO, "%s: %llu publishes to '%s' were refused: %s", s->name,
                        (unsigned long long)atomic_load(&s->failed), s->cfg->subject, s->why);
    return WP_OK;
}

static wp_status nats_out_flush(void *state, wp_error *err) {
    nats_out *s = state;
    if (s->js) return js_confirm(s, err);
    natsStatus ns = natsConnection_FlushTimeout(s->nc, FLUSH_WAIT_MS);
    if (ns != NATS_OK)
        return pl_error(err, WP_ERR_IO, "%s: cannot flush to the NATS server: %s", s->name,
                        natsStatus_GetText(ns));
    return WP_OK;
}

static wp_status nats_out_write(void *state, wp_message *const *msgs, size_t n, wp_error *err) {
    nats_out *s = state;
    for (size_t i = 0; i < n; i++) {
        size_t len;
        const uint8_t *data = wp_message_bytes(msgs[i], &len);
        if (len > (size_t)INT32_MAX)
            return pl_error(err, WP_ERR_INVALID, "%s: a message of %zu bytes is too large",
                            s->name, len);
        natsMsg *nm = NULL;
        natsStatus ns = natsMsg_Create(&nm, s->cfg->subject, NULL, (const char *)data, (int)len);
        if (ns == NATS_OK) ns = pl_nats_meta_to_headers(msgs[i], &s->cfg->metadata.include_prefixes,
                                                        nm);
        for (size_t h = 0; ns == NATS_OK && h < s->cfg->headers.n; h++)
            ns = natsMsgHeader_Set(nm, s->cfg->headers.keys[h], s->cfg->headers.vals[h]);
        if (ns == NATS_OK) {
            if (s->js) {
                ns = js_PublishMsgAsync(s->js, &nm, NULL);
                s->unconfirmed++;
            } else {
                ns = natsConnection_PublishMsg(s->nc, nm);
            }
        }
        natsMsg_Destroy(nm);   /* NULL when the library took it */
        if (ns != NATS_OK)
            return pl_error(err, WP_ERR_IO, "%s: cannot publish to '%s': %s", s->name,
                            s->cfg->subject, natsStatus_GetText(ns));
        if (s->unconfirmed >= MAX_UNCONFIRMED) {
            wp_status st = nats_out_flush(s, err);
            if (st != WP_OK) return st;
        }
    }
    return WP_OK;
}

static bool nats_out_connected(void *state) { return pl_nats_connected(((nats_out *)state)->nc); }

const pl_output_type pl_output_jetstream = {
    .spec = {
        .name = "nats_jetstream",
        .summary = "Publishes messages to a JetStream subject; confirmed when stored.",
        .details = "A message counts as written once the stream acknowledged it, which is "
                   "when an acking input acknowledges its source. A publish not acknowledged "
                   "within 5s (the server went away or restarted) is published again, for as "
                   "long as it takes to reconnect, so the stream may store it twice; a publish "
                   "the server refuses fails the output: the pipeline stops and what it had "
                   "not acknowledged is redelivered.",
        .fields = nats_out_fields,
        .cfg_size = sizeof(nats_out_cfg),
    },
    .open = js_out_open,
    .write = nats_out_write,
    .flush = nats_out_flush,
    .close = nats_out_close,
    .connected = nats_out_connected,
};

const pl_output_type pl_output_nats = {
    .spec = {
        .name = "nats",
        .summary = "Publishes messages to a core NATS subject, at most once.",
        .fields = nats_out_fields,
        .cfg_size = sizeof(nats_out_cfg),
    },
    .open = nats_out_open,
    .write = nats_out_write,
    .flush = nats_out_flush,
    .close = nats_out_close,
    .connected = nats_out_connected,
};
