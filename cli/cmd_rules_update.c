/* lockwatch rules update: regenerates a rules file of gateway sets from
 * the gateway's published SPF netblock records, replaces the old file
 * atomically and says what changed per set. Ranges change without notice;
 * this keeps the shipped lists honest without hand-copying. */
#include "config.h"

#include "cmd_rules_update.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/cmd.h"
#include "dns/resolve.h"
#include "rules/rules.h"
#include "rules/spf.h"

#define UPDATE_TIMEOUT_DEFAULT 2  /* seconds per try; --timeout */
#define UPDATE_TIMEOUT_MAX     60 /* seconds: beyond this a resolver is gone, not slow */
#define UPDATE_TRIES_DEFAULT   2  /* tries per query; --tries */
#define UPDATE_TRIES_MAX       10

static const char update_usage[] =
    "usage: lockwatch rules update --spf NAME [--resolver ADDR[:PORT]] [--timeout S]"
    " [--tries N] -o FILE\n"
    "\n"
    "Reads NAME's SPF record (TXT), follows include: and redirect=, and writes one\n"
    "set per host with its ip4:/ip6: prefixes to FILE (atomically), then prints\n"
    "what changed per set. Set names: <label>._netblocks.<domain> becomes\n"
    "<first label of domain>-<label> (eu._netblocks.mimecast.com: mimecast-eu);\n"
    "NAME's own prefixes become <first label of its domain>; any other host keeps\n"
    "its name. The file only defines sets: a site file chooses them with `use`.\n"
    "\n"
    "--resolver ADDR[:PORT]  the DNS server to ask (IPv4, IPv6 or [IPv6]:PORT;\n"
    "                        default: the servers of /etc/resolv.conf)\n"
    "--timeout S             seconds to wait for each try (default 2)\n"
    "--tries N               tries per query (default 2)\n"
    "\n"
    "exit 0 written; 64 bad usage; 65 bad, missing or looping records, more than\n"
    "10 DNS look-ups, or NAME does not exist; 66 FILE cannot be written;\n"
    "69 the resolver did not answer or failed. FILE is untouched on any error.\n";

struct set_list {
	char *name;
	struct spf_prefix *p; /* sorted, no duplicates */
	size_t n;
};

/* ---- the old file ------------------------------------------------------- */

static int set_list_cmp(const void *a, const void *b)
{
	return strcmp(((const struct set_list *)a)->name, ((const struct set_list *)b)->name);
}

static int prefix_qcmp(const void *a, const void *b)
{
	return spf_prefix_cmp(a, b);
}

static void set_lists_free(struct set_list *s, size_t n)
{
	for (size_t i = 0; s && i < n; i++) {
		free(s[i].name);
		free(s[i].p);
	}
	free(s);
}

/* The sets of the file being replaced (not its exceptions): what the
 * change summary compares against. Returns 0, or -1 when out of memory. */
static int old_sets(const struct rules *r, struct set_list **ret, size_t *ret_n)
{
	size_t ns = rules_set_count(r), ne = rules_defined_count(r);
	struct set_list *s = calloc(ns + 1, sizeof(*s));

	if (!s)
		return -1;
	for (size_t i = 0; i < ns; i++) {
		/* copied: the rules object is freed before the summary */
		s[i].name = strdup(rules_set_name(r, i));
		s[i].p = malloc((ne + 1) * sizeof(*s[i].p));
		if (!s[i].name || !s[i].p) {
			set_lists_free(s, i + 1);
			return -1;
		}
	}
	for (size_t e = 0; e < ne; e++) {
		struct spf_prefix p;
		const char *set;
		rules_defined_entry(r, e, &p.net, &p.plen, &set);
		for (size_t i = 0; set && i < ns; i++)
			if (strcmp(s[i].name, set) == 0)
				s[i].p[s[i].n++] = p;
	}
	for (size_t i = 0; i < ns; i++) {
		size_t n = 0;
		qsort(s[i].p, s[i].n, sizeof(*s[i].p), prefix_qcmp);
		for (size_t k = 0; k < s[i].n; k++)
			if (n == 0 || spf_prefix_cmp(&s[i].p[n - 1], &s[i].p[k]) != 0)
				s[i].p[n++] = s[i].p[k];
		s[i].n = n;
	}
	*ret = s;
	*ret_n = ns;
	return 0;
}

/* ---- the change summary ------------------------------------------------- */

static void put_prefix(FILE *out, const char *sign, const struct spf_prefix *p)
{
	char a[LW_ADDR_STRLEN];

	fprintf(out, "  %s %s/%u\n", sign, addr_format(&p->net, a, sizeof(a)), p->plen);
}

/* Returns the number of changed sets. */
static size_t summarise(FILE *out, const struct set_list *old, size_t n_old,
			const struct set_list *new, size_t n_new)
{
	size_t i = 0, k = 0, changed = 0;

	while (i < n_old || k < n_new) {
		int c = i == n_old ? 1 : k == n_new ? -1 : strcmp(old[i].name, new[k].name);
		if (c < 0) {
			fprintf(out, "%s: set gone (had %zu prefix(es))\n", old[i].name, old[i].n);
			i++;
			changed++;
			continue;
		}
		if (c > 0) {
			fprintf(out, "%s: new set, %zu prefix(es)\n", new[k].name, new[k].n);
			for (size_t j = 0; j < new[k].n; j++)
				put_prefix(out, "+", &new[k].p[j]);
			k++;
			changed++;
			continue;
		}
		const struct set_list *o = &old[i++], *n = &new[k++];
		size_t a = 0, b = 0, added = 0, removed = 0;
		while (a < o->n || b < n->n) {
			int d = a == o->n ? 1 : b == n->n ? -1 : spf_prefix_cmp(&o->p[a], &n->p[b]);
			if (d == 0) {
				a++;
				b++;
			} else if (d < 0) {
				removed++;
				a++;
			} else {
				added++;
				b++;
			}
		}
		if (!added && !removed)
			continue;
		changed++;
		fprintf(out, "%s: %zu added, %zu removed\n", n->name, added, removed);
		for (a = 0, b = 0; a < o->n || b < n->n;) {
			int d = a == o->n ? 1 : b == n->n ? -1 : spf_prefix_cmp(&o->p[a], &n->p[b]);
			if (d == 0) {
				a++;
				b++;
			} else if (d < 0) {
				put_prefix(out, "-", &o->p[a++]);
			} else {
				put_prefix(out, "+", &n->p[b++]);
			}
		}
	}
	return changed;
}

/* ---- the new file ------------------------------------------------------- */

static int host_by_set(const void *a, const void *b)
{
	const struct spf_host *x = *(const struct spf_host *const *)a;
	const struct spf_host *y = *(const struct spf_host *const *)b;

	return strcmp(x->set, y->set);
}

/* Writes the rules text; hosts without prefixes of their own only appear
 * in the header (an empty set would be a warning in every site file). */
static char *render(const struct spf_result *res, const char *name, const char *resolver,
		    const struct diag *warnings, size_t *ret_len)
{
	char *text = NULL, date[32];
	size_t len = 0;
	time_t now = time(NULL);
	struct tm tm;
	FILE *out = open_memstream(&text, &len);
	const struct spf_host **order = calloc(res->n_hosts + 1, sizeof(*order));

	if (!out || !order) {
		if (out)
			fclose(out);
		free(text);
		free(order);
		return NULL;
	}
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	fprintf(out,
		"# SPF netblocks of %s, generated by lockwatch rules update.\n"
		"# Do not edit: run `lockwatch rules update --spf %s -o FILE` again.\n"
		"#\n"
		"# SPF name:  %s\n"
		"# Resolver:  %s\n"
		"# Date:      %s (UTC)\n"
		"# Look-ups:  %u of the %d DNS-querying terms SPF allows\n"
		"#\n"
		"# This file only defines sets; a site file puts them in force with `use`.\n"
		"# Set names: <label>._netblocks.<domain> -> <first label of domain>-<label>;\n"
		"# the prefixes in %s's own record -> the first label of its domain;\n"
		"# any other host -> the host name.\n"
		"#\n"
		"# Records read:\n",
		name, name, name, resolver, date, res->lookups, SPF_LOOKUP_MAX, name);
	for (size_t i = 0; i < res->n_hosts; i++) {
		const struct spf_host *h = &res->hosts[i];
		fprintf(out, "#   %s", h->name);
		if (h->parent)
			fprintf(out, " (%s from %s)", h->redirect ? "redirect" : "include",
				h->parent);
		if (h->n_prefixes)
			fprintf(out, ": set %s, %zu prefix(es)\n", h->set, h->n_prefixes);
		else
			fputs(": no ip4:/ip6: of its own\n", out);
	}
	if (warnings->warnings) {
		fputs("#\n# Warnings (terms that could not become ranges, and the like):\n", out);
		for (size_t i = 0; i < warnings->n; i++)
			if (warnings->msgs[i].severity == DIAG_WARNING)
				fprintf(out, "#   %s\n", warnings->msgs[i].text);
	}
	size_t n = 0;
	for (size_t i = 0; i < res->n_hosts; i++)
		if (res->hosts[i].n_prefixes)
			order[n++] = &res->hosts[i];
	qsort(order, n, sizeof(*order), host_by_set);
	for (size_t i = 0; i < n; i++) {
		const struct spf_host *h = order[i];
		char a[LW_ADDR_STRLEN];
		fprintf(out, "\n# from %s", h->name);
		if (h->parent)
			fprintf(out, " (%s from %s)", h->redirect ? "redirect" : "include",
				h->parent);
		fprintf(out, "\nset %s {\n", h->set);
		for (size_t k = 0; k < h->n_prefixes; k++)
			fprintf(out, "\t%s/%u\n", addr_format(&h->prefixes[k].net, a, sizeof(a)),
				h->prefixes[k].plen);
		fputs("}\n", out);
	}
	free(order);
	if (fclose(out) != 0) {
		free(text);
		return NULL;
	}
	*ret_len = len;
	return text;
}

/* ---- writing ------------------------------------------------------------- */

static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Temporary file beside the target, fsync, rename over it, fsync the
 * directory so the rename itself survives a crash. Until the rename the
 * old file is untouched; after a failure the temporary file is removed.
 * Returns 0 or -errno with what failed in err. */
static int write_atomic(const char *path, const char *text, size_t len, char *err, size_t errlen)
{
	char *d = strdup(path), *b = strdup(path), *tmp = NULL;
	int fd = -1, rc = 0;
	struct stat st;
	bool had = stat(path, &st) == 0;

	if (!d || !b) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	const char *dir = dirname(d), *base = basename(b);
	size_t tl = strlen(dir) + strlen(base) + 16;
	if (!(tmp = malloc(tl))) {
		rc = -ENOMEM;
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	snprintf(tmp, tl, "%s/.%s.XXXXXX", dir, base);
	if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot create a temporary file in %s: %s", dir,
			 strerror(errno));
		free(tmp);
		tmp = NULL;
		goto out;
	}
	/* keep the old file's mode and owner; a new file gets what the umask
	 * allows of 0666, as if created with fopen */
	if (had) {
		if (fchown(fd, st.st_uid, st.st_gid) < 0 && errno != EPERM) {
			rc = -errno;
			snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
			goto out;
		}
		rc = fchmod(fd, st.st_mode & 07777) < 0 ? -errno : 0;
	} else {
		mode_t um = umask(0);
		umask(um);
		rc = fchmod(fd, 0666 & ~um) < 0 ? -errno : 0;
	}
	if (rc == 0)
		rc = write_all(fd, text, len);
	if (rc == 0 && fsync(fd) < 0)
		rc = -errno;
	if (rc < 0) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(-rc));
		goto out;
	}
	int c = close(fd);
	fd = -1;
	if (c < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (rename(tmp, path) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL; /* renamed: nothing to remove */
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0 || fsync(dfd) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s written, but syncing directory %s failed: %s", path, dir,
			 strerror(errno));
	}
	if (dfd >= 0)
		close(dfd);
out:
	if (fd >= 0)
		close(fd);
	if (tmp) {
		unlink(tmp);
		free(tmp);
	}
	free(d);
	free(b);
	return rc;
}

/* ---- the command ---------------------------------------------------------- */

static int status_exit(int status)
{
	switch (status) {
	case SPF_OK:
		return 0;
	case SPF_EDATA:
		return LW_EXIT_DATAERR;
	case SPF_EDNS:
		return LW_EXIT_UNAVAILABLE;
	default:
		return LW_EXIT_SOFTWARE;
	}
}

struct update_opts {
	const char *spf, *resolver, *out;
	unsigned long long timeout, tries;
};

static int parse_update_opts(int argc, char **argv, struct update_opts *o)
{
	static const struct option longopts[] = {
	    {"spf", required_argument, NULL, 's'},
	    {"resolver", required_argument, NULL, 'R'},
	    {"output", required_argument, NULL, 'o'},
	    {"timeout", required_argument, NULL, 't'},
	    {"tries", required_argument, NULL, 'T'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->timeout = UPDATE_TIMEOUT_DEFAULT;
	o->tries = UPDATE_TRIES_DEFAULT;
	optind = 1;
	while ((c = lw_getopt(argc, argv, ":o:h", longopts, "rules update",
			      "lockwatch rules update --help")) != -1) {
		switch (c) {
		case 's':
			o->spf = optarg;
			break;
		case 'R':
			o->resolver = optarg;
			break;
		case 'o':
			o->out = optarg;
			break;
		case 't':
			if (parse_uint_flag("--timeout", optarg, 1, UPDATE_TIMEOUT_MAX,
					    &o->timeout) < 0)
				return -1;
			break;
		case 'T':
			if (parse_uint_flag("--tries", optarg, 1, UPDATE_TRIES_MAX, &o->tries) < 0)
				return -1;
			break;
		case 'h':
			fputs(update_usage, stdout);
			exit(0);
		default: /* lw_getopt said what is wrong */
			return -1;
		}
	}
	if (optind != argc) {
		lw_error("rules update: unexpected argument '%s'", argv[optind]);
		return -1;
	}
	if (!o->spf || !o->out) {
		lw_error("rules update: --spf NAME and -o FILE are required");
		return -1;
	}
	struct sockaddr_in6 sa6;
	struct sockaddr_in sa4;
	int family;
	if (o->resolver && dns_resolver_parse(o->resolver, &sa6, &sa4, &family) < 0) {
		lw_error("rules update: --resolver '%s' is not ADDR[:PORT] (IPv4, IPv6 or "
			 "[IPv6]:PORT)",
			 o->resolver);
		return -1;
	}
	return 0;
}

static void print_diag(const struct diag *d)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(stderr, "lockwatch: rules update: %s\n", d->msgs[i].text);
}

/* Loads the file being replaced for the summary. A missing or broken old
 * file is not an error: the update is how such a file gets fixed. */
static int load_old(const char *path, struct set_list **ret, size_t *ret_n, bool *ret_existed)
{
	struct diag d;

	*ret = NULL;
	*ret_n = 0;
	*ret_existed = access(path, F_OK) == 0;
	if (!*ret_existed)
		return 0;
	diag_init(&d);
	struct rules *r = rules_load_file(path, &d);
	if (!r) {
		lw_error("rules update: warning: the current %s does not load as rules (%u "
			 "error(s)); every set counts as new",
			 path, d.errors);
		diag_clear(&d);
		return 0;
	}
	diag_clear(&d);
	int rc = old_sets(r, ret, ret_n);
	rules_free(r);
	return rc;
}

int cmd_rules_update(int argc, char **argv)
{
	struct update_opts o;
	struct spf_result res;
	struct diag d;
	struct set_list *old = NULL, *new = NULL;
	size_t n_old = 0, n_new = 0, len = 0;
	char *text = NULL, err[512];
	bool existed;
	int ex;

	if (parse_update_opts(argc, argv, &o) < 0)
		return LW_EXIT_USAGE;
	struct dns_resolver *rv =
	    dns_resolver_new(o.resolver, (unsigned)o.timeout, (unsigned)o.tries);
	if (!rv) {
		lw_error("rules update: out of memory");
		return LW_EXIT_SOFTWARE;
	}
	if (rv->err) {
		lw_error("rules update: %s", rv->errstr);
		ex = status_exit(rv->err);
		dns_resolver_free(rv);
		return ex;
	}
	diag_init(&d);
	int st = spf_walk(o.spf, spf_resolver_fetch, rv, &res, &d);
	print_diag(&d);
	if (st != SPF_OK) {
		lw_error("rules update: %s left unchanged", o.out);
		ex = status_exit(st);
		goto out;
	}
	for (size_t i = 0; i < res.n_hosts; i++)
		n_new += res.hosts[i].n_prefixes != 0;
	if (n_new == 0) {
		lw_error("rules update: %s and the records it names hold no ip4:/ip6: prefix; %s "
			 "left unchanged",
			 o.spf, o.out);
		ex = LW_EXIT_DATAERR;
		goto out;
	}
	char shown[DNS_RESOLVER_TEXT_MAX + 32];
	snprintf(shown, sizeof(shown), o.resolver ? "%s" : "%s (from /etc/resolv.conf)", rv->shown);
	text = render(&res, res.hosts[0].name, shown, &d, &len);
	new = calloc(n_new, sizeof(*new));
	if (!text || !new) {
		lw_error("rules update: out of memory");
		ex = LW_EXIT_SOFTWARE;
		goto out;
	}
	n_new = 0;
	for (size_t i = 0; i < res.n_hosts; i++) {
		if (res.hosts[i].n_prefixes) {
			new[n_new].name = res.hosts[i].set; /* borrowed from res */
			new[n_new].p = res.hosts[i].prefixes;
			new[n_new++].n = res.hosts[i].n_prefixes;
		}
	}
	qsort(new, n_new, sizeof(*new), set_list_cmp);

	/* the output must load: a generated file that the daemon refuses
	 * would only be found at the next reload */
	struct diag check;
	diag_init(&check);
	struct rules *r = rules_load_string(o.out, text, &check);
	if (!r) {
		print_diag(&check);
		lw_error("rules update: internal error: the generated rules do not load; %s left "
			 "unchanged",
			 o.out);
		diag_clear(&check);
		ex = LW_EXIT_SOFTWARE;
		goto out;
	}
	rules_free(r);
	diag_clear(&check);

	if (load_old(o.out, &old, &n_old, &existed) < 0) {
		lw_error("rules update: out of memory");
		ex = LW_EXIT_SOFTWARE;
		goto out;
	}
	if (write_atomic(o.out, text, len, err, sizeof(err)) < 0) {
		lw_error("rules update: %s", err);
		lw_error("rules update: %s left unchanged", o.out);
		ex = LW_EXIT_NOINPUT;
		goto out;
	}
	size_t total = 0;
	for (size_t i = 0; i < n_new; i++)
		total += new[i].n;
	printf("%s: %s, %zu set(s), %zu prefix(es), %u of %d DNS look-ups\n", o.out,
	       existed ? "replaced" : "created", n_new, total, res.lookups, SPF_LOOKUP_MAX);
	if (summarise(stdout, old, n_old, new, n_new) == 0)
		printf("no change\n");
	ex = 0;
out:
	set_lists_free(old, n_old);
	free(new); /* its prefix arrays belong to res */
	free(text);
	diag_clear(&d);
	spf_result_clear(&res);
	dns_resolver_free(rv);
	return ex;
}
