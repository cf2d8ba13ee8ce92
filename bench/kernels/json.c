/* Per-message kernel: parse a JSON log record into a tree, change it, and
 * serialise it again, which is the shape of work a stream processor's guest
 * does for each message. The parser is a recursive-descent one that decodes
 * string escapes (including \u to UTF-8) and keeps integers as int64 and
 * other numbers as their text; the change bumps "id", renames "msg" to
 * "message", drops nulls, uppercases the user name, adds the sum of the
 * integer "values" and a "seen" flag. 64 different records are made at
 * start-up and used in turn. Size: thousands of records (full 1000,
 * quick 10). */
#include "kernel.h"

#define NMSG      64
#define MAX_NODES 256
#define SCRATCH   4096
#define OUT_LEN   8192

/* ------------------------------------------------------------ tree */

enum jtype { J_NULL, J_FALSE, J_TRUE, J_INT, J_NUM, J_STR, J_ARR, J_OBJ };

typedef struct jnode {
    uint8_t  type;
    uint32_t key_off, key_len;   /* member name in the scratch area (objects) */
    uint32_t str_off, str_len;   /* J_STR: scratch; J_NUM: the input text */
    int64_t  i;                  /* J_INT */
    int32_t  child, next;        /* first child, next sibling; -1 for none */
} jnode;

typedef struct parser {
    const char *p, *end;
    const char *text;            /* start of the record, for J_NUM slices */
    jnode   nodes[MAX_NODES];
    uint32_t nnodes;
    char     scratch[SCRATCH];
    uint32_t nscratch;
    int      depth;
} parser;

static void skip_ws(parser *ps)
{
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\n' || *ps->p == '\t' || *ps->p == '\r'))
        ps->p++;
}

static int32_t new_node(parser *ps, uint8_t type)
{
    if (ps->nnodes >= MAX_NODES)
        return -1;
    jnode *n = &ps->nodes[ps->nnodes];
    memset(n, 0, sizeof *n);
    n->type = type;
    n->child = n->next = -1;
    return (int32_t)ps->nnodes++;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static int put_scratch(parser *ps, char c)
{
    if (ps->nscratch >= SCRATCH)
        return -1;
    ps->scratch[ps->nscratch++] = c;
    return 0;
}

/* Decodes a string (the opening quote already consumed) into the scratch
 * area. Only BMP \u escapes are accepted; surrogates are an error. */
static int parse_string(parser *ps, uint32_t *off, uint32_t *len)
{
    *off = ps->nscratch;
    while (ps->p < ps->end) {
        char c = *ps->p++;
        if (c == '"') {
            *len = ps->nscratch - *off;
            return 0;
        }
        if ((unsigned char)c < 0x20)
            return -1;
        if (c != '\\') {
            if (put_scratch(ps, c))
                return -1;
            continue;
        }
        if (ps->p >= ps->end)
            return -1;
        char e = *ps->p++;
        switch (e) {
        case '"': case '\\': case '/': c = e; break;
        case 'b': c = '\b'; break;
        case 'f': c = '\f'; break;
        case 'n': c = '\n'; break;
        case 'r': c = '\r'; break;
        case 't': c = '\t'; break;
        case 'u': {
            if (ps->end - ps->p < 4)
                return -1;
            uint32_t cp = 0;
            for (int k = 0; k < 4; k++) {
                int d = hex_digit(ps->p[k]);
                if (d < 0)
                    return -1;
                cp = cp << 4 | (uint32_t)d;
            }
            ps->p += 4;
            if (cp >= 0xd800 && cp <= 0xdfff)
                return -1;
            if (cp < 0x80) {
                c = (char)cp;
                break;
            }
            if (cp < 0x800) {
                if (put_scratch(ps, (char)(0xc0 | cp >> 6)))
                    return -1;
            } else {
                if (put_scratch(ps, (char)(0xe0 | cp >> 12)) ||
                    put_scratch(ps, (char)(0x80 | (cp >> 6 & 0x3f))))
                    return -1;
            }
            c = (char)(0x80 | (cp & 0x3f));
            break;
        }
        default:
            return -1;
        }
        if (put_scratch(ps, c))
            return -1;
    }
    return -1;
}

static int32_t parse_value(parser *ps);

static int32_t parse_number(parser *ps)
{
    const char *start = ps->p;
    int neg = 0, is_int = 1;
    uint64_t mag = 0;
    if (*ps->p == '-') {
        neg = 1;
        ps->p++;
    }
    if (ps->p >= ps->end || *ps->p < '0' || *ps->p > '9')
        return -1;
    while (ps->p < ps->end && *ps->p >= '0' && *ps->p <= '9') {
        uint64_t d = (uint64_t)(*ps->p - '0');
        if (mag > (UINT64_MAX - d) / 10)
            is_int = 0;   /* too big for int64: keep it as text */
        else
            mag = mag * 10 + d;
        ps->p++;
    }
    while (ps->p < ps->end && (*ps->p == '.' || *ps->p == 'e' || *ps->p == 'E' || *ps->p == '+' ||
                               *ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9'))) {
        is_int = 0;
        ps->p++;
    }
    if (is_int && mag > (uint64_t)INT64_MAX + (uint64_t)neg)
        is_int = 0;
    int32_t id = new_node(ps, is_int ? J_INT : J_NUM);
    if (id < 0)
        return -1;
    jnode *n = &ps->nodes[id];
    if (is_int)
        n->i = neg ? (int64_t)(0 - mag) : (int64_t)mag;
    n->str_off = (uint32_t)(start - ps->text);
    n->str_len = (uint32_t)(ps->p - start);
    return id;
}

static int literal(parser *ps, const char *word, uint32_t n)
{
    if ((uint32_t)(ps->end - ps->p) < n || memcmp(ps->p, word, n) != 0)
        return -1;
    ps->p += n;
    return 0;
}

static int32_t parse_container(parser *ps, int is_obj)
{
    int32_t id = new_node(ps, is_obj ? J_OBJ : J_ARR);
    if (id < 0 || ++ps->depth > 32)
        return -1;
    int32_t last = -1;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == (is_obj ? '}' : ']')) {
        ps->p++;
        ps->depth--;
        return id;
    }
    for (;;) {
        uint32_t koff = 0, klen = 0;
        skip_ws(ps);
        if (is_obj) {
            if (ps->p >= ps->end || *ps->p++ != '"' || parse_string(ps, &koff, &klen))
                return -1;
            skip_ws(ps);
            if (ps->p >= ps->end || *ps->p++ != ':')
                return -1;
        }
        int32_t v = parse_value(ps);
        if (v < 0)
            return -1;
        ps->nodes[v].key_off = koff;
        ps->nodes[v].key_len = klen;
        if (last < 0)
            ps->nodes[id].child = v;
        else
            ps->nodes[last].next = v;
        last = v;
        skip_ws(ps);
        if (ps->p >= ps->end)
            return -1;
        char c = *ps->p++;
        if (c == ',')
            continue;
        if (c != (is_obj ? '}' : ']'))
            return -1;
        ps->depth--;
        return id;
    }
}

static int32_t parse_value(parser *ps)
{
    skip_ws(ps);
    if (ps->p >= ps->end)
        return -1;
    char c = *ps->p;
    if (c == '{' || c == '[') {
        ps->p++;
        return parse_container(ps, c == '{');
    }
    if (c == '"') {
        ps->p++;
        int32_t id = new_node(ps, J_STR);
        if (id < 0 || parse_string(ps, &ps->nodes[id].str_off, &ps->nodes[id].str_len))
            return -1;
        return id;
    }
    if (c == 't')
        return literal(ps, "true", 4) ? -1 : new_node(ps, J_TRUE);
    if (c == 'f')
        return literal(ps, "false", 5) ? -1 : new_node(ps, J_FALSE);
    if (c == 'n')
        return literal(ps, "null", 4) ? -1 : new_node(ps, J_NULL);
    return parse_number(ps);
}

/* ------------------------------------------------------------ output */

typedef struct out {
    char    *buf;
    uint32_t len, cap;
    int      overflow;
} out;

static void put(out *o, const char *s, uint32_t n)
{
    if (o->len + n > o->cap) {
        o->overflow = 1;
        return;
    }
    memcpy(o->buf + o->len, s, n);
    o->len += n;
}

/* Appends a string literal; its length comes from the compiler. */
#define PUT_LIT(o, lit) put((o), (lit), (uint32_t)(sizeof(lit) - 1))

static void put_char(out *o, char c)
{
    if (o->len >= o->cap) {
        o->overflow = 1;
        return;
    }
    o->buf[o->len++] = c;
}

static void put_int(out *o, int64_t v)
{
    char tmp[24];
    int n = 0;
    uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + mag % 10);
        mag /= 10;
    } while (mag);
    if (v < 0)
        put_char(o, '-');
    while (n > 0)
        put_char(o, tmp[--n]);
}

static void put_string(out *o, const char *s, uint32_t n)
{
    static const char hex[] = "0123456789abcdef";
    put_char(o, '"');
    for (uint32_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\') {
            put_char(o, '\\');
            put_char(o, (char)c);
        } else if (c == '\n') {
            PUT_LIT(o, "\\n");
        } else if (c == '\t') {
            PUT_LIT(o, "\\t");
        } else if (c < 0x20) {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            put(o, esc, 6);
        } else {
            put_char(o, (char)c);
        }
    }
    put_char(o, '"');
}

static void emit(const parser *ps, int32_t id, out *o);

static void emit_members(const parser *ps, const jnode *n, out *o)
{
    int first = 1;
    for (int32_t c = n->child; c >= 0; c = ps->nodes[c].next) {
        if (!first)
            put_char(o, ',');
        first = 0;
        if (n->type == J_OBJ) {
            put_string(o, ps->scratch + ps->nodes[c].key_off, ps->nodes[c].key_len);
            put_char(o, ':');
        }
        emit(ps, c, o);
    }
}

static void emit(const parser *ps, int32_t id, out *o)
{
    const jnode *n = &ps->nodes[id];
    switch (n->type) {
    case J_NULL:  PUT_LIT(o, "null"); break;
    case J_FALSE: PUT_LIT(o, "false"); break;
    case J_TRUE:  PUT_LIT(o, "true"); break;
    case J_INT:   put_int(o, n->i); break;
    case J_NUM:   put(o, ps->text + n->str_off, n->str_len); break;
    case J_STR:   put_string(o, ps->scratch + n->str_off, n->str_len); break;
    case J_ARR:
        put_char(o, '[');
        emit_members(ps, n, o);
        put_char(o, ']');
        break;
    default:
        put_char(o, '{');
        emit_members(ps, n, o);
        put_char(o, '}');
        break;
    }
}

/* ------------------------------------------------------------ transform */

static int key_is(const parser *ps, const jnode *n, const char *k)
{
    uint32_t len = (uint32_t)strlen(k);
    return n->key_len == len && memcmp(ps->scratch + n->key_off, k, len) == 0;
}

static int32_t add_key(parser *ps, int32_t id, const char *k)
{
    uint32_t len = (uint32_t)strlen(k);
    if (id < 0 || ps->nscratch + len > SCRATCH)
        return -1;
    memcpy(ps->scratch + ps->nscratch, k, len);
    ps->nodes[id].key_off = ps->nscratch;
    ps->nodes[id].key_len = len;
    ps->nscratch += len;
    return id;
}

static int transform(parser *ps, int32_t root, int64_t bump)
{
    jnode *obj = &ps->nodes[root];
    if (obj->type != J_OBJ)
        return -1;
    int64_t total = 0;
    int32_t prev = -1, last = -1;
    for (int32_t c = obj->child; c >= 0; c = ps->nodes[c].next) {
        jnode *n = &ps->nodes[c];
        if (n->type == J_NULL) {            /* unlink */
            if (prev < 0)
                obj->child = n->next;
            else
                ps->nodes[prev].next = n->next;
            continue;
        }
        if (key_is(ps, n, "id") && n->type == J_INT)
            n->i += bump;
        else if (key_is(ps, n, "msg"))
            add_key(ps, c, "message");
        else if (key_is(ps, n, "values") && n->type == J_ARR) {
            for (int32_t v = n->child; v >= 0; v = ps->nodes[v].next)
                if (ps->nodes[v].type == J_INT)
                    total += ps->nodes[v].i;
        } else if (key_is(ps, n, "user") && n->type == J_OBJ) {
            for (int32_t u = n->child; u >= 0; u = ps->nodes[u].next) {
                jnode *un = &ps->nodes[u];
                if (un->type == J_STR && key_is(ps, un, "name")) {
                    char *s = ps->scratch + un->str_off;
                    for (uint32_t k = 0; k < un->str_len; k++)
                        if (s[k] >= 'a' && s[k] <= 'z')
                            s[k] = (char)(s[k] - 32);
                }
            }
        }
        prev = last = c;
    }
    int32_t t = add_key(ps, new_node(ps, J_INT), "total");
    int32_t seen = add_key(ps, new_node(ps, J_TRUE), "seen");
    if (t < 0 || seen < 0)
        return -1;
    ps->nodes[t].i = total;
    ps->nodes[t].next = seen;
    if (last < 0)
        obj->child = t;
    else
        ps->nodes[last].next = t;
    return 0;
}

/* ------------------------------------------------------------ input */

static void gen_word(out *o, uint32_t *st)
{
    static const char *const words[] = {"alpha", "bravo", "charlie", "delta", "echo", "foxtrot",
                                        "golf", "hotel", "india", "juliett", "kilo", "lima"};
    const char *w = words[rng_next(st) % 12];
    put(o, w, (uint32_t)strlen(w));
}

static void gen_record(out *o, uint32_t *st, uint32_t i)
{
    static const char *const levels[] = {"\"info\"", "\"warn\"", "\"error\"", "\"debug\""};
    static const char *const escapes[] = {"\\\"", "\\\\", "\\n", "\\t", "\\u00e9", "\\u263a",
                                          "\\/", "\\u0001"};
    PUT_LIT(o, "{\"id\":");
    put_int(o, (int64_t)(rng_next(st) % 1000000));
    PUT_LIT(o, ", \"ts\":");
    put_int(o, 1700000000000 + (int64_t)i * 1234567);
    PUT_LIT(o, ",\"level\":");
    const char *lv = levels[rng_next(st) % 4];
    put(o, lv, (uint32_t)strlen(lv));
    PUT_LIT(o, ",\"user\":{\"name\":\"");
    gen_word(o, st);
    put_char(o, '_');
    put_int(o, rng_next(st) % 1000);
    PUT_LIT(o, "\",\"email\":\"");
    gen_word(o, st);
    PUT_LIT(o, "@example.com\",\"roles\":[");
    uint32_t nroles = 1 + rng_next(st) % 3;
    for (uint32_t r = 0; r < nroles; r++) {
        if (r)
            put_char(o, ',');
        put_char(o, '"');
        gen_word(o, st);
        put_char(o, '"');
    }
    PUT_LIT(o, "]},\"msg\":\"");
    uint32_t nwords = 6 + rng_next(st) % 18;
    for (uint32_t w = 0; w < nwords; w++) {
        if (w)
            put_char(o, ' ');
        gen_word(o, st);
        if (rng_next(st) % 5 == 0) {
            const char *e = escapes[rng_next(st) % 8];
            put(o, e, (uint32_t)strlen(e));
        }
    }
    PUT_LIT(o, "\",\n \"values\":[");
    uint32_t nvals = 2 + rng_next(st) % 10;
    for (uint32_t v = 0; v < nvals; v++) {
        if (v)
            PUT_LIT(o, ", ");
        uint32_t r = rng_next(st);
        if (r % 7 == 0) {
            put_int(o, r % 100);
            PUT_LIT(o, ".25");
        } else if (r % 11 == 0) {
            PUT_LIT(o, "1.5e-3");
        } else {
            put_int(o, (int64_t)(r % 200000) - 100000);
        }
    }
    PUT_LIT(o, "],\"ratio\":0.75,\"ok\":");
    if (rng_next(st) & 1)
        PUT_LIT(o, "true");
    else
        PUT_LIT(o, "false");
    PUT_LIT(o, ",\"extra\":null,\"tags\":{}}");
}

/* ------------------------------------------------------------ main */

int main(int argc, char **argv)
{
    uint32_t thousands = kernel_size(argc, argv, 1000, 10);
    if (thousands > UINT32_MAX / 1000) {
        fprintf(stderr, "json: at most %" PRIu32 " thousand records\n", UINT32_MAX / 1000);
        return 2;
    }
    char *input = malloc(NMSG * 1024);
    uint32_t *start = malloc((NMSG + 1) * sizeof *start);
    char *outbuf = malloc(OUT_LEN);
    parser *ps = malloc(sizeof *ps);
    if (!input || !start || !outbuf || !ps) {
        fprintf(stderr, "json: out of memory\n");
        return 1;
    }
    out gen = {input, 0, NMSG * 1024, 0};
    uint32_t st = 0x5eed1234u;
    for (uint32_t m = 0; m < NMSG; m++) {
        start[m] = gen.len;
        gen_record(&gen, &st, m);
    }
    start[NMSG] = gen.len;
    if (gen.overflow) {
        fprintf(stderr, "json: generated records do not fit\n");
        return 1;
    }

    uint64_t sum = 0;
    uint32_t errors = 0;
    uint32_t records = thousands * 1000;
    for (uint32_t r = 0; r < records; r++) {
        uint32_t m = r % NMSG;
        ps->text = ps->p = input + start[m];
        ps->end = input + start[m + 1];
        ps->nnodes = ps->nscratch = 0;
        ps->depth = 0;
        int32_t root = parse_value(ps);
        if (root < 0 || transform(ps, root, (int64_t)r) != 0) {
            errors++;
            continue;
        }
        out o = {outbuf, 0, OUT_LEN, 0};
        emit(ps, root, &o);
        if (o.overflow) {
            errors++;
            continue;
        }
        uint64_t h = o.len;
        uint32_t k = 0;
        for (; k + 8 <= o.len; k += 8) {
            uint64_t w;
            memcpy(&w, outbuf + k, 8);
            h = mix64(h, w);
        }
        for (; k < o.len; k++)
            h = mix64(h, (uint8_t)outbuf[k]);
        sum = mix64(sum, h);
    }
    if (errors) {
        fprintf(stderr, "json: %" PRIu32 " records failed to parse or serialise\n", errors);
        return 1;
    }
    free(input);
    free(start);
    free(outbuf);
    free(ps);
    return kernel_report("json", thousands, sum);
}
