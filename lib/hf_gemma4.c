/*
 * hf_gemma4.c — Google's Gemma 4 (Gemma4TextConfig: model_type gemma4,
 * its text_config gemma4_text), as transformers builds it
 * (src/transformers/models/gemma4/configuration_gemma4.py @ 351f643a,
 * modeling_gemma4.py @ c308a309) and vLLM caches it
 * (vllm/model_executor/models/gemma4.py @ 81be2e09, Gemma4Attention and
 * Gemma4DecoderLayer).  Research: /work/research/gemma4-params.md,
 * gemma4-engines.md.
 *
 *  - Sliding layers of head_dim (256) and num_key_value_heads; full
 *    layers of global_head_dim (512) and, with attention_k_eq_v,
 *    num_global_key_value_heads (kvp_model full_head_dim, layer_kv_heads).
 *    k_eq_v drops v_proj (V is k_proj's output), not the cache's V row:
 *    every engine keeps both (vLLM loads k_proj into the V slot).
 *  - The last num_kv_shared_layers layers read the cache of the last
 *    earlier layer of their type (kvp_model kv_shared_layers), yet the
 *    checkpoints keep their k_proj, v_proj and k_norm, which vLLM loads.
 *  - The E models' per-layer embeddings (hidden_size_per_layer_input), a
 *    double-wide MLP in the shared layers (use_double_wide_mlp), and
 *    26B-A4B's experts beside a dense MLP (enable_moe_block).
 *
 * The parameters block by block (kvp__hf_gemma4_params) match every
 * release's count: 31B 30,697,345,340 in its language model and
 * 31,273,088,876 with its vision tower (the report of the checkpoint's
 * 1,188 tensors, 62,546,177,752 B in its index's total_size).
 */
#include <string.h>

#include "hfconfig.h"

/* Gemma4TextConfig's defaults (configuration_gemma4.py). */
const struct hf_default kvp__hf_d_gemma4[] = {
	{"vocab_size", 262144, NULL}, {"hidden_size", 2304, NULL},
	{"num_hidden_layers", 30, NULL}, {"num_attention_heads", 8, NULL},
	{"num_key_value_heads", 4, NULL}, {"head_dim", 256, NULL},
	{"max_position_embeddings", 131072, NULL}, {"intermediate_size", 9216, NULL},
	{"global_head_dim", 512, NULL}, {"hidden_size_per_layer_input", 256, NULL},
	{"vocab_size_per_layer_input", 262144, NULL}, {NULL, 0, NULL}};

/* Without layer_types, every sliding_window_pattern-th layer full and the
 * last one full whatever the pattern (Gemma4TextConfig.__post_init__). */
static kvp_status last_full(struct hf *h)
{
	kvp_model *m = h->m;
	uint8_t kinds[KVP_PATTERN_MAX];

	if (kvp_model_layer_kind(m, m->layers - 1) == KVP_LAYER_FULL ||
	    json_is_array(json_object_get(h->cfg, "layer_types")))
		return KVP_OK;
	if (m->layers > KVP_PATTERN_MAX)
		return kvp__hf_fail(h, "num_hidden_layers", "%u layers: kvplan holds a list"
		                    " of at most %d", m->layers, KVP_PATTERN_MAX);
	for (uint32_t i = 0; i < m->layers; i++)
		kinds[i] = (uint8_t)kvp_model_layer_kind(m, i);
	kinds[m->layers - 1] = KVP_LAYER_FULL;
	kvp__note(h->src, "pattern", KVP_ORIGIN_DERIVED, "%sthe last layer full"
	          " (Gemma4TextConfig)", h->prefix);
	return kvp__hf_set_layers(h, "layer_types", m->layers, kinds);
}

/* The full layers' kv heads: num_global_key_value_heads where
 * attention_k_eq_v (transformers' use_alternative_attention, vLLM's
 * Gemma4DecoderLayer; SGLang takes them without it, where no release
 * differs). */
static kvp_status full_kv_heads(struct hf *h, bool k_eq_v)
{
	static const char *const k_global[] = {"num_global_key_value_heads", NULL};
	kvp_model *m = h->m;
	uint64_t kv = 0;
	int r = kvp__hf_uint(h, NULL, k_global, UINT32_MAX, &kv);

	if (r < 0)
		return KVP_ERR_PARSE;
	if (!k_eq_v || r == 0 || kv == m->kv_heads)
		return KVP_OK;
	if (kv == 0)
		return kvp__hf_fail(h, "num_global_key_value_heads", "0: full layers of no"
		                    " kv heads");
	if (m->layers > KVP_PATTERN_MAX)
		return kvp__hf_fail(h, "num_hidden_layers", "%u layers: kvplan holds a list"
		                    " of at most %d", m->layers, KVP_PATTERN_MAX);
	for (uint32_t i = 0; i < m->layers; i++)
		m->layer_kv_heads[i] = kvp_model_layer_kind(m, i) == KVP_LAYER_FULL
		                       ? (uint32_t)kv : m->kv_heads;
	m->layer_kv_heads_len = m->layers;
	kvp__note(h->src, "layer_kv_heads", KVP_ORIGIN_READ, "%snum_global_key_value_heads"
	          " = %llu in the full layers (attention_k_eq_v)", h->prefix,
	          (unsigned long long)kv);
	return KVP_OK;
}

kvp_status kvp__hf_rule_gemma4(struct hf *h)
{
	static const char *const k_head[] = {"global_head_dim", NULL};
	static const char *const k_k_eq_v[] = {"attention_k_eq_v", NULL};
	static const char *const k_shared[] = {"num_kv_shared_layers", NULL};
	kvp_model *m = h->m;
	json_t *given = json_object_get(h->cfg, "global_head_dim");
	uint64_t head = 0, shared = 0;
	bool k_eq_v = false;
	kvp_status st;

	if ((st = kvp__hf_windows_every(h, 6, 512)) != KVP_OK || (st = last_full(h)) != KVP_OK)
		return st;
	/* global_head_dim null: the sliding layers' (transformers' head_dim =
	 * global_head_dim if not sliding and global_head_dim else head_dim) */
	if ((!given || !json_is_null(given)) &&
	    kvp__hf_uint(h, "full_head_dim", k_head, UINT32_MAX, &head) < 0)
		return KVP_ERR_PARSE;
	if (given && !json_is_null(given) && head == 0)
		return kvp__hf_fail(h, "global_head_dim", "0: full layers of no head");
	m->full_head_dim = head != m->head_dim ? (uint32_t)head : 0;
	if (kvp__hf_bool(h, k_k_eq_v, &k_eq_v) < 0 ||
	    (st = full_kv_heads(h, k_eq_v)) != KVP_OK ||
	    kvp__hf_uint(h, "kv_shared_layers", k_shared, UINT32_MAX, &shared) < 0)
		return KVP_ERR_PARSE;
	if (shared >= m->layers)
		return kvp__hf_fail(h, "num_kv_shared_layers", "%llu of %u layers: none would"
		                    " keep a cache to share", (unsigned long long)shared,
		                    m->layers);
	m->kv_shared_layers = (uint32_t)shared;
	m->full_k_eq_v = k_eq_v;
	{
		static const char *const k_ple[] = {"hidden_size_per_layer_input", NULL};
		static const char *const k_wide[] = {"use_double_wide_mlp", NULL};
		uint64_t ple = 0;
		bool wide = false;

		if (kvp__hf_uint(h, NULL, k_ple, UINT32_MAX, &ple) < 0 ||
		    kvp__hf_bool(h, k_wide, &wide) < 0)
			return KVP_ERR_PARSE;
		m->layer_input_width = (uint32_t)ple;
		/* Gemma4TextMLP: config.use_double_wide_mlp and
		 * is_kv_shared_layer; without shared layers, nothing */
		m->double_wide_mlp = wide && shared && m->intermediate;
	}
	return KVP_OK;
}

typedef unsigned __int128 u128;

/* The vision tower and its projector (Gemma4VisionModel and
 * Gemma4MultimodalEmbedder): the patch embedder's input_proj (3 x patch^2
 * to hidden) and position table (2 x position_embedding_size x hidden);
 * each layer's q, k, v and o, q_norm and k_norm of head_dim, gate, up and
 * down and four norms, with use_clipped_linears four bounds a linear;
 * std_bias and std_scale with standardize; embedding_projection to the
 * text's width. */
static int vision(struct hf *h, u128 *out)
{
	json_t *v = json_object_get(h->top, "vision_config");
	struct hf in = kvp__hf_object(h, v, "vision_config.");
	uint64_t d, inter, layers, heads, kv, hd, patch, pos;
	bool clip = false, standardize = false;
	static const char *const k_clip[] = {"use_clipped_linears", NULL};
	static const char *const k_std[] = {"standardize", NULL};
	u128 layer;

	*out = 0;
	if (!json_is_object(v))
		return 0;
	if (kvp__hf_count(&in, "hidden_size", 768, UINT32_MAX, &d) ||
	    kvp__hf_count(&in, "intermediate_size", 3072, UINT32_MAX, &inter) ||
	    kvp__hf_count(&in, "num_hidden_layers", 16, UINT32_MAX, &layers) ||
	    kvp__hf_count(&in, "num_attention_heads", 12, UINT32_MAX, &heads) ||
	    kvp__hf_count(&in, "num_key_value_heads", 12, UINT32_MAX, &kv) ||
	    kvp__hf_count(&in, "head_dim", 64, UINT32_MAX, &hd) ||
	    kvp__hf_count(&in, "patch_size", 16, UINT32_MAX, &patch) ||
	    kvp__hf_count(&in, "position_embedding_size", 10240, UINT32_MAX, &pos) ||
	    kvp__hf_bool(&in, k_clip, &clip) < 0 || kvp__hf_bool(&in, k_std, &standardize) < 0)
		return -1;
	layer = (u128)d * heads * hd * 2 + (u128)2 * d * kv * hd + 2 * (u128)hd +
	        3 * (u128)d * inter + 4 * (u128)d + (clip ? 7 * 4 : 0);
	*out = (u128)3 * patch * patch * d + (u128)2 * pos * d + layers * layer +
	       (standardize ? 2 * (u128)d : 0) + (u128)d * h->m->hidden;
	return 0;
}

/* The E models' audio tower and projector (Gemma4AudioModel): the
 * subsampling's two 3x3 convs with their norms and input_proj_linear;
 * each conformer layer's two feed-forwards (hidden -> 4 hidden ->
 * hidden), attention (q, k, v, post, relative_k_proj, per_dim_scale),
 * light conv (linear_start to 2 hidden, a depthwise conv of
 * conv_kernel_size taps, linear_end) and norms, with use_clipped_linears
 * four bounds a linear; output_proj with its bias; embedding_projection. */
static int audio(struct hf *h, u128 *out)
{
	json_t *a = json_object_get(h->top, "audio_config");
	struct hf in = kvp__hf_object(h, a, "audio_config.");
	json_t *ch = json_object_get(a, "subsampling_conv_channels");
	uint64_t d, layers, heads, kernel, proj, c0 = 128, c1 = 32;
	bool clip = true;
	static const char *const k_clip[] = {"use_clipped_linears", NULL};
	u128 cl, ff, att, conv;

	*out = 0;
	if (!json_is_object(a))
		return 0;
	if (kvp__hf_count(&in, "hidden_size", 1024, UINT32_MAX, &d) ||
	    kvp__hf_count(&in, "num_hidden_layers", 12, UINT32_MAX, &layers) ||
	    kvp__hf_count(&in, "num_attention_heads", 8, UINT32_MAX, &heads) ||
	    kvp__hf_count(&in, "conv_kernel_size", 5, UINT32_MAX, &kernel) ||
	    kvp__hf_count(&in, "output_proj_dims", 1536, UINT32_MAX, &proj) ||
	    kvp__hf_bool(&in, k_clip, &clip) < 0)
		return -1;
	if (ch && !json_is_null(ch)) {
		if (!json_is_array(ch) || json_array_size(ch) != 2 ||
		    !json_is_integer(json_array_get(ch, 0)) ||
		!json_is_integer(json_array_get(ch, 1)) ||
		    json_integer_value(json_array_get(ch, 0)) <= 0 ||
		    json_integer_value(json_array_get(ch, 1)) <= 0 ||
		    json_integer_value(json_array_get(ch, 0)) > UINT32_MAX ||
		    json_integer_value(json_array_get(ch, 1)) > UINT32_MAX) {
			kvp__hf_fail(&in, "subsampling_conv_channels", "expected two channel counts");
			return -1;
		}
		c0 = (uint64_t)json_integer_value(json_array_get(ch, 0));
		c1 = (uint64_t)json_integer_value(json_array_get(ch, 1));
	}
	if (!heads || d % heads) {
		kvp__hf_fail(&in, "num_attention_heads", "%llu does not divide hidden_size %llu",
		             (unsigned long long)heads, (unsigned long long)d);
		return -1;
	}
	cl = clip ? 4 : 0;
	ff = 2 * ((u128)4 * d * d + cl) + 2 * (u128)d;
	att = 4 * ((u128)d * d + cl) + (u128)d * d + d / heads;
	conv = ((u128)2 * d * d + cl) + ((u128)d * d + cl) + (u128)d * kernel + 2 * (u128)d;
	*out = (u128)c0 * 9 + c0 + (u128)c1 * c0 * 9 + c1 + (u128)(c0 / 4) * c1 * d +
	       layers * (2 * ff + att + conv + 3 * (u128)d) + (u128)d * proj + proj +
	       (u128)proj * h->m->hidden;
	return 0;
}

int kvp__hf_gemma4_params(struct hf *h, const kvp_model *m, u128 *total, u128 *towers)
{
	static const char *const k_k_eq_v[] = {"attention_k_eq_v", NULL};
	static const char *const k_wide[] = {"use_double_wide_mlp", NULL};
	static const char *const k_moe[] = {"enable_moe_block", NULL};
	u128 d = m->hidden, n, v = 0, a = 0;
	uint64_t ple, ple_vocab, inter;
	bool k_eq_v = false, wide = false, moe = false;
	uint32_t first = m->layers - m->kv_shared_layers;

	if (strncmp(h->family, "gemma4", 6) != 0)
		return 0;
	if (kvp__hf_count(h, "hidden_size_per_layer_input", 256, UINT32_MAX, &ple) ||
	    kvp__hf_count(h, "vocab_size_per_layer_input", m->vocab, UINT32_MAX, &ple_vocab) ||
	    kvp__hf_count(h, "intermediate_size", 9216, UINT32_MAX, &inter) ||
	    kvp__hf_bool(h, k_k_eq_v, &k_eq_v) < 0 || kvp__hf_bool(h, k_wide, &wide) < 0 ||
	    kvp__hf_bool(h, k_moe, &moe) < 0 || vision(h, &v) < 0 || audio(h, &a) < 0)
		return -1;
	/* embed_tokens (the head tied or not), the final norm; the per-layer
	 * inputs' table, projection and norm */
	n = (u128)m->vocab * d * (m->tie_embeddings ? 1 : 2) + d;
	if (ple)
		n += (u128)ple_vocab * m->layers * ple + d * m->layers * ple + ple;
	for (uint32_t i = 0; i < m->layers; i++) {
		bool full = kvp__layer_weights_kind(m, i) == KVP_LAYER_FULL;
		u128 hd = kvp_model_layer_head_dim(m, i), kv = kvp_model_layer_kv_heads(m, i);
		u128 mlp = (u128)inter * (wide && i >= first ? 2 : 1);

		/* q_proj, q_norm, o_proj; k_proj, k_norm, and v_proj but on
		 * a k_eq_v full layer */
		n += 2 * d * m->heads * hd + hd + d * kv * hd + hd +
		     (k_eq_v && full ? 0 : d * kv * hd);
		/* the MLP, four norms, layer_scalar; the per-layer input's
		 * gate, projection and norm */
		n += 3 * d * mlp + 4 * d + 1 + (ple ? 2 * d * ple + d : 0);
		/* the router (proj, scale, per_expert_scale), the experts'
		 * gate_up_proj and down_proj, three more norms */
		if (moe && m->moe_routed_experts)
			n += d * m->moe_routed_experts + d + m->moe_routed_experts +
			     (u128)m->moe_routed_experts * 3 * m->moe_intermediate * d + 3 * d;
	}
	*towers = v + a;
	*total = n + v + a;
	return 1;
}
