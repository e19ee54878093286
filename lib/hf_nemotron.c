/*
 * hf_nemotron.c — Nemotron-H's layers (Nemotron-H, Nemotron Nano 2,
 * Nemotron 3 Nano and Super): which block each layer is, and its
 * parameters tensor by tensor where no checkpoint counts them.
 *
 * Its config.json names each layer's block in hybrid_override_pattern (M
 * Mamba-2, * attention, - MLP, E mixture of experts), or in transformers
 * 5's layers_block_type ("mamba", "attention", "mlp", "moe").  Every block
 * has one RMSNorm of hidden before its mixer, and the model a final one
 * (norm_f).  The tensors, as vLLM's nemotron_h.py builds them
 * (vllm-project/vllm, August 2026; transformers' modeling_nemotron_h.py
 * alike):
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
 */
#include <string.h>

#include "hfconfig.h"

int kvp__hf_nemotron_pattern(struct hf *h, char *out, size_t cap, size_t *n)
{
	static const struct {
		const char *name;
		char block;
	} names[] = {{"mamba", 'M'}, {"attention", '*'}, {"mlp", '-'}, {"moe", 'E'}};
	json_t *p = json_object_get(h->cfg, "hybrid_override_pattern");
	json_t *v;
	size_t i;

	if (json_is_string(p)) {
		const char *s = json_string_value(p);

		*n = json_string_length(p);
		if (*n > cap)
			return -1;
		for (i = 0; i < *n; i++) {
			if (!s[i] || !strchr("M*-E", s[i]))
				return kvp__hf_fail(h, "hybrid_override_pattern", "layer %zu"
				                    " is not M, *, - or E", i), -1;
			out[i] = s[i];
		}
		return 1;
	}
	p = json_object_get(h->cfg, "layers_block_type");
	if (!json_is_array(p))
		return 0;
	*n = json_array_size(p);
	if (*n > cap)
		return -1;
	json_array_foreach(p, i, v) {
		const char *s = json_string_value(v);
		size_t k = 0;

		while (s && k < sizeof names / sizeof names[0] && strcmp(s, names[k].name) != 0)
			k++;
		if (!s || k == sizeof names / sizeof names[0])
			return kvp__hf_fail(h, "layers_block_type", "layer %zu is not"
			                    " \"mamba\", \"attention\", \"mlp\" or \"moe\"", i), -1;
		out[i] = names[k].block;
	}
	return 1;
}

/* An integer under keys, 0 where absent: false where reported. */
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

int kvp__hf_nemotron_params(struct hf *h, const kvp_model *m, unsigned __int128 *total)
{
	char blocks[KVP_PATTERN_MAX];
	size_t n = 0;
	uint64_t inter = 0, heads = 0, experts = 0, moe = 0, shared = 0, n_shared = 0, latent = 0;
	bool conv_bias, bias, mlp_bias;
	unsigned __int128 d = m->hidden, sum;
	int r = kvp__hf_nemotron_pattern(h, blocks, sizeof blocks, &n);

	if (r <= 0 || n != m->layers)
		return r < 0 ? -1 : 0;
	if (!uint_of(h, "mamba_num_heads", &heads) || !uint_of(h, "intermediate_size", &inter) || !uint_of(h, "n_routed_experts", &experts) ||
	    !uint_of(h, "moe_intermediate_size", &moe) ||
	    !uint_of(h, "moe_shared_expert_intermediate_size", &shared) ||
	    !uint_of(h, "n_shared_experts", &n_shared) || !uint_of(h, "moe_latent_size", &latent) ||
	    !bool_of(h, "use_conv_bias", true, &conv_bias) || !bool_of(h, "use_bias", false, &bias) ||
	    !bool_of(h, "mlp_bias", false, &mlp_bias))
		return -1;
	/* Embeddings and the head unless tied, and norm_f. */
	sum = (unsigned __int128)m->vocab * d * (m->tie_embeddings ? 1 : 2) + d;
	for (size_t i = 0; i < n; i++) {
		unsigned __int128 inner = m->ssm_inner, bc = 2 * (unsigned __int128)m->ssm_groups *
		                                          m->ssm_state, in = 2 * inner + bc + heads;
		unsigned __int128 q = (unsigned __int128)m->heads * m->head_dim,
		                  kv = (unsigned __int128)m->kv_heads * m->head_dim;
		unsigned __int128 width = latent ? latent : d, f = inter;

		sum += d; /* the block's norm */
		switch (blocks[i]) {
		case 'M':
			sum += d * in + (inner + bc) * (m->ssm_conv_kernel + conv_bias) + 3 * heads +
			       inner + inner * d + (bias ? in + d : 0);
			break;
		case '*':
			sum += 2 * d * q + 2 * d * kv;
			break;
		case '-':
			sum += 2 * d * f + (mlp_bias ? f + d : 0);
			break;
		default: /* 'E' */
			f = (unsigned __int128)shared * n_shared;
			sum += d * experts + experts + 2 * width * moe * experts + 2 * d * f +
			       (latent ? 2 * d * latent + (mlp_bias ? latent + d : 0) : 0);
			break;
		}
	}
	*total = sum;
	return 1;
}
