/* `wasmpipe process --module M`: the pipeline without a configuration file.
 * Lines from stdin go through one wasm processor to stdout, in input
 * order whatever the thread count; errored lines are logged on stderr and
 * left out. The flags become a configuration built with wp_config_set, so
 * they are checked by the same schema as a file.
 */
#include "cli_pipeline.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char help_text[] =
    "usage: wasmpipe process --module M [options] < in > out\n"
    "\n"
    "Runs each line of standard input through the exported function of the\n"
    "WebAssembly module M (the `wasm` processor: host functions from\n"
    "bento_wasm) and writes the results to standard output, one line each,\n"
    "in input order even with several threads. A line whose call fails\n"
    "(trap, timeout, bad pointer) is logged on stderr with its line number\n"
    "and the error, and not written. One summary line ends the log.\n"
    "\n"
    "options:\n"
    "  -m, --module PATH       the module (required)\n"
    "  -f, --function NAME     the exported function (default: process)\n"
    "  -t, --threads N         worker threads (default: one per CPU)\n"
    "  --max-instances N       bound the instance pool (default: no bound)\n"
    "  --timeout DURATION      per line, e.g. 500ms or 2s (default: none)\n"
    "  --max-memory SIZE       linear memory per instance, e.g. 64MiB\n"
    "  --tier TIER             interp, jit or auto (default: auto, or WASMPIPE_TIER)\n"
    "  --max-line SIZE         the longest line read whole (default: 64MiB)\n"
    "  --cache-dir DIR         keep the JIT's native code in DIR and load it\n"
    "                          from there on the next start (default: none)\n"
    "  --batch N               lines per batch handed to a thread (default: 256)\n"
    "  --log-level LEVEL       off, error, warn, info, debug or trace (default: info)\n"
    "  -h, --help              this text\n"
    "\n"
    "exit status:\n"
    "  0  all input was read and written (errored lines included)\n"
    "  1  reading or writing failed\n"
    "  2  bad usage, or a module that cannot be used\n";

/* flag -> configuration path; the reverse serves error messages. */
static const struct flag {
    const char *s, *l, *path;
} flags[] = {
    { "-m", "--module", "pipeline.processors[0].wasm.module_path" },
    { "-f", "--function", "pipeline.processors[0].wasm.function" },
    { "-t", "--threads", "pipeline.threads" },
    { NULL, "--max-instances", "pipeline.processors[0].wasm.max_instances" },
    { NULL, "--timeout", "pipeline.processors[0].wasm.timeout" },
    { NULL, "--max-memory", "pipeline.processors[0].wasm.max_memory" },
    { NULL, "--tier", "pipeline.processors[0].wasm.tier" },
    { NULL, "--max-line", "input.stdin.max_buffer" },
    { NULL, "--cache-dir", "pipeline.processors[0].wasm.cache_dir" },
    { NULL, "--batch", NULL },
    { NULL, "--log-level", NULL },
};
#define NFLAGS (sizeof flags / sizeof flags[0])

static const char *const flag_names[][2] = {
    { "pipeline.processors[0].wasm.module_path", "--module" },
    { "pipeline.processors[0].wasm.function", "--function" },
    { "pipeline.threads", "--threads" },
    { "pipeline.processors[0].wasm.max_instances", "--max-instances" },
    { "pipeline.processors[0].wasm.timeout", "--timeout" },
    { "pipeline.processors[0].wasm.max_memory", "--max-memory" },
    { "pipeline.processors[0].wasm.tier", "--tier" },
    { "input.stdin.max_buffer", "--max-line" },
    { "pipeline.processors[0].wasm.cache_dir", "--cache-dir" },
    { NULL, NULL },
};

static int usage_error(const char *fmt, const char *arg) {
    fputs("wasmpipe process: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (see wasmpipe process --help)\n", stderr);
    return CLI_EXIT_CONFIG;
}

int cli_process(int argc, char **argv) {
    const char *values[NFLAGS] = { 0 };
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(help_text, stdout);
            return 0;
        }
        size_t k = NFLAGS;
        const char *val = NULL;
        for (size_t j = 0; j < NFLAGS && k == NFLAGS; j++) {
            size_t n = strlen(flags[j].l);
            if ((flags[j].s && strcmp(a, flags[j].s) == 0) || strcmp(a, flags[j].l) == 0) {
                k = j;
            } else if (strncmp(a, flags[j].l, n) == 0 && a[n] == '=') {
                k = j;
                val = a + n + 1;
            }
        }
        if (k == NFLAGS) return usage_error("unknown argument '%s'", a);
        if (!val) {
            if (i + 1 >= argc) return usage_error("option '%s' needs a value", a);
            val = argv[++i];
        }
        values[k] = val;
    }
    if (!values[0]) return usage_error("%s", "no module given (--module PATH)");

    wp_logger log = { .level = WP_LOG_INFO, .fd = STDERR_FILENO };
    const char *level = values[NFLAGS - 1];
    if (level && wp_log_level_parse(level, &log.level) != WP_OK)
        return usage_error("unknown log level '%s' (off, error, warn, info, debug, trace)",
                           level);
    uint32_t batch = 0;
    if (values[NFLAGS - 2]) {
        char *end;
        unsigned long b = strtoul(values[NFLAGS - 2], &end, 10);
        if (*end || b < 1 || b > 65536)
            return usage_error("--batch '%s': expected a number from 1 to 65536",
                               values[NFLAGS - 2]);
        batch = (uint32_t)b;
    }

    wp_config *c = wp_config_create("command line");
    if (!c) return usage_error("%s", "out of memory");
    wp_error err;
    wp_status s = wp_config_set(c, "input.stdin.codec", "lines", &err);
    if (s == WP_OK) s = wp_config_set(c, "output.stdout.codec", "lines", &err);
    for (size_t j = 0; s == WP_OK && j < NFLAGS; j++)
        if (values[j] && flags[j].path) s = wp_config_set(c, flags[j].path, values[j], &err);
    if (s != WP_OK) {
        wp_config_destroy(c);
        return usage_error("%s", err.msg);
    }
    int rc = cli_run_pipeline(c, &log, true, batch, flag_names);
    wp_config_destroy(c);
    return rc;
}
