/* metadata: reads one metadata key and sets another.
 *
 * It greets each message with the value of the metadata key "greeting"
 * ("hello" when the message has none: an absent key reads as empty) and
 * records the length of the original message under the key "length":
 * "world" becomes "hello, world" with length=5. Build as uppercase.c.
 */
#include <stdio.h>
#include <stdlib.h>

#include "wasmpipe_guest.h"

WPG_EXPORT("process") void process(void)
{
    wpg_bytes msg = wpg_msg_bytes();
    wpg_bytes greeting = wpg_meta_get("greeting");
    if (greeting.len == 0) {
        greeting.ptr = (uint8_t *)"hello";
        greeting.len = 5;
    }

    size_t n = greeting.len + 2 + msg.len;
    uint8_t *out = malloc(n);
    if (out == NULL)
        __builtin_trap();
    memcpy(out, greeting.ptr, greeting.len);
    memcpy(out + greeting.len, ", ", 2);
    memcpy(out + greeting.len + 2, msg.ptr, msg.len);
    wpg_msg_set_bytes(out, n);
    free(out);

    char length[24];
    snprintf(length, sizeof length, "%zu", msg.len);
    wpg_meta_set("length", length);
}
