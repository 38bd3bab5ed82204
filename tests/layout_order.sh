#!/bin/sh
# The layout is the data flow: every `#include "dir/..."` of the non-test
# sources points down the order below, and only the directories that talk
# to Redis or the journal include hiredis or libsystemd. One TAP line per
# directory; a broken edge is named file:line. README's "Layout" section
# draws the same order (A <- B: B may include A):
#
#   common <- sensor, rules
#   sensor, rules <- analyzer <- pipeline, redis, journal, render
#   rules <- dns
#   rules, analyzer, render, dns <- probe
#   all of the above <- cli, daemon (never each other)
#
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

# allowed DIR: the directories DIR's files may include (its own is implied).
allowed() {
	case $1 in
	common) echo "" ;;
	sensor) echo "common" ;;
	rules) echo "common" ;;
	analyzer) echo "common sensor rules" ;;
	pipeline) echo "common sensor rules analyzer" ;;
	redis | journal | render) echo "common sensor rules analyzer" ;;
	dns) echo "common rules" ;;
	probe) echo "common rules analyzer render dns" ;;
	cli) echo "common sensor rules analyzer pipeline redis journal render dns probe" ;;
	daemon) echo "common sensor rules analyzer pipeline redis journal render dns" ;;
	tools) echo "common sensor tests" ;;
	# harnesses: they may drive any library, never a program's commands
	bench | fuzz) echo "common sensor rules analyzer pipeline redis journal render dns probe daemon tests" ;;
	*) echo "?" ;;
	esac
}
# external DIR: the outside systems' headers DIR may include.
external() {
	case $1 in
	redis) echo "hiredis" ;;
	journal) echo "systemd" ;;
	daemon) echo "systemd" ;;
	cli | bench | fuzz) echo "hiredis systemd" ;;
	*) echo "" ;;
	esac
}

dirs="common sensor rules analyzer pipeline redis journal render dns probe cli daemon tools bench fuzz"

# violations ROOT DIR: one line "file:line: why" per include of ROOT/DIR that
# breaks the order.
violations() {
	ok_dirs="$2 $(allowed "$2")"
	ext=$(external "$2")
	(cd "$1" && find "$2" -name '*.[ch]' | sort | while read -r f; do
		grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"]\(hiredis\|systemd\|[a-z_]*/\)' "$f" |
			while IFS= read -r line; do
				n=${line%%:*}
				inc=$(printf '%s\n' "$line" | sed 's/^[^#]*#[[:space:]]*include[[:space:]]*[<"]\([a-z_]*\)\/.*/\1/')
				case "$line" in
				*'<hiredis'* | *'<systemd'*)
					case " $ext " in
					*" $inc "*) ;;
					*) echo "$f:$n: includes <$inc/...>: $2/ may not use $inc" ;;
					esac ;;
				*'"'*)
					case " $ok_dirs " in
					*" $inc "*) ;;
					*) echo "$f:$n: includes \"$inc/...\": $2/ may include only: $ok_dirs" ;;
					esac ;;
				esac
			done
	done)
}

SRC=$top_srcdir
for d in $dirs; do
	[ -d "$SRC/$d" ] || continue
	bad=$(violations "$SRC" "$d")
	if [ -z "$bad" ]; then
		ok "$d/ includes only what lies below it"
	else
		not_ok "$d/ breaks the layout order"
		printf '%s\n' "$bad" | sed 's/^/# /'
	fi
done

# The check itself can fail: a tree with an include pointing up, one across
# the programs and libsystemd in the policy is refused, each one named.
mkdir -p "$TMP/bad/analyzer" "$TMP/bad/daemon"
printf '#include "config.h"\n#include "analyzer/report.h"\n#include "redis/store_redis.h"\n' >"$TMP/bad/analyzer/up.c"
printf '#include <systemd/sd-journal.h>\n' >"$TMP/bad/analyzer/journal.h"
printf '#include "daemon/loop.h"\n#include "cli/cmd.h"\n' >"$TMP/bad/daemon/across.c"
got=$( (violations "$TMP/bad" analyzer; violations "$TMP/bad" daemon) | cut -d: -f1,2 | tr '\n' ' ')
check "a bad tree's three broken includes are named file:line" \
	[ "$got" = "analyzer/journal.h:1 analyzer/up.c:3 daemon/across.c:2 " ]

# Every directory with sources has a place in the order. In a checkout the
# sources are what git tracks (and new files it does not ignore), so a
# left-over dist or build tree is none; in an unpacked dist, every
# directory but a build tree inside it (make distcheck's _build/).
if [ "$(git -C "$SRC" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$SRC" && pwd -P)" ]; then
	src_dirs=$(cd "$SRC" && git ls-files --cached --others --exclude-standard '*.c' '*.h' |
		grep / | cut -d/ -f1 | sort -u)
else
	src_dirs=$(cd "$SRC" && for d in */; do
		d=${d%/}
		[ -n "$(find "$d" -maxdepth 3 -name config.status | head -n 1)" ] && continue
		[ -n "$(find "$d" -name '*.[ch]' | head -n 1)" ] && echo "$d"
	done)
fi
for d in $src_dirs; do
	case " $dirs tests m4 build-aux autom4te.cache " in
	*" $d "*) continue ;;
	esac
	not_ok "$d/ holds C sources but has no place in tests/layout_order.sh"
done
