/* Call-heavy kernel: naive doubly recursive Fibonacci. Almost all of its
 * time is function entry and return, so it measures what a call costs in
 * each runner. Size: n, the Fibonacci index (full 43, quick 24). The
 * result wraps modulo 2^32, which keeps it identical on every target. */
#include "kernel.h"

/* noinline keeps the recursion a real call in every build; each compiler
 * may still turn one of the two calls into a loop, as it would for any
 * guest written this way. */
__attribute__((noinline)) static uint32_t fib(uint32_t n)
{
    if (n < 2)
        return n;
    return fib(n - 1) + fib(n - 2);
}

int main(int argc, char **argv)
{
    uint32_t n = kernel_size(argc, argv, 43, 24);
    if (n > 60) {
        fprintf(stderr, "fib: n=%" PRIu32 " would never finish; use 60 or less\n", n);
        return 2;
    }
    return kernel_report("fib", n, fib(n));
}
