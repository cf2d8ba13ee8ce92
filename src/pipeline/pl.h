/* Internal model of the pipeline layer: the configuration tree, the schema
 * tables that type it, the component descriptors (inputs, outputs,
 * processors) and the helpers they share. Functions shared between files of
 * src/pipeline have the pl_ prefix; nothing here is API.
 */
#ifndef WASMPIPE_PL_H
#define WASMPIPE_PL_H

#include <wasmpipe/pipeline.h>

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---------------------------------------------------------------- memory (alloc.c) */

/* The layer's allocator: the engine's (wp_engine_alloc), libc's for e NULL.
 * Zeroed; sizes must be those asked for, as with wp_engine_free. */
void *pl_alloc(wp_engine *e, size_t size);
void *pl_realloc(wp_engine *e, void *p, size_t old_size, size_t new_size);
void pl_free(wp_engine *e, void *p, size_t size);
/* A copy of s, freed with pl_strfree (which tells the size from strlen). */
char *pl_strdup(wp_engine *e, const char *s);
void pl_strfree(wp_engine *e, char *s);

/* ---------------------------------------------------------------- arena */

/* A bump allocator for everything a configuration and its bound structs
 * hold; it is released as a whole. */
typedef struct pl_chunk pl_chunk;
typedef struct pl_arena {
    wp_engine *engine;   /* whose allocator the chunks come from; NULL: libc */
    pl_chunk  *head;
    size_t     total;    /* bytes handed out, checked against PL_ARENA_MAX */
    bool       nomem;    /* an allocation failed for want of memory (not the cap) */
} pl_arena;

/* A configuration that needs more than this is refused. */
#define PL_ARENA_MAX ((size_t)256 << 20)

void *pl_arena_alloc(pl_arena *a, size_t size);   /* zeroed, 16-aligned; NULL if out */
char *pl_arena_strndup(pl_arena *a, const char *s, size_t n);
void pl_arena_release(pl_arena *a);

/* ---------------------------------------------------------------- config tree */

typedef enum pl_kind {
    PL_NULL = 0,    /* ~, null, an empty plain value */
    PL_SCALAR,
    PL_MAP,
    PL_SEQ
} pl_kind;

typedef struct pl_node pl_node;
typedef struct pl_pair {
    pl_node *key;      /* always PL_SCALAR */
    pl_node *value;
} pl_pair;

struct pl_node {
    pl_kind   kind;
    uint32_t  line, col;   /* 1-based; 0 for nodes made by wp_config_set */
    bool      plain;       /* an unquoted scalar: may read as a number or a bool */
    const char *str;       /* PL_SCALAR: NUL-terminated, after interpolation */
    size_t    len;
    size_t    n;           /* entries of a map or a sequence */
    size_t    cap;
    pl_pair  *pairs;       /* PL_MAP */
    pl_node **items;       /* PL_SEQ */
};

struct wp_config {
    pl_arena arena;
    pl_node *root;         /* PL_MAP or PL_NULL (an empty file) */
    char    *name;         /* arena */
};

const char *pl_kind_name(pl_kind k);          /* "a mapping", "a string", ... */
pl_node *pl_map_get(const pl_node *map, const char *key);   /* NULL if absent or not a map */

/* Adds a diagnostic at a node (NULL: no position). */
void pl_diag(wp_diags *d, const pl_node *at, const char *path, const char *fmt, ...)
    WP_PRINTF(4, 5);
void pl_vdiag(wp_diags *d, const pl_node *at, const char *path, const char *fmt, va_list ap);
void pl_diags_set_file(wp_diags *d, const char *file);

/* Interpolates ${VAR}, ${VAR:default} and ${{...}} in s[0..n) (a newline in
 * a value becomes \n). On success *out is an arena string (or s itself when
 * nothing changed). Every unset variable without a default is reported at
 * `at`. Returns false on any problem. (config_env.c) */
bool pl_interpolate(pl_arena *a, const char *s, size_t n, const pl_node *at, wp_diags *d,
                    const char **out, size_t *out_len);

/* A whole configuration text with its environment references substituted
 * (before parsing, as Bento does), and what maps positions in the result
 * back to the text as written. */
typedef struct pl_span {
    size_t in_start, in_end;     /* the reference in the original */
    size_t out_start, out_end;   /* what it became */
} pl_span;

typedef struct pl_subst {
    wp_engine  *engine;          /* whose allocator the buffers are; NULL: libc */
    const char *in;
    size_t      in_len;
    const char *out;             /* the text to parse: `in` itself, or own */
    size_t      out_len;
    char       *own;
    pl_span    *spans;
    size_t      nspans;
    size_t     *in_lines, nin_lines;     /* where each line starts */
    size_t     *out_lines, nout_lines;
    size_t      out_cache_line, out_cache_col, out_cache_byte;   /* cursors */
    size_t      in_cache_line, in_cache_byte, in_cache_col;
    bool        missing;         /* some variable was unset (and reported) */
    bool        nomem;           /* an allocation failed (and was reported) */
    size_t      own_cap, spans_cap, in_lines_cap, out_lines_cap;   /* for the frees */
} pl_subst;

/* Substitutes every reference in in[0..n); the result may have at most
 * `limit` bytes. An unset variable without a default is reported at its
 * position, replaced by nothing, and sets s->missing. Returns false (with
 * a diagnostic) when the result is too large or memory ran out. s must be
 * freed either way. */
bool pl_subst_text(pl_subst *s, wp_engine *e, const char *in, size_t n, size_t limit,
                   wp_diags *d);
void pl_subst_free(pl_subst *s);
/* Maps a 1-based line and column of s->out to the original, in place. */
void pl_subst_pos(pl_subst *s, uint32_t *line, uint32_t *col);
/* The 1-based line and column of a byte offset of s->out, in the original. */
void pl_subst_offset_pos(pl_subst *s, size_t out_off, uint32_t *line, uint32_t *col);
/* The same for a byte offset of the original. */
void pl_subst_in_pos(pl_subst *s, size_t in_off, uint32_t *line, uint32_t *col);

/* ---------------------------------------------------------------- schema */

typedef enum pl_type {
    PL_T_STR = 0,     /* const char *           (NULL when absent, no default) */
    PL_T_ENUM,        /* int: index into choices */
    PL_T_INT,         /* int64_t, within [min, max] */
    PL_T_BOOL,        /* bool */
    PL_T_DURATION,    /* uint64_t nanoseconds: "500ms", "2s", "1m30s" */
    PL_T_BYTES,       /* uint64_t: "65536", "64KiB", "64MiB", "1GB" */
    PL_T_STR_LIST,    /* pl_strs */
    PL_T_STR_MAP,     /* pl_strmap: a map of strings (or a list of "key: value" strings) */
    PL_T_SECTION,     /* a nested struct described by `section` */
    PL_T_INPUT,       /* pl_component */
    PL_T_OUTPUT,      /* pl_component; absent without default: type NULL */
    PL_T_PROCESSORS   /* pl_components */
} pl_type;

enum {
    PL_REQUIRED = 1,
    /* PL_T_SECTION: a scalar true/false is also accepted, into a bool at the
     * start of the section's struct (no field of the section is there);
     * a mapping sets that bool to true. */
    PL_BOOL_OR_SECTION = 2
};

typedef struct pl_spec pl_spec;

typedef struct pl_field {
    const char  *name;
    pl_type      type;
    const char  *def;       /* the default as it would be written in YAML; NULL: none */
    size_t       offset;    /* in the struct being filled */
    const char  *help;
    unsigned     flags;
    const char *const *choices;   /* PL_T_ENUM: NULL-terminated */
    int64_t      min, max;        /* PL_T_INT */
    const pl_spec *section;       /* PL_T_SECTION */
} pl_field;

/* A config struct's shape: a component type or a section. */
struct pl_spec {
    const char     *name;       /* "stdin", "file", "wasm", or a section name */
    const char     *summary;    /* one sentence */
    const char     *details;    /* a paragraph for the docs; may be NULL */
    const pl_field *fields;     /* terminated by a NULL name */
    size_t          cfg_size;
};

typedef struct pl_strs {
    const char **v;
    size_t       n;
    const pl_node *node;    /* the sequence, for positions */
} pl_strs;

typedef struct pl_strmap {
    const char **keys;
    const char **vals;
    size_t       n;
    const pl_node *node;    /* the mapping or sequence, for positions */
} pl_strmap;

/* A component chosen in the config: `stdin: {}`, `wasm: {...}` with an
 * optional `label`. */
typedef struct pl_component {
    const pl_spec *type;    /* the component type; NULL when absent */
    void          *cfg;     /* its config struct (arena), type->cfg_size bytes */
    const char    *label;   /* NULL when none */
    const pl_node *node;    /* the component's body (its map), may be NULL */
    const pl_node *at;      /* the entry that chose it, for positions */
    char           path[160]; /* "input.file", "pipeline.processors[1].wasm" */
} pl_component;

typedef struct pl_components {
    pl_component *v;
    size_t        n;
} pl_components;

/* Fills the struct `out` (spec->cfg_size bytes, zeroed by the caller) from
 * a map node (or NULL: all defaults), recording every problem. Returns
 * false if there was any. */
bool pl_bind(pl_arena *a, const pl_spec *spec, const pl_node *node, const char *path,
             void *out, wp_diags *d);

/* Scalar parsers shared with the command line; false when s is not one. */
bool pl_parse_int(const char *s, int64_t *out);
bool pl_parse_bool(const char *s, bool *out);
bool pl_parse_duration(const char *s, uint64_t *ns);
bool pl_parse_bytes(const char *s, uint64_t *bytes);
/* "1.5s", "250ms", ... for messages. */
void pl_format_duration(uint64_t ns, char *buf, size_t size);

/* The top-level configuration. */
typedef struct pl_logger_cfg {
    int level;            /* index into pl_log_level_names */
} pl_logger_cfg;

typedef struct pl_http_cfg {
    const char *address;
    bool        enabled;
} pl_http_cfg;

typedef struct pl_pipeline_cfg {
    int64_t       threads;
    int64_t       max_in_flight;
    pl_components processors;
} pl_pipeline_cfg;

typedef struct pl_config {
    pl_component    input;
    pl_pipeline_cfg pipeline;
    pl_component    output;
    pl_component    errors;
    pl_logger_cfg   logger;
    uint64_t        shutdown_timeout;   /* ns */
    pl_http_cfg     http;
} pl_config;

extern const pl_spec pl_root_spec;
extern const char *const pl_log_level_names[];  /* "off", "error", ... NULL-terminated */

/* The registries, NULL-terminated. A component type's struct starts with
 * its pl_spec, so these point at the whole descriptor. */
extern const pl_spec *const pl_input_specs[];
extern const pl_spec *const pl_output_specs[];
extern const pl_spec *const pl_processor_specs[];

/* ---------------------------------------------------------------- components */

/* How an input waits for data: it watches the stop descriptor (readable
 * once the pipeline is asked to stop) and calls idle() just before it
 * blocks, which is when the pipeline pushes buffered output out. */
typedef struct pl_waiter {
    int   stop_fd;                 /* -1: none */
    void (*idle)(void *user);      /* NULL: none */
    void *user;
} pl_waiter;

/* A path an input serves on the shared `http` server (pl_http.h). */
typedef struct pl_http_route pl_http_route;

/* What a component gets when it is opened. */
typedef struct pl_open_ctx {
    const pl_component *comp;   /* its config, label and position */
    const wp_logger    *log;
    wp_engine          *engine;
    pl_waiter           wait;
    pl_http_route      *route;  /* an input may fill it to share the http server */
} pl_open_ctx;

/* Why opening a component failed: a message, its status, and the node at
 * fault (NULL: the component itself). */
typedef struct pl_fail {
    wp_status      code;
    const pl_node *at;
    char           field[32];   /* appended to the component's path, e.g. "paths[1]" */
    char           msg[384];
} pl_fail;

wp_status pl_failf(pl_fail *f, wp_status code, const pl_node *at, const char *field,
                   const char *fmt, ...) WP_PRINTF(5, 6);

/* A batch of messages on its way through the pipeline. The messages are
 * kept between uses, so a steady stream allocates nothing per message. */
typedef struct pl_batch {
    wp_engine   *engine;     /* whose allocator the arrays and messages use; NULL: libc */
    wp_message **msgs;
    void       **acks;       /* per message: the acking input's handle, or NULL */
    size_t       n;          /* in use */
    size_t       cap;        /* allocated */
    size_t       limit;      /* batch size: how many an input may add */
    size_t       bytes;      /* payload added so far */
    uint64_t     seq;        /* position of the batch in the stream */
    uint64_t     first;      /* 1-based number of msgs[0] in the stream */
    const char  *source;     /* set by an input whose batch comes from one named file */
    uint64_t     source_line;  /* line of msgs[0] in it (0: not cut into lines) */
} pl_batch;

/* Maximum payload an input should put in one batch before handing it on. */
#define PL_BATCH_BYTES ((size_t)4 << 20)

/* Appends a message with these bytes (copied), reusing a kept one. NULL on
 * allocation failure. */
wp_message *pl_batch_push(pl_batch *b, const uint8_t *data, size_t len);
bool pl_batch_full(const pl_batch *b);
/* Destroys the kept messages and frees the arrays; b can be used again. */
void pl_batch_free(pl_batch *b);
/* Gives the message pushed last the acking input's handle for it. */
void pl_batch_set_ack(pl_batch *b, void *handle);

/* What became of a message from an acking input, told to its ack(). */
typedef enum pl_outcome {
    PL_DELIVERED = 0,   /* every output it went to confirmed it: acknowledge */
    PL_ROUTED,          /* errored, and the errors output confirmed it: acknowledge */
    PL_UNDELIVERED      /* errored with no errors output, or an output failed: nack */
} pl_outcome;

/* A file a component will read or write, named from its config before
 * anything is opened, for the start-up check that the input, the output
 * and the errors output share none (pl_check_files). */
typedef struct pl_file_use {
    char          *path;      /* owned; NULL: the standard stream `fd` */
    int            fd;
    const pl_node *at;        /* its entry, for the position */
    char           field[32]; /* appended to the component's path, e.g. "paths[1]" */
} pl_file_use;

typedef struct pl_file_uses {
    wp_engine   *engine;   /* whose allocator; NULL: libc */
    pl_file_use *v;
    size_t       n, cap;
} pl_file_uses;

/* false: out of memory. */
bool pl_file_uses_add(pl_file_uses *u, const char *path, int fd, const pl_node *at,
                      const char *field);

typedef struct pl_input_type {
    pl_spec spec;
    /* Adds the files open() will read; NULL: none. */
    wp_status (*files)(const pl_open_ctx *ctx, const void *cfg, pl_file_uses *out,
                       pl_fail *fail);
    wp_status (*open)(const pl_open_ctx *ctx, const void *cfg, void **state, pl_fail *fail);
    /* Adds at least one message to b, or none at the end of the input.
     * Returns as soon as it has some and more would mean waiting. */
    wp_status (*read)(void *state, pl_batch *b, wp_error *err);
    void (*close)(void *state);
    /* NULL for an input that does not acknowledge. Otherwise called once
     * for every message that got a handle (pl_batch_set_ack), after the
     * outputs confirmed it or failed; m is the message as written (its
     * processed bytes, its error). From any worker thread. */
    void (*ack)(void *state, void *handle, wp_message *m, pl_outcome outcome);
    /* Optional: true once the input is connected (the /ready endpoint). */
    bool (*connected)(void *state);
} pl_input_type;

typedef struct pl_output_type {
    pl_spec spec;
    /* Adds the files open() will write; NULL: none. */
    wp_status (*files)(const pl_open_ctx *ctx, const void *cfg, pl_file_uses *out,
                       pl_fail *fail);
    wp_status (*open)(const pl_open_ctx *ctx, const void *cfg, void **state, pl_fail *fail);
    wp_status (*write)(void *state, wp_message *const *msgs, size_t n, wp_error *err);
    /* Pushes buffered bytes out: called when the pipeline has nothing else
     * ready, and at the end. */
    wp_status (*flush)(void *state, wp_error *err);
    /* Messages (and content bytes) that really went out since open; NULL:
     * every message write() accepted counts as out. */
    void (*progress)(void *state, uint64_t *msgs, uint64_t *bytes);
    void (*close)(void *state);
    /* Optional: true once the output is connected (the /ready endpoint). */
    bool (*connected)(void *state);
} pl_output_type;

typedef struct pl_processor_type {
    pl_spec spec;
    wp_status (*create)(const pl_open_ctx *ctx, const void *cfg, void **state, pl_fail *fail);
    /* As wp_processor_process: thread-safe, errors stay with messages. */
    wp_status (*process)(void *state, wp_message **msgs, size_t n, wp_error *err);
    /* Logs its counters at debug level at the end of a run. */
    void (*report)(void *state, const wp_logger *log);
    /* Optional, for /metrics: the module's counters and how long it took
     * to compile. */
    void (*stats)(void *state, wp_processor_stats *st, uint64_t *compile_ns);
    /* Optional, thread-safe: the pipeline was asked to stop; cut short what
     * would otherwise block the drain (wasm: guests waiting in WASI). */
    void (*stop)(void *state);
    void (*destroy)(void *state);
} pl_processor_type;

extern const pl_input_type pl_input_stdin;
extern const pl_input_type pl_input_file;
extern const pl_output_type pl_output_stdout;
extern const pl_output_type pl_output_file;
extern const pl_output_type pl_output_drop;
extern const pl_input_type pl_input_nats;
extern const pl_input_type pl_input_jetstream;
extern const pl_output_type pl_output_nats;
extern const pl_output_type pl_output_jetstream;
extern const pl_output_type pl_output_http_client;
extern const pl_input_type pl_input_http_server;
extern const pl_processor_type pl_processor_wasm;

/* Refuses a configuration whose input, output and errors output share a
 * file (the same regular file by device and inode, through symlinks and
 * hard links; for outputs that do not exist yet, the same resolved path),
 * naming both fields (WP_ERR_INVALID), or a component's own problem with its
 * files (its status). */
wp_status pl_check_files(const pl_config *cfg, const pl_open_ctx *ctx, wp_diags *d);

/* ---------------------------------------------------------------- codecs */

/* Splits a byte stream from a file descriptor into messages. */
typedef enum pl_codec { PL_CODEC_LINES = 0, PL_CODEC_ALL_BYTES } pl_codec;
extern const char *const pl_input_codecs[];   /* "lines", "all-bytes" */

typedef struct pl_reader {
    wp_engine *engine;      /* whose allocator the buffer is; NULL: libc */
    int       fd;
    pl_waiter wait;
    pl_codec  codec;
    size_t    max_line;
    uint8_t  *buf;
    size_t    cap, start, end;
    bool      eof;
    bool      stopped;      /* the pipeline asked to stop: eof, and the tail is dropped */
    bool      skipping;     /* inside a line longer than max_line */
    size_t    scanned;      /* bytes after start already known to hold no '\n' */
    uint64_t  line;         /* lines read, for messages */
    uint64_t  searched;     /* bytes searched for '\n', to keep the search linear */
    const char *name;       /* "stdin" or the path, for messages */
    const char *limit_name; /* the field that set max_line, for messages */
} pl_reader;

/* The default of every input's max_message_size. */
#define PL_MAX_MESSAGE_DEFAULT "64MiB"

/* The bound on one message from an input's max_message_size and the older
 * field that also bounds it (max_buffer, max_body; 0: not given): the one
 * written in the component's config (node), the smaller when both are, and
 * in *name the field it came from. */
size_t pl_message_limit(const pl_node *node, uint64_t max_message_size, uint64_t older,
                        const char *older_name, const char **name);

wp_status pl_reader_init(pl_reader *r, wp_engine *e, int fd, const pl_waiter *wait,
                         pl_codec codec, size_t max_line, const char *name, wp_error *err);
/* Adds messages to b; sets *done at the end of the stream. With a non-NULL
 * meta_key every message gets that key set to meta_value. */
wp_status pl_reader_read(pl_reader *r, pl_batch *b, bool *done, const char *meta_key,
                         const char *meta_value, wp_error *err);
void pl_reader_free(pl_reader *r);

/* Formats messages into a large buffer written with write(2). */
typedef enum pl_out_codec { PL_OUT_LINES = 0, PL_OUT_JSON, PL_OUT_RAW } pl_out_codec;
extern const char *const pl_output_codecs[];  /* "lines", "json", "raw" */

/* Messages accepted but not yet wholly written: the stream offset where
 * their last byte ends (messages ending at one offset share an entry). */
typedef struct pl_pending {
    uint64_t end;
    uint64_t count;
    uint64_t payload;   /* their content bytes */
} pl_pending;

typedef struct pl_writer {
    wp_engine   *engine;       /* whose allocator the buffers are; NULL: libc */
    int          fd;
    bool         own_fd;
    bool         sync;         /* fsync after pushing bytes out; count only what was synced */
    bool         failed;       /* a write failed: nothing more is written */
    pl_out_codec codec;
    uint8_t     *buf;
    size_t       cap, len;
    const char  *name;
    uint64_t     accepted;     /* stream bytes taken (buffered or written) */
    uint64_t     written;      /* stream bytes that reached the kernel */
    uint64_t     done_end;     /* stream offset where the last delivered message ends */
    uint64_t     msgs_taken;   /* messages handed to pl_writer_write */
    uint64_t     msgs_done;    /* messages whose every byte was written (and synced) */
    uint64_t     bytes_done;   /* their content bytes */
    pl_pending  *pend;
    size_t       pend_head, pend_n, pend_cap;
} pl_writer;

wp_status pl_writer_init(pl_writer *w, wp_engine *e, int fd, bool own_fd, pl_out_codec codec,
                         const char *name, wp_error *err);
wp_status pl_writer_write(pl_writer *w, wp_message *const *msgs, size_t n, wp_error *err);
wp_status pl_writer_flush(pl_writer *w, wp_error *err);
/* Messages (and their content bytes) that wholly reached the kernel, or
 * the disk with sync, since the writer was made. */
void pl_writer_progress(const pl_writer *w, uint64_t *msgs, uint64_t *bytes);
void pl_writer_free(pl_writer *w);

/* Moves a descriptor the pipeline opened to 3 or above (close-on-exec), so
 * that a process started with stdin, stdout or stderr closed never reads or
 * writes its own files through them. Returns the descriptor to use (fd
 * itself when it is fine, -1 with errno set on failure; fd is then closed). */
int pl_fd_off_std(int fd);

/* ---------------------------------------------------------------- path patterns (glob.c) */

typedef struct pl_paths {
    wp_engine *engine;   /* whose allocator; NULL: libc */
    char **v;       /* owned */
    size_t n, cap;
} pl_paths;

/* Expands a file input pattern as Bento does: `*`, `?`, `[...]` within a
 * component, `**` for any number of directories; an existing file named
 * literally is itself; directories are skipped. Sorted, no duplicates;
 * none found is WP_OK with out->n == 0. On error, why says what. */
wp_status pl_glob(wp_engine *e, const char *pattern, pl_paths *out, char *why,
                  size_t why_size);
void pl_paths_free(pl_paths *p);

/* ---------------------------------------------------------------- errors */

wp_status pl_error(wp_error *err, wp_status code, const char *fmt, ...) WP_PRINTF(3, 4);
/* snprintf for text that may be cut (paths and messages shown to people). */
void pl_format(char *buf, size_t size, const char *fmt, ...) WP_PRINTF(3, 4);

#endif
