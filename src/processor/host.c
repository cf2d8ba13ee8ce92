/* The message host functions a guest imports from "bento_wasm" (or
 * "benthos_wasm"): v0_msg_as_bytes, v0_msg_set_bytes, v0_msg_get_meta and
 * v0_msg_set_meta. Each pool entry has its own four, made with the entry as
 * their user pointer, so that a call finds the message it works on without
 * a lookup.
 *
 * Every pointer and length from the guest is checked against its memory in
 * 64-bit arithmetic, and a bad one traps with a text that says which call
 * and which range: the message fails and its instance is discarded. Bytes
 * going in are placed in a buffer from the guest's own allocator, which the
 * host releases after the exported function returns; bytes coming out are
 * copied into the entry's staging message (applied to the real message
 * only if the whole call succeeds), and handed back to the guest's
 * deallocate when it exports one. The guest's memory view is taken again
 * after every call into the guest, because its allocator may grow memory.
 */
#include "proc.h"

#include <stdlib.h>
#include <string.h>

static const wp_valtype t_i32x4[] = { WP_I32, WP_I32, WP_I32, WP_I32 };
static const wp_valtype t_i64[] = { WP_I64 };

static const struct {
    const char *name;
    wp_functype type;
} host_defs[PR_NHOST] = {
    [PR_HOST_AS_BYTES]  = { "v0_msg_as_bytes",  { NULL, 0, t_i64, 1 } },
    [PR_HOST_SET_BYTES] = { "v0_msg_set_bytes", { t_i32x4, 2, NULL, 0 } },
    [PR_HOST_GET_META]  = { "v0_msg_get_meta",  { t_i32x4, 2, t_i64, 1 } },
    [PR_HOST_SET_META]  = { "v0_msg_set_meta",  { t_i32x4, 4, NULL, 0 } },
};

static const char *const host_modules[] = { "bento_wasm", "benthos_wasm" };

wp_functype pr_host_type(int which)
{
    return host_defs[which].type;
}

int pr_host_lookup(const char *name, size_t len)
{
    for (int i = 0; i < PR_NHOST; i++)
        if (strlen(host_defs[i].name) == len && memcmp(host_defs[i].name, name, len) == 0)
            return i;
    return -1;
}

/* ---------------------------------------------------------------- helpers */

/* The entry of the calling instance, when it is processing a message and
 * not already inside another host function (a guest allocator that calls
 * back into these functions would see the staging state half-changed). */
static pr_entry *entry_of(wp_call *call, void *user, const char *fn, wp_status *s)
{
    pr_entry *e = user;
    if (e->msg == NULL) {
        *s = wp_call_trap(call, "%s: called outside the processing of a message "
                          "(e.g. during initialisation)", fn);
        return NULL;
    }
    if (e->in_host) {
        *s = wp_call_trap(call, "%s: called from the guest's allocator while the host "
                          "was using it", fn);
        return NULL;
    }
    return e;
}

/* Checks [ptr, ptr+len) against guest memory; NULL (and a trap naming
 * the function and its arguments) if bad. arg: the index of the pointer
 * argument; the length is the next one. */
static const uint8_t *guest_range(wp_call *call, const char *fn, const char *what,
                                  unsigned arg, uint32_t ptr, uint32_t len, wp_status *s)
{
    size_t size;
    uint8_t *mem = wp_call_memory(call, &size);
    if ((uint64_t)ptr + len > (uint64_t)size) {
        *s = wp_call_trap(call, "%s: %s pointer 0x%x (argument %u) + length %u (argument %u) "
                          "is outside guest memory (%llu bytes)", fn, what, (unsigned)ptr,
                          arg, (unsigned)len, arg + 1, (unsigned long long)size);
        return NULL;
    }
    /* An empty range is valid even where there is no memory at all. */
    static const uint8_t none[1];
    return mem ? mem + ptr : none;
}

/* Hands an out-bound buffer back to a deallocate module. */
static wp_status deallocate(wp_call *call, pr_entry *e, const char *fn, uint32_t ptr,
                            uint32_t len)
{
    wp_error err;
    e->in_host = true;
    wp_status s = pr_guest_dealloc(&e->alloc, ptr, len, &err);
    e->in_host = false;
    if (s != WP_OK)
        return wp_call_trap(call, "%s: the guest's deallocate failed: %s", fn, err.msg);
    return WP_OK;
}

/* Most modules export no deallocate: that check stays in the caller. */
static inline wp_status give_back(wp_call *call, pr_entry *e, const char *fn, uint32_t ptr,
                                  uint32_t len)
{
    if (e->alloc.dealloc == NULL || ptr == 0)
        return WP_OK;
    return deallocate(call, e, fn, ptr, len);
}

/* Copies src into a buffer from the guest's allocator, remembers the buffer
 * for release after the call, and returns ptr << 32 | len in slots[0]. */
static wp_status place(wp_call *call, pr_entry *e, const char *fn, const uint8_t *src,
                       size_t len, uint64_t *slots)
{
    if (len > UINT32_MAX)
        return wp_call_trap(call, "%s: %zu bytes do not fit a 32-bit length", fn, len);
    if (e->alloc.alloc == NULL)
        return wp_call_trap(call, "%s: the module exports no allocator", fn);
    if (e->nin == e->cap_in) {
        size_t cap = e->cap_in ? e->cap_in * 2 : 8;
        pr_inbound *in = wp_engine_realloc(e->proc->engine, e->in, e->cap_in * sizeof *in,
                                           cap * sizeof *in);
        if (in == NULL)
            return wp_call_trap(call, "%s: out of host memory", fn);
        e->in = in;
        e->cap_in = cap;
    }
    uint32_t ptr;
    wp_error err;
    e->in_host = true;
    wp_status s = pr_guest_alloc(&e->alloc, (uint32_t)len, &ptr, &err);
    e->in_host = false;
    if (s != WP_OK)
        return wp_call_trap(call, "%s: allocating %zu bytes in the guest failed: %s", fn, len,
                            err.msg);
    if (ptr != 0)
        e->in[e->nin++] = (pr_inbound){ ptr, (uint32_t)len };

    size_t size;
    uint8_t *mem = wp_call_memory(call, &size);
    if ((uint64_t)ptr + len > (uint64_t)size)
        return wp_call_trap(call, "%s: the guest's %s returned [%u, %llu), outside its memory "
                            "(%llu bytes)", fn,
                            e->alloc.kind == PR_ALLOC_MALLOC ? "malloc" : "allocate",
                            (unsigned)ptr, (unsigned long long)ptr + len,
                            (unsigned long long)size);
    if (len > 0)
        memcpy(mem + ptr, src, len);
    slots[0] = (uint64_t)ptr << 32 | (uint64_t)len;
    return WP_OK;
}

/* ---------------------------------------------------------------- the functions */

/* () -> i64 */
static wp_status as_bytes(wp_call *call, void *user, uint64_t *slots)
{
    static const char fn[] = "v0_msg_as_bytes";
    wp_status s = WP_OK;
    pr_entry *e = entry_of(call, user, fn, &s);
    if (e == NULL)
        return s;
    /* After a set_bytes the guest reads what it set. */
    const wp_message *from = e->bytes_set ? e->stage : e->msg;
    return place(call, e, fn, from->data, from->len, slots);
}

/* (ptr i32, len i32) -> () */
static wp_status set_bytes(wp_call *call, void *user, uint64_t *slots)
{
    static const char fn[] = "v0_msg_set_bytes";
    wp_status s = WP_OK;
    pr_entry *e = entry_of(call, user, fn, &s);
    if (e == NULL)
        return s;
    uint32_t ptr = (uint32_t)slots[0], len = (uint32_t)slots[1];
    const uint8_t *src = guest_range(call, fn, "content", 0, ptr, len, &s);
    if (src == NULL)
        return s;
    /* The staging buffer keeps its capacity, so after the first messages
     * this is a plain copy (guest memory and the buffer never overlap). */
    wp_message *st = e->stage;
    if (len > 0 && len <= st->cap) {
        memcpy(st->data, src, len);
        st->len = len;
    } else if (wp_message_set_bytes(st, src, len) != WP_OK) {
        return wp_call_trap(call, "%s: out of host memory for %u bytes", fn, (unsigned)len);
    }
    e->bytes_set = true;
    return give_back(call, e, fn, ptr, len);
}

/* (kptr i32, klen i32) -> i64 */
static wp_status get_meta(wp_call *call, void *user, uint64_t *slots)
{
    static const char fn[] = "v0_msg_get_meta";
    wp_status s = WP_OK;
    pr_entry *e = entry_of(call, user, fn, &s);
    if (e == NULL)
        return s;
    uint32_t kptr = (uint32_t)slots[0], klen = (uint32_t)slots[1];
    const uint8_t *key = guest_range(call, fn, "key", 0, kptr, klen, &s);
    if (key == NULL)
        return s;
    /* The key is copied out before the guest runs again (deallocate, then
     * the allocator), which may reuse or move that memory. */
    if (klen > e->key_cap) {
        uint8_t *k = wp_engine_realloc(e->proc->engine, e->key, e->key_cap, klen);
        if (k == NULL)
            return wp_call_trap(call, "%s: out of host memory for a %u-byte key", fn,
                                (unsigned)klen);
        e->key = k;
        e->key_cap = klen;
    }
    if (klen > 0)
        memcpy(e->key, key, klen);
    s = give_back(call, e, fn, kptr, klen);
    if (s != WP_OK)
        return s;

    size_t vlen = 0;
    const uint8_t *value = wp_message_meta_get(e->stage, (const char *)e->key, klen, &vlen);
    if (value == NULL)
        value = wp_message_meta_get(e->msg, (const char *)e->key, klen, &vlen);
    /* An absent key reads as an empty value, as in the reference. */
    return place(call, e, fn, value, value ? vlen : 0, slots);
}

/* (kptr i32, klen i32, vptr i32, vlen i32) -> () */
static wp_status set_meta(wp_call *call, void *user, uint64_t *slots)
{
    static const char fn[] = "v0_msg_set_meta";
    wp_status s = WP_OK;
    pr_entry *e = entry_of(call, user, fn, &s);
    if (e == NULL)
        return s;
    uint32_t kptr = (uint32_t)slots[0], klen = (uint32_t)slots[1];
    uint32_t vptr = (uint32_t)slots[2], vlen = (uint32_t)slots[3];
    const uint8_t *key = guest_range(call, fn, "key", 0, kptr, klen, &s);
    if (key == NULL)
        return s;
    const uint8_t *value = guest_range(call, fn, "value", 2, vptr, vlen, &s);
    if (value == NULL)
        return s;
    if (wp_message_meta_set(e->stage, (const char *)key, klen, value, vlen) != WP_OK)
        return wp_call_trap(call, "%s: out of host memory for %u + %u bytes", fn,
                            (unsigned)klen, (unsigned)vlen);
    s = give_back(call, e, fn, kptr, klen);
    if (s != WP_OK)
        return s;
    return give_back(call, e, fn, vptr, vlen);
}

static const wp_host_fn host_fns[PR_NHOST] = {
    [PR_HOST_AS_BYTES] = as_bytes,
    [PR_HOST_SET_BYTES] = set_bytes,
    [PR_HOST_GET_META] = get_meta,
    [PR_HOST_SET_META] = set_meta,
};

/* ---------------------------------------------------------------- set-up */

wp_status pr_host_create(wp_engine *e, pr_entry *entry, wp_func *out[PR_NHOST], wp_error *err)
{
    for (int i = 0; i < PR_NHOST; i++)
        out[i] = NULL;
    for (int i = 0; i < PR_NHOST; i++) {
        wp_status s = wp_func_create_host(e, &host_defs[i].type, host_fns[i], entry, &out[i],
                                          err);
        if (s != WP_OK) {
            pr_host_destroy(out);
            return s;
        }
    }
    return WP_OK;
}

void pr_host_destroy(wp_func *fns[PR_NHOST])
{
    for (int i = 0; i < PR_NHOST; i++) {
        wp_func_destroy(fns[i]);
        fns[i] = NULL;
    }
}

wp_status pr_host_define(wp_func *const fns[PR_NHOST], wp_imports *im, wp_error *err)
{
    for (size_t m = 0; m < sizeof host_modules / sizeof host_modules[0]; m++) {
        for (int i = 0; i < PR_NHOST; i++) {
            wp_extern ext = { .kind = WP_EXTERN_FUNC, .of.func = fns[i] };
            wp_status s = wp_imports_define(im, host_modules[m], host_defs[i].name, ext, err);
            if (s != WP_OK)
                return s;
        }
    }
    return WP_OK;
}

bool pr_host_module(const char *name, size_t len)
{
    for (size_t m = 0; m < sizeof host_modules / sizeof host_modules[0]; m++)
        if (strlen(host_modules[m]) == len && memcmp(host_modules[m], name, len) == 0)
            return true;
    return false;
}
