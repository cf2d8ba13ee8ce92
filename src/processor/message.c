/* Messages: a byte string, metadata (byte-string keys to byte-string
 * values, in insertion order) and an error text. Buffers keep their
 * capacity when the content shrinks, and entries past nmeta keep theirs as
 * spares, so a message reused from one call to the next (the processor's
 * staging message is one) stops allocating. Metadata is a small array
 * searched linearly: messages carry a handful of keys, and a hash table
 * would cost more than it saves at that size. A message that gathers many
 * keys (a guest may set any number) gets a hash index over them once it
 * passes META_INDEX_MIN, so that setting or reading N keys costs O(N) and
 * not O(N^2); the index is rebuilt lazily after a delete or a clear.
 *
 * A message allocates through the engine it was made with
 * (wp_message_create_in), or libc without one. Its bytes may be libc's
 * even then (wp_message_adopt_bytes), so the buffer remembers whose it is.
 */
#include "proc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Below this many keys a linear scan beats hashing. */
#define META_INDEX_MIN 16

/* What an empty message's bytes point at, so callers never see NULL. */
static const uint8_t empty_bytes[1];

/* Small buffers double, so that a reused message stops reallocating soon;
 * large ones get what they need, so a big message never costs twice. */
static size_t grow_cap(size_t need)
{
    if (need >= ((size_t)1 << 20))
        return need;
    size_t cap = 16;
    while (cap < need)
        cap *= 2;
    return cap;
}

/* The allocator of a message: the engine's, or libc's for e NULL. Sizes
 * are those asked for, as the engine's allocator needs them. */
static void *mem_alloc(wp_engine *e, size_t size)
{
    return e != NULL ? wp_engine_alloc(e, size) : malloc(size ? size : 1);
}

static void mem_free(wp_engine *e, void *p, size_t size)
{
    if (e != NULL)
        wp_engine_free(e, p, size);
    else
        free(p);
}

static void *mem_realloc(wp_engine *e, void *p, size_t old_size, size_t new_size)
{
    if (e != NULL)
        return wp_engine_realloc(e, p, old_size, new_size);
    return realloc(p, new_size ? new_size : 1);
}

static void free_data(wp_message *m)
{
    mem_free(m->data_engine, m->data, m->cap);
    m->data = NULL;
    m->cap = 0;
    m->len = 0;
}

static void free_error(wp_message *m)
{
    if (m->error != NULL)
        mem_free(m->engine, m->error, strlen(m->error) + 1);
    m->error = NULL;
}

static char *copy_text(wp_engine *e, const char *text)
{
    size_t n = strlen(text) + 1;
    char *copy = mem_alloc(e, n);
    if (copy != NULL)
        memcpy(copy, text, n);
    return copy;
}

wp_message *wp_message_create_in(wp_engine *e, const uint8_t *data, size_t len)
{
    wp_message *m = mem_alloc(e, sizeof *m);
    if (m == NULL)
        return NULL;
    memset(m, 0, sizeof *m);
    m->engine = e;
    m->data_engine = e;
    if (wp_message_set_bytes(m, data, len) != WP_OK) {
        mem_free(e, m, sizeof *m);
        return NULL;
    }
    return m;
}

wp_message *wp_message_create(const uint8_t *data, size_t len)
{
    return wp_message_create_in(NULL, data, len);
}

void wp_message_destroy(wp_message *m)
{
    if (m == NULL)
        return;
    wp_engine *e = m->engine;
    for (size_t i = 0; i < m->cap_meta; i++)
        if (m->meta[i].buf != NULL)
            mem_free(e, m->meta[i].buf, m->meta[i].cap);
    mem_free(e, m->meta, m->cap_meta * sizeof *m->meta);
    mem_free(e, m->slots, m->slots_cap * sizeof *m->slots);
    free_data(m);
    free_error(m);
    mem_free(e, m, sizeof *m);
}

wp_message *wp_message_copy(const wp_message *src)
{
    if (src == NULL)
        return NULL;
    wp_message *m = wp_message_create_in(src->engine, src->data, src->len);
    if (m == NULL)
        return NULL;
    for (size_t i = 0; i < src->nmeta; i++) {
        const pr_meta *e = &src->meta[i];
        if (wp_message_meta_set(m, (const char *)e->buf, e->klen, e->buf + e->klen, e->vlen)
            != WP_OK) {
            wp_message_destroy(m);
            return NULL;
        }
    }
    if (src->error != NULL) {
        m->error = copy_text(m->engine, src->error);
        if (m->error == NULL) {
            wp_message_destroy(m);
            return NULL;
        }
    }
    m->error_lost = src->error_lost;
    return m;
}

const uint8_t *wp_message_bytes(const wp_message *m, size_t *len)
{
    if (m == NULL || m->len == 0) {
        if (len != NULL)
            *len = 0;
        return empty_bytes;
    }
    if (len != NULL)
        *len = m->len;
    return m->data;
}

void wp_message_adopt_bytes(wp_message *m, uint8_t *data, size_t len, size_t cap)
{
    wp_message_adopt_bytes_in(m, NULL, data, len, cap);
}

void wp_message_adopt_bytes_in(wp_message *m, wp_engine *e, uint8_t *data, size_t len,
                               size_t cap)
{
    if (m == NULL) {
        mem_free(e, data, cap);
        return;
    }
    free_data(m);
    if (!cap) {
        mem_free(e, data, cap);
        m->data_engine = m->engine;
        return;
    }
    m->data = data;
    m->data_engine = e;   /* whoever allocated it, whatever the message's allocator */
    m->len = len;
    m->cap = cap;
}

wp_status wp_message_set_bytes(wp_message *m, const uint8_t *data, size_t len)
{
    if (m == NULL || (data == NULL && len > 0))
        return WP_ERR_ARG;
    if (len > m->cap) {
        size_t cap = grow_cap(len);
        uint8_t *p = mem_alloc(m->engine, cap);
        if (p == NULL)
            return WP_ERR_NOMEM;
        free_data(m);
        m->data = p;
        m->data_engine = m->engine;
        m->cap = cap;
    }
    /* memmove: data may be a view of these very bytes. */
    if (len > 0)
        memmove(m->data, data, len);
    m->len = len;
    return WP_OK;
}

void pr_message_swap_bytes(wp_message *a, wp_message *b)
{
    uint8_t *data = a->data;
    size_t len = a->len, cap = a->cap;
    wp_engine *owner = a->data_engine;
    a->data = b->data;
    a->len = b->len;
    a->cap = b->cap;
    a->data_engine = b->data_engine;
    b->data = data;
    b->len = len;
    b->cap = cap;
    b->data_engine = owner;
}

/* The index must be rebuilt before its next use (entries moved or went). */
static void index_invalidate(wp_message *m)
{
    m->mask = 0;
    m->nindexed = 0;
}

void pr_message_clear_meta(wp_message *m)
{
    m->nmeta = 0;
    index_invalidate(m);
}

/* FNV-1a, 64 bits. */
static uint64_t key_hash(const char *key, size_t klen)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (size_t i = 0; i < klen; i++) {
        h ^= (unsigned char)key[i];
        h *= UINT64_C(1099511628211);
    }
    return h;
}

static void index_put(wp_message *m, size_t pos)
{
    const pr_meta *e = &m->meta[pos];
    size_t i = (size_t)key_hash((const char *)e->buf, e->klen) & m->mask;
    while (m->slots[i] != 0)
        i = (i + 1) & m->mask;
    m->slots[i] = (uint32_t)(pos + 1);
}

/* Brings the index up to date with meta[0..nmeta). False when there is no
 * memory for it; lookups then scan. The table is kept at most half full
 * and grows fourfold, so rebuilding costs O(1) per key amortised. */
static bool index_sync(wp_message *m)
{
    if (m->nmeta > UINT32_MAX - 1)
        return false;
    if (m->mask == 0 || m->nmeta * 2 > m->mask + 1) {
        size_t size = 64;
        while (size < m->nmeta * 4)
            size *= 2;
        if (size > m->slots_cap) {
            if (size > SIZE_MAX / sizeof *m->slots)
                return false;
            uint32_t *slots = mem_alloc(m->engine, size * sizeof *slots);
            if (slots == NULL)
                return false;
            mem_free(m->engine, m->slots, m->slots_cap * sizeof *m->slots);
            m->slots = slots;
            m->slots_cap = size;
        }
        memset(m->slots, 0, size * sizeof *m->slots);
        m->mask = size - 1;
        m->nindexed = 0;
    }
    for (; m->nindexed < m->nmeta; m->nindexed++)
        index_put(m, m->nindexed);
    return true;
}

static bool key_is(const pr_meta *e, const char *key, size_t klen)
{
    return e->klen == klen && (klen == 0 || memcmp(e->buf, key, klen) == 0);
}

/* Looks a key up without changing anything: through the index for the
 * entries it covers, then by a scan of those added since (one, usually,
 * since every set brings the index up to date first). */
static pr_meta *find_meta(const wp_message *m, const char *key, size_t klen)
{
    size_t from = 0;
    if (m->mask != 0) {
        size_t i = (size_t)key_hash(key, klen) & m->mask;
        for (uint32_t at; (at = m->slots[i]) != 0; i = (i + 1) & m->mask) {
            pr_meta *e = &m->meta[at - 1];
            if (key_is(e, key, klen))
                return e;
        }
        from = m->nindexed;
    }
    for (size_t i = from; i < m->nmeta; i++) {
        pr_meta *e = &m->meta[i];
        if (key_is(e, key, klen))
            return e;
    }
    return NULL;
}

/* find_meta for a change: indexes the message first once it has many keys. */
static pr_meta *find_meta_indexed(wp_message *m, const char *key, size_t klen)
{
    if (m->nmeta >= META_INDEX_MIN && !index_sync(m))
        index_invalidate(m);   /* no memory for the index: scan */
    return find_meta(m, key, klen);
}

const uint8_t *wp_message_meta_get(const wp_message *m, const char *key, size_t klen,
                                   size_t *vlen)
{
    const pr_meta *e = NULL;
    if (m != NULL && (key != NULL || klen == 0))
        e = find_meta(m, key, klen);
    if (e == NULL) {
        if (vlen != NULL)
            *vlen = 0;
        return NULL;
    }
    if (vlen != NULL)
        *vlen = e->vlen;
    return e->vlen ? e->buf + e->klen : empty_bytes;
}

wp_status wp_message_meta_set(wp_message *m, const char *key, size_t klen,
                              const uint8_t *value, size_t vlen)
{
    if (m == NULL || (key == NULL && klen > 0) || (value == NULL && vlen > 0))
        return WP_ERR_ARG;
    if (klen > SIZE_MAX - vlen)
        return WP_ERR_NOMEM;
    size_t need = klen + vlen;
    pr_meta *e = find_meta_indexed(m, key, klen);
    if (e != NULL) {
        if (need > e->cap) {
            /* A fresh buffer: value may be a view of the old one. */
            uint8_t *p = mem_alloc(m->engine, need);
            if (p == NULL)
                return WP_ERR_NOMEM;
            memcpy(p, e->buf, klen);
            if (vlen > 0)
                memcpy(p + klen, value, vlen);
            mem_free(m->engine, e->buf, e->cap);
            e->buf = p;
            e->cap = need;
        } else if (vlen > 0) {
            memmove(e->buf + klen, value, vlen);
        }
        e->vlen = vlen;
        return WP_OK;
    }
    if (m->nmeta == m->cap_meta) {
        size_t cap = m->cap_meta ? m->cap_meta * 2 : 4;
        if (cap > SIZE_MAX / sizeof *m->meta)
            return WP_ERR_NOMEM;
        pr_meta *arr = mem_realloc(m->engine, m->meta, m->cap_meta * sizeof *arr,
                                   cap * sizeof *arr);
        if (arr == NULL)
            return WP_ERR_NOMEM;
        memset(arr + m->cap_meta, 0, (cap - m->cap_meta) * sizeof *arr);
        m->meta = arr;
        m->cap_meta = cap;
    }
    e = &m->meta[m->nmeta];
    if (e->buf == NULL || e->cap < need) {
        uint8_t *p = mem_alloc(m->engine, need);
        if (p == NULL)
            return WP_ERR_NOMEM;
        if (e->buf != NULL)
            mem_free(m->engine, e->buf, e->cap);
        e->buf = p;
        e->cap = need;
    }
    if (klen > 0)
        memcpy(e->buf, key, klen);
    if (vlen > 0)
        memcpy(e->buf + klen, value, vlen);
    e->klen = klen;
    e->vlen = vlen;
    m->nmeta++;
    return WP_OK;
}

wp_status wp_message_meta_delete(wp_message *m, const char *key, size_t klen)
{
    if (m == NULL || (key == NULL && klen > 0))
        return WP_ERR_ARG;
    pr_meta *e = find_meta_indexed(m, key, klen);
    if (e == NULL)
        return WP_ERR_NOT_FOUND;
    /* The entry's buffer becomes the spare just past the live ones. */
    size_t i = (size_t)(e - m->meta);
    pr_meta gone = *e;
    memmove(&m->meta[i], &m->meta[i + 1], (m->nmeta - i - 1) * sizeof *m->meta);
    m->meta[--m->nmeta] = gone;
    index_invalidate(m);
    return WP_OK;
}

size_t wp_message_meta_count(const wp_message *m)
{
    return m ? m->nmeta : 0;
}

bool wp_message_meta_at(const wp_message *m, size_t i, const char **key, size_t *klen,
                        const uint8_t **value, size_t *vlen)
{
    if (m == NULL || i >= m->nmeta)
        return false;
    const pr_meta *e = &m->meta[i];
    if (key != NULL)
        *key = e->klen ? (const char *)e->buf : (const char *)empty_bytes;
    if (klen != NULL)
        *klen = e->klen;
    if (value != NULL)
        *value = e->vlen ? e->buf + e->klen : empty_bytes;
    if (vlen != NULL)
        *vlen = e->vlen;
    return true;
}

const char *wp_message_error(const wp_message *m)
{
    if (m == NULL)
        return NULL;
    if (m->error == NULL && m->error_lost)
        return "error (no memory for its text)";
    return m->error;
}

void wp_message_set_error(wp_message *m, const char *fmt, ...)
{
    if (m == NULL)
        return;
    char buf[512];
    const char *text = "error";
    if (fmt != NULL) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
        if (n >= 0)
            text = buf;
    }
    char *copy = copy_text(m->engine, text);
    free_error(m);
    m->error = copy;
    /* Without memory for the text, the message must still read as errored. */
    m->error_lost = (copy == NULL);
}

void wp_message_clear_error(wp_message *m)
{
    if (m == NULL)
        return;
    free_error(m);
    m->error_lost = false;
}
