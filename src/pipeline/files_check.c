/* The start-up check that a pipeline does not read and write one file, or
 * write one file twice: the input would feed on its own output (or be
 * emptied by `append: false` before it is read), and two outputs on one
 * file tear each other's lines. Each component lists the files it will use
 * from its config (the `files` hook), before anything is opened; two uses
 * by different components collide when they are the same regular file
 * (device and inode, so symlinks and hard links count), or, for outputs
 * that do not exist yet, the same path once its directory is resolved.
 * Standard streams count when they are redirected to a regular file. Other
 * kinds (terminals, /dev/null, pipes) can be shared.
 */
#include "pl.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

bool pl_file_uses_add(pl_file_uses *u, const char *path, int fd, const pl_node *at,
                      const char *field) {
    if (u->n == u->cap) {
        size_t cap = u->cap ? u->cap * 2 : 8;
        pl_file_use *v = pl_realloc(u->engine, u->v, u->cap * sizeof *v, cap * sizeof *v);
        if (!v) return false;
        u->v = v;
        u->cap = cap;
    }
    pl_file_use *e = &u->v[u->n];
    memset(e, 0, sizeof *e);
    if (path && !(e->path = pl_strdup(u->engine, path))) return false;
    e->fd = fd;
    e->at = at;
    snprintf(e->field, sizeof e->field, "%s", field ? field : "");
    u->n++;
    return true;
}

static void uses_free(pl_file_uses *u) {
    for (size_t i = 0; i < u->n; i++) pl_strfree(u->engine, u->v[i].path);
    pl_free(u->engine, u->v, u->cap * sizeof *u->v);
}

/* What a use is, as far as sharing goes. */
typedef struct ident {
    int          owner;   /* index of the component */
    bool         inode;   /* dev/ino are set: an existing regular file */
    dev_t        dev;
    ino_t        ino;
    char        *resolved;   /* a file that does not exist yet: its full path (pl_strfree) */
    const pl_file_use *use;
} ident;

/* "dir/name" with dir resolved, for a path that does not exist, in *out;
 * NULL when the directory does not exist either (opening it will say so).
 * false: out of memory. */
static bool resolve_new(wp_engine *e, const char *path, char **out) {
    *out = NULL;
    const char *slash = strrchr(path, '/');
    char dir[PATH_MAX];
    const char *name = slash ? slash + 1 : path;
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else if (slash == path)
        snprintf(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    char *real = realpath(dir, NULL);   /* libc's malloc */
    if (!real) return errno != ENOMEM;
    size_t n = strlen(real) + strlen(name) + 2;
    *out = pl_alloc(e, n);
    if (*out) snprintf(*out, n, "%s/%s", real, name);
    free(real);
    return *out != NULL;
}

/* false: out of memory. */
static bool identify(wp_engine *e, ident *id, const pl_file_use *u) {
    struct stat st;
    int rc = u->path ? stat(u->path, &st) : fstat(u->fd, &st);
    if (rc == 0) {
        if (!S_ISREG(st.st_mode)) return true;
        id->inode = true;
        id->dev = st.st_dev;
        id->ino = st.st_ino;
        return true;
    }
    if (u->path && errno == ENOENT) return resolve_new(e, u->path, &id->resolved);
    return true;
}

static bool same(const ident *a, const ident *b) {
    if (a->inode && b->inode) return a->dev == b->dev && a->ino == b->ino;
    if (a->resolved && b->resolved) return strcmp(a->resolved, b->resolved) == 0;
    return false;
}

static void describe(char *buf, size_t size, const pl_component *comp, const pl_file_use *u) {
    char where[200];
    if (u->field[0])
        pl_format(where, sizeof where, "%s.%s", comp->path, u->field);
    else
        pl_format(where, sizeof where, "%s", comp->path);
    if (u->path)
        pl_format(buf, size, "%s ('%s')", where, u->path);
    else
        pl_format(buf, size, "%s (%s, a file)", where,
                  u->fd == 0 ? "standard input" : "standard output");
}

wp_status pl_check_files(const pl_config *cfg, const pl_open_ctx *ctx, wp_diags *d) {
    const pl_component *comps[3] = { &cfg->input, &cfg->output, &cfg->errors };
    pl_file_uses uses[3];
    memset(uses, 0, sizeof uses);
    wp_engine *e = ctx->engine;
    for (int c = 0; c < 3; c++) uses[c].engine = e;
    wp_status st = WP_OK;
    for (int c = 0; c < 3 && st == WP_OK; c++) {
        const pl_component *comp = comps[c];
        if (!comp->type) continue;
        wp_status (*files)(const pl_open_ctx *, const void *, pl_file_uses *, pl_fail *) =
            c == 0 ? ((const pl_input_type *)comp->type)->files
                   : ((const pl_output_type *)comp->type)->files;
        if (!files) continue;
        pl_open_ctx cc = *ctx;
        cc.comp = comp;
        pl_fail f = { 0 };
        st = files(&cc, comp->cfg, &uses[c], &f);
        if (st != WP_OK) {
            char path[160];
            if (f.field[0])
                pl_format(path, sizeof path, "%s.%s", comp->path, f.field);
            else
                pl_format(path, sizeof path, "%s", comp->path);
            pl_diag(d, f.at ? f.at : comp->at, path, "%s", f.msg);
        }
    }
    size_t total = uses[0].n + uses[1].n + uses[2].n;
    size_t nids = total ? total : 1;
    ident *ids = st == WP_OK ? pl_alloc(e, nids * sizeof *ids) : NULL;
    if (st == WP_OK && !ids) {
        pl_diag(d, NULL, NULL, "out of memory checking the files");
        st = WP_ERR_NOMEM;
    }
    size_t n = 0;
    for (int c = 0; c < 3 && ids && st == WP_OK; c++)
        for (size_t i = 0; i < uses[c].n && st == WP_OK; i++, n++) {
            ids[n].owner = c;
            ids[n].use = &uses[c].v[i];
            if (!identify(e, &ids[n], &uses[c].v[i])) {
                pl_diag(d, NULL, NULL, "out of memory checking the files");
                st = WP_ERR_NOMEM;
            }
        }
    for (size_t j = 0; st == WP_OK && j < n; j++)
        for (size_t i = 0; st == WP_OK && i < j; i++) {
            if (ids[i].owner == ids[j].owner || !same(&ids[i], &ids[j])) continue;
            /* Output and errors both on stdout take turns on purpose. */
            if (!ids[i].use->path && !ids[j].use->path && ids[i].use->fd == ids[j].use->fd)
                continue;
            const pl_component *a = comps[ids[i].owner], *b = comps[ids[j].owner];
            char da[400], db[400], path[200];
            describe(da, sizeof da, a, ids[i].use);
            describe(db, sizeof db, b, ids[j].use);
            if (ids[j].use->field[0])
                pl_format(path, sizeof path, "%s.%s", b->path, ids[j].use->field);
            else
                pl_format(path, sizeof path, "%s", b->path);
            pl_diag(d, ids[j].use->at ? ids[j].use->at : b->at, path,
                    "%s and %s are the same file: %s", da, db,
                    ids[i].owner == 0 ? "the pipeline would read its own output"
                                      : "the two outputs would tear each other's lines");
            st = WP_ERR_INVALID;
        }
    for (size_t i = 0; ids && i < n; i++) pl_strfree(e, ids[i].resolved);
    pl_free(e, ids, nids * sizeof *ids);
    for (int c = 0; c < 3; c++) uses_free(&uses[c]);
    return st;
}
