/* State shared by the files of the module decoder (decode.c,
 * decode_sections.c, const_expr.c); nothing outside them includes this.
 *
 * Malformed input stops decoding at once. A validation failure (an
 * out-of-range index, a type mismatch, ...) is only recorded, and decoding
 * goes on, because the spec decodes the whole binary before it validates:
 * a module that is both invalid and, further on, malformed must be
 * reported as malformed. The first recorded failure is returned once the
 * whole module has been read. Code bodies are not translated once a
 * failure is recorded, since the translator may rely on what failed.
 */
#ifndef WP_DECODE_H
#define WP_DECODE_H

#include "reader.h"
#include "rt.h"

typedef struct rt_decoder {
    wp_module  *m;
    wp_error   *err;             /* the decoder's own error: never NULL */
    wp_error    pending;         /* first validation failure */
    bool        has_pending;
    bool        err_has_context; /* err already says where it happened */
    const char *section;         /* section being decoded, for messages */
    uint32_t    ndefined_funcs;  /* entries of the function section */
    bool        seen_code;
    bool        seen_data;
    uint8_t     built;           /* index spaces laid out: bit (1 << wp_extern_kind) */
    bool        has_names;       /* the first "name" custom section was seen */
} rt_decoder;

/* Records a validation failure (the first one wins) and returns WP_OK, so
 * the caller goes on decoding. */
wp_status rt_dec_invalid(rt_decoder *d, uint32_t offset, const char *fmt, ...) WP_PRINTF(3, 4);

/* A zeroed array of n elements in the module's arena, never NULL on
 * success (also for n == 0); NULL when out of memory. */
void *rt_dec_alloc(rt_decoder *d, size_t n, size_t size, size_t align);
#define RT_DEC_ARRAY(d, T, n) ((T *)rt_dec_alloc((d), (n), sizeof(T), _Alignof(T)))
wp_status rt_dec_nomem(rt_decoder *d, uint32_t offset);

/* Copies a name into the arena, NUL-terminated. */
wp_status rt_dec_name(rt_decoder *d, const uint8_t *s, uint32_t len, rt_name *out, uint32_t offset);

/* "i32", "funcref", ... for messages. */
const char *rt_dec_type_name(rt_valtype t);

/* Lays out an index space (imports first, then `ndefined` definitions).
 * Called by the defining section, or with 0 when that section is absent. */
wp_status rt_dec_build_space(rt_decoder *d, wp_extern_kind kind, uint32_t ndefined);

/* A constant expression of the expected type; ref.func marks the function
 * in m->func_declared. */
wp_status rt_dec_const_expr(rt_decoder *d, rt_reader *r, rt_valtype expected, rt_const_expr *out);

/* One function per section (decode_sections.c); r is the section's
 * contents. The caller checks that each consumed all of them. */
wp_status rt_dec_type_section(rt_decoder *d, rt_reader *r);
wp_status rt_dec_import_section(rt_decoder *d, rt_reader *r);
wp_status rt_dec_function_section(rt_decoder *d, rt_reader *r);
wp_status rt_dec_table_section(rt_decoder *d, rt_reader *r);
wp_status rt_dec_memory_section(rt_decoder *d, rt_reader *r);
wp_status rt_dec_global_section(rt_decoder *d, rt_reader *r);
wp_status rt_dec_export_section(rt_decoder *d, rt_reader *r);
wp_status rt_dec_start_section(rt_decoder *d, rt_reader *r);
wp_status rt_dec_element_section(rt_decoder *d, rt_reader *r);
wp_status rt_dec_datacount_section(rt_decoder *d, rt_reader *r);
wp_status rt_dec_code_section(rt_decoder *d, rt_reader *r);
wp_status rt_dec_data_section(rt_decoder *d, rt_reader *r);

/* The function-names part of the "name" custom section, best effort: a
 * broken section leaves m->func_names empty and is not an error (except
 * when out of memory). Run on first use, under the module's lock
 * (rt_dec_read_names). */
wp_status rt_dec_name_section(rt_decoder *d, rt_reader *r);

#endif
