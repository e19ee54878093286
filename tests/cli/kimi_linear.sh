# kimi_linear.sh — Kimi-Linear from the command line: its config.json
# (tests/configs/kimi-linear-48b-a3b, verbatim) and the catalogue's
# kimi-linear-48b-a3b, 20 Kimi Delta Attention layers and 7 MLA layers;
# figures worked by hand in tests/test_kimi_linear.c and
# data/models/kimi-linear-48b-a3b.yaml.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

config="$KVPLAN_SRCDIR/tests/configs/kimi-linear-48b-a3b/config.json"

# 7 x 1,152 B a token; 20 x 2,244,608 B of fp32 state (llama.cpp's).
run --config "$config" --seq 8192 --format json
check "exit status 0" test "$status" -eq 0
is params 49122681728 "JSON: the checkpoint's count"
is kv_bytes_per_token 8064 "JSON: the MLA layers' latent alone"
is cache_total_bytes $((20 * 2244608 + 8192 * 8064)) "JSON: 20 states and 8,192 tokens"
check "no generic rule" test ! -s "$work/err"

# llama.cpp's lines: the MLA layers' K alone, the KDA states' R and S.
run --model kimi-linear-48b-a3b --seq 8192 --engine llama.cpp
has_line "llama.cpp's K-only cache" \
	"    llama_kv_cache: size =   63.00 MiB (  8192 cells,   7 layers,  1/1 seqs), K (f16):   63.00 MiB, V (f16):    0.00 MiB"
has_line "llama.cpp's recurrent memory" \
	"    llama_memory_recurrent: size =   42.81 MiB (     1 cells,  27 layers,  1 seqs  0 rs_seq), R (f32):    2.81 MiB, S (f32):   40.00 MiB, P (f32):    0.00 MiB"

# vLLM at 10 GiB: 693 blocks of 1,920 tokens, 11 a request of 8,192.
run --model kimi-linear-48b-a3b --seq 8192 --engine vllm --kv-budget 10737418240 --gpu h200
has_line "vLLM's log line" \
	"    GPU KV cache size: 516,096 tokens, Maximum concurrency for 8,192 tokens per request: 63.00x"

expect_error "TensorRT-LLM refused" \
	"^kvplan: kimi-linear-48b-a3b: TensorRT-LLM's KimiLinearForCausalLM is Kimi K3's; kvplan does not plan Kimi-Linear under it \(that it runs it is not established\)\$" \
	--model kimi-linear-48b-a3b --seq 1000 --engine trtllm

done_testing
