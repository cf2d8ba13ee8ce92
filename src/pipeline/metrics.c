/* Counters and the Prometheus text exposition of /metrics. */
#include "pl_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void pl_text_printf(pl_text *t, const char *fmt, ...) {
    if (t->failed) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = t->cap - t->len;
        int n = vsnprintf(t->s ? t->s + t->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0) {
            t->failed = true;
            return;
        }
        if ((size_t)n < room) {
            t->len += (size_t)n;
            return;
        }
        size_t cap = t->cap ? t->cap * 2 : 4096;
        while (cap - t->len <= (size_t)n) cap *= 2;
        char *s = pl_realloc(t->engine, t->s, t->cap, cap);
        if (!s) {
            t->failed = true;
            return;
        }
        t->s = s;
        t->cap = cap;
    }
}

void pl_text_free(pl_text *t) {
    pl_free(t->engine, t->s, t->cap);
    memset(t, 0, sizeof *t);
}

/* A label value: backslash, quote and newline escaped. */
static void escape(char *dst, size_t size, const char *src) {
    size_t j = 0;
    for (size_t i = 0; src && src[i] && j + 3 < size; i++) {
        char c = src[i];
        if (c == '\\' || c == '"') {
            dst[j++] = '\\';
            dst[j++] = c;
        } else if (c == '\n') {
            dst[j++] = '\\';
            dst[j++] = 'n';
        } else {
            dst[j++] = c;
        }
    }
    dst[j] = '\0';
}

void pl_comp_metrics_init(pl_comp_metrics *m, const char *label, const char *path) {
    escape(m->label, sizeof m->label, label ? label : "");
    escape(m->path, sizeof m->path, path);
    atomic_init(&m->received, 0);
    atomic_init(&m->sent, 0);
    atomic_init(&m->error, 0);
    atomic_init(&m->latency_sum_ns, 0);
    atomic_init(&m->latency_count, 0);
}

void pl_comp_metrics_time(pl_comp_metrics *m, uint64_t ns) {
    atomic_fetch_add_explicit(&m->latency_sum_ns, ns, memory_order_relaxed);
    atomic_fetch_add_explicit(&m->latency_count, 1, memory_order_relaxed);
}

uint64_t pl_now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

void pl_metrics_counter(pl_text *t, const char *name, const char *help,
                        const pl_comp_metrics *const *comps, size_t n, size_t field_offset) {
    pl_text_printf(t, "# HELP %s %s\n# TYPE %s counter\n", name, help, name);
    for (size_t i = 0; i < n; i++) {
        const _Atomic uint64_t *v =
            (const _Atomic uint64_t *)((const char *)comps[i] + field_offset);
        pl_text_printf(t, "%s{label=\"%s\",path=\"%s\"} %llu\n", name, comps[i]->label,
                       comps[i]->path, (unsigned long long)atomic_load(v));
    }
}

void pl_metrics_latency(pl_text *t, const char *name, const char *help,
                        const pl_comp_metrics *const *comps, size_t n) {
    pl_text_printf(t, "# HELP %s %s\n# TYPE %s summary\n", name, help, name);
    for (size_t i = 0; i < n; i++) {
        const pl_comp_metrics *c = comps[i];
        pl_text_printf(t, "%s_sum{label=\"%s\",path=\"%s\"} %llu\n", name, c->label, c->path,
                       (unsigned long long)atomic_load(&c->latency_sum_ns));
        pl_text_printf(t, "%s_count{label=\"%s\",path=\"%s\"} %llu\n", name, c->label, c->path,
                       (unsigned long long)atomic_load(&c->latency_count));
    }
}
