# gguf.sh — models from GGUF files on the command line: files written at
# run time by tests/mkgguf (real metadata and tensor infos, sparse, so no
# tensor data is written) give the catalogue's caches, their weights
# counted from the tensor infos, and name their source and the keys read;
# every malformed file is one line on stderr, nothing on stdout, exit 2.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"
mkgguf=$KVPLAN_BUILDDIR/tests/mkgguf

for shape in llama2-7b gemma3-27b deepseek-v3 qwen3-next-80b-a3b; do
	"$mkgguf" "$work/$shape.gguf" "$shape" q4_K
done
f=$work/llama2-7b.gguf

# Llama 2 7B, every tensor in q4_K but the norms (f32).  The tensors:
# token_embd and output, 4096 x 32000 each; 32 layers of attn_q, attn_k,
# attn_v and attn_output (4096 x 4096), ffn_gate and ffn_up (4096 x
# 11008), ffn_down (11008 x 4096), attn_norm and ffn_norm (4096); and
# output_norm (4096): 2 + 32 x 9 + 1 = 291 tensors, 226 of them 2-D.
#   2-D values: 2 x 131,072,000 + 32 x (4 x 16,777,216 + 3 x 45,088,768)
#             = 262,144,000 + 32 x 202,375,168 = 6,738,149,376
#   q4_K, 144 B per 256 values: 6,738,149,376 / 256 x 144 = 3,790,209,024 B
#   norms: 32 x 2 x 4096 + 4096 = 266,240 values x 4 B = 1,064,960 B
#   weights: 3,790,209,024 + 1,064,960 = 3,791,273,984 B
#   params: 6,738,149,376 + 266,240 = 6,738,415,616 (the catalogue's)
# The cache at 8192 tokens: 32 layers x 8192 x 2 (K, V) x 32 heads x 128
# x 2 B = 4,294,967,296 B.
run --model llama2-7b --seq 8192 --engine llama.cpp --format json
want=$(json_value kv_total_bytes)
run --gguf "$f" --seq 8192 --engine llama.cpp --format json
is kv_total_bytes "$want" "llama.cpp at 8192: the catalogue's kv_total_bytes ($want)"
is kv_total_bytes 4294967296 "llama.cpp at 8192: 32·8192·2·32·128·2 = 4,294,967,296 B"
is bytes 3791273984 "weights: 3,790,209,024 B of q4_K + 1,064,960 B of f32 norms"
is tensors 291 "weights: 291 tensors"
is params 6738415616 "params: the catalogue's 6,738,415,616"
is kind '"gguf"' "JSON source kind"
is family '"llama"' "JSON source family"
same_cache llama2-7b --gguf "$f" --seq 8192 --engine llama.cpp --kv-budget 20000000000

# Where the weights sit.  token_embd and output, 4096 x 32000 in q4_K,
# are 131,072,000 / 256 x 144 = 73,728,000 B each.  llama.cpp keeps
# token_embd in host memory (llama-model.cpp load_tensors: the input layer
# is always on the CPU, its "CPU_Mapped model buffer size"): the GPU holds
# 3,791,273,984 - 73,728,000 = 3,717,545,984 B, the host the embedding
# and the output buffer, 32000 x 1 x 4 = 128,000 B: 73,856,000 B.
run --gguf "$f" --seq 8192 --engine llama.cpp --gpu h100 --format json
is embedding_bytes 73728000 "token_embd's bytes, from its tensor info"
is head_bytes 73728000 "output.weight's bytes"
is weights_per_gpu 3717545984 "llama.cpp: the GPU holds all but token_embd"
is host_bytes 73856000 "llama.cpp: token_embd and the output buffer in host memory"
run --gguf "$f" --seq 8192 --engine llama.cpp --gpu h100
check "the table names the embedding in host memory" grep -qxF \
	"(and 70.43 MiB of host memory: llama.cpp's token embedding and output buffer)" "$work/out"
# vLLM at pp 3 (11, 11 and 10 layers): the layers' 3,791,273,984 -
# 2 x 73,728,000 = 3,643,817,984 B are 113,869,312 B a layer; the first
# stage adds token_embd, the last output.weight, and each the rotary table
# of the file's context_length, 4,096 x 128 x 2 B = 1,048,576.
run --gguf "$f" --seq 8192 --engine vllm --pp 3 --gpu h100 --format json
check "vLLM pp 3: each stage's weights from the file" test \
	"$(sed -n 's/^ *"weights_per_gpu": \([0-9]*\),$/\1/p' "$work/out" | tr '\n' ' ')" = \
	"1327339008 1327339008 1253611008 1213469696 "

run --gguf "$f" --seq 8192 --engine llama.cpp
check "table names the GGUF file and its architecture" grep -qxF "  from gguf $f (llama)" "$work/out"
check "table has the weights line" \
	grep -qxF "  weights: 3,791,273,984 B counted from its tensor infos" "$work/out"
check "table says the fit uses the file's weights" \
	grep -q "^Fit (weights 3.53 GiB counted; 90% of memory usable" "$work/out"
check "no warning but the context's" \
	test "$(grep -cv 'exceeds llama2-7b.s max context 4096' "$work/err")" -eq 0
run --gguf "$f" --seq 8192 --explain
check "--explain: kv_heads read from llama.attention.head_count_kv" \
	grep -qxF "    kv_heads: read, llama.attention.head_count_kv = 32" "$work/out"
check "--explain: layers read from llama.block_count" \
	grep -qxF "    layers: read, llama.block_count = 32" "$work/out"
check "--explain: vocab from the tokenizer's tokens" \
	grep -qxF "    vocab: derived, tokenizer.ggml.tokens has 32000 entries" "$work/out"
check "--explain: the q4_K weights" \
	grep -qxF "    weights q4_K: 226 tensors, 6,738,149,376 values, 3,790,209,024 B" "$work/out"
check "--explain: the f32 norms" \
	grep -qxF "    weights f32: 65 tensors, 266,240 values, 1,064,960 B" "$work/out"

# The other shapes (metadata and a handful of tensors) against the
# catalogue, with a --kv-budget as their weights differ.
# Gemma 3 27B at 32,768 tokens: 16 kv heads x 128 x 2 x 2 B = 8192 B a
# token and layer; 52 sliding layers hold 1024 tokens, 10 full ones
# 32,768: 8192 x (52 x 1024 + 10 x 32,768) = 3,120,562,176 B.
same_cache gemma3-27b --gguf "$work/gemma3-27b.gguf" --seq 32768 --kv-budget 40000000000
run --gguf "$work/gemma3-27b.gguf" --seq 32768 --format json
is kv_total_bytes 3120562176 "gemma3-27b at 32768: 8192·(52·1024 + 10·32768)"
# DeepSeek-V3: 61 layers x (512 + 64) x 2 B = 70,272 B a token;
# x 32,768 = 2,302,672,896 B.
same_cache deepseek-v3 --gguf "$work/deepseek-v3.gguf" --seq 32768 --kv-budget 30000000000
same_cache deepseek-v3 --gguf "$work/deepseek-v3.gguf" --seq 8192 --batch 8 \
	--engine sglang --tp 8 --kv-budget 30000000000
run --gguf "$work/deepseek-v3.gguf" --seq 32768 --format json
is kv_total_bytes 2302672896 "deepseek-v3 at 32768: 61·576·2·32768"
# Qwen3-Next 80B-A3B: 12 full layers x 2 x 2 kv heads x 256 x 2 B =
# 24,576 B a token, x 32,768 = 805,306,368 B; 36 recurrent layers of
# 2,195,456 B (test_gguf.c works it) = 79,036,416 B: 884,342,784 B.
same_cache qwen3-next-80b-a3b --gguf "$work/qwen3-next-80b-a3b.gguf" --seq 32768 \
	--kv-budget 20000000000
same_cache qwen3-next-80b-a3b --gguf "$work/qwen3-next-80b-a3b.gguf" --seq 65536 \
	--engine llama.cpp --kv-budget 20000000000
run --gguf "$work/qwen3-next-80b-a3b.gguf" --seq 32768 --format json
is cache_total_bytes 884342784 "qwen3-next at 32768: 805,306,368 + 79,036,416"

# Malformed files: one line naming the byte offset or the problem.
head -c 100 "$f" >"$work/short.gguf"
expect_error "--gguf cut at 100 bytes: the key count cannot fit" \
	"^kvplan: .*short.gguf: at byte 16: 12 keys need at least 14 bytes each, and 76 bytes remain$" \
	--gguf "$work/short.gguf" --seq 10
head -c 100000 "$f" >"$work/short.gguf"
expect_error "--gguf cut in the tokenizer: the key and its offset" \
	"^kvplan: .*short.gguf: at byte 188: key 'tokenizer.ggml.tokens' has 32000 strings, more than the 99800 bytes that remain can hold$" \
	--gguf "$work/short.gguf" --seq 10
head -c 500000 "$f" >"$work/short.gguf"
expect_error "--gguf cut after the header: the data runs past the end" \
	"^kvplan: .*short.gguf: at byte [0-9]+: tensor 'token_embd.weight' data \(73728000 bytes at data offset 0\) runs past the end of the file \(500000 bytes\)$" \
	--gguf "$work/short.gguf" --seq 10
"$mkgguf" "$work/magic.gguf" deepseek-v3 q4_K
printf 'GGML' | dd of="$work/magic.gguf" bs=1 count=4 conv=notrunc 2>/dev/null
expect_error "--gguf with a wrong magic" \
	"^kvplan: .*magic.gguf: at byte 0: magic is 'GGML', not 'GGUF': not a GGUF file$" \
	--gguf "$work/magic.gguf" --seq 10
: >"$work/empty.gguf"
expect_error "--gguf of an empty file" \
	"^kvplan: .*empty.gguf: at byte 0: truncated header: 0 bytes, not a GGUF file$" \
	--gguf "$work/empty.gguf" --seq 10
mkfifo "$work/fifo.gguf"
expect_error "--gguf refuses a FIFO" "^kvplan: .*fifo.gguf: not a regular file$" \
	--gguf "$work/fifo.gguf" --seq 10
mkdir "$work/dir.gguf"
expect_error "--gguf refuses a directory" "^kvplan: .*dir.gguf: not a regular file$" \
	--gguf "$work/dir.gguf" --seq 10
expect_error "--gguf of a missing file" "^kvplan: .*missing.gguf: No such file" \
	--gguf "$work/missing.gguf" --seq 10

done_testing
