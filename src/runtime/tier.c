/* Tier selection and the interpreter as a tier. The interpreter needs no
 * preparation of its own: each function is translated to internal code
 * on its first call (lazy.c), or by the decoder with eager translation. */
#include <stdio.h>
#include <string.h>

#include "tier.h"

static wp_status interp_compile(wp_module *m, const uint8_t *bytes, size_t len, wp_error *err)
{
    (void)m; (void)bytes; (void)len; (void)err;
    return WP_OK;
}

static void interp_release(wp_module *m) { (void)m; }

const rt_tier rt_tier_interp = {
    .name = "interp",
    .compile = interp_compile,
    .release = interp_release,
    .call = rt_interp_call,
};

wp_status rt_tier_prepare(wp_module *m, const uint8_t *bytes, size_t len, wp_error *err)
{
    m->tier = &rt_tier_interp;
    m->tier_data = NULL;
#ifdef WP_HAVE_JIT
    if (m->engine->cfg.tier == WP_TIER_JIT) {
        wp_error why;
        memset(&why, 0, sizeof why);
        wp_status s = rt_tier_jit.compile(m, bytes, len, &why);
        if (s == WP_OK) {
            m->tier = &rt_tier_jit;
            return WP_OK;
        }
        if (s == WP_ERR_NOMEM) {
            if (err != NULL)
                *err = why;
            return s;
        }
        /* Refused (or LLVM failed): the interpreter runs it, with the
         * same results. */
        snprintf(m->tier_note, sizeof m->tier_note, "%.200s", why.msg);
    }
#endif
    return rt_tier_interp.compile(m, bytes, len, err);
}

const char *wp_module_tier(const wp_module *m, const char **why_not_jit)
{
    if (why_not_jit != NULL)
        *why_not_jit = (m != NULL && m->tier_note[0] != '\0') ? m->tier_note : NULL;
    return (m != NULL && m->tier != NULL) ? m->tier->name : "interp";
}
