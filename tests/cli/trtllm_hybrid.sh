#!/bin/sh
# trtllm_hybrid.sh — TensorRT-LLM's hybrid cache managers in the output
# (lib/trtllm_hybrid.c; tests/test_trtllm_hybrid.c works the figures by
# hand): Nemotron 3 Nano on one H100, a budget of 20,469,118,809 B, its
# states S = 49,082,368 B a sequence and 6,144 B a token of attention.
. "${KVPLAN_SRCDIR:?}/tests/cli/lib.sh"
nano="--model nemotron-3-nano-30b-a3b --engine trtllm --gpu h100 --seq 8192"

# The default max_batch_size, 2048: the states of 2,049 sequences and a
# block, 100,569,968,640 B, pass the budget; it does not start.
run $nano --format json
is capacity_kv_manager '"v2"' "auto is V2 for a hybrid"
is capacity_state_floor 100569968640 "2,049 x S + 32 x 6,144"
is capacity_blocks 0 "no block: it does not start"
is fits_hbm false "max_batch_size 2048 does not fit"
is max_batch_hbm 0
run $nano
check "the fit says why, and the largest max_batch_size that starts" grep -q \
	"does not start, needing 100,569,968,640 B for the recurrent states of max_batch_size x pp 2,048 + 1 sequences and one block, past the budget of 20,469,118,809 B (--max-batch-size 416 at most)" \
	"$work/out"
check "no log line of a manager that does not start" sh -c '! grep -q "quota set to" "$1"' sh "$work/out"
run $nano --max-batch-size 416 --format json
is capacity_state_slots 417 "416 starts, its floor of states"
run $nano --max-batch-size 417 --format json
is capacity_state_floor $((418 * 49082368 + 196608)) "417 does not"

# max_batch_size 64 under V2: the states pinned to their floor, 65 slots
# in 96 grains of 32 MiB; the attention the other 515, 87,893 blocks.
run $nano --max-batch-size 64 --format json
is capacity_state_slots 65
is capacity_state_bytes $((96 * 33554432)) "the states' pools: 96 grains"
is capacity_blocks 87893
is capacity_tokens 2812576
is capacity_allocated_bytes $((515 * 33554432)) "the attention's: the other 515"
is capacity_grain 33554432
is capacity_quota 20469118809 "one GPU: the budget"
is capacity_grains 611 "the budget up to grains"
is max_concurrency 64.0 "no more requests than max_batch_size"
is max_seq_hbm 2812576 "batch 1: every block"
is max_batch_hbm 64 "no more than max_batch_size"
check "the breakdown's states" sh -c 'sed -n "/\"memory\": {/,/}/p" "$1" | grep -q "\"state_bytes\": $2,"' \
	sh "$work/out" $((96 * 33554432))
has_line "V2's quota line, a Python float of GiB" \
	"KV cache manager v2 device quota set to 19.063352429307997GiB"
check "V2's warning without avg_seq_len" grep -q \
	"Falling back to max_seq_len / 2=131072 for cache-pool sizing" "$work/out"
run $nano --max-batch-size 64
check "kvplan's own line of blocks and states" grep -q \
	"manager V2: 87,893 blocks of 32 tokens (2,812,576 tokens), 65 recurrent states (max_batch_size x pp 64 + 1), 20,501,757,952 B in grains of 32 MiB" \
	"$work/out"
run $nano --max-batch-size 64 --solve max-batch
check "the largest batch is max_batch_size's" grep -q "max-batch = 64" "$work/out"
run $nano --max-batch-size 8 --format json
is capacity_state_slots 28 "V2 at 8: the states' share, 42 grains"
is capacity_blocks 97109
is max_batch_hbm 8

# V1: the states first, 65 x S; then floor((budget - them) / 6,144 / 32)
# blocks.  Its line sums its pools: (87,884 + 65) x 32 tokens and
# (2,812,288 x 6,144 + 65 x S) / 2^30 = 19.06 GiB.
run $nano --max-batch-size 64 --use-kv-cache-manager-v2 false --format json
is capacity_kv_manager '"v1"'
is capacity_blocks 87884
is capacity_state_slots 65
is capacity_grain 0
has_line "V1's line" \
	"[MemUsageChange] Allocated 19.06 GiB for max tokens in paged KV cache (2814368)."

# avg_seq_len 8,192 and 60 GiB: the attention's share the smaller, 886
# grains, 151,210 blocks; the states the other 1,034, 706 slots.
run $nano --max-batch-size 8 --avg-seq-len 8192 --kv-budget 64424509440 --format json
is capacity_blocks 151210
is capacity_state_slots 706
check "no warning with avg_seq_len" sh -c '! grep -q "Falling back" "$1"' sh "$work/out"
# max_seq_len 32,768: the typical request half of it.
run $nano --max-batch-size 8 --max-seq-len 32768 --format json
check "max_seq_len / 2" grep -q "Falling back to max_seq_len / 2=16384" "$work/out"

# At tp 4 each GPU holds a quarter of each state, 12,270,592 B, and 3,072
# B a token: the default max_batch_size starts.  Over 4 GPUs V2 syncs its
# quota from tokens: int(63,084,939,120 x 0.95) = 59,930,692,164 B hold
# floor((that - 2,049 x 12,270,592) / 3,072) = 11,324,299 tokens beside the
# states, 59,930,689,536 B, and back ceil(that / 0.95) = 63,084,936,354 B
# (58.75242534466088 GiB), in 1,881 grains: 2,050 states in 750, the
# attention's 1,131, 386,048 blocks.
run $nano --tp 4 --format json
is capacity_quota 63084936354 "the quota synced over 4 GPUs"
is capacity_grains 1881
is capacity_state_slots 2050
is capacity_state_bytes $((750 * 33554432))
is capacity_blocks 386048
has_line "the synced quota's line" "KV cache manager v2 device quota set to 58.75242534466088GiB"
run $nano --solve min-gpus
check "the fewest GPUs for max_batch_size 2048" grep -q "min-gpus = 4 (tp 4 x pp 1)" "$work/out"

# Pipeline stages of one kind of layer (--pp-layers 5,2,45): stage 0 holds
# Mamba layers alone (0, 2, 4), stage 1 attention alone (5), stage 2 the
# other 20 Mamba layers and 5 attention layers.  At max_batch_size 2048
# stage 2 needs the states of 2,048 x 3 + 1 sequences, 6,145 x 20 x
# 2,134,016 B, and a block of 32 x 5 x 1,024 B: 262,270,730,240 B; it
# binds, and starts with (28,360,966,980 - 163,840) / 42,680,320 = 664
# sequences, max_batch_size (664 - 1) / 3 = 221.
run $nano --pp 3 --pp-layers 5,2,45 --format json
is capacity_state_floor 262270730240 "the stage that does not start binds"
is capacity_batch_limit 221
is fits_hbm false
# At max_batch_size 64, V2 syncs the three ranks' quotas to the least
# tokens 0.95 of a quota holds beside its states: stage 2's,
# floor((int(28,360,966,980 x 0.95) - 193 x 42,680,320) / 5,120) =
# floor((26,942,918,631 - 8,237,301,760) / 5,120) = 3,653,440 (stage 0
# has no attention).  Stage 1, attention alone (1,024 B a token), then
# takes ceil(3,653,440 x 1,024 / 0.95) = 3,938,023,748 B, in 939 grains of
# 4 MiB, all blocks of 32,768 B: 120,192, 3,846,144 tokens; it binds.
run $nano --pp 3 --pp-layers 5,2,45 --max-batch-size 64 --format json
is max_batch_hbm 192 "max_batch_size x pp"
is capacity_quota 3938023748 "stage 1's quota synced to stage 2's tokens"
is capacity_grains 939
is capacity_blocks 120192 "stage 1: all its grains in blocks"
is capacity_state_slots 0 "stage 1: no recurrent layer"
is fits_hbm true
is max_seq_hbm 3846144 "batch 1: the binding stage's blocks"
# A max_seq_len given bounds the context; an avg_seq_len past it is
# refused, as TensorRT-LLM refuses it.
run $nano --max-batch-size 64 --max-seq-len 4096 --format json
is max_seq_hbm 4096 "no request past max_seq_len"
expect_error "avg_seq_len past max_seq_len" \
	"^kvplan: TensorRT-LLM's avg_seq_len 8192 is more than its max_seq_len 4096\$" \
	$nano --max-batch-size 64 --max-seq-len 4096 --avg-seq-len 8192
# The draft steps' buffers (lib/trtllm_spec.c), in the profiled peak:
# Nemotron 3 Super at tp 4, MTP (T = 2), max_batch_size 64: its 40
# Mamba-2 layers' intermediate_conv 40 x 64 x 2 x (10240 / 4 x 3 x 2 B) =
# 78,643,200; the replay buffers 2 x 16 x (32 x 64 + 2 x 128) x 2 B + 2
# x 2 x 32 x 16 x 4 B = 155,648 a layer, for V2's 65 slots 404,684,800;
# the indices, three ints and the dummy mask 4 x 64 + 16 x 65 + 65:
# 483,329,361 B.  No warning left.
run --model nemotron-3-super-120b --engine trtllm --gpu h200 --tp 4 --seq 8192 --mtp 1 \
	--max-batch-size 64 --format json
is activation_bytes 483329361 "MTP's draft-step buffers under TensorRT-LLM"
check "... not warned" sh -c "! grep -q 'draft steps' '$work/err'"

# The C++ runtime's states are not modelled: said.
run $nano --trtllm-runtime cpp
check "the C++ runtime's states: warned" grep -q \
	"the C++ runtime's recurrent states (its RnnStateManager) are not modelled" "$work/err"

# Nemotron 3 Super under V1 at tp 4 with its MTP layer: a GPU holds a
# quarter of each of its 40 Mamba-2 layers' states, 40 x (30,720 x 2 +
# 1,048,576 x 4) / 4 = 42,557,440 B a sequence, and 9 attention layers
# (the MTP layer's too) of one kv head, 4,608 B a token.  The blocks beside
# 8 + 1 states: floor((20,000,000,000 - 9 x 42,557,440) / 4,608 / 32) =
# 133,036; then max_draft_len (1 for MTP) states more, 10, past the budget.
run --model nemotron-3-super-120b --engine trtllm --gpu h200 --tp 4 --seq 8192 --mtp 1 \
	--max-batch-size 8 --use-kv-cache-manager-v2 false --kv-budget 20000000000 --format json
is capacity_blocks 133036 "V1 with a draft: the blocks beside 9 states"
is capacity_state_slots 10 "and max_draft_len 1 state more"
is capacity_state_bytes $((10 * 42557440))
run --model nemotron-3-super-120b --engine trtllm --gpu h200 --tp 4 --seq 8192 --mtp 1 \
	--spec-tokens 3 --max-batch-size 8 --use-kv-cache-manager-v2 false --kv-budget 20000000000 \
	--format json
is capacity_state_slots 12 "--spec-tokens 3: max_draft_len 3"
is capacity_blocks 133036 "the same blocks"

# Models without recurrent layers keep the one pool.
run --model llama2-7b --engine trtllm --gpu h100 --seq 1024 --format json
is capacity_kv_manager null "no hybrid manager for llama2-7b"

# Bad input: one line, exit status 2, nothing on stdout.
expect_error "max_batch_size 0" "^kvplan: --max-batch-size: '0' is too small" \
	$nano --max-batch-size 0
expect_error "max_batch_size not a number" "^kvplan: --max-batch-size: " \
	$nano --max-batch-size 8x
expect_error "an unknown manager" \
	"^kvplan: --use-kv-cache-manager-v2: unknown value 'maybe' \\(valid: auto, false, true\\)\$" \
	$nano --use-kv-cache-manager-v2 maybe
expect_error "avg_seq_len past 32 bits" "^kvplan: --avg-seq-len: " \
	$nano --avg-seq-len 99999999999
run --model llama2-7b --seq 1024 --engine vllm --max-batch-size 8
check "another engine's warning" grep -q \
	"warning: --max-batch-size is a trtllm setting; --engine vllm ignores it" "$work/err"
done_testing
