/* What both programs (lockwatch and lockwatchd) share at their surface:
 * the exit codes, the program's name in front of an error line, and where
 * the rules file is by default. Commands and the daemon's main print with
 * lw_error(); library code below them returns errors and never prints. */
#ifndef LW_PROGRAM_H
#define LW_PROGRAM_H

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

/* "lockwatch" or "lockwatchd": set by each program's main. */
extern const char *lw_progname;
/* "lockwatch: " + message on stderr. */
void lw_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define DEFAULT_RULES SYSCONFDIR "/lockwatch/lockwatch.rules"

#endif
