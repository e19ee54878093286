# check.sh — libkvplan's ABI against its record: the layout of every public
# struct and enum (abi/dump_layout, written by layout.awk from the headers)
# against abi/layout-CPU.txt, and the names libkvplan.so exports
# (exports.sh) against abi/symbols.txt, each recorded for a libtool
# version.  A change that breaks programs built against the recorded
# version (a layout or value changed, a name removed) must come with
# current bumped and age 0; an added name with current and age bumped
# (configure.ac gives the rules).  Run by make check; with --update (make
# abi-update), records what the build has once the version allows it.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"
: "${KVPLAN_LT_VERSION:?run through make (KVPLAN_LT_VERSION is current:revision:age)}"
: "${KVPLAN_HOST_CPU:?run through make (KVPLAN_HOST_CPU names the layout record)}"

update=no
[ "${1:-}" != --update ] || update=yes
current=${KVPLAN_LT_VERSION%%:*}
revision=${KVPLAN_LT_VERSION#*:}
revision=${revision%%:*}
age=${KVPLAN_LT_VERSION##*:}
layout_record=$KVPLAN_SRCDIR/abi/layout-$KVPLAN_HOST_CPU.txt
symbols_record=$KVPLAN_SRCDIR/abi/symbols.txt
library=$KVPLAN_BUILDDIR/lib/.libs/libkvplan.so
: >"$work/out"
: >"$work/err"
refused=0

# entries FILE: a record's entries, without its comments and version.
entries() {
	grep -v -e '^#' -e '^libtool ' "$1" || true
}

# write_record FILE WHAT ENTRIES: FILE holds ENTRIES for this version.
write_record() {
	{
		echo "# $2, for the libtool version below."
		echo "# Written by 'make abi-update' (abi/check.sh); see configure.ac."
		echo "libtool current $current age $age"
		cat "$3"
	} >"$1"
	echo "# recorded $1 (current $current, age $age)"
}

# judge DESC RECORD WHAT FOUND BREAKS: compares FOUND (entries) with the
# entries of RECORD, whose WHAT they are.  BREAKS is yes when the change
# breaks programs built against the record (else names were only added).
# In a check, passes when they are the same for the recorded current;
# with --update, writes the record when the version allows it.
judge() {
	desc=$1 record=$2 what=$3 found=$4 breaks=$5
	if [ ! -f "$record" ] && [ "$update" = yes ]; then
		write_record "$record" "$what" "$found"
		ok "$desc"
		return
	elif [ ! -f "$record" ]; then
		not_ok "$desc" "there is no $record: run 'make abi-update'"
		return
	fi
	recorded=$(sed -n 's/^libtool current \([0-9]*\) age \([0-9]*\)$/\1 \2/p' "$record")
	was_current=${recorded% *}
	was_age=${recorded#* }
	entries "$record" >"$work/recorded"
	if [ -z "$recorded" ]; then
		not_ok "$desc" "$record has no 'libtool current N age N' line: run 'make abi-update'"
		return
	fi
	if cmp -s "$work/recorded" "$found"; then
		changed=no
	else
		changed=yes
		diff "$work/recorded" "$found" | grep '^[<>]' | sed 's/^</was:/; s/^>/now:/' |
			head -n 12 >"$work/diff"
	fi
	fix=
	if [ "$current" -lt "$was_current" ]; then
		fix="kvp_lt_current in configure.ac ($current) is below the recorded $was_current"
	elif [ "$changed" = yes ] && [ "$breaks" = yes ] &&
		{ [ "$current" -eq "$was_current" ] || [ "$age" -ne 0 ] || [ "$revision" -ne 0 ]; }; then
		fix="$what changed, which breaks programs built against current $was_current:"
		fix="$fix in configure.ac bump kvp_lt_current to $((was_current + 1)) and set"
		fix="$fix kvp_lt_revision and kvp_lt_age to 0, then run 'make abi-update'"
	elif [ "$changed" = yes ] && [ "$breaks" = no ] &&
		{ [ "$current" -eq "$was_current" ] || [ "$revision" -ne 0 ] ||
		  { [ "$age" -ne 0 ] && [ "$age" -le "$was_age" ]; }; }; then
		fix="$what: only additions (below), an added interface:"
		fix="$fix in configure.ac bump kvp_lt_current to $((was_current + 1)) and"
		fix="$fix kvp_lt_age to $((was_age + 1)), set kvp_lt_revision to 0, then run 'make abi-update'"
	fi
	if [ -n "$fix" ]; then
		[ "$update" = no ] || refused=1
		not_ok "$desc" "$fix"
		[ "$changed" = no ] || sed 's/^/# /' "$work/diff"
	elif [ "$update" = yes ]; then
		if [ "$changed" = yes ] || [ "$current" -ne "$was_current" ] || [ "$age" -ne "$was_age" ]; then
			write_record "$record" "$what" "$found"
		fi
		ok "$desc"
	elif [ "$changed" = yes ] || [ "$current" -ne "$was_current" ]; then
		not_ok "$desc" "$(basename "$record") records current $was_current, configure.ac has $current: run 'make abi-update'"
		[ "$changed" = no ] || sed 's/^/# /' "$work/diff"
	else
		ok "$desc"
	fi
}

# ---- the layout of the public structs and enums
status=0
"$KVPLAN_BUILDDIR/abi/dump_layout" >"$work/layout" 2>"$work/err" || status=$?
desc="the public structs' and enums' layout is abi/layout-$KVPLAN_HOST_CPU.txt's"
if [ "$status" -ne 0 ]; then
	not_ok "$desc" "abi/dump_layout failed (status $status)"
elif [ ! -f "$layout_record" ] && [ "$update" = no ]; then
	ok "$desc # SKIP no layout recorded for $KVPLAN_HOST_CPU: 'make abi-update' records one"
elif [ -f "$layout_record" ] &&
	[ "$(grep '^platform ' "$layout_record")" != "$(grep '^platform ' "$work/layout")" ]; then
	ok "$desc # SKIP this compiler's data model differs from the record's ($(grep '^platform ' "$work/layout"))"
else
	# Enum values only added (none moved) and structs the record does
	# not have at all (a new interface's) do not break; any other
	# difference does: a size, an offset or a value that moved, a member
	# added to a recorded struct.
	breaks=yes
	if [ -f "$layout_record" ]; then
		entries "$layout_record" | sort >"$work/recorded-sorted"
		sort "$work/layout" >"$work/layout-sorted"
		comm -13 "$work/recorded-sorted" "$work/layout-sorted" >"$work/added"
		if [ -z "$(comm -23 "$work/recorded-sorted" "$work/layout-sorted")" ] &&
			awk 'NR == FNR { if ($1 == "struct") known[$2] = 1; next }
			     $1 == "value" { next }
			     $1 == "struct" && !($2 in known) { next }
			     $1 == "member" { s = $2; sub(/\..*/, "", s); if (!(s in known)) next }
			     { bad = 1 }
			     END { exit bad }' "$work/recorded-sorted" "$work/added"; then
			breaks=no
		fi
	fi
	judge "$desc" "$layout_record" \
		"The layout of libkvplan's public structs and enums on $KVPLAN_HOST_CPU" \
		"$work/layout" "$breaks"
fi

# ---- the exported names
desc="libkvplan.so exports abi/symbols.txt's names"
if ! command -v nm >/dev/null 2>&1 || [ ! -e "$library" ]; then
	ok "$desc # SKIP nm or the shared library is missing"
elif ! sh "$KVPLAN_SRCDIR/abi/exports.sh" "$library" >"$work/symbols" 2>"$work/err"; then
	not_ok "$desc" "nm could not read $library"
else
	# Removing a name breaks; adding one does not.
	breaks=no
	if [ -f "$symbols_record" ]; then
		entries "$symbols_record" >"$work/recorded-symbols"
		[ -z "$(comm -23 "$work/recorded-symbols" "$work/symbols")" ] || breaks=yes
	fi
	judge "$desc" "$symbols_record" "The names libkvplan.so exports" "$work/symbols" "$breaks"
fi

if [ "$update" = yes ] && [ "$refused" -ne 0 ]; then
	echo "abi-update: nothing recorded where the version does not allow the change (above)" >&2
fi
done_testing
