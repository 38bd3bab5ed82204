#!/bin/sh
# Makes sure a systemd-journald is listening on /run/systemd/journal/socket,
# starting /lib/systemd/systemd-journald when none is (containers and CI
# machines boot without one). Idempotent and safe to run from parallel
# tests: a lock keeps two starts apart. The journald it starts is left
# running for the tests that follow. Exit 0 when the journal is ready; 1
# with a message saying what to install otherwise.
set -u
SOCK=/run/systemd/journal/socket
JOURNALD=${JOURNALD:-/lib/systemd/systemd-journald}

[ -S "$SOCK" ] && exit 0
if [ ! -x "$JOURNALD" ]; then
	echo "systemd-journald not found at $JOURNALD: install systemd (Debian package systemd)" >&2
	exit 1
fi
if ! command -v journalctl >/dev/null 2>&1; then
	echo "journalctl not found: install systemd (Debian package systemd)" >&2
	exit 1
fi
mkdir -p /run/systemd/journal /run/lock
exec 9>/run/lock/lockwatch-journald.lock
flock 9
if [ ! -S "$SOCK" ]; then
	# its own session, so the test's end does not take it down
	setsid "$JOURNALD" </dev/null >/dev/null 2>&1 &
fi
i=0
while [ ! -S "$SOCK" ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
if [ ! -S "$SOCK" ]; then
	echo "systemd-journald did not create $SOCK within 5 s" >&2
	exit 1
fi
exit 0
