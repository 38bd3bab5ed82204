#!/bin/sh
# Integration: `lockwatch replay --redis` writes the aggregates to a real
# redis-server on a private Unix socket and `lockwatch report` reads them
# back into the same report; several sensors merge; flushing often or once
# stores the same; bad URLs, an unreachable server, a key of the wrong
# type and OOM give one clear line and the documented status.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/redis_lib.sh"
need python3
need_redis
redis_start_unix r
URL="unix:$TMP/r.sock"
RCLI="redis-cli -s $TMP/r.sock"

cat >"$TMP/rules" <<'RULES'
allow test-gw 198.51.100.0/24
allow test-gw 2001:db8:100::/48
exception 192.0.2.50/32 backup-mx "secondary MX at the ISP"
RULES

# same_report A.json B.json: verdict, reason, window, totals and sources equal.
same_report() {
	python3 - "$1" "$2" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
bad = [k for k in ("verdict", "reason", "window", "totals", "sources") if a[k] != b[k]]
for k in bad:
    print("# %s differs:\n#  %s\n#  %s" % (k, a[k], b[k]), file=sys.stderr)
sys.exit(1 if bad else 0)
PY
}

# --- a capture with every class and outcome, over two hours
"$LWGEN" -o "$TMP/mixed.pcap" --seed 7 --mixed 400 --breach || not_ok "lwgen mixed"
"$LWGEN" -o "$TMP/script.pcap" --script - <<'S' || not_ok "lwgen script"
0    198.51.100.10 192.0.2.25 smtp gw1.example
1    192.0.2.50    192.0.2.25 smtp backup-mx.example
2    203.0.113.7   192.0.2.25 refused
3    203.0.113.66  192.0.2.25 smtp spammer.example
5    2001:db8:bad::9 2001:db8::25 unanswered retrans=3
3700 203.0.113.7   192.0.2.25 rejected
S

for cap in mixed script; do
	run_lw "$TMP/$cap.replay.json" "$TMP/$cap.replay.err" replay -r "$TMP/rules" --json --top 0 \
		--redis "$URL" --redis-prefix "$cap:" --sensor-name mx1 "$TMP/$cap.pcap"
	replay_rc=$rc
	check "$cap: replay --redis exits with the verdict" [ "$replay_rc" -le 3 ]
	run_lw "$TMP/$cap.report.json" "$TMP/$cap.report.err" report --redis "$URL" \
		--redis-prefix "$cap:" --json --top 0
	check "$cap: report exits like replay ($replay_rc)" [ "$rc" -eq "$replay_rc" ]
	check "$cap: report gives replay's verdict, window, totals and sources" \
		same_report "$TMP/$cap.replay.json" "$TMP/$cap.report.json"
	check "$cap: the sensor and its coverage are listed" json_is "$TMP/$cap.report.json" \
		'[(s["name"], s["packets"] == d["capture"]["packets"], s["lost"]) for s in d["sensors"]]' \
		'[["mx1", true, 0]]'
done
check "mixed: the capture has sources to compare" json_is "$TMP/mixed.report.json" \
	'len(d["sources"]) > 50' true
check "script: schema keys are there" sh -c "[ \$($RCLI exists script:src:203.0.113.7 script:reached \
	script:attempts script:sources:20261102 script:series:2026110209 script:sensor:mx1) -eq 6 ]"
check "script: counts in the source hash" json_is "$TMP/script.report.json" \
	'[(s["addr"], s["attempts"], s["refused"], s["rejected"]) for s in d["sources"] if s["addr"] == "203.0.113.7"]' \
	'[["203.0.113.7", 2, 1, 1]]'
check "script: distinct outside sources of the day" sh -c "[ \$($RCLI pfcount script:sources:20261102) -eq 3 ]"
check "script: keys expire (retention)" sh -c "[ \$($RCLI ttl script:src:203.0.113.7) -gt 2500000 ]"

# --- the text report is the replay's text report
run_lw "$TMP/script.replay.txt" "$TMP/err" replay -r "$TMP/rules" "$TMP/script.pcap"
run_lw "$TMP/script.report.txt" "$TMP/err" report --redis "$URL" --redis-prefix script:
sed -n '1,/^Capture/p' "$TMP/script.replay.txt" >"$TMP/replay.head"
sed -n '1,/^Capture/p' "$TMP/script.report.txt" >"$TMP/report.head"
check "text: same window, verdict, totals and sources" cmp -s "$TMP/replay.head" "$TMP/report.head"
check "text: the sensor's coverage line" grep -q '^  sensor mx1: last flush 20' "$TMP/script.report.txt"

# --- flushing every packet-time second or once at the end stores the same
run_lw "$TMP/once.json" "$TMP/once.err" replay -r "$TMP/rules" --json --redis "$URL" \
	--redis-prefix once: --sensor-name mx1 --flush-interval 0 "$TMP/mixed.pcap"
run_lw "$TMP/once.report.json" "$TMP/err" report --redis "$URL" --redis-prefix once: --json --top 0
check "flush once vs every second: same report" same_report "$TMP/mixed.report.json" "$TMP/once.report.json"
check "flush every second: more than one batch" sh -c "[ \"\$($RCLI hget mixed:sensor:mx1 batch | cut -d: -f2)\" -gt 1 ]"

# --- two sensors into one Redis: counts add, both listed with coverage
"$LWGEN" -o "$TMP/a.pcap" --script - <<'S' || not_ok "lwgen a"
0  198.51.100.10 192.0.2.25 smtp gw1.example
1  203.0.113.7   192.0.2.25 refused
2  203.0.113.8   192.0.2.25 unanswered
S
"$LWGEN" -o "$TMP/b.pcap" --script - <<'S' || not_ok "lwgen b"
100 198.51.100.11 192.0.2.26 smtp gw2.example
101 203.0.113.7   192.0.2.26 refused
102 203.0.113.7   192.0.2.26 rejected
103 203.0.113.9   192.0.2.26 refused
S
run_lw "$TMP/a.json" "$TMP/err" replay -r "$TMP/rules" --json --redis "$URL" --redis-prefix two: --sensor-name mx-a "$TMP/a.pcap"
run_lw "$TMP/b.json" "$TMP/err" replay -r "$TMP/rules" --json --redis "$URL" --redis-prefix two: --sensor-name mx-b "$TMP/b.pcap"
run_lw "$TMP/ab.json" "$TMP/err" replay -r "$TMP/rules" --json "$TMP/a.pcap" "$TMP/b.pcap"
run_lw "$TMP/two.json" "$TMP/err" report --redis "$URL" --redis-prefix two: --json
check "two sensors: merged report equals one replay of both captures" same_report "$TMP/ab.json" "$TMP/two.json"
check "two sensors: 203.0.113.7 counted from both" json_is "$TMP/two.json" \
	'[(s["attempts"], s["refused"], s["rejected"]) for s in d["sources"] if s["addr"] == "203.0.113.7"]' '[[3, 2, 1]]'
check "two sensors: both listed with their packets" json_is "$TMP/two.json" \
	'[(s["name"], s["packets"]) for s in d["sensors"]]' \
	"[[\"mx-a\", $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["capture"]["packets"])' "$TMP/a.json")], [\"mx-b\", $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["capture"]["packets"])' "$TMP/b.json")]]"
check "two sensors: capture packets are the sum" json_is "$TMP/two.json" 'd["capture"]["packets"]' \
	"$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["capture"]["packets"])' "$TMP/ab.json")"
run_lw "$TMP/two-a.json" "$TMP/err" report --redis "$URL" --redis-prefix two: --sensor mx-a --json
check "--sensor: one sensor's totals, sources and coverage" python3 -c '
import json, sys
a = json.load(open(sys.argv[1])); r = json.load(open(sys.argv[2]))
ok = [s["name"] for s in r["sensors"]] == ["mx-a"]
for c in ("outside", "allowed", "exception"):
    for k in ("attempts", "refused", "unanswered", "smtp", "sources"):
        ok = ok and a["totals"][c][k] == r["totals"][c][k]
ok = ok and sorted(s["addr"] for s in r["sources"]) == sorted(s["addr"] for s in a["sources"])
sys.exit(0 if ok else 1)' "$TMP/a.json" "$TMP/two-a.json"

# --- --since: the capture is from 2026-11-02, so the last hour holds nothing
run_lw "$TMP/since.json" "$TMP/err" report --redis "$URL" --redis-prefix two: --since 1h --json
check "--since 1h: nothing in the window, unproven" json_is "$TMP/since.json" \
	'[d["verdict"], d["totals"]["outside"]["attempts"], len(d["sources"])]' '["unproven", 0, 0]'
check "--since 1h: exit status 1" [ "$rc" -eq 1 ]
expect_error 64 "since: 'soon' is not a duration" "report --since soon" -- report --redis "$URL" --since soon

# --- malformed URLs: exit 64, the message names the URL
for bad in "localhost:6379" "redis://" "redis://host:99999" "redis://host/x" "unix:relative.sock" \
	"unix:/s?bogus=1"; do
	expect_error 64 "redis URL '$bad'" "malformed URL $bad (report)" -- report --redis "$bad"
done
expect_error 64 "redis URL 'redis://tmp:6379x'" "malformed URL (replay)" -- \
	replay -r "$TMP/rules" --redis "redis://tmp:6379x" "$TMP/a.pcap"
expect_error 64 "does not belong in the URL" "password in the URL refused" -- \
	report --redis "redis://lw:secret@127.0.0.1"

# --- unreachable: report 69 with one line; replay prints its report, 69
expect_error 69 "redis unix:$TMP/none.sock: No such file or directory" "report: unreachable socket" -- \
	report --redis "unix:$TMP/none.sock"
check "report: unreachable is one line" [ "$(wc -l <"$TMP/err")" -eq 1 ]
expect_error 69 "redis unix:$TMP/none.sock" "replay: unreachable, exit 69" -- \
	replay -r "$TMP/rules" --json --redis "unix:$TMP/none.sock" --redis-wait 1 "$TMP/a.pcap"
check "replay: unreachable, its own report still printed" json_is "$TMP/out" 'd["verdict"]' effective
check "replay: unreachable, it waited and says for how long" \
	grep -q "reading waits up to 1 s for Redis" "$TMP/err"
check "replay: unreachable, the unsent counts said" \
	grep -q "^lockwatch: redis: 3 attempt(s) were not stored (the report below counts them)" "$TMP/err"

# --- a key of the wrong type: that source is lost (and said so), the rest right
$RCLI set wt:src:203.0.113.7 not-a-hash >/dev/null
expect_error 69 "key wt:src:203.0.113.7 holds the wrong kind of value" "replay: wrong-type key named" -- \
	replay -r "$TMP/rules" --json --redis "$URL" --redis-prefix wt: --sensor-name mx-a "$TMP/a.pcap"
check "wrong type: the attempt is recorded as lost" sh -c "[ \"\$($RCLI hget wt:sensor:mx-a lost)\" = 1 ]"
check "wrong type: the other sources are stored" sh -c "[ \"\$($RCLI hget wt:src:203.0.113.8 attempts)\" = 1 ]"
expect_error 65 "key wt:src:203.0.113.7 holds the wrong kind of value" "report: wrong-type key named, exit 65" -- \
	report --redis "$URL" --redis-prefix wt:
$RCLI del wt:src:203.0.113.7 >/dev/null
run_lw "$TMP/wt.json" "$TMP/wt.err" report --redis "$URL" --redis-prefix wt: --json
check "wrong type: the report shows the loss and is inconclusive" json_is "$TMP/wt.json" \
	'[d["verdict"], d["sensors"][0]["lost"]]' '["inconclusive", 1]'
$RCLI set wt2:seen not-a-zset >/dev/null
expect_error 65 "key wt2:seen holds the wrong kind of value" "report: wrong-type index, exit 65" -- \
	report --redis "$URL" --redis-prefix wt2:

# --- OOM: refused whole, nothing half-written, a clear message
$RCLI config set maxmemory 1 >/dev/null
expect_error 69 "OOM command not allowed" "replay: maxmemory reached" -- \
	replay -r "$TMP/rules" --json --redis "$URL" --redis-prefix oom: --sensor-name mx-a \
	--redis-wait 1 "$TMP/a.pcap"
$RCLI config set maxmemory 0 >/dev/null
check "OOM: nothing of the batch landed" sh -c "[ \"\$($RCLI exists oom:sensor:mx-a oom:src:203.0.113.7)\" = 0 ]"
check "OOM: the replay's own report was printed" json_is "$TMP/out" 'd["verdict"]' effective
