/* lockwatch replay: judge the lockdown from capture files, offline, in
 * packet time, so a replay gives the answer the live run would have. */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "analyzer/report.h"
#include "cli/cmd.h"
#include "cli/pipeline.h"
#include "cli/progress.h"
#include "common/bounds.h"

#define DEFAULT_RULES SYSCONFDIR "/lockwatch/lockwatch.rules"
#define REPLAY_SLICE_PACKETS 8192 /* between progress checks: cheap, still smooth */

static const char replay_usage[] =
    "usage: lockwatch replay [OPTIONS] FILE...\n"
    "Reads pcap/pcapng files in order ('-' is standard input) and prints the verdict.\n"
    "\n"
    "  -r, --rules FILE        rules file (default " DEFAULT_RULES ")\n"
    "  -j, --json              print the report as one JSON object\n"
    "      --top N             sources listed in the text report (default 20)\n"
    "      --timeout SECONDS   handshake timeout in packet time (default 5)\n"
    "      --max-attempts N    open attempts tracked at once (default 131072)\n"
    "      --max-sources N     distinct sources kept (default 1048576)\n"
    "  -h, --help              this text\n"
    "\n"
    "Exit status: 0 EFFECTIVE, 1 UNPROVEN, 2 NOT EFFECTIVE, 3 INCONCLUSIVE,\n"
    "64 bad usage, 65 bad rules or damaged capture, 66 a file cannot be opened.\n";

struct replay_opts {
	const char *rules;
	bool json;
	size_t top;
	struct pipeline_config pc;
};

static int parse_args(int argc, char **argv, struct replay_opts *o)
{
	enum { OPT_TOP = 256, OPT_TIMEOUT, OPT_MAX_ATTEMPTS, OPT_MAX_SOURCES };
	static const struct option longopts[] = {
	    {"rules", required_argument, NULL, 'r'},
	    {"json", no_argument, NULL, 'j'},
	    {"top", required_argument, NULL, OPT_TOP},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"max-attempts", required_argument, NULL, OPT_MAX_ATTEMPTS},
	    {"max-sources", required_argument, NULL, OPT_MAX_SOURCES},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	unsigned long long v;
	int c;

	o->rules = DEFAULT_RULES;
	o->json = false;
	o->top = LW_REPORT_SOURCES_DEFAULT;
	pipeline_config_defaults(&o->pc);
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":r:jh", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			o->rules = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case OPT_TOP:
			if (parse_uint_flag("--top", optarg, 0, 1000000000, &v) < 0)
				return -1;
			o->top = (size_t)v;
			break;
		case OPT_TIMEOUT:
			if (parse_uint_flag("--timeout", optarg, 1, 3600, &v) < 0)
				return -1;
			o->pc.timeout_us = v * 1000000ULL;
			break;
		case OPT_MAX_ATTEMPTS:
			if (parse_uint_flag("--max-attempts", optarg, 16, 1u << 26, &v) < 0)
				return -1;
			o->pc.max_attempts = (uint32_t)v;
			break;
		case OPT_MAX_SOURCES:
			if (parse_uint_flag("--max-sources", optarg, 16, 1u << 28, &v) < 0)
				return -1;
			o->pc.max_sources = (uint32_t)v;
			break;
		case 'h':
			fputs(replay_usage, stdout);
			exit(0);
		case ':':
			lw_error("replay: option '%s' needs a value", argv[optind - 1]);
			return -1;
		default:
			lw_error("replay: unknown option '%s' (see 'lockwatch replay --help')",
				 argv[optind - 1]);
			return -1;
		}
	}
	if (optind >= argc) {
		lw_error("replay: no capture file given (see 'lockwatch replay --help')");
		return -1;
	}
	return 0;
}

/* Loads rules, printing every diagnostic; returns NULL and sets *ret_exit. */
static struct rules *load_rules(const char *path, int *ret_exit)
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
	if (!r && d.errors == 0)
		lw_error("%s: cannot load rules", path);
	diag_clear(&d);
	*ret_exit = LW_EXIT_DATAERR;
	return r;
}

static int capture_exit(const struct capture *c)
{
	return c->err == CAPTURE_ERR_OPEN ? LW_EXIT_NOINPUT : LW_EXIT_DATAERR;
}

int cmd_replay(int argc, char **argv)
{
	struct replay_opts o;
	struct report rep;
	struct capture_stats cs;
	struct progress prog;
	int rc;

	if (parse_args(argc, argv, &o) < 0)
		return LW_EXIT_USAGE;
	struct rules *rules = load_rules(o.rules, &rc);
	if (!rules)
		return rc;
	struct pipeline *p = pipeline_new(&o.pc, rules);
	if (!p) {
		lw_error("replay: out of memory");
		return LW_EXIT_SOFTWARE;
	}
	const uint16_t *ports;
	unsigned n_ports = rules_ports(p->rules, &ports);
	struct capture *cap =
	    capture_open_files(argv + optind, (unsigned)(argc - optind), ports, n_ports);
	if (!cap || cap->err) {
		rc = cap ? capture_exit(cap) : LW_EXIT_SOFTWARE;
		lw_error("%s", cap ? cap->errstr : "out of memory");
		capture_free(cap);
		pipeline_free(p);
		return rc;
	}

	memset(&rep, 0, sizeof(rep));
	progress_init(&prog, stderr);
	for (;;) {
		/* In slices, so the progress line moves during a large file. */
		int n = capture_next(cap, REPLAY_SLICE_PACKETS, pipeline_packet, p);
		if (n == CAPTURE_END)
			break;
		if (n < 0) {
			progress_finish(&prog);
			/* What came before the damage stays counted. */
			lw_error("%s (the packets before it are counted)", cap->errstr);
			rep.input_errors++;
			continue;
		}
		uint64_t done, total;
		capture_progress(cap, &done, &total);
		progress_update(&prog, done, total, cap->stats.packets);
	}
	progress_finish(&prog);
	pipeline_finish(p);
	capture_get_stats(cap, &cs);
	if (pipeline_report(p, &cs, &rep) < 0) {
		lw_error("replay: out of memory");
		rc = LW_EXIT_SOFTWARE;
		goto out;
	}
	if (o.json)
		report_print_json(stdout, &rep);
	else
		report_print_text(stdout, &rep, o.top);
	fflush(stdout);
	rc = rep.input_errors ? LW_EXIT_DATAERR : (int)rep.verdict;
out:
	report_release(&rep);
	capture_free(cap);
	pipeline_free(p);
	return rc;
}
