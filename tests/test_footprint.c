/*
 * test_footprint.c — one GPU's memory part by part: the parts summing to
 * the device for every engine, the weights a plan leaves out, the fit
 * leaving room for llama.cpp's buffers, vLLM's profile run and SGLang's
 * preload against logs they were not fitted on, and TensorRT-LLM's room
 * for the MLA workspace.  llama.cpp's buffers against its own logs are in
 * test_footprint_llama.c.
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

/* qsort's order of doubles. */
static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Weights a plan leaves out: Qwen3.5-27B's checkpoint (data/models/
 * qwen3.5-27b.yaml, worked there tensor by tensor) holds 27,781,427,952
 * params, of them the MTP layer's 424,699,392 and the vision tower's
 * 460,730,096, text 26,895,998,464.  In bf16: vLLM loads text and vision,
 * 2 x 27,356,728,560 = 54,713,457,120 B; llama.cpp the text alone (the
 * tower is its mmproj file), 53,791,996,928; with --mtp 1 the MTP layer
 * is the draft's, 2 x 424,699,392 = 849,398,784, and the three together
 * are the published checkpoint's 55,562,855,904 B. */
static void test_unloaded_params(void **state)
{
	kvp_model m = testmodel_new(64, 6144, 24, 4, 248320, 27781427952ull);
	kvp_device d = testmodel_device(141ull << 30);
	kvp_request r;
	kvp_plan p;
	kvp_fit f;
	kvp_error err;

	(void)state;
	m.hidden = 5120; /* its heads are 256 wide, not hidden / heads */
	m.mtp_params = 424699392;
	m.vision_params = 460730096;
	for (int e = 0; e < 2; e++) {
		kvp_request_init(&r);
		r.engine = e ? KVP_ENGINE_LLAMA_CPP : KVP_ENGINE_VLLM;
		r.seq = 4096;
		r.weights_dtype = KVP_DTYPE_BF16;
		assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
		assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
		assert_int_equal(f.weights_bytes, e ? 53791996928ull : 54713457120ull);
		assert_int_equal(p.draft_weights_bytes, 0);
		r.mtp_layers = 1;
		assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
		assert_int_equal(p.draft_weights_bytes, 849398784);
	}
	assert_int_equal(54713457120ull + 849398784, 55562855904ull);
	/* More than the model's params: refused, naming both. */
	m.vision_params = m.params;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_ERR_SHAPE);
	assert_non_null(strstr(err.message, "mtp_params 424699392 and vision_params"));
}

/* The parts sum to the device, or exceed it by over, for every engine. */
static void test_parts_sum(void **state)
{
	kvp_model m = testmodel_new(32, 4096, 32, 8, 128256, 8030261248ull);
	kvp_device d;
	kvp_error err;

	(void)state;
	memset(&d, 0, sizeof d);
	strcpy(d.name, "g");
	d.hbm_bytes = 80ull << 30;
	d.l2_bytes = 50ull << 20;
	for (int e = 0; e < KVP_ENGINE_COUNT; e++) {
		for (uint64_t seq = 1000; seq <= 2000000; seq *= 7) {
			kvp_request r;
			kvp_plan p;
			kvp_fit f;
			const kvp_footprint *fp = &f.footprint;
			unsigned __int128 sum;

			kvp_request_init(&r);
			r.engine = (kvp_engine)e;
			r.seq = seq;
			r.reserve_bytes = 1ull << 30;
			assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
			assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
			sum = (unsigned __int128)fp->weights + fp->kv + fp->state + fp->activations +
			      fp->runtime + fp->reserve + fp->req_table + fp->held_back + fp->unused;
			assert_true(sum == (unsigned __int128)d.hbm_bytes + fp->over);
			assert_true(fp->over == 0 || fp->unused == 0);
			assert_int_equal(fp->weights, f.weights_per_gpu);
			assert_int_equal(fp->reserve, 1ull << 30);
			/* A request that fits leaves nothing over. */
			if (f.fits_hbm)
				assert_int_equal(fp->over, 0);
		}
	}
}

/* Hand-worked: Llama 3 8B (16,060,522,496 B of fp16 weights) at 8192 tokens
 * on an 80 GiB GPU with llama.cpp: the cache 32 x 8192 x 2 x 8 x 128 x 2 =
 * 1,073,741,824 B; compute 271,056,896 B; usable floor(85,899,345,920 x
 * 0.9) = 77,309,411,328.  llama.cpp keeps the token embedding in host
 * memory (llama-model.cpp load_tensors: the input layer is always on the
 * CPU), 128,256 x 4,096 x 2 = 1,050,673,152 B, so the GPU holds
 * 15,009,849,344 B of weights and the budget = usable - those - compute =
 * 62,028,505,088. */
static void test_llama_fit(void **state)
{
	kvp_model m = testmodel_new(32, 4096, 32, 8, 128256, 8030261248ull);
	kvp_device d;
	kvp_request r;
	kvp_plan p;
	kvp_fit f;
	kvp_error err;

	(void)state;
	memset(&d, 0, sizeof d);
	strcpy(d.name, "g");
	d.hbm_bytes = 80ull << 30;
	d.l2_bytes = 50ull << 20;
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_LLAMA_CPP;
	r.seq = 8192;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_int_equal(f.footprint.kv, 1073741824);
	assert_int_equal(f.footprint.activations, 271056896);
	assert_int_equal(f.weights_per_gpu, 15009849344ull);
	assert_int_equal(f.budget_bytes, 62028505088ull);
	assert_int_equal(f.footprint.held_back, 85899345920ull - 77309411328ull);
	assert_int_equal(f.footprint.unused, 62028505088ull - 1073741824);
	/* Host: the output buffer, 128,256 x 1 x 4 = 513,024, and the
	 * embedding. */
	assert_int_equal(f.footprint.host, 513024 + 1050673152ull);
	/* The longest context holds its own compute buffer: cells of 131,072
	 * B (32 layers x 4 KiB), padded to 256, beside a buffer whose f16 mask
	 * grows 2 x 512 B a cell: past 271,056,896 B of logits, the MLP's
	 * 4 x 512 x 12,288 + 10,240 B and the mask, so 132,096 B a cell
	 * within 77,309,411,328 - 15,009,849,344 - 25,176,064 =
	 * 62,274,385,920 B: 471,432 cells, 471,296 whole pads. */
	assert_int_equal(f.max_seq_hbm, 471296);
	/* Weights past the device: the parts exceed it. */
	m.params *= 10;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_false(f.fits_hbm);
	assert_int_equal(f.footprint.unused, 0);
	/* 160,605,224,960 B of weights, less the embedding on the host. */
	assert_int_equal(f.footprint.over, 160605224960ull - 1050673152 + 1073741824 +
	                                   271056896 + (85899345920ull - 77309411328ull) -
	                                   85899345920ull);
}

/* What a stage takes besides its cache (kvp_plan_stage_need), the same
 * Llama 3.1 8B under vLLM v0.19 on an H100 as below: its weights
 * 8,030,261,248 x 2 = 16,060,522,496 B and the profile run's 2,304,114,688
 * B, 18,364,637,184 B, which the budget is the usable share less.  A
 * reserve that takes the share past it by 1,000 B leaves a need 1,000 B
 * past the share (vLLM's available memory, -1,000 B) and a budget of 0.
 * Two stages: each one's need is its share less its own budget. */
static void test_stage_need(void **state)
{
	kvp_model m = testmodel_new(32, 4096, 32, 8, 128256, 8030261248);
	kvp_request r;
	kvp_device d = testmodel_device(85899345920ull);
	kvp_plan p;
	kvp_fit f;
	kvp_error err;
	uint64_t need, buffers;

	(void)state;
	m.intermediate = 14336;
	strcpy(d.name, "h100-sxm");
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_VLLM;
	r.vllm_version = 19;
	r.seq = 1024;
	r.profile_memory = true;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_int_equal(kvp_plan_stage_need(&p, &d, 0, &need, &buffers, &err), KVP_OK);
	assert_int_equal(need, 18364637184ull);
	assert_int_equal(buffers, 2304114688ull);
	assert_int_equal(f.stage_budget[0], f.usable_bytes - need);
	assert_int_equal(kvp_plan_stage_need(&p, &d, 0, &need, NULL, &err), KVP_OK);
	r.reserve_bytes = f.usable_bytes - 18364637184ull + 1000;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_int_equal(kvp_plan_stage_need(&p, &d, 0, &need, &buffers, &err), KVP_OK);
	assert_int_equal(need, f.usable_bytes + 1000);
	assert_int_equal(buffers, 2304114688ull);
	assert_int_equal(f.stage_budget[0], 0);
	assert_false(f.fits_hbm);
	r.reserve_bytes = 0;
	r.pp = 2;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	for (uint32_t s = 0; s < 2; s++) {
		assert_int_equal(kvp_plan_stage_need(&p, &d, s, &need, NULL, &err), KVP_OK);
		assert_true(f.stage_budget[s] > 0);
		assert_int_equal(f.stage_budget[s], f.usable_bytes - need);
	}
	assert_int_equal(kvp_plan_stage_need(&p, &d, 2, &need, NULL, &err), KVP_ERR_RANGE);
	assert_int_equal(kvp_plan_stage_need(&p, &d, 0, NULL, NULL, &err), KVP_ERR_INVALID);
	assert_int_equal(kvp_plan_stage_need(NULL, &d, 0, &need, NULL, &err), KVP_ERR_INVALID);
}

/* vLLM's profile run (--profile-memory), by hand for Llama 3.1 8B on an
 * H100 (vocab 128256, intermediate 14336; its defaults there: 1024
 * sequences, 8192 batched tokens): the sampler 15.5 x 1024 x 128256 =
 * 2,035,679,232 B outweighs the forward 8.2 x 8192 x 14336 =
 * 963,012,198; with 256 MiB of non-torch memory, 2,304,114,688 B.
 * v0.19, which takes no estimate of its CUDA graphs from the budget. */
static void test_vllm_profile_by_hand(void **state)
{
	kvp_model m = testmodel_new(32, 4096, 32, 8, 128256, 8030261248);
	kvp_request r;
	kvp_device d = testmodel_device(85899345920ull);
	kvp_plan p;
	kvp_fit f, plain;
	kvp_error err;

	(void)state;
	m.intermediate = 14336;
	strcpy(d.name, "h100-sxm");
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_VLLM;
	r.vllm_version = 19;
	r.seq = 1024;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &d, &plain, &err), KVP_OK);
	r.profile_memory = true;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	/* the run's activation peak, and its non-torch memory (the CUDA
	 * context's growth, NCCL) apart, the runtime's */
	assert_int_equal(f.footprint.activations, 2035679232ull);
	assert_int_equal(f.footprint.runtime, 256u << 20);
	assert_int_equal(plain.budget_bytes - f.budget_bytes, 2304114688ull);
	/* 128 sequences: the forward (963,012,198) now outweighs the
	 * sampler (15.5 x 128 x 128256 = 254,459,904). */
	r.max_num_seqs = 128;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_int_equal(f.footprint.activations, 963012198ull);
	assert_int_equal(f.footprint.runtime, 256u << 20);
	/* tp 2: 2,160 MiB of NCCL and all-reduce buffers a rank; an A100
	 * (256 sequences, 2048 tokens by default): 15.5 x 256 x 128256. */
	r.max_num_seqs = 0;
	r.tp = 2;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_int_equal(f.footprint.activations, 2035679232ull);
	assert_int_equal(f.footprint.runtime, 2160ull << 20);
	/* Two stages of tp 2: each rank keeps its group's 2,160 MiB (the
	 * pipeline's 72 MiB is a stage of one GPU's; no log has both), and
	 * the last stage samples. */
	r.pp = 2;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	{
		kvp_vllm_profile t;

		assert_int_equal(kvp_vllm_profile_compute(&p, &d, 1, &t, &err), KVP_OK);
		assert_int_equal(t.non_torch_bytes, 2160ull << 20);
		r.tp = 1;
		assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
		assert_int_equal(kvp_vllm_profile_compute(&p, &d, 1, &t, &err), KVP_OK);
		assert_int_equal(t.non_torch_bytes, 72ull << 20);
	}
	r.pp = 1;
	r.tp = 1;
	strcpy(d.name, "a100-80g");
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_int_equal(f.footprint.activations, 508919808ull);
	assert_int_equal(f.footprint.runtime, 256u << 20);
	/* The V2 model runner (0.27, a dense model's default; no graph
	 * estimate before 0.29): its dummy sampler keeps the bf16 logits,
	 * before 0.28 their fp32 copy, and the Gumbel block maxima, 1024 x (6 x 128,256 +
	 * 12 x 126) = 789,553,152 B, below the forward's 963,012,198; with
	 * an MLP of 4,096 (8.2 x 8192 x 4096 = 275,146,342 B) the sampler's
	 * is the peak, where V1's would be 2,035,679,232. */
	strcpy(d.name, "h100-sxm");
	r.vllm_version = 27;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.request.vllm_runner, 2);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_int_equal(f.footprint.activations, 963012198ull);
	assert_int_equal(f.footprint.runtime, 256u << 20);
	/* Its terms, as kvp_vllm_profile_compute gives them. */
	{
		kvp_vllm_profile t;

		assert_int_equal(kvp_vllm_profile_compute(&p, &d, 0, &t, &err), KVP_OK);
		assert_int_equal(t.tokens, 8192);
		assert_int_equal(t.seqs, 1024);
		assert_int_equal(t.runner, 2);
		assert_int_equal(t.forward_bytes, 963012198ull);
		assert_int_equal(t.sampler_bytes, 789553152ull);
		assert_int_equal(t.non_torch_bytes, 256u << 20);
		assert_int_equal(t.received_bytes, 0);
		assert_int_equal(t.total_bytes, f.footprint.activations + f.footprint.runtime);
		assert_int_equal(kvp_vllm_profile_compute(&p, &d, 1, &t, &err), KVP_ERR_RANGE);
		assert_int_equal(kvp_vllm_profile_compute(NULL, &d, 0, &t, &err), KVP_ERR_INVALID);
		assert_int_equal(kvp_vllm_profile_compute(&p, &d, 0, NULL, &err), KVP_ERR_INVALID);
	}
	m.intermediate = 4096;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_int_equal(f.footprint.activations, 789553152ull);
	assert_int_equal(f.footprint.runtime, 256u << 20);
	/* V1 at 0.27 (its graphs' estimate counted with the activations). */
	r.vllm_runner = 1;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_true(f.cuda_graph_bytes > 0);
	assert_int_equal(f.footprint.activations, 2035679232ull);
	assert_int_equal(f.footprint.runtime - f.cuda_graph_bytes, 256u << 20);
	/* From 0.28 (PR #47711) the sampler skips the fp32 copy of rows that
	 * need no processing, every dummy row: 1024 x (2 x 128,256 + 12 x
	 * 126) = 264,216,576 B, the peak only below an MLP of 2,048
	 * (8.2 x 8192 x 2048 = 137,573,171 B). */
	r.vllm_runner = 0;
	r.vllm_version = 28;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_int_equal(f.footprint.activations, 275146342ull);
	assert_int_equal(f.footprint.runtime, 256u << 20);
	m.intermediate = 2048;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_int_equal(f.footprint.activations, 264216576ull);
	assert_int_equal(f.footprint.runtime, 256u << 20);
	r.vllm_version = 19;
	m.intermediate = 14336;
	/* Other engines, or a budget given: nothing. */
	r.kv_budget = 1ull << 30;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_int_equal(f.budget_bytes, 1ull << 30);
	r.kv_budget = 0;
	r.engine = KVP_ENGINE_TRTLLM;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_int_equal(f.footprint.activations, 0);
	{
		kvp_vllm_profile t;

		assert_int_equal(kvp_vllm_profile_compute(&p, &d, 0, &t, &err), KVP_OK);
		assert_int_equal(t.total_bytes, 0);
		assert_int_equal(t.forward_bytes, 0);
	}
}

/* The preload against the five published startup logs it was not fitted
 * on, every third of the sixteen in the research's order (doc/footprint.md):
 * the device's memory less "Load weight begin. avail mem" (GiB), and the
 * model's figure for the same GPU count and interconnect. */
static void test_sglang_preload_logs(void **state)
{
	static const struct {
		const char *log;
		uint32_t tp;
		const char *link;
		double ctx_gib;
	} logs[] = {
		/* github mystous/vllm_hybrid @ f0569117 IDE_023_TSK_043_RAW_DATA.md:
		 * 79.18 - 78.48, main of 2026-08-27 */
		{"H100, Qwen3-30B-A3B-FP8, 2026-08", 1, "nvlink", 0.70},
		/* an RTX 4090 pair without P2P, dev11582 of 2026-04-14:
		 * 23.52 (nvidia-smi) - 22.93 */
		{"RTX 4090 x 2, Qwen3.5-9B, 2026-04", 2, "pcie", 0.59},
		/* SGLang's docs CI, ~v0.4.1 of 2025-01-23: 79.19 - 78.81 */
		{"H100, Llama 3.1 8B, 2025-01", 1, "nvlink", 0.38},
		/* ~v0.4.4 of 2025-03-27: 139.80 - 139.21 */
		{"H200, Gemma 3 4B, 2025-03", 1, "nvlink", 0.59},
		/* QwQ-32B on 4 x L4, ~v0.4.3 of 2025-03-08: 21.95 - 21.63 */
		{"L4 x 4, QwQ-32B, 2025-03", 4, "pcie", 0.32},
	};
	const size_t n = sizeof logs / sizeof logs[0];
	double errors[sizeof logs / sizeof logs[0]];
	kvp_model m = testmodel_new(32, 4096, 32, 8, 128256, 8030261248ull);
	kvp_device d = testmodel_device(80ull << 30);
	kvp_request r;
	kvp_plan p;
	kvp_fit f;
	kvp_error err;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		double e;

		strcpy(d.link, logs[i].link);
		kvp_request_init(&r);
		r.engine = KVP_ENGINE_SGLANG;
		r.seq = 1;
		r.tp = logs[i].tp;
		r.profile_memory = true;
		assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
		assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
		e = (double)f.footprint.runtime / 1073741824.0 - logs[i].ctx_gib;
		errors[i] = e < 0 ? -e : e;
		/* The builds of 2026 within 0.08 GiB, the older ones 0.40. */
		if (errors[i] > (strstr(logs[i].log, "2026") ? 0.08 : 0.40))
			fail_msg("%s: %.2f GiB off", logs[i].log, e);
	}
	qsort(errors, n, sizeof *errors, by_value);
	/* Median 0.18 GiB (the H200's), worst 0.39 (the H100 of 2025-01). */
	assert_true(errors[n / 2] > 0.17 && errors[n / 2] < 0.19);
	assert_true(errors[n - 1] > 0.38 && errors[n - 1] < 0.40);
}

/* SGLang with profile_memory: its pool is mem_fraction_static of the
 * memory free before the weights load, less the weights
 * (model_runner.py profile_max_num_token), and that memory is the
 * device's less what the CUDA context and NCCL hold, modelled on its
 * published startup logs (lib/sglang_preload.c). */
static void test_sglang_preload(void **state)
{
	/* Qwen3-30B-A3B's cache: 48 layers x 4 kv heads x 256 x 2 B = 98,304
	 * B a token. */
	kvp_model m = testmodel_new(48, 2048, 32, 4, 151936, 30532122624ull);
	kvp_device d = testmodel_device(85017493504ull);
	kvp_request r;
	kvp_plan p;
	kvp_fit f, plain;
	kvp_error err;
	uint64_t weights = (uint64_t)(29.15 * 1073741824.0);
	double rest;

	(void)state;
	strcpy(d.name, "h100-sxm");
	strcpy(d.link, "nvlink");
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_SGLANG;
	r.seq = 1;
	r.mem_util = 0.83;
	r.weight_bytes = weights;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &d, &plain, &err), KVP_OK);
	r.profile_memory = true;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	/* One GPU: 788 MiB, the usable share 0.83 of the rest. */
	assert_int_equal(f.footprint.runtime, 788ull << 20);
	assert_int_equal(f.usable_bytes, (uint64_t)((85017493504.0 - (788 << 20)) * 0.83));
	assert_int_equal(f.budget_bytes, f.usable_bytes - weights);
	/* Qwen3-30B-A3B-FP8 on one H100 of an 8-GPU node (85,017,493,504 B
	 * as CUDA reports it), SGLang main of 2026-08-27, mem_fraction_static
	 * 0.83 (github mystous/vllm_hybrid @ f0569117,
	 * shadow_assists/features/IDE_023/whitepaper/IDE_023_TSK_043_RAW_DATA.md
	 * section 10): "Load weight begin. avail mem=78.48 GB", "Load weight
	 * end. ... mem usage=29.15 GB", "KV Cache is allocated. ... #tokens:
	 * 392920".  kvplan, the weights as logged: rest = 0.83 x (79.18 -
	 * 0.77) - 29.15 = 35.93 GiB, 392,456 tokens (-0.12 %); without the
	 * preload 399,439 (+1.66 %). */
	rest = (double)f.budget_bytes / 98304;
	if (rest < 392920 * 0.998 || rest > 392920 * 1.0)
		fail_msg("%.0f tokens against the log's 392,920", rest);
	rest = (double)plain.budget_bytes / 98304;
	assert_true(rest > 392920 * 1.016);
	/* The parts still sum to the device: the preload in the buffers,
	 * outside what the share holds back (less the pool's padding rows
	 * past the budget, which SGLang takes from it, and its request-to-token
	 * table). */
	assert_int_equal(f.footprint.held_back + (f.footprint.kv - f.budget_bytes) +
	                         f.footprint.req_table,
	                 85017493504ull - (788ull << 20) - f.usable_bytes);
	assert_int_equal(f.footprint.weights + f.footprint.kv + f.footprint.runtime +
	                         f.footprint.req_table + f.footprint.held_back +
	                         f.footprint.unused + f.footprint.reserve,
	                 85017493504ull);
	/* tp 8 over NVLink: 1,802 MiB a GPU; over PCIe 573; over AMD's
	 * Infinity Fabric 4,454. */
	r.tp = 8;
	m.kv_heads = 8;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_int_equal(f.footprint.runtime, 1802ull << 20);
	strcpy(d.link, "pcie");
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_int_equal(f.footprint.runtime, 573ull << 20);
	strcpy(d.link, "");
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_int_equal(f.footprint.runtime, 573ull << 20);
	strcpy(d.link, "xgmi");
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
	assert_int_equal(f.footprint.runtime, 4454ull << 20);
	/* An interconnect kvplan does not know is refused. */
	strcpy(d.link, "infiniband");
	assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_ERR_INVALID);
	assert_non_null(strstr(err.message, "interconnect 'infiniband'"));
}

/* The model against the logs it was not fitted on: vLLM v0.19.0 on an
 * H100 (79.19 GiB as CUDA reports it), gpu_memory_utilization 0.95, its
 * default 8192 tokens and 1024 sequences, from github jgchn/llm-d-planner
 * @ 56dc5b76 accuracy/results/v0.19.0/logs/ (the file named in each row;
 * "Model loading took", the weights, and "Available KV cache memory").
 * A third of the 46 distinct logs, every third in the data set's order
 * (doc/footprint.md); the model was fitted on the other two thirds.  Each
 * prediction is within 0.75 % of the log (Mixtral was 2.45 % off before
 * its fused-MoE workspace was counted), the median within 0.2 %. */
static const struct held_out {
	const char *log;
	uint32_t vocab, intermediate, tp;
	double weights_gib, available_gib;
	/* a mixture of experts (its config.json): hidden, an expert's inner
	 * size, top-k, experts; model_type where it decides */
	uint32_t hidden, moe_intermediate, top_k, experts;
	const char *type;
} held_out[] = {
	{"fp8dyn-llama-3-3-70b--h100-80gb--tp2pp1dp1--8192.log", 128256, 28672, 2, 33.88, 37.28},
	{"google-gemma-2-27b-it--h100-80gb--tp1pp1dp1--8192.log", 256000, 36864, 1, 50.72, 20.59},
	{"google-gemma-3-12b-it--h100-80gb--tp1pp1dp1--8192.log", 262208, 15360, 1, 23.31, 47.72},
	{"google-gemma-7b--h100-80gb--tp1pp1dp1--8192.log", 256000, 24576, 1, 15.91, 55.44},
	{"ibm-granite-granite-3-3---h100-80gb--tp1pp1dp1--8192.log", 49159, 12800, 1, 15.25, 58.66},
	{"meta-llama-llama-3--h100-80gb--tp1pp1dp1--8192-dtf32.log", 128256, 14336, 1, 29.98, 42.80},
	{"meta-llama-llama-3-1-8b---h100-80gb--tp2pp1dp1--8192.log", 128256, 14336, 2, 7.51, 63.76},
	{"microsoft-phi-2--h100-80gb--tp1pp1dp1--2048.log", 51200, 10240, 1, 5.19, 69.00},
	/* Mixtures of experts: no dense MLP term (intermediate 0), and the
	 * fused-MoE workspace but for gpt-oss's own kernel. */
	{"mistralai-mixtral-8x7b-i--h100-80gb--tp2pp1dp1--8192.log", 32000, 0, 2, 43.51, 28.44,
	 4096, 14336, 2, 8, "mixtral"},
	{"openai-gpt-oss-20b--h100-80gb--tp1pp1dp1--8192.FAILED.log", 201088, 0, 1, 13.64, 58.47,
	 2880, 2880, 4, 32, "gpt_oss"},
	{"qwen-qwen1-5-moe-a2-7b--h100-80gb--tp1pp1dp1--8192.log", 151936, 0, 1, 26.67, 45.83,
	 2048, 1408, 4, 60, "qwen2_moe"},
	{"qwen-qwen2-5-7b-instruct--h100-80gb--tp2pp1dp1--8192.log", 152064, 18944, 2, 7.12, 63.84},
	{"qwen-qwen3-8b--h100-80gb--tp1pp1dp1--8192.log", 151936, 12288, 1, 15.27, 57.50},
	{"w8a8-mistral-small-24b--h100-80gb--tp1pp1dp1--8192.log", 131072, 32768, 1, 24.07, 48.73},
	{"w8a8-redhatai-qwen2-5-7b--h100-80gb--tp1pp1dp1--8192.log", 152064, 18944, 1, 8.14, 64.64},
};

static void test_vllm_profile_logs(void **state)
{
	const size_t n = sizeof held_out / sizeof held_out[0];
	double errors[sizeof held_out / sizeof held_out[0]];
	kvp_device d = testmodel_device((uint64_t)(79.19 * 1073741824.0));
	kvp_error err;

	(void)state;
	strcpy(d.name, "h100-sxm");
	for (size_t i = 0; i < n; i++) {
		const struct held_out *h = &held_out[i];
		kvp_model m = testmodel_new(1, 4096, 8, 8, h->vocab, 1);
		kvp_request r;
		kvp_plan p;
		kvp_fit f;
		double got, e;

		m.intermediate = h->intermediate;
		if (h->moe_intermediate) {
			m.hidden = h->hidden;
			m.moe_intermediate = h->moe_intermediate;
			m.moe_top_k = h->top_k;
			m.moe_routed_experts = h->experts;
			snprintf(m.model_type, sizeof m.model_type, "%s", h->type);
		}
		kvp_request_init(&r);
		r.engine = KVP_ENGINE_VLLM;
		r.vllm_version = 19;
		/* each run's max_model_len, the log's name ends in: vLLM's
		 * step is at most max_num_seqs x max_model_len */
		r.seq = strstr(h->log, "--2048.log") ? 2048 : 8192;
		r.tp = h->tp;
		r.mem_util = 0.95;
		r.profile_memory = true;
		/* Each rank's weights as the log gives them. */
		r.weight_bytes = (uint64_t)(h->weights_gib * 1073741824.0) * h->tp;
		assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
		assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
		got = (double)f.budget_bytes / 1073741824.0;
		e = (got - h->available_gib) / h->available_gib;
		if (e > 0.0075 || e < -0.0075)
			fail_msg("%s: %.2f GiB predicted, %.2f logged (%+.2f %%)", h->log, got,
			         h->available_gib, 100 * e);
		if (getenv("KVPLAN_SHOW"))
			printf("# %s: %.2f GiB predicted, %.2f logged (%+.2f %%)\n", h->log, got,
			       h->available_gib, 100 * e);
		errors[i] = e < 0 ? -e : e;
	}
	qsort(errors, n, sizeof *errors, by_value);
	assert_true(errors[n / 2] < 0.002);
}

/* TensorRT-LLM's room for the context-MLA workspace (lib/trtllm_mla.c,
 * _util.py get_mla_context_workspace_reserve at 00043967): an MLA model of
 * 2 layers, 16 heads, qk_rope 64, qk_nope 128, v_head 128, latent 512, no
 * weights, its fp8 cache 576 B a token and layer (k = 1,152), on 1 GiB at
 * 0.9: B = floor(2^30 x 0.9) = 966,367,641; w = 16 x (64 + 128 + 128) =
 * 5,120.  With a max_context of 1,000, L = min(2048, 8192) x 1,000 =
 * 2,048,000, w x L = 10,485,760,000, more than B x w / (k + w) =
 * 788,871,543.67...: the budget is int(177,496,097.3) = 177,496,097.  At
 * a max_context of 10, w x L = 104,857,600 is the less: 861,510,041.  At
 * tp 2, w = 8 x 320 = 2,560: B x 2,560 / 3,712 = 666,460,442.06...,
 * 299,907,198.  No max_context: no cap, the share binds, 177,496,097.
 * The tokens the room admits, int(R / w): 788,871,543.67 / 5,120 =
 * 154,076; 104,857,600 / 5,120 = 20,480 = L; 666,460,442.06 / 2,560 =
 * 260,336.
 * None with an fp16 cache, the C++ runtime or vLLM. */
static void test_trtllm_mla_workspace(void **state)
{
	kvp_model m = testmodel_new(2, 2048, 16, 16, 0, 0);
	kvp_device d = testmodel_device(1ull << 30);
	static const struct {
		uint64_t max_context;
		uint32_t tp;
		uint64_t w, budget, admitted;
	} cases[] = {
		{1000, 1, 5120, 177496097, 154076},
		{10, 1, 5120, 861510041, 20480},
		{1000, 2, 2560, 299907198, 260336},
		{0, 1, 5120, 177496097, 154076},
	};
	kvp_error err;

	(void)state;
	testmodel_deepseek_mla(&m);
	/* No rotary table, whose fp32 bytes TensorRT-LLM would take from
	 * the budget (tests/test_rope.c): the workspace alone here. */
	m.rope = KVP_ROPE_NONE;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kvp_model one = m;
		kvp_request r;
		kvp_plan p;
		kvp_fit f;

		one.max_context = cases[i].max_context;
		if (kvp_model_finalize(&one, &err) != KVP_OK)
			fail_msg("%s", err.message);
		kvp_request_init(&r);
		r.engine = KVP_ENGINE_TRTLLM;
		r.seq = 8;
		r.tp = cases[i].tp;
		r.dtype_k = KVP_DTYPE_FP8;
		assert_int_equal(kvp_plan_compute(&one, &r, &p, &err), KVP_OK);
		assert_int_equal(p.trtllm_mla_workspace_bytes, cases[i].w);
		assert_int_equal(p.trtllm_mla_workspace_tokens, cases[i].max_context
		                 ? 2048 * cases[i].max_context : UINT64_MAX);
		assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
		assert_int_equal(f.budget_bytes, cases[i].budget);
		assert_int_equal(f.mla_workspace_bytes, 966367641 - cases[i].budget);
		assert_int_equal(f.mla_workspace_tokens, cases[i].admitted);
		/* counted with the activations: the parts still sum */
		assert_int_equal(f.footprint.activations, f.mla_workspace_bytes);
		assert_int_equal(f.footprint.held_back, (1ull << 30) - 966367641);
		if (i == 0) {
			r.dtype_k = KVP_DTYPE_FP16;
			assert_int_equal(kvp_plan_compute(&one, &r, &p, &err), KVP_OK);
			assert_int_equal(p.trtllm_mla_workspace_bytes, 0);
			assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
			assert_int_equal(f.budget_bytes, 966367641);
			assert_int_equal(f.mla_workspace_bytes, 0);
			r.dtype_k = KVP_DTYPE_FP8;
			r.trtllm_cpp = true;
			assert_int_equal(kvp_plan_compute(&one, &r, &p, &err), KVP_OK);
			assert_int_equal(p.trtllm_mla_workspace_bytes, 0);
			r.trtllm_cpp = false;
			r.engine = KVP_ENGINE_VLLM;
			assert_int_equal(kvp_plan_compute(&one, &r, &p, &err), KVP_OK);
			assert_int_equal(p.trtllm_mla_workspace_bytes, 0);
		}
	}
}

/* The MLA workspace room per pipeline stage and with a draft: k is the
 * stage's cache bytes a token, a draft's or MTP layers' with them
 * (_util.py's _get_kv_size_per_token().slope, the rank's own layers).
 * The model of test_trtllm_mla_workspace, max_context 1,000, on 1 GiB at
 * 0.9, B = 966,367,641 on each stage (no weights), w = 5,120:
 *   - pp 2, one layer a stage, k = 576: R = B x 5,120 / 5,696 =
 *     868,645,070.56, budget int(97,722,570.44) = 97,722,570 on both,
 *     admitting int(R / w) = 169,657 tokens;
 *   - pp 2 with one MTP layer, on the last stage: stage 0 as above,
 *     stage 1 k = 1,152, budget 177,496,097 (the pp 1 figure); stage 1
 *     binds: 177,496,097 // 1,152 = 154,076 tokens against stage 0's
 *     97,722,570 // 576 = 169,657;
 *   - pp 1 with the MTP layer, k = 1,728: R = B x 5,120 / 6,848 =
 *     722,517,862.43, budget int(243,849,778.57) = 243,849,778,
 *     admitting 141,116 tokens.
 * And the token count as TensorRT-LLM logs it, int(R / w), not the room
 * over w: at pp 1, B = 627,199,999 = 6,272 x 100,000 - 1 (1.0 of a
 * device of that size), R = 511,999,999.18, the room taken B - int(B -
 * R) = 512,000,000 B, which is 100,000 x w, but the log says 99,999. */
static void test_trtllm_mla_workspace_stages(void **state)
{
	kvp_model m = testmodel_new(2, 2048, 16, 16, 0, 0);
	kvp_device d = testmodel_device(1ull << 30), edge = testmodel_device(627199999);
	static const struct {
		uint32_t pp, mtp;
		uint64_t budget[2], admitted;
		uint32_t stage;
	} cases[] = {
		{2, 0, {97722570, 97722570}, 169657, 0},
		{2, 1, {97722570, 177496097}, 154076, 1},
		{1, 1, {243849778, 0}, 141116, 0},
	};
	kvp_request r;
	kvp_plan p;
	kvp_fit f;
	kvp_error err;

	(void)state;
	testmodel_deepseek_mla(&m);
	m.max_context = 1000;
	m.mtp_layers = 1;
	m.rope = KVP_ROPE_NONE; /* the workspace alone, as above */
	if (kvp_model_finalize(&m, &err) != KVP_OK)
		fail_msg("%s", err.message);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		kvp_request_init(&r);
		r.engine = KVP_ENGINE_TRTLLM;
		r.seq = 8;
		r.pp = cases[i].pp;
		r.mtp_layers = cases[i].mtp;
		r.dtype_k = KVP_DTYPE_FP8;
		assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
		assert_int_equal(kvp_plan_fit(&p, &d, &f, &err), KVP_OK);
		for (uint32_t s = 0; s < cases[i].pp; s++)
			assert_int_equal(f.stage_budget[s], cases[i].budget[s]);
		assert_int_equal(f.stage, cases[i].stage);
		assert_int_equal(f.budget_bytes, cases[i].budget[cases[i].stage]);
		assert_int_equal(f.mla_workspace_bytes,
		                 966367641 - cases[i].budget[cases[i].stage]);
		assert_int_equal(f.mla_workspace_tokens, cases[i].admitted);
	}
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_TRTLLM;
	r.seq = 8;
	r.mem_util = 1.0;
	r.dtype_k = KVP_DTYPE_FP8;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &edge, &f, &err), KVP_OK);
	assert_int_equal(f.budget_bytes, 115199999);
	assert_int_equal(f.mla_workspace_bytes, 512000000);
	assert_int_equal(f.mla_workspace_tokens, 99999);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_unloaded_params),
		cmocka_unit_test(test_sglang_preload),
		cmocka_unit_test(test_sglang_preload_logs),
		cmocka_unit_test(test_parts_sum),
		cmocka_unit_test(test_llama_fit),
		cmocka_unit_test(test_vllm_profile_by_hand),
		cmocka_unit_test(test_stage_need),
		cmocka_unit_test(test_vllm_profile_logs),
		cmocka_unit_test(test_trtllm_mla_workspace),
		cmocka_unit_test(test_trtllm_mla_workspace_stages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
