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
	[ ! -f "$work/out" ] || sed 's/^/# stdout: /' "$work/out" | head -n 20
	[ ! -f "$work/err" ] || sed 's/^/# stderr: /' "$work/err" | head -n 20
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
	expect_error_of run "$@"
}

# expect_error_of RUNNER DESC PATTERN ARGS...: the same for RUNNER ARGS, a
# function that leaves $work/{out,err} and $status as run does.
expect_error_of() {
	runner=$1 desc=$2 pattern=$3
	shift 3
	"$runner" "$@"
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

# safetensors FILE HEADER BYTES: a safetensors file of HEADER (under 64
# KiB), its 8-byte little-endian length first, written with printf's octal
# escapes, and BYTES zero bytes of tensor data (a multiple of 100).
safetensors() {
	printf "\\$(printf %03o $((${#2} % 256)))\\$(printf %03o $((${#2} / 256)))\\000\\000\\000\\000\\000\\000%s" \
		"$2" >"$1"
	dd if=/dev/zero bs=100 count=$(($3 / 100)) >>"$1" 2>/dev/null
}

# is KEY VALUE [DESC]: the JSON in $work/out has "KEY": VALUE (first one).
is() {
	got=$(json_value "$1")
	if [ "$got" = "$2" ]; then ok "${3:-$1 = $2}"; else not_ok "${3:-$1 = $2}" "got '$got'"; fi
}

# csv GPU COLUMN: the value of COLUMN in GPU's row of the CSV in $work/out;
# csv_is GPU COLUMN VALUE [DESC]: it is VALUE.
csv() {
	awk -F, -v gpu="$1" -v col="$2" '
		NR == 1 { for (i = 1; i <= NF; i++) idx[$i] = i; next }
		$13 == gpu { print $(idx[col]) }' "$work/out"
}
csv_is() {
	got=$(csv "$1" "$2")
	if [ "$got" = "$3" ]; then ok "$1 $2 = $3${4:+ ($4)}"; else not_ok "$1 $2 = $3" "got '$got'"; fi
}

# has_line DESC TEXT: $work/out has TEXT as a whole line, or as a JSON
# string (with its quotes) on a line of its own.
has_line() {
	if grep -Fxq -- "$2" "$work/out" || grep -Fq -- "\"$2\"" "$work/out"; then
		ok "$1"
	else
		not_ok "$1" "no line '$2'"
	fi
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

# check_example LABEL BLOCK: BLOCK holds kvplan's arguments on its first
# line (plain words, no quotes) and, after it, the output a document shows
# for them: the whole stdout, or the one line on stderr when kvplan fails
# with status 2.  Runs kvplan in the current directory.
check_example() {
	label=$1
	args=$(head -n 1 "$2")
	tail -n +2 "$2" >"$work/expected"
	# shellcheck disable=SC2086
	run $args
	shown=$work/out
	[ "$status" -ne 2 ] || shown=$work/err
	if cmp -s "$shown" "$work/expected"; then
		ok "$label: kvplan $args"
	else
		diff -u "$work/expected" "$shown" | sed 's/^/# /' | head -n 30
		not_ok "$label: kvplan $args" "the output differs from the text"
	fi
}

# The awk function that undoes roff's escapes in a manual page's literal
# display: \e a backslash, \& nothing, \- a minus, \(aq and \(dq quotes.
roff_text='
function roff_text(s,    out, c) {
	out = ""
	while ((c = index(s, "\\")) > 0) {
		out = out substr(s, 1, c - 1)
		s = substr(s, c + 1)
		if (s ~ /^e/) { out = out "\\"; s = substr(s, 2) }
		else if (s ~ /^&/) s = substr(s, 2)
		else if (s ~ /^-/) { out = out "-"; s = substr(s, 2) }
		else if (s ~ /^\(aq/) { out = out "\047"; s = substr(s, 4) }
		else if (s ~ /^\(dq/) { out = out "\""; s = substr(s, 4) }
		else out = out "\\"
	}
	return out s
}'

# man_examples PAGE DIR: writes DIR/block.NNN, as check_example reads them,
# for each "$ kvplan ARGS" line of a literal display (.Bd -literal) in the
# EXAMPLES section of the manual page PAGE (a line ending in a backslash
# goes on on the next),
# with the lines after it up to the next "$ " line or the display's end.
# Lines with a pipe and validations, whose figures depend on the host, are
# left out.
man_examples() {
	awk -v dir="$2" "$roff_text"'
	/^\.Sh / { examples = $2 == "EXAMPLES"; next }
	/^\.Bd -literal/ { inblock = examples; next }
	/^\.Ed/ { inblock = 0; if (file != "") close(file); file = ""; next }
	!inblock { next }
	{
		line = roff_text($0)
		if (command != "") {
			sub(/^[ \t]+/, "", line)
			line = command " " line
			command = ""
		} else if (line !~ /^\$ /) {
			if (file != "") print line > file
			next
		}
		if (line ~ /\\$/) {
			sub(/[ \t]*\\$/, "", line)
			command = line
			next
		}
		if (file != "") close(file)
		file = ""
		if (line !~ /^\$ kvplan / || line ~ /\|/ || line ~ /--validate/)
			next
		file = sprintf("%s/block.%03d", dir, ++blocks)
		sub(/^\$ kvplan /, "", line)
		print line > file
	}' "$1"
}

# man_files PAGE DIR: writes each literal display of the manual page PAGE
# that a comment line '.\" file: NAME' comes just before into DIR/NAME,
# so that a page's example files can be used as they are shown.
man_files() {
	awk -v dir="$2" "$roff_text"'
	/^\.\\" file: / { name = $3; next }
	/^\.Bd -literal/ {
		if (name != "") {
			file = dir "/" name
			if (sub(/\/[^\/]*$/, "", name))
				system("mkdir -p \"" dir "/" name "\"")
		}
		name = ""
		next
	}
	/^\.Ed/ { if (file != "") close(file); file = ""; next }
	file != "" { print roff_text($0) > file }
	{ name = "" }' "$1"
}

# readme_blocks PREFIX SKIP DIR: writes DIR/block.N, as check_example reads
# them, for each "$ PREFIX..." line of a code block of README.md (one line:
# none with a pipe or a backslash, nor one the extended regex SKIP matches
# when it is not empty): what follows PREFIX on its first line, and the
# lines after it up to the next "$ " line or the block's end.
readme_blocks() {
	awk -v prefix="$1" -v skip="$2" -v dir="$3" '
	/^```/ { if (n) close(file); inblock = !inblock; n = 0; next }
	!inblock { next }
	/^\$ / {
		if (n) close(file)
		n = 0
		if (index($0, "$ " prefix) != 1 || /[|\\]/ || (skip != "" && $0 ~ skip))
			next
		blocks++; file = dir "/block." blocks; n = 1
		print substr($0, length(prefix) + 3) > file; next
	}
	n { print >> file }
	' "$KVPLAN_SRCDIR/README.md"
}

done_testing() {
	echo "1..$tap_n"
	[ "$tap_failed" -eq 0 ]
}
