/* Operations on open descriptors (fd_*): reading and writing with
 * scatter/gather, positioning, metadata, directory listing, preopen
 * queries, renumbering and closing. The three standard-stream kinds (host
 * descriptor, null, callback) are handled here; everything else is a host
 * descriptor.
 */
#include "ws.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

/* A descriptor without the right to read (write) behaves like a POSIX one
 * opened the other way, and a directory like a directory. */
static uint16_t io_fd(ws_ctx *c, uint32_t fd, uint64_t right, ws_fd **out) {
    uint16_t e = ws_fd_lookup(c->w, fd, right, out);
    if (e == WS_ENOTCAPABLE)
        return (*out)->filetype == WS_FILETYPE_DIRECTORY ? WS_EISDIR : WS_EBADF;
    return e;
}

/* Copies guest iovecs into host ones, checking each buffer. More than
 * WS_MAX_IOVS entries make a short transfer, which the guest must handle
 * anyway. */
static uint16_t load_iovs(ws_ctx *c, uint32_t iovs, uint32_t n, struct iovec *out,
                          uint32_t *count) {
    if (!ws_range_ok(c, iovs, (uint64_t)n * 8)) return WS_EFAULT;
    if (n > WS_MAX_IOVS) n = WS_MAX_IOVS;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t buf = ws_ld32(c->mem + iovs + 8 * (uint64_t)i);
        uint32_t len = ws_ld32(c->mem + iovs + 8 * (uint64_t)i + 4);
        if (!ws_range_ok(c, buf, len)) return WS_EFAULT;
        out[i].iov_base = c->mem + buf;
        out[i].iov_len = len;
    }
    *count = n;
    return WS_ESUCCESS;
}

/* Positional transfer, one iovec at a time, stopping at the first short
 * one (preadv/pwritev are not POSIX). */
static uint16_t positional(ws_fd *f, struct iovec *iov, uint32_t n, uint64_t offset,
                           bool write, uint64_t *done) {
    uint64_t total = 0;
    if (offset > INT64_MAX) return WS_EINVAL;
    for (uint32_t i = 0; i < n; i++) {
        if (iov[i].iov_len == 0) continue;
        uint64_t at = offset + total;
        if (at > INT64_MAX) return total ? WS_ESUCCESS : WS_EINVAL;
        ssize_t r = write ? pwrite(f->host, iov[i].iov_base, iov[i].iov_len, (off_t)at)
                          : pread(f->host, iov[i].iov_base, iov[i].iov_len, (off_t)at);
        if (r < 0) {
            if (total) break;
            return ws_errno_now();
        }
        total += (uint64_t)r;
        if ((size_t)r < iov[i].iov_len) break;
    }
    *done = total;
    return WS_ESUCCESS;
}

/* EAGAIN when a guest that asked for non-blocking I/O on a borrowed
 * descriptor would block (see fd_fdstat_set_flags). */
static uint16_t would_block(const ws_fd *f, short events) {
    if (f->owned || !(f->flags & WS_FDFLAG_NONBLOCK)) return WS_ESUCCESS;
    struct pollfd p = { .fd = f->host, .events = events, .revents = 0 };
    int r = poll(&p, 1, 0);
    if (r < 0) return ws_errno_now();
    return r == 0 ? WS_EAGAIN : WS_ESUCCESS;
}

/* fd_read(fd, iovs, iovs_len, nread*) and fd_pread(..., offset, nread*) */
static uint16_t do_read(ws_ctx *c, uint32_t fd, uint32_t iovs, uint32_t niovs, bool pos,
                        uint64_t offset, uint32_t result) {
    ws_fd *f;
    struct iovec iov[WS_MAX_IOVS];
    uint32_t n;
    uint64_t got = 0;
    uint16_t e = io_fd(c, fd, WS_RIGHT_FD_READ | (pos ? WS_RIGHT_FD_SEEK : 0), &f);
    if (e == WS_EBADF && f && pos && (f->rights_base & WS_RIGHT_FD_READ)) e = WS_ESPIPE;
    if (e) return e;
    if (!ws_range_ok(c, result, 4)) return WS_EFAULT;
    if ((e = load_iovs(c, iovs, niovs, iov, &n))) return e;
    if (f->kind == WS_FD_HOST) {
        if (pos) {
            if ((e = positional(f, iov, n, offset, false, &got))) return e;
        } else {
            if ((e = would_block(f, POLLIN)) || (e = ws_wait_fd(c, f, POLLIN))) return e;
            ssize_t r = readv(f->host, iov, (int)n);
            if (r < 0) return ws_errno_now();
            got = (uint64_t)r;
        }
    } else if (f->kind != WS_FD_NULL) {
        return WS_EBADF;
    }
    return ws_put32(c, result, (uint32_t)got);
}

uint16_t ws_fd_read(ws_ctx *c, const uint64_t *args) {
    return do_read(c, ws_arg32(args, 0), ws_arg32(args, 1), ws_arg32(args, 2), false, 0,
                   ws_arg32(args, 3));
}

uint16_t ws_fd_pread(ws_ctx *c, const uint64_t *args) {
    return do_read(c, ws_arg32(args, 0), ws_arg32(args, 1), ws_arg32(args, 2), true,
                   args[3], ws_arg32(args, 4));
}

/* Hands each buffer to the embedder's callback; a refusal after some bytes
 * were taken is a short write. */
static uint16_t callback_write(ws_fd *f, const struct iovec *iov, uint32_t n, uint64_t *done) {
    uint64_t total = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (iov[i].iov_len == 0) continue;
        if (f->write(f->user, iov[i].iov_base, iov[i].iov_len) != 0) {
            if (total) break;
            return WS_EIO;
        }
        total += iov[i].iov_len;
    }
    *done = total;
    return WS_ESUCCESS;
}

/* fd_write(fd, iovs, iovs_len, nwritten*) and fd_pwrite(..., offset, nwritten*) */
static uint16_t do_write(ws_ctx *c, uint32_t fd, uint32_t iovs, uint32_t niovs, bool pos,
                         uint64_t offset, uint32_t result) {
    ws_fd *f;
    struct iovec iov[WS_MAX_IOVS];
    uint32_t n;
    uint64_t put = 0;
    uint16_t e = io_fd(c, fd, WS_RIGHT_FD_WRITE | (pos ? WS_RIGHT_FD_SEEK : 0), &f);
    if (e == WS_EBADF && f && pos && (f->rights_base & WS_RIGHT_FD_WRITE)) e = WS_ESPIPE;
    if (e) return e;
    if (!ws_range_ok(c, result, 4)) return WS_EFAULT;
    if ((e = load_iovs(c, iovs, niovs, iov, &n))) return e;
    switch (f->kind) {
    case WS_FD_HOST:
        if (pos) {
            if ((e = positional(f, iov, n, offset, true, &put))) return e;
        } else {
            if ((e = would_block(f, POLLOUT)) || (e = ws_wait_fd(c, f, POLLOUT))) return e;
            ssize_t r = writev(f->host, iov, (int)n);
            if (r < 0) return ws_errno_now();
            put = (uint64_t)r;
        }
        break;
    case WS_FD_CALLBACK:
        if ((e = callback_write(f, iov, n, &put))) return e;
        break;
    default:
        for (uint32_t i = 0; i < n; i++) put += iov[i].iov_len;
        break;
    }
    /* Up to WS_MAX_IOVS buffers of at most 4 GiB each can exceed u32; the
     * guest's libc loops on short writes, so report what fits. */
    return ws_put32(c, result, put > UINT32_MAX ? UINT32_MAX : (uint32_t)put);
}

uint16_t ws_fd_write(ws_ctx *c, const uint64_t *args) {
    return do_write(c, ws_arg32(args, 0), ws_arg32(args, 1), ws_arg32(args, 2), false, 0,
                    ws_arg32(args, 3));
}

uint16_t ws_fd_pwrite(ws_ctx *c, const uint64_t *args) {
    return do_write(c, ws_arg32(args, 0), ws_arg32(args, 1), ws_arg32(args, 2), true,
                    args[3], ws_arg32(args, 4));
}

/* Positioning. The host decides for pipes (ESPIPE, as POSIX would); a
 * directory has no position to seek or tell (EBADF, as wasmtime answers);
 * the right is only enforced on regular files, where its absence means the
 * guest dropped it. */
static uint16_t seek_fd(ws_ctx *c, uint32_t fd, uint64_t right, ws_fd **out) {
    uint16_t e = ws_fd_lookup(c->w, fd, 0, out);
    if (e) return e;
    if ((*out)->kind != WS_FD_HOST) return WS_ESPIPE;
    /* Linux would answer 0 for a directory; there is no offset to have. */
    if ((*out)->filetype == WS_FILETYPE_DIRECTORY) return WS_EBADF;
    if ((*out)->filetype == WS_FILETYPE_REGULAR_FILE && !((*out)->rights_base & right))
        return WS_ENOTCAPABLE;
    return WS_ESUCCESS;
}

uint16_t ws_seek_common(ws_ctx *c, uint32_t fd, int64_t offset, uint32_t whence,
                        uint32_t result_ptr) {
    ws_fd *f;
    int how;
    switch (whence) {
    case WS_WHENCE_SET: how = SEEK_SET; break;
    case WS_WHENCE_CUR: how = SEEK_CUR; break;
    case WS_WHENCE_END: how = SEEK_END; break;
    default: return WS_EINVAL;
    }
    bool tell = offset == 0 && whence == WS_WHENCE_CUR;
    uint16_t e = seek_fd(c, fd, tell ? WS_RIGHT_FD_TELL : WS_RIGHT_FD_SEEK, &f);
    if (e) return e;
    if (!ws_range_ok(c, result_ptr, 8)) return WS_EFAULT;
    off_t r = lseek(f->host, (off_t)offset, how);
    if (r < 0) return ws_errno_now();
    return ws_put64(c, result_ptr, (uint64_t)r);
}

/* fd_seek(fd, offset, whence, newoffset*) */
uint16_t ws_fd_seek(ws_ctx *c, const uint64_t *args) {
    return ws_seek_common(c, ws_arg32(args, 0), (int64_t)args[1], ws_arg32(args, 2) & 0xff,
                          ws_arg32(args, 3));
}

/* fd_tell(fd, offset*) */
uint16_t ws_fd_tell(ws_ctx *c, const uint64_t *args) {
    return ws_seek_common(c, ws_arg32(args, 0), 0, WS_WHENCE_CUR, ws_arg32(args, 1));
}

/* fd_close(fd) */
uint16_t ws_fd_close(ws_ctx *c, const uint64_t *args) {
    ws_fd *f = ws_fd_get(c->w, ws_arg32(args, 0));
    if (!f) return WS_EBADF;
    ws_fd_release(c->w, f);
    return WS_ESUCCESS;
}

/* fd_renumber(fd, to): `to` must be open; it is closed and replaced. */
uint16_t ws_fd_renumber(ws_ctx *c, const uint64_t *args) {
    uint32_t from = ws_arg32(args, 0), to = ws_arg32(args, 1);
    ws_fd *src = ws_fd_get(c->w, from), *dst = ws_fd_get(c->w, to);
    if (!src || !dst) return WS_EBADF;
    if (from == to) return WS_ESUCCESS;
    ws_fd_release(c->w, dst);
    *dst = *src;
    memset(src, 0, sizeof *src);
    src->host = -1;
    return WS_ESUCCESS;
}

static uint16_t sync_fd(ws_ctx *c, const uint64_t *args, bool data_only) {
    ws_fd *f;
    uint16_t e = ws_fd_lookup(c->w, ws_arg32(args, 0),
                              data_only ? WS_RIGHT_FD_DATASYNC : WS_RIGHT_FD_SYNC, &f);
    if (e) return e;
    if (f->kind != WS_FD_HOST) return WS_EINVAL;
    int r = data_only ? fdatasync(f->host) : fsync(f->host);
    return r == 0 ? WS_ESUCCESS : ws_errno_now();
}

uint16_t ws_fd_sync(ws_ctx *c, const uint64_t *args) {
    return sync_fd(c, args, false);
}

uint16_t ws_fd_datasync(ws_ctx *c, const uint64_t *args) {
    return sync_fd(c, args, true);
}

/* fd_advise(fd, offset, len, advice) */
uint16_t ws_fd_advise(ws_ctx *c, const uint64_t *args) {
    static const int advice[] = { POSIX_FADV_NORMAL, POSIX_FADV_SEQUENTIAL, POSIX_FADV_RANDOM,
                                  POSIX_FADV_WILLNEED, POSIX_FADV_DONTNEED, POSIX_FADV_NOREUSE };
    ws_fd *f;
    uint32_t a = ws_arg32(args, 3) & 0xff;
    uint16_t e = ws_fd_lookup(c->w, ws_arg32(args, 0), WS_RIGHT_FD_ADVISE, &f);
    if (e) return e;
    if (a >= sizeof advice / sizeof advice[0]) return WS_EINVAL;
    if (args[1] > INT64_MAX || args[2] > INT64_MAX) return WS_EINVAL;
    int r = posix_fadvise(f->host, (off_t)args[1], (off_t)args[2], advice[a]);
    return ws_errno_from_host(r);
}

/* fd_allocate(fd, offset, len) */
uint16_t ws_fd_allocate(ws_ctx *c, const uint64_t *args) {
    ws_fd *f;
    uint16_t e = ws_fd_lookup(c->w, ws_arg32(args, 0), WS_RIGHT_FD_ALLOCATE, &f);
    if (e) return e;
    if (args[1] > INT64_MAX || args[2] > INT64_MAX || args[1] + args[2] > INT64_MAX)
        return WS_EFBIG;
    if (args[2] == 0) return WS_EINVAL;
    return ws_errno_from_host(posix_fallocate(f->host, (off_t)args[1], (off_t)args[2]));
}

/* fd_fdstat_get(fd, fdstat*) */
uint16_t ws_fd_fdstat_get(ws_ctx *c, const uint64_t *args) {
    ws_fd *f = ws_fd_get(c->w, ws_arg32(args, 0));
    uint32_t ptr = ws_arg32(args, 1);
    if (!f) return WS_EBADF;
    if (!ws_range_ok(c, ptr, WS_FDSTAT_SIZE)) return WS_EFAULT;
    uint16_t flags = f->flags;
    if (f->kind == WS_FD_HOST) {
        int fl = fcntl(f->host, F_GETFL);
        if (fl < 0) return ws_errno_now();
        flags = f->flags; /* the kept flags of a borrowed descriptor */
        if (fl & O_APPEND) flags |= WS_FDFLAG_APPEND;
        if (fl & O_NONBLOCK) flags |= WS_FDFLAG_NONBLOCK;
        if ((fl & O_SYNC) == O_SYNC) flags |= WS_FDFLAG_SYNC;
        else if (fl & O_DSYNC) flags |= WS_FDFLAG_DSYNC;
    }
    uint8_t *p = c->mem + ptr;
    memset(p, 0, WS_FDSTAT_SIZE);
    p[0] = f->filetype;
    ws_st16(p + 2, flags);
    ws_st64(p + 8, f->rights_base);
    ws_st64(p + 16, f->rights_inheriting);
    return WS_ESUCCESS;
}

/* fd_fdstat_set_flags(fd, flags): only append and nonblock can change after
 * open on the hosts we run on. A borrowed descriptor (a standard stream of
 * the embedder) shares its file description with the host process, and a
 * shell whose terminal was left non-blocking misbehaves after the guest
 * exits, so for those the flags are kept here and honoured in do_read and
 * do_write instead. */
uint16_t ws_fd_fdstat_set_flags(ws_ctx *c, const uint64_t *args) {
    ws_fd *f;
    uint32_t flags = ws_arg32(args, 1) & 0xffff;
    uint16_t e = ws_fd_lookup(c->w, ws_arg32(args, 0), WS_RIGHT_FD_FDSTAT_SET_FLAGS, &f);
    if (e) return e;
    if (flags & ~0x1fu) return WS_EINVAL;
    if (flags & (WS_FDFLAG_DSYNC | WS_FDFLAG_RSYNC | WS_FDFLAG_SYNC)) return WS_ENOTSUP;
    if (f->kind != WS_FD_HOST || !f->owned) {
        f->flags = (uint16_t)flags;
        return WS_ESUCCESS;
    }
    int fl = fcntl(f->host, F_GETFL);
    if (fl < 0) return ws_errno_now();
    fl &= ~(O_APPEND | O_NONBLOCK);
    if (flags & WS_FDFLAG_APPEND) fl |= O_APPEND;
    if (flags & WS_FDFLAG_NONBLOCK) fl |= O_NONBLOCK;
    return fcntl(f->host, F_SETFL, fl) == 0 ? WS_ESUCCESS : ws_errno_now();
}

/* fd_fdstat_set_rights(fd, base, inheriting): rights only ever shrink. */
uint16_t ws_fd_fdstat_set_rights(ws_ctx *c, const uint64_t *args) {
    ws_fd *f = ws_fd_get(c->w, ws_arg32(args, 0));
    if (!f) return WS_EBADF;
    if ((args[1] & ~f->rights_base) || (args[2] & ~f->rights_inheriting))
        return WS_ENOTCAPABLE;
    f->rights_base = args[1];
    f->rights_inheriting = args[2];
    return WS_ESUCCESS;
}

uint16_t ws_fd_filestat_common(ws_ctx *c, uint32_t fd, uint32_t buf_ptr, bool snapshot0) {
    ws_fd *f;
    ws_filestat st;
    uint16_t e = ws_fd_lookup(c->w, fd, WS_RIGHT_FD_FILESTAT_GET, &f);
    if (e) return e;
    if (!ws_range_ok(c, buf_ptr, snapshot0 ? WS_FILESTAT0_SIZE : WS_FILESTAT_SIZE))
        return WS_EFAULT;
    memset(&st, 0, sizeof st);
    if (f->kind == WS_FD_HOST) {
        struct stat hs;
        if (fstat(f->host, &hs) != 0) return ws_errno_now();
        ws_filestat_from_stat(&st, &hs);
    }
    st.filetype = f->filetype;
    ws_filestat_store(c->mem + buf_ptr, &st, snapshot0);
    return WS_ESUCCESS;
}

/* fd_filestat_get(fd, filestat*) */
uint16_t ws_fd_filestat_get(ws_ctx *c, const uint64_t *args) {
    return ws_fd_filestat_common(c, ws_arg32(args, 0), ws_arg32(args, 1), false);
}

/* fd_filestat_set_size(fd, size) */
uint16_t ws_fd_filestat_set_size(ws_ctx *c, const uint64_t *args) {
    ws_fd *f;
    uint16_t e = ws_fd_lookup(c->w, ws_arg32(args, 0), WS_RIGHT_FD_FILESTAT_SET_SIZE, &f);
    if (e) return e;
    if (args[1] > INT64_MAX) return WS_EFBIG;
    return ftruncate(f->host, (off_t)args[1]) == 0 ? WS_ESUCCESS : ws_errno_now();
}

uint16_t ws_times_from(uint64_t atim, uint64_t mtim, uint32_t fst, struct timespec ts[2]) {
    if ((fst & ~0xfu) ||
        ((fst & WS_FSTFLAG_ATIM) && (fst & WS_FSTFLAG_ATIM_NOW)) ||
        ((fst & WS_FSTFLAG_MTIM) && (fst & WS_FSTFLAG_MTIM_NOW)))
        return WS_EINVAL;
    const uint64_t given[2] = { atim, mtim };
    const uint32_t set[2] = { WS_FSTFLAG_ATIM, WS_FSTFLAG_MTIM };
    const uint32_t now[2] = { WS_FSTFLAG_ATIM_NOW, WS_FSTFLAG_MTIM_NOW };
    for (int i = 0; i < 2; i++) {
        ts[i].tv_sec = 0;
        if (fst & set[i]) {
            ts[i].tv_sec = (time_t)(given[i] / 1000000000u);
            ts[i].tv_nsec = (long)(given[i] % 1000000000u);
        } else {
            ts[i].tv_nsec = (fst & now[i]) ? UTIME_NOW : UTIME_OMIT;
        }
    }
    return WS_ESUCCESS;
}

/* fd_filestat_set_times(fd, atim, mtim, fstflags) */
uint16_t ws_fd_filestat_set_times(ws_ctx *c, const uint64_t *args) {
    ws_fd *f;
    struct timespec ts[2];
    uint16_t e = ws_fd_lookup(c->w, ws_arg32(args, 0), WS_RIGHT_FD_FILESTAT_SET_TIMES, &f);
    if (e) return e;
    if ((e = ws_times_from(args[1], args[2], ws_arg32(args, 3) & 0xffff, ts))) return e;
    return futimens(f->host, ts) == 0 ? WS_ESUCCESS : ws_errno_now();
}

/* fd_prestat_get(fd, prestat*): EBADF for anything not preopened, which is
 * how wasi-libc finds the end of the preopens. */
uint16_t ws_fd_prestat_get(ws_ctx *c, const uint64_t *args) {
    ws_fd *f = ws_fd_get(c->w, ws_arg32(args, 0));
    uint32_t ptr = ws_arg32(args, 1);
    if (!f || !f->preopen) return WS_EBADF;
    if (!ws_range_ok(c, ptr, 8)) return WS_EFAULT;
    memset(c->mem + ptr, 0, 8);
    ws_st32(c->mem + ptr + 4, f->preopen_len);
    return WS_ESUCCESS;
}

/* fd_prestat_dir_name(fd, path, path_len) */
uint16_t ws_fd_prestat_dir_name(ws_ctx *c, const uint64_t *args) {
    ws_fd *f = ws_fd_get(c->w, ws_arg32(args, 0));
    uint32_t ptr = ws_arg32(args, 1), len = ws_arg32(args, 2);
    if (!f || !f->preopen) return WS_EBADF;
    if (!ws_range_ok(c, ptr, len)) return WS_EFAULT;
    if (len < f->preopen_len) return WS_ENAMETOOLONG;
    memcpy(c->mem + ptr, f->preopen, f->preopen_len);
    return WS_ESUCCESS;
}

/* ---------------------------------------------------------------- fd_readdir */

static uint8_t dirent_type(DIR *d, const struct dirent *ent) {
    switch (ent->d_type) {
    case DT_REG: return WS_FILETYPE_REGULAR_FILE;
    case DT_DIR: return WS_FILETYPE_DIRECTORY;
    case DT_LNK: return WS_FILETYPE_SYMBOLIC_LINK;
    case DT_CHR: return WS_FILETYPE_CHARACTER_DEVICE;
    case DT_BLK: return WS_FILETYPE_BLOCK_DEVICE;
    case DT_SOCK: return WS_FILETYPE_SOCKET_STREAM;
    case DT_FIFO: return WS_FILETYPE_UNKNOWN;
    default: {
        struct stat st;
        if (fstatat(dirfd(d), ent->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            return WS_FILETYPE_UNKNOWN;
        return ws_filetype_of_mode(st.st_mode);
    }
    }
}

/* Opens the listing stream on a duplicate (fdopendir takes ownership) and
 * puts it at entry `cookie`. Cookies are entry indexes, so any cookie the
 * guest got from us is valid, even after a rewind. */
static uint16_t dir_at(ws_fd *f, uint64_t cookie) {
    if (!f->dir) {
        int d = fcntl(f->host, F_DUPFD_CLOEXEC, 0);
        if (d < 0) return ws_errno_now();
        f->dir = fdopendir(d);
        if (!f->dir) {
            uint16_t e = ws_errno_now();
            close(d);
            return e;
        }
        rewinddir(f->dir);
        f->dir_pos = 0;
    }
    if (cookie < f->dir_pos) {
        rewinddir(f->dir);
        f->dir_pos = 0;
    }
    while (f->dir_pos < cookie) {
        errno = 0;
        if (!readdir(f->dir)) return errno ? ws_errno_now() : WS_ESUCCESS;
        f->dir_pos++;
    }
    return WS_ESUCCESS;
}

/* fd_readdir(fd, buf, buf_len, cookie, bufused*): fills the buffer with
 * entries, the last one cut short if it does not fit (the guest then grows
 * its buffer or skips it); bufused < buf_len means the end was reached. */
uint16_t ws_fd_readdir(ws_ctx *c, const uint64_t *args) {
    ws_fd *f;
    uint32_t buf = ws_arg32(args, 1), len = ws_arg32(args, 2), result = ws_arg32(args, 4);
    uint64_t cookie = args[3];
    uint16_t e = ws_fd_lookup(c->w, ws_arg32(args, 0), WS_RIGHT_FD_READDIR, &f);
    if (e) return e == WS_ENOTCAPABLE && f->filetype != WS_FILETYPE_DIRECTORY ? WS_ENOTDIR : e;
    if (!ws_range_ok(c, buf, len) || !ws_range_ok(c, result, 4)) return WS_EFAULT;
    if ((e = dir_at(f, cookie))) return e;

    uint32_t used = 0;
    while (used < len) {
        long loc = telldir(f->dir);
        errno = 0;
        struct dirent *ent = readdir(f->dir);
        if (!ent) {
            if (errno) return ws_errno_now();
            break;
        }
        uint8_t head[WS_DIRENT_SIZE] = { 0 };
        size_t namlen = strlen(ent->d_name);
        ws_st64(head, f->dir_pos + 1);
        ws_st64(head + 8, (uint64_t)ent->d_ino);
        ws_st32(head + 16, (uint32_t)namlen);
        head[20] = dirent_type(f->dir, ent);
        uint64_t need = WS_DIRENT_SIZE + namlen;
        uint32_t room = len - used;
        uint32_t n = room < WS_DIRENT_SIZE ? room : WS_DIRENT_SIZE;
        memcpy(c->mem + buf + used, head, n);
        if (room > WS_DIRENT_SIZE) {
            uint32_t m = room - WS_DIRENT_SIZE < namlen ? room - WS_DIRENT_SIZE : (uint32_t)namlen;
            memcpy(c->mem + buf + used + WS_DIRENT_SIZE, ent->d_name, m);
        }
        if (need > room) {
            /* Cut short: hand the entry out again on the next call. */
            seekdir(f->dir, loc);
            used = len;
            break;
        }
        used += (uint32_t)need;
        f->dir_pos++;
    }
    return ws_put32(c, result, used);
}
