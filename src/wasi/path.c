/* Operations on paths relative to a directory descriptor (path_*). Each one
 * resolves its path through ws_path_resolve, which keeps it inside the
 * sandbox, and then makes one *at() call that does not follow a symbolic
 * link in the final position (the resolver has already done that when the
 * guest asked for it).
 */
#include "ws.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The directory a path is relative to. A descriptor lacking a path right
 * only because it is not a directory gets the POSIX answer. */
static uint16_t dir_fd(ws_ctx *c, uint32_t fd, uint64_t rights, ws_fd **out) {
    uint16_t e = ws_fd_lookup(c->w, fd, rights, out);
    if (e == WS_ENOTCAPABLE && (*out)->filetype != WS_FILETYPE_DIRECTORY) return WS_ENOTDIR;
    return e;
}

/* Looks up the directory and resolves the path in one step, for a call
 * that creates the final name: "file/" resolves with not_dir set. */
static uint16_t resolve_new_at(ws_ctx *c, uint32_t fd, uint64_t rights, uint32_t path,
                               uint32_t path_len, bool follow, ws_path *out) {
    ws_fd *d;
    memset(out, 0, sizeof *out);
    out->dirfd = -1;
    uint16_t e = dir_fd(c, fd, rights, &d);
    if (e) return e;
    return ws_path_resolve(c, d, path, path_len, follow, out);
}

/* The same for a call that uses an existing name: "file/" is ENOTDIR. */
static uint16_t resolve_at(ws_ctx *c, uint32_t fd, uint64_t rights, uint32_t path,
                           uint32_t path_len, bool follow, ws_path *out) {
    uint16_t e = resolve_new_at(c, fd, rights, path, path_len, follow, out);
    if (!e && out->not_dir) {
        ws_path_release(out);
        return WS_ENOTDIR;
    }
    return e;
}

/* Whether the final component exists (without following it). */
static bool exists_at(const ws_path *p) {
    struct stat st;
    return fstatat(p->dirfd, p->name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* A new link named with a trailing '/' is refused the way Linux refuses
 * it: EEXIST when the name is taken (by anything), else ENOENT, since a
 * link is never a directory. */
static uint16_t slash_link_name(const ws_path *p) {
    return exists_at(p) ? WS_EEXIST : WS_ENOENT;
}

/* path_create_directory(fd, path, path_len) */
uint16_t ws_path_create_directory(ws_ctx *c, const uint64_t *args) {
    ws_path p;
    uint16_t e = resolve_new_at(c, ws_arg32(args, 0), WS_RIGHT_PATH_CREATE_DIRECTORY,
                                ws_arg32(args, 1), ws_arg32(args, 2), false, &p);
    if (e) return e;
    if (p.not_dir)
        e = WS_EEXIST;
    else if (mkdirat(p.dirfd, p.name, 0777) != 0)
        e = ws_errno_now();
    ws_path_release(&p);
    return e;
}

uint16_t ws_path_filestat_common(ws_ctx *c, uint32_t fd, uint32_t flags, uint32_t path,
                                 uint32_t path_len, uint32_t buf_ptr, bool snapshot0) {
    ws_path p;
    if (!ws_range_ok(c, buf_ptr, snapshot0 ? WS_FILESTAT0_SIZE : WS_FILESTAT_SIZE))
        return WS_EFAULT;
    uint16_t e = resolve_at(c, fd, WS_RIGHT_PATH_FILESTAT_GET, path, path_len,
                            flags & WS_LOOKUP_SYMLINK_FOLLOW, &p);
    if (e) return e;
    struct stat st;
    if (fstatat(p.dirfd, p.name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        ws_filestat fs;
        ws_filestat_from_stat(&fs, &st);
        ws_filestat_store(c->mem + buf_ptr, &fs, snapshot0);
    } else {
        e = ws_errno_now();
    }
    ws_path_release(&p);
    return e;
}

/* path_filestat_get(fd, flags, path, path_len, filestat*) */
uint16_t ws_path_filestat_get(ws_ctx *c, const uint64_t *args) {
    return ws_path_filestat_common(c, ws_arg32(args, 0), ws_arg32(args, 1), ws_arg32(args, 2),
                                   ws_arg32(args, 3), ws_arg32(args, 4), false);
}

/* path_filestat_set_times(fd, flags, path, path_len, atim, mtim, fstflags) */
uint16_t ws_path_filestat_set_times(ws_ctx *c, const uint64_t *args) {
    ws_path p;
    struct timespec ts[2];
    uint16_t e = ws_times_from(args[4], args[5], ws_arg32(args, 6) & 0xffff, ts);
    if (e) return e;
    e = resolve_at(c, ws_arg32(args, 0), WS_RIGHT_PATH_FILESTAT_SET_TIMES, ws_arg32(args, 2),
                   ws_arg32(args, 3), ws_arg32(args, 1) & WS_LOOKUP_SYMLINK_FOLLOW, &p);
    if (e) return e;
    e = utimensat(p.dirfd, p.name, ts, AT_SYMLINK_NOFOLLOW) == 0 ? WS_ESUCCESS : ws_errno_now();
    ws_path_release(&p);
    return e;
}

/* A hard link to a symbolic link is a second symbolic link with the same
 * text, read from the new place: it must stay inside the sandbox there. */
static bool link_source_inside(const ws_path *from, uint32_t new_depth) {
    struct stat st;
    if (fstatat(from->dirfd, from->name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISLNK(st.st_mode))
        return true; /* not a link: linkat answers */
    char text[WS_MAX_PATH + 1];
    ssize_t n = readlinkat(from->dirfd, from->name, text, sizeof text);
    return n > 0 && (size_t)n <= WS_MAX_PATH && ws_link_text_inside(text, (size_t)n, new_depth);
}

/* path_link(old_fd, old_flags, old_path, old_len, new_fd, new_path, new_len) */
uint16_t ws_path_link(ws_ctx *c, const uint64_t *args) {
    ws_path from, to;
    uint16_t e = resolve_at(c, ws_arg32(args, 0), WS_RIGHT_PATH_LINK_SOURCE, ws_arg32(args, 2),
                            ws_arg32(args, 3), ws_arg32(args, 1) & WS_LOOKUP_SYMLINK_FOLLOW,
                            &from);
    if (e) return e;
    e = resolve_new_at(c, ws_arg32(args, 4), WS_RIGHT_PATH_LINK_TARGET, ws_arg32(args, 5),
                       ws_arg32(args, 6), false, &to);
    if (!e) {
        if (to.want_dir)
            e = slash_link_name(&to);
        else if (!link_source_inside(&from, to.depth))
            e = WS_ENOTCAPABLE;
        else if (linkat(from.dirfd, from.name, to.dirfd, to.name, 0) != 0)
            e = ws_errno_now();
        ws_path_release(&to);
    }
    ws_path_release(&from);
    return e;
}

/* Host open(2) flags for a path_open. Read and write access follow the
 * rights the guest asked for: wasi-libc, Rust and Go all request fd_read for
 * reading and fd_write for writing and leave those out otherwise. */
static uint16_t open_flags(uint32_t oflags, uint64_t base, uint32_t fdflags, bool want_dir,
                           int *out) {
    if ((oflags & ~0xfu) || (fdflags & ~0x1fu)) return WS_EINVAL;
    bool rd = base & (WS_RIGHT_FD_READ | WS_RIGHT_FD_READDIR);
    bool wr = base & WS_RIGHT_FD_WRITE;
    int fl = O_CLOEXEC | O_NOFOLLOW | O_NOCTTY;
    fl |= rd && wr ? O_RDWR : wr ? O_WRONLY : O_RDONLY;
    if (oflags & WS_OFLAG_CREAT) fl |= O_CREAT;
    if (oflags & WS_OFLAG_EXCL) fl |= O_EXCL;
    if (oflags & WS_OFLAG_TRUNC) fl |= O_TRUNC;
    if ((oflags & WS_OFLAG_DIRECTORY) || want_dir) fl |= O_DIRECTORY;
    if (fdflags & WS_FDFLAG_APPEND) fl |= O_APPEND;
    if (fdflags & WS_FDFLAG_NONBLOCK) fl |= O_NONBLOCK;
    if (fdflags & WS_FDFLAG_DSYNC) fl |= O_DSYNC;
    if (fdflags & WS_FDFLAG_SYNC) fl |= O_SYNC;
    if (fdflags & WS_FDFLAG_RSYNC) fl |= O_RSYNC;
    *out = fl;
    return WS_ESUCCESS;
}

/* path_open(fd, dirflags, path, path_len, oflags, rights_base,
 *           rights_inheriting, fdflags, fd*)
 * The new descriptor gets the rights asked for, within what the directory
 * may hand down and what apply to the file's type; asking for more is not
 * an error, since toolchains ask for everything they might use. */
uint16_t ws_path_open(ws_ctx *c, const uint64_t *args) {
    uint32_t fd = ws_arg32(args, 0), dirflags = ws_arg32(args, 1);
    uint32_t oflags = ws_arg32(args, 4) & 0xffff, fdflags = ws_arg32(args, 7) & 0xffff;
    uint32_t result = ws_arg32(args, 8);
    uint64_t base = args[5], inheriting = args[6];
    uint64_t need = WS_RIGHT_PATH_OPEN;
    if (oflags & WS_OFLAG_CREAT) need |= WS_RIGHT_PATH_CREATE_FILE;
    if (oflags & WS_OFLAG_TRUNC) need |= WS_RIGHT_PATH_FILESTAT_SET_SIZE;

    if (!ws_range_ok(c, result, 4)) return WS_EFAULT;
    uint32_t newfd;
    uint16_t e = ws_fd_alloc(c->w, &newfd); /* first: it may move the table */
    if (e) return e;
    ws_fd *d;
    if ((e = dir_fd(c, fd, need, &d))) return e;
    uint64_t dir_inheriting = d->rights_inheriting;
    ws_path p;
    if ((e = ws_path_resolve(c, d, ws_arg32(args, 2), ws_arg32(args, 3),
                             dirflags & WS_LOOKUP_SYMLINK_FOLLOW, &p)))
        return e;
    int fl;
    e = open_flags(oflags, base, fdflags, p.want_dir, &fl);
    /* "name/" with O_CREAT: Linux never creates a file for it. */
    if (!e && p.want_dir && (oflags & WS_OFLAG_CREAT))
        e = WS_EISDIR;
    else if (!e && p.not_dir)
        e = WS_ENOTDIR;
    int h = -1;
    if (!e) {
        h = openat(p.dirfd, p.name, fl, 0666);
        if (h < 0) e = ws_errno_now();
    }
    ws_path_release(&p);
    if (e) return e;
    ws_fd *f = &c->w->fds[newfd];
    if ((e = ws_fd_init_host(f, h, true, base & dir_inheriting, inheriting & dir_inheriting))) {
        close(h);
        return e;
    }
    ws_st32(c->mem + result, newfd);
    return WS_ESUCCESS;
}

/* path_readlink(fd, path, path_len, buf, buf_len, bufused*): the text is
 * cut to the buffer, as readlink(2) does. */
uint16_t ws_path_readlink(ws_ctx *c, const uint64_t *args) {
    uint32_t buf = ws_arg32(args, 3), len = ws_arg32(args, 4), result = ws_arg32(args, 5);
    if (!ws_range_ok(c, buf, len) || !ws_range_ok(c, result, 4)) return WS_EFAULT;
    ws_path p;
    uint16_t e = resolve_at(c, ws_arg32(args, 0), WS_RIGHT_PATH_READLINK, ws_arg32(args, 1),
                            ws_arg32(args, 2), false, &p);
    if (e) return e;
    char target[WS_MAX_PATH + 1];
    ssize_t n = readlinkat(p.dirfd, p.name, target, sizeof target);
    if (n < 0) {
        e = ws_errno_now();
    } else {
        uint32_t m = (uint64_t)n < len ? (uint32_t)n : len;
        memcpy(c->mem + buf, target, m);
        ws_st32(c->mem + result, m);
    }
    ws_path_release(&p);
    return e;
}

/* path_remove_directory(fd, path, path_len) */
uint16_t ws_path_remove_directory(ws_ctx *c, const uint64_t *args) {
    ws_path p;
    uint16_t e = resolve_at(c, ws_arg32(args, 0), WS_RIGHT_PATH_REMOVE_DIRECTORY,
                            ws_arg32(args, 1), ws_arg32(args, 2), false, &p);
    if (e) return e;
    if (strcmp(p.name, ".") == 0)
        e = WS_EINVAL; /* the directory the path ended in; rmdir(".") is EINVAL too */
    else if (unlinkat(p.dirfd, p.name, AT_REMOVEDIR) != 0)
        e = ws_errno_now();
    ws_path_release(&p);
    return e;
}

/* path_rename(fd, old_path, old_len, new_fd, new_path, new_len) */
uint16_t ws_path_rename(ws_ctx *c, const uint64_t *args) {
    ws_path from, to;
    uint16_t e = resolve_at(c, ws_arg32(args, 0), WS_RIGHT_PATH_RENAME_SOURCE,
                            ws_arg32(args, 1), ws_arg32(args, 2), false, &from);
    if (e) return e;
    e = resolve_at(c, ws_arg32(args, 3), WS_RIGHT_PATH_RENAME_TARGET, ws_arg32(args, 4),
                   ws_arg32(args, 5), false, &to);
    if (!e) {
        struct stat st;
        /* A trailing slash on either side means "a directory". */
        if ((from.want_dir || to.want_dir) &&
            fstatat(from.dirfd, from.name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
            !S_ISDIR(st.st_mode))
            e = WS_ENOTDIR;
        else if (strcmp(from.name, ".") == 0 || strcmp(to.name, ".") == 0)
            e = WS_EBUSY;
        else if (renameat(from.dirfd, from.name, to.dirfd, to.name) != 0)
            e = ws_errno_now();
        ws_path_release(&to);
    }
    ws_path_release(&from);
    return e;
}

/* path_symlink(old_path, old_len, fd, new_path, new_len). The link's text is
 * stored as given but must stay inside the directory fd names: relative,
 * and with no more ".." than the link's place lies below fd. The resolver
 * would refuse to follow such a link anyway, but a host program that later
 * reads this directory would not. */
uint16_t ws_path_symlink(ws_ctx *c, const uint64_t *args) {
    uint32_t old = ws_arg32(args, 0), old_len = ws_arg32(args, 1);
    if (!ws_range_ok(c, old, old_len)) return WS_EFAULT;
    if (old_len > WS_MAX_PATH) return WS_ENAMETOOLONG;
    if (old_len == 0) return WS_ENOENT;
    if (memchr(c->mem + old, '\0', old_len)) return WS_EILSEQ;
    if (c->mem[old] == '/') return WS_ENOTCAPABLE;
    char target[WS_MAX_PATH + 1];
    memcpy(target, c->mem + old, old_len);
    target[old_len] = '\0';
    ws_path p;
    uint16_t e = resolve_new_at(c, ws_arg32(args, 2), WS_RIGHT_PATH_SYMLINK, ws_arg32(args, 3),
                                ws_arg32(args, 4), false, &p);
    if (e) return e;
    if (p.want_dir)
        e = slash_link_name(&p);
    else if (!ws_link_text_inside(target, old_len, p.depth))
        e = WS_ENOTCAPABLE;
    else if (symlinkat(target, p.dirfd, p.name) != 0)
        e = ws_errno_now();
    ws_path_release(&p);
    return e;
}

/* path_unlink_file(fd, path, path_len) */
uint16_t ws_path_unlink_file(ws_ctx *c, const uint64_t *args) {
    ws_path p;
    uint16_t e = resolve_at(c, ws_arg32(args, 0), WS_RIGHT_PATH_UNLINK_FILE, ws_arg32(args, 1),
                            ws_arg32(args, 2), false, &p);
    if (e) return e;
    if (strcmp(p.name, ".") == 0)
        e = WS_EISDIR;
    else if (p.want_dir)
        e = exists_at(&p) ? WS_EISDIR : WS_ENOENT; /* a file would be ENOTDIR already */
    else if (unlinkat(p.dirfd, p.name, 0) != 0)
        e = ws_errno_now();
    ws_path_release(&p);
    return e;
}
