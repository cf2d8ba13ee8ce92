/* The `stdout` output: messages to standard output through a large buffer,
 * written out whenever the pipeline has nothing else ready, so that an
 * interactive pipe sees its lines promptly and a bulk run makes few
 * system calls.
 */
#include "pl.h"

#include <stdlib.h>
#include <unistd.h>

typedef struct stdout_cfg {
    int codec;
} stdout_cfg;

static const pl_field stdout_fields[] = {
    { "codec", PL_T_ENUM, "lines", offsetof(stdout_cfg, codec),
      "`lines`: each message's bytes and a newline. `json`: one object per line, "
      "{\"content\": ..., \"metadata\": {...}}; bytes that are not UTF-8 show as U+FFFD. "
      "`raw`: each message's bytes alone, no separator (with `all-bytes` input, a byte-exact "
      "copy).",
      0, pl_output_codecs, 0, 0, NULL },
    { NULL, 0, NULL, 0, NULL, 0, NULL, 0, 0, NULL },
};

static wp_status stdout_open(const pl_open_ctx *ctx, const void *cfg, void **state,
                             pl_fail *fail) {
    const stdout_cfg *c = cfg;
    pl_writer *w = pl_alloc(ctx->engine, sizeof *w);
    if (!w) return pl_failf(fail, WP_ERR_NOMEM, NULL, "", "out of memory for the writer");
    wp_error err;
    if (pl_writer_init(w, ctx->engine, STDOUT_FILENO, false, (pl_out_codec)c->codec, "stdout",
                       &err) != WP_OK) {
        pl_free(ctx->engine, w, sizeof *w);
        return pl_failf(fail, err.code, NULL, "", "%s", err.msg);
    }
    *state = w;
    return WP_OK;
}

static wp_status stdout_files(const pl_open_ctx *ctx, const void *cfg, pl_file_uses *out,
                              pl_fail *fail) {
    (void)cfg;
    if (!pl_file_uses_add(out, NULL, STDOUT_FILENO, ctx->comp->at, ""))
        return pl_failf(fail, WP_ERR_NOMEM, NULL, "", "out of memory checking the files");
    return WP_OK;
}

static wp_status stdout_write(void *state, wp_message *const *msgs, size_t n, wp_error *err) {
    return pl_writer_write(state, msgs, n, err);
}

static wp_status stdout_flush(void *state, wp_error *err) { return pl_writer_flush(state, err); }

static void stdout_progress(void *state, uint64_t *msgs, uint64_t *bytes) {
    pl_writer_progress(state, msgs, bytes);
}

static void stdout_close(void *state) {
    if (!state) return;
    pl_writer *w = state;
    wp_engine *e = w->engine;
    pl_writer_free(w);
    pl_free(e, w, sizeof *w);
}

const pl_output_type pl_output_stdout = {
    .spec = {
        .name = "stdout",
        .summary = "Writes messages to standard output.",
        .fields = stdout_fields,
        .cfg_size = sizeof(stdout_cfg),
    },
    .files = stdout_files,
    .open = stdout_open,
    .write = stdout_write,
    .flush = stdout_flush,
    .progress = stdout_progress,
    .close = stdout_close,
};
