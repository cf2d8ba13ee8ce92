/* What the fuzz targets share: the libFuzzer entry point every target
 * defines, a watchdog thread that interrupts a guest call that runs past
 * its deadline (a guest's endless loop is not a bug, so it is bounded, not
 * reported), a check that turns a status meaning "bug in wasmpipe" into a
 * crash the fuzzer records, and small file helpers.
 *
 * Targets are built twice from the same source: with libFuzzer
 * (-fsanitize=fuzzer) and with replay.c's main(), which feeds the files of
 * a corpus to the same LLVMFuzzerTestOneInput under CTest.
 */
#ifndef WP_FUZZ_H
#define WP_FUZZ_H

#include <wasmpipe/runtime.h>

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Aborts, printing where and the error, when s says wasmpipe found a bug in
 * itself (WP_ERR_INTERNAL) or a status outside the enum. Any other status
 * is an ordinary answer to hostile input. */
void fuzz_check_status(const char *where, wp_status s, const wp_error *err);

/* Prints to stderr when WP_FUZZ_VERBOSE is set in the environment (read
 * once), to see what a replayed input does; nothing otherwise. */
void fuzz_log(const char *fmt, ...) WP_PRINTF(1, 2);

/* Aborts with a message: an invariant of the API was broken. */
void fuzz_fail(const char *fmt, ...) WP_PRINTF(1, 2);

/* Watchdog: between fuzz_watch_begin and fuzz_watch_end, `in` is
 * interrupted (repeatedly) once `ms` milliseconds have passed. The thread is
 * started on first use and lives as long as the process. */
void fuzz_watch_begin(wp_instance *in, unsigned ms);
/* The same through an interrupt handle, for wp_instance_create (whose
 * start function runs before there is an instance to interrupt). */
void fuzz_watch_begin_handle(wp_interrupt *h, unsigned ms);
void fuzz_watch_end(void);

/* Reads a whole file (at most 64 MiB) into a malloc'd buffer; aborts with a
 * message naming the file when it cannot. */
uint8_t *fuzz_read_file(const char *path, size_t *len);

/* A fresh private directory: under /dev/shm when it is writable (so that
 * the guest's fsyncs cost nothing), else $TMPDIR or /tmp. Aborts on
 * failure. Returns a malloc'd path. */
char *fuzz_make_temp_dir(const char *tag);

/* Removes everything inside dir (not dir itself), never following symbolic
 * links. Aborts when something cannot be removed, since later inputs would
 * then see leftovers. */
void fuzz_empty_dir(const char *dir);

#endif
