# readme.sh — the README's example outputs are what kvplan prints today:
# each "$ kvplan ARGS" line of a code block (one line, not a validation,
# whose figures depend on the host, nor a chart, which writes files;
# chart.sh checks those) is run, and the lines after it are its whole
# stdout (through its pipe, where it has one), or its stderr when it fails
# with status 2.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# Split the README into one file per such block: $work/block.N holds the
# arguments on its first line and the expected output after it.
readme_blocks 'kvplan ' '--validate|--chart' "$work"

# Paths in the examples are the source tree's (tests/configs/...).
cd "$KVPLAN_SRCDIR"
for block in "$work"/block.*; do
	[ -e "$block" ] || continue
	check_example README "$block"
done

# The examples piped through grep, sed or tail: each whole line run by sh
# with kvplan on the PATH, its output against the lines after it.
mkdir "$work/bin"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$KVPLAN" >"$work/bin/kvplan"
chmod +x "$work/bin/kvplan"
awk -v dir="$work" '
	/^```/ { if (n) close(file); inblock = !inblock; n = 0; next }
	!inblock { next }
	/^\$ / {
		if (n) close(file)
		n = 0
		if (index($0, "$ kvplan ") != 1 || index($0, "|") == 0 || /--validate|--chart/)
			next
		pipes++; file = dir "/pipe." pipes; n = 1
		print substr($0, 3) > file; next
	}
	n { print >> file }
	' "$KVPLAN_SRCDIR/README.md"
for pipe in "$work"/pipe.*; do
	[ -e "$pipe" ] || continue
	line=$(head -n 1 "$pipe")
	tail -n +2 "$pipe" >"$work/expected"
	if PATH="$work/bin:$PATH" sh -c "$line" >"$work/out" 2>"$work/err" &&
		cmp -s "$work/out" "$work/expected"; then
		ok "README: $line"
	else
		diff -u "$work/expected" "$work/out" | sed 's/^/# /' | head -n 30
		not_ok "README: $line" "the output differs from the text"
	fi
done

done_testing
