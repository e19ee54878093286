# manlib.sh — the complete program of kvplan(3)'s EXAMPLES is a real one:
# taken out of the page, it compiles against the built library without a
# warning, runs, and prints what the page shows.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

: "${KVPLAN_LIBTOOL:?run through make check}"
man_files "$KVPLAN_SRCDIR/man/kvplan.3" "$work"
check "kvplan.3 has the program plan.c and its output plan.out" \
	test -s "$work/plan.c" -a -s "$work/plan.out"

# Built as an embedder builds it, through libtool against the uninstalled
# library (shared or static, whichever this build made).
# shellcheck disable=SC2086
if (cd "$work" && $KVPLAN_LIBTOOL --mode=link $KVPLAN_CC $KVPLAN_CFLAGS \
	-I"$KVPLAN_SRCDIR/lib" -o plan plan.c "$KVPLAN_BUILDDIR/lib/libkvplan.la") \
	>"$work/cc" 2>&1; then
	ok "plan.c compiles"
else
	sed 's/^/# /' "$work/cc"
	not_ok "plan.c compiles"
fi
check "plan.c compiles without a warning" sh -c "! grep -qi warning '$work/cc'"

# What the page shows after "$ ./plan"; the catalogue is the source tree's.
grep -v '^\$ ' "$work/plan.out" >"$work/expected"
status=0
if [ -n "${KVPLAN_VALGRIND:-}" ]; then
	KVPLAN_DATA_PATH=$KVPLAN_SRCDIR/data $KVPLAN_LIBTOOL --mode=execute \
		"$KVPLAN_VALGRIND" --quiet --error-exitcode=99 --leak-check=full \
		"$work/plan" >"$work/out" 2>"$work/err" || status=$?
else
	KVPLAN_DATA_PATH=$KVPLAN_SRCDIR/data "$work/plan" >"$work/out" 2>"$work/err" ||
		status=$?
fi
check "plan exits 0" test "$status" -eq 0
if cmp -s "$work/out" "$work/expected"; then
	ok "plan prints what kvplan.3 shows"
else
	diff -u "$work/expected" "$work/out" | sed 's/^/# /'
	not_ok "plan prints what kvplan.3 shows"
fi
check "plan writes nothing on stderr" test ! -s "$work/err"
done_testing
