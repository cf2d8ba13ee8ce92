/* A directory listing larger than wasi-libc's readdir buffer, with names
 * long enough that entries straddle buffer boundaries; a second pass after
 * rewinddir, and a seekdir back to the middle, must agree with the first.
 * argv[1] is the directory. The order of entries is the file system's, so
 * only order-free summaries are printed. */
#include "common.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define NFILES 400

static uint32_t hash(const char *s) {
    uint32_t h = 0;
    for (; *s; s++) h = h * 31 + (unsigned char)*s;
    return h;
}

/* Counts the entries (without . and ..) and sums their name hashes. */
static int pass(DIR *d, uint32_t *sum) {
    struct dirent *e;
    int n = 0;
    *sum = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        *sum += hash(e->d_name);
        n++;
    }
    return n;
}

int main(int argc, char **argv) {
    char path[1024];
    EXPECT(argc == 2);
    snprintf(path, sizeof path, "%s/many", argv[1]);
    EXPECT(mkdir(path, 0755) == 0);
    for (int i = 0; i < NFILES; i++) {
        char name[1024];
        int pad = 40 + (i * 37) % 180;
        int len = snprintf(name, sizeof name, "%s/f%04d-", path, i);
        for (int k = 0; k < pad; k++) name[len++] = (char)('a' + (i + k) % 26);
        name[len] = '\0';
        int fd = open(name, O_WRONLY | O_CREAT | O_EXCL, 0644);
        EXPECT(fd >= 0);
        EXPECT(close(fd) == 0);
    }

    DIR *d = opendir(path);
    EXPECT(d != NULL);
    uint32_t s1, s2;
    int n1 = pass(d, &s1);
    rewinddir(d);
    int n2 = pass(d, &s2);
    EXPECT(closedir(d) == 0);
    printf("entries: %d, again after rewinddir: %d\n", n1, n2);
    printf("same names: %d\n", s1 == s2);
    printf("name sum: %lu\n", (unsigned long)s1);

    d = opendir(path);
    EXPECT(d != NULL);
    for (int i = 0; i < NFILES / 2; i++) EXPECT(readdir(d) != NULL);
    long mid = telldir(d);
    struct dirent *e = readdir(d);
    EXPECT(e != NULL);
    char name[512];
    snprintf(name, sizeof name, "%s", e->d_name);
    for (int i = 0; i < 50; i++) EXPECT(readdir(d) != NULL);
    seekdir(d, mid);
    e = readdir(d);
    EXPECT(e != NULL);
    printf("seekdir returns to the same entry: %d\n", strcmp(name, e->d_name) == 0);
    EXPECT(closedir(d) == 0);

    /* Remove while listing, as rm -r does. */
    d = opendir(path);
    EXPECT(d != NULL);
    int removed = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.') continue;
        char p[1400];
        snprintf(p, sizeof p, "%s/%s", path, e->d_name);
        EXPECT(unlink(p) == 0);
        removed++;
    }
    EXPECT(closedir(d) == 0);
    printf("removed: %d\n", removed);
    EXPECT(rmdir(path) == 0);
    return 0;
}
