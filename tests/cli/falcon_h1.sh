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
	"^kvplan: falcon-h1-7b: TensorRT-LLM has no model of attention and a Mamba mixer side by side \(Falcon-H1\)\$" \
	--model falcon-h1-7b --seq 1024 --engine trtllm
expect_error "SGLang on two stages refused" \
	"^kvplan: falcon-h1-7b: SGLang runs Falcon-H1 on one pipeline stage \(its FalconH1ForCausalLM asserts it\)\$" \
	--model falcon-h1-7b --seq 1024 --engine sglang --pp 2

# A bad mixer key: one line naming it, exit status 2, nothing on stdout.
sed 's/"mamba_n_heads": 24/"mamba_n_heads": "many"/' "$config" >"$work/bad.json"
expect_error "a mixer's heads not a number" \
	"^kvplan: $work/bad.json: mamba_n_heads: expected a number, found a string\$" \
	--config "$work/bad.json" --seq 1024
done_testing
