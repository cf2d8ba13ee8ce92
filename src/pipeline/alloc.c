/* The pipeline layer's heap: every allocation of src/pipeline goes through
 * the engine's allocator (wp_engine_alloc) so that an embedder counts, caps
 * or fails it in the same place as the engine's own. A NULL engine means
 * libc, for a configuration loaded without one and for tests that drive a
 * reader or a batch alone. Memory comes back zeroed either way, and sizes
 * are those asked for, as the engine's allocator needs them.
 */
#include "pl.h"

#include <stdlib.h>
#include <string.h>

void *pl_alloc(wp_engine *e, size_t size) {
    if (e) return wp_engine_alloc(e, size);
    return calloc(1, size ? size : 1);
}

void *pl_realloc(wp_engine *e, void *p, size_t old_size, size_t new_size) {
    if (e) return wp_engine_realloc(e, p, old_size, new_size);
    unsigned char *q = realloc(p, new_size ? new_size : 1);
    if (q && new_size > old_size) memset(q + old_size, 0, new_size - old_size);
    return q;
}

void pl_free(wp_engine *e, void *p, size_t size) {
    if (!p) return;
    if (e)
        wp_engine_free(e, p, size);
    else
        free(p);
}

char *pl_strdup(wp_engine *e, const char *s) {
    size_t n = strlen(s) + 1;
    char *d = pl_alloc(e, n);
    if (d) memcpy(d, s, n);
    return d;
}

void pl_strfree(wp_engine *e, char *s) {
    if (s) pl_free(e, s, strlen(s) + 1);
}
