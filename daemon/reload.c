/* SIGHUP: the rules file is loaded into a new object and swapped in only
 * when it loads cleanly; a broken file keeps the old rules in force and
 * raises "rules_rejected" naming file:line (DESIGN.md section 5). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "daemon/addrwatch.h"
#include "daemon/loop.h"

static bool same_ports(const struct rules *a, const struct rules *b)
{
	const uint16_t *pa, *pb;
	unsigned na = rules_ports(a, &pa), nb = rules_ports(b, &pb);

	return na == nb && memcmp(pa, pb, na * sizeof(*pa)) == 0;
}

static void rejected(struct daemon *d, const char *path, const char *why)
{
	struct alert a;

	alert_init(&a, ALERT_RULES_REJECTED);
	alert_add_field(&a, "LOCKWATCH_RULES", "%s", path);
	alert_add_field(&a, "LOCKWATCH_ERROR", "%s", why);
	alert_add_field(&a, "LOCKWATCH_RULES_DIGEST", "%s", rules_digest(d->pipe->rules));
	alert_set_message(&a, "rules reload rejected, the previous rules stay in force: %s", why);
	alerter_raise(d->alerter, &a, daemon_now_us(), false);
}

void daemon_reload(struct daemon *d)
{
	const char *path = d->cfg->rules;
	struct notify_counters nc;
	struct diag dg;
	struct alert a;

	notify_reloading();
	diag_init(&dg);
	struct rules *fresh = rules_load_file(path, &dg);
	for (size_t i = 0; i < dg.n; i++)
		fprintf(stderr, "lockwatchd: %s\n", dg.msgs[i].text);
	if (!fresh) {
		char why[512];
		/* the first error names file:line; the rest went to stderr */
		if (dg.n > 0)
			snprintf(why, sizeof(why), "%s%s", dg.msgs[0].text,
				 dg.errors > 1 ? " (and more, see the log)" : "");
		else
			snprintf(why, sizeof(why), "%s: cannot load rules", path);
		rejected(d, path, why);
	} else if (!same_ports(fresh, d->pipe->rules)) {
		char why[512];
		snprintf(why, sizeof(why),
			 "%s: the watched ports changed; restart lockwatchd to apply them", path);
		fprintf(stderr, "lockwatchd: %s\n", why);
		rejected(d, path, why);
		rules_free(fresh);
	} else {
		rules_free(pipeline_swap_rules(d->pipe, fresh));
		/* its server lines, or the interface's addresses without any */
		if (daemon_servers_apply(d) != 0)
			fprintf(stderr, "lockwatchd: the watched servers stay as they were\n");
		d->rules_loaded_us = daemon_now_us();
		alert_init(&a, ALERT_RULES_RELOADED);
		alert_add_field(&a, "LOCKWATCH_RULES", "%s", path);
		alert_add_field(&a, "LOCKWATCH_RULES_DIGEST", "%s", rules_digest(fresh));
		alert_set_message(&a, "rules reloaded from %s (%zu entries, digest %s)", path,
				  rules_count(fresh), rules_digest(fresh));
		alerter_raise(d->alerter, &a, daemon_now_us(), false);
	}
	diag_clear(&dg);
	daemon_counters(d, &nc);
	notify_reloaded(&nc);
}
