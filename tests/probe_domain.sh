#!/bin/sh
# lockwatch probe --domain (issue 14 item 4): MX records served by a real
# DNS server (dnsmasq) inside a namespace of the test's own, every address
# classified by the rules:
#   good.example    two MX, both in the gateway set          -> EFFECTIVE
#   leaky.example   a gateway MX and a direct one             -> NOT EFFECTIVE
#   nomx.example    no MX: its own address is the MX (5321 5.1) -> NOT EFFECTIVE
#   null.example    a null MX (RFC 7505)                       -> UNPROVEN
#   nx.example      NXDOMAIN                                   -> INCONCLUSIVE
# then --level tcp probes the direct exchange (a listener in the server
# namespace), and a resolver that does not answer is exit 69.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3 socat
DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
if [ ! -x "$DNSMASQ" ]; then
	not_ok "dnsmasq is missing: install dnsmasq-base (apt-get install dnsmasq-base)"
	exit 1
fi
trap 'exit 1' HUP INT TERM
veth_pair pd
# processes in our namespaces are ours: stop them before the namespaces go
on_exit 'for p in $(ip netns pids "$SRV" 2>/dev/null) $(ip netns pids "$CLI" 2>/dev/null); do kill "$p" 2>/dev/null; done'

cat >"$TMP/rules" <<'RULES'
allow test-gw 198.51.100.0/24
allow test-gw 2001:db8:100::/48
RULES

ip netns exec "$CLI" "$DNSMASQ" --keep-in-foreground --conf-file=/dev/null --port=5353 \
	--listen-address=127.0.0.1 --bind-interfaces --no-resolv --no-hosts --local=/example/ \
	--log-facility=- \
	--mx-host=good.example,gw1.good.example,10 --mx-host=good.example,gw2.good.example,20 \
	--host-record=gw1.good.example,198.51.100.10,2001:db8:100::10 \
	--host-record=gw2.good.example,198.51.100.11 \
	--mx-host=leaky.example,gw1.good.example,10 --mx-host=leaky.example,direct.leaky.example,20 \
	--host-record=direct.leaky.example,192.0.2.25 \
	--host-record=nomx.example,192.0.2.25 \
	--dns-rr=null.example,15,000000 >"$TMP/dnsmasq.log" 2>&1 &
for i in $(seq 50); do
	grep -q started "$TMP/dnsmasq.log" && break
	sleep 0.1
done
check "dnsmasq answers in the client namespace" grep -q started "$TMP/dnsmasq.log"

# probe OUT ARGS...: the probe in the client namespace; status in $rc
probe() {
	_out=$1
	shift
	rc=0
	ip netns exec "$CLI" "$LOCKWATCH" probe -r "$TMP/rules" --resolver 127.0.0.1:5353 "$@" \
		>"$_out" 2>"$_out.err" || rc=$?
}

probe "$TMP/good" --json --domain good.example
check "good: EFFECTIVE (0), both exchanges gateway, by preference" json_is "$TMP/good" \
	'[d["verdict"], '"$rc"', [(x["exchange"], x["preference"], x["gateway"]) for x in d["mx"]["exchanges"]], d["targets"]]' \
	'["effective", 0, [["gw1.good.example", 10, true], ["gw2.good.example", 20, true]], []]'
check "good: addresses with their class and set" json_is "$TMP/good" \
	'[(a["addr"], a["class"], a["match"]) for a in d["mx"]["exchanges"][0]["addresses"]]' \
	'[["198.51.100.10", "allowed", "test-gw"], ["2001:db8:100::10", "allowed", "test-gw"]]'

probe "$TMP/leaky" --json --domain leaky.example
check "leaky: NOT EFFECTIVE (2), the direct MX named" json_is "$TMP/leaky" \
	'[d["verdict"], '"$rc"', "direct.leaky.example" in d["reason"], "around the gateway" in d["reason"]]' \
	'["not_effective", 2, true, true]'
check "leaky: the direct MX's address is outside" json_is "$TMP/leaky" \
	'[(x["exchange"], [a["class"] for a in x["addresses"]]) for x in d["mx"]["exchanges"]]' \
	'[["gw1.good.example", ["allowed", "allowed"]], ["direct.leaky.example", ["outside"]]]'

probe "$TMP/nomx" --json --domain nomx.example
check "no MX: the domain's own address judged, NOT EFFECTIVE" json_is "$TMP/nomx" \
	'[d["verdict"], d["mx"]["status"], d["mx"]["exchanges"][0]["implicit"]]' \
	'["not_effective", "implicit", true]'

probe "$TMP/null" --json --domain null.example
check "null MX: UNPROVEN (1), said as such" json_is "$TMP/null" \
	'[d["verdict"], '"$rc"', d["mx"]["status"], "null MX" in d["reason"]]' \
	'["unproven", 1, "null_mx", true]'

probe "$TMP/nx" --domain nx.example
check "NXDOMAIN: INCONCLUSIVE (3), said as such" sh -c \
	"[ $rc -eq 3 ] && grep -q 'nx.example does not exist (NXDOMAIN' '$TMP/nx'"

# --level also probes every exchange outside the gateway
ip netns exec "$SRV" socat TCP4-LISTEN:25,bind=192.0.2.25,reuseaddr,fork \
	SYSTEM:"printf '220 direct.leaky.example ESMTP\r\n'; sleep 1" 2>/dev/null &
for i in $(seq 50); do
	ip netns exec "$SRV" cat /proc/net/tcp | awk '$4 == "0A" && $2 ~ /:0019$/' | grep -q . && break
	sleep 0.1
done
probe "$TMP/level" --json --level tcp --timeout 2 --domain leaky.example
check "--level tcp: the direct exchange probed and accepted, NOT EFFECTIVE" json_is "$TMP/level" \
	'[d["verdict"], [(t["target"], t["addr"], t["tcp"]) for t in d["targets"]]]' \
	'["not_effective", [["direct.leaky.example", "192.0.2.25", "accepted"]]]'

# text form
probe "$TMP/text" --domain leaky.example
check "text: MX lines, the direct one marked" sh -c \
	"grep -q '^  DIRECT   20 direct.leaky.example' '$TMP/text' && grep -q '^  gateway  10 gw1.good.example' '$TMP/text'"

# a resolver that does not answer: exit 69, never a hang
probe "$TMP/dead" --domain good.example --resolver 127.0.0.1:5354
check "no resolver: exit 69 with the reason" sh -c \
	"[ $rc -eq 69 ] && grep -q 'resolver 127.0.0.1:5354' '$TMP/dead.err'"
expect_error 64 "not a domain name" "--domain must be a domain" -- probe --domain bad_name
expect_error 64 "name a TARGET or --domain" "nothing to probe" -- probe
