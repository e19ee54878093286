# lfm2.sh — LFM2 from the command line: its config.json
# (tests/configs/lfm2-1.2b) and the catalogue's lfm2-1.2b, 10 short
# convolutions and 6 attention layers; figures worked by hand in
# tests/test_lfm2.c and data/models/lfm2-1.2b.yaml.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

config="$KVPLAN_SRCDIR/tests/configs/lfm2-1.2b/config.json"

# No engine: a conv layer's fp32 state 2 x 2048 x 4 B = 16,384 B, 10 of
# them 163,840 B; the attention layers' 2,048 B a token and layer.
run --config "$config" --seq 1000 --format json
check "exit status 0" test "$status" -eq 0
is params 1170340608 "JSON: the published count"
is intermediate_size 8192 "JSON: Lfm2MLP's width"
is cache_total_bytes 12451840 "JSON: 163,840 B of states and 1,000 tokens of 12,288 B"
run --model lfm2-1.2b --seq 1000
has_line "the states" "  recurrent                    10            -      16,384/seq           163,840"

# llama.cpp's lines: the attention layers' cells, the conv states (S
# none).
run --model lfm2-1.2b --seq 1000 --engine llama.cpp
has_line "llama.cpp's recurrent memory" \
	"    llama_memory_recurrent: size =    0.16 MiB (     1 cells,  16 layers,  1 seqs  0 rs_seq), R (f32):    0.16 MiB, S (f32):    0.00 MiB, P (f32):    0.00 MiB"
has_line "llama.cpp's KV cache of 6 layers" \
	"    llama_kv_cache: size =   12.00 MiB (  1024 cells,   6 layers,  1/1 seqs), K (f16):    6.00 MiB, V (f16):    6.00 MiB"

# vLLM: 54,613 blocks at 10 GiB, 67 a request of 1,000 tokens.
run --model lfm2-1.2b --seq 1000 --engine vllm --kv-budget 10737418240
has_line "vLLM's log line" \
	"    GPU KV cache size: 815,119 tokens, Maximum concurrency for 1,000 tokens per request: 815.12x"

# --explain: a short convolution's state, no SSM term; mode all asked of
# a model vLLM runs in align (Lfm2ForCausalLM is not
# SupportsMambaPrefixCaching) says so, and charges align's 2 pages.
run --model lfm2-1.2b --seq 1000 --engine vllm --kv-budget 10737418240 \
	--mamba-cache-mode all --explain
has_line "the conv state alone" \
	"    conv state: (ssm_conv_kernel 3 - 1) x ssm_inner 2048 = 4,096 values (a short convolution: no SSM state)"
has_line "all asked, align run" \
	"    mamba_cache_mode all asked: vLLM runs this model in align (its class is not SupportsMambaPrefixCaching; MambaModelConfig.verify_and_update_config)"
has_line "align's pages" \
	"    a sequence is charged 2 of them (mamba_cache_mode align) = 65,536 B"

# The weights' explanation names LFM2's kept tensors (tests/test_lfm2.c
# test_estimate works the 129,792 out).
run --model lfm2-1.2b --seq 1000 --weights-dtype int4-awq:g128 --gpu h100-sxm --explain
has_line "LFM2's norms and kernels" \
	"    weights as int4-awq:g128: embeddings 134,217,728 (vocab x hidden), head 0 (tied), norms 129,792 ((2 x layers + 1) x hidden, each conv layer's kernel and each attention layer's q and k layernorms), linear 1,035,993,088 (the rest of 1,170,340,608)"

expect_error "TensorRT-LLM refused" \
	"^kvplan: lfm2-1.2b: TensorRT-LLM has no LFM2 model\$" \
	--model lfm2-1.2b --seq 1000 --engine trtllm
sed 's/"conv_L_cache": 3/"conv_L_cache": 1/' "$config" >"$work/bad.json"
expect_error "a convolution without a state: one line" \
	"^kvplan: $work/bad.json: conv_L_cache: 1: a short convolution of fewer than 2 taps keeps no state\$" \
	--config "$work/bad.json" --seq 1000

done_testing
