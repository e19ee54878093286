# completion.sh — the bash completion (completion/kvplan) completes
# options, enumerated values, and model and GPU names from the catalogue.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

if ! command -v bash >/dev/null 2>&1; then
	echo "1..0 # SKIP bash not installed"
	exit 0
fi

# complete WORDS...: the completions bash gives for the last word.
complete_words() {
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
	         _kvplan; printf "%s\n" "${COMPREPLY[@]}"' _ \
		"$KVPLAN_SRCDIR/completion/kvplan" "$KVPLAN" "$@" | sort
}

# has DESC WANT WORDS...: WANT is among the completions of WORDS.
has() {
	desc=$1 want=$2
	shift 2
	if complete_words "$@" | grep -qx -- "$want"; then ok "$desc"; else
		not_ok "$desc" "'$want' not among: $(complete_words "$@" | tr '\n' ' ')"; fi
}

has "an option" --model --mo
has "the policy option" --policy --pol
has "a model from the catalogue" llama2-7b --model llama2
has "a model the catalogue added lately" qwen3-next-80b-a3b --model qwen3-n
has "a GPU" h100-sxm --gpu h100-s
has "the last GPU of a list" v100-32g,h100-sxm --gpu v100-32g,h100-s
has "an engine" llama.cpp --engine ll
has "a cache type" q8_0 --dtype q8
has "a policy" pyramidkv:capacity=2048,window=32,beta=20 --policy pyr
has "a layout" repeated --kv-layout re
has "a format" json --format j
has "a chart kind" layers --chart-kind la
has "the chart option" --chart-kind --chart-k
has "vLLM's release option" --vllm-version --vllm-v
has "a mamba cache mode" align --mamba-cache-mode al
has "SGLang's pool switch" --disable-hybrid-swa-memory --disable-h
count=$(complete_words --engine "" | wc -l)
check "every engine offered" test "$count" -eq 5
done_testing
