/* An HTTP server for the http_client tests:
 *   http_sink PORT FAIL OUTFILE
 * answers the first FAIL requests with 500 (FAIL = -1: every one), then
 * 200, appending each accepted body and a newline to OUTFILE. It counts
 * every request in OUTFILE.count and writes the last one's headers to
 * OUTFILE.headers. Runs until killed.
 */
#include <microhttpd.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct body {
    char  *s;
    size_t len;
} body;

static long fail_left;
static const char *outfile;
static long requests;

static enum MHD_Result print_header(void *cls, enum MHD_ValueKind kind, const char *key,
                                    const char *value) {
    (void)kind;
    fprintf(cls, "%s: %s\n", key, value ? value : "");
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **con_cls) {
    (void)cls; (void)url; (void)method; (void)version;
    body *b = *con_cls;
    if (!b) {
        *con_cls = calloc(1, sizeof *b);
        return *con_cls ? MHD_YES : MHD_NO;
    }
    if (*upload_size) {
        char *s = realloc(b->s, b->len + *upload_size);
        if (!s) return MHD_NO;
        memcpy(s + b->len, upload, *upload_size);
        b->s = s;
        b->len += *upload_size;
        *upload_size = 0;
        return MHD_YES;
    }
    requests++;
    char hpath[512];
    snprintf(hpath, sizeof hpath, "%s.headers", outfile);
    FILE *hf = fopen(hpath, "w");
    if (hf) {
        MHD_get_connection_values(c, MHD_HEADER_KIND, print_header, hf);
        fclose(hf);
    }
    char cpath[512];
    snprintf(cpath, sizeof cpath, "%s.count", outfile);
    FILE *cf = fopen(cpath, "w");
    if (cf) { fprintf(cf, "%ld\n", requests); fclose(cf); }
    unsigned status = 200;
    if (fail_left != 0) {
        status = 500;
        if (fail_left > 0) fail_left--;
    } else {
        FILE *f = fopen(outfile, "a");
        if (f) {
            fwrite(b->s ? b->s : "", 1, b->len, f);
            fputc('\n', f);
            fclose(f);
        }
    }
    free(b->s);
    free(b);
    *con_cls = NULL;
    struct MHD_Response *r = MHD_create_response_from_buffer(2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
    enum MHD_Result ok = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ok;
}

int main(int argc, char **argv) {
    if (argc != 4) {
        fprintf(stderr, "usage: http_sink PORT FAIL OUTFILE\n");
        return 2;
    }
    fail_left = atol(argv[2]);
    outfile = argv[3];
    /* One thread: the counters need no lock. */
    struct MHD_Daemon *d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)atoi(argv[1]),
                                            NULL, NULL, on_request, NULL, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "http_sink: cannot listen on %s\n", argv[1]);
        return 1;
    }
    for (;;) pause();
}
