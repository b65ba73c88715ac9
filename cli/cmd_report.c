/* SPDX-License-Identifier: MIT
 * cli/cmd_report.c: "covrun report" (placeholder until the report module lands).
 */
#include "cli/cli.h"

int cmd_report(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	errorf("'report' is not implemented yet");
	return CLI_EXIT_FAILURE;
}
