/* Connections and headers for the `nats` and `nats_jetstream` components. */
#include "pl_nats.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SERVERS 64

static const pl_field nats_meta_fields[] = {
    { "include_prefixes", PL_T_STR_LIST, NULL, offsetof(pl_nats_meta_cfg, include_prefixes),
      "Metadata keys starting with one of these become message headers; an empty string "
      "takes every key. Empty list: no headers.",
      0, NULL, 0, 0, NULL },
    { NULL, 0, NULL, 0, NULL, 0, NULL, 0, 0, NULL },
};

const pl_spec pl_nats_meta_spec = {
    .name = "metadata",
    .summary = "Which metadata is sent as NATS headers.",
    .fields = nats_meta_fields,
    .cfg_size = sizeof(pl_nats_meta_cfg),
};

/* Splits "a,b" entries into servers[]; the strings are kept in buf. */
static int split_urls(const pl_strs *urls, char *buf, size_t size, const char **servers) {
    int n = 0;
    size_t used = 0;
    for (size_t i = 0; i < urls->n; i++) {
        const char *s = urls->v[i];
        while (*s) {
            while (*s == ',' || *s == ' ') s++;
            size_t len = strcspn(s, ", ");
            if (!len) break;
            if (n == MAX_SERVERS || used + len + 1 > size) return -1;
            memcpy(buf + used, s, len);
            buf[used + len] = '\0';
            servers[n++] = buf + used;
            used += len + 1;
            s += len;
        }
    }
    return n;
}

wp_status pl_nats_connect(const pl_open_ctx *ctx, const pl_strs *urls, natsConnection **nc,
                          pl_fail *fail) {
    const pl_node *at = pl_map_get(ctx->comp->node, "urls");
    char buf[4096];
    const char *servers[MAX_SERVERS];
    int n = split_urls(urls, buf, sizeof buf, servers);
    if (n < 0)
        return pl_failf(fail, WP_ERR_INVALID, at, "urls", "too many URLs (at most %d)",
                        MAX_SERVERS);
    if (n == 0) return pl_failf(fail, WP_ERR_INVALID, at, "urls", "no URL given");
    natsOptions *o = NULL;
    natsStatus s = natsOptions_Create(&o);
    if (s == NATS_OK) s = natsOptions_SetServers(o, servers, n);
    if (s == NATS_OK) s = natsOptions_SetName(o, "wasmpipe");
    if (s == NATS_OK) s = natsOptions_SetTimeout(o, 2000);
    if (s == NATS_OK) s = natsOptions_SetMaxReconnect(o, -1);
    if (s == NATS_OK) s = natsOptions_SetReconnectWait(o, 250);
    if (s == NATS_OK) s = natsOptions_SetReconnectBufSize(o, 64 << 20);
    if (s != NATS_OK) {
        natsOptions_Destroy(o);
        return pl_failf(fail, WP_ERR_INVALID, at, "urls", "bad NATS URL list: %s",
                        natsStatus_GetText(s));
    }
    s = natsConnection_Connect(nc, o);
    natsOptions_Destroy(o);
    if (s != NATS_OK) {
        *nc = NULL;
        char list[512];
        size_t len = 0;
        for (int i = 0; i < n && len < sizeof list; i++)
            len += (size_t)snprintf(list + len, sizeof list - len, "%s%s", i ? ", " : "",
                                    servers[i]);
        return pl_failf(fail, WP_ERR_IO, at, "urls", "cannot connect to NATS at %s: %s", list,
                        natsStatus_GetText(s));
    }
    return WP_OK;
}

bool pl_nats_headers_to_meta(natsMsg *src, wp_message *m) {
    const char *subj = natsMsg_GetSubject(src);
    if (subj && wp_message_meta_set(m, "nats_subject", 12, (const uint8_t *)subj,
                                    strlen(subj)) != WP_OK)
        return false;
    const char **keys = NULL;
    int count = 0;
    if (natsMsgHeader_Keys(src, &keys, &count) != NATS_OK) return true;   /* none */
    bool ok = true;
    for (int i = 0; i < count && ok; i++) {
        const char *v = NULL;
        if (natsMsgHeader_Get(src, keys[i], &v) != NATS_OK || !v) continue;
        ok = wp_message_meta_set(m, keys[i], strlen(keys[i]), (const uint8_t *)v, strlen(v)) ==
             WP_OK;
    }
    free((void *)keys);
    return ok;
}

/* A header key or value must not break the protocol's lines. */
static bool header_safe(const char *s, size_t n, bool key) {
    if (n == 0 && key) return false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\r' || c == '\n' || c == 0 || (key && (c == ':' || c <= ' '))) return false;
    }
    return true;
}

natsStatus pl_nats_meta_to_headers(const wp_message *m, const pl_strs *prefixes, natsMsg *dst) {
    if (!prefixes->n) return NATS_OK;
    size_t count = wp_message_meta_count(m);
    for (size_t i = 0; i < count; i++) {
        const char *k;
        size_t kn, vn;
        const uint8_t *v;
        if (!wp_message_meta_at(m, i, &k, &kn, &v, &vn)) continue;
        bool take = false;
        for (size_t j = 0; j < prefixes->n && !take; j++) {
            size_t pn = strlen(prefixes->v[j]);
            take = kn >= pn && memcmp(k, prefixes->v[j], pn) == 0;
        }
        if (!take || !header_safe(k, kn, true) || !header_safe((const char *)v, vn, false))
            continue;
        char key[256], val[4096];
        if (kn >= sizeof key || vn >= sizeof val) continue;
        memcpy(key, k, kn);
        key[kn] = '\0';
        memcpy(val, v, vn);
        val[vn] = '\0';
        natsStatus s = natsMsgHeader_Set(dst, key, val);
        if (s != NATS_OK) return s;
    }
    return NATS_OK;
}

bool pl_nats_connected(natsConnection *nc) {
    return nc && natsConnection_Status(nc) == NATS_CONN_STATUS_CONNECTED;
}

bool pl_nats_stopped(const pl_waiter *w, int ms) {
    if (w->stop_fd < 0) return false;
    struct pollfd pfd = { w->stop_fd, POLLIN, 0 };
    return poll(&pfd, 1, ms) > 0;
}

void wp_pipeline_release_libraries(uint32_t timeout_ms) {
    /* NATS_NOT_INITIALIZED when no component opened the library; a timeout
     * leaves the rest to the library's exit handler, as before. */
    (void)nats_CloseAndWait((int64_t)timeout_ms);
}
