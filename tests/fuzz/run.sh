#!/bin/sh
# run.sh — builds libkvplan and the libFuzzer harnesses with clang, ASan
# and UBSan, runs each for SECONDS over its corpus, keeps what crashes it,
# and prints each run's execs and coverage.  Not run by make check.
#
#   tests/fuzz/run.sh [SECONDS] [HARNESS...]
#
# Harnesses (tests/fuzz/fuzz_NAME.c; default all): the file readers
# config, safetensors and gguf; profile, the YAML profile loader; catalog,
# the catalogue over data directories; cli, the whole kvplan command (its
# sources built in, main renamed kvplan_main).
#
# SECONDS 0 runs each harness over its corpus once and stops: a check
# that the harnesses build and the seeds pass under the sanitizers.
#
# Seeds are read from tests/fuzz/corpus/NAME/ (never written); what the run
# finds new goes to build-fuzz/corpus/NAME/, and an input that crashes, leaks
# or hangs a harness to tests/fuzz/crashes/NAME/, where make check replays
# it from then on (test_fuzz_regress for the readers, test_fuzz_NAME for
# the others).  Environment: CC (clang), FUZZ_BUILD (build-fuzz under the
# top directory), FUZZ_MAX_LEN (16384), FUZZ_JOBS for make (2), TMPDIR for
# the catalogue harness's directories (/dev/shm when unset).
set -eu

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
seconds=${1:-60}
[ $# -gt 0 ] && shift
harnesses=${*:-config safetensors gguf profile catalog cli}
build=${FUZZ_BUILD:-$top/build-fuzz}
cc=${CC:-clang}
jobs=${FUZZ_JOBS:-2}
max_len=${FUZZ_MAX_LEN:-16384}
san='-fsanitize=address,undefined -fno-sanitize-recover=undefined'
cflags="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link $san"

case $seconds in
''|*[!0-9]*) echo "run.sh: SECONDS must be a whole number, not '$seconds'" >&2; exit 2 ;;
esac
for name in $harnesses; do
	[ -f "$here/fuzz_$name.c" ] || { echo "run.sh: no harness '$name'" >&2; exit 2; }
done

# A tree configured in place refuses a second, out-of-tree configure, so
# the build configures a copy of the sources (git's files, committed or
# not); cp -p -u keeps make's view of what changed.
mkdir -p "$build/src" "$build/obj"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
	(cd "$top" && git ls-files -z -c -o --exclude-standard |
		xargs -0 cp -p -u --parents -t "$build/src")
	src=$build/src
	[ -x "$src/configure" ] || (cd "$src" && autoreconf -fi >/dev/null 2>&1)
elif [ ! -f "$top/config.status" ]; then
	src=$top
else
	echo "run.sh: $top is configured in place and is no git tree: run 'make distclean' there first" >&2
	exit 2
fi
if [ ! -f "$build/obj/config.status" ]; then
	(cd "$build/obj" && "$src/configure" -q --disable-shared CC="$cc" \
		CFLAGS="$cflags") >/dev/null
fi
if ! make -s -C "$build/obj" -j"$jobs" lib/libkvplan.la >"$build/build.log" 2>&1; then
	cat "$build/build.log" >&2
	exit 2
fi

libs="$(pkg-config --libs yaml-0.1 jansson) -lm -lpthread"
pkg_cflags=$(pkg-config --cflags yaml-0.1 jansson)
# The command's harness runs from here, so the command takes the data of
# the source tree, as it does when run from its build tree.
build_real=$(cd "$build" && pwd -P)
# The catalogue's harness makes and removes its data directories under
# TMPDIR for every input: on a tmpfs that runs twice as fast as on a disk
# or more, so /dev/shm is taken when TMPDIR is not set.
scratch=${TMPDIR:-/tmp}
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
	scratch=/dev/shm
fi
status=0
for name in $harnesses; do
	bin=$build/fuzz_$name
	crashes=$here/crashes/$name
	corpus=$build/corpus/$name
	mkdir -p "$crashes" "$corpus" "$here/corpus/$name"
	set --
	if [ "$name" = cli ]; then
		set -- -I"$src/cli" -I"$build/obj" -Dmain=kvplan_main \
			-DKVP_SRCDATADIR="\"$src/data\"" \
			-DKVP_BUILDDIR="\"$build_real\"" \
			-DKVP_TEST_SRCDIR="\"$src\"" "$src"/cli/*.c
	fi
	# shellcheck disable=SC2086
	$cc $cflags -fsanitize=fuzzer -I"$src/lib" $pkg_cflags \
		"$here/fuzz_$name.c" "$@" "$build/obj/lib/.libs/libkvplan.a" \
		$libs -o "$bin"
	dict=
	[ -f "$here/$name.dict" ] && dict=-dict=$here/$name.dict
	log=$build/fuzz_$name.log
	echo "fuzz_$name: ${seconds}s, seeds $(ls "$here/corpus/$name" | wc -l), log $log"
	# shellcheck disable=SC2086
	if [ "$seconds" -eq 0 ]; then
		limit=-runs=0
	else
		limit=-max_total_time=$seconds
	fi
	if TMPDIR=$scratch "$bin" "$limit" -max_len="$max_len" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 $dict \
		-artifact_prefix="$crashes/" "$corpus" "$here/corpus/$name" \
		>"$log" 2>&1; then
		result=ok
	else
		result="FAILED (input kept in $crashes: list it in fuzz_crashes in Makefile.am)"
		status=1
	fi
	# libFuzzer's last status line: "#N DONE cov: C ft: F corp: ... exec/s: E ..."
	done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -n 1 || true)
	[ -n "$done_line" ] || done_line=$(grep -E '^#[0-9]+' "$log" | tail -n 1 || true)
	echo "$done_line" | awk -v name="$name" -v result="$result" '{
		execs = substr($1, 2); cov = ft = corp = rate = "?"
		for (i = 2; i < NF; i++) {
			if ($i == "cov:") cov = $(i + 1)
			if ($i == "ft:") ft = $(i + 1)
			if ($i == "corp:") corp = $(i + 1)
			if ($i == "exec/s:") rate = $(i + 1)
		}
		printf "fuzz_%s: %s execs, cov %s, ft %s, corpus %s, %s exec/s: %s\n",
		       name, execs, cov, ft, corp, rate, result
	}'
done
exit $status
