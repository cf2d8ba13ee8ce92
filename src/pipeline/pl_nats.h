/* What the NATS inputs and outputs share: connecting to the servers a
 * component's `urls` names, and turning NATS headers into message metadata
 * and back. Internal to src/pipeline.
 */
#ifndef WASMPIPE_PL_NATS_H
#define WASMPIPE_PL_NATS_H

#include "pl.h"

#include <nats/nats.h>

/* Connects to the servers in urls (each entry may hold several, comma
 * separated). Reconnects for ever once connected; a first connection that
 * fails is an error naming the URLs. */
wp_status pl_nats_connect(const pl_open_ctx *ctx, const pl_strs *urls, natsConnection **nc,
                          pl_fail *fail);

/* Copies the message's headers into m's metadata (the first value of each),
 * and sets nats_subject. false on allocation failure. */
bool pl_nats_headers_to_meta(natsMsg *src, wp_message *m);

/* Sets a header on dst for every metadata key of m that starts with one of
 * the prefixes ("" takes every key). */
natsStatus pl_nats_meta_to_headers(const wp_message *m, const pl_strs *prefixes, natsMsg *dst);

/* true when the connection is up (not reconnecting, not closed). */
bool pl_nats_connected(natsConnection *nc);

/* Waits up to ms for the pipeline's stop descriptor; true if it is set. */
bool pl_nats_stopped(const pl_waiter *w, int ms);

/* The metadata section of a NATS output, as in Bento. */
typedef struct pl_nats_meta_cfg {
    pl_strs include_prefixes;
} pl_nats_meta_cfg;
extern const pl_spec pl_nats_meta_spec;

#endif
