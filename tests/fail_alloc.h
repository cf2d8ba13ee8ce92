/* The allocation-failure injector of the tests that fail allocations in
 * turn (tests/processor/test_nomem.c, tests/pipeline/test_pipeline_nomem.c),
 * as SQLite's malloc tests do: an engine allocator (wp_alloc_fn) that counts
 * its calls and fails the Nth one, or every one from the Nth on, counts the
 * bytes outstanding, and checks that every free and realloc is told the
 * size that was asked for. One per test program (the global A).
 */
#ifndef WP_TEST_FAIL_ALLOC_H
#define WP_TEST_FAIL_ALLOC_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Each block carries its requested size in front of it, so a wrong
 * old_size is seen at once. 16 bytes keep malloc's alignment. */
typedef struct block_head {
    size_t size;
    size_t magic;
} block_head;

#define HEAD_MAGIC ((size_t)0x6e6f6d656d424c4bULL)

typedef struct fail_alloc {
    pthread_mutex_t lock;
    bool     armed;
    bool     fail_after;   /* every allocation from fail_at on fails */
    uint64_t fail_at;      /* 1-based number of the allocation that fails */
    uint64_t calls;        /* allocations (new_size > 0) while armed */
    uint64_t injected;     /* failures injected while armed */
    size_t   outstanding;  /* bytes held by the caller */
    uint64_t bad_sizes;    /* frees and reallocs with the wrong old_size */
} fail_alloc;

static fail_alloc A = { .lock = PTHREAD_MUTEX_INITIALIZER };

static inline void *test_alloc(void *ud, void *ptr, size_t old_size, size_t new_size) {
    fail_alloc *a = ud;
    block_head *h = ptr ? (block_head *)ptr - 1 : NULL;
    pthread_mutex_lock(&a->lock);
    if (h && (h->magic != HEAD_MAGIC || h->size != old_size)) {
        if (a->bad_sizes++ < 5)
            fprintf(stderr, "allocator: block of %zu bytes given back as %zu\n",
                    h->magic == HEAD_MAGIC ? h->size : (size_t)0, old_size);
    }
    if (!h && old_size != 0) a->bad_sizes++;
    if (new_size == 0) {
        if (h) {
            a->outstanding -= h->size;
            h->magic = 0;
        }
        pthread_mutex_unlock(&a->lock);
        free(h);
        return NULL;
    }
    bool fail = false;
    if (a->armed) {
        a->calls++;
        fail = a->fail_after ? a->calls >= a->fail_at : a->calls == a->fail_at;
        if (fail) a->injected++;
    }
    if (fail || new_size > SIZE_MAX - sizeof *h) {
        pthread_mutex_unlock(&a->lock);
        return NULL;
    }
    size_t was = h ? h->size : 0;
    block_head *n = realloc(h, sizeof *h + new_size);
    if (!n) {
        pthread_mutex_unlock(&a->lock);
        return NULL;
    }
    n->size = new_size;
    n->magic = HEAD_MAGIC;
    a->outstanding = a->outstanding - was + new_size;
    pthread_mutex_unlock(&a->lock);
    return n + 1;
}

static inline void arm(uint64_t n, bool after) {
    pthread_mutex_lock(&A.lock);
    A.armed = true;
    A.fail_after = after;
    A.fail_at = n;
    A.calls = 0;
    A.injected = 0;
    pthread_mutex_unlock(&A.lock);
}

/* Stops injecting; returns how many failures were injected. */
static inline uint64_t disarm(void) {
    pthread_mutex_lock(&A.lock);
    A.armed = false;
    uint64_t n = A.injected;
    pthread_mutex_unlock(&A.lock);
    return n;
}

static inline size_t outstanding(void) {
    pthread_mutex_lock(&A.lock);
    size_t n = A.outstanding;
    pthread_mutex_unlock(&A.lock);
    return n;
}

#endif
