/* The `file` input: the files named by `paths`, one after the other, cut
 * into messages by a codec; each message gets its file in the `path`
 * metadata key, as in Bento. Glob patterns are expanded and every file is
 * checked when the pipeline is created, so a missing file is reported
 * with the position of its entry before anything runs.
 */
#include "pl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct file_in_cfg {
    pl_strs  paths;
    int      codec;
    uint64_t max_buffer;
    uint64_t max_message_size;
} file_in_cfg;

static const pl_field file_in_fields[] = {
    { "paths", PL_T_STR_LIST, NULL, offsetof(file_in_cfg, paths),
      "Files read one after the other. Glob patterns (`*`, `?`, `[...]` within a path "
      "component, and `**` as a whole component for any number of directories, as in "
      "Bento) expand in sorted order and must match at least one file; directories they "
      "match are skipped, and a file named literally matches itself even if its name holds "
      "`[`. Relative paths are taken from the current directory.",
      PL_REQUIRED, NULL, 1, 0, NULL },
    { "codec", PL_T_ENUM, "lines", offsetof(file_in_cfg, codec),
      "`lines` (one message per line) or `all-bytes` (one message per file).", 0,
      pl_input_codecs, 0, 0, NULL },
    { "max_buffer", PL_T_BYTES, NULL, offsetof(file_in_cfg, max_buffer),
      "Bento's name for the same bound (Bento's default is 1000000): when it alone is "
      "written it applies (so `max_buffer: 200MB` takes 200 MB lines, as in Bento); when both "
      "are, the smaller.",
      0, NULL, 1, (int64_t)1 << 30, NULL },
    { "max_message_size", PL_T_BYTES, PL_MAX_MESSAGE_DEFAULT, offsetof(file_in_cfg, max_message_size),
      "The largest message: the longest line, or with `all-bytes` the longest file. A longer "
      "one becomes an errored message holding its first max_message_size bytes, with an "
      "error naming the file and the line; the rest is read and dropped (never held), and reading "
      "goes on after it.",
      0, NULL, 1, (int64_t)1 << 32, NULL },
    { NULL, 0, NULL, 0, NULL, 0, NULL, 0, 0, NULL },
};

typedef struct file_in {
    wp_engine *engine;    /* whose allocator everything here is */
    char     **files;     /* expanded, owned */
    size_t     nfiles, next, files_cap;
    pl_codec   codec;
    size_t     max_line;
    const char *limit_name;
    pl_waiter  wait;
    bool       open;
    pl_reader  r;
    const char *current;
} file_in;

static void file_in_free(file_in *f) {
    if (!f) return;
    if (f->open) {
        close(f->r.fd);
        pl_reader_free(&f->r);
    }
    wp_engine *e = f->engine;
    for (size_t i = 0; i < f->nfiles; i++) pl_strfree(e, f->files[i]);
    pl_free(e, f->files, f->files_cap * sizeof *f->files);
    pl_free(e, f, sizeof *f);
}

static bool add_file(file_in *f, const char *path) {
    if (f->nfiles == f->files_cap) {
        size_t nc = f->files_cap ? f->files_cap * 2 : 8;
        char **v = pl_realloc(f->engine, f->files, f->files_cap * sizeof *v, nc * sizeof *v);
        if (!v) return false;
        f->files = v;
        f->files_cap = nc;
    }
    char *copy = pl_strdup(f->engine, path);
    if (!copy) return false;
    f->files[f->nfiles++] = copy;
    return true;
}

/* Can this file be read? Reports why not. */
static wp_status check_file(const char *path, const pl_node *at, const char *field,
                            pl_fail *fail) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return pl_failf(fail, WP_ERR_IO, at, field, "cannot open '%s': %s", path,
                        strerror(errno));
    struct stat st;
    bool dir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
    close(fd);
    if (dir) return pl_failf(fail, WP_ERR_IO, at, field, "'%s' is a directory", path);
    return WP_OK;
}

static wp_status file_open(const pl_open_ctx *ctx, const void *cfg, void **state,
                           pl_fail *fail) {
    const file_in_cfg *c = cfg;
    file_in *f = pl_alloc(ctx->engine, sizeof *f);
    if (!f) return pl_failf(fail, WP_ERR_NOMEM, NULL, "", "out of memory for the input");
    f->engine = ctx->engine;
    f->codec = (pl_codec)c->codec;
    if (c->max_message_size == 0) {
        file_in_free(f);
        return pl_failf(fail, WP_ERR_INVALID, pl_map_get(ctx->comp->node, "max_message_size"),
                        "max_message_size", "must be at least 1 byte");
    }
    f->max_line = pl_message_limit(ctx->comp->node, c->max_message_size, c->max_buffer, "max_buffer",
                                   &f->limit_name);
    f->wait = ctx->wait;   /* a path may be a FIFO that blocks */
    for (size_t i = 0; i < c->paths.n; i++) {
        const char *p = c->paths.v[i];
        const pl_node *at = c->paths.node && i < c->paths.node->n ? c->paths.node->items[i]
                                                                    : NULL;
        char field[32];
        snprintf(field, sizeof field, "paths[%zu]", i);
        if (!p[0]) {
            file_in_free(f);
            return pl_failf(fail, WP_ERR_INVALID, at, field, "the path is empty");
        }
        if (!strpbrk(p, "*?[")) {
            wp_status s = check_file(p, at, field, fail);
            if (s == WP_OK && !add_file(f, p))
                s = pl_failf(fail, WP_ERR_NOMEM, at, field, "out of memory for the file list");
            if (s != WP_OK) {
                file_in_free(f);
                return s;
            }
            continue;
        }
        pl_paths g;
        char why[128];
        wp_status gs = pl_glob(f->engine, p, &g, why, sizeof why);
        if (gs != WP_OK || g.n == 0) {
            file_in_free(f);
            if (gs != WP_OK) return pl_failf(fail, gs, at, field, "'%s': %s", p, why);
            return pl_failf(fail, WP_ERR_IO, at, field, "'%s' matches no file", p);
        }
        for (size_t k = 0; k < g.n; k++) {
            wp_status s = check_file(g.v[k], at, field, fail);
            if (s == WP_OK && !add_file(f, g.v[k]))
                s = pl_failf(fail, WP_ERR_NOMEM, at, field, "out of memory for the file list");
            if (s != WP_OK) {
                pl_paths_free(&g);
                file_in_free(f);
                return s;
            }
        }
        pl_paths_free(&g);
    }
    *state = f;
    return WP_OK;
}

/* The files it would read: the expansion open() makes. */
static wp_status file_files(const pl_open_ctx *ctx, const void *cfg, pl_file_uses *out,
                            pl_fail *fail) {
    const file_in_cfg *c = cfg;
    void *state;
    wp_status s = file_open(ctx, cfg, &state, fail);
    if (s != WP_OK) return s;
    file_in *f = state;
    for (size_t i = 0; i < f->nfiles && s == WP_OK; i++) {
        /* The entry that names it, when one does literally; else the list. */
        const pl_node *at = c->paths.node;
        char field[32] = "paths";
        for (size_t k = 0; k < c->paths.n; k++)
            if (strcmp(c->paths.v[k], f->files[i]) == 0) {
                if (c->paths.node && k < c->paths.node->n) at = c->paths.node->items[k];
                snprintf(field, sizeof field, "paths[%zu]", k);
                break;
            }
        if (!pl_file_uses_add(out, f->files[i], -1, at, field))
            s = pl_failf(fail, WP_ERR_NOMEM, NULL, "", "out of memory checking the files");
    }
    file_in_free(f);
    return s;
}

static wp_status file_read(void *state, pl_batch *b, wp_error *err) {
    file_in *f = state;
    for (;;) {
        if (!f->open) {
            if (f->next >= f->nfiles) return WP_OK;   /* the end of the last file */
            const char *path = f->files[f->next++];
            int fd = pl_fd_off_std(open(path, O_RDONLY | O_CLOEXEC));
            if (fd < 0) return pl_error(err, WP_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
            wp_status s = pl_reader_init(&f->r, f->engine, fd, &f->wait, f->codec, f->max_line,
                                         path, err);
            if (s != WP_OK) {
                close(fd);
                return s;
            }
            f->r.limit_name = f->limit_name;
            f->open = true;
            f->current = path;
        }
        bool done;
        uint64_t line = f->r.line;
        size_t had = b->n;
        wp_status s = pl_reader_read(&f->r, b, &done, "path", f->current, err);
        if (had == 0 && b->n > 0) {
            /* A batch comes from one file: errors can name it and the line. */
            b->source = f->current;
            b->source_line = f->codec == PL_CODEC_LINES ? line + 1 : 0;
        }
        if (s != WP_OK) return s;
        if (done) {
            close(f->r.fd);
            pl_reader_free(&f->r);
            f->open = false;
        }
        if (b->n > 0) return WP_OK;
    }
}

static void file_close(void *state) { file_in_free(state); }

const pl_input_type pl_input_file = {
    .spec = {
        .name = "file",
        .summary = "Reads messages from files.",
        .details = "Each message carries the file it came from in its `path` metadata key, "
                   "as in Bento. Every file is checked when the pipeline starts, so a missing "
                   "one is reported before any input is read.",
        .fields = file_in_fields,
        .cfg_size = sizeof(file_in_cfg),
    },
    .files = file_files,
    .open = file_open,
    .read = file_read,
    .close = file_close,
};
