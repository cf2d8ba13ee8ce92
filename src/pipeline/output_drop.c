/* The `drop` output: accepts messages and writes nothing, for measuring a
 * pipeline without its output, or for discarding errored messages quietly.
 */
#include "pl.h"

static const pl_field drop_fields[] = {
    { NULL, 0, NULL, 0, NULL, 0, NULL, 0, 0, NULL },
};

static wp_status drop_open(const pl_open_ctx *ctx, const void *cfg, void **state,
                           pl_fail *fail) {
    (void)ctx;
    (void)cfg;
    (void)fail;
    *state = NULL;
    return WP_OK;
}

static wp_status drop_write(void *state, wp_message *const *msgs, size_t n, wp_error *err) {
    (void)state;
    (void)msgs;
    (void)n;
    (void)err;
    return WP_OK;
}

static wp_status drop_flush(void *state, wp_error *err) {
    (void)state;
    (void)err;
    return WP_OK;
}

static void drop_close(void *state) { (void)state; }

const pl_output_type pl_output_drop = {
    .spec = {
        .name = "drop",
        .summary = "Discards messages (they still count as written).",
        .fields = drop_fields,
        .cfg_size = 0,
    },
    .open = drop_open,
    .write = drop_write,
    .flush = drop_flush,
    .close = drop_close,
};
