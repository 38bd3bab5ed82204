#!/bin/sh
# Integration, live: two network namespaces joined by a veth pair (made
# here, removed on exit; addresses from 192.0.2.0/24 only). lockwatchd
# captures on the server's end as root and must switch to the lockwatch
# user with no capability left (/proc/PID/status); a client outside the
# allowed ranges connects to a socat listener on port 25 and speaks EHLO:
# "attempt", "reached" and "smtp" alerts follow. A SIGHUP that allows the
# client makes its next connection silent; SIGTERM stops cleanly.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"
need ip socat useradd python3 setpriv
journal_ready
chmod 755 "$TMP" # the daemon reloads its rules as the lockwatch user

if ! id lockwatch >/dev/null 2>&1; then
	useradd --system --no-create-home --shell /usr/sbin/nologin lockwatch ||
		{ not_ok "cannot create the lockwatch user"; exit 1; }
fi
uid=$(id -u lockwatch)
gid=$(id -g lockwatch)

veth_pair l

ip netns exec "$SRV" socat TCP-LISTEN:25,bind=192.0.2.25,reuseaddr,fork \
	SYSTEM:'echo "220 mx.test ESMTP"; sleep 1' 2>/dev/null &
listener=$!
on_exit "kill $listener 2>/dev/null"

cat >"$TMP/rules" <<'RULES'
allow test-gw 198.51.100.0/24
RULES
chmod 644 "$TMP/rules"
SENSOR="$SENSOR_BASE-live"
notify_listen "$TMP/notify.sock" "$TMP/notify.log"
NOTIFY_SOCKET="$TMP/notify.sock" ip netns exec "$SRV" "$LOCKWATCHD" -i "$VS" \
	--rules "$TMP/rules" --sensor-name "$SENSOR" --dedup-window 0 >"$TMP/out" 2>"$TMP/err" &
pid=$! # ip netns exec execs the daemon: same pid
on_exit "kill $pid 2>/dev/null"
check "live: READY=1 once the capture is open" wait_for 5 grep -q '^READY=1' "$TMP/notify.log"

# --- privileges: nothing left after the capture is open
status_is() { # status_is FIELD EXPECTED
	got=$(awk -v f="$1:" '$1 == f { $1 = ""; sub(/^ /, ""); print }' "/proc/$pid/status")
	[ "$got" = "$2" ] && return 0
	echo "# /proc/$pid/status $1: expected '$2', got '$got'" >&2
	return 1
}
check "priv: runs as lockwatch (real, effective, saved, fs uid)" status_is Uid "$uid $uid $uid $uid"
check "priv: with its group" status_is Gid "$gid $gid $gid $gid"
check "priv: no supplementary groups" status_is Groups "$gid"
for cap in CapInh CapPrm CapEff CapBnd CapAmb; do
	check "priv: $cap empty" status_is $cap 0000000000000000
done
check "priv: no_new_privs" status_is NoNewPrivs 1

# --- an outside client reaches the server and speaks SMTP
ip netns exec "$CLI" sh -c 'printf "EHLO evil.example\r\n" | socat -t 2 - TCP:192.0.2.25:25' \
	>"$TMP/client.out" 2>&1
check "live: the client was answered (the breach is real)" grep -q '^220 mx.test' "$TMP/client.out"
check "live: attempt, reached and smtp alerts" journal_dump "$SENSOR" "$TMP/j1.json" 3
check "live: reached alert fields" alerts_is "$TMP/j1.json" \
	'[ev("reached")[0].get(k) for k in ("PRIORITY","LOCKWATCH_SRC","LOCKWATCH_DST","LOCKWATCH_DST_PORT")]' \
	'["2", "192.0.2.99", "192.0.2.25", "25"]'
check "live: smtp alert carries the HELO" alerts_is "$TMP/j1.json" \
	'[ev("smtp")[0].get(k) for k in ("LOCKWATCH_HELO","LOCKWATCH_OUTCOME")]' '["evil.example", "smtp"]'
check "live: STATUS= counts it" wait_for 3 grep -q '^STATUS=.*outside sources 1, reached 1' "$TMP/notify.log"

# --- reload (as the unprivileged user) allows the client: it goes silent
printf 'allow test-gw 198.51.100.0/24\nallow lab 192.0.2.99/32\n' >"$TMP/rules"
kill -HUP $pid
check "reload: rules_reloaded" wait_for 5 sh -c \
	"journalctl --no-pager -o cat LOCKWATCH_SENSOR=$SENSOR LOCKWATCH_EVENT=rules_reloaded | grep -q reloaded"
ip netns exec "$CLI" sh -c 'printf "EHLO evil.example\r\n" | socat -t 2 - TCP:192.0.2.25:25' \
	>/dev/null 2>&1
kill -TERM $pid
daemon_wait $pid
check "stop: exit status 0" [ "$rc" -eq 0 ]
check "stop: final summary" journal_dump "$SENSOR" "$TMP/j2.json" 5
check "reload: the allowed client raised nothing more" alerts_is "$TMP/j2.json" \
	'[len(ev("attempt")), len(ev("reached")), len(ev("smtp"))]' '[1, 1, 1]'
check "stop: summary counts both connections and the one outside" alerts_is "$TMP/j2.json" \
	'[ev("summary")[-1][k] for k in ("LOCKWATCH_ATTEMPTS", "LOCKWATCH_VERDICT")]' '["1", "not_effective"]'
check "stop: no errors on stderr" sh -c "! grep -v '^lockwatchd: capturing on' '$TMP/err'"

# --- as the unit starts it: the unprivileged user with CAP_NET_RAW only
# (ambient), which the daemon drops once the capture is open
: >"$TMP/notify.log"
NOTIFY_SOCKET="$TMP/notify.sock" ip netns exec "$SRV" setpriv --reuid "$uid" --regid "$gid" \
	--clear-groups --inh-caps=-all,+net_raw --ambient-caps=+net_raw --bounding-set=-all,+net_raw \
	"$LOCKWATCHD" -i "$VS" --rules "$TMP/rules" --sensor-name "$SENSOR-unit" >"$TMP/unit.out" \
	2>"$TMP/unit.err" &
pid=$!
on_exit "kill $pid 2>/dev/null"
check "unit-style: READY=1 with CAP_NET_RAW alone" wait_for 5 grep -q '^READY=1' "$TMP/notify.log"
for cap in CapInh CapPrm CapEff CapAmb; do
	check "unit-style: $cap empty after the capture opened" status_is $cap 0000000000000000
done
check "unit-style: no_new_privs" status_is NoNewPrivs 1
check "unit-style: still the same user" status_is Uid "$uid $uid $uid $uid"
kill -TERM $pid
daemon_wait $pid
check "unit-style: clean exit" [ "$rc" -eq 0 ]
