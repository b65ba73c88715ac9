/* SPDX-License-Identifier: MIT
 * cli/cmd_tree.c: "covrun tree" (placeholder).
 */
#include "cli/cli.h"

int cmd_tree(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	errorf("'tree' is not implemented yet");
	return CLI_EXIT_FAILURE;
}
