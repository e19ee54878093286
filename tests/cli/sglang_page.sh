# sglang_page.sh — the page SGLang takes from the attention backend it
# picks by the GPU's arch (python/sglang/srt/server_args.py at main, its
# model overrides and _mla_backend_page_constraints): 64 on a B200
# (compute capability 10.x) for most models, trtllm_mha's or trtllm_mla's,
# 1 on the catalogue's GPUs.  Each GPU's plan, lines, JSON and --explain,
# worked by hand.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

mkdir -p "$work/data/gpus"
printf '%s\n' 'name: my-b200' 'memory: 180 GiB' 'l2: 126 MiB' 'arch: sm_100' \
	>"$work/data/gpus/my-b200.yaml"

# Llama 2 7B: 32 layers of 32 kv heads of 128, 524,288 B a token in fp16.
# A layer keeps pad(seq, B) + B rows: at 1,030 tokens (1,030 + 1) x
# 524,288 = 540,540,928 B in pages of 1 (fa3 on the H100), (1,088 + 64) x
# 524,288 = 603,979,776 B in the B200's 64 (trtllm_mha).  1 GiB holds
# 1,073,741,824 / 524,288 = 2,048 tokens, a multiple of 64; the K buffer
# is (2,048 + 64) x 262,144 B = 0.52 GiB on the B200, (2,048 + 1) x
# 262,144 = 0.50 on the H100.  A request fits when its pages fit the
# pool's 2,048 tokens (the padding page lies past the budget): the longest
# is 2,048 tokens on both, pad(s, 64) <= 2,048 on the B200.
set -- --data-dir "$work/data" --model llama2-7b --seq 1030 --engine sglang \
	--kv-budget 1073741824
run "$@" --gpu h100,my-b200
has_line "the H100 first: fa3's page of 1" "Engine sglang (page size 1, fa3's on h100-sxm)"
has_line "... 540,540,928 B" "  allocates 540,540,928 B; the exact model needs 540,016,640 B"
has_line "the B200 planned again with trtllm_mha's 64" \
	"  page size 64 here (its trtllm_mha backend): allocates 603,979,776 B"
has_line "the B200's pool line" \
	"    KV Cache is allocated. #tokens: 2048, K size: 0.52 GB, V size: 0.52 GB"
has_line "the H100's pool line" \
	"    KV Cache is allocated. #tokens: 2048, K size: 0.50 GB, V size: 0.50 GB"
check "the fit table: 2,048 tokens on both" sh -c \
	'grep -Eq "^h100-sxm .* 2,048 +1\$" "$1" && grep -Eq "^my-b200 .* 2,048 +1\$" "$1"' \
	sh "$work/out"
run "$@" --gpu my-b200,h100
has_line "the B200 first: trtllm_mha's 64 in the engine line" \
	"Engine sglang (page size 64, trtllm_mha's on my-b200)"
has_line "the H100 planned again with fa3's 1" \
	"  page size 1 here (its fa3 backend): allocates 540,540,928 B"
run "$@" --gpu h100,my-b200 --format json
check "json: each GPU's page, backend and allocation" sh -c \
	'tr -d " \n" <"$1" | grep -q "\"name\":\"h100-sxm\".*\"cache_total_bytes\":540540928,.*\"page_size\":1,\"attention_backend\":\"fa3\".*\"name\":\"my-b200\".*\"cache_total_bytes\":603979776,.*\"page_size\":64,\"attention_backend\":\"trtllm_mha\""' \
	sh "$work/out"
run "$@" --gpu h100,my-b200 --explain
has_line "explain: the H100's page and why" \
	"    page size 1: that of its fa3 backend, for arch sm_90"
has_line "explain: the B200's page and why" \
	"    page size 64: that of its trtllm_mha backend, for arch sm_100"
has_line "explain: planned again" "    planned again with page size 64: 603,979,776 B in all"
# A page trtllm_mha takes is kept (32); one it does not becomes 64.
run "$@" --gpu h100,my-b200 --page-size 32 --format json
check "--page-size 32 stays on the B200 (the plan's and both GPUs')" sh -c \
	'[ "$(grep -c "\"page_size\": 32," "$1")" = 3 ]' sh "$work/out"
run "$@" --gpu my-b200 --page-size 8 --format json
is page_size 64 "--page-size 8 on the B200: 64"

# DeepSeek-V3 at tp 8: trtllm_mla on the B200.  A latent of 576 values in
# fp16 over 61 layers is 70,272 B a token: 10^10 B hold 142,304 tokens, in
# pages of 64 2,223 pages, 142,272 tokens; a request of 1,030 takes 17
# pages: 130 of them, against 138 on the H200 in pages of 1.  The longest
# request fills the pool: 142,272 tokens on the B200, 142,304 on the H200.
run --data-dir "$work/data" --model deepseek-v3 --seq 1030 --engine sglang --tp 8 \
	--kv-budget 10000000000 --gpu my-b200,h200
has_line "DeepSeek-V3 on the B200: trtllm_mla's 64" \
	"Engine sglang (page size 64, trtllm_mla's on my-b200)"
has_line "... its pool in pages of 64" "    KV Cache is allocated. #tokens: 142272, KV size: 9.32 GB"
check "130 requests on the B200, 138 on the H200" sh -c \
	'grep -Eq "^my-b200 .* 142,272 +130\$" "$1" && grep -Eq "^h200 .* 142,304 +138\$" "$1"' \
	sh "$work/out"

# Llama 4 Scout's sliding-window pools on the B200 (llama4.py: trtllm_mha):
# each pool's tokens floored to 64.  In 2 GiB (cell 12 x 4,096 + (0.8 x
# 4,096) x 36 = 167,116.8): 12,850 and int(12,850 x 0.8) = 10,280 on the
# H100; on the B200 the full pool 12,800 and int(12,800 x 0.8) = 10,240,
# each buffer 64 rows more; 36 chunked and 12 full layers of 8 kv heads of
# 128 (4,096 B a token for K and V): (10,240 + 64) x 36 x 4,096 + (12,800
# + 64) x 12 x 4,096 = 2,151,677,952 B, 2.00 GB.  (Both sliding pools pass
# the floor, the chunk 8,192 + a page.)
run --data-dir "$work/data" --model llama4-scout --seq 1030 --engine sglang \
	--kv-budget 2147483648 --gpu h100,my-b200
has_line "the H100's pools" \
	"    SWAKVPool mem usage: 2.00 GB, swa size: 10280, full size: 12850"
has_line "the B200's pools in pages of 64" \
	"    SWAKVPool mem usage: 2.00 GB, swa size: 10240, full size: 12800"

# A GPU with no arch after the B200 keeps the page given, and says so.
printf '%s\n' 'name: no-arch' 'memory: 80 GiB' 'l2: 50 MiB' >"$work/data/gpus/no-arch.yaml"
run "$@" --gpu my-b200,no-arch --page-size 8
has_line "--page-size 8: 64 on the B200" "Engine sglang (page size 64, trtllm_mha's on my-b200)"
has_line "... 8 on the GPU with no arch: (1,032 + 8) x 524,288 B" \
	"  page size 8 here (as given): allocates 545,259,520 B"

# Qwen3-Next keeps pages of 1 on the B200 (triton: qwen3_5.py's override).
run --data-dir "$work/data" --model qwen3-next-80b-a3b --seq 1030 --engine sglang \
	--gpu my-b200 --format json
is page_size 1 "Qwen3-Next on the B200: 1"
is attention_backend '"triton"'

done_testing
