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

expect_error "SGLang refused" \
	"^kvplan: [^ ]+ has no attention layer: SGLang's pools for such a model \(a tokens' pool of its context, its states from the rest\) are not modelled\$" \
	--config "$work/config.json" --seq 2048 --engine sglang
expect_error "TensorRT-LLM refused" \
	"^kvplan: [^ ]+ has no attention layer: TensorRT-LLM's PyTorch runtime builds no such model, and its TensorRT engines for Mamba are not modelled\$" \
	--config "$work/config.json" --seq 2048 --engine trtllm

done_testing
