# man.sh — the manual pages are clean under mandoc -Tlint and document
# every long option the command accepts.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

if [ -z "${MANDOC:-}" ]; then
	echo "1..0 # SKIP mandoc not installed"
	exit 0
fi
for page in "$KVPLAN_SRCDIR"/man/*.[0-9]; do
	check "$(basename "$page") is mandoc -Tlint clean" \
		sh -c "'$MANDOC' -Tlint -W warning '$page' >'$work/lint' 2>&1 && ! test -s '$work/lint'"
done
# Every option in --help appears as .Fl in kvplan.1.
run --help
for opt in $(grep -Eo -- '--[a-z][a-z0-9-]+' "$work/out" | sort -u); do
	check "kvplan.1 documents $opt" grep -Eq "Fl -${opt#--}( |\$)" "$KVPLAN_SRCDIR/man/kvplan.1"
done
done_testing
