/* Tests of the module decoder: the byte reader (LEB128 rules, UTF-8), then
 * a table of annotated modules, good and bad, each with the status the
 * decoder must return and a non-empty message, then a few modules whose
 * decoded contents are checked field by field.
 *
 * Module bytes are written as C string literals split at every field, so
 * a hex escape never swallows the next character. HDR is the 8-byte
 * preamble; bodies "\x02\x00\x0b" are empty functions of type [] -> [].
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"
#include "reader.h"

static int failures;

#define CHECK(cond, ...)                                            \
    do {                                                            \
        if (!(cond)) {                                              \
            failures++;                                             \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__,  \
                    __LINE__, #cond);                               \
            fprintf(stderr, __VA_ARGS__);                           \
            fputc('\n', stderr);                                    \
        }                                                           \
    } while (0)

#define HDR "\x00" "asm" "\x01\x00\x00\x00"

/* ---------------------------------------------------------------- reader */

typedef enum { U32, S32, S33, S64, U64 } leb_kind;

static const struct {
    const char *name;
    leb_kind    kind;
    const char *in;
    size_t      n;
    wp_status   want;
    uint64_t    value;     /* as read, two's complement for signed */
} leb_cases[] = {
    { "u32 0",                     U32, "\x00", 1, WP_OK, 0 },
    { "u32 624485",                U32, "\xe5\x8e\x26", 3, WP_OK, 624485 },
    { "u32 2, padded to 5 bytes",  U32, "\x82\x80\x80\x80\x00", 5, WP_OK, 2 },
    { "u32 max",                   U32, "\xff\xff\xff\xff\x0f", 5, WP_OK, 0xffffffffu },
    { "u32 6 bytes",               U32, "\x82\x80\x80\x80\x80\x00", 6, WP_ERR_MALFORMED, 0 },
    { "u32 unused bits set",       U32, "\x82\x80\x80\x80\x70", 5, WP_ERR_MALFORMED, 0 },
    { "u32 bit 32 set",            U32, "\x80\x80\x80\x80\x10", 5, WP_ERR_MALFORMED, 0 },
    { "u32 truncated",             U32, "\x80\x80", 2, WP_ERR_MALFORMED, 0 },
    { "u32 empty",                 U32, "", 0, WP_ERR_MALFORMED, 0 },
    { "s32 -1",                    S32, "\x7f", 1, WP_OK, (uint64_t)-1 },
    { "s32 -1 padded",             S32, "\xff\xff\xff\xff\x7f", 5, WP_OK, (uint64_t)-1 },
    { "s32 min",                   S32, "\x80\x80\x80\x80\x78", 5, WP_OK, (uint64_t)(int64_t)INT32_MIN },
    { "s32 max",                   S32, "\xff\xff\xff\xff\x07", 5, WP_OK, 0x7fffffff },
    { "s32 63",                    S32, "\x3f", 1, WP_OK, 63 },
    { "s32 64 needs 2 bytes",      S32, "\xc0\x00", 2, WP_OK, 64 },
    { "s32 -64",                   S32, "\x40", 1, WP_OK, (uint64_t)-64 },
    { "s32 0 with unused bits set",   S32, "\x80\x80\x80\x80\x70", 5, WP_ERR_MALFORMED, 0 },
    { "s32 -1 with unused bits clear", S32, "\xff\xff\xff\xff\x0f", 5, WP_ERR_MALFORMED, 0 },
    { "s32 -1 with some bits clear",   S32, "\xff\xff\xff\xff\x4f", 5, WP_ERR_MALFORMED, 0 },
    { "s32 6 bytes",               S32, "\x80\x80\x80\x80\x80\x00", 6, WP_ERR_MALFORMED, 0 },
    { "s33 -64 (block type)",      S33, "\x40", 1, WP_OK, (uint64_t)-64 },
    { "s33 max",                   S33, "\xff\xff\xff\xff\x0f", 5, WP_OK, 0xffffffffu },
    { "s33 bit 33 set",            S33, "\xff\xff\xff\xff\x1f", 5, WP_ERR_MALFORMED, 0 },
    { "s64 -1 padded",             S64, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 10, WP_OK, (uint64_t)-1 },
    { "s64 min",                   S64, "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7f", 10, WP_OK, (uint64_t)INT64_MIN },
    { "s64 0 padded",              S64, "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", 10, WP_OK, 0 },
    { "s64 unused bits set",       S64, "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x02", 10, WP_ERR_MALFORMED, 0 },
    { "s64 -1 some bits clear",    S64, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x41", 10, WP_ERR_MALFORMED, 0 },
    { "s64 11 bytes",              S64, "\x80\x80\x80\x80\x80\x80\x80\x80\x80\x80\x00", 11, WP_ERR_MALFORMED, 0 },
    { "u64 max",                   U64, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 10, WP_OK, UINT64_MAX },
    { "u64 bit 64 set",            U64, "\xff\xff\xff\xff\xff\xff\xff\xff\xff\x03", 10, WP_ERR_MALFORMED, 0 },
};

static void test_leb(void)
{
    for (size_t i = 0; i < sizeof leb_cases / sizeof leb_cases[0]; i++) {
        rt_reader r;
        wp_error err = { 0 };
        uint64_t got = 0;
        wp_status st = WP_OK;
        rt_reader_init(&r, (const uint8_t *)leb_cases[i].in, leb_cases[i].n, 0x100);
        switch (leb_cases[i].kind) {
        case U32: { uint32_t v = 0; st = rt_read_u32(&r, &v, &err); got = v; break; }
        case S32: { int32_t v = 0; st = rt_read_s32(&r, &v, &err); got = (uint64_t)(int64_t)v; break; }
        case S33: { int64_t v = 0; st = rt_read_s33(&r, &v, &err); got = (uint64_t)v; break; }
        case S64: { int64_t v = 0; st = rt_read_s64(&r, &v, &err); got = (uint64_t)v; break; }
        case U64: { uint64_t v = 0; st = rt_read_u64(&r, &v, &err); got = v; break; }
        }
        CHECK(st == leb_cases[i].want, "%s: status %d, want %d (%s)", leb_cases[i].name,
              (int)st, (int)leb_cases[i].want, err.msg);
        if (st == WP_OK) {
            CHECK(got == leb_cases[i].value, "%s: value 0x%llx, want 0x%llx", leb_cases[i].name,
                  (unsigned long long)got, (unsigned long long)leb_cases[i].value);
            CHECK(rt_reader_at_end(&r), "%s: %zu bytes not consumed", leb_cases[i].name,
                  rt_reader_left(&r));
        } else {
            CHECK(err.msg[0] != '\0', "%s: empty message", leb_cases[i].name);
            CHECK(err.offset >= 0x100, "%s: offset 0x%x not in the window", leb_cases[i].name,
                  err.offset);
        }
    }
}

static void test_utf8(void)
{
    static const struct { const char *s; size_t n; bool ok; } cases[] = {
        { "", 0, true },
        { "abc", 3, true },
        { "\xc2\x80", 2, true },           /* U+0080 */
        { "\xe2\x8c\xa3", 3, true },       /* U+2323 */
        { "\xef\xbb\xbf", 3, true },       /* BOM */
        { "\xf4\x8f\xbf\xbf", 4, true },   /* U+10FFFF */
        { "\x00", 1, true },
        { "\x80", 1, false },              /* lone continuation */
        { "\xc0\x80", 2, false },          /* overlong NUL */
        { "\xc1\xbf", 2, false },          /* overlong */
        { "\xe0\x80\x80", 3, false },      /* overlong */
        { "\xed\xa0\x80", 3, false },      /* surrogate U+D800 */
        { "\xf4\x90\x80\x80", 4, false },  /* U+110000 */
        { "\xf8\x88\x80\x80\x80", 5, false },
        { "\xe2\x8c", 2, false },          /* truncated */
        { "\xc2\x41", 2, false },          /* bad continuation */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        CHECK(rt_utf8_valid((const uint8_t *)cases[i].s, cases[i].n) == cases[i].ok,
              "utf8 case %zu", i);
}

static void test_reader_bounds(void)
{
    static const uint8_t bytes[] = { 0x03, 'a', 'b', 'c', 0x05, 'x' };
    rt_reader r, sub;
    wp_error err = { 0 };
    const uint8_t *s;
    uint32_t len;
    rt_reader_init(&r, bytes, sizeof bytes, 10);
    CHECK(rt_read_name(&r, &s, &len, &err) == WP_OK && len == 3 && memcmp(s, "abc", 3) == 0,
          "name abc");
    CHECK(rt_reader_offset(&r) == 14, "offset %u", rt_reader_offset(&r));
    CHECK(rt_read_name(&r, &s, &len, &err) == WP_ERR_MALFORMED, "name longer than the window");
    CHECK(rt_reader_offset(&r) == 14, "a failed read does not move the reader");
    CHECK(rt_read_sub(&r, 3, &sub, &err) == WP_ERR_MALFORMED, "sub-window beyond the end");
    CHECK(rt_read_sub(&r, 2, &sub, &err) == WP_OK && sub.base == 14 && sub.len == 2, "sub-window");
    uint32_t n;
    rt_reader_init(&r, (const uint8_t *)"\xff\xff\xff\xff\x0f\x00\x00", 7, 0);
    CHECK(rt_read_count(&r, 1, "things", &n, &err) == WP_ERR_MALFORMED,
          "a count larger than the bytes left is refused");
    uint32_t f32;
    uint64_t f64;
    rt_reader_init(&r, (const uint8_t *)"\x00\x00\x80\x3f\x00\x00\x00\x00\x00\x00\xf0\x3f", 12, 0);
    CHECK(rt_read_f32(&r, &f32, &err) == WP_OK && f32 == 0x3f800000u, "f32 1.0");
    CHECK(rt_read_f64(&r, &f64, &err) == WP_OK && f64 == 0x3ff0000000000000ull, "f64 1.0");
    CHECK(rt_read_f32(&r, &f32, &err) == WP_ERR_MALFORMED, "f32 past the end");
}

/* ---------------------------------------------------------------- module table */

typedef struct module_case {
    const char *name;
    const char *bytes;
    size_t      len;
    wp_status   want;
} module_case;

#define MOD(name, want, ...) { name, HDR __VA_ARGS__, sizeof(HDR __VA_ARGS__) - 1, want }
#define RAW(name, want, bytes) { name, bytes, sizeof(bytes) - 1, want }

/* Common sections */
#define TYPE_V_V      "\x01\x04\x01" "\x60\x00\x00"            /* type 0: [] -> [] */
#define FUNC_1        "\x03\x02\x01\x00"                       /* 1 function of type 0 */
#define CODE_1        "\x0a\x04\x01" "\x02\x00\x0b"            /* 1 empty body */
#define TABLE_FUNC_1  "\x04\x04\x01" "\x70\x00\x01"            /* table funcref min 1 */
#define MEMORY_1      "\x05\x03\x01" "\x00\x01"                /* memory min 1 */
#define IMPORT_GLOBAL_I32 "\x02\x08\x01" "\x01" "m" "\x01" "g" "\x03" "\x7f\x00"
#define IMPORT_GLOBAL_MUT "\x02\x08\x01" "\x01" "m" "\x01" "g" "\x03" "\x7f\x01"

static const module_case module_cases[] = {
    /* header */
    RAW("empty input", WP_ERR_MALFORMED, ""),
    RAW("one byte", WP_ERR_MALFORMED, "\x01"),
    RAW("truncated magic", WP_ERR_MALFORMED, "\x00" "as"),
    RAW("wrong magic", WP_ERR_MALFORMED, "\x00" "ASM" "\x01\x00\x00\x00"),
    RAW("magic, no version", WP_ERR_MALFORMED, "\x00" "asm"),
    RAW("truncated version", WP_ERR_MALFORMED, "\x00" "asm" "\x01\x00\x00"),
    RAW("version 2", WP_ERR_MALFORMED, "\x00" "asm" "\x02\x00\x00\x00"),
    RAW("version 0x0d (component)", WP_ERR_MALFORMED, "\x00" "asm" "\x0d\x00\x01\x00"),
    MOD("header only", WP_OK, ""),

    /* section framing and order */
    MOD("section id 13", WP_ERR_MALFORMED, "\x0d\x00"),
    MOD("section id 0x80", WP_ERR_MALFORMED, "\x80\x00\x01\x00"),
    MOD("section size past the end", WP_ERR_MALFORMED, "\x01\x05\x00"),
    MOD("section without size", WP_ERR_MALFORMED, "\x01"),
    MOD("trailing custom id alone", WP_ERR_MALFORMED, TYPE_V_V "\x00"),
    MOD("type section with a byte left over", WP_ERR_MALFORMED, "\x01\x05\x01" "\x60\x00\x00" "\x00"),
    MOD("type count larger than its entries", WP_ERR_MALFORMED, "\x01\x04\x02" "\x60\x00\x00"),
    MOD("two type sections", WP_ERR_MALFORMED, TYPE_V_V TYPE_V_V),
    MOD("memory before table", WP_ERR_MALFORMED, "\x05\x01\x00" "\x04\x01\x00"),
    MOD("data count after code", WP_ERR_MALFORMED, "\x0a\x01\x00" "\x0c\x01\x00"),
    MOD("data count before element", WP_ERR_MALFORMED, "\x0c\x01\x00" "\x09\x01\x00"),
    MOD("two start sections", WP_ERR_MALFORMED, TYPE_V_V FUNC_1 "\x08\x01\x00" "\x08\x01\x00" CODE_1),
    MOD("every section empty, in order", WP_OK,
        "\x01\x01\x00" "\x02\x01\x00" "\x03\x01\x00" "\x04\x01\x00" "\x05\x01\x00"
        "\x06\x01\x00" "\x07\x01\x00" "\x09\x01\x00" "\x0c\x01\x00" "\x0a\x01\x00"
        "\x0b\x01\x00"),

    /* custom sections */
    MOD("custom sections everywhere", WP_OK,
        "\x00\x04\x03" "abc" TYPE_V_V "\x00\x01\x00" FUNC_1 "\x00\x02\x01" "x" CODE_1
        "\x00\x05\x01" "y" "\xff\xfe\xfd"),
    MOD("custom section of size 0", WP_ERR_MALFORMED, "\x00\x00"),
    MOD("custom name longer than the section", WP_ERR_MALFORMED, "\x00\x02\x05" "a"),
    MOD("custom name not UTF-8", WP_ERR_MALFORMED, "\x00\x03\x02" "\xc0\x80"),
    MOD("custom name with a surrogate", WP_ERR_MALFORMED, "\x00\x04\x03" "\xed\xa0\x80"),
    MOD("broken name section is ignored", WP_OK,
        TYPE_V_V FUNC_1 CODE_1 "\x00\x09\x04" "name" "\x01\x09\x01\x00"),
    MOD("name section with bad UTF-8 is ignored", WP_OK,
        TYPE_V_V FUNC_1 CODE_1 "\x00\x0b\x04" "name" "\x01\x04\x01\x00\x01" "\xff"),

    /* types */
    MOD("type with params and results", WP_OK,
        "\x01\x0b\x02" "\x60\x02\x7f\x7e\x01\x7d" "\x60\x00\x01\x70"),
    MOD("type with every value type", WP_OK,
        "\x01\x0b\x01" "\x60\x07\x7f\x7e\x7d\x7c\x7b\x70\x6f\x00"),
    MOD("type form 0x61", WP_ERR_MALFORMED, "\x01\x04\x01" "\x61\x00\x00"),
    MOD("type form as a 2-byte LEB", WP_ERR_MALFORMED, "\x01\x05\x01" "\xe0\x7f\x00\x00"),
    MOD("param type 0x40", WP_ERR_MALFORMED, "\x01\x05\x01" "\x60\x01\x40\x00"),
    MOD("result type 0x00", WP_ERR_MALFORMED, "\x01\x05\x01" "\x60\x00\x01\x00"),
    MOD("param count past the section", WP_ERR_MALFORMED, "\x01\x05\x01" "\x60\x05\x7f\x00"),
    MOD("type count 0xffffffff", WP_ERR_MALFORMED, "\x01\x08\xff\xff\xff\xff\x0f" "\x60\x00\x00"),

    /* imports */
    MOD("imports of every kind", WP_OK,
        TYPE_V_V
        "\x02\x1e\x04"
        "\x01" "m" "\x01" "f" "\x00\x00"                 /* func type 0 */
        "\x01" "m" "\x01" "t" "\x01\x6f\x01\x00\x05"     /* table externref 0..5 */
        "\x01" "m" "\x01" "M" "\x02\x00\x01"             /* memory 1 */
        "\x01" "m" "\x01" "g" "\x03\x7e\x01"),           /* global mut i64 */
    MOD("import of unknown type", WP_ERR_INVALID, "\x02\x07\x01" "\x01" "m" "\x01" "f" "\x00\x00"),
    MOD("import kind 4", WP_ERR_MALFORMED, "\x02\x07\x01" "\x01" "m" "\x01" "f" "\x04\x00"),
    MOD("import kind 0x80", WP_ERR_MALFORMED, "\x02\x07\x01" "\x01" "m" "\x01" "f" "\x80\x00"),
    MOD("import name not UTF-8", WP_ERR_MALFORMED, "\x02\x07\x01" "\x01" "m" "\x01" "\x80" "\x03\x7f\x00"),
    MOD("import module name not UTF-8", WP_ERR_MALFORMED,
        "\x02\x08\x01" "\x01" "\xff" "\x01" "g" "\x03\x7f\x00"),
    MOD("import count past the section", WP_ERR_MALFORMED, "\x02\x08\x02" "\x01" "m" "\x01" "g" "\x03\x7f\x00"),
    MOD("global import mutability 2", WP_ERR_MALFORMED, "\x02\x08\x01" "\x01" "m" "\x01" "g" "\x03\x7f\x02"),
    MOD("global import of bad type", WP_ERR_MALFORMED, "\x02\x08\x01" "\x01" "m" "\x01" "g" "\x03\x60\x00"),
    /* multi-memory is on by default (test_proposals checks it off) */
    MOD("two memory imports", WP_OK,
        "\x02\x0f\x02" "\x01" "m" "\x01" "a" "\x02\x00\x01" "\x01" "m" "\x01" "b" "\x02\x00\x01"),
    MOD("memory import and memory definition", WP_OK,
        "\x02\x08\x01" "\x01" "m" "\x01" "a" "\x02\x00\x01" MEMORY_1),
    MOD("memory import of 65537 pages", WP_ERR_INVALID,
        "\x02\x0a\x01" "\x01" "m" "\x01" "a" "\x02\x00\x81\x80\x04"),
    MOD("table import min > max", WP_ERR_INVALID,
        "\x02\x0a\x01" "\x01" "m" "\x01" "t" "\x01\x70\x01\x02\x01"),
    MOD("table import of i32", WP_ERR_MALFORMED,
        "\x02\x09\x01" "\x01" "m" "\x01" "t" "\x01\x7f\x00\x00"),

    /* functions and code */
    MOD("one function", WP_OK, TYPE_V_V FUNC_1 CODE_1),
    MOD("function without code", WP_ERR_MALFORMED, TYPE_V_V FUNC_1),
    MOD("code without function", WP_ERR_MALFORMED, TYPE_V_V CODE_1),
    MOD("two functions, one body", WP_ERR_MALFORMED, TYPE_V_V "\x03\x03\x02\x00\x00" CODE_1),
    MOD("zero functions, no code", WP_OK, "\x03\x01\x00"),
    MOD("zero bodies, no functions", WP_OK, "\x0a\x01\x00"),
    MOD("function of unknown type", WP_ERR_INVALID, TYPE_V_V "\x03\x02\x01\x01" CODE_1),
    MOD("function type index overlong", WP_ERR_MALFORMED,
        TYPE_V_V "\x03\x07\x01\x80\x80\x80\x80\x80\x00" CODE_1),
    MOD("body size past the section", WP_ERR_MALFORMED, TYPE_V_V FUNC_1 "\x0a\x04\x01\x05\x00\x0b"),
    MOD("body count past the section", WP_ERR_MALFORMED, TYPE_V_V FUNC_1 "\x0a\x01\x05"),

    /* tables and memories */
    MOD("table with max", WP_OK, "\x04\x05\x01" "\x70\x01\x01\x02"),
    MOD("two tables", WP_OK, "\x04\x07\x02" "\x70\x00\x01" "\x6f\x00\x00"),
    MOD("table min > max", WP_ERR_INVALID, "\x04\x05\x01" "\x70\x01\x02\x01"),
    MOD("table limits flags 2", WP_ERR_MALFORMED, "\x04\x04\x01" "\x70\x02\x00"),
    MOD("table limits flags as 2-byte LEB", WP_ERR_MALFORMED, "\x04\x06\x01" "\x70\x81\x00\x00\x00"),
    MOD("table of f32", WP_ERR_MALFORMED, "\x04\x04\x01" "\x7d\x00\x00"),
    MOD("memory 0..65536", WP_OK, "\x05\x06\x01" "\x01\x00\x80\x80\x04"),
    MOD("memory min padded LEB", WP_OK, "\x05\x07\x01" "\x00\x82\x80\x80\x80\x00"),
    MOD("memory min 65537", WP_ERR_INVALID, "\x05\x05\x01" "\x00\x81\x80\x04"),
    MOD("memory max 65537", WP_ERR_INVALID, "\x05\x06\x01" "\x01\x00\x81\x80\x04"),
    MOD("memory min > max", WP_ERR_INVALID, "\x05\x04\x01" "\x01\x02\x01"),
    MOD("two memories", WP_OK, "\x05\x05\x02" "\x00\x01" "\x00\x01"),
    MOD("shared memory flags 3", WP_ERR_MALFORMED, "\x05\x04\x01" "\x03\x01\x01"),
    MOD("memory min with unused bits", WP_ERR_MALFORMED, "\x05\x07\x01" "\x00\x82\x80\x80\x80\x70"),
    MOD("memory min 6-byte LEB", WP_ERR_MALFORMED, "\x05\x08\x01" "\x00\x82\x80\x80\x80\x80\x00"),
    MOD("memory count past the section", WP_ERR_MALFORMED, "\x05\x01\x01"),

    /* globals and constant expressions */
    MOD("globals of every constant", WP_OK,
        "\x06\x32\x06"
        "\x7f\x00" "\x41\x7f\x0b"                                   /* i32 -1 */
        "\x7e\x01" "\x42\x80\x80\x80\x80\x80\x80\x80\x80\x80\x7f\x0b" /* mut i64 min */
        "\x7d\x00" "\x43\x00\x00\x80\x3f\x0b"                       /* f32 1.0 */
        "\x7c\x00" "\x44\x00\x00\x00\x00\x00\x00\xf0\x3f\x0b"       /* f64 1.0 */
        "\x70\x00" "\xd0\x70\x0b"                                   /* ref.null func */
        "\x6f\x00" "\xd0\x6f\x0b"),                                 /* ref.null extern */
    MOD("v128 global", WP_OK,
        "\x06\x16\x01" "\x7b\x00" "\xfd\x0c" "\x00\x01\x02\x03\x04\x05\x06\x07"
        "\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f" "\x0b"),
    MOD("global.get of an imported immutable global", WP_OK,
        IMPORT_GLOBAL_I32 "\x06\x06\x01" "\x7f\x00" "\x23\x00\x0b"),
    MOD("global.get of an imported mutable global", WP_ERR_INVALID,
        IMPORT_GLOBAL_MUT "\x06\x06\x01" "\x7f\x00" "\x23\x00\x0b"),
    MOD("global.get of a defined global", WP_ERR_INVALID,
        "\x06\x0b\x02" "\x7f\x00" "\x41\x00\x0b" "\x7f\x00" "\x23\x00\x0b"),
    MOD("global.get of an unknown global", WP_ERR_INVALID, "\x06\x06\x01" "\x7f\x00" "\x23\x05\x0b"),
    MOD("global.get of the wrong type", WP_ERR_INVALID,
        IMPORT_GLOBAL_I32 "\x06\x06\x01" "\x7e\x00" "\x23\x00\x0b"),
    MOD("ref.func in a global", WP_OK, TYPE_V_V FUNC_1 "\x06\x06\x01" "\x70\x00" "\xd2\x00\x0b" CODE_1),
    MOD("ref.func of an unknown function", WP_ERR_INVALID, "\x06\x06\x01" "\x70\x00" "\xd2\x00\x0b"),
    MOD("i32 global with i64.const", WP_ERR_INVALID, "\x06\x06\x01" "\x7f\x00" "\x42\x00\x0b"),
    MOD("funcref global with ref.null extern", WP_ERR_INVALID, "\x06\x06\x01" "\x70\x00" "\xd0\x6f\x0b"),
    MOD("empty constant expression", WP_ERR_INVALID, "\x06\x04\x01" "\x7f\x00" "\x0b"),
    MOD("two constants", WP_ERR_INVALID, "\x06\x08\x01" "\x7f\x00" "\x41\x00\x41\x00\x0b"),
    MOD("nop in a constant expression", WP_ERR_INVALID, "\x06\x05\x01" "\x7f\x00" "\x01\x0b"),
    /* extended constant expressions are on by default */
    MOD("i32.add in a constant expression", WP_OK,
        "\x06\x09\x01" "\x7f\x00" "\x41\x01\x41\x02\x6a\x0b"),
    MOD("i32.div_s in a constant expression", WP_ERR_INVALID,
        "\x06\x09\x01" "\x7f\x00" "\x41\x01\x41\x02\x6d\x0b"),
    MOD("i32.add of one value", WP_ERR_INVALID,
        "\x06\x07\x01" "\x7f\x00" "\x41\x01\x6a\x0b"),
    MOD("i64.add of i32 values", WP_ERR_INVALID,
        "\x06\x09\x01" "\x7e\x00" "\x41\x01\x41\x02\x7c\x0b"),
    MOD("i64.mul in an i32 global", WP_ERR_INVALID,
        "\x06\x09\x01" "\x7f\x00" "\x42\x01\x42\x02\x7e\x0b"),
    MOD("memory.fill in a constant expression", WP_ERR_INVALID,
        "\x06\x06\x01" "\x7f\x00" "\xfc\x0b\x00\x0b"),
    MOD("illegal opcode in a constant expression", WP_ERR_MALFORMED, "\x06\x05\x01" "\x7f\x00" "\xff\x0b"),
    MOD("illegal 0xfc opcode in a constant expression", WP_ERR_MALFORMED,
        "\x06\x06\x01" "\x7f\x00" "\xfc\x7f\x0b"),
    MOD("constant expression without end", WP_ERR_MALFORMED, "\x06\x05\x01" "\x7f\x00" "\x41\x00"),
    MOD("i32.const with unused bits set", WP_ERR_MALFORMED,
        "\x06\x0a\x01" "\x7f\x00" "\x41\x80\x80\x80\x80\x70\x0b"),
    MOD("i32.const of 6 bytes", WP_ERR_MALFORMED,
        "\x06\x0b\x01" "\x7f\x00" "\x41\x80\x80\x80\x80\x80\x00\x0b"),
    MOD("f64.const truncated", WP_ERR_MALFORMED, "\x06\x08\x01" "\x7c\x00" "\x44\x00\x00\x00\x00"),
    MOD("ref.null of i32", WP_ERR_MALFORMED, "\x06\x06\x01" "\x70\x00" "\xd0\x7f\x0b"),
    MOD("global mutability 2", WP_ERR_MALFORMED, "\x06\x06\x01" "\x7f\x02" "\x41\x00\x0b"),

    /* exports */
    MOD("exports of every kind", WP_OK,
        TYPE_V_V FUNC_1 TABLE_FUNC_1 MEMORY_1 "\x06\x06\x01" "\x7f\x00" "\x41\x00\x0b"
        "\x07\x11\x04" "\x01" "f" "\x00\x00" "\x01" "t" "\x01\x00" "\x01" "m" "\x02\x00"
        "\x01" "g" "\x03\x00" CODE_1),
    MOD("empty export name", WP_OK, TYPE_V_V FUNC_1 "\x07\x04\x01" "\x00" "\x00\x00" CODE_1),
    MOD("duplicate export name", WP_ERR_INVALID,
        TYPE_V_V FUNC_1 "\x07\x09\x02" "\x01" "a" "\x00\x00" "\x01" "a" "\x00\x00" CODE_1),
    MOD("duplicate export name, other kinds", WP_ERR_INVALID,
        MEMORY_1 "\x06\x06\x01" "\x7f\x00" "\x41\x00\x0b"
        "\x07\x0b\x02" "\x02" "ab" "\x02\x00" "\x02" "ab" "\x03\x00"),
    MOD("export of an unknown function", WP_ERR_INVALID, "\x07\x05\x01" "\x01" "f" "\x00\x00"),
    MOD("export of an unknown table", WP_ERR_INVALID, "\x07\x05\x01" "\x01" "t" "\x01\x00"),
    MOD("export of an unknown memory", WP_ERR_INVALID, "\x07\x05\x01" "\x01" "m" "\x02\x00"),
    MOD("export of an unknown global", WP_ERR_INVALID, "\x07\x05\x01" "\x01" "g" "\x03\x00"),
    MOD("export kind 4", WP_ERR_MALFORMED, "\x07\x05\x01" "\x01" "x" "\x04\x00"),
    MOD("export name not UTF-8", WP_ERR_MALFORMED, MEMORY_1 "\x07\x05\x01" "\x01" "\xfe" "\x02\x00"),

    /* start */
    MOD("start function", WP_OK, TYPE_V_V FUNC_1 "\x08\x01\x00" CODE_1),
    MOD("start of an unknown function", WP_ERR_INVALID, TYPE_V_V FUNC_1 "\x08\x01\x01" CODE_1),
    MOD("start function with a result", WP_ERR_INVALID,
        "\x01\x05\x01" "\x60\x00\x01\x7f" FUNC_1 "\x08\x01\x00" "\x0a\x06\x01" "\x04\x00\x41\x00\x0b"),
    MOD("start function with a parameter", WP_ERR_INVALID,
        "\x01\x05\x01" "\x60\x01\x7f\x00" FUNC_1 "\x08\x01\x00" CODE_1),

    /* elements: the eight encodings */
    MOD("element segments of all eight encodings", WP_OK,
        TYPE_V_V FUNC_1 TABLE_FUNC_1
        "\x09\x38\x08"
        "\x00" "\x41\x00\x0b" "\x01\x00"                  /* 0: active table 0, funcs */
        "\x01" "\x00" "\x01\x00"                          /* 1: passive, elemkind, funcs */
        "\x02" "\x00" "\x41\x00\x0b" "\x00" "\x01\x00"    /* 2: active table x, elemkind */
        "\x03" "\x00" "\x01\x00"                          /* 3: declarative, funcs */
        "\x04" "\x41\x00\x0b" "\x02" "\xd2\x00\x0b" "\xd0\x70\x0b"   /* 4: active, exprs */
        "\x05" "\x6f" "\x01" "\xd0\x6f\x0b"               /* 5: passive externref exprs */
        "\x06" "\x00" "\x41\x00\x0b" "\x70" "\x01" "\xd2\x00\x0b"    /* 6: active table x, exprs */
        "\x07" "\x70" "\x01" "\xd2\x00\x0b"               /* 7: declarative exprs */
        CODE_1),
    MOD("element flags padded LEB", WP_OK, TABLE_FUNC_1 "\x09\x07\x01" "\x80\x00" "\x41\x00\x0b" "\x00"),
    MOD("element flags 8", WP_ERR_MALFORMED, TABLE_FUNC_1 "\x09\x04\x01" "\x08\x00\x00"),
    MOD("elemkind 1", WP_ERR_MALFORMED, "\x09\x04\x01" "\x01\x01\x00"),
    MOD("expression segment of i32", WP_ERR_MALFORMED, "\x09\x04\x01" "\x05\x7f\x00"),
    MOD("element segment for an unknown table", WP_ERR_INVALID, "\x09\x06\x01" "\x00" "\x41\x00\x0b" "\x00"),
    MOD("element segment for table 1 of 1", WP_ERR_INVALID,
        TABLE_FUNC_1 "\x09\x08\x01" "\x02\x01" "\x41\x00\x0b" "\x00\x00"),
    MOD("externref segment for a funcref table", WP_ERR_INVALID,
        TABLE_FUNC_1 "\x09\x08\x01" "\x06\x00" "\x41\x00\x0b" "\x6f\x00"),
    MOD("ref.null extern in a funcref segment", WP_ERR_INVALID, "\x09\x07\x01" "\x05\x70\x01" "\xd0\x6f\x0b"),
    MOD("i32.const in a funcref segment", WP_ERR_INVALID, "\x09\x07\x01" "\x05\x70\x01" "\x41\x00\x0b"),
    MOD("element of an unknown function", WP_ERR_INVALID, "\x09\x05\x01" "\x01\x00\x01\x00"),
    MOD("element offset of type i64", WP_ERR_INVALID, TABLE_FUNC_1 "\x09\x06\x01" "\x00" "\x42\x00\x0b" "\x00"),
    MOD("illegal opcode in an element", WP_ERR_MALFORMED,
        TYPE_V_V FUNC_1 "\x09\x06\x01" "\x05\x70\x01" "\xf3\x00\x0b" CODE_1),
    MOD("element count past the section", WP_ERR_MALFORMED, "\x09\x04\x01" "\x01\x00\x05"),

    /* data count and data */
    MOD("data segments of all three modes", WP_OK,
        MEMORY_1 "\x0c\x01\x03"
        "\x0b\x14\x03"
        "\x00" "\x41\x00\x0b" "\x02" "hi"            /* active memory 0 */
        "\x01" "\x03" "abc"                          /* passive */
        "\x02" "\x00" "\x41\x08\x0b" "\x01" "z"),    /* active, explicit memory */
    MOD("data without data count", WP_OK, MEMORY_1 "\x0b\x06\x01" "\x00" "\x41\x00\x0b" "\x00"),
    MOD("data count 0 without data", WP_OK, "\x0c\x01\x00"),
    MOD("data count 1 without data", WP_ERR_MALFORMED, "\x0c\x01\x01"),
    MOD("data count 3, 2 segments", WP_ERR_MALFORMED, "\x0c\x01\x03" "\x0b\x05\x02" "\x01\x00" "\x01\x00"),
    MOD("data count 1, 2 segments", WP_ERR_MALFORMED, "\x0c\x01\x01" "\x0b\x05\x02" "\x01\x00" "\x01\x00"),
    MOD("data for memory 1", WP_ERR_INVALID, MEMORY_1 "\x0b\x07\x01" "\x02\x01" "\x41\x00\x0b" "\x00"),
    MOD("data without a memory", WP_ERR_INVALID, "\x0b\x06\x01" "\x00" "\x41\x00\x0b" "\x00"),
    MOD("passive data without a memory", WP_OK, "\x0b\x03\x01" "\x01\x00"),
    MOD("data flags 3", WP_ERR_MALFORMED, MEMORY_1 "\x0b\x03\x01" "\x03\x00"),
    MOD("data bytes past the section", WP_ERR_MALFORMED, MEMORY_1 "\x0b\x07\x01" "\x00" "\x41\x00\x0b" "\x07" "a"),
    MOD("data bytes short of the section", WP_ERR_MALFORMED,
        MEMORY_1 "\x0b\x08\x01" "\x00" "\x41\x00\x0b" "\x01" "ab"),
    MOD("data offset of type i64", WP_ERR_INVALID, MEMORY_1 "\x0b\x06\x01" "\x00" "\x42\x00\x0b" "\x00"),

    /* a malformed module is malformed even if an earlier part is invalid */
    MOD("invalid, then malformed", WP_ERR_MALFORMED, "\x04\x05\x01" "\x70\x01\x02\x01" "\x0d\x00"),
    MOD("invalid, then malformed in a later section", WP_ERR_MALFORMED,
        "\x05\x04\x01" "\x01\x02\x01" "\x06\x05\x01" "\x7f\x00" "\xff\x0b"),
    MOD("invalid function type, then bad data count", WP_ERR_MALFORMED,
        TYPE_V_V "\x03\x02\x01\x07" "\x0c\x01\x01" CODE_1),
};

static wp_engine *new_engine(void)
{
    wp_engine *e = NULL;
    wp_error err;
    if (wp_engine_create(NULL, &e, &err) != WP_OK) {
        fprintf(stderr, "cannot create an engine: %s\n", err.msg);
        exit(1);
    }
    return e;
}

static void test_module_table(wp_engine *e)
{
    for (size_t i = 0; i < sizeof module_cases / sizeof module_cases[0]; i++) {
        const module_case *c = &module_cases[i];
        static wp_module sentinel;
        wp_module *m = &sentinel;   /* must be reset to NULL on failure */
        wp_error err;
        memset(&err, 0, sizeof err);
        wp_status st = wp_module_compile(e, (const uint8_t *)c->bytes, c->len, &m, &err);
        CHECK(st == c->want, "%s: status %s (%d), want %d: %s", c->name, wp_status_text(st),
              (int)st, (int)c->want, st == WP_OK ? "" : err.msg);
        if (st == WP_OK) {
            CHECK(m != NULL, "%s: no module", c->name);
            wp_module_destroy(m);
        } else {
            CHECK(m == NULL, "%s: *out not NULL after a failure", c->name);
            CHECK(err.msg[0] != '\0', "%s: empty message", c->name);
            CHECK(err.code == st, "%s: err.code %d, status %d", c->name, (int)err.code, (int)st);
        }
        if (getenv("WP_TEST_VERBOSE") && st != WP_OK)
            printf("%-50s %s\n", c->name, err.msg);
    }
}

/* ---------------------------------------------------------------- decoded contents */

static wp_module *compile_ok(wp_engine *e, const char *what, const uint8_t *bytes, size_t len)
{
    wp_module *m = NULL;
    wp_error err;
    wp_status st = wp_module_compile(e, bytes, len, &m, &err);
    CHECK(st == WP_OK, "%s: %s", what, err.msg);
    return st == WP_OK ? m : NULL;
}

static void test_imports_exports(wp_engine *e)
{
    static const char bytes[] =
        HDR
        "\x01\x09\x02" "\x60\x01\x7f\x01\x7e" "\x60\x00\x00"   /* 0: [i32]->[i64], 1: []->[] */
        "\x02\x22\x04"
        "\x03" "env" "\x01" "f" "\x00\x00"
        "\x03" "env" "\x01" "t" "\x01\x6f\x01\x02\x05"
        "\x01" "m" "\x01" "M" "\x02\x00\x03"
        "\x01" "m" "\x01" "g" "\x03\x7c\x01"
        "\x03\x02\x01\x01"                                      /* function 1: type 1 */
        "\x07\x0f\x03" "\x03" "run" "\x00\x01" "\x01" "g" "\x03\x00" "\x01" "f" "\x00\x00"
        "\x0a\x04\x01" "\x02\x00\x0b";
    wp_module *m = compile_ok(e, "imports and exports", (const uint8_t *)bytes, sizeof bytes - 1);
    if (!m)
        return;
    wp_extern_desc d;
    CHECK(wp_module_import_count(m) == 4, "4 imports");
    CHECK(wp_module_export_count(m) == 3, "3 exports");
    CHECK(m->nfuncs == 2 && m->nfunc_imports == 1, "function space %u/%u", m->nfuncs, m->nfunc_imports);

    CHECK(wp_module_import(m, 0, &d) == WP_OK, "import 0");
    CHECK(d.kind == WP_EXTERN_FUNC && d.module_len == 3 && memcmp(d.module, "env", 3) == 0 &&
          d.name_len == 1 && d.name[0] == 'f', "import 0 names");
    CHECK(d.func.nparams == 1 && d.func.params[0] == WP_I32 && d.func.nresults == 1 &&
          d.func.results[0] == WP_I64, "import 0 type");
    CHECK(wp_module_import(m, 1, &d) == WP_OK && d.kind == WP_EXTERN_TABLE && d.type == WP_EXTERNREF &&
          d.limits.min == 2 && d.limits.has_max && d.limits.max == 5, "import 1: table");
    CHECK(wp_module_import(m, 2, &d) == WP_OK && d.kind == WP_EXTERN_MEMORY && d.limits.min == 3 &&
          !d.limits.has_max, "import 2: memory");
    CHECK(wp_module_import(m, 3, &d) == WP_OK && d.kind == WP_EXTERN_GLOBAL && d.type == WP_F64 &&
          d.mutable_, "import 3: global");
    CHECK(wp_module_import(m, 4, &d) == WP_ERR_ARG, "import 4 does not exist");

    CHECK(wp_module_export(m, 0, &d) == WP_OK && d.kind == WP_EXTERN_FUNC && d.name_len == 3 &&
          strcmp(d.name, "run") == 0 && d.func.nparams == 0 && d.func.nresults == 0, "export run");
    CHECK(wp_module_export(m, 1, &d) == WP_OK && d.kind == WP_EXTERN_GLOBAL && d.type == WP_F64,
          "export g");
    CHECK(wp_module_export(m, 2, &d) == WP_OK && d.kind == WP_EXTERN_FUNC && d.func.nparams == 1,
          "export f (the import)");
    CHECK(wp_module_export(m, 3, &d) == WP_ERR_ARG, "export 3 does not exist");
    CHECK(m->func_declared[0] && m->func_declared[1], "exported functions are declared");
    CHECK(m->types[0].param_slots == 1 && m->types[0].result_slots == 1, "slots");
    CHECK(m->types[0].id != m->types[1].id, "distinct types, distinct ids");
    CHECK(m->start == UINT32_MAX, "no start function");
    wp_module_destroy(m);

    CHECK(wp_module_import_count(NULL) == 0 && wp_module_export_count(NULL) == 0, "NULL module");
    CHECK(wp_module_import(NULL, 0, &d) == WP_ERR_ARG, "NULL module import");
    wp_module_destroy(NULL);
}

static void test_declared_and_segments(wp_engine *e)
{
    /* Four functions: 0 in an element segment, 1 in a global, 2 in an
     * element expression, 3 nowhere (only started). */
    static const char bytes[] =
        HDR
        "\x01\x04\x01" "\x60\x00\x00"
        "\x03\x05\x04" "\x00\x00\x00\x00"
        "\x04\x04\x01" "\x70\x00\x04"
        "\x05\x03\x01" "\x00\x01"
        "\x06\x06\x01" "\x70\x00" "\xd2\x01\x0b"
        "\x08\x01\x03"
        "\x09\x0d\x02" "\x00" "\x41\x02\x0b" "\x01\x00" "\x07\x70\x01" "\xd2\x02\x0b"
        "\x0c\x01\x01"
        "\x0a\x0d\x04" "\x02\x00\x0b" "\x02\x00\x0b" "\x02\x00\x0b" "\x02\x00\x0b"
        "\x0b\x09\x01" "\x00" "\x41\x10\x0b" "\x03" "xyz";
    uint8_t copy[sizeof bytes - 1];
    memcpy(copy, bytes, sizeof copy);
    wp_module *m = compile_ok(e, "declared", copy, sizeof copy);
    if (!m)
        return;
    memset(copy, 0xee, sizeof copy);   /* the module must not point into the caller's bytes */
    CHECK(m->func_declared[0] && m->func_declared[1] && m->func_declared[2] && !m->func_declared[3],
          "declared %d %d %d %d", m->func_declared[0], m->func_declared[1], m->func_declared[2],
          m->func_declared[3]);
    CHECK(m->start == 3, "start %u", m->start);
    CHECK(m->nglobals == 1 && m->global_init[0].kind == RT_CONST_REF_FUNC && m->global_init[0].index == 1,
          "global init");
    CHECK(m->nelems == 2, "2 element segments");
    CHECK(m->elems[0].mode == RT_SEG_ACTIVE && m->elems[0].table == 0 &&
          m->elems[0].offset.kind == RT_CONST_VALUE && m->elems[0].offset.bits[0] == 2 &&
          m->elems[0].nitems == 1 && m->elems[0].items[0].kind == RT_CONST_REF_FUNC &&
          m->elems[0].items[0].index == 0, "element segment 0");
    CHECK(m->elems[1].mode == RT_SEG_DECLARATIVE && m->elems[1].type == WP_FUNCREF &&
          m->elems[1].nitems == 1 && m->elems[1].items[0].index == 2, "element segment 1");
    CHECK(m->has_data_count && m->data_count == 1 && m->ndatas == 1, "data count");
    CHECK(m->datas[0].mode == RT_SEG_ACTIVE && m->datas[0].memory == 0 &&
          m->datas[0].offset.bits[0] == 16 && m->datas[0].len == 3 &&
          memcmp(m->datas[0].bytes, "xyz", 3) == 0, "data segment copied");
    CHECK(m->tables[0].elem == WP_FUNCREF && m->tables[0].limits.min == 4, "table");
    CHECK(m->nmemories == 1 && m->memories[0].min == 1, "memory");
    for (uint32_t i = 0; i < 4; i++)
        CHECK(m->codes[i].body_offset != 0, "body offset of %u", i);
    wp_module_destroy(m);
}

static void test_names(wp_engine *e)
{
    static const char bytes[] =
        HDR
        "\x01\x04\x01" "\x60\x00\x00"
        "\x02\x07\x01" "\x01" "m" "\x01" "i" "\x00\x00"
        "\x03\x03\x02" "\x00\x00"
        "\x0a\x07\x02" "\x02\x00\x0b" "\x02\x00\x0b"
        "\x00\x1b\x04" "name"
        "\x00\x04\x03" "mod"                                  /* module name */
        "\x01\x0e\x03" "\x00\x03" "imp" "\x02\x03" "two" "\x09\x01" "x"  /* 9 is out of range */
        ;
    wp_module *m = compile_ok(e, "names", (const uint8_t *)bytes, sizeof bytes - 1);
    if (!m)
        return;
    /* The section is only read when a name is first asked for. */
    CHECK(!atomic_load(&m->names_read), "names read before they are needed");
    const char *n0 = rt_module_func_name(m, 0), *n2 = rt_module_func_name(m, 2);
    CHECK(n0 != NULL && strcmp(n0, "imp") == 0, "name of 0");
    CHECK(rt_module_func_name(m, 1) == NULL, "no name for 1");
    CHECK(n2 != NULL && strcmp(n2, "two") == 0, "name of 2");
    CHECK(rt_module_func_name(m, 3) == NULL, "no function 3");
    wp_module_destroy(m);
}

static void test_limits(wp_engine *e)
{
    /* A type with more parameters than the engine accepts. */
    uint32_t n = WP_MAX_FUNCTION_PARAMS + 1;
    size_t len = 8 + 1 + 5 + 1 + 5 + 3 + n + 1;
    uint8_t *b = calloc(1, len);
    size_t p = 0;
    memcpy(b, HDR, 8);
    p = 8;
    uint32_t content = 1 + 1 + 3 + n + 1;   /* count, 0x60, param count, params, result count */
    b[p++] = 0x01;
    b[p++] = (uint8_t)(0x80 | (content & 0x7f));
    b[p++] = (uint8_t)(0x80 | ((content >> 7) & 0x7f));
    b[p++] = (uint8_t)(0x80 | ((content >> 14) & 0x7f));
    b[p++] = 0x80;
    b[p++] = 0x00;
    b[p++] = 0x01;
    b[p++] = 0x60;
    b[p++] = (uint8_t)(0x80 | (n & 0x7f));
    b[p++] = (uint8_t)(0x80 | ((n >> 7) & 0x7f));
    b[p++] = (uint8_t)((n >> 14) & 0x7f);
    memset(b + p, 0x7f, n);
    p += n;
    b[p++] = 0x00;
    wp_module *m = NULL;
    wp_error err;
    wp_status st = wp_module_compile(e, b, p, &m, &err);
    CHECK(st == WP_ERR_NOMEM && m == NULL, "too many parameters: %d %s", (int)st, err.msg);
    free(b);

    /* Arguments. */
    CHECK(wp_module_compile(e, NULL, 4, &m, &err) == WP_ERR_ARG, "NULL bytes");
    CHECK(wp_module_compile(NULL, (const uint8_t *)HDR, 8, &m, &err) == WP_ERR_ARG, "NULL engine");
    CHECK(wp_module_compile(e, NULL, 0, &m, &err) == WP_ERR_MALFORMED, "no bytes at all");
    CHECK(wp_module_compile(e, (const uint8_t *)"\x01", 1, &m, NULL) == WP_ERR_MALFORMED,
          "NULL error is allowed");
}

/* Every prefix of a good module must fail cleanly (never crash), and every
 * single-byte corruption must either compile or fail with a message. */
static void test_truncations(wp_engine *e)
{
    static const char bytes[] =
        HDR TYPE_V_V FUNC_1 TABLE_FUNC_1 MEMORY_1
        "\x06\x06\x01" "\x7f\x00" "\x41\x00\x0b"
        "\x07\x05\x01" "\x01" "f" "\x00\x00"
        "\x09\x07\x01" "\x00" "\x41\x00\x0b" "\x01\x00"
        "\x0c\x01\x01"
        CODE_1
        "\x0b\x07\x01" "\x00" "\x41\x00\x0b" "\x01" "q";
    size_t len = sizeof bytes - 1;
    wp_module *m = compile_ok(e, "truncation base", (const uint8_t *)bytes, len);
    wp_module_destroy(m);
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *b = malloc(cut ? cut : 1);
        memcpy(b, bytes, cut);
        wp_error err;
        err.msg[0] = '\0';
        m = NULL;
        wp_status st = wp_module_compile(e, b, cut, &m, &err);
        /* Cutting exactly between sections may leave a valid module. */
        if (st == WP_OK)
            wp_module_destroy(m);
        else
            CHECK(err.msg[0] != '\0', "prefix of %zu bytes: empty message", cut);
        free(b);
    }
    for (size_t at = 8; at < len; at++) {
        for (unsigned v = 0; v < 256; v += 17) {
            uint8_t *b = malloc(len);
            memcpy(b, bytes, len);
            b[at] = (uint8_t)v;
            wp_error err;
            err.msg[0] = '\0';
            m = NULL;
            wp_status st = wp_module_compile(e, b, len, &m, &err);
            if (st == WP_OK)
                wp_module_destroy(m);
            else
                CHECK(err.msg[0] != '\0', "byte %zu = 0x%02x: empty message", at, v);
            free(b);
        }
    }
}

int main(void)
{
    test_leb();
    test_utf8();
    test_reader_bounds();
    wp_engine *e = new_engine();
    test_module_table(e);
    test_imports_exports(e);
    test_declared_and_segments(e);
    test_names(e);
    test_limits(e);
    test_truncations(e);
    wp_engine_destroy(e);
    if (failures) {
        fprintf(stderr, "test_decode: %d failures\n", failures);
        return 1;
    }
    printf("test_decode: ok (%zu module cases)\n", sizeof module_cases / sizeof module_cases[0]);
    return 0;
}
