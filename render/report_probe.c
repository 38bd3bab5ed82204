/* The probe part of the report, text and JSON (issue 14, item 5): whether
 * the sensor saw the attempts of the `probe` vantage points the rules name
 * (lockwatch probe run from outside) and what became of them, so one
 * report shows the sensor and the firewall both in place. The probe's
 * attempts are judged with the outside ones (analyzer/verdict.c); this
 * part only names them. */
#include "config.h"

#include <inttypes.h>
#include <string.h>

#include "analyzer/report.h"
#include "render/json.h"
#include "render/render.h"

/* "not_seen", "blocked" or "reached" */
static const char *probe_result(const struct counts *p)
{
	if (p->attempts == 0)
		return "not_seen";
	return counts_reached(p) ? "reached" : "blocked";
}

/* The label of listed source i when it is a probe's first listed one. */
static const char *probe_label_at(const struct report *r, size_t i)
{
	const char *l = r->sources[i].label;

	if (r->sources[i].cls != CLASS_PROBE || !l)
		return NULL;
	for (size_t k = 0; k < i; k++)
		if (r->sources[k].cls == CLASS_PROBE && r->sources[k].label &&
		    strcmp(r->sources[k].label, l) == 0)
			return NULL;
	return l;
}

/* The labels of the probe sources listed, once each, comma separated. */
static void probe_labels(const struct report *r, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < r->n_sources; i++) {
		const char *l = probe_label_at(r, i);
		if (!l)
			continue;
		int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "", l);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
}

void report_text_probe(FILE *f, const struct report *r)
{
	const struct counts *p = &r->totals[CLASS_PROBE];
	char labels[256];

	if (r->n_probes == 0 && p->attempts == 0)
		return;
	if (p->attempts == 0) {
		fprintf(f,
			"Probe: the rules name %zu probe vantage point(s)%s; the sensor saw none "
			"of their attempts in the window (run lockwatch probe from one, or check "
			"that the sensor captures the watched port).\n",
			r->n_probes, r->probes_differ ? " (the sensors' rules differ)" : "");
		return;
	}
	probe_labels(r, labels, sizeof(labels));
	fprintf(f,
		"Probe%s%s: the sensor saw %" PRIu64 " attempt(s) from %" PRIu64
		" source(s): %" PRIu64 " refused, %" PRIu64 " rejected, %" PRIu64
		" unanswered, %" PRIu64 " reached (%" PRIu64 " spoke SMTP).\n",
		labels[0] ? " " : "", labels, p->attempts, p->sources, p->outcome[OUTCOME_REFUSED],
		p->outcome[OUTCOME_REJECTED], p->outcome[OUTCOME_UNANSWERED], counts_reached(p),
		p->outcome[OUTCOME_SMTP]);
	if (counts_reached(p))
		fprintf(f, "  REACHED: the sensor sees the probe, and the firewall lets it "
			   "through to the server.\n");
	else
		fprintf(f, "  blocked: the sensor sees the probe, and the firewall stops it.\n");
}

void report_json_probe(struct json *j, const struct report *r)
{
	const struct counts *p = &r->totals[CLASS_PROBE];

	json_key(j, "probe");
	json_object_begin(j);
	/* how many the rules name; null from Redis when a sensor did not say */
	json_key(j, "named");
	if (r->probes_known)
		json_uint(j, r->n_probes);
	else
		json_null(j);
	json_kv_bool(j, "seen", p->attempts > 0);
	json_kv_string(j, "result", probe_result(p));
	json_kv_uint(j, "attempts", p->attempts);
	json_kv_uint(j, "sources", p->sources);
	json_kv_uint(j, "reached", counts_reached(p));
	/* from Redis: the sensors' rules name different ones (each sensor's
	 * under "sensors"); named counts them all */
	json_kv_bool(j, "sensors_differ", r->probes_differ);
	json_key(j, "outcomes");
	json_object_begin(j);
	for (int o = 0; o < OUTCOME_COUNT; o++)
		json_kv_uint(j, outcome_name((enum outcome)o), p->outcome[o]);
	json_object_end(j);
	json_key(j, "labels");
	json_array_begin(j);
	for (size_t i = 0; i < r->n_sources; i++)
		if (probe_label_at(r, i))
			json_string(j, probe_label_at(r, i));
	json_array_end(j);
	json_object_end(j);
}
