/* The internal code: what the translator emits and the interpreter runs.
 *
 * A function's code is an array of 32-bit words. Each instruction is one
 * opcode word (an rt_iop) followed by its operands, all 32-bit:
 *
 *   S  a slot index, relative to the frame pointer fp (fp[S] is a uint64_t)
 *   I  a 32-bit immediate
 *   T  a branch target: an absolute word index into this function's code
 *   X  an index into one of the module's index spaces (func, type, table,
 *      global, elem, data)
 *
 * Frame layout (slots of 8 bytes, fp[0] first):
 *
 *   | params | declared locals | constants | operand stack ...     |
 *   0        nparams           nlocals     nlocals + nconsts       frame_slots
 *
 * Every value of the operand stack has a fixed slot, decided at
 * translation; a local is just a slot below nlocals, so an instruction may
 * name a local directly as an operand. Likewise a constant: the function's
 * most used constants are copied into the slots after the locals at entry,
 * and from there on an instruction names a constant like any other slot, so
 * those constants cost no instruction of their own.
 *
 * Entry: a function with declared locals or constants begins with one
 * `enter`, which zeroes the declared locals and writes the constants (a
 * few declared locals are written as values 0 in front of the constants,
 * so that one copy of constant size writes them all). i32 and f32 values live in the low
 * 32 bits of their slot (writers zero-extend; readers read only the low 32
 * bits), i64 and f64 use the whole slot, references are pointers (NULL is
 * the null reference; a funcref is a wp_func *), and a v128 takes two
 * adjacent slots (its 16 bytes in lane order; simd.def has its ops).
 *
 * Calls: the caller puts the arguments in consecutive slots base..; the
 * callee's frame starts there (fp' = fp + base), so the arguments are its
 * params. On return the results are at fp'[0..nresults), i.e. the caller's
 * base.. slots. The callee's `enter` zeroes its declared locals.
 * Before `return` the translator has moved the results to fp[0..nresults).
 *
 * Branches: the translator has already emitted the `mov`s that put a
 * block's result values into the target's slots; branches only jump. A
 * comparison whose only use is a branch is fused with it (br_i32_lt_s,
 * ...). A taken branch to an earlier word closes a loop and checks for an
 * interrupt there, so loops need no instruction of their own for it.
 *
 * Operand layouts:
 *
 *   UN rows of opcodes.def       op S:dst S:src
 *   BIN rows                     op S:dst S:a S:b
 *   LOAD rows                    op S:dst S:addr I:offset
 *   STORE rows                   op S:addr S:value I:offset
 *   internal rows (below)        as written at each row
 *
 * Memory accesses address the selected memory: memory 0, or another one
 * between memory_select ops (below); the effective address is the 64-bit
 * sum (uint64_t)(uint32_t)fp[addr] + offset, bounds-checked against the
 * memory's size in bytes.
 */
#ifndef WP_CODE_H
#define WP_CODE_H

#include <stdint.h>
#include <stdio.h>

/* Operations that exist only in the internal code. */
#define RT_INTERNAL_OPS(X)                                                    \
    X(enter)          /* S:first I:nzero I:n (I:lo I:hi)*n: zeroes nzero   \
                         slots from first, then writes the n constants */ \
    X(mov)            /* S:dst S:src            copy one slot */              \
    X(mov2)           /* S:d1 S:s1 S:d2 S:s2    two movs, in this order */    \
    X(i32_add3)       /* S:dst S:a S:b S:c      dst = a + b + c (i32) */      \
    X(const32)        /* S:dst I:value          slot = (uint64_t)value */     \
    X(const64)        /* S:dst I:lo I:hi */                                   \
    X(br)             /* T */                                                 \
    X(br_if)          /* S:cond T               jump if (uint32_t)cond != 0 */\
    X(br_unless)      /* S:cond T               jump if (uint32_t)cond == 0 */\
    X(br_table)       /* S:index I:n T*(n+1)    index >= n: the last target */\
    /* Compare and branch: jump if the i32 / i64 comparison holds. */         \
    X(br_i32_eq)      /* S:a S:b T */                                         \
    X(br_i32_ne)      /* S:a S:b T */                                         \
    X(br_i32_lt_s)    /* S:a S:b T */                                         \
    X(br_i32_lt_u)    /* S:a S:b T */                                         \
    X(br_i32_gt_s)    /* S:a S:b T */                                         \
    X(br_i32_gt_u)    /* S:a S:b T */                                         \
    X(br_i32_le_s)    /* S:a S:b T */                                         \
    X(br_i32_le_u)    /* S:a S:b T */                                         \
    X(br_i32_ge_s)    /* S:a S:b T */                                         \
    X(br_i32_ge_u)    /* S:a S:b T */                                         \
    X(br_i64_eqz)     /* S:a T                  jump if a == 0 (64 bits) */   \
    X(br_i64_nez)     /* S:a T */                                             \
    X(br_i64_eq)      /* S:a S:b T */                                         \
    X(br_i64_ne)      /* S:a S:b T */                                         \
    X(br_i64_lt_s)    /* S:a S:b T */                                         \
    X(br_i64_lt_u)    /* S:a S:b T */                                         \
    X(br_i64_gt_s)    /* S:a S:b T */                                         \
    X(br_i64_gt_u)    /* S:a S:b T */                                         \
    X(br_i64_le_s)    /* S:a S:b T */                                         \
    X(br_i64_le_u)    /* S:a S:b T */                                         \
    X(br_i64_ge_s)    /* S:a S:b T */                                         \
    X(br_i64_ge_u)    /* S:a S:b T */                                         \
    /* Loads and stores whose address is an i32.add of two slots:         \
     * effective address (uint32_t)(a + b) + offset. */                       \
    X(i32_load_add)   /* S:dst S:a S:b I:offset */                            \
    X(i64_load_add)   /* S:dst S:a S:b I:offset */                            \
    X(i32_load8_s_add)  /* S:dst S:a S:b I:offset */                          \
    X(i32_load8_u_add)  /* S:dst S:a S:b I:offset */                          \
    X(i32_load16_s_add) /* S:dst S:a S:b I:offset */                          \
    X(i32_load16_u_add) /* S:dst S:a S:b I:offset */                          \
    X(i32_store_add)  /* S:a S:b S:value I:offset */                          \
    X(i64_store_add)  /* S:a S:b S:value I:offset */                          \
    X(i32_store8_add) /* S:a S:b S:value I:offset */                          \
    X(i32_store16_add) /* S:a S:b S:value I:offset */                         \
    /* Stores of a sum: value (uint32_t)(a + b). */                           \
    X(i32_store_sum)  /* S:addr S:a S:b I:offset */                           \
    X(i32_store8_sum) /* S:addr S:a S:b I:offset */                           \
    X(call)           /* X:func S:base */                                     \
    X(call_wasm)      /* X:func S:base          a call of a function defined \
                         in this module: always wasm, always this instance */ \
    X(call_indirect)  /* X:type X:table S:index S:base */                     \
    X(return)         /* -                      results are at fp[0..n) */    \
    /* Tail calls: the arguments at base.. move down to fp[0..) and a wasm \
     * callee runs in the caller's frame. A host callee runs as by call,  \
     * and the code after the op (movs of its results to fp[0..), return) \
     * runs next; a wasm callee never comes back to it. */                \
    X(return_call)    /* X:func S:base */                                     \
    X(return_call_indirect) /* X:type X:table S:index S:base */               \
    X(unreachable)    /* - */                                                 \
    X(select)         /* S:dst S:a S:b S:cond   dst = cond ? a : b */         \
    X(global_get)     /* S:dst X:global */                                    \
    X(global_set)     /* X:global S:src */                                    \
    X(memory_size)    /* S:dst */                                             \
    X(memory_grow)    /* S:dst S:delta */                                     \
    X(memory_fill)    /* S:d S:value S:n */                                   \
    X(memory_copy)    /* S:d S:s S:n */                                       \
    X(memory_init)    /* X:data S:d S:s S:n */                                \
    X(data_drop)      /* X:data */                                            \
    /* Multi-memory: an access to memory x != 0 is the memory-0 op between \
     * memory_select x and memory_select 0, which point the cached memory \
     * at x and back; grow and copy have their own ops. */                  \
    X(memory_select)  /* X:mem */                                             \
    X(memory_grow_mem) /* S:dst S:delta X:mem */                              \
    X(memory_copy_mem) /* X:dst_mem X:src_mem S:d S:s S:n */                  \
    X(table_get)      /* S:dst X:table S:i */                                 \
    X(table_set)      /* X:table S:i S:value */                               \
    X(table_size)     /* S:dst X:table */                                     \
    X(table_grow)     /* S:dst X:table S:init S:n */                          \
    X(table_fill)     /* X:table S:i S:value S:n */                           \
    X(table_copy)     /* X:dst_table X:src_table S:d S:s S:n */               \
    X(table_init)     /* X:table X:elem S:d S:s S:n */                        \
    X(elem_drop)      /* X:elem */                                            \
    X(ref_null)       /* S:dst */                                             \
    X(ref_is_null)    /* S:dst S:src */                                       \
    X(ref_func)       /* S:dst X:func */                                   \
    /* The whole code of a function not yet translated (rt_code_lazy):    \
     * translates the current function, then enters its code. */          \
    X(lazy)           /* - */                                              \
    /* The guard in front of a recognised wasi-libc body (libc_match.c),  \
     * followed by `return`: where the native op gives exactly the loop's  \
     * result it runs, leaves d in S:d and goes on to the return; else it \
     * skips the return into the translated body (a range outside memory \
     * 0; for memcpy also overlapping ranges). */                          \
    X(libc_copy)      /* S:d S:s S:n            memcpy of n bytes */        \
    X(libc_move)      /* S:d S:s S:n            memmove of n bytes */       \
    X(libc_fill)      /* S:d S:c S:n            memset of n bytes to c */

typedef enum rt_iop {
#define UN(code, id, name, a, r) IOP_##id,
#define BIN(code, id, name, a, r) IOP_##id,
#define LOAD(code, id, name, r, al) IOP_##id,
#define STORE(code, id, name, a, al) IOP_##id,
#include "opcodes.def"
#define X(id) IOP_##id,
    RT_INTERNAL_OPS(X)
#undef X
#define SIMD_ROW(id, name, layout) IOP_##id,
#include "simd.def"
    IOP__COUNT
} rt_iop;

/* Name of an internal op, for dumps and messages (code.c). */
const char *rt_iop_name(uint32_t op);

/* Prints a listing of translated code, one instruction per line with its
 * operands (code_dump.c). */
struct rt_code;
void rt_code_dump(FILE *out, const struct rt_code *code);

#endif
