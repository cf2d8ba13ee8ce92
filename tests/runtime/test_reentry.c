/* Calls back into wasm from a host function that wasm called (a nested
 * entry), on every tier the build has: a trap in the nested call comes
 * back to the host function as an error with that call's own frames and
 * leaves the outer call as it was; the outer call's later traps still
 * name its own frames; re-entries and wasm call depth across host ->
 * guest -> host -> guest nesting are counted exactly and run out as a
 * trap, the same way every time; an interrupt stops a nested call. The
 * wasm processor makes such calls for every message (the guest's malloc
 * from inside v0_msg_as_bytes). */
#include <pthread.h>
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

/* From this WAT (wat2wasm --debug-names, wabt 1.0); offsets from
 * wasm-objdump -d:
 * (module
 *   (import "host" "enter" (func $enter (param i32 i32) (result i32)))
 *   (func $div (export "div") (param i32) (result i32)          ;; func[1]
 *     i32.const 100  local.get 0  i32.div_s)                    ;; div_s at 0x5f
 *   (func $via_host (export "via_host") (param i32 i32) (result i32)  ;; func[2]
 *     i32.const 100  local.get 0  local.get 1  call $enter      ;; call at 0x6a
 *     i32.div_s)                                                ;; div_s at 0x6c
 *   (func $mid (export "mid") (param i32 i32) (result i32)      ;; func[3]
 *     nop  local.get 0  local.get 1  call $via_host)            ;; call at 0x75
 *   (func $rec (export "rec") (param i32 i32) (result i32)      ;; func[4]
 *     local.get 0  i32.eqz
 *     if (result i32)
 *       local.get 1  i32.const 0  call $enter                   ;; call at 0x83
 *     else
 *       local.get 0  i32.const 1  i32.sub  local.get 1  call $rec
 *     end)
 *   (func $spin (export "spin") (param i32) (result i32)        ;; func[5]
 *     loop  br 0  end  unreachable))
 */
static const uint8_t module_bytes[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0c, 0x02, 0x60,
  0x02, 0x7f, 0x7f, 0x01, 0x7f, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x02, 0x0e,
  0x01, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x05, 0x65, 0x6e, 0x74, 0x65, 0x72,
  0x00, 0x00, 0x03, 0x06, 0x05, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x25,
  0x05, 0x03, 0x64, 0x69, 0x76, 0x00, 0x01, 0x08, 0x76, 0x69, 0x61, 0x5f,
  0x68, 0x6f, 0x73, 0x74, 0x00, 0x02, 0x03, 0x6d, 0x69, 0x64, 0x00, 0x03,
  0x03, 0x72, 0x65, 0x63, 0x00, 0x04, 0x04, 0x73, 0x70, 0x69, 0x6e, 0x00,
  0x05, 0x0a, 0x43, 0x05, 0x08, 0x00, 0x41, 0xe4, 0x00, 0x20, 0x00, 0x6d,
  0x0b, 0x0c, 0x00, 0x41, 0xe4, 0x00, 0x20, 0x00, 0x20, 0x01, 0x10, 0x00,
  0x6d, 0x0b, 0x09, 0x00, 0x01, 0x20, 0x00, 0x20, 0x01, 0x10, 0x02, 0x0b,
  0x18, 0x00, 0x20, 0x00, 0x45, 0x04, 0x7f, 0x20, 0x01, 0x41, 0x00, 0x10,
  0x00, 0x05, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x20, 0x01, 0x10, 0x04, 0x0b,
  0x0b, 0x08, 0x00, 0x03, 0x40, 0x0c, 0x00, 0x0b, 0x00, 0x0b, 0x00, 0x3d,
  0x04, 0x6e, 0x61, 0x6d, 0x65, 0x01, 0x27, 0x06, 0x00, 0x05, 0x65, 0x6e,
  0x74, 0x65, 0x72, 0x01, 0x03, 0x64, 0x69, 0x76, 0x02, 0x08, 0x76, 0x69,
  0x61, 0x5f, 0x68, 0x6f, 0x73, 0x74, 0x03, 0x03, 0x6d, 0x69, 0x64, 0x04,
  0x03, 0x72, 0x65, 0x63, 0x05, 0x04, 0x73, 0x70, 0x69, 0x6e, 0x02, 0x0d,
  0x06, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x04, 0x00, 0x05,
  0x00,
};

#define F_DIV 1u
#define F_VIA_HOST 2u
#define F_MID 3u
#define F_SPIN 5u
#define AT_DIV 0x5fu
#define AT_CALL_ENTER 0x6au
#define AT_VIA_DIV 0x6cu
#define AT_CALL_VIA 0x75u

/* What host.enter(which, arg) does. */
enum {
    W_DIV,        /* returns div(arg), or ctx->recover if that fails */
    W_PROPAGATE,  /* returns div(arg); a failure is its own trap */
    W_CHAIN,      /* returns 1 + via_host(W_CHAIN, arg) - 1, nested until that fails */
    W_REC,        /* returns rec(ctx->depth, W_LEAF) */
    W_LEAF,       /* returns 1 */
    W_SPIN,       /* interrupts the instance, then returns spin(0) */
};

typedef struct run {
    const char  *tier;
    wp_engine   *engine;
    wp_module   *module;
    wp_instance *inst;
    wp_imports  *imports;
    wp_func     *host;
    /* set by the test */
    uint32_t     recover, depth;
    /* recorded by host.enter */
    uint32_t     level, failed_level;
    wp_status    nested;
    wp_error     nested_err;
} run;

static wp_status call_export(run *r, const char *name, uint64_t *slots, wp_error *err)
{
    wp_extern x;
    if (wp_instance_export(r->inst, name, &x, err) != WP_OK)
        return WP_ERR_NOT_FOUND;
    return wp_func_call_raw(x.of.func, slots, err);
}

/* Records the first failure of a nested call (the innermost one). */
static void note(run *r, wp_status s, const wp_error *err)
{
    if (s != WP_OK && r->nested == WP_OK) {
        r->nested = s;
        r->nested_err = *err;
        r->failed_level = r->level;
    }
}

static wp_status host_enter(wp_call *call, void *user, uint64_t *slots)
{
    run *r = user;
    uint32_t which = (uint32_t)slots[0], arg = (uint32_t)slots[1];
    wp_error err;
    memset(&err, 0x5a, sizeof err);   /* nothing may be left from before */
    uint64_t in[2] = { arg, 0 };
    wp_status s;
    switch (which) {
    case W_DIV:
    case W_PROPAGATE:
        s = call_export(r, "div", in, &err);
        note(r, s, &err);
        if (s != WP_OK && which == W_PROPAGATE)
            return wp_call_trap(call, "nested: %s", err.msg);
        slots[0] = s == WP_OK ? in[0] : r->recover;
        return WP_OK;
    case W_CHAIN:
        r->level++;
        in[0] = W_CHAIN;
        in[1] = arg + 1;
        s = call_export(r, "via_host", in, &err);
        note(r, s, &err);
        r->level--;
        if (s != WP_OK)
            return wp_call_trap(call, "level %u: %s", r->level + 1, err.msg);
        slots[0] = 1;
        return WP_OK;
    case W_REC:
        in[0] = r->depth;
        in[1] = W_LEAF;
        s = call_export(r, "rec", in, &err);
        note(r, s, &err);
        if (s != WP_OK)
            return wp_call_trap(call, "nested rec: %s", err.msg);
        slots[0] = in[0];
        return WP_OK;
    case W_LEAF:
        slots[0] = 1;
        return WP_OK;
    case W_SPIN:
        wp_instance_interrupt(r->inst);
        s = call_export(r, "spin", in, &err);
        note(r, s, &err);
        if (s != WP_OK)
            return wp_call_trap(call, "nested spin: %s", err.msg);
        slots[0] = in[0];
        return WP_OK;
    }
    return wp_call_trap(call, "enter: no case %u", which);
}

static bool open_run(run *r, wp_tier tier, uint32_t max_call_depth)
{
    memset(r, 0, sizeof *r);
    r->tier = tier == WP_TIER_JIT ? "jit" : "interp";
    wp_engine_config cfg = { 0 };
    cfg.tier = tier;
    wp_instance_config icfg = { 0 };
    icfg.max_call_depth = max_call_depth;
    wp_error err;
    static const wp_valtype i32[2] = { WP_I32, WP_I32 };
    wp_functype ft = { i32, 2, i32, 1 };
    if (wp_engine_create(&cfg, &r->engine, &err) != WP_OK ||
        wp_module_compile(r->engine, module_bytes, sizeof module_bytes, &r->module, &err) != WP_OK ||
        wp_func_create_host(r->engine, &ft, host_enter, r, &r->host, &err) != WP_OK ||
        wp_imports_create(r->engine, &r->imports, &err) != WP_OK ||
        wp_imports_define(r->imports, "host", "enter",
                          (wp_extern){ .kind = WP_EXTERN_FUNC, .of.func = r->host }, &err) != WP_OK ||
        wp_instance_create(r->module, r->imports, &icfg, &r->inst, &err) != WP_OK) {
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

/* A top-level call of name(a, b); the nested record is reset first. */
static wp_status call2(run *r, const char *name, uint32_t a, uint32_t b, uint32_t *result,
                       wp_error *err)
{
    r->nested = WP_OK;
    r->level = 0;
    r->failed_level = 0;
    memset(err, 0x5a, sizeof *err);
    uint64_t slots[2] = { a, b };
    wp_status s = call_export(r, name, slots, err);
    if (s == WP_OK && result != NULL)
        *result = (uint32_t)slots[0];
    return s;
}

static void check_frame(run *r, const char *name, const wp_error *err, uint32_t i, uint32_t func,
                        uint32_t offset)
{
    char what[96];
    snprintf(what, sizeof what, "%s: frame %u", name, i);
    if (i >= err->nframes) {
        CHECK(r->tier, what, false, "only %u frames", err->nframes);
        return;
    }
    const wp_frame *f = &err->frames[i];
    CHECK(r->tier, what, f->func == func && f->offset == offset,
          "expected func %u @0x%x, found func %u \"%s\" @0x%x", func, offset, f->func, f->name,
          f->offset);
}

/* A trap in the nested call: the host gets it with the nested call's
 * frames only, and the outer call goes on as if nothing had happened;
 * its own trap afterwards names its own frames. */
static void test_nested_trap(wp_tier tier)
{
    run r;
    if (!open_run(&r, tier, 0))
        return;
    wp_error err;
    uint32_t v = 0;
    r.recover = 4;
    wp_status s = call2(&r, "mid", W_DIV, 0, &v, &err);
    CHECK(r.tier, "recovered", s == WP_OK && v == 25, "found status %d (%s), result %u", s,
          s == WP_OK ? "" : err.msg, v);
    CHECK(r.tier, "nested trap", r.nested == WP_ERR_TRAP &&
          r.nested_err.detail == WP_TRAP_DIV_ZERO, "found status %d detail %d", r.nested,
          r.nested_err.detail);
    CHECK(r.tier, "nested frames", r.nested_err.nframes == 1 && r.nested_err.depth == 1,
          "expected 1 frame, found %u of %u", r.nested_err.nframes, r.nested_err.depth);
    check_frame(&r, "nested", &r.nested_err, 0, F_DIV, AT_DIV);

    /* The host recovers with 0: the outer call then traps itself, two
     * frames deep, after the nested trap used the sites above its own. */
    r.recover = 0;
    s = call2(&r, "mid", W_DIV, 0, &v, &err);
    CHECK(r.tier, "outer trap", s == WP_ERR_TRAP && err.detail == WP_TRAP_DIV_ZERO &&
          r.nested == WP_ERR_TRAP, "found status %d detail %d, nested %d", s, err.detail,
          r.nested);
    CHECK(r.tier, "outer frames", err.nframes == 2 && err.depth == 2,
          "expected 2 frames, found %u of %u", err.nframes, err.depth);
    check_frame(&r, "outer", &err, 0, F_VIA_HOST, AT_VIA_DIV);
    check_frame(&r, "outer", &err, 1, F_MID, AT_CALL_VIA);

    /* Passed on as the host's own trap: the outer frames, from the call
     * of the host function out. */
    s = call2(&r, "mid", W_PROPAGATE, 0, &v, &err);
    CHECK(r.tier, "propagated", s == WP_ERR_TRAP && err.detail == WP_TRAP_HOST &&
          strstr(err.msg, "nested: div @0x5f: integer divide by zero") != NULL,
          "found status %d detail %d \"%s\"", s, err.detail, err.msg);
    CHECK(r.tier, "propagated frames", err.nframes == 2 && err.depth == 2,
          "expected 2 frames, found %u of %u", err.nframes, err.depth);
    check_frame(&r, "propagated", &err, 0, F_VIA_HOST, AT_CALL_ENTER);
    check_frame(&r, "propagated", &err, 1, F_MID, AT_CALL_VIA);

    /* And then plain calls work. */
    s = call2(&r, "mid", W_DIV, 5, &v, &err);
    CHECK(r.tier, "after", s == WP_OK && v == 5 && r.nested == WP_OK,
          "found status %d result %u nested %d", s, v, r.nested);
    close_run(&r);
}

/* host -> guest -> host -> ... until the re-entries or the C stack run
 * out: a stack-exhausted trap at the innermost call, at the same level
 * every time (nothing is left counted by the unwinding), and the
 * instance works afterwards. The interpreter's limit is its re-entry
 * cap; native code may stop earlier at its C stack budget. */
static void test_chain(wp_tier tier)
{
    run r;
    if (!open_run(&r, tier, 0))
        return;
    wp_error err;
    uint32_t first = 0;
    for (int round = 0; round < 3; round++) {
        wp_status s = call2(&r, "via_host", W_CHAIN, 0, NULL, &err);
        CHECK(r.tier, "chain", s == WP_ERR_TRAP && err.detail == WP_TRAP_HOST &&
              r.nested == WP_ERR_TRAP && r.nested_err.detail == WP_TRAP_STACK_EXHAUSTED,
              "round %d: found status %d detail %d, nested %d detail %d (%s)", round, s,
              err.detail, r.nested, r.nested_err.detail, r.nested_err.msg);
        CHECK(r.tier, "chain: exhausted at entry", r.nested_err.nframes == 1 &&
              r.nested_err.frames[0].func == F_VIA_HOST, "found %u frames, func %u",
              r.nested_err.nframes, r.nested_err.frames[0].func);
        CHECK(r.tier, "chain: outer frames", err.nframes == 1 && err.depth == 1 &&
              err.frames[0].func == F_VIA_HOST && err.frames[0].offset == AT_CALL_ENTER,
              "found %u of %u", err.nframes, err.depth);
        if (round == 0)
            first = r.failed_level;
        CHECK(r.tier, "chain: same level", r.failed_level == first && first >= 50 &&
              first <= 1000, "round %d: level %u, first %u", round, r.failed_level, first);
        /* Each level takes more than 1 KB of C stack: native code stops
         * at its 1 MiB budget, below the re-entry cap. */
        if (tier == WP_TIER_INTERP)
            CHECK(r.tier, "chain: re-entry cap", first == 1000,
                  "failed at level %u", first);
        else
            CHECK(r.tier, "chain: stack budget", first < 1000, "failed at level %u", first);
    }
    uint32_t v = 0;
    wp_status s = call2(&r, "mid", W_DIV, 4, &v, &err);
    CHECK(r.tier, "chain: after", s == WP_OK && v == 4, "found status %d result %u", s, v);
    close_run(&r);
}

/* The wasm call depth is shared by the outer call and the nested one:
 * rec(20) -> host -> rec(b) works while the two fit the instance's
 * max_call_depth (64) together, and the first b that does not fit traps
 * in the nested call. The interpreter counts the calls made from wasm,
 * not the first function of each entry: the outer call makes 20, so
 * rec(b) may make 44. Native code gives the first function of a nested
 * entry a call site of its own, out of the same max_call_depth + 1: one
 * call fewer, 43. */
static void test_depth(wp_tier tier)
{
    run r;
    if (!open_run(&r, tier, 64))
        return;
    wp_error err;
    uint32_t v = 0, ok = 0;
    for (uint32_t b = 0; b < 80; b++) {
        r.depth = b;
        wp_status s = call2(&r, "rec", 20, W_REC, &v, &err);
        if (s == WP_OK) {
            CHECK(r.tier, "depth: only up to the limit", ok == b, "b %u works after %u failed",
                  b, ok);
            ok = b + 1;
            continue;
        }
        CHECK(r.tier, "depth: nested exhausted", r.nested == WP_ERR_TRAP &&
              r.nested_err.detail == WP_TRAP_STACK_EXHAUSTED && err.detail == WP_TRAP_HOST,
              "b %u: nested %d detail %d, outer detail %d", b, r.nested,
              r.nested_err.detail, err.detail);
    }
    uint32_t want = tier == WP_TIER_JIT ? 64 - 20 : 64 - 20 + 1;
    CHECK(r.tier, "depth: limit", ok == want, "nested rec(b) works up to b = %u, expected %u",
          ok - 1, want - 1);
    /* A top-level call may use the whole depth again. */
    wp_status s = call2(&r, "rec", 62, W_LEAF, &v, &err);
    CHECK(r.tier, "depth: after", s == WP_OK && v == 1, "found status %d (%s)", s,
          s == WP_OK ? "" : err.msg);
    close_run(&r);
}

/* An interrupt raised while the outer call runs stops the nested call at
 * its loop; the next top-level call is not stopped by it. */
static void test_interrupt(wp_tier tier)
{
    run r;
    if (!open_run(&r, tier, 0))
        return;
    wp_error err;
    uint32_t v = 0;
    wp_status s = call2(&r, "mid", W_SPIN, 0, &v, &err);
    CHECK(r.tier, "interrupt", s == WP_ERR_TRAP && r.nested == WP_ERR_TRAP &&
          r.nested_err.detail == WP_TRAP_INTERRUPTED, "found status %d, nested %d detail %d",
          s, r.nested, r.nested_err.detail);
    CHECK(r.tier, "interrupt: nested frame", r.nested_err.nframes >= 1 &&
          r.nested_err.frames[0].func == F_SPIN, "found %u frames, func %u",
          r.nested_err.nframes, r.nested_err.frames[0].func);
    s = call2(&r, "mid", W_DIV, 10, &v, &err);
    CHECK(r.tier, "interrupt: after", s == WP_OK && v == 10, "found status %d result %u", s, v);
    close_run(&r);
}

static void *run_all(void *arg)
{
    (void)arg;
    wp_tier tiers[2] = { WP_TIER_INTERP, WP_TIER_JIT };
#ifdef WP_HAVE_JIT
    int ntiers = 2;
#else
    int ntiers = 1;
#endif
    for (int t = 0; t < ntiers; t++) {
        test_nested_trap(tiers[t]);
        test_chain(tiers[t]);
        test_depth(tiers[t]);
        test_interrupt(tiers[t]);
    }
    return NULL;
}

int main(void)
{
    /* The re-entry chain takes a few KB of C stack per level (more in
     * the sanitizer build): it runs on a thread with room for 1000. */
    pthread_attr_t attr;
    pthread_t t;
    if (pthread_attr_init(&attr) != 0 || pthread_attr_setstacksize(&attr, (size_t)64 << 20) != 0 ||
        pthread_create(&t, &attr, run_all, NULL) != 0) {
        printf("test_reentry: cannot start the test thread\n");
        return 1;
    }
    pthread_join(t, NULL);
    pthread_attr_destroy(&attr);
    printf("test_reentry: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
