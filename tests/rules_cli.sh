#!/bin/sh
# Integration: `lockwatch rules` check / lookup / dump / export, and the
# exported firewall rules loaded for real (nftables and iptables) inside a
# network namespace this test creates.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need nft iptables-restore ip6tables-restore ip
R="$top_srcdir/rules"

# check: the shipped sets load clean; a broken file lists every error
run_lw "$TMP/out" "$TMP/err" rules check "$R/mimecast-all.rules"
check "check: shipped sets load (exit 0)" [ "$rc" -eq 0 ]
check "check: says OK with a digest" grep -q "OK, .* prefix(es) in force, 1 port(s), .* digest [0-9a-f]" "$TMP/out"
printf 'allow gw 198.51.100.0/24\nallow gw 198.51.100.0/33\nbogus 1.2.3.4\nport 70000\n' >"$TMP/bad.rules"
run_lw "$TMP/out" "$TMP/err" rules check "$TMP/bad.rules"
check "check: errors exit 65" [ "$rc" -eq 65 ]
check "check: every error named with file:line:col" \
	[ "$(grep -c "^$TMP/bad.rules:[234]:[0-9]*: error" "$TMP/err")" -eq 3 ]
run_lw "$TMP/out" "$TMP/err" rules check "$TMP/none.rules"
check "check: missing file exits 66" [ "$rc" -eq 66 ]
printf 'allow gw 198.51.100.1/24\n' >"$TMP/warn.rules"
run_lw "$TMP/out" "$TMP/err" rules check "$TMP/warn.rules"
check "check: warnings listed, still exit 0" [ "$rc" -eq 0 ] && grep -q "warning" "$TMP/err"

# lookup: set and file:line, exceptions, outside, IPv4-mapped
run_lw "$TMP/out" "$TMP/err" rules lookup -r "$R/mimecast-all.rules" 205.139.110.61 203.0.113.9 ::ffff:195.130.217.5
line=$(grep -n '205.139.110.0/24' "$R/mimecast-us.rules" | head -1 | cut -d: -f1)
check "lookup: 205.139.110.61 is in mimecast-us at its line" \
	grep -q "^205.139.110.61	allowed	set mimecast-us	205.139.110.0/24	.*mimecast-us.rules:$line\$" "$TMP/out"
check "lookup: documentation address is outside" grep -q "^203.0.113.9	outside\$" "$TMP/out"
check "lookup: IPv4-mapped IPv6 matches as IPv4" grep -q "^::ffff:195.130.217.5	allowed	set mimecast-eu" "$TMP/out"
run_lw "$TMP/out" "$TMP/err" rules lookup -r "$top_srcdir/rules/sample.rules" 192.0.2.50
check "lookup: exception with its label" grep -q "^192.0.2.50	exception	label backup-mx" "$TMP/out"
run_lw "$TMP/out" "$TMP/err" rules lookup -r "$R/sample.rules" 1.2.3.999
check "lookup: bad address is a usage error naming it" [ "$rc" -eq 64 ] && grep -q "'1.2.3.999' is not" "$TMP/err"

# dump: a normalised view that is itself a valid rules file with the same digest
run_lw "$TMP/dump.rules" "$TMP/err" rules dump -r "$R/site.example.rules"
check "dump: exit 0" [ "$rc" -eq 0 ]
run_lw "$TMP/out" "$TMP/err" rules check "$TMP/dump.rules"
d1=$(sed -n 's/.*digest \([0-9a-f]*\).*/\1/p' "$TMP/out")
run_lw "$TMP/out" "$TMP/err" rules check "$R/site.example.rules"
d2=$(sed -n 's/.*digest \([0-9a-f]*\).*/\1/p' "$TMP/out")
check "dump: reloads to the same digest" [ -n "$d1" ] && [ "$d1" = "$d2" ]

# export, then load for real in a namespace of our own
ns="lw-rules-$$"
ip netns add "$ns" || not_ok "ip netns add (needs root)"
on_exit "ip netns del $ns 2>/dev/null"
cat >"$TMP/site.rules" <<RULES
include "$R/mimecast-eu.rules"
include "$R/mimecast-us.rules"
use mimecast-eu mimecast-us
allow test-gw6 2001:db8:100::/48
exception 192.0.2.50 backup-mx
port 25 587
RULES
for action in drop reject; do
	run_lw "$TMP/fw.nft" "$TMP/err" rules export --format nft --action "$action" -r "$TMP/site.rules"
	check "export nft ($action): exit 0" [ "$rc" -eq 0 ]
	check "export nft ($action): nft -c accepts it" ip netns exec "$ns" nft -c -f "$TMP/fw.nft"
	check "export nft ($action): loads" ip netns exec "$ns" nft -f "$TMP/fw.nft"
	check "export nft ($action): loads again (idempotent)" ip netns exec "$ns" nft -f "$TMP/fw.nft"
	ip netns exec "$ns" nft list table inet lockwatch >"$TMP/listed" 2>&1
	check "export nft ($action): gateway range and exception in the set" \
		grep -q "205.139.110.0/24" "$TMP/listed" && grep -q "192.0.2.50" "$TMP/listed"
	check "export nft ($action): IPv6 set holds the v6 gateway" grep -q "2001:db8:100::/48" "$TMP/listed"
done
check "export nft reject: refuses with tcp reset" grep -q "reject with tcp reset" "$TMP/listed"
run_lw "$TMP/fw.ipt" "$TMP/err" rules export --format iptables -r "$TMP/site.rules"
check "export iptables: loads with iptables-restore" ip netns exec "$ns" iptables-restore --noflush "$TMP/fw.ipt"
ip netns exec "$ns" iptables -S LOCKWATCH >"$TMP/listed" 2>&1
check "export iptables: chain holds the gateway range" grep -q -- "-s 205.139.110.0/24" "$TMP/listed"
check "export iptables: chain ends in DROP" [ "$(tail -n 1 "$TMP/listed")" = "-A LOCKWATCH -p tcp -j DROP" ]
run_lw "$TMP/fw.ip6t" "$TMP/err" rules export --format ip6tables -r "$TMP/site.rules"
check "export ip6tables: loads with ip6tables-restore" ip netns exec "$ns" ip6tables-restore --noflush "$TMP/fw.ip6t"
check "export ip6tables: v6 gateway only" sh -c "grep -q '2001:db8:100::/48' '$TMP/fw.ip6t' && ! grep -q '205.139' '$TMP/fw.ip6t'"
run_lw "$TMP/out" "$TMP/err" rules export --format pf -r "$TMP/site.rules"
check "export: unknown format is a usage error" [ "$rc" -eq 64 ] && grep -q "'pf' is not one of" "$TMP/err"

# include falls back to the shipped sets directory (the installed one, or
# LOCKWATCH_RULES_DIR) when the name is not next to the including file
mkdir -p "$TMP/etc"
printf 'include "mimecast-eu.rules"\nuse mimecast-eu\n' >"$TMP/etc/site.rules"
LOCKWATCH_RULES_DIR="$R" "$LOCKWATCH" rules lookup -r "$TMP/etc/site.rules" 195.130.217.5 >"$TMP/out" 2>"$TMP/err"
check "include: a relative name falls back to the shipped sets" \
	grep -q "allowed	set mimecast-eu	195.130.217.0/24	.*rules/mimecast-eu.rules:" "$TMP/out"
LOCKWATCH_RULES_DIR="$TMP/nowhere" "$LOCKWATCH" rules check "$TMP/etc/site.rules" >"$TMP/out" 2>"$TMP/err"
check "include: missing everywhere is an error naming the include" \
	grep -q "site.rules:1:9: error: cannot read include '.*mimecast-eu.rules': No such file" "$TMP/err"
