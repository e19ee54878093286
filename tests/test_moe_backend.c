/*
 * test_moe_backend.c — vLLM's experts kernel (its --moe-backend) and the
 * fused-MoE workspace its profile run leaves held (lib/moe_backend.c),
 * and a sparse MLA model's asks of the same workspace manager
 * (lib/moe_backend.c), each figure worked by hand from the kernels'
 * shapes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"
#include "testmodel.h"

/* vLLM's fused-MoE workspace a batched token (lib/moe_backend.c,
 * TritonExperts' workspace_shapes in the workspace manager), by hand.
 * Qwen3-30B-A3B (its config.json: hidden 2,048, moe_intermediate 768,
 * top-8, vocabulary 151,936): 2 x (max(8 x max(768, 2,048), 2,048) + 8 x
 * max(1,536, 2,048)) = 2 x (16,384 + 16,384) = 65,536 B, from 0.14;
 * before, none; in fp32, 131,072.  vLLM 0.19 on an H100, 8,192 tokens:
 * 536,870,912 B, beside V1's sampler, 15.5 x 1,024 x 151,936 =
 * 2,411,528,192, and 256 MiB outside PyTorch: 3,216,834,560.  Mixtral
 * (4,096, 14,336, top-2) at tp 2, I = 7,168: 2 x (14,336 + 28,672) =
 * 86,016; with expert parallelism, I whole: 2 x (28,672 + 57,344) =
 * 172,032; at tp 2 and dp 2, I = 3,584 and the tokens of both dp ranks:
 * 2 x (8,192 + 14,336) x 2 = 90,112.  gpt-oss's own kernel, int4 AWQ
 * experts before 0.22 (fused_marlin_moe, each call's), SGLang: none.  A top-k and inner size past 2^32 x
 * 2^32 saturate. */
static void test_vllm_moe_workspace(void **state)
{
	kvp_model m = testmodel_new(4, 2048, 32, 4, 151936, 1);
	kvp_device d = testmodel_device((uint64_t)(79.19 * 1073741824.0));
	kvp_vllm_profile t;
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	(void)state;
	strcpy(d.name, "h100-sxm");
	m.moe_intermediate = 768;
	m.moe_top_k = 8;
	m.moe_routed_experts = 128;
	snprintf(m.model_type, sizeof m.model_type, "qwen3_moe");
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_VLLM;
	r.vllm_version = 19;
	r.seq = 8192;
	r.profile_memory = true;
	r.weight_bytes = 1;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.moe_workspace_row_bytes, 65536);
	assert_int_equal(kvp_vllm_profile_compute(&p, &d, 0, &t, &err), KVP_OK);
	assert_int_equal(t.tokens, 8192);
	assert_int_equal(t.moe_workspace_bytes, 536870912);
	assert_int_equal(t.total_bytes, 3216834560ULL);
	r.vllm_version = 14;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.moe_workspace_row_bytes, 65536);
	r.vllm_version = 13;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.moe_workspace_row_bytes, 0);
	r.vllm_version = 0;
	r.weights_dtype = KVP_DTYPE_FP32;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.moe_workspace_row_bytes, 131072);
	r.weights_dtype = KVP_DTYPE_FP16;
	/* Latent relu2 experts (Nemotron 3 Super's kind: NemotronHMoE builds
	 * its FusedMoE of hidden_size moe_latent_size): K the latent 1,024,
	 * not hidden 2,048; N = I = 512; k 22: (22 x 1,024 + 22 x 1,024) x 2
	 * = 90,112 B a token, where hidden gave 180,224. */
	{
		kvp_model l = m;

		snprintf(l.model_type, sizeof l.model_type, "nemotron_h");
		l.moe_intermediate = 512;
		l.moe_top_k = 22;
		l.moe_routed_experts = 512;
		l.moe_latent = 1024;
		assert_int_equal(kvp_plan_compute(&l, &r, &p, &err), KVP_OK);
		assert_int_equal(p.moe_backend, KVP_MOE_TRITON);
		assert_int_equal(p.moe_workspace_row_bytes, 90112);
		l.moe_latent = 0;
		assert_int_equal(kvp_plan_compute(&l, &r, &p, &err), KVP_OK);
		assert_int_equal(p.moe_workspace_row_bytes, 180224);
	}
	/* Mixtral's shape at tp 2, under expert parallelism, at dp 2 */
	m = testmodel_new(4, 4096, 32, 8, 32000, 1);
	m.moe_intermediate = 14336;
	m.moe_top_k = 2;
	m.moe_routed_experts = 8;
	r.tp = 2;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.moe_workspace_row_bytes, 86016);
	r.expert_parallel = true;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.moe_workspace_row_bytes, 172032);
	r.expert_parallel = false;
	r.dp = 2;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.moe_workspace_row_bytes, 90112);
	r.dp = 1;
	r.vllm_version = 21;
	assert_int_equal(kvp_weights_format_parse("int4-awq:g128", &r.weights_format, &err),
	                 KVP_OK);
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.moe_workspace_row_bytes, 0);
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_VLLM;
	r.seq = 8192;
	r.weight_bytes = 1;
	snprintf(m.model_type, sizeof m.model_type, "gpt_oss");
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.moe_workspace_row_bytes, 0);
	m.model_type[0] = '\0';
	r.engine = KVP_ENGINE_SGLANG;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.moe_workspace_row_bytes, 0);
	r.engine = KVP_ENGINE_VLLM;
	m.moe_intermediate = UINT32_MAX;
	m.moe_top_k = m.moe_routed_experts = UINT32_MAX;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.moe_workspace_row_bytes, UINT64_MAX);
}


/* Qwen3-30B-A3B's shape (hidden 2,048, experts of 768, top-8, 128
 * experts) as vLLM 0.19 or later plans it, its weights counted. */
static kvp_model qwen3_moe(void)
{
	kvp_model m = testmodel_new(4, 2048, 32, 4, 151936, 1);

	m.moe_intermediate = 768;
	m.moe_top_k = 8;
	m.moe_routed_experts = 128;
	snprintf(m.model_type, sizeof m.model_type, "qwen3_moe");
	return m;
}

static kvp_device device(const char *arch)
{
	kvp_device d = testmodel_device((uint64_t)80 << 30);

	snprintf(d.arch, sizeof d.arch, "%s", arch);
	return d;
}

/* The request on a GPU of arch at version, in format ("" plain fp16),
 * planned: its backend and a batched token's bytes. */
static kvp_moe_backend planned(const kvp_model *m, const char *format, const char *arch,
                               uint32_t version, uint64_t *row)
{
	kvp_device d = device(arch);
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	kvp_request_init(&r);
	r.engine = KVP_ENGINE_VLLM;
	r.vllm_version = version;
	r.seq = 8192;
	r.weight_bytes = 1;
	if (format[0])
		assert_int_equal(kvp_weights_format_parse(format, &r.weights_format, &err),
		                 KVP_OK);
	kvp_request_for_device(&r, m, &d);
	assert_int_equal(kvp_plan_compute(m, &r, &p, &err), KVP_OK);
	*row = p.moe_workspace_row_bytes;
	return p.moe_backend;
}

/* vLLM's choice by format, compute capability and release
 * (lib/moe_backend.c vllm_auto).  Triton's and Marlin's bytes for
 * Qwen3-30B-A3B are 65,536 a token (above); FlashInfer's CUTLASS holds its
 * output alone, 2 x 2,048 = 4,096. */
static void test_vllm_auto(void **state)
{
	kvp_model m = qwen3_moe();
	uint64_t row;

	(void)state;
	/* AWQ on MarlinExperts from 0.22 (PR #42483), GPTQ from 0.20
	 * (PR #37990); fused_marlin_moe's own tensors before */
	assert_int_equal(planned(&m, "int4-awq:g128", "sm_90", 21, &row), KVP_MOE_NONE);
	assert_int_equal(row, 0);
	assert_int_equal(planned(&m, "int4-awq:g128", "sm_90", 22, &row), KVP_MOE_MARLIN);
	assert_int_equal(row, 65536);
	assert_int_equal(planned(&m, "int4-gptq:g128", "sm_80", 19, &row), KVP_MOE_NONE);
	assert_int_equal(planned(&m, "int4-gptq:g128", "sm_80", 20, &row), KVP_MOE_MARLIN);
	assert_int_equal(row, 65536);
	/* NVFP4: Marlin's fallback below Blackwell from 0.15, FlashInfer's
	 * TRT-LLM kernel on 10.x (none held), its CUTLASS on 12.x */
	assert_int_equal(planned(&m, "nvfp4", "sm_90", 15, &row), KVP_MOE_MARLIN);
	assert_int_equal(row, 65536);
	assert_int_equal(planned(&m, "nvfp4", "sm_90", 14, &row), KVP_MOE_NONE);
	assert_int_equal(planned(&m, "nvfp4", "sm_100", 0, &row), KVP_MOE_FLASHINFER_TRTLLM);
	assert_int_equal(row, 0);
	assert_int_equal(planned(&m, "nvfp4", "sm_120", 0, &row), KVP_MOE_FLASHINFER_CUTLASS);
	assert_int_equal(row, 4096);
	/* fp8 on Hopper: FlashInfer's CUTLASS in 0.15 and 0.16, Triton from
	 * 0.17; Triton on Ampere and Ada throughout */
	assert_int_equal(planned(&m, "fp8", "sm_90", 16, &row), KVP_MOE_FLASHINFER_CUTLASS);
	assert_int_equal(row, 4096);
	assert_int_equal(planned(&m, "fp8", "sm_90", 17, &row), KVP_MOE_TRITON);
	assert_int_equal(row, 65536);
	assert_int_equal(planned(&m, "fp8", "sm_89", 16, &row), KVP_MOE_TRITON);
	/* no device known: an H100's */
	assert_int_equal(planned(&m, "fp8", "", 16, &row), KVP_MOE_FLASHINFER_CUTLASS);
	/* GGUF: each call's; before 0.14 every kernel's */
	assert_int_equal(planned(&m, "q4_K", "sm_90", 0, &row), KVP_MOE_NONE);
	assert_int_equal(planned(&m, "", "sm_90", 13, &row), KVP_MOE_NONE);
	assert_int_equal(planned(&m, "", "sm_90", 0, &row), KVP_MOE_TRITON);
	/* 16 bits from 0.20 (PR #36286): FlashInfer's CUTLASS on Hopper until
	 * 0.23 (PR #44220), its TRT-LLM kernel on Blackwell; Triton on
	 * Ampere and before 0.20 */
	assert_int_equal(planned(&m, "", "sm_90", 19, &row), KVP_MOE_TRITON);
	assert_int_equal(planned(&m, "", "sm_90", 20, &row), KVP_MOE_FLASHINFER_CUTLASS);
	assert_int_equal(row, 4096);
	assert_int_equal(planned(&m, "", "sm_90", 22, &row), KVP_MOE_FLASHINFER_CUTLASS);
	assert_int_equal(planned(&m, "", "sm_90", 23, &row), KVP_MOE_TRITON);
	assert_int_equal(row, 65536);
	assert_int_equal(planned(&m, "", "sm_100", 19, &row), KVP_MOE_TRITON);
	assert_int_equal(planned(&m, "", "sm_100", 20, &row), KVP_MOE_FLASHINFER_TRTLLM);
	assert_int_equal(row, 0);
	assert_int_equal(planned(&m, "", "sm_80", 21, &row), KVP_MOE_TRITON);
	/* a given kernel before 0.14, whose experts had no manager: none */
	{
		kvp_request r;
		kvp_plan p;
		kvp_error err;

		kvp_request_init(&r);
		r.engine = KVP_ENGINE_VLLM;
		r.vllm_version = 13;
		r.seq = 8192;
		r.weight_bytes = 1;
		r.moe_backend = KVP_MOE_TRITON;
		assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
		assert_int_equal(p.moe_backend, KVP_MOE_NONE);
		assert_int_equal(p.moe_workspace_row_bytes, 0);
	}
	/* Nemotron-H's relu2 on Blackwell: FlashInfer's CUTLASS until its
	 * TRT-LLM kernel took it, 0.24 */
	snprintf(m.model_type, sizeof m.model_type, "nemotron_h");
	assert_int_equal(planned(&m, "", "sm_100", 23, &row), KVP_MOE_FLASHINFER_CUTLASS);
	assert_int_equal(planned(&m, "", "sm_100", 24, &row), KVP_MOE_FLASHINFER_TRTLLM);
	snprintf(m.model_type, sizeof m.model_type, "qwen3_moe");
	/* gpt-oss-20b (hidden 2,880, experts of 2,880, top-4, 32): OpenAI's
	 * kernel on Hopper, Marlin's on Ampere and 12.x from 0.17, the inner size
	 * padded to 2,944 and the hidden to 3,072: 2 x (4 x 3,072 + 4 x
	 * 5,888) = 71,680 */
	m = testmodel_new(4, 2880, 64, 8, 201088, 1);
	m.moe_intermediate = 2880;
	m.moe_top_k = 4;
	m.moe_routed_experts = 32;
	snprintf(m.model_type, sizeof m.model_type, "gpt_oss");
	assert_int_equal(planned(&m, "mxfp4", "sm_90", 0, &row), KVP_MOE_NONE);
	assert_int_equal(planned(&m, "mxfp4", "sm_100", 0, &row), KVP_MOE_NONE);
	assert_int_equal(planned(&m, "mxfp4", "sm_80", 16, &row), KVP_MOE_NONE);
	assert_int_equal(planned(&m, "mxfp4", "sm_80", 17, &row), KVP_MOE_MARLIN);
	assert_int_equal(row, 71680);
	assert_int_equal(planned(&m, "mxfp4", "sm_120", 0, &row), KVP_MOE_MARLIN);
	/* another MXFP4 model: Marlin's from 0.19 */
	m = qwen3_moe();
	assert_int_equal(planned(&m, "mxfp4", "sm_100", 19, &row), KVP_MOE_MARLIN);
	assert_int_equal(row, 65536);
	/* a dense model: none to choose */
	m.moe_top_k = 0;
	assert_int_equal(planned(&m, "", "sm_90", 0, &row), KVP_MOE_AUTO);
	assert_int_equal(row, 0);
}

/* The kernel given, and the shapes of each.  Qwen3-30B-A3B at 8,192
 * tokens under DeepGEMM: 8,192 x 8 rows + 128 experts x 127 = 81,792
 * (639 x 128, already a multiple), each 2 x (max(768, 2,048) + max(1,536,
 * 2,048)) = 8,192 B: 670,040,064; with expert parallelism at tp 2, 64
 * experts of 768 whole a GPU: 65,536 + 8,128 = 73,664, rounded up to
 * 73,728, x 8,192 = 603,979,776.  Nemotron-H's relu2, not gated, with
 * experts of 1,536: 2 x (8 x 2,048 + 8 x max(1,536, 2,048)) = 65,536
 * where a gated one takes 2 x (16,384 + 8 x 3,072) = 81,920.  The
 * request's kernel passes kvp_request_for_device untouched. */
static void test_given(void **state)
{
	kvp_model m = qwen3_moe();
	kvp_device d = device("sm_90");
	kvp_vllm_profile t;
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	(void)state;
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_VLLM;
	r.seq = 8192;
	r.weight_bytes = 1;
	r.profile_memory = true;
	r.max_batched_tokens = 8192;
	assert_int_equal(kvp_moe_backend_from_name("DEEP_GEMM", &r.moe_backend, &err), KVP_OK);
	assert_int_equal(r.moe_backend, KVP_MOE_DEEP_GEMM);
	kvp_request_for_device(&r, &m, &d);
	assert_int_equal(r.moe_backend, KVP_MOE_DEEP_GEMM);
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.moe_backend, KVP_MOE_DEEP_GEMM);
	assert_int_equal(p.moe_top_k, 8);
	assert_int_equal(p.moe_pad_rows, 16256);
	assert_int_equal(kvp_vllm_profile_compute(&p, &d, 0, &t, &err), KVP_OK);
	assert_int_equal(t.tokens, 8192);
	assert_int_equal(t.moe_workspace_bytes, 670040064);
	r.tp = 2;
	r.expert_parallel = true;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.moe_pad_rows, 8128);
	assert_int_equal(kvp_vllm_profile_compute(&p, &d, 0, &t, &err), KVP_OK);
	assert_int_equal(t.moe_workspace_bytes, 603979776);
	r.tp = 1;
	r.expert_parallel = false;
	r.moe_backend = KVP_MOE_FLASHINFER_CUTLASS;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.moe_workspace_row_bytes, 4096);
	assert_int_equal(p.moe_pad_rows, 0);
	r.moe_backend = KVP_MOE_TRITON;
	m.moe_intermediate = 1536;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.moe_workspace_row_bytes, 81920);
	snprintf(m.model_type, sizeof m.model_type, "nemotron_h");
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.moe_workspace_row_bytes, 65536);
	/* ... but MarlinExperts reserve 2I whatever the activation:
	 * 81,920 */
	r.moe_backend = KVP_MOE_MARLIN;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.moe_workspace_row_bytes, 81920);
	/* auto with dp > 1 in FlashInfer's window on Hopper: Triton; on
	 * Blackwell the TRT-LLM kernel still */
	r.moe_backend = KVP_MOE_AUTO;
	r.vllm_version = 21;
	r.dp = 2;
	kvp_request_for_device(&r, &m, &d);
	assert_int_equal(r.moe_backend, KVP_MOE_TRITON);
	r.moe_backend = KVP_MOE_AUTO;
	snprintf(m.model_type, sizeof m.model_type, "qwen3_moe");
	{
		kvp_device b200 = device("sm_100");

		kvp_request_for_device(&r, &m, &b200);
		assert_int_equal(r.moe_backend, KVP_MOE_FLASHINFER_TRTLLM);
	}
	/* fp8 under expert parallelism on Hopper: FlashInfer's CUTLASS
	 * over two GPUs or more, Triton on one */
	r.dp = 1;
	r.vllm_version = 17;
	r.weights_dtype = KVP_DTYPE_FP8;
	r.expert_parallel = true;
	r.moe_backend = KVP_MOE_AUTO;
	kvp_request_for_device(&r, &m, &d);
	assert_int_equal(r.moe_backend, KVP_MOE_TRITON);
	r.tp = 2;
	r.moe_backend = KVP_MOE_AUTO;
	kvp_request_for_device(&r, &m, &d);
	assert_int_equal(r.moe_backend, KVP_MOE_FLASHINFER_CUTLASS);
	r.tp = 1;
	r.expert_parallel = false;
	r.weights_dtype = KVP_DTYPE_FP16;
	r.vllm_version = 21;
	r.moe_backend = KVP_MOE_AUTO;
	r.dp = 1;
	kvp_request_for_device(&r, &m, &d);
	assert_int_equal(r.moe_backend, KVP_MOE_FLASHINFER_CUTLASS);
	/* another engine's request is left auto */
	r.moe_backend = KVP_MOE_AUTO;
	r.engine = KVP_ENGINE_SGLANG;
	kvp_request_for_device(&r, &m, &d);
	assert_int_equal(r.moe_backend, KVP_MOE_AUTO);
}

/* A sparse MLA model's asks of the manager at max_model_len 202,752
 * (GLM-5's): the indexer's 40 x 202,752 = 8,110,080 rows of 128 fp8
 * values (1,038,090,240 B) and 4 scale bytes (32,440,320), and 1 MiB:
 * 1,071,579,136; FlashMLA-sparse's, with an fp8_ds_mla cache, 5 x 202,752
 * rows of 576 bf16 values: 1,167,851,520.  Both multiples of 256 already.
 * The buffer holds the larger of these and the experts' (DeepSeek-V3's
 * shape has none here: a dense test model).  None before 0.14, expanded,
 * or under SGLang. */
static void test_sparse(void **state)
{
	kvp_model m = testmodel_deepseek_v3();
	kvp_device d = device("sm_90");
	kvp_vllm_profile t;
	kvp_request r;
	kvp_plan p;
	kvp_error err;

	(void)state;
	snprintf(m.model_type, sizeof m.model_type, "deepseek_v32");
	m.index_head_dim = 128;
	assert_int_equal(kvp_model_finalize(&m, &err), KVP_OK);
	kvp_request_init(&r);
	r.engine = KVP_ENGINE_VLLM;
	r.seq = 202752;
	r.weight_bytes = 1;
	r.profile_memory = true;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.sparse_workspace_bytes, 1071579136);
	assert_int_equal(kvp_vllm_profile_compute(&p, &d, 0, &t, &err), KVP_OK);
	assert_int_equal(t.moe_workspace_bytes, 0);
	assert_int_equal(t.workspace_bytes, 1071579136);
	r.dtype_k = r.dtype_v = KVP_DTYPE_FP8_DS_MLA;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.sparse_workspace_bytes, 1167851520);
	/* the larger ask holds the buffer: experts of 768, top-8, on this
	 * model's hidden 7,168 under Triton take 2 x (8 x 7,168 + 8 x 7,168)
	 * = 229,376 B a token: 8,192 tokens 1,879,048,192, over FlashMLA's;
	 * 4,096 tokens 939,524,096, under it */
	m.moe_intermediate = 768;
	m.moe_top_k = 8;
	m.moe_routed_experts = 128;
	r.max_batched_tokens = 8192;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_vllm_profile_compute(&p, &d, 0, &t, &err), KVP_OK);
	assert_int_equal(t.moe_workspace_bytes, 1879048192);
	assert_int_equal(t.workspace_bytes, 1879048192);
	r.max_batched_tokens = 4096;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_vllm_profile_compute(&p, &d, 0, &t, &err), KVP_OK);
	assert_int_equal(t.moe_workspace_bytes, 939524096);
	assert_int_equal(t.workspace_bytes, 1167851520);
	r.vllm_version = 13;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.sparse_workspace_bytes, 0);
	r.vllm_version = 0;
	r.dtype_k = r.dtype_v = KVP_DTYPE_FP16;
	r.mla = KVP_MLA_EXPANDED;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.sparse_workspace_bytes, 0);
	r.mla = KVP_MLA_LATENT;
	r.engine = KVP_ENGINE_SGLANG;
	r.dtype_k = r.dtype_v = KVP_DTYPE_FP8;
	assert_int_equal(kvp_plan_compute(&m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.sparse_workspace_bytes, 0);
}

/* Names both ways; vLLM's others named as not modelled, anything else
 * as unknown, its control characters escaped; "none" is kvplan's
 * alone. */
static void test_names(void **state)
{
	kvp_moe_backend b = KVP_MOE_AUTO;
	kvp_error err;

	(void)state;
	for (int i = 0; i < KVP_MOE_NONE; i++) {
		assert_int_equal(kvp_moe_backend_from_name(kvp_moe_backend_name((kvp_moe_backend)i),
		                                           &b, &err), KVP_OK);
		assert_int_equal(b, i);
	}
	assert_string_equal(kvp_moe_backend_name(KVP_MOE_NONE), "none");
	assert_string_equal(kvp_moe_backend_name((kvp_moe_backend)99), "unknown");
	assert_int_equal(kvp_moe_backend_from_name("none", &b, &err), KVP_ERR_NOT_FOUND);
	assert_int_equal(kvp_moe_backend_from_name("aiter", &b, &err), KVP_ERR_NOT_FOUND);
	assert_non_null(strstr(err.message, "is vLLM's, but its workspace is not modelled"));
	assert_int_equal(kvp_moe_backend_from_name("trit\x01on", &b, &err), KVP_ERR_NOT_FOUND);
	assert_non_null(strstr(err.message, "unknown MoE backend"));
	assert_null(strchr(err.message, '\x01'));
	/* left as it was: the last name of the loop's */
	assert_int_equal(b, KVP_MOE_MARLIN);
	assert_int_equal(kvp_moe_backend_from_name(NULL, &b, &err), KVP_ERR_INVALID);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vllm_moe_workspace),
		cmocka_unit_test(test_vllm_auto),
		cmocka_unit_test(test_given),
		cmocka_unit_test(test_sparse),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
