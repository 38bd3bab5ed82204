#!/bin/sh
# Integration (issue 12): the evidence holds on captures a real mail host
# makes. Captures written by tests/evidence_pcaps, replayed by `lockwatch
# replay`: SYNs with options cut at snap lengths 54 to 96 on Ethernet and
# 802.1Q, IPv4 and IPv6, each with what its bytes allow; a capture that
# starts mid-session and one whose SYN was lost (NOT EFFECTIVE by the
# server's reply alone); a flood of forged SYN-ACKs (bounded memory, the
# real attempts still judged); stamps that jump 48 years ahead and a day
# back (the handshake stays answered); undecodable packets named in an
# EFFECTIVE reason; and reached_without_syn through Redis to `lockwatch
# report`.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/redis_lib.sh"
need python3 /usr/bin/time
need_redis

"$top_builddir/tests/evidence_pcaps" "$TMP" || not_ok "evidence_pcaps"
cat >"$TMP/rules" <<'RULES'
allow test-gw 198.51.100.0/24
RULES

replay() { # replay NAME [replay options]: JSON in $TMP/NAME.json, status in $rc
	name=$1
	shift
	run_lw "$TMP/$name.json" "$TMP/$name.err" replay -r "$TMP/rules" --json "$@" "$TMP/$name.pcap"
}

# --- snap lengths: SYN and SYN-ACK with 20 bytes of options, then the
# client's ACK. "ok N": all three decode, N headers cut after 14 bytes
# (the established outside connection reads NOT EFFECTIVE); "REASON": not
# even 14 bytes of TCP, all three malformed under that name (UNPROVEN).
while read -r link fam snap want; do
	name=snap-$link-$fam-$snap
	replay "$name"
	case $want in
	ok*)
		check "$name: decoded, $want" json_is "$TMP/$name.json" \
			'[d["verdict"], d["totals"]["outside"]["established"], d["capture"]["tcp_truncated_tail"], sum(d["capture"]["malformed"].values())]' \
			"[\"not_effective\", 1, ${want#ok }, 0]"
		;;
	*)
		check "$name: malformed ($want)" json_is "$TMP/$name.json" \
			'[d["verdict"], d["totals"]["outside"]["attempts"], d["capture"]["malformed"]["'"$want"'"]]' \
			'["unproven", 0, 3]'
		;;
	esac
done <<'T'
ether ip4 54 ok 2
ether ip4 62 ok 2
ether ip4 68 ok 2
ether ip4 74 ok 0
ether ip4 78 ok 0
ether ip4 96 ok 0
vlan ip4 54 ok 3
vlan ip4 62 ok 2
vlan ip4 68 ok 2
vlan ip4 74 ok 2
vlan ip4 78 ok 0
vlan ip4 96 ok 0
ether ip6 54 tcp_truncated
ether ip6 62 tcp_truncated
ether ip6 68 ok 3
ether ip6 74 ok 2
ether ip6 78 ok 2
ether ip6 96 ok 0
vlan ip6 54 ip6_truncated
vlan ip6 62 tcp_truncated
vlan ip6 68 tcp_truncated
vlan ip6 74 ok 3
vlan ip6 78 ok 2
vlan ip6 96 ok 2
T

# --- the old tcpdump default (-s 68): a whole outside session after
# refused attempts from another source is a breach, not EFFECTIVE
replay snap68-session
check "snap 68 session: exit 2" [ "$rc" -eq 2 ]
check "snap 68 session: the outside session reached, nothing malformed" json_is "$TMP/snap68-session.json" \
	'[d["verdict"], d["totals"]["outside"]["smtp"], d["totals"]["outside"]["refused"], d["capture"]["tcp_truncated_tail"], sum(d["capture"]["malformed"].values())]' \
	'["not_effective", 1, 2, 6, 0]'

# --- a capture starting mid-session: the server's data to an outside client
replay midsession
check "mid-session: exit 2" [ "$rc" -eq 2 ]
check "mid-session: NOT EFFECTIVE, reached_without_syn 1" json_is "$TMP/midsession.json" \
	'[d["verdict"], d["totals"]["outside"]["reached_without_syn"], d["totals"]["outside"]["established"]]' \
	'["not_effective", 1, 1]'
check "mid-session: the client is listed as reached, without its SYN" json_is "$TMP/midsession.json" \
	'[[s["addr"], s["reached"], s["reached_without_syn"]] for s in d["sources"] if s["reached"]]' \
	'[["203.0.113.66", true, 1]]'
check "mid-session: the reason names the evidence" json_is "$TMP/midsession.json" \
	'"seen by the server'"'"'s reply alone" in d["reason"]' true
run_lw "$TMP/midsession.txt" "$TMP/midsession.err" replay -r "$TMP/rules" "$TMP/midsession.pcap"
check "mid-session: the text report names the evidence" \
	grep -q "reach(es) seen by the server's reply alone" "$TMP/midsession.txt"

# --- the SYN was lost: SYN-ACK, ACK and the session are there (IPv6)
replay syn-lost
check "SYN lost: NOT EFFECTIVE by the SYN-ACK" json_is "$TMP/syn-lost.json" \
	'[d["verdict"], d["totals"]["outside"]["accepted"], d["totals"]["outside"]["reached_without_syn"], d["sources"][0]["addr"]]' \
	'["not_effective", 1, 1, "2001:db8:bad::66"]'

# --- a flood of forged SYN-ACKs and ACKs: counted once each, never an
# eviction of the real attempts, the reached sources past --max-sources
# counted but not kept, memory bounded whatever the flood's size
peak_rss() { # peak_rss NAME: replays NAME; $rc, $rss (KiB)
	rc=0
	/usr/bin/time -f %M -o "$TMP/rss.txt" "$LOCKWATCH" replay -r "$TMP/rules" --json \
		--max-sources 1000 "$TMP/$1.pcap" >"$TMP/$1.json" 2>"$TMP/$1.err" || rc=$?
	rss=$(tail -n 1 "$TMP/rss.txt")
}
peak_rss forged-flood
rss1=$rss
check "forged flood: exit 2 (a forged reply proves a reach it cannot disprove)" [ "$rc" -eq 2 ]
check "forged flood: every forged reply a reach without SYN" json_is "$TMP/forged-flood.json" \
	'[d["verdict"], d["totals"]["outside"]["reached_without_syn"]]' '["not_effective", 70000]'
check "forged flood: real attempts still judged, none evicted" json_is "$TMP/forged-flood.json" \
	'[d["totals"]["outside"]["refused"], d["totals"]["outside"]["unanswered"], d["totals"]["allowed"]["smtp"], d["capture"]["evictions"]]' \
	'[1, 1, 2, 0]'
check "forged flood: sources past --max-sources counted, not kept; the reply set forgets" json_is "$TMP/forged-flood.json" \
	'[d["capture"]["sources_dropped"] > 60000, d["capture"]["reached_without_syn_forgotten"] >= 70000 - 65536]' \
	'[true, true]'
peak_rss forged-flood-5x
grow=$((rss - rss1))
if [ "$grow" -le 1024 ]; then
	ok "forged flood: 5x the flood, peak RSS grows by $grow KiB (<= 1 MiB)"
else
	not_ok "forged flood: peak RSS grows with the flood: $rss1 KiB for 70k replies, $rss KiB for 350k"
fi
check "forged flood 5x: counted" json_is "$TMP/forged-flood-5x.json" \
	'[d["totals"]["outside"]["reached_without_syn"], d["capture"]["evictions"]]' '[350000, 0]'

# --- clock jumps: the gateway's SYN-ACK stamped 48 years ahead, or a day
# back, still answers its SYN; the capture stays able to judge
for j in jump-ahead jump-back; do
	replay $j
	check "$j: exit 0 (EFFECTIVE, not INCONCLUSIVE)" [ "$rc" -eq 0 ]
	check "$j: the handshake stays answered, the jump counted" json_is "$TMP/$j.json" \
		'[d["verdict"], d["totals"]["allowed"]["smtp"], d["capture"]["clock_jumps"], d["window"]["to"][:4]]' \
		'["effective", 1, 1, "2026"]'
done

# --- EFFECTIVE, with packets that could not be decoded: the reason says so
replay effective-undecodable
check "undecodable: EFFECTIVE names them" json_is "$TMP/effective-undecodable.json" \
	'[d["verdict"], d["capture"]["malformed"]["tcp_truncated"], "2 captured packet(s) could not be decoded" in d["reason"]]' \
	'["effective", 2, true]'

# --- through Redis: the per-source hash, the hourly series, the report
redis_start_unix r
URL="unix:$TMP/r.sock"
RCLI="redis-cli -s $TMP/r.sock"
run_lw "$TMP/redis.replay.json" "$TMP/redis.replay.err" replay -r "$TMP/rules" --json \
	--redis "$URL" --sensor-name mx1 "$TMP/midsession.pcap"
check "redis: replay exits with the verdict (2)" [ "$rc" -eq 2 ]
check "redis: reached_without_syn in the source's hash" \
	[ "$($RCLI hget lockwatch:src:203.0.113.66 reached_without_syn)" = 1 ]
check "redis: and in the hour's series" \
	[ "$($RCLI hget lockwatch:series:2026110209 outside:reached_without_syn)" = 1 ]
run_lw "$TMP/redis.report.json" "$TMP/redis.report.err" report --redis "$URL" --json
check "redis: report exits 2" [ "$rc" -eq 2 ]
check "redis: report --json totals and source" json_is "$TMP/redis.report.json" \
	'[d["verdict"], d["totals"]["outside"]["reached_without_syn"], [s["reached_without_syn"] for s in d["sources"] if s["addr"] == "203.0.113.66"]]' \
	'["not_effective", 1, [1]]'

# --- capture health through Redis: each sensor's undecodable packets, cut
# headers and clock jumps, summed by the report; an EFFECTIVE reason from
# Redis names the undecodable packets as the replay's does
n=0
for cap in effective-undecodable snap68-session jump-ahead; do
	n=$((n + 1))
	run_lw "$TMP/h$n.json" "$TMP/h$n.err" replay -r "$TMP/rules" --json \
		--redis "$URL" --redis-prefix h: --sensor-name "mx$n" "$TMP/$cap.pcap"
done
check "redis health: the sensor hash holds them" \
	[ "$($RCLI hmget h:sensor:mx1 undecodable tcp_truncated_tail clock_jumps | tr '\n' ' ')" = "2 0 0 " ]
run_lw "$TMP/h.report.json" "$TMP/h.report.err" report --redis "$URL" --redis-prefix h: --json
check "redis health: report sums them over the sensors" json_is "$TMP/h.report.json" \
	'[d["capture"]["malformed"].get("undecodable"), d["capture"]["tcp_truncated_tail"], d["capture"]["clock_jumps"]]' \
	'[2, 6, 1]'
run_lw "$TMP/u.report.json" "$TMP/u.report.err" report --redis "$URL" --redis-prefix h: \
	--sensor mx1 --json
check "redis health: the EFFECTIVE reason names the undecodable packets" json_is "$TMP/u.report.json" \
	'[d["verdict"], "2 captured packet(s) could not be decoded" in d["reason"]]' '["effective", true]'
