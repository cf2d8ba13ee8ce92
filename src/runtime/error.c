/* Filling wp_error: the status, the detail, the module offset and a message
 * that names what is wrong and where. Messages are cut to the buffer, at a
 * UTF-8 character boundary and marked with "...", so a long name from a
 * hostile module can never overflow it. Every function accepts err NULL
 * for callers that only want the status. */
#include <stdio.h>
#include <string.h>

#include "rt.h"

/* Marks a message that did not fit, without splitting a UTF-8 sequence. */
static void mark_truncated(char *msg, size_t size)
{
    size_t cut = size - 4;   /* room for "..." and the NUL */
    while (cut > 0 && ((unsigned char)msg[cut] & 0xC0) == 0x80)
        cut--;
    memcpy(msg + cut, "...", 4);
}

wp_status rt_failv(wp_error *err, wp_status code, uint32_t offset, const char *fmt, va_list ap)
{
    if (err == NULL)
        return code;
    err->code = code;
    err->detail = 0;
    err->offset = offset;
    err->nframes = 0;
    err->depth = 0;
    int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    if (n < 0)
        snprintf(err->msg, sizeof err->msg, "%s", wp_status_text(code));
    else if ((size_t)n >= sizeof err->msg)
        mark_truncated(err->msg, sizeof err->msg);
    return code;
}

wp_status rt_fail(wp_error *err, wp_status code, uint32_t offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    rt_failv(err, code, offset, fmt, ap);
    va_end(ap);
    return code;
}

wp_status rt_trap(wp_error *err, wp_trap_kind kind, const char *where)
{
    const char *text = wp_trap_kind_text(kind);
    if (where != NULL && where[0] != '\0')
        rt_fail(err, WP_ERR_TRAP, UINT32_MAX, "%s: %s", where, text);
    else
        rt_fail(err, WP_ERR_TRAP, UINT32_MAX, "%s", text);
    if (err != NULL)
        err->detail = (int)kind;
    return WP_ERR_TRAP;
}

const char *rt_func_label(wp_module *m, uint32_t func, char *buf, size_t size)
{
    const char *name = rt_module_func_name(m, func);
    if (name != NULL && name[0] != '\0')
        return name;
    snprintf(buf, size, "func[%u]", func);
    return buf;
}

wp_status rt_trap_at(wp_error *err, wp_trap_kind kind, wp_module *m, uint32_t func,
                     uint32_t offset)
{
    if (err == NULL)
        return WP_ERR_TRAP;
    char buf[24];
    const char *label = rt_func_label(m, func, buf, sizeof buf);
    if (offset != UINT32_MAX)
        rt_fail(err, WP_ERR_TRAP, offset, "%s @0x%x: %s", label, offset, wp_trap_kind_text(kind));
    else
        rt_fail(err, WP_ERR_TRAP, offset, "%s: %s", label, wp_trap_kind_text(kind));
    err->detail = (int)kind;
    rt_error_add_frame(err, m, func, offset);
    return WP_ERR_TRAP;
}

void rt_error_add_frame(wp_error *err, wp_module *m, uint32_t func, uint32_t offset)
{
    if (err == NULL || err->code != WP_ERR_TRAP)
        return;
    if (err->depth < UINT32_MAX)
        err->depth++;
    if (err->nframes >= WP_MAX_TRAP_FRAMES)
        return;
    wp_frame *fr = &err->frames[err->nframes++];
    fr->func = func;
    fr->offset = offset;
    const char *name = rt_module_func_name(m, func);
    size_t n = name != NULL ? strlen(name) : 0;
    if (n < sizeof fr->name) {
        memcpy(fr->name, name != NULL ? name : "", n + 1);
    } else {
        memcpy(fr->name, name, sizeof fr->name);
        mark_truncated(fr->name, sizeof fr->name);
    }
}

/* Appends to buf[*at..size) like snprintf, counting what did not fit. */
static void put(char *buf, size_t size, size_t *at, const char *fmt, ...) WP_PRINTF(4, 5);
static void put(char *buf, size_t size, size_t *at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    size_t room = *at < size ? size - *at : 0;
    int n = vsnprintf(room > 0 ? buf + *at : NULL, room, fmt, ap);
    va_end(ap);
    if (n > 0)
        *at += (size_t)n;
}

WP_API size_t wp_error_stack_format(const wp_error *err, uint32_t max_frames, bool one_line,
                                    char *buf, size_t size)
{
    size_t at = 0;
    if (size > 0)
        buf[0] = '\0';
    if (err == NULL || err->code != WP_ERR_TRAP || err->nframes == 0)
        return 0;
    uint32_t n = err->nframes <= WP_MAX_TRAP_FRAMES ? err->nframes : WP_MAX_TRAP_FRAMES;
    if (max_frames > 0 && n > max_frames)
        n = max_frames;
    for (uint32_t i = 0; i < n; i++) {
        const wp_frame *fr = &err->frames[i];
        if (one_line)
            put(buf, size, &at, "%s", i > 0 ? " <- " : "");
        else
            put(buf, size, &at, "  #%u ", i);
        /* name is NUL-terminated within its array by construction; %.*s
         * keeps a caller-made frame from reading past it. */
        if (fr->name[0] != '\0')
            put(buf, size, &at, "%.*s", (int)sizeof fr->name, fr->name);
        else
            put(buf, size, &at, "func[%u]", fr->func);
        if (fr->offset != UINT32_MAX)
            put(buf, size, &at, " @0x%x", fr->offset);
        if (!one_line)
            put(buf, size, &at, "\n");
    }
    uint32_t depth = err->depth > n ? err->depth : n;
    if (depth > n)
        put(buf, size, &at, one_line ? " <- ... %u more frame%s" : "  ... %u more frame%s\n",
            depth - n, depth - n == 1 ? "" : "s");
    if (at >= size && size >= 4)
        mark_truncated(buf, size);
    return at;
}

void rt_error_prefix(wp_error *err, const char *fmt, ...)
{
    if (err == NULL)
        return;
    char prefix[sizeof err->msg];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;

    char joined[sizeof err->msg];
    int m = snprintf(joined, sizeof joined, "%s: %s", prefix, err->msg);
    if (m < 0)
        return;
    if ((size_t)m >= sizeof joined || (size_t)n >= sizeof prefix)
        mark_truncated(joined, sizeof joined);
    memcpy(err->msg, joined, sizeof joined);
}
