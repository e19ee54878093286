/*
 * stages.c — the weights each pipeline stage holds: its layers' share,
 * the embedding on the first stage, the LM head on the last, and where
 * llama.cpp keeps the embedding instead (host memory).
 *
 * vLLM (vllm/model_executor/models/llama.py at v0.19.0, LlamaModel and
 * LlamaForCausalLM __init__): embed_tokens is a VocabParallelEmbedding on
 * the first rank, and on the last one too when tie_word_embeddings (the
 * head then shares it); every other rank has a PPMissingLayer.  The final
 * norm and lm_head are on the last rank.  make_layers gives each rank its
 * get_pp_indices layers.
 *
 * vLLM's qwen3_moe.py is the exception (Qwen3MoeModel and
 * Qwen3MoeForCausalLM at v0.16.0, v0.19.0 and main of 2026-05): it builds
 * embed_tokens, norm and lm_head on every rank, gating them in forward
 * alone (research: /work/research/vllm-pp-stages.md).
 *
 * SGLang (python/sglang/srt/models/, every llama.py since pipeline
 * parallelism came in, #5724 of 2025-04-30, to #30802 of 2026-07-10):
 * LlamaModel builds embed_tokens on the first rank and the norm on the
 * last, but LlamaForCausalLM.__init__ builds an untied lm_head as a
 * ParallelLMHead whatever the rank, and load_weights loads it on every
 * one; MistralForCausalLM subclasses it, and mixtral.py, qwen2_moe.py,
 * qwen3_moe.py, glm4_moe.py and gpt_oss.py build their heads the same
 * way.  llama4.py has no pipeline code: embedding and head everywhere.
 * qwen2.py, qwen3.py and deepseek_v2.py build the head on the last rank
 * alone (and a tied model's copy there).  A tied Llama with pp > 1 has
 * no head on its last rank at all (lm_head is the embedding's
 * PPMissingLayer there; SGLang PR #6908 reports the crash): kvplan keeps
 * the tied copy on the last stage for it (research:
 * /work/research/sglang-llama-lmhead.md).
 *
 * llama.cpp (src/llama-model.cpp, llama_model::load_tensors, at commit
 * 4c7103b96d72): "the input layer is always on the CPU" (dev_input is the
 * CPU), so token_embd stays in host memory (its "CPU_Mapped model buffer
 * size" line); the output layer is on the device of the last layer, and a
 * model without output.weight loads token_embd again there
 * (TENSOR_DUPLICATED).
 */
#include <string.h>

#include "engine.h"

/* vocab x width values at the request's weights' type. */
static uint64_t table_estimate(const kvp_model *m, const kvp_request *r, uint64_t width)
{
	const kvp_weights_format *f = &r->weights_format;
	uint64_t e = 0, embed;

	if (!m->vocab || !width || !kvp__mul(m->vocab, width, &embed))
		return 0;
	/* At the weights' type: a checkpoint format keeps the embedding
	 * 16-bit, GGUF's types take every 2-D tensor (weights_estimate.c). */
	if (f->kind == KVP_WFORMAT_PLAIN || r->weight_bytes) {
		if (kvp_dtype_bytes(r->weights_dtype, embed, &e, NULL) != KVP_OK)
			e = 0;
	} else if (f->kind == KVP_WFORMAT_GGUF) {
		if (!f->block_values ||
		    !kvp__mul(embed / f->block_values + (embed % f->block_values != 0),
		              f->block_bytes, &e))
			e = 0;
	} else if (!kvp__mul(embed, 2, &e)) {
		e = 0;
	}
	return e;
}

uint64_t kvp__embedding_estimate(const kvp_model *m, const kvp_request *r)
{
	/* with Gemma 4's per-layer input table (kvp_model layer_input_width) */
	return m->hidden ? table_estimate(m, r, (uint64_t)m->hidden +
	                                        (uint64_t)m->layers * m->layer_input_width)
	                 : 0;
}

void kvp__plan_outer_weights(const kvp_model *m, kvp_plan *p)
{
	const kvp_request *r = &p->request;
	uint64_t e = 0, h = 0, q, total = p->weights_bytes;

	if (r->weight_bytes && r->weight_embedding_bytes) {
		/* Counted from the checkpoint.  An untied model's head it did
		 * not name is taken as large as the embedding, not as tied,
		 * or as its quantized estimate under :lm_head. */
		e = r->weight_embedding_bytes;
		h = r->weight_head_bytes;
		if (!h && !m->tie_embeddings)
			h = (q = kvp__wformat_head_bytes(m, &r->weights_format)) ? q : e;
	} else if ((e = kvp__embedding_estimate(m, r)) != 0) {
		/* From the shape: as large as the embedding, or AWQ's and
		 * GPTQ's quantized one (weights_estimate.c; 0 where it does
		 * not apply, and the head is the embedding's size). */
		h = m->tie_embeddings ? 0 : e;
		if (h && (q = kvp__wformat_head_bytes(m, &r->weights_format)) != 0)
			h = q;
	}
	/* The plain weights' total is the fit's, params at weights_dtype. */
	if (!total && (r->weight_bytes ||
	               kvp_dtype_bytes(r->weights_dtype, m->params, &total, NULL) != KVP_OK))
		total = 0;
	if (e > total || h > total - e)
		e = h = 0; /* not this model's: follow the layers alone */
	p->embedding_bytes = e;
	p->head_bytes = e ? h : 0;
	/* Gemma 4's per-layer input table: its estimate, or its share of a
	 * checkpoint's count by width (the two tables of one type in every
	 * release) */
	p->layer_input_bytes = 0;
	if (e && m->layer_input_width) {
		uint64_t width = (uint64_t)m->layers * m->layer_input_width;

		p->layer_input_bytes =
			r->weight_bytes && r->weight_embedding_bytes
			? (uint64_t)((unsigned __int128)e * width / (width + m->hidden))
			: table_estimate(m, r, width);
		if (p->layer_input_bytes > e)
			p->layer_input_bytes = e;
	}
	{
		/* vLLM builds embed_tokens and lm_head on every pipeline
		 * rank for Qwen3-MoE, Mixtral and Nemotron-H (qwen3_moe.py,
		 * mixtral.py, nemotron_h.py at 81be2e09: no PPMissingLayer),
		 * LFM2's embed_tokens (lfm2.py, lfm2_moe.py), its tied head
		 * on it; Gemma 4's embed_tokens and embed_tokens_per_layer
		 * (gemma4.py Gemma4Model.__init__: no PPMissingLayer), the
		 * head tied to the first */
		static const char *const every[] = {"qwen3_moe", "mixtral", "nemotron_h",
		                                    "gemma4", "gemma4_text"};
		static const char *const lfm2[] = {"lfm2"};
		static const char *const sglang_every[] = {"llama4", "llama4_text"};
		static const char *const sglang_head[] = {
			"llama", "mistral", "mixtral", "qwen2_moe", "qwen3_moe",
			"glm4_moe", "gpt_oss"};

		p->outer_every_stage =
			(r->engine == KVP_ENGINE_VLLM &&
			 (kvp__model_type_in(m, every, 5) ||
			  (kvp__model_type_in(m, lfm2, 1) && m->tie_embeddings))) ||
			(r->engine == KVP_ENGINE_SGLANG && kvp__model_type_in(m, sglang_every, 2));
		p->head_every_stage = r->engine == KVP_ENGINE_SGLANG && !m->tie_embeddings &&
		                      !p->outer_every_stage &&
		                      kvp__model_type_in(m, sglang_head, 7);
	}
}

/* An LFM2 or Kimi-Linear layer's parameters (research: /work/research/
 * lfm2-params.md, kimi-linear-params.md): LFM2's short convolution's
 * in_proj (hidden -> 3 x hidden), out_proj and conv kernel of
 * conv_L_cache taps a channel, or attention's q, k, v and o with its q
 * and k layernorms of head_dim; Kimi-Linear's KDA or MLA layer; its MLP
 * (Lfm2MLP, or the experts and router past the dense layers, with the
 * router's bias, LFM2-MoE's expert_bias, Kimi's e_score_correction_bias);
 * its two norms.  LFM2's conv_bias, false in every release, is not in
 * the model.  0 where the layer's shape is not told. */
static unsigned __int128 hybrid_layer(const kvp_model *m, uint32_t i)
{
	unsigned __int128 h = m->hidden, n;
	kvp_layer_kind kind = kvp_model_layer_kind(m, i);
	uint64_t kv = kvp_model_layer_kv_heads(m, i);

	bool kimi = kvp__kimi_linear(m);

	if (kind == KVP_LAYER_RECURRENT && kimi) {
		/* Kimi-Linear's KDA layer (hf_count.c's count): q, k, v,
		 * their convs, the low-rank gates, b_proj, A_log, dt_bias,
		 * o_norm, o_proj */
		unsigned __int128 p = m->ssm_inner, hd = m->ssm_state;

		n = 4 * h * p + 3 * p * m->ssm_conv_kernel + 2 * hd * (h + p) +
		    h * m->ssm_heads + m->ssm_heads + p + hd;
	} else if (kind == KVP_LAYER_MLA && kimi) {
		/* its MLA layer, q_lora_rank null: q_proj, kv_a_proj_with_mqa,
		 * kv_a_layernorm, kv_b_proj, o_proj */
		uint64_t v = m->v_head_dim ? m->v_head_dim : m->head_dim;

		n = h * ((uint64_t)m->heads * m->head_dim) +
		    h * ((uint64_t)m->kv_lora_rank + m->qk_rope_dim) + m->kv_lora_rank +
		    (unsigned __int128)m->kv_lora_rank * m->heads * ((uint64_t)m->qk_nope_dim + v) +
		    (unsigned __int128)m->heads * v * h;
	} else if (kimi) {
		return 0;
	} else if (kind == KVP_LAYER_RECURRENT) {
		/* LFM2's short convolution */
		n = 4 * h * h + h * m->ssm_conv_kernel;
	} else if (kind == KVP_LAYER_FULL || kind == KVP_LAYER_SLIDING) {
		n = 2 * h * ((uint64_t)m->heads * m->head_dim) + 2 * h * (kv * m->head_dim) +
		    2 * (uint64_t)m->head_dim;
	} else {
		return 0;
	}
	if (m->moe_experts)
		n += kvp__mlp_params_span(m, i, i + 1) +
		     (kvp__expert_layers(m, i, i + 1) ? m->moe_experts : 0);
	else if (m->intermediate)
		n += 3 * h * m->intermediate;
	else
		return 0;
	return n + 2 * h;
}

/* Layers [a, b)'s MLPs: a mixture's (kvp__mlp_params_span), or a
 * double-wide model's, twice as wide in its shared layers. */
static unsigned __int128 mlp_span(const kvp_model *m, uint32_t a, uint32_t b)
{
	unsigned __int128 n = 0;

	if (m->moe_experts)
		return kvp__mlp_params_span(m, a, b);
	for (uint32_t i = a; i < b; i++)
		n += 3 * (unsigned __int128)m->hidden * kvp__layer_intermediate(m, i);
	return n;
}

/* Where a mixture of experts' weights lie when its layers differ (dense
 * layers first, as DeepSeek-V3's three of 61, GLM-4.5's three of 92, Kimi
 * K2's one; or every other layer, as Llama 4 Maverick's): each layer
 * holds its MLP and an equal share of the rest, (params - embedding -
 * head - final norm - the towers - every MLP) / layers, and stage_units the sum up to
 * each stage's end; so too a model whose shared layers' MLP is twice as
 * wide (Gemma 4 E2B).  Left 0 (every layer alike) when the model says
 * nothing of its experts.  A layer's MLP is under 2^99 (its figures
 * under 2^32), and the sums stop once past 64 bits, so 128 bits hold
 * them. */
void kvp__plan_stage_units(const kvp_model *m, kvp_plan *p)
{
	uint64_t units[KVP_PP_MAX];
	unsigned __int128 mlp = 0, outer, rest = 0, sum = 0;
	uint32_t layer = 0;

	/* The stages' entries alone: a plan is in the planner's inner loop. */
	memset(p->stage_units, 0, (p->stages ? p->stages : 1) * sizeof p->stage_units[0]);
	if (!m->hidden || p->stages < 2 || p->stages > KVP_PP_MAX)
		return;
	/* A Nemotron-H's layers, each its own block's (Super's Mamba-2,
	 * attention and expert layers 109,640,064, 35,655,680 and
	 * 2,873,102,848 params): by count, its 3 stages of 29, 30 and 29
	 * layers would be 1.4 %, 4.6 % and -5.5 % off; LFM2's conv and
	 * attention layers, 16.8 and 10.5 million params in the 1.2B's (its
	 * MLPs 50.3 million): 1.2 %; Kimi-Linear's KDA and MLA layers, 39.5 and
	 * 29.1 million beside the experts' 1,819.6, and its dense first layer */
	bool lfm2 = (kvp__lfm2(m) && m->ssm_state == 0) || kvp__kimi_linear(m);

	if (lfm2 || kvp__nemotron_layer_params(m, 0, 1)) { /* 1 stands for an MLP */
		uint64_t mlp_layer = lfm2 ? 0 : kvp__nemotron_mlp_params(m);

		for (uint32_t s = 0; s < p->stages; s++) {
			for (uint32_t n = 0; n < p->stage_layers[s]; n++, layer++) {
				unsigned __int128 one =
					lfm2 ? hybrid_layer(m, layer)
					     : kvp__nemotron_layer_params(m, layer, mlp_layer);

				if (!one)
					return; /* a block of unknown size: by count */
				sum += one;
			}
			/* the final norm, on the last stage */
			if (s + 1 == p->stages)
				sum += m->hidden;
			if (sum > UINT64_MAX)
				return;
			units[s] = (uint64_t)sum;
		}
		memcpy(p->stage_units, units, p->stages * sizeof units[0]);
		return;
	}
	if (!m->moe_experts && !m->double_wide_mlp)
		return;
	/* the embedding, an untied head, the final norm, the per-layer
	 * inputs' table (Gemma 4's E models) */
	outer = (unsigned __int128)m->vocab * m->hidden * (m->tie_embeddings ? 1 : 2) +
	        m->hidden + (unsigned __int128)m->vocab * m->layers * m->layer_input_width;
	mlp = mlp_span(m, 0, m->layers);
	if (mlp > UINT64_MAX)
		return; /* no real model's */
	/* the layers' own: the towers are none of them (the model as the
	 * engine loads it, kvp_model_loaded: its MTP layers already out,
	 * its towers where loaded within params) */
	outer += m->vision_params;
	/* A rounded parameter count (Kimi K2's "1T") may fall short of the
	 * MLPs: then they alone say where the weights lie. */
	if (m->params > outer + mlp)
		rest = (m->params - outer - mlp) / m->layers;
	for (uint32_t s = 0; s < p->stages; s++) {
		sum += rest * p->stage_layers[s] + mlp_span(m, layer, layer + p->stage_layers[s]);
		layer += p->stage_layers[s];
		if (sum > UINT64_MAX)
			return;
		units[s] = (uint64_t)sum;
	}
	memcpy(p->stage_units, units, p->stages * sizeof units[0]);
}

/* floor(x * num / den), den > 0 and num <= den. */
static uint64_t share(uint64_t x, uint64_t num, uint64_t den)
{
	return (uint64_t)((unsigned __int128)x * num / den);
}

uint64_t kvp__stage_weights(const kvp_plan *p, uint64_t weights, uint32_t s)
{
	const kvp_request *r = &p->request;
	bool llama = r->engine == KVP_ENGINE_LLAMA_CPP, last = s + 1 == p->stages;
	uint64_t e = p->embedding_bytes, h = p->head_bytes, layers = p->layers;
	uint64_t body, first = p->stage_first[s];
	unsigned __int128 bytes;

	if (e > weights || h > weights - e)
		e = h = 0; /* another total than the plan's (a plain type) */
	body = weights - e - h;
	/* The layers' share, by cumulative floors so the stages sum to the
	 * whole: by their parameters where a mixture of experts' layers
	 * differ, else by their count. */
	if (p->stages == 1)
		bytes = body;
	else if (p->stage_units[p->stages - 1])
		bytes = share(body, p->stage_units[s], p->stage_units[p->stages - 1]) -
		        (s ? share(body, p->stage_units[s - 1], p->stage_units[p->stages - 1])
		           : 0);
	else
		bytes = share(body, first + p->stage_layers[s], layers) - share(body, first, layers);
	if (p->outer_every_stage) {
		/* Both on every rank, a tied head sharing the embedding. */
		bytes += (unsigned __int128)e + h;
	} else {
		if (s == 0 && !llama)
			bytes += e;
		if (p->head_every_stage && h)
			bytes += h; /* SGLang's untied head, whatever the rank */
		else if (last)
			/* a tied head copies the token embedding, not the
			 * per-layer input table */
			bytes += h ? h : p->stages > 1 || llama ? e - p->layer_input_bytes : 0;
	}
	/* weights + e at most: a tied head's copy */
	return bytes > UINT64_MAX ? UINT64_MAX : (uint64_t)bytes;
}

/* A routed layer's experts of m: 0 for a dense model. */
static uint32_t model_experts(const kvp_model *m)
{
	return m->moe_experts ? m->moe_experts : m->moe_routed_experts;
}

void kvp__plan_expert_weights(const kvp_model *m, const kvp_weights_estimate *est,
                              kvp_plan *p)
{
	const kvp_request *r = &p->request;
	uint32_t experts = model_experts(m);
	uint64_t routed = kvp__routed_layers(m, m->layers), total = p->weights_bytes, x = 0;
	unsigned __int128 layers, each, params, outer, den;

	p->routed_experts = 0;
	p->expert_bytes = 0;
	memset(p->stage_expert_bytes, 0,
	       (p->stages ? p->stages : 1) * sizeof p->stage_expert_bytes[0]);
	if (!experts || !routed || !m->hidden || !m->moe_intermediate)
		return;
	p->routed_experts = experts;
	/* Each routed layer's experts: gate, up and down of
	 * moe_intermediate (up and down for relu2; over a latent width,
	 * kvp__expert_params).  Past 64 bits is no real model's. */
	layers = (unsigned __int128)routed * experts;
	each = kvp__expert_params(m);
	if (each > UINT64_MAX / layers)
		return;
	params = layers * each;
	/* A rounded parameter count (Kimi K2's "1T") may fall short of the
	 * experts: then they and the embeddings are taken as the whole. */
	outer = (unsigned __int128)m->vocab * m->hidden * (m->tie_embeddings ? 1 : 2);
	if (r->weight_bytes && r->weight_expert_bytes) {
		x = r->weight_expert_bytes; /* counted in the checkpoint */
	} else if (est && est->quantized_params) {
		/* A format's estimate: the experts' share of the parameters
		 * it quantizes, at their bytes. */
		den = params > est->quantized_params ? params : est->quantized_params;
		x = (uint64_t)((unsigned __int128)est->quantized_bytes * params / den);
		/* a checkpoint's total (r->weight_bytes) shared as the
		 * estimate shares its own */
		if (r->weight_bytes && est->bytes)
			x = (uint64_t)((unsigned __int128)x * r->weight_bytes / est->bytes);
	} else {
		/* Their share of the model's parameters. */
		if (!total && kvp_dtype_bytes(r->weights_dtype, m->params, &total, NULL) != KVP_OK)
			return;
		den = params + outer > m->params ? params + outer : m->params;
		x = (uint64_t)((unsigned __int128)total * params / den);
	}
	if (!x || (total && x > total))
		return;
	p->expert_bytes = x;
	/* Each stage's, by its routed layers, cumulative floors so the
	 * stages sum to the whole. */
	for (uint32_t s = 0; s < p->stages; s++) {
		uint64_t a = p->stage_first[s], b = a + p->stage_layers[s];

		p->stage_expert_bytes[s] = share(x, kvp__routed_layers(m, b), routed) -
		                           share(x, kvp__routed_layers(m, a), routed);
	}
}

/* Layers [0, x) of m of kind MLA, by its pattern's cycle. */
static uint64_t mla_before(const kvp_model *m, uint64_t x)
{
	uint64_t n = 0;

	if (!m->pattern_len)
		return kvp_model_layer_kind(m, 0) == KVP_LAYER_MLA ? x : 0;
	for (uint32_t i = 0; i < m->pattern_len; i++)
		if (m->pattern[i] == KVP_LAYER_MLA)
			n += x / m->pattern_len + (i < x % m->pattern_len);
	return n;
}

/* Parameters of layers [a, b) that every tensor-parallel rank holds whole:
 * an MLA layer's down-projections, q_a (hidden x q_lora_rank) and
 * kv_a_proj_with_mqa (hidden x (kv_lora_rank + qk_rope_dim)), and a
 * routed layer's router (hidden x experts).  vLLM builds them as
 * ReplicatedLinear, DeepSeekV2FusedQkvAProjLinear (the two fused, whole)
 * and GateLinear (vllm/model_executor/models/deepseek_v2.py, stored at
 * 002d6073, 2026-11); SGLang's deepseek_v2.py as a ReplicatedLinear
 * fused_qkv_a_proj_with_mqa and a whole MoEGate; TensorRT-LLM's
 * modules/attention.py MLA builds its fused kv_a_proj_with_mqa without a
 * mapping and its gates whole.  Each figure is under 2^32: a layer's
 * under 2^66, the sum under 2^98. */
static unsigned __int128 down_params(const kvp_model *m, uint64_t x)
{
	if (!m->kv_lora_rank)
		return 0;
	return (unsigned __int128)mla_before(m, x) * m->hidden *
	       ((uint64_t)m->q_lora_rank + m->kv_lora_rank + m->qk_rope_dim);
}

/* Layers [0, x) of m that keep a sparse-attention indexer, and so carry
 * its weights: every MLA layer, or a shared indexer's full layers (the
 * checkpoint has none for the others, and vLLM from 0.24, SGLang from
 * 0.5.18 and TensorRT-LLM build none there; SGLang before built them
 * unloaded).  vLLM before 0.24 built an Indexer in every layer
 * (DeepseekV2MLAAttention.__init__; PR #45895, "Indexer init skip",
 * merged 2026-06-19, builds it only where the layer computes its top-k
 * or is an MTP layer). */
static uint64_t indexed_before(const kvp_model *m, const kvp_request *r, uint64_t x)
{
	uint64_t n = 0;

	if (!m->index_head_dim || !m->index_heads || !m->kv_lora_rank)
		return 0;
	if (!kvp__index_shared(m) || (r->engine == KVP_ENGINE_VLLM && !kvp__vllm_since(r, 24)))
		return mla_before(m, x);
	for (uint32_t i = 0; i < x && i < m->layers; i++)
		n += kvp_model_layer_indexed(m, i);
	return n;
}

/* The indexer's weights of layers [0, x), whole on every rank: those a
 * format quantizes and those it leaves 16-bit (kvp__indexer_layer_params;
 * under 2^106). */
static unsigned __int128 indexer_quantized(const kvp_model *m, const kvp_request *r,
                                           uint64_t x)
{
	unsigned __int128 q, sixteen;

	kvp__indexer_layer_params(m, &q, &sixteen);
	return indexed_before(m, r, x) * q;
}

static unsigned __int128 indexer_16bit(const kvp_model *m, const kvp_request *r,
                                       uint64_t x)
{
	unsigned __int128 q, sixteen;

	kvp__indexer_layer_params(m, &q, &sixteen);
	return indexed_before(m, r, x) * sixteen;
}

/* Of the indexer's quantized weights of layers [0, x), its wk (hidden x
 * index_head_dim a layer) where vLLM keeps it in bf16: from 0.20 (PR
 * #38928, "Indexer upcast WK to BF16 for fusion", merged 2026-04-15) an
 * fp8 wk is dequantized at load and fused with weights_proj into one
 * unquantized wk_weights_proj.  0 otherwise. */
static unsigned __int128 vllm_wk_bf16(const kvp_model *m, const kvp_weights_estimate *est,
                                      const kvp_request *r, uint64_t x)
{
	bool fp8 = est && est->quantized_params ? r->weights_format.kind == KVP_WFORMAT_FP8
	                                        : r->weights_dtype == KVP_DTYPE_FP8;

	/* a checkpoint's total does not say wk's type; a format that keeps
	 * attention's q and kv 16-bit keeps wk so (replicated_before) */
	if (r->engine != KVP_ENGINE_VLLM || !kvp__vllm_since(r, 20) || !fp8 || !m->index_heads ||
	    r->weight_bytes || (kvp__wkeep(&r->weights_format) & KVP_WKEEP_QKV))
		return 0;
	return (unsigned __int128)indexed_before(m, r, x) * m->hidden * m->index_head_dim;
}

static unsigned __int128 router_params(const kvp_model *m, uint64_t x)
{
	uint32_t experts = model_experts(m);

	if (!experts || !m->moe_intermediate)
		return 0;
	return (unsigned __int128)kvp__routed_layers(m, x) * m->hidden * experts;
}

static unsigned __int128 replicated_params(const kvp_model *m, const kvp_request *r,
                                           uint64_t a, uint64_t b)
{
	return down_params(m, b) - down_params(m, a) + router_params(m, b) - router_params(m, a) +
	       indexer_quantized(m, r, b) - indexer_quantized(m, r, a) + indexer_16bit(m, r, b) -
	       indexer_16bit(m, r, a);
}

/* The bytes of layers [0, x)'s whole-on-every-rank weights, not counted
 * in a checkpoint: in a format's estimate the down-projections and the
 * indexer's wq_b and wk at its linear layers' rate (16-bit where the
 * format keeps attention's q and kv 16-bit, as MXFP4 does), the routers
 * as every format leaves them, 16-bit, f32 in GGUF (weights_estimate.c),
 * and the indexer's weights_proj and k_norm 16-bit; otherwise at the
 * weights' bytes a parameter, of total.  Under 2^64 where the model's
 * are (all <= params). */
static uint64_t replicated_before(const kvp_model *m, const kvp_weights_estimate *est,
                                  const kvp_request *r, uint64_t total, uint64_t x)
{
	if (est && est->quantized_params) {
		unsigned __int128 down = down_params(m, x) + indexer_quantized(m, r, x);
		unsigned __int128 q = kvp__wkeep(&r->weights_format) & KVP_WKEEP_QKV
		                      ? down * 2
		                      : down * est->quantized_bytes / est->quantized_params;

		return (uint64_t)(q + router_params(m, x) *
		                  (r->weights_format.kind == KVP_WFORMAT_GGUF ? 4 : 2) +
		                  indexer_16bit(m, r, x) * 2);
	}
	return (uint64_t)((unsigned __int128)total * replicated_params(m, r, 0, x) / m->params);
}

/* What vLLM's bf16 wk of layers [0, x) takes beyond the fp8 bytes the
 * weights count it at (replicated_before's rate): 2 B a parameter less
 * that rate.  Under 2^64 where the model's weights are. */
static uint64_t upcast_before(const kvp_model *m, const kvp_weights_estimate *est,
                              const kvp_request *r, uint64_t total, uint64_t x)
{
	unsigned __int128 wk = vllm_wk_bf16(m, est, r, x), counted;

	if (!wk)
		return 0;
	counted = est && est->quantized_params
	          ? wk * est->quantized_bytes / est->quantized_params
	          : wk * total / m->params;
	return counted >= wk * 2 ? 0 : (uint64_t)(wk * 2 - counted);
}

void kvp__plan_replicated_weights(const kvp_model *m, const kvp_weights_estimate *est,
                                  kvp_plan *p)
{
	const kvp_request *r = &p->request;
	unsigned __int128 all = replicated_params(m, r, 0, m->layers);
	uint64_t total = p->weights_bytes;

	p->replicated_bytes = p->indexer_upcast_bytes = 0;
	memset(p->stage_replicated_bytes, 0,
	       (p->stages ? p->stages : 1) * sizeof p->stage_replicated_bytes[0]);
	memset(p->stage_indexer_upcast_bytes, 0,
	       (p->stages ? p->stages : 1) * sizeof p->stage_indexer_upcast_bytes[0]);
	/* The engines whose tensor parallelism this is; TensorRT-LLM's
	 * attention data parallelism holds all but the experts whole. */
	if (!all || (r->engine != KVP_ENGINE_VLLM && r->engine != KVP_ENGINE_SGLANG &&
	             r->engine != KVP_ENGINE_TRTLLM) ||
	    (r->engine == KVP_ENGINE_TRTLLM && r->attention_dp))
		return;
	if (all > UINT64_MAX)
		return; /* no real model's: the shares below stay in 128 bits */
	if (r->weight_bytes && r->weight_replicated_bytes) {
		/* Counted in the checkpoint. */
		p->replicated_bytes = r->weight_replicated_bytes;
	} else {
		/* At their bytes a parameter (replicated_before). */
		if (!total && kvp_dtype_bytes(r->weights_dtype, m->params, &total, NULL) != KVP_OK)
			return;
		if (!m->params || all > m->params)
			return;
		if (r->weight_bytes)
			est = NULL; /* a checkpoint's total, without its count */
		p->replicated_bytes = replicated_before(m, est, r, total, m->layers);
		if (p->replicated_bytes > total)
			p->replicated_bytes = total;
		p->indexer_upcast_bytes = upcast_before(m, est, r, total, m->layers);
		/* Each stage's by its layers, cumulative so the stages sum
		 * to the whole. */
		for (uint32_t s = 0; s < p->stages; s++) {
			uint64_t a = p->stage_first[s], b = a + p->stage_layers[s];
			uint64_t hi = replicated_before(m, est, r, total, b);
			uint64_t lo = replicated_before(m, est, r, total, a);

			p->stage_replicated_bytes[s] = hi < lo ? 0 : hi - lo;
			hi = upcast_before(m, est, r, total, b);
			lo = upcast_before(m, est, r, total, a);
			p->stage_indexer_upcast_bytes[s] = hi < lo ? 0 : hi - lo;
		}
		return;
	}
	/* Each stage's by its layers' parameters, cumulative floors so the
	 * stages sum to the whole (all and the bytes under 2^64). */
	for (uint32_t s = 0; s < p->stages; s++) {
		uint64_t a = p->stage_first[s], b = a + p->stage_layers[s];

		p->stage_replicated_bytes[s] =
			(uint64_t)((unsigned __int128)p->replicated_bytes *
			           replicated_params(m, r, 0, b) / all) -
			(uint64_t)((unsigned __int128)p->replicated_bytes *
			           replicated_params(m, r, 0, a) / all);
	}
}
