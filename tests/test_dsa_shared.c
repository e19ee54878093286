/*
 * test_dsa_shared.c — GLM-5.2's indexer shared across layers: only its
 * "full" layers keep the lightning indexer's key; the "shared" ones reuse
 * the top-k of the last full layer before them and cache no key
 * (kvp_model index_topk_freq, index_topk_offset, index_layers).
 *
 * The model is GLM-5.2 as its config.json gives it (tests/configs/
 * glm-5.2/config.json, cited in tests/configs/README.md): 78 layers, 64
 * heads, kv_lora_rank 512, qk_rope_head_dim 64, index_head_dim 128,
 * index_topk_freq 4, index_skip_topk_offset 3, one NextN layer.  Layer
 * i is full when max(i - 3 + 1, 0) % 4 == 0 (transformers'
 * GlmMoeDsaConfig): 0, 1, 2, then 6, 10, ..., 74, 3 + 18 = 21 of 78.
 * Every figure is worked by hand in its comment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"

static kvp_model glm52(void)
{
	kvp_model m;
	kvp_error err;

	memset(&m, 0, sizeof m);
	snprintf(m.name, sizeof m.name, "glm-5.2");
	snprintf(m.model_type, sizeof m.model_type, "glm_moe_dsa");
	m.layers = 78;
	m.hidden = 6144;
	m.heads = 64;
	m.kv_heads = 64;
	m.head_dim = 256;
	m.kv_lora_rank = 512;
	m.qk_rope_dim = 64;
	m.qk_nope_dim = 192;
	m.v_head_dim = 256;
	m.index_head_dim = 128;
	m.index_topk_freq = 4;
	m.index_topk_offset = 3;
	m.index_heads = 32;
	m.q_lora_rank = 2048;
	m.mtp_layers = 1;
	if (kvp_model_finalize(&m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return m;
}

static bool full(uint32_t i)
{
	return i < 3 || (i >= 6 && (i - 6) % 4 == 0);
}

static kvp_request request(kvp_engine engine, kvp_dtype t, uint64_t seq)
{
	kvp_request r;

	kvp_request_init(&r);
	r.engine = engine;
	r.dtype_k = r.dtype_v = t;
	r.seq = seq;
	return r;
}

static void plan(const kvp_model *m, const kvp_request *r, kvp_plan *p)
{
	kvp_error err;

	if (kvp_plan_compute(m, r, p, &err) != KVP_OK)
		fail_msg("%s", err.message);
}

/* The rule, layer by layer; the offset's default of 2 (layer i full
 * when max(i - 1, 0) % 4 == 0: 0, 1, 5, ..., 77, 2 + 19 = 21); a
 * frequency of 1 shares nothing; an explicit list wins over the rule. */
static void test_rule(void **state)
{
	kvp_model m = glm52();

	(void)state;
	for (uint32_t i = 0; i < 78; i++)
		assert_int_equal(kvp_model_layer_indexed(&m, i), full(i));
	assert_false(kvp_model_layer_indexed(&m, 78));
	assert_int_equal(kvp_model_count_indexed(&m), 21);
	m.index_topk_offset = 0;
	assert_true(kvp_model_layer_indexed(&m, 1) && kvp_model_layer_indexed(&m, 77));
	assert_false(kvp_model_layer_indexed(&m, 2) || kvp_model_layer_indexed(&m, 74));
	assert_int_equal(kvp_model_count_indexed(&m), 21);
	m.index_topk_freq = 1;
	assert_int_equal(kvp_model_count_indexed(&m), 78);
	m.index_layers_len = 78;
	memset(m.index_layers, 0, sizeof m.index_layers);
	m.index_layers[0] = m.index_layers[40] = 1;
	assert_int_equal(kvp_model_count_indexed(&m), 2);
	m.index_head_dim = 0;
	assert_int_equal(kvp_model_count_indexed(&m), 0);
	assert_false(kvp_model_layer_indexed(&m, 0));
}

/* The checks: a rule or list needs an indexer; a list as long as the
 * model, of 0 and 1; the first layer keeps its key. */
static void test_checks(void **state)
{
	kvp_model m;
	kvp_error err;

	(void)state;
	m = glm52();
	m.index_head_dim = 0;
	m.model_type[0] = '\0';   /* not a sparse type, which needs the key */
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_ERR_SHAPE);
	assert_string_equal(err.message, "glm-5.2: index_topk_freq says which layers keep a"
	                    " sparse-attention indexer key, but the model has no indexer"
	                    " (index_head_dim)");
	m = glm52();
	m.index_layers_len = 77;
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_ERR_SHAPE);
	assert_string_equal(err.message, "glm-5.2: index_layers has 77 entries; the model"
	                    " has 78 layers");
	m.index_layers_len = 78;
	memset(m.index_layers, 1, sizeof m.index_layers);
	m.index_layers[5] = 2;
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_ERR_SHAPE);
	assert_string_equal(err.message, "glm-5.2: index_layers entry 5 is 2, not 1 (full)"
	                    " or 0 (shared)");
	m.index_layers[5] = 1;
	m.index_layers[0] = 0;
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_ERR_SHAPE);
	assert_string_equal(err.message, "glm-5.2: layer 0, its first MLA layer, shares the"
	                    " indexer's top-k of no layer before it (index_layers)");
	m = glm52();
	m.index_topk_offset = 4;   /* max(0 - 3, 0) = 0: layer 0 still full */
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_OK);
	/* A plan keys each layer apart: at most KVP_PATTERN_MAX of them. */
	m.layers = KVP_PATTERN_MAX + 1;
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_ERR_SHAPE);
	assert_string_equal(err.message, "glm-5.2: an indexer shared across 257 layers;"
	                    " kvplan plans one over at most 256");
	m.index_topk_freq = 1;     /* none shared: any length */
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_OK);
}

/* The exact model at 1,000 tokens in fp16: two groups, the 21 full
 * layers' latent 1,152 + key 132 = 1,284 B, the 57 shared layers' 1,152;
 * 21 x 1,284 + 57 x 1,152 = 26,964 + 65,664 = 92,628 B a token (GLM-5's
 * 78 x 1,284 = 100,152 less 57 x 132 = 7,524). */
static void test_exact(void **state)
{
	kvp_model m = glm52();
	kvp_request r = request(KVP_ENGINE_EXACT, KVP_DTYPE_FP16, 1000);
	kvp_plan p;

	(void)state;
	plan(&m, &r, &p);
	assert_int_equal(p.group_count, 2);
	assert_int_equal(p.groups[0].layers, 21);
	assert_int_equal(p.groups[0].first_layer, 0);
	assert_int_equal(p.groups[0].index_values, 128);
	assert_int_equal(p.groups[0].bytes_per_token, 1284);
	assert_int_equal(p.groups[1].layers, 57);
	assert_int_equal(p.groups[1].first_layer, 3);
	assert_int_equal(p.groups[1].index_values, 0);
	assert_int_equal(p.groups[1].index_bytes, 0);
	assert_int_equal(p.groups[1].bytes_per_token, 1152);
	assert_int_equal(p.kv_bytes_per_token, 92628);
	assert_int_equal(p.cache_total_bytes, 92628000);
	assert_int_equal(p.exact_cache_bytes, 92628000);
	for (uint32_t i = 0; i < 78; i++)
		assert_int_equal(p.cycle[i], full(i) ? 0 : 1);
}

/* llama.cpp (src/llama-kv-cache-dsa.cpp; the indexer's cache filtered to
 * the full layers, PR #26474), reproducing a published log: GLM-5.2
 * UD-Q5_K_XL at -c 524288, f16 (dfch/biz.dfch.LlmOps @a57bc2de,
 * .specmgr/feat/feat-2-glm-5.2-onprem-deployment/session-ses_fe27-
 * feat-2-03.md): "llama_kv_cache: size = 44928.00 MiB (524288 cells,
 * 78 layers, ...)" = 524,288 x 78 x 1,152 B = 47,110,422,528 B, and
 * "size = 2688.00 MiB (524288 cells, 21 layers, ...)" = 524,288 x 21 x
 * 128 x 2 B = 2,818,572,288 B.  With --mtp 1 the NextN layer's latent
 * joins the draft's context, without a key (the cache's filter keeps
 * layers below n_layer()): 524,288 x 1,152 = 603,979,776 B. */
static void test_llama_cpp(void **state)
{
	kvp_model m = glm52();
	kvp_request r = request(KVP_ENGINE_LLAMA_CPP, KVP_DTYPE_FP16, 524288);
	kvp_plan p;
	uint64_t latent = 0, index = 0;

	(void)state;
	plan(&m, &r, &p);
	for (uint32_t g = 0; g < p.group_count; g++) {
		latent += p.groups[g].latent_bytes;
		index += p.groups[g].index_bytes;
	}
	assert_int_equal(latent, 47110422528ULL);
	assert_int_equal(index, 2818572288ULL);
	assert_int_equal(p.cache_total_bytes, 47110422528ULL + 2818572288ULL);
	r.mtp_layers = 1;
	plan(&m, &r, &p);
	assert_int_equal(p.group_count, 3);
	assert_true(p.groups[2].draft);
	assert_int_equal(p.groups[2].index_bytes, 0);
	assert_int_equal(p.groups[2].latent_bytes, 603979776);
}

/* vLLM (an indexer and its DeepseekV32IndexerCache on the full layers and
 * the MTP layer, models/deepseek_v2.py; one attention type in several
 * shapes, one group whose page is the sum of its layers' pages:
 * UniformTypeKVCacheSpecs), fp8_ds_mla, blocks of 64, with the MTP
 * layer: 79 latents of 656 B and 22 keys of 132 B, 51,824 + 2,904 =
 * 54,728 B a token (the figure local-inference-lab/vllm#82 gives for
 * GLM-5.2 with its MTP layer), a block 64 x 54,728 = 3,502,592 B; 30 GiB
 * hold 32,212,254,720 // 3,502,592 = 9,196 blocks, 588,544 tokens. */
static void test_vllm(void **state)
{
	kvp_model m = glm52();
	kvp_request r = request(KVP_ENGINE_VLLM, KVP_DTYPE_FP8_DS_MLA, 8192);
	kvp_capacity c;
	kvp_plan p;
	kvp_error err;

	(void)state;
	r.block_size = 64;
	r.vllm_version = 24;
	r.mtp_layers = 1;
	plan(&m, &r, &p);
	assert_int_equal(p.kv_bytes_per_token, 54728);
	assert_int_equal(kvp_plan_capacity(&p, 30ULL << 30, &c, &err), KVP_OK);
	assert_int_equal(c.blocks, 9196);
	assert_int_equal(c.tokens, 588544);
	/* Before 0.24 (PR #45895, "Indexer init skip", merged after 0.23.0
	 * was tagged) every layer built its Indexer and key cache: 79 x
	 * (656 + 132) = 62,252 B a token. */
	r.vllm_version = 23;
	plan(&m, &r, &p);
	assert_int_equal(p.kv_bytes_per_token, 62252);
}

static kvp_device h200(void)
{
	kvp_device d;

	memset(&d, 0, sizeof d);
	snprintf(d.name, sizeof d.name, "h200");
	snprintf(d.arch, sizeof d.arch, "sm_90");
	d.hbm_bytes = 141ULL << 30;
	d.l2_bytes = 60 << 20;
	return d;
}

/* vLLM's buffers of the indexer's selected indices, int32
 * [max_num_batched_tokens, index_topk] (DeepseekV2Model.__init__): a row
 * 2,048 x 4 = 8,192 B; on an H200 (141 GiB: `vllm serve`'s 8,192
 * batched tokens) 8,192 x 8,192 = 67,108,864 B a GPU, in the weights.
 * From 0.23 (PR #44420) the MTP layer's own buffer as large again on
 * the last stage: 134,217,728; before, it shared the model's.  Without
 * index_topk, or under SGLang, none. */
static void test_topk_buffer(void **state)
{
	kvp_model m = glm52();
	kvp_request r = request(KVP_ENGINE_VLLM, KVP_DTYPE_FP16, 8192);
	kvp_device d = h200();
	kvp_plan p;
	kvp_fit f;
	kvp_error err;
	uint64_t with;

	(void)state;
	m.params = 744000000000ULL;
	m.vocab = 154880;
	m.index_topk = 2048;
	r.weights_dtype = KVP_DTYPE_FP8;
	r.tp = 8;
	r.kv_budget = 1ULL << 30;
	plan(&m, &r, &p);
	assert_int_equal(p.topk_row_bytes, 8192);
	assert_int_equal(p.draft_topk_row_bytes, 0);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_int_equal(f.batched_tokens, 8192);
	assert_int_equal(f.topk_buffer_bytes, 67108864);
	with = f.weights_per_gpu;
	m.index_topk = 0;
	plan(&m, &r, &p);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_int_equal(f.topk_buffer_bytes, 0);
	assert_int_equal(with - f.weights_per_gpu, 67108864);
	/* the MTP drafter's own, from 0.23 */
	m.index_topk = 2048;
	r.mtp_layers = 1;
	r.vllm_version = 23;
	plan(&m, &r, &p);
	assert_int_equal(p.draft_topk_row_bytes, 8192);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_int_equal(f.topk_buffer_bytes, 134217728);
	r.vllm_version = 22;
	plan(&m, &r, &p);
	assert_int_equal(p.draft_topk_row_bytes, 0);
	/* a step of 2,048 tokens given: 2,048 x 8,192 */
	r.vllm_version = 0;
	r.mtp_layers = 0;
	r.max_batched_tokens = 2048;
	plan(&m, &r, &p);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_int_equal(f.topk_buffer_bytes, 16777216);
	r.engine = KVP_ENGINE_SGLANG;
	plan(&m, &r, &p);
	assert_int_equal(p.topk_row_bytes, 0);
}

/* vLLM's wk in bf16 (PR #38928, from 0.20): an fp8 wk, 6,144 x 128 =
 * 786,432 params a layer counted at 1 B, takes 2: 786,432 B more in each
 * layer with an indexer, on every rank.  From 0.24, GLM-5.2's 21 full
 * layers: 16,515,072 B; 0.20 to 0.23 built an Indexer in all 78 layers:
 * 61,341,696 B, and their other indexer weights too (57 more layers of
 * 9,371,904 params, at fp8's 1 B a parameter of the total: 534,198,528 B
 * more whole on every rank).  Before 0.20, in 16 bits or under SGLang:
 * none. */
static void test_wk_bf16(void **state)
{
	kvp_model m = glm52();
	kvp_request r = request(KVP_ENGINE_VLLM, KVP_DTYPE_FP16, 8192);
	kvp_plan p;
	uint64_t rep;

	(void)state;
	m.params = 744000000000ULL;
	r.weights_dtype = KVP_DTYPE_FP8;
	r.tp = 8;
	r.vllm_version = 24;
	plan(&m, &r, &p);
	assert_int_equal(p.indexer_upcast_bytes, 16515072);
	assert_int_equal(p.stage_indexer_upcast_bytes[0], 16515072);
	rep = p.replicated_bytes;
	r.vllm_version = 23;
	plan(&m, &r, &p);
	assert_int_equal(p.indexer_upcast_bytes, 61341696);
	assert_int_equal(p.replicated_bytes - rep, 534198528);
	r.vllm_version = 19;
	plan(&m, &r, &p);
	assert_int_equal(p.indexer_upcast_bytes, 0);
	/* a checkpoint's total, which does not say wk's type */
	r.vllm_version = 24;
	r.weight_bytes = 744000000000ULL;
	plan(&m, &r, &p);
	assert_int_equal(p.indexer_upcast_bytes, 0);
	r.weight_bytes = 0;
	r.vllm_version = 0;
	r.weights_dtype = KVP_DTYPE_FP16;
	plan(&m, &r, &p);
	assert_int_equal(p.indexer_upcast_bytes, 0);
	r.weights_dtype = KVP_DTYPE_FP8;
	r.engine = KVP_ENGINE_SGLANG;
	plan(&m, &r, &p);
	assert_int_equal(p.indexer_upcast_bytes, 0);
	/* two stages of 39 layers: 0-38 hold 3 + 9 full layers (0, 1, 2,
	 * 6, ..., 38), 39-77 the other 9 (42, ..., 74) */
	r.engine = KVP_ENGINE_VLLM;
	r.pp = 2;
	plan(&m, &r, &p);
	assert_int_equal(p.stage_indexer_upcast_bytes[0], 12 * 786432);
	assert_int_equal(p.stage_indexer_upcast_bytes[1], 9 * 786432);
}

/* TensorRT-LLM (dsa/cache_manager.py derive_indexer_k_cache_layer_mask:
 * the full layers, the MTP layer full), fp8 with its MTP layer: 79 x 576
 * + 22 x 132 = 45,504 + 2,904 = 48,408 B a token.  Its fp4 key
 * (indexer_k_dtype fp4, _get_indexer_k_cache_bytes_per_token: 128 / 2 +
 * 4 = 68): 45,504 + 22 x 68 = 47,000; for a key other than 128 refused;
 * vLLM ignores the setting. */
static void test_trtllm(void **state)
{
	kvp_model m = glm52();
	kvp_request r = request(KVP_ENGINE_TRTLLM, KVP_DTYPE_FP8, 8192);
	kvp_plan p;
	kvp_error err;

	(void)state;
	r.mtp_layers = 1;
	plan(&m, &r, &p);
	assert_int_equal(p.kv_bytes_per_token, 48408);
	r.indexer_fp4 = true;
	plan(&m, &r, &p);
	assert_int_equal(p.kv_bytes_per_token, 47000);
	assert_int_equal(p.groups[0].index_bytes_per_token, 68);
	m.index_head_dim = 256;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_ERR_INVALID);
	assert_string_equal(err.message, "glm-5.2: TensorRT-LLM keeps an fp4 indexer key"
	                    " (indexer_k_dtype) for an index_head_dim of 128; not this model's");
	m.index_head_dim = 128;
	r.engine = KVP_ENGINE_VLLM;
	r.dtype_k = r.dtype_v = KVP_DTYPE_FP8_DS_MLA;
	plan(&m, &r, &p);
	assert_int_equal(p.kv_bytes_per_token, 54728);
}

/* SGLang, fp8 as its flashmla_kv backend keeps it on a Hopper
 * (fp8_ds_mla: 656 B a latent, 132 a key), pages of 64:
 *  - current (PR #30531, from 0.5.18): the key in the 21 full layers,
 *    78 x 656 + 21 x 132 = 51,168 + 2,772 = 53,940 B a token, so a
 *    budget of 64,000 x 53,940 = 3,452,160,000 B holds 64,000 tokens,
 *    a byte less 63,936;
 *  - with the MTP layer (NEXTN): the draft's latent priced at the
 *    target's average, int(51,168 x 1 / 78) = 656, and its key, 132:
 *    53,940 + 788 = 54,728 B (_compute_dsa_indexer_cell_size, allocate_
 *    all_layers for the draft);
 *  - 0.5.17: the key in every layer, 78 x 788 = 61,464 B. */
static void test_sglang(void **state)
{
	kvp_model m = glm52();
	kvp_request r = request(KVP_ENGINE_SGLANG, KVP_DTYPE_FP8_DS_MLA, 8192);
	kvp_capacity c;
	kvp_plan p;
	kvp_error err;

	(void)state;
	r.block_size = 64;
	plan(&m, &r, &p);
	assert_int_equal(p.kv_bytes_per_token, 53940);
	assert_int_equal(kvp_plan_capacity(&p, 3452160000ULL, &c, &err), KVP_OK);
	assert_int_equal(c.tokens, 64000);
	assert_int_equal(kvp_plan_capacity(&p, 3452159999ULL, &c, &err), KVP_OK);
	assert_int_equal(c.tokens, 63936);
	r.mtp_layers = 1;
	plan(&m, &r, &p);
	assert_int_equal(kvp_plan_capacity(&p, 64000ULL * 54728, &c, &err), KVP_OK);
	assert_int_equal(c.tokens, 64000);
	assert_int_equal(kvp_plan_capacity(&p, 64000ULL * 54728 - 1, &c, &err), KVP_OK);
	assert_int_equal(c.tokens, 63936);
	r.mtp_layers = 0;
	r.sglang_version = 517;
	plan(&m, &r, &p);
	assert_int_equal(p.kv_bytes_per_token, 61464);
	/* A server of prefill/decode disaggregation keys every layer still
	 * (_should_elide_dsa_index_k). */
	r.sglang_version = 0;
	r.disaggregation = KVP_DISAGG_DECODE;
	plan(&m, &r, &p);
	assert_int_equal(p.kv_bytes_per_token, 61464);
}

/* A draft model of the same shape: SGLang's draft worker keys every
 * layer, 78 x 788 = 61,464 B a token beside the target's 53,940; vLLM
 * keys a draft's full layers as the target's, 53,940 again. */
static void test_draft(void **state)
{
	kvp_model m = glm52(), d = glm52();
	kvp_request r = request(KVP_ENGINE_SGLANG, KVP_DTYPE_FP8_DS_MLA, 8192);
	kvp_plan p;
	uint64_t draft;

	(void)state;
	r.draft = &d;
	for (int pass = 0; pass < 2; pass++) {
		plan(&m, &r, &p);
		draft = 0;
		for (uint32_t g = 0; g < p.group_count; g++)
			if (p.groups[g].draft)
				draft += p.groups[g].layers * p.groups[g].bytes_per_token;
		assert_int_equal(draft, pass ? 53940 : 61464);
		r.engine = KVP_ENGINE_VLLM;
		r.block_size = 64;
	}
}

/* The weights every tensor-parallel rank holds whole (vLLM's and
 * SGLang's ReplicatedLinear): an MLA layer's down-projections, hidden x
 * (q_lora_rank + kv_lora_rank + qk_rope_dim) = 6,144 x 2,624 =
 * 16,121,856 params, 78 layers 1,257,504,768; and an indexed layer's
 * indexer, wq_b 2,048 x 32 x 128 = 8,388,608, wk 6,144 x 128 = 786,432,
 * weights_proj 6,144 x 32 = 196,608 and k_norm 2 x 128: 9,371,904, in
 * GLM-5.2's 21 layers 196,809,984.  At 2 B a parameter of 744e9 (fp16,
 * no format: total x replicated / params), 2 x 1,454,314,752 =
 * 2,908,629,504 B; every layer indexed (GLM-5) 2 x (1,257,504,768 +
 * 731,008,512) = 3,977,026,560; the indexer's heads unknown, 2 x
 * 1,257,504,768 = 2,515,009,536. */
static void test_weights(void **state)
{
	kvp_model m = glm52();
	kvp_request r = request(KVP_ENGINE_VLLM, KVP_DTYPE_FP16, 8192);
	kvp_plan p;

	(void)state;
	m.params = 744000000000ULL;
	r.tp = 8;
	plan(&m, &r, &p);
	assert_int_equal(p.replicated_bytes, 2908629504ULL);
	m.index_topk_freq = 1;
	plan(&m, &r, &p);
	assert_int_equal(p.replicated_bytes, 3977026560ULL);
	m.index_heads = 0;
	plan(&m, &r, &p);
	assert_int_equal(p.replicated_bytes, 2515009536ULL);
}

/* The MTP layer's weights (lib/draft.c mtp_params): vLLM's MTP layer
 * builds a whole indexer (deepseek_v2.py DeepseekV2MLAAttention,
 * is_mtp_layer), where the model's layers keep 21 of 78.  GLM-5.2 as
 * data/models/glm-5.2.yaml gives it (753e9 params, vocab 154,880, 3 dense
 * layers of 12,288, then 256 experts and one shared of 2,048): an
 * indexer 2,048 x 32 x 128 + 6,144 x 128 + 6,144 x 32 + 2 x 128 =
 * 9,371,904; the layers' average less their MLPs and 21 indexers,
 * floor((753e9 - 2 x 154,880 x 6,144 - 6,144 - 3 x 3 x 6,144 x 12,288 -
 * 75 x 9,665,249,280 - 21 x 9,371,904) / 78) = 288,406,281, with an
 * expert layer's MLP 3 x 6,144 x 257 x 2,048 + 6,144 x 256 =
 * 9,665,249,280, the indexer, eh_proj 2 x 6,144^2 and three norms:
 * 10,076,292,105 params, 20,152,584,210 B at 2 B.  The average alone
 * held 21/78 of an indexer: 6,848,699 params short. */
static void test_mtp_indexer(void **state)
{
	kvp_model m = glm52();
	kvp_request r = request(KVP_ENGINE_VLLM, KVP_DTYPE_BF16, 4096);
	kvp_plan *p = test_calloc(1, sizeof *p);
	const uint64_t idx = 2048ull * 32 * 128 + 6144 * 128 + 6144 * 32 + 2 * 128;
	const uint64_t moe = 3ull * 6144 * 257 * 2048 + 6144 * 256;
	kvp_error err;

	(void)state;
	m.params = 753000000000ull;
	m.vocab = 154880;
	m.moe_experts = 256;
	m.moe_routed_experts = 256;
	m.moe_intermediate = 2048;
	m.moe_shared_intermediate = 2048;
	m.moe_dense_layers = 3;
	m.dense_intermediate = 12288;
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_OK);
	assert_int_equal(kvp_model_count_indexed(&m), 21);
	r.mtp_layers = 1;
	plan(&m, &r, p);
	assert_int_equal(idx, 9371904);
	assert_int_equal(p->draft_weights_bytes,
	                 2 * ((753000000000ull - 2ull * 154880 * 6144 - 6144 -
	                       3 * 3ull * 6144 * 12288 - 75 * moe - 21 * idx) / 78 +
	                      moe + idx + 2ull * 6144 * 6144 + 3 * 6144));
	assert_int_equal(p->draft_weights_bytes, 20152584210ull);
	test_free(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rule),
		cmocka_unit_test(test_checks),
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_llama_cpp),
		cmocka_unit_test(test_vllm),
		cmocka_unit_test(test_trtllm),
		cmocka_unit_test(test_sglang),
		cmocka_unit_test(test_draft),
		cmocka_unit_test(test_weights),
		cmocka_unit_test(test_topk_buffer),
		cmocka_unit_test(test_wk_bf16),
		cmocka_unit_test(test_mtp_indexer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
