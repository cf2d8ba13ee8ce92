/* A structured generator of valid WebAssembly modules for the fuzz
 * targets (gen_module.c): the fuzzer's bytes are read as a sequence of
 * choices (which instruction, which operand, which constant), and every
 * choice is turned into code that validates, so that mutations of the
 * bytes reach the tiers' code generators instead of the validator.
 *
 * The module: function 0 is an import env.h (i32 i32) -> i32; functions
 * 1..N (N = 1..4, types from the bytes) are defined and exported as f0,
 * f1, ...; a funcref table "t" holds functions 1..N and then 0 from slot
 * 0, the rest null; memory "m" has 1 page (2 at most) with 64 bytes of
 * data at 0; mutable globals g0..g3 are an i32, an i64, an f32 and an f64.
 *
 * The code: numeric instructions of all four types (trapping ones
 * included), locals, globals, loads and stores of every width at
 * addresses near 0 and near the end of memory, memory.size, grow, fill
 * and copy, select, calls (to the import and to functions of higher index
 * only, so direct calls never recurse), call_indirect through the table
 * with any type (so the three call_indirect traps happen), block, if and
 * loop with br, br_if, br_table and return. Every loop counts down a
 * counter of its own from at most 7, so generated code always ends
 * (call_indirect can still recurse until the call stack is exhausted).
 *
 * With `simd` set, functions also take, return and keep v128 values (in
 * params, results, locals, block results and a mutable v128 global g4),
 * and every instruction of the fixed-width SIMD set is generated
 * (gen_simd.inc): v128.const, splats, lane extract/replace, integer and
 * float lane arithmetic, comparisons, bitwise ops and bitselect, the
 * any_true/all_true/bitmask tests, narrow, extend, extmul, dot, q15mulr,
 * shuffle and swizzle, conversions, and v128 loads and stores of every
 * kind (whole, extending, splat, zero-filling, single lane) at the same
 * edge addresses as the scalar ones. A v128 the code does not return is
 * xored into g4, as integers are into their globals.
 *
 * NaN: with `canonical` set, the result of every float instruction that
 * may produce a NaN whose bits the spec leaves free (arithmetic, sqrt,
 * rounding, min, max, promote, demote; of scalars and of f32x4/f64x2
 * lanes) is replaced by the canonical positive NaN when it is a NaN, so
 * that results, globals and memory can be compared bit for bit between
 * engines.
 *
 * gen_libc_module builds instead the module of the three wasi-libc bodies
 * that the interpreter recognises (libc_match.c), memcpy, memmove (calling
 * that memcpy) and memset, exported under those names with a memory "m"
 * of 1 page (2 at most) whose first 256 bytes are a pattern.
 */
#ifndef WP_FUZZ_GEN_MODULE_H
#define WP_FUZZ_GEN_MODULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A malloc'd module built from data[0..size); *len receives its size.
 * simd: v128 values and instructions too (see above). */
uint8_t *gen_module(const uint8_t *data, size_t size, bool canonical, bool simd, size_t *len);
uint8_t *gen_libc_module(size_t *len);

/* The bits of one of the edge values of a type (0x7f i32, 0x7e i64, 0x7d
 * f32, 0x7c f64) that the generator uses as constants, chosen by pick:
 * zeros, ones, limits, infinities, NaNs, the bounds of the truncations. */
uint64_t gen_edge_bits(uint8_t valtype, uint8_t pick);

#endif
