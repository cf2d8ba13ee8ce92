/* wp-spec: runs the official spec test scripts, as converted by wast2json,
 * against the runtime's public API. Each .json file gets a fresh engine,
 * spectest module and import map; its modules and instances live until the
 * file ends, because later commands and registered imports refer to them.
 * By default every file runs in a child process, so that an engine crash or
 * hang costs one file's results instead of the whole run; the counters live
 * in a shared page so the parent still reports how far the file got. */
#include "spec.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

/* Failures printed per file without -v. */
#define QUIET_REPORTS 5
/* Largest .wasm file the runner reads. */
#define MAX_WASM_BYTES ((size_t)1 << 30)
/* How deep directories are searched for .json files. */
#define MAX_DIR_DEPTH 3

typedef struct options {
    bool        verbose;
    bool        skip_simd;
    bool        eager;       /* translate every function at compile time */
    bool        isolate;        /* one child process per file */
    bool        wasm2;          /* WebAssembly 2.0 only: the proposals off */
    unsigned    timeout;        /* seconds per file when isolated, 0: none */
    const char *filter;
    wp_tier     tier;           /* the engine's tier */
} options;

typedef struct counts {
    long passed, failed, skipped, errors;
    long native, fallback;  /* modules the chosen tier ran / left to the interpreter */
} counts;

/* Written by the process that runs a file, read by the parent. */
typedef struct progress {
    counts c;
    long   line;            /* line of the command being run */
    bool   in_assertion;    /* that command is an assert_* */
} progress;

typedef struct loaded {
    char        *name;      /* "$name" binding, or NULL */
    wp_module   *mod;
    wp_instance *inst;      /* NULL if the module was only compiled */
} loaded;

typedef struct file_run {
    const options *opt;
    const char    *label;   /* the .json file name, for messages */
    char          *dir;     /* where its .wasm files are */
    progress      *prog;
    wp_engine     *engine;
    spec_host     *host;
    wp_imports    *imports;
    wp_imports    *alias_imports;
    loaded        *mods;
    size_t         nmods, capmods;
    wp_instance   *current;
    int            reports;
} file_run;

typedef enum act_result {
    ACT_OK,       /* ran; results are filled in */
    ACT_STATUS,   /* the engine returned an error status (err says which) */
    ACT_BROKEN    /* the runner could not run it (why says why) */
} act_result;

/* ---------------------------------------------------------------- reporting */

static void vreport(file_run *r, const spec_cmd *c, const char *what, const char *fmt, va_list ap)
{
    if (!r->opt->verbose && r->reports >= QUIET_REPORTS) {
        if (r->reports++ == QUIET_REPORTS)
            printf("  %s: further failures not shown (use -v)\n", r->label);
        return;
    }
    r->reports++;
    printf("  %s:%ld: %s%s%s: ", r->label, c->line, what, *what ? " " : "", c->type_name);
    vprintf(fmt, ap);
    putchar('\n');
}

static void fail(file_run *r, const spec_cmd *c, const char *fmt, ...) WP_PRINTF(3, 4);
static void fail(file_run *r, const spec_cmd *c, const char *fmt, ...)
{
    va_list ap;
    r->prog->c.failed++;
    va_start(ap, fmt);
    vreport(r, c, "", fmt, ap);
    va_end(ap);
}

static void cmd_error(file_run *r, const spec_cmd *c, const char *fmt, ...) WP_PRINTF(3, 4);
static void cmd_error(file_run *r, const spec_cmd *c, const char *fmt, ...)
{
    va_list ap;
    r->prog->c.errors++;
    va_start(ap, fmt);
    vreport(r, c, "error:", fmt, ap);
    va_end(ap);
}

/* A remark that is not a failure, shown only with -v. */
static void note(file_run *r, const spec_cmd *c, const char *fmt, ...) WP_PRINTF(3, 4);
static void note(file_run *r, const spec_cmd *c, const char *fmt, ...)
{
    va_list ap;
    if (!r->opt->verbose)
        return;
    va_start(ap, fmt);
    printf("  %s:%ld: note: %s: ", r->label, c->line, c->type_name);
    vprintf(fmt, ap);
    putchar('\n');
    va_end(ap);
}

static void pass(file_run *r)
{
    r->prog->c.passed++;
}

static const char *trap_text(int detail)
{
    const char *t = wp_trap_kind_text((wp_trap_kind)detail);
    return t ? t : "(no text)";
}

/* "trap \"...\"" or "<status>", plus the engine's message. */
static void describe_status(wp_status st, const wp_error *err, char *buf, size_t len)
{
    const char *s = wp_status_text(st);
    if (st == WP_ERR_TRAP)
        snprintf(buf, len, "trap \"%s\" (%s)", trap_text(err->detail), err->msg);
    else
        snprintf(buf, len, "%s (%s)", s ? s : "unknown status", err->msg);
}

static void clear_error(wp_error *err)
{
    memset(err, 0, sizeof *err);
    err->offset = UINT32_MAX;
}

/* The engine fills msg; make sure it is terminated before printing. */
static void seal_error(wp_error *err)
{
    err->msg[sizeof err->msg - 1] = '\0';
}

/* invoke "name"(i32:1, ...) with unprintable bytes of the name escaped. */
static void describe_action(const spec_action *a, char *buf, size_t len)
{
    size_t used = (size_t)snprintf(buf, len, "%s ", a->is_get ? "get" : "invoke");
    if (a->module && used < len)
        used += (size_t)snprintf(buf + used, len - used, "%s.", a->module);
    if (used < len)
        used += (size_t)snprintf(buf + used, len - used, "\"");
    for (size_t i = 0; i < a->field_len && used < len; i++) {
        unsigned char ch = (unsigned char)a->field[i];
        if (ch < 0x20 || ch == 0x7f || ch == '"' || ch == '\\')
            used += (size_t)snprintf(buf + used, len - used, "\\%02x", ch);
        else
            used += (size_t)snprintf(buf + used, len - used, "%c", ch);
    }
    if (used < len)
        used += (size_t)snprintf(buf + used, len - used, "\"");
    if (a->is_get)
        return;
    if (used < len)
        used += (size_t)snprintf(buf + used, len - used, "(");
    for (size_t i = 0; i < a->nargs && used < len; i++) {
        char v[96];
        spec_value_format(&a->args[i].v, v, sizeof v);
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", v);
    }
    if (used < len)
        snprintf(buf + used, len - used, ")");
}

/* ---------------------------------------------------------------- modules */

/* Messages use `name`, the file as the .json names it: the directory is
 * the .json's own. */
static bool read_whole(const char *path, const char *name, uint8_t **out, size_t *len,
                       char *why, size_t whylen)
{
    struct stat sb;
    FILE *f = fopen(path, "rb");
    *out = NULL;
    *len = 0;
    if (!f) {
        snprintf(why, whylen, "cannot open %s: %s", name, strerror(errno));
        return false;
    }
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < 0 ||
        (uint64_t)sb.st_size > MAX_WASM_BYTES) {
        snprintf(why, whylen, "%s is not a regular file of at most %zu bytes", name,
                 MAX_WASM_BYTES);
        fclose(f);
        return false;
    }
    size_t n = (size_t)sb.st_size;
    uint8_t *buf = malloc(n ? n : 1);
    if (!buf) {
        snprintf(why, whylen, "out of memory reading %s", name);
        fclose(f);
        return false;
    }
    if (fread(buf, 1, n, f) != n) {
        snprintf(why, whylen, "cannot read %s", name);
        free(buf);
        fclose(f);
        return false;
    }
    fclose(f);
    *out = buf;
    *len = n;
    return true;
}

/* Compiles the command's module file. ACT_BROKEN if it cannot be read. */
static act_result compile_file(file_run *r, const char *filename, wp_module **out,
                               wp_status *st, wp_error *err, char *why, size_t whylen)
{
    uint8_t *bytes;
    size_t len;
    char path[4096];
    *out = NULL;
    if ((size_t)snprintf(path, sizeof path, "%s/%s", r->dir, filename) >= sizeof path) {
        snprintf(why, whylen, "path of %s is too long", filename);
        return ACT_BROKEN;
    }
    if (!read_whole(path, filename, &bytes, &len, why, whylen))
        return ACT_BROKEN;
    clear_error(err);
    *st = wp_module_compile(r->engine, bytes, len, out, err);
    seal_error(err);
    free(bytes);
    if (*st != WP_OK) {
        *out = NULL;
        return ACT_STATUS;
    }
    if (*out && r->opt->tier == WP_TIER_JIT) {
        const char *why_not = NULL;
        if (strcmp(wp_module_tier(*out, &why_not), "jit") == 0) {
            r->prog->c.native++;
        } else {
            r->prog->c.fallback++;
            if (r->opt->verbose)
                printf("%s: %s runs on the interpreter: %s\n", r->label, filename,
                       why_not ? why_not : "(no reason given)");
        }
    }
    if (!*out) {
        snprintf(why, whylen, "wp_module_compile returned WP_OK without a module");
        return ACT_BROKEN;
    }
    return ACT_OK;
}

/* Keeps m (and inst) until the file ends; they own their name copy. On
 * failure to record them they are destroyed at once. */
static bool keep(file_run *r, const char *name, wp_module *m, wp_instance *inst)
{
    char *copy = NULL;
    if (r->nmods == r->capmods) {
        size_t cap = r->capmods ? r->capmods * 2 : 16;
        loaded *grown = realloc(r->mods, cap * sizeof *grown);
        if (!grown)
            goto oom;
        r->mods = grown;
        r->capmods = cap;
    }
    if (name && !(copy = strdup(name)))
        goto oom;
    r->mods[r->nmods++] = (loaded){ copy, m, inst };
    return true;
oom:
    wp_instance_destroy(inst);
    wp_module_destroy(m);
    return false;
}

static wp_instance *find_instance(const file_run *r, const char *name)
{
    for (size_t i = r->nmods; i-- > 0;)
        if (r->mods[i].name && r->mods[i].inst && strcmp(r->mods[i].name, name) == 0)
            return r->mods[i].inst;
    return NULL;
}

static wp_status instantiate(file_run *r, wp_module *m, wp_instance **out, wp_error *err)
{
    clear_error(err);
    *out = NULL;
    wp_status st = wp_instance_create(m, r->imports, NULL, out, err);
    seal_error(err);
    if (st != WP_OK)
        *out = NULL;
    return st;
}

/* ---------------------------------------------------------------- exports with NULs in their names */

/* A growable byte buffer for the alias module below. */
typedef struct bytebuf {
    uint8_t *p;
    size_t   len, cap;
    bool     oom;
} bytebuf;

static void bb_put(bytebuf *b, const void *data, size_t n)
{
    if (b->oom)
        return;
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (!p) {
            b->oom = true;
            return;
        }
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void bb_byte(bytebuf *b, uint8_t v)
{
    bb_put(b, &v, 1);
}

static void bb_u32(bytebuf *b, uint32_t v)
{
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        bb_byte(b, (uint8_t)(byte | (v ? 0x80 : 0)));
    } while (v);
}

static void bb_name(bytebuf *b, const char *s, size_t n)
{
    bb_u32(b, (uint32_t)n);
    bb_put(b, s, n);
}

static void bb_section(bytebuf *b, uint8_t id, bytebuf *body)
{
    bb_byte(b, id);
    bb_u32(b, (uint32_t)body->len);
    bb_put(b, body->p, body->len);
    if (body->oom)
        b->oom = true;
    free(body->p);
    *body = (bytebuf){ 0 };
}

/* A module importing export `d` from module "m" and exporting it as "f". */
static bool build_alias_module(const wp_extern_desc *d, bytebuf *out)
{
    static const uint8_t header[] = { 0, 'a', 's', 'm', 1, 0, 0, 0 };
    bytebuf sec = { 0 };
    bool func = d->kind == WP_EXTERN_FUNC;
    bb_put(out, header, sizeof header);
    if (func) {
        bb_u32(&sec, 1);
        bb_byte(&sec, 0x60);
        bb_u32(&sec, d->func.nparams);
        for (uint32_t i = 0; i < d->func.nparams; i++)
            bb_byte(&sec, (uint8_t)d->func.params[i]);
        bb_u32(&sec, d->func.nresults);
        for (uint32_t i = 0; i < d->func.nresults; i++)
            bb_byte(&sec, (uint8_t)d->func.results[i]);
        bb_section(out, 1, &sec);
    }
    bb_u32(&sec, 1);
    bb_name(&sec, "m", 1);
    bb_name(&sec, d->name, d->name_len);
    if (func) {
        bb_byte(&sec, 0x00);
        bb_u32(&sec, 0);
    } else {
        bb_byte(&sec, 0x03);
        bb_byte(&sec, (uint8_t)d->type);
        bb_byte(&sec, d->mutable_ ? 1 : 0);
    }
    bb_section(out, 2, &sec);
    bb_u32(&sec, 1);
    bb_name(&sec, "f", 1);
    bb_byte(&sec, func ? 0x00 : 0x03);
    bb_u32(&sec, 0);
    bb_section(out, 7, &sec);
    return !out->oom;
}

/* wp_instance_export takes a C string, so an export whose name holds a NUL
 * byte (names.wast has one) is reached through a small module that imports
 * it by its full name and re-exports it under a plain one. */
static act_result export_with_nul(file_run *r, wp_instance *inst, const spec_action *a,
                                  wp_extern *out, wp_error *err, char *why, size_t whylen)
{
    const wp_module *m = wp_instance_module(inst);
    uint32_t n = m ? wp_module_export_count(m) : 0;
    wp_extern_desc d;
    bool found = false;
    for (uint32_t i = 0; i < n && !found; i++) {
        if (wp_module_export(m, i, &d) != WP_OK)
            continue;
        found = d.name && d.name_len == a->field_len && memcmp(d.name, a->field, d.name_len) == 0;
    }
    if (!found) {
        snprintf(why, whylen, "no such export");
        return ACT_BROKEN;
    }
    if (d.kind != WP_EXTERN_FUNC && d.kind != WP_EXTERN_GLOBAL) {
        snprintf(why, whylen, "export is neither a function nor a global");
        return ACT_BROKEN;
    }
    bytebuf bin = { 0 };
    wp_module *alias = NULL;
    wp_instance *ai = NULL;
    wp_status st = WP_OK;
    if (!r->alias_imports) {
        clear_error(err);
        st = wp_imports_create(r->engine, &r->alias_imports, err);
    }
    if (st == WP_OK) {
        clear_error(err);
        st = wp_imports_define_instance(r->alias_imports, "m", inst, err);
    }
    if (st == WP_OK && !build_alias_module(&d, &bin)) {
        free(bin.p);
        snprintf(why, whylen, "out of memory building an alias module");
        return ACT_BROKEN;
    }
    if (st == WP_OK) {
        clear_error(err);
        st = wp_module_compile(r->engine, bin.p, bin.len, &alias, err);
    }
    free(bin.p);
    if (st == WP_OK) {
        clear_error(err);
        st = wp_instance_create(alias, r->alias_imports, NULL, &ai, err);
        if (st != WP_OK)
            wp_module_destroy(alias);
    }
    if (st == WP_OK && !keep(r, NULL, alias, ai)) {
        snprintf(why, whylen, "out of memory");
        return ACT_BROKEN;
    }
    if (st == WP_OK) {
        clear_error(err);
        st = wp_instance_export(ai, "f", out, err);
    }
    if (st != WP_OK) {
        char desc[400];
        seal_error(err);
        describe_status(st, err, desc, sizeof desc);
        snprintf(why, whylen, "reaching the export through an alias module failed: %s", desc);
        return ACT_BROKEN;
    }
    return ACT_OK;
}

/* ---------------------------------------------------------------- actions */

/* Runs an invoke or get. On ACT_OK *results (owned by the caller) holds
 * *nresults values. */
static act_result run_action(file_run *r, const spec_action *a, wp_value **results,
                             uint32_t *nresults, wp_status *st, wp_error *err,
                             char *why, size_t whylen)
{
    wp_instance *inst = a->module ? find_instance(r, a->module) : r->current;
    wp_extern ext;
    *results = NULL;
    *nresults = 0;
    *st = WP_OK;
    if (!inst) {
        if (a->module)
            snprintf(why, whylen, "no instantiated module named %s", a->module);
        else
            snprintf(why, whylen, "no current module (the last module failed to load)");
        return ACT_BROKEN;
    }
    if (strlen(a->field) != a->field_len) {
        act_result ar = export_with_nul(r, inst, a, &ext, err, why, whylen);
        if (ar != ACT_OK)
            return ar;
    } else {
        clear_error(err);
        wp_status lst = wp_instance_export(inst, a->field, &ext, err);
        seal_error(err);
        if (lst != WP_OK) {
            char desc[400];
            describe_status(lst, err, desc, sizeof desc);
            snprintf(why, whylen, "export lookup failed: %s", desc);
            return ACT_BROKEN;
        }
    }
    if (a->is_get) {
        if (ext.kind != WP_EXTERN_GLOBAL || !ext.of.global) {
            snprintf(why, whylen, "export is not a global");
            return ACT_BROKEN;
        }
        wp_value *v = malloc(sizeof *v);
        if (!v) {
            snprintf(why, whylen, "out of memory");
            return ACT_BROKEN;
        }
        *v = wp_global_get(ext.of.global);
        *results = v;
        *nresults = 1;
        return ACT_OK;
    }
    if (ext.kind != WP_EXTERN_FUNC || !ext.of.func) {
        snprintf(why, whylen, "export is not a function");
        return ACT_BROKEN;
    }
    wp_functype ft = wp_func_type(ext.of.func);
    if (ft.nparams != a->nargs) {
        snprintf(why, whylen, "function takes %" PRIu32 " arguments, the command passes %zu",
                 ft.nparams, a->nargs);
        return ACT_BROKEN;
    }
    for (uint32_t i = 0; i < ft.nparams; i++) {
        if (!ft.params || ft.params[i] != a->args[i].v.type) {
            snprintf(why, whylen, "argument %" PRIu32 " has the wrong type", i);
            return ACT_BROKEN;
        }
    }
    wp_value *args = a->nargs ? calloc(a->nargs, sizeof *args) : NULL;
    wp_value *res = ft.nresults ? calloc(ft.nresults, sizeof *res) : NULL;
    if ((a->nargs && !args) || (ft.nresults && !res)) {
        free(args);
        free(res);
        snprintf(why, whylen, "out of memory");
        return ACT_BROKEN;
    }
    for (size_t i = 0; i < a->nargs; i++)
        args[i] = a->args[i].v;
    clear_error(err);
    *st = wp_func_call(ext.of.func, args, (uint32_t)a->nargs, res, ft.nresults, err);
    seal_error(err);
    free(args);
    if (*st != WP_OK) {
        free(res);
        return ACT_STATUS;
    }
    *results = res;
    *nresults = ft.nresults;
    return ACT_OK;
}

/* Matches when the kind's text equals the expected text or starts it
 * (the scripts sometimes add detail, e.g. "uninitialized element 2"). */
static bool trap_matches(const wp_error *err, const char *expected)
{
    const char *t = wp_trap_kind_text((wp_trap_kind)err->detail);
    size_t n = t ? strlen(t) : 0;
    if (!expected || n == 0)
        return false;
    return strncmp(expected, t, n) == 0;
}

/* ---------------------------------------------------------------- commands */

/* Every compiled module is kept until the file ends, even when its
 * instantiation failed: a start-up that traps may already have written
 * functions of the module into imported tables (linking.wast calls them
 * afterwards), and those functions need the module's code. */
static bool keep_module(file_run *r, const spec_cmd *c, const char *name, wp_module *m,
                        wp_instance *inst)
{
    if (keep(r, name, m, inst))
        return true;
    cmd_error(r, c, "out of memory");
    return false;
}

static void cmd_module(file_run *r, const spec_cmd *c)
{
    wp_module *m;
    wp_instance *inst;
    wp_status st;
    wp_error err;
    char why[512], desc[400];
    r->current = NULL;
    act_result ar = compile_file(r, c->filename, &m, &st, &err, why, sizeof why);
    if (ar == ACT_BROKEN) {
        cmd_error(r, c, "%s", why);
        return;
    }
    if (ar == ACT_STATUS) {
        describe_status(st, &err, desc, sizeof desc);
        cmd_error(r, c, "%s: compile failed: %s", c->filename, desc);
        return;
    }
    st = instantiate(r, m, &inst, &err);
    if (!keep_module(r, c, st == WP_OK ? c->name : NULL, m, inst))
        return;
    if (st != WP_OK) {
        describe_status(st, &err, desc, sizeof desc);
        cmd_error(r, c, "%s: instantiation failed: %s", c->filename, desc);
        return;
    }
    r->current = inst;
}

static void cmd_register(file_run *r, const spec_cmd *c)
{
    wp_instance *inst = c->name ? find_instance(r, c->name) : r->current;
    wp_error err;
    char desc[400];
    if (!inst) {
        cmd_error(r, c, "no instantiated module %s to register as \"%s\"",
              c->name ? c->name : "(current)", c->as);
        return;
    }
    clear_error(&err);
    wp_status st = wp_imports_define_instance(r->imports, c->as, inst, &err);
    seal_error(&err);
    if (st != WP_OK) {
        describe_status(st, &err, desc, sizeof desc);
        cmd_error(r, c, "registering as \"%s\" failed: %s", c->as, desc);
    }
}

static void cmd_action(file_run *r, const spec_cmd *c)
{
    wp_value *res;
    uint32_t nres;
    wp_status st;
    wp_error err;
    char why[512], act[300], desc[400];
    act_result ar = run_action(r, &c->action, &res, &nres, &st, &err, why, sizeof why);
    describe_action(&c->action, act, sizeof act);
    if (ar == ACT_BROKEN) {
        cmd_error(r, c, "%s: %s", act, why);
    } else if (ar == ACT_STATUS) {
        describe_status(st, &err, desc, sizeof desc);
        cmd_error(r, c, "%s: %s", act, desc);
    }
    free(res);
}

static void cmd_assert_return(file_run *r, const spec_cmd *c)
{
    wp_value *res;
    uint32_t nres;
    wp_status st;
    wp_error err;
    char why[512], act[300], desc[400], want[200], got[200];
    act_result ar = run_action(r, &c->action, &res, &nres, &st, &err, why, sizeof why);
    describe_action(&c->action, act, sizeof act);
    if (ar == ACT_BROKEN) {
        fail(r, c, "%s: %s", act, why);
        return;
    }
    if (ar == ACT_STATUS) {
        describe_status(st, &err, desc, sizeof desc);
        fail(r, c, "%s: expected a result, found %s", act, desc);
        return;
    }
    if (nres != c->nexpected) {
        fail(r, c, "%s: expected %zu results, found %" PRIu32, act, c->nexpected, nres);
        free(res);
        return;
    }
    for (uint32_t i = 0; i < nres; i++) {
        if (!spec_value_matches(&c->expected[i], &res[i])) {
            spec_expected_format(&c->expected[i], want, sizeof want);
            spec_value_format(&res[i], got, sizeof got);
            fail(r, c, "%s: result %" PRIu32 ": expected %s, found %s", act, i, want, got);
            free(res);
            return;
        }
    }
    free(res);
    pass(r);
}

static void check_trap(file_run *r, const spec_cmd *c, const char *what, wp_status st,
                       const wp_error *err)
{
    char desc[400];
    if (st == WP_ERR_TRAP && trap_matches(err, c->text)) {
        pass(r);
        return;
    }
    if (st == WP_ERR_TRAP)
        fail(r, c, "%s: expected trap \"%s\", found trap \"%s\" (%s)", what, c->text,
             trap_text(err->detail), err->msg);
    else if (st == WP_OK)
        fail(r, c, "%s: expected trap \"%s\", but it succeeded", what, c->text);
    else {
        describe_status(st, err, desc, sizeof desc);
        fail(r, c, "%s: expected trap \"%s\", found %s", what, c->text, desc);
    }
}

/* Compiles the command's module for the assertions that need it to be
 * valid; reports a failure and returns NULL if it is not. */
static wp_module *compile_for_assert(file_run *r, const spec_cmd *c)
{
    wp_module *m;
    wp_status st;
    wp_error err;
    char why[512], desc[400];
    act_result ar = compile_file(r, c->filename, &m, &st, &err, why, sizeof why);
    if (ar == ACT_BROKEN) {
        fail(r, c, "%s", why);
        return NULL;
    }
    if (ar == ACT_STATUS) {
        describe_status(st, &err, desc, sizeof desc);
        fail(r, c, "%s: expected the module to compile, found %s", c->filename, desc);
        return NULL;
    }
    return m;
}

static void cmd_assert_trap(file_run *r, const spec_cmd *c)
{
    wp_value *res;
    uint32_t nres;
    wp_status st;
    wp_error err;
    char why[512], act[300];
    if (!c->action.present) {
        /* A module whose instantiation traps. */
        wp_module *m = compile_for_assert(r, c);
        wp_instance *inst;
        if (!m)
            return;
        st = instantiate(r, m, &inst, &err);
        check_trap(r, c, c->filename, st, &err);
        keep_module(r, c, NULL, m, inst);
        return;
    }
    act_result ar = run_action(r, &c->action, &res, &nres, &st, &err, why, sizeof why);
    describe_action(&c->action, act, sizeof act);
    free(res);
    if (ar == ACT_BROKEN) {
        fail(r, c, "%s: %s", act, why);
        return;
    }
    check_trap(r, c, act, ar == ACT_OK ? WP_OK : st, &err);
}

static void cmd_assert_exhaustion(file_run *r, const spec_cmd *c)
{
    wp_value *res;
    uint32_t nres;
    wp_status st;
    wp_error err;
    char why[512], act[300], desc[400];
    act_result ar = run_action(r, &c->action, &res, &nres, &st, &err, why, sizeof why);
    describe_action(&c->action, act, sizeof act);
    free(res);
    if (ar == ACT_BROKEN)
        fail(r, c, "%s: %s", act, why);
    else if (ar == ACT_OK)
        fail(r, c, "%s: expected \"call stack exhausted\", but it returned", act);
    else if (st == WP_ERR_TRAP && err.detail == WP_TRAP_STACK_EXHAUSTED)
        pass(r);
    else {
        describe_status(st, &err, desc, sizeof desc);
        fail(r, c, "%s: expected trap \"call stack exhausted\", found %s", act, desc);
    }
}

/* assert_invalid and assert_malformed: any compile failure passes, since
 * the line between the two classes is drawn differently by the binary
 * format and by the scripts; -v shows where it differs. */
static void cmd_assert_bad_module(file_run *r, const spec_cmd *c, wp_status want)
{
    wp_module *m;
    wp_status st;
    wp_error err;
    char why[512], desc[400];
    act_result ar = compile_file(r, c->filename, &m, &st, &err, why, sizeof why);
    if (ar == ACT_BROKEN) {
        fail(r, c, "%s", why);
        return;
    }
    if (ar == ACT_OK) {
        wp_module_destroy(m);
        fail(r, c, "%s: expected %s \"%s\", but it compiled", c->filename,
             wp_status_text(want), c->text ? c->text : "");
        return;
    }
    if (st != want) {
        describe_status(st, &err, desc, sizeof desc);
        note(r, c, "%s: expected %s \"%s\", found %s", c->filename, wp_status_text(want),
             c->text ? c->text : "", desc);
    }
    pass(r);
}

static void cmd_assert_unlinkable(file_run *r, const spec_cmd *c)
{
    wp_module *m = compile_for_assert(r, c);
    wp_instance *inst;
    wp_error err;
    char desc[400];
    if (!m)
        return;
    wp_status st = instantiate(r, m, &inst, &err);
    if (st == WP_ERR_LINK) {
        pass(r);
    } else if (st == WP_OK) {
        fail(r, c, "%s: expected link error \"%s\", but it instantiated", c->filename,
             c->text ? c->text : "");
    } else {
        describe_status(st, &err, desc, sizeof desc);
        fail(r, c, "%s: expected link error \"%s\", found %s", c->filename,
             c->text ? c->text : "", desc);
    }
    keep_module(r, c, NULL, m, inst);
}

static void cmd_assert_uninstantiable(file_run *r, const spec_cmd *c)
{
    wp_module *m = compile_for_assert(r, c);
    wp_instance *inst;
    wp_error err;
    char desc[400];
    if (!m)
        return;
    wp_status st = instantiate(r, m, &inst, &err);
    if (st == WP_ERR_TRAP) {
        if (!trap_matches(&err, c->text))
            note(r, c, "%s: expected trap \"%s\", found trap \"%s\"", c->filename,
                 c->text ? c->text : "", trap_text(err.detail));
        pass(r);
    } else if (st == WP_OK) {
        fail(r, c, "%s: expected trap \"%s\" at start-up, but it instantiated", c->filename,
             c->text ? c->text : "");
    } else {
        describe_status(st, &err, desc, sizeof desc);
        fail(r, c, "%s: expected trap \"%s\" at start-up, found %s", c->filename,
             c->text ? c->text : "", desc);
    }
    keep_module(r, c, NULL, m, inst);
}

static void run_cmd(file_run *r, const spec_cmd *c)
{
    switch (c->kind) {
    case SPEC_CMD_MODULE: cmd_module(r, c); break;
    case SPEC_CMD_REGISTER: cmd_register(r, c); break;
    case SPEC_CMD_ACTION: cmd_action(r, c); break;
    case SPEC_CMD_ASSERT_RETURN: cmd_assert_return(r, c); break;
    case SPEC_CMD_ASSERT_TRAP: cmd_assert_trap(r, c); break;
    case SPEC_CMD_ASSERT_EXHAUSTION: cmd_assert_exhaustion(r, c); break;
    case SPEC_CMD_ASSERT_INVALID: cmd_assert_bad_module(r, c, WP_ERR_INVALID); break;
    case SPEC_CMD_ASSERT_MALFORMED: cmd_assert_bad_module(r, c, WP_ERR_MALFORMED); break;
    case SPEC_CMD_ASSERT_UNLINKABLE: cmd_assert_unlinkable(r, c); break;
    case SPEC_CMD_ASSERT_UNINSTANTIABLE: cmd_assert_uninstantiable(r, c); break;
    case SPEC_CMD_UNKNOWN: cmd_error(r, c, "unknown command"); break;
    }
}

/* ---------------------------------------------------------------- files */

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* The file's name without directory and ".json", for the summary line. */
static void file_stem(const char *path, char *buf, size_t len)
{
    const char *b = base_name(path);
    size_t n = strlen(b);
    if (n > 5 && strcmp(b + n - 5, ".json") == 0)
        n -= 5;
    snprintf(buf, len, "%.*s", (int)n, b);
}

static bool setup(file_run *r, const spec_cmd *first)
{
    wp_error err;
    char desc[400];
    wp_status st;
    clear_error(&err);
    wp_engine_config cfg = { .tier = r->opt->tier, .eager_translation = r->opt->eager };
    if (r->opt->wasm2)
        cfg.disabled_features = WP_FEATURE_ALL;
    if ((st = wp_engine_create(&cfg, &r->engine, &err)) != WP_OK)
        goto fail;
    clear_error(&err);
    if ((st = spec_host_create(r->engine, r->opt->verbose, &r->host, &err)) != WP_OK)
        goto fail;
    clear_error(&err);
    if ((st = wp_imports_create(r->engine, &r->imports, &err)) != WP_OK)
        goto fail;
    clear_error(&err);
    if ((st = spec_host_define(r->host, r->imports, &err)) != WP_OK)
        goto fail;
    return true;
fail:
    seal_error(&err);
    describe_status(st, &err, desc, sizeof desc);
    cmd_error(r, first, "setting up the engine and spectest module failed: %s", desc);
    return false;
}

/* Instances go first, newest first, since later ones import from earlier
 * ones and from the spectest objects. */
static void teardown(file_run *r)
{
    for (size_t i = r->nmods; i-- > 0;)
        wp_instance_destroy(r->mods[i].inst);
    for (size_t i = r->nmods; i-- > 0;) {
        wp_module_destroy(r->mods[i].mod);
        free(r->mods[i].name);
    }
    free(r->mods);
    wp_imports_destroy(r->alias_imports);
    wp_imports_destroy(r->imports);
    spec_host_destroy(r->host);
    wp_engine_destroy(r->engine);
    free(r->dir);
}

static void run_file(const options *opt, const char *path, progress *prog)
{
    file_run r = { .opt = opt, .label = base_name(path), .prog = prog };
    spec_cmd none = { .kind = SPEC_CMD_UNKNOWN, .type_name = "file" };
    json_error_t jerr;
    char stem[256], why[512];
    /* JSON_ALLOW_NUL: export names may contain NUL bytes. */
    json_t *root = json_load_file(path, JSON_ALLOW_NUL, &jerr);
    const json_t *cmds = root ? json_object_get(root, "commands") : NULL;
    if (!root || !json_is_array(cmds)) {
        if (root)
            cmd_error(&r, &none, "no \"commands\" array");
        else
            cmd_error(&r, &none, "cannot load JSON: %s (line %d)", jerr.text, jerr.line);
        json_decref(root);
        return;
    }
    file_stem(path, stem, sizeof stem);
    bool simd_file = opt->skip_simd && starts_with(stem, "simd_");
    const char *slash = strrchr(path, '/');
    r.dir = slash ? strndup(path, (size_t)(slash - path)) : strdup(".");
    if (!r.dir || (!simd_file && !setup(&r, &none))) {
        if (!r.dir)
            cmd_error(&r, &none, "out of memory");
        teardown(&r);
        json_decref(root);
        return;
    }
    for (size_t i = 0; i < json_array_size(cmds); i++) {
        spec_cmd c;
        bool ok = spec_cmd_parse(json_array_get(cmds, i), &c, why, sizeof why);
        bool assertion = spec_cmd_is_assertion(c.kind);
        prog->line = c.line;
        prog->in_assertion = assertion;
        if (!ok) {
            if (assertion)
                fail(&r, &c, "cannot parse the command: %s", why);
            else
                cmd_error(&r, &c, "cannot parse the command: %s", why);
        } else if (simd_file || c.text_module || (opt->skip_simd && c.uses_v128)) {
            if (assertion)
                prog->c.skipped++;
        } else {
            run_cmd(&r, &c);
        }
        spec_cmd_free(&c);
        fflush(stdout);
    }
    prog->line = 0;
    prog->in_assertion = false;
    teardown(&r);
    json_decref(root);
}

/* Runs the file in a child process and accounts for a crash or a hang. */
static void run_file_isolated(const options *opt, const char *path, progress *prog)
{
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "wp-spec: fork failed (%s); running %s in-process\n",
                strerror(errno), path);
        run_file(opt, path, prog);
        return;
    }
    if (pid == 0) {
        if (opt->timeout)
            alarm(opt->timeout);
        run_file(opt, path, prog);
        fflush(stdout);
        /* exit, not _exit: the leak checker of sanitizer builds runs at exit. */
        exit(0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            printf("  %s: error: waitpid failed: %s\n", base_name(path), strerror(errno));
            prog->c.errors++;
            return;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return;
    if (prog->in_assertion)
        prog->c.failed++;
    else
        prog->c.errors++;
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        printf("  %s:%ld: error: timed out after %u s; the rest of the file was not run\n",
               base_name(path), prog->line, opt->timeout);
    else if (WIFSIGNALED(status))
        printf("  %s:%ld: error: crashed with signal %d (%s); the rest of the file was not run\n",
               base_name(path), prog->line, WTERMSIG(status), strsignal(WTERMSIG(status)));
    else
        printf("  %s:%ld: error: stopped with exit status %d (a sanitizer report on stderr?); "
               "the rest of the file was not run\n",
               base_name(path), prog->line, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* ---------------------------------------------------------------- file list */

typedef struct path_list {
    char  **v;
    size_t  n, cap;
    bool    oom;
} path_list;

static void list_add(path_list *l, const char *dir, const char *name)
{
    if (l->oom)
        return;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        char **grown = realloc(l->v, cap * sizeof *grown);
        if (!grown) {
            l->oom = true;
            return;
        }
        l->v = grown;
        l->cap = cap;
    }
    size_t len = strlen(dir) + strlen(name) + 2;
    char *p = malloc(len);
    if (!p) {
        l->oom = true;
        return;
    }
    if (*dir)
        snprintf(p, len, "%s/%s", dir, name);
    else
        snprintf(p, len, "%s", name);
    l->v[l->n++] = p;
}

static bool ends_with_json(const char *name)
{
    size_t n = strlen(name);
    return n > 5 && strcmp(name + n - 5, ".json") == 0;
}

static void collect_dir(path_list *l, const char *dir, int depth)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    if (!d)
        return;
    while ((e = readdir(d)) != NULL) {
        struct stat sb;
        char sub[4096];
        if (e->d_name[0] == '.')
            continue;
        if ((size_t)snprintf(sub, sizeof sub, "%s/%s", dir, e->d_name) >= sizeof sub)
            continue;
        if (stat(sub, &sb) != 0)
            continue;
        if (S_ISDIR(sb.st_mode) && depth < MAX_DIR_DEPTH)
            collect_dir(l, sub, depth + 1);
        else if (S_ISREG(sb.st_mode) && ends_with_json(e->d_name))
            list_add(l, dir, e->d_name);
    }
    closedir(d);
}

static int cmp_path(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: wp-spec [-v] [--filter SUBSTR] [--skip-simd|--no-skip-simd]\n"
            "               [--no-fork] [--timeout SECS] [--tier interp|jit] [--wasm2]\n"
            "               [--eager] PATH...\n"
            "Runs wast2json output: each PATH is a directory searched for *.json files\n"
            "or one .json file; the .wasm files sit beside their .json.\n"
            "  -v               print every failure, notes and spectest output\n"
            "  --filter SUBSTR  only files whose name contains SUBSTR\n"
            "  --skip-simd      skip simd_* files and v128 commands\n"
            "  --no-skip-simd   run them (the default)\n"
            "  --no-fork        run every file in this process (for debuggers)\n"
            "  --timeout SECS   give up on a file after SECS seconds (default 300, 0: never)\n"
            "  --tier T         run on tier T (interp, the default, or jit); with jit the\n"
            "                   summary counts the modules left to the interpreter\n"
            "  --wasm2          WebAssembly 2.0 only: turn off the proposals the engine\n"
            "                   enables by default (the core suite asserts 2.0's limits)\n"
            "  --eager          translate every function when its module is compiled\n"
            "                   (the default translates each on its first call)\n"
            "Exit status: 0 if nothing failed, 1 otherwise, 2 on a usage error.\n");
}

int main(int argc, char **argv)
{
    options opt = { .skip_simd = false, .isolate = true, .timeout = 300,
                    .tier = WP_TIER_INTERP };
    path_list files = { 0 };
    counts total = { 0 };
    long missing = 0;
    int npaths = 0;
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
            opt.verbose = true;
        } else if (strcmp(a, "--filter") == 0 && i + 1 < argc) {
            opt.filter = argv[++i];
        } else if (strcmp(a, "--skip-simd") == 0) {
            opt.skip_simd = true;
        } else if (strcmp(a, "--no-skip-simd") == 0) {
            opt.skip_simd = false;
        } else if (strcmp(a, "--wasm2") == 0) {
            opt.wasm2 = true;
        } else if (strcmp(a, "--eager") == 0) {
            opt.eager = true;
        } else if (strcmp(a, "--no-fork") == 0) {
            opt.isolate = false;
        } else if (strcmp(a, "--timeout") == 0 && i + 1 < argc) {
            char *end;
            unsigned long t = strtoul(argv[++i], &end, 10);
            if (*end || t > 86400) {
                fprintf(stderr, "wp-spec: bad --timeout %s\n", argv[i]);
                return 2;
            }
            opt.timeout = (unsigned)t;
        } else if (strcmp(a, "--tier") == 0 && i + 1 < argc) {
            const char *t = argv[++i];
            if (strcmp(t, "interp") == 0) {
                opt.tier = WP_TIER_INTERP;
            } else if (strcmp(t, "jit") == 0) {
                opt.tier = WP_TIER_JIT;
            } else {
                fprintf(stderr, "wp-spec: bad --tier %s (interp or jit)\n", t);
                return 2;
            }
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        } else if (a[0] == '-' && a[1] != '\0') {
            fprintf(stderr, "wp-spec: unknown option %s\n", a);
            usage(stderr);
            return 2;
        } else {
            struct stat sb;
            size_t before = files.n;
            npaths++;
            if (stat(a, &sb) != 0) {
                fprintf(stderr, "wp-spec: %s: %s\n", a, strerror(errno));
                missing++;
            } else if (S_ISDIR(sb.st_mode)) {
                collect_dir(&files, a, 1);
                if (files.n == before) {
                    fprintf(stderr, "wp-spec: %s: no .json files found\n", a);
                    missing++;
                }
            } else {
                list_add(&files, "", a);
            }
            if (files.n > before)
                qsort(files.v + before, files.n - before, sizeof *files.v, cmp_path);
        }
    }
    if (npaths == 0) {
        usage(stderr);
        return 2;
    }
    if (files.oom) {
        fprintf(stderr, "wp-spec: out of memory listing files\n");
        return 1;
    }
    progress *prog = &(progress){ { 0 }, 0, false };
    void *shared = MAP_FAILED;
    if (opt.isolate) {
        shared = mmap(NULL, sizeof *prog, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                      -1, 0);
        if (shared == MAP_FAILED) {
            fprintf(stderr, "wp-spec: mmap failed (%s); running files in-process\n",
                    strerror(errno));
            opt.isolate = false;
        } else {
            prog = shared;
        }
    }
    for (size_t i = 0; i < files.n; i++) {
        char stem[256];
        file_stem(files.v[i], stem, sizeof stem);
        if (opt.filter && !strstr(stem, opt.filter))
            continue;
        memset(prog, 0, sizeof *prog);
        if (opt.isolate)
            run_file_isolated(&opt, files.v[i], prog);
        else
            run_file(&opt, files.v[i], prog);
        if (prog->c.errors)
            printf("%s: %ld passed, %ld failed, %ld skipped, %ld errors\n", stem,
                   prog->c.passed, prog->c.failed, prog->c.skipped, prog->c.errors);
        else
            printf("%s: %ld passed, %ld failed, %ld skipped\n", stem, prog->c.passed,
                   prog->c.failed, prog->c.skipped);
        total.passed += prog->c.passed;
        total.failed += prog->c.failed;
        total.skipped += prog->c.skipped;
        total.errors += prog->c.errors;
        total.native += prog->c.native;
        total.fallback += prog->c.fallback;
    }
    if (shared != MAP_FAILED)
        munmap(shared, sizeof *prog);
    for (size_t i = 0; i < files.n; i++)
        free(files.v[i]);
    free(files.v);
    if (missing)
        printf("%ld of %d paths could not be read\n", missing, npaths);
    if (total.errors)
        printf("%ld errors in commands that are not assertions (module, register, action)\n",
               total.errors);
    if (opt.tier == WP_TIER_JIT)
        printf("jit: %ld modules compiled to native code, %ld left to the interpreter\n",
               total.native, total.fallback);
    printf("%ld passed, %ld failed, %ld skipped\n", total.passed, total.failed, total.skipped);
    return total.failed || total.errors || missing ? 1 : 0;
}
