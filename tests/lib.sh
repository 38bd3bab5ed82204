# Shared shell test helpers: TAP output, temporary directories, the
# programs under test. Sourced by tests/*.sh.
set -u

: "${top_builddir:=$(cd "$(dirname "$0")/.." && pwd)}"
: "${top_srcdir:=$top_builddir}"
LOCKWATCH="$top_builddir/lockwatch"
LWGEN="$top_builddir/tools/lwgen"

tap_n=0
tap_failed=0
TMP=$(mktemp -d "${TMPDIR:-/tmp}/lockwatch-test.XXXXXX")

tap_cleanup_hooks=""
on_exit() { tap_cleanup_hooks="$1; $tap_cleanup_hooks"; }
tap_finish() {
	eval "$tap_cleanup_hooks"
	rm -rf "$TMP"
	echo "1..$tap_n"
}
trap tap_finish EXIT

ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=1
	echo "not ok $tap_n - $*"
}
# check DESCRIPTION COMMAND...: one TAP line from a command's status.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}
# Stop with a failing test (not a skip) when a tool the test needs is missing.
need() {
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			not_ok "required tool '$tool' is missing: install the Debian package that provides it (see README)"
			exit 1
		fi
	done
}
# need_from PACKAGE TOOL...: the same, naming the Debian package to install.
need_from() {
	_pkg=$1
	shift
	for tool in "$@"; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			not_ok "required tool '$tool' is missing: apt-get install $_pkg"
			exit 1
		fi
	done
}
# run_lw OUT ERR ARGS...: runs lockwatch, records its exit status in $rc.
run_lw() {
	out=$1
	err=$2
	shift 2
	rc=0
	"$LOCKWATCH" "$@" >"$out" 2>"$err" || rc=$?
}
# jq-like assertion on a JSON file with python3: json_is FILE EXPR EXPECTED
json_is() {
	got=$(python3 -c 'import json,sys
d=json.load(open(sys.argv[1]))
v=eval(sys.argv[2], {"d": d})
print(json.dumps(v) if not isinstance(v, str) else v)' "$1" "$2" 2>&1)
	if [ "$got" = "$3" ]; then
		return 0
	fi
	echo "# $2: expected '$3', got '$got'" >&2
	return 1
}

# expect_error STATUS PATTERN DESCRIPTION -- ARGS...: runs lockwatch ARGS and
# passes when it exits STATUS with PATTERN on stderr and did not crash.
expect_error() {
	want=$1 pattern=$2 desc=$3
	shift 4
	run_lw "$TMP/out" "$TMP/err" "$@"
	if [ "$rc" -ne "$want" ]; then
		not_ok "$desc: exit $rc, expected $want ($(head -c 300 "$TMP/err"))"
		return
	fi
	if ! grep -q -- "$pattern" "$TMP/err"; then
		not_ok "$desc: stderr lacks '$pattern': $(head -c 300 "$TMP/err")"
		return
	fi
	if grep -qi 'sanitizer\|segmentation\|core dumped' "$TMP/err"; then
		not_ok "$desc: crashed"
		return
	fi
	ok "$desc"
}

# veth_pair TAG: two network namespaces of this test's own joined by a veth
# pair, the server end 192.0.2.25/24 and the client end 192.0.2.99/24
# (documentation addresses); removed on exit. Sets SRV, CLI (namespaces)
# and VS, VC (interfaces); TAG keeps names apart between tests.
veth_pair() {
	SRV="lw-$1s-$$"
	CLI="lw-$1c-$$"
	VS="lw$1s$$"
	VC="lw$1c$$"
	ip netns add "$SRV" && ip netns add "$CLI" || { not_ok "ip netns add (needs root)"; exit 1; }
	on_exit "ip netns del $SRV 2>/dev/null; ip netns del $CLI 2>/dev/null"
	ip link add "$VS" netns "$SRV" type veth peer name "$VC" netns "$CLI" &&
		ip -n "$SRV" addr add 192.0.2.25/24 dev "$VS" &&
		ip -n "$CLI" addr add 192.0.2.99/24 dev "$VC" &&
		ip -n "$SRV" link set lo up && ip -n "$SRV" link set "$VS" up &&
		ip -n "$CLI" link set lo up && ip -n "$CLI" link set "$VC" up ||
		{ not_ok "veth setup"; exit 1; }
}

# first_line_case STATUS 'FIRST STDERR LINE' DESCRIPTION -- PROGRAM ARGS...:
# runs PROGRAM in the current directory; passes when it exits STATUS, did
# not crash, and its first stderr line is LINE, byte for byte.
first_line_case() {
	want=$1 line=$2 desc=$3
	shift 4
	rc=0
	"$@" >out 2>err || rc=$?
	got=$(head -n 1 err)
	if grep -qi 'sanitizer\|segmentation\|core dumped\|runtime error' err; then
		not_ok "$desc: crashed: $(head -c 300 err)"
	elif [ "$rc" -ne "$want" ]; then
		not_ok "$desc: exit $rc, expected $want ($got)"
	elif [ "$got" != "$line" ]; then
		not_ok "$desc: stderr '$got', expected '$line'"
	else
		ok "$desc"
	fi
}
