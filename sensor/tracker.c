/* Handshake tracker: matches client SYNs to watched ports with the replies
 * that decide them (SYN-ACK, RST, ICMP unreachable, client ACK or data),
 * times them out in packet time, and keeps all of it in a fixed-size table
 * that evicts the oldest attempt when full. A server's reply that no attempt
 * explains is a reach without the SYN, counted once per connection through
 * a set of its own (reply_seen.h), so it never takes an attempt's place.
 *
 * Memory layout, all allocated in tracker_new() and never again:
 *  - entries[max_attempts]: one per attempt, open or lingering. Each entry in
 *    use is on exactly one intrusive doubly-linked list: the free list, the
 *    open list (ordered by first_us) or the linger list (ordered by finish
 *    time). Both orders are plain insertion order because the tracker's
 *    clock never goes backwards between two steps (pktclock.h) and every
 *    time stored is the clock at that moment; an entry from before the last
 *    step counts its age from the step (clock_since()). Entries never used
 *    yet are on no list: they are handed out in index order past `fresh`,
 *    so the table costs memory (calloc's untouched pages) and start-up time
 *    only as far as the traffic ever fills it.
 *  - slots[2^k >= 2 * max_attempts]: an open-addressing hash index over the
 *    entries, keyed by (client addr, client port, server addr, server port).
 *    The client ISN is not part of the key: a 4-tuple has at most one entry,
 *    and a SYN with a new ISN replaces the attempt in place.
 *
 * The index uses linear probing with backward-shift deletion rather than
 * tombstones. Under a SYN flood the table is in constant churn (an insert and
 * an eviction per packet); tombstones would accumulate until every lookup
 * walked long runs of them and the table needed rebuilding, a per-packet
 * latency spike we cannot afford. Backward shift keeps every probe run as
 * short as if the deleted key had never been inserted, at the cost of moving
 * a few slots on delete, and load stays at or below one half. */
#include "config.h"

#include "sensor/tracker.h"

#include "sensor/helo.h"
#include "sensor/pktclock.h"
#include "sensor/reply_seen.h"
#include "sensor/tuple_hash.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* Largest table accepted: entry and slot indices are 32-bit, and the slot
 * count (>= 2 * max_attempts, a power of two) must still fit. */
#define TRACKER_MAX_ATTEMPTS_LIMIT (1u << 30)
#define TRACKER_MIN_SLOTS	   16

#define NIL UINT32_MAX
/* How many evictions ahead make_room() starts loading a victim's data
 * (2 measured best on the flood: a longer walk costs more than it hides). */
#define TRACKER_AHEAD 2u

enum entry_state { ENTRY_FREE = 0, ENTRY_OPEN, ENTRY_LINGER };

struct entry {
	struct lw_addr src, dst; /* client, server */
	uint16_t sport, dport;
	uint8_t state;	 /* enum entry_state */
	uint8_t outcome; /* enum outcome */
	uint8_t replied; /* a server packet (SYN-ACK, RST, ICMP) was seen */
	uint8_t epoch;	 /* the clock's step count (mod 256) when its times were set */
	uint32_t isn;
	uint32_t server_isn; /* valid once outcome >= OUTCOME_ACCEPTED (from SYN-ACK) */
	uint32_t syns;
	/* Our slot's tag (low 32 bits of the key's hash), so that removal
	 * finds our slot from its home without rehashing the key. A back-
	 * reference to the slot itself would have to be rewritten for every
	 * slot a backward shift moves: a write to a random entry, i.e. a cache
	 * miss, per shifted slot on every eviction of a SYN flood. */
	uint32_t hash;
	uint32_t prev, next;
	uint64_t first_us;
	uint64_t last_us; /* open: last packet; lingering: finish time */
};

struct slot {
	uint32_t idx1; /* entry index + 1; 0 is an empty slot, so calloc() is empty */
	uint32_t hash; /* low 32 bits of the hash: home slot and a cheap pre-compare */
};

struct list {
	uint32_t head, tail;
};

struct tracker {
	struct tracker_config cfg;
	tracker_emit_fn emit;
	void *userdata;

	struct entry *entries;
	struct slot *slots;
	uint32_t mask;	    /* nslots - 1 */
	uint32_t used;	    /* open + lingering entries */
	uint32_t free_head; /* entries released after use */
	uint32_t fresh;	    /* entries[fresh..] were never used */
	struct list open, linger;

	uint64_t now_us;
	struct pkt_clock clock;
	uint64_t step_us;  /* the clock after its last step */
	uint8_t epoch;	   /* steps of the clock, mod 256 */
	uint32_t held_idx; /* the attempt the held stamp's packet opened, NIL none */
	struct reply_seen *seen;
	uint64_t seed[TUPLE_HASH_SEED_WORDS];
	struct tracker_stats stats;
	uint8_t ports[65536 / 8];
};

/* Key words for hashing; IPv4 leaves bytes[4..15] zero, so one layout fits
 * both families. */
struct key {
	const struct lw_addr *src, *dst;
	uint16_t sport, dport;
};

static const uint16_t default_ports[] = {25};

void tracker_config_defaults(struct tracker_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_attempts = LW_TRACKER_MAX_DEFAULT;
	cfg->timeout_us = LW_HANDSHAKE_TIMEOUT_US;
	cfg->linger_us = LW_LINGER_US;
	cfg->ports = default_ports;
	cfg->n_ports = 1;
	cfg->max_reply_seen = LW_REPLY_SEEN_MAX;
}

/* ---- hashing ---- */

static inline uint64_t key_hash(const struct tracker *t, const struct key *k)
{
	return tuple_hash(t->seed, k->src, k->dst, k->sport, k->dport);
}

static inline bool entry_has_key(const struct entry *e, const struct key *k)
{
	return e->sport == k->sport && e->dport == k->dport && addr_equal(&e->src, k->src) &&
	       addr_equal(&e->dst, k->dst);
}

/* ---- index ---- */

/* Returns the entry index for the key, or NIL. */
static uint32_t index_find(const struct tracker *t, const struct key *k, uint64_t h)
{
	uint32_t tag = (uint32_t)h;
	uint32_t i = tag & t->mask;

	for (;;) {
		const struct slot *s = &t->slots[i];

		if (s->idx1 == 0)
			return NIL;
		if (s->hash == tag && entry_has_key(&t->entries[s->idx1 - 1], k))
			return s->idx1 - 1;
		i = (i + 1) & t->mask;
	}
}

/* The key must be absent; load <= 1/2 guarantees an empty slot. */
static void index_insert(struct tracker *t, uint32_t idx, uint64_t h)
{
	uint32_t tag = (uint32_t)h;
	uint32_t i = tag & t->mask;

	while (t->slots[i].idx1 != 0)
		i = (i + 1) & t->mask;
	t->slots[i].idx1 = idx + 1;
	t->slots[i].hash = tag;
	t->entries[idx].hash = tag;
}

/* Where slots[] points at the entry: on its probe run, at or after its
 * home. The run is short (load <= 1/2) and usually in the home's line. */
static uint32_t index_slot_of(const struct tracker *t, uint32_t idx)
{
	uint32_t i = t->entries[idx].hash & t->mask;

	while (t->slots[i].idx1 != idx + 1)
		i = (i + 1) & t->mask;
	return i;
}

/* Backward-shift deletion: pull each later member of the probe run into the
 * hole when its home allows it, so runs never contain gaps. */
static void index_remove(struct tracker *t, uint32_t idx)
{
	uint32_t hole = index_slot_of(t, idx);
	uint32_t j = hole;

	for (;;) {
		j = (j + 1) & t->mask;
		struct slot *s = &t->slots[j];

		if (s->idx1 == 0)
			break;
		uint32_t home = s->hash & t->mask;
		/* movable if the hole lies between its home and j (cyclically) */
		if (((j - home) & t->mask) >= ((j - hole) & t->mask)) {
			t->slots[hole] = *s;
			hole = j;
		}
	}
	t->slots[hole].idx1 = 0;
	t->slots[hole].hash = 0;
}

/* ---- age lists ---- */

static void list_append(struct tracker *t, struct list *l, uint32_t idx)
{
	struct entry *e = &t->entries[idx];

	e->prev = l->tail;
	e->next = NIL;
	if (l->tail != NIL)
		t->entries[l->tail].next = idx;
	else
		l->head = idx;
	l->tail = idx;
}

static void list_unlink(struct tracker *t, struct list *l, uint32_t idx)
{
	struct entry *e = &t->entries[idx];

	if (e->prev != NIL)
		t->entries[e->prev].next = e->next;
	else
		l->head = e->next;
	if (e->next != NIL)
		t->entries[e->next].prev = e->prev;
	else
		l->tail = e->prev;
	e->prev = e->next = NIL;
}

static struct list *entry_list(struct tracker *t, const struct entry *e)
{
	return e->state == ENTRY_OPEN ? &t->open : &t->linger;
}

/* Takes an entry off its list and out of the index, onto the free list. */
static void entry_release(struct tracker *t, uint32_t idx)
{
	struct entry *e = &t->entries[idx];

	list_unlink(t, entry_list(t, e), idx);
	index_remove(t, idx);
	if (e->state == ENTRY_OPEN)
		t->stats.open--;
	e->state = ENTRY_FREE;
	e->next = t->free_head;
	t->free_head = idx;
	t->used--;
}

/* ---- time ---- */

/* When an entry's age counts from: the time stored, unless the clock has
 * stepped since (either way): then from the step, so that a step can never
 * time out an attempt that was still waiting for its reply. */
static inline uint64_t clock_since(const struct tracker *t, const struct entry *e, uint64_t us)
{
	return e->epoch == t->epoch && us <= t->now_us ? us : t->step_us;
}

static enum pkt_clock_move clock_to(struct tracker *t, uint64_t ts_us)
{
	enum pkt_clock_move m = pkt_clock_observe(&t->clock, ts_us);

	if (m == PKT_CLOCK_STEPPED) {
		t->epoch++;
		t->step_us = t->clock.now_us;
		reply_seen_rebase(t->seen, t->clock.now_us);
		/* The held packet was in the new time line after all (a gap
		 * in a quiet capture, a clock step): the attempt it opened at
		 * the old clock's time carries its own stamp. */
		if (t->held_idx != NIL && t->entries[t->held_idx].state == ENTRY_OPEN)
			t->entries[t->held_idx].first_us = t->entries[t->held_idx].last_us =
			    t->clock.held_us;
	}
	t->held_idx = NIL;
	t->now_us = t->clock.now_us;
	return m;
}

/* ---- emission ---- */

/* The callback must not call back into the tracker: it runs in the middle
 * of list and index updates. */
static void entry_emit(struct tracker *t, const struct entry *e, bool evicted, bool pending,
		       const char *helo)
{
	struct attempt a;

	if (t->emit == NULL)
		return;
	/* zero the padding too: consumers may hash or write the struct */
	memset(&a, 0, offsetof(struct attempt, helo));
	a.src = e->src;
	a.dst = e->dst;
	a.sport = e->sport;
	a.dport = e->dport;
	a.isn = e->isn;
	a.first_us = e->first_us;
	/* a reply after the clock stepped back may predate the SYN's stamp */
	a.last_us = e->last_us < e->first_us ? e->first_us : e->last_us;
	/* When the outcome became final in packet time: at the deadline for
	 * an attempt judged by its timeout, even if the tracker noticed only
	 * at a later packet; otherwise now (data, eviction, end of capture). */
	a.judged_us = clock_since(t, e, e->first_us) + t->cfg.timeout_us < t->now_us
			  ? clock_since(t, e, e->first_us) + t->cfg.timeout_us
			  : t->now_us;
	a.syns = e->syns;
	a.outcome = e->outcome;
	a.replied = e->replied != 0;
	a.evicted = evicted;
	a.pending_at_end = pending;
	if (helo != NULL)
		memcpy(a.helo, helo, sizeof(a.helo));
	else
		a.helo[0] = '\0';
	t->emit(&a, t->userdata);
}

/* Emits an open attempt and keeps it lingering to absorb retransmits. */
static void entry_finish(struct tracker *t, uint32_t idx, const char *helo)
{
	struct entry *e = &t->entries[idx];

	entry_emit(t, e, false, false, helo);
	list_unlink(t, &t->open, idx);
	t->stats.open--;
	e->state = ENTRY_LINGER;
	e->last_us = t->now_us; /* finish time orders the linger list */
	e->epoch = t->epoch;
	list_append(t, &t->linger, idx);
}

/* A lingering attempt leaves the table. A reached one is remembered as
 * counted, so that the rest of a long session is not taken for a reach
 * without SYN. */
static void linger_release(struct tracker *t, uint32_t idx)
{
	const struct entry *e = &t->entries[idx];

	if (outcome_reached(e->outcome)) {
		struct key k = {&e->src, &e->dst, e->sport, e->dport};

		reply_seen_add(t->seen, key_hash(t, &k), t->now_us, &t->stats.reply_seen_evictions);
	}
	entry_release(t, idx);
}

/* Frees one entry for a new attempt: the oldest lingering one if any (it
 * has been reported already), else the oldest open attempt, reported as
 * evicted. */
static void make_room(struct tracker *t)
{
	if (t->linger.head != NIL) {
		linger_release(t, t->linger.head);
		return;
	}
	uint32_t idx = t->open.head;

	/* Under a flood every SYN evicts the oldest open attempt, and the
	 * victims of the next SYNs are next on the open list. Starting the
	 * loads of a victim's slot (and, through the hook, what the consumer
	 * will read for it) TRACKER_AHEAD evictions early overlaps those cache
	 * misses with the packets between. The walk reads entries that were
	 * filled in this order, a stream the hardware prefetcher follows. */
	uint32_t ahead = t->entries[idx].next;
	for (unsigned i = 1; i < TRACKER_AHEAD && ahead != NIL; i++)
		ahead = t->entries[ahead].next;
	if (ahead != NIL) {
		const struct entry *a = &t->entries[ahead];
		__builtin_prefetch(&t->slots[a->hash & t->mask]);
		if (t->cfg.ahead)
			t->cfg.ahead(&a->src, t->userdata);
	}

	entry_emit(t, &t->entries[idx], true, false, NULL);
	t->stats.evictions++;
	entry_release(t, idx);
}

static void expire(struct tracker *t)
{
	while (t->open.head != NIL) {
		const struct entry *e = &t->entries[t->open.head];

		if (t->now_us - clock_since(t, e, e->first_us) < t->cfg.timeout_us)
			break;
		entry_finish(t, t->open.head, NULL);
	}
	while (t->linger.head != NIL) {
		const struct entry *e = &t->entries[t->linger.head];

		if (t->now_us - clock_since(t, e, e->last_us) < t->cfg.linger_us)
			break;
		linger_release(t, t->linger.head);
	}
}

void tracker_advance(struct tracker *t, uint64_t now_us)
{
	/* Packet time only moves forward between steps: a slightly out-of-order
	 * stamp (multi-queue capture) must not reorder the age lists or
	 * un-expire anything. */
	clock_to(t, now_us);
	expire(t);
}

/* ---- packet handling ---- */

static void start_attempt(struct tracker *t, uint32_t idx, const struct pkt *p)
{
	struct entry *e = &t->entries[idx];

	e->isn = p->seq;
	e->server_isn = 0;
	e->replied = 0;
	e->syns = 1;
	e->first_us = e->last_us = t->now_us;
	e->epoch = t->epoch;
	e->outcome = OUTCOME_UNANSWERED;
	e->state = ENTRY_OPEN;
	list_append(t, &t->open, idx);
	t->stats.open++;
	t->stats.attempts++;
}

static void on_client_syn(struct tracker *t, const struct pkt *p, const struct key *k, uint64_t h,
			  uint32_t idx)
{
	if (idx != NIL) {
		struct entry *e = &t->entries[idx];

		if (e->isn == p->seq) {
			/* retransmit; a lingering attempt stays reported as it was */
			e->syns++;
			t->stats.retransmits++;
			if (e->state == ENTRY_OPEN)
				e->last_us = t->now_us;
			return;
		}
		/* new ISN on the same 4-tuple: the client gave up and reconnected
		 * from the same port; the old attempt is over as it stands */
		if (e->state == ENTRY_OPEN)
			entry_finish(t, idx, NULL);
		list_unlink(t, &t->linger, idx);
		start_attempt(t, idx, p);
		return;
	}
	if (t->used == t->cfg.max_attempts)
		make_room(t);
	if (t->free_head != NIL) {
		idx = t->free_head;
		t->free_head = t->entries[idx].next;
	} else {
		idx = t->fresh++;
	}
	t->used++;

	struct entry *e = &t->entries[idx];

	e->src = *k->src;
	e->dst = *k->dst;
	e->sport = k->sport;
	e->dport = k->dport;
	index_insert(t, idx, h);
	start_attempt(t, idx, p);
}

static void on_client_segment(struct tracker *t, const struct pkt *p, uint32_t idx)
{
	struct entry *e;

	if (idx == NIL)
		return;
	e = &t->entries[idx];
	if (e->state != ENTRY_OPEN || (p->tcp_flags & (TCPF_RST | TCPF_SYN)))
		return;
	if (p->payload_len > 0) {
		/* data at isn+1 proves the handshake completed, even when the
		 * SYN-ACK was not captured (asymmetric routing, drops) */
		if (p->seq != e->isn + 1)
			return;
		char helo[LW_HELO_MAX + 1];

		helo_extract(p->payload, p->payload_len, helo);
		e->outcome = OUTCOME_SMTP;
		e->last_us = t->now_us;
		entry_finish(t, idx, helo);
		return;
	}
	if ((p->tcp_flags & TCPF_ACK) && e->outcome >= OUTCOME_ACCEPTED &&
	    p->ack == e->server_isn + 1) {
		e->outcome = OUTCOME_ESTABLISHED;
		e->last_us = t->now_us;
	}
}

/* A reach the server's reply alone proves (its SYN was not seen): one
 * attempt, without_syn, once per connection. It never takes an entry, so
 * forged replies cannot push real attempts out. */
static void reply_reach(struct tracker *t, const struct pkt *p, uint64_t h, enum outcome o)
{
	struct attempt a;

	if (!reply_seen_add(t->seen, h, t->now_us, &t->stats.reply_seen_evictions))
		return;
	t->stats.reached_without_syn++;
	if (t->emit == NULL)
		return;
	reply_seen_attempt(p, o, t->now_us, &a);
	t->emit(&a, t->userdata);
}

/* An ACK, data or FIN from the server port: a packet of an established
 * connection, which only a client that reached the server can have. */
static void on_server_ack(struct tracker *t, const struct pkt *p, uint64_t h, uint32_t idx)
{
	struct entry *e;

	if (idx == NIL) {
		reply_reach(t, p, h, OUTCOME_ESTABLISHED);
		return;
	}
	e = &t->entries[idx];
	if (outcome_reached(e->outcome))
		return; /* counted with its attempt */
	if (e->state == ENTRY_OPEN) {
		/* the SYN-ACK was not captured; the connection goes on */
		e->outcome = OUTCOME_ACCEPTED;
		e->replied = 1;
		e->server_isn = p->seq - 1;
		e->last_us = t->now_us;
		return;
	}
	/* judged blocked (timed out, refused, rejected), yet established */
	reply_reach(t, p, h, OUTCOME_ESTABLISHED);
}

static void on_server_segment(struct tracker *t, const struct pkt *p, uint64_t h, uint32_t idx)
{
	uint8_t f = p->tcp_flags;
	struct entry *e;

	if (f & TCPF_RST) {
		bool acks = (f & TCPF_ACK) != 0;

		if (idx == NIL || (acks && p->ack != t->entries[idx].isn + 1)) {
			t->stats.unmatched_replies++;
			return;
		}
		e = &t->entries[idx];
		/* a RST after the SYN-ACK ends a connection that was accepted;
		 * the furthest outcome stands */
		if (e->state != ENTRY_OPEN || e->outcome >= OUTCOME_ACCEPTED)
			return;
		/* The attempt stays open until its timeout: anyone who saw the
		 * SYN (the client itself) can forge this RST, and a real SYN-ACK
		 * or client data after it must still show the reach. */
		if (e->outcome == OUTCOME_UNANSWERED)
			e->outcome = OUTCOME_REFUSED;
		e->replied = 1;
		e->last_us = t->now_us;
		return;
	}
	if (!(f & TCPF_ACK))
		return; /* the server's own SYN (it connects out), a bare FIN: no reply */
	if (!(f & TCPF_SYN)) {
		on_server_ack(t, p, h, idx);
		return;
	}
	if (idx == NIL) {
		reply_reach(t, p, h, OUTCOME_ACCEPTED);
		return;
	}
	if (p->ack != t->entries[idx].isn + 1) {
		t->stats.unmatched_replies++;
		return;
	}
	e = &t->entries[idx];
	if (e->state != ENTRY_OPEN) {
		/* A repeat of a SYN-ACK already reported (the server retries
		 * while the client does not ACK) is not news; one after an
		 * attempt reported as unanswered, refused or rejected came too
		 * late for it, and still proves the reach, once. */
		if (e->outcome < OUTCOME_ACCEPTED)
			reply_reach(t, p, h, OUTCOME_ACCEPTED);
		return;
	}
	if (e->outcome < OUTCOME_ACCEPTED)
		e->outcome = OUTCOME_ACCEPTED;
	e->replied = 1;
	e->server_isn = p->seq;
	e->last_us = t->now_us;
}

static void on_icmp(struct tracker *t, const struct pkt *p)
{
	struct key k = {&p->src, &p->dst, p->sport, p->dport};
	uint32_t idx = index_find(t, &k, key_hash(t, &k));
	struct entry *e = idx == NIL ? NULL : &t->entries[idx];

	/* The quoted seq must be the attempt's ISN: anyone can send an
	 * unreachable, only a router that saw the SYN knows its ISN. */
	if (e == NULL || p->seq != e->isn) {
		t->stats.unmatched_icmp++;
		return;
	}
	if (e->state != ENTRY_OPEN || e->outcome >= OUTCOME_ACCEPTED) {
		/* the firewall answering each SYN retransmit again is not
		 * news; an unreachable contradicting what we saw (a SYN-ACK,
		 * or a late one after the timeout) is counted */
		if (!(e->state == ENTRY_LINGER && e->outcome == OUTCOME_REJECTED))
			t->stats.unmatched_icmp++;
		return;
	}
	/* Open until the timeout, as for a RST: the client knows its own ISN
	 * and can forge this unreachable; what follows may still prove a
	 * reach. The first blocking reply names the outcome. */
	if (e->outcome == OUTCOME_UNANSWERED)
		e->outcome = OUTCOME_REJECTED;
	e->replied = 1;
	e->last_us = t->now_us;
}

static inline bool port_watched(const struct tracker *t, uint16_t port)
{
	return (t->ports[port >> 3] >> (port & 7)) & 1;
}

bool tracker_reads_payload(const struct tracker *t, const struct pkt *p)
{
	return p->kind == PKT_TCP && port_watched(t, p->dport);
}

void tracker_prefetch(const struct tracker *t, const struct pkt *p)
{
	struct key k;

	if (p->kind == PKT_ICMP_UNREACH || (p->kind == PKT_TCP && port_watched(t, p->dport)))
		k = (struct key){&p->src, &p->dst, p->sport, p->dport};
	else if (p->kind == PKT_TCP && port_watched(t, p->sport))
		k = (struct key){&p->dst, &p->src, p->dport, p->sport};
	else
		return;
	__builtin_prefetch(&t->slots[key_hash(t, &k) & t->mask]);
}

static void track_packet(struct tracker *t, const struct pkt *p)
{
	if (p->kind == PKT_ICMP_UNREACH) {
		on_icmp(t, p);
		return;
	}
	if (p->kind != PKT_TCP)
		return;

	bool to_server = port_watched(t, p->dport);
	bool from_server = port_watched(t, p->sport);
	uint8_t syn_ack = p->tcp_flags & (TCPF_SYN | TCPF_ACK);
	struct key c2s = {&p->src, &p->dst, p->sport, p->dport};
	struct key s2c = {&p->dst, &p->src, p->dport, p->sport};
	uint64_t h;
	uint32_t idx;

	if (!to_server && !from_server)
		return;
	if (to_server && from_server) {
		/* port 25 to port 25: the flags tell SYN from SYN-ACK; for the
		 * rest, whichever orientation we track an attempt under */
		if (syn_ack == (TCPF_SYN | TCPF_ACK)) {
			to_server = false;
		} else if (syn_ack != TCPF_SYN) {
			h = key_hash(t, &c2s);
			idx = index_find(t, &c2s, h);
			to_server = idx != NIL;
		}
	}
	if (to_server) {
		bool client_syn = syn_ack == TCPF_SYN && !(p->tcp_flags & TCPF_RST);

		/* A SYN answers nothing: what timed out before it (a lingering
		 * attempt of the same 4-tuple included) goes first. */
		if (client_syn)
			expire(t);
		h = key_hash(t, &c2s);
		idx = index_find(t, &c2s, h);
		if (client_syn)
			on_client_syn(t, p, &c2s, h, idx);
		else
			on_client_segment(t, p, idx);
	} else {
		/* The one place that decides "this packet is the server's":
		 * from a watched port. Whether its address is a watched server
		 * is the rules' call, on the attempt (pipeline). */
		h = key_hash(t, &s2c);
		idx = index_find(t, &s2c, h);
		on_server_segment(t, p, h, idx);
	}
}

/* The packet is matched at the clock's new time but before that time
 * expires anything: a reply that arrives with (or is) the packet whose time
 * would have timed its attempt out still answers it. */
void tracker_packet(struct tracker *t, const struct pkt *p)
{
	uint64_t started = t->stats.attempts;
	enum pkt_clock_move m = clock_to(t, p->ts_us);

	track_packet(t, p);
	if (m == PKT_CLOCK_HELD && t->stats.attempts != started)
		t->held_idx = t->open.tail; /* a new attempt is the open list's tail */
	expire(t);
}

void tracker_finish(struct tracker *t)
{
	while (t->open.head != NIL) {
		uint32_t idx = t->open.head;
		const struct entry *e = &t->entries[idx];
		bool pending = t->now_us - clock_since(t, e, e->first_us) < t->cfg.timeout_us;

		if (pending)
			t->stats.pending_at_end++;
		entry_emit(t, e, false, pending, NULL);
		entry_release(t, idx);
	}
	while (t->linger.head != NIL)
		entry_release(t, t->linger.head);
}

void tracker_get_stats(const struct tracker *t, struct tracker_stats *ret_stats)
{
	*ret_stats = t->stats;
	ret_stats->clock_jumps = t->clock.jumps;
}

struct tracker *tracker_new(const struct tracker_config *cfg, tracker_emit_fn emit, void *userdata)
{
	struct tracker *t = NULL;
	size_t nslots = TRACKER_MIN_SLOTS;

	if (cfg == NULL || cfg->max_attempts == 0 ||
	    cfg->max_attempts > TRACKER_MAX_ATTEMPTS_LIMIT || cfg->timeout_us == 0 ||
	    cfg->n_ports == 0 || cfg->ports == NULL)
		goto fail;
	while (nslots < 2 * (size_t)cfg->max_attempts)
		nslots *= 2;

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		goto fail;
	t->cfg = *cfg;
	t->cfg.ports = NULL; /* not ours to keep; the bitmap is our copy */
	t->emit = emit;
	t->userdata = userdata;
	for (unsigned i = 0; i < cfg->n_ports; i++)
		t->ports[cfg->ports[i] >> 3] |= (uint8_t)(1u << (cfg->ports[i] & 7));

	t->entries = calloc(cfg->max_attempts, sizeof(*t->entries));
	t->slots = calloc(nslots, sizeof(*t->slots));
	t->seen = reply_seen_new(cfg->max_reply_seen ? cfg->max_reply_seen : LW_REPLY_SEEN_MAX);
	if (t->entries == NULL || t->slots == NULL || t->seen == NULL)
		goto fail;
	t->mask = (uint32_t)(nslots - 1);
	t->free_head = NIL;
	t->fresh = 0;
	t->open.head = t->open.tail = NIL;
	t->linger.head = t->linger.tail = NIL;
	t->held_idx = NIL;
	tuple_hash_seed(t->seed);
	return t;

fail:
	tracker_free(t);
	return NULL;
}

void tracker_free(struct tracker *t)
{
	if (t == NULL)
		return;
	free(t->entries);
	free(t->slots);
	reply_seen_free(t->seen);
	free(t);
}
