/* Arguments and environment (args_*, environ_*), signals (proc_raise) and
 * sockets (sock_*). The host gives a guest no sockets of its own, so the
 * socket calls only answer for descriptors the embedder passed in as
 * standard streams.
 */
#include "ws.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/uio.h>

/* Writes the pointer array and the packed strings: both ranges are checked
 * before anything is written. An empty list writes nothing and succeeds. */
static uint16_t strings_get(ws_ctx *c, const char *buf, uint32_t count, uint32_t size,
                            uint32_t ptrs, uint32_t data) {
    if (!ws_range_ok(c, ptrs, (uint64_t)count * 4) || !ws_range_ok(c, data, size))
        return WS_EFAULT;
    uint32_t at = 0;
    for (uint32_t i = 0; i < count; i++) {
        ws_st32(c->mem + ptrs + 4 * (uint64_t)i, data + at);
        at += (uint32_t)strlen(buf + at) + 1;
    }
    if (size) memmove(c->mem + data, buf, size);
    return WS_ESUCCESS;
}

static uint16_t sizes_get(ws_ctx *c, uint32_t count, uint32_t size, uint32_t count_ptr,
                          uint32_t size_ptr) {
    if (!ws_range_ok(c, count_ptr, 4) || !ws_range_ok(c, size_ptr, 4)) return WS_EFAULT;
    ws_st32(c->mem + count_ptr, count);
    ws_st32(c->mem + size_ptr, size);
    return WS_ESUCCESS;
}

uint16_t ws_args_get(ws_ctx *c, const uint64_t *args) {
    return strings_get(c, c->w->args, c->w->argc, c->w->args_size, ws_arg32(args, 0),
                       ws_arg32(args, 1));
}

uint16_t ws_args_sizes_get(ws_ctx *c, const uint64_t *args) {
    return sizes_get(c, c->w->argc, c->w->args_size, ws_arg32(args, 0), ws_arg32(args, 1));
}

uint16_t ws_environ_get(ws_ctx *c, const uint64_t *args) {
    return strings_get(c, c->w->env, c->w->envc, c->w->env_size, ws_arg32(args, 0),
                       ws_arg32(args, 1));
}

uint16_t ws_environ_sizes_get(ws_ctx *c, const uint64_t *args) {
    return sizes_get(c, c->w->envc, c->w->env_size, ws_arg32(args, 0), ws_arg32(args, 1));
}

/* Delivering a signal would reach the host process, which is not the
 * guest's to signal. wasi-libc's abort() traps instead of calling this. */
uint16_t ws_proc_raise(ws_ctx *c, const uint64_t *args) {
    (void)c;
    (void)args;
    return WS_ENOSYS;
}

/* Sockets. */

static uint16_t socket_fd(ws_ctx *c, uint32_t fd, uint64_t rights, ws_fd **out) {
    uint16_t e = ws_fd_lookup(c->w, fd, 0, out);
    if (e) return e;
    if ((*out)->filetype != WS_FILETYPE_SOCKET_STREAM &&
        (*out)->filetype != WS_FILETYPE_SOCKET_DGRAM)
        return WS_ENOTSOCK;
    if (((*out)->rights_base & rights) != rights) return WS_ENOTCAPABLE;
    return WS_ESUCCESS;
}

/* Accepting would create host sockets the embedder never granted. */
uint16_t ws_sock_accept(ws_ctx *c, const uint64_t *args) {
    ws_fd *f;
    uint16_t e = socket_fd(c, ws_arg32(args, 0), 0, &f);
    return e ? e : WS_ENOTSUP;
}

/* Gathers guest iovecs into host ones; same rules as fd_read/fd_write. */
static uint16_t gather(ws_ctx *c, uint32_t iovs, uint32_t n, struct iovec *out, int *count) {
    if (n > WS_MAX_IOVS) n = WS_MAX_IOVS;
    if (!ws_range_ok(c, iovs, (uint64_t)n * 8)) return WS_EFAULT;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t buf = ws_ld32(c->mem + iovs + 8 * i);
        uint32_t len = ws_ld32(c->mem + iovs + 8 * i + 4);
        if (!ws_range_ok(c, buf, len)) return WS_EFAULT;
        out[i].iov_base = c->mem + buf;
        out[i].iov_len = len;
    }
    *count = (int)n;
    return WS_ESUCCESS;
}

/* sock_recv(fd, ri_data, ri_data_len, ri_flags, ro_datalen*, ro_flags*) */
uint16_t ws_sock_recv(ws_ctx *c, const uint64_t *args) {
    ws_fd *f;
    uint16_t e = socket_fd(c, ws_arg32(args, 0), WS_RIGHT_FD_READ, &f);
    if (e) return e;
    uint32_t riflags = ws_arg32(args, 3), len_ptr = ws_arg32(args, 4),
             flags_ptr = ws_arg32(args, 5);
    if (riflags & ~3u) return WS_EINVAL;
    if (!ws_range_ok(c, len_ptr, 4) || !ws_range_ok(c, flags_ptr, 2)) return WS_EFAULT;
    struct iovec iov[WS_MAX_IOVS];
    int n;
    if ((e = gather(c, ws_arg32(args, 1), ws_arg32(args, 2), iov, &n))) return e;
    struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)n };
    int flags = ((riflags & 1u) ? MSG_PEEK : 0) | ((riflags & 2u) ? MSG_WAITALL : 0);
    if ((e = ws_wait_fd(c, f, POLLIN))) return e;
    ssize_t got = recvmsg(f->host, &msg, flags);
    if (got < 0) return ws_errno_now();
    ws_st32(c->mem + len_ptr, (uint32_t)got);
    ws_st16(c->mem + flags_ptr, (msg.msg_flags & MSG_TRUNC) ? 1 : 0);
    return WS_ESUCCESS;
}

/* sock_send(fd, si_data, si_data_len, si_flags, so_datalen*) */
uint16_t ws_sock_send(ws_ctx *c, const uint64_t *args) {
    ws_fd *f;
    uint16_t e = socket_fd(c, ws_arg32(args, 0), WS_RIGHT_FD_WRITE, &f);
    if (e) return e;
    uint32_t len_ptr = ws_arg32(args, 4);
    if (ws_arg32(args, 3) != 0) return WS_EINVAL;
    if (!ws_range_ok(c, len_ptr, 4)) return WS_EFAULT;
    struct iovec iov[WS_MAX_IOVS];
    int n;
    if ((e = gather(c, ws_arg32(args, 1), ws_arg32(args, 2), iov, &n))) return e;
    struct msghdr msg = { .msg_iov = iov, .msg_iovlen = (size_t)n };
    if ((e = ws_wait_fd(c, f, POLLOUT))) return e;
    ssize_t put = sendmsg(f->host, &msg, MSG_NOSIGNAL);
    if (put < 0) return ws_errno_now();
    ws_st32(c->mem + len_ptr, (uint32_t)put);
    return WS_ESUCCESS;
}

/* sock_shutdown(fd, sdflags) */
uint16_t ws_sock_shutdown(ws_ctx *c, const uint64_t *args) {
    ws_fd *f;
    uint16_t e = socket_fd(c, ws_arg32(args, 0), WS_RIGHT_SOCK_SHUTDOWN, &f);
    if (e) return e;
    uint32_t how = ws_arg32(args, 1);
    int h;
    switch (how) {
    case 1: h = SHUT_RD; break;
    case 2: h = SHUT_WR; break;
    case 3: h = SHUT_RDWR; break;
    default: return WS_EINVAL;
    }
    return shutdown(f->host, h) == 0 ? WS_ESUCCESS : ws_errno_now();
}
