/* Modules that use a proposal wasmpipe does not implement are refused
 * with WP_ERR_MALFORMED and a message naming the feature (unsupported.c),
 * one case per feature; bytes that belong to no proposal keep the plain
 * "malformed" wording; implemented proposals are not in the tables.
 */
#include <stdio.h>
#include <string.h>

#include "rt.h"
#include "unsupported.h"

static int failures;

#define HDR "\x00\x61\x73\x6d\x01\x00\x00\x00"
/* A module of one function () -> () whose body (without locals) is the
 * case's bytes; see body_module. */
#define T_FUNC "\x01\x04\x01\x60\x00\x00" "\x03\x02\x01\x00"

typedef struct ucase {
    const char *name;
    bool        body;      /* bytes are a function body's instructions */
    const char *bytes;     /* sections after the header, or instructions */
    size_t      len;
    const char *want;      /* expected in the message; NULL: a plain malformed error */
} ucase;

#define SECT(name, bytes, want) { name, false, bytes, sizeof bytes - 1, want }
#define BODY(name, bytes, want) { name, true, bytes, sizeof bytes - 1, want }

static const ucase cases[] = {
    /* threads */
    SECT("shared memory", "\x05\x04\x01\x03\x01\x02", "shared memory (threads proposal)"),
    SECT("shared memory without max", "\x05\x03\x01\x02\x01", "shared memory (threads proposal)"),
    SECT("imported shared memory",
         "\x02\x0b\x01\x01" "m" "\x03" "mem" "\x02\x03\x01\x02", "shared memory (threads proposal)"),
    BODY("atomic instruction", "\xfe\x10\x02\x00\x1a", "threads proposal"),
    /* memory64 and custom page sizes */
    SECT("64-bit memory", "\x05\x03\x01\x04\x01", "memory64 proposal"),
    SECT("64-bit memory with max", "\x05\x04\x01\x05\x01\x02", "memory64 proposal"),
    SECT("64-bit table", "\x04\x04\x01\x70\x04\x01", "memory64 proposal"),
    SECT("custom page size", "\x05\x04\x01\x08\x01\x00", "custom page sizes proposal"),
    /* exception handling */
    SECT("tag section", "\x0d\x03\x01\x00\x00", "tag section (exception handling proposal)"),
    SECT("tag import", "\x02\x08\x01\x01" "m" "\x01" "t" "\x04\x00\x00",
         "exception handling proposal"),
    BODY("try", "\x06\x40\x0b", "try (exception handling proposal)"),
    BODY("catch", "\x07\x00", "catch (exception handling proposal)"),
    BODY("throw", "\x08\x00", "throw (exception handling proposal)"),
    BODY("rethrow", "\x09\x00", "rethrow (exception handling proposal)"),
    BODY("throw_ref", "\x0a", "throw_ref (exception handling proposal)"),
    BODY("delegate", "\x18\x00", "delegate (exception handling proposal)"),
    BODY("catch_all", "\x19", "catch_all (exception handling proposal)"),
    BODY("try_table", "\x1f\x40\x00\x0b", "try_table (exception handling proposal)"),
    SECT("exnref parameter", "\x01\x05\x01\x60\x01\x69\x00", "exnref (exception handling proposal)"),
    /* GC and function references */
    SECT("struct type", "\x01\x04\x01\x5f\x01\x7f\x00", "struct types (GC proposal)"),
    SECT("array type", "\x01\x04\x01\x5e\x7f\x00", "array types (GC proposal)"),
    SECT("recursive type group", "\x01\x05\x01\x4e\x01\x60\x00\x00", "(rec) (GC proposal)"),
    SECT("subtype", "\x01\x06\x01\x50\x00\x60\x00\x00", "(sub) (GC proposal)"),
    SECT("final subtype", "\x01\x06\x01\x4f\x00\x60\x00\x00", "(sub final) (GC proposal)"),
    SECT("anyref parameter", "\x01\x05\x01\x60\x01\x6e\x00", "anyref (GC proposal)"),
    SECT("i31ref result", "\x01\x05\x01\x60\x00\x01\x6c", "i31ref (GC proposal)"),
    SECT("typed reference parameter", "\x01\x06\x01\x60\x01\x64\x70\x00",
         "typed references (ref ht) (function references proposal)"),
    SECT("anyref table", "\x04\x04\x01\x6e\x00\x01", "anyref (GC proposal)"),
    SECT("eqref global", "\x06\x06\x01\x6d\x00\xd0\x6d\x0b", "eqref (GC proposal)"),
    SECT("ref.null any in a constant",
         "\x06\x06\x01\x70\x00\xd0\x6e\x0b", "anyref (GC proposal)"),
    BODY("GC instruction", "\xfb\x00\x00", "0xfb prefix, GC proposal"),
    BODY("ref.eq", "\xd3", "ref.eq (GC proposal)"),
    BODY("call_ref", "\x14\x00", "call_ref (function references proposal)"),
    BODY("return_call_ref", "\x15\x00", "return_call_ref (function references proposal)"),
    BODY("ref.as_non_null", "\xd4", "ref.as_non_null (function references proposal)"),
    BODY("br_on_null", "\xd5\x00", "br_on_null (function references proposal)"),
    BODY("br_on_non_null", "\xd6\x00", "br_on_non_null (function references proposal)"),
    BODY("typed reference block type", "\x02\x63\x70\x0b", "(ref null ht) (function references"),
    BODY("ref.null of a GC type", "\xd0\x6e\x1a", "anyref (GC proposal)"),
    BODY("select of a GC type", "\x1c\x01\x6e", "anyref (GC proposal)"),
    /* relaxed SIMD */
    BODY("relaxed swizzle", "\xfd\x80\x02", "relaxed SIMD proposal"),
    BODY("relaxed dot", "\xfd\x93\x02", "relaxed SIMD proposal"),
    /* Not a proposal: the plain wording stays. */
    SECT("limits flags 0x10", "\x05\x03\x01\x10\x01", NULL),
    SECT("section id 14", "\x0e\x00", NULL),
    SECT("type form 0x40", "\x01\x04\x01\x40\x00\x00", NULL),
    BODY("opcode 0x27", "\x27", NULL),
    BODY("simd sub-opcode 0x114", "\xfd\x94\x02", NULL),
};

/* HDR T_FUNC, then a code section holding one body: no locals, the
 * case's instructions, end. */
static size_t body_module(uint8_t *out, size_t cap, const ucase *c)
{
    static const char prefix[] = HDR T_FUNC;
    size_t n = sizeof prefix - 1;
    size_t body = 1 + c->len + 1;       /* locals count, instructions, end */
    if (n + 4 + body > cap || body > 120)
        return 0;
    memcpy(out, prefix, n);
    out[n++] = 0x0a;
    out[n++] = (uint8_t)(body + 2);     /* function count + body size */
    out[n++] = 0x01;
    out[n++] = (uint8_t)body;
    out[n++] = 0x00;
    memcpy(out + n, c->bytes, c->len);
    n += c->len;
    out[n++] = 0x0b;
    return n;
}

int main(void)
{
    wp_engine *e = NULL;
    wp_error err;
    if (wp_engine_create(NULL, &e, &err) != WP_OK) {
        fprintf(stderr, "engine: %s\n", err.msg);
        return 2;
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const ucase *c = &cases[i];
        uint8_t buf[256];
        size_t n;
        if (c->body) {
            n = body_module(buf, sizeof buf, c);
        } else {
            n = 8 + c->len;
            memcpy(buf, HDR, 8);
            memcpy(buf + 8, c->bytes, c->len);
        }
        wp_module *m = NULL;
        memset(&err, 0, sizeof err);
        wp_status st = wp_module_compile(e, buf, n, &m, &err);
        bool named = c->want != NULL && strstr(err.msg, c->want) != NULL &&
                     strstr(err.msg, "is not supported") != NULL;
        bool plain = c->want == NULL && strstr(err.msg, "not supported") == NULL;
        if (st != WP_ERR_MALFORMED || !(named || plain)) {
            fprintf(stderr, "FAIL %s: expected malformed, %s \"%s\"; found %s: %s\n", c->name,
                    c->want ? "naming" : "not naming a feature", c->want ? c->want : "",
                    wp_status_text(st), err.msg);
            failures++;
        }
        wp_module_destroy(m);
    }
    wp_engine_destroy(e);

    /* Implemented proposals must not be reported as unsupported. */
    static const struct { const char *name; uint8_t op; } implemented[] = {
        { "return_call", 0x12 }, { "return_call_indirect", 0x13 },
    };
    for (size_t i = 0; i < sizeof implemented / sizeof implemented[0]; i++) {
        if (rt_unsupported_opcode(implemented[i].op) != NULL) {
            fprintf(stderr, "FAIL %s is listed as unsupported\n", implemented[i].name);
            failures++;
        }
    }
    if (rt_unsupported_limits(0x00) != NULL || rt_unsupported_limits(0x01) != NULL) {
        fprintf(stderr, "FAIL 2.0 limits flags are listed as unsupported\n");
        failures++;
    }
    if (failures) {
        fprintf(stderr, "test_unsupported: %d failures\n", failures);
        return 1;
    }
    printf("test_unsupported: %zu cases ok\n", sizeof cases / sizeof cases[0]);
    return 0;
}
