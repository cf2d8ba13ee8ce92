/* Says so and then sleeps for an hour in one poll_oneoff: the signal tests
 * interrupt it. Also runs natively (not compared: it never ends alone). */
#include "common.h"

#include <unistd.h>

int main(void) {
    printf("sleeping\n");
    fflush(stdout);
    sleep(3600);
    printf("woke up\n");
    return 0;
}
