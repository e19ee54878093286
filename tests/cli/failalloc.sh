# failalloc.sh — every allocation of the kvplan process made to fail in
# turn, in libkvplan, libyaml and the C library alike (an LD_PRELOAD shim,
# tests/failalloc.c): each run either prints its whole document and exits
# 0, or prints nothing on stdout, one line on stderr and exits 2; and
# either way it leaks nothing: the shim counts the blocks still allocated
# at exit, which is stdout's buffer alone (1 when anything was written
# there, else 0; or 0 where the failure was that buffer's).
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# The sanitizers and valgrind replace malloc themselves.
if [ -n "${KVPLAN_SANITIZED:-}" ] || [ -n "${KVPLAN_VALGRIND:-}" ]; then
	echo "1..0 # SKIP allocation failures are injected only in plain builds"
	exit 0
fi
shim=$KVPLAN_BUILDDIR/tests/.libs/failalloc.so
bin=$kvplan_program
export LD_LIBRARY_PATH="$kvplan_libs"

# leaks_nothing OUT COUNT: the run that wrote OUT, its shim's report in
# COUNT, left at most stdout's buffer allocated at exit ($live is set).
# Read by the shell itself: a sweep runs thousands of these.
leaks_nothing() {
	live=
	[ -f "$2" ] && read -r _ live <"$2"
	most=0
	[ -s "$1" ] && most=1
	[ -n "$live" ] && [ "$live" -ge 0 ] && [ "$live" -le "$most" ]
}

# same_document A B: the two outputs are the same but for what the OS
# measured: --validate's resident growth moves by a page when an
# absorbed failure (stdio's buffer) changes the heap's layout.
same_document() {
	sed -e '/resident growth/d' -e 's/"resident_bytes": *[0-9]*/"resident_bytes":N/' "$1" \
		>"$1.cmp"
	sed -e '/resident growth/d' -e 's/"resident_bytes": *[0-9]*/"resident_bytes":N/' "$2" \
		>"$2.cmp"
	cmp -s "$1.cmp" "$2.cmp"
}

# each_failure DESC HEAD TAIL ARGS...: runs kvplan ARGS once to learn its
# output and how many allocations it makes, then once per allocation with
# that one failing: the first HEAD and the last TAIL of them ("all" for
# every one).  Each run starts a process, so the sweeps stay small: the
# allocations in between parse more profiles through the same code.
each_failure() {
	desc=$1 head=$2 tail=$3
	shift 3
	rm -f "$work/count" "$work"/count.*
	status=0
	KVPLAN_ALLOC_REPORT=$work/count LD_PRELOAD=$shim "$bin" "$@" \
		>"$work/expected" 2>"$work/expected-err" || status=$?
	expected_status=$status
	if [ ! -s "$work/count" ]; then
		not_ok "$desc" "the shim reported no allocation count"
		return
	fi
	read -r total _ <"$work/count"
	if ! leaks_nothing "$work/expected" "$work/count"; then
		not_ok "$desc" "with no failure, $live blocks are still allocated at exit"
		return
	fi
	[ "$head" = all ] && head=$total
	[ "$tail" = all ] && tail=$total
	tried=0
	n=1
	while [ "$n" -le "$total" ]; do
		if [ "$n" -gt "$head" ] && [ "$n" -le $((total - tail)) ]; then
			n=$((total - tail + 1))
			continue
		fi
		tried=$((tried + 1))
		status=0
		KVPLAN_ALLOC_REPORT=$work/count.$n KVPLAN_FAIL_ALLOC=$n LD_PRELOAD=$shim "$bin" "$@" \
			>"$work/out" 2>"$work/err" || status=$?
		if ! leaks_nothing "$work/out" "$work/count.$n"; then
			not_ok "$desc" "allocation $n of $total failing: $live blocks are never freed"
			return
		fi
		if [ "$status" -eq "$expected_status" ] && same_document "$work/out" "$work/expected" &&
		   cmp -s "$work/err" "$work/expected-err"; then
			: # the failure was absorbed (stdio goes unbuffered, for one)
		elif [ "$status" -ne 2 ]; then
			not_ok "$desc" "allocation $n of $total failing: exit status $status"
			return
		elif [ -s "$work/out" ]; then
			not_ok "$desc" "allocation $n of $total failing: stdout is not empty"
			return
		elif [ "$(wc -l <"$work/err")" -ne 1 ] || ! grep -q '^kvplan: ' "$work/err"; then
			not_ok "$desc" "allocation $n of $total failing: stderr is not one kvplan line"
			return
		fi
		n=$((n + 1))
	done
	ok "$desc: $tried of its $total allocations failing in turn, each a whole document or one line and exit 2, none leaking"
}

# A plan reads one model and one GPU profile by name: every allocation.
each_failure "plan as JSON" all 0 --model llama2-7b --seq 1024 --gpu h100-sxm --format json
# The same lookups; what differs is the output at the end.
each_failure "plan as a table" 0 60 --model gemma2-9b --seq 8192 --gpu h200
each_failure "plan as CSV" 0 60 --model falcon-7b --seq 2048 --format csv --gpu a10
# Scans: the directory listing and the first profiles, then the output.
each_failure "model list as JSON" 250 60 --list-models --format json
each_failure "GPU list as CSV" 250 60 --list-gpus --format csv
each_failure "unknown model (alias scan, suggestions)" 250 30 --model llama2-7 --seq 1
# The readers: config.json through jansson (its allocations fail too:
# every one, since jansson 2.14 itself crashed on one of them, see
# lib/json_load.c), a GGUF header and a safetensors header (the reader's
# allocations and the output's; the catalogue's between are swept above).
each_failure "a model from config.json" all 0 \
	--config "$KVPLAN_SRCDIR/tests/configs/gemma3-27b/config.json" --seq 4096 --gpu h100
# A 70,000-byte token: jansson doubles its token buffer past the 64 KiB
# its reserve holds besides twice the input (lib/json_load.c), at every
# failure.
{
	printf '{"model_type": "llama", "num_hidden_layers": 4, "hidden_size": 512,'
	printf ' "num_attention_heads": 8, "_name_or_path": "'
	head -c 70000 /dev/zero | tr '\0' x
	printf '"}'
} >"$work/long-token.json"
each_failure "config.json with a 70,000-byte token" all 0 --config "$work/long-token.json" \
	--seq 1024 --gpu h100
each_failure "a model from a GGUF header" 400 100 \
	--gguf "$KVPLAN_SRCDIR/tests/fuzz/corpus/gguf/llama-v3.gguf" --seq 1024 --gpu h100
each_failure "weights from a safetensors header" 400 100 --model llama2-7b \
	--safetensors "$KVPLAN_SRCDIR/tests/fuzz/corpus/safetensors/fp8.safetensors" \
	--seq 1024 --gpu h100 --format json
# A sweep allocates its plans before its first row; the planners it
# makes for each model, engine and type, after rows are out, are let go
# when an allocation fails, and those points planned whole: the same rows.
each_failure "a sweep over two models and engines" 0 80 --model llama2-7b,gemma3-27b \
	--engine exact,vllm --gpu a100,h100 --sweep seq=1..64:x4
# vLLM's step of tokens differs from the A100 to the H100: Gemma's plan
# for the H100 is made again, after the first GPU's.
each_failure "vLLM planned again for a GPU of another step, as JSON" 0 60 \
	--model gemma3-4b --engine vllm --gpu a100,h100 --seq 32768 --format json
# A chart's script and data are made in memory, then written whole.
each_failure "a size chart's script and data" 0 120 --model gemma3-27b --seq 32768 \
	--gpu h100 --chart "$work/size.gp"
each_failure "a layers chart's script and data" 0 60 --model qwen3-next-80b-a3b \
	--seq 4096 --chart "$work/layers.gp" --chart-kind layers
each_failure "a memory chart's script and data, weights in a format" 0 60 \
	--model llama3-8b --engine llama.cpp --seq 8192 --weights-dtype int4-awq:g128 \
	--gpu l4,h100 --chart "$work/memory.gp" --chart-kind memory
each_failure "a draft model from config.json, under llama.cpp" all 0 --model llama3.1-70b \
	--draft-config "$KVPLAN_SRCDIR/tests/configs/llama3.2-1b/config.json" --engine llama.cpp \
	-np 2 -c 8192 --gpu h100
each_failure "LoRA adapters under vLLM, as JSON" 0 60 --model llama3.1-8b --engine vllm \
	--enable-lora --max-loras 4 --lora-modules all-linear,lm_head --seq 8192 --gpu h100 \
	--format json
# Validation: the reference cache and its attention buffers, every
# allocation, on a model small enough that each run takes milliseconds.
tiny="--layers 2 --heads 4 --kv-heads 2 --head-dim 16 --gpu h100-sxm"
# shellcheck disable=SC2086
each_failure "--validate, contiguous cache" all 0 $tiny --seq 64 --validate
# shellcheck disable=SC2086
each_failure "--validate, paged cache, as JSON" all 0 $tiny --seq 64 --validate \
	--layout paged --format json
# shellcheck disable=SC2086
each_failure "--validate under H2O, generating" all 0 $tiny --seq 200 --gen 20 \
	--policy h2o:heavy=4,recent=32 --validate
# shellcheck disable=SC2086
each_failure "--validate under StreamingLLM, as CSV" all 0 $tiny --seq 200 \
	--policy streaming:sink=4,recent=32 --validate --format csv

done_testing
