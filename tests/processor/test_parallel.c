/* Threads: 4 threads x 20,000 messages through one processor, every output
 * checked; the pool compiles once and creates at most one instance per
 * thread. Then max_instances = 1 (threads wait for the one instance), and
 * a parallel run where some messages trap, to show that a fault on one
 * thread leaves every other message alone. */
#include "common.h"

#include <pthread.h>

enum { THREADS = 4, PER_THREAD = 20000, BATCH = 100 };

typedef struct job {
    wp_processor *p;
    int           id;
    int           count;
    int           trap_every;   /* 0: none */
    int           wrong, errored;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    wp_message *msgs[BATCH];
    char text[64], want[64];
    for (int base = 0; base < j->count; base += BATCH) {
        int n = j->count - base < BATCH ? j->count - base : BATCH;
        for (int i = 0; i < n; i++) {
            int k = base + i;
            bool trap = j->trap_every > 0 && k % j->trap_every == 0;
            int len = snprintf(text, sizeof text, "%sthread %d message %d", trap ? "!" : "",
                               j->id, k);
            msgs[i] = wp_message_create((const uint8_t *)text, (size_t)len);
        }
        wp_error err;
        if (wp_processor_process(j->p, msgs, (size_t)n, &err) != WP_OK)
            j->wrong += n;
        for (int i = 0; i < n; i++) {
            int k = base + i;
            bool trap = j->trap_every > 0 && k % j->trap_every == 0;
            int len = trap ? snprintf(want, sizeof want, "!thread %d message %d", j->id, k)
                           : snprintf(want, sizeof want, "THREAD %d MESSAGE %d", j->id, k);
            const char *e = wp_message_error(msgs[i]);
            if (trap && has_text(e, "unreachable") && bytes_are(msgs[i], want, (size_t)len))
                j->errored++;
            else if (trap || e != NULL || !bytes_are(msgs[i], want, (size_t)len))
                j->wrong++;
            wp_message_destroy(msgs[i]);
        }
    }
    return NULL;
}

static void run(const char *what, wp_processor *p, int count, int trap_every, int *wrong,
                int *errored)
{
    pthread_t tid[THREADS];
    job jobs[THREADS];
    for (int t = 0; t < THREADS; t++) {
        jobs[t] = (job){ .p = p, .id = t, .count = count, .trap_every = trap_every };
        CHECK(pthread_create(&tid[t], NULL, worker, &jobs[t]) == 0, "%s: thread", what);
    }
    *wrong = *errored = 0;
    for (int t = 0; t < THREADS; t++) {
        pthread_join(tid[t], NULL);
        *wrong += jobs[t].wrong;
        *errored += jobs[t].errored;
    }
}

static void test_parallel(void)
{
    wp_processor *p = make_processor("upper", NULL, NULL);
    if (p == NULL)
        return;
    int wrong, errored;
    run("4 x 20000", p, PER_THREAD, 0, &wrong, &errored);
    CHECK(wrong == 0, "4 x 20000: %d messages wrong", wrong);
    wp_processor_stats st;
    wp_processor_stats_get(p, &st);
    CHECK(st.compiles == 1, "compiles %llu", (unsigned long long)st.compiles);
    CHECK(st.instances_created >= 1 && st.instances_created <= THREADS,
          "instances created %llu, at most one per thread",
          (unsigned long long)st.instances_created);
    CHECK(st.messages == (uint64_t)THREADS * PER_THREAD && st.errors == 0,
          "messages %llu errors %llu", (unsigned long long)st.messages,
          (unsigned long long)st.errors);

    /* Pool reuse: more rounds create nothing new. */
    uint64_t created = st.instances_created;
    for (int i = 0; i < 1000; i++) {
        wp_message *m = run_one(p, "again", 5);
        CHECK(bytes_are(m, "AGAIN", 5), "again %d", i);
        wp_message_destroy(m);
    }
    wp_processor_stats_get(p, &st);
    CHECK(st.instances_created == created && st.compiles == 1,
          "reuse: created %llu (was %llu), compiles %llu",
          (unsigned long long)st.instances_created, (unsigned long long)created,
          (unsigned long long)st.compiles);
    wp_processor_destroy(p);
}

static void test_max_instances(void)
{
    wp_processor_config cfg = { .max_instances = 1 };
    wp_processor *p = make_processor("upper", NULL, &cfg);
    if (p == NULL)
        return;
    int wrong, errored;
    run("max_instances 1", p, 2000, 0, &wrong, &errored);
    CHECK(wrong == 0, "max_instances 1: %d messages wrong", wrong);
    wp_processor_stats st;
    wp_processor_stats_get(p, &st);
    CHECK(st.instances_created == 1 && st.instances_live == 1,
          "max_instances 1: created %llu, live %llu", (unsigned long long)st.instances_created,
          (unsigned long long)st.instances_live);
    wp_processor_destroy(p);

    /* With traps the bound still holds: a discarded instance frees its slot. */
    cfg.max_instances = 2;
    p = make_processor("upper", NULL, &cfg);
    if (p == NULL)
        return;
    run("max_instances 2 with traps", p, 2000, 50, &wrong, &errored);
    CHECK(wrong == 0 && errored == THREADS * 40, "max 2 with traps: %d wrong, %d errored",
          wrong, errored);
    wp_processor_stats_get(p, &st);
    CHECK(st.instances_live <= 2, "live %llu", (unsigned long long)st.instances_live);
    wp_processor_destroy(p);
}

static void test_parallel_traps(void)
{
    wp_processor *p = make_processor("upper", NULL, NULL);
    if (p == NULL)
        return;
    int wrong, errored;
    run("parallel traps", p, 5000, 13, &wrong, &errored);
    CHECK(wrong == 0, "parallel traps: %d messages wrong", wrong);
    CHECK(errored == THREADS * 385, "parallel traps: %d errored, want %d", errored,
          THREADS * 385);
    wp_processor_stats st;
    wp_processor_stats_get(p, &st);
    CHECK(st.instances_discarded == (uint64_t)THREADS * 385, "discarded %llu",
          (unsigned long long)st.instances_discarded);
    wp_processor_destroy(p);
}

int main(int argc, char **argv)
{
    test_init(argc, argv);
    test_parallel();
    test_max_instances();
    test_parallel_traps();
    return test_done("test_parallel");
}
