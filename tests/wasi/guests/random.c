/* Random bytes from the host: two draws differ and look random. */
#include "common.h"

#include <string.h>
#include <unistd.h>
#if defined(__linux__)
#include <sys/random.h>
#endif

int main(void) {
    unsigned char a[256], b[256];
    memset(a, 0, sizeof a);
    memset(b, 0, sizeof b);
    EXPECT(getentropy(a, sizeof a) == 0);
    EXPECT(getentropy(b, sizeof b) == 0);
    EXPECT(memcmp(a, b, sizeof a) != 0);
    int zeros = 0, ones = 0;
    for (size_t i = 0; i < sizeof a; i++) {
        zeros += a[i] == 0;
        for (int k = 0; k < 8; k++) ones += (a[i] >> k) & 1;
    }
    EXPECT(zeros < 16);
    EXPECT(ones > 800 && ones < 1248); /* 1024 expected */
    printf("getentropy: ok\n");
    EXPECT(getentropy(a, 0) == 0);
    printf("empty draw: ok\n");
    return 0;
}
