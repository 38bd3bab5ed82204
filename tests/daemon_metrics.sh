#!/bin/sh
# Integration: lockwatchd --metrics-file. A replay of a generated capture
# with known counts writes the Prometheus text file; Prometheus' own parser
# (promtool check metrics) accepts it, and every value is read back and
# compared with the capture's counts and with `lockwatch replay --json` of
# the same file. Also: the file is replaced atomically (no temporary file
# left, mode 0644 under umask 077), the Redis metrics with a real
# redis-server, the settings key and `none`, and an unwritable directory
# that costs one message and nothing else.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/daemon_lib.sh"
. "$top_srcdir/tests/redis_lib.sh"
need python3
need_from prometheus promtool
need_redis

cat >"$TMP/rules" <<'RULES'
allow test-gw 198.51.100.0/24
exception 192.0.2.50/32 backup-mx "secondary MX"
probe 203.0.113.99/32 vantage-a
RULES
# outside: 203.0.113.7 refused twice, .8 unanswered, .9 rejected, .66 smtp,
# .67 accepted; allowed: two smtp; exception: one smtp; probe: one refused
"$LWGEN" -o "$TMP/known.pcap" --script - <<'S' || not_ok "lwgen"
0 198.51.100.10 192.0.2.25 smtp gw1.example
1 198.51.100.11 192.0.2.25 smtp gw2.example
2 203.0.113.7   192.0.2.25 refused sport=40001
3 203.0.113.7   192.0.2.25 refused sport=40002
4 203.0.113.8   192.0.2.25 unanswered sport=40003
5 203.0.113.9   192.0.2.25 rejected sport=40004
6 203.0.113.66  192.0.2.25 smtp spammer.example sport=40005
7 203.0.113.67  192.0.2.25 accepted sport=40006
8 192.0.2.50    192.0.2.25 smtp backup.example sport=40007
9 203.0.113.99  192.0.2.25 refused sport=40008
S

# expect FILE: every "NAME{LABELS} VALUE" line on stdin is a sample of
# FILE with that value; mismatches are listed.
expect() {
	python3 -c '
import sys
have = {}
for line in open(sys.argv[1]):
    if line.startswith("#") or not line.strip():
        continue
    name, _, v = line.rstrip("\n").rpartition(" ")
    have[name] = v
bad = 0
for line in sys.stdin:
    if not line.strip():
        continue
    name, _, v = line.strip().rpartition(" ")
    if have.get(name) != v:
        print("# %s: expected %s, got %s" % (name, v, have.get(name, "nothing")), file=sys.stderr)
        bad = 1
sys.exit(bad)' "$1"
}

# --- a replay: the file, parsed by Prometheus, against the known counts
M="$TMP/out/lockwatch.prom"
mkdir -p "$TMP/out"
rc=0
(umask 077 && "$LOCKWATCHD" --foreground --rules "$TMP/rules" --sensor-name "$SENSOR_BASE-m" \
	--metrics-file "$M" -r "$TMP/known.pcap") >"$TMP/m.out" 2>"$TMP/m.err" || rc=$?
check "replay with --metrics-file: exit 0" sh -c "[ $rc -eq 0 ] || { sed 's/^/# /' '$TMP/m.err'; false; }"
check "the file is there" [ -f "$M" ]
check "promtool check metrics: no error, no lint finding" sh -c \
	"promtool check metrics <'$M' >'$TMP/lint' 2>&1 || { sed 's/^/# /' '$TMP/lint'; false; }"
check "nothing else in its directory (the temporary file was renamed)" \
	sh -c "[ \"\$(ls -A '$TMP/out')\" = lockwatch.prom ]"
check "mode 0644 under umask 077 (the collector runs as another user)" \
	sh -c "[ \"\$(stat -c %a '$M')\" = 644 ]"
check "attempts by class and outcome: the capture's counts" expect "$M" <<'E'
lockwatch_attempts_total{class="outside",outcome="refused"} 2
lockwatch_attempts_total{class="outside",outcome="unanswered"} 1
lockwatch_attempts_total{class="outside",outcome="rejected"} 1
lockwatch_attempts_total{class="outside",outcome="accepted"} 1
lockwatch_attempts_total{class="outside",outcome="established"} 0
lockwatch_attempts_total{class="outside",outcome="smtp"} 1
lockwatch_attempts_total{class="allowed",outcome="smtp"} 2
lockwatch_attempts_total{class="allowed",outcome="refused"} 0
lockwatch_attempts_total{class="exception",outcome="smtp"} 1
lockwatch_attempts_total{class="exception",outcome="unanswered"} 0
lockwatch_attempts_total{class="probe",outcome="refused"} 1
lockwatch_attempts_total{class="probe",outcome="smtp"} 0
E
check "one sample per class (probe and outbound included) and outcome: 5 x 6" sh -c \
	"[ \$(grep -c '^lockwatch_attempts_total{' '$M') -eq 30 ]"
check "sources: 5 outside, 2 reached; verdict not_effective alone" expect "$M" <<'E'
lockwatch_outside_sources 5
lockwatch_outside_sources_estimated 0
lockwatch_reached_sources 2
lockwatch_probe_reached_sources 0
lockwatch_verdict{verdict="not_effective"} 1
lockwatch_verdict{verdict="effective"} 0
lockwatch_verdict{verdict="unproven"} 0
lockwatch_verdict{verdict="inconclusive"} 0
lockwatch_kernel_drops_total 0
lockwatch_evictions_total 0
lockwatch_alerts_lost_total 0
E
check "no Redis: no redis metrics" sh -c "! grep -q '^lockwatch_redis' '$M'"
check "info: the sensor's name" grep -q "^lockwatch_info{sensor=\"$SENSOR_BASE-m\",version=\"[0-9][^\"]*\"} 1$" "$M"
check "rules: file and digest" sh -c \
	"grep -q '^lockwatch_rules_info{file=\"$TMP/rules\",digest=\"[0-9a-f]\{16\}\"} 1$' '$M'"
check "rules loaded and start times: seconds since the epoch, now" python3 -c '
import sys, time
v = {l.split()[0]: float(l.split()[1]) for l in open(sys.argv[1]) if l.startswith("lockwatch_") and "{" not in l}
now = time.time()
sys.exit(not all(now - 600 < v[k] <= now + 1 for k in ("lockwatch_start_time_seconds", "lockwatch_rules_loaded_timestamp_seconds")))' "$M"

# the same counts as the report of the same capture
"$LOCKWATCH" replay -r "$TMP/rules" --json "$TMP/known.pcap" >"$TMP/r.json" 2>/dev/null
python3 - "$TMP/r.json" >"$TMP/from-json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for cls, c in d["totals"].items():
    for o in ("accepted", "established", "smtp", "refused", "rejected", "unanswered"):
        print('lockwatch_attempts_total{class="%s",outcome="%s"} %d' % (cls, o, c[o]))
print("lockwatch_outside_sources %d" % d["totals"]["outside"]["sources"])
print('lockwatch_verdict{verdict="%s"} 1' % d["verdict"])
print("lockwatch_packets_total %d" % d["capture"]["packets"])
PY
check "every count equals lockwatch replay --json of the capture" expect "$M" <"$TMP/from-json"

# --- with Redis: the store's metrics, all landed
redis_start_unix m
M2="$TMP/out/redis.prom"
rc=0
"$LOCKWATCHD" --foreground --rules "$TMP/rules" --sensor-name "$SENSOR_BASE-r" \
	--redis "unix:$TMP/m.sock" --metrics-file "$M2" -r "$TMP/known.pcap" >/dev/null 2>"$TMP/r.err" || rc=$?
check "with --redis: exit 0" [ "$rc" -eq 0 ]
check "with --redis: up, nothing pending, nothing lost" expect "$M2" <<'E'
lockwatch_redis_up 1
lockwatch_redis_pending_sources 0
lockwatch_redis_lost_total 0
E
check "with --redis: promtool accepts it" sh -c "promtool check metrics <'$M2' >/dev/null 2>&1"

# --- Redis away: what is held is shown, the daemon says so and goes on
rc=0
"$LOCKWATCHD" --foreground --rules "$TMP/rules" --sensor-name "$SENSOR_BASE-g" \
	--redis "unix:$TMP/absent.sock" --metrics-file "$M2" -r "$TMP/known.pcap" >/dev/null 2>"$TMP/g.err" || rc=$?
check "Redis absent: a replay says it (exit 69)" [ "$rc" -eq 69 ]
check "Redis absent: down, the sources held" expect "$M2" <<'E'
lockwatch_redis_up 0
lockwatch_redis_pending_sources 9
E

# --- the settings key, and none
printf 'metrics-file = %s\n' "$TMP/out/conf.prom" >"$TMP/conf"
"$LOCKWATCHD" --config "$TMP/conf" --foreground --rules "$TMP/rules" -r "$TMP/known.pcap" \
	>/dev/null 2>&1
check "settings key metrics-file writes the file" [ -s "$TMP/out/conf.prom" ]
rm -f "$TMP/out/conf.prom"
"$LOCKWATCHD" --config "$TMP/conf" --metrics-file none --foreground --rules "$TMP/rules" \
	-r "$TMP/known.pcap" >/dev/null 2>&1
check "metrics-file none: no file" [ ! -e "$TMP/out/conf.prom" ]
rc=0
"$LOCKWATCHD" --metrics-file "$TMP/out/" --foreground --rules "$TMP/rules" -r "$TMP/known.pcap" \
	>/dev/null 2>"$TMP/dir.err" || rc=$?
check "a directory is refused (exit 64, named)" sh -c \
	"[ $rc -eq 64 ] && grep -q \"metrics-file: '$TMP/out/' names a directory\" '$TMP/dir.err'"

# --- a directory it cannot write: one message, the replay is unharmed
rc=0
"$LOCKWATCHD" --foreground --rules "$TMP/rules" --metrics-file "$TMP/missing/x.prom" \
	--linger-after-replay --flush-interval 1 -r "$TMP/known.pcap" >/dev/null 2>"$TMP/w.err" &
pid=$!
on_exit "kill $pid 2>/dev/null"
wait_for 10 grep -q 'replay finished' "$TMP/w.err"
sleep 2 # two flush ticks more: still one message
kill -TERM $pid
daemon_wait $pid
check "unwritable: the daemon ran on and stopped cleanly" [ "$rc" -eq 0 ]
check "unwritable: said once, naming the file and why" sh -c \
	"[ \$(grep -c 'metrics: $TMP/missing/x.prom: cannot create a temporary file beside it: No such file or directory' '$TMP/w.err') -eq 1 ]"

# --- lockwatchd(8) lists every metric the file holds
grep '^# TYPE ' "$M" "$M2" | awk '{print $3}' | sort -u >"$TMP/names"
missing=$(while read -r n; do grep -Eq "^\.BR $n( |\{)" "$top_srcdir/man/lockwatchd.8" || echo "$n"; done <"$TMP/names")
check "lockwatchd(8) lists every metric (missing: ${missing:-none})" [ -z "$missing" ]
