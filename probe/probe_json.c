/* The probe's JSON report (see render.h): the top level's `verdict` and
 * `reason` as in replay's JSON (DESIGN.md section 10), then `targets` and
 * `mx`. */
#include "config.h"

#include "probe/render.h"
#include "render/json.h"

static void reply(struct json *j, const struct probe_reply *r)
{
	json_object_begin(j);
	json_kv_string(j, "command", r->command);
	json_kv_string(j, "stage", probe_stage_name(r->stage));
	json_kv_uint(j, "code", r->code);
	json_kv_string(j, "enhanced", r->enhanced[0] ? r->enhanced : NULL);
	json_kv_string(j, "text", r->text);
	json_object_end(j);
}

static void target(struct json *j, const struct probe_target *t)
{
	char a[LW_ADDR_STRLEN];

	json_object_begin(j);
	json_kv_string(j, "target", t->name);
	json_kv_string(j, "addr", addr_format(&t->addr, a, sizeof(a)));
	json_kv_uint(j, "port", t->port);
	json_kv_string(j, "tcp", probe_tcp_name(t->tcp));
	json_kv_string(j, "tcp_detail", t->tcp_detail);
	json_kv_string(j, "smtp_stage", probe_stage_name(t->stage));
	json_kv_string(j, "smtp_end", t->end == PROBE_END_REPLY ? "reply" : t->end_detail);
	json_kv_bool(j, "message_accepted", t->sent);
	json_key(j, "replies");
	json_array_begin(j);
	for (size_t i = 0; i < t->n_replies; i++)
		reply(j, &t->replies[i]);
	json_array_end(j);
	json_key(j, "deciding_reply");
	if (t->decided >= 0)
		json_uint(j, (uint64_t)t->decided);
	else
		json_null(j);
	json_kv_string(j, "verdict", verdict_key(t->verdict));
	json_kv_string(j, "reason", t->reason);
	json_object_end(j);
}

static void mx(struct json *j, const struct mx_check *m)
{
	json_object_begin(j);
	json_kv_string(j, "domain", m->domain);
	json_kv_string(j, "status", m->status);
	json_kv_string(j, "verdict", verdict_key(m->verdict));
	json_kv_string(j, "reason", m->reason);
	json_kv_uint(j, "dropped", m->dropped);
	json_key(j, "exchanges");
	json_array_begin(j);
	for (size_t i = 0; i < m->n; i++) {
		const struct mx_exchange *x = &m->ex[i];
		json_object_begin(j);
		json_kv_string(j, "exchange", x->name);
		json_key(j, "preference");
		if (x->implicit)
			json_null(j);
		else
			json_uint(j, x->pref);
		json_kv_bool(j, "implicit", x->implicit);
		json_kv_bool(j, "gateway", x->gateway);
		json_kv_string(j, "note", x->note[0] ? x->note : NULL);
		json_key(j, "addresses");
		json_array_begin(j);
		for (size_t k = 0; k < x->n_addrs; k++) {
			char a[LW_ADDR_STRLEN];
			json_object_begin(j);
			json_kv_string(j, "addr", addr_format(&x->addrs[k].addr, a, sizeof(a)));
			json_kv_string(j, "class", class_name(x->addrs[k].cls));
			json_kv_string(j, "match", x->addrs[k].match[0] ? x->addrs[k].match : NULL);
			json_object_end(j);
		}
		json_array_end(j);
		json_object_end(j);
	}
	json_array_end(j);
	json_object_end(j);
}

void probe_print_json(FILE *f, const struct probe_run *run)
{
	struct json j;

	json_init(&j, f);
	json_object_begin(&j);
	json_kv_string(&j, "verdict", verdict_key(run->verdict));
	json_kv_string(&j, "reason", run->reason);
	json_kv_string(&j, "level", run->level == PROBE_LEVEL_TCP ? "tcp" : "smtp");
	json_kv_bool(&j, "send", run->send);
	json_kv_string(&j, "token", run->token);
	json_kv_string(&j, "helo", run->helo);
	json_key(&j, "targets");
	json_array_begin(&j);
	for (size_t i = 0; i < run->n_targets; i++)
		target(&j, &run->targets[i]);
	json_array_end(&j);
	json_key(&j, "mx");
	if (run->mx)
		mx(&j, run->mx);
	else
		json_null(&j);
	json_object_end(&j);
	fputc('\n', f);
}
