# golden.sh — whole JSON and CSV outputs compared with files checked by hand
# against the formula, so no key of the contract goes missing or changes.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# golden FILE ARGS...: kvplan ARGS prints exactly tests/cli/golden/FILE.
golden() {
	file=$1
	shift
	run "$@"
	if [ "$status" -ne 0 ]; then
		not_ok "$file" "exit status $status"
	elif diff -u "$golden/$file" "$work/out" >"$work/diff"; then
		ok "$file matches kvplan $*"
	else
		sed 's/^/# /' "$work/diff" | head -n 40
		not_ok "$file" "output differs from the golden file"
	fi
}

# llama2-7b at 1024: cache 536,870,912 B, weights 13,476,831,232 B; the
# v100-32g's memory: held back 34,359,738,368 − usable 30,923,764,531 =
# 3,435,973,837, unused 34,359,738,368 − 13,476,831,232 − 536,870,912 −
# 3,435,973,837 = 16,910,062,387.
# (each layer group's cells, the exact model's, are its tokens x batch)
golden llama2-7b-1024.json --model llama2-7b --seq 1024 --format json
# gemma2-9b, fp16 weights 2 · 9,241,705,984 = 18,483,411,968 B; fp8 cache
# 2·8·256·1 = 4,096 B per token-layer; 21 sliding layers (window 4096) and
# 21 full: at 8192, batch 4: 4 · (21·4096 + 21·8192) · 4096 = 4,227,858,432
# B; per token (every layer holding every token) 42 · 4096 = 172,032 B.
# usable = floor(hbm · 0.9) at the double's value (0.9000000000000000222):
# h200 floor(151,397,597,184 · 0.9) = 136,257,837,465, mi300x
# floor(206,158,430,208 · 0.9) = 185,542,587,187, l4 floor(25,769,803,776
# · 0.9) = 23,192,823,398.  budget = usable − weights: 117,774,425,497,
# 167,059,175,219 and 4,709,411,430 (the l4 now holds the 4,227,858,432 B
# cache).  Past 4096 tokens one sequence costs f(s) = 42·4096·4096 +
# 21·4096·(s − 4096), so max_seq_hbm = 4096 + floor((floor(budget / 4) −
# 704,643,072) / 86,016) = 338,207, 481,450, 9,591; max_batch_hbm =
# floor(budget / f(8192) = 1,056,964,608) = 111, 158, 4.
# memory: held back hbm − usable (h200 15,139,759,719), and unused the rest
# after weights and cache: 151,397,597,184 − 18,483,411,968 − 4,227,858,432
# − 15,139,759,719 = 113,546,567,065 (the exact engine has no buffers).
# max_seq_l2 = floor(l2 / (4 · 172,032)) while every layer holds every
# token: h200 62,914,560 (60 MiB, read from one) 91, mi300x 48, l4 73.
golden gemma2-9b-fp8.json --model gemma2-9b --seq 8192 --batch 4 --dtype fp8 \
	--gpu h200,mi300x,l4 --format json
# falcon-7b, fp16 weights 2 · 6,921,720,704 = 13,843,441,408 B; a10 and
# rtx4090 both 24 GiB: usable floor(25,769,803,776 · 0.9) = 23,192,823,398,
# budget 9,349,381,990; cache 8192 B/token: max_seq_hbm =
# floor(budget / (8192 · 16 = 131,072)) = 71,330, max_batch_hbm =
# floor(budget / (8192 · 2048 = 16,777,216)) = 557.  Memory: held back
# 25,769,803,776 − 23,192,823,398 = 2,576,980,378; unused 25,769,803,776 −
# 13,843,441,408 − 268,435,456 − 2,576,980,378 = 9,080,946,534; total
# 25,769,803,776, no CUDA graphs nor MLA workspace (the exact engine).
# One group of 32 full layers, 2048 x 16 = 32,768 cells a layer.
golden falcon-7b-mqa.csv --model falcon-7b --seq 2048 --batch 16 --gpu a10,rtx4090 --format csv

done_testing
