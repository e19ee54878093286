/*
 * test_engine_vllm_hybrid.c — hybrid models under vLLM (lib/engine.c,
 * lib/capacity.c): the tokens a window keeps in flight, unified pages of
 * layers whose pages differ, and a mamba hybrid's state, its attention
 * block and its split over tensor-parallel ranks.  Every figure is worked
 * out by hand in the comment next to its assertion, from vLLM's sources
 * cited there (V1..V15 in doc/engines.md).
 *
 * Models are kvp_model literals with their config.json numbers, never
 * loaded from the catalogue.
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

/* ---- helpers ---------------------------------------------------------- */

/* vLLM's pool at budget: its page, blocks and tokens, the blocks a
 * request takes, the concurrency they make exactly, and the tokens of its
 * "GPU KV cache size" line. */
static void vllm_pool_is(const kvp_plan *p, uint64_t budget, uint64_t page,
                         uint64_t blocks, uint64_t tokens, uint64_t per_request,
                         uint64_t log_tokens)
{
	kvp_capacity c;

	capacity_ok(p, budget, &c);
	assert_int_equal(c.page_bytes, page);
	assert_int_equal(c.blocks, blocks);
	assert_int_equal(c.tokens, tokens);
	assert_int_equal(c.blocks_per_request, per_request);
	assert_true(c.max_concurrency == (double)blocks / (double)per_request);
	assert_int_equal(c.log_tokens, log_tokens);
}

/* Since vLLM 0.26 (PR #47728) a window keeps the tokens in flight
 * beyond it, max_concurrent_batches x mnbt: two batches with async
 * scheduling at pp 1, pp of them with more stages (V1 model runner)
 * (vllm/config/vllm.py max_in_flight_tokens; kv_cache_interface.py
 * SlidingWindowSpec.max_admission_blocks_per_request).  gpt-oss, mnbt
 * 2,048, in flight 4,096:
 *   at 4,000: min(127 + 4,096, 4,000) = 4,000, cdiv 250, + 1 = 251
 *     blocks = 4,016 tokens (0.25: 2,192);
 *   at 8,192: 4,223, cdiv 264, + 1 = 265 blocks = 4,240;
 *   mnbt 512: 127 + 1,024 = 1,151, cdiv 72, + 1 = 73 blocks = 1,168;
 *   pp 3: 3 x 2,048 = 6,144, 6,271, cdiv 392, + 1 = 393 blocks = 6,288;
 *   pp 2: two batches, as at pp 1: 4,240.
 * Those with the V1 model runner, which vLLM 0.26 gives a mixture of
 * experts (gpt-oss's 128 routed experts).  The V2 runner, every model's
 * from 0.29, keeps pp + 1 batches: at pp 3 four, 8,319 tokens, capped by
 * the 8,192 of the request: cdiv 512, + 1 = 513 blocks = 8,208; at pp 2
 * three, 6,288.
 * Chunk 8,192 at 20,000: min(8,192 + 4,096, 20,000) = 12,288, 768
 * blocks (0.25: 10,240). */
/* A hybrid model's pages as vLLM unifies them: the attention layers'
 * block, and the recurrent layers' state padded to that page. */
static void pages(const kvp_model *m, const kvp_request *r, kvp_plan *p,
                  uint64_t block, uint64_t state)
{
	plan_ok(m, r, p);
	assert_int_equal(group_of(p, KVP_LAYER_FULL)->block, block);
	assert_int_equal(group_of(p, KVP_LAYER_RECURRENT)->state_bytes_per_seq, state);
}

static void test_vllm_in_flight(void **state)
{
	kvp_model oss = gpt_oss_120b();
	kvp_model ch = {.name = "chunked", .layers = 4, .heads = 8, .kv_heads = 8,
	                .head_dim = 128, .chunk_size = 8192};
	kvp_request r = request_at(KVP_ENGINE_VLLM, 4000, 1);
	kvp_plan p;

	(void)state;
	oss.moe_routed_experts = 128;
	oss.moe_top_k = 4;
	plan_ok(&oss, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->cells, 4016);
	r.vllm_version = 25;
	plan_ok(&oss, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->cells, 2192);
	r.vllm_version = 26;
	r.seq = 8192;
	plan_ok(&oss, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->cells, 4240);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->cells, 8192);
	r.max_batched_tokens = 512;
	plan_ok(&oss, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->cells, 1168);
	r.max_batched_tokens = 0;
	r.pp = 3;
	plan_ok(&oss, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->cells, 6288);
	r.pp = 2;
	plan_ok(&oss, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->cells, 4240);
	assert_int_equal(p.request.vllm_runner, 1);
	/* V2: the current release's default, or asked for */
	r.vllm_version = 0;
	plan_ok(&oss, &r, &p);
	assert_int_equal(p.request.vllm_runner, 2);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->cells, 6288);
	r.pp = 3;
	plan_ok(&oss, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->cells, 8208);
	r.vllm_version = 26;
	r.vllm_runner = 2;
	plan_ok(&oss, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->cells, 8208);

	pattern(&ch, "chunked*3,full");
	r = request_at(KVP_ENGINE_VLLM, 20000, 1);
	plan_ok(&ch, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_CHUNKED)->cells, 12288);
	r.vllm_version = 25;
	plan_ok(&ch, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_CHUNKED)->cells, 10240);
}

/* vLLM: a hybrid model whose layers' pages differ (V5,
 * unify_kv_cache_spec_page_size): each group keeps its own block. */
static void test_vllm_unified_pages(void **state)
{
	kvp_model m = {.name = "uneven", .layers = 4, .heads = 8, .kv_heads = 8,
	               .head_dim = 128, .sliding_window = 1024,
	               .layer_kv_heads_len = 4, .layer_kv_heads = {8, 8, 4, 4}};
	kvp_request r = request_v25(KVP_ENGINE_VLLM, 8192, 2);
	kvp_capacity c;
	kvp_plan p;
	uint64_t seq;
	bool unbounded;
	kvp_error err;

	(void)state;
	/* Layers sliding 8, full 8, sliding 4, full 4 kv heads: 4,096 and
	 * 2,048 B a token; pages 16 · 4,096 = 65,536 and 32,768.  65,536 /
	 * 32,768 = 2: the 4-head layers get blocks of 32.  At 8,192 tokens,
	 * 2 sequences, m = 2,048:
	 *   full 8:    cdiv(8,192, 16) = 512 blocks, 8,192 · 2 = 16,384 cells
	 *   full 4:    cdiv(8,192, 32) = 256 blocks, 16,384 cells
	 *   sliding 8: cdiv(min(1,023 + 2,048, 8,192), 16) + 1 = 192 + 1 =
	 *              193 blocks = 3,088 tokens, 6,176 cells
	 *   sliding 4: cdiv(3,071, 32) + 1 = 96 + 1 = 97 blocks = 3,104
	 *              tokens, 6,208 cells
	 * Bytes: 16,384 · 4,096 + 16,384 · 2,048 + 6,176 · 4,096 + 6,208 ·
	 * 2,048 = 67,108,864 + 33,554,432 + 25,296,896 + 12,713,984 =
	 * 138,674,176. */
	pattern(&m, "sliding,full");
	plan_ok(&m, &r, &p);
	assert_int_equal(p.group_count, 4);
	for (uint32_t g = 0; g < 4; g++) {
		const kvp_layer_group *grp = &p.groups[g];
		bool wide = grp->kv_heads == 8;

		assert_int_equal(grp->block, wide ? 16 : 32);
		if (grp->kind == KVP_LAYER_FULL)
			assert_int_equal(grp->cells, 16384);
		else
			assert_int_equal(grp->cells, wide ? 6176 : 6208);
	}
	assert_int_equal(p.kv_bytes_per_gpu, 138674176ULL);
	assert_int_equal(bytes_at(&p, 8192, 2), 138674176ULL);
	/* The solver: the cache grows next at 8,193 (a 513th block of the
	 * 8-head full layer), so 138,674,176 B hold 8,192 tokens. */
	assert_int_equal(kvp_plan_max_seq(&p, 138674176ULL, 2, &seq, &unbounded, &err),
	                 KVP_OK);
	assert_false(unbounded);
	assert_int_equal(seq, 8192);
	/* 3,000 tokens, below the sliding reach: full 8 188 blocks = 3,008
	 * tokens, full 4 94 · 32 = 3,008, sliding 8 188 + 1 = 189 · 16 =
	 * 3,024, sliding 4 94 + 1 = 95 · 32 = 3,040; · 2 sequences: 6,016 ·
	 * 4,096 + 6,016 · 2,048 + 6,048 · 4,096 + 6,080 · 2,048 =
	 * 24,641,536 + 12,320,768 + 24,772,608 + 12,451,840 = 74,186,752. */
	assert_int_equal(bytes_at(&p, 3000, 2), 74186752ULL);

	/* Capacity, 1 GiB: four kinds of one layer each, G = 1, P = 65,536:
	 * num_blocks = 2^30 // 65,536 = 16,384; 4 groups, "GPU KV cache
	 * size" = 16,384 // 4 · min(16, 32) = 65,536 tokens.  A request of
	 * 8,192: 512 + 256 + 193 + 97 = 1,058 blocks; 16,384 / 1,058. */
	capacity_ok(&p, 1ULL << 30, &c);
	assert_int_equal(c.page_bytes, 65536);
	assert_int_equal(c.group_size, 1);
	assert_int_equal(c.groups, 4);
	assert_int_equal(c.blocks, 16384);
	assert_int_equal(c.tokens, 65536);
	assert_int_equal(c.blocks_per_request, 1058);
	assert_true(c.max_concurrency == 16384.0 / 1058.0);
	assert_int_equal(c.allocated_bytes, 1ULL << 30);

	/* One type of attention in two shapes (all full, kv heads 8, 8, 4,
	 * 4): vLLM's UniformTypeKVCacheSpecs, one group whose page is the
	 * sum, 2 · 65,536 + 2 · 32,768 = 196,608; blocks of 16 throughout.
	 * 2^30 // 196,608 = 5,461 blocks = 87,376 tokens; a request of 8,192
	 * takes 512; allocated 5,461 · 196,608 = 1,073,676,288. */
	m.pattern_len = 0;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.group_count, 2);
	assert_int_equal(p.groups[0].block, 16);
	assert_int_equal(p.groups[1].block, 16);
	capacity_ok(&p, 1ULL << 30, &c);
	assert_int_equal(c.groups, 1);
	assert_int_equal(c.group_size, 1);
	assert_int_equal(c.page_bytes, 196608);
	assert_int_equal(c.blocks, 5461);
	assert_int_equal(c.tokens, 87376);
	assert_int_equal(c.blocks_per_request, 512);
	assert_int_equal(c.allocated_bytes, 1073676288ULL);

	/* Pages that do not divide: kv heads 8, 8, 3, 3 (24 query heads)
	 * give 65,536 and 16 · 2·3·128·2 = 24,576 B; 65,536 / 24,576 is not
	 * whole. */
	pattern(&m, "sliding,full");
	m.heads = 24;
	m.layer_kv_heads[2] = m.layer_kv_heads[3] = 3;
	plan_fails(&m, &r, KVP_ERR_SHAPE,
	           "uneven: vLLM cannot unify its page sizes: 24576 B does not divide"
	           " 65536 B (unify_kv_cache_spec_page_size)");
	/* The same model for another engine is no error. */
	r.engine = KVP_ENGINE_SGLANG;
	plan_ok(&m, &r, &p);
}

/* nvidia/Nemotron-H-56B-Base-8K (config.json, data/models/nemotron-h-56b.yaml):
 * 118 layers from hybrid_override_pattern (M Mamba-2, * attention, -
 * MLP): 54 recurrent, 10 full, 54 none; 64 heads, 8 kv heads of 128;
 * Mamba-2 conv kernel 4, inner 16384, state 256, groups 8. */
static kvp_model nemotron_h_56b(void)
{
	static const char hybrid[] =
		"M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-"
		"M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M*-M-M-M-M-M-";
	kvp_model m = {
		.name = "nemotron-h-56b", .layers = 118, .hidden = 8192, .heads = 64,
		.kv_heads = 8, .head_dim = 128, .ssm_conv_kernel = 4,
		.ssm_inner = 16384, .ssm_state = 256, .ssm_groups = 8,
	};
	char text[2048] = "";

	assert_int_equal(strlen(hybrid), 118);
	for (size_t i = 0; hybrid[i]; i++) {
		if (i)
			strcat(text, ",");
		strcat(text, hybrid[i] == 'M' ? "recurrent" : hybrid[i] == '*' ? "full"
		                                                                : "none");
	}
	pattern(&m, text);
	return m;
}

/* The plan of m for r into p, and its recurrent layers' state a sequence
 * on one GPU. */
static uint64_t state_per_seq(const kvp_model *m, const kvp_request *r, kvp_plan *p)
{
	plan_ok(m, r, p);
	return group_of(p, KVP_LAYER_RECURRENT)->state_bytes_per_seq;
}

/* vLLM splits the recurrent state over tensor-parallel ranks, as the other
 * engines do (lib/sizing.c kvp__state_bytes)
 * (vllm/model_executor/layers/mamba/mamba_utils.py @ 2afe1e85,
 * MambaStateShapeCalculator.mamba2_state_shape): conv channels
 * d_inner + 2 n_group d_state and the SSM heads divided by tp, n_group
 * made tp where tp does not divide it (extra_groups_for_head_shards). */
static void test_vllm_mamba_tp(void **state)
{
	kvp_model m = nemotron_h_56b();
	kvp_request r = request_at(KVP_ENGINE_VLLM, 8192, 1);
	kvp_model small = {
		.name = "small", .layers = 2, .heads = 6, .kv_heads = 6, .head_dim = 64,
		.ssm_conv_kernel = 4, .ssm_inner = 1000, .ssm_state = 16, .ssm_groups = 1,
	};
	kvp_plan p;
	kvp_error err;

	(void)state;
	r.mamba_cache_mode = KVP_MAMBA_NONE; /* one state a sequence */
	/* tp 2: (16384 + 2·8·256) / 2 = 10,240 channels · 3 = 30,720, SSM
	 * 256 · 8,192 = 2,097,152: 2,127,872 values · 2 B = 4,255,744 B, half
	 * the state of one GPU.  The attention page of one token and layer on
	 * a rank, 4 kv heads: 2·4·128·2 = 2,048; block 16 · cdiv(4,255,744,
	 * 32,768) = 16 · 130 = 2,080; padded 2,080 · 2,048 = 4,259,840. */
	r.tp = 2;
	pages(&m, &r, &p, 2080, 4259840);
	/* tp 16 does not divide 8 groups: vLLM's and SGLang's MambaMixer2
	 * assert "If tensor parallel world size does not divide num_groups,
	 * then num_groups must equal 1" (vllm mamba_mixer2.py @ 81be2e09,
	 * SGLang's layers/attention/mamba/mamba.py @ bc6ae173): refused.
	 * (Before, kvplan made the groups 16 for them, as they do for one
	 * group, and planned a server that does not start.) */
	r.tp = 16;
	snprintf(m.name, sizeof m.name, "h56");
	plan_fails(&m, &r, KVP_ERR_SHAPE, "h56: vLLM's Mamba-2 mixer needs tensor parallel"
	           " 16 to divide its 8 groups, or one group");
	r.engine = KVP_ENGINE_SGLANG;
	plan_fails(&m, &r, KVP_ERR_SHAPE, "h56: SGLang's Mamba-2 mixer needs tensor parallel"
	           " 16 to divide its 8 groups, or one group");
	/* The exact model makes the groups 16 (as vLLM does for one):
	 * (16384 + 2·16·256) / 16 = 1,536 channels · 3 = 4,608, SSM 256 ·
	 * 1,024 = 262,144: 266,752 values · 4 B = 1,067,008 B.  TensorRT-LLM
	 * (_torch/pyexecutor/mamba_cache_manager.py @ 00bce92c) divides the
	 * channels as they are: (16384 + 2·8·256) / 16 = 1,280 · 3 = 3,840,
	 * and 262,144: 265,984 values, both in the model's 16 bits, as
	 * Nemotron-H-56B's config names no SSM type (lib/engine_state.c
	 * trtllm_ssm_dtype): 531,968 B. */
	r.engine = KVP_ENGINE_EXACT;
	assert_int_equal(state_per_seq(&m, &r, &p), 1067008ULL);
	/* Across the 16 GPUs: 54 layers · 1,067,008 B · 16. */
	assert_int_equal(p.state_total_bytes, 54ULL * 1067008 * 16);
	r.engine = KVP_ENGINE_TRTLLM;
	assert_int_equal(state_per_seq(&m, &r, &p), 531968ULL);
	/* tp 2 divides the 8 groups: every engine's half, 2,127,872 values,
	 * in fp32 8,511,488 B (TensorRT-LLM's in 16 bits, 4,255,744 B). */
	r.tp = 2;
	assert_int_equal(state_per_seq(&m, &r, &p), 4255744ULL);
	r.engine = KVP_ENGINE_LLAMA_CPP;
	assert_int_equal(state_per_seq(&m, &r, &p), 8511488ULL);
	/* tp 3 divides the 6 heads, not the state: one group made 3, 1000 +
	 * 2·3·16 = 1,096 conv channels. */
	pattern(&small, "recurrent,full");
	r = request_at(KVP_ENGINE_VLLM, 1024, 1);
	r.tp = 3;
	assert_int_equal(kvp_plan_compute(&small, &r, &p, &err), KVP_ERR_SHAPE);
	assert_non_null(strstr(err.message, "small: the recurrent state is split over"
	                                    " tensor parallel ranks, and 3 does not divide"
	                                    " its 1096 conv channels and 1000 inner"));
}

/* vLLM sizes a mamba hybrid's attention block from the state, and pads
 * the state to an attention page (doc/engines.md V15:
 * vllm/model_executor/models/config.py @ 1936cf38
 * HybridAttentionMambaModelConfig.verify_and_update_config,
 * vllm/v1/kv_cache_interface.py MambaSpec). */
static void test_vllm_mamba_hybrid(void **state)
{
	kvp_model m = nemotron_h_56b();
	kvp_request r = request_at(KVP_ENGINE_VLLM, 8192, 4);
	kvp_capacity c;
	kvp_plan p;
	uint64_t seq;
	bool unbounded;
	kvp_error err;

	(void)state;
	/* Prefix caching off (vLLM before 0.28, or asked): mode none. */
	r.mamba_cache_mode = KVP_MAMBA_NONE;
	/* The state in the model's type (mamba_cache_dtype auto; the K
	 * cache is fp16): conv (4 - 1)(16384 + 2·8·256) = 61,440 values, SSM
	 * 256·16384 = 4,194,304; 4,255,744 · 2 = 8,511,488 B = mamba_page.
	 * attn_page_1 = FullAttentionSpec(block_size=1) = 2·8·128·2 = 4,096.
	 * attn_block_size = 16 · cdiv(8,511,488, 16 · 4,096 = 65,536) = 16 ·
	 * 130 = 2,080 (8,511,488 / 65,536 = 129.87); block_size unset, so
	 * 2,080; mamba_page_size_padded = 2,080 · 4,096 = 8,519,680 (padding
	 * 0.10%).  A request holds one padded page per mamba layer (mode
	 * none) and cdiv(8,192, 2,080) = 4 blocks = 8,320 tokens per full
	 * layer.  Batch 4: 54 · 8,519,680 · 4 = 1,840,250,880 and 10 · 8,320
	 * · 4 · 4,096 = 1,363,148,800: 3,203,399,680 B. */
	plan_ok(&m, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_RECURRENT)->layers, 54);
	assert_int_equal(group_of(&p, KVP_LAYER_RECURRENT)->state_bytes_per_seq, 8519680);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->layers, 10);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->block, 2080);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->cells, 4 * 8320);
	assert_int_equal(p.state_total_bytes, 1840250880ULL);
	assert_int_equal(p.kv_bytes_per_gpu, 3203399680ULL);
	assert_int_equal(bytes_at(&p, 8192, 4), 3203399680ULL);
	/* One sequence: 54 · 8,519,680 = 460,062,720 of state; 2,080 tokens
	 * take one block a full layer, 10 · 2,080 · 4,096 = 85,196,800, so
	 * 545,259,520; 2,081 take two, 460,062,720 + 170,393,600 =
	 * 630,456,320.  The solver answers by vLLM's pool, not the bytes:
	 * its 6 mamba groups of 10 hold 60 layers' pages for 54 (a block id
	 * spans 10 layers' pages, 85,196,800 B), so a request of up to 2,080
	 * tokens takes 1 full block and 6 mamba blocks, 7 ids, 596,377,600
	 * B, and up to 4,160 8 ids, 681,574,400 B; 545,259,520 B, its bytes,
	 * hold 6 ids: no request (vLLM stops, "insufficient KV cache"). */
	assert_int_equal(bytes_at(&p, 2080, 1), 545259520ULL);
	assert_int_equal(bytes_at(&p, 2081, 1), 630456320ULL);
	assert_int_equal(kvp_plan_max_seq(&p, 545259520ULL, 1, &seq, &unbounded, &err),
	                 KVP_OK);
	assert_false(unbounded);
	assert_int_equal(seq, 0);
	assert_int_equal(kvp_plan_max_seq(&p, 596377599ULL, 1, &seq, &unbounded, &err),
	                 KVP_OK);
	assert_int_equal(seq, 0);
	assert_int_equal(kvp_plan_max_seq(&p, 596377600ULL, 1, &seq, &unbounded, &err),
	                 KVP_OK);
	assert_int_equal(seq, 2080);
	assert_int_equal(kvp_plan_max_seq(&p, 681574399ULL, 1, &seq, &unbounded, &err),
	                 KVP_OK);
	assert_int_equal(seq, 2080);
	assert_int_equal(kvp_plan_max_seq(&p, 681574400ULL, 1, &seq, &unbounded, &err),
	                 KVP_OK);
	assert_int_equal(seq, 4160);

	/* Capacity, 10,000,000,000 B (kv_cache_utils.py): pages all
	 * 8,519,680; buckets full 10 and mamba 54, 54 >= 1.5 · 10, so
	 * group_size 10: 1 full group and cdiv(54, 10) = 6 mamba groups, 7.
	 * num_blocks = 10^10 // 8,519,680 // 10 = 1,173 // 10 = 117.  "GPU
	 * KV cache size" = 117 // 7 · 2,080 = 16 · 2,080 = 33,280 tokens.  A
	 * request of 8,192: 4 full blocks + 6 mamba groups of one block = 10;
	 * concurrency 117 / 10 = 11.70x. */
	capacity_ok(&p, 10000000000ULL, &c);
	assert_int_equal(c.group_size, 10);
	assert_int_equal(c.groups, 7);
	/* The line from 0.20 on: int(11.7 · 8,192) = int(95,846.4); 0.19
	 * printed the pool's 33,280. */
	vllm_pool_is(&p, 10000000000ULL, 8519680, 117, 33280, 10, 95846);
	r.vllm_version = 19;
	plan_ok(&m, &r, &p);
	capacity_ok(&p, 10000000000ULL, &c);
	assert_int_equal(c.log_tokens, 33280);
	r.vllm_version = 0;
	/* Mode align, the default from 0.28 (prefix caching on for hybrid
	 * models): a request is charged 2 state pages a mamba group
	 * (MambaSpec.max_memory_usage_bytes), so 54 · 2 · 8,519,680 · 4 =
	 * 3,680,501,760 B of state at batch 4; the pool is the same 117
	 * blocks, a request of 8,192 takes 4 + 6 · 2 = 16 of them: 7.31x,
	 * and the line int(117 / 16 · 8,192) = 59,904 tokens. */
	r.mamba_cache_mode = KVP_MAMBA_DEFAULT;
	plan_ok(&m, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_RECURRENT)->state_bytes_per_seq,
	                 2 * 8519680);
	assert_int_equal(p.state_total_bytes, 3680501760ULL);
	vllm_pool_is(&p, 10000000000ULL, 8519680, 117, 33280, 16, 59904);
	/* vLLM 0.27 kept prefix caching off for hybrids: mode none. */
	r.vllm_version = 27;
	plan_ok(&m, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_RECURRENT)->state_bytes_per_seq, 8519680);
	r.vllm_version = 0;
	r.mamba_cache_mode = KVP_MAMBA_NONE;
	plan_ok(&m, &r, &p);
	/* max_model_len 1,000, below the attention block: vLLM's "GPU KV
	 * cache size" takes the least block_size over all groups, and a
	 * mamba group's is mamba_block_size = max_model_len, so 117 // 7 ·
	 * 1,000 = 16,000 tokens.  A request: 1 full block + 6 = 7. */
	r.seq = 1000;
	plan_ok(&m, &r, &p);
	capacity_ok(&p, 10000000000ULL, &c);
	assert_int_equal(c.blocks, 117);
	assert_int_equal(c.tokens, 16000);
	assert_int_equal(c.blocks_per_request, 7);
	r.seq = 8192;

	/* An fp8 cache: attn_page_1 = 2·8·128·1 = 2,048; the state stays in
	 * the model's type (the weights', fp16): 8,511,488.  16 ·
	 * cdiv(8,511,488, 32,768) = 16 · 260 = 4,160 tokens, padded page
	 * 4,160 · 2,048 = 8,519,680 again. */
	r.dtype_k = r.dtype_v = KVP_DTYPE_FP8;
	pages(&m, &r, &p, 4160, 8519680);

	/* A block set larger is kept: 4,096 · 4,096 = 16,777,216 padded. */
	r.dtype_k = r.dtype_v = KVP_DTYPE_FP16;
	r.block_size = 4096;
	pages(&m, &r, &p, 4096, 16777216);
	/* One set smaller is enlarged (block_size < attn_block_size), in
	 * multiples of it (kernel_block_alignment_size = max(16, 64)): 64 ·
	 * cdiv(8,511,488, 64 · 4,096 = 262,144) = 64 · 33 = 2,112 tokens, the
	 * page 2,112 · 4,096 = 8,650,752. */
	r.block_size = 64;
	pages(&m, &r, &p, 2112, 8650752);

	/* A state type given (bf16, two bytes) is taken as is; fp32 is the
	 * default and means the model's type for vLLM. */
	r.block_size = 0;
	r.state_dtype = KVP_DTYPE_BF16;
	plan_ok(&m, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_RECURRENT)->state_bytes_per_seq, 8519680);

	/* The exact engine keeps the raw fp32 state: 4,255,744 · 4 =
	 * 17,022,976 B, and llama.cpp too. */
	r = request_at(KVP_ENGINE_EXACT, 8192, 4);
	plan_ok(&m, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_RECURRENT)->state_bytes_per_seq, 17022976);
	r.engine = KVP_ENGINE_LLAMA_CPP;
	plan_ok(&m, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_RECURRENT)->state_bytes_per_seq, 17022976);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vllm_unified_pages),
		cmocka_unit_test(test_vllm_in_flight),
		cmocka_unit_test(test_vllm_mamba_hybrid),
		cmocka_unit_test(test_vllm_mamba_tp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
