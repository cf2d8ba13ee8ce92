/* uppercase: turns the ASCII letters of every message into capitals.
 *
 * The smallest useful processor module in C. It reads the message through
 * the buffer the host placed with the module's malloc, changes that buffer
 * in place and hands it back; the host frees the buffer with free after
 * process returns. Build (see CMakeLists.txt):
 *
 *   clang --target=wasm32-wasi -O2 -mexec-model=reactor -Wl,--strip-debug \
 *         -Wl,--export=malloc -Wl,--export=free -I../guest/c \
 *         -o uppercase.wasm uppercase.c
 */
#include "wasmpipe_guest.h"

WPG_EXPORT("process") void process(void)
{
    wpg_bytes msg = wpg_msg_bytes();
    for (size_t i = 0; i < msg.len; i++)
        if (msg.ptr[i] >= 'a' && msg.ptr[i] <= 'z')
            msg.ptr[i] -= 'a' - 'A';
    wpg_msg_set_bytes(msg.ptr, msg.len);
}
