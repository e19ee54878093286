# readme.sh — the README's example outputs are what kvplan prints today:
# each "$ kvplan ARGS" line of a code block (one line, no pipe, not a
# validation, whose figures depend on the host, nor a chart, which writes
# files; chart.sh checks those) is run, and the lines after
# it are its whole stdout, or its stderr when it fails with status 2.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

readme=$KVPLAN_SRCDIR/README.md
# Split the README into one file per such block: $work/block.N holds the
# arguments on its first line and the expected output after it.
awk -v dir="$work" '
	/^```/ { if (n) close(file); inblock = !inblock; n = 0; next }
	!inblock { next }
	/^\$ / {
		if (n) close(file)
		n = 0
		if (!/^\$ kvplan / || /[|\\]/ || /--validate/ || /--chart/)
			next
		blocks++; file = dir "/block." blocks; n = 1
		sub(/^\$ kvplan /, ""); print > file; next
	}
	n { print >> file }
' "$readme"

# Paths in the examples are the source tree's (tests/configs/...).
cd "$KVPLAN_SRCDIR"
for block in "$work"/block.*; do
	[ -e "$block" ] || continue
	args=$(head -n 1 "$block")
	tail -n +2 "$block" >"$work/expected"
	# The arguments are plain words (checked: no quotes in them).
	# shellcheck disable=SC2086
	run $args
	# An error is shown as its one line on stderr, with exit status 2.
	shown=$work/out
	[ "$status" -ne 2 ] || shown=$work/err
	if cmp -s "$shown" "$work/expected"; then
		ok "README: kvplan $args"
	else
		diff -u "$work/expected" "$shown" | sed 's/^/# /' | head -n 30
		not_ok "README: kvplan $args" "the output differs from the README"
	fi
done

done_testing
