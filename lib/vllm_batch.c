/*
 * vllm_batch.c — vLLM's batch limits when a request does not give them:
 * max_num_batched_tokens (the tokens of one scheduler step, which a
 * sliding or chunked layer keeps beside its window) and max_num_seqs.
 * `vllm serve` takes them from the device it runs on, so one request
 * planned for two GPUs can allocate two sizes; kvp_request_for_device
 * settles them for one, and with them the block or page of the
 * engine's attention backend there (attention_backend.c).
 */
#include <string.h>

#include "engine.h"

/* Whether name has "a100" in it, the letter in either case, as vLLM
 * looks for it in current_platform.get_device_name().lower(); by hand, as
 * a fit asks it of every GPU. */
static bool names_a100(const char *name)
{
	for (; *name; name++)
		if ((*name | 0x20) == 'a' && name[1] == '1' && name[2] == '0' && name[3] == '0')
			return true;
	return false;
}

/* vllm/engine/arg_utils.py, EngineArgs.get_batch_defaults, for `vllm
 * serve` (UsageContext.OPENAI_API_SERVER): max_num_batched_tokens 8192
 * and max_num_seqs 1024 on a device whose total memory is 70 GiB or more
 * and whose name has no "a100" (H100, H200), 2048 and 256 on any other or
 * when it cannot ask the device (the table since v0.8's
 * _set_default_args_v1, the A100 exception since PR #17885).  v0.28.0
 * (tag 2cf0a6915ce5, arg_utils.py lines 2582-2591) put a tier above:
 * 16384 on 160 GiB or more ("GPUs like B200/B300", and the MI300X and
 * later), with the 70 GiB tier's max_num_seqs of 1024 (so a third-party
 * reading of the tree at each tag gives it, for PR #51726, commit
 * 4988df2eb80a; we have not read it ourselves).  Then _set_default_max_num_seqs_and_batched_tokens_args
 * keeps a default max_num_batched_tokens within max_num_seqs x
 * max_model_len (the request's seq), and a default max_num_seqs within
 * max_num_batched_tokens.  d may be NULL, no device to ask: then the step
 * is a plan's, 2048 whatever the seq (kvp__engine_mnbt; the cap only
 * matters below 8 tokens, where no window reaches past the request). */
void kvp__vllm_batch(const kvp_request *r, const kvp_device *d, uint64_t *tokens,
                     uint64_t *seqs)
{
	/* The tier: 0 below 70 GiB or on an A100, 1 from 70, 2 from 160,
	 * of the memory vLLM reads (kvp__engine_memory). */
	uint64_t memory = d ? kvp__engine_memory(r, d) : 0;
	int tier = !d || memory < (uint64_t)70 << 30 ? 0
	           : memory >= (uint64_t)160 << 30 && kvp__vllm_since(r, 28) ? 2
	           : names_a100(d->name) ? 0 : 1;

	*seqs = r->max_num_seqs ? r->max_num_seqs : tier ? 1024 : 256;
	*tokens = r->max_batched_tokens;
	if (!*tokens) {
		*tokens = tier == 2 ? 16384 : tier ? 8192 : kvp__engine_mnbt(r);
		/* seq below the step: seqs x seq fits 64 bits. */
		if (d && r->seq && r->seq < *tokens && *seqs * r->seq < *tokens)
			*tokens = *seqs * r->seq;
	}
	if (!r->max_num_seqs && *seqs > *tokens)
		*seqs = *tokens;
}

/* Whether SGLang's DSA backends on d keep an fp8 latent in fp8_ds_mla's
 * layout, kv_lora_rank + kv_lora_rank / 128 x 4 + qk_rope_dim x 2 (656 B
 * for DeepSeek's), not the raw 576 values: calculate_mla_kv_cache_dim
 * (mem_cache/kv_cache_configurator.py, main at 003fca80) keeps them raw
 * where either DSA backend is trtllm (and on HIP under tilelang or aiter),
 * and its defaults (arg_groups/overrides.py _dsa_split_backend_resolution)
 * take fp8 on Blackwell (compute capability 10 and up) to trtllm, from
 * PR #21914 ("[DSA] Set trtllm kernels as default for Blackwell", merged
 * 2026-04-02, so from 0.5.10 of 2026-04-06; flashmla_kv before, as PR
 * #11309's B200 pool of 656 B a layer shows), fp8 on Hopper to
 * flashmla_kv, and GLM-5 on SM 12.x to flashinfer_sparse_mla, both scaled.
 * ROCm's default is not settled (tilelang, raw since PR #21511, in one
 * copy of main; triton, scaled, in another): kvplan keeps the scaled
 * layout its published 0.5.8 pool on MI355Xs shows (doc/engines.md). */
static bool sglang_dsa_scaled(const kvp_model *m, const kvp_request *r,
                              const kvp_device *d)
{
	uint32_t sm = kvp__device_sm(d);

	if (sm < 100 || !kvp__sglang_since(r, 510))
		return true;
	return sm >= 120 && m && strcmp(m->model_type, "glm_moe_dsa") == 0;
}

void kvp_request_for_device(kvp_request *r, const kvp_model *m, const kvp_device *d)
{
	uint64_t tokens, seqs;
	uint32_t block;
	const char *name = NULL;

	if (!r)
		return;
	if (r->engine == KVP_ENGINE_VLLM) {
		kvp__vllm_batch(r, d, &tokens, &seqs);
		r->max_batched_tokens = tokens;
		/* The request's own, or a default of at most 1024. */
		r->max_num_seqs = (uint32_t)seqs;
		/* its experts' kernel on this device (lib/moe_backend.c) */
		if (m && r->moe_backend == KVP_MOE_AUTO)
			r->moe_backend = kvp__vllm_moe_backend(m, r, d);
	}
	/* The block (vLLM, an MLA model) or page (SGLang) of the attention
	 * backend (attention_backend.c): its own where none is given, the
	 * one given where it takes it, set where it is not the request's
	 * already (given, or the engine's default).  Not for vLLM's models
	 * with recurrent layers, whose block its hybrid config sets
	 * (engine.c). */
	if (m && !(r->engine == KVP_ENGINE_VLLM && kvp_model_count_layers(m, KVP_LAYER_RECURRENT)) &&
	    (name = kvp_engine_attention_backend(m, r, d, &block)) && block != kvp__engine_block(r))
		r->block_size = block;
	/* vLLM's FLASHMLA_SPARSE keeps an fp8 cache as fp8_ds_mla
	 * (layers/attention/mla_attention.py: a quantized cache under that
	 * backend), 656 B a token, and SM 12.x's FLASHINFER_MLA_SPARSE_SM120
	 * every cache it takes, auto (kvplan's 16 bits) too
	 * (attention_backend.c). */
	if (name && r->engine == KVP_ENGINE_VLLM && r->dtype_k == r->dtype_v) {
		bool sm120 = strcmp(name, "FLASHINFER_MLA_SPARSE_SM120") == 0;
		bool sixteen = r->dtype_k == KVP_DTYPE_FP16 || r->dtype_k == KVP_DTYPE_BF16;

		if ((r->dtype_k == KVP_DTYPE_FP8 && (sm120 || strcmp(name, "FLASHMLA_SPARSE") == 0)) ||
		    (sixteen && sm120))
			r->dtype_k = r->dtype_v = KVP_DTYPE_FP8_DS_MLA;
	}
	/* SGLang's DeepSeek Sparse Attention takes the cache type auto as
	 * fp8_e4m3 from compute capability 10, bfloat16 below it
	 * (srt/arg_groups/model_overrides.py, the DSA kv-cache pass; before
	 * it server_args.py _set_default_nsa_kv_cache_dtype: "Setting KV
	 * cache dtype to fp8_e4m3 for DeepSeek DSA on SM100 device").  Its
	 * --kv-cache-dtype has no float16, so kvplan's fp16 is its auto; bf16
	 * given stays bf16. */
	if (name && d && r->engine == KVP_ENGINE_SGLANG && strcmp(name, "dsa") == 0 &&
	    kvp__device_sm(d) >= 100 && r->dtype_k == KVP_DTYPE_FP16 &&
	    r->dtype_v == KVP_DTYPE_FP16)
		r->dtype_k = r->dtype_v = KVP_DTYPE_FP8;
	/* Then the latent's layout its DSA backends keep fp8 in, on ROCm
	 * too (whose backend and pages of 1 kvplan does not name). */
	if (m && d && r->engine == KVP_ENGINE_SGLANG && kvp__sparse_mla(m) &&
	    kvp_model_count_layers(m, KVP_LAYER_MLA) && r->mla == KVP_MLA_LATENT &&
	    r->dtype_k == KVP_DTYPE_FP8 && r->dtype_v == KVP_DTYPE_FP8 &&
	    sglang_dsa_scaled(m, r, d))
		r->dtype_k = r->dtype_v = KVP_DTYPE_FP8_DS_MLA;
	/* SGLang's chunked_prefill_size for the device, where its chunk
	 * cache sizes the sliding pool of a model it pools so from it
	 * (lib/sglang_pools.c chunk_cap: --disable-radix-cache, and
	 * --max-running-requests or a draft's 48). */
	if (m && d && r->engine == KVP_ENGINE_SGLANG && !r->chunked_prefill_size &&
	    r->disable_radix_cache && kvp__sglang_running(r) &&
	    (kvp_model_count_layers(m, KVP_LAYER_SLIDING) ||
	     kvp_model_count_layers(m, KVP_LAYER_CHUNKED)) && kvp_engine_swa_pool(m, r) &&
	    strcmp(m->model_type, "deepseek_v4") != 0)
		r->chunked_prefill_size = kvp__sglang_chunked_prefill(r, d);
}

uint64_t kvp__vllm_plan_mnbt(const kvp_plan *p)
{
	if (p->request.engine != KVP_ENGINE_VLLM)
		return 0;
	for (uint32_t g = 0; g < p->group_count; g++) {
		const kvp_layer_group *grp = &p->groups[g];

		if ((grp->kind == KVP_LAYER_SLIDING || grp->kind == KVP_LAYER_CHUNKED) &&
		    grp->layers && grp->bytes_per_token)
			return kvp__engine_mnbt(&p->request);
	}
	return 0;
}

void kvp__fit_batch(const kvp_plan *p, const kvp_device *d, uint64_t *tokens,
                    uint64_t *seqs)
{
	/* A plan whose blocks followed the default with no device keeps to
	 * it on every device: the fit agrees with the plan it fits. */
	kvp__vllm_batch(&p->request,
	                p->batched_tokens && !p->request.max_batched_tokens ? NULL : d,
	                tokens, seqs);
}
