/* Arguments and environment: prints every argument after argv[0] and the
 * whole environment, sorted. */
#include "common.h"

#include <string.h>

extern char **environ;

static int cmp(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int main(int argc, char **argv) {
    printf("argc=%d\n", argc);
    EXPECT(argv[argc] == NULL);
    for (int i = 1; i < argc; i++) printf("argv[%d]=[%s]\n", i, argv[i]);
    size_t n = 0;
    while (environ && environ[n]) n++;
    char **env = calloc(n + 1, sizeof *env);
    EXPECT(env != NULL);
    for (size_t i = 0; i < n; i++) env[i] = environ[i];
    qsort(env, n, sizeof *env, cmp);
    printf("environ=%zu\n", n);
    for (size_t i = 0; i < n; i++) printf("env[%s]\n", env[i]);
    const char *v = getenv("WASI_TEST_VAR");
    printf("getenv WASI_TEST_VAR=%s\n", v ? v : "(unset)");
    v = getenv("HOME");
    printf("getenv HOME=%s\n", v ? "(set)" : "(unset)");
    free(env);
    return 0;
}
