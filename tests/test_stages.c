/*
 * test_stages.c — pipeline stages each with their own weights and budget:
 * the embedding on the first stage, the LM head on the last (a tied
 * head's copy there too), llama.cpp's embedding in host memory, each
 * engine's way of reconciling the stages' budgets, and vLLM's sampler on
 * the last stage alone.  Every figure is worked by hand in its comment.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#include "testmodel.h"

#define H100_BYTES 85899345920ull /* 80 GiB */

/* testmodel_new's model, its LM head tied or not (finalize reads
 * nothing of it). */
static kvp_model model(uint32_t layers, uint32_t hidden, uint32_t heads, uint32_t kv,
                       uint32_t vocab, uint64_t params, bool tied)
{
	kvp_model m = testmodel_new(layers, hidden, heads, kv, vocab, params);

	m.tie_embeddings = tied;
	return m;
}

/* meta-llama/Meta-Llama-3-70B config.json: 80 layers, hidden 8192, 64
 * heads, 8 kv heads, vocab 128256, untied; 70,553,706,496 parameters. */
static kvp_model llama3_70b(void)
{
	return model(80, 8192, 64, 8, 128256, 70553706496ull, false);
}

static kvp_device h100(void)
{
	kvp_device d;

	memset(&d, 0, sizeof d);
	strcpy(d.name, "h100");
	strcpy(d.arch, "sm_90");
	d.hbm_bytes = H100_BYTES;
	d.l2_bytes = 50ull << 20;
	return d;
}

/* Llama 3 70B's request below: 8,192 tokens, tp 2, pp 3. */
static kvp_request tp2_pp3(kvp_engine engine, double mem_util)
{
	kvp_request r;

	kvp_request_init(&r);
	r.engine = engine;
	r.seq = 8192;
	r.tp = 2;
	r.pp = 3;
	r.mem_util = mem_util;
	return r;
}

static void plan_fit(const kvp_model *m, const kvp_request *r, kvp_plan *p, kvp_fit *f)
{
	kvp_device d = h100();
	kvp_error err;

	if (kvp_plan_compute(m, r, p, &err) != KVP_OK ||
	    kvp_plan_fit(p, &d, f, &err) != KVP_OK)
		fail_msg("%s", err.message);
}

/* Llama 3 70B, fp16, vLLM at tp 2 and pp 3 (27, 27 and 26 layers) on an
 * H100 at 0.92:
 *   weights 141,107,412,992 B; embedding and head 128,256 x 8,192 x 2 =
 *   2,101,346,304 B each; the layers' 136,904,720,384 B by cumulative
 *   floors: 46,205,343,129, 46,205,343,130 and 44,494,034,125 B;
 *   per GPU ceil(/ 2): 24,153,344,717 (with the embedding),
 *   23,102,671,565 and 23,297,690,215 (with the head);
 *   usable ceil(85,899,345,920 x 0.92) = 79,027,398,247, so the budgets
 *   54,874,053,530, 55,924,726,682 and 55,729,708,032 B;
 *   a block of 16 tokens, 4 kv heads a rank: 16 x 2 x 4 x 128 x 2 =
 *   32,768 B a layer; blocks floor(budget / 32,768 / layers): 62,023,
 *   63,210 and 65,412.  vLLM takes the least (get_kv_cache_configs):
 *   62,023 blocks, 992,368 tokens, the first stage binding. */
static void test_vllm_stages(void **state)
{
	kvp_model m = llama3_70b();
	kvp_request r = tp2_pp3(KVP_ENGINE_VLLM, 0.92);
	kvp_plan p;
	kvp_fit f;

	(void)state;
	plan_fit(&m, &r, &p, &f);
	assert_int_equal(p.embedding_bytes, 2101346304);
	assert_int_equal(p.head_bytes, 2101346304);
	assert_int_equal(f.stage_weights[0], 24153344717ull);
	assert_int_equal(f.stage_weights[1], 23102671565ull);
	assert_int_equal(f.stage_weights[2], 23297690215ull);
	assert_int_equal(f.usable_bytes, 79027398247ull);
	assert_int_equal(f.stage_budget[0], 54874053530ull);
	assert_int_equal(f.stage_budget[1], 55924726682ull);
	assert_int_equal(f.stage_budget[2], 55729708032ull);
	assert_int_equal(f.stage, 0);
	assert_int_equal(f.capacity.blocks, 62023);
	assert_int_equal(f.capacity.tokens, 992368);
	assert_int_equal(f.weights_per_gpu, 24153344717ull);
	assert_int_equal(f.budget_bytes, 54874053530ull);
	/* The longest context on the first stage, whose blocks are the
	 * fewest: since 0.29 vLLM's check holds back its null block, one
	 * block of that stage's pool, 27 x 32,768 = 884,736 B
	 * (kvp_plan_held_bytes), leaving 62,022 blocks, 992,352 tokens; stages
	 * 1 and 2 hold 27 and 26 layers' pages back.  Before, all 62,023:
	 * 992,368. */
	assert_int_equal(kvp_plan_held_bytes(&p, 0), 884736);
	assert_int_equal(kvp_plan_held_bytes(&p, 1), 884736);
	assert_int_equal(kvp_plan_held_bytes(&p, 2), 26 * 32768);
	assert_int_equal(kvp_plan_held_bytes(&p, 3), 0);
	assert_int_equal(f.max_seq_hbm, 992352);
	{
		kvp_plan old;
		kvp_fit of;

		r.vllm_version = 28;
		plan_fit(&m, &r, &old, &of);
		assert_int_equal(kvp_plan_held_bytes(&old, 0), 0);
		assert_int_equal(of.max_seq_hbm, 992368);
		assert_int_equal(of.capacity.blocks, 62023);
	}
	/* The footprint is the first stage's GPU: 27 layers x 62,023
	 * blocks x 32,768 B. */
	assert_int_equal(f.footprint.weights, 24153344717ull);
	assert_int_equal(f.footprint.kv, 27ull * 62023 * 32768);
}

/* SGLang measures the memory free after loading as the least over every
 * rank, then each rank's tokens with its own layers, the least again
 * (model_runner_kv_cache_mixin.py profile_max_num_token).  Llama 3 70B at
 * tp 2, pp 3 (SGLang's split: 26, 27, 27 layers), mem_fraction_static
 * 0.9: usable floor(85,899,345,920 x 0.9) = 77,309,411,328; the last
 * stage's weights, 27 layers' and the head, 24,153,344,717 B a GPU as
 * vLLM's first stage above, leave 53,156,066,611 B, every stage's budget;
 * a token is 26 x 2 x 4 x 128 x 2 = 53,248 B on the first stage, 55,296 B
 * on the others: 998,273 and 961,300 tokens; 961,300 bind, the second
 * stage first. */
static void test_sglang_stages(void **state)
{
	kvp_model m = llama3_70b();
	kvp_request r = tp2_pp3(KVP_ENGINE_SGLANG, 0.9);
	kvp_plan p;
	kvp_fit f;

	(void)state;
	plan_fit(&m, &r, &p, &f);
	for (int s = 0; s < 3; s++)
		assert_int_equal(f.stage_budget[s], 53156066611ull);
	assert_int_equal(f.stage_weights[2], 24153344717ull);
	assert_int_equal(f.capacity.tokens, 961300);
	assert_int_equal(f.stage, 1);
}

/* SGLang's LlamaForCausalLM builds its untied head on every rank
 * (models/llama.py, every version since #5724 to #30802 of 2026-07-10),
 * the embedding on the first alone.  Llama 3 70B at tp 2, pp 3 (26, 27,
 * 27 layers): the layers' 136,904,720,384 B split 44,494,034,124,
 * 46,205,343,130 and 46,205,343,130, the embedding and the head
 * 2,101,346,304 B each.  Per GPU: (44,494,034,124 + 2 x 2,101,346,304) / 2
 * = 24,348,363,366 on the first stage, (46,205,343,130 + 2,101,346,304) /
 * 2 = 24,153,344,717 on the others.  The first is now the heaviest, and
 * SGLang gives every rank the least memory free: 77,309,411,328 (90 % of
 * 80 GiB) - 24,348,363,366 = 52,961,047,962 B each, and the 27-layer
 * stages' cells (27 x 2 x 4 x 128 x 2 = 55,296 B) hold 957,773 tokens.
 * Tied, the head is the embedding's PPMissingLayer past the first rank:
 * kvplan keeps its copy on the last stage, as before. */
static void test_sglang_llama_head(void **state)
{
	kvp_model m = llama3_70b();
	kvp_request r = tp2_pp3(KVP_ENGINE_SGLANG, 0.9);
	kvp_plan p;
	kvp_fit f;

	(void)state;
	strcpy(m.model_type, "llama");
	plan_fit(&m, &r, &p, &f);
	assert_true(p.head_every_stage);
	assert_false(p.outer_every_stage);
	assert_int_equal(f.stage_weights[0], 24348363366ull);
	assert_int_equal(f.stage_weights[1], 24153344717ull);
	assert_int_equal(f.stage_weights[2], 24153344717ull);
	for (int s = 0; s < 3; s++)
		assert_int_equal(f.stage_budget[s], 52961047962ull);
	assert_int_equal(f.capacity.tokens, 957773);
	assert_int_equal(f.stage, 1);
	/* vLLM's llama.py keeps the head on the last rank. */
	r.engine = KVP_ENGINE_VLLM;
	plan_fit(&m, &r, &p, &f);
	assert_false(p.head_every_stage);
	/* Qwen2 (qwen2.py) builds it on the last rank alone. */
	r.engine = KVP_ENGINE_SGLANG;
	strcpy(m.model_type, "qwen2");
	plan_fit(&m, &r, &p, &f);
	assert_false(p.head_every_stage);
	assert_int_equal(f.stage_weights[0], 23297690214ull);
	/* Tied: no head of its own. */
	strcpy(m.model_type, "llama");
	m.tie_embeddings = true;
	plan_fit(&m, &r, &p, &f);
	assert_false(p.head_every_stage);
}

/* A tied model: 4 layers, hidden 1024, vocab 1,000, 100,000,000
 * parameters in fp16 (200,000,000 B); the embedding 1,000 x 1,024 x 2 =
 * 2,048,000 B and no head of its own.  At pp 2 (2 and 2 layers) the
 * layers' 197,952,000 B split 98,976,000 each; the first stage adds the
 * embedding, the last its copy for the head (vLLM's LlamaModel builds
 * embed_tokens on the last rank when tie_word_embeddings): 101,024,000
 * each.  At pp 1 the one stage holds 200,000,000.  llama.cpp keeps the
 * embedding on the CPU and its copy as the output layer on the GPU
 * (TENSOR_DUPLICATED): 200,000,000 on the GPU, and 2,048,000 + 1,000 x
 * 4 (its output buffer) in host memory. */
static void test_tied_head(void **state)
{
	kvp_model m = model(4, 1024, 8, 8, 1000, 100000000, true);
	kvp_request r;
	kvp_plan p;
	kvp_fit f;

	(void)state;
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_VLLM;
	r.seq = 1024;
	r.pp = 2;
	plan_fit(&m, &r, &p, &f);
	assert_int_equal(p.embedding_bytes, 2048000);
	assert_int_equal(p.head_bytes, 0);
	assert_int_equal(f.stage_weights[0], 101024000);
	assert_int_equal(f.stage_weights[1], 101024000);
	r.pp = 1;
	plan_fit(&m, &r, &p, &f);
	assert_int_equal(f.weights_per_gpu, 200000000);
	r.engine = KVP_ENGINE_LLAMA_CPP;
	plan_fit(&m, &r, &p, &f);
	assert_int_equal(f.weights_per_gpu, 200000000);
	assert_int_equal(f.footprint.weights, 200000000);
	assert_int_equal(f.footprint.host, 2048000 + 4000);
	/* Untied, llama.cpp's GPU holds all but the embedding: 200,000,000
	 * - 2,048,000. */
	m.tie_embeddings = false;
	plan_fit(&m, &r, &p, &f);
	assert_int_equal(p.head_bytes, 2048000);
	assert_int_equal(f.weights_per_gpu, 197952000);
}

/* vLLM's profile run samples on the last stage alone (gpu_model_runner.py
 * profile_run: _dummy_sampler_run under get_pp_group().is_last_rank).
 * Llama 3.1 8B (intermediate 14,336, vocab 128,256) at pp 2 with 8,192
 * batched tokens and 1,024 sequences: the first stage's peak is the
 * forward, 41 x 8,192 x 14,336 / 5 = 963,012,198 B, the last stage's
 * the V1 runner's sampler, 31 x 1,024 x 128,256 / 2 = 2,035,679,232 B
 * (V2's, 264,216,576 from 0.28, would not outweigh the forward); each stage
 * holds 16 layers and one 128,256 x 4,096 x 2 = 1,050,673,152 B matrix
 * (the embedding, the head), so their weights are equal.  The last
 * stage also keeps what it receives, hidden_states and residual of 8,192
 * rows of 4,096 in 16 bits (gpu_model_runner.py _dummy_run,
 * make_empty_intermediate_tensors): 134,217,728 B.  Its budget is
 * 1,072,667,034 + 134,217,728 B less: it binds.  Both take the CUDA
 * graphs' estimate of 16 layers, 300,941,312 + 362,496 x 16 x 50 =
 * 590,938,112 B (lib/vllm_profile.c). */
static void test_vllm_sampler_stage(void **state)
{
	kvp_model m = model(32, 4096, 32, 8, 128256, 8030261248ull, false);
	kvp_request r;
	kvp_plan p;
	kvp_fit f;

	(void)state;
	m.intermediate = 14336;
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_VLLM;
	r.seq = 8192;
	r.pp = 2;
	r.profile_memory = true;
	r.max_batched_tokens = 8192;
	r.max_num_seqs = 1024;
	r.vllm_runner = 1;
	plan_fit(&m, &r, &p, &f);
	assert_int_equal(f.stage_weights[0], f.stage_weights[1]);
	assert_int_equal(f.stage_budget[0] - f.stage_budget[1],
	                 2035679232ull - 963012198ull + 134217728);
	assert_int_equal(f.stage, 1);
	/* the sampler's peak and what the stage receives; the runtime its
	 * non-torch memory and its CUDA graphs */
	assert_int_equal(f.footprint.activations, 2035679232ull + 134217728);
	assert_int_equal(f.footprint.runtime, (72ull << 20) + 590938112);
	assert_int_equal(f.cuda_graph_bytes, 590938112ull);
	/* The terms stage by stage (kvp_vllm_profile_compute). */
	{
		kvp_vllm_profile t;
		kvp_error err;

		assert_int_equal(kvp_vllm_profile_compute(&p, NULL, 0, &t, &err), KVP_OK);
		assert_int_equal(t.runner, 1);
		assert_int_equal(t.forward_bytes, 963012198ull);
		assert_int_equal(t.sampler_bytes, 0);
		assert_int_equal(t.received_bytes, 0);
		assert_int_equal(t.total_bytes, 963012198ull + (72ull << 20));
		assert_int_equal(kvp_vllm_profile_compute(&p, NULL, 1, &t, &err), KVP_OK);
		assert_int_equal(t.sampler_bytes, 2035679232ull);
		assert_int_equal(t.received_bytes, 134217728ull);
		assert_int_equal(t.total_bytes, 2035679232ull + (72ull << 20) + 134217728);
	}
}

/* No vocabulary: the weights follow the layers alone.  3 layers at pp 2
 * split 2 and 1 (get_pp_indices: the extra layer before the last); 150
 * parameters in fp16, 300 B: floor(300 x 2 / 3) = 200 and 100. */
static void test_by_layers(void **state)
{
	kvp_model m = model(3, 128, 1, 1, 0, 150, false);
	kvp_request r;
	kvp_plan p;
	kvp_fit f;

	(void)state;
	kvp_request_init(&r);
	r.seq = 16;
	r.pp = 2;
	plan_fit(&m, &r, &p, &f);
	assert_int_equal(p.embedding_bytes, 0);
	assert_int_equal(f.stage_weights[0], 200);
	assert_int_equal(f.stage_weights[1], 100);
	/* The exact engine: the stage with the least room binds, the first
	 * (two layers' cache and weights). */
	assert_int_equal(f.stage, 0);
}

/* Each engine's split of the layers: vLLM's get_pp_indices gives the
 * remainder to the stages before the last (80 in 3: 27, 27, 26; 30 in 4:
 * 7, 8, 8, 7), SGLang's to the last (26, 27, 27; 7, 7, 8, 8), TensorRT-
 * LLM's torch.tensor_split to the first (27, 27, 26; 8, 8, 7, 7). */
static void test_splits(void **state)
{
	static const struct {
		kvp_engine engine;
		uint32_t layers, pp, want[4];
	} cases[] = {
		{KVP_ENGINE_VLLM, 80, 3, {27, 27, 26}},
		{KVP_ENGINE_VLLM, 30, 4, {7, 8, 8, 7}},
		{KVP_ENGINE_SGLANG, 80, 3, {26, 27, 27}},
		{KVP_ENGINE_SGLANG, 30, 4, {7, 7, 8, 8}},
		{KVP_ENGINE_TRTLLM, 80, 3, {27, 27, 26}},
		{KVP_ENGINE_TRTLLM, 30, 4, {8, 8, 7, 7}},
		{KVP_ENGINE_EXACT, 30, 4, {7, 8, 8, 7}},
	};

	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kvp_model m = model(cases[i].layers, 1024, 8, 8, 1000, 100000000, false);
		kvp_request r;
		kvp_plan p;
		kvp_error err;

		kvp_request_init(&r);
		r.engine = cases[i].engine;
		r.seq = 64;
		r.pp = cases[i].pp;
		assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
		assert_int_equal(p.stages, cases[i].pp);
		for (uint32_t s = 0; s < cases[i].pp; s++)
			assert_int_equal(p.stage_layers[s], cases[i].want[s]);
	}
}

/* A small GPU (1 GiB, half of it usable: 536,870,912 B) and a model of 4
 * layers, 8 kv heads of 128 (4,096 B a token and layer in fp16), whose
 * checkpoint puts its embedding and its head where the test wants them:
 * 80,000,000 B of layers (20,000,000 a layer). */
static kvp_device small_gpu(void)
{
	kvp_device d = h100();

	d.hbm_bytes = 1ull << 30;
	return d;
}

static kvp_request split_request(kvp_engine engine, uint64_t embedding, uint64_t head,
                                 uint32_t first, uint32_t second)
{
	kvp_request r;

	kvp_request_init(&r);
	r.engine = engine;
	r.seq = 10000;
	r.mem_util = 0.5;
	r.weight_bytes = embedding + head + 80000000;
	r.weight_embedding_bytes = embedding;
	r.weight_head_bytes = head;
	r.pp = 2;
	r.pp_layers_len = 2;
	r.pp_layers[0] = first;
	r.pp_layers[1] = second;
	return r;
}

static void small_fit(const kvp_request *r, kvp_plan *p, kvp_fit *f)
{
	kvp_model m = model(4, 1024, 8, 8, 1000, 100000000, false);
	kvp_device d = small_gpu();
	kvp_error err;

	if (kvp_plan_compute(&m, r, p, &err) != KVP_OK || kvp_plan_fit(p, &d, f, &err) != KVP_OK)
		fail_msg("%s", err.message);
}

/* Which stage binds, where the rules one might guess disagree.  Exact, at
 * 10,000 tokens (40,960,000 B a layer):
 *  - embedding 300,000,000, head 109,600,000, layers 1 and 3: the first
 *    stage holds 320,000,000 B of weights and 40,960,000 of cache (room
 *    175,910,912), the second 169,600,000 and 122,880,000 (room
 *    244,390,912): the first binds, though the second holds more cache;
 *  - embedding 109,600,000, head 180,000,000, layers 3 and 1: the first
 *    169,600,000 and 122,880,000 (room 244,390,912), the second
 *    200,000,000 and 40,960,000 (room 295,910,912): the first binds,
 *    though the second has the smaller budget.
 * vLLM, blocks of 16 (65,536 B a layer), the fewest binding:
 *  - the second case: budgets 367,270,912 and 336,870,912 B, blocks
 *    floor(/ 65,536 / 3) = 1,868 and 5,140: the first binds, though the
 *    second has the smaller budget;
 *  - with a head of 400,000,000: the second's budget 116,870,912, 1,783
 *    blocks: it binds, though the first holds three layers to its one.
 * TensorRT-LLM, in blocks of 32 of half of what each stage's weights
 * leave, the fewest tokens binding: 904,141,824 / 2 = 452,070,912 B,
 * 36,789 tokens of 12,288 B, 1,149 blocks, against 653,741,824 / 2 =
 * 326,870,912 B, 79,802 tokens of 4,096 B, 2,493 blocks: the first. */
static void test_binding_rules(void **state)
{
	kvp_request r;
	kvp_plan p;
	kvp_fit f;

	(void)state;
	r = split_request(KVP_ENGINE_EXACT, 300000000, 109600000, 1, 3);
	small_fit(&r, &p, &f);
	assert_int_equal(f.stage_weights[0], 320000000);
	assert_int_equal(f.stage_weights[1], 169600000);
	assert_int_equal(p.stage_bytes[0], 40960000);
	assert_int_equal(f.stage, 0);
	r = split_request(KVP_ENGINE_EXACT, 109600000, 180000000, 3, 1);
	small_fit(&r, &p, &f);
	assert_true(f.stage_budget[1] < f.stage_budget[0]);
	assert_int_equal(f.stage, 0);
	r.engine = KVP_ENGINE_VLLM;
	small_fit(&r, &p, &f);
	assert_int_equal(f.stage_budget[0], 367270912);
	assert_int_equal(f.stage_budget[1], 336870912);
	assert_int_equal(f.stage, 0);
	assert_int_equal(f.capacity.blocks, 1868);
	r = split_request(KVP_ENGINE_VLLM, 109600000, 400000000, 3, 1);
	small_fit(&r, &p, &f);
	assert_int_equal(f.stage_budget[1], 116870912);
	assert_int_equal(f.stage, 1);
	assert_int_equal(f.capacity.blocks, 1783);
	r.engine = KVP_ENGINE_TRTLLM;
	small_fit(&r, &p, &f);
	assert_int_equal(f.stage_budget[0], 452070912);
	assert_int_equal(f.stage_budget[1], 326870912);
	assert_int_equal(f.stage, 0);
	assert_int_equal(f.capacity.blocks, 1149);
}

/* An untied model's head the checkpoint did not name (0 B) is taken as
 * large as the embedding, not as tied. */
static void test_unnamed_head(void **state)
{
	kvp_request r = split_request(KVP_ENGINE_VLLM, 100000000, 0, 2, 2);
	kvp_plan p;
	kvp_fit f;

	(void)state;
	r.weight_bytes = 280000000; /* 100,000,000 + 100,000,000 + 80,000,000 */
	small_fit(&r, &p, &f);
	assert_int_equal(p.head_bytes, 100000000);
	assert_int_equal(f.stage_weights[0], 140000000);
	assert_int_equal(f.stage_weights[1], 140000000);
}

/* llama.cpp under pp: the embedding in host memory, the head with the
 * last stage.  4 layers, 2,048,000 B each of embedding and head in
 * 200,000,000 B: the layers' 195,904,000 split 97,952,000 a stage; the
 * first stage holds that alone, the last 100,000,000. */
static void test_llama_cpp_stages(void **state)
{
	kvp_model m = model(4, 1024, 8, 8, 1000, 100000000, false);
	kvp_request r;
	kvp_plan p;
	kvp_fit f;

	(void)state;
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_LLAMA_CPP;
	r.seq = 1024;
	r.pp = 2;
	plan_fit(&m, &r, &p, &f);
	assert_int_equal(f.stage_weights[0], 97952000);
	assert_int_equal(f.stage_weights[1], 100000000);
	assert_int_equal(f.footprint.host, 2048000 + 1000 * 4); /* and the output buffer */
}

/* A stage that caches nothing binds nothing: a model whose first two
 * layers hold no cache (kv heads 0, as a hybrid's MLP layers), in two
 * stages of two.  vLLM plans it (it failed, "the plan caches nothing"),
 * and every engine's binding stage is the second. */
static void test_empty_stage(void **state)
{
	static const kvp_engine engines[] = {
		KVP_ENGINE_VLLM, KVP_ENGINE_SGLANG, KVP_ENGINE_TRTLLM, KVP_ENGINE_EXACT,
	};
	kvp_model m = model(4, 1024, 8, 8, 1000, 100000000, false);
	kvp_error err;

	(void)state;
	m.layer_kv_heads_len = 4;
	m.layer_kv_heads[0] = m.layer_kv_heads[1] = 0;
	m.layer_kv_heads[2] = m.layer_kv_heads[3] = 8;
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_OK);
	for (size_t i = 0; i < sizeof engines / sizeof engines[0]; i++) {
		kvp_request r;
		kvp_plan p;
		kvp_fit f;

		kvp_request_init(&r);
		r.engine = engines[i];
		r.seq = 1024;
		r.pp = 2;
		plan_fit(&m, &r, &p, &f);
		assert_int_equal(p.stage_bytes[0], 0);
		if (engines[i] != KVP_ENGINE_EXACT) {
			assert_int_equal(f.stage, 1);
			assert_true(f.capacity.tokens > 0);
		}
	}
}

/* The advice's shortfall is the stage furthest over its own budget: the
 * vLLM case above with a head of 400,000,000 at 80,000 tokens, where the
 * first stage holds 3 x 80,000 x 4,096 = 983,040,000 B against 367,270,912
 * less the null block vLLM's check holds back since 0.29, 3 layers x 16 x
 * 4,096 = 196,608 (615,965,696 over), and the second 327,680,000 against
 * 116,870,912 less 65,536 (210,874,624 over). */
static void test_advise_short(void **state)
{
	kvp_model m = model(4, 1024, 8, 8, 1000, 100000000, false);
	kvp_request r = split_request(KVP_ENGINE_VLLM, 109600000, 400000000, 3, 1);
	kvp_device d = small_gpu();
	kvp_advice a;
	kvp_error err;

	(void)state;
	r.seq = 80000;
	assert_int_equal(kvp_advise(&m, &r, &d, &a, &err), KVP_OK);
	assert_false(a.fits);
	assert_int_equal(a.short_bytes, 983040000ull - (367270912 - 196608));
	assert_int_equal(a.short_stage, 0);
	/* vLLM 0.28: the budget alone, 615,769,088 over */
	r.vllm_version = 28;
	assert_int_equal(kvp_advise(&m, &r, &d, &a, &err), KVP_OK);
	assert_int_equal(a.short_bytes, 983040000ull - 367270912);
}

/* vLLM's Qwen3-MoE builds the embedding, the norm and the head on every
 * rank (qwen3_moe.py Qwen3MoeModel, Qwen3MoeForCausalLM): at pp 2 each
 * stage holds both, 2,048,000 B each, beside its layers' 97,952,000 of
 * the 4-layer model above; SGLang's (qwen3_moe.py) the embedding on the
 * first and the head on every stage. */
static void test_qwen3_moe(void **state)
{
	kvp_model m = model(4, 1024, 8, 8, 1000, 100000000, false);
	kvp_request r;
	kvp_plan p;
	kvp_fit f;

	(void)state;
	strcpy(m.model_type, "qwen3_moe");
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_VLLM;
	r.seq = 1024;
	r.pp = 2;
	plan_fit(&m, &r, &p, &f);
	assert_true(p.outer_every_stage);
	assert_int_equal(f.stage_weights[0], 97952000 + 2 * 2048000);
	assert_int_equal(f.stage_weights[1], 97952000 + 2 * 2048000);
	/* Tied, the head shares the embedding on every rank: one matrix. */
	m.tie_embeddings = true;
	plan_fit(&m, &r, &p, &f);
	assert_int_equal(f.stage_weights[0], 98976000 + 2048000);
	assert_int_equal(f.stage_weights[1], 98976000 + 2048000);
	m.tie_embeddings = false;
	r.engine = KVP_ENGINE_SGLANG;
	plan_fit(&m, &r, &p, &f);
	assert_false(p.outer_every_stage);
	assert_true(p.head_every_stage);
	assert_int_equal(f.stage_weights[0], 97952000 + 2 * 2048000);
	assert_int_equal(f.stage_weights[1], 97952000 + 2048000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vllm_stages),
		cmocka_unit_test(test_sglang_stages),
		cmocka_unit_test(test_sglang_llama_head),
		cmocka_unit_test(test_tied_head),
		cmocka_unit_test(test_vllm_sampler_stage),
		cmocka_unit_test(test_by_layers),
		cmocka_unit_test(test_splits),
		cmocka_unit_test(test_binding_rules),
		cmocka_unit_test(test_unnamed_head),
		cmocka_unit_test(test_llama_cpp_stages),
		cmocka_unit_test(test_empty_stage),
		cmocka_unit_test(test_advise_short),
		cmocka_unit_test(test_qwen3_moe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
