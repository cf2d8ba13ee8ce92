/* Creation: every way a module can be refused, each with a message that
 * names the path and the cause, and the initialisation conventions
 * (_initialize before _start, proc_exit(0) in _start is success). */
#include "common.h"

#include <unistd.h>

typedef struct create_case {
    const char *name;
    const char *module;       /* in MODULE_DIR */
    const char *function;     /* NULL: "process" */
    wp_status   status;       /* WP_OK: must work */
    const char *parts[3];     /* pieces the error must contain */
} create_case;

static const create_case cases[] = {
    { "missing function lists the exports", "no_function", NULL, WP_ERR_NOT_FOUND,
      { "no exported function \"process\"", "the module exports: alpha, beta" } },
    { "another function name", "no_function", "alpha", WP_OK, { NULL } },
    { "missing named function", "no_function", "gamma", WP_ERR_NOT_FOUND,
      { "\"gamma\"", "alpha, beta" } },
    { "export that is not a function", "not_function", NULL, WP_ERR_LINK,
      { "export \"process\" is not a function" } },
    { "function of the wrong type", "wrong_type", NULL, WP_ERR_LINK,
      { "\"process\" has type (i32) -> ()", "() -> ()" } },
    { "unknown import module", "bad_import", NULL, WP_ERR_LINK,
      { "import env.foo cannot be satisfied" } },
    { "unknown host function", "bad_host_name", NULL, WP_ERR_LINK,
      { "import bento_wasm.v0_msg_nope cannot be satisfied" } },
    { "host function of the wrong type", "bad_host_type", NULL, WP_ERR_LINK,
      { "bento_wasm.v0_msg_as_bytes has type () -> (i32)", "() -> (i64)" } },
    { "unknown WASI function", "bad_wasi_name", NULL, WP_ERR_LINK, { "no_such_call" } },
    { "WASI memory import", "bad_memory_import", NULL, WP_ERR_LINK,
      { "wasi_snapshot_preview1.memory", "only functions" } },
    { "_start exits with 3", "start_exit3", NULL, WP_EXIT, { "exited with code 3" } },
    { "_start traps", "start_trap", NULL, WP_ERR_TRAP, { "initialisation", "unreachable" } },
    { "start section traps", "start_section_trap", NULL, WP_ERR_TRAP, { "unreachable" } },
    { "host function during initialisation", "init_host", NULL, WP_ERR_TRAP,
      { "v0_msg_set_bytes", "outside the processing of a message" } },
    { "no allocator", "no_alloc", NULL, WP_ERR_LINK, { "exports no allocator" } },
    { "missing file", "does_not_exist", NULL, WP_ERR_IO,
      { "does_not_exist.wasm", "No such file or directory" } },
};

static void run_cases(void)
{
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const create_case *c = &cases[i];
        wp_status s;
        const char *e = create_error(c->module, c->function, &s);
        CHECK(s == c->status, "%s: status %s, want %s (%s)", c->name, wp_status_text(s),
              wp_status_text(c->status), e);
        if (c->status != WP_OK) {
            /* Every message starts with the path. */
            CHECK(strncmp(e, module_path(c->module), strlen(module_path(c->module))) == 0,
                  "%s: the error must start with the path: %s", c->name, e);
        }
        for (int k = 0; k < 3 && c->parts[k] != NULL; k++)
            CHECK(has_text(e, c->parts[k]), "%s: error \"%s\" lacks \"%s\"", c->name, e,
                  c->parts[k]);
    }
}

static wp_status create_at(const char *path, wp_error *err)
{
    wp_processor_config cfg = { .module_path = path };
    wp_processor *p = NULL;
    wp_status s = wp_processor_create(T.engine, &cfg, &p, err);
    wp_processor_destroy(p);
    return s;
}

static void test_files(void)
{
    wp_error err;
    char path[256];
    snprintf(path, sizeof path, "/tmp/wp_test_create_%d.wasm", (int)getpid());

    FILE *f = fopen(path, "wb");
    fputs("this is not a module", f);
    fclose(f);
    wp_status s = create_at(path, &err);
    CHECK(s == WP_ERR_MALFORMED && has_text(err.msg, path), "invalid module: %s", err.msg);

    f = fopen(path, "wb");
    fclose(f);
    s = create_at(path, &err);
    CHECK(s == WP_ERR_MALFORMED && has_text(err.msg, path), "empty file: %s", err.msg);
    unlink(path);

    s = create_at(T.modules, &err);
    CHECK(s == WP_ERR_IO && has_text(err.msg, "not a regular file"), "directory: %s", err.msg);

    wp_processor *p = NULL;
    wp_processor_config cfg = { .module_path = NULL };
    CHECK(wp_processor_create(T.engine, &cfg, &p, &err) == WP_ERR_ARG &&
              has_text(err.msg, "module_path"),
          "no module_path: %s", err.msg);
    cfg.module_path = "";
    CHECK(wp_processor_create(T.engine, &cfg, &p, &err) == WP_ERR_ARG, "empty module_path");
    cfg.module_path = module_path("upper");
    cfg.function = "";
    CHECK(wp_processor_create(T.engine, &cfg, &p, &err) == WP_ERR_ARG, "empty function");
    CHECK(wp_processor_create(T.engine, NULL, &p, &err) == WP_ERR_ARG, "NULL config");
    CHECK(wp_processor_create(NULL, &cfg, &p, NULL) == WP_ERR_ARG, "NULL engine, NULL err");
    CHECK(p == NULL, "nothing is returned on error");
    wp_processor_destroy(NULL);
    wp_processor_stats st;
    wp_processor_stats_get(NULL, &st);
    CHECK(st.compiles == 0, "stats of NULL");
}

static void test_initialisation(void)
{
    /* TinyGo-style _start ending in proc_exit(0): usable, and it ran. */
    wp_processor *p = make_processor("start_exit0", NULL, NULL);
    if (p != NULL) {
        wp_message *m = run_one(p, "x", 1);
        CHECK(bytes_are(m, "started", 7), "proc_exit(0) in _start: %s (%s)", shown(m),
              wp_message_error(m) ? wp_message_error(m) : "ok");
        wp_message_destroy(m);
        wp_processor_stats st;
        wp_processor_stats_get(p, &st);
        CHECK(st.compiles == 1 && st.instances_created == 1 && st.instances_live == 1,
              "one instance at creation");
        wp_processor_destroy(p);
    }
    p = make_processor("init_first", NULL, NULL);
    if (p != NULL) {
        wp_message *m = run_one(p, "x", 1);
        CHECK(bytes_are(m, "initialized", 11), "_initialize, not _start: %s", shown(m));
        wp_message_destroy(m);
        wp_processor_destroy(p);
    }
}

/* eager_translation: every function is translated at creation, so a
 * message translates nothing more; lazily, the message's functions are
 * translated when it first calls them. */
static void test_eager_translation(void)
{
    wp_processor_config eager, lazy;
    memset(&eager, 0, sizeof eager);
    memset(&lazy, 0, sizeof lazy);
    eager.eager_translation = true;
    /* Translation is the interpreter's: native code needs none. */
    eager.tier = lazy.tier = WP_TIER_INTERP;
    wp_processor *lazy_p = make_processor("upper", NULL, &lazy);
    wp_processor *eager_p = make_processor("upper", NULL, &eager);
    if (lazy_p == NULL || eager_p == NULL) {
        wp_processor_destroy(lazy_p);
        wp_processor_destroy(eager_p);
        return;
    }
    wp_processor_stats ls, es;
    wp_processor_stats_get(lazy_p, &ls);
    wp_processor_stats_get(eager_p, &es);
    CHECK(es.functions_translated > ls.functions_translated,
          "eager translates more at creation: eager %llu, lazy %llu",
          (unsigned long long)es.functions_translated,
          (unsigned long long)ls.functions_translated);
    uint64_t eager_before = es.functions_translated, lazy_before = ls.functions_translated;
    wp_message *m1 = run_one(lazy_p, "ab", 2);
    wp_message *m2 = run_one(eager_p, "ab", 2);
    CHECK(bytes_are(m1, "AB", 2) && bytes_are(m2, "AB", 2), "both uppercase: %s",
          shown(m2));
    wp_message_destroy(m1);
    wp_message_destroy(m2);
    wp_processor_stats_get(lazy_p, &ls);
    wp_processor_stats_get(eager_p, &es);
    CHECK(ls.functions_translated > lazy_before, "lazily, the message translated its functions");
    CHECK(es.functions_translated == eager_before,
          "eagerly, a message translates nothing more (%llu -> %llu)",
          (unsigned long long)eager_before, (unsigned long long)es.functions_translated);
    wp_processor_destroy(lazy_p);
    wp_processor_destroy(eager_p);
}

/* The tier field: each processor's module runs on the tier it asked for,
 * whatever the engine's, and the stats say which. */
static void test_tier(void)
{
    static const struct { wp_tier tier; const char *name; } tiers[] = {
        { WP_TIER_INTERP, "interp" }, { WP_TIER_JIT, "jit" },
    };
    for (size_t i = 0; i < 2; i++) {
        wp_processor_config c;
        memset(&c, 0, sizeof c);
        c.tier = tiers[i].tier;
        wp_processor *p = make_processor("upper", NULL, &c);
        if (p == NULL)
            continue;
        wp_message *m = run_one(p, "ab", 2);
        CHECK(bytes_are(m, "AB", 2), "tier %s: %s", tiers[i].name, shown(m));
        wp_message_destroy(m);
        wp_processor_stats st;
        wp_processor_stats_get(p, &st);
        /* A build without the JIT says so instead. */
        CHECK(strcmp(st.tier, tiers[i].name) == 0 ||
                  (tiers[i].tier == WP_TIER_JIT && has_text(st.tier_note, "WP_JIT")),
              "asked for %s, runs on %s (%s)", tiers[i].name, st.tier,
              st.tier_note ? st.tier_note : "");
        if (tiers[i].tier == WP_TIER_INTERP)
            CHECK(st.tier_note == NULL, "interp: no note expected, found %s", st.tier_note);
        wp_processor_destroy(p);
    }
    wp_processor_config bad;
    memset(&bad, 0, sizeof bad);
    bad.tier = (wp_tier)9;
    bad.module_path = module_path("upper");
    wp_processor *p = NULL;
    wp_error err;
    CHECK(wp_processor_create(T.engine, &bad, &p, &err) == WP_ERR_ARG && has_text(err.msg, "tier"),
          "a bad tier is refused naming it: %s", err.msg);
}

int main(int argc, char **argv)
{
    test_init(argc, argv);
    run_cases();
    test_eager_translation();
    test_tier();
    test_files();
    test_initialisation();
    return test_done("test_create");
}
