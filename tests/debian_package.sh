#!/bin/sh
# Integration: the Debian package. Builds it with dpkg-buildpackage from a
# clean copy of the source tree (git's file list, or the whole tree when it
# is an unpacked dist), runs lintian (errors fail, warnings are listed),
# installs it into an empty root with dpkg --root, and checks what landed:
# programs, unit (installed, not enabled), catalog (compiles), man pages,
# shipped rules, conffiles, bash completion, and the lockwatch user made by
# the sysusers.d file the postinst hands to systemd-sysusers --root.
#
# The package's own `make check` is skipped (DEB_BUILD_OPTIONS=nocheck and
# the nocheck build profile): this test already runs inside `make check`,
# and the suite needs root, namespaces, journald and redis-server, which
# dpkg-buildpackage's environment is not meant to provide. parallel=2
# keeps the build within CI's two cores.
#
# The maintainer scripts run outside a chroot (--force-script-chrootless,
# with DPKG_ROOT set by dpkg): the empty root has no shell to chroot into,
# and debhelper's snippets (systemd-sysusers, deb-systemd-helper) honour
# DPKG_ROOT, so nothing outside the root is touched.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"
need dpkg-buildpackage dh lintian systemd-sysusers journalctl bash

# --- a clean copy: what git tracks (and new files not ignored), else all
SRC="$TMP/pkg/lockwatch"
mkdir -p "$SRC"
# (only when top_srcdir is the top of a checkout: distcheck unpacks the
# dist inside the clone, where git would list nothing of it)
if [ "$(git -C "$top_srcdir" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$top_srcdir" && pwd -P)" ]; then
	(cd "$top_srcdir" && git ls-files -z --cached --others --exclude-standard |
		xargs -0 cp --parents -t "$SRC") || { not_ok "copy the tree"; exit 1; }
else
	# an unpacked dist is read-only under distcheck
	cp -R "$top_srcdir/." "$SRC" && chmod -R u+w "$SRC" || { not_ok "copy the tree"; exit 1; }
fi
check "the copy has the packaging" [ -x "$SRC/debian/rules" ]

# --- build
rc=0
(cd "$SRC" && DEB_BUILD_OPTIONS="nocheck parallel=2" DEB_BUILD_PROFILES=nocheck \
	dpkg-buildpackage -us -uc -b) >"$TMP/build.log" 2>&1 || rc=$?
if [ "$rc" -ne 0 ]; then
	not_ok "dpkg-buildpackage -us -uc -b: exit $rc"
	tail -n 30 "$TMP/build.log" | sed 's/^/# /'
	exit 1
fi
ok "dpkg-buildpackage -us -uc -b"
DEB=$(ls "$TMP"/pkg/lockwatch_*_*.deb 2>/dev/null | head -n 1)
check "the lockwatch .deb is there" [ -f "$DEB" ]

# --- lintian: no errors; warnings listed
rc=0
lintian --fail-on error "$TMP"/pkg/lockwatch_*.changes >"$TMP/lintian.out" 2>&1 || rc=$?
grep -v 'running with root privileges' "$TMP/lintian.out" | sed 's/^/# lintian: /'
check "lintian: no errors" sh -c "[ $rc -eq 0 ] && ! grep -q '^E: ' '$TMP/lintian.out'"

# --- install into an empty root
R="$TMP/root"
mkdir -p "$R/var/lib/dpkg/info" "$R/var/lib/dpkg/updates" "$R/var/lib/dpkg/triggers" "$R/etc"
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
check "postinst starts nothing" sh -c "! dpkg -I '$DEB' postinst | grep -q 'deb-systemd-invoke .*start'"

# --- what the installed files do
check "the catalog compiles (journalctl --update-catalog)" sh -c \
	"journalctl --root='$R' --update-catalog && journalctl --root='$R' --list-catalog | grep -q '^e443f88220a64ee8b340b445ec29eaf8 '"
check "the installed lockwatch runs" sh -c "'$R/usr/bin/lockwatch' --version | grep -q '^lockwatch [0-9]'"
check "the shipped site example loads with the shipped sets" sh -c \
	"'$R/usr/bin/lockwatch' rules check '$R/usr/share/lockwatch/rules/site.example.rules' >/dev/null"
# every setting uncommented (but the interface and Redis) still parses
grep '^#[a-z]' "$R/etc/lockwatch/lockwatchd.conf" | grep -v '^#interface\|^#redis\|^#flush' |
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
