#!/bin/sh
# Integration, live: the kernel drops alert. lockwatchd captures on a veth
# in a namespace of this test's own with the smallest buffer (1 MiB); the
# test stops it (SIGSTOP), sends 60,000 port-25 SYN frames from the peer
# namespace (documentation addresses, raw frames that never leave the
# pair), and lets it go on: the ring overflowed, pcap_stats counts the
# drops, and one "drops" alert carries them, as does STATUS=.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"
need ip python3 useradd
journal_ready
if ! id lockwatch >/dev/null 2>&1; then
	useradd --system --no-create-home --shell /usr/sbin/nologin lockwatch ||
		{ not_ok "cannot create the lockwatch user"; exit 1; }
fi

veth_pair d
mac=$(ip -n "$SRV" -o link show "$VS" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p')

printf 'allow test-gw 198.51.100.0/24\n' >"$TMP/rules"
chmod 755 "$TMP"
chmod 644 "$TMP/rules"
SENSOR="$SENSOR_BASE-drops"
notify_listen "$TMP/notify.sock" "$TMP/notify.log"
NOTIFY_SOCKET="$TMP/notify.sock" ip netns exec "$SRV" "$LOCKWATCHD" -i "$VS" \
	--rules "$TMP/rules" --sensor-name "$SENSOR" --buffer-size 1 \
	>"$TMP/out" 2>"$TMP/err" &
pid=$!
on_exit "kill -CONT $pid 2>/dev/null; kill $pid 2>/dev/null"
check "drops: READY=1" wait_for 5 grep -q '^READY=1' "$TMP/notify.log"

kill -STOP "$pid"
ip netns exec "$CLI" python3 - "$VC" "$mac" <<'PY'
import socket, struct, sys
ifname, mac = sys.argv[1], bytes.fromhex(sys.argv[2].replace(":", ""))
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind((ifname, 0))
src_mac = b"\x02\x00\x00\x00\x00\x99"
for i in range(60000):
    # a SYN from a different documentation source each time, checksums 0:
    # the server's stack drops it, the capture has seen it first
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 40, i & 0xffff, 0, 64, 6, 0,
                     bytes([203, 0, 113, 1 + i % 250]), bytes([192, 0, 2, 25]))
    tcp = struct.pack("!HHIIBBHHH", 1024 + i % 60000, 25, i, 0, 0x50, 0x02, 65535, 0, 0)
    s.send(mac + src_mac + b"\x08\x00" + ip + tcp)
PY
kill -CONT "$pid"

check "drops: a drops alert" wait_for 10 sh -c \
	"journalctl --no-pager -o json LOCKWATCH_SENSOR=$SENSOR LOCKWATCH_EVENT=drops >'$TMP/j.json' && [ -s '$TMP/j.json' ]"
check "drops: the alert counts dropped packets, priority warning" alerts_is "$TMP/j.json" \
	'[(x["PRIORITY"], int(x["LOCKWATCH_KERNEL_DROPS"]) > 0, int(x["LOCKWATCH_COUNT"]) > 0) for x in ev("drops")][:1]' \
	'[["4", true, true]]'
check "drops: STATUS= shows them" wait_for 5 grep -q '^STATUS=.*kernel drops [1-9]' "$TMP/notify.log"
kill "$pid"
wait "$pid" 2>/dev/null
