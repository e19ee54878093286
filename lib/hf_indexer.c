/*
 * hf_indexer.c — config.json's DeepSeek Sparse Attention indexer
 * (DeepSeek-V3.2, GLM-5, GLM-5.2: model types deepseek_v32, glm_moe_dsa):
 * the key's width, its heads, the tokens it selects and which layers
 * keep it.
 *
 * Which layers, as transformers' GlmMoeDsaConfig.__post_init__ reads them
 * (models/glm_moe_dsa/configuration_glm_moe_dsa.py @008e5743):
 * indexer_types, a "full" or "shared" a layer; else index_topk_pattern,
 * a letter a layer, "F" or "S"; else index_topk_freq (1) and
 * index_skip_topk_offset (2), layer i full when
 * max(i - offset + 1, 0) % max(freq, 1) == 0.  GLM-5.2 gives freq 4 and
 * offset 3.  vLLM, SGLang and TensorRT-LLM read the pattern or freq and
 * offset, not indexer_types, which transformers writes from them.
 */
#include <string.h>

#include "hfconfig.h"
#include "internal.h"

/* One entry of indexer_types or of a listed pattern: 1 full, 0 shared,
 * -1 neither. */
static int role(const json_t *v)
{
	const char *s = json_is_string(v) ? json_string_value(v) : NULL;

	if (!s)
		return -1;
	if (strcmp(s, "full") == 0 || strcmp(s, "F") == 0)
		return 1;
	if (strcmp(s, "shared") == 0 || strcmp(s, "S") == 0)
		return 0;
	return -1;
}

/* A list of roles, one a layer, into index_layers. */
static kvp_status role_list(struct hf *h, const char *key, const json_t *list)
{
	kvp_model *m = h->m;
	size_t i;
	json_t *v;

	if (json_array_size(list) != m->layers || m->layers > KVP_PATTERN_MAX)
		return kvp__hf_fail(h, key, "%zu entries for %u layers (at most %d)",
		                    json_array_size(list), m->layers, KVP_PATTERN_MAX);
	json_array_foreach(list, i, v) {
		int full = role(v);

		if (full < 0)
			return kvp__hf_fail(h, key, "entry %zu is not \"full\" or \"shared\""
			                    " (\"F\" or \"S\")", i);
		m->index_layers[i] = (uint8_t)full;
	}
	/* Named at the key, not later at the model: a first layer shares
	 * the top-k of none before it. */
	if (m->layers && !m->index_layers[0])
		return kvp__hf_fail(h, key, "entry 0 is \"shared\": layer 0 has no full layer"
		                    " before it whose top-k it could reuse");
	m->index_layers_len = m->layers;
	return KVP_OK;
}

/* Which layers keep the key: a list, a pattern of letters, or the rule. */
static kvp_status layers(struct hf *h)
{
	static const char *const k_types[] = {"indexer_types", NULL};
	static const char *const k_pattern[] = {"index_topk_pattern", NULL};
	static const char *const k_freq[] = {"index_topk_freq", NULL};
	static const char *const k_offset[] = {"index_skip_topk_offset", NULL};
	kvp_model *m = h->m;
	const char *which;
	json_t *v;
	uint64_t freq = 0, offset = 0;
	int has_offset;

	if ((v = kvp__hf_get(h, k_types, &which)) != NULL ||
	    ((v = kvp__hf_get(h, k_pattern, &which)) != NULL && json_is_array(v))) {
		if (!json_is_array(v))
			return kvp__hf_fail(h, which, "expected a list of \"full\" and"
			                    " \"shared\"");
		if (role_list(h, which, v) != KVP_OK)
			return KVP_ERR_PARSE;
		kvp__note(h->src, "index_layers", KVP_ORIGIN_READ, "%s%s: %u entries",
		          h->prefix, which, m->layers);
		return KVP_OK;
	}
	if (v) {
		kvp_error sub;

		if (!json_is_string(v))
			return kvp__hf_fail(h, which, "expected a string of F and S, one a"
			                    " layer");
		if (kvp__index_pattern_parse(json_string_value(v), m, &sub) != KVP_OK)
			return kvp__hf_fail(h, which, "%s", sub.message);
		kvp__note(h->src, "index_layers", KVP_ORIGIN_READ, "%s%s: %u letters",
		          h->prefix, which, m->layers);
		return KVP_OK;
	}
	if (kvp__hf_uint(h, NULL, k_freq, UINT32_MAX, &freq) < 0 ||
	    (has_offset = kvp__hf_uint(h, NULL, k_offset, UINT32_MAX, &offset)) < 0)
		return KVP_ERR_PARSE;
	if (freq <= 1)
		return KVP_OK;
	/* Offset 0 would make layer 0 share: refused here, as kvp_model's 0
	 * is the default. */
	if (has_offset && offset == 0)
		return kvp__hf_fail(h, "index_skip_topk_offset", "0 makes layer 0 share"
		                    " the indexer's top-k of no layer before it");
	m->index_topk_freq = (uint32_t)freq;
	m->index_topk_offset = has_offset ? (uint32_t)offset : 0;
	kvp__note(h->src, "index_topk_freq", KVP_ORIGIN_READ,
	          "%sindex_topk_freq = %llu, index_skip_topk_offset = %llu%s: %u of %u"
	          " layers keep the indexer's key", h->prefix, (unsigned long long)freq,
	          has_offset ? (unsigned long long)offset : 2ULL,
	          has_offset ? "" : " (GlmMoeDsaConfig's default)",
	          kvp_model_count_indexed(m), m->layers);
	return KVP_OK;
}

kvp_status kvp__hf_indexer(struct hf *h)
{
	static const char *const k_dim[] = {"index_head_dim", NULL};
	static const char *const k_heads[] = {"index_n_heads", NULL};
	static const char *const k_topk[] = {"index_topk", NULL};
	uint64_t dim = 0, heads = 0, topk = 0;
	int got, got_heads;

	if ((got = kvp__hf_uint(h, "index_head_dim", k_dim, UINT32_MAX, &dim)) < 0 ||
	    (got_heads = kvp__hf_uint(h, "index_heads", k_heads, UINT32_MAX, &heads)) < 0)
		return KVP_ERR_PARSE;
	/* The classes' defaults: DeepseekV32Config's 64, GlmMoeDsaConfig's
	 * 32. */
	if (!got_heads) {
		bool glm = strcmp(h->family, "glm_moe_dsa") == 0;

		heads = glm ? 32 : 64;
		kvp__note(h->src, "index_heads", KVP_ORIGIN_DEFAULTED,
		          "%sindex_n_heads absent: %s's %llu", h->prefix,
		          glm ? "GlmMoeDsaConfig" : "DeepseekV32Config",
		          (unsigned long long)heads);
	}
	if (got_heads && heads == 0)
		return kvp__hf_fail(h, "index_n_heads", "0: the indexer has query heads,"
		                    " whose weights every rank holds");
	h->m->index_heads = (uint32_t)heads;
	if (!got) {
		dim = 128;
		kvp__note(h->src, "index_head_dim", KVP_ORIGIN_DEFAULTED,
		          "%sindex_head_dim absent: DeepseekV32Config's 128", h->prefix);
	}
	if (dim == 0 || dim % 128 != 0)
		return kvp__hf_fail(h, "index_head_dim", "%llu is not a multiple of 128, the"
		                    " indexer's block of one scale", (unsigned long long)dim);
	h->m->index_head_dim = (uint32_t)dim;
	/* The tokens it selects: both classes' default is 2048. */
	if ((got = kvp__hf_uint(h, "index_topk", k_topk, UINT32_MAX, &topk)) < 0)
		return KVP_ERR_PARSE;
	if (!got) {
		topk = 2048;
		kvp__note(h->src, "index_topk", KVP_ORIGIN_DEFAULTED,
		          "%sindex_topk absent: %s's 2048", h->prefix,
		          strcmp(h->family, "glm_moe_dsa") == 0 ? "GlmMoeDsaConfig"
		                                                 : "DeepseekV32Config");
	} else if (topk == 0) {
		return kvp__hf_fail(h, "index_topk", "0 selects no token for the"
		                    " sparse attention");
	}
	h->m->index_topk = (uint32_t)topk;
	return layers(h);
}
