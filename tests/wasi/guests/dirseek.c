/* A directory descriptor has no file position: fd_seek and fd_tell on one
 * must fail (EBADF, as wasmtime answers) where Linux would return 0, while
 * a regular file seeks as usual. WASI only. argv[1] is the directory. */
#include "common.h"

#include <fcntl.h>
#include <unistd.h>
#include <wasi/api.h>

static void show_errno(const char *what, __wasi_errno_t e) {
    printf("%s: %s\n", what,
           e == 0 ? "OK" : e == __WASI_ERRNO_BADF ? "EBADF" : e == __WASI_ERRNO_SPIPE ? "ESPIPE" : "E?");
}

int main(int argc, char **argv) {
    EXPECT(argc == 2);
    int d = open(argv[1], O_RDONLY | O_DIRECTORY);
    EXPECT(d >= 0);
    __wasi_filesize_t pos = 99;
    show_errno("fd_seek dir 0 cur", __wasi_fd_seek(d, 0, __WASI_WHENCE_CUR, &pos));
    show_errno("fd_seek dir 5 set", __wasi_fd_seek(d, 5, __WASI_WHENCE_SET, &pos));
    show_errno("fd_seek dir 0 end", __wasi_fd_seek(d, 0, __WASI_WHENCE_END, &pos));
    show_errno("fd_tell dir", __wasi_fd_tell(d, &pos));
    printf("position untouched: %d\n", pos == 99);
    show("lseek dir", (int)lseek(d, 0, SEEK_CUR));

    char path[1024];
    snprintf(path, sizeof path, "%s/f", argv[1]);
    int f = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    EXPECT(f >= 0);
    EXPECT(write(f, "hello", 5) == 5);
    show_errno("fd_seek file 2 set", __wasi_fd_seek(f, 2, __WASI_WHENCE_SET, &pos));
    show_errno("fd_tell file", __wasi_fd_tell(f, &pos));
    printf("file position: %llu\n", (unsigned long long)pos);
    close(f);
    unlink(path);
    close(d);
    return 0;
}
