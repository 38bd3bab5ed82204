#!/bin/sh
# Integration: captures written with libpcap (tools/lwgen) for each verdict,
# replayed by `lockwatch replay`, the report asserted as JSON and text.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3

cat >"$TMP/rules" <<'RULES'
# test gateway set and one known exception
allow test-gw 198.51.100.0/24
allow test-gw 2001:db8:100::/48
exception 192.0.2.50/32 backup-mx "secondary MX at the ISP"
RULES

gen() { # gen NAME [lwgen options] < script
	name=$1
	shift
	"$LWGEN" -o "$TMP/$name.pcap" "$@" --script - || not_ok "lwgen $name"
}
replay() { # replay NAME [replay options]: JSON in $TMP/NAME.json, status in $rc
	name=$1
	shift
	run_lw "$TMP/$name.json" "$TMP/$name.err" replay -r "$TMP/rules" --json "$@" "$TMP/$name.pcap"
}

# --- EFFECTIVE: gateway answered, outside refused / rejected / unanswered
gen effective <<'S'
0   198.51.100.10 192.0.2.25 smtp gw1.example
1   203.0.113.7   192.0.2.25 refused
2   203.0.113.8   192.0.2.25 rejected
3   203.0.113.9   192.0.2.25 unanswered retrans=3
10  198.51.100.11 192.0.2.25 smtp gw2.example
S
replay effective
check "effective: exit status 0" [ "$rc" -eq 0 ]
check "effective: verdict" json_is "$TMP/effective.json" 'd["verdict"]' effective
check "effective: outside attempts (retransmits merged)" json_is "$TMP/effective.json" 'd["totals"]["outside"]["attempts"]' 3
check "effective: refused/rejected/unanswered" json_is "$TMP/effective.json" \
	'[d["totals"]["outside"][k] for k in ("refused","rejected","unanswered")]' '[1, 1, 1]'
check "effective: gateway smtp and sources" json_is "$TMP/effective.json" \
	'[d["totals"]["allowed"]["smtp"], d["totals"]["allowed"]["sources"]]' '[2, 2]'
check "effective: outside sources listed, none reached" json_is "$TMP/effective.json" \
	'sorted((s["addr"], s["reached"]) for s in d["sources"])' \
	'[["203.0.113.7", false], ["203.0.113.8", false], ["203.0.113.9", false]]'
check "effective: window in UTC" json_is "$TMP/effective.json" 'd["window"]["from"]' 2026-11-02T09:00:00Z
check "effective: no malformed packets" json_is "$TMP/effective.json" 'sum(d["capture"]["malformed"].values())' 0

# --- NOT EFFECTIVE: an outside source completed the handshake and spoke SMTP
gen breach <<'S'
0 198.51.100.10 192.0.2.25 smtp gw1.example
1 203.0.113.7   192.0.2.25 refused
2 203.0.113.66  192.0.2.25 smtp spammer.example
3 203.0.113.67  192.0.2.25 accepted
S
replay breach
check "breach: exit status 2" [ "$rc" -eq 2 ]
check "breach: verdict" json_is "$TMP/breach.json" 'd["verdict"]' not_effective
check "breach: worst source first with its HELO" json_is "$TMP/breach.json" \
	'[d["sources"][0][k] for k in ("addr","helo","smtp","reached","class")]' \
	'["203.0.113.66", "spammer.example", 1, true, "outside"]'
check "breach: accepted-only source reached too" json_is "$TMP/breach.json" \
	'[s["reached"] for s in d["sources"] if s["addr"]=="203.0.113.67"]' '[true]'
run_lw "$TMP/breach.txt" "$TMP/breach.err" replay -r "$TMP/rules" "$TMP/breach.pcap"
check "breach: text verdict line" grep -q '^Verdict: NOT EFFECTIVE' "$TMP/breach.txt"
check "breach: text names source and HELO" grep -q 'REACHED.*203.0.113.66.*spammer.example' "$TMP/breach.txt"

# --- IPv6 breach
gen breach6 <<'S'
0 2001:db8:100::10 2001:db8::25 smtp gw6.example
1 2001:db8:bad::7  2001:db8::25 established
S
replay breach6
check "ipv6 breach: verdict" json_is "$TMP/breach6.json" 'd["verdict"]' not_effective
check "ipv6 breach: source and outcome" json_is "$TMP/breach6.json" \
	'[(s["addr"], s["established"]) for s in d["sources"]]' '[["2001:db8:bad::7", 1]]'

# --- UNPROVEN: only gateway traffic
gen unproven <<'S'
0 198.51.100.10 192.0.2.25 smtp gw1.example
5 198.51.100.12 192.0.2.25 smtp gw3.example
S
replay unproven
check "unproven: exit status 1" [ "$rc" -eq 1 ]
check "unproven: verdict" json_is "$TMP/unproven.json" 'd["verdict"]' unproven

# --- INCONCLUSIVE: a one-way capture sees no server replies at all
gen oneway --oneway <<'S'
0 198.51.100.10 192.0.2.25 smtp gw1.example
1 203.0.113.7   192.0.2.25 refused
2 203.0.113.9   192.0.2.25 unanswered
S
replay oneway
check "one-way capture: exit status 3" [ "$rc" -eq 3 ]
check "one-way capture: inconclusive, not effective" json_is "$TMP/oneway.json" 'd["verdict"]' inconclusive

# --- Exceptions are reported apart and never judged as a breach
gen exception <<'S'
0 198.51.100.10 192.0.2.25 smtp gw1.example
1 192.0.2.50    192.0.2.25 smtp backup-mx.example
2 203.0.113.7   192.0.2.25 refused
S
replay exception
check "exception: verdict stays effective" json_is "$TMP/exception.json" 'd["verdict"]' effective
check "exception: reported with its label" json_is "$TMP/exception.json" \
	'[(s["class"], s["label"], s["reached"]) for s in d["sources"] if s["addr"]=="192.0.2.50"]' \
	'[["exception", "backup-mx", true]]'
check "exception: counted apart" json_is "$TMP/exception.json" 'd["totals"]["exception"]["smtp"]' 1

# --- Every link type gives the same answer
for link in ether vlan1 vlan2 sll sll2 raw null loop; do
	gen "link-$link" --link "$link" <<'S'
0 198.51.100.10 192.0.2.25 smtp gw1.example
1 203.0.113.7 192.0.2.25 refused
2 203.0.113.8 192.0.2.25 rejected
3 2001:db8:bad::9 2001:db8::25 smtp v6spam.example
4 2001:db8:bad::a 2001:db8::25 rejected
S
	replay "link-$link"
	check "link $link: same counts" json_is "$TMP/link-$link.json" \
		'[d["verdict"], d["totals"]["outside"]["attempts"], d["totals"]["outside"]["rejected"], d["totals"]["outside"]["smtp"], d["totals"]["allowed"]["smtp"]]' \
		'["not_effective", 4, 2, 1, 1]'
done

# --- pcapng reads like pcap
gen breach-ng --pcapng <<'S'
0 198.51.100.10 192.0.2.25 smtp gw1.example
2 203.0.113.66  192.0.2.25 smtp spammer.example
S
check "pcapng: file really is pcapng" [ "$(od -An -tx4 -N4 "$TMP/breach-ng.pcap" | tr -d ' ')" = 0a0d0d0a ]
replay breach-ng
check "pcapng: breach found" json_is "$TMP/breach-ng.json" \
	'[d["verdict"], d["sources"][0]["helo"]]' '["not_effective", "spammer.example"]'

# --- Several files in order, and standard input
gen part1 <<'S'
0 198.51.100.10 192.0.2.25 smtp gw1.example
S
gen part2 <<'S'
100 203.0.113.7 192.0.2.25 refused
S
run_lw "$TMP/parts.json" "$TMP/parts.err" replay -r "$TMP/rules" --json "$TMP/part1.pcap" "$TMP/part2.pcap"
check "two files: effective from both halves" json_is "$TMP/parts.json" \
	'[d["verdict"], d["capture"]["packets"] > 0]' '["effective", true]'
rc=0
"$LOCKWATCH" replay -r "$TMP/rules" --json - <"$TMP/breach.pcap" >"$TMP/stdin.json" 2>"$TMP/stdin.err" || rc=$?
check "stdin: same verdict as the file" json_is "$TMP/stdin.json" 'd["verdict"]' not_effective

# --- Timeout is in packet time, and a reply is matched before its own time
# expires anything: a SYN-ACK 6 s after the SYN, with no packet between,
# still answers it. With a packet between (a gateway SYN at 6.5 s) the
# attempt times out first (unanswered); the late SYN-ACK still proves the
# reach, once, as a reach without its SYN. With --timeout 10 it is simply
# accepted.
gen late <<'S'
0 198.51.100.10 192.0.2.25 smtp gw1.example
1 203.0.113.7 192.0.2.25 accepted delay=6
S
replay late
check "late reply, nothing between: matched before the timeout" json_is "$TMP/late.json" \
	'[d["verdict"], d["totals"]["outside"]["accepted"], d["capture"]["unmatched_replies"]]' '["not_effective", 1, 0]'
gen late <<'S'
0 198.51.100.10 192.0.2.25 smtp gw1.example
1 203.0.113.7 192.0.2.25 accepted delay=6
6.5 198.51.100.11 192.0.2.25 smtp gw2.example
S
replay late
check "late reply, 5 s timeout: unanswered, then the reply is a reach" json_is "$TMP/late.json" \
	'[d["verdict"], [d["totals"]["outside"][k] for k in ("unanswered", "accepted", "reached_without_syn")], d["capture"]["unmatched_replies"]]' \
	'["not_effective", [1, 1, 1], 0]'
replay late --timeout 10
check "late reply, 10 s timeout: reached" json_is "$TMP/late.json" \
	'[d["verdict"], d["totals"]["outside"]["accepted"]]' '["not_effective", 1]'

# --- Server addresses other than the watched one are ignored (dport filter)
gen otherport <<'S'
0 198.51.100.10 192.0.2.25 smtp gw1.example
1 203.0.113.7 192.0.2.25 smtp port=587
S
replay otherport
check "other port: not watched, effective stays unproven" json_is "$TMP/otherport.json" 'd["verdict"]' unproven

# --- The longest HELO a client sends is kept to LW_HELO_MAX (255) bytes:
# packets wait a few places before the tracker, with a copy of as much of
# their payload as it reads
long=$(python3 -c 'print("h" * 250 + ".example")')
gen longhelo <<S
0 198.51.100.10 192.0.2.25 smtp gw1.example
1 203.0.113.70 192.0.2.25 smtp $long
2 203.0.113.71 192.0.2.25 smtp short.example
S
replay longhelo
check "long HELO: its first 255 bytes" json_is "$TMP/longhelo.json" \
	'[len(s["helo"]) for s in d["sources"] if s["addr"] == "203.0.113.70"] + [s["helo"] for s in d["sources"] if s["addr"] == "203.0.113.71"]' \
	'[255, "short.example"]'
