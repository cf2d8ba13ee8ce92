/* Calls on the LLVM tier against the interpreter: native functions carry
 * their call depth as an argument and the optimiser may turn tail-shaped
 * recursion into loops, yet every tier must
 * - trap on call stack exhaustion at the same depth, with the same frames,
 *   for a self-recursive tail call and for mutual recursion, at a small
 *   and at the default max_call_depth;
 * - find the same last depth that still returns (an accumulator that
 *   nests n calls returns n(n+1)/2 at n = max_call_depth and traps at one
 *   more);
 * - report exact frames for a trap at the bottom of a tail-shaped
 *   recursion;
 * - see an interrupt raised by a host function in the middle of a
 *   tail-shaped recursion at the next function entry, and in a loop, both
 *   where the loop calls a function of the module on every iteration (the
 *   JIT then leaves the check to that function's entry) and where it
 *   calls one in one iteration only.
 * Tiers: interp, jit (each function compiled on its first call) and auto
 * after its background compile (the whole module in one LLVM module, where
 * the calls are direct and internal). A failing check prints the tier and
 * the case, what was expected and what was found. */
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

/* From this WAT (wat2wasm --debug-names, wabt 1.0):
 * (module
 *   (import "host" "stop" (func $stop))                 ;; interrupts the caller
 *   (func $down (export "down") (param i32) (result i32)       ;; func[1]
 *     local.get 0  i32.eqz  if  unreachable  end        ;; unreachable at 0x83
 *     local.get 0  i32.const 1  i32.sub  call $down)    ;; call at 0x8a
 *   (func $forever (export "forever") (param i32) (result i32) ;; func[2]
 *     local.get 0  i32.const 1  i32.add  call $forever) ;; call at 0x94
 *   (func $ping (export "ping") (param i32) (result i32)       ;; func[3]
 *     local.get 0  i32.const 1  i32.add  call $pong)    ;; call at 0x9e
 *   (func $pong (param i32) (result i32)                       ;; func[4]
 *     local.get 0  i32.const 1  i32.add  call $ping)    ;; call at 0xa8
 *   (func $acc (export "acc") (param i32 i32) (result i32)     ;; func[5]
 *     local.get 0  i32.eqz
 *     if (result i32)  local.get 1
 *     else  local.get 0  i32.const 1  i32.sub
 *           local.get 1  local.get 0  i32.add  call $acc  end)  ;; call at 0xbf
 *   (func $stopat (export "stopat") (param i32 i32) (result i32) ;; func[6]
 *     local.get 0  local.get 1  i32.eq  if  call $stop  end
 *     local.get 0  i32.eqz
 *     if (result i32)  i32.const 0
 *     else  local.get 0  i32.const 1  i32.sub  local.get 1  call $stopat  end)
 *                                                       ;; call at 0xde
 *   (func $tick (param i32 i32) (result i32)                    ;; func[7]
 *     local.get 0  local.get 1  i32.eq  if  call $stop  end  i32.const 0)
 *   (func $calls_each (export "calls_each") (param i32 i32) (result i32)
 *     (local i32)          ;; func[8]: a loop that calls $tick every iteration
 *     loop  local.get 2  local.get 1  call $tick  drop
 *           local.get 2  i32.const 1  i32.add  local.tee 2
 *           local.get 0  i32.lt_u  br_if 0  end
 *     local.get 2)
 *   (func $calls_once (export "calls_once") (param i32 i32) (result i32)
 *     (local i32)          ;; func[9]: a loop that calls $tick in one iteration
 *     loop  local.get 2  local.get 1  i32.eq
 *           if  local.get 2  local.get 1  call $tick  drop  end
 *           local.get 2  i32.const 1  i32.add  local.tee 2
 *           local.get 0  i32.lt_u  br_if 0  end
 *     local.get 2)) */
static const uint8_t module_bytes[] = {
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x0f, 0x03, 0x60,
  0x00, 0x00, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x01,
  0x7f, 0x02, 0x0d, 0x01, 0x04, 0x68, 0x6f, 0x73, 0x74, 0x04, 0x73, 0x74,
  0x6f, 0x70, 0x00, 0x00, 0x03, 0x0a, 0x09, 0x01, 0x01, 0x01, 0x01, 0x02,
  0x02, 0x02, 0x02, 0x02, 0x07, 0x42, 0x07, 0x04, 0x64, 0x6f, 0x77, 0x6e,
  0x00, 0x01, 0x07, 0x66, 0x6f, 0x72, 0x65, 0x76, 0x65, 0x72, 0x00, 0x02,
  0x04, 0x70, 0x69, 0x6e, 0x67, 0x00, 0x03, 0x03, 0x61, 0x63, 0x63, 0x00,
  0x05, 0x06, 0x73, 0x74, 0x6f, 0x70, 0x61, 0x74, 0x00, 0x06, 0x0a, 0x63,
  0x61, 0x6c, 0x6c, 0x73, 0x5f, 0x65, 0x61, 0x63, 0x68, 0x00, 0x08, 0x0a,
  0x63, 0x61, 0x6c, 0x6c, 0x73, 0x5f, 0x6f, 0x6e, 0x63, 0x65, 0x00, 0x09,
  0x0a, 0xb8, 0x01, 0x09, 0x10, 0x00, 0x20, 0x00, 0x45, 0x04, 0x40, 0x00,
  0x0b, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x10, 0x01, 0x0b, 0x09, 0x00, 0x20,
  0x00, 0x41, 0x01, 0x6a, 0x10, 0x02, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x41,
  0x01, 0x6a, 0x10, 0x04, 0x0b, 0x09, 0x00, 0x20, 0x00, 0x41, 0x01, 0x6a,
  0x10, 0x03, 0x0b, 0x17, 0x00, 0x20, 0x00, 0x45, 0x04, 0x7f, 0x20, 0x01,
  0x05, 0x20, 0x00, 0x41, 0x01, 0x6b, 0x20, 0x01, 0x20, 0x00, 0x6a, 0x10,
  0x05, 0x0b, 0x0b, 0x1e, 0x00, 0x20, 0x00, 0x20, 0x01, 0x46, 0x04, 0x40,
  0x10, 0x00, 0x0b, 0x20, 0x00, 0x45, 0x04, 0x7f, 0x41, 0x00, 0x05, 0x20,
  0x00, 0x41, 0x01, 0x6b, 0x20, 0x01, 0x10, 0x06, 0x0b, 0x0b, 0x0e, 0x00,
  0x20, 0x00, 0x20, 0x01, 0x46, 0x04, 0x40, 0x10, 0x00, 0x0b, 0x41, 0x00,
  0x0b, 0x1c, 0x01, 0x01, 0x7f, 0x03, 0x40, 0x20, 0x02, 0x20, 0x01, 0x10,
  0x07, 0x1a, 0x20, 0x02, 0x41, 0x01, 0x6a, 0x22, 0x02, 0x20, 0x00, 0x49,
  0x0d, 0x00, 0x0b, 0x20, 0x02, 0x0b, 0x24, 0x01, 0x01, 0x7f, 0x03, 0x40,
  0x20, 0x02, 0x20, 0x01, 0x46, 0x04, 0x40, 0x20, 0x02, 0x20, 0x01, 0x10,
  0x07, 0x1a, 0x0b, 0x20, 0x02, 0x41, 0x01, 0x6a, 0x22, 0x02, 0x20, 0x00,
  0x49, 0x0d, 0x00, 0x0b, 0x20, 0x02, 0x0b, 0x00, 0x6b, 0x04, 0x6e, 0x61,
  0x6d, 0x65, 0x01, 0x4d, 0x0a, 0x00, 0x04, 0x73, 0x74, 0x6f, 0x70, 0x01,
  0x04, 0x64, 0x6f, 0x77, 0x6e, 0x02, 0x07, 0x66, 0x6f, 0x72, 0x65, 0x76,
  0x65, 0x72, 0x03, 0x04, 0x70, 0x69, 0x6e, 0x67, 0x04, 0x04, 0x70, 0x6f,
  0x6e, 0x67, 0x05, 0x03, 0x61, 0x63, 0x63, 0x06, 0x06, 0x73, 0x74, 0x6f,
  0x70, 0x61, 0x74, 0x07, 0x04, 0x74, 0x69, 0x63, 0x6b, 0x08, 0x0a, 0x63,
  0x61, 0x6c, 0x6c, 0x73, 0x5f, 0x65, 0x61, 0x63, 0x68, 0x09, 0x0a, 0x63,
  0x61, 0x6c, 0x6c, 0x73, 0x5f, 0x6f, 0x6e, 0x63, 0x65, 0x02, 0x15, 0x0a,
  0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x03, 0x00, 0x04, 0x00, 0x05, 0x00,
  0x06, 0x00, 0x07, 0x00, 0x08, 0x00, 0x09, 0x00

};
#define AT_UNREACHABLE 0x83u
#define AT_CALL_DOWN 0x8au
#define AT_CALL_FOREVER 0x94u
#define AT_CALL_STOPAT 0xdeu

typedef struct run {
    const char  *tier;
    wp_engine   *engine;
    wp_module   *module;
    wp_instance *inst;
    wp_imports  *imports;
    wp_func     *stop;
} run;

/* host.stop(): interrupts the instance that called it, which must stop
 * at its next function entry or loop header. */
static wp_status host_stop(wp_call *call, void *user, uint64_t *slots)
{
    (void)user;
    (void)slots;
    wp_instance_interrupt(wp_call_instance(call));
    return WP_OK;
}

/* tier: the engine's; "auto" waits for the background compile. */
static bool open_run(run *r, const char *tier, uint32_t max_depth)
{
    memset(r, 0, sizeof *r);
    r->tier = tier;
    wp_engine_config cfg = { 0 };
    cfg.tier = strcmp(tier, "interp") == 0 ? WP_TIER_INTERP
             : strcmp(tier, "jit") == 0 ? WP_TIER_JIT : WP_TIER_AUTO;
    wp_instance_config icfg = { 0 };
    icfg.max_call_depth = max_depth;
    wp_error err;
    wp_functype ft = { NULL, 0, NULL, 0 };
    if (wp_engine_create(&cfg, &r->engine, &err) != WP_OK ||
        wp_module_compile(r->engine, module_bytes, sizeof module_bytes, &r->module, &err) !=
            WP_OK ||
        wp_func_create_host(r->engine, &ft, host_stop, NULL, &r->stop, &err) != WP_OK ||
        wp_imports_create(r->engine, &r->imports, &err) != WP_OK ||
        wp_imports_define(r->imports, "host", "stop",
                          (wp_extern){ .kind = WP_EXTERN_FUNC, .of.func = r->stop }, &err) !=
            WP_OK) {
        CHECK(tier, "set-up", false, "%s", err.msg);
        return false;
    }
    const char *want = strcmp(tier, "interp") == 0 ? "interp" : "jit";
    const char *t = cfg.tier == WP_TIER_AUTO ? wp_module_wait_tier(r->module, NULL)
                                             : wp_module_tier(r->module, NULL);
    CHECK(tier, "tier", strcmp(t, want) == 0, "the module runs on %s", t);
    if (wp_instance_create(r->module, r->imports, &icfg, &r->inst, &err) != WP_OK) {
        CHECK(tier, "instance", false, "%s", err.msg);
        return false;
    }
    return true;
}

static void close_run(run *r)
{
    wp_instance_destroy(r->inst);
    wp_imports_destroy(r->imports);
    wp_module_destroy(r->module);
    wp_func_destroy(r->stop);
    wp_engine_destroy(r->engine);
}

/* What one call gave. */
typedef struct outcome {
    wp_status status;
    uint32_t  result;
    wp_error  err;
} outcome;

static outcome call2(run *r, const char *name, uint32_t a, uint32_t b)
{
    outcome o;
    memset(&o, 0, sizeof o);
    wp_extern x;
    if (wp_instance_export(r->inst, name, &x, &o.err) != WP_OK) {
        o.status = WP_ERR_NOT_FOUND;
        return o;
    }
    uint64_t slots[2] = { a, b };
    memset(&o.err, 0x5a, sizeof o.err);   /* nothing may be left from before */
    o.status = wp_func_call_raw(x.of.func, slots, &o.err);
    o.result = (uint32_t)slots[0];
    if (o.status == WP_OK)
        memset(&o.err, 0, sizeof o.err);
    return o;
}

/* o (on r's tier) gave what ref (on the interpreter) gave: the same
 * status, trap kind, depth and frames, or the same result. */
static void check_same(run *r, const char *name, const outcome *o, const outcome *ref)
{
    CHECK(r->tier, name, o->status == ref->status, "status %d, the interpreter's %d", o->status,
          ref->status);
    if (o->status != ref->status)
        return;
    if (o->status == WP_OK) {
        CHECK(r->tier, name, o->result == ref->result, "result %u, the interpreter's %u",
              o->result, ref->result);
        return;
    }
    CHECK(r->tier, name, o->err.detail == ref->err.detail && o->err.depth == ref->err.depth &&
          o->err.nframes == ref->err.nframes && o->err.offset == ref->err.offset,
          "trap %d at depth %u (%u frames, @0x%x), the interpreter's %d at %u (%u, @0x%x)",
          o->err.detail, o->err.depth, o->err.nframes, o->err.offset, ref->err.detail,
          ref->err.depth, ref->err.nframes, ref->err.offset);
    for (uint32_t i = 0; i < o->err.nframes && i < ref->err.nframes; i++) {
        const wp_frame *f = &o->err.frames[i], *g = &ref->err.frames[i];
        CHECK(r->tier, name, f->func == g->func && f->offset == g->offset,
              "frame %u: func %u @0x%x, the interpreter's func %u @0x%x", i, f->func, f->offset,
              g->func, g->offset);
    }
}

static void check_trap(run *r, const char *name, const outcome *o, wp_trap_kind kind,
                       uint32_t depth)
{
    CHECK(r->tier, name, o->status == WP_ERR_TRAP && o->err.detail == (int)kind &&
          o->err.depth == depth,
          "expected trap %d at depth %u, found status %d trap %d at depth %u", kind, depth,
          o->status, o->err.detail, o->err.depth);
}

/* Every frame of a self-recursion: func, at the offset of its call. */
static void check_frames(run *r, const char *name, const outcome *o, uint32_t from,
                         uint32_t func, uint32_t offset)
{
    for (uint32_t i = from; i < o->err.nframes; i++) {
        const wp_frame *f = &o->err.frames[i];
        CHECK(r->tier, name, f->func == func && f->offset == offset,
              "frame %u: expected func %u @0x%x, found func %u @0x%x", i, func, offset, f->func,
              f->offset);
    }
}

#define SMALL_DEPTH 100u
#define DEFAULT_DEPTH 10000u   /* the engine's default max_call_depth */

/* The reference outcomes, from the interpreter. */
typedef struct refs {
    outcome forever, ping, down, acc_last, acc_over, stop;
    uint32_t last;   /* the largest n for which acc(n, 0) returns */
} refs;

/* Keeps o as the reference (on the interpreter), or compares it with it. */
static void against(run *r, const char *name, const outcome *o, outcome *ref, bool is_ref)
{
    if (is_ref)
        *ref = *o;
    else
        check_same(r, name, o, ref);
}

static void run_cases(run *r, uint32_t max_depth, refs *ref, bool is_ref)
{
    char name[64];
    /* A self tail call that never ends: exhaustion at the limit (the
     * first function and max_depth nested calls), every frame at the
     * call. */
    outcome o = call2(r, "forever", 0, 0);
    snprintf(name, sizeof name, "forever, depth %u", max_depth);
    check_trap(r, name, &o, WP_TRAP_STACK_EXHAUSTED, max_depth + 1);
    check_frames(r, name, &o, 0, 2, AT_CALL_FOREVER);
    against(r, name, &o, &ref->forever, is_ref);

    /* Mutual recursion. */
    o = call2(r, "ping", 0, 0);
    snprintf(name, sizeof name, "ping, depth %u", max_depth);
    check_trap(r, name, &o, WP_TRAP_STACK_EXHAUSTED, max_depth + 1);
    against(r, name, &o, &ref->ping, is_ref);

    /* The last depth that returns, and one more: the first function may
     * nest max_call_depth calls, and acc(n) nests n. */
    uint32_t last = max_depth;
    o = call2(r, "acc", last, 0);
    snprintf(name, sizeof name, "acc(%u)", last);
    CHECK(r->tier, name, o.status == WP_OK && o.result == last * (last + 1) / 2,
          "status %d, result %u", o.status, o.result);
    against(r, name, &o, &ref->acc_last, is_ref);
    o = call2(r, "acc", last + 1, 0);
    snprintf(name, sizeof name, "acc(%u)", last + 1);
    check_trap(r, name, &o, WP_TRAP_STACK_EXHAUSTED, max_depth + 1);
    against(r, name, &o, &ref->acc_over, is_ref);

    /* A trap at the bottom of a tail-shaped recursion 50 deep. */
    o = call2(r, "down", 50, 0);
    snprintf(name, sizeof name, "down(50), depth %u", max_depth);
    check_trap(r, name, &o, WP_TRAP_UNREACHABLE, 51);
    CHECK(r->tier, name, o.err.nframes > 0 && o.err.frames[0].func == 1 &&
          o.err.frames[0].offset == AT_UNREACHABLE, "frame 0 is not the unreachable");
    check_frames(r, name, &o, 1, 1, AT_CALL_DOWN);
    against(r, name, &o, &ref->down, is_ref);

    /* stopat(60, 30) interrupts itself 31 calls deep, in the middle of
     * its tail-shaped recursion: the next call's entry sees it. */
    o = call2(r, "stopat", 60, 30);
    snprintf(name, sizeof name, "stopat, depth %u", max_depth);
    check_trap(r, name, &o, WP_TRAP_INTERRUPTED, 31);
    check_frames(r, name, &o, 0, 6, AT_CALL_STOPAT);
    against(r, name, &o, &ref->stop, is_ref);

    /* Loops: one that calls $tick every iteration (whose entry sees the
     * interrupt $tick raised in iteration 10), and one that calls $tick
     * in iteration 10 only (its loop head must see it); each runs its
     * 100000 iterations when nothing interrupts it. */
    static const char *const loops[] = { "calls_each", "calls_once" };
    for (int i = 0; i < 2; i++) {
        o = call2(r, loops[i], 100000, 10);
        snprintf(name, sizeof name, "%s, interrupted", loops[i]);
        CHECK(r->tier, name, o.status == WP_ERR_TRAP && o.err.detail == WP_TRAP_INTERRUPTED &&
              o.err.nframes >= 1 && o.err.frames[o.err.nframes - 1].func == (uint32_t)(8 + i),
              "status %d trap %d, %u frames", o.status, o.err.detail, o.err.nframes);
        o = call2(r, loops[i], 100000, 100001);
        snprintf(name, sizeof name, "%s, not interrupted", loops[i]);
        CHECK(r->tier, name, o.status == WP_OK && o.result == 100000, "status %d, result %u",
              o.status, o.result);
    }

    /* Nothing of the trap stays behind: the next call returns. */
    o = call2(r, "acc", 10, 0);
    CHECK(r->tier, "acc(10) after the traps", o.status == WP_OK && o.result == 55,
          "status %d, result %u", o.status, o.result);
}

int main(void)
{
#ifdef WP_HAVE_JIT
    static const char *const tiers[] = { "interp", "jit", "auto" };
    int ntiers = 3;
#else
    static const char *const tiers[] = { "interp" };
    int ntiers = 1;
#endif
    static const uint32_t depths[] = { SMALL_DEPTH, DEFAULT_DEPTH };
    for (int d = 0; d < 2; d++) {
        refs ref;
        memset(&ref, 0, sizeof ref);
        for (int t = 0; t < ntiers; t++) {
            run r;
            if (!open_run(&r, tiers[t], depths[d]))
                continue;
            run_cases(&r, depths[d], &ref, t == 0);
            close_run(&r);
        }
    }
    printf("test_jit_calls: %d checks, %d failed\n", checks, failures);
    return failures ? 1 : 0;
}
