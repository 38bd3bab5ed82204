# Helpers for the lockwatchd integration tests, sourced after tests/lib.sh:
# the real journal (tests/journald.sh starts one when missing), a
# NOTIFY_SOCKET the test binds, the daemon in the background, and
# assertions on alerts read back field by field as JSON objects.
LOCKWATCHD="$top_builddir/lockwatchd"
# unique across runs: the journal outlives the test, and pids come back
SENSOR_BASE="t$(date +%s%N | cut -c7-16)-$$"

# journal_ready: a failing test (not a skip) when no journal can be had.
journal_ready() {
	need journalctl python3
	if ! msg=$(sh "$top_srcdir/tests/journald.sh" 2>&1); then
		not_ok "journal: $msg"
		exit 1
	fi
}

# journal_dump SENSOR OUT [N]: the sensor's alerts as JSON lines in OUT;
# waits up to 5 s until at least N (default 1) are there, since journald
# takes the datagrams in its own time.
journal_dump() {
	_want=${3:-1}
	_i=0
	while :; do
		journalctl --no-pager -o json "LOCKWATCH_SENSOR=$1" >"$2" 2>/dev/null || :
		[ "$(wc -l <"$2")" -ge "$_want" ] && return 0
		_i=$((_i + 1))
		[ $_i -ge 50 ] && return 1
		sleep 0.1
	done
}

# stderr_alerts IN OUT: the "lockwatchd: KEY=value ..." lines of a stderr
# capture as JSON lines, so the same assertions read both sinks.
stderr_alerts() {
	python3 - "$1" "$2" <<'PY'
import json, shlex, sys
with open(sys.argv[1]) as f, open(sys.argv[2], "w") as out:
    for line in f:
        if not line.startswith("lockwatchd: MESSAGE_ID="):
            continue
        words = shlex.split(line[len("lockwatchd: "):])
        out.write(json.dumps(dict(w.split("=", 1) for w in words)) + "\n")
PY
}

# alerts FILE PYEXPR: evaluates PYEXPR with `a`, the list of alerts (dicts),
# and prints the result as JSON (strings bare); `ev(name)` filters by event.
alerts() {
	python3 - "$1" "$2" <<'PY'
import json, sys
a = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
def ev(name, src=None):
    return [x for x in a if x.get("LOCKWATCH_EVENT") == name and (src is None or x.get("LOCKWATCH_SRC") == src)]
v = eval(sys.argv[2])
print(v if isinstance(v, str) else json.dumps(v))
PY
}
# alerts_is FILE PYEXPR EXPECTED
alerts_is() {
	_got=$(alerts "$1" "$2" 2>&1)
	[ "$_got" = "$3" ] && return 0
	echo "# $2: expected '$3', got '$_got'" >&2
	return 1
}

# notify_listen PATH OUT: binds a NOTIFY_SOCKET at PATH and appends each
# datagram to OUT (one line per message, newlines inside shown as '|').
notify_listen() {
	python3 - "$1" "$2" <<'PY' &
import os, socket, sys
path, out = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
os.chmod(path, 0o777)  # the daemon may have switched to its own user
with open(out, "a", buffering=1) as f:
    while True:
        f.write(s.recv(4096).decode(errors="replace").replace("\n", "|") + "\n")
PY
	notify_pid=$!
	on_exit "kill $notify_pid 2>/dev/null"
	_i=0
	while [ ! -S "$1" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
}

# wait_for SECONDS COMMAND...: polls COMMAND every 0.1 s.
wait_for() {
	_n=$(($1 * 10))
	shift
	while [ $_n -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		_n=$((_n - 1))
	done
	return 1
}

# daemon_status_code PID: waits for the background daemon and sets $rc.
daemon_wait() {
	rc=0
	wait "$1" || rc=$?
}
