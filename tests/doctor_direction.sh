#!/bin/sh
# Integration: lockwatch doctor tells "outbound mail only" (the mail host's
# own connections to another host's port 25: a capture that works, but
# nothing of the lockdown) apart from "the capture sees one direction".
# Capture files from lwgen with the host named by --server or a `server`
# line; live, a veth pair made here (192.0.2.0/24 only, removed on exit)
# where the host's own addresses are the interface's.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need ip socat python3

printf 'allow test-gw 198.51.100.0/24\n' >"$TMP/rules"
{ echo 'server 192.0.2.25'; cat "$TMP/rules"; } >"$TMP/rules-server"
"$LWGEN" -o "$TMP/out.pcap" --script - <<'S' || not_ok "lwgen outbound"
0 192.0.2.25 203.0.113.25 smtp mx.example
5 192.0.2.25 203.0.113.26 refused
S
"$LWGEN" --oneway -o "$TMP/oneway.pcap" --script - <<'S' || not_ok "lwgen one-way"
0  198.51.100.10 192.0.2.25 smtp gw1.example
10 203.0.113.7   192.0.2.25 refused
S
doctor() { # doctor OUT ARGS...: lockwatch doctor, status in $rc
	_out=$1
	shift
	rc=0
	"$@" >"$TMP/$_out" 2>"$TMP/$_out.err" || rc=$?
}
line() { # line FILE STATE PATTERN: the directions line says so
	grep -q "^$2  directions: $3" "$TMP/$1" && return 0
	sed 's/^/#   /' "$TMP/$1" >&2
	return 1
}

doctor f1 "$LOCKWATCH" doctor -r "$TMP/rules" --capture-file "$TMP/out.pcap" --server 192.0.2.25
check "file, --server: exit 1" [ "$rc" -eq 1 ]
check "file, --server: outbound mail only" line f1 FAIL \
	"outbound mail only: 2 SYN(s) from the mail host to another host's port 25 and 2 replies in $TMP/out.pcap, but no connection to the mail host itself"
check "file, --server: says what to do" grep -q "^      fix: make a test connection to the mail host's port 25" "$TMP/f1"
doctor f2 "$LOCKWATCH" doctor -r "$TMP/rules-server" --capture-file "$TMP/out.pcap"
check "file, server line: outbound mail only" line f2 FAIL "outbound mail only: 2 SYN(s)"
doctor f3 "$LOCKWATCH" doctor -r "$TMP/rules" --capture-file "$TMP/out.pcap"
check "file, no server named: both halves seen, as before" line f3 PASS "2 SYN(s) to port 25 and 2 server replies"
doctor f4 "$LOCKWATCH" doctor -r "$TMP/rules" --capture-file "$TMP/oneway.pcap" -s 192.0.2.25
check "file, one way: one direction, not outbound" line f4 FAIL \
	"2 SYN(s) to port 25 but no server reply .*one direction only"
run_lw "$TMP/bad" "$TMP/bad.err" doctor --server mx.example
check "bad --server: usage error" sh -c "[ $rc -eq 64 ] && grep -q \"doctor: --server: 'mx.example' is not an IPv4 or IPv6 address\" '$TMP/bad.err'"

# --- live: the host sends mail out while doctor watches its interface
[ "$(id -u)" -eq 0 ] || { not_ok "the live part needs root (network namespaces)"; exit 1; }
veth_pair d
ip netns exec "$CLI" socat TCP-LISTEN:25,bind=192.0.2.99,reuseaddr,fork \
	SYSTEM:'echo "220 remote.test ESMTP"' 2>/dev/null &
listener=$!
on_exit "kill $listener 2>/dev/null"
sleep 0.3
ip netns exec "$SRV" sh -c 'i=0; while [ $i -lt 10 ]; do
	socat -T 1 /dev/null TCP:192.0.2.99:25,connect-timeout=1 2>/dev/null
	sleep 0.2; i=$((i + 1)); done' &
senders=$!
on_exit "kill $senders 2>/dev/null"
doctor live ip netns exec "$SRV" "$LOCKWATCH" doctor -i "$VS" -r "$TMP/rules" --seconds 2
check "live: outbound mail only, told by the interface's addresses" line live FAIL \
	"outbound mail only: [1-9][0-9]* SYN(s) from the mail host to another host's port 25 and [1-9][0-9]* repl"
