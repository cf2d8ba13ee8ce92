/* Every heap allocation of the runtime goes through the engine's allocator
 * here, so an embedder can count, cap or fail allocations in one place.
 * The allocator is told the old size, as in Lua, so these helpers take it
 * too. The bump arena holds a module's decoded data, which is freed at
 * once when the module dies.
 *
 * A zero-byte request is made as a one-byte one: the Lua-style allocator
 * reads size 0 as "free", and callers want a valid pointer for an empty
 * array. Every size passed in is rounded the same way, so the allocator
 * always sees matching old sizes. */
#include <string.h>

#include "rt.h"

static size_t nonzero(size_t size) { return size ? size : 1; }

void *rt_alloc(wp_engine *e, size_t size)
{
    size = nonzero(size);
    void *p = e->cfg.alloc(e->cfg.alloc_ud, NULL, 0, size);
    if (p != NULL)
        memset(p, 0, size);
    return p;
}

/* The part beyond old_size is zeroed, like rt_alloc, so a grown table or
 * array never shows stale bytes. On failure p is left as it was. */
void *rt_realloc(wp_engine *e, void *p, size_t old_size, size_t new_size)
{
    if (p == NULL)
        return rt_alloc(e, new_size);
    old_size = nonzero(old_size);
    new_size = nonzero(new_size);
    void *q = e->cfg.alloc(e->cfg.alloc_ud, p, old_size, new_size);
    if (q != NULL && new_size > old_size)
        memset((char *)q + old_size, 0, new_size - old_size);
    return q;
}

void rt_free(wp_engine *e, void *p, size_t size)
{
    if (p != NULL)
        e->cfg.alloc(e->cfg.alloc_ud, p, nonzero(size), 0);
}

/* The same three for the layers above, through the public header. */
void *wp_engine_alloc(wp_engine *e, size_t size) { return rt_alloc(e, size); }

void *wp_engine_realloc(wp_engine *e, void *p, size_t old_size, size_t new_size)
{
    return rt_realloc(e, p, old_size, new_size);
}

void wp_engine_free(wp_engine *e, void *p, size_t size) { rt_free(e, p, size); }

/* ---------------------------------------------------------------- arena */

/* A chunk is one allocation: this header, then the bytes handed out. */
struct rt_arena_chunk {
    rt_arena_chunk *next;
    size_t          size;   /* bytes of the whole allocation, header included */
    size_t          used;   /* bytes handed out, counted from the header start */
};

#define ARENA_MIN_CHUNK ((size_t)64 * 1024)
#define ARENA_MAX_CHUNK ((size_t)1024 * 1024)

void rt_arena_init(rt_arena *a, wp_engine *e)
{
    a->engine = e;
    a->head = NULL;
    a->total = 0;
}

/* Offset of the first byte at or after c + used aligned to align, or
 * SIZE_MAX on overflow. Alignment is of the address, not of the offset. */
static size_t aligned_offset(const rt_arena_chunk *c, size_t used, size_t align)
{
    uintptr_t base = (uintptr_t)c + used;
    uintptr_t mis = base & (uintptr_t)(align - 1);
    size_t pad = mis ? (size_t)(align - mis) : 0;
    if (used > SIZE_MAX - pad)
        return SIZE_MAX;
    return used + pad;
}

static rt_arena_chunk *new_chunk(rt_arena *a, size_t size)
{
    rt_arena_chunk *c = rt_alloc(a->engine, size);
    if (c == NULL)
        return NULL;
    c->size = size;
    c->used = sizeof *c;
    a->total += size;
    return c;
}

void *rt_arena_alloc(rt_arena *a, size_t size, size_t align)
{
    if (align == 0 || (align & (align - 1)) != 0 || align > 4096)
        return NULL;
    if (size == 0)
        size = 1;

    rt_arena_chunk *c = a->head;
    if (c != NULL) {
        size_t off = aligned_offset(c, c->used, align);
        if (off != SIZE_MAX && off <= c->size && size <= c->size - off) {
            c->used = off + size;
            return (char *)c + off;
        }
    }

    /* Room for the header, the worst-case padding and the object. */
    size_t header = sizeof(rt_arena_chunk);
    if (size > SIZE_MAX - header - align)
        return NULL;
    size_t need = header + align + size;

    /* Large objects get a chunk of their own placed behind the head, so
     * the head's free space is not abandoned for them. */
    if (need > ARENA_MIN_CHUNK / 4 && c != NULL) {
        rt_arena_chunk *big = new_chunk(a, need);
        if (big == NULL)
            return NULL;
        size_t off = aligned_offset(big, big->used, align);
        big->used = off + size;
        big->next = c->next;
        c->next = big;
        return (char *)big + off;
    }

    /* Chunks grow with the arena, so a big module needs few of them. */
    size_t chunk = ARENA_MIN_CHUNK;
    while (chunk < ARENA_MAX_CHUNK && chunk < a->total / 2)
        chunk *= 2;
    if (chunk < need)
        chunk = need;
    rt_arena_chunk *fresh = new_chunk(a, chunk);
    if (fresh == NULL)
        return NULL;
    size_t off = aligned_offset(fresh, fresh->used, align);
    fresh->used = off + size;
    fresh->next = c;
    a->head = fresh;
    return (char *)fresh + off;
}

void rt_arena_release(rt_arena *a)
{
    rt_arena_chunk *c = a->head;
    while (c != NULL) {
        rt_arena_chunk *next = c->next;
        rt_free(a->engine, c, c->size);
        c = next;
    }
    a->head = NULL;
    a->total = 0;
}
