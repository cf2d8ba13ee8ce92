/* Recognition of wasi-libc's memcpy, memmove and memset bodies, which the
 * translator replaces by one native op (libc_match.c). */
#ifndef WP_LIBC_MATCH_H
#define WP_LIBC_MATCH_H

#include <stddef.h>
#include <stdint.h>

typedef enum rt_libc_fn {
    RT_LIBC_NONE,
    RT_LIBC_MEMCPY,
    RT_LIBC_MEMMOVE,  /* *callee: the function its body calls, to be RT_LIBC_MEMCPY */
    RT_LIBC_MEMSET,
} rt_libc_fn;

/* Which of the known bodies `body` is, byte for byte, or RT_LIBC_NONE. */
rt_libc_fn rt_libc_match(const uint8_t *body, size_t len, uint32_t *callee);

/* The op a defined function of `m` runs instead of its body
 * (IOP_libc_copy or IOP_libc_fill), or 0 if its body must be translated
 * normally: the body is a recognised one, the type is (i32 i32 i32) -> i32
 * and, for memmove, the function it calls is a recognised memcpy already
 * translated (functions are translated in index order); always 0 when the
 * engine has recognition off (rt_engine_set_libc_match). */
/* The reference body of fn (memmove's call index is that of function 0),
 * for tests. */
const uint8_t *rt_libc_body(rt_libc_fn fn, size_t *len);

/* Byte offset in memmove's body of the 5-byte index of the function it calls. */
#define RT_LIBC_MEMMOVE_INDEX_AT 42

struct wp_module;
/* Words of the guard in front of such a function's code: the op, its three
 * slots, `return`. */
#define LIBC_NWORDS 5
uint32_t rt_libc_op(const struct wp_module *m, uint32_t func_index, const uint8_t *body,
                    size_t len);

#endif
