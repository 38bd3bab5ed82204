/* lockwatch subcommands: one file each, one entry in the table in main.c. */
#ifndef LW_CMD_H
#define LW_CMD_H

#include <stdbool.h>

#include "common/program.h" /* exit codes, lw_error() */

struct cmd_entry {
	const char *name;
	const char *usage;
	const char *summary;
	int (*exec)(int argc, char **argv);
};

int cmd_replay(int argc, char **argv);
int cmd_rules(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_doctor(int argc, char **argv);
int cmd_probe(int argc, char **argv);

struct rules;
/* Loads a rules file, printing every error and warning (file:line:col) to
 * stderr. NULL when it cannot be used; *ret_exit is then the exit status
 * (66 unreadable, 65 errors). ret_warnings may be NULL. */
struct rules *lw_load_rules(const char *path, int *ret_exit, unsigned *ret_warnings);

struct option;
/* getopt_long that prints one clear line itself for an unknown option, a
 * missing value or an empty one ("lockwatch: CMD: option '--rules' needs a
 * value"), and then returns LW_GETOPT_ERROR. help names the command's help
 * ("lockwatch replay --help"). Call with optind = 1 before the first use. */
#define LW_GETOPT_ERROR (-2)
int lw_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
	      const char *cmd, const char *help);
/* Parses a whole decimal number in [min, max]; names the flag on failure. */
int parse_uint_flag(const char *flag, const char *text, unsigned long long min,
		    unsigned long long max, unsigned long long *ret);

/* The end of the option switch the Redis-speaking commands (replay,
 * report, doctor) share, for its default case: -h prints usage and exits
 * 0, one of REDIS_OPTS_LONGOPTS is taken. false for anything else (then
 * lw_getopt already said what is wrong). */
struct redis_opts;
bool cmd_redis_option(int c, const char *value, const char *usage, struct redis_opts *ro);
/* -1 with one line naming the first operand when any is left after the
 * options of a command that takes none. */
int cmd_no_operands(int argc, char **argv, const char *cmd);

#endif
