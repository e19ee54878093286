# manpages.sh — every public function of libkvplan has a manual page: a
# page of man/ or a link of man/MLINKS to one, whose NAME lists it and whose
# SYNOPSIS gives it exactly as the public headers declare it; the pages name every
# type, constant and struct field of the headers; and an installed tree
# answers `man NAME` for every function.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

man=$KVPLAN_SRCDIR/man
# kvplan.h and its parts: every public header (Makefile.am's public_headers).
headers=$(ls "$KVPLAN_SRCDIR"/lib/kvplan*.h)

# A prototype in one spelling: single spaces, none inside parentheses or
# after a '*', ", " between arguments.
normalize='
function normalize(s) {
	gsub(/[ \t]+/, " ", s)
	gsub(/ *\( */, "(", s)
	gsub(/ *\) */, ")", s)
	gsub(/ *, */, ", ", s)
	gsub(/\* /, "*", s)
	sub(/^ /, "", s)
	sub(/ *;? *$/, "", s)
	return s
}'

# NAME<TAB>PROTOTYPE of every KVP_API declaration.
awk "$normalize"'
	/^KVP_API / { decl = ""; on = 1 }
	on { decl = decl " " $0 }
	on && /;/ {
		on = 0
		sub(/^ *KVP_API /, "", decl)
		decl = normalize(decl)
		name = decl
		sub(/\(.*/, "", name)
		sub(/.*[ *]/, "", name)
		print name "\t" decl
	}' $headers | sort >"$work/functions"

# PAGE<TAB>PROTOTYPE of every .Ft/.Fn or .Ft/.Fo.../.Fc of the SYNOPSIS of
# each section 3 page, and PAGE<TAB>NAME of each .Nm of its NAME.
for page in "$man"/*.3; do
	awk -v page="$(basename "$page")" "$normalize"'
	function prototype(name, args) {
		return normalize(type (type ~ /\*$/ ? "" : " ") name "(" args ")")
	}
	/^\.Sh / { section = $2; next }
	section == "NAME" && /^\.Nm / { print page "\tname\t" $2 }
	section != "SYNOPSIS" { next }
	/^\.Ft / { type = substr($0, 5); next }
	/^\.Fn / {
		rest = substr($0, 5)
		name = rest
		sub(/ .*/, "", name)
		rest = substr(rest, length(name) + 2)
		args = ""
		while (rest != "") {
			if (rest ~ /^"/) {
				rest = substr(rest, 2)
				arg = substr(rest, 1, index(rest, "\"") - 1)
				rest = substr(rest, length(arg) + 2)
			} else {
				arg = rest
				sub(/ .*/, "", arg)
				rest = substr(rest, length(arg) + 1)
			}
			sub(/^ +/, "", rest)
			args = args (args == "" ? "" : ", ") arg
		}
		print page "\tsynopsis\t" prototype(name, args)
		next
	}
	/^\.Fo / { name = $2; args = ""; next }
	/^\.Fa / {
		arg = substr($0, 5)
		gsub(/"/, "", arg)
		args = args (args == "" ? "" : ", ") arg
		next
	}
	/^\.Fc/ { print page "\tsynopsis\t" prototype(name, args) }
	' "$page"
done >"$work/pages"

# The page a function's name leads to: its own file, or its link's target.
page_of() {
	if [ -e "$man/$1.3" ]; then
		echo "$1.3"
	else
		awk -v link="$1.3" '!/^#/ && $2 == link { print $1 }' "$man/MLINKS"
	fi
}

while IFS='	' read -r name prototype; do
	page=$(page_of "$name")
	if [ -z "$page" ]; then
		not_ok "$name has a manual page" "no man/$name.3 and no link in man/MLINKS"
	elif ! grep -qxF "$page	name	$name" "$work/pages"; then
		not_ok "$name has a manual page" "$page's NAME does not list it"
	elif ! grep -qxF "$page	synopsis	$prototype" "$work/pages"; then
		not_ok "$name has a manual page" \
			"$page's SYNOPSIS does not give: $prototype" \
			"it gives: $(cut -f 3 "$work/pages" | grep -E "[ *]$name\(")"
	else
		ok "$name: $page, NAME and SYNOPSIS as the header declares it"
	fi
done <"$work/functions"

# none DESC LIST: passes when LIST is empty, else shows its lines.
none() {
	if [ -z "$2" ]; then
		ok "$1"
	else
		printf '%s\n' "$2" | sed 's/^/# /'
		not_ok "$1"
	fi
}

# Nothing in the pages that the headers do not declare, and no link that
# leads astray or is missing.
cut -f 2 "$work/functions" >"$work/declared"
stale=$(grep '	synopsis	' "$work/pages" | cut -f 3 | grep -vxF -f "$work/declared" || true)
none "every SYNOPSIS prototype is declared in the headers" "$stale"
bad=$(grep -v '^#' "$man/MLINKS" | while read -r page link; do
	grep -qxF "$page	name	${link%.3}" "$work/pages" || echo "$page $link"
	[ ! -e "$man/$link" ] || echo "$page $link (a page of its own too)"
done)
none "each link of man/MLINKS is a name of its page" "$bad"
missing=$(grep '	name	' "$work/pages" | while IFS='	' read -r page _ name; do
	[ "$name.3" = "$page" ] || [ "$name" = kvplan ] ||
		grep -qxF "$page $name.3" "$man/MLINKS" || echo "$page $name.3"
done)
none "each other name of a page is a link of man/MLINKS" "$missing"

# Every type, constant and struct field of the headers, as the pages mark
# them up (.Vt, .Dv, .Va), so that none goes undocumented.
awk '
	/^[ \t]*(\/\*|\*)/ { next }
	/^} kvp_[a-z_]+;/ { sub(/^} /, ""); sub(/;.*/, ""); print "Vt " $0 }
	/^typedef struct kvp_[a-z_]+ kvp_[a-z_]+;/ { sub(/;/, "", $4); print "Vt " $4 }
	/^typedef .*\(\*kvp_[a-z_]+\)/ { s = $0; sub(/.*\(\*/, "", s); sub(/\).*/, "", s); print "Vt " s }
	/^typedef struct kvp_[a-z_]+ \{/ { fields = 1; next }
	/^}/ { fields = 0 }
	fields && /^\t[a-z]/ {
		s = $0
		sub(/\/\*.*/, "", s)
		sub(/(\[[^]]*\])*; *$/, "", s)
		sub(/.*[ *]/, "", s)
		print "Va " s
	}
	{ s = $0; sub(/\/\*.*/, "", s) }
	s ~ /^(\t| *#define )KVP_[A-Z0-9_]+/ {
		sub(/^(\t| *#define )/, "", s)
		sub(/[^A-Z0-9_].*/, "", s)
		if (s != "KVP_API")
			print "Dv " s
	}' $headers | sort -u >"$work/names"
# What the pages mark up: each word after Vt, Dv or Va up to the next
# macro.
awk '{
	for (i = 1; i <= NF; i++) {
		word = $i
		sub(/^\./, "", word)
		if (word ~ /^(Vt|Dv|Va)$/) { macro = word; continue }
		if (word ~ /^[A-Z][a-z][a-z]?$/) { macro = ""; continue }
		if (macro != "" && word ~ /^[A-Za-z_][A-Za-z0-9_]*$/)
			print macro " " word
	}
	macro = ""
}' "$man"/*.3 | sort -u >"$work/marked"
for kind in Vt Dv Va; do
	none "the pages give every $kind of the headers" \
		"$(grep "^$kind " "$work/names" | grep -vxF -f "$work/marked" || true)"
done

# Installed: `man NAME` finds every function's page, through its link.
if ! command -v man >/dev/null 2>&1; then
	echo "# SKIP the installed pages: no man(1)"
	done_testing
	exit
fi
dest=$work/dest
if ! env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL $KVPLAN_MAKE -C "$KVPLAN_BUILDDIR" \
	DESTDIR="$dest" install-man install-man-links >"$work/install" 2>&1; then
	sed 's/^/# /' "$work/install" | tail -n 20
	not_ok "make install-man install-man-links"
	done_testing
	exit
fi
manpath=$dest$KVPLAN_MANDIR
# kvplan.3 is a plain page: a man(1) that cannot find it cannot be asked.
if ! MANPATH=$manpath man -w kvplan.3 >/dev/null 2>&1 &&
	! MANPATH=$manpath man -w 3 kvplan >/dev/null 2>&1; then
	echo "# SKIP the installed pages: man -w does not find kvplan(3) in $manpath"
	done_testing
	exit
fi
while IFS='	' read -r name _; do
	found=$(MANPATH=$manpath man -w "$name" 2>/dev/null || true)
	if [ -n "$found" ] && [ -f "$found" ] &&
		grep -qx "\.Nm $name\( ,\)\{0,1\}" "$found"; then
		ok "installed: man -w $name"
	else
		not_ok "installed: man -w $name" "found '$found'"
	fi
done <"$work/functions"
if [ -n "${MANDOC:-}" ]; then
	check "the installed pages and links are mandoc -Tlint clean" sh -c \
		"cd '$manpath' && '$MANDOC' -Tlint -W warning man3/* >'$work/lint' 2>&1 && ! test -s '$work/lint'"
fi
done_testing
