#!/bin/sh
# setup.sh — the README's first command: installs the Debian packages kvplan
# needs (as root, or through sudo), builds it, and runs the first example.
# KVPLAN_EXTRA_PACKAGES names more packages to install the same way (CI's
# clang build).  apt's locks, which a fresh machine's unattended upgrades
# hold for minutes at first boot, are waited for up to
# KVPLAN_APT_LOCK_WAIT seconds (default 900).
set -eu
cd "$(dirname "$0")"

packages="gcc make autoconf automake libtool pkg-config libyaml-dev libjansson-dev
libcmocka-dev mandoc gnuplot-nox ${KVPLAN_EXTRA_PACKAGES:-}"
lock_wait=${KVPLAN_APT_LOCK_WAIT:-900}

# apt_get ARGS...: apt-get ARGS as root, waiting for apt's and dpkg's locks.
# apt 2.6 waits for dpkg's lock when given DPkg::Lock::Timeout, silently,
# and not at all for the lists lock of apt-get update (it exits 100 at
# once).  So a first try that fails on a lock says so, and the next tries
# wait for dpkg's lock in apt-get and for the others here, until the time
# is up.  Messages are in the C locale to be recognised.
apt_get() {
	timeout=0 said=
	start=$(date +%s)
	while :; do
		if $as_root env LC_ALL=C DEBIAN_FRONTEND=noninteractive apt-get \
			-o DPkg::Lock::Timeout="$timeout" "$@" 2>"$apt_err"; then
			cat "$apt_err" >&2
			return 0
		fi
		timeout=$((lock_wait - ($(date +%s) - start)))
		if ! grep -q '^E: Could not get lock' "$apt_err" || [ "$timeout" -le 0 ]; then
			cat "$apt_err" >&2
			return 1
		fi
		[ -n "$said" ] || echo >&2 "setup.sh: waiting up to ${lock_wait}s for apt's lock:" \
			"$(sed -n 's/^E: Could not get lock //p' "$apt_err" | head -n 1)"
		said=yes
		sleep 5
	done
}

missing=
for p in $packages; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" -eq 0 ]; then
		as_root=
	elif command -v sudo >/dev/null 2>&1; then
		as_root=sudo
	else
		echo "setup.sh: need root or sudo to install:$missing" >&2
		exit 1
	fi
	apt_err=$(mktemp)
	trap 'rm -f "$apt_err"' EXIT
	echo "setup.sh: installing:$missing"
	apt_get update -qq
	apt_get install -y -qq --no-install-recommends $missing >/dev/null
fi

[ -x configure ] && [ configure -nt configure.ac ] && [ configure -nt Makefile.am ] ||
	./bootstrap.sh
[ -f Makefile ] || ./configure
make -j"$(nproc)"
./cli/kvplan --model llama2-7b --seq 1024
