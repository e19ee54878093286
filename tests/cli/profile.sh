# profile.sh — vLLM's profile run (--profile-memory): its activation peak
# and non-torch memory taken from the budget, its "Available KV cache
# memory" line, and --max-num-seqs; other engines warned and unchanged.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# Llama 3.1 8B on an H100 (vLLM's defaults there: 1024 sequences, 8192
# tokens): the sampler's 15.5 x 1024 x 128256 = 2,035,679,232 B and 256
# MiB of non-torch memory, 2,304,114,688 B (tests/test_footprint.c).
run --model llama3.1-8b --seq 1024 --engine vllm --gpu h100 --mem-util 0.95 --format json
plain=$(json_value budget_bytes)
run --model llama3.1-8b --seq 1024 --engine vllm --gpu h100 --mem-util 0.95 --profile-memory \
	--format json
is activation_bytes 2304114688 "the profile run: sampler and non-torch memory"
is budget_bytes $((plain - 2304114688)) "taken from the budget"
budget=$(json_value budget_bytes)
run --model llama3.1-8b --seq 1024 --engine vllm --gpu h100 --mem-util 0.95 --profile-memory
check "vLLM's own line" grep -q "^    Available KV cache memory: $(awk -v b="$budget" 'BEGIN { printf "%.2f", b / 1073741824 }') GiB\$" "$work/out"
check "... before its capacity lines" sh -c "grep -A1 'Available KV cache memory' '$work/out' | grep -q 'GPU KV cache size'"
run --model llama3.1-8b --seq 1024 --engine vllm --gpu h100 --mem-util 0.95 --format json \
	--profile-memory --max-num-seqs 128
is activation_bytes $((963012198 + 268435456)) "128 sequences: the forward, 8.2 x 8192 x 14336"
run --model llama3.1-8b --seq 1024 --engine vllm --gpu h100 --mem-util 0.95
check "no line without --profile-memory" sh -c "! grep -q 'Available KV cache memory' '$work/out'"
run --model llama3.1-8b --seq 1024 --gpu h100 --profile-memory --format json
is activation_bytes 0 "the exact engine: nothing"
check "... and a warning" grep -q "^kvplan: warning: --profile-memory is a vllm setting; --engine exact ignores it\$" "$work/err"
expect_error "zero sequences" "^kvplan: --max-num-seqs: '0' is too small; it must be at least 1\$" \
	--model llama3.1-8b --seq 1 --engine vllm --max-num-seqs 0

done_testing
