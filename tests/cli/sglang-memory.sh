# sglang-memory.sh — SGLang's own mem_fraction_static (issue 16): without
# --mem-fraction-static, kvplan works it out for each GPU as SGLang's
# server_args does (lib/mem_fraction.c), each figure worked by hand here.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# llama3-8b (fp16 weights 16,060,522,496 B) on an H100 SXM (80 GiB =
# 81,920 MiB): reserved 512 + 8192 x 1.5 + 1/8 x 1024 + 256 x 2 (decode
# CUDA graphs) + 58 x 8 (prefill CUDA graphs of 4 to 8,192 tokens) = 13,904
# MiB; round(68,016 / 81,920, 3) = round(0.83027..., 3) = 0.83;
# floor(85,899,345,920 x 0.83) = 71,296,457,113; less the weights,
# 55,235,934,617 B for the cache.
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm
check "h100: SGLang's share and the cache's bytes" grep -Fxq \
	"h100-sxm: mem_fraction_static 0.830 (SGLang's default here; --mem-fraction-static to give one), 55,235,934,617 B for the cache" \
	"$work/out"
check "the table says whose share it is" grep -q \
	"SGLang's mem_fraction_static for each GPU" "$work/out"
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm --format json
is mem_util null "JSON: no one share for the request"
check "JSON: the GPU's share" grep -Eq '^ *"mem_util": 0\.83,?$' "$work/out"
is usable_bytes 71296457113 "JSON: floor(80 GiB x 0.83)"
# V100 32 GiB (under 35 GiB): 512 + 2048 x 1.5 + 128 + 24 x 2 + 42 x 8 =
# 4,096; round(28,672 / 32,768, 3) = 0.875; floor(34,359,738,368 x 0.875)
# = 30,064,771,072; less the weights 14,004,248,576.
run --model llama3-8b --seq 4096 --engine sglang --gpu v100-32g
check "v100: its own share" grep -Fxq \
	"v100-32g: mem_fraction_static 0.875 (SGLang's default here; --mem-fraction-static to give one), 14,004,248,576 B for the cache" \
	"$work/out"
# tp 8: decode CUDA graphs up to 512 and 8/8 GiB: 512 + 12,288 + 1,024 +
# 1,024 + 464 = 15,312; 66,608 / 81,920 = 0.81308...: 0.813.
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm --tp 8 --format json
check "tp 8: 0.813" grep -Eq '^ *"mem_util": 0\.813,?$' "$work/out"
# --chunked-prefill-size 4096: 512 + 6,144 + 128 + 512 + 50 prefill graphs
# x 8 = 7,696, under the 10 GiB floor of a device above 60 GiB: 10,240;
# 71,680 / 81,920 = 0.875.
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm \
	--chunked-prefill-size 4096 --format json
check "--chunked-prefill-size 4096: the floor, 0.875" grep -Eq '^ *"mem_util": 0\.875,?$' \
	"$work/out"
# --cuda-graph-max-bs 80 with a 16384 chunk: 512 + 24,576 + 128 + 160 +
# 74 prefill graphs x 8 = 25,968; 55,952 / 81,920 = 0.68301...: 0.683.
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm \
	--chunked-prefill-size 16384 --cuda-graph-max-bs 80 --format json
check "--cuda-graph-max-bs 80: 0.683" grep -Eq '^ *"mem_util": 0\.683,?$' "$work/out"
# No prefill CUDA graphs for an MLA model (SGLang turns the breakable
# backend off for it): DeepSeek-V2-Lite on the H100 reserves 13,440 MiB,
# 0.836 (0.8359375); nor with LoRA: Llama 3 8B, 0.836 too.
run --model deepseek-v2-lite --seq 4096 --engine sglang --gpu h100-sxm --format json
check "MLA: no prefill graphs, 0.836" grep -Eq '^ *"mem_util": 0\.836,?$' "$work/out"
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm --lora-rank 16 \
	--lora-modules attention --format json
check "LoRA: no prefill graphs, 0.836" grep -Eq '^ *"mem_util": 0\.836,?$' "$work/out"
# A published share: SGLang issue #29092 (2026-06) logs
# mem_fraction_static=0.828 for Qwen3-32B on an H100 without giving its tp;
# the formula gives it at tp 2 alone, which is nvidia-smi's
# 81,559 MiB at tp 2: 512 + 12,288 + 2/8 x 1,024 + 512 + 464 = 14,032,
# round(67,527 / 81,559, 3) = 0.828 (tp 1 gives 0.830, tp 4 0.819; the
# formula before the prefill graphs, 0.834).
run --model qwen3-32b --seq 4096 --engine sglang --gpu h100-sxm --tp 2 --cuda-memory \
	--format json
check "issue #29092's 0.828" grep -Eq '^ *"mem_util": 0\.828,?$' "$work/out"
# An AMD GPU takes no prefill graphs (ROCm's tc_piecewise is off on HIP):
# MI300X, 192 GiB: 512 + 16,384 x 1.5 + 128 + 512 x 2 = 26,240 MiB,
# round(170,368 / 196,608, 3) = 0.867.
run --model llama3-8b --seq 4096 --engine sglang --gpu mi300x --format json
check "MI300X: no prefill graphs, 0.867" grep -Eq '^ *"mem_util": 0\.867,?$' "$work/out"
# A given --mem-fraction-static is taken as it is.
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm --mem-fraction-static 0.85 \
	--format json
is mem_util 0.85 "--mem-fraction-static 0.85 as given"
# --explain works the share out term by term.
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm --explain
check "--explain: SGLang's terms" grep -Fq \
	"mem_fraction_static: SGLang's default (server_args): gpu_mem 81920 MiB; reserved 512 + max(chunked_prefill_size, 2048) x 1.5 + tp x pp / 8 x 1024 + cuda_graph_max_bs x 2 + 58 prefill CUDA graphs x 8, at least 10,240 above 60 GiB = 13904 MiB; round((81920 - 13904) / 81920, 3) = 0.830" \
	"$work/out"
# The settings belong to SGLang: another engine warns and ignores them.
run --model llama3-8b --seq 1000 --engine vllm --chunked-prefill-size 4096 --format json
check "--chunked-prefill-size under vLLM warns" grep -Fxq \
	"kvplan: warning: --chunked-prefill-size is a sglang setting; --engine vllm ignores it" \
	"$work/err"
expect_error "--cuda-graph-max-bs 0" "^kvplan: --cuda-graph-max-bs: " \
	--model llama3-8b --seq 100 --engine sglang --cuda-graph-max-bs 0

done_testing
