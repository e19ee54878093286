/*
 * test_attention_backend.c — the block (vLLM) or page (SGLang) the
 * attention backend an engine picks by the device's arch makes it take
 * (lib/attention_backend.c).  vLLM (vllm/platforms/cuda.py
 * check_and_update_config on v0.18 and later), for MLA models:
 * FLASH_ATTN_MLA 16 on compute capability 9.x, FLASHMLA 64 there with an
 * fp8 cache, FLASHINFER_MLA 32 on 10.x, TRITON_MLA 16 elsewhere.  SGLang
 * (server_args.py at main): pages of 64 on 10.x for most models, 1
 * elsewhere.  Sizes are worked by hand in the comments from the models'
 * config.json: DeepSeek-V2-Lite's 27 layers of a 512 + 64 = 576-value
 * latent (1,152 B a token and layer in fp16, 576 B in fp8), Llama 2 7B's
 * 32 layers of 32 kv heads of 128.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kvplan.h"

#define GIB ((uint64_t)1 << 30)

/* deepseek-ai/DeepSeek-V2-Lite config.json. */
static const kvp_model v2_lite = {
	.name = "deepseek-v2-lite", .layers = 27, .hidden = 2048, .heads = 16,
	.kv_heads = 16, .head_dim = 192, .kv_lora_rank = 512,
	.qk_rope_dim = 64, .qk_nope_dim = 128, .v_head_dim = 128,
};

/* meta-llama/Llama-2-7b-hf: no MLA. */
static const kvp_model llama2_7b = {
	.name = "llama2-7b", .layers = 32, .hidden = 4096, .heads = 32,
	.kv_heads = 32, .head_dim = 128,
};

static kvp_device gpu(const char *name, const char *arch)
{
	kvp_device d;

	memset(&d, 0, sizeof d);
	snprintf(d.name, sizeof d.name, "%s", name);
	snprintf(d.arch, sizeof d.arch, "%s", arch);
	d.hbm_bytes = 80 * GIB;
	d.l2_bytes = 50 << 20;
	return d;
}

static kvp_request vllm(kvp_dtype t, uint64_t seq)
{
	kvp_request r;

	kvp_request_init(&r);
	r.engine = KVP_ENGINE_VLLM;
	r.dtype_k = r.dtype_v = t;
	r.seq = seq;
	return r;
}

/* The backend and block for r on a GPU of arch, or NULL and the block
 * left as it was (7). */
static void picks(const kvp_model *m, const kvp_request *r, const char *arch,
                  const char *backend, uint32_t block)
{
	kvp_device d = gpu("g", arch);
	uint32_t got = 7;
	const char *name = kvp_engine_attention_backend(m, r, &d, &got);

	if (!backend) {
		assert_null(name);
		assert_int_equal(got, 7);
		return;
	}
	assert_non_null(name);
	assert_string_equal(name, backend);
	assert_int_equal(got, block);
}

/* r settled for d: its block, and the bytes a plan of m then allocates. */
static void settles(const kvp_model *m, kvp_request r, const kvp_device *d, uint32_t block,
                    uint64_t bytes)
{
	kvp_plan p;
	kvp_error err;

	kvp_request_for_device(&r, m, d);
	assert_int_equal(r.block_size, block);
	assert_int_equal(kvp_plan_compute(m, &r, &p, &err), KVP_OK);
	assert_int_equal(p.cache_total_bytes, bytes);
}

/* The table, GPU by GPU, for the two cache types the dense backends take. */
static void test_backend_by_arch(void **state)
{
	kvp_request bf16 = vllm(KVP_DTYPE_BF16, 1030), fp16 = vllm(KVP_DTYPE_FP16, 1030);
	kvp_request fp8 = vllm(KVP_DTYPE_FP8, 1030);

	(void)state;
	/* Hopper: FLASH_ATTN_MLA takes no fp8, FLASHMLA (64 only) does. */
	picks(&v2_lite, &bf16, "sm_90", "FLASH_ATTN_MLA", 16);
	picks(&v2_lite, &fp16, "sm_90a", "FLASH_ATTN_MLA", 16);
	picks(&v2_lite, &fp8, "sm_90", "FLASHMLA", 64);
	/* Blackwell datacenter (B200 10.0, B300 10.3): FLASHINFER_MLA, its
	 * kernel 32 or 64, the smallest taken. */
	picks(&v2_lite, &bf16, "sm_100", "FLASHINFER_MLA", 32);
	picks(&v2_lite, &fp8, "sm_103", "FLASHINFER_MLA", 32);
	/* Every other NVIDIA GPU and AMD's: TRITON_MLA, multiples of 16. */
	static const char *const triton[] = {"sm_70", "sm_80", "sm_86", "sm_89",
	                                     "sm_120", "gfx942", "gfx950"};
	for (size_t i = 0; i < sizeof triton / sizeof triton[0]; i++) {
		picks(&v2_lite, &bf16, triton[i], "TRITON_MLA", 16);
		picks(&v2_lite, &fp8, triton[i], "TRITON_MLA", 16);
	}
}

/* A block the request gives passes over the backends whose kernel does
 * not divide it, and is the block. */
static void test_block_given(void **state)
{
	kvp_request fp8 = vllm(KVP_DTYPE_FP8, 1030), bf16 = vllm(KVP_DTYPE_BF16, 1030);

	(void)state;
	fp8.block_size = bf16.block_size = 16;
	picks(&v2_lite, &fp8, "sm_90", "TRITON_MLA", 16);    /* not FLASHMLA's 64 */
	picks(&v2_lite, &bf16, "sm_90", "FLASH_ATTN_MLA", 16);
	picks(&v2_lite, &fp8, "sm_100", "TRITON_MLA", 16);   /* not 32 or 128 */
	fp8.block_size = 64;
	picks(&v2_lite, &fp8, "sm_90", "FLASHMLA", 64);
	fp8.block_size = 128;
	picks(&v2_lite, &fp8, "sm_100", "FLASHINFER_MLA", 128);
	fp8.block_size = 48;
	picks(&v2_lite, &fp8, "sm_90", "TRITON_MLA", 48);
	picks(&v2_lite, &fp8, "gfx942", "TRITON_MLA", 48);
	fp8.block_size = 8;                                   /* none takes it */
	picks(&v2_lite, &fp8, "sm_90", NULL, 0);
	picks(&v2_lite, &fp8, "gfx942", NULL, 0);
}

/* Releases 0.8 to 0.17: FlashMLA on Hopper whatever the cache type, its
 * block forced to 64 unless a multiple of it (a given one too); Triton's
 * MLA elsewhere, the block as given or 16. */
static void test_before_018(void **state)
{
	kvp_request bf16 = vllm(KVP_DTYPE_BF16, 1030), fp8 = vllm(KVP_DTYPE_FP8, 1030);

	(void)state;
	bf16.vllm_version = fp8.vllm_version = 17;
	picks(&v2_lite, &bf16, "sm_90", "FLASHMLA", 64);
	picks(&v2_lite, &fp8, "sm_90", "FLASHMLA", 64);
	picks(&v2_lite, &bf16, "sm_80", "TRITON_MLA", 16);
	picks(&v2_lite, &bf16, "gfx942", "TRITON_MLA", 16);
	bf16.vllm_version = 8;
	picks(&v2_lite, &bf16, "sm_90", "FLASHMLA", 64);
	bf16.block_size = 16;                       /* forced up */
	picks(&v2_lite, &bf16, "sm_90", "FLASHMLA", 64);
	picks(&v2_lite, &bf16, "sm_89", "TRITON_MLA", 16);
	bf16.block_size = 128;                      /* a multiple: kept */
	picks(&v2_lite, &bf16, "sm_90", "FLASHMLA", 128);
	/* kvp_request_for_device replaces the given 16 as vLLM did. */
	{
		kvp_device h100 = gpu("h100-sxm", "sm_90");

		bf16.block_size = 16;
		kvp_request_for_device(&bf16, &v2_lite, &h100);
		assert_int_equal(bf16.block_size, 64);
	}
}

/* Where no rule applies: nothing picked, the block untouched. */
static void test_no_rule(void **state)
{
	kvp_request r = vllm(KVP_DTYPE_FP8, 1030), other;
	kvp_device h100 = gpu("h100", "sm_90");
	uint32_t block = 7;

	(void)state;
	picks(&v2_lite, &r, "", NULL, 0);           /* no arch known */
	picks(&llama2_7b, &r, "sm_90", NULL, 0);    /* no MLA layers */
	other = r;
	other.mla = KVP_MLA_EXPANDED;               /* not how vLLM caches */
	picks(&v2_lite, &other, "sm_90", NULL, 0);
	other = r;
	other.vllm_version = 7;                     /* before v0.8 */
	picks(&v2_lite, &other, "sm_90", NULL, 0);
	other.vllm_version = 17;                    /* B200 before v0.18 */
	picks(&v2_lite, &other, "sm_100", NULL, 0);
	other = r;
	other.engine = KVP_ENGINE_LLAMA_CPP;
	picks(&v2_lite, &other, "sm_90", NULL, 0);
	/* Cache types no dense MLA backend takes. */
	static const kvp_dtype types[] = {KVP_DTYPE_FP8_DS_MLA, KVP_DTYPE_FP8_PTH,
	                                  KVP_DTYPE_INT8_PTH, KVP_DTYPE_FP32};
	for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
		other = r;
		other.dtype_k = other.dtype_v = types[i];
		picks(&v2_lite, &other, "sm_90", NULL, 0);
	}
	/* The sparse MLA architectures off Hopper and Blackwell. */
	static const char *const sparse[] = {"deepseek_v32", "glm_moe_dsa"};
	for (size_t i = 0; i < sizeof sparse / sizeof sparse[0]; i++) {
		kvp_model m = v2_lite;

		snprintf(m.model_type, sizeof m.model_type, "%s", sparse[i]);
		picks(&m, &r, "sm_80", NULL, 0);
		other = r;
		other.vllm_version = 20;            /* fp8 on ROCm before 0.21 */
		picks(&m, &other, "gfx942", NULL, 0);
	}
	/* An arch neither NVIDIA's nor AMD's (a device never checked). */
	picks(&v2_lite, &r, "gfxzz", NULL, 0);
	picks(&v2_lite, &r, "tpu_v5", NULL, 0);
	assert_null(kvp_engine_attention_backend(NULL, &r, &h100, &block));
	assert_null(kvp_engine_attention_backend(&v2_lite, NULL, &h100, &block));
	assert_null(kvp_engine_attention_backend(&v2_lite, &r, NULL, &block));
	/* An arch with no terminator is no arch. */
	memset(h100.arch, 'x', sizeof h100.arch);
	assert_null(kvp_engine_attention_backend(&v2_lite, &r, &h100, &block));
	assert_int_equal(block, 7);
}

/* kvp_request_for_device settles the block, unless given, and a plan
 * follows it.  At 1,030 tokens a request takes cdiv(1030, B) blocks of B:
 * 65 x 16 = 1,040 tokens, 33 x 32 = 1,056, 17 x 64 = 1,088; in fp8 (576 B
 * a token and layer, 27 layers) 1,040 x 15,552 = 16,174,080 B, 1,056 x
 * 15,552 = 16,422,912 B and 1,088 x 15,552 = 16,920,576 B. */
static void test_plan_follows_backend(void **state)
{
	kvp_device h100 = gpu("h100-sxm", "sm_90"), b200 = gpu("b200", "sm_100");
	kvp_device a100 = gpu("a100-80g", "sm_80"), bare = gpu("mine", "");
	kvp_request r = vllm(KVP_DTYPE_FP8, 1030), here;
	kvp_plan p;
	kvp_error err;

	(void)state;
	assert_int_equal(kvp_plan_compute(&v2_lite, &r, &p, &err), KVP_OK);
	assert_int_equal(p.cache_total_bytes, 16174080);
	here = r;
	kvp_request_for_device(&here, &v2_lite, &h100);
	assert_int_equal(here.block_size, 64);
	assert_int_equal(kvp_plan_compute(&v2_lite, &here, &p, &err), KVP_OK);
	assert_int_equal(p.groups[0].block, 64);
	assert_int_equal(p.groups[0].cells, 1088);
	assert_int_equal(p.cache_total_bytes, 16920576);
	settles(&v2_lite, r, &b200, 32, 16422912);
	/* TRITON_MLA's 16 is vLLM's default: the request is left as it is. */
	here = r;
	kvp_request_for_device(&here, &v2_lite, &a100);
	assert_int_equal(here.block_size, 0);
	/* No arch: the default stays (0, planned as 16). */
	here = r;
	kvp_request_for_device(&here, &v2_lite, &bare);
	assert_int_equal(here.block_size, 0);
	/* No model: the step is settled, the block left. */
	here = r;
	kvp_request_for_device(&here, NULL, &h100);
	assert_int_equal(here.block_size, 0);
	assert_int_equal(here.max_batched_tokens, 8192);
	/* A block given stays: --block-size 16 on the H100. */
	here = r;
	here.block_size = 16;
	kvp_request_for_device(&here, &v2_lite, &h100);
	assert_int_equal(here.block_size, 16);
	/* A model without MLA keeps vLLM's default. */
	here = r;
	kvp_request_for_device(&here, &llama2_7b, &h100);
	assert_int_equal(here.block_size, 0);
	/* Nor does one with recurrent layers settle it: vLLM's hybrid
	 * config sets the block (64 x cdiv(state, 64 x 576) for an MLA
	 * latent), the platform leaves it. */
	{
		kvp_model hybrid = v2_lite;
		kvp_error e;

		assert_int_equal(kvp_layer_pattern_parse("recurrent*3,mla", &hybrid, &e), KVP_OK);
		hybrid.ssm_conv_kernel = 4;
		hybrid.ssm_inner = 4096;
		hybrid.ssm_state = 128;
		hybrid.ssm_groups = 32;
		here = r;
		kvp_request_for_device(&here, &hybrid, &h100);
		assert_int_equal(here.block_size, 0);
	}
}

/* The pool in blocks: a 1 GiB budget (1,073,741,824 B) holds, at 576 B a
 * token and layer over 27 layers, 1,073,741,824 / (64 x 15,552 = 995,328)
 * = 1,078 blocks of 64 on the H100, 17 a request: 63 requests (1,071
 * blocks).  With 16-token blocks it would be 4,315 blocks (of 248,832 B),
 * 65 a request: 66. */
static void test_fit_and_advice(void **state)
{
	kvp_device h100 = gpu("h100-sxm", "sm_90");
	kvp_request r = vllm(KVP_DTYPE_FP8, 1030), here = r;
	kvp_plan p;
	kvp_fit f;
	kvp_advice a;
	kvp_error err;

	(void)state;
	r.kv_budget = here.kv_budget = GIB;
	assert_int_equal(kvp_plan_compute(&v2_lite, &r, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &h100, &f, &err), KVP_OK);
	assert_int_equal(f.max_batch_hbm, 66);
	kvp_request_for_device(&here, &v2_lite, &h100);
	assert_int_equal(kvp_plan_compute(&v2_lite, &here, &p, &err), KVP_OK);
	assert_int_equal(kvp_plan_fit(&p, &h100, &f, &err), KVP_OK);
	assert_int_equal(f.capacity.blocks, 1078);
	assert_int_equal(f.capacity.tokens, 1078 * 64);
	assert_int_equal(f.max_batch_hbm, 63);
	/* kvp_advise answers for the backend its device picks. */
	assert_int_equal(kvp_advise(&v2_lite, &r, &h100, &a, &err), KVP_OK);
	assert_int_equal(a.max_batch, 63);
	/* ... and settles each cache type it tries: at 3,062,432 tokens a
	 * budget of 47,627,398,247 B holds 47,850 fp8 blocks of 64 (995,328
	 * B each), less the null block vLLM's check holds back since 0.29:
	 * 47,849 x 64 = 3,062,336 tokens, not enough; in blocks of 16 it
	 * would hold 191,403, less its own null block (16 tokens) 191,402 x
	 * 16 = 3,062,432.  fp16 is short too: no type. */
	here = vllm(KVP_DTYPE_FP16, 3062432);
	here.kv_budget = UINT64_C(47627398247);
	assert_int_equal(kvp_advise(&v2_lite, &here, &h100, &a, &err), KVP_OK);
	assert_false(a.fits);
	assert_false(a.dtype_found);
	/* On the A100, TRITON_MLA's 16 for fp8 too: fp8 fits. */
	{
		kvp_device a100 = gpu("a100-80g", "sm_80");

		assert_int_equal(kvp_advise(&v2_lite, &here, &a100, &a, &err), KVP_OK);
		assert_true(a.dtype_found);
		assert_int_equal(a.dtype, KVP_DTYPE_FP8);
	}
}

/* DeepSeek Sparse Attention (DeepSeek-V3.2, GLM-5).  vLLM (from 0.11):
 * blocks of 64 whatever is given; FLASHMLA_SPARSE on Hopper and
 * Blackwell, which keeps an fp8 cache as fp8_ds_mla
 * (kvp_request_for_device sets it), but FLASHINFER_MLA_SPARSE for fp8 on
 * Blackwell; on ROCm ROCM_AITER_MLA_SPARSE; nothing before 0.11, on an
 * A100, or for a cache type none takes.  SGLang: its dsa backend and pages of 64 on CUDA,
 * a page given or an MTP draft notwithstanding; ROCm's not followed. */
static void test_sparse(void **state)
{
	kvp_model v32 = v2_lite;
	kvp_request r = vllm(KVP_DTYPE_FP8, 1030), other;
	kvp_device h100 = gpu("h100", "sm_90"), b200 = gpu("b200", "sm_100");
	kvp_device mi300x = gpu("mi300x", "gfx942");

	(void)state;
	snprintf(v32.model_type, sizeof v32.model_type, "deepseek_v32");
	v32.index_head_dim = 128;
	picks(&v32, &r, "sm_90", "FLASHMLA_SPARSE", 64);
	picks(&v32, &r, "sm_100", "FLASHINFER_MLA_SPARSE", 64);
	other = r;
	other.block_size = 16;
	picks(&v32, &other, "sm_90", "FLASHMLA_SPARSE", 64);
	other = vllm(KVP_DTYPE_BF16, 1030);
	picks(&v32, &other, "sm_100", "FLASHMLA_SPARSE", 64);
	other = vllm(KVP_DTYPE_FP8_DS_MLA, 1030);
	picks(&v32, &other, "sm_100", "FLASHMLA_SPARSE", 64);
	other = vllm(KVP_DTYPE_FP32, 1030);
	picks(&v32, &other, "sm_90", NULL, 0);
	other = r;
	other.vllm_version = 10;
	picks(&v32, &other, "sm_90", NULL, 0);
	other = r;
	kvp_request_for_device(&other, &v32, &h100);
	assert_int_equal(other.block_size, 64);
	assert_int_equal(other.dtype_k, KVP_DTYPE_FP8_DS_MLA);
	assert_int_equal(other.dtype_v, KVP_DTYPE_FP8_DS_MLA);
	other = r;
	kvp_request_for_device(&other, &v32, &b200);
	assert_int_equal(other.block_size, 64);
	assert_int_equal(other.dtype_k, KVP_DTYPE_FP8);

	/* ROCm: ROCM_AITER_MLA_SPARSE, vLLM's 16 or the block given, fp8
	 * from 0.21; before, 16 bits in blocks of 1; nothing before 0.12. */
	picks(&v32, &r, "gfx942", "ROCM_AITER_MLA_SPARSE", 16);
	other = r;
	other.block_size = 64;
	picks(&v32, &other, "gfx950", "ROCM_AITER_MLA_SPARSE", 64);
	other = vllm(KVP_DTYPE_BF16, 1030);
	other.vllm_version = 20;
	picks(&v32, &other, "gfx942", "ROCM_AITER_MLA_SPARSE", 1);
	other.vllm_version = 11;
	picks(&v32, &other, "gfx942", NULL, 0);

	r.engine = KVP_ENGINE_SGLANG;
	picks(&v32, &r, "sm_90", "dsa", 64);
	picks(&v32, &r, "sm_100", "dsa", 64);
	other = r;
	other.block_size = 1;
	other.mtp_layers = 1;
	picks(&v32, &other, "sm_90", "dsa", 64);
	picks(&v32, &r, "gfx942", NULL, 0);
	/* fp8 kept with fp8_ds_mla's scales by flashmla_kv on Hopper, raw by
	 * trtllm on Blackwell from 0.5.10 (PR #21914), scaled there
	 * before; ROCm scaled (its 0.5.8 pool); fp16, its auto, fp8 from
	 * SM100 (then raw) and 16 bits below. */
	other = r;
	kvp_request_for_device(&other, &v32, &h100);
	assert_int_equal(other.block_size, 64);
	assert_int_equal(other.dtype_k, KVP_DTYPE_FP8_DS_MLA);
	assert_int_equal(other.dtype_v, KVP_DTYPE_FP8_DS_MLA);
	other = r;
	kvp_request_for_device(&other, &v32, &b200);
	assert_int_equal(other.dtype_k, KVP_DTYPE_FP8);
	other = r;
	other.sglang_version = 509;
	kvp_request_for_device(&other, &v32, &b200);
	assert_int_equal(other.dtype_k, KVP_DTYPE_FP8_DS_MLA);
	other = r;
	kvp_request_for_device(&other, &v32, &mi300x);
	assert_int_equal(other.dtype_k, KVP_DTYPE_FP8_DS_MLA);
	other = r;
	other.dtype_k = other.dtype_v = KVP_DTYPE_FP16;
	kvp_request_for_device(&other, &v32, &b200);
	assert_int_equal(other.dtype_k, KVP_DTYPE_FP8);
	other.dtype_k = other.dtype_v = KVP_DTYPE_FP16;
	kvp_request_for_device(&other, &v32, &h100);
	assert_int_equal(other.dtype_k, KVP_DTYPE_FP16);
}

/* SGLang (server_args.py at main): its backend by arch and model, and the
 * page Blackwell's backends force. */
static void test_sglang(void **state)
{
	kvp_request r = vllm(KVP_DTYPE_FP16, 1030);
	kvp_model v3 = v2_lite, v2 = v2_lite, kimi = v2_lite, llama = llama2_7b;
	kvp_model next = llama2_7b, oss = llama2_7b, l4 = llama2_7b, wide = llama2_7b;
	kvp_model own = llama2_7b;

	(void)state;
	r.engine = KVP_ENGINE_SGLANG;
	snprintf(v3.model_type, sizeof v3.model_type, "deepseek_v3");
	v3.kv_heads = 128;
	snprintf(v2.model_type, sizeof v2.model_type, "deepseek_v2");
	snprintf(kimi.model_type, sizeof kimi.model_type, "kimi_k2");
	snprintf(llama.model_type, sizeof llama.model_type, "llama");
	snprintf(next.model_type, sizeof next.model_type, "qwen3_next");
	snprintf(oss.model_type, sizeof oss.model_type, "gpt_oss");
	snprintf(l4.model_type, sizeof l4.model_type, "llama4");
	snprintf(own.model_type, sizeof own.model_type, "falcon_h1");
	wide.head_dim_v = 64;                  /* K and V widths differ */
	/* Hopper: fa3 for every model, the page as given or 1. */
	picks(&llama, &r, "sm_90", "fa3", 1);
	picks(&v3, &r, "sm_90", "fa3", 1);
	/* Blackwell: trtllm_mla for DeepSeek-V3's architectures, trtllm_mha
	 * for most others, 64 unless a page they take is given. */
	picks(&v3, &r, "sm_100", "trtllm_mla", 64);
	picks(&kimi, &r, "sm_103", "trtllm_mla", 64);
	picks(&v2, &r, "sm_100", "flashinfer", 1);
	picks(&llama, &r, "sm_100", "trtllm_mha", 64);
	picks(&oss, &r, "sm_100", "trtllm_mha", 64);
	picks(&next, &r, "sm_100", "triton", 1);
	picks(&wide, &r, "sm_100", "fa4", 128);
	r.block_size = 32;
	picks(&llama, &r, "sm_100", "trtllm_mha", 32);
	picks(&v3, &r, "sm_100", "trtllm_mla", 32);
	picks(&llama, &r, "sm_90", "fa3", 32);
	picks(&next, &r, "sm_100", "triton", 1);    /* whatever is given */
	picks(&wide, &r, "sm_100", "fa4", 128);
	r.block_size = 128;
	picks(&llama, &r, "sm_100", "trtllm_mha", 128);
	picks(&v3, &r, "sm_100", "trtllm_mla", 64);
	r.block_size = 1;
	picks(&llama, &r, "sm_100", "trtllm_mha", 64);
	r.block_size = 0;
	/* Elsewhere: triton for MLA, gpt-oss (sinks) and Llama 4, flashinfer
	 * for the rest; aiter on AMD's, for MLA where a rank has 16 or 128
	 * kv heads. */
	picks(&llama, &r, "sm_80", "flashinfer", 1);
	picks(&llama, &r, "sm_120", "flashinfer", 1);
	picks(&oss, &r, "sm_89", "triton", 1);
	picks(&l4, &r, "sm_80", "triton", 1);
	picks(&v3, &r, "sm_80", "triton", 1);
	picks(&llama, &r, "gfx942", "aiter", 1);
	picks(&v3, &r, "gfx942", "aiter", 1);       /* 128 kv heads */
	r.tp = 2;
	picks(&v3, &r, "gfx942", "triton", 1);      /* 64 a rank */
	picks(&v2, &r, "gfx950", "triton", 1);      /* 8 a rank */
	r.tp = 8;
	picks(&v3, &r, "gfx942", "aiter", 1);       /* 16 a rank */
	r.tp = 1;
	/* Architectures with their own rule, and no arch: nothing. */
	picks(&own, &r, "sm_100", NULL, 0);
	picks(&llama, &r, "", NULL, 0);
	/* Model types as SGLang's override files spell them, a prefix and
	 * '-' as '_' (GGUF's gpt-oss). */
	{
		static const struct {
			const char *type, *arch, *backend;
			uint32_t page;
		} types[] = {
			{"qwen3_5_moe", "sm_100", "triton", 1},   /* qwen3_5.py */
			{"qwen3next", "sm_100", "triton", 1},     /* GGUF's */
			{"olmo2", "sm_100", "trtllm_mha", 64},    /* olmo2.py */
			{"olmo2", "sm_90", NULL, 0},
			{"gemma4_text", "sm_100", "trtllm_mha", 64},
			{"mimo_v2_flash", "sm_100", "fa4", 128},  /* mimo_v2.py */
			{"step3p5", "sm_80", NULL, 0},
			{"gpt-oss", "sm_80", "triton", 1},
			{"gpt-oss", "gfx942", "aiter", 1},
			{"lfm2_moe", "sm_100", NULL, 0},
			{"minimax_m3", "sm_90", NULL, 0},
		};
		for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
			kvp_model t = llama2_7b;

			snprintf(t.model_type, sizeof t.model_type, "%s", types[i].type);
			picks(&t, &r, types[i].arch, types[i].backend, types[i].page);
		}
	}
	/* MLA: an architecture other than DeepSeek-V2 and V3 on Blackwell may
	 * be in SGLang's DeepSeek family: nothing; the latent's layout
	 * (--mla expanded) does not change the architecture's backend. */
	{
		kvp_model other = v2_lite, expanded = v2;

		snprintf(other.model_type, sizeof other.model_type, "longcat_flash");
		picks(&other, &r, "sm_100", NULL, 0);
		picks(&other, &r, "sm_90", "fa3", 1);
		r.mla = KVP_MLA_EXPANDED;
		picks(&expanded, &r, "sm_100", "flashinfer", 1);
		picks(&expanded, &r, "sm_120", "triton", 1);
		r.mla = KVP_MLA_LATENT;
		r.block_size = 32;
		picks(&v2, &r, "sm_100", "flashinfer", 32);
		r.block_size = 0;
		r.tp = 32;                                  /* 16 / 32: one a rank */
		picks(&v2, &r, "gfx942", "triton", 1);
		r.tp = 1;
	}
	/* A draft model or MTP layers (EAGLE) change the default: not
	 * followed. */
	r.mtp_layers = 1;
	picks(&llama, &r, "sm_100", NULL, 0);
	r.mtp_layers = 0;
	r.draft = &llama2_7b;
	picks(&llama, &r, "sm_90", NULL, 0);
}

/* kvp_request_for_device sets SGLang's page where the backend's differs,
 * and the plan follows it: at 1,030 tokens a layer keeps pad(1030, B) + B
 * rows (the padding page), 524,288 B a token for Llama 2 7B's 32 layers in
 * fp16: (1,030 + 1) x 524,288 = 540,540,928 B in pages of 1, (1,088 + 64)
 * x 524,288 = 603,979,776 B in Blackwell's 64. */
static void test_sglang_plan(void **state)
{
	kvp_device h100 = gpu("h100-sxm", "sm_90"), b200 = gpu("b200", "sm_100");
	kvp_request r = vllm(KVP_DTYPE_FP16, 1030), here;

	(void)state;
	r.engine = KVP_ENGINE_SGLANG;
	settles(&llama2_7b, r, &h100, 0, 540540928);
	settles(&llama2_7b, r, &b200, 64, 603979776);
	/* A page trtllm_mha takes stays; another becomes 64. */
	here = r;
	here.block_size = 32;
	kvp_request_for_device(&here, &llama2_7b, &b200);
	assert_int_equal(here.block_size, 32);
	here.block_size = 1;
	kvp_request_for_device(&here, &llama2_7b, &b200);
	assert_int_equal(here.block_size, 64);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backend_by_arch),
		cmocka_unit_test(test_block_given),
		cmocka_unit_test(test_before_018),
		cmocka_unit_test(test_no_rule),
		cmocka_unit_test(test_plan_follows_backend),
		cmocka_unit_test(test_fit_and_advice),
		cmocka_unit_test(test_sparse),
		cmocka_unit_test(test_sglang),
		cmocka_unit_test(test_sglang_plan),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
