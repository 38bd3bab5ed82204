#!/bin/sh
# Integration: lockwatchd with a real redis-server of its own (a Unix
# socket in the test's directory): the aggregates land under the DESIGN.md
# section 6 keys; Redis going away raises "redis_lost" while capture and
# alerts go on, its return "redis_regained", and what was held then lands.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"
need redis-server redis-cli python3
journal_ready

SOCK="$TMP/redis.sock"
redis_start() {
	redis-server --port 0 --unixsocket "$SOCK" --save '' --appendonly no \
		--daemonize yes --pidfile "$TMP/redis.pid" --logfile "$TMP/redis.log" ||
		{ not_ok "redis-server did not start"; exit 1; }
	wait_for 5 redis-cli -s "$SOCK" ping >/dev/null 2>&1
}
redis_stop() {
	[ -f "$TMP/redis.pid" ] && kill "$(cat "$TMP/redis.pid")" 2>/dev/null
	wait_for 5 sh -c "[ ! -S '$SOCK' ]"
}
on_exit redis_stop
rcli() { redis-cli -s "$SOCK" "$@"; }

cat >"$TMP/rules" <<'RULES'
allow test-gw 198.51.100.0/24
RULES
"$LWGEN" -o "$TMP/breach.pcap" --script - <<'S' || not_ok "lwgen"
0 198.51.100.10 192.0.2.25 smtp gw1.example
1 203.0.113.7   192.0.2.25 refused
2 203.0.113.66  192.0.2.25 smtp spammer.example
S
redis_start
SENSOR="$SENSOR_BASE-redis"
"$LOCKWATCHD" --rules "$TMP/rules" --sensor-name "$SENSOR" --redis "unix:$SOCK" \
	--redis-prefix "lwt:" --linger-after-replay -r "$TMP/breach.pcap" >"$TMP/out" 2>"$TMP/err" &
pid=$!
on_exit "kill $pid 2>/dev/null"
check "redis: the breach lands per source" wait_for 5 \
	sh -c "[ \"\$(redis-cli -s '$SOCK' HGET lwt:src:203.0.113.66 smtp)\" = 1 ]"
check "redis: HELO and sensor recorded" sh -c \
	"[ \"\$(redis-cli -s '$SOCK' HMGET lwt:src:203.0.113.66 last_helo last_sensor | tr '\n' ' ')\" = 'spammer.example $SENSOR ' ]"
check "redis: reached index" sh -c "redis-cli -s '$SOCK' ZRANGE lwt:reached 0 -1 | grep -qx 203.0.113.66"
check "redis: sensor hash" sh -c "[ -n \"\$(redis-cli -s '$SOCK' HGET lwt:sensor:$SENSOR last_flush)\" ]"

redis_stop
check "redis gone: redis_lost alert" wait_for 8 sh -c \
	"journalctl --no-pager -o cat LOCKWATCH_SENSOR=$SENSOR LOCKWATCH_EVENT=redis_lost | grep -q 'cannot write'"
check "redis gone: the daemon goes on" kill -0 $pid
rm -f "$TMP/redis.pid"
redis_start
check "redis back: redis_regained alert" wait_for 40 sh -c \
	"journalctl --no-pager -o cat LOCKWATCH_SENSOR=$SENSOR LOCKWATCH_EVENT=redis_regained | grep -q 'writes again'"
journal_dump "$SENSOR" "$TMP/j.json" 7
check "redis alerts: priorities and ids" alerts_is "$TMP/j.json" \
	'[(x["PRIORITY"], x["MESSAGE_ID"]) for x in ev("redis_lost") + ev("redis_regained")]' \
	'[["4", "da9f2e84ffae4680a43416fa6d72eb80"], ["5", "9ff241f7b95e480bb7e6959e673dbee7"]]'
check "redis back: the sensor writes again" wait_for 5 \
	sh -c "[ -n \"\$(redis-cli -s '$SOCK' HGET lwt:sensor:$SENSOR last_flush)\" ]"
kill -TERM $pid
daemon_wait $pid
check "stop: exit 0 after the final flush" [ "$rc" -eq 0 ]
