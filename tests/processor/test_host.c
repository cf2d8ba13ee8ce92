/* The four message host functions, table-driven over host.wat: valid,
 * empty, maximal and out-of-bounds pointers and lengths, what a guest sees
 * of its own writes, and that a failed call leaves the message as it was.
 * Each case gets a fresh processor, so that memory starts at one page
 * (65536 bytes) and the cases cannot affect each other. */
#include "common.h"

#define MEM 65536u
#define ANY_BYTES ((size_t)-2)   /* don't check the bytes, only the length */

typedef struct host_case {
    const char *name;
    const char *function;
    bool        raw;            /* message = payload only; else a, b, c, d, payload */
    uint32_t    a, b, c, d;
    const char *payload;        /* placed at guest address 1024 by the *_raw functions */
    size_t      big_input;      /* > 0: the message is this many 'm' bytes */
    size_t      big_meta;       /* > 0: metadata greeting is this many 'v' bytes */
    /* Expected: */
    const char *error;          /* part of the error text; NULL: success */
    const char *bytes;          /* NULL: unchanged */
    size_t      blen;           /* 0 with bytes: strlen(bytes) */
    const char *out_key;        /* metadata that must be there afterwards */
    const char *out_value;
    size_t      out_vlen;       /* 0: strlen(out_value) */
} host_case;

static const host_case cases[] = {
    /* v0_msg_as_bytes */
    { "as_bytes: text", "echo", .raw = true, .payload = "hello world", .bytes = "hello world" },
    { "as_bytes: empty message", "echo", .raw = true, .payload = "", .bytes = "", .blen = 0 },
    { "as_bytes: 1 MiB message (memory grows)", "echo", .raw = true, .big_input = 1 << 20,
      .bytes = NULL },

    /* v0_msg_set_bytes */
    { "set_bytes: payload", "set_raw", .a = 1024, .b = 5, .payload = "hello", .bytes = "hello" },
    { "set_bytes: empty at 0", "set_raw", .a = 0, .b = 0, .bytes = "" },
    { "set_bytes: empty at the end of memory", "set_raw", .a = MEM, .b = 0, .bytes = "" },
    { "set_bytes: the last byte", "set_raw", .a = MEM - 1, .b = 1, .bytes = "\0", .blen = 1 },
    { "set_bytes: all of memory", "set_raw", .a = 0, .b = MEM, .bytes = "", .blen = ANY_BYTES },
    { "set_bytes: one byte past the end", "set_raw", .a = MEM, .b = 1,
      .error = "v0_msg_set_bytes: content pointer 0x10000 (argument 0) + length 1 (argument 1) "
                "is outside guest memory (65536 bytes) (wasm stack: set_raw @0x" },
    { "set_bytes: empty range past the end", "set_raw", .a = MEM + 1, .b = 0,
      .error = "outside guest memory" },
    { "set_bytes: last pointer", "set_raw", .a = 0xffffffffu, .b = 1,
      .error = "outside guest memory" },
    { "set_bytes: maximal pointer and length", "set_raw", .a = 0xffffffffu, .b = 0xffffffffu,
      .error = "pointer 0xffffffff (argument 0) + length 4294967295 (argument 1) is outside" },
    { "set_bytes: maximal length", "set_raw", .a = 0, .b = 0xffffffffu,
      .error = "outside guest memory" },
    { "set_bytes: range that wraps in 32 bits", "set_raw", .a = 0xfffffff0u, .b = 0x20,
      .error = "outside guest memory" },
    { "set_bytes: twice keeps the last", "set_twice", .raw = true, .payload = "x",
      .bytes = "second" },
    { "set_bytes: never called leaves the message", "noop", .raw = true, .payload = "keep me",
      .bytes = NULL },
    { "as_bytes after set_bytes sees the new bytes", "read_after_set", .raw = true,
      .payload = "old", .bytes = "changed", .out_key = "seen", .out_value = "changed" },

    /* v0_msg_get_meta (the input has greeting=hi) */
    { "get_meta: present", "get_raw", .a = 1024, .b = 8, .payload = "greeting", .bytes = "hi" },
    { "get_meta: absent reads as empty", "get_raw", .a = 1024, .b = 4, .payload = "nope",
      .bytes = "" },
    { "get_meta: empty key", "get_raw", .a = 1024, .b = 0, .bytes = "" },
    { "get_meta: empty key at the end of memory", "get_raw", .a = MEM, .b = 0, .bytes = "" },
    { "get_meta: key past the end", "get_raw", .a = MEM - 1, .b = 2,
      .error = "v0_msg_get_meta: key pointer 0xffff (argument 0) + length 2 (argument 1) is "
                "outside guest memory (65536 bytes)" },
    { "get_meta: maximal pointer and length", "get_raw", .a = 0xffffffffu, .b = 0xffffffffu,
      .error = "outside guest memory" },
    { "get_meta: key that wraps in 32 bits", "get_raw", .a = 0xfffffff0u, .b = 0x20,
      .error = "outside guest memory" },
    { "get_meta: 1 MiB value (memory grows)", "get_raw", .a = 1024, .b = 8,
      .payload = "greeting", .big_meta = 1 << 20, .bytes = "", .blen = ANY_BYTES },
    { "get_meta after set_meta sees the new value", "meta_rw", .raw = true, .payload = "x",
      .bytes = "1", .out_key = "a", .out_value = "1" },

    /* v0_msg_set_meta */
    { "set_meta: key and value", "setmeta_raw", .a = 1024, .b = 1, .c = 1025, .d = 5,
      .payload = "kvalue", .out_key = "k", .out_value = "value" },
    { "set_meta: empty value", "setmeta_raw", .a = 1024, .b = 1, .c = 1025, .d = 0,
      .payload = "k", .out_key = "k", .out_value = "" },
    { "set_meta: empty key and value", "setmeta_raw", .a = 0, .b = 0, .c = MEM, .d = 0,
      .out_key = "", .out_value = "" },
    { "set_meta: replaces an input key", "setmeta_raw", .a = 1024, .b = 8, .c = 1032, .d = 2,
      .payload = "greetingyo", .out_key = "greeting", .out_value = "yo" },
    { "set_meta: value up to the end of memory", "setmeta_raw", .a = 1024, .b = 1,
      .c = MEM - 3, .d = 3, .payload = "z", .out_key = "z", .out_value = "\0\0\0",
      .out_vlen = 3 },
    { "set_meta: key past the end", "setmeta_raw", .a = MEM, .b = 1, .c = 0, .d = 0,
      .error = "v0_msg_set_meta: key pointer 0x10000 (argument 0) + length 1 (argument 1) is "
                "outside guest memory" },
    { "set_meta: value past the end", "setmeta_raw", .a = 1024, .b = 1, .c = 65000, .d = 1000,
      .payload = "k",
      .error = "v0_msg_set_meta: value pointer 0xfde8 (argument 2) + length 1000 (argument 3) "
               "is outside guest memory (65536 bytes)" },
    { "set_meta: maximal pointers and lengths", "setmeta_raw", .a = 0xffffffffu,
      .b = 0xffffffffu, .c = 0xffffffffu, .d = 0xffffffffu, .error = "outside guest memory" },
    { "set_meta: value that wraps in 32 bits", "setmeta_raw", .a = 0, .b = 0,
      .c = 0xfffffff0u, .d = 0x20, .error = "outside guest memory" },

    /* Failures leave the message as it was. */
    { "a trap after changes undoes them", "trap_after_set", .raw = true, .payload = "orig",
      .error = "unreachable" },
    { "proc_exit while processing", "exit7", .raw = true, .payload = "orig",
      .error = "exited with code 7" },
};

static wp_message *make_input(const host_case *c)
{
    size_t plen = c->payload ? strlen(c->payload) : 0;
    wp_message *m;
    if (c->big_input > 0) {
        uint8_t *buf = malloc(c->big_input);
        memset(buf, 'm', c->big_input);
        m = wp_message_create(buf, c->big_input);
        free(buf);
    } else if (c->raw) {
        m = wp_message_create((const uint8_t *)c->payload, plen);
    } else {
        uint8_t buf[16 + 3072];
        uint32_t args[4] = { c->a, c->b, c->c, c->d };
        for (int i = 0; i < 4; i++)
            for (int k = 0; k < 4; k++)
                buf[i * 4 + k] = (uint8_t)(args[i] >> (8 * k));
        memcpy(buf + 16, c->payload ? c->payload : "", plen);
        m = wp_message_create(buf, 16 + plen);
    }
    if (c->big_meta > 0) {
        uint8_t *v = malloc(c->big_meta);
        memset(v, 'v', c->big_meta);
        wp_message_meta_set(m, "greeting", 8, v, c->big_meta);
        free(v);
    } else {
        wp_message_meta_set(m, "greeting", 8, (const uint8_t *)"hi", 2);
    }
    return m;
}

static bool same_message(const wp_message *a, const wp_message *b)
{
    size_t an, bn;
    const uint8_t *ab = wp_message_bytes(a, &an), *bb = wp_message_bytes(b, &bn);
    if (an != bn || memcmp(ab, bb, an) != 0)
        return false;
    if (wp_message_meta_count(a) != wp_message_meta_count(b))
        return false;
    for (size_t i = 0; i < wp_message_meta_count(a); i++) {
        const char *k;
        size_t kl, vl, wl;
        const uint8_t *v;
        wp_message_meta_at(a, i, &k, &kl, &v, &vl);
        const uint8_t *w = wp_message_meta_get(b, k, kl, &wl);
        if (w == NULL || wl != vl || memcmp(v, w, vl) != 0)
            return false;
    }
    return true;
}

static void run_case(const host_case *c)
{
    wp_processor *p = make_processor("host", c->function, NULL);
    if (p == NULL)
        return;
    wp_message *in = make_input(c);
    wp_message *m = wp_message_copy(in);
    wp_error err;
    wp_status s = wp_processor_process(p, &m, 1, &err);
    CHECK(s == WP_OK, "%s: process returned %s", c->name, err.msg);
    const char *e = wp_message_error(m);
    wp_processor_stats st;
    wp_processor_stats_get(p, &st);
    if (c->error != NULL) {
        CHECK(has_text(e, c->error), "%s: error \"%s\", want \"%s\"", c->name, e ? e : "(none)",
              c->error);
        CHECK(same_message(m, in), "%s: a failed message must stay as it was: %s", c->name,
              shown(m));
        CHECK(st.errors == 1 && st.instances_discarded == 1, "%s: errors %llu discarded %llu",
              c->name, (unsigned long long)st.errors,
              (unsigned long long)st.instances_discarded);
    } else {
        CHECK(e == NULL, "%s: unexpected error: %s", c->name, e);
        size_t n;
        const uint8_t *b = wp_message_bytes(m, &n);
        if (c->bytes == NULL) {
            size_t in_n;
            const uint8_t *in_b = wp_message_bytes(in, &in_n);
            CHECK(n == in_n && memcmp(b, in_b, n) == 0, "%s: bytes must be unchanged: %s",
                  c->name, shown(m));
        } else if (c->blen == ANY_BYTES) {
            if (c->big_meta > 0)
                CHECK(n == c->big_meta && b[0] == 'v' && b[n - 1] == 'v', "%s: %zu bytes",
                      c->name, n);
            else
                CHECK(n == MEM, "%s: %zu bytes, want %u", c->name, n, MEM);
        } else {
            size_t want = c->blen ? c->blen : strlen(c->bytes);
            CHECK(n == want && memcmp(b, c->bytes, want) == 0, "%s: bytes \"%s\", want \"%s\"",
                  c->name, shown(m), c->bytes);
        }
        if (c->out_key != NULL) {
            size_t vl;
            const uint8_t *v = wp_message_meta_get(m, c->out_key, strlen(c->out_key), &vl);
            size_t want = c->out_vlen ? c->out_vlen : strlen(c->out_value);
            CHECK(v != NULL && vl == want && memcmp(v, c->out_value, want) == 0,
                  "%s: metadata %s is \"%.*s\"", c->name, c->out_key, v ? (int)vl : 6,
                  v ? (const char *)v : "absent");
        }
        CHECK(st.errors == 0 && st.instances_discarded == 0, "%s: stats", c->name);
    }
    wp_message_destroy(in);
    wp_message_destroy(m);
    wp_processor_destroy(p);
}

/* Guest stdout and stderr become log lines. */
typedef struct log_capture {
    char events[8][64];
    char lines[8][128];
    int  n;
} log_capture;

static void capture(void *user, wp_log_level level, const char *event, const char *msg)
{
    (void)level;
    log_capture *lc = user;
    if (lc->n < 8) {
        snprintf(lc->events[lc->n], sizeof lc->events[0], "%s", event);
        snprintf(lc->lines[lc->n], sizeof lc->lines[0], "%s", msg);
        lc->n++;
    }
}

static void test_guest_output(void)
{
    log_capture lc = { .n = 0 };
    wp_processor_config cfg = { .log = capture, .log_user = &lc, .label = "lbl" };
    wp_processor *p = make_processor("host", "print", &cfg);
    if (p == NULL)
        return;
    wp_message *m = run_one(p, "x", 1);
    CHECK(wp_message_error(m) == NULL, "print: %s", wp_message_error(m));
    bool found = false;
    for (int i = 0; i < lc.n; i++)
        if (strcmp(lc.events[i], "guest_stdout") == 0 &&
            strcmp(lc.lines[i], "lbl: hello from guest") == 0)
            found = true;
    CHECK(found, "the guest's line is logged as guest_stdout (%d events)", lc.n);
    wp_message_destroy(m);
    wp_processor_destroy(p);
}

static wp_message *args_message(uint32_t a, uint32_t b, uint32_t c, uint32_t d,
                                const uint8_t *payload, size_t plen)
{
    uint8_t buf[64];
    uint32_t args[4] = { a, b, c, d };
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < 4; k++)
            buf[i * 4 + k] = (uint8_t)(args[i] >> (8 * k));
    memcpy(buf + 16, payload, plen);
    return wp_message_create(buf, 16 + plen);
}

/* Binary keys and values survive both directions, the input's metadata
 * keeps its order and values, and a new key goes last. */
static void test_meta_round_trip(void)
{
    static const uint8_t payload[] = { 'a', 0, 'b', 0xff, 0x00, 0x01, 0x80 };
    wp_processor *p = make_processor("host", "setmeta_raw", NULL);
    if (p == NULL)
        return;
    wp_message *m = args_message(1024, 3, 1027, 4, payload, sizeof payload);
    for (int i = 0; i < 5; i++) {
        char k[8], v[8];
        snprintf(k, sizeof k, "k%d", i);
        snprintf(v, sizeof v, "v%d", i);
        wp_message_meta_set(m, k, 2, (const uint8_t *)v, 2);
    }
    wp_error err;
    wp_processor_process(p, &m, 1, &err);
    CHECK(wp_message_error(m) == NULL, "round trip: %s", wp_message_error(m));
    CHECK(wp_message_meta_count(m) == 6, "6 keys, got %zu", wp_message_meta_count(m));
    for (size_t i = 0; i < 5 && i < wp_message_meta_count(m); i++) {
        const char *k;
        size_t kl, vl;
        const uint8_t *v;
        wp_message_meta_at(m, i, &k, &kl, &v, &vl);
        CHECK(kl == 2 && k[0] == 'k' && k[1] == (char)('0' + i) && vl == 2 &&
                  v[1] == (uint8_t)('0' + i),
              "input key %zu kept in place", i);
    }
    const char *k;
    size_t kl, vl;
    const uint8_t *v;
    CHECK(wp_message_meta_at(m, 5, &k, &kl, &v, &vl) && kl == 3 && memcmp(k, payload, 3) == 0 &&
              vl == 4 && memcmp(v, payload + 3, 4) == 0,
          "binary key and value set by the guest, last");
    wp_processor_destroy(p);

    /* And the guest reads the binary value back by its binary key. */
    p = make_processor("host", "get_raw", NULL);
    if (p != NULL) {
        wp_message *q = args_message(1024, 3, 0, 0, payload, 3);
        wp_message_meta_set(q, (const char *)payload, 3, payload + 3, 4);
        wp_processor_process(p, &q, 1, &err);
        CHECK(wp_message_error(q) == NULL && bytes_are(q, payload + 3, 4),
              "binary value read back: %s", shown(q));
        wp_message_destroy(q);
        wp_processor_destroy(p);
    }
    wp_message_destroy(m);
}

int main(int argc, char **argv)
{
    test_init(argc, argv);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        run_case(&cases[i]);
    test_meta_round_trip();
    test_guest_output();
    return test_done("test_host");
}
