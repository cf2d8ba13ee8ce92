/* The life of a wp_wasi: copying the configuration (arguments, environment,
 * standard streams, preopened directories) into the object, tearing it
 * down, and running a command's or a reactor's entry point.
 */
#include "ws.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

wp_status ws_fail(wp_error *err, wp_status code, const char *fmt, ...) {
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

/* Packs n strings back to back, NUL-terminated, so that args_get and
 * environ_get are two copies. The guest sees sizes as u32, hence the cap. */
static wp_status pack_strings(wp_engine *e, const char *const *v, uint32_t n, const char *what,
                              char **out, uint32_t *out_size, wp_error *err) {
    uint64_t total = 0;
    *out = NULL;
    *out_size = 0;
    if (n > 0 && !v) return ws_fail(err, WP_ERR_ARG, "wasi config: %s is NULL with a count of %u", what, n);
    for (uint32_t i = 0; i < n; i++) {
        if (!v[i]) return ws_fail(err, WP_ERR_ARG, "wasi config: %s[%u] is NULL", what, i);
        total += strlen(v[i]) + 1;
        if (total > UINT32_MAX / 2)
            return ws_fail(err, WP_ERR_ARG, "wasi config: %s is too large", what);
    }
    if (total == 0) return WP_OK;
    char *buf = wp_engine_alloc(e, (size_t)total);
    if (!buf) return ws_fail(err, WP_ERR_NOMEM, "wasi config: no memory for %s", what);
    size_t at = 0;
    for (uint32_t i = 0; i < n; i++) {
        size_t len = strlen(v[i]) + 1;
        memcpy(buf + at, v[i], len);
        at += len;
    }
    *out = buf;
    *out_size = (uint32_t)total;
    return WP_OK;
}

static wp_status setup_stdio(wp_wasi *w, uint32_t fd, const wp_wasi_stdio *s, wp_error *err) {
    ws_fd *f = &w->fds[fd];
    /* A standard stream only ever flows one way. */
    uint64_t mask = fd == 0 ? ~WS_RIGHT_FD_WRITE : ~WS_RIGHT_FD_READ;
    f->host = -1;
    switch (s->kind) {
    case WP_WASI_STDIO_FD: {
        uint16_t e = ws_fd_init_host(f, s->host_fd, false, mask, 0);
        if (e != WS_ESUCCESS)
            return ws_fail(err, WP_ERR_ARG, "wasi config: stdio %u: host fd %d is not usable",
                           fd, s->host_fd);
        return WP_OK;
    }
    case WP_WASI_STDIO_CALLBACK:
        if (fd == 0 || !s->write)
            return ws_fail(err, WP_ERR_ARG, "wasi config: stdio %u: a callback needs an output stream and a write function", fd);
        f->kind = WS_FD_CALLBACK;
        f->write = s->write;
        f->user = s->user;
        break;
    case WP_WASI_STDIO_NULL:
        f->kind = WS_FD_NULL;
        break;
    default:
        return ws_fail(err, WP_ERR_ARG, "wasi config: stdio %u: unknown kind %d", fd, (int)s->kind);
    }
    /* A character device without seek rights is what libc's isatty()
     * recognises, which makes wasi-libc line-buffer the stream: that suits
     * a log. */
    f->filetype = WS_FILETYPE_CHARACTER_DEVICE;
    f->rights_base = WS_RIGHTS_STREAM & mask;
    f->rights_inheriting = 0;
    return WP_OK;
}

static wp_status setup_preopen(wp_wasi *w, uint32_t fd, const wp_wasi_dir *d, wp_error *err) {
    if (!d->host_path || !d->host_path[0])
        return ws_fail(err, WP_ERR_ARG, "wasi config: dir %u has no host path", fd - 3);
    const char *guest = d->guest_path ? d->guest_path : d->host_path;
    size_t glen = strlen(guest);
    if (glen == 0 || glen > WS_MAX_PATH)
        return ws_fail(err, WP_ERR_ARG, "wasi config: dir '%s': bad guest path", d->host_path);
    int host = open(d->host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (host < 0)
        return ws_fail(err, WP_ERR_IO, "wasi config: cannot open directory '%s': %s",
                       d->host_path, strerror(errno));
    ws_fd *f = &w->fds[fd];
    if (ws_fd_init_host(f, host, true, WS_RIGHTS_DIR, WS_RIGHTS_ALL) != WS_ESUCCESS ||
        f->filetype != WS_FILETYPE_DIRECTORY) {
        close(host);
        f->kind = WS_FD_FREE;
        return ws_fail(err, WP_ERR_IO, "wasi config: '%s' is not a directory", d->host_path);
    }
    f->preopen = wp_engine_alloc(w->engine, glen + 1);
    if (!f->preopen)
        return ws_fail(err, WP_ERR_NOMEM, "wasi config: dir '%s': no memory for its name",
                       d->host_path);
    memcpy(f->preopen, guest, glen + 1);
    f->preopen_len = (uint32_t)glen;
    return WP_OK;
}

wp_status wp_wasi_create(wp_engine *e, const wp_wasi_config *cfg, wp_wasi **out,
                         wp_error *err) {
    static const wp_wasi_config sandbox;
    if (!out) return ws_fail(err, WP_ERR_ARG, "wp_wasi_create: out is NULL");
    *out = NULL;
    if (!e) return ws_fail(err, WP_ERR_ARG, "wp_wasi_create: engine is NULL");
    if (!cfg) cfg = &sandbox;
    if (cfg->ndirs > WS_MAX_FDS - 3)
        return ws_fail(err, WP_ERR_ARG, "wasi config: %u preopened directories is too many", cfg->ndirs);
    if (cfg->ndirs > 0 && !cfg->dirs)
        return ws_fail(err, WP_ERR_ARG, "wasi config: dirs is NULL with a count of %u", cfg->ndirs);

    wp_wasi *w = wp_engine_alloc(e, sizeof *w);
    if (!w) return ws_fail(err, WP_ERR_NOMEM, "wp_wasi_create: no memory");
    w->engine = e;
    atomic_init(&w->cancelled, false);
    wp_status st = pack_strings(e, cfg->argv, cfg->argc, "argv", &w->args, &w->args_size, err);
    if (st == WP_OK) {
        w->argc = cfg->argc;
        st = pack_strings(e, cfg->env, cfg->nenv, "env", &w->env, &w->env_size, err);
        w->envc = cfg->nenv;
    }
    if (st == WP_OK) {
        /* nfds is set only with the table, which destroy walks. */
        uint32_t nfds = 3 + cfg->ndirs;
        w->fds = wp_engine_alloc(e, nfds * sizeof *w->fds);
        if (!w->fds) {
            st = ws_fail(err, WP_ERR_NOMEM, "wp_wasi_create: no memory for %u descriptors", nfds);
        } else {
            w->nfds = nfds;
            for (uint32_t i = 0; i < w->nfds; i++) w->fds[i].host = -1;
        }
    }
    for (uint32_t i = 0; st == WP_OK && i < 3; i++) st = setup_stdio(w, i, &cfg->stdio[i], err);
    for (uint32_t i = 0; st == WP_OK && i < cfg->ndirs; i++)
        st = setup_preopen(w, 3 + i, &cfg->dirs[i], err);
    if (st == WP_OK) st = ws_funcs_create(w, err);
    if (st != WP_OK) {
        wp_wasi_destroy(w);
        return st;
    }
    *out = w;
    return WP_OK;
}

void wp_wasi_destroy(wp_wasi *w) {
    if (!w) return;
    ws_funcs_destroy(w);
    wp_engine *e = w->engine;
    for (uint32_t i = 0; i < w->nfds; i++) ws_fd_release(w, &w->fds[i]);
    if (w->fds) wp_engine_free(e, w->fds, w->nfds * sizeof *w->fds);
    if (w->args) wp_engine_free(e, w->args, w->args_size);
    if (w->env) wp_engine_free(e, w->env, w->env_size);
    wp_engine_free(e, w, sizeof *w);
}

/* Looks up an entry point; WP_ERR_NOT_FOUND leaves *out NULL. */
static wp_status find_entry(wp_instance *in, const char *name, wp_func **out, wp_error *err) {
    wp_extern ext;
    wp_error probe;
    *out = NULL;
    if (wp_instance_export(in, name, &ext, &probe) != WP_OK)
        return ws_fail(err, WP_ERR_NOT_FOUND, "wasi: module exports no '%s'", name);
    if (ext.kind != WP_EXTERN_FUNC)
        return ws_fail(err, WP_ERR_LINK, "wasi: export '%s' is not a function", name);
    wp_functype t = wp_func_type(ext.of.func);
    if (t.nparams != 0 || t.nresults != 0)
        return ws_fail(err, WP_ERR_LINK, "wasi: '%s' must have type [] -> [], not %u params and %u results",
                       name, t.nparams, t.nresults);
    *out = ext.of.func;
    return WP_OK;
}

wp_status wp_wasi_run(wp_instance *in, wp_wasi_entry entry, int *exit_code, wp_error *err) {
    wp_error scratch;
    if (!err) err = &scratch;
    if (exit_code) *exit_code = 0;
    if (!in) return ws_fail(err, WP_ERR_ARG, "wp_wasi_run: instance is NULL");

    wp_func *f = NULL;
    wp_status st;
    switch (entry) {
    case WP_WASI_ENTRY_AUTO:
        st = find_entry(in, "_initialize", &f, err);
        if (st == WP_ERR_NOT_FOUND) st = find_entry(in, "_start", &f, err);
        if (st == WP_ERR_NOT_FOUND) {
            /* Neither a command nor a reactor: nothing to run. */
            err->code = WP_OK;
            err->msg[0] = '\0';
            return WP_OK;
        }
        break;
    case WP_WASI_ENTRY_START:
        st = find_entry(in, "_start", &f, err);
        break;
    case WP_WASI_ENTRY_INITIALIZE:
        st = find_entry(in, "_initialize", &f, err);
        break;
    default:
        return ws_fail(err, WP_ERR_ARG, "wp_wasi_run: unknown entry %d", (int)entry);
    }
    if (st != WP_OK) return st;

    st = wp_func_call(f, NULL, 0, NULL, 0, err);
    if (st == WP_EXIT) {
        if (exit_code) *exit_code = err->detail;
        err->code = WP_OK;
        return WP_OK;
    }
    return st;
}
