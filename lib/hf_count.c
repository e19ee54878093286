/*
 * hf_count.c — a config.json's parameters where no checkpoint is beside
 * it, counted tensor by tensor as the family's modelling code builds them
 * (its shape: hf_shape.c): the embeddings and head, each layer's
 * attention (or MLA, or Gated DeltaNet, or a Mamba mixer, or Falcon-H1's
 * attention and Mamba-2 mixer side by side) with its biases
 * and norms, its MLP or experts with the router, the final norm, the
 * checkpoint's MTP layers (kvp_model mtp_params) and a vision tower
 * (hf_vision.c).  Nemotron-H's blocks are hf_nemotron.c's.
 */
#include <string.h>

#include "hf_shape.h"

/* One attention layer's q, k, v and o with their biases, norms and
 * sinks, of kv kv heads (a layer sharing another's cache has none). */
static unsigned __int128 attention(const kvp_model *m, const struct shape *s, uint64_t kv,
                                   uint64_t hd)
{
	unsigned __int128 d = m->hidden, q = (unsigned __int128)m->heads * hd,
	                  k = (unsigned __int128)kv * hd, gate = kvp__q_gate(m);
	unsigned __int128 n = d * q * gate + 2 * d * k + q * d;

	if (s->q_bias)
		n += q * gate;
	if (s->kv_bias)
		n += 2 * k;
	if (s->o_bias)
		n += d;
	/* q_norm and k_norm of head_dim (Phi's LayerNorms with their
	 * biases); Cohere's of every head's and kv head's values */
	if (s->qk_norm)
		n += 2 * (unsigned __int128)hd * s->norm;
	if (s->head_norm)
		n += q + k;
	if (s->sinks)
		n += m->heads;
	return n;
}

/* One MLA layer's projections and its two latent norms. */
static unsigned __int128 mla(const kvp_model *m)
{
	unsigned __int128 d = m->hidden, heads = m->heads, hd = m->head_dim,
	                  lora = m->kv_lora_rank, q = m->q_lora_rank;
	uint64_t v = m->v_head_dim ? m->v_head_dim : m->head_dim;

	return (q ? d * q + q + q * heads * hd : d * heads * hd) +
	       d * (lora + m->qk_rope_dim) + lora +
	       lora * heads * ((uint64_t)m->qk_nope_dim + v) + heads * v * d;
}

/* One recurrent layer's mixer: Gated DeltaNet's, or a Mamba's in_proj
 * (z, x, B, C) and out_proj for the other families. */
static unsigned __int128 recurrent(const kvp_model *m, const struct shape *s)
{
	unsigned __int128 d = m->hidden;

	if (s->kda) {
		/* Kimi-Linear's KimiDeltaAttention (research: /work/research/
		 * kimi-linear-params.md), P = heads x head_dim (ssm_inner), D
		 * the head_dim (ssm_state), H the heads: q, k, v d x P, their
		 * depthwise convs P x kernel (no bias), f_a and g_a d x D, f_b
		 * and g_b D x P, b_proj d x H, A_log H, dt_bias P, o_norm D,
		 * o_proj P x d */
		unsigned __int128 p = m->ssm_inner, hd = m->ssm_state, h = m->ssm_heads;

		return 3 * d * p + 3 * p * m->ssm_conv_kernel + 2 * hd * (d + p) + d * h + h +
		       p + hd + p * d;
	}
	if (s->delta && s->key_heads && s->value_heads) {
		unsigned __int128 keys = (unsigned __int128)s->key_heads * s->key_dim,
		                  values = (unsigned __int128)s->value_heads * s->value_dim;

		return d * (2 * keys + 2 * values + 2 * s->value_heads) +
		       (2 * keys + values) * m->ssm_conv_kernel + 2 * s->value_heads +
		       s->value_dim + values * d;
	}
	if (s->short_conv)
		/* LFM2: in_proj d x 3d, the conv d x kernel, out_proj d x d */
		return 4 * d * d + d * m->ssm_conv_kernel + (s->conv_bias ? 5 * d : 0);
	if (s->dt_rank) {
		/* Mamba-1 (Jamba's): in_proj hidden x 2 inner, conv1d inner x
		 * kernel, x_proj inner x (dt_rank + 2 state), dt_proj dt_rank x
		 * inner and its bias, A_log inner x state, D inner, out_proj
		 * inner x hidden, and the dt, B and C RMSNorms */
		unsigned __int128 in = m->ssm_inner, st = m->ssm_state, r = s->dt_rank;

		return d * 2 * in + in * m->ssm_conv_kernel + (s->conv_bias ? in : 0) +
		       in * (r + 2 * st) + r * in + in + in * st + in + in * d +
		       (s->proj_bias ? 2 * in + d : 0) + (s->dt_norms ? r + 2 * st : 0);
	}
	if (s->mamba2) {
		/* Mamba2Mixer: in_proj hidden x (2 inner + 2 groups state +
		 * heads), conv1d over inner + 2 groups state channels,
		 * dt_bias, A_log and D a head, the gated RMSNorm of inner,
		 * out_proj inner x hidden */
		unsigned __int128 in = m->ssm_inner, h = m->ssm_heads,
		                  conv = in + 2 * (unsigned __int128)m->ssm_groups * m->ssm_state;
		bool out_bias = s->out_bias_apart ? s->out_bias : s->proj_bias;

		return d * (in + conv + h) + conv * m->ssm_conv_kernel +
		       (s->conv_bias ? conv : 0) + 3 * h + (s->no_gated_norm ? 0 : in) +
		       in * d + (s->proj_bias ? in + conv + h : 0) + (out_bias ? d : 0);
	}
	return d * (2 * (unsigned __int128)m->ssm_inner +
	            2 * (unsigned __int128)m->ssm_groups * m->ssm_state) +
	       (unsigned __int128)m->ssm_inner * d;
}

/* A dense MLP of inner size inter. */
static unsigned __int128 mlp(const kvp_model *m, const struct shape *s, uint64_t inter)
{
	unsigned __int128 d = m->hidden, n = (s->gated ? 3 : 2) * d * inter;

	if (s->mlp_bias)
		n += (s->gated ? 2 : 1) * (unsigned __int128)inter + d;
	return n;
}

/* A layer of routed experts: the router, the experts, the shared ones. */
static unsigned __int128 experts(const kvp_model *m, const struct shape *s)
{
	unsigned __int128 d = m->hidden, e = m->moe_routed_experts,
	                  n = d * e + e * 3 * d * m->moe_intermediate;

	if (s->expert_bias)
		n += e + e * (2 * (unsigned __int128)m->moe_intermediate + d);
	if (s->score_bias)
		n += e;
	if (m->moe_shared_intermediate)
		n += 3 * d * m->moe_shared_intermediate + (s->shared_gate ? d : 0);
	return n;
}

/* Whether layer i of m routes among experts. */
static bool routes(const kvp_model *m, uint32_t i)
{
	if (!m->moe_routed_experts)
		return false;
	return !m->moe_experts || kvp__expert_layers(m, i, (uint64_t)i + 1) == 1;
}

/* Layer i of the finalized m, its norms of hidden with it. */
static unsigned __int128 layer(const kvp_model *m, const struct shape *s, uint32_t i)
{
	kvp_layer_kind kind = kvp__layer_weights_kind(m, i);
	uint64_t hd = kvp_model_layer_head_dim(m, i);
	unsigned __int128 n = (unsigned __int128)s->norms * s->norm * m->hidden, q, sixteen;

	if (kind == KVP_LAYER_MLA)
		n += mla(m);
	else if (kind == KVP_LAYER_RECURRENT)
		n += recurrent(m, s);
	else if (kind != KVP_LAYER_NONE && s->cla && i % s->cla)
		/* Hunyuan's cross-layer attention follower: q and o alone */
		n += attention(m, s, kvp_model_layer_kv_heads(m, i), hd) -
		     (2 * (unsigned __int128)m->hidden + (s->kv_bias ? 2 : 0)) *
		             kvp_model_layer_kv_heads(m, i) * hd;
	else if (kind != KVP_LAYER_NONE)
		n += attention(m, s, kvp_model_layer_kv_heads(m, i), hd);
	else if (s->cross)
		/* Mllama's cross-attention: q, k, v and o, q_norm and k_norm
		 * of head_dim, and its attention and MLP gates */
		n += attention(m, s, m->kv_heads, hd) + 2 * (unsigned __int128)hd + 2;
	/* Falcon-H1's mixer beside its attention */
	if (m->ssm_parallel && kvp__attends(kind))
		n += recurrent(m, s);
	if (kvp_model_layer_indexed(m, i)) {
		kvp__indexer_layer_params(m, &q, &sixteen);
		n += q + sixteen;
	}
	if (routes(m, i))
		n += experts(m, s);
	else if (!s->no_mlp)
		n += mlp(m, s, m->moe_experts && m->dense_intermediate ? m->dense_intermediate
		                                                       : s->inter);
	return n;
}

/* The MTP layers' parameters, and of them the copies of the embedding
 * and head, of the finalized m. */
static void mtp(const kvp_model *m, const struct shape *s, unsigned __int128 *all,
                unsigned __int128 *copies)
{
	unsigned __int128 d = m->hidden, n = m->mtp_layers, block;
	uint32_t last = m->layers - 1;

	*all = *copies = 0;
	if (!n)
		return;
	if (s->delta) { /* Qwen3-Next's and Qwen3.5's mtp.* */
		/* a full-attention layer with the model's MLP or experts */
		block = (unsigned __int128)s->norms * s->norm * d +
		        attention(m, s, m->kv_heads, m->head_dim) +
		        (m->moe_routed_experts ? experts(m, s) : mlp(m, s, s->inter));
		*all = 2 * d * d + 3 * d + n * block;
		return;
	}
	/* a block as the model's last (an expert layer), with a whole
	 * indexer where the model has one (vLLM's DeepseekV2MLAAttention on
	 * an MTP layer), and its own embedding and head but in GLM-5's
	 * checkpoints (glm_moe_dsa: their counts, 753,864,139,008 and
	 * 753,329,940,480, hold none) */
	block = layer(m, s, last);
	if (m->index_heads && !kvp_model_layer_indexed(m, last)) {
		unsigned __int128 q, sixteen;

		kvp__indexer_layer_params(m, &q, &sixteen);
		block += q + sixteen;
	}
	*copies = s->mtp_copies ? n * 2 * (unsigned __int128)m->vocab * d : 0;
	*all = *copies + n * (3 * d + 2 * d * d + block);
}

kvp_status kvp__hf_estimate(struct hf *h)
{
	kvp_model *m = h->m;
	unsigned __int128 total, extra = 0, copies = 0, tower = 0;
	uint64_t width;
	bool tie = m->tie_embeddings; /* read with the shape */
	kvp_model c = *m;
	struct shape s;
	int r;
	bool nemotron = strcmp(h->family, "nemotron_h") == 0;

	/* Nemotron-H, Gemma 4 and Gemma 3n, block by block (hf_nemotron.c,
	 * with its MTP layers' part, which a plan loads for an MTP draft
	 * alone: kvp_model mtp_params; hf_gemma4.c and hf_gemma3n.c, with
	 * their towers'); their head_dim may still be derived, so from a
	 * finalized copy. */
	/* Gemma 3n's shape refused: finalize names the fault (the generic
	 * count would trip on its intermediate_size list first) */
	if (kvp__hf_gemma3n(h) && kvp_model_finalize(&c, NULL) != KVP_OK)
		return KVP_OK;
	if ((nemotron || strncmp(h->family, "gemma4", 6) == 0 || kvp__hf_gemma3n(h)) &&
	    kvp_model_finalize(&c, NULL) == KVP_OK &&
	    (r = nemotron ? kvp__hf_nemotron_params(h, &c, &total, &extra)
	         : kvp__hf_gemma3n(h) ? kvp__hf_gemma3n_params(h, &c, &total, &tower)
	                              : kvp__hf_gemma4_params(h, &c, &total, &tower)) != 0) {
		if (r < 0)
			return KVP_ERR_PARSE;
		m->params = total > UINT64_MAX ? UINT64_MAX : (uint64_t)total;
		m->mtp_params = extra > m->params ? m->params : (uint64_t)extra;
		m->vision_params = tower > m->params ? m->params : (uint64_t)tower;
		kvp__note(h->src, "params", KVP_ORIGIN_ESTIMATED, "from the shape, block by"
		          " block (embeddings%s, %s%s%s): no checkpoint beside the file",
		          tie ? " tied" : " and head",
		          nemotron ? "Mamba-2, attention, MLP and experts"
		          : m->moe_routed_experts ? "attention, MLP and experts" : "attention and MLP",
		          extra ? ", and the MTP layers'" : "", tower ? ", and the towers'" : "");
		return KVP_OK;
	}
	if (kvp__hf_shape(h, &s) < 0 || kvp__hf_vision_params(h, &tower) < 0)
		return KVP_ERR_PARSE;
	/* head_dim may still be derived: finalize a copy to read it. */
	c = *m;
	if (kvp_model_finalize(&c, NULL) != KVP_OK)
		return KVP_OK; /* finalize reports the shape's fault itself */
	/* Every figure is below 2^32 (the experts too) and a model below
	 * HF_LAYERS_MAX layers: a layer's elements stay under 2^100 and the
	 * sums under 2^120, so 128 bits hold them; a sum past 64 bits is
	 * taken as 64 bits' most, which no fit accepts. */
	/* the embedding (and the head unless tied, its bias), OPT's
	 * projections to and from a narrower embedding, BLOOM's embedding
	 * LayerNorm, learned positions, the final norm */
	width = s.embed_width ? s.embed_width : m->hidden;
	total = (unsigned __int128)m->vocab * width * (tie ? 1 : 2) +
	        (unsigned __int128)s.extra_rows * width +
	        (s.embed_width ? 2 * (unsigned __int128)width * m->hidden : 0) +
	        (s.embed_norm ? 2 * (unsigned __int128)m->hidden : 0) +
	        (unsigned __int128)s.positions * m->hidden + (s.head_bias ? m->vocab : 0) +
	        (s.no_final_norm ? 0 : (unsigned __int128)s.norm * m->hidden);
	for (uint32_t i = 0; i < c.layers; i++)
		total += layer(&c, &s, i);
	mtp(&c, &s, &extra, &copies);
	total += extra + tower;
	m->params = total > UINT64_MAX ? UINT64_MAX : (uint64_t)total;
	m->mtp_params = extra > m->params ? m->params : (uint64_t)extra;
	m->mtp_shared_params = copies > m->mtp_params ? m->mtp_params : (uint64_t)copies;
	m->vision_params = tower > m->params - m->mtp_params ? m->params - m->mtp_params
	                                                      : (uint64_t)tower;
	kvp__note(h->src, "params", KVP_ORIGIN_ESTIMATED, "from the shape, tensor by"
	          " tensor (embeddings%s, %s%s%s%s%s): no checkpoint beside the file",
	          tie ? " tied" : " and head",
	          s.no_mlp ? "the Mamba mixers" : "attention or state, ",
	          c.index_heads ? "the indexer, " : "",
	          s.no_mlp ? "" : m->moe_routed_experts ? "experts" : "MLP",
	          extra ? ", the MTP layers'" : "", tower ? ", the vision tower's" : "");
	return KVP_OK;
}
