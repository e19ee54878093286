#!/bin/sh
# ct_formats.sh — compressed-tensors' integer formats (w4a16, w8a16, w8a8) on the
# command line and under each engine: the weights as the format's bytes,
# vLLM's experts kernel for each (lib/moe_backend.c: Marlin for W4A16 from
# 0.23, Triton for W8A8 from 0.21, none before; research
# /work/research/vllm-ct-int-kernels.md), and one warning where an engine
# cannot load or run the format (cli/format_warn.c); bad names exit 2.
. "${KVPLAN_SRCDIR:?}/tests/cli/lib.sh"

# Llama 3.3 70B (the catalogue's) as RedHatAI's W4A16 with actorder
# group: its checkpoint's 39,525,311,232 B (tests/test_weights_ct.c).
run --model llama3.3-70b --weights-dtype w4a16:g128:actorder --seq 4096 --gpu h100 \
	--format json
is weights_bytes 39525311232 "llama3.3-70b as w4a16:g128:actorder"
is weights_dtype '"w4a16:g128:actorder"' "... named canonically"
run --model llama3.3-70b --weights-dtype W4A16:ActOrder --seq 4096 --gpu h100 --format json
is weights_bytes 39525311232 "the parts in any case, the group 128 by default"

# vLLM's layout of the weights on each GPU (lib/vllm_ct_int.c;
# tests/test_weights_ct.c works it by hand): under actorder over 4 GPUs,
# o's and down's scales of all their inputs on every rank and each fused
# layer's g_idx and its sort.
run --model llama3.3-70b --weights-dtype w4a16:g128:actorder --engine vllm --tp 4 --gpu h100 \
	--seq 4096 --explain
check "--explain: vLLM's layout, 293,273,600 B a GPU" grep -q \
	"+ vLLM's w4a16:g128:actorder layout 293,273,600 = " "$work/out"
run --model llama3.3-70b --weights-dtype w4a16:g128:actorder --engine vllm --tp 4 --gpu h100 \
	--seq 4096 --format json
is ct_int_layout_bytes 293273600 "... and in JSON"
# A mixture's experts under vLLM: W8A8's fp32 scales (Qwen3-30B-A3B over
# 4 GPUs: 49,225,728 B a GPU, tests/test_weights_ct.c by hand).
run --model qwen3-30b-a3b --weights-dtype w8a8 --engine vllm --tp 4 --gpu h100 --seq 4096 \
	--format json
is ct_int_layout_bytes 49225728 "Qwen3-30B-A3B in w8a8 over 4 GPUs: the experts' fp32 scales"
# DeepSeek-V3 over 8 GPUs (its MLA attention left out): 58 routed layers
# of 256 experts of 2048, hidden 7168, 4 x (4096 / 8 + 7168) x 256 x 58 B
# held against 2 x (4096 + 7168) x 256 x 58 / 8 = 414,318,592 more; 3 dense
# layers of 18,432, 3 x (4 x (4608 + 7168) - 2 x (36,864 + 7168) / 8) =
# 108,288; 58 shared experts of 2048, 58 x (4 x (512 + 7168) - 2 x (4096 +
# 7168) / 8) = 1,618,432.
run --model deepseek-v3 --weights-dtype w8a8 --engine vllm --tp 8 --gpu h200 --seq 4096 \
	--format json
is ct_int_layout_bytes $((414318592 + 108288 + 1618432)) "DeepSeek-V3 in w8a8 over 8 GPUs"
# SGLang's CompressedTensorsWNA16 repeats the scales alike and runs
# Marlin; llama.cpp loads no such checkpoint's layout.
run --model llama3.3-70b --weights-dtype w4a16:g128:actorder --engine sglang --tp 4 \
	--gpu h100 --seq 4096 --explain
check "... SGLang's the same" grep -q "+ SGLang's w4a16:g128:actorder layout 293,273,600 = " \
	"$work/out"
run --model llama3.3-70b --weights-dtype w4a16:g128:actorder --engine llamacpp --tp 4 \
	--gpu h100 --seq 4096 --explain
check "... none under llama.cpp" sh -c '! grep -q "layout" "$1"' sh "$work/out"

# vLLM's experts kernel for a mixture of experts (w8a16's, a channel,
# through w4a16's oracle, taken from the same 0.23).
for case in "w4a16 0.23 h100:marlin" "w4a16 0.22 h100:none" "w4a16 0.23 mi300x:none" \
	"w8a8 0.21 h100:triton" "w8a8 0.20 h100:none" "w8a16 0.23 h100:marlin" \
	"w8a16 0.22 h100:none"; do
	set -- ${case%%:*}
	run --model qwen3-30b-a3b --weights-dtype "$1" --engine vllm --vllm-version "$2" \
		--gpu "$3" --seq 4096 --format json
	is moe_backend "\"${case#*:}\"" "$1 experts under vLLM $2 on $3: ${case#*:}"
done
run --model gpt-oss-20b --weights-dtype w4a16:g32 --engine vllm --gpu b200 --seq 4096 \
	--format json
is moe_backend '"flashinfer_trtllm"' "gpt-oss's w4a16:g32 experts on a B200: FlashInfer's MXINT4"
run --model qwen3-30b-a3b --weights-dtype w4a16:g32 --engine vllm --gpu b200 --seq 4096 \
	--format json
is moe_backend '"marlin"' "... not Qwen3's (SiLU; the kernel takes swigluoai alone): Marlin"
run --model qwen3-30b-a3b --weights-dtype w4a16 --engine vllm --moe-backend triton \
	--gpu h100 --seq 4096
check "--moe-backend triton for w4a16 experts: vLLM's refusal, one warning" sh -c \
	'[ "$(wc -l <"$1")" = 1 ] && grep -q "refuses --moe-backend triton for WNA16" "$1"' \
	sh "$work/err"
# Before their oracles (0.23, 0.21) the formats' methods ignored the
# flag: vLLM's own choice, and a warning saying so.
for format in w4a16 w8a16; do
	run --model qwen3-30b-a3b --weights-dtype $format --engine vllm --vllm-version 0.20 \
		--moe-backend triton --gpu h100 --seq 4096 --format json
	is moe_backend '"none"' "$format, --moe-backend triton under 0.20: ignored, fused_marlin_moe's none"
	check "... one warning that 0.20 ignores it for $format experts" sh -c \
		'[ "$(wc -l <"$1")" = 1 ] && grep -q "vLLM 0.20 ignores --moe-backend for compressed-tensors. $2" "$1"' \
		sh "$work/err" $format
done

# What an engine cannot load or run: one line each, the plan still made.
# warns ARGS...: $n, the lines on stderr.
warns() {
	run "$@" --seq 4096 --format json
	check "$*: exit 0 and a plan" [ "$status" = 0 -a -s "$work/out" ]
	n=$(wc -l <"$work/err" | tr -d ' ')
}
warns --model llama3.1-8b --weights-dtype w8a8 --engine vllm --gpu h100
check "w8a8 under vLLM on an H100: no warning" [ "$n" = 0 ]
warns --model llama3.1-8b --weights-dtype w8a8 --engine vllm --gpu b200,v100-32g,a100-80g
check "w8a8 under vLLM on a B200 and a V100: a warning each" [ "$n" = 2 ]
check "... naming the GPU and its arch" grep -q \
	"b200: vLLM's int8 W8A8 kernels run on compute capability 7.5 to 9.0, not sm_100" \
	"$work/err"
check "... a V100's too" grep -q "v100-32g: .* not sm_70" "$work/err"
warns --model llama3.1-8b --weights-dtype w8a8:asym --engine vllm --gpu h100
check "w8a8:asym under vLLM: one warning (symmetric weights alone)" [ "$n" = 1 ]
warns --model llama3.1-8b --weights-dtype w4a16:g256 --engine vllm --gpu h100
check "w4a16:g256 under vLLM: one warning (groups of 32, 64, 128)" [ "$n" = 1 ]
warns --model llama3.1-8b --weights-dtype w4a16:g32:asym --engine vllm --gpu h100
check "w4a16:g32:asym under vLLM: none" [ "$n" = 0 ]
warns --model llama3.1-8b --weights-dtype w4a16 --engine trtllm --gpu h100
check "w4a16 under TensorRT-LLM: one warning" [ "$n" = 1 ]
check "... that its loader takes float schemes alone" grep -q \
	"TensorRT-LLM does not load compressed-tensors' w4a16:g128 weights" "$work/err"
warns --model qwen3-30b-a3b --weights-dtype w4a16:asym --engine sglang --gpu h100
check "asymmetric w4a16 experts under SGLang: one warning" [ "$n" = 1 ]
warns --model qwen3-30b-a3b --weights-dtype w4a16 --engine sglang --gpu h100
check "w4a16 experts, symmetric, under SGLang: none" [ "$n" = 0 ]
warns --model llama3.1-8b --weights-dtype w4a16:asym --engine sglang --gpu h100
check "asymmetric w4a16 of a dense model under SGLang: none" [ "$n" = 0 ]
# vLLM from 0.24 runs every w4a16 mixture of experts on Marlin's method,
# which refuses an expert's inner size on a rank that is no multiple of
# the group: Qwen3-30B-A3B's 768 over 4 GPUs is 192, over 2 384.
warns --model qwen3-30b-a3b --weights-dtype w4a16 --engine vllm --tp 4 --gpu h100
check "w4a16 experts of 192 a rank under vLLM: one warning" [ "$n" = 1 ]
check "... naming the inner size and the group" grep -q \
	"inner size on a rank (192) is no multiple of the group (128)" "$work/err"
for args in "--tp 2" "--tp 4 --enable-expert-parallel" "--tp 4 --vllm-version 0.23"; do
	# shellcheck disable=SC2086
	warns --model qwen3-30b-a3b --weights-dtype w4a16 --engine vllm $args --gpu h100
	check "w4a16 experts, $args: no warning" [ "$n" = 0 ]
done
warns --model qwen3-30b-a3b --weights-dtype w4a16:actorder --engine vllm --tp 4 --gpu h100
check "... under actorder (every rank holds w2's scales whole): no warning" [ "$n" = 0 ]

# W8A16, a channel (tests/test_weights_wna16.c works each by hand):
# Llama 3.1 8B's 9,083,956,736 B; over 2 GPUs under vLLM o's and down's
# scales whole on every rank, 262,144 B past the share.
run --model llama3.1-8b --weights-dtype w8a16 --seq 4096 --gpu h100 --format json
is weights_bytes 9083956736 "llama3.1-8b as w8a16"
run --model llama3.1-8b --weights-dtype w8a16 --engine vllm --tp 2 --gpu h100 --seq 4096 \
	--explain
check "--explain: vLLM's w8a16 layout, 262,144 B a GPU" grep -q \
	"+ vLLM's w8a16 layout 262,144 = " "$work/out"
warns --model qwen3-30b-a3b --weights-dtype w8a16:g128 --engine vllm --gpu h100
check "w8a16 experts in groups under vLLM: one warning (a channel alone)" [ "$n" = 1 ]
warns --model llama3.1-8b --weights-dtype w8a16 --engine vllm --gpu a100-80g,h100,b200
check "w8a16 under vLLM on an A100, an H100 and a B200: no warning" [ "$n" = 0 ]
warns --model llama3.1-8b --weights-dtype w8a16:asym --engine vllm --gpu a100-80g,h100,b200
check "w8a16:asym under vLLM: a warning for each GPU but the H100 (Machete's alone)" \
	[ "$n" = 2 ]
check "... naming the GPU and its arch" grep -q \
	"a100-80g: vLLM's one kernel for 8-bit weights with zero points is Machete's .* not for w8a16:asym on sm_80" \
	"$work/err"
for args in "w8a16:g32:asym" "w8a16:g128:asym:actorder --tp 2"; do
	# shellcheck disable=SC2086
	warns --model llama3.1-8b --weights-dtype $args --engine vllm --gpu h100
	check "$args under vLLM on an H100: one warning (not Machete's)" [ "$n" = 1 ]
done
warns --model llama3.1-8b --weights-dtype w8a16:g128:asym:actorder --engine vllm --gpu h100
check "... at tp 1, Machete's: none" [ "$n" = 0 ]
warns --model llama3.1-8b --weights-dtype w8a16:asym --engine sglang --gpu h100
check "asymmetric w8a16 under SGLang: one warning (Marlin alone)" [ "$n" = 1 ]
warns --model qwen3-30b-a3b --weights-dtype w8a16:asym --engine sglang --gpu h100
check "... of a mixture: two (its MoE too)" [ "$n" = 2 ]
warns --model llama3.1-8b --weights-dtype w8a16:g256 --engine vllm --gpu h100
check "w8a16:g256 under vLLM: one warning (groups of 32, 64, 128)" [ "$n" = 1 ]
check "... of its 8-bit kernels" grep -q "vLLM's 8-bit kernels take groups" "$work/err"
warns --model llama3.1-8b --weights-dtype w4a16:channel --engine vllm --gpu h100
check "w4a16:channel under vLLM: none (Marlin and Machete take a channel)" [ "$n" = 0 ]

# Bad names: one line naming the text, exit 2, nothing on stdout.
for bad in w4a16:g0 w4a16:g64:g64 w4a16:sym w8a8:g128 w8a8:actorder w4a16:asym:asym \
	'w4a16:g1x' w4a16: w8a16:actorder w8a16:g64:channel w8a8:channel; do
	run --model llama3.1-8b --weights-dtype "$bad" --seq 4096
	check "--weights-dtype $bad: exit 2, one line, nothing on stdout" sh -c \
		'[ "$1" = 2 ] && [ ! -s "$2/out" ] && [ "$(wc -l <"$2/err")" = 1 ] &&
		 grep -Fq "'"'"'$3'"'"'" "$2/err"' sh "$status" "$work" "$bad"
done
done_testing
