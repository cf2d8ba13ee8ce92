/* Sandboxed path resolution: the one place that turns a guest path into a
 * host (directory descriptor, name) pair, and so the one place that keeps
 * the guest inside its preopened directories.
 *
 * The walk goes one component at a time from the base directory. Each
 * directory on the way is opened with openat(O_NOFOLLOW | O_DIRECTORY) from
 * its parent and kept on a stack, so ".." pops back to the real parent and
 * can never rise above the base. Symbolic links are read with readlinkat
 * and their text spliced into the rest of the path, then walked by the same
 * rules: an absolute target or one that climbs above the base is refused
 * like the guest's own path would be. The kernel therefore never follows a
 * link or a ".." on the guest's behalf, and a link swapped in during the
 * walk makes the O_NOFOLLOW open fail instead of escaping.
 */
#include "ws.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* The rest of the path still to walk lives in `rest`, a heap buffer that a
 * symbolic link's text is spliced into. */
typedef struct walk {
    char    *rest;
    size_t   rest_len;
    int     *stack;      /* stack[0] is the base (not ours); the rest are ours */
    uint32_t depth;      /* entries above the base */
    uint32_t cap;
    uint32_t links;
} walk;

static int top(const walk *k) {
    return k->stack[k->depth];
}

static void walk_free(walk *k, bool keep_top) {
    for (uint32_t i = 1; i <= k->depth; i++)
        if (!(keep_top && i == k->depth)) close(k->stack[i]);
    free(k->stack);
    free(k->rest);
}

static uint16_t push(walk *k, int fd) {
    if (k->depth + 1 >= k->cap) {
        uint32_t n = k->cap * 2;
        int *s = realloc(k->stack, n * sizeof *s);
        if (!s) {
            close(fd);
            return WS_ENOMEM;
        }
        k->stack = s;
        k->cap = n;
    }
    k->stack[++k->depth] = fd;
    return WS_ESUCCESS;
}

/* Replaces the link just met, the component of rest ending at `after`,
 * with its text: rest becomes target + rest[after..]. */
static uint16_t splice_link(walk *k, const char *name, size_t after) {
    char target[WS_MAX_PATH + 1];
    if (++k->links > WS_MAX_SYMLINKS) return WS_ELOOP;
    ssize_t n = readlinkat(top(k), name, target, sizeof target);
    if (n < 0) return ws_errno_now();
    if ((size_t)n > WS_MAX_PATH) return WS_ENAMETOOLONG;
    if (n == 0) return WS_ENOENT;
    if (target[0] == '/') return WS_ENOTCAPABLE;
    size_t tail = k->rest_len - after;
    if ((size_t)n + tail > 4 * WS_MAX_PATH) return WS_ENAMETOOLONG;
    char *r = malloc((size_t)n + tail + 1);
    if (!r) return WS_ENOMEM;
    memcpy(r, target, (size_t)n);
    memcpy(r + n, k->rest + after, tail);
    r[(size_t)n + tail] = '\0';
    free(k->rest);
    k->rest = r;
    k->rest_len = (size_t)n + tail;
    return WS_ESUCCESS;
}

uint16_t ws_path_resolve(ws_ctx *c, const ws_fd *base, uint32_t path_ptr, uint32_t path_len,
                         bool follow, ws_path *out) {
    memset(out, 0, sizeof *out);
    out->dirfd = -1;
    if (!ws_range_ok(c, path_ptr, path_len)) return WS_EFAULT;
    if (path_len > WS_MAX_PATH) return WS_ENAMETOOLONG;
    if (base->kind != WS_FD_HOST || base->filetype != WS_FILETYPE_DIRECTORY) return WS_ENOTDIR;
    const uint8_t *p = c->mem + path_ptr;
    if (path_len == 0) return WS_ENOENT;
    if (memchr(p, '\0', path_len)) return WS_EILSEQ;
    if (p[0] == '/') return WS_ENOTCAPABLE;

    walk k = { 0 };
    k.cap = 8;
    k.stack = malloc(k.cap * sizeof *k.stack);
    k.rest = malloc(path_len + 1);
    if (!k.stack || !k.rest) {
        free(k.stack);
        free(k.rest);
        return WS_ENOMEM;
    }
    k.stack[0] = base->host;
    memcpy(k.rest, p, path_len);
    k.rest[path_len] = '\0';
    k.rest_len = path_len;

    uint16_t e = WS_ESUCCESS;
    size_t at = 0;
    char comp[256];           /* the component being looked at */
    bool want_dir = false;
    for (;;) {
        while (at < k.rest_len && k.rest[at] == '/') at++;
        size_t start = at;
        while (at < k.rest_len && k.rest[at] != '/') at++;
        size_t end = at, len = end - start;
        size_t next = at;
        while (next < k.rest_len && k.rest[next] == '/') next++;
        bool last = next == k.rest_len;
        bool slash_after = end < k.rest_len;   /* "name/" */
        if (len == 0) {
            /* Nothing left: the path named the directory on top. */
            strcpy(comp, ".");
            break;
        }
        if (len >= sizeof comp) {
            e = WS_ENAMETOOLONG;
            break;
        }
        memcpy(comp, k.rest + start, len);
        comp[len] = '\0';
        if (strcmp(comp, ".") == 0 || strcmp(comp, "..") == 0) {
            if (comp[1] == '.') {
                if (k.depth == 0) {
                    e = WS_ENOTCAPABLE;
                    break;
                }
                close(k.stack[k.depth--]);
            }
            if (last) {
                strcpy(comp, ".");
                break;
            }
            continue;
        }
        want_dir = slash_after;
        if (last && !follow && !slash_after) break;
        struct stat st;
        if (fstatat(top(&k), comp, &st, AT_SYMLINK_NOFOLLOW) != 0) {
            if (errno == ENOENT && last) break; /* something to be created */
            e = ws_errno_now();
            break;
        }
        if (S_ISLNK(st.st_mode)) {
            if ((e = splice_link(&k, comp, end))) break;
            at = 0;
            continue;
        }
        if (last) {
            if (slash_after && !S_ISDIR(st.st_mode)) e = WS_ENOTDIR;
            break;
        }
        if (!S_ISDIR(st.st_mode)) {
            e = WS_ENOTDIR;
            break;
        }
        int d = openat(top(&k), comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (d < 0) {
            e = ws_errno_now();
            break;
        }
        if ((e = push(&k, d))) break;
    }
    if (e) {
        walk_free(&k, false);
        return e;
    }
    size_t flen = strlen(comp);
    out->buf = malloc(flen + 1);
    if (!out->buf) {
        walk_free(&k, false);
        return WS_ENOMEM;
    }
    memcpy(out->buf, comp, flen + 1);
    out->name = out->buf;
    out->want_dir = want_dir && strcmp(comp, ".") != 0;
    out->dirfd = top(&k);
    out->owned = k.depth > 0;
    walk_free(&k, true);
    return WS_ESUCCESS;
}

void ws_path_release(ws_path *p) {
    if (p->owned && p->dirfd >= 0) close(p->dirfd);
    free(p->buf);
    memset(p, 0, sizeof *p);
    p->dirfd = -1;
}
