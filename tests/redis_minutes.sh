#!/bin/sh
# Integration: short windows at minute resolution (issue 12). An outside
# source reaches the server at 09:20 (before the lockdown is enforced),
# then from 09:25 only blocked attempts arrive; both captures go to a
# real Redis through replay --redis. `report --since 2m` at 09:27:20 (the
# clock given by LOCKWATCH_REPORT_CLOCK) must be EFFECTIVE with the totals
# of 09:25..09:28 alone (the window rounded out to whole minutes), read
# from the minute series, while a window reaching back to 09:20 is NOT
# EFFECTIVE; a window older than the minute retention falls back to whole
# hours. lwgen's base time is 2026-11-02T09:00:00Z (epoch 1793610000).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/redis_lib.sh"
need python3
need_redis
redis_start_unix m
URL="unix:$TMP/m.sock"
RCLI="redis-cli -s $TMP/m.sock"
BASE=1793610000

printf 'allow test-gw 198.51.100.0/24\n' >"$TMP/rules"
# before the lockdown: a gateway delivery, a refused attempt, an outside reach
"$LWGEN" -o "$TMP/before.pcap" --script - <<'S' || not_ok "lwgen before"
1200 198.51.100.10 192.0.2.25 smtp gw1.example
1205 203.0.113.7   192.0.2.25 refused
1210 203.0.113.66  192.0.2.25 smtp spammer.example
S
# enforced: only blocked attempts, with a gateway delivery proving replies
"$LWGEN" -o "$TMP/after.pcap" --script - <<'S' || not_ok "lwgen after"
1500 198.51.100.10 192.0.2.25 smtp gw1.example
1510 203.0.113.7   192.0.2.25 refused
1530 203.0.113.8   192.0.2.25 rejected
1590 203.0.113.7   192.0.2.25 refused
S
for cap in before after; do
	run_lw "$TMP/$cap.json" "$TMP/$cap.err" replay -r "$TMP/rules" --json --redis "$URL" \
		--sensor-name mx1 "$TMP/$cap.pcap"
	check "$cap: replayed into Redis" [ "$rc" -le 3 ]
done

# --- the minute series and its index
check "minute series written" sh -c "[ \$($RCLI exists lockwatch:series:202611020920 \
	lockwatch:series:202611020925 lockwatch:series:202611020926 lockwatch:series:202611020926:mx1) -eq 4 ]"
check "minute series: outside attempts of 09:25" \
	sh -c "[ \"\$($RCLI hget lockwatch:series:202611020925 outside:attempts)\" = 2 ]"
check "minutes index lists each minute at its start" sh -c \
	"[ \"\$($RCLI zrange lockwatch:minutes 0 -1 withscores | tr '\n' ' ')\" = \
'202611020920 $((BASE + 1200)) 202611020925 $((BASE + 1500)) 202611020926 $((BASE + 1560)) ' ]"
check "minute series expire after 48 hours" sh -c \
	"t=\$($RCLI ttl lockwatch:series:202611020925); [ \$t -gt 172000 ] && [ \$t -le 172800 ]"
check "the sensor says how long it keeps them" \
	sh -c "[ \"\$($RCLI hget lockwatch:sensor:mx1 minute_retention)\" = 172800 ]"

# --- report --since 2m at 09:27:20: 09:25:20 rounded out to 09:25..09:28
NOW=$((BASE + 1640))
LOCKWATCH_REPORT_CLOCK=$NOW run_lw "$TMP/2m.json" "$TMP/2m.err" report --redis "$URL" --since 2m \
	--json --top 0
check "--since 2m: EFFECTIVE (exit 0)" [ "$rc" -eq 0 ]
check "--since 2m: verdict" json_is "$TMP/2m.json" 'd["verdict"]' effective
check "--since 2m: the window rounded out to whole minutes" json_is "$TMP/2m.json" \
	'[d["window"]["from"], d["window"]["to"], d["window"]["rounded_to"]]' \
	'["2026-11-02T09:25:00Z", "2026-11-02T09:28:00Z", "minute"]'
check "--since 2m: totals of those minutes only" json_is "$TMP/2m.json" \
	'[d["totals"]["outside"][k] for k in ("attempts", "smtp", "refused", "rejected")] + [d["totals"]["allowed"]["attempts"]]' \
	'[3, 0, 2, 1, 1]'
check "--since 2m: the sources of the window, none reached" json_is "$TMP/2m.json" \
	'sorted((s["addr"], s["reached"]) for s in d["sources"])' \
	'[["203.0.113.7", false], ["203.0.113.8", false]]'
check "--since 2m: per-source counts span the retention, and say so" json_is "$TMP/2m.json" \
	'[d["source_counts"]] + [s["attempts"] for s in d["sources"] if s["addr"] == "203.0.113.7"]' \
	'["retention", 3]'
check "--since 2m: the timeline per minute" json_is "$TMP/2m.json" \
	'[d["timeline_bucket"]] + [(b["from"], b["attempts"]) for b in d["timeline"]]' \
	'["minute", ["2026-11-02T09:25:00Z", 2], ["2026-11-02T09:26:00Z", 1]]'

LOCKWATCH_REPORT_CLOCK=$NOW run_lw "$TMP/2m.txt" "$TMP/err" report --redis "$URL" --since 2m
check "text: the rounded bounds shown" \
	grep -q '^Window:  2026-11-02T09:25:00Z .. 2026-11-02T09:28:00Z (UTC, rounded out to whole minutes)$' "$TMP/2m.txt"
check "text: the source table says what its counts cover" \
	grep -q 'listed, and REACHED or not, by the window; the counts add up over all Redis retains' "$TMP/2m.txt"
LOCKWATCH_REPORT_CLOCK=$NOW run_lw "$TMP/tl.txt" "$TMP/err" report --redis "$URL" --since 2m --timeline
sed -n '/^Timeline/,/^$/p' "$TMP/tl.txt" >"$TMP/tl"
cat >"$TMP/tl.want" <<'W'
Timeline (UTC, per minute): outside attempts; # reached the server, = blocked
  FROM              VERDICT        OUTSIDE  REACHED
  2026-11-02 09:25  EFFECTIVE            2        0  |========================================
  2026-11-02 09:26  EFFECTIVE            1        0  |====================

W
check "--timeline: per minute for a short window" cmp -s "$TMP/tl.want" "$TMP/tl"

# --- a window back to 09:20 holds the reach: NOT EFFECTIVE, from the minutes
LOCKWATCH_REPORT_CLOCK=$NOW run_lw "$TMP/8m.json" "$TMP/err" report --redis "$URL" --since 8m --json
check "--since 8m: the reach of 09:20 is in the window" json_is "$TMP/8m.json" \
	'[d["verdict"], d["window"]["from"], d["totals"]["outside"]["attempts"], d["totals"]["outside"]["smtp"]]' \
	'["not_effective", "2026-11-02T09:19:00Z", 5, 1]'
LOCKWATCH_REPORT_CLOCK=$NOW run_lw "$TMP/s.json" "$TMP/err" report --redis "$URL" --since 2m \
	--sensor mx1 --json
check "--sensor: one sensor's minute series" json_is "$TMP/s.json" \
	'[d["verdict"], d["totals"]["outside"]["attempts"]]' '["effective", 3]'

# --- past the minute retention: whole hours, said as before
LOCKWATCH_REPORT_CLOCK=$((NOW + 3 * 86400)) run_lw "$TMP/old.json" "$TMP/err" report --redis "$URL" \
	--since 73h --json
check "beyond the minute retention: whole hours, not rounded to minutes" json_is "$TMP/old.json" \
	'["rounded_to" in d["window"], d["totals"]["outside"]["attempts"], d["timeline_bucket"]]' \
	'[false, 5, "hour"]'

# --- --redis-minute-retention: the keys' expiry and what the report trusts
run_lw "$TMP/k.json" "$TMP/err" replay -r "$TMP/rules" --json --redis "$URL" --redis-prefix k: \
	--sensor-name mx1 --redis-minute-retention 1 "$TMP/after.pcap"
check "--redis-minute-retention 1: kept an hour" sh -c \
	"t=\$($RCLI ttl k:series:202611020925); [ \$t -gt 3000 ] && [ \$t -le 3600 ] && \
	[ \"\$($RCLI hget k:sensor:mx1 minute_retention)\" = 3600 ]"
LOCKWATCH_REPORT_CLOCK=$((NOW + 7200)) run_lw "$TMP/k.json" "$TMP/err" report --redis "$URL" \
	--redis-prefix k: --since 2h --json
check "a window longer than a sensor's minute retention reads the hours" json_is "$TMP/k.json" \
	'"rounded_to" in d["window"]' false
expect_error 64 "redis-minute-retention" "--redis-minute-retention 0 refused" -- \
	replay -r "$TMP/rules" --redis "$URL" --redis-minute-retention 0 "$TMP/after.pcap"
