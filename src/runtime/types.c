/* The engine's canonical function types. Every module type and every host
 * function type is interned here, so two equal types anywhere in the
 * engine get the same id and call_indirect or import matching compares one
 * integer. The table is shared by every thread using the engine and is
 * guarded by types_lock.
 *
 * Each type lives in its own record that never moves (a view of it is
 * handed out for as long as the engine lives); the entries array, indexed
 * by id, may be reallocated as it grows. Lookup by content uses chained
 * hashing threaded through the same array: entry i's `head` is the first
 * id of bucket i, and each entry's `next` continues its own chain. The
 * bucket count is the array's capacity, a power of two. */
#include <string.h>

#include "rt.h"

#define NO_ID UINT32_MAX

/* A type in both spellings: the byte form the engine runs on, and the enum
 * form of the public API. */
typedef struct type_rec {
    rt_functype ft;
    wp_valtype *wparams, *wresults;
    size_t      size;     /* of the whole allocation */
} type_rec;

struct rt_type_entry {
    type_rec *rec;
    uint32_t  hash;
    uint32_t  next;   /* next id in this entry's bucket chain */
    uint32_t  head;   /* first id of bucket (this index) */
};

static uint32_t hash_type(const rt_valtype *params, uint32_t np,
                          const rt_valtype *results, uint32_t nr)
{
    /* FNV-1a over the counts and the bytes. */
    uint32_t h = 2166136261u;
    uint32_t counts[2] = { np, nr };
    const unsigned char *p = (const unsigned char *)counts;
    for (size_t i = 0; i < sizeof counts; i++)
        h = (h ^ p[i]) * 16777619u;
    for (uint32_t i = 0; i < np; i++)
        h = (h ^ params[i]) * 16777619u;
    for (uint32_t i = 0; i < nr; i++)
        h = (h ^ results[i]) * 16777619u;
    return h;
}

static bool same_type(const rt_functype *ft, const rt_valtype *params, uint32_t np,
                      const rt_valtype *results, uint32_t nr)
{
    return ft->nparams == np && ft->nresults == nr
        && (np == 0 || memcmp(ft->params, params, np) == 0)
        && (nr == 0 || memcmp(ft->results, results, nr) == 0);
}

static type_rec *new_record(wp_engine *e, const rt_valtype *params, uint32_t np,
                            const rt_valtype *results, uint32_t nr, uint32_t id)
{
    size_t n = (size_t)np + nr;
    if (n > (SIZE_MAX - sizeof(type_rec)) / (sizeof(wp_valtype) + 1))
        return NULL;
    size_t size = sizeof(type_rec) + n * sizeof(wp_valtype) + n;
    type_rec *r = rt_alloc(e, size);
    if (r == NULL)
        return NULL;
    /* The enum arrays first: they need the stronger alignment. */
    wp_valtype *w = (wp_valtype *)(r + 1);
    rt_valtype *b = (rt_valtype *)(w + n);
    r->size = size;
    r->wparams = w;
    r->wresults = w + np;
    r->ft.params = b;
    r->ft.results = b + np;
    r->ft.nparams = np;
    r->ft.nresults = nr;
    r->ft.id = id;
    for (uint32_t i = 0; i < np; i++) {
        b[i] = params[i];
        w[i] = (wp_valtype)params[i];
        r->ft.param_slots += rt_slots_of(params[i]);
    }
    for (uint32_t i = 0; i < nr; i++) {
        b[np + i] = results[i];
        w[np + i] = (wp_valtype)results[i];
        r->ft.result_slots += rt_slots_of(results[i]);
    }
    return r;
}

/* Doubles the entries array and rebuilds the buckets for the new count. */
static bool grow_table(wp_engine *e)
{
    uint32_t cap = e->cap_types ? e->cap_types * 2 : 64;
    if (cap <= e->cap_types || cap > (UINT32_MAX >> 1))
        return false;
    struct rt_type_entry *t = rt_realloc(e, e->types, (size_t)e->cap_types * sizeof *t,
                                         (size_t)cap * sizeof *t);
    if (t == NULL)
        return false;
    e->types = t;
    e->cap_types = cap;
    for (uint32_t i = 0; i < cap; i++)
        t[i].head = NO_ID;
    /* Insert in reverse so each chain keeps ascending ids. */
    for (uint32_t id = e->ntypes; id-- > 0;) {
        uint32_t b = t[id].hash & (cap - 1);
        t[id].next = t[b].head;
        t[b].head = id;
    }
    return true;
}

wp_status rt_type_intern(wp_engine *e, const rt_valtype *params, uint32_t np,
                         const rt_valtype *results, uint32_t nr, uint32_t *id_out,
                         wp_error *err)
{
    if (NEVER((np && params == NULL) || (nr && results == NULL) || id_out == NULL))
        return rt_fail(err, WP_ERR_INTERNAL, UINT32_MAX, "rt_type_intern: bad arguments");
    uint32_t h = hash_type(params, np, results, nr);

    pthread_mutex_lock(&e->types_lock);
    if (e->cap_types != 0) {
        for (uint32_t id = e->types[h & (e->cap_types - 1)].head; id != NO_ID;
             id = e->types[id].next) {
            if (e->types[id].hash == h && same_type(&e->types[id].rec->ft, params, np, results, nr)) {
                *id_out = id;
                pthread_mutex_unlock(&e->types_lock);
                return WP_OK;
            }
        }
    }
    if (e->ntypes == e->cap_types && !grow_table(e)) {
        pthread_mutex_unlock(&e->types_lock);
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX,
                       "out of memory growing the engine's type table (%u types)", e->ntypes);
    }
    uint32_t id = e->ntypes;
    type_rec *r = new_record(e, params, np, results, nr, id);
    if (r == NULL) {
        pthread_mutex_unlock(&e->types_lock);
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX,
                       "out of memory interning a function type (%u params, %u results)", np, nr);
    }
    struct rt_type_entry *t = e->types;
    uint32_t b = h & (e->cap_types - 1);
    t[id].rec = r;
    t[id].hash = h;
    t[id].next = t[b].head;
    t[b].head = id;
    e->ntypes = id + 1;
    pthread_mutex_unlock(&e->types_lock);
    *id_out = id;
    return WP_OK;
}

/* The entries array may move under a concurrent intern, so even a read of
 * one pointer takes the lock; the record itself never moves. */
static const type_rec *find_record(wp_engine *e, uint32_t id)
{
    const type_rec *r = NULL;
    pthread_mutex_lock(&e->types_lock);
    if (id < e->ntypes)
        r = e->types[id].rec;
    pthread_mutex_unlock(&e->types_lock);
    return r;
}

const rt_functype *rt_type_canonical(wp_engine *e, uint32_t id)
{
    const type_rec *r = find_record(e, id);
    return r ? &r->ft : NULL;
}

wp_functype rt_type_public(wp_engine *e, uint32_t id)
{
    wp_functype out = { NULL, 0, NULL, 0 };
    const type_rec *r = find_record(e, id);
    if (r != NULL) {
        out.params = r->wparams;
        out.nparams = r->ft.nparams;
        out.results = r->wresults;
        out.nresults = r->ft.nresults;
    }
    return out;
}

void rt_types_free(wp_engine *e)
{
    for (uint32_t i = 0; i < e->ntypes; i++)
        rt_free(e, e->types[i].rec, e->types[i].rec->size);
    rt_free(e, e->types, (size_t)e->cap_types * sizeof *e->types);
    e->types = NULL;
    e->ntypes = e->cap_types = 0;
}
