/* The wasmpipe program: picks the subcommand named by the first argument
 * and hands it the rest.
 */
#include "cli.h"
#include "cli_pipeline.h"

#include <wasmpipe/runtime.h>

#include <stdio.h>
#include <string.h>

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;
} command;

static const command commands[] = {
    { "exec", cli_exec, "run a WASI command module (wasmpipe exec --help)" },
    { "run", cli_run, "run a pipeline configuration (also: wasmpipe -c config.yaml)" },
    { "process", cli_process, "stdin lines through a wasm module to stdout" },
    { "lint", cli_lint, "check pipeline configurations without running them" },
    { "components", cli_components, "the configuration reference (--markdown for docs)" },
};

static void usage(FILE *out) {
    fprintf(out, "usage: wasmpipe <command> [arguments]\n\ncommands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n  --help     this text\n  --version  print the version\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_FAILURE;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0 || strcmp(name, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "version") == 0) {
        printf("wasmpipe %s\n", wp_version_string());
        return 0;
    }
    if (cli_run_implied(name)) return cli_run(argc, argv);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(name, commands[i].name) == 0) return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "wasmpipe: unknown command '%s'\n\n", name);
    usage(stderr);
    return CLI_EXIT_FAILURE;
}
