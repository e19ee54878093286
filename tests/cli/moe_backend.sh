#!/bin/sh
# moe_backend.sh — vLLM's experts kernel (--moe-backend), which kvplan
# picks on each GPU as vLLM does, and the fused-MoE workspace it leaves
# held in the profile run (lib/moe_backend.c).  Qwen3-30B-A3B: hidden
# 2,048, experts of 768, top-8, 128 experts; at 8,192 batched tokens (an
# H100's step) Triton holds 2 x (8 x 2,048 + 8 x 2,048) = 65,536 B a
# token, FlashInfer's CUTLASS its output, 2 x 2,048 = 4,096.
. "${KVPLAN_SRCDIR:?}/tests/cli/lib.sh"

moe() {
	run --model qwen3-30b-a3b --engine vllm --profile-memory --seq 8192 "$@"
}

# vLLM's own choice, GPU by GPU: Triton on Hopper (from 0.23), FlashInfer's
# TRT-LLM kernel on Blackwell (from 0.20), which holds nothing.
moe --gpu h100-sxm,b200 --format json
check "each GPU's kernel: triton on the H100, flashinfer_trtllm on the B200" sh -c \
	'[ "$(grep "\"moe_backend\"" "$1" | tr -d " ,\n")" = \
"\"moe_backend\":\"triton\"\"moe_backend\":\"flashinfer_trtllm\"" ]' sh "$work/out"
# vLLM 0.20 to 0.22 on Hopper: FlashInfer's CUTLASS (PR #36286, until
# PR #44220): 8,192 x (65,536 - 4,096) = 503,316,480 B more for the cache
# than with Triton given.
moe --gpu h100-sxm --vllm-version 0.21 --format json
is moe_backend '"flashinfer_cutlass"' "vLLM 0.21 on an H100: flashinfer_cutlass"
fi_budget=$(json_value budget_bytes)
moe --gpu h100-sxm --vllm-version 0.21 --moe-backend triton --format json
is moe_backend '"triton"' "... triton when given"
triton_budget=$(json_value budget_bytes)
check "... 503,316,480 B more for the cache under FlashInfer's CUTLASS" \
	[ "$((fi_budget - triton_budget))" = 503316480 ]
moe --gpu h100-sxm --vllm-version 0.21 --explain
check "--explain names the kernel and its bytes a token" grep -Fq \
	"fused-MoE workspace (flashinfer_cutlass) 8,192 x 4,096" "$work/out"
# DeepGEMM's rows: 8,192 x 8 + 128 x 127 = 81,792 (639 x 128), 8,192 B
# each.
moe --gpu h100-sxm --weights-dtype fp8 --moe-backend DEEP_GEMM --explain
check "deep_gemm: its rows, rounded up to 128" grep -Fq "fused-MoE workspace (deep_gemm:\
 8,192 tokens x 8 rows + 16,256, rounded up to 128, x 8,192) 670,040,064" "$work/out"
# int4: AWQ on Marlin's experts from 0.22, each call's tensors before.
moe --gpu h100-sxm --weights-dtype int4-awq:g128 --vllm-version 0.21 --format json
is moe_backend '"none"' "AWQ on vLLM 0.21: fused_marlin_moe, none held"
moe --gpu h100-sxm --weights-dtype int4-awq:g128 --vllm-version 0.22 --format json
is moe_backend '"marlin"' "AWQ on vLLM 0.22: marlin"
# A GGUF file's experts run vLLM's GGUF kernel, each call's tensors:
# none, unless a kernel is given.
"$KVPLAN_BUILDDIR/tests/mkgguf" "$work/dsv3.gguf" deepseek-v3 q4_K
run --gguf "$work/dsv3.gguf" --engine vllm --profile-memory --seq 8192 --gpu h100-sxm \
	--format json
is moe_backend '"none"' "a GGUF file under vLLM: none held"
run --gguf "$work/dsv3.gguf" --engine vllm --profile-memory --seq 8192 --gpu h100-sxm \
	--moe-backend triton --format json
is moe_backend '"triton"' "... triton when given"
# A sparse MLA model's asks of the same buffer (lib/moe_backend.c):
# GLM-5 at 202,752 tokens, the indexer's 40 x 202,752 x (128 + 4) + 1 MiB
# = 1,071,579,136 B, under its experts' 8,192 x 196,608 on an H200; on a
# B200 in NVFP4 (FlashInfer's TRT-LLM experts, none held) the buffer.
run --model glm-5 --engine vllm --tp 8 --gpu h200,b200 --seq 202752 --profile-memory \
	--weights-dtype nvfp4 --explain
check "GLM-5 on an H200: the larger ask, Marlin's experts'" grep -Fq "+ max(fused-MoE\
 workspace (marlin) 8,192 x 196,608, the sparse attention's 1,071,579,136)" "$work/out"
check "... on a B200: the sparse attention's alone" grep -Fq \
	"+ the sparse attention's workspace 1,071,579,136 + non-torch" "$work/out"
# A sweep fits each GPU with its own kernel: the B200 beside an MI300X
# (Triton there) as the B200 alone (FlashInfer's TRT-LLM, none held).
sweep() {
	run --model qwen3-30b-a3b --engine vllm --vllm-version 0.21 --profile-memory --seq 8192 \
		--sweep seq=8192..8192,batch=1..1 --gpu "$1"
	grep '^qwen3-30b-a3b,vllm,fp16,fp16,b200,' "$work/out"
}
alone=$(sweep b200)
beside=$(sweep mi300x,b200)
check "a sweep: the B200 beside an MI300X as alone" [ -n "$alone" ] && [ "$alone" = "$beside" ]
# The table's engine line says nothing of a GPU that differs only by
# its kernel: no reason-less ": allocates" line.
run --model qwen3-30b-a3b --engine vllm --profile-memory --seq 8192 --gpu b200
check "no engine line for the kernel alone" sh -c '! grep -q "^  : allocates" "$1"' sh "$work/out"
# A dense model has none.
run --model llama3-8b --engine vllm --gpu h100-sxm --seq 8192 --format json
check "a dense model: no moe_backend" sh -c '! grep -q moe_backend "$1"' sh "$work/out"
# Another engine warns that it ignores it.
run --model qwen3-30b-a3b --engine sglang --gpu h100-sxm --seq 8192 --moe-backend triton
check "SGLang: --moe-backend ignored, said" grep -q \
	"warning: --moe-backend is a vllm setting; --engine sglang ignores it" "$work/err"
# Names vLLM has and kvplan does not model, and others, refused.
expect_error "aiter: vLLM's, not modelled" \
	"^kvplan: --moe-backend: MoE backend 'aiter' is vLLM's, but its workspace is not modelled" \
	--model qwen3-30b-a3b --engine vllm --moe-backend aiter
expect_error "an unknown name" \
	"^kvplan: --moe-backend: unknown MoE backend 'trit\\\\x1bon' \(valid: auto, triton," \
	--model qwen3-30b-a3b --engine vllm --moe-backend "$(printf 'trit\033on')"
expect_error "none is kvplan's, not vLLM's" "unknown MoE backend 'none'" \
	--model qwen3-30b-a3b --engine vllm --moe-backend none

# A kernel vLLM would refuse (cli/moe_warn.c): one warning line, and the
# plan with it.  map_unquantized_backend takes triton, flashinfer_trtllm
# and flashinfer_cutlass; map_nvfp4_backend no triton; FlashInfer's
# TRT-LLM kernels run on 10.x alone; the flag came in 0.17.
warned() {
	run --model qwen3-30b-a3b --engine vllm --seq 4096 "$@"
	[ "$status" = 0 ] && [ -s "$work/out" ] && [ "$(wc -l <"$work/err")" = 1 ]
}
check "deep_gemm for 16-bit experts: one warning" warned --moe-backend deep_gemm --gpu h100
check "... which quotes vLLM's refusal" grep -Fq \
	"(\"moe_backend='deep_gemm' is not supported for unquantized MoE\")" "$work/err"
check "triton for NvFP4 experts: one warning" warned --moe-backend triton \
	--weights-dtype nvfp4 --gpu b200
check "flashinfer_trtllm on an A100: one warning" warned --moe-backend flashinfer_trtllm \
	--gpu a100-80g
check "... naming the GPU and the kernel's" grep -Fq "a100-80g: vLLM's flashinfer_trtllm\
 experts kernel runs on compute capability 10.x (Blackwell) alone, not sm_80" "$work/err"
check "--moe-backend before 0.17: one warning" warned --moe-backend triton \
	--vllm-version 0.16 --gpu h100
check "deep_gemm on an RTX 5090 (12.x): one warning" warned --moe-backend deep_gemm \
	--weights-dtype fp8 --gpu rtx5090
check "marlin on an MI300X (CUDA's kernel): one warning" warned --moe-backend marlin \
	--weights-dtype fp8 --gpu mi300x
run --model qwen3-30b-a3b --engine vllm --seq 4096 --moe-backend marlin --weights-dtype int8 \
	--gpu h100
check "int8 weights (W8A8) with marlin: no warning" [ "$status" = 0 -a ! -s "$work/err" ]
run --model qwen3-30b-a3b --engine vllm --seq 4096 --moe-backend deep_gemm --weights-dtype fp8 \
	--gpu h100,b200
check "deep_gemm for fp8 on Hopper and Blackwell: no warning" \
	[ "$status" = 0 -a ! -s "$work/err" ]

done_testing
