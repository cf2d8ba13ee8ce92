/* Fuzz target "host": the processor's message host functions
 * (v0_msg_as_bytes, v0_msg_set_bytes, v0_msg_get_meta, v0_msg_set_meta)
 * and its guest-allocator handling, fed hostile pointers and lengths.
 *
 * The guest is wat/host.wat, built at build time in the directory compiled
 * in as WP_FUZZ_GUEST_DIR, in two variants: host.wasm exports malloc and
 * free, host_dealloc.wasm allocate and deallocate, the processor's two
 * allocator conventions. Its process() reads the message and runs it as a
 * list of records, each an operation with four u32 arguments: host calls
 * with those arguments, allocator results and re-entry chosen by the
 * input, memory growth, traps and exits (host.wat says how records look).
 * Each input goes through both variants, as two messages in one batch with
 * metadata, so that the second one runs on the instance the first left
 * behind (or on a fresh one after a failure).
 *
 * A processor is made per input, so that every input starts from the same
 * state and a crash replays alone.
 *
 * Oracles, besides the sanitizers: a message that fails keeps its original
 * bytes and metadata (the processor's promise), log events are terminated
 * strings, and the statistics count every message.
 */
#include <wasmpipe/processor.h>

#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef WP_FUZZ_GUEST_DIR
#error "WP_FUZZ_GUEST_DIR must name the directory of the built host.wasm"
#endif

static const char key_a[] = "greeting";
static const char val_a[] = "hello";
static const char key_b[] = { 'k', '\0', '\xff' };   /* a key with a NUL inside */
static const char val_b[] = { '\0' };

static void log_event(void *user, wp_log_level level, const char *event, const char *msg)
{
    (void)user;
    (void)level;
    /* Reading them whole is the check: ASan reports a missing terminator. */
    volatile size_t sink = strlen(event) + strlen(msg);
    (void)sink;
    fuzz_log("log %s: %s", event, msg);
}

static wp_message *make_message(const uint8_t *data, size_t size)
{
    wp_message *m = wp_message_create(data, size);
    if (m == NULL)
        fuzz_fail("out of memory");
    if (wp_message_meta_set(m, key_a, sizeof key_a - 1, (const uint8_t *)val_a,
                            sizeof val_a - 1) != WP_OK ||
        wp_message_meta_set(m, key_b, sizeof key_b, (const uint8_t *)val_b, sizeof val_b) !=
            WP_OK)
        fuzz_fail("cannot set metadata");
    return m;
}

static int same_meta(const wp_message *m, const char *k, size_t klen, const char *v, size_t vlen)
{
    size_t got = 0;
    const uint8_t *p = wp_message_meta_get(m, k, klen, &got);
    return p != NULL && got == vlen && memcmp(p, v, vlen) == 0;
}

/* A message that failed must be exactly as it was sent. */
static void check_failed(const wp_message *m, const uint8_t *data, size_t size, int which)
{
    const char *error = wp_message_error(m);
    if (error == NULL)
        return;
    if (strlen(error) == 0)
        fuzz_fail("message %d: empty error text", which);
    size_t len = 0;
    const uint8_t *bytes = wp_message_bytes(m, &len);
    if (len != size || (size > 0 && memcmp(bytes, data, size) != 0))
        fuzz_fail("message %d failed (%s) but its bytes changed: %zu bytes, sent %zu", which,
                  error, len, size);
    if (wp_message_meta_count(m) != 2 ||
        !same_meta(m, key_a, sizeof key_a - 1, val_a, sizeof val_a - 1) ||
        !same_meta(m, key_b, sizeof key_b, val_b, sizeof val_b))
        fuzz_fail("message %d failed (%s) but its metadata changed (%zu entries)", which,
                  error, wp_message_meta_count(m));
}

static void run_variant(const char *path, const uint8_t *data, size_t size)
{
    wp_engine *e = NULL;
    wp_error err;
    wp_status s = wp_engine_create(NULL, &e, &err);
    fuzz_check_status("wp_engine_create", s, &err);
    if (s != WP_OK)
        return;
    wp_processor_config cfg = {
        .module_path = path,
        .function = "process",
        .label = "fuzz",
        .max_instances = 1,
        .timeout_ns = 200u * 1000 * 1000,
        .max_memory_bytes = 1u << 20,
        .log = log_event,
    };
    wp_processor *p = NULL;
    s = wp_processor_create(e, &cfg, &p, &err);
    if (s != WP_OK)
        fuzz_fail("cannot create the processor over %s: %s", path, err.msg);

    wp_message *msgs[2] = { make_message(data, size), make_message(data, size) };
    s = wp_processor_process(p, msgs, 2, &err);
    fuzz_check_status("wp_processor_process", s, &err);
    for (int i = 0; i < 2; i++) {
        const char *e2 = wp_message_error(msgs[i]);
        size_t len = 0;
        wp_message_bytes(msgs[i], &len);
        fuzz_log("%s: message %d: %s (%zu bytes, %zu metadata)", strrchr(path, '/') + 1, i,
                 e2 ? e2 : "ok", len,
                 wp_message_meta_count(msgs[i]));
        check_failed(msgs[i], data, size, i);
    }

    wp_processor_stats st;
    wp_processor_stats_get(p, &st);
    if (st.messages != 2)
        fuzz_fail("stats count %llu messages, 2 were sent", (unsigned long long)st.messages);
    if (st.instances_live > 1)
        fuzz_fail("%llu instances live with max_instances 1",
                  (unsigned long long)st.instances_live);

    wp_message_destroy(msgs[0]);
    wp_message_destroy(msgs[1]);
    wp_processor_destroy(p);
    wp_engine_destroy(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    run_variant(WP_FUZZ_GUEST_DIR "/host.wasm", data, size);
    run_variant(WP_FUZZ_GUEST_DIR "/host_dealloc.wasm", data, size);
    return 0;
}
