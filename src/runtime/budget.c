/* The per-instance allocation limit. Everything a module can make the host
 * hold for one of its instances (the instance record and its arrays,
 * memories, tables, element segment items, the value and frame stacks) is
 * charged to the instance's budget before it is allocated, and given back
 * when it is freed. The limit is the embedder's (max_instance_bytes in the
 * engine or instance config), so the bytes of a module cannot buy more
 * host memory than that, however many tables or pages they declare.
 *
 * Memories are charged by their accessible size, not their reservation:
 * reserved address space costs no RAM. Objects the embedder creates
 * itself (wp_memory_create, wp_table_create) have no budget. */
#include <stdio.h>

#include "rt.h"

void rt_budget_init(rt_budget *b, uint64_t limit)
{
    b->limit = limit;
    b->used = 0;
}

bool rt_budget_take(rt_budget *b, uint64_t bytes)
{
    if (b == NULL)
        return true;
    if (bytes > b->limit || b->used > b->limit - bytes)
        return false;
    b->used += bytes;
    return true;
}

void rt_budget_give(rt_budget *b, uint64_t bytes)
{
    if (b == NULL)
        return;
    b->used = bytes > b->used ? 0 : b->used - bytes;
}

wp_status rt_budget_charge(rt_budget *b, uint64_t bytes, wp_error *err, const char *what)
{
    if (rt_budget_take(b, bytes))
        return WP_OK;
    return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX,
                   "instance limit reached: %s needs %llu bytes, %llu of the %llu allowed are "
                   "in use (max_instance_bytes)",
                   what, (unsigned long long)bytes, (unsigned long long)b->used,
                   (unsigned long long)b->limit);
}
