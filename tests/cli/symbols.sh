# symbols.sh — the shared library exports kvp_* and nothing else: the
# internal kvp__* helpers, the readers' and the reference's, stay hidden.
# (abi/check.sh holds the names to the record in abi/symbols.txt.)
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

lib=$KVPLAN_BUILDDIR/lib/.libs/libkvplan.so
if ! command -v nm >/dev/null 2>&1 || [ ! -e "$lib" ]; then
	echo "1..0 # SKIP nm or the shared library is missing"
	exit 0
fi
sh "$KVPLAN_SRCDIR/abi/exports.sh" "$lib" >"$work/syms"
check "the library exports functions" grep -q '^kvp_plan_compute$' "$work/syms"
check "the readers are exported" grep -q '^kvp_gguf_read$' "$work/syms"
check "only kvp_ names are exported" sh -c "! grep -v '^kvp_' '$work/syms'"
check "no internal kvp__ name is exported" sh -c "! grep '^kvp__' '$work/syms'"
done_testing
