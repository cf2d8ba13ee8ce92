/* The encodings of WebAssembly proposals wasmpipe does not implement, as
 * tables from byte to feature name (see unsupported.h). Tail calls,
 * extended constant expressions and multi-memory are implemented and so
 * are not listed.
 */
#include <stdio.h>

#include "rt.h"
#include "unsupported.h"

wp_status rt_fail_unsupported(wp_error *err, uint32_t offset, const char *what,
                              const char *fmt, ...)
{
    char detail[96];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    return rt_fail(err, WP_ERR_MALFORMED, offset, "%s is not supported: %s", what, detail);
}

#define EH "exception handling proposal"
#define GC "GC proposal"
#define FREF "function references proposal"

typedef struct byte_name {
    uint8_t     byte;
    const char *what;
} byte_name;

static const char *find(const byte_name *tab, size_t n, uint8_t b)
{
    for (size_t i = 0; i < n; i++)
        if (tab[i].byte == b)
            return tab[i].what;
    return NULL;
}

#define FIND(tab, b) find((tab), sizeof (tab) / sizeof (tab)[0], (b))

static const byte_name opcodes[] = {
    { 0x06, "try (" EH ")" },
    { 0x07, "catch (" EH ")" },
    { 0x08, "throw (" EH ")" },
    { 0x09, "rethrow (" EH ")" },
    { 0x0a, "throw_ref (" EH ")" },
    { 0x14, "call_ref (" FREF ")" },
    { 0x15, "return_call_ref (" FREF ")" },
    { 0x18, "delegate (" EH ")" },
    { 0x19, "catch_all (" EH ")" },
    { 0x1f, "try_table (" EH ")" },
    { 0xd3, "ref.eq (" GC ")" },
    { 0xd4, "ref.as_non_null (" FREF ")" },
    { 0xd5, "br_on_null (" FREF ")" },
    { 0xd6, "br_on_non_null (" FREF ")" },
    { 0xfb, "struct, array, i31 and cast instructions (0xfb prefix, " GC ")" },
    { 0xfe, "atomic memory instructions (0xfe prefix, threads proposal)" },
};

const char *rt_unsupported_opcode(uint8_t op)
{
    return FIND(opcodes, op);
}

const char *rt_unsupported_prefixed(uint8_t prefix, uint32_t sub)
{
    /* Relaxed SIMD took the 0xfd sub-opcodes just past 2.0's SIMD. */
    if (prefix == 0xfd && sub >= 0x100 && sub <= 0x113)
        return "relaxed SIMD instructions (relaxed SIMD proposal)";
    return NULL;
}

static const byte_name valtypes[] = {
    { 0x63, "nullable typed references (ref null ht) (" FREF ")" },
    { 0x64, "typed references (ref ht) (" FREF ")" },
    { 0x69, "exnref (" EH ")" },
    { 0x6a, "arrayref (" GC ")" },
    { 0x6b, "structref (" GC ")" },
    { 0x6c, "i31ref (" GC ")" },
    { 0x6d, "eqref (" GC ")" },
    { 0x6e, "anyref (" GC ")" },
    { 0x71, "nullref (" GC ")" },
    { 0x72, "nullexternref (" GC ")" },
    { 0x73, "nullfuncref (" GC ")" },
    { 0x74, "nullexnref (" EH ")" },
};

const char *rt_unsupported_valtype(uint8_t b)
{
    return FIND(valtypes, b);
}

static const byte_name type_forms[] = {
    { 0x4e, "recursive type groups (rec) (" GC ")" },
    { 0x4f, "final subtypes (sub final) (" GC ")" },
    { 0x50, "subtypes (sub) (" GC ")" },
    { 0x5e, "array types (" GC ")" },
    { 0x5f, "struct types (" GC ")" },
};

const char *rt_unsupported_type_form(uint8_t form)
{
    return FIND(type_forms, form);
}

const char *rt_unsupported_limits(uint8_t flags)
{
    if (flags & 0x80)
        return NULL;
    if (flags & 0x08)
        return "custom page sizes (custom page sizes proposal)";
    if (flags & 0x04)
        return "64-bit memories and tables (memory64 proposal)";
    if (flags & 0x02)
        return "shared memory (threads proposal)";
    return NULL;
}

const char *rt_unsupported_extern_kind(uint8_t kind)
{
    return kind == 4 ? "tag imports and exports (" EH ")" : NULL;
}

const char *rt_unsupported_section(uint8_t id)
{
    if (id == 13)
        return "the tag section (" EH ")";
    return NULL;
}
