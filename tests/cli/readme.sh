# readme.sh — the README's example outputs are what kvplan prints today:
# each "$ kvplan ARGS" line of a code block (one line, no pipe, not a
# validation, whose figures depend on the host, nor a chart, which writes
# files; chart.sh checks those) is run, and the lines after
# it are its whole stdout, or its stderr when it fails with status 2.
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

done_testing
