/*
 * test_sglang_dcp.c — SGLang's decode context parallelism (--dcp-size,
 * kvp_request dcp): each GPU of a group of dcp among the tp keeps one
 * page of every dcp pages of a request, its pool of max_total_num_tokens
 * rows holding dcp times as many tokens (mem_cache/kv_cache_configurator.py:
 * PagedTokenToKVPoolAllocator(max_total_num_tokens x attn_dcp_size,
 * page_size x attn_dcp_size); the pool's cell, pool_configurator.py
 * DefaultPoolConfigurator, has no dcp in it for MLA), and the kv heads of
 * a GQA layer split over tp // dcp head groups (get_num_kv_heads(tp,
 * dcp)).  Every figure is worked by hand in its comment.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#include "testmodel.h"

static kvp_request sglang(uint32_t tp, uint32_t dcp, uint64_t seq)
{
	kvp_request r;

	kvp_request_init(&r);
	r.engine = KVP_ENGINE_SGLANG;
	r.block_size = 1;
	r.tp = tp;
	r.dcp = dcp;
	r.seq = seq;
	return r;
}

/* The cache a GPU keeps.  tp 8 without dcp: every GPU 61 x (8,192 + 1
 * padding row) x 1,152 = 575,738,496 B.  dcp 8: cdiv(8,192, 1 x 8) =
 * 1,024 rows + 1: 61 x 1,025 x 1,152 = 72,028,800 B; a token's bytes over
 * the GPUs 61 x 1,152 x 8 / 8 = 70,272, against 562,176 (eight copies).
 * Pages of 64: cdiv(8,192, 64 x 8) = 16 pages, 1,024 rows + 64 = 1,088,
 * 61 x 1,088 x 1,152 = 76,455,936 B; a token more takes a page more on
 * each GPU: 17 x 64 + 64 = 1,152. */
static void test_cells(void **state)
{
	kvp_model m = testmodel_deepseek_v3();
	kvp_request r = sglang(8, 1, 8192);
	kvp_plan p;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.groups[0].cells, 8193);
	assert_int_equal(p.kv_bytes_per_token, 562176);
	r.dcp = 8;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.groups[0].cells, 1025);
	assert_int_equal(p.kv_bytes_per_gpu, 72028800);
	assert_int_equal(p.kv_bytes_per_token, 70272);
	r.block_size = 64;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.groups[0].cells, 1088);
	assert_int_equal(p.kv_bytes_per_gpu, 76455936);
	r.seq = 8193;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.groups[0].cells, 1152);
}

/* GQA: 8 kv heads of 64 (K and V in fp16, 256 B a head a token) over 4
 * layers.  tp 8: 1 head a GPU, every token: 4 x 1,001 x 256 = 1,025,024 B
 * at 1,000 tokens, page 1.  dcp 2: the heads split over tp // dcp = 4
 * groups, 8 // 4 = 2 a GPU, and each GPU of a group keeps every other
 * token: 4 x (500 + 1) x 512 = 1,026,048 B, no less (the heads were not
 * copied); a token over the GPUs 4 x 512 x 8 / 2 = 8,192 = the model's
 * 4 x 8 x 256, as without.  4 kv heads at tp 8, dcp 2: 4 // 4 = 1 a GPU
 * in place of two copies of each, half the tokens: 4 x 501 x 256 =
 * 513,024 B, and a token 4 x 256 x 8 / 2 = 4,096 in all, the model's 4 x
 * 4 x 256, against 8,192 without. */
static void test_gqa(void **state)
{
	kvp_model eight = testmodel_new(4, 4096, 64, 8, 1000, 1000000000ull);
	kvp_model four = testmodel_new(4, 4096, 64, 4, 1000, 1000000000ull);
	kvp_request r = sglang(8, 1, 1000);
	kvp_plan p;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_plan_compute(&eight, &r, &p, &err), KVP_OK);
	assert_int_equal(p.kv_heads_per_gpu, 1);
	assert_int_equal(p.kv_bytes_per_gpu, 1025024);
	r.dcp = 2;
	assert_int_equal(kvp_plan_compute(&eight, &r, &p, &err), KVP_OK);
	assert_int_equal(p.kv_heads_per_gpu, 2);
	assert_int_equal(p.groups[0].cells, 501);
	assert_int_equal(p.kv_bytes_per_gpu, 1026048);
	assert_int_equal(p.kv_bytes_per_token, 8192);
	assert_int_equal(kvp_plan_compute(&four, &r, &p, &err), KVP_OK);
	assert_int_equal(p.kv_heads_per_gpu, 1);
	assert_int_equal(p.kv_bytes_per_gpu, 513024);
	assert_int_equal(p.kv_bytes_per_token, 4096);
	r.dcp = 1;
	assert_int_equal(kvp_plan_compute(&four, &r, &p, &err), KVP_OK);
	assert_int_equal(p.kv_bytes_per_token, 8192);
}

/* What a GPU's budget holds, 10 GiB, DeepSeek at tp 8, dcp 8, requests
 * of 8,192.  Page 1: max_total_num_tokens = 10,737,418,240 // 70,272 =
 * 152,797 rows a GPU, the allocator 8 x that = 1,222,376 tokens; a
 * request takes cdiv(8,192, 8) = 1,024 pages of 8: 152,797 / 1,024 =
 * 149.2158203125 at once; allocated (152,797 + 1) x 70,272 =
 * 10,737,421,056 B (the padding row past the budget).  The longest
 * context 1,222,376, the most requests 149.  Page 64: 152,768 rows, 2,387
 * pages of 512 tokens, 16 a request: 149.1875, 1,222,144 tokens.
 * SGLang's requests at once (resolve_max_num_reqs) from the rows, with
 * --context-length 163,840: int(152,797 / 163,840 x 512) = 477, so
 * 2,048 (not int(1,222,376 / 163,840 x 512) = 3,819). */
static void test_capacity(void **state)
{
	kvp_model m = testmodel_deepseek_v3();
	kvp_request r = sglang(8, 8, 8192);
	kvp_capacity c;
	kvp_sglang_reqs q;
	kvp_plan p;
	kvp_error err;
	uint64_t seq, batch, budget = 10ull << 30;
	bool unbounded;

	(void)state;
	r.context_length = 163840;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_capacity(&p, budget, &c, &err), KVP_OK);
	assert_int_equal(c.tokens, 1222376);
	assert_int_equal(c.log_tokens, 152797);
	assert_int_equal(c.blocks, 152797);
	assert_int_equal(c.blocks_per_request, 1024);
	assert_true(c.max_concurrency == 149.2158203125);
	assert_int_equal(c.allocated_bytes, 10737421056ULL);
	assert_int_equal(kvp_plan_max_seq(&p, budget, 1, &seq, &unbounded, &err), KVP_OK);
	assert_false(unbounded);
	assert_int_equal(seq, 1222376);
	assert_int_equal(kvp_plan_max_batch(&p, budget, 8192, &batch, &err), KVP_OK);
	assert_int_equal(batch, 149);
	assert_true(kvp_capacity_sglang_reqs(&p, &c, &q));
	assert_int_equal(q.max_num_reqs, 2048);
	r.block_size = 64;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_capacity(&p, budget, &c, &err), KVP_OK);
	assert_int_equal(c.tokens, 1222144);
	assert_int_equal(c.log_tokens, 152768);
	assert_int_equal(c.blocks, 2387);
	assert_int_equal(c.blocks_per_request, 16);
	assert_true(c.max_concurrency == 149.1875);
	assert_int_equal(kvp_plan_max_seq(&p, budget, 1, &seq, &unbounded, &err), KVP_OK);
	assert_int_equal(seq, 1222144);
	/* 8,193 tokens take 17 pages of 512: 2,387 / 17 = 140 */
	assert_int_equal(kvp_plan_max_batch(&p, budget, 8193, &batch, &err), KVP_OK);
	assert_int_equal(batch, 140);
}

/* The rows stay exact where the tokens pass 64 bits: one layer of one kv
 * head of 1 value in fp8, 2 B a token, all of 2^64 - 1 B: 2^63 - 1 rows,
 * whose 8 x saturates; the requests count from the rows, int(rows /
 * 4,096 x 512) past 4,096, so 4,096 (no more than rows / 2). */
static void test_saturation(void **state)
{
	kvp_model m = testmodel_new(1, 8, 8, 1, 1000, 1000ull);
	kvp_request r = sglang(8, 8, 100);
	kvp_capacity c;
	kvp_sglang_reqs q;
	kvp_plan p;
	kvp_error err;

	(void)state;
	r.dtype_k = r.dtype_v = KVP_DTYPE_FP8;
	r.context_length = 4096;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_capacity(&p, UINT64_MAX, &c, &err), KVP_OK);
	assert_true(c.log_tokens == 9223372036854775807ULL);
	assert_true(c.blocks == 9223372036854775807ULL);
	assert_true(c.tokens == UINT64_MAX);
	assert_true(kvp_capacity_sglang_reqs(&p, &c, &q));
	assert_int_equal(q.max_num_reqs, 4096);
}

/* What kvplan refuses: a dcp that does not divide tp (SGLang's
 * initialize_model_parallel), nor the attention's tp under data-parallel
 * attention (its docs' condition); and the pools it does not follow under
 * it: a sliding-window pool, the model's or a draft's, recurrent states. */
static void test_refusals(void **state)
{
	kvp_model mla = testmodel_deepseek_v3();
	kvp_model sliding = testmodel_new(4, 4096, 64, 8, 1000, 1000000000ull);
	kvp_model hybrid = sliding;
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	(void)state;
	r = sglang(8, 3, 1000);
	assert_int_equal(kvp_plan_compute(&mla, &r, &p, &err), KVP_ERR_SHAPE);
	assert_non_null(strstr(err.message, "SGLang's decode context parallel 3 does not divide"
	                                    " tensor parallel 8"));
	r = sglang(8, 8, 1000);
	r.dp = 2;
	r.attention_dp = true;
	assert_int_equal(kvp_plan_compute(&mla, &r, &p, &err), KVP_ERR_SHAPE);
	assert_non_null(strstr(err.message, "does not divide the attention's tp 4"));
	r.dp = 1;
	r.attention_dp = false;
	assert_int_equal(kvp_plan_compute(&mla, &r, &p, &err), KVP_OK);
	/* gpt-oss's model_type: SGLang's sliding-window pool */
	sliding.pattern_len = 2;
	sliding.pattern[0] = KVP_LAYER_SLIDING;
	sliding.pattern[1] = KVP_LAYER_FULL;
	sliding.sliding_window = 128;
	snprintf(sliding.model_type, sizeof sliding.model_type, "gpt_oss");
	assert_int_equal(kvp_model_finalize(&sliding, &err), KVP_OK);
	/* ... the model's, or a draft's */
	r.draft = &sliding;
	assert_int_equal(kvp_plan_compute(&mla, &r, &p, &err), KVP_ERR_INVALID);
	assert_non_null(strstr(err.message, "with a draft's sliding-window layers"));
	r = sglang(8, 2, 1000);
	assert_int_equal(kvp_plan_compute(&sliding, &r, &p, &err), KVP_ERR_INVALID);
	assert_non_null(strstr(err.message, "with a sliding-window pool"));
	/* without the pool every layer keeps every token: one pool */
	r.no_swa_pool = true;
	assert_int_equal(kvp_plan_compute(&sliding, &r, &p, &err), KVP_OK);
	hybrid.pattern_len = 2;
	hybrid.pattern[0] = KVP_LAYER_RECURRENT;
	hybrid.pattern[1] = KVP_LAYER_FULL;
	hybrid.state_bytes = 1 << 20;
	assert_int_equal(kvp_model_finalize(&hybrid, &err), KVP_OK);
	r = sglang(8, 2, 1000);
	assert_int_equal(kvp_plan_compute(&hybrid, &r, &p, &err), KVP_ERR_INVALID);
	assert_non_null(strstr(err.message, "with a pool of recurrent states"));
}

/* A draft under decode context parallelism: its pool is whole on every
 * GPU of the group, over the allocator's dcp x max_total_num_tokens
 * locations, in pages of page x dcp (kv_cache_configurator.py
 * loc_space_scale, _derive_pool_sizes: "Draft pools are replicated, not
 * DCP-sharded"), while the budget's cell has no dcp in it.
 *  - DeepSeek-V3 with its MTP layer (1,152 B a token, as the model's),
 *    tp 8, dcp 8, 8,192 tokens, page 1: the MTP layer keeps cdiv(8,192,
 *    8) x 8 = 8,192 rows + 8 padding = 8,200, 9,446,400 B; a GPU
 *    72,028,800 + 9,446,400 = 81,475,200 B; a token over the GPUs 61 x
 *    1,152 x 8 / 8 + 1,152 x 8 = 79,488 B.  Pages of 64: cdiv(8,192, 512)
 *    x 512 + 512 = 8,704 rows; 8,193 tokens 17 x 512 + 512 = 9,216.
 *  - Its pools in 10 GiB: cell int(70,272 x (1 + 1/61)) = 71,424,
 *    max_total_num_tokens 10,737,418,240 // 71,424 = 150,333, the
 *    allocator's 1,202,664; allocated (150,333 + 1) x 70,272 + (150,333 x
 *    8 + 8) x 1,152 = 10,564,270,848 + 1,385,478,144 = 11,949,748,992 B.
 *  - GQA: 4 layers of 8 kv heads of 64, a draft of 2 such layers, tp 8,
 *    dcp 2, 1,000 tokens: both 8 // (8 // 2) = 2 heads a GPU, 512 B a
 *    token and layer; the model's 501 rows, the draft's 1,000 + 2 =
 *    1,002: 4 x 501 x 512 = 1,026,048 B and 2 x 1,002 x 512 = 1,026,048 B;
 *    a token 4 x 512 x 8 / 2 + 2 x 512 x 8 = 16,384 B.  In 10^8 B: cell
 *    int(2,048 x 1.5) = 3,072, 32,552 rows, 65,104 tokens; allocated
 *    32,553 x 2,048 + 65,106 x 1,024 = 133,337,088 B. */
static void test_draft(void **state)
{
	kvp_model m = testmodel_deepseek_v3();
	kvp_model eight = testmodel_new(4, 4096, 64, 8, 1000, 1000000000ull);
	kvp_model draft = testmodel_new(2, 2048, 32, 8, 1000, 100000000ull);
	kvp_request r = sglang(8, 8, 8192);
	kvp_capacity c;
	kvp_plan p;
	kvp_error err;
	uint64_t seq;
	bool unbounded;

	(void)state;
	m.mtp_layers = 1;
	r.mtp_layers = 1;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.group_count, 2);
	assert_true(p.groups[1].draft);
	assert_int_equal(p.groups[0].cells, 1025);
	assert_int_equal(p.groups[1].cells, 8200);
	assert_int_equal(p.groups[1].bytes, 9446400);
	assert_int_equal(p.kv_bytes_per_gpu, 81475200);
	assert_int_equal(p.kv_bytes_per_token, 79488);
	assert_int_equal(kvp_plan_capacity(&p, 10ull << 30, &c, &err), KVP_OK);
	assert_int_equal(c.log_tokens, 150333);
	assert_int_equal(c.tokens, 1202664);
	assert_int_equal(c.allocated_bytes, 11949748992ULL);
	assert_int_equal(kvp_plan_max_seq(&p, 10ull << 30, 1, &seq, &unbounded, &err), KVP_OK);
	assert_int_equal(seq, 1202664);
	r.block_size = 64;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.groups[1].cells, 8704);
	r.seq = 8193;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.groups[1].cells, 9216);

	r = sglang(8, 2, 1000);
	r.draft = &draft;
	assert_int_equal(kvp_plan_compute(&eight, &r, &p, &err), KVP_OK);
	assert_int_equal(p.groups[1].kv_heads, 2);
	assert_int_equal(p.groups[0].cells, 501);
	assert_int_equal(p.groups[1].cells, 1002);
	assert_int_equal(p.groups[0].bytes, 1026048);
	assert_int_equal(p.groups[1].bytes, 1026048);
	assert_int_equal(p.kv_bytes_per_token, 16384);
	assert_int_equal(kvp_plan_capacity(&p, 100000000, &c, &err), KVP_OK);
	assert_int_equal(c.log_tokens, 32552);
	assert_int_equal(c.tokens, 65104);
	assert_int_equal(c.allocated_bytes, 133337088);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cells),
		cmocka_unit_test(test_gqa),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_saturation),
		cmocka_unit_test(test_draft),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
