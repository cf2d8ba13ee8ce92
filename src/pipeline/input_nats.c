/* The `nats` input: a core NATS subscription (optionally in a queue group).
 * Core NATS has no acknowledgements: a message the process has taken and
 * not written when it dies is lost (at-most-once). libnats buffers what
 * arrives before it is read up to a bounded pending limit; past it the
 * server counts this client a slow consumer and drops messages.
 */
#include "pl_nats.h"

#include <stdlib.h>
#include <string.h>

#define NEXT_WAIT_MS 250

typedef struct nats_in_cfg {
    pl_strs     urls;
    const char *subject;
    const char *queue;
    int64_t     pending_limit;
} nats_in_cfg;

static const pl_field nats_in_fields[] = {
    { "urls", PL_T_STR_LIST, NULL, offsetof(nats_in_cfg, urls),
      "NATS server URLs, as for nats_jetstream.", PL_REQUIRED, NULL, 0, 0, NULL },
    { "subject", PL_T_STR, NULL, offsetof(nats_in_cfg, subject),
      "The subject to subscribe to (wildcards allowed).", PL_REQUIRED, NULL, 0, 0, NULL },
    { "queue", PL_T_STR, NULL, offsetof(nats_in_cfg, queue),
      "A queue group: processes in the same group share the messages.", 0, NULL, 0, 0, NULL },
    { "pending_limit", PL_T_INT, "65536", offsetof(nats_in_cfg, pending_limit),
      "Messages buffered in the client before it is read; past it messages are dropped.",
      0, NULL, 1, 1 << 24, NULL },
    { NULL, 0, NULL, 0, NULL, 0, NULL, 0, 0, NULL },
};

typedef struct nats_in {
    wp_engine        *engine;   /* whose allocator this is */
    natsConnection   *nc;
    natsSubscription *sub;
    pl_waiter         wait;
    char              name[160];
} nats_in;

static void nats_in_close(void *state) {
    nats_in *s = state;
    if (!s) return;
    natsSubscription_Destroy(s->sub);
    natsConnection_Destroy(s->nc);
    pl_free(s->engine, s, sizeof *s);
}

static wp_status nats_in_open(const pl_open_ctx *ctx, const void *cfg, void **state,
                              pl_fail *fail) {
    const nats_in_cfg *c = cfg;
    if (!c->subject[0])
        return pl_failf(fail, WP_ERR_INVALID, pl_map_get(ctx->comp->node, "subject"), "subject",
                        "the subject is empty");
    nats_in *s = pl_alloc(ctx->engine, sizeof *s);
    if (!s) return pl_failf(fail, WP_ERR_NOMEM, NULL, "", "out of memory for the input");
    s->engine = ctx->engine;
    s->wait = ctx->wait;
    pl_format(s->name, sizeof s->name, "%s", ctx->comp->path);
    wp_status ws = pl_nats_connect(ctx, &c->urls, &s->nc, fail);
    if (ws != WP_OK) {
        pl_free(s->engine, s, sizeof *s);
        return ws;
    }
    natsStatus ns = c->queue ? natsConnection_QueueSubscribeSync(&s->sub, s->nc, c->subject,
                                                                 c->queue)
                             : natsConnection_SubscribeSync(&s->sub, s->nc, c->subject);
    if (ns == NATS_OK) ns = natsSubscription_SetPendingLimits(s->sub, (int)c->pending_limit, -1);
    /* The subscription is known to the server before anything is published. */
    if (ns == NATS_OK) ns = natsConnection_FlushTimeout(s->nc, 2000);
    if (ns != NATS_OK) {
        pl_failf(fail, WP_ERR_IO, NULL, "", "cannot subscribe to '%s': %s", c->subject,
                 natsStatus_GetText(ns));
        nats_in_close(s);
        return fail->code;
    }
    *state = s;
    return WP_OK;
}

static wp_status nats_in_read(void *state, pl_batch *b, wp_error *err) {
    nats_in *s = state;
    while (!pl_batch_full(b)) {
        /* Wait for the first message only; then take what is pending. */
        int64_t wait = b->n ? 0 : NEXT_WAIT_MS;
        if (!b->n) {
            if (pl_nats_stopped(&s->wait, 0)) return WP_OK;
            if (s->wait.idle) s->wait.idle(s->wait.user);
        }
        natsMsg *nm = NULL;
        natsStatus ns = natsSubscription_NextMsg(&nm, s->sub, wait);
        if (ns == NATS_TIMEOUT) {
            if (b->n) return WP_OK;
            continue;
        }
        if (ns == NATS_SLOW_CONSUMER) continue;   /* counted by the server; go on */
        if (ns != NATS_OK) {
            if (natsConnection_IsClosed(s->nc))
                return pl_error(err, WP_ERR_IO, "%s: the NATS connection is closed", s->name);
            if (b->n) return WP_OK;
            if (pl_nats_stopped(&s->wait, NEXT_WAIT_MS)) return WP_OK;
            continue;
        }
        wp_message *m = pl_batch_push(b, (const uint8_t *)natsMsg_GetData(nm),
                                      (size_t)natsMsg_GetDataLength(nm));
        if (m && !pl_nats_headers_to_meta(nm, m))
            wp_message_set_error(m, "out of memory copying the NATS headers");
        natsMsg_Destroy(nm);
        if (!m) return pl_error(err, WP_ERR_NOMEM, "%s: out of memory", s->name);
    }
    return WP_OK;
}

static bool nats_in_connected(void *state) { return pl_nats_connected(((nats_in *)state)->nc); }

const pl_input_type pl_input_nats = {
    .spec = {
        .name = "nats",
        .summary = "Subscribes to a core NATS subject, at most once.",
        .details = "Core NATS does not acknowledge: messages taken and not yet written when "
                   "the process dies are lost, and so are those published while it is not "
                   "subscribed. Use nats_jetstream for at-least-once delivery.",
        .fields = nats_in_fields,
        .cfg_size = sizeof(nats_in_cfg),
    },
    .open = nats_in_open,
    .read = nats_in_read,
    .close = nats_in_close,
    .connected = nats_in_connected,
};
