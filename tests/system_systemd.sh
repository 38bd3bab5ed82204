#!/bin/sh
# System test: the Debian package as an admin runs it, under a real
# systemd as PID 1. Boots a fresh Debian 12 (debootstrap --variant=minbase,
# cached between runs) in a container (systemd-nspawn -b, host network),
# installs the .deb built from this tree with apt (its dependencies, and
# redis-server, socat and prometheus-node-exporter, come from apt inside),
# and checks, one assertion each: start without restart, live StatusText,
# a breach explained by the catalog under journalctl -x, reload (and a
# broken rules file rejected), the watchdog, the capability drop and the
# package's user, the exposure rating, Redis restarted without a lost
# count, the metrics where node_exporter reads them, lockwatch doctor's
# journal check, a clean stop, and purge.
#
# Run by `make check-system` (the README's test command), never by `make
# check`: it boots a machine and builds the package, once per CI run.
# Needs root, debootstrap, systemd-container and network access to the
# Debian mirror of /etc/apt/sources.list.d/debian.sources. The root
# filesystem is cached in $LOCKWATCH_SYSTEM_CACHE (default
# /var/cache/lockwatch-tests) and copied for each run; the container is
# stopped on exit, pass or fail.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/deb_lib.sh"
. "$top_srcdir/tests/daemon_lib.sh" # wait_for
need_from debootstrap debootstrap
need_from systemd-container systemd-nspawn
need_from util-linux nsenter flock
need_from dpkg-dev dpkg-buildpackage
need_from debhelper dh
need_from python3 python3
need_from prometheus promtool
if [ "$(id -u)" -ne 0 ]; then
	not_ok "the system test boots a container: run it as root"
	exit 1
fi
trap 'exit 1' HUP INT TERM # the EXIT trap stops the container
T0=$(date +%s)

# --- the Debian mirror the host uses
MIRROR=$(python3 - <<'PY'
import re
try:
    text = open("/etc/apt/sources.list.d/debian.sources").read()
except OSError:
    text = ""
for stanza in re.split(r"\n\s*\n", text):
    f = dict((m.group(1).lower(), m.group(2)) for m in re.finditer(r"^([A-Za-z-]+):\s*(.*)$", stanza, re.M))
    if "bookworm" in f.get("suites", "").split() and f.get("uris"):
        print(f["uris"].split()[0])
        break
else:
    try:
        for line in open("/etc/apt/sources.list"):
            w = line.split()
            if len(w) >= 3 and w[0] == "deb" and w[2] == "bookworm":
                print(w[1])
                break
    except OSError:
        pass
PY
)
if [ -z "$MIRROR" ]; then
	not_ok "no bookworm mirror in /etc/apt/sources.list.d/debian.sources (or sources.list)"
	exit 1
fi

# --- the cached root: debootstrap once, copied per run
CACHE=${LOCKWATCH_SYSTEM_CACHE:-/var/cache/lockwatch-tests}
BASE="$CACHE/bookworm-minbase-systemd"
mkdir -p "$CACHE" || { not_ok "cannot create $CACHE"; exit 1; }
rc=0
flock "$CACHE/.lock" sh -c "
	[ -f '$BASE/.complete' ] && exit 0
	rm -rf '$BASE.new'
	debootstrap --variant=minbase --include=systemd,systemd-sysv,dbus,iproute2 bookworm \
		'$BASE.new' '$MIRROR' >'$CACHE/debootstrap.log' 2>&1 || exit 1
	touch '$BASE.new/.complete' && rm -rf '$BASE' && mv '$BASE.new' '$BASE'
" || rc=$?
if [ "$rc" -ne 0 ]; then
	not_ok "debootstrap bookworm from $MIRROR: exit $rc"
	tail -n 15 "$CACHE/debootstrap.log" | sed 's/^/# /'
	exit 1
fi
ok "a Debian 12 root (debootstrap, cached in $BASE)"

# --- the package from this tree
deb_build "$TMP/pkg"

ROOT="$TMP/machine"
cp -a "$BASE" "$ROOT" && rm -f "$ROOT/.complete" || { not_ok "copy the cached root"; exit 1; }
# apt inside reads what the host reads; nothing starts while apt installs
rm -f "$ROOT/etc/apt/sources.list"
cp /etc/apt/sources.list.d/debian.sources "$ROOT/etc/apt/sources.list.d/" 2>/dev/null ||
	echo "deb $MIRROR bookworm main" >"$ROOT/etc/apt/sources.list"
printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
chmod 755 "$ROOT/usr/sbin/policy-rc.d"
cp "$DEB" "$ROOT/root/"
DEB_IN="/root/$(basename "$DEB")"

# --- boot it
systemd-nspawn -b -D "$ROOT" --register=no --keep-unit --capability=all \
	</dev/null >"$TMP/nspawn.log" 2>&1 &
NSPAWN=$!
CPID=
container_stop() {
	kill -0 "$NSPAWN" 2>/dev/null || return 0
	kill -TERM "$NSPAWN" 2>/dev/null # nspawn asks the container's systemd to power off
	_i=0
	while kill -0 "$NSPAWN" 2>/dev/null && [ $_i -lt 300 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	if kill -0 "$NSPAWN" 2>/dev/null; then
		echo "# the container did not power off in 30 s: killed"
		[ -n "$CPID" ] && kill -KILL "$CPID" 2>/dev/null # ends its PID namespace
		kill -KILL "$NSPAWN" 2>/dev/null
	fi
	wait "$NSPAWN" 2>/dev/null
}
on_exit container_stop
_i=0
while [ -z "$CPID" ] && [ $_i -lt 100 ] && kill -0 "$NSPAWN" 2>/dev/null; do
	for _p in /proc/[0-9]*; do # its child (no procps needed): ppid after "(comm) S"
		[ "$(sed 's/.*) [A-Za-z] \([0-9]*\) .*/\1/' "$_p/stat" 2>/dev/null)" = "$NSPAWN" ] &&
			[ "$(cat "$_p/comm" 2>/dev/null)" = systemd ] && CPID=${_p#/proc/}
	done
	[ -n "$CPID" ] || sleep 0.1
	_i=$((_i + 1))
done
if [ -z "$CPID" ]; then
	not_ok "systemd-nspawn -b: no systemd in the container"
	tail -n 20 "$TMP/nspawn.log" | sed 's/^/# /'
	exit 1
fi
IN() { nsenter -t "$CPID" -a "$@"; }
# (until its systemd listens, systemctl cannot connect: try again)
_i=0
while :; do
	state=$(IN timeout 120 systemctl is-system-running --wait 2>&1)
	case $state in
	*"Failed to connect to bus"*) ;;
	*) break ;;
	esac
	_i=$((_i + 1))
	[ $_i -ge 300 ] && break
	sleep 0.1
done
if [ "$state" != running ]; then
	not_ok "the container booted: systemctl is-system-running says '$state'"
	IN systemctl --failed --no-pager --plain 2>&1 | sed 's/^/# /'
	exit 1
fi
ok "the container booted: systemd is PID 1, is-system-running: running"
check "systemd is PID 1 inside" sh -c "[ \"\$(nsenter -t $CPID -a cat /proc/1/comm)\" = systemd ]"

# --- install with apt, dependencies resolved inside; the collector after
# the package, as an admin adds monitoring later (dpkg's file trigger)
rc=0
IN sh -c "apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
	--no-install-recommends '$DEB_IN' redis-server socat nftables &&
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	prometheus-node-exporter" >"$TMP/apt.log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then
	not_ok "apt-get install the .deb, redis-server, socat, nftables, prometheus-node-exporter: exit $rc"
	tail -n 20 "$TMP/apt.log" | sed 's/^/# /'
	exit 1
fi
ok "apt-get install the .deb (dependencies from apt), redis-server, socat, then prometheus-node-exporter"
rm -f "$ROOT/usr/sbin/policy-rc.d"

# --- ports on the shared loopback: free ones, not 6379/9100/25
free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
RPORT=$(free_port)
NPORT=$(free_port)
SPORT=$(free_port)
sed -i "s/^port 6379$/port $RPORT/" "$ROOT/etc/redis/redis.conf"
echo "ARGS=\"--web.listen-address=127.0.0.1:$NPORT\"" >"$ROOT/etc/default/prometheus-node-exporter"
IN systemctl restart redis-server prometheus-node-exporter
check "redis-server and prometheus-node-exporter run inside" \
	IN systemctl is-active --quiet redis-server prometheus-node-exporter

# --- configure as README.Debian says: an interface, Redis, the rules
# (the listener 127.0.0.25 is the watched server; 127.0.0.66 is outside)
cat >>"$ROOT/etc/lockwatch/lockwatchd.conf" <<EOF
interface = lo
sensor-name = lwsys
redis = redis://127.0.0.1:$RPORT
EOF
cat >"$ROOT/etc/lockwatch/lockwatch.rules" <<EOF
port $SPORT
server 127.0.0.25
allow test-gw 198.51.100.0/24
EOF
# a short watchdog, to see it fed
mkdir -p "$ROOT/etc/systemd/system/lockwatchd.service.d"
printf '[Service]\nWatchdogSec=2s\n' >"$ROOT/etc/systemd/system/lockwatchd.service.d/watchdog.conf"
IN systemctl daemon-reload
show() { IN systemctl show -p "$1" --value lockwatchd; }

IN systemd-analyze verify --man=no lockwatchd.service >"$TMP/verify.out" 2>&1
check "systemd-analyze verify lockwatchd.service: no complaint (man pages: tests/debian_package.sh)" sh -c \
	"[ ! -s '$TMP/verify.out' ] || { sed 's/^/# /' '$TMP/verify.out'; false; }"

# --- start
rc=0
IN systemctl start lockwatchd >"$TMP/start.out" 2>&1 || rc=$?
sleep 1
check "systemctl start lockwatchd: active, no restart" sh -c "
	[ $rc -eq 0 ] && [ \"\$(nsenter -t $CPID -a systemctl show -p ActiveState --value lockwatchd)\" = active ] &&
	[ \"\$(nsenter -t $CPID -a systemctl show -p NRestarts --value lockwatchd)\" = 0 ] || {
	nsenter -t $CPID -a journalctl -u lockwatchd --no-pager -n 15 | sed 's/^/# /'; false; }"
MAINPID=$(show MainPID)
STARTED=$(date +%s)

# --- a breach: an outside source connects and speaks SMTP
IN systemd-run --quiet --unit=lw-smtp socat TCP-LISTEN:$SPORT,bind=127.0.0.25,reuseaddr,fork \
	SYSTEM:'echo 220 mx.example ESMTP; sleep 1'
sleep 0.5
smtp_from() { # smtp_from SOURCE: one SMTP conversation from SOURCE
	IN sh -c "printf 'EHLO spammer.example\r\n' | socat -T 3 - TCP:127.0.0.25:$SPORT,bind=$1" >/dev/null 2>&1
}
smtp_from 127.0.0.66
jx() { IN journalctl --no-pager "$@"; }
check "the breach: a crit 'reached' entry for 127.0.0.66" wait_for 20 sh -c \
	"nsenter -t $CPID -a journalctl --no-pager -o cat -p crit -u lockwatchd LOCKWATCH_EVENT=reached LOCKWATCH_SRC=127.0.0.66 | grep -q ."
jx -x -u lockwatchd LOCKWATCH_EVENT=reached >"$TMP/x.out" 2>&1
check "journalctl -x explains it with the catalog's Subject" \
	grep -q "Subject: LOCKDOWN BREACH: outside source 127.0.0.66 reached port $SPORT" "$TMP/x.out"
check "... and the catalog's text" grep -q "What it means for the lockdown: it is NOT EFFECTIVE" "$TMP/x.out"
check "StatusText carries live counters" wait_for 5 sh -c \
	"nsenter -t $CPID -a systemctl show -p StatusText --value lockwatchd | grep -Eq '^packets [1-9][0-9]*, attempts [1-9][0-9]*, outside sources 1, reached 1,'"

# --- reload: the rules again, then a broken file rejected
n_reloaded() { jx -o cat -u lockwatchd LOCKWATCH_EVENT=rules_reloaded | wc -l; }
before=$(n_reloaded)
rc=0
IN systemctl reload lockwatchd >"$TMP/reload.out" 2>&1 || rc=$?
check "systemctl reload: rules reloaded (a rules_reloaded entry)" sh -c "[ $rc -eq 0 ] || { sed 's/^/# /' '$TMP/reload.out'; false; }"
check "... the entry is there" wait_for 10 sh -c "[ \$(nsenter -t $CPID -a journalctl --no-pager -o cat -u lockwatchd LOCKWATCH_EVENT=rules_reloaded | wc -l) -gt $before ]"
DIGEST=$(jx -o json -u lockwatchd LOCKWATCH_EVENT=rules_reloaded | tail -n 1 |
	python3 -c 'import json, sys; print(json.load(sys.stdin)["LOCKWATCH_RULES_DIGEST"])')
cp "$ROOT/etc/lockwatch/lockwatch.rules" "$TMP/rules.good"
echo "allow broken 198.51.100.999/24" >>"$ROOT/etc/lockwatch/lockwatch.rules"
IN systemctl reload lockwatchd >/dev/null 2>&1
check "a broken rules file: a rules_rejected entry naming file:line" wait_for 10 sh -c \
	"nsenter -t $CPID -a journalctl --no-pager -o cat -u lockwatchd LOCKWATCH_EVENT=rules_rejected | grep -q 'lockwatch.rules:4'"
check "... the old rules kept (the digest in force) and the service still active" sh -c "
	nsenter -t $CPID -a journalctl --no-pager -o json -u lockwatchd LOCKWATCH_EVENT=rules_rejected | tail -n 1 |
	grep -q '\"LOCKWATCH_RULES_DIGEST\":\"$DIGEST\"' &&
	[ \"\$(nsenter -t $CPID -a systemctl show -p ActiveState --value lockwatchd)\" = active ]"
cp "$TMP/rules.good" "$ROOT/etc/lockwatch/lockwatch.rules"

# --- privileges
LWUID=$(IN id -u lockwatch)
IN cat "/proc/$MAINPID/status" >"$TMP/status"
check "/proc/PID/status: CapEff, CapPrm and CapAmb 0" sh -c "
	grep -q '^CapEff:	0000000000000000$' '$TMP/status' && grep -q '^CapPrm:	0000000000000000$' '$TMP/status' &&
	grep -q '^CapAmb:	0000000000000000$' '$TMP/status' || { grep ^Cap '$TMP/status' | sed 's/^/# /'; false; }"
check "/proc/PID/status: every uid is the package's lockwatch user ($LWUID), not root" sh -c "
	[ -n '$LWUID' ] && [ '$LWUID' -ne 0 ] && grep -q '^Uid:	$LWUID	$LWUID	$LWUID	$LWUID$' '$TMP/status'"
IN systemd-analyze security lockwatchd --no-pager >"$TMP/security.out" 2>&1
EXPOSURE=$(sed -n 's/.*Overall exposure level for lockwatchd.service: \([0-9.]*\).*/\1/p' "$TMP/security.out")
check "systemd-analyze security lockwatchd (online): exposure ${EXPOSURE:-?} <= 2.0" \
	python3 -c "import sys; sys.exit(not (0 < float('${EXPOSURE:-99}') <= 2.0))"

# --- metrics where node_exporter's textfile collector reads them
check "the metrics file is where the collector reads (linked when the collector came)" sh -c \
	"[ \"\$(nsenter -t $CPID -a readlink /var/lib/prometheus/node-exporter/lockwatch.prom)\" = /var/lib/lockwatch/lockwatch.prom ] &&
	nsenter -t $CPID -a test -s /var/lib/prometheus/node-exporter/lockwatch.prom ||
	{ nsenter -t $CPID -a ls -la /var/lib/prometheus/node-exporter /var/lib/lockwatch 2>&1 | sed 's/^/# /'; false; }"
IN cat /var/lib/lockwatch/lockwatch.prom >"$TMP/lockwatch.prom"
check "promtool check metrics accepts it" sh -c \
	"[ -s '$TMP/lockwatch.prom' ] && promtool check metrics <'$TMP/lockwatch.prom' >/dev/null 2>&1"
check "node_exporter serves it: the breach counted, the file read without error" wait_for 5 sh -c "
	$(command -v python3) -c \"import urllib.request; print(urllib.request.urlopen('http://127.0.0.1:$NPORT/metrics', timeout=5).read().decode())\" >'$TMP/scrape' 2>/dev/null &&
	grep -q '^lockwatch_attempts_total{class=\"outside\",outcome=\"smtp\"} 1$' '$TMP/scrape' &&
	grep -q '^lockwatch_reached_sources 1$' '$TMP/scrape' &&
	grep -q '^node_textfile_scrape_error 0$' '$TMP/scrape'"

# --- the watchdog: three periods and more since the start, same process
sleep $((7 - ($(date +%s) - STARTED))) 2>/dev/null
check "watchdog (WatchdogSec=2s) fed: still active, same PID, no restart after 3 periods" sh -c "
	[ \"\$(nsenter -t $CPID -a systemctl show -p WatchdogUSec --value lockwatchd)\" = 2s ] &&
	[ \"\$(nsenter -t $CPID -a systemctl show -p ActiveState --value lockwatchd)\" = active ] &&
	[ \"\$(nsenter -t $CPID -a systemctl show -p MainPID --value lockwatchd)\" = $MAINPID ] &&
	[ \"\$(nsenter -t $CPID -a systemctl show -p NRestarts --value lockwatchd)\" = 0 ]"

# --- Redis restarted while the service runs: no count lost
check "the breach landed in Redis" wait_for 10 sh -c \
	"[ \"\$(nsenter -t $CPID -a redis-cli -p $RPORT HGET lockwatch:src:127.0.0.66 attempts)\" = 1 ]"
IN systemctl stop redis-server
smtp_from 127.0.0.67
smtp_from 127.0.0.66
check "Redis stopped: a redis_lost entry" wait_for 20 sh -c \
	"nsenter -t $CPID -a journalctl --no-pager -o cat -u lockwatchd LOCKWATCH_EVENT=redis_lost | grep -q ."
IN systemctl start redis-server
check "Redis back: every count there (127.0.0.66: 2 attempts, 127.0.0.67: 1)" wait_for 40 sh -c "
	[ \"\$(nsenter -t $CPID -a redis-cli -p $RPORT HGET lockwatch:src:127.0.0.66 attempts)\" = 2 ] &&
	[ \"\$(nsenter -t $CPID -a redis-cli -p $RPORT HGET lockwatch:src:127.0.0.67 attempts)\" = 1 ]"
check "... and lockwatch report agrees: 3 outside attempts, NOT EFFECTIVE" sh -c "
	nsenter -t $CPID -a lockwatch report --redis redis://127.0.0.1:$RPORT --json >'$TMP/report.json' 2>/dev/null;
	$(command -v python3) -c 'import json, sys; d = json.load(open(sys.argv[1])); sys.exit(not (d[\"totals\"][\"outside\"][\"attempts\"] == 3 and d[\"verdict\"] == \"not_effective\"))' '$TMP/report.json'"

# --- lockwatch doctor against the real journald
IN lockwatch doctor >"$TMP/doctor.out" 2>&1
check "lockwatch doctor: the journal check passes" sh -c \
	"grep -q '^PASS  journal' '$TMP/doctor.out' || { sed 's/^/# /' '$TMP/doctor.out'; false; }"

# --- stop
stops() { jx -o cat -u lockwatchd LOCKWATCH_EVENT=summary | grep -c '^stopping:'; }
before=$(stops)
was=$(show ActiveState)
rc=0
IN systemctl stop lockwatchd >"$TMP/stop.out" 2>&1 || rc=$?
check "systemctl stop: clean (was active; exit 0, result success, inactive)" sh -c "
	[ '$was' = active ] && [ $rc -eq 0 ] && [ \"\$(nsenter -t $CPID -a systemctl show -p Result --value lockwatchd)\" = success ] &&
	[ \"\$(nsenter -t $CPID -a systemctl show -p ExecMainStatus --value lockwatchd)\" = 0 ] &&
	[ \"\$(nsenter -t $CPID -a systemctl show -p ActiveState --value lockwatchd)\" = inactive ]"
check "... with a summary entry (the verdict so far: not_effective)" wait_for 5 sh -c "
	nsenter -t $CPID -a journalctl --no-pager -o cat -u lockwatchd LOCKWATCH_EVENT=summary >'$TMP/summary' &&
	[ \$(grep -c '^stopping:' '$TMP/summary') -gt $before ] && tail -n 1 '$TMP/summary' | grep -q '^stopping: verdict not_effective'"

# --- an upgrade (the same .deb again) restarts a running service
IN systemctl start lockwatchd
MAINPID=$(show MainPID)
rc=0
IN sh -c "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --reinstall '$DEB_IN'" \
	>"$TMP/reinstall.log" 2>&1 || rc=$?
check "apt-get install --reinstall: the service runs on, restarted (a new PID)" sh -c "
	[ $rc -eq 0 ] && [ \"\$(nsenter -t $CPID -a systemctl show -p ActiveState --value lockwatchd)\" = active ] &&
	[ \"\$(nsenter -t $CPID -a systemctl show -p MainPID --value lockwatchd)\" != $MAINPID ] || {
	tail -n 5 '$TMP/reinstall.log' | sed 's/^/# /'; false; }"


# --- purge (of a running service): unit, conffiles, state and link gone,
# nothing running
rc=0
IN sh -c "DEBIAN_FRONTEND=noninteractive apt-get purge -y -q lockwatch" >"$TMP/purge.log" 2>&1 || rc=$?
check "apt-get purge lockwatch" sh -c "[ $rc -eq 0 ] || { tail -n 10 '$TMP/purge.log' | sed 's/^/# /'; false; }"
check "purged: the unit is gone" sh -c "
	[ ! -e '$ROOT/lib/systemd/system/lockwatchd.service' ] &&
	[ \"\$(nsenter -t $CPID -a systemctl show -p LoadState --value lockwatchd)\" = not-found ]"
check "purged: the conffiles are gone" sh -c \
	"[ ! -e '$ROOT/etc/lockwatch/lockwatchd.conf' ] && [ ! -e '$ROOT/etc/lockwatch/lockwatch.rules' ]"
check "purged: the state directory and the collector's link are gone" sh -c \
	"[ ! -e '$ROOT/var/lib/lockwatch' ] && [ ! -L '$ROOT/var/lib/prometheus/node-exporter/lockwatch.prom' ]"
check "purged: no lockwatchd process left" sh -c \
	"! nsenter -t $CPID -a sh -c 'cat /proc/[0-9]*/comm 2>/dev/null' | grep -qx lockwatchd"

# --- power off: nothing of the container left on the host
container_stop
check "the container powered off: no systemd-nspawn, no process of it left" sh -c "
	! kill -0 $NSPAWN 2>/dev/null && ! kill -0 $CPID 2>/dev/null"
echo "# the system test took $(($(date +%s) - T0)) s"
