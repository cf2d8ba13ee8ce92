/* A small NATS JetStream client for the stream tests:
 *   js_tool freeport                         a free TCP port on 127.0.0.1
 *   js_tool URL add STREAM SUBJECT           creates a stream (file storage)
 *   js_tool URL pub SUBJECT N [FROM]         publishes "message <i>", i = FROM..FROM+N-1
 *   js_tool URL pubraw SUBJECT TEXT          publishes one message TEXT
 *   js_tool URL count STREAM                 messages in the stream
 *   js_tool URL wait STREAM N SECONDS        waits until the stream holds N (status 1 if not)
 *   js_tool URL dump STREAM [HEADER]         every message of the stream, one per line
 *                                            (with HEADER: "<data> HEADER=<its value>")
 *   js_tool URL consumer STREAM DURABLE      "ack_pending=A pending=P" of a consumer
 *   js_tool URL bench IN OUT N RATE          publishes N timed messages to IN (RATE/s, 0:
 *                                            full speed), prints throughput and the
 *                                            latency of their arrival on OUT (p50, p99)
 */
#include <nats/nats.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static int cmp_u64(const void *a, const void *b) {
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int die(const char *what, natsStatus s) {
    fprintf(stderr, "js_tool: %s: %s (%s)\n", what, natsStatus_GetText(s),
            nats_GetLastError(NULL) ? nats_GetLastError(NULL) : "");
    return 1;
}

static int freeport(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        perror("js_tool: freeport");
        return 1;
    }
    printf("%d\n", ntohs(a.sin_port));
    close(fd);
    return 0;
}

static uint64_t stream_msgs(jsCtx *js, const char *stream, uint64_t *last) {
    jsStreamInfo *si = NULL;
    if (js_GetStreamInfo(&si, js, stream, NULL, NULL) != NATS_OK) return UINT64_MAX;
    uint64_t n = si->State.Msgs;
    if (last) *last = si->State.LastSeq;
    jsStreamInfo_Destroy(si);
    return n;
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "freeport") == 0) return freeport();
    if (argc < 3) {
        fprintf(stderr, "usage: see the comment at the top of js_tool.c\n");
        return 2;
    }
    natsConnection *nc = NULL;
    jsCtx *js = NULL;
    natsStatus s = natsConnection_ConnectTo(&nc, argv[1]);
    if (s != NATS_OK) return die(argv[1], s);
    s = natsConnection_JetStream(&js, nc, NULL);
    if (s != NATS_OK) return die("jetstream", s);
    const char *cmd = argv[2];
    int rc = 0;
    if (strcmp(cmd, "add") == 0 && argc == 5) {
        jsStreamConfig sc;
        jsStreamConfig_Init(&sc);
        sc.Name = argv[3];
        const char *subj[1] = { argv[4] };
        sc.Subjects = subj;
        sc.SubjectsLen = 1;
        sc.Storage = js_FileStorage;
        jsStreamInfo *si = NULL;
        s = js_AddStream(&si, js, &sc, NULL, NULL);
        if (s != NATS_OK) return die("add stream", s);
        jsStreamInfo_Destroy(si);
    } else if (strcmp(cmd, "pub") == 0 && (argc == 5 || argc == 6)) {
        long n = atol(argv[4]), from = argc == 6 ? atol(argv[5]) : 0;
        for (long i = from; i < from + n; i++) {
            char buf[64];
            int len = snprintf(buf, sizeof buf, "message %ld", i);
            s = js_PublishAsync(js, argv[3], buf, len, NULL);
            if (s != NATS_OK) return die("publish", s);
        }
        jsPubOptions po;
        jsPubOptions_Init(&po);
        po.MaxWait = 30000;
        s = js_PublishAsyncComplete(js, &po);
        if (s != NATS_OK) return die("publish complete", s);
    } else if (strcmp(cmd, "pubraw") == 0 && argc == 5) {
        s = js_Publish(NULL, js, argv[3], argv[4], (int)strlen(argv[4]), NULL, NULL);
        if (s != NATS_OK) return die("publish", s);
    } else if (strcmp(cmd, "count") == 0 && argc == 4) {
        uint64_t n = stream_msgs(js, argv[3], NULL);
        if (n == UINT64_MAX) return die("stream info", NATS_NOT_FOUND);
        printf("%llu\n", (unsigned long long)n);
    } else if (strcmp(cmd, "wait") == 0 && argc == 6) {
        uint64_t want = strtoull(argv[4], NULL, 10);
        int tenths = atoi(argv[5]) * 10;
        uint64_t n = 0;
        for (int i = 0; i <= tenths; i++) {
            n = stream_msgs(js, argv[3], NULL);
            if (n != UINT64_MAX && n >= want) break;
            usleep(100000);
        }
        printf("%llu\n", (unsigned long long)n);
        rc = n != UINT64_MAX && n >= want ? 0 : 1;
    } else if (strcmp(cmd, "dump") == 0 && (argc == 4 || argc == 5)) {
        uint64_t last = 0;
        if (stream_msgs(js, argv[3], &last) == UINT64_MAX) return die("stream info", NATS_NOT_FOUND);
        for (uint64_t seq = 1; seq <= last; seq++) {
            natsMsg *m = NULL;
            if (js_GetMsg(&m, js, argv[3], seq, NULL, NULL) != NATS_OK) continue;
            const char *h = NULL;
            if (argc == 5 && natsMsgHeader_Get(m, argv[4], &h) != NATS_OK) h = "";
            if (argc == 5)
                printf("%.*s %s=%s\n", natsMsg_GetDataLength(m), natsMsg_GetData(m), argv[4], h);
            else
                printf("%.*s\n", natsMsg_GetDataLength(m), natsMsg_GetData(m));
            natsMsg_Destroy(m);
        }
    } else if (strcmp(cmd, "bench") == 0 && argc == 7) {
        /* Publishes N messages "message <i> <ns>" to IN (RATE per second,
         * 0: as fast as the acks allow) and times their arrival on OUT. */
        const char *in = argv[3], *outs = argv[4];
        long n = atol(argv[5]), rate = atol(argv[6]);
        natsSubscription *sub = NULL;
        s = natsConnection_SubscribeSync(&sub, nc, outs);
        if (s == NATS_OK) s = natsSubscription_SetPendingLimits(sub, -1, -1);
        if (s == NATS_OK) s = natsConnection_Flush(nc);
        if (s != NATS_OK) return die("subscribe", s);
        uint64_t *lat = calloc((size_t)n, sizeof *lat);
        if (!lat) return die("out of memory", NATS_NO_MEMORY);
        uint64_t t0 = now_ns();
        long got = 0, sent = 0;
        while (got < n) {
            uint64_t now = now_ns();
            long due = rate ? (long)((now - t0) * (uint64_t)rate / 1000000000u) + 1 : n;
            if (due > n) due = n;
            for (; sent < due && sent - got < 20000; sent++) {
                char buf[64];
                int len = snprintf(buf, sizeof buf, "message %ld %llu", sent,
                                   (unsigned long long)now_ns());
                s = js_PublishAsync(js, in, buf, len, NULL);
                if (s != NATS_OK) return die("publish", s);
            }
            natsMsg *m = NULL;
            s = natsSubscription_NextMsg(&m, sub, 5000);
            if (s == NATS_TIMEOUT) break;
            if (s != NATS_OK) continue;
            unsigned long long ts = 0;
            long i = 0;
            if (sscanf(natsMsg_GetData(m), "MESSAGE %ld %llu", &i, &ts) == 2 && got < n)
                lat[got++] = now_ns() - ts;
            natsMsg_Destroy(m);
        }
        double secs = (double)(now_ns() - t0) / 1e9;
        qsort(lat, (size_t)got, sizeof *lat, cmp_u64);
        printf("messages=%ld seconds=%.3f msgs_per_s=%.0f p50_us=%.0f p99_us=%.0f\n", got, secs,
               got / secs, got ? lat[got / 2] / 1e3 : 0.0,
               got ? lat[(size_t)(got * 0.99)] / 1e3 : 0.0);
        free(lat);
        natsSubscription_Destroy(sub);
        rc = got == n ? 0 : 1;
    } else if (strcmp(cmd, "consumer") == 0 && argc == 5) {
        jsConsumerInfo *ci = NULL;
        s = js_GetConsumerInfo(&ci, js, argv[3], argv[4], NULL, NULL);
        if (s != NATS_OK) return die("consumer info", s);
        printf("ack_pending=%lld pending=%llu\n", (long long)ci->NumAckPending,
               (unsigned long long)ci->NumPending);
        jsConsumerInfo_Destroy(ci);
    } else {
        fprintf(stderr, "js_tool: bad command '%s'\n", cmd);
        rc = 2;
    }
    jsCtx_Destroy(js);
    natsConnection_Destroy(nc);
    return rc;
}
