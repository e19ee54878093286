# golden.sh — whole JSON and CSV outputs compared with files checked by hand
# against the formula, so no key of the contract goes missing or changes.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# golden FILE ARGS...: kvplan ARGS prints exactly tests/cli/golden/FILE.
golden() {
	file=$1
	shift
	run "$@"
	if [ "$status" -ne 0 ]; then
		not_ok "$file" "exit status $status"
	elif diff -u "$golden/$file" "$work/out" >"$work/diff"; then
		ok "$file matches kvplan $*"
	else
		sed 's/^/# /' "$work/diff" | head -n 40
		not_ok "$file" "output differs from the golden file"
	fi
}

golden llama2-7b-1024.json --model llama2-7b --seq 1024 --format json
golden gemma2-9b-fp8.json --model gemma2-9b --seq 8192 --batch 4 --dtype fp8 \
	--gpu h200,mi300x,l4 --format json
golden falcon-7b-mqa.csv --model falcon-7b --seq 2048 --batch 16 --gpu a10,rtx4090 --format csv

done_testing
