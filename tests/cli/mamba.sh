# mamba.sh — a model without attention from the command line: Falcon
# Mamba 7B's config.json (tiiuae/falcon-mamba-7b, the keys kvplan reads),
# its layers all recurrent, its state the same at any context, vLLM's pool
# of state pages and the engines that refuse it.  Figures worked by hand
# here and in tests/test_mamba.c.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

cat >"$work/config.json" <<'JSON'
{"architectures": ["FalconMambaForCausalLM"], "model_type": "falcon_mamba",
 "conv_kernel": 4, "expand": 16, "hidden_size": 4096, "intermediate_size": 8192,
 "num_hidden_layers": 64, "state_size": 16, "tie_word_embeddings": false,
 "time_step_rank": 256, "torch_dtype": "bfloat16", "use_bias": false,
 "use_conv_bias": true, "vocab_size": 65024}
JSON

# No engine: fp32 state, (4 - 1) x 8192 + 16 x 8192 = 155,648 values,
# 622,592 B a layer, 39,845,888 B at any context.
run --config "$work/config.json" --seq 2048 --gpu h100-sxm
check "exit status 0" test "$status" -eq 0
has_line "the shape line says no attention" \
	"  no attention: 64 layers, 64 recurrent (a state per sequence)"
has_line "the state" "  recurrent state                38 MiB         39,845,888 B"
has_line "the fit's note" "(the cache holds no token: a fixed state per sequence)"
check "no table of other kv heads" sh -c "! grep -q 'other kv heads' '$work/out'"
run --config "$work/config.json" --seq 1000000 --gpu h100-sxm --format json
is attention '"none"' "JSON: attention none"
is heads 0 "JSON: no heads"
is cache_total_bytes 39845888 "JSON: the same cache at a million tokens"
is params 7272665088 "JSON: the params counted"

# vLLM, bf16 states (the model's dtype), a page of 3 x 8192 x 2 + 8192 x
# 16 x 2 = 311,296 B a layer; 10 GiB // 311,296 = 34,492, // 64 layers =
# 538 blocks, one a request in mode none: 538 x 2,048 = 1,101,824 tokens.
run --config "$work/config.json" --seq 2048 --engine vllm --gpu h100-sxm \
	--kv-budget 10737418240
has_line "vLLM's pool of states" \
	"Engine vllm (a state page a layer for each request, none kept: mode none, prefix caching off)"
has_line "vLLM's log line" \
	"    GPU KV cache size: 1,101,824 tokens, Maximum concurrency for 2,048 tokens per request: 538.00x"

# SGLang: 731 states (tests/test_mamba.c) at the budget its share leaves
# an H100, a tokens' pool of 2,048 (its context) holding no bytes: two
# requests of 1,024 tokens at once.
run --config "$work/config.json" --seq 1024 --engine sglang --gpu h100-sxm
has_line "SGLang's states" \
	"    Mamba Cache is allocated. max_mamba_cache_size: 731, conv_state size: 2.14GB, ssm_state size: 22.88GB"
has_line "SGLang's tokens' pool" \
	"    KV Cache is allocated. #tokens: 2048, K size: 0.00 GB, V size: 0.00 GB"
expect_error "SGLang before 0.5.20 refused" \
	"^kvplan: [^ ]+ has no attention layer: SGLang runs such a model from 0.5.20 \(PR #34556\)\$" \
	--config "$work/config.json" --seq 2048 --engine sglang --sglang-version 0.5.19
expect_error "TensorRT-LLM refused" \
	"^kvplan: [^ ]+ has no attention layer: TensorRT-LLM's PyTorch runtime builds no such model, and its TensorRT engines for Mamba are not modelled\$" \
	--config "$work/config.json" --seq 2048 --engine trtllm

# From a review of it (/work/research/review-mamba.md): the fewest GPUs
# by the mixer's channels (the heads' divisors were none), the chart
# without kv-head variants, LoRA and cache policies refused, no kv heads
# per GPU, a profile's fault at its line.
run --config "$work/config.json" --seq 4096 --gpu h100-sxm --solve min-gpus
has_line "--solve min-gpus: one GPU" "h100-sxm: min-gpus = 1 (tp 1 x pp 1)"
run --config "$work/config.json" --seq 4096 --gpu h100-sxm --chart "$work/chart.gp"
check "--chart: exit status 0" test "$status" -eq 0
check "--chart: the script written" test -s "$work/chart.gp"
expect_error "LoRA refused" \
	"^kvplan: LoRA on [^ ]+: it has no attention and no MLP, only Mamba mixers, which no engine adapts\$" \
	--config "$work/config.json" --seq 4096 --engine vllm --lora-rank 16
expect_error "a policy refused" \
	"^kvplan: [^ ]+ has no attention layer: no token is cached for a policy to evict\$" \
	--config "$work/config.json" --seq 4096 --policy window:64
run --config "$work/config.json" --seq 4096 --engine vllm --tp 2 --gpu h100-sxm
has_line "tp 2: no kv heads per GPU" \
	"Parallel: tp 2, pp 1, dp 1 (2 GPUs); the mixers' states split over tp"
mkdir -p "$work/dd/models"
printf 'name: mkv\nlayers: 4\nheads: 0\nkv_heads: 8\nhidden: 256\nlayer_pattern: recurrent\nssm_conv_kernel: 4\nssm_inner: 512\nssm_state: 16\n' \
	>"$work/dd/models/mkv.yaml"
expect_error "a profile's kv_heads without heads, at its line" \
	"^kvplan: .*dd/models/mkv.yaml:4:1: mkv: no attention heads, yet kv_heads 8" \
	--data-dir "$work/dd" --model mkv --seq 10

# A model without attention by numbers: --heads 0, its layers recurrent,
# a state of 1 MiB a layer: 4 MiB a sequence at any context.
run --layers 4 --heads 0 --layer-pattern recurrent --state-bytes 1048576 --seq 100 \
	--format json
check "--heads 0: exit status 0" test "$status" -eq 0
is attention '"none"' "--heads 0: attention none"
is cache_total_bytes 4194304 "--heads 0: four states of 1 MiB"
expect_error "--heads 0 with attention layers: one line" \
	"^kvplan: custom: heads must be at least 1 \(0 only where every layer is recurrent or none\)\$" \
	--layers 4 --heads 0 --seq 100
expect_error "fp8_ds_mla without a latent" \
	"^kvplan: [^ ]+ has no attention layer: fp8_ds_mla is the format of an MLA latent\$" \
	--config "$work/config.json" --seq 100 --dtype fp8_ds_mla

done_testing
