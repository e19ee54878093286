/*
 * test_vllm_check.c — vLLM's check that a request fits, as kvp_plan_fit
 * answers it: since 0.29 (PR #47272) the check and the longest context it
 * estimates hold back the null block its BlockPool keeps, one block of
 * the pool (kv_cache_utils.py _pool_bytes_per_block), while the pool and
 * its log lines keep every block.  Each figure worked by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#include "testmodel.h"

static kvp_request vllm_request(uint64_t seq, uint32_t version)
{
	kvp_request r;

	kvp_request_init(&r);
	r.engine = KVP_ENGINE_VLLM;
	r.seq = seq;
	r.mem_util = 0;
	r.vllm_version = version;
	return r;
}

static void plan_fit(const kvp_model *m, const kvp_request *r, const kvp_device *d,
                     kvp_plan *p, kvp_fit *f)
{
	kvp_error err;

	if (kvp_plan_compute(m, r, p, &err) != KVP_OK || kvp_plan_fit(p, d, f, &err) != KVP_OK)
		fail_msg("%s", err.message);
}

/* Llama 3 8B (32 layers, 8 kv heads of 128, fp16) on an H100 at vLLM's
 * 0.92: usable ceil(85,899,345,920 x 0.92) = 79,027,398,247 B, less the
 * weights 16,060,522,496: 62,966,875,751 B.  A block of 16 tokens in
 * every layer is 32 x 16 x 4,096 = 2,097,152 B: 30,024 blocks (the pool,
 * 480,384 tokens), and the check's 62,964,778,599 B hold 30,023:
 * 480,368 tokens, where 0.28 admits 480,384.  The log lines keep all
 * 30,024 blocks; the batch at 8,192 tokens, 512 blocks each, is 58 either
 * way (30,023 / 512 = 58.6). */
static void test_dense(void **state)
{
	kvp_model m = testmodel_new(32, 4096, 32, 8, 128256, 8030261248ull);
	kvp_device h100 = testmodel_device(80ull << 30);
	static const struct {
		uint32_t version;
		uint64_t held, seq;
	} cases[] = {{0, 2097152, 480368}, {29, 2097152, 480368}, {28, 0, 480384},
	             {20, 0, 480384}};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kvp_request r = vllm_request(8192, cases[i].version);
		kvp_plan p;
		kvp_fit f;

		plan_fit(&m, &r, &h100, &p, &f);
		assert_int_equal(f.budget_bytes, 62966875751ull);
		assert_int_equal(kvp_plan_held_bytes(&p, 0), cases[i].held);
		assert_int_equal(f.capacity.blocks, 30024);
		assert_int_equal(f.max_seq_hbm, cases[i].seq);
		assert_int_equal(f.max_batch_hbm, 58);
		/* fits_hbm: the longest context fits, one token more not */
		r.seq = cases[i].seq;
		plan_fit(&m, &r, &h100, &p, &f);
		assert_true(f.fits_hbm);
		assert_int_equal(f.capacity.blocks, 30024);
		r.seq++;
		plan_fit(&m, &r, &h100, &p, &f);
		assert_false(f.fits_hbm);
	}
	/* Another engine holds nothing back; nor does a stage past the
	 * plan's, or no plan. */
	{
		kvp_request r = vllm_request(8192, 0);
		kvp_plan p;
		kvp_fit f;

		plan_fit(&m, &r, &h100, &p, &f);
		assert_int_equal(kvp_plan_held_bytes(&p, 1), 0);
		assert_int_equal(kvp_plan_held_bytes(NULL, 0), 0);
		r.engine = KVP_ENGINE_TRTLLM;
		plan_fit(&m, &r, &h100, &p, &f);
		assert_int_equal(kvp_plan_held_bytes(&p, 0), 0);
		r.engine = KVP_ENGINE_EXACT;
		plan_fit(&m, &r, &h100, &p, &f);
		assert_int_equal(kvp_plan_held_bytes(&p, 0), 0);
	}
}

/* One attention type in several shapes (kv heads 8, 8, 4, 4: pages of
 * 16 x 4,096 and 16 x 2,048 B) is one group whose page is the sum of its
 * layers', 2 x 65,536 + 2 x 32,768 = 196,608 B (UniformTypeKVCacheSpecs):
 * the null block.  A budget of 10 blocks and 5 B holds 10 blocks; the
 * check's 9: 144 tokens (160 in 0.28), and at 100 tokens (7 blocks) one
 * request (10 / 7 = 1.43).  The batch that tells them apart is below. */
static void test_one_type(void **state)
{
	kvp_model m = testmodel_new(4, 1024, 8, 8, 1000, 1000000);
	kvp_device d = testmodel_device(80ull << 30);
	kvp_error err;

	(void)state;
	m.layer_kv_heads_len = 4;
	m.layer_kv_heads[0] = m.layer_kv_heads[1] = 8;
	m.layer_kv_heads[2] = m.layer_kv_heads[3] = 4;
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_OK);
	for (uint32_t v = 28; v <= 29; v++) {
		kvp_request r = vllm_request(100, v);
		kvp_plan p;
		kvp_fit f;

		r.kv_budget = 10 * 196608 + 5;
		plan_fit(&m, &r, &d, &p, &f);
		assert_int_equal(f.capacity.page_bytes * f.capacity.group_size, 196608);
		assert_int_equal(kvp_plan_held_bytes(&p, 0), v == 29 ? 196608 : 0);
		assert_int_equal(f.capacity.blocks, 10);
		assert_int_equal(f.max_seq_hbm, v == 29 ? 144 : 160);
		assert_int_equal(f.max_batch_hbm, 1);
	}
	/* 14 blocks exactly hold two requests of 100 tokens (7 blocks
	 * each) for 0.28, one for 0.29's check (13): the batch of 2 fits
	 * only in 0.28, in the fit, the planner's point and the advice
	 * alike. */
	for (uint32_t v = 28; v <= 29; v++) {
		kvp_request r = vllm_request(100, v);
		kvp_planner *pl = NULL;
		kvp_point point;
		kvp_point_fit pf;
		kvp_advice a;
		kvp_plan p;
		kvp_fit f;

		r.kv_budget = 14 * 196608;
		r.batch = 2;
		plan_fit(&m, &r, &d, &p, &f);
		assert_int_equal(f.capacity.blocks, 14);
		assert_int_equal(f.max_batch_hbm, v == 29 ? 1 : 2);
		assert_true(f.fits_hbm == (v == 28));
		assert_int_equal(kvp_planner_new(&m, &r, &d, 1, &pl, &err), KVP_OK);
		assert_int_equal(kvp_planner_point(pl, 100, 2, &point, &pf, &err), KVP_OK);
		assert_int_equal(pf.max_batch_hbm, v == 29 ? 1 : 2);
		assert_true(pf.fits_hbm == (v == 28));
		kvp_planner_free(&pl);
		assert_int_equal(kvp_advise(&m, &r, &d, &a, &err), KVP_OK);
		assert_int_equal(a.max_batch, v == 29 ? 1 : 2);
		assert_true(a.fits == (v == 28));
		/* 0.29 is short by the block it holds back: 14 x 196,608 less
		 * 196,608 against the two requests' 14 blocks */
		if (v == 29)
			assert_int_equal(a.short_bytes, 196608);
	}
}

/* A hybrid of sliding and full layers (12 layers, sliding*5,full, a
 * window of 512, 4 kv heads of 128: 2,048 B a token and layer, pages of
 * 32,768 B): 10 sliding and 2 full layers make groups of 2 (the smaller
 * bucket; 10 is not under 1.5 x 2), so a block of the pool is 2 x 32,768
 * = 65,536 B, the null block.  At 4,048 tokens a request takes 253 blocks
 * in each full layer and 254 in each sliding one (its reach, 511 + two
 * steps of 2,048 tokens in flight, is longer; one block more):
 * 2 x 253 x 32,768 + 10 x 254 x 32,768 = 99,811,328 B.  On that budget
 * 0.28's check admits 4,048 tokens; 0.29's, 65,536 B less, not the 16
 * tokens of 393,216 B before them: 4,032. */
static void test_hybrid(void **state)
{
	kvp_model m = testmodel_new(12, 1024, 8, 4, 1000, 1000000);
	kvp_device d = testmodel_device(80ull << 30);
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_layer_pattern_parse("sliding*5,full", &m, &err), KVP_OK);
	m.sliding_window = 512;
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_OK);
	for (uint32_t v = 28; v <= 29; v++) {
		kvp_request r = vllm_request(4048, v);
		kvp_plan p;
		kvp_fit f;
		uint64_t bytes;

		r.kv_budget = 99811328;
		plan_fit(&m, &r, &d, &p, &f);
		assert_int_equal(kvp_plan_bytes_at(&p, 4048, 1, &bytes, &err), KVP_OK);
		assert_int_equal(bytes, 99811328);
		assert_int_equal(f.capacity.group_size, 2);
		assert_int_equal(f.capacity.page_bytes, 32768);
		assert_int_equal(kvp_plan_held_bytes(&p, 0), v == 29 ? 65536 : 0);
		assert_int_equal(f.max_seq_hbm, v == 29 ? 4032 : 4048);
		assert_true(f.fits_hbm == (v == 28));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dense),
		cmocka_unit_test(test_one_type),
		cmocka_unit_test(test_hybrid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
