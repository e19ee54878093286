#!/bin/sh
# quant_config.sh — a config.json's quantization_config names the format
# its checkpoint's weights are stored in (lib/hf_quant.c), as vLLM and
# SGLang read it: Qwen2.5-7B-Instruct's config (tests/configs) with the
# quantization_config of its published AWQ, GPTQ-Int4 and FP8 releases
# (Qwen/Qwen2.5-7B-Instruct-AWQ: quant_method awq, bits 4, group_size
# 128; -GPTQ-Int4: gptq, 4, 128; RedHatAI's FP8-dynamic:
# compressed-tensors, float-quantized, 8-bit float weights) gives the
# same weights as the plain config with --weights-dtype naming the
# format; --weights-dtype still wins; a quantizer kvplan has no format for
# is one warning, and the config's dtype; a quantized head (GPTQ's
# "lm_head", AutoRound's extra_config) is :lm_head.
. "${KVPLAN_SRCDIR:?}/tests/cli/lib.sh"
base=$KVPLAN_SRCDIR/tests/configs/qwen2.5-7b/config.json

# quant NAME JSON: the base config with quantization_config JSON, in
# $work/NAME.json.
quant() {
	sed "1a\\
  \"quantization_config\": $2," "$base" >"$work/$1.json"
}

# weights ARGS...: the first GPU's weights_bytes.
weights() {
	run "$@" --seq 4096 --gpu h100 --format json
	json_value weights_bytes
}

quant awq '{"bits": 4, "group_size": 128, "modules_to_not_convert": null, "quant_method": "awq", "version": "gemm", "zero_point": true}'
quant gptq '{"bits": 4, "damp_percent": 0.01, "desc_act": false, "group_size": 128, "quant_method": "gptq", "static_groups": false, "sym": true, "true_sequential": true}'
quant ct_fp8 '{"config_groups": {"group_0": {"input_activations": {"dynamic": true, "num_bits": 8, "strategy": "token", "type": "float"}, "targets": ["Linear"], "weights": {"dynamic": false, "num_bits": 8, "strategy": "channel", "type": "float"}}}, "format": "float-quantized", "ignore": ["lm_head"], "quant_method": "compressed-tensors"}'
quant modelopt '{"quant_method": "modelopt", "quant_algo": "NVFP4", "group_size": 16}'
quant ds_fp8 '{"activation_scheme": "dynamic", "fmt": "e4m3", "quant_method": "fp8", "weight_block_size": [128, 128]}'
quant awq_w_bit '{"w_bit": 4, "q_group_size": 64, "quant_method": "awq", "zero_point": true}'
quant modelopt_fp8 '{"quant_method": "modelopt", "quant_algo": "FP8_PER_CHANNEL_PER_TOKEN"}'
quant bnb '{"quant_method": "bitsandbytes", "load_in_4bit": true, "bnb_4bit_quant_type": "nf4"}'
quant gptq8 '{"bits": 8, "group_size": 128, "quant_method": "gptq"}'
quant bad '5'
# compressed-tensors' integer schemes.  RedHatAI/Qwen3-32B-quantized.w4a16's
# quantization_config as its config.json has it (vendored verbatim in
# github.com/urakozz/intel-arc-inference-server, tests/loader/ct/
# redhatai-qwen3-32b-w4a16.config.json @ 97e16e63): symmetric, G 128,
# actorder "weight" (calibration order alone: no g_idx).
quant ct_w4a16 '{"config_groups": {"group_0": {"input_activations": null, "output_activations": null, "targets": ["Linear"], "weights": {"actorder": "weight", "block_structure": null, "dynamic": false, "group_size": 128, "num_bits": 4, "observer": "minmax", "observer_kwargs": {}, "strategy": "group", "symmetric": true, "type": "int"}}}, "format": "pack-quantized", "global_compression_ratio": null, "ignore": ["lm_head"], "kv_cache_scheme": null, "quant_method": "compressed-tensors", "quantization_status": "compressed"}'
# RedHatAI/Qwen3-8B-quantized.w4a16's: the same but "symmetric": false
# (redhatai-qwen3-8b-w4a16.config.json, ibid.).
quant ct_w4a16_asym '{"config_groups": {"group_0": {"input_activations": null, "output_activations": null, "targets": ["Linear"], "weights": {"actorder": "weight", "block_structure": null, "dynamic": false, "group_size": 128, "num_bits": 4, "observer": "minmax", "observer_kwargs": {}, "strategy": "group", "symmetric": false, "type": "int"}}}, "format": "pack-quantized", "global_compression_ratio": null, "ignore": ["lm_head"], "kv_cache_scheme": null, "quant_method": "compressed-tensors", "quantization_status": "compressed"}'
# xiaoxixiaoxi/Qwen2.5-32B-Instruct-quantized_w4a16_wy's (its config.json
# on Hugging Face): actorder "group", G 128, compressed-tensors 0.6.0.
quant ct_actorder '{"config_groups": {"group_0": {"input_activations": null, "output_activations": null, "targets": ["Linear"], "weights": {"actorder": "group", "block_structure": null, "dynamic": false, "group_size": 128, "num_bits": 4, "observer": "minmax", "observer_kwargs": {}, "strategy": "group", "symmetric": true, "type": "int"}}}, "format": "pack-quantized", "global_compression_ratio": 1.901184720163604, "ignore": ["lm_head"], "kv_cache_scheme": null, "quant_method": "compressed-tensors", "quantization_status": "compressed", "version": "0.6.0"}'
# llm-compressor's W8A8 preset (quant_scheme.py INT8_W8A8: int8 weights a
# channel, symmetric; int8 activations a token, dynamic).
quant ct_w8a8 '{"config_groups": {"group_0": {"input_activations": {"dynamic": true, "num_bits": 8, "strategy": "token", "symmetric": true, "type": "int"}, "targets": ["Linear"], "weights": {"dynamic": false, "num_bits": 8, "strategy": "channel", "symmetric": true, "type": "int"}}}, "format": "int-quantized", "ignore": ["lm_head"], "quant_method": "compressed-tensors"}'
# 8-bit ints pack-quantized, llm-compressor's W8A16 preset (quant_scheme.py
# W8A16: int8 a channel, symmetric; stan-hua/Qwen2-7B-LC-SmoothQuant-RTN-
# W8A16's scheme), in groups too, and 4 bits a channel.
quant ct_w8a16 '{"config_groups": {"group_0": {"targets": ["Linear"], "weights": {"num_bits": 8, "strategy": "channel", "symmetric": true, "type": "int"}}}, "format": "pack-quantized", "ignore": ["lm_head"], "quant_method": "compressed-tensors"}'
quant ct_w8a16_g '{"config_groups": {"group_0": {"targets": ["Linear"], "weights": {"actorder": "group", "group_size": 64, "num_bits": 8, "strategy": "group", "symmetric": false, "type": "int"}}}, "format": "pack-quantized", "ignore": ["lm_head"], "quant_method": "compressed-tensors"}'
quant ct_w4_channel '{"config_groups": {"group_0": {"input_activations": null, "targets": ["Linear"], "weights": {"actorder": null, "group_size": null, "num_bits": 4, "strategy": "channel", "symmetric": true, "type": "int"}}}, "format": "pack-quantized", "ignore": ["lm_head"], "quant_method": "compressed-tensors"}'
# A strategy left out is inferred from group_size, as compressed-tensors'
# QuantizationArgs does: -1 a channel, above 0 groups.
quant ct_inferred_channel '{"config_groups": {"group_0": {"targets": ["Linear"], "weights": {"group_size": -1, "num_bits": 8, "type": "int"}}}, "format": "pack-quantized", "quant_method": "compressed-tensors"}'
quant ct_inferred_group '{"config_groups": {"group_0": {"targets": ["Linear"], "weights": {"group_size": 64, "num_bits": 4, "type": "int"}}}, "format": "pack-quantized", "quant_method": "compressed-tensors"}'
# No valid scheme (compressed-tensors refuses each), so kvplan has no
# format for them: a channel has no groups to order (actorder), nor a
# group_size; weights are not dynamic.
quant ct_channel_actorder '{"config_groups": {"group_0": {"targets": ["Linear"], "weights": {"actorder": "group", "num_bits": 8, "strategy": "channel", "type": "int"}}}, "format": "pack-quantized", "quant_method": "compressed-tensors"}'
quant ct_channel_weight_order '{"config_groups": {"group_0": {"targets": ["Linear"], "weights": {"actorder": "weight", "num_bits": 8, "strategy": "channel", "type": "int"}}}, "format": "pack-quantized", "quant_method": "compressed-tensors"}'
quant ct_channel_group_size '{"config_groups": {"group_0": {"targets": ["Linear"], "weights": {"group_size": 128, "num_bits": 8, "strategy": "channel", "type": "int"}}}, "format": "pack-quantized", "quant_method": "compressed-tensors"}'
quant ct_dynamic_weights '{"config_groups": {"group_0": {"targets": ["Linear"], "weights": {"dynamic": true, "num_bits": 8, "strategy": "channel", "type": "int"}}}, "format": "pack-quantized", "quant_method": "compressed-tensors"}'
# actorder as compressed-tensors reads it: true, and any case, are group.
quant ct_act_true '{"config_groups": {"group_0": {"input_activations": null, "targets": ["Linear"], "weights": {"actorder": true, "group_size": 128, "num_bits": 4, "strategy": "group", "symmetric": true, "type": "int"}}}, "format": "pack-quantized", "quant_method": "compressed-tensors"}'
quant ct_act_upper '{"config_groups": {"group_0": {"targets": ["Linear"], "weights": {"actorder": "GROUP", "group_size": 128, "num_bits": 4, "strategy": "Group", "type": "INT"}}}, "format": "pack-quantized", "quant_method": "compressed-tensors"}'
# Not W4A16, W8A16 nor W8A8: 4-bit weights with int8 activations (W4A8),
# 8-bit int-quantized weights without activations (not a preset: W8A16
# packs them) or with static per-tensor ones.
quant ct_w4a8 '{"config_groups": {"group_0": {"input_activations": {"dynamic": true, "num_bits": 8, "strategy": "token", "type": "int"}, "targets": ["Linear"], "weights": {"group_size": 128, "num_bits": 4, "strategy": "group", "type": "int"}}}, "format": "pack-quantized", "quant_method": "compressed-tensors"}'
quant ct_int8_weights '{"config_groups": {"group_0": {"input_activations": null, "targets": ["Linear"], "weights": {"num_bits": 8, "strategy": "channel", "type": "int"}}}, "format": "int-quantized", "quant_method": "compressed-tensors"}'
quant ct_int8_static '{"config_groups": {"group_0": {"input_activations": {"dynamic": false, "num_bits": 8, "strategy": "tensor", "type": "int"}, "targets": ["Linear"], "weights": {"num_bits": 8, "strategy": "channel", "type": "int"}}}, "format": "int-quantized", "quant_method": "compressed-tensors"}'
quant ct_mixed '{"config_groups": {"group_0": {"targets": ["re:.*mlp.*"], "weights": {"num_bits": 4, "strategy": "group", "group_size": 128, "type": "int"}}, "group_1": {"targets": ["re:.*self_attn.*"], "weights": {"num_bits": 4, "strategy": "group", "group_size": 32, "type": "int"}}}, "format": "pack-quantized", "quant_method": "compressed-tensors"}'
# A quantized head: GPTQModel's "lm_head": true (vLLM's lm_head_quantized);
# AutoRound's extra_config entry "lm_head" (Intel/Mistral-7B-v0.1-int4-inc-
# lmhead's config: quant_method intel/auto-round, 4 bits, groups of 128,
# asymmetric, lm_head at the same; research: /work/research/ct-w8a16-
# checkpoints.md §5), its GPTQ packing the default, AWQ's by packing_format.
quant gptq_head '{"bits": 4, "group_size": 128, "desc_act": false, "lm_head": true, "quant_method": "gptq", "sym": true}'
quant round_head '{"backend": "gptq:exllamav2", "bits": 4, "data_type": "int", "extra_config": {"lm_head": {"bits": 4, "group_size": 128, "sym": false}}, "group_size": 128, "quant_method": "intel/auto-round", "sym": false}'
quant round_awq '{"bits": 4, "group_size": 64, "packing_format": "auto_round:auto_awq", "quant_method": "auto-round", "sym": true}'
quant round_head8 '{"bits": 4, "group_size": 128, "extra_config": {"lm_head": {"bits": 8}}, "quant_method": "auto-round"}'

for pair in awq:int4-awq:g128 gptq:int4-gptq:g128 ct_fp8:fp8 modelopt:nvfp4 ds_fp8:fp8 \
	gptq_head:int4-gptq:g128:lm_head round_head:int4-gptq:g128:lm_head round_awq:int4-awq:g64 \
	awq_w_bit:int4-awq:g64 modelopt_fp8:fp8 ct_w4a16:w4a16:g128 ct_w4a16_asym:w4a16:g128:asym \
	ct_actorder:w4a16:g128:actorder ct_w8a8:w8a8 ct_act_true:w4a16:g128:actorder \
	ct_act_upper:w4a16:g128:actorder ct_w8a16:w8a16 ct_w8a16_g:w8a16:g64:asym:actorder \
	ct_w4_channel:w4a16:channel ct_inferred_channel:w8a16 ct_inferred_group:w4a16:g64; do
	name=${pair%%:*} format=${pair#*:}
	want=$(weights --config "$base" --weights-dtype "$format")
	got=$(weights --config "$work/$name.json")
	check "$name: the weights as $format ($want B)" [ -n "$want" -a "$got" = "$want" ]
done
run --config "$work/awq.json" --seq 4096 --gpu h100
check "the table says the weights are int4-awq:g128" grep -q "weights int4-awq:g128" "$work/out"
run --config "$work/awq.json" --seq 4096 --gpu h100 --explain
check "--explain says where it came from" grep -Fq \
	"weights_format: read, quantization_config.quant_method = awq: the weights as int4-awq:g128" \
	"$work/out"
plain=$(weights --config "$base")
check "--weights-dtype still wins" [ "$(weights --config "$work/awq.json" --weights-dtype bf16)" = "$plain" ]
# A draft keeps its own format: a catalogue draft its plain type, not the
# model's AWQ (Qwen3-0.6B's 596,049,920 parameters x 2 B).
run --config "$work/awq.json" --draft-model qwen3-0.6b --seq 4096 --engine vllm --gpu h100 \
	--format json
is draft_weights_bytes 1192099840 "a catalogue draft: its 16 bits, not the model's int4"
# A config's fp8 cache, which the engine's --kv-cache-dtype auto takes
# (nvidia's modelopt checkpoints: kv_cache_quant_algo "FP8"): vLLM from
# 0.14 and SGLang at 1 B a value, half the 16-bit cache; vLLM 0.13,
# kvplan without an engine and --dtype given keep 16 bits.
# Qwen2.5-7B at 4,096 tokens: 28 layers x 4 kv heads x 128 x 2 x 2 B x
# 4,096 = 234,881,024 B.
quant modelopt_kv '{"quant_method": "modelopt", "quant_algo": "FP8", "kv_cache_quant_algo": "FP8"}'
quant ct_kv '{"quant_method": "compressed-tensors", "format": "float-quantized", "config_groups": {"group_0": {"targets": ["Linear"], "weights": {"num_bits": 8, "type": "float", "strategy": "channel"}}}, "kv_cache_scheme": {"num_bits": 8, "type": "float", "strategy": "tensor", "dynamic": false, "symmetric": true}}'
for case in "modelopt_kv --engine vllm:117440512" "modelopt_kv --engine vllm --vllm-version 0.13:234881024" \
	"modelopt_kv --engine sglang:fp8" "modelopt_kv --kv-budget 1000000000:234881024" \
	"modelopt_kv --engine vllm --dtype bf16:234881024" "ct_kv --engine vllm --vllm-version 0.15:117440512" \
	"ct_kv --engine vllm --vllm-version 0.14:234881024" "ct_kv --engine sglang:fp16"; do
	args=${case%%:*} want=${case#*:}
	# shellcheck disable=SC2086
	run --config "$work/${args%% *}.json" ${args#* } --seq 4096 --gpu h100 --format json
	case $want in
	fp*) is dtype_k "\"$want\"" "$args: an $want cache" ;;
	*) is kv_total_bytes "$want" "$args: $want B of cache" ;;
	esac
done
# TensorRT-LLM keeps the checkpoint's KV quantization under "auto"
# (validate_and_set_kv_cache_quant: "Using checkpoint KV quantization").
for name in modelopt_kv ct_kv; do
	run --config "$work/$name.json" --seq 4096 --gpu h100 --engine trtllm
	check "$name under TensorRT-LLM: an fp8 cache" grep -q "cache fp8," "$work/out"
done
# A --dtype list in a sweep wins as --dtype does; --validate checks the
# cache planned, so a config's fp8 is refused as --dtype fp8 is.
run --config "$work/modelopt_kv.json" --sweep seq=4096..4096 --gpu h100 --engine vllm \
	--dtype fp16,bf16 --format csv
check "a sweep's --dtype list wins over the config's fp8" sh -c \
	'[ "$(grep -c 234881024 "$1")" = 2 ] && ! grep -q fp8 "$1"' sh "$work/out"
run --config "$work/modelopt_kv.json" --seq 512 --gpu host --engine vllm --validate
check "--validate refuses the config's fp8 cache, exit 2" \
	[ "$status" = 2 -a ! -s "$work/out" ]
check "... in one line naming fp8" sh -c '[ "$(wc -l <"$1")" = 1 ] && grep -q fp8 "$1"' \
	sh "$work/err"
# A head in other bits than the layers': one warning, the head 16-bit.
want=$(weights --config "$base" --weights-dtype int4-gptq:g128)
run --config "$work/round_head8.json" --seq 4096 --gpu h100 --format json
check "round_head8: the layers in int4-gptq:g128, the head 16-bit" \
	[ "$status" = 0 -a "$(json_value weights_bytes)" = "$want" ]
check "... and one warning line naming extra_config.lm_head" sh -c \
	'[ "$(wc -l <"$1")" = 1 ] && grep -q "extra_config.lm_head: the head in 8 bits" "$1"' sh "$work/err"
# Not modelled: one warning, the config's dtype.
for name in bnb gptq8 bad ct_channel_actorder ct_channel_weight_order ct_channel_group_size \
	ct_dynamic_weights ct_mixed ct_w4a8 ct_int8_weights ct_int8_static; do
	run --config "$work/$name.json" --seq 4096 --gpu h100 --format json
	got=$(json_value weights_bytes)
	check "$name: the config's dtype, exit 0" [ "$status" = 0 -a "$got" = "$plain" ]
	check "... and one warning line naming the file" sh -c \
		'[ "$(wc -l <"$1")" = 1 ] && grep -q "$2.json: quantization_config" "$1"' \
		sh "$work/err" "$name"
done
done_testing
