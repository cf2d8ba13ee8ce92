/* The `file` output: messages appended to (or, with append: false,
 * written over) one file. The file is opened when the pipeline is created,
 * so a path that cannot be written is a configuration error with its
 * position, not a failure half-way through a run.
 */
#include "pl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct file_out_cfg {
    const char *path;
    int         codec;
    bool        append;
    bool        fsync;
} file_out_cfg;

static const pl_field file_out_fields[] = {
    { "path", PL_T_STR, NULL, offsetof(file_out_cfg, path),
      "The file to write, created if missing. A relative path is taken from the current "
      "directory.",
      PL_REQUIRED, NULL, 0, 0, NULL },
    { "codec", PL_T_ENUM, "lines", offsetof(file_out_cfg, codec),
      "`lines`, `json` or `raw`, as for `stdout`.", 0, pl_output_codecs, 0, 0, NULL },
    { "append", PL_T_BOOL, "true", offsetof(file_out_cfg, append),
      "true: add to the end of an existing file, as Bento does with the lines codec; false: "
      "empty it first.",
      0, NULL, 0, 0, NULL },
    { "fsync", PL_T_BOOL, "false", offsetof(file_out_cfg, fsync),
      "true: call fsync(2) each time buffered output is pushed to the file (when the buffer "
      "fills, when the input waits, at the end), and count a message as out only once it is "
      "on disk; slower, for data that must survive a crash.",
      0, NULL, 0, 0, NULL },
    { NULL, 0, NULL, 0, NULL, 0, NULL, 0, 0, NULL },
};

static wp_status file_open(const pl_open_ctx *ctx, const void *cfg, void **state,
                           pl_fail *fail) {
    const file_out_cfg *c = cfg;
    const pl_node *at = pl_map_get(ctx->comp->node, "path");
    if (!c->path[0]) return pl_failf(fail, WP_ERR_INVALID, at, "path", "the path is empty");
    int flags = O_WRONLY | O_CREAT | O_CLOEXEC | (c->append ? O_APPEND : O_TRUNC);
    int fd = pl_fd_off_std(open(c->path, flags, 0666));
    if (fd < 0)
        return pl_failf(fail, WP_ERR_IO, at, "path", "cannot open '%s' for writing: %s",
                        c->path, strerror(errno));
    pl_writer *w = pl_alloc(ctx->engine, sizeof *w);
    if (!w) {
        close(fd);
        return pl_failf(fail, WP_ERR_NOMEM, NULL, "", "out of memory for the writer");
    }
    wp_error err;
    if (pl_writer_init(w, ctx->engine, fd, true, (pl_out_codec)c->codec, c->path, &err) !=
        WP_OK) {
        pl_free(ctx->engine, w, sizeof *w);
        close(fd);
        return pl_failf(fail, err.code, NULL, "", "%s", err.msg);
    }
    w->sync = c->fsync;
    *state = w;
    return WP_OK;
}

static wp_status file_files(const pl_open_ctx *ctx, const void *cfg, pl_file_uses *out,
                            pl_fail *fail) {
    const file_out_cfg *c = cfg;
    if (c->path && c->path[0] &&
        !pl_file_uses_add(out, c->path, -1, pl_map_get(ctx->comp->node, "path"), "path"))
        return pl_failf(fail, WP_ERR_NOMEM, NULL, "", "out of memory checking the files");
    return WP_OK;
}

static wp_status file_write(void *state, wp_message *const *msgs, size_t n, wp_error *err) {
    return pl_writer_write(state, msgs, n, err);
}

static wp_status file_flush(void *state, wp_error *err) { return pl_writer_flush(state, err); }

static void file_progress(void *state, uint64_t *msgs, uint64_t *bytes) {
    pl_writer_progress(state, msgs, bytes);
}

static void file_close(void *state) {
    if (!state) return;
    pl_writer *w = state;
    wp_engine *e = w->engine;
    pl_writer_free(w);
    pl_free(e, w, sizeof *w);
}

const pl_output_type pl_output_file = {
    .spec = {
        .name = "file",
        .summary = "Writes messages to a file.",
        .fields = file_out_fields,
        .cfg_size = sizeof(file_out_cfg),
    },
    .files = file_files,
    .open = file_open,
    .write = file_write,
    .flush = file_flush,
    .progress = file_progress,
    .close = file_close,
};
