/* Where a trap happened: the function names and module offsets in a
 * trap's message and call stack (wp_error.frames), on every tier the
 * build has, with the same expectations for each, so the tiers agree. A
 * failing check prints the tier, the case, what was expected and found. */
#include <stdio.h>
#include <string.h>

#include "wasmpipe/runtime.h"

static int failures, checks;

#define CHECK(tier, name, cond, ...)                                               \
    do {                                                                           \
        checks++;                                                                  \
        if (!(cond)) {                                                             \
            failures++;                                                            \
            printf("FAIL [%s] %s: ", (tier), (name));                              \
            printf(__VA_ARGS__);                                                   \
            printf("\n");                                                          \
        }                                                                          \
    } while (0)

/* From this WAT (wat2wasm --debug-names, wabt 1.0); the offsets below
 * are those wasm-objdump -d prints for it:
 * (module
 *   (import "host" "fail" (func $host_fail (param i32)))
 *   (func $inner (param i32) (result i32)            ;; func[1]
 *     local.get 0  i32.const 0  i32.div_s)            ;; div_s at 0x52
 *   (func $middle (param i32) (result i32)           ;; func[2]
 *     local.get 0  i32.const 1  i32.add  call $inner) ;; call at 0x5b
 *   (func $outer (export "outer") (param i32) (result i32)   ;; func[3]
 *     nop  local.get 0  call $middle)                 ;; call at 0x63
 *   (func $rec (export "rec") (param i32) (result i32)       ;; func[4]
 *     local.get 0  i32.eqz
 *     if  unreachable  end                            ;; unreachable at 0x6d
 *     local.get 0  i32.const 1  i32.sub  call $rec)   ;; call at 0x74
 *   (func $calls_host (export "calls_host") (param i32)      ;; func[5]
 *     nop  local.get 0  call $host_fail))             ;; call at 0x7c
 * The name section is the last of the module: the first NO_NAMES_LEN
 * bytes are the same module without it. */
static const uint8_t module_bytes[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0a, 0x02, 0x60,
  0x01, 0x7f, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x02, 0x0d, 0x01, 0x04,
  0x68, 0x6f, 0x73, 0x74, 0x04, 0x66, 0x61, 0x69, 0x6c, 0x00, 0x00, 0x03,
  0x06, 0x05, 0x01, 0x01, 0x01, 0x01, 0x00, 0x07, 0x1c, 0x03, 0x05, 0x6f,
  0x75, 0x74, 0x65, 0x72, 0x00, 0x03, 0x03, 0x72, 0x65, 0x63, 0x00, 0x04,
  0x0a, 0x63, 0x61, 0x6c, 0x6c, 0x73, 0x5f, 0x68, 0x6f, 0x73, 0x74, 0x00,
  0x05, 0x0a, 0x34, 0x05, 0x07, 0x00, 0x20, 0x00, 0x41, 0x00, 0x6d, 0x0b,
  0x09, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a, 0x10, 0x01, 0x0b, 0x07, 0x00,
  0x01, 0x20, 0x00, 0x10, 0x02, 0x0b, 0x10, 0x00, 0x20, 0x00, 0x45, 0x04,
  0x40, 0x00, 0x0b, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x04, 0x0b, 0x07,
  0x00, 0x01, 0x20, 0x00, 0x10, 0x00, 0x0b, 0x00, 0x49, 0x04, 0x6e, 0x61,
  0x6d, 0x65, 0x01, 0x33, 0x06, 0x00, 0x09, 0x68, 0x6f, 0x73, 0x74, 0x5f,
  0x66, 0x61, 0x69, 0x6c, 0x01, 0x05, 0x69, 0x6e, 0x6e, 0x65, 0x72, 0x02,
  0x06, 0x6d, 0x69, 0x64, 0x64, 0x6c, 0x65, 0x03, 0x05, 0x6f, 0x75, 0x74,
  0x65, 0x72, 0x04, 0x03, 0x72, 0x65, 0x63, 0x05, 0x0a, 0x63, 0x61, 0x6c,
  0x6c, 0x73, 0x5f, 0x68, 0x6f, 0x73, 0x74, 0x02, 0x0d, 0x06, 0x00, 0x00,
  0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x04, 0x00, 0x05, 0x00,
};
#define NO_NAMES_LEN 127

#define AT_DIV 0x52u
#define AT_CALL_INNER 0x5bu
#define AT_CALL_MIDDLE 0x63u
#define AT_UNREACHABLE 0x6du
#define AT_CALL_REC 0x74u
#define AT_CALL_HOST 0x7cu

/* host.fail(i32): always traps, naming itself and its argument. */
static wp_status host_fail(wp_call *call, void *user, uint64_t *slots)
{
    (void)user;
    return wp_call_trap(call, "fail: argument 0 (%u) is not accepted", (uint32_t)slots[0]);
}

typedef struct run {
    const char  *tier;
    wp_engine   *engine;
    wp_module   *module;
    wp_instance *inst;
    wp_imports  *imports;
    wp_func     *host;
} run;

static bool open_run(run *r, wp_tier tier, size_t len)
{
    memset(r, 0, sizeof *r);
    r->tier = tier == WP_TIER_JIT ? "jit" : "interp";
    wp_engine_config cfg = { 0 };
    cfg.tier = tier;
    wp_error err;
    static const wp_valtype i32[1] = { WP_I32 };
    wp_functype ft = { i32, 1, NULL, 0 };
    if (wp_engine_create(&cfg, &r->engine, &err) != WP_OK ||
        wp_module_compile(r->engine, module_bytes, len, &r->module, &err) != WP_OK ||
        wp_func_create_host(r->engine, &ft, host_fail, NULL, &r->host, &err) != WP_OK ||
        wp_imports_create(r->engine, &r->imports, &err) != WP_OK ||
        wp_imports_define(r->imports, "host", "fail",
                          (wp_extern){ .kind = WP_EXTERN_FUNC, .of.func = r->host }, &err) != WP_OK ||
        wp_instance_create(r->module, r->imports, NULL, &r->inst, &err) != WP_OK) {
        CHECK(r->tier, "set-up", false, "%s", err.msg);
        return false;
    }
    CHECK(r->tier, "tier", strcmp(wp_module_tier(r->module, NULL), r->tier) == 0,
          "the module runs on %s", wp_module_tier(r->module, NULL));
    return true;
}

static void close_run(run *r)
{
    wp_instance_destroy(r->inst);
    wp_imports_destroy(r->imports);
    wp_module_destroy(r->module);
    wp_func_destroy(r->host);
    wp_engine_destroy(r->engine);
}

static wp_status call(run *r, const char *name, uint32_t arg, wp_error *err)
{
    wp_extern x;
    if (wp_instance_export(r->inst, name, &x, err) != WP_OK)
        return WP_ERR_NOT_FOUND;
    uint64_t slots[1] = { arg };
    memset(err, 0x5a, sizeof *err);   /* nothing may be left from before */
    return wp_func_call_raw(x.of.func, slots, err);
}

static void check_frame(run *r, const char *name, const wp_error *err, uint32_t i, uint32_t func,
                        const char *fname, uint32_t offset)
{
    char what[80];
    snprintf(what, sizeof what, "%s: frame %u", name, i);
    if (i >= err->nframes) {
        CHECK(r->tier, what, false, "only %u frames", err->nframes);
        return;
    }
    const wp_frame *f = &err->frames[i];
    CHECK(r->tier, what, f->func == func && f->offset == offset && strcmp(f->name, fname) == 0,
          "expected func %u \"%s\" @0x%x, found func %u \"%s\" @0x%x", func, fname, offset,
          f->func, f->name, f->offset);
}

static void check_text(run *r, const char *name, const char *found, const char *want)
{
    CHECK(r->tier, name, strcmp(found, want) == 0, "expected \"%s\", found \"%s\"", want, found);
}

/* Three calls deep, with the name section: names, offsets and order. */
static void test_named(wp_tier tier)
{
    run r;
    if (!open_run(&r, tier, sizeof module_bytes))
        return;
    wp_error err;
    wp_status s = call(&r, "outer", 7, &err);
    CHECK(r.tier, "outer", s == WP_ERR_TRAP && err.detail == WP_TRAP_DIV_ZERO,
          "expected a divide-by-zero trap, found status %d detail %d", s, err.detail);
    check_text(&r, "outer: message", err.msg, "inner @0x52: integer divide by zero");
    CHECK(r.tier, "outer: offset", err.offset == AT_DIV, "found 0x%x", err.offset);
    CHECK(r.tier, "outer: depth", err.nframes == 3 && err.depth == 3,
          "expected 3 frames, found %u of %u", err.nframes, err.depth);
    check_frame(&r, "outer", &err, 0, 1, "inner", AT_DIV);
    check_frame(&r, "outer", &err, 1, 2, "middle", AT_CALL_INNER);
    check_frame(&r, "outer", &err, 2, 3, "outer", AT_CALL_MIDDLE);
    char text[512];
    wp_error_stack_format(&err, 0, true, text, sizeof text);
    check_text(&r, "outer: one line", text, "inner @0x52 <- middle @0x5b <- outer @0x63");
    wp_error_stack_format(&err, 2, true, text, sizeof text);
    check_text(&r, "outer: two frames", text, "inner @0x52 <- middle @0x5b <- ... 1 more frame");
    wp_error_stack_format(&err, 0, false, text, sizeof text);
    check_text(&r, "outer: lines", text, "  #0 inner @0x52\n  #1 middle @0x5b\n  #2 outer @0x63\n");
    size_t need = wp_error_stack_format(&err, 0, true, text, 12);
    CHECK(r.tier, "outer: cut", need == 42 && strcmp(text, "inner @0...") == 0,
          "found %zu \"%s\"", need, text);

    /* 40 calls deep and a trap: 41 frames, the innermost 16 kept. */
    s = call(&r, "rec", 40, &err);
    CHECK(r.tier, "rec", s == WP_ERR_TRAP && err.detail == WP_TRAP_UNREACHABLE,
          "expected unreachable, found status %d detail %d", s, err.detail);
    CHECK(r.tier, "rec: depth", err.nframes == WP_MAX_TRAP_FRAMES && err.depth == 41,
          "expected 16 of 41 frames, found %u of %u", err.nframes, err.depth);
    check_frame(&r, "rec", &err, 0, 4, "rec", AT_UNREACHABLE);
    for (uint32_t i = 1; i < WP_MAX_TRAP_FRAMES; i++)
        check_frame(&r, "rec", &err, i, 4, "rec", AT_CALL_REC);
    wp_error_stack_format(&err, 0, false, text, sizeof text);
    const char *tail = strstr(text, "  #15 rec @0x74\n  ... 25 more frames\n");
    CHECK(r.tier, "rec: truncation note", tail != NULL && tail[strlen(tail) - 1] == '\n' &&
          strstr(tail, "#16") == NULL, "found \"%s\"", text);

    /* A host function's trap: its message, and the frames from its call. */
    s = call(&r, "calls_host", 9, &err);
    CHECK(r.tier, "calls_host", s == WP_ERR_TRAP && err.detail == WP_TRAP_HOST,
          "expected a host trap, found status %d detail %d", s, err.detail);
    check_text(&r, "calls_host: message", err.msg, "fail: argument 0 (9) is not accepted");
    CHECK(r.tier, "calls_host: depth", err.nframes == 1 && err.depth == 1,
          "expected 1 frame, found %u of %u", err.nframes, err.depth);
    check_frame(&r, "calls_host", &err, 0, 5, "calls_host", AT_CALL_HOST);

    /* After a trap, a call that works leaves nothing behind. */
    s = call(&r, "rec", 0, &err);
    CHECK(r.tier, "rec 0", s == WP_ERR_TRAP && err.depth == 1 && err.nframes == 1,
          "found status %d, %u of %u frames", s, err.nframes, err.depth);
    close_run(&r);
}

/* Without the name section: indices, and export names where there are. */
static void test_unnamed(wp_tier tier)
{
    run r;
    if (!open_run(&r, tier, NO_NAMES_LEN))
        return;
    wp_error err;
    wp_status s = call(&r, "outer", 7, &err);
    CHECK(r.tier, "unnamed", s == WP_ERR_TRAP && err.detail == WP_TRAP_DIV_ZERO,
          "expected a divide-by-zero trap, found status %d detail %d", s, err.detail);
    check_text(&r, "unnamed: message", err.msg, "func[1] @0x52: integer divide by zero");
    check_frame(&r, "unnamed", &err, 0, 1, "", AT_DIV);
    check_frame(&r, "unnamed", &err, 1, 2, "", AT_CALL_INNER);
    check_frame(&r, "unnamed", &err, 2, 3, "outer", AT_CALL_MIDDLE);
    char text[256];
    wp_error_stack_format(&err, 0, true, text, sizeof text);
    check_text(&r, "unnamed: one line", text, "func[1] @0x52 <- func[2] @0x5b <- outer @0x63");
    close_run(&r);
}

int main(void)
{
    wp_tier tiers[2] = { WP_TIER_INTERP, WP_TIER_JIT };
#ifdef WP_HAVE_JIT
    int ntiers = 2;
#else
    int ntiers = 1;
#endif
    for (int t = 0; t < ntiers; t++) {
        test_named(tiers[t]);
        test_unnamed(tiers[t]);
    }

    /* Errors that are not traps carry no frames. */
    wp_error err;
    memset(&err, 0x5a, sizeof err);
    wp_engine *e;
    wp_module *m;
    wp_engine_create(NULL, &e, &err);
    wp_status s = wp_module_compile(e, module_bytes, 15, &m, &err);
    CHECK("-", "malformed", s == WP_ERR_MALFORMED && err.nframes == 0 && err.depth == 0,
          "found status %d, %u frames", s, err.nframes);
    char text[16];
    CHECK("-", "no stack", wp_error_stack_format(&err, 0, true, text, sizeof text) == 0 &&
          text[0] == '\0', "found \"%s\"", text);
    wp_engine_destroy(e);

    printf("test_trace: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
