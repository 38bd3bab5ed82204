/* Fuzz target: the packet decoder from the link layer up, and the
 * handshake tracker behind it, exactly as lockwatch replay chains them.
 *
 * Input: one selector byte, then the frame(s).
 *   selector bits 0-3: link type (index into linktypes[], modulo)
 *   selector bits 4-6: bytes the wire length exceeds the captured length,
 *                      times 64 (a snaplen cut)
 *   selector bit 7:    0: the rest is one frame;
 *                      1: the rest is records [dt][len_hi][len_lo][frame],
 *                         dt in 100 ms steps of packet time, so that one
 *                         input can hold a whole handshake and time out.
 * Every frame is decoded from an exactly sized buffer, so a read one byte
 * past the captured data is an ASan report, not luck. */
#include "config.h"

#include <pcap/dlt.h>
#include <string.h>

#include "common/bounds.h"
#include "fuzz/fuzz.h"
#include "sensor/decode.h"
#include "sensor/tracker.h"

#define FUZZ_MAX_ATTEMPTS 16	     /* small, so a few SYNs already evict */
#define FUZZ_TIMEOUT_US	  1000000ULL /* 1 s: ten 100 ms steps expire an attempt */
#define FUZZ_LINGER_US	  3000000ULL
#define FUZZ_STEP_US	  100000ULL
#define FUZZ_TS0	  1793610000000000ULL
#define LINKTYPE_RAW	  101
#define LINKTYPE_80211	  105 /* a link type the decoder must refuse, not guess */

static const int linktypes[] = {DLT_EN10MB,   DLT_LINUX_SLL, DLT_LINUX_SLL2, DLT_RAW,
				LINKTYPE_RAW, DLT_IPV4,	     DLT_IPV6,	     DLT_NULL,
				DLT_LOOP,     LINKTYPE_80211};
static const uint16_t ports[] = {25, 587};

struct run {
	uint64_t emitted;
};

static void on_attempt(const struct attempt *a, void *userdata)
{
	struct run *run = userdata;
	size_t n = strnlen(a->helo, sizeof(a->helo));

	FUZZ_CHECK(a->outcome < OUTCOME_COUNT);
	FUZZ_CHECK(n <= LW_HELO_MAX);
	/* the HELO goes into reports and the journal: never a control byte */
	for (size_t i = 0; i < n; i++)
		FUZZ_CHECK(a->helo[i] >= 0x20 && a->helo[i] < 0x7f && a->helo[i] != ' ');
	FUZZ_CHECK(a->syns >= 1 || (a->without_syn && a->syns == 0));
	FUZZ_CHECK(a->last_us >= a->first_us);
	run->emitted++;
}

static void check_pkt(enum decode_result r, const struct pkt *p, const uint8_t *frame,
		      size_t caplen, uint64_t ts)
{
	FUZZ_CHECK((unsigned)r < DECODE_RESULT_COUNT);
	FUZZ_CHECK(strcmp(decode_result_name(r), "unknown") != 0);
	if (r != DECODE_OK)
		return;
	FUZZ_CHECK(p->ts_us == ts);
	FUZZ_CHECK(p->kind == PKT_TCP || p->kind == PKT_ICMP_UNREACH);
	FUZZ_CHECK(p->src.family == LW_AF_INET || p->src.family == LW_AF_INET6);
	FUZZ_CHECK(p->dst.family == LW_AF_INET || p->dst.family == LW_AF_INET6);
	if (p->kind == PKT_TCP) {
		FUZZ_CHECK(p->payload >= frame && p->payload <= frame + caplen);
		FUZZ_CHECK(p->payload_len <= (size_t)(frame + caplen - p->payload));
	}
}

static void one_frame(int linktype, const uint8_t *data, size_t len, uint32_t extra, uint64_t ts,
		      struct tracker *t)
{
	/* exactly sized: the libFuzzer buffer may go on after this frame */
	uint8_t *frame = malloc(len ? len : 1);
	struct pkt p;

	if (!frame)
		return;
	memcpy(frame, data, len);
	memset(&p, 0, sizeof(p));
	enum decode_result r =
	    decode_packet(linktype, frame, (uint32_t)len, (uint32_t)len + extra, ts, &p);
	check_pkt(r, &p, frame, len, ts);
	if (r == DECODE_OK)
		tracker_packet(t, &p);
	else
		tracker_advance(t, ts);
	free(frame);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tracker_config cfg;
	struct tracker_stats st;
	struct run run = {0};
	uint64_t ts = FUZZ_TS0;

	if (size < 1)
		return 0;
	uint8_t sel = data[0];
	int linktype = linktypes[(sel & 0x0f) % (sizeof(linktypes) / sizeof(linktypes[0]))];
	uint32_t extra = (uint32_t)((sel >> 4) & 0x07) * 64;

	tracker_config_defaults(&cfg);
	cfg.max_attempts = FUZZ_MAX_ATTEMPTS;
	cfg.timeout_us = FUZZ_TIMEOUT_US;
	cfg.linger_us = FUZZ_LINGER_US;
	cfg.ports = ports;
	cfg.n_ports = sizeof(ports) / sizeof(ports[0]);
	struct tracker *t = tracker_new(&cfg, on_attempt, &run);
	FUZZ_CHECK(t != NULL);

	data++;
	size--;
	if (!(sel & 0x80)) {
		one_frame(linktype, data, size, extra, ts, t);
	} else {
		while (size >= 3) {
			size_t len = (size_t)data[1] << 8 | data[2];
			ts += data[0] * FUZZ_STEP_US;
			data += 3;
			size -= 3;
			if (len > size)
				len = size;
			one_frame(linktype, data, len, extra, ts, t);
			data += len;
			size -= len;
		}
	}
	tracker_finish(t);
	tracker_get_stats(t, &st);
	/* every attempt is reported exactly once: finished, evicted or cut short */
	FUZZ_CHECK(run.emitted == st.attempts + st.reached_without_syn);
	FUZZ_CHECK(st.open == 0);
	FUZZ_CHECK(st.evictions <= st.attempts);
	tracker_free(t);
	return 0;
}
