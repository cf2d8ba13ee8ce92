/* Names of the internal operations, generated from the same tables as the
 * enum so they cannot drift apart, and the map from a position in the
 * code back to the wasm instruction it came from. */
#include "rt.h"
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

uint32_t rt_code_offset(const rt_code *c, const uint32_t *ip)
{
    if (c == NULL)
        return UINT32_MAX;
    if (c->pos == NULL || c->npos == 0)
        return UINT32_MAX;
    if (ip < c->words || ip >= c->words + c->nwords)
        return c->body_offset;
    uint32_t w = (uint32_t)(ip - c->words);
    /* The last pair whose word index is <= w. */
    uint32_t lo = 0, hi = c->npos;
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (c->pos[2 * mid] <= w)
            lo = mid;
        else
            hi = mid;
    }
    return c->pos[2 * lo] <= w ? c->pos[2 * lo + 1] : c->body_offset;
}
