/* Bounds-checked reading of the WebAssembly binary format.
 *
 * An rt_reader is a window [data, data + len) over borrowed bytes plus the
 * module offset of its first byte, so every error names the place in the
 * module where it happened. Nothing is ever read outside the window: a read
 * that does not fit fails with WP_ERR_MALFORMED ("unexpected end") and leaves
 * the reader where it was, with its outputs zeroed. LEB128 integers follow the spec's rules: at most
 * ceil(N/7) bytes ("integer representation too long"), and the unused bits
 * of the last byte must be zero (unsigned) or copies of the sign bit
 * (signed) ("integer too large"); non-minimal encodings are allowed. The
 * decoder and the translator share this reader.
 */
#ifndef WP_READER_H
#define WP_READER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rt.h"

typedef struct rt_reader {
    const uint8_t *data;   /* first byte of the window (borrowed) */
    size_t         len;    /* bytes in the window */
    size_t         pos;    /* next byte to read, 0..len */
    uint32_t       base;   /* module offset of data[0], for messages */
} rt_reader;

static inline void rt_reader_init(rt_reader *r, const uint8_t *data, size_t len, uint32_t base)
{
    r->data = data;
    r->len = len;
    r->pos = 0;
    r->base = base;
}

/* Module offset of the next byte. */
static inline uint32_t rt_reader_offset(const rt_reader *r)
{
    return r->base + (uint32_t)r->pos;
}

static inline size_t rt_reader_left(const rt_reader *r)
{
    return r->len - r->pos;
}

static inline bool rt_reader_at_end(const rt_reader *r)
{
    return r->pos >= r->len;
}

/* View of the next byte (valid while the underlying bytes are). */
static inline const uint8_t *rt_reader_ptr(const rt_reader *r)
{
    return r->data + r->pos;
}

/* Fails with "unexpected end" at the reader's position; returns the status. */
wp_status rt_reader_eof(const rt_reader *r, wp_error *err);

static inline wp_status rt_read_u8(rt_reader *r, uint8_t *out, wp_error *err)
{
    if (r->pos >= r->len) {
        *out = 0;
        return rt_reader_eof(r, err);
    }
    *out = r->data[r->pos++];
    return WP_OK;
}

/* Looks at the next byte without consuming it. */
static inline wp_status rt_peek_u8(const rt_reader *r, uint8_t *out, wp_error *err)
{
    if (r->pos >= r->len) {
        *out = 0;
        return rt_reader_eof(r, err);
    }
    *out = r->data[r->pos];
    return WP_OK;
}

wp_status rt_read_u32_slow(rt_reader *r, uint32_t *out, wp_error *err);

/* Unsigned LEB128, at most 32 bits. Most indices fit in one byte, so that
 * case stays inline. */
static inline wp_status rt_read_u32(rt_reader *r, uint32_t *out, wp_error *err)
{
    if (r->pos < r->len && r->data[r->pos] < 0x80) {
        *out = r->data[r->pos++];
        return WP_OK;
    }
    return rt_read_u32_slow(r, out, err);
}

wp_status rt_read_u64(rt_reader *r, uint64_t *out, wp_error *err);
wp_status rt_read_s32(rt_reader *r, int32_t *out, wp_error *err);
/* Signed 33-bit LEB128, the encoding of block types. */
wp_status rt_read_s33(rt_reader *r, int64_t *out, wp_error *err);
wp_status rt_read_s64(rt_reader *r, int64_t *out, wp_error *err);

/* IEEE 754 values, little-endian, returned as their bit patterns. */
wp_status rt_read_f32(rt_reader *r, uint32_t *bits, wp_error *err);
wp_status rt_read_f64(rt_reader *r, uint64_t *bits, wp_error *err);

/* n raw bytes; *out is a view into the window. */
wp_status rt_read_bytes(rt_reader *r, size_t n, const uint8_t **out, wp_error *err);

/* Takes the next n bytes as a window of its own and skips them in r. */
wp_status rt_read_sub(rt_reader *r, size_t n, rt_reader *sub, wp_error *err);

/* A name: u32 length, then that many bytes of valid UTF-8 ("malformed
 * UTF-8 encoding" otherwise). *str is a view into the window, not
 * NUL-terminated. */
wp_status rt_read_name(rt_reader *r, const uint8_t **str, uint32_t *len, wp_error *err);

/* A vector length whose entries take at least min_entry_bytes each: a count
 * the rest of the window cannot hold fails before anyone allocates for it.
 * `what` names the entries in the message ("types", "imports"). */
wp_status rt_read_count(rt_reader *r, size_t min_entry_bytes, const char *what,
                        uint32_t *out, wp_error *err);

/* Whether [s, s + n) is well-formed UTF-8 (no overlong forms, surrogates or
 * code points above U+10FFFF). */
bool rt_utf8_valid(const uint8_t *s, size_t n);

#endif
