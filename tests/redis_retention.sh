#!/bin/sh
# Retention of the indexes: keys expire after --redis-retention, but the
# indexes (seen, attempts, reached, hours) are refreshed by every flush and
# must be trimmed instead, or a long-running sensor grows them forever. A
# batch drops what was last seen more than the retention before its own
# newest sighting; an old capture replayed later trims nothing newer.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/redis_lib.sh"
need python3
need_redis
redis_start_unix r
URL="unix:$TMP/r.sock"
RCLI="redis-cli -s $TMP/r.sock"
DAY=86400

printf 'allow test-gw 198.51.100.0/24\n' >"$TMP/rules"
# old: day 0, an outside source that got through and one that was refused;
# new: three days later, another refused one (and the gateway both times)
"$LWGEN" -o "$TMP/old.pcap" --script - <<S || not_ok "lwgen old"
0 198.51.100.10 192.0.2.25 smtp gw1.example
1 203.0.113.7 192.0.2.25 smtp spam.example
2 203.0.113.8 192.0.2.25 refused
S
"$LWGEN" -o "$TMP/new.pcap" --script - <<S || not_ok "lwgen new"
$((3 * DAY)) 198.51.100.10 192.0.2.25 smtp gw1.example
$((3 * DAY + 1)) 203.0.113.9 192.0.2.25 refused
S

# members KEY: the index's members, sorted, on one line
members() { $RCLI zrange "lockwatch:$1" 0 -1 | sort | xargs echo; }
replay() {
	run_lw "$TMP/out" "$TMP/err" replay -r "$TMP/rules" --redis "$URL" \
		--sensor-name mx1 --redis-retention 1 "$@"
}

replay "$TMP/old.pcap"
check "old capture stored" [ "$rc" -eq 2 ]
check "old: seen holds its three sources" \
	[ "$(members seen)" = "198.51.100.10 203.0.113.7 203.0.113.8" ]
check "old: reached holds the breach" [ "$(members reached)" = "203.0.113.7" ]
check "old: one hour" [ "$($RCLI zcard lockwatch:hours)" = 1 ]

replay "$TMP/new.pcap"
check "new capture stored" [ "$rc" -eq 0 ]
check "new: seen holds only the new day's sources" \
	[ "$(members seen)" = "198.51.100.10 203.0.113.9" ]
check "new: attempts lost the old outside sources" [ "$(members attempts)" = "203.0.113.9" ]
check "new: reached lost the old breach" [ -z "$(members reached)" ]
check "new: hours lost the old hour" [ "$($RCLI zcard lockwatch:hours)" = 1 ]
check "the old sources' own keys are left to their expiry" \
	[ "$($RCLI exists lockwatch:src:203.0.113.7)" = 1 ]
check "src keys carry the retention" \
	[ "$($RCLI ttl lockwatch:src:203.0.113.9)" -gt $((DAY - 60)) ]

run_lw "$TMP/rep.json" "$TMP/err" report --redis "$URL" --json
check "report: the new window only, EFFECTIVE" [ "$rc" -eq 0 ]
check "report: one outside source" json_is "$TMP/rep.json" \
	'[s["addr"] for s in d["sources"] if s["class"] == "outside"]' '["203.0.113.9"]'

# replayed afterwards, the old capture trims nothing newer than itself
replay "$TMP/old.pcap"
check "old replayed again" [ "$rc" -eq 2 ]
check "old again: the new sources stay indexed" \
	[ "$(members seen)" = "198.51.100.10 203.0.113.7 203.0.113.8 203.0.113.9" ]

# A backlog larger than one ZREM chunk of the script (500): 1,200 stale
# sources go in one flush, from all three source indexes
python3 -c '
for i in range(1200):
    print("%d 10.%d.%d.1 192.0.2.25 refused" % (10 * 86400 + i // 100, i // 256, i % 256))
' | "$LWGEN" -o "$TMP/many.pcap" --script - || not_ok "lwgen many"
"$LWGEN" -o "$TMP/later.pcap" --script - <<S || not_ok "lwgen later"
$((13 * DAY)) 203.0.113.10 192.0.2.25 refused
S
replay "$TMP/many.pcap"
check "backlog: 1,200 sources indexed" [ "$($RCLI zcard lockwatch:attempts)" -ge 1200 ]
replay "$TMP/later.pcap"
check "backlog: all trimmed in one flush" [ "$(members seen)" = "203.0.113.10" ]
check "backlog: attempts trimmed alike" [ "$(members attempts)" = "203.0.113.10" ]
