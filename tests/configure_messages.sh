#!/bin/sh
# Integration: configure names the Debian package to install when a
# library is missing, and finds libpcap through pcap-config when
# pkg-config does not know it. Runs configure from a copy of the parts it
# needs, with a pkg-config stand-in that hides one library at a time.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need pkg-config pcap-config

src="$TMP/src"
mkdir -p "$src/sensor"
cp -R "$top_srcdir/configure" "$top_srcdir/Makefile.in" "$top_srcdir/config.h.in" \
	"$top_srcdir/build-aux" "$src/" || not_ok "copy configure"
cp "$top_srcdir/sensor/decode.c" "$src/sensor/"
real_pc=$(command -v pkg-config)

# pkg-config that pretends HIDE is not installed
fake_pc() {
	cat >"$TMP/pc-$1" <<PC
#!/bin/sh
for a in "\$@"; do
	case "\$a" in $1*) exit 1 ;; esac
done
exec "$real_pc" "\$@"
PC
	chmod +x "$TMP/pc-$1"
}

try() { # try HIDDEN EXPECTED-PACKAGE
	fake_pc "$1"
	mkdir -p "$TMP/b-$1"
	(cd "$TMP/b-$1" && "$src/configure" PKG_CONFIG="$TMP/pc-$1" >out 2>err)
	st=$?
	check "configure without $1: fails" [ "$st" -ne 0 ]
	check "configure without $1: names the package $2" \
		grep -q "install the Debian package $2" "$TMP/b-$1/err"
}
try hiredis libhiredis-dev
try libsystemd libsystemd-dev

# libpcap hidden from pkg-config: pcap-config is the fallback
fake_pc libpcap
mkdir -p "$TMP/b-pcap"
(cd "$TMP/b-pcap" && "$src/configure" PKG_CONFIG="$TMP/pc-libpcap" >out 2>err)
check "configure without libpcap.pc: succeeds through pcap-config" [ $? -eq 0 ]
check "configure without libpcap.pc: uses pcap-config's flags" grep -q "libpcap: *-lpcap" "$TMP/b-pcap/out"

# and with neither: the package name
# (an empty cached path makes configure believe pcap-config is absent)
mkdir -p "$TMP/b-nopcap"
(cd "$TMP/b-nopcap" && "$src/configure" PKG_CONFIG="$TMP/pc-libpcap" ac_cv_path_PCAP_CONFIG= \
	>out 2>err)
check "configure without libpcap at all: names libpcap-dev" \
	grep -q "install the Debian package libpcap-dev" "$TMP/b-nopcap/err"
