#!/bin/sh
# Integration: `lockwatch rules update` against a real DNS server on
# loopback (dnsmasq, started and stopped here): a Mimecast-like netblocks
# tree with a record split into several strings and a redirect, the change
# summary after the records change, and every failure (loop, missing
# record, malformed TXT, too many look-ups, a resolver that never answers)
# leaving the old file byte for byte as it was.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3 cmp

DNSMASQ=$(command -v dnsmasq || echo /usr/sbin/dnsmasq)
if [ ! -x "$DNSMASQ" ]; then
	not_ok "dnsmasq is missing: install dnsmasq-base (apt-get install dnsmasq-base)"
	exit 1
fi

dns_pid=""
quiet_pid=""
stop_dns() {
	if [ -n "$dns_pid" ]; then
		kill "$dns_pid" 2>/dev/null
		wait "$dns_pid" 2>/dev/null
	fi
	dns_pid=""
}
on_exit 'stop_dns; [ -n "$quiet_pid" ] && kill "$quiet_pid" 2>/dev/null'
# the shell runs the EXIT trap on exit, not when a signal ends it: make an
# interrupted run exit so the servers it started are stopped
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# A port nobody holds, for UDP and TCP (dnsmasq wants both).
free_port() {
	python3 -c 'import socket
while True:
    t = socket.socket(); t.bind(("127.0.0.1", 0)); p = t.getsockname()[1]
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        u.bind(("127.0.0.1", p)); break
    except OSError:
        pass
print(p)'
}

has_ip6=0
if python3 -c 'import socket; socket.socket(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))' 2>/dev/null; then
	has_ip6=1
fi
# start_dns ZONE_FILE: --txt-record arguments in shell syntax, as on a
# command line (name,"string1","string2": dnsmasq's comma splits strings).
start_dns() {
	stop_dns
	zone=$(tr '\n' ' ' <"$1")
	eval "set -- $zone"
	for attempt in 1 2 3; do
		PORT=$(free_port)
		listen6=""
		[ "$has_ip6" = 1 ] && listen6="--listen-address=::1"
		: >"$TMP/dnsmasq.log"
		"$DNSMASQ" --no-daemon --keep-in-foreground --conf-file=/dev/null --port="$PORT" \
			--listen-address=127.0.0.1 $listen6 --bind-interfaces --no-resolv --no-hosts \
			--local=/test.example/ --log-facility=- "$@" >"$TMP/dnsmasq.log" 2>&1 &
		dns_pid=$!
		for i in $(seq 50); do
			grep -q "started" "$TMP/dnsmasq.log" && return 0
			kill -0 "$dns_pid" 2>/dev/null || break
			sleep 0.1
		done
		stop_dns
	done
	not_ok "dnsmasq did not start: $(cat "$TMP/dnsmasq.log")"
	exit 1
}

# update NAME [ARGS...]: rules update into $OUT through the test server.
OUT="$TMP/out/netblocks.rules"
mkdir -p "$TMP/out"
update() {
	name=$1
	shift
	run_lw "$TMP/stdout" "$TMP/stderr" rules update --spf "$name" \
		--resolver "127.0.0.1:$PORT" --timeout 1 --tries 2 -o "$OUT" "$@"
}
# unchanged: the old file byte for byte, and no temporary file left behind
unchanged() {
	cmp -s "$TMP/before" "$OUT" && [ "$(ls -A "$TMP/out")" = "netblocks.rules" ]
}

cat >"$TMP/zone1" <<'EOF'
--txt-record=_netblocks.test.example,"v=spf1 include:eu._netblocks.test.example include:us._netblocks.test.example ip4:192.0.2.0/24 ~all"
--txt-record=_netblocks.test.example,"some-site-verification=abc"
--txt-record=eu._netblocks.test.example,"v=spf1 ip4:198.51.100.0/25 ip4:198.51.100.128/26"," ip4:203.0.113.0/25 ip6:2001:db8:e::/48 ","a -all"
--txt-record=us._netblocks.test.example,"v=spf1 ip4:198.18.0.7 ip4:198.18.1.0/24 redirect=usr.test.example"
--txt-record=usr.test.example,"v=spf1 ip4:198.18.2.0/24 -all"
--txt-record=loop-a.test.example,"v=spf1 include:loop-b.test.example"
--txt-record=loop-b.test.example,"v=spf1 ip4:10.0.0.0/8 redirect=loop-a.test.example"
--txt-record=nospf.test.example,"hello world"
--txt-record=bad.test.example,"v=spf1 ip4:300.1.2.3/24 ip4:1.2.3.0/40 junk"
--txt-record=many.test.example,"v=spf1 include:h1.test.example include:h2.test.example include:h3.test.example include:h4.test.example include:h5.test.example include:h6.test.example include:h7.test.example include:h8.test.example include:h9.test.example include:h10.test.example include:h11.test.example -all"
--txt-record=two.test.example,"v=spf1 ip4:192.0.2.1 -all"
--txt-record=two.test.example,"v=spf1 ip4:192.0.2.2 -all"
EOF
start_dns "$TMP/zone1"

# ---- a Mimecast-like tree --------------------------------------------------
update _netblocks.test.example
check "tree: exit 0" [ "$rc" -eq 0 ]
check "tree: says the file was created" grep -q "^$OUT: created, 4 set(s), 8 prefix(es), 4 of 10 DNS look-ups" "$TMP/stdout"
check "tree: <label>._netblocks.<domain> becomes <domain label>-<label>" \
	grep -q "^set test-eu {" "$OUT"
check "tree: the root's own prefixes become the domain's first label" \
	sh -c "grep -A2 '^set test {' '$OUT' | grep -q '192.0.2.0/24'"
check "tree: a record split into strings is read whole" \
	sh -c "grep -q '^	203.0.113.0/25' '$OUT' && grep -q '^	2001:db8:e::/48' '$OUT'"
check "tree: a bare ip4 is a /32" grep -q "^	198.18.0.7/32" "$OUT"
check "tree: redirect= is followed into its own set" \
	sh -c "grep -B1 '^set usr.test.example {' '$OUT' | grep -q 'redirect from us._netblocks.test.example'"
check "tree: each set says which host it came from" \
	grep -q "^# from eu._netblocks.test.example (include from _netblocks.test.example)" "$OUT"
check "tree: 'a' is a warning naming it" \
	grep -q "eu._netblocks.test.example: warning: 'a' names hosts" "$TMP/stderr"
check "tree: header names the record, resolver, UTC date and the generator" \
	sh -c "grep -q '^# SPF name:  _netblocks.test.example\$' '$OUT' &&
	       grep -q '^# Resolver:  127.0.0.1:$PORT\$' '$OUT' &&
	       grep -Eq '^# Date:      [0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}Z \\(UTC\\)\$' '$OUT' &&
	       grep -q 'generated by lockwatch rules update' '$OUT'"
check "tree: sets only, no use line" sh -c "! grep -Eq '^(use|allow|exception|port)' '$OUT'"
check "tree: every set new in the summary" \
	sh -c "grep -q '^test-eu: new set, 4 prefix(es)' '$TMP/stdout' && grep -q '^  + 198.51.100.128/26' '$TMP/stdout'"
run_lw "$TMP/check.out" "$TMP/check.err" rules check "$OUT"
check "tree: the generated file passes rules check without warnings" \
	sh -c "[ $rc -eq 0 ] && grep -q ', 0 warning(s)' '$TMP/check.out'"
cat >"$TMP/out.site" <<EOF
include "$OUT"
use test-eu usr.test.example
EOF
run_lw "$TMP/lookup" "$TMP/err" rules lookup -r "$TMP/out.site" 198.51.100.130 198.18.2.9 192.0.2.1
check "tree: a site file puts the sets in force" \
	sh -c "grep -q '^198.51.100.130	allowed	set test-eu' '$TMP/lookup' &&
	       grep -q '^198.18.2.9	allowed	set usr.test.example' '$TMP/lookup' &&
	       grep -q '^192.0.2.1	outside' '$TMP/lookup'"

update _netblocks.test.example
check "again: same records say no change" \
	sh -c "[ $rc -eq 0 ] && grep -q '^no change\$' '$TMP/stdout' && grep -q 'replaced' '$TMP/stdout'"

# ---- failures leave the old file alone -------------------------------------
chmod 640 "$OUT"
cp -p "$OUT" "$TMP/before"

update loop-a.test.example
check "loop: exit 65" [ "$rc" -eq 65 ]
check "loop: the message shows the path" \
	grep -q "loop: loop-a.test.example -> loop-b.test.example -> loop-a.test.example" "$TMP/stderr"
check "loop: old file untouched" unchanged

update nothere.test.example
check "missing name: exit 65 with NXDOMAIN" \
	sh -c "[ $rc -eq 65 ] && grep -q 'nothere.test.example: error: no such name (NXDOMAIN from 127.0.0.1:$PORT)' '$TMP/stderr'"
check "missing name: old file untouched" unchanged

update nospf.test.example
check "no SPF record: exit 65" \
	sh -c "[ $rc -eq 65 ] && grep -q 'no SPF record: none of its 1 TXT record' '$TMP/stderr'"
check "no SPF record: old file untouched" unchanged

update bad.test.example
check "malformed TXT: exit 65" [ "$rc" -eq 65 ]
check "malformed TXT: every bad term named" \
	sh -c "grep -q \"bad IPv4 address in 'ip4:300.1.2.3/24'\" '$TMP/stderr' &&
	       grep -q \"bad prefix length in 'ip4:1.2.3.0/40'\" '$TMP/stderr' &&
	       grep -q \"unknown mechanism in 'junk'\" '$TMP/stderr'"
check "malformed TXT: old file untouched" unchanged

update many.test.example
check "more than 10 look-ups: exit 65" \
	sh -c "[ $rc -eq 65 ] && grep -q 'too many DNS look-ups: 11' '$TMP/stderr'"
check "more than 10 look-ups: old file untouched" unchanged

update two.test.example
check "two SPF records: exit 65" \
	sh -c "[ $rc -eq 65 ] && grep -q '2 SPF records' '$TMP/stderr'"
check "two SPF records: old file untouched" unchanged

# A resolver that takes the queries and never answers.
python3 -c 'import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1], flush=True)
time.sleep(120)' >"$TMP/quiet.port" &
quiet_pid=$!
for i in $(seq 50); do [ -s "$TMP/quiet.port" ] && break; sleep 0.1; done
qport=$(cat "$TMP/quiet.port")
t0=$(date +%s%N)
run_lw "$TMP/stdout" "$TMP/stderr" rules update --spf _netblocks.test.example \
	--resolver "127.0.0.1:$qport" --timeout 1 --tries 2 -o "$OUT"
ms=$((($(date +%s%N) - t0) / 1000000))
check "silent resolver: exit 69" [ "$rc" -eq 69 ]
check "silent resolver: a timeout error naming the resolver" \
	grep -q "resolver 127.0.0.1:$qport did not answer the TXT query: timed out after 2 tries of 1 s" "$TMP/stderr"
check "silent resolver: gives up within the bound (${ms} ms)" [ "$ms" -lt 5000 ]
check "silent resolver: old file byte-identical" unchanged
kill "$quiet_pid" 2>/dev/null
wait "$quiet_pid" 2>/dev/null
quiet_pid=""

run_lw "$TMP/stdout" "$TMP/stderr" rules update --spf _netblocks.test.example \
	--resolver "127.0.0.1:$qport" --timeout 1 --tries 1 -o "$OUT"
check "no resolver listening: exit 69, old file untouched" \
	sh -c "[ $rc -eq 69 ] && grep -q 'resolver 127.0.0.1:$qport' '$TMP/stderr'" && unchanged

run_lw "$TMP/stdout" "$TMP/stderr" rules update --spf _netblocks.test.example \
	--resolver "127.0.0.1:$PORT" -o "$TMP/no/such/dir/x.rules"
check "unwritable output: exit 66 naming the directory" \
	sh -c "[ $rc -eq 66 ] && grep -q 'cannot create a temporary file in $TMP/no/such/dir' '$TMP/stderr'"

# ---- usage -----------------------------------------------------------------
run_lw "$TMP/stdout" "$TMP/stderr" rules update --spf _netblocks.test.example
check "usage: -o is required (exit 64)" [ "$rc" -eq 64 ]
run_lw "$TMP/stdout" "$TMP/stderr" rules update --spf x.test.example --resolver 300.1.1.1 -o "$OUT"
check "usage: a bad --resolver is named (exit 64)" \
	sh -c "[ $rc -eq 64 ] && grep -q \"'300.1.1.1' is not ADDR\" '$TMP/stderr'"
run_lw "$TMP/stdout" "$TMP/stderr" rules update --spf x.test.example --timeout 0 -o "$OUT"
check "usage: --timeout 0 is refused (exit 64)" [ "$rc" -eq 64 ]
check "usage: nothing was written" unchanged

# ---- the records change ----------------------------------------------------
cat >"$TMP/zone2" <<'EOF'
--txt-record=_netblocks.test.example,"v=spf1 include:eu._netblocks.test.example include:ca._netblocks.test.example ip4:192.0.2.0/24 ~all"
--txt-record=eu._netblocks.test.example,"v=spf1 ip4:198.51.100.0/25 ip4:198.51.100.192/26"," ip4:203.0.113.0/25 ip6:2001:db8:e::/48 ","a -all"
--txt-record=ca._netblocks.test.example,"v=spf1 ip4:100.64.0.0/24 ip4:100.64.1.1 -all"
EOF
start_dns "$TMP/zone2"
update _netblocks.test.example
check "changed: exit 0" [ "$rc" -eq 0 ]
check "changed: added and removed prefixes per set" \
	sh -c "grep -q '^test-eu: 1 added, 1 removed\$' '$TMP/stdout' &&
	       grep -q '^  + 198.51.100.192/26\$' '$TMP/stdout' &&
	       grep -q '^  - 198.51.100.128/26\$' '$TMP/stdout'"
check "changed: a new set" grep -q "^test-ca: new set, 2 prefix(es)" "$TMP/stdout"
check "changed: sets gone" \
	sh -c "grep -q '^test-us: set gone (had 2 prefix(es))' '$TMP/stdout' &&
	       grep -q '^usr.test.example: set gone' '$TMP/stdout'"
check "changed: unchanged sets are not listed" sh -c "! grep -q '^test:' '$TMP/stdout'"
check "changed: the file's mode is kept" [ "$(stat -c %a "$OUT")" = 640 ]
run_lw "$TMP/check.out" "$TMP/check.err" rules check "$OUT"
check "changed: the new file passes rules check" [ "$rc" -eq 0 ]

# ---- an IPv6 resolver address ---------------------------------------------
if [ "$has_ip6" = 1 ]; then
	run_lw "$TMP/stdout" "$TMP/stderr" rules update --spf _netblocks.test.example \
		--resolver "[::1]:$PORT" -o "$TMP/out/v6.rules"
	check "IPv6 resolver: [::1]:PORT answers, named in the header" \
		sh -c "[ $rc -eq 0 ] && grep -q '^# Resolver:  \\[::1\\]:$PORT\$' '$TMP/out/v6.rules'"
else
	ok "IPv6 resolver # SKIP no IPv6 loopback in this environment"
fi
