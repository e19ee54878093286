/*
 * parallel.c — a plan across GPUs: pipeline stages (which layers each GPU
 * holds), one tensor-parallel rank's share of each stage, and the totals
 * over every GPU, replicas included.
 */
#include <stdio.h>

#include "engine.h"
#include "internal.h"

/* Whether layer i of the cycle is in group g: its own, or the
 * parallel states' group of an attention layer (kvp_layer_group
 * parallel). */
static bool in_group(const kvp_plan *p, uint32_t i, uint32_t g)
{
	const kvp_layer_group *own = &p->groups[p->cycle[i]];

	if (!p->groups[g].parallel)
		return p->cycle[i] == g;
	return kvp__attends(own->kind);
}

/* Layers i < x whose group is g. */
static uint64_t layers_before(const kvp_plan *p, uint32_t g, uint64_t x)
{
	uint64_t in_cycle = 0, head = 0, rest = x % p->cycle_len;

	for (uint32_t i = 0; i < p->cycle_len; i++) {
		if (!in_group(p, i, g))
			continue;
		in_cycle++;
		head += i < rest;
	}
	return x / p->cycle_len * in_cycle + head;
}

/* SGLang's sliding-window pool holds every layer on each pipeline rank:
 * model_runner_kv_cache_mixin.py (@ 001ccef0 and 226149ac alike) gives
 * SWAKVPool the whole model's swa_attention_layer_ids and
 * full_attention_layer_ids, not the rank's start_layer..end_layer as its
 * other pools have, and sizes it by the whole model's layers. */
static bool sglang_whole_stages(const kvp_plan *p)
{
	if (p->request.engine != KVP_ENGINE_SGLANG || p->stages < 2)
		return false;
	for (uint32_t g = 0; g < p->group_count; g++)
		if (kvp__sglang_swa_kind(p->groups[g].kind) && p->groups[g].bytes_per_token)
			return true;
	return false;
}

uint64_t kvp__stage_group_layers_of(const kvp_plan *p, uint32_t stage, uint32_t g)
{
	uint64_t a = p->stage_first[stage], b = a + p->stage_layers[stage];

	/* A draft's layers run on the last stage. */
	if (p->groups[g].draft)
		return stage + 1 == p->stages ? p->groups[g].layers : 0;
	/* One stage holds every layer: the group's own count; so does each
	 * stage of SGLang's sliding-window pool. */
	if ((a == 0 && b == p->layers) || p->stages_whole)
		return p->groups[g].layers;
	return layers_before(p, g, b) - layers_before(p, g, a);
}

/* *total (the groups' per-token caches, or their state) as the stages
 * hold it on one rank: with every layer on each stage (stages_whole), the
 * model's layers pp times and a draft's once.  False on overflow. */
static bool whole_totals(const kvp_plan *p, uint64_t *total, bool state)
{
	uint64_t draft = 0, model;

	if (!p->stages_whole)
		return true;
	for (uint32_t g = 0; g < p->group_count; g++) {
		const kvp_layer_group *grp = &p->groups[g];

		if (grp->draft)
			draft += state ? grp->state_bytes
			               : grp->k_bytes + grp->v_bytes + grp->latent_bytes +
			                 grp->index_bytes;
	}
	model = *total - draft;
	return kvp__mul(model, p->request.pp, &model) && kvp__add(model, draft, total);
}

/* SGLang's decode context parallelism over its one pool of tokens, as
 * kvplan follows it, with a draft's pool of full-attention or MLA layers
 * beside it (kvp__sglang_draft_dcp): the pools of a sliding-window model
 * (SWAKVPool) and of recurrent states, the model's or a draft's, are not
 * followed. */
static kvp_status sglang_dcp_layers(const kvp_plan *p, kvp_error *err)
{
	char label[KVP_QUOTE_MAX];

	for (uint32_t g = 0; g < p->group_count; g++) {
		const kvp_layer_group *grp = &p->groups[g];
		const char *what;

		if (!grp->layers || grp->kind == KVP_LAYER_NONE ||
		    (grp->kind == KVP_LAYER_RECURRENT ? !grp->state_bytes_per_seq
		                                      : !grp->bytes_per_token))
			continue;
		if (grp->index_bytes_per_token)
			what = "a sparse-attention indexer (its DSA pool)";
		else if (grp->kind == KVP_LAYER_RECURRENT)
			what = grp->draft ? "a draft's recurrent states" : "a pool of recurrent states";
		else if (kvp__sglang_swa_kind(grp->kind))
			what = grp->draft ? "a draft's sliding-window layers" : "a sliding-window pool";
		else
			continue;
		return kvp__error(err, KVP_ERR_INVALID,
		                  "%s: kvplan does not follow SGLang's decode context"
		                  " parallelism (--dcp) with %s; it follows its one pool of"
		                  " full-attention or MLA layers",
		                  kvp__label(p->model_name, "the model", label), what);
	}
	return KVP_OK;
}

/* vLLM's decode context parallelism keeps full-attention and MLA layers
 * only: a sliding layer's spec asserts "DCP not support sliding window"
 * (vllm/v1/kv_cache_interface.py SlidingWindowSpec.max_memory_usage_
 * bytes; a chunked layer is kept in its manager), and a hybrid model's
 * groups of several block sizes are refused ("Hybrid KV cache groups
 * with multiple block sizes do not support context parallelism",
 * vllm/v1/core/kv_cache_utils.py resolve_kv_cache_block_sizes, PR
 * #40860, in 0.20). */
static kvp_status dcp_layers(const kvp_plan *p, kvp_error *err)
{
	const kvp_request *r = &p->request;
	char label[KVP_QUOTE_MAX];

	if (r->engine == KVP_ENGINE_SGLANG && r->dcp > 1)
		return sglang_dcp_layers(p, err);
	if (r->engine != KVP_ENGINE_VLLM || r->dcp <= 1)
		return KVP_OK;
	for (uint32_t g = 0; g < p->group_count; g++) {
		const kvp_layer_group *grp = &p->groups[g];

		/* A sparse MLA model's indexer under it was not read. */
		if (grp->index_bytes_per_token)
			return kvp__error(err, KVP_ERR_INVALID,
			                  "%s: kvplan does not follow vLLM's decode context"
			                  " parallelism (--dcp) with a sparse-attention indexer",
			                  kvp__label(p->model_name, "the model", label));
		if (!grp->layers || grp->kind == KVP_LAYER_NONE || kvp__engine_dcp(r, grp) > 1)
			continue;
		if (grp->kind == KVP_LAYER_RECURRENT ? !grp->state_bytes_per_seq
		                                      : !grp->bytes_per_token)
			continue;
		return kvp__error(err, KVP_ERR_INVALID,
		                  "%s: vLLM's decode context parallelism keeps full-attention"
		                  " and MLA layers only, and %s has %s layers (%s)",
		                  kvp__label(p->model_name, "the model", label),
		                  grp->draft ? "its draft" : "it",
		                  grp->kind == KVP_LAYER_RECURRENT ? "recurrent"
		                  : grp->kind == KVP_LAYER_SLIDING ? "sliding-window" : "chunked",
		                  grp->kind == KVP_LAYER_RECURRENT
		                  ? "hybrid KV cache groups with multiple block sizes do not"
		                    " support context parallelism"
		                  : "DCP not support sliding window");
	}
	return KVP_OK;
}

/* The ranks a kv head's split over: the attention's tp, or under SGLang's
 * decode context parallelism its tp // dcp head groups, each of dcp GPUs
 * that share the tokens (configs/model_config.py get_num_kv_heads(
 * tp, dcp): max(1, kv // max(1, tp // dcp)), as SGLang's own tests stub
 * it and PR #32858 lays K and V out by attn_tp_size / dcp_size; the file
 * itself was not read at a commit that has it). */
uint32_t kvp__kv_tp(const kvp_request *r)
{
	uint32_t tp = kvp__attn_tp(r);

	if (r->engine == KVP_ENGINE_SGLANG && r->dcp > 1)
		return tp / r->dcp ? tp / r->dcp : 1;
	return tp;
}

static bool has_mla(const kvp_plan *p)
{
	for (uint32_t g = 0; g < p->group_count; g++)
		if (p->groups[g].kind == KVP_LAYER_MLA && !p->groups[g].draft)
			return true;
	return false;
}

kvp_status kvp__plan_parallel(kvp_plan *p, kvp_error *err)
{
	const kvp_request *r = &p->request;
	uint64_t ranks, t, draft = 0;
	kvp_status st;

	if ((st = kvp__pp_split(r, p->layers, &p->stages, p->stage_first,
	                        p->stage_layers, err)) != KVP_OK)
		return st;
	p->stages_whole = sglang_whole_stages(p);
	if ((st = dcp_layers(p, err)) != KVP_OK)
		return st;
	p->streams = 1;
	/* An MLA model's query heads over the attention's tp (its latent is
	 * whole on every rank). */
	p->kv_heads_per_gpu = kvp__plan_attention_free(p) ? 0
	                      : kvp__tp_heads(p->model_kv_heads,
	                                      has_mla(p) ? kvp__attn_tp(r) : kvp__kv_tp(r));
	if (r->engine == KVP_ENGINE_LLAMA_CPP) {
		uint64_t per_stream;

		kvp__llama_streams(r, &p->n_ctx, &p->streams, &per_stream);
	}
	for (uint32_t s = 0; s < p->stages; s++) {
		uint64_t bytes = 0;

		for (uint32_t g = 0; g < p->group_count; g++) {
			const kvp_layer_group *grp = &p->groups[g];
			uint64_t layer;

			/* Each term is a part of the group's bytes, which fit. */
			layer = grp->layer_kv_bytes + grp->layer_state_bytes;
			bytes += kvp__stage_group_layers(p, s, g) * layer;
		}
		p->stage_bytes[s] = bytes;
		if (bytes > p->kv_bytes_per_gpu)
			p->kv_bytes_per_gpu = bytes;
	}
	/* Every rank of a stage holds its share; replicas hold it again (the
	 * dp groups of SGLang's data-parallel attention are among the tp
	 * ranks: kvp__stage_gpus);
	 * SGLang's sliding-window pool, every layer of the model on each
	 * stage (a draft's on the last alone). */
	ranks = kvp__stage_gpus(r);
	/* A token's bytes on the GPUs: each on tp / dcp of them (dcp
	 * divides tp: kvp__tp_check), but SGLang's draft's on all tp
	 * (kvp__sglang_draft_dcp). */
	for (uint32_t g = 0; g < p->group_count; g++)
		if (kvp__sglang_draft_dcp(r, &p->groups[g]) > 1)
			draft += p->groups[g].bytes_per_token * p->groups[g].layers;
	if (!whole_totals(p, &p->kv_total_bytes, false) ||
	    !whole_totals(p, &p->state_total_bytes, true) ||
	    !kvp__add(p->kv_total_bytes, p->state_total_bytes, &p->cache_total_bytes) ||
	    !kvp__mul(p->kv_total_bytes, ranks, &p->kv_total_bytes) ||
	    !kvp__mul(p->state_total_bytes, ranks, &p->state_total_bytes) ||
	    !kvp__mul(p->cache_total_bytes, ranks, &p->cache_total_bytes) ||
	    !kvp__mul(p->kv_bytes_per_token - draft, kvp__attn_tp(r) / kvp__request_dcp(r), &t) ||
	    !kvp__mul(draft, kvp__attn_tp(r), &draft) || !kvp__add(t, draft, &t))
		return kvp__error(err, KVP_ERR_OVERFLOW,
		                  "the cache across %u x %u x %u GPUs overflows 64-bit bytes",
		                  r->tp, r->pp, r->dp);
	p->kv_bytes_per_token = t;
	return KVP_OK;
}

/* ---- the tensor-parallel split and the pipeline stages ---------------- */

/* SGLang's decode context parallelism splits the tp GPUs into groups of
 * dcp (distributed/parallel_state.py initialize_model_parallel:
 * "tensor_model_parallel_size (tp) must be divisible by
 * decode_context_parallel_size (n)"); under data-parallel attention the
 * groups are of the attention's tp (docs/advanced_features/dcp.mdx:
 * attn_tp_size % dcp_size == 0, which its startup does not check, so
 * kvplan does).  Its server arguments refuse nothing else of a model
 * (arg_groups/parallel_hook.py handle_dcp_validation). */
static kvp_status sglang_dcp_check(const kvp_request *r, uint32_t tp, const char *name,
                                   kvp_error *err)
{
	uint32_t all = r->tp ? r->tp : 1;

	if (all % r->dcp != 0)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "%s: SGLang's decode context parallel %u does not divide"
		                  " tensor parallel %u (tensor_model_parallel_size must be"
		                  " divisible by decode_context_parallel_size)", name, r->dcp,
		                  all);
	if (tp % r->dcp != 0)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "%s: SGLang's decode context parallel %u does not divide the"
		                  " attention's tp %u (attn_tp_size %% dcp_size must be 0)",
		                  name, r->dcp, tp);
	return KVP_OK;
}

/* vLLM's decode context parallelism takes groups of dcp of the tp GPUs
 * in place of the copies tp makes of each kv head.  vllm/config/
 * parallel.py ParallelConfig._validate_parallel_config: "tp_size=...
 * must be divisible by dcp_size=..."; vllm/config/model.py ModelConfig.
 * verify_with_parallel_config (PR #24864, v0.11.1), for a model without
 * MLA: tp greater than its kv heads, dcp at most tp // kv heads, and the
 * query heads of a kv head divisible by dcp (a draft model's alike,
 * against its own config).  Read at vLLM main of late 2026. */
kvp_status kvp__dcp_check(const kvp_model *m, const kvp_request *r, uint32_t tp,
                          const char *name, kvp_error *err)
{
	uint32_t kv = m->kv_heads;

	if (r->engine == KVP_ENGINE_SGLANG && r->dcp > 1)
		return sglang_dcp_check(r, tp, name, err);
	if (r->engine != KVP_ENGINE_VLLM || r->dcp <= 1)
		return KVP_OK;
	if (tp % r->dcp != 0)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "%s: vLLM's decode context parallel %u does not divide"
		                  " tensor parallel %u (tp_size must be divisible by"
		                  " dcp_size)", name, r->dcp, tp);
	if (m->kv_lora_rank || kv == 0)
		return KVP_OK;
	if (tp <= kv)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "%s: vLLM's decode context parallel needs tensor parallel"
		                  " %u greater than its %u kv heads (it splits the copies tp"
		                  " makes of each)", name, tp, kv);
	if (r->dcp > tp / kv)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "%s: vLLM's decode context parallel %u exceeds tp %u // its"
		                  " %u kv heads = %u", name, r->dcp, tp, kv, tp / kv);
	if ((m->heads / kv) % r->dcp != 0)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "%s: vLLM's decode context parallel %u does not divide its"
		                  " %u query heads per kv head", name, r->dcp, m->heads / kv);
	return KVP_OK;
}

kvp_status kvp__tp_check(const kvp_model *m, const kvp_request *r, kvp_error *err)
{
	char label[KVP_QUOTE_MAX], what[64];
	uint32_t tp = kvp__attn_tp(r);
	kvp_status st;

	/* The name is made only for a message. */
#define name kvp__label(m->name, "the model", label)

	/* The degree as the user gave it: under SGLang's data-parallel
	 * attention, the attention's tp of the tp and dp given. */
	if (kvp__sglang_dp_attention(r))
		snprintf(what, sizeof what, "attention tp %u (tp %u / dp %u)", tp, r->tp, r->dp);
	else
		snprintf(what, sizeof what, "tensor parallel %u", tp);

	/* SGLang's data-parallel attention makes dp groups of the tp GPUs
	 * (server_args.py _handle_data_parallelism: assert tp_size %
	 * dp_size == 0). */
	if (kvp__sglang_dp_attention(r) && (r->tp ? r->tp : 1) % r->dp != 0)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "%s: SGLang's data-parallel attention splits the tp %u"
		                  " GPUs into dp %u groups, and %u does not divide %u",
		                  name, r->tp ? r->tp : 1, r->dp, r->dp, r->tp ? r->tp : 1);
	if (m->heads % tp != 0)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "%s: %s does not divide its %u query heads", name, what,
		                  m->heads);
	if ((st = kvp__dcp_check(m, r, tp, name, err)) != KVP_OK ||
	    (st = kvp__state_split_check(m, r, r->tp ? r->tp : 1, name, err)) != KVP_OK)
		return st;
	for (uint32_t i = 0; i < (m->layer_kv_heads_len ? m->layers : 1); i++) {
		uint32_t kv = kvp_model_layer_kv_heads(m, i);

		if (kv == 0 || m->kv_lora_rank)
			continue;
		if (kv % tp != 0 && tp % kv != 0)
			return kvp__error(err, KVP_ERR_SHAPE,
			                  "%s: %s neither divides its %u kv heads nor is a"
			                  " multiple of them", name, what, kv);
	}
	/* SGLang's data-parallel attention leaves the MLP and the experts
	 * over tp, which its linear layers and FusedMoE divide exactly
	 * (divide(), and intermediate_size_per_partition without expert
	 * parallelism, the default). */
	if (kvp__sglang_dp_attention(r)) {
		uint32_t inner = m->intermediate ? m->intermediate : m->dense_intermediate;

		if (inner && inner % r->tp != 0)
			return kvp__error(err, KVP_ERR_SHAPE,
			                  "%s: SGLang splits the MLP's %u inner channels over tp %u,"
			                  " which does not divide them", name, inner, r->tp);
		if (m->moe_intermediate && (m->moe_experts || m->moe_routed_experts) &&
		    m->moe_intermediate % r->tp != 0)
			return kvp__error(err, KVP_ERR_SHAPE,
			                  "%s: SGLang splits each expert's %u inner channels over tp"
			                  " %u, which does not divide them", name,
			                  m->moe_intermediate, r->tp);
	}
	/* vLLM splits each routed expert's inner size over its MoE layers'
	 * tp, tp x dp, unless expert parallelism keeps experts whole
	 * (fused_moe/config.py FusedMoEConfig.__post_init__ asserts
	 * intermediate_size % tp_size == 0). */
	if (r->engine == KVP_ENGINE_VLLM && !r->expert_parallel && m->moe_intermediate &&
	    (m->moe_experts || m->moe_routed_experts)) {
		uint64_t group = (uint64_t)tp * (r->dp ? r->dp : 1);

		if (m->moe_intermediate % group != 0)
			return kvp__error(err, KVP_ERR_SHAPE,
			                  "%s: vLLM splits each expert's %u inner channels"
			                  " over tp x dp = %llu GPUs, which does not divide"
			                  " them (--enable-expert-parallel keeps experts"
			                  " whole)", name, m->moe_intermediate,
			                  (unsigned long long)group);
	}
#undef name
	return KVP_OK;
}

/* kv heads on one rank: vllm/config/model.py get_num_kv_heads,
 * max(1, total // tp): replicated, not split, past the kv heads. */
uint32_t kvp__tp_heads(uint32_t kv, uint32_t tp)
{
	return kv / tp > 0 ? kv / tp : 1;
}

kvp_status kvp__pp_split(const kvp_request *r, uint32_t layers, uint32_t *stages,
                         uint32_t *first, uint32_t *count, kvp_error *err)
{
	uint32_t pp = r->pp ? r->pp : 1, start = 0;
	uint64_t sum = 0;

	if (pp > KVP_PP_MAX)
		return kvp__error(err, KVP_ERR_RANGE,
		                  "pipeline parallel %u: at most %d stages", pp, KVP_PP_MAX);
	if (pp > layers)
		return kvp__error(err, KVP_ERR_SHAPE,
		                  "pipeline parallel %u exceeds the %u layers", pp, layers);
	if (r->pp_layers_len) {
		if (r->pp_layers_len != pp)
			return kvp__error(err, KVP_ERR_SHAPE,
			                  "the layer split has %u stages; pipeline parallel"
			                  " is %u", r->pp_layers_len, pp);
		for (uint32_t i = 0; i < pp; i++) {
			if (r->pp_layers[i] == 0)
				return kvp__error(err, KVP_ERR_SHAPE,
				                  "stage %u of the layer split has no layers", i);
			sum += r->pp_layers[i];
		}
		if (sum != layers)
			return kvp__error(err, KVP_ERR_SHAPE,
			                  "the layer split sums to %llu layers; the model"
			                  " has %u", (unsigned long long)sum, layers);
		for (uint32_t i = 0; i < pp; i++)
			count[i] = r->pp_layers[i];
	} else {
		/* layers / pp each, and the remainder one each to:
		 *  - vLLM (vllm/distributed/utils.py get_pp_indices), and the
		 *    engines without a rule of their own: the stages before
		 *    the last, from the second-last backwards;
		 *  - SGLang (python/sglang/srt/distributed/utils.py
		 *    get_pp_indices): the last stages;
		 *  - TensorRT-LLM (tensorrt_llm/mapping.py pp_layers,
		 *    torch.tensor_split): the first stages. */
		uint32_t rem = layers % pp;

		for (uint32_t i = 0; i < pp; i++)
			count[i] = layers / pp;
		for (uint32_t i = 0; i < rem; i++)
			count[r->engine == KVP_ENGINE_SGLANG ? pp - 1 - i
			      : r->engine == KVP_ENGINE_TRTLLM ? i : pp - 2 - i]++;
	}
	for (uint32_t i = 0; i < pp; i++) {
		first[i] = start;
		start += count[i];
	}
	*stages = pp;
	return KVP_OK;
}
