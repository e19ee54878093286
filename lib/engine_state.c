/*
 * engine_state.c — the element types each engine keeps a recurrent
 * layer's state in: its conv state and its SSM state, from the request's
 * types, the model's config (Nemotron-H's mamba_ssm_cache_dtype,
 * Qwen3.5's mamba_ssm_dtype) and the engine's version.  Each rule cites
 * the engine code it follows.
 */
#include "internal.h"
#include "engine.h"

/* The recurrent state's element type.  vLLM keeps it in the model's dtype
 * unless told otherwise: vllm/model_executor/layers/mamba/mamba_utils.py
 * MambaStateDtypeCalculator._mamba_state_dtype, conv state
 * get_kv_cache_torch_dtype(mamba_cache_dtype "auto", model_dtype) = the
 * model dtype, SSM state the same while mamba_ssm_cache_dtype is "auto"
 * (some models' own "auto", and --mamba-ssm-cache-dtype:
 * kvp__engine_ssm_dtype below).  The model
 * dtype is what the K cache is under --kv-cache-dtype auto (fp16, bf16,
 * fp32); under an fp8/int8 cache kvplan takes the weights' type, fp16 if
 * that is not a float either.  request.state_dtype defaults to fp32 for
 * llama.cpp; for vLLM fp32 means "auto" unless mamba_cache_dtype_set
 * (--mamba-cache-dtype float32), and any other state_dtype is taken as
 * given.  Other engines keep request.state_dtype. */
kvp_dtype kvp__engine_state_dtype(const kvp_request *r)
{
	if (r->engine != KVP_ENGINE_VLLM || r->state_dtype != KVP_DTYPE_FP32 ||
	    r->mamba_cache_dtype_set)
		return r->state_dtype;
	if (r->dtype_k == KVP_DTYPE_FP16 || r->dtype_k == KVP_DTYPE_BF16 ||
	    r->dtype_k == KVP_DTYPE_FP32)
		return r->dtype_k;
	if (r->weights_dtype == KVP_DTYPE_FP16 || r->weights_dtype == KVP_DTYPE_BF16 ||
	    r->weights_dtype == KVP_DTYPE_FP32)
		return r->weights_dtype;
	return KVP_DTYPE_FP16;
}

/* The SSM state's element type: kvp__engine_state_dtype's, but vLLM's
 * (vllm/model_executor/layers/mamba/mamba_utils.py _mamba_state_dtype:
 * the conv state in the model's dtype, the SSM state the same under
 * mamba_ssm_cache_dtype "auto", else the type named):
 *  - --mamba-ssm-cache-dtype (request mamba_ssm_cache_bytes), for a
 *    Mamba-2 layer, and for a Gated DeltaNet layer since PR #34489
 *    (eea3024f, 2026-02-12; gated_delta_net_state_dtype, taken as 0.16:
 *    v0.15.0 was of 2026-01-29);
 *  - its "auto", in models/config.py: Nemotron-H's (NemotronHForCausal-
 *    LMConfig) the config's mamba_ssm_cache_dtype (kvp_model
 *    ssm_cache_bytes; read since PR #29978, 2025-12-05, taken as 0.13),
 *    else float32 since PR #39032 (dfa5062a, 2026-04-06, in v0.20.0),
 *    16-bit before; Qwen3.5's (Qwen3_5ForConditionalGenerationConfig,
 *    PR #34489) its config's mamba_ssm_dtype, float32 in every release;
 *    the others' the model's dtype, Qwen3-Next's among them. */
static const char *const qwen35[] = {"qwen3_5", "qwen35"};

/* TensorRT-LLM's (PyTorch runtime, main of late 2026): the conv state in
 * the model's dtype (common.py MambaKVCacheParams.dtype,
 * resolve_hf_torch_dtype, bf16 where the config names none: never the KV
 * cache's), the SSM state in KvCacheConfig.mamba_ssm_cache_dtype, whose
 * "auto" (model_loader.py validate_and_set_mamba_ssm_cache_dtype) is the
 * config's mamba_ssm_cache_dtype (resolve_ssm_cache_dtype, PR #11582,
 * 2026-02; Qwen3.5's mamba_ssm_dtype not read since PR #16065, 2026-07),
 * else the model's dtype.  Its C++ runtime (rnnStateManager.cpp) keeps
 * the SSM state in fp32 and the conv state in the model's dtype.  A
 * state_dtype other than fp32 (kvplan's default) is taken as asked. */
static kvp_dtype trtllm_model_dtype(const kvp_request *r)
{
	if (r->state_dtype != KVP_DTYPE_FP32)
		return r->state_dtype;
	return r->weights_dtype == KVP_DTYPE_FP16 || r->weights_dtype == KVP_DTYPE_BF16 ||
	       r->weights_dtype == KVP_DTYPE_FP32 ? r->weights_dtype : KVP_DTYPE_BF16;
}

static kvp_dtype trtllm_ssm_dtype(const kvp_request *r, const kvp_model *m)
{
	kvp_dtype model = trtllm_model_dtype(r);
	uint32_t bytes = r->mamba_ssm_cache_bytes;

	if (r->state_dtype != KVP_DTYPE_FP32)
		return model;
	if (r->trtllm_cpp)
		return KVP_DTYPE_FP32;
	if (!bytes && !kvp__model_type_in(m, qwen35, 2))
		bytes = m->ssm_cache_bytes;
	if (bytes == 4)
		return KVP_DTYPE_FP32;
	if (bytes == 2 && model == KVP_DTYPE_FP32)
		return KVP_DTYPE_BF16;
	return model;
}

kvp_dtype kvp__engine_ssm_dtype(const kvp_request *r, const kvp_model *m)
{
	kvp_dtype model = kvp__engine_state_dtype(r);
	uint32_t bytes = 0;

	if (r->engine == KVP_ENGINE_TRTLLM)
		return trtllm_ssm_dtype(r, m);
	if (r->engine != KVP_ENGINE_VLLM)
		return model;
	/* Kimi Delta Attention's recurrent state: fp32 whatever is asked
	 * (vllm/model_executor/layers/mamba/mamba_utils.py
	 * MambaStateDtypeCalculator.kda_state_dtype returns (state_dtype,
	 * torch.float32); main at 81be2e09) */
	if (kvp__kimi_linear(m))
		return KVP_DTYPE_FP32;
	/* --mamba-ssm-cache-dtype, else the model's own "auto" (its config
	 * hook sets mamba_ssm_cache_dtype), else --mamba-cache-dtype's type
	 * or the model's; a state_dtype set without mamba_cache_dtype_set
	 * (the library's callers before it) stays as asked */
	if (r->mamba_ssm_cache_bytes && (!kvp__delta_net(m) || kvp__vllm_since(r, 16)))
		bytes = r->mamba_ssm_cache_bytes;
	else if (r->state_dtype != KVP_DTYPE_FP32 && !r->mamba_cache_dtype_set)
		return model;
	else if (kvp__nemotron_h(m))
		bytes = m->ssm_cache_bytes && kvp__vllm_since(r, 13) ? m->ssm_cache_bytes
		        : kvp__vllm_since(r, 20)                    ? 4 : 2;
	else if (kvp__model_type_in(m, qwen35, 2) && kvp__vllm_since(r, 16))
		bytes = m->ssm_cache_bytes;
	if (bytes == 4)
		return KVP_DTYPE_FP32;
	if (bytes == 2 && model == KVP_DTYPE_FP32)
		return KVP_DTYPE_FP16;
	return model;
}

/* The recurrent conv state's element type.  TensorRT-LLM keeps it in the
 * model's dtype (trtllm_model_dtype).  SGLang keeps it in bf16
 * whatever the model's (python/sglang/srt/configs/mamba_utils.py
 * mamba2_state_dtype: SGLANG_MAMBA_CONV_DTYPE, default bfloat16; main of
 * late 2026, and CONV_DTYPE = torch.bfloat16 before it) and its SSM state
 * in fp32 (--mamba-ssm-dtype float32, request.state_dtype's default).
 * The other engines keep both in one type. */
kvp_dtype kvp__engine_conv_dtype(const kvp_request *r)
{
	if (r->engine == KVP_ENGINE_TRTLLM)
		return trtllm_model_dtype(r); /* trtllm_ssm_dtype, above */
	return r->engine == KVP_ENGINE_SGLANG ? KVP_DTYPE_BF16 : kvp__engine_state_dtype(r);
}

void kvp_engine_state_dtypes(const kvp_request *r, const kvp_model *m, kvp_dtype *conv,
                             kvp_dtype *ssm)
{
	if (!r || !m)
		return;
	if (conv)
		*conv = kvp__engine_conv_dtype(r);
	if (ssm)
		*ssm = kvp__engine_ssm_dtype(r, m);
}
