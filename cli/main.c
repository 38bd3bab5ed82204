/* cli/: lockwatch's commands, one file each (cmd_*.c, with doctor_watch.c,
 * progress.c and util.c as their helpers), and this front end that
 * dispatches to them. It may include every library directory (common/,
 * sensor/, rules/, analyzer/, pipeline/, redis/, journal/, render/, dns/,
 * probe/); never daemon/, which is lockwatchd's. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "cli/cmd.h"

static const struct cmd_entry commands[] = {
    {"replay", "replay [-r RULES] [--json] [--top N] FILE...",
     "judge the lockdown from capture files", cmd_replay},
    {"rules", "rules check|lookup|dump|export ...",
     "check rules, look addresses up, export firewall rules", cmd_rules},
    {"report", "report [--redis URL] [--since DURATION] [--sensor NAME] [--json]",
     "judge the lockdown from what the sensors stored in Redis", cmd_report},
    {"doctor", "doctor [-i IFACE] [-r RULES] [--redis URL] ...",
     "check what a verdict depends on before trusting it", cmd_doctor},
    {"probe", "probe [--level tcp|smtp] [--send] [--domain DOMAIN] [--json] TARGET...",
     "test the lockdown from outside: connect, speak SMTP, check the MX records", cmd_probe},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: lockwatch COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-60s %s\n", commands[i].usage, commands[i].summary);
	fprintf(f,
		"\n'lockwatch COMMAND --help' describes a command; man lockwatch has the rest.\n");
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return LW_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("lockwatch %s\n", PACKAGE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (strcmp(argv[1], commands[i].name) == 0)
			return commands[i].exec(argc - 1, argv + 1);
	lw_error("unknown command '%s' (try 'lockwatch --help')", argv[1]);
	return LW_EXIT_USAGE;
}
