# symbols.sh — the shared library exports kvp_* and nothing else: the
# internal kvp__* helpers, the readers' and the reference's, stay hidden.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

lib=$KVPLAN_BUILDDIR/lib/.libs/libkvplan.so
if ! command -v nm >/dev/null 2>&1 || [ ! -e "$lib" ]; then
	echo "1..0 # SKIP nm or the shared library is missing"
	exit 0
fi
nm -D --defined-only "$lib" | awk '$2 ~ /^[TDRB]$/ {print $3}' >"$work/syms"
check "the library exports functions" grep -q '^kvp_plan_compute$' "$work/syms"
check "the readers are exported" grep -q '^kvp_gguf_read$' "$work/syms"
check "only kvp_ names are exported" sh -c "! grep -v '^kvp_' '$work/syms'"
check "no internal kvp__ name is exported" sh -c "! grep '^kvp__' '$work/syms'"
done_testing
