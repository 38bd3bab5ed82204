/* lockwatch rules: check a rules file, look addresses up, show what is in
 * force, and export the same policy as firewall rules, so enforcement and
 * monitoring come from one source. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "cli/cmd_rules_update.h"
#include "rules/firewall.h"
#include "rules/rules.h"

static const char rules_usage[] =
    "usage: lockwatch rules check FILE\n"
    "       lockwatch rules lookup [-r FILE] ADDR...\n"
    "       lockwatch rules dump [-r FILE]\n"
    "       lockwatch rules export --format nft|iptables|ip6tables [--action drop|reject]"
    " [-r FILE]\n"
    "       lockwatch rules update --spf NAME [--resolver ADDR[:PORT]] -o FILE\n"
    "\n"
    "check   exit 0 when FILE loads (warnings are listed), 65 when it has errors\n"
    "lookup  the set or exception (and its file:line) each address matches, or 'outside'\n"
    "dump    the normalised, merged rules in force (itself a valid rules file)\n"
    "export  firewall rules enforcing the same policy: accept the watched ports from\n"
    "        the sets in force and the exceptions, drop (or reject) everyone else\n"
    "update  regenerate a file of sets from SPF netblock records (see 'rules update -h')\n"
    "-r FILE defaults to " DEFAULT_RULES "\n";

/* Parses "-r FILE" and "--format/--action" shared by the subcommands. */
struct rules_opts {
	const char *file;
	const char *format;
	const char *action;
};

static int parse_opts(int argc, char **argv, struct rules_opts *o)
{
	static const struct option longopts[] = {
	    {"rules", required_argument, NULL, 'r'},
	    {"format", required_argument, NULL, 'f'},
	    {"action", required_argument, NULL, 'a'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	o->file = DEFAULT_RULES;
	o->format = NULL;
	o->action = "drop";
	optind = 1;
	char cmd[32];

	snprintf(cmd, sizeof(cmd), "rules %s", argv[0]);
	while ((c = lw_getopt(argc, argv, ":r:h", longopts, cmd, "lockwatch rules --help")) != -1) {
		switch (c) {
		case 'r':
			o->file = optarg;
			break;
		case 'f':
			o->format = optarg;
			break;
		case 'a':
			o->action = optarg;
			break;
		case 'h':
			fputs(rules_usage, stdout);
			exit(0);
		default: /* lw_getopt said what is wrong */
			return -1;
		}
	}
	return 0;
}

static int rules_check(int argc, char **argv)
{
	struct rules_opts o;
	unsigned warnings = 0;
	int rc;

	if (parse_opts(argc, argv, &o) < 0)
		return LW_EXIT_USAGE;
	if (optind != argc - 1) {
		lw_error("rules check: give exactly one FILE");
		return LW_EXIT_USAGE;
	}
	struct rules *r = lw_load_rules(argv[optind], &rc, &warnings);
	if (!r)
		return rc;
	const uint16_t *ports;
	unsigned n_ports = rules_ports(r, &ports);
	printf("%s: OK, %zu prefix(es) in force, %u port(s), %u warning(s), digest %s\n",
	       argv[optind], rules_count(r), n_ports, warnings, rules_digest(r));
	rules_free(r);
	return 0;
}

static void print_match(const char *text, const struct rule_ref *ref)
{
	if (ref->cls == CLASS_ALLOWED)
		printf("%s\tallowed\tset %s\t%s\t%s:%u\n", text, ref->set, ref->prefix, ref->file,
		       ref->line);
	else if (ref->cls == CLASS_PROBE)
		printf("%s\tprobe\tlabel %s\t%s\t%s:%u\n", text, ref->label, ref->prefix, ref->file,
		       ref->line);
	else if (ref->cls == CLASS_EXCEPTION)
		printf("%s\texception\tlabel %s\t%s\t%s:%u%s%s%s\n", text, ref->label, ref->prefix,
		       ref->file, ref->line, ref->comment ? "\t\"" : "",
		       ref->comment ? ref->comment : "", ref->comment ? "\"" : "");
	else if (ref->set)
		printf("%s\toutside\t(set %s matches %s at %s:%u but is not in force)\n", text,
		       ref->set, ref->prefix, ref->file, ref->line);
	else
		printf("%s\toutside\n", text);
}

static int rules_lookup(int argc, char **argv)
{
	struct rules_opts o;
	int rc;

	if (parse_opts(argc, argv, &o) < 0)
		return LW_EXIT_USAGE;
	if (optind >= argc) {
		lw_error("rules lookup: give at least one address");
		return LW_EXIT_USAGE;
	}
	for (int i = optind; i < argc; i++) {
		struct lw_addr a;
		if (addr_parse(argv[i], &a) < 0) {
			lw_error("rules lookup: '%s' is not an IPv4 or IPv6 address", argv[i]);
			return LW_EXIT_USAGE;
		}
	}
	struct rules *r = lw_load_rules(o.file, &rc, NULL);
	if (!r)
		return rc;
	for (int i = optind; i < argc; i++) {
		struct lw_addr a;
		struct rule_ref ref;
		addr_parse(argv[i], &a);
		if (rules_classify(r, &a, &ref) == CLASS_OUTSIDE)
			rules_match_defined(r, &a, &ref);
		print_match(argv[i], &ref);
	}
	rules_free(r);
	return 0;
}

static int rules_dump_cmd(int argc, char **argv)
{
	struct rules_opts o;
	int rc;

	if (parse_opts(argc, argv, &o) < 0)
		return LW_EXIT_USAGE;
	if (optind != argc) {
		lw_error("rules dump: unexpected argument '%s' (use -r FILE)", argv[optind]);
		return LW_EXIT_USAGE;
	}
	struct rules *r = lw_load_rules(o.file, &rc, NULL);
	if (!r)
		return rc;
	rules_dump(r, stdout);
	rules_free(r);
	return 0;
}

static int rules_export(int argc, char **argv)
{
	struct rules_opts o;
	int rc;

	if (parse_opts(argc, argv, &o) < 0)
		return LW_EXIT_USAGE;
	if (!o.format) {
		lw_error("rules export: --format nft, iptables or ip6tables is required");
		return LW_EXIT_USAGE;
	}
	if (strcmp(o.format, "nft") && strcmp(o.format, "iptables") &&
	    strcmp(o.format, "ip6tables")) {
		lw_error("rules export: --format '%s' is not one of nft, iptables, ip6tables",
			 o.format);
		return LW_EXIT_USAGE;
	}
	if (strcmp(o.action, "drop") && strcmp(o.action, "reject")) {
		lw_error("rules export: --action '%s' is not drop or reject", o.action);
		return LW_EXIT_USAGE;
	}
	if (optind != argc) {
		lw_error("rules export: unexpected argument '%s' (use -r FILE)", argv[optind]);
		return LW_EXIT_USAGE;
	}
	struct rules *r = lw_load_rules(o.file, &rc, NULL);
	if (!r)
		return rc;
	enum firewall_format fmt = !strcmp(o.format, "nft")	   ? FIREWALL_NFT
				   : !strcmp(o.format, "iptables") ? FIREWALL_IPTABLES
								   : FIREWALL_IP6TABLES;
	firewall_export(r, o.file, fmt, !strcmp(o.action, "reject"), stdout);
	rules_free(r);
	return 0;
}

static const struct cmd_entry subcommands[] = {
    {"check", "check FILE", "", rules_check},
    {"lookup", "lookup [-r FILE] ADDR...", "", rules_lookup},
    {"dump", "dump [-r FILE]", "", rules_dump_cmd},
    {"export", "export --format F", "", rules_export},
    {"update", "update --spf NAME -o FILE", "", cmd_rules_update},
};

int cmd_rules(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
		fputs(rules_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? LW_EXIT_USAGE : 0;
	}
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++)
		if (!strcmp(argv[1], subcommands[i].name))
			return subcommands[i].exec(argc - 1, argv + 1);
	lw_error("rules: unknown subcommand '%s' (check, lookup, dump, export, update)", argv[1]);
	return LW_EXIT_USAGE;
}
