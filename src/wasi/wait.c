/* Waiting that can be cut short. Every WASI call that may block (poll_oneoff
 * and reads or writes on pipes and terminals) waits here, in slices of at
 * most WS_WAIT_SLICE_NS, and looks between slices at whether the engine
 * was asked to interrupt the guest's call (the processor's timeout, a
 * signal) or the embedder cancelled the guest's waits (a shutdown). Either
 * ends the wait, and the dispatcher then ends the guest's call with a trap,
 * so that no host call outlives a deadline by more than one slice.
 */
#define _GNU_SOURCE /* ppoll: nanosecond timeouts */
#include "ws.h"

#include <errno.h>
#include <fcntl.h>
#include <time.h>

static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

/* Why the guest must stop waiting, or 0. */
static ws_stop stop_reason(ws_ctx *c) {
    if (c->call && wp_call_interrupted(c->call)) return WS_STOP_INTERRUPT;
    if (atomic_load_explicit(&c->w->cancelled, memory_order_relaxed)) return WS_STOP_CANCEL;
    return WS_STOP_NONE;
}

int ws_wait(ws_ctx *c, struct pollfd *pfds, uint32_t n, uint64_t deadline, uint16_t *err) {
    *err = WS_ESUCCESS;
    for (;;) {
        ws_stop why = stop_reason(c);
        if (why != WS_STOP_NONE) {
            c->stopped = why;
            *err = WS_EINTR;
            return -1;
        }
        uint64_t now = mono_ns();
        if (deadline != UINT64_MAX && now >= deadline) return 0;
        uint64_t left = deadline == UINT64_MAX ? WS_WAIT_SLICE_NS : deadline - now;
        if (left > WS_WAIT_SLICE_NS) left = WS_WAIT_SLICE_NS;
        struct timespec ts = { (time_t)(left / 1000000000u), (long)(left % 1000000000u) };
        int r = ppoll(pfds, (nfds_t)n, &ts, NULL);
        if (r > 0) return r;
        if (r < 0 && errno != EINTR) {
            *err = ws_errno_now();
            return -1;
        }
    }
}

uint16_t ws_wait_fd(ws_ctx *c, const ws_fd *f, short events) {
    if (f->kind != WS_FD_HOST || f->filetype == WS_FILETYPE_REGULAR_FILE ||
        f->filetype == WS_FILETYPE_DIRECTORY)
        return WS_ESUCCESS;
    /* A guest that asked not to block gets EAGAIN from the call itself. */
    if (!f->owned && (f->flags & WS_FDFLAG_NONBLOCK)) return WS_ESUCCESS;
    if (f->owned) {
        int fl = fcntl(f->host, F_GETFL);
        if (fl >= 0 && (fl & O_NONBLOCK)) return WS_ESUCCESS;
    }
    struct pollfd p = { .fd = f->host, .events = events, .revents = 0 };
    uint16_t e;
    return ws_wait(c, &p, 1, UINT64_MAX, &e) < 0 ? e : WS_ESUCCESS;
}

void wp_wasi_cancel(wp_wasi *w) {
    if (w) atomic_store(&w->cancelled, true);
}
