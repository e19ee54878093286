#!/bin/sh
# setup.sh — the README's first command: installs the Debian packages kvplan
# needs (as root, or through sudo), builds it, and runs the first example.
set -eu
cd "$(dirname "$0")"

packages="gcc make autoconf automake libtool pkg-config libyaml-dev libjansson-dev
libcmocka-dev mandoc"
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
	echo "setup.sh: installing:$missing"
	$as_root apt-get update -qq
	$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing >/dev/null
fi

[ -x configure ] && [ configure -nt configure.ac ] && [ configure -nt Makefile.am ] ||
	./bootstrap.sh
[ -f Makefile ] || ./configure
make -j"$(nproc)"
./cli/kvplan --model llama2-7b --seq 1024
