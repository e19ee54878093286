# moe_dp.sh — vLLM's data-parallel replicas of a mixture of experts share
# its routed experts: each MoE layer over tp x dp GPUs, the rest over tp
# (vllm/model_executor/layers/fused_moe/config.py, FusedMoEParallelConfig.
# make, 2026-11); TensorRT-LLM's attention data parallelism keeps every
# head and every weight but the experts whole on each rank.  Figures worked
# by hand here and in tests/test_moe_dp.c.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# DeepSeek-V3 in fp16: 58 routed layers x 256 x 3 x 7,168 x 2,048 =
# 653,908,770,816 expert parameters, 1,307,817,541,632 B; the other of
# its 671,026,419,200 (the profile's count without the MTP layer)
# 34,235,296,768 B.  At dp 8 each H200 holds 34,235,296,768 +
# 1,307,817,541,632 / 8 = 197,712,489,472 B, and the YaRN rotary table
# vLLM builds on each GPU, 4,096 x 40 positions x 64 x 2 B = 20,971,520 B:
# 197,733,460,992 B, past the usable
# ceil(151,397,597,184 x 0.92) = 139,285,789,410; tp 2 x dp 8 holds
# ceil((34,235,296,768 - 2,059,796,480) / 2) + 2,059,796,480 (the MLA
# down-projections and routers, whole on every rank, below) +
# 81,738,596,352 = 99,886,142,976, which fits.
run --model deepseek-v3 --seq 8192 --engine vllm --dp 8 --gpu h200
has_line "the experts over tp x dp" \
	"  routed experts: 1,307,817,541,632 B over tp x dp = 8 GPUs, each expert's inner size split; the rest over tp 1"
has_line "the weights per GPU, and the fewest GPUs with the replicas" \
	"h200: does not fit: the weights (197,733,460,992 B per GPU) and the reserve exceed the usable 139,285,789,410 B; fits with 16 GPUs (tp 2 x dp 8)"
run --model deepseek-v3 --seq 8192 --engine vllm --dp 8 --gpu h200 --solve min-gpus
has_line "min-gpus counts the replicas" "h200: min-gpus = 16 (tp 2 x pp 1 x dp 8)"
run --model deepseek-v3 --seq 8192 --engine vllm --dp 8 --gpu h200 --format json
is expert_bytes 1307817541632 "JSON: the experts' bytes"
is routed_experts 256 "JSON: a routed layer's experts"
is weights_per_gpu 197733460992 "JSON: the weights per GPU"
run --model deepseek-v3 --seq 8192 --engine vllm --dp 8 --gpu h200 --explain
has_line "explain: the weights per GPU" \
	"    weights per GPU: its experts' 1,307,817,541,632 B, ceil(/ 8), + the other weights' ceil(/ tp 1) + the rotary table 20,971,520 = 197,733,460,992 B"

# Nemotron 3 Super (data/models/nemotron-3-super-120b.yaml) in fp16: its
# routed experts are relu2 (up and down, no gate) and work at
# moe_latent_size 1024, only in its 40 E layers: 40 x 512 x 2 x 1,024 x
# 2,688 = 112,742,891,520 params, 225,485,783,040 B; the other
# 241,337,415,680 - that = 15,851,632,640 B.  At dp 8 a GPU holds
# 15,851,632,640 + 225,485,783,040 / 8 = 44,037,355,520 B.  Taken as
# gated experts of hidden on every layer, they were 99.9 % of the
# weights and a GPU held 30,490,138,368 B.  Nemotron 3 Nano's: 23 x 128 x
# 2 x 2,688 x 1,856 params, 58,749,616,128 B, half on each of dp 2.
run --model nemotron-3-super-120b --seq 8192 --engine vllm --dp 8 --gpu h100 --format json
is expert_bytes 225485783040 "Nemotron 3 Super: relu2 experts of the latent width, 40 layers"
is weights_per_gpu 44037355520 "Nemotron 3 Super at dp 8: the weights per GPU"
run --model nemotron-3-nano-30b-a3b --seq 8192 --engine vllm --dp 2 --enable-expert-parallel \
	--gpu h100 --format json
is expert_bytes 58749616128 "Nemotron 3 Nano: 23 expert layers of relu2 experts"
is weights_per_gpu 33781072512 "Nemotron 3 Nano at dp 2: 4,406,264,448 + 29,374,808,064"

# Whole experts at dp 3: ceil(256 / 3) = 86 a GPU, 86 x 5,108,662,272 (one
# expert of every layer) = 439,344,955,392, with the other
# 34,235,296,768 and the rotary table: 473,601,223,680 B.  Without expert parallelism 2,048
# inner channels do not split over 3 GPUs, which vLLM asserts.
run --model deepseek-v3 --seq 8192 --engine vllm --dp 3 --enable-expert-parallel --gpu h200 --explain
has_line "whole experts" \
	"  routed experts: 1,307,817,541,632 B over tp x dp = 3 GPUs, whole: at most 86 of 256 a layer on a GPU"
has_line "explain: whole experts' weights" \
	"    weights per GPU: its experts' 1,307,817,541,632 B x ceil(256 / 3) / 256, rounded up, + the other weights' ceil(/ tp 1) + the rotary table 20,971,520 = 473,601,223,680 B"
expect_error "an expert's inner size tp x dp does not divide" \
	"^kvplan: deepseek-v3: vLLM splits each expert's 2048 inner channels over tp x dp = 3 GPUs, which does not divide them \(--enable-expert-parallel keeps experts whole\)$" \
	--model deepseek-v3 --seq 8192 --engine vllm --dp 3 --gpu h200

# SGLang's replicas each hold the whole model, 1,342,052,838,400 B, and
# its bf16 w_kc and w_vc of every kv_b_proj (deepseek_v2.py
# post_load_weights): 61 x 128 x (128 + 128) x 512 x 2 B = 2,046,820,352,
# and its rotary table in fp32 (rotary_embedding.py), 4,096 x 40 =
# 163,840 rows grown after loading to its context (163,840: the scaling
# names its original) + 256, 164,096 x 64 x 4 B = 42,008,576:
# 1,344,141,667,328 B.
run --model deepseek-v3 --seq 8192 --engine sglang --dp 8 --gpu h200 --format json
is weights_per_gpu 1344141667328 "SGLang: whole replicas"
run --model deepseek-v3 --seq 8192 --engine sglang --enable-expert-parallel --gpu h200
check "another engine warns" test "$(cat "$work/err")" = \
	"kvplan: warning: --enable-expert-parallel is a vllm setting; --engine sglang ignores it"

# At tp 8 every rank holds DeepSeek-V3's MLA down-projections (61 x 7,168 x
# (1,536 + 512 + 64)) and routers (58 x 7,168 x 256) whole: 1,029,898,240
# parameters, 2,059,796,480 B in fp16 (tests/test_moe_dp.c).
run --model deepseek-v3 --seq 8192 --engine vllm --tp 8 --gpu h200
has_line "what every rank holds whole" \
	"  whole on every rank: 2,059,796,480 B of the weights (MLA down-projections and routers)"

# TensorRT-LLM's attention data parallelism at tp 8, Mixtral in fp16: each
# rank 3,211,272,192 + 90,194,313,216 / 8 = 14,485,561,344 B of weights,
# with its fp32 rotary table (32,768 x 128 x 4 = 16,777,216)
# 14,502,338,560, and all 8 kv heads of its own requests, 131,072 B a
# token; the budget 0.9 x (85,899,345,920 - 14,502,338,560) =
# 64,257,306,624 B, 15,320 blocks of 32 tokens: 490,240 tokens.
run --model mixtral-8x7b --seq 8192 --engine trtllm --tp 8 --enable-attention-dp --gpu h100-sxm
has_line "attention DP: every head on each rank" \
	"Parallel: tp 8, pp 1, dp 1 (8 GPUs); 8 kv heads per GPU"
has_line "attention DP: what is split" \
	"  attention data parallel: each of the tp 8 ranks serves its own requests with every head; the routed experts over them, every other weight whole on each"
has_line "attention DP: the cache's tokens" \
	"    [MemUsageChange] Allocated 59.84 GiB for max tokens in paged KV cache (490240)."
check "no replicated kv heads under attention DP" sh -c "! grep -q 'replicated kv heads' '$work/out'"
run --model mixtral-8x7b --seq 8192 --engine trtllm --tp 8 --enable-attention-dp --gpu h100-sxm --format json
is weights_per_gpu 14502338560 "JSON: attention DP's weights per GPU"
is attention_dp true "JSON: attention DP"
expect_error "attention DP is not the C++ runtime's" \
	"^kvplan: mixtral-8x7b: TensorRT-LLM's attention data parallelism is its PyTorch runtime's, not the C\\+\\+ one's$" \
	--model mixtral-8x7b --seq 8192 --engine trtllm --trtllm-runtime cpp --tp 8 --enable-attention-dp --gpu h100-sxm
expect_error "attention DP with recurrent layers is refused" \
	"^kvplan: nemotron-h-56b: TensorRT-LLM's attention data parallelism is not modelled for recurrent layers$" \
	--model nemotron-h-56b --seq 8192 --engine trtllm --tp 8 --enable-attention-dp --gpu h100-sxm
run --model mixtral-8x7b --seq 8192 --engine vllm --tp 8 --enable-attention-dp --gpu h100-sxm
check "vLLM warns of it" test "$(cat "$work/err")" = \
	"kvplan: warning: --enable-attention-dp is a trtllm setting; --engine vllm ignores it"
done_testing
