#!/bin/sh
# Integration: valgrind memcheck on `lockwatch replay` of small generated
# captures (the benchmark modes, every link type, pcapng, hostile traffic,
# a truncated file) and on `lockwatch rules`: no invalid read or write, no
# use of uninitialised memory, no leak of any kind. Under an
# AddressSanitizer build valgrind cannot run; ASan checks the same there.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3 valgrind

if grep -q __asan_init "$LOCKWATCH" 2>/dev/null; then
	ok "# SKIP built with AddressSanitizer, which makes these checks itself"
	exit 0
fi

cd "$TMP" || exit 1
cat >r.rules <<'RULES'
port 25 587
set test-gw {
	198.51.100.0/24
	2001:db8:100::/48
}
use test-gw
exception 192.0.2.50/32 backup-mx "secondary MX"
RULES

# vg DESCRIPTION EXPECTED_STATUS ARGS...: lockwatch under memcheck
vg() {
	desc=$1 want=$2
	shift 2
	rc=0
	valgrind --quiet --error-exitcode=99 --leak-check=full --show-leak-kinds=all \
		--errors-for-leak-kinds=all --track-origins=yes --log-file=vg.log \
		"$LOCKWATCH" "$@" >out 2>err || rc=$?
	if [ "$rc" -eq 99 ] || [ -s vg.log ]; then
		not_ok "$desc: memcheck errors: $(head -c 1500 vg.log)"
	elif [ "$rc" -ne "$want" ]; then
		not_ok "$desc: exit $rc, expected $want ($(head -c 300 err))"
	else
		ok "$desc: memcheck clean"
	fi
}

"$LWGEN" -o realistic.pcap --realistic 3000 --breach --seed 7
vg "benchmark capture (--realistic)" 2 replay -r r.rules --json realistic.pcap
"$LWGEN" -o floodsrc.pcap --flood-sources 3000 --heavy 5
# exit 2: the flood evicts the SYNs of deliveries from addresses these rules
# call outside; their SYN-ACKs still prove the reach (reached_without_syn)
vg "benchmark capture (--flood-sources), small tables" 2 replay -r r.rules --max-attempts 64 \
	--max-sources 256 floodsrc.pcap
for link in ether vlan2 sll sll2 raw null loop; do
	"$LWGEN" -o "mixed-$link.pcap" --link "$link" --mixed 300 --breach --seed 3
done
vg "mixed traffic on every link type, several files" 2 replay -r r.rules mixed-ether.pcap \
	mixed-vlan2.pcap mixed-sll.pcap mixed-sll2.pcap mixed-raw.pcap mixed-null.pcap mixed-loop.pcap
"$LWGEN" -o mixed.pcapng --pcapng --mixed 300 --seed 5
vg "pcapng from standard input" 2 replay -r r.rules --top 3 - <mixed.pcapng
size=$(stat -c %s mixed-ether.pcap)
head -c $((size - 9)) mixed-ether.pcap >cut.pcap
vg "a capture cut short" 65 replay -r r.rules --json cut.pcap
python3 "$top_srcdir/tests/hostile_traffic.py" icmp icmp.pcap
vg "forged ICMP unreachables" 2 replay -r r.rules --json icmp.pcap
python3 "$top_srcdir/tests/hostile_traffic.py" ext6 ext6.pcap
vg "IPv6 extension-header chains" 0 replay -r r.rules ext6.pcap
echo "not a capture" >text.pcap
vg "not a capture file" 65 replay -r r.rules text.pcap
printf 'allow gw 10.0.0.0/8\nallow gw 1.2.3.4/40\nbogus\n' >bad.rules
vg "broken rules" 65 replay -r bad.rules mixed-ether.pcap
vg "rules check of the shipped sets" 0 rules check "$top_srcdir/rules/mimecast-all.rules"
vg "rules dump" 0 rules dump -r r.rules
vg "rules lookup" 0 rules lookup -r r.rules 198.51.100.7 ::ffff:198.51.100.7 192.0.2.50 203.0.113.1
vg "rules export" 0 rules export -r r.rules --format nft --action reject

# the fuzz targets over their seeds: the decoder and the tracker at length
if "$top_builddir/fuzz/make-corpus" corpus >/dev/null; then
	for target in decode tracker rules redis_url; do
		rc=0
		valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=all \
			--log-file=vg.log "$top_builddir/fuzz/run-$(echo "$target" | tr _ -)" corpus/"$target"/* \
			>out 2>&1 || rc=$?
		if [ "$rc" -eq 0 ] && [ ! -s vg.log ]; then
			ok "fuzz seeds of $target: memcheck clean"
		else
			not_ok "fuzz seeds of $target: exit $rc: $(head -c 1500 vg.log out)"
		fi
	done
else
	not_ok "fuzz/make-corpus failed"
fi
