# manexamples.sh — the examples of kvplan(1) show what kvplan prints today:
# each "$ kvplan ARGS" line of its EXAMPLES section (not a validation, whose
# figures are the host's) is run, and the lines after it are its whole
# stdout, or its stderr when it fails with status 2.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

man_examples "$KVPLAN_SRCDIR/man/kvplan.1" "$work"
check "kvplan.1 has examples to run" test -e "$work/block.001"
cd "$KVPLAN_SRCDIR"
for block in "$work"/block.*; do
	[ -e "$block" ] || continue
	check_example kvplan.1 "$block"
done
done_testing
