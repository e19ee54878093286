# tools.sh — the capacity tools of examples/ (vllm_batch, cheapest) print
# the figures worked by hand below, agree with kvplan, refuse bad input
# with one line and status 2, and print what README.md shows they print.  make check runs the build tree's tools;
# make installcheck runs the same checks on tools built against the
# installed library (KVPLAN_EXAMPLES: their directory; KVPLAN_EXAMPLES_DATA
# empty: the installed catalogue).
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

tools=${KVPLAN_EXAMPLES:-$KVPLAN_BUILDDIR/examples}
KVPLAN_DATA_PATH=${KVPLAN_EXAMPLES_DATA-$KVPLAN_SRCDIR/data}
export KVPLAN_DATA_PATH

# tool NAME ARGS...: runs examples/NAME into $work/{out,err}, $status.
tool() {
	name=$1
	shift
	status=0
	"$tools/$name" "$@" >"$work/out" 2>"$work/err" || status=$?
}

# same_output DESC: $work/out is $work/expected.
same_output() {
	if [ "$status" -eq 0 ] && cmp -s "$work/expected" "$work/out"; then
		ok "$1"
	else
		diff -u "$work/expected" "$work/out" | sed 's/^/# /' | head -n 20
		not_ok "$1" "exit status $status, or the output differs"
	fi
}

# ---- vllm_batch: the largest batch of 8192-token requests under vLLM.
# Usable memory is vLLM's ceil(memory x 0.92); the budget is that less
# the fp16 weights (params x 2 B); a request takes bytes per token x 8192
# (vLLM's blocks of 16 tokens divide 8192: no rounding).
#  llama2-7b: 2 (K, V) x 32 layers x 32 kv heads x 128 x 2 B = 524,288 B a
#   token, 4,294,967,296 B (4 GiB) a request; weights 6,738,415,616 x 2 =
#   13,476,831,232 B.  h100-sxm, 80 GiB = 85,899,345,920 B: usable
#   ceil(79,027,398,246.4) = 79,027,398,247, budget 65,550,567,015 B,
#   / 4 GiB = 15.26: 15.  l4, 24 GiB = 25,769,803,776 B: usable
#   ceil(23,708,219,473.92) = 23,708,219,474, budget 10,231,388,242 B,
#   2.38: 2.  Its max context is 4096: starred.
#  llama3-8b: 2 x 32 x 8 kv heads x 128 x 2 B = 131,072 B a token, 1 GiB a
#   request; weights 8,030,261,248 x 2 = 16,060,522,496 B.  h100-sxm:
#   budget 62,966,875,751 B / 1 GiB = 58.64: 58.  l4: 7,647,696,978 B,
#   7.12: 7.
#  llama3.1-70b: weights 70,553,706,496 x 2 = 141,107,412,992 B, more than
#   either GPU's usable memory: 0.
tool vllm_batch 8192 h100,l4 llama2-7b llama3-8b llama3.1-70b
cat >"$work/expected" <<'EOF'
largest batch of 8192-token requests under vLLM on one GPU
(fp16 cache and weights, gpu_memory_utilization 0.92)
model                    h100-sxm           l4
llama2-7b*                     15            2
llama3-8b                      58            7
llama3.1-70b                    0            0
*: 8192 tokens is past the model's max context (planned anyway)
0: not one request fits beside the weights on one GPU
EOF
same_output "vllm_batch: llama2-7b, llama3-8b and llama3.1-70b at 8192 tokens on h100 and l4"

# The same figures as kvplan's own under --engine vllm, for more models.
models="mistral-7b qwen3-8b gemma3-27b deepseek-v2-lite gpt-oss-20b nemotron-h-56b"
# shellcheck disable=SC2086
tool vllm_batch 4096 a100-80g,h200 $models
cp "$work/out" "$work/table"
for model in $models; do
	run --model "$model" --seq 4096 --engine vllm --gpu a100-80g,h200 --format csv
	want=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
		{ printf "%s", (NR > 2 ? " " : "") $col["max_batch_hbm"] }' "$work/out")
	got=$(awk -v m="$model" '$1 == m || $1 == m "*" { print $2, $3 }' "$work/table")
	desc="vllm_batch $model at 4096 tokens: kvplan --engine vllm's max batch ($want)"
	if [ -n "$want" ] && [ "$got" = "$want" ]; then ok "$desc"; else not_ok "$desc" "got '$got'"; fi
done

expect_error_of tool "vllm_batch without models: usage" '^usage: vllm_batch SEQ' vllm_batch 8192 h100
expect_error_of tool "vllm_batch: SEQ 0" "^vllm_batch: SEQ '0' is not a whole number from 1$" \
	vllm_batch 0 h100 llama2-7b
expect_error_of tool "vllm_batch: SEQ 8k" "^vllm_batch: SEQ '8k' is not" vllm_batch 8k h100 llama2-7b
expect_error_of tool "vllm_batch: no GPU in the list" '^usage: ' vllm_batch 8192 , llama2-7b
expect_error_of tool "vllm_batch: an unknown GPU, named by the library" \
	"^vllm_batch: unknown GPU 'h1000'" vllm_batch 8192 h100,h1000 llama2-7b
expect_error_of tool "vllm_batch: an unknown model, named by the library" \
	"^vllm_batch: unknown model 'llama2-77b'" vllm_batch 8192 h100 llama2-7b llama2-77b
expect_error_of tool "vllm_batch: a control character is escaped" \
	"^vllm_batch: SEQ '1\\\\n2' is not" vllm_batch "1
2" h100 llama2-7b

# ---- cheapest: the fewest GPUs of each type (kvp_advise's min_gpus).
#  llama3.1-70b (the shape of llama3-70b, with a context of 131072) at
#  32768 tokens: 2 x 80 layers x 8 kv heads x 128 x 2 B =
#  327,680 B a token, 10 GiB a sequence; weights 141,107,412,992 B; usable
#  floor(memory x 0.90); tensor parallel t splits the weights and the kv
#  heads (8, so up to t = 8) t ways.
#  Batch 1: b200 (180 GiB, usable 173,946,175,488 B) and mi300x (192 GiB,
#  usable 185,542,587,187 B) each hold it alone: 141,107,412,992 + 10 GiB
#  = 151,844,831,232; the b200 with less memory first.  h100-sxm (usable
#  77,309,411,328) does not (the weights alone are more); at t = 2 each GPU
#  holds 70,553,706,496 + 5 GiB = 75,922,415,616: 2 GPUs, 160 GiB.
tool cheapest llama3.1-70b 32768
check "cheapest llama3.1-70b 32768: exit 0" test "$status" -eq 0
check "cheapest: without prices, ranked by GPUs then memory" \
	grep -qx 'ranked by fewest GPUs, then least memory in all (no prices: give them with -p GPU=PRICE)' "$work/out"
check "cheapest: b200, 1 GPU, first" sh -c "sed -n 4p '$work/out' | grep -Eqx 'b200 +1 +180 GiB'"
check "cheapest: mi300x, 1 GPU, second" sh -c "sed -n 5p '$work/out' | grep -Eqx 'mi300x +1 +192 GiB'"
check "cheapest: h100-sxm, 2 GPUs" grep -Eqx 'h100-sxm +2 +160 GiB' "$work/out"
check "cheapest: the answer" sh -c "tail -n 1 '$work/out' | grep -qx 'fewest: 1 x b200'"
#  Batch 8, 80 GiB of cache, priced: mi300x at t = 1 needs 141.1 + 85.9 GB
#  > 185.5 GB, at t = 2 70.6 + 42.9 = 113.5 GB: 2 x 2.50 = 5.00.  a100-80g
#  and h100-sxm (usable 77.3 GB): t = 2 needs 113.5 GB, t = 4 35.3 + 21.5 =
#  56.8 GB: 4 GPUs, 4 x 1.79 = 7.16 and 4 x 2.99 = 11.96.  h200 (141 GiB,
#  usable 136,257,837,465): t = 2, 2 x 3.79 = 7.58.
tool cheapest -b 8 -p h100=2.99 -p a100-80g=1.79 -p h200=3.79 -p mi300x=2.5 llama3.1-70b 32768
cat >"$work/expected" <<'EOF'
llama3.1-70b, 32768 tokens x 8: the fewest GPUs of each type (tensor parallel; fp16 cache and weights, 90% of memory usable)
ranked by price (given with -p, per GPU and hour), then fewest GPUs
gpu               gpus  memory in all    price/hour
mi300x               2        384 GiB          5.00
a100-80g             4        320 GiB          7.16
h200                 2        282 GiB          7.58
h100-sxm             4        320 GiB         11.96
cheapest: 2 x mi300x
EOF
same_output "cheapest: llama3.1-70b, 32768 tokens x 8, four priced GPU types"
# kvplan agrees on h100-sxm: 4 GPUs hold it, 2 do not.
run --model llama3.1-70b --seq 32768 --batch 8 --gpu h100 --tp 4 --format json
is fits_hbm true "kvplan: llama3.1-70b x 8 fits 4 h100s"
run --model llama3.1-70b --seq 32768 --batch 8 --gpu h100 --tp 2 --format json
is fits_hbm false "kvplan: ... and not 2"

tool cheapest llama3-70b 32768
check "cheapest: a context past the model's is noted" grep -qx \
	"note: 32768 tokens is past the model's max context (8192); planned anyway" "$work/out"
tool cheapest -p l4=1 llama3.1-405b 1000000
check "cheapest: no type holds it: exit 1" test "$status" -eq 1
check "cheapest: says so" sh -c "tail -n 1 '$work/out' | grep -qx 'no GPU type holds it'"

expect_error_of tool "cheapest without SEQ: usage" '^usage: cheapest ' cheapest llama3.1-70b
expect_error_of tool "cheapest: an unknown option" '^usage: cheapest ' cheapest -x llama3.1-70b 5
expect_error_of tool "cheapest: -b 0" "^cheapest: BATCH '0' is not a whole number from 1$" \
	cheapest -b 0 llama3.1-70b 5
expect_error_of tool "cheapest: -p without a price" "^cheapest: -p takes GPU=PRICE, not 'h100'$" \
	cheapest -p h100 llama3.1-70b 5
expect_error_of tool "cheapest: a negative price" "^cheapest: price '-1' is not a number above 0$" \
	cheapest -p h100=-1 llama3.1-70b 5
expect_error_of tool "cheapest: a GPU priced twice by two names" '^cheapest: h100-sxm is priced twice$' \
	cheapest -p h100=1 -p h100-sxm=2 llama3.1-70b 5
expect_error_of tool "cheapest: an unknown GPU, named by the library" "^cheapest: unknown GPU 'h1000'" \
	cheapest -p h1000=1 llama3.1-70b 5
expect_error_of tool "cheapest: an unknown model, named by the library" \
	"^cheapest: unknown model 'llama3-70x'" cheapest llama3-70x 5

# ---- README.md shows the tools' output: each "$ examples/NAME ARGS" line of
# a code block is run, and the lines after it, to the next "$ " line or
# the block's end, are its whole stdout.
readme_blocks 'examples/' '' "$work"
shown=0
for block in "$work"/block.*; do
	[ -e "$block" ] || continue
	shown=$((shown + 1))
	command=$(head -n 1 "$block")
	tail -n +2 "$block" >"$work/expected"
	# The arguments are plain words.
	# shellcheck disable=SC2086
	tool $command
	same_output "README: examples/$command"
done
check "README.md shows the tools' output" test "$shown" -ge 3
done_testing
