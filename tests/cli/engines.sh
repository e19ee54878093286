# engines.sh — --engine, parallelism and --kv-budget from the command
# line (issue 8): the figures the issue names, each worked by hand here;
# the engines' log lines as they print them; every invalid combination as
# one line on stderr, nothing on stdout, exit status 2; and the warning
# (exit 0) for a setting of another engine.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# llama2-7b (32 layers, 32 kv heads of 128, fp16): 524,288 B a token.
# At 1000: exact 524,288,000.
run --model llama2-7b --seq 1000 --format json
is cache_total_bytes 524288000 "llama2-7b exact at 1000: 1000·524,288"
# vLLM: cdiv(1000, 16) = 63 blocks = 1,008 tokens; 1,008·524,288 =
# 528,482,304; the exact figure beside it.
run --model llama2-7b --seq 1000 --engine vllm --format json
is cache_total_bytes 528482304 "vllm: 63 blocks of 16 = 1,008·524,288"
is kv_bytes_per_gpu 528482304 "vllm: one GPU holds it all"
is exact_cache_bytes 524288000 "vllm: the exact figure beside it"
is engine '"vllm"'
# llama.cpp: n_ctx pad256(1000) = 1,024 cells; 1,024·524,288 = 536,870,912.
run --model llama2-7b --seq 1000 --engine llama.cpp --format json
is cache_total_bytes 536870912 "llama.cpp: 1,024 cells·524,288"
is exact_cache_bytes 524288000
# SGLang, page 1: 1,000 rows and a padding row: 1,001·524,288 = 524,812,288.
run --model llama2-7b --seq 1000 --engine sglang --format json
is cache_total_bytes 524812288 "sglang: (1000 + 1 padding row)·524,288"
# TensorRT-LLM (PyTorch, 32 a block): cdiv(1000, 32) = 32 blocks = 1,024
# tokens: 536,870,912.
run --model llama2-7b --seq 1000 --engine trtllm --format json
is cache_total_bytes 536870912 "trtllm: 32 blocks of 32 = 1,024·524,288"
# Edges: exactly one vLLM block (16 → 16 tokens), one token over (17 → 32).
run --model llama2-7b --seq 16 --engine vllm --format json
is cache_total_bytes 8388608 "vllm at 16: one block, 16·524,288"
run --model llama2-7b --seq 17 --engine vllm --format json
is cache_total_bytes 16777216 "vllm at 17: two blocks, 32·524,288"
# llama.cpp at 256 and 257 (→ 512).
run --model llama2-7b --seq 256 --engine llama.cpp --format json
is cache_total_bytes 134217728 "llama.cpp at 256: 256 cells"
run --model llama2-7b --seq 257 --engine llama.cpp --format json
is cache_total_bytes 268435456 "llama.cpp at 257: 512 cells"
# -c 1024 -np 3, split: 1024/3 = 341 a stream, padded to 512, 3 streams:
# 1,536·524,288 = 805,306,368; -np 4: 256 each, 1,024 cells, 536,870,912.
run --model llama2-7b --engine llama.cpp -c 1024 -np 3 --format json
is cache_total_bytes 805306368 "llama.cpp -c 1024 -np 3: 3·512 cells"
is seq 341 "-c 1024 -np 3: each sequence's share is 341"
run --model llama2-7b --engine llama.cpp --ctx-size 1024 --parallel 4 --format json
is cache_total_bytes 536870912 "llama.cpp -c 1024 -np 4: 4·256 cells"

# llama3-8b on h100-sxm, vLLM (mem_util 0.90, fp16 weights, and the
# rotary table, 8,192 positions·128·2 B = 2,097,152 B, counted in "Model
# loading took"): floor(85,899,345,920·0.9) − 2·8,030,261,248 − 2,097,152
# = 77,309,411,328 − 16,062,619,648 = 61,246,791,680; page 16·8·128·2·2 =
# 65,536; 61,246,791,680 // 65,536 // 32 = 29,204 blocks = 467,264
# tokens; 8,192 tokens a request: 512 blocks, 29,204/512 = 57.04.
run --model llama3-8b --seq 8192 --engine vllm --gpu h100-sxm --mem-util 0.9 --format json
is budget_bytes 61246791680 "llama3-8b on h100: 61,246,791,680 B for the cache"
is capacity_blocks 29204
is capacity_tokens 467264
is max_concurrency 57.0390625 "max concurrency 29,204/512"
# From 0.27 vLLM logs the two on one line (PR #50462).
has_line "vLLM's GPU KV cache size line, as 0.27 on logs it" \
	"GPU KV cache size: 467,264 tokens, Maximum concurrency for 8,192 tokens per request: 57.04x"
# --gpu-memory-utilization is vLLM's name of --mem-util.
run --model llama3-8b --seq 8192 --engine vllm --gpu h100 --gpu-memory-utilization 0.9 --format json
is capacity_tokens 467264 "--gpu-memory-utilization 0.9: the same 467,264"
run --model llama3-8b --seq 8192 --engine vllm --gpu h100-sxm --mem-util 0.9 --vllm-version 0.26
has_line "the table prints the log line (two lines before 0.27)" \
	"    GPU KV cache size: 467,264 tokens"
has_line "... and the concurrency's" \
	"    Maximum concurrency for 8,192 tokens per request: 57.04x"
# Without --mem-util, vLLM's own default 0.92, and its request rounded up:
# ceil(85,899,345,920·0.92) = 79,027,398,247 (the double product is
# 79,027,398,246.4); − 16,062,619,648 = 62,964,778,599 B; // 65,536 // 32
# = 30,023 blocks = 480,368 tokens.
run --model llama3-8b --seq 8192 --engine vllm --gpu h100-sxm --format json
is budget_bytes 62964778599 "vLLM's default 0.92: ceil(total·0.92) − weights"
is capacity_tokens 480368 "vLLM's default: 30,023 blocks = 480,368 tokens"

# gpt-oss-120b, llama.cpp -c 65535 -np 4 --kv-unified: n_ctx 65,536; the
# 18 full layers 65,536 cells·2,048 B = 2,415,919,104 (2304.00 MiB); the
# 18 sliding ones pad256(min(65,536, 128·4 + 512)) = 1,024 cells,
# 37,748,736 B (36.00 MiB); 2,453,667,840 in all.
run --model gpt-oss-120b --engine llama.cpp --ctx-size 65535 --parallel 4 --kv-unified --format json
is cache_total_bytes 2453667840 "gpt-oss llama.cpp unified: 2,415,919,104 + 37,748,736"
is kv_bytes_per_gpu 2453667840
has_line "llama.cpp's line for the full layers (F-l1)" \
	"llama_kv_cache: size = 2304.00 MiB ( 65536 cells,  18 layers,  4/1 seqs), K (f16): 1152.00 MiB, V (f16): 1152.00 MiB"
has_line "llama.cpp's line for the sliding layers" \
	"llama_kv_cache: size =   36.00 MiB (  1024 cells,  18 layers,  4/1 seqs), K (f16):   18.00 MiB, V (f16):   18.00 MiB"
run --model gpt-oss-120b --engine llama.cpp -c 65535 -np 4 --kv-unified
has_line "the table prints it too" \
	"    llama_kv_cache: size = 2304.00 MiB ( 65536 cells,  18 layers,  4/1 seqs), K (f16): 1152.00 MiB, V (f16): 1152.00 MiB"

# llama.cpp's recurrent-state line (llama-memory-recurrent.cpp): Qwen3-Next's
# 36 Gated DeltaNet layers hold n_embd_r = 3·(4,096 + 2·16·128) = 24,576
# and n_embd_s = 128·4,096 = 524,288 f32 values a row, 4 cells (-np 4) of
# one row: R 36·98,304·4 = 14,155,776 B (13.50 MiB), S 36·2,097,152·4 =
# 301,989,888 B (288.00 MiB); "48 layers" is the model's n_layer().
run --model qwen3-next-80b-a3b --seq 4096 --engine llama.cpp -np 4 --format json
has_line "llama.cpp's recurrent-state line" \
	"llama_memory_recurrent: size =  301.50 MiB (     4 cells,  48 layers,  4 seqs  0 rs_seq), R (f32):   13.50 MiB, S (f32):  288.00 MiB, P (f32):    0.00 MiB"
# An MTP draft of 3 tokens: qwen3next does not roll back
# (llm_arch_supports_rs_rollback), so still one row; Nemotron-H does: its 54
# Mamba-2 layers (n_embd_r 3·(16,384 + 2·8·256) = 61,440, n_embd_s 256·16,384
# = 4,194,304) keep 2 cells of 1 + 3 rows: R 54·245,760·8 = 106,168,320 B
# (101.25 MiB), S 54·16,777,216·8 = 7,247,757,312 B (6912.00 MiB).
run --model qwen3-next-80b-a3b --seq 4096 --engine llama.cpp -np 4 --mtp 1 --spec-tokens 3 --format json
has_line "qwen3next keeps no rollback rows" \
	"llama_memory_recurrent: size =  301.50 MiB (     4 cells,  48 layers,  4 seqs  0 rs_seq), R (f32):   13.50 MiB, S (f32):  288.00 MiB, P (f32):    0.00 MiB"
# Nemotron-H 56B has no MTP layer: a profile of it with one.
mkdir -p "$work/nem/models"
sed -e 's/^name: nemotron-h-56b$/name: nemotron-h-mtp/' -e '/^aliases:/d' \
	"$KVPLAN_SRCDIR/data/models/nemotron-h-56b.yaml" >"$work/nem/models/nemotron-h-mtp.yaml"
echo 'mtp_layers: 1' >>"$work/nem/models/nemotron-h-mtp.yaml"
run --data-dir "$work/nem" --model nemotron-h-mtp --seq 4096 --engine llama.cpp -np 2 --mtp 1 \
	--spec-tokens 3 --format json
has_line "nemotron_h keeps 1 + 3 rows" \
	"llama_memory_recurrent: size = 7013.25 MiB (     2 cells, 118 layers,  2 seqs  3 rs_seq), R (f32):  101.25 MiB, S (f32): 6912.00 MiB, P (f32):    0.00 MiB"

# A real vLLM log of a Gated DeltaNet hybrid: Qwen3-Next-80B-A3B-Instruct on
# two H200s, vLLM 0.10.2 (prefix caching off for hybrids then: mamba mode
# none), `--tensor-parallel-size 2`, max_num_batched_tokens 8192, model
# length 262,144 (a public terminal log found in the code index, file id
# 7292846353; its repository could not be resolved; /work/research notes
# L4/D2): "Available KV cache memory: 44.59 GiB", "GPU KV cache size:
# 973,760 tokens", "Maximum concurrency for 262,144 tokens per request:
# 14.77x", attention block 544.  44.59 GiB is rounded: a budget from
# 44.585 to 44.595 GiB.  At tp 2 an attention layer keeps 1 kv head of 256:
# 1,024 B a token, 557,056 B a page of 544; 12 attention and 36 DeltaNet
# layers make groups of 12 (36 >= 1.5 · 12), one attention group and three
# of state, so a block of the pool is 12 pages, 6,684,672 B.  7,162 blocks
# (44.5876 GiB) give 7,162 // 4 · 544 = 973,760 tokens, and a request of
# 262,144 takes 482 + 3 blocks: 7,162 / 485 = 14.77; 7,161 blocks give
# 14.76, so the log's budget was at least 44.5876 GiB.
for gib in 44.5877 44.59 44.595; do
	budget=$(awk -v g="$gib" 'BEGIN { printf "%.0f", int(g * 1073741824) }')
	run --model qwen3-next-80b-a3b --seq 262144 --engine vllm --tp 2 --vllm-version 0.10.2 \
		--max-num-batched-tokens 8192 --kv-budget "$budget"
	has_line "Qwen3-Next vLLM 0.10.2 log at $gib GiB: its tokens" \
		"    GPU KV cache size: 973,760 tokens"
	has_line "Qwen3-Next vLLM 0.10.2 log at $gib GiB: its concurrency" \
		"    Maximum concurrency for 262,144 tokens per request: 14.77x"
done
check "Qwen3-Next: vLLM's attention block of 544" grep -Fq "blocks of 544 tokens" "$work/out"
# The same pool under the current vLLM: mode align charges each of the
# three state groups 2 blocks, 482 + 6 = 488 a request: 7,162 / 488 =
# 14.68x, and the line is int(7,162 / 488 · 262,144) = int(3,847,285.5) =
# 3,847,285 tokens.
run --model qwen3-next-80b-a3b --seq 262144 --engine vllm --tp 2 \
	--max-num-batched-tokens 8192 --kv-budget 47875620864 --format json
is capacity_tokens 973760 "current vLLM: the pool's tokens unchanged"
is capacity_log_tokens 3847285 "current vLLM: int(max_concurrency · max_model_len)"
has_line "current vLLM: the concurrency of mode align" \
	"GPU KV cache size: 3,847,285 tokens, Maximum concurrency for 262,144 tokens per request: 14.68x"
# A budget the GPU cannot hold: vLLM takes --kv-cache-memory-bytes as
# given, its memory share apart, so it would run out allocating it.
# llama2-7b on an h100-sxm: 13,476,831,232 of weights + 1,048,576 of
# rotary table (4,096 positions·128·2 B) + 214,748,364,800 −
# 85,899,345,920 = 142,326,898,688 B too many; 72,000,000,000 B leave
# 421,466,112 B, inside the 6.4 GiB share vLLM does not hold back.
run --model llama2-7b --seq 1024 --engine vllm --kv-budget 214748364800 --gpu h100
check "a budget past the GPU is planned (exit 0)" test "$status" -eq 0
check "... with a warning giving how far past" test "$(cat "$work/err")" = \
	"kvplan: warning: h100-sxm: --kv-budget 214,748,364,800 B with the weights and buffers passes its memory by 142,326,898,688 B: the engine would run out of memory allocating it"
run --model llama2-7b --seq 1024 --engine vllm --kv-budget 72000000000 --gpu h100
check "a budget inside the GPU, past its share: no warning" test ! -s "$work/err"
expect_error "--vllm-version 0.x" "^kvplan: --vllm-version: '0.x' is not a vLLM release \(MAJOR.MINOR, as 0.19 or 0.10.2\)$" \
	--model llama3-8b --seq 100 --engine vllm --vllm-version 0.x
expect_error "--vllm-version with a dot and no number after it" \
	"^kvplan: --vllm-version: '0.19.' is not a vLLM release" \
	--model llama3-8b --seq 100 --engine vllm --vllm-version 0.19.
# Mode all, for Nemotron-H (tests/test_vllm_mamba_all.c works it by
# hand).  vLLM 0.19 keeps its state in fp16: blocks of 128 x cdiv(2,078,
# 128) = 2,176 tokens, a state page each; 10 GB hold 112 blocks, a request
# of 8,192 takes 4 + 6 x 4 = 28: 4.00x.  From 0.20 its SSM state is fp32:
# 128 x cdiv(4,126, 128) = 4,224 tokens; 57 blocks, a request 2 + 6 x 2 =
# 14: 4.07x.
run --model nemotron-h-56b --seq 8192 --engine vllm --mamba-cache-mode all \
	--kv-budget 10000000000 --vllm-version 0.19 --format json
is capacity_blocks 112 "--mamba-cache-mode all: Nemotron-H's pool"
is max_concurrency 4.0 "... a page each 2,176 tokens of every mamba layer"
run --model nemotron-h-56b --seq 8192 --engine vllm --mamba-cache-mode all \
	--kv-budget 10000000000 --format json
is capacity_blocks 57 "--mamba-cache-mode all from vLLM 0.20: an fp32 SSM state"
is max_concurrency 4.071428571 "... a page each 4,224 tokens"
# A published vLLM log of the Nemotron 3 Nano 30B-A3B shape
# (chankhavu/Nemotron-Cascade-2-30B-A3B-NVFP4, NemotronHForCausalLM with
# Nano's config; v0.20.1rc1.dev91, which prints 0.21's token line; fp8_e4m3
# cache, mamba_ssm_cache_dtype float32, max_model_len 256000, no prefix
# caching; research/nemotron3-nano-logs.md V1): "Setting attention block
# size to 4176 tokens", "Padding mamba page size by 0.19%", "Add 1 padding
# layers", "Available KV cache memory: 3.72 GiB", "GPU KV cache size:
# 1,206,303 tokens", "Maximum concurrency for 256,000 tokens per request:
# 4.71x".  By hand: the state 3 x 6,144 x 2 B (conv, bf16) + 64 x 64 x 128
# x 4 B (SSM, fp32) = 2,134,016 B over 2 x 2 x 128 x 1 B = 512 B an
# attention token: 4,168 tokens, 4,176 in blocks of 16; 6 attention layers
# and 23 Mamba layers padded to 24: 5 groups of 6 layers, a block 6 x
# 4,176 x 512 = 12,828,672 B; 311 blocks (3,989,716,992 B, 3.72 GiB); a
# request cdiv(256,000, 4,176) = 62 + 4 = 66 blocks: 311 / 66 = 4.71x,
# x 256,000 = 1,206,303 tokens.
run --model nemotron-3-nano-30b-a3b --engine vllm --vllm-version 0.21 --dtype fp8 \
	--weights-dtype bf16 --seq 256000 --max-num-seqs 128 --kv-budget 3989716992 \
	--format json
is capacity_blocks 311 "Nemotron 3 Nano, vLLM's log: 311 blocks of 4,176 tokens"
is max_concurrency 4.712121212 "... 4.71x for 256,000 tokens, as it prints"
is capacity_log_tokens 1206303 "... and its \"GPU KV cache size: 1,206,303 tokens\""
# The same shape under vLLM 0.19.1 with --mamba-ssm-cache-dtype float32,
# fp8 cache, max_model_len 262144 (V2 there): "Setting attention block
# size to 4176 tokens", "Available KV cache memory: 68.97 GiB", "GPU KV
# cache size: 4,819,104 tokens", "Maximum concurrency for 262,144 tokens
# per request: 86.16x".  5,773 blocks of 12,828,672 B (74,059,923,456 B,
# 68.97 GiB); 0.19's line (5,773 // 5 groups) x 4,176 = 4,819,104; a
# request 63 + 4 = 67 blocks: 86.16x.
run --model nemotron-3-nano-30b-a3b --engine vllm --vllm-version 0.19 \
	--mamba-ssm-cache-dtype float32 --dtype fp8 --weights-dtype bf16 --seq 262144 \
	--max-num-seqs 40 --kv-budget 74059923456 --format json
is capacity_blocks 5773 "vLLM 0.19.1's log, --mamba-ssm-cache-dtype float32: 5,773 blocks"
is capacity_log_tokens 4819104 "... its \"GPU KV cache size: 4,819,104 tokens\""
is max_concurrency 86.1641791 "... and 86.16x"
# Qwen3.5-27B under vLLM (a published 0.19.0 log of
# Qwen3_5ForConditionalGeneration at max model len 8192: "Setting attention
# block size to 784 tokens", "Padding mamba page size by 0.13%"): its
# config's mamba_ssm_dtype float32 (vLLM's Qwen3_5ForConditionalGeneration-
# Config, PR #34489), conv (2 x 16 x 128 + 48 x 128) x 3 values x 2 B =
# 61,440 and SSM 48 x 128 x 128 x 4 B = 3,145,728: 3,207,168 B over 4 x
# 256 x 2 x 2 = 4,096 B an attention token, 783 tokens, 784 in blocks of
# 16, the state padded by 4,096 B (0.13 %).  vLLM 0.15 kept it in fp16:
# 1,634,304 B, 400 tokens.
run --model qwen3.5-27b --seq 8192 --engine vllm --explain
has_line "Qwen3.5-27B under vLLM: its log's block of 784 tokens" \
	"    vLLM pads it to an attention page (mamba_page_size_padded): block 784 x 4,096 B = 3,211,264 B"
has_line "... its config's fp32 SSM state" \
	"    state: 30,720 conv values as fp16 + 786,432 SSM values as fp32 = 3,207,168 B per sequence (vLLM's types)"
run --model qwen3.5-27b --seq 8192 --engine vllm --vllm-version 0.15
has_line "vLLM 0.15 kept Qwen3.5's state in fp16" "Engine vllm (blocks of 400 tokens)"
# Without the flag, 0.19 takes the model's config: Nemotron 3 Nano's
# "float32" (vllm#34728's log, vLLM 0.16 with no flags: "Setting attention
# block size to 4176 tokens"); Nemotron-H 56B's config names none: fp16
# before 0.20, blocks of 2,080.
run --model nemotron-3-nano-30b-a3b --engine vllm --vllm-version 0.16 --dtype fp8 \
	--weights-dtype bf16 --seq 8192
has_line "vLLM 0.16 takes Nemotron 3 Nano's config: fp32" "Engine vllm (blocks of 4176 tokens)"
run --model nemotron-3-nano-30b-a3b --engine vllm --mamba-ssm-cache-dtype float16 --dtype fp8 \
	--weights-dtype bf16 --seq 8192
has_line "--mamba-ssm-cache-dtype float16: 2 B, 2,128 tokens" "Engine vllm (blocks of 2128 tokens)"
expect_error "--mamba-ssm-cache-dtype fp32" \
	"^kvplan: --mamba-ssm-cache-dtype: unknown type 'fp32' \(valid: auto, float32, float16, bfloat16\)$" \
	--model nemotron-3-nano-30b-a3b --engine vllm --mamba-ssm-cache-dtype fp32 --seq 10
run --model nemotron-3-nano-30b-a3b --engine sglang --mamba-ssm-cache-dtype float32 --seq 10
check "--mamba-ssm-cache-dtype under SGLang: a warning" grep -Fxq \
	"kvplan: warning: --mamba-ssm-cache-dtype is for vllm and trtllm; --engine sglang ignores it" "$work/err"
# TensorRT-LLM (PyTorch runtime): the conv state in the model's 16 bits,
# the SSM state in the type the config names (Nano's float32), or the one
# asked (its KvCacheConfig.mamba_ssm_cache_dtype): 18,432 x 2 + 524,288 x
# 4 = 2,134,016 B a Mamba layer and sequence, 18,432 x 2 + 524,288 x 2 =
# 1,085,440 B in float16.
run --model nemotron-3-nano-30b-a3b --engine trtllm --seq 10 --format json
is state_bytes_per_seq 2134016 "TensorRT-LLM: Nano's conv state 16-bit, SSM state fp32"
run --model nemotron-3-nano-30b-a3b --engine trtllm --mamba-ssm-cache-dtype float16 --seq 10 \
	--format json
is state_bytes_per_seq 1085440 "TensorRT-LLM: --mamba-ssm-cache-dtype float16"
check "TensorRT-LLM takes --mamba-ssm-cache-dtype: no warning" test ! -s "$work/err"
# vLLM's --mamba-cache-dtype: Qwen3-Next's Gated DeltaNet layer keeps
# 3 x (4096 + 2 x 16 x 128) = 24,576 conv and 128 x 4096 = 524,288 SSM
# values a sequence: 1,097,728 B in bf16, 2,195,456 B in float32, and
# 24,576 x 4 + 524,288 x 2 = 1,146,880 B with an SSM state of float16
# (mamba_utils.py _mamba_state_dtype); SGLang keeps its own types.
for t in "bfloat16:bf16 = 1,097,728" "float32:fp32 = 2,195,456"; do
	run --model qwen3-next-80b-a3b --seq 1024 --engine vllm --mamba-cache-dtype "${t%%:*}" --explain
	has_line "--mamba-cache-dtype ${t%%:*}" "    state: 548,864 values as ${t#*:} B per sequence"
done
run --model qwen3-next-80b-a3b --seq 1024 --engine vllm --mamba-cache-dtype float32 \
	--mamba-ssm-cache-dtype float16 --explain
has_line "--mamba-ssm-cache-dtype over --mamba-cache-dtype" \
	"    state: 24,576 conv values as fp32 + 524,288 SSM values as fp16 = 1,146,880 B per sequence (vLLM's types)"
run --model qwen3-next-80b-a3b --seq 1024 --engine sglang --mamba-cache-dtype float16 --explain
has_line "SGLang ignores --mamba-cache-dtype" \
	"    state: 24,576 conv values as bf16 + 524,288 SSM values as fp32 = 2,146,304 B per sequence (SGLang's types)"
check "and says so" grep -Fxq \
	"kvplan: warning: --mamba-cache-dtype is a vllm setting; --engine sglang ignores it" "$work/err"
expect_error "--mamba-cache-dtype fp9" "^kvplan: --mamba-cache-dtype: unknown type 'fp9' \(valid: auto, float32, float16, bfloat16\)$" \
	--model qwen3-next-80b-a3b --seq 100 --engine vllm --mamba-cache-dtype fp9
# Qwen3-Next does not support it: vLLM falls back to align, as before.
run --model qwen3-next-80b-a3b --seq 262144 --engine vllm --tp 2 \
	--max-num-batched-tokens 8192 --kv-budget 47875620864 --mamba-cache-mode all --format json
is capacity_log_tokens 3847285 "--mamba-cache-mode all on Qwen3-Next: align's"
expect_error "--mamba-cache-mode bogus" "^kvplan: --mamba-cache-mode: unknown mode 'bogus' \(valid: none, align, all\)$" \
	--model qwen3-next-80b-a3b --seq 100 --engine vllm --mamba-cache-mode bogus
run --model llama3-8b --seq 100 --engine sglang --no-enable-prefix-caching --format json
check "--no-enable-prefix-caching under SGLang warns" grep -Fxq \
	"kvplan: warning: --enable-prefix-caching is a vllm setting; --engine sglang ignores it" "$work/err"
run --model llama3-8b --seq 100 --engine sglang --vllm-version 0.19 --format json
check "--vllm-version under SGLang warns" grep -Fxq \
	"kvplan: warning: --vllm-version is a vllm setting; --engine sglang ignores it" "$work/err"

# TensorRT-LLM, F-t2 (doc/engines.md: 32 layers, 8 kv heads of 128, fp16,
# 12,800 tokens): 131,072 B a token; --kv-budget 1,677,721,600 = 12,800
# tokens = 400 blocks of 32; 1.5625 GiB printed "1.56".
run --layers 32 --heads 32 --kv-heads 8 --head-dim 128 --seq 4096 --engine trtllm \
	--kv-budget 1677721600 --format json
is budget_bytes 1677721600 "--kv-budget is the budget"
is capacity_blocks 400
is capacity_tokens 12800
is max_concurrency 3.125 "4,096 tokens a request: 128 blocks; 400/128"
has_line "TensorRT-LLM's allocation line (F-t2)" \
	"[MemUsageChange] Allocated 1.56 GiB for max tokens in paged KV cache (12800)."

# Tensor parallel: llama3-8b at 1000 is 32·1000·4,096 = 131,072,000 on
# one GPU; --tp 16 leaves max(1, 8/16) = 1 kv head a GPU, 16,384,000 B,
# and 16 of them hold 262,144,000 = twice the unsharded cache.
run --model llama3-8b --seq 1000 --tp 16 --format json
is kv_bytes_per_gpu 16384000 "tp 16: 1 kv head a GPU, 32·1000·512"
is cache_total_bytes 262144000 "tp 16: 2 × the unsharded 131,072,000"
is unsharded_cache_bytes 131072000
run --model llama3-8b --seq 1000 --tp 16
check "the table says replication doubles the cache" \
	grep -q "replicated kv heads: 2.00x the 131,072,000 B" "$work/out"
# Pipeline parallel, get_pp_indices: 80 layers in 3 stages → 27, 27, 26.
run --layers 80 --heads 8 --kv-heads 8 --head-dim 128 --seq 1000 --pp 3 --format json
check "pp 3 of 80 layers: 27, 27, 26" \
	test "$(sed -n '/"stages": \[/,/\]/s/^ *"layers": \([0-9]*\),\{0,1\}$/\1/p' "$work/out" | tr '\n' ,)" = "27,27,26,"
# The largest stage governs: 27·1000·4,096 = 110,592,000.
is kv_bytes_per_gpu 110592000 "pp 3: the largest stage, 27 layers"
run --layers 80 --heads 8 --kv-heads 8 --head-dim 128 --seq 1000 --pp 2 --pp-layers 41,39 --format json
is kv_bytes_per_gpu 167936000 "--pp-layers 41,39: 41·1000·4,096"

# Errors: one line, empty stdout, exit 2.
expect_error "vllm --block-size 0" "^kvplan: --block-size: '0' is too small" \
	--model llama2-7b --seq 100 --engine vllm --block-size 0
expect_error "llama.cpp --parallel 0" "^kvplan: --parallel: '0' is too small" \
	--model llama2-7b --seq 100 --engine llama.cpp --parallel 0
expect_error "--pp-layers that do not sum to the layers" \
	"^kvplan: the layer split sums to 31 layers; the model has 32$" \
	--model llama2-7b --seq 100 --pp 2 --pp-layers 20,11
expect_error "--tp 3 on llama3-8b names 3 and 32" \
	"^kvplan: llama3-8b: tensor parallel 3 does not divide its 32 query heads$" \
	--model llama3-8b --seq 100 --tp 3
expect_error "an unknown engine" \
	"^kvplan: --engine: unknown engine 'vlm' \(valid: exact, vllm, llama.cpp, sglang, trtllm\)$" \
	--model llama2-7b --seq 100 --engine vlm
expect_error "--tp 0" "^kvplan: --tp: '0' is too small" --model llama2-7b --seq 100 --tp 0
expect_error "a llama.cpp context smaller than its sequences" \
	"^kvplan: llama.cpp context 2 is smaller than its 3 sequences$" \
	--model llama2-7b --seq 100 --engine llama.cpp --ctx-size 2 --parallel 3

# A setting of another engine: a warning on stderr, exit 0, and the plan
# made as if it were not given (vLLM at 1000 on llama3-8b: 1,008·131,072
# = 132,120,576).
run --model llama3-8b --seq 1000 --engine vllm --ctx-size 100 --format json
check "an engine flag given to another engine exits 0" test "$status" -eq 0
check "... with the warning on stderr" grep -Fxq \
	"kvplan: warning: --ctx-size is a llama.cpp setting; --engine vllm ignores it" "$work/err"
check "... and one line only" test "$(wc -l <"$work/err")" -eq 1
is cache_total_bytes 132120576 "... and the vLLM plan without it"
run --model llama3-8b --seq 1000 --engine llama.cpp --max-num-batched-tokens 512 --format json
check "--max-num-batched-tokens under llama.cpp warns" grep -Fxq \
	"kvplan: warning: --max-num-batched-tokens is a vllm setting; --engine llama.cpp ignores it" \
	"$work/err"

# Log lines from the engines' own published output, rebuilt from a shape
# and a budget that give the same blocks:
# vLLM PR #13596 (the PR that added the lines): "GPU KV cache size:
# 2,042,016 tokens" and "Maximum concurrency for 2,048 tokens per request:
# 997.08x".  2,042,016 / 16 = 127,626 blocks; llama3-8b's pages, 65,536 B
# a layer, 32 layers: a budget of 127,626·2,097,152 = 267,651,121,152 B;
# 2,048 tokens take 128 blocks, 127,626/128 = 997.078.
run --model llama3-8b --seq 2048 --engine vllm --kv-budget 267651121152 --vllm-version 0.8
has_line "vLLM PR 13596's cache size line" "    GPU KV cache size: 2,042,016 tokens"
has_line "vLLM PR 13596's concurrency line" \
	"    Maximum concurrency for 2,048 tokens per request: 997.08x"
# TensorRT-LLM's memory documentation (docs/source/reference/memory.md, C++
# runtime, 64 tokens a block): "Number of blocks in KV cache primary pool:
# 4060" and "[MemUsageChange] Allocated 63.44 GiB for max tokens in paged
# KV cache (259840)."; 63.44 GiB / 259,840 tokens is 262,144 B a token:
# 2·32 layers·16 kv heads·128·2 B.  A budget of 4060·64·262,144 =
# 68,115,496,960 B gives ceilDiv(259,840, 64) = 4,060 blocks, and
# 68,115,496,960 / 2^30 = 63.4375 GiB.
run --layers 32 --heads 32 --kv-heads 16 --head-dim 128 --seq 4096 --engine trtllm \
	--trtllm-runtime cpp --kv-budget 68115496960
has_line "TensorRT-LLM's memory.md line" \
	"    [MemUsageChange] Allocated 63.44 GiB for max tokens in paged KV cache (259840)."
has_line "the C++ runtime's token count" "    Using 259840 tokens in paged KV cache."

# TensorRT-LLM 0.8.0's C++ runtime on Llama 3 8B, as a published run logs
# it: "Allocate 7952400384 bytes for k/v cache." and "Using 60672 tokens in
# paged KV cache."  131,072 B a token (2·32·8·128·2); 60,672 tokens are
# 948 blocks of 64; a budget of 60,672·131,072 = 7,952,400,384 B gives
# them: max tokens 60,672, ceilDiv(60,672, 64) = 948.
run --model llama3-8b --seq 8192 --engine trtllm --trtllm-runtime cpp \
	--kv-budget 7952400384
has_line "TensorRT-LLM 0.8's allocation line" "    Allocate 7952400384 bytes for k/v cache."
has_line "TensorRT-LLM 0.8's token line" "    Using 60672 tokens in paged KV cache."

# SGLang's split pool for a model with sliding layers (pool_configurator.py
# HybridSWAPoolConfigurator, SWAKVPool): gpt-oss-120b, 18 full and 18
# sliding layers of 8 kv heads of 64 (2,048 B a token each), --kv-budget
# 10^10, page 1: cell = 2,048·18 + (0.8·2,048)·18 = 66,355.2; full =
# 10^10 // 66,355.2 = 150,704 (66,355.2·150,704 = 9,999,994,060.8); swa =
# int(150,704·0.8) = 120,563.  K of the sliding pool: (120,563 + 1)·18·1,024
# = 2,222,235,648 B = 2.07 GiB; of the full one (150,704 + 1)·18,432 =
# 2,777,794,560 = 2.59; both pools, K and V: 10,000,060,416 = 9.31.  (The
# rule before PR #22389 floored to 10^10 // 73,728 tokens first: 150,703.)
run --model gpt-oss-120b --seq 4000 --engine sglang --kv-budget 10000000000 --format json
is capacity_tokens 150704 "sglang swa: the full pool's tokens"
is capacity_swa_tokens 120563 "sglang swa: the sliding pool's tokens"
is capacity_swa_cap 0 "sglang swa: the ratio's split, no cap"
has_line "SGLang's split line" \
	"Use sliding window memory pool. full_layer_tokens=150704, swa_layer_tokens=120563"
has_line "the sliding pool's line (first)" \
	"KV Cache is allocated. #tokens: 120563, K size: 2.07 GB, V size: 2.07 GB"
has_line "the full pool's line" \
	"KV Cache is allocated. #tokens: 150704, K size: 2.59 GB, V size: 2.59 GB"
has_line "SWAKVPool's line" \
	"SWAKVPool mem usage: 9.31 GB, swa size: 120563, full size: 150704"
# SGLang's chunk cache caps the sliding pool by the requests it runs
# (SWAChunkCapPoolConfigurator, from 0.5.14): --max-running-requests 64,
# --disable-radix-cache, chunks of 8,192: (127 + 128 + 1 + 1) x 64 + 2 x
# 8,192 + 1 = 32,833 sliding tokens, 32,833 x 36,864 = 1,210,355,712 B of
# them; the full pool the rest, (10^10 - 1,210,355,712) // 36,864 =
# 238,434.
run --model gpt-oss-120b --seq 4000 --engine sglang --kv-budget 10000000000 \
	--disable-radix-cache --max-running-requests 64 --chunked-prefill-size 8192 --format json
is capacity_swa_cap 32833 "sglang chunk cache: the sliding pool's cap"
is capacity_swa_tokens 32833 "... in whole pages"
is capacity_tokens 238434 "... and the full pool the rest"
has_line "the chunk cache's split line" \
	"Use sliding window memory pool. full_layer_tokens=238434, swa_layer_tokens=32833"
# Without --chunked-prefill-size each GPU takes SGLang's own: 8,192 on
# the H100 (32,833), 4,096 on the 40 GB A100 (16,448 + 8,192 + 1 =
# 24,641).
run --model gpt-oss-120b --seq 4000 --engine sglang --tp 2 --weights-dtype mxfp4 \
	--gpu h100,a100-40g --disable-radix-cache --max-running-requests 64
check "the H100's chunks" grep -Eq "^    Use sliding window memory pool. full_layer_tokens=[0-9]+, swa_layer_tokens=32833$" "$work/out"
check "the A100's chunks" grep -Eq "^    Use sliding window memory pool. full_layer_tokens=[0-9]+, swa_layer_tokens=24641$" "$work/out"
# The request's own cache is the same there (4 kv heads of 64 a GPU, 1,024
# B a token: 18 x 1,024 x (4,000 + 1 + 128 + 1) = 76,124,160 B a GPU, on
# two), and the line says what differs.
check "... and the GPU whose chunks differ says so" grep -Fxq \
	"  chunked_prefill_size 4096 (SGLang's default here): allocates 152,248,320 B" "$work/out"
# A sweep fits each GPU with its own chunks, in any order of --gpu: the
# A100's row is the one it has alone.
run --model gpt-oss-120b --engine sglang --tp 2 --weights-dtype mxfp4 --gpu a100-40g \
	--disable-radix-cache --max-running-requests 64 --sweep seq=4096..4096,batch=1..1 --format csv
alone=$(grep '^gpt-oss-120b,sglang,.*,a100-40g,' "$work/out")
for gpus in a100-40g,h100-sxm h100-sxm,a100-40g; do
	run --model gpt-oss-120b --engine sglang --tp 2 --weights-dtype mxfp4 --gpu "$gpus" \
		--disable-radix-cache --max-running-requests 64 --sweep seq=4096..4096,batch=1..1 \
		--format csv
	check "sweep, --gpu $gpus: the A100's row as alone" grep -Fxq "$alone" "$work/out"
done
# With a draft (PR #29622): Llama 3.2 1B's 16 layers are budgeted as full
# layers of gpt-oss's 2,048 B, cell = 2,048·(18 + 16) + (0.8·2,048)·18 =
# 99,123.2; full = 10^10 // 99,123.2 = 100,884, swa = int(80,707.2) =
# 80,707; the draft worker's pool then holds 100,884 + 1 rows of its own 16
# layers of 8 kv heads of 64: K 100,885·16·1,024 = 1,652,899,840 B = 1.54
# GiB, logged after the SWAKVPool's line.
run --model gpt-oss-120b --seq 4000 --engine sglang --kv-budget 10000000000 \
	--draft-model llama3.2-1b --format json
is capacity_tokens 100884 "sglang swa with a draft: the full pool"
is capacity_swa_tokens 80707 "sglang swa with a draft: the sliding pool"
check "sglang swa with a draft: SWAKVPool of the model's layers, then the draft worker's pool" \
	grep -A1 -Fq '"SWAKVPool mem usage: 6.23 GB, swa size: 80707, full size: 100884",' "$work/out"
check "the draft worker's pool line follows it" sh -c \
	"grep -A1 -F 'SWAKVPool mem usage: 6.23 GB' '$work/out' | grep -Fq '\"KV Cache is allocated. #tokens: 100884, K size: 1.54 GB, V size: 1.54 GB\"'"
# A draft of the split pool's architecture (gpt-oss-20b: 12 sliding and 12
# full layers of 2,048 B) keeps its own SWAKVPool of the model's tokens:
# cell 2,048·(18 + 24) + (0.8·2,048)·18 = 115,507.2, full 86,574, swa
# 69,259; the draft's sliding K 69,260·12·1,024 = 851,066,880 B (0.79
# GiB), full K 86,575·12·1,024 = 1,063,833,600 (0.99), in all 3.57 GiB.
run --model gpt-oss-120b --seq 4000 --engine sglang --kv-budget 10000000000 \
	--draft-model gpt-oss-20b --format json
check "a split draft's SWAKVPool line follows the model's" sh -c \
	"grep -A3 -F 'SWAKVPool mem usage: 5.35 GB, swa size: 69259, full size: 86574' '$work/out' | grep -Fq '\"SWAKVPool mem usage: 3.57 GB, swa size: 69259, full size: 86574\"'"
has_line "the draft's sliding layers in the sliding pool's rows" \
	"KV Cache is allocated. #tokens: 69259, K size: 0.79 GB, V size: 0.79 GB"
# --swa-full-tokens-ratio 0.5: cell 36,864 + (0.5·2,048)·18 = 55,296;
# 10^10 // 55,296 = 180,844 (180,844.9); swa int(90,422) = 90,422.
run --model gpt-oss-120b --seq 4000 --engine sglang --kv-budget 10000000000 \
	--swa-full-tokens-ratio 0.5 --format json
is capacity_tokens 180844 "--swa-full-tokens-ratio 0.5: full pool"
is capacity_swa_tokens 90422 "--swa-full-tokens-ratio 0.5: sliding pool"
# A sliding pool no larger than a prefill's sliding_window_size + page
# (127 + 1 for gpt-oss's window of 128): SGLang refuses to start
# (HybridSWAPoolConfigurator._solve_pool_sizes, main).  Ratio 0.01: cell
# 36,864 + (0.01·2,048)·18 = 37,232.64; 476,600,000 // 37,232.64 = 12,800,
# swa int(128.0) = 128 <= 128.  480,320,000 gives 12,900 and 129.
run --model gpt-oss-120b --seq 4000 --engine sglang --kv-budget 476600000 \
	--swa-full-tokens-ratio 0.01 --format json
is capacity_swa_floor 128 "a sliding pool at the floor: refused"
is capacity_swa_tokens 128 "... the sliding pool SGLang names"
is capacity_tokens 0 "... and nothing in the full pool"
has_line "SGLang's refusal in place of its pools' lines" \
	"SWA pool (128 tokens) cannot hold even one request: the prefill admission floor is sliding_window_size (127) + page_size (1). Increase --swa-full-tokens-ratio or the total KV budget."
run --model gpt-oss-120b --seq 4000 --engine sglang --kv-budget 476600000 \
	--swa-full-tokens-ratio 0.01
check "the fit says SGLang refuses to start" grep -Fq \
	"does not fit: SGLang refuses to start, its sliding pool of 128 tokens holding no prefill's sliding_window_size + page_size (128)" \
	"$work/out"
run --model gpt-oss-120b --seq 4000 --engine sglang --kv-budget 476600000 \
	--swa-full-tokens-ratio 0.01 --explain
check "--explain says why" grep -Fq \
	"sliding pool: int(full x swa_full_tokens_ratio 0.01) in whole pages = 128 tokens, no more than a prefill's sliding_window_size 127 (the window - 1) + page_size 1 = 128: SGLang refuses to start" \
	"$work/out"
check "--explain: no request table, for the same reason" grep -Fq \
	"request-to-token table: none, as SGLang with no pool stops first (\"SWA pool ... cannot hold even one request\")" \
	"$work/out"
run --model gpt-oss-120b --seq 4000 --engine sglang --kv-budget 480320000 \
	--swa-full-tokens-ratio 0.01 --format json
is capacity_swa_floor 0 "a sliding pool a token past the floor"
is capacity_tokens 12900 "... its full pool"
is capacity_swa_tokens 129 "... and sliding pool"
run --model gpt-oss-120b --seq 4000 --engine sglang --kv-budget 476600000 \
	--swa-full-tokens-ratio 0.01 --sglang-version 0.5.20 --format json
is capacity_swa_floor 0 "0.5.20 is not known to refuse"
is capacity_tokens 12800 "... and has its pools"
# Llama 4's chunked layers: SGLang's sliding_window_size is
# attention_chunk_size itself, 8,192 (model_runner.py load_model), so the
# floor is 8,192 + 1.  Scout's cell at ratio 0.01: 12 x 4,096 + (0.01 x
# 4,096) x 36 = 50,626.56; 41,483,377,950 // 50,626.56 = 819,399, swa
# int(8,193.99) = 8,193: refused.
run --model llama4-scout --seq 16384 --engine sglang --kv-budget 41483377950 \
	--swa-full-tokens-ratio 0.01 --format json
is capacity_swa_floor 8193 "Llama 4: the floor is the chunk + a page"
has_line "... SGLang's refusal names the chunk" \
	"SWA pool (8193 tokens) cannot hold even one request: the prefill admission floor is sliding_window_size (8192) + page_size (1). Increase --swa-full-tokens-ratio or the total KV budget."
run --model llama4-scout --seq 16384 --engine sglang --kv-budget 41483377950 \
	--swa-full-tokens-ratio 0.01 --explain
check "--explain: the chunk, not the window - 1" grep -Fq \
	"no more than a prefill's sliding_window_size 8,192 (the attention chunk) + page_size 1 = 8,193" \
	"$work/out"
# The chunk cache's cap for Llama 4 (mrr 64, chunks of 8,192): (8,192 +
# 128 + 1 + 1) x 64 + 2 x 8,192 + 1 = 548,993 sliding tokens of 147,456
# B; the full pool (100 GiB - 80,952,311,808) // 49,152 = 537,554.
run --model llama4-scout --seq 16384 --engine sglang --kv-budget 107374182400 \
	--disable-radix-cache --max-running-requests 64 --chunked-prefill-size 8192 --format json
is capacity_swa_cap 548993 "Llama 4 under the chunk cache: the sliding pool's cap"
is capacity_tokens 537554 "... and the full pool the rest"
# Without --chunked-prefill-size the H100 takes SGLang's 8,192 for its 80
# GiB, as gpt-oss does: the same cap.
run --model llama4-scout --seq 16384 --engine sglang --kv-budget 107374182400 \
	--disable-radix-cache --max-running-requests 64 --gpu h100 --format json
is capacity_swa_cap 548993 "Llama 4 on the H100: its default chunks of 8,192"
run --model llama3-8b --seq 1000 --engine vllm --swa-full-tokens-ratio 0.5 --format json
check "--swa-full-tokens-ratio under vLLM warns" grep -Fxq \
	"kvplan: warning: --swa-full-tokens-ratio is a sglang setting; --engine vllm ignores it" \
	"$work/err"
expect_error "--swa-full-tokens-ratio 0" "^kvplan: --swa-full-tokens-ratio: '0' is outside \(0, 1\]$" \
	--model gpt-oss-120b --seq 100 --engine sglang --swa-full-tokens-ratio 0

# SGLang's sliding-window pool is for the architectures it lists
# (configs/model_config.py is_hybrid_swa_model): Gemma 3 is not one, so its
# 34 layers of 4 kv heads × 256 (4,096 B a token in fp16) all keep 8,192 +
# 1 rows: 34·8,193·4,096 = 1,140,989,952 B, where the exact model keeps
# 29·1,024 + 5·8,192 tokens a layer: 289,406,976 B.  One pool of 10^10 B:
# 10^10 // 139,264 = 71,806 tokens.
run --model gemma3-4b --seq 8192 --engine sglang --kv-budget 10000000000 --format json
is cache_total_bytes 1140989952 "sglang gemma3: every layer keeps every token"
is exact_cache_bytes 289406976 "sglang gemma3: the exact model's windows beside it"
is windows_held true "sglang gemma3: windows_held"
is model_type '"gemma3_text"' "gemma3's model_type"
is capacity_tokens 71806 "sglang gemma3: one pool of 139,264 B a token"
run --model gemma3-4b --seq 8192 --engine sglang
check "sglang gemma3 says why" grep -Fq "SGLang keeps every token of the 29 windowed layers: its sliding-window pool is for the architectures it lists (Llama 4, gpt-oss, Gemma 4, ...), and gemma3_text is not one" "$work/out"
# Llama 4 Scout's 36 chunked layers are its SWA layers, the chunk (8,192)
# their window: cell = 12·4,096 + (0.8·4,096)·36 = 167,116.8; full = 10^10
# // 167,116.8 = 59,838, swa = int(59,838·0.8) = 47,870.  K of the chunked
# pool: 47,871·36·2,048 = 3,529,433,088 B = 3.29 GiB, of the full one
# 59,839·12·2,048 = 1,470,603,264 = 1.37; both, K and V: 9.31 GiB.
run --model llama4-scout --seq 16384 --engine sglang --kv-budget 10000000000 --format json
is windows_held false "sglang llama4: its chunked layers pooled"
is capacity_tokens 59838 "sglang llama4: the full pool"
is capacity_swa_tokens 47870 "sglang llama4: the chunked layers' pool"
has_line "sglang llama4's split line" \
	"Use sliding window memory pool. full_layer_tokens=59838, swa_layer_tokens=47870"
has_line "sglang llama4's chunked pool line" \
	"KV Cache is allocated. #tokens: 47870, K size: 3.29 GB, V size: 3.29 GB"
has_line "sglang llama4's full pool line" \
	"KV Cache is allocated. #tokens: 59838, K size: 1.37 GB, V size: 1.37 GB"
has_line "sglang llama4's SWAKVPool line" \
	"SWAKVPool mem usage: 9.31 GB, swa size: 47870, full size: 59838"
# --disable-hybrid-swa-memory: gpt-oss-120b's 36 layers of 2,048 B all keep
# 4,000 + 1 rows: 36·4,001·2,048 = 294,985,728 B.
run --model gpt-oss-120b --seq 4000 --engine sglang --disable-hybrid-swa-memory --format json
is cache_total_bytes 294985728 "--disable-hybrid-swa-memory: one pool"
is windows_held true "--disable-hybrid-swa-memory: windows_held"
# Under --pp 2 SGLang's sliding-window pool holds all 36 layers on each
# stage (SWAKVPool takes the whole model's layer ids): 152,248,320 B a GPU,
# 304,496,640 in all, and one GPU's pools.
run --model gpt-oss-120b --seq 4000 --engine sglang --pp 2 --kv-budget 10000000000 --format json
is stages_whole true "sglang --pp 2: every stage the whole pool"
is kv_bytes_per_gpu 152248320 "sglang --pp 2: all 36 layers a GPU"
is cache_total_bytes 304496640 "sglang --pp 2: twice in all"
is capacity_tokens 150704 "sglang --pp 2: the full pool as on one GPU"
run --model gpt-oss-120b --seq 4000 --engine sglang --pp 2
check "sglang --pp 2 says why" grep -Fq "each stage holds all 36 layers' cache: SGLang's sliding-window pool takes the whole model's layers on every pipeline rank" "$work/out"
check "no replication claimed" sh -c "! grep -Fq 'replicated kv heads' '$work/out'"
# Its one pool under --pp holds a rank's own layers: Llama 2 7B's 16 a
# stage, 16 x 16,384 B a token, so 1 GiB is 4,096 tokens, and K is
# (4,096 + 1) x 16 x 8,192 B = 537,001,984 B, 0.50 GB (not all 32 layers'
# 1.00 GB).
run --model llama2-7b --seq 1024 --engine sglang --gpu h100 --kv-budget 1073741824 --pp 2
has_line "sglang --pp 2: the pool line of a rank's 16 layers" \
	"    KV Cache is allocated. #tokens: 4096, K size: 0.50 GB, V size: 0.50 GB"
run --model gpt-oss-120b --seq 4000 --engine vllm --disable-hybrid-swa-memory --format json
check "--disable-hybrid-swa-memory under vLLM warns" grep -Fxq \
	"kvplan: warning: --disable-hybrid-swa-memory is a sglang setting; --engine vllm ignores it" \
	"$work/err"

# --explain under an engine shows its cells and each solver's boundary:
# llama2-7b, vLLM, seq 1000: 63 blocks of 16 = 1,008 cells; 32 · 1,008 ·
# 16,384 = 528,482,304 B.  With --kv-budget 1,048,576,000 the longest
# context is 2,000 tokens: 125 blocks, 32 · 2,000 · 16,384 =
# 1,048,576,000 B, exactly the budget; 2,001 needs 126 blocks, 32 · 2,016
# · 16,384 = 1,056,964,608 B.
# A Mamba-2 hybrid under vLLM: Nemotron-H 56B's state, from 0.20 61,440
# conv values in fp16 and 4,194,304 SSM values in fp32, 16,900,096 B,
# padded to an attention page of 4,128 tokens x 4,096 B = 16,908,288 B;
# mode align charges a sequence two of them, mode none one.  vLLM 0.19
# kept the SSM state in fp16 too: 8,511,488 B, a page of 2,080 tokens.
run --model nemotron-h-56b --seq 8192 --engine vllm --explain
has_line "--explain: the conv state, (4 - 1)(16,384 + 2·8·256)" \
	"    conv state: (ssm_conv_kernel 4 - 1) x (ssm_inner 16384 + 2 x ssm_groups 8 x ssm_state 256) = 61,440 values"
has_line "--explain: the SSM state, 256·16,384" \
	"    ssm state: ssm_state 256 x ssm_inner 16384 = 4,194,304 values"
has_line "--explain: vLLM's types, fp16 conv and fp32 SSM" \
	"    state: 61,440 conv values as fp16 + 4,194,304 SSM values as fp32 = 16,900,096 B per sequence (vLLM's types)"
has_line "--explain: vLLM's padded state page" \
	"    vLLM pads it to an attention page (mamba_page_size_padded): block 4,128 x 4,096 B = 16,908,288 B"
has_line "--explain: mode align's two pages" \
	"    a sequence is charged 2 of them (mamba_cache_mode align) = 33,816,576 B"
run --model nemotron-h-56b --seq 8192 --engine vllm --vllm-version 0.27 --explain
has_line "--explain: vLLM 0.27's mode none" \
	"    a sequence is charged 1 of them (mamba_cache_mode none) = 16,908,288 B"
run --model nemotron-h-56b --seq 8192 --engine vllm --vllm-version 0.19 --explain
has_line "--explain: vLLM 0.19's state in fp16" \
	"    state: 4,255,744 values as fp16 = 8,511,488 B per sequence"
has_line "--explain: ... its page of 2,080 tokens" \
	"    vLLM pads it to an attention page (mamba_page_size_padded): block 2,080 x 4,096 B = 8,519,680 B"
run --model llama2-7b --seq 1000 --engine vllm --kv-budget 1048576000 --explain
has_line "--explain: the engine's cells" "    cells vllm allocates for the whole batch: 1,008"
has_line "--explain: the engine's layer bytes" "    32 layers x 1,008 cells x 16,384 B = 528,482,304 B"
# 1,048,576,000 B is 125 blocks of 32 layers x 16 x 16,384 = 8,388,608 B;
# since 0.29 vLLM's check holds one back, its null block: 124 blocks,
# 1,984 tokens (2,000 with --vllm-version 0.28).
has_line "--explain: vLLM's null block" \
	"    vLLM's check holds back the null block, one block of the pool (8,388,608 B): 1,040,187,392 B for the longest context and the batch"
check "--explain: the longest context at its boundary" grep -q \
	"max seq (HBM): 1,984; at batch 1 the largest GPU's cache is 1,040,187,392 B at 1,984 tokens, within 1,040,187,392 B, and 1,048,576,000 B at one token more" \
	"$work/out"
run --model llama2-7b --seq 1000 --engine vllm --kv-budget 1048576000 --explain --vllm-version 0.28
check "--explain: vLLM 0.28's check takes the whole budget" grep -q \
	"max seq (HBM): 2,000; at batch 1 the largest GPU's cache is 1,048,576,000 B at 2,000 tokens, within 1,048,576,000 B, and 1,056,964,608 B at one token more" \
	"$work/out"
check "--explain: no null block before 0.29" sh -c '! grep -q "null block" "$1"' sh "$work/out"
run --model llama2-7b --seq 1000 --engine vllm --kv-budget 1048576000 --format json
is cells 1008 "JSON: the engine's cells, 63 blocks of 16, as the table's"
# Weights past the usable memory leave the cache nothing: the line says
# so, not an equation that does not hold (Llama 3.1 70B's 141,107,412,992
# B of fp16 weights against an L4's floor(25,769,803,776 x 0.9) =
# 23,192,823,398, short by 117,914,589,594).
run --model llama3.1-70b --seq 8192 --gpu l4 --explain
has_line "--explain: a budget below 0 is 0, and by how much" \
	"    budget for the cache: 23,192,823,398 - 141,107,412,992 - reserve 0 < 0 (short by 117,914,589,594 B), so 0 B"

# llama.cpp without flash attention (-fa off): the compute buffer holds the
# attention's scores, 4 x 512 x (8,192 x 33 + 16,384) = 587,202,560 B for
# Llama 3 8B at n_ctx 8192, the "CUDA0 compute buffer size = 560.00 MiB"
# ollama logs for it (tests/test_llama_compute.c); with it, the logits'
# 4 x 512 x (128,256 + 4,096) = 271,056,896.
run --model llama3-8b --ctx-size 8192 --engine llama.cpp --gpu h100 -fa off --format json
is activation_bytes 587202560 "-fa off: the attention's scores in the compute buffer"
run --model llama3-8b --ctx-size 8192 --engine llama.cpp --gpu h100 --flash-attn on --format json
is activation_bytes 271056896 "--flash-attn on: the logits"
# llama-server (b9460 on) reserves one slot's logits row, not 512: the
# MLP's 4 x 512 x (3 x 4,096 + 3 x 14,336) + 2 x 4,096 x 512 + 20 x 512 =
# 117,450,752 B (112.01 MiB) at n_ctx 4096 sets the buffer.
run --model llama3-8b --ctx-size 4096 --engine llama.cpp --gpu h100 --llama-server --format json
is activation_bytes 117450752 "--llama-server: the MLP's activations beside the mask"
run --model llama3-8b --ctx-size 4096 --engine llama.cpp --gpu h100 --llama-server
has_line "... as llama.cpp logs it" "    sched_reserve:      CUDA0 compute buffer size =   112.01 MiB"
has_line "... beside its output buffer, 128,256 x 4 B" "    llama_context:  CUDA_Host  output buffer size =     0.49 MiB"
# Qwen3-30B-A3B (hidden 2,048, 8 experts of 768 a token): its experts'
# down output, 8 x 2,048 a token, is alive beside gate, up and the GLU's
# output: 4 x 512 x (3 x 2,048 + 3 x 8 x 768 + 8 x 2,048) + 2 x 4,096 x
# 512 + 20 x 512 = 88,090,624 B, 84.01 MiB, as mainline's own code gives.
run --model qwen3-30b-a3b --ctx-size 4096 --engine llama.cpp --gpu h100 --llama-server --format json
is activation_bytes 88090624 "--llama-server: a mixture of experts' down output beside its GLU"
# Split over two GPUs (flash attention): four pinned copies of the mask
# and hidden state beside the MLP's, 4 x 512 x (2 x 8,192 + 7 x 4,096 + 3
# x 14,336) = 180,355,072 B (172.00 MiB) on the first; the last the copies
# and the logits, 4 x 512 x (2 x 8,192 + 5 x 4,096 + 128,256) = 338,165,760
# (322.50 MiB).
run --model llama3-8b --ctx-size 8192 --engine llama.cpp --gpu h100 --pp 2
has_line "a line for each GPU" "    sched_reserve:      CUDA0 compute buffer size =   172.00 MiB"
has_line "... the last with the logits" "    sched_reserve:      CUDA1 compute buffer size =   322.50 MiB"
run --model llama3-8b --ctx-size 4096 --engine llama.cpp --gpu h100 --format json
is activation_bytes 271056896 "without it: every token's logits"
# A mixture of experts: gpt-oss-120b's 4 experts of 2,880 a token (its
# config.json's num_experts_per_tok and intermediate_size), 4 unified
# slots at n_ctx 65536, beside the masks of its full cache (65,536 cells)
# and its sliding one (1,024) and both caches' row indices: 4 x 512 x (3 x
# 2,880 + 3 x 4 x 2,880) + 2 x (65,536 + 1,024) x 512 + 36 x 512 =
# 156,649,472 B; its logits, 4 rows, far less.
run --model gpt-oss-120b --engine llama.cpp -c 65535 -np 4 --kv-unified --llama-server --format json
is activation_bytes 156649472 "--llama-server: a mixture of experts' top-k rows, two masks"
# --explain holds the longest context to the buffer at its own context:
# Llama 3 8B on an H100 (room 77,309,411,328 - 15,009,849,344 =
# 62,299,561,984 B): 470,528 cells take 61,673,046,016 B of cache and
# 595,077,120 B of buffer (4 x 512 x (12,288 + 43,008) + 2 x 470,528 x 512
# + 10,240, over the logits' 271,056,896), 62,268,123,136 in all; one
# token more pads to 470,784 cells, 61,706,600,448 + 595,339,264 =
# 62,301,939,712.
run --model llama3-8b --engine llama.cpp --seq 8192 --gpu h100 --explain
check "--explain: the cache and the buffer at the answer" grep -q \
	"^    max seq (HBM): 470,528; at batch 1 the largest GPU's cache is 61,673,046,016 B and llama.cpp's compute buffer 595,077,120 B, 62,268,123,136 B within the 62,299,561,984 B they share, and 62,301,939,712 B at one token more\$" \
	"$work/out"
# A boundary of 0 says why, never "within": at batch 2,000 one token pads
# to 256 cells a sequence, 2,000 x 256 x 131,072 = 67,108,864,000 B of
# cache, past the same room before the buffer is added; Llama 3.1 70B's
# weights leave an A10 nothing.
run --model llama3-8b --engine llama.cpp --seq 8192 --gpu h100 --batch 2000 --explain
check "--explain: a longest context of 0, past the room" grep -Eq \
	"^    max seq \(HBM\): 0; with one token at batch 2,000, the largest GPU's cache is 67,108,864,000 B and llama.cpp's compute buffer [0-9,]+ B, [0-9,]+ B, more than the 62,299,561,984 B they share\$" \
	"$work/out"
check "--explain: an L2 answer of 0" grep -q \
	"^    max seq (L2): 0; with one token at batch 2,000, the largest GPU's cache is 67,108,864,000 B, more than 52,428,800 B\$" \
	"$work/out"
run --model llama3.1-70b --engine llama.cpp --seq 8192 --gpu a10 --explain
check "--explain: weights that leave nothing" grep -q \
	"^    max batch: 0; the weights, the engine's buffers and the reserve leave nothing for the largest GPU's cache\$" \
	"$work/out"
check "--explain: no answer of 0 is within its budget" sh -c \
	"! grep -q ': 0;.*within' '$work/out'"
run --model llama3-8b --seq 4096 --engine sglang --llama-server
check "--llama-server is llama.cpp's" grep -q \
	"^kvplan: warning: --llama-server is a llama.cpp setting; --engine sglang ignores it\$" "$work/err"
expect_error "-fa off with a quantized V cache" \
	"^kvplan: llama.cpp quantizes a V cache \(q8_0\) only with flash attention\$" \
	--model llama3-8b --seq 8192 --engine llama.cpp -fa off --dtype-v q8_0
expect_error "--flash-attn: a value it does not take" \
	"^kvplan: --flash-attn: unknown value 'maybe' \(valid: on, off, auto\)\$" \
	--model llama3-8b --seq 8192 --engine llama.cpp --flash-attn maybe
run --model llama3-8b --seq 8192 --engine vllm -fa off
check "-fa is llama.cpp's" grep -q \
	"^kvplan: warning: --flash-attn is a llama.cpp setting; --engine vllm ignores it\$" "$work/err"

# TensorRT-LLM's room for the context-MLA workspace (test_footprint's
# test_trtllm_mla_workspace works it out): an MLA model of 2 layers and
# 16 heads with an fp8 cache on 1 GiB at 0.9, max_context 1,000: of B =
# 966,367,641 B, R = 788,871,543.67 B (0.73 GiB) comes off, int(R / 5,120)
# = 154,076 tokens, 0.90 -> 0.17 GiB; 177,496,097 B hold 177,496,097 //
# 1,152 // 32 = 4,814 blocks, 154,048 tokens, 177,463,296 B (0.17 GiB).
# The model rotates nothing (rope_type none), so that no rotary table
# (rope.sh) comes off B: the workspace alone.
mkdir -p "$work/mla/models" "$work/mla/gpus"
printf '%s\n' 'name: tiny-mla' 'layers: 2' 'heads: 16' 'kv_heads: 16' 'head_dim: 192' \
	'kv_lora_rank: 512' 'qk_rope_dim: 64' 'qk_nope_dim: 128' 'v_head_dim: 128' \
	'max_context: 1000' 'mtp_layers: 1' 'rope_type: none' >"$work/mla/models/tiny-mla.yaml"
printf '%s\n' 'name: one-gib' 'memory: 1 GiB' 'l2: 50 MiB' >"$work/mla/gpus/one-gib.yaml"
run --data-dir "$work/mla" --model tiny-mla --seq 8 --engine trtllm --dtype fp8 --gpu one-gib
has_line "TensorRT-LLM's MLA workspace line" \
	"    Reserving 0.73 GiB for the context-MLA attention workspace (w=5120 B/token, admitting up to 154076 tokens of summed attended KV): KV cache budget 0.90 -> 0.17 GiB."
has_line "... and the pool from what is left" \
	"    [MemUsageChange] Allocated 0.17 GiB for max tokens in paged KV cache (154048)."
run --data-dir "$work/mla" --model tiny-mla --seq 8 --engine trtllm --dtype fp8 --gpu one-gib \
	--format json
is mla_workspace_bytes 788871544 "JSON: the workspace's room, 966,367,641 - 177,496,097 B"
is activation_bytes 788871544 "... counted with the activations"
run --data-dir "$work/mla" --model tiny-mla --seq 8 --engine trtllm --dtype fp8 --gpu one-gib \
	--explain
has_line "--explain: the budget before the workspace" \
	"    budget before the MLA workspace: floor((1,073,741,824 - 0 - reserve 0) x 0.90000000000000002) = 966,367,641 B"
has_line "--explain: the workspace's room" \
	"    budget for the cache: int(B - min(w x L, B x w / (k + w))), w 5,120 B a token, L 2,048,000 tokens, k the stage's cache bytes a token: 966,367,641 - 788,871,544 = 177,496,097 B"
# Per stage (test_trtllm_mla_workspace_stages): at pp 2 with one MTP
# layer, stage 1 holds a layer and the MTP layer (k = 1,152), as at pp 1;
# stage 0 one layer (k = 576): B x 576 / 5,696 = 97,722,570.44.
run --data-dir "$work/mla" --model tiny-mla --seq 8 --engine trtllm --dtype fp8 --gpu one-gib \
	--pp 2 --mtp 1
has_line "pp 2 with MTP: the last stage binds" \
	"one-gib: 177,496,097 B for the cache on stage 1, which binds"
has_line "... the first stage's room from its one layer" \
	"  the other stages': stage 0 97,722,570 B"
has_line "... and the binding stage's workspace line" \
	"    Reserving 0.73 GiB for the context-MLA attention workspace (w=5120 B/token, admitting up to 154076 tokens of summed attended KV): KV cache budget 0.90 -> 0.17 GiB."
run --data-dir "$work/mla" --model tiny-mla --seq 8 --engine trtllm --gpu one-gib
check "an fp16 cache: no workspace line, the whole budget" sh -c \
	'[ "$2" = 0 ] && ! grep -q "Reserving" "$1" &&
	 grep -q "^one-gib: 966,367,641 B for the cache$" "$1"' sh "$work/out" "$status"

done_testing
