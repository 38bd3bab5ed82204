#!/bin/sh
# Live (issue 16): Redis stopped for a while in the middle of a live run
# under a flood, then restarted. lockwatchd captures on the mail host of
# the namespaces of tests/live_lib.sh, the lockdown drops outside mail, and
# spoofed SYNs (distinct sources, injected by a raw socket on the router's
# side of the mail host's link) arrive in two waves: one while Redis runs,
# one while it is stopped; an outside client and a gateway connect in each.
# With a source table of 256 the store folds the spoofed one-attempt
# sources. When Redis is back, the held counts land once: the series holds
# every attempt exactly (nothing doubled, nothing lost), the heavy
# hitter's counts are exact, and the report says
# what was folded (capture.sources_folded, and in the text).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"
. "$top_srcdir/tests/live_lib.sh"

live_topology || { not_ok "network namespaces and veth pairs"; exit 1; }
live_redis || { not_ok "redis-server did not start"; exit 1; }
check "mail host: SMTP listener on port 25" live_smtp_server
check "the lockdown is loaded" fw_export drop
RCLI="redis-cli -s $REDIS_SOCK"
P=lw6-outage:

# wave: an outside client (dropped), a gateway delivery, N spoofed SYNs
wave() {
	live_client "$NS_OUT" "$OUT4" "$MX4" evil.example "$TMP/out.$1" 1
	c1=$!
	live_client "$NS_GW" "$GW4" "$MX4" gw.example "$TMP/gw.$1"
	c2=$!
	spoof_syns 2000 "$2"
	wait $c1 $c2
}

daemon_start outage mx0 --max-sources 256 || { not_ok "lockwatchd READY=1"; exit 1; }
wave 1 0
check "wave 1: the outside client was dropped" client_is "$TMP/out.1" timeout
check "wave 1: stored" report_until $LIVE_WAIT outage "$TMP/r1.json" \
	'd["totals"]["outside"]["attempts"] >= 2021 and d["totals"]["allowed"]["smtp"] == 1'
# Redis goes away in the middle of the run
kill "$(cat "$TMP/redis.pid")"
wait_for 5 sh -c "[ ! -S '$REDIS_SOCK' ]"
rm -f "$TMP/redis.pid"
wave 2 2000
check "wave 2 (Redis away): the outside client was dropped" client_is "$TMP/out.2" timeout
# the attempts of wave 2 end (the 1 s timeout) and are held, then Redis returns
sleep 3
check "Redis away: the daemon goes on" kill -0 "$dpid"
live_redis || not_ok "redis-server did not restart"
# a new, empty Redis: what wave 1 stored is gone with the old server, so
# the new one must hold wave 2 exactly: no doubling, nothing lost
check "Redis back: wave 2 lands" report_until 40 outage "$TMP/r2.json" \
	'd["totals"]["allowed"]["smtp"] == 1 and d["totals"]["outside"]["attempts"] >= 2021'
daemon_stop
check "lockwatchd stopped cleanly" [ "$rc" -eq 0 ]
report outage "$TMP/r2.json"
hour=$($RCLI zrange ${P}hours 0 -1 | tail -n 1)
check "wave 2 exactly: 2,000 spoofed + 20 heavy + 1 outside client attempts, once" \
	[ "$(series_sum outage outside:attempts)" -eq 2021 ]
check "wave 2: nothing lost" sh -c "[ \"\$($RCLI hget ${P}sensor:$SENSOR_BASE-outage lost)\" = 0 ]"
check "the heavy hitter exact" json_is "$TMP/r2.json" \
	'[s["attempts"] for s in d["sources"] if s["addr"] == "203.0.113.99"]' '[20]'
# the outside client, blocked and seen once during the flood, is folded
# like the spoofed sources: its attempt is in the series counted above
check "what was folded is said (capture.sources_folded)" json_is "$TMP/r2.json" \
	'd["capture"]["sources_folded"] > 1000' true
check "the fold counted in the series" [ "$(series_sum outage outside:sources_folded)" -gt 1000 ]
# held while Redis was away as their day's registers, not addresses
check "wave 2's distinct outside sources within 2 % (2,000 spoofed, the heavy hitter, the client)" \
	json_is "$TMP/r2.json" 'abs(d["totals"]["outside"]["sources"] - 2002) <= 40' true
run_lw "$TMP/r2.txt" "$TMP/err" report --redis "unix:$REDIS_SOCK" --redis-prefix "$P"
check "the text report says it" grep -q "blocked outside source(s) seen once were folded" "$TMP/r2.txt"
: "$hour"
