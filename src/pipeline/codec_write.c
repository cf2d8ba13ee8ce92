/* Output codecs: messages into a large buffer that goes out with write(2)
 * when it fills up or the pipeline runs dry. `lines` writes each message's
 * bytes and a newline; `json` writes one object per line with the content
 * and the metadata (what the errors output uses to show why a message
 * failed); `raw` writes the bytes alone, so that what `all-bytes` read comes
 * back byte for byte.
 *
 * A message counts as delivered only once its last byte was accepted by
 * write(2) (and, with sync, by fsync(2)); the writer remembers where each
 * buffered message ends to tell, after a failed write, exactly how many
 * went out and whether the stream ends inside one.
 */
#include "pl.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WRITE_BUF ((size_t)1 << 20)
/* Messages waiting in the buffer before it is pushed out anyway: bounds the
 * bookkeeping of many tiny messages. */
#define MAX_PENDING ((size_t)1 << 16)

const char *const pl_output_codecs[] = { "lines", "json", "raw", NULL };

wp_status pl_writer_init(pl_writer *w, wp_engine *e, int fd, bool own_fd, pl_out_codec codec,
                         const char *name, wp_error *err) {
    memset(w, 0, sizeof *w);
    w->engine = e;
    w->fd = fd;
    w->own_fd = own_fd;
    w->codec = codec;
    w->name = name;
    w->buf = pl_alloc(e, WRITE_BUF);
    if (!w->buf)
        return pl_error(err, WP_ERR_NOMEM, "%s: out of memory for the write buffer", name);
    w->cap = WRITE_BUF;
    return WP_OK;
}

void pl_writer_free(pl_writer *w) {
    pl_free(w->engine, w->buf, w->cap);
    w->buf = NULL;
    w->cap = 0;
    pl_free(w->engine, w->pend, w->pend_cap * sizeof *w->pend);
    w->pend = NULL;
    w->pend_cap = 0;
    if (w->own_fd && w->fd >= 0) close(w->fd);
    w->fd = -1;
}

void pl_writer_progress(const pl_writer *w, uint64_t *msgs, uint64_t *bytes) {
    *msgs = w->msgs_done;
    *bytes = w->bytes_done;
}

/* Every message that ends at or before stream offset `upto` is delivered. */
static void deliver(pl_writer *w, uint64_t upto) {
    while (w->pend_n && w->pend[w->pend_head].end <= upto) {
        const pl_pending *e = &w->pend[w->pend_head];
        w->msgs_done += e->count;
        w->bytes_done += e->payload;
        w->done_end = e->end;
        w->pend_head++;
        w->pend_n--;
    }
    if (!w->pend_n) w->pend_head = 0;
}

/* The message just formatted ends at w->accepted. false: out of memory. */
static bool note_end(pl_writer *w, size_t payload) {
    if (w->pend_n) {
        pl_pending *last = &w->pend[w->pend_head + w->pend_n - 1];
        if (last->end == w->accepted) {
            last->count++;
            last->payload += payload;
            return true;
        }
    }
    if (!w->sync && w->written == w->accepted) {
        /* Nothing of it waits in the buffer (it went out directly). */
        w->msgs_done++;
        w->bytes_done += payload;
        w->done_end = w->accepted;
        return true;
    }
    if (w->pend_head + w->pend_n == w->pend_cap) {
        if (w->pend_head) {
            memmove(w->pend, w->pend + w->pend_head, w->pend_n * sizeof *w->pend);
            w->pend_head = 0;
        } else {
            size_t cap = w->pend_cap ? w->pend_cap * 2 : 256;
            pl_pending *v = pl_realloc(w->engine, w->pend, w->pend_cap * sizeof *v, cap * sizeof *v);
            if (!v) return false;
            w->pend = v;
            w->pend_cap = cap;
        }
    }
    w->pend[w->pend_head + w->pend_n++] = (pl_pending){ w->accepted, 1, payload };
    return true;
}

/* After a failed write: what was written, what was not, and whether the
 * stream now ends inside a message. A regular file is cut back to the end
 * of its last whole message. */
static wp_status write_failed(pl_writer *w, const char *why, wp_error *err) {
    w->failed = true;
    if (w->sync && fsync(w->fd) == 0) deliver(w, w->written);
    uint64_t lost = w->msgs_taken - w->msgs_done;
    uint64_t torn = w->written - w->done_end;
    char tail[160] = "";
    if (torn) {
        struct stat st;
        off_t pos = -1;
        bool cut = fstat(w->fd, &st) == 0 && S_ISREG(st.st_mode) &&
                   (pos = lseek(w->fd, 0, SEEK_CUR)) >= (off_t)torn &&
                   ftruncate(w->fd, pos - (off_t)torn) == 0;
        pl_format(tail, sizeof tail,
                  cut ? "; the %llu bytes written of the next one were cut off again"
                      : "; the output ends with the first %llu bytes of the next one (a torn "
                        "message)",
                  (unsigned long long)torn);
    }
    return pl_error(err, WP_ERR_IO,
                    "writing to %s: %s (%llu message%s written in full%s; %llu not written)",
                    w->name, why, (unsigned long long)w->msgs_done, w->msgs_done == 1 ? "" : "s",
                    tail, (unsigned long long)lost);
}

static wp_status write_all(pl_writer *w, const uint8_t *p, size_t n, wp_error *err) {
    if (w->failed) return pl_error(err, WP_ERR_IO, "writing to %s: an earlier write failed", w->name);
    while (n) {
        ssize_t got = write(w->fd, p, n);
        if (got > 0) {
            p += got;
            n -= (size_t)got;
            w->written += (uint64_t)got;
            if (!w->sync) deliver(w, w->written);
            continue;
        }
        if (got < 0 && errno == EINTR) continue;
        if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            struct pollfd pf = { .fd = w->fd, .events = POLLOUT };
            poll(&pf, 1, -1);
            continue;
        }
        return write_failed(w, got < 0 ? strerror(errno) : "nothing written", err);
    }
    return WP_OK;
}

wp_status pl_writer_flush(pl_writer *w, wp_error *err) {
    if (w->len) {
        wp_status s = write_all(w, w->buf, w->len, err);
        w->len = 0;
        if (s != WP_OK) return s;
    }
    if (w->sync && w->pend_n) {
        if (fsync(w->fd) != 0) {
            char why[128];
            pl_format(why, sizeof why, "fsync: %s", strerror(errno));
            return write_failed(w, why, err);
        }
        deliver(w, w->written);
    }
    return WP_OK;
}

/* Appends bytes, writing the buffer out when they do not fit. */
static wp_status put(pl_writer *w, const void *data, size_t n, wp_error *err) {
    if (n == 0) return WP_OK;
    w->accepted += n;
    if (n <= w->cap - w->len) {
        memcpy(w->buf + w->len, data, n);
        w->len += n;
        return WP_OK;
    }
    w->accepted -= n;
    wp_status s = pl_writer_flush(w, err);
    if (s != WP_OK) return s;
    w->accepted += n;
    if (n >= w->cap) return write_all(w, data, n, err);
    memcpy(w->buf, data, n);
    w->len = n;
    return WP_OK;
}

/* A JSON string; bytes that are not UTF-8 become U+FFFD. */
static wp_status put_json_string(pl_writer *w, const uint8_t *s, size_t n, wp_error *err) {
    wp_status st = put(w, "\"", 1, err);
    size_t i = 0, run = 0;
    while (st == WP_OK && i < n) {
        uint8_t c = s[i];
        size_t k = 1;
        const char *esc = NULL;
        char ubuf[8];
        if (c == '"') {
            esc = "\\\"";
        } else if (c == '\\') {
            esc = "\\\\";
        } else if (c == '\n') {
            esc = "\\n";
        } else if (c == '\r') {
            esc = "\\r";
        } else if (c == '\t') {
            esc = "\\t";
        } else if (c < 0x20 || c == 0x7f) {
            snprintf(ubuf, sizeof ubuf, "\\u%04x", c);
            esc = ubuf;
        } else if (c >= 0x80) {
            /* Accept a well-formed sequence as it is. */
            uint32_t cp = 0;
            size_t len = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 && c <= 0xef ? 3
                       : c >= 0xc2 && c <= 0xdf ? 2 : 0;
            bool ok = len && i + len <= n;
            if (ok) {
                cp = c & (len == 2 ? 0x1f : len == 3 ? 0x0f : 0x07);
                for (size_t j = 1; j < len; j++) {
                    if ((s[i + j] & 0xc0) != 0x80) ok = false;
                    cp = (cp << 6) | (s[i + j] & 0x3f);
                }
                if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
                    (cp >= 0xd800 && cp <= 0xdfff))
                    ok = false;
            }
            if (ok) {
                run += len;
                i += len;
                continue;
            }
            esc = "\\ufffd";
        }
        if (!esc) {
            run++;
            i++;
            continue;
        }
        if (run) st = put(w, s + i - run, run, err);
        run = 0;
        if (st == WP_OK) st = put(w, esc, strlen(esc), err);
        i += k;
    }
    if (st == WP_OK && run) st = put(w, s + i - run, run, err);
    if (st == WP_OK) st = put(w, "\"", 1, err);
    return st;
}

static wp_status put_json(pl_writer *w, const wp_message *m, wp_error *err) {
    size_t len;
    const uint8_t *data = wp_message_bytes(m, &len);
    wp_status s = put(w, "{\"content\":", 11, err);
    if (s == WP_OK) s = put_json_string(w, data, len, err);
    if (s == WP_OK) s = put(w, ",\"metadata\":{", 13, err);
    size_t nm = wp_message_meta_count(m);
    for (size_t i = 0; s == WP_OK && i < nm; i++) {
        const char *k;
        const uint8_t *v;
        size_t kl, vl;
        if (!wp_message_meta_at(m, i, &k, &kl, &v, &vl)) continue;
        if (i) s = put(w, ",", 1, err);
        if (s == WP_OK) s = put_json_string(w, (const uint8_t *)k, kl, err);
        if (s == WP_OK) s = put(w, ":", 1, err);
        if (s == WP_OK) s = put_json_string(w, v, vl, err);
    }
    if (s == WP_OK) s = put(w, "}}\n", 3, err);
    return s;
}

wp_status pl_writer_write(pl_writer *w, wp_message *const *msgs, size_t n, wp_error *err) {
    w->msgs_taken += n;
    if (w->failed) return pl_error(err, WP_ERR_IO, "writing to %s: an earlier write failed", w->name);
    for (size_t i = 0; i < n; i++) {
        wp_status s = WP_OK;
        size_t len;
        const uint8_t *data = wp_message_bytes(msgs[i], &len);
        if (w->codec == PL_OUT_JSON) {
            s = put_json(w, msgs[i], err);
        } else if (w->codec == PL_OUT_LINES && len < w->cap - w->len) {
            /* The common case, kept short: copy and terminate. */
            if (len) memcpy(w->buf + w->len, data, len);
            w->buf[w->len + len] = '\n';
            w->len += len + 1;
            w->accepted += len + 1;
        } else {
            s = put(w, data, len, err);
            if (s == WP_OK && w->codec == PL_OUT_LINES) s = put(w, "\n", 1, err);
        }
        if (s == WP_OK && !note_end(w, len))
            s = pl_error(err, WP_ERR_NOMEM, "%s: out of memory", w->name);
        if (s == WP_OK && w->pend_n >= MAX_PENDING) s = pl_writer_flush(w, err);
        if (s != WP_OK) return s;
    }
    return WP_OK;
}
