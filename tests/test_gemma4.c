/*
 * test_gemma4.c — Google's Gemma 4: sliding layers of head_dim 256, full
 * layers of global_head_dim 512 (with attention_k_eq_v their own kv
 * heads, num_global_key_value_heads), and the E models' last
 * num_kv_shared_layers layers, which read an earlier layer's cache.  Read
 * from config.json (tests/configs/gemma-4-*; their parameter counts the
 * published ones), from the catalogue and from GGUF, and planned as each
 * engine allocates (research: /work/research/gemma4-params.md,
 * gemma4-engines.md).  Before, the generic rule read every layer as a
 * sliding or full layer of 256 and of the sliding layers' kv heads: 31B's
 * full layers at 16 x 256 (16,384 B a token) instead of 4 x 512 (8,192 B),
 * E2B's 20 shared layers as caching (43,008 B a token for 18,432 B), and
 * the parameters by the generic count.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#include "testutil.h"
#include "engine_fixture.h"
#include "hfutil.h"
#include "catalog_fixture.h"
#include "ggufw.h"
#include "gguf_fixture.h"

/* A Hopper GPU of gib GiB. */
static kvp_device hopper(uint64_t gib)
{
	kvp_device d;

	memset(&d, 0, sizeof d);
	snprintf(d.name, sizeof d.name, "h%llu", (unsigned long long)gib);
	strcpy(d.arch, "sm_90");
	d.hbm_bytes = gib << 30;
	d.l2_bytes = 50ull << 20;
	return d;
}

/* gemma-4-31B: 60 layers, layer_types 5 sliding then 1 full; sliding 16
 * kv heads of 256, full (attention_k_eq_v) num_global_key_value_heads 4
 * of global_head_dim 512.  A token: 50 x 16 x 256 x 2 x 2 B + 10 x 4 x
 * 512 x 2 x 2 B = 819,200 + 81,920 = 901,120 B.  At 8,192 tokens the
 * sliding layers hold their window of 1,024: 50 x 1,024 x 16,384 + 10 x
 * 8,192 x 8,192 = 838,860,800 + 671,088,640.  Params: 31,273,088,876, the
 * count a report of the checkpoint publishes (its index total_size
 * 62,546,177,752 B at 2 B each); of them the vision tower and projector
 * 575,743,536 (data/models/gemma-4-31b.yaml works both). */
static void test_31b(void **state)
{
	kvp_model m = config_model("gemma-4-31b");
	kvp_plan p;

	(void)state;
	assert_int_equal(m.head_dim, 256);
	assert_int_equal(m.full_head_dim, 512);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_SLIDING), 50);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_FULL), 10);
	assert_int_equal(kvp_model_layer_kind(&m, 5), KVP_LAYER_FULL);
	assert_int_equal(kvp_model_layer_kv_heads(&m, 5), 4);
	assert_int_equal(kvp_model_layer_head_dim(&m, 5), 512);
	assert_int_equal(kvp_model_layer_kv_heads(&m, 4), 16);
	assert_int_equal(kvp_model_layer_head_dim(&m, 4), 256);
	assert_int_equal(m.sliding_window, 1024);
	assert_int_equal(m.params, 31273088876ull);
	assert_int_equal(m.vision_params, 575743536ull);
	assert_int_equal(cache_at(&m, 1000), 1000ull * 901120);
	plan_under(&m, KVP_ENGINE_EXACT, 8192, &p);
	assert_int_equal(p.cache_total_bytes, 838860800ull + 671088640ull);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->head_dim, 512);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->bytes_per_token, 8192);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->head_dim, 256);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->bytes_per_token, 16384);
}

/* gemma-4-26B-A4B: 30 layers, 25 sliding of 8 x 256, 5 full of 2 x 512:
 * 25 x 8,192 + 5 x 4,096 = 225,280 B a token.  Every layer's experts
 * (128 of 704, top_k_experts 8) beside a dense MLP of 2112.  Params
 * 25,805,936,206: the index's total_size 51,611,872,412 B at 2 B each. */
static void test_26b_a4b(void **state)
{
	kvp_model m = config_model("gemma-4-26b-a4b");

	(void)state;
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_FULL), 5);
	assert_int_equal(kvp_model_layer_kv_heads(&m, 29), 2);
	assert_int_equal(m.moe_routed_experts, 128);
	assert_int_equal(m.moe_top_k, 8);
	assert_int_equal(m.moe_intermediate, 704);
	assert_int_equal(m.moe_shared_intermediate, 2112);
	assert_int_equal(m.params, 25805936206ull);
	assert_int_equal(m.vision_params, 572794416ull);
	assert_int_equal(cache_at(&m, 1024), 1024ull * 225280);
}

/* gemma-4-E2B: 35 layers, every fifth full, one kv head; the last 20
 * (15 to 34) read the cache of layer 13 (sliding) or 14 (full): 12
 * sliding layers of 1 x 256 (1,024 B a token) and 3 full of 1 x 512
 * (2,048 B) cache, 18,432 B a token; at 8,192 tokens 12 x 512 x 1,024 +
 * 3 x 8,192 x 2,048 = 56,623,104 B.  Params 5,123,178,979, the published
 * total_parameters (the shared layers' MLP twice as wide, their k_proj
 * and v_proj kept in the checkpoint); its vision and audio towers
 * 475,729,088.  E4B: 42 layers, the last 18 shared: 20 sliding of 2 x 256
 * and 4 full of 2 x 512, 57,344 B a token; 7,996,157,418 params, the
 * checkpoint's 15,992,314,836 B at 2 B each. */
static void test_e_models(void **state)
{
	kvp_model m = config_model("gemma-4-e2b");

	(void)state;
	assert_int_equal(m.kv_shared_layers, 20);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_SLIDING), 12);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_FULL), 3);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_NONE), 20);
	assert_int_equal(kvp_model_layer_kind(&m, 14), KVP_LAYER_FULL);
	assert_int_equal(kvp_model_layer_kind(&m, 15), KVP_LAYER_NONE);
	assert_int_equal(kvp_model_layer_kind(&m, 19), KVP_LAYER_NONE);
	assert_int_equal(m.params, 5123178979ull);
	assert_int_equal(m.vision_params, 475729088ull);
	assert_int_equal(cache_at(&m, 512), 512ull * 18432);
	assert_int_equal(cache_at(&m, 8192), 56623104ull);
	m = config_model("gemma-4-e4b");
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_SLIDING), 20);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_FULL), 4);
	assert_int_equal(m.params, 7996157418ull);
	assert_int_equal(m.vision_params, 478088384ull);
	assert_int_equal(cache_at(&m, 512), 512ull * 57344);
}

/* E2B's use_double_wide_mlp (Gemma4TextMLP: intermediate_size x 2 where
 * use_double_wide_mlp and is_kv_shared_layer): layers 15 to 34 run 12,288
 * channels.  vLLM's profile run takes the widest, 41 x 2,048 x 12,288 / 5
 * = 206,359,756 B (6,144: 103,179,878); E4B's flag is false.  At pp 2
 * (18 and 17 layers) the layers' weights lie by their parameters:
 * outer = 262,144 x 1,536 + 1,536 + 262,144 x 35 x 256 = 2,751,464,960,
 * MLPs 15 x 3 x 1,536 x 6,144 + 20 x 3 x 1,536 x 12,288 = 1,557,135,360,
 * the towers 475,729,088, each layer's rest (5,123,178,979 - all three) /
 * 35 = 9,681,416; the first stage 18 rests, 15 narrow and 3 wide MLPs:
 * 768,808,080; the second 17 of each wide: 768,808,080 + 17 x 9,681,416
 * + 17 x 56,623,104. */
static void test_double_wide_mlp(void **state)
{
	kvp_model m = config_model("gemma-4-e2b");
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	(void)state;
	assert_true(m.double_wide_mlp);
	assert_int_equal(m.intermediate, 6144);
	assert_false(config_model("gemma-4-e4b").double_wide_mlp);
	r = request_at(KVP_ENGINE_VLLM, 8192, 1);
	r.profile_memory = true;
	if (kvp_plan_compute(&m, &r, &p, &err) != KVP_OK)
		fail_msg("%s", err.message);
	assert_int_equal(p.intermediate, 12288);
	{
		kvp_device d = hopper(80);
		kvp_vllm_profile prof;

		assert_int_equal(kvp_vllm_profile_compute(&p, &d, 0, &prof, &err), KVP_OK);
		/* its default batched tokens on this device */
		assert_int_equal(prof.tokens, 2048);
		assert_int_equal(prof.forward_bytes, 206359756ull);
	}
	r = request_at(KVP_ENGINE_EXACT, 8192, 1);
	r.pp = 2;
	if (kvp_plan_compute(&m, &r, &p, &err) != KVP_OK)
		fail_msg("%s", err.message);
	assert_int_equal(p.stage_layers[0], 18);
	assert_int_equal(p.stage_units[0], 768808080ull);
	assert_int_equal(p.stage_units[1], 768808080ull + 17ull * (9681416 + 56623104));
}

/* PyramidKV schedules over config.num_hidden_layers and each layer's
 * layer_idx (KVCache-Factory's init_pyramidkv passes
 * self.config.num_hidden_layers to PyramidKVCluster), so E2B's 20 shared
 * layers, which cache nothing, still count.  C 2048, W 32, beta 20, a
 * prompt of 8,192: min = 2016 // 20 = 100, max = 4032 - 100 = 3932,
 * steps = 3832 // 34 = 112; full layers 4, 9 and 14 keep 3932 - 112 l +
 * 32 = 3,516, 2,956 and 2,396 tokens of 2,048 B; the 12 sliding layers
 * their window of 512 of 1,024 B (every budget is past it). */
static void test_pyramid_counts_shared_layers(void **state)
{
	kvp_model m = config_model("gemma-4-e2b");
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	(void)state;
	kvp_request_init(&r);
	r.seq = 8192;
	assert_int_equal(kvp_policy_parse("pyramidkv:capacity=2048,window=32,beta=20", &r.policy,
	                                  &err), KVP_OK);
	assert_int_equal(kvp_policy_kept(&r.policy, 4, 35, 8192, 0), 3516);
	assert_int_equal(kvp_policy_kept(&r.policy, 14, 35, 8192, 0), 2396);
	if (kvp_plan_compute(&m, &r, &p, &err) != KVP_OK)
		fail_msg("%s", err.message);
	assert_int_equal(p.kv_total_bytes,
	                 (3516ull + 2956 + 2396) * 2048 + 12ull * 512 * 1024);
}

/* Each catalogue file is its config.json: the same figures under every
 * engine. */
static void test_catalog_is_config(void **state)
{
	static const char *const names[] = {"gemma-4-31b", "gemma-4-26b-a4b", "gemma-4-e2b",
	                                    "gemma-4-e4b"};
	static const kvp_engine engines[] = {KVP_ENGINE_EXACT, KVP_ENGINE_VLLM,
	                                     KVP_ENGINE_SGLANG, KVP_ENGINE_LLAMA_CPP,
	                                     KVP_ENGINE_TRTLLM};

	(void)state;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		kvp_model a = catalog_model(names[i]), b = config_model(names[i]);

		same_plans(&a, &b, engines, sizeof engines / sizeof engines[0], 20000);
	}
}

/* vLLM (kv_cache_utils.py @ 81be2e09): 31B's sliding page 16 tokens x 16
 * x 256 x 2 x 2 B = 262,144 B, its full page 16 x 4 x 512 x 4 B =
 * 131,072 B, whose block unify_kv_cache_spec_page_size doubles to 32;
 * groups of 10 layers (5 sliding, 1 full), 10 tensors each shared by 6
 * layers: a block 10 x 262,144 = 2,621,440 B.  E2B: the sliding page
 * (16 x 256 x 4 B = 16,384 B) doubled to the full one's 32,768 B, groups
 * of 3 (4 sliding, 1 full): 98,304 B a block.  Its rotary tables: the
 * full layers' proportional one over the whole head (Gemma4Rotary
 * Embedding's rotary_dim = head_size), 262,144 positions x 512 x 2 B, and
 * the sliding layers' of base 10,000, x 256: 402,653,184 B. */
static void test_vllm(void **state)
{
	kvp_model m = catalog_model("gemma-4-31b");
	kvp_request r = request_at(KVP_ENGINE_VLLM, 8192, 1);
	kvp_capacity c;
	kvp_plan p;

	(void)state;
	plan_ok(&m, &r, &p);
	capacity_ok(&p, 1000ull * 2621440 + 5, &c);
	assert_int_equal(c.blocks, 1000);
	assert_int_equal(c.allocated_bytes, 1000ull * 2621440);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->block, 32);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->block, 16);
	assert_int_equal(p.rotary_bytes, 262144ull * 512 * 2 + 262144ull * 256 * 2);
	m = catalog_model("gemma-4-e2b");
	plan_ok(&m, &r, &p);
	capacity_ok(&p, 1000ull * 98304, &c);
	assert_int_equal(c.blocks, 1000);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->block, 32);
}

/* k_eq_v: 31B's 10 full layers have no v_proj, yet vLLM's, SGLang's and
 * TensorRT-LLM's qkv_proj keep a V slot that their loaders fill with
 * k_proj's weights: 5376 x 4 kv heads x 512 x 2 B a layer, 220,200,960 B
 * on one GPU, 110,100,480 at tp 2 (2 heads a GPU), 55,050,240 at tp 8
 * (the 4 heads replicated, 1 a GPU); in the GPU's weights beside the
 * checkpoint's 62,546,177,752 B and the rotary tables' 402,653,184.
 * llama.cpp's graph takes V from K (wv optional): none.  The E models'
 * per-layer input table (262144 x 35 x 256 in E2B) is an embedding a
 * weights format keeps 16-bit: 402,653,184 + 2,348,810,240. */
static void test_k_eq_v_and_embeddings(void **state)
{
	static const uint32_t tps[] = {1, 2, 8};
	static const uint64_t copies[] = {220200960, 110100480, 55050240};
	kvp_model m = catalog_model("gemma-4-31b");
	kvp_weights_estimate e = catalog_estimate("gemma-4-e2b", "int4-awq:g128");
	kvp_device d;
	kvp_fit f;
	kvp_plan p;
	kvp_error err;

	(void)state;
	assert_true(m.full_k_eq_v);
	for (size_t i = 0; i < 3; i++) {
		kvp_request r = request_at(KVP_ENGINE_VLLM, 1024, 1);

		r.tp = tps[i];
		plan_ok(&m, &r, &p);
		assert_int_equal(p.attention_copy_bytes, copies[i]);
		r.engine = KVP_ENGINE_SGLANG;
		plan_ok(&m, &r, &p);
		assert_int_equal(p.attention_copy_bytes, copies[i]);
	}
	plan_under(&m, KVP_ENGINE_VLLM, 1024, &p);
	d = hopper(141);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_int_equal(f.weights_per_gpu, 62546177752ull + 402653184 + 220200960);
	plan_under(&m, KVP_ENGINE_LLAMA_CPP, 1024, &p);
	assert_int_equal(p.attention_copy_bytes, 0);
	assert_int_equal(e.embedding_params, 402653184ull + 2348810240ull);
}

/* SGLang's SWAKVPool sizes every sliding and full layer id, the shared
 * ones too (get_hybrid_layer_ids), and TensorRT-LLM's KVCacheManagerV2
 * every layer: E2B's 28 sliding x 1,024 + 7 full x 2,048 = 43,008 B a
 * token where the model needs 18,432.  llama.cpp (has_kv) and vLLM (no
 * spec) give the shared layers nothing. */
static void test_shared_layers_by_engine(void **state)
{
	kvp_model m = catalog_model("gemma-4-e2b");
	kvp_plan p;

	(void)state;
	plan_under(&m, KVP_ENGINE_SGLANG, 100, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->layers, 28);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->layers, 7);
	assert_int_equal(p.kv_bytes_per_token, 43008);
	/* blocks of 32 tokens */
	plan_under(&m, KVP_ENGINE_TRTLLM, 128, &p);
	assert_int_equal(p.kv_bytes_per_token, 43008);
	assert_int_equal(p.cache_total_bytes, 128ull * 43008);
	plan_under(&m, KVP_ENGINE_LLAMA_CPP, 100, &p);
	assert_int_equal(p.kv_bytes_per_token, 18432);
	plan_under(&m, KVP_ENGINE_VLLM, 100, &p);
	assert_int_equal(p.kv_bytes_per_token, 18432);
}

/* TensorRT-LLM's rotary tables (modeling_gemma4.py @ 00e7d10: a full
 * layer's head of 512 keeps a RotaryEmbedding module, whose table the
 * proportional fix replaces by a fresh fp32 [positions, 2, 256] one; the
 * sliding layers share the fused backend's, positions x 256 fp32).  31B:
 * 262,144 x 256 x 4 + 10 x 262,144 x 512 x 4 = 268,435,456 +
 * 5,368,709,120.  E2B: its 7 full layers, the shared 4 among them, of
 * 131,072 positions: 134,217,728 + 7 x 268,435,456.  vLLM keeps two
 * bf16 tables (262,144 x (256 + 512) x 2 B for 31B), SGLang two fp32 ones
 * grown to the context + 256 rows (262,400 x 768 x 4 B). */
static void test_rotary_tables(void **state)
{
	kvp_model m = catalog_model("gemma-4-31b");
	kvp_plan p;

	(void)state;
	plan_under(&m, KVP_ENGINE_TRTLLM, 8192, &p);
	assert_int_equal(p.rotary_bytes, 268435456ull + 5368709120ull);
	plan_under(&m, KVP_ENGINE_VLLM, 8192, &p);
	assert_int_equal(p.rotary_bytes, 262144ull * 768 * 2);
	plan_under(&m, KVP_ENGINE_SGLANG, 8192, &p);
	assert_int_equal(p.rotary_bytes, 262400ull * 768 * 4);
	m = catalog_model("gemma-4-e2b");
	plan_under(&m, KVP_ENGINE_TRTLLM, 8192, &p);
	assert_int_equal(p.rotary_bytes, 134217728ull + 7 * 268435456ull);
}

/* TensorRT-LLM builds a shared layer's projection for Q alone
 * (_QOnlyLinear, modeling_gemma4.py @ 00e7d10), so E2B's 20 shared
 * layers' k_proj and v_proj are not loaded: 16 sliding of 2 x 1,536 x
 * 256 and 4 full of 2 x 1,536 x 512, 12,582,912 + 6,291,456 params;
 * vLLM loads them (its qkv_proj on every layer). */
static void test_trtllm_q_only(void **state)
{
	kvp_model m = catalog_model("gemma-4-e2b");
	kvp_request v = request_at(KVP_ENGINE_VLLM, 8192, 1),
	            t = request_at(KVP_ENGINE_TRTLLM, 8192, 1);

	(void)state;
	assert_true(kvp_model_loads_towers(&m, &v) && kvp_model_loads_towers(&m, &t));
	assert_int_equal(kvp_model_loaded_params(&m, &v), m.params);
	assert_int_equal(kvp_model_loaded_params(&m, &t), m.params - 18874368ull);
	m = catalog_model("gemma-4-31b");
	assert_int_equal(kvp_model_loaded_params(&m, &t), m.params);
}

/* llama.cpp's two caches for 31B at n_ctx 8,192 (llama_kv_cache_iswa):
 * the 10 full layers 8,192 cells of 4 x 512 x 2 x 2 B, 640 MiB; the 50
 * sliding ones GGML_PAD(min(8192, 1024 + 512), 256) = 1,536 cells of
 * 16,384 B, 1,200 MiB. */
static void test_llamacpp(void **state)
{
	kvp_model m = catalog_model("gemma-4-31b");
	kvp_plan p;

	(void)state;
	plan_under(&m, KVP_ENGINE_LLAMA_CPP, 8192, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->bytes, 640ull << 20);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->cells, 1536);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->bytes, 1200ull << 20);
}

/* The figures beside an engine's: the exact model's whole cache at tp 2
 * (31B at 131,072 tokens: 50 x 1,024 x 16,384 + 10 x 131,072 x 8,192 =
 * 11,576,279,040 B), and under SGLang, which sizes E2B's shared layers,
 * the model's own (12 x 512 x 1,024 + 3 x 131,072 x 2,048 =
 * 811,597,824 B).  A draft keeps each layer's head: E2B drafting for 31B,
 * its full layers 2,048 B a token; Gemma 3 27B drafting for Llama 3 8B,
 * two draft groups (52 sliding, 10 full), not one a layer. */
static void test_exact_and_drafts(void **state)
{
	kvp_model m = catalog_model("gemma-4-31b"), e2b = catalog_model("gemma-4-e2b");
	kvp_model llama = catalog_model("llama3-8b"), g3 = catalog_model("gemma3-27b");
	kvp_request r = request_at(KVP_ENGINE_EXACT, 131072, 1);
	kvp_plan p;
	uint32_t drafts = 0;

	(void)state;
	r.tp = 2;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.exact_cache_bytes, 11576279040ull);
	plan_under(&e2b, KVP_ENGINE_SGLANG, 131072, &p);
	assert_int_equal(p.exact_cache_bytes, 811597824ull);
	r = request_at(KVP_ENGINE_VLLM, 8192, 1);
	r.draft = &e2b;
	plan_ok(&m, &r, &p);
	for (uint32_t g = 0; g < p.group_count; g++)
		if (p.groups[g].draft && p.groups[g].kind == KVP_LAYER_FULL) {
			assert_int_equal(p.groups[g].head_dim, 512);
			assert_int_equal(p.groups[g].bytes_per_token, 2048);
		}
	r.draft = &g3;
	plan_ok(&llama, &r, &p);
	for (uint32_t g = 0; g < p.group_count; g++)
		drafts += p.groups[g].draft;
	assert_int_equal(drafts, 2);
}

/* llama.cpp.  Without flash attention its V rows are as wide as the
 * widest layer's (llama_kv_cache: n_embd_v_gqa_max() where v_trans):
 * max(16 x 256, 4 x 512) = 4,096 values, so 31B's full layers keep 4 x
 * 512 x 2 B of K and 4,096 x 2 B of V, 12,288 B a token: at 131,072
 * tokens 10 x 131,072 x 12,288 + 1,536 cells x 50 x 16,384 =
 * 17,364,418,560 B (flash attention's 11,576,279,040 - 838,860,800 +
 * 1,258,291,200 before).  E2B's per-layer input table is an input layer,
 * on the CPU with token_embd: the GPU holds the checkpoint's
 * 10,246,357,958 B less the towers' 951,458,176 (llama.cpp's mmproj) and
 * the table's 262144 x 35 x 256 x 2 = 4,697,620,480, the tied token
 * embedding's copy as its output kept: 4,597,279,302 B. */
static void test_llamacpp_fa_off_and_inputs(void **state)
{
	kvp_model m = catalog_model("gemma-4-31b");
	kvp_request r = request_at(KVP_ENGINE_LLAMA_CPP, 131072, 1);
	kvp_device d;
	kvp_fit f;
	kvp_plan p;
	kvp_error err;

	(void)state;
	r.flash_attn_off = true;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.cache_total_bytes, 17364418560ull);
	m = catalog_model("gemma-4-e2b");
	r.flash_attn_off = false;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.layer_input_bytes, 4697620480ull);
	d = hopper(80);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_int_equal(f.weights_per_gpu, 4597279302ull);
}

/* What the engines refuse: vLLM a shared layer whose source lies on
 * another stage (E2B at pp 2: layers 0-17 and 18-34, layer 18 reading
 * 13), not a split that keeps 13 to 34 together; TensorRT-LLM's Gemma 4
 * pipeline stages, its C++ runtime and its V1 cache manager. */
static void test_engine_refusals(void **state)
{
	kvp_model m = catalog_model("gemma-4-e2b");
	kvp_request r = request_at(KVP_ENGINE_VLLM, 8192, 1);
	kvp_plan p;
	kvp_error err;

	(void)state;
	r.pp = 2;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_ERR_UNSUPPORTED);
	assert_non_null(strstr(err.message, "layer 18 reads layer 13's cache from another"));
	r.pp_layers_len = 2;
	r.pp_layers[0] = 13;
	r.pp_layers[1] = 22;
	plan_ok(&m, &r, &p);
	r = request_at(KVP_ENGINE_TRTLLM, 8192, 1);
	r.pp = 2;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_ERR_UNSUPPORTED);
	r.pp = 1;
	r.trtllm_kv_manager = KVP_TRTLLM_MANAGER_V1;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_ERR_UNSUPPORTED);
	assert_non_null(strstr(err.message, "V1 asked"));
}

/* GGUF gemma4 as convert_hf_to_gguf writes E2B (Gemma4Model
 * .set_gguf_parameters): key_length 512 and key_length_swa 256 (values
 * alike), sliding_window_pattern a flag a layer, shared_kv_layers 20, a
 * scalar head_count_kv; 31B's head_count_kv a list, 4 in its full
 * layers.  llama.cpp reads them as the config (gemma4.cpp
 * load_arch_hparams, llama-hparams.cpp n_embd_head_k(il), has_kv). */
/* A gemma4 file's keys: layers of hidden, heads (kv scalar heads, 0: a
 * list follows), key_length (0: none), key_length_swa 256, a window, a
 * full layer every period-th. */
static void gemma4_keys(ggufw *w, uint32_t layers, uint32_t hidden, uint32_t heads,
                        uint32_t kv, uint32_t key_length, uint32_t window, uint32_t period)
{
	uint64_t flags[64];

	for (uint32_t i = 0; i < layers; i++)
		flags[i] = i % period != period - 1;
	ggufw_init(w, 3);
	base_keys(w, "gemma4", layers, hidden, heads, kv, key_length);
	ggufw_kv_uint(w, "gemma4.attention.key_length_swa", GGUFW_U32, 256);
	ggufw_kv_uint(w, "gemma4.attention.sliding_window", GGUFW_U32, window);
	ggufw_kv_arr(w, "gemma4.attention.sliding_window_pattern", GGUFW_BOOL, flags, layers);
}

static void test_gguf(void **state)
{
	uint64_t kv[60];
	ggufw w;
	parsed p;

	(void)state;
	gemma4_keys(&w, 35, 1536, 8, 1, 512, 512, 5);
	ggufw_kv_uint(&w, "gemma4.attention.value_length_swa", GGUFW_U32, 256);
	ggufw_kv_uint(&w, "gemma4.attention.shared_kv_layers", GGUFW_U32, 20);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_int_equal(p.model.head_dim, 256);
	assert_int_equal(p.model.full_head_dim, 512);
	assert_int_equal(p.model.kv_shared_layers, 20);
	assert_int_equal(cache_at(&p.model, 8192), 56623104ull);
	assert_false(p.model.double_wide_mlp);
	ggufw_free(&w);

	/* E2B's feed_forward_length a layer: 6,144, then 12,288 in the 20
	 * shared layers (use_double_wide_mlp) */
	{
		uint64_t ff[35];

		for (int i = 0; i < 35; i++)
			ff[i] = i < 15 ? 6144 : 12288;
		gemma4_keys(&w, 35, 1536, 8, 1, 512, 512, 5);
		ggufw_kv_uint(&w, "gemma4.attention.shared_kv_layers", GGUFW_U32, 20);
		ggufw_kv_arr(&w, "gemma4.feed_forward_length", GGUFW_U32, ff, 35);
		ggufw_finish(&w, 1);
		parse_ok(&w, &p);
		assert_int_equal(p.model.intermediate, 6144);
		assert_true(p.model.double_wide_mlp);
		ggufw_free(&w);
		/* one shared layer narrow: no single size, none read */
		ff[20] = 6144;
		gemma4_keys(&w, 35, 1536, 8, 1, 512, 512, 5);
		ggufw_kv_uint(&w, "gemma4.attention.shared_kv_layers", GGUFW_U32, 20);
		ggufw_kv_arr(&w, "gemma4.feed_forward_length", GGUFW_U32, ff, 35);
		ggufw_finish(&w, 1);
		parse_ok(&w, &p);
		assert_int_equal(p.model.intermediate, 0);
		assert_false(p.model.double_wide_mlp);
		ggufw_free(&w);
	}

	for (int i = 0; i < 60; i++)
		kv[i] = i % 6 == 5 ? 4 : 16;
	gemma4_keys(&w, 60, 5376, 32, 0, 512, 1024, 6);
	ggufw_kv_arr(&w, "gemma4.attention.head_count_kv", GGUFW_U32, kv, 60);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_int_equal(cache_at(&p.model, 8192), 838860800ull + 671088640ull);
	ggufw_free(&w);

	/* no key_length: the full layers' head n_embd / n_head (1536 / 8 =
	 * 192), as llama.cpp's loader takes it, the sliding ones' 256 */
	gemma4_keys(&w, 35, 1536, 8, 1, 0, 512, 5);
	ggufw_finish(&w, 1);
	parse_ok(&w, &p);
	assert_int_equal(p.model.head_dim, 256);
	assert_int_equal(p.model.full_head_dim, 192);
	ggufw_free(&w);
}

/* What the model refuses: no layer left to share, a shared layer whose
 * kind no earlier layer has, a full head beside head_dim_v; and
 * config.json's faults by key. */
static void test_refused(void **state)
{
	kvp_model m = catalog_model("gemma-4-e2b"), bad;
	kvp_error err;

	(void)state;
	bad = m;
	bad.kv_shared_layers = 35;
	assert_int_equal(kvp_model_finalize(&bad, &err), KVP_ERR_SHAPE);
	assert_non_null(strstr(err.message, "no layer keeps a cache to share"));
	bad = m;
	pattern(&bad, "sliding*34,full");
	bad.kv_shared_layers = 1;
	assert_int_equal(kvp_model_finalize(&bad, &err), KVP_ERR_SHAPE);
	assert_non_null(strstr(err.message, "layer 34 shares the cache of an earlier full"));
	bad = m;
	bad.double_wide_mlp = true;
	bad.kv_shared_layers = 0;
	assert_int_equal(kvp_model_finalize(&bad, &err), KVP_ERR_SHAPE);
	assert_non_null(strstr(err.message, "use_double_wide_mlp widens the MLP of the layers"
	                                    " that read an earlier cache, yet it has none"));
	bad = m;
	bad.head_dim_v = 128;
	assert_int_equal(kvp_model_finalize(&bad, &err), KVP_ERR_SHAPE);
	assert_non_null(strstr(err.message, "full_head_dim 512"));
	expect_error("{\"model_type\": \"gemma4_text\", \"num_hidden_layers\": 6,"
	             " \"num_kv_shared_layers\": 6}", KVP_ERR_PARSE,
	             "num_kv_shared_layers: 6 of 6 layers");
	expect_error("{\"model_type\": \"gemma4_text\", \"global_head_dim\": 0}", KVP_ERR_PARSE,
	             "global_head_dim: 0");
	expect_error("{\"model_type\": \"gemma4_text\", \"attention_k_eq_v\": true,"
	             " \"num_global_key_value_heads\": 0}", KVP_ERR_PARSE,
	             "num_global_key_value_heads: 0");
}

/* Gemma4TextConfig's defaults where a file leaves the keys out: 30
 * layers, every sixth full and the last full (__post_init__), a window of
 * 512, global_head_dim 512; global_head_dim null is head_dim. */
static void test_defaults(void **state)
{
	kvp_model m;
	kvp_source src;

	(void)state;
	expect_ok("{\"model_type\": \"gemma4_text\", \"num_hidden_layers\": 8}", &m, &src);
	assert_int_equal(m.sliding_window, 512);
	assert_int_equal(m.full_head_dim, 512);
	assert_int_equal(kvp_model_layer_kind(&m, 5), KVP_LAYER_FULL);
	assert_int_equal(kvp_model_layer_kind(&m, 6), KVP_LAYER_SLIDING);
	assert_int_equal(kvp_model_layer_kind(&m, 7), KVP_LAYER_FULL);
	assert_int_equal(kvp_model_count_layers(&m, KVP_LAYER_FULL), 2);
	expect_ok("{\"model_type\": \"gemma4_text\", \"global_head_dim\": null}", &m, &src);
	assert_int_equal(m.full_head_dim, 0);
	assert_int_equal(kvp_model_layer_head_dim(&m, 5), 256);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_31b),
		cmocka_unit_test(test_26b_a4b),
		cmocka_unit_test(test_e_models),
		cmocka_unit_test(test_pyramid_counts_shared_layers),
		cmocka_unit_test(test_double_wide_mlp),
		cmocka_unit_test(test_catalog_is_config),
		cmocka_unit_test(test_vllm),
		cmocka_unit_test(test_k_eq_v_and_embeddings),
		cmocka_unit_test(test_shared_layers_by_engine),
		cmocka_unit_test(test_rotary_tables),
		cmocka_unit_test(test_trtllm_q_only),
		cmocka_unit_test(test_llamacpp),
		cmocka_unit_test(test_exact_and_drafts),
		cmocka_unit_test(test_llamacpp_fa_off_and_inputs),
		cmocka_unit_test(test_engine_refusals),
		cmocka_unit_test(test_gguf),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_defaults),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
