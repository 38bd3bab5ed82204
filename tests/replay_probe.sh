#!/bin/sh
# Integration: the probe class in replay (issue 14, item 5). A capture on
# the MX holds the gateway's mail, an outside host refused and the attempts
# of a `probe` vantage point: the probe is listed as class probe with its
# label, judged with the outside ones (alone it makes the verdict), and the
# report says whether the sensor saw it and what became of it.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3

cat >"$TMP/rules" <<'RULES'
allow test-gw 198.51.100.0/24
probe 203.0.113.9 vantage-a
server 192.0.2.25
RULES

"$LWGEN" -o "$TMP/blocked.pcap" --script - <<'S' || not_ok "lwgen blocked"
0  198.51.100.10 192.0.2.25    smtp gw1.example
1  203.0.113.9   192.0.2.25    refused
2  203.0.113.9   192.0.2.25    unanswered
S
"$LWGEN" -o "$TMP/reached.pcap" --script - <<'S' || not_ok "lwgen reached"
0  198.51.100.10 192.0.2.25    smtp gw1.example
1  203.0.113.7   192.0.2.25    refused
2  203.0.113.9   192.0.2.25    smtp lockwatch-probe-abc.example
S
"$LWGEN" -o "$TMP/unseen.pcap" --script - <<'S' || not_ok "lwgen unseen"
0  198.51.100.10 192.0.2.25    smtp gw1.example
1  203.0.113.7   192.0.2.25    refused
S
replay() { # replay NAME: JSON in $TMP/NAME.json, text in $TMP/NAME.txt, status in $rc
	run_lw "$TMP/$1.txt" "$TMP/$1.err" replay -r "$TMP/rules" "$TMP/$1.pcap"
	run_lw "$TMP/$1.json" "$TMP/$1.err" replay --json -r "$TMP/rules" "$TMP/$1.pcap"
}

# --- the probe alone tried, and was blocked: judged as outside, effective
replay blocked
check "blocked: exit status 0" [ "$rc" -eq 0 ]
check "blocked: effective on the probe's attempts alone" json_is "$TMP/blocked.json" \
	'[d["verdict"], d["totals"]["outside"]["attempts"], d["totals"]["probe"]["attempts"]]' \
	'["effective", 0, 2]'
check "blocked: the probe is a source of class probe, with its label" json_is "$TMP/blocked.json" \
	'[(s["addr"], s["class"], s["label"], s["reached"]) for s in d["sources"]]' \
	'[["203.0.113.9", "probe", "vantage-a", false]]'
check "blocked: the probe object says seen and blocked" json_is "$TMP/blocked.json" \
	'[d["probe"][k] for k in ("named", "seen", "result", "attempts", "sources", "reached", "labels")]' \
	'[1, true, "blocked", 2, 1, 0, ["vantage-a"]]'
check "blocked: outcome counts" json_is "$TMP/blocked.json" \
	'[d["probe"]["outcomes"][k] for k in ("refused", "unanswered", "smtp")]' '[1, 1, 0]'
check "blocked: the text has the probe row" grep -q '^  probe  *2 ' "$TMP/blocked.txt"
check "blocked: the text names the probe and its outcome" \
	grep -q '^Probe vantage-a: the sensor saw 2 attempt(s) from 1 source(s): 1 refused, 0 rejected, 1 unanswered, 0 reached' "$TMP/blocked.txt"
check "blocked: the text says the firewall stops it" \
	grep -q 'blocked: the sensor sees the probe, and the firewall stops it' "$TMP/blocked.txt"
check "blocked: the source table lists it" \
	grep -q '^  blocked  *203.0.113.9  *probe  *vantage-a ' "$TMP/blocked.txt"

# --- the probe reached the server: not effective, as an outside source would be
replay reached
check "reached: exit status 2" [ "$rc" -eq 2 ]
check "reached: not effective by the probe" json_is "$TMP/reached.json" \
	'[d["verdict"], d["probe"]["result"], d["probe"]["reached"], d["probe"]["outcomes"]["smtp"]]' \
	'["not_effective", "reached", 1, 1]'
check "reached: the probe is listed first, reached, with its EHLO" json_is "$TMP/reached.json" \
	'[d["sources"][0][k] for k in ("addr", "class", "reached", "helo")]' \
	'["203.0.113.9", "probe", true, "lockwatch-probe-abc.example"]'
check "reached: the text says the firewall lets it through" \
	grep -q 'REACHED: the sensor sees the probe, and the firewall lets it' "$TMP/reached.txt"

# --- the rules name a probe the capture never saw: said so
replay unseen
check "unseen: the verdict is the outside host's" json_is "$TMP/unseen.json" \
	'[d["verdict"], d["probe"]["seen"], d["probe"]["result"], d["probe"]["named"]]' \
	'["effective", false, "not_seen", 1]'
check "unseen: the text says the sensor saw none of its attempts" \
	grep -q '^Probe: the rules name 1 probe vantage point(s); the sensor saw none' "$TMP/unseen.txt"

# --- no probe line: no probe part in the text, an empty one in JSON
grep -v '^probe' "$TMP/rules" >"$TMP/rules-none"
run_lw "$TMP/none.txt" "$TMP/none.err" replay -r "$TMP/rules-none" "$TMP/blocked.pcap"
check "no probe line: the vantage point is an outside source" \
	grep -q '^  blocked  *203.0.113.9  *outside ' "$TMP/none.txt"
check "no probe line: no probe part" sh -c "! grep -q '^Probe' '$TMP/none.txt'"
