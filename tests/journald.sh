#!/bin/sh
# Makes sure a systemd-journald is listening on /run/systemd/journal/socket,
# starting /lib/systemd/systemd-journald when none is (containers and CI
# machines boot without one). A socket file alone proves nothing: a machine
# restored from a snapshot keeps /run but not the journald that made it, so
# liveness is probed by connecting (systemd-cat), and stale sockets are
# removed before a new journald binds them. Idempotent and safe to run from parallel
# tests: a lock keeps two starts apart. The journald it starts is left
# running for the tests that follow. Exit 0 when the journal is ready; 1
# with a message saying what to install otherwise.
set -u
SOCK=/run/systemd/journal/socket
JOURNALD=${JOURNALD:-/lib/systemd/systemd-journald}

# journald answers on its stream socket: systemd-cat connects to it and
# fails with "Connection refused" when nobody listens.
alive() {
	[ -S "$SOCK" ] && printf '' | systemd-cat -t lockwatch-test-probe >/dev/null 2>&1
}

alive && exit 0
if [ ! -x "$JOURNALD" ]; then
	echo "systemd-journald not found at $JOURNALD: install systemd (Debian package systemd)" >&2
	exit 1
fi
if ! command -v journalctl >/dev/null 2>&1 || ! command -v systemd-cat >/dev/null 2>&1; then
	echo "journalctl or systemd-cat not found: install systemd (Debian package systemd)" >&2
	exit 1
fi
mkdir -p /run/systemd/journal /run/lock
exec 9>/run/lock/lockwatch-journald.lock
flock 9
if ! alive; then
	rm -f "$SOCK" /run/systemd/journal/stdout /run/systemd/journal/dev-log \
		/run/systemd/journal/io.systemd.journal
	# its own session, so the test's end does not take it down
	setsid "$JOURNALD" </dev/null >/dev/null 2>&1 &
fi
i=0
while ! alive && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
if ! alive; then
	echo "systemd-journald did not answer on $SOCK within 5 s" >&2
	exit 1
fi
exit 0
