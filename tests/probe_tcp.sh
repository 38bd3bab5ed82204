#!/bin/sh
# lockwatch probe at the TCP level (issue 14 items 1 and 3) against real
# kernels and nftables, IPv4 and IPv6, in the live proof's namespaces: the
# probe connects from the outside host to the mail host while lockwatchd
# captures on the mail host's interface, and both must agree:
#   open    no firewall                         -> accepted   NOT EFFECTIVE
#   drop    nftables drop                       -> unanswered EFFECTIVE
#   reset   reject with tcp reset               -> refused    EFFECTIVE
#   reject  reject (port-unreachable)           -> rejected   EFFECTIVE
#   admin   reject with icmpx admin-prohibited  -> rejected   EFFECTIVE
# and the probing host's own firewall (a local reject) is said as such.
# The rules name the outside host a `probe` vantage point (issue 14, item
# 5): the sensor counts its attempts as class probe, judged with outside,
# its journal alerts carry LOCKWATCH_CLASS=probe, and the report's probe
# part says what became of them.
# PROBE_SCENARIOS="drop4 admin6 ..." runs a subset while debugging.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"
. "$top_srcdir/tests/live_lib.sh"

live_topology || { not_ok "network namespaces and veth pairs"; exit 1; }
live_redis || { not_ok "redis-server did not start"; exit 1; }
check "mail host: SMTP listener on port 25 (IPv4 and IPv6)" live_smtp_server
cat >>"$TMP/rules" <<RULES
# lockwatch probe runs from the outside host
probe $OUT4/32 vantage-out
probe $OUT6/128 vantage-out
RULES

# fw MODE: the lockdown on the mail host, the gateway let through
fw() {
	case $1 in
	drop) action=drop ;;
	reset) action="reject with tcp reset" ;;
	reject) action=reject ;;
	admin) action="reject with icmpx type admin-prohibited" ;;
	*) return 0 ;;
	esac
	cat >"$TMP/fw.nft" <<NFT
table inet lw_probe {
	chain input {
		type filter hook input priority filter - 10; policy accept;
		tcp dport 25 ip saddr 198.51.100.0/24 accept
		tcp dport 25 ip6 saddr 2001:db8:100::/48 accept
		tcp dport 25 $action
	}
}
NFT
	ip netns exec "$NS_MX" nft -f "$TMP/fw.nft"
}

# probe NS OUT ARGS...: lockwatch probe inside a namespace; status in $rc
probe() {
	_ns=$1 _out=$2
	shift 2
	rc=0
	ip netns exec "$_ns" "$LOCKWATCH" probe "$@" >"$_out" 2>"$_out.err" || rc=$?
}

scenario() {
	mode=$1 fam=$2
	sc="$mode$fam"
	if [ "$fam" = 4 ]; then mx=$MX4 gw=$GW4 osrc=$OUT4; else mx=$MX6 gw=$GW6 osrc=$OUT6; fi
	fw_flush
	check "$sc: nftables $mode loaded" fw "$mode"
	if ! daemon_start "$sc" mx0; then
		not_ok "$sc: lockwatchd READY=1 on mx0"
		return
	fi
	# the gateway is the sensor's control group (its replies are seen)
	live_client "$NS_GW" "$gw" "$mx" "gw-$sc.example" "$TMP/$sc.gw"
	c1=$!
	probe "$NS_OUT" "$TMP/$sc.p" --json --timeout 2 --source "$osrc" \
		--helo "lockwatch-probe-$sc.example.net" "$mx"
	prc=$rc
	wait $c1
	case $mode in
	open) tcp=accepted verdict=not_effective st=2 outcome=smtp ;;
	drop) tcp=unanswered verdict=effective st=0 outcome=unanswered ;;
	reset) tcp=refused verdict=effective st=0 outcome=refused ;;
	*) tcp=rejected verdict=effective st=0 outcome=rejected ;;
	esac
	check "$sc: probe: tcp $tcp, verdict $verdict, exit $st" json_is "$TMP/$sc.p" \
		'[d["targets"][0]["tcp"], d["targets"][0]["port"], d["verdict"], '"$prc"']' \
		"[\"$tcp\", 25, \"$verdict\", $st]"
	case $mode$fam in
	reject4) icmp="ICMP type 3 code 3 from $mx" ;;
	admin4) icmp="ICMP type 3 code 13 from $mx" ;;
	reject6) icmp="ICMPv6 type 1 code 4 from $mx" ;;
	admin6) icmp="ICMPv6 type 1 code 1 from $mx" ;;
	*) icmp="" ;;
	esac
	[ -n "$icmp" ] && check "$sc: probe names the ICMP message" json_is "$TMP/$sc.p" \
		'd["targets"][0]["tcp_detail"]' "$icmp"
	check "$sc: the sensor agrees: $verdict, probe $outcome" report_until $LIVE_WAIT "$sc" \
		"$TMP/$sc.json" \
		"d['verdict'] == '$verdict' and d['totals']['probe']['$outcome'] >= 1"
	if [ "$mode" = open ]; then result=reached; else result=blocked; fi
	check "$sc: the report names the probe and its outcome" json_is "$TMP/$sc.json" \
		'[d["probe"]["seen"], d["probe"]["result"], d["probe"]["outcomes"]["'"$outcome"'"] >= 1, d["probe"]["labels"], d["totals"]["outside"]["attempts"]]' \
		"[true, \"$result\", true, [\"vantage-out\"], 0]"
	check "$sc: the probe is listed as class probe" src_is "$TMP/$sc.json" "$osrc" \
		'[s.get(k) for k in ("class", "label", "reached")]' \
		"[[\"probe\", \"vantage-out\", $([ "$mode" = open ] && echo true || echo false)]]"
	check "$sc: journal: the probe's alerts" journal_dump "$SENSOR_BASE-$sc" \
		"$TMP/$sc.j" "$([ "$mode" = open ] && echo 3 || echo 1)"
	check "$sc: journal: LOCKWATCH_CLASS=probe on the probe's alerts" alerts_is "$TMP/$sc.j" \
		'sorted(set((x["LOCKWATCH_EVENT"], x.get("LOCKWATCH_CLASS"), x.get("LOCKWATCH_PROBE")) for x in a if x.get("LOCKWATCH_SRC") == "'"$osrc"'"))' \
		"$([ "$mode" = open ] && echo '[["attempt", "probe", "vantage-out"], ["reached", "probe", "vantage-out"], ["smtp", "probe", "vantage-out"]]' || echo '[["attempt", "probe", "vantage-out"]]')"
	if [ "$mode" = open ]; then
		check "$sc: the sensor saw the probe's EHLO name" src_is "$TMP/$sc.json" "$osrc" \
			's.get("helo")' "[\"lockwatch-probe-$sc.example.net\"]"
	fi
	daemon_stop
}

for sc in ${PROBE_SCENARIOS:-open4 drop4 reset4 reject4 admin4 open6 drop6 reset6 reject6 admin6}; do
	scenario "${sc%?}" "${sc#"${sc%?}"}"
done

# the probing host's own firewall is never the target's answer: a local
# `reject` answers from this host's own address (a local drop cannot be
# told from silence: Linux swallows the SYN's EPERM, see lockwatch(1))
fw_flush
cat >"$TMP/out.nft" <<NFT
table inet lw_probe_out {
	chain output {
		type filter hook output priority filter; policy accept;
		tcp dport 25 reject
	}
}
NFT
ip netns exec "$NS_OUT" nft -f "$TMP/out.nft" || not_ok "output firewall on the outside host"
probe "$NS_OUT" "$TMP/local.p" --json --timeout 2 "$MX4" "[$MX6]:25"
check "local firewall: said as such, INCONCLUSIVE (3)" json_is "$TMP/local.p" \
	'[[t["tcp"] for t in d["targets"]], d["verdict"], '"$rc"']' \
	'[["local_firewall", "local_firewall"], "inconclusive", 3]'
check "local firewall: the report names this host's own firewall" \
	grep -q "own firewall rejected the SYN" "$TMP/local.p"
ip netns exec "$NS_OUT" nft flush ruleset

# --source that is not this host's: the probe cannot bind, said as such
probe "$NS_OUT" "$TMP/src.p" --json --timeout 2 --source 203.0.113.99 "$MX4"
check "--source not local: error, INCONCLUSIVE (3), said as such" json_is "$TMP/src.p" \
	'[d["targets"][0]["tcp"], d["verdict"], '"$rc"', "cannot bind --source 203.0.113.99" in d["reason"]]' \
	'["error", "inconclusive", 3, true]'

# text report: one line per target, worst first
probe "$NS_OUT" "$TMP/text.p" --timeout 2 "$MX6" "$MX4:26" "$MX4"
check "text: exit 2 (one target open)" [ "$rc" -eq 2 ]
check "text: verdict line" grep -q '^Verdict: NOT EFFECTIVE' "$TMP/text.p"
check "text: the open target first, then the refused port" sh -c \
	"grep -E '^  (NOT EFFECTIVE|EFFECTIVE) ' '$TMP/text.p' | awk '{print \$NF}' | tr '\n' ' ' | grep -q 'accepted accepted refused'"
