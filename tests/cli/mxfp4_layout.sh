#!/bin/sh
# mxfp4_layout.sh — gpt-oss's MXFP4 experts as vLLM's kernel keeps them
# on each GPU (lib/vllm_mxfp4.c), in the weights per GPU.  gpt-oss-20b
# under Marlin (an A100): hidden 2,880 to 3,072, inner size 2,880 to
# 2,944, 462,602,240 B a layer (tests/test_mxfp4_layout.c works each
# tensor), 24 layers 11,102,453,760 B in place of the checkpoint's
# 10,155,870,720; vLLM 0.19.0's "Model loading took 13.72 GiB" on an A100
# 80GB (myoceane.fr/index.php/ai-vllm-a100-gemma-4, 2026-04-18, `vllm
# serve openai/gpt-oss-20b --max-model-len 131072
# --gpu-memory-utilization 0.65`).
. "${KVPLAN_SRCDIR:?}/tests/cli/lib.sh"

oss() {
	run --model gpt-oss-20b --engine vllm --weights-dtype mxfp4 --seq 131072 "$@"
}

oss --vllm-version 0.19 --gpu a100-80g --gpu-memory-utilization 0.65 --profile-memory
check "the A100's weights: vLLM 0.19.0's 13.72 GiB" sh -c \
	'grep -E "^a100-80g +13\.72 GiB" "$1"' sh "$work/out"
oss --vllm-version 0.19 --gpu a100-80g --explain
check "--explain: the experts as Marlin lays them out, in place of their share" grep -Fq \
	"gpt-oss's MXFP4 experts as vLLM's marlin kernel keeps them: hidden 3072 and inner\
 size 2944 (padded), 32 experts, each tensor as PyTorch's allocator holds it:\
 462,602,240 B a layer x 24 layers = 11,102,453,760 B, in place of their share\
 10,155,870,720 B" "$work/out"
check "... and in the weights per GPU's sum" grep -Fq \
	" - their share 10,155,870,720 + the experts as marlin lays them out 11,102,453,760" \
	"$work/out"
# Each GPU its kernel's: OpenAI's Triton on an H100, FlashInfer's TRT-LLM
# on a B200 (H and I to 256), the checkpoint's on an MI300X.
oss --gpu h100-sxm,b200,mi300x --format json
check "JSON: each GPU's layout" sh -c '[ "$(grep "\"kernel\"" "$1" | tr -d " ,\n")" = \
"\"kernel\":\"triton\"\"kernel\":\"flashinfer_trtllm\"\"kernel\":\"checkpoint\"" ]' \
	sh "$work/out"
check "... the B200's hidden size padded to 3,072" grep -q '"hidden": 3072' "$work/out"
# The weights per GPU differ by the layouts alone: the A100's less the
# MI300X's is 11,102,453,760 - 10,155,870,720 = 946,583,040 B.
oss --gpu a100-80g,mi300x --format json
check "the A100's weights: the MI300X's + 946,583,040 B" sh -c '
	set -- $(grep "^      \"weights_per_gpu\"" "$1" | tr -dc "0-9\n")
	[ "$#" = 2 ] && [ "$(($1 - $2))" = 946583040 ]' sh "$work/out"
# From the config alone (its quantization_config says mxfp4), vLLM
# 0.19.0's "Available KV cache memory" on an H100 of CUDA's
# 85,028,896,768 B (jgchn/llm-d-planner at 56dc5b76, accuracy/results/
# v0.19.0/logs/openai-gpt-oss-20b--h100-80gb--tp2pp1dp1--8192.log, and
# --tp1pp1dp1--8192.FAILED.log at --gpu-memory-utilization 0.95): 59.32
# GiB at tp 2, 58.47 at tp 1; kvplan within 0.3 % (59.19, 58.36).
within() {
	awk -v got="$1" -v want="$2" 'BEGIN { d = got / want - 1; exit !(d < 0.003 && d > -0.003) }'
}
run --config "$KVPLAN_SRCDIR/tests/configs/gpt-oss-20b" --seq 8192 --engine vllm \
	--vllm-version 0.19 --tp 2 --gpu h100-sxm --cuda-memory --profile-memory
got=$(sed -n 's/^ *Available KV cache memory: \([0-9.]*\) GiB$/\1/p' "$work/out")
check "config.json alone, tp 2: vLLM's 59.32 GiB for the cache within 0.3 % ($got)" \
	within "$got" 59.32
run --config "$KVPLAN_SRCDIR/tests/configs/gpt-oss-20b" --seq 8192 --engine vllm \
	--vllm-version 0.19 --gpu h100-sxm --cuda-memory --profile-memory \
	--gpu-memory-utilization 0.95
got=$(sed -n 's/^ *Available KV cache memory: \([0-9.]*\) GiB$/\1/p' "$work/out")
check "... tp 1 at 0.95: 58.47 GiB within 0.3 % ($got)" within "$got" 58.47
# A config whose index gives the checkpoint's total alone (openai/
# gpt-oss-20b's total_size 13,761,264,768): the experts' own bytes from
# their shapes, 24 x 32 x (3 x 2,880^2 x 17/32 + 8,640 x 2) =
# 10,165,616,640, replaced by the layout: 13.72 GiB on the A100 again.
mkdir -p "$work/oss"
cp "$KVPLAN_SRCDIR/tests/configs/gpt-oss-20b/config.json" "$work/oss/"
echo '{"metadata": {"total_size": 13761264768}, "weight_map": {}}' \
	>"$work/oss/model.safetensors.index.json"
run --config "$work/oss" --seq 8192 --engine vllm --vllm-version 0.19 --gpu a100-80g \
	--format json
is checkpoint_bytes 10165616640 "an index's total alone: the experts' bytes from their shapes"
is weights_per_gpu $((13761264768 - 10165616640 + 11102453760 + 33554432)) \
	"... the rest, the layout and the rotary table"
# gpt-oss-120b from an index's total (65,248,815,744) at tp 2 and dp 2 on
# an A100: the experts over 4 GPUs, I 720 padded to 768: 482,476,032 B a
# layer, 17,369,137,152 for 36; the other weights, the total less the
# experts' own 36 x 128 x (3 x 2,880^2 x 17/32 + 8,640 x 2) =
# 60,993,699,840, over tp 2 but the routers (36 x 2,880 x 128 x 2 =
# 26,542,080 B) whole: 2,140,828,992; and the rotary table.
mkdir -p "$work/oss120"
cp "$KVPLAN_SRCDIR/tests/configs/gpt-oss-120b/config.json" "$work/oss120/"
echo '{"metadata": {"total_size": 65248815744}, "weight_map": {}}' \
	>"$work/oss120/model.safetensors.index.json"
run --config "$work/oss120" --seq 8192 --engine vllm --tp 2 --dp 2 --gpu a100-80g --format json
is weights_per_gpu $((2140828992 + 17369137152 + 33554432)) \
	"an index's total at tp 2, dp 2: the other weights over tp, the experts' layout over 4"
# Each GPU its own kernel in --explain, whichever comes first, and in the
# Parallel section's stage weights.
oss --vllm-version 0.19 --gpu a100-80g,h100-sxm --explain
check "--explain: the H100 after an A100 under OpenAI's Triton" grep -Fq \
	"gpt-oss's MXFP4 experts as vLLM's triton kernel keeps them" "$work/out"
run --model gpt-oss-120b --engine vllm --weights-dtype mxfp4 --seq 8192 --pp 2 \
	--gpu h100-sxm,a100-80g
check "pp 2: each GPU's stage weights where they differ" grep -Eq \
	"stage 0: .*, weights [0-9,]+ B on h100-sxm, [0-9,]+ B on a100-80g\$" "$work/out"
# Not under SGLang, nor for 16-bit weights.
run --model gpt-oss-20b --engine sglang --weights-dtype mxfp4 --seq 8192 --gpu a100-80g \
	--format json
check "SGLang: no layout" sh -c '! grep -q mxfp4_layout "$1"' sh "$work/out"
run --model gpt-oss-20b --engine vllm --seq 8192 --gpu a100-80g --format json
check "16-bit weights: no layout" sh -c '! grep -q mxfp4_layout "$1"' sh "$work/out"
done_testing
