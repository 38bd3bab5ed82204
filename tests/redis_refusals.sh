#!/bin/sh
# Integration: a batch lands while the server refuses one of its series (a
# key someone wrote with another type). lockwatchd -r and lockwatch replay
# name the key in what they log, the series' attempts become the sensor's
# `lost`, and the report from Redis is INCONCLUSIVE rather than silently
# short of them.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/redis_lib.sh"
need python3
need_redis
redis_start_unix r
URL="unix:$TMP/r.sock"
RCLI="redis-cli -s $TMP/r.sock"

echo 'allow test-gw 198.51.100.0/24' >"$TMP/rules"
: >"$TMP/empty.conf"
"$LWGEN" -o "$TMP/mx.pcap" --script - <<'S' || not_ok "lwgen"
0  203.0.113.7   192.0.2.25    refused
1  203.0.113.8   192.0.2.25    refused
S

# the capture's hour, from a replay under another prefix
run_lw "$TMP/ref.out" "$TMP/ref.err" replay -r "$TMP/rules" --redis "$URL" --redis-prefix ref: \
	"$TMP/mx.pcap"
HOUR=$($RCLI zrange ref:hours 0 -1 | head -n 1)
check "reference replay stored its hour" [ "$rc" -le 3 -a -n "$HOUR" ]

# --- lockwatchd -r
$RCLI set "d:series:$HOUR" not-a-hash >/dev/null
rc=0
"$top_builddir/lockwatchd" -c "$TMP/empty.conf" -f --rules "$TMP/rules" --redis "$URL" \
	--redis-prefix d: --sensor-name mxd -r "$TMP/mx.pcap" >/dev/null 2>"$TMP/d.err" || rc=$?
check "lockwatchd -r: the refused series named, its attempts counted as lost" \
	grep -q "^lockwatchd: redis unix:$TMP/r.sock: refused in a batch that landed, 2 attempt(s) counted as lost: d:series:$HOUR (WRONGTYPE)\$" "$TMP/d.err"
check "lockwatchd -r: sensor:mxd lost 2" [ "$($RCLI hget d:sensor:mxd lost)" = 2 ]
check "lockwatchd -r: the sources are stored" [ "$($RCLI hget d:src:203.0.113.8 attempts)" = 1 ]
# the report refuses the wrong-typed key itself; without it, the series
# lack the 2 attempts and the sensor says so
$RCLI del "d:series:$HOUR" >/dev/null
run_lw "$TMP/d.json" "$TMP/d.rerr" report --redis "$URL" --redis-prefix d: --json
check "report: INCONCLUSIVE" json_is "$TMP/d.json" 'd["verdict"]' inconclusive
run_lw "$TMP/ref.json" "$TMP/ref.rerr" report --redis "$URL" --redis-prefix ref: --json
check "report: the same capture without the loss is not INCONCLUSIVE" python3 -c '
import json, sys
sys.exit(0 if json.load(open(sys.argv[1]))["verdict"] != "inconclusive" else 1)' "$TMP/ref.json"

# --- lockwatch replay
$RCLI set "r:series:$HOUR" not-a-hash >/dev/null
run_lw "$TMP/r.out" "$TMP/r.err" replay -r "$TMP/rules" --redis "$URL" --redis-prefix r: \
	--sensor-name mxr "$TMP/mx.pcap"
check "replay: exit 69" [ "$rc" -eq 69 ]
check "replay: the refused series named" grep -q \
	"^lockwatch: redis: key r:series:$HOUR holds the wrong kind of value (the rest of the batch was stored)\$" "$TMP/r.err"
check "replay: the loss said" grep -q \
	"refused in a batch that landed, 2 attempt(s) counted as lost: r:series:$HOUR (WRONGTYPE)\$" "$TMP/r.err"
check "replay: sensor lost 2" [ "$($RCLI hget r:sensor:mxr lost)" = 2 ]
