/* wasmpipe WASI: WebAssembly System Interface preview1 as a host module.
 *
 * This header is the whole contract of the WASI layer, which is built only
 * on <wasmpipe/runtime.h>. A wp_wasi is the system state of one guest: its
 * arguments, environment, standard streams and file-descriptor table. It
 * owns one host function per WASI call and defines them into a wp_imports
 * under "wasi_snapshot_preview1" and, with snapshot 0's layouts, under
 * "wasi_unstable".
 *
 * Sandbox: the guest sees no file system at all unless directories are
 * preopened in the configuration, and path resolution never leaves a
 * preopened directory ("..", absolute paths and symbolic links that point
 * outside are refused with ENOTCAPABLE). Clocks and random bytes come from
 * the host OS. Every pointer and length the guest passes is checked against
 * its memory 0; a bad one is EFAULT for the guest, never a host fault.
 *
 * Threads: a wp_wasi carries per-guest state (open files), so give each
 * instance its own wp_wasi and wp_imports, and use it from the thread that
 * runs that instance. Ownership words are those of runtime.h.
 */
#ifndef WASMPIPE_WASI_H
#define WASMPIPE_WASI_H

#include <wasmpipe/runtime.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wp_wasi wp_wasi;

/* Receives bytes the guest wrote to a standard stream. data: view, valid for
 * this call only. Return 0 when the bytes were taken, nonzero to make the
 * guest's write fail with EIO. */
typedef int (*wp_wasi_write_fn)(void *user, const uint8_t *data, size_t len);

typedef enum wp_wasi_stdio_kind {
    WP_WASI_STDIO_NULL = 0,   /* reads see end of file; writes are discarded */
    WP_WASI_STDIO_FD,         /* a host file descriptor (borrowed, never closed) */
    WP_WASI_STDIO_CALLBACK    /* writes go to a callback (stdout and stderr only) */
} wp_wasi_stdio_kind;

typedef struct wp_wasi_stdio {
    wp_wasi_stdio_kind kind;
    int                host_fd;  /* WP_WASI_STDIO_FD */
    wp_wasi_write_fn   write;    /* WP_WASI_STDIO_CALLBACK */
    void              *user;     /* passed to write; borrowed, must outlive the wp_wasi */
} wp_wasi_stdio;

/* A host directory made visible to the guest under a name. */
typedef struct wp_wasi_dir {
    const char *host_path;   /* opened at wp_wasi_create */
    const char *guest_path;  /* the name the guest sees, e.g. "/data" or "."; NULL: host_path */
} wp_wasi_dir;

/* A zeroed configuration is the sandbox default: no arguments, no
 * environment, no directories, stdin at end of file, stdout and stderr
 * discarded. Every pointer here is borrowed for wp_wasi_create only; the
 * strings are copied. */
typedef struct wp_wasi_config {
    const char *const *argv;   /* argv[0] is the program name by convention */
    uint32_t           argc;
    const char *const *env;    /* "KEY=VALUE" strings */
    uint32_t           nenv;
    const wp_wasi_dir *dirs;   /* guest fds 3, 4, ... in this order */
    uint32_t           ndirs;
    wp_wasi_stdio      stdio[3]; /* guest fds 0, 1, 2 */
} wp_wasi_config;

/* cfg may be NULL (the sandbox default). A preopen that cannot be opened is
 * WP_ERR_IO naming the directory. e must outlive the wp_wasi. */
WP_API wp_status wp_wasi_create(wp_engine *e, const wp_wasi_config *cfg,
                                wp_wasi **out, wp_error *err);
/* Closes every file the guest still has open and destroys the host
 * functions: destroy the instances that import them first. */
WP_API void wp_wasi_destroy(wp_wasi *w);

/* Defines every WASI function under "wasi_snapshot_preview1" and under
 * "wasi_unstable" (snapshot 0: its whence numbering and its filestat and
 * subscription layouts). The functions stay owned by w. */
WP_API wp_status wp_wasi_define(wp_wasi *w, wp_imports *im, wp_error *err);

/* Thread-safe, for shutting down: from now on every WASI call of this
 * guest that would block (a sleep or an fd wait in poll_oneoff, a read
 * from or write to a pipe or terminal) ends the guest's call with a trap
 * within a few milliseconds instead, including one blocked right now.
 * Computing guests are not affected; wp_instance_interrupt stops those (and
 * also cuts a blocking WASI call short, the same way). There is no undo. */
WP_API void wp_wasi_cancel(wp_wasi *w);

/* Which entry point wp_wasi_run calls. */
typedef enum wp_wasi_entry {
    WP_WASI_ENTRY_AUTO = 0,     /* "_initialize" if exported, else "_start", else nothing */
    WP_WASI_ENTRY_START,        /* "_start" (a command); missing is WP_ERR_NOT_FOUND */
    WP_WASI_ENTRY_INITIALIZE    /* "_initialize" (a reactor); missing is WP_ERR_NOT_FOUND */
} wp_wasi_entry;

/* Runs an entry point of an instance created with imports from
 * wp_wasi_define. Returns WP_OK when the guest finished, either by
 * returning (*exit_code = 0) or through proc_exit (*exit_code = its code,
 * which may be nonzero). Anything else is the engine's error: WP_ERR_TRAP
 * for a trap, WP_ERR_LINK for an entry point whose type is not [] -> [].
 * exit_code may be NULL. */
WP_API wp_status wp_wasi_run(wp_instance *in, wp_wasi_entry entry, int *exit_code,
                             wp_error *err);

#ifdef __cplusplus
}
#endif
#endif
