/* The check macro of the pipeline tests: a failed check prints the case
 * name and what was found, and counts; main reports the count. */
#ifndef WP_TEST_PIPELINE_CHECK_H
#define WP_TEST_PIPELINE_CHECK_H

#include <stdio.h>

static int failures;

#define CHECK(name, cond, ...)                                                \
    do {                                                                      \
        if (!(cond)) {                                                        \
            failures++;                                                       \
            printf("FAIL %s: ", name);                                        \
            printf(__VA_ARGS__);                                              \
            printf("\n");                                                     \
        }                                                                     \
    } while (0)

#endif
