/* Helpers shared by the WASI guest programs, which build both for
 * wasm32-wasi and natively so that their outputs can be compared byte for
 * byte. Error numbers are printed by name because their values and
 * strerror() texts differ between wasi-libc and the host's libc.
 */
#ifndef WASI_GUEST_COMMON_H
#define WASI_GUEST_COMMON_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static inline const char *errname(int e) {
    switch (e) {
    case 0: return "OK";
    case EACCES: return "EACCES";
    case EBADF: return "EBADF";
    case EEXIST: return "EEXIST";
    case EINVAL: return "EINVAL";
    case EISDIR: return "EISDIR";
    case ELOOP: return "ELOOP";
    case ENOENT: return "ENOENT";
    case ENOTDIR: return "ENOTDIR";
    case ENOTEMPTY: return "ENOTEMPTY";
    case EPERM: return "EPERM";
    case ESPIPE: return "ESPIPE";
    case EXDEV: return "EXDEV";
#ifdef ENOTCAPABLE
    case ENOTCAPABLE: return "ENOTCAPABLE";
#endif
    default: return "E?";
    }
}

/* Prints "what: OK" or "what: ENAME" for a call that returns -1 on error. */
static inline int show(const char *what, int r) {
    printf("%s: %s\n", what, r < 0 ? errname(errno) : "OK");
    return r;
}

/* Stops the program on a broken expectation, naming it. */
#define EXPECT(cond)                                                          \
    do {                                                                      \
        if (!(cond)) {                                                        \
            printf("FAILED: %s (line %d)\n", #cond, __LINE__);                \
            exit(1);                                                          \
        }                                                                     \
    } while (0)

#endif
