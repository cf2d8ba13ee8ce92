/* The guest's file-descriptor table and the translation of host facts into
 * WASI ones: host errno values, file types, rights by type and stat
 * results. Guest descriptors are indexes into wp_wasi.fds; they are never
 * host descriptor numbers, so a guest cannot name a host file it was not
 * given.
 */
#include "ws.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

uint16_t ws_errno_from_host(int e) {
    switch (e) {
    case 0: return WS_ESUCCESS;
    case E2BIG: return WS_E2BIG;
    case EACCES: return WS_EACCES;
    case EADDRINUSE: return WS_EADDRINUSE;
    case EADDRNOTAVAIL: return WS_EADDRNOTAVAIL;
    case EAFNOSUPPORT: return WS_EAFNOSUPPORT;
    case EAGAIN: return WS_EAGAIN;
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK: return WS_EAGAIN;
#endif
    case EALREADY: return WS_EALREADY;
    case EBADF: return WS_EBADF;
    case EBADMSG: return WS_EBADMSG;
    case EBUSY: return WS_EBUSY;
    case ECANCELED: return WS_ECANCELED;
    case ECHILD: return WS_ECHILD;
    case ECONNABORTED: return WS_ECONNABORTED;
    case ECONNREFUSED: return WS_ECONNREFUSED;
    case ECONNRESET: return WS_ECONNRESET;
    case EDEADLK: return WS_EDEADLK;
    case EDESTADDRREQ: return WS_EDESTADDRREQ;
    case EDOM: return WS_EDOM;
    case EDQUOT: return WS_EDQUOT;
    case EEXIST: return WS_EEXIST;
    case EFAULT: return WS_EFAULT;
    case EFBIG: return WS_EFBIG;
    case EHOSTUNREACH: return WS_EHOSTUNREACH;
    case EIDRM: return WS_EIDRM;
    case EILSEQ: return WS_EILSEQ;
    case EINPROGRESS: return WS_EINPROGRESS;
    case EINTR: return WS_EINTR;
    case EINVAL: return WS_EINVAL;
    case EIO: return WS_EIO;
    case EISCONN: return WS_EISCONN;
    case EISDIR: return WS_EISDIR;
    case ELOOP: return WS_ELOOP;
    case EMFILE: return WS_EMFILE;
    case EMLINK: return WS_EMLINK;
    case EMSGSIZE: return WS_EMSGSIZE;
    case EMULTIHOP: return WS_EMULTIHOP;
    case ENAMETOOLONG: return WS_ENAMETOOLONG;
    case ENETDOWN: return WS_ENETDOWN;
    case ENETRESET: return WS_ENETRESET;
    case ENETUNREACH: return WS_ENETUNREACH;
    case ENFILE: return WS_ENFILE;
    case ENOBUFS: return WS_ENOBUFS;
    case ENODEV: return WS_ENODEV;
    case ENOENT: return WS_ENOENT;
    case ENOEXEC: return WS_ENOEXEC;
    case ENOLCK: return WS_ENOLCK;
    case ENOLINK: return WS_ENOLINK;
    case ENOMEM: return WS_ENOMEM;
    case ENOMSG: return WS_ENOMSG;
    case ENOPROTOOPT: return WS_ENOPROTOOPT;
    case ENOSPC: return WS_ENOSPC;
    case ENOSYS: return WS_ENOSYS;
    case ENOTCONN: return WS_ENOTCONN;
    case ENOTDIR: return WS_ENOTDIR;
    case ENOTEMPTY: return WS_ENOTEMPTY;
    case ENOTRECOVERABLE: return WS_ENOTRECOVERABLE;
    case ENOTSOCK: return WS_ENOTSOCK;
    case ENOTSUP: return WS_ENOTSUP;
#if EOPNOTSUPP != ENOTSUP
    case EOPNOTSUPP: return WS_ENOTSUP;
#endif
    case ENOTTY: return WS_ENOTTY;
    case ENXIO: return WS_ENXIO;
    case EOVERFLOW: return WS_EOVERFLOW;
    case EOWNERDEAD: return WS_EOWNERDEAD;
    case EPERM: return WS_EPERM;
    case EPIPE: return WS_EPIPE;
    case EPROTO: return WS_EPROTO;
    case EPROTONOSUPPORT: return WS_EPROTONOSUPPORT;
    case EPROTOTYPE: return WS_EPROTOTYPE;
    case ERANGE: return WS_ERANGE;
    case EROFS: return WS_EROFS;
    case ESPIPE: return WS_ESPIPE;
    case ESRCH: return WS_ESRCH;
    case ESTALE: return WS_ESTALE;
    case ETIMEDOUT: return WS_ETIMEDOUT;
    case ETXTBSY: return WS_ETXTBSY;
    case EXDEV: return WS_EXDEV;
    default: return WS_EIO;
    }
}

uint16_t ws_errno_now(void) {
    return ws_errno_from_host(errno);
}

ws_fd *ws_fd_get(wp_wasi *w, uint32_t fd) {
    if (fd >= w->nfds || w->fds[fd].kind == WS_FD_FREE) return NULL;
    return &w->fds[fd];
}

uint16_t ws_fd_lookup(wp_wasi *w, uint32_t fd, uint64_t rights, ws_fd **out) {
    ws_fd *f = ws_fd_get(w, fd);
    *out = f;
    if (!f) return WS_EBADF;
    if ((f->rights_base & rights) != rights) return WS_ENOTCAPABLE;
    return WS_ESUCCESS;
}

uint16_t ws_fd_alloc(wp_wasi *w, uint32_t *out) {
    for (uint32_t i = 0; i < w->nfds; i++) {
        if (w->fds[i].kind == WS_FD_FREE) {
            *out = i;
            return WS_ESUCCESS;
        }
    }
    if (w->nfds >= WS_MAX_FDS) return WS_EMFILE;
    uint32_t n = w->nfds * 2 < 16 ? 16 : w->nfds * 2;
    if (n > WS_MAX_FDS) n = WS_MAX_FDS;
    ws_fd *fds = wp_engine_realloc(w->engine, w->fds, w->nfds * sizeof *fds, n * sizeof *fds);
    if (!fds) return WS_ENOMEM; /* the grown part comes zeroed */
    for (uint32_t i = w->nfds; i < n; i++) fds[i].host = -1;
    *out = w->nfds;
    w->fds = fds;
    w->nfds = n;
    return WS_ESUCCESS;
}

void ws_fd_release(wp_wasi *w, ws_fd *f) {
    if (f->dir) closedir(f->dir); /* its own dup of host */
    if (f->owned && f->host >= 0) close(f->host);
    if (f->preopen) wp_engine_free(w->engine, f->preopen, (size_t)f->preopen_len + 1);
    memset(f, 0, sizeof *f);
    f->host = -1;
}

uint8_t ws_filetype_of_mode(mode_t mode) {
    if (S_ISREG(mode)) return WS_FILETYPE_REGULAR_FILE;
    if (S_ISDIR(mode)) return WS_FILETYPE_DIRECTORY;
    if (S_ISCHR(mode)) return WS_FILETYPE_CHARACTER_DEVICE;
    if (S_ISBLK(mode)) return WS_FILETYPE_BLOCK_DEVICE;
    if (S_ISLNK(mode)) return WS_FILETYPE_SYMBOLIC_LINK;
    /* Sockets are told apart by type in ws_fd_init_host; FIFOs have no
     * WASI type of their own. */
    return WS_FILETYPE_UNKNOWN;
}

uint64_t ws_rights_for_type(uint8_t filetype) {
    switch (filetype) {
    case WS_FILETYPE_DIRECTORY: return WS_RIGHTS_DIR;
    case WS_FILETYPE_REGULAR_FILE:
    case WS_FILETYPE_BLOCK_DEVICE: return WS_RIGHTS_FILE;
    case WS_FILETYPE_SOCKET_STREAM:
    case WS_FILETYPE_SOCKET_DGRAM:
        return WS_RIGHTS_STREAM | WS_RIGHT_SOCK_SHUTDOWN | WS_RIGHT_SOCK_ACCEPT;
    default:
        /* Terminals and pipes: no seek or tell, which is also how wasi-libc's
         * isatty() tells a terminal from a file. */
        return WS_RIGHTS_STREAM;
    }
}

uint16_t ws_fd_init_host(ws_fd *f, int host, bool owned, uint64_t rights_mask,
                         uint64_t inheriting) {
    struct stat st;
    if (host < 0 || fstat(host, &st) != 0) return WS_EBADF;
    uint8_t type = ws_filetype_of_mode(st.st_mode);
    if (S_ISSOCK(st.st_mode)) {
        int so = 0;
        socklen_t len = sizeof so;
        type = getsockopt(host, SOL_SOCKET, SO_TYPE, &so, &len) == 0 && so == SOCK_DGRAM
                   ? WS_FILETYPE_SOCKET_DGRAM
                   : WS_FILETYPE_SOCKET_STREAM;
    }
    memset(f, 0, sizeof *f);
    f->kind = WS_FD_HOST;
    f->host = host;
    f->owned = owned;
    f->filetype = type;
    f->rights_base = ws_rights_for_type(type) & rights_mask;
    f->rights_inheriting = type == WS_FILETYPE_DIRECTORY ? inheriting : 0;
    return WS_ESUCCESS;
}

static uint64_t timespec_ns(struct timespec ts) {
    if (ts.tv_sec < 0) return 0;
    return (uint64_t)ts.tv_sec * UINT64_C(1000000000) + (uint64_t)ts.tv_nsec;
}

void ws_filestat_from_stat(ws_filestat *out, const struct stat *st) {
    out->dev = (uint64_t)st->st_dev;
    out->ino = (uint64_t)st->st_ino;
    out->nlink = (uint64_t)st->st_nlink;
    out->size = st->st_size < 0 ? 0 : (uint64_t)st->st_size;
    out->atim = timespec_ns(st->st_atim);
    out->mtim = timespec_ns(st->st_mtim);
    out->ctim = timespec_ns(st->st_ctim);
    out->filetype = ws_filetype_of_mode(st->st_mode);
    if (S_ISSOCK(st->st_mode)) out->filetype = WS_FILETYPE_SOCKET_STREAM;
}

void ws_filestat_store(uint8_t *p, const ws_filestat *st, bool snapshot0) {
    memset(p, 0, snapshot0 ? WS_FILESTAT0_SIZE : WS_FILESTAT_SIZE);
    ws_st64(p + 0, st->dev);
    ws_st64(p + 8, st->ino);
    p[16] = st->filetype;
    if (snapshot0) {
        ws_st32(p + 20, st->nlink > UINT32_MAX ? UINT32_MAX : (uint32_t)st->nlink);
        ws_st64(p + 24, st->size);
        ws_st64(p + 32, st->atim);
        ws_st64(p + 40, st->mtim);
        ws_st64(p + 48, st->ctim);
    } else {
        ws_st64(p + 24, st->nlink);
        ws_st64(p + 32, st->size);
        ws_st64(p + 40, st->atim);
        ws_st64(p + 48, st->mtim);
        ws_st64(p + 56, st->ctim);
    }
}
