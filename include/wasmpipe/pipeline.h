/* wasmpipe pipeline: a stream processor around the `wasm` processor.
 *
 * A pipeline reads messages from one input, runs them through a list of
 * processors on N worker threads, and writes them to one output, in input
 * order. Its configuration is YAML in Bento's shape (input, pipeline.threads,
 * pipeline.processors, output), loaded into a wp_config that keeps the line
 * and column of every node, and checked against declarative field tables
 * that reject unknown keys. docs/configuration.md describes every field; it
 * is generated from the same tables (wp_config_reference).
 *
 * Built on <wasmpipe/processor.h>. Ownership words are those of runtime.h.
 */
#ifndef WASMPIPE_PIPELINE_H
#define WASMPIPE_PIPELINE_H

#include <wasmpipe/processor.h>

#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- diagnostics */

/* One problem in a configuration. line and col are 1-based; 0 when the
 * node has no position (made by wp_config_set). path names the field,
 * e.g. "pipeline.processors[0].wasm.timeout"; empty when none applies. */
typedef struct wp_diag {
    uint32_t line;
    uint32_t col;
    char     path[128];
    char     msg[384];
} wp_diag;

/* A list of diagnostics about one file. Zero-initialise it (or call
 * wp_diags_init) before use and wp_diags_free it after. The list is on
 * libc's malloc whatever allocator the configuration uses, so that running
 * out in that one can still be reported. */
typedef struct wp_diags {
    char     file[256];  /* the file (or source name) the positions refer to */
    wp_diag *items;
    size_t   n;
    size_t   cap;
    size_t   dropped;    /* problems past the cap of 1000, or lost to a failed allocation */
} wp_diags;

WP_API void wp_diags_init(wp_diags *d);
WP_API void wp_diags_free(wp_diags *d);
/* "file:line:col: path: msg" (position and path left out when absent).
 * Returns what snprintf returns. */
WP_API int wp_diag_format(const wp_diags *d, size_t i, char *buf, size_t size);

/* ---------------------------------------------------------------- configuration */

/* A parsed configuration document: a tree of maps, sequences and scalars
 * with their positions. Environment variables are substituted in the text
 * before it is parsed, as Bento does: ${VAR} (an error when VAR is unset),
 * ${VAR:default} (default when VAR is unset or empty), and ${{...}} for a
 * literal ${...}. Positions are those of the text as written. */
typedef struct wp_config wp_config;

/* Reads and parses a YAML file. On failure *out is NULL, diags says why and
 * where, and the status is WP_ERR_IO (unreadable) or WP_ERR_INVALID. */
WP_API wp_status wp_config_load_file(const char *path, wp_config **out, wp_diags *diags);
/* text: borrowed. name: used in diagnostics (copied). */
WP_API wp_status wp_config_load_string(const char *name, const char *text, size_t len,
                                       wp_config **out, wp_diags *diags);
/* An empty configuration (every field at its default), for building one in
 * code with wp_config_set. NULL on allocation failure. */
WP_API wp_config *wp_config_create(const char *name);
/* The same three with every allocation of the configuration (its tree,
 * strings, the file's bytes and the substitution buffers) made through e's
 * allocator (wp_engine_alloc), so e must outlive the configuration; e NULL
 * is libc, as above. Out of memory is WP_ERR_NOMEM with a diagnostic.
 * libyaml's own parser buffers stay on libc. */
WP_API wp_status wp_config_load_file_in(wp_engine *e, const char *path, wp_config **out,
                                        wp_diags *diags);
WP_API wp_status wp_config_load_string_in(wp_engine *e, const char *name, const char *text,
                                          size_t len, wp_config **out, wp_diags *diags);
WP_API wp_config *wp_config_create_in(wp_engine *e, const char *name);
WP_API void wp_config_destroy(wp_config *c);

/* Sets a scalar at a dot path, creating the maps and sequences on the way:
 * "pipeline.threads", "pipeline.processors[0].wasm.module_path". An index
 * may be at most the current length (appending). value: borrowed (copied);
 * it is typed by the schema like any YAML scalar and never interpolated. */
WP_API wp_status wp_config_set(wp_config *c, const char *path, const char *value,
                               wp_error *err);

/* Checks the whole configuration against the schema and records every
 * problem (unknown keys, wrong types, missing required fields, bad values)
 * in diags. Static: no file is opened. WP_OK when there is none. */
WP_API wp_status wp_config_check(const wp_config *c, wp_diags *diags);

typedef enum wp_doc_format {
    WP_DOC_TEXT = 0,     /* for a terminal */
    WP_DOC_MARKDOWN      /* the reference part of docs/configuration.md */
} wp_doc_format;

/* Writes the reference of every section and component with its fields,
 * types, defaults and help, from the schema tables. */
WP_API void wp_config_reference(FILE *out, wp_doc_format fmt);

/* ---------------------------------------------------------------- logging */

/* Log lines go to a file descriptor, one write per line, in logfmt:
 *   ts=2025-01-02T03:04:05.678Z level=info event=summary in=10 out=9 errored=1
 * A value is quoted when it holds a space, '=', '"' or a control character.
 * level is a wp_log_level, or WP_LOG_OFF for nothing at all. */
#define WP_LOG_OFF (-1)

typedef struct wp_log_sink wp_log_sink;

typedef struct wp_logger {
    int level;
    int fd;
    /* Set by wp_logger_open; NULL: each line is one blocking write(2). */
    wp_log_sink *sink;
} wp_logger;

/* Makes lg log to fd without ever blocking message processing for long
 * (a stderr that nobody reads). When fd is a pipe or a socket, lines are
 * written without blocking; one that does not fit is waited for up to
 * one second, then dropped and counted, and after such a drop lines are
 * dropped at once until the reader takes one again. Files and terminals
 * are written as before. Without memory for this, lg stays a plain logger.
 * wp_logger_close(lg) undoes it; both may be called on any logger. */
WP_API void wp_logger_open(wp_logger *lg, int level, int fd);
WP_API void wp_logger_close(wp_logger *lg);
/* Lines dropped so far because fd would not take them. */
WP_API uint64_t wp_logger_dropped(const wp_logger *lg);

/* "off", "error", "warn", "info", "debug", "trace" (any case; Bento's
 * "fatal", "warning", "all" and "none" are accepted too). */
WP_API wp_status wp_log_level_parse(const char *s, int *level);
WP_API const char *wp_log_level_name(int level);

/* Builds one line. Usage:
 *   wp_log_line l;
 *   if (wp_log_begin(&l, lg, WP_LOG_INFO, "summary")) {
 *       wp_log_u64(&l, "in", n); wp_log_str(&l, "msg", "done"); wp_log_end(&l);
 *   }
 * wp_log_begin returns false (and the rest need not be called) when the
 * level is filtered out. A line longer than the buffer is cut, marked with
 * "truncated=true". */
typedef struct wp_log_line {
    const wp_logger *lg;
    size_t           len;
    bool             full;
    char             buf[4096];
} wp_log_line;

WP_API bool wp_log_begin(wp_log_line *l, const wp_logger *lg, int level, const char *event);
WP_API void wp_log_str(wp_log_line *l, const char *key, const char *value);
WP_API void wp_log_strn(wp_log_line *l, const char *key, const void *value, size_t len);
WP_API void wp_log_u64(wp_log_line *l, const char *key, uint64_t value);
WP_API void wp_log_i64(wp_log_line *l, const char *key, int64_t value);
WP_API void wp_log_end(wp_log_line *l);
/* One event with a formatted msg= field. */
WP_API void wp_log(const wp_logger *lg, int level, const char *event, const char *fmt, ...)
    WP_PRINTF(4, 5);

/* ---------------------------------------------------------------- pipelines */

typedef struct wp_pipeline wp_pipeline;

typedef struct wp_pipeline_options {
    /* borrowed; must outlive the pipeline. NULL: level info, to stderr. */
    wp_logger *log;
    /* true: keep log->level as it is (a --log-level flag) instead of taking
     * logger.level from the configuration. */
    bool log_level_fixed;
    /* Messages per batch handed to a worker; 0: 256. */
    uint32_t batch_size;
    /* borrowed; must outlive the pipeline. The engine its processors run
     * on; the pipeline itself, its batches and messages, readers, writers
     * and connectors' buffers allocate through its allocator too
     * (wp_engine_alloc). NULL: the pipeline makes its own with the default
     * configuration (libc's allocator). */
    wp_engine *engine;
} wp_pipeline_options;

/* Checks the configuration, opens the input and outputs and creates the
 * processors (reading and compiling their modules). Any problem is one
 * diagnostic with the position of the field at fault, and the status says
 * what kind (WP_ERR_INVALID for the schema, WP_ERR_IO for a file, the
 * processor's status for a module). c: must outlive the pipeline (it keeps
 * views of its strings). opt may be NULL. */
WP_API wp_status wp_pipeline_create(const wp_config *c, const wp_pipeline_options *opt,
                                    wp_pipeline **out, wp_diags *diags);

/* Runs to the end of the input (or until wp_pipeline_stop), then flushes
 * the outputs and logs the summary line. Every message read is written to
 * the output, or, when errored, to the errors output or the log. Returns
 * WP_OK unless the input, an output or a processor failed as a whole; err
 * says which. Call once. */
WP_API wp_status wp_pipeline_run(wp_pipeline *p, wp_error *err);

/* Asks a running pipeline to stop reading; what was read is still
 * processed and written. Thread-safe and async-signal-safe. */
WP_API void wp_pipeline_stop(wp_pipeline *p);
/* Thread-safe (not signal-safe), for after wp_pipeline_stop: guests
 * blocked in a WASI wait (a sleep, a pipe read) stop waiting, now and
 * whenever they would block again, and their messages are errored, so that
 * the drain does not wait for them. Guests that compute still finish. */
WP_API void wp_pipeline_cancel_waits(wp_pipeline *p);

typedef struct wp_pipeline_stats {
    uint64_t in;         /* messages read */
    uint64_t out;        /* written to the output */
    uint64_t errored;    /* errored: to the errors output or the log */
    uint64_t dropped;    /* read but not written because an output failed */
    uint64_t batches;
    uint64_t bytes_in;
    uint64_t bytes_out;
    uint64_t acked;      /* from an acking input: acknowledged (delivered or routed) */
    uint64_t nacked;     /* from an acking input: negatively acknowledged, redelivered */
} wp_pipeline_stats;

/* Thread-safe; the counters are exact once wp_pipeline_run has returned. */
WP_API void wp_pipeline_stats_get(const wp_pipeline *p, wp_pipeline_stats *out);

/* The configuration's shutdown_timeout in nanoseconds: how long a stopped
 * pipeline may take to finish before its process should exit anyway. */
WP_API uint64_t wp_pipeline_shutdown_timeout(const wp_pipeline *p);

WP_API void wp_pipeline_destroy(wp_pipeline *p);

/* Ends what the connector libraries keep for the whole process (the NATS
 * client's threads, timers and memory), waiting up to timeout_ms for their
 * threads to return. Call it once before the process exits, after every
 * pipeline is destroyed; no pipeline with a NATS component can be created
 * after it. Left to the library's own exit handler, that teardown runs
 * while its threads may still be running, and the library aborts when one
 * of them then takes a lock the teardown destroyed. */
WP_API void wp_pipeline_release_libraries(uint32_t timeout_ms);

#ifdef __cplusplus
}
#endif
#endif
