# falcon_h1.sh — Falcon-H1 from the command line: attention and a Mamba-2
# mixer side by side in every layer, both cached (kvp_model ssm_parallel).
# Its config.json (tests/configs/falcon-h1-7b) and the catalogue's
# falcon-h1-7b; figures worked by hand here and in tests/test_falcon_h1.c.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

config="$KVPLAN_SRCDIR/tests/configs/falcon-h1-7b/config.json"

# No engine: 44 full layers of 2 kv heads of 128, 1,024 B a token and
# layer; each with an fp32 state of (4 - 1) x (3072 + 512) + 256 x 3072 =
# 797,184 values, 3,188,736 B; 140,304,384 B for 44.
run --config "$config" --seq 1024 --gpu h100-sxm
check "exit status 0" test "$status" -eq 0
has_line "the shape line says both" \
	"  and in each a Mamba-2 mixer beside it (a state per sequence)"
has_line "the states' group" \
	"  recurrent (beside)           44            -   3,188,736/seq       140,304,384"
has_line "a layer holds both" \
	"  per layer (largest)          4.04 MiB          4,237,312 B"
run --config "$config" --seq 1024 --format json
is params 7585648736 "JSON: the published count"
is ssm_parallel true "JSON: ssm_parallel"
is cache_total_bytes 186441728 "JSON: K, V and states"
check "JSON: the states' group is parallel" grep -q '"parallel": true' "$work/out"

# CSV: the states' group marked, so that the groups' layers are not
# taken for 88; the layers chart: each layer its K and V (4,096 tokens
# of 1,024 B) and its state.
run --model falcon-h1-7b --seq 100 --format csv
check "CSV: recurrent-beside" grep -q 'full:44:100:4505600;recurrent-beside:44:0:140304384' \
	"$work/out"
run --model falcon-h1-7b --seq 4096 --chart "$work/lay.gp" --chart-kind layers
check "layers chart: K, V and the state of layer 0" \
	grep -qx '0	full	4096	4194304	3188736	4096' "$work/lay.dat"

# Falcon-H1-34B's 2 groups: vLLM's mixer asserts tp divides them.
expect_error "vLLM at tp 4 refused" \
	"^kvplan: falcon-h1-34b: vLLM's Mamba-2 mixer needs tensor parallel 4 to divide its 2 groups, or one group\$" \
	--model falcon-h1-34b --seq 4096 --engine vllm --tp 4
# ... and the fewest GPUs pass tp 4 over (it recommended 4 before): tp 2
# alone does not hold 8 requests of 32,768 tokens on 40 GB GPUs, tp 2 on
# two stages does.
run --model falcon-h1-34b --seq 32768 --batch 8 --engine vllm --solve min-gpus --gpu a100-40g
has_line "min-gpus: no tp of one stage" \
	"a100-40g: min-gpus = none (no tensor-parallel degree up to the heads fits)"
run --model falcon-h1-34b --seq 32768 --batch 8 --engine vllm --solve min-gpus --gpu a100-40g \
	--pp 2
has_line "min-gpus: tp 2 on two stages" "a100-40g: min-gpus = 4 (tp 2 x pp 2)"

# The catalogue's model plans as its config.json does.
run --model falcon-h1-7b --seq 1024 --format json
is cache_total_bytes 186441728 "catalogue: the same cache"

# vLLM: bf16 states of 1,594,368 B padded to a page of 1,568 tokens of
# 1,024 B, 1,605,632 B; at 10 GiB 151 blocks, 3 a request of 1,024
# tokens (one attention block, two state blocks in mode align).
run --model falcon-h1-7b --seq 1024 --engine vllm --kv-budget 10737418240
has_line "vLLM's block" "Engine vllm (blocks of 1568 tokens)"
has_line "vLLM's log line" \
	"    GPU KV cache size: 51,541 tokens, Maximum concurrency for 1,024 tokens per request: 50.33x"

expect_error "TensorRT-LLM refused" \
	"^kvplan: falcon-h1-7b: TensorRT-LLM has no Falcon-H1 model\$" \
	--model falcon-h1-7b --seq 1024 --engine trtllm
expect_error "SGLang on two stages refused" \
	"^kvplan: falcon-h1-7b: SGLang runs Falcon-H1 on one pipeline stage \(its model asserts it\)\$" \
	--model falcon-h1-7b --seq 1024 --engine sglang --pp 2

# A bad mixer key: one line naming it, exit status 2, nothing on stdout.
sed 's/"mamba_n_heads": 24/"mamba_n_heads": "many"/' "$config" >"$work/bad.json"
expect_error "a mixer's heads not a number" \
	"^kvplan: $work/bad.json: mamba_n_heads: expected a number, found a string\$" \
	--config "$work/bad.json" --seq 1024
done_testing
