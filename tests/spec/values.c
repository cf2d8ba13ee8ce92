/* Values of the spec runner: parsing wast2json's {"type","value"} objects
 * into wp_values (with NaN and reference patterns for expected results),
 * matching results against them, and printing both for failure messages.
 * wast2json writes every number as the decimal form of its bit pattern, so
 * parsing is integer parsing throughout; floats never pass through a C
 * float, which keeps NaN payloads intact. */
#include "spec.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void *spec_extern_ref(uint64_t n)
{
    /* n + 1 keeps `ref.extern 0` distinct from null. */
    return (void *)(uintptr_t)(n + 1);
}

/* Decimal with an optional '-', fitting `bits` bits either as an unsigned or
 * as a two's complement number; the result is the bit pattern. */
static bool parse_bits(const char *s, unsigned bits, uint64_t *out)
{
    bool neg = false;
    uint64_t v = 0;
    uint64_t umax = bits == 64 ? UINT64_MAX : ((uint64_t)1 << bits) - 1;
    if (*s == '-') {
        neg = true;
        s++;
    }
    if (*s == '\0')
        return false;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (neg) {
        uint64_t lim = (uint64_t)1 << (bits - 1);   /* magnitude of the minimum */
        if (v > lim)
            return false;
        v = (0 - v) & umax;
    } else if (v > umax) {
        return false;
    }
    *out = v;
    return true;
}

static bool parse_nan_pattern(const char *s, spec_match *m)
{
    if (strcmp(s, "nan:canonical") == 0) {
        *m = SPEC_NAN_CANONICAL;
        return true;
    }
    if (strcmp(s, "nan:arithmetic") == 0) {
        *m = SPEC_NAN_ARITHMETIC;
        return true;
    }
    return false;
}

static const struct {
    const char *name;
    spec_lane   lane;
    unsigned    bits;
    bool        is_float;
} lane_shapes[] = {
    { "i8", SPEC_LANE_I8, 8, false },    { "i16", SPEC_LANE_I16, 16, false },
    { "i32", SPEC_LANE_I32, 32, false }, { "i64", SPEC_LANE_I64, 64, false },
    { "f32", SPEC_LANE_F32, 32, true },  { "f64", SPEC_LANE_F64, 64, true },
};

static unsigned lane_bits(spec_lane l)
{
    for (size_t i = 0; i < sizeof lane_shapes / sizeof lane_shapes[0]; i++)
        if (lane_shapes[i].lane == l)
            return lane_shapes[i].bits;
    return 32;
}

static const char *lane_name(spec_lane l)
{
    for (size_t i = 0; i < sizeof lane_shapes / sizeof lane_shapes[0]; i++)
        if (lane_shapes[i].lane == l)
            return lane_shapes[i].name;
    return "?";
}

static void put_lane(uint8_t *bytes, unsigned bits, unsigned i, uint64_t v)
{
    unsigned nb = bits / 8;
    for (unsigned b = 0; b < nb; b++)
        bytes[i * nb + b] = (uint8_t)(v >> (8 * b));
}

static uint64_t get_lane(const uint8_t *bytes, unsigned bits, unsigned i)
{
    unsigned nb = bits / 8;
    uint64_t v = 0;
    for (unsigned b = 0; b < nb; b++)
        v |= (uint64_t)bytes[i * nb + b] << (8 * b);
    return v;
}

static bool parse_v128(const json_t *j, bool expected, spec_value *out, char *why, size_t whylen)
{
    const char *lt = json_string_value(json_object_get(j, "lane_type"));
    const json_t *arr = json_object_get(j, "value");
    size_t shape = sizeof lane_shapes / sizeof lane_shapes[0];
    if (!lt) {
        snprintf(why, whylen, "v128 value without a lane_type");
        return false;
    }
    for (size_t i = 0; i < sizeof lane_shapes / sizeof lane_shapes[0]; i++)
        if (strcmp(lt, lane_shapes[i].name) == 0)
            shape = i;
    if (shape == sizeof lane_shapes / sizeof lane_shapes[0]) {
        snprintf(why, whylen, "v128 lane_type \"%s\" is unknown", lt);
        return false;
    }
    unsigned bits = lane_shapes[shape].bits, nlanes = 128 / bits;
    if (!json_is_array(arr) || json_array_size(arr) != nlanes) {
        snprintf(why, whylen, "v128 %sx%u value needs an array of %u lanes", lt, nlanes, nlanes);
        return false;
    }
    out->lane = lane_shapes[shape].lane;
    for (unsigned i = 0; i < nlanes; i++) {
        const char *s = json_string_value(json_array_get(arr, i));
        uint64_t v = 0;
        if (!s) {
            snprintf(why, whylen, "v128 lane %u is not a string", i);
            return false;
        }
        if (lane_shapes[shape].is_float && expected && parse_nan_pattern(s, &out->lanes[i]))
            continue;
        if (!parse_bits(s, bits, &v)) {
            snprintf(why, whylen, "v128 lane %u: \"%s\" is not a %u-bit number", i, s, bits);
            return false;
        }
        put_lane(out->v.of.v128, bits, i, v);
    }
    return true;
}

static bool parse_ref(const char *type, const char *s, bool expected, spec_value *out,
                      char *why, size_t whylen)
{
    bool func = out->v.type == WP_FUNCREF;
    uint64_t n = 0;
    if (s && strcmp(s, "null") == 0)
        return true;   /* the zeroed union is already null */
    if (!s && expected) {
        out->match = SPEC_NONNULL_REF;
        return true;
    }
    if (func) {
        /* A function reference cannot be named from outside a module, so
         * only "any non-null" can be checked. */
        if (expected) {
            out->match = SPEC_NONNULL_REF;
            return true;
        }
        snprintf(why, whylen, "funcref argument \"%s\" cannot be made by the runner",
                 s ? s : "(none)");
        return false;
    }
    if (!s || !parse_bits(s, 64, &n) || s[0] == '-') {
        snprintf(why, whylen, "%s value \"%s\" is not null or a number", type,
                 s ? s : "(none)");
        return false;
    }
    out->v.of.externref = spec_extern_ref(n);
    return true;
}

bool spec_value_parse(const json_t *j, bool expected, spec_value *out, char *why, size_t whylen)
{
    memset(out, 0, sizeof *out);
    const char *type = json_string_value(json_object_get(j, "type"));
    const json_t *val = json_object_get(j, "value");
    const char *s = json_string_value(val);
    uint64_t v = 0;
    if (!json_is_object(j) || !type) {
        snprintf(why, whylen, "value is not an object with a \"type\"");
        return false;
    }
    if (strcmp(type, "i32") == 0)
        out->v.type = WP_I32;
    else if (strcmp(type, "i64") == 0)
        out->v.type = WP_I64;
    else if (strcmp(type, "f32") == 0)
        out->v.type = WP_F32;
    else if (strcmp(type, "f64") == 0)
        out->v.type = WP_F64;
    else if (strcmp(type, "v128") == 0)
        out->v.type = WP_V128;
    else if (strcmp(type, "funcref") == 0)
        out->v.type = WP_FUNCREF;
    else if (strcmp(type, "externref") == 0)
        out->v.type = WP_EXTERNREF;
    else {
        snprintf(why, whylen, "value type \"%s\" is not supported", type);
        return false;
    }
    switch (out->v.type) {
    case WP_V128:
        return parse_v128(j, expected, out, why, whylen);
    case WP_FUNCREF:
    case WP_EXTERNREF:
        return parse_ref(type, s, expected, out, why, whylen);
    case WP_F32:
    case WP_F64:
        if (s && expected && parse_nan_pattern(s, &out->match))
            return true;
        break;
    default:
        break;
    }
    unsigned bits = (out->v.type == WP_I32 || out->v.type == WP_F32) ? 32 : 64;
    if (!s || !parse_bits(s, bits, &v)) {
        snprintf(why, whylen, "%s value \"%s\" is not a %u-bit number", type,
                 s ? s : "(none)", bits);
        return false;
    }
    switch (out->v.type) {
    case WP_I32: out->v.of.i32 = (int32_t)(uint32_t)v; break;
    case WP_I64: out->v.of.i64 = (int64_t)v; break;
    case WP_F32: out->v.of.f32_bits = (uint32_t)v; break;
    default:     out->v.of.f64_bits = v; break;
    }
    return true;
}

/* Canonical: only the quiet bit in the payload. Arithmetic: the quiet bit
 * set, any other payload. The sign is free in both. */
static bool nan32_matches(spec_match m, uint32_t bits)
{
    if (m == SPEC_NAN_CANONICAL)
        return (bits & 0x7fffffffu) == 0x7fc00000u;
    return (bits & 0x7fc00000u) == 0x7fc00000u;
}

static bool nan64_matches(spec_match m, uint64_t bits)
{
    if (m == SPEC_NAN_CANONICAL)
        return (bits & UINT64_C(0x7fffffffffffffff)) == UINT64_C(0x7ff8000000000000);
    return (bits & UINT64_C(0x7ff8000000000000)) == UINT64_C(0x7ff8000000000000);
}

static bool v128_matches(const spec_value *e, const uint8_t *r)
{
    unsigned bits = lane_bits(e->lane), nlanes = 128 / bits;
    for (unsigned i = 0; i < nlanes; i++) {
        uint64_t got = get_lane(r, bits, i);
        spec_match m = e->lanes[i];
        if (m != SPEC_EXACT) {
            bool ok = bits == 32 ? nan32_matches(m, (uint32_t)got) : nan64_matches(m, got);
            if (!ok)
                return false;
        } else if (got != get_lane(e->v.of.v128, bits, i)) {
            return false;
        }
    }
    return true;
}

bool spec_value_matches(const spec_value *e, const wp_value *r)
{
    if (e->v.type != r->type)
        return false;
    switch (e->v.type) {
    case WP_I32:
        return e->v.of.i32 == r->of.i32;
    case WP_I64:
        return e->v.of.i64 == r->of.i64;
    case WP_F32:
        if (e->match != SPEC_EXACT)
            return nan32_matches(e->match, r->of.f32_bits);
        return e->v.of.f32_bits == r->of.f32_bits;
    case WP_F64:
        if (e->match != SPEC_EXACT)
            return nan64_matches(e->match, r->of.f64_bits);
        return e->v.of.f64_bits == r->of.f64_bits;
    case WP_V128:
        return v128_matches(e, r->of.v128);
    case WP_FUNCREF:
        if (e->match == SPEC_NONNULL_REF)
            return r->of.funcref != NULL;
        return r->of.funcref == e->v.of.funcref;
    case WP_EXTERNREF:
        if (e->match == SPEC_NONNULL_REF)
            return r->of.externref != NULL;
        return r->of.externref == e->v.of.externref;
    }
    return false;
}

static const char *type_name(wp_valtype t)
{
    switch (t) {
    case WP_I32: return "i32";
    case WP_I64: return "i64";
    case WP_F32: return "f32";
    case WP_F64: return "f64";
    case WP_V128: return "v128";
    case WP_FUNCREF: return "funcref";
    case WP_EXTERNREF: return "externref";
    }
    return "?";
}

static void format_f32(uint32_t bits, char *buf, size_t len)
{
    float f;
    memcpy(&f, &bits, sizeof f);
    snprintf(buf, len, "f32:%.9g (0x%08" PRIx32 ")", (double)f, bits);
}

static void format_f64(uint64_t bits, char *buf, size_t len)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    snprintf(buf, len, "f64:%.17g (0x%016" PRIx64 ")", d, bits);
}

static void format_v128(const uint8_t *bytes, spec_lane lane, const spec_match *lanes,
                        char *buf, size_t len)
{
    unsigned bits = lane_bits(lane), nlanes = 128 / bits;
    size_t used = (size_t)snprintf(buf, len, "v128:%sx%u", lane_name(lane), nlanes);
    for (unsigned i = 0; i < nlanes && used < len; i++) {
        const char *pat = lanes && lanes[i] == SPEC_NAN_CANONICAL ? "nan:canonical"
                        : lanes && lanes[i] == SPEC_NAN_ARITHMETIC ? "nan:arithmetic" : NULL;
        if (pat)
            used += (size_t)snprintf(buf + used, len - used, " %s", pat);
        else
            used += (size_t)snprintf(buf + used, len - used, " 0x%0*" PRIx64, (int)(bits / 4),
                                     get_lane(bytes, bits, i));
    }
}

void spec_value_format(const wp_value *v, char *buf, size_t len)
{
    if (len == 0)
        return;
    switch (v->type) {
    case WP_I32:
        snprintf(buf, len, "i32:%" PRId32 " (0x%08" PRIx32 ")", v->of.i32, (uint32_t)v->of.i32);
        break;
    case WP_I64:
        snprintf(buf, len, "i64:%" PRId64 " (0x%016" PRIx64 ")", v->of.i64, (uint64_t)v->of.i64);
        break;
    case WP_F32:
        format_f32(v->of.f32_bits, buf, len);
        break;
    case WP_F64:
        format_f64(v->of.f64_bits, buf, len);
        break;
    case WP_V128:
        format_v128(v->of.v128, SPEC_LANE_I32, NULL, buf, len);
        break;
    case WP_FUNCREF:
        if (v->of.funcref)
            snprintf(buf, len, "funcref:%p", (void *)v->of.funcref);
        else
            snprintf(buf, len, "funcref:null");
        break;
    case WP_EXTERNREF:
        if (v->of.externref)
            snprintf(buf, len, "ref.extern %" PRIuPTR, (uintptr_t)v->of.externref - 1);
        else
            snprintf(buf, len, "externref:null");
        break;
    default:
        snprintf(buf, len, "(value of unknown type 0x%02x)", (unsigned)v->type);
        break;
    }
}

void spec_expected_format(const spec_value *e, char *buf, size_t len)
{
    if (len == 0)
        return;
    switch (e->match) {
    case SPEC_NAN_CANONICAL:
        snprintf(buf, len, "%s:nan:canonical", type_name(e->v.type));
        return;
    case SPEC_NAN_ARITHMETIC:
        snprintf(buf, len, "%s:nan:arithmetic", type_name(e->v.type));
        return;
    case SPEC_NONNULL_REF:
        snprintf(buf, len, "%s:non-null", type_name(e->v.type));
        return;
    case SPEC_EXACT:
        break;
    }
    if (e->v.type == WP_V128)
        format_v128(e->v.of.v128, e->lane, e->lanes, buf, len);
    else
        spec_value_format(&e->v, buf, len);
}
