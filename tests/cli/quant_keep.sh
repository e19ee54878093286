#!/bin/sh
# quant_keep.sh — the linear layers a checkpoint format leaves 16-bit
# (--weights-dtype FORMAT:attn16, :qkv16, :o16, :shared16, :dense16), and
# a config.json's list of modules not to quantize read as those
# (lib/hf_quant_keep.c): DeepSeek-V3's config (tests/configs) with the
# quantization_config of NVIDIA's DeepSeek-R1-FP4 (ModelOpt, every
# layer's self_attn* excluded), its -v2 (q_a, q_b, kv_a, kv_b alone), and
# Moonshot's Kimi-K2-Thinking (compressed-tensors, the routed experts
# alone quantized); research /work/research/quant-excluded-modules.md.
# tests/test_weights_keep.c works the bytes by hand.
. "${KVPLAN_SRCDIR:?}/tests/cli/lib.sh"
base=$KVPLAN_SRCDIR/tests/configs/deepseek-v3/config.json

# quant NAME JSON [CONFIG]: CONFIG (the base config), its own
# quantization_config (DeepSeek's fp8) replaced by JSON, in $work/NAME.json.
quant() {
	sed -e '/^  "quantization_config": {/,/^  },/d' -e "1a\\
  \"quantization_config\": $2," "${3:-$base}" >"$work/$1.json"
}

# weights ARGS...: the first GPU's weights_bytes.
weights() {
	run "$@" --seq 4096 --gpu h200 --format json
	json_value weights_bytes
}

# layers PATTERN [FROM [TO [STEP]]]: PATTERN with N for each layer from
# FROM (0) to TO (60, DeepSeek-V3's last) by STEP (1), as a JSON list's
# entries, comma-separated.
layers() {
	i=${2:-0} list=
	while [ "$i" -le "${3:-60}" ]; do
		list="$list${list:+, }\"$(echo "$1" | sed "s/N/$i/")\""
		i=$((i + ${4:-1}))
	done
	echo "$list"
}

quant r1_fp4 "{\"quant_method\": \"modelopt\", \"quantization\": {\"quant_algo\": \"NVFP4\", \"group_size\": 16, \"exclude_modules\": [\"lm_head\", \"model.norm\", $(layers 'model.layers.N.self_attn*'), $(layers 'model.layers.N.mlp.gate')]}}"
quant r1_fp4_v2 "{\"quant_method\": \"modelopt\", \"quant_algo\": \"NVFP4\", \"exclude_modules\": [\"lm_head\", $(layers 'model.layers.N.self_attn.q_a_proj'), $(layers 'model.layers.N.self_attn.q_b_proj'), $(layers 'model.layers.N.self_attn.kv_a_proj_with_mqa'), $(layers 'model.layers.N.self_attn.kv_b_proj')]}"
quant glob "{\"quant_method\": \"modelopt\", \"quant_algo\": \"NVFP4\", \"exclude_modules\": [\"lm_head\", \"model.layers.*.self_attn*\"]}"
quant kimi '{"quant_method": "compressed-tensors", "format": "pack-quantized", "config_groups": {"group_0": {"targets": ["Linear"], "weights": {"num_bits": 4, "type": "int", "strategy": "group", "group_size": 32, "symmetric": true, "dynamic": false}}}, "ignore": ["lm_head", "re:.*self_attn.*", "re:.*shared_experts.*", "re:.*mlp\\\\.(gate|up|gate_up|down)_proj.*"]}'
quant fp8_names '{"quant_method": "fp8", "weight_block_size": [128, 128], "modules_to_not_convert": ["lm_head", "model.layers.*.mlp.shared_experts"]}'
# The lists kvplan cannot follow: some layers' attention and not the
# others' (layer 0's alone), or only its kv_b (NVIDIA's "Turbo" recipe).
quant partial '{"quant_method": "modelopt", "quant_algo": "NVFP4", "exclude_modules": ["lm_head", "model.layers.0.self_attn*"]}'
quant kv_b_only "{\"quant_method\": \"modelopt\", \"quant_algo\": \"NVFP4\", \"exclude_modules\": [\"lm_head\", $(layers 'model.layers.N.self_attn.kv_b_proj')]}"
# Shared experts and dense MLPs named a layer at a time, as ModelOpt
# exports them: the 58 routed layers' and the 3 dense ones'.
quant per_layer "{\"quant_method\": \"modelopt\", \"quant_algo\": \"NVFP4\", \"exclude_modules\": [\"lm_head\", $(layers 'model.layers.N.mlp.shared_experts*' 3), $(layers 'model.layers.N.mlp*' 0 2)]}"
# Lists that name nothing kvplan counts, or are no list: as if none.  The
# routers, the MTP layer, a vision tower's attention and MLP, attention's
# norms and its indexer are none of the estimate's quantized layers.
quant routers "{\"quant_method\": \"modelopt\", \"quant_algo\": \"NVFP4\", \"exclude_modules\": [\"lm_head\", \"re:.*mlp.gate\$\", \"model.layers.61*\", \"vision_tower*\", \"visual.blocks.0.attn.qkv\", \"visual.blocks.0.mlp.gate_proj\", $(layers 'model.layers.N.self_attn.kv_a_layernorm'), \"model.layers.*.self_attn.indexer*\", 7, null]}"
quant not_list '{"quant_method": "modelopt", "quant_algo": "NVFP4", "exclude_modules": "self_attn"}'
# Layer numbers by pattern: fnmatch's globs over the number ("1*" the
# layers 1 and 10 to 19 alone, as ModelOpt's fnmatch reads it), a regex's
# ("\\d", classes; compressed-tensors' re.match), escaped dots read as dots;
# every list given read as one (ModelOpt's ignore beside exclude_modules).
quant glob_1x '{"quant_method": "modelopt", "quant_algo": "NVFP4", "exclude_modules": ["lm_head", "model.layers.1*.self_attn*"]}'
quant glob_all '{"quant_method": "modelopt", "quant_algo": "NVFP4", "exclude_modules": ["lm_head", "model.layers.?.self_attn*", "model.layers.[1-5]?.self_attn*", "model.layers.60.self_attn*"]}'
ct_nvfp4='"quant_method": "compressed-tensors", "format": "nvfp4-pack-quantized", "config_groups": {"group_0": {"targets": ["Linear"], "weights": {"num_bits": 4, "type": "float", "strategy": "tensor_group", "group_size": 16}}}'
quant re_all "{$ct_nvfp4, \"ignore\": [\"lm_head\", \"re:model\\\\\\\\.layers\\\\\\\\.\\\\\\\\d\\\\\\\\.self_attn.*\", \"re:model\\\\\\\\.layers\\\\\\\\.[1-5]\\\\\\\\d\\\\\\\\.self_attn.*\", \"re:.*layers\\\\\\\\.60\\\\\\\\.self_attn\"]}"
quant re_1x "{$ct_nvfp4, \"ignore\": [\"lm_head\", \"re:model\\\\\\\\.layers\\\\\\\\.1\\\\\\\\d\\\\\\\\.self_attn.*\"]}"
quant re_dense "{$ct_nvfp4, \"ignore\": [\"lm_head\", \"re:model\\\\\\\\.layers\\\\\\\\.[0-2]\\\\\\\\.mlp\\\\\\\\.(gate|up|down)_proj\"]}"
quant two_lists '{"quant_method": "modelopt", "quant_algo": "NVFP4", "ignore": ["lm_head"], "exclude_modules": ["model.layers.*.self_attn*"]}'

for pair in r1_fp4:nvfp4:attn16 r1_fp4_v2:nvfp4:qkv16 glob:nvfp4:attn16 \
	per_layer:nvfp4:shared16:dense16 \
	kimi:w4a16:g32:attn16:shared16:dense16 fp8_names:fp8:shared16 routers:nvfp4:mtp16 \
	not_list:nvfp4 glob_all:nvfp4:attn16 re_all:nvfp4:attn16 re_dense:nvfp4:dense16 \
	two_lists:nvfp4:attn16; do
	name=${pair%%:*} format=${pair#*:}
	want=$(weights --config "$base" --weights-dtype "$format")
	got=$(weights --config "$work/$name.json")
	check "$name: the weights as $format ($want B)" [ -n "$want" -a "$got" = "$want" ]
	check "... no warning" [ ! -s "$work/err" ]
done
# The MTP layer whole (routers' "model.layers.61*", ModelOpt's DeepSeek
# export): under --mtp 1 its weights at 2 B a parameter, as nvfp4:mtp16's.
draft() {
	run "$@" --mtp 1 --engine vllm --seq 4096 --gpu h200 --format json
	json_value draft_weights_bytes
}
got=$(draft --config "$work/routers.json")
want=$(draft --config "$base" --weights-dtype nvfp4:mtp16)
plain=$(draft --config "$base" --weights-dtype nvfp4)
check "routers: the MTP layer's weights 16-bit under --mtp 1 ($want B, not $plain)" \
	[ -n "$want" -a "$got" = "$want" -a "$want" -gt "$((3 * plain))" ]
# Nemotron 3 Super's NVFP4 export (ModelOpt) excludes "mtp*": its MTP
# layer bf16, 2,942,325,248 params x 2 B = 5,884,650,496 B under --mtp 1.
super=$KVPLAN_SRCDIR/tests/configs/nemotron-3-super-120b/config.json
quant super_mtp '{"quant_method": "modelopt", "quant_algo": "NVFP4", "exclude_modules": ["lm_head", "mtp*"]}' "$super"
got=$(draft --config "$work/super_mtp.json")
check "Nemotron 3 Super's \"mtp*\": its MTP layer 16-bit ($got B)" [ "$got" = 5884650496 ]
quant super_re '{"quant_method": "modelopt", "quant_algo": "NVFP4", "exclude_modules": ["lm_head", "re:^mtp\\\\..*"]}' "$super"
got=$(draft --config "$work/super_re.json")
check "a regex naming the MTP block whole: 16-bit too ($got B)" [ "$got" = 5884650496 ]
quant super_part '{"quant_method": "modelopt", "quant_algo": "NVFP4", "exclude_modules": ["lm_head", "mtp.layers.0*"]}' "$super"
got=$(draft --config "$work/super_part.json")
check "the MTP block in part: quantized with the rest ($got B)" [ -n "$got" -a "${got:-0}" -lt 5884650496 ]
# ModelOpt 0.29 and before wrote its config to hf_quant_config.json beside
# config.json, with no quant_method (a producer "modelopt"), which vLLM
# reads where config.json gives no quantization_config (get_config,
# _normalize_quantization_config): Nemotron 3 Nano's NVFP4 release's
# (its hf_quant_config.json, verbatim in ai-dynamo/aiconfigurator @
# 095f58a, but its exclude list cut to lm_head): nvfp4 weights and an fp8
# cache under vLLM's auto.
nano=$KVPLAN_SRCDIR/tests/configs/nemotron-3-nano-30b-a3b
mkdir "$work/mo"
cp "$nano/config.json" "$work/mo/"
printf '%s' '{"producer": {"name": "modelopt", "version": "0.29.0"}, "quantization": {"quant_algo": "NVFP4", "kv_cache_quant_algo": "FP8", "group_size": 16, "exclude_modules": ["lm_head"]}}' \
	>"$work/mo/hf_quant_config.json"
want=$(weights --config "$nano" --weights-dtype nvfp4)
got=$(weights --config "$work/mo")
check "hf_quant_config.json beside config.json: nvfp4 ($want B)" [ -n "$want" -a "$got" = "$want" ]
check "... no warning" [ ! -s "$work/err" ]
run --config "$work/mo" --engine vllm --seq 4096 --gpu h100 --format json
is dtype_k "\"fp8\"" "hf_quant_config.json's kv_cache_quant_algo FP8: vLLM's auto cache fp8"
# Its own exclude list (the same file): every attention layer's
# mixer.q_proj, k_proj, v_proj and o_proj (5, 12, 19, 26, 33, 42), read
# as :attn16, and the Mamba-2 in_proj and out_proj of 6 of its 23 layers
# kept too (tests/test_weights.c: 19,323,954,688 B; its shards hold
# 19,339,781,632, their routers fp32).
list='"lm_head"'
for l in 5 12 19 26 33 42; do
	for p in q k v o; do list="$list, \"backbone.layers.$l.mixer.${p}_proj\""; done
done
for l in 4 11 18 25 32 41; do
	list="$list, \"backbone.layers.$l.mixer.in_proj\", \"backbone.layers.$l.mixer.out_proj\""
done
mkdir "$work/mo2"
cp "$nano/config.json" "$work/mo2/"
printf '{"producer": {"name": "modelopt"}, "quantization": {"quant_algo": "NVFP4", "exclude_modules": [%s]}}' \
	"$list" >"$work/mo2/hf_quant_config.json"
got=$(weights --config "$work/mo2")
check "Nemotron 3 Nano's NVFP4 list: 19,323,954,688 B ($got)" [ "$got" = 19323954688 ]
check "... no warning" [ ! -s "$work/err" ]
run --config "$work/mo2" --seq 10 --explain
check "... --explain says which layers" grep -Fq \
	"quantization_config.exclude_modules: the Mamba-2 in_proj of 6 and out_proj of 6 of 23 layers 16-bit" \
	"$work/out"
check "... and the format's name counts them" grep -Fq \
	"weights_format: read, hf_quant_config.json beside it (producer modelopt): the weights as nvfp4:attn16:inproj16=6:outproj16=6" \
	"$work/out"
want=$(weights --config "$nano" --weights-dtype nvfp4:attn16:inproj16=6:outproj16=6)
check "--weights-dtype nvfp4:attn16:inproj16=6:outproj16=6 says the same ($want B)" [ "$want" = 19323954688 ]
expect_error "a count of 0 layers" \
	"^kvplan: --weights-dtype: weights format 'nvfp4:inproj16=0': 'inproj16=0' needs a count of layers from 1 to 1048576\$" \
	--config "$nano" --seq 10 --weights-dtype nvfp4:inproj16=0
# Its index beside it without its shards: the total_size its bytes
# (19,339,781,632, its shards' headers' sum), its params the shape's
# 31,577,940,288, not that total over 2 B.
printf '{"metadata": {"total_size": 19339781632}, "weight_map": {"backbone.embeddings.weight": "model-00001-of-00002.safetensors"}}' \
	>"$work/mo2/model.safetensors.index.json"
run --config "$work/mo2" --seq 10 --format json
is params 31577940288 "an NVFP4 index alone: the params from the shape"
is index_total_size 19339781632 "... its total_size the checkpoint's bytes"
# and its experts' share of those bytes the format's estimate's: 23 x 128
# x 2 x 2,688 x 1,856 at 9/16 B and their scales, of 30,491,811,840
# quantized params' 17,151,691,904 B, floor(17,151,691,904 x
# 29,374,808,064 / 30,491,811,840) = 16,523,375,530 of the estimate's
# 19,323,954,688, so 16,536,908,709 of the checkpoint's (85.5 %; by
# params it was 93 %)
run --config "$work/mo2" --seq 10 --engine vllm --gpu h100 --dp 2 --format json
check "an NVFP4 index alone: its experts' share as its format's" \
	grep -q '^  "expert_bytes": 16536908709,$' "$work/out"
rm "$work/mo2/model.safetensors.index.json"
# The shared experts named one expert layer at a time (Nemotron-H's 23 of
# 52): :shared16, not "some layers and not others".
list='"lm_head"'
for l in 1 3 6 8 10 13 15 17 20 22 24 27 29 31 34 36 38 40 43 45 47 49 51; do
	list="$list, \"backbone.layers.$l.mixer.shared_experts*\""
done
printf '{"producer": {"name": "modelopt"}, "quantization": {"quant_algo": "NVFP4", "exclude_modules": [%s]}}' \
	"$list" >"$work/mo2/hf_quant_config.json"
want=$(weights --config "$nano" --weights-dtype nvfp4:shared16)
got=$(weights --config "$work/mo2")
check "Nemotron-H's shared experts, one expert layer at a time: nvfp4:shared16 ($want B)" \
	[ -n "$want" -a "$got" = "$want" ]
check "... no warning" [ ! -s "$work/err" ]
# config.json's own quantization_config wins
quant mo_own '{"quant_method": "fp8"}' "$nano/config.json"
cp "$work/mo_own.json" "$work/mo/config.json"
want=$(weights --config "$nano" --weights-dtype fp8)
got=$(weights --config "$work/mo")
check "config.json's quantization_config before hf_quant_config.json ($want B)" [ -n "$want" -a "$got" = "$want" ]
# ... and the file not even read then, as vLLM does not (a broken one)
printf '{"producer": ' >"$work/mo/hf_quant_config.json"
got=$(weights --config "$work/mo")
check "config.json's own: a broken hf_quant_config.json beside it unread ($got B)" [ "$got" = "$want" ]
# A broken one, or one that is no file: one line naming it, exit 2.
cp "$nano/config.json" "$work/mo/"
printf '{"producer": ' >"$work/mo/hf_quant_config.json"
expect_error "a truncated hf_quant_config.json" "^kvplan: $work/mo/hf_quant_config.json:1:13: " \
	--config "$work/mo" --seq 10
rm "$work/mo/hf_quant_config.json"
mkfifo "$work/mo/hf_quant_config.json"
expect_error "a FIFO for hf_quant_config.json" "^kvplan: $work/mo/hf_quant_config.json: not a regular file\$" \
	--config "$work/mo" --seq 10
rm "$work/mo/hf_quant_config.json"
printf '[1]' >"$work/mo/hf_quant_config.json"
expect_error "an hf_quant_config.json of no object" "^kvplan: $work/mo/hf_quant_config.json: not a JSON object\$" \
	--config "$work/mo" --seq 10
run --config "$work/r1_fp4.json" --seq 4096 --gpu h200 --explain
check "--explain says where it came from" grep -Fq \
	"weights_format: read, quantization_config.quant_method = modelopt: the weights as nvfp4:attn16" \
	"$work/out"
# DeepSeek-V3's 61 MLA layers hold 11,413,422,080 attention parameters:
# at 2 B, not NVFP4's 9/16, 23/16 of them more, 16,406,794,240 B, less
# their 5 tensors' scales a layer (8 B each), 2,440: 16,406,791,800 (the
# 9/16's rounding up, a byte either way).
plain=$(weights --config "$base" --weights-dtype nvfp4)
kept=$(weights --config "$work/r1_fp4.json")
check "attention 16-bit: 16,406,791,800 B more than all of it NVFP4 ($plain, $kept)" \
	[ "$((kept - plain))" -ge 16406791799 -a "$((kept - plain))" -le 16406791801 ]
for pair in partial:exclude_modules kv_b_only:exclude_modules glob_1x:exclude_modules \
	re_1x:ignore; do
	name=${pair%%:*} list=${pair#*:}
	got=$(weights --config "$work/$name.json")
	check "$name: taken as quantized ($plain B)" [ "$status" = 0 -a "$got" = "$plain" ]
	check "... one warning naming the file and the list" sh -c \
		'[ "$(wc -l <"$1")" = 1 ] && grep -q "$2.json: quantization_config.$3 keeps some layers. attention 16-bit and not others" "$1"' \
		sh "$work/err" "$name" "$list"
done

# A hybrid's attention is its attention layers': Qwen3-Next's every fourth
# (its others Gated DeltaNet, linear_attn, none of them).
next=$KVPLAN_SRCDIR/tests/configs/qwen3-next-80b-a3b/config.json
# next_list NAME ENTRIES: Qwen3-Next's config with a ModelOpt list of
# ENTRIES (JSON, lm_head before them), in $work/NAME.json.
next_list() {
	quant "$1" "{\"quant_method\": \"modelopt\", \"quant_algo\": \"NVFP4\", \"exclude_modules\": [\"lm_head\", $2]}" "$next"
}
next_list next "$(layers 'model.layers.N.self_attn*' 3 47 4), $(layers 'model.layers.N.linear_attn.in_proj_qkvz' 0 47)"
want=$(weights --config "$next" --weights-dtype nvfp4:attn16)
got=$(weights --config "$work/next.json")
check "Qwen3-Next, its 12 attention layers' self_attn: nvfp4:attn16 ($want B)" \
	[ -n "$want" -a "$got" = "$want" ]
# ... its Gated DeltaNet layers' in_proj_qkvz without in_proj_ba: some of
# the in_proj, one warning.
check "... in_proj_qkvz alone: one warning naming the Gated DeltaNet in_proj" sh -c \
	'[ "$(wc -l <"$1")" = 1 ] && grep -q "keeps some of the Gated DeltaNet in_proj" "$1"' \
	sh "$work/err"
# NVIDIA's Qwen3-Next NVFP4 recipe (txn545/Qwen3-Coder-Next-NVFP4's list):
# the full-attention layers' q, k and v, every Gated DeltaNet layer's
# in_proj_qkvz, in_proj_ba and conv1d; o and out_proj quantized:
# nvfp4:qkv16:inproj16.  With out_proj too: nvfp4:attn16:linear16.
next_list next_nvidia "$(layers 'model.layers.N.self_attn.q_proj' 3 47 4), $(layers 'model.layers.N.self_attn.k_proj' 3 47 4), $(layers 'model.layers.N.self_attn.v_proj' 3 47 4), $(layers 'model.layers.N.linear_attn.in_proj_qkvz' 0 47), $(layers 'model.layers.N.linear_attn.in_proj_ba' 0 47), $(layers 'model.layers.N.linear_attn.conv1d' 0 47), $(layers 'model.layers.N.mlp.gate' 0 47), $(layers 'model.layers.N.mlp.shared_expert_gate' 0 47)"
want=$(weights --config "$next" --weights-dtype nvfp4:qkv16:inproj16)
got=$(weights --config "$work/next_nvidia.json")
check "... NVIDIA's recipe: nvfp4:qkv16:inproj16 ($want B)" \
	[ -n "$want" -a "$got" = "$want" -a ! -s "$work/err" ]
# Qwen's own FP8 lists keep in_proj_b and in_proj_a alone: some of the
# in_proj, one warning; a regex POSIX cannot take, one warning; an MTP
# block's entries by name (mtp.layers.0), none of the model's layers.
next_list inproj_ba "$(layers 'model.layers.N.linear_attn.in_proj_b' 0 47), $(layers 'model.layers.N.linear_attn.in_proj_a' 0 47)"
next_list unread '"re:model[.]layers[.](?:1|2)[.]self_attn.*"'
next_list mtp_named '"mtp.layers.0.self_attn.q_proj", "mtp.fc"'
want=$(weights --config "$next" --weights-dtype nvfp4)
for pair in "inproj_ba:keeps some of the Gated DeltaNet in_proj" \
	"unread:layer pattern not read" "mtp_named:"; do
	name=${pair%%:*} warn=${pair#*:}
	got=$(weights --config "$work/$name.json")
	check "$name: taken as nvfp4 ($want B)" [ -n "$want" -a "$got" = "$want" ]
	if [ -n "$warn" ]; then
		check "... one warning: $warn" sh -c \
			'[ "$(wc -l <"$1")" = 1 ] && grep -q "$2" "$1"' sh "$work/err" "$warn"
	else
		check "... no warning" [ ! -s "$work/err" ]
	fi
done
# All of them kept (txn545/Qwen3-Coder-Next-NVFP4's list names in_proj_qkvz,
# in_proj_ba and conv1d; out_proj added here): nvfp4:attn16:linear16.
next_list next_all "$(layers 'model.layers.N.self_attn*' 3 47 4), $(layers 'model.layers.N.linear_attn.in_proj_qkvz' 0 47), $(layers 'model.layers.N.linear_attn.in_proj_ba' 0 47), $(layers 'model.layers.N.linear_attn.conv1d' 0 47), $(layers 'model.layers.N.linear_attn.out_proj' 0 47)"
want=$(weights --config "$next" --weights-dtype nvfp4:attn16:linear16)
got=$(weights --config "$work/next_all.json")
check "... with in_proj_ba and out_proj too: nvfp4:attn16:linear16 ($want B)" \
	[ -n "$want" -a "$got" = "$want" -a ! -s "$work/err" ]
# Qwen3-Next's 36 Gated DeltaNet layers, each hidden 2,048 x (2 x 2,048 keys
# + 2 x 4,096 values + 2 x 32 value heads) in and 4,096 x 2,048 out,
# 33,685,504: 1,212,678,144 parameters at 2 B, not 9/16 B, and without the
# 3 tensors' 8 B of scales a layer: 1,743,223,968 B more.
kept=$(weights --config "$next" --weights-dtype nvfp4:attn16)
check "... 1,743,223,968 B more than nvfp4:attn16" [ "$((got - kept))" = 1743223968 ]
# llm-compressor's Qwen3.5 MoE NVFP4 recipe (ignore "re:.*linear_attn.*"
# with the gates, embeddings and vision tower): Qwen3.5-35B-A3B's 30 Gated
# DeltaNet layers 16-bit.
q35=$KVPLAN_SRCDIR/tests/configs/qwen3.5-35b-a3b/config.json
ignore35='"re:.*lm_head", "re:visual.*", "re:model.visual.*", "re:.*mlp.gate$", "re:.*embed_tokens$", "re:.*shared_expert_gate$"'
quant q35 "{$ct_nvfp4, \"ignore\": [$ignore35, \"re:.*linear_attn.*\"]}" "$q35"
want=$(weights --config "$q35" --weights-dtype nvfp4:linear16)
got=$(weights --config "$work/q35.json")
check "Qwen3.5-35B-A3B, re:.*linear_attn.*: nvfp4:linear16 ($want B)" \
	[ -n "$want" -a "$got" = "$want" -a ! -s "$work/err" ]
# ... a regex's dot as a class, "[.]", is a dot
quant q35_class "{$ct_nvfp4, \"ignore\": [$ignore35, \"re:.*linear_attn[.].*\"]}" "$q35"
got=$(weights --config "$work/q35_class.json")
check "... nvfp4:linear16 ($want B)" [ "$got" = "$want" -a ! -s "$work/err" ]

# On the command line: in the name, and in JSON's weights_dtype.
run --model deepseek-v3 --weights-dtype NVFP4:Dense16:attn16 --seq 4096 --gpu h200 --format json
is weights_dtype '"nvfp4:attn16:dense16"' "the parts named canonically"
# Bad names: one line naming the text, exit 2, nothing on stdout.
for bad in nvfp4:attn16:qkv16 fp8:shared16:shared16 q4_K:attn16 fp8:attn16: attn16 \
	nvfp4:attn17 nvfp4:linear16:linear16 q8_0:linear16; do
	run --model deepseek-v3 --weights-dtype "$bad" --seq 4096
	check "--weights-dtype $bad: exit 2, one line, nothing on stdout" sh -c \
		'[ "$1" = 2 ] && [ ! -s "$2/out" ] && [ "$(wc -l <"$2/err")" = 1 ] &&
		 grep -Fq "'"'"'$3'"'"'" "$2/err"' sh "$status" "$work" "$bad"
done
done_testing
