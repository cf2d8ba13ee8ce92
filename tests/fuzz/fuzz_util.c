/* Helpers shared by the fuzz targets: the status check that turns an
 * internal error into a crash, the watchdog that bounds guest calls, and
 * file and temporary-directory helpers.
 *
 * The watchdog's state is process-wide because libFuzzer's entry point has
 * no context argument; one target runs per process, one input at a time.
 */
#include "fuzz.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

static pthread_once_t verbose_once = PTHREAD_ONCE_INIT;
static int verbose;

static void verbose_init(void)
{
    const char *v = getenv("WP_FUZZ_VERBOSE");
    verbose = v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

void fuzz_log(const char *fmt, ...)
{
    pthread_once(&verbose_once, verbose_init);
    if (!verbose)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void fuzz_check_status(const char *where, wp_status s, const wp_error *err)
{
    if (s < WP_OK || s > WP_ERR_INTERNAL)
        fuzz_fail("%s: status %d is not a wp_status", where, (int)s);
    if (s == WP_OK)
        return;
    /* The message must be a terminated string, whatever went wrong. */
    if (memchr(err->msg, '\0', sizeof err->msg) == NULL)
        fuzz_fail("%s: error message is not NUL-terminated", where);
    if (s == WP_ERR_INTERNAL)
        fuzz_fail("%s: internal error: %s", where, err->msg);
}

/* ---------------------------------------------------------------- watchdog */

static struct {
    pthread_once_t  once;
    pthread_mutex_t lock;
    wp_instance    *inst;       /* NULL: nothing is being watched */
    wp_interrupt   *handle;     /* or this, for an instance being created */
    uint64_t        deadline;   /* CLOCK_MONOTONIC, ns */
} watch = { PTHREAD_ONCE_INIT, PTHREAD_MUTEX_INITIALIZER, NULL, NULL, 0 };

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void *watch_main(void *arg)
{
    (void)arg;
    const struct timespec tick = { 0, 2 * 1000 * 1000 };
    for (;;) {
        nanosleep(&tick, NULL);
        pthread_mutex_lock(&watch.lock);
        /* Repeated on every tick while the deadline is past: an interrupt
         * that lands just before a call begins is cleared by the engine. */
        if ((watch.inst != NULL || watch.handle != NULL) && now_ns() >= watch.deadline) {
            wp_instance_interrupt(watch.inst);
            wp_interrupt_fire(watch.handle);
        }
        pthread_mutex_unlock(&watch.lock);
    }
    return NULL;
}

static void watch_start(void)
{
    pthread_t t;
    if (pthread_create(&t, NULL, watch_main, NULL) != 0)
        fuzz_fail("cannot start the watchdog thread");
    pthread_detach(t);
}

void fuzz_watch_begin(wp_instance *in, unsigned ms)
{
    pthread_once(&watch.once, watch_start);
    pthread_mutex_lock(&watch.lock);
    watch.inst = in;
    watch.deadline = now_ns() + (uint64_t)ms * 1000000u;
    pthread_mutex_unlock(&watch.lock);
}

void fuzz_watch_begin_handle(wp_interrupt *h, unsigned ms)
{
    pthread_once(&watch.once, watch_start);
    pthread_mutex_lock(&watch.lock);
    watch.handle = h;
    watch.deadline = now_ns() + (uint64_t)ms * 1000000u;
    pthread_mutex_unlock(&watch.lock);
}

void fuzz_watch_end(void)
{
    pthread_mutex_lock(&watch.lock);
    watch.inst = NULL;
    watch.handle = NULL;
    pthread_mutex_unlock(&watch.lock);
}

/* ---------------------------------------------------------------- files */

uint8_t *fuzz_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fuzz_fail("cannot open %s: %s", path, strerror(errno));
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (buf == NULL)
            fuzz_fail("out of memory reading %s", path);
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        if (cap >= ((size_t)64 << 20))
            fuzz_fail("%s is larger than 64 MiB", path);
        cap *= 2;
        buf = realloc(buf, cap);
    }
    if (ferror(f))
        fuzz_fail("cannot read %s", path);
    fclose(f);
    *len = n;
    return buf;
}

char *fuzz_make_temp_dir(const char *tag)
{
    const char *base = getenv("TMPDIR");
    if (access("/dev/shm", W_OK) == 0)
        base = "/dev/shm";
    else if (base == NULL || base[0] == '\0')
        base = "/tmp";
    size_t n = strlen(base) + strlen(tag) + 32;
    char *path = malloc(n);
    if (path == NULL)
        fuzz_fail("out of memory");
    snprintf(path, n, "%s/wasmpipe-fuzz-%s-XXXXXX", base, tag);
    if (mkdtemp(path) == NULL)
        fuzz_fail("cannot create a directory like %s: %s", path, strerror(errno));
    return path;
}

/* Empties the directory open as dirfd; closes dirfd. */
static void empty_at(int dirfd, const char *where)
{
    DIR *d = fdopendir(dirfd);
    if (d == NULL)
        fuzz_fail("cannot list %s: %s", where, strerror(errno));
    struct dirent *ent;
    while ((ent = readdir(d)) != NULL) {
        const char *name = ent->d_name;
        if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
            continue;
        if (unlinkat(dirfd, name, 0) == 0)
            continue;
        if (errno != EISDIR && errno != EPERM)
            fuzz_fail("cannot remove %s/%s: %s", where, name, strerror(errno));
        int sub = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
        if (sub < 0)
            fuzz_fail("cannot open %s/%s: %s", where, name, strerror(errno));
        empty_at(sub, where);
        if (unlinkat(dirfd, name, AT_REMOVEDIR) != 0)
            fuzz_fail("cannot remove %s/%s: %s", where, name, strerror(errno));
        /* The listing may have changed under readdir: start over. */
        rewinddir(d);
    }
    closedir(d);
}

void fuzz_empty_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW);
    if (fd < 0)
        fuzz_fail("cannot open %s: %s", dir, strerror(errno));
    empty_at(fd, dir);
}
