/*
 * test_draft.c — speculative decoding: MTP layers and a draft model
 * planned beside the model, worked by hand from their shapes; vLLM's one
 * pool and its extra recurrent states, llama.cpp's rollback rows, the
 * last pipeline stage, the weights, the fit and the solvers counting
 * them, and every refusal.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"

static kvp_model finalized(kvp_model m)
{
	kvp_error err;

	if (kvp_model_finalize(&m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return m;
}

/* DeepSeek-V3 as data/models/deepseek-v3.yaml has it (its config.json:
 * 61 layers, hidden 7168, 128 heads, latent 512 + rope 64, vocab 129280;
 * params the model card's 671B). */
static kvp_model deepseek_v3(void)
{
	kvp_model m;

	memset(&m, 0, sizeof m);
	strcpy(m.name, "deepseek-v3");
	m.layers = 61;
	m.mtp_layers = 1; /* num_nextn_predict_layers */
	m.hidden = 7168;
	m.heads = 128;
	m.kv_heads = 128;
	m.head_dim = 192;
	m.vocab = 129280;
	m.params = 671000000000;
	m.kv_lora_rank = 512;
	m.qk_rope_dim = 64;
	m.qk_nope_dim = 128;
	m.v_head_dim = 128;
	return finalized(m);
}

/* Llama 3.1 70B and Llama 3.2 1B (their config.json files). */
static kvp_model llama(uint32_t layers, uint32_t hidden, uint32_t heads, uint32_t kv,
                       uint32_t head_dim, uint64_t params, const char *name)
{
	kvp_model m;

	memset(&m, 0, sizeof m);
	strcpy(m.name, name);
	m.layers = layers;
	m.hidden = hidden;
	m.heads = heads;
	m.kv_heads = kv;
	m.head_dim = head_dim;
	m.vocab = 128256;
	m.params = params;
	return finalized(m);
}

/* Qwen3-Next 80B-A3B's shape (data/models/qwen3-next-80b-a3b.yaml). */
static kvp_model qwen3_next(void)
{
	kvp_model m;
	kvp_error err;

	memset(&m, 0, sizeof m);
	strcpy(m.name, "qwen3-next");
	m.layers = 48;
	m.mtp_layers = 1; /* vLLM's Qwen3NextMTP's default */
	m.hidden = 2048;
	m.heads = 16;
	m.kv_heads = 2;
	m.head_dim = 256;
	m.vocab = 151936;
	m.params = 81324862720;
	m.ssm_conv_kernel = 4;
	m.ssm_inner = 4096;
	m.ssm_state = 128;
	m.ssm_groups = 16;
	if (kvp_layer_pattern_parse("recurrent*3,full", &m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return finalized(m);
}

static kvp_plan plan_of(const kvp_model *m, const kvp_request *r)
{
	kvp_plan p;
	kvp_error err;

	if (kvp_plan_compute(m, r, &p, &err) != KVP_OK)
		fail_msg("%s", err.message);
	return p;
}

static kvp_request request(kvp_engine engine, uint64_t seq)
{
	kvp_request r;

	kvp_request_init(&r);
	r.engine = engine;
	r.seq = seq;
	return r;
}

/* DeepSeek-V3's one MTP layer caches the latent as its 61 layers do:
 * 576 values at 2 B.  Its weights: a block at the model's average,
 * (671,000,000,000 - 2 x 129280 x 7168 - 7168) / 61 = 10,969,616,963
 * (floored), eh_proj 2 x 7168^2 = 102,760,448 and three norms 21,504:
 * 11,072,398,915 params, at the model's 2 B a parameter 22,144,797,830 B.
 * DeepSeek's README_WEIGHTS.md gives the MTP module 11.5B unique
 * parameters: the average of 61 layers, three of them dense, is 3.7 %
 * below its MoE block. */
static void test_mtp_deepseek(void **state)
{
	kvp_model m = deepseek_v3();
	kvp_request r = request(KVP_ENGINE_EXACT, 4096);
	kvp_plan p;
	const kvp_layer_group *g;
	double err;

	(void)state;
	r.mtp_layers = 1;
	p = plan_of(&m, &r);
	assert_int_equal(p.layers, 61);
	assert_int_equal(p.draft_layers, 1);
	assert_int_equal(p.group_count, 2);
	g = &p.groups[1];
	assert_true(g->draft);
	assert_false(p.groups[0].draft);
	assert_int_equal(g->kind, KVP_LAYER_MLA);
	assert_int_equal(g->first_layer, 61);
	assert_int_equal(g->bytes_per_token, 576 * 2);
	assert_int_equal(p.cache_total_bytes, 62ull * 576 * 2 * 4096);
	assert_int_equal(p.kv_bytes_per_token, 62ull * 1152);
	assert_int_equal(p.draft_weights_bytes, 22144797830ull);
	err = (11072398915.0 - 11.5e9) / 11.5e9;
	assert_true(err > -0.04 && err < 0);
	/* fp8: a byte a parameter, so 11,072,398,915 B. */
	r.weights_dtype = KVP_DTYPE_FP8;
	p = plan_of(&m, &r);
	assert_int_equal(p.draft_weights_bytes, 11072398915ull);
	/* Two layers, twice (a model with two). */
	m.mtp_layers = 2;
	r.mtp_layers = 2;
	p = plan_of(&m, &r);
	assert_int_equal(p.draft_weights_bytes, 2 * 11072398915ull);
	assert_int_equal(p.cache_total_bytes, 63ull * 1152 * 4096);
	/* Its experts said (config.json: first_k_dense_replace 3 of
	 * intermediate_size 18,432, then 256 routed and 1 shared of 2,048):
	 * the block past layer 60 routes, so the layers' average less their
	 * MLPs, floor((671e9 - 1,853,365,248 - 3 x 396,361,728 - 58 x
	 * 11,320,164,352) / 61) = 186,688,805, and an expert layer's MLP,
	 * 3 x 7,168 x 257 x 2,048 + 7,168 x 256 = 11,320,164,352: with eh_proj
	 * and the norms 11,609,635,109 params, at fp8 as many bytes.  From the
	 * config exactly (MLA's projections 187,107,328, two norms, the
	 * router and its bias 1,835,264) the layer holds 11,610,068,224:
	 * -3.7e-5; the
	 * model card's "11.5B" is within 1 %. */
	m.mtp_layers = 1;
	r.mtp_layers = 1;
	m.moe_experts = 256;
	m.moe_intermediate = 2048;
	m.moe_shared_intermediate = 2048;
	m.moe_dense_layers = 3;
	m.dense_intermediate = 18432;
	p = plan_of(&m, &r);
	assert_int_equal(p.draft_weights_bytes, 11609635109ull);
	err = (11609635109.0 - 11610068224.0) / 11610068224.0;
	assert_true(err > -4e-5 && err < 0);
	err = (11609635109.0 - 11.5e9) / 11.5e9;
	assert_true(err > 0 && err < 0.01);
}

/* DeepSeek-V3's MTP layer as its bf16 checkpoint holds it, from its
 * config.json: the block 187,107,328 (MLA's projections) + 14,336 (two
 * norms) + 11,318,329,344 (257 experts of 3 x 7,168 x 2,048) + 1,835,264
 * (the router and its bias), eh_proj 102,760,448 and three norms 21,504:
 * 11,610,068,224 params; and its own copies of the embedding and the
 * head, 2 x 129,280 x 7,168 = 1,853,358,080: in all 13,463,426,304
 * params, 26,926,852,608 B, of them copies 3,706,716,160 B.
 *   - llama.cpp holds all of it;
 *   - vLLM, SGLang and TensorRT-LLM the model's own in the copies'
 *     place: 23,220,136,448 B, which test_mtp_deepseek's estimate,
 *     23,219,270,218, misses by 866,230 B (-3.7e-5);
 *   - vLLM under pipeline parallelism an embedding of the drafter's
 *     own, the model's 1,853,358,080 B, over its tp ranks. */
static void test_mtp_shared(void **state)
{
	kvp_model m = deepseek_v3();
	kvp_request r = request(KVP_ENGINE_LLAMA_CPP, 4096);
	const uint64_t file = 26926852608ull, copies = 3706716160ull;
	const uint64_t emb = 2ull * 129280 * 7168;
	const kvp_engine sharing[] = {KVP_ENGINE_VLLM, KVP_ENGINE_SGLANG, KVP_ENGINE_TRTLLM};
	kvp_device dev;
	kvp_plan p, p2;
	kvp_fit f, f2;
	kvp_error err;

	(void)state;
	r.mtp_layers = 1;
	r.draft_weight_bytes = file;
	r.draft_shared_bytes = copies;
	p = plan_of(&m, &r);
	assert_int_equal(p.draft_weights_bytes, file);
	assert_int_equal(p.draft_embedding_bytes, 0);
	for (size_t i = 0; i < sizeof sharing / sizeof sharing[0]; i++) {
		r.engine = sharing[i];
		p = plan_of(&m, &r);
		assert_int_equal(p.draft_weights_bytes, 23220136448ull);
		assert_int_equal(p.draft_weights_bytes, 2 * 11610068224ull);
		assert_int_equal(p.draft_embedding_bytes, 0);
	}
	/* vLLM at pp 2 and tp 2: the embedding beside the layers, and on a
	 * GPU of the last stage its half beside the layers' share (against
	 * the plan without it). */
	memset(&dev, 0, sizeof dev);
	strcpy(dev.name, "gpu");
	dev.hbm_bytes = 141ull << 30;
	dev.l2_bytes = 50ull << 20;
	r.engine = KVP_ENGINE_VLLM;
	r.tp = 2;
	r.pp = 2;
	p2 = plan_of(&m, &r);
	assert_int_equal(p2.embedding_bytes, emb);
	assert_int_equal(p2.draft_embedding_bytes, emb);
	assert_int_equal(p2.draft_weights_bytes, 23220136448ull + emb);
	assert_int_equal(kvp_plan_fit(&p2, &dev, &f2, &err), KVP_OK);
	p = p2;
	p.draft_weights_bytes -= emb;
	p.draft_embedding_bytes = 0;
	assert_int_equal(kvp_plan_fit(&p, &dev, &f, &err), KVP_OK);
	assert_int_equal(f2.stage_weights[1], f.stage_weights[1] + emb / 2);
	assert_int_equal(f2.stage_weights[0], f.stage_weights[0]);
	/* The estimate, no file, alike. */
	r.draft_weight_bytes = r.draft_shared_bytes = 0;
	p2 = plan_of(&m, &r);
	assert_int_equal(p2.draft_weights_bytes, 22144797830ull + emb);
}

/* Qwen3-Next: the MTP layer is a full-attention layer (2 kv heads of 256:
 * 2,048 B a token at fp16).  Under vLLM each sequence keeps 1 +
 * num_speculative_tokens states of its 36 Gated DeltaNet layers (the
 * default: the MTP layers, 1); llama.cpp keeps 1 + n_rs_seq rows on an
 * architecture that rolls back, the exact model one. */
static void test_mtp_hybrid_states(void **state)
{
	kvp_model m = qwen3_next();
	kvp_request r = request(KVP_ENGINE_EXACT, 4096);
	kvp_plan p, base;
	uint64_t one_state;

	(void)state;
	base = plan_of(&m, &r);
	one_state = base.groups[0].state_bytes_per_seq;
	assert_int_equal(base.groups[0].kind, KVP_LAYER_RECURRENT);
	r.mtp_layers = 1;
	p = plan_of(&m, &r);
	assert_int_equal(p.groups[0].state_bytes_per_seq, one_state);
	assert_int_equal(p.groups[p.group_count - 1].bytes_per_token, 2 * 2 * 256 * 2);
	assert_int_equal(p.cache_total_bytes, base.cache_total_bytes + 4096ull * 2048);
	r.engine = KVP_ENGINE_VLLM;
	r.mamba_cache_mode = KVP_MAMBA_NONE; /* prefix caching off */
	base.request.engine = KVP_ENGINE_VLLM;
	p = plan_of(&m, &r);
	assert_int_equal(p.groups[0].state_bytes_per_seq % 2, 0);
	{
		kvp_request plain = request(KVP_ENGINE_VLLM, 4096);
		kvp_plan v;

		plain.mamba_cache_mode = KVP_MAMBA_NONE;
		v = plan_of(&m, &plain);
		assert_int_equal(p.groups[0].state_bytes_per_seq,
		                 2 * v.groups[0].state_bytes_per_seq);
		r.spec_tokens = 3;
		p = plan_of(&m, &r);
		assert_int_equal(p.groups[0].state_bytes_per_seq,
		                 4 * v.groups[0].state_bytes_per_seq);
		/* Mode align (vLLM 0.28's default) keeps the last block
		 * boundary's state too: 2 + k pages, 2 without a draft. */
		r.mamba_cache_mode = plain.mamba_cache_mode = KVP_MAMBA_ALIGN;
		p = plan_of(&m, &r);
		assert_int_equal(p.groups[0].state_bytes_per_seq,
		                 5 * v.groups[0].state_bytes_per_seq);
		p = plan_of(&m, &plain);
		assert_int_equal(p.groups[0].state_bytes_per_seq,
		                 2 * v.groups[0].state_bytes_per_seq);
		r.mamba_cache_mode = KVP_MAMBA_DEFAULT;
		p = plan_of(&m, &r);
		assert_int_equal(p.groups[0].state_bytes_per_seq,
		                 5 * v.groups[0].state_bytes_per_seq);
	}
	r.engine = KVP_ENGINE_LLAMA_CPP;
	r.spec_tokens = 0;
	p = plan_of(&m, &r);
	assert_int_equal(p.groups[0].state_bytes_per_seq, one_state);
	/* llama.cpp clamps n_rs_seq to 0 for qwen3next, which is not in
	 * llm_arch_supports_rs_rollback: one row whatever the draft. */
	r.spec_tokens = 3;
	snprintf(m.model_type, sizeof m.model_type, "qwen3next");
	p = plan_of(&m, &r);
	assert_int_equal(p.groups[0].state_bytes_per_seq, one_state);
	/* Qwen3.5 (qwen35moe in GGUF, qwen3_5_moe in config.json) rolls
	 * back: 1 + 3 rows, with an MTP draft only. */
	snprintf(m.model_type, sizeof m.model_type, "qwen35moe");
	p = plan_of(&m, &r);
	assert_int_equal(p.groups[0].state_bytes_per_seq, 4 * one_state);
	snprintf(m.model_type, sizeof m.model_type, "qwen3_5_moe_text");
	p = plan_of(&m, &r);
	assert_int_equal(p.groups[0].state_bytes_per_seq, 4 * one_state);
}

/* Llama 3.1 70B drafted by Llama 3.2 1B (16 layers, 8 kv heads of 64),
 * vLLM at tp 4: one pool whose block holds 80 layers x 2 heads x 128 x 2
 * x 2 B x 16 tokens = 1,310,720 B and 16 x 2 x 64 x 2 x 2 x 16 = 131,072
 * B: 1,441,792 B a block (UniformTypeKVCacheSpecs: the sum of the
 * layers' pages). */
static void test_draft_vllm(void **state)
{
	kvp_model m = llama(80, 8192, 64, 8, 128, 70553706496, "llama3.1-70b");
	kvp_model d = llama(16, 2048, 32, 8, 64, 1235814400, "llama3.2-1b");
	kvp_request r = request(KVP_ENGINE_VLLM, 8192);
	kvp_plan p;
	kvp_capacity c;
	kvp_error err;

	(void)state;
	r.tp = 4;
	r.draft = &d;
	p = plan_of(&m, &r);
	assert_int_equal(p.draft_layers, 16);
	assert_int_equal(p.groups[1].kv_heads, 2);
	assert_int_equal(p.groups[1].bytes_per_token, 2 * 64 * 2 * 2);
	assert_int_equal(p.kv_bytes_per_gpu, 8192ull * (80 * 1024 + 16 * 512));
	assert_int_equal(kvp_plan_capacity(&p, 43132637799ull, &c, &err), KVP_OK);
	assert_int_equal(c.blocks, 43132637799ull / 1441792);
	assert_int_equal(c.tokens, 29915ull * 16);
	/* The draft's whole weights, plain fp16: 2 x 1,235,814,400. */
	assert_int_equal(p.draft_weights_bytes, 2471628800ull);
	/* In a format, estimated as the model's are; counted, as given. */
	r.weights_format.kind = KVP_WFORMAT_FP8;
	{
		kvp_weights_estimate e;

		assert_int_equal(kvp_weights_format_parse("fp8", &r.weights_format, &err), KVP_OK);
		assert_int_equal(kvp_weights_estimate_compute(&d, &r.weights_format,
		                                              KVP_DTYPE_FP16, &e, &err), KVP_OK);
		p = plan_of(&m, &r);
		assert_int_equal(p.draft_weights_bytes, e.bytes);
	}
	r.draft_weight_bytes = 123456789;
	p = plan_of(&m, &r);
	assert_int_equal(p.draft_weights_bytes, 123456789);
	/* The exact model's cache beside the engine's: both models' layers,
	 * every token, on one GPU: 8192 x (80 x 4096 + 16 x 2048). */
	assert_int_equal(p.exact_cache_bytes, 8192ull * (80 * 4096 + 16 * 2048));
}

/* SGLang with a draft (pool_configurator.py DefaultPoolConfigurator, PR
 * #23862): max_total_num_tokens = budget // int(cell x (1 + draft layers
 * / layers)), both pools then (tokens + page) rows.  Llama 3.1 70B at tp 4
 * (80 layers of 2 kv heads of 128: 1,024 B a token and layer) and Llama
 * 3.2 1B (16 layers, 512 B): cell 81,920 scaled by 1 + 16/80 to 98,304,
 * though the pools take 81,920 + 8,192 = 90,112 a token.  10^10 B:
 * 101,725 tokens, 101,726 x 90,112 B allocated.  With the draft's own
 * layers as large as the model's the scaling is exact: MTP's. */
static void test_draft_sglang(void **state)
{
	kvp_model m = llama(80, 8192, 64, 8, 128, 70553706496, "llama3.1-70b");
	kvp_model d = llama(16, 2048, 32, 8, 64, 1235814400, "llama3.2-1b");
	kvp_request r = request(KVP_ENGINE_SGLANG, 8192);
	kvp_plan p;
	kvp_capacity c;
	kvp_error err;

	(void)state;
	r.tp = 4;
	r.draft = &d;
	p = plan_of(&m, &r);
	assert_int_equal(kvp_plan_capacity(&p, 10000000000ull, &c, &err), KVP_OK);
	assert_int_equal(c.tokens, 10000000000ull / 98304);
	assert_int_equal(c.tokens, 101725);
	assert_int_equal(c.allocated_bytes, 101726ull * 90112);
}

/* The draft lives on the last pipeline stage. */
static void test_draft_pp(void **state)
{
	kvp_model m = llama(80, 8192, 64, 8, 128, 70553706496, "llama3.1-70b");
	kvp_model d = llama(16, 2048, 32, 8, 64, 1235814400, "llama3.2-1b");
	kvp_request r = request(KVP_ENGINE_EXACT, 1000);
	kvp_plan p;

	(void)state;
	r.pp = 2;
	r.draft = &d;
	p = plan_of(&m, &r);
	assert_int_equal(p.stages, 2);
	assert_int_equal(p.stage_bytes[0], 1000ull * 40 * 4096);
	assert_int_equal(p.stage_bytes[1], 1000ull * (40 * 4096 + 16 * 2048));
	assert_int_equal(p.kv_bytes_per_gpu, p.stage_bytes[1]);
}

/* The fit: the draft's weights on each tp rank of the last stage, the
 * parts summing to the device, and the longest context the budget over
 * both models' bytes a token. */
static void test_fit(void **state)
{
	kvp_model m = llama(80, 8192, 64, 8, 128, 70553706496, "llama3.1-70b");
	kvp_model d = llama(16, 2048, 32, 8, 64, 1235814400, "llama3.2-1b");
	kvp_request r = request(KVP_ENGINE_EXACT, 8192);
	kvp_device dev;
	kvp_plan p;
	kvp_fit f;
	kvp_error err;
	const kvp_footprint *fp = &f.footprint;
	uint64_t target = 2 * 70553706496ull, draft = 2 * 1235814400ull;

	(void)state;
	memset(&dev, 0, sizeof dev);
	strcpy(dev.name, "gpu");
	dev.hbm_bytes = 80ull << 30;
	dev.l2_bytes = 50ull << 20;
	r.tp = 2;
	r.pp = 2;
	r.draft = &d;
	p = plan_of(&m, &r);
	assert_int_equal(kvp_plan_fit(&p, &dev, &f, &err), KVP_OK);
	assert_int_equal(f.weights_bytes, target + draft);
	assert_int_equal(fp->weights, target / 4);
	assert_int_equal(fp->draft, draft / 2);
	assert_int_equal(f.weights_per_gpu, target / 4 + draft / 2);
	assert_int_equal(fp->weights + fp->draft + fp->adapters + fp->kv + fp->state +
	                 fp->activations + fp->runtime + fp->reserve + fp->req_table +
	                         fp->held_back + fp->unused,
	                 dev.hbm_bytes);
	/* The last stage: 40 layers x 4 heads x 128 x 2 x 2 = 81,920 B and
	 * 16 x 4 x 64 x 2 x 2 = 16,384 B a token. */
	assert_int_equal(f.max_seq_hbm, f.budget_bytes / (81920 + 16384));
}

/* SGLang's pools past its budget (kvp_fit_pool_overrun), as
 * tests/cli/draft.sh works it out: Llama 2 7B (524,288 B a token) and a
 * draft of two layers of 64 heads of 128 (32,768 B each), a budget of
 * 10^10 B: the cell int(524,288 x (1 + 2/32)) = 557,056 gives 17,951
 * tokens, whose pools take 589,824 B each, 587,930,624 B past it.  Llama
 * 3.1 70B's smaller Llama 3.2 1B draft takes none past; nor does another
 * engine, nor NULL. */
static void test_pool_overrun(void **state)
{
	kvp_model m = llama(32, 4096, 32, 32, 128, 6738415616, "llama2-7b");
	kvp_model d = llama(2, 8192, 64, 64, 128, 1000000000, "big-draft");
	kvp_model m70 = llama(80, 8192, 64, 8, 128, 70553706496, "llama3.1-70b");
	kvp_model d1 = llama(16, 2048, 32, 8, 64, 1235814400, "llama3.2-1b");
	kvp_request r = request(KVP_ENGINE_SGLANG, 1024);
	kvp_device dev;
	kvp_plan p;
	kvp_fit f;
	kvp_error err;

	(void)state;
	memset(&dev, 0, sizeof dev);
	strcpy(dev.name, "gpu");
	dev.hbm_bytes = 80ull << 30;
	dev.l2_bytes = 50ull << 20;
	r.draft = &d;
	r.kv_budget = 10000000000ull;
	p = plan_of(&m, &r);
	assert_int_equal(kvp_plan_fit(&p, &dev, &f, &err), KVP_OK);
	assert_int_equal(f.capacity.tokens, 17951);
	assert_int_equal(kvp_fit_pool_overrun(&p, &f), 587930624ull);
	assert_int_equal(kvp_fit_pool_overrun(NULL, &f), 0);
	assert_int_equal(kvp_fit_pool_overrun(&p, NULL), 0);
	r.engine = KVP_ENGINE_VLLM;
	p = plan_of(&m, &r);
	assert_int_equal(kvp_plan_fit(&p, &dev, &f, &err), KVP_OK);
	assert_int_equal(kvp_fit_pool_overrun(&p, &f), 0);
	r.engine = KVP_ENGINE_SGLANG;
	r.draft = &d1;
	p = plan_of(&m70, &r);
	assert_int_equal(kvp_plan_fit(&p, &dev, &f, &err), KVP_OK);
	assert_true(f.capacity.tokens > 0);
	assert_int_equal(kvp_fit_pool_overrun(&p, &f), 0);
}

static void expect_refusal(const kvp_model *m, const kvp_request *r, kvp_status want,
                           const char *text)
{
	kvp_plan p;
	kvp_error err;

	assert_int_equal(kvp_plan_compute(m, r, &p, &err), want);
	if (!strstr(err.message, text))
		fail_msg("'%s' lacks '%s'", err.message, text);
}

static void test_refusals(void **state)
{
	kvp_model m = llama(80, 8192, 64, 8, 128, 70553706496, "llama3.1-70b");
	kvp_model d = llama(16, 2048, 32, 8, 64, 1235814400, "llama3.2-1b");
	kvp_model hybrid = qwen3_next(), mamba;
	kvp_request r = request(KVP_ENGINE_VLLM, 1024);
	kvp_error err;

	(void)state;
	r.draft = &d;
	r.mtp_layers = 1;
	expect_refusal(&m, &r, KVP_ERR_INVALID, "a draft model and MTP layers are two ways");
	r.mtp_layers = 0;
	r.draft = &hybrid;
	expect_refusal(&m, &r, KVP_ERR_INVALID,
	               "qwen3-next: a draft model with recurrent layers is not modelled");
	/* The draft splits its heads as the model does: 30 heads over 4. */
	r.draft = &d;
	r.tp = 4;
	d.heads = 30;
	d.kv_heads = 6;
	d.head_dim = 64;
	expect_refusal(&m, &r, KVP_ERR_SHAPE, "llama3.2-1b: tensor parallel 4 does not divide");
	/* Params unknown: no weights, as the model's own; the cache all
	 * the same. */
	r.tp = 1;
	d = llama(16, 2048, 32, 8, 64, 0, "llama3.2-1b");
	{
		kvp_plan p = plan_of(&m, &r);

		assert_int_equal(p.draft_weights_bytes, 0);
		assert_int_equal(p.draft_layers, 16);
	}
	/* The MTP layers the checkpoint has, all of them (kvp_model
	 * mtp_layers): Llama 3.1 70B has none, DeepSeek-V3 one; a count of
	 * its MTP params alone says one at least, not how many. */
	r.draft = NULL;
	r.mtp_layers = 1;
	expect_refusal(&m, &r, KVP_ERR_INVALID, "llama3.1-70b has no MTP (NextN) layers");
	{
		kvp_model ds = deepseek_v3();

		r.mtp_layers = 2;
		expect_refusal(&ds, &r, KVP_ERR_INVALID,
		               "deepseek-v3 has 1 MTP (NextN) layer, which an MTP draft"
		               " loads whole; not 2");
		ds.mtp_layers = 3;
		expect_refusal(&ds, &r, KVP_ERR_INVALID,
		               "deepseek-v3 has 3 MTP (NextN) layers, which an MTP draft"
		               " loads whole; not 2");
		r.mtp_layers = 3;
		assert_int_equal(plan_of(&ds, &r).draft_layers, 3);
		/* More than the model's own layers: not a model. */
		ds.mtp_layers = 62;
		r.mtp_layers = 62;
		expect_refusal(&ds, &r, KVP_ERR_SHAPE,
		               "deepseek-v3: mtp_layers 62 is more than its 61 layers");
		r.mtp_layers = 2;
		ds.mtp_layers = 0;
		ds.mtp_params = 11000000000;
		assert_int_equal(plan_of(&ds, &r).draft_layers, 2);
		/* Copies of the embedding and head past the MTP layers' own
		 * params: not a model. */
		ds.mtp_shared_params = 11000000001;
		expect_refusal(&ds, &r, KVP_ERR_SHAPE,
		               "deepseek-v3: mtp_shared_params 11000000001 are more than its"
		               " mtp_params 11000000000");
		ds.mtp_shared_params = 0;
		r.mtp_layers = 1;
	}
	/* MTP weights need the model's vocabulary and hidden size (with
	 * params; none without); MTP layers need attention. */
	m.mtp_layers = 1;
	m.vocab = 0;
	expect_refusal(&m, &r, KVP_ERR_INVALID, "the MTP layers' weights need the model's vocabulary");
	m.params = 0;
	{
		kvp_plan p = plan_of(&m, &r);

		assert_int_equal(p.draft_weights_bytes, 0);
	}
	memset(&mamba, 0, sizeof mamba);
	strcpy(mamba.name, "mamba");
	mamba.layers = 4;
	mamba.hidden = 1024;
	mamba.heads = 8;
	mamba.kv_heads = 8;
	mamba.state_bytes = 1000;
	if (kvp_layer_pattern_parse("recurrent", &mamba, &err) != KVP_OK)
		fail_msg("%s", err.message);
	mamba.mtp_layers = 1;
	mamba = finalized(mamba);
	expect_refusal(&mamba, &r, KVP_ERR_INVALID, "MTP layers are attention layers");
	/* Past 64 bits with the MTP layers, not without: 80 layers of
	 * 4,096 B a token at 3.5 x 10^13 tokens are 1.15 x 10^19 B, and 80
	 * MTP layers as many again. */
	m = llama(80, 8192, 64, 8, 128, 70553706496, "llama3.1-70b");
	m.mtp_layers = 80;
	r.mtp_layers = 0;
	r.seq = 35000000000000ull;
	assert_int_equal(plan_of(&m, &r).cache_total_bytes, 35000000000000ull * 80 * 4096);
	r.mtp_layers = 80;
	expect_refusal(&m, &r, KVP_ERR_OVERFLOW, "overflows 64-bit bytes");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mtp_deepseek),
		cmocka_unit_test(test_mtp_shared),
		cmocka_unit_test(test_mtp_hybrid_states),
		cmocka_unit_test(test_draft_vllm),
		cmocka_unit_test(test_draft_sglang),
		cmocka_unit_test(test_draft_pp),
		cmocka_unit_test(test_fit),
		cmocka_unit_test(test_pool_overrun),
		cmocka_unit_test(test_refusals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
