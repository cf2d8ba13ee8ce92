/* The execution tiers behind one interface. A tier prepares a decoded and
 * validated module once (wp_module_compile) and then runs its functions;
 * instances of the module share what the tier prepared. The interpreter
 * (rt_tier_interp) runs every module; the LLVM tier (rt_tier_jit, built
 * with WP_JIT) compiles what it supports to native code, and a module it
 * refuses runs on the interpreter instead.
 *
 * Every wasm function keeps its interpreter code whatever its module's
 * tier, so a caller in any tier can run any wasm function; calls between
 * tiers go through rt_call.
 */
#ifndef WP_TIER_H
#define WP_TIER_H

#include "rt.h"

typedef struct rt_tier {
    const char *name;    /* "interp", "jit" */
    /* Prepares m (bytes/len: its binary, valid during the call) and sets
     * m->tier_data. WP_ERR_NOT_FOUND: the tier does not support something
     * in the module (err says what); the module then runs on the
     * interpreter, as it does on any other error but WP_ERR_NOMEM, which
     * fails the compile. */
    wp_status (*compile)(wp_module *m, const uint8_t *bytes, size_t len, wp_error *err);
    /* As compile, from the compile cache only (NULL: the tier has none):
     * WP_OK on a hit; WP_ERR_NOT_FOUND on a miss or an unusable file (the
     * module's cache note says why), and a later compile does not read the
     * cache again. Lets auto start a cached module on native code at once. */
    wp_status (*load_cached)(wp_module *m, const uint8_t *bytes, size_t len, wp_error *err);
    /* Frees m->tier_data (NULL-safe). */
    void (*release)(wp_module *m);
    /* Runs the wasm function f of a module prepared by this tier on exec;
     * slots holds the arguments on entry and the results on return. */
    wp_status (*call)(rt_exec *exec, wp_func *f, uint64_t *slots, wp_error *err);
} rt_tier;

extern const rt_tier rt_tier_interp;
#ifdef WP_HAVE_JIT
extern const rt_tier rt_tier_jit;
#endif

/* wp_module.cache_state: what the compile cache did (wp_module_cache). */
enum rt_cache_state { RT_CACHE_OFF = 0, RT_CACHE_HIT, RT_CACHE_MISS };

/* Picks the tier for a new module (m->tier_want: interp, jit or auto),
 * compiles it there and falls back to the interpreter when the chosen
 * tier refuses the module (tier.c). With auto the module runs on the
 * interpreter at once and a background thread compiles it with the JIT;
 * when that is done, rt_module_tier(m) becomes the JIT, so new calls run
 * native code while calls already running finish on the interpreter. */
wp_status rt_tier_prepare(wp_module *m, const uint8_t *bytes, size_t len, wp_error *err);

/* Ends m's background compile, if any: asks it to stop at its next check
 * and waits for its thread. Called by wp_module_destroy. */
void rt_tier_stop(wp_module *m);

#endif
