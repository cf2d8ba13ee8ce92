/* The interpreter: runs the internal code of code.h. One call of
 * rt_interp_call runs a WebAssembly function and every wasm function it
 * calls, in one C function and one loop, so that the instruction pointer,
 * the frame pointer and memory 0's base and size stay in registers. A wasm
 * call pushes an rt_frame on the exec's frame stack and moves fp up the
 * value stack; it never recurses in C, so deep recursion is a trap and not
 * a host stack overflow. Only host functions that call back into the guest
 * nest rt_interp_call, and that nesting is capped.
 *
 * Dispatch is a computed goto per handler where the compiler has it (every
 * handler ends in its own indirect jump, which predicts far better than a
 * shared one), a switch otherwise; the choice is made by the few macros
 * below and nowhere else. Handlers are written out one by one in the order
 * of the rt_iop enum; the label table is generated from the same X-macros
 * as the enum, so a missing handler does not compile.
 */
#include <stdio.h>
#include <string.h>

#include "rt.h"
#include "code.h"
#include "numeric.h"
#include "simd_ops.h"
#include "tier.h"

/* ---------------------------------------------------------------- linear memory */

/* Loads and stores are unaligned and little-endian; memcpy compiles to one
 * move on the targets that matter. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
static inline uint16_t le16(uint16_t v) { return __builtin_bswap16(v); }
static inline uint32_t le32(uint32_t v) { return __builtin_bswap32(v); }
static inline uint64_t le64(uint64_t v) { return __builtin_bswap64(v); }
#else
static inline uint16_t le16(uint16_t v) { return v; }
static inline uint32_t le32(uint32_t v) { return v; }
static inline uint64_t le64(uint64_t v) { return v; }
#endif

static inline uint32_t load16(const uint8_t *p)
{
    uint16_t v;
    memcpy(&v, p, sizeof v);
    return le16(v);
}

static inline uint32_t load32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return le32(v);
}

static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof v);
    return le64(v);
}

static inline void store16(uint8_t *p, uint64_t v)
{
    uint16_t x = le16((uint16_t)v);
    memcpy(p, &x, sizeof x);
}

static inline void store32(uint8_t *p, uint64_t v)
{
    uint32_t x = le32((uint32_t)v);
    memcpy(p, &x, sizeof x);
}

static inline void store64(uint8_t *p, uint64_t v)
{
    uint64_t x = le64(v);
    memcpy(p, &x, sizeof x);
}

/* Memory 0 of an instance, or an empty one if it has none, so the loop can
 * cache base and size unconditionally (every access to an empty memory is
 * out of bounds). */
static inline const wp_memory *memory0(const wp_instance *inst)
{
    static const wp_memory no_memory;
    return inst->module->nmemories > 0 ? inst->memories[0] : &no_memory;
}

/* ---------------------------------------------------------------- traps */

/* The callee of call_indirect and return_call_indirect: entry i of the
 * table, which must exist, be set and have the expected type. */
static inline wp_trap_kind indirect_callee(const wp_instance *inst, uint32_t type,
                                           uint32_t table, uint32_t i, wp_func **out)
{
    const wp_table *t = inst->tables[table];
    if (i >= t->size)
        return WP_TRAP_UNDEFINED_ELEMENT;
    wp_func *f = t->elems[i];
    if (f == NULL)
        return WP_TRAP_UNINITIALIZED;
    if (f->type_id != inst->module->types[type].id)
        return WP_TRAP_INDIRECT_TYPE;
    *out = f;
    return WP_TRAP_NONE;
}

/* The module offset of the instruction at ip in f's code. Only the trap
 * path asks: the loop keeps no position of its own. */
static uint32_t offset_in(const wp_func *f, const uint32_t *ip)
{
    return rt_code_offset(atomic_load_explicit(&f->code, memory_order_relaxed), ip);
}

/* Adds the callers of a trap to err's call stack: the frames of this call,
 * from the innermost (frame - 1) out to frame0, each at its call (the
 * instruction just before its return address). */
static void add_callers(wp_error *err, const rt_frame *frame, const rt_frame *frame0)
{
    while (frame > frame0) {
        frame--;
        const wp_func *g = frame->func;
        rt_error_add_frame(err, g->inst->module, g->index, offset_in(g, frame->ret_ip - 1));
    }
}

/* ---------------------------------------------------------------- dispatch */

/* Operands of the current instruction: OP(n) is the n-th word after the
 * opcode, SLOT(n) the frame slot it names, and U32/F32/F64 that slot's
 * value read as the type (i32 and f32 in the low 32 bits). */
#define OP(n)  (ip[n])
#define SLOT(n) (fp[ip[n]])
#define U32(n) ((uint32_t)fp[ip[n]])
#define F32(n) (rt_f32_from_bits((uint32_t)fp[ip[n]]))
#define F64(n) (rt_f64_from_bits(fp[ip[n]]))

#if WP_USE_COMPUTED_GOTO
#define CASE(id)         L_##id:
#define NEXT()           goto *labels[*ip]
#define DISPATCH_BEGIN() NEXT();
#define DISPATCH_END()
#else
#define CASE(id)         case IOP_##id:
#define NEXT()           goto dispatch
#define DISPATCH_BEGIN() dispatch: switch ((rt_iop)*ip) {
/* An op the enum does not know falls out of the switch and is reported as
 * an internal error by the trap path (trap_kind still WP_TRAP_NONE). */
#define DISPATCH_END()   case IOP__COUNT: break; } goto trap;
#endif

/* Keeps the compiler from turning a short loop into a call of memset,
 * which costs more than the few slots such a loop clears. */
#if defined(__GNUC__)
#define SHORT_LOOP(p) __asm__("" : "+r"(p))
#else
#define SHORT_LOOP(p) ((void)0)
#endif

#define TRAP(kind) do { trap_kind = (kind); goto trap; } while (0)

/* A wasm callee of another instance whose module new calls run natively
 * (tier.h) is called like a host function; the interpreter keeps running
 * what its own instance calls, which is also where a call in flight stays
 * when its module switches tier. */
#define NATIVE_CALLEE(callee, inst)                                           \
    ((callee)->inst != (inst) &&                                              \
     rt_module_tier((callee)->inst->module)->call != rt_interp_call)

/* A taken branch to word `target`. One to an earlier word closes a loop:
 * it checks for an interrupt there, so that every loop iteration does. */
#define JUMP(target)                                                          \
    do {                                                                      \
        const uint32_t *to_ = words + (target);                               \
        if (to_ <= ip &&                                                      \
            atomic_load_explicit(&exec->interrupt, memory_order_relaxed) != 0)\
            TRAP(WP_TRAP_INTERRUPTED);                                        \
        ip = to_;                                                             \
        NEXT();                                                               \
    } while (0)

wp_status rt_interp_call(rt_exec *exec, wp_func *f, uint64_t *slots, wp_error *err)
{
#if WP_USE_COMPUTED_GOTO
    static const void *const labels[] = {
#define UN(code, id, name, a, r) &&L_##id,
#define BIN(code, id, name, a, r) &&L_##id,
#define LOAD(code, id, name, r, al) &&L_##id,
#define STORE(code, id, name, a, al) &&L_##id,
#include "opcodes.def"
#define X(id) &&L_##id,
        RT_INTERNAL_OPS(X)
#undef X
#define SIMD_ROW(id, name, layout) &&L_##id,
#include "simd.def"
    };
    _Static_assert(sizeof labels / sizeof labels[0] == IOP__COUNT,
                   "every internal op needs exactly one handler");
#endif

    if (NEVER(f == NULL || f->kind != RT_FUNC_WASM || f->code == NULL || f->inst == NULL))
        return rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX,
                       "interpreter: called with something that is not a wasm function");
    const rt_code *fc;
    wp_status fs = rt_func_code(f, &fc, err);
    if (fs != WP_OK)
        return fs;

    /* What the caller sees again when this call ends, however it ends. */
    uint64_t *const top0 = exec->top;
    rt_frame *const frame0 = exec->frame_top;

    /* The machine: current function, its code, its frame, its instance and
     * that instance's memory 0. */
    wp_func *func = f;
    wp_instance *inst = f->inst;
    const uint32_t *words = fc->words;
    const uint32_t *ip = fc->entry;
    uint64_t *fp = top0;
    rt_frame *frame = frame0;
    const wp_memory *m0 = memory0(inst);
    uint8_t *mem = m0->data;
    uint64_t mem_size = m0->size;

    /* Set by a call instruction for the shared call path (do_call). */
    wp_func *callee = NULL;
    uint64_t *call_fp = NULL;
    const uint32_t *next_ip = NULL;

    wp_trap_kind trap_kind = WP_TRAP_NONE;
    wp_status status = WP_OK;

    exec->depth++;
    /* Each host -> guest re-entry costs C stack that the frame stack does
     * not see, so their nesting has its own cap. */
    if (exec->depth > WP_MAX_REENTRY_DEPTH ||
        (size_t)(exec->stack_end - fp) < fc->frame_slots)
        TRAP(WP_TRAP_STACK_EXHAUSTED);
    if (fc->nparams > 0)
        memmove(fp, slots, (size_t)fc->nparams * sizeof *fp);

    DISPATCH_BEGIN()

    /* ------------------------------------------------ memory: loads (S:dst S:addr I:offset) */

    CASE(i32_load) {
        uint64_t ea = (uint64_t)U32(2) + OP(3);
        if (ea + 4 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        SLOT(1) = load32(mem + ea);
        ip += 4;
        NEXT();
    }
    CASE(i64_load) {
        uint64_t ea = (uint64_t)U32(2) + OP(3);
        if (ea + 8 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        SLOT(1) = load64(mem + ea);
        ip += 4;
        NEXT();
    }
    CASE(f32_load) {
        uint64_t ea = (uint64_t)U32(2) + OP(3);
        if (ea + 4 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        SLOT(1) = load32(mem + ea);
        ip += 4;
        NEXT();
    }
    CASE(f64_load) {
        uint64_t ea = (uint64_t)U32(2) + OP(3);
        if (ea + 8 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        SLOT(1) = load64(mem + ea);
        ip += 4;
        NEXT();
    }
    CASE(i32_load8_s) {
        uint64_t ea = (uint64_t)U32(2) + OP(3);
        if (ea + 1 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        SLOT(1) = rt_i32_extend8_s(mem[ea]);
        ip += 4;
        NEXT();
    }
    CASE(i32_load8_u) {
        uint64_t ea = (uint64_t)U32(2) + OP(3);
        if (ea + 1 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        SLOT(1) = mem[ea];
        ip += 4;
        NEXT();
    }
    CASE(i32_load16_s) {
        uint64_t ea = (uint64_t)U32(2) + OP(3);
        if (ea + 2 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        SLOT(1) = rt_i32_extend16_s(load16(mem + ea));
        ip += 4;
        NEXT();
    }
    CASE(i32_load16_u) {
        uint64_t ea = (uint64_t)U32(2) + OP(3);
        if (ea + 2 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        SLOT(1) = load16(mem + ea);
        ip += 4;
        NEXT();
    }
    CASE(i64_load8_s) {
        uint64_t ea = (uint64_t)U32(2) + OP(3);
        if (ea + 1 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        SLOT(1) = rt_i64_extend8_s(mem[ea]);
        ip += 4;
        NEXT();
    }
    CASE(i64_load8_u) {
        uint64_t ea = (uint64_t)U32(2) + OP(3);
        if (ea + 1 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        SLOT(1) = mem[ea];
        ip += 4;
        NEXT();
    }
    CASE(i64_load16_s) {
        uint64_t ea = (uint64_t)U32(2) + OP(3);
        if (ea + 2 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        SLOT(1) = rt_i64_extend16_s(load16(mem + ea));
        ip += 4;
        NEXT();
    }
    CASE(i64_load16_u) {
        uint64_t ea = (uint64_t)U32(2) + OP(3);
        if (ea + 2 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        SLOT(1) = load16(mem + ea);
        ip += 4;
        NEXT();
    }
    CASE(i64_load32_s) {
        uint64_t ea = (uint64_t)U32(2) + OP(3);
        if (ea + 4 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        SLOT(1) = rt_i64_extend32_s(load32(mem + ea));
        ip += 4;
        NEXT();
    }
    CASE(i64_load32_u) {
        uint64_t ea = (uint64_t)U32(2) + OP(3);
        if (ea + 4 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        SLOT(1) = load32(mem + ea);
        ip += 4;
        NEXT();
    }

    /* ------------------------------------------------ memory: stores (S:addr S:value I:offset) */

    CASE(i32_store) {
        uint64_t ea = (uint64_t)U32(1) + OP(3);
        if (ea + 4 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        store32(mem + ea, SLOT(2));
        ip += 4;
        NEXT();
    }
    CASE(i64_store) {
        uint64_t ea = (uint64_t)U32(1) + OP(3);
        if (ea + 8 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        store64(mem + ea, SLOT(2));
        ip += 4;
        NEXT();
    }
    CASE(f32_store) {
        uint64_t ea = (uint64_t)U32(1) + OP(3);
        if (ea + 4 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        store32(mem + ea, SLOT(2));
        ip += 4;
        NEXT();
    }
    CASE(f64_store) {
        uint64_t ea = (uint64_t)U32(1) + OP(3);
        if (ea + 8 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        store64(mem + ea, SLOT(2));
        ip += 4;
        NEXT();
    }
    CASE(i32_store8) {
        uint64_t ea = (uint64_t)U32(1) + OP(3);
        if (ea + 1 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        mem[ea] = (uint8_t)SLOT(2);
        ip += 4;
        NEXT();
    }
    CASE(i32_store16) {
        uint64_t ea = (uint64_t)U32(1) + OP(3);
        if (ea + 2 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        store16(mem + ea, SLOT(2));
        ip += 4;
        NEXT();
    }
    CASE(i64_store8) {
        uint64_t ea = (uint64_t)U32(1) + OP(3);
        if (ea + 1 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        mem[ea] = (uint8_t)SLOT(2);
        ip += 4;
        NEXT();
    }
    CASE(i64_store16) {
        uint64_t ea = (uint64_t)U32(1) + OP(3);
        if (ea + 2 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        store16(mem + ea, SLOT(2));
        ip += 4;
        NEXT();
    }
    CASE(i64_store32) {
        uint64_t ea = (uint64_t)U32(1) + OP(3);
        if (ea + 4 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        store32(mem + ea, SLOT(2));
        ip += 4;
        NEXT();
    }

    /* ------------------------------------------------ i32 / i64 comparisons */

    CASE(i32_eqz)  { SLOT(1) = U32(2) == 0; ip += 3; NEXT(); }
    CASE(i32_eq)   { SLOT(1) = U32(2) == U32(3); ip += 4; NEXT(); }
    CASE(i32_ne)   { SLOT(1) = U32(2) != U32(3); ip += 4; NEXT(); }
    CASE(i32_lt_s) { SLOT(1) = rt_i32_signed(U32(2)) < rt_i32_signed(U32(3)); ip += 4; NEXT(); }
    CASE(i32_lt_u) { SLOT(1) = U32(2) < U32(3); ip += 4; NEXT(); }
    CASE(i32_gt_s) { SLOT(1) = rt_i32_signed(U32(2)) > rt_i32_signed(U32(3)); ip += 4; NEXT(); }
    CASE(i32_gt_u) { SLOT(1) = U32(2) > U32(3); ip += 4; NEXT(); }
    CASE(i32_le_s) { SLOT(1) = rt_i32_signed(U32(2)) <= rt_i32_signed(U32(3)); ip += 4; NEXT(); }
    CASE(i32_le_u) { SLOT(1) = U32(2) <= U32(3); ip += 4; NEXT(); }
    CASE(i32_ge_s) { SLOT(1) = rt_i32_signed(U32(2)) >= rt_i32_signed(U32(3)); ip += 4; NEXT(); }
    CASE(i32_ge_u) { SLOT(1) = U32(2) >= U32(3); ip += 4; NEXT(); }

    CASE(i64_eqz)  { SLOT(1) = SLOT(2) == 0; ip += 3; NEXT(); }
    CASE(i64_eq)   { SLOT(1) = SLOT(2) == SLOT(3); ip += 4; NEXT(); }
    CASE(i64_ne)   { SLOT(1) = SLOT(2) != SLOT(3); ip += 4; NEXT(); }
    CASE(i64_lt_s) { SLOT(1) = rt_i64_signed(SLOT(2)) < rt_i64_signed(SLOT(3)); ip += 4; NEXT(); }
    CASE(i64_lt_u) { SLOT(1) = SLOT(2) < SLOT(3); ip += 4; NEXT(); }
    CASE(i64_gt_s) { SLOT(1) = rt_i64_signed(SLOT(2)) > rt_i64_signed(SLOT(3)); ip += 4; NEXT(); }
    CASE(i64_gt_u) { SLOT(1) = SLOT(2) > SLOT(3); ip += 4; NEXT(); }
    CASE(i64_le_s) { SLOT(1) = rt_i64_signed(SLOT(2)) <= rt_i64_signed(SLOT(3)); ip += 4; NEXT(); }
    CASE(i64_le_u) { SLOT(1) = SLOT(2) <= SLOT(3); ip += 4; NEXT(); }
    CASE(i64_ge_s) { SLOT(1) = rt_i64_signed(SLOT(2)) >= rt_i64_signed(SLOT(3)); ip += 4; NEXT(); }
    CASE(i64_ge_u) { SLOT(1) = SLOT(2) >= SLOT(3); ip += 4; NEXT(); }

    /* ------------------------------------------------ float comparisons (false on NaN, ne true) */

    CASE(f32_eq) { SLOT(1) = F32(2) == F32(3); ip += 4; NEXT(); }
    CASE(f32_ne) { SLOT(1) = F32(2) != F32(3); ip += 4; NEXT(); }
    CASE(f32_lt) { SLOT(1) = F32(2) < F32(3); ip += 4; NEXT(); }
    CASE(f32_gt) { SLOT(1) = F32(2) > F32(3); ip += 4; NEXT(); }
    CASE(f32_le) { SLOT(1) = F32(2) <= F32(3); ip += 4; NEXT(); }
    CASE(f32_ge) { SLOT(1) = F32(2) >= F32(3); ip += 4; NEXT(); }
    CASE(f64_eq) { SLOT(1) = F64(2) == F64(3); ip += 4; NEXT(); }
    CASE(f64_ne) { SLOT(1) = F64(2) != F64(3); ip += 4; NEXT(); }
    CASE(f64_lt) { SLOT(1) = F64(2) < F64(3); ip += 4; NEXT(); }
    CASE(f64_gt) { SLOT(1) = F64(2) > F64(3); ip += 4; NEXT(); }
    CASE(f64_le) { SLOT(1) = F64(2) <= F64(3); ip += 4; NEXT(); }
    CASE(f64_ge) { SLOT(1) = F64(2) >= F64(3); ip += 4; NEXT(); }

    /* ------------------------------------------------ i32 arithmetic (results zero-extended) */

    CASE(i32_clz)    { SLOT(1) = rt_i32_clz(U32(2)); ip += 3; NEXT(); }
    CASE(i32_ctz)    { SLOT(1) = rt_i32_ctz(U32(2)); ip += 3; NEXT(); }
    CASE(i32_popcnt) { SLOT(1) = rt_i32_popcnt(U32(2)); ip += 3; NEXT(); }
    CASE(i32_add)    { SLOT(1) = (uint32_t)(U32(2) + U32(3)); ip += 4; NEXT(); }
    CASE(i32_sub)    { SLOT(1) = (uint32_t)(U32(2) - U32(3)); ip += 4; NEXT(); }
    CASE(i32_mul)    { SLOT(1) = (uint32_t)(U32(2) * U32(3)); ip += 4; NEXT(); }
    CASE(i32_div_s) {
        uint32_t r = 0;
        wp_trap_kind k = rt_i32_div_s(U32(2), U32(3), &r);
        if (k != WP_TRAP_NONE) TRAP(k);
        SLOT(1) = r;
        ip += 4;
        NEXT();
    }
    CASE(i32_div_u) {
        uint32_t b = U32(3);
        if (b == 0) TRAP(WP_TRAP_DIV_ZERO);
        SLOT(1) = U32(2) / b;
        ip += 4;
        NEXT();
    }
    CASE(i32_rem_s) {
        uint32_t r = 0;
        wp_trap_kind k = rt_i32_rem_s(U32(2), U32(3), &r);
        if (k != WP_TRAP_NONE) TRAP(k);
        SLOT(1) = r;
        ip += 4;
        NEXT();
    }
    CASE(i32_rem_u) {
        uint32_t b = U32(3);
        if (b == 0) TRAP(WP_TRAP_DIV_ZERO);
        SLOT(1) = U32(2) % b;
        ip += 4;
        NEXT();
    }
    CASE(i32_and)  { SLOT(1) = U32(2) & U32(3); ip += 4; NEXT(); }
    CASE(i32_or)   { SLOT(1) = U32(2) | U32(3); ip += 4; NEXT(); }
    CASE(i32_xor)  { SLOT(1) = U32(2) ^ U32(3); ip += 4; NEXT(); }
    CASE(i32_shl)  { SLOT(1) = (uint32_t)(U32(2) << (U32(3) & 31u)); ip += 4; NEXT(); }
    CASE(i32_shr_s) { SLOT(1) = rt_i32_shr_s(U32(2), U32(3)); ip += 4; NEXT(); }
    CASE(i32_shr_u) { SLOT(1) = U32(2) >> (U32(3) & 31u); ip += 4; NEXT(); }
    CASE(i32_rotl) { SLOT(1) = rt_i32_rotl(U32(2), U32(3)); ip += 4; NEXT(); }
    CASE(i32_rotr) { SLOT(1) = rt_i32_rotr(U32(2), U32(3)); ip += 4; NEXT(); }

    /* ------------------------------------------------ i64 arithmetic */

    CASE(i64_clz)    { SLOT(1) = rt_i64_clz(SLOT(2)); ip += 3; NEXT(); }
    CASE(i64_ctz)    { SLOT(1) = rt_i64_ctz(SLOT(2)); ip += 3; NEXT(); }
    CASE(i64_popcnt) { SLOT(1) = rt_i64_popcnt(SLOT(2)); ip += 3; NEXT(); }
    CASE(i64_add)    { SLOT(1) = SLOT(2) + SLOT(3); ip += 4; NEXT(); }
    CASE(i64_sub)    { SLOT(1) = SLOT(2) - SLOT(3); ip += 4; NEXT(); }
    CASE(i64_mul)    { SLOT(1) = SLOT(2) * SLOT(3); ip += 4; NEXT(); }
    CASE(i64_div_s) {
        uint64_t r = 0;
        wp_trap_kind k = rt_i64_div_s(SLOT(2), SLOT(3), &r);
        if (k != WP_TRAP_NONE) TRAP(k);
        SLOT(1) = r;
        ip += 4;
        NEXT();
    }
    CASE(i64_div_u) {
        uint64_t b = SLOT(3);
        if (b == 0) TRAP(WP_TRAP_DIV_ZERO);
        SLOT(1) = SLOT(2) / b;
        ip += 4;
        NEXT();
    }
    CASE(i64_rem_s) {
        uint64_t r = 0;
        wp_trap_kind k = rt_i64_rem_s(SLOT(2), SLOT(3), &r);
        if (k != WP_TRAP_NONE) TRAP(k);
        SLOT(1) = r;
        ip += 4;
        NEXT();
    }
    CASE(i64_rem_u) {
        uint64_t b = SLOT(3);
        if (b == 0) TRAP(WP_TRAP_DIV_ZERO);
        SLOT(1) = SLOT(2) % b;
        ip += 4;
        NEXT();
    }
    CASE(i64_and)   { SLOT(1) = SLOT(2) & SLOT(3); ip += 4; NEXT(); }
    CASE(i64_or)    { SLOT(1) = SLOT(2) | SLOT(3); ip += 4; NEXT(); }
    CASE(i64_xor)   { SLOT(1) = SLOT(2) ^ SLOT(3); ip += 4; NEXT(); }
    CASE(i64_shl)   { SLOT(1) = SLOT(2) << (SLOT(3) & 63u); ip += 4; NEXT(); }
    CASE(i64_shr_s) { SLOT(1) = rt_i64_shr_s(SLOT(2), SLOT(3)); ip += 4; NEXT(); }
    CASE(i64_shr_u) { SLOT(1) = SLOT(2) >> (SLOT(3) & 63u); ip += 4; NEXT(); }
    CASE(i64_rotl)  { SLOT(1) = rt_i64_rotl(SLOT(2), SLOT(3)); ip += 4; NEXT(); }
    CASE(i64_rotr)  { SLOT(1) = rt_i64_rotr(SLOT(2), SLOT(3)); ip += 4; NEXT(); }

    /* ------------------------------------------------ f32 arithmetic (in float, never widened) */

    CASE(f32_abs)      { SLOT(1) = rt_f32_abs(U32(2)); ip += 3; NEXT(); }
    CASE(f32_neg)      { SLOT(1) = rt_f32_neg(U32(2)); ip += 3; NEXT(); }
    CASE(f32_ceil)     { SLOT(1) = rt_f32_bits(rt_f32_ceil(F32(2))); ip += 3; NEXT(); }
    CASE(f32_floor)    { SLOT(1) = rt_f32_bits(rt_f32_floor(F32(2))); ip += 3; NEXT(); }
    CASE(f32_trunc)    { SLOT(1) = rt_f32_bits(rt_f32_trunc(F32(2))); ip += 3; NEXT(); }
    CASE(f32_nearest)  { SLOT(1) = rt_f32_bits(rt_f32_nearest(F32(2))); ip += 3; NEXT(); }
    CASE(f32_sqrt)     { SLOT(1) = rt_f32_bits(rt_f32_sqrt(F32(2))); ip += 3; NEXT(); }
    CASE(f32_add)      { SLOT(1) = rt_f32_bits(F32(2) + F32(3)); ip += 4; NEXT(); }
    CASE(f32_sub)      { SLOT(1) = rt_f32_bits(F32(2) - F32(3)); ip += 4; NEXT(); }
    CASE(f32_mul)      { SLOT(1) = rt_f32_bits(F32(2) * F32(3)); ip += 4; NEXT(); }
    CASE(f32_div)      { SLOT(1) = rt_f32_bits(F32(2) / F32(3)); ip += 4; NEXT(); }
    CASE(f32_min)      { SLOT(1) = rt_f32_bits(rt_f32_min(F32(2), F32(3))); ip += 4; NEXT(); }
    CASE(f32_max)      { SLOT(1) = rt_f32_bits(rt_f32_max(F32(2), F32(3))); ip += 4; NEXT(); }
    CASE(f32_copysign) { SLOT(1) = rt_f32_copysign(U32(2), U32(3)); ip += 4; NEXT(); }

    /* ------------------------------------------------ f64 arithmetic */

    CASE(f64_abs)      { SLOT(1) = rt_f64_abs(SLOT(2)); ip += 3; NEXT(); }
    CASE(f64_neg)      { SLOT(1) = rt_f64_neg(SLOT(2)); ip += 3; NEXT(); }
    CASE(f64_ceil)     { SLOT(1) = rt_f64_bits(rt_f64_ceil(F64(2))); ip += 3; NEXT(); }
    CASE(f64_floor)    { SLOT(1) = rt_f64_bits(rt_f64_floor(F64(2))); ip += 3; NEXT(); }
    CASE(f64_trunc)    { SLOT(1) = rt_f64_bits(rt_f64_trunc(F64(2))); ip += 3; NEXT(); }
    CASE(f64_nearest)  { SLOT(1) = rt_f64_bits(rt_f64_nearest(F64(2))); ip += 3; NEXT(); }
    CASE(f64_sqrt)     { SLOT(1) = rt_f64_bits(rt_f64_sqrt(F64(2))); ip += 3; NEXT(); }
    CASE(f64_add)      { SLOT(1) = rt_f64_bits(F64(2) + F64(3)); ip += 4; NEXT(); }
    CASE(f64_sub)      { SLOT(1) = rt_f64_bits(F64(2) - F64(3)); ip += 4; NEXT(); }
    CASE(f64_mul)      { SLOT(1) = rt_f64_bits(F64(2) * F64(3)); ip += 4; NEXT(); }
    CASE(f64_div)      { SLOT(1) = rt_f64_bits(F64(2) / F64(3)); ip += 4; NEXT(); }
    CASE(f64_min)      { SLOT(1) = rt_f64_bits(rt_f64_min(F64(2), F64(3))); ip += 4; NEXT(); }
    CASE(f64_max)      { SLOT(1) = rt_f64_bits(rt_f64_max(F64(2), F64(3))); ip += 4; NEXT(); }
    CASE(f64_copysign) { SLOT(1) = rt_f64_copysign(SLOT(2), SLOT(3)); ip += 4; NEXT(); }

    /* ------------------------------------------------ conversions */

    CASE(i32_wrap_i64) { SLOT(1) = U32(2); ip += 3; NEXT(); }
    CASE(i32_trunc_f32_s) {
        uint32_t r = 0;
        wp_trap_kind k = rt_i32_trunc_f32_s(F32(2), &r);
        if (k != WP_TRAP_NONE) TRAP(k);
        SLOT(1) = r;
        ip += 3;
        NEXT();
    }
    CASE(i32_trunc_f32_u) {
        uint32_t r = 0;
        wp_trap_kind k = rt_i32_trunc_f32_u(F32(2), &r);
        if (k != WP_TRAP_NONE) TRAP(k);
        SLOT(1) = r;
        ip += 3;
        NEXT();
    }
    CASE(i32_trunc_f64_s) {
        uint32_t r = 0;
        wp_trap_kind k = rt_i32_trunc_f64_s(F64(2), &r);
        if (k != WP_TRAP_NONE) TRAP(k);
        SLOT(1) = r;
        ip += 3;
        NEXT();
    }
    CASE(i32_trunc_f64_u) {
        uint32_t r = 0;
        wp_trap_kind k = rt_i32_trunc_f64_u(F64(2), &r);
        if (k != WP_TRAP_NONE) TRAP(k);
        SLOT(1) = r;
        ip += 3;
        NEXT();
    }
    CASE(i64_extend_i32_s) { SLOT(1) = rt_i64_extend32_s(SLOT(2)); ip += 3; NEXT(); }
    CASE(i64_extend_i32_u) { SLOT(1) = U32(2); ip += 3; NEXT(); }
    CASE(i64_trunc_f32_s) {
        uint64_t r = 0;
        wp_trap_kind k = rt_i64_trunc_f32_s(F32(2), &r);
        if (k != WP_TRAP_NONE) TRAP(k);
        SLOT(1) = r;
        ip += 3;
        NEXT();
    }
    CASE(i64_trunc_f32_u) {
        uint64_t r = 0;
        wp_trap_kind k = rt_i64_trunc_f32_u(F32(2), &r);
        if (k != WP_TRAP_NONE) TRAP(k);
        SLOT(1) = r;
        ip += 3;
        NEXT();
    }
    CASE(i64_trunc_f64_s) {
        uint64_t r = 0;
        wp_trap_kind k = rt_i64_trunc_f64_s(F64(2), &r);
        if (k != WP_TRAP_NONE) TRAP(k);
        SLOT(1) = r;
        ip += 3;
        NEXT();
    }
    CASE(i64_trunc_f64_u) {
        uint64_t r = 0;
        wp_trap_kind k = rt_i64_trunc_f64_u(F64(2), &r);
        if (k != WP_TRAP_NONE) TRAP(k);
        SLOT(1) = r;
        ip += 3;
        NEXT();
    }
    CASE(f32_convert_i32_s) { SLOT(1) = rt_f32_bits(rt_f32_convert_i32_s(U32(2))); ip += 3; NEXT(); }
    CASE(f32_convert_i32_u) { SLOT(1) = rt_f32_bits(rt_f32_convert_i32_u(U32(2))); ip += 3; NEXT(); }
    CASE(f32_convert_i64_s) { SLOT(1) = rt_f32_bits(rt_f32_convert_i64_s(SLOT(2))); ip += 3; NEXT(); }
    CASE(f32_convert_i64_u) { SLOT(1) = rt_f32_bits(rt_f32_convert_i64_u(SLOT(2))); ip += 3; NEXT(); }
    CASE(f32_demote_f64)    { SLOT(1) = rt_f32_bits(rt_f32_demote_f64(F64(2))); ip += 3; NEXT(); }
    CASE(f64_convert_i32_s) { SLOT(1) = rt_f64_bits(rt_f64_convert_i32_s(U32(2))); ip += 3; NEXT(); }
    CASE(f64_convert_i32_u) { SLOT(1) = rt_f64_bits(rt_f64_convert_i32_u(U32(2))); ip += 3; NEXT(); }
    CASE(f64_convert_i64_s) { SLOT(1) = rt_f64_bits(rt_f64_convert_i64_s(SLOT(2))); ip += 3; NEXT(); }
    CASE(f64_convert_i64_u) { SLOT(1) = rt_f64_bits(rt_f64_convert_i64_u(SLOT(2))); ip += 3; NEXT(); }
    CASE(f64_promote_f32)   { SLOT(1) = rt_f64_bits(rt_f64_promote_f32(F32(2))); ip += 3; NEXT(); }
    /* Reinterpretations are bit copies; the 32-bit ones still clear the
     * high half, as every 32-bit writer does. */
    CASE(i32_reinterpret_f32) { SLOT(1) = U32(2); ip += 3; NEXT(); }
    CASE(i64_reinterpret_f64) { SLOT(1) = SLOT(2); ip += 3; NEXT(); }
    CASE(f32_reinterpret_i32) { SLOT(1) = U32(2); ip += 3; NEXT(); }
    CASE(f64_reinterpret_i64) { SLOT(1) = SLOT(2); ip += 3; NEXT(); }
    CASE(i32_extend8_s)  { SLOT(1) = rt_i32_extend8_s(U32(2)); ip += 3; NEXT(); }
    CASE(i32_extend16_s) { SLOT(1) = rt_i32_extend16_s(U32(2)); ip += 3; NEXT(); }
    CASE(i64_extend8_s)  { SLOT(1) = rt_i64_extend8_s(SLOT(2)); ip += 3; NEXT(); }
    CASE(i64_extend16_s) { SLOT(1) = rt_i64_extend16_s(SLOT(2)); ip += 3; NEXT(); }
    CASE(i64_extend32_s) { SLOT(1) = rt_i64_extend32_s(SLOT(2)); ip += 3; NEXT(); }

    CASE(i32_trunc_sat_f32_s) { SLOT(1) = rt_i32_trunc_sat_f32_s(F32(2)); ip += 3; NEXT(); }
    CASE(i32_trunc_sat_f32_u) { SLOT(1) = rt_i32_trunc_sat_f32_u(F32(2)); ip += 3; NEXT(); }
    CASE(i32_trunc_sat_f64_s) { SLOT(1) = rt_i32_trunc_sat_f64_s(F64(2)); ip += 3; NEXT(); }
    CASE(i32_trunc_sat_f64_u) { SLOT(1) = rt_i32_trunc_sat_f64_u(F64(2)); ip += 3; NEXT(); }
    CASE(i64_trunc_sat_f32_s) { SLOT(1) = rt_i64_trunc_sat_f32_s(F32(2)); ip += 3; NEXT(); }
    CASE(i64_trunc_sat_f32_u) { SLOT(1) = rt_i64_trunc_sat_f32_u(F32(2)); ip += 3; NEXT(); }
    CASE(i64_trunc_sat_f64_s) { SLOT(1) = rt_i64_trunc_sat_f64_s(F64(2)); ip += 3; NEXT(); }
    CASE(i64_trunc_sat_f64_u) { SLOT(1) = rt_i64_trunc_sat_f64_u(F64(2)); ip += 3; NEXT(); }

    /* ------------------------------------------------ internal: moves, constants, branches */

    CASE(enter) {                                  /* S:first I:nzero I:n (I:lo I:hi)*n */
        uint64_t *p = fp + OP(1);
        for (uint32_t i = OP(2); i > 0; i--) {
            *p++ = 0;
            SHORT_LOOP(p);
        }
        uint32_t n = OP(3);
        const uint32_t *c = ip + 4;
        ip = c + 2 * (size_t)n;
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        /* Each lo, hi pair of words is the value's little-endian bytes.
         * Copies of a constant size compile to a few vector moves; the
         * switch on the size predicts well, as each function has one. */
        switch (n) {
        case 0: break;
        case 1: memcpy(p, c, 1 * sizeof *p); break;
        case 2: memcpy(p, c, 2 * sizeof *p); break;
        case 3: memcpy(p, c, 3 * sizeof *p); break;
        case 4: memcpy(p, c, 4 * sizeof *p); break;
        case 5: memcpy(p, c, 5 * sizeof *p); break;
        case 6: memcpy(p, c, 6 * sizeof *p); break;
        case 7: memcpy(p, c, 7 * sizeof *p); break;
        case 8: memcpy(p, c, 8 * sizeof *p); break;
        default: memcpy(p, c, (size_t)n * sizeof *p); break;
        }
#else
        for (; n > 0; n--, c += 2)
            *p++ = (uint64_t)c[0] | (uint64_t)c[1] << 32;
#endif
        NEXT();
    }
    CASE(mov)     { SLOT(1) = SLOT(2); ip += 3; NEXT(); }
    CASE(mov2)    { SLOT(1) = SLOT(2); SLOT(3) = SLOT(4); ip += 5; NEXT(); }
    CASE(i32_add3) { SLOT(1) = (uint32_t)(U32(2) + U32(3) + U32(4)); ip += 5; NEXT(); }
    CASE(const32) { SLOT(1) = OP(2); ip += 3; NEXT(); }
    CASE(const64) { SLOT(1) = (uint64_t)OP(2) | (uint64_t)OP(3) << 32; ip += 4; NEXT(); }
    CASE(br)        { JUMP(OP(1)); }
    CASE(br_if)     { if (U32(1) != 0) JUMP(OP(2)); ip += 3; NEXT(); }
    CASE(br_unless) { if (U32(1) == 0) JUMP(OP(2)); ip += 3; NEXT(); }
    CASE(br_table) {
        uint32_t i = U32(1), n = OP(2);
        JUMP(ip[3 + (i < n ? i : n)]);
    }

    /* ------------------------------------------------ compare and branch (S:a S:b T) */

    CASE(br_i32_eq)   { if (U32(1) == U32(2)) JUMP(OP(3)); ip += 4; NEXT(); }
    CASE(br_i32_ne)   { if (U32(1) != U32(2)) JUMP(OP(3)); ip += 4; NEXT(); }
    CASE(br_i32_lt_s) { if (rt_i32_signed(U32(1)) < rt_i32_signed(U32(2))) JUMP(OP(3)); ip += 4; NEXT(); }
    CASE(br_i32_lt_u) { if (U32(1) < U32(2)) JUMP(OP(3)); ip += 4; NEXT(); }
    CASE(br_i32_gt_s) { if (rt_i32_signed(U32(1)) > rt_i32_signed(U32(2))) JUMP(OP(3)); ip += 4; NEXT(); }
    CASE(br_i32_gt_u) { if (U32(1) > U32(2)) JUMP(OP(3)); ip += 4; NEXT(); }
    CASE(br_i32_le_s) { if (rt_i32_signed(U32(1)) <= rt_i32_signed(U32(2))) JUMP(OP(3)); ip += 4; NEXT(); }
    CASE(br_i32_le_u) { if (U32(1) <= U32(2)) JUMP(OP(3)); ip += 4; NEXT(); }
    CASE(br_i32_ge_s) { if (rt_i32_signed(U32(1)) >= rt_i32_signed(U32(2))) JUMP(OP(3)); ip += 4; NEXT(); }
    CASE(br_i32_ge_u) { if (U32(1) >= U32(2)) JUMP(OP(3)); ip += 4; NEXT(); }
    CASE(br_i64_eqz)  { if (SLOT(1) == 0) JUMP(OP(2)); ip += 3; NEXT(); }
    CASE(br_i64_nez)  { if (SLOT(1) != 0) JUMP(OP(2)); ip += 3; NEXT(); }
    CASE(br_i64_eq)   { if (SLOT(1) == SLOT(2)) JUMP(OP(3)); ip += 4; NEXT(); }
    CASE(br_i64_ne)   { if (SLOT(1) != SLOT(2)) JUMP(OP(3)); ip += 4; NEXT(); }
    CASE(br_i64_lt_s) { if (rt_i64_signed(SLOT(1)) < rt_i64_signed(SLOT(2))) JUMP(OP(3)); ip += 4; NEXT(); }
    CASE(br_i64_lt_u) { if (SLOT(1) < SLOT(2)) JUMP(OP(3)); ip += 4; NEXT(); }
    CASE(br_i64_gt_s) { if (rt_i64_signed(SLOT(1)) > rt_i64_signed(SLOT(2))) JUMP(OP(3)); ip += 4; NEXT(); }
    CASE(br_i64_gt_u) { if (SLOT(1) > SLOT(2)) JUMP(OP(3)); ip += 4; NEXT(); }
    CASE(br_i64_le_s) { if (rt_i64_signed(SLOT(1)) <= rt_i64_signed(SLOT(2))) JUMP(OP(3)); ip += 4; NEXT(); }
    CASE(br_i64_le_u) { if (SLOT(1) <= SLOT(2)) JUMP(OP(3)); ip += 4; NEXT(); }
    CASE(br_i64_ge_s) { if (rt_i64_signed(SLOT(1)) >= rt_i64_signed(SLOT(2))) JUMP(OP(3)); ip += 4; NEXT(); }
    CASE(br_i64_ge_u) { if (SLOT(1) >= SLOT(2)) JUMP(OP(3)); ip += 4; NEXT(); }

    /* ------------------------------------------------ memory, address a + b (S S S I:offset) */

    CASE(i32_load_add) {
        uint64_t ea = (uint64_t)(uint32_t)(U32(2) + U32(3)) + OP(4);
        if (ea + 4 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        SLOT(1) = load32(mem + ea);
        ip += 5;
        NEXT();
    }
    CASE(i64_load_add) {
        uint64_t ea = (uint64_t)(uint32_t)(U32(2) + U32(3)) + OP(4);
        if (ea + 8 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        SLOT(1) = load64(mem + ea);
        ip += 5;
        NEXT();
    }
    CASE(i32_load8_s_add) {
        uint64_t ea = (uint64_t)(uint32_t)(U32(2) + U32(3)) + OP(4);
        if (ea + 1 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        SLOT(1) = rt_i32_extend8_s(mem[ea]);
        ip += 5;
        NEXT();
    }
    CASE(i32_load8_u_add) {
        uint64_t ea = (uint64_t)(uint32_t)(U32(2) + U32(3)) + OP(4);
        if (ea + 1 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        SLOT(1) = mem[ea];
        ip += 5;
        NEXT();
    }
    CASE(i32_load16_s_add) {
        uint64_t ea = (uint64_t)(uint32_t)(U32(2) + U32(3)) + OP(4);
        if (ea + 2 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        SLOT(1) = rt_i32_extend16_s(load16(mem + ea));
        ip += 5;
        NEXT();
    }
    CASE(i32_load16_u_add) {
        uint64_t ea = (uint64_t)(uint32_t)(U32(2) + U32(3)) + OP(4);
        if (ea + 2 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        SLOT(1) = load16(mem + ea);
        ip += 5;
        NEXT();
    }
    CASE(i32_store_add) {
        uint64_t ea = (uint64_t)(uint32_t)(U32(1) + U32(2)) + OP(4);
        if (ea + 4 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        store32(mem + ea, SLOT(3));
        ip += 5;
        NEXT();
    }
    CASE(i64_store_add) {
        uint64_t ea = (uint64_t)(uint32_t)(U32(1) + U32(2)) + OP(4);
        if (ea + 8 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        store64(mem + ea, SLOT(3));
        ip += 5;
        NEXT();
    }
    CASE(i32_store8_add) {
        uint64_t ea = (uint64_t)(uint32_t)(U32(1) + U32(2)) + OP(4);
        if (ea + 1 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        mem[ea] = (uint8_t)SLOT(3);
        ip += 5;
        NEXT();
    }
    CASE(i32_store16_add) {
        uint64_t ea = (uint64_t)(uint32_t)(U32(1) + U32(2)) + OP(4);
        if (ea + 2 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        store16(mem + ea, SLOT(3));
        ip += 5;
        NEXT();
    }

    CASE(i32_store_sum) {                          /* S:addr S:a S:b I:offset */
        uint64_t ea = (uint64_t)U32(1) + OP(4);
        if (ea + 4 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        store32(mem + ea, U32(2) + U32(3));
        ip += 5;
        NEXT();
    }
    CASE(i32_store8_sum) {
        uint64_t ea = (uint64_t)U32(1) + OP(4);
        if (ea + 1 > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        mem[ea] = (uint8_t)(U32(2) + U32(3));
        ip += 5;
        NEXT();
    }

    /* ------------------------------------------------ calls */

    CASE(call) {                                   /* X:func S:base */
        callee = inst->funcs[OP(1)];
        call_fp = fp + OP(2);
        next_ip = ip + 3;
        goto do_call;
    }
    CASE(call_wasm) {                              /* X:func S:base */
        /* do_call's wasm path without the kind and instance checks: the
         * callee is one of this instance's own functions. */
        wp_func *g = inst->funcs[OP(1)];
        const rt_code *c = atomic_load_explicit(&g->code, memory_order_acquire);
        uint64_t *nfp = fp + OP(2);
        if (atomic_load_explicit(&exec->interrupt, memory_order_relaxed) != 0)
            TRAP(WP_TRAP_INTERRUPTED);
        if ((size_t)(exec->stack_end - nfp) < c->frame_slots || frame == exec->frames_end)
            TRAP(WP_TRAP_STACK_EXHAUSTED);
        frame->ret_ip = ip + 3;
        frame->fp = fp;
        frame->func = func;
        frame++;
        fp = nfp;
        func = g;
        words = c->words;
        ip = c->entry;
        NEXT();
    }
    CASE(call_indirect) {                          /* X:type X:table S:index S:base */
        wp_trap_kind k = indirect_callee(inst, OP(1), OP(2), U32(3), &callee);
        if (k != WP_TRAP_NONE) TRAP(k);
        call_fp = fp + OP(4);
        next_ip = ip + 5;
        goto do_call;
    }
    CASE(return) {
        if (frame == frame0)
            goto done;
        frame--;
        ip = frame->ret_ip;
        fp = frame->fp;
        func = frame->func;
        words = atomic_load_explicit(&func->code, memory_order_relaxed)->words;
        if (func->inst != inst) {
            inst = func->inst;
            m0 = memory0(inst);
            mem = m0->data;
            mem_size = m0->size;
        }
        NEXT();
    }
    CASE(return_call) {                            /* X:func S:base */
        callee = inst->funcs[OP(1)];
        call_fp = fp + OP(2);
        next_ip = ip + 3;
        goto do_tail_call;
    }
    CASE(return_call_indirect) {                   /* X:type X:table S:index S:base */
        wp_trap_kind k = indirect_callee(inst, OP(1), OP(2), U32(3), &callee);
        if (k != WP_TRAP_NONE) TRAP(k);
        call_fp = fp + OP(4);
        next_ip = ip + 5;
        goto do_tail_call;
    }
    CASE(unreachable) { TRAP(WP_TRAP_UNREACHABLE); }
    CASE(select) { SLOT(1) = U32(4) != 0 ? SLOT(2) : SLOT(3); ip += 5; NEXT(); }

    /* ------------------------------------------------ globals */

    CASE(global_get) { SLOT(1) = inst->globals[OP(2)]->val[0]; ip += 3; NEXT(); }
    CASE(global_set) { inst->globals[OP(1)]->val[0] = SLOT(2); ip += 3; NEXT(); }

    /* ------------------------------------------------ memory: size, grow, bulk */

    CASE(memory_size) { SLOT(1) = (uint32_t)(mem_size / 65536u); ip += 2; NEXT(); }
    CASE(memory_grow) {                            /* S:dst S:delta */
        wp_memory *m = inst->memories[0];
        /* -1 (failure) becomes the i32 0xFFFFFFFF. */
        SLOT(1) = (uint32_t)rt_memory_grow(m, U32(2));
        m0 = m;
        mem = m->data;
        mem_size = m->size;
        ip += 3;
        NEXT();
    }
    CASE(memory_fill) {                            /* S:d S:value S:n */
        uint64_t d = U32(1), n = U32(3);
        if (d + n > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        if (n > 0)
            memset(mem + d, (uint8_t)SLOT(2), (size_t)n);
        ip += 4;
        NEXT();
    }
    CASE(memory_copy) {                            /* S:d S:s S:n */
        uint64_t d = U32(1), s = U32(2), n = U32(3);
        if (d + n > mem_size || s + n > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        if (n > 0)
            memmove(mem + d, mem + s, (size_t)n);
        ip += 4;
        NEXT();
    }
    /* The guards of recognised wasi-libc bodies (libc_match.c). Where the
     * native op would not give exactly what the loop gives (a range
     * leaving memory, where the loop traps part-way; memcpy's overlapping
     * ranges, which its loop smears), they step over the `return` after
     * them into the function's translated body. */
    CASE(libc_copy) {                              /* S:d S:s S:n */
        uint64_t d = U32(1), s = U32(2), n = U32(3);
        if (d + n > mem_size || s + n > mem_size || (d < s + n && s < d + n && n > 0)) {
            ip += 5;
            NEXT();
        }
        memcpy(mem + d, mem + s, (size_t)n);
        SLOT(1) = d;
        ip += 4;
        NEXT();
    }
    CASE(libc_move) {                              /* S:d S:s S:n */
        uint64_t d = U32(1), s = U32(2), n = U32(3);
        if (d + n > mem_size || s + n > mem_size) {
            ip += 5;
            NEXT();
        }
        memmove(mem + d, mem + s, (size_t)n);
        SLOT(1) = d;
        ip += 4;
        NEXT();
    }
    CASE(libc_fill) {                              /* S:d S:c S:n */
        uint64_t d = U32(1), n = U32(3);
        if (d + n > mem_size) {
            ip += 5;
            NEXT();
        }
        memset(mem + d, (uint8_t)SLOT(2), (size_t)n);
        SLOT(1) = d;
        ip += 4;
        NEXT();
    }
    CASE(memory_init) {                            /* X:data S:d S:s S:n */
        uint32_t x = OP(1);
        uint64_t d = U32(2), s = U32(3), n = U32(4);
        if (s + n > inst->data_len[x] || d + n > mem_size) TRAP(WP_TRAP_MEMORY_OOB);
        if (n > 0)
            memcpy(mem + d, inst->module->datas[x].bytes + s, (size_t)n);
        ip += 5;
        NEXT();
    }
    CASE(data_drop) { inst->data_len[OP(1)] = 0; ip += 2; NEXT(); }
    CASE(memory_select) {                          /* X:mem */
        /* memories[0] is m0; reading it again also catches a memory 0
         * that another memory's grow has grown (the same memory imported
         * twice). */
        const wp_memory *mx = inst->memories[OP(1)];
        mem = mx->data;
        mem_size = mx->size;
        ip += 2;
        NEXT();
    }
    CASE(memory_grow_mem) {                        /* S:dst S:delta X:mem */
        SLOT(1) = (uint32_t)rt_memory_grow(inst->memories[OP(3)], U32(2));
        /* It may be memory 0 imported a second time. */
        mem = m0->data;
        mem_size = m0->size;
        ip += 4;
        NEXT();
    }
    CASE(memory_copy_mem) {                        /* X:dst_mem X:src_mem S:d S:s S:n */
        const wp_memory *dm = inst->memories[OP(1)], *sm = inst->memories[OP(2)];
        uint64_t d = U32(3), s = U32(4), n = U32(5);
        if (d + n > dm->size || s + n > sm->size) TRAP(WP_TRAP_MEMORY_OOB);
        if (n > 0)
            memmove(dm->data + d, sm->data + s, (size_t)n);
        ip += 6;
        NEXT();
    }

    /* ------------------------------------------------ tables */

    CASE(table_get) {                              /* S:dst X:table S:i */
        const wp_table *t = inst->tables[OP(2)];
        uint32_t i = U32(3);
        if (i >= t->size) TRAP(WP_TRAP_TABLE_OOB);
        SLOT(1) = (uint64_t)(uintptr_t)t->elems[i];
        ip += 4;
        NEXT();
    }
    CASE(table_set) {                              /* X:table S:i S:value */
        wp_table *t = inst->tables[OP(1)];
        uint32_t i = U32(2);
        if (i >= t->size) TRAP(WP_TRAP_TABLE_OOB);
        t->elems[i] = (void *)(uintptr_t)SLOT(3);
        ip += 4;
        NEXT();
    }
    CASE(table_size) { SLOT(1) = inst->tables[OP(2)]->size; ip += 3; NEXT(); }
    CASE(table_grow) {                             /* S:dst X:table S:init S:n */
        int64_t old = rt_table_grow(inst->tables[OP(2)], U32(4), (void *)(uintptr_t)SLOT(3));
        SLOT(1) = (uint32_t)old;
        ip += 5;
        NEXT();
    }
    CASE(table_fill) {                             /* X:table S:i S:value S:n */
        wp_table *t = inst->tables[OP(1)];
        uint64_t i = U32(2), n = U32(4);
        void *v = (void *)(uintptr_t)SLOT(3);
        if (i + n > t->size) TRAP(WP_TRAP_TABLE_OOB);
        for (uint64_t k = 0; k < n; k++)
            t->elems[i + k] = v;
        ip += 5;
        NEXT();
    }
    CASE(table_copy) {                             /* X:dst_table X:src_table S:d S:s S:n */
        wp_table *dt = inst->tables[OP(1)];
        const wp_table *st = inst->tables[OP(2)];
        uint64_t d = U32(3), s = U32(4), n = U32(5);
        if (d + n > dt->size || s + n > st->size) TRAP(WP_TRAP_TABLE_OOB);
        if (n > 0)
            memmove(dt->elems + d, st->elems + s, (size_t)n * sizeof *dt->elems);
        ip += 6;
        NEXT();
    }
    CASE(table_init) {                             /* X:table X:elem S:d S:s S:n */
        wp_table *t = inst->tables[OP(1)];
        uint32_t x = OP(2);
        uint64_t d = U32(3), s = U32(4), n = U32(5);
        if (s + n > inst->elem_len[x] || d + n > t->size) TRAP(WP_TRAP_TABLE_OOB);
        /* Each elem_items entry is that segment's array of references. */
        void *const *items = (void *const *)inst->elem_items[x];
        if (n > 0)
            memcpy(t->elems + d, items + s, (size_t)n * sizeof *t->elems);
        ip += 6;
        NEXT();
    }
    CASE(elem_drop) { inst->elem_len[OP(1)] = 0; ip += 2; NEXT(); }

    /* ------------------------------------------------ references */

    CASE(ref_null)    { SLOT(1) = 0; ip += 2; NEXT(); }
    CASE(ref_is_null) { SLOT(1) = SLOT(2) == 0; ip += 3; NEXT(); }
    CASE(ref_func)    { SLOT(1) = (uint64_t)(uintptr_t)inst->funcs[OP(2)]; ip += 3; NEXT(); }

    /* ------------------------------------------------ first call of a function */

    CASE(lazy) {
        /* The caller checked the stack against rt_code_lazy's 0 slots;
         * the real check comes once the code exists. */
        const rt_code *c;
        status = rt_func_code(func, &c, err);
        if (status != WP_OK)
            goto fail;
        if ((size_t)(exec->stack_end - fp) < c->frame_slots) {
            /* Reported at the call, as do_call reports it. */
            if (frame > frame0) {
                frame--;
                func = frame->func;
                ip = frame->ret_ip - 1;
            }
            TRAP(WP_TRAP_STACK_EXHAUSTED);
        }
        words = c->words;
        ip = c->entry;
        NEXT();
    }

    /* ------------------------------------------------ v128 (simd.def) */

#include "interp_simd.inc"

    DISPATCH_END()

    /* The tail-call path: callee and call_fp (its arguments) are set. A
     * wasm callee takes over the current frame: no frame is pushed, so a
     * chain of tail calls runs in constant space. A host callee is called
     * as by `call`; the code after the tail call moves its results down
     * and returns. */
do_tail_call:
    if (atomic_load_explicit(&exec->interrupt, memory_order_relaxed) != 0)
        TRAP(WP_TRAP_INTERRUPTED);
    if (callee->kind == RT_FUNC_WASM && !NATIVE_CALLEE(callee, inst)) {
        const rt_code *c = atomic_load_explicit(&callee->code, memory_order_acquire);
        if ((size_t)(exec->stack_end - fp) < c->frame_slots)
            TRAP(WP_TRAP_STACK_EXHAUSTED);
        uint32_t np = callee->type->param_slots;
        if (np > 0)
            memmove(fp, call_fp, (size_t)np * sizeof *fp);
        func = callee;
        words = c->words;
        ip = c->entry;
        if (callee->inst != inst) {
            inst = callee->inst;
            m0 = memory0(inst);
            mem = m0->data;
            mem_size = m0->size;
        }
        NEXT();
    }
    goto do_call;

    /* The call path shared by call and call_indirect: callee, call_fp (the
     * callee's frame, holding the arguments) and next_ip are set. */
do_call:
    if (atomic_load_explicit(&exec->interrupt, memory_order_relaxed) != 0)
        TRAP(WP_TRAP_INTERRUPTED);
    if (callee->kind == RT_FUNC_WASM && !NATIVE_CALLEE(callee, inst)) {
        const rt_code *c = atomic_load_explicit(&callee->code, memory_order_acquire);
        if ((size_t)(exec->stack_end - call_fp) < c->frame_slots || frame == exec->frames_end)
            TRAP(WP_TRAP_STACK_EXHAUSTED);
        frame->ret_ip = next_ip;
        frame->fp = fp;
        frame->func = func;
        frame++;
        fp = call_fp;
        func = callee;
        words = c->words;
        ip = c->entry;
        if (callee->inst != inst) {
            inst = callee->inst;
            m0 = memory0(inst);
            mem = m0->data;
            mem_size = m0->size;
        }
        NEXT();
    }
    {
        /* A host function, or a wasm function running native code: a
         * nested call, which may call back into the guest, so it starts
         * above everything this loop uses. */
        struct wp_call call = { .inst = inst, .exec = exec, .err = err };
        exec->top = fp + atomic_load_explicit(&func->code, memory_order_relaxed)->frame_slots;
        exec->frame_top = frame;
        if (err != NULL)
            err->code = WP_OK;
        if (callee->kind == RT_FUNC_HOST)
            status = callee->host(&call, callee->user, call_fp);
        else
            status = rt_module_tier(callee->inst->module)->call(exec, callee, call_fp, err);
        exec->top = top0;
        exec->frame_top = frame0;
        if (status != WP_OK) {
            exec->depth--;
            /* A host that fails without wp_call_trap / wp_call_exit still
             * gets a message that names it. */
            if (err != NULL && err->code == WP_OK) {
                rt_fail(err, status, UINT32_MAX, "host function %s failed: %s",
                        callee->name != NULL ? callee->name : "(unnamed)",
                        wp_status_text(status));
                if (status == WP_ERR_TRAP)
                    err->detail = WP_TRAP_HOST;
            }
            /* A trap (the host's, or one in wasm code it called) gets this
             * call's frames, from the call of the host function out. */
            if (status == WP_ERR_TRAP && err != NULL) {
                rt_error_add_frame(err, func->inst->module, func->index, offset_in(func, ip));
                add_callers(err, frame, frame0);
            }
            return status;
        }
        /* It may also have grown the memory. */
        m0 = memory0(inst);
        mem = m0->data;
        mem_size = m0->size;
        ip = next_ip;
        NEXT();
    }

done:
    if (fc->nresults > 0)
        memmove(slots, fp, (size_t)fc->nresults * sizeof *fp);
    exec->depth--;
    return WP_OK;

fail:
    /* An error that is not a trap: a function could not be translated. */
    exec->top = top0;
    exec->frame_top = frame0;
    exec->depth--;
    return status;

trap:
    exec->top = top0;
    exec->frame_top = frame0;
    exec->depth--;
    if (trap_kind == WP_TRAP_NONE)
        return rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "interpreter: unknown internal op %u",
                       (unsigned)*ip);
    rt_trap_at(err, trap_kind, func->inst->module, func->index, offset_in(func, ip));
    add_callers(err, frame, frame0);
    return WP_ERR_TRAP;
}
