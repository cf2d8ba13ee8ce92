/* Files inside a directory given as argv[1]: create, write, read, seek,
 * truncate, rename, link, symlink, stat, list and remove, and the errors
 * POSIX promises for the usual mistakes. Prints only names relative to the
 * directory, so the output is the same natively and under WASI. */
#include "common.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *root;

/* Two rotating buffers, enough for the two paths of rename and link. */
static const char *at(const char *rel) {
    static char bufs[2][1024];
    static int k;
    char *b = bufs[k++ & 1];
    snprintf(b, sizeof bufs[0], "%s/%s", root, rel);
    return b;
}

static int cmp(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void list(const char *rel) {
    char *names[64];
    int n = 0;
    DIR *d = opendir(at(rel));
    EXPECT(d != NULL);
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        char t = e->d_type == DT_DIR ? 'd' : e->d_type == DT_REG ? 'f' : e->d_type == DT_LNK ? 'l' : '?';
        char *s = malloc(strlen(e->d_name) + 3);
        EXPECT(s != NULL);
        sprintf(s, "%c %s", t, e->d_name);
        names[n++] = s;
    }
    EXPECT(closedir(d) == 0);
    qsort(names, (size_t)n, sizeof names[0], cmp);
    printf("list %s: %d entries\n", rel, n);
    for (int i = 0; i < n; i++) {
        printf("  %s\n", names[i]);
        free(names[i]);
    }
}

int main(int argc, char **argv) {
    struct stat st;
    char buf[256];
    EXPECT(argc == 2);
    root = argv[1];

    show("mkdir sub", mkdir(at("sub"), 0755));
    show("mkdir sub again", mkdir(at("sub"), 0755));
    FILE *f = fopen(at("sub/a.txt"), "w");
    EXPECT(f != NULL);
    for (int i = 1; i <= 3; i++) fprintf(f, "line %d\n", i);
    EXPECT(fclose(f) == 0);
    EXPECT(stat(at("sub/a.txt"), &st) == 0);
    printf("size %lld regular %d\n", (long long)st.st_size, S_ISREG(st.st_mode));

    int fd = open(at("sub/a.txt"), O_RDWR);
    EXPECT(fd >= 0);
    printf("seek end: %lld\n", (long long)lseek(fd, 0, SEEK_END));
    printf("seek 5: %lld\n", (long long)lseek(fd, 5, SEEK_SET));
    ssize_t n = read(fd, buf, 6);
    printf("read %zd: [%.*s]\n", n, (int)(n > 0 ? n - 1 : 0), buf);
    printf("tell: %lld\n", (long long)lseek(fd, 0, SEEK_CUR));
    printf("seek -3 cur: %lld\n", (long long)lseek(fd, -3, SEEK_CUR));
    EXPECT(write(fd, "XY", 2) == 2);
    EXPECT(pwrite(fd, "tail\n", 5, 21) == 5);
    EXPECT(pread(fd, buf, 4, 0) == 4);
    printf("pread: [%.4s]\n", buf);
    show("seek negative", (int)lseek(fd, -100, SEEK_SET));
    EXPECT(fstat(fd, &st) == 0);
    printf("fstat size %lld\n", (long long)st.st_size);
    show("ftruncate 14", ftruncate(fd, 14));
    EXPECT(fstat(fd, &st) == 0);
    printf("size after truncate %lld\n", (long long)st.st_size);
    struct timespec times[2] = { { 1000000000, 0 }, { 1234567890, 500 } };
    show("futimens", futimens(fd, times));
    EXPECT(fstat(fd, &st) == 0);
    printf("mtime %lld.%09ld\n", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    EXPECT(close(fd) == 0);
    show("close again", close(fd));

    f = fopen(at("sub/a.txt"), "r");
    EXPECT(f != NULL);
    while (fgets(buf, sizeof buf, f)) printf("got: %s", buf);
    printf("\n");
    EXPECT(fclose(f) == 0);

    f = fopen(at("sub/a.txt"), "a");
    EXPECT(f != NULL);
    fprintf(f, "appended\n");
    EXPECT(fclose(f) == 0);
    EXPECT(stat(at("sub/a.txt"), &st) == 0);
    printf("size after append %lld\n", (long long)st.st_size);

    show("rename a -> b", rename(at("sub/a.txt"), at("sub/b.txt")));
    show("stat a", stat(at("sub/a.txt"), &st));
    show("link b -> c", link(at("sub/b.txt"), at("sub/c.txt")));
    EXPECT(stat(at("sub/c.txt"), &st) == 0);
    printf("nlink %lld\n", (long long)st.st_nlink);
    show("symlink l -> b.txt", symlink("b.txt", at("sub/l")));
    n = readlink(at("sub/l"), buf, sizeof buf);
    printf("readlink: [%.*s]\n", (int)(n > 0 ? n : 0), buf);
    EXPECT(lstat(at("sub/l"), &st) == 0);
    printf("lstat is link %d\n", S_ISLNK(st.st_mode));
    EXPECT(stat(at("sub/l"), &st) == 0);
    printf("stat through link: regular %d size %lld\n", S_ISREG(st.st_mode), (long long)st.st_size);
    show("symlink dangling", symlink("nowhere", at("sub/dangling")));
    show("open dangling", open(at("sub/dangling"), O_RDONLY));
    fd = open(at("sub/dangling"), O_WRONLY | O_CREAT, 0644);
    show("create through dangling", fd);
    if (fd >= 0) close(fd);
    show("stat nowhere", stat(at("sub/nowhere"), &st));
    show("mkdir sub/d", mkdir(at("sub/d"), 0755));
    show("open sub/d/../b.txt", fd = open(at("sub/d/../b.txt"), O_RDONLY));
    if (fd >= 0) close(fd);
    list("sub");

    show("open missing", open(at("sub/missing"), O_RDONLY));
    show("create excl existing", open(at("sub/b.txt"), O_WRONLY | O_CREAT | O_EXCL, 0644));
    show("open dir for writing", open(at("sub"), O_WRONLY));
    show("open file as dir", open(at("sub/b.txt"), O_RDONLY | O_DIRECTORY));
    show("file as path prefix", open(at("sub/b.txt/x"), O_RDONLY));
    show("rmdir non-empty", rmdir(at("sub")));
    show("rmdir missing", rmdir(at("nothing")));
    show("unlink a directory", unlink(at("sub/d")));
    show("rmdir a file", rmdir(at("sub/b.txt")));
    show("rename dir into itself", rename(at("sub"), at("sub/d/x")));

    show("unlink b", unlink(at("sub/b.txt")));
    show("unlink c", unlink(at("sub/c.txt")));
    show("unlink l", unlink(at("sub/l")));
    show("unlink dangling", unlink(at("sub/dangling")));
    show("unlink nowhere", unlink(at("sub/nowhere")));
    show("rmdir sub/d", rmdir(at("sub/d")));
    show("rmdir sub", rmdir(at("sub")));
    list(".");
    return 0;
}
