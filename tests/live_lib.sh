# Helpers for the live proof (issue 6), sourced after tests/lib.sh and
# tests/daemon_lib.sh: real kernels, a real firewall, real SMTP clients,
# a real redis-server and journald, and lockwatchd capturing live.
#
# Layout (documentation addresses only; every name carries the test's pid
# so parallel runs cannot collide; all of it is removed on exit, also on
# failure or a signal):
#
#        gw  198.51.100.10  2001:db8:100::10   (the test gateway set)
#         |
#   out --rt-- mx  192.0.2.25  2001:db8:25::25 (SMTP on port 25; lockwatchd
#    |                                          and nftables live here)
#   203.0.113.7, .8  2001:db8:113::7, ::8      (outside)
#   203.0.113.50     2001:db8:113::50          (exception "backup-mx")
#
# A router namespace joins the three hosts with one veth pair each, so
# every host has one interface and a default route, as a real MX has.
need ip nft tc socat python3 redis-server redis-cli journalctl
if [ "$(id -u)" -ne 0 ]; then
	not_ok "the live proof needs root (network namespaces, nftables, packet capture)"
	exit 1
fi
journal_ready
# a signal must run the EXIT trap too, or namespaces would outlive the test
trap 'exit 1' HUP INT TERM
chmod 755 "$TMP" # lockwatchd reaches the Redis socket as the lockwatch user
if ! id lockwatch >/dev/null 2>&1; then
	useradd --system --no-create-home --shell /usr/sbin/nologin lockwatch ||
		{ not_ok "cannot create the lockwatch user"; exit 1; }
fi

NS_RT="lw6-rt-$$"
NS_MX="lw6-mx-$$"
NS_GW="lw6-gw-$$"
NS_OUT="lw6-out-$$"
MX4=192.0.2.25
MX6=2001:db8:25::25
GW4=198.51.100.10
GW6=2001:db8:100::10
OUT4=203.0.113.7
OUT4B=203.0.113.8
OUT6=2001:db8:113::7
OUT6B=2001:db8:113::8
BMX4=203.0.113.50
BMX6=2001:db8:113::50
REDIS_SOCK="$TMP/redis.sock"
# Handshake timeout of the daemon, in seconds: a dropped SYN becomes
# "unanswered" this long after its last retransmission instead of 5 s.
LIVE_TIMEOUT=1
# Bound on every wait for the daemon's counts to reach Redis: the timeout,
# the 1 s tick and the 1 s flush, with room for a loaded machine.
LIVE_WAIT=20

cat >"$TMP/rules" <<RULES
# the test gateway set, in both families, and one labelled exception
allow test-gw 198.51.100.0/24
allow test-gw 2001:db8:100::/48
exception $BMX4/32 backup-mx "secondary MX at the ISP"
exception $BMX6/128 backup-mx "secondary MX at the ISP"
RULES
chmod 644 "$TMP/rules"

# ---- teardown: processes in our namespaces first, then the namespaces
live_teardown() {
	for ns in "$NS_MX" "$NS_GW" "$NS_OUT" "$NS_RT"; do
		# only namespaces this run created: their processes are ours
		for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
		ip netns del "$ns" 2>/dev/null
	done
	if [ -f "$TMP/redis.pid" ]; then
		kill "$(cat "$TMP/redis.pid")" 2>/dev/null
		wait_for 5 sh -c "[ ! -S '$REDIS_SOCK' ]"
	fi
	: # the EXIT hook chain must not end on a failing status
}
on_exit live_teardown

# ---- topology -------------------------------------------------------------
# link NS_A IF_A NS_B IF_B: a veth pair, each end created in its namespace
live_link() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" &&
		ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}
# host NS IF ADDR4/LEN ADDR6/LEN GW4 GW6 [more addresses...]
live_host() {
	_ns=$1 _if=$2 _a4=$3 _a6=$4 _g4=$5 _g6=$6
	shift 6
	ip -n "$_ns" addr add "$_a4" dev "$_if" &&
		ip -n "$_ns" addr add "$_a6" dev "$_if" nodad &&
		ip -n "$_ns" route add default via "$_g4" &&
		ip -n "$_ns" -6 route add default via "$_g6" || return 1
	for _a in "$@"; do
		case $_a in
		*:*) ip -n "$_ns" addr add "$_a" dev "$_if" nodad || return 1 ;;
		*) ip -n "$_ns" addr add "$_a" dev "$_if" || return 1 ;;
		esac
	done
}
live_topology() {
	for ns in "$NS_RT" "$NS_MX" "$NS_GW" "$NS_OUT"; do
		ip netns add "$ns" || return 1
		ip -n "$ns" link set lo up || return 1
		# no duplicate address detection: addresses usable at once
		ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.accept_dad=0 || return 1
	done
	ip netns exec "$NS_RT" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1 || return 1
	live_link "$NS_RT" rt-mx "$NS_MX" mx0 &&
		live_link "$NS_RT" rt-gw "$NS_GW" gw0 &&
		live_link "$NS_RT" rt-out "$NS_OUT" out0 || return 1
	ip -n "$NS_RT" addr add 192.0.2.1/24 dev rt-mx &&
		ip -n "$NS_RT" addr add 2001:db8:25::1/64 dev rt-mx nodad &&
		ip -n "$NS_RT" addr add 198.51.100.1/24 dev rt-gw &&
		ip -n "$NS_RT" addr add 2001:db8:100::1/64 dev rt-gw nodad &&
		ip -n "$NS_RT" addr add 203.0.113.1/24 dev rt-out &&
		ip -n "$NS_RT" addr add 2001:db8:113::1/64 dev rt-out nodad || return 1
	live_host "$NS_MX" mx0 "$MX4/24" "$MX6/64" 192.0.2.1 2001:db8:25::1 &&
		live_host "$NS_GW" gw0 "$GW4/24" "$GW6/64" 198.51.100.1 2001:db8:100::1 &&
		live_host "$NS_OUT" out0 "$OUT4/24" "$OUT6/64" 203.0.113.1 2001:db8:113::1 \
			"$OUT4B/24" "$OUT6B/64" "$BMX4/24" "$BMX6/64"
}

# ---- the mail server: a tiny SMTP responder behind socat, both families
live_smtp_server() {
	cat >"$TMP/smtpd.sh" <<'SH'
#!/bin/sh
# 220 banner, 250 to HELO/EHLO, 221 to QUIT, 500 to anything else
printf '220 mx.test ESMTP lockwatch live proof\r\n'
while IFS= read -r line; do
	case $line in
	[Ee][Hh][Ll][Oo]* | [Hh][Ee][Ll][Oo]*) printf '250 mx.test\r\n' ;;
	[Qq][Uu][Ii][Tt]*) printf '221 mx.test bye\r\n'; exit 0 ;;
	*) printf '500 unrecognised\r\n' ;;
	esac
done
SH
	chmod 755 "$TMP/smtpd.sh"
	ip netns exec "$NS_MX" socat TCP4-LISTEN:25,bind=$MX4,reuseaddr,fork \
		EXEC:"$TMP/smtpd.sh" 2>"$TMP/smtpd4.err" &
	ip netns exec "$NS_MX" socat TCP6-LISTEN:25,bind=[$MX6],reuseaddr,fork,ipv6only=1 \
		EXEC:"$TMP/smtpd.sh" 2>"$TMP/smtpd6.err" &
	# listening as soon as the kernel says so: ss would need another tool
	wait_for 5 sh -c "ip netns exec '$NS_MX' cat /proc/net/tcp6 /proc/net/tcp |
		awk '\$4 == \"0A\" && \$2 ~ /:0019\$/' | grep -c . | grep -qx 2"
}

# ---- the SMTP client: python3's smtplib, one line on stdout:
# "smtp BANNER EHLO QUIT" (reply codes), "refused" (RST), "timeout"
# (no answer: dropped) or "unreachable ERRNO" (ICMP/ICMPv6 error)
cat >"$TMP/smtpc.py" <<'PY'
import errno, smtplib, socket, sys
src, dst, helo, tmo = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
c = smtplib.SMTP(local_hostname=helo, timeout=tmo, source_address=(src, 0))
try:
    banner = c.connect(dst, 25)[0]
    ehlo = c.ehlo(helo)[0]
    quit = c.quit()[0]
    print("smtp", banner, ehlo, quit)
except ConnectionRefusedError:
    print("refused")
except (socket.timeout, TimeoutError):
    print("timeout")
except OSError as e:
    print("unreachable", errno.errorcode.get(e.errno, e.errno))
PY
# client NS SRC DST HELO OUTFILE [TIMEOUT]: in the background; pid in $!
live_client() {
	ip netns exec "$1" timeout 15 python3 "$TMP/smtpc.py" "$2" "$3" "$4" "${6:-3}" \
		>"$5" 2>&1 &
}
# client_is OUTFILE PATTERN: the client's one line matches the shell pattern
client_is() {
	_l=$(cat "$1" 2>/dev/null)
	# shellcheck disable=SC2254 # the pattern is meant as a glob
	case $_l in
	$2) return 0 ;;
	esac
	echo "# client $1: expected '$2', got '$_l'" >&2
	return 1
}

# ---- Redis: one server for the run, a key prefix per scenario
live_redis() {
	redis-server --port 0 --unixsocket "$REDIS_SOCK" --unixsocketperm 777 --save '' \
		--appendonly no --daemonize yes --pidfile "$TMP/redis.pid" \
		--logfile "$TMP/redis.log" || return 1
	wait_for 5 redis-cli -s "$REDIS_SOCK" ping >/dev/null 2>&1
}

# ---- the daemon ------------------------------------------------------------
# daemon_start SC IFACE [options]: lockwatchd in the mail host's namespace
# for scenario SC: its own sensor name and key prefix so that scenarios
# never mix; waits for READY=1 (the capture is open). Sets $dpid.
daemon_start() {
	_sc=$1 _if=$2
	shift 2
	notify_listen "$TMP/notify-$_sc.sock" "$TMP/notify-$_sc.log"
	NOTIFY_SOCKET="$TMP/notify-$_sc.sock" ip netns exec "$NS_MX" "$LOCKWATCHD" -i "$_if" \
		--rules "$TMP/rules" --sensor-name "$SENSOR_BASE-$_sc" --redis "unix:$REDIS_SOCK" \
		--redis-prefix "lw6-$_sc:" --timeout "$LIVE_TIMEOUT" --dedup-window 0 "$@" \
		>"$TMP/daemon-$_sc.out" 2>"$TMP/daemon-$_sc.err" &
	dpid=$! # ip netns exec execs the daemon: same pid
	on_exit "kill $dpid 2>/dev/null"
	wait_for 5 grep -q '^READY=1' "$TMP/notify-$_sc.log"
}
# daemon_stop: SIGTERM (final flush), bounded wait, exit status in $rc
daemon_stop() {
	kill -TERM "$dpid" 2>/dev/null
	if ! wait_for 10 sh -c "! kill -0 $dpid 2>/dev/null"; then
		kill -KILL "$dpid" 2>/dev/null
	fi
	daemon_wait "$dpid"
	kill "$notify_pid" 2>/dev/null
}

# ---- firewall on the mail host ------------------------------------------
# fw_export drop|reject: the lockdown generated from the same rules file
# the daemon monitors with, so enforcement and monitoring share one source
fw_export() {
	"$LOCKWATCH" rules export --format nft --action "$1" -r "$TMP/rules" >"$TMP/fw-$1.nft" &&
		ip netns exec "$NS_MX" nft -f "$TMP/fw-$1.nft"
}
# fw_icmp: hand-written, since export knows drop and TCP reset only
fw_icmp() {
	cat >"$TMP/fw-icmp.nft" <<NFT
table inet lw_icmp
delete table inet lw_icmp
table inet lw_icmp {
	chain input {
		type filter hook input priority filter - 10; policy accept;
		tcp dport 25 ip saddr { 198.51.100.0/24, $BMX4 } accept
		tcp dport 25 ip6 saddr { 2001:db8:100::/48, $BMX6 } accept
		meta nfproto ipv4 tcp dport 25 reject with icmp type admin-prohibited
		meta nfproto ipv6 tcp dport 25 reject with icmpv6 type admin-prohibited
	}
}
NFT
	ip netns exec "$NS_MX" nft -f "$TMP/fw-icmp.nft"
}
fw_flush() { ip netns exec "$NS_MX" nft flush ruleset; }

# ---- the report and the journal -----------------------------------------
# report SC OUT [report options]: `lockwatch report --json` for the
# scenario's prefix into OUT, exit status in $rc
report() {
	_sc=$1 _out=$2
	shift 2
	run_lw "$_out" "$_out.err" report --redis "unix:$REDIS_SOCK" --redis-prefix "lw6-$_sc:" \
		--json "$@"
}
# series_sum SC FIELD: FIELD summed over every hour of scenario SC's series
series_sum() {
	for _h in $(redis-cli -s "$REDIS_SOCK" zrange "lw6-$1:hours" 0 -1); do
		redis-cli -s "$REDIS_SOCK" hget "lw6-$1:series:$_h" "$2"
	done | awk '{ n += $1 } END { print n + 0 }'
}
# spoof_syns N FIRST: N spoofed SYNs from distinct sources (numbered from
# FIRST) and 20 from a heavy hitter, sent on the router's side of the mail
# host's link so that it receives them as from outside (tests/spoof_syns.py)
spoof_syns() {
	_mxmac=$(ip -n "$NS_MX" -br link show dev mx0 | awk '{ print $3 }')
	_rtmac=$(ip -n "$NS_RT" -br link show dev rt-mx | awk '{ print $3 }')
	ip netns exec "$NS_RT" python3 "$top_srcdir/tests/spoof_syns.py" "$_mxmac" "$_rtmac" "$1" "$2"
}
# report_until SECONDS SC OUT PYEXPR: polls the report until PYEXPR (over
# `d`, the JSON object) is true; the daemon flushes once a second
report_until() {
	_n=$(($1 * 2))
	while [ $_n -gt 0 ]; do
		report "$2" "$3"
		python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$3" "$4" 2>/dev/null && return 0
		sleep 0.5
		_n=$((_n - 1))
	done
	echo "# report $2 never satisfied: $4" >&2
	sed 's/^/# /' "$3" "$3.err" >&2
	return 1
}
# src_is JSON ADDR PYEXPR EXPECTED: PYEXPR over `s`, each source ADDR
src_is() {
	json_is "$1" "[$3 for s in d['sources'] if s['addr'] == '$2']" "$4"
}
