/*
 * test_vllm_batch.c — vLLM's batch limits by device (lib/vllm_batch.c):
 * `vllm serve` takes max_num_batched_tokens 8192 and max_num_seqs 1024 on
 * a device of 70 GiB or more whose name has no "a100", 2048 and 256
 * elsewhere (vllm/engine/arg_utils.py, EngineArgs.get_batch_defaults and
 * _set_default_max_num_seqs_and_batched_tokens_args), and a sliding layer
 * keeps that step's tokens beside its window, so a plan for an H100 is not
 * the plan for an A100.  Figures are worked by hand in the comments, from
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_by_device),
		cmocka_unit_test(test_plan_follows_device),
		cmocka_unit_test(test_fit_and_advice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
