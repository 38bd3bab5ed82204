#!/bin/sh
# Integration: lockwatchd replays generated captures into the real journal;
# every alert is read back with `journalctl -o json` (filtered by this
# test's own LOCKWATCH_SENSOR) and checked field by field: the events and
# their MESSAGE_IDs and priorities, de-duplication, the flood guard, the
# summary. The catalog is checked to explain every MESSAGE_ID.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"
journal_ready

cat >"$TMP/rules" <<'RULES'
allow test-gw 198.51.100.0/24
exception 192.0.2.50/32 backup-mx "secondary MX"
RULES
gen() { "$LWGEN" -o "$TMP/$1.pcap" --script - || not_ok "lwgen $1"; }
# lwd NAME [options]: replays NAME.pcap as sensor $SENSOR_BASE-NAME
lwd() {
	name=$1
	shift
	rc=0
	"$LOCKWATCHD" --rules "$TMP/rules" --sensor-name "$SENSOR_BASE-$name" "$@" \
		-r "$TMP/$name.pcap" >"$TMP/$name.out" 2>"$TMP/$name.err" || rc=$?
}

# --- a breach: every event of a source, field by field
gen breach <<'S'
0 198.51.100.10 192.0.2.25 smtp gw1.example
1 203.0.113.7   192.0.2.25 refused sport=40001
2 203.0.113.66  192.0.2.25 smtp spammer.example sport=40002
3 192.0.2.50    192.0.2.25 smtp backup.example sport=40003
4 203.0.113.8   192.0.2.25 accepted sport=40004
S
lwd breach
check "breach: exit status 0" [ "$rc" -eq 0 ]
check "breach: alerts in the journal" journal_dump "$SENSOR_BASE-breach" "$TMP/breach.json" 8
J="$TMP/breach.json"
check "breach: events in order" alerts_is "$J" '[x["LOCKWATCH_EVENT"] for x in a]' \
	'["attempt", "reached", "smtp", "exception", "attempt", "attempt", "reached", "summary"]'
check "breach: nothing for the gateway" alerts_is "$J" '[x for x in a if x.get("LOCKWATCH_SRC") == "198.51.100.10"]' '[]'
check "breach: smtp alert fields" alerts_is "$J" \
	'[ev("smtp")[0].get(k) for k in ("MESSAGE_ID","PRIORITY","SYSLOG_IDENTIFIER","LOCKWATCH_SRC","LOCKWATCH_SRC_PORT","LOCKWATCH_DST","LOCKWATCH_DST_PORT","LOCKWATCH_OUTCOME","LOCKWATCH_ATTEMPTS","LOCKWATCH_HELO","LOCKWATCH_TIME")]' \
	'["3827c73689f74aa6a935aff5d98506d0", "2", "lockwatchd", "203.0.113.66", "40002", "192.0.2.25", "25", "smtp", "1", "spammer.example", "2026-11-02T09:00:02Z"]'
check "breach: reached is crit with its own id" alerts_is "$J" \
	'sorted((x["LOCKWATCH_SRC"], x["PRIORITY"], x["MESSAGE_ID"], x["LOCKWATCH_OUTCOME"]) for x in ev("reached"))' \
	'[["203.0.113.66", "2", "e443f88220a64ee8b340b445ec29eaf8", "smtp"], ["203.0.113.8", "2", "e443f88220a64ee8b340b445ec29eaf8", "accepted"]]'
check "breach: refused source is a notice without HELO or set" alerts_is "$J" \
	'[(x["PRIORITY"], x["MESSAGE_ID"], x["LOCKWATCH_OUTCOME"], "LOCKWATCH_HELO" in x, "LOCKWATCH_SET" in x) for x in ev("attempt", "203.0.113.7")]' \
	'[["5", "61ea915888124acea785e2f9bd06e962", "refused", false, false]]'
check "breach: exception with its label" alerts_is "$J" \
	'[(x["PRIORITY"], x["MESSAGE_ID"], x["LOCKWATCH_SET"], x["LOCKWATCH_HELO"], x["LOCKWATCH_SRC"]) for x in ev("exception")]' \
	'[["6", "b816299e294048438402199cf995fd54", "backup-mx", "backup.example", "192.0.2.50"]]'
check "breach: summary counts and verdict" alerts_is "$J" \
	'[ev("summary")[0].get(k) for k in ("PRIORITY","LOCKWATCH_VERDICT","LOCKWATCH_ATTEMPTS","LOCKWATCH_OUTSIDE_SOURCES","LOCKWATCH_REACHED_SOURCES","LOCKWATCH_PACKETS")]' \
	'["6", "not_effective", "3", "3", "2", "22"]'
check "breach: journalctl finds a source by LOCKWATCH_SRC" \
	sh -c "[ \$(journalctl --no-pager -o cat LOCKWATCH_SENSOR=$SENSOR_BASE-breach LOCKWATCH_SRC=203.0.113.66 | wc -l) -eq 3 ]"
check "breach: journalctl finds reaches by MESSAGE_ID" \
	sh -c "[ \$(journalctl --no-pager -o cat LOCKWATCH_SENSOR=$SENSOR_BASE-breach MESSAGE_ID=e443f88220a64ee8b340b445ec29eaf8 | wc -l) -eq 2 ]"
check "breach: nothing on stderr but the start line" \
	sh -c "[ \$(grep -vc '^lockwatchd: replaying' '$TMP/breach.err') -eq 0 ]"

# --- de-duplication: one source trying five times within the window
gen dedup <<'S'
0 198.51.100.10 192.0.2.25 smtp gw1.example
1 203.0.113.7 192.0.2.25 refused
2 203.0.113.7 192.0.2.25 refused
3 203.0.113.7 192.0.2.25 refused
200 203.0.113.7 192.0.2.25 refused
201 203.0.113.7 192.0.2.25 refused
S
lwd dedup --dedup-window 60
journal_dump "$SENSOR_BASE-dedup" "$TMP/dedup.json" 3
check "dedup: one alert per window, with the running count" alerts_is "$TMP/dedup.json" \
	'[x["LOCKWATCH_ATTEMPTS"] for x in ev("attempt")]' '["1", "4"]'
check "dedup: summary counts the suppressed" alerts_is "$TMP/dedup.json" \
	'[ev("summary")[0][k] for k in ("LOCKWATCH_ATTEMPTS", "LOCKWATCH_ALERTS_SUPPRESSED")]' '["5", "3"]'
cp "$TMP/dedup.pcap" "$TMP/nodedup.pcap"
lwd nodedup --dedup-window 0
journal_dump "$SENSOR_BASE-nodedup" "$TMP/nodedup.json" 6
check "dedup: window 0 alerts every attempt" alerts_is "$TMP/nodedup.json" \
	'[x["LOCKWATCH_ATTEMPTS"] for x in ev("attempt")]' '["1", "2", "3", "4", "5"]'

# --- flood guard: 300 spoofed sources in 3 s of packet time, each judged
# at its 5 s timeout (so from 5 s to 8 s; gateway deliveries every 10 ms
# move packet time along meanwhile). Burst 20, then 2/s refill over the
# 2.99 s the judgements span: 26 notices out, 275 of 301 held back.
python3 -c '
for i in range(300):
    print("%.2f 203.0.%d.%d 192.0.2.25 refused" % (i / 100, 113 + i // 250, 1 + i % 250))
print("2.5 203.0.112.66 192.0.2.25 smtp through.example")
print("0 198.51.100.10 192.0.2.25 smtp gw1.example")
for i in range(330):
    print("%.2f 198.51.100.11 192.0.2.25 smtp gw2.example" % (5 + i / 100))' | gen flood
lwd flood --flood-burst 20 --flood-rate 2 --dedup-window 0
journal_dump "$SENSOR_BASE-flood" "$TMP/flood.json" 24
check "flood: the burst goes out, then the guard closes" alerts_is "$TMP/flood.json" \
	'len(ev("attempt"))' '26'
check "flood: the breach in the storm still gets through" alerts_is "$TMP/flood.json" \
	'[len(ev("reached")), len(ev("smtp")), ev("smtp")[0]["LOCKWATCH_HELO"]]' '[1, 1, "through.example"]'
check "flood: one summary line with the number suppressed" alerts_is "$TMP/flood.json" \
	'[(x["PRIORITY"], x["MESSAGE_ID"], x["LOCKWATCH_COUNT"], x["LOCKWATCH_SUPPRESSED_ATTEMPT"]) for x in ev("flood")]' \
	'[["4", "f86169f9eb6b4c03904f23f068afc90d", "275", "275"]]'
check "flood: sent + suppressed = every outside attempt" alerts_is "$TMP/flood.json" \
	'len(ev("attempt")) + int(ev("flood")[0]["LOCKWATCH_COUNT"]) == int(ev("summary")[0]["LOCKWATCH_ATTEMPTS"])' 'true'

# --- the catalog explains every MESSAGE_ID the daemon can send
need journalctl
mkdir -p "$TMP/root/usr/lib/systemd/catalog" "$TMP/root/var/lib/systemd/catalog"
cp "$top_srcdir/systemd/lockwatch.catalog" "$TMP/root/usr/lib/systemd/catalog/"
journalctl --root="$TMP/root" --update-catalog 2>"$TMP/catalog.err"
journalctl --root="$TMP/root" --list-catalog >"$TMP/catalog.list" 2>>"$TMP/catalog.err"
grep -o '"[0-9a-f]\{32\}"' "$top_srcdir/analyzer/alert.c" | tr -d '"' | sort >"$TMP/ids.src"
check "catalog: one entry per MESSAGE_ID (and none else)" \
	sh -c "awk '{print \$1}' '$TMP/catalog.list' | sort | diff - '$TMP/ids.src'"
check "catalog: entries parse without warnings" sh -c "[ ! -s '$TMP/catalog.err' ]"
