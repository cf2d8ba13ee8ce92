/* `wasmpipe components [--markdown]`: the reference of every section and
 * component with its fields, types, defaults and help, generated from the
 * schema tables. The Markdown form is the reference part of
 * docs/configuration.md, and a test keeps the two identical.
 */
#include "cli_pipeline.h"

#include <stdio.h>
#include <string.h>

int cli_components(int argc, char **argv) {
    wp_doc_format fmt = WP_DOC_TEXT;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--markdown") == 0) {
            fmt = WP_DOC_MARKDOWN;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            fputs("usage: wasmpipe components [--markdown]\n\n"
                  "Lists the configuration's sections, inputs, processors and outputs with\n"
                  "every field, its type, default and meaning. --markdown prints the\n"
                  "reference part of docs/configuration.md.\n",
                  stdout);
            return 0;
        } else {
            fprintf(stderr, "wasmpipe components: unknown argument '%s'\n", argv[i]);
            return CLI_EXIT_CONFIG;
        }
    }
    wp_config_reference(stdout, fmt);
    return fflush(stdout) == 0 ? 0 : CLI_EXIT_RUNTIME;
}
