/* Internal model of the WASI layer: the ABI constants of preview1 (numbers
 * and byte layouts exactly as the witx defines them), the wp_wasi object and
 * its file-descriptor table, the call context every WASI function gets, and
 * the checked accessors for guest memory. Shared by the files of src/wasi
 * only; functions shared between them carry the ws_ prefix.
 *
 * Every guest-visible operation is a ws_impl: it reads its arguments from
 * the slots (i32 in the low 32 bits, i64 whole), writes results into guest
 * memory through the checked accessors, and returns a WASI errno that the
 * dispatcher in define.c stores as the function's i32 result.
 */
#ifndef WASMPIPE_WS_H
#define WASMPIPE_WS_H

#include <wasmpipe/wasi.h>

#include <dirent.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>

/* ---------------------------------------------------------------- ABI */

/* errno (u16). */
enum {
    WS_ESUCCESS = 0, WS_E2BIG = 1, WS_EACCES = 2, WS_EADDRINUSE = 3,
    WS_EADDRNOTAVAIL = 4, WS_EAFNOSUPPORT = 5, WS_EAGAIN = 6, WS_EALREADY = 7,
    WS_EBADF = 8, WS_EBADMSG = 9, WS_EBUSY = 10, WS_ECANCELED = 11,
    WS_ECHILD = 12, WS_ECONNABORTED = 13, WS_ECONNREFUSED = 14,
    WS_ECONNRESET = 15, WS_EDEADLK = 16, WS_EDESTADDRREQ = 17, WS_EDOM = 18,
    WS_EDQUOT = 19, WS_EEXIST = 20, WS_EFAULT = 21, WS_EFBIG = 22,
    WS_EHOSTUNREACH = 23, WS_EIDRM = 24, WS_EILSEQ = 25, WS_EINPROGRESS = 26,
    WS_EINTR = 27, WS_EINVAL = 28, WS_EIO = 29, WS_EISCONN = 30,
    WS_EISDIR = 31, WS_ELOOP = 32, WS_EMFILE = 33, WS_EMLINK = 34,
    WS_EMSGSIZE = 35, WS_EMULTIHOP = 36, WS_ENAMETOOLONG = 37,
    WS_ENETDOWN = 38, WS_ENETRESET = 39, WS_ENETUNREACH = 40, WS_ENFILE = 41,
    WS_ENOBUFS = 42, WS_ENODEV = 43, WS_ENOENT = 44, WS_ENOEXEC = 45,
    WS_ENOLCK = 46, WS_ENOLINK = 47, WS_ENOMEM = 48, WS_ENOMSG = 49,
    WS_ENOPROTOOPT = 50, WS_ENOSPC = 51, WS_ENOSYS = 52, WS_ENOTCONN = 53,
    WS_ENOTDIR = 54, WS_ENOTEMPTY = 55, WS_ENOTRECOVERABLE = 56,
    WS_ENOTSOCK = 57, WS_ENOTSUP = 58, WS_ENOTTY = 59, WS_ENXIO = 60,
    WS_EOVERFLOW = 61, WS_EOWNERDEAD = 62, WS_EPERM = 63, WS_EPIPE = 64,
    WS_EPROTO = 65, WS_EPROTONOSUPPORT = 66, WS_EPROTOTYPE = 67,
    WS_ERANGE = 68, WS_EROFS = 69, WS_ESPIPE = 70, WS_ESRCH = 71,
    WS_ESTALE = 72, WS_ETIMEDOUT = 73, WS_ETXTBSY = 74, WS_EXDEV = 75,
    WS_ENOTCAPABLE = 76
};

/* rights (u64 flags). */
#define WS_RIGHT_FD_DATASYNC            (UINT64_C(1) << 0)
#define WS_RIGHT_FD_READ                (UINT64_C(1) << 1)
#define WS_RIGHT_FD_SEEK                (UINT64_C(1) << 2)
#define WS_RIGHT_FD_FDSTAT_SET_FLAGS    (UINT64_C(1) << 3)
#define WS_RIGHT_FD_SYNC                (UINT64_C(1) << 4)
#define WS_RIGHT_FD_TELL                (UINT64_C(1) << 5)
#define WS_RIGHT_FD_WRITE               (UINT64_C(1) << 6)
#define WS_RIGHT_FD_ADVISE              (UINT64_C(1) << 7)
#define WS_RIGHT_FD_ALLOCATE            (UINT64_C(1) << 8)
#define WS_RIGHT_PATH_CREATE_DIRECTORY  (UINT64_C(1) << 9)
#define WS_RIGHT_PATH_CREATE_FILE       (UINT64_C(1) << 10)
#define WS_RIGHT_PATH_LINK_SOURCE       (UINT64_C(1) << 11)
#define WS_RIGHT_PATH_LINK_TARGET       (UINT64_C(1) << 12)
#define WS_RIGHT_PATH_OPEN              (UINT64_C(1) << 13)
#define WS_RIGHT_FD_READDIR             (UINT64_C(1) << 14)
#define WS_RIGHT_PATH_READLINK          (UINT64_C(1) << 15)
#define WS_RIGHT_PATH_RENAME_SOURCE     (UINT64_C(1) << 16)
#define WS_RIGHT_PATH_RENAME_TARGET     (UINT64_C(1) << 17)
#define WS_RIGHT_PATH_FILESTAT_GET      (UINT64_C(1) << 18)
#define WS_RIGHT_PATH_FILESTAT_SET_SIZE (UINT64_C(1) << 19)
#define WS_RIGHT_PATH_FILESTAT_SET_TIMES (UINT64_C(1) << 20)
#define WS_RIGHT_FD_FILESTAT_GET        (UINT64_C(1) << 21)
#define WS_RIGHT_FD_FILESTAT_SET_SIZE   (UINT64_C(1) << 22)
#define WS_RIGHT_FD_FILESTAT_SET_TIMES  (UINT64_C(1) << 23)
#define WS_RIGHT_PATH_SYMLINK           (UINT64_C(1) << 24)
#define WS_RIGHT_PATH_REMOVE_DIRECTORY  (UINT64_C(1) << 25)
#define WS_RIGHT_PATH_UNLINK_FILE       (UINT64_C(1) << 26)
#define WS_RIGHT_POLL_FD_READWRITE      (UINT64_C(1) << 27)
#define WS_RIGHT_SOCK_SHUTDOWN          (UINT64_C(1) << 28)
#define WS_RIGHT_SOCK_ACCEPT            (UINT64_C(1) << 29)

/* What a stream (regular file, pipe, terminal) can be asked to do. */
#define WS_RIGHTS_STREAM (WS_RIGHT_FD_READ | WS_RIGHT_FD_WRITE | \
    WS_RIGHT_FD_FDSTAT_SET_FLAGS | WS_RIGHT_FD_FILESTAT_GET | \
    WS_RIGHT_POLL_FD_READWRITE)
/* A regular file adds positioning, sizing and sync. */
#define WS_RIGHTS_FILE (WS_RIGHTS_STREAM | WS_RIGHT_FD_DATASYNC | \
    WS_RIGHT_FD_SEEK | WS_RIGHT_FD_SYNC | WS_RIGHT_FD_TELL | \
    WS_RIGHT_FD_ADVISE | WS_RIGHT_FD_ALLOCATE | \
    WS_RIGHT_FD_FILESTAT_SET_SIZE | WS_RIGHT_FD_FILESTAT_SET_TIMES)
/* A directory: everything path-relative, listing and its own metadata. */
#define WS_RIGHTS_DIR (WS_RIGHT_FD_FDSTAT_SET_FLAGS | WS_RIGHT_FD_SYNC | \
    WS_RIGHT_FD_DATASYNC | WS_RIGHT_PATH_CREATE_DIRECTORY | \
    WS_RIGHT_PATH_CREATE_FILE | WS_RIGHT_PATH_LINK_SOURCE | \
    WS_RIGHT_PATH_LINK_TARGET | WS_RIGHT_PATH_OPEN | WS_RIGHT_FD_READDIR | \
    WS_RIGHT_PATH_READLINK | WS_RIGHT_PATH_RENAME_SOURCE | \
    WS_RIGHT_PATH_RENAME_TARGET | WS_RIGHT_PATH_FILESTAT_GET | \
    WS_RIGHT_PATH_FILESTAT_SET_SIZE | WS_RIGHT_PATH_FILESTAT_SET_TIMES | \
    WS_RIGHT_FD_FILESTAT_GET | WS_RIGHT_FD_FILESTAT_SET_TIMES | \
    WS_RIGHT_PATH_SYMLINK | WS_RIGHT_PATH_REMOVE_DIRECTORY | \
    WS_RIGHT_PATH_UNLINK_FILE)
#define WS_RIGHTS_ALL (WS_RIGHTS_FILE | WS_RIGHTS_DIR)

/* filetype (u8). */
enum {
    WS_FILETYPE_UNKNOWN = 0, WS_FILETYPE_BLOCK_DEVICE = 1,
    WS_FILETYPE_CHARACTER_DEVICE = 2, WS_FILETYPE_DIRECTORY = 3,
    WS_FILETYPE_REGULAR_FILE = 4, WS_FILETYPE_SOCKET_DGRAM = 5,
    WS_FILETYPE_SOCKET_STREAM = 6, WS_FILETYPE_SYMBOLIC_LINK = 7
};

/* fdflags (u16), oflags (u16), lookupflags (u32), fstflags (u16). */
#define WS_FDFLAG_APPEND   1u
#define WS_FDFLAG_DSYNC    2u
#define WS_FDFLAG_NONBLOCK 4u
#define WS_FDFLAG_RSYNC    8u
#define WS_FDFLAG_SYNC     16u
#define WS_OFLAG_CREAT     1u
#define WS_OFLAG_DIRECTORY 2u
#define WS_OFLAG_EXCL      4u
#define WS_OFLAG_TRUNC     8u
#define WS_LOOKUP_SYMLINK_FOLLOW 1u
#define WS_FSTFLAG_ATIM     1u
#define WS_FSTFLAG_ATIM_NOW 2u
#define WS_FSTFLAG_MTIM     4u
#define WS_FSTFLAG_MTIM_NOW 8u

/* whence (u8) in preview1; snapshot 0 numbers them cur, end, set. */
enum { WS_WHENCE_SET = 0, WS_WHENCE_CUR = 1, WS_WHENCE_END = 2 };

/* clockid (u32), eventtype (u8), subclockflags, eventrwflags. */
enum { WS_CLOCK_REALTIME = 0, WS_CLOCK_MONOTONIC = 1,
       WS_CLOCK_PROCESS_CPUTIME = 2, WS_CLOCK_THREAD_CPUTIME = 3 };
enum { WS_EVENT_CLOCK = 0, WS_EVENT_FD_READ = 1, WS_EVENT_FD_WRITE = 2 };
#define WS_SUBCLOCK_ABSTIME 1u
#define WS_EVENTRW_HANGUP   1u

/* Byte layouts (offset: field), little-endian, as the witx records lay out.
 *
 *   fdstat (24)     0: filetype u8   2: flags u16   8: rights_base u64
 *                  16: rights_inheriting u64
 *   filestat (64)   0: dev  8: ino  16: filetype u8  24: nlink u64
 *                  32: size  40: atim  48: mtim  56: ctim        (preview1)
 *   filestat (56)   0: dev  8: ino  16: filetype u8  20: nlink u32
 *                  24: size  32: atim  40: mtim  48: ctim      (snapshot 0)
 *   dirent (24)     0: d_next u64  8: d_ino u64  16: d_namlen u32
 *                  20: d_type u8, then d_namlen name bytes  (both versions)
 *   prestat (8)     0: tag u8 (0 = dir)   4: pr_name_len u32
 *   iovec (8)       0: buf u32   4: buf_len u32
 *   subscription (48, preview1)  0: userdata u64  8: tag u8
 *                  16: clock id u32  24: timeout u64  32: precision u64
 *                  40: flags u16  |  16: fd u32 (fd_read, fd_write)
 *   subscription (56, snapshot 0) as preview1 but the clock record starts
 *                  with an identifier u64: 16: identifier  24: id u32
 *                  32: timeout  40: precision  48: flags u16
 *   event (32)      0: userdata u64  8: error u16  10: type u8
 *                  16: nbytes u64  24: flags u16             (both versions)
 */
#define WS_FDSTAT_SIZE 24u
#define WS_FILESTAT_SIZE 64u
#define WS_FILESTAT0_SIZE 56u
#define WS_DIRENT_SIZE 24u
#define WS_SUBSCRIPTION_SIZE 48u
#define WS_SUBSCRIPTION0_SIZE 56u
#define WS_EVENT_SIZE 32u

/* ---------------------------------------------------------------- limits */

/* Open guest descriptors per wp_wasi. */
#define WS_MAX_FDS 1024u
/* Longest guest path accepted, and the symbolic links followed in one
 * resolution before ELOOP (Linux's own limit). */
#define WS_MAX_PATH 4096u
#define WS_MAX_SYMLINKS 40u
/* Scatter/gather entries used per call; more is a short transfer. */
#define WS_MAX_IOVS 1024u
/* Subscriptions accepted by one poll_oneoff. */
#define WS_MAX_SUBSCRIPTIONS 4096u
/* The longest a blocking call waits before it looks again at whether the
 * guest's call was interrupted or its waits cancelled (see wait.c). */
#define WS_WAIT_SLICE_NS UINT64_C(10000000)

/* ---------------------------------------------------------------- fd table */

typedef enum ws_fd_kind {
    WS_FD_FREE = 0,
    WS_FD_HOST,       /* a host descriptor: file, directory, pipe, terminal */
    WS_FD_NULL,       /* standard stream with nothing behind it */
    WS_FD_CALLBACK    /* standard output stream feeding the embedder */
} ws_fd_kind;

typedef struct ws_fd {
    ws_fd_kind kind;
    int        host;        /* WS_FD_HOST: the descriptor, else -1 */
    bool       owned;       /* close host on fd_close / destroy */
    uint8_t    filetype;
    uint16_t   flags;       /* fdflags kept here: non-host kinds, and borrowed
                               host descriptors (see fd_fdstat_set_flags) */
    uint64_t   rights_base;
    uint64_t   rights_inheriting;
    char      *preopen;     /* guest name of a preopened directory, else NULL;
                               preopen_len + 1 bytes from the engine */
    uint32_t   preopen_len;
    DIR       *dir;         /* fd_readdir stream, opened on first use */
    uint64_t   dir_pos;     /* index of the entry dir will return next */
    wp_wasi_write_fn write; /* WS_FD_CALLBACK */
    void      *user;
} ws_fd;

/* One WASI function bound to its wp_wasi: the user pointer of each host
 * function. */
typedef struct ws_ctx ws_ctx;
typedef uint16_t (*ws_impl)(ws_ctx *c, const uint64_t *args);

typedef struct ws_binding {
    wp_wasi    *w;
    ws_impl     impl;
    const char *name;       /* the WASI function's name, for trap messages */
} ws_binding;

/* The number of functions each module name gets; define.c checks its
 * tables against these. */
#define WS_NFUNCS_P1 46u
#define WS_NFUNCS_P0 45u

struct wp_wasi {
    wp_engine *engine;
    char      *args;        /* argc NUL-terminated strings, back to back */
    uint32_t   argc;
    uint32_t   args_size;
    char      *env;         /* likewise for the environment */
    uint32_t   envc;
    uint32_t   env_size;
    ws_fd     *fds;
    uint32_t   nfds;        /* entries allocated in fds */
    wp_func   *funcs[WS_NFUNCS_P1 + WS_NFUNCS_P0];
    ws_binding bindings[WS_NFUNCS_P1 + WS_NFUNCS_P0];
    uint32_t   nfuncs;
    atomic_bool cancelled;  /* wp_wasi_cancel: blocking calls trap at once */
};

/* ---------------------------------------------------------------- call context */

/* The view of guest memory is taken once per call: the guest does not run
 * while a WASI function does, so it cannot move underneath. */
typedef enum ws_stop {
    WS_STOP_NONE = 0,
    WS_STOP_INTERRUPT,      /* wp_instance_interrupt on the calling instance */
    WS_STOP_CANCEL          /* wp_wasi_cancel */
} ws_stop;

struct ws_ctx {
    wp_wasi *w;
    wp_call *call;
    uint8_t *mem;
    uint64_t mem_len;
    ws_stop  stopped;       /* set by ws_wait: the call must end in a trap */
};

static inline bool ws_range_ok(const ws_ctx *c, uint32_t ptr, uint64_t len) {
    return (uint64_t)ptr + len <= c->mem_len;
}

/* Little-endian loads and stores; callers check the range first. */
static inline uint16_t ws_ld16(const uint8_t *p) {
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t ws_ld32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}
static inline uint64_t ws_ld64(const uint8_t *p) {
    return (uint64_t)ws_ld32(p) | ((uint64_t)ws_ld32(p + 4) << 32);
}
static inline void ws_st16(uint8_t *p, uint16_t v) {
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void ws_st32(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}
static inline void ws_st64(uint8_t *p, uint64_t v) {
    ws_st32(p, (uint32_t)v);
    ws_st32(p + 4, (uint32_t)(v >> 32));
}

/* Stores of one result value at a guest address; EFAULT if it does not fit. */
static inline uint16_t ws_put32(ws_ctx *c, uint32_t ptr, uint32_t v) {
    if (!ws_range_ok(c, ptr, 4)) return WS_EFAULT;
    ws_st32(c->mem + ptr, v);
    return WS_ESUCCESS;
}
static inline uint16_t ws_put64(ws_ctx *c, uint32_t ptr, uint64_t v) {
    if (!ws_range_ok(c, ptr, 8)) return WS_EFAULT;
    ws_st64(c->mem + ptr, v);
    return WS_ESUCCESS;
}

static inline uint32_t ws_arg32(const uint64_t *args, unsigned i) {
    return (uint32_t)args[i];
}

/* ---------------------------------------------------------------- shared functions */

/* context.c */
wp_status ws_fail(wp_error *err, wp_status code, const char *fmt, ...) WP_PRINTF(3, 4);

/* fdtable.c */
uint16_t ws_errno_from_host(int host_errno);
uint16_t ws_errno_now(void);           /* ws_errno_from_host(errno) */
/* The open entry for a guest fd, or NULL (EBADF). */
ws_fd *ws_fd_get(wp_wasi *w, uint32_t fd);
/* Like ws_fd_get, but also EBADF unless it is open, and ENOTCAPABLE
 * unless it holds all of `rights`. */
uint16_t ws_fd_lookup(wp_wasi *w, uint32_t fd, uint64_t rights, ws_fd **out);
/* Claims the lowest free guest fd (>= 3 once stdio exists). */
uint16_t ws_fd_alloc(wp_wasi *w, uint32_t *out);
/* Releases an entry and what it holds. */
void ws_fd_release(wp_wasi *w, ws_fd *f);
/* Sets up a host descriptor entry: filetype and rights from fstat. */
uint16_t ws_fd_init_host(ws_fd *f, int host, bool owned, uint64_t rights_mask,
                         uint64_t inheriting);
uint8_t ws_filetype_of_mode(mode_t mode);
/* The rights that make sense for a file type. */
uint64_t ws_rights_for_type(uint8_t filetype);

/* The host-independent result of a stat, written in either layout. */
typedef struct ws_filestat {
    uint64_t dev, ino, nlink, size, atim, mtim, ctim;
    uint8_t  filetype;
} ws_filestat;
void ws_filestat_from_stat(ws_filestat *out, const struct stat *st);
/* Writes a filestat in the preview1 (64-byte) or snapshot-0 (56-byte)
 * layout; the range must have been checked. */
void ws_filestat_store(uint8_t *p, const ws_filestat *st, bool snapshot0);

/* fd.c: the parts snapshot 0 shares with preview1. */
uint16_t ws_seek_common(ws_ctx *c, uint32_t fd, int64_t offset, uint32_t whence,
                        uint32_t result_ptr);
uint16_t ws_fd_filestat_common(ws_ctx *c, uint32_t fd, uint32_t buf_ptr, bool snapshot0);
/* The timespec pair of futimens/utimensat for fstflags; EINVAL if a time
 * is both given and "now". */
uint16_t ws_times_from(uint64_t atim, uint64_t mtim, uint32_t fstflags, struct timespec ts[2]);

/* path.c */
uint16_t ws_path_filestat_common(ws_ctx *c, uint32_t fd, uint32_t flags, uint32_t path,
                                 uint32_t path_len, uint32_t buf_ptr, bool snapshot0);

/* wait.c: poll() on n descriptors (n may be 0) until one is ready, until
 * `deadline` (monotonic nanoseconds; UINT64_MAX: none) or until the call
 * is interrupted or cancelled. Returns poll's count (0: the deadline), or
 * -1 with *err set: WS_EINTR with c->stopped set, or the host's errno. */
int ws_wait(ws_ctx *c, struct pollfd *pfds, uint32_t n, uint64_t deadline, uint16_t *err);
/* Before a read (POLLIN) or write (POLLOUT) on a descriptor that may block
 * (a pipe, a terminal, a socket): waits until it will not, through
 * ws_wait. Regular files, directories, non-blocking descriptors and the
 * null and callback streams return at once. */
uint16_t ws_wait_fd(ws_ctx *c, const ws_fd *f, short events);

/* clock.c */
uint16_t ws_poll_common(ws_ctx *c, uint32_t in, uint32_t out, uint32_t nsubs,
                        uint32_t nevents_ptr, bool snapshot0);

/* resolve.c: sandboxed path resolution.
 *
 * A resolved path is a directory descriptor and one final component name
 * inside it that the caller passes to a *at() call that never follows a
 * symbolic link itself: every link on the way (and in the final position
 * when `follow` is set) has already been expanded here, inside the
 * sandbox. "." and ".." never reach the host as a final name except "."
 * for the directory itself. */
typedef struct ws_path {
    int         dirfd;      /* directory holding the final component */
    bool        owned;      /* dirfd is ours to close */
    const char *name;       /* final component, NUL-terminated */
    bool        want_dir;   /* the guest path ended with '/' */
    bool        not_dir;    /* ...and the final name is an existing non-directory */
    uint32_t    depth;      /* directories between the base and dirfd */
    char        buf[256];   /* storage for name (a component is shorter) */
} ws_path;

/* A final "name/" naming an existing non-directory resolves with not_dir
 * set: calls that create something answer as Linux does (EEXIST, EISDIR),
 * the others ENOTDIR. */
uint16_t ws_path_resolve(ws_ctx *c, const ws_fd *base, uint32_t path_ptr,
                         uint32_t path_len, bool follow, ws_path *out);
void ws_path_release(ws_path *p);
/* Whether the text of a symbolic link placed `depth` directories below a
 * base directory stays inside that base when read as a path: relative, and
 * its ".." never climbing above the base. Links that fail this are never
 * created (path_symlink, and path_link of an existing link). */
bool ws_link_text_inside(const char *text, size_t len, uint32_t depth);

/* The implementations behind each WASI function, bound by define.c: each
 * reads its arguments from args and returns a WASI errno. */
/* args.c */
uint16_t ws_args_get(ws_ctx *c, const uint64_t *args);
uint16_t ws_args_sizes_get(ws_ctx *c, const uint64_t *args);
uint16_t ws_environ_get(ws_ctx *c, const uint64_t *args);
uint16_t ws_environ_sizes_get(ws_ctx *c, const uint64_t *args);
uint16_t ws_proc_raise(ws_ctx *c, const uint64_t *args);
uint16_t ws_sock_accept(ws_ctx *c, const uint64_t *args);
uint16_t ws_sock_recv(ws_ctx *c, const uint64_t *args);
uint16_t ws_sock_send(ws_ctx *c, const uint64_t *args);
uint16_t ws_sock_shutdown(ws_ctx *c, const uint64_t *args);
/* clock.c */
uint16_t ws_clock_res_get(ws_ctx *c, const uint64_t *args);
uint16_t ws_clock_time_get(ws_ctx *c, const uint64_t *args);
uint16_t ws_random_get(ws_ctx *c, const uint64_t *args);
uint16_t ws_sched_yield(ws_ctx *c, const uint64_t *args);
uint16_t ws_poll_oneoff(ws_ctx *c, const uint64_t *args);
/* fd.c */
uint16_t ws_fd_advise(ws_ctx *c, const uint64_t *args);
uint16_t ws_fd_allocate(ws_ctx *c, const uint64_t *args);
uint16_t ws_fd_close(ws_ctx *c, const uint64_t *args);
uint16_t ws_fd_datasync(ws_ctx *c, const uint64_t *args);
uint16_t ws_fd_fdstat_get(ws_ctx *c, const uint64_t *args);
uint16_t ws_fd_fdstat_set_flags(ws_ctx *c, const uint64_t *args);
uint16_t ws_fd_fdstat_set_rights(ws_ctx *c, const uint64_t *args);
uint16_t ws_fd_filestat_get(ws_ctx *c, const uint64_t *args);
uint16_t ws_fd_filestat_set_size(ws_ctx *c, const uint64_t *args);
uint16_t ws_fd_filestat_set_times(ws_ctx *c, const uint64_t *args);
uint16_t ws_fd_pread(ws_ctx *c, const uint64_t *args);
uint16_t ws_fd_prestat_get(ws_ctx *c, const uint64_t *args);
uint16_t ws_fd_prestat_dir_name(ws_ctx *c, const uint64_t *args);
uint16_t ws_fd_pwrite(ws_ctx *c, const uint64_t *args);
uint16_t ws_fd_read(ws_ctx *c, const uint64_t *args);
uint16_t ws_fd_readdir(ws_ctx *c, const uint64_t *args);
uint16_t ws_fd_renumber(ws_ctx *c, const uint64_t *args);
uint16_t ws_fd_seek(ws_ctx *c, const uint64_t *args);
uint16_t ws_fd_sync(ws_ctx *c, const uint64_t *args);
uint16_t ws_fd_tell(ws_ctx *c, const uint64_t *args);
uint16_t ws_fd_write(ws_ctx *c, const uint64_t *args);
/* path.c */
uint16_t ws_path_create_directory(ws_ctx *c, const uint64_t *args);
uint16_t ws_path_filestat_get(ws_ctx *c, const uint64_t *args);
uint16_t ws_path_filestat_set_times(ws_ctx *c, const uint64_t *args);
uint16_t ws_path_link(ws_ctx *c, const uint64_t *args);
uint16_t ws_path_open(ws_ctx *c, const uint64_t *args);
uint16_t ws_path_readlink(ws_ctx *c, const uint64_t *args);
uint16_t ws_path_remove_directory(ws_ctx *c, const uint64_t *args);
uint16_t ws_path_rename(ws_ctx *c, const uint64_t *args);
uint16_t ws_path_symlink(ws_ctx *c, const uint64_t *args);
uint16_t ws_path_unlink_file(ws_ctx *c, const uint64_t *args);
/* unstable.c */
uint16_t ws_unstable_fd_seek(ws_ctx *c, const uint64_t *args);
uint16_t ws_unstable_fd_filestat_get(ws_ctx *c, const uint64_t *args);
uint16_t ws_unstable_path_filestat_get(ws_ctx *c, const uint64_t *args);
uint16_t ws_unstable_poll_oneoff(ws_ctx *c, const uint64_t *args);

/* define.c */
void ws_funcs_destroy(wp_wasi *w);
wp_status ws_funcs_create(wp_wasi *w, wp_error *err);

#endif
