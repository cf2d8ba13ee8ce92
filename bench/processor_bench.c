/* Benchmark of the wasm processor through its public API: the uppercase
 * example on 16 B, 1 KiB and 64 KiB messages with 1 and 2 threads
 * (messages per second and MB/s), and the cost of creating one instance.
 *
 * Each thread processes its own batch of messages over and over; the
 * uppercase of an uppercased message is the same work, so nothing is reset
 * between rounds and the loop measures only the processor's path: the pool,
 * the call, the host functions, the guest's malloc and free, the copies.
 * Instance creation is measured with the trap example: a message that traps
 * discards the instance, so the next message pays for a fresh one; the
 * median of many such messages, minus the median of the same message on a
 * warm instance, is the cost of one instance.
 *
 * usage: processor_bench [--seconds S] [--batch N] [--size B] [--threads T]
 *                        [--rounds R] UPPERCASE.wasm [TRAP.wasm]
 * --size and --threads run that one case instead of all six (for profiling).
 * --rounds runs exactly R rounds of 16 batches per thread instead of S
 * seconds, so that two runs under callgrind differ only in the number of
 * messages: (Ir(R2) - Ir(R1)) / (64 * 16 * (R2 - R1)) is the cost of one
 * message without the first call's compile.
 * Not part of CI: numbers from a shared machine are for comparison only.
 */
#include <wasmpipe/processor.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct worker {
    wp_processor *proc;
    size_t        size, batch;
    double        seconds;
    unsigned      rounds;      /* 0: run for seconds */
    uint64_t      messages;
    double        wall, cpu;
    int           failed;
} worker;

static void *run_worker(void *arg)
{
    worker *w = arg;
    wp_message **msgs = calloc(w->batch, sizeof *msgs);
    uint8_t *text = malloc(w->size);
    if (msgs == NULL || text == NULL) {
        w->failed = 1;
        free(msgs);
        free(text);
        return NULL;
    }
    for (size_t i = 0; i < w->size; i++)
        text[i] = (uint8_t)('a' + i % 26);
    for (size_t i = 0; i < w->batch; i++)
        msgs[i] = wp_message_create(text, w->size);

    wp_error err;
    double t0 = now_s(), c0 = cpu_s(), t;
    uint64_t n = 0;
    unsigned round = 0;
    do {
        for (int r = 0; r < 16; r++) {
            if (wp_processor_process(w->proc, msgs, w->batch, &err) != WP_OK) {
                fprintf(stderr, "process: %s\n", err.msg);
                w->failed = 1;
                break;
            }
            n += w->batch;
        }
        t = now_s();
        round++;
    } while (!w->failed && (w->rounds > 0 ? round < w->rounds : t - t0 < w->seconds));
    w->wall = t - t0;
    w->cpu = cpu_s() - c0;
    w->messages = n;

    for (size_t i = 0; i < w->batch; i++) {
        size_t len;
        const uint8_t *b = wp_message_bytes(msgs[i], &len);
        if (wp_message_error(msgs[i]) != NULL || len != w->size ||
            (w->size > 0 && b[0] != 'A')) {
            fprintf(stderr, "wrong output for message %zu\n", i);
            w->failed = 1;
        }
        wp_message_destroy(msgs[i]);
    }
    free(msgs);
    free(text);
    return NULL;
}

static int throughput(wp_engine *e, const char *path, size_t size, int threads, size_t batch,
                      double seconds, unsigned rounds)
{
    wp_processor_config cfg = { .module_path = path };
    wp_processor *p;
    wp_error err;
    if (wp_processor_create(e, &cfg, &p, &err) != WP_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    worker w[8];
    pthread_t tid[8];
    for (int i = 0; i < threads; i++) {
        w[i] = (worker){ .proc = p, .size = size, .batch = batch, .seconds = seconds,
                         .rounds = rounds };
        pthread_create(&tid[i], NULL, run_worker, &w[i]);
    }
    uint64_t total = 0;
    double wall = 0, cpu = 0;
    int failed = 0;
    for (int i = 0; i < threads; i++) {
        pthread_join(tid[i], NULL);
        total += w[i].messages;
        wall = w[i].wall > wall ? w[i].wall : wall;
        cpu += w[i].cpu;
        failed |= w[i].failed;
    }
    wp_processor_stats st;
    wp_processor_stats_get(p, &st);
    double rate = (double)total / wall;
    /* Per thread by CPU time: what one core does, whatever else runs. */
    double per_cpu = (double)total / cpu;
    printf("%6zu B  %d thread%s  %12.0f msg/s  %9.1f MB/s  %12.0f msg/s per CPU-second"
           "  (instances %llu)%s\n",
           size, threads, threads > 1 ? "s" : " ", rate, rate * (double)size / 1e6, per_cpu,
           (unsigned long long)st.instances_created, failed ? "  FAILED" : "");
    wp_processor_destroy(p);
    return failed;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    return v[n / 2];
}

static int instance_cost(wp_engine *e, const char *path, int rounds)
{
    wp_processor_config cfg = { .module_path = path };
    wp_processor *p;
    wp_error err;
    if (wp_processor_create(e, &cfg, &p, &err) != WP_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    double *fresh = calloc((size_t)rounds, sizeof *fresh);
    double *warm = calloc((size_t)rounds, sizeof *warm);
    wp_message *bad = wp_message_create((const uint8_t *)"x", 1);
    wp_message *good = wp_message_create((const uint8_t *)"4", 1);
    for (int i = 0; i < rounds; i++) {
        wp_processor_process(p, &bad, 1, &err);        /* discards the instance */
        wp_message_set_bytes(good, (const uint8_t *)"4", 1);
        double t0 = now_s();
        wp_processor_process(p, &good, 1, &err);       /* creates one */
        fresh[i] = now_s() - t0;
        wp_message_set_bytes(good, (const uint8_t *)"4", 1);
        t0 = now_s();
        wp_processor_process(p, &good, 1, &err);       /* reuses it */
        warm[i] = now_s() - t0;
    }
    double f = median(fresh, rounds), w = median(warm, rounds);
    printf("instance creation (%s): %.1f us (median of %d; message on a warm instance %.2f us)\n",
           path, (f - w) * 1e6, rounds, w * 1e6);
    wp_message_destroy(bad);
    wp_message_destroy(good);
    free(fresh);
    free(warm);
    wp_processor_destroy(p);
    return 0;
}

int main(int argc, char **argv)
{
    double seconds = 1.0;
    size_t batch = 64, only_size = 0;
    unsigned rounds = 0;
    int only_threads = 0;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i += 2) {
        if (i + 1 >= argc)
            break;
        if (strcmp(argv[i], "--seconds") == 0)
            seconds = atof(argv[i + 1]);
        else if (strcmp(argv[i], "--batch") == 0)
            batch = (size_t)atol(argv[i + 1]);
        else if (strcmp(argv[i], "--size") == 0)
            only_size = (size_t)atol(argv[i + 1]);
        else if (strcmp(argv[i], "--threads") == 0)
            only_threads = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--rounds") == 0)
            rounds = (unsigned)atol(argv[i + 1]);
    }
    if (i >= argc || batch == 0 || only_threads < 0 || only_threads > 8) {
        fprintf(stderr, "usage: processor_bench [--seconds S] [--batch N] [--size B] "
                        "[--threads 1-8] [--rounds R] UPPERCASE.wasm [TRAP.wasm]\n");
        return 2;
    }
    const char *upper = argv[i];
    const char *trap = i + 1 < argc ? argv[i + 1] : NULL;

    wp_engine *e;
    wp_error err;
    if (wp_engine_create(NULL, &e, &err) != WP_OK) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    int failed = 0;
    static const size_t sizes[] = { 16, 1024, 65536 };
    if (only_size > 0 || only_threads > 0)
        failed |= throughput(e, upper, only_size > 0 ? only_size : 16,
                             only_threads > 0 ? only_threads : 1, batch, seconds, rounds);
    else
        for (int t = 1; t <= 2; t++)
            for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++)
                failed |= throughput(e, upper, sizes[s], t, batch, seconds, rounds);
    if (trap != NULL)
        failed |= instance_cost(e, trap, 500);
    wp_engine_destroy(e);
    return failed;
}
