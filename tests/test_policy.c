/*
 * test_policy.c — cache policies: their text, what each keeps of a layer
 * (PyramidKV's budgets as its code computes them), the plan's totals under
 * each, the solvers under a policy, an engine rounding the kept tokens,
 * and K/V repeated to the query heads.  Every figure is worked by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"

/* Llama 2 7B by numbers: 32 layers, 32 heads of 128, MHA; fp16 K and V:
 * 2 x 32 x 128 x 2 = 16,384 B per token and layer. */
static kvp_model llama2_7b(void)
{
	kvp_model m;

	memset(&m, 0, sizeof m);
	strcpy(m.name, "llama2-7b");
	m.layers = 32;
	m.heads = 32;
	m.kv_heads = 32;
	m.head_dim = 128;
	return m;
}

static kvp_policy policy(const char *text)
{
	kvp_policy p;
	kvp_error err;

	if (kvp_policy_parse(text, &p, &err) != KVP_OK)
		fail_msg("%s: %s", text, err.message);
	return p;
}

static uint64_t total(const kvp_model *m, const char *text, uint64_t seq,
                      uint64_t gen)
{
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	kvp_request_init(&r);
	r.seq = seq;
	r.gen = gen;
	r.policy = policy(text);
	if (kvp_plan_compute(m, &r, &p, &err) != KVP_OK)
		fail_msg("%s: %s", text, err.message);
	return p.kv_total_bytes;
}

static void test_parse(void **state)
{
	kvp_policy p;
	kvp_error err;
	char buf[128];

	(void)state;
	p = policy("streaming");
	assert_int_equal(p.sink, 4); /* StartRecentKVCache(start_size=4, */
	assert_int_equal(p.recent, 512); /* recent_size=512) */
	p = policy("pyramidkv:capacity=1024");
	assert_int_equal(p.window, 32);
	assert_int_equal(p.beta, 20);
	assert_string_equal(kvp_policy_format(&p, buf, sizeof buf),
	                    "pyramidkv:capacity=1024,window=32,beta=20");
	p = policy("snapkv:window=64,kernel=7,capacity=4096");
	assert_string_equal(kvp_policy_format(&p, buf, sizeof buf),
	                    "snapkv:capacity=4096,window=64,kernel=7");
	p = policy("ratio:0.25");
	assert_true(p.ratio == 0.25);
	assert_int_equal(kvp_policy_parse("pyramidkv:capacity=0", &p, &err), KVP_ERR_INVALID);
	assert_non_null(strstr(err.message, "capacity must be a whole number from 1"));
	assert_int_equal(kvp_policy_parse("nosuch:x=1", &p, &err), KVP_ERR_PARSE);
	assert_non_null(strstr(err.message, "'nosuch' is not a policy"));
	assert_int_equal(kvp_policy_parse("snapkv:capacity=32,window=32", &p, &err),
	                 KVP_ERR_INVALID);
	assert_int_equal(kvp_policy_parse("h2o:sink=4", &p, &err), KVP_ERR_PARSE);
	assert_int_equal(kvp_policy_parse("h2o:heavy=4,heavy=5", &p, &err), KVP_ERR_PARSE);
	assert_int_equal(kvp_policy_parse("ratio:1", &p, &err), KVP_ERR_INVALID);
	assert_int_equal(kvp_policy_parse("ratio:-0.1", &p, &err), KVP_ERR_INVALID);
	assert_int_equal(kvp_policy_parse("window:0", &p, &err), KVP_ERR_INVALID);
	assert_int_equal(kvp_policy_parse("window:12x", &p, &err), KVP_ERR_INVALID);
	assert_int_equal(kvp_policy_parse("full:1", &p, &err), KVP_ERR_PARSE);
	assert_int_equal(kvp_policy_parse("streaming:sink=", &p, &err), KVP_ERR_INVALID);
}

/* PyramidKVCluster.update_kv with C 2048, w 32, beta 20, 32 layers:
 * min = 2016 // 20 = 100, max = 4032 - 100 = 3932; a prompt of 8192 has
 * 8160 > 3932, so no clamp; steps = 3832 // 31 = 123; layer l keeps
 * 3932 - 123 l + 32: 3,964 at layer 0, 3932 - 3813 + 32 = 151 at 31. */
static void test_pyramid_budgets(void **state)
{
	kvp_policy p = policy("pyramidkv:capacity=2048,window=32,beta=20");

	(void)state;
	assert_int_equal(kvp_policy_kept(&p, 0, 32, 8192, 0), 3964);
	assert_int_equal(kvp_policy_kept(&p, 31, 32, 8192, 0), 151);
	/* A prompt of 3000: max 3932 >= 2968 clamps to 2968, min = 4032 -
	 * 2968 = 1064, steps = 1904 // 31 = 61: layer 0 keeps 3000 (all),
	 * layer 31 2968 - 1891 + 32 = 1,109. */
	assert_int_equal(kvp_policy_kept(&p, 0, 32, 3000, 0), 3000);
	assert_int_equal(kvp_policy_kept(&p, 31, 32, 3000, 0), 1109);
	/* Below capacity, no compression; generated tokens are appended. */
	assert_int_equal(kvp_policy_kept(&p, 31, 32, 2047, 0), 2047);
	assert_int_equal(kvp_policy_kept(&p, 31, 32, 8192 + 100, 100), 251);
	/* One layer: no steps. */
	assert_int_equal(kvp_policy_kept(&p, 0, 1, 8192, 0), 3964);
}

/* The totals the issue names, each per layer x 32 layers x 16,384 B. */
static void test_totals(void **state)
{
	kvp_model m = llama2_7b();

	(void)state;
	/* sum over l of (3964 - 123 l) = 32 x 3964 - 123 x 496 = 65,840 */
	assert_int_equal(total(&m, "pyramidkv:capacity=2048,window=32,beta=20", 8192, 0),
	                 65840ull * 16384);
	/* 4 + 2000 of 100,000 */
	assert_int_equal(total(&m, "streaming:sink=4,recent=2000", 100000, 0),
	                 2004ull * 32 * 16384);
	/* a prompt of 8192 compressed to 2048, and 100 generated */
	assert_int_equal(total(&m, "snapkv:capacity=2048,window=32", 8292, 100),
	                 2148ull * 32 * 16384);
	assert_int_equal(total(&m, "h2o:heavy=4,recent=512", 8192, 0), 516ull * 32 * 16384);
	/* int(8192 x 0.5) = 4096 */
	assert_int_equal(total(&m, "ratio:0.5", 8192, 0), 4096ull * 32 * 16384);
	/* 1000 x (1 - 0.3) is 700.0 in doubles (as in Python): 700, + 10 */
	assert_int_equal(total(&m, "ratio:0.3", 1010, 10), 710ull * 32 * 16384);
	/* a prompt below capacity is kept whole */
	assert_int_equal(total(&m, "snapkv:capacity=2048,window=32", 1000, 0),
	                 1000ull * 32 * 16384);
	assert_int_equal(total(&m, "window:100", 50, 0), 50ull * 32 * 16384);
	assert_int_equal(total(&m, "full", 50, 0), 50ull * 32 * 16384);
}

/* A layer's own window and the policy's: the smaller; recurrent layers
 * are unchanged. */
static void test_with_windows(void **state)
{
	kvp_model m = llama2_7b();
	kvp_error err;

	(void)state;
	m.sliding_window = 1000;
	assert_int_equal(kvp_layer_pattern_parse("sliding,full", &m, &err), KVP_OK);
	/* 16 sliding layers keep min(1000, 516), 16 full 516 */
	assert_int_equal(total(&m, "h2o:heavy=4,recent=512", 8192, 0), 516ull * 32 * 16384);
	/* 16 x min(1000, 4000) + 16 x 4000 */
	assert_int_equal(total(&m, "window:4000", 8192, 0), (16ull * 1000 + 16 * 4000) * 16384);
}

/* SnapKV's code repeats K and V to the query heads: Llama 3 8B (8 kv
 * heads of 32) costs 4x: 2048 x 32 layers x 2 x 32 x 128 x 2 B. */
static void test_repeated(void **state)
{
	kvp_model m = llama2_7b();
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	(void)state;
	m.kv_heads = 8;
	kvp_request_init(&r);
	r.seq = 8192;
	r.policy = policy("snapkv:capacity=2048,window=32");
	r.kv_repeated = true;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.kv_total_bytes, 1073741824ull);
	r.kv_repeated = false;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.kv_total_bytes, 1073741824ull / 4);
}

/* The solvers under a policy. */
static void test_solvers(void **state)
{
	kvp_model m = llama2_7b();
	kvp_request r;
	kvp_plan p;
	kvp_error err;
	uint64_t seq, bytes, batch;
	bool unbounded;

	(void)state;
	kvp_request_init(&r);
	r.seq = 100000;
	r.policy = policy("streaming:sink=4,recent=2000");
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	/* 2004 x 524,288 B = 1,050,673,152 B fits 1.1e9: every length fits */
	assert_int_equal(kvp_plan_max_seq(&p, 1100000000, 1, &seq, &unbounded, &err), KVP_OK);
	assert_true(unbounded);
	/* 50 MiB holds floor(52,428,800 / 524,288) = 100 tokens, < 2004 */
	assert_int_equal(kvp_plan_max_seq(&p, 52428800, 1, &seq, &unbounded, &err), KVP_OK);
	assert_false(unbounded);
	assert_int_equal(seq, 100);
	assert_int_equal(kvp_plan_max_batch(&p, 10ull * 1050673152, 100000, &batch, &err),
	                 KVP_OK);
	assert_int_equal(batch, 10);

	/* ratio:0.5 keeps int(s / 2): 1 GiB = 2048 tokens of 524,288 B, so
	 * s = 4097 keeps 2048 and fits, 4098 keeps 2049 and does not. */
	r.seq = 8192;
	r.policy = policy("ratio:0.5");
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_max_seq(&p, 1ull << 30, 1, &seq, &unbounded, &err), KVP_OK);
	assert_false(unbounded);
	assert_int_equal(seq, 4097);
	assert_int_equal(kvp_plan_bytes_at(&p, 4098, 1, &bytes, &err), KVP_OK);
	assert_int_equal(bytes, 2049ull * 524288);

	/* PyramidKV: below capacity every token (2047 x 524,288 fits 1.1
	 * GiB? 2047 x 524,288 = 1,073,217,536 <= 1,181,116,006); from 2048
	 * on the budgets sum to about 32 x 2048 tokens = 1 GiB and stay
	 * there: a budget of 1.1 GiB holds every length. */
	r.policy = policy("pyramidkv:capacity=2048,window=32,beta=20");
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_max_seq(&p, 1181116006ull, 1, &seq, &unbounded, &err),
	                 KVP_OK);
	assert_true(unbounded);
	/* 1000 tokens' worth: 524,288,000 B holds s = 1000, below capacity */
	assert_int_equal(kvp_plan_max_seq(&p, 524288000ull, 1, &seq, &unbounded, &err),
	                 KVP_OK);
	assert_false(unbounded);
	assert_int_equal(seq, 1000);
}

/* PyramidKV's longest context, found over intervals of prompts (its
 * budgets saw up and down with the prompt), equals a scan of every prompt from 1: random
 * capacities, windows, betas, layer counts, engines and budgets. */
static void test_pyramid_max_seq_scan(void **state)
{
	static const kvp_engine engines[] = {KVP_ENGINE_EXACT, KVP_ENGINE_VLLM,
	                                     KVP_ENGINE_LLAMA_CPP, KVP_ENGINE_TRTLLM};
	uint64_t x = 88172645463325252ULL; /* xorshift64, fixed seed */
	unsigned found = 0;

	(void)state;
	for (int n = 0; n < 400; n++) {
		kvp_model m = llama2_7b();
		kvp_request r;
		kvp_plan p;
		kvp_error err;
		char spec[128];
		uint64_t draws[6], capacity, window, beta, budget, seq, want = 0, flat, lo, hi;
		bool unbounded, open = true;

		for (int i = 0; i < 6; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			draws[i] = x;
		}
		capacity = 2 + draws[0] % 3000;
		window = 1 + draws[1] % (capacity - 1);
		beta = 1 + draws[2] % 40;
		m.layers = (uint32_t)(1 + draws[3] % 40);
		snprintf(spec, sizeof spec, "pyramidkv:capacity=%llu,window=%llu,beta=%llu",
		         (unsigned long long)capacity, (unsigned long long)window,
		         (unsigned long long)beta);
		kvp_request_init(&r);
		r.seq = capacity;
		r.engine = engines[draws[4] % 8 < 4 ? 0 : draws[4] % 4];
		r.policy = policy(spec);
		if (kvp_plan_compute(&m, &r, &p, &err) != KVP_OK)
			continue;
		/* A budget a byte short of what a random prompt between the
		 * capacity and the plateau takes (an earlier prompt of the saw
		 * may take more), or, one time in four, anywhere up to twice
		 * the plateau's. */
		flat = 2 * (capacity - window) - (capacity - window) / beta + window;
		assert_int_equal(kvp_plan_bytes_at(&p, capacity + draws[5] % (flat - capacity + 1),
		                                   1, &lo, &err), KVP_OK);
		assert_int_equal(kvp_plan_bytes_at(&p, flat, 1, &hi, &err), KVP_OK);
		budget = draws[5] % 4 ? lo - 1 : draws[5] % (2 * hi + 1);
		for (uint64_t q = 1; q <= flat; q++) {
			uint64_t bytes;

			assert_int_equal(kvp_plan_bytes_at(&p, q, 1, &bytes, &err), KVP_OK);
			if (bytes > budget) {
				want = q - 1;
				open = false;
				break;
			}
		}
		/* The plan's cost at a prompt is that prompt's own plan: its
		 * layers were not merged where their shares were alike. */
		for (int t = 0; t < 3; t++) {
			kvp_request at = r;
			kvp_plan fresh;
			uint64_t bytes;

			at.seq = 1 + (draws[t] >> 20) % (flat + 8);
			assert_int_equal(kvp_plan_compute(&m, &at, &fresh, &err), KVP_OK);
			assert_int_equal(kvp_plan_bytes_at(&p, at.seq, 1, &bytes, &err), KVP_OK);
			assert_int_equal(bytes, fresh.cache_total_bytes);
		}
		assert_int_equal(kvp_plan_max_seq(&p, budget, 1, &seq, &unbounded, &err), KVP_OK);
		assert_int_equal(unbounded, open);
		if (!open) {
			assert_int_equal(seq, want);
			found++;
		}
	}
	assert_true(found > 50);
}

/* Two layers under PyramidKV: from the capacity C on, layer 0 keeps the
 * prompt q and layer 1 keeps q - 2 (q - C) = 2C - q, so the two keep 2C
 * tokens at every prompt, 2 x 3,976,345 x 16,384 = 130,296,872,960 B.
 * That budget holds every length, the search settling the saw without
 * trying it prompt by prompt (the sweep fuzz_cli timed out on); a byte
 * less holds C - 1, the longest prompt kept whole. */
static void test_pyramid_two_layers(void **state)
{
	kvp_model m = llama2_7b();
	kvp_request r;
	kvp_plan p;
	kvp_error err;
	uint64_t seq, bytes;
	bool unbounded;

	(void)state;
	m.layers = 2;
	kvp_request_init(&r);
	r.seq = 4000000;
	r.policy = policy("pyramidkv:capacity=3976345");
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_bytes_at(&p, 3976345, 1, &bytes, &err), KVP_OK);
	assert_int_equal(bytes, 130296872960ull);
	assert_int_equal(kvp_plan_bytes_at(&p, 7000000, 1, &bytes, &err), KVP_OK);
	assert_int_equal(bytes, 130296872960ull);
	assert_int_equal(kvp_plan_max_seq(&p, 130296872960ull, 1, &seq, &unbounded, &err),
	                 KVP_OK);
	assert_true(unbounded);
	assert_int_equal(kvp_plan_max_seq(&p, 130296872960ull - 1, 1, &seq, &unbounded, &err),
	                 KVP_OK);
	assert_false(unbounded);
	assert_int_equal(seq, 3976344);
	/* PyramidKV's budgets reach twice its capacity: past 2^62 refused */
	r.policy.capacity = (1ull << 62) + 1;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_ERR_RANGE);
	assert_int_equal(kvp_policy_parse("pyramidkv:capacity=4611686018427387905", &r.policy,
	                                  &err), KVP_ERR_RANGE);
	assert_int_equal(kvp_policy_parse("pyramidkv:capacity=4611686018427387904", &r.policy,
	                                  &err), KVP_OK);
}

/* vLLM holds the kept tokens in whole blocks: 2004 tokens are cdiv(2004,
 * 16) = 126 blocks, 2016 cells of each of 32 layers. */
static void test_engine_rounds_kept(void **state)
{
	kvp_model m = llama2_7b();
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	(void)state;
	kvp_request_init(&r);
	r.seq = 100000;
	r.engine = KVP_ENGINE_VLLM;
	r.policy = policy("streaming:sink=4,recent=2000");
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.groups[0].cells, 2016);
	assert_int_equal(p.kv_total_bytes, 2016ull * 32 * 16384);
}

static void test_bad_requests(void **state)
{
	kvp_model m = llama2_7b();
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	(void)state;
	kvp_request_init(&r);
	r.seq = 100;
	r.gen = 100;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_ERR_INVALID);
	assert_non_null(strstr(err.message, "no prompt"));
	/* PyramidKV plans each layer apart: at most 256 of them. */
	r.gen = 0;
	r.policy = policy("pyramidkv");
	m.layers = 300;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_ERR_RANGE);
	/* 200 layers of distinct budgets: more groups than 128. */
	m.layers = 200;
	r.seq = 100000;
	r.policy = policy("pyramidkv:capacity=8192,window=32,beta=20");
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_ERR_RANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_pyramid_budgets),
		cmocka_unit_test(test_pyramid_max_seq_scan),
		cmocka_unit_test(test_pyramid_two_layers),
		cmocka_unit_test(test_totals),
		cmocka_unit_test(test_with_windows),
		cmocka_unit_test(test_repeated),
		cmocka_unit_test(test_solvers),
		cmocka_unit_test(test_engine_rounds_kept),
		cmocka_unit_test(test_bad_requests),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
