/* Validation and translation of the v128 instructions (prefix 0xFD), for
 * the translator (translate.c): it decodes each 0xFD instruction with
 * rt_simd_decode and hands it to rt_simd_translate, which checks it with
 * the validator and emits its internal code (simd.def).
 */
#ifndef WP_TRANSLATE_SIMD_H
#define WP_TRANSLATE_SIMD_H

#include "emit.h"
#include "reader.h"
#include "validate.h"

/* What a v128 instruction needs of the translator's state. */
typedef struct rt_simd_ctx {
    wp_module    *m;
    rt_validator *v;
    rt_emit      *e;
    wp_error     *err;
} rt_simd_ctx;

/* The immediates of one decoded 0xFD instruction. */
typedef struct rt_simd_instr {
    uint32_t       op;       /* 0xFD00 | sub-opcode */
    uint32_t       align;    /* memarg */
    uint32_t       offset;   /* memarg */
    uint32_t       memory;   /* memarg: memory index (multi-memory) */
    uint32_t       lane;     /* lane index */
    const uint8_t *bytes;    /* v128.const value / i8x16.shuffle lanes (16) */
} rt_simd_instr;

/* Reads the sub-opcode after the 0xFD prefix (at: the prefix's offset) and
 * its immediates; multi_memory: a memarg may carry a memory index. Fails
 * with WP_ERR_MALFORMED only. */
wp_status rt_simd_decode(rt_reader *r, uint32_t at, bool multi_memory, rt_simd_instr *out,
                         wp_error *err);

/* Text name of a 0xFD00 | sub op, or "?". */
const char *rt_simd_name(uint32_t op);

/* Validates and translates one decoded instruction. */
wp_status rt_simd_translate(rt_simd_ctx *c, const rt_simd_instr *in);

#endif
