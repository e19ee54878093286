/*
 * hf_nemotron.c — Nemotron-H's layers (Nemotron-H, Nemotron Nano 2,
 * Nemotron 3 Nano, Super and Ultra): which block each layer is, and its
 * parameters tensor by tensor where no checkpoint counts them, its MTP
 * layers' too.
 *
 * Its config.json names each layer's block in hybrid_override_pattern (M
 * Mamba-2, * attention, - MLP, E mixture of experts), or in transformers
 * 5's layers_block_type (alias layer_types): "linear_attention" or the
 * legacy "mamba", "full_attention" or "attention", "mlp", "moe".  Where
 * both are given, transformers takes the list (NemotronHConfig
 * __post_init__, huggingface/transformers @ 13923c6); kvplan refuses two
 * that disagree.  Every block has one RMSNorm of hidden before its mixer,
 * and the model a final one (norm_f).  The tensors, as vLLM's
 * nemotron_h.py builds them (vllm-project/vllm, August 2026;
 * transformers' modeling_nemotron_h.py alike):
 *  - M, MambaMixer2: in_proj hidden x (2 inner + 2 groups x state +
 *    heads), conv1d (inner + 2 groups x state) x conv_kernel and its bias
 *    (use_conv_bias), A_log, D and dt_bias a head each, the gated norm's
 *    inner, out_proj inner x hidden; in_proj's and out_proj's biases with
 *    use_bias;
 *  - *, NemotronHAttention: q and o hidden x heads x head_dim, k and v
 *    hidden x kv_heads x head_dim, no bias;
 *  - -, NemotronHMLP (relu2, no gate): up and down hidden x
 *    intermediate_size, their biases with mlp_bias (a list of the MLP
 *    layers' sizes, which vLLM reads, is refused where the config is
 *    read);
 *  - E, NemotronHMoE: the router (gate) hidden x n_routed_experts and its
 *    e_score_correction_bias, each routed expert up and down of
 *    moe_intermediate_size over hidden (over moe_latent_size where the
 *    config gives one, with fc1_latent_proj and fc2_latent_proj hidden x
 *    latent, and their biases with mlp_bias), and the shared experts'
 *    one MLP of moe_shared_expert_intermediate_size x n_shared_experts.
 * Nemotron-H-56B's config gives 56,324,350,464 (data/models/
 * nemotron-h-56b.yaml counts it by hand); Nemotron 3 Nano 30B-A3B's
 * 31,577,940,288 (NVIDIA's card: 31.6B).
 *
 * An MTP layer (num_nextn_predict_layers of them; Nemotron 3 Super and
 * Ultra have one) is the blocks of mtp_hybrid_override_pattern, or of
 * mtp_layers_block_type where it is not its default ["full_attention",
 * "moe"] (transformers' rule), "*E" where neither is given: vLLM's
 * NemotronHMultiTokenPredictor (nemotron_h_mtp.py) builds each as the
 * model's, the first with enorm, hnorm and eh_proj (2 hidden x hidden,
 * no bias), the last with a final_layernorm; it takes the model's
 * embedding and head (the checkpoint's mtp.* holds none).
 */
#include <string.h>

#include "hfconfig.h"

/* Block names: transformers 5's and the legacy ones it remaps
 * (configuration_utils remap_legacy_layer_types). */
static const struct {
	const char *name;
	char block;
} names[] = {
	{"mamba", 'M'}, {"linear_attention", 'M'}, {"attention", '*'},
	{"full_attention", '*'}, {"mlp", '-'}, {"moe", 'E'},
};

static bool given(const json_t *v)
{
	return v && !json_is_null(v);
}

/* A pattern string p (key) into out: 1, or -1 reported (or longer than
 * cap: *n past cap, unreported). */
static int read_string(struct hf *h, const char *key, const json_t *p, char *out, size_t cap,
                       size_t *n)
{
	const char *s = json_string_value(p);

	if (!s || json_string_length(p) == 0)
		return kvp__hf_fail(h, key, "%s", s ? "empty" : "not a string of M, *, - and E"),
		       *n = 0, -1;
	*n = json_string_length(p);
	if (*n > cap)
		return -1;
	for (size_t i = 0; i < *n; i++) {
		if (!s[i] || !strchr("M*-E", s[i]))
			return kvp__hf_fail(h, key, "layer %zu is not M, *, - or E", i), -1;
		out[i] = s[i];
	}
	return 1;
}

/* A list of block names p (key) into out: as read_string. */
static int read_list(struct hf *h, const char *key, const json_t *p, char *out, size_t cap,
                     size_t *n)
{
	const json_t *v;
	size_t i;

	if (!json_is_array(p) || json_array_size(p) == 0)
		return kvp__hf_fail(h, key, "not a list of block names"), *n = 0, -1;
	*n = json_array_size(p);
	if (*n > cap)
		return -1;
	json_array_foreach(p, i, v) {
		const char *s = json_string_value(v);
		size_t k = 0;

		while (s && k < sizeof names / sizeof names[0] && strcmp(s, names[k].name) != 0)
			k++;
		if (!s || k == sizeof names / sizeof names[0])
			return kvp__hf_fail(h, key, "layer %zu is not \"linear_attention\","
			                    " \"full_attention\", \"mlp\" or \"moe\" (nor \"mamba\""
			                    " or \"attention\")", i), -1;
		out[i] = names[k].block;
	}
	return 1;
}

const char *kvp__hf_nemotron_key(struct hf *h)
{
	if (given(json_object_get(h->cfg, "layers_block_type")))
		return "layers_block_type";
	if (given(json_object_get(h->cfg, "layer_types")))
		return "layer_types";
	return "hybrid_override_pattern";
}

int kvp__hf_nemotron_pattern(struct hf *h, char *out, size_t cap, size_t *n)
{
	const char *key = kvp__hf_nemotron_key(h);
	const json_t *s = json_object_get(h->cfg, "hybrid_override_pattern");
	char other[KVP_PATTERN_MAX];
	size_t k = 0;
	int r;

	if (strcmp(key, "hybrid_override_pattern") == 0)
		return given(s) ? read_string(h, key, s, out, cap, n) : 0;
	if ((r = read_list(h, key, json_object_get(h->cfg, key), out, cap, n)) <= 0 || !given(s))
		return r;
	/* Both: transformers takes the list; two that disagree are refused. */
	r = read_string(h, "hybrid_override_pattern", s, other, sizeof other, &k);
	if (r < 0 && k <= sizeof other)
		return -1;
	if (k != *n)
		return kvp__hf_fail(h, "hybrid_override_pattern", "%zu layers, and %s %zu",
		                    k, key, *n), -1;
	for (size_t i = 0; i < k; i++)
		if (other[i] != out[i])
			return kvp__hf_fail(h, "hybrid_override_pattern", "layer %zu is %c,"
			                    " and %s's %c", i, other[i], key, out[i]), -1;
	return 1;
}

/* -1, reporting a list of n blocks past cap (one under cap was). */
static int too_long(struct hf *h, const char *key, size_t n, size_t cap)
{
	if (n > cap)
		kvp__hf_fail(h, key, "%zu blocks, more than the %zu modelled", n, cap);
	return -1;
}

int kvp__hf_nemotron_mtp(struct hf *h, char *out, size_t cap, size_t *n)
{
	const json_t *l = json_object_get(h->cfg, "mtp_layers_block_type"),
	             *s = json_object_get(h->cfg, "mtp_hybrid_override_pattern");
	int r;

	if (given(l)) {
		if ((r = read_list(h, "mtp_layers_block_type", l, out, cap, n)) < 0)
			return too_long(h, "mtp_layers_block_type", *n, cap);
		/* the default yields to the string */
		if (!given(s) || *n != 2 || out[0] != '*' || out[1] != 'E')
			return 1;
	}
	if (given(s)) {
		r = read_string(h, "mtp_hybrid_override_pattern", s, out, cap, n);
		return r < 0 ? too_long(h, "mtp_hybrid_override_pattern", *n, cap) : 1;
	}
	*n = 2;
	memcpy(out, "*E", 2);
	return 1;
}

/* An integer under key, 0 where absent: false where reported. */
static bool uint_of(struct hf *h, const char *key, uint64_t *out)
{
	const char *const keys[] = {key, NULL};

	*out = 0;
	return kvp__hf_uint(h, NULL, keys, UINT32_MAX, out) >= 0;
}

/* A boolean under key, dflt where absent: false where reported. */
static bool bool_of(struct hf *h, const char *key, bool dflt, bool *out)
{
	const char *const keys[] = {key, NULL};
	int r = kvp__hf_bool(h, keys, out);

	if (r == 0)
		*out = dflt;
	return r >= 0;
}

/* What sizes a block, from the config. */
struct shape {
	uint64_t inter, heads, experts, moe, shared, n_shared, latent;
	bool conv_bias, bias, mlp_bias;
};

static bool read_shape(struct hf *h, struct shape *s)
{
	return uint_of(h, "mamba_num_heads", &s->heads) &&
	       uint_of(h, "intermediate_size", &s->inter) &&
	       uint_of(h, "n_routed_experts", &s->experts) &&
	       uint_of(h, "moe_intermediate_size", &s->moe) &&
	       uint_of(h, "moe_shared_expert_intermediate_size", &s->shared) &&
	       uint_of(h, "n_shared_experts", &s->n_shared) &&
	       uint_of(h, "moe_latent_size", &s->latent) &&
	       bool_of(h, "use_conv_bias", true, &s->conv_bias) &&
	       bool_of(h, "use_bias", false, &s->bias) &&
	       bool_of(h, "mlp_bias", false, &s->mlp_bias);
}

/* One block's parameters, its norm with them.  Every figure is below
 * 2^32: a block's stays under 2^100. */
static unsigned __int128 block_params(const kvp_model *m, const struct shape *s, char block)
{
	unsigned __int128 d = m->hidden, inner = m->ssm_inner,
	                  bc = 2 * (unsigned __int128)m->ssm_groups * m->ssm_state,
	                  in = 2 * inner + bc + s->heads;
	unsigned __int128 q = (unsigned __int128)m->heads * m->head_dim,
	                  kv = (unsigned __int128)m->kv_heads * m->head_dim;
	unsigned __int128 width = s->latent ? s->latent : d, f = s->inter;
	unsigned __int128 sum = d; /* the block's norm */

	switch (block) {
	case 'M':
		sum += d * in + (inner + bc) * (m->ssm_conv_kernel + s->conv_bias) +
		       3 * s->heads + inner + inner * d + (s->bias ? in + d : 0);
		break;
	case '*':
		sum += 2 * d * q + 2 * d * kv;
		break;
	case '-':
		sum += 2 * d * f + (s->mlp_bias ? f + d : 0);
		break;
	default: /* 'E' */
		f = (unsigned __int128)s->shared * s->n_shared;
		sum += d * s->experts + s->experts + 2 * width * s->moe * s->experts + 2 * d * f +
		       (s->latent ? 2 * d * s->latent + (s->mlp_bias ? s->latent + d : 0) : 0);
		break;
	}
	return sum;
}

int kvp__hf_nemotron_params(struct hf *h, const kvp_model *m, unsigned __int128 *total,
                            unsigned __int128 *mtp)
{
	char blocks[KVP_PATTERN_MAX], extra[KVP__NEMOTRON_MTP_MAX];
	size_t n = 0, k = 0;
	struct shape s;
	unsigned __int128 d = m->hidden, sum;
	int r = kvp__hf_nemotron_pattern(h, blocks, sizeof blocks, &n);

	*mtp = 0;
	if (r <= 0 || n != m->layers)
		return r < 0 ? -1 : 0;
	memset(&s, 0, sizeof s);
	if (!read_shape(h, &s))
		return -1;
	/* Embeddings and the head unless tied, and norm_f. */
	sum = (unsigned __int128)m->vocab * d * (m->tie_embeddings ? 1 : 2) + d;
	for (size_t i = 0; i < n; i++)
		sum += block_params(m, &s, blocks[i]);
	/* The MTP layers: their blocks, eh_proj, enorm, hnorm and the final
	 * norm (rule_nemotron_h left none where their blocks are not
	 * modelled). */
	if (m->mtp_layers) {
		if (kvp__hf_nemotron_mtp(h, extra, sizeof extra, &k) < 0)
			return -1;
		*mtp = 2 * d * d + 3 * d;
		for (size_t i = 0; i < k; i++)
			*mtp += block_params(m, &s, extra[i]);
		*mtp *= m->mtp_layers;
	}
	*total = sum + *mtp;
	return 1;
}
