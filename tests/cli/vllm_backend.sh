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
# 15,552) = 1,078 of 64, 63.41 requests (65,314 tokens).
set -- --model deepseek-v2-lite --seq 1030 --engine vllm --dtype fp8 --kv-budget 1073741824
run "$@" --gpu a100,h100
has_line "the A100 first: TRITON_MLA's 16 in the engine line" \
	"Engine vllm (blocks of 16 tokens, TRITON_MLA's on a100-80g)"
has_line "... and its allocation" \
	"  allocates 16,174,080 B; the exact model needs 16,018,560 B"
has_line "the A100 holds 66.38 requests" \
	"    Maximum concurrency for 1,030 tokens per request: 66.38x"
has_line "the H100 is planned with FLASHMLA's blocks of 64" \
	"  blocks of 64 tokens here (its FLASHMLA backend): allocates 16,920,576 B"
has_line "the H100 holds 63.41 requests" \
	"    Maximum concurrency for 1,030 tokens per request: 63.41x"
has_line "... 65,314 tokens as vLLM prints them" "    GPU KV cache size: 65,314 tokens"
check "the fit table: 4,315 x 16 and 1,078 x 64 tokens, 66 and 63 requests" sh -c \
	'grep -Eq "^a100-80g .* 69,040 +66\$" "$1" && grep -Eq "^h100-sxm .* 68,992 +63\$" "$1"' \
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
run "$@" --gpu a100,h100 --explain
has_line "explain: the H100's plan and why" \
	"    planned with blocks of 64 tokens, those of FLASHMLA, the MLA backend vLLM picks for arch sm_90 and an fp8 cache: 16,920,576 B in all"
run "$@" --gpu a100,h100 --chart "$work/b.gp"
check "chart: a line for the H100's blocks" \
	grep -q "title 'request on h100-sxm: blocks of 64 tokens'" "$work/b.gp"
check "chart: its bytes and the request's at 1,030" sh -c \
	'awk -F "\t" "\$1 == 1030 { print \$4, \$5 }" "$1" | grep -qx "16920576 16174080"' \
	sh "$work/b.dat"

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
run "$@" --gpu h100 --vllm-version 0.17 --format json
is block_size 16 "--vllm-version 0.17: not followed, 16"
is cache_total_bytes 16174080

# A model without MLA keeps 16 on every GPU, and says no backend.
run --model llama2-7b --seq 1030 --engine vllm --gpu h100 --dtype fp8 --format json
is block_size 16 "llama2-7b: vLLM's 16"
is attention_backend null

# A B200 of one's own (compute capability 10.0): FLASHINFER_MLA, 32.
# 33 blocks of 32 = 1,056 tokens x 15,552 = 16,422,912 B; 1 GiB holds
# 1,073,741,824 / (32 x 15,552) = 2,157 blocks, 65 requests (2,145).
mkdir -p "$work/data/gpus"
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

# The arch in the GPU listing, and a bad one refused where it is written.
run --list-gpus --format csv
check "csv lists each GPU's arch" sh -c \
	'grep -q "^h100-sxm,85899345920,52428800,0,3350,989,sm_90,NVIDIA H100 SXM5 80GB (HBM3)$" "$1" &&
	 grep -q "^mi300x,.*,gfx942,AMD Instinct MI300X 192GB (HBM3)$" "$1"' sh "$work/out"
run --list-gpus --format json
check "json lists each GPU's arch" grep -q '"arch": "sm_120"' "$work/out"
printf '%s\n' 'name: bad' 'memory: 80 GiB' 'l2: 50 MiB' 'arch: hopper' \
	>"$work/data/gpus/bad.yaml"
expect_error "an arch that is neither sm_NN nor gfxNNN: one line, at its line" \
	"bad\.yaml:4:1: bad: arch 'hopper' is neither sm_ and a compute capability's digits \(sm_90 for 9\.0\) nor an AMD gfx target \(gfx942\)$" \
	--data-dir "$work/data" --model llama2-7b --seq 1024 --gpu bad

done_testing
