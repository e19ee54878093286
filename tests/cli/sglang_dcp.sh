# sglang_dcp.sh — SGLang's decode context parallelism (--dcp, --dcp-size,
# --decode-context-parallel-size): each GPU of a group of dcp among the tp
# keeps one page of every dcp pages of a request, its pool of
# max_total_num_tokens rows holding dcp times as many tokens, in the
# table, JSON, the engine's log lines, --explain and the solvers; what
# kvplan refuses in one line.
. "$KVPLAN_SRCDIR/tests/cli/lib.sh"

# DeepSeek-V3 (61 MLA layers, 1,152 B a token each) at tp 8, page 1, 10
# GiB for the cache: max_total_num_tokens = 10,737,418,240 // 70,272 =
# 152,797 rows a GPU, the allocator's 8 x that = 1,222,376 tokens; at
# 8,192 tokens a GPU keeps cdiv(8,192, 8) = 1,024 rows and the padding
# row, 61 x 1,025 x 1,152 = 72,028,800 B; a request takes 1,024 pages of
# 8 tokens, 152,797 / 1,024 = 149.22 at once.  The pool line is SGLang's,
# of its rows: (152,797 + 1) x 70,272 B = 10.00 GB.
run --model deepseek-v3 --seq 8192 --engine sglang --tp 8 --dcp 8 --kv-budget 10737418240 --gpu h200 --weights-dtype fp8 \
	--format json
is dcp 8 "JSON: the dcp"
is kv_bytes_per_gpu 72028800 "dcp 8: 1,024 rows and a padding row a GPU"
is kv_bytes_per_token 70272 "a token over the GPUs: 61 x 1,152 x 8 / 8"
is capacity_tokens 1222376 "the allocator's tokens, 8 x the rows"
is capacity_log_tokens 152797 "max_total_num_tokens, the rows"
is max_concurrency 149.2158203 "152,797 / 1,024 at once"
has_line "SGLang's pool line, of its rows" "KV Cache is allocated. #tokens: 152797, KV size: 10.00 GB"
run --model deepseek-v3 --seq 8192 --engine sglang --tp 8 --kv-budget 10737418240 --gpu h200 --weights-dtype fp8 --format json
is dcp 1 "JSON: dcp 1 without"
is kv_bytes_per_gpu 575738496 "no dcp: every token on every GPU, 61 x 8,193 x 1,152"
is capacity_tokens 152797 "... and the pool's rows its tokens"
# Its own spellings.
for opt in --dcp-size --decode-context-parallel-size; do
	run --model deepseek-v3 --seq 8192 --engine sglang --tp 8 "$opt" 8 --kv-budget 10737418240 --gpu h200 --weights-dtype fp8 \
		--format json
	is capacity_tokens 1222376 "$opt 8"
	check "$opt: no warning" test ! -s "$work/err"
done
run --model deepseek-v3 --seq 8192 --engine sglang --tp 8 --dcp 8 --kv-budget 10737418240 --gpu h200 --weights-dtype fp8
check "the parallel line says how" grep -Fxq \
	"  decode context parallel 8: each GPU of a group of 8 keeps one token of every 8, its pool of max_total_num_tokens rows holding 8 times as many tokens" \
	"$work/out"
check "the table's cells" grep -Eq "^  mla latent +61 +1,025 +1,152 +72,028,800$" "$work/out"
run --model deepseek-v3 --seq 8192 --engine sglang --tp 8 --dcp 8 --page-size 64 \
	--kv-budget 10737418240 --gpu h200 --weights-dtype fp8
check "... in pages of 64" grep -Fxq \
	"  decode context parallel 8: each GPU of a group of 8 keeps one page of every 8 x 64 tokens, its pool of max_total_num_tokens rows holding 8 times as many tokens" \
	"$work/out"
run --model deepseek-v3 --seq 8192 --engine sglang --tp 8 --dcp 8 --kv-budget 10737418240 --gpu h200 --weights-dtype fp8 \
	--explain
check "--explain: the cells" grep -Fq \
	"cells sglang allocates for the whole batch, on each GPU of a decode context parallel group: cdiv(8,192, 1 x dcp 8) pages of 1 x batch 1 + 1 padding rows = 1,025" \
	"$work/out"
check "--explain: a token over the GPUs" grep -Fq \
	"per token, every layer holding every token: (61 x 1,152) x tp 8 / dcp 8 (each token on tp / dcp GPUs) = 70,272 B" \
	"$work/out"
check "--explain: the longest context in pages of 8" grep -Fq \
	"max seq (HBM): 1,222,376; batch 1 x pad(1,222,376, 8) = 1,222,376 tokens within SGLang's pool of 1,222,376, and 1,222,384 at one token more" \
	"$work/out"
check "--explain: SGLang's requests from the rows" grep -Fq \
	"requests at once: max(min(int(152,797 tokens / 163,840 x 512), 4096), 2048)" "$work/out"
# The solvers: 1,222,376 tokens for one request; 149 of 8,192.
run --model deepseek-v3 --seq 8192 --engine sglang --tp 8 --dcp 8 --kv-budget 10737418240 --gpu h200 --weights-dtype fp8 \
	--solve max-batch
check "max batch 149" grep -Eq "max-batch = 149( |$)" "$work/out"
# The fewest GPUs: any tp dcp divides, from dcp.
run --model deepseek-v3 --seq 131072 --engine sglang --dcp 8 --weights-dtype fp8 --gpu h200 \
	--solve min-gpus
check "min GPUs from tp 8" grep -Fq "h200: min-gpus = 8 (tp 8 x pp 1)" "$work/out"

# Under data-parallel attention the dcp groups are of the attention's tp:
# the fewest GPUs start at dcp x dp, and a token's bytes over the GPUs are
# of the attention's tp (61 x 1,152 x 4 / 2 = 140,544).
run --model deepseek-v3 --seq 8192 --batch 4 --weights-dtype fp8 --engine sglang \
	--enable-dp-attention --dp 2 --dcp 4 --gpu h200 --solve min-gpus
check "min GPUs under dp attention" grep -Fq "h200: min-gpus = 8 (tp 8, in dp 2 attention groups)" \
	"$work/out"
run --model deepseek-v3 --seq 8192 --engine sglang --tp 8 --dp 2 --enable-dp-attention --dcp 2 \
	--kv-budget 10737418240 --gpu h200 --weights-dtype fp8 --explain
check "--explain: the attention's tp" grep -Fq \
	"per token, every layer holding every token: (61 x 1,152) x attention tp 4 / dcp 2 (each token on tp / dcp GPUs) = 140,544 B" \
	"$work/out"
# A group of dcp shares a kv head's tokens: no copies where tp / dcp is
# one latent (dcp 8, even with the padding pages of 64), or one GQA head
# (Qwen3-235B's 4 at tp 8, dcp 2); four at dcp 2 for the latent.
run --model deepseek-v3 --seq 8192 --engine sglang --tp 8 --dcp 8 --page-size 64 \
	--kv-budget 10737418240 --gpu h200 --weights-dtype fp8 --format json
is kv_heads_per_gpu 16 "MLA: its query heads over tp, as without dcp"
run --model deepseek-v3 --seq 8192 --engine sglang --tp 8 --dcp 8 --page-size 64 \
	--kv-budget 10737418240 --gpu h200 --weights-dtype fp8
check "dcp 8: no copies of the latent" sh -c '! grep -q "replicated kv heads" "$1"' sh "$work/out"
run --model qwen3-235b-a22b --seq 8192 --engine sglang --tp 8 --dcp 2 --gpu h200 --weights-dtype fp8
check "GQA dcp 2: no copies of a head" sh -c '! grep -q "replicated kv heads" "$1"' sh "$work/out"
run --model deepseek-v3 --seq 8192 --engine sglang --tp 8 --dcp 2 --kv-budget 10737418240 \
	--gpu h200 --weights-dtype fp8
check "dcp 2: the latent on four GPUs of each token" grep -Fq "  replicated kv heads: 4.00x" "$work/out"

# A draft's pool is whole on each GPU of the group, over the allocator's
# 8 x max_total_num_tokens locations (kv_cache_configurator.py
# loc_space_scale); the budget's cell has no dcp in it.  DeepSeek-V3's MTP
# layer at 8,192: cdiv(8,192, 8) x 8 + 8 = 8,200 rows.  In 10 GiB: cell
# int(70,272 x 62 / 61) = 71,424, 150,333 rows; the MTP pool 1,202,664
# tokens, (1,202,664 + 8) x 1,152 B = 1.29 GiB; its pools (150,333 x
# (70,272 + 8 x 1,152) = 11,949,669,504 B) pass the budget by
# 1,212,251,264 B.
run --model deepseek-v3 --seq 8192 --engine sglang --tp 8 --dcp 8 --mtp 1 \
	--kv-budget 10737418240 --gpu h200 --weights-dtype fp8
check "the MTP layer's rows" grep -Eq "^  MTP mla latent +1 +8,200 +1,152 +9,446,400$" "$work/out"
check "the draft's pool is whole on each GPU" grep -Fq \
	"its pool of max_total_num_tokens rows holding 8 times as many tokens; the draft's pool is whole on each GPU, every token" \
	"$work/out"
check "the model's pool line" grep -Fxq "    KV Cache is allocated. #tokens: 150333, KV size: 9.84 GB" "$work/out"
check "the draft's pool line: 8 x the rows" grep -Fxq \
	"    KV Cache is allocated. #tokens: 1202664, KV size: 1.29 GB" "$work/out"
check "... which the budget did not count" grep -Fq \
	"its pools take 1,212,251,264 B past this budget: SGLang budgets the draft's pool at max_total_num_tokens rows" \
	"$work/out"
run --model deepseek-v3 --seq 8192 --engine sglang --tp 8 --dcp 8 --mtp 1 \
	--kv-budget 10737418240 --gpu h200 --weights-dtype fp8 --format json
is kv_bytes_per_token 79488 "a token: 61 x 1,152 x 8 / 8 + 1,152 x 8"
is capacity_log_tokens 150333 "max_total_num_tokens with the draft"
is capacity_allocated_bytes 11949748992 "allocated: the draft's pool 8 x the rows"
run --model deepseek-v3 --seq 8192 --engine sglang --tp 8 --dcp 8 --mtp 1 \
	--kv-budget 10737418240 --gpu h200 --weights-dtype fp8 --explain
check "--explain: the draft's cells" grep -Fq \
	"cdiv(8,192, 1 x dcp 8) pages of 1 x dcp 8 x batch 1 + 1 x dcp 8 padding rows = 8,200" \
	"$work/out"
check "--explain: the draft's share of a token" grep -Fq \
	"(61 x 1,152) x tp 8 / dcp 8 (each token on tp / dcp GPUs) + (1 x 1,152) x tp 8 (the draft's, whole on each GPU) = 79,488 B" \
	"$work/out"
# A draft model of GQA layers: Llama 3.2 1B's 8 kv heads of 64 at tp 8,
# dcp 2 are 8 // 4 = 2 a GPU (get_num_kv_heads(tp, dcp)), 512 B a token
# and layer, 1,000 + 2 rows at 1,000 tokens: 16 x 1,002 x 512 =
# 8,208,384 B.
run --model llama3-8b --seq 1000 --engine sglang --tp 8 --dcp 2 --draft-model llama3.2-1b
check "a draft model's rows" grep -Eq "^  draft full +16 +1,002 +512 +8,208,384$" "$work/out"

# Refused, one line each.
expect_error "dcp 3 does not divide tp 8" \
	"deepseek-v3: SGLang's decode context parallel 3 does not divide tensor parallel 8 \(tensor_model_parallel_size must be divisible by decode_context_parallel_size\)" \
	--model deepseek-v3 --seq 1000 --engine sglang --tp 8 --dcp 3
expect_error "a sliding-window pool is not followed" \
	"gpt-oss-20b: kvplan does not follow SGLang's decode context parallelism \(--dcp\) with a sliding-window pool" \
	--model gpt-oss-20b --seq 1000 --engine sglang --tp 2 --dcp 2
expect_error "nor a draft's sliding-window layers" \
	"kvplan does not follow SGLang's decode context parallelism \(--dcp\) with a draft's sliding-window layers" \
	--model deepseek-v3 --seq 1000 --engine sglang --tp 8 --dcp 2 --draft-model gpt-oss-20b
expect_error "--dcp 0" "--dcp: '0' is too small" \
	--model deepseek-v3 --seq 1000 --engine sglang --tp 8 --dcp 0

done_testing
