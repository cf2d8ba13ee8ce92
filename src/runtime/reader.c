/* The out-of-line half of the binary reader (reader.h): LEB128 integers of
 * every width with the spec's length and unused-bit rules, fixed-size
 * floats, byte runs, sub-windows, vector counts and UTF-8 names. Every
 * failure is WP_ERR_MALFORMED with the offset of the item that failed.
 */
#include <string.h>

#include "reader.h"

wp_status rt_reader_eof(const rt_reader *r, wp_error *err)
{
    return rt_fail(err, WP_ERR_MALFORMED, rt_reader_offset(r), "unexpected end");
}

/* An unsigned LEB128 of at most `bits` bits. The last byte allowed,
 * number ceil(bits/7), may not continue and may only use the bits that are
 * left of the value; the rest must be zero. */
static wp_status read_uleb(rt_reader *r, unsigned bits, uint64_t *out, wp_error *err)
{
    const unsigned max_bytes = (bits + 6) / 7;
    const size_t start = r->pos;
    uint64_t value = 0;
    unsigned shift = 0;

    *out = 0;
    for (unsigned i = 0;; i++) {
        if (r->pos >= r->len) {
            r->pos = start;
            return rt_fail(err, WP_ERR_MALFORMED, rt_reader_offset(r) + (uint32_t)i,
                           "unexpected end in an integer");
        }
        uint8_t b = r->data[r->pos++];
        if (i + 1 == max_bytes) {
            unsigned used = bits - 7 * i;   /* bits of the value this byte may carry */
            if (b & 0x80) {
                r->pos = start;
                return rt_fail(err, WP_ERR_MALFORMED, rt_reader_offset(r),
                               "integer representation too long (more than %u bytes)", max_bytes);
            }
            if (used < 7 && (b >> used) != 0) {
                r->pos = start;
                return rt_fail(err, WP_ERR_MALFORMED, rt_reader_offset(r),
                               "integer too large (more than %u bits)", bits);
            }
            value |= (uint64_t)b << shift;
            break;
        }
        value |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80))
            break;
    }
    *out = value;
    return WP_OK;
}

/* A signed LEB128 of at most `bits` bits. In the last byte allowed, the
 * bits above the value's sign bit must all equal the sign bit. */
static wp_status read_sleb(rt_reader *r, unsigned bits, int64_t *out, wp_error *err)
{
    const unsigned max_bytes = (bits + 6) / 7;
    const size_t start = r->pos;
    uint64_t value = 0;
    unsigned shift = 0;
    uint8_t b;

    *out = 0;
    for (unsigned i = 0;; i++) {
        if (r->pos >= r->len) {
            r->pos = start;
            return rt_fail(err, WP_ERR_MALFORMED, rt_reader_offset(r) + (uint32_t)i,
                           "unexpected end in an integer");
        }
        b = r->data[r->pos++];
        if (i + 1 == max_bytes) {
            unsigned used = bits - 7 * i;   /* value bits in this byte, sign bit included */
            if (b & 0x80) {
                r->pos = start;
                return rt_fail(err, WP_ERR_MALFORMED, rt_reader_offset(r),
                               "integer representation too long (more than %u bytes)", max_bytes);
            }
            uint8_t top = (uint8_t)(b >> (used - 1));     /* the sign bit and the bits above it */
            uint8_t ones = (uint8_t)(0x7f >> (used - 1));
            if (top != 0 && top != ones) {
                r->pos = start;
                return rt_fail(err, WP_ERR_MALFORMED, rt_reader_offset(r),
                               "integer too large (more than %u bits)", bits);
            }
        }
        value |= (uint64_t)(b & 0x7f) << shift;
        shift += 7;
        if (!(b & 0x80))
            break;
    }
    if (shift < 64 && (b & 0x40))
        value |= ~(uint64_t)0 << shift;
    /* Two's complement reinterpretation without implementation-defined
     * conversions. */
    int64_t s;
    memcpy(&s, &value, sizeof s);
    *out = s;
    return WP_OK;
}

wp_status rt_read_u32_slow(rt_reader *r, uint32_t *out, wp_error *err)
{
    uint64_t v;
    wp_status st = read_uleb(r, 32, &v, err);
    *out = (uint32_t)v;
    return st;
}

wp_status rt_read_u64(rt_reader *r, uint64_t *out, wp_error *err)
{
    return read_uleb(r, 64, out, err);
}

wp_status rt_read_s32(rt_reader *r, int32_t *out, wp_error *err)
{
    int64_t v;
    wp_status st = read_sleb(r, 32, &v, err);
    *out = (int32_t)v;   /* in range: the encoding rules bound it */
    return st;
}

wp_status rt_read_s33(rt_reader *r, int64_t *out, wp_error *err)
{
    return read_sleb(r, 33, out, err);
}

wp_status rt_read_s64(rt_reader *r, int64_t *out, wp_error *err)
{
    return read_sleb(r, 64, out, err);
}

wp_status rt_read_f32(rt_reader *r, uint32_t *bits, wp_error *err)
{
    *bits = 0;
    if (rt_reader_left(r) < 4)
        return rt_fail(err, WP_ERR_MALFORMED, rt_reader_offset(r), "unexpected end in an f32");
    const uint8_t *p = r->data + r->pos;
    *bits = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
    r->pos += 4;
    return WP_OK;
}

wp_status rt_read_f64(rt_reader *r, uint64_t *bits, wp_error *err)
{
    *bits = 0;
    if (rt_reader_left(r) < 8)
        return rt_fail(err, WP_ERR_MALFORMED, rt_reader_offset(r), "unexpected end in an f64");
    const uint8_t *p = r->data + r->pos;
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    *bits = v;
    r->pos += 8;
    return WP_OK;
}

wp_status rt_read_bytes(rt_reader *r, size_t n, const uint8_t **out, wp_error *err)
{
    *out = NULL;
    if (n > rt_reader_left(r))
        return rt_fail(err, WP_ERR_MALFORMED, rt_reader_offset(r),
                       "unexpected end: %zu bytes needed, %zu left", n, rt_reader_left(r));
    *out = r->data + r->pos;
    r->pos += n;
    return WP_OK;
}

wp_status rt_read_sub(rt_reader *r, size_t n, rt_reader *sub, wp_error *err)
{
    const uint8_t *p;
    uint32_t base = rt_reader_offset(r);
    wp_status st = rt_read_bytes(r, n, &p, err);
    if (st != WP_OK) {
        rt_reader_init(sub, NULL, 0, base);
        return st;
    }
    rt_reader_init(sub, p, n, base);
    return WP_OK;
}

wp_status rt_read_name(rt_reader *r, const uint8_t **str, uint32_t *len, wp_error *err)
{
    size_t start = r->pos;
    uint32_t n;
    *str = NULL;
    *len = 0;
    wp_status st = rt_read_u32(r, &n, err);
    if (st != WP_OK)
        return st;
    uint32_t at = rt_reader_offset(r);
    if (n > rt_reader_left(r)) {
        r->pos = start;
        return rt_fail(err, WP_ERR_MALFORMED, at,
                       "length out of bounds: name of %u bytes, %zu left", n, rt_reader_left(r));
    }
    if (!rt_utf8_valid(r->data + r->pos, n)) {
        r->pos = start;
        return rt_fail(err, WP_ERR_MALFORMED, at, "malformed UTF-8 encoding in a name");
    }
    *str = r->data + r->pos;
    *len = n;
    r->pos += n;
    return WP_OK;
}

wp_status rt_read_count(rt_reader *r, size_t min_entry_bytes, const char *what,
                        uint32_t *out, wp_error *err)
{
    uint32_t at = rt_reader_offset(r);
    uint32_t n;
    *out = 0;
    wp_status st = rt_read_u32(r, &n, err);
    if (st != WP_OK)
        return st;
    if (min_entry_bytes == 0)
        min_entry_bytes = 1;
    if (n > rt_reader_left(r) / min_entry_bytes)
        return rt_fail(err, WP_ERR_MALFORMED, at,
                       "unexpected end of section or function: %u %s cannot fit in %zu bytes",
                       n, what, rt_reader_left(r));
    *out = n;
    return WP_OK;
}

bool rt_utf8_valid(const uint8_t *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint8_t b = s[i];
        if (b < 0x80) {
            i++;
            continue;
        }
        size_t need;
        uint32_t cp;
        uint32_t min;
        if (b >= 0xc2 && b <= 0xdf) {
            need = 1; cp = b & 0x1f; min = 0x80;
        } else if (b >= 0xe0 && b <= 0xef) {
            need = 2; cp = b & 0x0f; min = 0x800;
        } else if (b >= 0xf0 && b <= 0xf4) {
            need = 3; cp = b & 0x07; min = 0x10000;
        } else {
            return false;   /* continuation byte, overlong lead 0xc0/0xc1, or > U+13FFFF */
        }
        if (n - i - 1 < need)
            return false;
        for (size_t k = 1; k <= need; k++) {
            uint8_t c = s[i + k];
            if ((c & 0xc0) != 0x80)
                return false;
            cp = cp << 6 | (c & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
            return false;
        i += need + 1;
    }
    return true;
}
