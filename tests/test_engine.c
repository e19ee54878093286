/*
 * test_engine.c — unit tests of the engines and of parallelism (issue 8:
 * lib/engine.c, lib/parallel.c, lib/capacity.c, lib/solve.c, lib/fit.c).
 * Every figure is worked out by hand in the comment next to its
 * assertion, from the rules doc/engines.md cites (V1..V14 vLLM, L1..L6
 * llama.cpp, S1..S5 SGLang, T1..T5 TensorRT-LLM).  The last test is a
 * property test of the solvers over random models, engines and layouts.
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

/* ---- helpers ---------------------------------------------------------- */

static kvp_request request_at(kvp_engine engine, uint64_t seq, uint64_t batch)
{
	kvp_request r;

	kvp_request_init(&r);
	r.engine = engine;
	r.seq = seq;
	r.batch = batch;
	return r;
}

/* The same as vLLM 0.25 plans it: a window keeps one step's tokens
 * beyond it, not two (test_vllm_in_flight). */
static kvp_request request_v25(kvp_engine engine, uint64_t seq, uint64_t batch)
{
	kvp_request r = request_at(engine, seq, batch);

	r.vllm_version = 25;
	return r;
}

static void plan_ok(const kvp_model *m, const kvp_request *r, kvp_plan *p)
{
	kvp_error err;
	kvp_status st = kvp_plan_compute(m, r, p, &err);

	if (st != KVP_OK)
		print_error("kvp_plan_compute: %s\n", err.message);
	assert_int_equal(st, KVP_OK);
	assert_int_equal(err.status, KVP_OK);
}

static void capacity_ok(const kvp_plan *p, uint64_t budget, kvp_capacity *c)
{
	kvp_error err;

	assert_int_equal(kvp_plan_capacity(p, budget, c, &err), KVP_OK);
	assert_int_equal(c->budget_bytes, budget);
}

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

static void pattern(kvp_model *m, const char *text)
{
	kvp_error err;

	assert_int_equal(kvp_layer_pattern_parse(text, m, &err), KVP_OK);
}

/* The group of the plan with kind (there must be one). */
static const kvp_layer_group *group_of(const kvp_plan *p, kvp_layer_kind kind)
{
	for (uint32_t g = 0; g < p->group_count; g++)
		if (p->groups[g].kind == kind)
			return &p->groups[g];
	fail_msg("no %s group in the plan", kvp_layer_kind_name(kind));
	return NULL;
}

/* ---- models (config.json numbers) ------------------------------------- */

/* meta-llama/Llama-2-7b-hf: 32 layers, 32 heads and kv heads, head_dim
 * 4096/32 = 128.  fp16: 2·32·128·2 = 16,384 B per token and layer,
 * 32·16,384 = 524,288 B per token. */
static const kvp_model llama2_7b = {
	.name = "llama2-7b", .layers = 32, .hidden = 4096, .heads = 32,
	.kv_heads = 32, .head_dim = 128, .params = 6738415616ULL,
};

/* meta-llama/Meta-Llama-3-8B: 32 layers, 32 heads, 8 kv heads of 128.
 * fp16: 2·8·128·2 = 4,096 B per token and layer, 131,072 B per token. */
static const kvp_model llama3_8b = {
	.name = "llama3-8b", .layers = 32, .hidden = 4096, .heads = 32,
	.kv_heads = 8, .head_dim = 128, .params = 8030261248ULL,
};

/* An NVIDIA H100 SXM: 80 GiB, 50 MiB of L2. */
static const kvp_device h100 = {
	.name = "h100-sxm", .hbm_bytes = 80ULL << 30, .l2_bytes = 50ULL << 20,
};

/* openai/gpt-oss-120b: 36 layers alternating sliding (window 128, layer
 * 0 first) and full; 64 heads, 8 kv heads of 64.  fp16: 2·8·64·2 =
 * 2,048 B per token and layer. */
static kvp_model gpt_oss_120b(void)
{
	kvp_model m = {
		.name = "gpt-oss-120b", .layers = 36, .hidden = 2880, .heads = 64,
		.kv_heads = 8, .head_dim = 64, .sliding_window = 128,
		.model_type = "gpt_oss",
	};

	pattern(&m, "sliding,full");
	return m;
}

/* A uniform model of n layers, 8 heads and kv heads of 128: 4,096 B per
 * token and layer in fp16. */
static kvp_model uniform(uint32_t layers)
{
	kvp_model m = {
		.name = "uniform", .layers = layers, .heads = 8, .kv_heads = 8,
		.head_dim = 128,
	};

	return m;
}

/* ---- the figures ---------------------------------------------- */

/* llama2-7b at seq 1000 under each engine. */
static void test_llama2_seq_1000(void **state)
{
	kvp_request r;
	kvp_plan p;

	(void)state;
	/* exact: 1000 · 524,288 = 524,288,000. */
	r = request_at(KVP_ENGINE_EXACT, 1000, 1);
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.cache_total_bytes, 524288000ULL);
	assert_int_equal(p.exact_cache_bytes, 524288000ULL);
	assert_int_equal(p.kv_bytes_per_gpu, 524288000ULL);

	/* vLLM (V4): cdiv(1000, 16) = 63 blocks of 16 = 1,008 tokens;
	 * 1,008 · 524,288 = 528,482,304.  The exact figure beside it. */
	r = request_at(KVP_ENGINE_VLLM, 1000, 1);
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.groups[0].cells, 1008);
	assert_int_equal(p.cache_total_bytes, 528482304ULL);
	assert_int_equal(p.kv_bytes_per_gpu, 528482304ULL);
	assert_int_equal(p.exact_cache_bytes, 524288000ULL);
	assert_int_equal(p.unsharded_cache_bytes, 528482304ULL);

	/* llama.cpp (L1): n_ctx = seq · batch = 1000, padded to 256:
	 * 1,024 cells; 1,024 · 524,288 = 536,870,912. */
	r = request_at(KVP_ENGINE_LLAMA_CPP, 1000, 1);
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.n_ctx, 1024);
	assert_int_equal(p.streams, 1);
	assert_int_equal(p.groups[0].cells, 1024);
	assert_int_equal(p.cache_total_bytes, 536870912ULL);
	assert_int_equal(p.exact_cache_bytes, 524288000ULL);

	/* SGLang (S4), page 1: 1,000 rows and one padding row per layer:
	 * 1,001 · 524,288 = 524,812,288. */
	r = request_at(KVP_ENGINE_SGLANG, 1000, 1);
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.groups[0].cells, 1001);
	assert_int_equal(p.cache_total_bytes, 1001ULL * 524288);
	/* Page 16, batch 2: pad(1000, 16) = 1,008 per sequence, 2,016, and
	 * 16 padding rows: 2,032 rows. */
	r = request_at(KVP_ENGINE_SGLANG, 1000, 2);
	r.block_size = 16;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.groups[0].cells, 2032);
	assert_int_equal(p.cache_total_bytes, 2032ULL * 524288);

	/* TensorRT-LLM, PyTorch runtime, 32 tokens per block:
	 * cdiv(1000, 32) = 32 blocks = 1,024 tokens; 536,870,912 B. */
	r = request_at(KVP_ENGINE_TRTLLM, 1000, 1);
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.groups[0].cells, 1024);
	assert_int_equal(p.cache_total_bytes, 536870912ULL);
	/* At 1,030: PyTorch cdiv(1030, 32) = 33 blocks = 1,056 tokens; the
	 * C++ runtime's 64-token blocks: cdiv(1030, 64) = 17 = 1,088. */
	r = request_at(KVP_ENGINE_TRTLLM, 1030, 1);
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.groups[0].cells, 1056);
	r.trtllm_cpp = true;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.groups[0].cells, 1088);
	assert_int_equal(p.cache_total_bytes, 1088ULL * 524288);
}

/* llama3-8b on an H100, vLLM (F-v3). */
static void test_llama3_h100_vllm(void **state)
{
	kvp_request r = request_at(KVP_ENGINE_VLLM, 8192, 1);
	kvp_plan p;
	kvp_fit f;
	kvp_error err;

	(void)state;
	plan_ok(&llama3_8b, &r, &p);
	assert_int_equal(kvp_plan_fit(&p, &h100, &f, &err), KVP_OK);
	/* usable = floor(85,899,345,920 · 0.9) = 77,309,411,328; weights
	 * 8,030,261,248 · 2 = 16,060,522,496; budget = 77,309,411,328 −
	 * 16,060,522,496 = 61,248,888,832. */
	assert_int_equal(f.usable_bytes, 77309411328ULL);
	assert_int_equal(f.weights_per_gpu, 16060522496ULL);
	assert_int_equal(f.budget_bytes, 61248888832ULL);
	/* page = 16 · 8 · 128 · 2 · 2 = 65,536; num_blocks = 61,248,888,832
	 * // 65,536 // 32 = 934,584 // 32 = 29,205; tokens 29,205 · 16 =
	 * 467,280.  One group of 32 layers. */
	assert_int_equal(f.capacity.page_bytes, 65536);
	assert_int_equal(f.capacity.group_size, 32);
	assert_int_equal(f.capacity.groups, 1);
	assert_int_equal(f.capacity.blocks, 29205);
	assert_int_equal(f.capacity.tokens, 467280);
	/* allocated = 29,205 · 65,536 · 32 = 61,247,324,160. */
	assert_int_equal(f.capacity.allocated_bytes, 61247324160ULL);
	/* Maximum concurrency for 8,192 tokens: cdiv(8192, 16) = 512
	 * blocks a request; 29,205 / 512 = 57.041015625 (exact in binary). */
	assert_int_equal(f.capacity.blocks_per_request, 512);
	assert_true(f.capacity.max_concurrency == 57.041015625);
	assert_int_equal(f.cache_per_gpu, p.kv_bytes_per_gpu);

	/* tp 2: weights 16,060,522,496 / 2 = 8,030,261,248 a GPU; budget
	 * 77,309,411,328 − 8,030,261,248 = 69,279,150,080; 4 kv heads a
	 * GPU, page 16 · 4 · 128 · 2 · 2 = 32,768; 69,279,150,080 // 32,768
	 * = 2,114,231, // 32 = 66,069 blocks = 1,057,104 tokens. */
	r.tp = 2;
	plan_ok(&llama3_8b, &r, &p);
	assert_int_equal(kvp_plan_fit(&p, &h100, &f, &err), KVP_OK);
	assert_int_equal(f.weights_per_gpu, 8030261248ULL);
	assert_int_equal(f.budget_bytes, 69279150080ULL);
	assert_int_equal(f.capacity.page_bytes, 32768);
	assert_int_equal(f.capacity.blocks, 66069);
	assert_int_equal(f.capacity.tokens, 1057104);

	/* TensorRT-LLM takes 0.9 of what the weights leave (T2): floor((
	 * 85,899,345,920 − 16,060,522,496) · 0.9) = floor(69,838,823,424 ·
	 * 0.9) = 62,854,941,081; // 131,072 = 479,545 tokens, // 32 = 14,985
	 * blocks (PyTorch floors) = 479,520 tokens. */
	r = request_at(KVP_ENGINE_TRTLLM, 8192, 1);
	plan_ok(&llama3_8b, &r, &p);
	assert_int_equal(kvp_plan_fit(&p, &h100, &f, &err), KVP_OK);
	assert_int_equal(f.budget_bytes, 62854941081ULL);
	assert_int_equal(f.capacity.blocks, 14985);
	assert_int_equal(f.capacity.tokens, 479520);

	/* kv_budget replaces what the device leaves. */
	r.kv_budget = 1677721600ULL;
	plan_ok(&llama3_8b, &r, &p);
	assert_int_equal(kvp_plan_fit(&p, &h100, &f, &err), KVP_OK);
	assert_int_equal(f.budget_bytes, 1677721600ULL);
	assert_int_equal(f.capacity.tokens, 12800);
}

/* gpt-oss-120b, llama.cpp -c 65535 -np 4 --kv-unified (F-l1). */
static void test_gpt_oss_llama_unified(void **state)
{
	kvp_model m = gpt_oss_120b();
	kvp_request r = request_at(KVP_ENGINE_LLAMA_CPP, 16383, 4);
	const kvp_layer_group *full, *swa;
	kvp_plan p;

	(void)state;
	r.ctx_size = 65535;
	r.kv_unified = true;
	plan_ok(&m, &r, &p);
	/* n_ctx = pad256(65535) = 65,536; unified: one stream. */
	assert_int_equal(p.n_ctx, 65536);
	assert_int_equal(p.streams, 1);
	full = group_of(&p, KVP_LAYER_FULL);
	swa = group_of(&p, KVP_LAYER_SLIDING);
	/* Full layers: 65,536 cells; 18 · 65,536 · 2,048 = 2,415,919,104
	 * (2304.00 MiB), K and V half each. */
	assert_int_equal(full->layers, 18);
	assert_int_equal(full->cells, 65536);
	assert_int_equal(full->bytes, 2415919104ULL);
	assert_int_equal(full->k_bytes, 1207959552ULL);
	assert_int_equal(full->v_bytes, 1207959552ULL);
	/* Sliding (L4): pad256(min(65,536, 128 · 4 + 512)) = 1,024 cells;
	 * 18 · 1,024 · 2,048 = 37,748,736 (36.00 MiB). */
	assert_int_equal(swa->layers, 18);
	assert_int_equal(swa->cells, 1024);
	assert_int_equal(swa->bytes, 37748736ULL);
	/* The whole: 2,415,919,104 + 37,748,736 = 2,453,667,840. */
	assert_int_equal(p.cache_total_bytes, 2453667840ULL);
	assert_int_equal(p.kv_bytes_per_gpu, 2453667840ULL);
	/* Split instead: 4 streams of 65,536 / 4 = 16,384 cells; the
	 * windowed ones pad256(min(16,384, 128 + 512)) = 768 each. */
	r.kv_unified = false;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.streams, 4);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->cells, 65536);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->cells, 4 * 768);
}

/* Tensor parallel: kv heads replicated past their count; errors. */
static void test_tensor_parallel(void **state)
{
	kvp_request r = request_at(KVP_ENGINE_EXACT, 1000, 1);
	kvp_model m;
	kvp_plan p;

	(void)state;
	/* tp 1: 32 layers · 1,000 · 4,096 = 131,072,000. */
	plan_ok(&llama3_8b, &r, &p);
	assert_int_equal(p.cache_total_bytes, 131072000ULL);
	assert_int_equal(p.kv_heads_per_gpu, 8);
	/* tp 2: 4 heads a GPU, 65,536,000 each, 131,072,000 in all. */
	r.tp = 2;
	plan_ok(&llama3_8b, &r, &p);
	assert_int_equal(p.kv_heads_per_gpu, 4);
	assert_int_equal(p.kv_bytes_per_gpu, 65536000ULL);
	assert_int_equal(p.cache_total_bytes, 131072000ULL);
	/* tp 16: max(1, 8 / 16) = 1 head a GPU: 32 · 1,000 · 2·128·2 =
	 * 16,384,000 per GPU; · 16 = 262,144,000 = 2 · 131,072,000. */
	r.tp = 16;
	plan_ok(&llama3_8b, &r, &p);
	assert_int_equal(p.kv_heads_per_gpu, 1);
	assert_int_equal(p.model_kv_heads, 8);
	assert_int_equal(p.kv_bytes_per_gpu, 16384000ULL);
	assert_int_equal(p.cache_total_bytes, 2 * 131072000ULL);
	assert_int_equal(p.unsharded_cache_bytes, 131072000ULL);
	assert_int_equal(p.exact_cache_bytes, 131072000ULL);
	/* dp 2 doubles the total, not the per-GPU share. */
	r.dp = 2;
	plan_ok(&llama3_8b, &r, &p);
	assert_int_equal(p.kv_bytes_per_gpu, 16384000ULL);
	assert_int_equal(p.cache_total_bytes, 4 * 131072000ULL);
	/* tp 16 under vLLM: 1,008 tokens · 32 · 512 = 16,515,072 per GPU,
	 * 264,241,152 in all; one GPU's vLLM cache 1,008 · 131,072 =
	 * 132,120,576; the exact one 131,072,000. */
	r.dp = 1;
	r.engine = KVP_ENGINE_VLLM;
	plan_ok(&llama3_8b, &r, &p);
	assert_int_equal(p.kv_bytes_per_gpu, 16515072ULL);
	assert_int_equal(p.cache_total_bytes, 264241152ULL);
	assert_int_equal(p.unsharded_cache_bytes, 132120576ULL);
	assert_int_equal(p.exact_cache_bytes, 131072000ULL);
	/* tp 3 divides neither 32 query heads: an error naming 3 and 32. */
	r.engine = KVP_ENGINE_EXACT;
	r.tp = 3;
	plan_fails(&llama3_8b, &r, KVP_ERR_SHAPE,
	           "llama3-8b: tensor parallel 3 does not divide its 32 query heads");
	/* 48 heads, 12 kv heads: tp 16 divides the heads, but neither
	 * divides 12 nor is a multiple of it; tp 24 is a multiple (2 · 12):
	 * max(1, 12 / 24) = 1 head a GPU. */
	m = (kvp_model){.name = "t48", .layers = 4, .heads = 48, .kv_heads = 12,
	                .head_dim = 64};
	r.tp = 16;
	plan_fails(&m, &r, KVP_ERR_SHAPE,
	           "t48: tensor parallel 16 neither divides its 12 kv heads nor is a"
	           " multiple of them");
	r.tp = 24;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.kv_heads_per_gpu, 1);
	/* tp 0 is no degree. */
	r.tp = 0;
	plan_fails(&m, &r, KVP_ERR_INVALID,
	           "tensor, pipeline and data parallel degrees must be at least 1");
}

/* Pipeline parallel: vLLM's get_pp_indices (V14), explicit splits. */
static void check_split(uint32_t layers, uint32_t pp, const uint32_t *want)
{
	kvp_model m = uniform(layers);
	kvp_request r = request_at(KVP_ENGINE_EXACT, 1000, 1);
	kvp_plan p;
	uint32_t first = 0, most = 0;

	r.pp = pp;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.stages, pp);
	for (uint32_t s = 0; s < pp; s++) {
		assert_int_equal(p.stage_layers[s], want[s]);
		assert_int_equal(p.stage_first[s], first);
		/* 1,000 tokens · 4,096 B a layer. */
		assert_int_equal(p.stage_bytes[s], (uint64_t)want[s] * 4096000);
		first += want[s];
		if (want[s] > most)
			most = want[s];
	}
	/* The largest stage governs; the total is every layer once. */
	assert_int_equal(p.kv_bytes_per_gpu, (uint64_t)most * 4096000);
	assert_int_equal(p.cache_total_bytes, (uint64_t)layers * 4096000);
}

static void test_pipeline_parallel(void **state)
{
	/* [L // pp] · pp, then one more each to stages pp−2, pp−3, ...:
	 * 80/3: [26,26,26] + 2 → [27,27,26]; 32/3: [10,10,10] + 2 →
	 * [11,11,10]; 30/4: [7,7,7,7] + 2 → [7,8,8,7]; 61/4: [15]·4 + 1 →
	 * [15,15,16,15]. */
	static const uint32_t s80[] = {27, 27, 26}, s32[] = {11, 11, 10},
	                      s30[] = {7, 8, 8, 7}, s61[] = {15, 15, 16, 15};
	kvp_model m = uniform(80), oss = gpt_oss_120b();
	kvp_request r = request_at(KVP_ENGINE_EXACT, 1000, 1);
	kvp_plan p;

	(void)state;
	check_split(80, 3, s80);
	check_split(32, 3, s32);
	check_split(30, 4, s30);
	check_split(61, 4, s61);

	/* Explicit 41,39 of 80: the first stage governs, 41 · 4,096,000. */
	r.pp = 2;
	r.pp_layers_len = 2;
	r.pp_layers[0] = 41;
	r.pp_layers[1] = 39;
	plan_ok(&m, &r, &p);
	assert_int_equal(p.stage_layers[0], 41);
	assert_int_equal(p.stage_first[1], 41);
	assert_int_equal(p.stage_layers[1], 39);
	assert_int_equal(p.kv_bytes_per_gpu, 41ULL * 4096000);
	/* 40 + 39 = 79 of 80 layers. */
	r.pp_layers[0] = 40;
	plan_fails(&m, &r, KVP_ERR_SHAPE,
	           "the layer split sums to 79 layers; the model has 80");
	/* 41 + 40 = 81. */
	r.pp_layers[0] = 41;
	r.pp_layers[1] = 40;
	plan_fails(&m, &r, KVP_ERR_SHAPE,
	           "the layer split sums to 81 layers; the model has 80");
	/* Two counts for three stages. */
	r.pp = 3;
	plan_fails(&m, &r, KVP_ERR_SHAPE,
	           "the layer split has 2 stages; pipeline parallel is 3");
	/* A stage without layers. */
	r.pp = 2;
	r.pp_layers[0] = 80;
	r.pp_layers[1] = 0;
	plan_fails(&m, &r, KVP_ERR_SHAPE, "stage 1 of the layer split has no layers");
	/* More stages than layers. */
	m = uniform(2);
	r.pp_layers_len = 0;
	r.pp = 3;
	plan_fails(&m, &r, KVP_ERR_SHAPE, "pipeline parallel 3 exceeds the 2 layers");

	/* gpt-oss at 1,000, pp 4 of 9 layers: a sliding layer holds 128
	 * tokens (262,144 B), a full one 1,000 (2,048,000 B).  Stage 0
	 * (layers 0-8) has sliding 0,2,4,6,8 and 4 full: 5 · 262,144 + 4 ·
	 * 2,048,000 = 9,502,720; stage 1 (9-17) has 4 sliding and 5 full:
	 * 4 · 262,144 + 5 · 2,048,000 = 11,288,576, the largest. */
	r = request_at(KVP_ENGINE_EXACT, 1000, 1);
	r.pp = 4;
	plan_ok(&oss, &r, &p);
	assert_int_equal(p.stage_bytes[0], 9502720ULL);
	assert_int_equal(p.stage_bytes[1], 11288576ULL);
	assert_int_equal(p.stage_bytes[2], 9502720ULL);
	assert_int_equal(p.stage_bytes[3], 11288576ULL);
	assert_int_equal(p.kv_bytes_per_gpu, 11288576ULL);
	assert_int_equal(bytes_at(&p, 1000, 1), 11288576ULL);
}

/* ---- each engine at its edges ------------------------------------------- */

static void test_vllm_edges(void **state)
{
	kvp_model oss = gpt_oss_120b();
	kvp_model ch = {.name = "chunked", .layers = 4, .heads = 8, .kv_heads = 8,
	                .head_dim = 128, .chunk_size = 8192};
	kvp_model mis = {.name = "win4096", .layers = 32, .heads = 32, .kv_heads = 8,
	                 .head_dim = 128, .sliding_window = 4096};
	kvp_request r = request_at(KVP_ENGINE_VLLM, 16, 1);
	kvp_plan p;

	(void)state;
	pattern(&mis, "sliding");
	/* Exactly one block: 16 tokens; one over: 2 blocks = 32. */
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.groups[0].cells, 16);
	assert_int_equal(p.cache_total_bytes, 16ULL * 524288);
	r.seq = 17;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.groups[0].cells, 32);
	assert_int_equal(p.cache_total_bytes, 32ULL * 524288);
	/* One token: one block.  Batch 3 of 17: 3 · 32 = 96. */
	r.seq = 1;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.groups[0].cells, 16);
	r.seq = 17;
	r.batch = 3;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.groups[0].cells, 96);
	/* Block 32: cdiv(17, 32) = 1 block of 32. */
	r.batch = 1;
	r.block_size = 32;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.groups[0].cells, 32);

	/* Sliding (V4), as vLLM 0.25 kept it: cdiv(min(w − 1 + mnbt, len),
	 * B) + 1 blocks.
	 * gpt-oss at 4,000, mnbt 2,048: min(127 + 2,048, 4,000) = 2,175,
	 * cdiv(2,175, 16) = 136, + 1 = 137 blocks = 2,192 tokens; the full
	 * layers cdiv(4,000, 16) = 250 blocks = 4,000. */
	r = request_v25(KVP_ENGINE_VLLM, 4000, 1);
	plan_ok(&oss, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->cells, 2192);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->cells, 4000);
	/* 18 · 2,192 · 2,048 + 18 · 4,000 · 2,048 = 228,261,888. */
	assert_int_equal(p.cache_total_bytes, 18ULL * 2048 * (2192 + 4000));
	/* mnbt 512: min(127 + 512, 4,000) = 639, cdiv = 40, + 1 = 41 blocks
	 * = 656 tokens. */
	r.max_batched_tokens = 512;
	plan_ok(&oss, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->cells, 656);
	/* Window larger than the context: at 100, min(2,175, 100) = 100,
	 * cdiv = 7, + 1 = 8 blocks = 128 tokens, more than the full
	 * layers' 7 blocks = 112. */
	r = request_v25(KVP_ENGINE_VLLM, 100, 1);
	plan_ok(&oss, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->cells, 128);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->cells, 112);
	/* Every layer a 4,096 window at 1,000: min(4,095 + 2,048, 1,000) =
	 * 1,000, cdiv = 63, + 1 = 64 blocks = 1,024 tokens; the exact
	 * model holds 1,000. */
	r = request_v25(KVP_ENGINE_VLLM, 1000, 1);
	plan_ok(&mis, &r, &p);
	assert_int_equal(p.groups[0].kind, KVP_LAYER_SLIDING);
	assert_int_equal(p.groups[0].cells, 1024);
	assert_int_equal(p.cache_total_bytes, 32ULL * 1024 * 4096);
	assert_int_equal(p.exact_cache_bytes, 32ULL * 1000 * 4096);

	/* Chunked (V4): cdiv(min(c + mnbt, len), B).  Chunk 8,192 at
	 * 20,000: min(10,240, 20,000) → 640 blocks = 10,240 tokens; the
	 * full layer 1,250 blocks = 20,000. */
	pattern(&ch, "chunked*3,full");
	r = request_v25(KVP_ENGINE_VLLM, 20000, 1);
	plan_ok(&ch, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_CHUNKED)->layers, 3);
	assert_int_equal(group_of(&p, KVP_LAYER_CHUNKED)->cells, 10240);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->cells, 20000);
	/* mnbt 512: 8,704 → 544 blocks = 8,704 tokens. */
	r.max_batched_tokens = 512;
	plan_ok(&ch, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_CHUNKED)->cells, 8704);
	/* At 5,000: min(10,240, 5,000) → cdiv(5,000, 16) = 313 = 5,008. */
	r = request_v25(KVP_ENGINE_VLLM, 5000, 1);
	plan_ok(&ch, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_CHUNKED)->cells, 5008);
}

static void test_llama_cpp_edges(void **state)
{
	kvp_model mis = {.name = "win4096", .layers = 32, .heads = 32, .kv_heads = 8,
	                 .head_dim = 128, .sliding_window = 4096};
	kvp_model oss = gpt_oss_120b();
	kvp_request r = request_at(KVP_ENGINE_LLAMA_CPP, 256, 1);
	kvp_capacity c;
	kvp_plan p;

	(void)state;
	pattern(&mis, "sliding");
	/* n_ctx at a multiple of 256 and one over it: 256 → 256; 257 →
	 * 512. */
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.n_ctx, 256);
	assert_int_equal(p.groups[0].cells, 256);
	r.seq = 257;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.n_ctx, 512);
	assert_int_equal(p.groups[0].cells, 512);
	assert_int_equal(p.cache_total_bytes, 512ULL * 524288);
	/* ctx_size given: 256 and 257 the same way. */
	r.ctx_size = 256;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.groups[0].cells, 256);
	r.ctx_size = 257;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.groups[0].cells, 512);

	/* Split mode, slots that do not divide n_ctx: 1,024 / 3 = 341,
	 * padded to 512 a stream, 3 streams: 1,536 cells (L1: n_ctx
	 * becomes 512 · 3). */
	r = request_at(KVP_ENGINE_LLAMA_CPP, 341, 3);
	r.ctx_size = 1024;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.streams, 3);
	assert_int_equal(p.groups[0].cells, 1536);
	assert_int_equal(p.cache_total_bytes, 1536ULL * 524288);
	capacity_ok(&p, 1, &c);
	assert_int_equal(c.tokens, 1536);
	assert_int_equal(c.blocks_per_request, 512);
	/* ... while 4 slots divide it: 256 each, 1,024 cells.  Three slots
	 * take more memory than four. */
	r.batch = 4;
	r.seq = 256;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.streams, 4);
	assert_int_equal(p.groups[0].cells, 1024);
	/* 2 slots: 512 each. */
	r.batch = 2;
	r.seq = 512;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.groups[0].cells, 1024);
	/* Unified, 3 slots: one stream of 1,024. */
	r.batch = 3;
	r.seq = 341;
	r.kv_unified = true;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.streams, 1);
	assert_int_equal(p.groups[0].cells, 1024);
	/* A context smaller than its sequences is an error. */
	r.ctx_size = 2;
	plan_fails(&llama2_7b, &r, KVP_ERR_INVALID,
	           "llama.cpp context 2 is smaller than its 3 sequences");

	/* A window larger than the context: 4,096-token window at 1,000:
	 * n_ctx 1,024; pad256(min(1,024, 4,096 + 512)) = 1,024 cells. */
	r = request_at(KVP_ENGINE_LLAMA_CPP, 1000, 1);
	plan_ok(&mis, &r, &p);
	assert_int_equal(p.groups[0].kind, KVP_LAYER_SLIDING);
	assert_int_equal(p.groups[0].cells, 1024);
	/* gpt-oss at 100: n_ctx 256; the windowed layers
	 * pad256(min(256, 128 + 512)) = 256 too. */
	r.seq = 100;
	plan_ok(&oss, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->cells, 256);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->cells, 256);
	/* ubatch 64 at 8,192: pad256(min(8,192, 128 + 64)) = 256. */
	r.seq = 8192;
	r.ubatch = 64;
	plan_ok(&oss, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->cells, 256);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->cells, 8192);
}

static void test_sglang_trtllm_edges(void **state)
{
	kvp_model oss = gpt_oss_120b();
	kvp_request r = request_at(KVP_ENGINE_TRTLLM, 32, 1);
	kvp_plan p;

	(void)state;
	/* TRT-LLM: one block of 32; one over: 64. */
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.groups[0].cells, 32);
	r.seq = 33;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.groups[0].cells, 64);
	/* A windowed layer keeps its window's blocks: gpt-oss at 4,000:
	 * pad(128, 32) = 128; the full ones pad(4,000, 32) = 4,000.  At
	 * 100 (window larger than the context): pad(100, 32) = 128 both. */
	r.seq = 4000;
	plan_ok(&oss, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->cells, 128);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->cells, 4000);
	r.seq = 100;
	plan_ok(&oss, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_SLIDING)->cells, 128);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->cells, 128);

	/* SGLang page 16: one page at 16 (+ 16 padding rows = 32), one over
	 * it two pages (+ 16 = 48). */
	r = request_at(KVP_ENGINE_SGLANG, 16, 1);
	r.block_size = 16;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.groups[0].cells, 32);
	r.seq = 17;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(p.groups[0].cells, 48);
}

/* SGLang's one pool decides the fit as it admits requests: their pages in
 * max_total_num_tokens, the padding page past the budget.  Llama 2 7B,
 * 524,288 B a token: 1 GiB is a pool of 2,048 tokens.  Two requests of
 * 1,024 fill it and fit (their bytes with the padding row, 2,049 tokens',
 * exceed the GiB, which is why the bytes do not decide); the longest one
 * request is 2,048, and 2,049 does not fit.  In pages of 64: 1,030 tokens
 * take 17 pages, 1,088 rows: one request (2 x 1,088 > 2,048); two fit
 * up to 1,024 tokens each. */
static void test_sglang_pool_fit(void **state)
{
	kvp_request r = request_at(KVP_ENGINE_SGLANG, 1024, 2);
	kvp_device d;
	kvp_plan p;
	kvp_fit f;
	kvp_error err;

	(void)state;
	memset(&d, 0, sizeof d);
	strcpy(d.name, "g");
	d.hbm_bytes = 80ull << 30;
	d.l2_bytes = 50ull << 20;
	r.kv_budget = 1ull << 30;
	plan_ok(&llama2_7b, &r, &p);
	assert_true(p.kv_bytes_per_gpu > r.kv_budget);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_int_equal(f.capacity.tokens, 2048);
	assert_true(f.pooled);
	assert_true(f.fits_hbm);
	assert_int_equal(f.max_batch_hbm, 2);
	assert_int_equal(f.capacity.max_concurrency, 2.0);
	r.batch = 3;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_false(f.fits_hbm);
	r.batch = 1;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_int_equal(f.max_seq_hbm, 2048);
	r.seq = 2049;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_false(f.fits_hbm);
	r.seq = 1030;
	r.batch = 2;
	r.block_size = 64;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_false(f.fits_hbm);
	assert_int_equal(f.max_batch_hbm, 1);
	assert_int_equal(f.max_seq_hbm, 1024); /* two of 16 pages */
	/* A seq within a page of 2^64: counted in pages, no wrap. */
	{
		uint64_t b = 1;

		assert_int_equal(kvp_plan_max_batch(&p, 10000000000ull, UINT64_MAX, &b, &err),
		                 KVP_OK);
		assert_int_equal(b, 0);
	}
	/* The L2 holds bytes, not pools: at batch 2 in pages of 1 and a 50
	 * MiB L2, (2 x s + 1) x 524,288 <= 52,428,800 up to s = 49. */
	r.block_size = 0;
	r.seq = 50;
	plan_ok(&llama2_7b, &r, &p);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_int_equal(f.max_seq_l2, 49);
}

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

/* ---- hybrid models: SGLang's two pools, vLLM's unified pages ---------- */

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
	/* Llama 4 Scout (meta-llama/Llama-4-Scout-17B-16E text_config): 48
	 * layers, 8 kv heads of 128, attention_chunk_size 8192, every fourth
	 * layer global: 4,096 B a token and layer. */
	kvp_model scout = {.name = "llama4-scout", .layers = 48, .heads = 40, .kv_heads = 8,
	                   .head_dim = 128, .chunk_size = 8192,
	                   .model_type = "llama4_text"};
	kvp_model oss = gpt_oss_120b();
	kvp_request r = request_at(KVP_ENGINE_SGLANG, 8192, 1);
	kvp_capacity c;
	kvp_plan p;

	(void)state;
	pattern(&gemma, "sliding*5,full");
	pattern(&scout, "chunked*3,full");
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
	 * stages' caches, the model's on each and the MTP layer's once. */
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

/* vLLM splits the recurrent state over tensor-parallel ranks
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
	plan_ok(&m, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->block, 2080);
	assert_int_equal(group_of(&p, KVP_LAYER_RECURRENT)->state_bytes_per_seq, 4259840);
	/* tp 16 does not divide 8 groups: they become 16, (16384 + 2·16·256)
	 * / 16 = 1,536 channels · 3 = 4,608, SSM 256 · 1,024 = 262,144:
	 * 266,752 values · 2 = 533,504 B.  One kv head a rank (8 replicated
	 * over 16): page 2·1·128·2 = 512, block 16 · cdiv(533,504, 8,192) =
	 * 16 · 66 = 1,056, padded 1,056 · 512 = 540,672 (with 8 groups kept it
	 * would be 531,968 B, padded to 532,480). */
	r.tp = 16;
	plan_ok(&m, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->block, 1056);
	assert_int_equal(group_of(&p, KVP_LAYER_RECURRENT)->state_bytes_per_seq, 540672);
	/* Across the 16 GPUs: 54 layers · 540,672 B · 16 ranks. */
	assert_int_equal(p.state_total_bytes, 54ULL * 540672 * 16);
	/* Other engines keep the whole state on every rank. */
	r.engine = KVP_ENGINE_TRTLLM;
	plan_ok(&m, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_RECURRENT)->state_bytes_per_seq,
	                 4255744ULL * 2 * 2); /* fp32: 4,255,744 values · 4 B */
	/* tp 3 divides the 6 heads, not the state: one group made 3, 1000 +
	 * 2·3·16 = 1,096 conv channels. */
	pattern(&small, "recurrent,full");
	r = request_at(KVP_ENGINE_VLLM, 1024, 1);
	r.tp = 3;
	assert_int_equal(kvp_plan_compute(&small, &r, &p, &err), KVP_ERR_SHAPE);
	assert_non_null(strstr(err.message, "small: vLLM splits the recurrent state over"
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
	 * 630,456,320.  The solver: 545,259,520 B hold 2,080 tokens. */
	assert_int_equal(bytes_at(&p, 2080, 1), 545259520ULL);
	assert_int_equal(bytes_at(&p, 2081, 1), 630456320ULL);
	assert_int_equal(kvp_plan_max_seq(&p, 545259520ULL, 1, &seq, &unbounded, &err),
	                 KVP_OK);
	assert_false(unbounded);
	assert_int_equal(seq, 2080);
	assert_int_equal(kvp_plan_max_seq(&p, 630456319ULL, 1, &seq, &unbounded, &err),
	                 KVP_OK);
	assert_int_equal(seq, 2080);
	assert_int_equal(kvp_plan_max_seq(&p, 630456320ULL, 1, &seq, &unbounded, &err),
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
	plan_ok(&m, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->block, 4160);
	assert_int_equal(group_of(&p, KVP_LAYER_RECURRENT)->state_bytes_per_seq, 8519680);

	/* A block set larger is kept: 4,096 · 4,096 = 16,777,216 padded. */
	r.dtype_k = r.dtype_v = KVP_DTYPE_FP16;
	r.block_size = 4096;
	plan_ok(&m, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->block, 4096);
	assert_int_equal(group_of(&p, KVP_LAYER_RECURRENT)->state_bytes_per_seq, 16777216);
	/* One set smaller is enlarged (block_size < attn_block_size), in
	 * multiples of it (kernel_block_alignment_size = max(16, 64)): 64 ·
	 * cdiv(8,511,488, 64 · 4,096 = 262,144) = 64 · 33 = 2,112 tokens, the
	 * page 2,112 · 4,096 = 8,650,752. */
	r.block_size = 64;
	plan_ok(&m, &r, &p);
	assert_int_equal(group_of(&p, KVP_LAYER_FULL)->block, 2112);
	assert_int_equal(group_of(&p, KVP_LAYER_RECURRENT)->state_bytes_per_seq, 8650752);

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

/* The engine names and their aliases. */
static void test_engine_names(void **state)
{
	kvp_engine e;
	kvp_error err;

	(void)state;
	assert_string_equal(kvp_engine_name(KVP_ENGINE_LLAMA_CPP), "llama.cpp");
	assert_string_equal(kvp_engine_name(KVP_ENGINE_TRTLLM), "trtllm");
	assert_int_equal(kvp_engine_from_name("llama-cpp", &e, &err), KVP_OK);
	assert_int_equal(e, KVP_ENGINE_LLAMA_CPP);
	assert_int_equal(kvp_engine_from_name("TensorRT-LLM", &e, &err), KVP_OK);
	assert_int_equal(e, KVP_ENGINE_TRTLLM);
	assert_int_equal(kvp_engine_from_name("vlm", &e, &err), KVP_ERR_NOT_FOUND);
	assert_string_equal(err.message, "unknown engine 'vlm' (valid: exact, vllm,"
	                    " llama.cpp, sglang, trtllm)");
}

/* ---- the solvers, on random models × engines × layouts ----------------- */

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* bytes_at, with an overflow counted as more than any budget. */
static bool cost(const kvp_plan *p, uint64_t seq, uint64_t batch, uint64_t *out)
{
	kvp_error err;
	kvp_status st = kvp_plan_bytes_at(p, seq, batch, out, &err);

	if (st == KVP_ERR_OVERFLOW) {
		*out = UINT64_MAX;
		return false;
	}
	assert_int_equal(st, KVP_OK);
	return true;
}

/* SGLang with sliding layers sizes two token pools from the budget
 * (HybridSWAPoolConfigurator): a request fits when every sequence's
 * pad(seq) tokens fit the full pool and its pad(min(seq, window)) the
 * sliding one.  *applies is false for any other plan (the byte model
 * holds there) and for pipeline stages (whose pools the library works
 * out per stage). */
/* Set by pools_fit when it did not check (stages of sliding pools). */
static bool pools_unchecked;

static bool pools_fit(const kvp_plan *p, uint64_t budget, uint64_t seq, uint64_t batch,
                      bool *applies)
{
	uint64_t page = p->request.block_size ? p->request.block_size : 1, window = 0;
	bool full = false;
	kvp_capacity c;
	kvp_error err;
	unsigned __int128 need;

	*applies = false;
	if (p->request.engine != KVP_ENGINE_SGLANG)
		return false;
	/* The model's layers make the pools; a draft's pool holds the
	 * model's tokens. */
	for (uint32_t g = 0; g < p->group_count; g++) {
		if (!p->groups[g].bytes_per_token || p->groups[g].draft)
			continue;
		if (p->groups[g].kind == KVP_LAYER_SLIDING ||
		    p->groups[g].kind == KVP_LAYER_CHUNKED)
			window = p->groups[g].window;
		else
			full = true;
	}
	/* One pool, when its layers keep every token and hold no state:
	 * the pages of the requests in max_total_num_tokens, its padding
	 * rows past the budget. */
	if (!window && (!full || p->state_total_bytes ||
	                p->request.policy.kind != KVP_POLICY_FULL))
		return false;
	*applies = true;
	/* Pipeline stages: each stage's sliding pools are its own; the
	 * library takes the least answer, which this oracle does not
	 * rebuild.  One pool under one budget is the largest stage's, which
	 * kvp_plan_capacity gives. */
	pools_unchecked = window && p->stages != 1;
	if (pools_unchecked)
		return true;
	assert_int_equal(kvp_plan_capacity(p, budget, &c, &err), KVP_OK);
	need = (unsigned __int128)batch * ((seq + page - 1) / page * page);
	if (full && need > c.tokens)
		return false;
	if (!window)
		return true;
	seq = seq < window ? seq : window;
	need = (unsigned __int128)batch * ((seq + page - 1) / page * page);
	return need <= c.swa_tokens;
}

static void random_model(kvp_model *m)
{
	static const char *const patterns[] = {
		NULL, "sliding,full", "sliding*5,full", "chunked*3,full", "full,recurrent",
		"sliding", "recurrent*3,full", "sliding,chunked,full", NULL,
	};
	static const uint32_t dims[] = {64, 80, 128, 256};
	const char *pat = patterns[below(sizeof patterns / sizeof patterns[0])];

	memset(m, 0, sizeof *m);
	snprintf(m->name, sizeof m->name, "random");
	m->layers = 1 + (uint32_t)below(80);
	m->kv_heads = 1u << below(5);
	m->heads = m->kv_heads << below(4);
	m->head_dim = dims[below(4)];
	m->sliding_window = 1 + below(below(2) ? 300 : 9000);
	m->chunk_size = 1 + below(9000);
	m->state_bytes = 1 + below(1 << 20);
	/* Half of them an architecture SGLang runs with its sliding-window
	 * pool. */
	if (below(2))
		snprintf(m->model_type, sizeof m->model_type, "llama4_text");
	if (pat)
		pattern(m, pat);
	else if (below(3) == 0) {
		m->kv_lora_rank = 512;
		m->qk_rope_dim = 64;
	}
	/* Sometimes kv heads per layer, halved here and there: vLLM then
	 * unifies pages of two sizes (each group its own block). */
	if (!m->kv_lora_rank && below(4) == 0) {
		m->layer_kv_heads_len = m->layers;
		for (uint32_t i = 0; i < m->layers; i++)
			m->layer_kv_heads[i] = m->kv_heads >> (m->kv_heads > 1 ? below(2) : 0);
	}
}

static void random_request(const kvp_model *m, kvp_request *r)
{
	static const uint32_t blocks[] = {0, 0, 1, 16, 32, 64};
	uint32_t tp;

	kvp_request_init(r);
	switch (below(7)) {
	case 0: r->engine = KVP_ENGINE_EXACT; break;
	case 1: r->engine = KVP_ENGINE_VLLM; break;
	case 2: r->engine = KVP_ENGINE_LLAMA_CPP; break;
	case 3: r->engine = KVP_ENGINE_LLAMA_CPP; r->kv_unified = true; break;
	case 4: r->engine = KVP_ENGINE_SGLANG; break;
	case 5: r->engine = KVP_ENGINE_TRTLLM; break;
	default: r->engine = KVP_ENGINE_TRTLLM; r->trtllm_cpp = true; break;
	}
	if (r->engine != KVP_ENGINE_LLAMA_CPP && r->engine != KVP_ENGINE_EXACT)
		r->block_size = blocks[below(6)];
	/* vLLM's releases and mamba modes: 1 or 2 state pages a request. */
	if (below(3) == 0)
		r->vllm_version = below(2) ? 19 : 27;
	if (below(3) == 0)
		r->mamba_cache_mode = below(2) ? KVP_MAMBA_NONE : KVP_MAMBA_ALIGN;
	if (below(4) == 0)
		r->no_swa_pool = true;
	if (below(3) == 0)
		r->max_batched_tokens = 1 + below(9000);
	if (below(3) == 0)
		r->ubatch = 1 + (uint32_t)below(1024);
	r->seq = 1 + below(below(2) ? 1000 : 200000);
	r->batch = 1 + below(below(2) ? 4 : 64);
	/* A power of two that divides the heads (the kv heads are powers of
	 * two too, so it divides them or is a multiple of them). */
	do
		tp = 1u << below(6);
	while (m->heads % tp);
	r->tp = tp;
	r->pp = 1 + (uint32_t)below(m->layers < 6 ? m->layers : 6);
	if (r->pp > 1 && below(3) == 0) {
		/* An explicit split: pp − 1 random cuts. */
		uint32_t left = m->layers;

		r->pp_layers_len = r->pp;
		for (uint32_t s = 0; s + 1 < r->pp; s++) {
			uint32_t most = left - (r->pp - 1 - s);

			r->pp_layers[s] = 1 + (uint32_t)below(most);
			left -= r->pp_layers[s];
		}
		r->pp_layers[r->pp - 1] = left;
	}
	r->dp = 1 + (uint32_t)below(2);
}

/* max_seq answers that were neither 0 nor unbounded: the property is
 * not vacuous. */
static unsigned long bounded_answers;

static void check_max_seq(const kvp_plan *p, uint64_t budget, uint64_t batch,
                          unsigned long n)
{
	uint64_t s = 0, lo, hi;
	bool unbounded = false;
	kvp_error err;

	assert_int_equal(kvp_plan_max_seq(p, budget, batch, &s, &unbounded, &err), KVP_OK);
	{
		bool applies;
		bool fits = pools_fit(p, budget, s, batch, &applies);

		if (applies && pools_unchecked)
			return;
		if (applies) {
			if (unbounded) {
				assert_true(pools_fit(p, budget, UINT64_MAX / 4, batch, &applies));
				return;
			}
			if (s > 0 && !fits)
				fail_msg("case %lu: sglang max_seq %llu does not fit its pools", n,
				         (unsigned long long)s);
			if (pools_fit(p, budget, s + 1, batch, &applies))
				fail_msg("case %lu: sglang max_seq %llu, but %llu fits its pools", n,
				         (unsigned long long)s, (unsigned long long)(s + 1));
			return;
		}
	}
	if (unbounded) {
		assert_int_equal(s, UINT64_MAX);
		/* The plateau fits: so does a very long context. */
		assert_true(p->bounded || p->group_count > 0);
		if (cost(p, 1ULL << 40, batch, &hi) && hi > budget)
			fail_msg("case %lu: unbounded, but 2^40 tokens cost %llu > %llu", n,
			         (unsigned long long)hi, (unsigned long long)budget);
		return;
	}
	bounded_answers += s > 0;
	if (s > 0 && (!cost(p, s, batch, &lo) || lo > budget))
		fail_msg("case %lu (%s, tp %u pp %u): max_seq %llu at batch %llu costs %llu"
		         " > budget %llu", n, kvp_engine_name(p->request.engine),
		         p->request.tp, p->request.pp, (unsigned long long)s,
		         (unsigned long long)batch, (unsigned long long)lo,
		         (unsigned long long)budget);
	if (s < UINT64_MAX && cost(p, s + 1, batch, &hi) && hi <= budget)
		fail_msg("case %lu (%s%s, tp %u pp %u): max_seq %llu at batch %llu, but %llu"
		         " costs %llu <= budget %llu", n, kvp_engine_name(p->request.engine),
		         p->request.kv_unified ? " unified" : "", p->request.tp,
		         p->request.pp, (unsigned long long)s, (unsigned long long)batch,
		         (unsigned long long)(s + 1), (unsigned long long)hi,
		         (unsigned long long)budget);
}

static void check_max_batch(const kvp_plan *p, uint64_t budget, uint64_t seq,
                            unsigned long n)
{
	uint64_t b = 0, lo, hi;
	kvp_error err;

	assert_int_equal(kvp_plan_max_batch(p, budget, seq, &b, &err), KVP_OK);
	{
		bool applies;
		bool fits = pools_fit(p, budget, seq, b, &applies);

		if (applies && pools_unchecked)
			return;
		if (applies) {
			if (b > 0 && !fits)
				fail_msg("case %lu: sglang max_batch %llu does not fit its pools", n,
				         (unsigned long long)b);
			if (b < UINT64_MAX && pools_fit(p, budget, seq, b + 1, &applies))
				fail_msg("case %lu: sglang max_batch %llu, but %llu fits its pools",
				         n, (unsigned long long)b, (unsigned long long)(b + 1));
			return;
		}
	}
	if (b > 0 && (!cost(p, seq, b, &lo) || lo > budget))
		fail_msg("case %lu (%s): max_batch %llu at seq %llu costs %llu > budget %llu",
		         n, kvp_engine_name(p->request.engine), (unsigned long long)b,
		         (unsigned long long)seq, (unsigned long long)lo,
		         (unsigned long long)budget);
	if (b < UINT64_MAX && cost(p, seq, b + 1, &hi) && hi <= budget)
		fail_msg("case %lu (%s%s): max_batch %llu at seq %llu, but %llu costs %llu"
		         " <= budget %llu", n, kvp_engine_name(p->request.engine),
		         p->request.kv_unified ? " unified" : "", (unsigned long long)b,
		         (unsigned long long)seq, (unsigned long long)(b + 1),
		         (unsigned long long)hi, (unsigned long long)budget);
}

static void test_solver_property(void **state)
{
	unsigned long cases = 0, consistent = 0, engines[KVP_ENGINE_COUNT] = {0};
	unsigned long parallel = 0, unified = 0;

	(void)state;
	for (unsigned long n = 0; cases < 4000 && n < 40000; n++) {
		kvp_model m;
		kvp_request r;
		kvp_plan p;
		kvp_error err;
		uint64_t at, budget, batch, seq, target;

		random_model(&m);
		random_request(&m, &r);
		if (kvp_plan_compute(&m, &r, &p, &err) != KVP_OK) {
			/* Only shapes the generator cannot rule out. */
			assert_true(err.status == KVP_ERR_SHAPE || err.status == KVP_ERR_OVERFLOW);
			continue;
		}
		cases++;
		engines[r.engine]++;
		/* vLLM groups of different blocks (pages unified). */
		for (uint32_t g = 1; g < p.group_count; g++)
			if (r.engine == KVP_ENGINE_VLLM && p.groups[g].block != p.groups[0].block) {
				unified++;
				break;
			}
		parallel += r.tp > 1 || r.pp > 1;
		/* The solvers' cost model at the plan's own request is the
		 * plan's figure for its largest GPU. */
		if (cost(&p, r.seq, r.batch, &at)) {
			if (at != p.kv_bytes_per_gpu)
				fail_msg("case %lu (%s%s, block %u, tp %u pp %u, seq %llu batch"
				         " %llu, %u layers, pattern %u): bytes_at %llu !="
				         " kv_bytes_per_gpu %llu", n, kvp_engine_name(r.engine),
				         r.kv_unified ? " unified" : "", r.block_size, r.tp, r.pp,
				         (unsigned long long)r.seq, (unsigned long long)r.batch,
				         m.layers, m.pattern_len, (unsigned long long)at,
				         (unsigned long long)p.kv_bytes_per_gpu);
			consistent++;
		}
		/* A budget near the cost of a random context (or a tiny one). */
		batch = 1 + below(below(2) ? 4 : 64);
		target = 1 + below(below(2) ? 2000 : 300000);
		if (below(8) == 0) {
			budget = below(1 << 16);
		} else {
			cost(&p, target, batch, &budget);
			if (budget != UINT64_MAX)
				budget += below(budget / 8 + 1);
		}
		check_max_seq(&p, budget, batch, n);
		seq = 1 + below(below(2) ? 2000 : 300000);
		check_max_batch(&p, budget, seq, n);
		check_max_batch(&p, budget, target, n);
	}
	assert_true(cases >= 4000);
	assert_true(consistent >= 3000);
	assert_true(parallel >= 2000);
	assert_true(unified >= 20);
	for (int e = 0; e < KVP_ENGINE_COUNT; e++)
		assert_true(engines[e] >= 300);
	assert_true(bounded_answers >= 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_llama2_seq_1000),
		cmocka_unit_test(test_llama3_h100_vllm),
		cmocka_unit_test(test_gpt_oss_llama_unified),
		cmocka_unit_test(test_tensor_parallel),
		cmocka_unit_test(test_pipeline_parallel),
		cmocka_unit_test(test_vllm_edges),
		cmocka_unit_test(test_llama_cpp_edges),
		cmocka_unit_test(test_sglang_trtllm_edges),
		cmocka_unit_test(test_capacity_vllm_hybrid),
		cmocka_unit_test(test_capacity_trtllm_sglang),
		cmocka_unit_test(test_sglang_swa_pool),
		cmocka_unit_test(test_sglang_swa_architectures),
		cmocka_unit_test(test_sglang_swa_draft),
		cmocka_unit_test(test_sglang_pool_fit),
		cmocka_unit_test(test_vllm_unified_pages),
		cmocka_unit_test(test_vllm_in_flight),
		cmocka_unit_test(test_vllm_mamba_hybrid),
		cmocka_unit_test(test_vllm_mamba_tp),
		cmocka_unit_test(test_engine_names),
		cmocka_unit_test(test_solver_property),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
