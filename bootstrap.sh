#!/bin/sh
# bootstrap.sh — generates configure and Makefile.in from a git checkout.
set -e
cd "$(dirname "$0")"
# aclocal warns about a missing macro directory before libtoolize fills it.
mkdir -p m4
autoreconf --install --force
