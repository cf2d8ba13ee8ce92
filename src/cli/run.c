/* `wasmpipe run -c config.yaml` (or `wasmpipe -c config.yaml`): loads a
 * pipeline configuration, applies --set overrides, and runs it until the
 * input ends or a signal asks it to stop. Also the code shared with
 * `process`: reporting configuration problems as one log line, and running
 * a pipeline under signal handling.
 */
#include "cli_pipeline.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char help_text[] =
    "usage: wasmpipe run -c config.yaml [options]\n"
    "       wasmpipe -c config.yaml [options]\n"
    "\n"
    "Runs the pipeline a YAML configuration describes (input, pipeline.threads,\n"
    "pipeline.processors, output, errors), in Bento's shape. Messages are\n"
    "written in input order. Errored messages go to the `errors` output when\n"
    "there is one, otherwise they are logged and dropped. At the end one\n"
    "summary line gives the messages in, out and errored. Every field is\n"
    "described by `wasmpipe components` and in docs/configuration.md;\n"
    "`wasmpipe lint` checks a file without running it.\n"
    "\n"
    "options:\n"
    "  -c, --config FILE       the configuration\n"
    "  -s, --set PATH=VALUE    set a field over the file, e.g.\n"
    "                          --set pipeline.threads=4 (repeatable)\n"
    "  --log-level LEVEL       off, error, warn, info, debug or trace;\n"
    "                          takes precedence over logger.level\n"
    "  -h, --help              this text\n"
    "\n"
    "The log goes to stderr, one logfmt line per event.\n"
    "SIGINT or SIGTERM stops reading; what was read is still written and\n"
    "acknowledged, within shutdown_timeout (20s); a second signal exits at once.\n"
    "When stdout is closed early (| head) the run ends with status 1.\n"
    "\n"
    "exit status:\n"
    "  0  the input ended (or a signal stopped it) and everything was written\n"
    "  1  the input or an output failed during the run\n"
    "  2  bad usage, a bad configuration, a module or file that cannot be used\n";

/* ---------------------------------------------------------------- shared */

void cli_report_diags(const wp_logger *log, const wp_diags *d, const char *const (*flags)[2]) {
    if (!d->n) {
        wp_log(log, WP_LOG_ERROR, "config_error", "%s: invalid configuration", d->file);
        return;
    }
    const wp_diag *g = &d->items[0];
    wp_log_line l;
    if (!wp_log_begin(&l, log, WP_LOG_ERROR, "config_error")) return;
    const char *flag = NULL;
    for (size_t i = 0; flags && flags[i][0]; i++)
        if (strcmp(flags[i][0], g->path) == 0) flag = flags[i][1];
    if (flag) {
        wp_log_str(&l, "flag", flag);
    } else {
        char pos[320];
        if (g->line)
            snprintf(pos, sizeof pos, "%s:%u:%u", d->file, (unsigned)g->line, (unsigned)g->col);
        else
            snprintf(pos, sizeof pos, "%s", d->file);
        wp_log_str(&l, "pos", pos);
        if (g->path[0]) wp_log_str(&l, "field", g->path);
    }
    wp_log_str(&l, "msg", g->msg);
    size_t more = d->n - 1 + d->dropped;
    if (more) wp_log_u64(&l, "more_problems", more);
    wp_log_end(&l);
}

typedef struct sig_watch {
    wp_pipeline *p;
    wp_logger   *log;
    sigset_t     set;
    atomic_bool  done;
} sig_watch;

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Turns SIGINT/SIGTERM into wp_pipeline_stop (and cuts short guests
 * sleeping in WASI, which would hold up the drain); a second one exits at once,
 * and so does a pipeline that has not finished shutdown_timeout after the
 * first. At the end of the run the main thread sets `done` and sends the
 * watcher a SIGTERM of its own, which ends its wait at once (no polling). */
static void *sig_main(void *arg) {
    sig_watch *w = arg;
    int count = 0;
    uint64_t deadline = 0;
    for (;;) {
        int sig;
        if (!deadline) {
            if (sigwait(&w->set, &sig) != 0) continue;
        } else {
            uint64_t now = now_ns();
            if (now >= deadline) {
                if (atomic_load(&w->done)) break;
                wp_log(w->log, WP_LOG_ERROR, "shutdown",
                       "shutdown_timeout passed with messages still in flight: exiting; "
                       "what was not acknowledged is redelivered");
                _exit(CLI_EXIT_RUNTIME);
            }
            uint64_t left = deadline - now;
            struct timespec ts = { (time_t)(left / 1000000000u), (long)(left % 1000000000u) };
            sig = sigtimedwait(&w->set, NULL, &ts);
            if (sig < 0) continue;   /* the deadline is checked again */
        }
        if (atomic_load(&w->done)) break;
        if (++count > 1) _exit(128 + sig);
        wp_log(w->log, WP_LOG_INFO, "shutdown",
               "received %s: stopping after the messages already read",
               sig == SIGINT ? "SIGINT" : "SIGTERM");
        uint64_t limit = wp_pipeline_shutdown_timeout(w->p);
        deadline = now_ns() + (limit ? limit : 1);
        wp_pipeline_stop(w->p);
        wp_pipeline_cancel_waits(w->p);
    }
    return NULL;
}

static int run_with_log(const wp_config *c, wp_logger *log, bool level_fixed, uint32_t batch,
                       const char *const (*flags)[2]);

int cli_run_pipeline(const wp_config *c, wp_logger *log, bool level_fixed, uint32_t batch,
                     const char *const (*flags)[2]) {
    /* A stderr that nobody reads must not stop the pipeline. */
    bool own_sink = !log->sink;
    if (own_sink) wp_logger_open(log, log->level, log->fd);
    int rc = run_with_log(c, log, level_fixed, batch, flags);
    if (own_sink) wp_logger_close(log);
    return rc;
}

static int run_with_log(const wp_config *c, wp_logger *log, bool level_fixed, uint32_t batch,
                       const char *const (*flags)[2]) {
    /* Blocked before the pipeline is created, the signals stay blocked in
     * every thread it starts (the pipeline's workers, a client library's)
     * and reach only the watcher. */
    sig_watch w = { .log = log };
    atomic_init(&w.done, false);
    sigset_t old;
    sigemptyset(&w.set);
    sigaddset(&w.set, SIGINT);
    sigaddset(&w.set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &w.set, &old);

    wp_diags d;
    wp_diags_init(&d);
    wp_pipeline_options o = { .log = log, .log_level_fixed = level_fixed, .batch_size = batch };
    wp_pipeline *p;
    if (wp_pipeline_create(c, &o, &p, &d) != WP_OK) {
        cli_report_diags(log, &d, flags);
        wp_diags_free(&d);
        pthread_sigmask(SIG_SETMASK, &old, NULL);
        return CLI_EXIT_CONFIG;
    }
    wp_diags_free(&d);

    /* A reader that went away is a write error (EPIPE), reported with the
     * count of what was dropped, not a silent death by SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    w.p = p;
    pthread_t t;
    bool watching = pthread_create(&t, NULL, sig_main, &w) == 0;

    wp_error err;
    memset(&err, 0, sizeof err);
    wp_status s = wp_pipeline_run(p, &err);
    if (watching) {
        atomic_store(&w.done, true);
        pthread_kill(t, SIGTERM);
        pthread_join(t, NULL);
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    int rc = 0;
    if (s != WP_OK) {
        wp_log(log, WP_LOG_ERROR, "pipeline_error", "%s", err.msg);
        rc = CLI_EXIT_RUNTIME;
    }
    wp_pipeline_destroy(p);
    wp_pipeline_release_libraries(5000);
    return rc;
}

/* ---------------------------------------------------------------- run */

static int usage_error(const char *fmt, const char *arg) {
    fputs("wasmpipe run: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (see wasmpipe run --help)\n", stderr);
    return CLI_EXIT_CONFIG;
}

/* Which option `a` is ("-c", "--config", "--config=x", ...): 'c', 's',
 * 'l', or 0; *val gets an inline "=value". */
static int option(const char *a, const char **val) {
    static const struct { const char *name; int id; } opts[] = {
        { "-c", 'c' }, { "--config", 'c' }, { "-s", 's' }, { "--set", 's' },
        { "--log-level", 'l' },
    };
    *val = NULL;
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++) {
        size_t n = strlen(opts[i].name);
        if (strncmp(a, opts[i].name, n) != 0) continue;
        if (a[n] == '\0') return opts[i].id;
        if (a[n] == '=' && a[1] == '-') {
            *val = a + n + 1;
            return opts[i].id;
        }
    }
    return 0;
}

bool cli_run_implied(const char *arg) {
    const char *val;
    return option(arg, &val) != 0;
}

int cli_run(int argc, char **argv) {
    const char *config = NULL;
    const char *level = NULL;
    const char **sets = calloc((size_t)argc + 1, sizeof *sets);
    size_t nsets = 0;
    if (!sets) return usage_error("%s", "out of memory");
    int rc = 0;
    for (int i = 1; i < argc && !rc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(help_text, stdout);
            free(sets);
            return 0;
        }
        const char *val;
        int id = option(a, &val);
        if (!id) {
            if (a[0] == '-' && a[1])
                rc = usage_error("unknown option '%s'", a);
            else if (config)
                rc = usage_error("more than one configuration ('%s')", a);
            else
                config = a;
            continue;
        }
        if (!val) {
            if (i + 1 >= argc) {
                rc = usage_error("option '%s' needs a value", a);
                break;
            }
            val = argv[++i];
        }
        if (id == 'c') {
            if (config) rc = usage_error("more than one configuration ('%s')", val);
            config = val;
        } else if (id == 's') {
            if (!strchr(val, '=') || val[0] == '=')
                rc = usage_error("--set '%s': expected PATH=VALUE", val);
            sets[nsets++] = val;
        } else {
            level = val;
        }
    }
    if (!rc && !config) rc = usage_error("%s", "no configuration given (-c config.yaml)");
    wp_logger log = { .level = WP_LOG_INFO, .fd = STDERR_FILENO };
    if (!rc && level && wp_log_level_parse(level, &log.level) != WP_OK)
        rc = usage_error("unknown log level '%s' (off, error, warn, info, debug, trace)", level);
    if (rc) {
        free(sets);
        return rc;
    }

    wp_diags d;
    wp_diags_init(&d);
    wp_config *c;
    if (wp_config_load_file(config, &c, &d) != WP_OK) {
        cli_report_diags(&log, &d, NULL);
        wp_diags_free(&d);
        free(sets);
        return CLI_EXIT_CONFIG;
    }
    wp_diags_free(&d);
    for (size_t i = 0; i < nsets; i++) {
        const char *eq = strchr(sets[i], '=');
        char path[256];
        snprintf(path, sizeof path, "%.*s", (int)(eq - sets[i]), sets[i]);
        wp_error err;
        if (wp_config_set(c, path, eq + 1, &err) != WP_OK) {
            wp_log(&log, WP_LOG_ERROR, "config_error", "--set %s", err.msg);
            wp_config_destroy(c);
            free(sets);
            return CLI_EXIT_CONFIG;
        }
    }
    free(sets);
    rc = cli_run_pipeline(c, &log, level != NULL, 0, NULL);
    wp_config_destroy(c);
    return rc;
}
