/* Unit tests of logging (log.c): the logfmt line (timestamp, level, event,
 * fields), quoting and escaping of values, level filtering and names, and
 * the cut of a line longer than the buffer.
 */
#include "pl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

/* Everything written to the logger's descriptor so far, after the
 * timestamp of each line. */
static char *drain(int fd) {
    off_t end = lseek(fd, 0, SEEK_END);
    char *buf = calloc(1, (size_t)end + 1);
    if (pread(fd, buf, (size_t)end, 0) < 0) buf[0] = '\0';
    ftruncate(fd, 0);
    lseek(fd, 0, SEEK_SET);
    return buf;
}

static const char *after_ts(const char *line) {
    const char *sp = strchr(line, ' ');
    return sp ? sp + 1 : line;
}

int main(void) {
    char path[] = "/tmp/wp_log_XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) return 1;
    unlink(path);
    wp_logger lg = { .level = WP_LOG_INFO, .fd = fd };

    wp_log(&lg, WP_LOG_INFO, "summary", "done %d", 3);
    char *out = drain(fd);
    CHECK("timestamp", strncmp(out, "ts=", 3) == 0 && strlen(out) > 28 && out[7] == '-' &&
                           out[13] == 'T' && out[22] == '.' && out[26] == 'Z',
          "%s", out);
    CHECK("basic", strcmp(after_ts(out), "level=info event=summary msg=\"done 3\"\n") == 0, "%s",
          out);
    free(out);

    wp_log_line l;
    CHECK("begin", wp_log_begin(&l, &lg, WP_LOG_ERROR, "x"), "filtered");
    wp_log_str(&l, "plain", "abc-1.2/x:y");
    wp_log_str(&l, "empty", "");
    wp_log_str(&l, "space", "a b");
    wp_log_str(&l, "eq", "a=b");
    wp_log_str(&l, "quote", "say \"hi\"\\");
    wp_log_strn(&l, "ctl", "a\nb\tc\rd\x01\x7f", 9);
    wp_log_str(&l, "utf8", "caf\xc3\xa9");
    wp_log_strn(&l, "bad", "\xff\xc3", 2);
    wp_log_u64(&l, "n", 18446744073709551615ull);
    wp_log_i64(&l, "i", -5);
    wp_log_str(&l, "null", NULL);
    wp_log_end(&l);
    out = drain(fd);
    const char *want = "level=error event=x plain=abc-1.2/x:y empty=\"\" space=\"a b\" eq=\"a=b\" "
                       "quote=\"say \\\"hi\\\"\\\\\" ctl=\"a\\nb\\tc\\rd\\x01\\x7f\" "
                       "utf8=\"caf\xc3\xa9\" bad=\"\\xff\\xc3\" n=18446744073709551615 i=-5 "
                       "null=\"\"\n";
    CHECK("escapes", strcmp(after_ts(out), want) == 0, "\n got  %s want %s", after_ts(out), want);
    free(out);

    /* Filtering. */
    CHECK("debug filtered at info", !wp_log_begin(&l, &lg, WP_LOG_DEBUG, "x"), "passed");
    wp_log_str(&l, "k", "v");   /* harmless after a filtered begin */
    wp_log_end(&l);
    wp_log(&lg, WP_LOG_DEBUG, "x", "no");
    wp_logger off = { .level = WP_LOG_OFF, .fd = fd };
    wp_log(&off, WP_LOG_ERROR, "x", "no");
    CHECK("NULL logger", !wp_log_begin(&l, NULL, WP_LOG_ERROR, "x"), "passed");
    out = drain(fd);
    CHECK("nothing written", out[0] == '\0', "%s", out);
    free(out);

    /* A line longer than the buffer is cut and marked. */
    char *big = malloc(10000);
    memset(big, 'a', 9999);
    big[9999] = '\0';
    if (wp_log_begin(&l, &lg, WP_LOG_WARN, "big")) {
        wp_log_str(&l, "value", big);
        wp_log_end(&l);
    }
    out = drain(fd);
    size_t len = strlen(out);
    CHECK("cut", len < sizeof l.buf && strstr(out, " truncated=true\n") &&
                     out[len - 1] == '\n' && strchr(out, '\n') == out + len - 1,
          "len %zu", len);
    free(out);
    free(big);

    /* Names. */
    static const struct { const char *s; int level; } names[] = {
        { "off", WP_LOG_OFF }, { "NONE", WP_LOG_OFF }, { "fatal", WP_LOG_ERROR },
        { "Error", WP_LOG_ERROR }, { "warn", WP_LOG_WARN }, { "WARNING", WP_LOG_WARN },
        { "info", WP_LOG_INFO }, { "DEBUG", WP_LOG_DEBUG }, { "trace", WP_LOG_TRACE },
        { "all", WP_LOG_TRACE },
    };
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        int lv = 99;
        CHECK(names[i].s, wp_log_level_parse(names[i].s, &lv) == WP_OK && lv == names[i].level,
              "%d", lv);
    }
    int lv;
    CHECK("unknown level", wp_log_level_parse("loud", &lv) == WP_ERR_ARG, "accepted");
    CHECK("NULL level", wp_log_level_parse(NULL, &lv) == WP_ERR_ARG, "accepted");
    CHECK("level names", strcmp(wp_log_level_name(WP_LOG_WARN), "warn") == 0 &&
                             strcmp(wp_log_level_name(WP_LOG_OFF), "off") == 0,
          "names");
    close(fd);
    if (failures) {
        printf("%d failure(s)\n", failures);
        return 1;
    }
    printf("all log tests passed\n");
    return 0;
}
