# policies.sh — --policy, --gen and --kv-layout from the command line: the
# figures the policies issue names, each worked by hand here (llama2-7b:
# 32 layers x 16,384 B per token and layer, 524,288 B per token), with
# engines, parallelism and model files, and every bad policy one line on
# stderr, nothing on stdout, exit status 2.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# PyramidKV, capacity 2048, window 32, beta 20, a prompt of 8192: layer l
# keeps 3964 - 123 l tokens, 65,840 over 32 layers: 65,840 x 16,384.
run --model llama2-7b --seq 8192 --policy pyramidkv:capacity=2048,window=32,beta=20 --format json
is kv_total_bytes 1078722560 "pyramidkv at 8192: 65,840 x 16,384 B"
is full_cache_bytes 4294967296 "the whole cache: 8192 x 524,288 B"
is saving_bytes 3216244736 "saves 4,294,967,296 - 1,078,722,560 B"
is kept_token_layers 65840
# StreamingLLM 4 + 2000 of 100,000: 2004 x 524,288.
run --model llama2-7b --seq 100000 --policy streaming:sink=4,recent=2000 --format json
is kv_total_bytes 1050673152 "streaming 4 + 2000: 2004 x 524,288 B"
# SnapKV: a prompt of 8192 to 2048, and 100 generated kept: 2148 x 524,288.
run --model llama2-7b --seq 8292 --gen 100 --policy snapkv:capacity=2048,window=32 --format json
is kv_total_bytes 1126170624 "snapkv + 100 generated: 2148 x 524,288 B"
is gen 100
run --model llama2-7b --seq 8192 --policy h2o:heavy=4,recent=512 --format json
is kv_total_bytes 270532608 "h2o 4 + 512: 516 x 524,288 B"
run --model llama2-7b --seq 8192 --policy ratio:0.5 --format json
is kv_total_bytes 2147483648 "ratio 0.5: int(8192 x 0.5) = 4096 x 524,288 B"
# Llama 3 8B repeated to 32 query heads: 2048 x 32 x 2 x 32 x 128 x 2 B.
run --model llama3-8b --seq 8192 --policy snapkv:capacity=2048,window=32 --kv-layout repeated --format json
is kv_total_bytes 1073741824 "snapkv, K/V repeated: 2048 x 32 x 16,384 B"
run --model llama3-8b --seq 8192 --policy snapkv --format json
check "a GQA model under snapkv warns of its repeated layout" \
	grep -q "snapkv's own code stores K and V repeated to the 32 query heads, 4x" "$work/err"
run --model llama2-7b --seq 1000 --policy snapkv:capacity=2048,window=32 --format json
is kv_total_bytes 524288000 "snapkv below capacity keeps all: 1000 x 524,288 B"

# The solvers: streaming's fixed 1,050,673,152 B fits an H100's HBM, so
# every length does; the L2 (50 MiB) holds 100 tokens, below 2004.
run --model llama2-7b --seq 100000 --policy streaming:sink=4,recent=2000 --gpu h100 --format json
is max_seq_hbm null "streaming: no longest context on an H100's HBM"
is max_seq_l2 100 "streaming: the L2 holds 100 tokens of 524,288 B"
# Gemma 3 27B's sliding layers (1024) keep the smaller: 52 sliding x
# min(1024, 516) + 10 full x 516 = 62 x 516 = 31,992 tokens of 2 x 16 x
# 128 x 2 = 8,192 B: 262,078,464 B.
run --model gemma3-27b --seq 32768 --policy h2o:heavy=4,recent=512 --format json
is kv_total_bytes 262078464 "gemma3-27b h2o: 62 x 516 x 8,192 B"
# An MLA latent is capped alike: DeepSeek-V3, 61 layers x 516 x (512 + 64)
# x 2 B = 36,260,352 B.
run --model deepseek-v3 --seq 8192 --policy h2o --format json
is kv_total_bytes 36260352 "deepseek-v3 h2o: 61 x 516 x 1,152 B"
# Recurrent layers are unchanged: Qwen3-Next's 12 full layers keep 516 x
# 2 x 2 x 256 x 2 B; its 36 DeltaNet states stay 79,036,416 B.
run --model qwen3-next-80b-a3b --seq 8192 --policy h2o --format json
is kv_total_bytes 12681216 "qwen3-next h2o: 12 x 516 x 2,048 B"
is state_total_bytes 79036416 "qwen3-next h2o: the recurrent state unchanged"
# An engine rounds the kept tokens: vLLM 2004 -> 126 blocks of 16 = 2016.
run --model llama2-7b --seq 100000 --policy streaming:sink=4,recent=2000 --engine vllm --format json
is kv_total_bytes 1056964608 "vllm streaming: 2016 x 524,288 B"
# vLLM's capacity counts the kept blocks: an H100's 65,550,567,015 B hold
# floor(65,550,567,015 / (16 x 524,288)) = 7,814 blocks, 125,024 tokens;
# a request keeps 126 blocks: 7,814 / 126 = 62.02x, and vLLM's line (0.21
# on) is int(7,814 / 126 x 100,000) = 6,201,587 tokens.
run --model llama2-7b --seq 100000 --policy streaming:sink=4,recent=2000 --engine vllm --gpu h100
check "vllm under streaming: its cache size" grep -q "GPU KV cache size: 6,201,587 tokens" "$work/out"
check "vllm under streaming: concurrency of the kept blocks" \
	grep -q "Maximum concurrency for 100,000 tokens per request: 62.02x" "$work/out"
# 0.19 took 0.90 of the memory by default: 77,309,411,328 - 13,476,831,232
# of weights = 63,832,580,096 B, 7,609 blocks, and its line the pool's
# 121,744 tokens; 7,609 / 126 = 60.39x.
run --model llama2-7b --seq 100000 --policy streaming:sink=4,recent=2000 --engine vllm --gpu h100 \
	--vllm-version 0.19
check "vllm 0.19 under streaming: the pool's tokens" grep -q "GPU KV cache size: 121,744 tokens" "$work/out"
check "vllm 0.19 under streaming: its concurrency" \
	grep -q "Maximum concurrency for 100,000 tokens per request: 60.39x" "$work/out"
# With a config.json and tensor parallelism: 4 of the 8 kv heads on each
# GPU, 516 x 32 x 2 x 4 x 128 x 2 B = 33,816,576 B on each of two.
run --config "$KVPLAN_SRCDIR/tests/configs/llama3-8b" --seq 8192 --policy h2o --tp 2 --format json
is kv_total_bytes 67633152 "--config + --tp 2 + h2o: 2 x 33,816,576 B"

# And with a GGUF file: llama2-7b's shape in q4_K, streaming 4 + 2000.
"$KVPLAN_BUILDDIR/tests/mkgguf" "$work/l.gguf" llama2-7b q4_K
run --gguf "$work/l.gguf" --seq 100000 --policy streaming:sink=4,recent=2000 --format json
is kv_total_bytes 1050673152 "--gguf + streaming: 2004 x 524,288 B"

# The table says what it keeps and saves.
run --model llama2-7b --seq 100000 --policy streaming:sink=4,recent=2000 --gpu h100
check "table: the policy's line" grep -qx "Policy streaming:sink=4,recent=2000 (prompt 100000, 0 generated)" "$work/out"
check "table: kept and saved" \
	grep -q "keeps 64,128 of 3,200,000 token-layers: 1,050,673,152 B of 52,428,800,000 B, saves 51,378,126,848 B (98.0%)" "$work/out"
check "table: freed entries are assumed" grep -q "assumes an implementation that frees evicted entries" "$work/out"

# --validate: StreamingLLM's cache in the reference allocates 2004 x
# 524,288 B once; PyramidKV's planned per-layer cache is allocated and
# counted, with no attention run.
run --model llama2-7b --seq 5000 --policy streaming:sink=4,recent=2000 --validate --format json
is predicted_bytes 1050673152 "--validate streaming: predicted 2004 x 524,288 B"
is measured_bytes 1050673152 "--validate streaming: counted the same"
is attention_run true "--validate streaming: the reference ran its cache"
is passed true "--validate streaming passes"
run --model llama2-7b --seq 8192 --policy h2o:heavy=4,recent=512 --validate --format json
is measured_bytes 270532608 "--validate h2o: 516 x 524,288 B counted"
is passed true "--validate h2o passes"
run --model llama2-7b --seq 8192 --policy pyramidkv:capacity=2048,window=32,beta=20 --validate
check "--validate pyramidkv: 65,840 x 16,384 B counted" \
	grep -q "counted by the allocator .* 1,078,722,560 B" "$work/out"
check "--validate pyramidkv says no attention was run" \
	grep -q "no attention was run for this policy" "$work/out"
check "--validate pyramidkv passes" grep -q "result: PASSED" "$work/out"

# --explain says how the policy sets each layer's tokens, and the solver:
# ratio 0.5 in a V100's 6 MiB L2: int(s / 2) x 524,288 <= 6,291,456 up
# to s = 25.
run --model llama2-7b --seq 8192 --policy ratio:0.5 --explain --gpu v100
check "--explain: the policy's tokens" \
	grep -q "tokens held: min(seq 8,192, policy ratio:0.5 keeps 4,096) = 4,096" "$work/out"
check "--explain: ratio's longest context by bisection" \
	grep -q "max seq (L2): each layer keeps int((s - gen 0) x (1 - 0.5)) + gen tokens.*: 25$" "$work/out"

expect_error "pyramidkv:capacity=0" "^kvplan: --policy: policy pyramidkv: capacity must be a whole number from 1" \
	--model llama2-7b --seq 1024 --policy pyramidkv:capacity=0
expect_error "pyramidkv: a capacity past 2^62" "^kvplan: --policy: policy pyramidkv: capacity 4611686018427387905 is past 4611686018427387904 tokens$" \
	--model llama2-7b --seq 1024 --policy pyramidkv:capacity=4611686018427387905
expect_error "an unknown policy" "^kvplan: --policy: 'nosuch' is not a policy" \
	--model llama2-7b --seq 1024 --policy nosuch:x=1
expect_error "--gen past --seq" "^kvplan: --gen: 1024 generated tokens leave no prompt in --seq 1024$" \
	--model llama2-7b --seq 1024 --gen 1024
expect_error "an unknown layout" "^kvplan: --kv-layout: 'tiled' is not a layout" \
	--model llama2-7b --seq 1024 --kv-layout tiled

done_testing
