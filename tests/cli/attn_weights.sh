# attn_weights.sh — what a GPU holds of the attention's weights past its
# even share: a kv head's K and V whole where the kv heads are fewer than
# tp; and SGLang's data-parallel attention (--enable-dp-attention):
# tp GPUs, not tp x dp, whose attention runs in dp groups of tp / dp; the
# attention's weights over tp / dp, the embedding whole, the rest over tp;
# its bf16 w_kc and w_vc beside every kv_b_proj; and max_bs x dp x 4.5 MiB
# more held back.  Figures worked by hand here and in
# tests/test_attn_weights.c.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# DeepSeek-V3 in fp16 at --tp 16 --dp 8: attention tp 2.
#   attention: 61 x (1,536 x 128 x 192 + 512 x 128 x 256 + 128 x 128 x
#   7,168) = 10,489,954,304 parameters, 20,979,908,608 B, half a GPU;
#   w_kc and w_vc of 64 heads: 61 x 64 x 256 x 512 x 2 = 1,023,410,176;
#   whole: 2,059,796,480 (MLA down-projections, routers) and the
#   embedding 129,280 x 7,168 x 2 = 1,853,358,080;
#   the rest of the model's 671,026,419,200 parameters (its profile's
#   count without the MTP layer), 1,342,052,838,400 - 20,979,908,608 -
#   2,059,796,480 - 1,853,358,080 = 1,317,159,775,232, ceil(/ 16) =
#   82,322,485,952;
#   the rotary table in fp32 (rotary_embedding.py), 4,096 x 40 = 163,840
#   rows, grown after loading to the context (163,840: the scaling names
#   its original) + 256, 164,096 x 64 x 4 B = 42,008,576.
#   A GPU: 97,791,013,568 B.
# The share: 512 + 8,192 x 1.5 + 16 / 8 x 1,024 + 512 x 2 + 512 x 8 x 4.5
# + 1,536 = 35,840 MiB of 144,384: 0.752; usable floor(151,397,597,184 x
# 0.752) = 113,850,993,082; for the cache 16,059,979,514 B, at 576 x 2 x
# 61 = 70,272 B a token 228,540 tokens.  The cache on 16 GPUs, not 128.
run --model deepseek-v3 --seq 8192 --engine sglang --tp 16 --dp 8 --enable-dp-attention --gpu h200 --explain
has_line "16 GPUs" "Parallel: tp 16, pp 1, dp 8 (16 GPUs); 64 kv heads per GPU"
has_line "the groups and the parts" \
	"  data-parallel attention: 8 groups of tp 2, each serving its own requests; attention 20,979,908,608 B over tp 2, the embedding whole, the rest over tp 16"
has_line "the copies of kv_b_proj" "  beside each kv_b_proj: w_kc and w_vc, 1,023,410,176 B a GPU"
has_line "explain: the cache on 16 GPUs" \
	"  cache: 575,738,496 x tp 16 = 9,211,815,936 B (per-token caches 9,211,815,936 B, recurrent state 0 B)"
has_line "explain: the weights per GPU" \
	"    weights per GPU: the rest's 1,317,159,775,232 B, ceil(/ tp 16) + the attention's projections 20,979,908,608 B over tp 2, 10,489,954,304 B a GPU + the embedding 1,853,358,080 B whole + 2,059,796,480 B whole on every rank + w_kc/w_vc 1,023,410,176 B + the rotary table 42,008,576 B = 97,791,013,568 B"
has_line "explain: the share's data-parallel term" \
	"    mem_fraction_static: SGLang's default (memory_hook): gpu_mem 144384 MiB; reserved 512 + max(chunked_prefill_size 8192, 2048) x 1.5 + tp x pp / 8 x 1024 + cuda_graph_max_bs 512 x 2 + data-parallel attention's 512 x dp 8 x 4.5 + an MLA model's prefill CUDA graphs 1536 = 35840 MiB; round((144384 - 35840) / 144384, 3) = 0.752"
has_line "explain: the budget" \
	"    budget for the cache: 113,850,993,082 - 97,791,013,568 - reserve 0 = 16,059,979,514 B"
run --model deepseek-v3 --seq 8192 --engine sglang --tp 16 --dp 8 --enable-dp-attention --gpu h200 --format json
is attention_dp true "JSON: attention_dp"
is attention_tp 2 "JSON: the attention's tp"
is gpu_count 16 "JSON: the GPUs"
is attention_bytes 20979908608 "JSON: the attention's bytes"
is attention_gpu_bytes 10489954304 "JSON: a GPU's share of them"
is attention_copy_bytes 1023410176 "JSON: w_kc and w_vc"
is weights_per_gpu 97791013568 "JSON: the weights per GPU"
check "JSON: SGLang's share on the GPU" grep -q '^ *"mem_util": 0.752,$' "$work/out"
is capacity_tokens 228540 "JSON: the pool's tokens"

# With SGLang's DeepSeek deployment flags at tp 16, dp 8: the head
# 1,853,358,080 over tp 2, the dense MLPs 3 x 3 x 7,168 x 18,432 x 2 B =
# 2,378,170,368 and the shared experts 58 x 3 x 7,168 x 2,048 x 2 B =
# 5,108,662,272 whole, the routed experts whole, 16 of 256: 58 x 256 x 3
# x 7,168 x 2,048 x 2 B = 1,307,817,541,632, ceil(x 16 / 256) =
# 81,738,596,352.  The rest, the norms and routers' correction biases,
# 1,021,440 parameters, 2,042,880 B over tp 16: 127,680.  A GPU:
# 2,059,796,480 + 10,489,954,304 + 1,853,358,080 + 926,679,040 +
# 2,378,170,368 + 5,108,662,272 + 81,738,596,352 + 127,680 +
# 1,023,410,176 + 42,008,576 (the rotary table) = 105,620,763,328 B.  The share: 35,840 + DeepEP's 2,048 = 37,888 MiB,
# 0.738.
run --model deepseek-v3 --seq 8192 --engine sglang --tp 16 --dp 8 --enable-dp-attention --enable-dp-lm-head --moe-dense-tp-size 1 --moe-a2a-backend deepep --gpu h200 --format json
is dense_mlp_bytes 2378170368 "JSON: the dense MLPs, whole"
is shared_expert_bytes 5108662272 "JSON: the shared experts, whole"
is deepep true "JSON: DeepEP"
is weights_per_gpu 105620763328 "the deployment's weights a GPU"
check "... and SGLang's share with DeepEP" grep -q '^ *"mem_util": 0.738,$' "$work/out"
run --model deepseek-v3 --seq 8192 --engine sglang --tp 16 --dp 8 --enable-dp-attention --enable-dp-lm-head --moe-dense-tp-size 1 --moe-a2a-backend deepep --gpu h200
has_line "the placement line" \
	"  SGLang's placement: the head over tp 2; the dense MLPs whole (2,378,170,368 B); DeepEP: the routed experts whole, at most 16 of 256 a layer on a GPU, the shared experts whole (5,108,662,272 B)"
expect_error "--moe-dense-tp-size takes 1 alone" \
	"^kvplan: --moe-dense-tp-size: unknown size '2' \\(valid: 1\\)$" \
	--model deepseek-v3 --seq 8192 --engine sglang --moe-dense-tp-size 2 --gpu h200
expect_error "DeepEP with pipeline stages" \
	"^kvplan: deepseek-v3: SGLang's DeepEP backend is not modelled with pipeline stages$" \
	--model deepseek-v3 --seq 8192 --engine sglang --tp 8 --pp 2 --moe-a2a-backend deepep --gpu h200

# At tp 8, dp 8 (attention tp 1) the weights are 191,578,250,624 B a GPU
# for a count of 671e9 (tests/test_attn_weights.c), the profile's exact
# 671,026,419,200 adding 52,838,400 B over tp 8; with the rotary table
# (42,008,576) 191,626,864,000, past the usable floor(151,397,597,184 x
# 0.759) = 114,910,776,262; tp 16 fits, and min-gpus searches tp from dp.
run --model deepseek-v3 --seq 8192 --engine sglang --tp 8 --dp 8 --enable-dp-attention --gpu h200
has_line "does not fit, and the GPUs that do" \
	"h200: does not fit: the weights (191,626,864,000 B per GPU) and the reserve exceed the usable 114,910,776,262 B; fits with 16 GPUs (tp 16, in dp 8 attention groups)"
run --model deepseek-v3 --seq 8192 --engine sglang --dp 8 --enable-dp-attention --gpu h200 --solve min-gpus
has_line "min-gpus" "h200: min-gpus = 16 (tp 16, in dp 8 attention groups)"

# Without it SGLang's --dp is whole replicas: tp 8 x dp 8 = 64 GPUs, each
# ceil((1,342,052,838,400 - 2,059,796,480) / 8) + 2,059,796,480 +
# 61 x 16 x 256 x 512 x 2 (w_kc, w_vc) + 42,008,576 (the rotary table) =
# 169,856,787,840 B; at dp 1 the
# flag changes nothing (SGLang turns it off).
run --model deepseek-v3 --seq 8192 --engine sglang --tp 8 --dp 8 --gpu h200 --format json
is weights_per_gpu 169856787840 "replicas: the weights per GPU"
is cache_total_bytes 36847263744 "replicas: the cache on 64 GPUs, 575,738,496 x 64"
run --model deepseek-v3 --seq 8192 --engine sglang --tp 8 --enable-dp-attention --gpu h200 --format json
is weights_per_gpu 169856787840 "dp 1: as without"
is attention_dp false "dp 1: JSON says it is off"

# Llama 3 70B at tp 8, dp 2 (attention tp 4): 2 kv heads a GPU, and a
# warning that llama.py was not read for it.
run --model llama3-70b --seq 8192 --engine sglang --tp 8 --dp 2 --enable-dp-attention --gpu h100-sxm
has_line "GQA: kv heads over the attention's tp" "Parallel: tp 8, pp 1, dp 2 (8 GPUs); 2 kv heads per GPU"
check "a model whose code was not read is said so" test "$(cat "$work/err")" = \
	"kvplan: warning: llama3-70b: SGLang's data-parallel attention was read in its DeepSeek, Qwen 2 and 3 and Llama 4 models; model_type 'llama' is taken to place its weights as they do"

# min-gpus under it tries tp = dp x each divisor of the heads: Qwen2.5
# Coder 32B's 40 heads at dp 8, tp 8 then 16 (each dividing the MLP's
# 27,648 inner channels); tp 16 is the first that fits here.
run --model qwen2.5-coder-32b --seq 32768 --batch 4 --engine sglang --dp 8 --enable-dp-attention --gpu h100-sxm --solve min-gpus
has_line "min-gpus: tp a multiple of dp" "h100-sxm: min-gpus = 16 (tp 16, in dp 8 attention groups)"
run --model qwen2.5-coder-32b --seq 32768 --batch 4 --engine sglang --dp 8 --tp 8 --enable-dp-attention --gpu h100-sxm --format json
is fits_hbm false "... tp 8 does not fit"
# A GPU's 2 kv heads of Llama 3 70B at attention tp 4: 2 x (128 + 128) x
# 2 B = 1,024 a layer, over the 4 GPUs of a group 327,680 B a token.
run --model llama3-70b --seq 8192 --engine sglang --tp 8 --dp 2 --enable-dp-attention --gpu h100-sxm --explain
has_line "explain: the per-token line over the attention's tp" \
	"  per token, every layer holding every token: (80 x 1,024) x attention tp 4 = 327,680 B"
expect_error "the attention's tp named as given" \
	"^kvplan: qwen3-32b: attention tp 6 \\(tp 48 / dp 8\\) does not divide its 64 query heads$" \
	--model qwen3-32b --seq 8192 --engine sglang --tp 48 --dp 8 --enable-dp-attention --gpu h200
expect_error "the MLP's inner size over tp" \
	"^kvplan: qwen3-32b: SGLang splits the MLP's 25600 inner channels over tp 6, which does not divide them$" \
	--model qwen3-32b --seq 8192 --engine sglang --tp 6 --dp 3 --enable-dp-attention --gpu h200
# Weights past 64 bits saturate: they fit no GPU, the copies beside them
# too (not wrapped to a small figure).
run --model deepseek-v3 --params 18446744073709551000 --weights-dtype int8 --engine sglang --gpu h200 --seq 1024 --format json
is weights_per_gpu 18446744073709551615 "saturated weights"
is fits_hbm false "... which fit no GPU"

expect_error "dp does not divide tp" \
	"^kvplan: deepseek-v3: SGLang's data-parallel attention splits the tp 8 GPUs into dp 3 groups, and 3 does not divide 8$" \
	--model deepseek-v3 --seq 8192 --engine sglang --tp 8 --dp 3 --enable-dp-attention --gpu h200
expect_error "pipeline stages refused" \
	"^kvplan: deepseek-v3: SGLang's data-parallel attention is not modelled with pipeline stages$" \
	--model deepseek-v3 --seq 8192 --engine sglang --tp 8 --pp 2 --dp 2 --enable-dp-attention --gpu h200
expect_error "recurrent layers refused" \
	"^kvplan: qwen3-next-80b-a3b: SGLang's data-parallel attention is not modelled for recurrent layers$" \
	--model qwen3-next-80b-a3b --seq 8192 --engine sglang --tp 8 --dp 2 --enable-dp-attention --gpu h200
run --model deepseek-v3 --seq 8192 --engine vllm --tp 8 --dp 2 --enable-dp-attention --gpu h200
check "vLLM warns of it" test "$(cat "$work/err")" = \
	"kvplan: warning: --enable-dp-attention is a sglang setting; --engine vllm ignores it"
run --model deepseek-v3 --seq 8192 --engine sglang --tp 8 --dp 2 --enable-attention-dp --gpu h200 --format json
is attention_dp false "TensorRT-LLM's flag leaves SGLang's off"

# A published log: vllm #16692 (v0.8.4, DeepSeek-R1 in fp8 at tp 16 with
# expert parallelism), "Model loading took 40.3174 GiB", 43,290,478,615 B.
# kvplan's weights a GPU, with the bf16 copy of each kv_b_proj vLLM's MLA
# keeps for fp8 weights (61 x 8 x 256 x 512 x 2 = 127,926,272 B) and the
# routers 16-bit, and its rotary table (163,840 x 64 x 2 = 20,971,520 B),
# within 0.5 % under it (small buffers are not counted): 43,274,247,950
# B, -0.04 %.
run --model deepseek-v3 --seq 4096 --engine vllm --tp 16 --enable-expert-parallel --weights-dtype fp8 --vllm-version 0.8.4 --gpu h200 --format json
w=$(json_value weights_per_gpu)
check "vllm #16692: within 0.5 % under the log ($w B)" \
	awk -v w="$w" 'BEGIN { exit !(w <= 43290478615 && w >= 43290478615 * 0.995) }'

# The rates of the parts: gpt-oss-120b's attention stays 16-bit under
# MXFP4, 36 x (2 x 2,880 x 64 x 64 + 2 x 2,880 x 8 x 64) = 955,514,880
# parameters, 1,911,029,760 B (not at 17/32 B); vLLM's MLA copies any
# quantized kv_b_proj, AWQ's too: 61 x 16 x 256 x 512 x 2 = 255,852,544 B
# a GPU at tp 8; DeepSeek-V3's whole weights in fp8, its 106,430,464
# router parameters at 2 B (212,860,928) and its 923,467,776
# down-projection parameters at fp8's rate, 1 B and the estimate's
# 4 B of scale for each of its 5 x 61 + 3 x (58 x 256 + 58 + 3) quantized
# tensors over its 669,039,329,792 linear parameters (923,468,024):
# 1,136,328,952 B.
run --model gpt-oss-120b --seq 4096 --engine sglang --tp 8 --dp 8 --enable-dp-attention --weights-dtype mxfp4 --gpu h200 --format json
is attention_bytes 1911029760 "MXFP4 leaves the attention 16-bit"
run --model deepseek-v3 --seq 4096 --engine vllm --tp 8 --weights-dtype int4-awq:g128 --gpu h200 --format json
is attention_copy_bytes 255852544 "vLLM: the bf16 copy of an AWQ kv_b_proj"
run --model deepseek-v3 --seq 4096 --engine vllm --tp 8 --weights-dtype fp8 --gpu h200 --format json
is replicated_bytes 1136328952 "fp8: the routers whole at 2 B"
expect_error "--enable-dp-lm-head needs data-parallel attention" \
	"^kvplan: --enable-dp-lm-head: SGLang needs --enable-dp-attention with it$" \
	--model deepseek-v3 --seq 8192 --engine sglang --tp 8 --enable-dp-lm-head --gpu h200

# --explain gives a stage its own MLA layers' copies: DeepSeek-V3 at tp 8,
# pp 2 under SGLang, 16 x 256 x 512 x 2 = 4,194,304 B a layer, 30 layers
# on stage 0 (125,829,120) and 31 on stage 1 (130,023,424).
run --model deepseek-v3 --seq 4096 --engine sglang --tp 8 --pp 2 --gpu h200 --explain
check "explain: stage 0's copies" grep -q "of stage 0: .* + w_kc/w_vc 125,829,120 + the rotary table 42,008,576 = " "$work/out"
check "explain: stage 1's copies" grep -q "of stage 1: .* + w_kc/w_vc 130,023,424 + the rotary table 42,008,576 = " "$work/out"

# Llama 3 70B in fp16 at tp 16 under vLLM: 8 kv heads, so each GPU keeps
# one whole, 8,192 x 256 x (16 - 8) / 16 x 80 = 83,886,080 parameters past
# its share, 167,772,160 B; a GPU 141,107,412,992 / 16 + those + the
# rotary table (8,192 x 128 x 2 = 2,097,152) = 8,989,082,624 B.
run --model llama3-70b --seq 8192 --engine vllm --tp 16 --gpu h100-sxm --explain
has_line "kv heads replicated" \
	"  kv heads fewer than tp: each GPU holds a kv head's K and V weights whole, 167,772,160 B past its share"
has_line "explain: their bytes" \
	"    weights per GPU: 80 of 80 layers' + embedding + head, ceil(/ tp 16) + replicated kv heads' K and V 167,772,160 + the rotary table 2,097,152 = 8,989,082,624 B"
done_testing
