#!/bin/sh
# Integration: `lockwatch replay` shows progress on stderr when stderr is a
# terminal (a pty made by script(1)), and prints nothing extra otherwise.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need script

"$LWGEN" --seed 7 --mixed 3000 -o "$TMP/big.pcap" || not_ok "lwgen"
printf 'allow gw 195.130.217.0/24\n' >"$TMP/rules"

# Under a pty; the report goes to a file, so the pty shows stderr only.
LOCKWATCH_PROGRESS_INTERVAL_MS=0 script -qec \
	"'$LOCKWATCH' replay -r '$TMP/rules' '$TMP/big.pcap' >'$TMP/report.txt'" /dev/null >"$TMP/tty.out" 2>&1
check "terminal: progress shows bytes of the total" grep -q "of .* (.*%)" "$TMP/tty.out"
check "terminal: progress shows packets and rate" grep -q "packets, [0-9]* packets/s" "$TMP/tty.out"
check "terminal: the line is cleared before the report" grep -q "$(printf '\033')\[K" "$TMP/tty.out"
check "terminal: the report itself is intact" grep -q "^Verdict: " "$TMP/report.txt"

# Not a terminal: stderr stays empty.
LOCKWATCH_PROGRESS_INTERVAL_MS=0 "$LOCKWATCH" replay -r "$TMP/rules" "$TMP/big.pcap" >"$TMP/report2.txt" 2>"$TMP/err.txt"
check "no terminal: nothing on stderr" [ ! -s "$TMP/err.txt" ]
check "no terminal: same report" cmp -s "$TMP/report.txt" "$TMP/report2.txt"
