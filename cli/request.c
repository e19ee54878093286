/*
 * request.c — the request the options and the model's own files make:
 * the cache and weights types (a config's quantization_config and fp8
 * cache where the options give none), a checkpoint's counts, a draft's
 * own format, the engine's settings as parsed.
 */
#include "config.h"

#include "cli.h"

bool cli_config_cache_fp8(const struct cli_plan *plan, kvp_engine engine, uint32_t vllm)
{
	/* A config's fp8 cache, which the engine's --kv-cache-dtype auto
	 * takes: vLLM a modelopt checkpoint's from 0.14
	 * (resolve_kv_cache_dtype_string, PR #30785, merged in the week to
	 * 2025-12-19: inferred) and a compressed-tensors one's from 0.15
	 * (Attention.__init__, PR #30141: inferred; MLAAttention has no
	 * such override), SGLang a modelopt one's (configure_kv_cache_dtype;
	 * its release not established), TensorRT-LLM both
	 * (_torch/pyexecutor validate_and_set_kv_cache_quant: under "auto"
	 * the checkpoint's kv_cache_quant_algo, which its loader takes from
	 * modelopt's key and from an 8-bit float kv_cache_scheme). */
	switch (plan->source.kv_cache_quant) {
	case KVP_KV_QUANT_MODELOPT_FP8:
		return (engine == KVP_ENGINE_VLLM && (!vllm || vllm >= 14)) ||
		       engine == KVP_ENGINE_SGLANG || engine == KVP_ENGINE_TRTLLM;
	case KVP_KV_QUANT_COMPRESSED_FP8:
		return (engine == KVP_ENGINE_VLLM && (!vllm || vllm >= 15) &&
		        !plan->model.kv_lora_rank) || engine == KVP_ENGINE_TRTLLM;
	default:
		return false;
	}
}

void cli_build_request(const struct cli_options *o, struct cli_plan *plan,
                       kvp_request *r)
{
	/* The engine and parallel settings are parsed into o->req. */
	*r = o->req;
	r->seq = o->seq;
	r->batch = o->batch;
	r->dtype_k = o->dtype_k;
	r->dtype_v = o->dtype_v;
	if (!o->dtype_set && !o->dtype_k_set && !o->dtype_v_set &&
	    cli_config_cache_fp8(plan, r->engine, r->vllm_version))
		r->dtype_k = r->dtype_v = KVP_DTYPE_FP8;
	r->mla = o->mla;
	r->no_window = o->no_window;
	/* The weights: a checkpoint's exact bytes, unless a type or a count
	 * is asked instead; their type from the file, unless given. */
	if (!o->weights_dtype_set && plan->source.weights_dtype_known)
		plan->fit_options.weights_dtype = plan->source.weights_dtype;
	r->weights_dtype = plan->fit_options.weights_dtype;
	/* and their format from config.json's quantization_config, unless
	 * --weights-dtype names one (a checkpoint's count still gives the
	 * bytes; the format picks vLLM's kernels) */
	if (!o->weights_dtype_set && plan->source.weights_format_known)
		r->weights_format = plan->source.weights_format;
	r->draft = plan->has_draft ? &plan->draft : NULL;
	r->draft_weight_bytes = o->weights_dtype_set ? 0 : plan->draft_weight_bytes;
	/* A draft not counted from its file keeps its own format (its
	 * config's quantization_config, else its plain type), not the
	 * model's from the model's config. */
	if (!o->weights_dtype_set && r->draft && !r->draft_weight_bytes &&
	    (plan->source.weights_format_known || plan->draft_format_known)) {
		kvp_model loaded;
		kvp_weights_estimate e;
		uint64_t w = 0;

		kvp_model_loaded(&plan->draft, r, &loaded);
		if (plan->draft_format_known &&
		    kvp_weights_estimate_compute(&loaded, &plan->draft_format, r->weights_dtype,
		                                 &e, NULL) == KVP_OK)
			w = e.bytes;
		else if (!plan->draft_format_known &&
		         kvp_dtype_bytes(r->weights_dtype, loaded.params, &w, NULL) != KVP_OK)
			w = 0;
		r->draft_weight_bytes = w;
	}
	if (!o->weights_dtype_set && !(o->fields_set & CLI_SET_PARAMS)) {
		r->weight_bytes = cli_checkpoint_bytes(plan);
		/* Counted tensor by tensor (not an index's total): where
		 * the embedding and the head are, and the MTP layers'
		 * tensors, which the engines load for an MTP draft alone:
		 * its weights, not the model's; and the towers, which
		 * llama.cpp's mmproj file holds. */
		if (plan->has_weights && plan->weights.bytes) {
			r->weight_bytes -= plan->weights.mtp_bytes;
			if (!kvp_model_loads_towers(&plan->model, r))
				r->weight_bytes -= plan->weights.vision_bytes;
			r->weight_embedding_bytes = plan->weights.embedding_bytes;
			r->weight_head_bytes = plan->weights.head_bytes;
			r->weight_expert_bytes = plan->weights.expert_bytes;
			r->weight_replicated_bytes = plan->weights.replicated_bytes;
			r->weight_attention_bytes = plan->weights.attention_bytes;
			if (r->mtp_layers) {
				r->draft_weight_bytes = plan->weights.mtp_bytes;
				r->draft_shared_bytes = plan->weights.mtp_shared_bytes;
			}
		}
	}
	/* vLLM runs a GGUF file's experts through its GGUF kernel, whose
	 * tensors are each call's (lib/moe_backend.c): none held, unless
	 * another format or kernel is asked. */
	if (o->gguf_path && !o->weights_dtype_set && r->moe_backend == KVP_MOE_AUTO &&
	    o->req.engine == KVP_ENGINE_VLLM && plan->model.moe_top_k)
		r->moe_backend = KVP_MOE_NONE;
	r->mem_util = o->fit.mem_util;
	r->reserve_bytes = o->fit.reserve_bytes;
	r->block_size = o->block_size_set ? o->block_size : 0;
	r->swa_full_tokens_ratio = o->req.engine == KVP_ENGINE_SGLANG ?
	                           o->swa_full_tokens_ratio : 0;
	if (o->req.engine != KVP_ENGINE_SGLANG) {
		r->chunked_prefill_size = r->cuda_graph_max_bs = 0;
		r->context_length = 0;
		r->max_running_requests = 0;
		r->max_mamba_cache_size = 0;
		r->mamba_full_memory_ratio = 0;
		r->state_dtype = KVP_DTYPE_FP32;
	}
	/* vLLM's --mamba-cache-dtype, its alone */
	r->mamba_cache_dtype_set = o->req.engine == KVP_ENGINE_VLLM && o->vllm_state_dtype_set;
	if (r->mamba_cache_dtype_set)
		r->state_dtype = o->vllm_state_dtype;
}
