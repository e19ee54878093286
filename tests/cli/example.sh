# example.sh — the embedding example (examples/capacity.c) gets the same
# answer through the library as the command does.  make installcheck runs
# it on the example built against the installed library (KVPLAN_EXAMPLES,
# KVPLAN_EXAMPLES_DATA: see tools.sh).
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

example=${KVPLAN_EXAMPLES:-$KVPLAN_BUILDDIR/examples}/capacity
KVPLAN_DATA_PATH=${KVPLAN_EXAMPLES_DATA-$KVPLAN_SRCDIR/data}
export KVPLAN_DATA_PATH
status=0
"$example" llama2-7b h100 1024 >"$work/out" 2>"$work/err" ||
	status=$?
check "capacity example prints llama2-7b's fit on h100-sxm" grep -qx \
	'llama2-7b on h100-sxm: 524288 B/token, 536870912 B at seq 1024, max seq 121750, max batch 118' \
	"$work/out"
check "capacity example exits 0" test "$status" -eq 0
status=0
"$example" llama2-7 h100 1024 >"$work/out" 2>"$work/err" ||
	status=$?
check "capacity example gets the library's error" test "$status" -eq 2
check "error names the unknown model" grep -q "unknown model 'llama2-7'" "$work/err"
done_testing
