# sglang-memory.sh — SGLang's own mem_fraction_static (issue 16): without
# --mem-fraction-static, kvplan works it out for each GPU as SGLang's
# server_args does (lib/mem_fraction.c), each figure worked by hand here.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# llama3-8b (fp16 weights 16,060,522,496 B) on an H100 SXM (80 GiB =
# 81,920 MiB): reserved 512 + 8192 x 1.5 + 256 x 2 + 1/8 x 1024 = 13,440
# MiB; round(68,480 / 81,920, 3) = round(0.8359375, 3) = 0.836;
# floor(85,899,345,920 x 0.836) = 71,811,853,189; less the weights,
# 55,751,330,693 B for the cache.
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm
check "h100: SGLang's share and the cache's bytes" grep -Fxq \
	"h100-sxm: mem_fraction_static 0.836 (SGLang v0.5's default here; --mem-fraction-static to give one), 55,751,330,693 B for the cache" \
	"$work/out"
check "the table says whose share it is" grep -q \
	"SGLang's mem_fraction_static for each GPU" "$work/out"
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm --format json
is mem_util null "JSON: no one share for the request"
check "JSON: the GPU's share" grep -Eq '^ *"mem_util": 0\.836,?$' "$work/out"
is usable_bytes 71811853189 "JSON: floor(80 GiB x 0.836)"
# V100 32 GiB (under 35 GiB): 512 + 2048 x 1.5 + 24 x 2 + 128 = 3,760;
# round(29,008 / 32,768, 3) = 0.885; floor(34,359,738,368 x 0.885) =
# 30,408,368,455; less the weights 14,347,845,959.
run --model llama3-8b --seq 4096 --engine sglang --gpu v100-32g
check "v100: its own share" grep -Fxq \
	"v100-32g: mem_fraction_static 0.885 (SGLang v0.5's default here; --mem-fraction-static to give one), 14,347,845,959 B for the cache" \
	"$work/out"
# tp 8: CUDA graphs up to 512 and 8/8 GiB: 512 + 12,288 + 1,024 + 1,024 =
# 14,848; 67,072 / 81,920 = 0.81875, a hair above in a double: 0.819.
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm --tp 8 --format json
check "tp 8: 0.819" grep -Eq '^ *"mem_util": 0\.819,?$' "$work/out"
# --chunked-prefill-size 4096: 512 + 6,144 + 512 + 128 = 7,296, under the
# 10 GiB floor of a device above 60 GiB: 10,240; 71,680 / 81,920 = 0.875.
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm \
	--chunked-prefill-size 4096 --format json
check "--chunked-prefill-size 4096: the floor, 0.875" grep -Eq '^ *"mem_util": 0\.875,?$' \
	"$work/out"
# --cuda-graph-max-bs 80 with a 16384 chunk: 512 + 24,576 + 160 + 128 =
# 25,376; 56,544 / 81,920 = 0.690234375: 0.69.
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm \
	--chunked-prefill-size 16384 --cuda-graph-max-bs 80 --format json
check "--cuda-graph-max-bs 80: 0.69" grep -Eq '^ *"mem_util": 0\.69,?$' "$work/out"
# A given --mem-fraction-static is taken as it is.
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm --mem-fraction-static 0.85 \
	--format json
is mem_util 0.85 "--mem-fraction-static 0.85 as given"
# --explain works the share out term by term.
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm --explain
check "--explain: SGLang's terms" grep -Fq \
	"mem_fraction_static: SGLang's default (server_args): gpu_mem 81920 MiB; reserved 512 + max(chunked_prefill_size, 2048) x 1.5 + cuda_graph_max_bs x 2 + tp x pp / 8 x 1024, at least 10,240 above 60 GiB = 13440 MiB; round((81920 - 13440) / 81920, 3) = 0.836" \
	"$work/out"
# The settings belong to SGLang: another engine warns and ignores them.
run --model llama3-8b --seq 1000 --engine vllm --chunked-prefill-size 4096 --format json
check "--chunked-prefill-size under vLLM warns" grep -Fxq \
	"kvplan: warning: --chunked-prefill-size is a sglang setting; --engine vllm ignores it" \
	"$work/err"
expect_error "--cuda-graph-max-bs 0" "^kvplan: --cuda-graph-max-bs: " \
	--model llama3-8b --seq 100 --engine sglang --cuda-graph-max-bs 0

done_testing
