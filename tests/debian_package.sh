#!/bin/sh
# Integration: the Debian package. Builds it with dpkg-buildpackage from a
# clean copy of the source tree (git's file list, or the whole tree when it
# is an unpacked dist), runs lintian (errors fail, warnings are listed),
# installs it into an empty root with dpkg --root, and checks what landed:
# programs, unit (installed, not enabled), catalog (compiles), man pages,
# shipped rules, conffiles, bash completion, and the lockwatch user made by
# the sysusers.d file the postinst hands to systemd-sysusers --root.
#
# The build is tests/deb_lib.sh's, shared with the system test.
#
# The maintainer scripts run outside a chroot (--force-script-chrootless,
# with DPKG_ROOT set by dpkg): the empty root has no shell to chroot into,
# and debhelper's snippets (systemd-sysusers, deb-systemd-helper) honour
# DPKG_ROOT, so nothing outside the root is touched.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
. "$top_srcdir/tests/deb_lib.sh"
need dpkg-buildpackage dh lintian systemd-sysusers journalctl bash

# --- build
deb_build "$TMP/pkg"

# --- lintian: no errors; warnings listed
rc=0
lintian --fail-on error "$TMP"/pkg/lockwatch_*.changes >"$TMP/lintian.out" 2>&1 || rc=$?
grep -v 'running with root privileges' "$TMP/lintian.out" | sed 's/^/# lintian: /'
check "lintian: no errors" sh -c "[ $rc -eq 0 ] && ! grep -q '^E: ' '$TMP/lintian.out'"

# --- install into an empty root
R="$TMP/root"
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/triggers" "$R/etc"
# node_exporter's textfile directory, as prometheus-node-exporter makes it
mkdir -p "$R/var/lib/prometheus/node-exporter"
: >"$R/var/lib/dpkg/status"
: >"$R/var/lib/dpkg/available"
rc=0
dpkg --root="$R" --force-script-chrootless --force-depends -i "$DEB" >"$TMP/install.log" 2>&1 || rc=$?
check "dpkg --root -i: installed" sh -c "[ $rc -eq 0 ] && [ \"\$(dpkg-query --root='$R' -W -f='\${Status}' lockwatch)\" = 'install ok installed' ]"
for f in usr/bin/lockwatch usr/sbin/lockwatchd lib/systemd/system/lockwatchd.service \
	usr/lib/systemd/catalog/lockwatch.catalog usr/share/man/man1/lockwatch.1.gz \
	usr/share/man/man5/lockwatch.rules.5.gz usr/share/man/man8/lockwatchd.8.gz \
	usr/share/lockwatch/rules/mimecast-eu.rules usr/share/lockwatch/rules/mimecast-all.rules \
	usr/share/lockwatch/rules/site.example.rules etc/lockwatch/lockwatchd.conf \
	etc/lockwatch/lockwatch.rules usr/share/bash-completion/completions/lockwatch \
	usr/share/bash-completion/completions/lockwatchd usr/lib/sysusers.d/lockwatch.conf; do
	check "installed: /$f" [ -f "$R/$f" ]
done
check "the unit names the installed program" grep -q '^ExecStart=/usr/sbin/lockwatchd$' \
	"$R/lib/systemd/system/lockwatchd.service"

# --- conffiles
dpkg-query --root="$R" -W -f='${Conffiles}\n' lockwatch >"$TMP/conffiles"
check "conffile: /etc/lockwatch/lockwatchd.conf" grep -q '^ /etc/lockwatch/lockwatchd.conf ' "$TMP/conffiles"
check "conffile: /etc/lockwatch/lockwatch.rules" grep -q '^ /etc/lockwatch/lockwatch.rules ' "$TMP/conffiles"
check "the rules conffile is the example site file" \
	cmp -s "$R/etc/lockwatch/lockwatch.rules" "$top_srcdir/rules/site.example.rules"
check "the settings are all comments (defaults)" \
	sh -c "! grep -v '^#' '$R/etc/lockwatch/lockwatchd.conf' | grep -q ."

# --- the user: declared in sysusers.d, made by the postinst, used by the unit
check "sysusers.d declares the lockwatch user" \
	grep -q '^u lockwatch - .* /usr/sbin/nologin$' "$R/usr/lib/sysusers.d/lockwatch.conf"
check "postinst made the user in the root (no login)" \
	grep -q '^lockwatch:x:[0-9]*:[0-9]*:.*:/nonexistent:/usr/sbin/nologin$' "$R/etc/passwd"
check "and its group" grep -q '^lockwatch:x:' "$R/etc/group"
check "the unit runs as that user" grep -q '^User=lockwatch$' "$R/lib/systemd/system/lockwatchd.service"
check "lockwatchd's --user default is that user" \
	sh -c "'$R/usr/sbin/lockwatchd' --help | grep -q -- '--user USER .*(lockwatch)'"

# --- the unit: installed but neither enabled nor started
check "the unit is not enabled" sh -c "! ls '$R'/etc/systemd/system/*.wants/lockwatchd.service 2>/dev/null"
check "postinst starts nothing (an upgrade try-restarts what runs)" sh -c \
	"! dpkg -I '$DEB' postinst | grep -q 'deb-systemd-invoke \\(start\\|restart\\) ' &&
	dpkg -I '$DEB' postinst | grep -q 'deb-systemd-invoke try-restart'"
check "prerm stops the service on removal" sh -c \
	"dpkg -I '$DEB' prerm | grep -q 'remove.*' && dpkg -I '$DEB' prerm | grep -q 'deb-systemd-invoke stop lockwatchd.service'"
check "the metrics file linked into node_exporter's textfile directory (in the root)" sh -c \
	"[ \"\$(readlink '$R/var/lib/prometheus/node-exporter/lockwatch.prom')\" = /var/lib/lockwatch/lockwatch.prom ]"
check "a trigger links it when prometheus-node-exporter comes later" sh -c \
	"dpkg-deb --ctrl-tarfile '$DEB' | tar -xO ./triggers | grep -qx 'interest-noawait /var/lib/prometheus/node-exporter'"

# --- what the installed files do
check "the catalog compiles (journalctl --update-catalog)" sh -c \
	"journalctl --root='$R' --update-catalog && journalctl --root='$R' --list-catalog | grep -q '^e443f88220a64ee8b340b445ec29eaf8 '"
check "the installed lockwatch runs" sh -c "'$R/usr/bin/lockwatch' --version | grep -q '^lockwatch [0-9]'"
check "the shipped site example loads with the shipped sets" sh -c \
	"'$R/usr/bin/lockwatch' rules check '$R/usr/share/lockwatch/rules/site.example.rules' >/dev/null"
# every setting uncommented (but the interface and Redis) still parses
grep '^#[a-z]' "$R/etc/lockwatch/lockwatchd.conf" | grep -v '^#interface\|^#redis\|^#flush\|^#metrics' |
	sed 's/^#//' >"$TMP/all.conf"
"$LWGEN" -o "$TMP/s.pcap" --script - <<'S' || not_ok "lwgen"
0 198.51.100.10 192.0.2.25 smtp gw1.example
S
rc=0
"$R/usr/sbin/lockwatchd" --config "$TMP/all.conf" --rules "$R/usr/share/lockwatch/rules/sample.rules" \
	--foreground --user root -r "$TMP/s.pcap" >"$TMP/conf.out" 2>&1 || rc=$?
check "every setting of the default file parses" sh -c "[ $rc -eq 0 ] || { sed 's/^/# /' '$TMP/conf.out'; false; }"
check "bash completion loads and registers both programs" bash -c \
	". '$R/usr/share/bash-completion/completions/lockwatch' && . '$R/usr/share/bash-completion/completions/lockwatchd' && complete -p lockwatch >/dev/null && complete -p lockwatchd >/dev/null"

# --- purge: the files and conffiles go
rc=0
dpkg --root="$R" --force-script-chrootless --force-depends -P lockwatch >"$TMP/purge.log" 2>&1 || rc=$?
check "dpkg --root -P: purged" sh -c "[ $rc -eq 0 ] && [ ! -e '$R/usr/bin/lockwatch' ] && [ ! -e '$R/etc/lockwatch/lockwatchd.conf' ]"
check "purged: the metrics link is gone, the collector's directory stays" sh -c \
	"[ ! -L '$R/var/lib/prometheus/node-exporter/lockwatch.prom' ] && [ -d '$R/var/lib/prometheus/node-exporter' ]"
