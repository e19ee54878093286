# install.sh — make install into a scratch DESTDIR gives a library that
# installs like one: kvplan; libkvplan.so with the soname libtool's
# current - age names and no path into the build tree; kvplan.h and every
# header it includes; a kvplan.pc that links a program both shared and
# static; every catalogue file; the man pages; the bash completion.  Then
# make uninstall leaves nothing behind.  Where things go is what the
# Makefile says (make print-install), so a configured layout is honoured.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

if [ -z "${KVPLAN_MAKE:-}" ]; then
	echo "1..0 # SKIP run through make check (KVPLAN_MAKE is make)"
	exit 0
fi
# The make that runs this test passes its jobserver in MAKEFLAGS, which a
# make started from a test cannot use.
sub_make() {
	MAKEFLAGS='' MFLAGS='' $KVPLAN_MAKE -s -C "$KVPLAN_BUILDDIR" "$@"
}
sub_make print-install >"$work/layout"
# setting NAME: the value make print-install gave for NAME.
setting() {
	sed -n "s/^$1=//p" "$work/layout"
}
dest=$work/dest
bindir=$dest$(setting bindir)
libdir=$dest$(setting libdir)
includedir=$dest$(setting includedir)
pkgconfigdir=$dest$(setting pkgconfigdir)
pkgdatadir=$dest$(setting pkgdatadir)
mandir=$dest$(setting mandir)
completiondir=$dest$(setting bashcompletiondir)
cc=${KVPLAN_CC:-cc}
cflags=${KVPLAN_CFLAGS:-}

status=0
sub_make install DESTDIR="$dest" >"$work/install.log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
	sed 's/^/# /' "$work/install.log" | tail -n 20
	not_ok "make install DESTDIR=..." "exit status $status"
	done_testing
	exit 1
fi
ok "make install DESTDIR=..."

# ---- the command
check "bin/kvplan is installed and executable" test -x "$bindir/kvplan"

# ---- the shared library: libkvplan.so -> libkvplan.so.MAJOR, whose soname
# it is, MAJOR being libtool's current - age.
version=$(setting lt_version)
current=${version%%:*}
age=${version##*:}
major=$((current - age))
check "lib/libkvplan.so.$major is installed" test -f "$libdir/libkvplan.so.$major"
check "lib/libkvplan.so links to it" test -L "$libdir/libkvplan.so"
dynamic() {
	if command -v readelf >/dev/null 2>&1; then
		readelf -d "$1"
	else
		objdump -p "$1"
	fi
}
if command -v readelf >/dev/null 2>&1 || command -v objdump >/dev/null 2>&1; then
	dynamic "$libdir/libkvplan.so" >"$work/dynamic"
	check "the soname is libkvplan.so.$major" \
		grep -Eq "SONAME.*[[ ]libkvplan\\.so\\.$major\\]?\$" "$work/dynamic"
	dynamic "$bindir/kvplan" >>"$work/dynamic"
	check "no run path into the build tree" \
		sh -c "! grep -E 'R(UN)?PATH' '$work/dynamic' | grep -F '$KVPLAN_BUILDDIR'"
else
	ok "the soname # SKIP readelf and objdump are missing"
fi

# ---- headers: kvplan.h, and every header it (or they) include with "".
for header in $(setting headers); do
	header=${header##*/}
	check "include/$header is installed" test -f "$includedir/$header"
	for included in $(sed -n 's/^#include "\(.*\)"$/\1/p' "$includedir/$header"); do
		check "include/$included, which $header includes, is installed" \
			test -f "$includedir/$included"
	done
done
# Each header first and alone: kvplan.h, or any of its parts, which
# include kvplan.h before their own declarations.
for header in $(setting headers); do
	header=${header##*/}
	printf '#include <%s>\nint main(void) { return kvp_version() == 0; }\n' "$header" \
		>"$work/header.c"
	# shellcheck disable=SC2086
	check "$header compiles from the installed headers alone" \
		$cc $cflags -fsyntax-only -I"$includedir" "$work/header.c"
done

# ---- pkg-config: the installed kvplan.pc, its paths under the DESTDIR.
pc() {
	PKG_CONFIG_PATH=$pkgconfigdir PKG_CONFIG_SYSROOT_DIR=$dest pkg-config "$@" kvplan
}
check "lib/pkgconfig/kvplan.pc is installed" test -f "$pkgconfigdir/kvplan.pc"
if command -v pkg-config >/dev/null 2>&1; then
	check "kvplan.pc has the package's version" \
		test "$(pc --modversion)" = "$(setting version)"
	pc --libs >"$work/libs"
	check "pkg-config --libs kvplan: -lkvplan" grep -Eq -- '(^| )-lkvplan( |$)' "$work/libs"
	pc --print-requires-private >"$work/requires"
	check "kvplan.pc: Requires.private yaml-0.1" grep -q '^yaml-0.1' "$work/requires"
	check "kvplan.pc: Requires.private jansson" grep -q '^jansson' "$work/requires"
	pc --static --libs >"$work/static-libs"
	for lib in -lkvplan -lyaml -ljansson -lm; do
		check "pkg-config --static --libs kvplan: $lib" \
			grep -Eq -- "(^| )$lib( |\$)" "$work/static-libs"
	done
	line='llama2-7b on h100-sxm: 524288 B/token, 536870912 B at seq 1024, max seq 121750, max batch 118'
	# shellcheck disable=SC2046,SC2086
	if $cc $cflags "$KVPLAN_SRCDIR/examples/capacity.c" $(pc --cflags --libs) \
		-o "$work/capacity-shared" 2>"$work/err"; then
		ok "examples/capacity.c links through pkg-config --cflags --libs"
		check "... and runs on the installed library and data" sh -c \
			"LD_LIBRARY_PATH='$libdir' KVPLAN_DATA_PATH='$pkgdatadir' '$work/capacity-shared' llama2-7b h100 1024 | grep -qx '$line'"
	else
		not_ok "examples/capacity.c links through pkg-config --cflags --libs"
	fi
	# Static: only libkvplan.a where -lkvplan is looked for first, so
	# what Libs.private and Requires.private add must be enough.
	if [ -f "$libdir/libkvplan.a" ]; then
		mkdir "$work/static"
		cp "$libdir/libkvplan.a" "$work/static/"
		# shellcheck disable=SC2046,SC2086
		if $cc $cflags "$KVPLAN_SRCDIR/examples/capacity.c" -L"$work/static" \
			$(pc --cflags --static --libs) -o "$work/capacity-static" 2>"$work/err"; then
			ok "examples/capacity.c links libkvplan.a through pkg-config --static"
			dynamic "$work/capacity-static" >"$work/dynamic"
			check "... with no libkvplan.so needed" sh -c "! grep -q 'NEEDED.*libkvplan' '$work/dynamic'"
			check "... and runs on the installed data" sh -c \
				"KVPLAN_DATA_PATH='$pkgdatadir' '$work/capacity-static' llama2-7b h100 1024 | grep -qx '$line'"
		else
			not_ok "examples/capacity.c links libkvplan.a through pkg-config --static"
		fi
	else
		ok "static linking # SKIP no libkvplan.a (configured with --disable-static)"
	fi
else
	ok "kvplan.pc # SKIP pkg-config is missing"
fi

# ---- the catalogue: every file of data/ listed in Makefile.am, and
# installed; the installed kvplan reads it.
for kind in models gpus; do
	listed=$(setting "$kind")
	missing=
	for file in "$KVPLAN_SRCDIR/data/$kind"/*.yaml; do
		case " $listed " in
		*" data/$kind/${file##*/} "*) ;;
		*) missing="$missing ${file##*/}" ;;
		esac
	done
	check "every data/$kind file is in Makefile.am${missing:+ (not:$missing)}" test -z "$missing"
	missing=
	for file in $listed; do
		[ -f "$pkgdatadir/$kind/${file##*/}" ] || missing="$missing ${file##*/}"
	done
	check "share/kvplan/$kind: $(echo "$listed" | wc -w) files installed${missing:+ (not:$missing)}" \
		test -z "$missing"
done
status=0
LD_LIBRARY_PATH=$libdir KVPLAN_DATA_PATH=$pkgdatadir "$bindir/kvplan" --model llama2-7b \
	--seq 1024 --gpu h100 --format csv >"$work/out" 2>"$work/err" || status=$?
check "the installed kvplan runs on the installed library and data" \
	grep -q '^llama2-7b,mha,32,32,32,128,1024,1,fp16,524288,16777216,536870912,h100-sxm,' "$work/out"

# ---- man pages: the three named, and every one the Makefile ships.
pages=$(for page in kvplan.1 kvplan.3 kvplan-data.5 $(setting man_pages); do
	echo "${page##*/}"
done | sort -u)
for page in $pages; do
	check "share/man/man${page##*.}/$page is installed" test -f "$mandir/man${page##*.}/$page"
done
# The other names of the section 3 pages, links installed by make install.
if [ -f "$KVPLAN_SRCDIR/man/MLINKS" ]; then
	missing=
	links=0
	while read -r page link; do
		case $page in '#'*|'') continue ;; esac
		links=$((links + 1))
		[ -L "$mandir/man3/$link" ] && [ -f "$mandir/man3/$link" ] ||
			missing="$missing $link"
	done <"$KVPLAN_SRCDIR/man/MLINKS"
	check "share/man/man3: the $links links of man/MLINKS${missing:+ (not:$missing)}" \
		test -z "$missing"
fi

# ---- bash completion
check "share/bash-completion/completions/kvplan is installed" test -f "$completiondir/kvplan"
if command -v bash >/dev/null 2>&1; then
	check "... parses in bash" bash -n "$completiondir/kvplan"
fi
check "... completes kvplan" grep -Eq '^complete .* kvplan$' "$completiondir/kvplan"

# ---- and make uninstall takes it all away again
sub_make uninstall DESTDIR="$dest" >"$work/uninstall.log" 2>&1 || true
find "$dest" ! -type d >"$work/left"
check "make uninstall leaves no file behind" test ! -s "$work/left"
done_testing
