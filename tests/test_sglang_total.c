/*
 * test_sglang_total.c — SGLang's --max-total-tokens (kvp_request
 * sglang_max_total_tokens; lib/sglang_pools.c): the smaller of it and
 * the pool the budget holds, in whole pages, on each GPU
 * (kv_cache_configurator.py _apply_token_constraints and
 * pool_configurator.py calculate_pool_sizes_from_max_tokens @ 003fca80;
 * research: /work/research/sglang-max-total-tokens.md): one pool, a
 * sliding-window pool's full tokens, a recurrent model's tokens beside
 * its states, a model without attention's tokens; refused before 0.5.11.
 * Every figure worked by hand beside its assertion.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#include "checks.h"
#include "engine_fixture.h"
#include "testutil.h"
#include "catalog_fixture.h"
#include "hfutil.h"

static void capacity_at(const kvp_model *m, const kvp_request *r, uint64_t budget,
                        kvp_capacity *c)
{
	kvp_plan p;

	plan_ok(m, r, &p);
	capacity_ok(&p, budget, c);
}

/* Llama 3.1 8B: a token 32 layers x 8 kv heads x 128 x 2 (K, V) x 2 B =
 * 131,072 B.  At 64 GiB the pool holds 68,719,476,736 // 131,072 =
 * 524,288 tokens; --max-total-tokens 100,000: 100,000, SGLang's page
 * size 1, allocating (100,000 + 1) x 131,072 = 13,107,331,072 B; 600,000,
 * more than the budget holds: 524,288 ("Use the profiled value
 * instead").  Pages of 64 and 3,000: 2,944 tokens, 46 pages, and at most
 * 2,944 / 2 = 1,472 requests at once (resolve_max_num_reqs, the estimate
 * 2,048). */
static void test_one_pool(void **state)
{
	kvp_model m = catalog_model("llama3.1-8b");
	kvp_request r = request_at(KVP_ENGINE_SGLANG, 4096, 1);
	kvp_capacity c;
	kvp_plan p;
	kvp_sglang_reqs q;

	(void)state;
	capacity_at(&m, &r, 68719476736ull, &c);
	assert_int_equal(c.tokens, 524288);
	r.sglang_max_total_tokens = 100000;
	capacity_at(&m, &r, 68719476736ull, &c);
	assert_int_equal(c.tokens, 100000);
	assert_int_equal(c.log_tokens, 100000);
	assert_int_equal(c.allocated_bytes, 100001ull * 131072);
	r.sglang_max_total_tokens = 600000;
	capacity_at(&m, &r, 68719476736ull, &c);
	assert_int_equal(c.tokens, 524288);
	r.sglang_max_total_tokens = 3000;
	r.block_size = 64;
	plan_ok(&m, &r, &p);
	capacity_ok(&p, 68719476736ull, &c);
	assert_int_equal(c.tokens, 2944);
	assert_int_equal(c.blocks, 46);
	assert_true(kvp_plan_sglang_reqs(&p, c.log_tokens, &q));
	assert_int_equal(q.max_num_reqs, 1472);
}

/* gpt-oss-20b, SGLang's sliding-window pool: 12 full and 12 sliding
 * layers, 8 kv heads of 64, a token 2 x 8 x 64 x 2 B = 2,048 B a layer.
 * --max-total-tokens 100,000 caps the full pool; the sliding one is
 * int(100,000 x 0.8) = 80,000 (HybridSWAPoolConfigurator); allocated
 * (100,000 + 1) x 12 x 2,048 + (80,000 + 1) x 12 x 2,048 =
 * 4,423,729,152 B. */
static void test_sliding_pool(void **state)
{
	kvp_model m = catalog_model("gpt-oss-20b");
	kvp_request r = request_at(KVP_ENGINE_SGLANG, 4096, 1);
	kvp_capacity c;

	(void)state;
	r.sglang_max_total_tokens = 100000;
	capacity_at(&m, &r, 68719476736ull, &c);
	assert_int_equal(c.tokens, 100000);
	assert_int_equal(c.swa_tokens, 80000);
	assert_int_equal(c.allocated_bytes, (100001ull + 80001ull) * 12 * 2048);
}

/* Qwen3-Next 80B at tp 4: its states' slots come from the budget first
 * (_handle_max_mamba_cache), then the tokens from the rest; the cap takes
 * the tokens alone, the slots as they were, what it leaves unused. */
static void test_recurrent(void **state)
{
	kvp_model m = catalog_model("qwen3-next-80b-a3b");
	kvp_request r = request_at(KVP_ENGINE_SGLANG, 4096, 1);
	kvp_capacity before, after;

	(void)state;
	r.tp = 4;
	capacity_at(&m, &r, 68719476736ull, &before);
	assert_true(before.tokens > 50000);
	r.sglang_max_total_tokens = 50000;
	capacity_at(&m, &r, 68719476736ull, &after);
	assert_int_equal(after.tokens, 50000);
	assert_int_equal(after.state_slots, before.state_slots);
	assert_int_equal(after.state_bytes, before.state_bytes);
}

/* A model without attention (Falcon Mamba 7B's config): its tokens' pool
 * of no bytes holds --max-total-tokens, past its context of 2,048
 * (DefaultPoolConfigurator's _zero_kv_max_tokens); from 0.5.20. */
static void test_attention_free(void **state)
{
	static const char falcon_mamba[] = "{\"model_type\": \"falcon_mamba\","
		" \"conv_kernel\": 4, \"expand\": 16, \"hidden_size\": 4096,"
		" \"intermediate_size\": 8192, \"num_hidden_layers\": 64, \"state_size\": 16,"
		" \"tie_word_embeddings\": false, \"time_step_rank\": 256,"
		" \"use_bias\": false, \"use_conv_bias\": true, \"vocab_size\": 65024}";
	kvp_model m;
	kvp_source src;
	kvp_request r = request_at(KVP_ENGINE_SGLANG, 1024, 1);
	kvp_capacity c;

	(void)state;
	expect_ok(falcon_mamba, &m, &src);
	capacity_at(&m, &r, 56751126937ull, &c);
	assert_int_equal(c.tokens, 2048);
	r.sglang_max_total_tokens = 65536;
	capacity_at(&m, &r, 56751126937ull, &c);
	assert_int_equal(c.tokens, 65536);
	assert_int_equal(c.allocated_bytes, 0);
}

/* Before PR #22389 (0.5.11) a sliding-window pool took the cap as the
 * bytes of as many tokens in every layer: not followed, refused; one
 * pool, set alike then, planned.  A cap of a pool under 2 tokens, which
 * runs no request ("max_running_request is zero"; under a page, "Not
 * enough memory"), and one beside a cache policy, whose plan is sized by
 * bytes, refused. */
static void test_refused(void **state)
{
	kvp_model m = catalog_model("gpt-oss-20b"), llama = catalog_model("llama3.1-8b");
	kvp_request r = request_at(KVP_ENGINE_SGLANG, 4096, 1);
	kvp_capacity c;
	kvp_error err;

	(void)state;
	r.sglang_max_total_tokens = 1000;
	r.sglang_version = 510;
	plan_fails(&m, &r, KVP_ERR_UNSUPPORTED, "gpt-oss-20b: kvplan follows SGLang's"
	           " --max-total-tokens with a sliding-window pool from 0.5.11");
	capacity_at(&llama, &r, 68719476736ull, &c);
	assert_int_equal(c.tokens, 1000);
	r = request_at(KVP_ENGINE_SGLANG, 4096, 1);
	r.sglang_max_total_tokens = 40;
	r.block_size = 64;
	plan_fails(&llama, &r, KVP_ERR_INVALID, "SGLang's --max-total-tokens 40 leaves its"
	           " pool 0 tokens in pages of 64: it runs no request");
	r.block_size = 0;
	r.sglang_max_total_tokens = 1000;
	assert_int_equal(kvp_policy_parse("window:512", &r.policy, &err), KVP_OK);
	plan_fails(&llama, &r, KVP_ERR_INVALID, "SGLang's --max-total-tokens with a cache"
	           " policy is not modelled");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_pool),
		cmocka_unit_test(test_sliding_pool),
		cmocka_unit_test(test_recurrent),
		cmocka_unit_test(test_attention_free),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
