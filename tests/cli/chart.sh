# chart.sh — --chart writes a gnuplot script and its data whose numbers are
# the plan's; without gnuplot (or when it fails) both stay and the status
# is 3; bad chart options are one line and status 2.  Drawing the pictures
# is chart-draw.sh's, which needs gnuplot; nothing here does.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

cd "$work"

# column FILE SEQ N: column N of the data row for SEQ.
column() {
	awk -F '\t' -v seq="$2" -v n="$3" '$1 == seq { print $n; exit }' "$1"
}

# --- size: llama2-7b at fp16 is 32 layers x 2 x 32 heads x 128 x 2 B =
# 524,288 B a token.  H100's L2 (50 MiB = 52,428,800 B) holds 100 tokens,
# A100's (40 MiB) 80, V100's (6 MiB) 12: each crossing is labelled. ---
run --model llama2-7b --seq 1024 --chart size.gp
check "size: a .gp chart exits 0 and prints the plan" \
	sh -c "[ $status -eq 0 ] && grep -q '^llama2-7b - Llama 2 7B' '$work/out'"
check "size: the script and the data are written" test -s size.gp -a -s size.dat
check "size: no image for .gp" test ! -e size.png
check "size: the script reads the data" grep -q "^plot 'size.dat' using 1:5 " size.gp
check "size: no terminal for .gp" sh -c "! grep -q '^set terminal' size.gp"
check "size: the MHA line crosses H100's L2 at 100 tokens" \
	grep -q "^set label '100' at 100,52428800 point" size.gp
check "size: ... A100's at 80" grep -q "^set label '80' at 80,41943040 point" size.gp
check "size: ... V100's at 12" grep -q "^set label '12' at 12,6291456 point" size.gp
# Under vLLM 0.29 the request's line crosses the H100's memory where the
# table's max seq is, its budget (62,964,778,599 B, engines.sh) less the
# null block (2,097,152 B): 30,022 blocks of 16, 480,352 tokens,
# 62,960,697,344 B; under 0.28 the whole budget, 480,368 tokens
# (62,962,794,496 B).
run --model llama3-8b --seq 8192 --engine vllm --gpu h100 --chart vllm.gp
check "size, vLLM: the crossing at the table's max seq" \
	grep -q "^set label '480,352' at 480352,62960697344 point" vllm.gp
run --model llama3-8b --seq 8192 --engine vllm --gpu h100 --vllm-version 0.28 --chart vllm.gp
check "size, vLLM 0.28: at the whole budget's" \
	grep -q "^set label '480,368' at 480368,62962794496 point" vllm.gp
check "size: MHA at seq 1024 is 536,870,912 B" test "$(column size.dat 1024 2)" = 536870912
check "size: GQA (8 kv heads) at seq 1024 is a quarter" test "$(column size.dat 1024 3)" = 134217728
check "size: MQA at seq 1024 is 1/32" test "$(column size.dat 1024 4)" = 16777216
check "size: the title names model, cache type and batch" \
	grep -q "^set title 'llama2-7b: KV cache size against context, fp16 cache, batch 1, engine exact'" size.gp
check "size: L2 and the cache's memory marked for each GPU" \
	test "$(grep -c -E "(L2 \(|memory for the cache)" size.gp)" -eq 6
check "size: y tics in binary units" grep -q "^set ytics (.*'1 MiB' 1048576" size.gp
check "size: x tics in binary units" grep -q "^set xtics (.*'1 Ki' 1024" size.gp

# Mistral 7B: every layer slides over 4096 tokens, 32 x 2 x 8 x 128 x 2 =
# 131,072 B a token, so from 4096 tokens on the cache stays 512 MiB.
run --model mistral-7b --seq 32768 --chart mistral.gp
last=$(tail -n 1 mistral.dat | cut -f 1)
check "size: mistral's plateau starts at its window" \
	test "$(column mistral.dat 4096 3)" = 536870912 -a "$(column mistral.dat 4097 3)" = 536870912
check "size: ... and lasts to the end ($last tokens)" test "$(column mistral.dat "$last" 3)" = 536870912
check "size: ... one token short of it, less" test "$(column mistral.dat 4095 3)" = 536739840

# --- layers: Gemma 3 27B at 32,768 tokens.  Its 62 layers slide over 1024
# tokens in five of six; a token is 2 x 16 kv heads x 128 x 2 = 8192 B a
# layer: 8 MiB for a sliding layer, 256 MiB for a full one (10 of them). ---
run --model gemma3-27b --seq 32768 --chart layers.gp --chart-kind layers
check "layers: one row a layer" test "$(grep -vc '^#' layers.dat)" -eq 62
check "layers: layer 0 slides, keeps 1024 tokens, 8 MiB" \
	test "$(awk -F '\t' '$1 == 0 { print $2, $3, $4, $5 }' layers.dat)" = "sliding 1024 8388608 0"
check "layers: layer 5 is full, keeps 32,768 tokens, 256 MiB" \
	test "$(awk -F '\t' '$1 == 5 { print $2, $3, $4, $5 }' layers.dat)" = "full 32768 268435456 0"
check "layers: ten full layers" test "$(awk -F '\t' '$2 == "full"' layers.dat | wc -l)" -eq 10
check "layers: no state bars without recurrent layers" sh -c "! grep -q 'recurrent state' layers.gp"
# Qwen3-Next: recurrent state in three layers of four.
run --model qwen3-next-80b-a3b --seq 4096 --chart hybrid.gp --chart-kind layers
check "layers: a hybrid's recurrent layers keep no tokens but a state" \
	test "$(awk -F '\t' '$1 == 0 { print $2, $3, ($4 == 0), ($5 > 0) }' hybrid.dat)" = "recurrent 0 1 1"
check "layers: ... and state bars" grep -q "title 'recurrent state'" hybrid.gp

# --- engines: each bar is what kvplan --engine E reports for the request. ---
run --model gemma3-27b --seq 32768 --chart engines.gp --chart-kind engines
check "engines: five bars" test "$(grep -vc '^#' engines.dat)" -eq 5
for e in exact vllm llama.cpp sglang trtllm; do
	want=$(awk -F '\t' -v e="$e" '$1 == e { print $2 }' engines.dat)
	run --model gemma3-27b --seq 32768 --engine "$e" --format json
	is cache_total_bytes "$want" "engines: the $e bar is kvplan --engine $e's cache ($want B)"
done
check "engines: the title names no single engine" sh -c "! grep -q 'engine exact' engines.gp"

# --- memory: a stacked bar per GPU, its parts the plan's footprint.
# Llama 3 8B under llama.cpp at 8192 tokens: weights 16,060,522,496 less
# the token embedding llama.cpp keeps on the CPU, 1,050,673,152, cache
# 1,073,741,824, compute buffer 271,056,896; the h100 holds back 8 GiB and
# has 60,954,763,264 left. ---
run --model llama3-8b --engine llama.cpp --seq 8192 --gpu l4,h100 --chart memory.gp \
	--chart-kind memory
check "memory: one row a GPU" test "$(grep -vc '^#' memory.dat)" -eq 2
# (columns: weights, draft, LoRA, cache, state, buffers, runtime, reserve,
# SGLang's request table, held back, left, over)
check "memory: the h100's parts" test "$(awk -F '\t' '$1 == "h100-sxm" { print $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13 }' memory.dat)" = \
	"15009849344 0 0 1073741824 0 271056896 0 0 0 8589934592 60954763264 0"
check "memory: stacked bars" grep -q "^set style histogram rowstacked" memory.gp
check "memory: the buffers drawn" grep -q "title 'engine buffers'" memory.gp
check "memory: no part no GPU has" sh -c "! grep -q -e \"title 'recurrent state'\" -e \"title 'over'\" memory.gp"
run --model llama3-8b --engine llama.cpp --seq 8192 --gpu l4,h100 --format json
is unused_bytes "$(awk -F '\t' '$1 == "l4" { print $12 }' memory.dat)" "memory: the l4's left is its JSON unused_bytes"
check "memory: no LoRA bar without adapters" sh -c "! grep -q \"title 'LoRA adapters'\" memory.gp"
check "memory: no memory mark where every GPU's parts fit it" sh -c "! grep -q 'with vectors' memory.gp"
# Llama 3.1 70B at 8192 tokens, 141,107,412,992 B of fp16 weights, on an
# L4 (24 GiB, 25,769,803,776 B): the parts pass its memory by what is
# over, so they are stacked as they are and the memory is marked across
# the bar (column 14), not stacked on them (the bar ran off the frame).
run --model llama3.1-70b --seq 8192 --gpu h100,l4 --chart over.gp --chart-kind memory
check "memory over: the l4's parts sum to its memory and what is over" \
	test "$(awk -F '\t' '$1 == "l4" { printf "%.0f %s", $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9 + $10 + $11 + $12 - $13, $14 }' over.dat)" = \
	"25769803776 25769803776"
check "memory over: the memory marked" grep -q "using (\$0 - 0.35):14:(0.7):(0) with vectors" over.gp
# SGLang's request-to-token table, a part of its own: Llama 3 8B on an
# H100 at 8192 tokens, a pool of 421,383 tokens, context 8,192:
# min(max(int(421383 / 8192 x 512) = 26,336, 2048), 4096) = 4,096
# requests, (4,096 + 1) x (8,192 + 4) x 4 B = 134,316,048 B.
run --model llama3-8b --engine sglang --seq 8192 --gpu h100 --chart sg.gp --chart-kind memory
check "memory: SGLang's request table, column 10" \
	test "$(awk -F '\t' '$1 == "h100-sxm" { print $10 }' sg.dat)" = 134316048
check "memory: SGLang's request table drawn" grep -q "title 'SGLang request table'" sg.gp
# vLLM's runtime with --profile-memory, a part of its own: its non-torch
# memory (256 MiB on one GPU) and its CUDA graphs' estimate (column 8),
# the buffers its activation peak alone (column 7).
run --model llama3-8b --engine vllm --seq 8192 --gpu h100 --profile-memory --chart vr.gp --chart-kind memory
run --model llama3-8b --engine vllm --seq 8192 --gpu h100 --profile-memory --format json
is runtime_bytes "$(awk -F '\t' '$1 == "h100-sxm" { print $8 }' vr.dat)" "memory: vLLM's runtime, column 8, is its JSON runtime_bytes"
check "memory: ... 256 MiB and its CUDA graphs" test "$(json_value runtime_bytes)" -eq \
	$((268435456 + $(json_value cuda_graph_bytes)))
check "memory: the runtime drawn" grep -q "title 'engine runtime (context, NCCL, graphs)'" vr.gp
check "memory over: what is over not stacked" sh -c "! grep -q \"title 'over'\" over.gp"
# The same with vLLM's --enable-lora on Llama 3 8B (rank 16, every module
# it wraps; lib/lora.c): a layer 16 x (8192 + 5120 + 5120 + 8192 + 3 x
# 18432) = 1,310,720 values, 32 layers and embed_tokens and lm_head 2 x 16
# x (128256 + 4096): 46,178,304 values, 92,356,608 B a GPU.
run --model llama3-8b --engine vllm --enable-lora --seq 8192 --gpu h100 --chart lora.gp \
	--chart-kind memory
check "memory: the LoRA bar is the adapters' bytes" \
	test "$(awk -F '\t' '$1 == "h100-sxm" { print $4 }' lora.dat)" = 92356608
check "memory: ... and drawn" grep -q "title 'LoRA adapters'" lora.gp

# --- fit: llama2-7b on H100 at batch 1.  16 tokens (8 MiB) fit its L2;
# 128 (64 MiB) do not, but fit the 59.45 GiB left beside 13.5 GB of
# weights; 65,536 tokens are 32 GiB and fit; 131,072 are 64 GiB and do not. ---
run --model llama2-7b --seq 1024 --gpu h100 --chart fit.gp --chart-kind fit
cell() { awk -F '\t' -v s="$1" -v b="$2" '$4 == s && $5 == b { print $3 }' fit.dat; }
check "fit: 16 tokens fit L2" test "$(cell 16 1)" = 0
check "fit: 128 tokens fit memory" test "$(cell 128 1)" = 1
check "fit: 65,536 tokens fit memory" test "$(cell 65536 1)" = 1
check "fit: 131,072 tokens do not fit" test "$(cell 131072 1)" = 2
check "fit: 65,536 tokens x 2 do not fit" test "$(cell 65536 2)" = 2
check "fit: batch 1 to 1,024" test "$(awk -F '\t' '$4 == 16' fit.dat | wc -l)" -eq 11
check "fit: the title names the device" grep -q "^set title 'llama2-7b: where the cache fits on h100-sxm" fit.gp

# --- --gen: the size chart starts past the generated tokens. ---
run --model llama2-7b --seq 1024 --gen 500 --chart gen.gp
check "size: with --gen 500 the chart starts at 501 tokens" \
	test "$(grep -v '^#' gen.dat | head -n 1 | cut -f 1)" = 501

# --- without gnuplot, or when it fails: exit 3, the plan printed, the
# script and data kept, one line saying where and why. ---
KVPLAN_GNUPLOT=kvplan-no-such-gnuplot run --model llama2-7b --seq 1024 --chart none.png
check "no gnuplot: exit 3" test "$status" -eq 3
check "no gnuplot: the plan is printed" grep -q '^llama2-7b - Llama 2 7B' "$work/out"
check "no gnuplot: one line on stderr naming the script" \
	sh -c "[ \$(wc -l <'$work/err') -eq 1 ] && grep -q 'cannot run kvplan-no-such-gnuplot.*none.gp' '$work/err'"
check "no gnuplot: script and data written" test -s none.gp -a -s none.dat
check "no gnuplot: no image" test ! -e none.png
# A C library that forks (or valgrind) reports a program it cannot run as
# the child's exit status 127, as a shell does: the same message.
printf '#!/bin/sh\nexit 127\n' >gnuplot127
chmod +x gnuplot127
KVPLAN_GNUPLOT=./gnuplot127 run --model llama2-7b --seq 1024 --chart n127.png
check "status 127: cannot run, exit 3" sh -c "[ $status -eq 3 ] &&
	[ \$(wc -l <'$work/err') -eq 1 ] &&
	grep -q 'cannot run ./gnuplot127 (exit status 127; install gnuplot' '$work/err'"
KVPLAN_GNUPLOT=false run --model llama2-7b --seq 1024 --chart failed.svg
check "gnuplot fails: exit 3" test "$status" -eq 3
check "gnuplot fails: one line with its status" \
	sh -c "[ \$(wc -l <'$work/err') -eq 1 ] && grep -q 'exited with status 1 drawing failed.svg' '$work/err'"
check "gnuplot fails: no image left" test ! -e failed.svg
KVPLAN_GNUPLOT=false run --model llama2-7b --seq 1024 --chart failed.png --require-fit --gpu v100-16g
check "gnuplot fails: 3 wins over --require-fit's 1" test "$status" -eq 3

# --- bad chart options: one line, exit 2, nothing on stdout, no files. ---
expect_error "a suffix gnuplot has no terminal for" "--chart: 'x.jpg' does not end in .png, .svg or .gp" \
	--model llama2-7b --seq 1024 --chart x.jpg
expect_error "a suffix alone" "--chart: '.png' names no file" --model llama2-7b --seq 1024 --chart .png
expect_error "an unknown kind" "--chart-kind: unknown kind 'pie'" \
	--model llama2-7b --seq 1024 --chart x.png --chart-kind pie
expect_error "a kind without a chart" "--chart-kind: give --chart FILE" \
	--model llama2-7b --seq 1024 --chart-kind fit
expect_error "a control character" "--chart: 'a\\\\nb.png' has a control character" \
	--model llama2-7b --seq 1024 --chart "a
b.png"
expect_error "a chart of a list" "--chart draws a plan" --list-models --chart x.png
mkfifo fifo.png
expect_error "a FIFO as the image" "--chart: 'fifo.png' is not a regular file" \
	--model llama2-7b --seq 1024 --chart fifo.png
mkfifo fifo2.dat
expect_error "a FIFO as the data" "--chart: 'fifo2.dat' is not a regular file" \
	--model llama2-7b --seq 1024 --chart fifo2.png
expect_error "a directory that is not there" "--chart: cannot write 'no/such.dat'" \
	--model llama2-7b --seq 1024 --chart no/such.png
check "no files from refused charts" test ! -e x.gp -a ! -e x.dat -a ! -e fifo2.gp
expect_error "a model error before the chart" "unknown model" --model no-such --seq 1 --chart y.png
check "... writes no chart" test ! -e y.gp
# A write that fails (here past a 2-block file size limit) leaves the
# files that were there as they were, and no temporary one beside them.
printf 'old script\n' >kept.gp
printf 'old data\n' >kept.dat
status=0
(trap '' XFSZ; ulimit -f 2; "$KVPLAN" --model llama2-7b --seq 4096 --gpu h100 --chart kept.gp) \
	>"$work/out" 2>"$work/err" || status=$?
check "a failed write: status 2, one line" sh -c "test $status -eq 2 && test \$(wc -l <'$work/err') -eq 1 && test ! -s '$work/out'"
check "a failed write: the old files kept" sh -c "test \"\$(cat kept.gp kept.dat)\" = \"old script
old data\" && test \$(ls kept.* | wc -l) -eq 2"

done_testing
