# exports.sh — the names a shared library defines for others (functions and
# data, weak ones included), one a line in C sort order: what
# tests/cli/symbols.sh checks and abi/symbols.txt records.
# Usage: sh exports.sh LIBRARY.so
set -eu
symbols=$(nm -D --defined-only "$1")
printf '%s\n' "$symbols" | awk 'NF == 3 && $2 ~ /^[A-Zi]$/ { print $3 }' | LC_ALL=C sort
