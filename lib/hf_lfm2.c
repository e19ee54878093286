/*
 * hf_lfm2.c — Liquid AI's LFM2 (Lfm2Config, transformers'
 * configuration_lfm2.py and modeling_lfm2.py): "conv" layers, each a
 * gated short convolution whose state is the last conv_L_cache - 1
 * columns of its input, hidden_size channels and no SSM state, beside
 * "full_attention" layers; the MLP's width as Lfm2MLP works it out.  The
 * state as every engine keeps it (research: /work/research/lfm2-engines.md,
 * lfm2-params.md): llama.cpp's n_embd_r = n_embd x (l_cache - 1) and
 * n_embd_s 0, vLLM's short_conv_state_shape (l_cache - 1, hidden / tp),
 * SGLang's Mamba2StateShape of state size 0; in kvplan's four numbers a
 * conv kernel of conv_L_cache, an inner size of hidden_size, no state
 * and no groups.  LFM2-MoE (Lfm2MoeConfig) has the same layers, its first
 * num_dense_layers an MLP of intermediate_size, the others experts with a
 * bias a router (lib/hf_moe.c, hf_shape.c).
 */
#include <string.h>

#include "hfconfig.h"

/* The attention layers, as Lfm2DecoderLayer and vLLM's and SGLang's
 * models tell them (is_attention_layer = layer_types[i] ==
 * "full_attention": any other entry a conv layer); without layer_types,
 * Lfm2Config's ["full_attention" if i in full_attn_idxs else "conv"],
 * whose indexes past the layers match none; without either, every
 * layer (its default full_attn_idxs, range(layers)). */
static kvp_status layers_of(struct hf *h)
{
	uint8_t kinds[KVP_PATTERN_MAX];
	json_t *types = json_object_get(h->cfg, "layer_types");
	json_t *idx = json_object_get(h->cfg, "full_attn_idxs"), *v;
	const char *key = "layer_types";
	size_t i, outside = 0;
	uint32_t attention = 0;

	if (h->m->layers > KVP_PATTERN_MAX)
		return kvp__hf_fail(h, "num_hidden_layers", "%u layers: kvplan holds a list"
		                    " of at most %d", h->m->layers, KVP_PATTERN_MAX);
	memset(kinds, KVP_LAYER_RECURRENT, sizeof kinds);
	if (types && !json_is_null(types)) {
		if (!json_is_array(types) || json_array_size(types) != h->m->layers)
			return kvp__hf_fail(h, "layer_types", "expected a list of %u layer"
			                    " types", h->m->layers);
		json_array_foreach(types, i, v) {
			if (!json_is_string(v))
				return kvp__hf_fail(h, "layer_types", "entry %zu is not a"
				                    " string", i);
			if (strcmp(json_string_value(v), "full_attention") == 0)
				kinds[i] = KVP_LAYER_FULL;
		}
	} else if (strcmp(h->family, "lfm2_moe") == 0) {
		/* Lfm2MoeConfig has no other rule: transformers builds no
		 * model without it, and SGLang's finds no attention layer */
		return kvp__hf_fail(h, "layer_types", "missing: which layers are conv and"
		                    " which full_attention (Lfm2MoeConfig reads no other key)");
	} else if (!idx || json_is_null(idx)) {
		kvp__note(h->src, "pattern", KVP_ORIGIN_DEFAULTED, "%sno layer_types nor"
		          " full_attn_idxs: every layer attention (Lfm2Config's"
		          " default)", h->prefix);
		return KVP_OK;
	} else {
		if (!json_is_array(idx))
			return kvp__hf_fail(h, "full_attn_idxs", "expected a list of layer"
			                    " indexes");
		key = "full_attn_idxs";
		json_array_foreach(idx, i, v) {
			if (!json_is_integer(v))
				return kvp__hf_fail(h, "full_attn_idxs", "entry %zu is not a"
				                    " whole number", i);
			if (json_integer_value(v) < 0 ||
			    json_integer_value(v) >= (json_int_t)h->m->layers)
				outside++;
			else
				kinds[json_integer_value(v)] = KVP_LAYER_FULL;
		}
		if (outside)
			kvp__source_warn(h->src, "%s: full_attn_idxs: %zu entries are not"
			                 " layers 0 to %u, which no layer matches", h->path,
			                 outside, h->m->layers - 1);
	}
	for (uint32_t l = 0; l < h->m->layers; l++)
		attention += kinds[l] == KVP_LAYER_FULL;
	if (kvp__hf_set_layers(h, key, h->m->layers, kinds) != KVP_OK)
		return KVP_ERR_PARSE;
	kvp__note(h->src, "pattern", KVP_ORIGIN_READ, "%s%s: %u attention layers, the"
	          " other %u conv", h->prefix, key, attention, h->m->layers - attention);
	return KVP_OK;
}

/* Lfm2MLP's width: block_ff_dim (else intermediate_size); with
 * block_auto_adjust_ff_dim int(2 x it / 3), then, unless
 * block_ffn_dim_multiplier is null, int(multiplier x it) up to a
 * multiple of block_multiple_of.  LFM2-2.6B turns the adjustment off
 * (10,752). */
static kvp_status mlp_width(struct hf *h)
{
	static const char *const k_ff[] = {"block_ff_dim", "intermediate_size", NULL};
	static const char *const k_auto[] = {"block_auto_adjust_ff_dim", NULL};
	static const char *const k_of[] = {"block_multiple_of", NULL};
	json_t *mult = json_object_get(h->cfg, "block_ffn_dim_multiplier");
	uint64_t ff = 12288, of = 256;
	bool adjust = true;
	double x = 1.0;

	/* null is Python's None, which turns the adjustment off */
	if (json_is_null(json_object_get(h->cfg, k_auto[0])))
		adjust = false;
	if (kvp__hf_uint(h, NULL, k_ff, UINT32_MAX, &ff) < 0 ||
	    kvp__hf_bool(h, k_auto, &adjust) < 0 ||
	    kvp__hf_uint(h, NULL, k_of, UINT32_MAX, &of) < 0)
		return KVP_ERR_PARSE;
	if (ff == 0)
		return kvp__hf_fail(h, "block_ff_dim", "0: an MLP of no width");
	if (mult && !json_is_null(mult)) {
		if (!json_is_number(mult) || !(json_number_value(mult) > 0) ||
		    !(json_number_value(mult) <= 1e6))
			return kvp__hf_fail(h, "block_ffn_dim_multiplier", "not a number in"
			                    " (0, 1e6]");
		x = json_number_value(mult);
	}
	if (adjust) {
		ff = 2 * ff / 3;
		if (!mult || !json_is_null(mult)) {
			double scaled = x * (double)ff;

			if (of == 0)
				return kvp__hf_fail(h, "block_multiple_of", "0");
			if (!(scaled < 4294967296.0))
				return kvp__hf_fail(h, "block_ffn_dim_multiplier", "an MLP past 32"
				                    " bits");
			ff = (uint64_t)scaled;
			ff = (ff + of - 1) / of * of;
		}
	}
	if (ff > UINT32_MAX)
		return kvp__hf_fail(h, "block_ff_dim", "an MLP past 32 bits");
	h->m->intermediate = (uint32_t)ff;
	kvp__note(h->src, "intermediate", KVP_ORIGIN_DERIVED, "%sLfm2MLP's width %llu"
	          "%s", h->prefix, (unsigned long long)ff,
	          adjust ? " (block_auto_adjust_ff_dim: 2/3, the multiplier, the multiple)"
	                 : "");
	return KVP_OK;
}

kvp_status kvp__hf_rule_lfm2(struct hf *h)
{
	static const char *const k_l[] = {"conv_L_cache", NULL};
	static const char *const k_tie[] = {"tie_embedding", "tie_word_embeddings", NULL};
	uint64_t lcache = 3;
	bool tie = true;
	kvp_status st;

	/* LFM2-MoE's dense layers are MLPs of intermediate_size as it is, its
	 * others experts (lib/hf_moe.c) */
	if ((st = layers_of(h)) != KVP_OK ||
	    (strcmp(h->family, "lfm2") == 0 && (st = mlp_width(h)) != KVP_OK))
		return st;
	if (kvp__hf_uint(h, "ssm_conv_kernel", k_l, UINT32_MAX, &lcache) < 0)
		return KVP_ERR_PARSE;
	if (lcache < 2)
		return kvp__hf_fail(h, "conv_L_cache", "%llu: a short convolution of fewer"
		                    " than 2 taps keeps no state", (unsigned long long)lcache);
	h->m->ssm_conv_kernel = (uint32_t)lcache;
	h->m->ssm_inner = h->m->hidden;
	h->m->ssm_state = h->m->ssm_groups = h->m->ssm_heads = 0;
	kvp__note(h->src, "ssm_inner", KVP_ORIGIN_DERIVED, "%shidden_size %u: a conv"
	          " layer's channels (its state conv_L_cache - 1 columns of them)",
	          h->prefix, h->m->hidden);
	/* tie_embedding wins (Lfm2Config: kwargs.get("tie_embedding",
	 * tie_word_embeddings)), True by default */
	if (kvp__hf_bool(h, k_tie, &tie) < 0)
		return KVP_ERR_PARSE;
	/* tie_embedding null is None, which ties nothing */
	if (json_is_null(json_object_get(h->cfg, "tie_embedding")))
		tie = false;
	h->m->tie_embeddings = tie;
	return KVP_OK;
}
