#!/bin/sh
# Integration: direction in replay. A capture on a mail host holds inbound
# attempts and the host's own outbound mail; --server (or `server` lines)
# counts that mail as outbound, never as an outside source; with no server
# named everything is judged as before and the report names the address
# that looks like the watched host sending mail; `server any` judges all.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3

cat >"$TMP/rules" <<'RULES'
allow test-gw 198.51.100.0/24
RULES
{ echo 'server 192.0.2.25 2001:db8::25'; cat "$TMP/rules"; } >"$TMP/rules-server"
{ echo 'server any'; cat "$TMP/rules"; } >"$TMP/rules-any"

# The MX 192.0.2.25 / 2001:db8::25: the gateway delivers, an outside host is
# refused, and the MX sends two messages out to a remote port 25 (IPv4 and
# IPv6), which the remote accepts. 203.0.113.1 -> 203.0.113.2 is neither.
"$LWGEN" -o "$TMP/mx.pcap" --script - <<'S' || not_ok "lwgen"
0  198.51.100.10 192.0.2.25    smtp gw1.example
1  203.0.113.7   192.0.2.25    refused
2  192.0.2.25    203.0.113.25  smtp mx.example
3  2001:db8::25  2001:db8:f::25 smtp mx.example
4  203.0.113.1   203.0.113.2   refused
S
replay() { # replay NAME [options]: JSON in $TMP/NAME.json, status in $rc
	name=$1
	shift
	run_lw "$TMP/$name.json" "$TMP/$name.err" replay --json "$@" "$TMP/mx.pcap"
}

# --- no server named: judged as before, and the hint names the MX
replay none -r "$TMP/rules"
check "none named: exit status 2" [ "$rc" -eq 2 ]
check "none named: the MX's own mail judged as it always was" json_is "$TMP/none.json" \
	'[d["verdict"], d["totals"]["outside"]["attempts"], d["totals"]["outbound"]["attempts"]]' \
	'["not_effective", 4, 0]'
check "none named: servers origin" json_is "$TMP/none.json" 'd["servers"]["origin"]' "none named"
check "none named: the probable server is the MX (IPv4; the IPv6 one answered nothing)" \
	json_is "$TMP/none.json" '[(p["addr"], p["opened"]) for p in d["probable_servers"]]' \
	'[["192.0.2.25", 1]]'
check "none named: the hint says to name it with --server" json_is "$TMP/none.json" \
	'"--server 192.0.2.25" in d["hints"][0]' true
run_lw "$TMP/none.txt" "$TMP/none.err" replay -r "$TMP/rules" "$TMP/mx.pcap"
check "none named: the text names it too" grep -q '^Hint: 192.0.2.25 answers on the watched port.*--server 192.0.2.25' "$TMP/none.txt"

# --- --server: the MX's mail is outbound, the verdict is the inbound one
replay opt -r "$TMP/rules" --server 192.0.2.25 -s 2001:db8::25
check "--server: exit status 0" [ "$rc" -eq 0 ]
check "--server: effective" json_is "$TMP/opt.json" 'd["verdict"]' effective
check "--server: outbound counted apart" json_is "$TMP/opt.json" \
	'[d["totals"]["outbound"][k] for k in ("attempts", "smtp", "sources")]' '[2, 2, 2]'
check "--server: outside is the one refused host" json_is "$TMP/opt.json" \
	'[d["totals"]["outside"]["attempts"], [s["addr"] for s in d["sources"]]]' \
	'[1, ["203.0.113.7"]]'
check "--server: the transit attempt is not judged" json_is "$TMP/opt.json" \
	'[d["servers"]["origin"], d["servers"]["addresses"], d["servers"]["not_watched_attempts"]]' \
	'["--server", 2, 1]'
check "--server: no hint" json_is "$TMP/opt.json" '[d["probable_servers"], d["hints"]]' '[[], []]'
run_lw "$TMP/opt.txt" "$TMP/opt.err" replay -r "$TMP/rules" -s 192.0.2.25 -s 2001:db8::25 "$TMP/mx.pcap"
check "--server: the text has the outbound row" grep -q '^  outbound (own) *2 *2 ' "$TMP/opt.txt"
check "--server: the text says what outbound is" grep -q 'its mail going out; never judged' "$TMP/opt.txt"

# --- server lines do the same; --server takes their place
replay rules -r "$TMP/rules-server"
check "server lines: effective, outbound 2" json_is "$TMP/rules.json" \
	'[d["verdict"], d["totals"]["outbound"]["attempts"], d["servers"]["origin"]]' \
	'["effective", 2, "rules"]'
replay both -r "$TMP/rules-server" --server 203.0.113.2
check "--server in place of server lines" json_is "$TMP/both.json" \
	'[d["servers"]["origin"], d["totals"]["outside"]["attempts"], d["servers"]["not_watched_attempts"]]' \
	'["--server", 1, 4]'

# --- server any: every destination judged, on purpose, no hint
replay any -r "$TMP/rules-any"
check "server any: judged as before" json_is "$TMP/any.json" \
	'[d["verdict"], d["totals"]["outside"]["attempts"], d["servers"]["origin"]]' \
	'["not_effective", 4, "any"]'
check "server any: no hint" json_is "$TMP/any.json" 'd["probable_servers"]' '[]'

# --- bad --server
expect_error 64 "replay: --server: 'mx.example' is not an IPv4 or IPv6 address" \
	"--server with a name" -- replay -r "$TMP/rules" --server mx.example "$TMP/mx.pcap"
expect_error 64 "replay: --server: '192.0.2.0/24' is not an IPv4 or IPv6 address" \
	"--server with a prefix" -- replay -r "$TMP/rules" -s 192.0.2.0/24 "$TMP/mx.pcap"

# --- the reply alone (the host's SYN not captured) passes the same test: a
# capture that starts mid-session while 192.0.2.25 sends data to
# 203.0.113.66 reads, with 203.0.113.66 named as the watched host, as that
# host's own mail going out, never as a reach of 192.0.2.25's port
"$top_builddir/tests/evidence_pcaps" "$TMP" || not_ok "evidence_pcaps"
run_lw "$TMP/mid.json" "$TMP/mid.err" replay -r "$TMP/rules" --json --server 203.0.113.66 \
	"$TMP/midsession.pcap"
check "reply alone, --server: outbound, reached without its SYN" json_is "$TMP/mid.json" \
	'[d["totals"]["outbound"]["attempts"], d["totals"]["outbound"]["reached_without_syn"], d["totals"]["outside"]["reached_without_syn"], d["verdict"]]' \
	'[1, 1, 0, "unproven"]'
run_lw "$TMP/mid0.json" "$TMP/mid0.err" replay -r "$TMP/rules" --json "$TMP/midsession.pcap"
check "reply alone, none named: judged, a reach" json_is "$TMP/mid0.json" \
	'[d["totals"]["outside"]["reached_without_syn"], d["verdict"]]' '[1, "not_effective"]'
