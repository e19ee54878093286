# rope.sh — the rotary embedding's tables vLLM and SGLang build once on
# each GPU and count in its weights (lib/rope.c): catalogue models' tables
# worked by hand, the published logs they agree with, --explain, JSON and
# the profile fields' errors.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# vLLM v0.19.0's own logs (github jgchn/llm-d-planner @ 6417620b,
# accuracy/results/v0.19.0/logs/meta-llama-llama-3-1-8b---h100-80gb--
# tp{1,2,4}pp1dp1--8192.log): "Model loading took 14.99 GiB", "7.51 GiB"
# and "3.77 GiB".  Llama 3.1 8B's weights a GPU, 16,060,522,496,
# 8,030,261,248 and 4,015,130,624 B (the catalogue's parameters, even
# over tp), are 14.96, 7.48 and 3.74 GiB; with the table, 131,072
# positions x 128 x 2 B = 33,554,432 B on each GPU, 16,094,076,928,
# 8,063,815,680 and 4,048,685,056 B: 14.99, 7.51 and 3.77 GiB.
for case in 1:16094076928:14.99 2:8063815680:7.51 4:4048685056:3.77; do
	tp=${case%%:*} rest=${case#*:}
	run --model llama3.1-8b --seq 8192 --engine vllm --tp "$tp" --gpu h100-sxm --format json
	is weights_per_gpu "${rest%%:*}" "Llama 3.1 8B at tp $tp: the weights and the table"
	gib=$(awk -v w="${rest%%:*}" 'BEGIN { printf "%.2f", w / 1073741824 }')
	check "... ${rest#*:} GiB, as vLLM 0.19.0 logs it" test "$gib" = "${rest#*:}"
done
is rotary_bytes 33554432 "JSON: the table's bytes"
# Qwen3 8B (its log qwen-qwen3-8b--h100-80gb--tp1pp1dp1--8192.log: "Model
# loading took 15.27 GiB"): 8,190,735,360 parameters x 2 =
# 16,381,470,720 B, 15.26 GiB; with 40,960 positions x 128 x 2 B =
# 10,485,760 of table, 16,391,956,480 B, 15.27 GiB.
run --model qwen3-8b --seq 8192 --engine vllm --gpu h100-sxm --format json
is weights_per_gpu 16391956480 "Qwen3 8B: the weights and the table, 15.27 GiB as logged"
# The same model in fp32 (its -dtf32 log: "Model loading took 29.98 GiB"):
# 8,030,261,248 x 4 + 131,072 x 128 x 4 = 32,188,153,856 B, 29.98 GiB.
run --model llama3.1-8b --seq 8192 --engine vllm --weights-dtype fp32 --gpu h100-sxm --format json
is weights_per_gpu 32188153856 "fp32: the table in fp32 too"
# Gemma 3 4B (google-gemma-3-4b-it's log: "Model loading took 8.58
# GiB"): 4,300,079,472 parameters x 2 = 8,600,158,944 B, and two tables
# of 256 values a position: the full layers' linear x8, 1,048,576
# positions (536,870,912 B), the sliding layers' own, 131,072 (67,108,864
# B): 9,204,138,720 B, 8.57 GiB (8.01 without them).
run --model gemma3-4b --seq 8192 --engine vllm --gpu h100-sxm --format json
is rotary_bytes 603979776 "Gemma 3 4B: both tables"
is weights_per_gpu 9204138720 "... in the weights, 8.57 GiB of the log's 8.58"

# Catalogue models, by hand (vLLM, 2 B a value):
#   deepseek-v3: YaRN, 4,096 x 40 positions x qk_rope 64: 20,971,520;
#   gemma3-27b: 1,048,576 x 128 x 2 + 131,072 x 128 x 2 = 301,989,888;
#   llama4-scout: 10,485,760 positions x 128: 2,684,354,560;
#   phi4-mini: long rope, (4,096 + 131,072) x 96 (0.75 of 128):
#     25,952,256;
#   qwen3.5-27b: multimodal rope, 4 x 262,144 x 64 (0.25 of 256):
#     134,217,728;
#   gpt-oss-120b: YaRN 4,096 x 32 x 64, in fp32 (gpt_oss.py asks for
#     it): 33,554,432;
#   glm-4.5: 131,072 x 64 (0.5 of 128): 16,777,216;
#   gpt2 (learned positions), nemotron-h-56b (attention without rope): 0.
for case in deepseek-v3:20971520 gemma3-27b:301989888 llama4-scout:2684354560 \
	phi4-mini:25952256 qwen3.5-27b:134217728 gpt-oss-120b:33554432 \
	glm-4.5:16777216 gpt2:0 nemotron-h-56b:0; do
	run --model "${case%%:*}" --seq 1024 --engine vllm --gpu h200 --format json
	check "${case%%:*}: ${case#*:} B of rotary table" test \
		"$(sed -n 's/^  "rotary_bytes": \([0-9]*\),$/\1/p' "$work/out")" = "${case#*:}"
done
# vLLM's DeepSeek YaRN table with --enforce-eager: its rotary custom op
# on (custom_ops "all"), FlashInfer's kernel for a rope head of 64, so the
# table stays fp32 (deepseek_scaling_rope.py use_flashinfer; base.py
# converts it only without): 163,840 x 64 x 4 = 41,943,040; before 0.14
# (PR #30729) and for a model without MLA, the model's dtype.
run --model deepseek-v3 --seq 1024 --engine vllm --gpu h200 --enforce-eager --format json
is rotary_bytes 41943040 "vLLM --enforce-eager: DeepSeek's table in fp32"
run --model deepseek-v3 --seq 1024 --engine vllm --gpu h200 --enforce-eager --vllm-version 0.13 --format json
is rotary_bytes 20971520 "... not before 0.14"
run --model deepseek-v2-lite --seq 1024 --engine vllm --gpu h200 --enforce-eager --format json
is rotary_bytes 41943040 "DeepSeek-V2-Lite: 4,096 x 40 x 64 x 4 = 41,943,040"
run --model gpt-oss-120b --seq 1024 --engine vllm --gpu h200 --enforce-eager --format json
is rotary_bytes 33554432 "gpt-oss: fp32 with or without"
run --model qwen3.5-27b --seq 1024 --engine vllm --gpu h200 --enforce-eager --format json
is rotary_bytes 134217728 "a model without MLA: its dtype"
# SGLang keeps its tables in fp32 (rotary_embedding.py), its multimodal
# rope at max_position rows, and grows a table to its context + 256 rows
# after loading (reserve_rope_cache_for_long_sequences): Qwen3.5 27B
# (262,144 + 256) x 64 x 4 = 67,174,400;
# Phi-3's long rope buffers, the short and long tables beside their
# concatenation, in the model's dtype, not grown (its class is no
# RotaryEmbedding): 2 x 135,168 x 96 x 2 = 51,904,512;
# Gemma 3's two tables both plain (gemma3_causal.py), 131,072 rows, both
# grown to SGLang's context + 256, rounded up to 128: from 0.5.10
# (transformers 5, whose rope_parameters of Gemma 3 are by layer type, no
# factor at the top) get_context_length gives the positions, 131,072: 2 x
# 131,328 x 256 x 4 = 268,959,744; before, it multiplied them by
# rope_scaling's factor 8 (no original given), 1,048,576 (the inflation
# sgl-project/sglang PR #20387, closed unmerged, reports): 2 x 1,048,832 x
# 256 x 4 = 2,148,007,936.  TensorRT-LLM's in fp32, max_position rows whatever
# the scaling, an MLA model's twice as wide (duplicate_data): Llama 3.1 8B
# 131,072 x 128 x 4 = 67,108,864, DeepSeek-V3 163,840 x 128 x 4 =
# 83,886,080.
run --model qwen3.5-27b --seq 1024 --engine sglang --gpu h200 --format json
check "SGLang: mrope at max_position rows, fp32, grown" grep -q '^  "rotary_bytes": 67174400,$' "$work/out"
run --model phi4-mini --seq 1024 --engine sglang --gpu h200 --format json
check "SGLang: long rope in the model's dtype" grep -q '^  "rotary_bytes": 51904512,$' "$work/out"
run --model gemma3-4b --seq 1024 --engine sglang --gpu h200 --format json
check "SGLang: Gemma 3's tables plain, grown to its context" grep -q '^  "rotary_bytes": 268959744,$' "$work/out"
run --model gemma3-4b --seq 1024 --engine sglang --gpu h200 --sglang-version 0.5.9 --format json
check "SGLang 0.5.9: Gemma 3's context x 8 (transformers 4)" grep -q '^  "rotary_bytes": 2148007936,$' "$work/out"
run --model llama3.1-8b --seq 1024 --engine trtllm --gpu h200 --format json
check "TensorRT-LLM: fp32" grep -q '^  "rotary_bytes": 67108864,$' "$work/out"
run --model deepseek-v3 --seq 1024 --engine trtllm --gpu h200 --format json
check "TensorRT-LLM: MLA's duplicated" grep -q '^  "rotary_bytes": 83886080,$' "$work/out"
run --model llama3.1-8b --seq 1024 --engine llama.cpp --gpu h200 --format json
check "llama.cpp builds no table" sh -c "! grep -q rotary_bytes '$work/out'"

# --explain names it in a GPU's weights at tp 1 too: Gemma 3 4B under
# vLLM, 8,600,158,944 + 603,979,776 = 9,204,138,720 B.
run --model gemma3-4b --seq 8192 --engine vllm --gpu h100-sxm --explain
has_line "explain at tp 1: the weights and the tables" \
	"    weights per GPU: 34 of 34 layers' + embedding, ceil(/ tp 1) + the rotary table 603,979,776 = 9,204,138,720 B"
# --explain names it in each stage's weights: Llama 4 Scout at pp 2
# (24 layers each) under vLLM, 2,684,354,560 B on each.
run --model llama4-scout --seq 8192 --engine vllm --pp 2 --gpu h200 --explain
check "explain: the table in stage 0's weights" grep -q \
	"weights per GPU of stage 0: .* + the rotary table 2,684,354,560 = " "$work/out"
check "explain: and stage 1's" grep -q \
	"weights per GPU of stage 1: .* + the rotary table 2,684,354,560 = " "$work/out"

# A profile's rope fields: an unknown type is one line at its place.
mkdir -p "$work/data/models"
printf '%s\n' 'name: r' 'layers: 2' 'heads: 4' 'kv_heads: 4' 'head_dim: 64' \
	'max_context: 1024' 'rope_type: yarm' >"$work/data/models/r.yaml"
expect_error "an unknown rope type, at its line" \
	"r\\.yaml:7:12: field 'rope_type': unknown rope type 'yarm' \\(valid: default, none, linear, dynamic, yarn, llama3, longrope, mrope, proportional\\)\$" \
	--data-dir "$work/data" --model r --seq 16
# Given, the fields size the table: 1,024 positions x 4 x 32 rotated
# values (rotary_dim) x 2 B = 262,144 B under linear x4.
printf '%s\n' 'name: r' 'layers: 2' 'heads: 4' 'kv_heads: 4' 'head_dim: 64' \
	'max_context: 1024' 'rope_type: linear' 'rope_factor: 4' 'rotary_dim: 32' \
	>"$work/data/models/r.yaml"
run --data-dir "$work/data" --model r --seq 16 --engine vllm --format json
check "a profile's rope fields" grep -q '^  "rotary_bytes": 262144,$' "$work/out"
done_testing
