/* Time and waiting: clock_res_get, clock_time_get, random_get, sched_yield
 * and poll_oneoff. Clocks and random bytes come straight from the host OS.
 * poll_oneoff waits on clock deadlines and on descriptor readiness with
 * ws_wait (an interrupt of the guest's call ends the wait); descriptors
 * that never block (regular files, the null and callback streams) are ready
 * at once.
 */
#include "ws.h"

#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

static bool host_clock(uint32_t id, clockid_t *out) {
    switch (id) {
    case WS_CLOCK_REALTIME: *out = CLOCK_REALTIME; return true;
    case WS_CLOCK_MONOTONIC: *out = CLOCK_MONOTONIC; return true;
    case WS_CLOCK_PROCESS_CPUTIME: *out = CLOCK_PROCESS_CPUTIME_ID; return true;
    case WS_CLOCK_THREAD_CPUTIME: *out = CLOCK_THREAD_CPUTIME_ID; return true;
    default: return false;
    }
}

static uint64_t ts_ns(const struct timespec *ts) {
    return (uint64_t)ts->tv_sec * UINT64_C(1000000000) + (uint64_t)ts->tv_nsec;
}

static uint16_t clock_now(uint32_t id, uint64_t *out) {
    clockid_t cid;
    struct timespec ts;
    *out = 0;
    if (!host_clock(id, &cid)) return WS_EINVAL;
    if (clock_gettime(cid, &ts) != 0) return ws_errno_now();
    *out = ts_ns(&ts);
    return WS_ESUCCESS;
}

/* clock_res_get(id, resolution*) */
uint16_t ws_clock_res_get(ws_ctx *c, const uint64_t *args) {
    clockid_t cid;
    struct timespec ts;
    uint32_t ptr = ws_arg32(args, 1);
    if (!host_clock(ws_arg32(args, 0), &cid)) return WS_EINVAL;
    if (!ws_range_ok(c, ptr, 8)) return WS_EFAULT;
    if (clock_getres(cid, &ts) != 0) return ws_errno_now();
    uint64_t res = ts_ns(&ts);
    return ws_put64(c, ptr, res ? res : 1); /* the spec wants it nonzero */
}

/* clock_time_get(id, precision, time*) */
uint16_t ws_clock_time_get(ws_ctx *c, const uint64_t *args) {
    uint64_t now;
    uint32_t ptr = ws_arg32(args, 2);
    uint16_t e = clock_now(ws_arg32(args, 0), &now);
    if (e) return e;
    return ws_put64(c, ptr, now);
}

/* random_get(buf, len): getentropy() hands out at most 256 bytes a call. */
uint16_t ws_random_get(ws_ctx *c, const uint64_t *args) {
    uint32_t buf = ws_arg32(args, 0), len = ws_arg32(args, 1);
    if (!ws_range_ok(c, buf, len)) return WS_EFAULT;
    for (uint32_t at = 0; at < len;) {
        size_t n = len - at > 256 ? 256 : len - at;
        if (getentropy(c->mem + buf + at, n) != 0) return ws_errno_now();
        at += (uint32_t)n;
    }
    return WS_ESUCCESS;
}

uint16_t ws_sched_yield(ws_ctx *c, const uint64_t *args) {
    (void)c;
    (void)args;
    sched_yield();
    return WS_ESUCCESS;
}

/* ---------------------------------------------------------------- poll_oneoff */

typedef struct sub {
    uint64_t userdata;
    uint8_t  type;
    uint32_t clock_id;
    uint64_t timeout;
    uint16_t flags;
    uint32_t fd;
    /* results */
    bool     ready;
    uint16_t error;
    uint64_t nbytes;
    uint16_t rwflags;
    int      pollix;     /* index in the pollfd array, or -1 */
    uint64_t deadline;   /* clock subscriptions: monotonic nanoseconds */
} sub;

/* Decodes one subscription in either layout. */
static void sub_load(const uint8_t *p, bool snapshot0, sub *s) {
    memset(s, 0, sizeof *s);
    s->pollix = -1;
    s->userdata = ws_ld64(p);
    s->type = p[8];
    if (s->type == WS_EVENT_CLOCK) {
        const uint8_t *q = p + (snapshot0 ? 24 : 16);
        s->clock_id = ws_ld32(q);
        s->timeout = ws_ld64(q + 8);
        s->flags = ws_ld16(q + 24);
    } else {
        s->fd = ws_ld32(p + 16);
    }
}

/* Turns a clock subscription into a deadline on the monotonic clock. */
static void clock_deadline(sub *s, uint64_t mono_now) {
    uint64_t now;
    s->error = clock_now(s->clock_id, &now);
    if (s->error) {
        s->ready = true;
        return;
    }
    uint64_t wait;
    if (s->flags & WS_SUBCLOCK_ABSTIME)
        wait = s->timeout > now ? s->timeout - now : 0;
    else
        wait = s->timeout;
    s->deadline = mono_now + wait < mono_now ? UINT64_MAX : mono_now + wait;
    if (wait == 0) s->ready = true;
}

/* Decides an fd subscription without waiting where it can. */
static void fd_check(ws_ctx *c, sub *s, struct pollfd *pfds, int *npfds) {
    bool read = s->type == WS_EVENT_FD_READ;
    ws_fd *f;
    uint16_t e = ws_fd_lookup(c->w, s->fd, WS_RIGHT_POLL_FD_READWRITE, &f);
    if (!e) e = ws_fd_lookup(c->w, s->fd, read ? WS_RIGHT_FD_READ : WS_RIGHT_FD_WRITE, &f);
    if (e) {
        s->error = e == WS_ENOTCAPABLE && f ? WS_EBADF : e;
        s->ready = true;
        return;
    }
    if (f->kind != WS_FD_HOST) {
        s->ready = true; /* null and callback streams never block */
        return;
    }
    if (f->filetype == WS_FILETYPE_REGULAR_FILE) {
        s->ready = true;
        if (read) {
            struct stat st;
            off_t pos = lseek(f->host, 0, SEEK_CUR);
            if (fstat(f->host, &st) == 0 && pos >= 0 && st.st_size > pos)
                s->nbytes = (uint64_t)(st.st_size - pos);
        }
        return;
    }
    s->pollix = *npfds;
    pfds[*npfds].fd = f->host;
    pfds[*npfds].events = read ? POLLIN : POLLOUT;
    pfds[*npfds].revents = 0;
    (*npfds)++;
}

static void fd_result(sub *s, const struct pollfd *p) {
    if (p->revents == 0) return;
    s->ready = true;
    if (p->revents & POLLNVAL) {
        s->error = WS_EBADF;
        return;
    }
    if (p->revents & (POLLHUP | POLLERR)) s->rwflags = WS_EVENTRW_HANGUP;
    if (s->type == WS_EVENT_FD_READ) {
        int avail = 0;
        if (ioctl(p->fd, FIONREAD, &avail) == 0 && avail > 0) s->nbytes = (uint64_t)avail;
    }
}

uint16_t ws_poll_common(ws_ctx *c, uint32_t in, uint32_t out, uint32_t nsubs,
                        uint32_t nevents_ptr, bool snapshot0) {
    uint32_t sub_size = snapshot0 ? WS_SUBSCRIPTION0_SIZE : WS_SUBSCRIPTION_SIZE;
    if (nsubs == 0) return WS_EINVAL;
    if (!ws_range_ok(c, in, (uint64_t)nsubs * sub_size) ||
        !ws_range_ok(c, out, (uint64_t)nsubs * WS_EVENT_SIZE) || !ws_range_ok(c, nevents_ptr, 4))
        return WS_EFAULT;
    if (nsubs > WS_MAX_SUBSCRIPTIONS) return WS_ENOMEM;

    wp_engine *eng = c->w->engine;
    sub *subs = wp_engine_alloc(eng, nsubs * sizeof *subs);
    struct pollfd *pfds = wp_engine_alloc(eng, nsubs * sizeof *pfds);
    if (!subs || !pfds) {
        wp_engine_free(eng, subs, nsubs * sizeof *subs);
        wp_engine_free(eng, pfds, nsubs * sizeof *pfds);
        return WS_ENOMEM;
    }
    uint64_t mono = 0;
    clock_now(WS_CLOCK_MONOTONIC, &mono);
    int npfds = 0;
    bool any_ready = false;
    uint64_t first_deadline = UINT64_MAX;
    for (uint32_t i = 0; i < nsubs; i++) {
        sub *s = &subs[i];
        sub_load(c->mem + in + (uint64_t)i * sub_size, snapshot0, s);
        switch (s->type) {
        case WS_EVENT_CLOCK:
            clock_deadline(s, mono);
            if (!s->ready && s->deadline < first_deadline) first_deadline = s->deadline;
            break;
        case WS_EVENT_FD_READ:
        case WS_EVENT_FD_WRITE:
            fd_check(c, s, pfds, &npfds);
            break;
        default:
            s->error = WS_EINVAL;
            s->ready = true;
            break;
        }
        any_ready |= s->ready;
    }

    /* Wait until something is ready or the first deadline passes, in
     * slices that an interrupt or a cancellation can end (wait.c). */
    int r = 0;
    uint16_t e = WS_ESUCCESS;
    if (any_ready) {
        r = poll(pfds, (nfds_t)npfds, 0);
        if (r < 0 && errno != EINTR) e = ws_errno_now();
    } else if (npfds > 0 || first_deadline != UINT64_MAX) { /* else nothing can happen */
        r = ws_wait(c, pfds, (uint32_t)npfds, first_deadline, &e);
    }
    if (r < 0 && e) {
        wp_engine_free(eng, subs, nsubs * sizeof *subs);
        wp_engine_free(eng, pfds, nsubs * sizeof *pfds);
        return e;
    }

    uint64_t now = 0;
    clock_now(WS_CLOCK_MONOTONIC, &now);
    uint32_t nevents = 0;
    for (uint32_t i = 0; i < nsubs; i++) {
        sub *s = &subs[i];
        if (s->pollix >= 0) fd_result(s, &pfds[s->pollix]);
        if (s->type == WS_EVENT_CLOCK && !s->ready && s->deadline <= now) s->ready = true;
        if (!s->ready) continue;
        uint8_t *ev = c->mem + out + (uint64_t)nevents * WS_EVENT_SIZE;
        memset(ev, 0, WS_EVENT_SIZE);
        ws_st64(ev, s->userdata);
        ws_st16(ev + 8, s->error);
        ev[10] = s->type;
        if (s->type != WS_EVENT_CLOCK) {
            ws_st64(ev + 16, s->nbytes);
            ws_st16(ev + 24, s->rwflags);
        }
        nevents++;
    }
    wp_engine_free(eng, subs, nsubs * sizeof *subs);
    wp_engine_free(eng, pfds, nsubs * sizeof *pfds);
    ws_st32(c->mem + nevents_ptr, nevents);
    return WS_ESUCCESS;
}

/* poll_oneoff(in, out, nsubscriptions, nevents*) */
uint16_t ws_poll_oneoff(ws_ctx *c, const uint64_t *args) {
    return ws_poll_common(c, ws_arg32(args, 0), ws_arg32(args, 1), ws_arg32(args, 2),
                          ws_arg32(args, 3), false);
}
