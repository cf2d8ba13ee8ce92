/* `wasmpipe exec`: runs a WASI command module the way a shell runs a native
 * program (standard streams passed through, the exit code propagated), or
 * with --invoke calls one exported function and prints its results.
 */
#include "cli.h"

#include <wasmpipe/runtime.h>
#include <wasmpipe/wasi.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Larger modules are refused before anything is read. */
#define MAX_MODULE_BYTES (1024u * 1024u * 1024u)

static const char help_text[] =
    "usage: wasmpipe exec [options] [--] module.wasm [args...]\n"
    "\n"
    "Runs a WASI command module (one that exports _start) with its standard\n"
    "input, output and error connected to wasmpipe's own. The guest sees no\n"
    "files and no environment unless given below; clocks and random numbers\n"
    "come from the host. Modules importing wasi_snapshot_preview1 or\n"
    "wasi_unstable are both accepted.\n"
    "\n"
    "options:\n"
    "  --dir HOST[:GUEST]  make host directory HOST visible to the guest as\n"
    "                      GUEST (default: HOST itself, e.g. --dir . gives the\n"
    "                      guest its working directory). HOST::GUEST works too.\n"
    "                      Paths can never leave a directory given here.\n"
    "  --env KEY=VALUE     set a variable in the guest's environment\n"
    "  --invoke NAME       call the exported function NAME instead of _start;\n"
    "                      the arguments after the module are its parameters\n"
    "                      (integers, floats, or 'null' for a reference) and\n"
    "                      each result is printed on its own line. A reactor's\n"
    "                      _initialize runs first.\n"
    "  --timeout DURATION  stop the guest after DURATION (e.g. 500ms, 2s, 1m),\n"
    "                      its start function and _initialize included\n"
    "  --eager             translate (on tier jit: compile) every function before\n"
    "                      the guest starts (default: each on its first call)\n"
    "  --tier TIER         interp, jit or auto (default: auto, or WASMPIPE_TIER):\n"
    "                      auto starts on the interpreter and switches to native\n"
    "                      code once a background compile is done; jit compiles\n"
    "                      each function on its first call (with --cache-dir,\n"
    "                      the whole module before the guest starts). A module\n"
    "                      the JIT cannot compile runs on the interpreter (with\n"
    "                      jit, a warning on stderr says why)\n"
    "  --cache-dir DIR     keep the JIT's native code for the module in DIR\n"
    "                      and load it from there next time (a cache file\n"
    "                      that cannot be used is a warning on stderr)\n"
    "  -h, --help          this text\n"
    "\n"
    "--dir and --env can be repeated. The guest's argv[0] is the module path.\n"
    "\n"
    "exit status:\n"
    "  the guest's own: its proc_exit code, or 0 when _start returns\n"
    "  134  the guest trapped; one line on stderr says why and, when the\n"
    "       module's name section has it, in which function\n"
    "  124  --timeout stopped the guest\n"
    "  130, 143  SIGINT or SIGTERM interrupted the guest (even one waiting in\n"
    "       WASI); a second signal exits at once\n"
    "  125  wasmpipe could not run the module: bad usage, unreadable or\n"
    "       invalid module, an import nothing provides, no _start\n";

typedef struct options {
    wp_wasi_dir *dirs;
    uint32_t     ndirs;
    const char **env;
    uint32_t     nenv;
    const char  *invoke;
    uint64_t     timeout_ns; /* 0: none */
    bool         eager;    /* wp_engine_config.eager_translation */
    wp_tier      tier;     /* wp_engine_config.tier */
    const char  *cache_dir; /* wp_engine_config.cache_dir, NULL: none */
    const char  *module;
    char       **args;     /* after the module */
    int          nargs;
} options;

static int fail(const char *fmt, ...) WP_PRINTF(1, 2);

static int fail(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fputs("wasmpipe exec: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return CLI_EXIT_FAILURE;
}

/* --dir HOST[:GUEST] or HOST::GUEST; the strings point into argv or into
 * one allocation kept in *keep. */
static int add_dir(options *o, const char *spec, char **keep) {
    char *s = strdup(spec);
    if (!s) return fail("out of memory");
    *keep = s;
    char *guest = NULL;
    char *sep = strstr(s, "::");
    if (sep) {
        *sep = '\0';
        guest = sep + 2;
    } else if ((sep = strchr(s, ':'))) {
        *sep = '\0';
        guest = sep + 1;
    }
    if (!s[0] || (guest && !guest[0])) return fail("--dir '%s': empty directory name", spec);
    o->dirs[o->ndirs].host_path = s;
    o->dirs[o->ndirs].guest_path = guest;
    o->ndirs++;
    return 0;
}

/* "500ms", "2s", "1.5s", "1m", "100us", "10ns"; a bare number is seconds. */
static bool parse_duration(const char *s, uint64_t *ns) {
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || !(v >= 0)) return false;
    static const struct { const char *unit; double ns; } units[] = {
        { "", 1e9 }, { "s", 1e9 }, { "ms", 1e6 }, { "us", 1e3 }, { "ns", 1 }, { "m", 60e9 },
    };
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(end, units[i].unit) == 0) {
            double t = v * units[i].ns;
            if (t > 1e18) return false;
            *ns = (uint64_t)t;
            return true;
        }
    }
    return false;
}

static bool parse_tier(const char *s, wp_tier *t) {
    static const char *const names[] = { "auto", "interp", "jit" };
    for (int i = 0; i < 3; i++)
        if (strcmp(s, names[i]) == 0) {
            *t = (wp_tier)i;   /* WP_TIER_AUTO, WP_TIER_INTERP, WP_TIER_JIT */
            return true;
        }
    return false;
}

static int parse(int argc, char **argv, options *o, char **keep) {
    int i = 1;
    for (; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--") == 0) {
            i++;
            break;
        }
        if (a[0] != '-' || a[1] == '\0') break;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(help_text, stdout);
            return -1;
        }
        if (strcmp(a, "--eager") == 0) {
            o->eager = true;
            continue;
        }
        const char *val = NULL;
        size_t nlen = strcspn(a, "=");
        if (a[nlen] == '=') {
            val = a + nlen + 1;
        } else if (i + 1 < argc && (strcmp(a, "--dir") == 0 || strcmp(a, "--env") == 0 ||
                                    strcmp(a, "--invoke") == 0 ||
                                    strcmp(a, "--timeout") == 0 || strcmp(a, "--tier") == 0 ||
                                    strcmp(a, "--cache-dir") == 0)) {
            val = argv[++i];
        }
        if (strncmp(a, "--dir", nlen) == 0 && nlen == 5 && val) {
            int r = add_dir(o, val, &keep[o->ndirs]);
            if (r) return r;
        } else if (strncmp(a, "--env", nlen) == 0 && nlen == 5 && val) {
            if (!strchr(val, '=')) return fail("--env '%s': expected KEY=VALUE", val);
            o->env[o->nenv++] = val;
        } else if (strncmp(a, "--invoke", nlen) == 0 && nlen == 8 && val) {
            o->invoke = val;
        } else if (strncmp(a, "--tier", nlen) == 0 && nlen == 6 && val) {
            if (!parse_tier(val, &o->tier))
                return fail("--tier '%s': expected interp, jit or auto", val);
        } else if (strncmp(a, "--cache-dir", nlen) == 0 && nlen == 11 && val) {
            if (!val[0]) return fail("--cache-dir: empty directory name");
            o->cache_dir = val;
        } else if (strncmp(a, "--timeout", nlen) == 0 && nlen == 9 && val) {
            if (!parse_duration(val, &o->timeout_ns) || o->timeout_ns == 0)
                return fail("--timeout '%s': expected a positive duration such as 500ms or 2s",
                            val);
        } else {
            return fail("unknown or incomplete option '%s' (see --help)", a);
        }
    }
    if (i >= argc) return fail("no module given (see --help)");
    o->module = argv[i];
    o->args = argv + i + 1;
    o->nargs = argc - i - 1;
    return 0;
}

static int read_module(const char *path, uint8_t **out, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return fail("cannot open '%s': %s", path, strerror(errno));
    uint8_t *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            if (cap >= MAX_MODULE_BYTES) {
                free(buf);
                fclose(f);
                return fail("'%s' is larger than %u bytes", path, MAX_MODULE_BYTES);
            }
            cap = cap ? cap * 2 : 65536;
            uint8_t *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return fail("out of memory reading '%s'", path);
            }
            buf = nb;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return fail("cannot read '%s'", path);
    }
    *out = buf;
    *len = n;
    return 0;
}

/* A trap: one line saying where and why, then the wasm call stack, one
 * frame a line, innermost first (docs/errors.md). */
static int report_trap(const char *module, const wp_error *err) {
    const char *why = err->msg[0] ? err->msg : wp_trap_kind_text((wp_trap_kind)err->detail);
    fprintf(stderr, "wasmpipe exec: %s: trap: %s\n", module, why);
    char stack[WP_MAX_TRAP_FRAMES * (WP_FRAME_NAME_MAX + 32) + 64];
    if (wp_error_stack_format(err, 0, false, stack, sizeof stack) > 0)
        fprintf(stderr, "wasm stack (innermost first):\n%s", stack);
    return CLI_EXIT_TRAP;
}

/* The exit status for a failed call into the guest. */
static int report(const char *module, wp_status st, const wp_error *err) {
    if (st == WP_EXIT) return err->detail & 0xff;
    if (st == WP_ERR_TRAP) return report_trap(module, err);
    return fail("%s: %s: %s", module, wp_status_text(st), err->msg);
}

static int parse_value(const char *s, wp_valtype t, wp_value *v) {
    char *end = NULL;
    errno = 0;
    v->type = t;
    switch (t) {
    case WP_I32: {
        long long x = strtoll(s, &end, 0);
        if (x < INT32_MIN || x > UINT32_MAX) errno = ERANGE;
        v->of.i32 = (int32_t)(uint32_t)x;
        break;
    }
    case WP_I64:
        if (s[0] == '-') {
            v->of.i64 = (int64_t)strtoll(s, &end, 0);
        } else {
            v->of.i64 = (int64_t)strtoull(s, &end, 0);
        }
        break;
    case WP_F32: {
        float f = strtof(s, &end);
        memcpy(&v->of.f32_bits, &f, 4);
        break;
    }
    case WP_F64: {
        double d = strtod(s, &end);
        memcpy(&v->of.f64_bits, &d, 8);
        break;
    }
    case WP_FUNCREF:
    case WP_EXTERNREF:
        if (strcmp(s, "null") != 0) return -1;
        v->of.funcref = NULL;
        return 0;
    default:
        return -1;
    }
    return (errno == 0 && end && end != s && *end == '\0') ? 0 : -1;
}

static void print_value(const wp_value *v) {
    switch (v->type) {
    case WP_I32: printf("%" PRId32 "\n", v->of.i32); break;
    case WP_I64: printf("%" PRId64 "\n", v->of.i64); break;
    case WP_F32: {
        float f;
        memcpy(&f, &v->of.f32_bits, 4);
        printf("%.9g\n", (double)f);
        break;
    }
    case WP_F64: {
        double d;
        memcpy(&d, &v->of.f64_bits, 8);
        printf("%.17g\n", d);
        break;
    }
    case WP_V128:
        printf("0x");
        for (int i = 15; i >= 0; i--) printf("%02x", v->of.v128[i]);
        printf("\n");
        break;
    default:
        printf(v->of.externref ? "ref\n" : "null\n");
        break;
    }
}

/* Arguments are checked before _initialize runs, so that a usage mistake
 * costs nothing and prints nothing from the guest. */
static int invoke(const options *o, wp_instance *in) {
    wp_error err;
    wp_extern ext;
    if (wp_instance_export(in, o->invoke, &ext, &err) != WP_OK || ext.kind != WP_EXTERN_FUNC)
        return fail("%s: no exported function '%s'", o->module, o->invoke);
    wp_functype t = wp_func_type(ext.of.func);
    if ((uint32_t)o->nargs != t.nparams)
        return fail("'%s' takes %u arguments, %d given", o->invoke, t.nparams, o->nargs);
    wp_value *args = calloc(t.nparams + 1, sizeof *args);
    wp_value *res = calloc(t.nresults + 1, sizeof *res);
    if (!args || !res) {
        free(args);
        free(res);
        return fail("out of memory");
    }
    int rc = 0;
    for (uint32_t i = 0; i < t.nparams && rc == 0; i++)
        if (parse_value(o->args[i], t.params[i], &args[i]) != 0)
            rc = fail("argument %u of '%s': '%s' is not a valid value of its type", i + 1,
                      o->invoke, o->args[i]);
    int code = 0;
    wp_status st = WP_OK;
    if (rc == 0) {
        st = wp_wasi_run(in, WP_WASI_ENTRY_INITIALIZE, &code, &err);
        if (st == WP_ERR_NOT_FOUND) st = WP_OK; /* not a reactor: nothing to set up */
        else if (st != WP_OK) rc = report(o->module, st, &err);
        else if (code != 0) rc = code & 0xff;
    }
    if (rc == 0) {
        st = wp_func_call(ext.of.func, args, t.nparams, res, t.nresults, &err);
        if (st == WP_OK) {
            for (uint32_t i = 0; i < t.nresults; i++) print_value(&res[i]);
            fflush(stdout);
        } else {
            rc = report(o->module, st, &err);
        }
    }
    free(args);
    free(res);
    return rc;
}

/* ---------------------------------------------------------------- signals */

/* While the guest runs, SIGINT and SIGTERM (unless the shell made us ignore
 * them) go to a watcher thread that interrupts the guest's call, wherever
 * it is, a WASI sleep included: the guest then ends like a trap and exec
 * exits with 128 + the signal, saying so. A second signal exits at once.
 * SIGUSR1 wakes the watcher when the guest finishes by itself. */
typedef struct sig_guard {
    wp_interrupt *h;       /* made before the instance, so the start function is bounded */
    uint64_t     deadline; /* CLOCK_MONOTONIC ns of --timeout; 0: none */
    atomic_bool  timed_out;
    sigset_t     set, old;
    pthread_t    thread;
    bool         running;
    atomic_int   sig;      /* the first signal received, or 0 */
    atomic_bool  done;
} sig_guard;

static uint64_t now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Past the deadline the handle is fired every 10 ms: each outermost call
 * (_initialize, then _start) clears an earlier interrupt. */
static void *sig_watch(void *arg) {
    sig_guard *g = arg;
    while (!atomic_load(&g->done)) {
        int sig = 0;
        if (g->deadline == 0) {
            if (sigwait(&g->set, &sig) != 0) continue;
        } else {
            uint64_t now = now_ns();
            uint64_t wait = now >= g->deadline ? 10000000u : g->deadline - now;
            struct timespec ts = { (time_t)(wait / 1000000000u), (long)(wait % 1000000000u) };
            sig = sigtimedwait(&g->set, NULL, &ts);
            if (sig < 0) {
                if (errno == EAGAIN && now_ns() >= g->deadline) {
                    atomic_store(&g->timed_out, true);
                    wp_interrupt_fire(g->h);
                }
                continue;
            }
        }
        if (sig == SIGUSR1) continue;
        if (atomic_load(&g->sig) != 0) _exit(128 + sig);
        atomic_store(&g->sig, sig);
        wp_interrupt_fire(g->h);
    }
    return NULL;
}

static bool sig_ignored(int sig) {
    struct sigaction sa;
    return sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN;
}

static void guard_start(sig_guard *g, wp_interrupt *h, uint64_t timeout_ns) {
    memset(g, 0, sizeof *g);
    g->h = h;
    g->deadline = timeout_ns ? now_ns() + timeout_ns : 0;
    atomic_init(&g->timed_out, false);
    atomic_init(&g->sig, 0);
    atomic_init(&g->done, false);
    sigemptyset(&g->set);
    if (!sig_ignored(SIGINT)) sigaddset(&g->set, SIGINT);
    if (!sig_ignored(SIGTERM)) sigaddset(&g->set, SIGTERM);
    sigaddset(&g->set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &g->set, &g->old);
    g->running = pthread_create(&g->thread, NULL, sig_watch, g) == 0;
}

/* Stops the watcher; the signal that interrupted the guest, or 0. */
static int guard_stop(sig_guard *g) {
    if (g->running) {
        atomic_store(&g->done, true);
        pthread_kill(g->thread, SIGUSR1);
        pthread_join(g->thread, NULL);
    }
    pthread_sigmask(SIG_SETMASK, &g->old, NULL);
    return atomic_load(&g->sig);
}

/* Under auto, a compile cache miss is compiled in the background and
 * stored when that compile ends. A short run would end first and leave the
 * cache empty, so after the guest exec waits for the compile (the next
 * start then loads native code) and prints what the store added to the
 * cache's note past the `reported` bytes already printed. */
static void finish_cache(wp_module *mod, size_t reported) {
    wp_module_wait_tier(mod, NULL);
    const char *warning = NULL;
    wp_module_cache(mod, &warning);
    if (warning == NULL || strlen(warning) <= reported) return;
    const char *rest = warning + reported;
    if (reported > 0 && strncmp(rest, "; ", 2) == 0) rest += 2;
    fprintf(stderr, "wasmpipe exec: warning: compile cache: %s\n", rest);
}

static int run(const options *o, const uint8_t *bytes, size_t len) {
    wp_error err;
    wp_engine *engine = NULL;
    wp_module *mod = NULL;
    wp_wasi *wasi = NULL;
    wp_imports *im = NULL;
    wp_instance *in = NULL;
    wp_interrupt *h = NULL;
    sig_guard guard;
    bool guarded = false;
    int rc = 0;

    const char **argv = calloc((size_t)o->nargs + 1, sizeof *argv);
    if (!argv) return fail("out of memory");
    argv[0] = o->module;
    uint32_t argc = 1;
    if (!o->invoke)
        for (int i = 0; i < o->nargs; i++) argv[argc++] = o->args[i];

    wp_wasi_config cfg = {
        .argv = argv, .argc = argc, .env = o->env, .nenv = o->nenv,
        .dirs = o->dirs, .ndirs = o->ndirs,
    };
    /* A stream wasmpipe was started without (e.g. `<&-`) is a null one for
     * the guest, as /dev/null would be. */
    for (int i = 0; i < 3; i++) {
        cfg.stdio[i].kind = fcntl(i, F_GETFD) >= 0 ? WP_WASI_STDIO_FD : WP_WASI_STDIO_NULL;
        cfg.stdio[i].host_fd = i;
    }
    wp_engine_config ecfg = { .eager_translation = o->eager, .tier = o->tier,
                              .cache_dir = o->cache_dir };
    bool cache_pending = false;   /* auto's background compile will store it */
    size_t cache_reported = 0;    /* how much of the cache's note was printed */
    wp_status st = wp_engine_create(&ecfg, &engine, &err);
    if (st == WP_OK) {
        st = wp_module_compile(engine, bytes, len, &mod, &err);
        if (st != WP_OK) {
            rc = fail("%s: %s: %s", o->module, wp_status_text(st), err.msg);
            goto done;
        }
        const char *why = NULL;
        if (o->tier == WP_TIER_JIT && strcmp(wp_module_tier(mod, &why), "jit") != 0)
            fprintf(stderr, "wasmpipe exec: %s: warning: runs on the interpreter: %s\n",
                    o->module, why != NULL ? why : "the JIT refused it");
        const char *cache_warning = NULL;
        cache_pending = strcmp(wp_module_cache(mod, &cache_warning), "pending") == 0;
        if (cache_warning != NULL) {
            fprintf(stderr, "wasmpipe exec: warning: compile cache: %s\n", cache_warning);
            cache_reported = strlen(cache_warning);
        }
    }
    if (st == WP_OK) st = wp_wasi_create(engine, &cfg, &wasi, &err);
    if (st == WP_OK) st = wp_imports_create(engine, &im, &err);
    if (st == WP_OK) st = wp_wasi_define(wasi, im, &err);
    if (st == WP_OK) st = wp_interrupt_create(engine, &h, &err);
    if (st != WP_OK) {
        rc = fail("%s: %s", o->module, err.msg);
        goto done;
    }
    /* The guard watches from before instantiation: the start function is
     * guest code too. */
    guard_start(&guard, h, o->timeout_ns);
    guarded = true;
    wp_instance_config ic = { .interrupt = h };
    st = wp_instance_create(mod, im, &ic, &in, &err);
    if (st != WP_OK) {
        rc = st == WP_ERR_TRAP || st == WP_EXIT
                 ? report(o->module, st, &err)
                 : fail("%s: %s: %s", o->module, wp_status_text(st), err.msg);
    } else if (o->invoke) {
        rc = invoke(o, in);
    } else {
        int code = 0;
        st = wp_wasi_run(in, WP_WASI_ENTRY_START, &code, &err);
        if (st == WP_ERR_NOT_FOUND)
            rc = fail("%s: no _start: not a command module (call a function with --invoke)",
                      o->module);
        else if (st == WP_ERR_TRAP && (atomic_load(&guard.sig) != 0 || atomic_load(&guard.timed_out)))
            rc = CLI_EXIT_TRAP; /* reported below */
        else if (st != WP_OK)
            rc = report(o->module, st, &err);
        else
            rc = code & 0xff;
    }
    guarded = false;
    int sig = guard_stop(&guard);
    if (sig != 0 && rc == CLI_EXIT_TRAP) {
        fprintf(stderr, "wasmpipe exec: %s: interrupted by %s\n", o->module,
                sig == SIGINT ? "SIGINT" : "SIGTERM");
        rc = 128 + sig;
    } else if (atomic_load(&guard.timed_out) && rc == CLI_EXIT_TRAP) {
        fprintf(stderr, "wasmpipe exec: %s: timed out (--timeout)\n", o->module);
        rc = CLI_EXIT_TIMEOUT;
    }
    if (cache_pending && sig == 0 && !atomic_load(&guard.timed_out))
        finish_cache(mod, cache_reported);
done:
    if (guarded) guard_stop(&guard);
    wp_instance_destroy(in);
    wp_interrupt_destroy(h);
    wp_imports_destroy(im);
    wp_wasi_destroy(wasi);
    wp_module_destroy(mod);
    wp_engine_destroy(engine);
    free(argv);
    return rc;
}

int cli_exec(int argc, char **argv) {
    options o = { 0 };
    int rc;
    /* Every option takes at most one slot, so argc bounds each list. */
    o.dirs = calloc((size_t)argc, sizeof *o.dirs);
    o.env = calloc((size_t)argc, sizeof *o.env);
    char **keep = calloc((size_t)argc, sizeof *keep);
    if (!o.dirs || !o.env || !keep) {
        rc = fail("out of memory");
    } else {
        rc = parse(argc, argv, &o, keep);
        if (rc < 0) {
            rc = 0; /* --help */
        } else if (rc == 0) {
            uint8_t *bytes = NULL;
            size_t len = 0;
            rc = read_module(o.module, &bytes, &len);
            if (rc == 0) rc = run(&o, bytes, len);
            free(bytes);
        }
    }
    for (int i = 0; keep && i < argc; i++) free(keep[i]);
    free(keep);
    free(o.dirs);
    free((void *)o.env);
    return rc;
}
