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
