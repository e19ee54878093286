# errors.sh — every kind of bad input: one clear line on stderr naming what
# is wrong, nothing on stdout, exit status 2.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

m="--model llama2-7b"
expect_error "unknown model suggests the closest name" \
	"^kvplan: unknown model 'llama2-7'.*did you mean llama2-7b" --model llama2-7 --seq 1024
expect_error "unknown GPU names the input" "^kvplan: unknown GPU 'h1000'" \
	$m --seq 1024 --gpu h1000
expect_error "unknown GPU among good ones" "unknown GPU 'x100'" $m --seq 1024 --gpu a100,x100
expect_error "empty GPU list" "^kvplan: --gpu: an empty name in ','$" $m --seq 1024 --gpu ,
expect_error "an empty name between two" "^kvplan: --gpu: an empty name in 'h100,,l4'$" \
	$m --seq 1024 --gpu h100,,l4
expect_error "a trailing comma" "^kvplan: --gpu: an empty name in 'h100,'$" $m --seq 1024 --gpu h100,
expect_error "no GPU at all" "^kvplan: --gpu: no GPU named in ''$" $m --seq 1024 --gpu ''
expect_error "two listings" \
	"^kvplan: --list-models: one listing at a time \(--list-gpus was given too\)$" \
	--list-gpus --list-models
# An option's value is what follows it, even where it reads like one of
# llama.cpp's spellings (-fa, -np, -ub), which kvplan also takes.
expect_error "a config path spelt like -fa is named as given" \
	"^kvplan: -fa: No such file or directory\$" --config -fa --seq 409
expect_error "a model spelt like -np is named as given" "^kvplan: invalid model name '-np'" \
	--model -np --seq 10
expect_error "a model spelt like -ub, after -m, is named as given" \
	"^kvplan: invalid model name '-ub'" -m -ub --seq 10
expect_error "-np's value spelt like -ub" "^kvplan: --parallel: '-ub' is negative" \
	$m --seq 10 -np -ub
expect_error "a prefix of two spellings of one option takes its value" \
	"^kvplan: --ubatch: '-np' is negative" $m --seq 10 --ubat -np
expect_error "a prefix of several options is ambiguous, and names them" \
	"^kvplan: option '--spec' is ambiguous [(]--spec-tokens, .*--spec-topk" $m --seq 10 --spec 3
expect_error "zero seq" "^kvplan: --seq: '0' is too small; it must be at least 1" $m --seq 0
expect_error "negative seq" "^kvplan: --seq: '-5' is negative" $m --seq -5
expect_error "non-numeric seq" "^kvplan: --seq: 'abc' is not a number" $m --seq abc
expect_error "trailing garbage in seq" "^kvplan: --seq: '12x' has trailing characters" $m --seq 12x
expect_error "seq beyond 64 bits" "^kvplan: --seq: '18446744073709551616' overflows 64 bits" \
	$m --seq 18446744073709551616
expect_error "empty seq" "^kvplan: --seq: empty value" $m --seq ''
expect_error "zero batch" "^kvplan: --batch: '0' is too small" $m --seq 1024 --batch 0
expect_error "negative batch" "^kvplan: --batch: '-1' is negative" $m --seq 1024 --batch -1
expect_error "cache size overflow is reported, not wrapped" \
	"^kvplan: KV cache of llama2-7b for seq 18446744073709551615 and batch 2 overflows 64-bit bytes" \
	$m --seq 18446744073709551615 --batch 2
expect_error "weights overflow names the model, the count and the type" \
	"^kvplan: weights of llama2-7b: 18446744073709551615 parameters as fp32 overflow 64-bit bytes\$" \
	$m --seq 1024 --params 18446744073709551615 --weights-dtype fp32
expect_error "kv heads that do not divide the heads" \
	"^kvplan: --kv-heads: kv heads 5 does not divide the 32 query heads of llama2-7b" \
	$m --seq 1024 --kv-heads 5
expect_error "kv heads above the heads" "kv heads 64 does not divide the 32 query heads" \
	$m --seq 1024 --kv-heads 64
expect_error "zero kv heads" "^kvplan: --kv-heads: '0' is too small" $m --seq 1024 --kv-heads 0
expect_error "unknown dtype lists the valid ones" \
	"^kvplan: --dtype: unknown element type 'fp12' \(valid: fp32, fp16, bf16, fp8, int8, q8_0, q5_1, q5_0, q4_1, q4_0, iq4_nl, int8_per_token_head, fp8_per_token_head, fp8_ds_mla\)" \
	$m --seq 1024 --dtype fp12
expect_error "unknown weights dtype" "^kvplan: --weights-dtype: unknown weights type 'q3' \(valid: fp32, fp16, bf16, int8, int4-awq:gG, int4-gptq:gG, fp8, nvfp4, mxfp4, w4a16\[:gG\|:channel\]\[:asym\]\[:actorder\], w8a16\[:gG\|:channel\]\[:asym\]\[:actorder\], w8a8\[:asym\], each then \[:attn16\|:qkv16\|:o16\]\[:shared16\]\[:dense16\]\[:linear16\|:inproj16\[=N\]\|:outproj16\[=N\]\]\[:mtp16\] \(int4-awq and int4-gptq \[:lm_head\] too\), or a GGUF type" \
	$m --seq 1024 --weights-dtype q3
expect_error "an AWQ group of 0" "^kvplan: --weights-dtype: weights format 'int4-awq:g0': the group size must be 1 to 65536 inputs\$" \
	$m --seq 1024 --weights-dtype int4-awq:g0
expect_error "a group that is not a number" "^kvplan: --weights-dtype: weights format 'int4-gptq:gx': expected a group as ':gG'" \
	$m --seq 1024 --weights-dtype int4-gptq:gx
expect_error "a GGUF mix needs the file" "^kvplan: --weights-dtype: weights format 'Q4_K_M' is a GGUF mix of types chosen tensor by tensor: its bytes need the file \(--gguf FILE\)\$" \
	$m --seq 1024 --weights-dtype Q4_K_M
expect_error "a format the model has no vocabulary for" "^kvplan: weights of custom as int4-awq:g128: the estimate needs the model's vocabulary size\$" \
	--layers 32 --heads 32 --kv-heads 32 --head-dim 128 --params 7000000000 --seq 1024 --weights-dtype int4-awq
expect_error "unknown format" "^kvplan: --format: unknown format 'xml' \(valid: table, json, csv\)" \
	$m --seq 1024 --format xml
expect_error "mem-util above 1" "^kvplan: --mem-util: '1.5' is outside \(0, 1\]" \
	$m --seq 1024 --mem-util 1.5
expect_error "mem-util zero" "^kvplan: --mem-util: '0' is outside" $m --seq 1024 --mem-util 0
expect_error "mem-util not a number" "^kvplan: --mem-util: '0.9x' is not a number" \
	$m --seq 1024 --mem-util 0.9x
expect_error "mem-util below the smallest double" \
	"^kvplan: --mem-util: '1e-400' is too small for a double" $m --seq 1024 --mem-util 1e-400
expect_error "negative reserve" "^kvplan: --reserve: '-1' is negative" $m --seq 1024 --reserve -1
# A reserve whose sum with the weights passes 64 bits does not fit, and
# the line says the weights and the reserve are what does not fit (the
# sum had wrapped into a cache shortfall).
run $m --seq 1024 --gpu h100 --reserve 18446744073709551615
check "a reserve past 64 bits with the weights: they do not fit" grep -q \
	"^h100-sxm: does not fit: the weights (13,476,831,232 B per GPU) and the reserve exceed the usable 77,309,411,328 B" \
	"$work/out"
# TensorRT-LLM takes its share of what the weights leave, so weights past
# 0.9 of the device fit: 47,144,806,400 B and the fp32 rotary table
# (32,768 x 128 x 4 = 16,777,216) on an L40S's 51,539,607,552 B leave
# floor(4,378,023,936 x 0.9) = 3,940,221,542 B, 24,049 tokens of 163,840
# B, 751 blocks of 32 = 24,032; the longest context fits.  Past the whole
# device, the line names the device's memory.
run --model mistral-small-24b --seq 24032 --engine trtllm --gpu l40s
check "TensorRT-LLM: weights past 0.9 of the device fit" grep -Eq \
	'^l40s +96 MiB +no +yes +608 +48 GiB +yes +24,032 +1$' "$work/out"
run --model llama3.1-70b --seq 4096 --engine trtllm --gpu l40s
check "TensorRT-LLM: weights past the device" grep -q \
	"^l40s: does not fit: the weights (141,174,521,856 B per GPU) and the reserve exceed the device's 51,539,607,552 B" \
	"$work/out"
# --sweep runs a plan's checks; with --help, --version or a list it had
# dropped them and swept in fp32.
expect_error "--sweep with --help" "^kvplan: --sweep sweeps a plan; it does not go with --help\$" \
	--help --sweep seq=1..4:x2 --model llama3-8b
expect_error "--sweep with --version" "^kvplan: --sweep sweeps a plan; it does not go with --version\$" \
	--version --model llama3-8b --sweep seq=1..4:x2 --dtype fp16
expect_error "--sweep with --list-models" \
	"^kvplan: --sweep sweeps a plan; it does not go with --list-models\$" \
	--list-models --sweep seq=1..5
expect_error "--solve min-gpus with --tp" \
	"^kvplan: --solve min-gpus finds the tensor-parallel degree itself; leave out --tp\$" \
	--model llama3-8b --seq 4096 --gpu h100 --solve min-gpus --tp 2
# --kv-budget leaves the weights unchecked, but --require-fit does not pass
# a budget that takes the parts past the memory: Qwen3.5 397B's 739 GiB of
# weights on a 24 GiB card.
run --model qwen3.5-397b-a17b --seq 4096 --gpu rtx4090 --kv-budget 1000000000 --require-fit
check "--require-fit under --kv-budget past the memory: exit 1" test "$status" -eq 1
expect_error "a step past 32 bits" "^kvplan: --max-num-batched-tokens: '4294967296' is too large" \
	$m --seq 1024 --gpu h100 --engine vllm --max-num-batched-tokens 4294967296
expect_error "layers beyond 32 bits" "^kvplan: --layers: '4294967296' is too large" \
	--layers 4294967296 --heads 32 --head-dim 128 --seq 1
expect_error "missing seq" "^kvplan: --seq is required" $m
expect_error "no model" "^kvplan: give --model NAME, --config FILE, --gguf FILE, or --layers" --seq 1024
expect_error "missing option value" "^kvplan: option '--seq' needs a value" $m --seq
expect_error "unknown option" "^kvplan: unknown option '--sequence'" $m --sequence 1024
expect_error "stray argument" "^kvplan: unexpected argument 'extra'" $m --seq 1024 extra
expect_error "shape by numbers that does not divide" \
	"^kvplan: custom: hidden 4001 is not divisible by heads 32" \
	--layers 32 --heads 32 --hidden 4001 --seq 1024
expect_error "missing data directory" "data directory '$work/nowhere'" \
	--data-dir "$work/nowhere" $m --seq 1024

# A malformed user profile is reported as file:line:column.
mkdir -p "$work/data/models"
printf 'name: broken\nlayers: 32\nheads: x\n' >"$work/data/models/broken.yaml"
expect_error "malformed model file names file:line:column" \
	"^kvplan: $work/data/models/broken.yaml:3:8: " --data-dir "$work/data" --model broken --seq 1

# An option that takes no value, given one, is named; so is an ambiguous
# abbreviation (getopt_long takes a unique prefix).
expect_error "--flag=value on an option without a value names the option" \
	"^kvplan: option '--list-models' takes no value" --list-models=x
expect_error "--validate=1 names the option" \
	"^kvplan: option '--validate' takes no value" $m --seq 1 --validate=1
expect_error "an ambiguous abbreviation lists the options it could be" \
	"^kvplan: option '--lis' is ambiguous \(--list-models, --list-gpus\)" --lis
# Numbers are the whole text: no white space around them.
expect_error "leading space in a number" "^kvplan: --seq: ' 12' starts with white space" \
	$m --seq " 12"
expect_error "trailing space in a number" "^kvplan: --seq: '12 ' has trailing characters" \
	$m --seq "12 "
expect_error "hexadecimal mem-util is not a decimal" "^kvplan: --mem-util: '0x1p-1' is not a number" \
	$m --seq 1 --mem-util 0x1p-1
expect_error "mem-util with white space" "^kvplan: --mem-util: ' 0.5' is not a number" \
	$m --seq 1 --mem-util " 0.5"

# User text in a message is escaped: no second line, no terminal sequence.
esc=$(printf '\033')
expect_error "an escape sequence in --model is shown escaped" \
	"^kvplan: invalid model name '\\\\x1b\\]0;x\\\\x07'" --model "$(printf '\033]0;x\007')" --seq 1
check "no ESC byte reaches stderr" sh -c "! grep -q '$esc' '$work/err'"
expect_error "a line feed in --gpu stays on one line" \
	"^kvplan: invalid GPU name 'h100\\\\nkvplan: all good'" $m --seq 1 --gpu "$(printf 'h100\nkvplan: all good')"
expect_error "a line feed in an option name stays on one line" \
	"^kvplan: unknown option '--a\\\\nb'" "$(printf -- '--a\nb')"
expect_error "a control character in a number is escaped" \
	"^kvplan: --seq: '1\\\\x1b' has trailing characters" $m --seq "$(printf '1\033')"

# A block type must store each head's row in whole blocks, as llama.cpp
# does (it refuses such a cache at context creation).
expect_error "a head row that is not whole q8_0 blocks names the row and the block" \
	"^kvplan: custom: a K head row of 40 values \(head_dim\) is not a whole number of q8_0 blocks \(32 values each\)$" \
	--layers 2 --heads 4 --head-dim 40 --seq 8 --dtype q8_0
expect_error "head_dim 100 of a catalogue model in q8_0 is refused" \
	"^kvplan: llama2-7b: a K head row of 100 values \(head_dim\) is not a whole number of q8_0 blocks" \
	$m --seq 1024 --dtype q8_0 --layers 32 --head-dim 100
expect_error "validation stores no block type" \
	"^kvplan: validation stores the cache as fp32, fp16 or bf16, not q4_0$" \
	$m --seq 16 --dtype q4_0 --validate

# A write error on stdout (a full disk) is one line and exit 2.
if [ -w /dev/full ]; then
	status=0
	"$KVPLAN" --model llama2-7b --seq 1 >/dev/full 2>"$work/err" || status=$?
	check "a full disk on stdout is exit 2" test "$status" -eq 2
	check "... with one line naming standard output" \
		test "$(cat "$work/err")" = "kvplan: error writing standard output"
	# The warning the run would have shown (seq past the model's context)
	# is held back: the error is the one line.
	status=0
	"$KVPLAN" --model llama2-7b --seq 8192 >/dev/full 2>"$work/err" || status=$?
	check "a full disk after a warning: the error alone" \
		test "$status:$(cat "$work/err")" = "2:kvplan: error writing standard output"
fi

# Warnings come before a later error no more: an option of another engine
# (warned) and a tensor-parallel degree that does not divide (the error).
expect_error "a warning then an error: the error alone" \
	"^kvplan: llama3-8b: tensor parallel 3 does not divide its 32 query heads\$" \
	--model llama3-8b --seq 1024 --spec-tokens 4 --tp 3
run --model llama3-8b --seq 1024 --spec-tokens 4
check "a run that did its work shows its warning" test \
	"$status:$(cat "$work/err")" = \
	"0:kvplan: warning: --spec-tokens is for vllm, llama.cpp, sglang and trtllm; --engine exact ignores it"

# A listing reads its format and the catalogue's place only: an option of
# a plan with it is named in a warning after the list (the first such, by
# its long name: an engine's spelling by its own), exit 0.
run --list-models --seq 1024 --engine vllm --format csv
check "a plan's option with --list-models: warned" test \
	"$status:$(cat "$work/err")" = \
	"0:kvplan: warning: --seq has no effect on --list-models, which lists the whole catalogue"
check "... and the list is as without it" test \
	"$(cat "$work/out")" = "$("$KVPLAN" --list-models --format csv)"
run --list-gpus --gpu-memory-utilization 0.5
check "an engine's spelling with --list-gpus: named by its own name" test \
	"$status:$(cat "$work/err")" = \
	"0:kvplan: warning: --gpu-memory-utilization has no effect on --list-gpus, which lists the whole catalogue"
mkdir -p "$work/empty"
run --list-gpus --format json --data-dir "$work/empty"
check "--format and --data-dir with a listing: no warning" test \
	"$status:$(cat "$work/err")" = "0:"

done_testing
