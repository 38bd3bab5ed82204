#!/bin/sh
# Live proof (issue 6), scenarios f to h, on the topology of tests/live_lib.sh:
#   blind      the capture is a one-way feed (tc mirrors only what mx0
#              receives to a veth lockwatchd captures on): the server's
#              replies are invisible, so dropped outside attempts prove
#              nothing -> INCONCLUSIVE, never EFFECTIVE
#   exception  the backup MX (an exception in the rules, accepted by the
#              exported firewall) speaks SMTP while the outside is dropped:
#              reported apart (class exception, label backup-mx, info
#              alert), the verdict stays EFFECTIVE
#   change     the lockdown is loaded while lockwatchd runs: the report over
#              the whole run says NOT EFFECTIVE, over the time since the
#              lockdown EFFECTIVE
# LIVE_SCENARIOS="blind change" runs a subset while debugging.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"
. "$top_srcdir/tests/live_lib.sh"

live_topology || { not_ok "network namespaces and veth pairs"; exit 1; }
ok "topology: router, mail host, gateway and outside namespaces"
live_redis || { not_ok "redis-server did not start"; exit 1; }
check "mail host: SMTP listener on port 25 (IPv4 and IPv6)" live_smtp_server

# ---- f: a capture that sees no server replies
scenario_blind() {
	sc=blind
	# mon0 -> mon1: mx0's ingress copied out of mon0, captured on mon1 (a
	# SPAN port's view). mon1's frames carry mx0's MAC, so the stack there
	# drops them as another host's: nothing is answered twice.
	live_link "$NS_MX" mon0 "$NS_MX" mon1 &&
		ip netns exec "$NS_MX" tc qdisc add dev mx0 ingress &&
		ip netns exec "$NS_MX" tc filter add dev mx0 parent ffff: protocol all \
			u32 match u32 0 0 action mirred egress mirror dev mon0 ||
		{ not_ok "$sc: tc ingress mirror mx0 -> mon0"; return; }
	ok "$sc: tc mirrors only mx0's inbound packets to mon0"
	fw_flush
	check "$sc: nftables drop loaded from the rules export" fw_export drop
	# a mirror port has none of the mail host's addresses: name them
	{ echo "server $MX4 $MX6"; cat "$TMP/rules"; } >"$TMP/rules-mirror"
	chmod 644 "$TMP/rules-mirror"
	daemon_start "$sc" mon1 --rules "$TMP/rules-mirror" ||
		{ not_ok "$sc: lockwatchd READY=1 on mon1"; return; }
	live_client "$NS_GW" "$GW4" "$MX4" gw-blind.example "$TMP/$sc.gw"
	c1=$!
	live_client "$NS_OUT" "$OUT4" "$MX4" evil-blind.example "$TMP/$sc.out"
	c2=$!
	wait $c1 $c2
	check "$sc: the gateway was answered (the server did reply)" \
		client_is "$TMP/$sc.gw" "smtp 220 250 221"
	check "$sc: the outside client was dropped" client_is "$TMP/$sc.out" timeout
	check "$sc: report INCONCLUSIVE" report_until $LIVE_WAIT "$sc" "$TMP/$sc.json" \
		'd["verdict"] == "inconclusive" and d["totals"]["outside"]["unanswered"] >= 1'
	check "$sc: exit status 3" [ "$rc" -eq 3 ]
	check "$sc: no reply seen from the gateway's connection" json_is "$TMP/$sc.json" \
		'[d["totals"]["allowed"]["attempts"] >= 1, d["totals"]["allowed"]["replied"]]' '[true, 0]'
	check "$sc: the reason names the missing replies" json_is "$TMP/$sc.json" \
		'"repl" in d["reason"]' true
	journal_dump "$SENSOR_BASE-$sc" "$TMP/$sc.j" 1
	check "$sc: journal: no crit alert" alerts_is "$TMP/$sc.j" \
		'[x["LOCKWATCH_EVENT"] for x in a if x["PRIORITY"] in ("0", "1", "2")]' '[]'
	daemon_stop
	check "$sc: lockwatchd stopped cleanly" [ "$rc" -eq 0 ]
	ip netns exec "$NS_MX" tc qdisc del dev mx0 ingress
	ip -n "$NS_MX" link del mon0
}

# ---- g: the exception host is reported apart
scenario_exception() {
	sc=exception
	fw_flush
	check "$sc: nftables drop (exceptions accepted) from the rules export" fw_export drop
	daemon_start "$sc" mx0 || { not_ok "$sc: lockwatchd READY=1 on mx0"; return; }
	live_client "$NS_GW" "$GW4" "$MX4" gw-exc.example "$TMP/$sc.gw"
	c1=$!
	live_client "$NS_OUT" "$BMX4" "$MX4" backup-mx.example "$TMP/$sc.bmx"
	c2=$!
	live_client "$NS_OUT" "$BMX6" "$MX6" backup-mx6.example "$TMP/$sc.bmx6"
	c3=$!
	live_client "$NS_OUT" "$OUT4" "$MX4" evil-exc.example "$TMP/$sc.out"
	c4=$!
	wait $c1 $c2 $c3 $c4
	check "$sc: the gateway was answered" client_is "$TMP/$sc.gw" "smtp 220 250 221"
	check "$sc: the backup MX was answered (IPv4)" client_is "$TMP/$sc.bmx" "smtp 220 250 221"
	check "$sc: the backup MX was answered (IPv6)" client_is "$TMP/$sc.bmx6" "smtp 220 250 221"
	check "$sc: the outside client was dropped" client_is "$TMP/$sc.out" timeout
	check "$sc: report EFFECTIVE" report_until $LIVE_WAIT "$sc" "$TMP/$sc.json" \
		'd["verdict"] == "effective" and d["totals"]["outside"]["unanswered"] >= 1 and d["totals"]["exception"]["smtp"] >= 2'
	check "$sc: exit status 0" [ "$rc" -eq 0 ]
	for a in "$BMX4" "$BMX6"; do
		check "$sc: $a listed as exception backup-mx, reached, with its HELO" \
			src_is "$TMP/$sc.json" "$a" '[s.get(k) for k in ("class", "label", "reached")] + [s["helo"].startswith("backup-mx")]' \
			'[["exception", "backup-mx", true, true]]'
	done
	check "$sc: exception totals apart from the outside" json_is "$TMP/$sc.json" \
		'[d["totals"]["exception"]["sources"], d["totals"]["outside"]["smtp"], d["totals"]["outside"]["sources"]]' \
		'[2, 0, 1]'
	check "$sc: journal: exception alerts" journal_dump "$SENSOR_BASE-$sc" "$TMP/$sc.j" 3
	check "$sc: journal: info, with the label" alerts_is "$TMP/$sc.j" \
		'sorted((x["LOCKWATCH_SRC"], x["PRIORITY"], x.get("LOCKWATCH_SET")) for x in ev("exception"))' \
		"[[\"$BMX6\", \"6\", \"backup-mx\"], [\"$BMX4\", \"6\", \"backup-mx\"]]"
	check "$sc: journal: no crit alert" alerts_is "$TMP/$sc.j" \
		'[x["LOCKWATCH_EVENT"] for x in a if x["PRIORITY"] in ("0", "1", "2")]' '[]'
	daemon_stop
	check "$sc: lockwatchd stopped cleanly" [ "$rc" -eq 0 ]
}

# ---- h: the lockdown arrives while lockwatchd runs
scenario_change() {
	sc=change
	fw_flush
	daemon_start "$sc" mx0 || { not_ok "$sc: lockwatchd READY=1 on mx0"; return; }
	t0=$(date +%s)
	live_client "$NS_GW" "$GW4" "$MX4" gw-before.example "$TMP/$sc.gw1"
	c1=$!
	live_client "$NS_OUT" "$OUT4" "$MX4" evil-before.example "$TMP/$sc.out1"
	c2=$!
	wait $c1 $c2
	check "$sc: before: the outside client got through" client_is "$TMP/$sc.out1" "smtp 220 250 221"
	check "$sc: before: report NOT EFFECTIVE" report_until $LIVE_WAIT "$sc" "$TMP/$sc.before.json" \
		'd["verdict"] == "not_effective"'
	# a report window is rounded out to whole minutes: the lockdown comes
	# in a minute after the breach's, so a window from it holds no breach
	sleep $((61 - $(date +%s) % 60))
	check "$sc: the lockdown is loaded while lockwatchd runs" fw_export drop
	t1=$(date +%s)
	sleep 1
	# a new outside source after the lockdown: a source's counters in Redis
	# are not windowed (src:<ip> holds its whole history)
	live_client "$NS_GW" "$GW4" "$MX4" gw-after.example "$TMP/$sc.gw2"
	c1=$!
	live_client "$NS_OUT" "$OUT4B" "$MX4" evil-after.example "$TMP/$sc.out2"
	c2=$!
	wait $c1 $c2
	check "$sc: after: the outside client was dropped" client_is "$TMP/$sc.out2" timeout
	check "$sc: after: the gateway was answered" client_is "$TMP/$sc.gw2" "smtp 220 250 221"
	check "$sc: after: the new attempt lands" report_until $LIVE_WAIT "$sc" "$TMP/$sc.all.json" \
		'[s for s in d["sources"] if s["addr"] == "'"$OUT4B"'" and s["unanswered"] >= 1]'
	now=$(date +%s)
	report "$sc" "$TMP/$sc.all.json" --since "$((now - t0 + 2))s"
	check "$sc: --since the start: NOT EFFECTIVE (exit 2)" json_is "$TMP/$sc.all.json" \
		'[d["verdict"], '"$rc"']' '["not_effective", 2]'
	report "$sc" "$TMP/$sc.after.json" --since "$((now - t1))s"
	# The window starts inside an hour whose totals also hold the breach
	# before it: it is read from the minute series, exact to the minute.
	check "$sc: --since the lockdown: EFFECTIVE (exit 0)" \
		json_is "$TMP/$sc.after.json" '[d["verdict"], '"$rc"']' '["effective", 0]'
	check "$sc: --since the lockdown: only the new outside source" json_is "$TMP/$sc.after.json" \
		'[(s["addr"], s["reached"]) for s in d["sources"]]' "[[\"$OUT4B\", false]]"
	journal_dump "$SENSOR_BASE-$sc" "$TMP/$sc.j" 4
	check "$sc: journal: the breach before (smtp, crit), only an attempt after" alerts_is "$TMP/$sc.j" \
		'[[x["LOCKWATCH_HELO"] for x in ev("smtp")], [x["LOCKWATCH_SRC"] for x in a if x["PRIORITY"] == "2"], [x["PRIORITY"] for x in ev("attempt", "'"$OUT4B"'")]]' \
		"[[\"evil-before.example\"], [\"$OUT4\", \"$OUT4\"], [\"5\"]]"
	daemon_stop
	check "$sc: lockwatchd stopped cleanly" [ "$rc" -eq 0 ]
}

for sc in ${LIVE_SCENARIOS:-blind exception change}; do
	case $sc in
	blind | exception | change) "scenario_$sc" ;;
	*) not_ok "unknown scenario '$sc'" ;;
	esac
done
