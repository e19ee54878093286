#!/bin/sh
# quant_mixed.sh — ModelOpt's MIXED_PRECISION (lib/hf_quant_mixed.c): an
# hf_quant_config.json whose quantized_layers give each listed module its
# own quant_algo, the rest 16-bit, read for a Nemotron-H.  The map here
# holds the counts of Nemotron 3 Super's NVFP4 release (6ixLabs-AI/dgpp
# @ 7cc561a and Red Hat's ModelCar notes, /work/research/
# nemotron-quant-sizes.md: every routed expert NVFP4, FP8 on 28 of the 40
# in_proj, 29 out_proj, 2 of the 8 o_proj, 39 shared up_proj, 37 shared
# down_proj, 3 fc1 and 1 fc2 latent projections, one shared down_proj
# NVFP4), the first layers of each kind; tests/test_weights_mixed.c works
# its bytes by hand.
. "${KVPLAN_SRCDIR:?}/tests/cli/lib.sh"
super=$KVPLAN_SRCDIR/tests/configs/nemotron-3-super-120b/config.json
pattern=$(sed -n 's/.*"hybrid_override_pattern": "\([^"]*\)".*/\1/p' "$super")

# mixed DIR [EXTRA]: Super's config and its map in DIR, EXTRA entries
# (JSON members, each ending in a comma) first.
mixed() {
	mkdir -p "$1"
	cp "$super" "$1/config.json"
	awk -v p="$pattern" -v extra="${2:-}" '
	function put(l, x, a) {
		printf "%s\"backbone.layers.%d.mixer.%s\": {\"quant_algo\": \"%s\"}", sep, l, x, a
		sep = ",\n"
	}
	BEGIN {
		printf "{\"producer\": {\"name\": \"modelopt\", \"version\": \"0.37.0\"},\n"
		printf "\"quantization\": {\"quant_algo\": \"MIXED_PRECISION\",\n"
		printf "\"kv_cache_quant_algo\": \"FP8\", \"quantized_layers\": {%s\n", extra
		for (i = 1; i <= length(p); i++) {
			c = substr(p, i, 1)
			if (c == "M") m[nm++] = i - 1
			if (c == "*") a[na++] = i - 1
			if (c == "E") e[ne++] = i - 1
		}
		for (i = 0; i < 28; i++) put(m[i], "in_proj", "FP8")
		for (i = 0; i < 29; i++) put(m[i], "out_proj", "FP8")
		for (i = 0; i < 2; i++) put(a[i], "o_proj", "FP8")
		for (i = 0; i < 39; i++) put(e[i], "shared_experts.up_proj", "FP8")
		for (i = 0; i < 37; i++) put(e[i], "shared_experts.down_proj", "FP8")
		put(e[37], "shared_experts.down_proj", "NVFP4")
		for (i = 0; i < 3; i++) put(e[i], "fc1_latent_proj", "FP8")
		put(e[0], "fc2_latent_proj", "FP8")
		for (i = 0; i < ne; i++)
			for (x = 0; x < 512; x++) {
				put(e[i], "experts." x ".up_proj", "NVFP4")
				put(e[i], "experts." x ".down_proj", "NVFP4")
			}
		printf "}}}\n"
	}' >"$1/hf_quant_config.json"
}

name="nvfp4:qkv16:mtp16:inproj16=12:outproj16=11:o16=6:shared_up16=1:shared_down16=2:latent_in16=37:latent_out16=39:inproj8=28:outproj8=29:o8=2:shared_up8=39:shared_down8=37:latent_in8=3:latent_out8=1"
mixed "$work/super"
run --config "$work/super" --seq 8192 --gpu b200 --format json
is weights_bytes 74412678240 "Super's NVFP4 release, its MTP layer left out"
is weights_dtype "\"$name\"" "the format its map makes"
check "its note names it by its kind" grep -q \
	"the weights as nvfp4 with layers apart (its name in full: weights_dtype)" "$work/out"
check "41,100 modules read" grep -q "quantized_layers (MIXED_PRECISION): 41100 modules" "$work/out"
check "no warning of its own" sh -c '! grep -q "quantized_layers" "$1"' sh "$work/err"
run --config "$work/super" --seq 8192 --gpu b200 --explain
check "--explain: the 40 x 512 correction biases at 4 B" grep -q \
	"the other 3,078,249,472 at 2 B, 20,480 of them (the routers' correction biases) at 4 B = 6,156,539,904 B" \
	"$work/out"
# The name says the same, and --mtp plans the MTP layer in bf16.
run --model nemotron-3-super-120b --seq 8192 --gpu b200 --weights-dtype "$name" --format json
is weights_bytes 74412678240 "--weights-dtype $name"
run --config "$work/super" --seq 8192 --gpu b200 --engine vllm --mtp 1 --format json
is weights_bytes 5884650496 "the MTP layer 16-bit (:mtp16): 2 x 2,942,325,248"

# Some of q, k and v listed: said, and taken in the format.
mixed "$work/qkv" '"backbone.layers.7.mixer.q_proj": {"quant_algo": "NVFP4"},'
run --config "$work/qkv" --seq 8192 --gpu b200 --format json
check "some of q, k and v: warned" grep -q \
	"quantized_layers: some q, k and v in another type: taken as nvfp4" \
	"$work/err"
# An unknown module: said.
mixed "$work/odd" '"backbone.layers.0.mixer.gizmo": {"quant_algo": "FP8"},'
run --config "$work/odd" --seq 8192 --gpu b200 --format json
check "an unknown module: warned" grep -q "1 entry of an unknown module or type: not modelled" \
	"$work/err"
is weights_bytes 74412678240 "the rest read as before"
# Another model's map: not modelled, said.
mkdir -p "$work/llama"
cp "$KVPLAN_SRCDIR/tests/configs/llama2-7b/config.json" "$work/llama/config.json"
printf '%s\n' '{"producer": {"name": "modelopt"}, "quantization": {"quant_algo": "MIXED_PRECISION",' \
	'"quantized_layers": {"model.layers.0.self_attn.q_proj": {"quant_algo": "FP8"}}}}' \
	>"$work/llama/hf_quant_config.json"
run --config "$work/llama" --seq 1024 --gpu h100 --format json
check "a map of another model: warned" grep -q \
	"quantized_layers of a model not a Nemotron-H: not modelled, taken as fp8" \
	"$work/err"
# A map of no entries: no format.
printf '%s\n' '{"producer": {"name": "modelopt"}, "quantization": {"quant_algo": "MIXED_PRECISION",' \
	'"quantized_layers": {}}}' >"$work/llama/hf_quant_config.json"
run --config "$work/llama" --seq 1024 --gpu h100 --format json
check "an empty map: the config's dtype" grep -q "with another quant_algo: weights in the config's dtype" \
	"$work/err"
# The experts named W4A16_NVFP4 (their weights and scales NVFP4's), and
# the map in config.json's quantization_config: the same.
mkdir -p "$work/w4"
sed 's/"NVFP4"/"W4A16_NVFP4"/' "$work/super/hf_quant_config.json" >"$work/w4/hf_quant_config.json"
cp "$super" "$work/w4/config.json"
run --config "$work/w4" --seq 8192 --gpu b200 --format json
is weights_bytes 74412678240 "experts as W4A16_NVFP4: nvfp4"
mkdir -p "$work/inline"
{
	printf '{"quantization_config": '
	sed -e 's/^{"producer": {"name": "modelopt", "version": "0.37.0"},$/{"quant_method": "modelopt",/' \
		"$work/super/hf_quant_config.json"
	printf ',\n'
	sed '1d' "$super"
} >"$work/inline/config.json"
run --config "$work/inline" --seq 8192 --gpu b200 --format json
is weights_bytes 74412678240 "the map in config.json's quantization_config"
# Every part listed in part: no keep16 part, the name still says the
# layers apart (Nemotron 3 Nano: 6 of its 23 Mamba-2 layers' in_proj and
# out_proj fp8, the rest nvfp4).
nano=$KVPLAN_SRCDIR/tests/configs/nemotron-3-nano-30b-a3b/config.json
mkdir -p "$work/nano"
cp "$nano" "$work/nano/config.json"
npattern=$(sed -n 's/.*"hybrid_override_pattern": "\([^"]*\)".*/\1/p' "$nano")
awk -v p="$npattern" '
function put(l, x, a) {
	printf "%s\"backbone.layers.%d.mixer.%s\": {\"quant_algo\": \"%s\"}", sep, l, x, a
	sep = ",\n"
}
BEGIN {
	printf "{\"producer\": {\"name\": \"modelopt\"}, \"quantization\": {\"quant_algo\": \"MIXED_PRECISION\", \"quantized_layers\": {\n"
	for (i = 1; i <= length(p); i++) {
		c = substr(p, i, 1); l = i - 1
		if (c == "M") { a = nm++ < 6 ? "FP8" : "NVFP4"; put(l, "in_proj", a); put(l, "out_proj", a) }
		if (c == "*") { put(l, "q_proj", "NVFP4"); put(l, "k_proj", "NVFP4"); put(l, "v_proj", "NVFP4"); put(l, "o_proj", "NVFP4") }
		if (c == "E") {
			put(l, "shared_experts.up_proj", "NVFP4"); put(l, "shared_experts.down_proj", "NVFP4")
			for (x = 0; x < 128; x++) { put(l, "experts." x ".up_proj", "NVFP4"); put(l, "experts." x ".down_proj", "NVFP4") }
		}
	}
	printf "}}}\n"
}' >"$work/nano/hf_quant_config.json"
run --config "$work/nano" --seq 8192 --gpu h100 --format json
is weights_dtype '"nvfp4:inproj8=6:outproj8=6"' "the layers apart in the name"
got=$(json_value weights_bytes)
run --model nemotron-3-nano-30b-a3b --seq 8192 --gpu h100 --weights-dtype nvfp4:inproj8=6:outproj8=6 \
	--format json
is weights_bytes "$got" "and the name the same bytes"
expect_error "fp8 beside fp8" "^kvplan: --weights-dtype: weights format 'fp8:o8=2': ':o8=N' holds fp8 layers in an nvfp4 format alone\$" \
	--model nemotron-3-super-120b --seq 8192 --weights-dtype fp8:o8=2
done_testing
