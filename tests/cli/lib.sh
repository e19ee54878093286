# lib.sh — sourced by every CLI test: strict shell, C locale, a scratch
# directory removed on exit, and TAP helpers (one 'ok'/'not ok' line a check).
set -eu
export LC_ALL=C
: "${KVPLAN:?run through make check (KVPLAN is the built binary)}"
: "${KVPLAN_SRCDIR:?run through make check}"
work=$(mktemp -d "${TMPDIR:-/tmp}/kvplan-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
golden=$KVPLAN_SRCDIR/tests/cli/golden
tap_n=0
tap_failed=0
# The program itself, where valgrind or LD_PRELOAD must reach it rather
# than libtool's wrapper script (whose execute mode also re-splits an
# argument that holds a line feed): in cli/.libs, named lt-kvplan once the
# wrapper has run, unless it was linked static; and its library.
kvplan_program=$KVPLAN_BUILDDIR/cli/.libs/lt-kvplan
[ -x "$kvplan_program" ] || kvplan_program=$KVPLAN_BUILDDIR/cli/.libs/kvplan
[ -x "$kvplan_program" ] || kvplan_program=$KVPLAN
kvplan_libs="$KVPLAN_BUILDDIR/lib/.libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"

# Runs kvplan (under valgrind when the suite is configured with it),
# capturing stdout, stderr and the exit status in $work/{out,err}, $status.
# Exit status 99 is valgrind's or a sanitizer's report (see Makefile.am),
# a failure even where only the output is checked: a leak is reported
# after all the output.
run() {
	status=0
	if [ -n "${KVPLAN_VALGRIND:-}" ]; then
		LD_LIBRARY_PATH=$kvplan_libs "$KVPLAN_VALGRIND" --quiet --error-exitcode=99 \
			--leak-check=full "$kvplan_program" "$@" >"$work/out" 2>"$work/err" ||
			status=$?
	else
		"$KVPLAN" "$@" >"$work/out" 2>"$work/err" || status=$?
	fi
	[ "$status" -ne 99 ] || not_ok "kvplan $*" "exit status 99: valgrind or a sanitizer reported an error"
}

ok() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1"
}

not_ok() {
	tap_n=$((tap_n + 1))
	tap_failed=$((tap_failed + 1))
	echo "not ok $tap_n - $1"
	shift
	for line in "$@"; do echo "# $line"; done
	sed 's/^/# stdout: /' "$work/out" | head -n 20
	sed 's/^/# stderr: /' "$work/err" | head -n 20
}

# check DESC COMMAND...: passes when COMMAND succeeds.
check() {
	desc=$1
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc" "failed: $*"; fi
}

# expect_error DESC PATTERN ARGS...: kvplan ARGS must exit 2, print nothing
# on stdout and exactly one line on stderr matching the extended regex PATTERN.
expect_error() {
	desc=$1 pattern=$2
	shift 2
	run "$@"
	if [ "$status" -ne 2 ]; then
		not_ok "$desc" "exit status $status, expected 2"
	elif [ -s "$work/out" ]; then
		not_ok "$desc" "stdout is not empty"
	elif [ "$(wc -l <"$work/err")" -ne 1 ]; then
		not_ok "$desc" "stderr has $(wc -l <"$work/err") lines, expected 1"
	elif ! grep -Eq -- "$pattern" "$work/err"; then
		not_ok "$desc" "stderr does not match /$pattern/"
	else
		ok "$desc"
	fi
}

# json_value KEY: the first "KEY": value in $work/out (scalars only).
json_value() {
	sed -n "s/^ *\"$1\": \([^,]*\),\{0,1\}\$/\1/p" "$work/out" | head -n 1
}

# is KEY VALUE [DESC]: the JSON in $work/out has "KEY": VALUE (first one).
is() {
	got=$(json_value "$1")
	if [ "$got" = "$2" ]; then ok "${3:-$1 = $2}"; else not_ok "${3:-$1 = $2}" "got '$got'"; fi
}

# same_cache NAME OPTION FILE ARGS...: the cache figures of the model read
# by OPTION FILE (--config, --gguf) and of --model NAME are the same under
# ARGS (max_seq_hbm differs with the weights, so give a --kv-budget).
same_cache() {
	name=$1 option=$2 file=$3
	shift 3
	fields='"(kv_total_bytes|state_total_bytes|cache_total_bytes|kv_bytes_per_token|kv_bytes_per_gpu|max_seq_hbm)"'
	run --model "$name" "$@" --format json
	want=$(grep -E "$fields" "$work/out")
	run "$option" "$file" "$@" --format json
	got=$(grep -E "$fields" "$work/out")
	if [ "$status" -eq 0 ] && [ -n "$want" ] && [ "$got" = "$want" ]; then
		ok "$option $name = --model $name ($*)"
	else
		not_ok "$option $name = --model $name ($*)" "want: $want" "got: $got"
	fi
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
