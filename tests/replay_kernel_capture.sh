#!/bin/sh
# Integration (issue 12): the evidence holds on captures no one here wrote.
# The packets come from the kernel's own TCP stack (a real SMTP exchange
# between two namespaces joined by a veth pair) and the files from tcpdump,
# at the old default snap length of 68 bytes, which cuts Linux's SYN and
# SYN-ACK (20 bytes of options) inside their TCP header:
#   whole:  the session from its SYN: decoded, the cut tails counted,
#           NOT EFFECTIVE (smtp, though the cut payload keeps no EHLO name);
#   middle: tcpdump started after the handshake: the server's reply alone
#           proves the reach (reached_without_syn), NOT EFFECTIVE;
#   reset:  nftables answers the SYN with a reset: EFFECTIVE, refused.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need_from tcpdump tcpdump
need_from socat socat
need_from nftables nft
need python3
veth_pair k

cat >"$TMP/rules" <<'RULES'
allow test-gw 198.51.100.0/24
RULES

# A tiny SMTP server on 192.0.2.25:25: banner, 250 to each line.
cat >"$TMP/smtpd.sh" <<'SH'
#!/bin/sh
printf '220 mx.test ESMTP\r\n'
while IFS= read -r line; do printf '250 ok\r\n'; done
SH
chmod +x "$TMP/smtpd.sh"
ip netns exec "$SRV" socat TCP-LISTEN:25,bind=192.0.2.25,reuseaddr,fork \
	EXEC:"$TMP/smtpd.sh" 2>/dev/null &
srv_pid=$!
on_exit "kill $srv_pid 2>/dev/null"

# capture_start FILE: tcpdump on the server's side at snap length 68, once
# it says it listens.
capture_start() {
	ip netns exec "$SRV" tcpdump -i "$VS" -s 68 --immediate-mode -U -n -w "$1" 'tcp port 25' 2>"$1.err" &
	cap_pid=$!
	i=0
	while ! grep -q 'listening on' "$1.err" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
}
capture_stop() {
	sleep 0.5
	kill -INT $cap_pid 2>/dev/null
	wait $cap_pid 2>/dev/null
}
replay() { # replay NAME: JSON in $TMP/NAME.json
	run_lw "$TMP/$1.json" "$TMP/$1.err" replay -r "$TMP/rules" --server 192.0.2.25 --json \
		"$TMP/$1.pcap"
}

# wait until the server listens
i=0
while ! ip netns exec "$CLI" socat -T1 /dev/null TCP:192.0.2.25:25 2>/dev/null && [ $i -lt 50 ]; do
	sleep 0.1
	i=$((i + 1))
done

# --- whole: the session from its first SYN
capture_start "$TMP/whole.pcap"
(printf 'EHLO real.example\r\n'; sleep 1; printf 'QUIT\r\n') |
	ip netns exec "$CLI" socat -t 1 - TCP:192.0.2.25:25,bind=192.0.2.99 >/dev/null 2>&1
capture_stop
replay whole
check "whole: tcpdump wrote a capture of snap length 68" \
	python3 -c 'import struct,sys; h=open(sys.argv[1],"rb").read(24); sys.exit(struct.unpack("<I",h[16:20])[0]!=68)' "$TMP/whole.pcap"
check "whole: NOT EFFECTIVE (exit 2)" [ "$rc" -eq 2 ]
check "whole: the SYN decoded, its cut options counted, nothing malformed" json_is "$TMP/whole.json" \
	'[d["totals"]["outside"]["attempts"], d["totals"]["outside"]["smtp"], d["capture"]["tcp_truncated_tail"] >= 2, sum(d["capture"]["malformed"].values())]' \
	'[1, 1, true, 0]'
check "whole: no EHLO name: the snap length cut the payload" json_is "$TMP/whole.json" \
	'[s["helo"] for s in d["sources"] if s["addr"] == "192.0.2.99"]' '[null]'

# --- middle: the capture starts after the handshake and the banner
(sleep 3; printf 'EHLO late.example\r\n'; sleep 1; printf 'QUIT\r\n') |
	ip netns exec "$CLI" socat -t 1 - TCP:192.0.2.25:25,bind=192.0.2.99 >/dev/null 2>&1 &
cli_pid=$!
sleep 1
capture_start "$TMP/middle.pcap"
wait $cli_pid
capture_stop
replay middle
check "middle: no SYN in the capture" python3 -c '
import struct, sys
f = open(sys.argv[1], "rb"); f.read(24)
while True:
    h = f.read(16)
    if len(h) < 16: break
    n = struct.unpack("<I", h[8:12])[0]; p = f.read(n)
    if len(p) >= 48 and p[47] & 0x12 == 0x02: sys.exit(1)  # Ethernet + IPv4 + flags
' "$TMP/middle.pcap"
check "middle: NOT EFFECTIVE by the server's reply alone" json_is "$TMP/middle.json" \
	'[d["verdict"], d["totals"]["outside"]["reached_without_syn"] >= 1]' '["not_effective", true]'

# --- reset: the firewall answers the SYN with a reset
ip netns exec "$SRV" nft -f - <<'NFT' || not_ok "nft ruleset"
table inet lockdown {
	chain input {
		type filter hook input priority 0;
		ip saddr 192.0.2.99 tcp dport 25 reject with tcp reset
	}
}
NFT
capture_start "$TMP/reset.pcap"
ip netns exec "$CLI" socat -T1 /dev/null TCP:192.0.2.25:25,bind=192.0.2.99 >/dev/null 2>&1
capture_stop
replay reset
check "reset: EFFECTIVE (exit 0)" [ "$rc" -eq 0 ]
check "reset: one attempt, refused" json_is "$TMP/reset.json" \
	'[d["verdict"], d["totals"]["outside"]["attempts"], d["totals"]["outside"]["refused"]]' \
	'["effective", 1, 1]'
