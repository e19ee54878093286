/*
 * indexer.c — which layers of a DeepSeek Sparse Attention model keep the
 * lightning indexer's key: every MLA layer (DeepSeek-V3.2, GLM-5), or
 * only the "full" layers of a model whose indexer is shared across layers
 * (GLM-5.2), each "shared" layer reusing the top-k of the last full layer
 * before it and caching no key.
 *
 * The rule is transformers' (models/glm_moe_dsa/configuration_glm_moe_dsa.py
 * GlmMoeDsaConfig.__post_init__ @008e5743): indexer_types when given,
 * else index_topk_pattern ("F" full, "S" shared), else layer i is full
 * when max(i - index_skip_topk_offset + 1, 0) % index_topk_freq == 0,
 * index_skip_topk_offset 2 by default.  GLM-5.2 (freq 4, offset 3) keeps
 * the key in layers 0, 1, 2, 6, 10, ..., 74: 21 of its 78.
 */
#include <string.h>

#include "engine.h"
#include "internal.h"

/* transformers' default index_skip_topk_offset. */
#define INDEX_OFFSET_DEFAULT 2

/* Whether the model says layer i keeps its own key, whatever its kind. */
static bool full_layer(const kvp_model *m, uint32_t i)
{
	uint32_t offset = m->index_topk_offset ? m->index_topk_offset
	                                       : INDEX_OFFSET_DEFAULT;
	uint64_t past;

	if (m->index_layers_len)
		return m->index_layers_len == m->layers &&
		       m->index_layers_len <= KVP_PATTERN_MAX && i < m->index_layers_len &&
		       m->index_layers[i] != 0;
	if (m->index_topk_freq <= 1)
		return true;
	past = (uint64_t)i + 1 > offset ? (uint64_t)i + 1 - offset : 0;
	return past % m->index_topk_freq == 0;
}

/* Whether the model says which layers keep a key (a list or a rule). */
static bool layers_given(const kvp_model *m)
{
	return m->index_layers_len || m->index_topk_freq > 1;
}

bool kvp__index_shared(const kvp_model *m)
{
	return m->index_head_dim && layers_given(m);
}

void kvp__indexer_layer_params(const kvp_model *m, unsigned __int128 *quantized,
                               unsigned __int128 *sixteen)
{
	*quantized = *sixteen = 0;
	if (!m->index_head_dim || !m->index_heads)
		return;
	*quantized = (unsigned __int128)m->q_lora_rank * m->index_heads * m->index_head_dim +
	             (uint64_t)m->hidden * m->index_head_dim;
	*sixteen = (uint64_t)m->hidden * m->index_heads + 2ull * m->index_head_dim;
}

bool kvp_model_layer_indexed(const kvp_model *m, uint32_t index)
{
	return m && m->index_head_dim && index < m->layers &&
	       kvp_model_layer_kind(m, index) == KVP_LAYER_MLA && full_layer(m, index);
}

uint32_t kvp_model_count_indexed(const kvp_model *m)
{
	uint32_t n = 0;

	if (!m || !m->index_head_dim)
		return 0;
	for (uint32_t i = 0; i < m->layers; i++)
		n += kvp_model_layer_indexed(m, i);
	return n;
}

/* The indexer's layers: a list as long as the model, of 0 and 1, or a
 * rule; either needs an indexer, and the first MLA layer keeps its key,
 * there being no layer before it whose top-k it could reuse
 * (TensorRT-LLM's derive_indexer_k_cache_layer_mask forces layer 0 full;
 * kvplan refuses a model that says otherwise). */
kvp_status kvp__model_check_indexer(const kvp_model *m, const char *name,
                                    kvp_error *err)
{
	bool shared = layers_given(m);

	if (shared && !m->index_head_dim)
		return kvp__error(err, KVP_ERR_SHAPE, "%s: %s says which layers keep a"
		                  " sparse-attention indexer key, but the model has no"
		                  " indexer (index_head_dim)", name,
		                  m->index_layers_len ? "index_layers" : "index_topk_freq");
	if (m->index_layers_len != 0 && m->index_layers_len != m->layers)
		return kvp__error(err, KVP_ERR_SHAPE, "%s: index_layers has %u entries;"
		                  " the model has %u layers", name, m->index_layers_len,
		                  m->layers);
	if (m->index_layers_len > KVP_PATTERN_MAX)
		return kvp__error(err, KVP_ERR_SHAPE, "%s: index_layers has more than %d"
		                  " entries", name, KVP_PATTERN_MAX);
	for (uint32_t i = 0; i < m->index_layers_len; i++)
		if (m->index_layers[i] > 1)
			return kvp__error(err, KVP_ERR_SHAPE, "%s: index_layers entry %u is"
			                  " %u, not 1 (full) or 0 (shared)", name, i,
			                  m->index_layers[i]);
	if (!shared)
		return KVP_OK;
	/* A plan keys each layer apart (kvp__layer_cycle), in at most
	 * KVP_PATTERN_MAX groups' cycle. */
	if (m->layers > KVP_PATTERN_MAX)
		return kvp__error(err, KVP_ERR_SHAPE, "%s: an indexer shared across %u"
		                  " layers; kvplan plans one over at most %d", name,
		                  m->layers, KVP_PATTERN_MAX);
	for (uint32_t i = 0; i < m->layers; i++) {
		if (kvp_model_layer_kind(m, i) != KVP_LAYER_MLA)
			continue;
		if (!full_layer(m, i))
			return kvp__error(err, KVP_ERR_SHAPE, "%s: layer %u, its first MLA"
			                  " layer, shares the indexer's top-k of no layer"
			                  " before it (index_%s)", name, i,
			                  m->index_layers_len ? "layers" : "topk_freq and offset");
		break;
	}
	return KVP_OK;
}

/* An indexer pattern as transformers' index_topk_pattern writes it, a
 * letter a layer, "F" full and "S" shared (case ignored), into the
 * model's index_layers.  It must have a letter for each of the model's
 * layers; errors name the letter at fault. */
kvp_status kvp__index_pattern_parse(const char *text, kvp_model *m, kvp_error *err)
{
	size_t n = strlen(text);
	uint8_t layers[KVP_PATTERN_MAX];

	if (n != m->layers)
		return kvp__error(err, KVP_ERR_SHAPE, "%zu letters for %u layers", n,
		                  m->layers);
	if (n > KVP_PATTERN_MAX)
		return kvp__error(err, KVP_ERR_RANGE, "more than %d layers", KVP_PATTERN_MAX);
	for (size_t i = 0; i < n; i++) {
		char c = text[i];

		if (c != 'F' && c != 'f' && c != 'S' && c != 's')
			return kvp__error(err, KVP_ERR_PARSE, "letter %zu is not F (full) or"
			                  " S (shared)", i + 1);
		layers[i] = c == 'F' || c == 'f';
	}
	memcpy(m->index_layers, layers, n);
	m->index_layers_len = (uint32_t)n;
	return kvp__error_clear(err);
}

/* vLLM's buffers of selected indices (kvp_plan topk_row_bytes): int32
 * [max_num_batched_tokens, index_topk], the model's in
 * DeepseekV2Model.__init__ (vllm/model_executor/models/deepseek_v2.py
 * at 002d6073; vllm/models/deepseek_v32/nvidia/model.py after PR #46808)
 * and, from 0.23 (PR #44420), each MTP layer's own
 * (DeepseekV32MultiTokenPredictorLayer.__init__, mtp.py at 03742c0c). */
void kvp__plan_topk_rows(const kvp_model *m, kvp_plan *p)
{
	const kvp_request *r = &p->request;
	uint64_t row = (uint64_t)m->index_topk * 4;

	p->topk_row_bytes = p->draft_topk_row_bytes = 0;
	if (r->engine != KVP_ENGINE_VLLM || !m->index_head_dim || !m->kv_lora_rank)
		return;
	p->topk_row_bytes = row;
	/* saturated: an MTP count past the model's is not refused where
	 * only its mtp_params says it has some */
	if (r->mtp_layers && !r->draft && kvp__vllm_since(r, 23)) {
		unsigned __int128 d = (unsigned __int128)row * r->mtp_layers;

		p->draft_topk_row_bytes = d > UINT64_MAX ? UINT64_MAX : (uint64_t)d;
	}
}
