/* WASI snapshot 0 ("wasi_unstable"), as far as it differs from preview1.
 * Everything else is the same function under the other module name:
 *   - whence numbers cur = 0, end = 1, set = 2 (preview1: set, cur, end);
 *   - filestat is 56 bytes with a 32-bit nlink (fd_filestat_get,
 *     path_filestat_get);
 *   - a clock subscription carries an extra 64-bit identifier before the
 *     clock id, making a subscription 56 bytes (poll_oneoff).
 * The dirent and event layouts are the same in both versions.
 */
#include "ws.h"

/* fd_seek(fd, offset, whence, newoffset*) */
uint16_t ws_unstable_fd_seek(ws_ctx *c, const uint64_t *args) {
    static const uint32_t to_preview1[3] = { WS_WHENCE_CUR, WS_WHENCE_END, WS_WHENCE_SET };
    uint32_t whence = ws_arg32(args, 2) & 0xff;
    if (whence > 2) return WS_EINVAL;
    return ws_seek_common(c, ws_arg32(args, 0), (int64_t)args[1], to_preview1[whence],
                          ws_arg32(args, 3));
}

/* fd_filestat_get(fd, filestat*) */
uint16_t ws_unstable_fd_filestat_get(ws_ctx *c, const uint64_t *args) {
    return ws_fd_filestat_common(c, ws_arg32(args, 0), ws_arg32(args, 1), true);
}

/* path_filestat_get(fd, flags, path, path_len, filestat*) */
uint16_t ws_unstable_path_filestat_get(ws_ctx *c, const uint64_t *args) {
    return ws_path_filestat_common(c, ws_arg32(args, 0), ws_arg32(args, 1), ws_arg32(args, 2),
                                   ws_arg32(args, 3), ws_arg32(args, 4), true);
}

/* poll_oneoff(in, out, nsubscriptions, nevents*) */
uint16_t ws_unstable_poll_oneoff(ws_ctx *c, const uint64_t *args) {
    return ws_poll_common(c, ws_arg32(args, 0), ws_arg32(args, 1), ws_arg32(args, 2),
                          ws_arg32(args, 3), true);
}
