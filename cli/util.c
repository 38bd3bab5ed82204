/* Helpers shared by the subcommands: error lines and flag parsing. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "redis/redis_opts.h"
#include "rules/rules.h"

int parse_uint_flag(const char *flag, const char *text, unsigned long long min,
		    unsigned long long max, unsigned long long *ret)
{
	char *end;

	if (!text || !*text) {
		lw_error("%s: missing value (expected a number from %llu to %llu)", flag, min, max);
		return -1;
	}
	errno = 0;
	unsigned long long v = strtoull(text, &end, 10);
	if (*end != '\0' || text[0] == '-' || text[0] == '+' || text[0] == ' ') {
		lw_error("%s: '%s' is not a number (expected %llu to %llu)", flag, text, min, max);
		return -1;
	}
	if (errno == ERANGE || v < min || v > max) {
		lw_error("%s: %s is out of range (expected %llu to %llu)", flag, text, min, max);
		return -1;
	}
	*ret = v;
	return 0;
}

/* The option getopt_long just refused, as the user wrote it. An unknown
 * short option inside a bundle ("-xj") leaves optind on the bundle, so
 * argv[optind - 1] would be the word before it: name it from optopt. */
static const char *refused_name(char **argv, const char *shortopts, char *buf, size_t len)
{
	if (optopt > 0 && optopt < 128 && optopt != ':' && !strchr(shortopts, optopt)) {
		snprintf(buf, len, "-%c", optopt);
		return buf;
	}
	return argv[optind - 1];
}

int lw_getopt(int argc, char **argv, const char *shortopts, const struct option *longopts,
	      const char *cmd, const char *help)
{
	char buf[8];
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, shortopts, longopts, NULL);
	switch (c) {
	case -1:
		return -1;
	case ':':
		lw_error("%s: option '%s' needs a value", cmd, argv[optind - 1]);
		return LW_GETOPT_ERROR;
	case '?':
		lw_error("%s: unknown option '%s' (see '%s')", cmd,
			 refused_name(argv, shortopts, buf, sizeof(buf)), help);
		return LW_GETOPT_ERROR;
	}
	if (optarg && optarg[0] == '\0') {
		/* "--rules=" or "-r ''": the word holding the option is the one
		 * before the empty value, or the value itself cut at '=' */
		const char *w = argv[optind - 1][0] ? argv[optind - 1] : argv[optind - 2];
		char name[64];
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(w, "="), w);
		lw_error("%s: option '%s' needs a value", cmd, name);
		return LW_GETOPT_ERROR;
	}
	return c;
}

struct rules *lw_load_rules(const char *path, int *ret_exit, unsigned *ret_warnings)
{
	struct diag d;

	if (access(path, R_OK) != 0) {
		lw_error("%s: cannot read rules: %m", path);
		*ret_exit = LW_EXIT_NOINPUT;
		return NULL;
	}
	diag_init(&d);
	struct rules *r = rules_load_file(path, &d);
	for (size_t i = 0; i < d.n; i++)
		fprintf(stderr, "%s\n", d.msgs[i].text);
	if (ret_warnings)
		*ret_warnings = d.warnings;
	if (!r && d.errors == 0)
		lw_error("%s: cannot load rules", path);
	if (!r)
		fprintf(stderr, "%s: %u error(s), %u warning(s); nothing loaded\n", path, d.errors,
			d.warnings);
	diag_clear(&d);
	*ret_exit = LW_EXIT_DATAERR;
	return r;
}

bool cmd_redis_option(int c, const char *value, const char *usage, struct redis_opts *ro)
{
	if (c == 'h') {
		fputs(usage, stdout);
		exit(0);
	}
	return redis_opts_take(ro, c, value);
}

int cmd_no_operands(int argc, char **argv, const char *cmd)
{
	if (optind < argc) {
		lw_error("%s: unexpected argument '%s' (see 'lockwatch %s --help')", cmd,
			 argv[optind], cmd);
		return -1;
	}
	return 0;
}
