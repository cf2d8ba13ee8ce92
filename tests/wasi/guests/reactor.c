/* A reactor: _initialize runs the constructors, then the host calls
 * exported functions (wasmpipe exec --invoke). */
#include <stdint.h>
#include <stdio.h>

static int32_t offset;

__attribute__((constructor)) static void init(void) {
    offset = 1000;
    printf("initialized\n");
    fflush(stdout);
}

__attribute__((export_name("add"))) int32_t add(int32_t a, int32_t b) {
    return a + b + offset;
}

__attribute__((export_name("mul64"))) int64_t mul64(int64_t a, int64_t b) {
    return a * b;
}

__attribute__((export_name("half"))) double half(double x) {
    return x / 2;
}
