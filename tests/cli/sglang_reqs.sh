# sglang_reqs.sh — SGLang's context length (--context-length) and its
# request-to-token table (--max-running-requests): each figure worked by
# hand from _resolve_max_num_reqs and ReqToTokenPool (lib/sglang_reqs.c):
# requests max(min(int(tokens / context x 512), 4096), 2048), at most
# tokens / 2, or --max-running-requests / dp where fewer; the table
# (requests + 1) x (context + 4) x 4 B, out of what the share holds back.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# Llama 3 8B on an H100 at 8192 tokens: a pool of 421,383 tokens, context
# 8,192: int(26,336.4) -> 4,096 requests; 4,097 x 8,196 x 4 = 134,316,048.
run --model llama3-8b --seq 8192 --engine sglang --gpu h100 --format json
is req_table_bytes 134316048 "the table: 4,097 x 8,196 x 4 B"
is capacity_tokens 421383 "of a pool of 421,383 tokens"
run --model llama3-8b --seq 8192 --engine sglang --gpu h100
check "the table a column of the memory" grep -Eq \
	'^h100-sxm +14\.96 GiB +51\.44 GiB +128\.09 MiB +13\.47 GiB +0 B$' "$work/out"
check "its heading" grep -Eq '^GPU +weights +KV cache +req table +held back +left$' "$work/out"
run --model llama3-8b --seq 8192 --engine sglang --gpu h100 --explain
has_line "--explain: the context" \
	"    SGLang's context_len: 8,192 (the model's, as get_context_length derives it)"
has_line "--explain: the requests" \
	"    requests at once: max(min(int(421,383 tokens / 8,192 x 512), 4096), 2048), at most tokens / 2 = 210,691: 4,096"
check "--explain: the table" grep -Fq \
	"    request-to-token table: (4,096 + 1) x (8,192 + 4) x 4 B = 134,316,048 B, out of what the share holds back" \
	"$work/out"
run --model llama3-8b --seq 8192 --engine sglang --gpu h100 --format csv
csv_is h100-sxm mem_req_table_bytes 134316048 "CSV"
# Another engine allocates none.
run --model llama3-8b --seq 8192 --engine vllm --gpu h100 --format json
is req_table_bytes 0 "vLLM: no table"

# --context-length 4096, below the model's: 4,097 x 4,100 x 4 =
# 67,190,800; the rotary table is not grown past its 8,192 rows (4,096 +
# 256 -> 4,352), 8,192 x 128 x 4 = 4,194,304; a request of 8,192 tokens
# is past the context: SGLang rejects it.
run --model llama3-8b --seq 8192 --engine sglang --gpu h100 --context-length 4096 --format json
is req_table_bytes 67190800 "--context-length 4096: the table"
is rotary_bytes 4194304 "--context-length 4096: the rotary table not grown"
check "--seq past the context warns" grep -Fxq \
	"kvplan: warning: seq 8,192 is longer than SGLang's context_len 4,096: it rejects such a request (planned anyway)" \
	"$work/err"
# --context-length 20000, past the model's: the table 4,097 x 20,004 x 4
# = 327,825,552; the rotary table grown to 20,000 + 256 -> 20,352 rows,
# 20,352 x 128 x 4 = 10,420,224 (8,448 rows, 4,325,376, without).
run --model llama3-8b --seq 8192 --engine sglang --gpu h100 --context-length 20000 --format json
is req_table_bytes 327825552 "--context-length 20000: the table"
is rotary_bytes 10420224 "--context-length 20000: the rotary table grown to it"
check "past the model's it warns" grep -Fxq \
	"kvplan: warning: --context-length 20,000 passes llama3-8b's 8,192, which SGLang refuses unless SGLANG_ALLOW_OVERWRITE_LONGER_CONTEXT_LEN=1 (planned as given)" \
	"$work/err"
run --model llama3-8b --seq 8192 --engine sglang --gpu h100 --format json
is rotary_bytes 4325376 "without it: 8,448 rows"

# --max-running-requests 64: 65 x 8,196 x 4 = 2,130,960; over dp 2, 32 a
# worker: 33 x 8,196 x 4 = 1,081,872.
run --model llama3-8b --seq 8192 --engine sglang --gpu h100 --max-running-requests 64 --format json
is req_table_bytes 2130960 "--max-running-requests 64"
run --model llama3-8b --seq 8192 --engine sglang --gpu h100 --max-running-requests 64 --dp 2 --format json
is req_table_bytes 1081872 "--max-running-requests 64 over dp 2"
# A decode server's activations: max(8192, 2048) x 1.5 on an L4 (24,576
# MiB): 512 + 12,288 + 128 + 48 x 2 = 13,024 MiB, round(11,552 / 24,576,
# 3) = 0.470; without it max(48, 2048) x 1.5: 3,808, 0.845.
run --model llama3-8b --seq 1000 --engine sglang --gpu l4 --disaggregation-mode decode \
	--max-running-requests 8192 --format json
check "a decode server's activations take --max-running-requests" \
	grep -Eq '^ *"mem_util": 0\.47,?$' "$work/out"
run --model llama3-8b --seq 1000 --engine sglang --gpu l4 --disaggregation-mode decode --format json
check "... and the decode graphs' max_bs without" grep -Eq '^ *"mem_util": 0\.845,?$' "$work/out"
# With no pool SGLang stops before the table ("Not enough memory").
run --model llama3-8b --seq 1000 --engine sglang --gpu l4 --disaggregation-mode decode \
	--max-running-requests 8192 --explain
has_line "no pool, no table" \
	"    request-to-token table: none, as SGLang with no pool stops first (\"Not enough memory\")"

# Gemma 3 4B: from 0.5.10 (transformers 5) its context is its 131,072, so
# 2,049 x 131,076 x 4 = 1,074,298,896 on an H100 (448,266 tokens: int(1,751)
# -> 2,048 requests); 0.5.9 multiplied it by its linear factor 8, 1,048,576:
# 2,049 x 1,048,580 x 4 = 8,594,161,680, past all an L4's share holds back.
run --model gemma3-4b --seq 1000 --engine sglang --gpu h100 --format json
is req_table_bytes 1074298896 "Gemma 3 4B: context 131,072"
run --model gemma3-4b --seq 1000 --engine sglang --gpu l4 --sglang-version 0.5.9 --format json
is req_table_bytes 8594161680 "Gemma 3 4B under 0.5.9: context 1,048,576"
is held_back_bytes 0 "... none held back left"
check "... and a warning" grep -Fxq \
	"kvplan: warning: l4: SGLang's request-to-token table (8,594,161,680 B) passes what its share holds back: it would run out of memory allocating it; --context-length or --max-running-requests make it smaller" \
	"$work/err"
# A decode server (--disaggregation-mode decode, 0.5.20 on) of 16 requests
# keeps rows for 32 more it receives: (16 + 32 + 1) x 8,196 x 4 =
# 1,606,416.
run --model llama3-8b --seq 8192 --engine sglang --gpu h100 --disaggregation-mode decode \
	--max-running-requests 16 --format json
is req_table_bytes 1606416 "a decode server: 2 x 16 rows more"
run --model llama3-8b --seq 8192 --engine sglang --gpu h100 --disaggregation-mode decode \
	--max-running-requests 16 --explain
has_line "--explain: a decode server's rows" \
	"    a decode server's rows for the requests it receives: 2 x --max-running-requests 16 / dp 1 = 32 (disaggregation_decode_extra_slots)"

# A hybrid model's requests are capped by its recurrent states too
# (tests/cli/sglang_mamba.sh works them out): the table of those.
run --model qwen3-next-80b-a3b --seq 1000 --engine sglang --gpu h200 --tp 4 --format json
reqs=$(json_value capacity_max_requests)
is req_table_bytes $(((reqs + 1) * 262148 * 4)) "recurrent layers: the table of the requests the states admit"
check "... fewer than 2,048" test "$reqs" -lt 2048

# Bad values: one line, exit 2; another engine warns and ignores them.
for bad in 0 -1 abc 4294967296 ''; do
	expect_error "--context-length '$bad'" "^kvplan: --context-length: " \
		--model llama3-8b --seq 100 --engine sglang --context-length "$bad"
	expect_error "--max-running-requests '$bad'" "^kvplan: --max-running-requests: " \
		--model llama3-8b --seq 100 --engine sglang --max-running-requests "$bad"
done
run --model llama3-8b --seq 1000 --engine vllm --context-length 4096 --format json
check "--context-length under vLLM warns" grep -Fxq \
	"kvplan: warning: --context-length is a sglang setting; --engine vllm ignores it" \
	"$work/err"
run --model llama3-8b --seq 1000 --engine llama.cpp --max-running-requests 8 --format json
check "--max-running-requests under llama.cpp warns" grep -Fxq \
	"kvplan: warning: --max-running-requests is a sglang setting; --engine llama.cpp ignores it" \
	"$work/err"

# --max-total-tokens: SGLang's pool of tokens at most it, in whole pages
# (tests/test_sglang_total.c): 3,000 in pages of 64, 2,944 tokens; at
# most 2,944 / 2 = 1,472 requests at once; a setting of SGLang's alone.
run --model llama3.1-8b --seq 4096 --engine sglang --gpu h200 --max-total-tokens 3000 \
	--page-size 64
has_line "--max-total-tokens: SGLang's pool" \
	"    KV Cache is allocated. #tokens: 2944, K size: 0.18 GB, V size: 0.18 GB"
run --model llama3.1-8b --seq 4096 --engine vllm --max-total-tokens 3000
check "--max-total-tokens under vLLM warns" grep -Fxq \
	"kvplan: warning: --max-total-tokens is a sglang setting; --engine vllm ignores it" \
	"$work/err"
# When the bytes fit and the pool's tokens do not, the line says so (it
# said "does not fit by 0 B"): 5,000 in pages of 64 is 4,992 tokens; two
# requests of 4,000 take 63 pages, 4,032 tokens, each.
run --model llama3.1-8b --seq 4000 --batch 2 --engine sglang --gpu h100 --max-total-tokens 5000 \
	--page-size 64
check "the pool's tokens bind" grep -Fq \
	"h100-sxm: does not fit: SGLang's pool holds 4,992 tokens a GPU (--max-total-tokens), fewer than batch 2 x 4,032 tokens a request (whole pages); fits with seq <= 2,496 at batch 2, or batch <= 1" \
	"$work/out"
# ... and where the cap sets the pool, even with bytes short: more memory
# would not lift it (it said "does not fit by 147,614,720 B").
run --model llama3.1-8b --seq 8192 --batch 2 --engine sglang --gpu h200 --kv-budget 2000000000 \
	--max-total-tokens 10000
check "the cap binds, not the bytes" grep -Fq \
	"h200: does not fit: SGLang's pool holds 10,000 tokens a GPU (--max-total-tokens), fewer than batch 2 x 8,192 tokens a request (whole pages)" \
	"$work/out"
expect_error "--max-total-tokens 0 refused" \
	"^kvplan: --max-total-tokens: '0' is too small; it must be at least 1\$" \
	--model llama3.1-8b --seq 4096 --engine sglang --max-total-tokens 0

done_testing
