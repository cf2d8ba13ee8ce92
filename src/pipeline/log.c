/* Logging: one logfmt line per event on a file descriptor (stderr), built
 * in a fixed buffer and written with a single write(2) so that lines from
 * different threads do not interleave. Values are quoted and escaped only
 * when they need it, so every line splits back into key=value pairs.
 */
#include "pl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

/* Room kept at the end of the buffer for the truncation mark and newline. */
#define TAIL 24

wp_status wp_log_level_parse(const char *s, int *level) {
    static const struct { const char *name; int level; } names[] = {
        { "off", WP_LOG_OFF },     { "none", WP_LOG_OFF },    { "fatal", WP_LOG_ERROR },
        { "error", WP_LOG_ERROR }, { "warn", WP_LOG_WARN },   { "warning", WP_LOG_WARN },
        { "info", WP_LOG_INFO },   { "debug", WP_LOG_DEBUG }, { "trace", WP_LOG_TRACE },
        { "all", WP_LOG_TRACE },
    };
    for (size_t i = 0; s && i < sizeof names / sizeof names[0]; i++) {
        if (strcasecmp(s, names[i].name) == 0) {
            *level = names[i].level;
            return WP_OK;
        }
    }
    return WP_ERR_ARG;
}

const char *wp_log_level_name(int level) {
    switch (level) {
    case WP_LOG_ERROR: return "error";
    case WP_LOG_WARN: return "warn";
    case WP_LOG_INFO: return "info";
    case WP_LOG_DEBUG: return "debug";
    case WP_LOG_TRACE: return "trace";
    default: return "off";
    }
}

static void put(wp_log_line *l, const char *s, size_t n) {
    if (l->full) return;
    if (l->len + n > sizeof l->buf - TAIL) {
        l->full = true;
        return;
    }
    memcpy(l->buf + l->len, s, n);
    l->len += n;
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if none. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
    unsigned char c = s[0];
    size_t len;
    uint32_t cp;
    if (c < 0x80) return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (len > n) return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80) return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
        (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

static bool needs_quotes(const unsigned char *v, size_t n) {
    if (n == 0) return true;
    for (size_t i = 0; i < n; i++)
        if (v[i] <= ' ' || v[i] == '=' || v[i] == '"' || v[i] == '\\' || v[i] >= 0x7f)
            return true;
    return false;
}

void wp_log_strn(wp_log_line *l, const char *key, const void *value, size_t n) {
    if (!l->lg) return;
    const unsigned char *v = value;
    put(l, " ", 1);
    put(l, key, strlen(key));
    put(l, "=", 1);
    if (!needs_quotes(v, n)) {
        put(l, (const char *)v, n);
        return;
    }
    put(l, "\"", 1);
    size_t i = 0;
    while (i < n && !l->full) {
        unsigned char c = v[i];
        char esc[8];
        if (c == '"' || c == '\\') {
            esc[0] = '\\';
            esc[1] = (char)c;
            put(l, esc, 2);
        } else if (c == '\n') {
            put(l, "\\n", 2);
        } else if (c == '\t') {
            put(l, "\\t", 2);
        } else if (c == '\r') {
            put(l, "\\r", 2);
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(esc, sizeof esc, "\\x%02x", c);
            put(l, esc, 4);
        } else if (c >= 0x80) {
            size_t k = utf8_seq(v + i, n - i);
            if (k) {
                put(l, (const char *)v + i, k);
                i += k;
                continue;
            }
            snprintf(esc, sizeof esc, "\\x%02x", c);
            put(l, esc, 4);
        } else {
            put(l, (const char *)&v[i], 1);
        }
        i++;
    }
    put(l, "\"", 1);
}

void wp_log_str(wp_log_line *l, const char *key, const char *value) {
    if (!value) value = "";
    wp_log_strn(l, key, value, strlen(value));
}

void wp_log_u64(wp_log_line *l, const char *key, uint64_t value) {
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%" PRIu64, value);
    wp_log_strn(l, key, buf, (size_t)n);
}

void wp_log_i64(wp_log_line *l, const char *key, int64_t value) {
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%" PRId64, value);
    wp_log_strn(l, key, buf, (size_t)n);
}

bool wp_log_begin(wp_log_line *l, const wp_logger *lg, int level, const char *event) {
    l->lg = NULL;
    if (!lg || level > lg->level || lg->level == WP_LOG_OFF) return false;
    l->lg = lg;
    l->len = 0;
    l->full = false;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char t[64];
    size_t n = strftime(t, sizeof t, "ts=%Y-%m-%dT%H:%M:%S", &tm);
    n += (size_t)snprintf(t + n, sizeof t - n, ".%03ldZ", ts.tv_nsec / 1000000);
    put(l, t, n);
    wp_log_str(l, "level", wp_log_level_name(level));
    wp_log_str(l, "event", event);
    return true;
}

void wp_log_end(wp_log_line *l) {
    if (!l->lg) return;
    if (l->full) {
        static const char mark[] = " truncated=true";
        memcpy(l->buf + l->len, mark, sizeof mark - 1);
        l->len += sizeof mark - 1;
    }
    l->buf[l->len++] = '\n';
    const char *p = l->buf;
    size_t left = l->len;
    while (left) {
        ssize_t w = write(l->lg->fd, p, left);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) break;   /* nowhere to report a failing log */
        p += w;
        left -= (size_t)w;
    }
    l->lg = NULL;
}

void wp_log(const wp_logger *lg, int level, const char *event, const char *fmt, ...) {
    wp_log_line l;
    if (!wp_log_begin(&l, lg, level, event)) return;
    char msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    wp_log_str(&l, "msg", msg);
    wp_log_end(&l);
}
