# vllm_dcp.sh — vLLM's decode context parallelism (--dcp,
# --decode-context-parallel-size): each GPU of a group of dcp among the tp
# keeps one block of every dcp x block tokens, in the table, JSON, the
# engine's log lines, --explain and the solvers; vLLM's checks refused in
# one line; an engine without it warns and ignores it.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# DeepSeek-V3 (61 MLA layers, 1,152 B a token each) at tp 8 on an H200,
# blocks of 16 (FLASH_ATTN_MLA's): each GPU keeps cdiv(8,192, 16 x 8) = 64
# blocks, 61 x 1,024 x 1,152 = 71,958,528 B, where tp alone keeps every
# token on every GPU (575,668,224 B).
run --model deepseek-v3 --seq 8192 --engine vllm --tp 8 --dcp 8 --gpu h200 \
	--weights-dtype fp8 --format json
is kv_bytes_per_gpu 71958528 "dcp 8: 64 blocks of 16 a GPU"
is dcp 8 "JSON: the dcp"
is kv_bytes_per_token 70272 "a token over the GPUs: 61 x 1,152 x 8 / 8"
dcp_blocks=$(json_value capacity_blocks)
dcp_tokens=$(json_value capacity_tokens)
run --model deepseek-v3 --seq 8192 --engine vllm --tp 8 --gpu h200 --weights-dtype fp8 \
	--format json
is kv_bytes_per_gpu 575668224 "no dcp: every token on every GPU"
is dcp 1 "JSON: dcp 1 without"
check "the budget holds as many blocks" test "$(json_value capacity_blocks)" = "$dcp_blocks"
check "... and 8 times the tokens" \
	test "$(($(json_value capacity_tokens) * 8))" = "$dcp_tokens"
run --model deepseek-v3 --seq 8192 --engine vllm --tp 8 --dcp 8 --gpu h200 \
	--weights-dtype fp8 --explain
check "the table's cells" grep -Eq "^  mla latent +61 +1,024 +1,152 +71,958,528$" "$work/out"
check "the parallel line says how" grep -Fxq \
	"  decode context parallel 8: each GPU of a group of 8 keeps one block of every 8 x 16 tokens, in place of a copy of the group's kv heads" \
	"$work/out"
check "--explain: the cells" grep -Fxq \
	"    cells vllm allocates for the whole batch, on each GPU of a decode context parallel group: cdiv(8,192, 16 x dcp 8) blocks of 16 x batch 1 = 1,024" \
	"$work/out"
check "--explain: a token's bytes" grep -Fxq \
	"  per token, every layer holding every token: (61 x 1,152) x tp 8 / dcp 8 (each token on tp / dcp GPUs) = 70,272 B" \
	"$work/out"

# vLLM's own log (PR #24864): Qwen3-235B-A22B-Instruct-2507 at tp 8 and
# dcp 2, "GPU KV cache size: 1,723,584 tokens", "Maximum concurrency for
# 262,144 tokens per request: 6.57x": 53,862 blocks of 16 x 2 tokens, a
# block 94 x 16 x 2 x 128 x 2 = 770,048 B on each GPU, 8,192 of them a
# request.
run --model qwen3-235b-a22b --seq 262144 --engine vllm --tp 8 --dcp 2 --gpu h200 \
	--kv-budget 41476325376 --vllm-version 0.11
check "0.11: vLLM's multiplying line" grep -Fxq \
	"    Multiplying the GPU KV cache size by the dcp_world_size 2." "$work/out"
check "0.11: its tokens" grep -Fxq "    GPU KV cache size: 1,723,584 tokens" "$work/out"
check "0.11: its concurrency" grep -Fxq \
	"    Maximum concurrency for 262,144 tokens per request: 6.57x" "$work/out"
run --model qwen3-235b-a22b --seq 262144 --engine vllm --tp 8 --dcp 2 --gpu h200 \
	--kv-budget 41476325376 --vllm-version 0.20
check "0.20: the line with prefill context parallelism's" grep -Fxq \
	"    Multiplying the GPU KV cache size by the cp_world_size 2 (pcp_world_size 1 * dcp_world_size 2)." \
	"$work/out"
run --model qwen3-235b-a22b --seq 262144 --engine vllm --tp 8 --dcp 2 --gpu h200 \
	--kv-budget 41476325376 --vllm-version 0.24
check "0.24: int(max_concurrency x max_model_len), no multiplying line" \
	sh -c '! grep -q Multiplying "$1" && grep -Fxq "    GPU KV cache size: 1,723,584 tokens" "$1"' \
	sh "$work/out"
run --model qwen3-235b-a22b --seq 262144 --engine vllm --tp 8 --dcp 2 --gpu h200 \
	--kv-budget 41476325376
check "today: one line, int(6.574951171875 x 262,144)" grep -Fxq \
	"    GPU KV cache size: 1,723,584 tokens, Maximum concurrency for 262,144 tokens per request: 6.57x" \
	"$work/out"
check "... and no multiplying line" sh -c '! grep -q Multiplying "$1"' sh "$work/out"

# --solve min-gpus tries the degrees dcp allows: with 4 kv heads tp must
# pass 4 and be at least 2 x 4; 8 is the first that divides the 64 heads.
run --model qwen3-235b-a22b --seq 32768 --engine vllm --dcp 2 --gpu h100 --solve min-gpus
check "min-gpus with dcp 2: tp 8" grep -Fxq "h100-sxm: min-gpus = 8 (tp 8 x pp 1)" "$work/out"

# vLLM's checks, each one line and exit 2.
expect_error "dcp 3 does not divide tp 8" \
	"^kvplan: deepseek-v3: vLLM's decode context parallel 3 does not divide tensor parallel 8 \\(tp_size must be divisible by dcp_size\\)$" \
	--model deepseek-v3 --seq 1000 --engine vllm --tp 8 --dcp 3
expect_error "tp no more than the kv heads" \
	"^kvplan: llama3-70b: vLLM's decode context parallel needs tensor parallel 8 greater than its 8 kv heads \\(it splits the copies tp makes of each\\)$" \
	--model llama3-70b --seq 1000 --engine vllm --tp 8 --dcp 2
expect_error "dcp past tp // kv heads" \
	"^kvplan: qwen3-235b-a22b: vLLM's decode context parallel 4 exceeds tp 8 // its 4 kv heads = 2$" \
	--model qwen3-235b-a22b --seq 1000 --engine vllm --tp 8 --dcp 4
expect_error "sliding layers" \
	"^kvplan: gemma3-1b: vLLM's decode context parallelism keeps full-attention and MLA layers only, and it has sliding-window layers \\(DCP not support sliding window\\)$" \
	--model gemma3-1b --seq 1000 --engine vllm --tp 2 --dcp 2
expect_error "recurrent layers" \
	"^kvplan: qwen3-next-80b-a3b: vLLM's decode context parallelism keeps full-attention and MLA layers only, and it has recurrent layers \\(hybrid KV cache groups with multiple block sizes do not support context parallelism\\)$" \
	--model qwen3-next-80b-a3b --seq 1000 --engine vllm --tp 4 --dcp 2
expect_error "--dcp 0" "^kvplan: --dcp: '0' is too small; it must be at least 1$" \
	--model deepseek-v3 --seq 1000 --engine vllm --tp 8 --dcp 0
expect_error "--dcp x" "^kvplan: --dcp: 'x' is not a number$" \
	--model deepseek-v3 --seq 1000 --engine vllm --tp 8 --dcp x

# A release before DCP came warns (0.10.2 for MLA, 0.11.1 for GQA).
run --model qwen3-235b-a22b --seq 1000 --engine vllm --tp 8 --dcp 2 --vllm-version 0.10 --format json
check "vLLM 0.10 with a GQA model warns" grep -Fxq \
	"kvplan: warning: vLLM 0.10 has no decode context parallelism (0.10.2 for MLA, 0.11.1 for other attention); planned with it anyway" \
	"$work/err"
run --model deepseek-v3 --seq 1000 --engine vllm --tp 8 --dcp 8 --vllm-version 0.10 --format json
check "... an MLA model does not" sh -c '! grep -q "decode context" "$1"' sh "$work/err"

# An engine without it warns and plans as without it (SGLang's own:
# sglang_dcp.sh).
run --model deepseek-v3 --seq 8192 --engine trtllm --tp 8 --dcp 8 --format json
check "TensorRT-LLM warns" grep -Fxq \
	"kvplan: warning: --decode-context-parallel-size is for vllm and sglang; --engine trtllm ignores it" \
	"$work/err"
is dcp 1 "TensorRT-LLM: dcp 1 in JSON"
is kv_bytes_per_gpu 575668224 "TensorRT-LLM: every token on every GPU, 61 x 256 blocks of 32 x 1,152"

done_testing
