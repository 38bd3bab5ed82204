/* What each sensor watched, text and JSON (a report from Redis): the
 * servers it judged attempts to (DESIGN.md section 3, "Direction") and
 * the `probe` vantage points its rules name, as its sensor:<name> hash
 * says them, so several sensors that watched differently each say what. */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "analyzer/report.h"
#include "render/json.h"
#include "render/render.h"

#define WATCH_WORD_MAX 128 /* an address, or a prefix and its label */

/* The next word of a space-separated list into buf (cut to fit); the
 * position after it, NULL at the end. */
static const char *next_word(const char *p, char *buf, size_t len)
{
	if (!p)
		return NULL;
	p += strspn(p, " ");
	if (!*p)
		return NULL;
	size_t n = strcspn(p, " ");
	snprintf(buf, len, "%.*s", (int)(n < len ? n : len - 1), p);
	return p + n;
}

static size_t n_words(const char *p)
{
	char w[WATCH_WORD_MAX];
	size_t n = 0;

	while ((p = next_word(p, w, sizeof(w))))
		n++;
	return n;
}

void report_text_sensor_watch(FILE *f, const struct report_sensor *s)
{
	char w[WATCH_WORD_MAX];

	if (s->servers_origin) {
		if (s->n_servers) {
			fprintf(f, "    servers: %zu address(es) from %s:", s->n_servers,
				s->servers_origin);
			for (const char *p = s->servers; (p = next_word(p, w, sizeof(w)));)
				fprintf(f, " %s", w);
			if (n_words(s->servers) < s->n_servers)
				fputs(" ...", f);
		} else if (strcmp(s->servers_origin, "any") == 0)
			fputs("    servers: any ('server any'): every destination is judged", f);
		else
			fprintf(f, "    servers: %s: every destination is judged",
				s->servers_origin);
		if (s->not_watched)
			fprintf(f, "; %" PRIu64 " attempt(s) between two other hosts not judged",
				s->not_watched);
		fputc('\n', f);
	}
	if (s->probe_prefixes && s->n_probes) {
		fprintf(f, "    probes: %zu named:", s->n_probes);
		for (const char *p = s->probe_prefixes; (p = next_word(p, w, sizeof(w)));) {
			char *eq = strchr(w, '=');
			if (eq)
				*eq = ' ';
			fprintf(f, " %s%s", w, p[strspn(p, " ")] ? "," : "");
		}
		if (n_words(s->probe_prefixes) < s->n_probes)
			fputs(" ...", f);
		fputc('\n', f);
	}
}

void report_json_sensor_watch(struct json *j, const struct report_sensor *s)
{
	char w[WATCH_WORD_MAX];

	/* null: the sensor did not say (a version older than the record) */
	json_key(j, "servers");
	if (s->servers_origin) {
		json_object_begin(j);
		json_kv_string(j, "origin", s->servers_origin);
		json_kv_uint(j, "addresses", s->n_servers);
		json_key(j, "list"); /* the first of them: the record is bounded */
		json_array_begin(j);
		for (const char *p = s->servers; (p = next_word(p, w, sizeof(w)));)
			json_string(j, w);
		json_array_end(j);
		json_kv_uint(j, "not_watched_attempts", s->not_watched);
		json_object_end(j);
	} else
		json_null(j);
	json_key(j, "probes");
	if (s->probe_prefixes) {
		json_object_begin(j);
		json_kv_uint(j, "named", s->n_probes);
		json_key(j, "prefixes");
		json_array_begin(j);
		for (const char *p = s->probe_prefixes; (p = next_word(p, w, sizeof(w)));) {
			char *eq = strchr(w, '=');
			if (eq)
				*eq = '\0';
			json_object_begin(j);
			json_kv_string(j, "prefix", w);
			json_kv_string(j, "label", eq ? eq + 1 : NULL);
			json_object_end(j);
		}
		json_array_end(j);
		json_object_end(j);
	} else
		json_null(j);
}
