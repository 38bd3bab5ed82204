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
