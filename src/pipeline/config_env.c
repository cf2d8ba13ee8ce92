/* Environment variables in a configuration, substituted in the text before
 * it is parsed, as Bento does: so a reference may stand anywhere (a value,
 * a key, part of a flow list such as `paths: [ ${P} ]`), and what it holds
 * is read as YAML. References are ${VAR}, ${VAR:default} (the default when
 * VAR is unset or empty) and ${{...}}, which stands for the literal text
 * ${...}. As in Bento, a newline in a substituted value becomes the two
 * characters \n, so a value can never add lines.
 *
 * The substituted text is what libyaml parses, so its positions are those
 * of that text; the spans recorded here map them back to the file as
 * written. Lookups come in document order, so each side keeps a cursor and
 * mapping every node of a document costs time linear in its size.
 */
#include "pl.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* A default or a ${{...}} body longer than this is not one: the text is
 * kept as it is. It bounds the rescanning a hostile file can cause. */
#define MAX_REF_BODY 1024
#define MAX_NAME 255

/* ---------------------------------------------------------------- output */

typedef struct expander {
    wp_engine *engine;   /* whose allocator; NULL: libc */
    char    *p;
    size_t   n, cap;
    size_t   limit;      /* the most bytes the output may have */
    bool     oom, too_big;
    pl_span *spans;      /* NULL: not wanted */
    size_t   nspans, cap_spans;
    bool     want_spans;
    /* Called for a reference to an unset variable without a default. */
    void   (*missing)(void *user, size_t in_off, const char *name);
    void    *user;
    bool     missing_any;
} expander;

static void put(expander *x, const char *s, size_t n) {
    if (x->oom || x->too_big) return;
    if (x->n + n > x->limit) {
        x->too_big = true;
        return;
    }
    if (x->n + n + 1 > x->cap) {
        size_t cap = x->cap ? x->cap : 256;
        while (cap < x->n + n + 1) cap *= 2;
        char *p = pl_realloc(x->engine, x->p, x->cap, cap);
        if (!p) {
            x->oom = true;
            return;
        }
        x->p = p;
        x->cap = cap;
    }
    memcpy(x->p + x->n, s, n);
    x->n += n;
    x->p[x->n] = '\0';
}

/* A value goes in with each newline written as \n. */
static void put_value(expander *x, const char *s, size_t n) {
    for (;;) {
        const char *nl = memchr(s, '\n', n);
        if (!nl) {
            put(x, s, n);
            return;
        }
        put(x, s, (size_t)(nl - s));
        put(x, "\\n", 2);
        n -= (size_t)(nl - s) + 1;
        s = nl + 1;
    }
}

static void span(expander *x, size_t in_start, size_t in_end, size_t out_start) {
    if (!x->want_spans || x->oom) return;
    if (x->nspans == x->cap_spans) {
        size_t cap = x->cap_spans ? x->cap_spans * 2 : 16;
        pl_span *s = pl_realloc(x->engine, x->spans, x->cap_spans * sizeof *s, cap * sizeof *s);
        if (!s) {
            x->oom = true;
            return;
        }
        x->spans = s;
        x->cap_spans = cap;
    }
    x->spans[x->nspans++] = (pl_span){ in_start, in_end, out_start, x->n };
}

/* ---------------------------------------------------------------- references */

static bool is_word(char c) { return isalnum((unsigned char)c) || c == '_'; }

/* Length of a variable name at s: words joined by single dots. */
static size_t name_len(const char *s, size_t n) {
    size_t i = 0;
    while (i < n) {
        if (is_word(s[i])) {
            i++;
        } else if (s[i] == '.' && i > 0 && is_word(s[i - 1]) && i + 1 < n && is_word(s[i + 1])) {
            i++;
        } else {
            break;
        }
    }
    return i;
}

/* Index of the '}' closing a default that starts at s[0], or n when there
 * is none within MAX_REF_BODY bytes. Braces nest, so a default may itself
 * hold ${...} text. */
static size_t default_end(const char *s, size_t n) {
    int depth = 1;
    size_t stop = n < MAX_REF_BODY ? n : MAX_REF_BODY;
    for (size_t i = 0; i < stop; i++) {
        if (s[i] == '{') depth++;
        if (s[i] == '}' && --depth == 0) return i;
    }
    return n;
}

/* Substitutes every reference in s[0..n). */
static void expand(expander *x, const char *s, size_t n) {
    size_t i = 0;
    while (i < n && !x->oom && !x->too_big) {
        const char *dollar = memchr(s + i, '$', n - i);
        size_t stop = dollar ? (size_t)(dollar - s) : n;
        put(x, s + i, stop - i);
        i = stop;
        if (i >= n) break;
        /* s[i] == '$' */
        size_t out0 = x->n;
        if (i + 1 >= n || s[i + 1] != '{') {
            put(x, "$", 1);
            i++;
            continue;
        }
        if (i + 2 < n && s[i + 2] == '{') {
            /* ${{...}} stands for a literal ${...}. */
            size_t body = i + 3, window = n - body < MAX_REF_BODY ? n - body : MAX_REF_BODY;
            const char *close = NULL;
            for (size_t j = 0; j + 1 < window + 1 && body + j + 1 < n; j++)
                if (s[body + j] == '}' && s[body + j + 1] == '}') {
                    close = s + body + j;
                    break;
                }
            if (!close) {
                put(x, "$", 1);
                i++;
                continue;
            }
            put(x, "${", 2);
            put(x, s + body, (size_t)(close - (s + body)));
            put(x, "}", 1);
            size_t end = (size_t)(close - s) + 2;
            span(x, i, end, out0);
            i = end;
            continue;
        }
        size_t nl = name_len(s + i + 2, n - i - 2);
        size_t after = i + 2 + nl;
        if (nl == 0 || nl > MAX_NAME || after >= n || (s[after] != '}' && s[after] != ':')) {
            put(x, "$", 1);   /* not a reference: keep the text */
            i++;
            continue;
        }
        char name[MAX_NAME + 1];
        memcpy(name, s + i + 2, nl);
        name[nl] = '\0';
        const char *val = getenv(name);
        if (s[after] == '}') {
            if (!val) {
                x->missing_any = true;
                if (x->missing) x->missing(x->user, i, name);
            } else {
                put_value(x, val, strlen(val));
            }
            span(x, i, after + 1, out0);
            i = after + 1;
            continue;
        }
        size_t dstart = after + 1;
        size_t dlen = default_end(s + dstart, n - dstart);
        if (dstart + dlen >= n) {
            put(x, "$", 1);   /* unterminated: literal text */
            i++;
            continue;
        }
        if (val && val[0])
            put_value(x, val, strlen(val));
        else
            put_value(x, s + dstart, dlen);
        span(x, i, dstart + dlen + 1, out0);
        i = dstart + dlen + 1;
    }
}

/* ---------------------------------------------------------------- one value */

typedef struct value_ctx {
    const pl_node *at;
    wp_diags      *d;
} value_ctx;

static void value_missing(void *user, size_t in_off, const char *name) {
    (void)in_off;
    value_ctx *v = user;
    pl_diag(v->d, v->at, NULL,
            "environment variable '%s' is not set and has no default "
            "(write ${%s:default}, or ${%s:} for an empty one)",
            name, name, name);
}

bool pl_interpolate(pl_arena *a, const char *s, size_t n, const pl_node *at, wp_diags *d,
                    const char **out, size_t *out_len) {
    if (!memchr(s, '$', n)) {
        *out = s;
        *out_len = n;
        return true;
    }
    value_ctx v = { at, d };
    expander x = { .engine = a->engine, .limit = PL_ARENA_MAX, .missing = value_missing,
                   .user = &v };
    expand(&x, s, n);
    bool ok = !x.missing_any;
    if (x.oom || x.too_big) {
        pl_diag(d, at, NULL, "out of memory interpolating environment variables");
        ok = false;
    }
    if (ok) {
        char *r = pl_arena_strndup(a, x.p ? x.p : "", x.n);
        if (!r) {
            pl_diag(d, at, NULL, "out of memory interpolating environment variables");
            ok = false;
        } else {
            *out = r;
            *out_len = x.n;
        }
    }
    pl_free(x.engine, x.p, x.cap);
    return ok;
}

/* ---------------------------------------------------------------- lines */

/* Where each line starts, by libyaml's rules: \n, \r\n, a lone \r, and the
 * Unicode breaks NEL, LS and PS end a line. A UTF-8 byte order mark is
 * not part of the first line's columns. */
static bool line_table(wp_engine *e, const char *s, size_t n, size_t **out, size_t *count,
                       size_t *out_cap) {
    size_t cap = 64, k = 0;
    size_t *v = pl_alloc(e, cap * sizeof *v);
    if (!v) return false;
    v[k++] = n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
    for (size_t i = 0; i < n; i++) {
        size_t next = 0;
        unsigned char c = (unsigned char)s[i];
        if (c == '\n') {
            next = i + 1;
        } else if (c == '\r') {
            next = (i + 1 < n && s[i + 1] == '\n') ? i + 2 : i + 1;
        } else if (c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] == 0x85) {
            next = i + 2;
        } else if (c == 0xe2 && i + 2 < n && (unsigned char)s[i + 1] == 0x80 &&
                   ((unsigned char)s[i + 2] == 0xa8 || (unsigned char)s[i + 2] == 0xa9)) {
            next = i + 3;
        }
        if (!next) continue;
        if (k == cap) {
            size_t *nv = pl_realloc(e, v, cap * sizeof *nv, cap * 2 * sizeof *nv);
            if (!nv) {
                pl_free(e, v, cap * sizeof *v);
                return false;
            }
            v = nv;
            cap *= 2;
        }
        v[k++] = next;
        i = next - 1;
    }
    *out = v;
    *count = k;
    *out_cap = cap;
    return true;
}

static bool utf8_cont(char c) { return ((unsigned char)c & 0xc0) == 0x80; }

/* ---------------------------------------------------------------- the text */

typedef struct text_ctx {
    pl_subst *s;
    wp_diags *d;
} text_ctx;

static void text_missing(void *user, size_t in_off, const char *name) {
    text_ctx *t = user;
    uint32_t line, col;
    pl_subst_in_pos(t->s, in_off, &line, &col);
    pl_node where = { .line = line, .col = col };
    pl_diag(t->d, &where, NULL,
            "environment variable '%s' is not set and has no default "
            "(write ${%s:default}, or ${%s:} for an empty one)",
            name, name, name);
}

bool pl_subst_text(pl_subst *s, wp_engine *e, const char *in, size_t n, size_t limit,
                   wp_diags *d) {
    memset(s, 0, sizeof *s);
    s->engine = e;
    s->in = in;
    s->in_len = n;
    s->out = in;
    s->out_len = n;
    if (!memchr(in, '$', n)) return true;
    if (!line_table(e, in, n, &s->in_lines, &s->nin_lines, &s->in_lines_cap)) {
        s->nomem = true;
        pl_diag(d, NULL, NULL, "out of memory substituting environment variables");
        return false;
    }
    text_ctx t = { s, d };
    expander x = { .engine = e, .limit = limit, .want_spans = true, .missing = text_missing,
                   .user = &t };
    expand(&x, in, n);
    s->spans = x.spans;
    s->nspans = x.nspans;
    s->spans_cap = x.cap_spans;
    if (x.oom || x.too_big) {
        pl_free(e, x.p, x.cap);
        s->nomem = x.oom;
        if (x.oom)
            pl_diag(d, NULL, NULL, "out of memory substituting environment variables");
        else
            pl_diag(d, NULL, NULL,
                    "the configuration is larger than %zu bytes once environment variables "
                    "are substituted", limit);
        return false;
    }
    s->missing = x.missing_any;
    if (s->nspans == 0) {
        pl_free(e, x.p, x.cap);   /* only $ signs that are not references */
        return true;
    }
    s->own = x.p ? x.p : NULL;
    s->own_cap = x.cap;
    s->out = x.p ? x.p : "";
    s->out_len = x.n;
    if (!line_table(e, s->out, s->out_len, &s->out_lines, &s->nout_lines, &s->out_lines_cap)) {
        s->nomem = true;
        pl_diag(d, NULL, NULL, "out of memory substituting environment variables");
        return false;
    }
    return true;
}

void pl_subst_free(pl_subst *s) {
    wp_engine *e = s->engine;
    pl_free(e, s->own, s->own_cap);
    pl_free(e, s->spans, s->spans_cap * sizeof *s->spans);
    pl_free(e, s->in_lines, s->in_lines_cap * sizeof *s->in_lines);
    pl_free(e, s->out_lines, s->out_lines_cap * sizeof *s->out_lines);
    memset(s, 0, sizeof *s);
}

/* The byte offset in the original of a byte offset in the output. */
static size_t in_offset(const pl_subst *s, size_t o) {
    size_t lo = 0, hi = s->nspans;   /* the first span with out_start > o */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->spans[mid].out_start <= o)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo == 0) return o;
    const pl_span *sp = &s->spans[lo - 1];
    if (o == sp->out_start || o < sp->out_end) return sp->in_start;
    return sp->in_end + (o - sp->out_end);
}

void pl_subst_in_pos(pl_subst *s, size_t i, uint32_t *line, uint32_t *col) {
    if (!s->in_lines &&
        !line_table(s->engine, s->in, s->in_len, &s->in_lines, &s->nin_lines, &s->in_lines_cap)) {
        *line = 1;
        *col = (uint32_t)i + 1;
        return;
    }
    size_t ln;
    if (s->in_cache_byte && s->in_cache_line < s->nin_lines && i >= s->in_cache_byte &&
        (s->in_cache_line + 1 >= s->nin_lines || i < s->in_lines[s->in_cache_line + 1])) {
        ln = s->in_cache_line;
    } else {
        size_t lo = 0, hi = s->nin_lines;   /* the first line starting after i */
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (s->in_lines[mid] <= i)
                lo = mid + 1;
            else
                hi = mid;
        }
        ln = lo ? lo - 1 : 0;
        s->in_cache_line = ln;
        s->in_cache_byte = s->in_lines[ln];
        s->in_cache_col = 0;
    }
    size_t from = s->in_cache_byte, c = s->in_cache_col;
    if (i < from) {   /* before the cursor on its line: count from the start */
        from = s->in_lines[ln];
        c = 0;
    }
    for (size_t k = from; k < i && k < s->in_len; k++)
        if (!utf8_cont(s->in[k])) c++;
    s->in_cache_byte = i;
    s->in_cache_col = c;
    *line = (uint32_t)(ln + 1);
    *col = (uint32_t)(c + 1);
}

void pl_subst_offset_pos(pl_subst *s, size_t out_off, uint32_t *line, uint32_t *col) {
    pl_subst_in_pos(s, s->nspans ? in_offset(s, out_off) : out_off, line, col);
}

void pl_subst_pos(pl_subst *s, uint32_t *line, uint32_t *col) {
    if (s->nspans == 0 || *line == 0) return;   /* nothing moved */
    size_t ln = *line - 1, want = *col ? *col - 1 : 0;
    if (ln >= s->nout_lines) ln = s->nout_lines - 1;
    size_t end = ln + 1 < s->nout_lines ? s->out_lines[ln + 1] : s->out_len;
    size_t at = s->out_lines[ln], c = 0;
    if (s->out_cache_line == ln + 1 && s->out_cache_col <= want) {
        at = s->out_cache_byte;
        c = s->out_cache_col;
    }
    while (c < want && at < end) {
        at++;
        while (at < end && utf8_cont(s->out[at])) at++;
        c++;
    }
    s->out_cache_line = ln + 1;
    s->out_cache_col = c;
    s->out_cache_byte = at;
    pl_subst_offset_pos(s, at, line, col);
}
