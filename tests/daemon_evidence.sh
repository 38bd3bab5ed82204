#!/bin/sh
# Integration (issue 12): lockwatchd raises the reached alert for a reach
# the server's reply alone proved, naming it (LOCKWATCH_REACHED_WITHOUT_SYN),
# and the summary counts such reaches under the same word. The capture
# starts mid-session (tests/evidence_pcaps); alerts are read back from the
# real journal.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"
journal_ready

"$top_builddir/tests/evidence_pcaps" "$TMP" || not_ok "evidence_pcaps"
cat >"$TMP/rules" <<'RULES'
allow test-gw 198.51.100.0/24
RULES
rc=0
"$LOCKWATCHD" --rules "$TMP/rules" --sensor-name "$SENSOR_BASE-mid" -r "$TMP/midsession.pcap" \
	>"$TMP/mid.out" 2>"$TMP/mid.err" || rc=$?
check "mid-session: exit status 0" [ "$rc" -eq 0 ]
check "mid-session: alerts in the journal" journal_dump "$SENSOR_BASE-mid" "$TMP/mid.json" 4
J="$TMP/mid.json"
check "mid-session: the reach is crit and names its evidence" alerts_is "$J" \
	'[(x["LOCKWATCH_SRC"], x["PRIORITY"], x["LOCKWATCH_OUTCOME"], x.get("LOCKWATCH_REACHED_WITHOUT_SYN")) for x in ev("reached")]' \
	'[["203.0.113.66", "2", "established", "1"]]'
check "mid-session: the message says the SYN was not captured" alerts_is "$J" \
	'"SYN not captured" in ev("reached")[0]["MESSAGE"]' 'true'
check "mid-session: the summary counts it" alerts_is "$J" \
	'[ev("summary")[0].get(k) for k in ("LOCKWATCH_VERDICT", "LOCKWATCH_REACHED_SOURCES", "LOCKWATCH_REACHED_WITHOUT_SYN")]' \
	'["not_effective", "1", "1"]'
