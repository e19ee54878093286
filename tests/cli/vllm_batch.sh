# vllm_batch.sh — vLLM's max_num_batched_tokens from the GPU, as `vllm
# serve` sets it (vllm/engine/arg_utils.py get_batch_defaults: 8192 on a GPU
# of 70 GiB or more other than an A100, 2048 elsewhere), which a sliding
# layer keeps beside its window: each GPU's plan, fit, lines, JSON, CSV,
# sweep and --explain, worked by hand; and vLLM's own published logs,
# which only that default reproduces.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# vllm serve's max_num_batched_tokens is the GPU's (8192 on an H100, 2048
# on an A100: vllm/engine/arg_utils.py get_batch_defaults), and Gemma 3's
# sliding layers keep the tokens in flight beside their window: since 0.26
# (PR #47728) two steps of it with the default async scheduling
# (VllmConfig.max_in_flight_tokens).  At 32,768 tokens a sliding layer
# takes cdiv(1023 + 2m, 16) + 1 pages (321 at 2048, 1,089 at 8192): 29 x
# 321 x 65,536 + 671,088,640 = 1,281,163,264 B and 29 x 1,089 x 65,536 +
# 671,088,640 = 2,740,781,056 B; a request takes 6 x 321 + 2,048 = 3,974
# or 6 x 1,089 + 2,048 = 8,582 of the 214,926 blocks below: 54.08 and
# 25.04 requests, int(54.083... x 32,768) = 1,772,193 and int(25.043... x
# 32,768) = 820,635 tokens in vLLM's one line (0.27 on).
run --model gemma3-4b --seq 32768 --engine vllm --gpu a100,h100 --kv-budget 70427239303
has_line "0.26 on: the A100 holds 54 requests" \
	"    GPU KV cache size: 1,772,193 tokens, Maximum concurrency for 32,768 tokens per request: 54.08x"
has_line "0.26 on: the H100 allocates two steps' pages" \
	"  max_num_batched_tokens 8192 here (vllm serve's default): allocates 2,740,781,056 B"
has_line "0.26 on: the H100 holds 25 requests" \
	"    GPU KV cache size: 820,635 tokens, Maximum concurrency for 32,768 tokens per request: 25.04x"
run --model gemma3-4b --seq 32768 --engine vllm --gpu a100,h100 --kv-budget 70427239303 --explain
# vLLM's check (0.29 on) holds back its null block: groups of 5 layers (the
# 5 full ones; 29 sliding make 6 groups), 5 x 65,536 = 327,680 B.
has_line "0.29 on, explain: the null block of 5 layers' pages" \
	"    vLLM's check holds back the null block, one block of the pool (327,680 B): 70,426,911,623 B for the longest context and the batch"
# Its 29 sliding layers in 6 groups of 5 hold a padding layer: the
# boundary is the pool's block ids, 214,926 of 5 layers' pages, 8,582 a
# request (25.04x, its own line).
has_line "0.26 on, explain: the H100's boundary" \
	"    max batch: 25; vLLM's pool of 214,926 blocks (each 5 layers' pages, its groups' padding layers among them) holds 25 requests of 8,582 blocks"
run --model gemma3-4b --seq 32768 --engine vllm --gpu h100 --kv-budget 70427239303 --format json
is held_bytes 327680 "JSON: the null block, 5 x 65,536 B"
run --model gemma3-4b --seq 32768 --engine vllm --gpu h100 --kv-budget 70427239303 --format json \
	--vllm-version 0.28
is held_bytes 0 "JSON: none held back before 0.29"
# With pipeline stages the steps in flight follow the model runner
# (max_concurrent_batches): V2, vLLM's default for every model from 0.29,
# keeps pp + 1, so at pp 2 on the H100 a sliding layer takes 1,023 + 3 x
# 8,192 = 25,599 tokens, cdiv(25,599, 16) + 1 = 1,601 pages: 29 x 1,601 x
# 65,536 + 671,088,640 = 3,713,859,584 B; V1 keeps pp, two steps:
# 2,740,781,056 B as at pp 1.
run --model gemma3-4b --seq 32768 --engine vllm --gpu h100 --pp 2 --kv-budget 70427239303
has_line "pp 2, V2's three steps in flight" \
	"  allocates 3,713,859,584 B; the exact model needs 792,723,456 B"
run --model gemma3-4b --seq 32768 --engine vllm --gpu h100 --pp 2 --kv-budget 70427239303 \
	--vllm-runner v1
has_line "pp 2, --vllm-runner v1: two" \
	"  allocates 2,740,781,056 B; the exact model needs 792,723,456 B"
# JSON names the runner: given, or vLLM's default (V2 for every model from
# 0.29, for dense ones from 0.25; Qwen3.5 is hybrid, so V1 at 0.28).
run --model gemma3-4b --seq 100 --engine vllm --gpu h100 --format json --vllm-runner v1
is vllm_runner '"v1"' "JSON: the runner given"
run --model qwen3.5-27b --seq 100 --engine vllm --gpu h100 --format json
is vllm_runner '"v2"' "JSON: V2, the default from 0.29"
run --model qwen3.5-27b --seq 100 --engine vllm --gpu h100 --format json --vllm-version 0.28
is vllm_runner '"v1"' "JSON: a hybrid's default at 0.28, V1"
expect_error "--vllm-runner v3" "^kvplan: --vllm-runner: unknown model runner 'v3' \\(valid: v1, v2\\)$" \
	--model gemma3-4b --seq 100 --engine vllm --vllm-runner v3
run --model gemma3-4b --seq 100 --engine sglang --vllm-runner v2
check "--vllm-runner under SGLang warns" grep -Fxq \
	"kvplan: warning: --vllm-runner is a vllm setting; --engine sglang ignores it" "$work/err"
# Llama 4 Scout's chunked layers (below) keep the chunk and two steps:
# cdiv(8192 + 2m, 16) = 768 pages at 2048, 1,536 at 8192; 36 x 768 x
# 65,536 + 1,610,612,736 = 3,422,552,064 B and 36 x 1,536 x 65,536 +
# 1,610,612,736 = 5,234,491,392 B; 100,000 blocks hold 100,000 / (3 x 768
# + 2,048) = 22.98 and 100,000 / (3 x 1,536 + 2,048) = 15.02 requests,
# int(22.98... x 32,768) = 752,941 and int(15.02... x 32,768) = 492,307.
run --model llama4-scout --seq 32768 --engine vllm --gpu a100,h100 --kv-budget 78643200000
has_line "0.26 on: llama4-scout on the A100" \
	"  allocates 3,422,552,064 B; the exact model needs 2,818,572,288 B"
has_line "0.26 on: ... its line" \
	"    GPU KV cache size: 752,941 tokens, Maximum concurrency for 32,768 tokens per request: 22.98x"
has_line "0.26 on: llama4-scout on the H100" \
	"  max_num_batched_tokens 8192 here (vllm serve's default): allocates 5,234,491,392 B"
has_line "0.26 on: ... its line" \
	"    GPU KV cache size: 492,307 tokens, Maximum concurrency for 32,768 tokens per request: 15.02x"

# The same as vLLM 0.25 planned it, one step beside the window.  At 32,768 tokens a request
# takes 29 sliding layers of cdiv(1023 + m, 16) + 1 pages of 65,536 B (193
# at 2048, 577 at 8192) and 5 full ones of 2,048: 1,037,893,632 B and
# 1,767,702,528 B.  70,427,239,303 B hold 214,926 blocks of five layers'
# pages; a request takes 6 x 193 + 2,048 = 3,206 or 6 x 577 + 2,048 =
# 5,510: 67.04 and 39.01 requests, int(67.04... x 32,768) = 2,196,723 and
# int(39.00... x 32,768) = 1,278,166 tokens (vLLM 0.25, whose reach this
# is, logs the tokens and the concurrency on two lines).
run --model gemma3-4b --seq 32768 --engine vllm --vllm-version 0.25 --gpu a100,h100 --kv-budget 70427239303
has_line "vllm on an A100 first: its step in the engine line" \
	"Engine vllm (blocks of 16 tokens, max_num_batched_tokens 2048: vllm serve's default on a100-80g)"
has_line "the A100 holds 67 requests" "    GPU KV cache size: 2,196,723 tokens"
has_line "... with 0.25's own concurrency line" \
	"    Maximum concurrency for 32,768 tokens per request: 67.04x"
has_line "the H100 is planned with its own step" \
	"  max_num_batched_tokens 8192 here (vllm serve's default): allocates 1,767,702,528 B"
has_line "the H100 holds 39 requests" "    GPU KV cache size: 1,278,166 tokens"
has_line "... with 0.25's own concurrency line" \
	"    Maximum concurrency for 32,768 tokens per request: 39.01x"
run --model gemma3-4b --seq 32768 --engine vllm --vllm-version 0.25 --gpu h100 --kv-budget 70427239303 --format json
is max_num_batched_tokens 8192 "vllm on an H100 alone: the plan takes its 8192"
is cache_total_bytes 1767702528 "... and allocates 1,767,702,528 B"
is max_batch_hbm 39
run --model gemma3-4b --seq 32768 --engine vllm --vllm-version 0.25 --gpu h100 --max-num-batched-tokens 2048 \
	--kv-budget 70427239303 --format json
is cache_total_bytes 1037893632 "--max-num-batched-tokens 2048 on an H100: 1,037,893,632 B"
is max_batch_hbm 67
run --model gemma3-4b --seq 32768 --engine vllm --vllm-version 0.25 --gpu a100,h100 --kv-budget 70427239303 --format csv
check "csv: each GPU's row has its own allocation" sh -c \
	'cut -d, -f12,13 "$1" | grep -Fxq "1037893632,a100-80g" &&
	 cut -d, -f12,13 "$1" | grep -Fxq "1767702528,h100-sxm"' sh "$work/out"
run --model gemma3-4b --engine vllm --vllm-version 0.25 --gpu a100,h100 --kv-budget 70427239303 \
	--sweep seq=32768..32768
check "sweep: each GPU's row has its own allocation" sh -c \
	'grep -Fxq "gemma3-4b,vllm,fp16,fp16,a100-80g,32768,1,1037893632,1037893632,0,1,67,ok" "$1" &&
	 grep -Fxq "gemma3-4b,vllm,fp16,fp16,h100-sxm,32768,1,1767702528,1767702528,0,1,39,ok" "$1"' \
	sh "$work/out"
run --model gemma3-4b --seq 32768 --engine vllm --vllm-version 0.25 --gpu a100,h100 --kv-budget 70427239303 --explain
has_line "explain: the H100's boundary at its own sizes" \
	"    max batch: 39; vLLM's pool of 214,926 blocks (each 5 layers' pages, its groups' padding layers among them) holds 39 requests of 5,510 blocks"

# The second GPU's JSON: the top level and the A100 at 2048 with
# 1,037,893,632 B, the H100 at 8192 with 1,767,702,528 B.
run --model gemma3-4b --seq 32768 --engine vllm --vllm-version 0.25 --gpu a100,h100 --kv-budget 70427239303 \
	--format json
check "json: 2048 twice (the plan, the A100), 8192 once (the H100)" sh -c \
	'[ "$(grep -c "\"max_num_batched_tokens\": 2048," "$1")" = 2 ] &&
	 [ "$(grep -c "\"max_num_batched_tokens\": 8192" "$1")" = 1 ] &&
	 [ "$(grep -c "\"cache_total_bytes\": 1767702528," "$1")" = 1 ]' sh "$work/out"
# Where every layer slides, vLLM's cache stops growing at its reach, not
# at the window: Mistral 7B's 4,096 less one and two steps of 8192 on an
# H100, 20,479 tokens (0.25: one step, 12,287).
run --model mistral-7b --seq 1000 --engine vllm --gpu h100
has_line "vLLM's plateau: the window and two steps" \
	"(the cache stops growing at 20,479 tokens, when every window is full)"
run --model mistral-7b --seq 1000 --engine vllm --gpu h100 --vllm-version 0.25 --format json
is cache_plateau_seq 12287 "vLLM 0.25's plateau: the window and one step"
# A model with no sliding layer keeps no step: null.
run --model llama3-8b --seq 8192 --engine vllm --gpu h100 --format json
is max_num_batched_tokens null "no sliding layer: max_num_batched_tokens null"
run --model llama3-8b --seq 8192 --engine vllm --gpu h100
has_line "no sliding layer: the engine line names no step" \
	"Engine vllm (blocks of 16 tokens)"
# A step given is the plan's, on every GPU, and named plainly.
run --model gemma3-4b --seq 32768 --engine vllm --gpu a100,h100 --max-num-batched-tokens 4096
has_line "a step given names no default" \
	"Engine vllm (blocks of 16 tokens, max_num_batched_tokens 4096)"
check "a step given: no GPU planned again" sh -c '! grep -q " here (vllm serve" "$1"' \
	sh "$work/out"
# The CSV's layer groups are the row's GPU's: 29 sliding layers of 577
# pages x 16 tokens x 4,096 B = 1,096,613,888 B on the H100.
run --model gemma3-4b --seq 32768 --engine vllm --vllm-version 0.25 --gpu a100,h100 --format csv
check "csv: the H100's layer groups" grep -q \
	"h100-sxm,.*,sliding:29:1024:1096613888;full:5:32768:671088640," "$work/out"
check "csv: the A100's layer groups" grep -q \
	"a100-80g,.*,sliding:29:1024:366804992;full:5:32768:671088640," "$work/out"
# --explain says which GPU was planned again.
run --model gemma3-4b --seq 32768 --engine vllm --vllm-version 0.25 --gpu a100,h100 --explain
check "explain: the H100's step" grep -Fq \
	"planned again with max_num_batched_tokens 8,192, vllm serve's default here" "$work/out"
# The profile run follows each GPU's step and sequences: on the H100 the
# forward, 8.2 x 8,192 x 10,240 = 687,865,856 B (the V2 runner's sampler
# of 1,024 rows, 1,024 x (2 x 262,208 + 12 x 257) = 540,160,000, below
# it), and 256 MiB of non-torch memory: 956,301,312 B; on the A100 2,048
# tokens, 171,966,464 B (256 rows' sampler 135,040,000), so 440,401,920 B.  Beside them each takes
# its CUDA graphs' estimate (lib/vllm_profile.c): 1,024 and 256 sequences
# both capture up to 512, 51 sizes, and gemma3-4b's 34 layers make
# 300,941,312 + 362,496 x 34 x 50 = 917,184,512 B.  The activations are
# the peak alone; the non-torch memory and the graphs the runtime's,
# 268,435,456 + 917,184,512 = 1,185,619,968 B on each.
run --model gemma3-4b --seq 32768 --engine vllm --gpu a100,h100 --profile-memory \
	--format json
check "profile: the H100's activations at its 1,024 sequences" \
	grep -q '"activation_bytes": 687865856,' "$work/out"
check "profile: the A100's at its 256" grep -q '"activation_bytes": 171966464,' "$work/out"
check "profile: the runtime of each, non-torch and graphs" \
	test "$(grep -c '"runtime_bytes": 1185619968,' "$work/out")" -eq 2
# 0.19 takes no graphs: the H100's V1 sampler of 1,024 rows, 15.5 x 1,024
# x 262,208 = 4,161,765,376 B, and the A100's of 256 rows, 15.5 x 256 x
# 262,208 = 1,040,441,344 (each with 256 MiB of non-torch memory as
# before).
run --model gemma3-4b --seq 32768 --engine vllm --gpu a100,h100 --profile-memory \
	--vllm-version 0.19 --format json
check "profile 0.19: no graphs, the H100's" grep -q '"activation_bytes": 4161765376,' "$work/out"
check "profile 0.19: the A100's" grep -q '"activation_bytes": 1040441344,' "$work/out"
check "profile 0.19: the runtime the non-torch memory alone" \
	test "$(grep -c '"runtime_bytes": 268435456,' "$work/out")" -eq 2
# A sweep whose H100 fit passes 64 bits gives the A100's row once, and an
# overflow row for the H100 alone.
run --model gemma3-4b --engine vllm --gpu a100,h100 --sweep seq=32768..32768 \
	--batch 13000000000
check "sweep: one row for each GPU, the H100's an overflow" sh -c \
	'[ "$(wc -l <"$1")" = 3 ] && grep -q "^gemma3-4b,vllm,fp16,fp16,a100-80g,.*,ok$" "$1" &&
	 grep -q "^gemma3-4b,vllm,fp16,fp16,h100-sxm,32768,13000000000,,,,,,overflow$" "$1"' \
	sh "$work/out"

# The size chart draws the H100's own curve beside the request's (the
# A100's): at 32,768 tokens 1,767,702,528 B and 1,037,893,632 B.
run --model gemma3-4b --seq 32768 --engine vllm --vllm-version 0.25 --gpu a100,h100 --chart "$work/v.gp"
check "chart: a line for the H100's step" \
	grep -q "title 'request on h100-sxm: max_num_batched_tokens 8192'" "$work/v.gp"
check "chart: its bytes and the request's at 32,768" sh -c \
	'awk -F "\t" "\$1 == 32768 { print \$5, \$6 }" "$1" | grep -qx "1767702528 1037893632"' \
	sh "$work/v.dat"

# Chunked layers keep the chunk and a step (no -1, no +1): Llama 4 Scout's
# 36 chunked layers (chunk 8192) and 12 full, 8 kv heads of 128, pages of
# 65,536 B, groups of 12 (3 chunked, 1 full).  At 32,768 tokens a chunked
# layer takes cdiv(8192 + m, 16) pages: 640 at 2048, 1,024 at 8192; a
# full one 2,048.  36 x 640 x 65,536 + 12 x 2,048 x 65,536 =
# 1,509,949,440 + 1,610,612,736 = 3,120,562,176 B on the A100, and
# 2,415,919,104 + 1,610,612,736 = 4,026,531,840 B on the H100 (the exact
# model: 36 x 8,192 x 4,096 + 12 x 32,768 x 4,096 = 2,818,572,288 B).  A budget of
# 100,000 blocks of 12 pages: 100,000 / (3 x 640 + 2,048) = 25.20 and
# 100,000 / (3 x 1,024 + 2,048) = 19.53 requests; the H100's line is
# int(19.53125 x 32,768) = 640,000 tokens, the A100's int(25.2016... x
# 32,768) = 825,806.
run --model llama4-scout --seq 32768 --engine vllm --vllm-version 0.25 --gpu a100,h100 --kv-budget 78643200000
has_line "llama4-scout on the A100: 2048's allocation" \
	"  allocates 3,120,562,176 B; the exact model needs 2,818,572,288 B"
has_line "... and its line" "    GPU KV cache size: 825,806 tokens"
has_line "... with 0.25's own concurrency line" \
	"    Maximum concurrency for 32,768 tokens per request: 25.20x"
has_line "llama4-scout on the H100: 8192's allocation" \
	"  max_num_batched_tokens 8192 here (vllm serve's default): allocates 4,026,531,840 B"
has_line "... its line" "    GPU KV cache size: 640,000 tokens"
has_line "... with 0.25's own concurrency line" \
	"    Maximum concurrency for 32,768 tokens per request: 19.53x"

# logged MODEL BUDGET TOKENS CONCURRENCY: the model at 8192 tokens under
# vLLM 0.19 on an H100 with that budget prints the log's two lines.
logged() {
	run --model "$1" --seq 8192 --engine vllm --gpu h100 --vllm-version 0.19 --kv-budget "$2"
	has_line "$1 as vLLM logged it: the cache size" "    GPU KV cache size: $3 tokens"
	has_line "$1 as vLLM logged it: the concurrency" \
		"    Maximum concurrency for 8,192 tokens per request: $4"
}

# vLLM 0.19.0's own logs of `vllm serve MODEL --max-model-len 8192
# --gpu-memory-utilization 0.95 --no-enable-prefix-caching` on an H100
# ("Defaulting max_num_batched_tokens to 8192 for OPENAI_API_SERVER usage
# context"), github.com/jgchn/llm-d-planner at
# d3121e059da88662db39a926a3ead964be97359b,
# accuracy/results/v0.19.0/logs/google-<model>--h100-80gb--tp1pp1dp1--8192.log.
# Each budget is a whole number of blocks that both its "Available KV cache
# memory" (to two decimals) and its "GPU KV cache size" (num_blocks //
# groups x 16 in 0.19) allow; at 8192 tokens a sliding layer takes
# cdiv(min(w - 1 + 8192, 8192), 16) + 1 = 513 blocks and a full one 512.
# gemma-3-4b-it: 62.51 GiB, 468,144 tokens, 57.05x.  Five layers' pages of
# 65,536 B a block, 7 groups (6 sliding, one padded): 468,144 / 16 x 7 =
# 204,813 to 204,819 blocks, of which 62.505-62.515 GiB allow 204,816 on;
# 204,816 x 327,680 = 67,114,106,880 B; 204,816 / (6 x 513 + 512) = 57.05.
# (At 2048 a sliding layer would take 193 blocks: 122.64x.)
logged gemma3-4b 67114106880 468,144 57.05x
# gemma-3-12b-it: 47.72 GiB, 130,304 tokens, 15.88x.  8 kv heads of 256:
# pages of 131,072 B, groups of 8 layers (5 sliding, 1 full): 48,864 to
# 48,869 blocks; 48,864 x 1,048,576 B; 48,864 / (5 x 513 + 512) = 15.88.
logged gemma3-12b 51237617664 130,304 15.88x
# gemma-3-27b-it: 19.53 GiB, 36,560 tokens, 4.46x.  16 kv heads of 128,
# 52 sliding and 10 full layers: groups of 10, 6 sliding (8 padding
# layers) and 1 full: 15,995 to 16,001 blocks of 1,310,720 B; 15,995 /
# 3,590 = 4.46.
logged gemma3-27b 20964966400 36,560 4.46x
# gemma-2-9b-it: 54.12 GiB, 168,880 tokens, 20.60x.  Window 4096 on 21
# layers, 21 full: 2 groups of 21, 21,110 or 21,111 blocks of 2,752,512 B;
# a sliding layer takes cdiv(min(4095 + 8192, 8192), 16) + 1 = 513:
# 21,110 / 1,025 = 20.60 (at 2048, 385 blocks: 23.53x).
logged gemma2-9b 58105528320 168,880 20.60x

done_testing
