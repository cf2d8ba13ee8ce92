/* The LLVM tier. */
#include "../tier.h"

static wp_status jit_compile(wp_module *m, const uint8_t *bytes, size_t len, wp_error *err)
{
    (void)m; (void)bytes; (void)len;
    return rt_fail(err, WP_ERR_NOT_FOUND, UINT32_MAX, "jit: not compiled by this version");
}

static void jit_release(wp_module *m) { (void)m; }

const rt_tier rt_tier_jit = {
    .name = "jit",
    .compile = jit_compile,
    .release = jit_release,
    .call = rt_interp_call,
};
