/* Logging: one logfmt line per event on a file descriptor (stderr), built
 * in a fixed buffer and written with a single write(2) so that lines from
 * different threads do not interleave. Values are quoted and escaped only
 * when they need it, so every line splits back into key=value pairs.
 *
 * A logger set up with wp_logger_open never lets a reader that does not
 * read (a stderr pipe left full) stop the pipeline: on a pipe it writes
 * through a descriptor of its own opened non-blocking (a line is at most
 * PIPE_BUF bytes, so it goes in whole or not at all), on a socket with
 * MSG_DONTWAIT; a line that does not fit within STALL_WAIT_MS is dropped
 * and counted, and while the reader stays stalled lines are dropped
 * without waiting.
 */
#include "pl.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* How long one line may wait for room before it is dropped. */
#define STALL_WAIT_MS 1000

struct wp_log_sink {
    int             fd;         /* what lines are written to */
    bool            own_fd;     /* fd is ours (a non-blocking reopen of a pipe) */
    bool            socket;     /* send with MSG_DONTWAIT */
    pthread_mutex_t lock;       /* one writer at a time: a wait is for one line */
    bool            stalled;    /* the last line was dropped: do not wait again */
    atomic_uint_fast64_t dropped;
};

void wp_logger_open(wp_logger *lg, int level, int fd) {
    lg->level = level;
    lg->fd = fd;
    lg->sink = NULL;
    struct stat st;
    if (fstat(fd, &st) != 0 || !(S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode))) return;
    wp_log_sink *s = calloc(1, sizeof *s);
    if (!s) return;
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        free(s);
        return;
    }
    atomic_init(&s->dropped, 0);
    s->fd = fd;
    if (S_ISSOCK(st.st_mode)) {
        s->socket = true;
    } else {
        /* Our own open file description of the same pipe, so that
         * O_NONBLOCK does not change the descriptor others share. */
        char path[64];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        int nfd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        if (nfd < 0) {
            pthread_mutex_destroy(&s->lock);
            free(s);
            return;   /* (no reader at all, or no /proc): a plain logger */
        }
        s->fd = nfd;
        s->own_fd = true;
    }
    lg->sink = s;
}

void wp_logger_close(wp_logger *lg) {
    if (!lg || !lg->sink) return;
    wp_log_sink *s = lg->sink;
    if (s->own_fd) close(s->fd);
    pthread_mutex_destroy(&s->lock);
    free(s);
    lg->sink = NULL;
}

uint64_t wp_logger_dropped(const wp_logger *lg) {
    return lg && lg->sink ? (uint64_t)atomic_load(&lg->sink->dropped) : 0;
}

static ssize_t sink_try(const wp_log_sink *s, const char *p, size_t n) {
    if (s->socket) return send(s->fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
    return write(s->fd, p, n);
}

/* Writes one line, waiting at most STALL_WAIT_MS for room in all. */
static void sink_write(wp_log_sink *s, const char *p, size_t n) {
    pthread_mutex_lock(&s->lock);
    struct timespec t0;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    bool dropped = false;
    while (n > 0) {
        ssize_t w = sink_try(s, p, n);
        if (w > 0) {
            p += w;
            n -= (size_t)w;
            continue;
        }
        if (w < 0 && errno == EINTR) continue;
        if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) && !s->stalled) {
            struct timespec t1;
            clock_gettime(CLOCK_MONOTONIC, &t1);
            long spent = (long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
            if (spent < STALL_WAIT_MS) {
                struct pollfd pf = { .fd = s->fd, .events = POLLOUT };
                poll(&pf, 1, (int)(STALL_WAIT_MS - spent));
                continue;
            }
        }
        dropped = true;   /* no room in time, or nowhere to write */
        break;
    }
    if (dropped) atomic_fetch_add(&s->dropped, 1);
    s->stalled = dropped;
    pthread_mutex_unlock(&s->lock);
}

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
    if (l->lg->sink) {
        sink_write(l->lg->sink, l->buf, l->len);
        l->lg = NULL;
        return;
    }
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
