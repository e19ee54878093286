# weights.sh — the footprint: --weights-dtype in a checkpoint format (the
# bytes the fit splits over the GPUs, the estimate's parts in JSON and
# --explain, the same bytes a GGUF file of one type counts), tied
# embeddings read from the catalogue, a config.json and a GGUF file, and
# each GPU's memory part by part with llama.cpp's buffers.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"
mkgguf=$KVPLAN_BUILDDIR/tests/mkgguf
configs=$KVPLAN_SRCDIR/tests/configs

# Llama 2 7B as int4-awq:g128 (the catalogue: 6,738,415,616 params, vocab
# 32000, hidden 4096, 32 layers, untied).  Embeddings and head 2 x 32000 x
# 4096 = 262,144,000, norms 65 x 4096 = 266,240, linear the other
# 6,476,005,376: x 133/256 = 3,364,487,168 B; the rest x 2 = 524,820,480 B.
run --model llama2-7b --seq 1 --weights-dtype int4-awq:g128 --gpu h100 --format json
is weights_bytes 3889307648 "int4-awq:g128: 3,364,487,168 + 524,820,480 B"
is weights_dtype '"int4-awq:g128"' "JSON names the format"
is linear_params 6476005376 "linear: 6,476,005,376 params"
is tower_params 0 "no vision tower"
is head_params 131072000 "an untied head: 32000 x 4096"
is quantized_bytes 3364487168 "quantized: x 133/256"
is other_bytes 524820480 "the rest at 2 B"
is tie_word_embeddings false "llama2-7b: untied"
usable=$(json_value usable_bytes)
is budget_bytes $((usable - 3889307648)) "the budget is usable - the format's weights"
# Qwen3.5-27B's vision tower (the catalogue's vision_params, 460,730,096)
# under vLLM, which loads it: 16-bit, apart from the linear layers; under
# llama.cpp (its mmproj file) none.
run --model qwen3.5-27b --seq 1 --weights-dtype nvfp4 --gpu h200 --engine vllm --format json
is tower_params 460730096 "vLLM: the tower 16-bit"
run --model qwen3.5-27b --seq 1 --weights-dtype nvfp4 --gpu h200 --engine llama.cpp --format json
is tower_params 0 "llama.cpp: no tower among the params"
# pp 3 (11, 11 and 10 layers): the embedding and the head, 32,000 x 4,096
# x 2 = 262,144,000 B each, on the first and the last stage; the layers'
# 3,365,019,648 B at 105,156,864 a layer.  The first stage binds.
run --model llama2-7b --seq 1 --weights-dtype awq --pp 3 --gpu h100 --format json
is weights_per_gpu 1418869504 "pp 3: 11 layers' 1,156,725,504 + the embedding"
check "pp 3: each stage's weights" test \
	"$(sed -n 's/^ *"weights_per_gpu": \([0-9]*\),$/\1/p' "$work/out" | tr '\n' ' ')" = \
	"1418869504 1418869504 1156725504 1313712640 "
run --model llama2-7b --seq 1 --weights-dtype int4-awq:g128 --gpu h100
check "the table says the format" grep -q "^Fit (weights 3.62 GiB as int4-awq:g128; " "$work/out"
run --model llama2-7b --seq 1 --weights-dtype int4-awq:g128 --gpu h100 --explain
check "--explain gives the parts" \
	grep -q "^    weights: 3,364,487,168 + 524,820,480 = 3,889,307,648 B$" "$work/out"
run --model llama2-7b --seq 1 --weights-dtype int4-awq:g128 --gpu h100 --format csv
check "CSV: the format's weights" grep -q ",3889307648,true" "$work/out"

# The GGUF type on every 2-D tensor, the norms f32: the estimate is what a
# file of that one type counts (tests/mkgguf writes such a file).
"$mkgguf" "$work/l.gguf" llama2-7b q4_K
run --gguf "$work/l.gguf" --seq 1 --gpu h100 --format json
counted=$(json_value weights_bytes)
is tie_word_embeddings false "a GGUF file with output.weight: untied"
run --model llama2-7b --seq 1 --weights-dtype q4_k --gpu h100 --format json
is weights_bytes "$counted" "q4_K estimated = counted from the file ($counted B)"
is weights_bytes 3791273984 "q4_K: 6,738,149,376 / 256 x 144 + 266,240 x 4 B"
"$mkgguf" "$work/g.gguf" gemma3-27b q4_K
run --gguf "$work/g.gguf" --seq 1 --format json
is tie_word_embeddings true "a GGUF file without output.weight: tied"

# Tied embeddings: the catalogue, and config.json with or without the key.
# Llama 3.2 1B as q8_0: the one 128256 x 2048 matrix, no head.
run --model llama3.2-1b --seq 1 --weights-dtype q8_0 --gpu h100 --format json
is tie_word_embeddings true "llama3.2-1b: tied (its config.json)"
is head_params 0 "a tied head is no tensor"
run --config "$configs/llama3.2-1b" --seq 1 --format json
is tie_word_embeddings true "config.json: tie_word_embeddings true"
run --config "$configs/gemma3-4b" --seq 1 --format json
is tie_word_embeddings true "config.json without the key: Gemma ties"
run --config "$configs/llama2-7b" --seq 1 --format json
is tie_word_embeddings false "config.json: tie_word_embeddings false"
run --config "$configs/gpt2" --seq 1 --format json
is tie_word_embeddings true "config.json without the key: GPT-2 ties (PretrainedConfig's default)"
run --config "$configs/falcon-7b" --seq 1 --format json
is tie_word_embeddings true "config.json without the key: Falcon ties too"

# A format the model's numbers cannot give: one line, exit 2, no stdout.
run --model llama2-7b --params 1000 --seq 1 --weights-dtype fp8 --gpu h100
check "params below the embeddings: exit 2" test "$status" -eq 2
check "... and nothing on stdout" test ! -s "$work/out"
check "... and one line naming why" \
	grep -qx "kvplan: llama2-7b: 1000 parameters are fewer than its embeddings, head and norms" "$work/err"
# llama.cpp's buffers: Llama 3 8B at 8192 tokens, n_ubatch 512: compute
# 4 x 512 x (128256 + 4096) = 271,056,896 B on the GPU (its logits, over
# the MLP's 4 x 512 x (3 x 4096 + 3 x 14336) + 2 x 8192 x 512 + 20 x 512); in host
# memory the output buffer, 128256 x 4 = 513,024 B, and the token
# embedding, 128,256 x 4,096 x 2 = 1,050,673,152 B (llama.cpp keeps the
# input layer on the CPU); the cache 32 x 8192 x 2 x 8 x 128 x 2 =
# 1,073,741,824 B.  On the h100 (80 GiB, usable 77,309,411,328), weights
# 16,060,522,496, of which the GPU holds 15,009,849,344: left
# 77,309,411,328 - 15,009,849,344 - 271,056,896 - 1,073,741,824 =
# 60,954,763,264.
run --model llama3-8b --engine llama.cpp --seq 8192 --gpu h100 --format json
is activation_bytes 271056896 "llama.cpp compute buffer: 4 x 512 x (128256 + 4096)"
is host_bytes 1051186176 "llama.cpp host memory: 128256 x 4 and the embedding"
is kv_cache_bytes 1073741824 "the cache it allocates"
is budget_bytes 62028505088 "the budget leaves room for the compute buffer"
is unused_bytes 60954763264 "what is left"
run --model llama3-8b --engine llama.cpp --seq 8192 --gpu h100
check "the table splits the memory" \
	grep -q "^h100-sxm      13.98 GiB      1 GiB 258.50 MiB      8 GiB  56.77 GiB$" "$work/out"
check "... and names the host memory" \
	grep -q "^(and 1002.49 MiB of host memory: llama.cpp's token embedding and output buffer)$" "$work/out"
# The parts exceed the device: left is negative, by over_bytes.
run --model llama3-70b --seq 8192 --gpu l4 --format json
is unused_bytes 0 "nothing left when the weights exceed the device"
over=$(json_value over_bytes)
check "over_bytes is what they exceed it by ($over)" test "$over" -gt 100000000000
done_testing
