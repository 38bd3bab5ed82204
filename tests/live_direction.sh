#!/bin/sh
# Live, direction (issue 12, item 1): lockwatchd on the mail host's
# interface with a rules file that names no server (as the shipped one)
# judges only connections to the host's own addresses, followed while it
# runs. With no firewall:
#   - the MX sends a message out to a remote port 25 (IPv4 and IPv6): no
#     alert, counted as outbound in Redis (series, per-source class) and
#     the summary, never as an outside source;
#   - an outside host then delivers in: the crit `reached` alert;
#   - an address added to the MX's interface while lockwatchd runs is
#     watched: a connection to it from outside raises `reached`; removed,
#     it is not;
#   - reloaded with `server any`, every destination is judged: the MX's
#     own mail then raises `reached`, as asked.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"
. "$top_srcdir/tests/live_lib.sh"

live_topology || { not_ok "network namespaces and veth pairs"; exit 1; }
live_redis || { not_ok "redis-server did not start"; exit 1; }
check "mail host: SMTP listener on port 25 (IPv4 and IPv6)" live_smtp_server
# the remote mail host the MX delivers to, in the outside namespace
ip netns exec "$NS_OUT" socat TCP4-LISTEN:25,bind=$OUT4,reuseaddr,fork \
	EXEC:"$TMP/smtpd.sh" 2>"$TMP/remote4.err" &
ip netns exec "$NS_OUT" socat TCP6-LISTEN:25,bind=[$OUT6],reuseaddr,fork,ipv6only=1 \
	EXEC:"$TMP/smtpd.sh" 2>"$TMP/remote6.err" &
check "remote: SMTP listener on port 25 (IPv4 and IPv6)" wait_for 5 sh -c \
	"ip netns exec '$NS_OUT' cat /proc/net/tcp6 /proc/net/tcp |
	awk '\$4 == \"0A\" && \$2 ~ /:0019\$/' | grep -c . | grep -qx 2"
check "rules: no server line" sh -c "! grep -q '^server' '$TMP/rules'"

sc=dir
S="$SENSOR_BASE-$sc"
if ! daemon_start "$sc" mx0; then
	not_ok "lockwatchd READY=1 on mx0"
	sed 's/^/# /' "$TMP/daemon-$sc.err" >&2
	exit 1
fi
check "opening line: the interface's addresses are the servers" \
	grep -q "^lockwatchd: capturing on mx0 .*, servers: the [0-9]* address(es) of mx0, followed" \
	"$TMP/daemon-$sc.err"

# --- the MX's own mail out: outbound, no alert
live_client "$NS_MX" "$MX4" "$OUT4" "mx.example" "$TMP/out4"
c1=$!
live_client "$NS_MX" "$MX6" "$OUT6" "mx.example" "$TMP/out6"
c2=$!
wait $c1 $c2
check "outbound: the remote host took the MX's mail (IPv4)" client_is "$TMP/out4" "smtp 220 250 221"
check "outbound: the remote host took the MX's mail (IPv6)" client_is "$TMP/out6" "smtp 220 250 221"
check "outbound: counted apart in Redis, never outside" report_until $LIVE_WAIT "$sc" \
	"$TMP/r1.json" 'd["totals"]["outbound"]["attempts"] >= 2'
check "outbound: report UNPROVEN, no outside attempt, no source listed" json_is "$TMP/r1.json" \
	'[d["verdict"], d["totals"]["outside"]["attempts"], d["sources"]]' '["unproven", 0, []]'
check "outbound: its counts (smtp both, the MX's two addresses)" json_is "$TMP/r1.json" \
	'[d["totals"]["outbound"][k] for k in ("attempts", "smtp", "sources")]' '[2, 2, 2]'
# series_sum FIELD: the field summed over the scenario's hourly series
series_sum() {
	for k in $(redis-cli -s "$REDIS_SOCK" --scan --pattern "lw6-$sc:series:??????????"); do
		redis-cli -s "$REDIS_SOCK" HGET "$k" "$1"
	done | awk '{ s += $1 } END { print s + 0 }'
}
check "outbound: the hourly series carries outbound:attempts" [ "$(series_sum outbound:attempts)" = 2 ]
check "outbound: and no outside:attempts" [ "$(series_sum outside:attempts)" = 0 ]
check "outbound: the sensor hash counts it" sh -c \
	"[ \"\$(redis-cli -s '$REDIS_SOCK' HMGET 'lw6-$sc:sensor:$S' outbound:attempts outbound:sources | tr '\n' ' ')\" = '2 2 ' ]"
check "outbound: the MX's per-source hash says outbound" sh -c \
	"[ \"\$(redis-cli -s '$REDIS_SOCK' HGET 'lw6-$sc:src:$MX4' class)\" = outbound ]"

# --- an outside host delivers in: reached
live_client "$NS_OUT" "$OUT4" "$MX4" "evil.example" "$TMP/in4"
wait $!
check "inbound: the outside client got through (the breach is real)" client_is "$TMP/in4" \
	"smtp 220 250 221"
check "inbound: report NOT EFFECTIVE" report_until $LIVE_WAIT "$sc" "$TMP/r2.json" \
	'd["verdict"] == "not_effective"'
check "inbound: the one outside source is the client, outbound unchanged" json_is "$TMP/r2.json" \
	'[[s["addr"] for s in d["sources"]], d["totals"]["outbound"]["attempts"]]' \
	"[[\"$OUT4\"], 2]"
check "journal: the reached alert" journal_dump "$S" "$TMP/j1.json" 3
check "journal: reached names the outside client, crit" alerts_is "$TMP/j1.json" \
	'[[x.get(k) for k in ("PRIORITY", "LOCKWATCH_DST")] for x in ev("reached", "'"$OUT4"'")]' \
	"[[\"2\", \"$MX4\"]]"
check "journal: no alert names the MX's own mail" alerts_is "$TMP/j1.json" \
	'[x["LOCKWATCH_EVENT"] for x in a if x.get("LOCKWATCH_SRC") in ("'"$MX4"'", "'"$MX6"'") or x.get("LOCKWATCH_DST") in ("'"$OUT4"'", "'"$OUT6"'")]' \
	'[]'

# --- an address added while lockwatchd runs is watched
NEW4=192.0.2.26
ip -n "$NS_MX" addr add "$NEW4/24" dev mx0
ip netns exec "$NS_MX" socat TCP4-LISTEN:25,bind=$NEW4,reuseaddr,fork EXEC:"$TMP/smtpd.sh" \
	2>"$TMP/smtpd-new.err" &
check "new address: lockwatchd follows it" wait_for 5 grep -q \
	"^lockwatchd: the addresses of mx0 changed; watching .* $NEW4" "$TMP/daemon-$sc.err"
check "new address: listening" wait_for 5 sh -c \
	"ip netns exec '$NS_MX' cat /proc/net/tcp | awk '\$4 == \"0A\"' | grep -qi ':0019 '"
live_client "$NS_OUT" "$OUT4B" "$NEW4" "evil2.example" "$TMP/in-new"
wait $!
check "new address: the outside client got through" client_is "$TMP/in-new" "smtp 220 250 221"
check "new address: the report lists its source as reached" report_until $LIVE_WAIT "$sc" \
	"$TMP/r3.json" '[s["reached"] for s in d["sources"] if s["addr"] == "'"$OUT4B"'"] == [True]'
check "new address: journal reached alert to the new address" journal_dump "$S" "$TMP/j2.json" 6
check "new address: its reached alert" alerts_is "$TMP/j2.json" \
	'[x.get("LOCKWATCH_DST") for x in ev("reached", "'"$OUT4B"'")]' "[\"$NEW4\"]"

# --- an address removed is no longer watched
ip -n "$NS_MX" addr del "$NEW4/24" dev mx0
check "removed address: lockwatchd follows it" wait_for 5 sh -c \
	"tail -n 1 '$TMP/daemon-$sc.err' | grep 'the addresses of mx0 changed' | grep -vq '$NEW4'"

# --- reload with 'server any': every destination judged, the MX's mail too
{ echo 'server any'; cat "$TMP/rules"; } >"$TMP/rules-any"
cp "$TMP/rules" "$TMP/rules-iface"
cp "$TMP/rules-any" "$TMP/rules"
kill -HUP "$dpid"
check "server any: rules reloaded" wait_for 5 sh -c \
	"journalctl --no-pager -o cat LOCKWATCH_SENSOR=$S LOCKWATCH_EVENT=rules_reloaded | grep -q reloaded"
live_client "$NS_MX" "$MX4" "$OUT4" "mx.example" "$TMP/out4-any"
wait $!
check "server any: the MX's own mail is judged now, as asked" journal_dump "$S" "$TMP/j-any.json" 9
check "server any: it reached (the remote answered)" alerts_is "$TMP/j-any.json" \
	'[x.get("LOCKWATCH_DST") for x in ev("reached", "'"$MX4"'")]' "[\"$OUT4\"]"
cp "$TMP/rules-iface" "$TMP/rules"

# --- the summary on the way out counts the outbound mail
daemon_stop
check "stop: clean exit" [ "$rc" -eq 0 ]
check "stop: summary" journal_dump "$S" "$TMP/j3.json" 11
check "stop: summary carries the outbound counts" alerts_is "$TMP/j3.json" \
	'[ev("summary")[-1].get(k) for k in ("LOCKWATCH_OUTBOUND_ATTEMPTS", "LOCKWATCH_OUTBOUND_SOURCES", "LOCKWATCH_SERVERS", "LOCKWATCH_ATTEMPTS")]' \
	'["2", "2", "any", "3"]'
