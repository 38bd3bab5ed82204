#!/bin/sh
# Integration: resource limits and judgement under hostile traffic. A flood
# of SYNs from distinct spoofed sources, SYNs with random ISNs on one
# 4-tuple, fragments and overlapping fragments, IPv6 extension-header
# chains of the maximal length, ICMP unreachables quoting forged SYNs. The
# counters must be exact and the peak RSS (/usr/bin/time -f %M) must stay
# within a bound computed from --max-attempts and --max-sources, whatever
# the size of the flood. Captures come from tests/hostile_traffic.py.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3
if [ ! -x /usr/bin/time ]; then
	not_ok "/usr/bin/time is missing: install the Debian package time"
	exit 1
fi

GEN="python3 $top_srcdir/tests/hostile_traffic.py"
cd "$TMP" || exit 1
cat >r.rules <<'RULES'
allow test-gw 198.51.100.0/24
RULES
"$LWGEN" -o tiny.pcap --script - <<'S'
0 198.51.100.10 192.0.2.25 smtp gw1.example
S

# AddressSanitizer's shadow memory and quarantine inflate RSS; the bound
# then only needs more slack, the property (no growth with the flood) holds.
asan=0
if grep -q __asan_init "$LOCKWATCH" 2>/dev/null; then
	asan=1
fi

# peak_rss ARGS...: runs lockwatch; sets $rc and $rss (KiB); stdout in out.json
peak_rss() {
	rc=0
	/usr/bin/time -f %M -o rss.txt "$LOCKWATCH" "$@" >out.json 2>err.txt || rc=$?
	rss=$(tail -n 1 rss.txt)
}
# What the tables may use on top of a run that holds nothing: an attempt
# is an entry (~88 bytes) and up to four hash slots; a source is a 64-byte
# record, two 8-byte slots and two 4-byte side entries, and a full table
# adds its 1 MiB filter of evicted sources (inside the slack). Both get a
# generous round figure; the point is the absence of a term in the number
# of packets or distinct sources seen.
PER_ATTEMPT=160
PER_SOURCE=512
peak_rss replay -r r.rules --max-attempts 16 --max-sources 16 tiny.pcap
base=$rss
slack=2048 scale=1
if [ "$asan" -eq 1 ]; then
	slack=32768 scale=2
fi
bound() { # bound MAX_ATTEMPTS MAX_SOURCES: KiB
	echo $((base + scale * ($1 * PER_ATTEMPT + $2 * PER_SOURCE) / 1024 + slack))
}
json() { json_is out.json "$@"; }

# ---- a SYN flood from 100,000 distinct spoofed sources ---------------------
# Gateway deliveries before and after (20 s later): the capture sees replies.
$GEN flood flood20k.pcap 20000
$GEN flood flood100k.pcap 100000
A=1024 M=4096
peak_rss replay -r r.rules --json --max-attempts $A --max-sources $M flood100k.pcap
rss100k=$rss
# Evictions do not make it INCONCLUSIVE: a reply to an evicted attempt
# would still be counted, as a reach without its SYN (below).
check "flood: exit 0 (EFFECTIVE, the evictions said)" [ "$rc" -eq 0 ]
check "flood: the reason says the evictions and why they hide no reach" json \
	'"evicted from the full table" in d["reason"] and "none came" in d["reason"]' true
check "flood: every SYN an outside attempt, all unanswered" json \
	'[d["totals"]["outside"]["attempts"], d["totals"]["outside"]["unanswered"]]' '[100000, 100000]'
# The first gateway delivery lingers and gives way first; after that every
# SYN beyond the table's size pushes out the oldest open attempt.
check "flood: evictions = SYNs - max-attempts" json \
	'[d["capture"]["evictions"], d["capture"]["evicted_open_outside"]]' "[$((100000 - A)), $((100000 - A))]"
# The gateway holds one of the max-sources slots; the rest go to outside
# sources, and every source past them evicts the oldest one-attempt source
# (none is dropped); the distinct count is then the HyperLogLog's, within 2%.
check "flood: sources past max-sources evict one-attempt ones, the count is estimated" json \
	'[abs(d["totals"]["outside"]["sources"] - 100000) <= 2000, d["totals"]["outside"]["sources_estimated"], d["capture"]["sources_dropped"], d["capture"]["sources_evicted"]]' \
	"[true, true, 0, $((100000 - M + 1))]"
check "flood: the gateway still judged (2 smtp)" json 'd["totals"]["allowed"]["smtp"]' 2
check "flood: malformed all zero" json 'sum(d["capture"]["malformed"].values())' 0
b=$(bound $A $M)
if [ "$rss100k" -le "$b" ]; then
	ok "flood: peak RSS ${rss100k} KiB <= bound $b KiB (base $base + $A attempts + $M sources)"
else
	not_ok "flood: peak RSS ${rss100k} KiB > bound $b KiB (base $base)"
fi
peak_rss replay -r r.rules --json --max-attempts $A --max-sources $M flood20k.pcap
grow=$((rss100k - rss))
if [ "$grow" -le 1024 ]; then
	ok "flood: 5x the flood, peak RSS grows by $grow KiB (<= 1 MiB)"
else
	not_ok "flood: peak RSS grows with the flood: ${rss} KiB for 20k SYNs, ${rss100k} KiB for 100k"
fi
# The server answers the first SYN after its attempt was evicted: the
# SYN-ACK matches no attempt and is the evidence, NOT EFFECTIVE.
$GEN flood flood-late.pcap 20000 1 1
A=1024 M=4096
peak_rss replay -r r.rules --json --max-attempts $A --max-sources $M flood-late.pcap
check "flood, a late SYN-ACK to an evicted attempt: NOT EFFECTIVE (exit 2)" [ "$rc" -eq 2 ]
check "flood, late SYN-ACK: one reach, by the server's reply alone, and the evictions" json \
	'[d["totals"]["outside"]["reached_without_syn"], d["capture"]["evicted_open_outside"] >= 20000 - 1024]' \
	'[1, true]'
peak_rss replay -r r.rules --json --max-attempts $A --max-sources $M flood20k.pcap
check "flood 20k: counters" json \
	'[d["capture"]["evictions"], abs(d["totals"]["outside"]["sources"] - 20000) <= 400, d["capture"]["sources_dropped"], d["capture"]["sources_evicted"]]' \
	"[$((20000 - A)), true, 0, $((20000 - M + 1))]"

# Bounds large enough for the whole flood: nothing evicted or dropped.
A=131072 M=131072
peak_rss replay -r r.rules --json --max-attempts $A --max-sources $M flood100k.pcap
check "flood under roomy bounds: EFFECTIVE (exit 0)" [ "$rc" -eq 0 ]
check "flood under roomy bounds: no eviction, every source kept, the count exact" json \
	'[d["capture"]["evictions"], d["totals"]["outside"]["sources"], d["totals"]["outside"]["sources_estimated"], d["capture"]["sources_dropped"], d["capture"]["sources_evicted"]]' \
	'[0, 100000, false, 0, 0]'
b=$(bound $A $M)
if [ "$rss" -le "$b" ]; then
	ok "flood under roomy bounds: peak RSS $rss KiB <= bound $b KiB"
else
	not_ok "flood under roomy bounds: peak RSS $rss KiB > bound $b KiB"
fi

# ---- random ISNs on one 4-tuple -------------------------------------------
$GEN isn isn.pcap 20000
peak_rss replay -r r.rules --json --max-attempts 16 --max-sources 16 isn.pcap
check "random ISNs: exit 0 (each ISN an unanswered attempt)" [ "$rc" -eq 0 ]
check "random ISNs: 20000 attempts from one source, no eviction" json \
	'[d["totals"]["outside"]["attempts"], d["totals"]["outside"]["unanswered"], d["totals"]["outside"]["sources"], d["capture"]["evictions"]]' \
	'[20000, 20000, 1, 0]'
b=$(bound 16 16)
if [ "$rss" -le "$b" ]; then
	ok "random ISNs: peak RSS $rss KiB <= bound $b KiB"
else
	not_ok "random ISNs: peak RSS $rss KiB > bound $b KiB"
fi

# ---- fragments -------------------------------------------------------------
$GEN frag frag.pcap
peak_rss replay -r r.rules --json --max-attempts 16 --max-sources 16 frag.pcap
check "fragments: exit 0" [ "$rc" -eq 0 ]
# Non-first fragments never match the filter ("tcp port 25" checks the
# offset), so 5000 of them cost nothing; two first fragments with their own
# ISNs are two attempts, the overlapping SYN|ACK rewrite is no reply.
check "fragments: only first fragments judged" json \
	'[d["capture"]["packets"], [(s["addr"], s["attempts"], s["reached"]) for s in d["sources"]]]' \
	'[10, [["203.0.113.21", 2, false]]]'
check "fragments: nothing malformed, no stray reply" json \
	'[sum(d["capture"]["malformed"].values()), d["capture"]["unmatched_replies"]]' '[0, 0]'

# ---- IPv6 extension-header chains ------------------------------------------
$GEN ext6 ext6.pcap
peak_rss replay -r r.rules --json --max-attempts 16 --max-sources 16 ext6.pcap
check "IPv6 ext headers: 8 headers of 2048 bytes decoded, one more refused" json \
	'[d["totals"]["outside"]["attempts"], d["capture"]["malformed"]["ip6_ext_too_deep"], d["capture"]["malformed"]["ip6_ext_truncated"]]' \
	'[1, 1, 1]'
$GEN ext6-breach breach.pcap
run_lw out.json err.txt replay -r r.rules --json breach.pcap
# Regression: the capture filter used to drop any IPv6 packet whose first
# next header was not TCP, so this client reached the server unseen.
check "IPv6 SYN behind a destination-options header that reached: NOT EFFECTIVE" [ "$rc" -eq 2 ]
check "IPv6 SYN behind a destination-options header: source reached, HELO kept" json \
	'[(s["addr"], s["reached"], s["helo"]) for s in d["sources"]]' \
	'[["2001:db8:bad0::4", true, "hidden.example"]]'

# ---- ICMP unreachables quoting forged SYNs ---------------------------------
$GEN icmp icmp.pcap
peak_rss replay -r r.rules --json --max-attempts 16 --max-sources 16 icmp.pcap
check "forged ICMP: exit 2 (the source that got a SYN-ACK reached)" [ "$rc" -eq 2 ]
check "forged ICMP: wrong ISN, port, source or server: not rejected" json \
	'[(s["unanswered"], s["rejected"]) for s in d["sources"] if s["addr"] == "203.0.113.31"]' \
	'[[1, 0]]'
check "forged ICMP: the exact tuple and ISN: rejected" json \
	'[(s["rejected"], s["reached"]) for s in d["sources"] if s["addr"] == "203.0.113.32"]' \
	'[[1, false]]'
check "forged ICMP: after a SYN-ACK the attempt stays reached" json \
	'[(s["accepted"], s["rejected"], s["reached"]) for s in d["sources"] if s["addr"] == "203.0.113.33"]' \
	'[[1, 0, true]]'
check "forged ICMP: 3005 unmatched unreachables counted, no attempt made" json \
	'[d["capture"]["unmatched_icmp"], d["totals"]["outside"]["attempts"]]' '[3005, 3]'
b=$(bound 16 16)
if [ "$rss" -le "$b" ]; then
	ok "forged ICMP: peak RSS $rss KiB <= bound $b KiB"
else
	not_ok "forged ICMP: peak RSS $rss KiB > bound $b KiB"
fi

# ---- a client forging its own refusal ---------------------------------------
# A RST "from the server" injected by the client right behind its SYN must
# not hide the real SYN-ACK that follows: a refused or rejected attempt is
# judged at its timeout, and a later SYN-ACK or client data still wins.
$GEN forged-rst forged-rst.pcap
run_lw out.json err.txt replay -r r.rules --json forged-rst.pcap
check "client-forged RST before the SYN-ACK does not hide a breach (exit 2)" [ "$rc" -eq 2 ]
check "client-forged RST: the source is reached, nothing unmatched" json \
	'[[s["reached"] for s in d["sources"]], d["capture"]["unmatched_replies"]]' '[[true], 0]'
