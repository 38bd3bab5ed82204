#!/bin/sh
# Integration: lockwatch doctor, every check seen passing and failing with
# the real parts: a veth pair between two namespaces made here (addresses
# from 192.0.2.0/24 only, traffic only inside them, removed on exit) with a
# listener on port 25, nftables dropping port 25 for the one-way case, a
# real redis-server (running, with a read-only ACL user, then stopped), the
# journal (present, then hidden by a tmpfs in a mount namespace), capture
# files from lwgen with and without the server's side. Only the clock is
# faked (LOCKWATCH_DOCTOR_CLOCK): the system's cannot be changed from here.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"
. "$top_srcdir/tests/redis_lib.sh"
need ip socat nft unshare setpriv python3
need_redis
journal_ready
chmod 755 "$TMP"

NOW=$(date +%s)
SYNCED="$NOW:synced"
printf 'allow test-gw 198.51.100.0/24\n' >"$TMP/rules"
chmod 644 "$TMP/rules"
cat >"$TMP/script" <<'S'
0  198.51.100.10 192.0.2.25 smtp gw1.example
10 203.0.113.7   192.0.2.25 refused
20 203.0.113.8   192.0.2.25 unanswered
S
"$LWGEN" -o "$TMP/twoway.pcap" --script "$TMP/script" || not_ok "lwgen two-way"
"$LWGEN" --oneway -o "$TMP/oneway.pcap" --script "$TMP/script" || not_ok "lwgen one-way"

# doctor OUT ARGS...: runs lockwatch doctor, status in $rc
doctor() {
	_out=$1
	shift
	rc=0
	LOCKWATCH_DOCTOR_CLOCK=${CLOCK-$SYNCED} "$@" >"$TMP/$_out" 2>"$TMP/$_out.err" || rc=$?
}
# line FILE STATE CHECK [PATTERN]: the check's line has that state (and text)
line() {
	if grep -q "^$2  $3: ${4:-}" "$TMP/$1"; then
		return 0
	fi
	echo "# $1: no '$2  $3: ${4:-}' line in:" >&2
	sed 's/^/#   /' "$TMP/$1" >&2
	return 1
}
fix_follows() { # fix_follows FILE CHECK: a FAIL line is followed by what to do
	awk -v c="FAIL  $2:" 'found { exit !/^      fix: ./ } index($0, c) == 1 { found = 1 } END { exit !found }' "$TMP/$1"
}

# --- the namespaces: a server with a listener on 25, a client
veth_pair o
ip netns exec "$SRV" socat TCP-LISTEN:25,bind=192.0.2.25,reuseaddr,fork \
	SYSTEM:'echo "220 mx.test ESMTP"' 2>/dev/null &
listener=$!
on_exit "kill $listener 2>/dev/null"
# clients: connections to port 25 every 0.2 s for about 4 s, in the background
clients() {
	ip netns exec "$CLI" sh -c 'i=0; while [ $i -lt 20 ]; do
		socat -T 1 /dev/null TCP:192.0.2.25:25,connect-timeout=1 2>/dev/null
		sleep 0.2; i=$((i + 1)); done' &
	clients_pid=$!
	on_exit "kill $clients_pid 2>/dev/null"
	sleep 0.3
}

# --- Redis: a sensor that wrote its health, a read-only ACL user
redis_start_unix dr
URL="unix:$TMP/dr.sock"
run_lw "$TMP/seed.out" "$TMP/seed.err" replay -r "$TMP/rules" --redis "$URL" --sensor-name mx1 \
	"$TMP/twoway.pcap"
redis-cli -s "$TMP/dr.sock" ACL SETUSER ro on '>ropw' '~*' '+@read' '+client|id' '+ping' >/dev/null

# --- everything passes
clients
doctor all ip netns exec "$SRV" "$LOCKWATCH" doctor -i "$VS" -r "$TMP/rules" --redis "$URL" \
	--seconds 2
check "all pass: exit 0" [ "$rc" -eq 0 ]
check "all pass: no FAIL line" sh -c "! grep -q '^FAIL' '$TMP/all'"
check "rules PASS names the sets in force" line all PASS rules ".*sets in force: test-gw"
check "interface PASS" line all PASS interface "$VS exists"
check "capture PASS (pcap_activate)" line all PASS capture "$VS opened for capture"
check "directions PASS: SYNs and replies seen live" line all PASS directions \
	"[1-9][0-9]* SYN(s) to port 25 and [1-9][0-9]* server repl"
check "journal PASS (a test entry sent)" line all PASS journal "/run/systemd/journal/socket accepted"
check "the test entry is in the journal" wait_for 5 sh -c \
	"journalctl --no-pager -o cat MESSAGE_ID=8272ccba4cec4aca81d792d3eef55c16 | grep -q 'doctor: journal check'"
check "redis PASS" line all PASS redis "$URL: connected"
check "redis-write PASS" line all PASS redis-write "SET and DEL of lockwatch:doctor:"
check "the probe key is gone" sh -c "[ -z \"\$(redis-cli -s '$TMP/dr.sock' --scan --pattern 'lockwatch:doctor:*')\" ]"
check "clock PASS" line all PASS clock ".*synchronised"
check "kernel-drops PASS: live and the sensor in Redis" line all PASS kernel-drops \
	"none: 0 during the 2 s watch of $VS; sensors in Redis: mx1 0"
check "summary line" grep -q '^9 passed, 0 failed$' "$TMP/all"
wait "$clients_pid" 2>/dev/null

# --- directions: nothing on port 25 during the watch
doctor quiet ip netns exec "$SRV" "$LOCKWATCH" doctor -i "$VS" -r "$TMP/rules" --seconds 1
check "quiet: exit 1" [ "$rc" -eq 1 ]
check "quiet: directions FAIL, nothing to judge by" line quiet FAIL directions "no handshake on port 25"
check "quiet: says what to do" fix_follows quiet directions
check "quiet: the other checks still pass" line quiet PASS capture
check "quiet: lists what was not checked" grep -q 'not checked: redis (give --redis URL)' "$TMP/quiet"

# --- directions: port 25 dropped by nftables, SYNs without replies
ip netns exec "$SRV" nft -f - <<'NFT' || not_ok "nft"
table inet lwdoctor {
	chain input { type filter hook input priority 0; policy accept; tcp dport 25 drop; }
}
NFT
clients
doctor drop ip netns exec "$SRV" "$LOCKWATCH" doctor -i "$VS" -r "$TMP/rules" --seconds 2
check "one-way live: directions FAIL" line drop FAIL directions "[1-9][0-9]* SYN(s) to port 25 but no server reply in 2 s on $VS"
check "one-way live: says what to do" fix_follows drop directions
ip netns exec "$SRV" nft delete table inet lwdoctor
wait "$clients_pid" 2>/dev/null

# --- directions from capture files
doctor file2 "$LOCKWATCH" doctor -r "$TMP/rules" --capture-file "$TMP/twoway.pcap"
check "two-way file: exit 0" [ "$rc" -eq 0 ]
check "two-way file: directions PASS" line file2 PASS directions \
	"3 SYN(s) to port 25 and 2 server replies (1 SYN-ACK, 1 RST, 0 ICMP unreachable) in $TMP/twoway.pcap"
doctor file1 "$LOCKWATCH" doctor -r "$TMP/rules" --capture-file "$TMP/oneway.pcap"
check "one-way file: exit 1" [ "$rc" -eq 1 ]
check "one-way file: directions FAIL" line file1 FAIL directions "3 SYN(s) to port 25 but no server reply in $TMP/oneway.pcap"
doctor file0 "$LOCKWATCH" doctor -r "$TMP/rules" --capture-file "$TMP/missing.pcap"
check "missing file: directions FAIL names it" line file0 FAIL directions ".*missing.pcap"

# --- interface and capture
doctor noif "$LOCKWATCH" doctor -r "$TMP/rules" -i lwnosuch0
check "no such interface: FAIL" line noif FAIL interface "lwnosuch0: no such interface"
check "no such interface: says what to do" fix_follows noif interface
rc=0
LOCKWATCH_DOCTOR_CLOCK=$SYNCED setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all \
	--bounding-set=-all "$LOCKWATCH" doctor -r "$TMP/rules" -i lo --seconds 1 >"$TMP/noperm" 2>&1 || rc=$?
check "no permission: capture FAIL" line noperm FAIL capture "lo: permission denied"
check "no permission: says to use root or CAP_NET_RAW" grep -q 'fix: .*CAP_NET_RAW' "$TMP/noperm"
check "no permission: the interface itself passes" line noperm PASS interface "lo exists"

# --- rules
doctor norules "$LOCKWATCH" doctor -r "$TMP/missing.rules"
check "missing rules: FAIL" line norules FAIL rules ".*missing.rules: cannot read"
printf 'allow x 10.0.0.0/33\n' >"$TMP/broken.rules"
doctor broken "$LOCKWATCH" doctor -r "$TMP/broken.rules"
check "broken rules: FAIL with file:line" line broken FAIL rules ".*broken.rules does not load: .*broken.rules:1:"
check "broken rules: points to rules check" grep -q "fix: 'lockwatch rules check FILE'" "$TMP/broken"
printf 'set gw {\n\t198.51.100.0/24\n}\nport 25\n' >"$TMP/noset.rules"
doctor noset "$LOCKWATCH" doctor -r "$TMP/noset.rules"
check "no set in force: FAIL" line noset FAIL rules ".*puts no gateway set in force"

# --- journal: the socket hidden in a mount namespace
rc=0
LOCKWATCH_DOCTOR_CLOCK=$SYNCED unshare -m --propagation private sh -c \
	'mount -t tmpfs tmpfs /run/systemd/journal && exec "$@"' sh \
	"$LOCKWATCH" doctor -r "$TMP/rules" >"$TMP/nojournal" 2>&1 || rc=$?
check "no journal: exit 1" [ "$rc" -eq 1 ]
check "no journal: FAIL" line nojournal FAIL journal "no socket at /run/systemd/journal/socket"
check "no journal: says what to do" fix_follows nojournal journal

# --- Redis: read-only user, wrong password, a sensor with drops, stopped
LOCKWATCH_REDIS_PASSWORD=ropw doctor ro "$LOCKWATCH" doctor -r "$TMP/rules" --redis "$URL?user=ro"
check "read-only user: redis PASS (authenticated)" line ro PASS redis ".*connected and authenticated"
check "read-only user: redis-write FAIL" line ro FAIL redis-write "SET/DEL lockwatch:doctor:.* refused: NOPERM"
check "read-only user: says what to grant" fix_follows ro redis-write
LOCKWATCH_REDIS_PASSWORD=wrong doctor badpw "$LOCKWATCH" doctor -r "$TMP/rules" --redis "$URL?user=ro"
check "wrong password: redis FAIL" line badpw FAIL redis ".*WRONGPASS"
check "wrong password: says to check the password" grep -q 'fix: check the password' "$TMP/badpw"
redis-cli -s "$TMP/dr.sock" HSET lockwatch:sensor:mx2 kernel_drops 7 >/dev/null
redis-cli -s "$TMP/dr.sock" SADD lockwatch:sensors mx2 >/dev/null
doctor drops "$LOCKWATCH" doctor -r "$TMP/rules" --redis "$URL"
check "sensor drops: kernel-drops FAIL naming the sensor" line drops FAIL kernel-drops \
	"sensors in Redis: .*mx2 7"
check "sensor drops: says what to do" fix_follows drops kernel-drops
redis-cli -s "$TMP/dr.sock" shutdown nosave >/dev/null 2>&1
wait_for 5 sh -c "! redis-cli -s '$TMP/dr.sock' ping >/dev/null 2>&1"
doctor stopped "$LOCKWATCH" doctor -r "$TMP/rules" --redis "$URL"
check "stopped Redis: exit 1" [ "$rc" -eq 1 ]
check "stopped Redis: redis FAIL" line stopped FAIL redis ".*dr.sock: "
check "stopped Redis: says what to do" fix_follows stopped redis

# --- clock
CLOCK="978307200:synced" doctor old "$LOCKWATCH" doctor -r "$TMP/rules"
check "clock in 2001: FAIL" line old FAIL clock "the system time is 2001-01-01T00:00:00Z"
CLOCK="$NOW:unsynced" doctor unsync "$LOCKWATCH" doctor -r "$TMP/rules"
check "unsynchronised clock: FAIL" line unsync FAIL clock ".*not synchronised"
check "unsynchronised clock: says what to do" fix_follows unsync clock
rc=0
env -u LOCKWATCH_DOCTOR_CLOCK "$LOCKWATCH" doctor -r "$TMP/rules" >"$TMP/realclock" 2>&1 || rc=$?
check "the real clock is read (adjtimex)" grep -Eq '^(PASS|FAIL)  clock: [0-9]{4}-.*(synchronised|adjtimex)' "$TMP/realclock"

# --- usage
doctor u1 "$LOCKWATCH" doctor --no-such-option
check "unknown option: exit 64" [ "$rc" -eq 64 ]
doctor u2 "$LOCKWATCH" doctor --seconds 0
check "--seconds 0: exit 64" [ "$rc" -eq 64 ]
doctor u3 "$LOCKWATCH" doctor -r "$TMP/rules" --redis "http://x"
check "bad Redis URL: exit 64" [ "$rc" -eq 64 ]
doctor u4 "$LOCKWATCH" doctor extra
check "stray argument: exit 64" [ "$rc" -eq 64 ]
doctor help "$LOCKWATCH" doctor --help
check "--help: exit 0, names the journal entry it sends" sh -c "[ $rc -eq 0 ] && grep -q 'MESSAGE_ID=8272' '$TMP/help'"
