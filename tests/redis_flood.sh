#!/bin/sh
# Integration (issue 16): a flood of 200,000 spoofed sources (tools/lwgen)
# after two outside sources that reached the server, replayed into a real
# Redis with a source table of 16,384: the store folds the blocked
# one-attempt sources beyond the table (their attempts in the series,
# their addresses in the day's HyperLogLog, the fold counted per sensor and
# hour) and keeps a hash for every reached source and heavy hitter. Then:
# lost 0; Redis holds a bounded number of source hashes; the report from
# Redis gives the distinct sources within 2 % (flagged as an estimate),
# every reached source and the heavy hitters exact, and says what was
# folded (capture.sources_folded). A report over a window of more sources
# than it reads one by one reads only what it prints (INFO commandstats).
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/redis_lib.sh"
need python3
need_redis
redis_start_unix f
URL="unix:$TMP/f.sock"
RCLI="redis-cli -s $TMP/f.sock"
RULES="$top_srcdir/rules/sample.rules"

"$LWGEN" -o "$TMP/flood.pcap" --flood-sources 200000 --heavy 5 --truth "$TMP/truth" ||
	not_ok "lwgen flood"
"$LWGEN" -o "$TMP/breach.pcap" --script - <<'S' || not_ok "lwgen breach"
0 203.0.113.66 192.0.2.25 smtp spam.example
1 203.0.113.67 192.0.2.25 accepted
S
truth() { awk -v k="$1" '$1 == k { print $2 }' "$TMP/truth"; }

run_lw "$TMP/replay.json" "$TMP/replay.err" replay -r "$RULES" --json --top 10 --redis "$URL" \
	--sensor-name fl --max-sources 16384 "$TMP/breach.pcap" "$TMP/flood.pcap"
check "replay: NOT EFFECTIVE (exit 2), nothing on stderr" sh -c "[ $rc -eq 2 ] && [ ! -s '$TMP/replay.err' ]"
check "lost 0" sh -c "[ \"\$($RCLI hget lockwatch:sensor:fl lost)\" = 0 ]"
folded=$($RCLI hget lockwatch:sensor:fl sources_folded)
check "the sensor counts the fold ($folded)" [ "${folded:-0}" -gt 150000 ]
check "the fold counted per hour, for the sensor too" sh -c \
	"[ \"\$($RCLI hget lockwatch:series:2026110209 outside:sources_folded)\" = $folded ] && \
	[ \"\$($RCLI hget lockwatch:series:2026110209:fl outside:sources_folded)\" = $folded ]"
hashes=$($RCLI --scan --pattern 'lockwatch:src:*' | wc -l)
# the store's burst (4,096) before the table filled, then nothing but
# what a report needs: bounded by the bounds, not by the 200,000 spoofed
check "Redis holds a bounded number of source hashes ($hashes)" [ "$hashes" -le 20000 ]
check "the series count every outside attempt" sh -c \
	"[ \"\$($RCLI hget lockwatch:series:2026110209 outside:attempts)\" = $(($(truth outside_attempts) + 2)) ]"
check "src: hashes stay readable with redis-cli" sh -c \
	"[ \"\$($RCLI hmget lockwatch:src:203.0.113.66 attempts smtp class | tr '\n' ' ')\" = '1 1 outside ' ]"

run_lw "$TMP/report.json" "$TMP/report.err" report --redis "$URL" --json --top 10
check "report: NOT EFFECTIVE (exit 2)" [ "$rc" -eq 2 ]
check "report: distinct outside sources within 2 %, flagged as an estimate" python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); want = int(sys.argv[2]) + 2
o = d["totals"]["outside"]
print("# %d vs %d" % (o["sources"], want))
sys.exit(0 if o["sources_estimated"] and abs(o["sources"] - want) <= want * 0.02 else 1)' \
	"$TMP/report.json" "$(truth outside_sources)"
check "report: every reached source, exact" json_is "$TMP/report.json" \
	'[(s["addr"], s["attempts"], s["smtp"], s["accepted"]) for s in d["sources"] if s["reached"]]' \
	'[["203.0.113.66", 1, 1, 0], ["203.0.113.67", 1, 0, 1]]'
heavy=$(awk '$1 == "top" { printf "%s[\"%s\", %s]", sep, $2, $3; sep = ", " }' "$TMP/truth")
check "report: the heavy hitters exact" json_is "$TMP/report.json" \
	'[[s["addr"], s["attempts"]] for s in d["sources"] if not s["reached"]][:5]' "[$heavy]"
check "report: the fold said (capture.sources_folded)" json_is "$TMP/report.json" \
	'd["capture"]["sources_folded"]' "$folded"
check "report: the totals are the replay's" python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
keys = ("attempts", "unanswered", "smtp", "accepted", "replied")
sys.exit(0 if all(a["totals"]["outside"][k] == b["totals"]["outside"][k] for k in keys) else 1)' \
	"$TMP/replay.json" "$TMP/report.json"
run_lw "$TMP/report.txt" "$TMP/err" report --redis "$URL"
check "report text: the fold said" grep -q "^  $folded blocked outside source(s) seen once were folded" \
	"$TMP/report.txt"

# --- a busy host: 20,000 one-attempt sources over 1,000 s (below the
# store's fold rate, so each has its hash) and five that keep coming: a
# window of more sources than the report reads one by one, so it reads
# what it prints, the top sources, every reached one, the series, the HLL
awk 'BEGIN {
	for (i = 0; i < 20000; i++) {
		t = i * 0.05
		printf "%.2f 10.%d.%d.%d 192.0.2.25 refused\n", t, int(i / 62500), int(i / 250) % 250, i % 250 + 1
		for (k = 1; k <= 5; k++)
			if (i % 10 < 6 - k)
				printf "%.2f 198.51.100.%d 192.0.2.25 refused\n", t + 0.01, k
		if (i % 100 == 0)
			printf "%.2f 195.130.217.10 192.0.2.25 smtp gw.example\n", t + 0.02
	}
}' | "$LWGEN" -o "$TMP/busy.pcap" --script - || not_ok "lwgen busy"
run_lw "$TMP/nf.json" "$TMP/nf.err" replay -r "$RULES" --json --top 10 --redis "$URL" \
	--redis-prefix nf: --sensor-name fl "$TMP/breach.pcap" "$TMP/busy.pcap"
check "busy host: nothing folded, every source has its hash" sh -c \
	"[ \"\$($RCLI hget nf:sensor:fl sources_folded)\" = 0 ] && [ \$($RCLI zcard nf:seen) -gt 20000 ]"
$RCLI config resetstat >/dev/null
run_lw "$TMP/nfr.json" "$TMP/nfr.err" report --redis "$URL" --redis-prefix nf: --json --top 10
calls() { $RCLI info commandstats | sed -n "s/^cmdstat_$1:calls=\([0-9]*\),.*/\1/p"; }
hgetall=$(calls hgetall)
check "report --top 10 over 20,000 sources reads a bounded number of hashes ($hgetall)" \
	[ "${hgetall:-0}" -le 20 ]
check "bounded read: reached and heavy hitters exact, 10 listed of all" json_is "$TMP/nfr.json" \
	'[len(d["sources"]), d["sources_total"] > 20000] + [[s["addr"], s["attempts"]] for s in d["sources"]][:7]' \
	'[10, true, ["203.0.113.66", 1], ["203.0.113.67", 1], ["198.51.100.1", 10000], ["198.51.100.2", 8000], ["198.51.100.3", 6000], ["198.51.100.4", 4000], ["198.51.100.5", 2000]]'
check "bounded read: distinct outside sources within 2 %, flagged" python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); want = 20000 + 5 + 2
o = d["totals"]["outside"]
print("# %d vs %d" % (o["sources"], want))
sys.exit(0 if o["sources_estimated"] and abs(o["sources"] - want) <= want * 0.02 else 1)' \
	"$TMP/nfr.json"
check "bounded read: verdict, totals and gateways as the replay's" python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
ok = a["verdict"] == b["verdict"] and all(a["totals"]["outside"][k] == b["totals"]["outside"][k]
	for k in ("attempts", "refused", "smtp", "accepted"))
ok = ok and a["totals"]["allowed"] == b["totals"]["allowed"]
sys.exit(0 if ok else 1)' "$TMP/nf.json" "$TMP/nfr.json"
run_lw "$TMP/nfa.json" "$TMP/err" report --redis "$URL" --redis-prefix nf: --json --top 0
check "--top 0: every source kept is listed" json_is "$TMP/nfa.json" \
	'[len(d["sources"]) == d["sources_total"], d["sources_total"] > 20000]' '[true, true]'
