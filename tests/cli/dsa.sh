# dsa.sh — DeepSeek Sparse Attention (DeepSeek-V3.2, GLM-5): the
# indexer's key beside each MLA latent in the table, JSON and --explain;
# SGLang's published pool line; vLLM's sparse backends and the cache type
# they keep on each GPU; a config.json's index_head_dim; GLM-5.2's indexer
# shared across layers; and what is
# refused in one line.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# The catalogue's DeepSeek-V3.2 at 1,000 tokens in fp16: 61 layers of
# (512 + 64) x 2 + 128 + 128 / 128 x 4 = 1,152 + 132 = 1,284 B a token:
# 61 x 1,000 x 1,284 = 78,324,000 B.
run --model deepseek-v3.2 --seq 1000
check "the table: latent and indexer" grep -Eq "^  mla latent\+indexer +61 +1,000 +1,284 +78,324,000$" "$work/out"
check "the model line names the key" grep -Fq \
	"  mla attention: 61 layers, 128 heads, latent 512 + rope 64, sparse-attention indexer key 128" \
	"$work/out"
run --model deepseek-v3.2 --seq 1000 --format json
is index_head_dim 128 "JSON: the model's index_head_dim"
is index_values 128 "JSON: the group's key values"
is latent_bytes_per_token 1152 "JSON: the latent, fp16"
is index_bytes_per_token 132 "JSON: the key, fp8 and a scale"
is index_bytes 8052000 "JSON: 61 x 1,000 x 132"
is kv_bytes_per_token 78324 "JSON: 61 x 1,284"
run --model deepseek-v3.2 --seq 1000 --explain
check "--explain: the key" grep -Fq \
	"indexer key (sparse attention): index_head_dim 128 x 1 B (fp8) + 128/128 x 4 B scales = 132 B per token" \
	"$work/out"
check "--explain: the sum" grep -Fq "per token: 1,152 + 132 = 1,284 B" "$work/out"
# llama.cpp keeps the key in the K type: q8_0 128 / 32 x 34 = 136 beside
# 576 / 32 x 34 = 612, 748 B a layer.
run --model deepseek-v3.2 --seq 1000 --engine llama.cpp --dtype q8_0 --format json
is index_bytes_per_token 136 "llama.cpp: the key in q8_0"
is bytes_per_token 748 "llama.cpp: 612 + 136"

# SGLang (PR #11309, October 2025, so before 0.5.10: DeepSeek-V3.2-Exp,
# 8 x B200, --tp 8 --dp 8 --enable-dp-attention, fp8, which flashmla_kv
# kept with fp8_ds_mla's scales): "KV Cache is allocated. #tokens:
# 975424, KV size: 43.67 GB".  A token 61 x (656 + 132) = 48,068 B, so
# 975,424 x 48,068 = 46,886,680,832 B of budget; the pools (975,424 + 64)
# x 61 x 656 + 15,242 pages x 64 x 132 x 61 = 46,889,757,184 B, 43.67 GiB.
run --model deepseek-v3.2 --seq 8192 --engine sglang --tp 8 --dp 8 --enable-dp-attention \
	--dtype fp8 --kv-budget 46886680832 --gpu b200 --weights-dtype fp8 --sglang-version 0.5.4
has_line "SGLang's published line" "    KV Cache is allocated. #tokens: 975424, KV size: 43.67 GB"
check "... fp8 as fp8_ds_mla then" grep -Fq "cache latent fp8_ds_mla (no V) (fp8 asked: on b200,\
 SGLang's DSA backend on sm_100 keeps fp8_e4m3 with fp8_ds_mla's scales)" "$work/out"
# From 0.5.10 (PR #21914) fp8 on Blackwell takes the trtllm backends,
# which keep the latent's raw 576 B (calculate_mla_kv_cache_dim): 61 x
# (576 + 132) = 43,188 B a token, so the same budget holds
# 46,886,680,832 // 43,188 = 1,085,641 tokens, 1,085,632 in pages of 64;
# the pools (1,085,632 + 64) x 61 x 576 + 16,964 pages x 64 x 132 x 61 =
# 46,889,038,848 B, 43.67 GiB.
run --model deepseek-v3.2 --seq 8192 --engine sglang --tp 8 --dp 8 --enable-dp-attention \
	--dtype fp8 --kv-budget 46886680832 --gpu b200 --weights-dtype fp8
has_line "SGLang now: trtllm's raw latent" "    KV Cache is allocated. #tokens: 1085632, KV size: 43.67 GB"
check "... fp8 as given" grep -Fq "cache latent fp8 (no V), weights" "$work/out"
check "DeepSeek-V3.2's weights under data-parallel attention, as DeepSeek's" sh -c \
	'! grep -q "data-parallel attention was read" "$1"' sh "$work/err"
check "SGLang's dsa backend and pages of 64" grep -Fq "page size 64" "$work/out"

# vLLM: FLASHMLA_SPARSE on the H200 keeps fp8 as fp8_ds_mla (656 + 132 =
# 788 B a layer); FLASHINFER_MLA_SPARSE on the B200 keeps fp8's 576 (708),
# and the B200 is planned again with its own: 61 x 8,192 x 708 =
# 353,796,096 B against 393,773,056.
run --model deepseek-v3.2 --seq 8192 --engine vllm --tp 8 --gpu h200,b200 --weights-dtype fp8 \
	--dtype fp8
check "the H200's backend and blocks" grep -Fq \
	"Engine vllm (blocks of 64 tokens, FLASHMLA_SPARSE's on h200)" "$work/out"
check "the plan's cache type, fp8_ds_mla" grep -Fq "cache latent fp8_ds_mla (no V)" "$work/out"
check "the H200's rows" grep -Eq "^  mla latent\+indexer +61 +8,192 +788 +393,773,056$" "$work/out"
check "the B200's own" grep -Fxq \
	"  cache fp8 (its FLASHINFER_MLA_SPARSE backend): allocates 2,830,368,768 B" "$work/out"
run --model deepseek-v3.2 --engine vllm --tp 8 --gpu h200,b200 --weights-dtype fp8 --dtype fp8 \
	--sweep seq=8192..8192,batch=1..1 --format csv
check "sweep: the H200's row, its type" grep -Fq \
	"deepseek-v3.2,vllm,fp8_ds_mla,fp8_ds_mla,h200,8192,1,393773056," "$work/out"
check "sweep: the B200's row" grep -Fq "deepseek-v3.2,vllm,fp8,fp8,b200,8192,1,353796096," "$work/out"

# Each GPU's row has its own cache type's figures: a token 61 x 788 x 8 =
# 384,544 B on the H200, 61 x 708 x 8 = 345,504 on the B200.
run --model deepseek-v3.2 --seq 8192 --engine vllm --tp 8 --gpu h200,b200 --weights-dtype fp8 \
	--dtype fp8 --format csv
check "CSV: the H200's token" grep -q "^deepseek-v3.2,mla,61,128,128,192,8192,1,fp8,384544,.*,h200," "$work/out"
check "CSV: the B200's token" grep -q "^deepseek-v3.2,mla,61,128,128,192,8192,1,fp8,345504,.*,b200," "$work/out"
run --model deepseek-v3.2 --seq 8192 --engine vllm --tp 8 --gpu h200,b200 --weights-dtype fp8 \
	--dtype fp8 --explain
check "--explain: the B200 planned again with its cache type" grep -Fq \
	"planned again with cache fp8 (its FLASHINFER_MLA_SPARSE backend): 2,830,368,768 B in all" \
	"$work/out"
# The other engines' bars take the type asked, not fp8_ds_mla: SGLang and
# TensorRT-LLM draw theirs (llama.cpp has no fp8).
run --model deepseek-v3.2 --seq 8192 --engine vllm --tp 8 --gpu h100 --weights-dtype fp8 \
	--dtype fp8 --chart "$work/e.gp" --chart-kind engines
check "engines chart: no SGLang bar lost" sh -c '! grep -q "no sglang bar" "$1"' sh "$work/err"
check "engines chart: no TensorRT-LLM bar lost" sh -c '! grep -q "no trtllm bar" "$1"' sh "$work/err"

# config.json: the rebuilt fixture reads as the catalogue does.
run --config "$KVPLAN_SRCDIR/tests/configs/deepseek-v3.2/config.json" --seq 1000 --format json
is index_head_dim 128 "config.json: index_head_dim"
is kv_bytes_per_token 78324 "config.json: 61 x 1,284"

# SGLang's auto (kvplan's fp16: SGLang has no float16 cache) is fp8_e4m3
# for DeepSeek DSA from SM100, bfloat16 below: on the B200 the same
# lines without --dtype fp8; on the H100 beside it 16 bits, (512 + 64) x
# 2 + 132 = 1,284 B a layer.
run --model deepseek-v3.2 --seq 8192 --engine sglang --tp 8 --dp 8 --enable-dp-attention \
	--kv-budget 46886680832 --gpu b200,h100 --weights-dtype fp8 --sglang-version 0.5.4
has_line "SGLang's auto on the B200: fp8, the published line" \
	"    KV Cache is allocated. #tokens: 975424, KV size: 43.67 GB"
run --model deepseek-v3.2 --seq 8192 --engine sglang --tp 8 --dp 8 --enable-dp-attention \
	--kv-budget 46886680832 --gpu b200,h100 --weights-dtype fp8
has_line "... and now, trtllm's" "    KV Cache is allocated. #tokens: 1085632, KV size: 43.67 GB"
check "the header says why" grep -Fq \
	"cache latent fp8 (no V) (fp16 asked: on b200, SGLang's auto for DeepSeek DSA on sm_100: fp8_e4m3)" \
	"$work/out"
check "the H100 keeps 16 bits" grep -Fq \
	"  cache fp16 (SGLang's auto for DeepSeek DSA on sm_90: bfloat16)" "$work/out"
# The sweep's rows name each GPU's type: 61 x 1,024 x 708 = 44,224,512 B
# on the B200 (page 64: 1,024 rows), 61 x 1,024 x 1,284 = 80,203,776 on
# the H100, each with a page of padding (64 x 708 x 61 = 2,764,032 and 64
# x 1,284 x 61 = 5,012,736).
run --model deepseek-v3.2 --engine sglang --gpu b200,h100 --sweep seq=1024..1024 --format csv
check "sweep: SGLang's fp8 on the B200" grep -Fq \
	"deepseek-v3.2,sglang,fp8,fp8,b200,1024,1,46988544," "$work/out"
check "sweep: 16 bits on the H100" grep -Fq \
	"deepseek-v3.2,sglang,fp16,fp16,h100-sxm,1024,1,85216512," "$work/out"
# Its advice: bf16 asked does not fit; fp16 would be its auto, fp8 on the
# B200, so the 16-bit type tried is bf16, and the one that fits fp8.
run --model deepseek-v3.2 --seq 163840 --batch 8 --engine sglang --tp 8 --gpu b200 --dtype bf16 \
	--weights-dtype fp8 --format json
check "advice: fp8, not fp16" grep -Fq '"cache_type": "fp8"' "$work/out"
run --model deepseek-v3.2 --seq 8192 --engine sglang --gpu b200 --dtype bf16 --format json
is bytes_per_token 1284 "SGLang: bf16 given stays bf16 on the B200"
expect_error "SGLang: no fp32 DSA cache" \
	"SGLang keeps DeepSeek Sparse Attention's cache in bf16 or fp8_e4m3 only, not fp32" \
	--model deepseek-v3.2 --seq 1000 --engine sglang --dtype fp32

# vLLM has no sparse backend on an A100 (sm_80): said, once per such GPU.
run --model deepseek-v3.2 --seq 8192 --engine vllm --tp 8 --gpu h100,a100
check "vLLM: no sparse backend on the A100" grep -Fq \
	"a100-80g: vLLM has no sparse MLA attention backend kvplan knows for an fp16 cache on sm_80" \
	"$work/err"
check "... planned with vLLM's 16" grep -Fq "planned with blocks of 16 anyway" "$work/err"
run --model deepseek-v3.2 --seq 8192 --engine vllm --tp 8 --gpu a100 --block-size 32
check "... or the block given" grep -Fq "planned with blocks of 32 anyway" "$work/err"
check "... and none said of the H100" sh -c '! grep -q "h100-sxm: vLLM has no sparse" "$1"' \
	sh "$work/err"
# ROCm: ROCM_AITER_MLA_SPARSE, vLLM's 16 there, fp8 plain since 0.21
# (576 + 132 = 708 B a layer); before, 16 bits in blocks of 1, and fp8
# taken by no backend.
run --model deepseek-v3.2 --seq 8192 --engine vllm --tp 8 --gpu mi355x --dtype fp8
check "vLLM on ROCm: its sparse backend" grep -Fq \
	"Engine vllm (blocks of 16 tokens, ROCM_AITER_MLA_SPARSE's on mi355x)" "$work/out"
check "... fp8 plain" grep -Eq "^  mla latent\+indexer +61 +8,192 +708 " "$work/out"
check "... and no warning" sh -c '! grep -q "vLLM has no sparse" "$1"' sh "$work/err"
run --model deepseek-v3.2 --seq 8192 --engine vllm --tp 8 --gpu mi355x --vllm-version 0.20
check "vLLM 0.20 on ROCm: blocks of 1" grep -Fq \
	"Engine vllm (blocks of 1 tokens, ROCM_AITER_MLA_SPARSE's on mi355x)" "$work/out"
run --model deepseek-v3.2 --seq 8192 --engine vllm --tp 8 --gpu mi355x --vllm-version 0.20 --dtype fp8
check "... and no fp8 then" grep -Fq "mi355x: vLLM has no sparse MLA attention backend kvplan\
 knows for an fp8 cache on gfx950" "$work/err"

# llama.cpp's llama_kv_cache_dsa: the latent's cache, then the indexer's,
# at 8,192 cells 61 x 8,192 x 1,152 = 549 MiB and 61 x 8,192 x 256 =
# 122 MiB (f16).
run --model deepseek-v3.2 --seq 8192 --engine llama.cpp --gpu h100
check "llama.cpp: the main cache" grep -Fxq \
	"    llama_kv_cache_dsa: creating main KV cache, size = 8192 cells" "$work/out"
check "llama.cpp: the indexer's cache" grep -Fxq \
	"    llama_kv_cache_dsa: creating indexer KV cache, size = 8192 cells" "$work/out"
check "llama.cpp: the indexer's line" grep -Fxq \
	"    llama_kv_cache: size =  122.00 MiB (  8192 cells,  61 layers,  1/1 seqs), K (f16):  122.00 MiB, V (f16):    0.00 MiB" \
	"$work/out"

# The catalogue's GLM-5 and its config.json: 78 layers of (512 + 64) x 2
# + 132 = 1,284 B, 100,152 B a token; the file's head_dim 64 is the rope
# part, the K head 192 + 64 = 256.
run --model glm-5 --seq 1000 --format json
is kv_bytes_per_token 100152 "GLM-5: 78 x 1,284"
run --config "$KVPLAN_SRCDIR/tests/configs/glm-5/config.json" --seq 1000 --format json
is kv_bytes_per_token 100152 "GLM-5's config.json: 78 x 1,284"
is head_dim 256 "GLM-5's config.json: a K head of 192 + 64"

# Published runs of GLM-5's shape (GLM-5.1 and GLM-5 FP8 have its
# config): the budget each logged, to the block, gives the tokens each
# logged.  vLLM's lines round the budget to 0.01 GiB, so the budget here
# is the whole blocks it holds: a block is 64 tokens x 78 layers x the
# layer's bytes.
# - vLLM 0.19.1rc1 (a commit bisect's saved logs, GLM-5.1-FP8, 8 x H200,
#   --tensor-parallel-size 8 --enforce-eager, cache auto: bf16, "Setting
#   kv cache block size to 64 for DEEPSEEK_V32_INDEXER backend"):
#   "Available KV cache memory: 32.06 GiB", "GPU KV cache size: 343,744
#   tokens", "Maximum concurrency for 202,752 tokens per request: 1.70x".
#   1,284 B a layer: 5,371 blocks of 64 x 78 x 1,284 = 6,409,728 B are
#   34,426,649,088 B (32.0623 GiB); one byte fewer holds 5,370.
run --model glm-5 --engine vllm --tp 8 --gpu h200 --seq 202752 --vllm-version 0.19 \
	--weights-dtype fp8 --kv-budget 34426649088
has_line "vLLM 0.19, GLM-5.1 on H200s: the tokens logged" "    GPU KV cache size: 343,744 tokens"
has_line "... and the concurrency" "    Maximum concurrency for 202,752 tokens per request: 1.70x"
run --model glm-5 --engine vllm --tp 8 --gpu h200 --seq 202752 --vllm-version 0.19 \
	--weights-dtype fp8 --kv-budget 34426649087
has_line "... a byte less, a block less" "    GPU KV cache size: 343,680 tokens"
# - vLLM 0.20.1 (the same bisect): "34.86 GiB", "373,696 tokens", "1.84x":
#   5,839 x 6,409,728 = 37,426,401,792 B.
run --model glm-5 --engine vllm --tp 8 --gpu h200 --seq 202752 --vllm-version 0.20 \
	--weights-dtype fp8 --kv-budget 37426401792
has_line "vLLM 0.20: the tokens logged" "    GPU KV cache size: 373,696 tokens"
has_line "... and the concurrency" "    Maximum concurrency for 202,752 tokens per request: 1.84x"
# - vLLM 0.22.1rc1, GLM-5-FP8 on H200s, --kv-cache-dtype fp8 (vllm
#   #44545: "434,048 tokens(24.85 GiB)"): fp8_ds_mla, 656 + 132 = 788 B a
#   layer, 6,782 blocks x 64 x 78 x 788 = 26,678,326,272 B (24.846 GiB).
run --model glm-5 --engine vllm --tp 8 --gpu h200 --seq 202752 --vllm-version 0.22 --dtype fp8 \
	--weights-dtype fp8 --kv-budget 26678326272
has_line "vLLM 0.22, fp8 as fp8_ds_mla: the tokens logged" "    GPU KV cache size: 434,048 tokens"
# - SGLang v0.5.8.post1 on ROCm (GLM-5-FP8, 8 x MI355X, --tp-size 8
#   --kv-cache-dtype fp8_e4m3, "Setting page size to 1 for DeepSeek DSA on
#   ROCm", mem_fraction_static=0.908): "KV Cache is allocated. #tokens:
#   3262823, KV size: 186.77 GB".  A token 78 x (656 + 132) = 61,464 B:
#   3,262,823 x 61,464 = 200,546,152,872 B of budget, and the pools
#   (3,262,823 + 1) x 78 x 656 B of latent and (3,262,823 + 2) x 78 x 132
#   of keys = 200,546,224,632 B, 186.77 GiB; its share, 0.908, is
#   kvplan's for the MI355X too.
run --model glm-5 --engine sglang --tp 8 --gpu mi355x --seq 8192 --dtype fp8 --weights-dtype fp8 \
	--kv-budget 200546152872
has_line "SGLang on MI355Xs, pages of 1: the line logged" \
	"    KV Cache is allocated. #tokens: 3262823, KV size: 186.77 GB"
check "... and its share" grep -Fq "mi355x: mem_fraction_static 0.908 (SGLang's default here" \
	"$work/out"

# GLM-5.2's indexer shared across layers (index_topk_freq 4,
# index_skip_topk_offset 3): the key in layers 0, 1, 2, 6, ..., 74, 21 of
# 78, so 21 x 1,284 + 57 x 1,152 = 92,628 B a token, from the catalogue,
# its config.json, a config with the freq alone (offset 2: layers 0, 1,
# 5, ..., 77, 21 again) and one with the pattern in letters.
run --model glm-5.2 --seq 1000 --format json
is kv_bytes_per_token 92628 "GLM-5.2: 21 x 1,284 + 57 x 1,152"
is indexed_layers 21 "GLM-5.2: 21 layers keep the key"
run --config "$KVPLAN_SRCDIR/tests/configs/glm-5.2/config.json" --seq 1000 --format json
is kv_bytes_per_token 92628 "GLM-5.2's config.json (indexer_types)"
glm52() {
	printf '%s\n' '{"model_type": "glm_moe_dsa", "num_hidden_layers": 78, "hidden_size": 6144,' \
		'"num_attention_heads": 64, "num_key_value_heads": 64, "kv_lora_rank": 512,' \
		'"qk_rope_head_dim": 64, "qk_nope_head_dim": 192, "v_head_dim": 256,' \
		"$1}" >"$work/glm52.json"
}
glm52 '"index_topk_freq": 4'
run --config "$work/glm52.json" --seq 1000 --format json
is kv_bytes_per_token 92628 "index_topk_freq 4, the offset's default 2"
letters=FFFSSS$(for i in $(seq 18); do printf FSSS; done)
glm52 "\"index_topk_pattern\": \"$letters\""
run --config "$work/glm52.json" --seq 1000 --format json
is kv_bytes_per_token 92628 "index_topk_pattern in letters"
run --model glm-5.2 --seq 1000
check "the model line says it" grep -Fq "sparse-attention indexer key 128 in 21 of the layers (shared)" \
	"$work/out"
run --model glm-5.2 --seq 1000 --explain
check "--explain: why the shared layers keep no key" grep -Fq "    no indexer key: these layers\
 reuse the top-k of the full layer before them (index_topk_freq 4, index_skip_topk_offset 3:\
 layer i keeps one when max(i - 3 + 1, 0) % 4 = 0)" "$work/out"
# llama.cpp, a published log (GLM-5.2 UD-Q5_K_XL, -c 524288, f16:
# dfch/biz.dfch.LlmOps @a57bc2de, its GLM-5.2 deployment session): the
# latents 524,288 x 78 x 1,152 B, the keys 524,288 x 21 x 256 B.
run --model glm-5.2 --seq 524288 --engine llama.cpp
has_line "llama.cpp's latent line" \
	"    llama_kv_cache: size = 44928.00 MiB (524288 cells,  78 layers,  1/1 seqs), K (f16): 44928.00 MiB, V (f16):    0.00 MiB"
has_line "... and its indexer's, 21 layers" \
	"    llama_kv_cache: size = 2688.00 MiB (524288 cells,  21 layers,  1/1 seqs), K (f16): 2688.00 MiB, V (f16):    0.00 MiB"

# SGLang's A/B of PR #30531 (4 x GB300, nvidia/GLM-5.2-NVFP4, --tp-size 4,
# EAGLE over the NextN layer, no cache flags: fp8 under trtllm, 576 B a
# latent): max_total_num_tokens 2,574,848 -> 3,002,752, "target KV pool
# 132.43 GB -> 133.40 GB", "draft (EAGLE) pool 1.70 GB -> 1.98 GB".
# After: a cell of 78 x 576 + 21 x 132 = 47,700 B, the draft's latent
# int(44,928 x 1 / 78) = 576 and key 132, 48,408 B; a budget of 3,002,752
# x 48,408 = 145,357,218,816 B gives its tokens, the pools (3,002,752 +
# 64) x 78 x 576 + 46,919 pages x 64 x 132 x 21 = 133.40 GiB and the
# draft's 3,002,816 x 708 = 1.98 GiB.  Before (0.5.17): every layer's
# key, 78 x 708 = 55,224 B, the draft int(55,224 x (1 + 1 / 78)) = 55,932
# B: 2,574,848 x 55,932 = 144,016,398,336 B.  The budgets are derived
# from the tokens (the memory left for them is not logged).
run --model glm-5.2 --engine sglang --tp 4 --gpu b300 --seq 8192 --mtp 1 --weights-dtype fp8 \
	--kv-budget 145357218816
has_line "SGLang, GLM-5.2 after PR #30531: the target pool" \
	"    KV Cache is allocated. #tokens: 3002752, KV size: 133.40 GB"
has_line "... and the draft's, which keeps its key" \
	"    KV Cache is allocated. #tokens: 3002752, KV size: 1.98 GB"
run --model glm-5.2 --engine sglang --tp 4 --gpu b300 --seq 8192 --mtp 1 --weights-dtype fp8 \
	--kv-budget 145357218815
has_line "... a byte less, a page less" \
	"    KV Cache is allocated. #tokens: 3002688, KV size: 133.39 GB"
run --model glm-5.2 --engine sglang --tp 4 --gpu b300 --seq 8192 --mtp 1 --weights-dtype fp8 \
	--kv-budget 144016398336 --sglang-version 0.5.17
has_line "... before it: the target pool" \
	"    KV Cache is allocated. #tokens: 2574848, KV size: 132.43 GB"
has_line "... and the draft's" "    KV Cache is allocated. #tokens: 2574848, KV size: 1.70 GB"

# TensorRT-LLM's fp4 indexer key (indexer_k_dtype fp4): 64 + 4 = 68 B
# beside fp8's 576, 644 a full layer; its Blackwell alone takes it.
run --model glm-5.2 --engine trtllm --tp 8 --gpu h200,b200 --seq 8192 --dtype fp8 \
	--weights-dtype fp8 --indexer-k-dtype fp4
check "TensorRT-LLM's fp4 key" grep -Eq "^  mla latent\+indexer +21 +8,192 +644 " "$work/out"
check "... not below sm_100" grep -Fxq "kvplan: warning: h200: TensorRT-LLM takes an fp4\
 indexer key on Blackwell (sm_100) and later only, not sm_90; planned with it anyway" "$work/err"
check "... nor a word of the B200" sh -c '! grep -q "b200: TensorRT-LLM takes" "$1"' sh "$work/err"
run --model glm-5.2 --engine vllm --gpu h200 --seq 8192 --indexer-k-dtype fp4
check "another engine ignores it, and says so" grep -Fq \
	"kvplan: warning: --indexer-k-dtype is a trtllm setting; --engine vllm ignores it" "$work/err"
expect_error "an fp4 key without an indexer" \
	"llama3-8b: TensorRT-LLM keeps an fp4 indexer key \\(indexer_k_dtype\\) for an index_head_dim of 128; the model has no indexer" \
	--model llama3-8b --engine trtllm --seq 8192 --indexer-k-dtype fp4
expect_error "an indexer key type it has not" \
	"--indexer-k-dtype: unknown indexer key type 'fp6' \\(valid: fp8, fp4\\)" \
	--model glm-5.2 --engine trtllm --seq 8192 --indexer-k-dtype fp6

# Refused, one line each.
glm52 '"index_topk_pattern": "FFS"'
expect_error "a pattern of the wrong length" \
	"index_topk_pattern: 3 letters for 78 layers" --config "$work/glm52.json" --seq 1000
glm52 "\"index_topk_pattern\": \"SF${letters#FF}\""
expect_error "layer 0 shared" \
	"layer 0, its first MLA layer, shares the indexer's top-k of no layer before it" \
	--config "$work/glm52.json" --seq 1000
glm52 "\"index_topk_pattern\": \"FFX${letters#FFF}\""
expect_error "a letter that is not F or S" \
	"index_topk_pattern: letter 3 is not F \\(full\\) or S \\(shared\\)" \
	--config "$work/glm52.json" --seq 1000
glm52 '"index_topk_freq": 4, "index_skip_topk_offset": 0'
expect_error "offset 0" "index_skip_topk_offset: 0 makes layer 0 share" \
	--config "$work/glm52.json" --seq 1000
# A profile's rule without an indexer, blamed at its line.
mkdir -p "$work/data/models"
printf 'name: s\nlayers: 4\nheads: 8\nkv_heads: 8\nhead_dim: 64\nkv_lora_rank: 512\nqk_rope_dim: 64\nindex_topk_freq: 4\n' \
	>"$work/data/models/s.yaml"
expect_error "a profile's index_topk_freq without index_head_dim" \
	"^kvplan: $work/data/models/s.yaml:8:1: s: index_topk_freq says which layers keep a sparse-attention indexer key, but the model has no indexer \\(index_head_dim\\)" \
	--data-dir "$work/data" --model s --seq 1
expect_error "SGLang's --dcp with an indexer" \
	"kvplan does not follow SGLang's decode context parallelism \\(--dcp\\) with a sparse-attention indexer" \
	--model deepseek-v3.2 --seq 1000 --engine sglang --tp 8 --dcp 8
expect_error "vLLM's --dcp with an indexer" \
	"kvplan does not follow vLLM's decode context parallelism \\(--dcp\\) with a sparse-attention indexer" \
	--model deepseek-v3.2 --seq 1000 --engine vllm --tp 8 --dcp 8
expect_error "an indexer without MLA" "index_head_dim 128 is DeepSeek Sparse Attention's indexer, which needs MLA" \
	--model llama3-8b --index-head-dim 128 --seq 1000
glm52 "\"indexer_types\": [\"shared\"$(for i in $(seq 77); do printf ', "full"'; done)]"
expect_error "indexer_types with layer 0 shared, named at its key" \
	"glm52.json: indexer_types: entry 0 is \"shared\": layer 0 has no full layer before it" \
	--config "$work/glm52.json" --seq 1000
glm52 '"index_topk": 0'
expect_error "index_topk 0" "index_topk: 0 selects no token" --config "$work/glm52.json" --seq 1000
glm52 '"index_n_heads": 0'
expect_error "index_n_heads 0" "index_n_heads: 0: the indexer has query heads" \
	--config "$work/glm52.json" --seq 1000
# A latent-attention type without its rank would be read as 64 plain
# heads, 41 times the size: refused.
printf '%s\n' '{"model_type": "glm_moe_dsa", "num_hidden_layers": 78, "hidden_size": 6144,' \
	'"num_attention_heads": 64, "qk_rope_head_dim": 64, "qk_nope_head_dim": 192}' \
	>"$work/nolatent.json"
expect_error "glm_moe_dsa without kv_lora_rank" \
	"kv_lora_rank: absent: model_type glm_moe_dsa is multi-head latent attention" \
	--config "$work/nolatent.json" --seq 1000
# A model_type that is not a string would be read by the generic rule.
sed 's/"model_type": "glm_moe_dsa"/"model_type": ["glm_moe_dsa"]/' \
	"$KVPLAN_SRCDIR/tests/configs/glm-5.2/config.json" >"$work/typed.json"
expect_error "a model_type that is a list" "model_type: expected a string, found an array" \
	--config "$work/typed.json" --seq 1000

# The tokens the indexer selects (index_topk: 2,048, GLM-5's config.json
# and the class default), and vLLM's buffer of their indices, int32
# [max_num_batched_tokens, index_topk] on every GPU, in the weights: on an
# H200, 8,192 x 2,048 x 4 = 67,108,864 B; with its MTP drafter's own
# (from 0.23) twice that.
run --model glm-5 --seq 1000 --format json
is index_topk 2048 "GLM-5's index_topk"
glm52 '"index_topk_freq": 4'
run --config "$work/glm52.json" --seq 1000 --format json
is index_topk 2048 "index_topk absent: the class's 2048"
run --model glm-5 --engine vllm --tp 8 --gpu h200 --seq 8192 --weights-dtype fp8 --format json
is topk_buffer_bytes 67108864 "vLLM's buffer of selected indices on an H200"
is topk_row_bytes 8192 "... a batched token's row"
run --model glm-5 --engine vllm --tp 8 --gpu h200 --seq 8192 --weights-dtype fp8 --mtp 1 --format json
is topk_buffer_bytes 134217728 "... and the MTP drafter's own"
# vLLM from 0.20 keeps the indexer's wk in bf16 (PR #38928): 78 x 6,144
# x 128 x 1 B more a GPU over fp8 (61,341,696), less the 19 B of fp8
# scales (4 B a quantized tensor, each expert's three too) the estimate's
# rate a parameter gives them.
run --model glm-5 --engine vllm --tp 8 --gpu h200 --seq 8192 --weights-dtype fp8 --vllm-version 0.20 \
	--format json
is indexer_upcast_bytes 61341677 "vLLM 0.20: wk in bf16"
# GLM-5.1-FP8 on 8 x H200, vLLM 0.19 (above): the weights a GPU and the
# memory available, against the logged 89.34 GiB and 32.06 GiB (the
# profile's exact 743,911,218,432 parameters without the MTP layer; 744e9
# gave 89.03 and 31.97); the
# profile run's peak with the fused-MoE workspace, 8,192 tokens x 2 x (8
# x max(2,048 / 8, 6,144) + 8 x max(512, 6,144)) = 8,192 x 196,608 B.
run --model glm-5 --engine vllm --tp 8 --gpu h200 --seq 202752 --vllm-version 0.19 \
	--weights-dtype fp8 --profile-memory --enforce-eager --explain
has_line "vLLM 0.19, GLM-5.1: the cache's memory" "    Available KV cache memory: 31.98 GiB"
check "... the fused-MoE workspace in its peak" grep -Fq "fused-MoE workspace (triton) 8,192 x 196,608" \
	"$work/out"
check "... and the weights a GPU" grep -Eq "^h200 +89\.02 GiB" "$work/out"
# vLLM before 0.24 built the indexer, and its key, in every layer
# (PR #45895): GLM-5.2 in bf16, 78 x 1,284 = 100,152 B a token.
run --model glm-5.2 --engine vllm --gpu h200 --seq 1000 --vllm-version 0.23 --format json
is kv_bytes_per_token 100152 "vLLM 0.23: GLM-5.2's key in every layer"
run --model glm-5.2 --engine vllm --gpu h200 --seq 1000 --vllm-version 0.24 --format json
is kv_bytes_per_token 92628 "vLLM 0.24: the full layers alone"
# --mla expanded under vLLM: one warning that says why, not one a GPU
# that no backend takes a 16-bit cache.
run --model deepseek-v3.2 --seq 4096 --engine vllm --gpu h100-sxm,b200 --mla expanded
check "vLLM, a sparse model expanded: why, once" sh -c \
	'[ "$(grep -c "latent alone" "$1")" = 1 ] && ! grep -q "no sparse MLA attention backend" "$1"' \
	sh "$work/err"
# vLLM on compute capability 12.x: FLASHINFER_MLA_SPARSE_SM120 from 0.24
# (fp8) and 0.27 (auto, kvplan's 16 bits), blocks of 64, the latent as
# fp8_ds_mla whatever the type: GLM-5.2 78 x 656 + 21 x 132 = 53,940 B a
# token.  Before, no backend: a warning.
run --model glm-5.2 --engine vllm --gpu rtx5090 --seq 1000 --format json
is kv_bytes_per_token 53940 "vLLM on an RTX 5090: fp8_ds_mla for auto"
is attention_backend "\"FLASHINFER_MLA_SPARSE_SM120\"" "... FLASHINFER_MLA_SPARSE_SM120"
is block_size 64 "... blocks of 64"
run --model glm-5.2 --engine vllm --gpu rtx5090 --seq 1000 --vllm-version 0.24 --dtype fp8 \
	--format json
is kv_bytes_per_token 53940 "vLLM 0.24, fp8 on an RTX 5090"
run --model glm-5.2 --engine vllm --gpu rtx5090 --seq 1000 --vllm-version 0.26 --format json
check "vLLM 0.26, auto on an RTX 5090: a warning" grep -q \
	"rtx5090: vLLM has no sparse MLA attention backend kvplan knows for an fp16 cache on sm_120" \
	"$work/err"
# ... and only where the top-k buffer is 2,048 wide (index_topk rounded
# up to 128; its supports_combination): a top-k of 1,024 finds none, one
# of 1,990 rounds to it.
glm52 '"index_topk_freq": 4, "index_topk": 1024'
run --config "$work/glm52.json" --engine vllm --gpu rtx5090 --seq 1000 --format json
check "vLLM on an RTX 5090, index_topk 1024: a warning" grep -q \
	"rtx5090: vLLM has no sparse MLA attention backend.*an index_topk of 2048" "$work/err"
glm52 '"index_topk_freq": 4, "index_topk": 1990'
run --config "$work/glm52.json" --engine vllm --gpu rtx5090 --seq 1000 --format json
is attention_backend "\"FLASHINFER_MLA_SPARSE_SM120\"" "index_topk 1990: a 2,048-wide buffer"
# TensorRT-LLM's fp4 key, worked in --explain.
run --model glm-5.2 --seq 4096 --engine trtllm --indexer-k-dtype fp4 --gpu b200 --explain
check "--explain: the fp4 key" grep -Fq "indexer key (sparse attention): index_head_dim 128 / 2 B\
 (fp4, two a byte) + 4 B of scales = 68 B per token" "$work/out"

done_testing
