/* Path patterns of the file input, as Bento expands them: `*`, `?` and
 * `[...]` match within one path component (a leading `.` only explicitly),
 * and a component that is exactly `**` matches any number of directories,
 * none included (a "super-glob": logs, then `**`, then `*.log` finds every
 * .log file below logs). `**` does not enter hidden directories or follow
 * symbolic links to directories, so a link cycle cannot make it loop. A
 * pattern that names an existing file literally is that file, so a file
 * whose name holds `[` still matches itself. Directories that a pattern
 * matches are skipped: only files are results. Results are sorted and
 * free of duplicates.
 */
#include "pl.h"

#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Bounds on what one pattern may cost. */
#define MAX_MATCHES 100000
#define MAX_DEPTH 64
#define MAX_COMPONENTS 128

typedef struct walker {
    pl_paths   *out;
    const char *comp[MAX_COMPONENTS];
    size_t      ncomp;
    bool        absolute;
    bool        too_many;
    bool        oom;
} walker;

void pl_paths_free(pl_paths *p) {
    for (size_t i = 0; i < p->n; i++) pl_strfree(p->engine, p->v[i]);
    pl_free(p->engine, p->v, p->cap * sizeof *p->v);
    p->v = NULL;
    p->n = p->cap = 0;
}

static void add(walker *w, const char *path) {
    pl_paths *o = w->out;
    if (o->n >= MAX_MATCHES) {
        w->too_many = true;
        return;
    }
    if (o->n == o->cap) {
        size_t cap = o->cap ? o->cap * 2 : 16;
        char **v = pl_realloc(o->engine, o->v, o->cap * sizeof *v, cap * sizeof *v);
        if (!v) {
            w->oom = true;
            return;
        }
        o->v = v;
        o->cap = cap;
    }
    char *copy = pl_strdup(o->engine, path);
    if (!copy) {
        w->oom = true;
        return;
    }
    o->v[o->n++] = copy;
}

static bool has_magic(const char *s) { return strpbrk(s, "*?[\\") != NULL; }

/* base + "/" + name, or name alone when base is empty (the current
 * directory); false when it does not fit. */
static bool join(char *buf, size_t size, const char *base, const char *name) {
    int n;
    if (base[0] == '\0')
        n = snprintf(buf, size, "%s", name);
    else if (strcmp(base, "/") == 0)
        n = snprintf(buf, size, "/%s", name);
    else
        n = snprintf(buf, size, "%s/%s", base, name);
    return n >= 0 && (size_t)n < size;
}

static bool stopped(const walker *w) { return w->too_many || w->oom; }

/* A finished path: files (and FIFOs, devices) count, directories do not. */
static void candidate(walker *w, const char *path) {
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISDIR(st.st_mode)) add(w, path);
}

static void walk(walker *w, const char *base, size_t idx, int depth);

/* Every entry of base whose name matches comp (a pattern), in turn. */
static void each_match(walker *w, const char *base, const char *comp, size_t next, int depth) {
    DIR *d = opendir(base[0] ? base : ".");
    if (!d) return;   /* not a directory, or unreadable: nothing below */
    struct dirent *de;
    char path[4096];
    while (!stopped(w) && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        if (fnmatch(comp, de->d_name, FNM_PERIOD) != 0) continue;
        if (!join(path, sizeof path, base, de->d_name)) continue;
        walk(w, path, next, depth + 1);
    }
    closedir(d);
}

/* `**` at comp[idx]: nothing, or one more directory and `**` again. */
static void super(walker *w, const char *base, size_t idx, int depth) {
    walk(w, base, idx + 1, depth);
    if (depth >= MAX_DEPTH) return;
    DIR *d = opendir(base[0] ? base : ".");
    if (!d) return;
    struct dirent *de;
    char path[4096];
    while (!stopped(w) && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') continue;   /* ".", "..", hidden */
        if (!join(path, sizeof path, base, de->d_name)) continue;
        struct stat st;
        if (lstat(path, &st) != 0 || !S_ISDIR(st.st_mode)) continue;   /* no links */
        super(w, path, idx, depth + 1);
    }
    closedir(d);
}

static void walk(walker *w, const char *base, size_t idx, int depth) {
    if (stopped(w) || depth > MAX_DEPTH * 2) return;
    if (idx == w->ncomp) {
        if (base[0]) candidate(w, base);
        return;
    }
    const char *comp = w->comp[idx];
    if (strcmp(comp, "**") == 0) {
        super(w, base, idx, depth);
        return;
    }
    if (!has_magic(comp)) {
        char path[4096];
        if (!join(path, sizeof path, base, comp)) return;
        if (idx + 1 == w->ncomp) {
            candidate(w, path);
            return;
        }
        struct stat st;
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) walk(w, path, idx + 1, depth + 1);
        return;
    }
    each_match(w, base, comp, idx + 1, depth);
}

static int by_name(const void *a, const void *b) {
    return strcmp(*(char *const *)a, *(char *const *)b);
}

wp_status pl_glob(wp_engine *e, const char *pattern, pl_paths *out, char *why,
                  size_t why_size) {
    memset(out, 0, sizeof *out);
    out->engine = e;
    walker w = { .out = out };
    /* A file named literally is itself, whatever its name holds. */
    struct stat st;
    if (stat(pattern, &st) == 0 && !S_ISDIR(st.st_mode)) {
        add(&w, pattern);
        if (w.oom) {
            pl_format(why, why_size, "out of memory");
            return WP_ERR_NOMEM;
        }
        return WP_OK;
    }
    size_t len = strlen(pattern);
    if (len >= 4096) {
        pl_format(why, why_size, "the pattern is longer than 4095 bytes");
        return WP_ERR_INVALID;
    }
    char *copy = pl_strdup(e, pattern);
    if (!copy) {
        pl_format(why, why_size, "out of memory");
        return WP_ERR_NOMEM;
    }
    w.absolute = copy[0] == '/';
    char *save = NULL;
    for (char *tok = strtok_r(copy, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
        if (w.ncomp == MAX_COMPONENTS) {
            pl_free(e, copy, len + 1);
            pl_format(why, why_size, "more than %d path components", MAX_COMPONENTS);
            return WP_ERR_INVALID;
        }
        w.comp[w.ncomp++] = tok;
    }
    walk(&w, w.absolute ? "/" : "", 0, 0);
    pl_free(e, copy, len + 1);
    if (w.oom) {
        pl_paths_free(out);
        pl_format(why, why_size, "out of memory");
        return WP_ERR_NOMEM;
    }
    if (w.too_many) {
        pl_paths_free(out);
        pl_format(why, why_size, "matches more than %d files", MAX_MATCHES);
        return WP_ERR_INVALID;
    }
    if (out->n > 1) /* qsort of an empty array would take a NULL base */
        qsort(out->v, out->n, sizeof *out->v, by_name);
    size_t k = 0;
    for (size_t i = 0; i < out->n; i++) {
        if (k > 0 && strcmp(out->v[k - 1], out->v[i]) == 0) {
            pl_strfree(e, out->v[i]);
            continue;
        }
        out->v[k++] = out->v[i];
    }
    out->n = k;
    return WP_OK;
}
