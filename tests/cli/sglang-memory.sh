# sglang-memory.sh — SGLang's own mem_fraction_static (issue 16): without
# --mem-fraction-static, kvplan works it out for each GPU as SGLang does
# (lib/mem_fraction.c: arg_groups/memory_hook.py since 0.5.20,
# server_args.py before it, --sglang-version), each figure worked by hand
# here.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# llama3-8b (fp16 weights 16,060,522,496 B) on an H100 SXM (80 GiB =
# 81,920 MiB): reserved 512 + 8192 x 1.5 + 1/8 x 1024 + 256 x 2 (decode
# CUDA graphs) + 58 x 8 (prefill CUDA graphs of 4 to 8,192 tokens) = 13,904
# MiB; round(68,016 / 81,920, 3) = round(0.83027..., 3) = 0.83;
# floor(85,899,345,920 x 0.83) = 71,296,457,113; less the weights and the
# rotary table SGLang builds in fp32 on the GPU (rotary_embedding.py;
# 8,192 positions x 128 x 4 B) and grows after loading to the context +
# 256 rows (reserve_rope_cache_for_long_sequences; 8,448 x 128 x 4 =
# 4,325,376), 55,231,609,241 B for the
# cache.
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm
check "h100: SGLang's share and the cache's bytes" grep -Fxq \
	"h100-sxm: mem_fraction_static 0.830 (SGLang's default here; --mem-fraction-static to give one), 55,231,609,241 B for the cache" \
	"$work/out"
check "the table says whose share it is" grep -q \
	"SGLang's mem_fraction_static for each GPU" "$work/out"
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm --format json
is mem_util null "JSON: no one share for the request"
check "JSON: the GPU's share" grep -Eq '^ *"mem_util": 0\.83,?$' "$work/out"
is usable_bytes 71296457113 "JSON: floor(80 GiB x 0.83)"
# V100 32 GiB (20 to 35 GiB: chunks of 4096 and decode graphs up to 48
# since 0.5.20, PR #37898): 512 + 4096 x 1.5 + 128 + 48 x 2 + 50 prefill
# graphs x 8 = 7,280; round(25,488 / 32,768, 3) = round(0.77783..., 3) =
# 0.778; floor(34,359,738,368 x 0.778) = 26,731,876,450; less the weights
# 16,060,522,496 and the table: 10,667,028,578.
run --model llama3-8b --seq 4096 --engine sglang --gpu v100-32g
check "v100: its own share" grep -Fxq \
	"v100-32g: mem_fraction_static 0.778 (SGLang's default here; --mem-fraction-static to give one), 10,667,028,578 B for the cache" \
	"$work/out"
# Before 0.5.20, chunks of 2048 and graphs up to 24: 512 + 2048 x 1.5 + 128
# + 24 x 2 + 42 x 8 = 4,096; round(28,672 / 32,768, 3) = 0.875;
# floor(34,359,738,368 x 0.875) = 30,064,771,072; less the weights and
# the table 13,999,923,200.
run --model llama3-8b --seq 4096 --engine sglang --gpu v100-32g --sglang-version 0.5.18
check "v100, SGLang 0.5.18: its share then" grep -Fxq \
	"v100-32g: mem_fraction_static 0.875 (SGLang's default here; --mem-fraction-static to give one), 13,999,923,200 B for the cache" \
	"$work/out"
# At tp 4 the tier's graphs reach 160 (80 before): 512 + 6,144 + 512 +
# 320 + 400 = 7,888; round(24,880 / 32,768, 3) = 0.759.
run --model llama3-8b --seq 4096 --engine sglang --gpu v100-32g --tp 4 --format json
check "v100, tp 4: 0.759" grep -Eq '^ *"mem_util": 0\.759,?$' "$work/out"
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
# An MLA model's prefill CUDA graphs reserve a flat 1536 MiB since 0.5.20
# (reserve_for_graph_mb): DeepSeek-V2-Lite on the H100, 512 + 12,288 + 128
# + 512 + 1,536 = 14,976; round(66,944 / 81,920, 3) = round(0.81718..., 3)
# = 0.817.  LoRA keeps the graphs: Llama 3 8B, 0.830 as without it.
run --model deepseek-v2-lite --seq 4096 --engine sglang --gpu h100-sxm --format json
check "MLA: 1536 MiB of prefill graphs, 0.817" grep -Eq '^ *"mem_util": 0\.817,?$' "$work/out"
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm --lora-rank 16 \
	--lora-modules attention --format json
check "LoRA: prefill graphs kept, 0.830" grep -Eq '^ *"mem_util": 0\.83,?$' "$work/out"
# A multimodal model's share times its vision encoder's factor, not
# rounded again (memory_hook.py adjust_mem_fraction_for_vlm): Qwen3.5
# 27B's vision_config is 1152 wide and names no num_hidden_layers (SGLang
# takes 24): 24 x 1152^2 / (24 x 1024^2) = 1.265625, 0.95 x (1 - 0.1 x
# 0.265625) = 0.9247656249999999 and 0.830 x that = 0.7675554687499999 in
# Python's floats; floor(85,899,345,920 x it) = 65,932,512,722, less the
# weights SGLang loads (27,781,427,952 params less the MTP layer's
# 424,699,392, at 2 B: 54,713,457,120) and its rotary table (mrope, whose
# table SGLang keeps at max_position rows, grown to the context + 256:
# 262,400 x 64 rotated values, partial_rotary_factor 0.25 of 256, x 4 B =
# 67,174,400): 11,151,881,202
# B.  Gemma 3 runs
# text-only in SGLang unless asked: 0.830.
run --model qwen3.5-27b --seq 4096 --engine sglang --gpu h100-sxm
check "Qwen3.5: the share times the vision factor" grep -Fxq \
	"h100-sxm: mem_fraction_static 0.7675554687499999 (SGLang's default here: 0.830 x 0.9247656249999999 for the vision encoder; --mem-fraction-static to give one), 11,151,881,202 B for the cache" \
	"$work/out"
run --model qwen3.5-27b --seq 4096 --engine sglang --gpu h100-sxm --explain
check "--explain: the vision factor term by term" grep -Fq \
	"vision_config.num_hidden_layers 24 (SGLang's where left out) x hidden_size 1152^2 / (24 x 1024^2) = 1.265625; 0.95 x min(max(1 - 0.1 x (1.265625 - 1), 0.8), 1.05) = 0.9247656249999999; 0.830 x that = 0.7675554687499999" \
	"$work/out"
run --model qwen3.5-27b --seq 4096 --engine sglang --gpu h100-sxm --format json
is usable_bytes 65932512722 "JSON: floor(80 GiB x 0.7675554687499999)"
run --model gemma3-4b --seq 4096 --engine sglang --gpu h100-sxm --format json
check "Gemma 3: text-only in SGLang, 0.830" grep -Eq '^ *"mem_util": 0\.83,?$' "$work/out"
# --language-only, the language server of encoder disaggregation: no
# factor (handle_gpu_memory_settings: is_vlm false), the rounded 0.830,
# and the towers still in the weights: floor(85,899,345,920 x 0.830) =
# 71,296,457,113, less the same 54,713,457,120 + 67,174,400 B:
# 16,515,825,593 B.
run --model qwen3.5-27b --seq 4096 --engine sglang --gpu h100-sxm --language-only --explain
check "--language-only: the rounded share" grep -Fxq \
	"h100-sxm: mem_fraction_static 0.830 (SGLang's default here; --mem-fraction-static to give one), 16,515,825,593 B for the cache" \
	"$work/out"
check "--language-only: --explain says why" grep -Fq \
	"mem_fraction_static: --language-only, so no factor for a vision encoder (handle_gpu_memory_settings: is_vlm false)" \
	"$work/out"
# A config.json's vision_config: 32 layers of 1280, ratio 32 / 24 x
# (1280 / 1024)^2 = 4 / 3 x 1.5625 = 2.0833..., 1 - 0.10833... =
# 0.89166..., 0.95 x that = 0.8470833...; with "depth" alone, SGLang's 24
# layers of 1280: ratio 1.5625, 0.95 x (1 - 0.05625) = 0.8965624999999999
# and 0.830 x that = 0.7441468749999999 (Python's floats).
mkdir -p "$work/vlm"
printf '%s' '{"model_type": "llava", "text_config": {"model_type": "llama",
 "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 8,
 "hidden_size": 4096, "intermediate_size": 14336, "vocab_size": 128256},
 "vision_config": {"num_hidden_layers": 32, "hidden_size": 1280}}' >"$work/vlm/config.json"
run --config "$work/vlm/config.json" --seq 4096 --engine sglang --gpu h100-sxm
check "config.json: 32 layers of 1280" grep -Fq \
	"mem_fraction_static 0.7030791666666665 (SGLang's default here: 0.830 x 0.8470833333333332 for the vision encoder;" \
	"$work/out"
sed 's/"num_hidden_layers": 32, "hidden_size": 1280/"depth": 32, "hidden_size": 1280/' \
	"$work/vlm/config.json" >"$work/vlm/depth.json"
run --config "$work/vlm/depth.json" --seq 4096 --engine sglang --gpu h100-sxm
check "config.json: depth alone, SGLang's 24 layers of 1280" grep -Fq \
	"mem_fraction_static 0.7441468749999999 (SGLang's default here: 0.830 x 0.8965624999999999 for the vision encoder;" \
	"$work/out"
# Before 0.5.20 an MLA model turned the breakable graphs off, and LoRA
# before 0.5.17 (PR #30988): 13,440 MiB, 0.836 (0.8359375) for both; LoRA
# at 0.5.19 keeps them, 0.830.
run --model deepseek-v2-lite --seq 4096 --engine sglang --gpu h100-sxm --sglang-version 0.5.15 \
	--format json
check "MLA, SGLang 0.5.15: no prefill graphs, 0.836" grep -Eq '^ *"mem_util": 0\.836,?$' \
	"$work/out"
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm --lora-rank 16 \
	--lora-modules attention --sglang-version 0.5.16 --format json
check "LoRA, SGLang 0.5.16: no prefill graphs, 0.836" grep -Eq '^ *"mem_util": 0\.836,?$' \
	"$work/out"
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm --lora-rank 16 \
	--lora-modules attention --sglang-version 0.5.17 --format json
check "LoRA, SGLang 0.5.17: prefill graphs kept, 0.830" grep -Eq '^ *"mem_util": 0\.83,?$' \
	"$work/out"
# The tier's change at 0.5.20 exactly: 0.778 there, 0.875 at 0.5.19.
run --model llama3-8b --seq 4096 --engine sglang --gpu v100-32g --sglang-version 0.5.20 --format json
check "v100, SGLang 0.5.20: 0.778" grep -Eq '^ *"mem_util": 0\.778,?$' "$work/out"
run --model llama3-8b --seq 4096 --engine sglang --gpu v100-32g --sglang-version 0.5.19 --format json
check "v100, SGLang 0.5.19: 0.875" grep -Eq '^ *"mem_util": 0\.875,?$' "$work/out"
# Pipeline stages turn the breakable graphs off since 0.5.20 (and
# tc_piecewise with them): pp 2, 512 + 12,288 + 256 + 512 = 13,568;
# round(68,352 / 81,920, 3) = round(0.83437..., 3) = 0.834.  Before,
# their 58 graphs: 14,032, 0.829.
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm --pp 2 --format json
check "pp 2: no prefill graphs, 0.834" grep -Eq '^ *"mem_util": 0\.834,?$' "$work/out"
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm --pp 2 --sglang-version 0.5.18 \
	--format json
check "pp 2, SGLang 0.5.18: 0.829" grep -Eq '^ *"mem_util": 0\.829,?$' "$work/out"
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
	"mem_fraction_static: SGLang's default (memory_hook): gpu_mem 81920 MiB; reserved 512 + max(chunked_prefill_size 8192, 2048) x 1.5 + tp x pp / 8 x 1024 + cuda_graph_max_bs 256 x 2 + 58 prefill CUDA graphs x 8 = 13904 MiB; round((81920 - 13904) / 81920, 3) = 0.830" \
	"$work/out"
# Under the 10 GiB floor, the sum and the floor: chunks of 4096, 512 +
# 6,144 + 128 + 512 + 50 x 8 = 7,696, raised to 10,240.
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm --chunked-prefill-size 4096 \
	--explain
check "--explain: the floor" grep -Fq \
	"+ cuda_graph_max_bs 256 x 2 + 50 prefill CUDA graphs x 8 = 7696 MiB, raised to 10,240 above 60 GiB; round((81920 - 10240) / 81920, 3) = 0.875" \
	"$work/out"
run --model deepseek-v2-lite --seq 4096 --engine sglang --gpu h100-sxm --sglang-version 0.5.18 \
	--explain
check "--explain, SGLang 0.5.18, MLA: server_args, no prefill graphs" grep -Fq \
	"SGLang's default (server_args): gpu_mem 81920 MiB; reserved 512 + max(chunked_prefill_size 8192, 2048) x 1.5 + tp x pp / 8 x 1024 + cuda_graph_max_bs 256 x 2 + no prefill CUDA graphs 0 = 13440 MiB; round((81920 - 13440) / 81920, 3) = 0.836" \
	"$work/out"
# --disable-cuda-graph (0.5.20 on): neither graphs' reserve, 512 + 12,288 +
# 128 = 12,928 MiB, round(68,992 / 81,920, 3) = 0.842; floor(85,899,345,920
# x 0.842) = 72,327,249,264, less the weights 16,060,522,496 and the
# table 4,325,376: 56,262,401,392.  Before
# 0.5.20 it is not followed, and said so.
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm --disable-cuda-graph --explain
check "--disable-cuda-graph: no graphs reserved" grep -Fxq \
	"h100-sxm: mem_fraction_static 0.842 (SGLang's default here; --mem-fraction-static to give one), 56,262,401,392 B for the cache" \
	"$work/out"
check "--explain: no graphs" grep -Fq \
	"+ tp x pp / 8 x 1024 + no decode CUDA graphs 0 + no prefill CUDA graphs 0 = 12928 MiB; round((81920 - 12928) / 81920, 3) = 0.842" \
	"$work/out"
run --model llama3-8b --seq 4096 --engine sglang --gpu v100-32g --disable-cuda-graph \
	--sglang-version 0.5.18 --format json
check "--disable-cuda-graph before 0.5.20: the reserve as with graphs" \
	grep -Eq '^ *"mem_util": 0\.875,?$' "$work/out"
check "... and a warning" grep -Fxq \
	"kvplan: warning: --disable-cuda-graph is followed from SGLang 0.5.20; --sglang-version 0.5.18 reserves as with graphs" \
	"$work/err"
run --model llama3-8b --seq 1000 --engine vllm --disable-cuda-graph --format json
check "--disable-cuda-graph under vLLM warns" grep -Fxq \
	"kvplan: warning: --disable-cuda-graph is a sglang setting; --engine vllm ignores it" \
	"$work/err"
# --disaggregation-mode (0.5.20 on).  A decode server: 512 + max(256, 2048)
# x 1.5 + 128 + 512 = 4,224 MiB, raised to 10,240; round(71,680 / 81,920,
# 3) = 0.875; floor(85,899,345,920 x 0.875) = 75,161,927,680, less the
# weights 16,060,522,496 and the table 4,325,376: 59,097,079,808.  A
# prefill server: 512 + 12,288 + 128 + 58 x 8 = 13,392, round(68,528 /
# 81,920, 3) = 0.837; floor(85,899,345,920 x 0.837) = 71,897,752,535, less
# the weights and the table: 55,832,904,663.
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm --disaggregation-mode decode --explain
check "--disaggregation-mode decode: no prefill chunk" grep -Fxq \
	"h100-sxm: mem_fraction_static 0.875 (SGLang's default here; --mem-fraction-static to give one), 59,097,079,808 B for the cache" \
	"$work/out"
check "--explain: a decode server's terms" grep -Fq \
	"reserved 512 + a decode server's (no vision factor) max(cuda_graph_max_bs 256, 2048) x 1.5 + tp x pp / 8 x 1024 + cuda_graph_max_bs 256 x 2 + no prefill CUDA graphs 0 (a decode server) = 4224 MiB, raised to 10,240 above 60 GiB; round((81920 - 10240) / 81920, 3) = 0.875" \
	"$work/out"
# With a draft a decode server's requests are times the draft tokens as
# given (memory_hook.py, a82da8da): max(512 x 8, 2,048) x 1.5 = 6,144,
# 512 + 6,144 + 128 + 48 x 2 = 6,880 MiB; round(25,888 / 32,768, 3) = 0.790.
run --model llama3-8b --seq 4096 --engine sglang --gpu v100-32g --disaggregation-mode decode \
	--draft-model llama3.2-1b --spec-tokens 7 --spec-topk 4 --spec-draft-tokens 8 \
	--max-running-requests 512 --explain
check "--disaggregation-mode decode with a draft: the draft tokens" grep -Fq \
	"reserved 512 + a decode server's (no vision factor) max(max_running_requests 512 x speculative_num_draft_tokens 8 (as given), 2048) x 1.5 + tp x pp / 8 x 1024 + cuda_graph_max_bs 48 x 2 + no prefill CUDA graphs 0 (a decode server) = 6880 MiB; round((32768 - 6880) / 32768, 3) = 0.790" \
	"$work/out"
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm --disaggregation-mode prefill
check "--disaggregation-mode prefill: no decode graphs" grep -Fxq \
	"h100-sxm: mem_fraction_static 0.837 (SGLang's default here; --mem-fraction-static to give one), 55,832,904,663 B for the cache" \
	"$work/out"
run --model llama3-8b --seq 4096 --engine sglang --gpu h100-sxm --disaggregation-mode null
check "--disaggregation-mode null: one server's 0.830" grep -Fq \
	"h100-sxm: mem_fraction_static 0.830 " "$work/out"
run --model llama3-8b --seq 4096 --engine sglang --gpu v100-32g --disaggregation-mode decode \
	--sglang-version 0.5.18 --format json
check "--disaggregation-mode before 0.5.20: one server's reserve" \
	grep -Eq '^ *"mem_util": 0\.875,?$' "$work/out"
check "... and a warning" grep -Fxq \
	"kvplan: warning: --disaggregation-mode is followed from SGLang 0.5.20; --sglang-version 0.5.18 reserves as one server" \
	"$work/err"
expect_error "--disaggregation-mode encode" \
	"^kvplan: --disaggregation-mode: unknown disaggregation mode 'encode' \\(valid: null, prefill, decode\\)$" \
	--model llama3-8b --seq 100 --engine sglang --disaggregation-mode encode
# The settings belong to SGLang: another engine warns and ignores them.
run --model llama3-8b --seq 1000 --engine vllm --chunked-prefill-size 4096 --format json
check "--chunked-prefill-size under vLLM warns" grep -Fxq \
	"kvplan: warning: --chunked-prefill-size is a sglang setting; --engine vllm ignores it" \
	"$work/err"
expect_error "--cuda-graph-max-bs 0" "^kvplan: --cuda-graph-max-bs: " \
	--model llama3-8b --seq 100 --engine sglang --cuda-graph-max-bs 0
run --model qwen3.5-27b --seq 1000 --engine vllm --language-only --format json
check "--language-only under vLLM warns" grep -Fxq \
	"kvplan: warning: --language-only is a sglang setting; --engine vllm ignores it" \
	"$work/err"
run --model llama3-8b --seq 1000 --engine vllm --sglang-version 0.5.18 --format json
check "--sglang-version under vLLM warns" grep -Fxq \
	"kvplan: warning: --sglang-version is a sglang setting; --engine vllm ignores it" \
	"$work/err"
for bad in 0.5.x 0.5. 5 0.0.0 0.5.100 .5.18 0.5.18.1 ''; do
	expect_error "--sglang-version '$bad'" \
		"^kvplan: --sglang-version: '.*' is not an SGLang release \\(MAJOR\\.MINOR\\.PATCH, as 0\\.5\\.18; MAJOR\\.MINOR is its \\.0\\)$" \
		--model llama3-8b --seq 100 --engine sglang --sglang-version "$bad"
done
# MAJOR.MINOR is its .0: 0.5 is 0.5.0, before 0.5.18's shared indexer,
# so every GLM-5.2 layer keeps its key (78 x 1,284 = 100,152 B a token).
run --model glm-5.2 --seq 1000 --engine sglang --gpu h200 --sglang-version 0.5 --format json
is kv_bytes_per_token 100152 "--sglang-version 0.5 is 0.5.0"

done_testing
