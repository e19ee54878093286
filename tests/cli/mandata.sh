# mandata.sh — the complete profiles of kvplan-data(5)'s EXAMPLES are
# accepted as they are shown: each is written to the directory the page
# names, and each "$ kvplan --data-dir ..." example run on them prints what
# the page shows.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

page=$KVPLAN_SRCDIR/man/kvplan-data.5
man_files "$page" "$work"
for file in mydata/models/my-7b.yaml mydata/models/my-hybrid.yaml \
	mydata/gpus/my-gpu.yaml; do
	check "kvplan-data.5 shows $file" test -s "$work/$file"
done
man_examples "$page" "$work"
check "kvplan-data.5 has examples to run" test -e "$work/block.001"

# The page's paths are relative to where its files were saved.
cd "$work"
for block in "$work"/block.*; do
	[ -e "$block" ] || continue
	check_example kvplan-data.5 "$block"
done
done_testing
