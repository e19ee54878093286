# table.sh — the human table: the numbers a person looks for, in binary
# units with exact bytes, within an 80-column terminal.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

run --model llama2-7b --seq 1024
check "table exits 0" test "$status" -eq 0
check "nothing on stderr" test ! -s "$work/err"
check "names the model and its shape" \
	grep -q '^  mha attention: 32 layers, 32 heads, 32 kv heads, head_dim 128$' "$work/out"
check "total in MiB with exact bytes" grep -Eq '^  total +512 MiB +536,870,912 B$' "$work/out"
check "per token 512 KiB" grep -Eq '^  per token \(all layers\) +512 KiB +524,288 B$' "$work/out"
check "MQA variant 16 MiB" grep -Eq '^  MQA +1 kv head +16 MiB +16,777,216 B$' "$work/out"
check "GQA variant 128 MiB" grep -Eq '^  GQA +8 kv heads +128 MiB +134,217,728 B$' "$work/out"
check "weights in GiB" grep -q 'weights 12.55 GiB as fp16; 90% of memory usable' "$work/out"
check "h100-sxm row" grep -Eq '^h100-sxm +50 MiB +no +yes +100 +80 GiB +yes +121,750 +118$' "$work/out"
check "v100-32g row" grep -Eq '^v100-32g +6 MiB +no +no +12 +32 GiB +yes ' "$work/out"
check "fits in 80 columns" test "$(awk '{ if (length > m) m = length } END { print m }' "$work/out")" -le 80

run --list-models
check "model list fits 80 columns" test "$(awk '{ if (length > m) m = length } END { print m }' "$work/out")" -le 80
check "model list shows llama2-7b" grep -Eq '^llama2-7b +mha +32 +32 +32 +128 +512 KiB +4096 +6.74B$' "$work/out"
run --list-gpus
check "GPU list fits 80 columns" test "$(awk '{ if (length > m) m = length } END { print m }' "$work/out")" -le 80

done_testing
