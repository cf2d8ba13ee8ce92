/* The `http` section: a small server (libmicrohttpd, its own thread) with
 * Bento's service endpoints: GET /ping (200 "pong"), /ready (200 once the
 * pipeline runs with its input and output connected, 503 before), /version
 * and /metrics (Prometheus text format). An http_server input without an
 * address serves its path here too, as in Bento.
 */
#include "pl_http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#ifndef WASMPIPE_VERSION
#define WASMPIPE_VERSION "0.1.0"
#endif

static const pl_field http_fields[] = {
    { "address", PL_T_STR, "0.0.0.0:4195", offsetof(pl_http_cfg, address),
      "host:port to listen on (an IPv4 address), as in Bento.", 0, NULL, 0, 0, NULL },
    { "enabled", PL_T_BOOL, "false", offsetof(pl_http_cfg, enabled),
      "Serve GET /ping, /ready, /version and /metrics. Off by default (Bento's is on), so a "
      "pipeline opens no port unless asked.",
      0, NULL, 0, 0, NULL },
    { NULL, 0, NULL, 0, NULL, 0, NULL, 0, 0, NULL },
};

const pl_spec pl_http_spec = {
    .name = "http",
    .summary = "The service endpoints: health, readiness, version and metrics.",
    .fields = http_fields,
    .cfg_size = sizeof(pl_http_cfg),
};

struct pl_http {
    wp_engine         *engine;   /* whose allocator this and the /metrics text are */
    struct MHD_Daemon *d;
    pl_http_hooks      hooks;
    pl_http_route      route;
};

static bool endpoint(const char *url) {
    return strcmp(url, "/ping") == 0 || strcmp(url, "/ready") == 0 ||
           strcmp(url, "/version") == 0 || strcmp(url, "/metrics") == 0;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             const char *body, size_t len) {
    struct MHD_Response *r =
        MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
    if (!r) return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version,
                                  const char *upload, size_t *upload_size, void **con_cls) {
    pl_http *h = cls;
    /* The input's own requests carry its state (never h) in con_cls. */
    if (h->route.path && *con_cls != h && strcmp(url, h->route.path) == 0)
        return h->route.handler(h->route.cls, c, url, method, version, upload, upload_size,
                                con_cls);
    (void)upload;
    if (!*con_cls) {   /* the headers: answer once the (empty) body is in */
        *con_cls = h;
        return MHD_YES;
    }
    if (*upload_size) {
        *upload_size = 0;   /* no endpoint takes a body */
        return MHD_YES;
    }
    const char *text = "text/plain; charset=utf-8";
    bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    bool known = endpoint(url);
    if (!known) return reply(c, MHD_HTTP_NOT_FOUND, text, "not found\n", 10);
    if (!get) return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, text, "use GET\n", 8);
    if (strcmp(url, "/ping") == 0) return reply(c, MHD_HTTP_OK, text, "pong", 4);
    if (strcmp(url, "/version") == 0) {
        static const char v[] = "{\"version\":\"" WASMPIPE_VERSION "\",\"name\":\"wasmpipe\"}";
        return reply(c, MHD_HTTP_OK, "application/json", v, sizeof v - 1);
    }
    if (strcmp(url, "/ready") == 0) {
        if (h->hooks.ready(h->hooks.user)) return reply(c, MHD_HTTP_OK, text, "OK", 2);
        return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, text, "not ready", 9);
    }
    pl_text t = { .engine = h->engine };
    h->hooks.metrics(h->hooks.user, &t);
    enum MHD_Result r =
        t.failed ? reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, text, "out of memory\n", 14)
                 : reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
                         t.s ? t.s : "", t.len);
    pl_text_free(&t);
    return r;
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
                         enum MHD_RequestTerminationCode code) {
    pl_http *h = cls;
    if (h->route.completed && *con_cls && *con_cls != h)
        h->route.completed(h->route.cls, c, con_cls, code);
}

wp_status pl_http_start(wp_engine *e, const pl_http_cfg *cfg, const pl_http_hooks *hooks,
                        const pl_http_route *route, pl_http **out, wp_error *err) {
    *out = NULL;
    bool routed = route && route->path;
    if (routed && endpoint(route->path))
        return pl_error(err, WP_ERR_INVALID,
                        "%s.path '%s' is one of the http service's endpoints (/ping, /ready, "
                        "/version, /metrics); choose another or give the input an address",
                        route->owner, route->path);
    const char *addr = cfg->address ? cfg->address : "";
    const char *colon = strrchr(addr, ':');
    char host[64];
    char *end = NULL;
    long port = colon ? strtol(colon + 1, &end, 10) : -1;
    size_t hl = colon ? (size_t)(colon - addr) : 0;
    if (!colon || !colon[1] || *end || port < 1 || port > 65535 || hl >= sizeof host)
        return pl_error(err, WP_ERR_INVALID, "http.address '%s': expected host:port", addr);
    memcpy(host, addr, hl);
    host[hl] = '\0';
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
    if (!hl || strcmp(host, "0.0.0.0") == 0)
        sa.sin_addr.s_addr = htonl(INADDR_ANY);
    else if (strcmp(host, "localhost") == 0)
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
        return pl_error(err, WP_ERR_INVALID, "http.address '%s': '%s' is not an IPv4 address",
                        addr, host);
    pl_http *h = pl_alloc(e, sizeof *h);
    if (!h) return pl_error(err, WP_ERR_NOMEM, "out of memory for the http server");
    h->engine = e;
    h->hooks = *hooks;
    if (routed) h->route = *route;
    /* An input's requests wait for the pipeline: a thread each. */
    unsigned flags = routed ? MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD
                            : MHD_USE_AUTO_INTERNAL_THREAD;
    unsigned limit = routed && route->max_connections ? route->max_connections : 256;
    h->d = MHD_start_daemon(flags, (uint16_t)port, NULL, NULL, on_request, h,
                            MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
                            MHD_OPTION_CONNECTION_LIMIT, limit,
                            MHD_OPTION_STRICT_FOR_CLIENT, (int)1,
                            MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30, MHD_OPTION_END);
    if (!h->d) {
        pl_free(e, h, sizeof *h);
        return pl_error(err, WP_ERR_IO, "http.address '%s': cannot listen (in use?)%s%s%s", addr,
                        routed ? "; " : "", routed ? route->owner : "",
                        routed ? " has no address, so it shares this server" : "");
    }
    *out = h;
    return WP_OK;
}

void pl_http_stop(pl_http *h) {
    if (!h) return;
    if (h->route.quiesce) h->route.quiesce(h->route.cls);
    MHD_stop_daemon(h->d);
    pl_free(h->engine, h, sizeof *h);
}
