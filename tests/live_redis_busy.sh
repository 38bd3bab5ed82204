#!/bin/sh
# Live (issue 16): a flood of new sources while Redis is busy with the last
# batch. lockwatchd captures on the mail host of the namespaces of
# tests/live_lib.sh (the source table has room: nothing folds because it
# is full; the table of open attempts does not, so the flood evicts); Redis
# is paused (CLIENT PAUSE) so the batch of the next flush
# waits in flight, and 30,000 spoofed SYNs from distinct sources arrive
# within a second: the changes of the interval pass their bound (8,192
# sources) with nothing to send them in, so lockwatchd folds the flood's
# sources as they come instead of holding them. When Redis answers again,
# every attempt is in the series exactly once, nothing is lost, the heavy
# hitter and the gateway are exact, the fold is counted and said, the
# distinct sources are within 2 %, and the verdict, taken from the kernel's
# own capture, is EFFECTIVE with the evictions said.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"
. "$top_srcdir/tests/live_lib.sh"

live_topology || { not_ok "network namespaces and veth pairs"; exit 1; }
live_redis || { not_ok "redis-server did not start"; exit 1; }
check "mail host: SMTP listener on port 25" live_smtp_server
check "the lockdown is loaded" fw_export drop
RCLI="redis-cli -s $REDIS_SOCK"
P=lw6-busy:

# a table of 1,024 open attempts: the flood also pushes attempts out
# before their timeout, as a larger flood does with the default table
daemon_start busy mx0 --max-attempts 1024 || { not_ok "lockwatchd READY=1"; exit 1; }
live_client "$NS_GW" "$GW4" "$MX4" gw.example "$TMP/gw.1"
wait $!
check "a gateway delivery, stored: Redis and the sensor are up" report_until $LIVE_WAIT busy \
	"$TMP/r1.json" 'd["totals"]["allowed"]["smtp"] == 1'

# Redis stops answering for 4 s (lockwatchd's command timeout is 5 s): the
# next batch waits in flight while the flood comes
check "Redis paused" sh -c "$RCLI client pause 4000 all | grep -q OK"
spoof_syns 30000 0 || not_ok "spoofed SYNs sent"
sleep 5
check "Redis answers again, the flood lands" report_until 30 busy "$TMP/r2.json" \
	'd["totals"]["outside"]["attempts"] >= 30020'
daemon_stop
check "lockwatchd stopped cleanly" [ "$rc" -eq 0 ]
report busy "$TMP/r2.json"
check "every attempt once: 30,000 spoofed + 20 heavy" [ "$(series_sum busy outside:attempts)" -eq 30020 ]
check "nothing lost" sh -c "[ \"\$($RCLI hget ${P}sensor:$SENSOR_BASE-busy lost)\" = 0 ]"
check "the gateway exact" json_is "$TMP/r2.json" 'd["totals"]["allowed"]["smtp"]' 1
check "the heavy hitter exact" json_is "$TMP/r2.json" \
	'[s["attempts"] for s in d["sources"] if s["addr"] == "203.0.113.99"]' '[20]'
# The series count each fold; the sensor (capture.sources_folded) the
# sources left without a hash: a folded source that attempts again (the
# heavy hitter, whose first SYN came with the flood) gets its hash back.
folds=$(series_sum busy outside:sources_folded)
check "the fold counted in the series and said (capture.sources_folded)" json_is "$TMP/r2.json" \
	"[$folds > 20000, 0 <= $folds - d[\"capture\"][\"sources_folded\"] <= 1]" '[true, true]'
check "distinct outside sources within 2 % (30,000 spoofed and the heavy hitter)" \
	json_is "$TMP/r2.json" 'abs(d["totals"]["outside"]["sources"] - 30001) <= 600' true
check "the verdict: EFFECTIVE, the lockdown held through the flood, the evictions said" \
	json_is "$TMP/r2.json" \
	'[d["verdict"], d["capture"]["evicted_open_outside"] > 25000, "evicted from the full table" in d["reason"]]' \
	'["effective", true, true]'
