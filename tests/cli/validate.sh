# validate.sh — kvplan --validate allocates the real cache and runs the
# reference attention: the counted bytes equal the prediction worked by hand,
# a run too big for this host is refused, and --gpu host reads this machine.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# Contiguous: 2·32·1024·1·32·128·2 = 536,870,912 B, counted to the byte.
run --model llama2-7b --seq 1024 --validate --format json
check "contiguous validation exits 0" test "$status" -eq 0
is layout '"contiguous"'
is predicted_bytes 536870912
is measured_bytes 536870912 "counted == predicted == 536,870,912"
is passed true
# The reference run is 2 layers · 256 positions of the same rows:
# 2·2·256·1·32·128·2 = 8,388,608 B.
is ref_predicted_bytes 8388608
is ref_measured_bytes 8388608
check "no progress on stderr when it is not a terminal" test ! -s "$work/err"

# Paged, 16-token blocks: ceil(1000/16) = 63 blocks per sequence and layer,
# each 2·16·32·128·2 = 262,144 B: 63·32·262,144 = 528,482,304 B.
run --model llama2-7b --seq 1000 --validate --layout paged --block-size 16 --format json
check "paged validation exits 0" test "$status" -eq 0
is layout '"paged"'
is block_size 16
is predicted_bytes 528482304 "paged prediction: whole blocks"
is measured_bytes 528482304 "paged counted == predicted"
# GQA, batch 2, fp32, blocks of 64: llama3-8b rows are 8·128·4 = 4096 B;
# ceil(300/64) = 5 blocks · 2 sequences · 32 layers · 2·64·4096 = 167,772,160.
run --model llama3-8b --seq 300 --batch 2 --dtype fp32 --validate --layout paged \
	--block-size 64 --format json
is predicted_bytes 167772160 "GQA paged fp32 prediction"
is measured_bytes 167772160 "GQA paged fp32 counted"
is passed true "GQA paged fp32 passes"
run --model falcon-7b --seq 512 --dtype bf16 --validate --format csv
check "MQA bf16 validation passes (csv)" grep -q ',contiguous,4194304,4194304,.*,true$' "$work/out"

# The human table says what was measured.
run --model llama2-7b --seq 64 --validate
check "table shows the counted bytes" grep -Eq '^  counted by the allocator +32 MiB +33,554,432 B$' "$work/out"
check "table shows PASSED" grep -q '^  result: PASSED$' "$work/out"

# Progress on a terminal (script(1) gives the command a pty).
if command -v script >/dev/null 2>&1; then
	status=0
	script -qec "$KVPLAN --model llama2-7b --seq 256 --validate --format json >/dev/null" \
		/dev/null >"$work/tty" 2>&1 || status=$?
	check "progress is shown on a terminal" grep -q 'validating:' "$work/tty"
	check "validation on a terminal exits 0" test "$status" -eq 0
fi

expect_error "a validation beyond the host's memory is refused" \
	"^kvplan: validation of llama3.1-405b at seq 131072, batch 64 needs 3.9 TiB .* but the host has .* available$" \
	--model llama3.1-405b --seq 131072 --batch 64 --validate
expect_error "an unsupported cache type for validation" "fp32, fp16 and bf16|fp8" \
	--model llama2-7b --seq 16 --dtype fp8 --validate
expect_error "unknown layout" "^kvplan: --layout: unknown cache layout 'ring'" \
	--model llama2-7b --seq 16 --validate --layout ring
expect_error "zero block size" "^kvplan: --block-size: '0' is too small" \
	--model llama2-7b --seq 16 --validate --layout paged --block-size 0
run --model llama2-7b --seq 16 --layout paged --block-size 32
check "--layout and --block-size without --validate or an engine: warned" sh -c "test $status -eq 0 &&
	grep -qx \"kvplan: warning: --layout is the layout of --validate's run; without it nothing uses it\" '$work/err' &&
	grep -qx 'kvplan: warning: --block-size is for vllm, sglang, trtllm and --validate; --engine exact ignores it' '$work/err'"
expect_error "the repeated layout, which the reference does not hold" \
	"^kvplan: --validate: the reference cache holds each kv head once, not --kv-layout repeated$" \
	--model minimind2-small --seq 64 --validate --kv-layout repeated
# --no-window runs a model of sliding layers as full attention, whatever
# its pattern's length (Gemma 3's 5 sliding and 1 full, Llama 4's 3
# chunked and 1 full, against the reference's few layers).
for m in gemma3-1b llama4-scout; do
	run --model $m --seq 64 --validate --no-window
	check "--no-window validates $m" sh -c "test $status -eq 0 && grep -q '^  result: PASSED\$' '$work/out'"
done

# --gpu host: this machine's L2 (sysfs) and memory (/proc/meminfo).
l2=
for dir in /sys/devices/system/cpu/cpu0/cache/index*; do
	[ "$(cat "$dir/level" 2>/dev/null)" = 2 ] || continue
	case $(cat "$dir/type") in Data | Unified) ;; *) continue ;; esac
	size=$(cat "$dir/size")
	case $size in
	*K) l2=$((${size%K} * 1024)) ;;
	*M) l2=$((${size%M} * 1048576)) ;;
	*) l2=$size ;;
	esac
done
# Without a sysfs cache directory (some VMs), the C library's L2, which
# it reads from CPUID: valgrind answers CPUID with a CPU of its own, so
# under valgrind there is nothing outside the process to compare with.
if [ -z "$l2" ] && [ ! -d /sys/devices/system/cpu/cpu0/cache ] &&
   [ -z "${KVPLAN_VALGRIND:-}" ]; then
	l2=$(getconf LEVEL2_CACHE_SIZE 2>/dev/null || true)
	case $l2 in '' | 0 | *[!0-9]*) l2= ;; esac
fi
mem=$(($(sed -n 's/^MemTotal: *\([0-9]*\) kB$/\1/p' /proc/meminfo) * 1024))
if [ -n "$l2" ]; then
	run --model llama2-7b --seq 16 --gpu host --format json
	is name '"host"'
	is l2_bytes "$l2" "host L2 (sysfs, or the C library where sysfs has none): $l2 B"
	is hbm_bytes "$mem" "host memory from /proc/meminfo: $mem B"
fi
done_testing
