/* Names for what wasmpipe does not implement. A WebAssembly 2.0 decoder
 * sees a proposal's encoding as malformed bytes; these lookups let the
 * error name the feature instead ("shared memory (threads proposal) is not
 * supported: limits flags 0x03"), so that a user knows the module needs a
 * proposal rather than suspecting a broken file. The status stays
 * WP_ERR_MALFORMED, as the 2.0 spec requires. Each returns NULL when the
 * byte is not the encoding of a known proposal (unsupported.c).
 */
#ifndef WP_UNSUPPORTED_H
#define WP_UNSUPPORTED_H

#include <stdint.h>

#include "wasmpipe/runtime.h"

/* Fails with WP_ERR_MALFORMED and "<what> is not supported: <detail>". */
wp_status rt_fail_unsupported(wp_error *err, uint32_t offset, const char *what,
                              const char *fmt, ...) WP_PRINTF(4, 5);

/* A one-byte opcode (block type, control or reference instructions) or a
 * prefix byte whose whole space belongs to a proposal (0xfb, 0xfe). */
const char *rt_unsupported_opcode(uint8_t op);
/* A sub-opcode of the 0xfc or 0xfd prefix. */
const char *rt_unsupported_prefixed(uint8_t prefix, uint32_t sub);
/* The first byte of a value type, reference type or heap type. */
const char *rt_unsupported_valtype(uint8_t b);
/* The form byte of a type section entry (0x60 is a function type). */
const char *rt_unsupported_type_form(uint8_t form);
/* The flags byte of table or memory limits. */
const char *rt_unsupported_limits(uint8_t flags);
/* An import or export kind beyond 2.0's four. */
const char *rt_unsupported_extern_kind(uint8_t kind);
/* A section id beyond 2.0's. */
const char *rt_unsupported_section(uint8_t id);

#endif
