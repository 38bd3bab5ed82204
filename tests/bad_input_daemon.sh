#!/bin/sh
# Integration: the bad-input matrix, second half (issue 8). Every lockwatchd
# option with a missing, empty, out-of-range and malformed value; settings
# files with each error class (file:line); lockwatch report/replay --redis
# against a real redis-server (unreachable, wrong password, a key of the
# wrong type, malformed URLs); lockwatchd without a journal. Each case
# asserts the exact first line on stderr (documented in lockwatchd(8) and
# lockwatch(1)) and the exit status. Runs in $TMP with relative names.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/redis_lib.sh"
LOCKWATCHD="$top_builddir/lockwatchd"
need unshare
need_redis

cd "$TMP" || exit 1
printf 'allow test-gw 198.51.100.0/24\n' >r.rules
"$LWGEN" -o good.pcap --script - <<'S'
0 198.51.100.10 192.0.2.25 smtp gw1.example
1 203.0.113.7 192.0.2.25 refused
S
: >empty.conf

# lwd_case STATUS 'FIRST STDERR LINE' DESCRIPTION -- ARGS...: lockwatchd
# with ARGS; the message must be the whole first line, byte for byte.
lwd_case() {
	_w=$1 _l=$2 _d=$3
	shift 4
	first_line_case "$_w" "$_l" "$_d" -- "$LOCKWATCHD" "$@"
}
# lw_case: the same for lockwatch.
lw_case() {
	_w=$1 _l=$2 _d=$3
	shift 4
	first_line_case "$_w" "$_l" "$_d" -- "$LOCKWATCH" "$@"
}
# The settings file is named so the host's own is never read.
D="-c empty.conf --rules r.rules -r good.pcap"

# ---- lockwatchd: options without a value ------------------------------------
for opt in -i -r -c --interface --replay --config --rules --sensor-name --user --redis \
	--redis-password-file --redis-prefix --redis-retention --redis-minute-retention \
	--redis-max-pending --redis-wait \
	--flush-interval --summary-interval --dedup-window --flood-rate --flood-burst \
	--timeout --max-attempts --max-sources --buffer-size --delivery-ms; do
	lwd_case 64 "lockwatchd: option '$opt' needs a value" "lockwatchd $opt missing" -- $opt
done
lwd_case 64 "lockwatchd: option '--config' needs a value" "lockwatchd --config= empty" -- \
	--config= -r good.pcap
lwd_case 64 "lockwatchd: option '--replay' needs a value" "lockwatchd --replay= empty" -- \
	-c empty.conf --replay=
lwd_case 64 "lockwatchd: empty capture file name" "lockwatchd: an empty file operand" -- \
	$D ''
for opt in interface rules sensor-name user redis redis-password-file redis-prefix; do
	lwd_case 64 "lockwatchd: --$opt: missing value" "lockwatchd --$opt= empty" -- $D --$opt=
done

# ---- lockwatchd: numeric options --------------------------------------------
# lwd_numeric KEY MIN MAX BELOW ABOVE: empty, both ends out of range,
# overflow, letters, sign, space, unit, hex
lwd_numeric() {
	k=$1 min=$2 max=$3 below=$4 above=$5
	lwd_case 64 "lockwatchd: --$k: '' is not a number (expected $min to $max)" \
		"lockwatchd --$k empty" -- $D --$k=
	if [ -n "$below" ]; then
		lwd_case 64 "lockwatchd: --$k: $below is out of range (expected $min to $max)" \
			"lockwatchd --$k below range" -- $D --$k "$below"
	fi
	lwd_case 64 "lockwatchd: --$k: $above is out of range (expected $min to $max)" \
		"lockwatchd --$k above range" -- $D --$k "$above"
	lwd_case 64 "lockwatchd: --$k: 99999999999999999999999 is out of range (expected $min to $max)" \
		"lockwatchd --$k overflowing" -- $D --$k 99999999999999999999999
	for bad in ten -5 +5 ' 5' 5s 0x10; do
		lwd_case 64 "lockwatchd: --$k: '$bad' is not a number (expected $min to $max)" \
			"lockwatchd --$k '$bad'" -- $D --$k "$bad"
	done
}
lwd_numeric redis-retention 1 3650 0 3651
lwd_numeric redis-minute-retention 1 8760 0 8761
lwd_numeric redis-wait 0 86400 "" 86401
lwd_numeric redis-max-pending 1 268435456 0 268435457
lwd_numeric flush-interval 1 3600 0 3601
lwd_numeric summary-interval 0 604800 "" 604801
lwd_numeric dedup-window 0 604800 "" 604801
lwd_numeric flood-rate 1 1000000 0 1000001
lwd_numeric flood-burst 0 1000000 "" 1000001
lwd_numeric timeout 1 3600 0 3601
lwd_numeric max-attempts 16 67108864 15 67108865
lwd_numeric max-sources 16 268435456 15 268435457
lwd_numeric buffer-size 1 4096 0 4097
lwd_numeric delivery-ms 0 1000 "" 1001

# ---- lockwatchd: other malformed values ---------------------------------------
lwd_case 64 "lockwatchd: --interface: 'averyveryverylongname0' is longer than an interface name" \
	"lockwatchd --interface too long" -- -c empty.conf --rules r.rules -i averyveryverylongname0
lwd_case 64 "lockwatchd: --sensor-name: 'mx/1' must be 1 to 63 letters, digits, '.', '_' or '-'" \
	"lockwatchd --sensor-name with a slash" -- $D --sensor-name mx/1
long=$(printf '%064d' 0)
lwd_case 64 "lockwatchd: --sensor-name: '$long' must be 1 to 63 letters, digits, '.', '_' or '-'" \
	"lockwatchd --sensor-name too long" -- $D --sensor-name "$long"
lwd_case 64 "lockwatchd: --sensor-name: 'mx\\x0a1' must be 1 to 63 letters, digits, '.', '_' or '-'" \
	"lockwatchd --sensor-name with a newline: escaped, one line" -- $D --sensor-name "$(printf 'mx\n1')"
lwd_case 64 "lockwatchd: unknown option '--foreground=yes' (see lockwatchd --help)" \
	"lockwatchd --foreground takes no value" -- $D --foreground=yes
lwd_case 64 "lockwatchd: unknown option '--bogus' (see lockwatchd --help)" \
	"lockwatchd unknown option" -- $D --bogus
lwd_case 64 "lockwatchd: unexpected argument 'x.pcap' (see lockwatchd --help)" \
	"lockwatchd operand without -r" -- -c empty.conf --rules r.rules -i lo x.pcap
lwd_case 64 "lockwatchd: redis URL 'redis://h:0': port must be a number from 1 to 65535" \
	"lockwatchd --redis with port 0" -- $D --redis redis://h:0
lwd_case 64 "lockwatchd: redis URL 'redis://a\\x0ab': control character in the URL" \
	"lockwatchd --redis with a newline: escaped, one line" -- $D --redis "$(printf 'redis://a\nb')"
lwd_case 64 "lockwatchd: give either an interface or replay files, not both" \
	"lockwatchd -i and -r" -- -c empty.conf --rules r.rules -i lo -r good.pcap
lwd_case 64 "lockwatchd: nothing to watch: give -i IFACE (or interface = in the settings file) or -r FILE" \
	"lockwatchd with nothing to watch" -- -c empty.conf --rules r.rules
lwd_case 66 "lockwatchd: missing.conf: cannot read settings: No such file or directory" \
	"lockwatchd --config names a missing file" -- -c missing.conf -r good.pcap
mkdir conf.d
lwd_case 66 "lockwatchd: conf.d: cannot read settings: Is a directory" \
	"lockwatchd --config names a directory" -- -c conf.d -r good.pcap

# ---- settings files: one per error class (file:line) -------------------------
n_conf=0
conf_case() { # conf_case 'CONTENT' 'MESSAGE AFTER "lockwatchd: FILE:LINE: error: "' LINE DESC
	n_conf=$((n_conf + 1))
	f="e$n_conf.conf"
	printf '%b' "$1" >"$f"
	lwd_case 64 "lockwatchd: $f:$3: error: $2" "settings: $4" -- -c "$f" --rules r.rules -r good.pcap
}
conf_case 'interface eth0\n' "expected 'key = value', got 'interface eth0'" 1 "no '='"
conf_case '# c\n= eth0\n' "missing key before '='" 2 "no key"
conf_case 'colour = blue\n' "unknown key 'colour'" 1 "unknown key"
conf_case 'rules =\n' "rules: missing value" 1 "empty string value"
conf_case 'user = "lw\n' "user: unterminated quote" 1 "unterminated quote"
conf_case 'user = "lw" x\n' "user: unexpected 'x' after the quoted value" 1 "text after a quoted value"
conf_case 'foreground = maybe\n' "foreground: 'maybe' is not yes or no" 1 "not a boolean"
conf_case 'timeout = 0\n' "timeout: 0 is out of range (expected 1 to 3600)" 1 "out of range"
conf_case 'timeout = 5s\n' "timeout: '5s' is not a number (expected 1 to 3600)" 1 "not a number"
conf_case 'sensor-name = a b\n' \
	"sensor-name: 'a b' must be 1 to 63 letters, digits, '.', '_' or '-'" 1 "bad sensor name"
conf_case 'interface = averyveryverylongname0\n' \
	"interface: 'averyveryverylongname0' is longer than an interface name" 1 "interface name too long"
conf_case "rules = $(head -c 4100 /dev/zero | tr '\0' x)\n" "line longer than 4095 bytes" 1 \
	"line too long"
conf_case 'sensor-name = mx\00331\n' \
	"sensor-name: 'mx\\x1b1' must be 1 to 63 letters, digits, '.', '_' or '-'" 1 \
	"a control byte is escaped"
# every bad line is reported, the first one first
printf 'colour = blue\ntimeout = 0\n' >two.conf
lwd_case 64 "lockwatchd: two.conf:1: error: unknown key 'colour'" "settings: two errors, first line" -- \
	-c two.conf --rules r.rules -r good.pcap
check "settings: two errors, both reported" grep -qx \
	"lockwatchd: two.conf:2: error: timeout: 0 is out of range (expected 1 to 3600)" err

# ---- lockwatch --redis: unreachable, wrong password, wrong type, bad URL -------
redis_start_unix auth
# the password is set once the server answers: redis_start_unix waits on PING
redis-cli -s "$TMP/auth.sock" config set requirepass sekrit >/dev/null
printf 'sekrit\n' >pw
printf 'wrong\n' >badpw
S="unix:$TMP/auth.sock"
lw_case 69 "lockwatch: redis unix:$TMP/none.sock: No such file or directory" \
	"report: unreachable socket" -- report --redis "unix:$TMP/none.sock"
redis_start_tcp closed
closed=$REDIS_PORT
kill "$pid" && wait "$pid" 2>/dev/null
lw_case 69 "lockwatch: redis 127.0.0.1:$closed: Connection refused" "report: closed port" -- \
	report --redis "redis://127.0.0.1:$closed"
lw_case 69 "lockwatch: redis $S: NOAUTH Authentication required." "report: no password" -- \
	report --redis "$S"
lw_case 69 "lockwatch: redis $S: WRONGPASS invalid username-password pair or user is disabled." \
	"report: wrong password" -- report --redis "$S" --redis-password-file badpw
lw_case 69 "lockwatch: redis $S: WRONGPASS invalid username-password pair or user is disabled. (replaying without Redis: no counts are sent)" \
	"replay: wrong password" -- replay -r r.rules --redis "$S" --redis-password-file badpw good.pcap
redis-cli -s "$TMP/auth.sock" -a sekrit --no-auth-warning set lockwatch:seen x >/dev/null
lw_case 65 "lockwatch: redis: key lockwatch:seen holds the wrong kind of value" \
	"report: an index of the wrong type" -- report --redis "$S" --redis-password-file pw
redis-cli -s "$TMP/auth.sock" -a sekrit --no-auth-warning del lockwatch:seen >/dev/null
redis-cli -s "$TMP/auth.sock" -a sekrit --no-auth-warning set lockwatch:src:203.0.113.7 x >/dev/null
lw_case 69 "lockwatch: redis: key lockwatch:src:203.0.113.7 holds the wrong kind of value (the rest of the batch was stored)" \
	"replay: a source key of the wrong type" -- \
	replay -r r.rules --redis "$S" --redis-password-file pw good.pcap
redis-cli -s "$TMP/auth.sock" -a sekrit --no-auth-warning del lockwatch:src:203.0.113.7 >/dev/null
redis-cli -s "$TMP/auth.sock" -a sekrit --no-auth-warning set lockwatch:seen x >/dev/null
lw_case 69 "lockwatch: redis: key lockwatch:seen holds the wrong kind of value (the rest of the batch was stored)" \
	"replay: an index of the wrong type, named" -- \
	replay -r r.rules --redis "$S" --redis-password-file pw good.pcap
redis-cli -s "$TMP/auth.sock" -a sekrit --no-auth-warning del lockwatch:seen >/dev/null
lw_case 64 "lockwatch: redis URL 'redis://h:99999': port must be a number from 1 to 65535" \
	"report: malformed URL" -- report --redis redis://h:99999
lw_case 64 "lockwatch: redis URL 'mysql://h': expected redis://[USER@]HOST[:PORT][/DB] or unix:/PATH[?db=N][&user=USER]" \
	"replay: another scheme" -- replay -r r.rules --redis mysql://h good.pcap
lw_case 64 "lockwatch: redis URL 'redis://mail\\x0ahost': control character in the URL" \
	"report: a newline in the URL is escaped (one line)" -- report --redis "$(printf 'redis://mail\nhost')"
lw_case 64 "lockwatch: redis URL 'unix:/run/r.sock?\\x1b[2J': control character in the URL" \
	"replay: an escape sequence in the URL is escaped" -- \
	replay -r r.rules --redis "$(printf 'unix:/run/r.sock?\033[2J')" good.pcap

# ---- lockwatchd without a journal ---------------------------------------------
# An empty tmpfs over the journal's directory in a mount namespace: the
# socket is really absent; alerts fall back to stderr and the run succeeds.
if [ -d /run/systemd/journal ]; then
	rc=0
	unshare -m --propagation private sh -c \
		'mount -t tmpfs tmpfs /run/systemd/journal && exec "$@"' sh \
		"$LOCKWATCHD" -c empty.conf --rules r.rules --sensor-name nojournal -r good.pcap \
		>out 2>err || rc=$?
	# the first line is the start-up notice; the fallback is said next, once
	first=$(head -n 1 err)
	got=$(sed -n 2p err)
	want="lockwatchd: journal unavailable (No such file or directory): alerts go to standard error"
	case $first in
	"lockwatchd: replaying good.pcap as sensor nojournal, rules r.rules (digest "*"), uid "*) ;;
	*) got="first line '$first'" ;;
	esac
	if [ "$rc" -eq 0 ] && [ "$got" = "$want" ] && [ "$(grep -c 'journal unavailable' err)" -eq 1 ]; then
		ok "lockwatchd without a journal"
	else
		not_ok "lockwatchd without a journal: exit $rc, '$got'"
	fi
else
	not_ok "/run/systemd/journal is missing: tests/journald.sh starts a journal (see README)"
fi
