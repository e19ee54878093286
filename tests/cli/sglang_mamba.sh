# sglang_mamba.sh — SGLang's pool of recurrent states (lib/sglang_mamba.c):
# Qwen3-Next 80B-A3B at tp 4 with a budget of 30,359,113,876 B (an H100's
# at SGLang's default share), each figure worked by hand from
# _handle_max_mamba_cache, _calculate_mamba_ratio and
# resolve_max_num_reqs.  A state a GPU: 36 Gated DeltaNet layers x (conv
# 8,192 / 4 x 3 = 6,144 values in bf16 + SSM 8 x 128 x 128 = 131,072
# values in fp32) = 36 x 536,576 = 19,316,736 B.  The tokens' pool: 12
# full layers x 1 kv head a GPU x 256 x 2 x 2 B = 12,288 B a token.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

budget=30359113876
plan() {
	run --model qwen3-next-80b-a3b --seq 8192 --engine sglang --tp 4 --gpu h100 \
		--kv-budget $budget "$@"
}

# Today's rules: int((B x 0.9 / 1.9 - 19,316,736) // 19,316,736) = 743
# states; 744 x 19,316,736 = 14,371,651,584 B charged and allocated;
# (B - that) // 12,288 = 1,301,063 tokens, their pool a row more:
# 1,301,064 x 12,288 = 15,987,474,432 B; 5 states a request (extra_buffer
# for Qwen3-Next): 148 requests at once, the largest batch (1,301,063 /
# 8,192 = 158 would fit the tokens).
plan --format json
is capacity_state_slots 743 "743 recurrent states"
is capacity_state_bytes 14371651584 "744 states allocated"
is capacity_tokens 1301063 "the tokens from the rest"
is capacity_allocated_bytes 15987474432 "the tokens' pool"
is capacity_max_requests 148 "743 / 5 requests at once"
is max_batch_hbm 148 "the largest batch: the states'"
is kv_cache_bytes 15987474432 "memory: the KV pool"
# the request-to-token table of those 148: 149 x (262,144 + 4) x 4
is req_table_bytes 156240208 "the table of 148 requests"
plan
has_line "SGLang's log line of the states" \
	"    Mamba Cache is allocated. max_mamba_cache_size: 743, conv_state size: 0.31GB, ssm_state size: 13.08GB"
has_line "then the tokens'" \
	"    KV Cache is allocated. #tokens: 1301063, K size: 7.44 GB, V size: 7.44 GB"
plan --explain
has_line "--explain: the states" \
	"    recurrent states: int((30,359,113,876 x 0.9 / (1 + 0.9) - 19,316,736) // 19,316,736) = 743 (mamba_full_memory_ratio, its padding slot reserved)"
has_line "--explain: the requests they admit" \
	"    they admit 743 / 5 = 148 requests at once (5 states a request: extra_buffer, the overlap schedule's two track states)"
has_line "--explain: the batch" \
	"    max batch: 148; SGLang's recurrent states admit 148 requests at once"
has_line "--explain: the state's types" \
	"    state: 24,576 conv values as bf16 + 524,288 SSM values as fp32 = 2,146,304 B per sequence (SGLang's types)"

# 0.5.17: no_buffer still, 3 states a request: 247.  0.5.16: no padding
# slot reserved, int(B x 0.9 / 1.9 // 19,316,736) = 744 states, 744 x
# 19,316,736 charged, the same tokens; 248 requests.
plan --sglang-version 0.5.17 --format json
is capacity_state_slots 743 "0.5.17: 743 states"
is capacity_max_requests 247 "0.5.17: 3 a request"
plan --sglang-version 0.5.16 --format json
is capacity_state_slots 744 "0.5.16: 744 states"
is capacity_tokens 1301063 "0.5.16: the same tokens"
is capacity_max_requests 248 "0.5.16: 248 requests"
# the pool allocates 745 states then: 745 x 19,316,736
is capacity_state_bytes 14390968320 "0.5.16: 745 states allocated"

# --mamba-full-memory-ratio 2: int((B x 2 / 3 - 19,316,736) // 19,316,736)
# = 1,046; 1,047 x 19,316,736 = 20,224,622,592; (B - that) // 12,288 =
# 824,747 tokens; 1,046 / 5 = 209.
plan --mamba-full-memory-ratio 2 --format json
is capacity_state_slots 1046 "--mamba-full-memory-ratio 2"
is capacity_tokens 824747 "... its tokens"
is capacity_max_requests 209 "... its requests"
# --max-mamba-cache-size 100: 101 x 19,316,736 = 1,950,990,336;
# (B - that) // 12,288 = 2,311,859 tokens; 20 requests.
plan --max-mamba-cache-size 100 --format json
is capacity_state_slots 100 "--max-mamba-cache-size 100"
is capacity_tokens 2311859 "... its tokens"
is capacity_max_requests 20 "... its requests"
is max_batch_hbm 20 "... the largest batch"

# --mamba-ssm-dtype bfloat16: the SSM state in 2 bytes, a state 36 x
# (12,288 + 131,072 x 2) = 9,879,552 B; int((B x 0.9 / 1.9 - 9,879,552) //
# 9,879,552) = 1,454 states, 1,455 x 9,879,552 = 14,374,748,160 B;
# (B - that) // 12,288 = 1,300,811 tokens; 1,454 / 5 = 290.
plan --mamba-ssm-dtype bfloat16 --format json
is state_bytes_per_seq 274432 "--mamba-ssm-dtype bfloat16: a layer's state"
is capacity_state_slots 1454 "... twice the states, less a few"
is capacity_state_bytes 14374748160 "... their bytes"
is capacity_tokens 1300811 "... the tokens"
is capacity_max_requests 290 "... the requests"
for bad in fp32 bf16 float8 ''; do
	expect_error "--mamba-ssm-dtype '$bad'" "^kvplan: --mamba-ssm-dtype: unknown type" \
		--model qwen3-next-80b-a3b --seq 100 --engine sglang --mamba-ssm-dtype "$bad"
done
run --model qwen3-next-80b-a3b --seq 1000 --engine llama.cpp --mamba-ssm-dtype bfloat16 --format json
check "under llama.cpp a warning" grep -Fxq \
	"kvplan: warning: --mamba-ssm-dtype is a sglang setting; --engine llama.cpp ignores it" \
	"$work/err"
is state_bytes_per_seq 2195456 "... and its state in fp32 as before"

# A batch past the requests the states admit: a warning, and it does not
# fit.
plan --batch 200 --format json
is fits_hbm false "batch 200 past 148 requests"
check "... and a warning" grep -Fxq \
	"kvplan: warning: h100-sxm: SGLang's 743 recurrent states admit 148 requests at once (5 a request), fewer than batch 200; --mamba-full-memory-ratio or --max-mamba-cache-size keep more" \
	"$work/err"
# Too little for one state and its padding slot: SGLang stops.
plan --kv-budget 30000000 --format json
is capacity_state_slots 0 "no state fits"
is capacity_tokens 0 "... nor any token"
check "... SGLang's error" grep -Fxq \
	"kvplan: warning: h100-sxm: SGLang would stop: not enough memory for one recurrent state (\"Not enough GPU memory for hybrid (mamba/linear-attention) state cache\")" \
	"$work/err"

# A policy leaves the states to the byte model: no pool of them, and no
# word of SGLang stopping.
plan --policy window:4096 --explain
has_line "--explain: with a policy, not modelled" \
	"    recurrent states: SGLang's pool of them with a policy, or a draft of recurrent layers, is not modelled; the states are counted a request"
check "... and no warning of SGLang stopping" sh -c "! grep -q 'SGLang would stop' '$work/err'"

# With its MTP layer (NEXTN; lib/sglang_spec.c): SGLang chooses 3 steps,
# topk 1, 4 draft tokens, and runs at most 48 requests.  The tokens' cell
# int(12,288 x (1 + 1 / 12)) = 13,312.  The joint solve:
# int((B x 0.9 / 1.9 - 19,316,736 x 5) // (19,316,736 x (1 + 4 / 5))) =
# int(410.86) = 410 states; 411 x 19,316,736 = 7,939,178,496 B for them
# and 19,316,736 x 4 x (min(48, 410 // 5) + 1) = 3,786,080,256 B for the
# verify buffers; (B - both) // 13,312 = 1,399,778 tokens.  Allocated:
# 49 x 36 x (4 x 524,288 SSM + 4,096 x (4 + 4 - 2) conv) = 3,742,728,192
# B of buffers (3.45 GiB SSM, 0.04 GiB conv), beside the 411 states.
plan --mtp 1 --format json
is capacity_state_slots 410 "MTP: 410 states, solved with the verify buffers"
is capacity_tokens 1399778 "... the tokens from the rest"
is capacity_state_spec_bytes 3742728192 "... the verify buffers of 48 requests"
is capacity_state_bytes 11681906688 "... and the states' bytes with them"
is capacity_max_requests 82 "... 410 / 5 requests the states admit"
is sglang_spec_draft_tokens 4 "... SGLang's 4 draft tokens"
# the table of min(48, 82) requests: 49 x (262,144 + 4) x 4
is req_table_bytes 51381008 "... the table of the 48 requests a draft runs"
plan --mtp 1
has_line "MTP: SGLang's log line of the states and their buffers" \
	"    Mamba Cache is allocated. max_mamba_cache_size: 410, conv_state size: 0.17GB, ssm_state size: 7.22GB intermediate_ssm_state_cache size: 3.45GB intermediate_conv_window_cache size: 0.04GB"
check "... no word of the pool not being modelled" sh -c "! grep -q 'not modelled' '$work/err'"
plan --mtp 1 --explain
has_line "--explain: the joint solve" \
	"    recurrent states: int((30,359,113,876 x 0.9 / (1 + 0.9) - 19,316,736 x 5) // (19,316,736 x (1 + 4 / 5))) = 410 (mamba_full_memory_ratio, solved with the verify buffers of 4 draft tokens and both padding slots)"
# --max-running-requests 200: min(200, 82) = 82 requests' buffers,
# 19,316,736 x 4 x 83 = 6,413,156,352 B; (B - 7,939,178,496 - that) //
# 13,312 = 1,202,432 tokens
plan --mtp 1 --max-running-requests 200 --format json
is capacity_tokens 1202432 "--max-running-requests 200: the buffers of 82 requests"
plan --mtp 1 --batch 64 --format json
check "a batch past the 48 a draft runs: a warning" grep -Fxq \
	"kvplan: warning: SGLang runs at most 48 requests at once with a draft (\"Max running requests is reset to 48 for speculative decoding\"), fewer than batch 64; --max-running-requests raises it" \
	"$work/err"
# Its speculative settings: topk 1 takes the steps + 1 whatever is given;
# a larger topk needs the draft tokens; none without a draft.
plan --mtp 1 --spec-tokens 2 --spec-draft-tokens 7 --format json
is sglang_spec_draft_tokens 3 "topk 1: the draft tokens are the steps + 1"
check "... and a warning" grep -Fxq \
	"kvplan: warning: SGLang adjusts --speculative-num-draft-tokens 7 to the steps + 1 = 3 under topk 1 (planned so)" \
	"$work/err"
expect_error "--spec-topk 4 without draft tokens" \
	"^kvplan: SGLang's speculative topk 4 needs its draft tokens" \
	--model qwen3-next-80b-a3b --seq 100 --engine sglang --mtp 1 --spec-tokens 3 --spec-topk 4
expect_error "--spec-topk without the steps" "^kvplan: SGLang chooses its speculative steps" \
	--model qwen3-next-80b-a3b --seq 100 --engine sglang --mtp 1 --spec-topk 4
expect_error "--spec-draft-tokens 0" "^kvplan: --spec-draft-tokens: '0' is too small" \
	--model qwen3-next-80b-a3b --seq 100 --engine sglang --mtp 1 --spec-draft-tokens 0
run --model qwen3-next-80b-a3b --seq 1000 --engine sglang --spec-topk 2 --format json
check "--spec-topk without a draft: a warning" grep -Fxq \
	"kvplan: warning: --spec-tokens, --spec-topk and --spec-draft-tokens size SGLang's speculative decoding, and do nothing without --draft-model or --mtp" \
	"$work/err"
run --model qwen3-next-80b-a3b --seq 1000 --engine vllm --mtp 1 --spec-topk 2 --format json
check "--spec-topk under vLLM: ignored with a warning" grep -Fxq \
	"kvplan: warning: --spec-topk is a sglang setting; --engine vllm ignores it" \
	"$work/err"

# How requests hold the states (_calculate_mamba_ratio): without the
# radix cache 1 a request, so 743 requests at once, the tokens' 158 the
# largest batch; with --max-running-requests 64 the states are 64, 65 x
# 19,316,736 = 1,255,587,840 B, and the tokens (B - that) // 12,288 =
# 2,368,451.
plan --disable-radix-cache --format json
is capacity_max_requests 743 "--disable-radix-cache: a state a request"
is max_batch_hbm 158 "... the tokens' largest batch"
plan --disable-radix-cache --max-running-requests 64 --format json
is capacity_state_slots 64 "--disable-radix-cache --max-running-requests 64: 64 states"
is capacity_state_bytes 1255587840 "... 65 allocated"
is capacity_tokens 2368451 "... the tokens from the rest"
plan --disable-radix-cache --max-running-requests 64 --explain
has_line "--explain: the states from the requests" \
	"    recurrent states: without the radix cache, max_running_requests 64 / dp 1 = 64"
# With the MTP layer the 48 a draft runs are the states: 49 x 19,316,736
# for them and 19,316,736 x 4 x 49 for the buffers; (B - 245 x
# 19,316,736) // 13,312 = 1,925,068 tokens.
plan --mtp 1 --disable-radix-cache --format json
is capacity_state_slots 48 "--disable-radix-cache with a draft: the 48 it runs"
is capacity_tokens 1925068 "... the tokens from the rest"
# 743 states: no_buffer 3 a request (247), extra_buffer without the
# overlap schedule or lazily 4 (185); auto without the overlap schedule
# is no_buffer, or extra_buffer with pages larger than 1.
for args in "--disable-overlap-schedule:247" "--mamba-radix-cache-strategy no_buffer:247" \
	"--mamba-radix-cache-strategy extra_buffer_lazy:185" \
	"--mamba-scheduler-strategy extra_buffer --disable-overlap-schedule:185" \
	"--disable-overlap-schedule --page-size 64:185" \
	"--mamba-radix-cache-strategy extra_buffer:148"; do
	# shellcheck disable=SC2086
	plan ${args%:*} --format json
	is capacity_max_requests "${args#*:}" "${args%:*}: ${args#*:} requests at once"
done
plan --mamba-radix-cache-strategy extra_buffer_lazy --explain
has_line "--explain: the lazy strategy" \
	"    they admit 743 / 4 = 185 requests at once (4 states a request: extra_buffer_lazy, one track state)"
expect_error "extra_buffer_lazy without the overlap schedule" \
	"^kvplan: SGLang's extra_buffer_lazy needs the overlap schedule" \
	--model qwen3-next-80b-a3b --seq 100 --engine sglang \
	--mamba-radix-cache-strategy extra_buffer_lazy --disable-overlap-schedule
expect_error "an unknown strategy" \
	"^kvplan: --mamba-radix-cache-strategy: unknown strategy 'lazy' \(valid: auto, no_buffer, extra_buffer, extra_buffer_lazy\)" \
	--model qwen3-next-80b-a3b --seq 100 --engine sglang --mamba-radix-cache-strategy lazy

# Bad values: one line, status 2, nothing on stdout.
for bad in 0 -1 abc 1e7 0x2 ''; do
	expect_error "--mamba-full-memory-ratio '$bad'" "^kvplan: --mamba-full-memory-ratio: " \
		--model qwen3-next-80b-a3b --seq 100 --engine sglang --mamba-full-memory-ratio "$bad"
done
for bad in 0 -3 12k 99999999999 ''; do
	expect_error "--max-mamba-cache-size '$bad'" "^kvplan: --max-mamba-cache-size: " \
		--model qwen3-next-80b-a3b --seq 100 --engine sglang --max-mamba-cache-size "$bad"
done
# Settings that do nothing say so.
run --model qwen3-next-80b-a3b --seq 1000 --engine vllm --mamba-full-memory-ratio 2 --format json
check "under vLLM a warning" grep -Fxq \
	"kvplan: warning: --mamba-full-memory-ratio is a sglang setting; --engine vllm ignores it" \
	"$work/err"
run --model llama3-8b --seq 1000 --engine sglang --max-mamba-cache-size 8 --format json
check "a model without recurrent layers: a warning" grep -Fxq \
	"kvplan: warning: llama3-8b has no recurrent layers: SGLang keeps no recurrent states, and --max-mamba-cache-size, --mamba-full-memory-ratio, --mamba-ssm-dtype and --mamba-radix-cache-strategy do nothing" \
	"$work/err"

done_testing
