# lora.sh — LoRA adapters beside the weights: their bytes in JSON, CSV and
# the table, taken from the cache's budget, the intermediate size read
# from the catalogue, config.json and GGUF, vLLM's flags pasted as they
# are, and every bad value refused in one line.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"
mkgguf=$KVPLAN_BUILDDIR/tests/mkgguf
configs=$KVPLAN_SRCDIR/tests/configs

# Llama 3.1 8B under vLLM with --enable-lora (rank 16, one slot, every
# module vLLM wraps; lib/lora.c): per layer q 16 x (4096 + 4096), k and v
# 16 x (4096 + 1024), o as q, gate, up and down 16 x (4096 + 14336):
# 1,310,720 values; 32 layers and embed_tokens and lm_head 2 x 16 x
# (128256 + 4096): 46,178,304 values, 92,356,608 B.
run --model llama3.1-8b --seq 1024 --engine vllm --enable-lora --gpu h100 --format json
is intermediate_size 14336 "the catalogue's intermediate_size"
is rank 16 "--enable-lora: vLLM's max_lora_rank, 16"
is slots 1 "one slot (max_loras)"
check "vLLM: the nine modules it wraps" \
	grep -q '^    "modules": "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj,embed_tokens,lm_head",$' "$work/out"
is adapter_bytes 92356608 "one adapter: 92,356,608 B"
is lora_bytes 92356608 "memory: the adapters' part"
usable=$(json_value usable_bytes)
weights=$(json_value weights_per_gpu)
is budget_bytes $((usable - weights - 92356608)) "the budget is usable - weights - adapters"
# The same at vLLM's spelling, four slots, tp 2: per rank q 16 x (4096 +
# 2048), o 16 x (2048 + 4096), k and v 16 x (4096 + 512), gate and up 16 x
# (4096 + 7168), down 16 x (7168 + 4096): 884,736 a layer; 28,311,552 +
# 4,235,264 = 32,546,816 values, 65,093,632 B a slot.
run --model llama3.1-8b --seq 1024 --engine vllm --max-lora-rank 16 --max-loras 4 \
	--tensor-parallel-size 2 --gpu h100 --format json
is bytes_per_gpu 260374528 "tp 2, 4 slots: 4 x 65,093,632 B a GPU"
# Without vLLM: all-linear by default, split evenly; rank 8, bf16.
run --model llama3.1-8b --seq 1024 --lora-rank 8 --lora-dtype bf16 --tp 2 --gpu h100 --format json
check "all-linear by default" \
	grep -q '^    "modules": "q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj",$' "$work/out"
is adapter_bytes 41943040 "32 x 655,360 values x 2 B"
is bytes_per_gpu 20971520 "half on each of 2 GPUs"
check "the adapters' type" grep -q '^    "dtype": "bf16",$' "$work/out"
# SGLang: max_loras_per_batch 8 slots unless given (lora/mem_pool.py), the
# seven linear modules, every layer: 8 x 32 x 1,310,720 values x 2 B =
# 671,088,640 B, taken from the cache's budget.
run --model llama3.1-8b --seq 1024 --engine sglang --lora-rank 16 --gpu h100 --format json
is slots 8 "SGLang: 8 slots unless given"
is bytes_per_gpu 671088640 "SGLang: 8 x 83,886,080 B"
is lora_bytes 671088640 "memory: the adapters' part"
run --model llama3.1-8b --seq 1024 --engine sglang --lora-rank 16 --max-loras-per-batch 2 \
	--gpu h100 --format json
is bytes_per_gpu 167772160 "--max-loras-per-batch 2: 2 x 83,886,080 B"
# A module list in PEFT's names, the _proj left out.
run --model llama3.1-8b --seq 1024 --lora-rank 16 --lora-modules q,v_proj --gpu h100 --format json
is adapter_bytes $((2 * 32 * 16 * (8192 + 5120))) "q_proj and v_proj: 16 x (8192 + 5120) a layer"
check "the modules named" grep -q '^    "modules": "q_proj,v_proj",$' "$work/out"
run --model llama3.1-8b --seq 1024 --gpu h100 --format json
is lora null "no adapters: lora is null"
is lora_bytes 0 "... and no memory"

# The table and CSV.
run --model llama3.1-8b --seq 1024 --engine vllm --enable-lora --gpu h100
check "the table names the adapters" grep -q "^LoRA adapters: rank 16, fp16, on q_proj,k_proj,v_proj,o_proj,gate_proj,up_proj,down_proj,embed_tokens,lm_head$" "$work/out"
check "... one adapter, each GPU's" grep -q "^  one adapter 88.08 MiB; 1 slot, 88.08 MiB on each GPU$" "$work/out"
check "... and a LoRA column" grep -Eq "^GPU +weights +LoRA +KV cache" "$work/out"
run --model llama3.1-8b --seq 1024 --engine vllm --enable-lora --gpu h100 --format csv
csv_is h100-sxm mem_lora_bytes 92356608 "CSV: the adapters' slot"
csv_is h100-sxm mem_draft_weights_bytes 0 "CSV: no draft"

# The longest context counts them: the exact engine at 131,072 B a token
# (32 layers x 8 kv heads x 128 x 2 x 2), 8 slots of rank 64 all-linear
# (8 x 4 x 83,886,080 = 2,684,354,560 B) take 20,480 tokens.
run --model llama3.1-8b --seq 1024 --gpu h100 --solve max-seq --format json
without=$(json_value max_seq_hbm)
budget=$(json_value budget_bytes)
run --model llama3.1-8b --seq 1024 --gpu h100 --solve max-seq --lora-rank 64 --max-loras 8 \
	--format json
is max_seq_hbm $(((budget - 2684354560) / 131072)) "max-seq: (budget - adapters) / 131,072"
check "... fewer than without ($without)" test "$(json_value max_seq_hbm)" -lt "$without"

# The intermediate size from config.json and GGUF gives the same bytes.
run --config "$configs/llama3.1-8b" --seq 1024 --engine vllm --enable-lora --gpu h100 --format json
is adapter_bytes 92356608 "config.json: the same adapter"
"$mkgguf" "$work/l.gguf" llama2-7b f16
run --gguf "$work/l.gguf" --seq 1024 --lora-rank 16 --format json
is intermediate_size 11008 "GGUF: llama.feed_forward_length"
gguf=$(json_value adapter_bytes)
run --model llama2-7b --seq 1024 --lora-rank 16 --format json
is adapter_bytes "$gguf" "GGUF and the catalogue agree ($gguf B)"
is adapter_bytes $((2 * 32 * 16 * (4 * 8192 + 3 * 15104))) "llama2-7b: 32 x 16 x (4 x 8192 + 3 x 15104) x 2 B"
run --config "$configs/qwen3-30b-a3b" --seq 1024 --format json
is intermediate_size 0 "a mixture of experts: no intermediate_size"
run --config "$configs/gpt2" --seq 1024 --format json
is intermediate_size 0 "GPT-2's MLP is not gated"

# Bad values: one line, exit 2.
m="--model llama3.1-8b --seq 1024"
expect_error "a slot count without a rank" \
	"^kvplan: --max-loras: needs the adapters' rank \(--lora-rank R, or vLLM's --enable-lora\)\$" \
	$m --max-loras 4
expect_error "modules without a rank" "^kvplan: --lora-modules: needs the adapters' rank" \
	$m --lora-modules q
expect_error "an unknown module" \
	"^kvplan: --lora-modules: entry 2 'qq' is not a LoRA module \(valid: q_proj, " \
	$m --lora-rank 8 --lora-modules q,qq
expect_error "an empty module" "^kvplan: --lora-modules: entry 1 '' is not a LoRA module" \
	$m --lora-rank 8 --lora-modules ,q
expect_error "control characters are escaped" "^kvplan: --lora-modules: entry 1 'q\\\\x1b' is not" \
	$m --lora-rank 8 --lora-modules "$(printf 'q\033')"
expect_error "zero slots" "^kvplan: --max-loras: '0' is too small; it must be at least 1\$" \
	$m --lora-rank 8 --max-loras 0
expect_error "an engine's spelling is named as typed" \
	"^kvplan: --max-loras-per-batch: '0' is too small; it must be at least 1\$" \
	$m --lora-rank 8 --max-loras-per-batch 0
expect_error "zero rank" "^kvplan: --lora-rank: '0' is too small; it must be at least 1\$" \
	$m --lora-rank 0
expect_error "a rank past 32 bits" "^kvplan: --lora-rank: '4294967296' is too large; it must be at most 4294967295\$" \
	$m --lora-rank 4294967296
expect_error "a block type" "^kvplan: --lora-dtype: LoRA adapters are held as fp16, bf16 or fp32, not q8_0\$" \
	$m --lora-rank 8 --lora-dtype q8_0
expect_error "an unknown type" "^kvplan: --lora-dtype: unknown element type 'fp12'" \
	$m --lora-rank 8 --lora-dtype fp12
# vLLM wraps a mixture's router and routed experts (FusedMoEWithLoRA:
# w13 two A of r x hidden and two B of r x moe_intermediate, w2 one of
# each). Qwen3-30B-A3B at rank 16 (hidden 2048, 32 heads and 4 kv heads
# of 128, 128 experts of 768): attention 16 x (2 x 6144 + 2 x 2560) =
# 278,528 a layer, the router 16 x (2048 + 128) = 34,816, the experts 16
# x 128 x (2 x 2048 + 2 x 768 + 768 + 2048) = 17,301,504; 48 layers
# 845,512,704 and embed_tokens and lm_head (Qwen3MoeForCausalLM declares
# them) 2 x 16 x (151936 + 2048) = 4,927,488: 850,440,192 values, 2 B.
run --model qwen3-30b-a3b --seq 1024 --engine vllm --enable-lora --format json
is adapter_bytes 1700880384 "a mixture of experts: its router and experts"
check "... the modules it has (no dense MLP)" grep -q \
	'^    "modules": "q_proj,k_proj,v_proj,o_proj,embed_tokens,lm_head,experts,router",$' "$work/out"
run --model qwen3-30b-a3b --seq 1024 --engine vllm --enable-lora --lora-modules attention \
	--format json
is adapter_bytes $((2 * 48 * 278528)) "... its attention modules alone"
expect_error "the experts under another engine" \
	"^kvplan: LoRA on qwen3-30b-a3b: the experts and the router are modelled for vLLM alone\$" \
	--model qwen3-30b-a3b --seq 1024 --lora-rank 16 --lora-modules experts
# DeepSeek-V3 under vLLM at rank 16: an MLA layer's fused_qkv_a_proj 16 x
# (2 x 7168 + 1536 + 576) (two A), q_b_proj 16 x (1536 + 128 x 192),
# kv_b_proj 16 x (512 + 128 x 256), o_proj 16 x (128 x 128 + 7168):
# 1,590,272; the 3 dense
# MLPs 3 x 16 x (7168 + 18432) = 1,228,800; each of 58 expert layers
# the router 16 x (7168 + 256), the shared expert 3 x 16 x (7168 +
# 2048) and 256 experts 16 x 256 x (2 x 7168 + 2 x 2048 + 2048 + 7168):
# 113,807,360; no embed_tokens nor lm_head (DeepseekV2ForCausalLM names
# none): 6,701,519,872 values.
run --model deepseek-v3 --seq 1024 --engine vllm --enable-lora --format json
is adapter_bytes 13403039744 "DeepSeek-V3: MLA, dense layers and experts"
expect_error "MLA attention elsewhere" \
	"^kvplan: LoRA on deepseek-v3: the attention modules of an MLA layer are modelled for vLLM alone; name the MLP's \(--lora-modules mlp\)\$" \
	--model deepseek-v3 --seq 1024 --lora-rank 8
expect_error "a sparse-attention indexer" \
	"^kvplan: LoRA on deepseek-v3.2: the attention modules of an MLA layer are modelled for vLLM, not those of a sparse-attention indexer" \
	--model deepseek-v3.2 --seq 1024 --engine vllm --enable-lora
# Modules the model has none of: no adapters, and said so.
run --model llama3.1-8b --seq 1024 --engine vllm --lora-rank 16 --lora-modules mixer --format json
is lora null "a dense model's mixer: nothing counted"
check "... and a warning says so" grep -Fxq \
	"kvplan: warning: --lora-modules in_proj,conv1d,out_proj: the model has none of them: no adapters counted" \
	"$work/err"
# Speculative decoding beside vLLM's MoE adapters (the exact reference
# plan takes no adapters).
run --model deepseek-v3 --seq 1024 --engine vllm --enable-lora --mtp 1 --format json
is adapter_bytes 13403039744 "LoRA beside MTP layers: planned, the same adapters"
# Classes vLLM does not adapt, and its lm_head limit.
expect_error "Falcon" "^kvplan: LoRA on falcon-7b: vLLM's falcon model does not support LoRA\$" \
	--model falcon-7b --seq 1024 --engine vllm --enable-lora
expect_error "a vocabulary past 258,048" \
	"^kvplan: LoRA on falcon-h1-34b: vLLM adapts an lm_head of at most 258,048 entries, not 261120; leave it out \(--lora-modules\)\$" \
	--model falcon-h1-34b --seq 1024 --engine vllm --enable-lora
expect_error "overflow" "^kvplan: LoRA adapters of custom overflow 64-bit bytes\$" \
	--layers 100000 --heads 64 --head-dim 65536 --hidden 4194304 --seq 1 \
	--lora-rank 4294967295 --lora-modules attention

done_testing
