/* Shared declarations of the spec test runner (wp-spec): the parsed form of
 * one wast2json command, expected and argument values, and the spectest host
 * module. Only the public runtime API is used, so the runner tests the
 * engine exactly as an embedder sees it. */
#ifndef WP_SPEC_H
#define WP_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include <wasmpipe/runtime.h>

/* ---------------------------------------------------------------- values (values.c) */

/* How an expected value is matched against a result. Arguments are always
 * SPEC_EXACT. */
typedef enum spec_match {
    SPEC_EXACT = 0,
    SPEC_NAN_CANONICAL,   /* f32/f64 (or lane): the canonical NaN, either sign */
    SPEC_NAN_ARITHMETIC,  /* f32/f64 (or lane): any quiet NaN */
    SPEC_NONNULL_REF      /* funcref/externref given without a value: any non-null */
} spec_match;

/* Lane shapes of a v128 constant, as wast2json's "lane_type" names them. */
typedef enum spec_lane {
    SPEC_LANE_I8 = 0,
    SPEC_LANE_I16,
    SPEC_LANE_I32,
    SPEC_LANE_I64,
    SPEC_LANE_F32,
    SPEC_LANE_F64
} spec_lane;

typedef struct spec_value {
    wp_value   v;           /* the value (for NaN patterns: only its type) */
    spec_match match;
    spec_lane  lane;        /* WP_V128 only */
    spec_match lanes[16];   /* WP_V128 only: per-lane pattern */
} spec_value;

/* Parses one {"type": ..., "value": ...} object. Returns false and writes a
 * reason into why on anything unexpected. An "expected" value may use NaN
 * patterns and may omit a reference's value; an argument may not. */
bool spec_value_parse(const json_t *j, bool expected, spec_value *out,
                      char *why, size_t whylen);
/* Does result r satisfy expectation e? */
bool spec_value_matches(const spec_value *e, const wp_value *r);
/* Human-readable forms for failure messages (always NUL-terminated). */
void spec_value_format(const wp_value *v, char *buf, size_t len);
void spec_expected_format(const spec_value *e, char *buf, size_t len);
/* The argument encoding of `ref.extern N`: a distinct non-NULL pointer. */
void *spec_extern_ref(uint64_t n);

/* ---------------------------------------------------------------- commands (json_cmd.c) */

typedef enum spec_cmd_kind {
    SPEC_CMD_MODULE = 0,
    SPEC_CMD_REGISTER,
    SPEC_CMD_ACTION,
    SPEC_CMD_ASSERT_RETURN,
    SPEC_CMD_ASSERT_TRAP,
    SPEC_CMD_ASSERT_EXHAUSTION,
    SPEC_CMD_ASSERT_INVALID,
    SPEC_CMD_ASSERT_MALFORMED,
    SPEC_CMD_ASSERT_UNLINKABLE,
    SPEC_CMD_ASSERT_UNINSTANTIABLE,
    SPEC_CMD_UNKNOWN
} spec_cmd_kind;

typedef struct spec_action {
    bool        present;
    bool        is_get;     /* "get" reads a global; otherwise "invoke" */
    const char *module;     /* view; NULL: the most recent module */
    const char *field;      /* view, NUL-terminated but may hold NULs too */
    size_t      field_len;
    spec_value *args;       /* owned */
    size_t      nargs;
} spec_action;

/* One command. Strings are views into the JSON document, which must outlive
 * the command; args and expected are owned and released by spec_cmd_free. */
typedef struct spec_cmd {
    spec_cmd_kind kind;
    const char   *type_name;    /* the "type" text, for messages */
    long          line;         /* line in the .wast, 0 if absent */
    const char   *filename;     /* module file, relative to the .json */
    const char   *name;         /* "name": module binding or register source */
    const char   *as;           /* register: the import module name */
    const char   *text;         /* expected failure text */
    bool          text_module;  /* module_type "text": not run */
    spec_action   action;
    spec_value   *expected;     /* owned */
    size_t        nexpected;
    bool          uses_v128;    /* an argument or expected value is a v128 */
} spec_cmd;

static inline bool spec_cmd_is_assertion(spec_cmd_kind k)
{
    return k >= SPEC_CMD_ASSERT_RETURN && k <= SPEC_CMD_ASSERT_UNINSTANTIABLE;
}

/* Parses one element of "commands". On failure the command still carries
 * what could be read (at least kind, type_name and line) so that it can be
 * reported and counted; release it with spec_cmd_free either way. */
bool spec_cmd_parse(const json_t *j, spec_cmd *out, char *why, size_t whylen);
void spec_cmd_free(spec_cmd *c);

/* ---------------------------------------------------------------- spectest (spectest.c) */

typedef struct spec_host spec_host;

/* The objects of the standard "spectest" module. They must outlive every
 * instance that imports them. verbose: the print functions write to stdout. */
wp_status spec_host_create(wp_engine *e, bool verbose, spec_host **out, wp_error *err);
/* Defines every spectest export in im under the module name "spectest". */
wp_status spec_host_define(const spec_host *h, wp_imports *im, wp_error *err);
void spec_host_destroy(spec_host *h);

#endif
