# vllm_backend.sh — the block size vLLM takes for an MLA model from the
# attention backend the GPU's arch selects (vllm/platforms/cuda.py
# check_and_update_config, v0.18 and later): 64 on an H100 with an fp8
# cache (FLASHMLA), 16 on an A100 (TRITON_MLA) and on an H100 with a
# 16-bit cache (FLASH_ATTN_MLA), 32 on a B200 (FLASHINFER_MLA).  Each
# GPU's plan, lines, JSON, CSV, sweep, chart and --explain, worked by hand
# from DeepSeek-V2-Lite's config.json: 27 layers, a latent of 512 + 64 =
# 576 values, 576 B a token and layer in fp8.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# At 1,030 tokens a request takes cdiv(1030, 16) = 65 blocks of 16 (1,040
# tokens, x 576 x 27 = 16,174,080 B) or 17 of 64 (1,088 tokens,
# 16,920,576 B).  1 GiB holds 1,073,741,824 / (16 x 15,552) = 4,315
# blocks of 16, 66.38 requests (x 1,030 = 68,376 tokens), or / (64 x
# 15,552) = 1,078 of 64, 63.41 requests (65,314 tokens).  vLLM's check
# holds back one block, its null block (since 0.29): the longest context
# at batch 1 is 4,314 x 16 = 69,024 or 1,077 x 64 = 68,928 tokens, and
# 4,314 / 65 = 66 or 1,077 / 17 = 63 requests.
set -- --model deepseek-v2-lite --seq 1030 --engine vllm --dtype fp8 --kv-budget 1073741824
run "$@" --gpu a100,h100
has_line "the A100 first: TRITON_MLA's 16 in the engine line" \
	"Engine vllm (blocks of 16 tokens, TRITON_MLA's on a100-80g)"
has_line "... and its allocation" \
	"  allocates 16,174,080 B; the exact model needs 16,018,560 B"
has_line "the A100 holds 66.38 requests" \
	"    GPU KV cache size: 68,376 tokens, Maximum concurrency for 1,030 tokens per request: 66.38x"
has_line "the H100 is planned with FLASHMLA's blocks of 64" \
	"  blocks of 64 tokens here (its FLASHMLA backend): allocates 16,920,576 B"
has_line "the H100 holds 63.41 requests, 65,314 tokens as vLLM prints them" \
	"    GPU KV cache size: 65,314 tokens, Maximum concurrency for 1,030 tokens per request: 63.41x"
check "the fit table: 4,314 x 16 and 1,077 x 64 tokens, 66 and 63 requests" sh -c \
	'grep -Eq "^a100-80g .* 69,024 +66\$" "$1" && grep -Eq "^h100-sxm .* 68,928 +63\$" "$1"' \
	sh "$work/out"
run "$@" --gpu h100,a100
has_line "the H100 first: FLASHMLA's 64 in the engine line" \
	"Engine vllm (blocks of 64 tokens, FLASHMLA's on h100-sxm)"
has_line "the A100 planned again with its 16" \
	"  blocks of 16 tokens here (its TRITON_MLA backend): allocates 16,174,080 B"
run "$@" --gpu h100 --format json
is block_size 64 "json: the plan's block on the H100"
is cache_total_bytes 16920576
is attention_backend '"FLASHMLA"'
is max_batch_hbm 63
run "$@" --gpu a100,h100 --format json
check "json: each GPU's block, backend and allocation" sh -c \
	'tr -d " \n" <"$1" | grep -q "\"name\":\"a100-80g\".*\"cache_total_bytes\":16174080,.*\"block_size\":16,\"attention_backend\":\"TRITON_MLA\".*\"name\":\"h100-sxm\".*\"cache_total_bytes\":16920576,.*\"block_size\":64,\"attention_backend\":\"FLASHMLA\""' \
	sh "$work/out"
run "$@" --gpu a100,h100 --format csv
check "csv: each GPU's row has its own allocation" sh -c \
	'cut -d, -f12,13 "$1" | grep -Fxq "16174080,a100-80g" &&
	 cut -d, -f12,13 "$1" | grep -Fxq "16920576,h100-sxm"' sh "$work/out"
run --model deepseek-v2-lite --engine vllm --dtype fp8 --kv-budget 1073741824 \
	--gpu a100,h100,h200 --sweep seq=1030..1030
check "sweep: each GPU's row has its own allocation and batch" sh -c \
	'grep -q "^deepseek-v2-lite,vllm,fp8,fp8,a100-80g,1030,1,16174080,16174080,1,1,66,ok$" "$1" &&
	 grep -q "^deepseek-v2-lite,vllm,fp8,fp8,h100-sxm,1030,1,16920576,16920576,1,1,63,ok$" "$1" &&
	 grep -q "^deepseek-v2-lite,vllm,fp8,fp8,h200,1030,1,16920576,16920576,1,1,63,ok$" "$1"' \
	sh "$work/out"
run "$@" --gpu h100,a100 --explain
has_line "explain: the first GPU's block and why" \
	"    blocks of 64 tokens: those of its FLASHMLA backend, for arch sm_90 and an fp8 cache"
has_line "explain: the A100's" \
	"    blocks of 16 tokens: those of its TRITON_MLA backend, for arch sm_80 and an fp8 cache"
has_line "explain: the A100 planned again" \
	"    planned again with blocks of 16 tokens: 16,174,080 B in all"
run "$@" --gpu a100,h100 --chart "$work/b.gp"
check "chart: a line for the H100's blocks" \
	grep -q "title 'request on h100-sxm: blocks of 64 tokens'" "$work/b.gp"
check "chart: its bytes and the request's at 1,030" sh -c \
	'awk -F "\t" "\$1 == 1030 { print \$4, \$5 }" "$1" | grep -qx "16920576 16174080"' \
	sh "$work/b.dat"

# Four GPUs, two blocks: one more line, the A100's; the MI300X and the L4
# (TRITON_MLA's 16 too, other steps that no layer keeps) draw none.
run "$@" --gpu h100,a100,mi300x,l4 --chart "$work/c.gp"
check "chart: one line for the GPUs of 16-token blocks" sh -c \
	'[ "$(grep -c "title .request on" "$1")" = 1 ] &&
	 grep -q "title .request on a100-80g: blocks of 16 tokens." "$1"' sh "$work/c.gp"

# kvp_advise settles the block for each cache type it tries: on the H100
# at 3,060,264 tokens fp8 takes FLASHMLA's 64s, 47,614,429,799 B (the
# profile's 15,706,484,224 parameters) less the YaRN rotary table (4,096 x
# 40 positions x 64 x 2 B = 20,971,520) = 47,593,458,279 B hold 47,816
# blocks of 64 x 15,552 B, less the null block vLLM's check holds back
# 47,815: 3,060,160 tokens, 104 short; fp16 is short too, so no cache
# type is advised.  The request takes 47,817 blocks, 47,593,598,976 B:
# 140,697 B over the budget, 1,136,025 over it less the block's
# 995,328.  (16-token blocks of fp8 would hold 191,266 x 16 = 3,060,256
# tokens, 8 short too; tests/test_attention_backend.c works the case
# where they are just enough.)
run --model deepseek-v2-lite --seq 3060264 --engine vllm --gpu h100
check "advice: fp8 is not offered where its 64-token blocks fall short" sh -c \
	'grep -q "^h100-sxm: does not fit by .*at batch 1$" "$1" && ! grep -q "cache type fp8" "$1"' \
	sh "$work/out"
run --model deepseek-v2-lite --seq 3060264 --engine vllm --gpu h100 --dtype fp8
check "... and fp8 itself does not fit, 3,060,160 tokens at most" \
	grep -q "^h100-sxm: does not fit by 1,136,025 B (cache 47,593,598,976 B per GPU, 47,593,458,279 B for it less the null block's 995,328 B); fits with seq <= 3,060,160 " "$work/out"

# A 16-bit cache on the H100 takes FLASH_ATTN_MLA, whose kernel takes 16:
# one plan, 65 blocks of 16 x 1,152 x 27 = 32,348,160 B, on both GPUs.
run --model deepseek-v2-lite --seq 1030 --engine vllm --gpu a100,h100 --format json
is block_size 16 "bf16 on the H100: FLASH_ATTN_MLA's 16"
check "json: one allocation, FLASH_ATTN_MLA named" sh -c \
	'[ "$(grep -c "\"cache_total_bytes\": 32348160" "$1")" = 3 ] &&
	 grep -q "\"attention_backend\": \"FLASH_ATTN_MLA\"" "$1"' sh "$work/out"

# A block given is vLLM's --block-size: every GPU keeps it, nothing is
# planned again; a release before 0.18 is not followed (16).
run "$@" --gpu a100,h100 --block-size 16
check "--block-size 16: no GPU planned again" sh -c \
	'! grep -q "here (its" "$1" && grep -q "^Engine vllm (blocks of 16 tokens)$" "$1"' \
	sh "$work/out"
# vLLM passes over a backend whose kernel does not divide the block given:
# FLASHMLA (64) for 16, every one for 8.
run "$@" --gpu h100 --block-size 16 --format json
is attention_backend '"TRITON_MLA"' "--block-size 16 on the H100 with fp8: TRITON_MLA"
run "$@" --gpu h100 --block-size 64 --format json
is attention_backend '"FLASHMLA"' "--block-size 64: FLASHMLA"
run "$@" --gpu h100 --block-size 8 --format json
is attention_backend null "--block-size 8: no MLA backend takes it"
# Releases before 0.18 took FlashMLA on Hopper whatever the cache type and
# forced its block to 64, a --block-size 16 included ("Forcing kv cache
# block size to 64 for FlashMLA backend."): in bf16, 17 blocks of 64 x
# 1,152 x 27 = 33,841,152 B (the exact model: 1,030 x 1,152 x 27 =
# 32,037,120 B).
set -- --model deepseek-v2-lite --seq 1030 --engine vllm --vllm-version 0.17
run "$@" --gpu h100,a100 --block-size 16
has_line "0.17: FlashMLA's 64 on the H100, the 16 given replaced" \
	"Engine vllm (blocks of 64 tokens, FLASHMLA's on h100-sxm)"
has_line "... and 33,841,152 B" "  allocates 33,841,152 B; the exact model needs 32,037,120 B"
has_line "0.17: the A100 keeps the 16 given (Triton's MLA takes it)" \
	"  blocks of 16 tokens here (as given): allocates 32,348,160 B"
run "$@" --gpu h100 --vllm-version 0.7 --format json
is block_size 16 "--vllm-version 0.7: not followed, 16"
set -- --model deepseek-v2-lite --seq 1030 --engine vllm --dtype fp8 --kv-budget 1073741824

# A model without MLA keeps 16 on every GPU, and says no backend.
run --model llama2-7b --seq 1030 --engine vllm --gpu h100 --dtype fp8 --format json
is block_size 16 "llama2-7b: vLLM's 16"
is attention_backend null

# A B200 of one's own (compute capability 10.0): FLASHINFER_MLA, 32.
# 33 blocks of 32 = 1,056 tokens x 15,552 = 16,422,912 B; 1 GiB holds
# 1,073,741,824 / (32 x 15,552) = 2,157 blocks, 65 requests (2,145).
mkdir -p "$work/data/gpus" "$work/data/models"
printf '%s\n' 'name: my-b200' 'memory: 180 GiB' 'l2: 126 MiB' 'arch: sm_100' \
	>"$work/data/gpus/my-b200.yaml"
run --data-dir "$work/data" "$@" --gpu my-b200 --format json
is block_size 32 "a B200 (sm_100): FLASHINFER_MLA's 32"
is attention_backend '"FLASHINFER_MLA"'
is cache_total_bytes 16422912
is max_batch_hbm 65
# No arch: nothing known, vLLM's 16.
printf '%s\n' 'name: my-gpu' 'memory: 80 GiB' 'l2: 50 MiB' >"$work/data/gpus/my-gpu.yaml"
run --data-dir "$work/data" "$@" --gpu my-gpu --format json
is block_size 16 "a GPU with no arch: 16"
is attention_backend null
run --data-dir "$work/data" "$@" --gpu h100,my-gpu
has_line "after the H100's 64, a GPU with no arch says why it has 16" \
	"  blocks of 16 tokens here (vLLM's default, no MLA backend known for my-gpu): allocates 16,174,080 B"
# The sweep keeps one plan for another block, and replaces it: 64 on the
# H100 (the point's), 16 on the A100, 64 on the H200, 32 on the B200.
run --data-dir "$work/data" --model deepseek-v2-lite --engine vllm --dtype fp8 \
	--kv-budget 1073741824 --gpu h100,a100,h200,my-b200 --sweep seq=1030..1030
check "sweep: 64, 16, 64 and 32-token blocks" sh -c \
	'grep -q ",h100-sxm,1030,1,16920576,16920576,1,1,63,ok$" "$1" &&
	 grep -q ",a100-80g,1030,1,16174080,16174080,1,1,66,ok$" "$1" &&
	 grep -q ",h200,1030,1,16920576,16920576,1,1,63,ok$" "$1" &&
	 grep -q ",my-b200,1030,1,16422912,16422912,1,1,65,ok$" "$1"' sh "$work/out"

# A model with recurrent layers has its block from vLLM's hybrid config,
# the same on every GPU: an MLA latent of 576 B a token (fp8) beside
# Mamba-2 layers of (4 - 1) x (4,096 + 2 x 32 x 128) + 4,096 x 128 =
# 561,152 values, 1,122,304 B in fp16, takes 128 x cdiv(1,122,304, 128 x
# 576) = 128 x 16 = 2,048-token blocks (an MLA hybrid aligned to 128 from
# 0.27; before, 64 x cdiv(1,122,304, 64 x 576) = 1,984), and no GPU is
# planned again.
printf '%s\n' 'name: mla-hybrid' 'layers: 8' 'heads: 32' 'kv_heads: 32' 'head_dim: 192' \
	'kv_lora_rank: 512' 'qk_rope_dim: 64' 'qk_nope_dim: 128' 'v_head_dim: 128' \
	'layer_pattern: "recurrent*3,mla"' 'ssm_conv_kernel: 4' 'ssm_inner: 4096' \
	'ssm_state: 128' 'ssm_groups: 32' 'params: 1e9' >"$work/data/models/mla-hybrid.yaml"
run --data-dir "$work/data" --model mla-hybrid --seq 1030 --engine vllm --dtype fp8 \
	--gpu h100,a100,my-b200 --format json
check "hybrid: blocks of 2,048 on every GPU" sh -c \
	'[ "$(grep -c "\"block_size\": 2048," "$1")" = 4 ]' sh "$work/out"
run --data-dir "$work/data" --model mla-hybrid --seq 1030 --engine vllm --dtype fp8 \
	--gpu h100,a100,my-b200
check "hybrid: no GPU planned again, no backend named for the block" sh -c \
	'! grep -q " here (" "$1" && grep -q "^Engine vllm (blocks of 2048 tokens)$" "$1"' \
	sh "$work/out"
run --data-dir "$work/data" --model mla-hybrid --seq 1030 --engine vllm --dtype fp8 \
	--gpu h100 --vllm-version 0.26
check "hybrid before 0.27: blocks of 1,984" grep -q "^Engine vllm (blocks of 1984 tokens)$" \
	"$work/out"

# MLA layers beside sliding ones: the H100 takes another step and another
# block.  Sliding layers of 2 kv heads of 144 (576 B a token in fp8, as the
# latent) keep cdiv(min(1023 + 2m, 32768), B) + 1 blocks (two steps in
# flight, vLLM 0.26 on): 320 + 1 of 16 at m = 2048 (5,136 tokens), 272 +
# 1 of 64 at 8192 (17,472); MLA layers 32,768.  On the H100 2 x 17,472 x
# 576 + 2 x 32,768 x 576 = 57,876,480 B.
printf '%s\n' 'name: mla-swa' 'layers: 4' 'heads: 16' 'kv_heads: 2' 'head_dim: 144' \
	'kv_lora_rank: 512' 'qk_rope_dim: 64' 'qk_nope_dim: 128' 'v_head_dim: 128' \
	'sliding_window: 1024' 'layer_pattern: "sliding,mla"' 'params: 1e9' \
	>"$work/data/models/mla-swa.yaml"
run --data-dir "$work/data" --model mla-swa --seq 32768 --engine vllm --dtype fp8 \
	--kv-budget 1073741824 --gpu a100,h100
has_line "step and block both differ on the H100" \
	"  max_num_batched_tokens 8192 (vllm serve's default) and blocks of 64 tokens (its FLASHMLA backend) here: allocates 57,876,480 B"
run --data-dir "$work/data" --model mla-swa --seq 32768 --engine vllm --dtype fp8 \
	--kv-budget 1073741824 --gpu a100,h100 --explain
check "explain: one line for both" grep -q \
	"^    planned again with max_num_batched_tokens 8,192, .*; and blocks of 64 tokens: 57,876,480 B in all$" \
	"$work/out"

# The arch in the GPU listing, and a bad one refused where it is written.
run --list-gpus --format csv
check "csv lists each GPU's arch" sh -c \
	'grep -q "^h100-sxm,85899345920,52428800,0,3350,989,sm_90,NVIDIA H100 SXM5 80GB (HBM3),85028896768,85520809984,nvlink$" "$1" &&
	 grep -q "^mi300x,.*,gfx942,AMD Instinct MI300X 192GB (HBM3),206141652992,0,xgmi$" "$1"' sh "$work/out"
run --list-gpus --format json
check "json lists each GPU's arch" grep -q '"arch": "sm_120"' "$work/out"
check "... and its interconnect" grep -q '"interconnect": "pcie"' "$work/out"
printf '%s\n' 'name: bad' 'memory: 80 GiB' 'l2: 50 MiB' 'arch: hopper' \
	>"$work/data/gpus/bad.yaml"
expect_error "an arch that is neither sm_NN nor gfxNNN: one line, at its line" \
	"bad\.yaml:4:1: bad: arch 'hopper' is neither sm_ and a compute capability's digits \(sm_90 for 9\.0\) nor an AMD gfx target \(gfx942\)$" \
	--data-dir "$work/data" --model llama2-7b --seq 1024 --gpu bad

done_testing
