/* The pipeline subcommands of the wasmpipe program (run, process, lint,
 * components), kept apart from cli.h so that each file has one owner.
 * Each takes the arguments from its own name on and returns the exit
 * status.
 */
#ifndef WASMPIPE_CLI_PIPELINE_H
#define WASMPIPE_CLI_PIPELINE_H

#include <wasmpipe/pipeline.h>

/* Exit statuses of the pipeline commands. */
#define CLI_EXIT_RUNTIME 1   /* the pipeline ran but its input or output failed */
#define CLI_EXIT_LINT 1      /* `lint` found problems */
#define CLI_EXIT_CONFIG 2    /* bad usage, bad configuration, missing module */

int cli_run(int argc, char **argv);
int cli_process(int argc, char **argv);
int cli_lint(int argc, char **argv);
int cli_components(int argc, char **argv);

/* True for the options that make `wasmpipe -c config.yaml` mean `run`. */
bool cli_run_implied(const char *arg);

/* Shared by run and process: logs the first diagnostic as a config_error
 * line (with the count of the others), mapping field paths to flag names
 * when `flags` is given ({path, flag} pairs ending with {NULL, NULL}). */
void cli_report_diags(const wp_logger *log, const wp_diags *d, const char *const (*flags)[2]);

/* Creates and runs the pipeline of c, stopping it cleanly on SIGINT or
 * SIGTERM (a second one exits at once). Returns the exit status. */
int cli_run_pipeline(const wp_config *c, wp_logger *log, bool level_fixed, uint32_t batch,
                     const char *const (*flags)[2]);

#endif
