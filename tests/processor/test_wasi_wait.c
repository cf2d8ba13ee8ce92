/* The timeout bounds time spent blocked inside WASI too: a guest sleeping
 * in poll_oneoff is stopped at the deadline, its message errored with
 * "timed out after ...", and the next message runs normally. */
#include "common.h"

#include <pthread.h>

static void test_sleep_times_out(void)
{
    wp_processor_config cfg = { .timeout_ns = 100 * 1000000ull };
    wp_processor *p = make_processor("sleep", NULL, &cfg);
    if (p == NULL)
        return;
    wp_message *msgs[2] = {
        wp_message_create((const uint8_t *)"one", 3),
        wp_message_create((const uint8_t *)"two", 3),
    };
    wp_error err;
    CHECK(wp_processor_process(p, msgs, 2, &err) == WP_OK, "process: %s", err.msg);
    for (int i = 0; i < 2; i++) {
        CHECK(has_text(wp_message_error(msgs[i]), "timed out after 100 ms"),
              "message %d: %s", i, wp_message_error(msgs[i]) ? wp_message_error(msgs[i]) : "(no error)");
        wp_message_destroy(msgs[i]);
    }
    wp_processor_stats st;
    wp_processor_stats_get(p, &st);
    CHECK(st.errors == 2, "errors = %llu", (unsigned long long)st.errors);
    wp_processor_destroy(p);
}

static void test_short_sleep_passes(void)
{
    wp_processor_config cfg = { .timeout_ns = 2000 * 1000000ull };
    wp_processor *p = make_processor("sleep", "nap", &cfg);
    if (p == NULL)
        return;
    for (int i = 0; i < 5; i++) {
        wp_message *m = run_one(p, "x", 1);
        CHECK(wp_message_error(m) == NULL && bytes_are(m, "x", 1), "nap %d: %s", i,
              wp_message_error(m));
        wp_message_destroy(m);
    }
    wp_processor_destroy(p);
}

typedef struct sleeper {
    wp_processor *p;
    wp_message   *m;
} sleeper;

static void *sleep_forever(void *arg)
{
    sleeper *s = arg;
    wp_error err;
    wp_processor_process(s->p, &s->m, 1, &err);
    return NULL;
}

/* Cancelling the waits ends a guest sleeping for an hour without a
 * timeout set, whether it was already asleep or not (the cancellation
 * stays), and every later sleep too. */
static void test_cancel_waits(void)
{
    wp_processor *p = make_processor("sleep", "forever", NULL);
    if (p == NULL)
        return;
    sleeper s = { p, wp_message_create((const uint8_t *)"zz", 2) };
    pthread_t t;
    CHECK(pthread_create(&t, NULL, sleep_forever, &s) == 0, "thread");
    wp_processor_cancel_waits(p);
    pthread_join(t, NULL);
    CHECK(has_text(wp_message_error(s.m), "cancelled"), "asleep: %s",
          wp_message_error(s.m) ? wp_message_error(s.m) : "(no error)");
    wp_message_destroy(s.m);
    wp_message *m = run_one(p, "again", 5);
    CHECK(has_text(wp_message_error(m), "cancelled"), "later: %s",
          wp_message_error(m) ? wp_message_error(m) : "(no error)");
    wp_message_destroy(m);
    wp_processor_destroy(p);
}

int main(int argc, char **argv)
{
    test_init(argc, argv);
    test_sleep_times_out();
    test_short_sleep_passes();
    test_cancel_waits();
    return test_done("test_wasi_wait");
}
