/* Guest output caps: a guest that writes 1 MiB per message to stdout or
 * stderr is logged up to output_per_message bytes per message and up to
 * output_per_second bytes per second, and the rest is counted as dropped;
 * what is logged plus what is dropped is exactly what the guest wrote. */
#include "common.h"

#include <stdatomic.h>
#include <time.h>

enum { FLOOD = 1024 * 1024, LINE = 1024 };

typedef struct sink {
    atomic_ulong events, bytes, warnings;
} sink;

static void on_log(void *user, wp_log_level level, const char *event, const char *msg)
{
    sink *s = user;
    (void)level;
    if (strcmp(event, "guest_stdout") == 0 || strcmp(event, "guest_stderr") == 0) {
        atomic_fetch_add(&s->events, 1);
        atomic_fetch_add(&s->bytes, strlen(msg) + 1);   /* + its newline */
    } else if (strcmp(event, "guest_output_dropped") == 0) {
        atomic_fetch_add(&s->warnings, 1);
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void test_per_message(const char *function)
{
    sink s = { 0 };
    wp_processor_config cfg = { .log = on_log, .log_user = &s, .output_per_message = 64 * 1024 };
    wp_processor *p = make_processor("flood", function, &cfg);
    if (p == NULL)
        return;
    enum { N = 5 };
    for (int i = 0; i < N; i++) {
        wp_message *m = run_one(p, "x", 1);
        CHECK(wp_message_error(m) == NULL, "%s: %s", function, wp_message_error(m));
        wp_message_destroy(m);
    }
    wp_processor_stats st;
    wp_processor_stats_get(p, &st);
    /* Initialisation's "ready\n" (6 bytes) plus 64 lines a message. */
    uint64_t want_logged = 6 + (uint64_t)N * 64 * LINE;
    CHECK(st.output_logged == want_logged && atomic_load(&s.bytes) == want_logged,
          "%s: logged %llu (callback saw %lu), want %llu", function,
          (unsigned long long)st.output_logged, atomic_load(&s.bytes),
          (unsigned long long)want_logged);
    CHECK(st.output_logged + st.output_dropped == 6 + (uint64_t)N * FLOOD,
          "%s: logged %llu + dropped %llu != written", function,
          (unsigned long long)st.output_logged, (unsigned long long)st.output_dropped);
    CHECK(atomic_load(&s.warnings) >= 1, "%s: a drop warning", function);
    wp_processor_destroy(p);
}

static void test_per_second(void)
{
    sink s = { 0 };
    const uint64_t rate = 16 * 1024;
    wp_processor_config cfg = { .log = on_log, .log_user = &s, .output_per_second = rate };
    double t0 = now_s();
    wp_processor *p = make_processor("flood", NULL, &cfg);
    if (p == NULL)
        return;
    enum { N = 8 };
    for (int i = 0; i < N; i++) {
        wp_message *m = run_one(p, "x", 1);
        wp_message_destroy(m);
    }
    double elapsed = now_s() - t0;
    wp_processor_stats st;
    wp_processor_stats_get(p, &st);
    /* The bucket starts full (one second's worth) and refills at rate:
     * whatever the speed of this machine, no more than that got through. */
    double bound = (double)rate * (1.0 + elapsed) + LINE;
    CHECK((double)st.output_logged <= bound, "logged %llu in %.3fs, bound %.0f",
          (unsigned long long)st.output_logged, elapsed, bound);
    CHECK(st.output_logged >= rate - LINE, "the first second's worth is logged: %llu",
          (unsigned long long)st.output_logged);
    CHECK(st.output_logged + st.output_dropped == 6 + (uint64_t)N * FLOOD,
          "logged %llu + dropped %llu != written", (unsigned long long)st.output_logged,
          (unsigned long long)st.output_dropped);
    wp_processor_destroy(p);
}

static void test_no_cap(void)
{
    sink s = { 0 };
    wp_processor_config cfg = { .log = on_log, .log_user = &s };
    wp_processor *p = make_processor("flood", NULL, &cfg);
    if (p == NULL)
        return;
    wp_message *m = run_one(p, "x", 1);
    wp_message_destroy(m);
    wp_processor_stats st;
    wp_processor_stats_get(p, &st);
    CHECK(st.output_dropped == 0 && st.output_logged == 6 + (uint64_t)FLOOD,
          "no cap: logged %llu dropped %llu", (unsigned long long)st.output_logged,
          (unsigned long long)st.output_dropped);
    CHECK(atomic_load(&s.events) == 1 + 1024, "events %lu", atomic_load(&s.events));
    wp_processor_destroy(p);
}

int main(int argc, char **argv)
{
    test_init(argc, argv);
    test_per_message("process");
    test_per_message("errflood");
    test_per_second();
    test_no_cap();
    return test_done("test_output");
}
