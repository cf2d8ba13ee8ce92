/* wasmpipe guest SDK for C: the message functions a module imports from
 * "bento_wasm" (the wasm processor of Bento and of wasmpipe), with small
 * helpers over them. Header only; build with
 *
 *   clang --target=wasm32-wasi -O2 -mexec-model=reactor -Wl,--strip-debug \
 *         -Wl,--export=malloc -Wl,--export=free -o m.wasm m.c
 *
 * The host places the bytes it gives the module (the message, a metadata
 * value) in buffers from the module's own allocator: export malloc and free
 * as above, or allocate(size) and deallocate(ptr, size) (the convention of
 * Rust modules). The host releases those buffers itself after the exported
 * function returns, so the module must not free them, and they are only
 * valid until then. With allocate/deallocate, the host also takes over
 * every buffer the module passes to wpg_msg_set_bytes and wpg_meta_set (and
 * the key of wpg_meta_get) and deallocates it after copying, so such
 * buffers must come from allocate and must not be used afterwards.
 *
 * Mark the function the processor calls (default name "process") with
 * WPG_EXPORT("process"); it takes and returns nothing. A module that traps
 * (e.g. __builtin_trap()) fails only the message being processed.
 */
#ifndef WASMPIPE_GUEST_H
#define WASMPIPE_GUEST_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#ifdef __cplusplus
extern "C" {
#endif

#define WPG_EXPORT(name) __attribute__((export_name(name)))
#define WPG_IMPORT(name) __attribute__((import_module("bento_wasm"), import_name(name)))

/* ---------------------------------------------------------------- the raw imports */

/* The message's bytes, copied into a buffer from the module's allocator:
 * returns ptr << 32 | len. */
WPG_IMPORT("v0_msg_as_bytes") uint64_t wpg_v0_msg_as_bytes(void);
/* Replaces the message's bytes with [ptr, ptr+len). */
WPG_IMPORT("v0_msg_set_bytes") void wpg_v0_msg_set_bytes(uint32_t ptr, uint32_t len);
/* The value of metadata key [kptr, kptr+klen), empty when absent:
 * ptr << 32 | len. */
WPG_IMPORT("v0_msg_get_meta") uint64_t wpg_v0_msg_get_meta(uint32_t kptr, uint32_t klen);
/* Sets metadata key [kptr, kptr+klen) to [vptr, vptr+vlen). */
WPG_IMPORT("v0_msg_set_meta") void wpg_v0_msg_set_meta(uint32_t kptr, uint32_t klen,
                                                      uint32_t vptr, uint32_t vlen);

/* ---------------------------------------------------------------- helpers */

/* A view of bytes in the module's memory. */
typedef struct wpg_bytes {
    uint8_t *ptr;
    size_t   len;
} wpg_bytes;

static inline wpg_bytes wpg_unpack(uint64_t packed)
{
    wpg_bytes b;
    b.ptr = (uint8_t *)(uintptr_t)(uint32_t)(packed >> 32);
    b.len = (size_t)(uint32_t)packed;
    return b;
}

/* The current message's bytes. The buffer is the module's to read and
 * write (e.g. to change it in place and pass it to wpg_msg_set_bytes)
 * until the exported function returns; the host frees it then. */
static inline wpg_bytes wpg_msg_bytes(void)
{
    return wpg_unpack(wpg_v0_msg_as_bytes());
}

/* Replaces the message's bytes; the host copies them. */
static inline void wpg_msg_set_bytes(const void *data, size_t len)
{
    wpg_v0_msg_set_bytes((uint32_t)(uintptr_t)data, (uint32_t)len);
}

/* The value of a metadata key (empty, len 0, when absent); freed by the
 * host when the exported function returns. */
static inline wpg_bytes wpg_meta_get_n(const char *key, size_t klen)
{
    return wpg_unpack(wpg_v0_msg_get_meta((uint32_t)(uintptr_t)key, (uint32_t)klen));
}

static inline wpg_bytes wpg_meta_get(const char *key)
{
    return wpg_meta_get_n(key, strlen(key));
}

/* Sets a metadata key to a value; the host copies both. */
static inline void wpg_meta_set_n(const char *key, size_t klen, const void *value, size_t vlen)
{
    wpg_v0_msg_set_meta((uint32_t)(uintptr_t)key, (uint32_t)klen,
                        (uint32_t)(uintptr_t)value, (uint32_t)vlen);
}

static inline void wpg_meta_set(const char *key, const char *value)
{
    wpg_meta_set_n(key, strlen(key), value, strlen(value));
}

#ifdef __cplusplus
}
#endif
#endif
