/* Internal model of the runtime, shared by every file in src/runtime.
 *
 * A module (struct wp_module) is what the decoder produces: types, imports,
 * declarations, segments, and for each defined function its body and,
 * once translated, its code (rt_code, see code.h). It lives in one arena.
 * After wp_module_compile returns, only two things still change, each
 * once and under the module's lock: a function's code when it is first
 * called (lazy.c), and the function names when a message first needs them. An instance (struct wp_instance) holds only
 * run-time state: function instances, memories, tables, globals, segment
 * state and the execution stack.
 */
#ifndef WP_RT_H
#define WP_RT_H

#include <stdarg.h>
#include <stdatomic.h>
#include <pthread.h>

#include "wasmpipe/runtime.h"
#include "config.h"

/* ---------------------------------------------------------------- checks */

#ifdef NDEBUG
#define WP_ASSERT(c) ((void)0)
#define NEVER(c) (c)
#else
#include <assert.h>
#define WP_ASSERT(c) assert(c)
/* Defensive check: asserts in debug builds, is a plain test in release. */
#define NEVER(c) ((c) ? (assert(!#c), 1) : 0)
#endif

/* ---------------------------------------------------------------- errors */

/* Fills err (may be NULL) and returns code. offset UINT32_MAX: none. */
wp_status rt_fail(wp_error *err, wp_status code, uint32_t offset, const char *fmt, ...)
    WP_PRINTF(4, 5);
wp_status rt_failv(wp_error *err, wp_status code, uint32_t offset, const char *fmt, va_list ap);
wp_status rt_trap(wp_error *err, wp_trap_kind kind, const char *where);
/* A trap in wasm code: err says "NAME @0xOFFSET: <kind text>" (NAME as
 * rt_func_label) and gets the frame (m, func, offset) as frames[0]. */
wp_status rt_trap_at(wp_error *err, wp_trap_kind kind, wp_module *m, uint32_t func,
                     uint32_t offset);
/* Adds the next outer frame to a trap's call stack (nothing unless err is
 * a WP_ERR_TRAP); past WP_MAX_TRAP_FRAMES only err->depth grows. */
void rt_error_add_frame(wp_error *err, wp_module *m, uint32_t func, uint32_t offset);
/* The name of function func of m for messages, else "func[N]" written to
 * buf (24 bytes are enough). */
const char *rt_func_label(wp_module *m, uint32_t func, char *buf, size_t size);
/* Prepends "prefix: " to err->msg, so context is added as an error rises. */
void rt_error_prefix(wp_error *err, const char *fmt, ...) WP_PRINTF(2, 3);

/* ---------------------------------------------------------------- allocation */

struct wp_engine {
    wp_engine_config cfg;        /* defaults filled in; cfg.cache_dir is the engine's copy */
    pthread_mutex_t  types_lock; /* guards the canonical type table */
    struct rt_type_entry *types; /* canonical function types (types.c) */
    uint32_t         ntypes, cap_types;
    /* Off: recognised wasi-libc bodies (libc_match.c) are translated like
     * any other body, for tests that compare the two. On by default. */
    bool             libc_match_off;
};

/* Turns the recognition of wasi-libc bodies on or off for modules
 * compiled from e afterwards (engine.c). Internal: tests and fuzzers. */
void rt_engine_set_libc_match(wp_engine *e, bool on);

/* Whether a wp_feature is on in the engine. */
static inline bool rt_feature(const wp_engine *e, uint32_t feature)
{
    return (e->cfg.disabled_features & feature) == 0;
}

void *rt_alloc(wp_engine *e, size_t size);                 /* zeroed */
void *rt_realloc(wp_engine *e, void *p, size_t old_size, size_t new_size);
void  rt_free(wp_engine *e, void *p, size_t size);

/* Bump arena: module data is allocated here and released at once. */
typedef struct rt_arena_chunk rt_arena_chunk;
typedef struct rt_arena {
    wp_engine      *engine;
    rt_arena_chunk *head;
    size_t          total;  /* bytes requested from the allocator */
} rt_arena;

void  rt_arena_init(rt_arena *a, wp_engine *e);
void *rt_arena_alloc(rt_arena *a, size_t size, size_t align);  /* zeroed; NULL on OOM */
void  rt_arena_release(rt_arena *a);
#define RT_ARENA_NEW(a, T) ((T *)rt_arena_alloc((a), sizeof(T), _Alignof(T)))
#define RT_ARENA_ARRAY(a, T, n) ((T *)rt_arena_alloc((a), sizeof(T) * (size_t)(n), _Alignof(T)))

/* ---------------------------------------------------------------- the instance limit */

/* Bytes held for one instance against its limit (budget.c). */
typedef struct rt_budget {
    uint64_t limit;
    uint64_t used;
} rt_budget;

void rt_budget_init(rt_budget *b, uint64_t limit);
/* Takes bytes from the budget (NULL: no budget, always true); false and
 * nothing taken when they do not fit. */
bool rt_budget_take(rt_budget *b, uint64_t bytes);
void rt_budget_give(rt_budget *b, uint64_t bytes);
/* rt_budget_take, or WP_ERR_NOMEM naming `what` and the limit. */
wp_status rt_budget_charge(rt_budget *b, uint64_t bytes, wp_error *err, const char *what);

/* ---------------------------------------------------------------- types */

typedef uint8_t rt_valtype;   /* a wp_valtype byte */

/* Slots a value of this type occupies on the value stack (v128: 2). */
static inline uint32_t rt_slots_of(rt_valtype t) { return t == WP_V128 ? 2u : 1u; }
static inline bool rt_is_ref(rt_valtype t) { return t == WP_FUNCREF || t == WP_EXTERNREF; }

typedef struct rt_functype {
    uint32_t    nparams, nresults;
    rt_valtype *params;    /* nparams */
    rt_valtype *results;   /* nresults */
    uint32_t    param_slots, result_slots;
    uint32_t    id;        /* canonical id in the engine: equal ids <=> equal types */
} rt_functype;

/* Interns a type in the engine; returns its canonical id (thread-safe). */
wp_status rt_type_intern(wp_engine *e, const rt_valtype *params, uint32_t np,
                         const rt_valtype *results, uint32_t nr, uint32_t *id_out,
                         wp_error *err);
/* The canonical type for an id, for wp_func_type (valid while the engine lives). */
const rt_functype *rt_type_canonical(wp_engine *e, uint32_t id);
/* The same type with wp_valtype arrays (view, valid while the engine lives). */
wp_functype rt_type_public(wp_engine *e, uint32_t id);
/* Frees the canonical type table (wp_engine_destroy). */
void rt_types_free(wp_engine *e);

typedef struct rt_limits {
    uint32_t min, max;
    bool     has_max;
} rt_limits;

typedef struct rt_tabletype {
    rt_valtype elem;
    rt_limits  limits;
} rt_tabletype;

typedef struct rt_globaltype {
    rt_valtype type;
    bool       mut;
} rt_globaltype;

/* A constant expression. Those of WebAssembly 2.0 are one instruction;
 * extended constant expressions (i32/i64 add, sub, mul) are a sequence. */
typedef enum rt_const_kind {
    RT_CONST_VALUE,       /* bits holds the value (i32/f32 in the low 32 bits) */
    RT_CONST_GLOBAL_GET,  /* index of an imported global */
    RT_CONST_REF_NULL,    /* type is the reference type */
    RT_CONST_REF_FUNC,    /* index of a function */
    RT_CONST_BINOP,       /* in a sequence only: index is the opcode (0x6a i32.add, ...) */
    RT_CONST_SEQ          /* index instructions at seq, in order (stack machine);
                           * bits[0] is the deepest stack they reach */
} rt_const_kind;

typedef struct rt_const_expr {
    uint8_t    kind;      /* rt_const_kind */
    rt_valtype type;      /* the result type */
    uint32_t   index;
    uint64_t   bits[2];   /* bits[1] only for v128 */
    const struct rt_const_expr *seq;  /* RT_CONST_SEQ: in the module's arena */
} rt_const_expr;

typedef struct rt_name {
    const char *str;      /* in the arena; NUL-terminated as well */
    uint32_t    len;
} rt_name;

typedef struct rt_import {
    rt_name        module, name;
    wp_extern_kind kind;
    uint32_t       index;       /* kind-space index this import defines */
    union {
        uint32_t      type_index;   /* func */
        rt_tabletype  table;
        rt_limits     memory;
        rt_globaltype global;
    } desc;
} rt_import;

typedef struct rt_export {
    rt_name        name;
    wp_extern_kind kind;
    uint32_t       index;
} rt_export;

typedef enum rt_seg_mode { RT_SEG_ACTIVE, RT_SEG_PASSIVE, RT_SEG_DECLARATIVE } rt_seg_mode;

typedef struct rt_elem {
    uint8_t        mode;      /* rt_seg_mode */
    rt_valtype     type;      /* funcref or externref */
    uint32_t       table;     /* active only */
    rt_const_expr  offset;    /* active only, i32 */
    uint32_t       nitems;
    rt_const_expr *items;     /* each a ref.func, ref.null or global.get */
} rt_elem;

typedef struct rt_data {
    uint8_t        mode;      /* RT_SEG_ACTIVE or RT_SEG_PASSIVE */
    uint32_t       memory;
    rt_const_expr  offset;
    uint32_t       len;
    const uint8_t *bytes;     /* in the arena */
} rt_data;

/* One defined function: its body, and its translated code (see code.h for
 * the format). The body fields are set by the decoder and never change;
 * the code fields are written once, by the translation, before `ready`
 * is set (release); they may only be read by a thread that has seen
 * `ready` set (acquire), which wp_func.code guarantees (lazy.c). */
typedef struct rt_code {
    const uint32_t *words;       /* instruction stream; branch targets index it */
    const uint32_t *entry;       /* where a call starts: words, or a guard just
                                  * before words (recognised libc bodies) */
    uint32_t        nwords;
    uint32_t        nparams;     /* slots taken by parameters */
    uint32_t        nlocals;     /* slots taken by params + declared locals */
    uint32_t        frame_slots; /* slots the frame needs at most (locals + operands + temps) */
    uint32_t        nresults;    /* result slots */
    uint32_t        body_offset; /* offset of the body in the module, for messages */
    const uint8_t  *body;        /* the body (view into the module's arena copy) */
    uint32_t        body_len;
    /* Where each piece of words came from, for traps only: npos pairs
     * (word index, module offset of the wasm instruction that emitted the
     * words from there on), word indices increasing. rt_code_offset reads
     * it; the interpreter's loop never does. */
    const uint32_t *pos;
    uint32_t        npos;
    atomic_uchar    ready;       /* 1 once the code fields are written */
} rt_code;

struct wp_module {
    wp_engine    *engine;
    rt_arena      arena;

    uint32_t      ntypes;
    rt_functype  *types;

    uint32_t      nimports;
    rt_import    *imports;

    /* Index spaces: imports first, then definitions. */
    uint32_t      nfuncs, nfunc_imports;
    uint32_t     *func_type;     /* nfuncs: type index of each function */
    rt_code      *codes;         /* nfuncs - nfunc_imports */
    rt_name      *func_names;    /* nfuncs, from the name section; len 0 if none;
                                  * read only through rt_module_func_name */
    uint8_t      *func_declared; /* nfuncs: 1 if ref.func may name it (C.refs) */

    uint32_t      ntables, ntable_imports;
    rt_tabletype *tables;

    uint32_t      nmemories, nmemory_imports;
    rt_limits    *memories;

    uint32_t      nglobals, nglobal_imports;
    rt_globaltype *globals;
    rt_const_expr *global_init;  /* nglobals; entries for imports unused */

    uint32_t      nexports;
    rt_export    *exports;

    uint32_t      start;         /* UINT32_MAX: none */

    uint32_t      nelems;
    rt_elem      *elems;

    uint32_t      ndatas;
    rt_data      *datas;
    bool          has_data_count;
    uint32_t      data_count;

    /* The tier new calls into the module's functions run on (tier.h),
     * read through rt_module_tier. With `auto` it is the interpreter until
     * the background compile publishes the JIT here (release), after it
     * has written tier_data; it never changes again after that. */
    _Atomic(const struct rt_tier *) tier;
    void         *tier_data;
    char          tier_note[256];  /* why the configured tier refused it, or "";
                                    * final once tier_pending is false */
    uint8_t       tier_want;       /* wp_tier asked for this module (tier.c) */
    bool          compile_all;     /* tier jit: the whole module up front, not
                                    * each function on its first call */
    atomic_bool   tier_pending;    /* a background compile is running */
    atomic_bool   tier_cancel;     /* set by wp_module_destroy: stop compiling */
    struct rt_tier_job *tier_job;  /* the background compile, or NULL (tier.c) */
    /* The compile cache (jit/jit_cache.c): the directory (arena copy, NULL:
     * none), what it did (rt_cache_state) and its warning, or "". With
     * auto the background compile writes them: final once tier_pending is
     * false. */
    const char   *cache_dir;
    uint8_t       cache_state;
    bool          cache_looked;    /* the cache file was read (cache_key set) */
    uint8_t       cache_key[32];
    char          cache_note[256];
    char          cache_lookup_note[256]; /* with auto: cache_note as the lookup
                                           * left it, read while tier_pending */
    /* Lazy parts (lazy.c): translations and the name section. */
    pthread_mutex_t lock;        /* the slow paths: translating, reading names */
    const uint8_t *name_section; /* contents of the first "name" section (arena
                                  * copy), NULL if none or the module is invalid */
    uint32_t      name_section_len, name_section_offset;
    atomic_bool   names_read;    /* func_names filled in from name_section */
    atomic_uint   ntranslated;   /* functions translated so far (tests, statistics) */
};

/* The tier a new call into m's functions runs on. */
static inline const struct rt_tier *rt_module_tier(const wp_module *m)
{
    return atomic_load_explicit(&m->tier, memory_order_acquire);
}

/* Decode + validate + translate (decode.c and friends). */
wp_status rt_decode_module(wp_module *m, const uint8_t *bytes, size_t len, wp_error *err);

/* Validate one function body and translate it to rt_code (translate.c).
 * body/len: the body without its size prefix (locals declarations first).
 * body_offset: its offset in the module, for error messages. Everything the
 * decoder knows by the code section (types, functions, tables, memories,
 * globals, elems, data count, func_declared) is filled in. */
wp_status rt_translate_function(wp_module *m, uint32_t func_index, const uint8_t *body,
                                size_t len, uint32_t body_offset, wp_error *err);
/* The same checks as rt_translate_function, and the same errors, without
 * producing code: what compilation runs when translation is lazy. */
wp_status rt_validate_function(wp_module *m, uint32_t func_index, const uint8_t *body,
                               size_t len, uint32_t body_offset, wp_error *err);

/* The module offset of the wasm instruction whose internal code holds
 * ip (code.c): for an ip outside the function's words (its entry guard,
 * the stub before its first call) the body's offset; UINT32_MAX when
 * the code has no positions (code not made by the translator). */
uint32_t rt_code_offset(const rt_code *c, const uint32_t *ip);

/* Lazy translation (lazy.c). The code of defined function func_index,
 * translating it first if nobody has: safe from any number of threads,
 * and a failure (out of memory) is returned, not remembered. */
wp_status rt_module_code(wp_module *m, uint32_t func_index, const rt_code **out,
                         wp_error *err);
/* What wp_func.code holds until the function's first call: its code is one
 * `lazy` instruction, and its frame_slots 0 (the real check comes after). */
extern const rt_code rt_code_lazy;
/* The name of function func_index for messages: from the name section
 * (read on the first call), else its first export name; NULL if neither.
 * Valid while the module lives. */
const char *rt_module_func_name(wp_module *m, uint32_t func_index);
/* Fills m->func_names from m->name_section, best effort (decode.c). */
wp_status rt_dec_read_names(wp_module *m);

/* ---------------------------------------------------------------- run-time objects */

typedef enum rt_func_kind { RT_FUNC_WASM, RT_FUNC_HOST } rt_func_kind;

struct wp_func {
    uint8_t             kind;      /* rt_func_kind */
    uint32_t            type_id;   /* canonical, compared by call_indirect */
    const rt_functype  *type;      /* view: module's or the engine's canonical */
    wp_instance        *inst;      /* WASM: the owning instance; HOST: NULL */
    /* WASM: its code, or &rt_code_lazy before the first call (rt_func_code). */
    _Atomic(const rt_code *) code;
    uint32_t            index;     /* WASM: index in its module's function space */
    wp_host_fn          host;      /* HOST */
    void               *user;      /* HOST */
    wp_engine          *engine;    /* HOST: for destroy */
    const char         *name;      /* HOST: for messages; may be NULL (WASM:
                                    * rt_module_func_name) */
};


struct wp_memory {
    wp_engine *engine;
    uint8_t   *data;       /* reserved region; [0, size) is accessible */
    uint64_t   size;       /* bytes */
    uint32_t   pages;
    uint32_t   max_pages;  /* the effective maximum (declared and cap) */
    size_t     reserved;   /* bytes reserved at data */
    bool       owned_by_instance;
    rt_limits  declared;   /* limits as created: import matching compares the max */
    rt_budget *budget;     /* the owning instance's, charged for pages; NULL: none */
};

struct wp_table {
    wp_engine *engine;
    void     **elems;      /* wp_func* for funcref, host pointer for externref */
    uint32_t   size;
    uint32_t   max;        /* effective maximum */
    uint32_t   cap;        /* allocated entries */
    rt_valtype elem;
    bool       owned_by_instance;
    rt_limits  declared;   /* limits as created: import matching compares the max */
    wp_instance *kept;     /* failed instantiations whose functions this table
                            * still holds; destroyed with the table (instance.c) */
    rt_budget *budget;     /* the owning instance's, charged for cap; NULL: none */
};

struct wp_global {
    wp_engine *engine;
    uint64_t   val[2];     /* val[1] only for v128 */
    rt_valtype type;
    bool       mut;
    bool       owned_by_instance;
};

/* Memory helpers (memory.c). Reserves virtual space up to the maximum so
 * that growing never moves the data. */
wp_status rt_memory_init(wp_memory *mem, wp_engine *e, rt_limits limits, uint32_t cap_pages,
                         rt_budget *budget, wp_error *err);
void      rt_memory_fini(wp_memory *mem);
int64_t   rt_memory_grow(wp_memory *mem, uint32_t delta);   /* old pages or -1 */

/* Table helpers (table.c). */
wp_status rt_table_init(wp_table *t, wp_engine *e, rt_tabletype type, rt_budget *budget,
                        wp_error *err);
void      rt_table_fini(wp_table *t);
int64_t   rt_table_grow(wp_table *t, uint32_t delta, void *init);   /* old size or -1 */

/* Import map lookup (imports.c): the extern defined for (module, name), or
 * NULL. Names are byte strings with lengths. */
const wp_extern *rt_imports_find(const wp_imports *im, const char *module, uint32_t module_len,
                                 const char *name, uint32_t name_len);

/* One activation record on the control stack. */
typedef struct rt_frame {
    const uint32_t *ret_ip;    /* where the caller continues */
    uint64_t       *fp;        /* the caller's frame pointer */
    wp_func        *func;      /* the caller's function */
} rt_frame;

/* What native code records for each wasm call in progress (jit/): site is
 * the calling function's index << 32 | the module offset of the call (or
 * of the helper call or trap in progress). Bit 63 set: the call left the
 * caller's module, and mod is the caller's module. Read only when a trap
 * builds its call stack. */
typedef struct rt_native_site {
    uint64_t   site;
    wp_module *mod;
} rt_native_site;

/* Execution stack of an instance. Calls into functions of other instances
 * continue on the stack of the instance where the outermost call began. */
typedef struct rt_exec {
    uint64_t   *stack, *stack_end;   /* value stack */
    uint64_t   *top;                 /* first free slot for a new (re-entrant) call */
    rt_frame   *frames, *frames_end;
    rt_frame   *frame_top;           /* first free frame */
    uint32_t    depth;               /* nested host->guest entries */
    atomic_int  interrupt;
    rt_native_site *sites, *sites_end; /* one per call depth (jit/) */
    void       *jit_cx;              /* the innermost native entry running, or NULL */
} rt_exec;

struct wp_call {
    wp_instance *inst;     /* caller instance (may be NULL) */
    rt_exec     *exec;
    wp_error    *err;
};

struct wp_instance {
    wp_module   *module;
    wp_engine   *engine;
    void        *user;

    wp_func    **funcs;          /* nfuncs; imported ones point elsewhere */
    wp_func     *own_funcs;      /* the module's defined functions */
    wp_table   **tables;
    wp_table    *own_tables;
    wp_memory  **memories;
    wp_memory   *own_memories;
    wp_global  **globals;
    wp_global   *own_globals;

    /* Passive segment state: a dropped segment has length 0. */
    void       **elem_items;     /* per elem segment: a void ** array of its resolved
                                  * references (NULL when it has none), stored as void * */
    uint32_t    *elem_len;
    uint32_t    *data_len;

    /* Copies of memory 0's base and size are not kept here: the
     * interpreter reads memories[0] directly and caches it in registers. */
    rt_exec      exec;
    uint32_t     max_call_depth;
    wp_instance *next_kept;      /* chain of wp_table.kept */
    rt_budget    budget;         /* what this instance holds against its limit */
    wp_interrupt *interrupt;     /* attached handle, or NULL (interrupt.c) */
};

/* Attaches h to in (raising in's interrupt flag if h fired meanwhile), and
 * detaches it again (interrupt.c). */
void rt_interrupt_attach(wp_interrupt *h, wp_instance *in);
void rt_interrupt_detach(wp_interrupt *h, wp_instance *in);

/* The interpreter (interp.c). Runs f (a WASM function) on exec; slots holds
 * the arguments on entry and the results on return (as wp_func_call_raw).
 * The caller has checked nothing about the stack; interp does. */
wp_status rt_interp_call(rt_exec *exec, wp_func *f, uint64_t *slots, wp_error *err);

/* Calls any function (host or WASM) with raw slots: the one entry point. */
wp_status rt_call(wp_func *f, uint64_t *slots, wp_error *err);

/* The code of a wasm function, translating it on its first call. */
static inline wp_status rt_func_code(wp_func *f, const rt_code **out, wp_error *err)
{
    const rt_code *c = atomic_load_explicit(&f->code, memory_order_acquire);
    if (c != &rt_code_lazy) {
        *out = c;
        return WP_OK;
    }
    wp_status st = rt_module_code(f->inst->module, f->index, out, err);
    if (st == WP_OK)
        atomic_store_explicit(&f->code, *out, memory_order_release);
    return st;
}

#endif
