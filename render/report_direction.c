/* The direction part of the report, text and JSON (DESIGN.md section 3,
 * "Direction"): whose attempts were judged, the host's own outbound mail
 * counted apart, and, when no server was named, the addresses that look
 * like the watched host sending mail. */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "analyzer/report.h"
#include "render/json.h"
#include "render/render.h"

static void hint_text(const struct report *r, size_t i, char *buf, size_t len)
{
	char a[LW_ADDR_STRLEN];

	addr_format(&r->probable[i].addr, a, sizeof(a));
	snprintf(buf, len,
		 "%s answers on the watched port and opened %" PRIu64
		 " connection(s) that another host's watched port answered: it is probably the "
		 "watched host sending its own mail, judged here as a source; name it with "
		 "--server %s (or a 'server' line) to count its mail as outbound.",
		 a, r->probable[i].n, a);
}

void report_text_direction(FILE *f, const struct report *r)
{
	const struct counts *out = &r->totals[CLASS_OUTBOUND];
	char buf[512];

	if (out->attempts)
		fprintf(f, "  (outbound: the watched host's own connections to another host's "
			   "watched port, its mail going out; never judged)\n");
	/* none named is today's default and the hint's business; a sensor
	 * older than the record did not say whose servers it watched */
	if (r->servers_origin && strcmp(r->servers_origin, "none named") != 0) {
		if (r->servers_differ)
			fprintf(f, "Servers: the sensors watched differently (each one's "
				   "servers under Capture)");
		else if (r->n_servers)
			fprintf(f, "Servers: %zu address(es) from %s", r->n_servers,
				r->servers_origin);
		else
			fprintf(f, "Servers: any ('server any'): every destination is judged");
		if (r->ignored_server)
			fprintf(f, "; %" PRIu64 " attempt(s) between two other hosts not judged",
				r->ignored_server);
		fputc('\n', f);
	}
	for (size_t i = 0; i < r->n_probable; i++) {
		hint_text(r, i, buf, sizeof(buf));
		fprintf(f, "Hint: %s\n", buf);
	}
}

void report_json_direction(struct json *j, const struct report *r)
{
	char buf[512];

	json_key(j, "servers");
	json_object_begin(j);
	json_kv_string(j, "origin", r->servers_origin);
	json_kv_uint(j, "addresses", r->n_servers);
	json_kv_uint(j, "not_watched_attempts", r->ignored_server);
	/* from Redis: origin "mixed", each sensor's own under "sensors" */
	json_kv_bool(j, "sensors_differ", r->servers_differ);
	json_object_end(j);
	json_key(j, "probable_servers");
	json_array_begin(j);
	for (size_t i = 0; i < r->n_probable; i++) {
		char a[LW_ADDR_STRLEN];
		json_object_begin(j);
		json_kv_string(j, "addr", addr_format(&r->probable[i].addr, a, sizeof(a)));
		json_kv_uint(j, "opened", r->probable[i].n);
		json_object_end(j);
	}
	json_array_end(j);
	json_key(j, "hints");
	json_array_begin(j);
	for (size_t i = 0; i < r->n_probable; i++) {
		hint_text(r, i, buf, sizeof(buf));
		json_string(j, buf);
	}
	json_array_end(j);
}
