#!/bin/sh
# Integration: what a sensor watched reaches the report from Redis. Each
# flush records in sensor:<name> the servers the sensor judged attempts to
# (origin and addresses, bounded) and the attempts between two other hosts
# it left alone; `lockwatch report` then says what `lockwatch replay` says
# of the same capture, per sensor, and says so when sensors watched
# differently instead of merging them silently; the same for the `probe`
# vantage points of its rules, and for lockwatchd's flushes. A sensor
# older than the record leaves it unknown (null), as before.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/redis_lib.sh"
need python3
need_redis
redis_start_unix r
URL="unix:$TMP/r.sock"
RCLI="redis-cli -s $TMP/r.sock"

cat >"$TMP/rules" <<'RULES'
allow test-gw 198.51.100.0/24
RULES
{ echo 'server 192.0.2.25 2001:db8::25'; cat "$TMP/rules"; } >"$TMP/rules-server"
{ echo 'server any'; cat "$TMP/rules"; } >"$TMP/rules-any"

# The MX 192.0.2.25: the gateway delivers, an outside host is refused, the
# MX sends its own mail out, and 203.0.113.1 -> 203.0.113.2 is neither.
"$LWGEN" -o "$TMP/mx.pcap" --script - <<'S' || not_ok "lwgen"
0  198.51.100.10 192.0.2.25    smtp gw1.example
1  203.0.113.7   192.0.2.25    refused
2  192.0.2.25    203.0.113.25  smtp mx.example
4  203.0.113.1   203.0.113.2   refused
S

# stored PREFIX SENSOR RULES [replay options]: replay into Redis as SENSOR
stored() {
	prefix=$1 sensor=$2 rules=$3
	shift 3
	run_lw "$TMP/$prefix$sensor.json" "$TMP/$prefix$sensor.err" replay -r "$rules" --json \
		--redis "$URL" --redis-prefix "$prefix:" --sensor-name "$sensor" "$@" "$TMP/mx.pcap"
	[ "$rc" -le 3 ] || not_ok "replay into $prefix:/$sensor: status $rc: $(head -c 300 "$TMP/$prefix$sensor.err")"
}
# report PREFIX [options]: JSON in $TMP/PREFIX.report.json, text in .txt
report() {
	prefix=$1
	shift
	run_lw "$TMP/$prefix.report.json" "$TMP/$prefix.err" report --redis "$URL" \
		--redis-prefix "$prefix:" --json "$@"
	run_lw "$TMP/$prefix.report.txt" "$TMP/$prefix.err" report --redis "$URL" \
		--redis-prefix "$prefix:" "$@"
}

# --- server lines: the report says what replay says
stored one mx1 "$TMP/rules-server"
report one
check "server lines: sensor:mx1 records the origin and the addresses" sh -c \
	"[ \"\$($RCLI hmget one:sensor:mx1 servers_origin servers_count servers not_watched_attempts | tr '\n' '|')\" = 'rules|2|192.0.2.25 2001:db8::25|1|' ]"
check "server lines: JSON servers as replay's" python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
sys.exit(0 if a["servers"]["origin"] == "rules" and all(a["servers"][k] == b["servers"][k]
         for k in ("origin", "addresses", "not_watched_attempts")) else 1)' \
	"$TMP/onemx1.json" "$TMP/one.report.json"
check "server lines: one sensor, the sensors do not differ" json_is "$TMP/one.report.json" \
	'd["servers"]["sensors_differ"]' false
check "server lines: the sensor's own record in JSON" json_is "$TMP/one.report.json" \
	'[(s["name"], s["servers"]) for s in d["sensors"]]' \
	'[["mx1", {"origin": "rules", "addresses": 2, "list": ["192.0.2.25", "2001:db8::25"], "not_watched_attempts": 1}]]'
run_lw "$TMP/one.replay.txt" "$TMP/err" replay -r "$TMP/rules-server" "$TMP/mx.pcap"
check "server lines: the text has replay's Servers line" sh -c \
	"grep '^Servers:' '$TMP/one.replay.txt' >'$TMP/a' && grep '^Servers:' '$TMP/one.report.txt' >'$TMP/b' && cmp -s '$TMP/a' '$TMP/b' && grep -q '^Servers: 2 address(es) from rules; 1 attempt' '$TMP/b'"
check "server lines: the text names the sensor's servers" \
	grep -q '^    servers: 2 address(es) from rules: 192.0.2.25 2001:db8::25; 1 attempt(s) between two other hosts not judged$' \
	"$TMP/one.report.txt"

# --- --server on the replay, and server any
stored opt mx1 "$TMP/rules" --server 192.0.2.25
report opt
check "--server: origin and addresses" json_is "$TMP/opt.report.json" \
	'[d["servers"][k] for k in ("origin", "addresses", "not_watched_attempts", "sensors_differ")]' \
	'["--server", 1, 1, false]'
stored any mx1 "$TMP/rules-any"
report any
check "server any: origin any, no address" json_is "$TMP/any.report.json" \
	'[d["servers"]["origin"], d["servers"]["addresses"], d["sensors"][0]["servers"]["list"]]' \
	'["any", 0, []]'
check "server any: the text says it" grep -q "^Servers: any ('server any'): every destination is judged$" \
	"$TMP/any.report.txt"
stored none mx1 "$TMP/rules"
report none
check "none named: origin none named, as replay" json_is "$TMP/none.report.json" \
	'd["servers"]["origin"]' "none named"

# --- two sensors that watched differently: said, not merged silently
stored two mx-a "$TMP/rules-server"
stored two mx-b "$TMP/rules-any"
report two
check "two sensors: origin mixed, they differ, the addresses they listed" json_is "$TMP/two.report.json" \
	'[d["servers"][k] for k in ("origin", "addresses", "not_watched_attempts", "sensors_differ")]' \
	'["mixed", 2, 1, true]'
check "two sensors: each one's own origin" json_is "$TMP/two.report.json" \
	'[(s["name"], s["servers"]["origin"], s["servers"]["addresses"]) for s in d["sensors"]]' \
	'[["mx-a", "rules", 2], ["mx-b", "any", 0]]'
check "two sensors: the text says they differ" \
	grep -q '^Servers: the sensors watched differently (each one.s servers under Capture)' "$TMP/two.report.txt"
check "two sensors: the text names each one's servers" sh -c \
	"grep -A1 '^  sensor mx-a:' '$TMP/two.report.txt' | grep -q '^    servers: 2 address(es) from rules: 192.0.2.25 2001:db8::25' &&
	 grep -A1 '^  sensor mx-b:' '$TMP/two.report.txt' | grep -q \"^    servers: any ('server any')\""
report two --sensor mx-a
check "--sensor: that sensor's servers alone" json_is "$TMP/two.report.json" \
	'[d["servers"][k] for k in ("origin", "addresses", "sensors_differ")]' '["rules", 2, false]'

# --- a sensor older than the record: not known, as before
stored old mx1 "$TMP/rules-server"
$RCLI hdel old:sensor:mx1 servers_origin servers_count servers not_watched_attempts >/dev/null
report old
check "older sensor: origin null" json_is "$TMP/old.report.json" \
	'[d["servers"]["origin"], d["sensors"][0]["servers"]]' '[null, null]'
check "older sensor: no Servers line" sh -c "! grep -q '^Servers:' '$TMP/old.report.txt'"
stored old mx2 "$TMP/rules-server"
report old
check "an older sensor beside a newer one: they differ" json_is "$TMP/old.report.json" \
	'[d["servers"]["origin"], d["servers"]["sensors_differ"]]' '["mixed", true]'

# --- many servers: the record is bounded, the count is whole
{
	i=1
	while [ $i -le 80 ]; do
		echo "server 2001:db8:1:2:3:4:5:$(printf %x $((4096 + i)))"
		i=$((i + 1))
	done
	cat "$TMP/rules"
} >"$TMP/rules-many"
stored many mx1 "$TMP/rules-many"
report many
check "many servers: the count is whole, the list cut to whole addresses" python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); s = d["sensors"][0]["servers"]
ok = d["servers"]["addresses"] == 80 and s["addresses"] == 80 and 20 < len(s["list"]) < 80
ok = ok and all(a.startswith("2001:db8:1:2:3:4:5:1") and len(a) == 23 for a in s["list"])
sys.exit(0 if ok else 1)' "$TMP/many.report.json"
check "many servers: the record stays within its bound" sh -c \
	"[ \$($RCLI hstrlen many:sensor:mx1 servers) -le 1024 ]"
check "many servers: the text says the list is cut" grep -q '^    servers: 80 address(es) from rules: .* \.\.\.; 4 attempt' \
	"$TMP/many.report.txt"

# --- the rules' probe vantage points: named from Redis as in replay
{ echo 'probe 203.0.113.9 vantage-a'; cat "$TMP/rules-server"; } >"$TMP/rules-probe"
{ echo 'probe 203.0.113.10 vantage-b'; cat "$TMP/rules-probe"; } >"$TMP/rules-probes"
stored probe mx1 "$TMP/rules-probe"
report probe
check "probe: sensor:mx1 records the probe vantage points" sh -c \
	"[ \"\$($RCLI hmget probe:sensor:mx1 probes probe_prefixes | tr '\n' '|')\" = '1|203.0.113.9/32=vantage-a|' ]"
check "probe: named as replay's, not seen" python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
ok = a["probe"]["named"] == 1 and all(a["probe"][k] == b["probe"][k] for k in ("named", "seen", "result"))
sys.exit(0 if ok and b["probe"]["sensors_differ"] is False else 1)' \
	"$TMP/probemx1.json" "$TMP/probe.report.json"
check "probe: the sensor's own record in JSON" json_is "$TMP/probe.report.json" \
	'd["sensors"][0]["probes"]' '{"named": 1, "prefixes": [{"prefix": "203.0.113.9/32", "label": "vantage-a"}]}'
run_lw "$TMP/probe.replay.txt" "$TMP/err" replay -r "$TMP/rules-probe" "$TMP/mx.pcap"
check "probe: the text has replay's Probe line" sh -c \
	"grep '^Probe' '$TMP/probe.replay.txt' >'$TMP/a' && grep '^Probe' '$TMP/probe.report.txt' >'$TMP/b' && cmp -s '$TMP/a' '$TMP/b' && grep -q '^Probe: the rules name 1 probe vantage point(s); the sensor saw none' '$TMP/b'"
check "probe: the text names the sensor's probes" \
	grep -q '^    probes: 1 named: 203.0.113.9/32 vantage-a$' "$TMP/probe.report.txt"

stored probes mx-a "$TMP/rules-probe"
stored probes mx-b "$TMP/rules-probes"
report probes
check "probes, two sensors: the distinct ones named, the difference said" json_is "$TMP/probes.report.json" \
	'[d["probe"]["named"], d["probe"]["sensors_differ"], [s["probes"]["named"] for s in d["sensors"]]]' \
	'[2, true, [1, 2]]'
check "probes, two sensors: the text says the rules differ" \
	grep -q "^Probe: the rules name 2 probe vantage point(s) (the sensors' rules differ); the sensor saw none" \
	"$TMP/probes.report.txt"

stored probeold mx1 "$TMP/rules-probe"
$RCLI hdel probeold:sensor:mx1 probes probe_prefixes >/dev/null
report probeold
check "probe, older sensor: named null, no Probe line" json_is "$TMP/probeold.report.json" \
	'[d["probe"]["named"], d["sensors"][0]["probes"]]' '[null, null]'
check "probe, older sensor: no Probe line" sh -c "! grep -q '^Probe' '$TMP/probeold.report.txt'"

# --- lockwatchd records the same at its flushes
: >"$TMP/empty.conf"
rc=0
"$top_builddir/lockwatchd" -c "$TMP/empty.conf" -f --rules "$TMP/rules-probe" --redis "$URL" \
	--redis-prefix daemon: --sensor-name mxd -r "$TMP/mx.pcap" >/dev/null 2>"$TMP/daemon.err" || rc=$?
check "lockwatchd -r: stored, exit 0" [ "$rc" -eq 0 ]
report daemon
check "lockwatchd -r: servers and probes as the replay's" json_is "$TMP/daemon.report.json" \
	'[d["servers"]["origin"], d["servers"]["addresses"], d["servers"]["not_watched_attempts"], d["probe"]["named"]]' \
	'["rules", 2, 1, 1]'

# --- a record no sensor wrote (a hostile or broken server): the lists are
# read within their bound, cut after a whole word
stored big mx-a "$TMP/rules-probe"
stored big mx-b "$TMP/rules-server"
python3 -c '
import sys
sys.stdout.write(" ".join("10.%d.%d.%d" % (i >> 16, (i >> 8) & 255, i & 255) for i in range(20000)))
' >"$TMP/big.list"
$RCLI -x hset big:sensor:mx-a servers <"$TMP/big.list" >/dev/null
$RCLI -x hset big:sensor:mx-a probe_prefixes <"$TMP/big.list" >/dev/null
report big
check "a list past its bound: read within it, whole words" python3 -c '
import json, re, sys
d = json.load(open(sys.argv[1])); s = d["sensors"][0]
l, p = s["servers"]["list"], s["probes"]["prefixes"]
ok = d["servers"]["origin"] == "mixed" and 50 < len(l) <= 1024 // 8 and 50 < len(p) <= 1024 // 8
ok = ok and all(re.fullmatch(r"10\.\d+\.\d+\.\d+", a) for a in l) and l[-1] == "10.0.0.%d" % (len(l) - 1)
sys.exit(0 if ok else 1)' "$TMP/big.report.json"
