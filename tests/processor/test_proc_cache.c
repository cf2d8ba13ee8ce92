/* The compile cache under tier auto, through the processor: a miss is
 * compiled in the background and stored when that compile ends, so what
 * the store did (a warning when it could not write) is logged by the
 * first batch after it, once; a cache filled that way is a hit for the
 * next processor, which then starts on native code.
 */
#include "common.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

typedef struct captured {
    int  warnings;          /* compile_cache warnings */
    char warning[400];      /* the last one */
    char outcomes[200];     /* compile_cache debug events, space-separated */
} captured;

static void capture(void *user, wp_log_level level, const char *event, const char *msg)
{
    captured *c = user;
    if (strcmp(event, "compile_cache") != 0)
        return;
    if (level == WP_LOG_WARN) {
        c->warnings++;
        snprintf(c->warning, sizeof c->warning, "%s", msg);
    } else if (level == WP_LOG_DEBUG) {
        const char *colon = strrchr(msg, ':');
        size_t used = strlen(c->outcomes);
        snprintf(c->outcomes + used, sizeof c->outcomes - used, "%s%s", used ? " " : "",
                 colon != NULL ? colon + 2 : msg);
    }
}

static wp_processor *make(const char *dir, captured *c)
{
    memset(c, 0, sizeof *c);
    wp_processor_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.tier = WP_TIER_AUTO;
    cfg.cache_dir = dir;
    cfg.log = capture;
    cfg.log_user = c;
    return make_processor("upper", NULL, &cfg);
}

static const char *tier_of(wp_processor *p)
{
    wp_processor_stats st;
    wp_processor_stats_get(p, &st);
    return st.tier;
}

/* Processes messages until new calls run on native code (the background
 * compile ended); false after a minute. Each message must come out right. */
static bool until_native(wp_processor *p)
{
    for (int i = 0; i < 6000; i++) {
        wp_message *m = run_one(p, "ab", 2);
        CHECK(bytes_are(m, "AB", 2), "message %d: %s", i, shown(m));
        wp_message_destroy(m);
        if (strcmp(tier_of(p), "jit") == 0)
            return true;
        nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
    }
    return false;
}

static void one_more(wp_processor *p)
{
    wp_message *m = run_one(p, "cd", 2);
    CHECK(bytes_are(m, "CD", 2), "after the compile: %s", shown(m));
    wp_message_destroy(m);
}

static int wpjit_files(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "ls '%s' 2>/dev/null | grep -c '\\.wpjit$'", dir);
    FILE *f = popen(cmd, "r");
    int n = -1;
    if (f != NULL) {
        if (fscanf(f, "%d", &n) != 1)
            n = -1;
        pclose(f);
    }
    return n;
}

int main(int argc, char **argv)
{
    /* These are auto's paths, whatever tier the suite runs under. */
    setenv("WASMPIPE_TIER", "auto", 1);
    test_init(argc, argv);
    char tmp[] = "/tmp/wp_proc_cache_XXXXXX";
    if (mkdtemp(tmp) == NULL) {
        perror("mkdtemp");
        return 1;
    }
    char plain[300], bad[320], good[300];
    snprintf(plain, sizeof plain, "%s/plain", tmp);
    snprintf(bad, sizeof bad, "%s/sub", plain);
    snprintf(good, sizeof good, "%s/cache", tmp);
    FILE *f = fopen(plain, "w");
    CHECK(f != NULL, "cannot create %s", plain);
    if (f != NULL)
        fclose(f);

    captured c;
    wp_processor *p = make(bad, &c);
    if (p != NULL && strcmp(c.outcomes, "off") == 0) {
        /* A build without the JIT has no cache to report on. */
        printf("test_proc_cache: this build has no JIT; the cache is off\n");
        wp_processor_destroy(p);
        p = NULL;
    } else if (p != NULL) {
        CHECK(strcmp(c.outcomes, "pending") == 0, "at create: '%s', want pending", c.outcomes);
        CHECK(c.warnings == 0, "a warning before any store: %s", c.warning);
        CHECK(until_native(p), "the background compile did not end within a minute");
        one_more(p);
        CHECK(c.warnings == 1 && has_text(c.warning, "not stored: cannot create"),
              "%d warnings, last '%s'; want one saying the store failed", c.warnings, c.warning);
        CHECK(strcmp(c.outcomes, "pending miss") == 0, "outcomes '%s'", c.outcomes);
        one_more(p);
        CHECK(c.warnings == 1, "the store's warning was logged %d times", c.warnings);
        wp_processor_destroy(p);

        /* A writable directory: filled when the compile ends, then a hit. */
        p = make(good, &c);
        CHECK(p != NULL && strcmp(c.outcomes, "pending") == 0, "good dir: '%s'", c.outcomes);
        if (p != NULL) {
            CHECK(until_native(p), "the background compile did not end within a minute");
            one_more(p);
            CHECK(c.warnings == 0, "good dir: a warning: %s", c.warning);
            CHECK(wpjit_files(good) == 1, "%d cache files in %s, want 1", wpjit_files(good), good);
            wp_processor_destroy(p);
        }
        p = make(good, &c);
        CHECK(p != NULL && strcmp(c.outcomes, "hit") == 0, "the next processor: '%s', want hit",
              c.outcomes);
        if (p != NULL) {
            CHECK(strcmp(tier_of(p), "jit") == 0, "a hit starts on %s", tier_of(p));
            one_more(p);
            CHECK(c.warnings == 0, "hit: a warning: %s", c.warning);
            wp_processor_destroy(p);
        }
    }
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", tmp);
    return test_done("test_proc_cache");
}
