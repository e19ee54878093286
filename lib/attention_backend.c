/*
 * attention_backend.c — the attention backend an engine picks on a device,
 * by its arch, and the block (vLLM) or page (SGLang) that backend makes it
 * take: vLLM's for a model with MLA layers (below), SGLang's for every
 * model (sglang_backend, at the end).
 *
 * vLLM v0.18 and later (PR #35122; read on main at vllm/platforms/cuda.py,
 * CudaPlatformBase.check_and_update_config and _get_backend_priorities,
 * and vllm/v1/attention/backend.py, AttentionBackend.
 * get_preferred_block_size): when the request gives no block size and the
 * model uses MLA, the platform selects the first backend of its priority
 * list that takes the device's compute capability and the cache type,
 * and asks it for a block size: 16 where one of its kernel's sizes
 * divides 16, its smallest size otherwise.  The backends, each with its
 * capability, its cache types and its kernel's sizes:
 *
 *   FLASH_ATTN_MLA (mla/flashattn_mla.py)  major 9   auto, bf16  multiples of 16
 *   FLASHMLA       (mla/flashmla.py)       major 9*  auto, fp8   64
 *   FLASHINFER_MLA (mla/flashinfer_mla.py) major 10  auto, fp8   32, 64
 *   CUTLASS_MLA    (mla/cutlass_mla.py)    major 10  auto, fp8   128
 *   TRITON_MLA     (mla/triton_mla.py)     any       auto, fp8   multiples of 16
 *
 * (* is_flashmla_dense_supported passes on Hopper only.)  Major 10 tries
 * FLASHINFER_MLA first; every other tries FLASH_ATTN_MLA, FLASHMLA,
 * FLASHINFER_MLA, then TRITON_MLA.  So: 16 on Hopper (FLASH_ATTN_MLA),
 * 64 there with an fp8 cache (FLASHMLA), 32 on B200 and B300
 * (FLASHINFER_MLA), 16 on every other NVIDIA GPU (TRITON_MLA).  ROCm
 * (vllm/platforms/rocm.py) takes TRITON_MLA, 16, unless VLLM_ROCM_USE_AITER
 * is set (default off, vllm/envs.py), and ROCM_AITER_MLA's cache blocks
 * are 16 as well since PR #27715.  A published v0.19.0 log agrees: vLLM
 * on an H100 gave DeepSeek-V2-Lite 1,505,552 = 94,097 x 16 tokens.
 *
 * A block the request gives is vLLM's --block-size: the backends whose
 * kernel does not divide it are passed over ("--block-size N precluded
 * higher-priority backend(s)"), as with 16 on an H100 with fp8, which
 * takes TRITON_MLA.  A model with recurrent layers has its block set by
 * HybridAttentionMambaModelConfig instead (engine.c), which the platform
 * leaves alone.
 *
 * Before 0.18 vLLM forced FlashMLA's 64 on Hopper, a block given
 * included, which is followed from 0.8 (below); its Blackwell rule then
 * is not.  The sparse MLA models (model_type deepseek_v32, glm_moe_dsa)
 * take their own backends (vllm_sparse_backend).  Not followed: the
 * per-token-head and fp8_ds_mla cache types, which the dense backends
 * above do not take; and a backend the user names (--attention-backend).
 */
#include <string.h>

#include "engine.h"

#define TYPE_IN(m, list) kvp__model_type_in((m), (list), sizeof (list) / sizeof *(list))

/* The sparse MLA architectures (DeepSeek-V3.2, GLM-5: an indexer, whose
 * key kvp_model index_head_dim sizes), which take each engine's sparse
 * backend; model types match as engine.c's do (a prefix, '-' as '_'). */
static const char *const sparse_mla[] = {"deepseek_v32", "glm_moe_dsa"};

bool kvp__sparse_mla(const kvp_model *m)
{
	/* kvp_model_finalize gives the listed types their index_head_dim. */
	return m->index_head_dim != 0 || TYPE_IN(m, sparse_mla);
}

/* Whether vLLM runs model m of request r through a dense MLA backend: it
 * has MLA layers that keep their latent (vLLM never expands it), and is
 * not a sparse one (FLASHMLA_SPARSE). */
static bool dense_mla(const kvp_model *m, const kvp_request *r)
{
	return r->mla == KVP_MLA_LATENT && kvp_model_count_layers(m, KVP_LAYER_MLA) > 0 &&
	       !kvp__sparse_mla(m);
}

/* An MLA backend: the compute capability majors it runs on (0: any), and
 * its kernel's block: a block of B tokens suits it when that divides B
 * (16 for a kernel of multiples of 16); given none, vLLM takes 16 where
 * the kernel divides it, else the kernel's smallest. */
struct backend {
	const char *name;
	uint32_t major;     /* 9, 10, or 0 for any */
	bool fp8;           /* takes an fp8 cache */
	uint32_t kernel;    /* the smallest block its kernel takes */
};

static const struct backend flash_attn_mla = {"FLASH_ATTN_MLA", 9, false, 16};
static const struct backend flashmla = {"FLASHMLA", 9, true, 64};
static const struct backend flashinfer_mla = {"FLASHINFER_MLA", 10, true, 32};
static const struct backend cutlass_mla = {"CUTLASS_MLA", 10, true, 128};
static const struct backend triton_mla = {"TRITON_MLA", 0, true, 16};

/* _get_backend_priorities(use_mla=True, capability): major 10 first
 * tries Blackwell's own; FLASHMLA_SPARSE, last in both, only takes sparse
 * models. */
static const struct backend *const blackwell[] = {
	&flashinfer_mla, &cutlass_mla, &flash_attn_mla, &flashmla, &triton_mla, NULL};
static const struct backend *const others[] = {
	&flash_attn_mla, &flashmla, &flashinfer_mla, &triton_mla, NULL};

/* vLLM's sparse MLA backends (DeepSeek-V3.2, GLM-5; from 0.11, PR #25988
 * of 2025-09-30), block 64 whatever is given (platforms/cuda.py: "Forcing
 * kv cache block size to 64 for FlashMLASparse backend"; the indexer's
 * backend, DeepseekV32IndexerBackend, takes [64] on CUDA): on Hopper and
 * Blackwell FLASHMLA_SPARSE (attention/backends/mla/flashmla_sparse.py:
 * auto, bf16, fp8 as fp8_ds_mla, 656 B a token), but an fp8 cache on
 * Blackwell FLASHINFER_MLA_SPARSE (PR #37252, March 2026: its plain 576
 * values, 1 B each); on SM 12.x below. */
static const char *vllm_sparse_backend(const kvp_model *model, const kvp_request *request,
                                       const kvp_device *device, uint32_t *block_size)
{
	uint32_t major = kvp__device_sm(device) / 10;
	kvp_dtype t = request->dtype_k;

	/* ROCm: ROCM_AITER_MLA_SPARSE (PR #26670, from 0.12: its first
	 * release is not established), the only candidate (rocm.py
	 * _get_backend_priorities), on AITER (VLLM_ROCM_USE_AITER=1; the
	 * indexer's forward_hip refuses otherwise).  Until PR #41217 (about
	 * May 2026; taken from 0.21, a guess) bf16 and blocks of 1 alone
	 * ("Sparse MLA backend on ROCm only supports block size 1"); since,
	 * kernel blocks of 1 or of 16s that divide the manager's block,
	 * vLLM's 16 on ROCm or the one given, and fp8 kept plain, 576 B
	 * (MLAAttentionSpec.real_page_size_bytes). */
	if (kvp__device_amd(device)) {
		bool now = kvp__vllm_since(request, 21);

		if (!kvp__vllm_since(request, 12) || request->mla != KVP_MLA_LATENT ||
		    (t != KVP_DTYPE_FP16 && t != KVP_DTYPE_BF16 && (!now || t != KVP_DTYPE_FP8)))
			return NULL;
		*block_size = !now ? 1 : request->block_size ? request->block_size : 16;
		return "ROCM_AITER_MLA_SPARSE";
	}
	/* Compute capability 12.x (RTX 5090, RTX PRO 6000, GB10):
	 * FLASHINFER_MLA_SPARSE_SM120, from 0.24 (PR #43477, merged
	 * 2026-06-22; before it no backend took a sparse model there,
	 * vLLM issue #45317), the only sparse candidate of its priorities,
	 * blocks of 64 (the indexer's).  It keeps the latent as fp8_ds_mla
	 * whatever the cache type (mla_attention.py
	 * _canonicalize_sparse_mla_kv_cache_dtype: auto, fp8 and fp8_e4m3
	 * all fp8_ds_mla; an explicit 16-bit type refused).  auto's rewrite
	 * is read at 0.27.1 (6e448d0ea): kvplan's 16-bit cache, vLLM's auto,
	 * is taken from 0.27 and fp8 from 0.24.  Its supports_combination
	 * also wants a top-k buffer 2,048 wide (index_topk rounded up to
	 * 128; DeepSeek-V3.2's and GLM-5's) and a bf16 model, which kvplan's
	 * 16-bit weights do not tell from fp16 (research:
	 * /work/research/vllm-sm120-sparse-mla.md). */
	if (major == 12) {
		bool sixteen = t == KVP_DTYPE_FP16 || t == KVP_DTYPE_BF16;
		uint64_t topk = model->index_topk ? model->index_topk : 2048;

		if (!kvp__vllm_since(request, 24) || request->mla != KVP_MLA_LATENT ||
		    (topk + 127) / 128 * 128 != 2048 ||
		    (!sixteen && t != KVP_DTYPE_FP8 && t != KVP_DTYPE_FP8_DS_MLA) ||
		    (sixteen && !kvp__vllm_since(request, 27)))
			return NULL;
		*block_size = 64;
		return "FLASHINFER_MLA_SPARSE_SM120";
	}
	if (!kvp__vllm_since(request, 11) || request->mla != KVP_MLA_LATENT ||
	    (major != 9 && major != 10) ||
	    (t != KVP_DTYPE_FP16 && t != KVP_DTYPE_BF16 && t != KVP_DTYPE_FP8 &&
	     t != KVP_DTYPE_FP8_DS_MLA))
		return NULL;
	*block_size = 64;
	/* PR #37252's release was not established: taken from 0.18, the
	 * first after its merge that kvplan reads (a guess, said so). */
	return major == 10 && t == KVP_DTYPE_FP8 && kvp__vllm_since(request, 18)
	       ? "FLASHINFER_MLA_SPARSE" : "FLASHMLA_SPARSE";
}

static const char *vllm_backend(const kvp_model *model, const kvp_request *request,
                                const kvp_device *device, uint32_t *block_size)
{
	const struct backend *const *list = others;
	uint32_t major;
	bool fp8;

	if (kvp__sparse_mla(model) && kvp_model_count_layers(model, KVP_LAYER_MLA))
		return vllm_sparse_backend(model, request, device, block_size);
	if (!kvp__vllm_since(request, 8) || !dense_mla(model, request))
		return NULL;
	/* The latent's type is the cache's: auto (the model's 16-bit type)
	 * or fp8; the others no dense backend above takes. */
	fp8 = request->dtype_k == KVP_DTYPE_FP8;
	if (!fp8 && request->dtype_k != KVP_DTYPE_FP16 && request->dtype_k != KVP_DTYPE_BF16)
		return NULL;
	major = kvp__device_sm(device) / 10;
	/* ROCm (vllm/platforms/rocm.py) without AITER, its default, takes
	 * TRITON_MLA; an arch neither NVIDIA's nor AMD's, nothing. */
	if (!major && !kvp__device_amd(device))
		return NULL;
	/* Before 0.18 (check_and_update_config before PR #35122, read in
	 * the index's copy of that form): with no backend named, FlashMLA
	 * wherever its dense kernel runs (Hopper), whatever the cache type,
	 * and a block that is not a multiple of 64, given or not, forced to
	 * 64: "Forcing kv cache block size to 64 for FlashMLA backend.", as
	 * published logs of 0.10.1 and 0.11 on H100s print it (the earliest
	 * form forced exactly 64, a given 128 too; and TRITON_MLA took fp8
	 * only from PR #34597).  Blackwell's choice then changed from release
	 * to release (CUTLASS_MLA's 128, then FLASHINFER_MLA's 64) and is not
	 * followed. */
	if (!kvp__vllm_since(request, 18)) {
		if (major == 10)
			return NULL;
		if (major != 9) {
			/* "Fallback: will use Triton MLA": no block forced. */
			*block_size = request->block_size ? request->block_size : 16;
			return triton_mla.name;
		}
		*block_size = request->block_size && request->block_size % 64 == 0
		              ? request->block_size : 64;
		return flashmla.name;
	}
	if (major == 10)
		list = blackwell;
	for (; *list; list++) {
		const struct backend *b = *list;

		/* validate_configuration: the capability, the cache type
		 * and, where the request gives a block, the kernel's. */
		if ((b->major && b->major != major) || (fp8 && !b->fp8) ||
		    (request->block_size && request->block_size % b->kernel != 0))
			continue;
		if (!request->block_size)
			*block_size = 16 % b->kernel == 0 ? 16 : b->kernel;
		else
			*block_size = request->block_size;
		return b->name;
	}
	return NULL;
}

/* SGLang, as main reads (python/sglang/srt/server_args.py
 * _run_resolution_pipeline @ 001067ff; arg_groups/model_override_base.py
 * get_default_attn_backend; arg_groups/overrides.py
 * _mla_backend_page_constraints and _page_size_default; the model files of
 * arg_groups/model_overrides/): each model's own rule first, then the
 * default backend: fa3 on Hopper; on Blackwell (compute capability 10.x)
 * trtllm_mla for the DeepSeek-V3 architectures (deepseek_v2.py
 * _deepseek_family_overrides, Kimi K2 included), flashinfer for
 * DeepSeek-V2, triton for Qwen3-Next and Qwen3.5 (qwen3_5.py, page 1
 * whatever is given), fa4 for a model whose K and V widths differ and for
 * MiMo-V2 and Step-3.5, trtllm_mha for the rest (OLMo 2 and 3 and Gemma 4
 * by their own files too); aiter on ROCm (MLA: where a rank has 16 or 128
 * kv heads, else triton); elsewhere triton for MLA, gpt-oss (its sinks)
 * and Llama 4 (llama4.py), flashinfer for the rest.  Then trtllm_mla
 * takes pages of 32 or 64 (another becomes 64), trtllm_mha 16, 32, 64 or
 * 128 (likewise), fa4 128 whatever is given; the others keep the page
 * given, or 1.  Model types match as engine.c's do: a prefix, '-' as '_'
 * (GGUF's gpt-oss). */
static const char *sglang_backend(const kvp_model *m, const kvp_request *r,
                                  const kvp_device *d, uint32_t *page)
{
	/* Their own rule, which kvplan does not follow (falcon_h1.py,
	 * granitemoehybrid.py, lfm2.py, minicpm.py, minimax_m3.py: pages of
	 * 128; deepseek_v4.py's 256). */
	static const char *const own[] = {
		"falcon_h1", "jet_nemotron", "granitemoehybrid", "lfm2", "minicpm",
		"minimax_m3", "deepseek_v4", "kimi_k3"};
	static const char *const deepseek_v2[] = {"deepseek_v2"};
	/* Their own rule on Blackwell only, where kvplan follows it. */
	static const char *const mha_own[] = {"olmo2", "olmo3", "gemma4"};
	static const char *const fa4_own[] = {"mimo_v2", "step3p5"};
	static const char *const deepseek_v3[] = {"deepseek_v3", "kimi_k2"};
	static const char *const qwen_hybrid[] = {"qwen3_next", "qwen3next", "qwen3_5"};
	static const char *const sinks[] = {"gpt_oss", "llama4"};
	uint32_t major = kvp__device_sm(d) / 10, given = r->block_size;
	/* The architecture, not kvplan's layout of its latent, decides. */
	bool mla = kvp_model_count_layers(m, KVP_LAYER_MLA) > 0;

	/* DeepSeek Sparse Attention (DeepseekV32ForCausalLM,
	 * GlmMoeDsaForCausalLM): its own backend, dsa (nsa before), and pages
	 * of 64 on CUDA whatever is given, a draft or not (model_overrides:
	 * "Setting page size to 64 for DeepSeek DSA"; DSATokenToKVPool
	 * asserts it off HIP).  ROCm's (pages of 1 without aiter's
	 * preshuffle) is not followed. */
	if (kvp__sparse_mla(m) && mla) {
		if (!major)
			return NULL;
		*page = 64;
		return "dsa";
	}
	/* A draft model or MTP layers (EAGLE) change the default backend;
	 * not followed. */
	if ((!major && !kvp__device_amd(d)) || TYPE_IN(m, own) || kvp__sparse_mla(m) ||
	    r->draft || r->mtp_layers)
		return NULL;
	if (major == 10) {
		if (mla && TYPE_IN(m, deepseek_v3)) {
			*page = given == 32 || given == 64 ? given : 64;
			return "trtllm_mla";
		}
		if (mla) {
			/* DeepSeek-V2's default; another MLA architecture may
			 * be in SGLang's DeepSeek family (trtllm_mla). */
			if (!TYPE_IN(m, deepseek_v2))
				return NULL;
			*page = given ? given : 1;
			return "flashinfer";
		}
		if (TYPE_IN(m, qwen_hybrid)) {
			*page = 1;
			return "triton";
		}
		if (TYPE_IN(m, fa4_own) || (m->head_dim_v && m->head_dim_v != m->head_dim)) {
			*page = 128;
			return "fa4";
		}
		*page = given == 16 || given == 32 || given == 64 || given == 128 ? given : 64;
		return "trtllm_mha";
	}
	if (TYPE_IN(m, mha_own) || TYPE_IN(m, fa4_own))
		return NULL;
	*page = given ? given : 1;
	if (major == 9)
		return "fa3";
	if (kvp__device_amd(d)) {
		/* ModelConfig.get_num_kv_heads(tp): max(1, kv_heads / tp). */
		uint32_t tp = r->tp ? r->tp : 1, heads = m->kv_heads / tp ? m->kv_heads / tp : 1;

		return !mla || heads == 16 || heads == 128 ? "aiter" : "triton";
	}
	return mla || TYPE_IN(m, sinks) ? "triton" : "flashinfer";
}

const char *kvp_engine_attention_backend(const kvp_model *model, const kvp_request *request,
                                         const kvp_device *device, uint32_t *block_size)
{
	if (!model || !request || !device || !block_size ||
	    !memchr(device->arch, '\0', sizeof device->arch) ||
	    !memchr(model->model_type, '\0', sizeof model->model_type))
		return NULL;
	switch (request->engine) {
	case KVP_ENGINE_VLLM:
		return vllm_backend(model, request, device, block_size);
	case KVP_ENGINE_SGLANG:
		return sglang_backend(model, request, device, block_size);
	default:
		return NULL;
	}
}
