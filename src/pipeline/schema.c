/* The schema: declarative field tables give the configuration its types.
 * pl_bind walks a map node against a table, rejects keys the table does
 * not name, checks each value's type and range, applies defaults (written
 * in the table as YAML text, parsed by the same code as the file) and
 * fills a plain C struct. The same tables generate the reference in
 * docs/configuration.md and `wasmpipe components`, so the two cannot
 * drift apart.
 */
#include "pl_http.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* More processors than this in one pipeline is surely a mistake, and each
 * one compiles a module. */
#define MAX_PROCESSORS 256

/* ---------------------------------------------------------------- the top level */

const char *const pl_log_level_names[] = { "off", "error", "warn", "info", "debug", "trace",
                                           NULL };

static const pl_field logger_fields[] = {
    { "level", PL_T_ENUM, "info", offsetof(pl_logger_cfg, level),
      "The least severe level logged (any case). A --log-level flag takes precedence.", 0,
      pl_log_level_names, 0, 0, NULL },
    { NULL, 0, NULL, 0, NULL, 0, NULL, 0, 0, NULL },
};

static const pl_spec logger_spec = {
    .name = "logger",
    .summary = "Logging to stderr, one logfmt line per event.",
    .fields = logger_fields,
    .cfg_size = sizeof(pl_logger_cfg),
};

static const pl_field pipeline_fields[] = {
    { "threads", PL_T_INT, "-1", offsetof(pl_pipeline_cfg, threads),
      "Worker threads that run the processors; -1 or 0: one per CPU. Each worker takes a "
      "whole batch of messages; the output keeps the input order whatever the count.",
      0, NULL, -1, 1024, NULL },
    { "max_in_flight", PL_T_INT, "0", offsetof(pl_pipeline_cfg, max_in_flight),
      "The most messages read and not yet acknowledged (or, for an input that does not "
      "acknowledge, not yet written) at any time; 0: threads times the batch size (256). "
      "Each worker holds one batch, so a batch is at most max_in_flight / threads "
      "messages (at least 1): a slow output slows the input instead of growing memory.",
      0, NULL, 0, 1 << 24, NULL },
    { "processors", PL_T_PROCESSORS, NULL, offsetof(pl_pipeline_cfg, processors),
      "Processors applied in order to every message. A message that errors skips the "
      "processors after the one that failed.",
      0, NULL, 0, 0, NULL },
    { NULL, 0, NULL, 0, NULL, 0, NULL, 0, 0, NULL },
};

static const pl_spec pipeline_spec = {
    .name = "pipeline",
    .summary = "The processing stage between the input and the output.",
    .fields = pipeline_fields,
    .cfg_size = sizeof(pl_pipeline_cfg),
};

static const pl_field root_fields[] = {
    { "input", PL_T_INPUT, "stdin", offsetof(pl_config, input),
      "Where messages come from: one input type, with an optional label.", 0, NULL, 0, 0,
      NULL },
    { "pipeline", PL_T_SECTION, NULL, offsetof(pl_config, pipeline),
      "Threads and processors.", 0, NULL, 0, 0, &pipeline_spec },
    { "output", PL_T_OUTPUT, "stdout", offsetof(pl_config, output),
      "Where processed messages go: one output type, with an optional label.", 0, NULL, 0,
      0, NULL },
    { "errors", PL_T_OUTPUT, NULL, offsetof(pl_config, errors),
      "Where errored messages go, with the error text in their `error` metadata key "
      "(the `json` codec shows it). Without it they are logged and dropped.",
      0, NULL, 0, 0, NULL },
    { "logger", PL_T_SECTION, NULL, offsetof(pl_config, logger), "Logging.", 0, NULL, 0, 0,
      &logger_spec },
    { "http", PL_T_SECTION, NULL, offsetof(pl_config, http),
      "The HTTP service endpoints (health, readiness, metrics).", 0, NULL, 0, 0,
      &pl_http_spec },
    { "shutdown_timeout", PL_T_DURATION, "20s", offsetof(pl_config, shutdown_timeout),
      "After SIGINT or SIGTERM: how long the pipeline may take to finish the messages in "
      "flight, flush and acknowledge before the process exits anyway (status 1; what was "
      "not acknowledged is redelivered by the broker). A second signal exits at once.",
      0, NULL, 0, 0, NULL },
    { NULL, 0, NULL, 0, NULL, 0, NULL, 0, 0, NULL },
};

const pl_spec pl_root_spec = {
    .name = "",
    .summary = "A pipeline configuration.",
    .fields = root_fields,
    .cfg_size = sizeof(pl_config),
};

const pl_spec *const pl_input_specs[] = { &pl_input_stdin.spec, &pl_input_file.spec,
                                          &pl_input_nats.spec, &pl_input_jetstream.spec,
                                          &pl_input_http_server.spec,
                                          NULL };
const pl_spec *const pl_output_specs[] = { &pl_output_stdout.spec, &pl_output_file.spec,
                                           &pl_output_drop.spec, &pl_output_nats.spec,
                                           &pl_output_jetstream.spec, &pl_output_http_client.spec,
                                           NULL };
const pl_spec *const pl_processor_specs[] = { &pl_processor_wasm.spec, NULL };

/* ---------------------------------------------------------------- scalar parsers */

bool pl_parse_int(const char *s, int64_t *out) {
    if (!s || !*s || isspace((unsigned char)*s)) return false;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end) return false;
    *out = (int64_t)v;
    return true;
}

bool pl_parse_bool(const char *s, bool *out) {
    static const char *const yes[] = { "true", "True", "TRUE", NULL };
    static const char *const no[] = { "false", "False", "FALSE", NULL };
    for (int i = 0; yes[i]; i++)
        if (strcmp(s, yes[i]) == 0) return *out = true, true;
    for (int i = 0; no[i]; i++)
        if (strcmp(s, no[i]) == 0) return *out = false, true;
    return false;
}

/* a*b+c without overflow. */
static bool mul_add(uint64_t a, uint64_t b, uint64_t c, uint64_t *out) {
    if (b && a > (UINT64_MAX - c) / b) return false;
    *out = a * b + c;
    return true;
}

bool pl_parse_duration(const char *s, uint64_t *ns) {
    static const struct { const char *name; uint64_t ns; } units[] = {
        { "ns", 1 }, { "us", 1000 }, { "\xc2\xb5s", 1000 }, { "ms", 1000000 },
        { "s", 1000000000ull }, { "m", 60000000000ull }, { "h", 3600000000000ull },
    };
    if (!s || !*s) return false;
    if (strcmp(s, "0") == 0) return *ns = 0, true;
    uint64_t total = 0;
    const char *p = s;
    while (*p) {
        if (!isdigit((unsigned char)*p) && *p != '.') return false;
        uint64_t whole = 0, frac = 0, scale = 1;
        bool digits = false;
        while (isdigit((unsigned char)*p)) {
            if (!mul_add(whole, 10, (uint64_t)(*p - '0'), &whole)) return false;
            p++;
            digits = true;
        }
        if (*p == '.') {
            p++;
            while (isdigit((unsigned char)*p)) {
                if (scale < 1000000000000000000ull) {
                    frac = frac * 10 + (uint64_t)(*p - '0');
                    scale *= 10;
                }
                p++;
                digits = true;
            }
        }
        if (!digits) return false;
        size_t best = 0, best_len = 0;
        for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
            size_t l = strlen(units[i].name);
            if (strncmp(p, units[i].name, l) == 0 && l > best_len) {
                best = i;
                best_len = l;
            }
        }
        if (!best_len) return false;
        uint64_t unit = units[best].ns, part;
        if (!mul_add(whole, unit, 0, &part)) return false;
        /* frac/scale of a unit; unit <= 3.6e12 and frac < 1e18 could overflow,
         * so scale the unit down first when it divides evenly. */
        uint64_t fpart = 0;
        if (frac) {
            uint64_t u = unit, sc = scale;
            while (sc > 1 && u % 10 == 0) {
                u /= 10;
                sc /= 10;
            }
            while (sc > 1 && frac > UINT64_MAX / (u ? u : 1)) {
                frac /= 10;
                sc /= 10;
            }
            fpart = frac * u / sc;
        }
        if (part > UINT64_MAX - fpart || total > UINT64_MAX - part - fpart) return false;
        total += part + fpart;
        p += best_len;
    }
    *ns = total;
    return true;
}

bool pl_parse_bytes(const char *s, uint64_t *bytes) {
    static const struct { const char *name; uint64_t mult; } units[] = {
        { "", 1 },         { "B", 1 },
        { "KB", 1000ull }, { "MB", 1000000ull }, { "GB", 1000000000ull },
        { "TB", 1000000000000ull },
        { "KiB", 1ull << 10 }, { "MiB", 1ull << 20 }, { "GiB", 1ull << 30 },
        { "TiB", 1ull << 40 },
    };
    if (!s || !isdigit((unsigned char)*s)) return false;
    uint64_t v = 0;
    const char *p = s;
    while (isdigit((unsigned char)*p)) {
        if (!mul_add(v, 10, (uint64_t)(*p - '0'), &v)) return false;
        p++;
    }
    if (*p == ' ') p++;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (strcmp(p, units[i].name) == 0) return mul_add(v, units[i].mult, 0, bytes);
    return false;
}

void pl_format_duration(uint64_t ns, char *buf, size_t size) {
    if (ns == 0)
        snprintf(buf, size, "0s");
    else if (ns % 1000000000ull == 0)
        snprintf(buf, size, "%" PRIu64 "s", (uint64_t)(ns / 1000000000ull));
    else if (ns % 1000000ull == 0)
        snprintf(buf, size, "%" PRIu64 "ms", (uint64_t)(ns / 1000000ull));
    else if (ns % 1000ull == 0)
        snprintf(buf, size, "%" PRIu64 "us", (uint64_t)(ns / 1000ull));
    else
        snprintf(buf, size, "%" PRIu64 "ns", ns);
}

/* ---------------------------------------------------------------- binding */

static const char *type_name(pl_type t) {
    switch (t) {
    case PL_T_STR: return "string";
    case PL_T_ENUM: return "string";
    case PL_T_INT: return "integer";
    case PL_T_BOOL: return "bool";
    case PL_T_DURATION: return "duration";
    case PL_T_BYTES: return "size";
    case PL_T_STR_LIST: return "list of strings";
    case PL_T_STR_MAP: return "map of strings";
    case PL_T_SECTION: return "object";
    case PL_T_INPUT: return "input";
    case PL_T_OUTPUT: return "output";
    case PL_T_PROCESSORS: return "list of processors";
    }
    return "?";
}

/* Paths are for messages only, so a cut one is fine. */
static void join_path(char *buf, size_t size, const char *base, const char *name) {
    if (base && base[0])
        pl_format(buf, size, "%s.%s", base, name);
    else
        pl_format(buf, size, "%s", name);
}

/* "a, b, c" of a NULL-terminated name list. */
static void list_names(char *buf, size_t size, const char *const *names) {
    size_t used = 0;
    buf[0] = '\0';
    for (int i = 0; names[i] && used < size; i++) {
        int w = snprintf(buf + used, size - used, "%s%s", i ? ", " : "", names[i]);
        if (w < 0) break;
        used += (size_t)w;
    }
}

static void list_fields(char *buf, size_t size, const pl_field *fields) {
    const char *names[64];
    int n = 0;
    for (; fields[n].name && n < 63; n++) names[n] = fields[n].name;
    names[n] = NULL;
    list_names(buf, size, names);
}

static void list_specs(char *buf, size_t size, const pl_spec *const *specs) {
    const char *names[64];
    int n = 0;
    for (; specs[n] && n < 63; n++) names[n] = specs[n]->name;
    names[n] = NULL;
    list_names(buf, size, names);
}

static const char *found_text(const pl_node *v, char *buf, size_t size) {
    if (v->kind == PL_SCALAR) {
        snprintf(buf, size, "'%.60s%s'", v->str, v->len > 60 ? "..." : "");
        return buf;
    }
    return pl_kind_name(v->kind);
}

/* An integer as written (an optional sign, then only digits) that did not
 * fit: worth saying "out of range" rather than "not an integer". */
static bool integer_syntax(const char *s) {
    if (*s == '-' || *s == '+') s++;
    if (!isdigit((unsigned char)*s)) return false;
    while (isdigit((unsigned char)*s)) s++;
    return *s == '\0';
}

/* A value that fails to parse only because its numbers are too large: the
 * same text with every run of digits cut to "1" parses. */
static bool too_big(const char *s, bool (*parse)(const char *, uint64_t *)) {
    char small[128];
    size_t n = 0;
    for (const char *p = s; *p && n + 2 < sizeof small; p++) {
        if (isdigit((unsigned char)*p)) {
            if (p == s || !isdigit((unsigned char)p[-1])) small[n++] = '1';
            continue;
        }
        small[n++] = *p;
    }
    small[n] = '\0';
    uint64_t v;
    return strcmp(small, s) != 0 && parse(small, &v);
}

/* A map of strings, as Bento writes headers (`{Name: value}`), or a list
 * of "Name: value" strings. */
static bool bind_str_map(pl_arena *a, const pl_node *v, const char *path, pl_strmap *out,
                         wp_diags *d) {
    char found[80];
    if (v->kind != PL_MAP && v->kind != PL_SEQ) {
        pl_diag(d, v, path, "expected a mapping of strings, found %s",
                found_text(v, found, sizeof found));
        return false;
    }
    out->node = v;
    out->n = 0;
    out->keys = pl_arena_alloc(a, (v->n + 1) * sizeof *out->keys);
    out->vals = pl_arena_alloc(a, (v->n + 1) * sizeof *out->vals);
    if (!out->keys || !out->vals) {
        pl_diag(d, v, path, "out of memory");
        return false;
    }
    bool ok = true;
    for (size_t i = 0; i < v->n; i++) {
        char ipath[200];
        if (v->kind == PL_MAP) {
            const pl_pair *p = &v->pairs[i];
            join_path(ipath, sizeof ipath, path, p->key->str);
            if (p->value->kind != PL_SCALAR && p->value->kind != PL_NULL) {
                pl_diag(d, p->value, ipath, "expected a string, found %s",
                        pl_kind_name(p->value->kind));
                ok = false;
                continue;
            }
            out->keys[out->n] = p->key->str;
            out->vals[out->n++] = p->value->kind == PL_SCALAR ? p->value->str : "";
            continue;
        }
        const pl_node *it = v->items[i];
        snprintf(ipath, sizeof ipath, "%s[%zu]", path, i);
        const char *colon = it->kind == PL_SCALAR ? strchr(it->str, ':') : NULL;
        if (!colon || colon == it->str) {
            pl_diag(d, it, ipath, "expected a \"Name: value\" string, found %s",
                    found_text(it, found, sizeof found));
            ok = false;
            continue;
        }
        const char *val = colon + 1;
        while (*val == ' ' || *val == '\t') val++;
        out->keys[out->n] = pl_arena_strndup(a, it->str, (size_t)(colon - it->str));
        out->vals[out->n] = val;
        if (!out->keys[out->n]) {
            pl_diag(d, it, ipath, "out of memory");
            return false;
        }
        out->n++;
    }
    return ok;
}

/* Binds one scalar-typed value (never PL_NULL here). */
static bool bind_scalar(pl_arena *a, const pl_field *f, const pl_node *v, const char *path,
                        void *slot, wp_diags *d) {
    char found[80];
    if (f->type == PL_T_STR_MAP) return bind_str_map(a, v, path, slot, d);
    if (f->type == PL_T_STR_LIST) {
        if (v->kind != PL_SEQ) {
            pl_diag(d, v, path, "expected a list of strings, found %s",
                    found_text(v, found, sizeof found));
            return false;
        }
        pl_strs *out = slot;
        out->node = v;
        out->n = 0;
        out->v = pl_arena_alloc(a, (v->n + 1) * sizeof *out->v);
        if (!out->v) {
            pl_diag(d, v, path, "out of memory");
            return false;
        }
        bool ok = true;
        for (size_t i = 0; i < v->n; i++) {
            const pl_node *it = v->items[i];
            if (it->kind != PL_SCALAR) {
                char ipath[160];
                snprintf(ipath, sizeof ipath, "%s[%zu]", path, i);
                pl_diag(d, it, ipath, "expected a string, found %s", pl_kind_name(it->kind));
                ok = false;
                continue;
            }
            out->v[out->n++] = it->str;
        }
        if (ok && (int64_t)out->n < f->min) {
            pl_diag(d, v, path, "needs at least %" PRId64 " item%s", f->min,
                    f->min == 1 ? "" : "s");
            ok = false;
        }
        return ok;
    }
    if (v->kind != PL_SCALAR) {
        pl_diag(d, v, path, "expected %s %s, found %s",
                f->type == PL_T_INT ? "an" : "a", type_name(f->type), pl_kind_name(v->kind));
        return false;
    }
    const char *s = v->str;
    switch (f->type) {
    case PL_T_STR:
        *(const char **)slot = s;
        return true;
    case PL_T_ENUM:
        for (int i = 0; f->choices[i]; i++) {
            if (f->choices == pl_log_level_names ? strcasecmp(s, f->choices[i]) == 0
                                                 : strcmp(s, f->choices[i]) == 0) {
                *(int *)slot = i;
                return true;
            }
        }
        {
            char names[256];
            list_names(names, sizeof names, f->choices);
            pl_diag(d, v, path, "must be one of %s, found %s", names,
                    found_text(v, found, sizeof found));
        }
        return false;
    case PL_T_INT: {
        int64_t x;
        if (!pl_parse_int(s, &x)) {
            if (integer_syntax(s))
                pl_diag(d, v, path, "%s is out of range (must be between %" PRId64 " and %" PRId64
                        ")", found_text(v, found, sizeof found), f->min, f->max);
            else
                pl_diag(d, v, path, "expected an integer, found %s",
                        found_text(v, found, sizeof found));
            return false;
        }
        if (x < f->min || x > f->max) {
            pl_diag(d, v, path, "must be between %" PRId64 " and %" PRId64 ", found %" PRId64,
                    f->min, f->max, x);
            return false;
        }
        *(int64_t *)slot = x;
        return true;
    }
    case PL_T_BOOL:
        if (!pl_parse_bool(s, (bool *)slot)) {
            pl_diag(d, v, path, "expected true or false, found %s",
                    found_text(v, found, sizeof found));
            return false;
        }
        return true;
    case PL_T_DURATION:
        if (!pl_parse_duration(s, (uint64_t *)slot)) {
            if (too_big(s, pl_parse_duration)) {
                pl_diag(d, v, path, "%s is out of range (at most 5124095h, about 584 years)",
                        found_text(v, found, sizeof found));
                return false;
            }
            pl_diag(d, v, path,
                    "expected a duration such as 500ms, 2s or 1m30s (units ns, us, ms, s, m, "
                    "h), found %s",
                    found_text(v, found, sizeof found));
            return false;
        }
        return true;
    case PL_T_BYTES:
        if (!pl_parse_bytes(s, (uint64_t *)slot)) {
            if (too_big(s, pl_parse_bytes)) {
                pl_diag(d, v, path, "%s is out of range (at most %" PRIu64 " bytes)",
                        found_text(v, found, sizeof found),
                        f->max ? (uint64_t)f->max : UINT64_MAX);
                return false;
            }
            pl_diag(d, v, path,
                    "expected a size such as 65536, 64KiB or 64MiB (units B, KB, MB, GB, TB, "
                    "KiB, MiB, GiB, TiB), found %s",
                    found_text(v, found, sizeof found));
            return false;
        }
        if (f->max && *(uint64_t *)slot > (uint64_t)f->max) {
            pl_diag(d, v, path, "must be at most %" PRId64 " bytes, found %s", f->max,
                    found_text(v, found, sizeof found));
            return false;
        }
        return true;
    default:
        pl_diag(d, v, path, "internal: field type %d is not a scalar", (int)f->type);
        return false;
    }
}

/* `stdin: {}` / `wasm: {...}` with an optional `label`: picks the type from
 * the registry and binds its body. */
static bool bind_component(pl_arena *a, const pl_spec *const *reg, const char *what,
                           const pl_node *v, const char *path, pl_component *out,
                           wp_diags *d) {
    char known[256];
    list_specs(known, sizeof known, reg);
    out->at = v;
    if (v->kind != PL_MAP) {
        pl_diag(d, v, path, "expected a mapping that names one %s type (%s), found %s", what,
                known, pl_kind_name(v->kind));
        return false;
    }
    bool ok = true;
    const pl_pair *chosen = NULL;
    for (size_t i = 0; i < v->n; i++) {
        const pl_pair *p = &v->pairs[i];
        if (strcmp(p->key->str, "label") == 0) {
            if (p->value->kind == PL_SCALAR) {
                out->label = p->value->str;
            } else if (p->value->kind != PL_NULL) {
                char lpath[160];
                join_path(lpath, sizeof lpath, path, "label");
                pl_diag(d, p->value, lpath, "expected a string, found %s",
                        pl_kind_name(p->value->kind));
                ok = false;
            }
            continue;
        }
        const pl_spec *type = NULL;
        for (int k = 0; reg[k]; k++)
            if (strcmp(reg[k]->name, p->key->str) == 0) type = reg[k];
        if (!type) {
            if (reg == pl_output_specs && strcmp(p->key->str, "errors") == 0)
                pl_diag(d, p->key, path,
                        "'errors' is a top-level key, beside 'output' (see "
                        "docs/configuration.md)");
            else
                pl_diag(d, p->key, path, "unknown %s type '%s' (known: %s)", what, p->key->str,
                        known);
            ok = false;
            continue;
        }
        if (chosen) {
            pl_diag(d, p->key, path, "more than one %s type: '%s' and '%s'", what,
                    chosen->key->str, p->key->str);
            ok = false;
            continue;
        }
        chosen = p;
    }
    if (!chosen) {
        if (ok) pl_diag(d, v, path, "no %s type given (one of: %s)", what, known);
        return false;
    }
    const pl_spec *type = NULL;
    for (int k = 0; reg[k]; k++)
        if (strcmp(reg[k]->name, chosen->key->str) == 0) type = reg[k];
    join_path(out->path, sizeof out->path, path, type->name);
    out->type = type;
    out->node = chosen->value;
    out->cfg = pl_arena_alloc(a, type->cfg_size ? type->cfg_size : 1);
    if (!out->cfg) {
        pl_diag(d, v, path, "out of memory");
        return false;
    }
    if (!pl_bind(a, type, chosen->value, out->path, out->cfg, d)) ok = false;
    return ok;
}

static bool bind_default_component(pl_arena *a, const pl_spec *const *reg, const char *name,
                                   const char *path, pl_component *out, wp_diags *d) {
    for (int k = 0; reg[k]; k++) {
        if (strcmp(reg[k]->name, name) != 0) continue;
        out->type = reg[k];
        join_path(out->path, sizeof out->path, path, name);
        out->cfg = pl_arena_alloc(a, reg[k]->cfg_size ? reg[k]->cfg_size : 1);
        if (!out->cfg) return false;
        return pl_bind(a, reg[k], NULL, out->path, out->cfg, d);
    }
    pl_diag(d, NULL, path, "internal: default component '%s' is not registered", name);
    return false;
}

static bool bind_processors(pl_arena *a, const pl_node *v, const char *path,
                            pl_components *out, wp_diags *d) {
    if (v->kind != PL_SEQ) {
        pl_diag(d, v, path, "expected a list of processors, found %s", pl_kind_name(v->kind));
        return false;
    }
    if (v->n > MAX_PROCESSORS) {
        pl_diag(d, v, path, "at most %d processors, found %zu", MAX_PROCESSORS, v->n);
        return false;
    }
    out->v = pl_arena_alloc(a, (v->n + 1) * sizeof *out->v);
    if (!out->v) {
        pl_diag(d, v, path, "out of memory");
        return false;
    }
    out->n = v->n;
    bool ok = true;
    for (size_t i = 0; i < v->n; i++) {
        char ipath[160];
        pl_format(ipath, sizeof ipath, "%s[%zu]", path, i);
        if (!bind_component(a, pl_processor_specs, "processor", v->items[i], ipath, &out->v[i],
                            d))
            ok = false;
    }
    return ok;
}

/* A scalar node for a default written in a table. */
static bool bind_default(pl_arena *a, const pl_field *f, const char *path, void *slot,
                         wp_diags *d) {
    if (f->type == PL_T_INPUT || f->type == PL_T_OUTPUT)
        return bind_default_component(a, f->type == PL_T_INPUT ? pl_input_specs
                                                               : pl_output_specs,
                                      f->def, path, slot, d);
    pl_node n = { .kind = PL_SCALAR, .plain = true, .str = f->def, .len = strlen(f->def) };
    if (!bind_scalar(a, f, &n, path, slot, d)) {
        pl_diag(d, NULL, path, "internal: the default '%s' does not parse", f->def);
        return false;
    }
    return true;
}

bool pl_bind(pl_arena *a, const pl_spec *spec, const pl_node *node, const char *path,
             void *out, wp_diags *d) {
    bool ok = true;
    if (node && node->kind != PL_MAP && node->kind != PL_NULL) {
        pl_diag(d, node, path, "expected a mapping of %s's fields, found %s",
                spec->name[0] ? spec->name : "the configuration", pl_kind_name(node->kind));
        return false;
    }
    if (node && node->kind == PL_MAP) {
        for (size_t i = 0; i < node->n; i++) {
            const pl_node *k = node->pairs[i].key;
            bool known = false;
            for (const pl_field *f = spec->fields; f->name; f++)
                if (strcmp(f->name, k->str) == 0) known = true;
            if (!known) {
                char names[256];
                list_fields(names, sizeof names, spec->fields);
                char kpath[160];
                join_path(kpath, sizeof kpath, path, k->str);
                if (names[0])
                    pl_diag(d, k, kpath, "unknown key '%s' (known: %s)", k->str, names);
                else
                    pl_diag(d, k, kpath, "unknown key '%s' (%s takes no fields)", k->str,
                            spec->name);
                ok = false;
            }
        }
    }
    for (const pl_field *f = spec->fields; f->name; f++) {
        char fpath[160];
        join_path(fpath, sizeof fpath, path, f->name);
        const pl_node *v = pl_map_get(node, f->name);
        void *slot = (char *)out + f->offset;
        if (!v || v->kind == PL_NULL) {
            if (f->flags & PL_REQUIRED) {
                pl_diag(d, v ? v : node, fpath, "required field is missing");
                ok = false;
            } else if (f->type == PL_T_SECTION) {
                if (!pl_bind(a, f->section, NULL, fpath, slot, d)) ok = false;
            } else if (f->def) {
                if (!bind_default(a, f, fpath, slot, d)) ok = false;
            }
            continue;
        }
        switch (f->type) {
        case PL_T_SECTION:
            if ((f->flags & PL_BOOL_OR_SECTION) && v->kind == PL_SCALAR) {
                bool on;
                if (!pl_parse_bool(v->str, &on)) {
                    char found[80];
                    pl_diag(d, v, fpath, "expected true, false or a mapping of %s's fields, "
                            "found %s", f->name, found_text(v, found, sizeof found));
                    ok = false;
                    break;
                }
                if (!pl_bind(a, f->section, NULL, fpath, slot, d)) ok = false;
                *(bool *)slot = on;
                break;
            }
            if (!pl_bind(a, f->section, v, fpath, slot, d)) ok = false;
            if (f->flags & PL_BOOL_OR_SECTION) *(bool *)slot = true;
            break;
        case PL_T_INPUT:
            if (!bind_component(a, pl_input_specs, "input", v, fpath, slot, d)) ok = false;
            break;
        case PL_T_OUTPUT:
            if (!bind_component(a, pl_output_specs, "output", v, fpath, slot, d)) ok = false;
            break;
        case PL_T_PROCESSORS:
            if (!bind_processors(a, v, fpath, slot, d)) ok = false;
            break;
        default:
            if (!bind_scalar(a, f, v, fpath, slot, d)) ok = false;
            break;
        }
    }
    return ok;
}

wp_status wp_config_check(const wp_config *c, wp_diags *diags) {
    if (!c) return WP_ERR_ARG;
    pl_diags_set_file(diags, c->name);
    pl_arena a = { 0 };
    pl_config cfg;
    memset(&cfg, 0, sizeof cfg);
    size_t before = diags ? diags->n : 0;
    bool ok = pl_bind(&a, &pl_root_spec, c->root, "", &cfg, diags);
    pl_arena_release(&a);
    if (!ok && diags && diags->n == before) pl_diag(diags, NULL, NULL, "invalid configuration");
    return ok ? WP_OK : WP_ERR_INVALID;
}

/* ---------------------------------------------------------------- reference */

static void field_default_text(const pl_field *f, wp_doc_format fmt, char *buf, size_t size) {
    const char *q = fmt == WP_DOC_MARKDOWN ? "`" : "";
    if (f->flags & PL_REQUIRED)
        snprintf(buf, size, "required");
    else if (f->def)
        snprintf(buf, size, "%s%s%s", q, f->def[0] ? f->def : "\"\"", q);
    else if (f->type == PL_T_SECTION)
        buf[0] = '\0';
    else
        snprintf(buf, size, "none");
}

/* Help text folded to the terminal's usual width. */
static void wrapped(FILE *out, const char *indent, const char *text) {
    const size_t width = 78 - strlen(indent);
    while (*text) {
        size_t n = strlen(text);
        if (n > width) {
            n = width;
            while (n > 0 && text[n] != ' ') n--;
            if (n == 0) n = strcspn(text, " ");
        }
        fprintf(out, "%s%.*s\n", indent, (int)n, text);
        text += n;
        while (*text == ' ') text++;
    }
}

static void field_type_text(const pl_field *f, char *buf, size_t size) {
    if (f->type == PL_T_ENUM) {
        char names[200];
        list_names(names, sizeof names, f->choices);
        snprintf(buf, size, "one of: %s", names);
    } else if (f->type == PL_T_SECTION && (f->flags & PL_BOOL_OR_SECTION)) {
        snprintf(buf, size, "bool or object");
    } else if (f->type == PL_T_INT) {
        snprintf(buf, size, "integer, %" PRId64 " to %" PRId64, f->min, f->max);
    } else {
        snprintf(buf, size, "%s", type_name(f->type));
    }
}

/* A YAML example of a component with every field at its default. */
static void example(FILE *out, const char *parent, const pl_spec *s) {
    const char *ind;
    if (strcmp(parent, "processors") == 0) {
        fprintf(out, "pipeline:\n  processors:\n    - %s:", s->name);
        ind = "        ";
    } else {
        fprintf(out, "%s:\n  %s:", parent, s->name);
        ind = "    ";
    }
    if (!s->fields[0].name) {
        fprintf(out, " {}\n");
        return;
    }
    fprintf(out, "\n");
    for (const pl_field *f = s->fields; f->name; f++) {
        if (f->flags & PL_REQUIRED)
            fprintf(out, "%s%s: %s # required\n", ind, f->name,
                    f->type == PL_T_STR_LIST ? "[]" : "\"\"");
        else if (f->def)
            fprintf(out, "%s%s: %s\n", ind, f->name, f->def[0] ? f->def : "\"\"");
        else
            fprintf(out, "%s%s: # none\n", ind, f->name);
    }
}

static void table(FILE *out, wp_doc_format fmt, const pl_field *fields, const char *prefix) {
    if (fmt == WP_DOC_MARKDOWN) {
        fprintf(out, "| field | type | default | description |\n|---|---|---|---|\n");
        for (const pl_field *f = fields; f->name; f++) {
            char def[128], type[256];
            field_default_text(f, fmt, def, sizeof def);
            field_type_text(f, type, sizeof type);
            fprintf(out, "| `%s%s` | %s | %s | %s |\n", prefix, f->name, type, def, f->help);
        }
        fprintf(out, "\n");
        return;
    }
    for (const pl_field *f = fields; f->name; f++) {
        char def[128], type[256];
        field_default_text(f, fmt, def, sizeof def);
        field_type_text(f, type, sizeof type);
        bool req = f->flags & PL_REQUIRED;
        fprintf(out, "    %s%s (%s%s%s)\n", prefix, f->name, type,
                def[0] ? (req ? "; " : "; default ") : "", def);
        wrapped(out, "        ", f->help);
    }
}

static void components(FILE *out, wp_doc_format fmt, const char *title, const char *parent,
                       const pl_spec *const *reg) {
    if (fmt == WP_DOC_MARKDOWN)
        fprintf(out, "### %s\n\n", title);
    else
        fprintf(out, "%s\n\n", title);
    for (int i = 0; reg[i]; i++) {
        const pl_spec *s = reg[i];
        if (fmt == WP_DOC_MARKDOWN) {
            fprintf(out, "#### `%s`\n\n%s\n\n", s->name, s->summary);
            if (s->details) fprintf(out, "%s\n\n", s->details);
            fprintf(out, "```yaml\n");
            example(out, parent, s);
            fprintf(out, "```\n\n");
            if (s->fields[0].name) table(out, fmt, s->fields, "");
        } else {
            fprintf(out, "  %s: %s\n", s->name, s->summary);
            if (s->details) wrapped(out, "    ", s->details);
            table(out, fmt, s->fields, "");
            fprintf(out, "\n");
        }
    }
}

void wp_config_reference(FILE *out, wp_doc_format fmt) {
    if (fmt == WP_DOC_MARKDOWN) {
        fprintf(out, "### Top level\n\n");
        table(out, fmt, root_fields, "");
        fprintf(out, "### `pipeline`\n\n%s\n\n", pipeline_spec.summary);
        table(out, fmt, pipeline_fields, "pipeline.");
        fprintf(out, "### `logger`\n\n%s\n\n", logger_spec.summary);
        table(out, fmt, logger_fields, "logger.");
    } else {
        fprintf(out, "Top level\n\n");
        table(out, fmt, root_fields, "");
        fprintf(out, "\n");
        table(out, fmt, pipeline_fields, "pipeline.");
        table(out, fmt, logger_fields, "logger.");
        fprintf(out, "\n");
    }
    components(out, fmt, "Inputs", "input", pl_input_specs);
    components(out, fmt, "Processors", "processors", pl_processor_specs);
    components(out, fmt, "Outputs", "output", pl_output_specs);
}
