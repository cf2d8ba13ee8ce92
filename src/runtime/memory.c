/* Linear memories. A memory reserves the address space of its whole
 * maximum once, inaccessible (PROT_NONE, MAP_NORESERVE: it costs neither
 * RAM nor commit charge), and makes pages readable and writable as it
 * grows. So the data never moves: views handed to host functions and the
 * interpreter's cached base pointer stay valid across memory.grow, and
 * growing never copies. Fresh anonymous pages read as zero, as the spec
 * wants.
 *
 * The maximum is the declared one capped by the engine's or instance's
 * max_memory_pages. Even a memory that can never hold a byte gets one
 * reserved page, so its data pointer is valid and never NULL. */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "rt.h"

#define PAGE_SIZE ((uint64_t)65536)
#define WASM32_MAX_PAGES 65536u

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }

/* Reserves `bytes` of inaccessible address space, or NULL. */
static uint8_t *reserve(size_t bytes)
{
    void *p = mmap(NULL, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

wp_status rt_memory_init(wp_memory *mem, wp_engine *e, rt_limits limits, uint32_t cap_pages,
                         rt_budget *budget, wp_error *err)
{
    memset(mem, 0, sizeof *mem);
    mem->engine = e;
    mem->declared = limits;

    if (cap_pages == 0 || cap_pages > WASM32_MAX_PAGES)
        cap_pages = WASM32_MAX_PAGES;
    uint32_t max = limits.has_max ? min_u32(limits.max, cap_pages) : cap_pages;
    if (limits.min > WASM32_MAX_PAGES || (limits.has_max && limits.min > limits.max))
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                       "memory limits invalid: min %u pages, max %u pages", limits.min,
                       limits.has_max ? limits.max : WASM32_MAX_PAGES);
    if (limits.min > max)
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX,
                       "memory needs %u pages at start, above the cap of %u pages "
                       "(max_memory_pages)", limits.min, max);

    /* Keep the reservation within what a size_t can say (32-bit hosts). */
    uint64_t want = (uint64_t)max * PAGE_SIZE;
    if (want > (uint64_t)(SIZE_MAX / 2))
        want = (uint64_t)(SIZE_MAX / 2) & ~(PAGE_SIZE - 1);
    uint64_t need = (uint64_t)limits.min * PAGE_SIZE;
    if (need > want)
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX,
                       "memory of %u pages does not fit the address space", limits.min);

    char what[64];
    snprintf(what, sizeof what, "a memory of %u pages", limits.min);
    wp_status s = rt_budget_charge(budget, need, err, what);
    if (s != WP_OK)
        return s;

    /* If the address space is limited (ulimit -v), settle for less: the
     * spec lets memory.grow fail, and the maximum shrinks to match. */
    size_t bytes = (size_t)(want ? want : PAGE_SIZE);
    uint8_t *data = reserve(bytes);
    while (data == NULL && bytes / 2 >= need && bytes / 2 >= PAGE_SIZE) {
        bytes = (size_t)(((uint64_t)bytes / 2) & ~(PAGE_SIZE - 1));
        data = reserve(bytes);
    }
    if (data == NULL) {
        rt_budget_give(budget, need);
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX,
                       "cannot reserve %llu bytes of address space for a memory of %u pages",
                       (unsigned long long)(need ? need : PAGE_SIZE), limits.min);
    }
    if (need > 0 && mprotect(data, (size_t)need, PROT_READ | PROT_WRITE) != 0) {
        munmap(data, bytes);
        rt_budget_give(budget, need);
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX,
                       "cannot commit %u pages of memory", limits.min);
    }
    mem->budget = budget;
    mem->data = data;
    mem->reserved = bytes;
    mem->pages = limits.min;
    mem->size = need;
    uint64_t reserved_pages = (uint64_t)bytes / PAGE_SIZE;
    mem->max_pages = want ? (uint32_t)(reserved_pages < max ? reserved_pages : max) : 0;
    return WP_OK;
}

void rt_memory_fini(wp_memory *mem)
{
    if (mem->data != NULL) {
        munmap(mem->data, mem->reserved);
        rt_budget_give(mem->budget, mem->size);
    }
    mem->data = NULL;
    mem->reserved = 0;
    mem->size = 0;
    mem->pages = 0;
}

int64_t rt_memory_grow(wp_memory *mem, uint32_t delta)
{
    uint32_t old = mem->pages;
    if (delta == 0)
        return old;
    if (mem->data == NULL || delta > mem->max_pages || old > mem->max_pages - delta)
        return -1;
    uint64_t new_size = (uint64_t)(old + delta) * PAGE_SIZE;
    if (new_size > mem->reserved || !rt_budget_take(mem->budget, new_size - mem->size))
        return -1;
    /* The pages between size and new_size were never accessible, so they
     * are still zero. */
    if (mprotect(mem->data + mem->size, (size_t)(new_size - mem->size),
                 PROT_READ | PROT_WRITE) != 0) {
        rt_budget_give(mem->budget, new_size - mem->size);
        return -1;
    }
    mem->pages = old + delta;
    mem->size = new_size;
    return old;
}

/* ---------------------------------------------------------------- public API */

wp_status wp_memory_create(wp_engine *e, wp_limits limits, wp_memory **out, wp_error *err)
{
    if (out == NULL)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX, "wp_memory_create: out is NULL");
    *out = NULL;
    if (e == NULL)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX, "wp_memory_create: engine is NULL");
    if (limits.min > WASM32_MAX_PAGES || (limits.has_max && limits.max > WASM32_MAX_PAGES))
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                       "wp_memory_create: memory size must be at most %u pages (4 GiB)",
                       WASM32_MAX_PAGES);
    if (limits.has_max && limits.min > limits.max)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX,
                       "wp_memory_create: min %u pages is above max %u pages",
                       limits.min, limits.max);

    wp_memory *m = rt_alloc(e, sizeof *m);
    if (m == NULL)
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX, "wp_memory_create: out of memory");
    rt_limits l = { limits.min, limits.max, limits.has_max };
    wp_status s = rt_memory_init(m, e, l, e->cfg.max_memory_pages, NULL, err);
    if (s != WP_OK) {
        rt_free(e, m, sizeof *m);
        return s;
    }
    *out = m;
    return WP_OK;
}

void wp_memory_destroy(wp_memory *m)
{
    /* An instance's memory dies with the instance. */
    if (m == NULL || m->owned_by_instance)
        return;
    wp_engine *e = m->engine;
    rt_memory_fini(m);
    rt_free(e, m, sizeof *m);
}

uint8_t *wp_memory_data(wp_memory *m, size_t *len)
{
    if (m == NULL) {
        if (len != NULL)
            *len = 0;
        return NULL;
    }
    if (len != NULL)
        *len = (size_t)m->size;
    return m->data;
}

uint32_t wp_memory_pages(const wp_memory *m)
{
    return m ? m->pages : 0;
}

int64_t wp_memory_grow(wp_memory *m, uint32_t delta_pages)
{
    return m ? rt_memory_grow(m, delta_pages) : -1;
}
