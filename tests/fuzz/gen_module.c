/* The structured module generator (gen_module.h says what it builds).
 *
 * Bodies are generated with a typed operand stack and a stack of control
 * frames, as a validator would track them: an instruction's operands are
 * taken from the top of the stack where their types are there, and are
 * otherwise made on the spot (a constant, a local or a global of the type),
 * so any choice gives valid code. Once the bytes run out every choice reads
 * 0, which closes the innermost frame, so generation always ends.
 */
#include "gen_module.h"

#include <stdlib.h>
#include <string.h>

#include "libc_match.h"

enum { I32 = 0x7f, I64 = 0x7e, F32 = 0x7d, F64 = 0x7c, V128 = 0x7b };

static const uint8_t valtypes[5] = { I32, I64, F32, F64, V128 };

#define MAX_FUNCS   4
#define MAX_PARAMS  4
#define MAX_STACK   256
#define MAX_FRAMES  8
#define MAX_OPS     300     /* choices per function body */
#define NCOUNTERS   3       /* nested loops per function */
#define NTYPES      5       /* value types, by type_slot */

/* ---------------------------------------------------------------- bytes */

typedef struct buf {
    uint8_t *p;
    size_t   n, cap;
} buf;

static void put(buf *b, const void *src, size_t n)
{
    if (b->n + n > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->n + n)
            cap *= 2;
        uint8_t *p = realloc(b->p, cap);
        if (p == NULL)
            abort();
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, src, n);
    b->n += n;
}

static void put_byte(buf *b, uint8_t x) { put(b, &x, 1); }

static void put_u32(buf *b, uint32_t x)
{
    do {
        uint8_t c = x & 0x7f;
        x >>= 7;
        put_byte(b, (uint8_t)(c | (x ? 0x80 : 0)));
    } while (x);
}

static void put_s64(buf *b, int64_t x)
{
    for (;;) {
        uint8_t c = x & 0x7f;
        x >>= 7;   /* arithmetic shift (two's complement, as clang and gcc do) */
        if ((x == 0 && !(c & 0x40)) || (x == -1 && (c & 0x40))) {
            put_byte(b, c);
            return;
        }
        put_byte(b, (uint8_t)(c | 0x80));
    }
}

static void put_section(buf *m, uint8_t id, buf *s)
{
    put_byte(m, id);
    put_u32(m, (uint32_t)s->n);
    put(m, s->p, s->n);
    s->n = 0;
}

static void put_name(buf *b, const char *s)
{
    put_u32(b, (uint32_t)strlen(s));
    put(b, s, strlen(s));
}

/* ---------------------------------------------------------------- choices */

typedef struct src {
    const uint8_t *p;
    size_t         n, at;
} src;

static uint8_t next(src *s) { return s->at < s->n ? s->p[s->at++] : 0; }

static uint32_t next32(src *s)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)next(s) << (8 * i);
    return v;
}

static uint64_t next64(src *s)
{
    uint64_t lo = next32(s);
    return lo | (uint64_t)next32(s) << 32;
}

/* Values where the arithmetic of the tiers is most likely to part. */
static const int64_t edge_ints[] = {
    0, 1, -1, 2, 7, 31, 32, 63, 64, 255, 256, 0x7fff, 0x8000, 0xffff, 0x10000,
    INT32_MAX, INT32_MIN, (int64_t)UINT32_MAX, INT64_MAX, INT64_MIN, 0x100000000ll,
};
static const uint32_t edge_f32[] = {
    0x00000000, 0x80000000, 0x3f800000, 0xbf800000, 0x7f800000, 0xff800000, 0x7fc00000,
    0xffc00000, 0x7fa00001, 0x7f800001, 0x00000001, 0x7f7fffff, 0x4f000000, 0xcf000000,
    0x5f000000, 0xdf000000, 0x3f000000, 0x3fc00000, 0xbf000000, 0x4effffff, 0x4f800000,
};
static const uint64_t edge_f64[] = {
    0x0000000000000000ull, 0x8000000000000000ull, 0x3ff0000000000000ull, 0xbff0000000000000ull,
    0x7ff0000000000000ull, 0xfff0000000000000ull, 0x7ff8000000000000ull, 0xfff8000000000000ull,
    0x7ff4000000000001ull, 0x7ff0000000000001ull, 0x0000000000000001ull, 0x7fefffffffffffffull,
    0x41e0000000000000ull, 0xc1e0000000000000ull, 0x43e0000000000000ull, 0xc3e0000000000000ull,
    0x3fe0000000000000ull, 0x3ff8000000000000ull, 0x41dfffffffc00000ull, 0x41efffffffe00000ull,
    0xc1e0000000200000ull, 0x43f0000000000000ull,
};
#define COUNT(a) (sizeof (a) / sizeof (a)[0])

uint64_t gen_edge_bits(uint8_t valtype, uint8_t pick)
{
    switch (valtype) {
    case I32: return (uint32_t)edge_ints[pick % COUNT(edge_ints)];
    case I64: return (uint64_t)edge_ints[pick % COUNT(edge_ints)];
    case F32: return edge_f32[pick % COUNT(edge_f32)];
    case F64: return edge_f64[pick % COUNT(edge_f64)];
    default:  return 0;
    }
}

/* Addresses: near 0, near the end of the first page and of a grown
 * second page, and beyond. */
static const uint32_t edge_addrs[] = {
    0, 1, 2, 3, 4, 7, 8, 16, 60, 64, 65528, 65532, 65534, 65535, 65536, 131064, 131071,
    131072, 0x7fffffff, 0xfffffff8, 0xffffffff,
};

/* ---------------------------------------------------------------- instructions */

enum {
    CANON = 1,     /* float result whose NaN bits are free */
    MEM   = 2,     /* load or store: a memarg follows; `align` is natural */
    FC    = 4,     /* 0xfc prefix */
};

typedef struct op {
    uint8_t code;
    uint8_t nparams;
    uint8_t params[3];
    uint8_t result;     /* 0: none */
    uint8_t flags;
    uint8_t align;      /* MEM: log2 of the natural alignment */
} op;

#define U(c, a, r, f)     { c, 1, { a }, r, f, 0 }
#define B(c, a, r, f)     { c, 2, { a, a }, r, f, 0 }
#define LD(c, r, al)      { c, 1, { I32 }, r, MEM, al }
#define ST(c, t, al)      { c, 2, { I32, t }, 0, MEM, al }

static const op ops[] = {
    /* i32 */
    U(0x45, I32, I32, 0), U(0x67, I32, I32, 0), U(0x68, I32, I32, 0), U(0x69, I32, I32, 0),
    U(0xc0, I32, I32, 0), U(0xc1, I32, I32, 0),
    B(0x46, I32, I32, 0), B(0x47, I32, I32, 0), B(0x48, I32, I32, 0), B(0x49, I32, I32, 0),
    B(0x4a, I32, I32, 0), B(0x4b, I32, I32, 0), B(0x4c, I32, I32, 0), B(0x4d, I32, I32, 0),
    B(0x4e, I32, I32, 0), B(0x4f, I32, I32, 0),
    B(0x6a, I32, I32, 0), B(0x6b, I32, I32, 0), B(0x6c, I32, I32, 0), B(0x6d, I32, I32, 0),
    B(0x6e, I32, I32, 0), B(0x6f, I32, I32, 0), B(0x70, I32, I32, 0), B(0x71, I32, I32, 0),
    B(0x72, I32, I32, 0), B(0x73, I32, I32, 0), B(0x74, I32, I32, 0), B(0x75, I32, I32, 0),
    B(0x76, I32, I32, 0), B(0x77, I32, I32, 0), B(0x78, I32, I32, 0),
    /* i64 */
    U(0x50, I64, I32, 0), U(0x79, I64, I64, 0), U(0x7a, I64, I64, 0), U(0x7b, I64, I64, 0),
    U(0xc2, I64, I64, 0), U(0xc3, I64, I64, 0), U(0xc4, I64, I64, 0),
    B(0x51, I64, I32, 0), B(0x52, I64, I32, 0), B(0x53, I64, I32, 0), B(0x54, I64, I32, 0),
    B(0x55, I64, I32, 0), B(0x56, I64, I32, 0), B(0x57, I64, I32, 0), B(0x58, I64, I32, 0),
    B(0x59, I64, I32, 0), B(0x5a, I64, I32, 0),
    B(0x7c, I64, I64, 0), B(0x7d, I64, I64, 0), B(0x7e, I64, I64, 0), B(0x7f, I64, I64, 0),
    B(0x80, I64, I64, 0), B(0x81, I64, I64, 0), B(0x82, I64, I64, 0), B(0x83, I64, I64, 0),
    B(0x84, I64, I64, 0), B(0x85, I64, I64, 0), B(0x86, I64, I64, 0), B(0x87, I64, I64, 0),
    B(0x88, I64, I64, 0), B(0x89, I64, I64, 0), B(0x8a, I64, I64, 0),
    /* f32 */
    B(0x5b, F32, I32, 0), B(0x5c, F32, I32, 0), B(0x5d, F32, I32, 0), B(0x5e, F32, I32, 0),
    B(0x5f, F32, I32, 0), B(0x60, F32, I32, 0),
    U(0x8b, F32, F32, 0), U(0x8c, F32, F32, 0), U(0x8d, F32, F32, CANON),
    U(0x8e, F32, F32, CANON), U(0x8f, F32, F32, CANON), U(0x90, F32, F32, CANON),
    U(0x91, F32, F32, CANON),
    B(0x92, F32, F32, CANON), B(0x93, F32, F32, CANON), B(0x94, F32, F32, CANON),
    B(0x95, F32, F32, CANON), B(0x96, F32, F32, CANON), B(0x97, F32, F32, CANON),
    B(0x98, F32, F32, 0),
    /* f64 */
    B(0x61, F64, I32, 0), B(0x62, F64, I32, 0), B(0x63, F64, I32, 0), B(0x64, F64, I32, 0),
    B(0x65, F64, I32, 0), B(0x66, F64, I32, 0),
    U(0x99, F64, F64, 0), U(0x9a, F64, F64, 0), U(0x9b, F64, F64, CANON),
    U(0x9c, F64, F64, CANON), U(0x9d, F64, F64, CANON), U(0x9e, F64, F64, CANON),
    U(0x9f, F64, F64, CANON),
    B(0xa0, F64, F64, CANON), B(0xa1, F64, F64, CANON), B(0xa2, F64, F64, CANON),
    B(0xa3, F64, F64, CANON), B(0xa4, F64, F64, CANON), B(0xa5, F64, F64, CANON),
    B(0xa6, F64, F64, 0),
    /* conversions */
    U(0xa7, I64, I32, 0), U(0xa8, F32, I32, 0), U(0xa9, F32, I32, 0), U(0xaa, F64, I32, 0),
    U(0xab, F64, I32, 0), U(0xac, I32, I64, 0), U(0xad, I32, I64, 0), U(0xae, F32, I64, 0),
    U(0xaf, F32, I64, 0), U(0xb0, F64, I64, 0), U(0xb1, F64, I64, 0), U(0xb2, I32, F32, 0),
    U(0xb3, I32, F32, 0), U(0xb4, I64, F32, 0), U(0xb5, I64, F32, 0),
    U(0xb6, F64, F32, CANON), U(0xb7, I32, F64, 0), U(0xb8, I32, F64, 0),
    U(0xb9, I64, F64, 0), U(0xba, I64, F64, 0), U(0xbb, F32, F64, CANON),
    U(0xbc, F32, I32, 0), U(0xbd, F64, I64, 0), U(0xbe, I32, F32, 0), U(0xbf, I64, F64, 0),
    U(0x00, F32, I32, FC), U(0x01, F32, I32, FC), U(0x02, F64, I32, FC), U(0x03, F64, I32, FC),
    U(0x04, F32, I64, FC), U(0x05, F32, I64, FC), U(0x06, F64, I64, FC), U(0x07, F64, I64, FC),
    /* memory */
    LD(0x28, I32, 2), LD(0x29, I64, 3), LD(0x2a, F32, 2), LD(0x2b, F64, 3),
    LD(0x2c, I32, 0), LD(0x2d, I32, 0), LD(0x2e, I32, 1), LD(0x2f, I32, 1),
    LD(0x30, I64, 0), LD(0x31, I64, 0), LD(0x32, I64, 1), LD(0x33, I64, 1),
    LD(0x34, I64, 2), LD(0x35, I64, 2),
    ST(0x36, I32, 2), ST(0x37, I64, 3), ST(0x38, F32, 2), ST(0x39, F64, 3),
    ST(0x3a, I32, 0), ST(0x3b, I32, 1), ST(0x3c, I64, 0), ST(0x3d, I64, 1), ST(0x3e, I64, 2),
};
#define NOPS COUNT(ops)

/* ---------------------------------------------------------------- functions */

typedef struct sig {
    uint8_t np, nr;
    uint8_t p[MAX_PARAMS], r[2];
} sig;

enum { K_FUNC, K_BLOCK, K_IF, K_ELSE, K_LOOP, K_LOOP_EXIT };

typedef struct frame {
    uint8_t  kind;
    uint8_t  nres;      /* 0 or 1 for blocks; the function's for K_FUNC */
    uint8_t  res[2];
    uint32_t height;    /* operand stack height at entry */
    int      counter;   /* K_LOOP: local index of its counter */
} frame;

typedef struct gen {
    src      *s;
    buf      *b;        /* the body being written */
    bool      canonical;
    bool      simd;     /* v128 values and instructions (gen_simd.inc) */
    const sig *sigs;    /* sigs[0]: the import; sigs[1 + i]: function i */
    uint32_t  nfuncs;   /* defined */
    uint32_t  self;     /* function index being generated */
    /* locals: params, then free locals, then counters and scratch */
    uint8_t   local_type[MAX_PARAMS + 19 + NCOUNTERS + NTYPES];
    uint32_t  nfree;    /* params + free locals: the ones code may use */
    uint32_t  counter0; /* first loop counter */
    uint32_t  scratch[NTYPES];  /* a scratch local per type, by type_slot */
    uint32_t  loops;    /* loops open */
    uint8_t   stack[MAX_STACK];
    uint32_t  sp;
    frame     frames[MAX_FRAMES];
    uint32_t  nframes;
} gen;

static unsigned type_slot(uint8_t t)
{
    switch (t) {
    case I32: return 0;
    case I64: return 1;
    case F32: return 2;
    case F64: return 3;
    default:  return 4;
    }
}

/* A value type from the low 3 bits of x: i32, i64, f32, f64 by the low
 * two, with f64 made v128 by the third when v128 is on. */
static uint8_t pick_type(bool simd, uint8_t x)
{
    return simd && (x & 7) == 7 ? V128 : valtypes[x & 3];
}

static frame *top(gen *g) { return &g->frames[g->nframes - 1]; }

static void push(gen *g, uint8_t t)
{
    if (g->sp < MAX_STACK)
        g->stack[g->sp] = t;
    g->sp++;
}

static void put_v128_const(gen *g, uint8_t c);

/* A constant of type t: an edge value or raw bytes. */
static void make_const(gen *g, uint8_t t)
{
    uint8_t c = next(g->s);
    switch (t) {
    case I32:
    case I64: {
        int64_t v = (c & 1) ? (int64_t)(int8_t)next(g->s) : edge_ints[(c >> 1) % COUNT(edge_ints)];
        if ((c & 0xc0) == 0xc0)
            v = t == I32 ? (int64_t)(int32_t)next32(g->s) : (int64_t)next64(g->s);
        put_byte(g->b, t == I32 ? 0x41 : 0x42);
        put_s64(g->b, t == I32 ? (int64_t)(int32_t)v : v);
        break;
    }
    case F32: {
        uint32_t v = (c & 0xc0) == 0xc0 ? next32(g->s) : edge_f32[c % COUNT(edge_f32)];
        put_byte(g->b, 0x43);
        put(g->b, &v, 4);   /* little-endian hosts only, like the rest of wasmpipe */
        break;
    }
    case F64: {
        uint64_t v = (c & 0xc0) == 0xc0 ? next64(g->s) : edge_f64[c % COUNT(edge_f64)];
        put_byte(g->b, 0x44);
        put(g->b, &v, 8);
        break;
    }
    default:
        put_v128_const(g, c);
        break;
    }
}

/* Pushes a fresh value of type t: a constant, a usable local or a global. */
static void make_value(gen *g, uint8_t t)
{
    uint8_t c = next(g->s);
    if (c % 4 == 1 && g->nfree > 0) {
        uint32_t start = c / 4 % g->nfree;
        for (uint32_t k = 0; k < g->nfree; k++) {
            uint32_t i = (start + k) % g->nfree;
            if (g->local_type[i] == t) {
                put_byte(g->b, 0x20);
                put_u32(g->b, i);
                push(g, t);
                return;
            }
        }
    }
    if (c % 4 == 2) {
        put_byte(g->b, 0x23);
        put_u32(g->b, type_slot(t));
        push(g, t);
        return;
    }
    if (t == I32 && c % 4 == 3) {   /* an address-like value */
        put_byte(g->b, 0x41);
        put_s64(g->b, (int32_t)edge_addrs[next(g->s) % COUNT(edge_addrs)]);
        push(g, t);
        return;
    }
    make_const(g, t);
    push(g, t);
}

/* Makes the operands p[0..n) available on top of the stack (the longest
 * prefix of them already there is used as it is) and pops them. */
static void operands(gen *g, const uint8_t *p, uint32_t n)
{
    uint32_t avail = g->sp - top(g)->height;
    uint32_t j = n;
    for (; j > 0; j--) {
        if (j > avail || g->sp > MAX_STACK)
            continue;
        bool ok = true;
        for (uint32_t k = 0; k < j && ok; k++)
            ok = g->stack[g->sp - j + k] == p[k];
        if (ok)
            break;
    }
    for (uint32_t k = j; k < n; k++)
        make_value(g, p[k]);
    g->sp -= n;
}

/* Replaces a NaN of type t on top of the stack by the canonical NaN. */
static void canonicalise(gen *g, uint8_t t)
{
    uint32_t s = g->scratch[type_slot(t)];
    put_byte(g->b, 0x21);
    put_u32(g->b, s);
    if (t == F32) {
        static const uint8_t nan[] = { 0x43, 0x00, 0x00, 0xc0, 0x7f };
        put(g->b, nan, sizeof nan);
    } else {
        static const uint8_t nan[] = { 0x44, 0, 0, 0, 0, 0, 0, 0xf8, 0x7f };
        put(g->b, nan, sizeof nan);
    }
    for (int i = 0; i < 3; i++) {
        put_byte(g->b, 0x20);
        put_u32(g->b, s);
    }
    put_byte(g->b, t == F32 ? 0x5c : 0x62);     /* ne: true for a NaN */
    put_byte(g->b, 0x1b);                        /* select */
}

/* Takes the value of type t on top of the stack into its global (xor for
 * integers, a store for floats) instead of dropping it, so that a value
 * the code computed but did not return still shows after the call. */
static void sink(gen *g, uint8_t t)
{
    unsigned slot = type_slot(t);
    if (t == I32 || t == I64) {
        put_byte(g->b, 0x23);
        put_u32(g->b, slot);
        put_byte(g->b, t == I32 ? 0x73 : 0x85);
    } else if (t == V128) {
        put_byte(g->b, 0x23);
        put_u32(g->b, slot);
        put_byte(g->b, 0xfd);
        put_u32(g->b, 0x51);    /* v128.xor */
    }
    put_byte(g->b, 0x24);
    put_u32(g->b, slot);
}

/* Sinks the top n values of the stack. */
static void sink_top(gen *g, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        g->sp--;
        sink(g, g->stack[g->sp]);
    }
}

/* Leaves exactly the frame's results above its height. */
static void fit_results(gen *g, frame *f)
{
    uint32_t above = g->sp - f->height;
    if (f->nres == 1 && above >= 1 && g->stack[g->sp - 1] == f->res[0]) {
        if (above == 1)
            return;
        uint32_t s = g->scratch[type_slot(f->res[0])];
        put_byte(g->b, 0x21);
        put_u32(g->b, s);
        g->sp--;
        sink_top(g, above - 1);
        put_byte(g->b, 0x20);
        put_u32(g->b, s);
        g->sp = f->height + 1;
        return;
    }
    if (f->nres == 2 && above == 2 && g->stack[g->sp - 2] == f->res[0] &&
        g->stack[g->sp - 1] == f->res[1])
        return;
    sink_top(g, above);
    for (uint32_t i = 0; i < f->nres; i++)
        make_value(g, f->res[i]);
}

/* The types a branch to the frame at depth d carries. */
static uint32_t label_types(gen *g, uint32_t d, const uint8_t **types)
{
    frame *f = &g->frames[g->nframes - 1 - d];
    if (f->kind == K_LOOP) {
        *types = NULL;
        return 0;
    }
    *types = f->res;
    return f->nres;
}

static void close_frame(gen *g, bool reachable);

/* After br, br_table, return or unreachable: the rest of the frame is
 * dead code, so the frame ends here (the stack is polymorphic, so `end`
 * validates whatever the frame's results). */
static void dead_end(gen *g)
{
    frame *f = top(g);
    g->sp = f->height;
    close_frame(g, false);
}

static void put_block_type(gen *g, frame *f)
{
    put_byte(g->b, f->nres == 0 ? 0x40 : f->res[0]);
}

static void open_frame(gen *g, uint8_t kind, uint8_t c)
{
    if (g->nframes + 2 > MAX_FRAMES || (kind == K_LOOP && g->loops >= NCOUNTERS))
        return;
    frame f = { .kind = kind, .nres = 0, .height = g->sp, .counter = -1 };
    if (kind != K_LOOP && (c & 4)) {
        f.nres = 1;
        f.res[0] = pick_type(g->simd, (uint8_t)(c >> 3));
    }
    if (kind == K_BLOCK) {
        put_byte(g->b, 0x02);
        put_block_type(g, &f);
    } else if (kind == K_IF) {
        const uint8_t cond = I32;
        operands(g, &cond, 1);
        f.height = g->sp;
        put_byte(g->b, 0x04);
        put_block_type(g, &f);
    } else {
        /* block $exit (loop $head (br_if $exit (i32.eqz counter))
         * (counter = counter - 1) ... (br $head)) */
        uint32_t counter = g->counter0 + g->loops++;
        put_byte(g->b, 0x41);
        put_s64(g->b, (c >> 3) & 7);
        put_byte(g->b, 0x21);
        put_u32(g->b, counter);
        frame exit = { .kind = K_LOOP_EXIT, .nres = 0, .height = g->sp, .counter = -1 };
        g->frames[g->nframes++] = exit;
        static const uint8_t head[] = { 0x02, 0x40, 0x03, 0x40 };
        put(g->b, head, sizeof head);
        put_byte(g->b, 0x20);
        put_u32(g->b, counter);
        static const uint8_t test[] = { 0x45, 0x0d, 0x01 };
        put(g->b, test, sizeof test);
        put_byte(g->b, 0x20);
        put_u32(g->b, counter);
        static const uint8_t dec[] = { 0x41, 0x01, 0x6b };
        put(g->b, dec, sizeof dec);
        put_byte(g->b, 0x21);
        put_u32(g->b, counter);
        f.counter = (int)counter;
    }
    g->frames[g->nframes++] = f;
}

/* Ends the innermost frame. reachable: the stack is real (not after a
 * branch), so the results are made to fit first. */
static void close_frame(gen *g, bool reachable)
{
    frame *f = top(g);
    if (reachable)
        fit_results(g, f);
    switch (f->kind) {
    case K_FUNC:
        put_byte(g->b, 0x0b);
        g->nframes--;
        return;
    case K_IF:
        if (f->nres > 0 || (next(g->s) & 1)) {
            put_byte(g->b, 0x05);
            g->sp = f->height;
            f->kind = K_ELSE;
            return;   /* the else arm is generated next, in the same frame */
        }
        break;
    case K_LOOP:
        if (reachable) {
            put_byte(g->b, 0x0c);     /* br $head: go round until the counter is 0 */
            put_byte(g->b, 0x00);
        }
        put_byte(g->b, 0x0b);
        g->sp = f->height;
        g->nframes--;
        g->loops--;
        /* and the exit block, with nothing on its stack */
        close_frame(g, false);
        return;
    default:
        break;
    }
    put_byte(g->b, 0x0b);
    g->sp = f->height;
    g->nframes--;
    for (uint32_t i = 0; i < f->nres; i++)
        push(g, f->res[i]);
}

static void gen_branch(gen *g, uint8_t c)
{
    uint32_t depth = next(g->s) % g->nframes;
    const uint8_t *lt;
    uint32_t n = label_types(g, depth, &lt);
    uint8_t types[3];
    if (n > 0)
        memcpy(types, lt, n);
    switch (c % 4) {
    case 0:     /* br */
        operands(g, types, n);
        put_byte(g->b, 0x0c);
        put_u32(g->b, depth);
        dead_end(g);
        return;
    case 1: {   /* br_if */
        types[n] = I32;
        operands(g, types, n + 1);
        put_byte(g->b, 0x0d);
        put_u32(g->b, depth);
        for (uint32_t i = 0; i < n; i++)
            push(g, types[i]);
        return;
    }
    case 2: {   /* br_table over labels of the same types */
        uint32_t targets[8], nt = 0, count = 1 + next(g->s) % 6;
        for (uint32_t k = 0; k < count * 2 && nt < count; k++) {
            uint32_t d = next(g->s) % g->nframes;
            const uint8_t *t2;
            uint32_t n2 = label_types(g, d, &t2);
            if (n2 == n && (n == 0 || memcmp(t2, types, n) == 0))
                targets[nt++] = d;
        }
        types[n] = I32;
        operands(g, types, n + 1);
        put_byte(g->b, 0x0e);
        put_u32(g->b, nt);
        for (uint32_t i = 0; i < nt; i++)
            put_u32(g->b, targets[i]);
        put_u32(g->b, depth);
        dead_end(g);
        return;
    }
    default: {  /* return */
        frame *fn = &g->frames[0];
        operands(g, fn->res, fn->nres);
        put_byte(g->b, 0x0f);
        dead_end(g);
        return;
    }
    }
}

static void gen_call(gen *g, uint8_t c)
{
    if (c & 1) {
        /* call_indirect with any of the module's types */
        uint32_t type = next(g->s) % (g->nfuncs + 1);
        const sig *sg = &g->sigs[type];
        operands(g, sg->p, sg->np);
        uint8_t k = next(g->s);
        if (k & 1) {
            /* a small index: into the table, or just past its end */
            put_byte(g->b, 0x41);
            put_s64(g->b, k >> 1 & 15);
        } else {
            make_value(g, I32);
            g->sp--;
        }
        put_byte(g->b, 0x11);
        put_u32(g->b, type);
        put_byte(g->b, 0x00);
        for (uint32_t i = 0; i < sg->nr; i++)
            push(g, sg->r[i]);
        return;
    }
    /* a direct call: the import, or a function of higher index */
    uint32_t callee = 0;
    uint32_t higher = g->nfuncs - g->self;   /* defined functions after self */
    if (higher > 0 && (c & 2))
        callee = g->self + 1 + next(g->s) % higher;
    const sig *sg = &g->sigs[callee];
    operands(g, sg->p, sg->np);
    put_byte(g->b, 0x10);
    put_u32(g->b, callee);
    for (uint32_t i = 0; i < sg->nr; i++)
        push(g, sg->r[i]);
}

static void gen_memarg(gen *g, uint8_t align)
{
    uint8_t c = next(g->s);
    put_u32(g->b, c & 1 ? (uint32_t)(c >> 1) % (align + 1u) : align);
    uint32_t offset = 0;
    switch ((c >> 4) & 3) {
    case 1: offset = next(g->s) & 63; break;
    case 2: offset = edge_addrs[next(g->s) % COUNT(edge_addrs)]; break;
    default: break;
    }
    put_u32(g->b, offset);
}

static void gen_op(gen *g, const op *o)
{
    operands(g, o->params, o->nparams);
    if (o->flags & FC)
        put_byte(g->b, 0xfc);
    put_byte(g->b, o->code);
    if (o->flags & MEM)
        gen_memarg(g, o->align);
    if (o->result != 0) {
        push(g, o->result);
        if ((o->flags & CANON) && g->canonical)
            canonicalise(g, o->result);
    }
}

#include "gen_simd.inc"

/* One choice; returns false once the function's frame is closed. */
static bool gen_step(gen *g)
{
    /* Few values pile up in a frame, so the stack stays within MAX_STACK. */
    if (g->sp - top(g)->height > 8)
        sink_top(g, g->sp - top(g)->height - 8);
    uint8_t c = next(g->s);
    uint8_t t = pick_type(g->simd, (uint8_t)(((c >> 4) & 3) | ((c >> 5) & 4)));
    if (g->simd && ((c & 15) == 3 || (c & 15) == 4 || (c & 15) == 15)) {
        gen_simd(g);
        return true;
    }
    switch (c & 15) {
    case 0:
        /* The function itself ends on a 0 byte only (or when the bytes
         * run out), so that bodies are not all short. */
        if (top(g)->kind != K_FUNC || c == 0)
            close_frame(g, true);
        else
            gen_op(g, &ops[next(g->s) % NOPS]);
        break;
    case 1: case 2: case 3: case 4:
        gen_op(g, &ops[next(g->s) % NOPS]);
        break;
    case 5:
        make_value(g, t);
        break;
    case 6: {   /* local.set / local.tee of a usable local */
        if (g->nfree == 0)
            break;
        uint32_t i = next(g->s) % g->nfree;
        uint8_t lt = g->local_type[i];
        operands(g, &lt, 1);
        put_byte(g->b, c & 0x40 ? 0x22 : 0x21);
        put_u32(g->b, i);
        if (c & 0x40)
            push(g, lt);
        break;
    }
    case 7:     /* global.set */
        operands(g, &t, 1);
        put_byte(g->b, 0x24);
        put_u32(g->b, type_slot(t));
        break;
    case 8:
        open_frame(g, c & 0x40 ? K_IF : c & 0x80 ? K_LOOP : K_BLOCK, next(g->s));
        break;
    case 9:
        gen_branch(g, next(g->s));
        break;
    case 10:
        gen_call(g, next(g->s));
        break;
    case 11: {  /* select, typed or not; or drop */
        if (c & 0x40) {
            if (g->sp > top(g)->height) {
                put_byte(g->b, 0x1a);
                g->sp--;
            }
            break;
        }
        uint8_t p[3] = { t, t, I32 };
        operands(g, p, 3);
        if (c & 0x80) {
            put_byte(g->b, 0x1c);
            put_byte(g->b, 0x01);
            put_byte(g->b, t);
        } else {
            put_byte(g->b, 0x1b);
        }
        push(g, t);
        break;
    }
    case 12: {  /* memory.size, memory.grow */
        if (c & 0x40) {
            const uint8_t p = I32;
            operands(g, &p, 1);
            put_byte(g->b, 0x40);
        } else {
            put_byte(g->b, 0x3f);
        }
        put_byte(g->b, 0x00);
        push(g, I32);
        break;
    }
    case 13: {  /* memory.fill, memory.copy */
        const uint8_t p[3] = { I32, I32, I32 };
        operands(g, p, 3);
        put_byte(g->b, 0xfc);
        if (c & 0x40) {
            put_byte(g->b, 0x0b);
            put_byte(g->b, 0x00);
        } else {
            put_byte(g->b, 0x0a);
            put_byte(g->b, 0x00);
            put_byte(g->b, 0x00);
        }
        break;
    }
    case 14:
        if ((c & 0xf0) == 0xf0) {
            put_byte(g->b, 0x00);   /* unreachable */
            dead_end(g);
        } else {
            gen_op(g, &ops[next(g->s) % NOPS]);
        }
        break;
    default:
        put_byte(g->b, 0x01);       /* nop */
        break;
    }
    return g->nframes > 0;
}

/* Appends the body (with its size) of defined function `self`. */
static void gen_body(src *s, buf *code, const sig *sigs, uint32_t nfuncs, uint32_t self,
                     bool canonical, bool simd)
{
    const sig *me = &sigs[self];
    buf body = { 0 };
    gen g;
    memset(&g, 0, sizeof g);
    g.s = s;
    g.b = &body;
    g.canonical = canonical;
    g.simd = simd;
    g.sigs = sigs;
    g.nfuncs = nfuncs;
    g.self = self;

    uint32_t n = 0;
    for (uint32_t i = 0; i < me->np; i++)
        g.local_type[n++] = me->p[i];
    /* Free locals, then per type: i32 (with the counters), i64, f32, f64,
     * v128. */
    uint8_t extra[NTYPES] = { 0 };
    uint8_t c = next(s);
    for (int i = 0; i < 4; i++)
        extra[i] = (uint8_t)((c >> (2 * i)) & 3);
    if (simd)
        extra[4] = next(s) & 3;
    uint32_t groups = 0;
    buf decl = { 0 };
    for (int i = 0; i < NTYPES; i++) {
        uint32_t count = extra[i];
        for (uint32_t k = 0; k < count; k++)
            g.local_type[n++] = valtypes[i];
    }
    g.nfree = n;
    g.counter0 = n;
    for (uint32_t k = 0; k < NCOUNTERS; k++)
        g.local_type[n++] = I32;
    for (int i = 0; i < (simd ? NTYPES : 4); i++) {
        g.scratch[i] = n;
        g.local_type[n++] = valtypes[i];
    }
    /* Declare locals me->np .. n in runs of one type. */
    for (uint32_t i = me->np; i < n;) {
        uint32_t j = i;
        while (j < n && g.local_type[j] == g.local_type[i])
            j++;
        put_u32(&decl, j - i);
        put_byte(&decl, g.local_type[i]);
        groups++;
        i = j;
    }
    put_u32(&body, groups);
    put(&body, decl.p, decl.n);
    free(decl.p);

    frame fn = { .kind = K_FUNC, .nres = me->nr, .height = 0, .counter = -1 };
    memcpy(fn.res, me->r, me->nr);
    g.frames[g.nframes++] = fn;
    for (uint32_t steps = 0; g.nframes > 0; steps++) {
        if (steps >= MAX_OPS || s->at >= s->n) {
            /* Out of choices: close everything. */
            while (g.nframes > 0)
                close_frame(&g, true);
            break;
        }
        gen_step(&g);
    }
    put_u32(code, (uint32_t)body.n);
    put(code, body.p, body.n);
    free(body.p);
}

static void gen_sig(src *s, sig *sg, bool simd)
{
    uint8_t c = next(s);
    sg->np = c % (MAX_PARAMS + 1);
    sg->nr = (c >> 3) % 3;
    for (uint32_t i = 0; i < sg->np; i++)
        sg->p[i] = pick_type(simd, next(s));
    uint8_t r = next(s);
    for (uint32_t i = 0; i < sg->nr; i++)
        sg->r[i] = pick_type(simd, (uint8_t)(((r >> (2 * i)) & 3) | ((r >> (4 + i)) & 1) << 2));
}

static void put_sig(buf *b, const sig *sg)
{
    put_byte(b, 0x60);
    put_u32(b, sg->np);
    put(b, sg->p, sg->np);
    put_u32(b, sg->nr);
    put(b, sg->r, sg->nr);
}

uint8_t *gen_module(const uint8_t *data, size_t size, bool canonical, bool simd, size_t *len)
{
    src s = { data, size, 0 };
    sig sigs[MAX_FUNCS + 1];
    memset(sigs, 0, sizeof sigs);
    sigs[0] = (sig){ .np = 2, .nr = 1, .p = { I32, I32 }, .r = { I32 } };
    uint32_t nfuncs = 1 + next(&s) % MAX_FUNCS;
    for (uint32_t i = 1; i <= nfuncs; i++)
        gen_sig(&s, &sigs[i], simd);

    buf m = { 0 }, sec = { 0 };
    put(&m, "\0asm\1\0\0\0", 8);
    put_u32(&sec, nfuncs + 1);                       /* types */
    for (uint32_t i = 0; i <= nfuncs; i++)
        put_sig(&sec, &sigs[i]);
    put_section(&m, 1, &sec);
    put_u32(&sec, 1);                                /* imports */
    put_name(&sec, "env");
    put_name(&sec, "h");
    put_byte(&sec, 0x00);
    put_u32(&sec, 0);
    put_section(&m, 2, &sec);
    put_u32(&sec, nfuncs);                           /* functions */
    for (uint32_t i = 1; i <= nfuncs; i++)
        put_u32(&sec, i);
    put_section(&m, 3, &sec);
    static const uint8_t table[] = { 0x01, 0x70, 0x01 };
    put(&sec, table, sizeof table);                  /* table: funcref, min, max */
    put_u32(&sec, nfuncs + 3);
    put_u32(&sec, nfuncs + 8);
    put_section(&m, 4, &sec);
    static const uint8_t mem[] = { 0x01, 0x01, 0x01, 0x02 };
    put(&sec, mem, sizeof mem);
    put_section(&m, 5, &sec);
    uint32_t nglobals = simd ? 5 : 4;
    put_u32(&sec, nglobals);                         /* globals */
    for (uint32_t i = 0; i < nglobals; i++) {
        put_byte(&sec, valtypes[i]);
        put_byte(&sec, 0x01);
        gen g;
        memset(&g, 0, sizeof g);
        g.s = &s;
        g.b = &sec;
        make_const(&g, valtypes[i]);
        put_byte(&sec, 0x0b);
    }
    put_section(&m, 6, &sec);
    put_u32(&sec, nfuncs + 2 + nglobals);            /* exports */
    for (uint32_t i = 0; i < nfuncs; i++) {
        char name[8] = { 'f', (char)('0' + i), 0 };
        put_name(&sec, name);
        put_byte(&sec, 0x00);
        put_u32(&sec, i + 1);
    }
    put_name(&sec, "m");
    put_byte(&sec, 0x02);
    put_u32(&sec, 0);
    put_name(&sec, "t");
    put_byte(&sec, 0x01);
    put_u32(&sec, 0);
    for (uint32_t i = 0; i < nglobals; i++) {
        char name[8] = { 'g', (char)('0' + i), 0 };
        put_name(&sec, name);
        put_byte(&sec, 0x03);
        put_u32(&sec, i);
    }
    put_section(&m, 7, &sec);
    static const uint8_t elem_head[] = { 0x01, 0x00, 0x41, 0x00, 0x0b };
    put(&sec, elem_head, sizeof elem_head);          /* elements */
    put_u32(&sec, nfuncs + 1);
    for (uint32_t i = 1; i <= nfuncs; i++)
        put_u32(&sec, i);
    put_u32(&sec, 0);
    put_section(&m, 9, &sec);
    buf code = { 0 };
    put_u32(&code, nfuncs);
    for (uint32_t i = 1; i <= nfuncs; i++)
        gen_body(&s, &code, sigs, nfuncs, i, canonical, simd);
    put_section(&m, 10, &code);
    free(code.p);
    static const uint8_t data_head[] = { 0x01, 0x00, 0x41, 0x00, 0x0b, 64 };
    put(&sec, data_head, sizeof data_head);          /* data: 64 bytes at 0 */
    for (uint32_t i = 0; i < 64; i++)
        put_byte(&sec, (uint8_t)(i * 37 + 11));
    put_section(&m, 11, &sec);
    free(sec.p);
    *len = m.n;
    return m.p;
}

/* ---------------------------------------------------------------- libc */

static void put_libc_body(buf *code, rt_libc_fn fn, uint32_t callee)
{
    size_t len;
    const uint8_t *ref = rt_libc_body(fn, &len);
    uint8_t *b = malloc(len);
    if (b == NULL)
        abort();
    memcpy(b, ref, len);
    if (fn == RT_LIBC_MEMMOVE)
        for (int i = 0; i < 5; i++)
            b[RT_LIBC_MEMMOVE_INDEX_AT + i] =
                (uint8_t)(((callee >> (7 * i)) & 0x7f) | (i < 4 ? 0x80 : 0));
    put_u32(code, (uint32_t)len);
    put(code, b, len);
    free(b);
}

uint8_t *gen_libc_module(size_t *len)
{
    buf m = { 0 }, sec = { 0 };
    put(&m, "\0asm\1\0\0\0", 8);
    static const uint8_t type[] = { 1, 0x60, 3, I32, I32, I32, 1, I32 };
    put(&sec, type, sizeof type);
    put_section(&m, 1, &sec);
    static const uint8_t funcs[] = { 3, 0, 0, 0 };
    put(&sec, funcs, sizeof funcs);
    put_section(&m, 3, &sec);
    static const uint8_t mem[] = { 0x01, 0x01, 0x01, 0x02 };
    put(&sec, mem, sizeof mem);
    put_section(&m, 5, &sec);
    static const char *const names[] = { "memcpy", "memmove", "memset" };
    put_u32(&sec, 4);
    for (uint32_t i = 0; i < 3; i++) {
        put_name(&sec, names[i]);
        put_byte(&sec, 0x00);
        put_u32(&sec, i);
    }
    put_name(&sec, "m");
    put_byte(&sec, 0x02);
    put_u32(&sec, 0);
    put_section(&m, 7, &sec);
    put_u32(&sec, 3);
    put_libc_body(&sec, RT_LIBC_MEMCPY, 0);
    put_libc_body(&sec, RT_LIBC_MEMMOVE, 0);
    put_libc_body(&sec, RT_LIBC_MEMSET, 0);
    put_section(&m, 10, &sec);
    static const uint8_t data_head[] = { 0x01, 0x00, 0x41, 0x00, 0x0b, 0x80, 0x02 };
    put(&sec, data_head, sizeof data_head);
    for (uint32_t i = 0; i < 256; i++)
        put_byte(&sec, (uint8_t)(i * 73 + 5));
    put_section(&m, 11, &sec);
    free(sec.p);
    *len = m.n;
    return m.p;
}
