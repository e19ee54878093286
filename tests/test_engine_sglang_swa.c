/*
 * test_engine_sglang_swa.c — hybrid models under SGLang: its two pools for
 * sliding layers (lib/sglang_pools.c), the architectures it gives them,
 * and the pools with a draft.  Every figure is worked out by hand in the
 * comment next to its assertion, from SGLang's sources cited there (S1..S5
 * in doc/engines.md).
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
#include "checks.h"
#include "engine_fixture.h"

/* Llama 4 Scout (meta-llama/Llama-4-Scout-17B-16E text_config): 48
 * layers, 8 kv heads of 128, attention_chunk_size 8192, every fourth
 * layer global: 4,096 B a token and layer, 36 chunked and 12 full. */
static kvp_model llama4_scout(void)
{
	kvp_model m = {.name = "llama4-scout", .layers = 48, .heads = 40, .kv_heads = 8,
	               .head_dim = 128, .chunk_size = 8192, .model_type = "llama4_text"};

	pattern(&m, "chunked*3,full");
	return m;
}

/* SGLang with sliding layers (S1, S3a; model_executor/pool_configurator.py
 * HybridSWAPoolConfigurator, mem_cache/swa_memory_pool.py SWAKVPool). */
static void test_sglang_swa_pool(void **state)
{
	kvp_model oss = gpt_oss_120b();
	kvp_model all = uniform(4);
	kvp_request r = request_at(KVP_ENGINE_SGLANG, 4000, 1);
	kvp_capacity c;
	kvp_plan p;

	(void)state;
	/* Cells: a sliding layer keeps min(4,000, 128) = 128 tokens (the SWA
	 * allocator frees the rest, schedule_batch.py _evict_swa), + 1
	 * padding row (page 1) = 129; a full one 4,000 + 1 = 4,001.  18 ·
	 * 2,048 · (4,001 + 129) = 36,864 · 4,130 = 152,248,320. */
	plan_ok(&oss, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->cells, 129);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->cells, 4001);
	assert_int_equal(p.kv_bytes_per_gpu, 152248320ULL);
	assert_int_equal(bytes_at(&p, 4000, 1), 152248320ULL);
	/* Page 16, batch 2: sliding pad(128, 16) · 2 + 16 = 272; full
	 * pad(4,000, 16) · 2 + 16 = 8,016.  36,864 · 8,288 = 305,528,832.
	 * At 4,001 tokens the full layers take a page more (4,016 · 2 + 16
	 * = 8,048), the sliding ones none: 36,864 · 8,320 = 306,708,480. */
	r.block_size = 16;
	r.batch = 2;
	plan_ok(&oss, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->cells, 272);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->cells, 8016);
	assert_int_equal(p.kv_bytes_per_gpu, 305528832ULL);
	assert_int_equal(bytes_at(&p, 4000, 2), 305528832ULL);
	assert_int_equal(bytes_at(&p, 4001, 2), 306708480ULL);
	/* The solver counts the pools that budget makes, not bytes: with
	 * 305,528,832 B, full = 305,528,832 // 66,355.2 = 4,604, 4,592 in
	 * pages; swa = int(4,592 · 0.8) = 3,673, 3,664 in pages.  Two
	 * sequences: the full pool gives each 4,592 / 2 = 2,296 tokens (143
	 * pages and a half: 2,288 tokens, 143 pages); the sliding pool holds
	 * 2 · 128 easily.  So 2,288, and 2,289 would need 144 pages each. */
	{
		uint64_t seq, batch;
		bool unbounded;
		kvp_error err;

		assert_int_equal(kvp_plan_max_seq(&p, 305528832ULL, 2, &seq, &unbounded, &err),
		                 KVP_OK);
		assert_false(unbounded);
		assert_int_equal(seq, 2288);
		/* At 4,000 tokens (250 pages), the full pool holds 4,592 /
		 * 4,000 = 1 sequence. */
		assert_int_equal(kvp_plan_max_batch(&p, 305528832ULL, 4000, &batch, &err),
		                 KVP_OK);
		assert_int_equal(batch, 1);
	}

	/* Capacity, page 1, budget 10^10 (pool_configurator.py
	 * HybridSWAPoolConfigurator): 18 full and 18 sliding layers of 2,048
	 * B a token; cell = 2,048 · 18 + (0.8 · 2,048) · 18 = 66,355.2; full
	 * = 10^10 // 66,355.2 = 150,704 (150,704.09); swa = int(150,704 ·
	 * 0.8) = int(120,563.2) = 120,563.  Allocated (150,705 + 120,564) ·
	 * 36,864 = 10,000,060,416: the padding rows are beyond the budget.
	 * (set_num_tokens_hybrid_swa, before PR #22389, floored to 10^10 //
	 * 73,728 = 135,633 tokens first, and gave 150,703 and 120,562.) */
	r = request_at(KVP_ENGINE_SGLANG, 4000, 1);
	plan_ok(&oss, &r, &p);
	capacity_ok(&p, 10000000000ULL, &c);
	assert_int_equal(c.tokens, 150704);
	assert_int_equal(c.swa_tokens, 120563);
	assert_int_equal(c.blocks, 150704);
	assert_int_equal(c.blocks_per_request, 4000);
	assert_int_equal(c.allocated_bytes, 10000060416ULL);
	/* Requests of 4,000: the full pool holds 150,704 / 4,000, the
	 * sliding one 120,563 / 128: the fewer. */
	assert_true(c.max_concurrency == 150704.0 / 4000.0);

	/* Page 16: full = 150,704, a whole number of pages (9,419); swa =
	 * int(150,704 · 0.8) = 120,563, down to pages 120,560 (SGLang takes
	 * swa from the aligned full).  Allocated (150,704 + 16 + 120,560 +
	 * 16) · 36,864 = 10,001,055,744.  Concurrency at 4,000: 9,419 pages
	 * / 250. */
	r.block_size = 16;
	plan_ok(&oss, &r, &p);
	capacity_ok(&p, 10000000000ULL, &c);
	assert_int_equal(c.tokens, 150704);
	assert_int_equal(c.swa_tokens, 120560);
	assert_int_equal(c.blocks, 9419);
	assert_int_equal(c.blocks_per_request, 250);
	assert_int_equal(c.allocated_bytes, 10001055744ULL);
	assert_true(c.max_concurrency == 9419.0 / 250.0);
	/* --swa-full-tokens-ratio 0.5: cell 36,864 + 1,024 · 18 = 55,296;
	 * full = 10^10 // 55,296 = 180,844 → 180,832; swa = int(90,416) →
	 * 90,416. */
	r.swa_full_tokens_ratio = 0.5;
	plan_ok(&oss, &r, &p);
	capacity_ok(&p, 10000000000ULL, &c);
	assert_int_equal(c.tokens, 180832);
	assert_int_equal(c.swa_tokens, 90416);
	/* A ratio that is not a number, or negative, is an error. */
	r.swa_full_tokens_ratio = -1;
	plan_fails(&oss, &r, KVP_ERR_INVALID,
	           "SGLang's swa_full_tokens_ratio must be in (0, 1e6]");

	/* Sliding layers alone (4 of 4,096 B a token, window 100), of an
	 * architecture with the pool (GGUF's spelling of gpt-oss): one
	 * pool, the sliding one: 10^6 // 16,384 = 61 tokens, both figures;
	 * a request of 500 keeps min(500, 100) = 100 slots: 61 / 100. */
	all.sliding_window = 100;
	snprintf(all.model_type, sizeof all.model_type, "gpt-oss");
	pattern(&all, "sliding");
	r = request_at(KVP_ENGINE_SGLANG, 500, 1);
	plan_ok(&all, &r, &p);
	assert_int_equal(p.groups[0].cells, 101);
	capacity_ok(&p, 1000000ULL, &c);
	assert_int_equal(c.tokens, 61);
	assert_int_equal(c.swa_tokens, 61);
	assert_true(c.max_concurrency == 61.0 / 100.0);
	/* No sliding layers: one pool as before, no SWA figure. */
	r = request_at(KVP_ENGINE_SGLANG, 500, 1);
	plan_ok(&llama3_8b, &r, &p);
	capacity_ok(&p, 131072005ULL, &c);
	assert_int_equal(c.tokens, 1000);
	assert_int_equal(c.swa_tokens, 0);
}

/* SGLang's sliding-window pool is for the architectures it lists
 * (configs/model_config.py is_hybrid_swa_model @ 001adf56): Gemma 3's
 * sliding layers hold every token in its one pool, Llama 4's chunked
 * layers are its SWA layers with the chunk as their window, and
 * --disable-hybrid-swa-memory turns the pool off. */
static void test_sglang_swa_architectures(void **state)
{
	/* Gemma 3 4B (google/gemma-3-4b-it text_config): 34 layers, 4 kv
	 * heads of 256, 29 sliding (1024) and 5 full: 4,096 B a token and
	 * layer in fp16. */
	kvp_model gemma = {.name = "gemma3-4b", .layers = 34, .heads = 8, .kv_heads = 4,
	                   .head_dim = 256, .sliding_window = 1024,
	                   .model_type = "gemma3_text"};
	kvp_model scout = llama4_scout();
	kvp_model oss = gpt_oss_120b();
	kvp_request r = request_at(KVP_ENGINE_SGLANG, 8192, 1);
	kvp_capacity c;
	kvp_plan p;

	(void)state;
	pattern(&gemma, "sliding*5,full");
	assert_false(kvp_engine_swa_pool(&gemma, &r));
	assert_true(kvp_engine_swa_pool(&scout, &r));
	assert_true(kvp_engine_swa_pool(&oss, &r));
	assert_false(kvp_engine_swa_pool(NULL, &r));

	/* Gemma 3 at 8,192: one group of 34 full layers of 8,192 + 1 rows:
	 * 34 · 8,193 · 4,096 = 1,140,989,952 B; the exact model keeps
	 * 29 · 1,024 + 5 · 8,192 tokens: 289,406,976 B. */
	plan_ok(&gemma, &r, &p);
	assert_true(p.windows_held);
	assert_int_equal(p.group_count, 1);
	assert_int_equal(p.groups[0].kind, KVP_LAYER_FULL);
	assert_int_equal(p.groups[0].cells, 8193);
	assert_int_equal(p.cache_total_bytes, 1140989952ULL);
	assert_int_equal(p.exact_cache_bytes, 289406976ULL);
	/* One pool, cell 34 · 4,096 = 139,264 B: 10^10 // 139,264 = 71,806
	 * tokens, no sliding pool. */
	capacity_ok(&p, 10000000000ULL, &c);
	assert_int_equal(c.tokens, 71806);
	assert_int_equal(c.swa_tokens, 0);

	/* Llama 4 at 16,384: the 36 chunked layers keep min(16,384, 8,192)
	 * + 1 = 8,193 rows, the 12 global ones 16,385: 36 · 8,193 · 4,096 +
	 * 12 · 16,385 · 4,096 = 2,013,462,528 B. */
	r = request_at(KVP_ENGINE_SGLANG, 16384, 1);
	plan_ok(&scout, &r, &p);
	assert_false(p.windows_held);
	assert_int_equal(group_of(&p, KVP_LAYER_CHUNKED)->cells, 8193);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->cells, 16385);
	assert_int_equal(p.cache_total_bytes, 2013462528ULL);
	assert_int_equal(p.exact_cache_bytes, 2013265920ULL);
	/* The pools of 10^10 B (HybridSWAPoolConfigurator): cell = 12 ·
	 * 4,096 + (0.8 · 4,096) · 36 = 167,116.8; full = 10^10 // 167,116.8
	 * = 59,838 (59,838.39); swa = int(47,870.4) = 47,870.  Allocated
	 * (59,839 · 49,152) + (47,871 · 147,456) = 10,000,072,704 B.
	 * Requests of 16,384: the full pool holds 59,838 / 16,384 of them,
	 * the chunked one 47,870 / 8,192: the fewer. */
	capacity_ok(&p, 10000000000ULL, &c);
	assert_int_equal(c.tokens, 59838);
	assert_int_equal(c.swa_tokens, 47870);
	assert_int_equal(c.allocated_bytes, 10000072704ULL);
	assert_true(c.max_concurrency == 59838.0 / 16384.0);

	/* --disable-hybrid-swa-memory: gpt-oss-120b's 36 layers all keep
	 * 4,000 + 1 rows of 2,048 B: 294,985,728 B. */
	r = request_at(KVP_ENGINE_SGLANG, 4000, 1);
	r.no_swa_pool = true;
	assert_false(kvp_engine_swa_pool(&oss, &r));
	plan_ok(&oss, &r, &p);
	assert_true(p.windows_held);
	assert_int_equal(p.cache_total_bytes, 294985728ULL);
	/* Under --pp 2 SGLang's sliding-window pool still holds all 36
	 * layers on each stage (SWAKVPool takes the whole model's layer
	 * ids): 152,248,320 B a GPU, as on one, and twice that in all; the
	 * pools of 10^10 B are one GPU's (150,704 and 120,563 tokens). */
	r = request_at(KVP_ENGINE_SGLANG, 4000, 1);
	r.pp = 2;
	plan_ok(&oss, &r, &p);
	assert_true(p.stages_whole);
	assert_int_equal(p.stage_bytes[0], 152248320ULL);
	assert_int_equal(p.stage_bytes[1], 152248320ULL);
	assert_int_equal(p.kv_bytes_per_gpu, 152248320ULL);
	assert_int_equal(p.cache_total_bytes, 2 * 152248320ULL);
	capacity_ok(&p, 10000000000ULL, &c);
	assert_int_equal(c.tokens, 150704);
	assert_int_equal(c.swa_tokens, 120563);
	/* An MTP layer runs on the last stage alone: the total is the two
	 * stages' caches, the model's on each and the MTP layer's once
	 * (gpt-oss has none: a variant with one). */
	oss.mtp_layers = 1;
	r.mtp_layers = 1;
	plan_ok(&oss, &r, &p);
	assert_true(p.stages_whole);
	assert_int_equal(p.stage_bytes[0], 152248320ULL);
	{
		const kvp_layer_group *mtp = NULL;

		for (uint32_t g = 0; g < p.group_count; g++)
			if (p.groups[g].draft)
				mtp = &p.groups[g];
		assert_non_null(mtp);
		assert_int_equal(p.stage_bytes[1], 152248320ULL + mtp->bytes);
		assert_int_equal(p.cache_total_bytes, 2 * 152248320ULL + mtp->bytes);
	}
	r.mtp_layers = 0;
	oss.mtp_layers = 0;
	/* Gemma 3 has no such pool: each stage its own 17 layers. */
	r.seq = 8192;
	plan_ok(&gemma, &r, &p);
	assert_false(p.stages_whole);
	assert_int_equal(p.stage_bytes[0], 17ULL * 8193 * 4096);
	assert_int_equal(p.cache_total_bytes, 1140989952ULL);
	r.pp = 1;
	/* Another engine keeps its windows whatever SGLang does. */
	r.engine = KVP_ENGINE_VLLM;
	plan_ok(&gemma, &r, &p);
	assert_false(p.windows_held);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->layers, 29);
}

/* SGLang's sliding-window pools with a draft (pool_configurator.py
 * HybridSWAPoolConfigurator, PR #29622 of 2026-06-30): the draft's layers
 * are budgeted as full layers of the model's shape, and its own pool holds
 * the full pool's tokens in its own shape.  gpt-oss-120b (18 full and 18
 * sliding layers of 2,048 B a token) and a one-layer draft of 8 kv heads
 * of 128 (4,096 B): cell = 2,048 · (18 + 1) + (0.8 · 2,048) · 18 =
 * 68,403.2; full = 10^10 // 68,403.2 = 146,191 (146,191.99); swa =
 * int(146,191 · 0.8) = 116,952.  Allocated (146,192 + 116,953) · 36,864
 * + 146,192 · 4,096 = 10,299,379,712: a draft larger than the model's
 * layers takes the pools past the budget. */
static void test_sglang_swa_draft(void **state)
{
	kvp_model oss = gpt_oss_120b();
	kvp_model draft = uniform(1);
	kvp_model all = uniform(4);
	kvp_request r = request_at(KVP_ENGINE_SGLANG, 4000, 1);
	kvp_capacity c;
	kvp_plan p;

	(void)state;
	r.draft = &draft;
	plan_ok(&oss, &r, &p);
	capacity_ok(&p, 10000000000ULL, &c);
	assert_int_equal(c.tokens, 146191);
	assert_int_equal(c.swa_tokens, 116952);
	assert_int_equal(c.allocated_bytes, 10299379712ULL);
	/* The solver's pools are the same: two requests of 73,095 tokens
	 * fill the full pool (146,190), 73,096 do not. */
	{
		uint64_t seq;
		bool unbounded;
		kvp_error err;

		assert_int_equal(kvp_plan_max_seq(&p, 10000000000ULL, 2, &seq, &unbounded, &err),
		                 KVP_OK);
		assert_int_equal(seq, 73095);
	}

	/* Sliding layers alone (4 of 4,096 B, window 100, gpt-oss's
	 * pool): the cell is whole, 4 · 4,096 + 1 · 4,096 = 20,480 (F, the
	 * model's layer, is the sliding layers' shape); 10^6 // 20,480 = 48
	 * tokens, the draft's pool as many: 49 · 16,384 + 49 · 4,096 =
	 * 1,003,520 B allocated. */
	all.sliding_window = 100;
	snprintf(all.model_type, sizeof all.model_type, "gpt-oss");
	pattern(&all, "sliding");
	r.seq = 500;
	plan_ok(&all, &r, &p);
	capacity_ok(&p, 1000000ULL, &c);
	assert_int_equal(c.tokens, 48);
	assert_int_equal(c.swa_tokens, 48);
	assert_int_equal(c.allocated_bytes, 1003520ULL);
	/* The requests the solvers count are the pool's, whose allocator
	 * frees the tokens past the window for the draft too: 10^8 //
	 * 20,480 = 4,882 tokens, 100 a request of 500: 48 of them (the
	 * capacity's 48.82), and any length for one. */
	{
		uint64_t batch, seq;
		bool unbounded;
		kvp_error err;

		capacity_ok(&p, 100000000ULL, &c);
		assert_int_equal(c.swa_tokens, 4882);
		assert_true(c.max_concurrency == 4882.0 / 100.0);
		assert_int_equal(kvp_plan_max_batch(&p, 100000000ULL, 500, &batch, &err), KVP_OK);
		assert_int_equal(batch, 48);
		assert_int_equal(kvp_plan_max_seq(&p, 100000000ULL, 1, &seq, &unbounded, &err),
		                 KVP_OK);
		assert_true(unbounded);
	}

	/* A draft that is itself of the split pool's architectures (gpt-oss-
	 * 20b's 12 sliding and 12 full layers of 2,048 B for gpt-oss-120b,
	 * SGLang's STANDALONE draft): budgeted as 24 full layers, cell =
	 * 2,048 · (18 + 24) + (0.8 · 2,048) · 18 = 115,507.2, full = 10^10 //
	 * 115,507.2 = 86,574, swa = int(69,259.2) = 69,259; its worker's
	 * SWAKVPool keeps its sliding layers in 69,260 rows and its full ones
	 * in 86,575: (86,575 + 69,260) · (36,864 + 24,576) = 9,574,502,400 B
	 * allocated. */
	{
		kvp_model small = gpt_oss_120b();

		small.layers = 24;
		r = request_at(KVP_ENGINE_SGLANG, 4000, 1);
		r.draft = &small;
		plan_ok(&oss, &r, &p);
		capacity_ok(&p, 10000000000ULL, &c);
		assert_int_equal(c.tokens, 86574);
		assert_int_equal(c.swa_tokens, 69259);
		assert_int_equal(c.allocated_bytes, 9574502400ULL);
	}
}

/* SGLang's chunk cache caps the sliding pool (model_executor/
 * pool_configurator.py SWAChunkCapPoolConfigurator, PR #28755, from
 * 0.5.14; main at 003fca80): with --max-running-requests and
 * --disable-radix-cache, a request keeps sliding_window_size (gpt-oss's
 * 128 - 1 = 127) + 128 x the draft tokens + a page + its decode step, the
 * pool that for each request and two chunks of chunked_prefill_size and a
 * page; the full pool takes the rest.  gpt-oss-120b at tp 1: 18 full and
 * 18 sliding layers of 2,048 B a token, 36,864 B each way; a budget of 10
 * GiB, 10,737,418,240 B.
 *  - mrr 64, chunks of 8,192: (127 + 128 + 1 + 1) x 64 + 2 x 8,192 + 1
 *    = 16,448 + 16,385 = 32,833; the full pool (10,737,418,240 - 32,833
 *    x 36,864) // 36,864 = 258,438.
 *  - without the overlap schedule one chunk: 24,641, full 266,630.
 *  - pages of 16: (127 + 128 + 16 + 16) x 64 + 16,384 + 16 = 34,768, full
 *    256,496 in pages.
 *  - mrr 32, no chunk size (4,096, SGLang's with no device): 8,224 +
 *    8,192 + 1 = 16,417, full 274,854.
 *  - a draft (one layer of 4,096 B; SGLang's own 3 steps, topk 1, 4
 *    tokens): a request 127 + 128 x 4 + 1 + 2 x max(3, 4) = 648, 648 x 64
 *    + 16,385 = 57,857; the full cell 36,864 + 1 x 2,048 (the draft
 *    budgeted as the model's full layers) = 38,912: full 221,129.  With
 *    no --max-running-requests the 48 a draft sets (before the pools
 *    are sized) count: 648 x 48 + 16,385 = 47,489, full 230,951.
 *  - a decode server, mrr 16: 257 x 16 + (127 + 1) x the 2 x 16 requests
 *    it receives = 8,208, full 283,063; at mrr 64 it receives none
 *    (more than 32): 16,448, full 274,823.
 *  - a budget below the sliding pool's 32,833 x 36,864 = 1,210,355,712 B
 *    holds no tokens (SGLang stops).
 *  - 0.5.13, or without --disable-radix-cache: the ratio (swa_cap 0). */
static void test_sglang_swa_chunk_cap(void **state)
{
	static const struct {
		uint32_t mrr, chunked, page;
		bool no_overlap, draft, decode;
		uint64_t cap, swa, full;
	} cases[] = {
		{64, 8192, 1, false, false, false, 32833, 32833, 258438},
		{64, 8192, 1, true, false, false, 24641, 24641, 266630},
		{64, 8192, 16, false, false, false, 34768, 34768, 256496},
		{32, 0, 1, false, false, false, 16417, 16417, 274854},
		{64, 8192, 1, false, true, false, 57857, 57857, 221129},
		{0, 8192, 1, false, true, false, 47489, 47489, 230951},
		{16, 8192, 1, false, false, true, 8208, 8208, 283063},
		{64, 8192, 1, false, false, true, 16448, 16448, 274823},
	};
	kvp_model oss = gpt_oss_120b();
	kvp_model draft = uniform(1);
	kvp_capacity c;
	kvp_plan p;
	kvp_request r;
	kvp_device big = {.name = "g", .hbm_bytes = 180ull << 30};
	kvp_device h100 = {.name = "h", .hbm_bytes = 80ull << 30};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		r = request_at(KVP_ENGINE_SGLANG, 4000, 1);
		r.disable_radix_cache = true;
		r.max_running_requests = cases[i].mrr;
		r.chunked_prefill_size = cases[i].chunked;
		r.block_size = cases[i].page;
		r.disable_overlap_schedule = cases[i].no_overlap;
		r.draft = cases[i].draft ? &draft : NULL;
		r.disaggregation = cases[i].decode ? KVP_DISAGG_DECODE : KVP_DISAGG_NONE;
		plan_ok(&oss, &r, &p);
		capacity_ok(&p, 10737418240ULL, &c);
		if (c.swa_cap != cases[i].cap || c.swa_tokens != cases[i].swa ||
		    c.tokens != cases[i].full)
			fail_msg("case %zu: cap %llu, swa %llu, full %llu", i,
			         (unsigned long long)c.swa_cap, (unsigned long long)c.swa_tokens,
			         (unsigned long long)c.tokens);
	}
	r = request_at(KVP_ENGINE_SGLANG, 4000, 1);
	r.disable_radix_cache = true;
	r.max_running_requests = 64;
	r.chunked_prefill_size = 8192;
	plan_ok(&oss, &r, &p);
	capacity_ok(&p, 1210355712ULL, &c);
	assert_int_equal(c.tokens, 0);
	assert_int_equal(c.swa_tokens, 0);
	capacity_ok(&p, 1210355712ULL + 36864, &c);
	assert_int_equal(c.tokens, 1);
	r.sglang_version = 513;
	plan_ok(&oss, &r, &p);
	capacity_ok(&p, 10737418240ULL, &c);
	assert_int_equal(c.swa_cap, 0);
	r.sglang_version = 0;
	r.disable_radix_cache = false;
	plan_ok(&oss, &r, &p);
	capacity_ok(&p, 10737418240ULL, &c);
	assert_int_equal(c.swa_cap, 0);
	/* kvp_request_for_device gives the chunk size SGLang's default for
	 * the device takes where the cap needs it: 8,192 on 80 GiB, 16,384
	 * on 180; none without the chunk cache, or asked. */
	r.disable_radix_cache = true;
	r.chunked_prefill_size = 0;
	kvp_request_for_device(&r, &oss, &h100);
	assert_int_equal(r.chunked_prefill_size, 8192);
	r.chunked_prefill_size = 0;
	kvp_request_for_device(&r, &oss, &big);
	assert_int_equal(r.chunked_prefill_size, 16384);
	r.chunked_prefill_size = 2048;
	kvp_request_for_device(&r, &oss, &big);
	assert_int_equal(r.chunked_prefill_size, 2048);
	r.chunked_prefill_size = 0;
	r.disable_radix_cache = false;
	kvp_request_for_device(&r, &oss, &big);
	assert_int_equal(r.chunked_prefill_size, 0);
}

/* A sliding pool no larger than one prefill's sliding_window_size +
 * page_size: SGLang refuses to start (pool_configurator.py
 * HybridSWAPoolConfigurator._solve_pool_sizes at 003fca80: "SWA pool (N
 * tokens) cannot hold even one request", when sliding_window_size +
 * page_size >= swa_tokens).  gpt-oss-120b: 18 full and 18 sliding
 * layers of 2,048 B a token, window 128, so sliding_window_size 127
 * (config.sliding_window - 1). */
static void test_sglang_swa_floor(void **state)
{
	kvp_model oss = gpt_oss_120b();
	kvp_request r = request_at(KVP_ENGINE_SGLANG, 4000, 1);
	kvp_capacity c;
	kvp_plan p;
	uint64_t seq, batch;
	bool unbounded;
	kvp_error err;

	(void)state;
	/* Ratio 0.01, page 1: cell = 36,864 + (0.01 x 2,048) x 18 =
	 * 37,232.64.  476,600,000 // 37,232.64 = 12,800 (12,800.6); swa =
	 * int(12,800 x 0.01) = 128 <= 127 + 1: refused. */
	r.swa_full_tokens_ratio = 0.01;
	plan_ok(&oss, &r, &p);
	capacity_ok(&p, 476600000ULL, &c);
	assert_int_equal(c.swa_floor, 128);
	assert_int_equal(c.swa_tokens, 128);
	assert_int_equal(c.tokens, 0);
	assert_int_equal(c.blocks, 0);
	assert_int_equal(c.allocated_bytes, 0);
	assert_true(c.max_concurrency == 0.0);
	/* Nothing fits in it. */
	assert_int_equal(kvp_plan_max_seq(&p, 476600000ULL, 1, &seq, &unbounded, &err), KVP_OK);
	assert_false(unbounded);
	assert_int_equal(seq, 0);
	assert_int_equal(kvp_plan_max_batch(&p, 476600000ULL, 100, &batch, &err), KVP_OK);
	assert_int_equal(batch, 0);
	/* 480,320,000 // 37,232.64 = 12,900 (12,900.5); swa = 129 > 128:
	 * the pools, (12,900 + 1 + 129 + 1) x 36,864 = 480,374,784 B. */
	capacity_ok(&p, 480320000ULL, &c);
	assert_int_equal(c.swa_floor, 0);
	assert_int_equal(c.tokens, 12900);
	assert_int_equal(c.swa_tokens, 129);
	assert_int_equal(c.allocated_bytes, 480374784ULL);
	/* Page 16: the floor is 127 + 16 = 143.  536,000,000 // 37,232.64
	 * = 14,395, 14,384 in pages; swa = int(143.84) = 143, 128 in
	 * pages: refused.  536,200,000 gives 14,401, 14,400 in pages, swa
	 * 144: (14,400 + 16 + 144 + 16) x 36,864 = 537,329,664 B. */
	r.block_size = 16;
	plan_ok(&oss, &r, &p);
	capacity_ok(&p, 536000000ULL, &c);
	assert_int_equal(c.swa_floor, 143);
	assert_int_equal(c.swa_tokens, 128);
	assert_int_equal(c.tokens, 0);
	capacity_ok(&p, 536200000ULL, &c);
	assert_int_equal(c.swa_floor, 0);
	assert_int_equal(c.tokens, 14400);
	assert_int_equal(c.swa_tokens, 144);
	assert_int_equal(c.allocated_bytes, 537329664ULL);
	/* The releases kvplan reads (0.5.20 and before) are not known to
	 * refuse: the pools as computed. */
	r.block_size = 0;
	r.sglang_version = 520;
	plan_ok(&oss, &r, &p);
	capacity_ok(&p, 476600000ULL, &c);
	assert_int_equal(c.swa_floor, 0);
	assert_int_equal(c.tokens, 12800);
	assert_int_equal(c.swa_tokens, 128);
	r.sglang_version = 521;
	plan_ok(&oss, &r, &p);
	capacity_ok(&p, 476600000ULL, &c);
	assert_int_equal(c.swa_floor, 128);
}

/* Llama 4's chunked layers under SGLang: its sliding_window_size is
 * attention_chunk_size itself, 8,192 (model_runner.py load_model: the
 * config has no sliding window, the model class gives none), not a
 * sliding layer's window - 1; the chunk cache's cap and the floor read
 * it.  Scout: 36 chunked and 12 full layers of 4,096 B a token, so
 * 147,456 B a sliding-pool token and 49,152 B a full one.
 *  - Chunk cache, mrr 64, chunks of 8,192, a budget of 100 GiB
 *    (107,374,182,400 B): (8,192 + 128 + 1 + 1) x 64 + 2 x 8,192 + 1 =
 *    532,608 + 16,385 = 548,993 sliding tokens, 80,952,311,808 B; the
 *    full pool 26,421,870,592 // 49,152 = 537,554.
 *  - Pages of 16: (8,192 + 128 + 16 + 16) x 64 + 16,384 + 16 = 550,928
 *    (whole pages), 81,237,639,168 B; 26,136,543,232 // 49,152 =
 *    531,749, 531,744 in pages.
 *  - Ratio 0.01, page 1: cell = 49,152 + (0.01 x 4,096) x 36 =
 *    50,626.56; 41,483,377,950 // 50,626.56 = 819,399, swa =
 *    int(8,193.99) = 8,193 <= 8,192 + 1: refused.  41,483,428,577 gives
 *    819,400 and 8,194: (819,401 x 49,152) + (8,195 x 147,456) =
 *    41,483,599,872 B. */
static void test_sglang_swa_chunked_window(void **state)
{
	static const struct {
		uint32_t page;
		uint64_t cap, full;
	} cases[] = {{1, 548993, 537554}, {16, 550928, 531744}};
	kvp_model scout = llama4_scout();
	kvp_request r;
	kvp_capacity c;
	kvp_plan p;

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		r = request_at(KVP_ENGINE_SGLANG, 16384, 1);
		r.disable_radix_cache = true;
		r.max_running_requests = 64;
		r.chunked_prefill_size = 8192;
		r.block_size = cases[i].page;
		plan_ok(&scout, &r, &p);
		capacity_ok(&p, 107374182400ULL, &c);
		assert_int_equal(c.swa_cap, cases[i].cap);
		assert_int_equal(c.swa_tokens, cases[i].cap);
		assert_int_equal(c.tokens, cases[i].full);
	}
	r = request_at(KVP_ENGINE_SGLANG, 16384, 1);
	r.swa_full_tokens_ratio = 0.01;
	plan_ok(&scout, &r, &p);
	capacity_ok(&p, 41483377950ULL, &c);
	assert_int_equal(c.swa_floor, 8193);
	assert_int_equal(c.swa_tokens, 8193);
	assert_int_equal(c.tokens, 0);
	assert_int_equal(c.allocated_bytes, 0);
	capacity_ok(&p, 41483428577ULL, &c);
	assert_int_equal(c.swa_floor, 0);
	assert_int_equal(c.tokens, 819400);
	assert_int_equal(c.swa_tokens, 8194);
	assert_int_equal(c.allocated_bytes, 41483599872ULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sglang_swa_pool),
		cmocka_unit_test(test_sglang_swa_architectures),
		cmocka_unit_test(test_sglang_swa_draft),
		cmocka_unit_test(test_sglang_swa_chunk_cap),
		cmocka_unit_test(test_sglang_swa_floor),
		cmocka_unit_test(test_sglang_swa_chunked_window),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
