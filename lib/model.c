/*
 * model.c — a model's attention shape: validation, the attention kind the
 * head counts imply, and the same model re-planned with other kv heads.
 */
#include <string.h>

#include "engine.h"
#include "internal.h"

bool kvp_model_attention_free(const kvp_model *m)
{
	if (!m || m->kv_lora_rank || m->layer_kv_heads_len || m->layers == 0 ||
	    m->pattern_len == 0 || m->pattern_len > KVP_PATTERN_MAX)
		return false;
	for (uint32_t i = 0; i < m->pattern_len; i++)
		if (m->pattern[i] != KVP_LAYER_RECURRENT && m->pattern[i] != KVP_LAYER_NONE)
			return false;
	return true;
}

/* A model without attention (Mamba, Falcon Mamba, Mamba-2): no heads to
 * check, and none may be given (a head count would be a cache's). */
static kvp_status check_no_heads(const kvp_model *m, const char *name, kvp_error *err)
{
	if (m->kv_heads || m->head_dim || m->index_head_dim || m->rotary_dim)
		return kvp__error(err, KVP_ERR_SHAPE, "%s: no attention heads, yet kv_heads %u,"
		                  " head_dim %u, index_head_dim %u or rotary_dim %u: those are an"
		                  " attention layer's", name, m->kv_heads, m->head_dim,
		                  m->index_head_dim, m->rotary_dim);
	if (!kvp_model_count_layers(m, KVP_LAYER_RECURRENT))
		return kvp__error(err, KVP_ERR_SHAPE, "%s: no attention heads and no recurrent"
		                  " layer: nothing would be cached", name);
	return KVP_OK;
}

/* An attention model's heads; head_dim 0 must be derivable from hidden. */
static kvp_status check_attention(const kvp_model *m, const char *name, kvp_error *err)
{
	if (m->kv_heads == 0)
		return kvp__error(err, KVP_ERR_SHAPE, "%s: kv_heads must be at least 1", name);
	if (m->kv_heads > m->heads)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "%s: kv_heads %u exceeds heads %u", name,
		                  m->kv_heads, m->heads);
	if (m->heads % m->kv_heads != 0)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "%s: heads %u is not divisible by kv_heads %u", name,
		                  m->heads, m->kv_heads);
	if (m->head_dim == 0) {
		if (m->hidden == 0)
			return kvp__error(err, KVP_ERR_SHAPE,
			                  "%s: needs head_dim or hidden", name);
		if (m->hidden % m->heads != 0)
			return kvp__error(err, KVP_ERR_SHAPE,
			                  "%s: hidden %u is not divisible by heads %u"
			                  " (give head_dim explicitly)",
			                  name, m->hidden, m->heads);
	}
	/* The indexer keys the MLA layers' tokens, in fp8 with a scale per
	 * 128 values (DeepSeek's Indexer; the engines' caches alike). */
	if (m->index_head_dim && !m->kv_lora_rank)
		return kvp__error(err, KVP_ERR_SHAPE, "%s: index_head_dim %u is DeepSeek"
		                  " Sparse Attention's indexer, which needs MLA (kv_lora_rank)",
		                  name, m->index_head_dim);
	if (!m->index_head_dim && m->kv_lora_rank && kvp__sparse_mla(m))
		return kvp__error(err, KVP_ERR_SHAPE, "%s: model_type %s caches a sparse-attention"
		                  " indexer key beside each latent: give index_head_dim (128 for"
		                  " DeepSeek-V3.2 and GLM-5)", name, m->model_type);
	if (m->index_topk && !m->index_head_dim)
		return kvp__error(err, KVP_ERR_SHAPE, "%s: index_topk %u is a sparse-attention"
		                  " indexer's, which needs its key (index_head_dim)", name,
		                  m->index_topk);
	if (m->index_head_dim % 128 != 0)
		return kvp__error(err, KVP_ERR_SHAPE, "%s: index_head_dim %u is not a multiple"
		                  " of 128, the indexer's block of one fp32 scale", name,
		                  m->index_head_dim);
	return KVP_OK;
}

/* The model's checks: its heads, or that it has none, then the rest. */
static kvp_status check_heads(const kvp_model *m, char *label, kvp_error *err)
{
	/* The name is made only for a message: every plan checks. */
#define name kvp__label(m->name, "model", label)
	kvp_status st;

	if (m->layers == 0)
		return kvp__error(err, KVP_ERR_SHAPE, "%s: layers must be at least 1", name);
	if (m->heads == 0 && !kvp_model_attention_free(m))
		return kvp__error(err, KVP_ERR_SHAPE, "%s: heads must be at least 1 (0 only"
		                  " where every layer is recurrent or none)", name);
	st = m->heads ? check_attention(m, name, err) : check_no_heads(m, name, err);
	if (st != KVP_OK)
		return st;
	if (m->moe_experts && m->moe_top_k > m->moe_experts)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "%s: moe_top_k %u is more than its %u experts", name,
		                  m->moe_top_k, m->moe_experts);
	if (m->moe_routed_experts && m->moe_top_k > m->moe_routed_experts)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "%s: moe_top_k %u is more than its %u routed experts", name,
		                  m->moe_top_k, m->moe_routed_experts);
	if (m->mtp_params > m->params || m->vision_params > m->params - m->mtp_params)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "%s: mtp_params %llu and vision_params %llu are more than"
		                  " its %llu params", name, (unsigned long long)m->mtp_params,
		                  (unsigned long long)m->vision_params,
		                  (unsigned long long)m->params);
	if (m->ssm_cache_bytes != 0 && m->ssm_cache_bytes != 2 && m->ssm_cache_bytes != 4)
		return kvp__error(err, KVP_ERR_SHAPE, "%s: ssm_cache_bytes %u: 4 (float32), 2"
		                  " (float16, bfloat16) or 0 (not given)", name, m->ssm_cache_bytes);
	if (m->mtp_shared_params > m->mtp_params)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "%s: mtp_shared_params %llu are more than its mtp_params %llu",
		                  name, (unsigned long long)m->mtp_shared_params,
		                  (unsigned long long)m->mtp_params);
	/* An MTP layer is one more block of the model's kind. */
	if (m->mtp_layers > m->layers)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "%s: mtp_layers %u is more than its %u layers", name,
		                  m->mtp_layers, m->layers);
	/* An encoder's layers without its width: config.json's would be
	 * SGLang's 1024; a profile says it. */
	if (m->vision_layers && !m->vision_hidden)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "%s: vision_layers %u without vision_hidden_size", name,
		                  m->vision_layers);
	/* The rotary embedding: a kind there is, numbers that size a table,
	 * no more rotated values than a head has. */
	if ((unsigned)m->rope >= KVP_ROPE_COUNT)
		return kvp__error(err, KVP_ERR_SHAPE, "%s: rope %u is not a rope type", name,
		                  (unsigned)m->rope);
	if (!(m->rope_factor >= 0 && m->rope_factor <= 1e15) ||
	    !(m->rope_local_theta >= 0 && m->rope_local_theta <= 1e300))
		return kvp__error(err, KVP_ERR_SHAPE, "%s: rope_factor %g and rope_local_theta %g"
		                  " must be from 0 to 1e15 and 1e300", name, m->rope_factor,
		                  m->rope_local_theta);
	if (m->heads) {
		uint32_t head = m->head_dim ? m->head_dim : m->hidden / m->heads;

		if (m->rotary_dim > head)
			return kvp__error(err, KVP_ERR_SHAPE, "%s: rotary_dim %u is more than"
			                  " head_dim %u", name, m->rotary_dim, head);
	}
#undef name
	return KVP_OK;
}

kvp_status kvp_model_finalize(kvp_model *m, kvp_error *err)
{
	char label[KVP_QUOTE_MAX];
	kvp_status st;

	if (!m)
		return kvp__error(err, KVP_ERR_INVALID, "no model given");
	if ((st = check_heads(m, label, err)) != KVP_OK)
		return st;
	if (m->head_dim == 0 && m->heads) {
		m->head_dim = m->hidden / m->heads;
		m->head_dim_derived = true;
	}
	if ((st = kvp__model_check_layers(m, label, err)) != KVP_OK)
		return st;
	return kvp__error_clear(err);
}

/* A model that finalizing would not change (its head_dim given), checked
 * where it is: what a plan takes without copying it. */
kvp_status kvp__model_check(const kvp_model *m, kvp_error *err)
{
	char label[KVP_QUOTE_MAX];
	kvp_status st;

	if ((st = check_heads(m, label, err)) != KVP_OK)
		return st;
	return kvp__model_check_layers(m, label, err);
}

kvp_attention kvp_model_attention(const kvp_model *m)
{
	if (!m)
		return KVP_ATTENTION_MHA;
	if (m->heads == 0)
		return KVP_ATTENTION_NONE;
	if (m->kv_lora_rank > 0)
		return KVP_ATTENTION_MLA;
	if (m->kv_heads == m->heads)
		return KVP_ATTENTION_MHA;
	if (m->kv_heads == 1)
		return KVP_ATTENTION_MQA;
	return KVP_ATTENTION_GQA;
}

const char *kvp_attention_name(kvp_attention kind)
{
	switch (kind) {
	case KVP_ATTENTION_MHA:
		return "mha";
	case KVP_ATTENTION_GQA:
		return "gqa";
	case KVP_ATTENTION_MQA:
		return "mqa";
	case KVP_ATTENTION_MLA:
		return "mla";
	case KVP_ATTENTION_NONE:
		return "none";
	}
	return "unknown";
}

kvp_status kvp_model_with_kv_heads(const kvp_model *m, uint32_t kv_heads,
                                   kvp_model *out, kvp_error *err)
{
	kvp_model copy;
	kvp_status st;
	char label[KVP_QUOTE_MAX];

	if (!m || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no model given");
	copy = *m;
	copy.kv_heads = kv_heads;
	copy.layer_kv_heads_len = 0;
	if (m->kv_lora_rank > 0)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "%s caches an MLA latent, not kv heads",
		                  kvp__label(m->name, "the model", label));
	if (m->heads == 0)
		return kvp__error(err, KVP_ERR_SHAPE, "%s has no attention: no kv heads to vary",
		                  kvp__label(m->name, "the model", label));
	if (kv_heads == 0)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "kv heads must be at least 1");
	if (kv_heads > m->heads || m->heads % kv_heads != 0)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "kv heads %u does not divide the %u query heads of %s",
		                  kv_heads, m->heads, kvp__label(m->name, "the model", label));
	if ((st = kvp_model_finalize(&copy, err)) != KVP_OK)
		return st;
	*out = copy;
	return KVP_OK;
}

uint32_t kvp_model_variant_kv_heads(const kvp_model *m, kvp_attention kind)
{
	uint32_t groups;

	if (!m)
		return 0;
	switch (kind) {
	case KVP_ATTENTION_MHA:
		return m->heads;
	case KVP_ATTENTION_MQA:
		return 1;
	case KVP_ATTENTION_GQA:
		if (kvp_model_attention(m) == KVP_ATTENTION_GQA)
			return m->kv_heads;
		for (groups = m->heads < 8 ? m->heads : 8; groups > 1; groups--)
			if (m->heads % groups == 0)
				return groups;
		return 1;
	case KVP_ATTENTION_MLA:
	case KVP_ATTENTION_NONE:
		break;
	}
	return m->kv_heads;
}

kvp_status kvp_model_variant(const kvp_model *m, kvp_attention kind,
                             kvp_model *out, kvp_error *err)
{
	if (!m || !out)
		return kvp__error(err, KVP_ERR_INVALID, "no model given");
	if ((unsigned)kind > KVP_ATTENTION_MQA)
		return kvp__error(err, KVP_ERR_INVALID, "unknown attention kind %d",
		                  (int)kind);
	return kvp_model_with_kv_heads(m, kvp_model_variant_kv_heads(m, kind), out,
	                               err);
}
