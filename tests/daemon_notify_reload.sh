#!/bin/sh
# Integration: lockwatchd under a service manager's eyes. The test binds
# the NOTIFY_SOCKET and reads READY=1, STATUS= with live counters,
# WATCHDOG=1 (WATCHDOG_USEC), RELOADING=1 and STOPPING=1; SIGHUP reloads a
# good rules file ("rules_reloaded"), keeps the old rules for a broken one
# ("rules_rejected" naming file:line) and for changed ports; SIGTERM ends
# with a clean exit. The daemon replays a capture and lingers.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"
journal_ready

cat >"$TMP/rules" <<'RULES'
allow test-gw 198.51.100.0/24
exception 192.0.2.50/32 backup-mx "secondary MX"
RULES
"$LWGEN" -o "$TMP/breach.pcap" --script - <<'S' || not_ok "lwgen"
0 198.51.100.10 192.0.2.25 smtp gw1.example
1 203.0.113.7   192.0.2.25 refused
2 203.0.113.66  192.0.2.25 smtp spammer.example
3 203.0.113.8   192.0.2.25 accepted
S
SENSOR="$SENSOR_BASE-notify"
notify_listen "$TMP/notify.sock" "$TMP/notify.log"
NOTIFY_SOCKET="$TMP/notify.sock" WATCHDOG_USEC=1000000 \
	"$LOCKWATCHD" --rules "$TMP/rules" --sensor-name "$SENSOR" --linger-after-replay \
	-r "$TMP/breach.pcap" >"$TMP/out" 2>"$TMP/err" &
pid=$!
on_exit "kill $pid 2>/dev/null"

check "notify: READY=1 with a STATUS" wait_for 5 grep -q '^READY=1|STATUS=packets' "$TMP/notify.log"
check "notify: STATUS= shows the live counters" wait_for 5 \
	grep -q '^STATUS=packets 16, attempts 4, outside sources 3, reached 2, kernel drops 0$' "$TMP/notify.log"
check "notify: WATCHDOG=1 at half of WATCHDOG_USEC" wait_for 3 \
	sh -c "[ \$(grep -c '^WATCHDOG=1$' '$TMP/notify.log') -ge 2 ]"
check "replay: alerts and the summary are in the journal" journal_dump "$SENSOR" "$TMP/j0.json" 7
check "replay: the daemon lingers after the files" kill -0 $pid

# --- a good reload: a new set in force, digest changes
digest0=$(alerts "$TMP/j0.json" 'ev("summary")[0]["LOCKWATCH_VERDICT"]')
cat >"$TMP/rules" <<'RULES'
allow test-gw 198.51.100.0/24
allow test-gw2 203.0.113.0/28
exception 192.0.2.50/32 backup-mx "secondary MX"
RULES
kill -HUP $pid
check "reload: rules_reloaded alert" journal_dump "$SENSOR" "$TMP/j1.json" 8
check "reload: its fields" alerts_is "$TMP/j1.json" \
	'[ev("rules_reloaded")[0][k] for k in ("PRIORITY","MESSAGE_ID","LOCKWATCH_RULES")]' \
	"[\"6\", \"9019f1e23c384045a572059f7a18dfc7\", \"$TMP/rules\"]"
check "reload: RELOADING=1 then READY=1" wait_for 3 \
	sh -c "grep -A5 '^RELOADING=1$' '$TMP/notify.log' | grep -q '^READY=1'"
good_digest=$(alerts "$TMP/j1.json" 'ev("rules_reloaded")[0]["LOCKWATCH_RULES_DIGEST"]')

# --- a broken file: rejected with file:line, old rules stay, daemon lives
cat >"$TMP/rules" <<'RULES'
allow test-gw 198.51.100.0/24
# a typo on line 3
allow test-gw2 203.0.113.300/28
RULES
kill -HUP $pid
check "broken reload: rules_rejected alert" journal_dump "$SENSOR" "$TMP/j2.json" 9
check "broken reload: err priority, file:line in LOCKWATCH_ERROR" alerts_is "$TMP/j2.json" \
	'[(x["PRIORITY"], x["MESSAGE_ID"], x["LOCKWATCH_ERROR"].startswith(sys.argv[1].rsplit("/",1)[0] + "/rules:3:")) for x in ev("rules_rejected")]' \
	'[["3", "542e96154655431d90b92c6630586103", true]]'
check "broken reload: the rules in force are still the good ones" alerts_is "$TMP/j2.json" \
	'ev("rules_rejected")[0]["LOCKWATCH_RULES_DIGEST"]' "$good_digest"
check "broken reload: the error is on stderr too" grep -q "rules:3:.*error" "$TMP/err"
check "broken reload: the daemon keeps running" kill -0 $pid

# --- other ports need a restart: rejected, named
printf 'port 25 587\nallow test-gw 198.51.100.0/24\n' >"$TMP/rules"
kill -HUP $pid
check "port change: rejected" journal_dump "$SENSOR" "$TMP/j3.json" 10
check "port change: says to restart" alerts_is "$TMP/j3.json" \
	'"restart lockwatchd" in ev("rules_rejected")[-1]["LOCKWATCH_ERROR"]' 'true'

# --- SIGTERM: STOPPING=1 and a clean exit
kill -TERM $pid
daemon_wait $pid
check "stop: exit status 0" [ "$rc" -eq 0 ]
check "stop: STOPPING=1 sent" wait_for 3 grep -q '^STOPPING=1' "$TMP/notify.log"
check "stop: no complaints on stderr" sh -c "! grep -iq 'sanitizer\|runtime error' '$TMP/err'"
: "$digest0"
