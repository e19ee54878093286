/*
 * draft.c — speculative decoding: a draft model's layers, or the model's
 * own next-token-prediction (MTP, NextN) layers, planned beside the
 * model's, and their weights.
 *
 * vLLM (read at vllm-project/vllm cf027b86, June 2026):
 *   - the drafter's attention layers register in the same forward
 *     context as the target's, so get_kv_cache_spec gives them pages in
 *     the same pool and group (gpu_model_runner.py get_kv_cache_spec;
 *     spec_decode/llm_base_proposer.py validate_same_kv_cache_group):
 *     num_blocks = available // page_size // (target + draft layers);
 *   - an MTP drafter adds num_nextn_predict_layers layers of the model's
 *     own attention (models/deepseek_mtp.py, reused round-robin for more
 *     speculative tokens), and shares the target's embed_tokens and
 *     lm_head (_maybe_share_embeddings, _maybe_share_lm_head); a draft
 *     model shares nothing (spec_decode/draft_model.py) and runs at the
 *     target's tensor-parallel degree;
 *   - the drafter lives on the last pipeline stage alone
 *     (gpu_model_runner.py: "if ... get_pp_group().is_last_rank");
 *   - a Mamba or Gated DeltaNet layer keeps 1 + num_speculative_tokens
 *     states a request (layers/mamba/abstract.py num_speculative_blocks;
 *     single_type_kv_cache_manager.py), num_speculative_tokens being
 *     n_predict (the MTP layers) unless given.
 * llama.cpp (read at ggml-org/llama.cpp 3dc7285b, August 2026):
 *   - the server's draft context (-md) has the target's n_ctx,
 *     n_seq_max and kv_unified (common/speculative.cpp
 *     common_base_params_to_speculative), so its cells are the target's;
 *     an MTP context (--spec-type draft-mtp) holds the NextN layers only
 *     (llama-model.cpp create_memory, filter il >= n_layer());
 *   - the recurrent state keeps max(1, n_seq_max) x (1 + n_rs_seq) rows,
 *     n_rs_seq being --spec-draft-n-max for an MTP draft on the
 *     architectures that roll back (llama-memory-recurrent.cpp;
 *     llm_arch_supports_rs_rollback: Qwen3.5/3.6, DeepSeek-V4, Nemotron-H,
 *     by model_type), 0 elsewhere and for a draft model: kvplan keeps
 *     1 + spec_tokens rows there (llama_rolls_back below).
 * Both store the draft's cache in the request's cache types here (the
 * draft context's -ctkd/-ctvd default to f16 in llama.cpp).
 *
 * mtp_shared: the MTP layers' own copies of the embedding and the head
 * in a checkpoint (DeepSeek-V3's model.layers.61.embed_tokens and
 * shared_head.head, kvp_weights mtp_shared_bytes):
 *   - vLLM (vllm-project/vllm, August 2026) loads them, then puts the
 *     model's in their place (spec_decode/llm_base_proposer.py
 *     _maybe_share_embeddings, at pipeline size 1 alone, and
 *     _maybe_share_lm_head, each MTP layer's shared_head.head too; the
 *     V2 runner's worker/gpu/spec_decode/eagle/utils.py load_eagle_model
 *     alike), so none is held; under pipeline parallelism the drafter's
 *     embedding is its own ("The draft model's vocab embedding will be
 *     loaded separately"): one, DeepSeekMultiTokenPredictor's, counted
 *     as the model's embedding_bytes;
 *   - SGLang's EAGLE worker gives its NextN draft the model's embedding
 *     and head (eagle_worker.py set_embed_and_head);
 *   - TensorRT-LLM's MTP head is a norm alone, taking the model's
 *     lm_head, and its layers the model's embed_tokens
 *     (modeling_deepseekv3.py DeepseekV3MTPHead);
 *   - llama.cpp loads what the GGUF holds (llama-model.cpp: nextn
 *     embed_tokens and shared_head_head, TENSOR_NOT_REQUIRED).
 */
#include <string.h>

#include "sizing.h"

static kvp_status invalid(const struct sizing *z, const char *what)
{
	return kvp__error(z->err, KVP_ERR_INVALID, "%s: %s", kvp__zname(z), what);
}

/* A new draft group of p, of key's kind, kv heads, head dim and indexer
 * key, sized for model m. */
static kvp_status add_group(const struct sizing *z, kvp_plan *p,
                            const kvp_layer_group *key, uint32_t first,
                            uint32_t layers, kvp_layer_group **out)
{
	kvp_layer_group *g;

	if (p->group_count == KVP_GROUPS_MAX)
		return kvp__error(z->err, KVP_ERR_RANGE, "%s and its draft: more than %d"
		                  " kinds of layer", kvp__zname(z), KVP_GROUPS_MAX);
	g = &p->groups[p->group_count++];
	memset(g, 0, sizeof *g);
	g->kind = key->kind;
	g->kv_heads = key->kv_heads;
	g->index_values = key->index_values;
	g->head_dim = key->head_dim;
	g->first_layer = first;
	g->layers = layers;
	g->draft = true;
	*out = g;
	return kvp__size_group(z, g);
}

/* The MTP layers: a full-attention block of the model's (an MLA model's
 * latent), keyed as the model's last attention layer is, but whole: no
 * window and no policy.  A sparse MLA model's MTP layer keeps its own
 * indexer key, shared indexer or not, in vLLM (DeepseekV2MLAAttention
 * builds the indexer on an MTP layer), TensorRT-LLM (the MTP layers
 * full in derive_indexer_k_cache_layer_mask) and SGLang (its draft
 * worker keeps every layer's key, PR #30531); llama.cpp's MTP context
 * keeps none (kvp__engine_mtp_indexed). */
static kvp_status mtp_groups(const struct sizing *z, kvp_plan *p)
{
	const kvp_model *m = z->m;
	kvp_layer_group *g, key;
	uint32_t i = m->layers;

	memset(&key, 0, sizeof key);
	key.kind = KVP_LAYER_NONE;
	while (i-- > 0) {
		kvp__layer_key(z, i, &key);
		if (key.kind != KVP_LAYER_RECURRENT && key.kind != KVP_LAYER_NONE)
			break;
	}
	if (key.kind == KVP_LAYER_RECURRENT || key.kind == KVP_LAYER_NONE)
		return invalid(z, "MTP layers are attention layers, and the model has none");
	if (key.kind != KVP_LAYER_MLA)
		key.kind = KVP_LAYER_FULL;
	key.index_values = key.kind == KVP_LAYER_MLA && kvp__engine_mtp_indexed(z->r)
	                   ? m->index_head_dim : 0;
	return add_group(z, p, &key, m->layers, z->r->mtp_layers, &g);
}

/* A draft model's layers, grouped by kind and kv heads as the model's are,
 * in its own shape; no policy trims them. */
static kvp_status model_groups(const struct sizing *z, kvp_plan *p)
{
	const kvp_model *d = z->r->draft;
	kvp_request rd = *z->r;
	kvp_model copy;
	char label[KVP_QUOTE_MAX];
	struct sizing zd = {d, &rd, label, z->err};
	uint32_t first = p->group_count, cycle, full;
	kvp_status st;

	rd.policy.kind = KVP_POLICY_FULL;
	if (d->head_dim == 0) {
		copy = *d;
		if ((st = kvp_model_finalize(&copy, z->err)) != KVP_OK)
			return st;
		zd.m = d = &copy;
	} else if ((st = kvp__model_check(d, z->err)) != KVP_OK) {
		return st;
	}
	if ((st = kvp__tp_check(d, &rd, z->err)) != KVP_OK)
		return st;
	if (kvp_model_count_layers(d, KVP_LAYER_RECURRENT))
		return invalid(&zd, "a draft model with recurrent layers is not modelled");
	cycle = kvp__layer_cycle(d, &rd);
	full = d->layers / cycle;
	for (uint32_t i = 0; i < cycle; i++) {
		kvp_layer_group key;
		uint32_t g, n = full + (i < d->layers % cycle);
		kvp_layer_group *grp;

		memset(&key, 0, sizeof key);
		kvp__layer_key(&zd, i, &key);
		/* SGLang's draft worker keeps every MLA layer's indexer key
		 * (_should_elide_dsa_index_k), a sparse draft's shared or not. */
		if (key.kind == KVP_LAYER_MLA && d->index_head_dim && zd.r->engine == KVP_ENGINE_SGLANG)
			key.index_values = d->index_head_dim;
		for (g = first; g < p->group_count; g++)
			if (kvp__same_key(&p->groups[g], &key))
				break;
		if (g < p->group_count) {
			p->groups[g].layers += n;
			continue;
		}
		if ((st = add_group(&zd, p, &key, z->m->layers + i, n, &grp)) != KVP_OK)
			return st;
	}
	return KVP_OK;
}

kvp_status kvp__plan_spec_groups(const struct sizing *z, kvp_plan *p)
{
	const kvp_request *r = z->r;
	uint32_t first = p->group_count;
	kvp_status st;

	p->draft_layers = 0;
	if (r->draft && r->mtp_layers)
		return invalid(z, "a draft model and MTP layers are two ways to draft;"
		               " give one");
	/* The checkpoint's own MTP layers (kvp_model mtp_layers), all of
	 * them: vLLM's MTP models (DeepSeekMTP, Qwen3NextMTP) build every one
	 * of the config's num_nextn_predict_layers, as llama.cpp loads every
	 * NextN block, and none besides.  Where only mtp_params says the
	 * model has some, how many is not known: any count is planned. */
	if (r->mtp_layers && !z->m->mtp_layers && !z->m->mtp_params)
		return kvp__error(z->err, KVP_ERR_INVALID,
		                  "%s has no MTP (NextN) layers", kvp__zname(z));
	if (r->mtp_layers && z->m->mtp_layers && r->mtp_layers != z->m->mtp_layers)
		return kvp__error(z->err, KVP_ERR_INVALID,
		                  "%s has %u MTP (NextN) layer%s, which an MTP draft loads"
		                  " whole; not %u", kvp__zname(z), z->m->mtp_layers,
		                  z->m->mtp_layers == 1 ? "" : "s", r->mtp_layers);
	if (r->mtp_layers)
		st = mtp_groups(z, p);
	else if (r->draft)
		st = model_groups(z, p);
	else
		return KVP_OK;
	if (st != KVP_OK)
		return st;
	for (uint32_t g = first; g < p->group_count; g++)
		p->draft_layers += p->groups[g].layers;
	return KVP_OK;
}

/* llama.cpp's rollback rows (n_rs_seq): common.h need_n_rs_seq gives
 * --spec-draft-n-max for the MTP, EAGLE3, DFlash and DSpark drafts (0 for
 * a plain draft model, -md), and llama-context.cpp clamps it to 0 unless
 * llm_arch_supports_rs_rollback (src/llama-arch.cpp @ 3dc7285b: QWEN35,
 * QWEN35MOE, DEEPSEEK4, NEMOTRON_H, NEMOTRON_H_MOE; a snapshot at 00395eb2
 * lists the first three), here by model_type, Hugging Face's or GGUF's. */
static bool llama_rolls_back(const kvp_model *m)
{
	static const char *const types[] = {
		"qwen3_5", "qwen35", "deepseek_v4", "deepseek4", "nemotron_h",
	};

	return kvp__model_type_in(m, types, sizeof types / sizeof types[0]);
}

uint64_t kvp__spec_state_rows(const kvp_request *r, const kvp_model *m)
{
	/* vLLM: MambaSpec.max_memory_usage_bytes, page x (1 + k) in mode
	 * none, (2 + k) in align (the state at the last block boundary
	 * kept beside the running one), k the speculative tokens
	 * (vllm/v1/kv_cache_interface.py; /work notes vllm-mamba-modes). */
	if (r->engine == KVP_ENGINE_VLLM)
		return (kvp__mamba_mode(r) == KVP_MAMBA_ALIGN ? 2 : 1) +
		       (r->draft || r->mtp_layers ? kvp__vllm_drafted(r) : 0);
	if (r->engine == KVP_ENGINE_LLAMA_CPP && r->mtp_layers && llama_rolls_back(m))
		return 1 + (uint64_t)r->spec_tokens;
	return 1;
}

/* An MTP layer's parameters: one block, the eh_proj of 2 hidden x
 * hidden, and enorm, hnorm and the head's norm.  The block is the
 * model's average (its params less embeddings, head and final norm, over
 * its layers), unless its layers differ (kvp_model moe_*): then the
 * block past the last layer, as DeepSeek-V3's layer 61 and GLM-4.5's
 * layer 92 are (a mixture of experts' layer, as vLLM's
 * DeepSeekMultiTokenPredictorLayer builds its mtp_block): the layers'
 * average less their MLPs (attention and norms), and that layer's MLP,
 * as stages.c weighs a stage's layers.  A sparse MLA model's indexer is
 * taken out of the average and added whole: vLLM's MTP layer builds one
 * (deepseek_v2.py DeepseekV2MLAAttention, is_mtp_layer) where GLM-5.2's
 * layers keep 21 of 78. */
static kvp_status mtp_params(const struct sizing *z, uint64_t *out)
{
	const kvp_model *m = z->m;
	uint64_t h = m->hidden;
	unsigned __int128 outer, block, mlp, iq = 0, i16 = 0, indexers;

	if (!m->vocab || !h)
		return invalid(z, "the MTP layers' weights need the model's vocabulary"
		               " and hidden size");
	outer = (unsigned __int128)m->vocab * h * (m->tie_embeddings ? 1 : 2) + h;
	if (outer >= m->params)
		return invalid(z, "the MTP layers' weights: its params do not cover its"
		               " embeddings");
	if (m->moe_experts) {
		/* A rounded count short of the MLPs (Kimi K2's "1T"): their
		 * MLP alone, as stages.c takes it. */
		if (m->index_heads)
			kvp__indexer_layer_params(m, &iq, &i16);
		indexers = (iq + i16) * kvp_model_count_indexed(m);
		mlp = kvp__mlp_params_span(m, 0, m->layers) + indexers;
		block = m->params > outer + mlp ? (m->params - outer - mlp) / m->layers : 0;
		block += kvp__mlp_params_span(m, m->layers, m->layers + 1) + iq + i16;
	} else {
		block = (m->params - outer) / m->layers;
	}
	block += 2 * (unsigned __int128)h * h + 3 * h;
	if (block > UINT64_MAX)
		return kvp__error(z->err, KVP_ERR_OVERFLOW, "%s: the MTP layers' parameters"
		                  " overflow 64 bits", kvp__zname(z));
	*out = (uint64_t)block;
	return KVP_OK;
}

kvp_status kvp__plan_draft_weights(const struct sizing *z, kvp_plan *p)
{
	const kvp_request *r = z->r;
	unsigned __int128 bytes;

	p->draft_weights_bytes = p->draft_embedding_bytes = 0;
	if (r->mtp_layers && r->draft_weight_bytes) {
		/* Counted in a file (kvp_weights mtp_bytes), less the layers'
		 * copies of the embedding and the head where the engine uses
		 * the model's (mtp_shared, at the top). */
		bytes = r->draft_weight_bytes;
		if (r->engine != KVP_ENGINE_LLAMA_CPP)
			bytes -= r->draft_shared_bytes < r->draft_weight_bytes
			         ? r->draft_shared_bytes : r->draft_weight_bytes;
	} else if (r->mtp_layers) {
		/* At the model's own bytes a parameter; none for a model of
		 * unknown params, as its own weights are then none. */
		uint64_t per = 0, weights = p->weights_bytes;
		/* The checkpoint's own MTP layers' params where the model
		 * gives them, loaded whole whatever mtp_layers says (vLLM's
		 * and SGLang's MTP models build every one of the config's
		 * num_nextn_predict_layers); else mtp_layers blocks at the
		 * model's average. */
		uint64_t layers = z->m->mtp_params ? 1 : r->mtp_layers;
		kvp_status st;

		if (!z->m->params)
			return KVP_OK;
		/* less the layers' copies of the embedding and the head a
		 * checkpoint counted, but under llama.cpp (mtp_shared, at the top) */
		if (z->m->mtp_params)
			per = z->m->mtp_params - (r->engine == KVP_ENGINE_LLAMA_CPP
			                          ? 0 : z->m->mtp_shared_params);
		else if ((st = mtp_params(z, &per)) != KVP_OK)
			return st;
		if (!weights && (st = kvp__plain_weights(z->m->name, z->m->params, r->weights_dtype,
		                                         &weights, z->err)) != KVP_OK)
			return st;
		bytes = (unsigned __int128)per * layers * weights;
		bytes = bytes / z->m->params + (bytes % z->m->params != 0);
		/* A format that leaves them 16-bit (:mtp16: ModelOpt's
		 * DeepSeek FP4 exports keep layer 61 in bf16, and vLLM's and
		 * SGLang's ModelOpt methods load an excluded layer
		 * unquantized): 2 B a parameter. */
		if (kvp__wkeep(&r->weights_format) & KVP_WKEEP_MTP)
			bytes = (unsigned __int128)per * layers * 2;
	} else if (r->draft) {
		/* The draft's weights as the engine loads them: without its
		 * own NextN blocks, and its towers where the engine leaves
		 * them. */
		kvp_model loaded;
		const kvp_model *d = &loaded;
		uint64_t w;
		kvp_status st;

		kvp_model_loaded(r->draft, r, &loaded);
		if (r->draft_weight_bytes) {
			w = r->draft_weight_bytes;
		} else if (r->weights_format.kind != KVP_WFORMAT_PLAIN) {
			kvp_weights_estimate e;

			if ((st = kvp_weights_estimate_compute(d, &r->weights_format, r->weights_dtype,
			                                       &e, z->err)) != KVP_OK)
				return st;
			w = e.bytes;
		} else if ((st = kvp__plain_weights(d->name, d->params, r->weights_dtype, &w,
		                                    z->err)) != KVP_OK) {
			return st; /* params 0: none, as the model's own */
		}
		bytes = w;
		/* llama.cpp keeps the draft's token embedding in host memory
		 * (llama_compute.c), as the model's: on the GPU only an
		 * untied head; a tied one is its copy there.  Not for a draft
		 * counted from its file, whose embedding's type is not known
		 * here: all of it on the GPU. */
		if (r->engine == KVP_ENGINE_LLAMA_CPP && !d->tie_embeddings &&
		    !r->draft_weight_bytes) {
			uint64_t e = kvp__embedding_estimate(d, r);

			if (e <= w)
				bytes = w - e;
		}
	} else {
		return KVP_OK;
	}
	/* vLLM's MTP drafter under pipeline parallelism loads an embedding
	 * of its own (mtp_shared, at the top). */
	if (r->mtp_layers && r->engine == KVP_ENGINE_VLLM && r->pp > 1) {
		p->draft_embedding_bytes = p->embedding_bytes;
		bytes += p->embedding_bytes;
	}
	if (bytes > UINT64_MAX)
		return kvp__error(z->err, KVP_ERR_OVERFLOW, "%s: the MTP layers' weights"
		                  " overflow 64-bit bytes", kvp__zname(z));
	p->draft_weights_bytes = (uint64_t)bytes;
	return KVP_OK;
}
