/* Standard streams: copies stdin to stdout in upper case, then counts what
 * it read; a note goes to stderr. Output larger than any pipe buffer checks
 * that partial writes are finished. */
#include "common.h"

#include <ctype.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    static char buf[1 << 16];
    size_t total = 0, lines = 0, n;
    while ((n = fread(buf, 1, sizeof buf, stdin)) > 0) {
        for (size_t i = 0; i < n; i++) {
            lines += buf[i] == '\n';
            buf[i] = (char)toupper((unsigned char)buf[i]);
        }
        EXPECT(fwrite(buf, 1, n, stdout) == n);
        total += n;
    }
    EXPECT(!ferror(stdin));
    printf("-- %zu bytes, %zu lines\n", total, lines);
    for (int i = 0; i < 2000; i++) printf("%04d abcdefghijklmnopqrstuvwxyz0123456789\n", i);
    fflush(stdout);
    /* unbuffered, straight to the descriptor */
    const char msg[] = "direct write\n";
    EXPECT(write(1, msg, strlen(msg)) == (ssize_t)strlen(msg));
    fprintf(stderr, "a note on stderr\n");
    return 0;
}
