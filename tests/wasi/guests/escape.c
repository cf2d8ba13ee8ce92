/* Every way out of the sandbox, tried from inside /sandbox (WASI only). The
 * driver prepares: ../outside.txt next to the sandbox, abs-link -> the
 * sandbox's parent (an absolute host path), dotdot-link -> "..", and sub/.
 * Each attempt must be refused; the exit status counts the ones that were
 * not. */
#include "common.h"

#include <dirent.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int escaped;

static void refused(const char *what, int r) {
    int e = errno;
    if (r >= 0) {
        printf("%s: ALLOWED\n", what);
        escaped++;
        return;
    }
#ifdef ENOTCAPABLE
    if (e == ENOTCAPABLE || e == EPERM) {
        printf("%s: refused\n", what);
        return;
    }
#endif
    printf("%s: refused with %s\n", what, errname(e));
}

static int try_open(const char *path, int flags) {
    int fd = open(path, flags, 0644);
    if (fd >= 0) close(fd);
    return fd;
}

int main(void) {
    struct stat st;
    char buf[256];

    refused("open ../outside.txt", try_open("/sandbox/../outside.txt", O_RDONLY));
    refused("open sub/../../outside.txt", try_open("/sandbox/sub/../../outside.txt", O_RDONLY));
    refused("open /etc/passwd", try_open("/etc/passwd", O_RDONLY));
    refused("open abs-link/outside.txt", try_open("/sandbox/abs-link/outside.txt", O_RDONLY));
    refused("open dotdot-link/outside.txt", try_open("/sandbox/dotdot-link/outside.txt", O_RDONLY));
    refused("create dotdot-link/created.txt",
            try_open("/sandbox/dotdot-link/created.txt", O_WRONLY | O_CREAT));
    refused("create ../created.txt", try_open("/sandbox/../created.txt", O_WRONLY | O_CREAT));
    refused("stat through abs-link", stat("/sandbox/abs-link/outside.txt", &st));
    refused("stat dotdot-link (follows)", stat("/sandbox/dotdot-link", &st));
    DIR *d = opendir("/sandbox/dotdot-link");
    refused("opendir dotdot-link", d ? 0 : -1);
    if (d) closedir(d);
    refused("opendir ..", (d = opendir("/sandbox/..")) ? 0 : -1);
    if (d) closedir(d);
    refused("mkdir ../newdir", mkdir("/sandbox/../newdir", 0755));
    refused("mkdir dotdot-link/newdir", mkdir("/sandbox/dotdot-link/newdir", 0755));
    refused("symlink to an absolute path", symlink("/etc/passwd", "/sandbox/evil-abs"));
    refused("symlink to ../outside.txt", symlink("../outside.txt", "/sandbox/evil-rel"));
    refused("symlink sub/x to ../../outside.txt",
            symlink("../../outside.txt", "/sandbox/sub/evil-rel"));
    refused("symlink to sub/../../outside.txt", symlink("sub/../../outside.txt", "/sandbox/evil-rel"));
    refused("open evil-rel", try_open("/sandbox/evil-rel", O_RDONLY));
    refused("write through evil-rel", try_open("/sandbox/evil-rel", O_WRONLY | O_TRUNC));
    /* A hard link to a symbolic link copies its text to a new place. */
    refused("link abs-link (absolute) as copy", link("/sandbox/abs-link", "/sandbox/copy"));
    refused("link dotdot-link as copy", link("/sandbox/dotdot-link", "/sandbox/copy"));

    int fd = open("/sandbox/inside.txt", O_WRONLY | O_CREAT, 0644);
    EXPECT(fd >= 0);
    close(fd);
    refused("rename to ../moved", rename("/sandbox/inside.txt", "/sandbox/../moved"));
    refused("rename to dotdot-link/moved", rename("/sandbox/inside.txt", "/sandbox/dotdot-link/moved"));
    refused("rename ../outside.txt in", rename("/sandbox/../outside.txt", "/sandbox/stolen"));
    refused("link ../outside.txt in", link("/sandbox/../outside.txt", "/sandbox/stolen"));
    refused("link to ../linked", link("/sandbox/inside.txt", "/sandbox/../linked"));
    refused("unlink ../outside.txt", unlink("/sandbox/../outside.txt"));
    refused("unlink dotdot-link/outside.txt", unlink("/sandbox/dotdot-link/outside.txt"));
    refused("readlink ../x", (int)readlink("/sandbox/../x", buf, sizeof buf));

    /* What stays inside is allowed. */
    printf("lstat abs-link: %s\n", lstat("/sandbox/abs-link", &st) == 0 ? "OK" : errname(errno));
    printf("readlink dotdot-link: %s\n",
           readlink("/sandbox/dotdot-link", buf, sizeof buf) == 2 ? "OK" : errname(errno));
    fd = open("/sandbox/sub/../inside.txt", O_RDONLY);
    printf("open sub/../inside.txt: %s\n", fd >= 0 ? "OK" : errname(errno));
    if (fd >= 0) close(fd);
    printf("symlink sub/up to ../inside.txt: %s\n",
           symlink("../inside.txt", "/sandbox/sub/up") == 0 ? "OK" : errname(errno));
    printf("link dotdot-link as sub/copy: %s\n",
           link("/sandbox/dotdot-link", "/sandbox/sub/copy") == 0 ? "OK" : errname(errno));
    printf("lstat evil-rel: %s\n", lstat("/sandbox/evil-rel", &st) == 0 ? "exists" : errname(errno));
    printf("lstat sub/evil-rel: %s\n",
           lstat("/sandbox/sub/evil-rel", &st) == 0 ? "exists" : errname(errno));
    printf("lstat copy: %s\n", lstat("/sandbox/copy", &st) == 0 ? "exists" : errname(errno));
    printf("escaped: %d\n", escaped);
    return escaped;
}
