/* Faults stay with their message: traps (a batch of 1,000 where every 7th
 * message traps), timeouts (an endless loop, in the function and inside
 * the guest's allocator), and the memory limit. After each fault the
 * instance is replaced and the next message is processed normally. */
#include "common.h"

#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_trap_isolation(void)
{
    wp_processor *p = make_processor("upper", NULL, NULL);
    if (p == NULL)
        return;
    enum { N = 1000 };
    wp_message *msgs[N];
    char text[32];
    for (int i = 0; i < N; i++) {
        int n = snprintf(text, sizeof text, "%smsg-%d", i % 7 == 6 ? "!" : "", i);
        msgs[i] = wp_message_create((const uint8_t *)text, (size_t)n);
        wp_message_meta_set(msgs[i], "index", 5, (const uint8_t *)text, (size_t)n);
    }
    wp_error err;
    CHECK(wp_processor_process(p, msgs, N, &err) == WP_OK, "process: %s", err.msg);
    int errored = 0, correct = 0;
    for (int i = 0; i < N; i++) {
        const char *e = wp_message_error(msgs[i]);
        size_t vl;
        const uint8_t *v = wp_message_meta_get(msgs[i], "index", 5, &vl);
        if (i % 7 == 6) {
            int n = snprintf(text, sizeof text, "!msg-%d", i);
            if (has_text(e, "unreachable") && bytes_are(msgs[i], text, (size_t)n) && v != NULL &&
                vl == (size_t)n && memcmp(v, text, vl) == 0)
                errored++;
            else
                CHECK(0, "message %d: error %s, bytes %s", i, e ? e : "(none)", shown(msgs[i]));
        } else {
            int n = snprintf(text, sizeof text, "MSG-%d", i);
            if (e == NULL && bytes_are(msgs[i], text, (size_t)n) && v != NULL)
                correct++;
            else
                CHECK(0, "message %d: error %s, bytes %s", i, e ? e : "(none)", shown(msgs[i]));
        }
        wp_message_destroy(msgs[i]);
    }
    CHECK(errored == 142 && correct == 858, "%d errored, %d correct; want 142 and 858", errored,
          correct);
    wp_processor_stats st;
    wp_processor_stats_get(p, &st);
    CHECK(st.messages == N && st.errors == 142, "stats: %llu messages, %llu errors",
          (unsigned long long)st.messages, (unsigned long long)st.errors);
    CHECK(st.instances_discarded == 142 && st.instances_created == 143 &&
              st.instances_live == 1 && st.compiles == 1,
          "stats: created %llu, discarded %llu, live %llu, compiles %llu",
          (unsigned long long)st.instances_created, (unsigned long long)st.instances_discarded,
          (unsigned long long)st.instances_live, (unsigned long long)st.compiles);
    wp_processor_destroy(p);
}

static void test_timeout(void)
{
    wp_processor_config cfg = { .timeout_ns = 50 * 1000000ull };
    wp_processor *p = make_processor("upper", NULL, &cfg);
    if (p == NULL)
        return;
    wp_message *msgs[3] = {
        wp_message_create((const uint8_t *)"before", 6),
        wp_message_create((const uint8_t *)"~loop", 5),
        wp_message_create((const uint8_t *)"after", 5),
    };
    wp_error err;
    double t0 = now_s();
    CHECK(wp_processor_process(p, msgs, 3, &err) == WP_OK, "process: %s", err.msg);
    double took = now_s() - t0;
    CHECK(bytes_are(msgs[0], "BEFORE", 6) && wp_message_error(msgs[0]) == NULL, "before: %s",
          shown(msgs[0]));
    CHECK(has_text(wp_message_error(msgs[1]), "timed out after 50 ms"), "loop: %s",
          wp_message_error(msgs[1]));
    CHECK(bytes_are(msgs[1], "~loop", 5), "the timed-out message keeps its bytes");
    CHECK(bytes_are(msgs[2], "AFTER", 5) && wp_message_error(msgs[2]) == NULL, "after: %s",
          shown(msgs[2]));
    CHECK(took >= 0.045 && took < 5.0, "took %.3f s", took);
    for (int i = 0; i < 3; i++)
        wp_message_destroy(msgs[i]);
    /* Many short messages with a timeout set are all fine. */
    for (int i = 0; i < 200; i++) {
        wp_message *m = run_one(p, "quick", 5);
        CHECK(bytes_are(m, "QUICK", 5) && wp_message_error(m) == NULL, "quick %d", i);
        wp_message_destroy(m);
    }
    wp_processor_destroy(p);

    /* An allocator that never returns, called from a host function. */
    cfg.timeout_ns = 1500000;   /* 1.5 ms */
    p = make_processor("alloc_spin", NULL, &cfg);
    if (p != NULL) {
        wp_message *m = run_one(p, "x", 1);
        CHECK(has_text(wp_message_error(m), "timed out after 1.500 ms"), "nested: %s",
              wp_message_error(m));
        wp_message_destroy(m);
        wp_processor_destroy(p);
    }
}

static void test_max_memory(void)
{
    /* 4 pages and a bit: rounded down to 4 pages. */
    wp_processor_config cfg = { .max_memory_bytes = 4 * 65536 + 1000 };
    wp_processor *p = make_processor("upper", NULL, &cfg);
    if (p != NULL) {
        wp_message *m = run_one(p, "+grow", 5);
        CHECK(wp_message_error(m) == NULL && le32_at(m, 0) == 4,
              "memory.grow stops at the limit: %u pages (%s)", le32_at(m, 0),
              wp_message_error(m) ? wp_message_error(m) : "ok");
        wp_message_destroy(m);
        /* A message that cannot fit: the allocator fails, the message errs. */
        size_t big = 5 * 65536;
        uint8_t *buf = calloc(1, big);
        m = wp_message_create(buf, big);
        free(buf);
        wp_error err;
        wp_processor_process(p, &m, 1, &err);
        CHECK(has_text(wp_message_error(m), "returned 0"), "too big: %s", wp_message_error(m));
        wp_message_destroy(m);
        m = run_one(p, "small", 5);
        CHECK(bytes_are(m, "SMALL", 5), "small after big: %s", shown(m));
        wp_message_destroy(m);
        wp_processor_destroy(p);
    }

    wp_processor *q = NULL;
    wp_error err;
    cfg.module_path = module_path("upper");
    cfg.max_memory_bytes = 1000;
    CHECK(wp_processor_create(T.engine, &cfg, &q, &err) == WP_ERR_ARG &&
              has_text(err.msg, "less than one 64 KiB page"),
          "below a page: %s", err.msg);
    cfg.module_path = module_path("big_memory");
    cfg.max_memory_bytes = 2 * 65536;
    CHECK(wp_processor_create(T.engine, &cfg, &q, &err) != WP_OK &&
              has_text(err.msg, "big_memory.wasm"),
          "module needs more than the limit: %s", err.msg);
}

/* A start function that never returns is stopped by the timeout (at
 * least the initialisation floor of 10 s), and creation fails saying so. */
static void test_start_timeout(void)
{
    wp_processor_config cfg = { .module_path = module_path("start_loop"),
                                .timeout_ns = 50u * 1000 * 1000 };
    wp_processor *p = NULL;
    wp_error err;
    wp_status s = wp_processor_create(T.engine, &cfg, &p, &err);
    CHECK(s == WP_ERR_TRAP && has_text(err.msg, "start function timed out")
              && has_text(err.msg, "start_loop.wasm"),
          "endless start function: %s: %s", wp_status_text(s), s == WP_OK ? "" : err.msg);
    wp_processor_destroy(p);
}

int main(int argc, char **argv)
{
    test_init(argc, argv);
    test_trap_isolation();
    test_timeout();
    test_start_timeout();
    test_max_memory();
    return test_done("test_faults");
}
