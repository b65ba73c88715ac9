/* SPDX-License-Identifier: MIT
 * cli/cmd_merge.c: "covrun merge" (placeholder until the merge module lands).
 */
#include "cli/cli.h"

int cmd_merge(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	errorf("'merge' is not implemented yet");
	return CLI_EXIT_FAILURE;
}
