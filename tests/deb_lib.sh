# Builds the Debian package from the source tree, for the tests that
# install it (tests/debian_package.sh into an empty root,
# tests/system/systemd_container.sh into a booted Debian). Sourced after
# tests/lib.sh.
#
# The package's own `make check` is skipped (DEB_BUILD_OPTIONS=nocheck and
# the nocheck build profile): these tests run beside the suite, which needs
# root, namespaces, journald and redis-server that dpkg-buildpackage's
# environment is not meant to provide. parallel=2 keeps the build within
# CI's two cores.

# deb_build DIR: a clean copy of the tree in DIR/lockwatch (what git tracks
# and new files not ignored, or the whole tree when it is an unpacked
# dist), built with dpkg-buildpackage -us -uc -b; the .deb lands in DIR and
# its path in $DEB, the log in DIR/build.log. One TAP line per step; a
# failure ends the test.
deb_build() {
	_dir=$1
	_src="$_dir/lockwatch"
	mkdir -p "$_src"
	# (only when top_srcdir is the top of a checkout: distcheck unpacks the
	# dist inside the clone, where git would list nothing of it)
	if [ "$(git -C "$top_srcdir" rev-parse --show-toplevel 2>/dev/null)" = "$(cd "$top_srcdir" && pwd -P)" ]; then
		(cd "$top_srcdir" && git ls-files -z --cached --others --exclude-standard |
			xargs -0 cp --parents -t "$_src") || { not_ok "copy the tree"; exit 1; }
	else
		# an unpacked dist is read-only under distcheck
		cp -R "$top_srcdir/." "$_src" && chmod -R u+w "$_src" || { not_ok "copy the tree"; exit 1; }
	fi
	check "the copy has the packaging" [ -x "$_src/debian/rules" ]
	_rc=0
	(cd "$_src" && DEB_BUILD_OPTIONS="nocheck parallel=2" DEB_BUILD_PROFILES=nocheck \
		dpkg-buildpackage -us -uc -b) >"$_dir/build.log" 2>&1 || _rc=$?
	if [ "$_rc" -ne 0 ]; then
		not_ok "dpkg-buildpackage -us -uc -b: exit $_rc"
		tail -n 30 "$_dir/build.log" | sed 's/^/# /'
		exit 1
	fi
	ok "dpkg-buildpackage -us -uc -b"
	DEB=$(ls "$_dir"/lockwatch_*_*.deb 2>/dev/null | head -n 1)
	check "the lockwatch .deb is there" [ -f "$DEB" ]
	[ -f "$DEB" ] || exit 1
}
