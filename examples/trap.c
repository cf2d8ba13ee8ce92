/* trap: fails on purpose, to show how errors stay with their message.
 *
 * Each message is a whole number n; the output is "100/n=<quotient>".
 * For "0" the division traps ("integer divide by zero": WebAssembly's
 * i32.div_s traps where C leaves the behaviour undefined), and for a
 * message that is not a number the module traps with unreachable. Only the
 * message that trapped is errored, with the trap's text; its instance is
 * replaced and the next message is processed as usual. Build as
 * uppercase.c.
 */
#include <stdio.h>

#include "wasmpipe_guest.h"

/* Kept out of line so that the trap names it, and opaque to the optimiser
 * so that the division by a possible zero stays a wasm division. */
__attribute__((noinline)) static int32_t divide(int32_t a, int32_t b)
{
    __asm__("" : "+r"(b));
    return a / b;
}

WPG_EXPORT("process") void process(void)
{
    wpg_bytes msg = wpg_msg_bytes();
    int32_t n = 0;
    size_t i = 0;
    int neg = msg.len > 0 && msg.ptr[0] == '-';
    i = (size_t)neg;
    if (i == msg.len)
        __builtin_trap();   /* empty, or just "-": not a number */
    for (; i < msg.len; i++) {
        if (msg.ptr[i] < '0' || msg.ptr[i] > '9' || n > 100000000)
            __builtin_trap();
        n = n * 10 + (msg.ptr[i] - '0');
    }
    char out[32];
    int len = snprintf(out, sizeof out, "100/%ld=%ld", (long)(neg ? -n : n),
                       (long)divide(100, neg ? -n : n));
    wpg_msg_set_bytes(out, (size_t)len);
}
