/* Command parsing of the spec runner: turns one element of a wast2json
 * "commands" array into a spec_cmd. Every field is checked for its JSON
 * type, so a damaged or unexpected file yields a reported failure rather
 * than a crash. Strings stay views into the JSON document. */
#include "spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char   *name;
    spec_cmd_kind kind;
} cmd_kinds[] = {
    { "module", SPEC_CMD_MODULE },
    { "register", SPEC_CMD_REGISTER },
    { "action", SPEC_CMD_ACTION },
    { "assert_return", SPEC_CMD_ASSERT_RETURN },
    { "assert_trap", SPEC_CMD_ASSERT_TRAP },
    { "assert_exhaustion", SPEC_CMD_ASSERT_EXHAUSTION },
    { "assert_invalid", SPEC_CMD_ASSERT_INVALID },
    { "assert_malformed", SPEC_CMD_ASSERT_MALFORMED },
    { "assert_unlinkable", SPEC_CMD_ASSERT_UNLINKABLE },
    { "assert_uninstantiable", SPEC_CMD_ASSERT_UNINSTANTIABLE },
};

/* A string member, or NULL if absent; false if present with another type. */
static bool opt_string(const json_t *obj, const char *key, const char **out)
{
    const json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v)
        return true;
    if (!json_is_string(v))
        return false;
    *out = json_string_value(v);
    return true;
}

/* Parses an array of values into a fresh array; *out stays NULL when empty. */
static bool parse_values(const json_t *arr, bool expected, const char *what,
                         spec_value **out, size_t *n, bool *uses_v128,
                         char *why, size_t whylen)
{
    char inner[160];
    *out = NULL;
    *n = 0;
    if (!arr)
        return true;
    if (!json_is_array(arr)) {
        snprintf(why, whylen, "\"%s\" is not an array", what);
        return false;
    }
    size_t count = json_array_size(arr);
    if (count == 0)
        return true;
    spec_value *vals = calloc(count, sizeof *vals);
    if (!vals) {
        snprintf(why, whylen, "out of memory for %zu %s", count, what);
        return false;
    }
    *out = vals;
    for (size_t i = 0; i < count; i++) {
        if (!spec_value_parse(json_array_get(arr, i), expected, &vals[i], inner, sizeof inner)) {
            snprintf(why, whylen, "%s[%zu]: %s", what, i, inner);
            return false;
        }
        *n = i + 1;
        if (vals[i].v.type == WP_V128)
            *uses_v128 = true;
    }
    return true;
}

static bool parse_action(const json_t *j, spec_cmd *c, char *why, size_t whylen)
{
    spec_action *a = &c->action;
    const char *type = NULL;
    const json_t *field;
    if (!json_is_object(j)) {
        snprintf(why, whylen, "\"action\" is not an object");
        return false;
    }
    if (!opt_string(j, "type", &type) || !type) {
        snprintf(why, whylen, "action has no \"type\"");
        return false;
    }
    if (strcmp(type, "get") == 0) {
        a->is_get = true;
    } else if (strcmp(type, "invoke") != 0) {
        snprintf(why, whylen, "action type \"%s\" is not supported", type);
        return false;
    }
    if (!opt_string(j, "module", &a->module)) {
        snprintf(why, whylen, "action \"module\" is not a string");
        return false;
    }
    field = json_object_get(j, "field");
    if (!json_is_string(field)) {
        snprintf(why, whylen, "action has no \"field\" string");
        return false;
    }
    a->field = json_string_value(field);
    a->field_len = json_string_length(field);
    a->present = true;
    return parse_values(json_object_get(j, "args"), false, "args", &a->args, &a->nargs,
                        &c->uses_v128, why, whylen);
}

bool spec_cmd_parse(const json_t *j, spec_cmd *c, char *why, size_t whylen)
{
    const char *module_type = NULL;
    const json_t *line, *action;
    memset(c, 0, sizeof *c);
    c->kind = SPEC_CMD_UNKNOWN;
    c->type_name = "(no type)";
    if (!json_is_object(j)) {
        snprintf(why, whylen, "command is not an object");
        return false;
    }
    line = json_object_get(j, "line");
    if (json_is_integer(line))
        c->line = (long)json_integer_value(line);
    if (!opt_string(j, "type", &c->type_name) || !c->type_name) {
        c->type_name = "(no type)";
        snprintf(why, whylen, "command has no \"type\" string");
        return false;
    }
    for (size_t i = 0; i < sizeof cmd_kinds / sizeof cmd_kinds[0]; i++)
        if (strcmp(c->type_name, cmd_kinds[i].name) == 0)
            c->kind = cmd_kinds[i].kind;
    if (!opt_string(j, "filename", &c->filename) || !opt_string(j, "name", &c->name) ||
        !opt_string(j, "as", &c->as) || !opt_string(j, "text", &c->text) ||
        !opt_string(j, "module_type", &module_type)) {
        snprintf(why, whylen, "a string field has another JSON type");
        return false;
    }
    c->text_module = module_type && strcmp(module_type, "text") == 0;
    if (module_type && !c->text_module && strcmp(module_type, "binary") != 0) {
        snprintf(why, whylen, "module_type \"%s\" is unknown", module_type);
        return false;
    }
    if (c->kind == SPEC_CMD_UNKNOWN) {
        snprintf(why, whylen, "command type \"%s\" is unknown", c->type_name);
        return false;
    }
    action = json_object_get(j, "action");
    if (action && !parse_action(action, c, why, whylen))
        return false;
    /* action, assert_trap and assert_exhaustion also list result types
     * without values; only assert_return's are compared. */
    if (c->kind == SPEC_CMD_ASSERT_RETURN) {
        if (!parse_values(json_object_get(j, "expected"), true, "expected", &c->expected,
                          &c->nexpected, &c->uses_v128, why, whylen))
            return false;
    } else if (json_is_array(json_object_get(j, "expected"))) {
        /* Still note v128 results so that SIMD assertions are skipped. */
        const json_t *arr = json_object_get(j, "expected");
        for (size_t i = 0; i < json_array_size(arr); i++) {
            const char *t = json_string_value(json_object_get(json_array_get(arr, i), "type"));
            if (t && strcmp(t, "v128") == 0)
                c->uses_v128 = true;
        }
    }
    switch (c->kind) {
    case SPEC_CMD_MODULE:
    case SPEC_CMD_ASSERT_INVALID:
    case SPEC_CMD_ASSERT_MALFORMED:
    case SPEC_CMD_ASSERT_UNLINKABLE:
    case SPEC_CMD_ASSERT_UNINSTANTIABLE:
        if (!c->filename) {
            snprintf(why, whylen, "%s has no \"filename\"", c->type_name);
            return false;
        }
        break;
    case SPEC_CMD_REGISTER:
        if (!c->as) {
            snprintf(why, whylen, "register has no \"as\"");
            return false;
        }
        break;
    case SPEC_CMD_ASSERT_TRAP:
        /* Either an action that traps or a module whose start-up traps. */
        if (!c->action.present && !c->filename) {
            snprintf(why, whylen, "assert_trap has neither an action nor a module");
            return false;
        }
        break;
    default:
        if (!c->action.present) {
            snprintf(why, whylen, "%s has no \"action\"", c->type_name);
            return false;
        }
        break;
    }
    return true;
}

void spec_cmd_free(spec_cmd *c)
{
    if (!c)
        return;
    free(c->action.args);
    free(c->expected);
    c->action.args = NULL;
    c->expected = NULL;
    c->action.nargs = c->nexpected = 0;
}
