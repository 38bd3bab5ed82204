#!/bin/sh
# Integration (issue 16): offline runs wait for Redis, never drop. A flood
# of 20,000 spoofed sources (tools/lwgen) replayed into a real Redis with
# a source table far smaller than the flood, once at the end
# (--flush-interval 0): `lockwatch replay --redis` and `lockwatchd -r`
# send the changes whenever the aggregate's table of changes fills
# (back-pressure), so `lost` is 0, every source is stored or folded
# (tests/redis_flood.sh) and the heavy hitters are exact. Redis absent at the start and started while the replay
# waits: everything lands once, nothing doubled. Redis gone for longer
# than --redis-wait: exit 69, the report printed and the unsent counts
# said (never an empty reason).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/redis_lib.sh"
need python3
need_redis
redis_start_unix o
URL="unix:$TMP/o.sock"
RCLI="redis-cli -s $TMP/o.sock"
RULES="$top_srcdir/rules/sample.rules"
LOCKWATCHD="$top_builddir/lockwatchd"
: >"$TMP/empty.conf"

"$LWGEN" -o "$TMP/flood.pcap" --flood-sources 20000 --heavy 5 --truth "$TMP/truth" ||
	not_ok "lwgen flood"
truth() { awk -v k="$1" '$1 == k { print $2 }' "$TMP/truth"; }
heavy_want=$(awk '$1 == "top" { printf "%s %s ", $2, $3 }' "$TMP/truth")

# flood_stored PREFIX NAME: lost 0, every source's hash, heavy hitters exact
flood_stored() {
	check "$2: lost 0" sh -c "[ \"\$($RCLI hget $1sensor:$2 lost)\" = 0 ]"
	check "$2: more than one batch (sent as the table filled)" \
		sh -c "[ \"\$($RCLI hget $1sensor:$2 batch | cut -d: -f2)\" -gt 1 ]"
	n=$($RCLI --scan --pattern "$1src:*" | wc -l)
	f=$($RCLI hget "$1sensor:$2" sources_folded)
	check "$2: every outside source has a hash or is folded ($n + $f)" \
		[ $((n + f)) -ge "$(truth outside_sources)" ]
	check "$2: heavy hitters exact" sh -c \
		"[ \"\$($RCLI zrevrange $1attempts 0 4 withscores | tr '\n' ' ')\" = '$heavy_want' ]"
	check "$2: the series count every outside attempt" sh -c \
		"[ \"\$($RCLI hget $1series:2026110209 outside:attempts)\" = $(truth outside_attempts) ]"
}

run_lw "$TMP/r.json" "$TMP/r.err" replay -r "$RULES" --json --redis "$URL" --redis-prefix r: \
	--sensor-name rp --max-sources 1024 --flush-interval 0 "$TMP/flood.pcap"
check "replay: flood stored, exit 0 (EFFECTIVE)" [ "$rc" -eq 0 ]
check "replay: nothing said on stderr" [ ! -s "$TMP/r.err" ]
flood_stored r: rp

rc=0
"$LOCKWATCHD" -c "$TMP/empty.conf" -f --rules "$RULES" --redis "$URL" --redis-prefix d: \
	--sensor-name dp --max-sources 1024 -r "$TMP/flood.pcap" >/dev/null 2>"$TMP/d.err" || rc=$?
check "lockwatchd -r: flood stored, exit 0" [ "$rc" -eq 0 ]
flood_stored d: dp

# --- Redis away when the replay starts, back while it waits
"$LWGEN" -o "$TMP/small.pcap" --script - <<'S' || not_ok "lwgen small"
0 195.130.217.10 192.0.2.25 smtp gw1.example
1 203.0.113.7    192.0.2.25 refused
2 203.0.113.8    192.0.2.25 rejected
5 203.0.113.7    192.0.2.25 refused
S
"$LOCKWATCH" replay -r "$RULES" --json --redis "unix:$TMP/late.sock" --sensor-name late \
	--redis-wait 60 "$TMP/small.pcap" >"$TMP/late.json" 2>"$TMP/late.err" &
lpid=$!
on_exit "kill $lpid 2>/dev/null"
# the replay says it waits before the server exists
i=0
while [ $i -lt 250 ] && ! grep -q "reading waits up to 60 s for Redis" "$TMP/late.err"; do
	sleep 0.02
	i=$((i + 1))
done
check "late: the replay says it waits" grep -q "reading waits up to 60 s for Redis" "$TMP/late.err"
redis_start_unix late
rc=0
wait $lpid || rc=$?
check "late: the replay waited and stored all, exit 0" [ "$rc" -eq 0 ]
RL="redis-cli -s $TMP/late.sock"
check "late: counts stored once" sh -c \
	"[ \"\$($RL hmget lockwatch:src:203.0.113.7 attempts refused | tr '\n' ' ')\" = '2 2 ' ] && \
	[ \"\$($RL hget lockwatch:sensor:late lost)\" = 0 ]"
run_lw "$TMP/late.report.json" "$TMP/err" report --redis "unix:$TMP/late.sock" --json
check "late: the report from Redis is the replay's" python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
sys.exit(0 if all(a[k] == b[k] for k in ("verdict", "totals", "sources")) else 1)' \
	"$TMP/late.json" "$TMP/late.report.json"

# --- Redis gone longer than --redis-wait: exit 69, report printed, unsent said
run_lw "$TMP/gone.json" "$TMP/gone.err" replay -r "$RULES" --json --redis "unix:$TMP/none.sock" \
	--redis-wait 1 "$TMP/small.pcap"
check "gone: replay exit 69" [ "$rc" -eq 69 ]
check "gone: the report printed, over the whole capture" json_is "$TMP/gone.json" \
	'[d["verdict"], d["totals"]["outside"]["attempts"]]' '["effective", 3]'
check "gone: the unsent counts said" \
	grep -q "^lockwatch: redis: 4 attempt(s) were not stored (the report below counts them)$" "$TMP/gone.err"
rc=0
"$LOCKWATCHD" -c "$TMP/empty.conf" -f --rules "$RULES" --redis "unix:$TMP/none.sock" \
	--sensor-name gone --redis-wait 1 -r "$TMP/small.pcap" >/dev/null 2>"$TMP/dgone.err" || rc=$?
check "gone: lockwatchd -r exit 69" [ "$rc" -eq 69 ]
check "gone: lockwatchd says why and what was not stored" grep -q \
	"^lockwatchd: final flush incomplete: redis unix:$TMP/none.sock: No such file or directory: 4 attempt(s) not stored (Redis stayed away longer than redis-wait)$" \
	"$TMP/dgone.err"
check "gone: no empty reason" sh -c "! grep -q 'incomplete:  ' '$TMP/dgone.err'"
