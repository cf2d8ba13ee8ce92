/* Clocks and sleeping: every clock answers, the monotonic clock never goes
 * back, the real-time clock is today, and sleeps (nanosleep, poll with a
 * timeout) last at least as long as asked. */
#include "common.h"

#include <poll.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
    struct timespec ts;
    EXPECT(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int main(void) {
    struct timespec ts, res;
    EXPECT(clock_gettime(CLOCK_REALTIME, &ts) == 0);
    EXPECT(ts.tv_sec > 1600000000); /* after 2020 */
    EXPECT(time(NULL) >= ts.tv_sec);
    printf("realtime: ok\n");
    EXPECT(clock_getres(CLOCK_REALTIME, &res) == 0 && (res.tv_sec > 0 || res.tv_nsec > 0));
    EXPECT(clock_getres(CLOCK_MONOTONIC, &res) == 0 && (res.tv_sec > 0 || res.tv_nsec > 0));
    printf("resolution: ok\n");
#ifdef CLOCK_PROCESS_CPUTIME_ID
    EXPECT(clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == 0);
#endif
    printf("cpu time: ok\n");

    double last = now_ms();
    for (int i = 0; i < 10000; i++) {
        double t = now_ms();
        EXPECT(t >= last);
        last = t;
    }
    printf("monotonic: ok\n");

    double t0 = now_ms();
    struct timespec nap = { 0, 20 * 1000 * 1000 };
    EXPECT(nanosleep(&nap, NULL) == 0);
    double slept = now_ms() - t0;
    EXPECT(slept >= 19.5 && slept < 5000);
    printf("nanosleep 20ms: ok\n");

    t0 = now_ms();
    EXPECT(usleep(15000) == 0);
    EXPECT(now_ms() - t0 >= 14.5);
    printf("usleep 15ms: ok\n");

    t0 = now_ms();
    EXPECT(poll(NULL, 0, 10) == 0);
    EXPECT(now_ms() - t0 >= 9.5);
    printf("poll timeout 10ms: ok\n");

    struct pollfd pfd = { .fd = 1, .events = POLLOUT };
    EXPECT(poll(&pfd, 1, 1000) == 1 && (pfd.revents & POLLOUT));
    printf("poll stdout writable: ok\n");
    return 0;
}
