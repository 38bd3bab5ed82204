#!/bin/sh
# Integration: lockwatchd's summary alert counts each class on its own:
# LOCKWATCH_ATTEMPTS, LOCKWATCH_OUTSIDE_SOURCES and LOCKWATCH_REACHED_SOURCES
# the outside sources alone, LOCKWATCH_PROBE_ATTEMPTS, _SOURCES and
# _REACHED_SOURCES the rules' `probe` vantage points, so a probe that got
# through is never read as an outside source among the outside ones. The
# alerts are read back from the real journal.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"
journal_ready

cat >"$TMP/rules" <<'RULES'
allow test-gw 198.51.100.0/24
probe 203.0.113.8/29 vantage-a
server 192.0.2.25
RULES
# outside: .7 refused, .66 spoke SMTP; probe: .9 spoke SMTP (got through)
# and was refused once, .10 refused
"$LWGEN" -o "$TMP/probe.pcap" --script - <<'S' || not_ok "lwgen"
0 198.51.100.10 192.0.2.25 smtp gw1.example
1 203.0.113.7   192.0.2.25 refused
2 203.0.113.66  192.0.2.25 smtp spammer.example
3 203.0.113.9   192.0.2.25 smtp lockwatch-probe.example
4 203.0.113.9   192.0.2.25 refused
5 203.0.113.10  192.0.2.25 refused
S
rc=0
"$LOCKWATCHD" --rules "$TMP/rules" --sensor-name "$SENSOR_BASE-probe" -r "$TMP/probe.pcap" \
	--metrics-file "$TMP/m.prom" >"$TMP/probe.out" 2>"$TMP/probe.err" || rc=$?
check "exit status 0" [ "$rc" -eq 0 ]
check "metrics: reached outside sources and the probe's apart, as in the summary" sh -c \
	"grep -qx 'lockwatch_reached_sources 1' '$TMP/m.prom' &&
	 grep -qx 'lockwatch_probe_reached_sources 1' '$TMP/m.prom'"
summary_logged() {
	journal_dump "$SENSOR_BASE-probe" "$TMP/probe.json" 1 &&
		python3 - "$TMP/probe.json" <<'PY'
import json, sys
sys.exit(0 if any(json.loads(l).get("LOCKWATCH_EVENT") == "summary" for l in open(sys.argv[1])) else 1)
PY
}
i=0
until summary_logged || [ $i -ge 50 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "the summary is in the journal" summary_logged
J="$TMP/probe.json"
check "outside: attempts, sources and reached, the probe apart" alerts_is "$J" \
	'[ev("summary")[0].get(k) for k in ("LOCKWATCH_VERDICT", "LOCKWATCH_ATTEMPTS", "LOCKWATCH_OUTSIDE_SOURCES", "LOCKWATCH_REACHED_SOURCES")]' \
	'["not_effective", "2", "2", "1"]'
check "probe: attempts, sources and reached" alerts_is "$J" \
	'[ev("summary")[0].get(k) for k in ("LOCKWATCH_PROBE_ATTEMPTS", "LOCKWATCH_PROBE_SOURCES", "LOCKWATCH_PROBE_REACHED_SOURCES")]' \
	'["3", "2", "1"]'
check "the message says both" alerts_is "$J" \
	'"2 outside attempts from 2 sources, 1 reached" in ev("summary")[0]["MESSAGE"] and "3 probe attempts from 2 sources, 1 reached" in ev("summary")[0]["MESSAGE"]' \
	'true'
check "the fields before them are still there" alerts_is "$J" \
	'[k in ev("summary")[0] for k in ("LOCKWATCH_SERVERS", "LOCKWATCH_ALERTS_SUPPRESSED", "LOCKWATCH_ALERTS_LOST", "LOCKWATCH_OUTBOUND_SOURCES")]' \
	'[true, true, true, true]'
check "the catalog's summary entry names every field of the summary" python3 - "$J" \
	"$top_srcdir/systemd/lockwatch.catalog" <<'PY'
import json, sys
s = [json.loads(l) for l in open(sys.argv[1])]
s = [x for x in s if x.get("LOCKWATCH_EVENT") == "summary"][0]
cat = open(sys.argv[2]).read()
entry = cat[cat.index("-- " + s["MESSAGE_ID"]):]
entry = entry[:entry.find("\n-- ", 1)] if "\n-- " in entry else entry
missing = [k for k in s if k.startswith("LOCKWATCH_") and k not in ("LOCKWATCH_EVENT", "LOCKWATCH_SENSOR")
           and "@%s@" % k not in entry]
print("# not in the catalog: %s" % missing, file=sys.stderr)
sys.exit(1 if missing else 0)
PY
