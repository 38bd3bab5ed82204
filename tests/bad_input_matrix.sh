#!/bin/sh
# Integration: the bad-input matrix. Every option of `lockwatch replay` and
# `lockwatch rules` with a missing, empty, out-of-range and malformed value;
# unreadable, empty, truncated and non-pcap capture files; an unsupported
# link type; a rules file for each error class. Each case asserts the exact
# first line on stderr (the documented message), the exit status, and that
# nothing crashed. Runs in $TMP with relative names so messages are stable.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3

cd "$TMP" || exit 1
cat >r.rules <<'RULES'
allow test-gw 198.51.100.0/24
RULES
"$LWGEN" -o good.pcap --script - <<'S'
0 198.51.100.10 192.0.2.25 smtp gw1.example
1 203.0.113.7 192.0.2.25 refused
S

# case STATUS 'FIRST STDERR LINE' DESCRIPTION -- ARGS...
# The message must be the whole first line, byte for byte.
case_() {
	_w=$1 _l=$2 _d=$3
	shift 4
	first_line_case "$_w" "$_l" "$_d" -- "$LOCKWATCH" "$@"
}
R="replay -r r.rules"

# ---- lockwatch itself ------------------------------------------------------
case_ 64 "usage: lockwatch COMMAND [ARGS]" "no command" --
case_ 64 "lockwatch: unknown command 'replya' (try 'lockwatch --help')" "unknown command" -- replya
case_ 64 "lockwatch: unknown command '' (try 'lockwatch --help')" "empty command" -- ''

# ---- replay: numeric options -----------------------------------------------
# opt RANGE: missing (end of line), empty (--opt=), out of range both ends,
# malformed (letters, sign, space, overflow)
numeric() {
	opt=$1 min=$2 max=$3 below=$4 above=$5
	case_ 64 "lockwatch: replay: option '--$opt' needs a value" "--$opt missing" -- \
		replay -r r.rules --"$opt"
	case_ 64 "lockwatch: replay: option '--$opt' needs a value" \
		"--$opt empty" -- replay -r r.rules --"$opt"= good.pcap
	if [ -n "$below" ]; then
		case_ 64 "lockwatch: --$opt: $below is out of range (expected $min to $max)" \
			"--$opt below range" -- replay -r r.rules --"$opt" "$below" good.pcap
	fi
	case_ 64 "lockwatch: --$opt: $above is out of range (expected $min to $max)" \
		"--$opt above range" -- replay -r r.rules --"$opt" "$above" good.pcap
	case_ 64 "lockwatch: --$opt: 99999999999999999999999 is out of range (expected $min to $max)" \
		"--$opt overflowing" -- replay -r r.rules --"$opt" 99999999999999999999999 good.pcap
	case_ 64 "lockwatch: --$opt: 'ten' is not a number (expected $min to $max)" \
		"--$opt letters" -- replay -r r.rules --"$opt" ten good.pcap
	case_ 64 "lockwatch: --$opt: '-5' is not a number (expected $min to $max)" \
		"--$opt negative" -- replay -r r.rules --"$opt" -5 good.pcap
	case_ 64 "lockwatch: --$opt: '+5' is not a number (expected $min to $max)" \
		"--$opt plus sign" -- replay -r r.rules --"$opt" +5 good.pcap
	case_ 64 "lockwatch: --$opt: ' 5' is not a number (expected $min to $max)" \
		"--$opt leading space" -- replay -r r.rules --"$opt" ' 5' good.pcap
	case_ 64 "lockwatch: --$opt: '5s' is not a number (expected $min to $max)" \
		"--$opt trailing unit" -- replay -r r.rules --"$opt" 5s good.pcap
	case_ 64 "lockwatch: --$opt: '0x10' is not a number (expected $min to $max)" \
		"--$opt hex" -- replay -r r.rules --"$opt" 0x10 good.pcap
}
numeric top 0 1000000000 "" 1000000001
numeric timeout 1 3600 0 3601
numeric max-attempts 16 67108864 15 67108865
numeric max-sources 16 268435456 15 268435457

# the boundaries themselves are accepted
case_ 0 "" "--top 0 --timeout 3600 --max-attempts 16 --max-sources 16 accepted" -- \
	replay -r r.rules --top 0 --timeout 3600 --max-attempts 16 --max-sources 16 good.pcap

# ---- replay: other options -------------------------------------------------
case_ 64 "lockwatch: replay: option '-r' needs a value" "-r missing" -- replay -r
case_ 64 "lockwatch: replay: option '--rules' needs a value" "--rules missing" -- replay --rules
case_ 66 "lockwatch: nope.rules: cannot read rules: No such file or directory" \
	"--rules names a missing file" -- replay -r nope.rules good.pcap
case_ 64 "lockwatch: replay: option '--rules' needs a value" "--rules= empty" -- \
	replay --rules= good.pcap
case_ 64 "lockwatch: replay: unknown option '--json=yes' (see 'lockwatch replay --help')" \
	"--json takes no value" -- replay -r r.rules --json=yes good.pcap
case_ 64 "lockwatch: replay: unknown option '--bogus' (see 'lockwatch replay --help')" \
	"unknown long option" -- replay --bogus good.pcap
case_ 64 "lockwatch: replay: unknown option '-x' (see 'lockwatch replay --help')" \
	"unknown short option" -- replay -x good.pcap
case_ 64 "lockwatch: replay: unknown option '-x' (see 'lockwatch replay --help')" \
	"unknown short option inside a bundle" -- replay -xj good.pcap
case_ 64 "lockwatch: replay: no capture file given (see 'lockwatch replay --help')" \
	"no capture file" -- replay -r r.rules
case_ 0 "" "--help exits 0 with nothing on stderr" -- replay --help

# ---- replay: capture files -------------------------------------------------
case_ 66 "lockwatch: missing.pcap: No such file or directory" "missing capture" -- \
	$R missing.pcap
case_ 64 "lockwatch: replay: empty capture file name" "empty capture file name" -- \
	$R ''
: >empty.pcap
case_ 65 "lockwatch: empty.pcap: truncated dump file; tried to read 4 file header bytes, only got 0" \
	"empty capture" -- $R empty.pcap
head -c 10 good.pcap >header-cut.pcap
case_ 65 "lockwatch: header-cut.pcap: truncated dump file; tried to read 24 file header bytes, only got 6" \
	"capture cut inside the file header" -- $R header-cut.pcap
size=$(stat -c %s good.pcap)
head -c $((size - 7)) good.pcap >cut.pcap
case_ 65 "lockwatch: cut.pcap: truncated dump file; tried to read 54 captured bytes, only got 47 (the packets before it are counted)" \
	"capture cut inside a packet" -- $R cut.pcap
echo "Nov  2 09:00:00 mx postfix/smtpd[1]: connect from unknown" >text.pcap
case_ 65 "lockwatch: text.pcap: unknown file format" "a text file" -- $R text.pcap
mkdir dir.pcap
case_ 65 "lockwatch: dir.pcap: error reading dump file: Is a directory" "a directory" -- \
	$R dir.pcap
case_ 65 "lockwatch: -: unknown file format (the packets before it are counted)" \
	"standard input that is not a capture" -- $R - <text.pcap
python3 - <<'PY'
import struct
def pcap(name, linktype, magic=0xa1b2c3d4, snaplen=65535):
    with open(name, "wb") as f:
        f.write(struct.pack("<IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype))
        f.write(struct.pack("<IIII", 1793610000, 0, 4, 4) + b"\0\0\0\0")
pcap("wifi.pcap", 105)        # IEEE 802.11
pcap("usb.pcap", 220)         # USB Linux mmapped
pcap("badver.pcap", 1, magic=0xa1b2c3d5)
with open("bigpkt.pcap", "wb") as f:  # a record claiming 300 MB
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    f.write(struct.pack("<IIII", 1793610000, 0, 300000000, 300000000))
PY
case_ 65 "lockwatch: wifi.pcap: unsupported link type 105 (IEEE802_11)" \
	"unsupported link type 802.11" -- $R wifi.pcap
case_ 65 "lockwatch: usb.pcap: unsupported link type 220 (USB_LINUX_MMAPPED)" \
	"unsupported link type USB" -- $R usb.pcap
case_ 65 "lockwatch: badver.pcap: unknown file format" "a bad magic number" -- $R badver.pcap
case_ 65 "lockwatch: bigpkt.pcap: invalid packet capture length 300000000, bigger than snaplen of 65535 (the packets before it are counted)" \
	"a record bigger than any snaplen" -- $R bigpkt.pcap
case_ 66 "lockwatch: missing.pcap: No such file or directory" \
	"a missing file after a good one is found before reading" -- $R good.pcap missing.pcap

# unreadable: as root, through an unprivileged user (setpriv, util-linux)
cp good.pcap unreadable.pcap
chmod 000 unreadable.pcap
if [ "$(id -u)" -eq 0 ]; then
	need setpriv
	chmod 755 "$TMP"
	chmod 644 r.rules
	rc=0
	setpriv --reuid=65534 --regid=65534 --clear-groups "$LOCKWATCH" $R unreadable.pcap \
		>out 2>err || rc=$?
	got=$(head -n 1 err)
	want="lockwatch: unreadable.pcap: Permission denied"
	if [ "$rc" -eq 66 ] && [ "$got" = "$want" ]; then
		ok "unreadable capture"
	else
		not_ok "unreadable capture: exit $rc, '$got'"
	fi
	cp r.rules unreadable.rules
	chmod 000 unreadable.rules
	rc=0
	setpriv --reuid=65534 --regid=65534 --clear-groups "$LOCKWATCH" replay -r unreadable.rules \
		good.pcap >out 2>err || rc=$?
	got=$(head -n 1 err)
	want="lockwatch: unreadable.rules: cannot read rules: Permission denied"
	if [ "$rc" -eq 66 ] && [ "$got" = "$want" ]; then
		ok "unreadable rules"
	else
		not_ok "unreadable rules: exit $rc, '$got'"
	fi
else
	case_ 66 "lockwatch: unreadable.pcap: Permission denied" "unreadable capture" -- \
		$R unreadable.pcap
	cp r.rules unreadable.rules
	chmod 000 unreadable.rules
	case_ 66 "lockwatch: unreadable.rules: cannot read rules: Permission denied" \
		"unreadable rules" -- replay -r unreadable.rules good.pcap
fi

# ---- rules files: one per error class --------------------------------------
# rules_case 'FILE CONTENT' 'FIRST STDERR LINE' DESCRIPTION: through
# `rules check` (exit 65 and the error count line) and `replay -r` (exit 65).
n_rules=0
rules_case() {
	n_rules=$((n_rules + 1))
	f="e$n_rules.rules"
	printf '%b' "$1" >"$f"
	line=$(printf '%s' "$2" | sed "s|@|$f|g")
	case_ 65 "$line" "rules: $3" -- rules check "$f"
	if ! grep -q "^$f: [0-9]* error(s), [0-9]* warning(s); nothing loaded\$" err; then
		not_ok "rules: $3: no error count line"
	fi
	case_ 65 "$line" "rules via replay: $3" -- replay -r "$f" good.pcap
}
rules_case 'allow gw 1.2.3.4/33\n' \
	"@:1:10: error: bad prefix length '33' in '1.2.3.4/33' (IPv4 allows 0..32)" "prefix too long (IPv4)"
rules_case 'allow gw 2001:db8::/129\n' \
	"@:1:10: error: bad prefix length '129' in '2001:db8::/129' (IPv6 allows 0..128)" "prefix too long (IPv6)"
rules_case 'allow gw 1.2.3.0/x\n' \
	"@:1:10: error: bad prefix length 'x' in '1.2.3.0/x'" "prefix length not a number"
rules_case 'allow gw 1.2.3.300\n' "@:1:10: error: bad address '1.2.3.300'" "bad address"
rules_case 'allow gw /24\n' "@:1:10: error: bad address in '/24'" "prefix without an address"
rules_case 'allow gw ::ffff:1.2.3.0/64\n' \
	"@:1:10: error: bad prefix length in '::ffff:1.2.3.0/64': an IPv4-mapped prefix needs 96..128" \
	"IPv4-mapped prefix too short"
rules_case 'exception 1.2.3.4 lbl "unterminated\n' "@:1:23: error: unterminated quoted string" \
	"unterminated quoted string"
rules_case 'exception 1.2.3.4 lbl "x"y\n' "@:1:26: error: missing space after quoted string" \
	"quoted string glued to the next token"
rules_case 'include nowhere.rules\n' \
	"@:1:9: error: cannot read include 'nowhere.rules': No such file or directory" "missing include"
printf 'include cyc-b.rules\n' >cyc-a.rules
printf 'include cyc-a.rules\n' >cyc-b.rules
rules_case 'include cyc-a.rules\n' \
	"cyc-b.rules:1:9: error: include cycle: 'cyc-a.rules' (cyc-a.rules -> cyc-b.rules -> cyc-a.rules)" \
	"include cycle"
for i in 1 2 3 4 5 6 7 8 9 10; do printf 'include deep%d.rules\n' $((i + 1)) >deep$i.rules; done
printf 'allow gw 10.0.0.0/8\n' >deep11.rules
rules_case 'include deep1.rules\n' \
	"deep8.rules:1:9: error: include 'deep9.rules' nested too deeply (limit 8)" "includes nested too deeply"
rules_case 'include a.rules b.rules\n' "@:1:17: error: unexpected 'b.rules' after the include path" \
	"include with two paths"
rules_case 'include\n' "@:1:1: error: 'include' needs a path" "include without a path"
rules_case 'port 0\n' "@:1:6: error: bad port '0' (expected 1..65535)" "port 0"
rules_case 'port 65536\n' "@:1:6: error: bad port '65536' (expected 1..65535)" "port above 65535"
rules_case 'port smtp\n' "@:1:6: error: bad port 'smtp' (expected 1..65535)" "port by name"
rules_case "port $(seq -s ' ' 1 65)\n" "@:1:189: error: too many ports: '65' (limit 64)" "too many ports"
rules_case 'port\n' "@:1:1: error: 'port' needs at least one port number" "port without a number"
rules_case 'server mx.example.org\n' "@:1:8: error: bad server address 'mx.example.org'" \
	"server by name"
rules_case 'server\n' "@:1:1: error: 'server' needs at least one address" "server without an address"
rules_case 'allow bad!name 10.0.0.0/8\n' "@:1:7: error: bad set name 'bad!name'" "bad set name"
rules_case 'allow port 10.0.0.0/8\n' "@:1:7: error: bad set name 'port'" "keyword as a set name"
rules_case 'exception 10.0.0.1 -lbl\n' "@:1:20: error: bad label name '-lbl'" "bad exception label"
rules_case 'set s {\n 10.0.0.0/8 {\n}\n' "@:2:13: error: unexpected '{' inside set 's'" "'{' inside a set"
rules_case '"allow" gw 10.0.0.0/8\n' "@:1:1: error: unknown keyword '\"allow\"'" "quoted keyword"
rules_case 'set\n' "@:1:1: error: 'set' needs a name and '{'" "set without a name"
rules_case 'set s\n' "@:1:5: error: expected '{' after 'set s'" "set without '{'"
rules_case 'set s (\n' "@:1:7: error: expected '{' after 'set s', got '('" "set with something else"
rules_case 'set s { 10.0.0.0/8 }\nset s { 10.1.0.0/16 }\n' \
	"@:2:5: error: set 's' already defined at @:1" "set defined twice"
rules_case 'use\n' "@:1:1: error: 'use' needs at least one set name" "use without a set"
rules_case 'allow\n' "@:1:1: error: 'allow' needs a set name and a prefix" "allow without arguments"
rules_case 'allow gw\n' "@:1:1: error: 'allow' needs a set name and a prefix" "allow without a prefix"
rules_case 'exception 10.0.0.1\n' "@:1:1: error: 'exception' needs a prefix and a label" \
	"exception without a label"
rules_case 'exception 10.0.0.1 lbl unquoted\n' \
	"@:1:24: error: exception comment must be quoted: 'unquoted'" "unquoted exception comment"
rules_case 'exception 10.0.0.1 lbl "c" extra\n' \
	"@:1:28: error: unexpected 'extra' after the exception's comment" "words after the comment"
rules_case "exception 10.0.0.1 lbl \"$(head -c 1025 /dev/zero | tr '\0' 'c')\"\n" \
	"@:1:24: error: exception comment too long (limit 1024 bytes)" "exception comment too long"
rules_case '}\n' "@:1:1: error: unexpected '}' outside a set" "'}' outside a set"
rules_case 'permit gw 10.0.0.0/8\n' "@:1:1: error: unknown keyword 'permit'" "unknown keyword"
rules_case 'set s {\n 10.0.0.0/8\nuse s\n' \
	"@:3:1: error: missing '}' before 'use': set 's' opened at @:1" "set left open before a keyword"
rules_case 'set s {\n 10.0.0.0/8\n' "@:1:1: error: set 's' is not closed with '}'" \
	"set left open at the end"
rules_case 'use nothing\n' "@:1:5: error: set 'nothing' is used but never defined" \
	"set used but never defined"
rules_case "allow gw $(head -c 4100 /dev/zero | tr '\0' 'x')\n" \
	"@:1:4097: error: line too long (limit 4096 bytes)" "line too long"
printf 'allow gw 10.0.0.0/8\0\n' >binary.rules
case_ 65 "binary.rules: error: cannot read rules file: Invalid or incomplete multibyte or wide character" \
	"rules: a binary file" -- rules check binary.rules
mkdir dir.rules
case_ 65 "dir.rules: error: cannot read rules file: Is a directory" "rules: a directory" -- \
	rules check dir.rules
: >empty.rules
case_ 0 "" "rules: an empty file loads (nothing allowed)" -- rules check empty.rules

# ---- rules subcommands -----------------------------------------------------
case_ 64 "usage: lockwatch rules check FILE" "rules without a subcommand" -- rules
case_ 64 "lockwatch: rules: unknown subcommand 'chek' (check, lookup, dump, export, update)" \
	"rules: unknown subcommand" -- rules chek
case_ 64 "lockwatch: rules check: give exactly one FILE" "rules check without a file" -- rules check
case_ 64 "lockwatch: rules check: give exactly one FILE" "rules check with two files" -- \
	rules check r.rules r.rules
case_ 66 "lockwatch: nope.rules: cannot read rules: No such file or directory" \
	"rules check: missing file" -- rules check nope.rules
case_ 64 "lockwatch: rules check: unknown option '--bogus' (see 'lockwatch rules --help')" \
	"rules check: unknown option" -- rules check --bogus r.rules
case_ 64 "lockwatch: rules lookup: give at least one address" "rules lookup without an address" -- \
	rules lookup -r r.rules
case_ 64 "lockwatch: rules lookup: 'mx.example.org' is not an IPv4 or IPv6 address" \
	"rules lookup: a name" -- rules lookup -r r.rules mx.example.org
case_ 64 "lockwatch: rules lookup: '' is not an IPv4 or IPv6 address" "rules lookup: empty address" -- \
	rules lookup -r r.rules ''
case_ 64 "lockwatch: rules lookup: '1.2.3.4/24' is not an IPv4 or IPv6 address" \
	"rules lookup: a prefix" -- rules lookup -r r.rules 1.2.3.4/24
case_ 64 "lockwatch: rules lookup: option '-r' needs a value" "rules lookup: -r missing" -- \
	rules lookup -r
case_ 66 "lockwatch: nope.rules: cannot read rules: No such file or directory" \
	"rules lookup: missing rules file" -- rules lookup -r nope.rules 192.0.2.1
case_ 64 "lockwatch: rules dump: unexpected argument 'r.rules' (use -r FILE)" \
	"rules dump: file without -r" -- rules dump r.rules
case_ 64 "lockwatch: rules dump: option '--rules' needs a value" "rules dump: --rules missing" -- \
	rules dump --rules
case_ 64 "lockwatch: rules export: --format nft, iptables or ip6tables is required" \
	"rules export: no --format" -- rules export -r r.rules
case_ 64 "lockwatch: rules export: option '--format' needs a value" "rules export: --format missing" -- \
	rules export -r r.rules --format
case_ 64 "lockwatch: rules export: option '--format' needs a value" \
	"rules export: --format empty" -- rules export -r r.rules --format=
case_ 64 "lockwatch: rules export: --format 'pf' is not one of nft, iptables, ip6tables" \
	"rules export: --format unknown" -- rules export -r r.rules --format pf
case_ 64 "lockwatch: rules export: --action 'accept' is not drop or reject" \
	"rules export: --action unknown" -- rules export -r r.rules --format nft --action accept
case_ 64 "lockwatch: rules export: option '--action' needs a value" "rules export: --action missing" -- \
	rules export -r r.rules --format nft --action
case_ 64 "lockwatch: rules export: unexpected argument 'x' (use -r FILE)" \
	"rules export: extra argument" -- rules export -r r.rules --format nft x
case_ 65 "e1.rules:1:10: error: bad prefix length '33' in '1.2.3.4/33' (IPv4 allows 0..32)" \
	"rules export: broken rules" -- rules export -r e1.rules --format nft
