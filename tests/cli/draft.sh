# draft.sh — speculative decoding: a draft model (catalogue, config.json,
# GGUF) and MTP layers in the table, JSON and CSV, in vLLM's one pool and
# llama.cpp's own draft context, taken from the budget by the solvers, and
# every bad combination refused in one line.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"
mkgguf=$KVPLAN_BUILDDIR/tests/mkgguf
configs=$KVPLAN_SRCDIR/tests/configs

# DeepSeek-V3 with its one MTP layer (data/models/deepseek-v3.yaml): 62
# layers of a 576-value latent at 2 B, 1,152 B a token each; at 4096
# tokens 62 x 1,152 x 4096 = 292,552,704 B.  The layer's weights, the
# profile's mtp_params, 13,463,426,304 (model.layers.61 counted tensor by
# tensor: an expert layer's block 11,507,286,272, enorm, hnorm and
# shared_head.norm 3 x 7168, eh_proj 2 x 7168^2, and its copies of the
# embedding and head 2 x 129280 x 7168 = 1,853,358,080, which vLLM,
# SGLang and TensorRT-LLM do not hold): 11,610,068,224 params, x 2 B =
# 23,220,136,448.
run --model deepseek-v3 --seq 4096 --mtp 1 --format json
is cache_total_bytes 292552704 "MTP: 62 x 1,152 x 4096 B"
check "draft.kind is mtp" grep -q '^    "kind": "mtp",$' "$work/out"
is weights_bytes 23220136448 "the MTP layer's weights (the first weights_bytes is the draft's)"
check "the MTP group says so" grep -q '"draft": true' "$work/out"
run --model deepseek-v3 --seq 4096 --mtp 1
check "the table's MTP row" grep -Eq "^  MTP mla latent +1 +4,096 +1,152 +4,718,592$" "$work/out"
check "the fit says the MTP layers' share" grep -q "^Fit (weights 1.24 TiB as fp16, 21.63 GiB of them the MTP layers'; 90% of memory usable)$" "$work/out"
run --model deepseek-v3 --seq 4096 --format json
is draft null "no draft: null"

# Nemotron 3 Super's MTP layer (data/models/nemotron-3-super-120b.yaml,
# vLLM's NemotronHMultiTokenPredictor of mtp_hybrid_override_pattern "*E"):
# an attention block 35,655,680 params, a latent-expert block
# 2,873,102,848, eh_proj 2 x 4096^2 and three norms of 4096:
# 2,942,325,248 params, x 2 B = 5,884,650,496 B; the model's own
# 120,668,707,840 x 2 B = 241,337,415,680.  Its cache is one attention
# layer of 2 kv heads x 128: 2 x 2 x 128 x 2 B = 1,024 B a token.  Its
# config.json, with no checkpoint beside it, counts the same.
for src in "--model nemotron-3-super-120b" "--config $configs/nemotron-3-super-120b"; do
	run $src --seq 4096 --mtp 1 --format json
	is weights_bytes 5884650496 "Nemotron 3 Super's MTP layer, *E ($src)"
	check "its model's weights without it ($src)" grep -q '"weights_bytes": 241337415680,' "$work/out"
done
run --model nemotron-3-super-120b --seq 4096 --mtp 1
check "Nemotron 3 Super: the MTP row, one attention layer" \
	grep -Eq "^  MTP full +1 +4,096 +1,024 +4,194,304$" "$work/out"
# vLLM buckets the MTP layer's attention with the model's 8 attention
# layers (their specs are equal; kv_cache_utils.py get_kv_cache_groups):
# 9 attention and 40 Mamba layers, group_size 9 (40 >= 1.5 x 9), 1 + 5
# groups.  At tp 4 a rank holds 1 kv head (512 B a token and layer) and
# a state of (3 + 1) x 2,560 conv values (a row more for the drafted
# token: mamba2_state_shape's conv_kernel - 1 + num_spec) in 16 bits and
# 32 x 64 x 128 SSM values in fp32, 1,069,056 B: blocks of 16 x
# cdiv(2,088, 16) = 2,096 tokens, pages of 1,073,152 B.  A budget of
# 1,766 x 9 pages holds 1,766 blocks, 294 a group of 2,096 tokens:
# 616,224; a request of 8,192 takes 4 attention blocks and 3 states in
# each of 5 groups (align: 2, and one a speculative token): 1,766 / 19 =
# 92.9x.  With the MTP layer a bucket of its own, group_size was 1.
run --model nemotron-3-super-120b --seq 8192 --engine vllm --gpu h100 --tp 4 --mtp 1 \
	--kv-budget $((1766 * 9 * 1073152)) --format json
is capacity_blocks 1766 "vLLM: the MTP layer in the attention bucket, 9 layers a group"
is capacity_tokens 616224 "vLLM: 294 blocks of 2,096 a group"
is max_concurrency 92.94736842 "vLLM: 19 blocks a request"
# An MTP layer of blocks not modelled (no attention block, or two): said
# on stderr, and left out.
mkdir -p "$work/super"
sed 's/"mtp_hybrid_override_pattern": "\*E"/"mtp_hybrid_override_pattern": "**E"/' \
	"$configs/nemotron-3-super-120b/config.json" >"$work/super/config.json"
run --config "$work/super" --seq 4096 --format json
check "an MTP layer of two attention blocks: warned" \
	grep -q 'the MTP layers'"'"' blocks "\*\*E" are not modelled' "$work/err"
is params 120668707840 "an MTP layer not modelled: left out of the params"
check "the MTP layers' note says why" grep -q '"text": "0: their blocks' "$work/out"
expect_error "an MTP layer not modelled: --mtp says why" \
	"^kvplan: --mtp: .*/super/config.json: no MTP layers: their blocks \"\\*\\*E\" are not modelled" \
	--config "$work/super" --seq 4096 --mtp 1

# Llama 3.1 70B drafted by Llama 3.2 1B under vLLM at tp 4: one pool, a
# block of 16 tokens holding 80 x 2 x 128 x 2 x 2 x 16 = 1,310,720 B and
# 16 x 2 x 64 x 2 x 2 x 16 = 131,072 B; num_blocks = budget // 1,441,792.
# Each model has its own rotary table (get_rope's key differs in the head
# size): 131,072 positions x 128 x 2 B = 33,554,432 and x 64 x 2 B =
# 16,777,216.
run --model llama3.1-70b --seq 8192 --draft-model llama3.2-1b --engine vllm --tp 4 \
	--gpu h100 --format json
budget=$(json_value budget_bytes)
is capacity_blocks $((budget / 1441792)) "vLLM: one pool of both models' pages"
is capacity_tokens $((budget / 1441792 * 16)) "... 16 tokens a block"
is model '"llama3.1-70b"' "the model"
check "the draft named" grep -q '^    "model": "llama3.2-1b",$' "$work/out"
is draft_weights_bytes 617907200 "memory: the 1B's 2,471,628,800 B over 4 ranks"
usable=$(json_value usable_bytes)
is budget_bytes $((usable - 141107412992 / 4 - 617907200 - 33554432 - 16777216)) \
	"the budget: usable - both weights and both rotary tables"
run --model llama3.1-70b --seq 8192 --draft-model llama3.2-1b --engine vllm --tp 4 --gpu h100
check "the table's draft row" grep -Eq "^  draft full +16 +8,192 +512 +67,108,864$" "$work/out"
check "... and its weights' column" grep -Eq "^GPU +weights +draft +KV cache" "$work/out"
run --model llama3.1-70b --seq 8192 --draft-model llama3.2-1b --engine vllm --tp 4 --gpu h100 \
	--format csv
csv_is h100-sxm mem_draft_weights_bytes 617907200 "CSV: the draft's weights"

# llama.cpp: the draft context is its own llama_kv_cache, the target's
# n_ctx and sequences: 32768 cells of 16 layers x 8 heads x 64 x 2 x 2 B.
run --model llama3.1-70b --draft-model llama3.2-1b --engine llama.cpp -np 4 -c 32768
check "llama.cpp: the model's context line" grep -q "llama_kv_cache: size = 10240.00 MiB (  8192 cells,  80 layers,  4/4 seqs)" "$work/out"
check "llama.cpp: the draft's own line" grep -q "llama_kv_cache: size = 1024.00 MiB (  8192 cells,  16 layers,  4/4 seqs), K (f16):  512.00 MiB, V (f16):  512.00 MiB" "$work/out"
# ... and its own compute buffer (n_outputs_max = n_parallel: 4 rows of
# logits, 4 x 4 x (128,256 + 2,048) B, under its MLP's set beside its mask
# over 8,192 cells a stream: 4 x 512 x (3 x 2,048 + 3 x 8,192) + 2 x 8,192
# x 512 + 20 x 512 = 71,313,408 B, 68.01 MiB), after the model's (its 512
# tokens' logits, 4 x 512 x (128,256 + 8,192) = 266.50 MiB).
# MTP layers have no context of their own here: one output buffer and
# one compute buffer, after the model's caches and the MTP layer's.
run --model deepseek-v3 --mtp 1 --engine llama.cpp -c 8192 --gpu h100
check "llama.cpp --mtp: one output buffer line" test "$(grep -c 'output buffer size' "$work/out")" -eq 1
check "... one compute buffer line, last" sh -c \
	'test "$(grep -c "compute buffer size" "$1")" -eq 1 &&
	 grep -A1 "  1 layers" "$1" | grep -q "sched_reserve:      CUDA0 compute buffer size"' sh "$work/out"
run --model llama3.1-70b --draft-model llama3.2-1b --engine llama.cpp -np 4 -c 32768
has_line "llama.cpp: the model's compute buffer" \
	"    sched_reserve:      CUDA0 compute buffer size =   266.50 MiB"
check "llama.cpp: the draft's, after its cache" sh -c \
	'grep -A1 "16 layers" "$1" | grep -qx "    sched_reserve:      CUDA0 compute buffer size =    68.01 MiB"' \
	sh "$work/out"

# The draft from config.json is the catalogue's; from a GGUF file its
# weights are counted.
run --model llama3.1-70b --seq 1000 --draft-config "$configs/llama3.2-1b" --format json
from_config=$(json_value cache_total_bytes)
run --model llama3.1-70b --seq 1000 --draft-model llama3.2-1b --format json
is cache_total_bytes "$from_config" "config.json and the catalogue: the same draft"
is cache_total_bytes $((1000 * (80 * 4096 + 16 * 2048))) "1000 x (80 x 4096 + 16 x 2048) B"
"$mkgguf" "$work/d.gguf" llama2-7b q4_K
run --gguf "$work/d.gguf" --seq 1 --format json
counted=$(json_value weights_bytes)
run --model llama2-70b --seq 1 --draft-gguf "$work/d.gguf" --format json
check "--draft-gguf: its tensors count its weights ($counted B)" \
	grep -q "^    \"weights_bytes\": $counted,\$" "$work/out"
run --model llama2-70b --seq 1 --model-draft "$work/d.gguf" --format json
check "--model-draft: llama.cpp's name" grep -q "^    \"weights_bytes\": $counted,\$" "$work/out"

# The solvers count both caches: exact, 131,072 B a token for Llama 3.1
# 8B and 32,768 for the 1B.
run --model llama3.1-8b --seq 1024 --gpu h100 --solve max-seq --draft-model llama3.2-1b \
	--format json
budget=$(json_value budget_bytes)
is max_seq_hbm $((budget / (131072 + 32768))) "max-seq: budget / (131,072 + 32,768)"

# Qwen3-Next under vLLM with its MTP layer, prefix caching off (mamba mode
# none): each request keeps 2 states of each Gated DeltaNet layer (1 +
# num_speculative_tokens), 4 with --num-speculative-tokens 3.  In mode
# align, vLLM 0.28's default, one more: 2, 3 and 5.  Each conv state
# keeps a row more a drafted token (gated_delta_net_state_shape: 3 + 1
# rows of 8,192 channels still fit the page of 544 tokens, 3 + 3 do not:
# (6 x 8,192 + 524,288) x 2 B = 1,146,880 B, pages of 560 x 2,048 B).
run --model qwen3-next-80b-a3b --seq 4096 --engine vllm --no-enable-prefix-caching --format json
one=$(json_value state_bytes_per_seq)
run --model qwen3-next-80b-a3b --seq 4096 --engine vllm --no-enable-prefix-caching --mtp 1 \
	--format json
is state_bytes_per_seq $((2 * one)) "vLLM: 2 states a sequence with MTP"
run --model qwen3-next-80b-a3b --seq 4096 --engine vllm --mamba-cache-mode none --mtp 1 \
	--num-speculative-tokens 3 --format json
is state_bytes_per_seq $((4 * 1146880)) "vLLM: 1 + 3 states of 560-token pages"
run --model qwen3-next-80b-a3b --seq 4096 --engine vllm --format json
is state_bytes_per_seq $((2 * one)) "vLLM align: 2 states a sequence"
run --model qwen3-next-80b-a3b --seq 4096 --engine vllm --mtp 1 --format json
is state_bytes_per_seq $((3 * one)) "vLLM align: 3 with MTP"
run --model qwen3-next-80b-a3b --seq 4096 --engine vllm --mamba-cache-mode align --mtp 1 \
	--num-speculative-tokens 3 --format json
is state_bytes_per_seq $((5 * 1146880)) "vLLM align: 2 + 3 states"

# Bad input: one line, exit 2.
m="--model llama3.1-70b --seq 1024"
expect_error "an unknown draft" "^kvplan: --draft-model: unknown model 'nosuch'" \
	$m --draft-model nosuch
expect_error "a missing draft file" "^kvplan: --draft-config: /nonexistent: " \
	$m --draft-config /nonexistent
expect_error "two drafts" "^kvplan: give one of --draft-model, --draft-config and --draft-gguf\$" \
	$m --draft-model llama3.2-1b --draft-config "$configs/llama3.2-1b"
expect_error "a draft and MTP" "^kvplan: --mtp: a draft model and MTP layers are two ways to draft; give one\$" \
	$m --draft-model llama3.2-1b --mtp 1
expect_error "a recurrent draft" "^kvplan: qwen3-next-80b-a3b: a draft model with recurrent layers is not modelled\$" \
	$m --draft-model qwen3-next-80b-a3b
# The MTP layers the checkpoint has, all of them (its profile's mtp_layers,
# config.json's num_nextn_predict_layers: Kimi-K2's 0, DeepSeek-V3's 1);
# a model of flags has the layers --mtp gives it, and one whose mtp_params
# alone say it has some, any count, --params or not.
expect_error "a model without MTP layers" "^kvplan: kimi-k2 has no MTP \\(NextN\\) layers\$" \
	--model kimi-k2 --seq 4096 --mtp 1
expect_error "more MTP layers than it has" \
	"^kvplan: deepseek-v3 has 1 MTP \\(NextN\\) layer, which an MTP draft loads whole; not 2\$" \
	--model deepseek-v3 --seq 4096 --mtp 2
expect_error "a config.json without MTP layers" "^kvplan: kimi-k2 has no MTP \\(NextN\\) layers\$" \
	--config "$configs/kimi-k2/config.json" --seq 4096 --mtp 1
run --layers 4 --heads 8 --head-dim 64 --seq 10 --mtp 2 --format json
check "a model of flags: --mtp 2, two MTP layers" sh -c \
	'grep -A3 "^  \"draft\": {" "$1" | grep -q "^    \"layers\": 2,\$"' sh "$work/out"
mkdir -p "$work/mtp/models"
printf '%s\n' 'name: tm' 'layers: 4' 'heads: 8' 'kv_heads: 8' 'head_dim: 64' 'hidden: 512' \
	'vocab: 1000' 'params: 100000000' 'mtp_params: 1000000' >"$work/mtp/models/tm.yaml"
for params in "" "--params 90000000"; do
	run --data-dir "$work/mtp" --model tm --seq 16 --mtp 3 $params --format json
	check "mtp_params alone: --mtp 3 planned ${params:-as the profile says}" sh -c \
		'[ "$2" = 0 ] && grep -A3 "^  \"draft\": {" "$1" | grep -q "^    \"layers\": 3,\$"' \
		sh "$work/out" "$status"
done
printf 'mtp_layers: 5\n' >>"$work/mtp/models/tm.yaml"
expect_error "more MTP layers than layers" \
	"^kvplan: $work/mtp/models/tm.yaml:10:1: tm: mtp_layers 5 is more than its 4 layers\$" \
	--data-dir "$work/mtp" --model tm --seq 16
expect_error "zero MTP layers" "^kvplan: --mtp: '0' is too small; it must be at least 1\$" $m --mtp 0
expect_error "MTP weights need the vocabulary" "^kvplan: custom: the MTP layers' weights need the model's vocabulary and hidden size\$" \
	--layers 4 --heads 8 --head-dim 64 --params 1000000 --seq 10 --mtp 1
expect_error "a sweep with a draft" "^kvplan: --sweep: not with a draft model\$" \
	--model llama3.1-70b --draft-model llama3.2-1b --sweep seq=1..4

# SGLang with a draft (EAGLE): one max_total_num_tokens for both pools, its
# cell the model's scaled by the draft's layers (pool_configurator.py, PR
# #23862: int(524,288 x (1 + 1/32)) = 540,672 B for Llama 2 7B and a
# one-layer EAGLE head of its shape), and two pool lines, the model's then
# the draft's (test_draft.c's Llama 3.1 70B and 3.2 1B tell the scaled
# cell from a plain sum; this head's layer is as large as the model's).
# 20,480 tokens, as SGLang's executed docs notebook ran them
# (sgl-project.github.io backend/speculative_decoding.ipynb, 2025-04-03,
# Llama-2-7b-chat-hf with sglang-EAGLE-llama2-chat-7B, max_total_tokens
# 20480, an older release forcing the tokens): "#tokens: 20480, K size:
# 5.00 GB" then "K size: 0.16 GB", as (20,480 + 1) x 32 x 32 x 128 x 2 B
# and x 1 layer: the lines' format, the budget worked back from the cell.
mkdir -p "$work/spec/models"
printf '%s\n' 'name: eagle-llama2' 'layers: 1' 'hidden: 4096' 'heads: 32' 'kv_heads: 32' \
	'head_dim: 128' 'vocab: 32000' 'params: 240000000' >"$work/spec/models/eagle-llama2.yaml"
run --data-dir "$work/spec" --model llama2-7b --draft-model eagle-llama2 --engine sglang \
	--seq 1024 --kv-budget 11072962560
has_line "SGLang's model pool" \
	"    KV Cache is allocated. #tokens: 20480, K size: 5.00 GB, V size: 5.00 GB"
has_line "... then the draft's, of the same tokens" \
	"    KV Cache is allocated. #tokens: 20480, K size: 0.16 GB, V size: 0.16 GB"
run --data-dir "$work/spec" --model llama2-7b --draft-model eagle-llama2 --engine sglang \
	--seq 1024 --kv-budget 11072962559
has_line "a byte less: a token less" \
	"    KV Cache is allocated. #tokens: 20479, K size: 5.00 GB, V size: 5.00 GB"
# A draft of larger layers than the model's average: Llama 2 7B (524,288 B
# a token) and two layers of 64 heads of 128 (32,768 B each).  SGLang's
# cell is int(524,288 x (1 + 2/32)) = 557,056: 10^10 B give 17,951 tokens,
# but its pools take 589,824 B a token, 17,951 x 589,824 = 10,587,930,624:
# 587,930,624 B past the budget, which kvplan says.
printf '%s\n' 'name: big-draft' 'layers: 2' 'hidden: 8192' 'heads: 64' 'kv_heads: 64' \
	'head_dim: 128' 'vocab: 32000' 'params: 1000000000' >"$work/spec/models/big-draft.yaml"
run --data-dir "$work/spec" --model llama2-7b --draft-model big-draft --engine sglang \
	--seq 1024 --kv-budget 10000000000 --gpu h100
has_line "the scaled cell's tokens" \
	"    KV Cache is allocated. #tokens: 17951, K size: 4.38 GB, V size: 4.38 GB"
has_line "the pools past the budget, said" \
	"  its pools take 587,930,624 B past this budget: SGLang sizes them as if each draft layer were as large as the model's"
# Under pp every rank's cell is scaled by the draft's layers, though the
# draft's pool is on the last (its worker's): Llama 3.1 70B at tp 4 (1,024
# B a token and layer), stages of 50 and 30 layers, Llama 3.2 1B's 16
# layers: cells 51,200 x (1 + 16/50) = 67,584 and 30,720 x (1 + 16/30) =
# 47,104.  SGLang's share at tp 4, pp 2 as 0.5.18 has it (from 0.5.20
# pipeline stages take no prefill graphs; sglang-memory.sh): 512 + 12,288 +
# 1,024 + 512 x 2 + 58 prefill graphs x 8 = 15,312 MiB reserved (no more
# for the draft since PR #23862), round(66,608 / 81,920, 3) = 0.813; floor(85,899,345,920 x
# 0.813) = 69,836,168,232.  SGLang's llama.py builds the untied head on
# every rank, so the first stage holds the embedding, its 50 layers and the
# head: 21,916,699,136 + 128,256 x 8,192 x 2 / 4 = 22,442,035,712 B, and
# the rotary table SGLang builds in fp32 and grows to the context + 2 x
# steps x draft tokens (SGLang's choice for a Llama model: 5 steps, topk
# 4, 8 draft tokens) + 256 = 131,408 rows, rounded up to 131,456: 131,456
# x 128 x 4 = 67,305,472 B: 22,509,341,184, leaving 47,326,827,048 B, the
# least, whose 67,584-B cells hold 700,266 tokens; K: 700,267 rows (a
# padding one) x 512 B x 50 layers = 17,926,835,200 B = 16.70 GiB; the
# draft's pool on the last stage, 16 layers of 256 B: 700,267 x 4,096 =
# 2,868,293,632 B = 2.67 GiB.
run --model llama3.1-70b --tp 4 --pp 2 --pp-layers 50,30 --draft-model llama3.2-1b \
	--engine sglang --gpu h100 --seq 8192 --sglang-version 0.5.18
has_line "pp: every rank's cell scaled" \
	"    KV Cache is allocated. #tokens: 700266, K size: 16.70 GB, V size: 16.70 GB"
has_line "pp: the draft's pool line from the last stage" \
	"    KV Cache is allocated. #tokens: 700266, K size: 2.67 GB, V size: 2.67 GB"
# Qwen3.5-0.8B's shape from a GGUF file (tests/mkgguf) under llama-server
# with its MTP layer (--spec-type draft-mtp, --spec-draft-n-max 3): the
# model's 24 layers (block_count 25 less its NextN block), 6 of them full,
# 48.00 MiB at 4,096 cells; 4 rows of recurrent state; its compute buffer
# the Gated DeltaNet layer's, 44.16 MiB; then the MTP context: a row of
# logits a slot, its one layer's cache, 8.00 MiB, and its compute buffer,
# 29.02 MiB, each as mainline llama.cpp printed them for this shape
# (doc/footprint.md).  The NextN block's tensors (q8_0: eh_proj 2,048 x
# 1,024, attn_q 1,024 x 4,096, ffn_down 3,584 x 1,024 at 34 B a block of
# 32, and a norm of 1,024 f32) are the MTP layer's weights: 2,228,224 +
# 4,456,448 + 3,899,392 + 4,096 = 10,588,160 B, and left out of the
# model's.
"$mkgguf" "$work/q35.gguf" qwen3.5-0.8b q8_0
run --gguf "$work/q35.gguf" --engine llama.cpp --llama-server --ctx-size 4096 --gpu h100 \
	--mtp 1 --spec-tokens 3 --explain
has_line "qwen3.5: the model's cache, 6 full layers of 24" \
	"    llama_kv_cache: size =   48.00 MiB (  4096 cells,   6 layers,  1/1 seqs), K (f16):   24.00 MiB, V (f16):   24.00 MiB"
has_line "qwen3.5: its compute buffer, the Gated DeltaNet layer's" \
	"    sched_reserve:      CUDA0 compute buffer size =    44.16 MiB"
has_line "qwen3.5: the MTP context's cache" \
	"    llama_kv_cache: size =    8.00 MiB (  4096 cells,   1 layers,  1/1 seqs), K (f16):    4.00 MiB, V (f16):    4.00 MiB"
has_line "qwen3.5: the MTP context's compute buffer, replayed" \
	"    sched_reserve:      CUDA0 compute buffer size =    29.02 MiB"
run --gguf "$work/q35.gguf" --engine llama.cpp --llama-server --ctx-size 4096 --gpu h100 \
	--mtp 1 --format json
is draft_weights_bytes 10588160 "qwen3.5: the NextN block's tensors are the MTP weights"
run --gguf "$work/q35.gguf" --engine llama.cpp --llama-server --ctx-size 4096 --gpu h100 \
	--format json
is weights_bytes $((298033152 - 10588160)) \
	"qwen3.5: without --mtp, the file's 298,033,152 B less the NextN block's"
# A draft model's NextN block is not its weights either: llama.cpp loads it
# for an MTP draft alone.  GLM-4.5's shape (tests/mkgguf) in q8_0 (34 B a
# block of 32): token_embd and output 5,120 x 151,552 (824,442,880 B each),
# an attn_q of 5,120 x 12,288 (66,846,720), and the NextN block's eh_proj
# of 10,240 x 5,120 (55,705,600) and a norm of 5,120 f32 (20,480): the
# draft weighs 2 x 824,442,880 + 66,846,720 = 1,715,732,480 B.
"$mkgguf" "$work/glm.gguf" glm-4.5 q8_0
run --model llama3.1-405b --seq 1 --draft-gguf "$work/glm.gguf" --format json
is weights_bytes 1715732480 "--draft-gguf: the draft's NextN block left out of its weights"
# --explain derives a draft's rows from its own shape: llama3.2-1b's 16
# layers, 8 kv heads of 64, fp16: 2·64·2 = 256 B a head, 2,048 a token;
# deepseek-v2-lite's latent, 512 + 64 values, 1,152 B.
run --model llama3.1-8b --seq 1024 --gpu h100 --draft-model llama3.2-1b --explain
has_line "--explain: the draft's layers named as such" "  draft full layers: 16"
has_line "--explain: the draft's K row from its head_dim" \
	"    K head row: head_dim 64 values as fp16 = 64 x 2 B = 128 B"
has_line "--explain: the draft's per-token bytes" \
	"    per token: 8 kv heads x (128 + 128) = 2,048 B"
run --model llama3.1-8b --seq 1024 --gpu h100 --draft-model deepseek-v2-lite --explain
has_line "--explain: an MLA draft's latent" \
	"    latent: kv_lora_rank 512 + qk_rope_dim 64 = 576 values as fp16 = 576 x 2 B = 1,152 B per token; no V"

# --spec-tokens sets vLLM's, llama.cpp's and SGLang's figures alone: the
# others warn that they ignore it, as with every engine's own setting.
# SGLang takes it as its steps, with steps + 1 draft tokens, and grows its
# rotary table by 2 x 2 x 3 = 12 rows more: 131,072 + 12 + 256 = 131,340,
# rounded up to 131,456 rows x 128 x 4 = 67,305,472 B (a draft of the
# model itself, whose table is the model's).  Without a draft it drafts
# nothing: 131,072 + 256 = 131,328 rows, 67,239,936 B, and a warning.
run --model llama3.1-8b --seq 100 --engine sglang --draft-model llama3.1-8b --spec-tokens 2 \
	--format json
check "--spec-tokens under SGLang: no warning" sh -c "test $status -eq 0 && test ! -s '$work/err'"
is rotary_bytes 67305472 "--spec-tokens under SGLang: its rotary table's rows"
run --model llama3.1-8b --seq 100 --engine sglang --spec-tokens 2 --format json
is rotary_bytes 67239936 "--spec-tokens without a draft: no rows for drafts"
check "... and a warning" grep -Fxq \
	"kvplan: warning: --spec-tokens, --spec-topk and --spec-draft-tokens size SGLang's speculative decoding, and do nothing without --draft-model or --mtp" \
	"$work/err"
run --model llama3.1-8b --seq 100 --engine trtllm --spec-tokens 2
check "--spec-tokens under TensorRT-LLM: warned, and planned" sh -c "test $status -eq 0 &&
	grep -qx \"kvplan: warning: --spec-tokens sizes TensorRT-LLM's hybrid draft-step buffers and V1's states, with --draft-model or --mtp: --engine trtllm ignores it here\" '$work/err'"
run --model llama3.1-8b --seq 100 --engine vllm --spec-tokens 2
check "--spec-tokens under vLLM: no warning" test ! -s "$work/err"

# SGLang budgets a draft's layers as the model's (DeepSeek-V2-Lite's MLA
# latent, 576 values, 1,152 B a layer and token); GPT-2's are 12 heads of 64
# for K and for V, 3,072 B: its pools pass a B200's memory, so nothing fits.
run --model deepseek-v2-lite --seq 4096 --engine sglang --gpu b200 --draft-model gpt2 \
	--require-fit
check "SGLang's pools past the device: exit 1" test "$status" -eq 1
check "... the line says by how much" grep -q \
	"^b200: does not fit: what sglang allocates passes its memory by [0-9,]* B" "$work/out"
check "... and nothing fits" grep -Eq "^b200 .* 180 GiB +no +0 +0\$" "$work/out"
run --model deepseek-v2-lite --seq 4096 --engine sglang --gpu b200 --draft-model gpt2 --explain
check "... --explain says why the answers are 0" grep -q \
	"^    max seq (HBM): 0; SGLang's pools pass the device's memory, so nothing fits\$" "$work/out"
# Its padding page past the budget alone (the whole memory its share, so
# nothing held back to take it) is not that: the request fits.
run --model llama3-8b --seq 4096 --engine sglang --gpu h100 --mem-util 1 --require-fit
check "SGLang at a share of 1 still fits" test "$status" -eq 0

# llama.cpp keeps a draft's token embedding in host memory, as the model's:
# Llama 3.1 70B's 128,256 x 8,192 x 2 = 2,101,346,304 B, Llama 3.2 1B's
# 128,256 x 2,048 x 2 = 525,336,576 B, and two output buffers of 128,256 x 4
# = 513,024 B: 2,627,708,928 B.  Its tied head is a copy on the GPU, so the
# draft's GPU weights are its whole 2,471,628,800 B; Llama 3.1 8B's head is
# its own, and its 1,050,673,152 B embedding leaves 16,060,522,496 for
# 15,009,849,344 on the GPU (host 2,101,346,304 + 1,050,673,152 + 1,026,048).
run --model llama3.1-70b --seq 8192 --engine llama.cpp --draft-model llama3.2-1b --gpu h200 \
	--format json
is host_bytes 2627708928 "llama.cpp: a draft's token embedding in host memory"
is draft_weights_bytes 2471628800 "... a tied draft's head copied to the GPU"
run --model llama3.1-70b --seq 8192 --engine llama.cpp --draft-model llama3.1-8b --gpu h200 \
	--format json
is host_bytes 3153045504 "llama.cpp: an untied draft's embedding in host memory"
is draft_weights_bytes 15009849344 "... and not on the GPU"

# An MTP layer's own copies of the embedding and the head in a checkpoint
# (DeepSeek-V3's model.layers.61.embed_tokens and shared_head.head):
# beside gpt2's config.json (12 layers, tied), the model's wte.weight
# (2,000,000 B) and model.layers.12's embed_tokens and shared_head.head
# (200 B each) and eh_proj (100 B).  llama.cpp holds all 500 B; vLLM,
# SGLang and TensorRT-LLM the model's in the copies' place, 100 B; vLLM
# at pp 2 an embedding of the drafter's own too, the model's 2,000,000 B.
header='{"wte.weight":{"dtype":"BF16","shape":[1000,1000],"data_offsets":[0,2000000]},"model.layers.12.embed_tokens.weight":{"dtype":"BF16","shape":[100],"data_offsets":[2000000,2000200]},"model.layers.12.shared_head.head.weight":{"dtype":"BF16","shape":[100],"data_offsets":[2000200,2000400]},"model.layers.12.eh_proj.weight":{"dtype":"BF16","shape":[50],"data_offsets":[2000400,2000500]}}'
mkdir "$work/mtp_ckpt"
cp "$configs/gpt2/config.json" "$work/mtp_ckpt/"
safetensors "$work/mtp_ckpt/model.safetensors" "$header" 2000500
run --config "$work/mtp_ckpt" --seq 1024 --gpu h100 --mtp 1 --engine llama.cpp --format json
is mtp_bytes 500 "the MTP layer's 500 B"
is mtp_shared_bytes 400 "of them its copies of the embedding and head, 400 B"
is weights_bytes 500 "llama.cpp holds the MTP layer's copies: 500 B"
for engine in vllm sglang trtllm; do
	run --config "$work/mtp_ckpt" --seq 1024 --gpu h100 --mtp 1 --engine "$engine" --format json
	is weights_bytes 100 "$engine takes the model's embedding and head: 100 B"
done
# With --weights-dtype the MTP layer is weighed from its params, the
# copies' 200 left out alike: 50 x 2 B under vLLM, 250 x 2 B under
# llama.cpp.
run --config "$work/mtp_ckpt" --seq 1024 --gpu h100 --mtp 1 --engine vllm --weights-dtype bf16 \
	--format json
is weights_bytes 100 "--weights-dtype bf16 under vLLM: the copies' params left out too"
run --config "$work/mtp_ckpt" --seq 1024 --gpu h100 --mtp 1 --engine llama.cpp \
	--weights-dtype bf16 --format json
is weights_bytes 500 "... and kept under llama.cpp"
run --config "$work/mtp_ckpt" --seq 1024 --gpu h100 --mtp 1 --engine vllm --pp 2 --format json
is weights_bytes 2000100 "vLLM at pp 2: the drafter's own embedding, 2,000,000 B more"
check "... said in the draft object" grep -A1 '^    "weights_bytes": 2000100,$' "$work/out" \
	| grep -q '^    "embedding_bytes": 2000000,$'
run --config "$work/mtp_ckpt" --seq 1024 --gpu h100 --mtp 1
check "the text says the copies" grep -q "the MTP layers' 500 B (their copies of the embedding and head 400 B)" "$work/out"

done_testing
