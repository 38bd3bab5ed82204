#!/bin/sh
# Retention of the class indexes: seen:allowed, seen:exception, seen:probe
# and seen:outbound are refreshed by every flush like seen, so each batch
# trims them like seen (what was last seen more than the retention before
# the batch's newest sighting), or a long-running sensor grows them
# forever; an old capture replayed later trims nothing newer.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/redis_lib.sh"
need_redis
redis_start_unix r
URL="unix:$TMP/r.sock"
RCLI="redis-cli -s $TMP/r.sock"
DAY=86400

cat >"$TMP/rules" <<'RULES'
allow test-gw 198.51.100.0/24
exception 192.0.2.50/32 backup-mx
probe 203.0.113.9 vantage-a
server 192.0.2.25 192.0.2.26
RULES
# day 0: one source of every class (the MX 192.0.2.26 sends its own mail);
# three days later: another gateway, the MX's other address sending, and
# two refused outside sources
"$LWGEN" -o "$TMP/old.pcap" --script - <<S || not_ok "lwgen old"
0 198.51.100.10 192.0.2.25 smtp gw1.example
1 192.0.2.50    192.0.2.25 smtp backup.example
2 203.0.113.9   192.0.2.25 refused
3 192.0.2.26    203.0.113.25 smtp mx.example
4 203.0.113.7   192.0.2.25 refused
S
"$LWGEN" -o "$TMP/new.pcap" --script - <<S || not_ok "lwgen new"
$((3 * DAY)) 198.51.100.11 192.0.2.25 smtp gw2.example
$((3 * DAY + 1)) 192.0.2.51 192.0.2.25 refused
$((3 * DAY + 2)) 192.0.2.25 203.0.113.26 smtp mx.example
$((3 * DAY + 3)) 203.0.113.8 192.0.2.25 refused
S

# members KEY: the index's members, sorted, on one line
members() { $RCLI zrange "lockwatch:$1" 0 -1 | sort | xargs echo; }
replay() {
	run_lw "$TMP/out" "$TMP/err" replay -r "$TMP/rules" --redis "$URL" \
		--sensor-name mx1 --redis-retention 1 "$@"
	[ "$rc" -le 3 ] || not_ok "replay $*: status $rc: $(head -c 300 "$TMP/err")"
}

replay "$TMP/old.pcap"
check "old: every class index holds its source" sh -c \
	"[ \"\$($RCLI zrange lockwatch:seen:allowed 0 -1) \$($RCLI zrange lockwatch:seen:exception 0 -1) \$($RCLI zrange lockwatch:seen:probe 0 -1) \$($RCLI zrange lockwatch:seen:outbound 0 -1)\" = '198.51.100.10 192.0.2.50 203.0.113.9 192.0.2.26' ]"

replay "$TMP/new.pcap"
check "new: seen:allowed holds only the new gateway" [ "$(members seen:allowed)" = "198.51.100.11" ]
check "new: seen:exception lost the old exception" [ -z "$(members seen:exception)" ]
check "new: seen:probe lost the old probe" [ -z "$(members seen:probe)" ]
check "new: seen:outbound holds only the MX address that sent lately" \
	[ "$(members seen:outbound)" = "192.0.2.25" ]
check "new: seen trimmed alike" [ "$(members seen)" = "192.0.2.25 192.0.2.51 198.51.100.11 203.0.113.8" ]

# replayed afterwards, the old capture trims nothing newer than itself
replay "$TMP/old.pcap"
check "old again: the new sources stay in the class indexes" sh -c \
	"[ \"\$($RCLI zrange lockwatch:seen:outbound 0 -1 | sort | xargs echo)\" = '192.0.2.25 192.0.2.26' ] &&
	 [ \"\$($RCLI zrange lockwatch:seen:probe 0 -1)\" = '203.0.113.9' ] &&
	 [ \"\$($RCLI zrange lockwatch:seen:allowed 0 -1 | sort | xargs echo)\" = '198.51.100.10 198.51.100.11' ]"
