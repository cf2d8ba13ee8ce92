/* Tests of the function translator (translate.c, validate.c, emit.c):
 * a table of bodies that must be refused, each with the status, a word the
 * message must contain and the offset it must name; a few bodies whose
 * translated code is checked word by word; and random and mutated bodies
 * that must never crash and, when accepted, must list cleanly.
 *
 * Modules are built by hand: one fixture with a few types, functions,
 * tables, a memory, globals and segments. The defined function of type k
 * is function k + 1, so a body is translated against the type it names.
 * Bodies are C string literals split at every instruction.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "code.h"
#include "rt.h"

static int failures;

#define CHECK(cond, ...)                                            \
    do {                                                            \
        if (!(cond)) {                                              \
            failures++;                                             \
            fprintf(stderr, "%s:%d: check failed: %s: ", __FILE__,  \
                    __LINE__, #cond);                               \
            fprintf(stderr, __VA_ARGS__);                           \
            fputc('\n', stderr);                                    \
        }                                                           \
    } while (0)

#define BODY_OFFSET 100u

/* ---------------------------------------------------------------- fixture */

enum { T_V_V, T_II_I, T_I_I, T_II_II, T_II_V, T_I_V, NTYPES };

typedef struct fixture {
    wp_engine    *engine;
    wp_module     m;
    rt_functype   types[NTYPES];
    uint32_t      func_type[NTYPES + 2];
    rt_code       codes[NTYPES + 1];
    uint8_t       declared[NTYPES + 2];
    rt_tabletype  tables[2];
    rt_limits     memories[1];
    rt_globaltype globals[2];
    rt_elem       elems[1];
} fixture;

static const rt_valtype i32x2[] = { WP_I32, WP_I32 };

static void set_type(rt_functype *t, const rt_valtype *p, uint32_t np, const rt_valtype *r,
                     uint32_t nr, uint32_t id)
{
    t->params = (rt_valtype *)p;
    t->nparams = np;
    t->results = (rt_valtype *)r;
    t->nresults = nr;
    t->param_slots = np;
    t->result_slots = nr;
    t->id = id;
}

static void fixture_init(fixture *f, wp_engine *e)
{
    memset(f, 0, sizeof *f);
    f->engine = e;
    wp_module *m = &f->m;
    m->engine = e;
    rt_arena_init(&m->arena, e);

    set_type(&f->types[T_V_V], NULL, 0, NULL, 0, 0);
    set_type(&f->types[T_II_I], i32x2, 2, i32x2, 1, 1);
    set_type(&f->types[T_I_I], i32x2, 1, i32x2, 1, 2);
    set_type(&f->types[T_II_II], i32x2, 2, i32x2, 2, 3);
    set_type(&f->types[T_II_V], i32x2, 2, NULL, 0, 4);
    set_type(&f->types[T_I_V], i32x2, 1, NULL, 0, 5);
    m->types = f->types;
    m->ntypes = NTYPES;

    /* Function 0 is imported ([] -> []); k + 1 is defined with type k;
     * the last one is defined with type [] -> [] as well. */
    m->nfunc_imports = 1;
    m->nfuncs = NTYPES + 2;
    f->func_type[0] = T_V_V;
    for (uint32_t k = 0; k < NTYPES; k++)
        f->func_type[k + 1] = k;
    f->func_type[NTYPES + 1] = T_V_V;
    m->func_type = f->func_type;
    m->codes = f->codes;
    f->declared[1] = 1;
    m->func_declared = f->declared;

    f->tables[0] = (rt_tabletype){ WP_FUNCREF, { 1, 0, false } };
    f->tables[1] = (rt_tabletype){ WP_EXTERNREF, { 1, 0, false } };
    m->tables = f->tables;
    m->ntables = 2;
    f->memories[0] = (rt_limits){ 1, 0, false };
    m->memories = f->memories;
    m->nmemories = 1;
    f->globals[0] = (rt_globaltype){ WP_I32, false };
    f->globals[1] = (rt_globaltype){ WP_I64, true };
    m->globals = f->globals;
    m->nglobals = 2;
    f->elems[0].mode = RT_SEG_PASSIVE;
    f->elems[0].type = WP_FUNCREF;
    m->elems = f->elems;
    m->nelems = 1;
    m->has_data_count = true;
    m->data_count = 1;
    m->start = UINT32_MAX;
}

static void fixture_fini(fixture *f)
{
    rt_arena_release(&f->m.arena);
}

static wp_status translate(fixture *f, uint32_t type, const char *body, size_t len,
                           wp_error *err)
{
    memset(err, 0, sizeof *err);
    return rt_translate_function(&f->m, type + 1, (const uint8_t *)body, len, BODY_OFFSET, err);
}

static const rt_code *code_of(fixture *f, uint32_t type)
{
    return &f->m.codes[type];
}

/* ---------------------------------------------------------------- refused bodies */

typedef struct bad_case {
    const char *name;
    uint32_t    type;
    const char *body;
    size_t      len;
    wp_status   want;
    const char *msg;       /* must occur in the message */
    int         at;        /* body position the error names; -1: not checked */
} bad_case;

#define B(s) s, sizeof(s) - 1

static const bad_case bad_cases[] = {
    { "i32.add of f64", T_V_V,
      B("\x00" "\x41\x00" "\x44\x00\x00\x00\x00\x00\x00\x00\x00" "\x6a" "\x1a" "\x0b"),
      WP_ERR_INVALID, "type mismatch: expected i32, got f64", 12 },
    { "empty stack", T_V_V, B("\x00" "\x6a" "\x0b"),
      WP_ERR_INVALID, "expected i32, got nothing", 1 },
    { "value left at the end", T_V_V, B("\x00" "\x41\x01" "\x0b"),
      WP_ERR_INVALID, "type mismatch", 3 },
    { "wrong result type", T_I_I, B("\x00" "\x42\x01" "\x0b"),
      WP_ERR_INVALID, "expected i32, got i64", 3 },
    { "unknown local", T_I_I, B("\x00" "\x20\x05" "\x0b"),
      WP_ERR_INVALID, "unknown local 5", 1 },
    { "unknown global", T_V_V, B("\x00" "\x23\x07" "\x1a" "\x0b"),
      WP_ERR_INVALID, "unknown global 7", 1 },
    { "immutable global", T_V_V, B("\x00" "\x41\x00" "\x24\x00" "\x0b"),
      WP_ERR_INVALID, "immutable", 3 },
    { "unknown function", T_V_V, B("\x00" "\x10\x63" "\x0b"),
      WP_ERR_INVALID, "unknown function 99", 1 },
    { "unknown label", T_V_V, B("\x00" "\x0c\x01" "\x0b"),
      WP_ERR_INVALID, "unknown label 1", 1 },
    { "unknown block type", T_V_V, B("\x00" "\x02\x20" "\x0b" "\x0b"),
      WP_ERR_INVALID, "unknown type 32", 1 },
    { "br_table arity", T_V_V,
      B("\x00" "\x02\x7f" "\x41\x00" "\x41\x00" "\x0e\x01\x00\x01" "\x0b" "\x1a" "\x0b"),
      WP_ERR_INVALID, "type mismatch", 7 },
    { "br_if value type", T_V_V,
      B("\x00" "\x02\x7f" "\x42\x00" "\x41\x00" "\x0d\x00" "\x0b" "\x1a" "\x0b"),
      WP_ERR_INVALID, "expected i32, got i64", 7 },
    { "polymorphic stack keeps br_if's types", T_V_V,
      B("\x00" "\x02\x7f" "\x00" "\x0d\x00" "\x42\x00" "\x7c" "\x0b" "\x1a" "\x0b"),
      WP_ERR_INVALID, "expected i64, got i32", 8 },
    { "if without else changes the stack", T_V_V,
      B("\x00" "\x41\x00" "\x04\x7f" "\x41\x01" "\x0b" "\x1a" "\x0b"),
      WP_ERR_INVALID, "type mismatch", 7 },
    { "else without if", T_V_V, B("\x00" "\x05" "\x0b"),
      WP_ERR_INVALID, "else", 1 },
    { "select of funcref", T_V_V,
      B("\x00" "\xd0\x70" "\xd0\x70" "\x41\x00" "\x1b" "\x1a" "\x0b"),
      WP_ERR_INVALID, "numeric", 7 },
    { "select with two types", T_V_V,
      B("\x00" "\x41\x00" "\x41\x00" "\x41\x00" "\x1c\x02\x7f\x7f" "\x1a" "\x0b"),
      WP_ERR_INVALID, "arity", 7 },
    { "alignment over natural", T_V_V,
      B("\x00" "\x41\x00" "\x28\x03\x00" "\x1a" "\x0b"),
      WP_ERR_INVALID, "alignment", 3 },
    { "call_indirect through externref table", T_V_V,
      B("\x00" "\x41\x00" "\x11\x00\x01" "\x0b"),
      WP_ERR_INVALID, "type mismatch", 3 },
    { "undeclared ref.func", T_V_V, B("\x00" "\xd2\x02" "\x1a" "\x0b"),
      WP_ERR_INVALID, "undeclared function reference", 1 },
    { "unknown data segment", T_V_V, B("\x00" "\xfc\x09\x01" "\x0b"),
      WP_ERR_INVALID, "unknown data segment 1", 1 },
    { "unknown elem segment", T_V_V, B("\x00" "\xfc\x0d\x01" "\x0b"),
      WP_ERR_INVALID, "unknown elem segment 1", 1 },
    { "table.copy of different types", T_V_V,
      B("\x00" "\x41\x00" "\x41\x00" "\x41\x00" "\xfc\x0e\x00\x01" "\x0b"),
      WP_ERR_INVALID, "type mismatch", 7 },
    { "ref.is_null of i32", T_V_V, B("\x00" "\x41\x00" "\xd1" "\x1a" "\x0b"),
      WP_ERR_INVALID, "reference", 3 },

    /* With multi-memory (on by default) the byte is a memory index; the
     * 2.0 reading is checked in test_proposals. */
    { "memory.size of memory 1", T_V_V, B("\x00" "\x3f\x01" "\x1a" "\x0b"),
      WP_ERR_INVALID, "unknown memory 1", 1 },
    { "memory.grow, memory index as a long zero", T_V_V,
      B("\x00" "\x41\x00" "\x40\x80\x00" "\x1a" "\x0b"), WP_OK, "", 0 },
    { "illegal opcode", T_V_V, B("\x00" "\x27" "\x0b"),
      WP_ERR_MALFORMED, "illegal opcode", 1 },
    { "unknown 0xfd sub-opcode", T_V_V, B("\x00" "\xfd\x9a\x01" "\x0b"),
      WP_ERR_MALFORMED, "illegal opcode", 1 },
    { "v128.const cut short", T_V_V, B("\x00" "\xfd\x0c" "\x0b"),
      WP_ERR_MALFORMED, "unexpected end", -1 },
    { "unknown 0xfc sub-opcode", T_V_V, B("\x00" "\xfc\x12" "\x0b"),
      WP_ERR_MALFORMED, "illegal opcode", 1 },
    { "missing final end", T_V_V, B("\x00" "\x01"),
      WP_ERR_MALFORMED, "END opcode expected", 2 },
    { "bytes after the final end", T_V_V, B("\x00" "\x0b" "\x01"),
      WP_ERR_MALFORMED, "section size mismatch", 2 },
    { "i32.const too long", T_V_V, B("\x00" "\x41\x80\x80\x80\x80\x80\x00" "\x1a" "\x0b"),
      WP_ERR_MALFORMED, "integer representation too long", -1 },
    { "i32.const unused bits", T_V_V, B("\x00" "\x41\x80\x80\x80\x80\x70" "\x1a" "\x0b"),
      WP_ERR_MALFORMED, "integer too large", -1 },
    { "truncated immediate", T_V_V, B("\x00" "\x44\x00\x00"),
      WP_ERR_MALFORMED, "unexpected end", -1 },
    { "too many locals", T_V_V, B("\x02" "\xff\xff\xff\xff\x0f\x7f" "\x02\x7e" "\x0b"),
      WP_ERR_MALFORMED, "too many locals", -1 },
    { "bad local type", T_V_V, B("\x01" "\x01\x40" "\x0b"),
      WP_ERR_MALFORMED, "value type", 2 },
    { "bad reference type", T_V_V, B("\x00" "\xd0\x7f" "\x1a" "\x0b"),
      WP_ERR_MALFORMED, "reference type", 2 },
    { "negative block type", T_V_V, B("\x00" "\x02\x50" "\x0b" "\x0b"),
      WP_ERR_MALFORMED, "block type", 2 },
    /* Decoding comes before validation: the later malformed byte wins. */
    { "invalid, then malformed", T_V_V, B("\x00" "\x6a" "\x27" "\x0b"),
      WP_ERR_MALFORMED, "illegal opcode", 2 },
    { "invalid in a block, then bytes after the end", T_V_V,
      B("\x00" "\x02\x40" "\x6a" "\x0b" "\x0b" "\x01"),
      WP_ERR_MALFORMED, "section size mismatch", 6 },
};

static void test_bad_bodies(wp_engine *e)
{
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *c = &bad_cases[i];
        fixture f;
        fixture_init(&f, e);
        wp_error err;
        wp_status st = translate(&f, c->type, c->body, c->len, &err);
        CHECK(st == c->want, "%s: status %s, want %s (%s)", c->name, wp_status_text(st),
              wp_status_text(c->want), err.msg);
        CHECK(st == WP_OK || strstr(err.msg, c->msg) != NULL, "%s: message \"%s\" lacks \"%s\"",
              c->name, err.msg, c->msg);
        CHECK(st == WP_OK || c->at < 0 || err.offset == BODY_OFFSET + (uint32_t)c->at,
              "%s: offset %u, want %u", c->name, err.offset, BODY_OFFSET + c->at);
        fixture_fini(&f);
    }
}

/* memory.init and data.drop need the data count section: without it the
 * binary is malformed, whatever the index. */
static void test_data_count(wp_engine *e)
{
    static const char drop[] = "\x00" "\xfc\x09\x00" "\x0b";
    static const char init[] = "\x00" "\x41\x00" "\x41\x00" "\x41\x00" "\xfc\x08\x00\x00" "\x0b";
    const char *bodies[] = { drop, init };
    size_t lens[] = { sizeof drop - 1, sizeof init - 1 };
    for (int i = 0; i < 2; i++) {
        fixture f;
        fixture_init(&f, e);
        f.m.has_data_count = false;
        f.m.data_count = 0;
        wp_error err;
        wp_status st = translate(&f, T_V_V, bodies[i], lens[i], &err);
        CHECK(st == WP_ERR_MALFORMED && strstr(err.msg, "data count section required"),
              "data count %d: %s (%s)", i, wp_status_text(st), err.msg);
        fixture_fini(&f);
    }
}

/* ---------------------------------------------------------------- accepted bodies */

typedef struct good_case {
    const char *name;
    uint32_t    type;
    const char *body;
    size_t      len;
} good_case;

static const good_case good_cases[] = {
    { "dead code after br is polymorphic", T_I_I,
      B("\x00" "\x02\x7f" "\x41\x01" "\x0c\x00" "\x6a" "\x1a" "\x00" "\x0b" "\x0b") },
    { "unreachable then anything typed", T_V_V, B("\x00" "\x00" "\x6a" "\x45" "\x1a" "\x0b") },
    { "br_table to a loop and a block", T_I_V,
      B("\x00" "\x02\x40" "\x03\x40" "\x20\x00" "\x0e\x02\x00\x01\x01" "\x0b" "\x0b" "\x0b") },
    { "multi-value block with params", T_II_II,
      B("\x00" "\x20\x00" "\x20\x01" "\x02\x03" "\x0b" "\x0b") },
    { "all the bulk and table ops", T_V_V,
      B("\x00"
        "\x41\x00" "\x41\x00" "\x41\x00" "\xfc\x08\x00\x00"    /* memory.init 0 */
        "\xfc\x09\x00"                                         /* data.drop 0 */
        "\x41\x00" "\x41\x00" "\x41\x00" "\xfc\x0a\x00\x00"    /* memory.copy */
        "\x41\x00" "\x41\x00" "\x41\x00" "\xfc\x0b\x00"        /* memory.fill */
        "\x41\x00" "\x41\x00" "\x41\x00" "\xfc\x0c\x00\x00"    /* table.init 0 0 */
        "\xfc\x0d\x00"                                         /* elem.drop 0 */
        "\x41\x00" "\x41\x00" "\x41\x00" "\xfc\x0e\x00\x00"    /* table.copy 0 0 */
        "\xd0\x70" "\x41\x01" "\xfc\x0f\x00" "\x1a"            /* table.grow 0 */
        "\xfc\x10\x01" "\x1a"                                  /* table.size 1 */
        "\x41\x00" "\xd0\x6f" "\x41\x01" "\xfc\x11\x01"        /* table.fill 1 */
        "\x41\x00" "\x25\x00" "\xd1" "\x1a"                    /* table.get 0, ref.is_null */
        "\x41\x00" "\xd2\x01" "\x26\x00"                       /* table.set 0 (ref.func 1) */
        "\x3f\x00" "\x40\x00" "\x1a"                           /* memory.grow (memory.size) */
        "\x23\x00" "\x1a" "\x42\x05" "\x24\x01"                /* globals */
        "\x41\x00" "\x11\x00\x00"                              /* call_indirect [] -> [] */
        "\x41\x00" "\x42\x07" "\x37\x03\x08"                   /* i64.store offset 8 */
        "\x0b") },
    { "padded call_indirect table index", T_V_V,
      B("\x00" "\x41\x00" "\x11\x00\x80\x80\x80\x80\x00" "\x0b") },
    { "typed select of references", T_V_V,
      B("\x00" "\xd0\x6f" "\xd0\x6f" "\x41\x00" "\x1c\x01\x6f" "\x1a" "\x0b") },
};

static bool listing_ok(const rt_code *code, char **text)
{
    size_t size = 0;
    FILE *out = open_memstream(text, &size);
    if (out == NULL)
        return false;
    rt_code_dump(out, code);
    fclose(out);
    return strstr(*text, "<unknown") == NULL && strstr(*text, "<truncated") == NULL;
}

static void test_good_bodies(wp_engine *e)
{
    for (size_t i = 0; i < sizeof good_cases / sizeof good_cases[0]; i++) {
        const good_case *c = &good_cases[i];
        fixture f;
        fixture_init(&f, e);
        wp_error err;
        wp_status st = translate(&f, c->type, c->body, c->len, &err);
        CHECK(st == WP_OK, "%s: %s (%s)", c->name, wp_status_text(st), err.msg);
        if (st == WP_OK) {
            char *text = NULL;
            CHECK(listing_ok(code_of(&f, c->type), &text), "%s: broken listing:\n%s", c->name,
                  text ? text : "");
            free(text);
        }
        fixture_fini(&f);
    }
}

/* ---------------------------------------------------------------- emitted code */

typedef struct code_case {
    const char     *name;
    uint32_t        type;
    const char     *body;
    size_t          len;
    uint32_t        nwords;
    const uint32_t *words;
    uint32_t        frame_slots;   /* 0: not checked */
} code_case;

#define W(...) (sizeof((const uint32_t[]){ __VA_ARGS__ }) / sizeof(uint32_t)), \
               (const uint32_t[]){ __VA_ARGS__ }

static const code_case code_cases[] = {
    /* local 2 is the add's destination: no copy. enter zeroes it. */
    { "add into a local", T_II_V,
      B("\x01\x01\x7f" "\x20\x00" "\x20\x01" "\x6a" "\x21\x02" "\x0b"),
      W(IOP_enter, 2, 0, 1, 0, 0, IOP_i32_add, 2, 0, 1, IOP_return), 5 },
    /* A result that is already in slot 0. */
    { "identity", T_I_I, B("\x00" "\x20\x00" "\x0b"), W(IOP_return), 0 },
    /* Returning (local 1, local 0): local 0 is saved before slot 0 is
     * overwritten. */
    { "swap", T_II_II, B("\x00" "\x20\x01" "\x20\x00" "\x0b"),
      W(IOP_mov2, 3, 0, 0, 1, IOP_mov, 1, 3, IOP_return), 4 },
    /* A result computed just before a return is written to slot 0. */
    { "result into slot 0", T_II_I, B("\x00" "\x20\x00" "\x20\x01" "\x6b" "\x0b"),
      W(IOP_i32_sub, 0, 0, 1, IOP_return), 0 },
    /* Two copies with a branch target between them stay two movs. */
    { "no mov2 across a label", T_II_V,
      B("\x01\x01\x7f" "\x20\x00" "\x21\x02" "\x03\x40" "\x20\x01" "\x21\x02" "\x0b"
        "\x0b"),
      W(IOP_enter, 2, 0, 1, 0, 0, IOP_mov, 2, 0, IOP_mov, 2, 1, IOP_return), 0 },
    /* The back-edge goes to the loop's first instruction; local.tee takes
     * the sub's result; the constant 1 is read from the pool (slot 1). */
    { "countdown loop", T_I_V,
      B("\x00" "\x03\x40" "\x20\x00" "\x41\x01" "\x6b" "\x22\x00" "\x0d\x00" "\x0b" "\x0b"),
      W(IOP_enter, 1, 0, 1, 1, 0, IOP_i32_sub, 0, 0, 1, IOP_br_if, 0, 6, IOP_return),
      4 },
    /* A comparison used only by br_if becomes the branch. */
    { "compare and branch", T_II_V,
      B("\x00" "\x03\x40" "\x20\x00" "\x20\x01" "\x48" "\x0d\x00" "\x0b" "\x0b"),
      W(IOP_br_i32_lt_s, 0, 1, 0, IOP_return), 0 },
    /* ... and an if's condition becomes the inverted branch to the else. */
    { "compare and if", T_I_I,
      B("\x00" "\x20\x00" "\x45" "\x04\x7f" "\x41\x01" "\x05" "\x41\x02" "\x0b" "\x0b"),
      W(IOP_br_if, 0, 8, IOP_const32, 1, 1, IOP_br, 11, IOP_const32, 1, 2,
        IOP_mov, 0, 1, IOP_return), 0 },
    /* An address computed by i32.add and used only by the access is added
     * by the access itself. */
    { "load and store a + b", T_II_V,
      B("\x00" "\x20\x00" "\x20\x01" "\x6a" "\x2d\x00\x03" "\x1a"
        "\x20\x00" "\x20\x01" "\x6a" "\x20\x00" "\x3a\x00\x05" "\x0b"),
      W(IOP_i32_load8_u_add, 2, 0, 1, 3, IOP_i32_store8_add, 0, 1, 0, 5, IOP_return), 0 },
    /* A sum of three is one add3, whichever operand the inner add is. */
    { "add3", T_II_I,
      B("\x00" "\x20\x00" "\x20\x00" "\x20\x01" "\x6a" "\x6a" "\x20\x01" "\x6a" "\x0b"),
      W(IOP_i32_add3, 2, 0, 1, 0, IOP_i32_add, 0, 2, 1, IOP_return), 0 },
    /* A value computed by i32.add just before its store is added by the
     * store. */
    { "store a sum", T_II_V,
      B("\x00" "\x20\x00" "\x20\x00" "\x20\x01" "\x6a" "\x36\x02\x08" "\x0b"),
      W(IOP_i32_store_sum, 0, 0, 1, 8, IOP_return), 0 },
    /* An address summed before the value stays an add; the value's own
     * add goes into the store. */
    { "address before the value", T_II_V,
      B("\x00" "\x20\x00" "\x20\x01" "\x6a" "\x20\x00" "\x20\x01" "\x6a"
        "\x3a\x00\x05" "\x0b"),
      W(IOP_i32_add, 2, 0, 1, IOP_i32_store8_sum, 2, 0, 1, 5, IOP_return), 0 },
    /* Storing 0 into a declared local that still holds its initial 0
     * (straight from the entry, not written yet) emits nothing; after a
     * branch target it does. */
    { "initial zero", T_I_V,
      B("\x01\x01\x7f" "\x41\x00" "\x21\x01" "\x41\x00" "\x21\x00" "\x03\x40" "\x0b"
        "\x41\x00" "\x21\x01" "\x0b"),
      W(IOP_enter, 1, 0, 1, 0, 0, IOP_const32, 0, 0, IOP_const32, 1, 0, IOP_return), 0 },
    /* enter writes a few zeroed locals as values with the constants, and
     * zeroes more than eight in a loop. */
    { "many locals", T_V_V, B("\x01\x09\x7f" "\x0b"), W(IOP_enter, 0, 9, 0, IOP_return), 0 },
    /* A comparison also kept in a local is not fused. */
    { "compare kept", T_II_V,
      B("\x01\x01\x7f" "\x20\x00" "\x20\x01" "\x49" "\x22\x02" "\x04\x40" "\x0b" "\x0b"),
      W(IOP_enter, 2, 0, 1, 0, 0, IOP_i32_lt_u, 2, 0, 1, IOP_br_unless, 2, 13, IOP_return), 0 },
    /* The old value of local 0 is still on the stack when local 0 is
     * written: it is copied out first. */
    { "pending local read", T_I_I,
      B("\x00" "\x20\x00" "\x41\x05" "\x21\x00" "\x0b"),
      W(IOP_mov, 1, 0, IOP_const32, 0, 5, IOP_mov, 0, 1, IOP_return), 0 },
    /* Arguments go to consecutive slots from the call's base. */
    { "call", T_I_I, B("\x00" "\x20\x00" "\x41\x07" "\x10\x02" "\x0b"),
      W(IOP_mov, 1, 0, IOP_const32, 2, 7, IOP_call_wasm, 2, 1, IOP_mov, 0, 1, IOP_return), 3 },
    /* if/else: the condition is read from the local; both arms leave
     * their value in the block's slot. */
    { "if else", T_I_I,
      B("\x00" "\x20\x00" "\x04\x7f" "\x41\x01" "\x05" "\x41\x02" "\x0b" "\x0b"),
      W(IOP_br_unless, 0, 8, IOP_const32, 1, 1, IOP_br, 11, IOP_const32, 1, 2,
        IOP_mov, 0, 1, IOP_return), 0 },
    /* The instruction after an unconditional branch is not emitted. */
    { "dead code", T_V_V, B("\x00" "\x0f" "\x41\x01" "\x1a" "\x0b"), W(IOP_return), 0 },
    /* Constants an instruction reads come from the pool, i64 ones whole. */
    { "pooled constants", T_V_V,
      B("\x00" "\x42\x05" "\x42\x7f" "\x7c" "\x1a" "\x0b"),
      W(IOP_enter, 0, 0, 2, 5, 0, 0xffffffffu, 0xffffffffu, IOP_i64_add, 2, 0, 1, IOP_return),
      4 },
    /* A constant only stored is written by its own instruction, not
     * pooled; an i64 one with a zero upper half uses const32
     * (zero-extended). */
    { "stored i64 constants", T_V_V,
      B("\x01\x01\x7e" "\x42\x05" "\x21\x00" "\x42\x7f" "\x21\x00" "\x0b"),
      W(IOP_enter, 0, 0, 1, 0, 0, IOP_const32, 0, 5, IOP_const64, 0, 0xffffffffu, 0xffffffffu,
        IOP_return), 2 },
    /* br_if with a value that must move: br_unless around the copy. */
    { "br_if with a moved value", T_I_I,
      B("\x00" "\x02\x7f" "\x41\x03" "\x20\x00" "\x0d\x00" "\x1a" "\x41\x04" "\x0b" "\x0b"),
      W(IOP_enter, 1, 0, 1, 3, 0, IOP_br_unless, 0, 14, IOP_const32, 2, 3, IOP_br, 17,
        IOP_const32, 2, 4, IOP_mov, 0, 2, IOP_return), 0 },
};

static void test_code(wp_engine *e)
{
    for (size_t i = 0; i < sizeof code_cases / sizeof code_cases[0]; i++) {
        const code_case *c = &code_cases[i];
        fixture f;
        fixture_init(&f, e);
        wp_error err;
        wp_status st = translate(&f, c->type, c->body, c->len, &err);
        CHECK(st == WP_OK, "%s: %s (%s)", c->name, wp_status_text(st), err.msg);
        if (st != WP_OK) {
            fixture_fini(&f);
            continue;
        }
        const rt_code *code = code_of(&f, c->type);
        bool same = code->nwords == c->nwords &&
                    memcmp(code->words, c->words, c->nwords * sizeof *c->words) == 0;
        CHECK(same, "%s: unexpected code", c->name);
        CHECK(c->frame_slots == 0 || code->frame_slots == c->frame_slots,
              "%s: frame_slots %u, want %u", c->name, code->frame_slots, c->frame_slots);
        CHECK(code->body_offset == BODY_OFFSET, "%s: body_offset %u", c->name, code->body_offset);
        if (!same) {
            fprintf(stderr, "got:\n");
            rt_code_dump(stderr, code);
            rt_code want = *code;
            want.words = c->words;
            want.nwords = c->nwords;
            fprintf(stderr, "want:\n");
            rt_code_dump(stderr, &want);
        }
        fixture_fini(&f);
    }
}

static void test_code_fields(wp_engine *e)
{
    fixture f;
    fixture_init(&f, e);
    wp_error err;
    /* (i32 i32) -> (i32 i32) with 3 locals: an i64, an f32, an f64. */
    static const char body[] = "\x03" "\x01\x7e" "\x01\x7d" "\x01\x7c" "\x20\x00" "\x20\x01" "\x0b";
    wp_status st = translate(&f, T_II_II, body, sizeof body - 1, &err);
    CHECK(st == WP_OK, "locals: %s", err.msg);
    const rt_code *c = code_of(&f, T_II_II);
    CHECK(c->nparams == 2 && c->nlocals == 5 && c->nresults == 2,
          "fields: params %u locals %u results %u", c->nparams, c->nlocals, c->nresults);
    CHECK(c->frame_slots >= 5, "frame_slots %u", c->frame_slots);
    fixture_fini(&f);
}

/* ---------------------------------------------------------------- hostile bodies */

/* xorshift, seeded per test run: no global state. */
static uint32_t next_rand(uint32_t *s)
{
    uint32_t x = *s;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *s = x;
}

static void check_random_result(fixture *f, uint32_t type, wp_status st, const wp_error *err,
                                const char *what)
{
    CHECK(st == WP_OK || st == WP_ERR_MALFORMED || st == WP_ERR_INVALID,
          "%s: status %s (%s)", what, wp_status_text(st), err->msg);
    if (st == WP_OK) {
        char *text = NULL;
        CHECK(listing_ok(code_of(f, type), &text), "%s: broken listing", what);
        free(text);
    } else {
        CHECK(err->msg[0] != '\0', "%s: empty message", what);
    }
}

static void test_random(wp_engine *e)
{
    /* Opcodes and immediates that make deep, branchy, multi-value code. */
    static const uint8_t pool[] = {
        0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x0b, 0x0b, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10,
        0x11, 0x1a, 0x1b, 0x20, 0x20, 0x21, 0x22, 0x23, 0x24, 0x28, 0x36, 0x41, 0x42, 0x45,
        0x6a, 0x7c, 0x40, 0x7f, 0x7e, 0x00, 0x01, 0x02, 0x03, 0xfc, 0xd0, 0xd1, 0xd2, 0x80,
    };
    uint32_t seed = 0x2545f491u;
    uint8_t body[64];
    uint32_t accepted = 0;
    for (int i = 0; i < 20000; i++) {
        fixture f;
        fixture_init(&f, e);
        uint32_t type = next_rand(&seed) % NTYPES;
        size_t len = 1 + next_rand(&seed) % sizeof body;
        body[0] = (uint8_t)(next_rand(&seed) % 3 == 0 ? 0x01 : 0x00);
        size_t k = 1;
        if (body[0] == 0x01 && len > 3) {
            body[1] = 0x02;
            body[2] = 0x7f;
            k = 3;
        }
        for (; k < len; k++)
            body[k] = next_rand(&seed) % 4 == 0 ? (uint8_t)next_rand(&seed)
                                                 : pool[next_rand(&seed) % sizeof pool];
        if (next_rand(&seed) % 2)
            body[len - 1] = 0x0b;
        wp_error err;
        wp_status st = translate(&f, type, (const char *)body, len, &err);
        check_random_result(&f, type, st, &err, "random body");
        accepted += st == WP_OK;
        fixture_fini(&f);
    }
    CHECK(accepted > 0, "no random body was accepted");

    /* Every one-byte change of the accepted bodies above. */
    for (size_t i = 0; i < sizeof good_cases / sizeof good_cases[0]; i++) {
        const good_case *c = &good_cases[i];
        for (size_t pos = 0; pos < c->len; pos++) {
            for (int v = 0; v < 256; v += 7) {
                fixture f;
                fixture_init(&f, e);
                uint8_t mutated[512];
                memcpy(mutated, c->body, c->len);
                mutated[pos] = (uint8_t)v;
                wp_error err;
                wp_status st = translate(&f, c->type, (const char *)mutated, c->len, &err);
                check_random_result(&f, c->type, st, &err, c->name);
                fixture_fini(&f);
            }
        }
    }
}

/* Deep nesting and long stacks stay linear and bounded. */
static void test_big(wp_engine *e)
{
    enum { N = 100000 };
    uint8_t *body = malloc(4 * N + 16);
    CHECK(body != NULL, "malloc");
    if (body == NULL)
        return;

    /* N nested blocks. */
    size_t n = 0;
    body[n++] = 0x00;
    for (int i = 0; i < N; i++) {
        body[n++] = 0x02;
        body[n++] = 0x40;
    }
    for (int i = 0; i < N; i++)
        body[n++] = 0x0b;
    body[n++] = 0x0b;
    fixture f;
    fixture_init(&f, e);
    wp_error err;
    wp_status st = translate(&f, T_V_V, (const char *)body, n, &err);
    CHECK(st == WP_OK, "nested blocks: %s", err.msg);
    fixture_fini(&f);

    /* N pending local reads, then N writes to another local and N block
     * entries: each write and block entry must not rescan the stack. */
    n = 0;
    body[n++] = 0x01;
    body[n++] = 0x01;
    body[n++] = 0x7f;
    for (int i = 0; i < N / 2; i++) {
        body[n++] = 0x20;
        body[n++] = 0x00;
    }
    for (int i = 0; i < N / 4; i++) {
        body[n++] = 0x41;
        body[n++] = 0x00;
        body[n++] = 0x21;
        body[n++] = 0x01;
    }
    for (int i = 0; i < N / 4; i++) {
        body[n++] = 0x02;
        body[n++] = 0x40;
        body[n++] = 0x0b;
    }
    for (int i = 0; i < N / 2; i++)
        body[n++] = 0x1a;
    body[n++] = 0x0b;
    fixture_init(&f, e);
    st = translate(&f, T_I_V, (const char *)body, n, &err);
    CHECK(st == WP_OK, "long stack: %s", err.msg);
    fixture_fini(&f);
    free(body);
}

int main(void)
{
    wp_engine *e = NULL;
    wp_error err;
    if (wp_engine_create(NULL, &e, &err) != WP_OK) {
        fprintf(stderr, "engine: %s\n", err.msg);
        return 1;
    }
    test_bad_bodies(e);
    test_data_count(e);
    test_good_bodies(e);
    test_code(e);
    test_code_fields(e);
    test_random(e);
    test_big(e);
    wp_engine_destroy(e);
    if (failures) {
        fprintf(stderr, "test_translate: %d failure(s)\n", failures);
        return 1;
    }
    printf("test_translate: ok\n");
    return 0;
}
