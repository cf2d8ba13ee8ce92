/* Trailing slashes: a path ending in '/' names a directory, so every path
 * call given "file/", "dir/" or "missing/" must answer as the host's own
 * file system does (this program also runs natively and the two outputs
 * are compared). argv[1] is the directory to work in. */
#include "common.h"

#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *dir;

/* dir + "/" + name, in one of two static buffers. */
static const char *at(const char *name) {
    static char buf[2][1024];
    static int which;
    which ^= 1;
    snprintf(buf[which], sizeof buf[which], "%s/%s", dir, name);
    return buf[which];
}

static int try_open(const char *name, int flags) {
    int fd = open(at(name), flags, 0644);
    if (fd >= 0) close(fd);
    return fd;
}

int main(int argc, char **argv) {
    struct stat st;
    EXPECT(argc == 2);
    dir = argv[1];
    int fd = open(at("file"), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    EXPECT(fd >= 0);
    close(fd);
    EXPECT(mkdir(at("dir"), 0755) == 0);

    show("symlink to missing/", symlink("t", at("missing/")));
    show("symlink to dir/", symlink("t", at("dir/")));
    show("symlink to file/", symlink("t", at("file/")));
    show("symlink to dir", symlink("t", at("dir")));
    show("link file to missing/", link(at("file"), at("missing/")));
    show("link file to dir/", link(at("file"), at("dir/")));
    show("link file to file/", link(at("file"), at("file/")));
    show("link file/ to new", link(at("file/"), at("new")));
    show("link missing/ to new", link(at("missing/"), at("new")));
    show("link dir/ to new", link(at("dir/"), at("new")));

    show("open file/", try_open("file/", O_RDONLY));
    show("open file/ for writing", try_open("file/", O_WRONLY));
    show("open dir/", try_open("dir/", O_RDONLY));
    show("open missing/", try_open("missing/", O_RDONLY));
    show("create missing/", try_open("missing/", O_WRONLY | O_CREAT));
    show("create file/", try_open("file/", O_WRONLY | O_CREAT));
    show("create dir/", try_open("dir/", O_WRONLY | O_CREAT));
    show("stat file/", stat(at("file/"), &st));
    show("stat dir/", stat(at("dir/"), &st));
    show("stat missing/", stat(at("missing/"), &st));
    show("lstat file/", lstat(at("file/"), &st));

    show("mkdir newdir/", mkdir(at("newdir/"), 0755));
    show("mkdir dir/", mkdir(at("dir/"), 0755));
    show("mkdir file/", mkdir(at("file/"), 0755));

    show("rename file/ to other", rename(at("file/"), at("other")));
    show("rename file to other/", rename(at("file"), at("other/")));
    show("rename file/ to other/", rename(at("file/"), at("other/")));
    show("rename dir/ to moved/", rename(at("dir/"), at("moved/")));
    show("rename moved to dir/", rename(at("moved"), at("dir/")));
    show("rename missing/ to other", rename(at("missing/"), at("other")));

    show("unlink file/", unlink(at("file/")));
    show("unlink dir/", unlink(at("dir/")));
    show("unlink dir", unlink(at("dir")));
    show("unlink missing/", unlink(at("missing/")));
    show("rmdir file/", rmdir(at("file/")));
    show("rmdir file", rmdir(at("file")));
    show("rmdir missing/", rmdir(at("missing/")));
    show("rmdir newdir/", rmdir(at("newdir/")));
    show("rmdir dir/", rmdir(at("dir/")));
    show("unlink file", unlink(at("file")));
    return 0;
}
