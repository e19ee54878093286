# inputs.sh — models from their own files on the command line: --config
# gives the catalogue's figures, combines with the engines, parallelism
# and solvers, names its source, and every bad file is one line on
# stderr, nothing on stdout, exit status 2.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"
configs=$KVPLAN_SRCDIR/tests/configs

# The cache is the catalogue's, with and without an engine and parallelism
# (max_seq_hbm differs with the weights, so only where the budget is given).
same_cache gemma3-27b --config "$configs/gemma3-27b/config.json" --seq 32768 --kv-budget 40000000000
same_cache gpt-oss-120b --config "$configs/gpt-oss-120b/config.json" --seq 131072 --engine vllm --tp 4 --kv-budget 60000000000
same_cache deepseek-v3 --config "$configs/deepseek-v3/config.json" --seq 8192 --batch 8 --engine sglang --tp 8 --kv-budget 30000000000
same_cache qwen3-next-80b-a3b --config "$configs/qwen3-next-80b-a3b/config.json" --seq 65536 --engine llama.cpp --kv-budget 20000000000
same_cache llama4-scout --config "$configs/llama4-scout/config.json" --seq 100000 --dtype fp8 --engine trtllm --kv-budget 50000000000
same_cache nemotron-h-56b --config "$configs/nemotron-h-56b/config.json" --seq 8192 --batch 4 --kv-budget 30000000000

# The source is named, and the estimate called one.
run --config "$configs/llama2-7b/config.json" --seq 1024 --gpu h100
check "table names config.json and its family" grep -q "^  from config.json .*llama2-7b/config.json (llama)$" "$work/out"
check "table says params are estimated" grep -q "^  estimated: params (see --explain)$" "$work/out"
run --config "$configs/llama2-7b" --seq 1024 --format json
is kv_total_bytes 536870912 "llama2-7b's directory: 536,870,912 B at 1024"
is kind '"config.json"' "JSON source kind"
is family '"llama"' "JSON source family"
is generic false "JSON: llama is no generic family"
run --config "$configs/llama2-7b" --seq 1024 --explain --gpu h100
check "--explain shows where kv_heads came from" \
	grep -q "^    kv_heads: read, num_key_value_heads = 32$" "$work/out"

# An unknown family: read, with one warning line on stderr.
cat >"$work/config.json" <<'JSON'
{"model_type": "brand_new", "num_hidden_layers": 4, "hidden_size": 512,
 "num_attention_heads": 8, "num_key_value_heads": 2, "head_dim": 64}
JSON
run --config "$work/config.json" --seq 100 --format json
# 4 layers x 100 tokens x 2 heads x 64 x 2 (K, V) x 2 B = 204,800
is kv_total_bytes 204800 "generic family: 4·100·2·64·2·2 = 204,800 B"
check "generic family warns on stderr" grep -q "model type 'brand_new' is not a family kvplan knows" "$work/err"
check "exit 0 with the warning" test "$status" -eq 0
# The warnings quote the path escaped: a line feed in a directory's name
# cannot break them into two lines (fuzz_cli found both).
dir_nl="$work/a
kvplan: b"
mkdir "$dir_nl"
cp "$work/config.json" "$dir_nl/config.json"
run --config "$dir_nl/config.json" --seq 100 --format json
check "a generic family's warning is one line, whatever the path" \
	test "$(wc -l <"$work/err")" -eq 1
check "... its path escaped" grep -q \
	"^kvplan: warning: $work/a\\\\nkvplan: b/config.json: model type 'brand_new'" "$work/err"
printf '{"model_type": "llama", "num_hidden_layers": 4, "num_hidden_layers": 4,
 "hidden_size": 512, "num_attention_heads": 8}' >"$dir_nl/config.json"
run --config "$dir_nl/config.json" --seq 100 --format json
check "a duplicated key's warning is one line, whatever the path" \
	test "$(wc -l <"$work/err")" -eq 1
check "... its path escaped" grep -q \
	"^kvplan: warning: $work/a\\\\nkvplan: b/config.json:1:[0-9]*: duplicate" "$work/err"

# JSON stays JSON whatever bytes a path has (fuzz_cli found a raw 0xff):
# a byte that is no part of UTF-8 becomes U+FFFD, DEL is escaped, and
# well-formed UTF-8 is kept.
dir_bytes="$work/b$(printf '\377\177')é"
mkdir "$dir_bytes"
cp "$configs/llama2-7b/config.json" "$dir_bytes/config.json"
run --config "$dir_bytes/config.json" --seq 100 --format json
check "a path's stray byte is U+FFFD, DEL escaped, é kept in JSON" \
	grep -q "\"path\": \"$work/b\\\\ufffd\\\\u007fé/config.json\"" "$work/out"
check "... and no raw 0xff or DEL is written" \
	sh -c "! LC_ALL=C grep -q '[$(printf '\377\177')]' '$work/out'"

# Bad files and bad combinations.
expect_error "--config of a missing file" "^kvplan: /nonexistent/config.json: No such file" \
	--config /nonexistent/config.json --seq 10
printf '{"num_hidden_layers": 2,' >"$work/bad.json"
expect_error "--config truncated JSON names line and column" "^kvplan: .*bad.json:1:[0-9]+: " \
	--config "$work/bad.json" --seq 10
printf '{"num_hidden_layers": "two", "num_attention_heads": 4}' >"$work/bad.json"
expect_error "--config a string for a number names the key" \
	"^kvplan: .*bad.json: num_hidden_layers: expected a number, found a string$" \
	--config "$work/bad.json" --seq 10
mkfifo "$work/fifo.json"
expect_error "--config refuses a FIFO" "^kvplan: .*fifo.json: not a regular file$" \
	--config "$work/fifo.json" --seq 10
expect_error "--config and --model together" "^kvplan: give one of --model, --config and --gguf$" \
	--config "$configs/gpt2" --model gpt2 --seq 10
expect_error "--gguf with --safetensors" "^kvplan: --safetensors: a GGUF file holds its own weights$" \
	--gguf "$work/x.gguf" --safetensors "$work" --seq 10

# An index beside config.json that gives nothing (no total_size, no
# shard there) is warned of, and the params are estimated.
mkdir "$work/ix"
cp "$KVPLAN_SRCDIR/tests/configs/llama2-7b/config.json" "$work/ix/"
printf '{"weight_map": {"w": "missing.safetensors"}}' >"$work/ix/model.safetensors.index.json"
run --config "$work/ix" --seq 10
check "an index that gives nothing: warned" grep -qx \
	"kvplan: warning: $work/ix/model.safetensors.index.json gives no total_size and no shard is beside it: the params are estimated from the shape" \
	"$work/err"
check "... and the params estimated" grep -q "^  estimated: params" "$work/out"
# An empty path is named as such, with its option.
for o in config gguf safetensors draft-config draft-gguf; do
	expect_error "--$o ''" "^kvplan: --$o: an empty path$" --model llama2-7b --seq 10 --$o ''
done
# A header that names no tensor ("{}") counts nothing: refused, not an
# estimate in silence.
printf '\002\000\000\000\000\000\000\000{}' >"$work/none.safetensors"
expect_error "--safetensors with no tensors" \
	"^kvplan: $work/none.safetensors: no tensors in its header$" \
	--model gpt2 --safetensors "$work/none.safetensors" --seq 10 --gpu h100
expect_error "--safetensors: two with no tensors" \
	"^kvplan: --safetensors: the 2 paths given name no tensors$" \
	--model gpt2 --safetensors "$work/none.safetensors" --safetensors "$work/none.safetensors" \
	--seq 10 --gpu h100
# --safetensors: a checkpoint's bytes replace params x type in the fit.
# One BF16 tensor of 1000 x 1000 (2,000,000 B) and one F32 of 1000
# (4,000 B): 2,004,000 B, 1,001,000 params.
header='{"w":{"dtype":"BF16","shape":[1000,1000],"data_offsets":[0,2000000]},"s":{"dtype":"F32","shape":[1000],"data_offsets":[2000000,2004000]}}'
safetensors "$work/m.safetensors" "$header" 2004000
run --model gpt2 --safetensors "$work/m.safetensors" --seq 1024 --gpu h100 --format json
is bytes 2004000 "--safetensors: 2,000,000 + 4,000 B counted"
is weights_bytes 2004000 "the fit uses the checkpoint's 2,004,000 B"
is params 1001000 "the model's params are the checkpoint's 1,001,000"
run --model gpt2 --safetensors "$work/m.safetensors" --weights-dtype int8 --seq 1024 --gpu h100 --format json
is weights_bytes 1001000 "--weights-dtype asks params x 1 B instead: 1,001,000"
# Beside a config.json with no index, safetensors headers count the params.
mkdir "$work/ckpt"
cp "$KVPLAN_SRCDIR/tests/configs/gpt2/config.json" "$work/m.safetensors" "$work/ckpt/"
run --config "$work/ckpt" --seq 1024 --gpu h100 --format json
is params 1001000 "--config: the safetensors beside it count 1,001,000 params"
is weights_bytes 2004000 "--config: the fit uses their 2,004,000 B"
# A multimodal checkpoint with an MTP layer beside gpt2's config.json (12
# layers): the model's w (2,000,000 B), its MTP layer's model.layers.12
# (past the config's 12 layers, as DeepSeek-V3's model.layers.61) and
# mtp.fc (200 + 100 B, 150 params), and a vision tower's model.visual.w
# (2,000 B, 1,000 params).  The header is 307 bytes: 0x33, 0x01.
header='{"w":{"dtype":"BF16","shape":[1000,1000],"data_offsets":[0,2000000]},"model.layers.12.x":{"dtype":"BF16","shape":[100],"data_offsets":[2000000,2000200]},"model.visual.w":{"dtype":"BF16","shape":[1000],"data_offsets":[2000200,2002200]},"mtp.fc":{"dtype":"BF16","shape":[50],"data_offsets":[2002200,2002300]}}'
mkdir "$work/mm"
cp "$KVPLAN_SRCDIR/tests/configs/gpt2/config.json" "$work/mm/"
safetensors "$work/mm/model.safetensors" "$header" 2002300
run --config "$work/mm" --seq 1024 --gpu h100 --format json
is params 1001150 "--config: every tensor's params, 1,000,000 + 150 + 1,000"
is weights_bytes 2002000 "the model's weights leave the MTP layer's 300 B out"
run --config "$work/mm" --seq 1024 --gpu h100 --engine vllm --format json
is weights_bytes 2002000 "vLLM loads the vision tower: 2,002,000 B"
run --config "$work/mm" --seq 1024 --gpu h100 --engine vllm --language-model-only --format json
is weights_bytes 2000000 "vLLM --language-model-only leaves the tower's 2,000 B out"
run --config "$work/mm" --seq 1024 --gpu h100 --engine llama.cpp --format json
is weights_bytes 2000000 "llama.cpp leaves the tower out (its mmproj file)"
run --config "$work/mm" --seq 1024 --gpu h100 --engine llama.cpp --weights-dtype int8 --format json
is weights_bytes 1000000 "--weights-dtype int8 under llama.cpp: 1,001,150 - 150 - 1,000 params x 1 B"
run --config "$work/mm" --seq 1024 --gpu h100 --mtp 1 --format json
is draft_weights_bytes 300 "--mtp 1: the MTP layer's own 300 B"
run --config "$work/mm" --seq 1024 --gpu h100 --engine llama.cpp --language-model-only
check "--language-model-only under llama.cpp: a warning" \
	grep -q "^kvplan: warning: --language-model-only is a vllm setting; --engine llama.cpp ignores it$" "$work/err"
run --model gpt2 --safetensors "$work/mm/model.safetensors" --seq 1024 --gpu h100 --format json
is weights_bytes 2002000 "--model gpt2's 12 layers: model.layers.12 is an MTP layer's"
run --model gpt2 --layers 13 --safetensors "$work/mm/model.safetensors" --seq 1024 --gpu h100 --format json
is weights_bytes 2002200 "--layers 13: model.layers.12 is the model's, mtp.fc alone apart"
run --config "$work/mm" --safetensors "$work/mm/model.safetensors" --seq 1024 --gpu h100 --format json
is weights_bytes 2002000 "--safetensors with --config: blocks past its 12 layers are MTP"
# The usual sharded download: an index beside config.json naming its
# shards.  With every shard there, their headers count (the MTP layer and
# the tower told apart); with one missing, the index's total_size alone
# (2,002,300 B of bf16: 1,001,150 params, none told apart).
mkdir "$work/sharded"
cp "$KVPLAN_SRCDIR/tests/configs/gpt2/config.json" "$work/sharded/"
cp "$work/mm/model.safetensors" "$work/sharded/model-00001-of-00001.safetensors"
printf '%s' '{"metadata": {"total_size": 2002300}, "weight_map": {"w": "model-00001-of-00001.safetensors", "model.layers.12.x": "model-00001-of-00001.safetensors", "model.visual.w": "model-00001-of-00001.safetensors", "mtp.fc": "model-00001-of-00001.safetensors"}}' \
	>"$work/sharded/model.safetensors.index.json"
run --config "$work/sharded" --seq 1024 --gpu h100 --engine llama.cpp --format json
is weights_bytes 2000000 "--config beside an index and its shards: the MTP layer and tower apart"
is index_total_size 2002300 "... and the index's total_size kept for the cross-check"
mv "$work/sharded/model-00001-of-00001.safetensors" "$work/sharded/elsewhere"
run --config "$work/sharded" --seq 1024 --gpu h100 --engine llama.cpp --format json
is params 1001150 "a shard missing: total_size 2,002,300 B / 2 B"
run --config "$work/sharded" --seq 1024 --gpu h100 --engine llama.cpp --explain
check "... and --explain says nothing was told apart" grep -q \
	"total_size 2002300 B / 2 B per bf16 value; no MTP layers or towers told apart" "$work/out"
# --params N gives the weights' params as loaded: the file's MTP layer and
# tower are no longer taken out of it (1,000 params: 2,000 B of bf16).
run --config "$work/mm" --params 1000 --seq 1024 --gpu h100 --engine llama.cpp --format json
is weights_bytes 2000 "--params 1000 beside the file: 1,000 params x 2 B, nothing taken out"
# MTP parts nested under the model (LongCat-Flash's model.mtp.layers.0,
# a converted Qwen3.5's model.language_model.mtp) and several MTP layers
# (MiMo's model.mtp_layers.0 and .1, 100 params each): the checkpoint's
# MTP layers are loaded whole, whatever --mtp says.
header='{"w":{"dtype":"BF16","shape":[1000,1000],"data_offsets":[0,2000000]},"model.mtp.layers.0.x":{"dtype":"BF16","shape":[100],"data_offsets":[2000000,2000200]},"model.language_model.mtp.fc":{"dtype":"BF16","shape":[100],"data_offsets":[2000200,2000400]},"model.mtp_layers.1.y":{"dtype":"BF16","shape":[50],"data_offsets":[2000400,2000500]}}'
mkdir "$work/mtp2"
cp "$KVPLAN_SRCDIR/tests/configs/gpt2/config.json" "$work/mtp2/"
safetensors "$work/mtp2/model.safetensors" "$header" 2000500
run --config "$work/mtp2" --seq 1024 --gpu h100 --format json
is weights_bytes 2000000 "model.mtp.*, language_model.mtp.* and mtp_layers.* are MTP layers'"
run --config "$work/mtp2" --seq 1024 --gpu h100 --mtp 2 --format json
is draft_weights_bytes 500 "--mtp 2: the checkpoint's MTP tensors, 500 B, once"
run --config "$work/mtp2" --seq 1024 --gpu h100 --mtp 2 --weights-dtype bf16 --format json
is draft_weights_bytes 500 "... and as bf16 by --weights-dtype, 250 params x 2 B"
head -c 100 "$work/m.safetensors" >"$work/cut.safetensors"
expect_error "--safetensors of a cut file" "^kvplan: .*cut.safetensors: " \
	--model gpt2 --safetensors "$work/cut.safetensors" --seq 10

done_testing
