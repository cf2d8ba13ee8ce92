/* Ways a program ends: argv[1] is "return", "exit", "atexit", "abort" or
 * "trap", argv[2] the status. */
#include "common.h"

#include <string.h>

static void bye(void) {
    printf("atexit handler ran\n");
}

int main(int argc, char **argv) {
    if (argc < 3) return 2;
    int code = atoi(argv[2]);
    printf("ending by %s with %d", argv[1], code); /* no newline: exit must flush */
    if (strcmp(argv[1], "return") == 0) return code;
    if (strcmp(argv[1], "exit") == 0) exit(code);
    if (strcmp(argv[1], "atexit") == 0) {
        atexit(bye);
        printf("\n");
        exit(code);
    }
    if (strcmp(argv[1], "abort") == 0) abort();
    if (strcmp(argv[1], "trap") == 0) __builtin_trap();
    return 3;
}
