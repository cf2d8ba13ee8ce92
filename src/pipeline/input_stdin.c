/* The `stdin` input: messages from standard input, cut by a codec. While
 * it waits it watches the pipeline's stop descriptor, so an interrupt ends
 * a pipeline blocked on a quiet terminal or pipe. A closed stdin is an
 * empty input.
 */
#include "pl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

typedef struct stdin_cfg {
    int      codec;
    uint64_t max_buffer;
    uint64_t max_message_size;
} stdin_cfg;

static const pl_field stdin_fields[] = {
    { "codec", PL_T_ENUM, "lines", offsetof(stdin_cfg, codec),
      "How the stream becomes messages: `lines` (one per line, empty lines included, a "
      "trailing \\r dropped) or `all-bytes` (the whole stream is one message).",
      0, pl_input_codecs, 0, 0, NULL },
    { "max_buffer", PL_T_BYTES, NULL, offsetof(stdin_cfg, max_buffer),
      "Bento's name for the same bound (Bento's default is 1000000): when it alone is "
      "written it applies (so `max_buffer: 200MB` takes 200 MB lines, as in Bento); when both "
      "are, the smaller.",
      0, NULL, 1, (int64_t)1 << 30, NULL },
    { "max_message_size", PL_T_BYTES, PL_MAX_MESSAGE_DEFAULT, offsetof(stdin_cfg, max_message_size),
      "The largest message: the longest line, or with `all-bytes` the longest stream. A longer "
      "one becomes an errored message holding its first max_message_size bytes, with an "
      "error naming the line; the rest is read and dropped (never held), and reading "
      "goes on after it.",
      0, NULL, 1, (int64_t)1 << 32, NULL },
    { NULL, 0, NULL, 0, NULL, 0, NULL, 0, 0, NULL },
};

static wp_status stdin_open(const pl_open_ctx *ctx, const void *cfg, void **state,
                            pl_fail *fail) {
    const stdin_cfg *c = cfg;
    pl_reader *r = pl_alloc(ctx->engine, sizeof *r);
    if (!r) return pl_failf(fail, WP_ERR_NOMEM, NULL, "", "out of memory for the reader");
    wp_error err;
    if (c->max_message_size == 0) {
        pl_free(ctx->engine, r, sizeof *r);
        return pl_failf(fail, WP_ERR_INVALID, pl_map_get(ctx->comp->node, "max_message_size"),
                        "max_message_size", "must be at least 1 byte");
    }
    const char *limit_name;
    size_t limit = pl_message_limit(ctx->comp->node, c->max_message_size, c->max_buffer, "max_buffer",
                                    &limit_name);
    if (pl_reader_init(r, ctx->engine, STDIN_FILENO, &ctx->wait, (pl_codec)c->codec, limit,
                       "stdin", &err) != WP_OK) {
        pl_free(ctx->engine, r, sizeof *r);
        return pl_failf(fail, err.code, NULL, "", "%s", err.msg);
    }
    r->limit_name = limit_name;
    /* Started with stdin closed (`<&-`): an empty input. Descriptor 0 is
     * never read then, whatever is opened on it later. */
    if (fcntl(STDIN_FILENO, F_GETFD) < 0 && errno == EBADF) r->eof = true;
    *state = r;
    return WP_OK;
}

static wp_status stdin_files(const pl_open_ctx *ctx, const void *cfg, pl_file_uses *out,
                             pl_fail *fail) {
    (void)cfg;
    if (!pl_file_uses_add(out, NULL, STDIN_FILENO, ctx->comp->at, ""))
        return pl_failf(fail, WP_ERR_NOMEM, NULL, "", "out of memory checking the files");
    return WP_OK;
}

static wp_status stdin_read(void *state, pl_batch *b, wp_error *err) {
    bool done;
    return pl_reader_read(state, b, &done, NULL, NULL, err);
}

static void stdin_close(void *state) {
    if (!state) return;
    pl_reader *r = state;
    wp_engine *e = r->engine;
    pl_reader_free(r);
    pl_free(e, r, sizeof *r);
}

const pl_input_type pl_input_stdin = {
    .spec = {
        .name = "stdin",
        .summary = "Reads messages from standard input.",
        .fields = stdin_fields,
        .cfg_size = sizeof(stdin_cfg),
    },
    .files = stdin_files,
    .open = stdin_open,
    .read = stdin_read,
    .close = stdin_close,
};
