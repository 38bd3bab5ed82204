/* lockwatch subcommands: one file each, one entry in the table in main.c. */
#ifndef LW_CMD_H
#define LW_CMD_H

/* Exit codes. A verdict is 0..3 (the Nagios/Icinga convention: OK,
 * WARNING, CRITICAL, UNKNOWN), so monitoring can run lockwatch as a check;
 * errors use the sysexits.h values, well away from the verdicts. */
enum lw_exit {
	LW_EXIT_EFFECTIVE = 0,
	LW_EXIT_UNPROVEN = 1,
	LW_EXIT_NOT_EFFECTIVE = 2,
	LW_EXIT_INCONCLUSIVE = 3,
	LW_EXIT_USAGE = 64,	  /* EX_USAGE: bad flag or argument */
	LW_EXIT_DATAERR = 65,	  /* EX_DATAERR: broken rules, not a capture, truncated file */
	LW_EXIT_NOINPUT = 66,	  /* EX_NOINPUT: a file cannot be opened */
	LW_EXIT_SOFTWARE = 70,	  /* EX_SOFTWARE: out of memory, internal error */
	LW_EXIT_UNAVAILABLE = 69, /* EX_UNAVAILABLE: Redis or another service unreachable */
};

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

extern const char *lw_progname;
/* "lockwatch: " + message on stderr. */
void lw_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define DEFAULT_RULES SYSCONFDIR "/lockwatch/lockwatch.rules"

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

#endif
