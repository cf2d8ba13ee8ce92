/* Unit tests of the codecs (codec_read.c, codec_write.c) and of the batch
 * helpers: how a byte stream is cut into messages (lines with and without
 * a final newline, CRLF, empty lines, lines over max_buffer, all-bytes,
 * batch limits), the stop descriptor and the idle hook, and how messages
 * are written (lines, json with escapes and metadata, messages larger
 * than the buffer, a failing descriptor).
 */
#include "pl.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"

/* A file holding `data`, opened for reading at its start. */
static int file_with(const void *data, size_t len) {
    char path[] = "/tmp/wp_codec_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return -1;
    unlink(path);
    if (len && write(fd, data, len) != (ssize_t)len) {
        close(fd);
        return -1;
    }
    lseek(fd, 0, SEEK_SET);
    return fd;
}

typedef struct got {
    size_t   n;
    char    *text[64];
    size_t   len[64];
    bool     errored[64];
    size_t   batches;
} got;

static void got_free(got *g) {
    for (size_t i = 0; i < g->n; i++) free(g->text[i]);
}

/* Reads the whole stream, recording every message. */
static bool read_all(const void *data, size_t len, pl_codec codec, size_t max_line, size_t limit,
                     got *g) {
    memset(g, 0, sizeof *g);
    int fd = file_with(data, len);
    if (fd < 0) return false;
    pl_reader r;
    wp_error err;
    if (pl_reader_init(&r, NULL, fd, NULL, codec, max_line, "test", &err) != WP_OK) return false;
    pl_batch b;
    memset(&b, 0, sizeof b);
    b.limit = limit;
    bool ok = true;
    for (int guard = 0; guard < 100000; guard++) {
        b.n = 0;
        b.bytes = 0;
        bool done;
        if (pl_reader_read(&r, &b, &done, NULL, NULL, &err) != WP_OK) {
            ok = false;
            break;
        }
        if (b.n) g->batches++;
        if (b.n > limit) ok = false;
        for (size_t i = 0; i < b.n && g->n < 64; i++) {
            size_t l;
            const uint8_t *p = wp_message_bytes(b.msgs[i], &l);
            g->text[g->n] = malloc(l + 1);
            if (l) memcpy(g->text[g->n], p, l);
            g->text[g->n][l] = '\0';
            g->len[g->n] = l;
            g->errored[g->n] = wp_message_error(b.msgs[i]) != NULL;
            g->n++;
        }
        if (done) break;
        if (!b.n) {
            ok = false;   /* nothing and not done */
            break;
        }
    }
    for (size_t i = 0; i < b.cap; i++) wp_message_destroy(b.msgs[i]);
    free(b.msgs);
    free(b.acks);
    pl_reader_free(&r);
    close(fd);
    return ok;
}

static void test_lines(void) {
    static const struct {
        const char *name, *in;
        size_t      n;
        const char *out[6];
    } cases[] = {
        { "empty stream", "", 0, { NULL } },
        { "one line", "a\n", 1, { "a" } },
        { "no final newline", "a\nb", 2, { "a", "b" } },
        { "empty lines kept", "\n\nx\n\n", 4, { "", "", "x", "" } },
        { "crlf", "a\r\nb\r\n", 2, { "a", "b" } },
        { "cr only before lf", "a\rb\n\r", 2, { "a\rb", "" } },
        { "just a newline", "\n", 1, { "" } },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        got g;
        bool ok = read_all(cases[i].in, strlen(cases[i].in), PL_CODEC_LINES, 1000, 256, &g);
        CHECK(cases[i].name, ok, "read failed");
        CHECK(cases[i].name, g.n == cases[i].n, "want %zu messages, got %zu", cases[i].n, g.n);
        for (size_t k = 0; k < g.n && k < cases[i].n; k++)
            CHECK(cases[i].name, strcmp(g.text[k], cases[i].out[k]) == 0 && !g.errored[k],
                  "message %zu: want '%s', got '%s'", k, cases[i].out[k], g.text[k]);
        got_free(&g);
    }

    /* Batches hold at most `limit` messages and keep the order. */
    size_t nlines = 1000;
    char *text = malloc(nlines * 8);
    size_t len = 0;
    for (size_t i = 0; i < nlines; i++) len += (size_t)sprintf(text + len, "%zu\n", i);
    memset(text + len, 0, 1);
    got g;
    int fd = file_with(text, len);
    pl_reader r;
    wp_error err;
    pl_reader_init(&r, NULL, fd, NULL, PL_CODEC_LINES, 100, "t", &err);
    pl_batch b;
    memset(&b, 0, sizeof b);
    b.limit = 256;
    size_t seen = 0, batches = 0;
    bool in_order = true;
    for (;;) {
        b.n = 0;
        b.bytes = 0;
        bool done;
        if (pl_reader_read(&r, &b, &done, "k", "v", &err) != WP_OK) break;
        if (b.n) batches++;
        for (size_t i = 0; i < b.n; i++) {
            size_t l, vl;
            const uint8_t *p = wp_message_bytes(b.msgs[i], &l);
            char want[16];
            int wl = sprintf(want, "%zu", seen);
            if ((size_t)wl != l || memcmp(p, want, l) != 0) in_order = false;
            const uint8_t *v = wp_message_meta_get(b.msgs[i], "k", 1, &vl);
            if (!v || vl != 1 || v[0] != 'v') in_order = false;
            seen++;
        }
        if (b.n > 256) in_order = false;
        if (done) break;
    }
    CHECK("batches: all read", seen == nlines, "%zu", seen);
    CHECK("batches: in order, with metadata", in_order, "order");
    CHECK("batches: limit", batches == 4, "%zu batches", batches);
    /* The kept messages are reused: a second stream reads into them. */
    size_t cap_before = b.cap;
    for (size_t i = 0; i < b.cap; i++) wp_message_destroy(b.msgs[i]);
    free(b.msgs);
    free(b.acks);
    CHECK("batches: capacity", cap_before == 256, "%zu", cap_before);
    pl_reader_free(&r);
    close(fd);
    free(text);
    (void)g;
}

static void test_long_lines(void) {
    /* Over max_buffer: cut to max_buffer, errored, and the rest dropped. */
    const char *in = "short\nABCDEFGHIJKLMNOPQRSTUVWXYZ\nafter\n0123456789abc";
    got g;
    bool ok = read_all(in, strlen(in), PL_CODEC_LINES, 10, 256, &g);
    CHECK("long: read", ok, "failed");
    CHECK("long: count", g.n == 4, "%zu", g.n);
    if (g.n == 4) {
        CHECK("long: before", strcmp(g.text[0], "short") == 0 && !g.errored[0], "%s", g.text[0]);
        CHECK("long: cut", strcmp(g.text[1], "ABCDEFGHIJ") == 0 && g.errored[1], "%s",
              g.text[1]);
        CHECK("long: after", strcmp(g.text[2], "after") == 0 && !g.errored[2], "%s", g.text[2]);
        CHECK("long: at the end", strcmp(g.text[3], "0123456789") == 0 && g.errored[3], "%s",
              g.text[3]);
    }
    got_free(&g);
    /* Exactly max_buffer is fine. */
    ok = read_all("0123456789\n", 11, PL_CODEC_LINES, 10, 256, &g);
    CHECK("long: exactly max", ok && g.n == 1 && !g.errored[0] && g.len[0] == 10, "%zu", g.n);
    got_free(&g);
    /* A line longer than the read buffer but within max_buffer grows it. */
    size_t big = (3u << 20) + 5;
    char *text = malloc(big + 3);
    memset(text, 'x', big);
    text[big] = '\n';
    text[big + 1] = 'y';
    ok = read_all(text, big + 2, PL_CODEC_LINES, 4u << 20, 256, &g);
    CHECK("long: grows", ok && g.n == 2 && g.len[0] == big && !g.errored[0] &&
                             strcmp(g.text[1], "y") == 0,
          "%zu messages", g.n);
    got_free(&g);
    /* And past max_buffer across many reads. */
    ok = read_all(text, big + 2, PL_CODEC_LINES, 1000, 256, &g);
    CHECK("long: cut across reads", ok && g.n == 2 && g.len[0] == 1000 && g.errored[0] &&
                                        strcmp(g.text[1], "y") == 0,
          "%zu messages", g.n);
    got_free(&g);
    free(text);
}

static void test_all_bytes(void) {
    got g;
    bool ok = read_all("a\nb\r\n", 5, PL_CODEC_ALL_BYTES, 5, 256, &g);
    CHECK("all-bytes: one message", ok && g.n == 1 && g.len[0] == 5 &&
                                        memcmp(g.text[0], "a\nb\r\n", 5) == 0,
          "%zu", g.n);
    got_free(&g);
    ok = read_all("", 0, PL_CODEC_ALL_BYTES, 1, 256, &g);
    CHECK("all-bytes: empty stream is one empty message", ok && g.n == 1 && g.len[0] == 0,
          "%zu", g.n);
    got_free(&g);
    size_t big = 3u << 20;
    char *text = calloc(1, big);
    ok = read_all(text, big, PL_CODEC_ALL_BYTES, big, 256, &g);
    CHECK("all-bytes: large", ok && g.n == 1 && g.len[0] == big && !g.errored[0], "%zu", g.n);
    got_free(&g);
    /* max_buffer bounds the one message: a longer stream is cut and errored. */
    ok = read_all(text, big, PL_CODEC_ALL_BYTES, big - 1, 256, &g);
    CHECK("all-bytes: over max_buffer", ok && g.n == 1 && g.len[0] == big - 1 && g.errored[0],
          "%zu %zu", g.n, g.n ? g.len[0] : 0);
    got_free(&g);
    ok = read_all("a\nb\r\n", 5, PL_CODEC_ALL_BYTES, 2, 256, &g);
    CHECK("all-bytes: small max_buffer", ok && g.n == 1 && g.len[0] == 2 && g.errored[0] &&
                                             memcmp(g.text[0], "a\n", 2) == 0,
          "%zu", g.n);
    got_free(&g);
    free(text);
}

/* ---------------------------------------------------------------- waiting */

typedef struct idle_count {
    int calls;
} idle_count;

static void on_idle(void *user) { ((idle_count *)user)->calls++; }

typedef struct delayed {
    int         fd;
    const char *text;
} delayed;

static void *write_later(void *arg) {
    delayed *d = arg;
    struct timespec ts = { 0, 50 * 1000 * 1000 };
    nanosleep(&ts, NULL);
    ssize_t w = write(d->fd, d->text, strlen(d->text));
    (void)w;
    close(d->fd);
    return NULL;
}

static void test_waiting(void) {
    int data[2], stop[2];
    if (pipe(data) || pipe(stop)) return;
    idle_count ic = { 0 };
    pl_waiter w = { stop[0], on_idle, &ic };
    pl_reader r;
    wp_error err;
    pl_reader_init(&r, NULL, data[0], &w, PL_CODEC_LINES, 100, "pipe", &err);
    delayed dl = { data[1], "one\ntwo\n" };
    pthread_t t;
    pthread_create(&t, NULL, write_later, &dl);
    pl_batch b;
    memset(&b, 0, sizeof b);
    b.limit = 256;
    bool done = false;
    wp_status s = pl_reader_read(&r, &b, &done, NULL, NULL, &err);
    pthread_join(t, NULL);
    CHECK("wait: got both", s == WP_OK && b.n == 2 && !done, "n=%zu", b.n);
    CHECK("wait: idle hook once before blocking", ic.calls == 1, "%d calls", ic.calls);
    b.n = 0;
    s = pl_reader_read(&r, &b, &done, NULL, NULL, &err);
    CHECK("wait: end", s == WP_OK && b.n == 0 && done, "n=%zu done=%d", b.n, done);
    pl_reader_free(&r);
    close(data[0]);

    /* A stop ends a blocked read; the partial line is not a message. */
    if (pipe(data)) return;
    pl_reader_init(&r, NULL, data[0], &w, PL_CODEC_LINES, 100, "pipe", &err);
    ssize_t wr = write(data[1], "full\npartial", 12);
    (void)wr;
    wr = write(stop[1], "x", 1);
    b.n = 0;
    s = pl_reader_read(&r, &b, &done, NULL, NULL, &err);
    /* A stop wins over waiting data: nothing more is read. */
    CHECK("stop: ends at once", s == WP_OK && b.n == 0 && done, "n=%zu done=%d", b.n, done);
    pl_reader_free(&r);
    for (size_t i = 0; i < b.cap; i++) wp_message_destroy(b.msgs[i]);
    free(b.msgs);
    free(b.acks);
    close(data[0]);
    close(data[1]);
    close(stop[0]);
    close(stop[1]);
}

/* ---------------------------------------------------------------- writer */

static char *written(pl_out_codec codec, wp_message **msgs, size_t n, size_t *len) {
    int fd = file_with(NULL, 0);
    pl_writer w;
    wp_error err;
    pl_writer_init(&w, NULL, fd, false, codec, "t", &err);
    wp_status s = pl_writer_write(&w, msgs, n, &err);
    if (s == WP_OK) s = pl_writer_flush(&w, &err);
    pl_writer_free(&w);
    off_t end = lseek(fd, 0, SEEK_END);
    char *buf = calloc(1, (size_t)end + 1);
    pread(fd, buf, (size_t)end, 0);
    close(fd);
    *len = (size_t)end;
    return s == WP_OK ? buf : (free(buf), NULL);
}

static void test_writer(void) {
    wp_message *m[4];
    m[0] = wp_message_create((const uint8_t *)"a", 1);
    m[1] = wp_message_create(NULL, 0);
    m[2] = wp_message_create((const uint8_t *)"b\"\\\n\t\x01\xc3\xa9\xff", 9);
    m[3] = wp_message_create((const uint8_t *)"c", 1);
    wp_message_meta_set(m[2], "error", 5, (const uint8_t *)"trap: x", 7);
    wp_message_meta_set(m[2], "k\"", 2, (const uint8_t *)"", 0);
    size_t len;
    char *out = written(PL_OUT_LINES, m, 2, &len);
    CHECK("lines", out && len == 3 && memcmp(out, "a\n\n", 3) == 0, "%zu", len);
    free(out);
    out = written(PL_OUT_JSON, m + 2, 1, &len);
    const char *want = "{\"content\":\"b\\\"\\\\\\n\\t\\u0001\xc3\xa9\\ufffd\","
                       "\"metadata\":{\"error\":\"trap: x\",\"k\\\"\":\"\"}}\n";
    CHECK("json", out && strcmp(out, want) == 0, "got %s", out ? out : "(null)");
    free(out);
    out = written(PL_OUT_JSON, m, 1, &len);
    CHECK("json: no metadata", out && strcmp(out, "{\"content\":\"a\",\"metadata\":{}}\n") == 0,
          "got %s", out ? out : "(null)");
    free(out);

    /* Messages larger than the buffer go straight out, in order. */
    size_t big = (2u << 20) + 3;
    uint8_t *data = malloc(big);
    memset(data, 'z', big);
    wp_message *bm[3] = { m[0], wp_message_create(data, big), m[3] };
    out = written(PL_OUT_LINES, bm, 3, &len);
    CHECK("big", out && len == big + 5 && memcmp(out, "a\nzz", 4) == 0 &&
                     memcmp(out + len - 3, "\nc\n", 3) == 0,
          "%zu", len);
    free(out);
    wp_message_destroy(bm[1]);
    free(data);

    /* A closed pipe is an error that names the output. */
    int p[2];
    if (pipe(p) == 0) {
        close(p[0]);
        pl_writer w;
        wp_error err;
        pl_writer_init(&w, NULL, p[1], true, PL_OUT_LINES, "the-pipe", &err);
        wp_status s = pl_writer_write(&w, m, 1, &err);
        if (s == WP_OK) s = pl_writer_flush(&w, &err);
        CHECK("closed pipe", s == WP_ERR_IO && strstr(err.msg, "the-pipe"), "%s", err.msg);
        pl_writer_free(&w);
    }
    for (int i = 0; i < 4; i++) wp_message_destroy(m[i]);
}

/* ---------------------------------------------------------------- batches */

static void test_batch(void) {
    pl_batch b;
    memset(&b, 0, sizeof b);
    b.limit = 2;
    CHECK("batch: empty not full", !pl_batch_full(&b), "full");
    wp_message *m = pl_batch_push(&b, (const uint8_t *)"x", 1);
    wp_message_meta_set(m, "a", 1, (const uint8_t *)"b", 1);
    wp_message_set_error(m, "bad");
    pl_batch_push(&b, (const uint8_t *)"y", 1);
    CHECK("batch: full at limit", pl_batch_full(&b) && b.bytes == 2, "bytes %zu", b.bytes);
    /* Reuse: a kept message comes back clean. */
    b.n = 0;
    b.bytes = 0;
    m = pl_batch_push(&b, (const uint8_t *)"zz", 2);
    size_t l;
    const uint8_t *p = wp_message_bytes(m, &l);
    CHECK("batch: reused clean", l == 2 && memcmp(p, "zz", 2) == 0 && !wp_message_error(m) &&
                                     wp_message_meta_count(m) == 0,
          "dirty");
    m = pl_batch_push(&b, NULL, 0);
    CHECK("batch: empty message", m && wp_message_bytes(m, &l) != (void *)1 && l == 0, "len");
    for (size_t i = 0; i < b.cap; i++) wp_message_destroy(b.msgs[i]);
    free(b.msgs);
    free(b.acks);
}

/* A long line through a pipe arrives a few KiB per read: each byte is
 * searched for the newline once, not once per read. */
typedef struct slow_line {
    int    fd;
    size_t len;
} slow_line;

static void *write_slowly(void *arg) {
    slow_line *sl = arg;
    char chunk[4096];
    memset(chunk, 'x', sizeof chunk);
    for (size_t done = 0; done < sl->len;) {
        size_t n = sl->len - done < sizeof chunk ? sl->len - done : sizeof chunk;
        ssize_t w = write(sl->fd, chunk, n);
        if (w <= 0) break;
        done += (size_t)w;
    }
    ssize_t w = write(sl->fd, "\nend\n", 5);
    (void)w;
    close(sl->fd);
    return NULL;
}

static void test_long_line_pipe(void) {
    int data[2];
    if (pipe(data)) return;
    slow_line sl = { data[1], (size_t)8 << 20 };
    pl_reader r;
    wp_error err;
    pl_reader_init(&r, NULL, data[0], NULL, PL_CODEC_LINES, (size_t)16 << 20, "pipe", &err);
    pthread_t t;
    pthread_create(&t, NULL, write_slowly, &sl);
    pl_batch b;
    memset(&b, 0, sizeof b);
    b.limit = 256;
    size_t msgs = 0, first = 0;
    bool done = false;
    wp_status s = WP_OK;
    while (!done && s == WP_OK) {
        b.n = 0;
        b.bytes = 0;
        s = pl_reader_read(&r, &b, &done, NULL, NULL, &err);
        if (b.n && !msgs) wp_message_bytes(b.msgs[0], &first);
        msgs += b.n;
    }
    pthread_join(t, NULL);
    CHECK("long line through a pipe", s == WP_OK && msgs == 2 && first == sl.len,
          "%zu messages, first %zu bytes", msgs, first);
    CHECK("long line through a pipe: searched once", r.searched <= sl.len + 16,
          "searched %llu bytes for %zu", (unsigned long long)r.searched, sl.len + 5);
    pl_reader_free(&r);
    close(data[0]);
    for (size_t i = 0; i < b.cap; i++) wp_message_destroy(b.msgs[i]);
    free(b.msgs);
    free(b.acks);
}

int main(void) {
    signal(SIGPIPE, SIG_IGN);
    test_long_line_pipe();
    test_lines();
    test_long_lines();
    test_all_bytes();
    test_waiting();
    test_writer();
    test_batch();
    if (failures) {
        printf("%d failure(s)\n", failures);
        return 1;
    }
    printf("all codec tests passed\n");
    return 0;
}
