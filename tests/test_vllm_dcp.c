/*
 * test_vllm_dcp.c — vLLM's decode context parallelism (kvp_request dcp):
 * each GPU of a group of dcp among the tp keeps one block of every dcp x
 * block tokens (vllm/v1/kv_cache_interface.py FullAttentionSpec.
 * max_memory_usage_bytes; vllm/v1/core/kv_cache_utils.py
 * resolve_kv_cache_block_sizes), and vLLM's checks of it.  Every figure
 * is worked by hand in its comment, or is vLLM's own log (PR #24864).
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

static kvp_request vllm(uint32_t tp, uint32_t dcp, uint64_t seq)
{
	kvp_request r;

	kvp_request_init(&r);
	r.engine = KVP_ENGINE_VLLM;
	r.block_size = 16;
	r.tp = tp;
	r.dcp = dcp;
	r.seq = seq;
	return r;
}

/* The cache a GPU keeps.  tp 8 without dcp: every GPU 61 x 8,192 x 1,152
 * = 575,668,224 B, eight copies.  dcp 8: cdiv(8,192, 16 x 8) = 64 blocks
 * of 16, 61 x 1,024 x 1,152 = 71,958,528 B, and 575,668,224 B on the
 * eight; a token's bytes over the GPUs 61 x 1,152 x 8 / 8 = 70,272.  One
 * token more takes a block more on each: 65 x 16 = 1,040 cells.  dcp 2:
 * cdiv(8,192, 32) = 256 blocks, 4,096 cells.  A window policy of 1,000
 * tokens: cdiv(1,000, 128) = 8 blocks, 128 cells. */
static void test_cells(void **state)
{
	kvp_model m = testmodel_deepseek_v3();
	kvp_request r = vllm(8, 1, 8192);
	kvp_plan p;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.kv_bytes_per_gpu, 575668224);
	assert_int_equal(p.kv_bytes_per_token, 562176);
	r.dcp = 8;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.groups[0].cells, 1024);
	assert_int_equal(p.kv_bytes_per_gpu, 71958528);
	assert_int_equal(p.cache_total_bytes, 575668224);
	assert_int_equal(p.kv_bytes_per_token, 70272);
	r.seq = 8193;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.groups[0].cells, 1040);
	r.seq = 8192;
	r.dcp = 2;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.groups[0].cells, 4096);
	r.dcp = 8;
	r.policy.kind = KVP_POLICY_WINDOW;
	r.policy.window = 1000;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.groups[0].cells, 128);
}

/* What a GPU's budget holds.  10 GiB in pages of 61 x 16 x 1,152 =
 * 1,124,352 B: 9,549 blocks, 9,549 x 16 x 8 = 1,222,272 tokens over the
 * group, 64 blocks a request of 8,192, 149.203125 requests at once, 149
 * of them; vLLM 0.11 logs the tokens, and from 0.21 int(149.203125 x
 * 8,192) = 1,222,272 alike.  The longest context: 9,549 blocks of 128
 * tokens, 1,222,272. */
static void test_capacity(void **state)
{
	kvp_model m = testmodel_deepseek_v3();
	kvp_request r = vllm(8, 8, 8192);
	kvp_capacity c;
	kvp_plan p;
	kvp_error err;
	uint64_t seq, batch, budget = 10ull << 30;
	bool unbounded;

	(void)state;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_capacity(&p, budget, &c, &err), KVP_OK);
	assert_int_equal(c.blocks, 9549);
	assert_int_equal(c.tokens, 1222272);
	assert_int_equal(c.blocks_per_request, 64);
	assert_true(c.max_concurrency == 149.203125);
	assert_int_equal(c.log_tokens, 1222272);
	r.vllm_version = 11;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_capacity(&p, budget, &c, &err), KVP_OK);
	assert_int_equal(c.log_tokens, 1222272);
	assert_int_equal(kvp_plan_max_seq(&p, budget, 1, &seq, &unbounded, &err), KVP_OK);
	assert_false(unbounded);
	assert_int_equal(seq, 1222272);
	assert_int_equal(kvp_plan_max_batch(&p, budget, 8192, &batch, &err), KVP_OK);
	assert_int_equal(batch, 149);
}

/* vLLM's own log (PR #24864, "[DCP] Support Decode Context Parallel
 * (DCP) for GQA with FlashAttention", its test plan: Qwen3-235B-A22B-
 * Instruct-2507, --tensor-parallel-size 8 --decode-context-parallel-size
 * 2): "Multiplying the GPU KV cache size by the dcp_world_size 2.", "GPU
 * KV cache size: 1,723,584 tokens", "Maximum concurrency for 262,144
 * tokens per request: 6.57x".  Its 4 kv heads at tp 8 are 1 a GPU, a
 * page of 16 x 2 x 128 x 2 B = 8,192 a layer, 94 layers in its one
 * group: 770,048 B a block; 1,723,584 / (16 x 2) =
 * 53,862 blocks, which a budget of 53,862 pages holds and one byte less
 * does not; a request of 262,144 takes cdiv(262,144, 32) = 8,192 of
 * them: 6.574951171875 at once. */
static void test_published_log(void **state)
{
	const char *dirs[] = {KVP_TEST_DATADIR};
	kvp_catalog *cat = NULL;
	kvp_model m;
	kvp_request r = vllm(8, 2, 262144);
	kvp_capacity c;
	kvp_plan p;
	kvp_error err;
	char text[16];

	(void)state;
	assert_int_equal(kvp_catalog_open(&cat, dirs, 1, &err), KVP_OK);
	assert_int_equal(kvp_catalog_model(cat, "qwen3-235b-a22b", &m, &err), KVP_OK);
	r.vllm_version = 11;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_capacity(&p, 53862ull * 770048, &c, &err), KVP_OK);
	assert_int_equal(c.page_bytes, 8192);
	assert_int_equal(c.group_size, 94);
	assert_int_equal(c.blocks, 53862);
	assert_int_equal(c.log_tokens, 1723584);
	assert_int_equal(c.blocks_per_request, 8192);
	snprintf(text, sizeof text, "%.2f", c.max_concurrency);
	assert_string_equal(text, "6.57");
	assert_int_equal(kvp_plan_capacity(&p, 53862ull * 770048 - 1, &c, &err), KVP_OK);
	assert_int_equal(c.blocks, 53861);
	/* today's line, int(6.574951171875 x 262,144), says the same */
	r.vllm_version = 0;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_capacity(&p, 53862ull * 770048, &c, &err), KVP_OK);
	assert_int_equal(c.log_tokens, 1723584);
	kvp_catalog_free(&cat);
}

/* vLLM's checks (vllm/config/parallel.py, vllm/config/model.py
 * verify_with_parallel_config, kv_cache_interface.py,
 * kv_cache_utils.py), each refused with the reason. */
static void test_refusals(void **state)
{
	kvp_model gqa = testmodel_new(4, 4096, 64, 4, 1000, 1000000000ull);
	kvp_model odd = testmodel_new(4, 6144, 48, 16, 1000, 1000000000ull);
	kvp_model mla = testmodel_deepseek_v3();
	kvp_model draft = testmodel_new(2, 2048, 32, 8, 1000, 100000000ull);
	kvp_model sliding = gqa, hybrid = gqa;
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	(void)state;
	r = vllm(8, 3, 1000);
	assert_int_equal(kvp_plan_compute(&mla, &r, &p, &err), KVP_ERR_SHAPE);
	assert_non_null(strstr(err.message, "decode context parallel 3 does not divide tensor"
	                                    " parallel 8"));
	/* 4 kv heads: tp must pass them, and dcp at most tp // 4 */
	r = vllm(4, 2, 1000);
	assert_int_equal(kvp_plan_compute(&gqa, &r, &p, &err), KVP_ERR_SHAPE);
	assert_non_null(strstr(err.message, "tensor parallel 4 greater than its 4 kv heads"));
	r = vllm(8, 4, 1000);
	assert_int_equal(kvp_plan_compute(&gqa, &r, &p, &err), KVP_ERR_SHAPE);
	assert_non_null(strstr(err.message, "4 exceeds tp 8 // its 4 kv heads = 2"));
	r = vllm(8, 2, 1000);
	assert_int_equal(kvp_plan_compute(&gqa, &r, &p, &err), KVP_OK);
	/* 48 heads of 16 kv heads, 3 a kv head, which 2 does not divide */
	r = vllm(48, 2, 1000);
	assert_int_equal(kvp_plan_compute(&odd, &r, &p, &err), KVP_ERR_SHAPE);
	assert_non_null(strstr(err.message, "does not divide its 3 query heads per kv head"));
	/* an MLA latent is one kv head: dcp up to tp */
	r = vllm(8, 8, 1000);
	assert_int_equal(kvp_plan_compute(&mla, &r, &p, &err), KVP_OK);
	/* a draft is checked against its own heads: 8 kv heads at tp 8 */
	r.draft = &draft;
	assert_int_equal(kvp_plan_compute(&mla, &r, &p, &err), KVP_ERR_SHAPE);
	assert_non_null(strstr(err.message, "greater than its 8 kv heads"));
	/* a sliding layer, a recurrent one */
	sliding.pattern_len = 2;
	sliding.pattern[0] = KVP_LAYER_SLIDING;
	sliding.pattern[1] = KVP_LAYER_FULL;
	sliding.sliding_window = 512;
	assert_int_equal(kvp_model_finalize(&sliding, &err), KVP_OK);
	r = vllm(8, 2, 1000);
	assert_int_equal(kvp_plan_compute(&sliding, &r, &p, &err), KVP_ERR_INVALID);
	assert_non_null(strstr(err.message, "sliding-window layers (DCP not support sliding"
	                                    " window)"));
	hybrid.pattern_len = 2;
	hybrid.pattern[0] = KVP_LAYER_RECURRENT;
	hybrid.pattern[1] = KVP_LAYER_FULL;
	hybrid.state_bytes = 1 << 20;
	assert_int_equal(kvp_model_finalize(&hybrid, &err), KVP_OK);
	assert_int_equal(kvp_plan_compute(&hybrid, &r, &p, &err), KVP_ERR_INVALID);
	assert_non_null(strstr(err.message, "recurrent layers (hybrid KV cache groups"));
}

/* The engines without it ignore it: TensorRT-LLM's and the exact
 * model's caches are the same with or without (SGLang's own:
 * test_sglang_dcp.c). */
static void test_other_engines(void **state)
{
	static const kvp_engine engines[] = {KVP_ENGINE_TRTLLM, KVP_ENGINE_EXACT};
	kvp_model m = testmodel_deepseek_v3();
	kvp_plan a, b;
	kvp_error err;

	(void)state;
	for (size_t i = 0; i < sizeof engines / sizeof engines[0]; i++) {
		kvp_request r = vllm(8, 1, 8192);

		r.engine = engines[i];
		r.block_size = 0;
		assert_int_equal(kvp_plan_compute(&m, &r, &a, &err), KVP_OK);
		r.dcp = 8;
		assert_int_equal(kvp_plan_compute(&m, &r, &b, &err), KVP_OK);
		assert_int_equal(a.kv_bytes_per_gpu, b.kv_bytes_per_gpu);
		assert_int_equal(a.kv_bytes_per_token, b.kv_bytes_per_token);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cells),
		cmocka_unit_test(test_capacity),
		cmocka_unit_test(test_published_log),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_other_engines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
