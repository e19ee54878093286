# catalog.sh — the catalogue as the command meets it: data directories that
# hold more than profiles, hostile names and text, unreadable directories.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# kvplan runs under a time limit here, so that a regression that blocks (on
# a FIFO) fails instead of hanging the suite.  Not under valgrind, whose
# run finds libtool next to $KVPLAN.
if command -v timeout >/dev/null 2>&1 && [ -z "${KVPLAN_VALGRIND:-}" ]; then
	printf '#!/bin/sh\nexec timeout 60 "%s" "$@"\n' "$KVPLAN" >"$work/kvplan"
	chmod +x "$work/kvplan"
	KVPLAN=$work/kvplan
fi

# A FIFO named like a profile is skipped by scans and refused by name.
mkdir -p "$work/fifo/models"
mkfifo "$work/fifo/models/f.yaml"
expect_error "a misspelt name beside a FIFO is answered" \
	"^kvplan: unknown model 'llama2-7' \(did you mean llama2-7b\?\)$" \
	--data-dir "$work/fifo" --model llama2-7 --seq 1
run --data-dir "$work/fifo" --list-models
check "models are listed beside a FIFO" test "$status" -eq 0
check "the listing has the shipped models" grep -q '^llama2-7b ' "$work/out"
expect_error "a FIFO named as the model is an error, not a hang" \
	"^kvplan: $work/fifo/models/f.yaml: not a regular file$" \
	--data-dir "$work/fifo" --model f --seq 1

done_testing
