# catalog.sh — the catalogue as the command meets it: data directories that
# hold more than profiles, hostile names and text, unreadable directories.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# kvplan runs under a time limit here, so that a regression that blocks (on
# a FIFO) fails instead of hanging the suite.  Under valgrind, run()
# starts the program itself and this wrapper is not used.
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
check "... which is said, once" sh -c '[ "$(cat "$1")" = "kvplan: warning: $2/fifo/models/f.yaml: not a regular file; skipped" ]' \
	sh "$work/err" "$work"
check "the listing has the shipped models" grep -q '^llama2-7b ' "$work/out"
expect_error "a FIFO named as the model is passed over, not a hang" \
	"^kvplan: unknown model 'f' \(did you mean falcon-40b, falcon-7b, falcon-h1-34b\?\)$" \
	--data-dir "$work/fifo" --model f --seq 1

# User text reaches stderr escaped, on one line: a name given on the
# command line, a name or a description in a profile file.
esc=$(printf '\033')
no_escape() { ! grep -q "$esc" "$work/err"; }
expect_error "a terminal escape in --model is shown escaped" \
	"^kvplan: invalid model name '\\\\x1b\]0;x\\\\x07' \(1 to 63 " \
	--model "$(printf '\033]0;x\007')" --seq 1
check "no escape byte reaches stderr (--model)" no_escape
expect_error "a terminal escape in --gpu is shown escaped" \
	"^kvplan: invalid GPU name 'a\\\\x1b\[2J'" \
	--model llama2-7b --seq 1 --gpu "$(printf 'a\033[2J')"
check "no escape byte reaches stderr (--gpu)" no_escape
mkdir -p "$work/forge/models"
printf 'name: "m\\nkvplan: all good"\n' >"$work/forge/models/m.yaml"
expect_error "a line break in a profile's name cannot forge a line" \
	"^kvplan: $work/forge/models/m.yaml:1:7: field 'name': 'm\\\\nkvplan: all good' is not a valid name" \
	--data-dir "$work/forge" --model m --seq 1
printf 'name: d\ndescription: "\\e[31mred"\nlayers: 1\nheads: 1\nkv_heads: 1\nhead_dim: 1\n' \
	>"$work/forge/models/d.yaml"
expect_error "a terminal escape in a description is refused" \
	"^kvplan: $work/forge/models/d.yaml:2:14: field 'description': '\\\\x1b\[31mred' holds a control character" \
	--data-dir "$work/forge" --model d --seq 1
check "no escape byte reaches stderr (description)" no_escape
printf 'name: u\nlayers: 1\nheads: 1\nkv_heads: 1\nhead_dim: 1\nparams: 100\nmtp_params: 60\nvision_params: 50\n' \
	>"$work/forge/models/u.yaml"
expect_error "MTP and vision params past the model's" \
	"^kvplan: $work/forge/models/u.yaml:.*: u: mtp_params 60 and vision_params 50 are more than its 100 params\$" \
	--data-dir "$work/forge" --model u --seq 1
dir_nl="$work/new
kvplan: line"
expect_error "a data directory's name is shown escaped" \
	"^kvplan: data directory '$work/new\\\\nkvplan: line': No such file" \
	--data-dir "$dir_nl" --model llama2-7b --seq 1

# An unreadable models/ in a user data directory is skipped with one
# warning, printed after the output; the shipped models are still found,
# and an error prints only its own line.  chmod 000 does not stop root, so
# as root kvplan runs as nobody here (setpriv), where nobody can reach the
# build; where it cannot, these checks alone are skipped (TAP SKIP).  The
# library's side is also tested as root with a fake (test_catalog).
skip() {
	tap_n=$((tap_n + 1))
	echo "ok $tap_n - $1 # SKIP $2"
}
mkdir -p "$work/unreadable/models"
printf 'name: mine\nlayers: 1\nheads: 1\nkv_heads: 1\nhead_dim: 1\n' \
	>"$work/unreadable/models/mine.yaml"
chmod 000 "$work/unreadable/models"
as_user=$KVPLAN
if [ "$(id -u)" -eq 0 ]; then
	as_user=
	if [ -z "${KVPLAN_VALGRIND:-}" ] && command -v setpriv >/dev/null 2>&1; then
		chmod 711 "$work"
		chmod 755 "$work/unreadable"
		printf '#!/bin/sh\nexec setpriv --reuid=65534 --regid=65534 --clear-groups "%s" "$@"\n' \
			"$KVPLAN" >"$work/kvplan-nobody"
		chmod +x "$work/kvplan-nobody"
		"$work/kvplan-nobody" --version >/dev/null 2>&1 && as_user=$work/kvplan-nobody
	fi
fi
if [ -z "$as_user" ]; then
	for desc in "a shipped model is found beside an unreadable directory" \
		"one warning line, after the output, names the directory" \
		"an error prints only its line, not the warning"; do
		skip "$desc" "running as root, and nobody cannot run this build"
	done
else
	saved=$KVPLAN
	KVPLAN=$as_user
	run --data-dir "$work/unreadable" --model llama2-7b --seq 1 --format csv
	check "a shipped model is found beside an unreadable directory" \
		grep -q '^llama2-7b,' "$work/out"
	check "one warning line, after the output, names the directory" \
		test "$status:$(cat "$work/err")" = \
		"0:kvplan: warning: $work/unreadable/models: Permission denied; skipped"
	expect_error "an error prints only its line, not the warning" \
		"^kvplan: unknown model 'nosuch' \(known: [0-9]+ models\)$" \
		--data-dir "$work/unreadable" --model nosuch --seq 1
	KVPLAN=$saved
fi
chmod 755 "$work/unreadable/models"

done_testing
