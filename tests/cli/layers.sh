# layers.sh — the per-layer model from the command line: the figures the
# per-layer issue names, each worked by hand here, and every new error as
# one line on stderr, nothing on stdout, exit status 2.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# llama2-7b (32 layers, 32 kv heads, head_dim 128) in llama.cpp block types:
# q8_0 row = 128/32 blocks x 34 B = 136 B; per token 2·32·32·136 = 278,528.
run --model llama2-7b --seq 1 --dtype q8_0 --format json
is kv_bytes_per_token 278528 "llama2-7b q8_0: 2·32·32·136 = 278,528 B/token"
# q4_0 row = 4 x 18 B = 72 B; 2·32·32·72 = 147,456.
run --model llama2-7b --seq 1 --dtype q4_0 --format json
is kv_bytes_per_token 147456 "llama2-7b q4_0: 2·32·32·72 = 147,456 B/token"
# K q8_0 + V q4_0: 32·32·(136 + 72) = 212,992 B/token; ·4096 = 872,415,232.
run --model llama2-7b --seq 4096 --dtype-k q8_0 --dtype-v q4_0 --format json
is cache_total_bytes 872415232 "llama2-7b K q8_0 V q4_0 at 4096: 212,992·4096"
is dtype_k '"q8_0"'
is dtype_v '"q4_0"'

# deepseek-v3: 61 MLA layers, latent 512 + 64 = 576 values, bf16: 1,152 B
# per token-layer, 61·1,152 = 70,272 B/token, and no V.
run --model deepseek-v3 --seq 1 --dtype bf16 --format json
is kv_bytes_per_token 70272 "deepseek-v3 latent bf16: 61·576·2 = 70,272 B/token"
is v_bytes_per_token null "deepseek-v3: V does not exist"
is variants null "an MLA latent has no kv-head variants"
run --model deepseek-r1 --seq 1 --dtype bf16 --format json
is kv_bytes_per_token 70272 "deepseek-r1 is an alias of deepseek-v3"
# fp8_ds_mla: 512 + 512/128·4 + 64·2 = 656 B per token-layer; 61·656 = 40,016.
run --model deepseek-v3 --seq 1 --dtype fp8_ds_mla --format json
is kv_bytes_per_token 40016 "deepseek-v3 fp8_ds_mla: 61·656 = 40,016 B/token"
# deepseek-v2-lite expanded: 27 layers · 16 heads · ((128 + 64) + 128) · 2
# = 276,480 B/token.
run --model deepseek-v2-lite --seq 1 --dtype bf16 --mla expanded --format json
is kv_bytes_per_token 276480 "deepseek-v2-lite expanded bf16: 27·16·320·2 = 276,480"

# gemma2-9b: 42 layers alternating sliding (window 4096) and full, 8 kv
# heads of 256, fp16: 8,192 B per token-layer.  At 8192: 21·8192·8192 +
# 21·4096·8192 = 2,113,929,216; as full attention 42·8192·8192 =
# 2,818,572,288.
run --model gemma2-9b --seq 8192 --format json
is cache_total_bytes 2113929216 "gemma2-9b at 8192: 21·8192·8192 + 21·4096·8192"
is kv_bytes_per_token 344064 "gemma2-9b per token, every layer holding it: 42·8192"
run --model gemma2-9b --seq 8192 --no-window --format json
is cache_total_bytes 2818572288 "gemma2-9b --no-window: 42·8192·8192"
is no_window true

# mistral-7b v0.1: every layer a 4096 window; at 32768 the cache holds 4096
# tokens: 32·4096·(2·8·128·2 = 4,096) = 536,870,912.
run --model mistral-7b --seq 32768 --format json
is cache_total_bytes 536870912 "mistral-7b at 32768 holds 4096 tokens: 32·4096·4096"
is cache_bounded true
is cache_plateau_seq 4096
# The plateau fits an h100 (80 GiB · 0.9 − 14,483,464,192 B of weights is
# far above 536,870,912): every context fits.
run --model mistral-7b --seq 32768 --gpu h100-sxm --format json
is max_seq_hbm null "mistral-7b on h100: no longest context"
is max_seq_unbounded true
run --model mistral-7b --seq 32768 --gpu h100-sxm
check "the table says no limit" grep -q "no limit" "$work/out"
run --model mistral-7b --seq 32768 --gpu h100-sxm --format csv
check "CSV: empty max_seq_hbm and max_seq_unbounded true" \
	awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
	         { exit !($c["max_seq_hbm"] == "" && $c["max_seq_unbounded"] == "true") }' "$work/out"

# gpt-oss-120b: 36 layers, even ones a 128-token window, 8 kv heads of 64,
# fp16: 2,048 B per token-layer; at 131072: 18·131072·2048 + 18·128·2048 =
# 4,836,556,800.
run --model gpt-oss-120b --seq 131072 --dtype fp16 --format json
is cache_total_bytes 4836556800 "gpt-oss-120b at 131072: 18·131072·2048 + 18·128·2048"
# The same shape by numbers, and its longest context in an h100's L2 of
# 52,428,800 B: for s >= 128, 36,864·(s + 128) <= 52,428,800 holds at
# 1,294 (52,424,448) and fails at 1,295 (52,461,312).
gptoss="--layers 36 --heads 64 --kv-heads 8 --head-dim 64 --window 128 --layer-pattern sliding,full"
run $gptoss --seq 131072 --gpu h100-sxm --format json
is cache_total_bytes 4836556800 "by numbers: the same 4,836,556,800"
is max_seq_l2 1294 "max_seq_l2 on h100-sxm: 36,864·(s + 128) <= 52,428,800"
run $gptoss --seq 1294 --gpu h100-sxm --format json
is fits_l2 true "at 1,294 tokens the cache (52,424,448 B) fits L2"
run $gptoss --seq 1295 --gpu h100-sxm --format json
is fits_l2 false "at 1,295 tokens (52,461,312 B) it does not"

# qwen3-next-80b-a3b: 36 Gated DeltaNet layers of (4 − 1)·(4096 + 2·16·128)
# + 128·4096 = 548,864 fp32 values = 2,195,456 B per sequence, whatever the
# context; 12 full layers of 2 kv heads of 256.
run --model qwen3-next-80b-a3b --seq 1 --batch 2 --format json
is state_total_bytes 158072832 "qwen3-next state: 36·2,195,456·2 sequences"
run --model qwen3-next-80b-a3b --seq 100000 --batch 2 --format json
is state_total_bytes 158072832 "the state does not grow with context"
# --state-bytes replaces it: 36·1000·2.
run --model qwen3-next-80b-a3b --seq 1 --batch 2 --state-bytes 1000 --format json
is state_total_bytes 72000 "--state-bytes 1000: 36·1000·2"

# Chunked attention (llama4-scout: 3 chunked of 4, chunk 8192, 8 kv heads
# of 128): at 16384, 36·8192·4096 + 12·16384·4096 = 2,013,265,920.
run --model llama4-scout --seq 16384 --format json
is cache_total_bytes 2013265920 "llama4-scout at 16384: 36·8192·4096 + 12·16384·4096"

# vLLM per-token-head int8: a row of 128 values + a 4 B scale = 132 B; K and
# V of 32 heads in 32 layers: 2·32·32·132 = 270,336 B/token.
run --model llama2-7b --seq 1 --dtype int8_per_token_head --format json
is kv_bytes_per_token 270336 "int8_per_token_head: 2·32·32·(128 + 4)"

# --explain shows the derivation, with the numbers put in.
run --model gemma2-9b --seq 8192 --gpu h100-sxm --explain
check "--explain shows the sliding layers' tokens" \
	grep -q "tokens held: min(seq 8,192, window 4,096) = 4,096" "$work/out"
check "--explain shows the total" grep -q "= 2,113,929,216 B" "$work/out"
run --model gemma2-9b --seq 8192 --gpu h100-sxm --explain --format json
check "--explain in JSON is an array of lines" grep -q '"explain": \[' "$work/out"
# The groups' terms are one tensor-parallel rank's and the totals every
# GPU's, so the sums say how many: deepseek-v3's latent (576 values, fp16)
# is whole on each of 8 ranks: 61·1,152·8 = 562,176 B a token, and
# 61·1,152·8,192 = 575,668,224 B a rank, ·8 = 4,605,345,792.
run --model deepseek-v3 --seq 8192 --gpu h200 --engine vllm --tp 8 --explain
has_line "--explain at tp 8: the ranks in the per-token sum" \
	"  per token, every layer holding every token: (61 x 1,152) x tp 8 = 562,176 B"
has_line "--explain at tp 8: the ranks in the cache's sum" \
	"  cache: 575,668,224 x tp 8 = 4,605,345,792 B (per-token caches 4,605,345,792 B, recurrent state 0 B)"
# llama3.1-70b, 8 kv heads of 128: a rank of tp 2 holds 4, 2·4·128·2 =
# 2,048 B a layer-token, 80·2,048·8,192 = 1,342,177,280 B; ·2 ranks ·2
# replicas = 5,368,709,120.
run --model llama3.1-70b --seq 8192 --gpu h200 --tp 2 --dp 2 --explain
has_line "--explain at tp 2, dp 2: ranks and replicas" \
	"  cache: 1,342,177,280 x tp 2 x dp 2 = 5,368,709,120 B (per-token caches 5,368,709,120 B, recurrent state 0 B)"
# SGLang holds every layer of gpt-oss-120b on each of 2 stages: 18
# sliding layers of 129 cells (window 128, and one more) and 18 full ones
# of 8,193, 2,048 B a cell: 18·129·2,048 = 4,755,456 and 18·8,193·2,048 =
# 302,026,752, twice.
run --model gpt-oss-120b --seq 8192 --gpu h200 --engine sglang --pp 2 --explain
has_line "--explain: SGLang's every layer on each stage" \
	"  cache: (4,755,456 + 302,026,752) x pp 2 = 613,564,416 B (per-token caches 613,564,416 B, recurrent state 0 B)"

# Every new error: one line, nothing on stdout, exit 2.
n="--layers 4 --heads 8 --head-dim 64 --seq 100"
expect_error "a window of 0" "^kvplan: --window: '0' is too small" $n --window 0 --layer-pattern sliding
expect_error "sliding layers without a window" \
	"^kvplan: custom: 4 sliding layers need a window of at least 1 token \(sliding_window\)$" \
	$n --layer-pattern sliding
expect_error "a pattern with an unknown kind" \
	"^kvplan: --layer-pattern: entry 2 'slidng' is not a layer kind \(valid: full, sliding, chunked, mla, recurrent, none\)$" \
	$n --layer-pattern full,slidng
expect_error "a pattern longer than the layers" \
	"^kvplan: custom: the layer pattern has 5 entries, more than the 4 layers$" \
	$n --layer-pattern full*5
expect_error "an empty pattern entry" "^kvplan: --layer-pattern: entry 2 is empty$" \
	$n --layer-pattern full,,sliding
expect_error "a repeat of 0" "^kvplan: --layer-pattern: entry 1 'full\*0' repeats 0 times$" \
	$n --layer-pattern 'full*0'
expect_error "MLA without a rank" \
	"^kvplan: custom: 4 MLA layers need a latent rank \(kv_lora_rank\)$" $n --layer-pattern mla
expect_error "--mla on a model without a latent" \
	"^kvplan: --mla: llama2-7b has no MLA latent \(give --kv-lora-rank\)$" \
	--model llama2-7b --seq 1 --mla expanded
expect_error "expanded MLA without its head dims" \
	"^kvplan: custom: expanded MLA needs qk_nope_dim or qk_rope_dim, and v_head_dim$" \
	$n --kv-lora-rank 512 --qk-rope-dim 64 --mla expanded
expect_error "a recurrent layer with no state size" \
	"^kvplan: custom: 2 recurrent layers have no state size" $n --layer-pattern recurrent,full
expect_error "--window on a model with no sliding layer" \
	"^kvplan: --window: llama2-7b has no sliding layers \(give --layer-pattern\)$" \
	--model llama2-7b --seq 1 --window 4096
expect_error "--state-bytes on a model with no recurrent layer" \
	"^kvplan: --state-bytes: custom has no recurrent layers" $n --state-bytes 10
expect_error "no layer with a cache" "^kvplan: custom: no layer has a cache$" $n --layer-pattern none
expect_error "a block type on a row it does not divide" \
	"^kvplan: custom: a V head row of 40 values \(head_dim\) is not a whole number of q4_0 blocks \(32 values each\)$" \
	--layers 2 --heads 4 --head-dim 40 --seq 8 --dtype-v q4_0
expect_error "fp8_ds_mla on K/V rows" \
	"^kvplan: llama2-7b: fp8_ds_mla is the format of an MLA latent; a K head row cannot use it$" \
	--model llama2-7b --seq 1 --dtype fp8_ds_mla
expect_error "--explain with CSV" "^kvplan: --explain: the derivation is shown in table and JSON" \
	--model llama2-7b --seq 1 --explain --format csv
expect_error "--validate refuses sliding layers, naming them" \
	"^kvplan: the reference implementation runs full-attention layers only, and gemma2-9b has 21 sliding layers of 42$" \
	--model gemma2-9b --seq 16 --validate
expect_error "--validate refuses K and V types apart" \
	"^kvplan: validation stores K and V as one type, not fp16 and bf16$" \
	--model llama2-7b --seq 16 --dtype-v bf16 --validate

# CSV's layer_group_cells: the slots a layer allocates, which layer_groups'
# tokens do not give.  gemma2-9b at 8192 x 4, exact: 4096 x 4 and 8192 x
# 4.  Llama 3 8B at 1000 x 3 under vLLM: 63 blocks of 16 a sequence, 1,008
# x 3 = 3,024 cells, 32 x 3,024 x 4,096 = 396,361,728 B.
run --model gemma2-9b --seq 8192 --batch 4 --gpu h100 --format csv
csv_is h100-sxm layer_group_cells "16384;32768" "gemma2-9b's two groups"
run --model llama3-8b --seq 1000 --batch 3 --engine vllm --gpu h100 --format csv
csv_is h100-sxm layer_groups "full:32:1000:396361728" "vLLM: the tokens held"
csv_is h100-sxm layer_group_cells 3024 "vLLM: whole blocks of 16"

# A profile's full layers of their own head and its shared last layers
# (Gemma 4's global_head_dim, num_kv_shared_layers): 6 layers, 5 sliding
# (window 4) and 1 full, 2 kv heads of 64, the full one's of 128; the last
# 2 (a sliding, the full) would read layer 3's and, as no earlier full
# layer is, are refused; with the pattern "sliding*2,full" layers 4
# (sliding) and 5 (full) read 3 and 2, and 0, 1 and 3 (sliding) and 2
# (full) cache: at 100 tokens 3 x 4 x 2 x 64 x 2 x 2 B + 1 x 100 x 2 x
# 128 x 2 x 2 B = 6,144 + 102,400 = 108,544 B.
mkdir -p "$work/data/models"
printf '%s\n' 'name: g' 'layers: 6' 'heads: 4' 'kv_heads: 2' 'head_dim: 64' \
	'global_head_dim: 128' 'sliding_window: 4' 'layer_pattern: "sliding*5,full"' \
	'num_kv_shared_layers: 2' >"$work/data/models/g.yaml"
expect_error "a shared full layer with no earlier full one, at its line" \
	"g\\.yaml:9:1: g: layer 5 shares the cache of an earlier full layer \\(num_kv_shared_layers 2\\)" \
	--data-dir "$work/data" --model g --seq 100
printf '%s\n' 'name: g' 'layers: 6' 'heads: 4' 'kv_heads: 2' 'head_dim: 64' \
	'global_head_dim: 128' 'sliding_window: 4' 'layer_pattern: "sliding*2,full"' \
	'num_kv_shared_layers: 2' >"$work/data/models/g.yaml"
run --data-dir "$work/data" --model g --seq 100 --format json
is kv_total_bytes 108544 "shared layers keep nothing; the full layer's head is 128"

# use_double_wide_mlp widens the shared layers' MLP: none, and it is blamed
# at its line.
printf '%s\n' 'name: g' 'layers: 6' 'heads: 4' 'kv_heads: 2' 'head_dim: 64' \
	'intermediate_size: 256' 'use_double_wide_mlp: true' >"$work/data/models/g.yaml"
expect_error "a double-wide MLP with no shared layers, at its line" \
	"g\\.yaml:7:1: g: use_double_wide_mlp widens the MLP of the layers that read an earlier cache, yet it has none" \
	--data-dir "$work/data" --model g --seq 100
# E2B's LoRA on gate, up and down, rank 16: a layer 3 x 16 x (1,536 +
# 6,144) values, its 20 shared layers' 3 x 16 x (1,536 + 12,288): 15 x
# 368,640 + 20 x 663,552 = 18,800,640 values, 37,601,280 B in fp16.
run --model gemma-4-e2b --seq 1024 --lora-rank 16 --lora-modules gate,up,down --format json
is adapter_bytes 37601280 "LoRA on E2B's double-wide MLPs"

# --validate's reference implementation runs one head in every layer
expect_error "--validate refuses full layers of their own head" \
	"the reference implementation runs the same head in every layer; gemma-4-31b's full layers have head_dim 512, its others 256" \
	--model gemma-4-31b --seq 64 --validate --no-window
# A wrong kv heads list beside global_head_dim is blamed on its own line.
printf '%s\n' 'name: g' 'layers: 6' 'heads: 4' 'kv_heads: 2' 'head_dim: 64' \
	'global_head_dim: 128' 'layer_kv_heads: [3, 2, 2, 2, 2, 2]' 'sliding_window: 4' \
	'layer_pattern: "sliding*5,full"' >"$work/data/models/g.yaml"
expect_error "a wrong kv heads list, at its line" \
	"g\\.yaml:7:1: g: layer 0 has 3 kv heads" --data-dir "$work/data" --model g --seq 100

# Parallel: Gemma 4 31B's sliding layers' 16 kv heads over tp 2, 8 a GPU,
# and its full layers' 4, 2 a GPU.
run --model gemma-4-31b --seq 8192 --tp 2 --engine vllm
check "the full layers' kv heads a GPU beside the others'" grep -q \
	"^Parallel: tp 2, pp 1, dp 1 (2 GPUs); 8 kv heads per GPU (2 in the full layers)$" "$work/out"
# CSV's layer_group_heads: each group's kv heads a GPU and head dim; JSON
# the model's own kv heads a layer (layer 5, the first full one: 4).
run --model gemma-4-31b --seq 8192 --tp 2 --gpu h100 --format csv
csv_is h100-sxm layer_group_heads "8:256;2:512" "the full layers' heads and head dim"
run --model gemma-4-e2b --seq 8192 --gpu h100 --format csv
csv_is h100-sxm layer_group_heads "1:256;1:512;0:0" "shared layers keep no K and V"
run --model gemma-4-31b --seq 8192 --format json
heads=$(awk '/"layer_kv_heads": \[/ { f = 1; next } f && /\]/ { exit }
	f { gsub(/[ ,]/, ""); printf "%s ", $0 }' "$work/out")
case $heads in
"16 16 16 16 16 4 16 "*) ok "JSON: each layer's own kv heads, the full ones' 4" ;;
*) not_ok "JSON: each layer's own kv heads" "got '$heads'" ;;
esac

done_testing
