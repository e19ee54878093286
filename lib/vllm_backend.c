/*
 * vllm_backend.c — the attention backend vLLM picks for a model with MLA
 * layers on a device, and the block size that backend makes it take.
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
 * Not followed: vLLM before 0.18, which forced FlashMLA's 64 on Hopper;
 * the sparse MLA models (index_topk, FLASHMLA_SPARSE, 64), whose indexer
 * cache kvplan does not model; the per-token-head and fp8_ds_mla cache
 * types, which the dense backends above do not take; and a backend the
 * user names (--attention-backend).
 */
#include <string.h>

#include "engine.h"

/* Whether vLLM runs model m of request r through an MLA backend: it has
 * MLA layers and they keep their latent (vLLM never expands it). */
static bool uses_mla(const kvp_model *m, const kvp_request *r)
{
	return r->mla == KVP_MLA_LATENT && kvp_model_count_layers(m, KVP_LAYER_MLA) > 0;
}

const char *kvp_vllm_attention_backend(const kvp_model *model, const kvp_request *request,
                                       const kvp_device *device, uint32_t *block_size)
{
	kvp_dtype t;
	uint32_t sm;
	bool fp8;

	if (!model || !request || !device || request->engine != KVP_ENGINE_VLLM ||
	    !kvp__vllm_since(request, 18) || !uses_mla(model, request) ||
	    !memchr(device->arch, '\0', sizeof device->arch))
		return NULL;
	/* The latent's type is the cache's: auto (the model's 16-bit type)
	 * or fp8; the others no dense backend above takes. */
	t = request->dtype_k;
	fp8 = t == KVP_DTYPE_FP8;
	if (!fp8 && t != KVP_DTYPE_FP16 && t != KVP_DTYPE_BF16)
		return NULL;
	sm = kvp__device_sm(device);
	if (sm / 10 == 10) {
		*block_size = 32;
		return "FLASHINFER_MLA";
	}
	if (sm / 10 == 9) {
		*block_size = fp8 ? 64 : 16;
		return fp8 ? "FLASHMLA" : "FLASH_ATTN_MLA";
	}
	/* Any other NVIDIA GPU, and ROCm without AITER. */
	if (sm || strncmp(device->arch, "gfx", 3) == 0) {
		*block_size = 16;
		return "TRITON_MLA";
	}
	return NULL;
}
