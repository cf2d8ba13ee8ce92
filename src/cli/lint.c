/* `wasmpipe lint config.yaml...`: checks configurations without running
 * them (no file or module is opened) and prints every problem found, one
 * per line, as file:line:col: field: message.
 */
#include "cli_pipeline.h"

#include <stdio.h>
#include <string.h>

static const char help_text[] =
    "usage: wasmpipe lint config.yaml [more.yaml ...]\n"
    "\n"
    "Checks pipeline configurations against the schema without running\n"
    "them: YAML syntax, unknown keys, values of the wrong type or out of\n"
    "range, missing required fields, unset environment variables. Each\n"
    "problem is one line, file:line:col: field: message. Files and modules\n"
    "are not opened; `wasmpipe run` reports those.\n"
    "\n"
    "exit status: 0 when every file is valid, 1 when any has a problem,\n"
    "2 on bad usage.\n";

static int lint_file(const char *path) {
    wp_diags d;
    wp_diags_init(&d);
    wp_config *c;
    if (wp_config_load_file(path, &c, &d) == WP_OK) {
        wp_config_check(c, &d);
        wp_config_destroy(c);
    }
    for (size_t i = 0; i < d.n; i++) {
        char line[1024];
        wp_diag_format(&d, i, line, sizeof line);
        printf("%s\n", line);
    }
    if (d.dropped) printf("%s: %zu more problems not shown\n", d.file, d.dropped);
    int bad = d.n || d.dropped;
    wp_diags_free(&d);
    return bad;
}

int cli_lint(int argc, char **argv) {
    int first = 1;
    if (argc > 1 && (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0)) {
        fputs(help_text, stdout);
        return 0;
    }
    if (argc > 1 && strcmp(argv[1], "--") == 0) first = 2;
    if (first >= argc) {
        fputs("wasmpipe lint: no configuration given (see wasmpipe lint --help)\n", stderr);
        return CLI_EXIT_CONFIG;
    }
    for (int i = first; i < argc; i++) {
        if (first == 1 && argv[i][0] == '-' && argv[i][1]) {
            fprintf(stderr, "wasmpipe lint: unknown option '%s' (see wasmpipe lint --help)\n",
                    argv[i]);
            return CLI_EXIT_CONFIG;
        }
    }
    int bad = 0;
    for (int i = first; i < argc; i++) bad |= lint_file(argv[i]);
    fflush(stdout);
    return bad ? CLI_EXIT_LINT : 0;
}
