/* The definition table: every WASI function's name, wasm signature and
 * implementation under each module name, the host functions made from it,
 * and the one dispatcher they all go through. The dispatcher takes the view
 * of guest memory for the call and stores the returned errno as the i32
 * result, so implementations never see the engine's call convention.
 */
#include "ws.h"

/* Signatures spell the parameters, one letter each: i = i32, I = i64.
 * Every function returns an i32 errno except proc_exit, which returns
 * nothing. p0 is the snapshot-0 implementation (NULL: not in snapshot 0). */
typedef struct ws_def {
    const char *name;
    const char *params;
    ws_impl     p1;
    ws_impl     p0;
} ws_def;

static const ws_def defs[] = {
    { "args_get", "ii", ws_args_get, ws_args_get },
    { "args_sizes_get", "ii", ws_args_sizes_get, ws_args_sizes_get },
    { "environ_get", "ii", ws_environ_get, ws_environ_get },
    { "environ_sizes_get", "ii", ws_environ_sizes_get, ws_environ_sizes_get },
    { "clock_res_get", "ii", ws_clock_res_get, ws_clock_res_get },
    { "clock_time_get", "iIi", ws_clock_time_get, ws_clock_time_get },
    { "fd_advise", "iIIi", ws_fd_advise, ws_fd_advise },
    { "fd_allocate", "iII", ws_fd_allocate, ws_fd_allocate },
    { "fd_close", "i", ws_fd_close, ws_fd_close },
    { "fd_datasync", "i", ws_fd_datasync, ws_fd_datasync },
    { "fd_fdstat_get", "ii", ws_fd_fdstat_get, ws_fd_fdstat_get },
    { "fd_fdstat_set_flags", "ii", ws_fd_fdstat_set_flags, ws_fd_fdstat_set_flags },
    { "fd_fdstat_set_rights", "iII", ws_fd_fdstat_set_rights, ws_fd_fdstat_set_rights },
    { "fd_filestat_get", "ii", ws_fd_filestat_get, ws_unstable_fd_filestat_get },
    { "fd_filestat_set_size", "iI", ws_fd_filestat_set_size, ws_fd_filestat_set_size },
    { "fd_filestat_set_times", "iIIi", ws_fd_filestat_set_times, ws_fd_filestat_set_times },
    { "fd_pread", "iiiIi", ws_fd_pread, ws_fd_pread },
    { "fd_prestat_get", "ii", ws_fd_prestat_get, ws_fd_prestat_get },
    { "fd_prestat_dir_name", "iii", ws_fd_prestat_dir_name, ws_fd_prestat_dir_name },
    { "fd_pwrite", "iiiIi", ws_fd_pwrite, ws_fd_pwrite },
    { "fd_read", "iiii", ws_fd_read, ws_fd_read },
    { "fd_readdir", "iiiIi", ws_fd_readdir, ws_fd_readdir },
    { "fd_renumber", "ii", ws_fd_renumber, ws_fd_renumber },
    { "fd_seek", "iIii", ws_fd_seek, ws_unstable_fd_seek },
    { "fd_sync", "i", ws_fd_sync, ws_fd_sync },
    { "fd_tell", "ii", ws_fd_tell, ws_fd_tell },
    { "fd_write", "iiii", ws_fd_write, ws_fd_write },
    { "path_create_directory", "iii", ws_path_create_directory, ws_path_create_directory },
    { "path_filestat_get", "iiiii", ws_path_filestat_get, ws_unstable_path_filestat_get },
    { "path_filestat_set_times", "iiiiIIi", ws_path_filestat_set_times,
      ws_path_filestat_set_times },
    { "path_link", "iiiiiii", ws_path_link, ws_path_link },
    { "path_open", "iiiiiIIii", ws_path_open, ws_path_open },
    { "path_readlink", "iiiiii", ws_path_readlink, ws_path_readlink },
    { "path_remove_directory", "iii", ws_path_remove_directory, ws_path_remove_directory },
    { "path_rename", "iiiiii", ws_path_rename, ws_path_rename },
    { "path_symlink", "iiiii", ws_path_symlink, ws_path_symlink },
    { "path_unlink_file", "iii", ws_path_unlink_file, ws_path_unlink_file },
    { "poll_oneoff", "iiii", ws_poll_oneoff, ws_unstable_poll_oneoff },
    { "proc_exit", "i", NULL, NULL },
    { "proc_raise", "i", ws_proc_raise, ws_proc_raise },
    { "sched_yield", "", ws_sched_yield, ws_sched_yield },
    { "random_get", "ii", ws_random_get, ws_random_get },
    { "sock_accept", "iii", ws_sock_accept, NULL },
    { "sock_recv", "iiiiii", ws_sock_recv, ws_sock_recv },
    { "sock_send", "iiiii", ws_sock_send, ws_sock_send },
    { "sock_shutdown", "ii", ws_sock_shutdown, ws_sock_shutdown },
};

#define NDEFS (sizeof defs / sizeof defs[0])
_Static_assert(NDEFS == WS_NFUNCS_P1, "every preview1 function is in the table");

static bool is_proc_exit(const ws_def *d) {
    return !d->p1;
}

static bool in_snapshot0(const ws_def *d) {
    return d->p0 || is_proc_exit(d);
}

static wp_status dispatch(wp_call *call, void *user, uint64_t *slots) {
    const ws_binding *b = user;
    ws_ctx c = { .w = b->w, .call = call, .mem = NULL, .mem_len = 0 };
    size_t len = 0;
    c.mem = wp_call_memory(call, &len);
    if (c.mem) c.mem_len = len;
    uint16_t e = b->impl(&c, slots);
    if (c.stopped == WS_STOP_INTERRUPT)
        return wp_call_trap(call, "interrupted while blocked in WASI %s", b->name);
    if (c.stopped == WS_STOP_CANCEL)
        return wp_call_trap(call, "WASI %s was cancelled: the host is shutting down", b->name);
    slots[0] = e;
    return WP_OK;
}

/* proc_exit(code): ends the guest's call; the code is a u32 in WASI. */
static wp_status proc_exit(wp_call *call, void *user, uint64_t *slots) {
    (void)user;
    return wp_call_exit(call, (int)(uint32_t)slots[0]);
}

static wp_status make_func(wp_wasi *w, const ws_def *d, ws_impl impl, wp_error *err) {
    wp_valtype params[16];
    const wp_valtype result = WP_I32;
    uint32_t n = 0;
    for (const char *s = d->params; *s && n < 16; s++) params[n++] = *s == 'I' ? WP_I64 : WP_I32;
    wp_functype type = { params, n, &result, is_proc_exit(d) ? 0 : 1 };
    uint32_t i = w->nfuncs;
    ws_binding *b = &w->bindings[i];
    b->w = w;
    b->impl = impl;
    b->name = d->name;
    wp_status st = is_proc_exit(d)
                       ? wp_func_create_host(w->engine, &type, proc_exit, NULL, &w->funcs[i], err)
                       : wp_func_create_host(w->engine, &type, dispatch, b, &w->funcs[i], err);
    if (st != WP_OK) return st;
    w->nfuncs++;
    return WP_OK;
}

wp_status ws_funcs_create(wp_wasi *w, wp_error *err) {
    wp_status st = WP_OK;
    for (size_t i = 0; st == WP_OK && i < NDEFS; i++) st = make_func(w, &defs[i], defs[i].p1, err);
    for (size_t i = 0; st == WP_OK && i < NDEFS; i++)
        if (in_snapshot0(&defs[i])) st = make_func(w, &defs[i], defs[i].p0, err);
    if (st == WP_OK && w->nfuncs != WS_NFUNCS_P1 + WS_NFUNCS_P0)
        return ws_fail(err, WP_ERR_INTERNAL, "wasi: made %u host functions, expected %u",
                       w->nfuncs, WS_NFUNCS_P1 + WS_NFUNCS_P0);
    return st;
}

void ws_funcs_destroy(wp_wasi *w) {
    for (uint32_t i = 0; i < w->nfuncs; i++) wp_func_destroy(w->funcs[i]);
    w->nfuncs = 0;
}

wp_status wp_wasi_define(wp_wasi *w, wp_imports *im, wp_error *err) {
    if (!w || !im) return ws_fail(err, WP_ERR_ARG, "wp_wasi_define: NULL argument");
    uint32_t k = 0;
    for (size_t i = 0; i < NDEFS; i++) {
        wp_extern ext = { .kind = WP_EXTERN_FUNC, .of.func = w->funcs[k++] };
        wp_status st = wp_imports_define(im, "wasi_snapshot_preview1", defs[i].name, ext, err);
        if (st != WP_OK) return st;
    }
    for (size_t i = 0; i < NDEFS; i++) {
        if (!in_snapshot0(&defs[i])) continue;
        wp_extern ext = { .kind = WP_EXTERN_FUNC, .of.func = w->funcs[k++] };
        wp_status st = wp_imports_define(im, "wasi_unstable", defs[i].name, ext, err);
        if (st != WP_OK) return st;
    }
    return WP_OK;
}
