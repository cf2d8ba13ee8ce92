/* louder: capitals and three exclamation marks ("hello" -> "HELLO!!!").
 *
 * Written in C but in the allocator convention of Rust modules: it exports
 * allocate(size) -> ptr and deallocate(ptr, size), and neither malloc nor
 * free. With this convention the host places in-bound bytes with allocate
 * and releases them with deallocate after process returns, and it takes
 * over every buffer passed to v0_msg_set_bytes, deallocating it after
 * copying. So the result is built in a buffer from allocate, and the module
 * never frees it itself. Build (see CMakeLists.txt):
 *
 *   clang --target=wasm32-wasi -O2 -mexec-model=reactor -Wl,--strip-debug \
 *         -I../guest/c -o louder.wasm louder.c
 */
#include <stdlib.h>

#include "wasmpipe_guest.h"

WPG_EXPORT("allocate") uint8_t *allocate(uint32_t size)
{
    /* malloc(0) may return NULL, which the host reads as failure. */
    return malloc(size ? size : 1);
}

WPG_EXPORT("deallocate") void deallocate(uint8_t *ptr, uint32_t size)
{
    (void)size;
    free(ptr);
}

static const char bang[] = "!!!";

WPG_EXPORT("process") void process(void)
{
    wpg_bytes msg = wpg_msg_bytes();
    size_t n = msg.len + sizeof bang - 1;
    uint8_t *out = allocate((uint32_t)n);
    if (out == NULL)
        __builtin_trap();
    for (size_t i = 0; i < msg.len; i++) {
        uint8_t c = msg.ptr[i];
        out[i] = (c >= 'a' && c <= 'z') ? (uint8_t)(c - ('a' - 'A')) : c;
    }
    memcpy(out + msg.len, bang, sizeof bang - 1);
    /* Ownership of out passes to the host, which deallocates it. */
    wpg_msg_set_bytes(out, n);
}
