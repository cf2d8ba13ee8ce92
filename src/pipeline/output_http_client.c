/* The `http_client` output (libcurl): each message is the body of one
 * request to `url`. A message counts as written only when the server
 * answered a success (2xx, or a status listed in successful_on); other
 * answers and transport errors are retried `retries` times, waiting
 * retry_period and doubling up to max_retry_backoff. When the retries run
 * out the output fails: the pipeline stops, and an acking input's message
 * is nacked, never acknowledged.
 */
#include "pl.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct http_out_cfg {
    const char *url;
    const char *verb;
    pl_strmap   headers;
    uint64_t    timeout;
    int64_t     retries;
    uint64_t    retry_period;
    uint64_t    max_retry_backoff;
    pl_strs     successful_on;
} http_out_cfg;

static const pl_field http_out_fields[] = {
    { "url", PL_T_STR, NULL, offsetof(http_out_cfg, url), "The URL each message is sent to.",
      PL_REQUIRED, NULL, 0, 0, NULL },
    { "verb", PL_T_STR, "POST", offsetof(http_out_cfg, verb), "The HTTP method.", 0, NULL, 0,
      0, NULL },
    { "headers", PL_T_STR_MAP, NULL, offsetof(http_out_cfg, headers),
      "Request headers, a map as in Bento (`headers: {Content-Type: text/plain}`); a list "
      "of \"Name: value\" strings is accepted too.", 0, NULL, 0, 0, NULL },
    { "timeout", PL_T_DURATION, "5s", offsetof(http_out_cfg, timeout),
      "The longest one attempt may take.", 0, NULL, 0, 0, NULL },
    { "retries", PL_T_INT, "3", offsetof(http_out_cfg, retries),
      "Attempts after the first before the output fails.", 0, NULL, 0, 1000, NULL },
    { "retry_period", PL_T_DURATION, "1s", offsetof(http_out_cfg, retry_period),
      "The wait before the first retry; it doubles for each next one.", 0, NULL, 0, 0, NULL },
    { "max_retry_backoff", PL_T_DURATION, "300s", offsetof(http_out_cfg, max_retry_backoff),
      "The longest wait between two attempts.", 0, NULL, 0, 0, NULL },
    { "successful_on", PL_T_STR_LIST, NULL, offsetof(http_out_cfg, successful_on),
      "Status codes that count as success besides 2xx, e.g. [\"409\"].", 0, NULL, 0, 0, NULL },
    { NULL, 0, NULL, 0, NULL, 0, NULL, 0, 0, NULL },
};

typedef struct http_out {
    wp_engine          *engine;   /* whose allocator this is */
    const http_out_cfg *cfg;
    CURL               *curl;
    struct curl_slist  *headers;
    long                ok_codes[32];
    size_t              nok;
    char                name[160];
} http_out;

static size_t discard(char *p, size_t size, size_t n, void *user) {
    (void)p;
    (void)user;
    return size * n;
}

static void http_out_close(void *state) {
    http_out *s = state;
    if (!s) return;
    curl_slist_free_all(s->headers);
    curl_easy_cleanup(s->curl);
    pl_free(s->engine, s, sizeof *s);
}

static wp_status http_out_open(const pl_open_ctx *ctx, const void *cfg, void **state,
                               pl_fail *fail) {
    const http_out_cfg *c = cfg;
    const pl_node *node = ctx->comp->node;
    if (strncmp(c->url, "http://", 7) != 0 && strncmp(c->url, "https://", 8) != 0)
        return pl_failf(fail, WP_ERR_INVALID, pl_map_get(node, "url"), "url",
                        "'%s' is not an http:// or https:// URL", c->url);
    if (!c->verb[0] || strcspn(c->verb, " \t\r\n") != strlen(c->verb))
        return pl_failf(fail, WP_ERR_INVALID, pl_map_get(node, "verb"), "verb",
                        "'%s' is not an HTTP method", c->verb);
    http_out *s = pl_alloc(ctx->engine, sizeof *s);
    if (!s) return pl_failf(fail, WP_ERR_NOMEM, NULL, "", "out of memory for the output");
    s->engine = ctx->engine;
    s->cfg = c;
    pl_format(s->name, sizeof s->name, "%s", ctx->comp->path);
    for (size_t i = 0; i < c->successful_on.n; i++) {
        char *end;
        long code = strtol(c->successful_on.v[i], &end, 10);
        if (*end || code < 100 || code > 599 || s->nok == 32) {
            http_out_close(s);
            return pl_failf(fail, WP_ERR_INVALID, pl_map_get(node, "successful_on"),
                            "successful_on", "'%s' is not an HTTP status (100 to 599)",
                            c->successful_on.v[i]);
        }
        s->ok_codes[s->nok++] = code;
    }
    for (size_t i = 0; i < c->headers.n; i++) {
        const char *k = c->headers.keys[i], *v = c->headers.vals[i];
        char line[8192];
        if (!k[0] || strpbrk(k, ": \t\r\n") || strpbrk(v, "\r\n") ||
            strlen(k) + strlen(v) + 3 > sizeof line) {
            http_out_close(s);
            return pl_failf(fail, WP_ERR_INVALID, pl_map_get(node, "headers"), "headers",
                            "'%s: %s' is not a valid header (a name without ':' or spaces, "
                            "a value on one line)", k, v);
        }
        pl_format(line, sizeof line, "%s: %s", k, v);
        struct curl_slist *l = curl_slist_append(s->headers, line);
        if (!l) {
            http_out_close(s);
            return pl_failf(fail, WP_ERR_NOMEM, NULL, "", "out of memory");
        }
        s->headers = l;
    }
    s->curl = curl_easy_init();
    if (!s->curl) {
        http_out_close(s);
        return pl_failf(fail, WP_ERR_NOMEM, NULL, "", "cannot create a curl handle");
    }
    curl_easy_setopt(s->curl, CURLOPT_URL, c->url);
    curl_easy_setopt(s->curl, CURLOPT_CUSTOMREQUEST, c->verb);
    curl_easy_setopt(s->curl, CURLOPT_HTTPHEADER, s->headers);
    curl_easy_setopt(s->curl, CURLOPT_TIMEOUT_MS, (long)(c->timeout / 1000000u));
    curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(s->curl, CURLOPT_WRITEFUNCTION, discard);
    *state = s;
    return WP_OK;
}

static bool success(const http_out *s, long code) {
    if (code >= 200 && code < 300) return true;
    for (size_t i = 0; i < s->nok; i++)
        if (s->ok_codes[i] == code) return true;
    return false;
}

static void pause_ns(uint64_t ns) {
    struct timespec t = { (time_t)(ns / 1000000000u), (long)(ns % 1000000000u) };
    while (nanosleep(&t, &t) != 0) {}
}

static wp_status send_one(http_out *s, const wp_message *m, wp_error *err) {
    size_t len;
    const uint8_t *data = wp_message_bytes(m, &len);
    curl_easy_setopt(s->curl, CURLOPT_POSTFIELDS, (const char *)data);
    curl_easy_setopt(s->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    uint64_t wait = s->cfg->retry_period;
    char why[256] = "";
    for (int64_t attempt = 0; attempt <= s->cfg->retries; attempt++) {
        if (attempt) {
            pause_ns(wait);
            wait = wait * 2 > s->cfg->max_retry_backoff ? s->cfg->max_retry_backoff : wait * 2;
        }
        CURLcode rc = curl_easy_perform(s->curl);
        long code = 0;
        if (rc == CURLE_OK) {
            curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &code);
            if (success(s, code)) return WP_OK;
            pl_format(why, sizeof why, "status %ld", code);
        } else {
            pl_format(why, sizeof why, "%s", curl_easy_strerror(rc));
        }
    }
    return pl_error(err, WP_ERR_IO, "%s: %s %s: %s after %lld retries", s->name, s->cfg->verb,
                    s->cfg->url, why, (long long)s->cfg->retries);
}

static wp_status http_out_write(void *state, wp_message *const *msgs, size_t n, wp_error *err) {
    for (size_t i = 0; i < n; i++) {
        wp_status st = send_one(state, msgs[i], err);
        if (st != WP_OK) return st;
    }
    return WP_OK;
}

static wp_status http_out_flush(void *state, wp_error *err) {
    (void)state;
    (void)err;
    return WP_OK;   /* every write waited for its answer */
}

const pl_output_type pl_output_http_client = {
    .spec = {
        .name = "http_client",
        .summary = "Sends each message as the body of an HTTP request (libcurl).",
        .details = "A message is written once the server answered 2xx (or a status in "
                   "successful_on). Failed attempts are retried with a doubling wait; when "
                   "the retries run out the output fails and the pipeline stops, so an "
                   "acking input's message is not acknowledged.",
        .fields = http_out_fields,
        .cfg_size = sizeof(http_out_cfg),
    },
    .open = http_out_open,
    .write = http_out_write,
    .flush = http_out_flush,
    .close = http_out_close,
};
