# chart-draw.sh — with gnuplot, every chart kind is drawn as a valid PNG
# and SVG of 1200 x 750 pixels.  Skipped where gnuplot is not installed
# (configure does not require it).
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

gnuplot=${KVPLAN_GNUPLOT:-${GNUPLOT:-}}
if [ -z "$gnuplot" ] || ! command -v "$gnuplot" >/dev/null 2>&1; then
	echo "1..0 # SKIP gnuplot not installed"
	exit 0
fi
if ! "$gnuplot" -e 'set terminal pngcairo' >/dev/null 2>&1 ||
   ! "$gnuplot" -e 'set terminal svg' >/dev/null 2>&1; then
	echo "1..0 # SKIP gnuplot has no pngcairo or svg terminal"
	exit 0
fi
KVPLAN_GNUPLOT=$gnuplot
export KVPLAN_GNUPLOT
cd "$work"

# png_is FILE: a PNG signature, then an IHDR chunk of 1200 x 750.
png_is() {
	set -- $(od -An -v -tu1 -N24 "$1")
	[ "$1 $2 $3 $4 $5 $6 $7 $8" = "137 80 78 71 13 10 26 10" ] &&
		[ "${13}${14}${15}${16}" = 73726882 ] &&
		[ $(( (${17} << 24) | (${18} << 16) | (${19} << 8) | ${20} )) -eq 1200 ] &&
		[ $(( (${21} << 24) | (${22} << 16) | (${23} << 8) | ${24} )) -eq 750 ]
}

# svg_is FILE: an XML document whose svg element is 1200 x 750, whole
# (and well-formed, where xmllint is there to say).
svg_is() {
	head -n 1 "$1" | grep -q '^<?xml ' &&
		tr '\n' ' ' <"$1" | grep -Eq '<svg[^>]* width="1200" height="750"' &&
		grep -v '^$' "$1" | tail -n 1 | grep -qx '</svg>' &&
		{ ! command -v xmllint >/dev/null 2>&1 || xmllint --noout "$1"; }
}

for kind in size fit layers engines memory; do
	for suffix in png svg; do
		run --model gemma3-27b --seq 32768 --gpu h100 --chart "$kind.$suffix" \
			--chart-kind "$kind"
		check "$kind.$suffix: exit 0, nothing on stderr" \
			sh -c "[ $status -eq 0 ] && ! test -s '$work/err'"
		check "$kind.$suffix: a valid $suffix of 1200 x 750" "${suffix}_is" "$kind.$suffix"
	done
done
# A hybrid, a policy, an engine under tensor parallelism, MLA.
run --model qwen3-next-80b-a3b --seq 262144 --chart hybrid.png
check "a hybrid model's size chart" png_is hybrid.png
run --model llama3.1-8b --seq 8192 --policy pyramidkv:capacity=2048,window=32,beta=20 \
	--chart pyramid.png --chart-kind layers
check "PyramidKV's layers chart" png_is pyramid.png
run --model llama3.1-70b --seq 8192 --tp 8 --engine vllm --chart tp.png
check "vLLM under tp 8" png_is tp.png
run --model deepseek-v3 --seq 32768 --gpu h200 --chart mla.svg
check "an MLA model's size chart" svg_is mla.svg
# The image path is quoted for gnuplot: a quote and a space in it.
run --model llama2-7b --seq 1024 --chart "it's a chart.png"
check "a path with a quote and a space" png_is "it's a chart.png"
# A path that starts with '-' is not taken for one of gnuplot's options.
run --model llama2-7b --seq 1024 --chart -dash.png
check "a path that starts with -" png_is ./-dash.png
done_testing
