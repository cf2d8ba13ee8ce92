/* Interrupt handles (wp_interrupt): a way to stop an instance that exists
 * before the instance does. wp_instance_create attaches the handle as soon
 * as the instance has an execution stack, before any of its code runs, so
 * a fire either finds the instance attached (and raises its interrupt
 * flag, which the interpreter reads at every back-edge and call) or is
 * remembered and raises the flag when the instance attaches. The lock
 * makes those two the only orders; it is taken only by fire, attach and
 * detach, never on the execution path. */
#include "rt.h"

struct wp_interrupt {
    wp_engine      *engine;
    pthread_mutex_t lock;
    wp_instance    *inst;   /* attached instance, or NULL */
    bool            fired;  /* fired while no instance was attached */
};

wp_status wp_interrupt_create(wp_engine *e, wp_interrupt **out, wp_error *err)
{
    if (out == NULL || e == NULL)
        return rt_fail(err, WP_ERR_ARG, UINT32_MAX, "wp_interrupt_create: engine or out is NULL");
    *out = NULL;
    wp_interrupt *h = rt_alloc(e, sizeof *h);
    if (h == NULL)
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX, "wp_interrupt_create: out of memory");
    if (pthread_mutex_init(&h->lock, NULL) != 0) {
        rt_free(e, h, sizeof *h);
        return rt_fail(err, WP_ERR_NOMEM, UINT32_MAX, "wp_interrupt_create: cannot make a mutex");
    }
    h->engine = e;
    *out = h;
    return WP_OK;
}

void wp_interrupt_destroy(wp_interrupt *h)
{
    if (h == NULL)
        return;
    pthread_mutex_destroy(&h->lock);
    rt_free(h->engine, h, sizeof *h);
}

void wp_interrupt_fire(wp_interrupt *h)
{
    if (h == NULL)
        return;
    pthread_mutex_lock(&h->lock);
    if (h->inst != NULL)
        atomic_store(&h->inst->exec.interrupt, 1);
    else
        h->fired = true;
    pthread_mutex_unlock(&h->lock);
}

void rt_interrupt_attach(wp_interrupt *h, wp_instance *in)
{
    pthread_mutex_lock(&h->lock);
    h->inst = in;
    if (h->fired)
        atomic_store(&in->exec.interrupt, 1);
    h->fired = false;
    pthread_mutex_unlock(&h->lock);
}

void rt_interrupt_detach(wp_interrupt *h, wp_instance *in)
{
    pthread_mutex_lock(&h->lock);
    if (h->inst == in)
        h->inst = NULL;
    pthread_mutex_unlock(&h->lock);
}
