/*
 * test_engine_capacity.c — the cache each engine makes of a budget
 * (lib/capacity.c): vLLM's groups and blocks on hybrid models and
 * pipeline stages, TensorRT-LLM's blocks (PyTorch and the C++ runtime),
 * SGLang's pages, and exact tokens.  Every figure is worked out by hand in the comment
 * next to its assertion, from the rules doc/engines.md cites (V1..V14
 * vLLM, S1..S5 SGLang, T1..T5 TensorRT-LLM).
 *
 * Models are kvp_model literals with their config.json numbers
 * (engine_fixture.h), never loaded from the catalogue.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#include "engine_fixture.h"

/* ---- capacity ------------------------------------------------------------ */

static void test_capacity_vllm_hybrid(void **state)
{
	kvp_model oss = gpt_oss_120b();
	kvp_model g4 = {.name = "gemma3-4b-like", .layers = 34, .heads = 8,
	                .kv_heads = 4, .head_dim = 256, .sliding_window = 1024};
	kvp_model mix = {.name = "mix", .layers = 36, .heads = 8, .kv_heads = 8,
	                 .head_dim = 128, .sliding_window = 1024};
	kvp_request r = request_v25(KVP_ENGINE_VLLM, 8192, 1);
	kvp_capacity c;
	kvp_plan p;

	(void)state;
	/* gpt-oss: 18 sliding and 18 full layers, one page size 16 · 2,048
	 * = 32,768; min = max = 18, so group_size 18 and 2 groups.
	 * num_blocks = 10^10 // 32,768 // 18 = 305,175 // 18 = 16,954;
	 * tokens = 16,954 // 2 · 16 = 135,632.  A request of 8,192: full
	 * 512 blocks, sliding cdiv(min(127 + 2,048, 8,192), 16) + 1 = 137:
	 * 649; concurrency 16,954 / 649. */
	plan_ok(&oss, &r, &p);
	capacity_ok(&p, 10000000000ULL, &c);
	assert_int_equal(c.page_bytes, 32768);
	assert_int_equal(c.group_size, 18);
	assert_int_equal(c.groups, 2);
	assert_int_equal(c.blocks, 16954);
	assert_int_equal(c.tokens, 135632);
	assert_int_equal(c.blocks_per_request, 649);
	assert_true(c.max_concurrency == 16954.0 / 649.0);
	/* allocated = 16,954 · 32,768 · 18 = 9,999,876,096. */
	assert_int_equal(c.allocated_bytes, 9999876096ULL);

	/* Gemma-3-4B-like: 34 layers "sliding*5,full" = 5 cycles of 6 (25
	 * sliding, 5 full) and 4 more sliding: 29 + 5.  29 ≥ 1.5 · 5, so
	 * group_size = min = 5: cdiv(29, 5) = 6 sliding groups and 1 full:
	 * 7.  page = 16 · 2·4·256·2 = 65,536.  1 GiB: 2^30 // 65,536 // 5 =
	 * 16,384 // 5 = 3,276 blocks; tokens 3,276 // 7 · 16 = 468 · 16 =
	 * 7,488.  At 8,192: full 512, sliding cdiv(min(1,023 + 2,048,
	 * 8,192), 16) + 1 = 192 + 1 = 193, six times: 512 + 1,158 = 1,670. */
	pattern(&g4, "sliding*5,full");
	plan_ok(&g4, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->layers, 29);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->layers, 5);
	capacity_ok(&p, 1ULL << 30, &c);
	assert_int_equal(c.page_bytes, 65536);
	assert_int_equal(c.group_size, 5);
	assert_int_equal(c.groups, 7);
	assert_int_equal(c.blocks, 3276);
	assert_int_equal(c.tokens, 7488);
	assert_int_equal(c.blocks_per_request, 1670);
	assert_true(c.max_concurrency == 3276.0 / 1670.0);
	/* With pp 2 the groups are still the whole model's 7
	 * (get_kv_cache_configs forms them on the merged specs); each
	 * worker keeps its layers of each and sizes its pool by its fullest
	 * group.  Stages of 17 layers: stage 1 (layers 17-33) has full
	 * layers 17, 23, 29 and 14 sliding ones, and the larger cache (14 ·
	 * 3,088 + 3 · 8,192 = 67,808 token-layers against stage 0's 15 ·
	 * 3,088 + 2 · 8,192 = 62,704; a sliding layer keeps 193 blocks of 16
	 * = 3,088).  Its 14 sliding layers over the 6 sliding groups: 3 at
	 * most; its 3 full ones in the one full group: 3.  So 2^30 // 65,536
	 * // 3 = 5,461 blocks, 5,461 // 7 · 16 = 12,480 tokens. */
	r.pp = 2;
	plan_ok(&g4, &r, &p);
	capacity_ok(&p, 1ULL << 30, &c);
	assert_int_equal(c.groups, 7);
	assert_int_equal(c.group_size, 3);
	assert_int_equal(c.blocks, 5461);
	assert_int_equal(c.tokens, 12480);
	assert_int_equal(c.blocks_per_request, 1670);
	r.pp = 1;

	/* The 1.5× rule: 36 layers "sliding*5,full*4" = 4 cycles: 20
	 * sliding, 16 full; 20 < 1.5 · 16 = 24, so group_size = max = 20:
	 * cdiv(20, 20) + cdiv(16, 20) = 2 groups.  page 16 · 4,096 =
	 * 65,536; 1 GiB: 16,384 // 20 = 819 blocks, 819 // 2 · 16 = 6,544
	 * tokens. */
	pattern(&mix, "sliding*5,full*4");
	plan_ok(&mix, &r, &p);
	capacity_ok(&p, 1ULL << 30, &c);
	assert_int_equal(c.group_size, 20);
	assert_int_equal(c.groups, 2);
	assert_int_equal(c.blocks, 819);
	assert_int_equal(c.tokens, 6544);

	/* Pipeline stages: the largest GPU's layers govern.  llama3-8b split
	 * 12,20: stage 1's 20 layers, page 65,536; 1 GiB: 16,384 // 20 =
	 * 819 blocks = 13,104 tokens. */
	r.pp = 2;
	r.pp_layers_len = 2;
	r.pp_layers[0] = 12;
	r.pp_layers[1] = 20;
	plan_ok(&llama3_8b, &r, &p);
	capacity_ok(&p, 1ULL << 30, &c);
	assert_int_equal(c.group_size, 20);
	assert_int_equal(c.blocks, 819);
	assert_int_equal(c.tokens, 13104);
	/* TRT-LLM on the same split: 20 · 4,096 = 81,920 B a token on that
	 * GPU; 2^30 // 81,920 = 13,107 tokens, // 32 = 409 blocks = 13,088. */
	r.engine = KVP_ENGINE_TRTLLM;
	plan_ok(&llama3_8b, &r, &p);
	capacity_ok(&p, 1ULL << 30, &c);
	assert_int_equal(c.blocks, 409);
	assert_int_equal(c.tokens, 13088);
}

static void test_capacity_trtllm_sglang(void **state)
{
	kvp_request r = request_at(KVP_ENGINE_TRTLLM, 4096, 1);
	kvp_capacity c;
	kvp_plan p;

	(void)state;
	/* F-t2: llama3-8b shape, 131,072 B a token; budget 1,677,721,600 =
	 * 12,800 tokens exactly: 400 blocks of 32, 1.5625 GiB. */
	plan_ok(&llama3_8b, &r, &p);
	capacity_ok(&p, 1677721600ULL, &c);
	assert_int_equal(c.blocks, 400);
	assert_int_equal(c.tokens, 12800);
	assert_int_equal(c.allocated_bytes, 1677721600ULL);
	/* 4,096 tokens a request: 128 blocks; 400 / 128 = 3.125. */
	assert_int_equal(c.blocks_per_request, 128);
	assert_true(c.max_concurrency == 3.125);
	/* One token more: 131,072 · 12,801 = 1,677,852,672.  PyTorch
	 * floors (T3): 12,801 // 32 = 400 blocks, 12,800 tokens. */
	capacity_ok(&p, 1677852672ULL, &c);
	assert_int_equal(c.blocks, 400);
	assert_int_equal(c.tokens, 12800);
	/* The C++ runtime rounds up (T5): cdiv(12,801, 64) = 201 blocks of
	 * 64 = 12,864 tokens; with 32-token blocks cdiv(12,801, 32) = 401
	 * = 12,832. */
	r.trtllm_cpp = true;
	plan_ok(&llama3_8b, &r, &p);
	capacity_ok(&p, 1677852672ULL, &c);
	assert_int_equal(c.blocks, 201);
	assert_int_equal(c.tokens, 12864);
	r.block_size = 32;
	plan_ok(&llama3_8b, &r, &p);
	capacity_ok(&p, 1677852672ULL, &c);
	assert_int_equal(c.blocks, 401);
	assert_int_equal(c.tokens, 12832);

	/* SGLang (S2, S3): 131,072 · 1,000 + 5 B → 1,000 tokens at page 1;
	 * at page 16, 1,000 // 16 · 16 = 992 tokens, 62 pages, allocated
	 * (992 + 16) · 131,072 = 132,120,576. */
	r = request_at(KVP_ENGINE_SGLANG, 4096, 1);
	plan_ok(&llama3_8b, &r, &p);
	capacity_ok(&p, 131072005ULL, &c);
	assert_int_equal(c.tokens, 1000);
	assert_int_equal(c.blocks, 1000);
	r.block_size = 16;
	plan_ok(&llama3_8b, &r, &p);
	capacity_ok(&p, 131072005ULL, &c);
	assert_int_equal(c.tokens, 992);
	assert_int_equal(c.blocks, 62);
	assert_int_equal(c.allocated_bytes, 132120576ULL);
	/* A request of 4,096: 256 pages; 62 / 256. */
	assert_int_equal(c.blocks_per_request, 256);

	/* exact: 131,072,005 // 131,072 = 1,000 tokens. */
	r = request_at(KVP_ENGINE_EXACT, 4096, 1);
	plan_ok(&llama3_8b, &r, &p);
	capacity_ok(&p, 131072005ULL, &c);
	assert_int_equal(c.tokens, 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capacity_vllm_hybrid),
		cmocka_unit_test(test_capacity_trtllm_sglang),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
