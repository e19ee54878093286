# profile.sh — vLLM's profile run (--profile-memory): its activation peak
# and non-torch memory taken from the budget, its "Available KV cache
# memory" line, and --max-num-seqs; SGLang's memory in use before its
# weights; other engines warned and unchanged.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# Llama 3.1 8B on an H100 (vLLM's defaults there: 1024 sequences, 8192
# tokens): the sampler's 15.5 x 1024 x 128256 = 2,035,679,232 B and 256
# MiB of non-torch memory, 2,304,114,688 B (tests/test_footprint.c), as
# v0.19 takes them.
run --model llama3.1-8b --seq 1024 --engine vllm --gpu h100 --mem-util 0.95 --format json
plain=$(json_value budget_bytes)
run --model llama3.1-8b --seq 1024 --engine vllm --gpu h100 --mem-util 0.95 --profile-memory \
	--vllm-version 0.19 --format json
is activation_bytes 2035679232 "the profile run: the sampler's peak"
is runtime_bytes 268435456 "... its non-torch memory the runtime's"
is budget_bytes $((plain - 2304114688)) "taken from the budget"
budget=$(json_value budget_bytes)
run --model llama3.1-8b --seq 1024 --engine vllm --gpu h100 --mem-util 0.95 --profile-memory \
	--vllm-version 0.19
check "vLLM's own line" grep -q "^    Available KV cache memory: $(awk -v b="$budget" 'BEGIN { printf "%.2f", b / 1073741824 }') GiB\$" "$work/out"
check "... before its capacity lines" sh -c "grep -A1 'Available KV cache memory' '$work/out' | grep -q 'GPU KV cache size'"
check "0.19: no graph lines" sh -c "! grep -q 'CUDA graph' '$work/out'"
run --model llama3.1-8b --seq 1024 --engine vllm --gpu h100 --mem-util 0.95 --format json \
	--profile-memory --max-num-seqs 128 --vllm-version 0.19
is activation_bytes 963012198 "128 sequences: the forward, 8.2 x 8192 x 14336"
is runtime_bytes 268435456 "... and the non-torch memory"
# From 0.20 the CUDA graphs' estimate too (lib/vllm_profile.c): 32 layers,
# 51 sizes, 300,941,312 + 362,496 x 32 x 50 = 880,934,912 B; the lines
# vLLM logs with it: 0.82 GiB, and 880,934,912 / 85,899,345,920 =
# 0.010255 of the device, so 0.95 is "equivalent to" 0.9397 and 0.9603
# keeps the cache.  Today's release runs the V2 model runner, whose dummy
# sampler keeps 1,024 x (2 x 128,256 + 12 x 126) = 264,216,576 B, below
# the forward's 963,012,198: the forward is the peak.
run --model llama3.1-8b --seq 1024 --engine vllm --gpu h100 --mem-util 0.95 --profile-memory \
	--format json
is activation_bytes 963012198 "0.20 on: the forward"
is runtime_bytes $((268435456 + 880934912)) "... and in the runtime its CUDA graphs"
is cuda_graph_bytes 880934912 "... which JSON gives apart"
is budget_bytes $((plain - 963012198 - 268435456 - 880934912)) "... taken from the budget"
run --model llama3.1-8b --seq 1024 --engine vllm --gpu h100 --mem-util 0.95 --profile-memory \
	--vllm-runner v1 --format json
is activation_bytes 2035679232 "V1: its sampler's 15.5 B a row and entry"
is runtime_bytes $((268435456 + 880934912)) "... the runtime as V2's"
# --explain gives the buffers term by term (kvp_vllm_profile_compute).
run --model llama3.1-8b --seq 1024 --engine vllm --gpu h100 --mem-util 0.95 --profile-memory \
	--explain
has_line "--explain: the profile run's terms" \
	"    buffers, vLLM's profile run: max(forward over 8,192 tokens 963,012,198, V2 dummy sampler over 1,024 rows 264,216,576) + non-torch 268,435,456 = 1,231,447,654 B"
run --model llama3.1-8b --seq 1024 --engine vllm --gpu h100 --mem-util 0.95 --profile-memory \
	--vllm-runner v1 --explain
has_line "... V1's sampler" \
	"    buffers, vLLM's profile run: max(forward over 8,192 tokens 963,012,198, V1 dummy sampler over 1,024 rows 2,035,679,232) + non-torch 268,435,456 = 2,304,114,688 B"
run --model llama3.1-8b --seq 1024 --engine vllm --gpu h100 --mem-util 0.95 --profile-memory
has_line "the estimate, as vLLM logs it" "    Estimated CUDA graph memory: 0.82 GiB total"
check "... before the budget" sh -c "grep -A1 'Estimated CUDA graph memory' '$work/out' | grep -q 'Available KV cache memory'"
has_line "the utilisation it amounts to" \
	"    CUDA graph memory profiling is enabled (default since v0.21.0). The current --gpu-memory-utilization=0.9500 is equivalent to --gpu-memory-utilization=0.9397 without CUDA graph memory profiling. To maintain the same effective KV cache size as before, increase --gpu-memory-utilization to 0.9603. To disable, set VLLM_MEMORY_PROFILER_ESTIMATE_CUDAGRAPHS=0."
run --model llama3.1-8b --seq 1024 --engine vllm --gpu h100 --mem-util 0.95 --profile-memory \
	--enforce-eager --format json
is runtime_bytes 268435456 "--enforce-eager: no graphs"
run --model llama3.1-8b --seq 1024 --engine vllm --gpu h100 --mem-util 0.95 --profile-memory \
	--enforce-eager
check "... nor their lines" sh -c "! grep -q 'CUDA graph' '$work/out'"
# Under vLLM's V2 model runner, a dense model's default from 0.25, nothing
# was taken for the graphs before 0.29 (its profile_cudagraph_memory
# returned 0; PR #53306): the eager figures, and no graph lines; V1 at the
# same release keeps the estimate.
run --model llama3.1-8b --seq 1024 --engine vllm --gpu h100 --mem-util 0.95 --profile-memory \
	--vllm-version 0.28 --format json
is runtime_bytes 268435456 "0.28, V2: no graph estimate"
is cuda_graph_bytes 0 "... none in JSON"
run --model llama3.1-8b --seq 1024 --engine vllm --gpu h100 --mem-util 0.95 --profile-memory \
	--vllm-version 0.28
check "... nor its lines" sh -c "! grep -q 'CUDA graph' '$work/out'"
run --model llama3.1-8b --seq 1024 --engine vllm --gpu h100 --mem-util 0.95 --profile-memory \
	--vllm-version 0.28 --vllm-runner v1 --format json
is cuda_graph_bytes 880934912 "0.28, V1: the estimate"
# A B200 (compute capability 10.0) captures up to 1024 from 0.28 (PR
# #49390): 83 sizes, 300,941,312 + 362,496 x 32 x 82 = 1,252,130,816 B,
# 1.17 GiB as vLLM logs it; 0.27 keeps 512, 51 sizes.
run --model llama3.1-8b --seq 1024 --engine vllm --gpu b200 --profile-memory --format json
is cuda_graph_bytes 1252130816 "B200: graphs up to 1024"
run --model llama3.1-8b --seq 1024 --engine vllm --gpu b200 --profile-memory
has_line "... as vLLM logs it" "    Estimated CUDA graph memory: 1.17 GiB total"
run --model llama3.1-8b --seq 1024 --engine vllm --gpu b200 --profile-memory --explain
has_line "... --explain counts them" \
	"    CUDA graphs: 83 batch sizes captured; estimated 287 MiB + 354 KiB x 32 layers x 82 sizes past the first = 1,252,130,816 B"
run --model llama3.1-8b --seq 1024 --engine vllm --gpu h100 --profile-memory --explain
has_line "... 51 on an H100" \
	"    CUDA graphs: 51 batch sizes captured; estimated 287 MiB + 354 KiB x 32 layers x 50 sizes past the first = 880,934,912 B"
# Two tokens drafted a step (q = 3) add their uniform decode sizes from
# 0.29: 3, 6, 12 and 24 x 11, 13, ..., 21, off the grid, so 60 sizes and
# 300,941,312 + 362,496 x 32 x 59 = 985,333,760 B (tests/
# test_vllm_graphs.c).  The V1 runner then rounds every size up to a
# multiple of 3 on an H100 (FlashAttention's FULL decode graphs): 1 and 2
# make 3, 4 makes 6, 512 makes 513 and is dropped, and of the uniform
# sizes 12 and 264 to 504 stay apart: 56 sizes, 300,941,312 + 362,496 x
# 32 x 55 = 938,934,272 B; at 0.28, without them, 49, 857,735,168 B.
run --model llama3.1-8b --seq 1024 --engine vllm --gpu h100 --profile-memory --spec-tokens 2 \
	--explain
has_line "speculative: its uniform decode sizes too" \
	"    CUDA graphs: 60 batch sizes captured; estimated 287 MiB + 354 KiB x 32 layers x 59 sizes past the first = 985,333,760 B"
run --model llama3.1-8b --seq 1024 --engine vllm --gpu h100 --profile-memory --spec-tokens 2 \
	--vllm-runner v1 --format json
is cuda_graph_bytes 938934272 "... V1 rounds them to multiples of 1 + k"
run --model llama3.1-8b --seq 1024 --engine vllm --gpu h100 --profile-memory --spec-tokens 2 \
	--vllm-version 0.28 --vllm-runner v1 --format json
is cuda_graph_bytes 857735168 "... 0.28's V1: the grid alone, rounded"
run --model llama3.1-8b --seq 1024 --engine vllm --gpu b200 --profile-memory \
	--vllm-version 0.27 --vllm-runner v1 --format json
is cuda_graph_bytes 880934912 "... up to 512 before 0.28"
# The B300 is compute capability 10.3: the same 83 sizes.
run --model llama3.1-8b --seq 1024 --engine vllm --gpu b300 --profile-memory --format json
is cuda_graph_bytes 1252130816 "B300 (sm_103): graphs up to 1024 too"
run --model llama3.1-8b --seq 1024 --engine sglang --gpu h100 --enforce-eager
check "--enforce-eager is vLLM's" grep -q "^kvplan: warning: --enforce-eager is a vllm setting; --engine sglang ignores it\$" "$work/err"
run --model llama3.1-8b --seq 1024 --engine vllm --gpu h100 --mem-util 0.95
check "no line without --profile-memory" sh -c "! grep -q 'Available KV cache memory' '$work/out'"
run --model llama3.1-8b --seq 1024 --gpu h100 --profile-memory --format json
is activation_bytes 0 "the exact engine: nothing"
check "... and a warning" grep -q "^kvplan: warning: --profile-memory is for vllm and sglang; --engine exact ignores it\$" "$work/err"
expect_error "zero sequences" "^kvplan: --max-num-seqs: '0' is too small; it must be at least 1\$" \
	--model llama3.1-8b --seq 1 --engine vllm --max-num-seqs 0

# SGLang: the memory in use before its weights load (lib/sglang_preload.c),
# 788 MiB = 826,277,888 B on one GPU, taken before mem_fraction_static:
# usable = floor((85,899,345,920 - 826,277,888) x 0.85).
run --model llama3.1-8b --seq 1024 --engine sglang --gpu h100 --mem-util 0.85 --format json
plain=$(json_value usable_bytes)
run --model llama3.1-8b --seq 1024 --engine sglang --gpu h100 --mem-util 0.85 --profile-memory \
	--format json
is runtime_bytes 826277888 "SGLang, one GPU: 788 MiB before the weights, the runtime's"
is activation_bytes 0 "... no activations of its own"
is usable_bytes 72312107827 "... and its share of the rest"
check "... less than without it" test "$(json_value usable_bytes)" -lt "$plain"
run --model llama3.1-8b --seq 1024 --engine sglang --gpu h100 --mem-util 0.85 --profile-memory \
	--explain
check "--explain: the share of what is free before the weights" grep -q \
	"^    usable: floor((85,899,345,920 B - 826,277,888 B in use before the weights load) x mem_fraction_static 0.84999999999999998) = 72,312,107,827 B\$" \
	"$work/out"
# The weights less than that: 16,060,522,496 and the fp32 rotary table,
# grown after loading to the context + 256 rows, 131,328 x 128 x 4 B =
# 67,239,936 (16,127,762,432 B).
check "... and the budget not charged it again" grep -q \
	"^    budget for the cache: 72,312,107,827 - 16,127,762,432 - reserve 0 = 56,184,345,395 B\$" \
	"$work/out"
# A GPU of eight: 1,802 MiB over NVLink (h100-sxm), 573 over PCIe
# (h100-pcie), 4,454 over Infinity Fabric (mi300x).
for g in h100:1889533952 h100-pcie:600834048 mi300x:4670357504; do
	run --model llama3.1-8b --seq 1024 --engine sglang --gpu "${g%%:*}" --tp 8 --profile-memory \
		--format json
	is runtime_bytes "${g#*:}" "SGLang at tp 8 on ${g%%:*}: ${g#*:} B"
done
# An interconnect a profile names is one of three.
mkdir -p "$work/data/gpus"
printf '%s\n' 'name: bad' 'memory: 80 GiB' 'l2: 50 MiB' 'interconnect: infiniband' \
	>"$work/data/gpus/bad.yaml"
expect_error "an interconnect kvplan does not know: one line, at its line" \
	"bad\.yaml:4:1: bad: interconnect 'infiniband' is none of pcie, nvlink and xgmi\$" \
	--data-dir "$work/data" --model llama2-7b --seq 1024 --gpu bad

# vLLM's profile leaving nothing: Llama 3 8B's weights, 8,030,261,248 x 2
# = 16,060,522,496 B, with its rotary table (8,192 positions x 128 x 2 B)
# 16,062,619,648 on the GPU, and its buffers at 65,536 batched tokens pass an
# L4's usable ceil(25,769,803,776 x 0.7) = 18,038,862,644 B.  vLLM logs
# what it subtracts, a negative "Available KV cache memory", and stops
# (kv_cache_utils.py check_enough_kv_cache_memory); a published log of
# one: "Available KV cache memory: -0.3 GiB" then "ValueError: No
# available memory for the cache blocks" (a MiniMax M2.7 n-gram run).
set -- --model llama3-8b --seq 8192 --engine vllm --profile-memory --gpu l4 \
	--max-num-batched-tokens 65536 --mem-util 0.7
run "$@" --format json
is usable_bytes 18038862644 "an L4 at 0.7: ceil(24 GiB x 0.7)"
is weights_bytes 16060522496 "Llama 3 8B in fp16"
buffers=$(($(json_value activation_bytes) + $(json_value runtime_bytes)))
deficit=$((16062619648 + buffers - 18038862644))
is over_bytes "$deficit" "... past the usable memory by weights + buffers - usable"
# thousands separated by commas, as kvplan prints bytes
grouped() { echo "$1" | sed ':a
s/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/
ta'; }
gib=$(awk -v d="$deficit" 'BEGIN { printf "%.2f", -d / 1073741824 }')
run "$@"
check "vLLM's negative Available line: $gib GiB" grep -q \
	"^    Available KV cache memory: $gib GiB\$" "$work/out"
check "... then its error, and no cache lines" test \
	"$(sed -n '/Available KV cache memory/,/^$/p' "$work/out" | grep -c \
	'ValueError: No available memory for the cache blocks\.$'):$(grep -c 'GPU KV cache size' "$work/out")" = 1:0
check "the line under the table: weights and buffers past the usable memory" grep -q \
	"^l4: does not fit: the weights (16,062,619,648 B per GPU), vLLM's buffers with its profile run ($(grouped "$buffers") B) pass the usable 18,038,862,644 B by $(grouped "$deficit") B;" \
	"$work/out"
# Exactly nothing left is vLLM's error too (available_memory <= 0): on an
# H100 at 0.7, usable ceil(85,899,345,920 x 0.7) = 60,129,542,144 B, a
# reserve of usable - weights - buffers leaves 0 B; one byte less leaves 1.
set -- --model llama3-8b --seq 8192 --engine vllm --profile-memory --gpu h100 \
	--max-num-batched-tokens 65536 --mem-util 0.7
run "$@" --format json
is usable_bytes 60129542144 "an H100 at 0.7"
zero=$((60129542144 - 16062619648 - $(json_value activation_bytes) - $(json_value runtime_bytes)))
run "$@" --reserve "$zero"
check "nothing left, exactly: 0.00 GiB and vLLM's error" test \
	"$(grep -c -e '^    Available KV cache memory: 0\.00 GiB$' \
	-e '^    ValueError: No available memory for the cache blocks\.$' "$work/out")" = 2
check "... and the line under the table" grep -q \
	"^h100-sxm: does not fit: .* and the reserve take all of the usable 60,129,542,144 B;" \
	"$work/out"
run "$@" --reserve "$((zero - 1))"
# One byte left: from 0.29 the check takes the null block (one 16-token
# block, 2,097,152 B) from it first (get_kv_cache_configs check_memory), so
# nothing is left again; before, one byte is memory, but one request of
# max_model_len does not fit it, nor does a block of one token: the other
# error, without an estimate (estimate_max_model_len gives 0): 8,192
# tokens x 131,072 B = 1.00 GiB.
has_line "one byte left, 0.29 on: less than the null block" \
	"    ValueError: No available memory for the cache blocks."
run "$@" --vllm-version 0.28 --format json
zero28=$((60129542144 - 16062619648 - $(json_value activation_bytes) - $(json_value runtime_bytes)))
run "$@" --reserve "$((zero28 - 1))" --vllm-version 0.28
check "one byte left, 0.28: not that error" test "$(grep -c "No available memory" "$work/out")" = 0
has_line "... but one request does not fit" \
	"    ValueError: To serve at least one request with the model's max seq len (8192), (1.00 GiB KV cache is needed, which is larger than the available KV cache memory (0.00 GiB)."
# Pipeline stages each log their own line before v0.11.1, each negative by
# its own need: the last stage samples and holds the LM head, so its line
# is the lower (Llama 3 8B, 200,000 batched tokens, two stages on an L4).
run --model llama3-8b --seq 8192 --engine vllm --profile-memory --gpu l4 --mem-util 0.7 \
	--pp 2 --max-num-batched-tokens 200000 --vllm-version 0.10.0
s0=$(sed -n 's/^    (stage 0) Available KV cache memory: -\([0-9.]*\) GiB$/\1/p' "$work/out")
s1=$(sed -n 's/^    (stage 1) Available KV cache memory: -\([0-9.]*\) GiB$/\1/p' "$work/out")
check "two stages, both negative, the last further ($s0, $s1 GiB)" \
	awk -v a="$s0" -v b="$s1" 'BEGIN { exit !(a > 0 && b > a) }'
check "... the line under the table names the last stage" grep -q \
	"^l4: does not fit: the weights ([0-9,]* B per GPU on stage 1), .* by [0-9,]* B;" "$work/out"

# One request of max_model_len past the memory is vLLM's error, with its
# estimate of the longest that fits (kv_cache_utils.py
# _check_enough_kv_cache_memory, estimate_max_model_len: a binary search
# over max_memory_usage_bytes).  vllm-project/recipes #12 (2025-08-04,
# v0.10.1.dev101): Qwen3-Coder-480B-A35B-Instruct-FP8 at dp 8 with expert
# parallelism on H20s (attention tp 1: every kv head a rank) logs "To serve
# at least one request with the models's max seq len (262144), (62.00 GiB
# KV cache is needed, which is larger than the available KV cache memory
# (48.66 GiB). Based on the available memory, the estimated maximum model
# length is 205728."  Its 62 layers of 8 kv heads of 128 in bf16: 253,952 B
# a token, 262,144 of them 66,571,993,088 B = 62.00 GiB; in 48.66 GiB =
# 52,248,267,325 B fit floor(/ (16 x 253,952)) = 12,858 blocks, 205,728
# tokens.  (Its weights do not matter here: --kv-budget gives the memory.)
mkdir -p "$work/coder/models"
printf '%s\n' 'name: qwen3-coder-480b' 'layers: 62' 'hidden: 6144' 'heads: 96' 'kv_heads: 8' \
	'head_dim: 128' 'vocab: 151936' 'params: 1000000000' 'max_context: 262144' \
	>"$work/coder/models/qwen3-coder-480b.yaml"
run --data-dir "$work/coder" --model qwen3-coder-480b --engine vllm --vllm-version 0.10 \
	--seq 262144 --kv-budget 52248267325 --gpu h20
has_line "one request past the memory: vLLM's error, as recipes #12 logs it" \
	"    ValueError: To serve at least one request with the models's max seq len (262144), (62.00 GiB KV cache is needed, which is larger than the available KV cache memory (48.66 GiB). Based on the available memory, the estimated maximum model length is 205728."
check "... and no cache lines after it" sh -c "! grep -q 'GPU KV cache size' '$work/out'"
# The current code spells it "model's", and from 0.29 takes the null block
# (one 16-token block, 4,063,232 B) from the memory first: 52,244,204,093
# B, 48.66 GiB still, fit 12,857 blocks, 205,712 tokens.
run --data-dir "$work/coder" --model qwen3-coder-480b --engine vllm \
	--seq 262144 --kv-budget 52248267325 --gpu h20
has_line "0.29 on: the null block taken first" \
	"    ValueError: To serve at least one request with the model's max seq len (262144), (62.00 GiB KV cache is needed, which is larger than the available KV cache memory (48.66 GiB). Based on the available memory, the estimated maximum model length is 205712."
# One that fits: the cache's lines, no error.
run --data-dir "$work/coder" --model qwen3-coder-480b --engine vllm --vllm-version 0.10 \
	--seq 205728 --kv-budget 52248267325 --gpu h20
check "205,728 tokens fit: no error" sh -c "! grep -q ValueError '$work/out'"

done_testing
