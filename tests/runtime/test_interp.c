/* The interpreter on hand-assembled internal code: each test writes the
 * code words of code.h into rt_code, builds a minimal instance around them
 * by hand (functions, an exec stack, a memory, a table, globals) and checks
 * what rt_interp_call computes or how it traps, and that a trap leaves the
 * exec stack as it was so the instance stays usable. A failing check prints
 * the case, what was expected and what was found. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rt.h"
#include "code.h"
#include "tier.h"

static int failures;
static int checks;

static void check_u64(const char *name, const char *what, uint64_t want, uint64_t got)
{
    checks++;
    if (want != got) {
        failures++;
        printf("FAIL %s: %s: expected 0x%llx, found 0x%llx\n", name, what,
               (unsigned long long)want, (unsigned long long)got);
    }
}

static void check_true(const char *name, const char *what, bool ok)
{
    checks++;
    if (!ok) {
        failures++;
        printf("FAIL %s: expected %s\n", name, what);
    }
}

/* Checks a status and, for traps, the kind. */
static void check_status(const char *name, wp_status want, wp_trap_kind want_trap,
                         wp_status got, const wp_error *err)
{
    checks++;
    if (got != want || (want == WP_ERR_TRAP && err->detail != (int)want_trap)) {
        failures++;
        printf("FAIL %s: expected status %d (trap %d), found %d (detail %d, \"%s\")\n", name,
               want, want_trap, got, got == WP_OK ? 0 : err->detail,
               got == WP_OK ? "" : err->msg);
    }
}

/* ---------------------------------------------------------------- a tiny assembler */

#define MAX_WORDS 256
#define MAX_FUNCS 8

typedef struct asm_buf {
    uint32_t w[MAX_WORDS];
    uint32_t n;
} asm_buf;

/* Appends one instruction: the op and its n operand words. Returns the
 * index of the op word, so a branch target can be patched later. */
static uint32_t emit(asm_buf *a, rt_iop op, int n, ...)
{
    if (a->n + 1 + (uint32_t)n > MAX_WORDS) {
        printf("test bug: code buffer full\n");
        exit(2);
    }
    uint32_t at = a->n;
    a->w[a->n++] = (uint32_t)op;
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        a->w[a->n++] = va_arg(ap, uint32_t);
    va_end(ap);
    return at;
}

/* ---------------------------------------------------------------- a hand-built instance */

typedef struct fixture {
    wp_module   module;
    wp_instance inst;
    rt_functype types[3];        /* ids 10, 11, 12 */
    rt_code     codes[MAX_FUNCS];
    wp_func     funcs[MAX_FUNCS];
    wp_func    *func_ptrs[MAX_FUNCS];
    asm_buf     code[MAX_FUNCS];
    wp_memory   memory;
    wp_memory  *memories[1];
    wp_table    table;
    wp_table   *tables[1];
    void       *table_elems[8];
    wp_global   global;
    wp_global  *globals[1];
    rt_data     datas[1];
    uint32_t    data_len[1];
    void       *elem_items[1];
    uint32_t    elem_len[1];
    void       *segment[4];
} fixture;

#define MEM_SIZE 65536u

static fixture *fixture_new(uint32_t stack_slots, uint32_t nframes, bool with_memory)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (fx == NULL)
        exit(2);
    wp_module *m = &fx->module;
    wp_instance *in = &fx->inst;
    for (uint32_t i = 0; i < 3; i++)
        fx->types[i].id = 10 + i;
    m->ntypes = 3;
    m->types = fx->types;
    m->nfuncs = MAX_FUNCS;
    m->codes = fx->codes;
    atomic_init(&m->tier, &rt_tier_interp);
    m->ntables = 1;
    m->nglobals = 1;
    m->ndatas = 1;
    m->datas = fx->datas;
    m->nelems = 1;
    static const uint8_t hello[] = "hello";
    fx->datas[0].bytes = hello;
    fx->datas[0].len = 5;
    fx->data_len[0] = 5;

    in->module = m;
    in->funcs = fx->func_ptrs;
    in->tables = fx->tables;
    in->globals = fx->globals;
    in->data_len = fx->data_len;
    in->elem_items = fx->elem_items;
    in->elem_len = fx->elem_len;
    for (uint32_t i = 0; i < MAX_FUNCS; i++) {
        fx->func_ptrs[i] = &fx->funcs[i];
        fx->funcs[i].kind = RT_FUNC_WASM;
        fx->funcs[i].type_id = fx->types[0].id;
        fx->funcs[i].type = &fx->types[0];
        fx->funcs[i].inst = in;
        fx->funcs[i].code = &fx->codes[i];
        fx->funcs[i].index = i;
        fx->codes[i].words = fx->code[i].w;
        fx->codes[i].entry = fx->code[i].w;
    }
    if (with_memory) {
        m->nmemories = 1;
        fx->memory.data = calloc(1, MEM_SIZE);
        fx->memory.size = MEM_SIZE;
        fx->memory.pages = 1;
        fx->memory.max_pages = 1;
        fx->memory.reserved = MEM_SIZE;
        fx->memories[0] = &fx->memory;
        in->memories = fx->memories;
    }
    fx->tables[0] = &fx->table;
    fx->table.elems = fx->table_elems;
    fx->table.size = 3;
    fx->table.max = 3;
    fx->table.cap = 8;
    fx->table.elem = WP_FUNCREF;
    fx->globals[0] = &fx->global;
    fx->global.type = WP_I32;
    fx->global.mut = true;
    fx->elem_items[0] = fx->segment;
    fx->elem_len[0] = 4;

    rt_exec *x = &in->exec;
    x->stack = calloc(stack_slots, sizeof *x->stack);
    x->stack_end = x->stack + stack_slots;
    x->top = x->stack;
    x->frames = calloc(nframes, sizeof *x->frames);
    x->frames_end = x->frames + nframes;
    x->frame_top = x->frames;
    if (x->stack == NULL || x->frames == NULL)
        exit(2);
    return fx;
}

static void fixture_free(fixture *fx)
{
    free(fx->inst.exec.stack);
    free(fx->inst.exec.frames);
    free(fx->memory.data);
    free(fx);
}

/* Declares function idx from its assembled code. */
static void define(fixture *fx, uint32_t idx, uint32_t nparams, uint32_t nlocals,
                   uint32_t frame_slots, uint32_t nresults)
{
    rt_code *c = &fx->codes[idx];
    c->nwords = fx->code[idx].n;
    c->nparams = nparams;
    c->nlocals = nlocals;
    c->frame_slots = frame_slots;
    c->nresults = nresults;
}

static void define_host(fixture *fx, uint32_t idx, wp_host_fn fn, void *user, const char *name)
{
    wp_func *f = &fx->funcs[idx];
    f->kind = RT_FUNC_HOST;
    f->inst = NULL;
    f->code = NULL;
    f->host = fn;
    f->user = user;
    f->name = name;
}

static wp_status run(fixture *fx, uint32_t idx, uint64_t *slots, wp_error *err)
{
    memset(err, 0, sizeof *err);
    return rt_interp_call(&fx->inst.exec, &fx->funcs[idx], slots, err);
}

/* After any call, trap or not, the exec stack is back where it began. */
static void check_exec_clean(const char *name, const fixture *fx)
{
    const rt_exec *x = &fx->inst.exec;
    check_true(name, "exec->top back at the stack base", x->top == x->stack);
    check_true(name, "exec->frame_top back at the first frame", x->frame_top == x->frames);
    check_u64(name, "exec->depth", 0, x->depth);
}

/* ---------------------------------------------------------------- single operations */

typedef enum { K_UN, K_BIN } op_kind;

static const struct {
    const char  *name;
    rt_iop       op;
    op_kind      kind;
    uint64_t     a, b;
    wp_trap_kind trap;
    uint64_t     want;   /* the whole result slot */
} op_cases[] = {
    { "i32.add wraps and zero-extends", IOP_i32_add, K_BIN, 0xffffffff, 2, 0, 1 },
    { "i32.add reads only the low half", IOP_i32_add, K_BIN, 0xdeadbeef00000005, 0x100000003, 0, 8 },
    { "i32.sub 0 - 1", IOP_i32_sub, K_BIN, 0, 1, 0, 0xffffffff },
    { "i32.add3 wraps (a + b + a)", IOP_i32_add3, K_BIN, 0x80000001, 0x1ffffffff, 0, 1 },
    { "i32.mul wraps", IOP_i32_mul, K_BIN, 0x10000, 0x10001, 0, 0x10000 },
    { "i32.div_s -7 / 2", IOP_i32_div_s, K_BIN, 0xfffffff9, 2, 0, 0xfffffffd },
    { "i32.div_s by 0", IOP_i32_div_s, K_BIN, 1, 0, WP_TRAP_DIV_ZERO, 0 },
    { "i32.div_s min / -1", IOP_i32_div_s, K_BIN, 0x80000000, 0xffffffff, WP_TRAP_INT_OVERFLOW, 0 },
    { "i32.div_u", IOP_i32_div_u, K_BIN, 0xffffffff, 2, 0, 0x7fffffff },
    { "i32.div_u by 0 (high bits set)", IOP_i32_div_u, K_BIN, 1, 0x100000000, WP_TRAP_DIV_ZERO, 0 },
    { "i32.rem_s min % -1", IOP_i32_rem_s, K_BIN, 0x80000000, 0xffffffff, 0, 0 },
    { "i32.rem_s -7 % 2", IOP_i32_rem_s, K_BIN, 0xfffffff9, 2, 0, 0xffffffff },
    { "i32.rem_u by 0", IOP_i32_rem_u, K_BIN, 7, 0, WP_TRAP_DIV_ZERO, 0 },
    { "i32.shl by 33", IOP_i32_shl, K_BIN, 1, 33, 0, 2 },
    { "i32.shl out of the top", IOP_i32_shl, K_BIN, 0x80000001, 1, 0, 2 },
    { "i32.shr_s", IOP_i32_shr_s, K_BIN, 0x80000000, 4, 0, 0xf8000000 },
    { "i32.shr_u by 36", IOP_i32_shr_u, K_BIN, 0x80000000, 36, 0, 0x08000000 },
    { "i32.rotl", IOP_i32_rotl, K_BIN, 0x80000001, 1, 0, 3 },
    { "i32.rotr", IOP_i32_rotr, K_BIN, 1, 1, 0, 0x80000000 },
    { "i32.lt_s -1 < 0", IOP_i32_lt_s, K_BIN, 0xffffffff, 0, 0, 1 },
    { "i32.lt_u max < 0", IOP_i32_lt_u, K_BIN, 0xffffffff, 0, 0, 0 },
    { "i32.ge_s min >= 0", IOP_i32_ge_s, K_BIN, 0x80000000, 0, 0, 0 },
    { "i32.eq ignores high bits", IOP_i32_eq, K_BIN, 0x100000007, 7, 0, 1 },
    { "i32.eqz ignores high bits", IOP_i32_eqz, K_UN, 0x100000000, 0, 0, 1 },
    { "i32.clz 0", IOP_i32_clz, K_UN, 0, 0, 0, 32 },
    { "i32.ctz 0", IOP_i32_ctz, K_UN, 0, 0, 0, 32 },
    { "i32.popcnt", IOP_i32_popcnt, K_UN, 0xffff0000ffffffff, 0, 0, 32 },
    { "i64.add wraps", IOP_i64_add, K_BIN, UINT64_MAX, 2, 0, 1 },
    { "i64.mul", IOP_i64_mul, K_BIN, 0x100000000, 0x100000000, 0, 0 },
    { "i64.div_s min / -1", IOP_i64_div_s, K_BIN, 0x8000000000000000, UINT64_MAX,
      WP_TRAP_INT_OVERFLOW, 0 },
    { "i64.div_u by 0", IOP_i64_div_u, K_BIN, 5, 0, WP_TRAP_DIV_ZERO, 0 },
    { "i64.rem_s min % -1", IOP_i64_rem_s, K_BIN, 0x8000000000000000, UINT64_MAX, 0, 0 },
    { "i64.shl by 65", IOP_i64_shl, K_BIN, 1, 65, 0, 2 },
    { "i64.shr_s", IOP_i64_shr_s, K_BIN, 0x8000000000000000, 63, 0, UINT64_MAX },
    { "i64.rotr", IOP_i64_rotr, K_BIN, 1, 1, 0, 0x8000000000000000 },
    { "i64.lt_s", IOP_i64_lt_s, K_BIN, UINT64_MAX, 0, 0, 1 },
    { "i64.gt_u", IOP_i64_gt_u, K_BIN, UINT64_MAX, 0, 0, 1 },
    { "i64.eqz", IOP_i64_eqz, K_UN, 0x100000000, 0, 0, 0 },
    { "i64.clz 0", IOP_i64_clz, K_UN, 0, 0, 0, 64 },
    { "f32.add 1.5 + 2.25", IOP_f32_add, K_BIN, 0x3fc00000, 0x40100000, 0, 0x40700000 },
    { "f32.mul reads only the low half", IOP_f32_mul, K_BIN, 0xffffffff40000000, 0x40000000, 0,
      0x40800000 },
    { "f32.min -0 +0", IOP_f32_min, K_BIN, 0x80000000, 0x00000000, 0, 0x80000000 },
    { "f32.max -0 +0", IOP_f32_max, K_BIN, 0x80000000, 0x00000000, 0, 0x00000000 },
    { "f32.copysign keeps the payload", IOP_f32_copysign, K_BIN, 0x7fa12345, 0x80000000, 0,
      0xffa12345 },
    { "f32.neg NaN", IOP_f32_neg, K_UN, 0x7fa12345, 0, 0, 0xffa12345 },
    { "f32.abs -0", IOP_f32_abs, K_UN, 0x80000000, 0, 0, 0 },
    { "f32.nearest 2.5", IOP_f32_nearest, K_UN, 0x40200000, 0, 0, 0x40000000 },
    { "f32.ceil -0.5", IOP_f32_ceil, K_UN, 0xbf000000, 0, 0, 0x80000000 },
    { "f32.eq NaN NaN", IOP_f32_eq, K_BIN, 0x7fc00000, 0x7fc00000, 0, 0 },
    { "f32.ne NaN NaN", IOP_f32_ne, K_BIN, 0x7fc00000, 0x7fc00000, 0, 1 },
    { "f32.lt -0 +0", IOP_f32_lt, K_BIN, 0x80000000, 0, 0, 0 },
    { "f32.le -0 +0", IOP_f32_le, K_BIN, 0x80000000, 0, 0, 1 },
    { "f64.div 1 / 0", IOP_f64_div, K_BIN, 0x3ff0000000000000, 0, 0, 0x7ff0000000000000 },
    { "f64.sub", IOP_f64_sub, K_BIN, 0x4008000000000000, 0x3ff0000000000000, 0,
      0x4000000000000000 },
    { "f64.max", IOP_f64_max, K_BIN, 0xbff0000000000000, 0x3ff0000000000000, 0,
      0x3ff0000000000000 },
    { "f64.sqrt 4", IOP_f64_sqrt, K_UN, 0x4010000000000000, 0, 0, 0x4000000000000000 },
    { "f64.floor -0.5", IOP_f64_floor, K_UN, 0xbfe0000000000000, 0, 0, 0xbff0000000000000 },
    { "f64.gt NaN", IOP_f64_gt, K_BIN, 0x7ff8000000000000, 0, 0, 0 },
    { "i32.wrap_i64", IOP_i32_wrap_i64, K_UN, 0x123456789, 0, 0, 0x23456789 },
    { "i64.extend_i32_s", IOP_i64_extend_i32_s, K_UN, 0x80000000, 0, 0, 0xffffffff80000000 },
    { "i64.extend_i32_u ignores high bits", IOP_i64_extend_i32_u, K_UN, 0xdead0000ffffffff, 0, 0,
      0xffffffff },
    { "i32.trunc_f32_s NaN", IOP_i32_trunc_f32_s, K_UN, 0x7fc00000, 0, WP_TRAP_INVALID_CONVERSION, 0 },
    { "i32.trunc_f32_s 2^31", IOP_i32_trunc_f32_s, K_UN, 0x4f000000, 0, WP_TRAP_INT_OVERFLOW, 0 },
    { "i32.trunc_f32_s -2^31", IOP_i32_trunc_f32_s, K_UN, 0xcf000000, 0, 0, 0x80000000 },
    { "i32.trunc_f64_u -0.5", IOP_i32_trunc_f64_u, K_UN, 0xbfe0000000000000, 0, 0, 0 },
    { "i64.trunc_f64_s -1.5", IOP_i64_trunc_f64_s, K_UN, 0xbff8000000000000, 0, 0, UINT64_MAX },
    { "i64.trunc_f32_u -1", IOP_i64_trunc_f32_u, K_UN, 0xbf800000, 0, WP_TRAP_INT_OVERFLOW, 0 },
    { "i32.trunc_sat_f32_s inf", IOP_i32_trunc_sat_f32_s, K_UN, 0x7f800000, 0, 0, 0x7fffffff },
    { "i64.trunc_sat_f64_u NaN", IOP_i64_trunc_sat_f64_u, K_UN, 0x7ff8000000000000, 0, 0, 0 },
    { "f32.convert_i64_u rounds once", IOP_f32_convert_i64_u, K_UN, 0x0020000020000001, 0, 0,
      0x5a000001 },
    { "f64.convert_i32_s -1", IOP_f64_convert_i32_s, K_UN, 0xffffffff, 0, 0, 0xbff0000000000000 },
    { "f32.demote_f64 1.5", IOP_f32_demote_f64, K_UN, 0x3ff8000000000000, 0, 0, 0x3fc00000 },
    { "f64.promote_f32 -0", IOP_f64_promote_f32, K_UN, 0x80000000, 0, 0, 0x8000000000000000 },
    { "i32.reinterpret_f32", IOP_i32_reinterpret_f32, K_UN, 0xffffffff3f800000, 0, 0, 0x3f800000 },
    { "f64.reinterpret_i64", IOP_f64_reinterpret_i64, K_UN, 0xfff4000000000001, 0, 0,
      0xfff4000000000001 },
    { "i32.extend8_s", IOP_i32_extend8_s, K_UN, 0x180, 0, 0, 0xffffff80 },
    { "i64.extend16_s", IOP_i64_extend16_s, K_UN, 0x8000, 0, 0, 0xffffffffffff8000 },
    { "i64.extend32_s", IOP_i64_extend32_s, K_UN, 0x7fffffff, 0, 0, 0x7fffffff },
};

static void test_ops(void)
{
    fixture *fx = fixture_new(1024, 16, false);
    for (size_t i = 0; i < sizeof op_cases / sizeof op_cases[0]; i++) {
        asm_buf *a = &fx->code[0];
        a->n = 0;
        /* params a, b in slots 0, 1; the result goes through slot 2. */
        if (op_cases[i].op == IOP_i32_add3)
            emit(a, op_cases[i].op, 4, 2, 0, 1, 0);
        else if (op_cases[i].kind == K_BIN)
            emit(a, op_cases[i].op, 3, 2, 0, 1);
        else
            emit(a, op_cases[i].op, 2, 2, 0);
        emit(a, IOP_mov, 2, 0, 2);
        emit(a, IOP_return, 0);
        define(fx, 0, 2, 2, 3, 1);
        uint64_t slots[2] = { op_cases[i].a, op_cases[i].b };
        wp_error err;
        wp_status s = run(fx, 0, slots, &err);
        if (op_cases[i].trap != WP_TRAP_NONE) {
            check_status(op_cases[i].name, WP_ERR_TRAP, op_cases[i].trap, s, &err);
        } else {
            check_status(op_cases[i].name, WP_OK, WP_TRAP_NONE, s, &err);
            check_u64(op_cases[i].name, "result slot", op_cases[i].want, slots[0]);
        }
        check_exec_clean(op_cases[i].name, fx);
    }
    fixture_free(fx);
}

/* ---------------------------------------------------------------- compare and branch */

typedef struct br_case {
    rt_iop   op;
    bool     unary;
    uint64_t a, b;
    bool     taken;
} br_case;

static const br_case br_cases[] = {
    { IOP_br_if, true, 0x100000000, 0, false },        /* reads the low half only */
    { IOP_br_unless, true, 0x100000000, 0, true },
    { IOP_br_i32_eq, false, 0x100000007, 7, true },
    { IOP_br_i32_ne, false, 7, 7, false },
    { IOP_br_i32_lt_s, false, 0xffffffff, 0, true },
    { IOP_br_i32_lt_u, false, 0xffffffff, 0, false },
    { IOP_br_i32_gt_s, false, 0xffffffff, 0, false },
    { IOP_br_i32_gt_u, false, 0xffffffff, 0, true },
    { IOP_br_i32_le_s, false, 5, 5, true },
    { IOP_br_i32_le_u, false, 6, 5, false },
    { IOP_br_i32_ge_s, false, 0x80000000, 0, false },
    { IOP_br_i32_ge_u, false, 0x80000000, 0, true },
    { IOP_br_i64_eqz, true, 0x100000000, 0, false },
    { IOP_br_i64_nez, true, 0x100000000, 0, true },
    { IOP_br_i64_eq, false, 0x100000007, 7, false },
    { IOP_br_i64_ne, false, 0x100000007, 7, true },
    { IOP_br_i64_lt_s, false, UINT64_MAX, 0, true },
    { IOP_br_i64_lt_u, false, UINT64_MAX, 0, false },
    { IOP_br_i64_gt_s, false, UINT64_MAX, 0, false },
    { IOP_br_i64_gt_u, false, UINT64_MAX, 0, true },
    { IOP_br_i64_le_s, false, 0x8000000000000000, 1, true },
    { IOP_br_i64_le_u, false, 0x8000000000000000, 1, false },
    { IOP_br_i64_ge_s, false, 3, 3, true },
    { IOP_br_i64_ge_u, false, 2, 3, false },
};

static void test_branches(void)
{
    fixture *fx = fixture_new(1024, 16, false);
    for (size_t i = 0; i < sizeof br_cases / sizeof br_cases[0]; i++) {
        const br_case *c = &br_cases[i];
        asm_buf *a = &fx->code[0];
        a->n = 0;
        /* params a, b; the result (1: taken) goes to slot 0. */
        uint32_t at = c->unary ? emit(a, c->op, 2, 0, 0) : emit(a, c->op, 3, 0, 1, 0);
        emit(a, IOP_const32, 2, 0, 0);
        emit(a, IOP_return, 0);
        a->w[at + (c->unary ? 2 : 3)] = a->n;
        emit(a, IOP_const32, 2, 0, 1);
        emit(a, IOP_return, 0);
        define(fx, 0, 2, 2, 2, 1);
        uint64_t slots[2] = { c->a, c->b };
        wp_error err;
        char name[64];
        snprintf(name, sizeof name, "%s 0x%llx 0x%llx", rt_iop_name(c->op),
                 (unsigned long long)c->a, (unsigned long long)c->b);
        check_status(name, WP_OK, WP_TRAP_NONE, run(fx, 0, slots, &err), &err);
        check_u64(name, "taken", c->taken, slots[0]);
    }
    fixture_free(fx);
}

/* ---------------------------------------------------------------- control flow */

/* sum(n) = 0 + 1 + ... + (n-1) in i32: a counted loop with br_if. */
static void assemble_sum(asm_buf *a)
{
    /* slot 0: n, 1: sum, 2: i, 3: the constant 1, 4: condition */
    a->n = 0;
    emit(a, IOP_enter, 5, 1, 2, 1, 1, 0);
    uint32_t loop = a->n;
    emit(a, IOP_i32_add, 3, 1, 1, 2);
    emit(a, IOP_i32_add, 3, 2, 2, 3);
    emit(a, IOP_i32_lt_u, 3, 4, 2, 0);
    emit(a, IOP_br_if, 2, 4, loop);
    emit(a, IOP_mov, 2, 0, 1);
    emit(a, IOP_return, 0);
}

static void test_control(void)
{
    fixture *fx = fixture_new(1024, 16, false);
    wp_error err;

    assemble_sum(&fx->code[0]);
    define(fx, 0, 1, 3, 5, 1);
    uint64_t slots[3] = { 100000 };
    check_status("loop sum", WP_OK, 0, run(fx, 0, slots, &err), &err);
    check_u64("loop sum", "sum of 0..99999 mod 2^32", (uint32_t)(99999ull * 100000 / 2), slots[0]);
    check_exec_clean("loop sum", fx);

    /* Declared locals start at zero even if the stack held garbage. */
    for (uint64_t *p = fx->inst.exec.stack; p < fx->inst.exec.stack_end; p++)
        *p = 0x5555555555555555u;
    slots[0] = 3;
    run(fx, 0, slots, &err);
    check_u64("locals zeroed", "sum of 0..2", 3, slots[0]);

    /* enter writes its constants after the zeroed locals, whatever their
     * count (a copy of constant size up to 8, a block copy beyond), with
     * their high halves. */
    for (uint32_t n = 2; n <= 12; n++) {
        asm_buf *b = &fx->code[5];
        b->n = 0;
        emit(b, IOP_enter, 3, 1, 1, n);
        for (uint32_t i = 0; i < n; i++) {
            b->w[b->n++] = 10 + i;
            b->w[b->n++] = i == n - 1 ? 0x80000000u : 0;
        }
        /* result = local 1 (zeroed) + first constant + last constant */
        emit(b, IOP_i64_add, 3, 0, 1, 2);
        emit(b, IOP_i64_add, 3, 0, 0, 1 + n);
        emit(b, IOP_return, 0);
        define(fx, 5, 1, 2, 2 + n, 1);
        for (uint64_t *p = fx->inst.exec.stack; p < fx->inst.exec.stack_end; p++)
            *p = 0x5555555555555555u;
        slots[0] = 7;
        check_status("enter constants", WP_OK, 0, run(fx, 5, slots, &err), &err);
        check_u64("enter constants", "0 + 10 + last", 10 + ((9 + n) | 0x8000000000000000u),
                  slots[0]);
    }

    /* mov2 is two movs in order: the second reads what the first wrote. */
    asm_buf *m = &fx->code[5];
    m->n = 0;
    emit(m, IOP_mov2, 4, 1, 0, 0, 1);
    emit(m, IOP_return, 0);
    define(fx, 5, 2, 2, 2, 1);
    uint64_t mv[2] = { 5, 9 };
    check_status("mov2", WP_OK, 0, run(fx, 5, mv, &err), &err);
    check_u64("mov2", "slot 0 after s1 = s0; s0 = s1", 5, mv[0]);

    /* br_table: 0, 1, 2 pick their case; 3 and anything larger the default. */
    asm_buf *a = &fx->code[1];
    uint32_t t = emit(a, IOP_br_table, 6, 0, 3, 0, 0, 0, 0);
    for (uint32_t k = 0; k < 4; k++) {
        a->w[t + 3 + k] = a->n;
        emit(a, IOP_const32, 2, 0, k == 3 ? 999 : 100 + k);
        emit(a, IOP_return, 0);
    }
    define(fx, 1, 1, 1, 1, 1);
    static const struct { uint64_t in, want; } bt[] = {
        { 0, 100 }, { 1, 101 }, { 2, 102 }, { 3, 999 }, { 0xffffffff, 999 }, { 0x100000001, 101 },
    };
    for (size_t i = 0; i < sizeof bt / sizeof bt[0]; i++) {
        char name[48];
        snprintf(name, sizeof name, "br_table index 0x%llx", (unsigned long long)bt[i].in);
        slots[0] = bt[i].in;
        check_status(name, WP_OK, 0, run(fx, 1, slots, &err), &err);
        check_u64(name, "result", bt[i].want, slots[0]);
    }

    /* select reads only the low half of its condition; br_unless jumps on 0. */
    a = &fx->code[2];
    emit(a, IOP_select, 4, 3, 0, 1, 2);
    uint32_t b = emit(a, IOP_br_unless, 2, 2, 0);
    emit(a, IOP_mov, 2, 0, 3);
    emit(a, IOP_return, 0);
    a->w[b + 2] = a->n;
    emit(a, IOP_i64_add, 3, 0, 3, 3);
    emit(a, IOP_return, 0);
    define(fx, 2, 3, 3, 4, 1);
    uint64_t s3[3] = { 7, 9, 1 };
    run(fx, 2, s3, &err);
    check_u64("select true", "a", 7, s3[0]);
    uint64_t s4[3] = { 7, 9, 0x100000000 };
    run(fx, 2, s4, &err);
    check_u64("select false, br_unless taken", "b + b", 18, s4[0]);

    /* const64 and br. */
    a = &fx->code[3];
    uint32_t j = emit(a, IOP_br, 1, 0);
    emit(a, IOP_unreachable, 0);
    a->w[j + 1] = a->n;
    emit(a, IOP_const64, 3, 0, 0x89abcdef, 0x01234567);
    emit(a, IOP_return, 0);
    define(fx, 3, 0, 0, 1, 1);
    check_status("br over unreachable", WP_OK, 0, run(fx, 3, slots, &err), &err);
    check_u64("const64", "value", 0x0123456789abcdefu, slots[0]);

    /* unreachable traps. */
    a = &fx->code[4];
    emit(a, IOP_unreachable, 0);
    define(fx, 4, 0, 0, 0, 0);
    check_status("unreachable", WP_ERR_TRAP, WP_TRAP_UNREACHABLE, run(fx, 4, slots, &err), &err);
    check_exec_clean("unreachable", fx);
    fixture_free(fx);
}

/* ---------------------------------------------------------------- calls */

/* fib(n) = n < 2 ? n : fib(n - 1) + fib(n - 2), in function idx. */
static void assemble_fib(fixture *fx, uint32_t idx)
{
    asm_buf *a = &fx->code[idx];
    /* slot 0: n (and the result), 1: temp, 2 and 3: call bases */
    emit(a, IOP_const32, 2, 1, 2);
    emit(a, IOP_i32_lt_u, 3, 1, 0, 1);
    uint32_t b = emit(a, IOP_br_unless, 2, 1, 0);
    emit(a, IOP_return, 0);
    a->w[b + 2] = a->n;
    emit(a, IOP_const32, 2, 1, 1);
    emit(a, IOP_i32_sub, 3, 2, 0, 1);
    emit(a, IOP_call, 2, idx, 2);
    emit(a, IOP_const32, 2, 1, 2);
    emit(a, IOP_i32_sub, 3, 3, 0, 1);
    emit(a, IOP_call, 2, idx, 3);
    emit(a, IOP_i32_add, 3, 0, 2, 3);
    emit(a, IOP_return, 0);
    define(fx, idx, 1, 1, 4, 1);
}

static void test_calls(void)
{
    fixture *fx = fixture_new(4096, 64, false);
    wp_error err;
    assemble_fib(fx, 0);
    static const struct { uint32_t n, want; } fibs[] = { { 0, 0 }, { 1, 1 }, { 2, 1 }, { 10, 55 }, { 20, 6765 } };
    for (size_t i = 0; i < sizeof fibs / sizeof fibs[0]; i++) {
        char name[32];
        snprintf(name, sizeof name, "fib(%u)", fibs[i].n);
        uint64_t slots[1] = { fibs[i].n };
        check_status(name, WP_OK, 0, run(fx, 0, slots, &err), &err);
        check_u64(name, "result", fibs[i].want, slots[0]);
        check_exec_clean(name, fx);
    }

    /* A trap two calls deep unwinds everything and names the function. */
    asm_buf *a = &fx->code[1];
    emit(a, IOP_mov, 2, 1, 0);
    emit(a, IOP_call, 2, 2, 1);
    emit(a, IOP_return, 0);
    define(fx, 1, 1, 1, 3, 1);
    a = &fx->code[2];
    emit(a, IOP_const32, 2, 1, 0);
    emit(a, IOP_i32_div_u, 3, 0, 0, 1);
    emit(a, IOP_return, 0);
    define(fx, 2, 1, 1, 2, 1);
    rt_name names[MAX_FUNCS] = { { NULL, 0 } };
    names[2] = (rt_name){ "divider", 7 };
    fx->inst.module->func_names = names;
    uint64_t slots[2] = { 5 };
    check_status("nested div by zero", WP_ERR_TRAP, WP_TRAP_DIV_ZERO, run(fx, 1, slots, &err), &err);
    check_exec_clean("nested div by zero", fx);
    check_true("nested div by zero", "the message to name \"divider\"",
               strstr(err.msg, "divider") != NULL);
    check_true("nested div by zero", "two frames, divider's then its caller's",
               err.nframes == 2 && err.depth == 2 && err.frames[0].func == 2 &&
               strcmp(err.frames[0].name, "divider") == 0 && err.frames[1].func == 1);
    fx->inst.module->func_names = NULL;
    run(fx, 1, slots, &err);
    check_true("unnamed div by zero", "the message to name \"func[2]\"",
               strstr(err.msg, "func[2]") != NULL && err.frames[0].name[0] == '\0');

    /* A callee's declared locals start at zero whatever the stack held:
     * f3(x) = f4(x), f4(x) { local y; return x + y } */
    a = &fx->code[3];
    emit(a, IOP_mov, 2, 2, 0);
    emit(a, IOP_call, 2, 4, 2);
    emit(a, IOP_mov, 2, 0, 2);
    emit(a, IOP_return, 0);
    define(fx, 3, 1, 2, 4, 1);
    a = &fx->code[4];
    emit(a, IOP_enter, 3, 1, 1, 0);
    emit(a, IOP_i32_add, 3, 0, 0, 1);
    emit(a, IOP_return, 0);
    define(fx, 4, 1, 2, 2, 1);
    for (uint64_t *p = fx->inst.exec.stack; p < fx->inst.exec.stack_end; p++)
        *p = 0x5555555555555555u;
    slots[0] = 9;
    check_status("callee locals", WP_OK, 0, run(fx, 3, slots, &err), &err);
    check_u64("callee locals", "9 + a zeroed local", 9, slots[0]);

    /* The instance is still usable. */
    slots[0] = 15;
    check_status("fib after a trap", WP_OK, 0, run(fx, 0, slots, &err), &err);
    check_u64("fib after a trap", "fib(15)", 610, slots[0]);
    fixture_free(fx);
}

static void test_stack_exhaustion(void)
{
    wp_error err;
    uint64_t slots[1] = { 0 };

    /* Infinite recursion moving up the value stack by one slot a call:
     * the value stack runs out first. */
    fixture *fx = fixture_new(1000, 100000, false);
    emit(&fx->code[0], IOP_call, 2, 0, 1);
    emit(&fx->code[0], IOP_return, 0);
    define(fx, 0, 0, 1, 2, 0);
    assemble_fib(fx, 1);
    check_status("value stack exhausted", WP_ERR_TRAP, WP_TRAP_STACK_EXHAUSTED,
                 run(fx, 0, slots, &err), &err);
    check_exec_clean("value stack exhausted", fx);
    slots[0] = 10;
    check_status("fib after exhaustion", WP_OK, 0, run(fx, 1, slots, &err), &err);
    check_u64("fib after exhaustion", "fib(10)", 55, slots[0]);
    fixture_free(fx);

    /* Same frame every call: only the frame stack can run out. */
    fx = fixture_new(1000, 100, false);
    emit(&fx->code[0], IOP_call, 2, 0, 0);
    emit(&fx->code[0], IOP_return, 0);
    define(fx, 0, 0, 0, 1, 0);
    check_status("frame stack exhausted", WP_ERR_TRAP, WP_TRAP_STACK_EXHAUSTED,
                 run(fx, 0, slots, &err), &err);
    check_exec_clean("frame stack exhausted", fx);

    /* An entry whose own frame does not fit. */
    define(fx, 0, 0, 0, 1001, 0);
    check_status("entry frame too big", WP_ERR_TRAP, WP_TRAP_STACK_EXHAUSTED,
                 run(fx, 0, slots, &err), &err);
    check_exec_clean("entry frame too big", fx);
    fixture_free(fx);
}

/* ---------------------------------------------------------------- call_indirect */

static void test_call_indirect(void)
{
    fixture *fx = fixture_new(1024, 16, false);
    wp_error err;
    /* f0(i) = table[i]() through type 0 */
    asm_buf *a = &fx->code[0];
    emit(a, IOP_call_indirect, 4, 0, 0, 0, 1);
    emit(a, IOP_mov, 2, 0, 1);
    emit(a, IOP_return, 0);
    define(fx, 0, 1, 1, 2, 1);
    emit(&fx->code[1], IOP_const32, 2, 0, 7);
    emit(&fx->code[1], IOP_return, 0);
    define(fx, 1, 0, 0, 1, 1);
    emit(&fx->code[2], IOP_return, 0);
    define(fx, 2, 0, 0, 1, 1);
    fx->funcs[2].type_id = fx->types[1].id;
    fx->table_elems[0] = &fx->funcs[1];
    fx->table_elems[1] = NULL;
    fx->table_elems[2] = &fx->funcs[2];

    uint64_t slots[1] = { 0 };
    check_status("call_indirect ok", WP_OK, 0, run(fx, 0, slots, &err), &err);
    check_u64("call_indirect ok", "result", 7, slots[0]);
    slots[0] = 1;
    check_status("call_indirect null", WP_ERR_TRAP, WP_TRAP_UNINITIALIZED, run(fx, 0, slots, &err), &err);
    slots[0] = 2;
    check_status("call_indirect type", WP_ERR_TRAP, WP_TRAP_INDIRECT_TYPE, run(fx, 0, slots, &err), &err);
    slots[0] = 3;
    check_status("call_indirect past the end", WP_ERR_TRAP, WP_TRAP_UNDEFINED_ELEMENT,
                 run(fx, 0, slots, &err), &err);
    check_exec_clean("call_indirect", fx);
    fixture_free(fx);
}

/* ---------------------------------------------------------------- memory */

static void test_memory(void)
{
    fixture *fx = fixture_new(1024, 16, true);
    wp_error err;
    uint8_t *mem = fx->memory.data;

    /* f0(addr, value): i32.store; f1(addr): i32.load; f2(addr): i64.load offset 8;
     * f3(addr): i32.load8_s; f4(addr): i32.load16_u; f5(addr): i64.load32_s */
    emit(&fx->code[0], IOP_i32_store, 3, 0, 1, 0);
    emit(&fx->code[0], IOP_return, 0);
    define(fx, 0, 2, 2, 2, 0);
    static const rt_iop loads[] = { 0, IOP_i32_load, IOP_i64_load, IOP_i32_load8_s,
                                    IOP_i32_load16_u, IOP_i64_load32_s };
    for (uint32_t k = 1; k <= 5; k++) {
        emit(&fx->code[k], loads[k], 3, 1, 0, k == 2 ? 8 : 0);
        emit(&fx->code[k], IOP_mov, 2, 0, 1);
        emit(&fx->code[k], IOP_return, 0);
        define(fx, k, 1, 1, 2, 1);
    }

    uint64_t s[2] = { 1, 0x11223344 };
    check_status("unaligned store", WP_OK, 0, run(fx, 0, s, &err), &err);
    check_true("little-endian store", "bytes 44 33 22 11 at 1",
               mem[1] == 0x44 && mem[2] == 0x33 && mem[3] == 0x22 && mem[4] == 0x11);
    s[0] = 1;
    run(fx, 1, s, &err);
    check_u64("unaligned load", "i32", 0x11223344, s[0]);
    s[0] = 3;
    run(fx, 4, s, &err);
    check_u64("load16_u", "bytes 22 11", 0x1122, s[0]);
    mem[100] = 0x80;
    s[0] = 100;
    run(fx, 3, s, &err);
    check_u64("load8_s", "sign-extended to 32 bits only", 0xffffff80, s[0]);
    mem[200] = 0xfe; mem[201] = 0xff; mem[202] = 0xff; mem[203] = 0xff;
    s[0] = 200;
    run(fx, 5, s, &err);
    check_u64("i64.load32_s", "-2", 0xfffffffffffffffe, s[0]);

    s[0] = MEM_SIZE - 4; s[1] = 0xaabbccdd;
    check_status("store at the last word", WP_OK, 0, run(fx, 0, s, &err), &err);
    s[0] = MEM_SIZE - 3; s[1] = 0x01020304;
    check_status("store one past", WP_ERR_TRAP, WP_TRAP_MEMORY_OOB, run(fx, 0, s, &err), &err);
    check_true("store one past", "memory untouched", mem[MEM_SIZE - 1] == 0xaa);
    check_exec_clean("store one past", fx);
    s[0] = MEM_SIZE - 16;
    check_status("i64.load offset 8 at the end", WP_OK, 0, run(fx, 2, s, &err), &err);
    s[0] = MEM_SIZE - 15;
    check_status("i64.load offset 8 one past", WP_ERR_TRAP, WP_TRAP_MEMORY_OOB,
                 run(fx, 2, s, &err), &err);
    s[0] = 0xfffffff8;
    check_status("i64.load address + offset past 4 GiB", WP_ERR_TRAP, WP_TRAP_MEMORY_OOB,
                 run(fx, 2, s, &err), &err);
    s[0] = 0x100000000;   /* the high half of the address slot is ignored */
    check_status("address reads only the low half", WP_OK, 0, run(fx, 1, s, &err), &err);

    /* f6(d, v, n) memory.fill; f7(d, s, n) memory.copy; f8(d, s, n) memory.init 0;
     * f7 also returns memory.size; f6 data.drop when n == 12345 */
    emit(&fx->code[6], IOP_memory_fill, 3, 0, 1, 2);
    emit(&fx->code[6], IOP_return, 0);
    define(fx, 6, 3, 3, 3, 0);
    emit(&fx->code[7], IOP_memory_copy, 3, 0, 1, 2);
    emit(&fx->code[7], IOP_memory_size, 1, 0);
    emit(&fx->code[7], IOP_return, 0);
    define(fx, 7, 3, 3, 3, 1);

    uint64_t f[3] = { 10, 0x1ab, 5 };
    check_status("memory.fill", WP_OK, 0, run(fx, 6, f, &err), &err);
    check_true("memory.fill", "bytes 10..14 = 0xab, 15 untouched",
               mem[10] == 0xab && mem[14] == 0xab && mem[15] == 0 && mem[9] == 0);
    f[0] = MEM_SIZE - 4; f[1] = 1; f[2] = 5;
    check_status("memory.fill past the end", WP_ERR_TRAP, WP_TRAP_MEMORY_OOB, run(fx, 6, f, &err), &err);
    check_true("memory.fill past the end", "nothing written", mem[MEM_SIZE - 4] == 0xdd);
    f[0] = MEM_SIZE; f[2] = 0;
    check_status("memory.fill of 0 at the end", WP_OK, 0, run(fx, 6, f, &err), &err);

    uint64_t c[3] = { 12, 10, 5 };
    check_status("memory.copy overlapping", WP_OK, 0, run(fx, 7, c, &err), &err);
    check_true("memory.copy overlapping", "bytes 12..16 = 0xab, 10..11 kept",
               mem[10] == 0xab && mem[11] == 0xab && mem[16] == 0xab && mem[17] == 0);
    check_u64("memory.size", "pages", 1, c[0]);
    c[0] = 0; c[1] = MEM_SIZE - 2; c[2] = 3;
    check_status("memory.copy source past the end", WP_ERR_TRAP, WP_TRAP_MEMORY_OOB,
                 run(fx, 7, c, &err), &err);
    check_true("memory.copy source past the end", "nothing written", mem[0] == 0);

    /* Accesses that add their address from two slots: the sum wraps at 32
     * bits before the offset is added in 64. f2(a, b) stores 0x5a6b7c8d at
     * a + b + 4, f3(a, b) loads it back; f4(a, b) stores the byte, f5(a, b)
     * loads it sign-extended. */
    for (uint32_t k = 2; k <= 5; k++)
        fx->code[k].n = 0;
    emit(&fx->code[2], IOP_i32_store_add, 4, 0, 1, 2, 4);
    emit(&fx->code[3], IOP_i32_load_add, 4, 0, 0, 1, 4);
    emit(&fx->code[4], IOP_i32_store8_add, 4, 0, 1, 2, 0);
    emit(&fx->code[5], IOP_i32_load8_s_add, 4, 0, 0, 1, 0);
    for (uint32_t k = 2; k <= 5; k++) {
        emit(&fx->code[k], IOP_return, 0);
        define(fx, k, k % 2 == 0 ? 3 : 2, k % 2 == 0 ? 3 : 2, 3, k % 2 == 0 ? 0 : 1);
    }
    uint64_t ab[3] = { 0xfffffff0, 0x20, 0x5a6b7c8d };   /* (a + b) mod 2^32 = 0x10 */
    check_status("store a + b", WP_OK, 0, run(fx, 2, ab, &err), &err);
    check_true("store a + b", "bytes at 0x14", mem[0x14] == 0x8d && mem[0x17] == 0x5a);
    ab[0] = 0xfffffff0; ab[1] = 0x20;
    check_status("load a + b", WP_OK, 0, run(fx, 3, ab, &err), &err);
    check_u64("load a + b", "the stored word", 0x5a6b7c8d, ab[0]);
    ab[0] = 7; ab[1] = MEM_SIZE - 7; ab[2] = 0x80;
    check_status("store8 a + b past the end", WP_ERR_TRAP, WP_TRAP_MEMORY_OOB,
                 run(fx, 4, ab, &err), &err);
    ab[0] = 7; ab[1] = MEM_SIZE - 8; ab[2] = 0x80;
    check_status("store8 a + b at the end", WP_OK, 0, run(fx, 4, ab, &err), &err);
    ab[0] = MEM_SIZE - 8; ab[1] = 7;
    check_status("load8_s a + b", WP_OK, 0, run(fx, 5, ab, &err), &err);
    check_u64("load8_s a + b", "sign-extended to 32 bits", 0xffffff80, ab[0]);

    /* Stores of a sum: f2(addr, a, b) stores the i32 a + b at addr + 4,
     * f4(addr, a, b) its low byte at addr. */
    fx->code[2].n = fx->code[4].n = 0;
    emit(&fx->code[2], IOP_i32_store_sum, 4, 0, 1, 2, 4);
    emit(&fx->code[4], IOP_i32_store8_sum, 4, 0, 1, 2, 0);
    emit(&fx->code[2], IOP_return, 0);
    emit(&fx->code[4], IOP_return, 0);
    define(fx, 2, 3, 3, 3, 0);
    define(fx, 4, 3, 3, 3, 0);
    uint64_t sv[3] = { 0x40, 0xfffffff0, 0x100000013 };   /* the sum wraps to 3 */
    check_status("store a sum", WP_OK, 0, run(fx, 2, sv, &err), &err);
    check_true("store a sum", "3 at 0x44", mem[0x44] == 3 && mem[0x45] == 0 && mem[0x47] == 0);
    sv[0] = 0x50; sv[1] = 0x1ff; sv[2] = 2;
    check_status("store8 a sum", WP_OK, 0, run(fx, 4, sv, &err), &err);
    check_true("store8 a sum", "the low byte 01 at 0x50", mem[0x50] == 1 && mem[0x51] == 0);
    sv[0] = MEM_SIZE - 3; sv[1] = 1; sv[2] = 2;
    check_status("store a sum past the end", WP_ERR_TRAP, WP_TRAP_MEMORY_OOB,
                 run(fx, 2, sv, &err), &err);

    /* memory.init from "hello", then data.drop. */
    asm_buf *a = &fx->code[0];
    a->n = 0;
    emit(a, IOP_memory_init, 4, 0, 0, 1, 2);
    emit(a, IOP_return, 0);
    define(fx, 0, 3, 3, 3, 0);
    uint64_t in[3] = { 300, 1, 4 };
    check_status("memory.init", WP_OK, 0, run(fx, 0, in, &err), &err);
    check_true("memory.init", "\"ello\" at 300", memcmp(mem + 300, "ello", 4) == 0 && mem[304] == 0);
    in[0] = 400; in[1] = 2; in[2] = 4;
    check_status("memory.init past the segment", WP_ERR_TRAP, WP_TRAP_MEMORY_OOB,
                 run(fx, 0, in, &err), &err);
    check_true("memory.init past the segment", "nothing written", mem[400] == 0);
    a = &fx->code[1];
    a->n = 0;
    emit(a, IOP_data_drop, 1, 0);
    emit(a, IOP_return, 0);
    define(fx, 1, 0, 0, 0, 0);
    run(fx, 1, in, &err);
    in[0] = 400; in[1] = 0; in[2] = 0;
    check_status("memory.init of 0 after drop", WP_OK, 0, run(fx, 0, in, &err), &err);
    in[2] = 1;
    check_status("memory.init of 1 after drop", WP_ERR_TRAP, WP_TRAP_MEMORY_OOB,
                 run(fx, 0, in, &err), &err);

    /* memory.grow: by 0 gives the size; past the maximum gives -1. */
    a = &fx->code[2];
    a->n = 0;
    emit(a, IOP_memory_grow, 2, 1, 0);
    emit(a, IOP_mov, 2, 0, 1);
    emit(a, IOP_return, 0);
    define(fx, 2, 1, 1, 2, 1);
    uint64_t g[1] = { 0 };
    run(fx, 2, g, &err);
    check_u64("memory.grow 0", "old size", 1, g[0]);
    g[0] = 1;
    run(fx, 2, g, &err);
    check_u64("memory.grow past max", "-1 as an i32", 0xffffffff, g[0]);
    fixture_free(fx);

    /* No memory at all: every access is out of bounds. */
    fx = fixture_new(64, 4, false);
    emit(&fx->code[0], IOP_i32_load8_u, 3, 0, 0, 0);
    emit(&fx->code[0], IOP_return, 0);
    define(fx, 0, 1, 1, 1, 1);
    uint64_t z[1] = { 0 };
    check_status("load without memory", WP_ERR_TRAP, WP_TRAP_MEMORY_OOB, run(fx, 0, z, &err), &err);
    fixture_free(fx);
}

/* ---------------------------------------------------------------- globals, references, tables */

static void test_tables_globals(void)
{
    fixture *fx = fixture_new(1024, 16, false);
    wp_error err;

    /* f0(x): g0 += x; return g0 */
    asm_buf *a = &fx->code[0];
    emit(a, IOP_global_get, 2, 1, 0);
    emit(a, IOP_i32_add, 3, 1, 1, 0);
    emit(a, IOP_global_set, 2, 0, 1);
    emit(a, IOP_mov, 2, 0, 1);
    emit(a, IOP_return, 0);
    define(fx, 0, 1, 1, 2, 1);
    fx->global.val[0] = 40;
    uint64_t s[4] = { 2 };
    run(fx, 0, s, &err);
    check_u64("global", "returned", 42, s[0]);
    check_u64("global", "stored", 42, fx->global.val[0]);

    /* f1(): [ref.is_null(ref.func 3), ref.is_null(ref.null), ref.func 3] */
    a = &fx->code[1];
    emit(a, IOP_ref_func, 2, 2, 3);
    emit(a, IOP_ref_is_null, 2, 0, 2);
    emit(a, IOP_ref_null, 1, 1);
    emit(a, IOP_ref_is_null, 2, 1, 1);
    emit(a, IOP_return, 0);
    define(fx, 1, 0, 0, 3, 3);
    run(fx, 1, s, &err);
    check_u64("ref.func", "is_null", 0, s[0]);
    check_u64("ref.null", "is_null", 1, s[1]);
    check_u64("ref.func", "the function's pointer", (uint64_t)(uintptr_t)&fx->funcs[3], s[2]);

    /* f2(i, ref): table.set 0 i ref; table.get; table.size */
    a = &fx->code[2];
    emit(a, IOP_table_set, 3, 0, 0, 1);
    emit(a, IOP_table_get, 3, 0, 0, 0);
    emit(a, IOP_table_size, 2, 1, 0);
    emit(a, IOP_return, 0);
    define(fx, 2, 2, 2, 2, 2);
    s[0] = 2; s[1] = (uint64_t)(uintptr_t)&fx->funcs[4];
    check_status("table.set/get", WP_OK, 0, run(fx, 2, s, &err), &err);
    check_u64("table.get", "the stored ref", (uint64_t)(uintptr_t)&fx->funcs[4], s[0]);
    check_u64("table.size", "size", 3, s[1]);
    s[0] = 3;
    check_status("table.set past the end", WP_ERR_TRAP, WP_TRAP_TABLE_OOB, run(fx, 2, s, &err), &err);

    /* f3(d, s, n): table.copy 0 0; table.init 0 0 at d from s, n;
     * f4(i, v, n): table.fill; f5(n): table.grow with null */
    a = &fx->code[3];
    emit(a, IOP_table_copy, 5, 0, 0, 0, 1, 2);
    emit(a, IOP_return, 0);
    define(fx, 3, 3, 3, 3, 0);
    a = &fx->code[4];
    emit(a, IOP_table_init, 5, 0, 0, 0, 1, 2);
    emit(a, IOP_return, 0);
    define(fx, 4, 3, 3, 3, 0);
    a = &fx->code[5];
    emit(a, IOP_table_fill, 4, 0, 0, 1, 2);
    emit(a, IOP_return, 0);
    define(fx, 5, 3, 3, 3, 0);
    a = &fx->code[6];
    emit(a, IOP_ref_null, 1, 1);
    emit(a, IOP_table_grow, 4, 0, 0, 1, 0);
    emit(a, IOP_elem_drop, 1, 0);
    emit(a, IOP_return, 0);
    define(fx, 6, 1, 1, 2, 1);

    void *A = &fx->funcs[5], *B = &fx->funcs[6];
    fx->table_elems[0] = A; fx->table_elems[1] = B; fx->table_elems[2] = NULL;
    uint64_t t[3] = { 1, 0, 2 };
    check_status("table.copy overlapping", WP_OK, 0, run(fx, 3, t, &err), &err);
    check_true("table.copy overlapping", "[A, A, B]",
               fx->table_elems[0] == A && fx->table_elems[1] == A && fx->table_elems[2] == B);
    t[0] = 0; t[1] = 2; t[2] = 2;
    check_status("table.copy past the end", WP_ERR_TRAP, WP_TRAP_TABLE_OOB, run(fx, 3, t, &err), &err);

    fx->segment[0] = NULL; fx->segment[1] = B; fx->segment[2] = A; fx->segment[3] = B;
    t[0] = 0; t[1] = 1; t[2] = 3;
    check_status("table.init", WP_OK, 0, run(fx, 4, t, &err), &err);
    check_true("table.init", "[B, A, B]",
               fx->table_elems[0] == B && fx->table_elems[1] == A && fx->table_elems[2] == B);
    t[0] = 0; t[1] = 2; t[2] = 3;
    check_status("table.init past the segment", WP_ERR_TRAP, WP_TRAP_TABLE_OOB,
                 run(fx, 4, t, &err), &err);
    check_true("table.init past the segment", "nothing written", fx->table_elems[0] == B);

    uint64_t fl[3] = { 1, (uint64_t)(uintptr_t)A, 2 };
    check_status("table.fill", WP_OK, 0, run(fx, 5, fl, &err), &err);
    check_true("table.fill", "[B, A, A]", fx->table_elems[1] == A && fx->table_elems[2] == A);
    fl[0] = 2; fl[2] = 2; fl[1] = 0;
    check_status("table.fill past the end", WP_ERR_TRAP, WP_TRAP_TABLE_OOB, run(fx, 5, fl, &err), &err);
    check_true("table.fill past the end", "nothing written", fx->table_elems[2] == A);

    uint64_t gr[1] = { 0 };
    run(fx, 6, gr, &err);
    check_u64("table.grow 0", "old size", 3, gr[0]);
    check_u64("elem.drop", "segment length", 0, fx->elem_len[0]);
    gr[0] = 1;
    run(fx, 6, gr, &err);
    check_u64("table.grow past max", "-1 as an i32", 0xffffffff, gr[0]);
    t[0] = 0; t[1] = 0; t[2] = 0;
    check_status("table.init of 0 after drop", WP_OK, 0, run(fx, 4, t, &err), &err);
    t[2] = 1;
    check_status("table.init of 1 after drop", WP_ERR_TRAP, WP_TRAP_TABLE_OOB, run(fx, 4, t, &err), &err);
    fixture_free(fx);
}

/* ---------------------------------------------------------------- host calls and instances */

typedef struct host_state {
    fixture *fx;
    uint32_t guest;          /* function the host calls back into */
    int      calls;
    int      interrupt_at;   /* 0: never */
    bool     top_ok;
    wp_status fail_with;
    bool     fill_err;
} host_state;

/* host(x) = 2 * guest(x), calling back into the guest through the same exec. */
static wp_status host_twice(wp_call *call, void *user, uint64_t *slots)
{
    host_state *hs = user;
    hs->calls++;
    if (hs->interrupt_at != 0 && hs->calls == hs->interrupt_at)
        atomic_store(&call->exec->interrupt, 1);
    if (hs->fail_with != WP_OK) {
        if (hs->fill_err)
            rt_trap(call->err, WP_TRAP_HOST, "host_twice");
        return hs->fail_with;
    }
    /* The nested call must start above every live slot of the caller. */
    hs->top_ok = call->exec->top > slots && call->exec->frame_top > call->exec->frames;
    if (hs->guest == UINT32_MAX)
        return WP_OK;
    uint64_t inner[1] = { slots[0] };
    wp_status s = rt_interp_call(call->exec, &hs->fx->funcs[hs->guest], inner, call->err);
    if (s != WP_OK)
        return s;
    slots[0] = (uint32_t)(inner[0] * 2);
    return WP_OK;
}

static void test_host_calls(void)
{
    fixture *fx = fixture_new(1024, 16, false);
    wp_error err;
    host_state hs = { .fx = fx, .guest = 2 };
    define_host(fx, 1, host_twice, &hs, "host_twice");

    /* f0(x) = f3(x): f3(x) = host(x) + 1; the host calls f2(x) = x + 100 */
    asm_buf *a = &fx->code[0];
    emit(a, IOP_mov, 2, 1, 0);
    emit(a, IOP_call, 2, 3, 1);
    emit(a, IOP_mov, 2, 0, 1);
    emit(a, IOP_return, 0);
    define(fx, 0, 1, 1, 3, 1);
    a = &fx->code[3];
    emit(a, IOP_mov, 2, 2, 0);
    emit(a, IOP_call, 2, 1, 2);
    emit(a, IOP_const32, 2, 1, 1);
    emit(a, IOP_i32_add, 3, 0, 2, 1);
    emit(a, IOP_return, 0);
    define(fx, 3, 1, 1, 4, 1);
    a = &fx->code[2];
    emit(a, IOP_const32, 2, 1, 100);
    emit(a, IOP_i32_add, 3, 0, 0, 1);
    emit(a, IOP_return, 0);
    define(fx, 2, 1, 1, 2, 1);

    uint64_t s[1] = { 5 };
    check_status("host re-entry", WP_OK, 0, run(fx, 0, s, &err), &err);
    check_u64("host re-entry", "2 * (5 + 100) + 1", 211, s[0]);
    check_true("host re-entry", "exec->top and frame_top above the caller during the host call",
               hs.top_ok);
    check_exec_clean("host re-entry", fx);

    /* A guest trap inside the re-entry comes back through the host. */
    a = &fx->code[4];
    emit(a, IOP_unreachable, 0);
    define(fx, 4, 1, 1, 1, 1);
    hs.guest = 4;
    check_status("trap inside re-entry", WP_ERR_TRAP, WP_TRAP_UNREACHABLE, run(fx, 0, s, &err), &err);
    check_exec_clean("trap inside re-entry", fx);

    /* A failing host: its status and message come back as they are. */
    hs.guest = 2;
    hs.fail_with = WP_ERR_TRAP;
    hs.fill_err = true;
    check_status("host trap", WP_ERR_TRAP, WP_TRAP_HOST, run(fx, 0, s, &err), &err);
    check_true("host trap", "the host's message", strstr(err.msg, "host_twice") != NULL);
    check_exec_clean("host trap", fx);
    hs.fill_err = false;
    hs.fail_with = WP_ERR_NOMEM;
    check_status("host fails silently", WP_ERR_NOMEM, 0, run(fx, 0, s, &err), &err);
    check_true("host fails silently", "a message naming the host",
               strstr(err.msg, "host_twice") != NULL);
    check_exec_clean("host fails silently", fx);

    /* Re-entries are capped even when each one costs no guest stack. The
     * guest f5 calls the host, which calls f5 again. */
    a = &fx->code[5];
    emit(a, IOP_call, 2, 1, 0);
    emit(a, IOP_return, 0);
    define(fx, 5, 1, 1, 1, 1);
    hs.fail_with = WP_OK;
    hs.guest = 5;
    hs.calls = 0;
    check_status("endless re-entry", WP_ERR_TRAP, WP_TRAP_STACK_EXHAUSTED, run(fx, 5, s, &err), &err);
    check_exec_clean("endless re-entry", fx);
    fixture_free(fx);
}

static void test_interrupt(void)
{
    fixture *fx = fixture_new(1024, 16, false);
    wp_error err;
    host_state hs = { .fx = fx, .guest = UINT32_MAX, .interrupt_at = 10 };
    define_host(fx, 1, host_twice, &hs, "host");

    assemble_sum(&fx->code[0]);
    define(fx, 0, 1, 3, 5, 1);
    atomic_store(&fx->inst.exec.interrupt, 1);
    uint64_t s[1] = { 1000 };
    check_status("interrupt at a loop", WP_ERR_TRAP, WP_TRAP_INTERRUPTED, run(fx, 0, s, &err), &err);
    check_exec_clean("interrupt at a loop", fx);

    /* A call checks too, with no loop in sight. */
    emit(&fx->code[2], IOP_call, 2, 3, 0);
    emit(&fx->code[2], IOP_return, 0);
    define(fx, 2, 0, 0, 1, 0);
    emit(&fx->code[3], IOP_return, 0);
    define(fx, 3, 0, 0, 0, 0);
    check_status("interrupt at a call", WP_ERR_TRAP, WP_TRAP_INTERRUPTED, run(fx, 2, s, &err), &err);

    /* Raised while running: a loop calls the host, which sets the flag on
     * its 10th call; the loop stops at the next check. */
    atomic_store(&fx->inst.exec.interrupt, 0);
    asm_buf *a = &fx->code[4];
    uint32_t loop = a->n;
    emit(a, IOP_call, 2, 1, 1);
    emit(a, IOP_br, 1, loop);
    define(fx, 4, 0, 0, 2, 0);
    check_status("interrupt while running", WP_ERR_TRAP, WP_TRAP_INTERRUPTED,
                 run(fx, 4, s, &err), &err);
    check_u64("interrupt while running", "host calls", 10, (uint64_t)hs.calls);
    check_exec_clean("interrupt while running", fx);

    /* A loop without calls stops at its back-edge (a fused compare and
     * branch here: 0 < 1 always holds); forward branches do not check. */
    atomic_store(&fx->inst.exec.interrupt, 1);
    a = &fx->code[5];
    emit(a, IOP_enter, 7, 0, 0, 2, 0, 0, 1, 0);
    emit(a, IOP_br, 1, a->n + 2);
    loop = a->n;
    emit(a, IOP_br_i32_lt_u, 3, 0, 1, loop);
    emit(a, IOP_return, 0);
    define(fx, 5, 0, 0, 2, 0);
    check_status("interrupt in a loop", WP_ERR_TRAP, WP_TRAP_INTERRUPTED, run(fx, 5, s, &err),
                 &err);
    check_exec_clean("interrupt in a loop", fx);
    fixture_free(fx);
}

/* An imported function runs with its own instance's memory; the caller's
 * memory is back when it returns. */
static void test_instances(void)
{
    fixture *fa = fixture_new(1024, 16, true);
    fixture *fb = fixture_new(16, 1, true);
    wp_error err;
    fa->memory.data[8] = 0x17;
    fb->memory.data[8] = 0x42;
    emit(&fb->code[0], IOP_i32_load8_u, 3, 0, 0, 0);
    emit(&fb->code[0], IOP_return, 0);
    define(fb, 0, 1, 1, 1, 1);
    fa->func_ptrs[1] = &fb->funcs[0];
    fa->module.nfunc_imports = 0;

    asm_buf *a = &fa->code[0];
    emit(a, IOP_mov, 2, 1, 0);
    emit(a, IOP_call, 2, 1, 1);
    emit(a, IOP_i32_load8_u, 3, 2, 0, 0);
    emit(a, IOP_i32_add, 3, 0, 1, 2);
    emit(a, IOP_return, 0);
    define(fa, 0, 1, 1, 3, 1);
    uint64_t s[1] = { 8 };
    check_status("cross-instance call", WP_OK, 0, run(fa, 0, s, &err), &err);
    check_u64("cross-instance call", "0x42 from B + 0x17 from A", 0x59, s[0]);
    check_exec_clean("cross-instance call", fa);
    check_true("cross-instance call", "B's exec untouched",
               fb->inst.exec.top == fb->inst.exec.stack && fb->inst.exec.depth == 0);
    fixture_free(fa);
    fixture_free(fb);
}

int main(void)
{
    test_ops();
    test_branches();
    test_control();
    test_calls();
    test_stack_exhaustion();
    test_call_indirect();
    test_memory();
    test_tables_globals();
    test_host_calls();
    test_interrupt();
    test_instances();
    printf("test_interp: %d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
