/* Configuration documents: YAML (through libyaml's event parser) turned
 * into a tree of maps, sequences and scalars that remembers the line and
 * column of every node, with environment variables interpolated into
 * scalar values. Also the diagnostics list and the arena everything lives
 * in. What the tree means is schema.c's business.
 */
#include "pl.h"

#include <yaml.h>

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Limits that keep a hostile file from costing much. */
#define MAX_FILE_BYTES ((size_t)16 << 20)
#define MAX_DEPTH 64
#define MAX_DIAGS 1000

/* ---------------------------------------------------------------- arena */

struct pl_chunk {
    pl_chunk *next;
    size_t    size, used;
    _Alignas(16) unsigned char data[];
};

void *pl_arena_alloc(pl_arena *a, size_t size) {
    size = (size + 15) & ~(size_t)15;
    if (size > PL_ARENA_MAX || a->total + size > PL_ARENA_MAX) return NULL;
    pl_chunk *c = a->head;
    if (!c || c->size - c->used < size) {
        size_t want = size > 16384 ? size : 16384;
        c = pl_alloc(a->engine, sizeof *c + want);
        if (!c) {
            a->nomem = true;
            return NULL;
        }
        c->size = want;
        c->used = 0;
        c->next = a->head;
        a->head = c;
    }
    void *p = c->data + c->used;
    c->used += size;
    a->total += size;
    memset(p, 0, size);
    return p;
}

char *pl_arena_strndup(pl_arena *a, const char *s, size_t n) {
    char *d = pl_arena_alloc(a, n + 1);
    if (!d) return NULL;
    if (n) memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void pl_arena_release(pl_arena *a) {
    pl_chunk *c = a->head;
    while (c) {
        pl_chunk *next = c->next;
        pl_free(a->engine, c, sizeof *c + c->size);
        c = next;
    }
    a->head = NULL;
    a->total = 0;
}

/* ---------------------------------------------------------------- diagnostics */

void wp_diags_init(wp_diags *d) { memset(d, 0, sizeof *d); }

void wp_diags_free(wp_diags *d) {
    if (!d) return;
    free(d->items);
    d->items = NULL;
    d->n = d->cap = 0;
}

void pl_diags_set_file(wp_diags *d, const char *file) {
    if (d) snprintf(d->file, sizeof d->file, "%s", file ? file : "");
}

void pl_vdiag(wp_diags *d, const pl_node *at, const char *path, const char *fmt, va_list ap) {
    if (!d) return;
    if (d->n >= MAX_DIAGS) {
        d->dropped++;
        return;
    }
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        wp_diag *items = realloc(d->items, cap * sizeof *items);
        if (!items) {
            d->dropped++;
            return;
        }
        d->items = items;
        d->cap = cap;
    }
    wp_diag *g = &d->items[d->n++];
    g->line = at ? at->line : 0;
    g->col = at ? at->col : 0;
    snprintf(g->path, sizeof g->path, "%s", path ? path : "");
    vsnprintf(g->msg, sizeof g->msg, fmt, ap);
}

void pl_diag(wp_diags *d, const pl_node *at, const char *path, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    pl_vdiag(d, at, path, fmt, ap);
    va_end(ap);
}

int wp_diag_format(const wp_diags *d, size_t i, char *buf, size_t size) {
    if (!d || i >= d->n) return snprintf(buf, size, "%s", "");
    const wp_diag *g = &d->items[i];
    char pos[300];
    if (g->line)
        snprintf(pos, sizeof pos, "%s:%u:%u", d->file, (unsigned)g->line, (unsigned)g->col);
    else
        snprintf(pos, sizeof pos, "%s", d->file);
    const char *sep1 = pos[0] ? ": " : "";
    if (g->path[0]) return snprintf(buf, size, "%s%s%s: %s", pos, sep1, g->path, g->msg);
    return snprintf(buf, size, "%s%s%s", pos, sep1, g->msg);
}

wp_status pl_error(wp_error *err, wp_status code, const char *fmt, ...) {
    if (err) {
        err->code = code;
        err->detail = 0;
        err->offset = UINT32_MAX;
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

void pl_format(char *buf, size_t size, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, size, fmt, ap);
    va_end(ap);
}

/* ---------------------------------------------------------------- tree */

const char *pl_kind_name(pl_kind k) {
    switch (k) {
    case PL_NULL: return "null";
    case PL_SCALAR: return "a scalar";
    case PL_MAP: return "a mapping";
    case PL_SEQ: return "a sequence";
    }
    return "?";
}

pl_node *pl_map_get(const pl_node *map, const char *key) {
    if (!map || map->kind != PL_MAP) return NULL;
    size_t klen = strlen(key);
    for (size_t i = 0; i < map->n; i++) {
        const pl_node *k = map->pairs[i].key;
        if (k->len == klen && memcmp(k->str, key, klen) == 0) return map->pairs[i].value;
    }
    return NULL;
}

static pl_node *new_node(pl_arena *a, pl_kind kind, uint32_t line, uint32_t col) {
    pl_node *n = pl_arena_alloc(a, sizeof *n);
    if (!n) return NULL;
    n->kind = kind;
    n->line = line;
    n->col = col;
    return n;
}

/* Room for one more entry in a map or a sequence. */
static bool grow(pl_arena *a, pl_node *n) {
    if (n->n < n->cap) return true;
    size_t cap = n->cap ? n->cap * 2 : 4;
    if (n->kind == PL_MAP) {
        pl_pair *p = pl_arena_alloc(a, cap * sizeof *p);
        if (!p) return false;
        if (n->n) memcpy(p, n->pairs, n->n * sizeof *p);
        n->pairs = p;
    } else {
        pl_node **p = pl_arena_alloc(a, cap * sizeof *p);
        if (!p) return false;
        if (n->n) memcpy(p, n->items, n->n * sizeof *p);
        n->items = p;
    }
    n->cap = cap;
    return true;
}

/* A plain scalar that reads as null in YAML. */
static bool plain_is_null(const char *s, size_t n) {
    return n == 0 || (n == 1 && s[0] == '~') ||
           (n == 4 && (!memcmp(s, "null", 4) || !memcmp(s, "Null", 4) || !memcmp(s, "NULL", 4)));
}

/* ---------------------------------------------------------------- YAML */

/* Every key seen so far, with its map, so that a duplicate is found in
 * O(1): open addressing over (map, key), at most half full. */
typedef struct key_set {
    struct key_slot { const pl_node *map, *key; } *slots;
    size_t mask;    /* size - 1; 0 before the first key */
    size_t n;
} key_set;

static uint64_t key_hash(const pl_node *map, const char *s, size_t n) {
    uint64_t h = UINT64_C(14695981039346656037) ^ (uint64_t)(uintptr_t)map;
    for (size_t i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= UINT64_C(1099511628211);
    }
    return h ^ (h >> 29);
}

static struct key_slot *key_find(const key_set *ks, const pl_node *map, const pl_node *key) {
    size_t i = (size_t)key_hash(map, key->str, key->len) & ks->mask;
    for (;; i = (i + 1) & ks->mask) {
        struct key_slot *sl = &ks->slots[i];
        if (!sl->map) return sl;
        if (sl->map == map && sl->key->len == key->len &&
            memcmp(sl->key->str, key->str, key->len) == 0)
            return sl;
    }
}

static void key_set_free(wp_engine *e, key_set *ks) {
    if (ks->slots) pl_free(e, ks->slots, (ks->mask + 1) * sizeof *ks->slots);
}

/* The key already in this map under the same name, or NULL after adding
 * this one. *oom is set when the set cannot grow. */
static const pl_node *key_add(wp_engine *e, key_set *ks, const pl_node *map, const pl_node *key,
                              bool *oom) {
    if ((ks->n + 1) * 2 > ks->mask + 1) {
        size_t size = ks->mask ? (ks->mask + 1) * 2 : 64;
        struct key_slot *slots = pl_alloc(e, size * sizeof *slots);
        if (!slots) {
            *oom = true;
            return NULL;
        }
        key_set bigger = { slots, size - 1, 0 };
        for (size_t i = 0; ks->mask && i <= ks->mask; i++)
            if (ks->slots[i].map) *key_find(&bigger, ks->slots[i].map, ks->slots[i].key) = ks->slots[i];
        bigger.n = ks->n;
        key_set_free(e, ks);
        *ks = bigger;
    }
    struct key_slot *sl = key_find(ks, map, key);
    if (sl->map) return sl->key;
    sl->map = map;
    sl->key = key;
    ks->n++;
    return NULL;
}

typedef struct builder {
    wp_config *c;
    wp_diags  *d;
    pl_subst  *sub;        /* maps positions back through substitution */
    key_set    keys;
    pl_node   *stack[MAX_DEPTH + 1];
    pl_node   *pending_key[MAX_DEPTH + 1];  /* a map's key awaiting its value */
    int        depth;
    bool       have_doc;
    bool       failed;
    bool       nomem;      /* an allocation failed (the status is WP_ERR_NOMEM) */
} builder;

/* A libyaml mark as a 1-based line and column of the file as written. */
static void mark_pos(builder *b, const yaml_mark_t *m, uint32_t *line, uint32_t *col) {
    *line = (uint32_t)(m->line + 1);
    *col = (uint32_t)(m->column + 1);
    pl_subst_pos(b->sub, line, col);
}

static uint32_t mark_line(builder *b, const yaml_mark_t *m) {
    uint32_t line, col;
    mark_pos(b, m, &line, &col);
    return line;
}

static void fail_at(builder *b, uint32_t line, uint32_t col, const char *fmt, ...)
    WP_PRINTF(4, 5);

static void fail_at(builder *b, uint32_t line, uint32_t col, const char *fmt, ...) {
    pl_node where = { .line = line, .col = col };
    va_list ap;
    va_start(ap, fmt);
    pl_vdiag(b->d, &where, NULL, fmt, ap);
    va_end(ap);
    b->failed = true;
}

static void fail_mark(builder *b, const yaml_mark_t *m, const char *fmt, ...) WP_PRINTF(3, 4);

static void fail_mark(builder *b, const yaml_mark_t *m, const char *fmt, ...) {
    pl_node where = { 0 };
    mark_pos(b, m, &where.line, &where.col);
    va_list ap;
    va_start(ap, fmt);
    pl_vdiag(b->d, &where, NULL, fmt, ap);
    va_end(ap);
    b->failed = true;
}

static bool oom(builder *b, const yaml_event_t *ev) {
    b->nomem = true;
    fail_mark(b, &ev->start_mark, "out of memory (the configuration is too large)");
    return false;
}

/* Puts a finished node where it belongs: as the root, a sequence item, a
 * map key or a map value. */
static bool attach(builder *b, pl_node *n, const yaml_event_t *ev) {
    wp_config *c = b->c;
    if (b->depth == 0) {
        c->root = n;
        return true;
    }
    pl_node *parent = b->stack[b->depth - 1];
    if (parent->kind == PL_SEQ) {
        if (!grow(&c->arena, parent)) return oom(b, ev);
        parent->items[parent->n++] = n;
        return true;
    }
    pl_node **key = &b->pending_key[b->depth - 1];
    if (!*key) {
        if (n->kind != PL_SCALAR) {
            fail_at(b, n->line, n->col, "a key must be a plain string, not %s",
                    n->kind == PL_NULL ? "empty" : pl_kind_name(n->kind));
            return false;
        }
        bool no_room = false;
        const pl_node *k = key_add(c->arena.engine, &b->keys, parent, n, &no_room);
        if (no_room) return oom(b, ev);
        if (k) {
            fail_at(b, n->line, n->col, "duplicate key '%s' (first at line %u)", n->str,
                    (unsigned)k->line);
            return false;
        }
        *key = n;
        return true;
    }
    if (!grow(&c->arena, parent)) return oom(b, ev);
    parent->pairs[parent->n].key = *key;
    parent->pairs[parent->n].value = n;
    parent->n++;
    *key = NULL;
    return true;
}

static bool tag_ok(builder *b, const yaml_char_t *tag, const yaml_event_t *ev, bool *as_str) {
    *as_str = false;
    if (!tag) return true;
    const char *t = (const char *)tag;
    if (strcmp(t, "tag:yaml.org,2002:str") == 0) {
        *as_str = true;
        return true;
    }
    if (strcmp(t, "tag:yaml.org,2002:map") == 0 || strcmp(t, "tag:yaml.org,2002:seq") == 0 ||
        strcmp(t, "tag:yaml.org,2002:int") == 0 || strcmp(t, "tag:yaml.org,2002:bool") == 0 ||
        strcmp(t, "tag:yaml.org,2002:null") == 0 || strcmp(t, "!") == 0)
        return true;
    fail_mark(b, &ev->start_mark, "YAML tag '%.100s' is not supported", t);
    return false;
}

static bool on_scalar(builder *b, const yaml_event_t *ev) {
    wp_config *c = b->c;
    uint32_t line, col;
    mark_pos(b, &ev->start_mark, &line, &col);
    const char *val = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    bool as_str;
    if (!tag_ok(b, ev->data.scalar.tag, ev, &as_str)) return false;
    if (memchr(val, '\0', len)) {
        fail_at(b, line, col, "a value may not contain a NUL character");
        return false;
    }
    bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !as_str;
    pl_node *n = new_node(&c->arena, PL_SCALAR, line, col);
    if (!n) return oom(b, ev);
    n->plain = plain;
    bool is_key = b->depth > 0 && b->stack[b->depth - 1]->kind == PL_MAP &&
                  !b->pending_key[b->depth - 1];
    const char *s = pl_arena_strndup(&c->arena, val, len);
    if (!s) return oom(b, ev);
    size_t slen = len;
    n->str = s;
    n->len = slen;
    if (plain && !is_key && plain_is_null(s, slen)) n->kind = PL_NULL;
    return attach(b, n, ev);
}

static bool on_start(builder *b, const yaml_event_t *ev, pl_kind kind, const yaml_char_t *tag) {
    uint32_t line, col;
    mark_pos(b, &ev->start_mark, &line, &col);
    bool as_str;
    if (!tag_ok(b, tag, ev, &as_str)) return false;
    if (b->depth >= MAX_DEPTH) {
        fail_at(b, line, col, "nested deeper than %d levels", MAX_DEPTH);
        return false;
    }
    if (b->depth > 0 && b->stack[b->depth - 1]->kind == PL_MAP &&
        !b->pending_key[b->depth - 1]) {
        fail_at(b, line, col, "a key must be a plain string, not %s", pl_kind_name(kind));
        return false;
    }
    pl_node *n = new_node(&b->c->arena, kind, line, col);
    if (!n) return oom(b, ev);
    b->stack[b->depth] = n;
    b->pending_key[b->depth] = NULL;
    b->depth++;
    return true;
}

static bool on_end(builder *b, const yaml_event_t *ev) {
    if (b->depth == 0) return true;
    pl_node *n = b->stack[--b->depth];
    return attach(b, n, ev);
}

static bool on_event(builder *b, const yaml_event_t *ev) {
    switch (ev->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (b->have_doc) {
            fail_mark(b, &ev->start_mark, "only one YAML document is allowed in a configuration");
            return false;
        }
        b->have_doc = true;
        return true;
    case YAML_ALIAS_EVENT:
        fail_mark(b, &ev->start_mark, "YAML aliases (*name) are not supported");
        return false;
    case YAML_SCALAR_EVENT:
        return on_scalar(b, ev);
    case YAML_SEQUENCE_START_EVENT:
        return on_start(b, ev, PL_SEQ, ev->data.sequence_start.tag);
    case YAML_MAPPING_START_EVENT:
        return on_start(b, ev, PL_MAP, ev->data.mapping_start.tag);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        return on_end(b, ev);
    default:
        return true;
    }
}

static wp_config *config_new(wp_engine *e, const char *name) {
    wp_config *c = pl_alloc(e, sizeof *c);
    if (!c) return NULL;
    c->arena.engine = e;
    c->name = pl_arena_strndup(&c->arena, name, strlen(name));
    if (!c->name) {
        pl_free(e, c, sizeof *c);
        return NULL;
    }
    return c;
}

wp_config *wp_config_create(const char *name) { return wp_config_create_in(NULL, name); }

wp_config *wp_config_create_in(wp_engine *e, const char *name) {
    wp_config *c = config_new(e, name ? name : "<config>");
    if (!c) return NULL;
    c->root = new_node(&c->arena, PL_MAP, 0, 0);
    if (!c->root) {
        wp_config_destroy(c);
        return NULL;
    }
    return c;
}

void wp_config_destroy(wp_config *c) {
    if (!c) return;
    wp_engine *e = c->arena.engine;
    pl_arena_release(&c->arena);
    pl_free(e, c, sizeof *c);
}

wp_status wp_config_load_string(const char *name, const char *text, size_t len,
                                wp_config **out, wp_diags *diags) {
    return wp_config_load_string_in(NULL, name, text, len, out, diags);
}

wp_status wp_config_load_string_in(wp_engine *e, const char *name, const char *text, size_t len,
                                   wp_config **out, wp_diags *diags) {
    *out = NULL;
    if (!name) name = "<config>";
    pl_diags_set_file(diags, name);
    if (len > MAX_FILE_BYTES) {
        pl_diag(diags, NULL, NULL, "the configuration is larger than %zu bytes", MAX_FILE_BYTES);
        return WP_ERR_INVALID;
    }
    wp_config *c = config_new(e, name);
    if (!c) {
        pl_diag(diags, NULL, NULL, "out of memory for the configuration");
        return WP_ERR_NOMEM;
    }
    /* Environment references are replaced in the text first, as Bento
     * does; a missing variable is reported and the parse goes on, so that
     * every problem of the file shows at once. */
    pl_subst sub;
    if (!pl_subst_text(&sub, e, text, len, MAX_FILE_BYTES, diags)) {
        bool nomem = sub.nomem;
        pl_subst_free(&sub);
        wp_config_destroy(c);
        return nomem ? WP_ERR_NOMEM : WP_ERR_INVALID;
    }
    builder b = { .c = c, .d = diags, .sub = &sub, .failed = sub.missing > 0 };
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        pl_subst_free(&sub);
        wp_config_destroy(c);
        pl_diag(diags, NULL, NULL, "out of memory");
        return WP_ERR_NOMEM;
    }
    text = sub.out;
    len = sub.out_len;
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    for (;;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&parser, &ev)) {
            const char *problem = parser.problem ? parser.problem : "syntax error";
            if (parser.error == YAML_READER_ERROR) {
                /* Encoding errors come with a byte offset, not a mark. */
                uint32_t line, col;
                pl_subst_offset_pos(&sub, parser.problem_offset < len ? parser.problem_offset : len,
                                    &line, &col);
                fail_at(&b, line, col, "YAML: %s (byte %zu)", problem, parser.problem_offset);
            } else if (parser.context)
                fail_mark(&b, &parser.problem_mark, "YAML: %s (%s at line %u)", problem,
                          parser.context, mark_line(&b, &parser.context_mark));
            else
                fail_mark(&b, &parser.problem_mark, "YAML: %s", problem);
            break;
        }
        bool go = on_event(&b, &ev);
        bool end = ev.type == YAML_STREAM_END_EVENT;
        yaml_event_delete(&ev);
        if (!go || end) break;
    }
    yaml_parser_delete(&parser);
    key_set_free(e, &b.keys);
    bool nomem = b.nomem || sub.nomem;
    pl_subst_free(&sub);
    if (b.failed || nomem) {
        wp_config_destroy(c);
        return nomem ? WP_ERR_NOMEM : WP_ERR_INVALID;
    }
    if (!c->root) {
        c->root = new_node(&c->arena, PL_NULL, 1, 1);
        if (!c->root) {
            wp_config_destroy(c);
            pl_diag(diags, NULL, NULL, "out of memory for the configuration");
            return WP_ERR_NOMEM;
        }
    }
    *out = c;
    return WP_OK;
}

wp_status wp_config_load_file(const char *path, wp_config **out, wp_diags *diags) {
    return wp_config_load_file_in(NULL, path, out, diags);
}

wp_status wp_config_load_file_in(wp_engine *e, const char *path, wp_config **out,
                                 wp_diags *diags) {
    *out = NULL;
    pl_diags_set_file(diags, path);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        pl_diag(diags, NULL, NULL, "cannot open the configuration: %s", strerror(errno));
        return WP_ERR_IO;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        pl_diag(diags, NULL, NULL, "cannot read the configuration: it is a directory");
        return WP_ERR_IO;
    }
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            if (cap > MAX_FILE_BYTES) {
                pl_free(e, buf, cap + 1);
                close(fd);
                pl_diag(diags, NULL, NULL, "the configuration is larger than %zu bytes",
                        MAX_FILE_BYTES);
                return WP_ERR_INVALID;
            }
            size_t ncap = cap ? cap * 2 : 8192;
            char *nb = pl_realloc(e, buf, buf ? cap + 1 : 0, ncap + 1);
            if (!nb) {
                pl_free(e, buf, cap + 1);
                close(fd);
                pl_diag(diags, NULL, NULL, "out of memory reading the configuration");
                return WP_ERR_NOMEM;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t got = read(fd, buf + n, cap - n);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            int en = errno;
            pl_free(e, buf, cap + 1);
            close(fd);
            pl_diag(diags, NULL, NULL, "cannot read the configuration: %s", strerror(en));
            return WP_ERR_IO;
        }
        if (got == 0) break;
        n += (size_t)got;
    }
    close(fd);
    wp_status s = wp_config_load_string_in(e, path, buf ? buf : "", n, out, diags);
    pl_free(e, buf, cap + 1);
    return s;
}

/* ---------------------------------------------------------------- wp_config_set */

#define MAX_SEGMENTS 32

typedef struct segment {
    const char *key;   /* NULL for an index */
    size_t      klen;
    size_t      index;
} segment;

static wp_status parse_path(const char *path, segment *seg, size_t *nseg, wp_error *err) {
    const char *p = path;
    size_t n = 0;
    if (!*p) return pl_error(err, WP_ERR_ARG, "empty path");
    while (*p) {
        if (n == MAX_SEGMENTS) return pl_error(err, WP_ERR_ARG, "%s: too deep", path);
        if (*p == '[') {
            char *end;
            errno = 0;
            unsigned long idx = strtoul(p + 1, &end, 10);
            if (end == p + 1 || *end != ']' || errno || p[1] == '-' || p[1] == '+')
                return pl_error(err, WP_ERR_ARG, "%s: bad index at '%s'", path, p);
            seg[n++] = (segment){ NULL, 0, idx };
            p = end + 1;
        } else {
            size_t kl = strcspn(p, ".[");
            if (kl == 0) return pl_error(err, WP_ERR_ARG, "%s: empty name in the path", path);
            seg[n++] = (segment){ p, kl, 0 };
            p += kl;
        }
        if (*p == '.') {
            p++;
            if (!*p || *p == '.' || *p == '[')
                return pl_error(err, WP_ERR_ARG, "%s: empty name in the path", path);
        } else if (*p && *p != '[') {
            return pl_error(err, WP_ERR_ARG, "%s: expected '.' or '[' at '%s'", path, p);
        }
    }
    *nseg = n;
    return WP_OK;
}

static pl_node *find_child(const pl_node *cur, const segment *sg) {
    if (sg->key) {
        if (cur->kind != PL_MAP) return NULL;
        for (size_t i = 0; i < cur->n; i++)
            if (cur->pairs[i].key->len == sg->klen &&
                memcmp(cur->pairs[i].key->str, sg->key, sg->klen) == 0)
                return cur->pairs[i].value;
        return NULL;
    }
    return cur->kind == PL_SEQ && sg->index < cur->n ? cur->items[sg->index] : NULL;
}

/* Checks that the path can be set without changing anything, so that a
 * failed call leaves the configuration as it was. */
static wp_status check_path(const wp_config *c, const char *path, const segment *seg, size_t n,
                            wp_error *err) {
    const pl_node *cur = c->root;
    for (size_t i = 0; i < n; i++) {
        const segment *sg = &seg[i];
        if (!cur) {
            /* Everything below here is new: a new sequence starts empty. */
            if (!sg->key && sg->index != 0)
                return pl_error(err, WP_ERR_ARG, "%s: index %zu is past the end (0 items)", path,
                                sg->index);
            continue;
        }
        if (sg->key && cur->kind != PL_MAP && cur->kind != PL_NULL)
            return pl_error(err, WP_ERR_ARG, "%s: '%.*s' is under %s, not a mapping", path,
                            (int)sg->klen, sg->key, pl_kind_name(cur->kind));
        if (!sg->key && cur->kind != PL_SEQ && cur->kind != PL_NULL)
            return pl_error(err, WP_ERR_ARG, "%s: %s is not a sequence", path,
                            pl_kind_name(cur->kind));
        size_t have = cur->kind == PL_SEQ ? cur->n : 0;
        if (!sg->key && sg->index > have)
            return pl_error(err, WP_ERR_ARG, "%s: index %zu is past the end (%zu items)", path,
                            sg->index, have);
        cur = find_child(cur, sg);
    }
    if (cur && (cur->kind == PL_MAP || cur->kind == PL_SEQ))
        return pl_error(err, WP_ERR_ARG, "%s: is %s, not a single value", path,
                        pl_kind_name(cur->kind));
    return WP_OK;
}

wp_status wp_config_set(wp_config *c, const char *path, const char *value, wp_error *err) {
    if (!c || !path || !value) return pl_error(err, WP_ERR_ARG, "wp_config_set: NULL argument");
    if (strlen(value) > MAX_FILE_BYTES)
        return pl_error(err, WP_ERR_ARG, "%s: value too long", path);
    segment seg[MAX_SEGMENTS];
    size_t n = 0;
    wp_status s = parse_path(path, seg, &n, err);
    if (s == WP_OK) s = check_path(c, path, seg, n, err);
    if (s != WP_OK) return s;
    pl_arena *a = &c->arena;
    pl_node *cur = c->root;
    for (size_t i = 0; i < n; i++) {
        const segment *sg = &seg[i];
        pl_node *next = find_child(cur, sg);
        if (!next) {
            if (cur->kind == PL_NULL) cur->kind = sg->key ? PL_MAP : PL_SEQ;
            next = new_node(a, PL_NULL, 0, 0);
            if (!next || !grow(a, cur)) return pl_error(err, WP_ERR_NOMEM, "out of memory");
            if (sg->key) {
                pl_node *k = new_node(a, PL_SCALAR, 0, 0);
                char *ks = pl_arena_strndup(a, sg->key, sg->klen);
                if (!k || !ks) return pl_error(err, WP_ERR_NOMEM, "out of memory");
                k->str = ks;
                k->len = sg->klen;
                k->plain = true;
                cur->pairs[cur->n].key = k;
                cur->pairs[cur->n].value = next;
            } else {
                cur->items[cur->n] = next;
            }
            cur->n++;
        }
        cur = next;
    }
    size_t vl = strlen(value);
    const char *v = pl_arena_strndup(a, value, vl);
    if (!v) return pl_error(err, WP_ERR_NOMEM, "out of memory");
    cur->str = v;
    cur->len = vl;
    cur->plain = true;
    cur->kind = plain_is_null(v, vl) ? PL_NULL : PL_SCALAR;
    return WP_OK;
}
