/*
 * test_vllm_batch.c — vLLM's batch limits by device (lib/vllm_batch.c):
 * `vllm serve` takes max_num_batched_tokens 8192 and max_num_seqs 1024 on
 * a device of 70 GiB or more whose name has no "a100", 2048 and 256
 * elsewhere (vllm/engine/arg_utils.py, EngineArgs.get_batch_defaults and
 * _set_default_max_num_seqs_and_batched_tokens_args), and a sliding layer
 * keeps that step's tokens beside its window, so a plan for an H100 is not
 * the plan for an A100; with pipeline stages the model runner sets the
 * steps in flight.  Figures are worked by hand in the comments, from
 * the models' config.json numbers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"

#define GIB ((uint64_t)1 << 30)

static kvp_device device(const char *name, uint64_t hbm)
{
	kvp_device d;

	memset(&d, 0, sizeof d);
	snprintf(d.name, sizeof d.name, "%s", name);
	d.hbm_bytes = hbm;
	d.l2_bytes = 50 << 20;
	return d;
}

static kvp_request vllm_at(uint64_t seq)
{
	kvp_request r;

	kvp_request_init(&r);
	r.engine = KVP_ENGINE_VLLM;
	r.seq = seq;
	return r;
}

/* The request settled for d: its max_num_batched_tokens and max_num_seqs. */
static void settled(kvp_request r, const kvp_device *d, uint64_t tokens, uint32_t seqs)
{
	kvp_request_for_device(&r, NULL, d);
	assert_int_equal(r.max_batched_tokens, tokens);
	assert_int_equal(r.max_num_seqs, seqs);
}

/* google/gemma-3-4b-it text config: 34 layers, five sliding (window 1024)
 * to one full, 8 heads, 4 kv heads of 256.  fp16: 2·4·256·2 = 4,096 B per
 * token and layer, a 16-token page 65,536 B; 29 sliding, 5 full. */
static kvp_model gemma3_4b(void)
{
	kvp_model m = {
		.name = "gemma3-4b", .layers = 34, .hidden = 2560, .heads = 8,
		.kv_heads = 4, .head_dim = 256, .sliding_window = 1024,
		.model_type = "gemma3_text",
	};
	kvp_error err;

	assert_int_equal(kvp_layer_pattern_parse("sliding*5,full", &m, &err), KVP_OK);
	return m;
}

static void test_defaults_by_device(void **state)
{
	kvp_device h100 = device("h100-sxm", 80 * GIB), a100 = device("a100-80g", 80 * GIB);
	kvp_device named = device("NVIDIA A100-SXM4-80GB", 80 * GIB);
	kvp_device l4 = device("l4", 24 * GIB), at = device("x", 70 * GIB);
	kvp_device below = device("x", 70 * GIB - 1);
	kvp_request r = vllm_at(32768);

	(void)state;
	settled(r, &h100, 8192, 1024);
	/* The A100 is left out by name, in either case (PR #17885). */
	settled(r, &a100, 2048, 256);
	settled(r, &named, 2048, 256);
	settled(r, &l4, 2048, 256);
	/* 70 GiB is large; a byte less is not. */
	settled(r, &at, 8192, 1024);
	settled(r, &below, 2048, 256);
	/* No device to ask: the small defaults. */
	settled(r, NULL, 2048, 256);
	/* A default step is at most max_num_seqs x max_model_len: 1024 x 1
	 * on the H100, 256 x 4 = 1024 on the L4; the sequences then at most
	 * the tokens: 1024 and 256. */
	settled(vllm_at(1), &h100, 1024, 1024);
	settled(vllm_at(4), &l4, 1024, 256);
	/* With no device to ask, a plan's 2048 whatever the seq. */
	settled(vllm_at(4), NULL, 2048, 256);
	/* Given ones stay; a default max_num_seqs is at most a given step
	 * (512), and a default step at most the given seqs x seq (4 x 100). */
	r.max_batched_tokens = 512;
	settled(r, &h100, 512, 512);
	r = vllm_at(100);
	r.max_num_seqs = 4;
	settled(r, &h100, 400, 4);
	/* vLLM 0.28's tier: 16384 on 160 GiB or more (an MI300X's 192),
	 * 8192 before 0.28 and a byte under 160 GiB. */
	{
		kvp_device mi300x = device("mi300x", 192 * GIB), edge = device("x", 160 * GIB);
		kvp_device under = device("x", 160 * GIB - 1);

		r = vllm_at(32768);
		settled(r, &mi300x, 16384, 1024);
		settled(r, &edge, 16384, 1024);
		settled(r, &under, 8192, 1024);
		r.vllm_version = 27;
		settled(r, &mi300x, 8192, 1024);
	}
	/* Other engines keep theirs; NULL is nothing. */
	r = vllm_at(100);
	r.engine = KVP_ENGINE_SGLANG;
	settled(r, &h100, 0, 0);
	kvp_request_for_device(NULL, NULL, &h100);
}

/* Gemma 3 4B at 32,768 tokens: a full layer takes cdiv(32768, 16) = 2,048
 * pages; a sliding one cdiv(min(1023 + 2m, 32768), 16) + 1, two steps of
 * m tokens in flight (vLLM 0.26 on): 320 + 1 = 321 at m = 2048, 1,088 + 1
 * = 1,089 at m = 8192.  29 x 321 x 65,536 + 5 x 2,048 x 65,536 =
 * 610,074,624 + 671,088,640 = 1,281,163,264 B; at 8192, 29 x 1,089 x
 * 65,536 = 2,069,692,416, and 2,740,781,056 B in all.  vLLM 0.25 kept one
 * step: 193 and 577 pages, 1,037,893,632 and 1,767,702,528 B. */
static void test_plan_follows_device(void **state)
{
	kvp_model m = gemma3_4b(), llama = {
		.name = "uniform", .layers = 32, .heads = 32, .kv_heads = 8, .head_dim = 128,
	};
	kvp_device h100 = device("h100-sxm", 80 * GIB);
	kvp_request r = vllm_at(32768);
	kvp_plan p;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.batched_tokens, 2048);
	assert_int_equal(p.cache_total_bytes, 1281163264);
	r.vllm_version = 25;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.cache_total_bytes, 1037893632);
	r.vllm_version = 0;
	kvp_request_for_device(&r, &m, &h100);
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.batched_tokens, 8192);
	assert_int_equal(p.cache_total_bytes, 2740781056);
	r.vllm_version = 25;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.cache_total_bytes, 1767702528);
	r.vllm_version = 0;
	/* A step past 64 bits with the window: every token is kept, 2,049
	 * pages a sliding layer, 29 x 2,049 x 65,536 + 671,088,640 =
	 * 4,565,303,296 B (the sum saturates, not wraps). */
	r.max_batched_tokens = UINT64_MAX;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.cache_total_bytes, 4565303296);
	/* No sliding layer: nothing follows the step. */
	assert_int_equal(kvp_plan_compute(&llama, &r, &p, &err), KVP_OK);
	assert_int_equal(p.batched_tokens, 0);
	/* Nor under another engine. */
	r = vllm_at(32768);
	r.engine = KVP_ENGINE_SGLANG;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.batched_tokens, 0);
}

/* A fit keeps to its plan's step, and follows the device's otherwise.
 * With 70,427,239,303 B for the cache (an H100 at 0.92, Gemma's bf16
 * weights taken out): 70,427,239,303 // (5 x 65,536) = 214,926 blocks of
 * five layers' pages; a request takes 6 sliding groups x 1,089 + 2,048 =
 * 8,582 of them at 8192, 214,926 / 8,582 = 25.0438 requests; 25 x
 * 2,740,781,056 = 68,519,526,400 B fit and 26 x = 71,260,307,456 B do not.
 * At 2048: 6 x 321 + 2,048 = 3,974 blocks, 54.08 requests; 54 x
 * 1,281,163,264 = 69,182,816,256 B fit, 55 x = 70,463,979,520 do not. */
static void test_fit_and_advice(void **state)
{
	kvp_model m = gemma3_4b(), llama = {
		.name = "uniform", .layers = 32, .heads = 32, .kv_heads = 8, .head_dim = 128,
	};
	kvp_device h100 = device("h100-sxm", 80 * GIB), a100 = device("a100-80g", 80 * GIB);
	kvp_request r = vllm_at(32768), here;
	kvp_plan p;
	kvp_fit f;
	kvp_advice a;
	kvp_error err;

	(void)state;
	r.kv_budget = 70427239303;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &h100, &f, &err), KVP_OK);
	assert_int_equal(f.batched_tokens, 2048);
	assert_int_equal(f.max_batch_hbm, 54);
	here = r;
	kvp_request_for_device(&here, &m, &h100);
	assert_int_equal(kvp_plan_compute(&m, &here, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &h100, &f, &err), KVP_OK);
	assert_int_equal(f.batched_tokens, 8192);
	assert_int_equal(f.cache_total_bytes, 2740781056);
	assert_int_equal(f.max_batch_hbm, 25);
	assert_int_equal(f.capacity.blocks, 214926);
	assert_true(f.capacity.max_concurrency > 25.0438 && f.capacity.max_concurrency < 25.0439);
	/* kvp_advise answers for the device: the H100's 25, the A100's 54. */
	assert_int_equal(kvp_advise(&m, &r, &h100, &a, &err), KVP_OK);
	assert_int_equal(a.max_batch, 25);
	assert_int_equal(kvp_advise(&m, &r, &a100, &a, &err), KVP_OK);
	assert_int_equal(a.max_batch, 54);
	/* A plan that no step changes is fitted with the device's. */
	assert_int_equal(kvp_plan_compute(&llama, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &h100, &f, &err), KVP_OK);
	assert_int_equal(f.batched_tokens, 8192);
	assert_int_equal(kvp_plan_fit(&p, &a100, &f, &err), KVP_OK);
	assert_int_equal(f.batched_tokens, 2048);
	r.engine = KVP_ENGINE_TRTLLM;
	assert_int_equal(kvp_plan_compute(&llama, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &h100, &f, &err), KVP_OK);
	assert_int_equal(f.batched_tokens, 0);
}

/* The steps in flight with pipeline stages (vllm/config/vllm.py
 * max_concurrent_batches, async scheduling): pp + 1 under the V2 model
 * runner, pp under V1; 2 at pp 1 either way.  Gemma 3 4B at 32,768
 * tokens, pp 2, a step of 8,192 (an H100's): V2 keeps 1,023 + 3 x 8,192 =
 * 25,599 tokens in a sliding layer, cdiv(25,599, 16) + 1 = 1,601 pages, so
 * 29 x 1,601 x 65,536 + 5 x 2,048 x 65,536 = 3,713,859,584 B; V1 1,023 +
 * 2 x 8,192 = 17,407, 1,089 pages, 2,740,781,056 B, as at pp 1.  V2 is
 * vLLM's default for every model from 0.29, for dense ones (Gemma 3) from
 * 0.25; a mixture of experts (gpt-oss) runs V1 before 0.29 (its
 * routed experts, moe_routed_experts); 0.24 and before V1. */
static void test_runner_steps(void **state)
{
	kvp_model gemma = gemma3_4b(), moe = gemma3_4b();
	static const struct {
		bool moe;
		uint32_t pp, version, runner; /* runner: the request's, 0 vLLM's */
		uint32_t followed;
		uint64_t bytes;
	} cases[] = {
		{false, 2, 0, 0, 2, 3713859584ull},
		{false, 2, 0, 1, 1, 2740781056ull},
		{false, 2, 28, 0, 2, 3713859584ull},
		{false, 2, 25, 0, 2, 1767702528ull},
		{false, 2, 24, 0, 1, 1767702528ull},
		{true, 2, 28, 0, 1, 2740781056ull},
		{true, 2, 28, 2, 2, 3713859584ull},
		{true, 2, 29, 0, 2, 3713859584ull},
		{false, 1, 0, 0, 2, 2740781056ull},
		{false, 1, 0, 1, 1, 2740781056ull},
	};
	kvp_error err;

	(void)state;
	moe.moe_routed_experts = 32;
	moe.moe_top_k = 4;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kvp_request r = vllm_at(32768);
		kvp_plan p;

		r.pp = cases[i].pp;
		r.max_batched_tokens = 8192;
		r.vllm_version = cases[i].version;
		r.vllm_runner = cases[i].runner;
		assert_int_equal(kvp_engine_vllm_runner(cases[i].moe ? &moe : &gemma, &r),
		                 cases[i].followed);
		assert_int_equal(kvp_plan_compute(cases[i].moe ? &moe : &gemma, &r, &p, &err),
		                 KVP_OK);
		assert_int_equal(p.request.vllm_runner, cases[i].followed);
		if (p.cache_total_bytes != cases[i].bytes)
			fail_msg("case %zu: %llu B", i, (unsigned long long)p.cache_total_bytes);
	}
	/* A hybrid with recurrent layers runs V1 before 0.29, like a
	 * mixture of experts.  Another engine has no runner, and ignores
	 * one past V2, which vLLM refuses. */
	{
		kvp_model hybrid = gemma3_4b();
		kvp_request r = vllm_at(32768);
		kvp_plan p;

		assert_int_equal(kvp_layer_pattern_parse("recurrent*5,full", &hybrid, &err),
		                 KVP_OK);
		r.vllm_version = 28;
		assert_int_equal(kvp_engine_vllm_runner(&hybrid, &r), 1);
		r.vllm_version = 29;
		assert_int_equal(kvp_engine_vllm_runner(&hybrid, &r), 2);
		r.vllm_version = 0;
		r.engine = KVP_ENGINE_SGLANG;
		assert_int_equal(kvp_engine_vllm_runner(&gemma, &r), 0);
		assert_int_equal(kvp_engine_vllm_runner(NULL, &r), 0);
		r.vllm_runner = 3;
		assert_int_equal(kvp_plan_compute(&gemma, &r, &p, &err), KVP_OK);
		r.engine = KVP_ENGINE_VLLM;
		assert_int_equal(kvp_engine_vllm_runner(&gemma, &r), 0);
		assert_int_equal(kvp_plan_compute(&gemma, &r, &p, &err), KVP_ERR_INVALID);
		assert_non_null(strstr(err.message, "vLLM model runner 3"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_by_device),
		cmocka_unit_test(test_plan_follows_device),
		cmocka_unit_test(test_fit_and_advice),
		cmocka_unit_test(test_runner_steps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
