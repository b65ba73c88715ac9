/* SPDX-License-Identifier: MIT
 * cli/cmd_run.c: "covrun run" (placeholder).
 */
#include "cli/cli.h"

int cmd_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	errorf("'run' is not implemented yet");
	return CLI_EXIT_FAILURE;
}
