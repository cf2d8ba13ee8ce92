/* The in-process part of the start-up benchmark (bench/startup.sh): how
 * long reading a module file and validating it takes, and how much memory
 * a compiled and instantiated module holds, in one translation mode.
 *
 *   startup_load lazy|eager|jit FILE
 *
 * lazy and eager run on the interpreter; jit compiles the whole module to
 * native code (lazy translation): tier auto, waited for at once with
 * wp_module_wait_tier (tier jit would compile each function on its first
 * call, and nothing runs here), so its compile_ms minus lazy's is the
 * JIT's own time.
 * Prints one line of key=value pairs: read_ms (reading the file),
 * compile_ms (wp_module_compile: decoding and validation, plus every
 * translation when eager), compile_cpu_ms (the same in CPU time),
 * instantiate_ms, rss_kb (resident set after
 * compile and instantiation, the file's buffer freed). Imports are satisfied by
 * host functions that trap, so no guest code runs.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <wasmpipe/runtime.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* CPU time of this process (user + system): on a shared machine it moves
 * much less than wall time when other work competes for the cores. */
static double cpu_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, resident = 0;
    if (f == NULL)
        return -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * 4;
}

static wp_status refuse(wp_call *call, void *user, uint64_t *slots)
{
    (void)user;
    (void)slots;
    return wp_call_trap(call, "startup_load: imports are not run");
}

int main(int argc, char **argv)
{
    if (argc != 3 || (strcmp(argv[1], "lazy") != 0 && strcmp(argv[1], "eager") != 0 &&
                      strcmp(argv[1], "jit") != 0)) {
        fprintf(stderr, "usage: startup_load lazy|eager|jit FILE\n");
        return 2;
    }
    bool eager = strcmp(argv[1], "eager") == 0;
    bool jit = strcmp(argv[1], "jit") == 0;

    double t0 = now_ms();
    FILE *f = fopen(argv[2], "rb");
    if (f == NULL) {
        perror(argv[2]);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *bytes = size > 0 ? malloc((size_t)size) : NULL;
    if (bytes == NULL || fread(bytes, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "%s: cannot read\n", argv[2]);
        return 1;
    }
    fclose(f);
    double t1 = now_ms();

    double c1 = cpu_ms();
    wp_engine_config cfg = { .eager_translation = eager,
                             .tier = jit ? WP_TIER_AUTO : WP_TIER_INTERP };
    wp_engine *e = NULL;
    wp_module *m = NULL;
    wp_error err;
    if (wp_engine_create(&cfg, &e, &err) != WP_OK ||
        wp_module_compile(e, bytes, (size_t)size, &m, &err) != WP_OK) {
        fprintf(stderr, "%s: %s\n", argv[2], err.msg);
        return 1;
    }
    if (jit)
        (void)wp_module_wait_tier(m, NULL);
    double t2 = now_ms(), c2 = cpu_ms();
    free(bytes);

    wp_imports *im = NULL;
    wp_func *host[64];
    size_t nhost = 0;
    if (wp_imports_create(e, &im, &err) != WP_OK) {
        fprintf(stderr, "imports: %s\n", err.msg);
        return 1;
    }
    for (uint32_t i = 0; i < wp_module_import_count(m); i++) {
        wp_extern_desc d;
        if (wp_module_import(m, i, &d) != WP_OK || d.kind != WP_EXTERN_FUNC)
            continue;
        char mod[256], name[256];
        snprintf(mod, sizeof mod, "%.*s", (int)d.module_len, d.module);
        snprintf(name, sizeof name, "%.*s", (int)d.name_len, d.name);
        wp_func *hf = NULL;
        if (nhost == sizeof host / sizeof host[0] ||
            wp_func_create_host(e, &d.func, refuse, NULL, &hf, &err) != WP_OK ||
            wp_imports_define(im, mod, name, (wp_extern){ .kind = WP_EXTERN_FUNC, .of.func = hf },
                              &err) != WP_OK) {
            fprintf(stderr, "import %s.%s: %s\n", mod, name, err.msg);
            return 1;
        }
        host[nhost++] = hf;
    }
    wp_instance *in = NULL;
    double t3 = now_ms();
    if (wp_instance_create(m, im, NULL, &in, &err) != WP_OK) {
        fprintf(stderr, "instantiate: %s\n", err.msg);
        return 1;
    }
    double t4 = now_ms();
    const char *why = NULL;
    if (jit && strcmp(wp_module_tier(m, &why), "jit") != 0) {
        fprintf(stderr, "%s: the JIT refused it: %s\n", argv[2], why ? why : "");
        return 1;
    }
    printf("read_ms=%.2f compile_ms=%.2f compile_cpu_ms=%.2f instantiate_ms=%.2f rss_kb=%ld\n",
           t1 - t0, t2 - t1, c2 - c1, t4 - t3, rss_kb());
    wp_instance_destroy(in);
    wp_imports_destroy(im);
    for (size_t i = 0; i < nhost; i++)
        wp_func_destroy(host[i]);
    wp_module_destroy(m);
    wp_engine_destroy(e);
    return 0;
}
