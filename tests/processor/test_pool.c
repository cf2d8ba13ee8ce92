/* The pool when instances cannot be made. The engine here allocates through
 * a test allocator that can be told to fail every allocation, which is what
 * instance creation meets under an address-space or memory limit. With one
 * instance alive and creation failing, 8 threads must all be served by that
 * one (waiting for it), every message correct; when the only instance is
 * lost and none can be made, just the message at hand is errored ("no
 * instance"), processing goes on, and it recovers once creation works. */
#include "common.h"

#include <pthread.h>
#include <stdatomic.h>

static atomic_bool fail_alloc;
static atomic_ulong failed_allocs;

static void *test_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    (void)ud;
    (void)old_size;
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    if (atomic_load(&fail_alloc)) {
        atomic_fetch_add(&failed_allocs, 1);
        return NULL;
    }
    return realloc(ptr, new_size);
}

enum { THREADS = 8, PER_THREAD = 3000, BATCH = 50 };

/* Every thread starts at once, so they compete for the one instance. */
static pthread_barrier_t start;

typedef struct job {
    wp_processor *p;
    int           id, wrong;
    wp_status     status;
} job;

static void *worker(void *arg)
{
    job *j = arg;
    wp_message *msgs[BATCH];
    /* Long messages keep the instance busy for a while. */
    char text[2048], want[2048];
    pthread_barrier_wait(&start);
    for (int base = 0; base < PER_THREAD; base += BATCH) {
        for (int i = 0; i < BATCH; i++) {
            int len = snprintf(text, sizeof text, "thread %d message %d %01500d", j->id,
                               base + i, 0);
            msgs[i] = wp_message_create((const uint8_t *)text, (size_t)len);
        }
        wp_error err;
        wp_status s = wp_processor_process(j->p, msgs, BATCH, &err);
        if (s != WP_OK)
            j->status = s;
        for (int i = 0; i < BATCH; i++) {
            int len = snprintf(want, sizeof want, "THREAD %d MESSAGE %d %01500d", j->id,
                               base + i, 0);
            if (wp_message_error(msgs[i]) != NULL || !bytes_are(msgs[i], want, (size_t)len)) {
                if (j->wrong++ == 0)
                    fprintf(stderr, "first wrong: %s (%s)\n", shown(msgs[i]),
                            wp_message_error(msgs[i]) ? wp_message_error(msgs[i]) : "no error");
            }
            wp_message_destroy(msgs[i]);
        }
    }
    return NULL;
}

static wp_processor *make(wp_engine *e)
{
    wp_processor_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.module_path = module_path("upper");
    wp_processor *p = NULL;
    wp_error err;
    CHECK(wp_processor_create(e, &cfg, &p, &err) == WP_OK, "create: %s", err.msg);
    if (p == NULL)
        return NULL;
    /* Every path of the module runs once (functions may be translated on
     * their first call), so that only instance creation meets the failing
     * allocator later. The trap replaces the instance. */
    wp_message *m = run_one(p, "warm", 4);
    wp_message_destroy(m);
    m = run_one(p, "!warm", 5);
    CHECK(has_text(wp_message_error(m), "unreachable"), "warm-up trap: %s",
          wp_message_error(m));
    wp_message_destroy(m);
    m = run_one(p, "again", 5);   /* makes the replacement */
    CHECK(bytes_are(m, "AGAIN", 5), "warm-up: %s", shown(m));
    wp_message_destroy(m);
    /* The host's staging buffers (allocated through the engine) grow to
     * the size of the workers' messages now, so serving those later
     * allocates nothing. */
    char text[2048], want[2048];
    int len = snprintf(text, sizeof text, "thread 0 message 0 %01500d", 0);
    snprintf(want, sizeof want, "THREAD 0 MESSAGE 0 %01500d", 0);
    m = run_one(p, text, (size_t)len);
    CHECK(bytes_are(m, want, (size_t)len), "long warm-up: %s", shown(m));
    wp_message_destroy(m);
    return p;
}

static void test_wait_for_the_others(wp_engine *e)
{
    wp_processor *p = make(e);
    if (p == NULL)
        return;
    wp_processor_stats st;
    wp_processor_stats_get(p, &st);
    uint64_t created = st.instances_created;
    atomic_store(&fail_alloc, true);
    pthread_t tid[THREADS];
    job jobs[THREADS];
    pthread_barrier_init(&start, NULL, THREADS);
    for (int t = 0; t < THREADS; t++) {
        jobs[t] = (job){ .p = p, .id = t, .status = WP_OK };
        CHECK(pthread_create(&tid[t], NULL, worker, &jobs[t]) == 0, "thread");
    }
    int wrong = 0;
    for (int t = 0; t < THREADS; t++) {
        pthread_join(tid[t], NULL);
        wrong += jobs[t].wrong;
        CHECK(jobs[t].status == WP_OK, "thread %d: status %d", t, (int)jobs[t].status);
    }
    pthread_barrier_destroy(&start);
    atomic_store(&fail_alloc, false);
    CHECK(wrong == 0, "%d of %d messages wrong or errored", wrong, THREADS * PER_THREAD);
    wp_processor_stats_get(p, &st);
    CHECK(st.instances_live == 1 && st.instances_created == created,
          "live %llu created %llu (was %llu)", (unsigned long long)st.instances_live,
          (unsigned long long)st.instances_created, (unsigned long long)created);
    CHECK(st.instance_failures >= 1 && atomic_load(&failed_allocs) >= 1,
          "creation was tried and failed (%llu failures)",
          (unsigned long long)st.instance_failures);
    CHECK(st.messages == (uint64_t)THREADS * PER_THREAD + 4 && st.errors == 1,
          "messages %llu errors %llu", (unsigned long long)st.messages,
          (unsigned long long)st.errors);
    wp_processor_destroy(p);
}

static void test_none_can_serve(wp_engine *e)
{
    wp_processor *p = make(e);
    if (p == NULL)
        return;
    atomic_store(&fail_alloc, true);
    /* "!" traps, which discards the only instance; the next message finds
     * none and cannot make one: it alone is errored, and the call works. */
    wp_message *msgs[3] = {
        wp_message_create((const uint8_t *)"!trap", 5),
        wp_message_create((const uint8_t *)"next", 4),
        wp_message_create((const uint8_t *)"after", 5),
    };
    wp_error err;
    wp_status s = wp_processor_process(p, msgs, 3, &err);
    CHECK(s == WP_OK, "the processor goes on: status %d (%s)", (int)s, err.msg);
    CHECK(has_text(wp_message_error(msgs[0]), "unreachable"), "trap: %s",
          wp_message_error(msgs[0]));
    CHECK(has_text(wp_message_error(msgs[1]), "no instance"), "next: %s",
          wp_message_error(msgs[1]));
    CHECK(has_text(wp_message_error(msgs[2]), "no instance"), "after: %s",
          wp_message_error(msgs[2]));
    CHECK(bytes_are(msgs[1], "next", 4), "an errored message keeps its bytes");
    for (int i = 0; i < 3; i++)
        wp_message_destroy(msgs[i]);
    /* Once instances can be made again, messages are served again. */
    atomic_store(&fail_alloc, false);
    wp_message *m = run_one(p, "back", 4);
    CHECK(wp_message_error(m) == NULL && bytes_are(m, "BACK", 4), "recovered: %s (%s)",
          shown(m), wp_message_error(m) ? wp_message_error(m) : "");
    wp_message_destroy(m);
    wp_processor_destroy(p);
}

int main(int argc, char **argv)
{
    test_init(argc, argv);
    wp_engine_config ec;
    memset(&ec, 0, sizeof ec);
    ec.alloc = test_alloc;
    wp_engine *e = NULL;
    wp_error err;
    if (wp_engine_create(&ec, &e, &err) != WP_OK) {
        fprintf(stderr, "engine: %s\n", err.msg);
        return 1;
    }
    test_wait_for_the_others(e);
    test_none_can_serve(e);
    wp_engine_destroy(e);
    return test_done("test_pool");
}
