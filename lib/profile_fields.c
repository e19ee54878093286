/*
 * profile_fields.c — what a profile file may say: the fields of a model
 * and of a GPU, each with its type and the member it fills, and how a
 * parsed profile of each kind is checked and which field a failure
 * blames.  lib/profile.c reads the files by these tables.
 */
#include <stddef.h>

#include "profile.h"

static const struct field model_fields[] = {
	{"name", FIELD_NAME, offsetof(kvp_model, name), FIELD_REQUIRED},
	{"description", FIELD_TEXT, offsetof(kvp_model, description), FIELD_OPTIONAL},
	{"aliases", FIELD_ALIASES, 0, FIELD_OPTIONAL},
	{"layers", FIELD_U32, offsetof(kvp_model, layers), FIELD_REQUIRED},
	{"heads", FIELD_U32, offsetof(kvp_model, heads), FIELD_REQUIRED},
	{"kv_heads", FIELD_U32, offsetof(kvp_model, kv_heads), FIELD_REQUIRED},
	{"hidden", FIELD_U32, offsetof(kvp_model, hidden), FIELD_ONE_OF},
	{"head_dim", FIELD_U32, offsetof(kvp_model, head_dim), FIELD_ONE_OF},
	{"vocab", FIELD_U32, offsetof(kvp_model, vocab), FIELD_OPTIONAL},
	{"max_context", FIELD_U64, offsetof(kvp_model, max_context), FIELD_OPTIONAL},
	{"params", FIELD_COUNT, offsetof(kvp_model, params), FIELD_OPTIONAL},
	{"rope_theta", FIELD_REAL, offsetof(kvp_model, rope_theta), FIELD_OPTIONAL},
	{"head_dim_v", FIELD_U32, offsetof(kvp_model, head_dim_v), FIELD_OPTIONAL},
	{"sliding_window", FIELD_U64, offsetof(kvp_model, sliding_window), FIELD_OPTIONAL},
	{"chunk_size", FIELD_U64, offsetof(kvp_model, chunk_size), FIELD_OPTIONAL},
	{"layer_pattern", FIELD_PATTERN, 0, FIELD_OPTIONAL},
	{"layer_kv_heads", FIELD_U32_LIST, offsetof(kvp_model, layer_kv_heads),
	 FIELD_OPTIONAL},
	{"kv_lora_rank", FIELD_U32, offsetof(kvp_model, kv_lora_rank), FIELD_OPTIONAL},
	{"q_lora_rank", FIELD_U32, offsetof(kvp_model, q_lora_rank), FIELD_OPTIONAL},
	{"index_head_dim", FIELD_U32, offsetof(kvp_model, index_head_dim), FIELD_OPTIONAL},
	{"index_topk_freq", FIELD_U32, offsetof(kvp_model, index_topk_freq), FIELD_OPTIONAL},
	{"index_skip_topk_offset", FIELD_U32, offsetof(kvp_model, index_topk_offset),
	 FIELD_OPTIONAL},
	{"index_n_heads", FIELD_U32, offsetof(kvp_model, index_heads), FIELD_OPTIONAL},
	{"index_topk", FIELD_U32, offsetof(kvp_model, index_topk), FIELD_OPTIONAL},
	{"qk_rope_dim", FIELD_U32, offsetof(kvp_model, qk_rope_dim), FIELD_OPTIONAL},
	{"qk_nope_dim", FIELD_U32, offsetof(kvp_model, qk_nope_dim), FIELD_OPTIONAL},
	{"v_head_dim", FIELD_U32, offsetof(kvp_model, v_head_dim), FIELD_OPTIONAL},
	{"ssm_conv_kernel", FIELD_U32, offsetof(kvp_model, ssm_conv_kernel), FIELD_OPTIONAL},
	{"ssm_inner", FIELD_U32, offsetof(kvp_model, ssm_inner), FIELD_OPTIONAL},
	{"ssm_state", FIELD_U32, offsetof(kvp_model, ssm_state), FIELD_OPTIONAL},
	{"ssm_groups", FIELD_U32, offsetof(kvp_model, ssm_groups), FIELD_OPTIONAL},
	{"ssm_chunk_size", FIELD_U32, offsetof(kvp_model, ssm_chunk_size), FIELD_OPTIONAL},
	{"ssm_cache_bytes", FIELD_U32, offsetof(kvp_model, ssm_cache_bytes), FIELD_OPTIONAL},
	{"ssm_heads", FIELD_U32, offsetof(kvp_model, ssm_heads), FIELD_OPTIONAL},
	{"ssm_parallel", FIELD_BOOL, offsetof(kvp_model, ssm_parallel), FIELD_OPTIONAL},
	{"global_head_dim", FIELD_U32, offsetof(kvp_model, full_head_dim), FIELD_OPTIONAL},
	{"num_kv_shared_layers", FIELD_U32, offsetof(kvp_model, kv_shared_layers),
	 FIELD_OPTIONAL},
	{"use_double_wide_mlp", FIELD_BOOL, offsetof(kvp_model, double_wide_mlp),
	 FIELD_OPTIONAL},
	{"attention_k_eq_v", FIELD_BOOL, offsetof(kvp_model, full_k_eq_v), FIELD_OPTIONAL},
	{"hidden_size_per_layer_input", FIELD_U32, offsetof(kvp_model, layer_input_width),
	 FIELD_OPTIONAL},
	{"state_bytes", FIELD_BYTES, offsetof(kvp_model, state_bytes), FIELD_OPTIONAL},
	{"tie_word_embeddings", FIELD_BOOL, offsetof(kvp_model, tie_embeddings),
	 FIELD_OPTIONAL},
	{"intermediate_size", FIELD_U32, offsetof(kvp_model, intermediate),
	 FIELD_OPTIONAL},
	{"model_type", FIELD_WORD, offsetof(kvp_model, model_type), FIELD_OPTIONAL},
	{"moe_experts", FIELD_U32, offsetof(kvp_model, moe_experts), FIELD_OPTIONAL},
	{"moe_routed_experts", FIELD_U32, offsetof(kvp_model, moe_routed_experts), FIELD_OPTIONAL},
	{"moe_intermediate_size", FIELD_U32, offsetof(kvp_model, moe_intermediate),
	 FIELD_OPTIONAL},
	{"moe_shared_intermediate_size", FIELD_U32,
	 offsetof(kvp_model, moe_shared_intermediate), FIELD_OPTIONAL},
	{"moe_latent_size", FIELD_U32, offsetof(kvp_model, moe_latent), FIELD_OPTIONAL},
	{"moe_dense_layers", FIELD_U32, offsetof(kvp_model, moe_dense_layers),
	 FIELD_OPTIONAL},
	{"moe_layer_step", FIELD_U32, offsetof(kvp_model, moe_step), FIELD_OPTIONAL},
	{"moe_top_k", FIELD_U32, offsetof(kvp_model, moe_top_k), FIELD_OPTIONAL},
	{"mtp_layers", FIELD_U32, offsetof(kvp_model, mtp_layers), FIELD_OPTIONAL},
	{"mtp_params", FIELD_U64, offsetof(kvp_model, mtp_params), FIELD_OPTIONAL},
	{"vision_params", FIELD_U64, offsetof(kvp_model, vision_params), FIELD_OPTIONAL},
	{"mtp_shared_params", FIELD_U64, offsetof(kvp_model, mtp_shared_params), FIELD_OPTIONAL},
	{"dense_intermediate_size", FIELD_U32, offsetof(kvp_model, dense_intermediate),
	 FIELD_OPTIONAL},
	{"vision_hidden_size", FIELD_U32, offsetof(kvp_model, vision_hidden), FIELD_OPTIONAL},
	{"vision_layers", FIELD_U32, offsetof(kvp_model, vision_layers), FIELD_OPTIONAL},
	{"rope_type", FIELD_ROPE, offsetof(kvp_model, rope), FIELD_OPTIONAL},
	{"rope_factor", FIELD_REAL, offsetof(kvp_model, rope_factor), FIELD_OPTIONAL},
	{"rope_original_max", FIELD_U64, offsetof(kvp_model, rope_original_max),
	 FIELD_OPTIONAL},
	{"rope_positions", FIELD_U64, offsetof(kvp_model, rope_positions), FIELD_OPTIONAL},
	{"rotary_dim", FIELD_U32, offsetof(kvp_model, rotary_dim), FIELD_OPTIONAL},
	{"rope_local_theta", FIELD_REAL, offsetof(kvp_model, rope_local_theta),
	 FIELD_OPTIONAL},
	{"rope_nope_full", FIELD_BOOL, offsetof(kvp_model, rope_nope_full), FIELD_OPTIONAL},
};
_Static_assert(sizeof model_fields / sizeof model_fields[0] <= FIELDS_MAX,
               "FIELDS_MAX holds every model field");

static const struct field device_fields[] = {
	{"name", FIELD_NAME, offsetof(kvp_device, name), FIELD_REQUIRED},
	{"description", FIELD_TEXT, offsetof(kvp_device, description), FIELD_OPTIONAL},
	{"aliases", FIELD_ALIASES, 0, FIELD_OPTIONAL},
	{"memory", FIELD_BYTES, offsetof(kvp_device, hbm_bytes), FIELD_REQUIRED},
	{"l2", FIELD_BYTES, offsetof(kvp_device, l2_bytes), FIELD_REQUIRED},
	{"llc", FIELD_BYTES, offsetof(kvp_device, llc_bytes), FIELD_OPTIONAL},
	{"bandwidth_gbs", FIELD_REAL, offsetof(kvp_device, bandwidth_gbs),
	 FIELD_OPTIONAL},
	{"fp16_tflops", FIELD_REAL, offsetof(kvp_device, fp16_tflops), FIELD_OPTIONAL},
	{"arch", FIELD_WORD, offsetof(kvp_device, arch), FIELD_OPTIONAL},
	{"cuda_memory", FIELD_BYTES, offsetof(kvp_device, cuda_bytes), FIELD_OPTIONAL},
	{"smi_memory", FIELD_BYTES, offsetof(kvp_device, smi_bytes), FIELD_OPTIONAL},
	{"interconnect", FIELD_WORD, offsetof(kvp_device, link), FIELD_OPTIONAL},
};

static kvp_status model_check(void *profile, kvp_error *err)
{
	return kvp_model_finalize(profile, err);
}

/* Mirrors the order of kvp_model_finalize's checks, so the error points at
 * the line that has to change. */
static const char *model_culprit(const void *profile)
{
	const kvp_model *m = profile;
	char label[KVP_QUOTE_MAX];

	if (m->layers == 0)
		return "layers";
	/* A model without attention (its pattern recurrent and none): the
	 * attention field it gives, or its pattern without a recurrent
	 * layer; one with attention: its heads. */
	if (m->heads == 0 && !kvp_model_attention_free(m)) {
		return "heads";
	} else if (m->heads == 0) {
		if (m->kv_heads || m->head_dim || m->index_head_dim || m->rotary_dim)
			return m->kv_heads ? "kv_heads" : m->head_dim ? "head_dim"
			       : m->index_head_dim ? "index_head_dim" : "rotary_dim";
		if (!kvp_model_count_layers(m, KVP_LAYER_RECURRENT))
			return "layer_pattern";
	} else if (m->kv_heads == 0 || m->kv_heads > m->heads ||
	           m->heads % m->kv_heads != 0) {
		return "kv_heads";
	} else if (m->head_dim == 0) {
		return m->hidden ? "hidden" : "head_dim";
	}
	if ((m->moe_experts && m->moe_top_k > m->moe_experts) ||
	    (m->moe_routed_experts && m->moe_top_k > m->moe_routed_experts))
		return "moe_top_k";
	if (m->mtp_params > m->params || m->vision_params > m->params - m->mtp_params)
		return m->mtp_params > m->params ? "mtp_params" : "vision_params";
	if (m->mtp_shared_params > m->mtp_params)
		return "mtp_shared_params";
	if (m->mtp_layers > m->layers)
		return "mtp_layers";
	if (m->vision_layers && !m->vision_hidden)
		return "vision_layers";
	/* the rotary embedding's, as check_heads orders them */
	if ((unsigned)m->rope >= KVP_ROPE_COUNT)
		return "rope_type";
	if (!(m->rope_factor >= 0 && m->rope_factor <= 1e15))
		return "rope_factor";
	if (!(m->rope_local_theta >= 0 && m->rope_local_theta <= 1e300))
		return "rope_local_theta";
	if (m->heads && m->rotary_dim > (m->head_dim ? m->head_dim : m->hidden / m->heads))
		return "rotary_dim";
	/* The full layers' head and the shared layers, where the layers'
	 * checks fail with them and pass without. */
	if ((m->full_head_dim || m->kv_shared_layers || m->double_wide_mlp) &&
	    kvp__model_check_layers(m, label, NULL) != KVP_OK) {
		kvp_model copy = *m;

		copy.double_wide_mlp = false;
		if (kvp__model_check_layers(&copy, label, NULL) == KVP_OK)
			return "use_double_wide_mlp";
		copy = *m;
		copy.kv_shared_layers = 0;
		if (kvp__model_check_layers(&copy, label, NULL) == KVP_OK)
			return "num_kv_shared_layers";
		copy = *m;
		copy.full_head_dim = 0;
		if (kvp__model_check_layers(&copy, label, NULL) == KVP_OK)
			return "global_head_dim";
	}
	if (m->layer_kv_heads_len)
		return "layer_kv_heads";
	/* A shared indexer's rule, checked after the kinds. */
	if (kvp__model_check_indexer(m, "", NULL) != KVP_OK)
		return m->index_topk_freq > 1 && m->index_head_dim &&
		       m->layers <= KVP_PATTERN_MAX ? "index_skip_topk_offset" : "index_topk_freq";
	/* The rest is about the layers: the pattern says which kinds there
	 * are, and so which numbers they need. */
	return "layer_pattern";
}

static kvp_status device_check(void *profile, kvp_error *err)
{
	return kvp_device_check(profile, err);
}

static const char *device_culprit(const void *profile)
{
	const kvp_device *d = profile;

	if (d->hbm_bytes == 0)
		return "memory";
	if (d->l2_bytes == 0)
		return "l2";
	if (d->cuda_bytes > d->hbm_bytes)
		return "cuda_memory";
	if (d->smi_bytes > d->hbm_bytes)
		return "smi_memory";
	if (!kvp__arch_valid(d->arch))
		return "arch";
	if (!kvp__link_valid(d->link))
		return "interconnect";
	return NULL;
}

const struct kind kvp__model_kind = {
	0, "model", "models", "models", sizeof(kvp_model),
	model_fields, sizeof model_fields / sizeof model_fields[0],
	model_check, model_culprit, KVP_ERR_SHAPE,
};

const struct kind kvp__device_kind = {
	1, "GPU", "GPUs", "gpus", sizeof(kvp_device),
	device_fields, sizeof device_fields / sizeof device_fields[0],
	device_check, device_culprit, KVP_ERR_PARSE,
};

