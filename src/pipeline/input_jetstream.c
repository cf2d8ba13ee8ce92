/* The `nats_jetstream` input: a pull consumer on a JetStream stream. Each
 * fetched message keeps its NATS message as the ack handle; it is acked
 * once the outputs confirmed it and nacked (redelivered at once) when it
 * was not delivered. What is never acked (a crash, a kill) is redelivered
 * by the server after ack_wait: at-least-once delivery.
 */
#include "pl_nats.h"

#include <stdlib.h>
#include <string.h>

/* How long one fetch waits before the stop descriptor is looked at again. */
#define FETCH_WAIT_MS 250

typedef struct js_in_cfg {
    pl_strs     urls;
    const char *subject;
    const char *stream;
    const char *durable;
    bool        bind;
    int         deliver;
    uint64_t    ack_wait;
    int64_t     max_ack_pending;
    int64_t     max_deliver;
} js_in_cfg;

static const char *const deliver_names[] = { "all", "new", NULL };

static const pl_field js_in_fields[] = {
    { "urls", PL_T_STR_LIST, NULL, offsetof(js_in_cfg, urls),
      "NATS server URLs, e.g. nats://127.0.0.1:4222; an entry may hold several, comma "
      "separated. The first connection must succeed (else wasmpipe exits with status 2 "
      "naming them); after that it reconnects for ever.",
      PL_REQUIRED, NULL, 0, 0, NULL },
    { "subject", PL_T_STR, NULL, offsetof(js_in_cfg, subject),
      "The subject to consume (wildcards allowed). With bind: the consumer's filter is used "
      "and this may be left out.",
      0, NULL, 0, 0, NULL },
    { "stream", PL_T_STR, NULL, offsetof(js_in_cfg, stream),
      "The stream; without it the server finds the stream holding subject.", 0, NULL, 0, 0,
      NULL },
    { "durable", PL_T_STR, NULL, offsetof(js_in_cfg, durable),
      "The durable consumer's name. Processes with the same durable share the messages "
      "(scale-out); without it each process gets an ephemeral consumer of its own.",
      0, NULL, 0, 0, NULL },
    { "bind", PL_T_BOOL, "false", offsetof(js_in_cfg, bind),
      "true: use the existing consumer `durable` of `stream` as it is, creating nothing.", 0,
      NULL, 0, 0, NULL },
    { "deliver", PL_T_ENUM, "all", offsetof(js_in_cfg, deliver),
      "Where a new consumer starts: `all` (the whole stream) or `new` (messages published "
      "from now on).",
      0, deliver_names, 0, 0, NULL },
    { "ack_wait", PL_T_DURATION, "30s", offsetof(js_in_cfg, ack_wait),
      "How long the server waits for an acknowledgement before it redelivers a message.", 0,
      NULL, 0, 0, NULL },
    { "max_ack_pending", PL_T_INT, "1024", offsetof(js_in_cfg, max_ack_pending),
      "The most messages the consumer hands out unacknowledged, over every process that "
      "shares it.",
      0, NULL, 1, 1 << 24, NULL },
    { "max_deliver", PL_T_INT, "-1", offsetof(js_in_cfg, max_deliver),
      "How many times a message is delivered at most (the consumer's MaxDeliver). A message "
      "that errors on its last delivery with no errors output is terminated (logged at error "
      "level with its stream sequence, never delivered again) instead of nacked. -1: no "
      "bound, as in Bento and NATS: a message that always errors is nacked and delivered "
      "again for ever (each time logged as a message_error).",
      0, NULL, -1, 1 << 30, NULL },
    { NULL, 0, NULL, 0, NULL, 0, NULL, 0, 0, NULL },
};

typedef struct js_in {
    wp_engine        *engine;   /* whose allocator this is */
    natsConnection   *nc;
    jsCtx            *js;
    natsSubscription *sub;
    pl_waiter         wait;
    const wp_logger  *log;
    char              name[160];    /* for messages */
    int64_t           max_deliver;
    bool              warned;       /* a fetch failure was logged since the last success */
} js_in;

static void js_in_close(void *state) {
    js_in *s = state;
    if (!s) return;
    /* Acknowledgements are published: push them to the server first. The
     * consumer itself stays (it is durable, or the server drops it). */
    if (s->nc) natsConnection_FlushTimeout(s->nc, 2000);
    natsSubscription_Destroy(s->sub);
    jsCtx_Destroy(s->js);
    natsConnection_Destroy(s->nc);
    pl_free(s->engine, s, sizeof *s);
}

static wp_status js_in_open(const pl_open_ctx *ctx, const void *cfg, void **state,
                            pl_fail *fail) {
    const js_in_cfg *c = cfg;
    const pl_node *node = ctx->comp->node;
    if (c->bind && (!c->stream || !c->durable))
        return pl_failf(fail, WP_ERR_INVALID, pl_map_get(node, "bind"), "bind",
                        "bind needs both stream and durable");
    if (!c->bind && (!c->subject || !c->subject[0]))
        return pl_failf(fail, WP_ERR_INVALID, NULL, "subject", "a subject is required");
    if (c->durable && (strchr(c->durable, '.') || !c->durable[0]))
        return pl_failf(fail, WP_ERR_INVALID, pl_map_get(node, "durable"), "durable",
                        "a durable name must be non-empty and hold no '.'");
    js_in *s = pl_alloc(ctx->engine, sizeof *s);
    if (!s) return pl_failf(fail, WP_ERR_NOMEM, NULL, "", "out of memory for the input");
    s->engine = ctx->engine;
    s->wait = ctx->wait;
    s->log = ctx->log;
    s->max_deliver = c->max_deliver;
    pl_format(s->name, sizeof s->name, "%s", ctx->comp->path);
    wp_status ws = pl_nats_connect(ctx, &c->urls, &s->nc, fail);
    if (ws != WP_OK) {
        pl_free(s->engine, s, sizeof *s);
        return ws;
    }
    jsOptions jo;
    jsOptions_Init(&jo);
    natsStatus ns = natsConnection_JetStream(&s->js, s->nc, &jo);
    jsSubOptions so;
    jsSubOptions_Init(&so);
    so.Stream = c->stream;
    if (c->bind) so.Consumer = c->durable;
    so.Config.DeliverPolicy = c->deliver == 1 ? js_DeliverNew : js_DeliverAll;
    so.Config.AckPolicy = js_AckExplicit;
    so.Config.AckWait = (int64_t)c->ack_wait;
    so.Config.MaxAckPending = c->max_ack_pending;
    if (c->max_deliver > 0) so.Config.MaxDeliver = c->max_deliver;
    jsErrCode jerr = 0;
    if (ns == NATS_OK)
        ns = js_PullSubscribe(&s->sub, s->js, c->subject ? c->subject : "", c->durable, &jo, &so,
                              &jerr);
    if (ns != NATS_OK) {
        const char *last = nats_GetLastError(NULL);
        pl_failf(fail, WP_ERR_IO, NULL, "",
                 "cannot consume subject '%s'%s%s%s%s from JetStream: %s (%s)",
                 c->subject ? c->subject : "", c->stream ? " of stream '" : "",
                 c->stream ? c->stream : "", c->stream ? "'" : "",
                 c->durable ? " with that durable" : "", natsStatus_GetText(ns),
                 last ? last : "no detail");
        js_in_close(s);
        return fail->code;
    }
    *state = s;
    return WP_OK;
}

/* natsMsgList_Destroy bounded by n, the entries the array really has: the
 * messages not taken over (not NULL), then the array (the library's calloc). */
static void drop_fetched(natsMsg **msgs, int n) {
    for (int i = 0; i < n; i++) natsMsg_Destroy(msgs[i]);
    free(msgs);
}

static wp_status js_in_read(void *state, pl_batch *b, wp_error *err) {
    js_in *s = state;
    (void)err;
    while (b->n == 0) {
        if (pl_nats_stopped(&s->wait, 0)) return WP_OK;
        if (s->wait.idle) s->wait.idle(s->wait.user);
        natsMsgList list = { 0 };
        int want = (int)(b->limit > (size_t)1 << 20 ? (size_t)1 << 20 : b->limit);
        /* Messages already queued in the subscription (delivered for an
         * earlier fetch after it expired) are taken one fetch of one at a
         * time: the library's fetch of a larger batch, started with queued
         * messages, can count past the array it allocated for the batch,
         * which corrupted the heap under load. A batch of one cannot. */
        int queued = 0, queued_bytes = 0;
        if (natsSubscription_GetPending(s->sub, &queued, &queued_bytes) == NATS_OK && queued > 0)
            want = 1;
        jsErrCode jerr = 0;
        natsStatus ns = natsSubscription_Fetch(&list, s->sub, want, FETCH_WAIT_MS, &jerr);
        if (ns == NATS_TIMEOUT) continue;
        if (ns != NATS_OK) {
            if (natsConnection_IsClosed(s->nc))
                return pl_error(err, WP_ERR_IO, "%s: the NATS connection is closed", s->name);
            /* Reconnecting, or the server is busy: wait and fetch again. */
            if (!s->warned)
                wp_log(s->log, WP_LOG_WARN, "input_retry", "%s: fetch failed: %s; retrying",
                       s->name, natsStatus_GetText(ns));
            s->warned = true;
            if (pl_nats_stopped(&s->wait, FETCH_WAIT_MS)) return WP_OK;
            continue;
        }
        s->warned = false;
        /* The array holds `want` entries. A count above that has been seen
         * under load (AddressSanitizer caught the read past the array): only
         * the first `want` are read, and anything the library meant beyond
         * them is never acknowledged, so the server redelivers it. */
        int n = list.Count <= want ? list.Count : want;
        if (list.Count > want)
            wp_log(s->log, WP_LOG_WARN, "input_fetch",
                   "%s: the NATS library returned %d messages for a fetch of %d; the rest "
                   "are redelivered after ack_wait", s->name, list.Count, want);
        for (int i = 0; i < n; i++) {
            natsMsg *nm = list.Msgs[i];
            wp_message *m = pl_batch_push(b, (const uint8_t *)natsMsg_GetData(nm),
                                          (size_t)natsMsg_GetDataLength(nm));
            if (!m) {
                drop_fetched(list.Msgs, n);   /* unacked: redelivered */
                return pl_error(err, WP_ERR_NOMEM, "%s: out of memory", s->name);
            }
            if (!pl_nats_headers_to_meta(nm, m))
                wp_message_set_error(m, "out of memory copying the NATS headers");
            pl_batch_set_ack(b, nm);
            list.Msgs[i] = NULL;
        }
        drop_fetched(list.Msgs, n);
    }
    return WP_OK;
}

static void js_in_ack(void *state, void *handle, wp_message *m, pl_outcome outcome) {
    js_in *s = state;
    natsMsg *nm = handle;
    if (outcome != PL_UNDELIVERED) {
        natsMsg_Ack(nm, NULL);
        natsMsg_Destroy(nm);
        return;
    }
    /* On its last delivery an errored message is terminated, not nacked:
     * the server would not deliver it again anyway, and this says so. */
    jsMsgMetaData *meta = NULL;
    const char *why = wp_message_error(m);
    if (s->max_deliver > 0 && why && natsMsg_GetMetaData(&meta, nm) == NATS_OK &&
        meta->NumDelivered >= (uint64_t)s->max_deliver) {
        natsMsg_Term(nm, NULL);
        wp_log(s->log, WP_LOG_ERROR, "message_terminated",
               "%s: stream %s sequence %llu errored on delivery %llu of max_deliver %lld; it is "
               "not delivered again: %s",
               s->name, meta->Stream ? meta->Stream : "?",
               (unsigned long long)meta->Sequence.Stream,
               (unsigned long long)meta->NumDelivered, (long long)s->max_deliver, why);
    } else {
        natsMsg_Nak(nm, NULL);
    }
    jsMsgMetaData_Destroy(meta);
    natsMsg_Destroy(nm);
}

static bool js_in_connected(void *state) { return pl_nats_connected(((js_in *)state)->nc); }

const pl_input_type pl_input_jetstream = {
    .spec = {
        .name = "nats_jetstream",
        .summary = "Consumes a NATS JetStream stream with a pull consumer, at least once.",
        .details = "A message is acknowledged only after every output it went to confirmed "
                   "it, and an errored one only after the errors output took it; without an "
                   "errors output an errored message is nacked and redelivered (up to "
                   "max_deliver times, then terminated and logged). What a "
                   "stopped or killed process did not acknowledge is redelivered by the "
                   "server (after ack_wait), so a message may arrive twice, never not at all.",
        .fields = js_in_fields,
        .cfg_size = sizeof(js_in_cfg),
    },
    .open = js_in_open,
    .read = js_in_read,
    .close = js_in_close,
    .ack = js_in_ack,
    .connected = js_in_connected,
};
