/* Interrupt handles (wp_interrupt): a start function that never returns is
 * stopped while wp_instance_create runs it, whether the handle fires
 * before instantiation begins or from another thread while the start
 * function spins; once the instance exists, the handle interrupts its
 * calls as wp_instance_interrupt does. Without the handle such a start
 * function would hang this test (CTest's timeout then fails it). */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "wasmpipe/runtime.h"

static int failures;
static int checks;

#define CHECK(name, cond, ...)                                                \
    do {                                                                      \
        checks++;                                                             \
        if (!(cond)) {                                                        \
            failures++;                                                       \
            printf("FAIL %s: ", name);                                        \
            printf(__VA_ARGS__);                                              \
            printf("\n");                                                     \
        }                                                                     \
    } while (0)

/* (module (func $spin (export "spin") (loop $l (br $l))) (start $spin)) */
static const uint8_t start_spin[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60,
    0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x07, 0x08, 0x01, 0x04, 0x73, 0x70,
    0x69, 0x6e, 0x00, 0x00, 0x08, 0x01, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x00,
    0x03, 0x40, 0x0c, 0x00, 0x0b, 0x0b
};

/* The same without the start section. */
static const uint8_t just_spin[] = {
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x60,
    0x00, 0x00, 0x03, 0x02, 0x01, 0x00, 0x07, 0x08, 0x01, 0x04, 0x73, 0x70,
    0x69, 0x6e, 0x00, 0x00, 0x0a, 0x09, 0x01, 0x07, 0x00, 0x03, 0x40, 0x0c,
    0x00, 0x0b, 0x0b
};

/* Fires the handle every millisecond until told to stop, so that the fire
 * lands while the start function runs however the threads are scheduled. */
typedef struct firer {
    wp_interrupt   *h;
    pthread_mutex_t lock;
    bool            stop;
} firer;

static void *fire_main(void *arg)
{
    firer *f = arg;
    struct timespec ms = { 0, 1000000 };
    for (;;) {
        nanosleep(&ms, NULL);
        pthread_mutex_lock(&f->lock);
        bool stop = f->stop;
        pthread_mutex_unlock(&f->lock);
        if (stop)
            return NULL;
        wp_interrupt_fire(f->h);
    }
}

static void firer_stop(firer *f, pthread_t t)
{
    pthread_mutex_lock(&f->lock);
    f->stop = true;
    pthread_mutex_unlock(&f->lock);
    pthread_join(t, NULL);
}

static bool interrupted(wp_status s, const wp_error *err)
{
    return s == WP_ERR_TRAP && err->detail == WP_TRAP_INTERRUPTED;
}

static wp_module *compile(wp_engine *e, const uint8_t *b, size_t n)
{
    wp_module *m = NULL;
    wp_error err;
    if (wp_module_compile(e, b, n, &m, &err) != WP_OK) {
        printf("FAIL compile: %s\n", err.msg);
        failures++;
    }
    return m;
}

static void test_start(wp_engine *e)
{
    wp_module *m = compile(e, start_spin, sizeof start_spin);
    if (m == NULL)
        return;
    wp_interrupt *h = NULL;
    wp_error err;
    if (wp_interrupt_create(e, &h, &err) != WP_OK) {
        printf("FAIL wp_interrupt_create: %s\n", err.msg);
        failures++;
        wp_module_destroy(m);
        return;
    }
    wp_instance_config ic = { .interrupt = h };
    wp_instance *in = NULL;

    /* Fired before instantiation: the start function stops at once. */
    wp_interrupt_fire(h);
    wp_status s = wp_instance_create(m, NULL, &ic, &in, &err);
    CHECK("fired before", interrupted(s, &err) && in == NULL
              && strstr(err.msg, "start function 0 (spin)") != NULL,
          "found %s: %s", wp_status_text(s), s == WP_OK ? "" : err.msg);
    wp_instance_destroy(in);

    /* Fired from another thread while the start function spins. */
    for (int round = 0; round < 3; round++) {
        firer f = { .h = h, .stop = false };
        pthread_mutex_init(&f.lock, NULL);
        pthread_t t;
        pthread_create(&t, NULL, fire_main, &f);
        in = NULL;
        s = wp_instance_create(m, NULL, &ic, &in, &err);
        firer_stop(&f, t);
        pthread_mutex_destroy(&f.lock);
        CHECK("fired during start", interrupted(s, &err) && in == NULL, "round %d: found %s: %s",
              round, wp_status_text(s), s == WP_OK ? "" : err.msg);
        wp_instance_destroy(in);
    }
    wp_interrupt_destroy(h);
    wp_module_destroy(m);
}

static void test_after(wp_engine *e)
{
    wp_module *m = compile(e, just_spin, sizeof just_spin);
    if (m == NULL)
        return;
    wp_interrupt *h = NULL;
    wp_error err;
    if (wp_interrupt_create(e, &h, &err) != WP_OK) {
        wp_module_destroy(m);
        return;
    }
    /* A fire before the instance exists is forgotten once it is made:
     * there was no start function to stop. */
    wp_interrupt_fire(h);
    wp_instance_config ic = { .interrupt = h };
    wp_instance *in = NULL;
    wp_status s = wp_instance_create(m, NULL, &ic, &in, &err);
    CHECK("no start function", s == WP_OK, "found %s: %s", wp_status_text(s),
          s == WP_OK ? "" : err.msg);
    if (s == WP_OK) {
        wp_extern ext;
        if (wp_instance_export(in, "spin", &ext, &err) == WP_OK) {
            firer f = { .h = h, .stop = false };
            pthread_mutex_init(&f.lock, NULL);
            pthread_t t;
            pthread_create(&t, NULL, fire_main, &f);
            s = wp_func_call(ext.of.func, NULL, 0, NULL, 0, &err);
            firer_stop(&f, t);
            pthread_mutex_destroy(&f.lock);
            CHECK("call interrupted through the handle", interrupted(s, &err), "found %s: %s",
                  wp_status_text(s), s == WP_OK ? "" : err.msg);
        }
        wp_instance_destroy(in);
    }
    /* Detached: firing now touches nothing. */
    wp_interrupt_fire(h);
    wp_interrupt_destroy(h);
    wp_module_destroy(m);
}

int main(void)
{
    wp_engine *e = NULL;
    wp_error err;
    if (wp_engine_create(NULL, &e, &err) != WP_OK) {
        printf("FAIL engine: %s\n", err.msg);
        return 1;
    }
    test_start(e);
    test_after(e);
    wp_engine_destroy(e);
    printf("%d checks, %d failures\n", checks, failures);
    return failures ? 1 : 0;
}
