#!/bin/sh
# Integration: lockwatchd without a journal. In a mount namespace with an
# empty tmpfs over /run/systemd/journal the socket is really absent: the
# alerts must come out on stderr with the same fields, one line each. The
# journal vanishing and coming back while the daemon runs is followed
# both ways. Then bad input: settings, rules, files and interfaces that
# cannot be used give a clear message and the documented exit status.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"
need unshare nsenter python3 setpriv
journal_ready
chmod 755 "$TMP" # the unprivileged runs below read the rules

cat >"$TMP/rules" <<'RULES'
allow test-gw 198.51.100.0/24
RULES
"$LWGEN" -o "$TMP/breach.pcap" --script - <<'S' || not_ok "lwgen"
0 198.51.100.10 192.0.2.25 smtp gw1.example
1 203.0.113.7   192.0.2.25 refused
2 203.0.113.66  192.0.2.25 smtp spam"mer.example
S

# --- no journal socket at all
rc=0
unshare -m --propagation private sh -c \
	'mount -t tmpfs tmpfs /run/systemd/journal && exec "$@"' sh \
	"$LOCKWATCHD" --rules "$TMP/rules" --sensor-name "$SENSOR_BASE-nojournal" \
	-r "$TMP/breach.pcap" >"$TMP/nj.out" 2>"$TMP/nj.err" || rc=$?
check "no journal: exit status 0" [ "$rc" -eq 0 ]
check "no journal: says where alerts go, once" \
	sh -c "[ \$(grep -c 'journal unavailable.*alerts go to standard error' '$TMP/nj.err') -eq 1 ]"
stderr_alerts "$TMP/nj.err" "$TMP/nj.json"
check "no journal: every alert on stderr" alerts_is "$TMP/nj.json" \
	'[x["LOCKWATCH_EVENT"] for x in a]' '["attempt", "reached", "smtp", "attempt", "summary"]'
check "no journal: the same fields as in the journal" alerts_is "$TMP/nj.json" \
	'[ev("smtp")[0].get(k) for k in ("MESSAGE_ID","PRIORITY","SYSLOG_IDENTIFIER","LOCKWATCH_SENSOR","LOCKWATCH_SRC","LOCKWATCH_DST","LOCKWATCH_DST_PORT","LOCKWATCH_OUTCOME","LOCKWATCH_HELO")]' \
	"[\"3827c73689f74aa6a935aff5d98506d0\", \"2\", \"lockwatchd\", \"$SENSOR_BASE-nojournal\", \"203.0.113.66\", \"192.0.2.25\", \"25\", \"smtp\", \"spam\\\"mer.example\"]"
check "no journal: one line per alert" \
	sh -c "[ \$(grep -c '^lockwatchd: MESSAGE_ID=' '$TMP/nj.err') -eq 5 ]"
check "no journal: nothing reached the journal" \
	sh -c "[ -z \"\$(journalctl --no-pager -o cat LOCKWATCH_SENSOR=$SENSOR_BASE-nojournal)\" ]"

# --- --foreground: stderr even with a journal
rc=0
"$LOCKWATCHD" --rules "$TMP/rules" --sensor-name "$SENSOR_BASE-fg" --foreground \
	-r "$TMP/breach.pcap" >"$TMP/fg.out" 2>"$TMP/fg.err" || rc=$?
stderr_alerts "$TMP/fg.err" "$TMP/fg.json"
check "foreground: alerts on stderr" alerts_is "$TMP/fg.json" 'len(a)' 5

# --- the journal goes away under a running daemon, and comes back
SENSOR="$SENSOR_BASE-vanish"
unshare -m --propagation private "$LOCKWATCHD" --rules "$TMP/rules" --sensor-name "$SENSOR" \
	--linger-after-replay -r "$TMP/breach.pcap" >"$TMP/v.out" 2>"$TMP/v.err" &
pid=$!
on_exit "kill $pid 2>/dev/null"
check "vanish: alerts go to the journal first" journal_dump "$SENSOR" "$TMP/v1.json" 5
nsenter -t $pid -m mount -t tmpfs tmpfs /run/systemd/journal
kill -HUP $pid
check "vanish: the reload alert falls back to stderr" wait_for 5 \
	grep -q '^lockwatchd: MESSAGE_ID=9019f1e23c384045a572059f7a18dfc7 .*LOCKWATCH_EVENT=rules_reloaded' "$TMP/v.err"
check "vanish: the switch is announced" grep -q 'journal unavailable' "$TMP/v.err"
nsenter -t $pid -m umount /run/systemd/journal
kill -HUP $pid
check "vanish: the next alert is in the journal again" journal_dump "$SENSOR" "$TMP/v2.json" 6
check "vanish: and the return is announced" grep -q 'journal accepts alerts again' "$TMP/v.err"
kill -TERM $pid
daemon_wait $pid
check "vanish: clean exit" [ "$rc" -eq 0 ]

# --- bad input: message and exit status
lwd_err() { # lwd_err NAME ARGS...: stderr in $TMP/NAME.err, status in $rc
	name=$1
	shift
	rc=0
	"$LOCKWATCHD" "$@" >"$TMP/$name.out" 2>"$TMP/$name.err" || rc=$?
}
printf 'rules = %s\ncolour = blue\n' "$TMP/rules" >"$TMP/bad.conf"
lwd_err badconf --config "$TMP/bad.conf" -r "$TMP/breach.pcap"
check "bad config line: exit 64" [ "$rc" -eq 64 ]
check "bad config line: file:line and the key" grep -q "bad.conf:2: error: unknown key 'colour'" "$TMP/badconf.err"
printf 'flood-rate = lots\n' >"$TMP/bad2.conf"
lwd_err badval --config "$TMP/bad2.conf" -r "$TMP/breach.pcap"
check "bad config value: names key and value" \
	grep -q "bad2.conf:1: error: flood-rate: 'lots' is not a number" "$TMP/badval.err"
lwd_err noconf --config "$TMP/missing.conf" -r "$TMP/breach.pcap"
check "missing --config file: exit 66" [ "$rc" -eq 66 ]
check "missing --config file: named" grep -q "missing.conf: cannot read settings" "$TMP/noconf.err"
lwd_err norules --rules "$TMP/missing.rules" -r "$TMP/breach.pcap"
check "missing rules: exit 66 with the file named" \
	sh -c "[ $rc -eq 66 ] && grep -q 'missing.rules: cannot read rules' '$TMP/norules.err'"
printf 'allow x 10.0.0.0/33\n' >"$TMP/broken.rules"
lwd_err brokenrules --rules "$TMP/broken.rules" -r "$TMP/breach.pcap"
check "broken rules: exit 65 with file:line" \
	sh -c "[ $rc -eq 65 ] && grep -q 'broken.rules:1:' '$TMP/brokenrules.err'"
lwd_err noiface --rules "$TMP/rules" -i lwnosuch0
check "unknown interface: exit 66, named" \
	sh -c "[ $rc -eq 66 ] && grep -q 'lwnosuch0: no such interface' '$TMP/noiface.err'"
rc=0
setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all --bounding-set=-all \
	"$LOCKWATCHD" --rules "$TMP/rules" -i lo >"$TMP/noperm.out" 2>"$TMP/noperm.err" || rc=$?
check "no permission to capture: exit 66, says why" \
	sh -c "[ $rc -eq 66 ] && grep -q 'lo: permission denied' '$TMP/noperm.err'"
lwd_err nofile --rules "$TMP/rules" -r "$TMP/missing.pcap"
check "missing capture file: exit 66" [ "$rc" -eq 66 ]
lwd_err both --rules "$TMP/rules" -i lo -r "$TMP/breach.pcap"
check "interface and files: exit 64" [ "$rc" -eq 64 ]
lwd_err nothing --rules "$TMP/rules"
check "nothing to watch: exit 64, says what to give" \
	sh -c "[ $rc -eq 64 ] && grep -q 'give -i IFACE' '$TMP/nothing.err'"
lwd_err badopt --no-such-option
check "unknown option: exit 64" [ "$rc" -eq 64 ]
lwd_err badnum --flush-interval 0 -r "$TMP/breach.pcap"
check "option out of range: exit 64, named" \
	sh -c "[ $rc -eq 64 ] && grep -q 'flush-interval: 0 is out of range' '$TMP/badnum.err'"
lwd_err version --version
check "--version" sh -c "[ $rc -eq 0 ] && grep -q '^lockwatchd [0-9]' '$TMP/version.out'"
lwd_err help --help
check "--help lists every settings key" sh -c "[ $rc -eq 0 ] && grep -q -- '--dedup-window' '$TMP/help.out' && grep -q -- '--linger-after-replay' '$TMP/help.out'"
