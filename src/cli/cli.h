/* The subcommands of the wasmpipe program. Each takes the arguments from
 * its own name on (argv[0] is the subcommand) and returns the process exit
 * status.
 */
#ifndef WASMPIPE_CLI_H
#define WASMPIPE_CLI_H

/* Exit status when wasmpipe itself cannot do what was asked (bad usage, an
 * unreadable or invalid module, an unsatisfied import), kept apart from
 * the small codes guests use. */
#define CLI_EXIT_FAILURE 125
/* Exit status when the guest traps: 128 + SIGABRT, what a native program
 * that aborts reports through a shell. */
#define CLI_EXIT_TRAP 134
#define CLI_EXIT_TIMEOUT 124  /* exec --timeout stopped the guest */

int cli_exec(int argc, char **argv);

#endif
