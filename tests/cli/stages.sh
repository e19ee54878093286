# stages.sh — pipeline stages from the command line: each stage's weights
# beside its cache, the stage that binds and the others' budgets, vLLM's
# "Available KV cache memory" as its releases log it, the advice and
# --explain on the stage they concern.  Figures worked by hand here and in
# tests/test_stages.c.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# Llama 3 70B in fp16 (141,107,412,992 B; embedding and head 128,256 x
# 8,192 x 2 = 2,101,346,304 B each), vLLM at tp 2 and pp 3 (27, 27, 26
# layers) on an H100 at 0.92 (usable 79,027,398,247): per GPU
# ceil((46,205,343,129 + 2,101,346,304) / 2) = 24,153,344,717 B of weights
# on the first stage, 23,102,671,565 on the second, 23,297,690,215 on the
# last, and on each GPU the rotary table, 8,192 positions x 128 x 2 B =
# 2,097,152 B: 24,155,441,869, 23,104,768,717 and 23,299,787,367; budgets
# 54,871,956,378, 55,922,629,530 and 55,727,610,880 B; in blocks of 16 of
# 32,768 B a layer: 62,020, 63,208 and 65,410, so the first stage binds
# with 992,320 tokens.
run --model llama3-70b --seq 8192 --engine vllm --tp 2 --pp 3 --gpu h100-sxm
has_line "stage 0's weights beside its cache" \
	"  stage 0: layers 0-26, 452,984,832 B per GPU, weights 24,155,441,869 B"
has_line "stage 2's, with the head" \
	"  stage 2: layers 54-79, 436,207,616 B per GPU, weights 23,299,787,367 B"
has_line "the stage that binds" \
	"h100-sxm: 54,871,956,378 B for the cache on stage 0, which binds"
has_line "the others' budgets" \
	"  the other stages': stage 1 55,922,629,530 B, stage 2 55,727,610,880 B"
has_line "the tokens of the fewest blocks" \
	"    GPU KV cache size: 992,320 tokens, Maximum concurrency for 8,192 tokens per request: 121.13x"
has_line "the memory table's heading" \
	"Memory per GPU of the stage that binds (the parts sum to its memory)"
# --explain: each stage's null block, one block of its own pool (27, 27
# and 26 layers of 16 x 2,048 B per GPU: 884,736, 884,736 and 851,968 B).
run --model llama3-70b --seq 8192 --engine vllm --tp 2 --pp 3 --gpu h100-sxm --explain
has_line "--explain: stage 2's null block, its 26 layers' pages" \
	"    stage 2: vLLM's check holds back its pool's null block (851,968 B): 55,726,758,912 B of its 55,727,610,880 B for the longest context and the batch"
run --model llama3-70b --seq 8192 --engine vllm --tp 2 --pp 3 --gpu h100-sxm --format json
is stage 0 "JSON: the stage that binds"
is weights_per_gpu 24155441869 "JSON: its weights"
is budget_bytes 54871956378 "JSON: its budget"
check "JSON: each stage's budget" test \
	"$(sed -n 's/^ *"budget_bytes": \([0-9]*\),*$/\1/p' "$work/out" | tr '\n' ' ')" = \
	"54871956378 54871956378 55922629530 55727610880 "
run --model llama3-70b --seq 8192 --engine vllm --tp 2 --pp 3 --gpu h100-sxm --explain
has_line "explain: the first stage's weights, binding" \
	"    weights per GPU of stage 0: 27 of 80 layers' + embedding, ceil(/ tp 2) + the rotary table 2,097,152 = 24,155,441,869 B (binds)"
has_line "explain: the last stage's, with the head" \
	"    weights per GPU of stage 2: 26 of 80 layers' + head, ceil(/ tp 2) + the rotary table 2,097,152 = 23,299,787,367 B"

# vLLM's profile run samples on the last stage alone.  Llama 3.1 8B at pp
# 2 on an H100 (8,192 batched tokens, 1,024 sequences): the first stage
# 79,027,398,247 - 8,030,261,248 (16 layers and the embedding) -
# 33,554,432 (its rotary table, 131,072 positions x 128 x 2 B) -
# 963,012,198 (the forward) - 75,497,472 (72 MiB) = 69,925,072,897 B,
# 65.12 GiB; the last 2,035,679,232 (the sampler) instead of the forward,
# and the intermediate tensors it receives, 2 x 8,192 x 4,096 x 2 =
# 134,217,728 (gpu_model_runner.py make_empty_intermediate_tensors):
# 68,718,188,135 B, 64.00 GiB.  Since 0.20 each also takes its CUDA
# graphs' estimate, 16 layers and 51 sizes: 300,941,312 + 362,496 x 16 x
# 50 = 590,938,112 B (lib/vllm_profile.c): 69,334,134,785 B, 64.57 GiB, and
# 68,127,250,023 B.  That is the V1 model runner's sampler; today's
# release runs V2, whose dummy sampler (1,024 x (2 x 128,256 + 12 x 126) =
# 264,216,576 B) stays below the forward, so the last stage binds by what
# it receives alone: 69,334,134,785 - 134,217,728 = 69,199,917,057 B.
# From 0.11.1 only local rank 0 logs it.
run --model llama3.1-8b --seq 8192 --engine vllm --pp 2 --profile-memory --gpu h100-sxm
has_line "the first stage's line, as vLLM logs it" \
	"    Available KV cache memory: 64.57 GiB"
has_line "V2: the receiving stage binds" \
	"h100-sxm: 69,199,917,057 B for the cache on stage 1, which binds"
run --model llama3.1-8b --seq 8192 --engine vllm --pp 2 --profile-memory --gpu h100-sxm \
	--vllm-runner v1
has_line "V1: the sampler's stage binds" \
	"h100-sxm: 68,127,250,023 B for the cache on stage 1, which binds"
run --model llama3.1-8b --seq 8192 --engine vllm --pp 2 --profile-memory --gpu h100-sxm \
	--vllm-version 0.19 --mem-util 0.92
has_line "0.19: no graphs taken" "    Available KV cache memory: 65.12 GiB"
# Before 0.20 the default share was 0.90: 77,309,411,328 B usable, so
# 68,207,085,978 B (63.52 GiB) and 67,000,201,216 B (62.40 GiB).
run --model llama3.1-8b --seq 8192 --engine vllm --pp 2 --profile-memory --gpu h100-sxm \
	--vllm-version 0.10
has_line "0.10: every worker's line, the first" \
	"    (stage 0) Available KV cache memory: 63.52 GiB"
has_line "... and the last" "    (stage 1) Available KV cache memory: 62.40 GiB"

# DeepSeek-V3's three dense layers lighten its first stage: at tp 8 and pp
# 2, by its layers' parameters (tests/test_moe_stages.c works them by
# hand for a count of 671e9; the profile's 671,026,419,200 without the
# MTP layer leave each layer floor((671,026,419,200 - 1,853,365,248 -
# 657,758,617,600) / 61) = 187,121,907 beside its MLP: stage 0
# 323,954,466,157 of 669,173,053,927), of the layers' 1,338,346,122,240
# B 647,908,939,278 + 1,853,358,080 (embedding) and 690,437,182,962 +
# 1,853,358,080 (head) B.  vLLM holds each MLA layer's fused q_a and
# kv_a (7,168 x (1,536 + 512 + 64)) and each routed layer's router (7,168
# x 256) whole on every rank: stage 0 31 x 15,138,816 + 28 x 1,835,008 =
# 520,683,520 parameters, 1,041,367,040 B; stage 1 30 x 15,138,816 + 30 x
# 1,835,008 = 509,214,720, 1,018,429,440 B.  Per GPU ceil((stage - those)
# / 8) + those: 82,131,483,330 and 87,427,443,391 B, and the YaRN rotary
# table, 4,096 x 40 positions x 64 x 2 B = 20,971,520 B: 82,152,454,850
# and 87,448,414,911 B.
run --model deepseek-v3 --seq 8192 --engine vllm --tp 8 --pp 2 --gpu h200 --explain
has_line "MoE: the first stage's weights, by its layers' parameters" \
	"    weights per GPU of stage 0: 31 of 61 layers' (323,954,466,157 of 669,173,053,927 parameters) + embedding less the 1,041,367,040 B every rank holds whole, ceil(/ tp 8) + those + the rotary table 20,971,520 = 82,152,454,850 B"
has_line "... and the last's, which binds" \
	"    weights per GPU of stage 1: 30 of 61 layers' (345,218,587,770 of 669,173,053,927 parameters) + head less the 1,018,429,440 B every rank holds whole, ceil(/ tp 8) + those + the rotary table 20,971,520 = 87,448,414,911 B (binds)"

# Nemotron 3 Super at pp 3 (29, 30 and 29 of its 88 layers): each stage
# its own blocks' parameters (Mamba-2 109,640,064, attention 35,655,680,
# expert 2,873,102,848; data/models/nemotron-3-super-120b.yaml): 38,882,624,896,
# 38,992,264,960 and 41,720,072,064 and the final norm's 4,096 of
# 119,594,966,016.  Its last stage's share of the fp16 body
# (241,337,415,680 - 2 x 1,073,741,824 B of embedding and head) is then
# 2 B a parameter, 83,440,152,320 B, and vLLM builds the embedding and the
# head on every rank (nemotron_h.py: no PPMissingLayer): 85,587,635,968 B.
# By count it was 29/88 of the body and the head, 79,897,696,698 B.
run --model nemotron-3-super-120b --seq 8192 --engine vllm --pp 3 --gpu h200 --explain
has_line "Nemotron-H: a stage's weights by its blocks" \
	"    weights per GPU of stage 2: 29 of 88 layers' (41,720,076,160 of 119,594,966,016 parameters) + embedding + head, ceil(/ tp 1) = 85,587,635,968 B (binds)"

# Nemotron-H-56B, whose MLP layers' size its profile does not give (its
# MLP is an up and a down, not the gated one kvp_model intermediate is):
# what its 56,324,350,464 parameters leave past the embeddings (2 x
# 131,072 x 8,192), the final norm, 54 Mamba-2 blocks of 438,432,512 and
# 10 attention blocks of 151,003,136, over its 54 MLP layers, 536,879,104
# each (data/models/nemotron-h-56b.yaml).  At pp 3 its stages of 39, 40
# and 39 layers hold 18 M, 3 *, 18 -; 18 M, 4 *, 18 -; and 18 M, 3 *, 18
# -: 18,008,618,496, 18,159,621,632 and 18,008,618,496 and the final
# norm's 8,192, of 54,176,866,816.  Of the bf16 body, 112,648,700,928 - 2
# x 2,147,483,648 = 108,353,733,632 B, 2 B a parameter: the middle stage's
# 36,319,243,264 B with the embedding and the head vLLM builds on every
# rank, 40,614,210,560 B, ceil(/ tp 4) = 10,153,552,640 B, binds.  By
# count the middle stage, the only one of 40, bound with 40/118 of the
# body.
run --model nemotron-h-56b --seq 8192 --engine vllm --pp 3 --tp 4 --gpu h100 --explain
has_line "Nemotron-H-56B: its MLP blocks from its params" \
	"    weights per GPU of stage 1: 40 of 118 layers' (18,159,621,632 of 54,176,866,816 parameters) + embedding + head, ceil(/ tp 4) = 10,153,552,640 B (binds)"

# The exact model at pp 2, 100,000 tokens: each stage's 40 layers hold
# 40 x 100,000 x 4,096 = 16,384,000,000 B against 77,309,411,328 -
# 70,553,706,496 = 6,755,704,832 B: 9,628,295,168 short, on stage 0.
run --model llama3-70b --seq 100000 --pp 2 --gpu h100-sxm
has_line "the advice names the stage" \
	"h100-sxm: does not fit by 9,628,295,168 B (cache 16,384,000,000 B per GPU on stage 0, 6,755,704,832 B for it); fits with seq <= 41,233 at batch 1, or cache type q5_1, or 4 GPUs (tp 2)"
has_line "exact: the stage that binds" \
	"h100-sxm: 6,755,704,832 B for the cache on stage 0, which binds"
done_testing
