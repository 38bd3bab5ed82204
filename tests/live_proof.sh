#!/bin/sh
# Live proof (issue 6), scenarios a to e: with real TCP stacks, nftables on
# the mail host and real SMTP clients, lockwatchd (capturing live on the
# mail host's interface, writing to a real Redis and journal) must tell a
# working lockdown from a broken one, in IPv4 and IPv6:
#   open   no firewall: the outside client speaks SMTP -> NOT EFFECTIVE,
#          crit "smtp" alert with its HELO name
#   drop   `lockwatch rules export --format nft` -> outside unanswered,
#          gateway answered -> EFFECTIVE
#   reset  the same with --action reject -> outside refused -> EFFECTIVE
#   icmp   reject with icmp(v6) admin-prohibited -> outside rejected -> EFFECTIVE
# One lockwatchd per scenario, with its own sensor name (journal) and key
# prefix (Redis), so scenarios never mix. LIVE_SCENARIOS="open4 drop6 ..."
# runs a subset while debugging.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"
. "$top_srcdir/tests/live_lib.sh"

live_topology || { not_ok "network namespaces and veth pairs"; exit 1; }
ok "topology: router, mail host, gateway and outside namespaces"
live_redis || { not_ok "redis-server did not start"; exit 1; }
check "mail host: SMTP listener on port 25 (IPv4 and IPv6)" live_smtp_server

# scenario MODE FAMILY: one firewall mode, one address family
scenario() {
	mode=$1 fam=$2
	sc="$mode$fam"
	if [ "$fam" = 4 ]; then mx=$MX4 gw=$GW4 osrc=$OUT4; else mx=$MX6 gw=$GW6 osrc=$OUT6; fi
	fw_flush
	case $mode in
	open) : ;;
	drop) check "$sc: nftables drop loaded from the rules export" fw_export drop ;;
	reset) check "$sc: nftables reject with tcp reset from the rules export" fw_export reject ;;
	icmp) check "$sc: nftables reject with icmp(v6) admin-prohibited" fw_icmp ;;
	esac
	if ! daemon_start "$sc" mx0; then
		not_ok "$sc: lockwatchd READY=1 on mx0"
		sed 's/^/# /' "$TMP/daemon-$sc.err" >&2
		return
	fi
	# the gateway is the control group: its answered connection proves
	# that the capture sees the server's replies
	live_client "$NS_GW" "$gw" "$mx" "gw-$sc.example" "$TMP/$sc.gw"
	c1=$!
	live_client "$NS_OUT" "$osrc" "$mx" "evil-$sc.example" "$TMP/$sc.out"
	c2=$!
	wait $c1 $c2
	check "$sc: the gateway client was answered" client_is "$TMP/$sc.gw" "smtp 220 250 221"
	case $mode in
	open)
		check "$sc: the outside client got through (the breach is real)" \
			client_is "$TMP/$sc.out" "smtp 220 250 221"
		check "$sc: report NOT EFFECTIVE" report_until $LIVE_WAIT "$sc" "$TMP/$sc.json" \
			'd["verdict"] == "not_effective" and d["totals"]["outside"]["smtp"] >= 1'
		check "$sc: exit status 2" [ "$rc" -eq 2 ]
		check "$sc: the outside source reached, with its HELO" src_is "$TMP/$sc.json" "$osrc" \
			'[s.get(k) for k in ("class", "reached", "helo")]' \
			"[[\"outside\", true, \"evil-$sc.example\"]]"
		check "$sc: journal: crit smtp alert with the HELO" journal_dump "$SENSOR_BASE-$sc" \
			"$TMP/$sc.j" 3
		check "$sc: journal: smtp alert fields" alerts_is "$TMP/$sc.j" \
			'[[x.get(k) for k in ("PRIORITY", "LOCKWATCH_DST", "LOCKWATCH_DST_PORT", "LOCKWATCH_HELO")] for x in ev("smtp", "'"$osrc"'")]' \
			"[[\"2\", \"$mx\", \"25\", \"evil-$sc.example\"]]"
		check "$sc: journal: crit reached alert" alerts_is "$TMP/$sc.j" \
			'[x["PRIORITY"] for x in ev("reached", "'"$osrc"'")]' '["2"]'
		;;
	drop | reset | icmp)
		case $mode in
		drop) want=timeout outcome=unanswered ;;
		reset) want=refused outcome=refused ;;
		icmp) want='unreachable *' outcome=rejected ;;
		esac
		check "$sc: the outside client was blocked ($want)" client_is "$TMP/$sc.out" "$want"
		check "$sc: report EFFECTIVE" report_until $LIVE_WAIT "$sc" "$TMP/$sc.json" \
			"d['verdict'] == 'effective' and d['totals']['outside']['$outcome'] >= 1"
		check "$sc: exit status 0" [ "$rc" -eq 0 ]
		check "$sc: every outside attempt $outcome, none reached" json_is "$TMP/$sc.json" \
			"[d['totals']['outside'][k] == (d['totals']['outside']['attempts'] if k == '$outcome' else 0) for k in ('accepted', 'established', 'smtp', 'refused', 'rejected', 'unanswered')]" \
			'[true, true, true, true, true, true]'
		check "$sc: the gateway answered (control group)" json_is "$TMP/$sc.json" \
			'[d["totals"]["allowed"]["smtp"] >= 1, d["totals"]["allowed"].get("replied", 1) >= 1]' \
			'[true, true]'
		check "$sc: the outside source listed, not reached" src_is "$TMP/$sc.json" "$osrc" \
			'[s.get(k) for k in ("class", "reached")]' '[["outside", false]]'
		check "$sc: journal: attempt alert (notice) for the outside source" \
			journal_dump "$SENSOR_BASE-$sc" "$TMP/$sc.j" 1
		check "$sc: journal: notice, and no crit alert" alerts_is "$TMP/$sc.j" \
			'[[x["PRIORITY"] for x in ev("attempt", "'"$osrc"'")][:1], [x["LOCKWATCH_EVENT"] for x in a if x["PRIORITY"] in ("0", "1", "2")]]' \
			'[["5"], []]'
		;;
	esac
	daemon_stop
	check "$sc: lockwatchd stopped cleanly" [ "$rc" -eq 0 ]
}

for sc in ${LIVE_SCENARIOS:-open4 drop4 reset4 icmp4 open6 drop6 reset6 icmp6}; do
	case $sc in
	*[46]) scenario "${sc%?}" "${sc#"${sc%?}"}" ;;
	*) not_ok "unknown scenario '$sc'" ;;
	esac
done
