# numbers.sh — the exact results the command must give, worked by hand from
# 2·L·s·B·kv_heads·head_dim·bytes and the GPU data (reference-data.md).
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# llama2-7b: 2·32·32·128·2 = 524,288 B/token; ·1024 = 536,870,912.
run --model llama2-7b --seq 1024 --format json
check "llama2-7b json exits 0" test "$status" -eq 0
is attention '"mha"'
is kv_bytes_per_token 524288
is kv_bytes_per_layer 16777216 "per layer: 2·1024·32·128·2 = 16,777,216"
is kv_total_bytes 536870912
# Variants: MQA 2·32·1024·1·128·2; GQA with 8 kv heads is a quarter of MHA.
check "MQA variant 16,777,216" grep -A3 '"mqa"' "$work/out" -q -e '"kv_total_bytes": 16777216'
check "GQA variant 134,217,728" grep -A3 '"gqa"' "$work/out" -q -e '"kv_total_bytes": 134217728'
check "GQA variant uses 8 kv heads" grep -A1 '"gqa"' "$work/out" -q -e '"kv_heads": 8'

run --model llama2-7b --seq 1024 --batch 8 --format json
is kv_total_bytes 4294967296 "batch 8: 8 · 512 MiB"
run --model llama2-7b --seq 1024 --dtype fp32 --format json
is kv_total_bytes 1073741824 "fp32 doubles fp16"
run --model llama2-7b --seq 1024 --dtype int8 --format json
is kv_total_bytes 268435456 "int8 halves fp16"

# L2: max_seq_l2 = L2 / 524,288: 6 MiB -> 12, 40 MiB -> 80, 50 MiB -> 100.
run --model llama2-7b --seq 1024 --format csv
check "csv has a header and three default GPUs" test "$(wc -l <"$work/out")" -eq 4
csv_is v100-32g max_seq_l2 12
csv_is a100-80g max_seq_l2 80
csv_is h100-sxm max_seq_l2 100
csv_is v100-32g l2_bytes 6291456
csv_is a100-80g l2_bytes 41943040
csv_is h100-sxm l2_bytes 52428800
# Weights 6,738,415,616 · 2 B; usable floor(80 GiB · 0.9) = 77,309,411,328;
# (77,309,411,328 − 13,476,831,232) / 524,288 = 121,750.4; / 536,870,912 = 118.9.
csv_is h100-sxm weights_bytes 13476831232
csv_is h100-sxm max_seq_hbm 121750
csv_is h100-sxm max_batch_hbm 118
csv_is h100-sxm fits_hbm true
csv_is h100-sxm layer_fits_l2 true "one 16 MiB layer fits 50 MiB"
csv_is v100-32g layer_fits_l2 false "16 MiB layer does not fit 6 MiB"

run --model llama2-7b --seq 100 --gpu h100 --format csv
csv_is h100-sxm fits_l2 true "seq 100 fills H100's L2 exactly"
run --model llama2-7b --seq 101 --gpu h100 --format csv
csv_is h100-sxm fits_l2 false "seq 101 does not"

run --model llama2-7b --seq 1024 --kv-heads 1 --format csv
csv_is v100-32g fits_l2 false "MQA 16 MiB > 6 MiB"
csv_is a100-80g fits_l2 true "MQA 16 MiB <= 40 MiB"
csv_is h100-sxm fits_l2 true "MQA 16 MiB <= 50 MiB"
csv_is h100-sxm kv_total_bytes 16777216
csv_is h100-sxm attention mqa

# Bytes per token of other catalogue models (reference-data.md §2).
for pair in llama3-8b:131072 llama2-70b:327680 llama2-13b:819200 falcon-7b:8192 \
	gemma2-9b:344064 qwen2.5-7b:57344 gpt2:36864; do
	run --model "${pair%%:*}" --seq 1 --format json
	is kv_bytes_per_token "${pair#*:}" "${pair%%:*} ${pair#*:} B/token"
done
run --model llama3-8b --seq 8192 --format json
is kv_total_bytes 1073741824 "llama3-8b at 8192 is 1 GiB"
run --model falcon-7b --seq 1 --format json
is attention '"mqa"' "falcon-7b is MQA"
run --model llama3-8b --seq 1 --format json
is attention '"gqa"' "llama3-8b is GQA"

# A model by numbers equals the catalogue's llama2-7b.
run --layers 32 --heads 32 --head-dim 128 --seq 1024 --format json
is kv_total_bytes 536870912 "model by numbers"
is model '"custom"'
run --layers 32 --heads 32 --hidden 4096 --kv-heads 8 --seq 1024 --format json
is kv_total_bytes 134217728 "by numbers with hidden and kv heads"
# Overriding one field of a catalogue model: 40 layers instead of 32.
run --model llama2-7b --layers 40 --seq 1024 --format json
is kv_total_bytes 671088640 "override: 2·40·1024·32·128·2"

# Family aliases and all GPUs.
run --model llama2-7b --seq 1 --gpu v100,a100,h100 --format csv
check "aliases resolve to v100-32g, a100-80g, h100-sxm" \
	test "$(cut -d, -f13 "$work/out" | tail -n +2 | tr '\n' ' ')" = "v100-32g a100-80g h100-sxm "
run --model llama2-7b --seq 1 --gpu all --format csv
check "--gpu all lists 20 GPUs" test "$(tail -n +2 "$work/out" | wc -l)" -eq 20

# Beyond the model's context: planned, with a warning and a JSON field.
run --model llama2-7b --seq 8192 --format json
check "seq beyond max context still exits 0" test "$status" -eq 0
is exceeds_max_context true
check "warning on stderr" grep -q "warning: seq 8192 exceeds llama2-7b's max context 4096" "$work/err"

# --require-fit: exit 1 when a GPU cannot hold weights + cache.
run --model llama2-70b --seq 4096 --require-fit --format csv
check "require-fit: 70B on V100 does not fit, exit 1" test "$status" -eq 1
check "require-fit still prints the plan" test -s "$work/out"
run --model llama2-7b --seq 1024 --gpu h100 --require-fit
check "require-fit: fits, exit 0" test "$status" -eq 0
# mem-util and reserve move the budget: 80 GiB · 0.5 = 42,949,672,960;
# minus weights and 1 GiB reserve = 28,399,099,904; / 524,288 = 54,166.
run --model llama2-7b --seq 1024 --gpu h100 --mem-util 0.5 --reserve 1073741824 --format csv
csv_is h100-sxm max_seq_hbm 54166 "mem-util 0.5, 1 GiB reserve"
# usable = floor(hbm · mem-util) at the double's exact value: the double
# 0.9999996 is 4503597825930645 / 2^52, and 85,899,345,920 times it is
# 85,899,311,560 + 68585/262144 (not all 80 GiB, as millionths made it).
run --model llama2-7b --seq 1024 --gpu h100 --mem-util 0.9999996 --format json
is usable_bytes 85899311560 "mem-util 0.9999996: floor of the exact product"
# The smallest subnormal, 2^-1074, is a share in (0, 1]: usable 0, nothing fits.
run --model llama2-7b --seq 1024 --gpu h100 --mem-util 4.9e-324 --format json
check "mem-util 4.9e-324 exits 0" test "$status" -eq 0
is usable_bytes 0 "mem-util 4.9e-324: usable 0"
is fits_hbm false "mem-util 4.9e-324: nothing fits"
run --model llama2-7b --seq 1024 --gpu h100 --weights-dtype fp32 --format csv
csv_is h100-sxm weights_bytes 26953662464 "fp32 weights"

# Catalogue listings.
run --list-models --format csv
check "69 models listed" test "$(tail -n +2 "$work/out" | wc -l)" -eq 69
run --list-gpus --format json
check "GPU list is JSON with h100-sxm" grep -q '"name": "h100-sxm"' "$work/out"
# A user profile whose description holds a comma and quotes: RFC 4180 CSV.
mkdir -p "$work/data/gpus"
printf '%s\n' 'name: test-gpu' "description: 'Test \"X\", 1 GB'" 'memory: 1 GiB' 'l2: 1 MiB' \
	>"$work/data/gpus/test-gpu.yaml"
run --data-dir "$work/data" --list-gpus --format csv
check "CSV quotes a description with a comma and quotes" \
	grep -qx 'test-gpu,1073741824,1048576,0,0,0,,"Test ""X"", 1 GB",0,0,' "$work/out"
check "a --data-dir GPU joins the shipped ones" test "$(tail -n +2 "$work/out" | wc -l)" -eq 21

run --version
check "--version names the package" grep -Eq '^kvplan [0-9]+\.[0-9]+\.[0-9]+' "$work/out"
run --help
check "--help exits 0 with usage" grep -q '^usage: kvplan' "$work/out"

# JSON writes byte counts past 2^63 exactly: 1 layer, 1 kv head of 1 value
# in fp16 is 2·2 = 4 B a token; 2,305,843,009,213,693,953 tokens take
# 9,223,372,036,854,775,812 B, 4 more than 2^63.
run --layers 1 --heads 1 --head-dim 1 --seq 2305843009213693953 --format json
check "a cache past 2^63 bytes exits 0" test "$status" -eq 0
is kv_total_bytes 9223372036854775812 "kv_total_bytes past 2^63 written exactly"
is kv_bytes_per_layer 9223372036854775812 "kv_bytes_per_layer past 2^63 written exactly"
check "the document is whole (the GPU list closes it)" test "$(tail -n 1 "$work/out")" = "}"

# A head_dim the model states is kept when --heads or --hidden changes:
# gemma2-9b states 256 (hidden/heads would be 224): 2·42·1024·8·256·2 =
# 352,321,536 B.
run --model gemma2-9b --seq 1024 --heads 16 --format json
is head_dim 256 "--heads keeps gemma2-9b's stated head_dim"
is kv_total_bytes 352321536 "gemma2-9b at 1024 with --heads 16: 352,321,536 B"
run --model gemma2-9b --seq 1024 --hidden 4096 --format json
is head_dim 256 "--hidden keeps a stated head_dim"
run --model gemma2-9b --seq 1024 --heads 16 --head-dim 128 --format json
is head_dim 128 "--head-dim replaces a stated head_dim"
# One the profile derives (hidden 256 / 4 heads = 64) is derived again:
# 256 / 8 heads = 32.
mkdir -p "$work/derive/models"
printf '%s\n' 'name: derived' 'layers: 2' 'heads: 4' 'kv_heads: 4' 'hidden: 256' \
	>"$work/derive/models/derived.yaml"
run --data-dir "$work/derive" --model derived --seq 8 --format json
is head_dim 64 "a profile without head_dim derives hidden / heads"
run --data-dir "$work/derive" --model derived --seq 8 --heads 8 --format json
is head_dim 32 "--heads re-derives a head_dim the profile did not state"

# llama.cpp block types in whole blocks: llama2-7b's 4096-value rows are
# 128 blocks; q8_0 2·32·128·34 = 278,528 B a token, q4_0 2·32·128·18 =
# 147,456 B; at 4096 tokens in q8_0, 1,140,850,688 B.
run --model llama2-7b --seq 4096 --dtype q8_0 --format json
is kv_bytes_per_token 278528 "q8_0 is 34 B per 32 values: 278,528 B a token"
is kv_total_bytes 1140850688 "q8_0 at 4096: 1,140,850,688 B"
run --model llama2-7b --seq 1 --dtype q4_0 --format json
is kv_bytes_per_token 147456 "q4_0 is 18 B per 32 values: 147,456 B a token"
# Each head's row is whole blocks: head_dim 96 is 3 q8_0 blocks; 1 layer,
# 4 kv heads, K and V: 2·4·3·34 = 816 B a token.
run --layers 1 --heads 4 --head-dim 96 --seq 1 --dtype q8_0 --format json
is kv_total_bytes 816 "4 heads of 96 in q8_0: 816 B"

done_testing
