/* Names of the internal operations, generated from the same tables as the
 * enum so they cannot drift apart. */
#include "code.h"

static const char *const iop_names[IOP__COUNT] = {
#define UN(code, id, name, a, r) name,
#define BIN(code, id, name, a, r) name,
#define LOAD(code, id, name, r, al) name,
#define STORE(code, id, name, a, al) name,
#include "opcodes.def"
#define X(id) #id,
    RT_INTERNAL_OPS(X)
#undef X
#define SIMD_ROW(id, name, layout) name,
#include "simd.def"
};

const char *rt_iop_name(uint32_t op)
{
    return op < IOP__COUNT ? iop_names[op] : "?";
}
