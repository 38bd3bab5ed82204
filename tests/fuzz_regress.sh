#!/bin/sh
# Replays every input the fuzzers ever broke a target with (tests/regress/:
# TARGET-NAME.hex in hex, TARGET-NAME.txt as is, each naming its bug) and
# the generated seed corpora through the fuzz targets without libFuzzer, so
# under the sanitizer build a fixed bug that comes back fails `make check`.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

regress="$top_srcdir/tests/regress"
for target in decode rules tracker redis_url spf conf redis_reply; do
	runner="$top_builddir/fuzz/run-$(echo "$target" | tr _ -)"
	if [ ! -x "$runner" ]; then
		not_ok "fuzz/run-$target is not built (make check builds it)"
		continue
	fi
	found=0
	for input in "$regress/$target"-*.hex "$regress/$target"-*.txt; do
		[ -f "$input" ] || continue
		found=1
		name=$(basename "$input")
		if "$runner" "$input" >"$TMP/out" 2>&1; then
			ok "regression $name"
		else
			not_ok "regression $name: $(head -c 600 "$TMP/out")"
		fi
	done
	[ "$found" = 1 ] || ok "no regression inputs for $target yet"
done

# The seed corpora: every seed must run clean as well.
if "$top_builddir/fuzz/make-corpus" "$TMP/corpus" >/dev/null; then
	ok "seed corpora generated"
	for target in decode rules tracker redis_url spf conf redis_reply; do
		set -- "$TMP/corpus/$target"/*
		if [ "$target" = rules ]; then
			set -- "$@" "$top_srcdir"/rules/*.rules
		fi
		if "$top_builddir/fuzz/run-$(echo "$target" | tr _ -)" "$@" >"$TMP/out" 2>&1; then
			ok "seed corpus of $target: $# inputs clean"
		else
			not_ok "seed corpus of $target: $(head -c 600 "$TMP/out")"
		fi
	done
else
	not_ok "fuzz/make-corpus failed"
fi
