/* Mixed integer kernel in the spirit of CoreMark (its workload categories,
 * written for this harness): each iteration runs a linked-list pass (find,
 * reverse, merge sort through a comparator function pointer), a small integer
 * matrix multiply, a state machine that classifies number-like tokens, and a
 * CRC-16 over what they produced. The CRC seeds the next iteration's changes
 * to the inputs, so no iteration can be skipped or hoisted. Size: iterations
 * (full 50000, quick 500). */
#include "kernel.h"

/* ------------------------------------------------------------ CRC-16 */

/* Bitwise CRC-16 (reflected polynomial 0x8408): a bit loop with a
 * data-dependent branch, on purpose, rather than a table lookup. */
static uint16_t crc16_byte(uint16_t crc, uint8_t b)
{
    crc ^= b;
    for (int i = 0; i < 8; i++)
        crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0x8408) : (uint16_t)(crc >> 1);
    return crc;
}

static uint16_t crc16_u32(uint16_t crc, uint32_t v)
{
    crc = crc16_byte(crc, (uint8_t)v);
    crc = crc16_byte(crc, (uint8_t)(v >> 8));
    crc = crc16_byte(crc, (uint8_t)(v >> 16));
    return crc16_byte(crc, (uint8_t)(v >> 24));
}

/* ------------------------------------------------------------ list */

#define LIST_N 160

typedef struct node {
    struct node *next;
    int32_t value;
    uint32_t idx;
} node;

typedef int (*node_cmp)(const node *a, const node *b);

static int cmp_value(const node *a, const node *b)
{
    return (a->value > b->value) - (a->value < b->value);
}

static int cmp_idx(const node *a, const node *b)
{
    return (a->idx > b->idx) - (a->idx < b->idx);
}

/* Bottom-up merge sort of a singly linked list; stable. */
static node *list_sort(node *head, node_cmp cmp)
{
    for (uint32_t width = 1;; width *= 2) {
        node *p = head, *tail = NULL;
        uint32_t merges = 0;
        head = NULL;
        while (p) {
            merges++;
            node *q = p;
            uint32_t psize = 0;
            while (psize < width && q) {
                psize++;
                q = q->next;
            }
            uint32_t qsize = width;
            while (psize > 0 || (qsize > 0 && q)) {
                node *e;
                if (psize == 0) {
                    e = q; q = q->next; qsize--;
                } else if (qsize == 0 || !q || cmp(p, q) <= 0) {
                    e = p; p = p->next; psize--;
                } else {
                    e = q; q = q->next; qsize--;
                }
                if (tail)
                    tail->next = e;
                else
                    head = e;
                tail = e;
            }
            p = q;
        }
        if (tail)
            tail->next = NULL;
        if (merges <= 1)
            return head;
    }
}

static node *list_reverse(node *head)
{
    node *prev = NULL;
    while (head) {
        node *next = head->next;
        head->next = prev;
        prev = head;
        head = next;
    }
    return prev;
}

/* Position of the first node holding v, or -1. */
static int32_t list_find(const node *head, int32_t v)
{
    int32_t pos = 0;
    for (; head; head = head->next, pos++)
        if (head->value == v)
            return pos;
    return -1;
}

static uint16_t list_work(node *pool, uint16_t seed, uint16_t crc)
{
    /* Perturb a few values, then relink in index order. */
    for (uint32_t k = 0; k < 4; k++) {
        uint32_t at = (seed * 31u + k * 97u) % LIST_N;
        pool[at].value = (int32_t)((seed ^ (k << 7)) % 512u) - 256;
    }
    for (uint32_t i = 0; i + 1 < LIST_N; i++)
        pool[i].next = &pool[i + 1];
    pool[LIST_N - 1].next = NULL;
    node *head = &pool[0];

    for (uint32_t k = 0; k < 16; k++) {
        int32_t want = (int32_t)((seed + k * 37u) % 512u) - 256;
        crc = crc16_u32(crc, (uint32_t)list_find(head, want));
    }
    head = list_reverse(head);
    head = list_sort(head, cmp_value);
    uint32_t acc = 0, pos = 0;
    for (node *n = head; n; n = n->next, pos++)
        acc += (uint32_t)n->value * (pos + 1) ^ n->idx;
    crc = crc16_u32(crc, acc);
    head = list_sort(head, cmp_idx);
    crc = crc16_u32(crc, head->idx + (uint32_t)head->next->value);
    return crc;
}

/* ------------------------------------------------------------ matrix */

#define MAT_N 20

static uint16_t matrix_work(int16_t *a, int16_t *b, int32_t *c, uint16_t seed, uint16_t crc)
{
    a[seed % (MAT_N * MAT_N)] = (int16_t)((seed & 0xff) - 128);
    b[(seed >> 3) % (MAT_N * MAT_N)] = (int16_t)(((seed >> 8) & 0xff) - 128);
    for (int i = 0; i < MAT_N; i++) {
        for (int j = 0; j < MAT_N; j++) {
            int32_t s = 0;
            for (int k = 0; k < MAT_N; k++)
                s += (int32_t)a[i * MAT_N + k] * b[k * MAT_N + j];
            c[i * MAT_N + j] = s;
        }
    }
    /* Reduce the product the way CoreMark does: add a constant, then
     * collect a few bit fields of each element. */
    uint32_t acc = 0;
    int32_t biggest = INT32_MIN;
    for (int i = 0; i < MAT_N * MAT_N; i++) {
        int32_t v = c[i] + (int32_t)seed;
        if (v > biggest)
            biggest = v;
        acc += ((uint32_t)v >> 2 & 0xf) + ((uint32_t)v >> 5 & 0x7f);
    }
    crc = crc16_u32(crc, acc);
    return crc16_u32(crc, (uint32_t)biggest);
}

/* ------------------------------------------------------------ state machine */

#define TEXT_LEN 800

enum scan_state { S_START, S_SIGN, S_INT, S_ZERO, S_DOT, S_FRAC, S_EXP, S_EXP_SIGN,
                  S_EXP_DIGITS, S_HEX_X, S_HEX, S_INVALID, S_COUNT };

/* Classifies each comma-separated token as an integer, decimal, exponent
 * number, hex number or invalid, counting the final states and every state
 * change, as a tokenizer would. */
static uint16_t scan_work(char *text, uint16_t seed, uint16_t crc)
{
    static const char alphabet[] = "0123456789+-.eEx,a";
    text[seed % TEXT_LEN] = alphabet[(seed >> 4) % (sizeof alphabet - 1)];

    uint32_t final[S_COUNT] = {0};
    uint32_t changes = 0;
    enum scan_state s = S_START;
    for (uint32_t i = 0; i <= TEXT_LEN; i++) {
        char ch = i < TEXT_LEN ? text[i] : ',';
        enum scan_state next = s;
        if (ch == ',') {
            final[s]++;
            next = S_START;
        } else {
            int digit = ch >= '0' && ch <= '9';
            switch (s) {
            case S_START:
                next = ch == '0' ? S_ZERO : digit ? S_INT : (ch == '+' || ch == '-') ? S_SIGN
                       : ch == '.' ? S_DOT : S_INVALID;
                break;
            case S_SIGN:
                next = digit ? S_INT : ch == '.' ? S_DOT : S_INVALID;
                break;
            case S_ZERO:
                next = (ch == 'x') ? S_HEX_X : digit ? S_INT : ch == '.' ? S_DOT
                       : (ch == 'e' || ch == 'E') ? S_EXP : S_INVALID;
                break;
            case S_INT:
                next = digit ? S_INT : ch == '.' ? S_DOT : (ch == 'e' || ch == 'E') ? S_EXP
                       : S_INVALID;
                break;
            case S_DOT:
                next = digit ? S_FRAC : S_INVALID;
                break;
            case S_FRAC:
                next = digit ? S_FRAC : (ch == 'e' || ch == 'E') ? S_EXP : S_INVALID;
                break;
            case S_EXP:
                next = digit ? S_EXP_DIGITS : (ch == '+' || ch == '-') ? S_EXP_SIGN : S_INVALID;
                break;
            case S_EXP_SIGN:
            case S_EXP_DIGITS:
                next = digit ? S_EXP_DIGITS : S_INVALID;
                break;
            case S_HEX_X:
            case S_HEX:
                next = (digit || (ch >= 'a' && ch <= 'f') || (ch >= 'A' && ch <= 'F')) ? S_HEX
                       : S_INVALID;
                break;
            default:
                next = S_INVALID;
                break;
            }
        }
        changes += next != s;
        s = next;
    }
    for (int k = 0; k < S_COUNT; k++)
        crc = crc16_u32(crc, final[k]);
    return crc16_u32(crc, changes);
}

static void make_text(char *text, uint32_t *st)
{
    static const char *const shapes[] = {"%d", "-%d", "%d.%d", "%d.%de-%d", "0x%d", "%da", "+.%d",
                                         "0%d", "%dE+%d"};
    uint32_t n = 0;
    while (n < TEXT_LEN) {
        const char *shape = shapes[rng_next(st) % 9];
        for (const char *p = shape; *p && n < TEXT_LEN; p++) {
            if (p[0] == '%' && p[1] == 'd') {
                uint32_t digits = 1 + rng_next(st) % 4;
                for (uint32_t d = 0; d < digits && n < TEXT_LEN; d++)
                    text[n++] = (char)('0' + rng_next(st) % 10);
                p++;
            } else {
                text[n++] = *p;
            }
        }
        if (n < TEXT_LEN)
            text[n++] = ',';
    }
}

/* ------------------------------------------------------------ main */

int main(int argc, char **argv)
{
    uint32_t iters = kernel_size(argc, argv, 50000, 500);
    node *pool = malloc(LIST_N * sizeof *pool);
    int16_t *a = malloc(MAT_N * MAT_N * sizeof *a);
    int16_t *b = malloc(MAT_N * MAT_N * sizeof *b);
    int32_t *c = malloc(MAT_N * MAT_N * sizeof *c);
    char *text = malloc(TEXT_LEN);
    if (!pool || !a || !b || !c || !text) {
        fprintf(stderr, "mixed: out of memory\n");
        return 1;
    }
    uint32_t st = 0xc0ffee11u;
    for (uint32_t i = 0; i < LIST_N; i++) {
        pool[i].idx = i;
        pool[i].value = (int32_t)(rng_next(&st) % 512u) - 256;
    }
    for (uint32_t i = 0; i < MAT_N * MAT_N; i++) {
        a[i] = (int16_t)((int32_t)(rng_next(&st) % 256u) - 128);
        b[i] = (int16_t)((int32_t)(rng_next(&st) % 256u) - 128);
    }
    make_text(text, &st);

    uint16_t crc = 0xffff;
    uint64_t sum = 0;
    for (uint32_t it = 0; it < iters; it++) {
        uint16_t seed = (uint16_t)(crc ^ it);
        crc = list_work(pool, seed, crc);
        crc = matrix_work(a, b, c, (uint16_t)(seed * 3u + 1u), crc);
        crc = scan_work(text, (uint16_t)(seed * 5u + 7u), crc);
        sum = mix64(sum, crc);
    }
    free(pool);
    free(a);
    free(b);
    free(c);
    free(text);
    return kernel_report("mixed", iters, sum);
}
