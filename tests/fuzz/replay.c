/* The replay driver: a main() that feeds files to a target's
 * LLVMFuzzerTestOneInput without libFuzzer, so that the committed corpus and
 * the regression inputs run under CTest in every build (the sanitizer build
 * included).
 *
 *   replay_<target> [--suffix .ext] PATH...
 *
 * A PATH that is a file is fed as it is; a directory has each of its
 * regular files fed in name order, except dot files and README*, and only
 * those ending in .ext when --suffix is given. A crash is the failure; the
 * driver prints the name of each file before feeding it, so the log names
 * the input that crashed.
 */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static bool wanted(const char *name, const char *suffix)
{
    if (name[0] == '.' || strncmp(name, "README", 6) == 0)
        return false;
    if (suffix == NULL)
        return true;
    size_t n = strlen(name), s = strlen(suffix);
    return n > s && strcmp(name + n - s, suffix) == 0;
}

static void feed(const char *path)
{
    size_t len;
    uint8_t *data = fuzz_read_file(path, &len);
    printf("replay %s (%zu bytes)\n", path, len);
    fflush(stdout);
    LLVMFuzzerTestOneInput(data, len);
    free(data);
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Feeds the wanted regular files of dir in name order; returns how many. */
static size_t feed_dir(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "replay: cannot open %s: %s\n", dir, strerror(errno));
        exit(2);
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        if (!wanted(ent->d_name, suffix))
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = realloc(names, cap * sizeof *names);
            if (names == NULL)
                fuzz_fail("out of memory");
        }
        size_t len = strlen(dir) + strlen(ent->d_name) + 2;
        names[n] = malloc(len);
        if (names[n] == NULL)
            fuzz_fail("out of memory");
        snprintf(names[n], len, "%s/%s", dir, ent->d_name);
        n++;
    }
    closedir(d);
    if (n > 0)
        qsort(names, n, sizeof *names, by_name);
    size_t fed = 0;
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
            feed(names[i]);
            fed++;
        }
        free(names[i]);
    }
    free(names);
    return fed;
}

int main(int argc, char **argv)
{
    const char *suffix = NULL;
    size_t total = 0;
    int npaths = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--suffix") == 0 && i + 1 < argc) {
            suffix = argv[++i];
            continue;
        }
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
            return 2;
        }
        npaths++;
        if (S_ISDIR(st.st_mode)) {
            total += feed_dir(argv[i], suffix);
        } else {
            feed(argv[i]);
            total++;
        }
    }
    if (npaths == 0) {
        fprintf(stderr, "usage: %s [--suffix .ext] FILE-OR-DIR...\n", argv[0]);
        return 2;
    }
    printf("replayed %zu input(s) without a crash\n", total);
    return 0;
}
