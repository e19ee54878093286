# cuda_memory.sh — --cuda-memory: vLLM, SGLang and TensorRT-LLM size from
# the memory CUDA reports (the GPU profile's cuda_memory) and SGLang's
# default share from nvidia-smi's (smi_memory), as they read them; checked
# against a vLLM v0.19.0 log, and a profile whose figure is too large
# refused where it is written.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

run --list-gpus --format csv
check "the GPU list gives CUDA's and nvidia-smi's figures" \
	grep -q "^h100-sxm,85899345920,.*,85028896768,85520809984,nvlink\$" "$work/out"
run --list-gpus --format json
check "... in JSON too" grep -q '"cuda_bytes": 85028896768,' "$work/out"

# Llama 3 8B under vLLM at 0.90 of the H100's 85,028,896,768 B:
# ceil(x 0.9) = 76,526,007,092 less 16,060,522,496 of weights and
# 2,097,152 of rotary table (8,192 positions x 128 x 2 B) =
# 60,463,387,444 B, 28,831 blocks of 16 x 131,072 B, 461,296 tokens (of
# the nominal 80 GiB: 29,204 blocks).
run --model llama3-8b --seq 1 --engine vllm --gpu h100-sxm --mem-util 0.90 --cuda-memory \
	--format json
is capacity_blocks 28831 "vLLM: blocks of the memory CUDA reports"
is capacity_tokens 461296 "... its tokens"
is total_bytes 85028896768 "the parts sum to CUDA's memory"

# vLLM v0.19.0's own log for Llama 3.1 8B at tp 2 on an H100, "Available
# KV cache memory: 63.76 GiB" (github jgchn/llm-d-planner @ 56dc5b76
# accuracy/results/v0.19.0/logs/meta-llama-llama-3-1-8b---h100-80gb--tp2pp1dp1--8192.log,
# gpu_memory_utilization 0.95): ceil(85,028,896,768 x 0.95) =
# 80,777,451,930, less 8,030,261,248 of weights a rank, the rotary table
# 131,072 x 128 x 2 = 33,554,432 B, and the profile run's 2,035,679,232 +
# 2,160 MiB: 68,413,032,858 B, 63.71 GiB (0.05 GiB under the log); of the
# nominal 80 GiB 64.48.  The same log's "Model loading took 7.51 GiB" is
# the weights and the table, 8,063,815,680 B = 7.5101 GiB (7.48 without
# the table), so what is short is the profile run's model, which was
# fitted before the table was counted.
run --model llama3.1-8b --seq 8192 --engine vllm --tp 2 --gpu h100-sxm --mem-util 0.95 \
	--profile-memory --vllm-version 0.19 --cuda-memory
has_line "vLLM 0.19's log, 63.76 GiB, within 0.05" "    Available KV cache memory: 63.71 GiB"
check "the fit says whose memory" grep -q "; 95% of the memory CUDA reports usable)\$" "$work/out"
run --model llama3.1-8b --seq 8192 --engine vllm --tp 2 --gpu h100-sxm --mem-util 0.95 \
	--profile-memory --vllm-version 0.19
has_line "... of the nominal memory" "    Available KV cache memory: 64.48 GiB"

# SGLang's default share from nvidia-smi's 81,559 MiB: for Llama 2 7B
# (prefill CUDA graphs to 4,096 tokens, 50) 13,840 MiB reserved at tp 1,
# round(67,719 / 81,559, 3) = 0.83 (0.83031...; 0.831 of 81,920).
run --model llama2-7b --seq 1024 --engine sglang --gpu h100-sxm --cuda-memory --format json
check "SGLang: its share of nvidia-smi's memory" grep -q '^      "mem_util": 0.83,$' "$work/out"
run --model llama2-7b --seq 1024 --engine sglang --gpu h100-sxm --format json
check "SGLang: its share of the nominal memory" grep -q '^      "mem_util": 0.831,$' "$work/out"

run --model llama3-8b --seq 1024 --gpu h100-sxm --cuda-memory
check "the exact model is warned" grep -q \
	"^kvplan: warning: --cuda-memory is for vllm, sglang and trtllm; --engine exact ignores it\$" \
	"$work/err"

mkdir -p "$work/data/gpus"
printf '%s\n' 'name: big' 'memory: 80 GiB' 'l2: 50 MiB' 'cuda_memory: 81 GiB' \
	>"$work/data/gpus/big.yaml"
expect_error "a reported memory above the memory: one line, at its key" \
	"big\.yaml:4:1: big: the memory CUDA or nvidia-smi reports \(86973087744 B\) is more than the memory \(85899345920 B\)$" \
	--data-dir "$work/data" --model llama2-7b --seq 1024 --gpu big

# CSV carries the whole breakdown: its parts sum to mem_total_bytes, the
# memory CUDA reports (81,091 MiB = 85,028,896,768 B on an H100 SXM), and
# the CUDA graphs' estimate (of the activations: 287 MiB + 354 KiB x 32
# layers x 50 sizes = 880,934,912 B) has its own column, as in JSON.
run --model llama3.1-8b --seq 8192 --engine vllm --gpu h100-sxm --cuda-memory --profile-memory \
	--format csv
csv_is h100-sxm mem_total_bytes 85028896768 "CSV: the memory CUDA reports"
csv_is h100-sxm mem_cuda_graph_bytes 880934912 "CSV: the CUDA graphs' estimate"
csv_is h100-sxm mem_mla_workspace_bytes 0 "CSV: no MLA workspace"
sum=0
for c in weights kv_cache state activation runtime reserve req_table held_back unused lora \
	draft_weights; do
	sum=$((sum + $(csv h100-sxm mem_${c}_bytes)))
done
check "CSV: the parts sum to mem_total_bytes" test "$sum" -eq 85028896768

# --solve's answer has its columns in CSV, the same as JSON's.
for q in max-seq:llama3.1-8b max-batch:llama3.1-8b min-gpus:llama3.1-405b; do
	m=${q#*:} q=${q%:*}
	run --model $m --seq 8192 --gpu l4,h100 --solve $q --format json
	want=$(sed -n 's/^ *"answer": \([0-9]*\),\{0,1\}$/\1/p' "$work/out" | tr '\n' ' ')
	run --model $m --seq 8192 --gpu l4,h100 --solve $q --format csv
	got="$(csv l4 answer) $(csv h100-sxm answer) "
	check "CSV: --solve $q's answers ($want)" test "$got" = "$want" -a "$(csv l4 solve)" = $q
done
# Fewest GPUs where no tensor-parallel degree fits (DeepSeek-V3's fp8
# weights on A10s: SGLang's reserve grows by 1 GiB each 8 GPUs, so at the
# 128 ranks that would hold the weights it takes more than the 24 GiB):
# none in the table, null in JSON, empty in CSV, never 0 GPUs.
set -- --model deepseek-v3 --seq 8192 --weights-dtype fp8 --engine sglang --gpu a10 \
	--solve min-gpus
run "$@"
check "--solve min-gpus: none in the table" grep -q \
	"^a10: min-gpus = none (no tensor-parallel degree up to the heads fits)\$" "$work/out"
run "$@" --format json
check "--solve min-gpus: null in JSON" grep -q '^ *"answer": null,\{0,1\}$' "$work/out"
run "$@" --format csv
check "--solve min-gpus: empty in CSV" test "$(csv a10 solve),$(csv a10 answer)" = "min-gpus,"

done_testing
