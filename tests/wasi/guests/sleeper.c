/* Says so and then blocks for an hour: in one poll_oneoff (no argument) or
 * in a read from stdin ("read"). The signal tests interrupt it. */
#include "common.h"

#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
    printf("sleeping\n");
    fflush(stdout);
    if (argc > 1 && strcmp(argv[1], "read") == 0) {
        char c;
        ssize_t n = read(0, &c, 1);
        printf("read %d\n", (int)n);
        return 0;
    }
    sleep(3600);
    printf("woke up\n");
    return 0;
}
