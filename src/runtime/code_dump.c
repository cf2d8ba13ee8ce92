/* A readable listing of translated code (code.h), one instruction per
 * line, for tests and debugging. Operands print as s<N> (slot), #<N>
 * (immediate), @<N> (branch target) and x<N> (index); `enter` lists
 * its constants in hex. A listing never reads
 * past the end of the code, even if the code is broken.
 */
#include <stdio.h>

#include "code.h"
#include "rt.h"

/* Operand kinds of each internal op, as in code.h: S slot, I immediate,
 * T target, X index. br_table is special (S I T*(n+1)). */
static const char *operand_kinds(uint32_t op)
{
    switch (op) {
#define UN(code, id, name, a, r) case IOP_##id: return "SS";
#define BIN(code, id, name, a, r) case IOP_##id: return "SSS";
#define LOAD(code, id, name, r, al) case IOP_##id: return "SSI";
#define STORE(code, id, name, a, al) case IOP_##id: return "SSI";
#include "opcodes.def"
    case IOP_enter: return "SII";
    case IOP_mov: return "SS";
    case IOP_mov2: return "SSSS";
    case IOP_i32_add3: return "SSSS";
    case IOP_const32: return "SI";
    case IOP_const64: return "SII";
    case IOP_br: return "T";
    case IOP_br_if: return "ST";
    case IOP_br_unless: return "ST";
    case IOP_br_table: return "SI";
    case IOP_br_i64_eqz: case IOP_br_i64_nez: return "ST";
    case IOP_i32_load_add: case IOP_i64_load_add: case IOP_i32_load8_s_add:
    case IOP_i32_load8_u_add: case IOP_i32_load16_s_add: case IOP_i32_load16_u_add:
    case IOP_i32_store_add: case IOP_i64_store_add: case IOP_i32_store8_add:
    case IOP_i32_store16_add: case IOP_i32_store_sum: case IOP_i32_store8_sum: return "SSSI";
    case IOP_br_i32_eq: case IOP_br_i32_ne: case IOP_br_i32_lt_s: case IOP_br_i32_lt_u:
    case IOP_br_i32_gt_s: case IOP_br_i32_gt_u: case IOP_br_i32_le_s: case IOP_br_i32_le_u:
    case IOP_br_i32_ge_s: case IOP_br_i32_ge_u:
    case IOP_br_i64_eq: case IOP_br_i64_ne: case IOP_br_i64_lt_s: case IOP_br_i64_lt_u:
    case IOP_br_i64_gt_s: case IOP_br_i64_gt_u: case IOP_br_i64_le_s: case IOP_br_i64_le_u:
    case IOP_br_i64_ge_s: case IOP_br_i64_ge_u: return "SST";
    case IOP_call: return "XS";
    case IOP_call_wasm: return "XS";
    case IOP_call_indirect: return "XXSS";
    case IOP_return: return "";
    case IOP_return_call: return "XS";
    case IOP_return_call_indirect: return "XXSS";
    case IOP_unreachable: return "";
    case IOP_select: return "SSSS";
    case IOP_global_get: return "SX";
    case IOP_global_set: return "XS";
    case IOP_memory_size: return "S";
    case IOP_memory_grow: return "SS";
    case IOP_memory_fill: return "SSS";
    case IOP_memory_copy: return "SSS";
    case IOP_libc_copy: return "SSS";
    case IOP_libc_move: return "SSS";
    case IOP_libc_fill: return "SSS";
    case IOP_memory_init: return "XSSS";
    case IOP_data_drop: return "X";
    case IOP_memory_select: return "X";
    case IOP_memory_grow_mem: return "SSX";
    case IOP_memory_copy_mem: return "XXSSS";
    case IOP_table_get: return "SXS";
    case IOP_table_set: return "XSS";
    case IOP_table_size: return "SX";
    case IOP_table_grow: return "SXSS";
    case IOP_table_fill: return "XSSS";
    case IOP_table_copy: return "XXSSS";
    case IOP_table_init: return "XXSSS";
    case IOP_elem_drop: return "X";
    case IOP_ref_null: return "S";
    case IOP_ref_is_null: return "SS";
    case IOP_ref_func: return "SX";
#define SIMD_ROW(id, name, layout) case IOP_##id: return layout;
#include "simd.def"
    default: return NULL;
    }
}

static void print_operand(FILE *out, char kind, uint32_t w)
{
    switch (kind) {
    case 'S': fprintf(out, "s%u", w); break;
    case 'T': fprintf(out, "@%u", w); break;
    case 'X': fprintf(out, "x%u", w); break;
    default: fprintf(out, "#%u", w); break;
    }
}

void rt_code_dump(FILE *out, const rt_code *code)
{
    const uint32_t *w = code->words;
    uint32_t n = code->nwords;
    fprintf(out, "; %u words, params %u, locals %u, results %u, frame %u slots\n", n,
            code->nparams, code->nlocals, code->nresults, code->frame_slots);
    uint32_t pc = 0;
    while (pc < n) {
        uint32_t op = w[pc];
        const char *kinds = operand_kinds(op);
        fprintf(out, "%5u: %s", pc, rt_iop_name(op));
        if (kinds == NULL) {
            fprintf(out, " <unknown op %u>\n", op);
            return;
        }
        pc++;
        for (const char *k = kinds; *k != '\0'; k++) {
            if (pc >= n) {
                fprintf(out, " <truncated>\n");
                return;
            }
            fprintf(out, "%s", k == kinds ? " " : ", ");
            print_operand(out, *k, w[pc++]);
        }
        if (op == IOP_enter) {
            uint32_t count = w[pc - 1];
            fprintf(out, " [");
            for (uint64_t i = 0; i < count; i++) {
                if (pc + 1 >= n) {
                    fprintf(out, " <truncated>\n");
                    return;
                }
                uint64_t v = (uint64_t)w[pc] | (uint64_t)w[pc + 1] << 32;
                fprintf(out, "%s0x%llx", i ? " " : "", (unsigned long long)v);
                pc += 2;
            }
            fprintf(out, "]");
        }
        if (op == IOP_br_table) {
            uint32_t count = w[pc - 1];
            fprintf(out, " [");
            for (uint64_t i = 0; i <= count; i++) {
                if (pc >= n) {
                    fprintf(out, " <truncated>\n");
                    return;
                }
                fprintf(out, "%s@%u", i ? " " : "", w[pc++]);
            }
            fprintf(out, "]");
        }
        fprintf(out, "\n");
    }
}
