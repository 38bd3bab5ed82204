/* Alert policy and rendering (see alert.h): the events of DESIGN.md
 * section 7, their MESSAGE_IDs and priorities, an alert as journal fields,
 * de-duplication per source and event, and the flood guard. The sinks that
 * carry the fields out (journal, stderr) are journal/'s. */
#include "config.h"

#include "analyzer/alert.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer/report.h"
#include "common/hash.h"

struct event_info {
	const char *name;
	const char *message_id; /* fixed forever: the catalog and admins' queries use it */
	int priority;
};

/* A switch in alert_event_name would catch a missing name at compile time,
 * but the three facts belong together; the static assert catches a
 * missing row instead. */
static const struct event_info events[] = {
    [ALERT_ATTEMPT] = {"attempt", "61ea915888124acea785e2f9bd06e962", 5},
    [ALERT_REACHED] = {"reached", "e443f88220a64ee8b340b445ec29eaf8", 2},
    [ALERT_SMTP] = {"smtp", "3827c73689f74aa6a935aff5d98506d0", 2},
    [ALERT_EXCEPTION] = {"exception", "b816299e294048438402199cf995fd54", 6},
    [ALERT_DROPS] = {"drops", "12cffa3363a84141b816f5836002d3b2", 4},
    [ALERT_REDIS_LOST] = {"redis_lost", "da9f2e84ffae4680a43416fa6d72eb80", 4},
    [ALERT_REDIS_REGAINED] = {"redis_regained", "9ff241f7b95e480bb7e6959e673dbee7", 5},
    [ALERT_RULES_RELOADED] = {"rules_reloaded", "9019f1e23c384045a572059f7a18dfc7", 6},
    [ALERT_RULES_REJECTED] = {"rules_rejected", "542e96154655431d90b92c6630586103", 3},
    [ALERT_SUMMARY] = {"summary", "d96921eb9a814b72be6e2c39460df156", 6},
    [ALERT_FLOOD] = {"flood", "f86169f9eb6b4c03904f23f068afc90d", 4},
};
_Static_assert(sizeof(events) / sizeof(events[0]) == ALERT_EVENT_COUNT,
	       "every alert event needs a name, a MESSAGE_ID and a priority");

const char *alert_event_name(enum alert_event e)
{
	return (unsigned)e < ALERT_EVENT_COUNT ? events[e].name : "unknown";
}

const char *alert_message_id(enum alert_event e)
{
	return (unsigned)e < ALERT_EVENT_COUNT ? events[e].message_id : "";
}

int alert_priority(enum alert_event e)
{
	return (unsigned)e < ALERT_EVENT_COUNT ? events[e].priority : 6;
}

void alert_init(struct alert *a, enum alert_event e)
{
	memset(a, 0, sizeof(*a));
	a->event = e;
}

void alert_set_message(struct alert *a, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(a->message, sizeof(a->message), fmt, ap);
	va_end(ap);
}

void alert_add_field(struct alert *a, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (a->n_extra >= ALERT_EXTRA_MAX)
		return;
	char *dst = a->extra[a->n_extra];
	int n = snprintf(dst, ALERT_EXTRA_LEN, "%s=", key);
	if (n < 0 || n >= ALERT_EXTRA_LEN)
		return;
	va_start(ap, fmt);
	vsnprintf(dst + n, ALERT_EXTRA_LEN - (size_t)n, fmt, ap);
	va_end(ap);
	a->n_extra++;
}

/* ---- rendering ---------------------------------------------------------- */

static void field(struct alert_text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void field(struct alert_text *t, const char *fmt, ...)
{
	va_list ap;
	size_t room = sizeof(t->buf) - t->used;

	if (t->n >= ALERT_FIELDS_MAX || room < 2)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(t->buf + t->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		return; /* cannot happen with the bounded fields; drop, never cut */
	t->field[t->n] = t->buf + t->used;
	t->len[t->n] = (size_t)n;
	t->n++;
	t->used += (size_t)n + 1;
}

void alert_render(const struct alert *a, const char *sensor, struct alert_text *t)
{
	char addr[LW_ADDR_STRLEN];

	t->used = 0;
	t->n = 0;
	field(t, "MESSAGE_ID=%s", alert_message_id(a->event));
	field(t, "PRIORITY=%d", alert_priority(a->event));
	field(t, "SYSLOG_IDENTIFIER=lockwatchd");
	field(t, "LOCKWATCH_EVENT=%s", alert_event_name(a->event));
	if (sensor && *sensor)
		field(t, "LOCKWATCH_SENSOR=%s", sensor);
	if (a->has & ALERT_F_SRC) {
		field(t, "LOCKWATCH_SRC=%s", addr_format(&a->src, addr, sizeof(addr)));
		field(t, "LOCKWATCH_SRC_PORT=%u", a->sport);
	}
	if (a->has & ALERT_F_DST) {
		field(t, "LOCKWATCH_DST=%s", addr_format(&a->dst, addr, sizeof(addr)));
		field(t, "LOCKWATCH_DST_PORT=%u", a->dport);
	}
	if (a->has & ALERT_F_OUTCOME)
		field(t, "LOCKWATCH_OUTCOME=%s", outcome_name((enum outcome)a->outcome));
	if (a->has & ALERT_F_ATTEMPTS)
		field(t, "LOCKWATCH_ATTEMPTS=%llu", (unsigned long long)a->attempts);
	if ((a->has & ALERT_F_HELO) && a->helo[0])
		field(t, "LOCKWATCH_HELO=%s", a->helo);
	if ((a->has & ALERT_F_SET) && a->set[0])
		field(t, "LOCKWATCH_SET=%s", a->set);
	if (a->has & ALERT_F_COUNT)
		field(t, "LOCKWATCH_COUNT=%llu", (unsigned long long)a->count);
	if (a->has & ALERT_F_TIME) {
		char iso[32];
		format_time_iso(a->time_us, iso, sizeof(iso));
		field(t, "LOCKWATCH_TIME=%s", iso);
	}
	for (unsigned i = 0; i < a->n_extra && i < ALERT_EXTRA_MAX; i++)
		field(t, "%s", a->extra[i]);
	field(t, "MESSAGE=%s", a->message);
}

/* ---- policy ------------------------------------------------------------- */

#define MICRO	       1000000LL
#define DEDUP_WAYS     4
#define ELAPSED_CAP_US 1000000000000ULL /* keeps elapsed * rate inside int64 */

struct dedup_slot {
	struct lw_addr addr;
	uint8_t event;
	bool used;
	uint64_t last_us;
};

/* Token bucket in millionths of a token, in the clock of the events. */
struct bucket {
	int64_t tokens;
	uint64_t last_us;
	bool started;
};

/* Traffic alerts are guarded in two classes, so a storm of spoofed SYNs
 * ("attempt" notices) can never hide a breach ("reached", "smtp"). */
enum guard_class { GUARD_NOTICE, GUARD_CRIT, GUARD_COUNT };

struct alerter {
	struct alerter_config cfg;
	char sensor[ALERT_SENSOR_LEN];
	struct alert_sink sink;
	struct alerter_stats stats;
	struct dedup_slot *slots;
	uint32_t n_sets;
	uint64_t seed;
	uint64_t now_us; /* latest event time seen: the guard's clock never goes back */
	struct bucket bucket[GUARD_COUNT];
	uint64_t pending[ALERT_EVENT_COUNT]; /* suppressed in the current storm */
	uint64_t pending_total;
	uint64_t storm_start_us;
	struct alert_text text; /* rendering buffer: too big for the stack of a callback */
};

void alerter_config_defaults(struct alerter_config *cfg)
{
	cfg->dedup_window_us = LW_ALERT_DEDUP_WINDOW_US;
	cfg->flood_rate = LW_ALERT_FLOOD_RATE;
	cfg->flood_burst = LW_ALERT_FLOOD_BURST;
	cfg->sensor = NULL;
}

struct alerter *alerter_new(const struct alerter_config *cfg, const struct alert_sink *sink)
{
	struct alerter *al = calloc(1, sizeof(*al));

	if (!al)
		return NULL;
	al->cfg = *cfg;
	if (cfg->sensor)
		snprintf(al->sensor, sizeof(al->sensor), "%s", cfg->sensor);
	al->cfg.sensor = al->sensor;
	al->sink = *sink;
	al->n_sets = LW_ALERT_DEDUP_SLOTS / DEDUP_WAYS;
	al->slots = calloc(LW_ALERT_DEDUP_SLOTS, sizeof(*al->slots));
	if (!al->slots)
		goto fail;
	/* A per-process seed, so spoofed sources cannot be chosen to push a
	 * real one out of its set. */
	al->seed = 0x9e3779b97f4a7c15ULL ^ (uint64_t)(uintptr_t)al ^ (uint64_t)(uintptr_t)&al;
	return al;
fail:
	alerter_free(al);
	return NULL;
}

void alerter_free(struct alerter *al)
{
	if (!al)
		return;
	free(al->slots);
	free(al);
}

void alerter_get_stats(const struct alerter *al, struct alerter_stats *ret)
{
	*ret = al->stats;
}

static struct dedup_slot *dedup_set(struct alerter *al, const struct lw_addr *addr, uint8_t event)
{
	uint64_t h = lw_addr_hash(al->seed ^ ((uint64_t)event << 48), addr);

	return &al->slots[(h % al->n_sets) * DEDUP_WAYS];
}

/* true when the same (source, event) went out less than a window ago. */
static bool dedup_hit(struct alerter *al, const struct lw_addr *addr, uint8_t event,
		      uint64_t now_us)
{
	struct dedup_slot *set = dedup_set(al, addr, event);

	if (al->cfg.dedup_window_us == 0)
		return false;
	for (int i = 0; i < DEDUP_WAYS; i++) {
		struct dedup_slot *s = &set[i];
		if (s->used && s->event == event && addr_equal(&s->addr, addr))
			return now_us >= s->last_us &&
			       now_us - s->last_us < al->cfg.dedup_window_us;
	}
	return false;
}

static void dedup_record(struct alerter *al, const struct lw_addr *addr, uint8_t event,
			 uint64_t now_us)
{
	struct dedup_slot *set = dedup_set(al, addr, event);
	struct dedup_slot *victim = &set[0];

	if (al->cfg.dedup_window_us == 0)
		return;
	for (int i = 0; i < DEDUP_WAYS; i++) {
		struct dedup_slot *s = &set[i];
		if (s->used && s->event == event && addr_equal(&s->addr, addr)) {
			victim = s;
			break;
		}
		if (!s->used || (victim->used && s->last_us < victim->last_us))
			victim = s;
	}
	victim->used = true;
	victim->addr = *addr;
	victim->event = event;
	victim->last_us = now_us;
}

static int64_t bucket_cap(const struct alerter *al)
{
	return (int64_t)al->cfg.flood_burst * MICRO;
}

static void bucket_refill(struct alerter *al, struct bucket *b, uint64_t now_us)
{
	if (!b->started) {
		b->started = true;
		b->tokens = bucket_cap(al);
		b->last_us = now_us;
		return;
	}
	if (now_us <= b->last_us)
		return;
	uint64_t elapsed = now_us - b->last_us;
	if (elapsed > ELAPSED_CAP_US)
		elapsed = ELAPSED_CAP_US;
	/* tokens per second * microseconds = millionths of a token */
	int64_t add = (int64_t)(elapsed * al->cfg.flood_rate);
	b->tokens = b->tokens + add > bucket_cap(al) ? bucket_cap(al) : b->tokens + add;
	b->last_us = now_us;
}

static void emit(struct alerter *al, const struct alert *a)
{
	alert_render(a, al->sensor, &al->text);
	al->stats.raised[a->event]++;
	if (al->sink.emit(a, &al->text, al->sink.userdata) < 0)
		al->stats.sink_failures++;
}

static void storm_report(struct alerter *al)
{
	struct alert a;
	char detail[ALERT_MESSAGE_LEN] = "";
	size_t used = 0;

	if (al->pending_total == 0)
		return;
	alert_init(&a, ALERT_FLOOD);
	a.has = ALERT_F_COUNT | ALERT_F_TIME;
	a.count = al->pending_total;
	a.time_us = al->storm_start_us;
	for (int e = 0; e < ALERT_EVENT_COUNT; e++) {
		if (!al->pending[e])
			continue;
		int n = snprintf(detail + used, sizeof(detail) - used, "%s%s %llu",
				 used ? ", " : "", alert_event_name((enum alert_event)e),
				 (unsigned long long)al->pending[e]);
		if (n > 0 && (size_t)n < sizeof(detail) - used)
			used += (size_t)n;
		alert_add_field(&a,
				e == ALERT_ATTEMPT   ? "LOCKWATCH_SUPPRESSED_ATTEMPT"
				: e == ALERT_REACHED ? "LOCKWATCH_SUPPRESSED_REACHED"
				: e == ALERT_SMTP    ? "LOCKWATCH_SUPPRESSED_SMTP"
						     : "LOCKWATCH_SUPPRESSED_EXCEPTION",
				"%llu", (unsigned long long)al->pending[e]);
	}
	alert_set_message(&a,
			  "flood guard: %llu alerts suppressed (%s); the report and Redis "
			  "still count every attempt",
			  (unsigned long long)al->pending_total, detail);
	emit(al, &a);
	memset(al->pending, 0, sizeof(al->pending));
	al->pending_total = 0;
}

static void storm_check(struct alerter *al, uint64_t now_us)
{
	if (al->pending_total == 0)
		return;
	bool calm = true;
	for (int g = 0; g < GUARD_COUNT; g++) {
		bucket_refill(al, &al->bucket[g], now_us);
		if (al->bucket[g].tokens < bucket_cap(al))
			calm = false;
	}
	if (calm || now_us - al->storm_start_us >= LW_ALERT_FLOOD_REPORT_US)
		storm_report(al);
}

static uint64_t advance(struct alerter *al, uint64_t t)
{
	if (t > al->now_us)
		al->now_us = t;
	return al->now_us;
}

/* Dedup first (a repeat costs no token), then the guard; an alert the
 * guard held back is not remembered, so the source alerts after the storm. */
static void raise_traffic(struct alerter *al, struct alert *a, uint64_t t)
{
	uint64_t now = advance(al, t);
	enum guard_class g =
	    (a->event == ALERT_REACHED || a->event == ALERT_SMTP) ? GUARD_CRIT : GUARD_NOTICE;

	storm_check(al, now);
	if (dedup_hit(al, &a->src, (uint8_t)a->event, now)) {
		al->stats.deduped++;
		return;
	}
	if (al->cfg.flood_burst) {
		struct bucket *b = &al->bucket[g];
		bucket_refill(al, b, now);
		if (b->tokens < MICRO) {
			if (al->pending_total == 0)
				al->storm_start_us = now;
			al->pending[a->event]++;
			al->pending_total++;
			al->stats.suppressed++;
			return;
		}
		b->tokens -= MICRO;
	}
	dedup_record(al, &a->src, (uint8_t)a->event, now);
	emit(al, a);
}

void alerter_attempt(struct alerter *al, const struct attempt *at, const struct rule_ref *ref,
		     uint64_t src_attempts)
{
	struct alert a;
	char src[LW_ADDR_STRLEN], dst[LW_ADDR_STRLEN];
	const char *oname = outcome_name((enum outcome)at->outcome);

	if (ref->cls == CLASS_ALLOWED)
		return;
	addr_format(&at->src, src, sizeof(src));
	addr_format(&at->dst, dst, sizeof(dst));
	alert_init(&a, ALERT_ATTEMPT);
	a.has = ALERT_F_SRC | ALERT_F_DST | ALERT_F_OUTCOME | ALERT_F_ATTEMPTS | ALERT_F_TIME;
	a.src = at->src;
	a.dst = at->dst;
	a.sport = at->sport;
	a.dport = at->dport;
	a.outcome = at->outcome;
	a.attempts = src_attempts;
	a.time_us = at->first_us;

	if (ref->cls == CLASS_EXCEPTION) {
		a.event = ALERT_EXCEPTION;
		a.has |= ALERT_F_SET;
		snprintf(a.set, sizeof(a.set), "%s", ref->label ? ref->label : "");
		if (at->helo[0]) {
			a.has |= ALERT_F_HELO;
			snprintf(a.helo, sizeof(a.helo), "%s", at->helo);
		}
		alert_set_message(&a, "exception %s (%s) connected to %s port %u: %s", a.set, src,
				  dst, at->dport, oname);
		raise_traffic(al, &a, at->judged_us ? at->judged_us : at->last_us);
		return;
	}

	/* A probe vantage point: the events of an outside source, the class
	 * and the probe's label added so the test is told from an intruder. */
	const char *who = "outside source";
	char probe_who[96];
	if (ref->cls == CLASS_PROBE) {
		alert_add_field(&a, "LOCKWATCH_CLASS", "%s", class_name(CLASS_PROBE));
		alert_add_field(&a, "LOCKWATCH_PROBE", "%s", ref->label ? ref->label : "");
		snprintf(probe_who, sizeof(probe_who), "probe %s, outside source",
			 ref->label ? ref->label : "");
		who = probe_who;
	}
	alert_set_message(&a, "%s %s attempted %s port %u: %s (%llu attempts so far)", who, src,
			  dst, at->dport, oname, (unsigned long long)src_attempts);
	raise_traffic(al, &a, at->judged_us ? at->judged_us : at->last_us);
	if (!outcome_reached((enum outcome)at->outcome))
		return;

	a.event = ALERT_REACHED;
	if (at->without_syn)
		alert_add_field(&a, "LOCKWATCH_REACHED_WITHOUT_SYN", "1");
	alert_set_message(&a,
			  "%s %s REACHED %s port %u (%s%s): the port-25 lockdown is "
			  "not effective",
			  who, src, dst, at->dport, oname,
			  at->without_syn ? ", seen by the server's reply alone, SYN not captured"
					  : "");
	raise_traffic(al, &a, at->judged_us ? at->judged_us : at->last_us);
	if (at->outcome != OUTCOME_SMTP)
		return;

	a.event = ALERT_SMTP;
	a.has |= ALERT_F_HELO;
	snprintf(a.helo, sizeof(a.helo), "%s", at->helo);
	alert_set_message(&a, "%s %s spoke SMTP to %s port %u as \"%s\"", who, src, dst, at->dport,
			  at->helo[0] ? at->helo : "(no HELO seen)");
	raise_traffic(al, &a, at->judged_us ? at->judged_us : at->last_us);
}

bool alerter_raise(struct alerter *al, struct alert *a, uint64_t now_us, bool dedup)
{
	static const struct lw_addr none;
	const struct lw_addr *key = (a->has & ALERT_F_SRC) ? &a->src : &none;

	if (dedup && dedup_hit(al, key, (uint8_t)a->event, now_us)) {
		al->stats.deduped++;
		return false;
	}
	if (dedup)
		dedup_record(al, key, (uint8_t)a->event, now_us);
	emit(al, a);
	return true;
}

void alerter_tick(struct alerter *al, uint64_t now_us)
{
	storm_check(al, advance(al, now_us));
}

void alerter_flush(struct alerter *al)
{
	storm_report(al);
}
