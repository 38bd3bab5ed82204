#!/bin/sh
# Integration: the bash completion of both programs, sourced into a real
# bash and called as bash calls it (COMP_WORDS/COMP_CWORD set, COMPREPLY
# read back): subcommands, options per subcommand, interface names, files,
# fixed values. A guard against drift: every long option the programs'
# --help texts name is offered.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need bash
LOCKWATCHD="$top_builddir/lockwatchd"
COMPDIR="$top_srcdir/completion"

# comp FILE FUNC WORD...: the sorted completions of the last WORD
comp() {
	_file=$1 _func=$2
	shift 2
	bash -c '. "$1"; shift; f=$1; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		"$f"; printf "%s\n" "${COMPREPLY[@]}"' sh "$_file" "$_func" "$@" | grep . | sort | tr '\n' ' '
}
lw() { comp "$COMPDIR/lockwatch" _lockwatch lockwatch "$@"; }
lwd() { comp "$COMPDIR/lockwatchd" _lockwatchd lockwatchd "$@"; }
is() { # is DESCRIPTION EXPECTED GOT
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: expected '$2', got '$3'"; fi
}

mkdir -p "$TMP/net/eth0" "$TMP/net/lo" "$TMP/net/veth-mx"
export LOCKWATCH_COMPLETION_SYSFS="$TMP/net"
: >"$TMP/site.rules"
: >"$TMP/site.pcap"

is "subcommands" "--help --version doctor probe replay report rules " "$(lw '')"
is "probe --level: its two values" "smtp tcp " "$(lw probe --level '')"
is "subcommand prefix" "replay report " "$(lw re)"
is "replay options" "--timeline --timeout " "$(lw replay --ti)"
is "report options" "--sensor --since " "$(lw report --s)"
is "doctor options" "--capture-file " "$(lw doctor --cap)"
is "doctor -i: interface names" "eth0 lo veth-mx " "$(lw doctor -i '')"
is "doctor --interface: prefix" "veth-mx " "$(lw doctor --interface v)"
is "replay -r: files" "$TMP/site.pcap $TMP/site.rules " "$(lw replay -r "$TMP/site")"
is "replay: capture files as arguments" "$TMP/site.pcap $TMP/site.rules " "$(lw replay -j "$TMP/s")"
is "doctor --capture-file: files" "$TMP/site.pcap " "$(lw doctor --capture-file "$TMP/site.p")"
is "rules subcommands" "--help check dump export lookup update " "$(lw rules '')"
is "rules export --format" "ip6tables iptables nft " "$(lw rules export --format '')"
is "rules export --action" "drop reject " "$(lw rules export --action '')"
is "rules export options" "--action " "$(lw rules export --ac)"
is "rules check: a file" "$TMP/site.rules " "$(lw rules check "$TMP/site.r")"
is "rules update options" "--output " "$(lw rules update --ou)"
is "a value only the admin knows: nothing" "" "$(lw replay --top '')"
is "report --since: examples" "15m 1h " "$(lw report --since 1)"
unset LOCKWATCH_COMPLETION_SYSFS
is "the real /sys/class/net: lo is offered" "lo " \
	"$(lw doctor -i l | tr ' ' '\n' | grep -x lo | tr '\n' ' ')"
export LOCKWATCH_COMPLETION_SYSFS="$TMP/net"

is "lockwatchd options" "--user " "$(lwd --us)"
is "lockwatchd -i: interface names" "eth0 lo veth-mx " "$(lwd -i '')"
is "lockwatchd --config: files" "$TMP/site.rules " "$(lwd --config "$TMP/site.r")"
is "lockwatchd -r: capture files" "$TMP/site.pcap " "$(lwd -r "$TMP/site.p")"
is "lockwatchd --user: users" "root " "$(lwd --user roo)"

# --- drift: every long option of --help is offered where it belongs
drift() { # drift DESCRIPTION HELP-OUTPUT-FILE COMPLETED-WORDS
	missing=""
	for o in $(grep -o -- '--[a-z][a-z-]*' "$2" | sort -u); do
		case " $3 " in *" $o "*) ;; *) missing="$missing $o" ;; esac
	done
	if [ -z "$missing" ]; then ok "$1"; else not_ok "$1: not offered:$missing"; fi
}
for c in replay report doctor probe; do
	"$LOCKWATCH" $c --help >"$TMP/$c.help"
	drift "lockwatch $c: every option of --help" "$TMP/$c.help" "$(lw $c -)"
done
"$LOCKWATCH" rules update --help >"$TMP/update.help" 2>&1
drift "lockwatch rules update: every option of --help" "$TMP/update.help" "$(lw rules update -)"
"$LOCKWATCHD" --help >"$TMP/lwd.help"
drift "lockwatchd: every option of --help" "$TMP/lwd.help" "$(lwd -)"
