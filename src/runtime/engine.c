/* The engine handle and the fixed texts of the API: creation with the
 * defaults of config.h filled in, the version, and the names of status
 * codes and trap kinds. The engine is the root every other object hangs
 * off, so it is the only object allocated before an allocator is known. */
#include <stdlib.h>
#include <string.h>

#include "rt.h"

int wp_version_number(void) { return WP_VERSION_NUMBER; }

const char *wp_version_string(void) { return WP_VERSION_STRING; }

/* The libc allocator in the Lua shape: size 0 frees. */
static void *libc_alloc(void *ud, void *ptr, size_t old_size, size_t new_size)
{
    (void)ud;
    (void)old_size;
    if (new_size == 0) {
        free(ptr);
        return NULL;
    }
    return realloc(ptr, new_size);
}

wp_status wp_engine_create(const wp_engine_config *cfg, wp_engine **out, wp_error *err)
{
    if (out == NULL)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX, "wp_engine_create: out is NULL");
    *out = NULL;

    wp_engine_config c;
    if (cfg != NULL)
        c = *cfg;
    else
        memset(&c, 0, sizeof c);
    if (c.alloc == NULL) {
        c.alloc = libc_alloc;
        c.alloc_ud = NULL;
    }
    /* Beyond 65536 pages a wasm32 address cannot reach, so a larger cap
     * only wastes address space. */
    if (c.max_memory_pages == 0 || c.max_memory_pages > WP_DEFAULT_MAX_MEMORY_PAGES)
        c.max_memory_pages = WP_DEFAULT_MAX_MEMORY_PAGES;
    if (c.stack_slots == 0)
        c.stack_slots = WP_DEFAULT_STACK_SLOTS;
    if (c.max_call_depth == 0)
        c.max_call_depth = WP_DEFAULT_MAX_CALL_DEPTH;
    if ((unsigned)c.tier > WP_TIER_JIT)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                       "wp_engine_create: tier %u is none of auto, interp, jit", (unsigned)c.tier);
    if (c.tier == WP_TIER_AUTO) {
        /* The switch lets whole test suites run under another tier. */
        const char *env = getenv("WASMPIPE_TIER");
        if (env != NULL && strcmp(env, "jit") == 0)
            c.tier = WP_TIER_JIT;
        else if (env != NULL && strcmp(env, "interp") == 0)
            c.tier = WP_TIER_INTERP;
        else if (env != NULL && env[0] != '\0' && strcmp(env, "auto") != 0)
            return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                           "wp_engine_create: WASMPIPE_TIER='%.40s' is none of auto, interp, jit",
                           env);
    }
    if (c.max_instance_bytes == 0)
        c.max_instance_bytes = WP_DEFAULT_MAX_INSTANCE_BYTES;

    wp_engine *e = c.alloc(c.alloc_ud, NULL, 0, sizeof *e);
    if (e == NULL)
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX, "wp_engine_create: out of memory");
    memset(e, 0, sizeof *e);
    e->cfg = c;
    e->cfg.cache_dir = NULL;
    if (c.cache_dir != NULL && c.cache_dir[0] != '\0') {
        size_t n = strlen(c.cache_dir) + 1;
        char *dir = c.alloc(c.alloc_ud, NULL, 0, n);
        if (dir == NULL) {
            c.alloc(c.alloc_ud, e, sizeof *e, 0);
            return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX, "wp_engine_create: out of memory");
        }
        memcpy(dir, c.cache_dir, n);
        e->cfg.cache_dir = dir;
    }
    if (pthread_mutex_init(&e->types_lock, NULL) != 0) {
        if (e->cfg.cache_dir != NULL)
            c.alloc(c.alloc_ud, (char *)e->cfg.cache_dir, strlen(e->cfg.cache_dir) + 1, 0);
        c.alloc(c.alloc_ud, e, sizeof *e, 0);
        return rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX,
                       "wp_engine_create: cannot initialise the type table lock");
    }
    *out = e;
    return WP_OK;
}

void rt_engine_set_libc_match(wp_engine *e, bool on)
{
    e->libc_match_off = !on;
}

void wp_engine_destroy(wp_engine *e)
{
    if (e == NULL)
        return;
    rt_types_free(e);
    pthread_mutex_destroy(&e->types_lock);
    wp_alloc_fn alloc = e->cfg.alloc;
    void *ud = e->cfg.alloc_ud;
    if (e->cfg.cache_dir != NULL)
        alloc(ud, (char *)e->cfg.cache_dir, strlen(e->cfg.cache_dir) + 1, 0);
    alloc(ud, e, sizeof *e, 0);
}

const char *wp_status_text(wp_status s)
{
    switch (s) {
    case WP_OK:            return "ok";
    case WP_ERR_MALFORMED: return "malformed module";
    case WP_ERR_INVALID:   return "invalid module";
    case WP_ERR_LINK:      return "link error";
    case WP_ERR_TRAP:      return "trap";
    case WP_EXIT:          return "exit";
    case WP_ERR_NOMEM:     return "out of memory";
    case WP_ERR_ARG:       return "bad argument";
    case WP_ERR_NOT_FOUND: return "not found";
    case WP_ERR_IO:        return "i/o error";
    case WP_ERR_INTERNAL:  return "internal error";
    }
    return "unknown status";
}

/* The texts are the ones the official spec tests expect after assert_trap,
 * so a runner can compare by kind and still print the familiar words. */
const char *wp_trap_kind_text(wp_trap_kind kind)
{
    switch (kind) {
    case WP_TRAP_NONE:               return "no trap";
    case WP_TRAP_UNREACHABLE:        return "unreachable";
    case WP_TRAP_MEMORY_OOB:         return "out of bounds memory access";
    case WP_TRAP_TABLE_OOB:          return "out of bounds table access";
    case WP_TRAP_UNDEFINED_ELEMENT:  return "undefined element";
    case WP_TRAP_UNINITIALIZED:      return "uninitialized element";
    case WP_TRAP_INDIRECT_TYPE:      return "indirect call type mismatch";
    case WP_TRAP_DIV_ZERO:           return "integer divide by zero";
    case WP_TRAP_INT_OVERFLOW:       return "integer overflow";
    case WP_TRAP_INVALID_CONVERSION: return "invalid conversion to integer";
    case WP_TRAP_STACK_EXHAUSTED:    return "call stack exhausted";
    case WP_TRAP_INTERRUPTED:        return "interrupted";
    case WP_TRAP_HOST:               return "host function failed";
    case WP_TRAP_SEGMENT_OOB:        return "out of bounds segment access";
    case WP_TRAP_NULL_REFERENCE:     return "null reference";
    }
    return "unknown trap";
}
