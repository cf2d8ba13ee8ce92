/* A log that nobody reads must not stop the program: lines to a full pipe
 * (or socket) are dropped and counted after a bounded wait, later ones are
 * dropped without waiting, and logging goes on normally once the reader
 * drains it. Without this, the writes below block forever (the test then
 * hangs until CTest's timeout). */
#include "pl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check.h"

enum { LINES = 400 };

/* Reads everything the far end holds; returns the byte count and leaves
 * the last line in last (NUL-terminated). */
static size_t drain(int fd, char *last, size_t size) {
    int fl = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, fl | O_NONBLOCK);
    static char buf[1 << 16];
    size_t total = 0, keep = 0;
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0) break;
        total += (size_t)n;
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == '\n') {
                last[keep < size ? keep : size - 1] = '\0';
                keep = 0;
            } else if (keep + 1 < size) {
                last[keep++] = buf[i];
            }
        }
    }
    fcntl(fd, F_SETFL, fl);
    return total;
}

static void flood(const char *name, int rd, int wr) {
    wp_logger lg;
    wp_logger_open(&lg, WP_LOG_INFO, wr);
    CHECK(name, lg.sink != NULL, "no non-blocking sink for a %s", name);
    char msg[900];
    memset(msg, 'x', sizeof msg - 1);
    msg[sizeof msg - 1] = '\0';
    for (int i = 0; i < LINES; i++) wp_log(&lg, WP_LOG_INFO, "flood", "%d %s", i, msg);
    uint64_t dropped = wp_logger_dropped(&lg);
    CHECK(name, dropped > 0 && dropped < LINES, "dropped %llu of %d",
          (unsigned long long)dropped, LINES);
    /* Once the reader catches up, lines go through again, whole. */
    char last[1200];
    size_t got = drain(rd, last, sizeof last);
    CHECK(name, got > 0, "nothing was written");
    wp_log(&lg, WP_LOG_INFO, "after", "back to normal");
    CHECK(name, wp_logger_dropped(&lg) == dropped, "dropped again: %llu",
          (unsigned long long)wp_logger_dropped(&lg));
    drain(rd, last, sizeof last);
    CHECK(name, strstr(last, "event=after msg=\"back to normal\"") != NULL, "last line '%s'",
          last);
    wp_logger_close(&lg);
    CHECK(name, lg.sink == NULL, "closed");
}

int main(void) {
    int p[2];
    if (pipe(p) == 0) {
        flood("pipe", p[0], p[1]);
        /* The descriptor the caller gave keeps its blocking mode. */
        CHECK("pipe: flags kept", !(fcntl(p[1], F_GETFL) & O_NONBLOCK), "O_NONBLOCK set");
        close(p[0]);
        close(p[1]);
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0) {
        flood("socket", sv[0], sv[1]);
        close(sv[0]);
        close(sv[1]);
    }
    /* A file is written as before, without a sink, and nothing is lost. */
    char path[] = "/tmp/wp_test_log_XXXXXX";
    int fd = mkstemp(path);
    if (fd >= 0) {
        wp_logger lg;
        wp_logger_open(&lg, WP_LOG_INFO, fd);
        CHECK("file", lg.sink == NULL, "a sink for a regular file");
        for (int i = 0; i < 100; i++) wp_log(&lg, WP_LOG_INFO, "line", "%d", i);
        CHECK("file", wp_logger_dropped(&lg) == 0 && lseek(fd, 0, SEEK_CUR) > 100 * 40,
              "file size %lld", (long long)lseek(fd, 0, SEEK_CUR));
        wp_logger_close(&lg);
        close(fd);
        unlink(path);
    }
    if (failures) {
        printf("test_log_stall: %d failed\n", failures);
        return 1;
    }
    printf("test_log_stall: all passed\n");
    return 0;
}
