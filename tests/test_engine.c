/*
 * test_engine.c — unit tests of the engines and of parallelism (issue 8:
 * lib/engine.c, lib/parallel.c): the figures, tensor and pipeline
 * parallel, each engine at its edges, and the engines' names.  Every
 * figure is worked out by hand in the comment next to its assertion, from
 * the rules doc/engines.md cites (V1..V14 vLLM, L1..L6 llama.cpp, S1..S5
 * SGLang, T1..T5 TensorRT-LLM).  The capacity, the hybrid models and the
 * solvers are in test_engine_capacity.c, test_engine_sglang_swa.c,
 * test_engine_vllm_hybrid.c and test_engine_solvers.c.
 *
 * Models are kvp_model literals with their config.json numbers (those the
 * files share in engine_fixture.h), never loaded from the catalogue.
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

/* ---- models (config.json numbers) ------------------------------------- */

/* meta-llama/Llama-2-7b-hf: 32 layers, 32 heads and kv heads, head_dim
 * 4096/32 = 128.  fp16: 2·32·128·2 = 16,384 B per token and layer,
 * 32·16,384 = 524,288 B per token. */
static const kvp_model llama2_7b = {
	.name = "llama2-7b", .layers = 32, .hidden = 4096, .heads = 32,
	.kv_heads = 32, .head_dim = 128, .params = 6738415616ULL,
};

/* An NVIDIA H100 SXM: 80 GiB, 50 MiB of L2. */
static const kvp_device h100 = {
	.name = "h100-sxm", .hbm_bytes = 80ULL << 30, .l2_bytes = 50ULL << 20,
};

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

	/* Its weights may take more than 0.9 of the device: the fraction is
	 * of what they leave.  On 17,000,000,000 B (0.9 of it 15.3 GB, below
	 * the weights): floor((17,000,000,000 - 16,060,522,496) x 0.9) =
	 * floor(845,529,753.6) = 845,529,753; // 131,072 = 6,450 tokens, //
	 * 32 = 201 blocks = 6,432 tokens.  8,192 does not fit; 6,432 is the
	 * longest that does, and fits. */
	{
		kvp_device small = h100;

		small.hbm_bytes = 17000000000ULL;
		assert_int_equal(kvp_plan_fit(&p, &small, &f, &err), KVP_OK);
		assert_int_equal(f.budget_bytes, 845529753ULL);
		assert_int_equal(f.capacity.tokens, 6432);
		assert_false(f.fits_hbm);
		assert_int_equal(f.max_seq_hbm, 6432);
		r.seq = 6432;
		plan_ok(&llama3_8b, &r, &p);
		assert_int_equal(kvp_plan_fit(&p, &small, &f, &err), KVP_OK);
		assert_true(f.fits_hbm);
		r.seq = 6433;
		plan_ok(&llama3_8b, &r, &p);
		assert_int_equal(kvp_plan_fit(&p, &small, &f, &err), KVP_OK);
		assert_false(f.fits_hbm);
		r.seq = 8192;
		plan_ok(&llama3_8b, &r, &p);
	}

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
		cmocka_unit_test(test_sglang_pool_fit),
		cmocka_unit_test(test_engine_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
