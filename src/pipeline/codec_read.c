/* Input codecs: turning a byte stream into messages. `lines` cuts at '\n'
 * (dropping a '\r' before it, as Bento does) and keeps empty lines, so
 * message n is line n; `all-bytes` makes the whole stream one message.
 * Reads go through one large buffer and each line is copied once, into a
 * message the batch keeps between uses.
 */
#include "pl.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_CHUNK ((size_t)1 << 20)

const char *const pl_input_codecs[] = { "lines", "all-bytes", NULL };

wp_status pl_reader_init(pl_reader *r, wp_engine *e, int fd, const pl_waiter *wait,
                         pl_codec codec, size_t max_line, const char *name, wp_error *err) {
    memset(r, 0, sizeof *r);
    r->engine = e;
    r->fd = fd;
    if (wait)
        r->wait = *wait;
    else
        r->wait.stop_fd = -1;
    r->codec = codec;
    r->max_line = max_line ? max_line : 1;
    r->name = name;
    r->limit_name = "max_message_size";
    r->buf = pl_alloc(e, READ_CHUNK);
    if (!r->buf) return pl_error(err, WP_ERR_NOMEM, "%s: out of memory for the read buffer", name);
    r->cap = READ_CHUNK;
    return WP_OK;
}

size_t pl_message_limit(const pl_node *node, uint64_t max_message_size, uint64_t older,
                        const char *older_name, const char **name) {
    *name = "max_message_size";
    uint64_t v = max_message_size;
    const pl_node *given = pl_map_get(node, "max_message_size");
    bool explicit_max = given && given->kind != PL_NULL;
    if (older && (!explicit_max || older < v)) {
        v = older;
        *name = older_name;
    }
    return v > SIZE_MAX ? SIZE_MAX : (size_t)v;
}

void pl_reader_free(pl_reader *r) {
    pl_free(r->engine, r->buf, r->cap);
    r->buf = NULL;
    r->cap = 0;
}

/* Waits until fd has data or the pipeline is stopping; false on a stop.
 * A first poll that does not wait tells whether we are about to block,
 * and only then is the idle hook called. */
static bool wait_readable(pl_reader *r) {
    if (r->wait.stop_fd < 0 && !r->wait.idle) return true;
    struct pollfd pf[2] = { { .fd = r->fd, .events = POLLIN },
                            { .fd = r->wait.stop_fd, .events = POLLIN } };
    nfds_t n = r->wait.stop_fd >= 0 ? 2 : 1;
    int timeout = 0;
    for (;;) {
        int got = poll(pf, n, timeout);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return true;   /* let read() report the problem */
        if (n == 2 && pf[1].revents) return false;
        if (got > 0) return true;
        if (timeout == 0 && r->wait.idle) r->wait.idle(r->wait.user);
        timeout = -1;
    }
}

/* Reads more bytes after r->end, growing the buffer up to `limit`. */
static wp_status fill(pl_reader *r, size_t limit, wp_error *err) {
    if (r->start > 0) {
        memmove(r->buf, r->buf + r->start, r->end - r->start);
        r->end -= r->start;
        r->start = 0;
    }
    if (r->end == r->cap) {
        if (r->cap >= limit) return WP_OK;   /* caller handles a full buffer */
        size_t cap = r->cap * 2 < limit ? r->cap * 2 : limit;
        uint8_t *nb = pl_realloc(r->engine, r->buf, r->cap, cap);
        if (!nb)
            return pl_error(err, WP_ERR_NOMEM, "%s: out of memory for a %zu-byte line buffer",
                            r->name, cap);
        r->buf = nb;
        r->cap = cap;
    }
    for (;;) {
        if (!wait_readable(r)) {
            r->eof = true;
            r->stopped = true;
            r->end = r->start;   /* a line cut off by the stop is not a message */
            r->scanned = 0;
            return WP_OK;
        }
        ssize_t got = read(r->fd, r->buf + r->end, r->cap - r->end);
        if (got > 0) {
            r->end += (size_t)got;
            return WP_OK;
        }
        if (got == 0) {
            r->eof = true;
            return WP_OK;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            struct pollfd pf = { .fd = r->fd, .events = POLLIN };
            poll(&pf, 1, -1);
            continue;
        }
        return pl_error(err, WP_ERR_IO, "reading %s: %s", r->name, strerror(errno));
    }
}

static wp_status set_meta(pl_reader *r, wp_message *m, const char *meta_key,
                          const char *meta_value, wp_error *err) {
    if (meta_key &&
        wp_message_meta_set(m, meta_key, strlen(meta_key), (const uint8_t *)meta_value,
                            strlen(meta_value)) != WP_OK)
        return pl_error(err, WP_ERR_NOMEM, "%s: out of memory", r->name);
    return WP_OK;
}

static wp_status push(pl_reader *r, pl_batch *b, const uint8_t *p, size_t n,
                      const char *meta_key, const char *meta_value, wp_error *err) {
    wp_message *m = pl_batch_push(b, p, n);
    if (!m) return pl_error(err, WP_ERR_NOMEM, "%s: out of memory", r->name);
    return set_meta(r, m, meta_key, meta_value, err);
}

/* A message of the first n bytes of the buffer, which it takes over rather
 * than copy (a large message would otherwise be held twice); the reader
 * goes on with a new buffer holding the `keep` bytes from `from` on. */
static wp_status push_buffer(pl_reader *r, pl_batch *b, size_t n, size_t from, size_t keep,
                             const char *meta_key, const char *meta_value, wp_error *err) {
    size_t cap = keep > READ_CHUNK ? keep : READ_CHUNK;
    uint8_t *nb = pl_alloc(r->engine, cap);
    wp_message *m = nb ? pl_batch_push(b, NULL, 0) : NULL;
    if (!m) {
        pl_free(r->engine, nb, cap);
        return pl_error(err, WP_ERR_NOMEM, "%s: out of memory", r->name);
    }
    if (keep) memcpy(nb, r->buf + from, keep);
    wp_message_adopt_bytes_in(m, r->engine, r->buf, n, r->cap);
    b->bytes += n;
    r->buf = nb;
    r->cap = cap;
    r->start = 0;
    r->end = keep;
    r->scanned = 0;
    return set_meta(r, m, meta_key, meta_value, err);
}

/* A line over max_line: its first max_line bytes, errored. */
static wp_status push_cut(pl_reader *r, pl_batch *b, const uint8_t *p, const char *meta_key,
                          const char *meta_value, wp_error *err) {
    wp_status s = push(r, b, p, r->max_line, meta_key, meta_value, err);
    if (s != WP_OK) return s;
    wp_message_set_error(b->msgs[b->n - 1],
                         "%s: line %llu is longer than %s (%zu bytes); it was cut to "
                         "that length",
                         r->name, (unsigned long long)r->line, r->limit_name, r->max_line);
    return WP_OK;
}

/* Reads and forgets the rest of the stream. */
static wp_status drain(pl_reader *r, wp_error *err) {
    uint8_t scratch[1 << 16];
    while (!r->eof) {
        if (!wait_readable(r)) {
            r->eof = r->stopped = true;
            break;
        }
        ssize_t got = read(r->fd, scratch, sizeof scratch);
        if (got > 0) continue;
        if (got == 0) {
            r->eof = true;
            break;
        }
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            struct pollfd pf = { .fd = r->fd, .events = POLLIN };
            poll(&pf, 1, -1);
            continue;
        }
        return pl_error(err, WP_ERR_IO, "reading %s: %s", r->name, strerror(errno));
    }
    return WP_OK;
}

/* The whole stream as one message, of at most max_line bytes: a longer
 * stream becomes an errored message of its first max_line bytes, and the
 * rest is read and dropped (never held). */
static wp_status read_all_bytes(pl_reader *r, pl_batch *b, bool *done, const char *meta_key,
                                const char *meta_value, wp_error *err) {
    *done = true;
    if (r->line > 0) return WP_OK;
    bool over = false;
    while (!r->eof) {
        wp_status s = fill(r, r->max_line + 1, err);
        if (s != WP_OK) return s;
        if (r->end - r->start > r->max_line) {
            over = true;
            r->end = r->start + r->max_line;
            s = drain(r, err);
            if (s != WP_OK) return s;
        }
    }
    r->line = 1;
    if (r->stopped) return WP_OK;
    size_t len = r->end - r->start;
    wp_status s = r->start == 0 && len > READ_CHUNK
                      ? push_buffer(r, b, len, len, 0, meta_key, meta_value, err)
                      : push(r, b, r->buf + r->start, len, meta_key, meta_value, err);
    r->start = r->end;
    if (s == WP_OK && over)
        wp_message_set_error(b->msgs[b->n - 1],
                             "%s: longer than %s (%zu bytes), the most one all-bytes "
                             "message may hold; it was cut to that length",
                             r->name, r->limit_name, r->max_line);
    return s;
}

/* One whole line of len bytes (its '\n' not counted) at the start. */
static wp_status take_line(pl_reader *r, pl_batch *b, size_t len, const char *meta_key,
                           const char *meta_value, wp_error *err) {
    uint8_t *p = r->buf + r->start;
    size_t next = r->start + len + 1 < r->end ? r->start + len + 1 : r->end;
    size_t n = len && p[len - 1] == '\r' ? len - 1 : len;
    r->line++;
    if (n > r->max_line) {
        r->start = next;
        r->scanned = 0;
        return push_cut(r, b, p, meta_key, meta_value, err);
    }
    if (r->start == 0 && n > READ_CHUNK)
        return push_buffer(r, b, n, next, r->end - next, meta_key, meta_value, err);
    r->start = next;
    r->scanned = 0;
    return push(r, b, p, n, meta_key, meta_value, err);
}

wp_status pl_reader_read(pl_reader *r, pl_batch *b, bool *done, const char *meta_key,
                         const char *meta_value, wp_error *err) {
    *done = false;
    if (r->codec == PL_CODEC_ALL_BYTES) return read_all_bytes(r, b, done, meta_key, meta_value, err);
    /* A long line is first allowed to grow the buffer to this much. */
    size_t limit = r->max_line + 1 > READ_CHUNK ? r->max_line + 1 : READ_CHUNK;
    for (;;) {
        while (r->start < r->end && !pl_batch_full(b)) {
            uint8_t *p = r->buf + r->start;
            size_t avail = r->end - r->start;
            /* What an earlier pass saw of a partial line is not searched again. */
            uint8_t *nl = memchr(p + r->scanned, '\n', avail - r->scanned);
            r->searched += nl ? (size_t)(nl - p) + 1 - r->scanned : avail - r->scanned;
            if (!nl) {
                r->scanned = avail;
                break;
            }
            size_t len = (size_t)(nl - p);
            if (r->skipping) {
                r->skipping = false;   /* the end of an over-long line */
                r->start += len + 1;
                r->scanned = 0;
                continue;
            }
            wp_status s = take_line(r, b, len, meta_key, meta_value, err);
            if (s != WP_OK) return s;
        }
        if (pl_batch_full(b)) return WP_OK;
        size_t partial = r->end - r->start;
        if (!r->skipping && partial > r->max_line) {
            /* Keep what fits, mark it, and drop the rest of the line. */
            r->line++;
            wp_status s = push_cut(r, b, r->buf + r->start, meta_key, meta_value, err);
            if (s != WP_OK) return s;
            r->skipping = true;
            r->start = r->end;
            r->scanned = 0;
            continue;
        }
        if (r->skipping) {
            r->start = r->end;
            r->scanned = 0;
        }
        if (r->eof) {
            if (r->start < r->end) {
                wp_status s = take_line(r, b, r->end - r->start, meta_key, meta_value, err);
                if (s != WP_OK) return s;
            }
            *done = true;
            return WP_OK;
        }
        /* Hand on what we have rather than wait for more input. */
        if (b->n > 0) return WP_OK;
        wp_status s = fill(r, limit, err);
        if (s != WP_OK) return s;
    }
}
