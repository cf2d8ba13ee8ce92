/* The translator's state, shared by jit_emit.c (control, calls, memory,
 * the module driver) and jit_num.c (numeric instructions). */
#ifndef WP_JIT_EMIT_H
#define WP_JIT_EMIT_H

#include <llvm-c/Core.h>
#include <llvm-c/TargetMachine.h>

#include "jit.h"
#include "../reader.h"

typedef enum jctrl_kind { JC_FUNC, JC_BLOCK, JC_LOOP, JC_IF } jctrl_kind;

/* One entry of the control stack. */
typedef struct jctrl {
    uint8_t            kind;        /* jctrl_kind */
    bool               dead;        /* the rest of this block cannot run */
    bool               has_else;
    uint32_t           height;      /* operand stack height below the params */
    uint32_t           nparams, nresults;
    const rt_valtype  *params, *results;
    rt_valtype         one;         /* storage for a single-result block type */
    LLVMBasicBlockRef  end_bb;      /* after the block; a loop's exit */
    LLVMBasicBlockRef  head_bb;     /* loop: where branches go */
    LLVMBasicBlockRef  else_bb;     /* if */
    LLVMValueRef      *end_phis;    /* nresults */
    LLVMValueRef      *head_phis;   /* loop: nparams */
    LLVMValueRef      *if_params;   /* if: the params, for the else arm */
    uint32_t           end_preds;   /* edges into end_bb so far */
    /* A loop checks the interrupt flag at its head (head_check, the load)
     * unless every iteration calls a function of the module, whose entry
     * checks: calls_first is set by a direct call in the loop's own body
     * (not in a block inside it) before any branch back to the head
     * (back_edge), so every path from the head to a back edge passes
     * through that call. */
    LLVMValueRef       head_check;
    bool               back_edge, calls_first;
} jctrl;

typedef struct jemit {
    wp_module         *m;
    wp_error          *err;
    rt_arena           scratch;      /* what the translation needs until the IR is built */
    LLVMContextRef     ctx;
    LLVMModuleRef      mod;
    LLVMBuilderRef     b;
    LLVMTypeRef        t_i1, t_i8, t_i16, t_i32, t_i64, t_f32, t_f64, t_ptr, t_void;
    LLVMTypeRef        t_v128;       /* <2 x i64>, bitcast to the shape each op needs */
    LLVMValueRef      *fns;          /* per defined function: f<i> (lazy: only unit's) */
    bool               lazy;         /* one function of a lazy module (jit_lazy.c) */
    bool               count_calls;  /* lazy, quick code: counts its calls in wp_calls */
    uint32_t           unit;         /* lazy: the defined function being compiled */
    char               name_e;       /* symbol prefix of e<i> (0: 'e') */
    LLVMTypeRef       *fn_types;
    LLVMAttributeRef   a_noreturn, a_cold, a_nounwind, a_willreturn, a_nomem;
    unsigned           md_invariant;   /* metadata kind invariant.load */
    LLVMValueRef       md_empty;       /* its operand, an empty node */
    const char        *fp_constraint;  /* inline asm constraint of a float register */

    /* The function being translated. */
    uint32_t           func;         /* index in the module's function space */
    LLVMValueRef       fn, cx, inst;
    LLVMBasicBlockRef  alloca_bb;    /* entry: allocas; jumps to the body at the end */
    LLVMBasicBlockRef  trap_bb[WP_TRAP_NULL_REFERENCE + 1];
    LLVMValueRef       trap_at[WP_TRAP_NULL_REFERENCE + 1];  /* each block's offset phi */
    uint32_t           at;           /* module offset of the instruction being
                                      * translated, or RT_JIT_AT_CALL (prologue) */
    LLVMValueRef       site;         /* parameter 2: &cx->sites[depth on entry] */
    LLVMValueRef      *locals;       /* allocas */
    rt_valtype        *local_types;
    uint32_t           nlocals;
    LLVMValueRef       mem_obj;      /* wp_memory * of memory 0, or NULL */
    LLVMValueRef       mem_base_var, mem_size_var;   /* allocas: i8 *, i64 */

    LLVMValueRef      *stack;
    uint32_t           sp, cap;
    jctrl             *ctrls;
    uint32_t           nctrl, capctrl;
} jemit;

/* Parameters of f<i> before the wasm params: cx, inst, site (jit.h). */
#define JIT_FIXED_PARAMS 3

/* Marks an unsupported construct: the module goes to the interpreter. */
wp_status jit_refuse(jemit *e, uint32_t offset, const char *what);

LLVMTypeRef  jit_type(jemit *e, rt_valtype t);
LLVMValueRef jit_pop(jemit *e);
void         jit_push(jemit *e, LLVMValueRef v);
/* Branches to the trap of `kind` when cond (i1) holds; continues after. */
void         jit_trap_if(jemit *e, LLVMValueRef cond, wp_trap_kind kind);
/* Calls an LLVM intrinsic overloaded on types[0..n). */
LLVMValueRef jit_intrinsic(jemit *e, const char *name, LLVMTypeRef *types, unsigned n,
                           LLVMValueRef *args, unsigned nargs);

/* The checked address of an access of `size` bytes at addr + offset of
 * memory 0; traps as the interpreter does when it is out of bounds. */
LLVMValueRef jit_mem_addr(jemit *e, LLVMValueRef addr, uint32_t offset, unsigned size);

/* v unchanged, hidden from the optimiser's folds (jit_emit.c). */
LLVMValueRef jit_opaque(jemit *e, LLVMValueRef v);

/* Emits numeric instruction `op` (0x45..0xC4, or 0xFC 0..7 as 0x100 + n).
 * Returns false if op is not one of them. */
bool jit_emit_numeric(jemit *e, uint32_t op);

/* Emits the 0xFD instruction whose sub-opcode r is at (at_off: the
 * prefix's offset); only reads its immediates when dead. Refuses the
 * instructions it does not translate, naming them (jit_simd.c). */
wp_status jit_emit_simd(jemit *e, rt_reader *r, uint32_t at_off, bool dead);

/* The optimisation pipeline. Not default<O2>: on the benchmark kernels
 * (wasi-libc linked in, 30-45 KB of code) O2 cost about 1 s of CPU per
 * module for little run-time gain over this list, which keeps what the
 * translated code needs: locals to registers (sroa), the inliner, the
 * folds, loop-invariant hoisting (memory base and size, the interrupt
 * flag's address), redundant-load removal, the removal of bounds checks
 * that an earlier check on the same path implies (constraint-elimination: an access at p + 28 that passed
 * makes those at p + 24 ... p + 0 after it safe; each remaining check
 * still traps at its own offset), self tail calls to loops (tailcallelim:
 * the loop still passes site + 1, so exhaustion stays exact) and CFG
 * clean-up. */
#define JIT_PIPELINE                                                       \
    "cgscc(inline),function(sroa,early-cse,simplifycfg,"                  \
    "instcombine<no-verify-fixpoint>,tailcallelim,loop-mssa(licm),gvn,"   \
    "constraint-elimination,dse,simplifycfg)"
/* The quick level's (jit_lazy.c): locals to registers only. */
#define JIT_QUICK_PIPELINE "function(sroa)"

/* The translator's pieces the lazy compiles use (jit_emit.c). e gets a
 * new module in ctx; jit_emit_done frees the translation's memory and
 * verifies the module when s is WP_OK, returning the outcome. */
void         jit_emit_init(jemit *e, wp_module *m, LLVMContextRef ctx, wp_error *err);
wp_status    jit_emit_done(jemit *e, wp_status s);
LLVMTypeRef  jit_native_type(jemit *e, const rt_functype *ft);
const rt_functype *jit_func_type(jemit *e, uint32_t f);
/* f<def> (e->fns[def], declared) from its body, and e<def> calling it. */
wp_status    jit_emit_function(jemit *e, uint32_t def, const uint8_t *body, size_t len,
                               uint32_t offset);
void         jit_emit_entry(jemit *e, uint32_t def);
/* A target machine for the host at level, for object files ORC links. */
wp_status    jit_host_machine(LLVMCodeGenOptLevel level, LLVMTargetMachineRef *out,
                              wp_error *err);
wp_status    jit_optimise(LLVMTargetMachineRef tm, LLVMModuleRef mod, const char *pipeline,
                          wp_error *err);
wp_status    jit_emit_object(LLVMTargetMachineRef tm, LLVMModuleRef mod, rt_jit_object *out,
                             wp_error *err);

#endif
