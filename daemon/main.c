/* daemon/: lockwatchd, the live daemon: this main() (command line and
 * configuration file in, daemon_run() in loop.c does the rest), the
 * settings (conf.c), the event loop and its capture worker, the Redis
 * flushes (store.c), the alert queue, metrics, privileges, reloads and the
 * watched addresses. It may include every library directory (common/,
 * sensor/, rules/, analyzer/, pipeline/, redis/, journal/, render/, dns/)
 * and libsystemd; never cli/, which is lockwatch's. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/program.h"
#include "daemon/conf.h"
#include "daemon/loop.h"

enum { OPT_KEY = 256, OPT_CONFIG = 512 };

static void usage(FILE *f)
{
	fprintf(f, "usage: lockwatchd [OPTIONS] -i IFACE\n"
		   "       lockwatchd [OPTIONS] -r FILE...\n"
		   "Watches inbound SMTP handshakes and raises journal alerts when a source\n"
		   "outside the allowed ranges tries or reaches the mail server.\n\n"
		   "  -i, --interface IFACE        capture live from IFACE\n"
		   "  -r, --replay FILE            replay capture files in packet time (tests)\n"
		   "  -c, --config FILE            settings file (" DAEMON_DEFAULT_CONFIG ")\n"
		   "  -f, --foreground             alerts and messages to stderr\n"
		   "  -V, --version                print the version\n"
		   "  -h, --help                   this text\n");
	for (unsigned i = 0; i < config_n_keys; i++) {
		const struct config_key *k = &config_keys[i];
		char left[64];
		if (!strcmp(k->name, "interface") || !strcmp(k->name, "foreground"))
			continue;
		snprintf(left, sizeof(left), "--%s%s%s", k->name, k->arg ? " " : "",
			 k->arg ? k->arg : "");
		fprintf(f, "      %-27s%s\n", left, k->help);
	}
	fprintf(f, "\nEvery long option except --config, --replay, --help and --version is also\n"
		   "a key of the settings file: `key = value`. Options override the file.\n"
		   "Exit status: 0 stopped by a signal, 64 bad usage or settings, 65 bad rules\n"
		   "or capture data, 66 an interface, capture or rules file cannot be opened,\n"
		   "70 internal error or privileges could not be dropped.\n");
}

/* The option table: -i/-r/-c/-f/-h/-V plus one long option per config key. */
static struct option *build_longopts(void)
{
	struct option *o = calloc(config_n_keys + 5, sizeof(*o));
	unsigned n = 0;

	if (!o)
		return NULL;
	for (unsigned i = 0; i < config_n_keys; i++) {
		o[n].name = config_keys[i].name;
		o[n].has_arg = config_keys[i].type == CONFIG_BOOL ? no_argument : required_argument;
		o[n].val = OPT_KEY + (int)i;
		n++;
	}
	o[n++] = (struct option){"replay", required_argument, NULL, 'r'};
	o[n++] = (struct option){"config", required_argument, NULL, 'c'};
	o[n++] = (struct option){"help", no_argument, NULL, 'h'};
	o[n++] = (struct option){"version", no_argument, NULL, 'V'};
	return o;
}

static const char shortopts[] = ":i:r:c:fhV";

/* First pass: only --config, --help and --version, so the file is read
 * before the options that override it. Returns -1 to exit with *ret. */
static int first_pass(int argc, char **argv, const struct option *lo, const char **ret_config,
		      bool *ret_explicit, int *ret)
{
	int c;

	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, lo, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (!*optarg) { /* "" would be reported as a file without a name */
				fprintf(stderr, "lockwatchd: option '--config' needs a value\n");
				*ret = LW_EXIT_USAGE;
				return -1;
			}
			*ret_config = optarg;
			*ret_explicit = true;
			break;
		case 'h':
			usage(stdout);
			*ret = 0;
			return -1;
		case 'V':
			printf("lockwatchd %s\n", PACKAGE_VERSION);
			*ret = 0;
			return -1;
		case ':':
			fprintf(stderr, "lockwatchd: option '%s' needs a value\n",
				argv[optind - 1]);
			*ret = LW_EXIT_USAGE;
			return -1;
		case '?':
			fprintf(stderr, "lockwatchd: unknown option '%s' (see lockwatchd --help)\n",
				argv[optind - 1]);
			*ret = LW_EXIT_USAGE;
			return -1;
		default:
			break;
		}
	}
	return 0;
}

static int second_pass(int argc, char **argv, const struct option *lo, struct daemon_config *cfg,
		       bool *ret_cli_interface)
{
	char err[512];
	int c;

	optind = 1;
	while ((c = getopt_long(argc, argv, shortopts, lo, NULL)) != -1) {
		const char *key = NULL, *value = optarg;
		switch (c) {
		case 'i':
			key = "interface";
			*ret_cli_interface = true;
			break;
		case 'f':
			key = "foreground";
			value = "yes";
			break;
		case 'r':
			if (!*optarg) {
				fprintf(stderr, "lockwatchd: option '--replay' needs a value\n");
				return -1;
			}
			if (config_add_replay(cfg, optarg) < 0) {
				fprintf(stderr, "lockwatchd: out of memory\n");
				return -1;
			}
			continue;
		case 'c':
			continue;
		default:
			if (c < OPT_KEY || c >= OPT_KEY + (int)config_n_keys)
				continue;
			key = config_keys[c - OPT_KEY].name;
			if (strcmp(key, "interface") == 0)
				*ret_cli_interface = true;
			if (config_keys[c - OPT_KEY].type == CONFIG_BOOL)
				value = "yes";
			break;
		}
		if (config_set(cfg, key, value, err, sizeof(err)) < 0) {
			char shown[sizeof(err)];
			fprintf(stderr, "lockwatchd: --%s\n",
				diag_escape(err, shown, sizeof(shown)));
			return -1;
		}
	}
	/* Further operands are more files for -r. */
	for (; optind < argc; optind++) {
		if (cfg->n_replay == 0) {
			fprintf(stderr,
				"lockwatchd: unexpected argument '%s' (see lockwatchd --help)\n",
				argv[optind]);
			return -1;
		}
		if (!*argv[optind]) {
			fprintf(stderr, "lockwatchd: empty capture file name\n");
			return -1;
		}
		if (config_add_replay(cfg, argv[optind]) < 0)
			return -1;
	}
	return 0;
}

static int load_config(struct daemon_config *cfg, const char *path, bool explicit)
{
	struct diag dg;

	diag_init(&dg);
	int r = config_load_file(cfg, path, &dg);
	for (size_t i = 0; i < dg.n; i++)
		fprintf(stderr, "lockwatchd: %s\n", dg.msgs[i].text);
	diag_clear(&dg);
	if (r == -ENOENT && !explicit)
		return 0; /* no settings file: the defaults and the options */
	if (r < -1) {
		fprintf(stderr, "lockwatchd: %s: cannot read settings: %s\n", path, strerror(-r));
		return LW_EXIT_NOINPUT;
	}
	return r < 0 ? LW_EXIT_USAGE : 0;
}

/* The host name, made fit for a sensor name (journal field, Redis key). */
static int default_sensor(struct daemon_config *cfg)
{
	char host[256] = "";
	char err[256];

	if (gethostname(host, sizeof(host) - 1) < 0 || !host[0])
		snprintf(host, sizeof(host), "lockwatchd");
	host[63] = '\0';
	for (char *p = host; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-'))
			*p = '-';
	return config_set(cfg, "sensor-name", host, err, sizeof(err));
}

static int finish_config(struct daemon_config *cfg, bool cli_interface)
{
	char err[256];

	/* -r on the command line wins over the settings file's interface, so
	 * a capture can be checked on a configured host */
	if (cfg->interface && cfg->n_replay && !cli_interface) {
		free(cfg->interface);
		cfg->interface = NULL;
	}
	if (cfg->interface && cfg->n_replay) {
		fprintf(stderr, "lockwatchd: give either an interface or replay files, not both\n");
		return -1;
	}
	if (!cfg->interface && !cfg->n_replay) {
		fprintf(stderr, "lockwatchd: nothing to watch: give -i IFACE (or interface = in "
				"the settings file) or -r FILE\n");
		return -1;
	}
	if ((!cfg->rules && config_set(cfg, "rules", DAEMON_DEFAULT_RULES, err, sizeof(err)) < 0) ||
	    (!cfg->user && config_set(cfg, "user", DAEMON_DEFAULT_USER, err, sizeof(err)) < 0) ||
	    (!cfg->sensor_name && default_sensor(cfg) < 0) ||
	    config_default_metrics(cfg, getenv("STATE_DIRECTORY")) < 0) {
		fprintf(stderr, "lockwatchd: out of memory\n");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct daemon_config cfg;
	const char *config_path = DAEMON_DEFAULT_CONFIG;
	bool explicit = false, cli_interface = false;
	int rc = 0;

	lw_progname = "lockwatchd";
	struct option *lo = build_longopts();
	if (!lo) {
		fprintf(stderr, "lockwatchd: out of memory\n");
		return LW_EXIT_SOFTWARE;
	}
	config_init(&cfg);
	if (first_pass(argc, argv, lo, &config_path, &explicit, &rc) < 0)
		goto out;
	if ((rc = load_config(&cfg, config_path, explicit)) != 0)
		goto out;
	if (second_pass(argc, argv, lo, &cfg, &cli_interface) < 0 ||
	    finish_config(&cfg, cli_interface) < 0) {
		rc = LW_EXIT_USAGE;
		goto out;
	}
	/* stderr reaches the journal through the unit anyway; line-buffer it
	 * so a message is one journal entry, not a fragment */
	setvbuf(stderr, NULL, _IOLBF, 0);
	rc = daemon_run(&cfg);
out:
	config_release(&cfg);
	free(lo);
	return rc;
}
