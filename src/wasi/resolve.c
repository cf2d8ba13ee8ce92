/* Sandboxed path resolution: the one place that turns a guest path into a
 * host (directory descriptor, name) pair, and so the one place that keeps
 * the guest inside its preopened directories.
 *
 * The walk goes one component at a time from the base directory. Each
 * directory on the way is opened with openat(O_NOFOLLOW | O_DIRECTORY) from
 * the one before, and ".." goes back to the real parent by walking the
 * remembered names again from the base, so it can never rise above the
 * base, and a hostile path holds at most two descriptors at any time.
 * Symbolic links are read with readlinkat and their text spliced into the
 * rest of the path, then walked by the same rules: an absolute target or
 * one that climbs above the base is refused like the guest's own path
 * would be. The kernel therefore never follows a link or a ".." on the
 * guest's behalf, and a link swapped in during the walk makes the
 * O_NOFOLLOW open fail instead of escaping.
 */
#include "ws.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

/* The rest of the path still to walk lives in `rest`, a heap buffer that a
 * symbolic link's text is spliced into. */
typedef struct walk {
    wp_engine *engine;   /* allocates rest and names */
    char    *rest;       /* rest_len + 1 bytes */
    size_t   rest_len;
    int      base;       /* the directory the path is relative to (not ours) */
    int      cur;        /* the directory reached: base, or ours to close */
    char    *names;      /* the names from base to cur, each NUL-terminated */
    size_t   names_len;
    size_t   names_cap;
    uint32_t depth;      /* how many names */
    uint32_t links;      /* symbolic links expanded so far */
} walk;

static int top(const walk *k) {
    return k->cur;
}

static void walk_free(walk *k, bool keep_cur) {
    if (!keep_cur && k->cur != k->base) close(k->cur);
    wp_engine_free(k->engine, k->names, k->names_cap);
    wp_engine_free(k->engine, k->rest, k->rest_len + 1);
}

static void set_cur(walk *k, int fd) {
    if (k->cur != k->base) close(k->cur);
    k->cur = fd;
}

static uint16_t open_dir(int at, const char *name, int *out) {
    *out = openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    return *out < 0 ? ws_errno_now() : WS_ESUCCESS;
}

/* Steps into the subdirectory `name` of cur. */
static uint16_t descend(walk *k, const char *name) {
    size_t len = strlen(name) + 1;
    if (k->names_len + len > k->names_cap) {
        size_t cap = (k->names_len + len) * 2;
        char *n = wp_engine_realloc(k->engine, k->names, k->names_cap, cap);
        if (!n) return WS_ENOMEM;
        k->names = n;
        k->names_cap = cap;
    }
    int d;
    uint16_t e = open_dir(k->cur, name, &d);
    if (e) return e;
    memcpy(k->names + k->names_len, name, len);
    k->names_len += len;
    k->depth++;
    set_cur(k, d);
    return WS_ESUCCESS;
}

/* Steps back to the parent: forgets the last name and walks the others
 * again from the base. */
static uint16_t ascend(walk *k) {
    if (k->depth == 0) return WS_ENOTCAPABLE;
    size_t end = k->names_len - 1; /* the last name's NUL */
    while (end > 0 && k->names[end - 1] != '\0') end--;
    k->names_len = end;
    k->depth--;
    set_cur(k, k->base);
    for (size_t at = 0; at < k->names_len; at += strlen(k->names + at) + 1) {
        int d;
        uint16_t e = open_dir(k->cur, k->names + at, &d);
        if (e) return e; /* moved away meanwhile */
        set_cur(k, d);
    }
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
    char *r = wp_engine_alloc(k->engine, (size_t)n + tail + 1);
    if (!r) return WS_ENOMEM;
    memcpy(r, target, (size_t)n);
    memcpy(r + n, k->rest + after, tail);
    r[(size_t)n + tail] = '\0';
    wp_engine_free(k->engine, k->rest, k->rest_len + 1);
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
    k.engine = c->w->engine;
    k.base = k.cur = base->host;
    k.rest = wp_engine_alloc(k.engine, (size_t)path_len + 1);
    if (!k.rest) return WS_ENOMEM;
    memcpy(k.rest, p, path_len);
    k.rest[path_len] = '\0';
    k.rest_len = path_len;

    uint16_t e = WS_ESUCCESS;
    size_t at = 0;
    char comp[256];           /* the component being looked at */
    bool want_dir = false, not_dir = false;
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
            if (comp[1] == '.' && (e = ascend(&k))) break;
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
            not_dir = slash_after && !S_ISDIR(st.st_mode);
            break;
        }
        if (!S_ISDIR(st.st_mode)) {
            e = WS_ENOTDIR;
            break;
        }
        if ((e = descend(&k, comp))) break;
    }
    if (e) {
        walk_free(&k, false);
        return e;
    }
    _Static_assert(sizeof comp <= sizeof out->buf, "a component fits in ws_path.buf");
    memcpy(out->buf, comp, strlen(comp) + 1);
    out->name = out->buf;
    out->want_dir = want_dir && strcmp(comp, ".") != 0;
    out->not_dir = not_dir;
    out->dirfd = k.cur;
    out->owned = k.cur != k.base;
    out->depth = k.depth;
    walk_free(&k, true);
    return WS_ESUCCESS;
}

void ws_path_release(ws_path *p) {
    if (p->owned && p->dirfd >= 0) close(p->dirfd);
    memset(p, 0, sizeof *p);
    p->dirfd = -1;
}

bool ws_link_text_inside(const char *text, size_t len, uint32_t depth) {
    if (len == 0 || text[0] == '/') return false;
    uint64_t d = depth;
    for (size_t at = 0; at < len;) {
        size_t start = at;
        while (at < len && text[at] != '/') at++;
        size_t n = at - start;
        while (at < len && text[at] == '/') at++;
        if (n == 0 || (n == 1 && text[start] == '.')) continue;
        if (n == 2 && text[start] == '.' && text[start + 1] == '.') {
            if (d == 0) return false;
            d--;
        } else {
            d++;
        }
    }
    return true;
}
