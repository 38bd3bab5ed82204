/* lockwatch probe: the lockdown test from outside (DESIGN.md section 11).
 * Options, targets and exit status; the engine is probe/. */
#include "config.h"

#include <getopt.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "dns/resolve.h"
#include "probe/judge.h"
#include "probe/mx_check.h"
#include "probe/render.h"
#include "probe/smtp_dialog.h"
#include "probe/tcp_connect.h"
#include "rules/rules.h"
#include "rules/spf.h"

#define PROBE_TARGETS_MAX   64 /* addresses probed in one run */
#define PROBE_DNS_TIMEOUT_S 5  /* per try, as rules update */
#define PROBE_DNS_TRIES	    2
#define PROBE_TIMEOUT_MAX_S 600

static const char probe_usage[] =
    "usage: lockwatch probe [OPTIONS] TARGET...\n"
    "       lockwatch probe --domain DOMAIN [--resolver ADDR[:PORT]] [-r RULES] [OPTIONS]\n"
    "Tests the lockdown from outside: connects to each TARGET (an address or a host\n"
    "name, optionally :PORT or [IPv6]:PORT) as an outside source would, and judges.\n"
    "\n"
    "  -l, --level tcp|smtp    tcp (default): any accepted connection is NOT EFFECTIVE;\n"
    "                          smtp (hosted mailboxes): judge the SMTP refusal\n"
    "  -p, --port N            port when a TARGET names none (default 25)\n"
    "  -t, --timeout S         TCP connect timeout (default 10); also the longest wait\n"
    "                          for any SMTP reply (default at --level smtp: RFC 5321's,\n"
    "                          up to 10 min)\n"
    "      --source ADDR       local address to connect from (the vantage point)\n"
    "      --helo NAME         EHLO name, fully qualified (default\n"
    "                          lockwatch-probe-TOKEN.<this host's domain>)\n"
    "      --mail-from ADDR    envelope sender (default lockwatch-probe@<EHLO domain>)\n"
    "      --rcpt ADDR         recipient (default postmaster@DOMAIN with --domain)\n"
    "      --send              send one small test message (never sent otherwise)\n"
    "  -d, --domain DOMAIN     check the domain's MX records against the rules; with\n"
    "                          --level, also probe every exchange outside the gateway\n"
    "      --resolver ADDR[:PORT]  DNS server for --domain (default: resolv.conf's)\n"
    "  -r, --rules FILE        rules file for --domain (default " DEFAULT_RULES ")\n"
    "  -j, --json              print the report as one JSON object\n"
    "  -h, --help              this text\n"
    "\n"
    "Exit status: 0 EFFECTIVE, 1 UNPROVEN, 2 NOT EFFECTIVE, 3 INCONCLUSIVE,\n"
    "64 bad usage, 65 bad rules, 66 the rules file cannot be opened,\n"
    "69 a name does not resolve or the resolver failed, 70 internal error.\n";

struct probe_opts {
	enum probe_level level;
	bool level_given, json, send;
	unsigned port, timeout_s;
	bool timeout_given;
	const char *source, *helo, *mail_from, *rcpt, *domain, *resolver, *rules;
};

static int parse_args(int argc, char **argv, struct probe_opts *o)
{
	enum { OPT_SOURCE = 256, OPT_HELO, OPT_MAIL_FROM, OPT_RCPT, OPT_SEND, OPT_RESOLVER };
	static const struct option longopts[] = {
	    {"level", required_argument, NULL, 'l'},
	    {"port", required_argument, NULL, 'p'},
	    {"timeout", required_argument, NULL, 't'},
	    {"source", required_argument, NULL, OPT_SOURCE},
	    {"helo", required_argument, NULL, OPT_HELO},
	    {"mail-from", required_argument, NULL, OPT_MAIL_FROM},
	    {"rcpt", required_argument, NULL, OPT_RCPT},
	    {"send", no_argument, NULL, OPT_SEND},
	    {"domain", required_argument, NULL, 'd'},
	    {"resolver", required_argument, NULL, OPT_RESOLVER},
	    {"rules", required_argument, NULL, 'r'},
	    {"json", no_argument, NULL, 'j'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	unsigned long long v;
	int c;

	o->port = 25;
	o->timeout_s = PROBE_TIMEOUT_S;
	optind = 1;
	while ((c = lw_getopt(argc, argv, ":l:p:t:d:r:jh", longopts, "probe",
			      "lockwatch probe --help")) != -1) {
		switch (c) {
		case 'l':
			if (strcmp(optarg, "tcp") == 0) {
				o->level = PROBE_LEVEL_TCP;
			} else if (strcmp(optarg, "smtp") == 0) {
				o->level = PROBE_LEVEL_SMTP;
			} else {
				lw_error("probe: --level is tcp or smtp, not '%s'", optarg);
				return -1;
			}
			o->level_given = true;
			break;
		case 'p':
			if (parse_uint_flag("--port", optarg, 1, 65535, &v) < 0)
				return -1;
			o->port = (unsigned)v;
			break;
		case 't':
			if (parse_uint_flag("--timeout", optarg, 1, PROBE_TIMEOUT_MAX_S, &v) < 0)
				return -1;
			o->timeout_s = (unsigned)v;
			o->timeout_given = true;
			break;
		case OPT_SOURCE:
			o->source = optarg;
			break;
		case OPT_HELO:
			o->helo = optarg;
			break;
		case OPT_MAIL_FROM:
			o->mail_from = optarg;
			break;
		case OPT_RCPT:
			o->rcpt = optarg;
			break;
		case OPT_SEND:
			o->send = true;
			break;
		case 'd':
			o->domain = optarg;
			break;
		case OPT_RESOLVER:
			o->resolver = optarg;
			break;
		case 'r':
			o->rules = optarg;
			break;
		case 'j':
			o->json = true;
			break;
		case 'h':
			fputs(probe_usage, stdout);
			return 1;
		default:
			return -1;
		}
	}
	return 0;
}

/* A name fit for EHLO and an address: letters, digits, '-', '.'; at least
 * two labels; no empty label. */
static bool is_fqdn(const char *s)
{
	size_t n = strlen(s);
	bool dot = false;

	if (n == 0 || n >= PROBE_NAME_MAX || s[0] == '.' || s[n - 1] == '.' || strstr(s, ".."))
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '.')
			dot = true;
		else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			   (c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return dot;
}

/* An envelope address without anything that would break the command line. */
static bool is_mailbox(const char *s)
{
	if (strlen(s) >= PROBE_NAME_MAX - 32)
		return false;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || (unsigned char)*p >= 0x7f)
			return false;
	return true;
}

/* This host's domain (the part after the first label of its fully
 * qualified name) or NULL. */
static const char *host_domain(char *buf, size_t len)
{
	char host[256];
	struct addrinfo hints = {0}, *res = NULL;

	if (gethostname(host, sizeof(host)) != 0)
		return NULL;
	host[sizeof(host) - 1] = '\0';
	const char *dot = strchr(host, '.');
	if (!dot) {
		hints.ai_flags = AI_CANONNAME;
		if (getaddrinfo(host, NULL, &hints, &res) == 0 && res && res->ai_canonname) {
			snprintf(host, sizeof(host), "%s", res->ai_canonname);
			dot = strchr(host, '.');
		}
		if (res)
			freeaddrinfo(res);
	}
	if (!dot || !is_fqdn(dot + 1))
		return NULL;
	snprintf(buf, len, "%s", dot + 1);
	return buf;
}

/* Splits TARGET into host and port: "a.b.c.d[:p]", "v6", "[v6][:p]",
 * "name[:p]". Returns 0 or -1. */
static int split_target(const char *text, unsigned defport, char *host, size_t hlen,
			unsigned *ret_port)
{
	const char *port = NULL;
	size_t n;

	if (text[0] == '[') {
		const char *e = strchr(text, ']');
		if (!e || (e[1] != '\0' && e[1] != ':'))
			return -1;
		n = (size_t)(e - text - 1);
		text++;
		port = e[1] == ':' ? e + 2 : NULL;
	} else {
		const char *colon = strchr(text, ':');
		if (colon && !strchr(colon + 1, ':')) {
			n = (size_t)(colon - text);
			port = colon + 1;
		} else {
			n = strlen(text);
		}
	}
	if (n == 0 || n >= hlen)
		return -1;
	memcpy(host, text, n);
	host[n] = '\0';
	*ret_port = defport;
	if (port) {
		unsigned long long v;
		if (parse_uint_flag("TARGET's port", port, 1, 65535, &v) < 0)
			return -1;
		*ret_port = (unsigned)v;
	}
	return 0;
}

static int add_target(struct probe_target *t, size_t *n, const char *name, const struct lw_addr *a,
		      unsigned port)
{
	if (*n == PROBE_TARGETS_MAX) {
		lw_error("probe: more than %d addresses to probe", PROBE_TARGETS_MAX);
		return -1;
	}
	struct probe_target *x = &t[(*n)++];
	memset(x, 0, sizeof(*x));
	snprintf(x->name, sizeof(x->name), "%s", name);
	x->addr = *a;
	x->port = (uint16_t)port;
	x->decided = -1;
	return 0;
}

/* Resolves TARGET into one target per address. Returns 0 or an exit code. */
static int resolve_target(const char *text, unsigned defport, struct probe_target *t, size_t *n)
{
	char host[PROBE_NAME_MAX];
	unsigned port;
	struct lw_addr a;

	if (split_target(text, defport, host, sizeof(host), &port) < 0) {
		lw_error("probe: '%s' is not ADDR, NAME, ADDR:PORT or [IPv6]:PORT", text);
		return LW_EXIT_USAGE;
	}
	if (addr_parse(host, &a) == 0)
		return add_target(t, n, host, &a, port) < 0 ? LW_EXIT_USAGE : 0;
	struct addrinfo hints = {0}, *res = NULL;
	hints.ai_socktype = SOCK_STREAM;
	int rc = getaddrinfo(host, NULL, &hints, &res);
	if (rc != 0) {
		lw_error("probe: %s: %s", host, gai_strerror(rc));
		return LW_EXIT_UNAVAILABLE;
	}
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family == AF_INET)
			addr_set_ip4(
			    &a, (const uint8_t *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr);
		else if (ai->ai_family == AF_INET6)
			addr_set_ip6(
			    &a, (const uint8_t *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr);
		else
			continue;
		if (add_target(t, n, host, &a, port) < 0) {
			freeaddrinfo(res);
			return LW_EXIT_USAGE;
		}
	}
	freeaddrinfo(res);
	return 0;
}

static int run_mx(const struct probe_opts *o, struct mx_check *mx)
{
	int ex;
	struct rules *rules = lw_load_rules(o->rules ? o->rules : DEFAULT_RULES, &ex, NULL);
	char err[512];

	if (!rules)
		return ex;
	struct dns_resolver *rv =
	    dns_resolver_new(o->resolver, PROBE_DNS_TIMEOUT_S, PROBE_DNS_TRIES);
	if (!rv || rv->err) {
		lw_error("probe: %s", rv ? rv->errstr : "out of memory");
		ex = rv && rv->err == SPF_EDATA ? LW_EXIT_USAGE : LW_EXIT_UNAVAILABLE;
		dns_resolver_free(rv);
		rules_free(rules);
		return ex;
	}
	int rc = mx_check_run(o->domain, rv, rules, mx, err, sizeof(err));
	dns_resolver_free(rv);
	rules_free(rules);
	if (rc != 0) {
		lw_error("probe: --domain %s: %s", o->domain, err);
		return rc == SPF_ENOMEM ? LW_EXIT_SOFTWARE : LW_EXIT_UNAVAILABLE;
	}
	return 0;
}

static void probe_one(struct probe_target *t, const struct probe_opts *o,
		      const struct lw_addr *source, const struct smtp_params *sp)
{
	int fd = probe_tcp_connect(t, source, o->timeout_s * 1000);

	if (fd >= 0) {
		if (sp->helo)
			smtp_dialog_run(fd, sp, t);
		close(fd);
	}
	probe_judge_target(t, o->level, o->send);
}

int cmd_probe(int argc, char **argv)
{
	static struct probe_target targets[PROBE_TARGETS_MAX];
	static struct mx_check mx;
	struct probe_opts o = {0};
	struct lw_addr source;
	char token[17], domain_buf[256], helo[512], from[512], rcpt[512];
	size_t n = 0;
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc != 0)
		return rc > 0 ? 0 : LW_EXIT_USAGE;
	if (optind == argc && !o.domain) {
		lw_error("probe: name a TARGET or --domain (try 'lockwatch probe --help')");
		return LW_EXIT_USAGE;
	}
	if (o.source && addr_parse(o.source, &source) < 0) {
		lw_error("probe: --source '%s' is not an IPv4 or IPv6 address", o.source);
		return LW_EXIT_USAGE;
	}
	if (o.domain && !is_fqdn(o.domain)) {
		lw_error("probe: --domain '%s' is not a domain name", o.domain);
		return LW_EXIT_USAGE;
	}
	uint8_t rnd[4] = {0};
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		lw_error("probe: no random token: %m");
		return LW_EXIT_SOFTWARE;
	}
	snprintf(token, sizeof(token), "%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);

	/* the EHLO name: a bare word is refused by common MTA settings
	 * (reject_non_fqdn_helo_hostname) and would fake a verdict */
	const char *hd = host_domain(domain_buf, sizeof(domain_buf));
	const char *ehlo = NULL;
	if (o.helo) {
		if (!is_fqdn(o.helo)) {
			lw_error("probe: --helo '%s' is not a fully qualified name (a bare word is "
				 "refused by common MTA settings and would fake the verdict)",
				 o.helo);
			return LW_EXIT_USAGE;
		}
		ehlo = o.helo;
	} else if (hd) {
		snprintf(helo, sizeof(helo), "lockwatch-probe-%s.%s", token, hd);
		ehlo = is_fqdn(helo) ? helo : NULL;
	}
	if (!ehlo && o.level == PROBE_LEVEL_SMTP) {
		lw_error("probe: this host's name has no domain: give --helo NAME, a fully "
			 "qualified name");
		return LW_EXIT_USAGE;
	}
	if (o.mail_from) {
		if (!is_mailbox(o.mail_from)) {
			lw_error("probe: --mail-from '%s' is not an address", o.mail_from);
			return LW_EXIT_USAGE;
		}
	} else if (ehlo) {
		const char *d = strchr(ehlo, '.');
		int w = snprintf(from, sizeof(from), "lockwatch-probe@%s",
				 d && strchr(d + 1, '.') ? d + 1 : ehlo);
		o.mail_from = w > 0 && is_mailbox(from) ? from : "";
	}
	if (o.rcpt) {
		if (!is_mailbox(o.rcpt)) {
			lw_error("probe: --rcpt '%s' is not an address", o.rcpt);
			return LW_EXIT_USAGE;
		}
	} else if (o.domain) {
		/* RFC 5321 4.5.1: postmaster must exist at every domain */
		snprintf(rcpt, sizeof(rcpt), "postmaster@%s", o.domain);
		o.rcpt = is_mailbox(rcpt) ? rcpt : NULL;
	} else if (o.level == PROBE_LEVEL_SMTP || o.send) {
		lw_error("probe: give --rcpt ADDR (or --domain DOMAIN: postmaster@DOMAIN)");
		return LW_EXIT_USAGE;
	}

	for (int i = optind; i < argc; i++) {
		rc = resolve_target(argv[i], o.port, targets, &n);
		if (rc != 0)
			return rc;
	}
	if (o.domain) {
		rc = run_mx(&o, &mx);
		if (rc != 0)
			return rc;
		for (size_t i = 0; o.level_given && i < mx.n; i++)
			for (size_t k = 0; !mx.ex[i].gateway && k < mx.ex[i].n_addrs; k++)
				if (add_target(targets, &n, mx.ex[i].name, &mx.ex[i].addrs[k].addr,
					       o.port) < 0)
					return LW_EXIT_USAGE;
	}

	struct smtp_params sp = {
	    .helo = ehlo,
	    .mail_from = o.mail_from,
	    .rcpt = o.rcpt,
	    .send = o.send,
	    .token = token,
	    /* at the TCP level the dialogue is for the record only: it never
	     * waits RFC 5321's minutes for a reply */
	    .stage_cap_s = o.timeout_given || o.level == PROBE_LEVEL_TCP ? o.timeout_s : 0,
	};
	for (size_t i = 0; i < n; i++)
		probe_one(&targets[i], &o, o.source ? &source : NULL, &sp);

	struct probe_run run = {
	    .level = o.level,
	    .send = o.send,
	    .token = token,
	    .helo = ehlo,
	    .targets = targets,
	    .n_targets = n,
	    .mx = o.domain ? &mx : NULL,
	};
	probe_sort_targets(targets, n);
	run.verdict = probe_judge_overall(targets, n, o.domain != NULL, mx.verdict, mx.reason,
					  run.reason, sizeof(run.reason));
	if (o.json)
		probe_print_json(stdout, &run);
	else
		probe_print_text(stdout, &run);
	if (fflush(stdout) != 0) {
		lw_error("probe: cannot write the report: %m");
		return LW_EXIT_SOFTWARE;
	}
	return (int)run.verdict;
}
