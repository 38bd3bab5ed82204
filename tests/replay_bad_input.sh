#!/bin/sh
# Integration: bad input to `lockwatch replay` gives one clear line naming
# the file or flag, the documented exit status, and never a crash.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need python3

cat >"$TMP/rules" <<'RULES'
allow test-gw 198.51.100.0/24
RULES
"$LWGEN" -o "$TMP/good.pcap" --script - <<'S'
0 198.51.100.10 192.0.2.25 smtp gw1.example
1 203.0.113.7 192.0.2.25 refused
2 203.0.113.8 192.0.2.25 refused
S


expect_error 66 "$TMP/missing.pcap: No such file or directory" "missing capture file" -- \
	replay -r "$TMP/rules" "$TMP/missing.pcap"
: >"$TMP/empty.pcap"
expect_error 65 "$TMP/empty.pcap: truncated dump file" "empty capture file" -- \
	replay -r "$TMP/rules" "$TMP/empty.pcap"
echo "this is not a capture file, it is a mail log" >"$TMP/text.pcap"
expect_error 65 "$TMP/text.pcap: unknown file format" "not a capture file" -- \
	replay -r "$TMP/rules" "$TMP/text.pcap"
mkdir "$TMP/dir.pcap"
expect_error 65 "$TMP/dir.pcap:" "a directory instead of a file" -- replay -r "$TMP/rules" "$TMP/dir.pcap"
expect_error 66 "$TMP/missing.pcap: No such file" "a bad file after a good one is found before reading" -- \
	replay -r "$TMP/rules" "$TMP/good.pcap" "$TMP/missing.pcap"

# A pcap whose link type is 802.11 (105): decoded by nobody here.
python3 - "$TMP/wifi.pcap" <<'PY'
import struct, sys
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 105))
    f.write(struct.pack("<IIII", 1, 0, 4, 4) + b"\0\0\0\0")
PY
expect_error 65 "$TMP/wifi.pcap: unsupported link type 105" "unsupported link type" -- \
	replay -r "$TMP/rules" "$TMP/wifi.pcap"

# Truncated file: the packets before the cut are counted and reported.
size=$(stat -c %s "$TMP/good.pcap")
head -c $((size - 7)) "$TMP/good.pcap" >"$TMP/cut.pcap"
expect_error 65 "$TMP/cut.pcap: truncated dump file" "truncated capture file" -- \
	replay -r "$TMP/rules" --json "$TMP/cut.pcap"
check "truncated capture: report still printed with what was read" json_is "$TMP/out" \
	'[d["totals"]["allowed"]["smtp"], d["capture"]["input_errors"]]' '[1, 1]'

# Malformed packets that pass the BPF filter reach the decoder: counted by
# reason, never trusted. (Those the filter drops never reach it.)
python3 - "$TMP/malformed.pcap" <<'PY'
import struct, sys
def ip4(total_len, payload, ihl=5):
    h = struct.pack("!BBHHHBBH4s4s", 0x40 | ihl, 0, total_len, 0, 0x4000, 64, 6, 0,
                    bytes([203, 0, 113, 7]), bytes([192, 0, 2, 25]))
    return h + bytes(4 * (ihl - 5)) + payload
def tcp(doff, pad=0):
    return struct.pack("!HHIIBBHHH", 40000, 25, 1000, 0, doff << 4, 0x02, 65535, 0, 0) + bytes(pad)
pkts = [
    (ip4(16, tcp(5)), None),          # total length 16 < header 20
    (ip4(40, tcp(2)), None),          # TCP data offset 2 < 5
    (ip4(60, tcp(15)), None),         # TCP data offset 15: 60 bytes, beyond the segment
    (ip4(40, tcp(5))[:24], 40),       # TCP header cut after the ports (caplen 24)
]
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 101))  # LINKTYPE_RAW
    for i, (p, wire) in enumerate(pkts):
        f.write(struct.pack("<IIII", 1793610000 + i, 0, len(p), wire or len(p)) + p)
PY
run_lw "$TMP/mal.json" "$TMP/mal.err" replay -r "$TMP/rules" --json "$TMP/malformed.pcap"
check "malformed packets: no crash, nothing judged" [ "$rc" -eq 1 ]
check "malformed packets: counted by reason" json_is "$TMP/mal.json" \
	'[d["capture"]["malformed"][k] for k in ("ip4_total_length","tcp_data_offset","tcp_truncated")]' \
	'[1, 2, 1]'
check "malformed packets: no attempt made from them" json_is "$TMP/mal.json" \
	'd["totals"]["outside"]["attempts"]' 0

# Flags
expect_error 64 "unknown option '--bogus'" "unknown flag" -- replay --bogus "$TMP/good.pcap"
expect_error 64 "option '--rules' needs a value" "flag without its value" -- replay --rules
expect_error 64 "\-\-top: 'abc' is not a number" "non-numeric --top" -- replay -r "$TMP/rules" --top abc "$TMP/good.pcap"
expect_error 64 "\-\-timeout: 0 is out of range" "out-of-range --timeout" -- replay -r "$TMP/rules" --timeout 0 "$TMP/good.pcap"
expect_error 64 "option '--max-attempts' needs a value" "empty --max-attempts" -- replay -r "$TMP/rules" --max-attempts= "$TMP/good.pcap"
expect_error 64 "no capture file given" "no file" -- replay -r "$TMP/rules"
expect_error 64 "unknown command 'replya'" "unknown command" -- replya
expect_error 66 "$TMP/nope.rules: cannot read rules" "missing rules file" -- replay -r "$TMP/nope.rules" "$TMP/good.pcap"
printf 'allow test-gw 198.51.100.0/24\nallow test-gw 198.51.100.300/24\n' >"$TMP/bad.rules"
expect_error 65 "$TMP/bad.rules:2:" "broken rules file names file:line" -- replay -r "$TMP/bad.rules" "$TMP/good.pcap"
