# sweep.sh — --sweep writes one row per point and GPU, over lists of
# models, engines and cache types, as CSV or JSON lines, streamed; every
# figure is the one kvplan prints for that single request.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# field N: column N of CSV rows in $work/out, one a line (header skipped).
field() { tail -n +2 "$work/out" | cut -d, -f"$1" | tr '\n' ' '; }

# llama2-7b at fp16: 524,288 B a token, so 1024 tokens are 512 MiB;
# H100 holds 118 such sequences (the README's fit table).
run --model llama2-7b --gpu h100 --sweep seq=1024..4096:x2
check "seq doubling: exit 0" test "$status" -eq 0
check "seq doubling: a header and three rows" test "$(wc -l <"$work/out")" -eq 4
check "the header" test "$(head -n 1 "$work/out")" = \
	"model,engine,dtype_k,dtype_v,gpu,seq,batch,kv_bytes_per_gpu,cache_total_bytes,fits_l2,fits_hbm,max_batch_hbm,status"
check "seq 1024, 2048, 4096" test "$(field 6)" = "1024 2048 4096 "
check "their caches: 512 MiB, 1 GiB, 2 GiB" test "$(field 8)" = "536870912 1073741824 2147483648 "
check "the first row whole" test "$(sed -n 2p "$work/out")" = \
	"llama2-7b,exact,fp16,fp16,h100-sxm,1024,1,536870912,536870912,0,1,118,ok"

run --model llama2-7b --gpu h100 --seq 1024 --sweep batch=1..4
check "batch by one (the default step)" test "$(field 7)" = "1 2 3 4 "
check "the cache grows with the batch" test "$(field 8)" = \
	"536870912 1073741824 1610612736 2147483648 "

# Lists: 2 models x 2 engines x 2 types x 4 points x 2 GPUs = 64 rows.
run --model llama2-7b,mistral-7b --engine exact,vllm --dtype fp16,fp8 \
	--gpu a100,h100 --sweep seq=1..1000:x10
check "lists: every combination a row" test "$(tail -n +2 "$work/out" | wc -l)" -eq 64
check "lists: models in order" test "$(field 1 | tr ' ' '\n' | uniq | tr '\n' ' ')" = \
	"llama2-7b mistral-7b "
# Each row is what the single request reports.
for probe in "mistral-7b vllm fp8 h100-sxm 100" "llama2-7b exact fp16 a100-80g 1000" \
	"mistral-7b exact fp8 a100-80g 1"; do
	set -- $probe
	want=$(awk -F, -v m="$1" -v e="$2" -v t="$3" -v g="$4" -v s="$5" \
		'$1 == m && $2 == e && $3 == t && $5 == g && $6 == s { print $8, $12 }' "$work/out")
	run --model "$1" --engine "$2" --dtype "$3" --gpu "$4" --seq "$5" --format json
	got="$(json_value kv_bytes_per_gpu) $(json_value max_batch_hbm)"
	check "lists: $1 $2 $3 on $4 at $5 is the single plan's ($got)" test "$want" = "$got"
	run --model llama2-7b,mistral-7b --engine exact,vllm --dtype fp16,fp8 \
		--gpu a100,h100 --sweep seq=1..1000:x10
done

# Each GPU's rows come from a planner (kvp_planner_new(3)), which answers
# from the cost function under parallel layouts, drafts and policies: each
# row is still the single plan's.
for probe in "qwen3-next-80b-a3b sglang h100 100000 4 --pp 2 --tp 2" \
	"qwen3.5-35b-a3b sglang b200 40000 8 --pp 2 --mtp 1" \
	"llama3.1-70b vllm a100 40000 8 --tp 4 --dp 2" \
	"glm-4.5 trtllm h100 8192 16 --pp 4 --tp 2 --mtp 1 --weights-dtype fp8" \
	"llama3.1-8b vllm h100 70000 2 --policy snapkv:capacity=1024,window=32" \
	"llama2-7b sglang h100 1000 1 --block-size 64" "llama2-7b trtllm h100 1000 1 --block-size 7" \
	"llama2-7b sglang h100 1000 1 --block-size 8 --page-size 64"; do
	set -- $probe
	m=$1 e=$2 g=$3 s=$4 b=$5
	shift 5
	run --model "$m" --engine "$e" --gpu "$g" --seq "$s" --batch "$b" "$@" --format json
	want="$(json_value kv_bytes_per_gpu),$(json_value cache_total_bytes),$(json_value fits_hbm),$(json_value max_batch_hbm)"
	run --model "$m" --engine "$e" --gpu "$g" --sweep "seq=1..$s:x$s,batch=$b" "$@"
	got=$(tail -n 1 "$work/out" | awk -F, '{ print $8 "," $9 "," ($11 ? "true" : "false") "," $12 }')
	check "planner: $m $e $* at $s x $b is the single plan's ($want)" test "$got" = "$want"
done
# A point past 64 bits leaves the planner as it was: SGLang's next batch.
run --model llama2-7b --engine sglang --gpu h100 \
	--sweep seq=1024..1152921504606846976:x1024,batch=1..2
got=$(grep -m 1 '^llama2-7b,sglang,fp16,fp16,h100-sxm,1024,2,' "$work/out")
run --model llama2-7b --engine sglang --gpu h100 --seq 1024 --batch 2 --format json
check "planner: the row after an overflow is the single plan's" test \
	"$got" = "llama2-7b,sglang,fp16,fp16,h100-sxm,1024,2,$(json_value kv_bytes_per_gpu),$(json_value cache_total_bytes),0,1,$(json_value max_batch_hbm),ok"

# JSON lines: one object a line, the same figures.
run --model llama2-7b --gpu h100 --sweep seq=1024..2048:x2 --format json
check "json lines: two lines" test "$(wc -l <"$work/out")" -eq 2
check "json lines: the first" test "$(head -n 1 "$work/out")" = \
	'{"model":"llama2-7b","engine":"exact","dtype_k":"fp16","dtype_v":"fp16","gpu":"h100-sxm","seq":1024,"batch":1,"kv_bytes_per_gpu":536870912,"cache_total_bytes":536870912,"fits_l2":false,"fits_hbm":true,"max_batch_hbm":118,"status":"ok"}'

# A cache past 64 bits is a row that says so.
run --model llama2-7b --gpu h100 --seq 1048576 --sweep batch=1..1099511627776:x1048576
check "overflow: a row with status overflow" \
	sh -c "tail -n 1 '$work/out' | grep -qx 'llama2-7b,exact,fp16,fp16,h100-sxm,1048576,1099511627776,,,,,,overflow'"
check "overflow: exit 0" test "$status" -eq 0

# Streamed: the first rows arrive long before a hundred million would.
start=$(date +%s)
rows=$("$KVPLAN" --model llama2-7b --gpu h100 --sweep seq=1..100000000 2>/dev/null | head -n 3 | wc -l)
check "streamed: rows read from a pipe before the sweep ends" \
	test "$rows" -eq 3 -a $(($(date +%s) - start)) -lt 60

expect_error "a range that ends before it starts" "--sweep: seq: 5..1 ends before it starts" \
	--model llama2-7b --sweep seq=5..1
expect_error "an unknown key" "--sweep: 'tokens=1..2' is not seq=RANGE or batch=RANGE" \
	--model llama2-7b --sweep tokens=1..2
expect_error "a bad step" "--sweep: seq: a step is :xK" --model llama2-7b --sweep seq=1..9:/2
expect_error "a factor of 1" "--sweep: seq: a factor must be at least 2" \
	--model llama2-7b --sweep seq=1..9:x1
expect_error "a list without --sweep" "--model: a list needs --sweep" \
	--model llama2-7b,mistral-7b --seq 1
expect_error "a type list without --sweep" "--dtype: a list needs --sweep" \
	--model llama2-7b --seq 1 --dtype fp16,fp8
expect_error "a chart of a sweep" "--sweep: not with --chart" \
	--model llama2-7b --sweep seq=1..2 --chart x.png
expect_error "an unknown model in the list, before any row" "unknown model" \
	--model llama2-7b,no-such-model --sweep seq=1..2
expect_error "an unknown type in the list" "--dtype" \
	--model llama2-7b --sweep seq=1..2 --dtype fp16,bogus
expect_error "an engine that has not the type, before any row" "q8_0" \
	--model llama2-7b --sweep seq=1..2 --engine exact,vllm --dtype fp16,q8_0
# Every point a row or none: a first seq that --gen leaves no prompt in
# is refused (the points up to it were left out in silence).
expect_error "--gen past the sweep's first seq" \
	"^kvplan: --gen: 100 generated tokens leave no prompt in the sweep's seq 50$" \
	--model llama2-7b --gen 100 --gpu h100 --sweep seq=50..200:+50
expect_error "a step of 0: its one line" "^kvplan: --sweep seq: '0' is too small" \
	--model llama2-7b --sweep seq=1..10:+0
expect_error "a step with no number: its one line" "^kvplan: --sweep seq: empty value" \
	--model llama2-7b --sweep seq=1..10:x
expect_error "a table asked of a sweep" \
	"^kvplan: --sweep: its rows are CSV or JSON lines \(--format csv or json\), not a table$" \
	--model llama2-7b --sweep seq=1..10 --format table
expect_error "a key given twice" "^kvplan: --sweep: seq given twice$" \
	--model llama2-7b --sweep seq=1..10,seq=1..5
expect_error "an empty name in a list" "^kvplan: --model: an empty name in 'llama2-7b,,gpt2'$" \
	--model llama2-7b,,gpt2 --sweep seq=1..10
expect_error "a trailing comma in a list" "^kvplan: --dtype: an empty name in 'fp16,'$" \
	--model llama2-7b --dtype fp16, --sweep seq=1..10
done_testing
