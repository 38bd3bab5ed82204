#!/bin/sh
# Integration: the report's timeline. A generated capture whose hours are
# known (lwgen's base time is 2026-11-02T09:00:00Z): a breach in the first
# two hours, nothing in the third, blocked attempts with gateway replies in
# the fourth and fifth. replay --json/--timeline and the default report's
# short story must show exactly those hours and mark 12:00 as the hour the
# lockdown became effective; a window over 3 days is drawn per day; and the
# same capture replayed into Redis gives the same timeline from `report`.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/redis_lib.sh"
need python3
need_redis

printf 'allow test-gw 198.51.100.0/24\n' >"$TMP/rules"
"$LWGEN" -o "$TMP/hours.pcap" --script - <<'S' || not_ok "lwgen"
0     198.51.100.10 192.0.2.25 smtp gw1.example
60    203.0.113.7   192.0.2.25 smtp spam.example
120   203.0.113.8   192.0.2.25 accepted
180   203.0.113.9   192.0.2.25 refused
3700  198.51.100.10 192.0.2.25 smtp gw1.example
3800  203.0.113.7   192.0.2.25 established
10800 198.51.100.11 192.0.2.25 smtp gw2.example
10900 203.0.113.7   192.0.2.25 refused
11000 203.0.113.20  192.0.2.25 unanswered
11100 203.0.113.21  192.0.2.25 rejected
14500 203.0.113.7   192.0.2.25 refused
14600 198.51.100.10 192.0.2.25 smtp gw1.example
S

# --- JSON: the series, hour by hour
run_lw "$TMP/r.json" "$TMP/r.err" replay --json -r "$TMP/rules" "$TMP/hours.pcap"
check "replay --json: exit 2 (the window as a whole is NOT EFFECTIVE)" [ "$rc" -eq 2 ]
check "json: per hour" json_is "$TMP/r.json" 'd["timeline_bucket"]' hour
check "json: the hours with attempts, in order" json_is "$TMP/r.json" \
	'[b["from"] for b in d["timeline"]]' \
	'["2026-11-02T09:00:00Z", "2026-11-02T10:00:00Z", "2026-11-02T12:00:00Z", "2026-11-02T13:00:00Z"]'
check "json: outside attempts per hour" json_is "$TMP/r.json" \
	'[b["attempts"] for b in d["timeline"]]' '[3, 1, 3, 1]'
check "json: reached per hour" json_is "$TMP/r.json" '[b["reached"] for b in d["timeline"]]' \
	'[2, 1, 0, 0]'
check "json: verdict per hour" json_is "$TMP/r.json" '[b["verdict"] for b in d["timeline"]]' \
	'["not_effective", "not_effective", "effective", "effective"]'
check "json: the change is at 12:00 only" json_is "$TMP/r.json" \
	'[b["from"] for b in d["timeline"] if b["verdict_changed"]]' '["2026-11-02T12:00:00Z"]'
check "json: the series adds up to the totals" json_is "$TMP/r.json" \
	'sum(b["attempts"] for b in d["timeline"]) == d["totals"]["outside"]["attempts"]' true

# --- the chart
run_lw "$TMP/chart.txt" "$TMP/chart.err" replay --timeline -r "$TMP/rules" "$TMP/hours.pcap"
sed -n '/^Timeline/,/^$/p' "$TMP/chart.txt" >"$TMP/chart"
cat >"$TMP/chart.want" <<'EOF'
Timeline (UTC, per hour): outside attempts; # reached the server, = blocked
  FROM              VERDICT        OUTSIDE  REACHED
  2026-11-02 09:00  NOT EFFECTIVE        3        2  |###########################=============
  2026-11-02 10:00  NOT EFFECTIVE        1        1  |#############
  ... 1 hour without attempts
  2026-11-02 12:00  EFFECTIVE            3        0  |======================================== <- lockdown effective from here
  2026-11-02 13:00  EFFECTIVE            1        0  |=============

EOF
check "--timeline: the chart, hour by hour, the change marked" diff -u "$TMP/chart.want" "$TMP/chart"
check "--timeline: plain ASCII" sh -c "! LC_ALL=C grep -q '[^ -~]' '$TMP/chart'"
check "--timeline: the rest of the report is there" grep -q '^Verdict: NOT EFFECTIVE' "$TMP/chart.txt"

# --- the default report's short story
run_lw "$TMP/plain.txt" "$TMP/plain.err" replay -r "$TMP/rules" "$TMP/hours.pcap"
check "default report: one line per period" sh -c "[ \$(sed -n '/^Timeline/,/^\$/p' '$TMP/plain.txt' | grep -c '^  2026') -eq 2 ]"
check "default report: the breach period" grep -q \
	'^  2026-11-02 09:00 .. 2026-11-02 10:59  NOT EFFECTIVE *4 outside attempts, 3 reached' "$TMP/plain.txt"
check "default report: the enforced period, marked" grep -q \
	'^  2026-11-02 12:00 .. 2026-11-02 13:59  EFFECTIVE *4 outside attempts, 0 reached.*<- lockdown effective from here' \
	"$TMP/plain.txt"

# --- a long window is drawn per day
"$LWGEN" -o "$TMP/days.pcap" --script - <<'S' || not_ok "lwgen days"
0       203.0.113.7   192.0.2.25 smtp spam.example
100     198.51.100.10 192.0.2.25 smtp gw1.example
172800  203.0.113.7   192.0.2.25 refused
172900  198.51.100.10 192.0.2.25 smtp gw1.example
345600  203.0.113.8   192.0.2.25 unanswered
345700  203.0.113.9   192.0.2.25 unanswered
345800  198.51.100.10 192.0.2.25 smtp gw1.example
S
run_lw "$TMP/d.json" "$TMP/d.err" replay --json -r "$TMP/rules" "$TMP/days.pcap"
check "4 days: per day" json_is "$TMP/d.json" 'd["timeline_bucket"]' day
check "4 days: one bucket per day with attempts" json_is "$TMP/d.json" \
	'[(b["from"], b["attempts"], b["reached"]) for b in d["timeline"]]' \
	'[["2026-11-02T00:00:00Z", 1, 1], ["2026-11-04T00:00:00Z", 1, 0], ["2026-11-06T00:00:00Z", 2, 0]]'
run_lw "$TMP/d.txt" "$TMP/d.err" replay --timeline -r "$TMP/rules" "$TMP/days.pcap"
check "4 days: the gaps are named in days" grep -q '^  \.\.\. 1 day without attempts' "$TMP/d.txt"
check "4 days: the change is marked on 2026-11-04" grep -q \
	'^  2026-11-04 .*EFFECTIVE.*<- lockdown effective from here' "$TMP/d.txt"

# --- the same story from Redis
redis_start_unix tl
URL="unix:$TMP/tl.sock"
run_lw "$TMP/rr.txt" "$TMP/rr.err" replay -r "$TMP/rules" --redis "$URL" --sensor-name tl \
	"$TMP/hours.pcap"
check "replay --redis: stored" [ "$rc" -eq 2 ]
run_lw "$TMP/rep.txt" "$TMP/rep.err" report --redis "$URL" --timeline
check "report --timeline: exit 2" [ "$rc" -eq 2 ]
sed -n '/^Timeline/,/^$/p' "$TMP/rep.txt" >"$TMP/rep.chart"
check "report --timeline: the same chart as the replay" diff -u "$TMP/chart.want" "$TMP/rep.chart"
run_lw "$TMP/rep.json" "$TMP/rep.err" report --redis "$URL" --json
check "report --json: the same series as the replay" python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))["timeline"]
b = json.load(open(sys.argv[2]))["timeline"]
sys.exit(a != b)' "$TMP/r.json" "$TMP/rep.json"
run_lw "$TMP/rep2.txt" "$TMP/rep2.err" report --redis "$URL"
check "report: the short story too" grep -q '<- lockdown effective from here' "$TMP/rep2.txt"
